"""``box.glob``: the running Python's own ``glob`` module, with its ``os``
replaced by the sandbox's, so patterns, ``recursive=True``, hidden files,
``root_dir`` and ``escape`` behave exactly as in that Python."""

from __future__ import annotations

import glob as _host_glob
import types
from typing import Any


def rebind(module: types.ModuleType, **names: Any) -> types.ModuleType:
    """A copy of a pure-Python ``module`` whose functions see ``names``
    (``os=box.os``) instead of its globals of the same names. Nothing of the
    copy reaches the original globals: every function is rebuilt on the
    copy's namespace, and classes, which would keep the original's, are left
    out."""
    copy = types.ModuleType(module.__name__, module.__doc__)
    namespace = copy.__dict__
    for key, value in module.__dict__.items():
        if isinstance(value, type) and value.__module__ == module.__name__:
            continue
        namespace[key] = value
    namespace.update(names)
    for key, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__globals__ is module.__dict__:
            f = types.FunctionType(value.__code__, namespace, value.__name__, value.__defaults__, value.__closure__)
            f.__kwdefaults__ = value.__kwdefaults__
            f.__qualname__ = value.__qualname__
            f.__doc__ = value.__doc__
            f.__dict__.update(value.__dict__)
            namespace[key] = f
    return copy


def glob_module(os: Any) -> types.ModuleType:
    """``glob`` over the sandbox's ``os``."""
    return rebind(_host_glob, os=os)
