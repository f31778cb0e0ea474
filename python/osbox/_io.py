"""``box.open``: the built-in ``open`` for a sandbox, built as CPython's is
(``_pyio``): the standard library's buffered and text layers over a raw
file whose calls are the sandbox's descriptor calls."""

from __future__ import annotations

import errno as _errno
import io
import os as _host_os
import stat as _stat
import warnings
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from ._osbox import SandboxError

if TYPE_CHECKING:
    from ._osbox import Core

O_RDONLY, O_WRONLY, O_RDWR = 0, 1, 2
O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_CLOEXEC = 0o100, 0o200, 0o1000, 0o2000, 0o2000000
SEEK_SET, SEEK_CUR, SEEK_END = 0, 1, 2

#: Reads of a whole file go in pieces this big (each is one sandbox call).
_CHUNK = 1 << 20

_text_encoding: Callable[[Optional[str]], Optional[str]] = getattr(io, "text_encoding", lambda e: e)


class FileIO(io.RawIOBase):
    """``io.FileIO`` over a descriptor of the sandbox: what ``box.open``
    buffers. ``fileno()`` is the sandbox's descriptor, for ``box.os``."""

    def __init__(
        self,
        core: Core,
        file: Union[str, bytes, int],
        mode: str = "r",
        closefd: bool = True,
        opener: Optional[Callable[[Any, int], int]] = None,
    ) -> None:
        self._core = core
        self._fd = -1
        self._created = self._readable = self._writable = self._appending = False
        self._closefd = closefd
        if isinstance(file, float):
            raise TypeError("integer argument expected, got float")
        if isinstance(file, int):
            fd = file
            if fd < 0:
                raise ValueError("negative file descriptor")
        else:
            fd = -1
        if not isinstance(mode, str):
            raise TypeError("invalid mode: %s" % (mode,))
        if not set(mode) <= set("xrwab+"):
            raise ValueError("invalid mode: %s" % (mode,))
        if sum(c in "rwax" for c in mode) != 1 or mode.count("+") > 1:
            raise ValueError("Must have exactly one of create/read/write/append mode and at most one plus")
        if "x" in mode:
            self._created = self._writable = True
            flags = O_EXCL | O_CREAT
        elif "r" in mode:
            self._readable = True
            flags = 0
        elif "w" in mode:
            self._writable = True
            flags = O_CREAT | O_TRUNC
        else:
            self._writable = self._appending = True
            flags = O_APPEND | O_CREAT
        if "+" in mode:
            self._readable = self._writable = True
        if self._readable and self._writable:
            flags |= O_RDWR
        elif self._readable:
            flags |= O_RDONLY
        else:
            flags |= O_WRONLY
        flags |= O_CLOEXEC
        owned = None
        try:
            if fd < 0:
                if not closefd:
                    raise ValueError("Cannot use closefd=False with file name")
                if opener is None:
                    fd = core.open(file, flags, 0o666)
                else:
                    fd = opener(file, flags)
                    if not isinstance(fd, int):
                        raise TypeError("expected integer from opener")
                    if fd < 0:
                        raise OSError("Negative file descriptor")
                owned = fd
            st = core.fstat(fd)
            if _stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(_errno.EISDIR, _host_os.strerror(_errno.EISDIR), file)
            self.blksize = st.st_blksize
            self.name = file
            if self._appending:
                core.lseek(fd, 0, SEEK_END)
        except BaseException:
            if owned is not None:
                core.close_fd(owned)
            raise
        self._fd = fd

    @property
    def mode(self) -> str:
        """``'rb'``, ``'wb'``, ``'ab'``, ``'xb'``, with ``+`` when updating."""
        if self._created:
            return "xb+" if self._readable else "xb"
        if self._appending:
            return "ab+" if self._readable else "ab"
        if self._readable:
            return "rb+" if self._writable else "rb"
        return "wb"

    @property
    def closefd(self) -> bool:
        """Whether closing the file closes its descriptor."""
        return self._closefd

    def __repr__(self) -> str:
        cls = f"{type(self).__module__}.{type(self).__qualname__}"
        if self.closed:
            return f"<{cls} [closed]>"
        return f"<{cls} name={self.name!r} mode={self.mode!r} closefd={self._closefd!r}>"

    def _check_readable(self) -> None:
        if not self._readable:
            raise io.UnsupportedOperation("File not open for reading")

    def _check_writable(self) -> None:
        if not self._writable:
            raise io.UnsupportedOperation("File not open for writing")

    def read(self, size: Optional[int] = -1) -> bytes:
        """At most ``size`` bytes (all that is left when negative)."""
        self._checkClosed()
        self._check_readable()
        if size is None or size < 0:
            return self.readall()
        return self._core.read(self._fd, size)

    def readall(self) -> bytes:
        """Everything from the offset to the end."""
        self._checkClosed()
        self._check_readable()
        chunks = []
        while True:
            chunk = self._core.read(self._fd, _CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def readinto(self, b: Any) -> int:
        """Reads into a writable buffer; the number of bytes read."""
        m = memoryview(b).cast("B")
        data = self.read(len(m))
        n = len(data)
        m[:n] = data
        return n

    def write(self, b: Any) -> int:
        """Writes a bytes-like object; the number of bytes written."""
        self._checkClosed()
        self._check_writable()
        return self._core.write(self._fd, b)

    def seek(self, pos: int, whence: int = SEEK_SET) -> int:
        """Moves the offset; the new offset."""
        if isinstance(pos, float):
            raise TypeError("an integer is required")
        self._checkClosed()
        return self._core.lseek(self._fd, pos, whence)

    def tell(self) -> int:
        """The offset."""
        self._checkClosed()
        return self._core.lseek(self._fd, 0, SEEK_CUR)

    def truncate(self, size: Optional[int] = None) -> int:
        """Truncates (or extends) the file to ``size`` (default: the offset)."""
        self._checkClosed()
        self._check_writable()
        if size is None:
            size = self.tell()
        self._core.call("os.ftruncate", (self._fd, size))
        return size

    def close(self) -> None:
        """Closes the file (and its descriptor, with ``closefd``)."""
        if not self.closed:
            try:
                if self._closefd and self._fd >= 0:
                    try:
                        self._core.close_fd(self._fd)
                    except SandboxError:
                        pass  # the sandbox ended: its descriptors with it
            finally:
                super().close()

    def seekable(self) -> bool:
        self._checkClosed()
        return True

    def readable(self) -> bool:
        self._checkClosed()
        return self._readable

    def writable(self) -> bool:
        self._checkClosed()
        return self._writable

    def fileno(self) -> int:
        """The sandbox's descriptor (for ``box.os``, not the host's ``os``)."""
        self._checkClosed()
        return self._fd

    def isatty(self) -> bool:
        """True only for a standard stream that is a terminal."""
        self._checkClosed()
        # Only the standard streams can be terminals in a sandbox.
        return self._fd <= 2 and bool(self._core.call("os.isatty", (self._fd,)))

    def __getstate__(self) -> Any:
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")


def open_file(
    core: Core,
    file: Any,
    mode: str = "r",
    buffering: int = -1,
    encoding: Optional[str] = None,
    errors: Optional[str] = None,
    newline: Optional[str] = None,
    closefd: bool = True,
    opener: Optional[Callable[[Any, int], int]] = None,
) -> Any:
    """``open`` in the sandbox; see ``Sandbox.open``."""
    if not isinstance(file, int):
        file = _host_os.fspath(file)
    if not isinstance(file, (str, bytes, int)):
        raise TypeError("invalid file: %r" % file)
    if not isinstance(mode, str):
        raise TypeError("open() argument 'mode' must be str, not %s" % type(mode).__name__)
    if not isinstance(buffering, int):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(buffering).__name__)
    if encoding is not None and not isinstance(encoding, str):
        raise TypeError("open() argument 'encoding' must be str or None, not %s" % type(encoding).__name__)
    if errors is not None and not isinstance(errors, str):
        raise TypeError("open() argument 'errors' must be str or None, not %s" % type(errors).__name__)
    modes = set(mode)
    if modes - set("axrwb+t") or len(mode) > len(modes):
        raise ValueError("invalid mode: %r" % mode)
    creating, reading, writing, appending = "x" in modes, "r" in modes, "w" in modes, "a" in modes
    updating, text, binary = "+" in modes, "t" in modes, "b" in modes
    if text and binary:
        raise ValueError("can't have text and binary mode at once")
    if creating + reading + writing + appending > 1:
        raise ValueError("must have exactly one of create/read/write/append mode")
    if binary and encoding is not None:
        raise ValueError("binary mode doesn't take an encoding argument")
    if binary and errors is not None:
        raise ValueError("binary mode doesn't take an errors argument")
    if binary and newline is not None:
        raise ValueError("binary mode doesn't take a newline argument")
    if binary and buffering == 1:
        warnings.warn(
            "line buffering (buffering=1) isn't supported in binary mode, the default buffer size will be used",
            RuntimeWarning,
            3,
        )
    raw = FileIO(
        core,
        file,
        (creating and "x" or "")
        + (reading and "r" or "")
        + (writing and "w" or "")
        + (appending and "a" or "")
        + (updating and "+" or ""),
        closefd,
        opener=opener,
    )
    result: Any = raw
    try:
        line_buffering = False
        if buffering == 1 or buffering < 0 and raw.isatty():
            buffering = -1
            line_buffering = True
        if buffering < 0:
            # Bigger than CPython's block size: each fill is a sandbox call.
            buffering = max(raw.blksize, 64 * 1024)
        if buffering == 0:
            if binary:
                return result
            raise ValueError("can't have unbuffered text I/O")
        if updating:
            buffer: Any = io.BufferedRandom(raw, buffering)
        elif creating or writing or appending:
            buffer = io.BufferedWriter(raw, buffering)
        else:
            buffer = io.BufferedReader(raw, buffering)
        result = buffer
        if binary:
            return result
        encoding = _text_encoding(encoding)
        wrapper = io.TextIOWrapper(buffer, encoding, errors, newline, line_buffering)
        result = wrapper
        wrapper.mode = mode  # type: ignore[misc]
        return result
    except BaseException:
        result.close()
        raise
