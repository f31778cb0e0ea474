"""``box.shutil``: Python's ``shutil`` over a sandbox. Copies, moves and
removals of trees run inside the sandbox in one call each."""

# The bodies of the functions made by `via` are their docstrings.
# mypy: disable-error-code="empty-body"

from __future__ import annotations

import fnmatch as _fnmatch
import os as _host_os
import shutil as _host_shutil
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from ._module import Module, via

if TYPE_CHECKING:
    from ._osbox import Core
    from ._os import AnyPath

#: What ``copyfileobj`` reads at a time, as CPython on Linux.
COPY_BUFSIZE = 64 * 1024


class IgnorePatterns:
    """What ``shutil.ignore_patterns(*patterns)`` returns: a callable for
    ``copytree``'s ``ignore``, which the sandbox applies itself."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)

    def __call__(self, path: Any, names: Iterable[str]) -> set[str]:
        ignored: list[str] = []
        for pattern in self.patterns:
            ignored.extend(_fnmatch.filter(names, pattern))
        return set(ignored)

    def __repr__(self) -> str:
        return f"ignore_patterns{self.patterns!r}"


class ShutilModule(Module):
    """``shutil`` for the sandbox. Errors are CPython's: ``shutil.Error``
    with the list of ``(src, dst, why)`` for a tree copy that failed in
    places, ``SameFileError``, ``SpecialFileError`` and the ``OSError``
    family."""

    _name = "shutil"

    Error = _host_shutil.Error
    SameFileError = _host_shutil.SameFileError
    SpecialFileError = _host_shutil.SpecialFileError
    ExecError = _host_shutil.ExecError
    COPY_BUFSIZE = COPY_BUFSIZE

    def __init__(self, core: Core) -> None:
        self._core = core

    def _callable(self, f: Any) -> Any:
        """``copy_function``: ``shutil.copy`` or ``shutil.copy2`` (this
        module's or the real one's) cross as their names; anything else
        cannot run in the sandbox and is refused there."""
        target = getattr(f, "__func__", f)
        if target in (ShutilModule.copy2, _host_shutil.copy2):
            return {"$callable": "shutil.copy2"}
        if target in (ShutilModule.copy, _host_shutil.copy):
            return {"$callable": "shutil.copy"}
        return {"$callable": getattr(f, "__qualname__", repr(f))}

    @staticmethod
    def _ignore(ignore: Any) -> Any:
        if ignore is None:
            return None
        if isinstance(ignore, IgnorePatterns):
            return {"$ignore_patterns": list(ignore.patterns)}
        return {"$callable": getattr(ignore, "__qualname__", repr(ignore))}

    def ignore_patterns(self, *patterns: str) -> IgnorePatterns:
        """For ``copytree``'s ``ignore``: skip the names matching any of the
        glob-style ``patterns``."""
        return IgnorePatterns(patterns)

    @via("shutil.copyfile")
    def copyfile(self, src: AnyPath, dst: AnyPath, *, follow_symlinks: bool = True) -> Any:
        """Copies the contents of ``src`` into ``dst``; ``dst``. Onto an
        existing file the copy is written beside it and renamed into place."""

    @via("shutil.copymode")
    def copymode(self, src: AnyPath, dst: AnyPath, *, follow_symlinks: bool = True) -> None:
        """Copies the permission bits."""

    @via("shutil.copystat")
    def copystat(self, src: AnyPath, dst: AnyPath, *, follow_symlinks: bool = True) -> None:
        """Copies the permission bits and the times."""

    @via("shutil.copy")
    def copy(self, src: AnyPath, dst: AnyPath, *, follow_symlinks: bool = True) -> Any:
        """Copies the contents and permission bits (into ``dst`` when it is a
        directory); the path written."""

    @via("shutil.copy2")
    def copy2(self, src: AnyPath, dst: AnyPath, *, follow_symlinks: bool = True) -> Any:
        """Copies the contents, permission bits and times; the path written."""

    def copytree(
        self,
        src: AnyPath,
        dst: AnyPath,
        symlinks: bool = False,
        ignore: Optional[Callable[[Any, list[str]], Iterable[str]]] = None,
        copy_function: Callable[..., Any] = _host_shutil.copy2,
        ignore_dangling_symlinks: bool = False,
        dirs_exist_ok: bool = False,
    ) -> Any:
        """Copies the tree ``src`` to ``dst``; ``dst``. ``ignore`` must come
        from ``ignore_patterns`` and ``copy_function`` be ``copy`` or
        ``copy2``: other callables cannot run in the sandbox
        (``NotImplementedError``)."""
        kwargs = {
            "symlinks": symlinks,
            "ignore": self._ignore(ignore),
            "copy_function": self._callable(copy_function),
            "ignore_dangling_symlinks": ignore_dangling_symlinks,
            "dirs_exist_ok": dirs_exist_ok,
        }
        return self._core.call("shutil.copytree", (src, dst), kwargs)

    def rmtree(
        self, path: AnyPath, ignore_errors: bool = False, onerror: Optional[Callable[..., Any]] = None, *, dir_fd: None = None
    ) -> None:
        """Removes the tree ``path``, never following a symbolic link inside
        it. ``onerror`` must be ``None``: use ``ignore_errors``."""
        # A callable cannot run in the sandbox: refused there, by name.
        refused = None if onerror is None else {"$callable": getattr(onerror, "__qualname__", repr(onerror))}
        self._core.call("shutil.rmtree", (path, ignore_errors, refused), {"dir_fd": dir_fd})

    def move(self, src: AnyPath, dst: AnyPath, copy_function: Callable[..., Any] = _host_shutil.copy2) -> Any:
        """Moves a file or tree; the new path. Where a rename cannot do it,
        the source is removed only once its copy is complete and synced."""
        return self._core.call("shutil.move", (src, dst), {"copy_function": self._callable(copy_function)})

    @via("shutil.which")
    def which(self, cmd: AnyPath, mode: int = _host_os.F_OK | _host_os.X_OK, path: Optional[AnyPath] = None) -> Any:
        """The path of an executable ``cmd`` on ``path`` (default: the
        sandbox's ``PATH``), or ``None``."""

    def disk_usage(self, path: AnyPath) -> Any:
        """``(total, used, free)`` bytes of the file system holding ``path``."""
        return _host_shutil._ntuple_diskusage(*self._core.call("shutil.disk_usage", (path,)))

    def get_terminal_size(self, fallback: tuple[int, int] = (80, 24)) -> Any:
        """``os.terminal_size`` from ``COLUMNS`` and ``LINES``, else ``fallback``
        (the sandbox has no terminal)."""
        return _host_os.terminal_size(self._core.call("shutil.get_terminal_size", (list(fallback),)))

    @staticmethod
    def copyfileobj(fsrc: Any, fdst: Any, length: int = 0) -> None:
        """Copies the file object ``fsrc`` into ``fdst``, ``length`` bytes at
        a time (any file objects: ``box.open``'s among them)."""
        if not length:
            length = COPY_BUFSIZE
        read, write = fsrc.read, fdst.write
        while True:
            buf = read(length)
            if not buf:
                break
            write(buf)
