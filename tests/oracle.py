"""CPython reference runner ("the oracle") for the osbox call protocol.

    python3 tests/oracle.py --root GUEST_ROOT --dir HOST_DIR \
        [--env NAME=VALUE | --env NAME ...] [--cwd GUEST_CWD]

Reads JSON-lines requests on stdin and answers each with one JSON line on
stdout, exactly as `osbox exec` does (docs/protocol.md), but runs
every call with the real os / os.path / shutil / tempfile / time / platform /
sys / subprocess functions inside HOST_DIR.  GUEST_ROOT (e.g. /work) is the
guest path of HOST_DIR: it is rewritten to HOST_DIR in arguments (and in
--env / --cwd values) and back again in everything that is answered, so the
output can be compared byte for byte with osbox.  Standard library only.
"""

import argparse
import base64
import binascii
import collections.abc
import errno
import fcntl
import io
import json
import os
import platform
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

MODULES = {m.__name__: m for m in
           (os, shutil, tempfile, time, platform, sys, subprocess, errno, stat, signal, io)}


class Handles:
    """Objects JSON cannot carry, as handles (docs/protocol.md, "Handles"):
    numbered like descriptors, the lowest free number from 1; one object
    keeps its number; a number is freed when the session closes its
    object."""

    def __init__(self):
        self.slots = [None]

    @staticmethod
    def wanted(x):
        return isinstance(x, (subprocess.Popen, io.IOBase, os._wrap_close))

    @staticmethod
    def type_name(x):
        cls = type(x)
        module = "io" if cls.__module__ == "_io" else cls.__module__
        return module + "." + cls.__qualname__

    def handle(self, x):
        for n, held in enumerate(self.slots):
            if held is x:
                break
        else:
            n = next((i for i in range(1, len(self.slots)) if self.slots[i] is None), len(self.slots))
            if n == len(self.slots):
                self.slots.append(None)
            self.slots[n] = x
        return {"$obj": n, "type": self.type_name(x)}

    def get(self, n):
        if not isinstance(n, int) or not 0 < n < len(self.slots) or self.slots[n] is None:
            raise BadRequest(f"invalid request: no object {n}")
        return self.slots[n]

    def release(self, x):
        for n, held in enumerate(self.slots):
            if held is x:
                self.slots[n] = None

    def end(self):
        """The children still running end with the session."""
        for held in self.slots:
            if isinstance(held, subprocess.Popen) and held.poll() is None:
                held.kill()
                held.wait()


HANDLES = Handles()


# Calls that insist on a tuple where the protocol can only send an array
# (JSON has one sequence type); their array arguments are passed as tuples.
TUPLE_CALLS = {"os.utime", "time.strftime", "time.mktime", "time.asctime"}


class BadRequest(Exception):
    """A malformed line; answered as ValueError with a fixed message."""


class PathMap:
    def __init__(self, guest_root, host_dir):
        self.guest = guest_root
        self.host = os.path.realpath(host_dir)
        # The host dir may be reached by several spellings (e.g. /tmp being a
        # symlink); every one must vanish from answers.  Longest first, so a
        # spelling contained in another never wins half a match.
        hosts = sorted({os.path.abspath(host_dir), self.host}, key=len, reverse=True)
        # Boundaries keep /tmp/abc from matching inside /x/tmp/abc or /tmp/abcd,
        # while still matching inside messages and reprs ('/tmp/abc/f').
        alt = "|".join(re.escape(h) for h in hosts)
        edge_b, edge_a = r"(?<![A-Za-z0-9_.\-])", r"(?![A-Za-z0-9_.\-])"
        self.out_re = re.compile(edge_b + "(?:" + alt + ")" + edge_a)
        self.out_re_b = re.compile(os.fsencode(self.out_re.pattern))

    def to_host(self, v):
        """Guest -> host: only a whole leading GUEST_ROOT component is swapped."""
        if isinstance(v, str):
            if v == self.guest or v.startswith(self.guest + "/"):
                return self.host + v[len(self.guest):]
        elif isinstance(v, bytes):
            g = os.fsencode(self.guest)
            if v == g or v.startswith(g + b"/"):
                return os.fsencode(self.host) + v[len(g):]
        return v

    def to_guest(self, v):
        if isinstance(v, str):
            return self.out_re.sub(lambda m: self.guest, v)
        return self.out_re_b.sub(lambda m: os.fsencode(self.guest), v)


