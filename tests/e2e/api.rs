//! The Rust API: typed calls, errors, isolation between instances, the
//! host extension.

use std::os::unix::fs::PermissionsExt;

use osbox::{ErrorKind, FsPath, WalkOptions};

use crate::harness::{runtime, tempdir, work_os};

#[test]
fn makedirs_listdir_rmdir_round_trip() {
    let dir = tempdir();
    let mut os = work_os(dir.path());
    os.makedirs("a/b", false).unwrap();
    assert_eq!(os.listdir("a").unwrap(), ["b"]);
    assert!(dir.path().join("a/b").is_dir(), "the host sees the guest's directory");
    let err = os.rmdir("a").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OsError);
    assert_eq!(err.errno(), Some(39));
    assert_eq!(err.strerror(), Some("Directory not empty"));
    assert_eq!(err.filename(), Some(&FsPath::from("a")));
    assert_eq!(err.to_string(), "[Errno 39] Directory not empty: 'a'");
}

#[test]
fn error_converts_to_io_error_with_linux_errno() {
    let dir = tempdir();
    let mut os = work_os(dir.path());
    let err: std::io::Error = os.stat("nope").unwrap_err().into();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(err.raw_os_error(), Some(2));
    let err: std::io::Error = os.path().relpath("", None).unwrap_err().into();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn rename_error_names_both_paths() {
    let dir = tempdir();
    let mut os = work_os(dir.path());
    let err = os.rename("nope", "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FileNotFound);
    assert_eq!(err.filename2(), Some(&FsPath::from("x")));
    assert_eq!(err.message(), "[Errno 2] No such file or directory: 'nope' -> 'x'");
}

#[test]
fn bytes_paths_answer_in_bytes() {
    let dir = tempdir();
    std::fs::write(dir.path().join("f"), "x").unwrap();
    let mut os = work_os(dir.path());
    assert_eq!(os.listdir(b".".as_slice()).unwrap(), [FsPath::Bytes(b"f".to_vec())]);
    assert_eq!(os.getcwdb().unwrap(), b"/work");
    let err = os.stat(b"missing".as_slice()).unwrap_err();
    assert_eq!(err.message(), "[Errno 2] No such file or directory: b'missing'");
}

#[test]
fn walk_onerror_receives_each_error() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.path().join("top/sub")).unwrap();
    std::fs::write(dir.path().join("top/sub/f"), "").unwrap();
    let mut os = work_os(dir.path());
    let steps = os.walk("top", WalkOptions::default()).unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].dirpath, "top");
    assert_eq!(steps[1].filenames, ["f"]);
    let bottom_up = os.walk("top", WalkOptions { topdown: false, followlinks: false }).unwrap();
    assert_eq!(bottom_up.last().unwrap().dirpath, "top");
    let mut errors = Vec::new();
    let none = os.walk_onerror("missing", WalkOptions::default(), |e| errors.push(e)).unwrap();
    assert!(none.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind(), ErrorKind::FileNotFound);
    assert_eq!(errors[0].filename(), Some(&FsPath::from("missing")));
}

#[test]
fn scandir_entries_answer_like_direntry() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::os::unix::fs::symlink("d", dir.path().join("ld")).unwrap();
    std::os::unix::fs::symlink("nowhere", dir.path().join("dangling")).unwrap();
    let mut os = work_os(dir.path());
    let mut entries = os.scandir(".").unwrap();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let by = |n: &str| entries.iter().find(|e| e.name == n).unwrap().clone();
    let (d, ld, dangling) = (by("d"), by("ld"), by("dangling"));
    assert!(d.is_dir(true) && !d.is_symlink());
    assert!(ld.is_dir(true) && !ld.is_dir(false) && ld.is_symlink());
    assert!(!dangling.is_dir(true) && !dangling.is_file(true) && dangling.is_symlink());
    assert_eq!(d.path, "./d");
    assert!(d.stat(&mut os, true).unwrap().file_type() == osbox::FileType::Directory);
    assert_eq!(ld.stat(&mut os, false).unwrap().file_type(), osbox::FileType::Symlink);
    assert_eq!(dangling.stat(&mut os, true).unwrap_err().kind(), ErrorKind::FileNotFound);
}

