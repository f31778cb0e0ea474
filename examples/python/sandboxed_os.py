"""A sandboxed ``os`` for Python programs: the osbox component loaded with
wasmtime-py (PyPI ``wasmtime``), with the API Python programs already know.

The component sees only the directories it is granted. Its answers and its
errors are CPython's: a missing file raises a real ``FileNotFoundError``
with the same errno, strerror and filename as ``os`` would give.

    from sandboxed_os import Sandbox

    box = Sandbox("osbox.wasm", dirs={"/srv/tenant-a": "/data"})
    os = box.os
    os.makedirs("/data/reports", exist_ok=True)
    for dirpath, dirnames, filenames in os.walk("/data"):
        print(dirpath, dirnames, filenames)
    os.stat("/etc/passwd")          # FileNotFoundError: nothing else exists
    os.path.join("/data", "x")      # '/data/x'
    box.shutil.copytree("/data/a", "/data/b")
    box.subprocess.run(["git", "status"])  # only what the host granted

``osbox.wasm`` is the portable build of the osbox component, written by
``osbox guest --portable -o osbox.wasm``. It imports only WASI, so what
needs the osbox host (chmod, statvfs, disk_usage, spawning programs)
raises ``OSError(ENOSYS)`` here, as CPython on WASI does.
"""

from __future__ import annotations

import os as _host_os
import shutil as _shutil
import subprocess as _subprocess
from typing import Any, Iterator, Mapping, Optional

from wasmtime import Engine, Store, WasiConfig, WasmtimeError
from wasmtime.component import Component, Linker, Record, RecordType, ResultType, Variant

__all__ = ["Sandbox", "SandboxDied", "Popen"]

_PACKAGE = "osbox:os/{}@0.1.0"

# The WIT `exception` cases and the Python classes they stand for.
_OSERRORS = {
    "os-error": OSError,
    "file-not-found-error": FileNotFoundError,
    "file-exists-error": FileExistsError,
    "not-a-directory-error": NotADirectoryError,
    "is-a-directory-error": IsADirectoryError,
    "permission-error": PermissionError,
    "blocking-io-error": BlockingIOError,
    "broken-pipe-error": BrokenPipeError,
    "child-process-error": ChildProcessError,
    "interrupted-error": InterruptedError,
    "process-lookup-error": ProcessLookupError,
    "timeout-error": TimeoutError,
}
_OTHERS = {
    "value-error": ValueError,
    "type-error": TypeError,
    "key-error": KeyError,
    "not-implemented-error": NotImplementedError,
    "memory-error": MemoryError,
    "overflow-error": OverflowError,
    "shutil-error": _shutil.Error,
    "same-file-error": _shutil.SameFileError,
    "recursion-error": RecursionError,
    "special-file-error": _shutil.SpecialFileError,
    "attribute-error": AttributeError,
    "unsupported-operation": __import__("io").UnsupportedOperation,
}


class _CalledProcessError(_subprocess.CalledProcessError):
    """``subprocess.CalledProcessError`` with the sandbox's message."""

    def __init__(self, message: str):
        super().__init__(None, None)
        self._message = message

    def __str__(self) -> str:
        return self._message


class _TimeoutExpired(_subprocess.TimeoutExpired):
    """``subprocess.TimeoutExpired`` with the sandbox's message."""

    def __init__(self, message: str):
        super().__init__(None, None)
        self._message = message

    def __str__(self) -> str:
        return self._message


_OTHERS["called-process-error"] = _CalledProcessError
_OTHERS["timeout-expired"] = _TimeoutExpired


class SandboxDied(RuntimeError):
    """The component trapped (or hit a limit): this sandbox cannot go on."""


def _exception(err: Record) -> BaseException:
    """The Python exception an ``os-error`` record stands for."""
    kind = err.kind
    if kind in _OSERRORS and err.errno is not None:
        args = [err.errno, err.strerror, err.filename]
        if err.filename2 is not None:
            args += [None, err.filename2]
        elif err.filename is None:
            args = args[:2]
        return _OSERRORS[kind](*args)
    cls = _OTHERS.get(kind) or _OSERRORS.get(kind) or OSError
    if cls is KeyError:
        # str(KeyError('X')) is "'X'": the message already has the quotes.
        return KeyError(err.message[1:-1] if err.message.startswith("'") else err.message)
    return cls(err.message)


