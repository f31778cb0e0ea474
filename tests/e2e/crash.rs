//! Crash safety: `osbox` killed with SIGKILL at random moments of
//! `copyfile`, `copytree` and `move`, within one grant and across two on
//! different file systems, loses nothing (the source is intact, or the
//! destination complete) and leaves nothing a later `listdir` shows.
//! The loop is bounded; each run's kill time is drawn from a fixed seed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::tempdir;

/// A small deterministic generator for the kill times.
struct Draw(u64);

impl Draw {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Every file under `root` (relative path, content), directories omitted.
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// Names a copy in progress could have left: osbox's temporary files.
fn leftovers(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().contains(".osbox-") {
                out.push(e.path());
            }
            if e.path().is_dir() {
                stack.push(e.path());
            }
        }
    }
    out
}

fn plant(src: &Path) {
    std::fs::create_dir_all(src.join("tree/sub")).unwrap();
    for i in 0..40u8 {
        let dir = if i % 2 == 0 { "tree" } else { "tree/sub" };
        std::fs::write(src.join(format!("{dir}/f{i}")), vec![i; 512 << 10]).unwrap();
    }
    std::fs::write(src.join("big"), (0..(48u32 << 20)).map(|i| (i % 253) as u8).collect::<Vec<_>>()).unwrap();
    std::fs::write(src.join("old"), OLD).unwrap();
}

const OLD: &[u8] = b"the old content";

/// Runs one request under `osbox exec`, killed with SIGKILL after `after`
/// (or left to finish with `None`); how long it ran.
fn run(a: &Path, b: &Path, request: &str, after: Option<Duration>) -> Duration {
    let mut child = Command::new(env!("CARGO_BIN_EXE_osbox"))
        .arg("--dir")
        .arg(format!("{}::/a", a.display()))
        .arg("--dir")
        .arg(format!("{}::/b", b.display()))
        .arg("exec")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    use std::io::Write;
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{request}").unwrap();
    drop(stdin);
    if let Some(after) = after {
        std::thread::sleep(after);
        let _ = child.kill();
    }
    child.wait().unwrap();
    started.elapsed()
}

/// A directory on another file system than the temporary directories, for
/// copies across file systems (`move` then copies and removes).
fn other_fs() -> Option<tempfile::TempDir> {
    let shm = Path::new("/dev/shm");
    let dev = |p: &Path| std::os::unix::fs::MetadataExt::dev(&std::fs::metadata(p).ok()?).into();
    let here: Option<u64> = dev(&std::env::temp_dir());
    (shm.is_dir() && dev(shm) != here).then(|| tempfile::tempdir_in(shm).ok()).flatten()
}

#[test]
fn copies_killed_at_random_moments_lose_nothing_and_leave_nothing() {
    let mut draw = Draw(0x9e37_79b9_7f4a_7c15);
    let across = other_fs();
    let requests = [
        ("copyfile over an old file", r#"{"call":"shutil.copyfile","args":["/a/big","/a/old"]}"#, false),
        ("copyfile into a new file", r#"{"call":"shutil.copyfile","args":["/a/big","/b/new"]}"#, false),
        ("copy2 over an old file", r#"{"call":"shutil.copy2","args":["/a/big","/b/old"]}"#, false),
        ("copytree", r#"{"call":"shutil.copytree","args":["/a/tree","/b/tree"]}"#, false),
        ("move of a tree", r#"{"call":"shutil.move","args":["/a/tree","/b/moved"]}"#, true),
        ("move of a file", r#"{"call":"shutil.move","args":["/a/big","/b/big"]}"#, true),
    ];
    for (what, request, moves) in requests {
        for round in 0..6 {
            let pair = || {
                let a = tempdir();
                let b = match (&across, round % 2) {
                    (Some(fs), 1) => tempfile::tempdir_in(fs.path()).unwrap(),
                    _ => tempdir(),
                };
                plant(a.path());
                std::fs::write(b.path().join("old"), OLD).unwrap();
                (a, b)
            };
            // How long osbox takes to start and the whole run takes, then a
            // run killed somewhere in the call.
            let (start, whole) = {
                let (a, b) = pair();
                (run(a.path(), b.path(), r#"{"call":"os.getcwd"}"#, None), run(a.path(), b.path(), request, None))
            };
            let (a, b) = pair();
            let source = files(a.path());
            let window = whole.saturating_sub(start).as_micros() as u64;
            let at = start.mul_f64(0.9) + Duration::from_micros(draw.below(window));
            run(a.path(), b.path(), request, Some(at));
            let (after_a, after_b) = (files(a.path()), files(b.path()));
            let context = format!("{what}, killed after {at:?} of {whole:?}");
            for root in [a.path(), b.path()] {
                assert!(leftovers(root).is_empty(), "{context}: left {:?}", leftovers(root));
            }
            // Whatever is in the destination is whole: every file equals its
            // source, or the old content where one was replaced.
            // (Every planted file's content is unlike every other's.)
            for (name, content) in after_a.iter().chain(&after_b) {
                assert!(
                    source.values().any(|c| c == content),
                    "{context}: {} is incomplete ({} bytes)",
                    name.display(),
                    content.len()
                );
            }
            // The source is intact, or (a move) gone only where its copy is whole.
            for (name, content) in &source {
                match after_a.get(name) {
                    Some(now) => {
                        let replaced = name.ends_with("old") && Some(now) == source.get(Path::new("big"));
                        assert!(now == content || replaced, "{context}: {} changed", name.display());
                    }
                    None => {
                        assert!(moves, "{context}: {} lost", name.display());
                        let copied = after_b
                            .iter()
                            .any(|(n, c)| n.ends_with(name.strip_prefix("tree").unwrap_or(name)) && c == content);
                        assert!(copied, "{context}: {} removed before it was copied", name.display());
                    }
                }
            }
        }
    }
}
