"""``box.os`` and ``box.os.path``: Python's ``os`` and ``os.path`` over a
sandbox.

The functions Python programs call in loops (``stat``, ``lstat``,
``listdir``, ``scandir``, ``walk``, the descriptor calls, the ``os.path``
predicates) are typed calls of the Rust API; the rest run through the
protocol by their dotted name. The pure string functions of ``os.path``
(``join``, ``split``, ``splitext``, ...) are CPython's own ``posixpath``:
they touch nothing, and osbox's port of them answers the same.
"""

# The bodies of the functions made by `via` are their docstrings.
# mypy: disable-error-code="empty-body"

from __future__ import annotations

import os as _host_os
import posixpath as _posixpath
import sys as _sys
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from . import _subprocess
from ._module import Module, via

if TYPE_CHECKING:
    from ._osbox import Core, DirEntry

StrPath = Union[str, "_host_os.PathLike[str]"]
AnyPath = Union[str, bytes, "_host_os.PathLike[str]", "_host_os.PathLike[bytes]"]

# Constants of the surface, read from the protocol once per process (their
# values are osbox's, which are Linux's).
_OS_CONSTANTS = (
    "sep altsep extsep pathsep linesep curdir pardir defpath devnull name "
    "O_RDONLY O_WRONLY O_RDWR O_CREAT O_EXCL O_NOCTTY O_TRUNC O_APPEND O_NONBLOCK O_DSYNC "
    "O_DIRECTORY O_NOFOLLOW O_CLOEXEC O_SYNC O_RSYNC SEEK_SET SEEK_CUR SEEK_END F_OK X_OK W_OK R_OK"
).split()
_PATH_CONSTANTS = "sep altsep extsep pathsep curdir pardir defpath devnull".split()
_constants: dict[str, Any] = {}


def _read_constants(core: Core) -> dict[str, Any]:
    if not _constants:
        values = {f"os.{n}": core.call(f"os.{n}") for n in _OS_CONSTANTS}
        values.update({f"os.path.{n}": core.call(f"os.path.{n}") for n in _PATH_CONSTANTS})
        _constants.update(values)
    return _constants


