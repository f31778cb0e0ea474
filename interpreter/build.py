"""Builds the osbox python interpreter component.

    python3 interpreter/build.py OUT.wasm [--venv DIR]

Creates (or reuses) a virtual environment with the pinned componentize-py
(interpreter/requirements.txt, from PyPI), then builds CPython with the
osbox_python app against the `python` world (interpreter/wit, importing
osbox's `consumer` world from wit/). The result imports the os surface;
osbox composes the osbox component into it before running it.
"""

import argparse
import os
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
WIT = os.path.join(os.path.dirname(HERE), "wit")


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--venv", default=os.path.join(HERE, ".venv"))
    args = parser.parse_args()
    tool = os.path.join(args.venv, "bin", "componentize-py")
    requirements = os.path.join(HERE, "requirements.txt")
    stamp = os.path.join(args.venv, "requirements.txt")
    with open(requirements) as f:
        wanted = f.read()
    if not os.path.exists(stamp) or open(stamp).read() != wanted:
        venv.create(args.venv, with_pip=True, clear=True)
        pip = [os.path.join(args.venv, "bin", "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run(pip + ["--disable-pip-version-check", "-r", requirements], check=True)
        with open(stamp, "w") as f:
            f.write(wanted)
    # Only the virtual environment's packages are visible to the build,
    # never the user's site-packages.
    env = dict(os.environ, VIRTUAL_ENV=args.venv, PYTHONNOUSERSITE="1")
    subprocess.run(
        [tool, "--quiet", "-d", WIT, "-d", os.path.join(HERE, "wit"), "-w", "osbox:python/python",
         "componentize", "-p", HERE, "osbox_python", "-o", args.output],
        check=True,
        env=env,
    )


if __name__ == "__main__":
    sys.exit(main())
