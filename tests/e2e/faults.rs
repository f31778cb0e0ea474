//! No data loss when the disk fills up: copies into a small tmpfs fail with
//! ENOSPC, every failure is reported, and nothing that was there before is
//! lost. Mounting the tmpfs needs root, as CI has.

use std::path::Path;
use std::process::Command;

use osbox::{CopyFunction, CopytreeOptions, ErrorKind, Os};

use crate::harness::{runtime, snapshot, tempdir};

/// A tmpfs of `kib` KiB, unmounted on drop.
struct SmallFs {
    dir: tempfile::TempDir,
}

impl SmallFs {
    fn new(kib: u32) -> SmallFs {
        let dir = tempdir();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(status.success(), "mounting a small tmpfs needs root (CI runs as root)");
        SmallFs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn plant_tree(root: &Path, files: usize, size: usize) {
    for i in 0..files {
        let path = root.join(format!("tree/d{}/f{i}", i % 2));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, vec![b'a' + i as u8; size]).unwrap();
    }
}

fn sandbox(disk: &Path, small: &Path) -> Os {
    runtime().sandbox().dir(disk, "/disk").dir(small, "/small").build().unwrap().os().unwrap()
}

#[test]
fn copytree_into_a_full_disk_reports_every_failure_and_keeps_the_source() {
    let (disk, small) = (tempdir(), SmallFs::new(64));
    plant_tree(disk.path(), 6, 40 * 1024);
    let before = snapshot(disk.path());
    let mut os = sandbox(disk.path(), small.path());
    let err = os.shutil().copytree("/disk/tree", "/small/tree", &CopytreeOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ShutilError);
    let failures = err.message().matches("No space left on device").count();
    assert!(failures >= 4, "each file that did not fit is reported: {err}");
    assert!(err.message().starts_with("[('/disk/tree/d"), "{err}");
    assert_eq!(snapshot(disk.path()), before, "the source is intact");
}

#[test]
fn move_into_a_full_disk_keeps_the_source() {
    let (disk, small) = (tempdir(), SmallFs::new(64));
    plant_tree(disk.path(), 4, 40 * 1024);
    std::fs::write(disk.path().join("big"), vec![7u8; 200 * 1024]).unwrap();
    let before = snapshot(disk.path());
    let mut os = sandbox(disk.path(), small.path());
    let err = os.shutil().move_path("/disk/tree", "/small", CopyFunction::Copy2).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ShutilError, "{err}");
    let err = os.shutil().move_path("/disk/big", "/small/big", CopyFunction::Copy2).unwrap_err();
    assert_eq!((err.errno(), err.message()), (Some(28), "[Errno 28] No space left on device"));
    assert_eq!(snapshot(disk.path()), before, "nothing was removed from the source");
    assert!(!small.path().join("big").exists(), "no partial file is left behind");
}

#[test]
fn copyfile_onto_an_existing_file_on_a_full_disk_keeps_the_old_content() {
    let (disk, small) = (tempdir(), SmallFs::new(64));
    std::fs::write(small.path().join("config"), "the previous settings").unwrap();
    std::fs::write(disk.path().join("new"), vec![b'n'; 100 * 1024]).unwrap();
    let mut os = sandbox(disk.path(), small.path());
    for attempt in [
        os.shutil().copyfile("/disk/new", "/small/config", true),
        os.shutil().copy2("/disk/new", "/small/config", true),
        os.shutil().move_path("/disk/new", "/small/config", CopyFunction::Copy2).map(|_| "moved".into()),
    ] {
        let err = attempt.unwrap_err();
        assert_eq!(err.errno(), Some(28), "{err}");
    }
    assert_eq!(std::fs::read_to_string(small.path().join("config")).unwrap(), "the previous settings");
    assert_eq!(snapshot(small.path()).len(), 1, "no temporary copy is left beside it");
    assert_eq!(std::fs::read(disk.path().join("new")).unwrap().len(), 100 * 1024);
}

#[test]
fn writes_on_a_full_disk_fail_with_enospc() {
    let (disk, small) = (tempdir(), SmallFs::new(16));
    let mut os = sandbox(disk.path(), small.path());
    let fd = os.open("/small/f", 0o1 | 0o100, 0o644).unwrap();
    let chunk = vec![1u8; 8 * 1024];
    let err = loop {
        match os.write(fd, &chunk) {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert_eq!(
        (err.kind(), err.errno(), err.message()),
        (ErrorKind::OsError, Some(28), "[Errno 28] No space left on device")
    );
    os.close(fd).unwrap();
}
