//! `logrotate LOG_DIR [MAX_BYTES [KEEP]]`: rotates every `*.log` file of
//! LOG_DIR larger than MAX_BYTES (default 1 MiB): `app.log.KEEP` (the
//! oldest, default 5 kept) is removed, `app.log.N` becomes `app.log.N+1`,
//! `app.log` becomes `app.log.1`, and a new empty `app.log` takes its place
//! with the same permissions where the host can set them.

use std::process::ExitCode;

use osbox_bindings::{O_CREAT, O_TRUNC, O_WRONLY, OsError, PathOrFd, file, fs, p, path, shutil, text};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let parse = |i: usize, default: u64| args.get(i).map_or(Some(default), |v| v.parse().ok());
    let (Some(dir), Some(max), Some(keep)) = (args.get(1), parse(2, 1 << 20), parse(3, 5)) else {
        eprintln!("usage: logrotate LOG_DIR [MAX_BYTES [KEEP]]");
        return ExitCode::from(2);
    };
    if keep == 0 || args.len() > 4 {
        eprintln!("usage: logrotate LOG_DIR [MAX_BYTES [KEEP]]  (KEEP is at least 1)");
        return ExitCode::from(2);
    }
    match rotate_all(dir, max, keep) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logrotate: {}", e.python());
            ExitCode::FAILURE
        }
    }
}

fn rotate_all(dir: &str, max: u64, keep: u64) -> Result<(), OsError> {
    let mut logs: Vec<String> =
        fs::listdir(Some(&PathOrFd::Path(p(dir))))?.iter().map(text).filter(|n| n.ends_with(".log")).collect();
    logs.sort();
    let (mut rotated, mut kept) = (0, 0);
    for name in logs {
        let log = text(&path::join(&p(dir), &[p(&name)])?);
        // Only regular files: a link or a directory named *.log is left alone.
        let st = fs::stat(&p(&log), None, false)?;
        if st.mode & 0o170000 != 0o100000 {
            continue;
        }
        if st.size <= max {
            println!("kept {name} ({} bytes)", st.size);
            kept += 1;
            continue;
        }
        rotate(&log, keep)?;
        println!("rotated {name} ({} bytes) -> {name}.1", st.size);
        rotated += 1;
    }
    println!("{rotated} rotated, {kept} kept");
    Ok(())
}

fn rotate(log: &str, keep: u64) -> Result<(), OsError> {
    let numbered = |n: u64| p(&format!("{log}.{n}"));
    let oldest = numbered(keep);
    if path::lexists(&oldest) {
        fs::remove(&oldest, None)?;
        println!("removed {}", text(&path::basename(&oldest)));
    }
    for n in (1..keep).rev() {
        if path::lexists(&numbered(n)) {
            fs::rename(&numbered(n), &numbered(n + 1), None, None)?;
        }
    }
    fs::rename(&p(log), &numbered(1), None, None)?;
    let fd = file::open(&p(log), O_WRONLY | O_CREAT | O_TRUNC, 0o644, None)?;
    file::close(fd)?;
    match shutil::copymode(&numbered(1), &p(log), true) {
        Err(e) if !e.is_unsupported() => Err(e),
        _ => Ok(()),
    }
}
