"""``box.subprocess``: the programs a sandbox was granted (``allow_run``),
run with its directories and environment. ``Popen`` is built as CPython's
is: its pipes are ``io``'s buffered and text classes over a raw file whose
calls are the sandbox's pipe calls, and ``run``, ``call``,
``check_call``, ``check_output``, ``getoutput`` and ``getstatusoutput``
are CPython's functions over it. ``CompletedProcess``,
``CalledProcessError`` and ``TimeoutExpired`` are the standard library's."""

from __future__ import annotations

import io
import locale
import os as _host_os
import subprocess as _host_subprocess
import sys
import time
import types
from typing import TYPE_CHECKING, Any, Optional, Union

from ._module import Module
from ._osbox import PopenOptions, SandboxError

if TYPE_CHECKING:
    from ._osbox import Core
    from ._osbox import Popen as NativePopen
    from ._osbox import PopenStream

PIPE = _host_subprocess.PIPE
STDOUT = _host_subprocess.STDOUT
DEVNULL = _host_subprocess.DEVNULL
CompletedProcess = _host_subprocess.CompletedProcess
SubprocessError = _host_subprocess.SubprocessError
CalledProcessError = _host_subprocess.CalledProcessError
TimeoutExpired = _host_subprocess.TimeoutExpired

#: ``signal.SIGTERM`` and ``signal.SIGKILL`` (Linux's numbers, as the
#: sandbox's ``signal`` has them).
SIGTERM, SIGKILL = 15, 9

#: A read of a pipe asks for at most this much (each is one sandbox call).
_CHUNK = 1 << 20


def _text_encoding() -> str:
    """The encoding of text mode without ``encoding``: CPython's default."""
    if sys.flags.utf8_mode:
        return "utf-8"
    getencoding = getattr(locale, "getencoding", None)
    return getencoding() if getencoding else locale.getpreferredencoding(False)


class PipeIO(io.RawIOBase):
    """The raw file under a child's pipe (``io.FileIO`` in CPython):
    ``Popen.stdin``, ``stdout`` and ``stderr`` buffer it. It has no
    descriptor: ``fileno()`` is ``io.UnsupportedOperation``, and another
    child of the same sandbox takes the pipe itself (``stdin=p.stdout``)."""

    def __init__(self, stream: PopenStream, core: Core) -> None:
        self._stream = stream
        self._core = core
        self._writable = stream.writable

    @property
    def mode(self) -> str:
        return "wb" if self._writable else "rb"

    def readable(self) -> bool:
        self._checkClosed()
        return not self._writable

    def writable(self) -> bool:
        self._checkClosed()
        return self._writable

    def readinto(self, b: Any) -> int:
        """One read of the pipe into a writable buffer: the number of bytes
        (0 at the end of the pipe)."""
        self._checkClosed()
        if self._writable:
            raise io.UnsupportedOperation("File not open for reading")
        m = memoryview(b).cast("B")
        data = self._stream.read1(min(len(m), _CHUNK))
        n = len(data)
        m[:n] = data
        return n

    def readall(self) -> bytes:
        """Everything to the end of the pipe."""
        self._checkClosed()
        if self._writable:
            raise io.UnsupportedOperation("File not open for reading")
        return self._stream.readall()

    def write(self, b: Any) -> int:
        """Writes a bytes-like object, all of it: its length."""
        self._checkClosed()
        if not self._writable:
            raise io.UnsupportedOperation("File not open for writing")
        return self._stream.write(bytes(b))

    def close(self) -> None:
        """Closes the sandbox's end of the pipe."""
        if not self.closed:
            try:
                self._stream.close()
            except SandboxError:
                pass  # the sandbox ended: its pipes with it
            finally:
                super().close()

    def __getstate__(self) -> Any:
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")


def _raw_of(f: Any) -> Any:
    """The raw file under a (text or buffered) file object."""
    for attr in ("buffer", "raw"):
        inner = getattr(f, attr, None)
        if inner is not None and isinstance(inner, io.IOBase):
            f = inner
    return f


