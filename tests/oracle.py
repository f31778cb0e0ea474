"""CPython reference runner ("the oracle") for the osbox call protocol.

    python3 tests/oracle.py --root GUEST_ROOT --dir HOST_DIR \
        [--env NAME=VALUE | --env NAME ...] [--cwd GUEST_CWD] [--confine]
    python3 tests/oracle.py --serve

Reads JSON-lines requests on stdin and answers each with one JSON line on
stdout, exactly as `osbox exec` does (docs/protocol.md), but runs
every call with the real os / os.path / shutil / tempfile / time / platform /
sys / subprocess functions inside HOST_DIR.  GUEST_ROOT (e.g. /work) is the
guest path of HOST_DIR: it is rewritten to HOST_DIR in arguments (and in
--env / --cwd values) and back again in everything that is answered, so the
output can be compared byte for byte with osbox.  Standard library only.

--confine is for generated requests: a request that names a path outside
HOST_DIR (after following symbolic links) is not run, since CPython would
reach the host where osbox sees its virtual tree; the runner answers
{"$stop": "before"} and ends; so is a shutil copy where a file has hard
links (osbox's copy writes a new file, docs/deviations.md).  A call that
leaves the current directory
outside HOST_DIR, removes or moves it, or moves what an open descriptor
names (osbox keeps the current directory and descriptors as paths,
docs/deviations.md), is answered, then followed by {"$stop": "after"}.

--serve runs many streams from one process: each line on stdin is
{"argv": [the options above], "requests": [...]}; a forked child runs the
stream with a fresh state and writes its responses, then {"$done": true}
follows.  Forking saves the interpreter's start for every stream.
"""

import argparse
import base64
import binascii
import collections.abc
import contextlib
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
import types

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


# Arguments that must be a tuple where the protocol can only send an array
# (JSON has one sequence type): the position and the keywords, by call.
TUPLE_ARGS = {"os.utime": (1, ("times", "ns")), "time.strftime": (1, ("t",)),
              "time.mktime": (0, ()), "time.asctime": (0, ())}


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


# The file objects the current request made ($fdopen).
FILE_OBJECTS = []


