"""``box.shutil``, ``box.tempfile``, ``box.subprocess``, ``box.Path``,
``box.glob``, ``box.time``, ``box.platform`` and ``box.sys``."""

from __future__ import annotations

import fnmatch
import glob
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest

import osbox
from differential import compare

Case = Callable[[SimpleNamespace, str], Any]

SHUTIL: dict[str, Case] = {
    "copyfile": lambda m, r: (m.shutil.copyfile("data/notes.txt", "n"), m.open("n").read()),
    "copyfile onto a directory": lambda m, r: m.shutil.copyfile("data/notes.txt", "app"),
    "copyfile same": lambda m, r: m.shutil.copyfile("data/notes.txt", "data/notes.txt"),
    "copy into directory": lambda m, r: (m.shutil.copy("data/notes.txt", "empty"), m.os.listdir("empty")),
    "copy2 keeps times": lambda m, r: (m.shutil.copy2("data/notes.txt", "n"), m.os.stat("n").st_mtime_ns),
    "copy missing": lambda m, r: m.shutil.copy("nope", "n"),
    "copystat copymode": lambda m, r: (
        m.os.chmod("app/run.sh", 0o750),
        m.shutil.copymode("app/run.sh", "data/notes.txt"),
        m.shutil.copystat("app/main.py", "logs/db.log"),
        m.os.access("data/notes.txt", m.os.X_OK),
        m.os.stat("logs/db.log").st_mtime,
    ),
    "copytree": lambda m, r: (
        m.shutil.copytree("app", "app2", ignore=m.shutil.ignore_patterns("*.pyc", "__pycache__")),
        sorted(d for d, _, _ in m.os.walk("app2")),
    ),
    "copytree exists": lambda m, r: m.shutil.copytree("app", "data"),
    "copytree dirs_exist_ok": lambda m, r: (m.shutil.copytree("app", "data", dirs_exist_ok=True), sorted(m.os.listdir("data"))),
    "copytree copy function": lambda m, r: (m.shutil.copytree("app", "a3", copy_function=m.shutil.copy), m.os.path.getmtime("a3/main.py") > 2e9),
    "copytree dangling link": lambda m, r: (m.os.symlink("nope", "app/dangling"), m.shutil.copytree("app", "a4")),
    "copytree keeps links": lambda m, r: (m.os.symlink("main.py", "app/l"), m.shutil.copytree("app", "a5", symlinks=True), m.os.readlink("a5/l")),
    "rmtree": lambda m, r: (m.shutil.rmtree("app"), m.os.path.exists("app")),
    "rmtree missing": lambda m, r: m.shutil.rmtree("nope"),
    "rmtree ignore errors": lambda m, r: m.shutil.rmtree("nope", ignore_errors=True),
    "rmtree a link": lambda m, r: (m.os.symlink("app", "al"), m.shutil.rmtree("al")),
    "move file": lambda m, r: (m.shutil.move("data/notes.txt", "empty"), m.os.listdir("empty")),
    "move tree": lambda m, r: (m.shutil.move("app", "app-moved"), sorted(m.os.listdir("app-moved"))),
    "move into itself": lambda m, r: m.shutil.move("app", "app/lib"),
    "move exists": lambda m, r: (m.shutil.copy("data/notes.txt", "empty"), m.shutil.move("data/notes.txt", "empty")),
    "which": lambda m, r: (m.os.chmod("app/run.sh", 0o755), m.shutil.which("run.sh", path="app"), m.shutil.which("main.py", path="app")),
    "disk usage": lambda m, r: (type(m.shutil.disk_usage(r)).__name__, m.shutil.disk_usage(r).total),
    "terminal size": lambda m, r: m.shutil.get_terminal_size((77, 33)),
}

