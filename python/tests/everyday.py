"""The everyday scripts of Python's os users, written for the real modules.

test_everyday.py runs each twice: as it is, on one copy of a tree, and with
only ``os``, ``shutil``, ``tempfile``, ``subprocess``, ``open``, ``Path``,
``glob`` and ``time`` taken from a sandbox instead, on another copy. Each
takes the directory it works in and returns what it found.
"""

import csv
import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def backup(root):
    """A timestamped backup of app/ with copy2 (times kept), skipping
    __pycache__ by pruning the walk."""
    src = os.path.join(root, "app")
    newest = max(os.path.getmtime(os.path.join(d, f)) for d, _, files in os.walk(src) for f in files)
    stamp = time.strftime("%Y%m%d_%H%M%S", time.gmtime(newest))
    dest = os.path.join(root, "backups", f"backup_{stamp}")
    copied = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        target = os.path.normpath(os.path.join(dest, os.path.relpath(dirpath, src)))
        os.makedirs(target, exist_ok=True)
        for name in sorted(filenames):
            copied.append(os.path.relpath(shutil.copy2(os.path.join(dirpath, name), target), root))
    return stamp, copied, sorted(os.listdir(dest))


def deploy(root):
    """Settings from os.environ, the app copied to a release without
    bytecode, its script made executable, a switch link to the release."""
    os.environ["APP_ENV"] = "production"
    os.environ.setdefault("APP_VERSION", "1.4.2")
    release = os.path.join(root, "releases", os.environ["APP_VERSION"])
    shutil.copytree(os.path.join(root, "app"), release, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    shutil.copy(os.path.join(root, "app", "config.ini"), os.path.join(root, "releases", "config.ini.bak"))
    script = os.path.join(release, "run.sh")
    os.chmod(script, 0o755)
    with open(os.path.join(release, "ENV"), "w") as f:
        for key in sorted(k for k in os.environ if k.startswith("APP_")):
            f.write(f"{key}={os.environ[key]}\n")
    current = os.path.join(root, "current")
    os.symlink(os.path.relpath(release, root), current)
    return (
        sorted(os.listdir(release)),
        oct(os.stat(script).st_mode & 0o777),
        os.access(script, os.X_OK),
        os.access(os.path.join(release, "main.py"), os.X_OK),
        os.path.islink(current),
        os.readlink(current),
        os.path.realpath(current) == os.path.realpath(release),
        shutil.which("run.sh", path=release),
        os.environ.get("APP_ENV"),
    )


def csv_summary(root):
    """Every data/*.csv summarised into data/summary.json, written atomically."""
    summary = {}
    for path in sorted(glob.glob(os.path.join(root, "data", "*.csv"))):
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        summary[os.path.basename(path)] = {
            "rows": len(rows),
            "total": sum(int(r["amount"]) for r in rows),
            "regions": sorted({r["region"] for r in rows}),
        }
    out = os.path.join(root, "data", "summary.json")
    with open(out + ".tmp", "w") as f:
        json.dump(summary, f, indent=2, sort_keys=True)
    os.replace(out + ".tmp", out)
    with open(out) as f:
        return json.load(f)


def health(root):
    """Disk usage and, per critical directory, files, bytes and the largest file."""
    usage = shutil.disk_usage(root)
    st = os.statvfs(root)
    checks = {}
    for name in ("app", "data", "logs", "empty", "missing"):
        path = os.path.join(root, name)
        if not os.path.isdir(path):
            checks[name] = "missing"
            continue
        files = [os.path.join(d, f) for d, _, names in os.walk(path) for f in names]
        largest = max(files, key=os.path.getsize, default=None)
        checks[name] = {
            "files": len(files),
            "bytes": sum(os.path.getsize(f) for f in files),
            "largest": largest and os.path.relpath(largest, root),
        }
    return {
        "total": usage.total,
        "used_and_free_fit": usage.used + usage.free <= usage.total,
        "total_is_statvfs": usage.total == st.f_blocks * st.f_frsize,
        "block": st.f_frsize,
        "namemax": st.f_namemax,
        "checks": checks,
    }


def safe_join(root):
    """Untrusted names joined under uploads/, refusing whatever leaves it."""
    base = os.path.realpath(os.path.join(root, "uploads"))

    def join(name):
        candidate = os.path.realpath(os.path.join(base, name))
        if os.path.commonpath([base, candidate]) != base:
            raise ValueError(f"unsafe path: {name!r}")
        return os.path.relpath(candidate, base)

    results = []
    for name in ["report.txt", "a/b/../c.txt", "../etc/passwd", "/etc/passwd", "a/../../x", "./x/./y", ""]:
        try:
            results.append(("ok", join(name)))
        except ValueError as e:
            results.append(("rejected", str(e)))
    return results


def upload_store(root):
    """Uploads stored under uploads/, listed with their sizes, one removed."""
    store = os.path.join(root, "uploads")

    def put(name, data):
        path = os.path.join(store, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return os.path.getsize(path)

    sizes = [put("a.bin", b"\0" * 100), put("docs/b.txt", b"hello"), put("docs/deep/c.dat", bytes(range(256)) * 4)]
    listing = sorted(
        (os.path.relpath(os.path.join(d, f), store), os.path.getsize(os.path.join(d, f)))
        for d, _, names in os.walk(store)
        for f in names
    )
    os.remove(os.path.join(store, "a.bin"))
    return sizes, listing, sum(size for _, size in listing), sorted(os.listdir(store))


def pathlib_pipeline(root):
    """inbox/ staged in a TemporaryDirectory with pathlib, moved to processed/."""
    out = Path(root) / "processed"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        stage = Path(tmp) / "stage"
        stage.mkdir()
        for src in sorted((Path(root) / "inbox").iterdir()):
            if src.suffix == ".txt":
                (stage / src.name.upper()).write_text(src.read_text().upper())
            else:
                (stage / src.name).write_bytes(src.read_bytes())
        staged = sorted(p.name for p in stage.glob("*"))
        for p in sorted(stage.iterdir()):
            shutil.move(p, out)
        leftover = list(stage.iterdir())
        was_dir = Path(tmp).is_dir()
    return (
        staged,
        leftover,
        was_dir,
        Path(tmp).exists(),
        sorted(p.name for p in out.iterdir()),
        (out / "REPORT.TXT").read_text(),
        [p.relative_to(root).as_posix() for p in sorted(Path(root).rglob("*.TXT"))],
        (out / "photo.jpg").stat().st_size,
    )


def rotate_logs(root, max_bytes=1000, keep=3):
    """logs/*.log over max_bytes rotated to .1, .2, ... with os.replace."""
    logdir = os.path.join(root, "logs")
    rotated = []
    for log in sorted(glob.glob(os.path.join(logdir, "*.log"))):
        if os.path.getsize(log) <= max_bytes:
            continue
        for n in range(keep - 1, 0, -1):
            older = f"{log}.{n}"
            if os.path.exists(older):
                os.replace(older, f"{log}.{n + 1}")
        os.replace(log, log + ".1")
        open(log, "w").close()
        rotated.append(os.path.basename(log))
    return (
        rotated,
        sorted(os.path.basename(p) for p in glob.glob(os.path.join(logdir, "*.log*"))),
        sorted(glob.glob("**/*.log.?", root_dir=root, recursive=True)),
        sorted(glob.glob(os.path.join(glob.escape(logdir), "app.log.[0-9]"))),
    )


def run_programs(root):
    """ls through subprocess.run with check=True, its failure, check_output."""
    done = subprocess.run(["ls", "data"], cwd=root, capture_output=True, text=True, check=True)
    try:
        subprocess.run(["ls", "no-such-dir"], cwd=root, capture_output=True, text=True, check=True)
    except subprocess.CalledProcessError as e:
        failed = (type(e).__name__, e.returncode, e.stderr.strip(), e.cmd)
    listed = subprocess.check_output(["ls", "logs"], cwd=root, text=True)
    return done.returncode, done.stdout.split(), failed, listed.split(), subprocess.call(["ls", "app"], cwd=root)


def expected_errors(root):
    """The exceptions for missing, non-empty and existing paths."""

    def error(f, *args):
        try:
            f(*args)
        except OSError as e:
            names = [n and os.path.relpath(n, root) for n in (e.filename, e.filename2)]
            return type(e).__name__, e.errno, e.strerror, *names
        return None

    def j(*parts):
        return os.path.join(root, *parts)

    return [
        error(os.remove, j("missing.txt")),
        error(open, j("missing.txt")),
        error(os.rmdir, j("app")),
        error(os.mkdir, j("data")),
        error(os.makedirs, j("data")),
        error(shutil.copytree, j("app"), j("data")),
        error(os.rename, j("missing"), j("x")),
        error(shutil.rmtree, j("missing")),
        error(os.listdir, j("data", "notes.txt")),
        error(os.remove, j("data")),
        error(open, j("data"), "w"),
        error(open, j("data")),
        error(open, j("data", "notes.txt"), "x"),
        error(lambda: Path(root, "missing.txt").unlink()),
        error(lambda: Path(root, "data").mkdir()),
        error(lambda: Path(root, "missing", "x").read_text()),
        error(lambda: Path(root, "missing", "x").mkdir()),
    ]


SCRIPTS = [
    backup,
    deploy,
    csv_summary,
    health,
    safe_join,
    upload_store,
    pathlib_pipeline,
    rotate_logs,
    run_programs,
    expected_errors,
]