class OsPathModule(Module):
    """``os.path`` for the sandbox: paths resolve against its current
    directory, ``expanduser`` and ``expandvars`` read its environment."""

    _name = "posixpath"

    # Pure functions: CPython's own.
    join = staticmethod(_posixpath.join)
    split = staticmethod(_posixpath.split)
    splitext = staticmethod(_posixpath.splitext)
    splitdrive = staticmethod(_posixpath.splitdrive)
    basename = staticmethod(_posixpath.basename)
    dirname = staticmethod(_posixpath.dirname)
    normpath = staticmethod(_posixpath.normpath)
    normcase = staticmethod(_posixpath.normcase)
    isabs = staticmethod(_posixpath.isabs)
    commonprefix = staticmethod(_posixpath.commonprefix)
    commonpath = staticmethod(_posixpath.commonpath)
    samestat = staticmethod(_posixpath.samestat)
    supports_unicode_filenames = _posixpath.supports_unicode_filenames

    def __init__(self, core: Core) -> None:
        self._core = core
        for name in _PATH_CONSTANTS:
            setattr(self, name, _read_constants(core)[f"os.path.{name}"])
        # The predicates, called in loops, go straight to the native methods
        # (the methods below say what they do).
        self.exists = core.exists  # type: ignore[method-assign]
        self.lexists = core.lexists  # type: ignore[method-assign]
        self.isfile = core.isfile  # type: ignore[method-assign]
        self.isdir = core.isdir  # type: ignore[method-assign]
        self.islink = core.islink  # type: ignore[method-assign]

    def exists(self, path: AnyPath) -> bool:
        """True if ``path`` names an existing file or directory (following
        symbolic links); False for a broken link or an unreachable path."""
        return self._core.exists(path)

    def lexists(self, path: AnyPath) -> bool:
        """True if ``path`` exists, a broken symbolic link included."""
        return self._core.lexists(path)

    def isfile(self, path: AnyPath) -> bool:
        """True if ``path`` is a regular file (following symbolic links)."""
        return self._core.isfile(path)

    def isdir(self, s: AnyPath) -> bool:
        """True if ``s`` is a directory (following symbolic links)."""
        return self._core.isdir(s)

    def islink(self, path: AnyPath) -> bool:
        """True if ``path`` is a symbolic link."""
        return self._core.islink(path)

    @via("os.path.ismount")
    def ismount(self, path: AnyPath) -> bool:
        """True for ``/`` and the mount points of the granted directories."""

    @via("os.path.abspath")
    def abspath(self, path: AnyPath) -> Any:
        """The absolute, normalised ``path``, against the sandbox's current
        directory."""

    @via("os.path.realpath")
    def realpath(self, filename: AnyPath, *, strict: bool = False) -> Any:
        """The canonical path, resolving symbolic links inside the sandbox.
        A link that leaves its grant raises ``PermissionError``."""

    @via("os.path.relpath")
    def relpath(self, path: AnyPath, start: Optional[AnyPath] = None) -> Any:
        """``path`` relative to ``start`` (default: the current directory)."""

    @via("os.path.expanduser")
    def expanduser(self, path: AnyPath) -> Any:
        """``~`` replaced by the sandbox's ``HOME``."""

    @via("os.path.expandvars")
    def expandvars(self, path: AnyPath) -> Any:
        """``$NAME`` and ``${NAME}`` replaced from the sandbox's environment."""

    @via("os.path.getsize")
    def getsize(self, filename: AnyPath) -> int:
        """The size of a file in bytes."""

    @via("os.path.getmtime")
    def getmtime(self, filename: AnyPath) -> float:
        """The time of last modification, in seconds since the epoch."""

    @via("os.path.getatime")
    def getatime(self, filename: AnyPath) -> float:
        """The time of last access, in seconds since the epoch."""

    @via("os.path.getctime")
    def getctime(self, filename: AnyPath) -> float:
        """The time of the last status change, in seconds since the epoch."""

    @via("os.path.samefile")
    def samefile(self, f1: AnyPath, f2: AnyPath) -> bool:
        """True if both paths name the same file (``st_dev`` and ``st_ino``)."""

    def sameopenfile(self, fp1: int, fp2: int) -> bool:
        """True if both descriptors refer to the same file."""
        return _posixpath.samestat(self._core.fstat(fp1), self._core.fstat(fp2))