TEMPFILE: dict[str, Case] = {
    "mkdtemp": lambda m, r: (lambda d: (m.os.path.isdir(d), m.os.path.dirname(d) == r, m.os.listdir(d)))(m.tempfile.mkdtemp(dir=r)),
    "mkdtemp relative": lambda m, r: (lambda d: (d.startswith("empty/p_"), d.endswith(".s")))(m.tempfile.mkdtemp(".s", "p_", "empty")),
    "mkdtemp missing dir": lambda m, r: caught(lambda: m.tempfile.mkdtemp(dir="nope")),
    "mkstemp": lambda m, r: (lambda t: (type(t).__name__, type(t[0]).__name__, m.os.path.isabs(t[1]), m.os.write(t[0], b"z"), m.os.path.getsize(t[1])))(
        m.tempfile.mkstemp(dir=r)
    ),
    "temporary directory": lambda m, r: tmpdir_lifecycle(m, r),
    "named temporary file": lambda m, r: named_lifecycle(m, r),
    "named, kept": lambda m, r: (lambda f: (f.write(b"k"), f.close(), m.open(f.name, "rb").read()))(m.tempfile.NamedTemporaryFile(dir=r, delete=False)),
    "named, text": lambda m, r: (lambda f: (f.write("t\n"), f.seek(0), f.read(), f.close(), m.os.path.exists(f.name)))(m.tempfile.NamedTemporaryFile("w+", dir=r)),
    "temporary file": lambda m, r: (lambda f: (f.write(b"abc"), f.seek(0), f.read(), sorted(m.os.listdir(r)) == before))(
        m.tempfile.TemporaryFile(dir=r)
    ),
}
before = sorted(["app", "data", "empty", "full", "inbox", "logs", "uploads"])


def tmpdir_lifecycle(m: SimpleNamespace, r: str) -> Any:
    t = m.tempfile.TemporaryDirectory(dir=r)
    with t as name:
        m.os.makedirs(m.os.path.join(name, "a/b"))
        inside = (isinstance(t, m.tempfile.TemporaryDirectory), name == t.name, m.os.path.isdir(name))
    return inside, m.os.path.exists(name), repr(t).startswith("<TemporaryDirectory ")


def named_lifecycle(m: SimpleNamespace, r: str) -> Any:
    with m.tempfile.NamedTemporaryFile(dir=r, suffix=".dat") as f:
        f.write(b"data")
        f.flush()
        f.seek(0)
        inside = (f.read(), m.os.path.getsize(f.name), f.name.endswith(".dat"), m.os.path.dirname(f.name) == r)
    return inside, m.os.path.exists(f.name)


SUBPROCESS: dict[str, Case] = {
    "run capture": lambda m, r: done(m.subprocess.run(["ls", "data"], capture_output=True)),
    "run text": lambda m, r: done(m.subprocess.run(["ls", "data"], capture_output=True, text=True)),
    "run input": lambda m, r: done(m.subprocess.run(["cat"], input=b"fed in", stdout=m.subprocess.PIPE)),
    "run merge stderr": lambda m, r: done(m.subprocess.run(["ls", "nope"], stdout=m.subprocess.PIPE, stderr=m.subprocess.STDOUT)),
    "run devnull": lambda m, r: done(m.subprocess.run(["ls"], stdout=m.subprocess.DEVNULL)),
    "run string shell": lambda m, r: done(m.subprocess.run("echo out; echo err >&2; exit 3", shell=True, capture_output=True, text=True)),
    "run check": lambda m, r: m.subprocess.run(["ls", "nope"], capture_output=True, check=True),
    "run cwd": lambda m, r: done(m.subprocess.run(["ls"], cwd="data", capture_output=True, text=True)),
    "run env": lambda m, r: done(m.subprocess.run(["printenv", "ONLY"], env={"ONLY": "this"}, capture_output=True, text=True)),
    # The time in the message is what CPython had left when it gave up.
    "run timeout": lambda m, r: caught(lambda: m.subprocess.run(["sleep", "5"], timeout=0.2), "cmd"),
    "call": lambda m, r: m.subprocess.call(["ls", "nope"], stderr=m.subprocess.DEVNULL),
    "check_call": lambda m, r: m.subprocess.check_call(["ls", "nope"], stderr=m.subprocess.DEVNULL),
    "check_output": lambda m, r: m.subprocess.check_output(["ls", "logs"]),
    "check_output fails": lambda m, r: catch_called(lambda: m.subprocess.check_output(["sh", "-c", "echo out; exit 4"])),
    "getoutput": lambda m, r: (m.subprocess.getoutput("echo hi; ls nope"), m.subprocess.getstatusoutput("exit 5")),
    "constants": lambda m, r: (m.subprocess.PIPE, m.subprocess.STDOUT, m.subprocess.DEVNULL),
    "environ reaches programs": lambda m, r: (m.os.environ.__setitem__("SEEN", "yes"), m.subprocess.check_output(["printenv", "SEEN"])),
}