class Unmapped:
    """Arguments left as they are, for calls that only compute on strings."""

    @staticmethod
    def to_host(v):
        return v


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
            # handle() flushes it when the call is done with it.
            fd, mode = v["$fdopen"]
            f = os.fdopen(fd, mode, closefd=False)
            FILE_OBJECTS.append(f)
            return f
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
            "is_dir": followed(x.is_dir), "is_file": followed(x.is_file),
            "is_symlink": x.is_symlink(), "inode": x.inode()}}
    if isinstance(x, subprocess.CompletedProcess):
        return {"$completed": {k: encode(getattr(x, k), pm)
                               for k in ("args", "returncode", "stdout", "stderr")}}
    if isinstance(x, (tuple, list)):  # named tuples and structseqs included
        return [encode(i, pm) for i in x]
    if isinstance(x, (set, frozenset)):
        # Sets have no order: sorted, so both sides print them alike.
        return sorted((encode(i, pm) for i in x), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(x, (types.BuiltinFunctionType, types.FunctionType)):
        return {"$callable": callable_name(x)}
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


def followed(test):
    """DirEntry.is_dir()/is_file() as the protocol shows them: false when
    following the link fails (a loop), where Python would raise from the
    method, after scandir itself has answered."""
    try:
        return test()
    except OSError:
        return False


def callable_name(f):
    """The dotted name the protocol calls a function by: os.stat, not posix.stat."""
    module = {"posix": "os", "posixpath": "os.path", "genericpath": "os.path"}.get(f.__module__, f.__module__)
    return module + "." + f.__name__


def error_of(exc, pm):
    cls = type(exc)
    # Exceptions of a module are named as Python code spells them
    # (shutil.Error, shutil.SameFileError, subprocess.CalledProcessError).
    name = cls.__name__ if cls.__module__ == "builtins" else cls.__module__ + "." + cls.__name__
    is_os = isinstance(exc, OSError)
    message = str(exc)
    if isinstance(exc, shutil.Error) and len(exc.args) == 1 and isinstance(exc.args[0], list):
        # copytree extends its list with a SameFileError's message, one
        # character at a time: paths are mapped in the runs of characters.
        message = str(unexploded(exc.args[0], pm))
    return {
        "type": name,
        "errno": exc.errno if is_os else None,
        "strerror": encode(exc.strerror, pm) if is_os else None,
        "filename": encode(exc.filename, pm) if is_os else None,
        "filename2": encode(exc.filename2, pm) if is_os else None,
        "message": pm.to_guest(message),
    }


def unexploded(items, pm):
    """A list whose runs of one-character strings have host paths mapped."""
    out, run = [], []
    for item in items + [None]:
        if isinstance(item, str) and len(item) == 1:
            run.append(item)
            continue
        out.extend(pm.to_guest("".join(run)))
        run = []
        if item is not None:
            out.append(item)
    return out


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


# Calls that only compute on strings: nothing is touched whatever they get.
PURE = {"os.path." + f for f in ("join", "split", "splitext", "splitdrive", "basename", "dirname",
                                 "normpath", "normcase", "isabs", "commonprefix", "commonpath")}


class Stop(Exception):
    """--confine: the stream ends here ("before" or "after" the call)."""


def within(pm, p):
    """The path (host side) stays in HOST_DIR once its links are followed."""
    if isinstance(p, bytes):
        p = os.fsdecode(p)
    if not p or "\0" in p:
        return True
    real = os.path.realpath(p)
    return real == pm.host or real.startswith(pm.host + "/")


def strings(v):
    """Every str and bytes inside an argument."""
    if isinstance(v, (str, bytes)):
        yield v
    elif isinstance(v, (list, tuple)):
        for i in v:
            yield from strings(i)
    elif isinstance(v, dict):
        for i in v.values():
            yield from strings(i)


def confine(call, args, kwargs, pm):
    """Raises Stop("before") when the call would name a path outside HOST_DIR."""
    if call in PURE:
        return
    names = list(strings(args)) + list(strings(kwargs))
    if call.startswith("subprocess.") or call == "os.system":
        # Programs are the host's, run by name or path; what they are given
        # (after argv[0]) and where they run must stay inside.
        argv = args[0] if args else kwargs.get("args", [])
        names = list(strings(argv[1:] if isinstance(argv, list) else [])) + list(strings(kwargs.get("cwd")))
    # A relative path may be taken from a directory descriptor instead of
    # the current directory: it must stay inside from each of them.
    bases = [None] + [os.readlink(f"/proc/self/fd/{fd}") for k, fd in kwargs.items()
                      if k.endswith("dir_fd") and isinstance(fd, int) and os.path.isdir(f"/proc/self/fd/{fd}")]
    if call == "os.symlink" and len(names) >= 2 and all(isinstance(n, type(names[0])) for n in names[:2]):
        # The target is read from the link's directory, when followed.
        for base in bases:
            link_dir = os.path.dirname(os.path.abspath(joined(base, names[1])))
            names.append(joined(link_dir, names[0]))
    if not all(within(pm, joined(base, n)) for n in names for base in bases):
        raise Stop("before")
    if call in OVERWRITING and hard_links(pm):
        raise Stop("before")


# shutil's calls that may write over a file: osbox writes a new file where
# CPython writes into the old one, which its other hard links share
# (docs/deviations.md).
OVERWRITING = {"shutil.copyfile", "shutil.copy", "shutil.copy2", "shutil.copytree", "shutil.move"}


def hard_links(pm):
    """Whether a file in HOST_DIR has more than one name."""
    for top, _, files in os.walk(pm.host):
        for f in files:
            st = os.lstat(os.path.join(top, f))
            if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
                return True
    return False


def joined(base, name):
    """`name` as seen from directory `base` (the current one for None)."""
    if base is None or not isinstance(name, (str, bytes)):
        return name
    return os.path.join(os.fsencode(base) if isinstance(name, bytes) else base, name)


def where_things_are():
    """The current directory and what each open descriptor names, for
    --confine: osbox keeps both as paths (docs/deviations.md), so a stream
    is compared only while they name what they did."""
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = None
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        if int(fd) < 200:
            try:
                fds[fd] = os.readlink("/proc/self/fd/" + fd)
            except OSError:
                pass
    return cwd, fds


def still_comparable(pm, call, before):
    """After a call: the current directory exists and is in HOST_DIR, it
    moved only by chdir, and no descriptor open before now names another
    path (renamed, or removed: ' (deleted)')."""
    cwd, fds = where_things_are()
    if cwd is None or not within(pm, cwd):
        return False
    if cwd != before[0] and call not in ("os.chdir", "os.fchdir"):
        return False
    return all(fds.get(fd, path) == path for fd, path in before[1].items())


# A child's pipes are handles in osbox, not descriptors of the sandbox
# (docs/deviations.md): CPython's go above the numbers a stream uses, so
# that they take none of the numbers os.open gives.
PIPE_MAKERS = {"subprocess.Popen", "os.popen"}
PIPES_FROM = 100


@contextlib.contextmanager
def pipes_out_of_the_way(call):
    held = []
    try:
        while call in PIPE_MAKERS and (not held or held[-1] < PIPES_FROM):
            held.append(os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC))
        yield
    finally:
        for fd in held:
            os.close(fd)


