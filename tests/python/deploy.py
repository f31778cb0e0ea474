"""Deploys app/ as releases/<version>: ignore patterns, modes, an atomic switch of `current`."""
import os
import shutil
import stat

version = "v2"
release = os.path.join("releases", version)
shutil.copytree("app", release, ignore=shutil.ignore_patterns("*.tmp", "__pycache__"))
os.chmod(os.path.join(release, "run.sh"), 0o755)
os.chmod(os.path.join(release, "settings.conf"), 0o600)
os.symlink(release, "current.new")
os.replace("current.new", "current")
for dirpath, dirnames, filenames in os.walk(release):
    dirnames.sort()
    for name in sorted(filenames):
        p = os.path.join(dirpath, name)
        # The modes themselves are compared on the host: WASI's stat has none.
        print(p, "executable" if os.access(p, os.X_OK) else "-", "regular" if stat.S_ISREG(os.stat(p).st_mode) else "?")
print("current ->", os.readlink("current"), os.path.realpath("current") == os.path.realpath(release))
print("which run.sh:", shutil.which("run.sh", path=release) is not None)
old = sorted(os.listdir("releases"))
for r in old[:-1]:
    shutil.rmtree(os.path.join("releases", r))
print("kept:", sorted(os.listdir("releases")))
