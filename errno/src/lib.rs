//! The one errno table of osbox, shared by the guest (wasm32-wasip2) and
//! the host: each POSIX error osbox can raise, as the WIT `error-code`
//! case, its Linux errno number and its name, and glibc's `strerror` text
//! for every Linux errno.
//!
//! Both sides have their own generated `error-code` type (wit-bindgen in
//! the guest, wasmtime's bindgen in the host) with the same case names, so
//! each side implements [`LinuxErrno`] for its type with
//! [`impl_linux_errno!`], from the single list in [`for_each_error_code!`].
//! Answers are always Linux's, whatever the host system. The Linux
//! signal table ([`signal`]) lives here too, for the same two sides.
#![no_std]

pub mod signal;

/// The Linux errno numbering of an `error-code` type.
pub trait LinuxErrno: Sized + Copy {
    /// The Linux errno number (`NoEntry` is 2).
    fn errno(self) -> i32;
    /// The code of a Linux errno number, if osbox has one for it.
    fn from_errno(errno: i32) -> Option<Self>;
    /// The POSIX name (`"ENOENT"`).
    fn name(self) -> &'static str;
}

/// Calls `$m!` with `$args`, a `;`, then every `error-code` case as
/// `Case = errno NAME,` items: the one list. The WIT enum (wit/types.wit)
/// has exactly these cases.
#[macro_export]
macro_rules! for_each_error_code {
    ($m:path $(, $($args:tt)*)?) => {
        $m! { $($($args)*)?;
            Access = 13 EACCES,
            WouldBlock = 11 EAGAIN,
            Already = 114 EALREADY,
            BadDescriptor = 9 EBADF,
            Busy = 16 EBUSY,
            Deadlock = 35 EDEADLK,
            Quota = 122 EDQUOT,
            Exist = 17 EEXIST,
            FileTooLarge = 27 EFBIG,
            IllegalByteSequence = 84 EILSEQ,
            InProgress = 115 EINPROGRESS,
            Interrupted = 4 EINTR,
            Invalid = 22 EINVAL,
            Io = 5 EIO,
            IsDirectory = 21 EISDIR,
            Loop = 40 ELOOP,
            TooManyLinks = 31 EMLINK,
            MessageSize = 90 EMSGSIZE,
            NameTooLong = 36 ENAMETOOLONG,
            NoDevice = 19 ENODEV,
            NoEntry = 2 ENOENT,
            NoLock = 37 ENOLCK,
            InsufficientMemory = 12 ENOMEM,
            InsufficientSpace = 28 ENOSPC,
            NotDirectory = 20 ENOTDIR,
            NotEmpty = 39 ENOTEMPTY,
            NotRecoverable = 131 ENOTRECOVERABLE,
            Unsupported = 95 ENOTSUP,
            NoTty = 25 ENOTTY,
            NoSuchDevice = 6 ENXIO,
            Overflow = 75 EOVERFLOW,
            NotPermitted = 1 EPERM,
            Pipe = 32 EPIPE,
            ReadOnly = 30 EROFS,
            InvalidSeek = 29 ESPIPE,
            TextFileBusy = 26 ETXTBSY,
            CrossDevice = 18 EXDEV,
            NotImplemented = 38 ENOSYS,
            TooManyFiles = 24 EMFILE,
            NoChild = 10 ECHILD,
            TimedOut = 110 ETIMEDOUT,
            NoSuchProcess = 3 ESRCH,
            OutOfRange = 34 ERANGE,
        }
    };
}

/// Implements [`LinuxErrno`] for a generated `error-code` enum from the one
/// list: `osbox_errno::impl_linux_errno!(crate::bindings::ErrorCode);`.
/// A case missing on either side fails to compile.
#[macro_export]
macro_rules! impl_linux_errno {
    ($t:ty) => {
        $crate::for_each_error_code!($crate::__impl_linux_errno, $t);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __impl_linux_errno {
    ($t:ty; $($case:ident = $n:literal $name:ident,)*) => {
        impl $crate::LinuxErrno for $t {
            fn errno(self) -> i32 {
                match self { $(<$t>::$case => $n,)* }
            }
            fn from_errno(errno: i32) -> Option<Self> {
                match errno { $($n => Some(<$t>::$case),)* _ => None }
            }
            fn name(self) -> &'static str {
                match self { $(<$t>::$case => stringify!($name),)* }
            }
        }
    };
}

/// `os.strerror(errno)` as glibc words it on Linux; `None` outside 1..=133
/// (CPython prints `Unknown error N` there, 0 is `Success`).
pub fn strerror(errno: i32) -> Option<&'static str> {
    usize::try_from(errno).ok().and_then(|n| n.checked_sub(1)).and_then(|i| STRERROR.get(i)).copied()
}

