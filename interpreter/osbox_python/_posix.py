"""The functions of `posix` (and so of `os`) answered by osbox.

CPython for WASI keeps a working directory and descriptors of its own in
wasi-libc, where permissions, processes and most errors are missing or
differ from Linux. Each function here replaces its WASI counterpart with a
call into osbox's imported interfaces (`osbox:os/fs`, `file`, `env`,
`system`, `process`), so the whole interpreter sees one current directory,
one descriptor table and Linux's answers. `os.py`, `posixpath`, `shutil`,
`tempfile`, `glob` and `pathlib` are CPython's own code on top.

Signatures, argument checks and messages are CPython's (`Modules/posixmodule.c`).
"""

import math
import posix
import sys

from wit_world.imports import env, file, fs, system, types

from ._errors import call, oserror

# What CPython on WASI had, kept for what osbox leaves to it.
_wasi_chdir = posix.chdir
_fspath = posix.fspath

# Linux's values of the constants osbox takes (the WASI build's differ).
LINUX_CONSTANTS = {
    "O_RDONLY": 0, "O_WRONLY": 1, "O_RDWR": 2, "O_ACCMODE": 3, "O_CREAT": 0o100, "O_EXCL": 0o200,
    "O_NOCTTY": 0o400, "O_TRUNC": 0o1000, "O_APPEND": 0o2000, "O_NONBLOCK": 0o4000, "O_NDELAY": 0o4000,
    "O_DSYNC": 0o10000, "O_ASYNC": 0o20000, "O_DIRECT": 0o40000, "O_LARGEFILE": 0, "O_DIRECTORY": 0o200000,
    "O_NOFOLLOW": 0o400000, "O_NOATIME": 0o1000000, "O_CLOEXEC": 0o2000000, "O_SYNC": 0o4010000,
    "O_RSYNC": 0o4010000, "O_FSYNC": 0o4010000, "O_PATH": 0o10000000, "O_TMPFILE": 0o20200000,
    "SEEK_SET": 0, "SEEK_CUR": 1, "SEEK_END": 2, "SEEK_DATA": 3, "SEEK_HOLE": 4,
    "F_OK": 0, "R_OK": 4, "W_OK": 2, "X_OK": 1,
    "ST_RDONLY": 1, "ST_NOSUID": 2, "ST_NODEV": 4, "ST_NOEXEC": 8, "ST_SYNCHRONOUS": 16, "ST_MANDLOCK": 64,
    "ST_WRITE": 128, "ST_APPEND": 256, "ST_NOATIME": 1024, "ST_NODIRATIME": 2048, "ST_RELATIME": 4096,
    "EX_OK": 0, "EX_USAGE": 64, "EX_DATAERR": 65, "EX_NOINPUT": 66, "EX_NOUSER": 67, "EX_NOHOST": 68,
    "EX_UNAVAILABLE": 69, "EX_SOFTWARE": 70, "EX_OSERR": 71, "EX_OSFILE": 72, "EX_CANTCREAT": 73,
    "EX_IOERR": 74, "EX_TEMPFAIL": 75, "EX_PROTOCOL": 76, "EX_NOPERM": 77, "EX_CONFIG": 78,
}


# --- arguments, as posixmodule.c's converters check them -----------------


def _path(func, p, *, allow_fd=False, nullable=False, arg="path"):
    """A path argument as an osbox `fspath` (or an int, where descriptors go)."""
    if isinstance(p, str):
        return types.Fspath_Text(p)
    if isinstance(p, bytes):
        return types.Fspath_Bytes(p)
    if allow_fd and isinstance(p, int):
        return p
    if nullable and p is None:
        return None
    fspath = getattr(type(p), "__fspath__", None)
    if fspath is not None:
        value = fspath(p)
        if isinstance(value, str):
            return types.Fspath_Text(value)
        if isinstance(value, bytes):
            return types.Fspath_Bytes(value)
        raise TypeError(
            f"expected {type(p).__name__}.__fspath__() to return str or bytes, not {type(value).__name__}"
        )
    if allow_fd and nullable:
        allowed = "string, bytes, os.PathLike, integer or None"
    elif allow_fd:
        allowed = "string, bytes, os.PathLike or integer"
    elif nullable:
        allowed = "string, bytes, os.PathLike or None"
    else:
        allowed = "string, bytes or os.PathLike"
    raise TypeError(f"{func}: {arg} should be {allowed}, not {type(p).__name__}")


