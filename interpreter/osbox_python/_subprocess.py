"""`os.system` and `subprocess.run`, `call`, `check_call` and
`check_output` on osbox's process policy: a program runs only if the
sandbox was granted it (`--allow-run`), else `PermissionError`.

osbox runs the child and hands its output back; output the caller did not
capture is written to this interpreter's own standard streams once the
child ends, so a script sees on its terminal what it would natively.
`subprocess.Popen` is CPython-on-WASI's: it raises OSError.
"""

import os
import subprocess

from wit_world.imports import subprocess as process

from ._errors import call as osbox_call
from ._posix import _path

_PASSED = ("close_fds", "bufsize", "restore_signals")
_HANDLED = ("stdin", "stdout", "stderr", "shell", "cwd", "env", "text", "universal_newlines", "encoding", "errors")


def _argv(args, shell):
    if isinstance(args, (str, bytes)) or hasattr(args, "__fspath__"):
        args = [args]
    else:
        args = list(args)
    argv = [os.fsdecode(a) if isinstance(a, bytes) or hasattr(a, "__fspath__") else a for a in args]
    for a in argv:
        if not isinstance(a, str):
            raise TypeError(f"expected str, bytes or os.PathLike object, not {type(a).__name__}")
    return ["sh", "-c"] + argv if shell else argv


def _streams(stdout, stderr):
    """osbox's capture settings, and what to do with each stream after."""
    kinds = {None: "show", subprocess.PIPE: "keep", subprocess.DEVNULL: "drop"}
    if stdout not in kinds:
        raise TypeError("stdout must be None, subprocess.PIPE or subprocess.DEVNULL in osbox")
    out = kinds[stdout]
    if stderr == subprocess.STDOUT:
        return process.Output.CAPTURE, process.Output.INTO_STDOUT, out, "none"
    if stderr not in kinds:
        raise TypeError("stderr must be None, subprocess.PIPE, subprocess.STDOUT or subprocess.DEVNULL in osbox")
    return process.Output.CAPTURE, process.Output.CAPTURE, out, kinds[stderr]


def _show(fd, data):
    """Writes a child's output straight to descriptor `fd`, past the
    buffer of `sys.stdout`, as a child sharing the descriptor would."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def run(*popenargs, input=None, capture_output=False, timeout=None, check=False, **kwargs):
    if popenargs:
        args = popenargs[0]
        if len(popenargs) > 1:
            raise TypeError("osbox's subprocess.run takes its options as keywords")
    elif "args" in kwargs:
        args = kwargs.pop("args")
    else:
        raise TypeError("run() missing 1 required positional argument: 'args'")
    for k in kwargs:
        if k not in _HANDLED and k not in _PASSED:
            raise TypeError(f"__init__() got an unexpected keyword argument '{k}'")
    if input is not None and kwargs.get("stdin") is not None:
        raise ValueError("stdin and input arguments may not both be used.")
    if kwargs.get("stdin") not in (None, subprocess.DEVNULL):
        raise TypeError("stdin must be None or subprocess.DEVNULL in osbox; pass data as input=")
    stdout, stderr = kwargs.get("stdout"), kwargs.get("stderr")
    if capture_output:
        if stdout is not None or stderr is not None:
            raise ValueError("stdout and stderr arguments may not be used with capture_output.")
        stdout = stderr = subprocess.PIPE
    text = bool(kwargs.get("text") or kwargs.get("universal_newlines") or kwargs.get("encoding") or kwargs.get("errors"))
    encoding, errors = kwargs.get("encoding") or "utf-8", kwargs.get("errors") or "strict"
    argv = _argv(args, kwargs.get("shell", False))
    cwd = kwargs.get("cwd")
    cwd = None if cwd is None else _path("chdir", cwd)
    env = kwargs.get("env")
    if env is not None:
        env = [(os.fsdecode(k), os.fsdecode(v)) for k, v in env.items()]
    if input is not None and text:
        input = input.encode(encoding, errors)
    elif input is not None:
        input = bytes(memoryview(input))
    out_mode, err_mode, out_to, err_to = _streams(stdout, stderr)
    if timeout is not None:
        timeout = float(timeout)
    done = osbox_call(process.run, argv, cwd, env, input, out_mode, err_mode, timeout)
    out = bytes(done.stdout or b"")
    err = bytes(done.stderr or b"")
    if out_to == "show":
        _show(1, out)
    if err_to == "show":
        _show(2, err)

    def result(data, to):
        if to != "keep":
            return None
        if text:
            return data.decode(encoding, errors).replace("\r\n", "\n").replace("\r", "\n")
        return data

    stdout_value, stderr_value = result(out, out_to), result(err, err_to)
    if done.timed_out:
        raise subprocess.TimeoutExpired(args, timeout, output=stdout_value, stderr=stderr_value)
    completed = subprocess.CompletedProcess(args, done.returncode, stdout_value, stderr_value)
    if check and done.returncode:
        raise subprocess.CalledProcessError(done.returncode, args, output=stdout_value, stderr=stderr_value)
    return completed


def call(*popenargs, timeout=None, **kwargs):
    return run(*popenargs, timeout=timeout, **kwargs).returncode


def check_call(*popenargs, **kwargs):
    retcode = call(*popenargs, **kwargs)
    if retcode:
        cmd = kwargs.get("args")
        if cmd is None:
            cmd = popenargs[0]
        raise subprocess.CalledProcessError(retcode, cmd)
    return 0


def check_output(*popenargs, timeout=None, **kwargs):
    for kw in ("stdout", "check"):
        if kw in kwargs:
            raise ValueError(f"{kw} argument not allowed, it will be overridden.")
    if "input" in kwargs and kwargs["input"] is None:
        text = kwargs.get("universal_newlines") or kwargs.get("text") or kwargs.get("encoding") or kwargs.get("errors")
        kwargs["input"] = "" if text else b""
    return run(*popenargs, stdout=subprocess.PIPE, timeout=timeout, check=True, **kwargs).stdout


def system(command):
    """`os.system`: `sh -c command`; the wait status."""
    if not isinstance(command, (str, bytes)) and not hasattr(command, "__fspath__"):
        raise TypeError(f"system() argument 'command' must be str, not {type(command).__name__}")
    code = run(["sh", "-c", os.fsdecode(command)]).returncode
    return code << 8 if code >= 0 else -code


def install():
    for name in ("run", "call", "check_call", "check_output"):
        setattr(subprocess, name, globals()[name])