def caught(f: Callable[[], Any], *attrs: str) -> Any:
    """The class of what ``f`` raised, its errno and the named attributes."""
    try:
        f()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, getattr(e, "errno", None), [getattr(e, a) for a in attrs]
    return None


def done(p: subprocess.CompletedProcess[Any]) -> Any:
    return type(p).__name__, p.args, p.returncode, p.stdout, p.stderr


def catch_called(f: Callable[[], Any]) -> Any:
    try:
        f()
    except subprocess.CalledProcessError as e:
        return e.returncode, e.cmd, e.output, e.stderr, str(e)
    return None


PATHLIB: dict[str, Case] = {
    "parts": lambda m, r: (lambda p: (p.parts, p.name, p.suffix, p.stem, str(p.parent), str(p.with_suffix(".x"))))(m.Path("data", "sales-jan.csv")),
    "predicates": lambda m, r: [
        (p.exists(), p.is_file(), p.is_dir(), p.is_symlink()) for p in map(m.Path, ["data", "data/notes.txt", "nope", "data/notes.txt/x"])
    ],
    "iterdir": lambda m, r: sorted(str(p) for p in m.Path("data").iterdir()),
    "glob": lambda m, r: sorted(str(p) for p in m.Path(".").glob("*/*.csv")),
    "glob recursive": lambda m, r: sorted(str(p) for p in m.Path("app").glob("**/*.py")),
    "glob dirs": lambda m, r: sorted(str(p) for p in m.Path(".").glob("**")),
    "rglob": lambda m, r: sorted(str(p) for p in m.Path(r).rglob("*.log*")),
    "glob absolute": lambda m, r: list(m.Path(".").glob("/x")),
    "glob empty": lambda m, r: list(m.Path(".").glob("")),
    "mkdir parents": lambda m, r: (m.Path("a/b/c").mkdir(parents=True), m.Path("a/b/c").mkdir(parents=True, exist_ok=True), m.Path("a/b").is_dir()),
    "mkdir exists": lambda m, r: m.Path("data").mkdir(),
    "mkdir exist_ok on file": lambda m, r: m.Path("data/notes.txt").mkdir(exist_ok=True),
    "touch": lambda m, r: (m.Path("t").touch(), m.Path("t").touch(), m.Path("t").stat().st_size, m.Path("t").touch(exist_ok=False)),
    "unlink": lambda m, r: (m.Path("data/notes.txt").unlink(), m.Path("data/notes.txt").unlink(missing_ok=True), m.Path("nope").unlink()),
    "rmdir": lambda m, r: (m.Path("empty").rmdir(), m.Path("app").rmdir()),
    "rename replace": lambda m, r: (
        str(m.Path("data/notes.txt").rename("n1")),
        str(m.Path("n1").replace(m.Path("logs/app.log"))),
        m.Path("logs/app.log").read_text(),
    ),
    "stat": lambda m, r: (m.Path("logs/db.log").stat().st_size, m.Path("logs/db.log").lstat().st_mtime),
    "text bytes": lambda m, r: (
        m.Path("t.txt").write_text("héllo\n"),
        m.Path("t.txt").read_text(),
        m.Path("t.bin").write_bytes(b"\0\1"),
        m.Path("t.bin").read_bytes(),
        m.Path("t.txt").read_text(encoding="latin-1"),
    ),
    "write_text not str": lambda m, r: m.Path("t").write_text(b"x"),
    "open": lambda m, r: (lambda f: (f.read(), f.name))(m.Path("data/notes.txt").open()),
    "resolve": lambda m, r: (m.os.symlink("data", "dl"), str(m.Path("dl/../dl/notes.txt").resolve()), str(m.Path("nope").resolve())),
    "resolve strict": lambda m, r: m.Path("nope").resolve(strict=True),
    "samefile": lambda m, r: (m.os.link("data/notes.txt", "h"), m.Path("h").samefile("data/notes.txt"), m.Path("h").samefile(m.Path("app/main.py"))),
    "absolute cwd home": lambda m, r: (str(m.Path("x").absolute()), str(m.Path.cwd()), str(m.Path("~/x").expanduser()).endswith("/x")),
    "links": lambda m, r: (m.Path("sl").symlink_to("data"), str(m.Path("sl").readlink()), m.Path("hl").hardlink_to("data/notes.txt"), m.Path("hl").stat().st_nlink),
    "chmod": lambda m, r: (m.Path("app/run.sh").chmod(0o700), m.os.access("app/run.sh", m.os.X_OK)),
    "is_mount": lambda m, r: m.Path("data").is_mount(),
}

