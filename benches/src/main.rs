//! `cargo run --release -p osbox-bench [-- --quick]`: the speed table of the
//! README (see the library's documentation).

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes = if quick { &osbox_bench::Sizes::QUICK } else { &osbox_bench::Sizes::FULL };
    let report = osbox_bench::measure(sizes, true);
    osbox_bench::print(&report, if quick { "quick" } else { "full" });
}
