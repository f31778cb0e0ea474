//! The one mapping from failures to Python exceptions: WASI error codes and
//! osbox error codes to Linux errno numbers, glibc's strerror texts and
//! CPython's exception classes, and `str(exc)` exactly as CPython prints it.

use crate::osbox::os::types::{ErrorCode, Exception, Fspath, OsError};
use crate::posixpath::{repr_bytes, repr_str};
use crate::wasi::filesystem::types::ErrorCode as WasiCode;
use osbox_errno::LinuxErrno as _;

osbox_errno::impl_linux_errno!(ErrorCode);

/// `ErrorCode` to its Linux errno number (the table is `osbox-errno`'s).
pub fn errno_of(code: ErrorCode) -> i32 {
    code.errno()
}

/// A WASI filesystem error code as ours: the 37 cases are one-to-one.
pub fn from_wasi(code: WasiCode) -> ErrorCode {
    use ErrorCode as C;
    use WasiCode as W;
    match code {
        W::Access => C::Access,
        W::WouldBlock => C::WouldBlock,
        W::Already => C::Already,
        W::BadDescriptor => C::BadDescriptor,
        W::Busy => C::Busy,
        W::Deadlock => C::Deadlock,
        W::Quota => C::Quota,
        W::Exist => C::Exist,
        W::FileTooLarge => C::FileTooLarge,
        W::IllegalByteSequence => C::IllegalByteSequence,
        W::InProgress => C::InProgress,
        W::Interrupted => C::Interrupted,
        W::Invalid => C::Invalid,
        W::Io => C::Io,
        W::IsDirectory => C::IsDirectory,
        W::Loop => C::Loop,
        W::TooManyLinks => C::TooManyLinks,
        W::MessageSize => C::MessageSize,
        W::NameTooLong => C::NameTooLong,
        W::NoDevice => C::NoDevice,
        W::NoEntry => C::NoEntry,
        W::NoLock => C::NoLock,
        W::InsufficientMemory => C::InsufficientMemory,
        W::InsufficientSpace => C::InsufficientSpace,
        W::NotDirectory => C::NotDirectory,
        W::NotEmpty => C::NotEmpty,
        W::NotRecoverable => C::NotRecoverable,
        W::Unsupported => C::Unsupported,
        W::NoTty => C::NoTty,
        W::NoSuchDevice => C::NoSuchDevice,
        W::Overflow => C::Overflow,
        W::NotPermitted => C::NotPermitted,
        W::Pipe => C::Pipe,
        W::ReadOnly => C::ReadOnly,
        W::InvalidSeek => C::InvalidSeek,
        W::TextFileBusy => C::TextFileBusy,
        W::CrossDevice => C::CrossDevice,
    }
}

/// `os.strerror(n)` as glibc words it.
pub fn strerror(errno: i32) -> String {
    match errno {
        0 => "Success".into(),
        n => osbox_errno::strerror(n).map_or_else(|| format!("Unknown error {n}"), str::to_string),
    }
}

/// The `OSError` subclass CPython picks for an errno (`Objects/exceptions.c`).
fn exception_of(errno: i32) -> Exception {
    match errno {
        11 | 114 | 115 => Exception::BlockingIoError,
        10 => Exception::ChildProcessError,
        32 => Exception::BrokenPipeError,
        17 => Exception::FileExistsError,
        2 => Exception::FileNotFoundError,
        21 => Exception::IsADirectoryError,
        20 => Exception::NotADirectoryError,
        4 => Exception::InterruptedError,
        1 | 13 => Exception::PermissionError,
        3 => Exception::ProcessLookupError,
        110 => Exception::TimeoutError,
        _ => Exception::OsError,
    }
}

/// Python `repr()` of a path as it appears in messages.
pub fn repr(p: &Fspath) -> String {
    match p {
        Fspath::Text(s) => repr_str(s),
        Fspath::Bytes(b) => repr_bytes(b),
    }
}

/// `OSError(errno, strerror, filename, None, filename2)`: the exception a
/// failed system call raises, with CPython's class and message.
pub fn os_error(code: ErrorCode, filename: Option<&Fspath>, filename2: Option<&Fspath>) -> OsError {
    let errno = errno_of(code);
    let text = strerror(errno);
    let message = match (filename, filename2) {
        (Some(a), Some(b)) => format!("[Errno {errno}] {text}: {} -> {}", repr(a), repr(b)),
        (Some(a), None) => format!("[Errno {errno}] {text}: {}", repr(a)),
        _ => format!("[Errno {errno}] {text}"),
    };
    OsError {
        kind: exception_of(errno),
        code: Some(code),
        errno: Some(errno),
        strerror: Some(text),
        filename: filename.cloned(),
        filename2: filename2.cloned(),
        message,
    }
}

/// The exception of a call on a descriptor that CPython names by its
/// number (`os.listdir(4)`: `[Errno 20] Not a directory: 4`). A file name
/// is a path in the WIT, so the number is in the message only; the
/// protocol reads it back from there.
pub fn os_error_fd(code: ErrorCode, fd: i32) -> OsError {
    let mut e = os_error(code, None, None);
    e.message = format!("{}: {fd}", e.message);
    e
}

