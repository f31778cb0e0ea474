"""``box.subprocess.Popen``, the functions over it, ``box.os.popen`` and
``box.signal``, each case run against the real modules (the same programs
on the host) and in a sandbox, with the same answers required."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from differential import compare

import osbox

Case = Callable[[SimpleNamespace, str], Any]


def timed_out(f: Callable[[], Any]) -> Any:
    """What ``TimeoutExpired`` carried, or what ``f`` gave."""
    try:
        return ("returned", f())
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, getattr(e, "cmd", None), getattr(e, "timeout", None), e.output, e.stderr, str(e)


def popen(m: SimpleNamespace, *args: Any, **kwargs: Any) -> Any:
    return m.subprocess.Popen(*args, **kwargs)


def communicate(m: SimpleNamespace, args: Any, data: Any = None, **kwargs: Any) -> Any:
    p = popen(m, args, **kwargs)
    out = p.communicate(data)
    return out, p.returncode, p.args, repr(p)


def pipeline(m: SimpleNamespace) -> Any:
    P = m.subprocess.PIPE
    p1 = popen(m, ["sh", "-c", "echo b; echo a"], stdout=P)
    p2 = popen(m, ["cat"], stdin=p1.stdout, stdout=P)
    p1.stdout.close()
    return p2.communicate(), p1.wait(), p2.returncode


def timeout_then_rest(m: SimpleNamespace) -> Any:
    p = popen(m, ["sh", "-c", "echo early; exec sleep 5"], stdout=m.subprocess.PIPE)
    first = timed_out(lambda: p.communicate(timeout=0.3))
    p.kill()
    # A later communicate gives all the output, the part read before the
    # timeout included (which CPython also puts in the exception, osbox not).
    return first[:3], first[5], p.communicate(), p.returncode


def wait_timeout(m: SimpleNamespace) -> Any:
    p = popen(m, ["sleep", "5"])
    first = timed_out(lambda: p.wait(timeout=0.1))
    p.kill()
    return first, p.wait(), p.poll(), p.returncode


def signalled(m: SimpleNamespace, how: Callable[[Any], None]) -> Any:
    p = popen(m, ["sleep", "5"])
    how(p)
    return p.wait(), p.returncode


def streams(m: SimpleNamespace, **kwargs: Any) -> Any:
    P = m.subprocess.PIPE
    p = popen(m, ["cat"], stdin=P, stdout=P, stderr=P, **kwargs)
    kinds = [type(f).__name__ for f in (p.stdin, p.stdout, p.stderr)]
    text = [getattr(f, "encoding", None) for f in (p.stdin, p.stdout)]
    flags = (p.stdin.writable(), p.stdout.readable(), p.stdin.readable(), p.stdout.writable())
    out = p.communicate()
    closed = (p.stdin.closed, p.stdout.closed, p.stderr.closed)
    return kinds, text, flags, out, closed, p.text_mode, p.universal_newlines


def read_calls(m: SimpleNamespace) -> Any:
    p = popen(m, ["sh", "-c", "printf 'one\\ntwo\\nthree\\nfour'"], stdout=m.subprocess.PIPE)
    p.wait()
    return p.stdout.read1(2), p.stdout.readline(), p.stdout.readlines(1), p.stdout.read(), p.stdout.read()


def write_calls(m: SimpleNamespace) -> Any:
    P = m.subprocess.PIPE
    p = popen(m, ["cat"], stdin=P, stdout=P)
    n = p.stdin.write(b"abc"), p.stdin.write(bytearray(b"def\n"))
    p.stdin.flush()
    line = p.stdout.readline()
    p.stdin.close()
    return n, line, p.stdout.read(), p.wait()


def line_buffered(m: SimpleNamespace) -> Any:
    P = m.subprocess.PIPE
    p = popen(m, ["cat"], stdin=P, stdout=P, text=True, bufsize=1)
    flags = (p.stdin.line_buffering, p.stdin.write_through)
    p.stdin.write("a line\n")  # reaches cat without a flush
    line = p.stdout.readline()
    p.stdin.close()
    return flags, line, p.stdout.read(), p.wait()


def with_popen(m: SimpleNamespace) -> Any:
    with popen(m, ["sh", "-c", "echo hi; exit 2"], stdout=m.subprocess.PIPE) as p:
        out = p.stdout.read()
    return out, p.returncode, p.stdout.closed


def to_file(m: SimpleNamespace) -> Any:
    with m.open("out.txt", "w") as f:
        code = popen(m, ["sh", "-c", "echo to the file; echo err >&2"], stdout=f, stderr=m.subprocess.STDOUT).wait()
    with m.open("out.txt") as f:
        return code, f.read()


def os_popen_write(m: SimpleNamespace) -> Any:
    f = m.os.popen("cat > written.txt; exit 3", "w")
    n = f.write("line\n")
    status = f.close()
    with m.open("written.txt") as g:
        return n, status, g.read()


def os_popen_iterate(m: SimpleNamespace) -> Any:
    with m.os.popen("echo a; echo b") as f:
        lines = list(f)
        kind = type(f).__name__
    return lines, kind, f.closed


POPEN: dict[str, Case] = {
    "communicate bytes": lambda m, r: communicate(m, ["cat"], b"fed in\n", stdin=m.subprocess.PIPE, stdout=m.subprocess.PIPE),
    "communicate text newlines": lambda m, r: communicate(
        m, ["cat"], "a\r\nb\rc\n", stdin=m.subprocess.PIPE, stdout=m.subprocess.PIPE, text=True
    ),
    "communicate encoding errors": lambda m, r: communicate(
        m, ["sh", "-c", "printf 'caf\\303\\251 \\377'"], stdout=m.subprocess.PIPE, stderr=m.subprocess.PIPE, encoding="utf-8", errors="replace"
    ),
    "communicate latin-1 input": lambda m, r: communicate(
        m, ["cat"], "é", stdin=m.subprocess.PIPE, stdout=m.subprocess.PIPE, encoding="latin-1"
    ),
    "communicate both outputs": lambda m, r: communicate(
        m, "echo out; echo err >&2; exit 5", shell=True, stdout=m.subprocess.PIPE, stderr=m.subprocess.PIPE
    ),
    "communicate merged": lambda m, r: communicate(
        m, "echo out; echo err >&2", shell=True, stdout=m.subprocess.PIPE, stderr=m.subprocess.STDOUT
    ),
    "communicate nothing piped": lambda m, r: communicate(m, ["sh", "-c", "exit 4"]),
    "communicate devnull": lambda m, r: communicate(m, ["ls"], stdout=m.subprocess.DEVNULL),
    "communicate input twice": lambda m, r: (lambda p: (p.communicate(b"x", timeout=5), p.communicate(b"y")))(
        popen(m, ["cat"], stdin=m.subprocess.PIPE, stdout=m.subprocess.PIPE)
    ),
    "communicate timeout then the rest": lambda m, r: timeout_then_rest(m),
    "shell list": lambda m, r: communicate(m, ["echo $0 $1", "zero", "one"], shell=True, stdout=m.subprocess.PIPE),
    "string without shell": lambda m, r: communicate(m, "ls", stdout=m.subprocess.PIPE),
    "path-like program": lambda m, r: communicate(m, [Path("ls"), b"data"], stdout=m.subprocess.PIPE),
    "path-like with shell": lambda m, r: popen(m, Path("ls"), shell=True),
    "cwd and env": lambda m, r: communicate(m, ["sh", "-c", "ls; printenv X"], cwd="data", env={"X": "1", b"Y": b"2"}, stdout=m.subprocess.PIPE),
    "env name with =": lambda m, r: popen(m, ["ls"], env={"A=B": "1"}),
    "args not strings": lambda m, r: popen(m, ["ls", 1]),
    "args empty": lambda m, r: popen(m, []),
    "bufsize not int": lambda m, r: popen(m, ["ls"], bufsize=1.5),
    "text and universal_newlines differ": lambda m, r: popen(m, ["ls"], text=True, universal_newlines=False),
    "startupinfo": lambda m, r: popen(m, ["ls"], startupinfo=object()),
    "creationflags": lambda m, r: popen(m, ["ls"], creationflags=1),
    "stream objects": lambda m, r: streams(m),
    "stream objects text": lambda m, r: streams(m, universal_newlines=True, encoding="utf-8"),
    "stream objects unbuffered": lambda m, r: streams(m, bufsize=0),
    "read calls": lambda m, r: read_calls(m),
    "write calls": lambda m, r: write_calls(m),
    "line buffering": lambda m, r: line_buffered(m),
    "poll and wait": lambda m, r: (lambda p: (p.wait(), p.poll(), p.returncode, repr(p)))(popen(m, ["sh", "-c", "exit 7"])),
    "wait timeout": lambda m, r: wait_timeout(m),
    "terminate": lambda m, r: signalled(m, lambda p: p.terminate()),
    "kill": lambda m, r: signalled(m, lambda p: p.kill()),
    "send_signal": lambda m, r: signalled(m, lambda p: p.send_signal(m.signal.SIGUSR1)),
    "signal after the end": lambda m, r: (lambda p: (p.wait(), p.kill(), p.send_signal(m.signal.SIGTERM), p.returncode))(popen(m, ["ls"])),
    "killed by a signal": lambda m, r: m.subprocess.run(["sh", "-c", "kill -9 $$"]).returncode,
    "context manager": lambda m, r: with_popen(m),
    "to a file": lambda m, r: to_file(m),
    "pipeline": lambda m, r: pipeline(m),
    "long repr": lambda m, r: repr(popen(m, ["ls", "x" * 100], stderr=m.subprocess.DEVNULL)),
    "pid": lambda m, r: (lambda p: (isinstance(p.pid, int) and p.pid > 0, p.wait()))(popen(m, ["ls"])),
}

FUNCTIONS: dict[str, Case] = {
    "run input text": lambda m, r: vars(m.subprocess.run(["cat"], input="in\n", capture_output=True, text=True)),
    "run stdin and input": lambda m, r: m.subprocess.run(["cat"], input=b"x", stdin=m.subprocess.PIPE),
    "run capture and stdout": lambda m, r: m.subprocess.run(["cat"], capture_output=True, stdout=m.subprocess.PIPE),
    "run check output": lambda m, r: timed_out(lambda: m.subprocess.run("echo o; echo e >&2; exit 2", shell=True, capture_output=True, check=True)),
    "run positional bufsize": lambda m, r: m.subprocess.run(["ls", "data"], -1, stdout=m.subprocess.PIPE).stdout,
    "run args keyword": lambda m, r: m.subprocess.run(args=["ls", "data"], stdout=m.subprocess.PIPE).stdout,
    "call timeout": lambda m, r: timed_out(lambda: m.subprocess.call(["sleep", "5"], timeout=0.1))[:3],
    "check_call args keyword": lambda m, r: timed_out(lambda: m.subprocess.check_call(args=["sh", "-c", "exit 3"])),
    "check_output stdout": lambda m, r: m.subprocess.check_output(["ls"], stdout=m.subprocess.PIPE),
    "check_output check": lambda m, r: m.subprocess.check_output(["ls"], check=False),
    "check_output input None": lambda m, r: m.subprocess.check_output(["cat"], input=None, text=True),
    "check_output encoding": lambda m, r: m.subprocess.check_output("printf 'caf\\303\\251'", shell=True, encoding="latin-1"),
    "getoutput encoding": lambda m, r: m.subprocess.getstatusoutput("printf 'x\\377\\n'; exit 1", encoding="utf-8", errors="surrogateescape"),
    "os.popen read": lambda m, r: (lambda f: (f.read(), f.close()))(m.os.popen("echo hi; exit 3")),
    "os.popen killed": lambda m, r: m.os.popen("kill -9 $$").close(),
    "os.popen write": lambda m, r: os_popen_write(m),
    "os.popen iterate": lambda m, r: os_popen_iterate(m),
    "os.popen bad cmd": lambda m, r: m.os.popen(b"ls"),
    "os.popen bad mode": lambda m, r: m.os.popen("ls", "rb"),
    "os.popen unbuffered": lambda m, r: m.os.popen("ls", "r", 0),
    "signal numbers": lambda m, r: [(k, int(v)) for k, v in m.signal.Signals.__members__.items()],
    "signal constants": lambda m, r: (m.signal.SIGTERM, repr(m.signal.SIGKILL), str(m.signal.SIGINT), m.signal.SIGIOT, m.signal.NSIG),
    "signal lookup": lambda m, r: (m.signal.Signals(15).name, m.signal.Signals["SIGCLD"].name, m.signal.Signals(6)),
}


@pytest.mark.parametrize("name", POPEN)
def test_popen_agrees_with_the_real_popen(name: str, pair: tuple[Path, osbox.Sandbox]) -> None:
    compare(POPEN[name], *pair)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_subprocess_functions_os_popen_and_signal_agree_with_the_real_ones(
    name: str, pair: tuple[Path, osbox.Sandbox]
) -> None:
    compare(FUNCTIONS[name], *pair)


def test_a_pipe_of_another_sandbox_is_refused(pair: tuple[Path, osbox.Sandbox], work: Path) -> None:
    _, box = pair
    with osbox.Sandbox(dirs={work: "/work"}, allow_run=["cat", "ls"]) as other:
        p = other.subprocess.Popen(["ls"], stdout=other.subprocess.PIPE)
        with pytest.raises(ValueError, match="another sandbox"):
            box.subprocess.Popen(["cat"], stdin=p.stdout)
        p.wait()


def test_a_host_file_is_refused_as_a_stream(box_with_sh: osbox.Sandbox, tmp_path: Path) -> None:
    with open(tmp_path / "host.txt", "w") as f, pytest.raises(ValueError, match="only a file of this sandbox"):
        box_with_sh.subprocess.Popen(["sh", "-c", "echo x"], stdout=f)
    assert (tmp_path / "host.txt").read_text() == ""


def test_pipes_have_no_descriptor(box_with_sh: osbox.Sandbox) -> None:
    p = box_with_sh.subprocess.Popen(["sh", "-c", "echo x"], stdout=box_with_sh.subprocess.PIPE)
    with pytest.raises(io.UnsupportedOperation):
        p.stdout.fileno()
    assert p.communicate() == (b"x\n", None)


@pytest.mark.parametrize(
    "option", [{"executable": "sh"}, {"preexec_fn": print}, {"pass_fds": (3,)}, {"user": 0}, {"group": 0}, {"umask": 0o22}]
)
def test_options_a_sandbox_cannot_honour_are_not_implemented(box_with_sh: osbox.Sandbox, option: dict[str, Any]) -> None:
    with pytest.raises(NotImplementedError, match="not available in osbox"):
        box_with_sh.subprocess.Popen(["sh", "-c", "exit 0"], **option)


def test_a_program_not_granted_is_refused_before_it_starts(box: osbox.Sandbox) -> None:
    with pytest.raises(PermissionError):
        box.subprocess.Popen(["ls"])
    with pytest.raises(PermissionError):
        box.os.popen("ls")


def test_popen_of_a_closed_sandbox_is_a_sandbox_error(box_with_sh: osbox.Sandbox) -> None:
    p = box_with_sh.subprocess.Popen(["sh", "-c", "sleep 5"], stdout=box_with_sh.subprocess.PIPE)
    box_with_sh.close()
    with pytest.raises(osbox.SandboxError):
        p.wait()
    p.stdout.close()  # the pipe went with the sandbox: closing is quiet
    assert p.stdout.closed


@pytest.fixture
def box_with_sh(work: Path) -> osbox.Sandbox:
    """A sandbox over ``work`` at /work that may run ``sh``."""
    with osbox.Sandbox(dirs={work: "/work"}, cwd="/work", allow_run=["sh"]) as b:
        yield b
