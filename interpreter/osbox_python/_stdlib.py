"""The standard library inside the component.

componentize-py snapshots the interpreter after importing the app, and at
run time the standard library's files are gone: only what was imported
while building is there. So the build compiles every module of the
standard library (but the tests, GUI and packaging tools) into a table of
compressed code objects kept in the snapshot, and a finder serves imports
from it, as CPython serves its frozen modules.
"""

import marshal
import os
import sys
import zlib

# Imported here, never inside the finder: an import there would ask the
# finder again.
from importlib.machinery import ModuleSpec, PathFinder

# Packages and modules left out: tests, GUIs, installers, and what needs
# processes or a terminal that WASI does not have.
_LEFT_OUT = {
    "test", "idlelib", "tkinter", "turtle", "turtledemo", "ensurepip", "venv", "lib2to3", "pydoc_data",
    "site-packages", "__phello__", "__hello__", "_pyrepl", "curses", "antigravity", "this", "config-3.14-wasm32-wasi",
}


def collect(root):
    """`{module name: (is package, compressed marshalled code)}` for the
    standard library under `root`, compiled by this interpreter."""
    table = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        parts = [] if rel == "." else rel.split(os.sep)
        if parts and (parts[0] in _LEFT_OUT or "__pycache__" in parts or "tests" in parts):
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in _LEFT_OUT and d not in ("__pycache__", "tests"))
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            stem = name[:-3]
            if not parts and stem in _LEFT_OUT:
                continue
            is_package = stem == "__init__"
            if is_package and not parts:
                continue
            modname = ".".join(parts if is_package else parts + [stem])
            with open(os.path.join(dirpath, name), "rb") as f:
                source = f.read()
            code = compile(source, f"<frozen {modname}>", "exec", dont_inherit=True)
            table[modname] = (is_package, zlib.compress(marshal.dumps(code), 9))
    return table


class Finder:
    """A meta-path finder and loader over the table."""

    def __init__(self, table):
        self.table = table

    def find_spec(self, fullname, path=None, target=None):
        entry = self.table.get(fullname)
        if entry is None:
            return None
        return ModuleSpec(fullname, self, origin="frozen", is_package=entry[0])

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(self.get_code(module.__spec__.name), module.__dict__)

    def get_code(self, fullname):
        return marshal.loads(zlib.decompress(self.table[fullname][1]))

    def is_package(self, fullname):
        return self.table[fullname][0]

    def get_source(self, fullname):
        return None

    def invalidate_caches(self):
        pass


def serve(table, building):
    """Puts the finder on `sys.meta_path`: first while building, so that
    the modules imported then are the table's (whose code objects the
    snapshot keeps); after the path finder at run time, so that a script's
    own modules come before the standard library's, as natively."""
    finders = [f for f in sys.meta_path if not isinstance(f, Finder) and f is not PathFinder]
    if building:
        sys.meta_path[:] = [Finder(table)] + finders + [PathFinder]
    else:
        sys.meta_path[:] = finders + [PathFinder, Finder(table)]