#[test]
fn environment_is_exactly_what_was_granted() {
    let dir = tempdir();
    // SAFETY: tests touch only this variable, which no other test reads.
    unsafe { std::env::set_var("OSBOX_TEST_SECRET", "host-only") };
    let sandbox =
        runtime().sandbox().dir(dir.path(), "/work").env("A", "1").inherit_env("OSBOX_TEST_MISSING").build().unwrap();
    let mut os = sandbox.os().unwrap();
    assert_eq!(os.environ().unwrap(), [("A".to_string(), "1".to_string())]);
    assert_eq!(os.getenv("OSBOX_TEST_SECRET").unwrap(), None);
    let granted = runtime()
        .sandbox()
        .inherit_env("OSBOX_TEST_SECRET")
        .build()
        .unwrap()
        .os()
        .unwrap()
        .getenv("OSBOX_TEST_SECRET")
        .unwrap();
    assert_eq!(granted.as_deref(), Some("host-only"));
}

#[test]
fn instances_do_not_share_state() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let sandbox = runtime().sandbox().dir(dir.path(), "/work").build().unwrap();
    let (mut a, mut b) = (sandbox.os().unwrap(), sandbox.os().unwrap());
    a.chdir("sub").unwrap();
    a.setenv("X", "1").unwrap();
    assert_eq!(a.getcwd().unwrap(), "/work/sub");
    assert_eq!(b.getcwd().unwrap(), "/work");
    assert_eq!(b.getenv("X").unwrap(), None);
}

#[test]
fn sandboxes_run_concurrently_on_threads() {
    let dirs: Vec<_> = (0..4).map(|_| tempdir()).collect();
    std::thread::scope(|s| {
        for (i, d) in dirs.iter().enumerate() {
            s.spawn(move || {
                let mut os = work_os(d.path());
                for j in 0..20 {
                    os.makedirs(format!("t{i}/d{j}"), false).unwrap();
                }
                assert_eq!(os.listdir(format!("t{i}")).unwrap().len(), 20);
            });
        }
    });
    for (i, d) in dirs.iter().enumerate() {
        let names: Vec<_> =
            std::fs::read_dir(d.path()).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
        assert_eq!(names, [format!("t{i}")], "no cross-talk between sandboxes");
    }
}

