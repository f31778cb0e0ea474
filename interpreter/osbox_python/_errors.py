"""Errors as CPython on Linux raises them: Linux errno numbers in the
`errno` module, the built-in exception classes chosen by those numbers,
and osbox's `os-error` records turned into real exceptions.

The interpreter was built for WASI, where `errno.ENOENT` is 44 and
`OSError(2, ...)` would be a PermissionError (EACCES is 2 there). osbox
answers with Linux numbers, so the `errno` module and the table CPython
picks an OSError subclass from are switched to Linux's at start-up.
"""

import builtins
import errno
import gc

from componentize_py_types import Err

LINUX_ERRNO = {
    "EPERM": 1, "ENOENT": 2, "ESRCH": 3, "EINTR": 4, "EIO": 5, "ENXIO": 6, "E2BIG": 7,
    "ENOEXEC": 8, "EBADF": 9, "ECHILD": 10, "EAGAIN": 11, "EWOULDBLOCK": 11, "ENOMEM": 12,
    "EACCES": 13, "EFAULT": 14, "ENOTBLK": 15, "EBUSY": 16, "EEXIST": 17, "EXDEV": 18,
    "ENODEV": 19, "ENOTDIR": 20, "EISDIR": 21, "EINVAL": 22, "ENFILE": 23, "EMFILE": 24,
    "ENOTTY": 25, "ETXTBSY": 26, "EFBIG": 27, "ENOSPC": 28, "ESPIPE": 29, "EROFS": 30,
    "EMLINK": 31, "EPIPE": 32, "EDOM": 33, "ERANGE": 34, "EDEADLK": 35, "EDEADLOCK": 35,
    "ENAMETOOLONG": 36, "ENOLCK": 37, "ENOSYS": 38, "ENOTEMPTY": 39, "ELOOP": 40, "ENOMSG": 42,
    "EIDRM": 43, "ECHRNG": 44, "EL2NSYNC": 45, "EL3HLT": 46, "EL3RST": 47, "ELNRNG": 48,
    "EUNATCH": 49, "ENOCSI": 50, "EL2HLT": 51, "EBADE": 52, "EBADR": 53, "EXFULL": 54,
    "ENOANO": 55, "EBADRQC": 56, "EBADSLT": 57, "EBFONT": 59, "ENOSTR": 60, "ENODATA": 61,
    "ETIME": 62, "ENOSR": 63, "ENONET": 64, "ENOPKG": 65, "EREMOTE": 66, "ENOLINK": 67,
    "EADV": 68, "ESRMNT": 69, "ECOMM": 70, "EPROTO": 71, "EMULTIHOP": 72, "EDOTDOT": 73,
    "EBADMSG": 74, "EOVERFLOW": 75, "ENOTUNIQ": 76, "EBADFD": 77, "EREMCHG": 78, "ELIBACC": 79,
    "ELIBBAD": 80, "ELIBSCN": 81, "ELIBMAX": 82, "ELIBEXEC": 83, "EILSEQ": 84, "ERESTART": 85,
    "ESTRPIPE": 86, "EUSERS": 87, "ENOTSOCK": 88, "EDESTADDRREQ": 89, "EMSGSIZE": 90,
    "EPROTOTYPE": 91, "ENOPROTOOPT": 92, "EPROTONOSUPPORT": 93, "ESOCKTNOSUPPORT": 94,
    "ENOTSUP": 95, "EOPNOTSUPP": 95, "EPFNOSUPPORT": 96, "EAFNOSUPPORT": 97, "EADDRINUSE": 98,
    "EADDRNOTAVAIL": 99, "ENETDOWN": 100, "ENETUNREACH": 101, "ENETRESET": 102,
    "ECONNABORTED": 103, "ECONNRESET": 104, "ENOBUFS": 105, "EISCONN": 106, "ENOTCONN": 107,
    "ESHUTDOWN": 108, "ETOOMANYREFS": 109, "ETIMEDOUT": 110, "ECONNREFUSED": 111,
    "EHOSTDOWN": 112, "EHOSTUNREACH": 113, "EALREADY": 114, "EINPROGRESS": 115, "ESTALE": 116,
    "EUCLEAN": 117, "ENOTNAM": 118, "ENAVAIL": 119, "EISNAM": 120, "EREMOTEIO": 121,
    "EDQUOT": 122, "ENOMEDIUM": 123, "EMEDIUMTYPE": 124, "ECANCELED": 125, "ENOKEY": 126,
    "EKEYEXPIRED": 127, "EKEYREVOKED": 128, "EKEYREJECTED": 129, "EOWNERDEAD": 130,
    "ENOTRECOVERABLE": 131, "ERFKILL": 132,
}
# errno.errorcode on Linux: the canonical name of each number
LINUX_ERRORCODE_ALIASES = ['EDEADLK', 'EOPNOTSUPP', 'EWOULDBLOCK']

