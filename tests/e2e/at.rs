//! `dir_fd`, descriptors given for paths and `os.fwalk` through the Rust
//! API, and `os.supports_*` against what the sandbox really takes. (Their
//! answers are compared with CPython's in tests/cases/dir_fd.jsonl.)

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;

use osbox::{ErrorKind, FileType, FsPath, FwalkItem, FwalkOptions};
use serde_json::{Value, json};

use crate::harness::{tempdir, work_os};

const O_RDONLY: i32 = 0;

#[test]
fn dir_fd_calls_act_in_the_directory_of_the_descriptor() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
    std::fs::write(dir.path().join("a/f"), "data").unwrap();
    let mut os = work_os(dir.path());
    let a = os.open("a", O_RDONLY, 0).unwrap();
    os.chdir("/work/a/b").unwrap();
    // Relative to `a`, not to the current directory.
    assert_eq!(os.stat_at(Some(a), "f", true).unwrap().st_size, 4);
    os.mkdir_at(Some(a), "c", 0o777).unwrap();
    assert!(dir.path().join("a/c").is_dir());
    os.symlink_at("f", Some(a), "l").unwrap();
    assert_eq!(os.readlink_at(Some(a), "l").unwrap(), FsPath::from("f"));
    assert_eq!(os.stat_at(Some(a), "l", false).unwrap().file_type(), FileType::Symlink);
    os.link_at(Some(a), "l", Some(a), "hard", true).unwrap();
    assert!(std::fs::symlink_metadata(dir.path().join("a/hard")).unwrap().is_file(), "linkat followed the link");
    os.rename_at(Some(a), "hard", None, "moved").unwrap();
    assert!(dir.path().join("a/b/moved").is_file(), "the destination is taken from the current directory");
    os.utime_at(Some(a), "f", Some((1_000_000_000, 2_000_000_000)), true).unwrap();
    assert_eq!(os.stat("/work/a/f").unwrap().st_mtime_ns, 2_000_000_000);
    assert!(os.access_at(Some(a), "f", 4, true).unwrap());
    os.chmod_at(Some(a), "f", 0o600, true).unwrap();
    let fd = os.open_at(Some(a), "f", O_RDONLY, 0).unwrap();
    assert_eq!(os.read(fd, 10).unwrap(), b"data");
    os.remove_at(Some(a), "l").unwrap();
    os.rmdir_at(Some(a), "c").unwrap();
    assert_eq!(os.listdir_fd(a).unwrap().len(), 2, "b and f remain");
    // An absolute path ignores the descriptor.
    assert!(os.stat_at(Some(a), "/work/a/b/moved", true).is_ok());
    // A descriptor that is not open, or not a directory.
    let err = os.stat_at(Some(99), "f", true).unwrap_err();
    assert_eq!((err.errno(), err.to_string().as_str()), (Some(9), "[Errno 9] Bad file descriptor: 'f'"));
    let err = os.stat_at(Some(fd), "x", true).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotADirectory);
}

#[test]
fn descriptors_stand_for_their_paths() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.path().join("d/s")).unwrap();
    std::fs::write(dir.path().join("f"), "content").unwrap();
    let mut os = work_os(dir.path());
    let d = os.open("d", O_RDONLY, 0).unwrap();
    let f = os.open("f", 2, 0).unwrap();
    let entries = os.scandir_fd(d).unwrap();
    assert_eq!(entries.iter().map(|e| e.path.clone()).collect::<Vec<_>>(), [FsPath::from("s")]);
    os.utime_fd(f, Some((3_000_000_000, 4_000_000_000))).unwrap();
    assert_eq!(os.fstat(f).unwrap().st_mtime_ns, 4_000_000_000);
    os.fchmod(f, 0o600).unwrap();
    assert_eq!(std::fs::metadata(dir.path().join("f")).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(os.fstatvfs(f).unwrap().f_namemax, os.statvfs("/work").unwrap().f_namemax);
    os.fchdir(d).unwrap();
    assert_eq!(os.getcwd().unwrap(), "/work/d");
    assert_eq!(os.fchdir(f).unwrap_err().kind(), ErrorKind::NotADirectory);
}

#[test]
fn fwalk_descriptors_serve_as_dir_fd_until_the_next_step() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.path().join("t/a/b")).unwrap();
    std::fs::write(dir.path().join("t/a/f"), "12345").unwrap();
    std::fs::write(dir.path().join("t/a/b/g"), "1").unwrap();
    let mut os = work_os(dir.path());
    let walk = os.fwalk("t", FwalkOptions::default()).unwrap();
    let mut sizes = Vec::new();
    let mut fds = Vec::new();
    while let Some(item) = walk.next(&mut os).unwrap() {
        let FwalkItem::Step(step) = item else { panic!("no error expected") };
        fds.push(step.dirfd);
        for name in &step.filenames {
            let st = os.stat_at(Some(step.dirfd), name.clone(), false).unwrap();
            sizes.push((format!("{}/{name}", step.dirpath), st.st_size));
        }
    }
    sizes.sort();
    assert_eq!(sizes, [("t/a/b/g".to_string(), 1), ("t/a/f".to_string(), 5)]);
    // One descriptor a level, numbered as os.open numbers them.
    assert_eq!(fds, [3, 4, 5]);
    // All closed at the end: the next descriptor is 3 again.
    assert_eq!(os.open("t", O_RDONLY, 0).unwrap(), 3);
}

