//! The sandbox's promise: a path outside the grants never reaches the host,
//! read-only grants stay unchanged, and the exact Python error says so.
//! Each test plants a canary next to the granted directory and checks it
//! afterwards.

use std::path::{Path, PathBuf};

use osbox::{ErrorKind, Os};

use crate::harness::{runtime, snapshot, tempdir};

/// A host directory with `granted/` (what the sandbox gets) beside
/// `outside/canary`, which nothing may read, change or remove.
struct Fixture {
    root: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let root = tempdir();
        std::fs::create_dir_all(root.path().join("granted/sub")).unwrap();
        std::fs::create_dir_all(root.path().join("outside/dir")).unwrap();
        std::fs::write(root.path().join("outside/canary"), "secret").unwrap();
        Fixture { root }
    }

    fn granted(&self) -> PathBuf {
        self.root.path().join("granted")
    }

    fn os(&self) -> Os {
        runtime().sandbox().dir(self.granted(), "/work").build().unwrap().os().unwrap()
    }

    fn plant_link(&self, name: &str, target: &str) {
        std::os::unix::fs::symlink(target, self.granted().join(name)).unwrap();
    }

    /// Asserts the outside is exactly as planted.
    fn outside_untouched(&self) {
        let outside = snapshot(&self.root.path().join("outside"));
        assert_eq!(outside.len(), 2, "outside still holds dir and canary: {outside:?}");
        assert_eq!(std::fs::read_to_string(self.root.path().join("outside/canary")).unwrap(), "secret");
        assert!(self.root.path().join("outside/dir").is_dir());
    }
}

fn assert_error(r: Result<impl std::fmt::Debug, osbox::Error>, kind: ErrorKind, errno: i32, message: &str) {
    let err = r.expect_err("the call must fail");
    assert_eq!((err.kind(), err.errno(), err.message()), (kind, Some(errno), message));
}

#[test]
fn absolute_paths_outside_the_grants_do_not_exist() {
    let f = Fixture::new();
    let mut os = f.os();
    let canary = f.root.path().join("outside/canary");
    let host_path = canary.to_str().unwrap();
    assert_error(
        os.stat(host_path),
        ErrorKind::FileNotFound,
        2,
        &format!("[Errno 2] No such file or directory: '{host_path}'"),
    );
    assert_error(
        os.stat("/etc/passwd"),
        ErrorKind::FileNotFound,
        2,
        "[Errno 2] No such file or directory: '/etc/passwd'",
    );
    assert_error(os.listdir("/etc"), ErrorKind::FileNotFound, 2, "[Errno 2] No such file or directory: '/etc'");
    assert_error(
        os.remove(host_path),
        ErrorKind::FileNotFound,
        2,
        &format!("[Errno 2] No such file or directory: '{host_path}'"),
    );
    assert!(os.path().exists("/").unwrap());
    f.outside_untouched();
}

#[test]
fn root_lists_the_mount_points_and_nothing_of_the_host() {
    let f = Fixture::new();
    let mut os = f.os();
    assert_eq!(os.listdir("/").unwrap(), ["work"]);
    assert_eq!(os.listdir("/work/..").unwrap(), ["work"]);
    assert_error(os.mkdir("/etc", 0o777), ErrorKind::Permission, 13, "[Errno 13] Permission denied: '/etc'");
    assert_error(os.rmdir("/work"), ErrorKind::OsError, 16, "[Errno 16] Device or resource busy: '/work'");
    let st = os.stat("/").unwrap();
    assert_eq!(st.st_mode, 0o40555);
}

#[test]
fn dotdot_chains_stay_inside() {
    let f = Fixture::new();
    let mut os = f.os();
    os.chdir("/work/sub").unwrap();
    assert_error(
        os.stat("../../outside/canary"),
        ErrorKind::FileNotFound,
        2,
        "[Errno 2] No such file or directory: '../../outside/canary'",
    );
    assert_eq!(os.listdir("../../../..").unwrap(), ["work"], "above / is /");
    assert_error(
        os.rename("/work/sub", "../../outside/moved"),
        ErrorKind::FileNotFound,
        2,
        "[Errno 2] No such file or directory: '/work/sub' -> '../../outside/moved'",
    );
    os.chdir("../../..").unwrap();
    assert_eq!(os.getcwd().unwrap(), "/");
    f.outside_untouched();
}

#[test]
fn planted_symlinks_pointing_outside_are_refused() {
    let f = Fixture::new();
    let canary = f.root.path().join("outside/canary");
    f.plant_link("abs", canary.to_str().unwrap());
    f.plant_link("rel", "../outside/canary");
    f.plant_link("reldir", "../outside");
    f.plant_link("parent", "..");
    let mut os = f.os();
    assert_error(os.stat("abs"), ErrorKind::Permission, 1, "[Errno 1] Operation not permitted: 'abs'");
    assert_error(os.stat("rel"), ErrorKind::Permission, 1, "[Errno 1] Operation not permitted: 'rel'");
    assert_error(os.listdir("reldir"), ErrorKind::Permission, 1, "[Errno 1] Operation not permitted: 'reldir'");
    assert_error(os.listdir("parent"), ErrorKind::Permission, 1, "[Errno 1] Operation not permitted: 'parent'");
    assert_error(
        os.mkdir("reldir/new", 0o777),
        ErrorKind::Permission,
        1,
        "[Errno 1] Operation not permitted: 'reldir/new'",
    );
    assert_error(os.rmdir("reldir/dir"), ErrorKind::Permission, 1, "[Errno 1] Operation not permitted: 'reldir/dir'");
    assert_error(
        os.remove("reldir/canary"),
        ErrorKind::Permission,
        1,
        "[Errno 1] Operation not permitted: 'reldir/canary'",
    );
    assert_error(
        os.rename("reldir/canary", "stolen"),
        ErrorKind::Permission,
        1,
        "[Errno 1] Operation not permitted: 'reldir/canary' -> 'stolen'",
    );
    assert_error(os.chmod("rel", 0o777, true), ErrorKind::Permission, 1, "[Errno 1] Operation not permitted: 'rel'");
    // The links themselves can be seen and removed: they are inside.
    assert!(os.path().islink("rel").unwrap());
    assert!(!os.path().exists("rel").unwrap());
    // Lexically the mount's parent is the sandbox root, which holds nothing.
    assert_eq!(os.path().realpath("parent", false).unwrap(), "/");
    let steps = os.walk("/work", osbox::WalkOptions { topdown: true, followlinks: true }).unwrap();
    assert!(steps.iter().all(|s| s.dirpath.to_string().starts_with("/work")));
    os.remove("rel").unwrap();
    f.outside_untouched();
}