# The OSError subclass CPython on Linux picks for each errno.
LINUX_SUBCLASS = {
    "EPERM": PermissionError, "EACCES": PermissionError, "ENOENT": FileNotFoundError,
    "ESRCH": ProcessLookupError, "EINTR": InterruptedError, "ECHILD": ChildProcessError,
    "EAGAIN": BlockingIOError, "EALREADY": BlockingIOError, "EINPROGRESS": BlockingIOError,
    "EEXIST": FileExistsError, "ENOTDIR": NotADirectoryError, "EISDIR": IsADirectoryError,
    "EPIPE": BrokenPipeError, "ESHUTDOWN": BrokenPipeError, "ECONNABORTED": ConnectionAbortedError,
    "ECONNRESET": ConnectionResetError, "ECONNREFUSED": ConnectionRefusedError,
    "ETIMEDOUT": TimeoutError,
}


def use_linux_numbers():
    """Makes `errno` Linux's and `OSError(n, ...)` pick Linux's subclass."""
    wasi_enoent, wasi_eexist = errno.ENOENT, errno.EEXIST
    for name in [n for n in dir(errno) if n.startswith("E")]:
        delattr(errno, name)
    for name, number in LINUX_ERRNO.items():
        setattr(errno, name, number)
    errno.errorcode.clear()
    errno.errorcode.update({n: name for name, n in LINUX_ERRNO.items() if name not in LINUX_ERRORCODE_ALIASES})
    # CPython keeps the errno -> subclass table in a dict of the
    # interpreter's own, reachable only through the collector: the one
    # dict mapping WASI's ENOENT and EEXIST to their classes.
    for table in gc.get_objects():
        if type(table) is dict and table.get(wasi_enoent) is FileNotFoundError and table.get(wasi_eexist) is FileExistsError:
            table.clear()
            table.update({LINUX_ERRNO[name]: cls for name, cls in LINUX_SUBCLASS.items()})
            break
    else:
        raise RuntimeError("osbox: the interpreter's errno table was not found")


def _fspath(p):
    """An osbox `fspath` variant as Python's `str` or `bytes`."""
    if p is None:
        return None
    value = p.value
    return value if isinstance(value, str) else bytes(value)


# The `exception` enum of osbox's `os-error`, by case name, to classes whose
# constructor takes the message (OSError subclasses are built from errno).
def _shutil_error(name):
    import shutil

    return getattr(shutil, name)


def _subprocess_error(name):
    import subprocess

    return getattr(subprocess, name)


_MESSAGE_CLASSES = {
    "VALUE_ERROR": lambda: ValueError,
    "TYPE_ERROR": lambda: TypeError,
    "KEY_ERROR": lambda: KeyError,
    "NOT_IMPLEMENTED_ERROR": lambda: NotImplementedError,
    "MEMORY_ERROR": lambda: MemoryError,
    "OVERFLOW_ERROR": lambda: OverflowError,
    "RECURSION_ERROR": lambda: RecursionError,
    "TIMEOUT_ERROR": lambda: TimeoutError,
    "SHUTIL_ERROR": lambda: _shutil_error("Error"),
    "SAME_FILE_ERROR": lambda: _shutil_error("SameFileError"),
    "SPECIAL_FILE_ERROR": lambda: _shutil_error("SpecialFileError"),
    "ATTRIBUTE_ERROR": lambda: AttributeError,
    "UNSUPPORTED_OPERATION": lambda: __import__("io").UnsupportedOperation,
    # Raised with only a message here: the classes' own constructors want
    # their fields (the interpreter's subprocess raises the real ones).
    "UNICODE_DECODE_ERROR": lambda: ValueError,
    "CALLED_PROCESS_ERROR": lambda: _subprocess_error("SubprocessError"),
    "TIMEOUT_EXPIRED": lambda: _subprocess_error("SubprocessError"),
}


def exception(e):
    """The Python exception for an osbox `os-error` record."""
    if e.errno is not None:
        cls = _os_error_class(e.kind.name)
        return cls(e.errno, e.strerror, _fspath(e.filename), None, _fspath(e.filename2))
    make = _MESSAGE_CLASSES.get(e.kind.name)
    if make is None:
        return OSError(e.message)
    return make()(e.message)


def _os_error_class(kind):
    # OS_ERROR -> OSError, FILE_NOT_FOUND_ERROR -> FileNotFoundError, ...
    name = "".join(part.capitalize() for part in kind.split("_"))
    name = name.replace("Io", "IO").replace("OsError", "OSError")
    cls = getattr(builtins, name, None)
    return cls if isinstance(cls, type) and issubclass(cls, OSError) else OSError


def call(fn, *args):
    """Calls an osbox import, raising its `os-error` as the Python exception
    (outside the handler, so that it carries no context of its own)."""
    try:
        return fn(*args)
    except Err as err:
        error = err.value
    raise exception(error)


def oserror(name, filename=None, filename2=None):
    """`OSError` for the errno `name`, as the system would raise it."""
    import posix

    number = LINUX_ERRNO[name]
    return OSError(number, posix.strerror(number), filename, None, filename2)