def _redirect(core: Core, which: str, value: Any) -> Any:
    """``stdin=``, ``stdout=`` or ``stderr=`` as the native options take
    it: ``None``, ``PIPE``, ``STDOUT``, ``DEVNULL``, a descriptor of the
    sandbox, or a pipe of another child."""
    if value is None or isinstance(value, int):
        return value
    from ._io import FileIO  # noqa: PLC0415 (the two modules are siblings)

    raw = _raw_of(value)
    if isinstance(raw, PipeIO):
        if raw._core is not core:
            raise ValueError(f"{which}: a pipe of another sandbox cannot be a child's stream")
        if raw.closed:
            raise ValueError("I/O operation on closed file")
        return raw._stream
    fd = value.fileno()  # AttributeError for what is no file, as in CPython
    if isinstance(raw, FileIO) and raw._core is core:
        return fd
    raise ValueError(f"{which}: only a file of this sandbox (box.open) or a pipe of its children can be a child's stream")


def _argv(args: Any, shell: bool) -> list[str]:
    """The program and its arguments as strings, as CPython's
    ``_execute_child`` makes them (the shell's ``sh -c`` is the sandbox's)."""
    if isinstance(args, (str, bytes)):
        items = [args]
    elif isinstance(args, _host_os.PathLike):
        if shell:
            raise TypeError("path-like args is not allowed when shell is true")
        items = [args]
    else:
        items = list(args)
    if not items:
        raise IndexError("list index out of range")
    return [_host_os.fsdecode(a) for a in items]


def _environment(env: Any) -> Optional[list[tuple[str, str]]]:
    if env is None:
        return None
    out = []
    for k, v in env.items():
        name = _host_os.fsdecode(_host_os.fsencode(k))
        if "=" in name:
            raise ValueError("illegal environment variable name")
        out.append((name, _host_os.fsdecode(_host_os.fsencode(v))))
    return out


def _not_available(name: str, value: Any, default: Any) -> None:
    if value is not default and value != default:
        raise NotImplementedError(f"{name} is not available in osbox")