#[test]
fn chmod_goes_through_the_host_extension() {
    let dir = tempdir();
    std::fs::write(dir.path().join("f"), "x").unwrap();
    let mut os = work_os(dir.path());
    os.chmod("f", 0o600, true).unwrap();
    let mode = std::fs::metadata(dir.path().join("f")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let err = os.chmod("nope", 0o600, true).unwrap_err();
    assert_eq!(err.message(), "[Errno 2] No such file or directory: 'nope'");
    let vfs = os.statvfs("/work").unwrap();
    assert!(vfs.f_blocks > 0 && vfs.f_frsize > 0);
}

#[test]
fn chmod_under_read_only_grant_is_erofs_and_changes_nothing() {
    let dir = tempdir();
    std::fs::write(dir.path().join("f"), "x").unwrap();
    std::fs::set_permissions(dir.path().join("f"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut os = runtime().sandbox().ro_dir(dir.path(), "/ro").build().unwrap().os().unwrap();
    let err = os.chmod("/ro/f", 0o777, true).unwrap_err();
    assert_eq!((err.kind(), err.errno()), (ErrorKind::OsError, Some(30)));
    assert_eq!(std::fs::metadata(dir.path().join("f")).unwrap().permissions().mode() & 0o777, 0o644);
}

#[test]
fn builder_rejects_bad_policies() {
    let err = runtime().sandbox().dir("/definitely/not/here", "/w").build().err().unwrap();
    assert_eq!(err.kind(), ErrorKind::FileNotFound);
    let dir = tempdir();
    let err = runtime().sandbox().dir(dir.path(), "relative").build().err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Value);
    let err = runtime().sandbox().dir(dir.path(), "/w").cwd("w").build().err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Value);
}

#[test]
fn cwd_defaults_to_the_first_grant_and_follows_the_option() {
    let (a, b) = (tempdir(), tempdir());
    std::fs::create_dir(b.path().join("in")).unwrap();
    let mut os = runtime().sandbox().dir(a.path(), "/a").dir(b.path(), "/b").build().unwrap().os().unwrap();
    assert_eq!(os.getcwd().unwrap(), "/a");
    let mut os =
        runtime().sandbox().dir(a.path(), "/a").dir(b.path(), "/b").cwd("/b/in").build().unwrap().os().unwrap();
    assert_eq!(os.getcwd().unwrap(), "/b/in");
    assert_eq!(os.path().abspath("x").unwrap(), "/b/in/x");
    let mut os = runtime().sandbox().build().unwrap().os().unwrap();
    assert_eq!(os.getcwd().unwrap(), "/");
    assert_eq!(os.listdir("/").unwrap(), Vec::<FsPath>::new());
}

#[test]
fn nested_mounts_resolve_to_the_longest() {
    let (outer, inner) = (tempdir(), tempdir());
    std::fs::write(inner.path().join("mark"), "").unwrap();
    let mut os =
        runtime().sandbox().dir(outer.path(), "/data").dir(inner.path(), "/data/in").build().unwrap().os().unwrap();
    assert!(os.path().isfile("/data/in/mark").unwrap());
    assert!(os.path().ismount("/data/in").unwrap());
    let mut roots = os.listdir("/").unwrap();
    roots.sort();
    assert_eq!(roots, ["data"]);
}

/// rmtree over a grant mounted inside the tree goes into that grant, as
/// CPython's goes into a file system mounted there: a read-only one is
/// EROFS on its first file and its mount point EBUSY; the directory the
/// mount covers in the outer grant, which the sandbox never shows, stays.
#[test]
fn rmtree_over_a_nested_grant_goes_into_it_and_never_behind_it() {
    let (outer, inner) = (tempdir(), tempdir());
    std::fs::create_dir_all(outer.path().join("t/ro")).unwrap();
    std::fs::write(outer.path().join("t/ro/covered"), "").unwrap();
    std::fs::write(outer.path().join("t/f"), "").unwrap();
    std::fs::write(inner.path().join("kept"), "").unwrap();
    let sandbox = runtime().sandbox().dir(outer.path(), "/b").ro_dir(inner.path(), "/b/t/ro").build().unwrap();
    let mut os = sandbox.os().unwrap();
    let err = os.shutil().rmtree("/b/t", false).unwrap_err();
    assert_eq!((err.errno(), err.filename().map(|f| f.to_string())), (Some(30), Some("kept".into())), "{err}");
    let mut errnos = Vec::new();
    os.shutil().rmtree_onexc("/b/t", |e| errnos.push(e.errno())).unwrap();
    // EROFS for the file, EBUSY for the mount point, ENOTEMPTY for /b/t.
    assert_eq!(errnos, [Some(30), Some(16), Some(39)]);
    assert!(outer.path().join("t/ro/covered").exists(), "the covered directory is not the sandbox's to remove");
    assert!(!outer.path().join("t/f").exists());
    assert!(inner.path().join("kept").exists());
    assert!(os.path().isfile("/b/t/ro/kept").unwrap());
}

/// The `os` world declares every WASI interface the component imports, so
/// composition tools can check the component against the world.
#[test]
fn component_imports_are_declared_in_the_os_world() {
    let engine = wasmtime::Engine::default();
    let component = wasmtime::component::Component::new(&engine, osbox::Guest::Full.bytes()).unwrap();
    let world = std::fs::read_to_string(crate::harness::repo().join("wit/worlds.wit")).unwrap();
    let os_world = &world[world.find("world os").unwrap()..world.find("world consumer").unwrap()];
    let declared: Vec<&str> =
        os_world.lines().filter_map(|l| l.trim().strip_prefix("import ")).map(|l| l.trim_end_matches(';')).collect();
    let imports: Vec<String> = component.component_type().imports(&engine).map(|(name, _)| name.to_string()).collect();
    assert!(imports.iter().any(|i| i.starts_with("wasi:filesystem/types@0.2.")), "{imports:?}");
    for import in &imports {
        // WASI 0.2.x minor versions are compatible: compare without the patch.
        let (iface, version) = import.split_once('@').unwrap_or((import.as_str(), ""));
        let ok = declared.iter().any(|d| {
            let (div, dver) = d.split_once('@').unwrap_or((d, ""));
            let ours = if div.contains(':') { div.to_string() } else { format!("osbox:os/{div}") };
            ours == iface
                && (dver.is_empty() || dver.rsplit_once('.').map(|v| v.0) == version.rsplit_once('.').map(|v| v.0))
        });
        assert!(ok, "the component imports {import}, which the os world does not declare: {declared:?}");
    }
}

#[test]
fn scandir_inodes_are_the_st_ino_of_lstat() {
    let dir = crate::harness::tempdir();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("f"), "x").unwrap();
    std::os::unix::fs::symlink("f", dir.path().join("l")).unwrap();
    std::os::unix::fs::symlink("missing", dir.path().join("dangling")).unwrap();
    let mut os = crate::harness::work_os(dir.path());
    let mut seen = std::collections::BTreeSet::new();
    for entry in os.scandir("/work").unwrap() {
        let st = os.lstat(entry.path.clone()).unwrap();
        assert_eq!(entry.inode(), st.st_ino, "{}", entry.name);
        seen.insert(entry.inode());
    }
    assert_eq!(seen.len(), 4, "distinct files, distinct inodes");
    // A hard link is the same file: the same inode either way.
    std::fs::hard_link(dir.path().join("f"), dir.path().join("h")).unwrap();
    let by_name =
        |os: &mut osbox::Os, n: &str| os.scandir("/work").unwrap().into_iter().find(|e| e.name == n).unwrap().inode();
    assert_eq!(by_name(&mut os, "h"), by_name(&mut os, "f"));
}

