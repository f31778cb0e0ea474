//! Files, shutil and tempfile through the Rust API.

use osbox::{CopyFunction, CopytreeOptions, ErrorKind, FsPath};

use crate::harness::{runtime, snapshot, tempdir, work_os};

const O_RDWR: i32 = 0o2;
const O_CREAT: i32 = 0o100;
const O_APPEND: i32 = 0o2000;

#[test]
fn fd_io_round_trip_with_posix_offsets() {
    let dir = tempdir();
    let mut os = work_os(dir.path());
    let fd = os.open("f", O_RDWR | O_CREAT, 0o644).unwrap();
    assert_eq!(fd, 3, "the lowest free descriptor");
    assert_eq!(os.write(fd, b"hello world").unwrap(), 11);
    assert_eq!(os.lseek(fd, 6, 0).unwrap(), 6);
    assert_eq!(os.read(fd, 100).unwrap(), b"world");
    assert_eq!(os.read(fd, 100).unwrap(), b"");
    assert_eq!(os.pread(fd, 5, 0).unwrap(), b"hello");
    assert_eq!(os.lseek(fd, 0, 1).unwrap(), 11, "pread leaves the offset");
    let dup = os.dup(fd).unwrap();
    assert_eq!(dup, 4);
    os.lseek(dup, 0, 0).unwrap();
    assert_eq!(os.lseek(fd, 0, 1).unwrap(), 0, "duplicates share the offset");
    os.close(fd).unwrap();
    os.close(dup).unwrap();
    assert_eq!(os.close(fd).unwrap_err().message(), "[Errno 9] Bad file descriptor");
    assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), b"hello world");
}

#[test]
fn append_mode_writes_at_the_end_after_any_seek() {
    let dir = tempdir();
    std::fs::write(dir.path().join("log"), "data").unwrap();
    let mut os = work_os(dir.path());
    let fd = os.open("log", 1 | O_APPEND, 0).unwrap();
    os.lseek(fd, 0, 0).unwrap();
    os.write(fd, b"!").unwrap();
    std::fs::write(dir.path().join("other"), "").unwrap();
    os.close(fd).unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("log")).unwrap(), "data!");
}

#[test]
fn descriptors_run_out_with_emfile_and_come_back() {
    let dir = tempdir();
    std::fs::write(dir.path().join("f"), "x").unwrap();
    let mut os = work_os(dir.path());
    let mut fds = Vec::new();
    let err = loop {
        match os.open("f", 0, 0) {
            Ok(fd) => fds.push(fd),
            Err(e) => break e,
        }
    };
    assert_eq!((err.errno(), err.message()), (Some(24), "[Errno 24] Too many open files: 'f'"));
    os.closerange(3, 100).unwrap();
    assert_eq!(os.open("f", 0, 0).unwrap(), 3);
}

#[test]
fn copytree_move_and_rmtree_through_the_api() {
    let dir = tempdir();
    for (p, c) in [("src/a", "1"), ("src/sub/b", "2"), ("src/skip.tmp", "")] {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, c).unwrap();
    }
    let mut os = work_os(dir.path());
    let opts = CopytreeOptions { ignore_patterns: Some(vec!["*.tmp".into()]), ..Default::default() };
    assert_eq!(os.shutil().copytree("src", "dst", &opts).unwrap(), "dst");
    assert_eq!(std::fs::read_to_string(dir.path().join("dst/sub/b")).unwrap(), "2");
    assert!(!dir.path().join("dst/skip.tmp").exists());
    let err = os.shutil().copytree("src", "dst", &opts).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FileExists);
    assert_eq!(os.shutil().move_path("dst", "moved", CopyFunction::Copy2).unwrap().unwrap(), "moved");
    assert_eq!(os.shutil().copy2("src/a", "moved", true).unwrap(), "moved/a");
    os.shutil().rmtree("moved", false).unwrap();
    assert!(!dir.path().join("moved").exists());
    let err = os.shutil().copyfile("src/a", "src/a", true).unwrap_err();
    assert_eq!((err.kind(), err.message()), (ErrorKind::SameFile, "'src/a' and 'src/a' are the same file"));
}