def handle(line, pm, confined=False):
    """One request line -> response dict (None for a blank line); with
    `confined`, Stop when the stream must end (see --confine)."""
    if not line.strip():
        return None
    try:
        req = json.loads(line)
    except ValueError:
        return {"error": bad_request("invalid request: not valid JSON")}
    if not isinstance(req, dict):
        return {"error": bad_request("invalid request: not a JSON object")}
    resp = {"id": req["id"]} if "id" in req else {}
    FILE_OBJECTS.clear()
    call, args, kwargs = req.get("call"), req.get("args", []), req.get("kwargs", {})
    try:
        if not isinstance(call, str) or not call:
            raise BadRequest("invalid request: 'call' must be a non-empty string")
        if not isinstance(args, list):
            raise BadRequest("invalid request: 'args' must be an array")
        if not isinstance(kwargs, dict):
            raise BadRequest("invalid request: 'kwargs' must be an object")
    except BadRequest as e:
        resp["error"] = bad_request(str(e))
        return resp
    try:
        # Arguments are Python expressions too: os.fdopen(3) may raise.
        # What only computes on strings gets them as they are: /work is not
        # the host directory there, and its dirname is not the host's.
        pm_in = Unmapped if call in PURE else pm
        args, kwargs = decode(args, pm_in), decode(kwargs, pm_in)
        if call in TUPLE_ARGS:
            at, names = TUPLE_ARGS[call]
            args = [tuple(a) if i == at and isinstance(a, list) else a for i, a in enumerate(args)]
            kwargs = {k: tuple(a) if k in names and isinstance(a, list) else a for k, a in kwargs.items()}
    except BadRequest as e:
        resp["error"] = bad_request(str(e))
        return resp
    except OSError as e:
        resp["error"] = error_of(e, pm)
        return resp
    if confined:
        confine(call, args, kwargs, pm)
        before = where_things_are()
    try:
        target = method_of(call, args)
        if not callable(target) and not args and not kwargs:
            result = target        # attribute read: os.sep, sys.platform, os.environ
        else:
            with pipes_out_of_the_way(call):
                result = target(*args, **kwargs)
        if call.endswith(".close") and args and Handles.wanted(args[0]):
            HANDLES.release(args[0])
        # What a call wrote through a file object reaches the descriptor
        # before it answers; a write that fails there is its error.
        while FILE_OBJECTS:
            FILE_OBJECTS.pop(0).flush()
        resp["ok"] = encode(result, pm)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:   # SystemExit from sys.exit is an answer too
        resp["error"] = error_of(exc, pm)
    finally:
        FILE_OBJECTS.clear()
    if confined and not still_comparable(pm, call, before):
        raise Stop("after", resp)
    return resp


