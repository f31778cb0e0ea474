"""How fast osbox is from Python: each case timed on the same files, in the
same process, through ``box.os`` and through CPython's own ``os``, with the
ratio osbox / CPython.

    python benches/python_package.py [--quick]

Run it with the package installed (``pip install ./python``, which builds in
release mode). Each figure is the median of several runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from typing import Callable

import osbox

RUNS = 9


def medians(a: Callable[[], object], b: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """The median times of ``a()`` and ``b()`` in seconds, run in turns so
    that a busy moment of the machine weighs on both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for f, out in ((a, times[0]), (b, times[1])):
            t = time.perf_counter()
            f()
            out.append(time.perf_counter() - t)
    return statistics.median(times[0]), statistics.median(times[1])


def tree(root: str, files: int) -> None:
    """``files`` one-byte files, 50 to a directory (as the Rust bench makes them)."""
    dirs = max(files // 50, 1)
    for d in range(dirs):
        path = os.path.join(root, f"d{d:04}")
        os.makedirs(path)
        for f in range(files // dirs):
            with open(os.path.join(path, f"f{f:03}"), "wb") as fh:
                fh.write(b"x")


def show(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} us" if seconds < 1e-3 else f"{seconds * 1e3:.1f} ms"


def main() -> None:
    quick = "--quick" in sys.argv
    stats = 2_000 if quick else 20_000
    walks = [2_000, 10_000] if quick else [10_000, 100_000]
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "stat-me"), "wb") as f:
            f.write(b"x")
        big = os.path.join(d, "big")
        os.mkdir(big)
        for i in range(10_000):
            open(os.path.join(big, f"e{i:06}"), "wb").close()
        for files in walks:
            tree(os.path.join(d, f"walk{files}"), files)

        box = osbox.Sandbox(dirs={d: "/b"}, cwd="/b")
        here = os.getcwd()
        os.chdir(d)
        try:
            rows = []

            def case(name: str, boxed: Callable[[], object], real: Callable[[], object], per: int = 1) -> None:
                boxed()
                real()
                b, r = medians(boxed, real)
                rows.append((name, b / per, r / per))

            bstat, rstat = box.os.stat, os.stat
            case("os.stat", lambda: [bstat("stat-me") for _ in range(stats)], lambda: [rstat("stat-me") for _ in range(stats)], stats)
            case("os.listdir of 10,000", lambda: box.os.listdir("big"), lambda: os.listdir("big"))
            case(
                "os.scandir of 10,000",
                lambda: [e.is_dir() for e in box.os.scandir("big")],
                lambda: [e.is_dir() for e in os.scandir("big")],
            )
            for files in walks:
                case(
                    f"os.walk of {files:,} files",
                    lambda: [s for s in box.os.walk(f"walk{files}")],
                    lambda: [s for s in os.walk(f"walk{files}")],
                )
            case(
                "open + read of a small file",
                lambda: [box.open("stat-me", "rb").read() for _ in range(1000)],
                lambda: [open("stat-me", "rb").read() for _ in range(1000)],
                1000,
            )
        finally:
            os.chdir(here)
            box.close()

    print(f"{'case':<30} {'osbox':>10} {'CPython':>10} {'osbox/CPython':>14}")
    for name, b, r in rows:
        print(f"{name:<30} {show(b):>10} {show(r):>10} {b / r:>13.2f}x")


if __name__ == "__main__":
    main()