class _Interface:
    """One exported interface; its functions called by WIT name."""

    def __init__(self, box: "Sandbox", name: str):
        self._box = box
        self._index = box._instance.get_export_index(box._store, _PACKAGE.format(name))
        if self._index is None:
            raise AttributeError(f"the component does not export {name}")
        self._funcs: dict[str, Any] = {}

    def call(self, name: str, *args: Any) -> Any:
        entry = self._funcs.get(name)
        if entry is None:
            box = self._box
            index = box._instance.get_export_index(box._store, name, self._index)
            func = box._instance.get_func(box._store, index) if index is not None else None
            if func is None:
                raise AttributeError(name)
            result = func.type(box._store).result
            # wasmtime-py tags a result only when its cases cannot be told
            # apart by Python type: here, when ok is a record like os-error.
            tagged = isinstance(result, ResultType) and isinstance(result.ok, RecordType)
            entry = self._funcs[name] = (func, isinstance(result, ResultType), tagged)
        func, is_result, tagged = entry
        try:
            ret = func(self._box._store, *args)
        except WasmtimeError as e:
            raise SandboxDied(str(e)) from None
        if not is_result:
            return ret
        if tagged:
            if ret.tag == "err":
                raise _exception(ret.payload)
            return ret.payload
        if isinstance(ret, Record) and hasattr(ret, "errno") and hasattr(ret, "kind"):
            raise _exception(ret)
        return ret


