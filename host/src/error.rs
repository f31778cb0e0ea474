//! `osbox::Error`: the Python exception a call raised, or why the sandbox
//! could not run it.

use std::fmt;
use std::io;

use crate::bindings::osbox::os::types::{Exception as WitException, OsError};
use crate::fspath::FsPath;

/// What went wrong, by Python exception class.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `OSError` itself (e.g. `ENOTEMPTY`, `EROFS`, `ENOSYS`).
    OsError,
    /// `FileNotFoundError` (`ENOENT`).
    FileNotFound,
    /// `FileExistsError` (`EEXIST`).
    FileExists,
    /// `NotADirectoryError` (`ENOTDIR`).
    NotADirectory,
    /// `IsADirectoryError` (`EISDIR`).
    IsADirectory,
    /// `PermissionError` (`EACCES`, `EPERM`): includes every attempt to
    /// leave the sandbox.
    Permission,
    /// `BlockingIOError`.
    BlockingIo,
    /// `BrokenPipeError`.
    BrokenPipe,
    /// `ChildProcessError`.
    ChildProcess,
    /// `InterruptedError`.
    Interrupted,
    /// `ProcessLookupError`.
    ProcessLookup,
    /// `TimeoutError`: also the sandbox's time limit.
    Timeout,
    /// `ValueError`.
    Value,
    /// `TypeError`.
    Type,
    /// `KeyError`.
    Key,
    /// `NotImplementedError`.
    NotImplemented,
    /// `AttributeError`: a function the sandbox does not have.
    Attribute,
    /// `MemoryError`: the sandbox's memory cap.
    Memory,
    /// `shutil.Error`.
    ShutilError,
    /// `shutil.SameFileError`.
    SameFile,
    /// `OverflowError`.
    Overflow,
    /// `subprocess.SubprocessError`: arguments `Popen` cannot reconcile
    /// (`text` and `universal_newlines` that differ).
    SubprocessError,
    /// `subprocess.CalledProcessError`: `check=True` and a non-zero exit.
    CalledProcess,
    /// `subprocess.TimeoutExpired`: the child ran past its timeout.
    TimeoutExpired,
    /// `RecursionError`: a tree deeper than CPython's recursion limit lets
    /// `makedirs`, `walk`, `copytree` or `rmtree` go.
    Recursion,
    /// `shutil.SpecialFileError`: a copy from or to a named pipe.
    SpecialFile,
    /// `UnicodeDecodeError`: a child's output that is not text in a text
    /// pipe's encoding.
    UnicodeDecode,
    /// `io.UnsupportedOperation`: reading a pipe that is written, or the
    /// other way round.
    UnsupportedOperation,
    /// The sandbox itself failed (a trap, a setup error); it cannot be used
    /// again. No Python exception corresponds.
    Sandbox,
}

impl ErrorKind {
    /// The Python class name, as the exec protocol's `type` field carries it.
    pub fn python_name(self) -> &'static str {
        match self {
            ErrorKind::OsError => "OSError",
            ErrorKind::FileNotFound => "FileNotFoundError",
            ErrorKind::FileExists => "FileExistsError",
            ErrorKind::NotADirectory => "NotADirectoryError",
            ErrorKind::IsADirectory => "IsADirectoryError",
            ErrorKind::Permission => "PermissionError",
            ErrorKind::BlockingIo => "BlockingIOError",
            ErrorKind::BrokenPipe => "BrokenPipeError",
            ErrorKind::ChildProcess => "ChildProcessError",
            ErrorKind::Interrupted => "InterruptedError",
            ErrorKind::ProcessLookup => "ProcessLookupError",
            ErrorKind::Timeout => "TimeoutError",
            ErrorKind::Value => "ValueError",
            ErrorKind::Type => "TypeError",
            ErrorKind::Key => "KeyError",
            ErrorKind::NotImplemented => "NotImplementedError",
            ErrorKind::Attribute => "AttributeError",
            ErrorKind::Memory => "MemoryError",
            ErrorKind::ShutilError => "shutil.Error",
            ErrorKind::SameFile => "shutil.SameFileError",
            ErrorKind::Overflow => "OverflowError",
            ErrorKind::SubprocessError => "subprocess.SubprocessError",
            ErrorKind::CalledProcess => "subprocess.CalledProcessError",
            ErrorKind::TimeoutExpired => "subprocess.TimeoutExpired",
            ErrorKind::Recursion => "RecursionError",
            ErrorKind::SpecialFile => "shutil.SpecialFileError",
            ErrorKind::UnicodeDecode => "UnicodeDecodeError",
            ErrorKind::UnsupportedOperation => "io.UnsupportedOperation",
            ErrorKind::Sandbox => "SandboxError",
        }
    }
}

/// An exception raised by an os call, with CPython's class, Linux errno,
/// strerror, file names and message.
///
/// `Display` prints `str(exc)`: `[Errno 2] No such file or directory: 'x'`.
#[derive(Debug, Clone, PartialEq)]
pub struct Error(Box<Exception>);