/// `OSError(errno, text)`: an errno with CPython's own words instead of
/// strerror (`No usable temporary directory found in [...]`).
pub fn os_error_text(code: ErrorCode, text: String) -> OsError {
    let mut e = os_error(code, None, None);
    e.message = format!("[Errno {}] {text}", errno_of(code));
    e.strerror = Some(text);
    e
}

/// A Python exception without an errno (`ValueError`, `TypeError`, ...).
pub fn exception(kind: Exception, message: impl Into<String>) -> OsError {
    OsError { kind, code: None, errno: None, strerror: None, filename: None, filename2: None, message: message.into() }
}

thread_local! {
    /// The Python frames the running tree operation would have on CPython's
    /// stack.
    static FRAMES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// CPython's default recursion limit, less the frames of the caller.
const RECURSION_LIMIT: usize = 990;

/// One level of a recursive tree operation (`makedirs`, `walk`, `copytree`,
/// `rmtree`), which CPython implements recursively: past its recursion
/// limit the operation raises `RecursionError`, as CPython's does, rather
/// than run the guest out of stack.
pub struct Depth(usize);

impl Depth {
    /// Enters a level worth `frames` CPython frames.
    pub fn enter(frames: usize) -> Result<Depth, OsError> {
        FRAMES.with(|f| {
            let n = f.get() + frames;
            if n > RECURSION_LIMIT {
                return Err(exception(Exception::RecursionError, "maximum recursion depth exceeded"));
            }
            f.set(n);
            Ok(Depth(frames))
        })
    }
}

impl Drop for Depth {
    fn drop(&mut self) {
        FRAMES.with(|f| f.set(f.get() - self.0));
    }
}

/// `ValueError(message)`.
pub fn value_error(message: impl Into<String>) -> OsError {
    exception(Exception::ValueError, message)
}

/// `TypeError(message)`.
pub fn type_error(message: impl Into<String>) -> OsError {
    exception(Exception::TypeError, message)
}

/// A failure on one path, before it has a file name attached.
///
/// Internal code returns `Fail` so that the public function, which knows the
/// argument as the caller gave it, adds the file names exactly once.
#[derive(Debug, Clone)]
pub enum Fail {
    /// A system error on the path(s) of the call.
    Code(ErrorCode),
    /// A finished exception (`ValueError`, or an error on another path).
    Raised(OsError),
}

impl Fail {
    /// The failure of a host call whose result the host holds for the
    /// caller (`osbox:os/direct`): `insufficient-memory` there is the
    /// sandbox's memory cap, `MemoryError` as when the guest's own memory
    /// is refused.
    pub fn held(code: ErrorCode) -> Fail {
        match code {
            ErrorCode::InsufficientMemory => Fail::Raised(exception(Exception::MemoryError, "")),
            code => Fail::Code(code),
        }
    }
}

impl From<ErrorCode> for Fail {
    fn from(code: ErrorCode) -> Self {
        Fail::Code(code)
    }
}

impl From<WasiCode> for Fail {
    fn from(code: WasiCode) -> Self {
        Fail::Code(from_wasi(code))
    }
}

impl From<OsError> for Fail {
    fn from(e: OsError) -> Self {
        Fail::Raised(e)
    }
}

impl Fail {
    /// The exception, naming `filename` (and `filename2`) for a system error.
    pub fn on(self, filename: &Fspath) -> OsError {
        match self {
            Fail::Code(code) => os_error(code, Some(filename), None),
            Fail::Raised(e) => e,
        }
    }

    /// The exception of a two-path call: `'src' -> 'dst'`.
    pub fn on2(self, src: &Fspath, dst: &Fspath) -> OsError {
        match self {
            Fail::Code(code) => os_error(code, Some(src), Some(dst)),
            Fail::Raised(e) => e,
        }
    }

    /// The exception with no file name (`os.getcwd()`).
    pub fn bare(self) -> OsError {
        match self {
            Fail::Code(code) => os_error(code, None, None),
            Fail::Raised(e) => e,
        }
    }

    /// The error code of a system error, for callers that branch on it.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Fail::Code(c) => Some(*c),
            Fail::Raised(e) => e.code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_both_paths_of_two_path_calls() {
        let e = os_error(ErrorCode::Exist, Some(&Fspath::Text("f".into())), Some(&Fspath::Text("g".into())));
        assert_eq!(e.message, "[Errno 17] File exists: 'f' -> 'g'");
        assert_eq!(e.kind, Exception::FileExistsError);
    }

    #[test]
    fn not_empty_is_plain_oserror_39() {
        let e = os_error(ErrorCode::NotEmpty, Some(&Fspath::Text("a".into())), None);
        assert_eq!((e.kind, e.errno), (Exception::OsError, Some(39)));
        assert_eq!(e.message, "[Errno 39] Directory not empty: 'a'");
    }

    #[test]
    fn bytes_filenames_print_as_bytes() {
        let e = os_error(ErrorCode::NoEntry, Some(&Fspath::Bytes(b"x".to_vec())), None);
        assert_eq!(e.message, "[Errno 2] No such file or directory: b'x'");
    }

    #[test]
    fn unknown_errno_text() {
        assert_eq!(strerror(41), "Unknown error 41");
        assert_eq!(strerror(-1), "Unknown error -1");
        assert_eq!(strerror(0), "Success");
    }
}
