"""The ``Sandbox`` itself: its policy, its limits, its end, and threads."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

import osbox


def test_grants_environment_and_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rw").mkdir()
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "f").write_text("shared")
    monkeypatch.setenv("OSBOX_TEST_LANG", "xx_XX")
    box = osbox.Sandbox(
        dirs={tmp_path / "rw": "/data"},
        ro_dirs={str(tmp_path / "ro"): "/shared"},
        env={"HOME": "/data"},
        inherit_env=["OSBOX_TEST_LANG", "OSBOX_TEST_UNSET"],
    )
    assert box.os.getcwd() == "/data"
    assert sorted(box.os.listdir("/")) == ["data", "shared"]
    assert dict(box.os.environ) == {"HOME": "/data", "OSBOX_TEST_LANG": "xx_XX"}
    assert box.open("/shared/f").read() == "shared"
    with pytest.raises(OSError) as e:
        box.open("/shared/g", "w")
    assert (type(e.value), e.value.errno, e.value.strerror) == (OSError, 30, "Read-only file system")
    with pytest.raises(OSError) as e:
        box.os.chmod("/shared/f", 0o777)
    assert e.value.errno == 30
    assert os.listdir(tmp_path / "ro") == ["f"]
    box.shutil.copy("/shared/f", "/data/")
    assert (tmp_path / "rw" / "f").read_text() == "shared"


def test_cwd_and_pairs(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    box = osbox.Sandbox(dirs=[(tmp_path, "/w")], cwd="/w/a")
    assert box.os.getcwd() == "/w/a"


def test_bad_policies_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        osbox.Sandbox(dirs={tmp_path / "nope": "/x"})
    with pytest.raises(ValueError):
        osbox.Sandbox(dirs={tmp_path: "relative"})
    with pytest.raises(ValueError):
        osbox.Sandbox(dirs={tmp_path: "/x"}, cwd="relative")
    with pytest.raises(FileNotFoundError):
        osbox.Sandbox(allow_run=["no-such-program-anywhere"])
    with pytest.raises(ValueError):
        osbox.Sandbox(timeout=-1)
    with pytest.raises(TypeError):
        osbox.Sandbox(dirs=[tmp_path])  # type: ignore[list-item]


def test_nothing_is_granted_by_default() -> None:
    box = osbox.Sandbox()
    assert box.os.listdir("/") == []
    assert dict(box.os.environ) == {}
    with pytest.raises(FileNotFoundError):
        box.os.stat(os.getcwd())


def test_time_limit_raises_timeout_error_then_the_sandbox_is_over(work: Path) -> None:
    box = osbox.Sandbox(dirs={work: "/work"}, timeout=0.3)
    box.os.mkdir("/work/before")
    with pytest.raises(TimeoutError) as e:
        box.time.sleep(5)
    assert e.value.errno is None
    assert not box.alive
    with pytest.raises(osbox.SandboxError, match="time limit"):
        box.os.listdir("/work")
    assert os.listdir(work) == ["before"]


def test_memory_cap_raises_memory_error_and_the_sandbox_goes_on(work: Path) -> None:
    box = osbox.Sandbox(dirs={work: "/work"}, memory=32)
    assert len(box.os.urandom(1 << 20)) == 1 << 20
    with pytest.raises(MemoryError):
        box.os.urandom(64 << 20)
    with pytest.raises(MemoryError):
        box.open("/work/big", "wb").write(bytes(64 << 20))
    assert box.alive and box.os.getcwd() == "/work"
    assert box.os.listdir("/work") == ["big"]


def test_a_closed_sandbox_raises_sandbox_error(work: Path) -> None:
    with osbox.Sandbox(dirs={work: "/work"}) as box:
        f = box.open("/work/f", "w")
        assert box.alive and repr(box) == "<osbox.Sandbox running>"
    assert not box.alive and repr(box) == "<osbox.Sandbox ended>"
    with pytest.raises(osbox.SandboxError, match="closed"):
        box.os.stat("/work")
    f.close()  # the descriptor went with the sandbox: no error
    assert issubclass(osbox.SandboxError, Exception) and osbox.SandboxError.__module__ == "osbox"


def test_call_reaches_any_function_by_name(box: osbox.Sandbox) -> None:
    box.call("os.makedirs", "/work/a/b", exist_ok=True)
    assert box.call("os.listdir", "/work/a") == ["b"]
    assert box.call("os.sep") == "/"
    with pytest.raises(AttributeError, match="module 'os' has no attribute 'fork'"):
        box.call("os.fork")
    with pytest.raises(TypeError, match="listdir"):
        box.call("os.listdir", "/work", "extra")


def test_threads_share_one_sandbox(box: osbox.Sandbox) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            d = f"/work/t{n}"
            box.os.makedirs(f"{d}/sub")
            for i in range(50):
                with box.open(f"{d}/sub/{i}.txt", "w") as f:
                    f.write(str(i) * n)
            assert sorted(box.os.listdir(f"{d}/sub")) == sorted(f"{i}.txt" for i in range(50))
            assert sum(box.os.stat(f"{d}/sub/{i}.txt").st_size for i in range(50)) == n * 90
            box.shutil.copytree(d, f"{d}-copy")
            box.shutil.rmtree(d)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(box.os.listdir("/work")) == [f"t{n}-copy" for n in range(1, 9)]


def sleep_in(box: osbox.Sandbox, seconds: float) -> tuple[threading.Thread, threading.Event]:
    """A thread sleeping inside the sandbox, and the event it sets just
    before the call."""
    entering = threading.Event()

    def sleeper() -> None:
        entering.set()
        box.time.sleep(seconds)

    t = threading.Thread(target=sleeper)
    t.start()
    return t, entering


def test_calls_release_the_gil(box: osbox.Sandbox) -> None:
    sleeper, entering = sleep_in(box, 1.0)
    entering.wait()
    # This thread gets the GIL back from the sleeper only when the sleeper
    # releases it: at once if the call releases it, after the sleep if not.
    time.sleep(0.1)
    overlapped = sleeper.is_alive()
    sleeper.join()
    assert overlapped


def test_a_thread_waiting_for_the_sandbox_does_not_hold_the_gil(box: osbox.Sandbox) -> None:
    # A waiter that held the GIL while the sleeper held the sandbox would
    # deadlock: the sleeper needs the GIL to come back.
    sleeper, entering = sleep_in(box, 0.5)
    entering.wait()
    waiters = [threading.Thread(target=box.os.getcwd) for _ in range(4)]
    for w in waiters:
        w.start()
    for t in [sleeper, *waiters]:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in [sleeper, *waiters])


def test_sandboxes_are_independent(tmp_path: Path) -> None:
    boxes = []
    for n in range(3):
        d = tmp_path / str(n)
        d.mkdir()
        boxes.append(osbox.Sandbox(dirs={d: "/data"}, env={"N": str(n)}))
    for n, box in enumerate(boxes):
        box.open(f"/data/{n}", "w").close()
        box.os.chdir("/")
    assert [b.os.listdir("/data") for b in boxes] == [["0"], ["1"], ["2"]]
    assert [b.os.environ["N"] for b in boxes] == ["0", "1", "2"]
    assert [b.os.getcwd() for b in boxes] == ["/", "/", "/"]