#[test]
fn copies_keep_data_times_and_modes_across_grants_and_fail_exactly() {
    use std::os::unix::fs::PermissionsExt;
    let (a, b, ro) = (crate::harness::tempdir(), crate::harness::tempdir(), crate::harness::tempdir());
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(a.path().join("src"), &data).unwrap();
    std::fs::set_permissions(a.path().join("src"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let when = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::new(1_500_000_000, 123_456_789);
    std::fs::File::options().write(true).open(a.path().join("src")).unwrap().set_modified(when).unwrap();
    let mut os = crate::harness::runtime()
        .sandbox()
        .dir(a.path(), "/a")
        .dir(b.path(), "/b")
        .ro_dir(ro.path(), "/ro")
        .build()
        .unwrap()
        .os()
        .unwrap();
    os.shutil().copy2("/a/src", "/b/copy2", true).unwrap();
    os.shutil().copy("/a/src", "/b/copy", true).unwrap();
    for (name, times) in [("copy2", true), ("copy", false)] {
        let p = b.path().join(name);
        assert_eq!(std::fs::read(&p).unwrap(), data, "{name}");
        let meta = std::fs::metadata(&p).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o640, "{name} copies the mode");
        assert_eq!(meta.modified().unwrap() == when, times, "{name}: times only with copy2");
    }
    // Into a directory: the name is kept.
    std::fs::create_dir(b.path().join("dir")).unwrap();
    assert_eq!(os.shutil().copy2("/a/src", "/b/dir", true).unwrap(), "/b/dir/src");
    // Over an existing file: replaced, with the same result.
    std::fs::write(b.path().join("copy2"), "old").unwrap();
    os.shutil().copy2("/a/src", "/b/copy2", true).unwrap();
    assert_eq!(std::fs::read(b.path().join("copy2")).unwrap(), data);
    // The errors are CPython's.
    let e = os.shutil().copy2("/a/src", "/ro/x", true).unwrap_err();
    assert_eq!(e.to_string(), "[Errno 30] Read-only file system: '/ro/x'");
    let e = os.shutil().copy2("/a/missing", "/b/x", true).unwrap_err();
    assert_eq!(e.to_string(), "[Errno 2] No such file or directory: '/a/missing'");
    let e = os.shutil().copy("/a", "/b/x", true).unwrap_err();
    assert_eq!(e.to_string(), "[Errno 21] Is a directory: '/a'");
    assert!(!b.path().join("x").exists() && std::fs::read_dir(ro.path()).unwrap().count() == 0);
}

#[test]
fn big_reads_come_whole_in_order_and_stop_at_the_end() {
    let dir = crate::harness::tempdir();
    let data: Vec<u8> = (0..(5u32 << 20) + 12345).map(|i| (i % 253) as u8).collect();
    std::fs::write(dir.path().join("big"), &data).unwrap();
    let mut os = crate::harness::work_os(dir.path());
    let fd = os.open("/work/big", 0, 0).unwrap();
    let first = os.read(fd, 3 << 20).unwrap();
    assert_eq!(first, data[..3 << 20]);
    let rest = os.read(fd, 8 << 20).unwrap();
    assert_eq!(rest, data[3 << 20..], "the rest, fewer bytes than asked at the end");
    assert!(os.read(fd, 1 << 20).unwrap().is_empty());
    assert_eq!(os.pread(fd, 10, 5 << 20).unwrap(), data[5 << 20..(5 << 20) + 10]);
    assert_eq!(os.lseek(fd, 0, 1).unwrap(), data.len() as i64);
    os.close(fd).unwrap();
    let wfd = os.open("/work/w", 0o1 | 0o100, 0o644).unwrap();
    assert_eq!(os.read(wfd, 10).unwrap_err().to_string(), "[Errno 9] Bad file descriptor");
    let dfd = os.open("/work", 0, 0).unwrap();
    assert_eq!(os.read(dfd, 10).unwrap_err().to_string(), "[Errno 21] Is a directory");
}

#[test]
fn stat_and_fstat_agree_on_every_field() {
    let dir = crate::harness::tempdir();
    std::fs::create_dir_all(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("top"), "12345").unwrap();
    std::fs::write(dir.path().join("sub/deep"), "123").unwrap();
    std::os::unix::fs::symlink("top", dir.path().join("link")).unwrap();
    let mut os = crate::harness::work_os(dir.path());
    // A name in the grant's root, a deeper path, a link followed, a directory.
    for (path, opened) in [
        ("/work/top", "/work/top"),
        ("/work/sub/deep", "/work/sub/deep"),
        ("/work/link", "/work/top"),
        ("/work/sub", "/work/sub"),
    ] {
        let st = os.stat(path).unwrap();
        let fd = os.open(opened, 0, 0).unwrap();
        let fst = os.fstat(fd).unwrap();
        os.close(fd).unwrap();
        assert_eq!(format!("{st:?}"), format!("{fst:?}"), "{path}");
    }
    let l = os.lstat("/work/link").unwrap();
    assert_eq!((l.st_mode & 0o170000, l.st_size), (0o120000, 3));
}

#[test]
fn named_pipes_are_not_copied_they_are_special_files() {
    let dir = crate::harness::tempdir();
    let fifo = std::ffi::CString::new(dir.path().join("pipe").into_os_string().into_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    std::fs::write(dir.path().join("file"), "x").unwrap();
    std::fs::create_dir(dir.path().join("tree")).unwrap();
    let fifo2 = std::ffi::CString::new(dir.path().join("tree/p").into_os_string().into_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo2.as_ptr(), 0o644) }, 0);
    let mut os = crate::harness::work_os(dir.path());
    for (src, dst) in [("/work/pipe", "/work/out"), ("/work/file", "/work/pipe")] {
        let e = os.shutil().copy2(src, dst, true).unwrap_err();
        let which = if src.ends_with("pipe") { src } else { dst };
        assert_eq!((e.kind(), e.to_string()), (osbox::ErrorKind::SpecialFile, format!("`{which}` is a named pipe")));
    }
    let e = os.shutil().copytree("/work/tree", "/work/copy", &osbox::CopytreeOptions::default()).unwrap_err();
    assert_eq!(e.kind(), osbox::ErrorKind::ShutilError);
    assert!(e.to_string().contains("`/work/tree/p` is a named pipe"), "{e}");
    assert!(!dir.path().join("out").exists());
}