/// The fields of an [`Error`], boxed so results stay small.
#[derive(Debug, Clone, PartialEq)]
struct Exception {
    kind: ErrorKind,
    errno: Option<i32>,
    strerror: Option<String>,
    filename: Option<FsPath>,
    filename2: Option<FsPath>,
    message: String,
}

impl Error {
    /// An exception without an errno (`TypeError`, `ValueError`, ...).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Exception {
            kind,
            errno: None,
            strerror: None,
            filename: None,
            filename2: None,
            message: message.into(),
        }))
    }

    /// The same exception carrying an errno and its text.
    pub(crate) fn with_errno(mut self, errno: i32, strerror: &str) -> Self {
        self.0.errno = Some(errno);
        self.0.strerror = Some(strerror.to_string());
        self
    }

    /// The exception class.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// `exc.errno`: the Linux errno number, when the exception has one.
    pub fn errno(&self) -> Option<i32> {
        self.0.errno
    }

    /// `exc.strerror`.
    pub fn strerror(&self) -> Option<&str> {
        self.0.strerror.as_deref()
    }

    /// `exc.filename`: the path as the caller gave it.
    pub fn filename(&self) -> Option<&FsPath> {
        self.0.filename.as_ref()
    }

    /// `exc.filename2`: the second path of two-path calls.
    pub fn filename2(&self) -> Option<&FsPath> {
        self.0.filename2.as_ref()
    }

    /// `str(exc)`.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The sandbox failed underneath the call (a trap, a host error).
    pub(crate) fn sandbox(err: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Sandbox, format!("the sandbox failed: {err:#}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

impl From<OsError> for Error {
    fn from(e: OsError) -> Self {
        let kind = match e.kind {
            WitException::OsError => ErrorKind::OsError,
            WitException::FileNotFoundError => ErrorKind::FileNotFound,
            WitException::FileExistsError => ErrorKind::FileExists,
            WitException::NotADirectoryError => ErrorKind::NotADirectory,
            WitException::IsADirectoryError => ErrorKind::IsADirectory,
            WitException::PermissionError => ErrorKind::Permission,
            WitException::BlockingIoError => ErrorKind::BlockingIo,
            WitException::BrokenPipeError => ErrorKind::BrokenPipe,
            WitException::ChildProcessError => ErrorKind::ChildProcess,
            WitException::InterruptedError => ErrorKind::Interrupted,
            WitException::ProcessLookupError => ErrorKind::ProcessLookup,
            WitException::TimeoutError => ErrorKind::Timeout,
            WitException::ValueError => ErrorKind::Value,
            WitException::TypeError => ErrorKind::Type,
            WitException::KeyError => ErrorKind::Key,
            WitException::NotImplementedError => ErrorKind::NotImplemented,
            WitException::MemoryError => ErrorKind::Memory,
            WitException::ShutilError => ErrorKind::ShutilError,
            WitException::SameFileError => ErrorKind::SameFile,
            WitException::OverflowError => ErrorKind::Overflow,
            WitException::CalledProcessError => ErrorKind::CalledProcess,
            WitException::TimeoutExpired => ErrorKind::TimeoutExpired,
            WitException::RecursionError => ErrorKind::Recursion,
            WitException::SpecialFileError => ErrorKind::SpecialFile,
            WitException::UnicodeDecodeError => ErrorKind::UnicodeDecode,
            WitException::UnsupportedOperation => ErrorKind::UnsupportedOperation,
            WitException::AttributeError => ErrorKind::Attribute,
        };
        Error(Box::new(Exception {
            kind,
            errno: e.errno,
            strerror: e.strerror,
            filename: e.filename.map(FsPath::from),
            filename2: e.filename2.map(FsPath::from),
            message: e.message,
        }))
    }
}

/// The errno becomes the `io::Error`'s raw OS error (osbox's numbers are
/// Linux's), so `kind()` works as for a native call; other exceptions map
/// to the closest `io::ErrorKind`.
impl From<Error> for io::Error {
    fn from(e: Error) -> Self {
        match e.errno() {
            Some(n) if cfg!(target_os = "linux") => io::Error::from_raw_os_error(n),
            _ => {
                let kind = match e.kind() {
                    ErrorKind::FileNotFound => io::ErrorKind::NotFound,
                    ErrorKind::FileExists => io::ErrorKind::AlreadyExists,
                    ErrorKind::Permission => io::ErrorKind::PermissionDenied,
                    ErrorKind::NotADirectory => io::ErrorKind::NotADirectory,
                    ErrorKind::IsADirectory => io::ErrorKind::IsADirectory,
                    ErrorKind::Timeout => io::ErrorKind::TimedOut,
                    ErrorKind::Value | ErrorKind::Type => io::ErrorKind::InvalidInput,
                    ErrorKind::Memory => io::ErrorKind::OutOfMemory,
                    ErrorKind::Attribute | ErrorKind::NotImplemented => io::ErrorKind::Unsupported,
                    _ => io::ErrorKind::Other,
                };
                io::Error::new(kind, e)
            }
        }
    }
}

/// Result of an osbox call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `repr(s)` of a Python `str`, as exception messages quote file names:
/// control characters (C0, DEL and C1) escaped as CPython escapes them.
pub fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f || (0x80..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}