def private_channels():
    """Move the request/response streams off fds 0 and 1.

    Calls under test may write to fds 1 and 2 (os.write, inherited by
    subprocess or os.system) or read fd 0; that must not corrupt or eat the
    protocol stream.  The channels go to high fds so os.open still returns 3
    first; fds 0, 1 and 2 become /dev/null, as osbox gives its guest nothing
    to read and shows nothing it writes there, and the oracle's own
    diagnostics keep the real standard error.
    """
    rin = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 200)
    rout = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 200)
    err = fcntl.fcntl(2, fcntl.F_DUPFD_CLOEXEC, 200)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    sys.stderr = open(err, "w", encoding="utf-8", errors="backslashreplace")
    # Undecodable file names come back as lone surrogates; backslashreplace
    # writes them as \udcXX, which is the JSON escape for the same string.
    return (open(rin, "r", encoding="utf-8"),
            open(rout, "w", encoding="utf-8", errors="backslashreplace"))


def options(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", help="guest path of HOST_DIR, e.g. /work")
    ap.add_argument("--dir", help="host directory the calls run in")
    ap.add_argument("--env", action="append", default=[], metavar="NAME[=VALUE]")
    ap.add_argument("--cwd", help="initial guest current directory (default: --root)")
    ap.add_argument("--confine", action="store_true", help="end the stream before a call that leaves HOST_DIR")
    ap.add_argument("--serve", action="store_true", help="run many streams, one per line, each in a fork")
    opts = ap.parse_args(argv)
    if not opts.serve and not (opts.root and opts.dir):
        ap.error("--root and --dir are required")
    return opts


def prepare(opts):
    """The state a stream starts from: the environment, the directory."""
    root = opts.root.rstrip("/")
    if not root.startswith("/"):
        raise SystemExit("--root must be an absolute path other than /")
    pm = PathMap(root, opts.dir)

    # The guest sees exactly the --env variables; values naming guest paths
    # (HOME=/work, TMPDIR=/work/tmp) must point into HOST_DIR here.
    inherited = dict(os.environ)
    os.environ.clear()
    for item in opts.env:
        name, eq, value = item.partition("=")
        if eq:
            # Each directory of a list (PATH=/work/a:/work/b) is a path.
            os.environ[name] = ":".join(pm.to_host(part) for part in value.split(":"))
        elif name in inherited:
            os.environ[name] = inherited[name]
    tempfile.tempdir = None
    os.chdir(pm.host)            # a relative --cwd is relative to the root
    if opts.cwd:
        os.chdir(pm.to_host(opts.cwd))
    return pm


def answer(lines, pm, responses, confined):
    """Answers each request line on `responses`."""
    try:
        for line in lines:
            try:
                resp = handle(line, pm, confined)
            except Stop as stop:
                if len(stop.args) > 1:
                    write(responses, stop.args[1])
                write(responses, {"$stop": stop.args[0]})
                return
            if resp is not None:
                write(responses, resp)
    finally:
        HANDLES.end()


def write(responses, resp):
    responses.write(json.dumps(resp, separators=(",", ":"), ensure_ascii=False) + "\n")
    responses.flush()


def serve(requests, responses):
    """--serve: one forked child per stream line."""
    for line in iter(requests.readline, ""):
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                opts = options(job["argv"])
                answer((json.dumps(r) for r in job["requests"]), prepare(opts), responses, opts.confine)
                status = 0
            except BaseException:
                import traceback
                traceback.print_exc()
            finally:
                responses.flush()
                os._exit(status)
        os.waitpid(pid, 0)
        write(responses, {"$done": True})


def main():
    opts = options(sys.argv[1:])
    if opts.serve:
        serve(*private_channels())
        return 0
    pm = prepare(opts)
    requests, responses = private_channels()
    answer(iter(requests.readline, ""), pm, responses, opts.confine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
