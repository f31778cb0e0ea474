//! The bench at small sizes, in the test suite: each case's ratio to
//! native Rust (or to CPython) must stay under a limit. The limits are
//! ratios, never absolute times, set well above what this profile measures
//! (debug osbox over optimised wasmtime; the README's table is a release
//! build), so that only a real regression fails: the per-entry WASI walk
//! osbox once had was 15x native, its per-entry scandir 24x.

/// (case prefix, limit on osbox/native, limit on osbox/CPython). Measured
/// in this profile on 2 cores: stat 3.2x CPython, listdir 1.8x native,
/// scandir 2.9x, walk 2.5x native and 1.8x CPython, copytree 1.5x and 0.9x,
/// rmtree 1.2x-1.4x, write 1.6x, read 9.5x.
const LIMITS: [(&str, Option<f64>, Option<f64>); 9] = [
    ("stat at depth", None, Some(8.0)),
    ("listdir of", Some(5.0), None),
    ("scandir of", Some(8.0), None),
    ("walk of", Some(6.0), Some(4.5)),
    ("copytree of", Some(4.0), Some(3.0)),
    ("rmtree of", Some(3.0), None),
    ("write", Some(4.0), None),
    ("read", Some(20.0), None),
    ("sandbox instantiation", None, None),
];

#[test]
fn ratios_stay_under_their_limits() {
    let report = osbox_bench::measure(&osbox_bench::Sizes::CHECK, false, None);
    osbox_bench::print(&report, "check");
    let mut over = Vec::new();
    for row in &report.rows {
        let (_, native, cpython) = LIMITS
            .iter()
            .find(|(prefix, ..)| row.case.starts_with(prefix))
            .unwrap_or_else(|| panic!("no limit for {}", row.case));
        for (what, ratio, limit) in [("native", row.vs_native(), native), ("CPython", row.vs_cpython(), cpython)] {
            if let (Some(r), Some(l)) = (ratio, limit)
                && r > *l
            {
                over.push(format!("{}: {r:.2}x {what}, limit {l}x", row.case));
            }
        }
    }
    assert!(over.is_empty(), "speed regressed:\n{}", over.join("\n"));
    assert!(report.per_idle_sandbox < 2 << 20, "an idle sandbox holds {} bytes", report.per_idle_sandbox);
}
