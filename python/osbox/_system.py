"""``box.time``, ``box.platform``, ``box.sys`` and ``box.signal``: the
parts of those modules osbox serves, answered by the sandbox (its clocks,
the host's system information as the sandbox reports it, the signal
numbers its children take)."""

# The bodies of the functions made by `via` are their docstrings.
# mypy: disable-error-code="empty-body"

from __future__ import annotations

import enum
import time as _host_time
from collections import namedtuple
from typing import TYPE_CHECKING, Any, Optional

from ._module import Module, via
from ._osbox import nsig, signals

if TYPE_CHECKING:
    from ._osbox import Core


class TimeModule(Module):
    """``time`` for the sandbox: its clocks, and ``sleep``, which counts
    against its time limit."""

    _name = "time"

    struct_time = _host_time.struct_time

    def __init__(self, core: Core) -> None:
        self._core = core

    @via("time.time")
    def time(self) -> float:
        """Seconds since the epoch, as a float."""

    @via("time.time_ns")
    def time_ns(self) -> int:
        """Nanoseconds since the epoch."""

    @via("time.monotonic")
    def monotonic(self) -> float:
        """A clock that never goes back, in seconds."""

    @via("time.monotonic_ns")
    def monotonic_ns(self) -> int:
        """``monotonic()`` in nanoseconds."""

    @via("time.perf_counter")
    def perf_counter(self) -> float:
        """The monotonic clock, for measuring intervals."""

    @via("time.perf_counter_ns")
    def perf_counter_ns(self) -> int:
        """``perf_counter()`` in nanoseconds."""

    @via("time.sleep")
    def sleep(self, secs: float) -> None:
        """Sleeps in the sandbox (other Python threads run meanwhile)."""

    def gmtime(self, secs: Optional[float] = None) -> _host_time.struct_time:
        """``struct_time`` in UTC, of ``secs`` or now."""
        return self._core.gmtime(secs)

    def localtime(self, secs: Optional[float] = None) -> _host_time.struct_time:
        """``struct_time`` in the host's time zone, of ``secs`` or now."""
        return self._core.localtime(secs)

    def strftime(self, format: str, t: Any = None) -> str:  # noqa: A002 (CPython's name)
        """``t`` (default: the local time now) formatted as glibc's C locale does."""
        if t is None:
            return self._core.call("time.strftime", (format,))
        return self._core.call("time.strftime", (format, tuple(t)[:9]))


#: ``platform.uname()``'s answer; ``processor`` is empty, as Linux's
#: ``uname -p`` gives it to CPython.
uname_result = namedtuple("uname_result", "system node release version machine processor")


class PlatformModule(Module):
    """``platform`` for the sandbox: the host's system, as the sandbox reports it."""

    _name = "platform"

    def __init__(self, core: Core) -> None:
        self._core = core
        self.uname_result = uname_result

    @via("platform.system")
    def system(self) -> str:
        """``'Linux'``."""

    @via("platform.node")
    def node(self) -> str:
        """The host's name."""

    @via("platform.release")
    def release(self) -> str:
        """The kernel release."""

    @via("platform.version")
    def version(self) -> str:
        """The kernel version."""

    @via("platform.machine")
    def machine(self) -> str:
        """The machine type (``'x86_64'``)."""

    def uname(self) -> "uname_result":
        """``(system, node, release, version, machine, processor)``."""
        return uname_result(*self._core.call("platform.uname"))


class SysModule(Module):
    """``sys`` as far as osbox serves it: ``platform`` (``'wasi'``, as
    CPython on WASI reports it)."""

    _name = "sys"

    def __init__(self, core: Core) -> None:
        self.platform: str = core.call("sys.platform")


def _signals_enum() -> type[enum.IntEnum]:
    """``signal.Signals`` with the sandbox's (Linux's) numbers, members
    ordered as CPython orders them: by number, an alias after its member."""
    table = sorted(signals(), key=lambda s: (s[1], s[0]))
    return enum.IntEnum("Signals", table, module="signal")  # type: ignore[return-value]


#: ``signal.Signals``: one class for every sandbox (the numbers are fixed).
Signals = _signals_enum()


class SignalModule(Module):
    """``signal`` as far as a sandbox has it: ``Signals``, the ``SIG*``
    constants (Linux's numbers, for ``Popen.send_signal`` and ``os.kill``)
    and ``NSIG``. Handlers, ``alarm`` and the like are not there (nothing
    signals a sandbox)."""

    _name = "signal"

    Signals = Signals
    NSIG: int = nsig()

    def __init__(self) -> None:
        for name, member in Signals.__members__.items():
            setattr(self, name, member)