class Popen:
    """``subprocess.Popen`` in the sandbox: a granted program with the
    sandbox's directories and environment. Takes CPython's arguments:
    ``args`` (a list, or a string: the program, or with ``shell=True`` the
    command line for the granted ``sh``), ``stdin``/``stdout``/``stderr``
    (``None``, ``PIPE``, ``DEVNULL``, ``STDOUT``, a descriptor or file of
    the sandbox, another child's pipe), ``bufsize``, ``cwd`` (a sandbox
    path), ``env`` (the whole environment), ``text``/``universal_newlines``/
    ``encoding``/``errors``. ``close_fds``, ``restore_signals``,
    ``start_new_session``, ``process_group`` and ``pipesize`` change
    nothing; ``executable``, ``preexec_fn``, ``pass_fds``, ``user``,
    ``group``, ``extra_groups`` and ``umask`` are ``NotImplementedError``."""

    #: The sandbox of this module's class (``box.subprocess.Popen``).
    _core: Core

    __class_getitem__ = classmethod(types.GenericAlias)  # type: ignore[var-annotated]

    def __init__(
        self,
        args: Any,
        bufsize: int = -1,
        executable: Any = None,
        stdin: Any = None,
        stdout: Any = None,
        stderr: Any = None,
        preexec_fn: Any = None,
        close_fds: bool = True,
        shell: bool = False,
        cwd: Any = None,
        env: Any = None,
        universal_newlines: Optional[bool] = None,
        startupinfo: Any = None,
        creationflags: int = 0,
        restore_signals: bool = True,
        start_new_session: bool = False,
        pass_fds: Any = (),
        *,
        user: Any = None,
        group: Any = None,
        extra_groups: Any = None,
        encoding: Optional[str] = None,
        errors: Optional[str] = None,
        text: Optional[bool] = None,
        umask: int = -1,
        pipesize: int = -1,
        process_group: Optional[int] = None,
    ) -> None:
        self._native: Optional[NativePopen] = None
        self.returncode: Optional[int] = None
        self._communication_started = False
        self.stdin: Any = None
        self.stdout: Any = None
        self.stderr: Any = None
        self.args = args
        if bufsize is None:
            bufsize = -1
        if not isinstance(bufsize, int):
            raise TypeError("bufsize must be an integer")
        if startupinfo is not None:
            raise ValueError("startupinfo is only supported on Windows platforms")
        if creationflags != 0:
            raise ValueError("creationflags is only supported on Windows platforms")
        for name, value, default in (
            ("executable", executable, None),
            ("preexec_fn", preexec_fn, None),
            ("user", user, None),
            ("group", group, None),
            ("extra_groups", extra_groups, None),
            ("umask", umask, -1),
        ):
            _not_available(name, value, default)
        if pass_fds:
            raise NotImplementedError("pass_fds is not available in osbox")
        if text is not None and universal_newlines is not None and bool(universal_newlines) != bool(text):
            raise SubprocessError(
                "Cannot disambiguate when both text and universal_newlines are supplied but different. "
                "Pass one or the other."
            )
        self.text_mode = encoding or errors or text or universal_newlines
        if self.text_mode and encoding is None:
            encoding = _text_encoding()
        self.encoding = encoding
        self.errors = errors
        self.pipesize = pipesize
        line_buffering = False
        if self.text_mode and bufsize == 1:
            line_buffering = True
            bufsize = -1
        core = self._core
        options = PopenOptions(
            _redirect(core, "stdin", stdin),
            _redirect(core, "stdout", stdout),
            _redirect(core, "stderr", stderr),
            bool(shell),
            cwd,
            _environment(env),
        )
        native = core.popen(_argv(args, bool(shell)), options)
        self._native = native
        self.pid: int = native.pid
        p2c, c2p, err = native.streams()
        if p2c is not None:
            self.stdin = self._file(p2c, bufsize)
            if self.text_mode:
                self.stdin = io.TextIOWrapper(
                    self.stdin, write_through=True, line_buffering=line_buffering, encoding=encoding, errors=errors
                )
        if c2p is not None:
            self.stdout = self._file(c2p, bufsize)
            if self.text_mode:
                self.stdout = io.TextIOWrapper(self.stdout, encoding=encoding, errors=errors)
        if err is not None:
            self.stderr = self._file(err, bufsize)
            if self.text_mode:
                self.stderr = io.TextIOWrapper(self.stderr, encoding=encoding, errors=errors)

    def _file(self, stream: PopenStream, bufsize: int) -> Any:
        """``io.open(fd, 'wb' or 'rb', bufsize)`` on a pipe."""
        raw = PipeIO(stream, self._core)
        if bufsize == 0:
            return raw
        size = io.DEFAULT_BUFFER_SIZE if bufsize < 0 or bufsize == 1 else bufsize
        if bufsize == 1:
            import warnings  # noqa: PLC0415

            warnings.warn(
                "line buffering (buffering=1) isn't supported in binary mode, the default buffer size will be used",
                RuntimeWarning,
                3,
            )
        return io.BufferedWriter(raw, size) if stream.writable else io.BufferedReader(raw, size)

    def __repr__(self) -> str:
        obj_repr = f"<{self.__class__.__name__}: returncode: {self.returncode} args: {self.args!r}>"
        if len(obj_repr) > 80:
            obj_repr = obj_repr[:76] + "...>"
        return obj_repr

    @property
    def universal_newlines(self) -> Any:
        """``text_mode``, under its old name."""
        return self.text_mode

    @universal_newlines.setter
    def universal_newlines(self, universal_newlines: Any) -> None:
        self.text_mode = bool(universal_newlines)

    def __enter__(self) -> Popen:
        return self

    def __exit__(self, exc_type: Any, value: Any, traceback: Any) -> None:
        if self.stdout:
            self.stdout.close()
        if self.stderr:
            self.stderr.close()
        try:
            if self.stdin:
                self.stdin.close()
        finally:
            if exc_type is not KeyboardInterrupt:
                self.wait()

    def _the_native(self) -> NativePopen:
        assert self._native is not None
        return self._native

    def _remaining_time(self, endtime: Optional[float]) -> Optional[float]:
        return None if endtime is None else endtime - time.monotonic()

    def _stdin_write(self, input: Any) -> None:  # noqa: A002 (CPython's name)
        if input:
            try:
                self.stdin.write(input)
            except BrokenPipeError:
                pass  # the child closed its end
        try:
            self.stdin.close()
        except BrokenPipeError:
            pass

    def communicate(self, input: Any = None, timeout: Optional[float] = None) -> tuple[Any, Any]:  # noqa: A002
        """Sends ``input`` (if ``stdin`` is a pipe), reads the output pipes
        to their end and waits for the child: ``(stdout, stderr)``, each
        ``None`` unless it is a pipe. Past ``timeout``,
        ``TimeoutExpired``; the child goes on, and a later ``communicate``
        gets the rest."""
        if self._communication_started and input:
            raise ValueError("Cannot send input after starting communication")
        if timeout is None and not self._communication_started and [self.stdin, self.stdout, self.stderr].count(None) >= 2:
            stdout = stderr = None
            if self.stdin:
                self._stdin_write(input)
            elif self.stdout:
                stdout = self.stdout.read()
                self.stdout.close()
            elif self.stderr:
                stderr = self.stderr.read()
                self.stderr.close()
            self.wait()
            return stdout, stderr
        endtime = None if timeout is None else time.monotonic() + timeout
        try:
            stdout, stderr = self._communicate(input, endtime, timeout)
        finally:
            self._communication_started = True
        self.wait(timeout=self._remaining_time(endtime))
        return stdout, stderr

    def _communicate(self, input: Any, endtime: Optional[float], orig_timeout: Optional[float]) -> tuple[Any, Any]:  # noqa: A002
        if self.stdin and not self._communication_started:
            try:
                self.stdin.flush()
            except BrokenPipeError:
                pass
            if not input:
                try:
                    self.stdin.close()
                except BrokenPipeError:
                    pass
        data = None
        if self.stdin and not self.stdin.closed and input:
            data = input.encode(self.stdin.encoding, self.stdin.errors) if self.text_mode else bytes(memoryview(input))
        try:
            stdout, stderr = self._the_native().communicate(data, self._remaining_time(endtime))
        except TimeoutExpired:
            raise TimeoutExpired(self.args, orig_timeout) from None
        for f in (self.stdin, self.stdout, self.stderr):
            if f:
                f.close()
        if self.text_mode:
            if stdout is not None:
                stdout = _translate_newlines(stdout, self.stdout.encoding, self.stdout.errors)
            if stderr is not None:
                stderr = _translate_newlines(stderr, self.stderr.encoding, self.stderr.errors)
        return stdout, stderr

    def poll(self) -> Optional[int]:
        """The return code if the child has ended, else ``None``."""
        if self.returncode is None:
            self.returncode = self._the_native().poll()
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        """Waits for the child: its return code (minus the signal that
        ended it), or ``TimeoutExpired`` past ``timeout``."""
        if self.returncode is not None:
            return self.returncode
        try:
            self.returncode = self._the_native().wait(timeout)
        except TimeoutExpired:
            raise TimeoutExpired(self.args, timeout) from None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        """Sends ``sig`` to the child (nothing once it has ended)."""
        self.poll()
        if self.returncode is not None:
            return
        self._the_native().send_signal(sig)

    def terminate(self) -> None:
        """``send_signal(SIGTERM)``."""
        self.send_signal(SIGTERM)

    def kill(self) -> None:
        """``send_signal(SIGKILL)``."""
        self.send_signal(SIGKILL)


