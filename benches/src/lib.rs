//! osbox's speed: builds the trees and files it needs, then measures each
//! case three ways on the same data, in one run: osbox through the Rust
//! API, native Rust std, and CPython's os (python3). `cargo run --release
//! -p osbox-bench [-- --quick]` prints the medians and the ratios
//! osbox/native and osbox/CPython; `tests/ratios.rs` runs the small sizes
//! in the test suite and fails when a ratio regresses past its limit.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use osbox::{CopytreeOptions, Os, Runtime, WalkOptions};

/// How many times each case runs; the median is reported. `--runs N`
/// sets it, e.g. for a profile of one case (`--only CASE --runs 200`).
static RUNS: AtomicUsize = AtomicUsize::new(5);

/// Runs each case `n` times (at least once) from now on.
pub fn set_runs(n: usize) {
    RUNS.store(n.max(1), Ordering::Relaxed);
}

fn runs() -> usize {
    RUNS.load(Ordering::Relaxed)
}

/// How big each case is.
pub struct Sizes {
    /// Entries of the directory listed.
    pub entries: usize,
    /// Files of the small walk.
    pub walk_small: usize,
    /// Files of the large walk.
    pub walk_large: usize,
    /// Files of the tree copied and removed.
    pub tree: usize,
    /// MiB written and read.
    pub file_mib: usize,
    /// Stat calls timed.
    pub stats: usize,
}

impl Sizes {
    /// The sizes the README's table is measured with.
    pub const FULL: Sizes =
        Sizes { entries: 10_000, walk_small: 10_000, walk_large: 100_000, tree: 10_000, file_mib: 256, stats: 10_000 };
    /// `--quick`.
    pub const QUICK: Sizes =
        Sizes { entries: 2_000, walk_small: 2_000, walk_large: 10_000, tree: 2_000, file_mib: 16, stats: 2_000 };
    /// The test suite's regression check: seconds, not minutes.
    pub const CHECK: Sizes =
        Sizes { entries: 2_000, walk_small: 2_000, walk_large: 5_000, tree: 1_000, file_mib: 16, stats: 2_000 };
}

/// One case measured three ways.
pub struct Row {
    /// What was measured.
    pub case: String,
    /// osbox's median.
    pub osbox: Duration,
    /// Native Rust std's median, where there is one.
    pub native: Option<Duration>,
    /// CPython's median, where there is one.
    pub cpython: Option<Duration>,
}

impl Row {
    /// osbox / native.
    pub fn vs_native(&self) -> Option<f64> {
        self.native.map(|n| self.osbox.as_secs_f64() / n.as_secs_f64().max(1e-9))
    }

    /// osbox / CPython.
    pub fn vs_cpython(&self) -> Option<f64> {
        self.cpython.map(|n| self.osbox.as_secs_f64() / n.as_secs_f64().max(1e-9))
    }
}

