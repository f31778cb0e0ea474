"""``box.tempfile``: Python's ``tempfile`` inside a sandbox. Names come
from the sandbox (``mkstemp``, ``mkdtemp``); the context managers clean up
there."""

# The bodies of the functions made by `via` are their docstrings.
# mypy: disable-error-code="empty-body"

from __future__ import annotations

import functools
import io
import warnings
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from ._module import Module, via
from ._osbox import SandboxError

if TYPE_CHECKING:
    from ._osbox import Core
    from ._os import AnyPath


def _rmtree(core: Core, name: Any, ignore_errors: bool) -> None:
    core.call("shutil.rmtree", (name,), {"ignore_errors": ignore_errors})


class TemporaryDirectory:
    """A directory made by ``mkdtemp`` in the sandbox and removed, with
    everything in it, by ``cleanup()``, at the end of a ``with`` block
    (which gives its name), or when the object is collected."""

    _core: Core

    def __init__(
        self,
        suffix: Optional[AnyPath] = None,
        prefix: Optional[AnyPath] = None,
        dir: Optional[AnyPath] = None,  # noqa: A002 (CPython's name)
        ignore_cleanup_errors: bool = False,
    ) -> None:
        self.name = self._core.call("tempfile.mkdtemp", (suffix, prefix, dir))
        self._ignore_cleanup_errors = ignore_cleanup_errors
        self._finalizer = weakref.finalize(
            self,
            self._cleanup,
            self._core,
            self.name,
            warn_message=f"Implicitly cleaning up {self!r}",
            ignore_errors=ignore_cleanup_errors,
        )

    @classmethod
    def _cleanup(cls, core: Core, name: Any, warn_message: str, ignore_errors: bool = False) -> None:
        try:
            _rmtree(core, name, ignore_errors)
        except SandboxError:
            return  # the sandbox ended first
        warnings.warn(warn_message, ResourceWarning)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} {self.name!r}>"

    def __enter__(self) -> Any:
        return self.name

    def __exit__(self, exc: Any, value: Any, tb: Any) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        """Removes the directory and everything in it."""
        if self._finalizer.detach() or self._core.exists(self.name):
            _rmtree(self._core, self.name, self._ignore_cleanup_errors)


class _TemporaryFileCloser:
    """Closes the file and removes it, once (also when collected)."""

    file: Any = None
    close_called = False

    def __init__(self, core: Core, file: Any, name: Any, delete: bool = True) -> None:
        self.core = core
        self.file = file
        self.name = name
        self.delete = delete

    def close(self) -> None:
        if not self.close_called and self.file is not None:
            self.close_called = True
            try:
                self.file.close()
            finally:
                if self.delete:
                    try:
                        self.core.call("os.unlink", (self.name,))
                    except SandboxError:
                        pass

    def __del__(self) -> None:
        self.close()


class TemporaryFileWrapper:
    """What ``NamedTemporaryFile`` returns: the file object, with ``name``
    the file's path in the sandbox; closing it removes the file (unless
    ``delete`` is false)."""

    def __init__(self, core: Core, file: Any, name: Any, delete: bool = True) -> None:
        self.file = file
        self.name = name
        self.delete = delete
        self._closer = _TemporaryFileCloser(core, file, name, delete)

    def __getattr__(self, name: str) -> Any:
        file = self.__dict__["file"]
        a = getattr(file, name)
        if hasattr(a, "__call__"):
            func = a

            @functools.wraps(func)
            def func_wrapper(*args: Any, **kwargs: Any) -> Any:
                return func(*args, **kwargs)

            func_wrapper._closer = self._closer  # type: ignore[attr-defined]
            a = func_wrapper
        if not isinstance(a, int):
            setattr(self, name, a)
        return a

    def __enter__(self) -> TemporaryFileWrapper:
        self.file.__enter__()
        return self

    def __exit__(self, exc: Any, value: Any, tb: Any) -> Any:
        result = self.file.__exit__(exc, value, tb)
        self.close()
        return result

    def close(self) -> None:
        """Closes the file and removes it (unless ``delete`` is false)."""
        self._closer.close()

    def __iter__(self) -> Iterator[Any]:
        for line in self.file:
            yield line


