//! `health ROOT [DIR...]`: a disk and directory health report.
//!
//! - disk: `shutil.disk_usage(ROOT)`; WARN when the free share is under
//!   `HEALTH_MIN_FREE_PCT` (default 10).
//! - each critical directory DIR (relative to ROOT; default: every
//!   directory directly in ROOT): FAIL when missing, WARN when empty, else
//!   its file and directory counts, total size, largest file and newest
//!   change.
//!
//! Exit status 0 when everything is OK, 1 otherwise. Outside osbox the disk
//! figures are unknown (statvfs raises ENOSYS) and the report says so.

use std::process::ExitCode;

use osbox_bindings::{OsError, PathOrFd, WalkItem, env, fs, p, path, text, time};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(root) = args.get(1) else {
        eprintln!("usage: health ROOT [DIR...]");
        return ExitCode::from(2);
    };
    match report(root, &args[2..]) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("health: {}", e.python());
            ExitCode::FAILURE
        }
    }
}

fn report(root: &str, dirs: &[String]) -> Result<bool, OsError> {
    let min_free: f64 = env::getenv("HEALTH_MIN_FREE_PCT").and_then(|v| v.parse().ok()).unwrap_or(10.0);
    let mut healthy = true;
    println!("health report for {root}");
    match fs::statvfs(&p(root)) {
        Ok(v) => {
            // shutil.disk_usage's arithmetic.
            let total = v.frsize * v.blocks;
            let free = v.frsize * v.bavail;
            let used = (v.blocks - v.bfree) * v.frsize;
            let free_pct = if total == 0 { 100.0 } else { free as f64 * 100.0 / total as f64 };
            let status = if free_pct < min_free { "WARN" } else { "OK" };
            healthy &= status == "OK";
            println!(
                "{status:4} disk: {} total, {} used, {} free ({free_pct:.1}% free, minimum {min_free}%)",
                size(total),
                size(used),
                size(free)
            );
        }
        Err(e) if e.is_unsupported() => println!("---- disk: unknown on this host ({})", e.message),
        Err(e) => return Err(e),
    }
    let dirs: Vec<String> = if dirs.is_empty() {
        let mut found = Vec::new();
        for entry in fs::scandir(Some(&PathOrFd::Path(p(root))))? {
            if path::isdir(&entry.path) {
                found.push(text(&entry.name));
            }
        }
        found.sort();
        found
    } else {
        dirs.to_vec()
    };
    let now = time::time_ns();
    for dir in &dirs {
        let full = path::join(&p(root), &[p(dir)])?;
        if !path::isdir(&full) {
            println!("FAIL {dir}: missing");
            healthy = false;
            continue;
        }
        let t = tally(&full)?;
        if t.files == 0 && t.dirs == 0 {
            println!("WARN {dir}: empty");
            healthy = false;
            continue;
        }
        let largest = t.largest.map_or(String::new(), |(n, s)| format!(", largest {n} ({})", size(s)));
        let newest = if t.newest_ns > 0 { format!(", newest change {} ago", age(now - t.newest_ns)) } else { String::new() };
        println!("OK   {dir}: {} files, {} directories, {}{largest}{newest}", t.files, t.dirs, size(t.bytes));
        for e in &t.errors {
            println!("WARN {dir}: {e}");
            healthy = false;
        }
    }
    println!("{}", if healthy { "healthy" } else { "problems found" });
    Ok(healthy)
}

#[derive(Default)]
struct Tally {
    files: u64,
    dirs: u64,
    bytes: u64,
    largest: Option<(String, u64)>,
    newest_ns: i64,
    errors: Vec<String>,
}

fn tally(top: &osbox_bindings::Fspath) -> Result<Tally, OsError> {
    let mut t = Tally::default();
    for item in fs::walk(top, true, false) {
        let step = match item {
            WalkItem::Step(step) => step,
            WalkItem::Error(e) => {
                t.errors.push(e.message);
                continue;
            }
        };
        t.dirs += step.dirnames.len() as u64;
        for f in &step.filenames {
            let full = path::join(&step.dirpath, &[f.clone()])?;
            let st = match fs::stat(&full, None, false) {
                Ok(st) => st,
                Err(e) => {
                    t.errors.push(e.message);
                    continue;
                }
            };
            t.files += 1;
            t.bytes += st.size;
            t.newest_ns = t.newest_ns.max(st.mtime_ns);
            if t.largest.as_ref().is_none_or(|(_, s)| st.size > *s) {
                t.largest = Some((text(&path::relpath(&full, Some(top))?), st.size));
            }
        }
    }
    Ok(t)
}

fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let (mut v, mut unit) = (bytes as f64, 0);
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{v:.1} {}", UNITS[unit]) }
}

fn age(ns: i64) -> String {
    let s = ns.max(0) / 1_000_000_000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}