def _value(p):
    """An osbox `fspath` back as `str` or `bytes`."""
    v = p.value
    return v if isinstance(v, str) else bytes(v)


def _fd(x):
    """A descriptor argument: an int, or an object with `fileno()`."""
    if isinstance(x, int):
        return x
    fileno = getattr(x, "fileno", None)
    if fileno is None:
        raise TypeError(f"argument must be an int, or have a fileno() method, not {type(x).__name__}")
    fd = fileno()
    if not isinstance(fd, int):
        raise TypeError("fileno() returned a non-integer")
    return fd


def _int(x, what="integer"):
    if isinstance(x, float):
        raise TypeError(f"'float' object cannot be interpreted as an {what}")
    return x.__index__()


def _unavailable(func, arg):
    return NotImplementedError(f"{func}: {arg} unavailable on this platform")


def _no_dir_fd(func, dir_fd, name="dir_fd"):
    if dir_fd is not None:
        raise _unavailable(func, name)


# --- stat ----------------------------------------------------------------


def _stat_result(s):
    """`os.stat_result` from osbox's record, times as CPython derives them."""
    times = []
    for ns in (s.atime_ns, s.mtime_ns, s.ctime_ns):
        sec, nsec = divmod(ns, 1_000_000_000)
        times.append((sec, sec + nsec * 1e-9, ns))
    kind = s.mode & 0o170000
    # WASI has no block counts: a file takes whole 4 KiB blocks, as on ext4.
    if kind == 0o120000:
        blocks = 0
    elif kind == 0o040000:
        blocks = max(8, -(-s.size // 4096) * 8)
    else:
        blocks = -(-s.size // 4096) * 8
    return posix.stat_result(
        (s.mode, s.ino, s.dev, s.nlink, s.uid, s.gid, s.size)
        + tuple(t[0] for t in times)
        + tuple(t[1] for t in times)
        + tuple(t[2] for t in times)
        + (4096, blocks, 0)
    )


def stat(path, *, dir_fd=None, follow_symlinks=True):
    p = _path("stat", path, allow_fd=True)
    _no_dir_fd("stat", dir_fd)
    if isinstance(p, int):
        return fstat(p)
    return _stat_result(call(fs.stat, p, None, bool(follow_symlinks)))


def lstat(path, *, dir_fd=None):
    p = _path("lstat", path)
    _no_dir_fd("lstat", dir_fd)
    return _stat_result(call(fs.stat, p, None, False))


def fstat(fd):
    return _stat_result(call(file.fstat, _int(fd)))


def statvfs(path):
    r = call(fs.statvfs, _path("statvfs", path))
    return posix.statvfs_result(
        (r.bsize, r.frsize, r.blocks, r.bfree, r.bavail, r.files, r.ffree, r.favail, r.flag, r.namemax)
    )


# --- the current directory and listing -----------------------------------


def getcwd():
    return call(fs.getcwd, False).value


def getcwdb():
    return bytes(call(fs.getcwd, True).value)


def chdir(path):
    p = _path("chdir", path)
    call(fs.chdir, p)
    follow_cwd()


def follow_cwd():
    """Keeps wasi-libc's current directory on osbox's, for what C code still
    opens by relative path (sqlite3's files): both resolve through the same
    grants, and a directory wasi-libc cannot reach only leaves it behind."""
    try:
        _wasi_chdir(getcwd())
    except (OSError, ValueError):
        pass


def listdir(path=None):
    p = _path("listdir", path, nullable=True)
    return [_value(n) for n in call(fs.listdir, None if p is None else types.PathOrFd_Path(p))]


class DirEntry:
    """`os.DirEntry`, from an entry of osbox's scandir."""

    __slots__ = ("name", "path", "_type", "_target", "_inode", "_stat", "_lstat")

    def __init__(self, e):
        self.name = _value(e.name)
        self.path = _value(e.path)
        self._type = e.type
        self._target = e.target_type
        self._inode = e.inode
        self._stat = None
        self._lstat = None

    def __repr__(self):
        return f"<DirEntry {self.name!r}>"

    def __fspath__(self):
        return self.path

    def inode(self):
        return self._inode

    def is_symlink(self):
        return self._type == types.FileType.SYMBOLIC_LINK

    def is_junction(self):
        return False

    def _is(self, kind, follow_symlinks):
        if follow_symlinks and self.is_symlink():
            return self._target == kind
        return self._type == kind

    def is_dir(self, *, follow_symlinks=True):
        return self._is(types.FileType.DIRECTORY, follow_symlinks)

    def is_file(self, *, follow_symlinks=True):
        return self._is(types.FileType.REGULAR_FILE, follow_symlinks)

    def stat(self, *, follow_symlinks=True):
        if follow_symlinks and self.is_symlink():
            if self._stat is None:
                self._stat = stat(self.path)
            return self._stat
        if self._lstat is None:
            self._lstat = lstat(self.path)
        return self._lstat

    @classmethod
    def __class_getitem__(cls, item):
        import types as _types

        return _types.GenericAlias(cls, item)


class ScandirIterator:
    """What `os.scandir` returns: an iterator and a context manager."""

    def __init__(self, entries):
        self._entries = iter(entries)

    def __iter__(self):
        return self

    def __next__(self):
        if self._entries is None:
            raise StopIteration
        return DirEntry(next(self._entries))

    def close(self):
        self._entries = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def scandir(path=None):
    p = _path("scandir", path, nullable=True)
    return ScandirIterator(call(fs.scandir, None if p is None else types.PathOrFd_Path(p)))


# --- creating, removing, renaming ----------------------------------------


# WASI creates files and directories without a mode: the host's defaults
# (0o644, 0o755). Where a caller asks for other bits (mkstemp's 0o600,
# mkdtemp's 0o700), they are set after creating, under the emulated umask.
_umask = 0o022


def umask(mask):
    global _umask
    old, _umask = _umask, _int(mask) & 0o777
    return old


def _created_mode(path, mode, default):
    bits = mode & ~_umask & 0o7777
    if bits != default:
        call(fs.chmod, path, bits, None, True)


def mkdir(path, mode=0o777, *, dir_fd=None):
    p = _path("mkdir", path)
    _no_dir_fd("mkdir", dir_fd)
    mode = _int(mode)
    call(fs.mkdir, p, mode & 0xFFFFFFFF, None)
    _created_mode(p, mode, 0o755)


def rmdir(path, *, dir_fd=None):
    p = _path("rmdir", path)
    _no_dir_fd("rmdir", dir_fd)
    call(fs.rmdir, p, None)


def remove(path, *, dir_fd=None):
    p = _path("remove", path)
    _no_dir_fd("remove", dir_fd)
    call(fs.remove, p, None)


def unlink(path, *, dir_fd=None):
    p = _path("unlink", path)
    _no_dir_fd("unlink", dir_fd)
    call(fs.remove, p, None)


def _two(func, src, dst, src_dir_fd, dst_dir_fd):
    s = _path(func, src, arg="src")
    d = _path(func, dst, arg="dst")
    _no_dir_fd(func, src_dir_fd, "src_dir_fd")
    _no_dir_fd(func, dst_dir_fd, "dst_dir_fd")
    if type(s.value) is not type(d.value):
        raise TypeError(f"{func}: src and dst must be the same type")
    return s, d


def rename(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
    call(fs.rename, *_two("rename", src, dst, src_dir_fd, dst_dir_fd), None, None)


def replace(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
    call(fs.rename, *_two("replace", src, dst, src_dir_fd, dst_dir_fd), None, None)


def symlink(src, dst, target_is_directory=False, *, dir_fd=None):
    s = _path("symlink", src, arg="src")
    d = _path("symlink", dst, arg="dst")
    _no_dir_fd("symlink", dir_fd)
    call(fs.symlink, s, d, None)


def readlink(path, *, dir_fd=None):
    p = _path("readlink", path)
    _no_dir_fd("readlink", dir_fd)
    return _value(call(fs.readlink, p, None))


def link(src, dst, *, src_dir_fd=None, dst_dir_fd=None, follow_symlinks=True):
    s, d = _two("link", src, dst, src_dir_fd, dst_dir_fd)
    call(fs.link, s, d, None, None, bool(follow_symlinks))


def truncate(path, length):
    p = _path("truncate", path, allow_fd=True)
    if isinstance(p, int):
        return ftruncate(p, length)
    call(fs.truncate, p, _int(length))


def _timespec_ns(t):
    """Seconds (int or float) to nanoseconds, rounded down as CPython's utime."""
    if isinstance(t, float):
        if math.isnan(t):
            raise ValueError("Invalid value NaN (not a number)")
        frac, whole = math.modf(t)
        frac = math.floor(frac * 1e9)
        if frac >= 1e9:
            frac -= 1e9
            whole += 1.0
        elif frac < 0:
            frac += 1e9
            whole -= 1.0
        return int(whole) * 1_000_000_000 + int(frac)
    return _int(t) * 1_000_000_000


def utime(path, times=None, *, ns=None, dir_fd=None, follow_symlinks=True):
    p = _path("utime", path)
    _no_dir_fd("utime", dir_fd)
    if times is not None and ns is not None:
        raise ValueError("utime: you may specify either 'times' or 'ns' but not both")
    if times is not None:
        if not isinstance(times, tuple) or len(times) != 2:
            raise TypeError("utime: 'times' must be either a tuple of two ints or None")
        pair = (_timespec_ns(times[0]), _timespec_ns(times[1]))
    elif ns is not None:
        if not isinstance(ns, tuple) or len(ns) != 2:
            raise TypeError("utime: 'ns' must be a tuple of two ints")
        pair = (_int(ns[0]), _int(ns[1]))
    else:
        pair = None
    call(fs.utime, types.PathOrFd_Path(p), pair, None, bool(follow_symlinks))


def access(path, mode, *, dir_fd=None, effective_ids=False, follow_symlinks=True):
    p = _path("access", path)
    _no_dir_fd("access", dir_fd)
    if effective_ids:
        raise _unavailable("access", "effective_ids")
    return fs.access(p, _int(mode), None, bool(follow_symlinks))


def chmod(path, mode, *, dir_fd=None, follow_symlinks=True):
    p = _path("chmod", path)
    _no_dir_fd("chmod", dir_fd)
    if not follow_symlinks:
        # Linux cannot change a link's own mode (no lchmod).
        raise _unavailable("chmod", "follow_symlinks")
    call(fs.chmod, p, _int(mode) & 0xFFFFFFFF, None, True)


# --- descriptors ---------------------------------------------------------


def open(path, flags, mode=0o777, *, dir_fd=None):
    p = _path("open", path)
    _no_dir_fd("open", dir_fd)
    flags, mode = _int(flags), _int(mode)
    creating = flags & 0o100 and mode & ~_umask & 0o7777 != 0o644
    if creating and not flags & 0o200:
        # Only a file this call creates gets the mode.
        creating = not fs.access(p, 0, None, False)
    fd = call(file.open, p, flags, mode & 0xFFFFFFFF, None)
    if creating:
        try:
            _created_mode(p, mode, 0o644)
        except BaseException:
            file.close(fd)
            raise
    return fd


def read(fd, length):
    length = _int(length)
    if length < 0:
        raise oserror("EINVAL")
    return bytes(call(file.read, _int(fd), length))


def readinto(fd, buffer):
    with memoryview(buffer) as view, view.cast("B") as target:
        if target.readonly:
            raise TypeError("readinto() argument 2 must be read-write bytes-like object, not bytes")
        data = call(file.read, _int(fd), len(target))
        target[: len(data)] = data
        return len(data)


def write(fd, data):
    with memoryview(data) as view:
        return call(file.write, _int(fd), view.tobytes())


def pread(fd, length, offset):
    length = _int(length)
    if length < 0:
        raise oserror("EINVAL")
    return bytes(call(file.pread, _int(fd), length, _int(offset)))


def pwrite(fd, data, offset):
    with memoryview(data) as view:
        return call(file.pwrite, _int(fd), view.tobytes(), _int(offset))


def lseek(fd, position, whence):
    return call(file.lseek, _int(fd), _int(position), _int(whence))


def fsync(fd):
    call(file.fsync, _fd(fd))


def fdatasync(fd):
    call(file.fdatasync, _fd(fd))


def ftruncate(fd, length):
    call(file.ftruncate, _int(fd), _int(length))


def close(fd):
    call(file.close, _int(fd))


def closerange(fd_low, fd_high):
    file.closerange(_int(fd_low), _int(fd_high))


def dup(fd):
    return call(file.dup, _int(fd))


def isatty(fd):
    return file.isatty(_int(fd))


def _check_open(fd):
    """EBADF unless `fd` is open: what the flag calls check first."""
    fstat(fd)


def get_blocking(fd):
    _check_open(_int(fd))
    return True


def set_blocking(fd, blocking):
    _check_open(_int(fd))


def get_inheritable(fd):
    _check_open(_int(fd))
    return False


def set_inheritable(fd, inheritable):
    _check_open(_int(fd))


def posix_fadvise(fd, offset, length, advice):
    _check_open(_int(fd))


def device_encoding(fd):
    return "UTF-8" if isatty(fd) else None


# --- environment, system, processes --------------------------------------


def _env_text(x, what):
    if isinstance(x, bytes):
        return x.decode(sys.getfilesystemencoding(), "surrogateescape")
    if isinstance(x, str):
        return x
    raise TypeError(f"expected str, bytes or os.PathLike object, not {type(x).__name__}")


def putenv(name, value):
    call(env.putenv, _env_text(name, "name"), _env_text(value, "value"))


def unsetenv(name):
    call(env.unsetenv, _env_text(name, "name"))


def strerror(code):
    return env.strerror(_int(code))


def getpid():
    return system.getpid()


def getppid():
    return system.getppid()


def cpu_count():
    return system.cpu_count()


def uname():
    u = system.uname()
    return posix.uname_result((u.sysname, u.nodename, u.release, u.version, u.machine))


def urandom(size):
    return bytes(call(system.urandom, _int(size)))


def get_terminal_size(fd=1):
    columns, lines = call(system.get_terminal_size, _int(fd))
    return posix.terminal_size((columns, lines))


def kill(pid, signal):
    call(system.kill, _int(pid), _int(signal))


def system_(command):
    from ._subprocess import system as run_system

    return run_system(command)


# `os.system`'s wait status, decoded as Linux's macros do.
def WIFEXITED(status):
    return status & 0x7F == 0


def WEXITSTATUS(status):
    return (status >> 8) & 0xFF


def WIFSIGNALED(status):
    return ((status & 0x7F) + 1) >> 1 > 0 and status & 0x7F != 0x7F


def WTERMSIG(status):
    return status & 0x7F


def WIFSTOPPED(status):
    return status & 0xFF == 0x7F


def WSTOPSIG(status):
    return (status >> 8) & 0xFF


def WCOREDUMP(status):
    return bool(status & 0x80)


def WIFCONTINUED(status):
    return status == 0xFFFF


def waitstatus_to_exitcode(status):
    status = _int(status)
    if WIFEXITED(status):
        return WEXITSTATUS(status)
    if WIFSIGNALED(status):
        return -WTERMSIG(status)
    if WIFSTOPPED(status):
        raise ValueError(f"process stopped by delivery of signal {WSTOPSIG(status)}")
    raise ValueError(f"invalid wait status: {status}")


def _exit(status):
    from wit_world.imports import exit as wasi_exit

    wasi_exit.exit_with_code(_int(status) & 0xFF)


# The functions above, by their names in `posix`.
FUNCTIONS = {
    name: obj
    for name, obj in dict(globals()).items()
    if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", None) == __name__
}
del FUNCTIONS["ScandirIterator"]
FUNCTIONS["system"] = FUNCTIONS.pop("system_")
FUNCTIONS["_exit"] = _exit
FUNCTIONS["DirEntry"] = DirEntry


def install_constants():
    """Puts Linux's values of the flags and constants into `posix` and `os`,
    and the functions the WASI build lacks altogether: before `tempfile`,
    `shutil` and friends are imported, which look for some of them once.
    The functions the WASI build has are replaced at run time, since the
    build reads the standard library through them."""
    import os

    for name, value in LINUX_CONSTANTS.items():
        setattr(posix, name, value)
        setattr(os, name, value)
    for name, fn in FUNCTIONS.items():
        if not hasattr(posix, name):
            setattr(posix, name, fn)
            setattr(os, name, fn)


def install():
    """Puts osbox's functions into `posix` and `os`, and recomputes what
    `os` and `shutil` derived from the WASI build's."""
    import os
    import shutil

    for name, fn in FUNCTIONS.items():
        setattr(posix, name, fn)
        setattr(os, name, fn)
    os.error = OSError
    # As on Linux, for what osbox offers: no dir_fd anywhere, descriptors
    # where osbox takes them, and the follow_symlinks Linux honours.
    os.supports_dir_fd = set()
    os.supports_fd = {os.stat, os.truncate}
    os.supports_follow_symlinks = {os.stat, os.access, os.link, os.utime}
    os.supports_effective_ids = set()
    os.supports_bytes_environ = True
    os._have_functions = [
        "HAVE_FDATASYNC", "HAVE_FSYNC", "HAVE_FTRUNCATE", "HAVE_LINK", "HAVE_READLINK", "HAVE_STATVFS",
        "HAVE_SYMLINK", "HAVE_UTIMENSAT",
    ]
    if hasattr(os, "fwalk"):
        del os.fwalk
    # shutil chose its rmtree when it was imported.
    shutil._use_fd_functions = False
    shutil.rmtree.avoids_symlink_attacks = False
