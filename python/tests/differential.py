"""Running one piece of code against the real modules and against a
sandbox's, on two copies of the planted tree, and comparing what each gave
back or raised."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import osbox


def real_modules() -> SimpleNamespace:
    return SimpleNamespace(
        os=os, shutil=shutil, tempfile=tempfile, subprocess=subprocess, signal=signal, open=open, Path=Path
    )


def box_modules(box: osbox.Sandbox) -> SimpleNamespace:
    return SimpleNamespace(
        os=box.os,
        shutil=box.shutil,
        tempfile=box.tempfile,
        subprocess=box.subprocess,
        signal=box.signal,
        open=box.open,
        Path=box.Path,
    )


def outcome(f: Callable[[SimpleNamespace, str], Any], m: SimpleNamespace, root: str) -> Any:
    """What ``f`` returned, or the exception it raised as
    ``(class, errno, strerror, filename, filename2, str)``."""
    try:
        return ("ok", f(m, root))
    except Exception as e:  # noqa: BLE001 (any exception is an answer)
        names = tuple(getattr(e, n, None) for n in ("errno", "strerror", "filename", "filename2"))
        return ("raised", type(e).__name__, *names, str(e))


def guest(value: Any, host_root: str) -> Any:
    """A real answer with its root written as the sandbox's (/work)."""
    if isinstance(value, str):
        return value.replace(host_root, "/work")
    if isinstance(value, bytes):
        return value.replace(os.fsencode(host_root), b"/work")
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        return type(value)(guest(v, host_root) for v in value)
    if isinstance(value, dict):
        return {guest(k, host_root): guest(v, host_root) for k, v in value.items()}
    return value


def compare(f: Callable[[SimpleNamespace, str], Any], real: Path, box: osbox.Sandbox) -> Any:
    """Runs ``f(modules, root)`` both ways (the real run with ``real`` as
    its current directory, the sandbox's at /work) and asserts the same
    outcome; returns it."""
    here = os.getcwd()
    os.chdir(real)
    try:
        expected = guest(outcome(f, real_modules(), str(real)), str(real))
    finally:
        os.chdir(here)
    got = outcome(f, box_modules(box), "/work")
    assert got == expected
    return got
