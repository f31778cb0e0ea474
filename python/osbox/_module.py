"""What every sandboxed module is built from: the namespace class that
answers a missing name as a module does, and the wrapper that runs a
function of the surface through the protocol by its dotted name."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Module:
    """A sandboxed module: functions bound to one sandbox, and the
    constants of the real module. A name osbox does not serve raises
    ``AttributeError`` as a missing module attribute does."""

    #: The name of the real module this one stands for (``os``, ``shutil``).
    _name = "module"

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"module {self._name!r} has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"<sandboxed module {self._name!r}>"

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        return sorted(n for n in names if not n.startswith("_") or n.startswith("__"))


def via(name: str) -> Callable[[F], F]:
    """Makes the decorated method call ``name`` (``"os.mkdir"``) in the
    sandbox with the arguments as given: the protocol binds them to the
    function's parameters and raises CPython's ``TypeError`` for a call that
    does not fit. The decorated definition gives the signature and the
    docstring; its body is not run."""

    def wrap(f: F) -> F:
        @functools.wraps(f)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            return self._core.call(name, args, kwargs)

        return call  # type: ignore[return-value]

    return wrap
