"""``box.os`` and ``box.os.path`` against the real ones, call by call."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest

import osbox
from differential import compare

Case = Callable[[SimpleNamespace, str], Any]


def st_fields(s: os.stat_result) -> tuple[Any, ...]:
    # Inode and device numbers are WASI's stand-ins (docs/deviations.md).
    return (type(s).__name__, s.st_mode, s.st_size, s.st_mtime_ns, s.st_mtime, int(s[8]), len(s), s.st_nlink)


CASES: dict[str, Case] = {
    "stat": lambda m, r: st_fields(m.os.stat(f"{r}/data/notes.txt")),
    "stat relative": lambda m, r: st_fields(m.os.stat("data/notes.txt")),
    "stat bytes": lambda m, r: st_fields(m.os.stat(os.fsencode(f"{r}/data/notes.txt"))),
    "stat pathlike": lambda m, r: st_fields(m.os.stat(m.Path(r, "data", "notes.txt"))),
    "stat missing": lambda m, r: m.os.stat(f"{r}/nope/x"),
    "stat through a file": lambda m, r: m.os.stat(f"{r}/data/notes.txt/x"),
    "stat wrong type": lambda m, r: m.os.stat(3.5),
    "stat None": lambda m, r: m.os.stat(None),
    "stat nul": lambda m, r: m.os.stat("a\0b"),
    "lstat link": lambda m, r: (m.os.symlink("notes.txt", f"{r}/data/l"), stat.S_ISLNK(m.os.lstat(f"{r}/data/l").st_mode)),
    "stat dangling": lambda m, r: (m.os.symlink("nope", f"{r}/l"), m.os.stat(f"{r}/l")),
    "fstat": lambda m, r: st_fields(m.os.fstat(m.os.open(f"{r}/data/notes.txt", m.os.O_RDONLY))),
    "listdir": lambda m, r: sorted(m.os.listdir(f"{r}/data")),
    "listdir cwd": lambda m, r: sorted(m.os.listdir()),
    "listdir bytes": lambda m, r: sorted(m.os.listdir(os.fsencode(f"{r}/data"))),
    "listdir file": lambda m, r: m.os.listdir(f"{r}/data/notes.txt"),
    "listdir missing": lambda m, r: m.os.listdir("nope"),
    "listdir empty string": lambda m, r: m.os.listdir(""),
    "scandir": lambda m, r: sorted(
        (e.name, e.path, e.is_dir(), e.is_file(), e.is_symlink(), e.stat().st_size, os.fspath(e))
        for e in m.os.scandir("data")
    ),
    "scandir with": lambda m, r: [len(list(it)) for it in [m.os.scandir(r)]],
    "scandir missing": lambda m, r: m.os.scandir("nope"),
    "walk": lambda m, r: sorted((d, sorted(ds), sorted(fs)) for d, ds, fs in m.os.walk(r)),
    "walk bottom up": lambda m, r: [d for d, _, _ in m.os.walk(f"{r}/app", topdown=False)][-1],
    "walk sorted in place": lambda m, r: [d for d, ds, _ in m.os.walk(r) if ds.sort() or True],
    "walk pruned": lambda m, r: [d for d, ds, _ in m.os.walk(r) if not ds.clear()],
    "walk reversed": lambda m, r: [d for d, ds, _ in m.os.walk(r) if ds.sort(reverse=True) or True],
    "walk missing": lambda m, r: list(m.os.walk("nope")),
    "walk onerror": lambda m, r: [(e.errno, e.filename) for e in walk_errors(m, "nope")],
    "walk file": lambda m, r: [(e.errno, e.filename) for e in walk_errors(m, f"{r}/data/notes.txt")],
    "walk bytes": lambda m, r: sorted(d for d, _, _ in m.os.walk(os.fsencode(r))),
    "walk followlinks": lambda m, r: (
        m.os.symlink("app", f"{r}/app-link"),
        sorted(d for d, _, _ in m.os.walk(r, followlinks=True)),
        sorted(d for d, _, _ in m.os.walk(r)),
    ),
    "walk wrong type": lambda m, r: list(m.os.walk(None)),
    "mkdir exists": lambda m, r: m.os.mkdir("data"),
    "mkdir missing parent": lambda m, r: m.os.mkdir("a/b"),
    "makedirs": lambda m, r: (m.os.makedirs("a/b/c"), m.os.makedirs("a/b/c", exist_ok=True), m.os.path.isdir("a/b/c")),
    "makedirs over file": lambda m, r: m.os.makedirs("data/notes.txt/x"),
    "rmdir not empty": lambda m, r: m.os.rmdir("app"),
    "rmdir file": lambda m, r: m.os.rmdir("data/notes.txt"),
    "removedirs": lambda m, r: (m.os.makedirs("x/y/z"), m.os.removedirs("x/y/z"), m.os.path.exists("x")),
    "remove dir": lambda m, r: m.os.remove("data"),
    "unlink": lambda m, r: (m.os.unlink("data/notes.txt"), m.os.path.exists("data/notes.txt")),
    "rename": lambda m, r: (m.os.rename("data/notes.txt", "data/n2"), sorted(m.os.listdir("data"))),
    "rename missing": lambda m, r: m.os.rename("nope", "other"),
    "rename dir onto file": lambda m, r: m.os.rename("app", "data/notes.txt"),
    "replace": lambda m, r: (m.os.replace("logs/db.log", "logs/app.log"), m.os.path.getsize("logs/app.log")),
    "renames": lambda m, r: (m.os.renames("inbox/report.txt", "out/deep/r.txt"), m.os.path.exists("inbox/photo.jpg")),
    "symlink readlink": lambda m, r: (m.os.symlink("data/notes.txt", "ln"), m.os.readlink("ln"), m.os.path.islink("ln")),
    "symlink exists": lambda m, r: m.os.symlink("x", "data"),
    "readlink not a link": lambda m, r: m.os.readlink("data"),
    "link": lambda m, r: (m.os.link("data/notes.txt", "hard"), m.os.stat("hard").st_nlink),
    "truncate": lambda m, r: (m.os.truncate("logs/app.log", 10), m.os.path.getsize("logs/app.log")),
    "utime": lambda m, r: (m.os.utime("data/notes.txt", (5, 7)), m.os.stat("data/notes.txt").st_mtime),
    "utime ns": lambda m, r: (m.os.utime("data/notes.txt", ns=(5, 123456789)), m.os.stat("data/notes.txt").st_mtime_ns),
    "access": lambda m, r: [m.os.access(p, mode) for p in ("app/run.sh", "nope") for mode in (m.os.F_OK, m.os.R_OK, m.os.W_OK, m.os.X_OK)],
    "chmod": lambda m, r: (m.os.chmod("app/run.sh", 0o700), m.os.access("app/run.sh", m.os.X_OK)),
    "chmod missing": lambda m, r: m.os.chmod("nope", 0o700),
    "statvfs": lambda m, r: (type(m.os.statvfs(r)).__name__, m.os.statvfs(r).f_namemax, len(m.os.statvfs(r))),
    "getcwd chdir": lambda m, r: (m.os.chdir("data"), m.os.getcwd(), m.os.getcwdb(), m.os.chdir(".."), m.os.getcwd()),
    "chdir file": lambda m, r: m.os.chdir("data/notes.txt"),
    "fd calls": lambda m, r: fd_calls(m),
    "read closed fd": lambda m, r: m.os.read(m.os.open("data/notes.txt", 0) and 999, 1),
    "write str": lambda m, r: m.os.write(m.os.open("w.txt", m.os.O_WRONLY | m.os.O_CREAT), "text"),
    "open excl": lambda m, r: m.os.open("data/notes.txt", m.os.O_CREAT | m.os.O_EXCL | m.os.O_WRONLY),
    "open dir for writing": lambda m, r: m.os.open("data", m.os.O_WRONLY),
    "strerror": lambda m, r: [m.os.strerror(n) for n in (1, 2, 13, 17, 39)],
    "urandom": lambda m, r: (len(m.os.urandom(16)), m.os.urandom(0)),
    "constants": lambda m, r: {n: getattr(m.os, n) for n in CONSTANTS},
    "path constants": lambda m, r: {n: getattr(m.os.path, n) for n in PATH_CONSTANTS},
    "path functions": lambda m, r: path_functions(m),
    "path predicates": lambda m, r: [
        [f(p) for f in (m.os.path.exists, m.os.path.lexists, m.os.path.isfile, m.os.path.isdir, m.os.path.islink)]
        for p in ("data", "data/notes.txt", "nope", "data/notes.txt/x", b"data", "")
    ],
    "path stat getters": lambda m, r: (m.os.path.getsize("logs/app.log"), m.os.path.getmtime("data/notes.txt")),
    "getsize missing": lambda m, r: m.os.path.getsize("nope"),
    "realpath relpath abspath": lambda m, r: (
        m.os.symlink("data", "dl"),
        m.os.path.realpath("dl/notes.txt"),
        m.os.path.relpath(f"{r}/data/x", f"{r}/app"),
        m.os.path.abspath("a/../b"),
        m.os.path.relpath("data"),
    ),
    "samefile": lambda m, r: (m.os.link("data/notes.txt", "h"), m.os.path.samefile("h", "data/notes.txt"), m.os.path.samefile("h", "app/main.py")),
    "ismount": lambda m, r: (m.os.path.ismount("data"), m.os.path.ismount("/")),
    "expanduser": lambda m, r: m.os.path.expanduser("~/x").replace(os.environ.get("HOME", ""), r) if m.os is os else m.os.path.expanduser("~/x"),
}

CONSTANTS = (
    "sep altsep extsep pathsep linesep curdir pardir defpath devnull name O_RDONLY O_WRONLY O_RDWR O_CREAT O_EXCL "
    "O_TRUNC O_APPEND O_NONBLOCK O_DIRECTORY O_NOFOLLOW O_CLOEXEC O_SYNC SEEK_SET SEEK_CUR SEEK_END F_OK R_OK W_OK X_OK"
).split()
PATH_CONSTANTS = "sep altsep extsep pathsep curdir pardir defpath devnull supports_unicode_filenames".split()


def walk_errors(m: SimpleNamespace, top: str) -> list[OSError]:
    errors: list[OSError] = []
    assert list(m.os.walk(top, onerror=errors.append)) == []
    return errors


def fd_calls(m: SimpleNamespace) -> Any:
    o = m.os
    fd = o.open("fd.bin", o.O_RDWR | o.O_CREAT | o.O_TRUNC, 0o644)
    out = [o.write(fd, b"hello world"), o.lseek(fd, 0, o.SEEK_SET), o.read(fd, 5), o.lseek(fd, 0, o.SEEK_CUR)]
    out += [o.pwrite(fd, b"HELLO", 0), o.pread(fd, 11, 0), o.lseek(fd, 0, o.SEEK_END), o.fstat(fd).st_size]
    o.ftruncate(fd, 4)
    o.fsync(fd)
    o.fdatasync(fd)
    fd2 = o.dup(fd)
    out += [fd2 != fd, o.fstat(fd2).st_size, o.isatty(fd), o.write(fd, bytearray(b"ab")), o.write(fd, memoryview(b"cd"))]
    o.close(fd2)
    o.close(fd)
    out.append(open_bytes(m, "fd.bin"))
    return out


def open_bytes(m: SimpleNamespace, path: str) -> bytes:
    with m.open(path, "rb") as f:
        return f.read()


def path_functions(m: SimpleNamespace) -> Any:
    p = m.os.path
    return [
        p.join("a", "b", "/c", "d"),
        p.split("a/b/"),
        p.splitext("x.tar.gz"),
        p.basename("/a/b"),
        p.dirname("/a/b"),
        p.normpath("a//./b/../c"),
        p.isabs("/x"),
        p.commonpath(["/a/b/c", "/a/b/d"]),
        p.commonprefix(["/usr/lib", "/usr/local"]),
        p.splitdrive("/a"),
        p.normcase("A"),
        p.expandvars("$HOME/x" if False else "$NOPE/x"),
    ]


@pytest.mark.parametrize("name", CASES)
def test_os_call_agrees_with_the_real_os(name: str, pair: tuple[Path, osbox.Sandbox]) -> None:
    real, box = pair
    compare(CASES[name], real, box)


def test_stat_answers_a_real_stat_result(box: osbox.Sandbox) -> None:
    box.os.mkdir("/work/d")
    s = box.os.stat("/work/d")
    assert isinstance(s, os.stat_result)
    assert stat.S_ISDIR(s.st_mode) and s.st_nlink >= 1
    assert s.st_blksize == 4096 and s.st_blocks is not None and s.st_rdev == 0
    # CPython's float times: seconds + nanoseconds * 1e-9.
    floats = tuple(ns // 10**9 + ns % 10**9 * 1e-9 for ns in (s.st_atime_ns, s.st_mtime_ns, s.st_ctime_ns))
    assert (s.st_atime, s.st_mtime, s.st_ctime) == floats


def test_scandir_is_an_iterator_and_a_context_manager(box: osbox.Sandbox) -> None:
    for name in ("a", "b", "c"):
        box.Path("/work", name).touch()
    with box.os.scandir("/work") as it:
        assert iter(it) is it
        first = next(it)
        assert isinstance(first, osbox.DirEntry)
        assert repr(first) == f"<DirEntry {first.name!r}>"
        assert first.inode() == box.os.lstat(first.path).st_ino
    assert list(it) == []  # closed


def test_environ_is_a_mutable_mapping_over_the_sandbox(box: osbox.Sandbox) -> None:
    env = box.os.environ
    assert dict(env) == {"HOME": "/work", "TMPDIR": "/work"}
    env["GREETING"] = "hello"
    assert env["GREETING"] == "hello" and "GREETING" in env and len(env) == 3
    assert box.os.getenv("GREETING") == "hello" and box.os.getenv("NOPE", "d") == "d"
    assert box.os.path.expandvars("$GREETING/x") == "hello/x"
    assert env.pop("GREETING") == "hello" and "GREETING" not in env
    assert env.setdefault("X", "1") == "1" and env.get("X") == "1"
    assert env.copy() == {"HOME": "/work", "TMPDIR": "/work", "X": "1"}
    assert repr(env) == "environ({'HOME': '/work', 'TMPDIR': '/work', 'X': '1'})"
    with pytest.raises(KeyError) as e:
        env["NOPE"]
    assert e.value.args == ("NOPE",)
    with pytest.raises(KeyError):
        del env["NOPE"]
    with pytest.raises(TypeError, match="str expected, not int"):
        env["N"] = 1  # type: ignore[assignment]
    assert "HOME" not in os.environ or os.environ["HOME"] != "/work"  # the host's is untouched


def test_walk_takes_names_added_to_dirnames(box: osbox.Sandbox) -> None:
    box.os.makedirs("/work/a/b")
    box.os.makedirs("/work/c/d")
    seen = []
    for dirpath, dirnames, _ in box.os.walk("/work"):
        seen.append(dirpath)
        if dirpath == "/work":
            dirnames[:] = ["c", "a", "missing"]
    assert seen == ["/work", "/work/c", "/work/c/d", "/work/a", "/work/a/b"]


def test_functions_osbox_does_not_serve_are_attribute_errors(box: osbox.Sandbox) -> None:
    with pytest.raises(AttributeError, match="module 'os' has no attribute 'fork'"):
        box.os.fork  # noqa: B018
    with pytest.raises(AttributeError, match="module 'shutil' has no attribute 'chown'"):
        box.shutil.chown  # noqa: B018


def test_uname_and_friends_have_the_real_types(box: osbox.Sandbox) -> None:
    assert type(box.os.uname()) is os.uname_result
    assert box.os.uname().sysname == os.uname().sysname
    assert box.os.cpu_count() == os.cpu_count()
    assert box.os.getpid() >= 1000 and box.os.getppid() == os.getpid()
    with pytest.raises(OSError) as e:
        box.os.get_terminal_size()
    assert e.value.errno == 25
