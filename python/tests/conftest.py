"""Fixtures: a planted tree in two copies (one for the real modules, one
granted to a sandbox at /work), and snapshots of trees to compare."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

# Its comparisons report both sides when they fail.
pytest.register_assert_rewrite("differential")

import osbox  # noqa: E402

#: Planted files get this modification time, so copies that keep times
#: (copy2) can be compared exactly on both sides.
PLANTED_MTIME = 1_000_000_000

TREE = {
    "app/main.py": "print('hello')\n",
    "app/lib/util.py": "def f():\n    return 1\n",
    "app/lib/__pycache__/util.cpython-311.pyc": "compiled",
    "app/run.sh": "#!/bin/sh\necho run\n",
    "app/config.ini": "[main]\nname = demo\n",
    "data/sales-jan.csv": "region,amount\nnorth,10\nsouth,20\neast,5\n",
    "data/sales-feb.csv": "region,amount\nnorth,7\nsouth,3\n",
    "data/notes.txt": "not a csv\n",
    "logs/app.log": "x" * 2000,
    "logs/app.log.1": "old\n",
    "logs/worker.log": "small\n",
    "logs/db.log": "y" * 1500,
    "inbox/report.txt": "quarterly report\n",
    "inbox/photo.jpg": "\xff\xd8 not really a jpeg",
    "full/keep.txt": "keep\n",
}
DIRS = ["empty", "uploads"]


def plant(root: Path) -> None:
    """The planted tree under ``root``."""
    for name, content in TREE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        os.utime(path, (PLANTED_MTIME, PLANTED_MTIME))
    for name in DIRS:
        (root / name).mkdir(parents=True, exist_ok=True)


def snapshot(root: Path) -> dict[str, Any]:
    """Every path under ``root`` with its type, content or link target, the
    permission bits of files, and the modification time when it was planted
    or copied from a planted file (times of what a run creates differ
    between the two sides)."""
    out: dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            st = path.lstat()
            mtime = st.st_mtime_ns if st.st_mtime < 1_500_000_000 else None
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir",)
            else:
                out[rel] = ("file", path.read_bytes(), stat.S_IMODE(st.st_mode), mtime)
    return out


@pytest.fixture
def trees(tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of the planted tree: ``real`` and ``boxed``."""
    real, boxed = tmp_path / "real", tmp_path / "boxed"
    for root in (real, boxed):
        root.mkdir()
        plant(root)
    return real, boxed


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """An empty directory granted as /work by the ``box`` fixture."""
    d = tmp_path / "work"
    d.mkdir()
    return d


@pytest.fixture
def box(work: Path) -> osbox.Sandbox:
    """A sandbox over ``work`` at /work, current directory /work."""
    with osbox.Sandbox(dirs={work: "/work"}, env={"HOME": "/work", "TMPDIR": "/work"}, cwd="/work") as b:
        yield b


#: Programs the differential sandboxes may run.
PROGRAMS = ["ls", "sh", "sleep", "printenv", "cat"]


@pytest.fixture
def pair(trees: tuple[Path, Path]) -> tuple[Path, osbox.Sandbox]:
    """The real copy of the planted tree, and a sandbox over the other copy
    at /work (its current directory)."""
    real, boxed = trees
    with osbox.Sandbox(
        dirs={boxed: "/work"}, env={"HOME": "/work", "TMPDIR": "/work"}, cwd="/work", allow_run=PROGRAMS
    ) as b:
        yield real, b