#[test]
fn an_fwalk_left_early_closes_its_descriptors() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.path().join("t/a")).unwrap();
    let mut os = work_os(dir.path());
    let walk = os.fwalk("t", FwalkOptions::default()).unwrap();
    let Some(FwalkItem::Step(top)) = walk.next(&mut os).unwrap() else { panic!("the top first") };
    assert_eq!(top.dirfd, 3);
    assert!(os.fstat(3).is_ok(), "open while the step is current");
    walk.close(&mut os).unwrap();
    assert_eq!(os.fstat(3).unwrap_err().errno(), Some(9));
    let err = os.fwalk("nope", FwalkOptions::default()).unwrap().next(&mut os).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FileNotFound, "an error about top is raised, not handed to onerror");
}

/// CPython's `os.supports_*` sets, as dotted names.
fn cpython_supports() -> Value {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import os, json; print(json.dumps({n: sorted('os.' + f.__name__ for f in getattr(os, n)) \
             for n in ('supports_dir_fd', 'supports_fd', 'supports_follow_symlinks', 'supports_effective_ids')}))",
        ])
        .output()
        .expect("python3 runs");
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn supports_sets_are_cpythons_less_what_osbox_lacks_and_hold_true() {
    let theirs = cpython_supports();
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("d/f"), "x").unwrap();
    let mut os = work_os(dir.path());
    let callables: BTreeSet<&str> = osbox::exec::callables().collect();
    for set in ["supports_dir_fd", "supports_fd", "supports_follow_symlinks", "supports_effective_ids"] {
        let ours = osbox::exec::call(&mut os, &format!("os.{set}"), vec![], Default::default()).unwrap();
        let ours: BTreeSet<String> =
            ours.as_array().unwrap().iter().map(|c| c["$callable"].as_str().unwrap().to_string()).collect();
        let expected: BTreeSet<String> = theirs[set]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .filter(|n| callables.contains(n))
            .map(str::to_string)
            .collect();
        assert_eq!(ours, expected, "os.{set}");
    }
    // Each function said to take dir_fd takes one, and acts in it.
    let d = os.open("d", O_RDONLY, 0).unwrap();
    let with_dir_fd = |call: &str| -> (Vec<Value>, serde_json::Map<String, Value>) {
        let args = match call {
            "os.access" => vec![json!("f"), json!(0)],
            "os.chmod" => vec![json!("f"), json!(0o644)],
            "os.link" => vec![json!("f"), json!("h")],
            "os.mkdir" => vec![json!("m")],
            "os.open" => vec![json!("f"), json!(0)],
            "os.rename" => vec![json!("h"), json!("h2")],
            "os.rmdir" => vec![json!("m")],
            "os.symlink" => vec![json!("f"), json!("l")],
            "os.readlink" => vec![json!("l")],
            "os.unlink" => vec![json!("h2")],
            _ => vec![json!("f")],
        };
        let key = if matches!(call, "os.link" | "os.rename") { "src_dir_fd" } else { "dir_fd" };
        let mut kwargs = serde_json::Map::new();
        kwargs.insert(key.into(), json!(d));
        if matches!(call, "os.link" | "os.rename") {
            kwargs.insert("dst_dir_fd".into(), json!(d));
        }
        (args, kwargs)
    };
    let order = [
        "os.access",
        "os.chmod",
        "os.stat",
        "os.utime",
        "os.open",
        "os.mkdir",
        "os.rmdir",
        "os.link",
        "os.rename",
        "os.unlink",
        "os.symlink",
        "os.readlink",
    ];
    let said: BTreeSet<&str> = order.iter().copied().collect();
    let listed = osbox::exec::call(&mut os, "os.supports_dir_fd", vec![], Default::default()).unwrap();
    assert_eq!(
        listed.as_array().unwrap().iter().map(|c| c["$callable"].as_str().unwrap()).collect::<BTreeSet<_>>(),
        said
    );
    for call in order {
        let (args, kwargs) = with_dir_fd(call);
        let answer = osbox::exec::call(&mut os, call, args, kwargs);
        assert!(answer.is_ok(), "{call} with dir_fd: {answer:?}");
    }
    assert!(dir.path().join("d/l").is_symlink(), "symlink made in the descriptor's directory");
}

#[test]
fn get_exec_path_splits_path_or_falls_back_to_defpath() {
    let dir = tempdir();
    let mut os = crate::harness::runtime()
        .sandbox()
        .dir(dir.path(), "/work")
        .env("PATH", "/a::/b")
        .build()
        .unwrap()
        .os()
        .unwrap();
    assert_eq!(os.get_exec_path(None).unwrap(), ["/a", "", "/b"]);
    assert_eq!(os.get_exec_path(Some(&[])).unwrap(), ["/bin", "/usr/bin"]);
    assert_eq!(os.get_exec_path(Some(&[("PATH".into(), "x".into())])).unwrap(), ["x"]);
}