#[test]
fn copyfile_keeps_the_destination_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    std::fs::write(dir.path().join("src"), "new").unwrap();
    std::fs::write(dir.path().join("dst"), "old").unwrap();
    std::fs::set_permissions(dir.path().join("dst"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let mut os = work_os(dir.path());
    os.shutil().copyfile("src", "dst", true).unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("dst")).unwrap(), "new");
    assert_eq!(std::fs::metadata(dir.path().join("dst")).unwrap().permissions().mode() & 0o777, 0o640);
    assert_eq!(snapshot(dir.path()).len(), 2, "no temporary file is left beside it");
}

#[test]
fn temporary_directory_and_file_clean_up_on_drop() {
    let dir = tempdir();
    let mut os = runtime().sandbox().dir(dir.path(), "/work").env("TMPDIR", "/work").build().unwrap().os().unwrap();
    assert_eq!(os.tempfile().gettempdir().unwrap(), "/work");
    let made;
    {
        let mut tmp = os.tempfile().temporary_directory(None, Some("t_".into()), None).unwrap();
        made = tmp.path().clone();
        assert!(made.to_string().starts_with("/work/t_"));
        tmp.makedirs(format!("{made}/a/b"), false).unwrap();
        assert!(dir.path().join(made.to_string().trim_start_matches("/work/")).join("a/b").is_dir());
    }
    assert!(!os.path().exists(made).unwrap(), "the directory went with the guard");
    let name;
    {
        let mut f = os.tempfile().named_temporary_file(Some(".txt".into()), None, None).unwrap();
        name = f.path().clone();
        let fd = f.fd();
        f.write(fd, b"scratch").unwrap();
        assert!(name.to_string().ends_with(".txt"));
    }
    assert!(!os.path().exists(name).unwrap());
    assert!(snapshot(dir.path()).is_empty());
}

#[test]
fn gettempdir_without_a_usable_directory_says_where_it_looked() {
    let dir = tempdir();
    let mut os = runtime().sandbox().ro_dir(dir.path(), "/ro").build().unwrap().os().unwrap();
    let err = os.tempfile().gettempdir().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FileNotFound);
    assert_eq!(
        err.message(),
        "[Errno 2] No usable temporary directory found in ['/tmp', '/var/tmp', '/usr/tmp', '/ro']"
    );
    // With a writable grant and no TMPDIR, the current directory serves.
    let mut os = work_os(dir.path());
    assert_eq!(os.tempfile().gettempdir().unwrap(), FsPath::from("/work"));
}

#[test]
fn move_across_file_systems_copies_then_removes() {
    // /dev/shm is a tmpfs: a rename from the temporary directory to it is
    // EXDEV, so move takes the copy path.
    let (disk, shm) = (tempdir(), tempfile::tempdir_in("/dev/shm").unwrap());
    std::fs::create_dir_all(disk.path().join("tree/sub")).unwrap();
    std::fs::write(disk.path().join("tree/sub/f"), "payload").unwrap();
    std::fs::write(disk.path().join("file"), "single").unwrap();
    let mut os = runtime().sandbox().dir(disk.path(), "/disk").dir(shm.path(), "/shm").build().unwrap().os().unwrap();
    let err = os.rename("/disk/file", "/shm/file").unwrap_err();
    assert_eq!(err.errno(), Some(18), "the grants are on different file systems: {err}");
    assert_eq!(os.shutil().move_path("/disk/file", "/shm", CopyFunction::Copy2).unwrap().unwrap(), "/shm/file");
    assert_eq!(os.shutil().move_path("/disk/tree", "/shm/tree", CopyFunction::Copy2).unwrap().unwrap(), "/shm/tree");
    assert_eq!(std::fs::read_to_string(shm.path().join("file")).unwrap(), "single");
    assert_eq!(std::fs::read_to_string(shm.path().join("tree/sub/f")).unwrap(), "payload");
    assert!(snapshot(disk.path()).is_empty(), "the sources are gone once copied");
}

