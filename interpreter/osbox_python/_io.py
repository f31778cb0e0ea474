"""`open()` and `io` on osbox's descriptors.

One descriptor space: the file objects `open()` returns sit on the same
osbox descriptors as `os.open`, so `os.fdopen(os.open(...))`,
`open(fd)`, `f.fileno()` with `os.fstat`, and `tempfile`'s files all agree.
The raw layer is CPython's own pure-Python `FileIO` (`_pyio`), which does
its work through `os.open`, `os.read`, `os.write` and `os.lseek`, that is,
through osbox; buffering and text are CPython's C classes as usual.
`sys.stdin`, `sys.stdout` and `sys.stderr` stay as they are: descriptors 0,
1 and 2 are the same standard streams on both sides.
"""

import _io
import _pyio
import builtins
import io

FileIO = _pyio.FileIO


def open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None, closefd=True, opener=None):
    # _pyio.open's checks and choices, with the C buffered and text classes.
    if not isinstance(file, int):
        file = _pyio.os.fspath(file)
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
    creating = "x" in modes
    reading = "r" in modes
    writing = "w" in modes
    appending = "a" in modes
    updating = "+" in modes
    text = "t" in modes
    binary = "b" in modes
    if text and binary:
        raise ValueError("can't have text and binary mode at once")
    if creating + reading + writing + appending > 1:
        raise ValueError("must have exactly one of create/read/write/append mode")
    if not (creating or reading or writing or appending):
        raise ValueError("Must have exactly one of create/read/write/append mode and at most one plus")
    if binary and encoding is not None:
        raise ValueError("binary mode doesn't take an encoding argument")
    if binary and errors is not None:
        raise ValueError("binary mode doesn't take an errors argument")
    if binary and newline is not None:
        raise ValueError("binary mode doesn't take a newline argument")
    if binary and buffering == 1:
        import warnings

        warnings.warn(
            "line buffering (buffering=1) isn't supported in binary mode, the default buffer size will be used",
            RuntimeWarning,
            2,
        )
    raw = FileIO(
        file,
        (creating and "x" or "")
        + (reading and "r" or "")
        + (writing and "w" or "")
        + (appending and "a" or "")
        + (updating and "+" or ""),
        closefd,
        opener=opener,
    )
    result = raw
    try:
        line_buffering = False
        if buffering == 1 or buffering < 0 and raw.isatty():
            buffering = -1
            line_buffering = True
        if buffering < 0:
            buffering = max(raw._blksize, io.DEFAULT_BUFFER_SIZE)
        if buffering == 0:
            if binary:
                return result
            raise ValueError("can't have unbuffered text I/O")
        if updating:
            buffer = io.BufferedRandom(raw, buffering)
        elif creating or writing or appending:
            buffer = io.BufferedWriter(raw, buffering)
        else:
            buffer = io.BufferedReader(raw, buffering)
        result = buffer
        if binary:
            return result
        encoding = io.text_encoding(encoding)
        result = io.TextIOWrapper(buffer, encoding, errors, newline, line_buffering)
        result.mode = mode
        return result
    except BaseException:
        result.close()
        raise


def open_code(path):
    if not isinstance(path, str):
        raise TypeError(f"open_code() argument 'path' must be str, not {type(path).__name__}")
    return open(path, "rb")


def install():
    """Makes every way of opening a file go through osbox."""
    for module in (builtins, io, _io):
        module.open = open
    for module in (io, _io):
        module.open_code = open_code
        module.FileIO = FileIO
