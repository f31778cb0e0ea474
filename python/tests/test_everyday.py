"""The proof: everyday scripts, ported by changing only where the modules
come from, give the same answers and leave the same trees in a sandbox as
with the real modules; and nothing outside the grants is reachable."""

from __future__ import annotations

import os
import types
from pathlib import Path
from typing import Any, Callable

import pytest

import everyday
import osbox
from conftest import snapshot


def ported(script: Callable[..., Any], box: osbox.Sandbox) -> Callable[..., Any]:
    """``script`` with its modules taken from ``box``: the same code, only
    the names ``os``, ``shutil``, ``tempfile``, ``subprocess``, ``open``,
    ``Path``, ``glob`` and ``time`` bound to the sandbox's."""
    namespace = dict(script.__globals__)
    namespace.update(
        os=box.os,
        shutil=box.shutil,
        tempfile=box.tempfile,
        subprocess=box.subprocess,
        open=box.open,
        Path=box.Path,
        glob=box.glob,
        time=box.time,
    )
    return types.FunctionType(script.__code__, namespace, script.__name__, script.__defaults__, script.__closure__)


def as_guest(value: Any, host_root: str) -> Any:
    """An answer of the real run with its root written as the sandbox's."""
    if isinstance(value, str):
        return value.replace(host_root, "/work")
    if isinstance(value, (list, tuple)):
        return type(value)(as_guest(v, host_root) for v in value)
    if isinstance(value, dict):
        return {as_guest(k, host_root): as_guest(v, host_root) for k, v in value.items()}
    return value


@pytest.mark.parametrize("script", everyday.SCRIPTS, ids=lambda s: s.__name__)
def test_everyday_script_agrees_with_the_real_modules(script: Callable[..., Any], trees: tuple[Path, Path]) -> None:
    real, boxed = trees
    saved = dict(os.environ)
    try:
        expected = script(str(real))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    with osbox.Sandbox(dirs={boxed: "/work"}, env={"HOME": "/work"}, cwd="/work", allow_run=["ls"]) as box:
        got = ported(script, box)("/work")
    assert got == as_guest(expected, str(real))
    assert snapshot(boxed) == snapshot(real)


def test_the_scripts_change_their_trees(trees: tuple[Path, Path]) -> None:
    # The comparison above means something only if the scripts do work.
    real, _ = trees
    before = snapshot(real)
    saved = dict(os.environ)
    try:
        for script in everyday.SCRIPTS:
            script(str(real))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    after = snapshot(real)
    assert {"backups", "releases", "current", "data/summary.json", "processed", "logs/app.log.2"} <= set(after) - set(before)


def test_etc_passwd_is_not_there(box: osbox.Sandbox) -> None:
    for attempt in (
        lambda: box.os.stat("/etc/passwd"),
        lambda: box.open("/etc/passwd"),
        lambda: box.os.listdir("/etc"),
        lambda: box.Path("/etc/passwd").read_text(),
        lambda: box.shutil.copy("/etc/passwd", "/work/stolen"),
    ):
        with pytest.raises(FileNotFoundError) as e:
            attempt()
        assert e.value.errno == 2
        assert e.value.strerror == "No such file or directory"
        assert e.value.filename == "/etc/passwd" or e.value.filename == "/etc"
    assert not box.os.path.exists("/etc/passwd")
    assert box.os.listdir("/") == ["work"]
    assert box.glob.glob("/etc/*") == []
    assert not os.path.exists(box.os.path.join(str(Path(box.os.getcwd())), "stolen"))


def test_a_program_not_granted_is_refused(box: osbox.Sandbox) -> None:
    with pytest.raises(PermissionError) as e:
        box.subprocess.run(["cat", "/etc/passwd"], capture_output=True)
    assert e.value.errno == 1
    assert str(e.value) == "[Errno 1] Operation not permitted: 'cat'"
    with pytest.raises(PermissionError):
        box.os.system("cat /etc/passwd")
    with pytest.raises(PermissionError):
        box.subprocess.check_output("id", shell=True)