class Environ(MutableMapping):  # type: ignore[type-arg]
    """``os.environ`` of the sandbox: a live mapping over its environment.
    Changes stay in the sandbox; programs it runs see them."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def __getitem__(self, key: str) -> str:
        value = self._core.getenv(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: str) -> None:
        self._core.call("os.environ.__setitem__", (key, value))

    def __delitem__(self, key: str) -> None:
        self._core.call("os.environ.__delitem__", (key,))

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._core.environ()))

    def __len__(self) -> int:
        return len(self._core.environ())

    def __contains__(self, key: object) -> bool:
        return self._core.getenv(key) is not None

    def copy(self) -> dict[str, str]:
        """A ``dict`` of the environment as it is now."""
        return self._core.environ()

    def __repr__(self) -> str:
        items = ", ".join(f"{k!r}: {v!r}" for k, v in self._core.environ().items())
        return f"environ({{{items}}})"

    def __or__(self, other: Any) -> dict[str, str]:
        if not isinstance(other, MutableMapping) and not isinstance(other, dict):
            return NotImplemented
        new = self.copy()
        new.update(other)
        return new

    def __ror__(self, other: Any) -> dict[str, str]:
        if not isinstance(other, MutableMapping) and not isinstance(other, dict):
            return NotImplemented
        new = dict(other)
        new.update(self.copy())
        return new

    def __ior__(self, other: Any) -> Environ:
        self.update(other)
        return self


class ScandirIterator(Iterator["DirEntry"]):
    """What ``os.scandir`` returns: an iterator of ``DirEntry`` that is also
    a context manager. The directory is read when ``scandir`` is called."""

    def __init__(self, entries: list[DirEntry]) -> None:
        self._entries: Iterator[DirEntry] = iter(entries)

    def __iter__(self) -> ScandirIterator:
        return self

    def __next__(self) -> DirEntry:
        return next(self._entries)

    def close(self) -> None:
        """Ends the iteration."""
        self._entries = iter(())

    def __enter__(self) -> ScandirIterator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OsModule(Module):
    """``os`` for the sandbox. Every call reaches only the granted
    directories, environment and programs; answers and exceptions are
    CPython's (docs/deviations.md lists the differences WASI forces)."""

    _name = "os"

    # Pure helpers and the result types: CPython's own.
    fspath = staticmethod(_host_os.fspath)
    fsencode = staticmethod(_host_os.fsencode)
    fsdecode = staticmethod(_host_os.fsdecode)
    PathLike = _host_os.PathLike
    stat_result = _host_os.stat_result
    statvfs_result = _host_os.statvfs_result
    terminal_size = _host_os.terminal_size
    uname_result = _host_os.uname_result
    error = OSError

    def __init__(self, core: Core, open_: Callable[..., Any], popen: type[_subprocess.Popen]) -> None:
        self._core = core
        self._open = open_
        self._popen = popen
        self.path = OsPathModule(core)
        self.environ = Environ(core)
        for name in _OS_CONSTANTS:
            setattr(self, name, _read_constants(core)[f"os.{name}"])
        # The calls made in loops go straight to the native methods, which
        # take the same arguments (the methods below say what they do).
        self.stat = core.stat  # type: ignore[method-assign]
        self.lstat = core.lstat  # type: ignore[method-assign]
        self.fstat = core.fstat  # type: ignore[method-assign]
        self.listdir = core.listdir  # type: ignore[method-assign]
        self.read = core.read  # type: ignore[method-assign]
        self.write = core.write  # type: ignore[method-assign]
        self.lseek = core.lseek  # type: ignore[method-assign]

    # --- the current directory and listing ---------------------------------

    @via("os.getcwd")
    def getcwd(self) -> str:
        """The sandbox's current directory."""

    @via("os.getcwdb")
    def getcwdb(self) -> bytes:
        """The sandbox's current directory, as bytes."""

    @via("os.chdir")
    def chdir(self, path: AnyPath) -> None:
        """Changes the sandbox's current directory (shared by its threads, as
        a process's is)."""

    def listdir(self, path: Optional[AnyPath] = None) -> list[Any]:
        """The names in ``path`` (default ``'.'``), in arbitrary order; bytes
        for a bytes path."""
        return self._core.listdir(path)

    def scandir(self, path: Optional[AnyPath] = None) -> ScandirIterator:
        """An iterator of ``DirEntry`` for ``path`` (default ``'.'``), also a
        context manager. The directory is read in one call."""
        return ScandirIterator(self._core.scandir(path))

    def walk(
        self,
        top: AnyPath,
        topdown: bool = True,
        onerror: Optional[Callable[[OSError], Any]] = None,
        followlinks: bool = False,
    ) -> Iterator[tuple[Any, list[Any], list[Any]]]:
        """Generates ``(dirpath, dirnames, filenames)`` for each directory
        under ``top``, in CPython's order. The tree is read in one call when
        the iteration starts; with ``topdown`` the caller may still prune or
        reorder ``dirnames`` in place, as with ``os.walk``. ``onerror`` gets
        each directory that cannot be listed, at the point CPython would
        call it."""
        _sys.audit("os.walk", top, topdown, onerror, followlinks)
        return _walk(self, _host_os.fspath(top), topdown, onerror, followlinks)

    # --- metadata --------------------------------------------------------------

    def stat(self, path: Union[AnyPath, int], *, dir_fd: None = None, follow_symlinks: bool = True) -> Any:
        """``os.stat_result`` of ``path`` (or of an open descriptor).
        Permission bits, inode and device numbers are WASI's stand-ins
        (docs/deviations.md)."""
        return self._core.stat(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)

    def lstat(self, path: AnyPath, *, dir_fd: None = None) -> Any:
        """``os.stat_result`` of ``path`` itself, not following a symbolic link."""
        return self._core.lstat(path, dir_fd=dir_fd)

    def fstat(self, fd: int) -> Any:
        """``os.stat_result`` of an open descriptor."""
        return self._core.fstat(fd)

    @via("os.chmod")
    def chmod(self, path: AnyPath, mode: int, *, dir_fd: None = None, follow_symlinks: bool = True) -> None:
        """Sets the permission bits (done by the osbox host; ``EROFS`` under a
        read-only grant)."""

    @via("os.access")
    def access(
        self, path: AnyPath, mode: int, *, dir_fd: None = None, effective_ids: bool = False, follow_symlinks: bool = True
    ) -> bool:
        """True if ``path`` may be accessed with ``mode`` (``F_OK``, or ``R_OK``,
        ``W_OK``, ``X_OK`` or-ed)."""

    def statvfs(self, path: AnyPath) -> Any:
        """``os.statvfs_result`` of the file system holding ``path``."""
        return _host_os.statvfs_result(self._core.call("os.statvfs", (path,)))

    @via("os.utime")
    def utime(
        self,
        path: AnyPath,
        times: Optional[tuple[float, float]] = None,
        *,
        ns: Optional[tuple[int, int]] = None,
        dir_fd: None = None,
        follow_symlinks: bool = True,
    ) -> None:
        """Sets the access and modification times (``times`` in seconds or
        ``ns`` in nanoseconds; now when neither is given)."""

    @via("os.truncate")
    def truncate(self, path: AnyPath, length: int) -> None:
        """Truncates (or extends with zeros) the file to ``length`` bytes."""

    # --- links -------------------------------------------------------------------

    @via("os.symlink")
    def symlink(self, src: AnyPath, dst: AnyPath, target_is_directory: bool = False, *, dir_fd: None = None) -> None:
        """Creates ``dst`` as a symbolic link to ``src`` (a relative target:
        WASI refuses absolute ones with ``PermissionError``)."""

    @via("os.readlink")
    def readlink(self, path: AnyPath, *, dir_fd: None = None) -> Any:
        """The target of a symbolic link."""

    @via("os.link")
    def link(
        self,
        src: AnyPath,
        dst: AnyPath,
        *,
        src_dir_fd: None = None,
        dst_dir_fd: None = None,
        follow_symlinks: bool = True,
    ) -> None:
        """Creates the hard link ``dst`` to ``src``."""

    # --- create, remove, rename ---------------------------------------------------

    @via("os.mkdir")
    def mkdir(self, path: AnyPath, mode: int = 0o777, *, dir_fd: None = None) -> None:
        """Creates a directory (``mode`` is accepted and ignored: use ``chmod``)."""

    @via("os.makedirs")
    def makedirs(self, name: AnyPath, mode: int = 0o777, exist_ok: bool = False) -> None:
        """Creates a directory and the missing parents."""

    @via("os.rmdir")
    def rmdir(self, path: AnyPath, *, dir_fd: None = None) -> None:
        """Removes an empty directory."""

    @via("os.removedirs")
    def removedirs(self, name: AnyPath) -> None:
        """Removes a directory, then its parents while they are empty."""

    @via("os.remove")
    def remove(self, path: AnyPath, *, dir_fd: None = None) -> None:
        """Removes a file."""

    @via("os.unlink")
    def unlink(self, path: AnyPath, *, dir_fd: None = None) -> None:
        """Removes a file (the same as ``remove``)."""

    @via("os.rename")
    def rename(self, src: AnyPath, dst: AnyPath, *, src_dir_fd: None = None, dst_dir_fd: None = None) -> None:
        """Renames ``src`` to ``dst``."""

    @via("os.replace")
    def replace(self, src: AnyPath, dst: AnyPath, *, src_dir_fd: None = None, dst_dir_fd: None = None) -> None:
        """Renames ``src`` to ``dst``, replacing ``dst`` if it exists."""

    @via("os.renames")
    def renames(self, old: AnyPath, new: AnyPath) -> None:
        """Renames, creating the new parents and removing the emptied old ones."""

    # --- descriptors ------------------------------------------------------------

    def open(self, path: AnyPath, flags: int, mode: int = 0o777, *, dir_fd: None = None) -> int:
        """Opens ``path`` with the ``O_*`` ``flags``: the lowest free
        descriptor of the sandbox."""
        return self._core.open(path, flags, mode, dir_fd=dir_fd)

    def read(self, fd: int, length: int) -> bytes:
        """At most ``length`` bytes from the descriptor's offset."""
        return self._core.read(fd, length)

    def write(self, fd: int, data: Any) -> int:
        """Writes a bytes-like object; the number of bytes written."""
        return self._core.write(fd, data)

    def lseek(self, fd: int, position: int, how: int) -> int:
        """Moves the descriptor's offset (``SEEK_SET``, ``SEEK_CUR``,
        ``SEEK_END``); the new offset."""
        return self._core.lseek(fd, position, how)

    def close(self, fd: int) -> None:
        """Closes a descriptor."""
        self._core.close_fd(fd)

    @via("os.pread")
    def pread(self, fd: int, length: int, offset: int) -> bytes:
        """At most ``length`` bytes at ``offset``, leaving the offset."""

    @via("os.pwrite")
    def pwrite(self, fd: int, str: bytes, offset: int) -> int:  # noqa: A002 (CPython's name)
        """Writes at ``offset``, leaving the offset."""

    @via("os.fsync")
    def fsync(self, fd: int) -> None:
        """Flushes the file's data and metadata to storage."""

    @via("os.fdatasync")
    def fdatasync(self, fd: int) -> None:
        """Flushes the file's data to storage."""

    @via("os.ftruncate")
    def ftruncate(self, fd: int, length: int) -> None:
        """Truncates (or extends) the open file to ``length`` bytes."""

    @via("os.closerange")
    def closerange(self, fd_low: int, fd_high: int) -> None:
        """Closes the descriptors from ``fd_low`` (included) to ``fd_high``
        (excluded), ignoring errors."""

    @via("os.dup")
    def dup(self, fd: int) -> int:
        """A new descriptor for the same open file."""

    @via("os.isatty")
    def isatty(self, fd: int) -> bool:
        """True if the descriptor is a terminal (only a standard stream can be)."""

    def fdopen(self, fd: int, *args: Any, **kwargs: Any) -> Any:
        """A file object for an open descriptor: ``box.open(fd, ...)``."""
        if not isinstance(fd, int):
            raise TypeError("invalid fd type (%s, expected integer)" % type(fd))
        return self._open(fd, *args, **kwargs)

    # --- environment --------------------------------------------------------------

    def getenv(self, key: str, default: Optional[str] = None) -> Optional[str]:
        """The value of an environment variable, or ``default``."""
        value = self._core.getenv(key)
        return default if value is None else value

    @via("os.putenv")
    def putenv(self, name: str, value: str) -> None:
        """Sets a variable of the environment programs get, not ``os.environ``."""

    @via("os.unsetenv")
    def unsetenv(self, name: str) -> None:
        """Removes a variable of the environment programs get, not ``os.environ``."""

    @via("os.strerror")
    def strerror(self, code: int) -> str:
        """The message of an errno, as Linux words it."""

    # --- processes and the system -------------------------------------------------

    @via("os.system")
    def system(self, command: str) -> int:
        """Runs ``sh -c command`` (``sh`` must be granted); the wait status."""

    def popen(self, cmd: str, mode: str = "r", buffering: int = -1) -> Any:
        """Runs ``sh -c cmd`` (``sh`` must be granted) with a text pipe to
        its standard output (``mode`` ``"r"``) or input (``"w"``); the
        file's ``close()`` waits for it: ``None`` for exit 0, else the wait
        status."""
        return _subprocess.os_popen(self._popen, cmd, mode, buffering)

    @via("os.kill")
    def kill(self, pid: int, signal: int) -> None:
        """Sends ``signal`` to a child of the sandbox (any other ``pid`` is
        ``ProcessLookupError``)."""

    @via("os.getpid")
    def getpid(self) -> int:
        """The sandbox's process id (its own number, fixed for its life)."""

    @via("os.getppid")
    def getppid(self) -> int:
        """The id of the process running the sandbox."""

    @via("os.cpu_count")
    def cpu_count(self) -> Optional[int]:
        """The number of CPUs of the host."""

    def uname(self) -> Any:
        """``os.uname_result`` of the host."""
        return _host_os.uname_result(self._core.call("os.uname"))

    @via("os.urandom")
    def urandom(self, size: int) -> bytes:
        """``size`` random bytes."""

    def get_terminal_size(self, fd: int = 1) -> Any:
        """``os.terminal_size`` of a terminal descriptor (the sandbox has none:
        ``OSError`` ENOTTY)."""
        return _host_os.terminal_size(self._core.call("os.get_terminal_size", (fd,)))