/// glibc's `strerror` texts for the Linux errno numbers 1..=133.
/// `STRERROR[n - 1]` is the text of errno `n`.
const STRERROR: [&str; 133] = [
    "Operation not permitted",
    "No such file or directory",
    "No such process",
    "Interrupted system call",
    "Input/output error",
    "No such device or address",
    "Argument list too long",
    "Exec format error",
    "Bad file descriptor",
    "No child processes",
    "Resource temporarily unavailable",
    "Cannot allocate memory",
    "Permission denied",
    "Bad address",
    "Block device required",
    "Device or resource busy",
    "File exists",
    "Invalid cross-device link",
    "No such device",
    "Not a directory",
    "Is a directory",
    "Invalid argument",
    "Too many open files in system",
    "Too many open files",
    "Inappropriate ioctl for device",
    "Text file busy",
    "File too large",
    "No space left on device",
    "Illegal seek",
    "Read-only file system",
    "Too many links",
    "Broken pipe",
    "Numerical argument out of domain",
    "Numerical result out of range",
    "Resource deadlock avoided",
    "File name too long",
    "No locks available",
    "Function not implemented",
    "Directory not empty",
    "Too many levels of symbolic links",
    "Unknown error 41",
    "No message of desired type",
    "Identifier removed",
    "Channel number out of range",
    "Level 2 not synchronized",
    "Level 3 halted",
    "Level 3 reset",
    "Link number out of range",
    "Protocol driver not attached",
    "No CSI structure available",
    "Level 2 halted",
    "Invalid exchange",
    "Invalid request descriptor",
    "Exchange full",
    "No anode",
    "Invalid request code",
    "Invalid slot",
    "Unknown error 58",
    "Bad font file format",
    "Device not a stream",
    "No data available",
    "Timer expired",
    "Out of streams resources",
    "Machine is not on the network",
    "Package not installed",
    "Object is remote",
    "Link has been severed",
    "Advertise error",
    "Srmount error",
    "Communication error on send",
    "Protocol error",
    "Multihop attempted",
    "RFS specific error",
    "Bad message",
    "Value too large for defined data type",
    "Name not unique on network",
    "File descriptor in bad state",
    "Remote address changed",
    "Can not access a needed shared library",
    "Accessing a corrupted shared library",
    ".lib section in a.out corrupted",
    "Attempting to link in too many shared libraries",
    "Cannot exec a shared library directly",
    "Invalid or incomplete multibyte or wide character",
    "Interrupted system call should be restarted",
    "Streams pipe error",
    "Too many users",
    "Socket operation on non-socket",
    "Destination address required",
    "Message too long",
    "Protocol wrong type for socket",
    "Protocol not available",
    "Protocol not supported",
    "Socket type not supported",
    "Operation not supported",
    "Protocol family not supported",
    "Address family not supported by protocol",
    "Address already in use",
    "Cannot assign requested address",
    "Network is down",
    "Network is unreachable",
    "Network dropped connection on reset",
    "Software caused connection abort",
    "Connection reset by peer",
    "No buffer space available",
    "Transport endpoint is already connected",
    "Transport endpoint is not connected",
    "Cannot send after transport endpoint shutdown",
    "Too many references: cannot splice",
    "Connection timed out",
    "Connection refused",
    "Host is down",
    "No route to host",
    "Operation already in progress",
    "Operation now in progress",
    "Stale file handle",
    "Structure needs cleaning",
    "Not a XENIX named type file",
    "No XENIX semaphores available",
    "Is a named type file",
    "Remote I/O error",
    "Disk quota exceeded",
    "No medium found",
    "Wrong medium type",
    "Operation canceled",
    "Required key not available",
    "Key has expired",
    "Key has been revoked",
    "Key was rejected by service",
    "Owner died",
    "State not recoverable",
    "Operation not possible due to RF-kill",
    "Memory page has hardware error",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    #[allow(dead_code)]
    enum Code {
        Access,
        WouldBlock,
        Already,
        BadDescriptor,
        Busy,
        Deadlock,
        Quota,
        Exist,
        FileTooLarge,
        IllegalByteSequence,
        InProgress,
        Interrupted,
        Invalid,
        Io,
        IsDirectory,
        Loop,
        TooManyLinks,
        MessageSize,
        NameTooLong,
        NoDevice,
        NoEntry,
        NoLock,
        InsufficientMemory,
        InsufficientSpace,
        NotDirectory,
        NotEmpty,
        NotRecoverable,
        Unsupported,
        NoTty,
        NoSuchDevice,
        Overflow,
        NotPermitted,
        Pipe,
        ReadOnly,
        InvalidSeek,
        TextFileBusy,
        CrossDevice,
        NotImplemented,
        TooManyFiles,
        NoChild,
        TimedOut,
        NoSuchProcess,
        OutOfRange,
    }
    impl_linux_errno!(Code);

    #[test]
    fn numbers_round_trip_and_are_distinct() {
        for n in -1..200 {
            if let Some(c) = Code::from_errno(n) {
                assert_eq!(c.errno(), n);
            }
        }
        assert_eq!(Code::NoEntry.errno(), 2);
        assert_eq!(Code::NoEntry.name(), "ENOENT");
        assert_eq!(Code::from_errno(41), None);
    }

    #[test]
    fn strerror_is_glibcs() {
        assert_eq!(strerror(2), Some("No such file or directory"));
        assert_eq!(strerror(39), Some("Directory not empty"));
        assert_eq!(strerror(133), Some("Memory page has hardware error"));
        assert_eq!(strerror(0), None);
        assert_eq!(strerror(134), None);
    }
}