#[test]
fn read_only_grants_refuse_every_change_with_erofs() {
    let f = Fixture::new();
    std::fs::write(f.granted().join("file"), "keep").unwrap();
    let before = snapshot(&f.granted());
    let mut os = runtime().sandbox().ro_dir(f.granted(), "/ro").build().unwrap().os().unwrap();
    let erofs = |r: Result<(), osbox::Error>, what: &str| {
        assert_error(r, ErrorKind::OsError, 30, &format!("[Errno 30] Read-only file system: {what}"))
    };
    erofs(os.mkdir("/ro/new", 0o777), "'/ro/new'");
    erofs(os.makedirs("/ro/a/b", false), "'/ro/a'");
    erofs(os.rmdir("/ro/sub"), "'/ro/sub'");
    erofs(os.remove("/ro/file"), "'/ro/file'");
    erofs(os.rename("/ro/file", "/ro/moved"), "'/ro/file' -> '/ro/moved'");
    erofs(os.chmod("/ro/file", 0o777, true), "'/ro/file'");
    assert_eq!(os.listdir("/ro").unwrap().len(), 2, "reading works");
    assert_eq!(snapshot(&f.granted()), before, "nothing under the read-only grant changed");
}

#[test]
fn moving_into_a_read_only_grant_is_refused() {
    let (rw, ro) = (tempdir(), tempdir());
    std::fs::write(rw.path().join("f"), "data").unwrap();
    let mut os = runtime().sandbox().dir(rw.path(), "/rw").ro_dir(ro.path(), "/ro").build().unwrap().os().unwrap();
    let err = os.rename("/rw/f", "/ro/f").unwrap_err();
    assert_eq!(err.errno(), Some(30), "{err}");
    assert_eq!(std::fs::read_to_string(rw.path().join("f")).unwrap(), "data");
    assert!(snapshot(ro.path()).is_empty());
}

#[test]
fn nul_bytes_are_value_errors_before_any_access() {
    let f = Fixture::new();
    let mut os = f.os();
    let err = os.stat("sub\0/../../outside/canary").unwrap_err();
    assert_eq!((err.kind(), err.errno(), err.message()), (ErrorKind::Value, None, "embedded null byte"));
    assert!(!os.path().exists("a\0b").unwrap());
    f.outside_untouched();
}

#[test]
fn the_sandbox_root_is_not_the_host_root() {
    // No grant at all: the guest sees an empty root.
    let mut os = runtime().sandbox().build().unwrap().os().unwrap();
    assert!(os.listdir("/").unwrap().is_empty());
    assert_error(os.stat("/tmp"), ErrorKind::FileNotFound, 2, "[Errno 2] No such file or directory: '/tmp'");
    let here: &Path = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(!os.path().exists(here.to_str().unwrap()).unwrap());
}

/// The host extension works on what the guest resolved, so a `..` after a
/// symbolic link climbs from the link's target, as the kernel and CPython
/// resolve it, not from the link's own directory.
#[test]
fn host_calls_resolve_dotdot_after_a_link_as_the_kernel_does() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.path().join("sub/x")).unwrap();
    std::fs::write(dir.path().join("f"), "top").unwrap();
    std::fs::write(dir.path().join("sub/f"), "beneath").unwrap();
    std::os::unix::fs::symlink("sub/x", dir.path().join("l")).unwrap();
    let mut os = runtime().sandbox().dir(dir.path(), "/d").build().unwrap().os().unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &str| std::fs::metadata(dir.path().join(p)).unwrap().permissions().mode() & 0o777;
    let before = mode("f");
    os.chmod("/d/l/../f", 0o600, true).unwrap();
    assert_eq!(mode("sub/f"), 0o600, "the file beneath the link's target changes");
    assert_eq!(mode("f"), before, "the file beside the link does not");
    // Every call that goes to the host resolves the same way.
    assert_eq!(os.stat("/d/l/../f").unwrap().st_size, 7);
    assert_eq!(os.stat("/d/l/../f").unwrap().st_mode & 0o777, 0o600);
    assert!(os.access("/d/l/../f", 4, true).unwrap());
    // A name only the link's target's parent holds.
    std::fs::write(dir.path().join("sub/only"), "").unwrap();
    assert!(os.statvfs("/d/l/../only").is_ok());
    assert_eq!(os.lstat("/d/l/../only").unwrap().st_size, 0);
    assert!(os.listdir("/d/l/..").unwrap().iter().any(|n| *n == "only"));
}