GLOB: dict[str, Case] = {
    "glob": lambda m, r: sorted(m.glob.glob("data/*.csv")),
    "absolute": lambda m, r: sorted(m.glob.glob(f"{r}/*/*.txt")),
    "recursive": lambda m, r: sorted(m.glob.glob("**/*.py", recursive=True)),
    "all recursive": lambda m, r: sorted(m.glob.glob("**", recursive=True)),
    "not recursive": lambda m, r: sorted(m.glob.glob("**/*.py")),
    "iglob": lambda m, r: sorted(m.glob.iglob("logs/*.log")),
    "hidden": lambda m, r: (m.open("data/.hidden", "w").close(), sorted(m.glob.glob("data/*")), sorted(m.glob.glob("data/.*"))),
    "classes": lambda m, r: sorted(m.glob.glob("logs/[a-d]*.log")),
    "escape": lambda m, r: (m.glob.escape("a[1]*?"), m.open(m.glob.escape("x[1]") if False else "x[1]", "w").close(), m.glob.glob(m.glob.escape("x[1]"))),
    "root_dir": lambda m, r: sorted(m.glob.glob("*.csv", root_dir="data")),
    "bytes": lambda m, r: sorted(m.glob.glob(b"data/*.csv")),
    "no match": lambda m, r: m.glob.glob("nope/*"),
    "has_magic": lambda m, r: (m.glob.has_magic("a*"), m.glob.has_magic("a")),
}


def with_glob(m: SimpleNamespace, box: osbox.Sandbox) -> SimpleNamespace:
    return SimpleNamespace(**vars(m), glob=box.glob if m.os is box.os else glob)


@pytest.mark.parametrize("name", SHUTIL)
def test_shutil_agrees_with_the_real_shutil(name: str, pair: tuple[Path, osbox.Sandbox]) -> None:
    compare(SHUTIL[name], *pair)


@pytest.mark.parametrize("name", TEMPFILE)
def test_tempfile_agrees_with_the_real_tempfile(name: str, pair: tuple[Path, osbox.Sandbox]) -> None:
    compare(TEMPFILE[name], *pair)


@pytest.mark.parametrize("name", SUBPROCESS)
def test_subprocess_agrees_with_the_real_subprocess(name: str, pair: tuple[Path, osbox.Sandbox]) -> None:
    compare(SUBPROCESS[name], *pair)


@pytest.mark.parametrize("name", PATHLIB)
def test_path_agrees_with_pathlib(name: str, pair: tuple[Path, osbox.Sandbox]) -> None:
    compare(PATHLIB[name], *pair)


