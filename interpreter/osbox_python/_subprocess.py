"""`subprocess.Popen` on osbox's process policy: a program runs only if
the sandbox was granted it (`--allow-run`), else `PermissionError`.

`Popen` is osbox's `popen` resource under CPython's own file objects: its
pipes are `io.BufferedReader`/`io.BufferedWriter` (and `io.TextIOWrapper`
in text mode) over osbox's pipes, and `communicate`, `wait`, `poll` and
the signals are osbox's, which does what CPython's POSIX `Popen` does.
The rest of `subprocess` (`run`, `call`, `check_call`, `check_output`,
`getoutput`, `getstatusoutput`) and `os.popen` are the standard library's,
over this `Popen`. A child that inherits its standard streams shares this
interpreter's (the host's).
"""

import io
import os
import subprocess

from componentize_py_types import Err
from wit_world.imports import subprocess as process

from ._errors import call as osbox_call
from ._errors import exception
from ._posix import _path

# Popen's arguments osbox cannot honour: any value but CPython's default
# raises NotImplementedError.
_UNAVAILABLE = {
    "executable": None, "preexec_fn": None, "startupinfo": None, "creationflags": 0, "user": None,
    "group": None, "extra_groups": None, "umask": -1,
}


def _text(a):
    if isinstance(a, (str, bytes)) or hasattr(a, "__fspath__"):
        return os.fsdecode(a)
    raise TypeError(f"expected str, bytes or os.PathLike object, not {type(a).__name__}")


def _command(args):
    if isinstance(args, (str, bytes)) or hasattr(args, "__fspath__"):
        return process.Command_Text(_text(args))
    return process.Command_List([_text(a) for a in args])


def _seconds(t):
    if t is None:
        return None
    if isinstance(t, int):
        return process.Seconds_Int(t)
    return process.Seconds_Float(float(t))


class _PipeIO(io.RawIOBase):
    """The raw file over one of osbox's pipes (bytes)."""

    def __init__(self, pipe, writable):
        self._pipe = pipe
        self._writable = writable

    def readable(self):
        return not self._writable

    def writable(self):
        return self._writable

    def readinto(self, b):
        data = osbox_call(self._pipe.read1, len(b)).value
        b[: len(data)] = data
        return len(data)

    def write(self, b):
        return osbox_call(self._pipe.write, process.Data_Bytes(bytes(b)))

    def close(self):
        if not self.closed:
            self._pipe.close()
        super().close()


def _redirect(v):
    """`stdin`, `stdout` or `stderr` as osbox's `redirect`."""
    if v is None:
        return process.Redirect_Inherit()
    if v == subprocess.PIPE:
        return process.Redirect_Pipe()
    if v == subprocess.DEVNULL:
        return process.Redirect_Devnull()
    if v == subprocess.STDOUT:
        return process.Redirect_Stdout()
    if isinstance(v, int):
        return process.Redirect_Fd(v)
    raw = v
    while raw is not None and not isinstance(raw, _PipeIO):
        raw = getattr(raw, "buffer", None) or getattr(raw, "raw", None)
    if raw is not None:
        return process.Redirect_Stream(raw._pipe)
    return process.Redirect_Fd(v.fileno())


