"""Backs up app/ into backup/app with shutil.copy2 (times kept), file by file."""
import os
import shutil
import sys

src, dest = sys.argv[1], sys.argv[2]
copied = 0
for dirpath, dirnames, filenames in os.walk(src):
    dirnames.sort()
    rel = os.path.relpath(dirpath, src)
    target = os.path.normpath(os.path.join(dest, rel))
    os.makedirs(target, exist_ok=True)
    for name in sorted(filenames):
        s, d = os.path.join(dirpath, name), os.path.join(target, name)
        shutil.copy2(s, d)
        same_time = os.stat(s).st_mtime_ns == os.stat(d).st_mtime_ns
        print(f"{os.path.join(rel, name)} {os.path.getsize(d)} bytes, mtime kept: {same_time}")
        copied += 1
print(f"{copied} files backed up into {dest}")
try:
    shutil.copy2(os.path.join(src, "missing.txt"), dest)
except FileNotFoundError as e:
    print("missing:", e.errno, e.strerror, e.filename)