def decode(v, pm):
    """JSON request value -> Python argument, guest paths made host paths."""
    if isinstance(v, dict):
        if len(v) == 1 and "$bytes" in v:
            try:
                raw = base64.b64decode(v["$bytes"], validate=True)
            except (binascii.Error, TypeError, ValueError):
                raise BadRequest("invalid request: bad $bytes value") from None
            return pm.to_host(raw)
        # Protocol extensions for arguments that are Python objects:
        # shutil.ignore_patterns(...) and a named function (copy_function).
        if len(v) == 1 and "$ignore_patterns" in v:
            return shutil.ignore_patterns(*v["$ignore_patterns"])
        if len(v) == 1 and "$callable" in v:
            return resolve(v["$callable"])
        if "$obj" in v and set(v) <= {"$obj", "type"}:
            return HANDLES.get(v["$obj"])
        if len(v) == 1 and "$fdopen" in v:
            # A file object over an open descriptor, left open afterwards;
            # it flushes when the call is done with it.
            fd, mode = v["$fdopen"]
            return os.fdopen(fd, mode, closefd=False)
        return {k: decode(x, pm) for k, x in v.items()}
    if isinstance(v, list):
        return [decode(x, pm) for x in v]
    return pm.to_host(v)


STAT_FIELDS = ("st_mode", "st_ino", "st_dev", "st_nlink", "st_uid", "st_gid",
               "st_size", "st_atime_ns", "st_mtime_ns", "st_ctime_ns")


def encode(x, pm):
    """Python result -> JSON value (PROTOCOL.md "Values"), host paths hidden.

    May run user code (iterators are drained here), so it is called inside
    the same try as the call itself: a failure mid-walk is the call's error.
    """
    if x is None or isinstance(x, bool):
        return x
    if Handles.wanted(x):
        return HANDLES.handle(x)
    if isinstance(x, int):
        return int(x)          # IntEnum/IntFlag -> plain number
    if isinstance(x, float):
        return float(x)
    if isinstance(x, str):
        return pm.to_guest(str(x))
    if isinstance(x, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(pm.to_guest(bytes(x))).decode("ascii")}
    if isinstance(x, os.stat_result):  # before tuple: it is a structseq
        return {"$stat": {f: getattr(x, f) for f in STAT_FIELDS}}
    if isinstance(x, os.DirEntry):
        return {"$direntry": {
            "name": encode(x.name, pm), "path": encode(x.path, pm),
            "is_dir": x.is_dir(), "is_file": x.is_file(),
            "is_symlink": x.is_symlink(), "inode": x.inode()}}
    if isinstance(x, subprocess.CompletedProcess):
        return {"$completed": {k: encode(getattr(x, k), pm)
                               for k in ("args", "returncode", "stdout", "stderr")}}
    if isinstance(x, (tuple, list)):  # named tuples and structseqs included
        return [encode(i, pm) for i in x]
    if isinstance(x, collections.abc.Mapping):
        # JSON keys must be strings; os.environb and friends are made visible
        # as a $repr rather than silently re-keyed.
        if all(isinstance(k, str) for k in x):
            return {pm.to_guest(k): encode(v, pm) for k, v in x.items()}
    elif isinstance(x, collections.abc.Iterator) and not isinstance(x, io.IOBase):
        # File objects are iterators too, but draining one would read it.
        try:
            items = list(x)
        finally:
            close = getattr(x, "close", None)   # scandir holds a dir fd
            if close is not None:
                close()
        return [encode(i, pm) for i in items]
    return {"$repr": pm.to_guest(repr(x))}


def error_of(exc, pm):
    cls = type(exc)
    # Exceptions of a module are named as Python code spells them
    # (shutil.Error, shutil.SameFileError, subprocess.CalledProcessError).
    name = cls.__name__ if cls.__module__ == "builtins" else cls.__module__ + "." + cls.__name__
    is_os = isinstance(exc, OSError)
    return {
        "type": name,
        "errno": exc.errno if is_os else None,
        "strerror": encode(exc.strerror, pm) if is_os else None,
        "filename": encode(exc.filename, pm) if is_os else None,
        "filename2": encode(exc.filename2, pm) if is_os else None,
        "message": pm.to_guest(str(exc)),
    }


def bad_request(message):
    return {"type": "ValueError", "errno": None, "strerror": None,
            "filename": None, "filename2": None, "message": message}


def resolve(dotted):
    if dotted == "getattr":
        return getattr
    first, *rest = dotted.split(".")
    if first not in MODULES:
        raise AttributeError(f"module '{first}' is not available")
    obj = MODULES[first]
    for part in rest:
        obj = getattr(obj, part)   # Python's own AttributeError message
    return obj