def _walk(
    os: OsModule, top: Any, topdown: bool, onerror: Optional[Callable[[OSError], Any]], followlinks: bool
) -> Iterator[tuple[Any, list[Any], list[Any]]]:
    """Replays a walk read in one call. Each item is a step or an exception;
    in topdown order, a directory's subtree follows it, so the steps are
    indexed by path and visited through the ``dirnames`` the caller leaves."""
    items = os._core.walk(top, topdown, followlinks)
    if not topdown:
        for item in items:
            if isinstance(item, tuple):
                yield item
            elif isinstance(item, RecursionError):
                raise item
            elif onerror is not None:
                onerror(item)
        return

    join = _posixpath.join
    steps: dict[Any, int] = {}
    errors: dict[Any, BaseException] = {}
    # A RecursionError is raised when its directory's subdirectories are reached.
    too_deep: dict[Any, BaseException] = {}
    last_step: Any = None
    for i, item in enumerate(items):
        if isinstance(item, tuple):
            steps[item[0]] = i
            last_step = item[0]
        elif isinstance(item, RecursionError):
            too_deep[last_step] = item
        else:
            errors.setdefault(item.filename, item)

    def visit(path: Any) -> Iterator[tuple[Any, list[Any], list[Any]]]:
        i = steps.get(path)
        if i is None:
            error = errors.pop(path, None)
            if error is not None:
                if onerror is not None:
                    onerror(error)  # type: ignore[arg-type]
                return
            if path is top or followlinks or not os.path.islink(path):
                # Not read with the tree: a name the caller added to dirnames.
                yield from _walk(os, path, True, onerror, followlinks)
            return
        step = items[i]
        yield step
        dirpath, dirnames, _ = step
        if dirpath in too_deep:
            raise too_deep[dirpath]
        for name in dirnames:
            yield from visit(join(dirpath, name))

    if top in steps or top in errors:
        yield from visit(top)
    else:
        for item in items:
            if isinstance(item, RecursionError):
                raise item
            if onerror is not None and not isinstance(item, tuple):
                onerror(item)
