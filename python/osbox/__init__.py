"""osbox: Python's ``os`` module (with ``os.path``, ``shutil``,
``tempfile``, ``subprocess``, ``open``, ``pathlib`` and ``glob``) in a
WebAssembly sandbox that reaches only the directories, environment variables
and programs it is granted.

    import osbox

    box = osbox.Sandbox(dirs={"./data": "/data"}, env={"HOME": "/data"})
    os, shutil = box.os, box.shutil
    os.makedirs("/data/reports", exist_ok=True)
    for dirpath, dirnames, filenames in os.walk("/data"):
        print(dirpath, filenames)
    os.stat("/etc/passwd")   # FileNotFoundError: outside the grants nothing exists

Answers and exceptions are CPython's (the same class, errno, strerror and
file names); the few differences WASI forces are in docs/deviations.md.
"""

from ._osbox import DirEntry, SandboxError
from ._sandbox import Sandbox

__all__ = ["DirEntry", "Sandbox", "SandboxError"]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import version

        return version("osbox")
    raise AttributeError(f"module 'osbox' has no attribute {name!r}")