/// A whole run.
pub struct Report {
    /// The cases, in order.
    pub rows: Vec<Row>,
    /// Resident memory per idle sandbox, in bytes.
    pub per_idle_sandbox: usize,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(mut f: impl FnMut()) -> Duration {
    let mut times = Vec::new();
    for _ in 0..runs() {
        let t = Instant::now();
        f();
        times.push(t.elapsed());
    }
    median(times)
}

/// CPython's time for `body` (Python statements using `d`, the directory),
/// measured inside python3 so that its start-up does not count.
fn python(dir: &Path, setup: &str, body: &str) -> Option<Duration> {
    python_in(&[OsStr::new("python3")], dir.as_os_str(), setup, body)
}

/// The same measured by `interpreter` (python3, or `osbox ... python`),
/// with `dir` as it sees the directory.
fn python_in(interpreter: &[&OsStr], dir: &OsStr, setup: &str, body: &str) -> Option<Duration> {
    let script = format!(
        "import os, shutil, time, sys\nd = sys.argv[1]\n{setup}\nruns = []\nfor _ in range({runs}):\n    t = time.perf_counter_ns()\n{}\n    runs.append(time.perf_counter_ns() - t)\nruns.sort()\nprint(runs[len(runs) // 2])\n",
        body.lines().map(|l| format!("    {l}\n")).collect::<String>(),
        runs = runs(),
    );
    let out = Command::new(interpreter[0]).args(&interpreter[1..]).arg("-c").arg(script).arg(dir).output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok().map(Duration::from_nanos)
}

fn tree(root: &Path, files: usize) {
    let dirs = (files / 50).max(1);
    for d in 0..dirs {
        let dir = root.join(format!("d{d:04}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..files / dirs {
            std::fs::write(dir.join(format!("f{f:03}")), b"x").unwrap();
        }
    }
}

fn sandbox(runtime: &Runtime, dir: &Path) -> Os {
    runtime.sandbox().dir(dir, "/b").cwd("/b").build().unwrap().os().unwrap()
}

fn ratio(a: Duration, b: Option<Duration>) -> String {
    b.filter(|b| !b.is_zero()).map_or("-".into(), |b| format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64()))
}

fn show(d: Option<Duration>) -> String {
    d.map_or("-".into(), |d| {
        if d < Duration::from_millis(1) {
            format!("{:.1} us", d.as_secs_f64() * 1e6)
        } else {
            format!("{:.1} ms", d.as_secs_f64() * 1e3)
        }
    })
}

fn walk_native(root: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            n += 1;
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
    n
}

fn copy_native(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_native(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// A row of the calls' floor: its name, the call made through osbox, and
/// the statement CPython runs for it.
type CallCase = (&'static str, fn(&mut Os), &'static str);

/// Resident memory each of 200 idle sandboxes adds, in bytes.
fn idle_memory(runtime: &Runtime, dir: &Path) -> usize {
    let rss = || -> usize {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
        statm.split_whitespace().nth(1).and_then(|p| p.parse::<usize>().ok()).unwrap_or(0) * 4096
    };
    let sb = runtime.sandbox().dir(dir, "/b").build().unwrap();
    drop(sb.os().unwrap());
    let before = rss();
    let idle: Vec<Os> = (0..200).map(|_| sb.os().unwrap()).collect();
    rss().saturating_sub(before) / idle.len()
}

/// Measures every case at sizes `s`, or the cases whose names start with
/// `only` (to profile one: `perf record osbox-bench --only 'stat at'`);
/// `with_cli` adds the CLI's start to first result (it builds the `osbox`
/// binary of this profile).
pub fn measure(s: &Sizes, with_cli: bool, only: Option<&str>) -> Report {
    let want = |case: &str| only.is_none_or(|o| case.starts_with(o) || o.starts_with(case));
    let runtime = Runtime::new().expect("runtime");
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let mut rows: Vec<Row> = Vec::new();

    // Memory per idle sandbox, before the other cases: the memory they
    // free stays resident, and new sandboxes would reuse it unseen.
    let per_sandbox = if want("sandbox instantiation") { idle_memory(&runtime, w) } else { 0 };
    let mut os = sandbox(&runtime, w);
    let per = |d: Duration, n: usize| d / n as u32;

    if want("stat at depth") {
        // stat round trips, of a name at the top of the grant and of names
        // nested 4 and 8 deep (the path's last component is the depth-th)
        for depth in [1, 4, 8].into_iter().filter(|d| want(&format!("stat at depth {d}"))) {
            let rel: PathBuf = (1..depth).map(|i| format!("s{i}")).chain(["stat-me".to_string()]).collect();
            let host = w.join(&rel);
            std::fs::create_dir_all(host.parent().unwrap()).unwrap();
            std::fs::write(&host, b"x").unwrap();
            let inside = Path::new("/b").join(&rel);
            let inside = inside.to_str().unwrap();
            let o = time(|| {
                for _ in 0..s.stats {
                    os.stat(inside).unwrap();
                }
            });
            let n = time(|| {
                for _ in 0..s.stats {
                    std::fs::metadata(&host).unwrap();
                }
            });
            let p = python(&host, "", &format!("for _ in range({}):\n    os.stat(d)", s.stats));
            rows.push(Row {
                case: format!("stat at depth {depth}"),
                osbox: per(o, s.stats),
                native: Some(per(n, s.stats)),
                cpython: p.map(|p| per(p, s.stats)),
            });
        }
    }

    if want("call ") {
        // What a call costs with nothing to do outside the guest: the floor
        // under every other case (CPython's figure is its own call).
        let calls: [CallCase; 2] = [
            (
                "call without arguments (getpid)",
                |os| {
                    os.getpid().unwrap();
                },
                "os.getpid()",
            ),
            (
                "call with a path (path.isabs)",
                |os| {
                    os.path().isabs("/b/s1/s2/s3/stat-me").unwrap();
                },
                "os.path.isabs('/b/s1/s2/s3/stat-me')",
            ),
        ];
        for (case, call, statement) in calls {
            let o = time(|| {
                for _ in 0..s.stats {
                    call(&mut os);
                }
            });
            let p = python(w, "", &format!("for _ in range({}):\n    {statement}", s.stats));
            rows.push(Row {
                case: case.into(),
                osbox: per(o, s.stats),
                native: None,
                cpython: p.map(|p| per(p, s.stats)),
            });
        }
    }

    if want("listdir") || want("scandir") {
        // listdir and scandir of a big directory
        let big = w.join("big");
        std::fs::create_dir(&big).unwrap();
        for i in 0..s.entries {
            std::fs::write(big.join(format!("e{i:06}")), b"").unwrap();
        }
        let o = time(|| assert_eq!(os.listdir("big").unwrap().len(), s.entries));
        let n = time(|| assert_eq!(std::fs::read_dir(&big).unwrap().count(), s.entries));
        let p = python(&big, "", "os.listdir(d)");
        rows.push(Row { case: format!("listdir of {}", s.entries), osbox: o, native: Some(n), cpython: p });
        let o = time(|| assert_eq!(os.scandir("big").unwrap().len(), s.entries));
        let n = time(|| {
            for e in std::fs::read_dir(&big).unwrap().flatten() {
                let _ = e.file_type();
            }
        });
        let p = python(&big, "", "for e in os.scandir(d):\n    e.is_dir()");
        rows.push(Row { case: format!("scandir of {}", s.entries), osbox: o, native: Some(n), cpython: p });
    }

    if want("walk of") {
        // walk
        for files in [s.walk_small, s.walk_large] {
            let root = w.join(format!("walk{files}"));
            tree(&root, files);
            let name = format!("walk{files}");
            let o = time(|| {
                os.walk(name.as_str(), WalkOptions::default()).unwrap();
            });
            let n = time(|| {
                walk_native(&root);
            });
            let p = python(&root, "", "for _ in os.walk(d):\n    pass");
            rows.push(Row { case: format!("walk of {files} files"), osbox: o, native: Some(n), cpython: p });
        }
    }

    if want("copytree") || want("rmtree") {
        // copytree and rmtree
        let src = w.join("src");
        tree(&src, s.tree);
        let mut i = 0;
        let o = time(|| {
            i += 1;
            os.shutil().copytree("src", format!("o{i}"), &CopytreeOptions::default()).unwrap();
        });
        let mut j = 0;
        let n = time(|| {
            j += 1;
            copy_native(&src, &w.join(format!("n{j}")));
        });
        let p = python(w, "os.chdir(d)\nk = [0]", "k[0] += 1\nshutil.copytree('src', f'p{k[0]}')");
        rows.push(Row { case: format!("copytree of {} files", s.tree), osbox: o, native: Some(n), cpython: p });
        let mut i = 0;
        let o = time(|| {
            i += 1;
            os.shutil().rmtree(format!("o{i}"), false).unwrap();
        });
        let mut j = 0;
        let n = time(|| {
            j += 1;
            std::fs::remove_dir_all(w.join(format!("n{j}"))).unwrap();
        });
        let p = python(w, "os.chdir(d)\nk = [0]", "k[0] += 1\nshutil.rmtree(f'p{k[0]}')");
        rows.push(Row { case: format!("rmtree of {} files", s.tree), osbox: o, native: Some(n), cpython: p });
    }

    if want("write") || want("read") {
        // sequential write and read
        let size = s.file_mib << 20;
        let chunk = vec![7u8; 1 << 20];
        let o = time(|| {
            let fd = os.open("big.bin", 0o1 | 0o100 | 0o1000, 0o644).unwrap();
            for _ in 0..s.file_mib {
                os.write(fd, &chunk).unwrap();
            }
            os.close(fd).unwrap();
        });
        let n = time(|| {
            use std::io::Write;
            let mut f = std::fs::File::create(w.join("native.bin")).unwrap();
            for _ in 0..s.file_mib {
                f.write_all(&chunk).unwrap();
            }
        });
        let p = python(
            w,
            "os.chdir(d)\nchunk = b'7' * (1 << 20)",
            &format!(
                "fd = os.open('py.bin', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\nfor _ in range({}):\n    os.write(fd, chunk)\nos.close(fd)",
                s.file_mib
            ),
        );
        rows.push(Row { case: format!("write {} MiB", s.file_mib), osbox: o, native: Some(n), cpython: p });
        let o = time(|| {
            let fd = os.open("big.bin", 0, 0).unwrap();
            let mut total = 0;
            loop {
                let b = os.read(fd, 1 << 20).unwrap();
                if b.is_empty() {
                    break;
                }
                total += b.len();
            }
            os.close(fd).unwrap();
            assert_eq!(total, size);
        });
        let n = time(|| {
            use std::io::Read;
            let mut f = std::fs::File::open(w.join("native.bin")).unwrap();
            let mut buf = vec![0u8; 1 << 20];
            let mut total = 0;
            loop {
                let got = f.read(&mut buf).unwrap();
                if got == 0 {
                    break;
                }
                total += got;
            }
            assert_eq!(total, size);
        });
        let p = python(
            w,
            "os.chdir(d)",
            "fd = os.open('py.bin', os.O_RDONLY)\nwhile os.read(fd, 1 << 20):\n    pass\nos.close(fd)",
        );
        rows.push(Row { case: format!("read {} MiB", s.file_mib), osbox: o, native: Some(n), cpython: p });
    }

    if want("sandbox instantiation") {
        // instantiation, memory per idle sandbox, CLI start
        let sb = runtime.sandbox().dir(w, "/b").build().unwrap();
        let o = time(|| {
            for _ in 0..100 {
                drop(sb.os().unwrap());
            }
        });
        rows.push(Row { case: "sandbox instantiation".into(), osbox: o / 100, native: None, cpython: None });
        let cli = if with_cli { build_cli() } else { None };
        let o = cli.as_ref().map(|exe| {
            time(|| {
                let out = Command::new(exe).args(["call", "os.stat", "/"]).output().unwrap();
                assert!(out.status.success());
            })
        });
        let p = python(
            w,
            "import subprocess",
            "subprocess.run(['python3', '-c', 'import os; os.stat(\"/\")'], check=True)",
        );
        if let Some(o) = o {
            rows.push(Row { case: "CLI start to first result".into(), osbox: o, native: None, cpython: p });
        }
        if let Some(exe) = &cli {
            rows.extend(python_rows(exe, w, s));
        }
    }

    Report { rows, per_idle_sandbox: per_sandbox }
}

/// `osbox python` beside CPython: start-up to exit of `-c pass` (warm
/// compile cache), and `os.walk` and `os.stat` timed inside each
/// interpreter (CPython natively; CPython 3.14 for WASI with osbox as its
/// os, the tree granted read-only).
fn python_rows(exe: &Path, w: &Path, s: &Sizes) -> Vec<Row> {
    let mut rows = Vec::new();
    // The first start builds and compiles the interpreter component.
    let warm = Command::new(exe).args(["python", "-c", "pass"]).output();
    if !warm.is_ok_and(|o| o.status.success()) {
        return rows;
    }
    let o = time(|| assert!(Command::new(exe).args(["python", "-c", "pass"]).status().unwrap().success()));
    let p = python(w, "import subprocess", "subprocess.run(['python3', '-c', 'pass'], check=True)");
    rows.push(Row { case: "python -c pass, start to exit".into(), osbox: o, native: None, cpython: p });
    let grant = format!("{}::/b", w.display());
    let inside = [exe.as_os_str(), OsStr::new("--ro-dir"), OsStr::new(&grant), OsStr::new("python")];
    let walk = format!("walk{}", s.walk_small);
    let body = "for _ in os.walk(d):\n    pass";
    if let Some(o) = python_in(&inside, OsStr::new(&format!("/b/{walk}")), "", body) {
        let p = python(&w.join(&walk), "", body);
        rows.push(Row { case: format!("python: walk of {} files", s.walk_small), osbox: o, native: None, cpython: p });
    }
    let body = format!("for _ in range({}):\n    os.stat('stat-me')", s.stats);
    if let Some(o) = python_in(&inside, OsStr::new("/b"), "os.chdir(d)", &body) {
        let p = python(w, "os.chdir(d)", &body);
        let per = |d: Duration| d / s.stats as u32;
        rows.push(Row { case: "python: stat round trip".into(), osbox: per(o), native: None, cpython: p.map(per) });
    }
    rows
}

/// Prints the table.
pub fn print(report: &Report, mode: &str) {
    println!("osbox speed, {mode} mode, medians of {} runs", runs());
    println!(
        "{:<28} {:>11} {:>11} {:>11} {:>12} {:>13}",
        "case", "osbox", "native", "CPython", "osbox/native", "osbox/CPython"
    );
    for r in &report.rows {
        println!(
            "{:<28} {:>11} {:>11} {:>11} {:>12} {:>13}",
            r.case,
            show(Some(r.osbox)),
            show(r.native),
            show(r.cpython),
            ratio(r.osbox, r.native),
            ratio(r.osbox, r.cpython)
        );
    }
    println!("{:<28} {:>11}", "memory per idle sandbox", format!("{:.1} KiB", report.per_idle_sandbox as f64 / 1024.0));
}

/// The `osbox` binary of this profile, built if needed.
fn build_cli() -> Option<PathBuf> {
    let cargo = std::env::var_os("CARGO")?;
    let release = cfg!(not(debug_assertions));
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "-p", "osbox-cli", "--bin", "osbox"]);
    if release {
        cmd.arg("--release");
    }
    cmd.status().ok().filter(|s| s.success())?;
    let exe = std::env::current_exe().ok()?.with_file_name("osbox");
    exe.is_file().then_some(exe)
}
