//! Hostile trees on the host side: symbolic links swapped in while the
//! guest walks, copies and removes a tree (time-of-check to time-of-use),
//! and names that are not UTF-8. Whatever the timing, nothing outside the
//! grant is read, changed or deleted, and the instance survives.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use osbox::{CopytreeOptions, ErrorKind, WalkOptions};

use crate::escapes::fingerprint;
use crate::harness::{runtime, tempdir};

const CANARY: &str = "CANARY-outside-the-grant";

/// `grant/tree` with nested directories; `outside` with canary files.
fn fixture(root: &Path) {
    for d in 0..4 {
        for f in 0..5 {
            let dir = root.join(format!("grant/tree/sub/d{d}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("f{f}")), format!("{d}/{f}")).unwrap();
        }
    }
    std::fs::create_dir_all(root.join("outside/inner")).unwrap();
    for name in ["secret", "inner/deeper"] {
        std::fs::write(root.join("outside").join(name), CANARY).unwrap();
    }
    std::fs::write(root.join("outside").join(CANARY), CANARY).unwrap();
}

/// Swaps `grant/tree/sub` between the real directory and a link out of the
/// grant (relative and absolute in turn) until `stop`; counts the swaps.
fn swapper(root: &Path, stop: Arc<AtomicBool>, swaps: Arc<AtomicUsize>) -> std::thread::JoinHandle<()> {
    let sub = root.join("grant/tree/sub");
    let real = root.join("grant/tree/.sub-real");
    let absolute = root.join("outside");
    std::thread::spawn(move || {
        let mut relative = true;
        while !stop.load(Ordering::Relaxed) {
            if std::fs::rename(&sub, &real).is_err() {
                // The guest removed it: plant a fresh directory to race on.
                let _ = std::fs::create_dir_all(sub.join("again"));
                continue;
            }
            let target = if relative { Path::new("../../outside").to_path_buf() } else { absolute.clone() };
            relative = !relative;
            let _ = std::os::unix::fs::symlink(&target, &sub);
            std::thread::sleep(Duration::from_micros(200));
            let _ = std::fs::remove_file(&sub);
            let _ = std::fs::rename(&real, &sub);
            swaps.fetch_add(1, Ordering::Relaxed);
        }
    })
}

#[test]
fn symlink_swaps_racing_walk_copytree_and_rmtree_never_reach_outside() {
    let dir = tempdir();
    let root = dir.path();
    fixture(root);
    let before = fingerprint(&root.join("outside"));
    let sandbox = runtime().sandbox().dir(root.join("grant"), "/g").build().unwrap();
    let (stop, swaps) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let swapping = swapper(root, stop.clone(), swaps.clone());

    let mut os = sandbox.os().unwrap();
    let deadline = Instant::now() + Duration::from_millis(1500);
    let mut rounds = 0;
    while Instant::now() < deadline || rounds < 20 {
        // walk, following links: whatever it lists is inside the grant.
        let options = WalkOptions { followlinks: true, ..WalkOptions::default() };
        for step in os.walk("/g/tree", options).unwrap() {
            for name in step.filenames.iter().chain(&step.dirnames) {
                let name = name.to_string();
                assert!(
                    !name.contains(CANARY) && name != "secret" && name != "inner",
                    "walk reached outside: {step:?}"
                );
            }
        }
        // copytree follows links to files and directories (symlinks=False):
        // a link out is an error in its shutil.Error, never a copy.
        let copy = format!("/g/copy-{rounds}");
        let _ = os.shutil().copytree("/g/tree", copy.as_str(), &CopytreeOptions::default());
        let _ = os.shutil().rmtree(copy.as_str(), true);
        // rmtree of a tree whose subdirectory may be a link right now.
        if rounds % 5 == 4 {
            let _ = os.shutil().rmtree("/g/tree/sub", true);
        }
        rounds += 1;
    }
    let _ = os.shutil().rmtree("/g/tree", true);
    stop.store(true, Ordering::Relaxed);
    swapping.join().unwrap();
    // The instance lived through it all.
    assert_eq!(os.listdir("/").unwrap(), ["g"]);
    assert!(swaps.load(Ordering::Relaxed) > 10, "the race ran: {} swaps", swaps.load(Ordering::Relaxed));
    assert_eq!(fingerprint(&root.join("outside")), before, "outside unchanged after {rounds} rounds");
    // No copy ever held outside content.
    for e in walkdir(&root.join("grant")) {
        if e.is_file() {
            assert_ne!(
                std::fs::read_to_string(&e).unwrap_or_default(),
                CANARY,
                "{} holds outside content",
                e.display()
            );
        }
    }
}

fn walkdir(root: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}

#[test]
fn names_that_are_not_utf8_are_refused_cleanly() {
    let dir = tempdir();
    let root = dir.path();
    let grant = root.join("grant");
    std::fs::create_dir_all(grant.join("mixed")).unwrap();
    std::fs::create_dir_all(root.join("outside")).unwrap();
    std::fs::write(root.join("outside/secret"), CANARY).unwrap();
    let bad = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(grant.join("mixed").join(bad), "latin-1 name").unwrap();
    std::fs::create_dir(grant.join("mixed").join(std::ffi::OsStr::from_bytes(b"d\xff"))).unwrap();
    std::fs::write(grant.join("mixed/ok.txt"), "fine").unwrap();
    let before = (fingerprint(&root.join("outside")), fingerprint(&grant));

    let mut os = runtime().sandbox().dir(&grant, "/g").build().unwrap().os().unwrap();
    let eilseq = |e: osbox::Error| {
        assert_eq!((e.kind(), e.errno()), (ErrorKind::OsError, Some(84)), "{e}");
    };
    eilseq(os.listdir("/g/mixed").unwrap_err());
    eilseq(os.scandir("/g/mixed").unwrap_err());
    eilseq(os.shutil().copytree("/g/mixed", "/g/copy", &CopytreeOptions::default()).unwrap_err());
    assert!(!grant.join("copy").exists(), "a failed listing copies nothing");
    eilseq(os.shutil().rmtree("/g/mixed", false).unwrap_err());
    // A bytes path that is not UTF-8 cannot be expressed to WASI.
    eilseq(os.stat(osbox::FsPath::Bytes(b"/g/mixed/caf\xe9.txt".to_vec())).unwrap_err());
    eilseq(os.open(osbox::FsPath::Bytes(b"/g/new\xff".to_vec()), 0o101, 0o644).unwrap_err());
    // Everything else stays reachable, and nothing changed.
    assert_eq!(os.stat("/g/mixed/ok.txt").unwrap().st_size, 4);
    assert_eq!(os.listdir("/g").unwrap(), ["mixed"]);
    assert_eq!((fingerprint(&root.join("outside")), fingerprint(&grant)), before);
}

#[test]
fn trees_deeper_than_the_recursion_limit_raise_recursion_error_not_a_trap() {
    let dir = tempdir();
    let grant = dir.path().join("grant");
    let deep: std::path::PathBuf = std::iter::repeat_n("d", 1100).collect();
    std::fs::create_dir_all(grant.join("deep").join(&deep)).unwrap();
    let mut os = runtime().sandbox().dir(&grant, "/g").build().unwrap().os().unwrap();
    let recursion = |r: osbox::Result<()>| {
        let e = r.unwrap_err();
        assert_eq!((e.kind(), e.message()), (ErrorKind::Recursion, "maximum recursion depth exceeded"));
    };
    recursion(os.walk("/g", WalkOptions::default()).map(drop));
    recursion(os.shutil().copytree("/g/deep", "/g/copy", &CopytreeOptions::default()).map(drop));
    recursion(os.shutil().rmtree("/g/deep", true));
    let many = format!("/g/made/{}", "m/".repeat(1100));
    recursion(os.makedirs(many.as_str(), false));
    // (A copytree of / into a grant recurses the same way: the kept
    // protocol corpus has it, tests/fuzz/protocol.jsonl.)
    // The instance lives on; shallower trees work as before.
    // copytree made what it had reached, as CPython's does; makedirs made
    // nothing (its recursion comes before its first mkdir).
    let mut names: Vec<String> = os.listdir("/g").unwrap().iter().map(|n| n.to_string()).collect();
    names.sort();
    assert_eq!(names, ["copy", "deep"]);
    os.makedirs("/g/shallow/a/b/c", false).unwrap();
    os.shutil().rmtree("/g/shallow", false).unwrap();
}