/// One naming rule: every function the component exports is found under
/// its Python name in the exec protocol (and through it the Rust API):
/// the WIT name in snake case, in the Python module its interface serves.
/// The few exceptions are the protocol's spellings of what Python writes
/// as operators or attributes, and `move-path` (a Rust keyword).
#[test]
fn every_exported_function_has_its_python_name_in_exec() {
    fn module(iface: &str) -> &str {
        match iface {
            "fs" | "file" | "env" | "system" | "direct" => "os",
            "path" => "os.path",
            other => other,
        }
    }
    let spelled: &[(&str, &str)] = &[
        ("env.environ", "os.environ"),
        ("env.setenv", "os.environ.__setitem__"),
        ("env.delenv", "os.environ.__delitem__"),
        ("shutil.move-path", "shutil.move"),
        ("subprocess.system", "os.system"),
        ("subprocess.os-popen", "os.popen"),
        ("sys.platform", "sys.platform"),
        ("tempfile.tempdir", "tempfile.tempdir"),
    ];
    let callables: Vec<&str> = osbox::exec::callables().collect();
    let mut os = crate::harness::work_os(tempdir().path());
    let mut missing = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(crate::harness::repo().join("wit")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wit") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(iface) = text.lines().find_map(|l| l.strip_prefix("interface ")).map(|l| l.trim_end_matches(" {"))
        else {
            continue;
        };
        if matches!(iface, "host" | "types") {
            continue;
        }
        // Functions of the interface itself, not methods of its resources.
        let functions = text.lines().filter_map(|l| l.strip_prefix("    ")?.split_once(": func").map(|(n, _)| n));
        for name in functions.filter(|n| !n.starts_with(' ')) {
            seen += 1;
            let key = format!("{iface}.{name}");
            let python = match spelled.iter().find(|(k, _)| *k == key) {
                Some((_, p)) => p.to_string(),
                None => format!("{}.{}", module(iface), name.replace('-', "_")),
            };
            // An attribute (`os.environ`, `sys.platform`) is read with no arguments.
            let known = callables.contains(&python.as_str())
                || osbox::exec::call(&mut os, &python, vec![], Default::default()).is_ok();
            if !known {
                missing.push(format!("{key} (as {python})"));
            }
        }
    }
    assert!(seen > 100, "only {seen} functions found in wit/");
    assert!(missing.is_empty(), "exported functions without their Python name in exec: {missing:?}");
}