#[test]
fn tree_operations_report_progress() {
    use std::sync::{Arc, Mutex};
    let dir = tempdir();
    for i in 0..25 {
        let p = dir.path().join(format!("src/d{}/f{i}", i % 3));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "x").unwrap();
    }
    let seen: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let log = seen.clone();
    let sandbox = runtime()
        .sandbox()
        .dir(dir.path(), "/work")
        .on_progress(move |op, done| log.lock().unwrap().push((op.to_string(), done)))
        .build()
        .unwrap();
    let mut os = sandbox.os().unwrap();
    os.shutil().copytree("src", "dst", &CopytreeOptions::default()).unwrap();
    os.shutil().rmtree("dst", false).unwrap();
    let seen = seen.lock().unwrap();
    let copies: Vec<u64> = seen.iter().filter(|(op, _)| op == "copytree").map(|(_, n)| *n).collect();
    let removals: Vec<u64> = seen.iter().filter(|(op, _)| op == "rmtree").map(|(_, n)| *n).collect();
    assert_eq!(copies, (1..=25).collect::<Vec<_>>());
    // rmtree removes a directory's files in runs, and reports after each.
    assert!(removals.windows(2).all(|w| w[0] < w[1]), "{removals:?}");
    assert_eq!(removals.last(), Some(&25), "{removals:?}");
    assert!(removals.len() >= 3, "one report per directory at least: {removals:?}");
}

#[test]
fn file_resource_reads_writes_and_closes() {
    let dir = tempdir();
    let mut os = work_os(dir.path());
    let file = os.open_file("notes", O_RDWR | O_CREAT, 0o644).unwrap();
    assert_eq!(file.write(&mut os, b"hello world").unwrap(), 11);
    assert_eq!(file.seek(&mut os, 6, 0).unwrap(), 6);
    assert_eq!(file.read(&mut os, 10).unwrap(), b"world");
    file.truncate(&mut os, 5).unwrap();
    file.sync(&mut os).unwrap();
    assert_eq!(file.stat(&mut os).unwrap().st_size, 5);
    // The resource is not a descriptor: os.open still gets 3.
    assert_eq!(os.open("notes", 0, 0).unwrap(), 3);
    file.close(&mut os).unwrap();
    assert_eq!(std::fs::read(dir.path().join("notes")).unwrap(), b"hello");
    let err = os.open_file("missing", 0, 0).unwrap_err();
    assert_eq!(err.message(), "[Errno 2] No such file or directory: 'missing'");
    let ro = os.open_file("notes", 0, 0).unwrap();
    assert_eq!(ro.write(&mut os, b"x").unwrap_err().errno(), Some(9));
}

#[test]
fn rmtree_onexc_sees_every_error_and_goes_on() {
    let dir = tempdir();
    for p in ["t/a", "t/b", "t/sub/c"] {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "x").unwrap();
    }
    let before = snapshot(dir.path());
    let mut os = runtime().sandbox().ro_dir(dir.path(), "/ro").build().unwrap().os().unwrap();
    let mut seen = Vec::new();
    os.shutil().rmtree_onexc("/ro/t", |e| seen.push((e.errno(), e.filename().map(|f| f.to_string())))).unwrap();
    // Three files, the subdirectory and the top: each refused, each reported.
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(seen.iter().all(|(errno, _)| *errno == Some(30)));
    assert!(seen.contains(&(Some(30), Some("c".into()))), "inner errors name the entry, as CPython's: {seen:?}");
    assert_eq!(seen.last().unwrap().1.as_deref(), Some("/ro/t"));
    let err = os.shutil().rmtree("/ro/t", false).unwrap_err();
    assert_eq!(err.errno(), Some(30));
    assert_eq!(snapshot(dir.path()), before);
}
