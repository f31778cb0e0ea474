"""``osbox.Sandbox``: the policy, the running instance, and the modules
built on it."""

from __future__ import annotations

import fnmatch
import functools
import os as _host_os
import types
from typing import Any, Callable, Iterable, Mapping, Optional, Union

from . import _glob, _io, _os, _pathlib, _shutil, _subprocess, _system, _tempfile
from ._osbox import Core

HostPath = Union[str, "_host_os.PathLike[str]"]
Grants = Union[Mapping[HostPath, str], Iterable[tuple[HostPath, str]], None]


def _grants(grants: Grants, what: str) -> list[tuple[str, str]]:
    if grants is None:
        return []
    pairs = grants.items() if isinstance(grants, Mapping) else grants
    out = []
    for pair in pairs:
        try:
            host, guest = pair
        except (TypeError, ValueError):
            raise TypeError(f"{what}: expected a mapping of host paths to guest paths, got {pair!r}") from None
        out.append((_host_os.fspath(host), _host_os.fspath(guest)))
    return out


def _names(names: Union[str, Iterable[Any]]) -> list[str]:
    if isinstance(names, str):
        return [names]
    return [_host_os.fspath(n) for n in names]


class Sandbox:
    """Python's ``os`` (with ``os.path``, ``shutil``, ``tempfile``,
    ``subprocess``, ``open``, ``pathlib``, ``glob`` and the system parts of
    ``time``, ``platform``, ``sys`` and ``signal``) in a WebAssembly sandbox that
    reaches only what it is granted::

        box = osbox.Sandbox(dirs={"./data": "/data"}, ro_dirs={"./shared": "/shared"},
                            env={"HOME": "/data"}, cwd="/data")
        os, shutil = box.os, box.shutil
        os.makedirs("/data/reports", exist_ok=True)
        shutil.copy2("/shared/template.csv", "/data/reports/")
        with box.open("/data/reports/template.csv") as f:
            rows = list(csv.reader(f))
        os.stat("/etc/passwd")   # FileNotFoundError: nothing else exists

    ``dirs`` grants host directories read-write and ``ro_dirs`` read-only,
    each mapped host path to the path the sandbox sees; ``env`` is the whole
    environment (plus ``inherit_env``, names whose host values pass
    through); ``cwd`` the initial current directory (default: the first
    grant); ``allow_run`` the programs ``subprocess``, ``os.system`` and ``os.popen`` may
    start (names on the host's ``PATH``, paths, or ``name=command.wasm``);
    ``timeout`` a wall-clock limit in seconds, past which the running call
    raises ``TimeoutError`` and the sandbox ends (every later call raises
    ``osbox.SandboxError``); ``memory`` a cap in MiB: a value the sandbox
    cannot hold within it is ``MemoryError``, and the sandbox goes on.

    The sandbox is one instance with one current directory, environment and
    descriptor table, like a process: threads may share it, and calls from
    several threads run one at a time with the GIL released.
    """

    def __init__(
        self,
        dirs: Grants = None,
        ro_dirs: Grants = None,
        env: Optional[Mapping[str, str]] = None,
        inherit_env: Union[str, Iterable[str]] = (),
        cwd: Optional[str] = None,
        allow_run: Union[str, Iterable[Any]] = (),
        timeout: Optional[float] = None,
        memory: Optional[float] = None,
    ) -> None:
        memory_bytes = None if memory is None else int(memory * (1 << 20))
        self._core = Core(
            _grants(dirs, "dirs"),
            _grants(ro_dirs, "ro_dirs"),
            [(str(k), str(v)) for k, v in (env or {}).items()],
            _names(inherit_env),
            None if cwd is None else _host_os.fspath(cwd),
            _names(allow_run),
            None if timeout is None else float(timeout),
            memory_bytes,
        )
        core = self._core
        #: ``subprocess``, for the programs in ``allow_run``.
        self.subprocess = _subprocess.SubprocessModule(core)
        #: ``os``, with ``os.path`` and ``os.environ``.
        self.os = _os.OsModule(core, self.open, self.subprocess.Popen)
        #: ``shutil``.
        self.shutil = _shutil.ShutilModule(core)
        #: ``tempfile``.
        self.tempfile = _tempfile.TempfileModule(core, self.open)
        #: ``time``: the sandbox's clocks.
        self.time = _system.TimeModule(core)
        #: ``platform``.
        self.platform = _system.PlatformModule(core)
        #: ``sys``: ``platform``.
        self.sys = _system.SysModule(core)
        #: ``signal``: the signal numbers.
        self.signal = _system.SignalModule()
        #: ``fnmatch``: the standard library's (it touches no file).
        self.fnmatch: types.ModuleType = fnmatch

    @functools.cached_property
    def glob(self) -> types.ModuleType:
        """``glob``: the running Python's own module, over ``self.os``."""
        return _glob.glob_module(self.os)

    @functools.cached_property
    def Path(self) -> type[_pathlib.SandboxPath]:  # noqa: N802 (pathlib's name)
        """``pathlib.Path`` for this sandbox."""
        return _pathlib.path_class(self.os, self.open)

    def open(
        self,
        file: Any,
        mode: str = "r",
        buffering: int = -1,
        encoding: Optional[str] = None,
        errors: Optional[str] = None,
        newline: Optional[str] = None,
        closefd: bool = True,
        opener: Optional[Callable[[Any, int], int]] = None,
    ) -> Any:
        """The built-in ``open`` in the sandbox: a path there (or a
        descriptor of ``self.os``), modes ``r``, ``w``, ``a``, ``x``, ``b``,
        ``t``, ``+``, and ``encoding``, ``errors``, ``newline``,
        ``buffering``. The objects are ``io``'s buffered and text classes,
        so ``csv``, ``json.load``, iteration and ``with`` take them."""
        return _io.open_file(self._core, file, mode, buffering, encoding, errors, newline, closefd, opener)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Calls any function of the surface by its dotted Python name, as
        the ``osbox exec`` protocol does: ``box.call("os.makedirs", "a/b",
        exist_ok=True)``."""
        return self._core.call(name, args, kwargs)

    @property
    def alive(self) -> bool:
        """False once closed, or ended by its time limit or a trap."""
        return self._core.ended() is None

    def close(self) -> None:
        """Ends the sandbox: its descriptors close and every later call
        raises ``osbox.SandboxError``. The granted directories are untouched."""
        self._core.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self.alive else "ended"
        return f"<osbox.Sandbox {state}>"