class TempfileModule(Module):
    """``tempfile`` for the sandbox: the temporary directory is ``$TMPDIR``,
    ``$TEMP`` or ``$TMP`` when they name a writable grant, else the current
    directory (docs/deviations.md)."""

    _name = "tempfile"

    TemporaryDirectory: type[TemporaryDirectory]

    def __init__(self, core: Core, open_: Callable[..., Any]) -> None:
        self._core = core
        self._open = open_
        # A class of the sandbox's own, so it can be subclassed and checked
        # with isinstance like tempfile's.
        self.TemporaryDirectory = type("TemporaryDirectory", (TemporaryDirectory,), {"_core": core})

    @property
    def tempdir(self) -> Any:
        """What ``gettempdir()`` settled on, or ``None`` before it ran."""
        return self._core.call("tempfile.tempdir")

    @via("tempfile.gettempdir")
    def gettempdir(self) -> str:
        """The directory temporary files go in."""

    @via("tempfile.gettempdirb")
    def gettempdirb(self) -> bytes:
        """``gettempdir()`` as bytes."""

    def mkstemp(
        self,
        suffix: Optional[AnyPath] = None,
        prefix: Optional[AnyPath] = None,
        dir: Optional[AnyPath] = None,  # noqa: A002
        text: bool = False,
    ) -> tuple[int, Any]:
        """Creates a new file, readable and writable only by its owner:
        ``(fd, absolute path)``. The caller closes and removes it."""
        fd, path = self._core.call("tempfile.mkstemp", (suffix, prefix, dir, text))
        return fd, path

    @via("tempfile.mkdtemp")
    def mkdtemp(
        self,
        suffix: Optional[AnyPath] = None,
        prefix: Optional[AnyPath] = None,
        dir: Optional[AnyPath] = None,  # noqa: A002
    ) -> Any:
        """Creates a new directory; its path. The caller removes it."""

    def NamedTemporaryFile(  # noqa: N802 (CPython's name)
        self,
        mode: str = "w+b",
        buffering: int = -1,
        encoding: Optional[str] = None,
        newline: Optional[str] = None,
        suffix: Optional[AnyPath] = None,
        prefix: Optional[AnyPath] = None,
        dir: Optional[AnyPath] = None,  # noqa: A002
        delete: bool = True,
        *,
        errors: Optional[str] = None,
    ) -> TemporaryFileWrapper:
        """A new file opened with ``box.open``, whose ``name`` is its path;
        removed when closed (unless ``delete`` is false). A context manager."""
        if "b" not in mode:
            encoding = getattr(io, "text_encoding", lambda e: e)(encoding)
        fd, name = self.mkstemp(suffix, prefix, dir)
        try:
            file = self._open(fd, mode, buffering=buffering, newline=newline, encoding=encoding, errors=errors)
            raw = getattr(file, "buffer", file)
            raw = getattr(raw, "raw", raw)
            raw.name = name
            return TemporaryFileWrapper(self._core, file, name, delete)
        except BaseException:
            self._core.call("os.unlink", (name,))
            self._core.close_fd(fd)
            raise

    def TemporaryFile(  # noqa: N802 (CPython's name)
        self,
        mode: str = "w+b",
        buffering: int = -1,
        encoding: Optional[str] = None,
        newline: Optional[str] = None,
        suffix: Optional[AnyPath] = None,
        prefix: Optional[AnyPath] = None,
        dir: Optional[AnyPath] = None,  # noqa: A002
        *,
        errors: Optional[str] = None,
    ) -> Any:
        """A new file with no name: made by ``mkstemp`` and removed at once,
        readable and writable while it stays open."""
        if "b" not in mode:
            encoding = getattr(io, "text_encoding", lambda e: e)(encoding)
        fd, name = self.mkstemp(suffix, prefix, dir)
        try:
            self._core.call("os.unlink", (name,))
            return self._open(fd, mode, buffering=buffering, newline=newline, encoding=encoding, errors=errors)
        except BaseException:
            self._core.close_fd(fd)
            raise