def _translate_newlines(data: bytes, encoding: str, errors: Optional[str]) -> str:
    text = data.decode(encoding, errors or "strict")
    return text.replace("\r\n", "\n").replace("\r", "\n")


class SubprocessModule(Module):
    """``subprocess`` for the sandbox. A program that was not granted raises
    ``PermissionError``; ``os.system``, ``os.popen`` and ``shell=True`` need
    ``sh`` granted. Output that is not captured is discarded."""

    _name = "subprocess"

    PIPE = PIPE
    STDOUT = STDOUT
    DEVNULL = DEVNULL
    CompletedProcess = CompletedProcess
    SubprocessError = SubprocessError
    CalledProcessError = CalledProcessError
    TimeoutExpired = TimeoutExpired

    def __init__(self, core: Core) -> None:
        self._core = core
        #: ``subprocess.Popen`` for this sandbox's children.
        self.Popen: type[Popen] = type("Popen", (Popen,), {"_core": core})

    def run(
        self,
        *popenargs: Any,
        input: Union[str, bytes, None] = None,  # noqa: A002 (CPython's name)
        capture_output: bool = False,
        timeout: Optional[float] = None,
        check: bool = False,
        **kwargs: Any,
    ) -> CompletedProcess[Any]:
        """Runs a granted program and waits for it: ``CompletedProcess``,
        or with ``check`` ``CalledProcessError`` unless it exits 0. Takes
        ``Popen``'s arguments, ``input``, ``capture_output`` and
        ``timeout`` (past it, the child is killed and ``TimeoutExpired``
        raised)."""
        if input is not None:
            if kwargs.get("stdin") is not None:
                raise ValueError("stdin and input arguments may not both be used.")
            kwargs["stdin"] = PIPE
        if capture_output:
            if kwargs.get("stdout") is not None or kwargs.get("stderr") is not None:
                raise ValueError("stdout and stderr arguments may not be used with capture_output.")
            kwargs["stdout"] = PIPE
            kwargs["stderr"] = PIPE
        with self.Popen(*popenargs, **kwargs) as process:
            try:
                stdout, stderr = process.communicate(input, timeout=timeout)
            except TimeoutExpired:
                process.kill()
                process.wait()
                raise
            except BaseException:
                process.kill()
                raise
            retcode = process.poll()
            if check and retcode:
                raise CalledProcessError(retcode, process.args, output=stdout, stderr=stderr)
        return CompletedProcess(process.args, retcode, stdout, stderr)

    def call(self, *popenargs: Any, timeout: Optional[float] = None, **kwargs: Any) -> int:
        """Runs a granted program; its return code."""
        with self.Popen(*popenargs, **kwargs) as p:
            try:
                return p.wait(timeout=timeout)
            except BaseException:
                p.kill()
                raise

    def check_call(self, *popenargs: Any, **kwargs: Any) -> int:
        """Runs a granted program; ``CalledProcessError`` unless it exits 0."""
        retcode = self.call(*popenargs, **kwargs)
        if retcode:
            cmd = kwargs.get("args")
            if cmd is None:
                cmd = popenargs[0]
            raise CalledProcessError(retcode, cmd)
        return 0

    def check_output(self, *popenargs: Any, timeout: Optional[float] = None, **kwargs: Any) -> Any:
        """Runs a granted program; its standard output, or
        ``CalledProcessError`` (with the output) unless it exits 0."""
        for kw in ("stdout", "check"):
            if kw in kwargs:
                raise ValueError(f"{kw} argument not allowed, it will be overridden.")
        if "input" in kwargs and kwargs["input"] is None:
            text = kwargs.get("universal_newlines") or kwargs.get("text") or kwargs.get("encoding") or kwargs.get("errors")
            kwargs["input"] = "" if text else b""
        return self.run(*popenargs, stdout=PIPE, timeout=timeout, check=True, **kwargs).stdout

    def getstatusoutput(self, cmd: Any, *, encoding: Optional[str] = None, errors: Optional[str] = None) -> tuple[int, str]:
        """``(exit code, output)`` of ``sh -c cmd`` with standard error merged
        and the last newline removed (``sh`` must be granted)."""
        try:
            data = self.check_output(cmd, shell=True, text=True, stderr=STDOUT, encoding=encoding, errors=errors)
            exitcode = 0
        except CalledProcessError as ex:
            data = ex.output
            exitcode = ex.returncode
        if data[-1:] == "\n":
            data = data[:-1]
        return exitcode, data

    def getoutput(self, cmd: Any, *, encoding: Optional[str] = None, errors: Optional[str] = None) -> str:
        """The output of ``sh -c cmd``, as ``getstatusoutput`` gives it."""
        return self.getstatusoutput(cmd, encoding=encoding, errors=errors)[1]


