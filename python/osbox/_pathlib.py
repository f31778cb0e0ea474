"""``box.Path``: ``pathlib.Path`` for a sandbox. A ``PurePosixPath`` (so
``/``, ``parts``, ``name``, ``suffix``, ``stem``, ``parent``, ``with_name``
and the rest are pathlib's own) whose file-system methods are the
sandbox's, with pathlib's semantics (CPython 3.11's)."""

from __future__ import annotations

import fnmatch
import io
import re
import stat as _stat
import sys
from errno import EBADF, ELOOP, ENOENT, ENOTDIR
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, TypeVar, Union

if TYPE_CHECKING:
    from ._os import OsModule

P = TypeVar("P", bound="SandboxPath")

_IGNORED_ERRNOS = (ENOENT, ENOTDIR, EBADF, ELOOP)


def _ignore_error(e: OSError) -> bool:
    """The errors pathlib's predicates answer False for."""
    return getattr(e, "errno", None) in _IGNORED_ERRNOS


class SandboxPath(PurePosixPath):
    """A path in a sandbox: ``box.Path("/data") / "report.csv"``. Methods
    that touch files run in the sandbox; the pure ones are pathlib's."""

    __slots__ = ()

    #: The sandbox's ``os`` and ``open``, set on each sandbox's subclass.
    _os: OsModule
    _open: Callable[..., Any]

    # --- where ------------------------------------------------------------------

    @classmethod
    def cwd(cls: type[P]) -> P:
        """The sandbox's current directory."""
        return cls(cls._os.getcwd())

    @classmethod
    def home(cls: type[P]) -> P:
        """The sandbox's ``HOME``."""
        return cls("~").expanduser()

    def absolute(self: P) -> P:
        """This path made absolute against the current directory, without
        normalising or resolving links."""
        if self.is_absolute():
            return self
        return type(self)(self._os.getcwd(), self)

    def resolve(self: P, strict: bool = False) -> P:
        """The absolute path with links resolved in the sandbox;
        ``RuntimeError`` for a loop."""

        def check_eloop(e: OSError) -> None:
            if e.errno == ELOOP:
                raise RuntimeError("Symlink loop from %r" % e.filename)

        try:
            s = self._os.path.realpath(self, strict=strict)
        except OSError as e:
            check_eloop(e)
            raise
        p = type(self)(s)
        if not strict:
            try:
                p.stat()
            except OSError as e:
                check_eloop(e)
        return p

    def expanduser(self: P) -> P:
        """``~`` replaced by the sandbox's ``HOME``."""
        if not (self.drive or self.root) and self.parts and self.parts[0][:1] == "~":
            homedir = self._os.path.expanduser(self.parts[0])
            if homedir[:1] == "~":
                raise RuntimeError("Could not determine home directory.")
            return type(self)(homedir, *self.parts[1:])
        return self

    def samefile(self, other_path: Union[str, SandboxPath]) -> bool:
        """True if both paths name the same file."""
        st = self.stat()
        try:
            other_st = other_path.stat()  # type: ignore[union-attr]
        except AttributeError:
            other_st = type(self)(other_path).stat()
        return self._os.path.samestat(st, other_st)

    # --- what it is ---------------------------------------------------------------

    def stat(self, *, follow_symlinks: bool = True) -> Any:
        """``os.stat_result`` of the file (of a link itself when
        ``follow_symlinks`` is false)."""
        return self._os.stat(self, follow_symlinks=follow_symlinks)

    def lstat(self) -> Any:
        """``os.stat_result`` of the link itself."""
        return self._os.lstat(self)

    def _is(self, test: Callable[[int], bool], follow: bool = True) -> bool:
        try:
            return test(self.stat(follow_symlinks=follow).st_mode)
        except OSError as e:
            if not _ignore_error(e):
                raise
            return False
        except ValueError:
            return False

    def exists(self) -> bool:
        """True if the path exists (following links)."""
        return self._is(lambda mode: True)

    def is_dir(self) -> bool:
        """True for a directory or a link to one."""
        return self._is(_stat.S_ISDIR)

    def is_file(self) -> bool:
        """True for a regular file or a link to one."""
        return self._is(_stat.S_ISREG)

    def is_symlink(self) -> bool:
        """True for a symbolic link."""
        return self._is(_stat.S_ISLNK, follow=False)

    def is_fifo(self) -> bool:
        """True for a named pipe."""
        return self._is(_stat.S_ISFIFO)

    def is_socket(self) -> bool:
        """True for a socket."""
        return self._is(_stat.S_ISSOCK)

    def is_block_device(self) -> bool:
        """True for a block device."""
        return self._is(_stat.S_ISBLK)

    def is_char_device(self) -> bool:
        """True for a character device."""
        return self._is(_stat.S_ISCHR)

    def is_mount(self) -> bool:
        """True for ``/`` and the granted directories."""
        return self._os.path.ismount(self)

    # --- directories ----------------------------------------------------------------

    def iterdir(self: P) -> Iterator[P]:
        """The paths of the entries of this directory, in arbitrary order."""
        for name in self._os.listdir(self):
            yield self / name

    def glob(self: P, pattern: str) -> Iterator[P]:
        """The paths under this directory matching the relative ``pattern``
        (``*``, ``?``, ``[...]`` within a name, ``**`` for any depth of
        directories)."""
        sys.audit("pathlib.Path.glob", self, pattern)
        if not pattern:
            raise ValueError("Unacceptable pattern: {!r}".format(pattern))
        return self._glob(pattern)

    def rglob(self: P, pattern: str) -> Iterator[P]:
        """``glob("**/" + pattern)``: matches at any depth."""
        sys.audit("pathlib.Path.rglob", self, pattern)
        return self._glob(f"**/{pattern}")

    def _glob(self: P, pattern: str) -> Iterator[P]:
        parsed = PurePosixPath(pattern)
        if parsed.drive or parsed.root:
            raise NotImplementedError("Non-relative patterns are unsupported")
        parts = list(parsed.parts)
        if pattern[-1] == "/":
            parts.append("")
        for part in parts:
            if "**" in part and part != "**":
                raise ValueError("Invalid pattern: '**' can only be an entire path component")
        if not self.is_dir():
            return iter([])
        return _select(self, tuple(parts))

    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        """Creates this directory; with ``parents``, the missing parents too;
        with ``exist_ok``, an existing directory is no error."""
        try:
            self._os.mkdir(self, mode)
        except FileNotFoundError:
            if not parents or self.parent == self:
                raise
            self.parent.mkdir(parents=True, exist_ok=True)
            self.mkdir(mode, parents=False, exist_ok=exist_ok)
        except OSError:
            if not exist_ok or not self.is_dir():
                raise

    def rmdir(self) -> None:
        """Removes this empty directory."""
        self._os.rmdir(self)

    # --- files ----------------------------------------------------------------------

    def open(
        self,
        mode: str = "r",
        buffering: int = -1,
        encoding: Optional[str] = None,
        errors: Optional[str] = None,
        newline: Optional[str] = None,
    ) -> Any:
        """Opens the file, as ``box.open(self, ...)``."""
        if "b" not in mode:
            encoding = getattr(io, "text_encoding", lambda e: e)(encoding)
        return self._open(self, mode, buffering, encoding, errors, newline)

    def read_bytes(self) -> bytes:
        """The file's contents."""
        with self.open(mode="rb") as f:
            return f.read()

    def read_text(self, encoding: Optional[str] = None, errors: Optional[str] = None) -> str:
        """The file's contents, decoded."""
        encoding = getattr(io, "text_encoding", lambda e: e)(encoding)
        with self.open(mode="r", encoding=encoding, errors=errors) as f:
            return f.read()

    def write_bytes(self, data: Any) -> int:
        """Writes ``data`` (bytes-like) as the file's contents; its length."""
        view = memoryview(data)
        with self.open(mode="wb") as f:
            return f.write(view)

    def write_text(
        self, data: str, encoding: Optional[str] = None, errors: Optional[str] = None, newline: Optional[str] = None
    ) -> int:
        """Writes ``data`` as the file's contents, encoded; its length."""
        if not isinstance(data, str):
            raise TypeError("data must be str, not %s" % data.__class__.__name__)
        encoding = getattr(io, "text_encoding", lambda e: e)(encoding)
        with self.open(mode="w", encoding=encoding, errors=errors, newline=newline) as f:
            return f.write(data)

    def touch(self, mode: int = 0o666, exist_ok: bool = True) -> None:
        """Creates the file, or with ``exist_ok`` sets its times to now."""
        if exist_ok:
            try:
                self._os.utime(self, None)
            except OSError:
                pass
            else:
                return
        flags = self._os.O_CREAT | self._os.O_WRONLY
        if not exist_ok:
            flags |= self._os.O_EXCL
        fd = self._os.open(self, flags, mode)
        self._os.close(fd)

    def unlink(self, missing_ok: bool = False) -> None:
        """Removes the file; with ``missing_ok`` a missing one is no error."""
        try:
            self._os.unlink(self)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def rename(self: P, target: Union[str, SandboxPath]) -> P:
        """Renames to ``target``; the new path."""
        self._os.rename(self, target)
        return type(self)(target)

    def replace(self: P, target: Union[str, SandboxPath]) -> P:
        """Renames to ``target``, replacing it; the new path."""
        self._os.replace(self, target)
        return type(self)(target)

    def chmod(self, mode: int, *, follow_symlinks: bool = True) -> None:
        """Sets the permission bits."""
        self._os.chmod(self, mode, follow_symlinks=follow_symlinks)

    def readlink(self: P) -> P:
        """The target of the link."""
        return type(self)(self._os.readlink(self))

    def symlink_to(self, target: Union[str, SandboxPath], target_is_directory: bool = False) -> None:
        """Makes this path a symbolic link to ``target`` (relative targets only)."""
        self._os.symlink(target, self, target_is_directory)

    def hardlink_to(self, target: Union[str, SandboxPath]) -> None:
        """Makes this path a hard link to ``target``."""
        self._os.link(target, self)