def _stat_result(r: Record) -> _host_os.stat_result:
    ns = [getattr(r, "atime-ns"), getattr(r, "mtime-ns"), getattr(r, "ctime-ns")]
    return _host_os.stat_result(
        (r.mode, r.ino, r.dev, r.nlink, r.uid, r.gid, r.size)
        + tuple(n // 10**9 for n in ns)
        + tuple(n / 1e9 for n in ns)
        + tuple(ns)
    )


class DirEntry:
    """``os.DirEntry`` from ``scandir``."""

    def __init__(self, box: "Sandbox", r: Record):
        self._box, self.name, self.path = box, r.name, r.path
        self._type, self._target = r.type, getattr(r, "target-type")
        self._inode = r.inode

    def inode(self) -> int:
        return self._inode

    def is_symlink(self) -> bool:
        return self._type == "symbolic-link"

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        t = self._target if follow_symlinks and self.is_symlink() else self._type
        return t == "directory"

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        t = self._target if follow_symlinks and self.is_symlink() else self._type
        return t == "regular-file"

    def stat(self, *, follow_symlinks: bool = True) -> _host_os.stat_result:
        return self._box.os.stat(self.path, follow_symlinks=follow_symlinks)

    def __fspath__(self):
        return self.path

    def __repr__(self) -> str:
        return f"<DirEntry {self.name!r}>"


class _Path:
    """``os.path`` in the sandbox."""

    def __init__(self, box: "Sandbox"):
        self._p = _Interface(box, "path")

    def join(self, a, *p):
        return self._p.call("join", a, list(p))

    def realpath(self, path, *, strict: bool = False):
        return self._p.call("realpath", path, strict)

    def relpath(self, path, start=None):
        return self._p.call("relpath", path, start)

    def commonpath(self, paths):
        return self._p.call("commonpath", list(paths))

    def commonprefix(self, paths):
        return self._p.call("commonprefix", list(paths))

    def __getattr__(self, name: str):
        # One-argument functions: basename, dirname, exists, isdir, isfile,
        # islink, getsize, getmtime, abspath, normpath, expanduser, split...
        def call(*args):
            return self._p.call(name, *args)

        call.__name__ = name
        return call


class _Os:
    """The ``os`` functions, with CPython's signatures and exceptions."""

    sep, curdir, pardir, extsep, altsep, pathsep, linesep = "/", ".", "..", ".", None, ":", "\n"
    O_RDONLY, O_WRONLY, O_RDWR = 0, 1, 2
    O_CREAT, O_EXCL, O_TRUNC, O_APPEND = 0o100, 0o200, 0o1000, 0o2000
    F_OK, R_OK, W_OK, X_OK = 0, 4, 2, 1
    SEEK_SET, SEEK_CUR, SEEK_END = 0, 1, 2

    def __init__(self, box: "Sandbox"):
        self._box = box
        self._fs = _Interface(box, "fs")
        self._file = _Interface(box, "file")
        self._env = _Interface(box, "env")
        self.path = _Path(box)

    def getcwd(self) -> str:
        return self._fs.call("getcwd", False)

    def getcwdb(self) -> bytes:
        return self._fs.call("getcwd", True)

    def chdir(self, path) -> None:
        self._fs.call("chdir", path)

    def listdir(self, path=None) -> list:
        return self._fs.call("listdir", path)

    def scandir(self, path=None) -> Iterator[DirEntry]:
        return iter([DirEntry(self._box, r) for r in self._fs.call("scandir", path)])

    def walk(self, top, topdown: bool = True, onerror=None, followlinks: bool = False):
        for item in self._fs.call("walk", top, topdown, followlinks):
            if item.tag == "step":
                s = item.payload
                yield s.dirpath, s.dirnames, s.filenames
            elif item.payload.kind == "recursion-error":
                raise _exception(item.payload)
            elif onerror is not None:
                onerror(_exception(item.payload))

    def stat(self, path, *, follow_symlinks: bool = True) -> _host_os.stat_result:
        return _stat_result(self._fs.call("stat", path, None, follow_symlinks))

    def lstat(self, path) -> _host_os.stat_result:
        return self.stat(path, follow_symlinks=False)

    def mkdir(self, path, mode: int = 0o777) -> None:
        self._fs.call("mkdir", path, mode, None)

    def makedirs(self, name, mode: int = 0o777, exist_ok: bool = False) -> None:
        self._fs.call("makedirs", name, mode, exist_ok)

    def rmdir(self, path) -> None:
        self._fs.call("rmdir", path, None)

    def removedirs(self, name) -> None:
        self._fs.call("removedirs", name)

    def remove(self, path) -> None:
        self._fs.call("remove", path, None)

    unlink = remove

    def rename(self, src, dst) -> None:
        self._fs.call("rename", src, dst, None, None)

    replace = rename

    def renames(self, old, new) -> None:
        self._fs.call("renames", old, new)

    def symlink(self, src, dst) -> None:
        self._fs.call("symlink", src, dst, None)

    def readlink(self, path):
        return self._fs.call("readlink", path, None)

    def link(self, src, dst, *, follow_symlinks: bool = True) -> None:
        self._fs.call("link", src, dst, None, None, follow_symlinks)

    def truncate(self, path, length: int) -> None:
        self._fs.call("truncate", path, length)

    def utime(self, path, times=None, *, ns=None, follow_symlinks: bool = True) -> None:
        if times is not None and ns is not None:
            raise ValueError("utime: you may specify either 'times' or 'ns' but not both")
        if times is not None:
            ns = tuple(int(t * 1e9) for t in times)
        self._fs.call("utime", path, ns, None, follow_symlinks)

    def access(self, path, mode: int, *, follow_symlinks: bool = True) -> bool:
        return self._fs.call("access", path, mode, None, follow_symlinks)

    def chmod(self, path, mode: int, *, follow_symlinks: bool = True) -> None:
        self._fs.call("chmod", path, mode, None, follow_symlinks)

    def open(self, path, flags: int, mode: int = 0o777) -> int:
        return self._file.call("open", path, flags, mode, None)

    def read(self, fd: int, n: int) -> bytes:
        return self._file.call("read", fd, n)

    def write(self, fd: int, data: bytes) -> int:
        return self._file.call("write", fd, bytes(data))

    def lseek(self, fd: int, pos: int, how: int) -> int:
        return self._file.call("lseek", fd, pos, how)

    def fstat(self, fd: int) -> _host_os.stat_result:
        return _stat_result(self._file.call("fstat", fd))

    def fsync(self, fd: int) -> None:
        self._file.call("fsync", fd)

    def close(self, fd: int) -> None:
        self._file.call("close", fd)

    def getenv(self, key: str, default=None):
        value = self._env.call("getenv", key)
        return default if value is None else value

    def putenv(self, key: str, value: str) -> None:
        self._env.call("putenv", key, value)

    @property
    def environ(self) -> dict:
        """A copy of the sandbox's environment."""
        return dict(self._env.call("environ"))

    def strerror(self, code: int) -> str:
        return self._env.call("strerror", code)

    def system(self, command: str) -> int:
        return _Interface(self._box, "subprocess").call("system", command)

    def popen(self, cmd: str, mode: str = "r", buffering: int = -1) -> "_WrapClose":
        sub = _Interface(self._box, "subprocess")
        return _WrapClose(sub, sub.call("os-popen", cmd, mode, buffering))

    def kill(self, pid: int, signal: int) -> None:
        _Interface(self._box, "system").call("kill", pid, signal)


class _Shutil:
    """``shutil`` in the sandbox."""

    def __init__(self, box: "Sandbox"):
        self._s = _Interface(box, "shutil")
        self._fs = _Interface(box, "fs")

    def copyfile(self, src, dst, *, follow_symlinks: bool = True):
        return self._s.call("copyfile", src, dst, follow_symlinks)

    def copy(self, src, dst, *, follow_symlinks: bool = True):
        return self._s.call("copy", src, dst, follow_symlinks)

    def copy2(self, src, dst, *, follow_symlinks: bool = True):
        return self._s.call("copy2", src, dst, follow_symlinks)

    def copytree(self, src, dst, symlinks: bool = False, ignore_patterns=None, copy_function: str = "copy2",
                 ignore_dangling_symlinks: bool = False, dirs_exist_ok: bool = False):
        patterns = None if ignore_patterns is None else list(ignore_patterns)
        return self._s.call("copytree", src, dst, symlinks, patterns, copy_function, ignore_dangling_symlinks,
                            dirs_exist_ok)

    def rmtree(self, path, ignore_errors: bool = False) -> None:
        self._s.call("rmtree", path, ignore_errors)

    def move(self, src, dst, copy_function: str = "copy2"):
        return self._s.call("move-path", src, dst, copy_function)

    def disk_usage(self, path):
        v = self._fs.call("statvfs", path)
        return _shutil._ntuple_diskusage(v.frsize * v.blocks, (v.blocks - v.bfree) * v.frsize, v.frsize * v.bavail)


def _redirect(v: Any) -> Variant:
    """``stdin``/``stdout``/``stderr`` as the WIT ``redirect``."""
    if v is None:
        return Variant("inherit")
    if isinstance(v, _Pipe):
        return Variant("stream", v._handle)
    return {_subprocess.PIPE: Variant("pipe"), _subprocess.DEVNULL: Variant("devnull"),
            _subprocess.STDOUT: Variant("stdout")}.get(v) or Variant("fd", int(v))


def _options(stdin=None, stdout=None, stderr=None, shell=False, cwd=None, env=None, text=None,
             universal_newlines=None, encoding=None, errors=None) -> Record:
    """``Popen``'s keyword arguments as the WIT ``popen-options``."""
    r = Record()
    r.stdin, r.stdout, r.stderr = _redirect(stdin), _redirect(stdout), _redirect(stderr)
    r.shell, r.cwd = bool(shell), cwd
    r.env = None if env is None else list(env.items())
    r.text = bool(text or universal_newlines or encoding or errors)
    r.encoding, r.errors = encoding, errors
    return r


class _Pipe:
    """One of a ``Popen``'s pipes, as the file object Python gives."""

    def __init__(self, sub: _Interface, handle: Any):
        self._sub, self._handle = sub, handle

    def _call(self, method: str, *args: Any) -> Any:
        return self._sub.call(f"[method]pipe.{method}", self._handle, *args)

    def read(self, size: int = -1): return self._call("read", size)
    def read1(self, size: int = -1): return self._call("read1", size)
    def readline(self, size: int = -1): return self._call("readline", size)
    def readlines(self, hint: int = -1): return self._call("readlines", hint)
    def write(self, data) -> int: return self._call("write", data)
    def flush(self) -> None: self._call("flush")
    def close(self) -> None: self._call("close")

    @property
    def closed(self) -> bool:
        return self._call("closed")


class Popen:
    """``subprocess.Popen`` in the sandbox (``box.subprocess.Popen``): only
    programs the host granted run; without the osbox host (the portable
    build) starting one raises ``OSError`` ENOSYS."""

    def __init__(self, box: "Sandbox", args, **options: Any):
        self._sub = _Interface(box, "subprocess")
        self._handle = self._sub.call("[static]popen.start", args, _options(**options))
        self.args = args
        self.pid = self._call("pid")
        self.stdin, self.stdout, self.stderr = (
            None if h is None else _Pipe(self._sub, h) for h in (self._call(n) for n in ("stdin", "stdout", "stderr")))

    def _call(self, method: str, *args: Any) -> Any:
        return self._sub.call(f"[method]popen.{method}", self._handle, *args)

    @property
    def returncode(self) -> Optional[int]:
        return self._call("returncode")

    def poll(self): return self._call("poll")
    def wait(self, timeout=None): return self._call("wait", timeout)
    def communicate(self, input=None, timeout=None): return tuple(self._call("communicate", input, timeout))
    def send_signal(self, sig: int) -> None: self._call("send-signal", sig)
    def terminate(self) -> None: self._call("terminate")
    def kill(self) -> None: self._call("kill")


class _WrapClose:
    """What ``os.popen`` gives: a pipe whose ``close`` waits for the command."""

    def __init__(self, sub: _Interface, handle: Any):
        self._sub, self._handle = sub, handle
        self._stream = _Pipe(sub, sub.call("[method]wrap-close.stream", handle))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def close(self) -> Optional[int]:
        return self._sub.call("[method]wrap-close.close", self._handle)


class _Subprocess:
    """``subprocess`` in the sandbox."""

    PIPE, STDOUT, DEVNULL = _subprocess.PIPE, _subprocess.STDOUT, _subprocess.DEVNULL
    CalledProcessError, TimeoutExpired = _subprocess.CalledProcessError, _subprocess.TimeoutExpired

    def __init__(self, box: "Sandbox"):
        self._box = box
        self._s = _Interface(box, "subprocess")

    def Popen(self, args, **options: Any) -> Popen:  # noqa: N802 (Python's name)
        return Popen(self._box, args, **options)

    def run(self, args, *, input=None, capture_output: bool = False, timeout=None, check: bool = False,
            **options: Any) -> _subprocess.CompletedProcess:
        done = self._s.call("run", args, _options(**options), input, capture_output, timeout, check)
        return _subprocess.CompletedProcess(args, done.returncode, done.stdout, done.stderr)

    def call(self, args, *, timeout=None, **options: Any) -> int:
        return self._s.call("call", args, _options(**options), timeout)

    def check_call(self, args, *, timeout=None, **options: Any) -> int:
        return self._s.call("check-call", args, _options(**options), timeout)

    def check_output(self, args, *, input=None, timeout=None, **options: Any):
        return self._s.call("check-output", args, _options(**options), input, timeout)

    def getstatusoutput(self, cmd: str, *, encoding=None, errors=None):
        return tuple(self._s.call("getstatusoutput", cmd, encoding, errors))

    def getoutput(self, cmd: str, *, encoding=None, errors=None) -> str:
        return self._s.call("getoutput", cmd, encoding, errors)


_ENGINE: Optional[Engine] = None
_COMPILED: dict = {}


def _compiled(engine: Engine, component: str) -> Component:
    """The component compiled once per engine and file."""
    key = (id(engine), _host_os.path.abspath(component))
    if key not in _COMPILED:
        _COMPILED[key] = Component.from_file(engine, component)
    return _COMPILED[key]


class Sandbox:
    """One instance of the osbox component, granted ``dirs`` (host path ->
    guest path; ``read_only`` lists guest paths granted read-only) and
    ``env``. Nothing else of the host exists for it."""

    def __init__(self, component: str, dirs: Mapping[str, str], env: Optional[Mapping[str, str]] = None,
                 read_only: tuple = (), cwd: Optional[str] = None, engine: Optional[Engine] = None):
        global _ENGINE
        if engine is None:
            _ENGINE = engine = _ENGINE or Engine()
        self._engine = engine
        self._component = _compiled(engine, component)
        linker = Linker(self._engine)
        linker.add_wasip2()
        self._store = Store(self._engine)
        wasi = WasiConfig()
        for host, guest in dirs.items():
            wasi.preopen_dir(str(host), guest, guest not in read_only)
        wasi.env = list((env or {}).items())
        wasi.argv = ["osbox"]
        self._store.set_wasi(wasi)
        self._instance = linker.instantiate(self._store, self._component)
        self.os = _Os(self)
        self.shutil = _Shutil(self)
        self.subprocess = _Subprocess(self)
        if cwd is not None:
            self.os.chdir(cwd)