class WrapClose:
    """``os.popen``'s answer (CPython's ``os._wrap_close``): the pipe's
    file object, whose ``close`` waits for the command and gives ``None``
    for exit 0, else the wait status."""

    def __init__(self, stream: Any, proc: Popen) -> None:
        self._stream = stream
        self._proc = proc

    def close(self) -> Optional[int]:
        self._stream.close()
        returncode = self._proc.wait()
        if returncode == 0:
            return None
        return returncode << 8  # CPython's: the old wait status

    def __enter__(self) -> WrapClose:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __iter__(self) -> Any:
        return iter(self._stream)


# The names CPython's classes have.
PipeIO.__name__ = PipeIO.__qualname__ = "FileIO"
WrapClose.__name__ = WrapClose.__qualname__ = "_wrap_close"


def os_popen(popen: type[Popen], cmd: Any, mode: str = "r", buffering: int = -1) -> WrapClose:
    """``os.popen(cmd, mode, buffering)`` as CPython's: ``sh -c cmd`` with
    a text pipe to its standard output (``"r"``) or input (``"w"``)."""
    if not isinstance(cmd, str):
        raise TypeError("invalid cmd type (%s, expected string)" % type(cmd))
    if mode not in ("r", "w"):
        raise ValueError("invalid mode %r" % mode)
    if buffering == 0 or buffering is None:
        raise ValueError("popen() does not support unbuffered streams")
    if mode == "r":
        proc = popen(cmd, shell=True, text=True, stdout=PIPE, bufsize=buffering)
        return WrapClose(proc.stdout, proc)
    proc = popen(cmd, shell=True, text=True, stdin=PIPE, bufsize=buffering)
    return WrapClose(proc.stdin, proc)