def _compile(pattern: str) -> Callable[[str], Any]:
    return re.compile(fnmatch.translate(pattern)).fullmatch


def _is_wildcard(part: str) -> bool:
    return "*" in part or "?" in part or "[" in part


def _select(parent: P, parts: tuple[str, ...]) -> Iterator[P]:
    """pathlib's selectors (3.11): each pattern part picks children of the
    paths the previous one picked; ``**`` picks the directory and every
    directory under it, not through links."""
    if not parts or not parts[0]:
        yield parent
        return
    part, rest = parts[0], parts[1:]
    dironly = bool(rest)
    try:
        if part == "**":
            yielded = set()
            for start in _directories(parent):
                for p in _select(start, rest):
                    if p not in yielded:
                        yield p
                        yielded.add(p)
        elif _is_wildcard(part):
            match = _compile(part)
            with parent._os.scandir(parent) as it:
                entries = list(it)
            for entry in entries:
                if dironly:
                    try:
                        if not entry.is_dir():
                            continue
                    except OSError as e:
                        if not _ignore_error(e):
                            raise
                        continue
                if match(entry.name):
                    yield from _select(parent / entry.name, rest)
        else:
            path = parent / part
            if path.is_dir() if dironly else path.exists():
                yield from _select(path, rest)
    except PermissionError:
        return


def _directories(parent: P) -> Iterator[P]:
    yield parent
    try:
        with parent._os.scandir(parent) as it:
            entries = list(it)
        for entry in entries:
            is_dir = False
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError as e:
                if not _ignore_error(e):
                    raise
            if is_dir:
                yield from _directories(parent / entry.name)
    except PermissionError:
        return


def path_class(os: OsModule, open_: Callable[..., Any]) -> type[SandboxPath]:
    """The ``Path`` class of one sandbox."""
    return type("Path", (SandboxPath,), {"__slots__": (), "_os": os, "_open": staticmethod(open_), "__module__": "osbox"})
