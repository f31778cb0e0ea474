"""``box.subprocess``: the programs a sandbox was granted (``allow_run``),
run with its directories and environment. ``CompletedProcess``,
``CalledProcessError`` and ``TimeoutExpired`` are the standard library's."""

from __future__ import annotations

import os as _host_os
import subprocess as _host_subprocess
from typing import TYPE_CHECKING, Any, Optional, Union

from ._module import Module

if TYPE_CHECKING:
    from ._osbox import Core

PIPE = _host_subprocess.PIPE
STDOUT = _host_subprocess.STDOUT
DEVNULL = _host_subprocess.DEVNULL


def _argv(args: Any) -> Any:
    """The command as the protocol takes it: a string, or a list of
    strings (paths and bytes converted)."""
    if isinstance(args, (str, bytes)) or hasattr(args, "__fspath__"):
        return _host_os.fsdecode(args)
    return [_host_os.fsdecode(a) for a in args]


class SubprocessModule(Module):
    """``subprocess`` for the sandbox. A program that was not granted raises
    ``PermissionError``; ``os.system`` and ``shell=True`` need ``sh``
    granted. Output that is not captured is discarded."""

    _name = "subprocess"

    PIPE = PIPE
    STDOUT = STDOUT
    DEVNULL = DEVNULL
    CompletedProcess = _host_subprocess.CompletedProcess
    SubprocessError = _host_subprocess.SubprocessError
    CalledProcessError = _host_subprocess.CalledProcessError
    TimeoutExpired = _host_subprocess.TimeoutExpired

    # Popen: the process API runs each child to its end in one call, so
    # only the functions that wait for it are here.

    def __init__(self, core: Core) -> None:
        self._core = core

    def run(
        self,
        *popenargs: Any,
        input: Union[str, bytes, None] = None,  # noqa: A002 (CPython's name)
        capture_output: bool = False,
        timeout: Optional[float] = None,
        check: bool = False,
        **kwargs: Any,
    ) -> _host_subprocess.CompletedProcess[Any]:
        """Runs a granted program and waits for it: ``CompletedProcess``.
        Takes ``args``, ``input``, ``stdout``/``stderr`` (``None``, ``PIPE``,
        ``STDOUT``, ``DEVNULL``), ``capture_output``, ``shell``, ``cwd``
        (a sandbox path), ``env``, ``timeout``, ``check`` and ``text``/
        ``encoding``/``errors``/``universal_newlines``."""
        if popenargs:
            args, rest = popenargs[0], popenargs[1:]
            if rest:
                raise TypeError("osbox's subprocess takes the Popen options as keywords only")
        elif "args" in kwargs:
            args = kwargs.pop("args")
        else:
            raise TypeError("run() missing 1 required positional argument: 'args'")
        kwargs["input"] = input
        kwargs["capture_output"] = capture_output
        kwargs["timeout"] = timeout
        try:
            done = self._core.call("subprocess.run", (_argv(args),), kwargs)
        except _host_subprocess.TimeoutExpired:
            raise _host_subprocess.TimeoutExpired(args, timeout or 0.0) from None
        done.args = args
        if check and done.returncode:
            raise _host_subprocess.CalledProcessError(done.returncode, args, output=done.stdout, stderr=done.stderr)
        return done

    def call(self, *popenargs: Any, timeout: Optional[float] = None, **kwargs: Any) -> int:
        """Runs a granted program; its return code."""
        return self.run(*popenargs, timeout=timeout, **kwargs).returncode

    def check_call(self, *popenargs: Any, **kwargs: Any) -> int:
        """Runs a granted program; ``CalledProcessError`` unless it exits 0."""
        retcode = self.call(*popenargs, **kwargs)
        if retcode:
            cmd = kwargs.get("args")
            if cmd is None:
                cmd = popenargs[0]
            raise _host_subprocess.CalledProcessError(retcode, cmd)
        return 0

    def check_output(self, *popenargs: Any, timeout: Optional[float] = None, **kwargs: Any) -> Any:
        """Runs a granted program; its standard output, or
        ``CalledProcessError`` (with the output) unless it exits 0."""
        if "stdout" in kwargs:
            raise ValueError("stdout argument not allowed, it will be overridden.")
        if "input" in kwargs and kwargs["input"] is None:
            text = kwargs.get("universal_newlines") or kwargs.get("text") or kwargs.get("encoding") or kwargs.get("errors")
            kwargs["input"] = "" if text else b""
        return self.run(*popenargs, stdout=PIPE, timeout=timeout, check=True, **kwargs).stdout

    def getstatusoutput(self, cmd: str, *, encoding: Optional[str] = None, errors: Optional[str] = None) -> tuple[int, str]:
        """``(exit code, output)`` of ``sh -c cmd`` with standard error merged
        and the last newline removed (``sh`` must be granted)."""
        try:
            data = self.check_output(cmd, shell=True, text=True, stderr=STDOUT, encoding=encoding, errors=errors)
            exitcode = 0
        except _host_subprocess.CalledProcessError as ex:
            data = ex.output
            exitcode = ex.returncode
        if data[-1:] == "\n":
            data = data[:-1]
        return exitcode, data

    def getoutput(self, cmd: str, *, encoding: Optional[str] = None, errors: Optional[str] = None) -> str:
        """The output of ``sh -c cmd``, as ``getstatusoutput`` gives it."""
        return self.getstatusoutput(cmd, encoding=encoding, errors=errors)[1]
