"""Start-up and exit: `sys.argv`, `os.environ`, `sys.path`, running the
script, `-c` code or `-m` module as `__main__`, and the exit status as
CPython gives it (`sys.exit`, or a traceback on stderr and 1)."""

import atexit
import builtins
import linecache
import os
import runpy
import sys
import types

from wit_world.imports import env, environment
from wit_world.imports import exit as wasi_exit

# What the osbox host passes as arguments, after argv[0]:
#   -c CODE ARGS...
#   -m MODULE ARGS...
#   --file ARGV0 FILE PATH0 SOURCE ARGS...   (a script the host read:
#       its name as given, its __file__, sys.path[0] ('' for none), its text)


def _environ():
    """`os.environ` from the sandbox's environment, writing through
    `os.putenv` (osbox) as CPython's does."""
    data = {os.fsencode(k): os.fsencode(v) for k, v in env.environ()}

    def encode(value):
        if not isinstance(value, str):
            raise TypeError("str expected, not %s" % type(value).__name__)
        return os.fsencode(value)

    def encodeb(value):
        if not isinstance(value, bytes):
            raise TypeError("bytes expected, not %s" % type(value).__name__)
        return value

    os.environ = os._Environ(data, encode, os.fsdecode, encode, os.fsdecode)
    os.environb = os._Environ(data, encodeb, bytes, encodeb, bytes)


def _fresh_main(filename=None):
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins
    if filename is not None:
        main.__file__ = filename
        main.__cached__ = None
    sys.modules["__main__"] = main
    return main


def _run(args):
    mode = args[0] if args else "-c"
    if mode == "-c":
        code = args[1] if len(args) > 1 else ""
        sys.argv = ["-c"] + args[2:]
        sys.path.insert(0, "")
        main = _fresh_main()
        exec(compile(code, "<string>", "exec"), main.__dict__)
    elif mode == "-m":
        sys.argv = [args[1]] + args[2:]
        sys.path.insert(0, os.getcwd())
        runpy._run_module_as_main(args[1], alter_argv=True)
    elif mode == "--file":
        argv0, filename, path0, source = args[1:5]
        sys.argv = [argv0] + args[5:]
        if path0:
            sys.path.insert(0, path0)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        main = _fresh_main(filename)
        exec(compile(source, filename, "exec"), main.__dict__)
    else:
        raise SystemExit(f"osbox python: unknown mode {mode!r}")


def _exit_code(e):
    """The status CPython exits with for `SystemExit(code)`."""
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def _report(exc):
    """Prints an uncaught exception as CPython does: the frames of osbox's
    own modules left out, as C functions leave none."""
    _strip(exc, set())
    sys.excepthook(type(exc), exc, exc.__traceback__)


def _strip(exc, seen):
    if exc is None or id(exc) in seen:
        return
    seen.add(id(exc))
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_PACKAGE):
            frames.append(tb)
        tb = tb.tb_next
    rebuilt = None
    for tb in reversed(frames):
        rebuilt = types.TracebackType(rebuilt, tb.tb_frame, tb.tb_lasti, tb.tb_lineno)
    exc.with_traceback(rebuilt)
    _strip(exc.__cause__, seen)
    _strip(exc.__context__, seen)


_PACKAGE = os.path.dirname(__file__) + os.sep


def main():
    try:
        status = _main()
    except BaseException as e:
        # Never a trap for what the script did: at worst, what CPython
        # prints for an error in its own start-up.
        try:
            sys.__stderr__.write(f"osbox python: {type(e).__name__}: {e}\n")
        except BaseException:
            pass
        status = 1
    if status & 0xFF:
        wasi_exit.exit_with_code(status & 0xFF)


def _main():
    _environ()
    arguments = environment.get_arguments()
    sys.orig_argv = list(arguments)
    sys.path[:] = []
    sys.path_importer_cache.clear()
    try:
        _run(arguments[1:])
        status = 0
    except SystemExit as e:
        status = _exit_code(e)
    except BaseException as e:
        _report(e)
        status = 1
    try:
        atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            status = status or 120
    return status