@pytest.mark.parametrize("name", GLOB)
def test_glob_agrees_with_the_real_glob(name: str, pair: tuple[Path, osbox.Sandbox]) -> None:
    real, box = pair
    compare(lambda m, r: GLOB[name](with_glob(m, box), r), real, box)


def test_shutil_error_lists_each_failure(box: osbox.Sandbox) -> None:
    box.os.makedirs("/work/src")
    box.os.symlink("missing", "/work/src/dangling")
    with pytest.raises(shutil.Error) as e:
        box.shutil.copytree("/work/src", "/work/dst")
    [(src, dst, why)] = e.value.args[0]
    assert (src, dst) == ("/work/src/dangling", "/work/dst/dangling")
    assert why == "[Errno 2] No such file or directory: '/work/src/dangling'"


def test_callables_that_cannot_cross_are_refused(box: osbox.Sandbox) -> None:
    box.os.makedirs("/work/src")
    with pytest.raises(NotImplementedError):
        box.shutil.copytree("/work/src", "/work/dst", ignore=lambda d, names: set())
    with pytest.raises(NotImplementedError):
        box.shutil.copytree("/work/src", "/work/dst", copy_function=lambda s, d: d)
    with pytest.raises(NotImplementedError):
        box.shutil.rmtree("/work/src", onerror=print)
    assert box.os.listdir("/work") == ["src"]


def test_ignore_patterns_is_callable_like_shutils(box: osbox.Sandbox) -> None:
    names = ["a.pyc", "b.py", "__pycache__"]
    assert box.shutil.ignore_patterns("*.pyc", "__pycache__")("/x", names) == shutil.ignore_patterns("*.pyc", "__pycache__")("/x", names)


def test_temporary_names_are_in_the_sandbox(box: osbox.Sandbox) -> None:
    assert box.tempfile.gettempdir() == "/work" and box.tempfile.gettempdirb() == b"/work"
    assert box.tempfile.tempdir == "/work"
    fd, name = box.tempfile.mkstemp(prefix="p_", suffix=".s")
    assert name.startswith("/work/p_") and name.endswith(".s") and box.os.fstat(fd).st_size == 0
    with box.tempfile.TemporaryDirectory() as d:
        assert box.os.path.dirname(d) == "/work"


def test_time_platform_and_sys_answer_for_the_host(box: osbox.Sandbox) -> None:
    assert abs(box.time.time() - time.time()) < 60
    assert box.time.time_ns() // 10**9 - time.time_ns() // 10**9 in (-1, 0, 1)
    assert box.time.monotonic() > 0 and box.time.perf_counter_ns() > 0
    assert box.time.gmtime(0) == time.gmtime(0) and box.time.gmtime(0).tm_zone == time.gmtime(0).tm_zone
    assert box.time.localtime(86400 * 365) == time.localtime(86400 * 365)
    assert box.time.strftime("%Y-%m-%d %H", box.time.gmtime(1e9)) == time.strftime("%Y-%m-%d %H", time.gmtime(1e9))
    assert box.platform.system() == platform.system() and box.platform.machine() == platform.machine()
    assert box.platform.node() == platform.node() and box.platform.release() == platform.release()
    assert tuple(box.platform.uname())[:5] == tuple(platform.uname())[:5]
    assert box.sys.platform == "wasi" and sys.platform == "linux"
    assert box.fnmatch is fnmatch


def test_path_is_a_pure_posix_path_of_its_sandbox(box: osbox.Sandbox) -> None:
    p = box.Path("/work") / "a" / "b.txt"
    assert isinstance(p, pathlib.PurePosixPath) and not isinstance(p, pathlib.Path)
    assert type(p) is box.Path and type(p.parent) is box.Path
    assert os.fspath(p) == "/work/a/b.txt" and repr(p) == "Path('/work/a/b.txt')"
    p.parent.mkdir()
    p.write_text("x")
    assert box.os.listdir("/work/a") == ["b.txt"]
    other = osbox.Sandbox(dirs={Path(box.os.getcwd()).anchor and "/tmp": "/work"})
    assert other.Path is not box.Path