def method_of(call, args):
    """What `call` names. A method is called unbound with the object first
    (`subprocess.Popen.communicate`); where the class has no such method but
    its objects do (`os._wrap_close` hands `read` on to the pipe it wraps),
    the object's own."""
    try:
        return resolve(call)
    except AttributeError:
        owner, _, name = call.rpartition(".")
        if args and Handles.wanted(args[0]) and Handles.type_name(args[0]) == owner:
            bound = getattr(args[0], name)
            return lambda _self, *rest, **kw: bound(*rest, **kw)
        raise


def handle(line, pm):
    """One request line -> response dict (None for a blank line)."""
    if not line.strip():
        return None
    try:
        req = json.loads(line)
    except ValueError:
        return {"error": bad_request("invalid request: not valid JSON")}
    if not isinstance(req, dict):
        return {"error": bad_request("invalid request: not a JSON object")}
    resp = {"id": req["id"]} if "id" in req else {}
    call, args, kwargs = req.get("call"), req.get("args", []), req.get("kwargs", {})
    try:
        if not isinstance(call, str) or not call:
            raise BadRequest("invalid request: 'call' must be a non-empty string")
        if not isinstance(args, list):
            raise BadRequest("invalid request: 'args' must be an array")
        if not isinstance(kwargs, dict):
            raise BadRequest("invalid request: 'kwargs' must be an object")
        args, kwargs = decode(args, pm), decode(kwargs, pm)
        if call in TUPLE_CALLS:
            args = [tuple(a) if isinstance(a, list) else a for a in args]
            kwargs = {k: tuple(a) if isinstance(a, list) else a for k, a in kwargs.items()}
    except BadRequest as e:
        resp["error"] = bad_request(str(e))
        return resp
    try:
        target = method_of(call, args)
        if not callable(target) and not args and not kwargs:
            result = target        # attribute read: os.sep, sys.platform, os.environ
        else:
            result = target(*args, **kwargs)
        if call.endswith(".close") and args and Handles.wanted(args[0]):
            HANDLES.release(args[0])
        resp["ok"] = encode(result, pm)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:   # SystemExit from sys.exit is an answer too
        resp["error"] = error_of(exc, pm)
    return resp


def private_channels():
    """Move the request/response streams off fds 0 and 1.

    Calls under test may write to fd 1 (os.write, inherited by subprocess
    or os.system) or read fd 0; that must not corrupt or eat the protocol
    stream.  The channels go to high fds so os.open still returns 3 first,
    fd 0 becomes /dev/null and fd 1 is the oracle's stderr.
    """
    rin = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 200)
    rout = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 200)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    # Undecodable file names come back as lone surrogates; backslashreplace
    # writes them as \udcXX, which is the JSON escape for the same string.
    return (open(rin, "r", encoding="utf-8"),
            open(rout, "w", encoding="utf-8", errors="backslashreplace"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True, help="guest path of HOST_DIR, e.g. /work")
    ap.add_argument("--dir", required=True, help="host directory the calls run in")
    ap.add_argument("--env", action="append", default=[], metavar="NAME[=VALUE]")
    ap.add_argument("--cwd", help="initial guest current directory (default: --root)")
    opts = ap.parse_args()
    root = opts.root.rstrip("/")
    if not root.startswith("/"):
        ap.error("--root must be an absolute path other than /")
    pm = PathMap(root, opts.dir)

    # The guest sees exactly the --env variables; values naming guest paths
    # (HOME=/work, TMPDIR=/work/tmp) must point into HOST_DIR here.
    inherited = dict(os.environ)
    os.environ.clear()
    for item in opts.env:
        name, eq, value = item.partition("=")
        if eq:
            os.environ[name] = pm.to_host(value)
        elif name in inherited:
            os.environ[name] = inherited[name]
    tempfile.tempdir = None
    os.chdir(pm.host)            # a relative --cwd is relative to the root
    if opts.cwd:
        os.chdir(pm.to_host(opts.cwd))

    requests, responses = private_channels()
    for line in iter(requests.readline, ""):
        resp = handle(line, pm)
        if resp is not None:
            responses.write(json.dumps(resp, separators=(",", ":"), ensure_ascii=False) + "\n")
            responses.flush()
    HANDLES.end()
    return 0


if __name__ == "__main__":
    sys.exit(main())