class Popen:
    """`subprocess.Popen`, with CPython's signature."""

    def __init__(self, args, bufsize=-1, executable=None, stdin=None, stdout=None, stderr=None,
                 preexec_fn=None, close_fds=True, shell=False, cwd=None, env=None,
                 universal_newlines=None, startupinfo=None, creationflags=0, restore_signals=True,
                 start_new_session=False, pass_fds=(), *, user=None, group=None, extra_groups=None,
                 encoding=None, errors=None, text=None, umask=-1, pipesize=-1, process_group=None):
        given = dict(executable=executable, preexec_fn=preexec_fn, startupinfo=startupinfo,
                     creationflags=creationflags, user=user, group=group, extra_groups=extra_groups, umask=umask)
        for name, value in given.items():
            if value != _UNAVAILABLE[name]:
                raise NotImplementedError(f"{name} is not available in osbox")
        if pass_fds:
            raise NotImplementedError("pass_fds is not available in osbox")
        if universal_newlines is not None and text is not None and bool(universal_newlines) != bool(text):
            raise subprocess.SubprocessError("Cannot disambiguate when both text and universal_newlines are supplied "
                                             "but different. Pass one or the other.")
        self.args = args
        self.returncode = None
        self.encoding, self.errors = encoding, errors
        self.text_mode = bool(encoding or errors or text or universal_newlines)
        self._communication_started = False
        if env is not None:
            env = [(_text(k), _text(v)) for k, v in env.items()]
        options = process.PopenOptions(
            stdin=_redirect(stdin), stdout=_redirect(stdout), stderr=_redirect(stderr), shell=bool(shell),
            cwd=None if cwd is None else _path("chdir", cwd), env=env, text=False, encoding=None, errors=None,
        )
        self._popen = osbox_call(process.Popen.start, _command(args), options)
        self.pid = self._popen.pid()
        if bufsize == 1 and not self.text_mode:
            bufsize = -1
        size = io.DEFAULT_BUFFER_SIZE if bufsize < 0 else bufsize
        self.stdin = self._file(self._popen.stdin(), True, bufsize, size)
        self.stdout = self._file(self._popen.stdout(), False, bufsize, size)
        self.stderr = self._file(self._popen.stderr(), False, bufsize, size)

    def _file(self, pipe, writable, bufsize, size):
        """The file object CPython's Popen makes of a pipe."""
        if pipe is None:
            return None
        f = _PipeIO(pipe, writable)
        if bufsize != 0:
            f = io.BufferedWriter(f, size) if writable else io.BufferedReader(f, size)
        if self.text_mode:
            if writable:
                f = io.TextIOWrapper(f, write_through=True, line_buffering=bufsize == 1, encoding=self.encoding,
                                     errors=self.errors)
            else:
                f = io.TextIOWrapper(f, encoding=self.encoding, errors=self.errors)
        return f

    def __repr__(self):
        return f"<{self.__class__.__name__}: returncode: {self.returncode} args: {self.args!r}>"

    def __enter__(self):
        return self

    def __exit__(self, exc_type, value, traceback):
        if self.stdout:
            self.stdout.close()
        if self.stderr:
            self.stderr.close()
        try:
            if self.stdin:
                self.stdin.close()
        finally:
            self.wait()

    def _raise(self, err, timeout):
        if err.value.kind.name == "TIMEOUT_EXPIRED":
            raise subprocess.TimeoutExpired(self.args, timeout)
        raise exception(err.value)

    def poll(self):
        if self.returncode is None:
            self.returncode = osbox_call(self._popen.poll)
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is not None:
            return self.returncode
        try:
            self.returncode = self._popen.wait(_seconds(timeout))
            return self.returncode
        except Err as err:
            error = err
        self._raise(error, timeout)

    def communicate(self, input=None, timeout=None):
        if self._communication_started and input:
            raise ValueError("Cannot send input after starting communication")
        if self.stdin and not self.stdin.closed:
            try:
                self.stdin.flush()
            except BrokenPipeError:
                pass
        data = None
        if input is not None and self.stdin:
            data = process.Data_Bytes(input.encode(self.stdin.encoding, self.stdin.errors) if self.text_mode
                                      else bytes(memoryview(input)))
        try:
            out, err = self._popen.communicate(data, _seconds(timeout))
        except Err as e:
            error = e
        else:
            error = None
        finally:
            self._communication_started = True
        if error is not None:
            self._raise(error, timeout)
        self.returncode = self._popen.returncode()
        # osbox closed its ends of the pipes, as CPython's communicate does.
        for f in (self.stdin, self.stdout, self.stderr):
            if f is not None:
                try:
                    f.close()
                except (OSError, ValueError):
                    pass
        return self._shown(out, self.stdout), self._shown(err, self.stderr)

    def _shown(self, data, f):
        if data is None:
            return None
        data = bytes(data.value)
        if self.text_mode:
            data = data.decode(f.encoding, f.errors).replace("\r\n", "\n").replace("\r", "\n")
        return data

    def send_signal(self, sig):
        self.poll()
        if self.returncode is None:
            osbox_call(self._popen.send_signal, int(sig))

    def terminate(self):
        self.send_signal(15)  # SIGTERM

    def kill(self):
        self.send_signal(9)  # SIGKILL


def system(command):
    """`os.system`: `sh -c command`; the wait status."""
    if not isinstance(command, (str, bytes)) and not hasattr(command, "__fspath__"):
        raise TypeError(f"system() argument 'command' must be str, not {type(command).__name__}")
    return osbox_call(process.system, os.fsdecode(command))


def install():
    subprocess.Popen = Popen
