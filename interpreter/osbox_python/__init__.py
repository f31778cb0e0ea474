"""osbox python: CPython inside the sandbox, with osbox as its `os`.

The interpreter component runs `python -c CODE`, `python -m MODULE` or a
script the host read for it, with `os`, `posix`, `open()` and `io`,
`subprocess` and `errno` answered by osbox (see `_posix`, `_io`,
`_subprocess`, `_errors`). What runs at import time here runs once, when
the component is built, and is kept in its snapshot; `Run.run` runs at
every start.
"""

import importlib

from wit_world import exports

from . import _errors, _posix, _stdlib

# Build time: the standard library into a table, Linux's numbers and
# constants, then the modules scripts use most, imported from the table.
_STDLIB = _stdlib.collect("/python")
_errors.use_linux_numbers()
_posix.install_constants()
_stdlib.serve(_STDLIB, building=True)
for _name in (
    "os", "posixpath", "stat", "errno", "io", "_pyio", "shutil", "tempfile", "glob", "fnmatch", "pathlib",
    "subprocess", "json", "csv", "datetime", "time", "platform", "runpy", "traceback", "linecache", "atexit",
    "argparse", "collections", "functools", "itertools", "re", "string", "textwrap", "hashlib", "random",
):
    importlib.import_module(_name)

from . import _io, _main, _subprocess  # noqa: E402


class Run(exports.Run):
    def run(self) -> None:
        _posix.install()
        _io.install()
        _subprocess.install()
        _posix.follow_cwd()
        _stdlib.serve(_STDLIB, building=False)
        _main.main()
