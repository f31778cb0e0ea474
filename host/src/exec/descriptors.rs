//! Descriptors in arguments: `dir_fd`, a descriptor given for a path
//! (`os.supports_fd`), the file objects of `$fdopen`, and the sets that say
//! which functions take what.

use serde_json::{Value, json};

use super::args::Args;
use super::json;
use crate::error::{Error, ErrorKind, Result};
use crate::fspath::FsPath;
use crate::os::Os;

/// A `dir_fd` argument (`src_dir_fd`, `dst_dir_fd`): `None` or absent is
/// the current directory.
pub(super) fn dir_fd(a: &Args, name: &str) -> Result<Option<i32>> {
    match a.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(i32::from(*b))),
        // Linux's AT_FDCWD is what None stands for.
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => descriptor(n).map(|fd| (fd != -100).then_some(fd)),
        Some(v) => {
            Err(Error::new(ErrorKind::Type, format!("argument should be integer or None, not {}", json::type_name(v))))
        }
    }
}

/// An `int` as a descriptor, with CPython's `OverflowError` past a C int.
pub(super) fn descriptor(n: &serde_json::Number) -> Result<i32> {
    match n.as_i64() {
        Some(i) if i < i64::from(i32::MIN) => Err(Error::new(ErrorKind::Overflow, "fd is less than minimum")),
        Some(i) if i <= i64::from(i32::MAX) => Ok(i as i32),
        _ => Err(Error::new(ErrorKind::Overflow, "fd is greater than maximum")),
    }
}

/// The path argument of a function in `os.supports_fd`: a path, or an
/// open descriptor.
pub(super) enum Target {
    Path(FsPath),
    Fd(i32),
}

/// A path argument that may be `None` (`os.listdir`, `os.scandir`).
pub(super) fn opt_target(a: &Args, name: &str) -> Result<Option<Target>> {
    match a.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => target(a, name).map(Some),
    }
}

pub(super) fn target(a: &Args, name: &str) -> Result<Target> {
    match a.get(name) {
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => descriptor(n).map(Target::Fd),
        _ => a.path(name).map(Target::Path),
    }
}

/// An error of a call given descriptor `fd` for its path, which CPython
/// names by the number (`[Errno 9] Bad file descriptor: 3`).
pub(super) fn on_fd(fd: i32) -> impl FnOnce(Error) -> Error {
    move |e| match (e.errno(), e.strerror(), e.filename()) {
        (Some(errno), Some(text), None) => {
            Error::new(e.kind(), format!("[Errno {errno}] {text}: {fd}")).with_errno(errno, text)
        }
        _ => e,
    }
}

pub(super) fn no_dir_fd_with_fd(func: &str) -> Error {
    Error::new(ErrorKind::Value, format!("{func}: can't specify dir_fd without matching path"))
}

pub(super) fn no_follow_with_fd(func: &str) -> Error {
    Error::new(ErrorKind::Value, format!("{func}: cannot use fd and follow_symlinks together"))
}

/// `os.fdopen(fd)` as `$fdopen` asks it: what is not open is EBADF, a
/// directory is `IsADirectoryError` naming the descriptor.
pub(super) fn fdopen(os: &mut Os, fd: i32) -> Result<i32> {
    if os.fstat(fd)?.file_type() == crate::FileType::Directory {
        return Err(Error::new(ErrorKind::IsADirectory, format!("[Errno 21] Is a directory: {fd}"))
            .with_errno(21, "Is a directory"));
    }
    Ok(fd)
}

/// `os.supports_dir_fd`: the functions that take `dir_fd` (CPython's set on
/// Linux, less the functions osbox does not have).
pub(super) const SUPPORTS_DIR_FD: &[&str] = &[
    "os.access",
    "os.chmod",
    "os.link",
    "os.mkdir",
    "os.open",
    "os.readlink",
    "os.rename",
    "os.rmdir",
    "os.stat",
    "os.symlink",
    "os.unlink",
    "os.utime",
];

/// `os.supports_fd`: the functions that take a descriptor for their path.
pub(super) const SUPPORTS_FD: &[&str] =
    &["os.chdir", "os.chmod", "os.listdir", "os.scandir", "os.stat", "os.statvfs", "os.truncate", "os.utime"];

/// `os.supports_follow_symlinks`: the functions whose `follow_symlinks=False`
/// does not follow.
pub(super) const SUPPORTS_FOLLOW_SYMLINKS: &[&str] = &["os.access", "os.link", "os.stat", "os.utime"];

/// A set of functions, as the protocol shows it: sorted `$callable`s.
pub(super) fn callables_named(names: &[&str]) -> Value {
    let mut names = names.to_vec();
    names.sort_unstable();
    Value::Array(names.into_iter().map(|n| json!({ "$callable": n })).collect())
}
