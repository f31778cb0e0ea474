"""Health check: disk usage (statvfs, shutil.disk_usage) and, per directory, files, size, largest."""
import os
import shutil

usage = shutil.disk_usage(".")
vfs = os.statvfs(".")
print("disk sane:", 0 < usage.free <= usage.total, usage.used <= usage.total, vfs.f_bsize > 0, vfs.f_namemax)
print("same blocks:", usage.total == vfs.f_blocks * vfs.f_frsize)
for d in ["app", "data", "logs", "absent"]:
    if not os.path.isdir(d):
        print(f"{d}: MISSING")
        continue
    files = []
    for dirpath, _, filenames in os.walk(d):
        files += [os.path.join(dirpath, n) for n in filenames]
    sizes = {f: os.path.getsize(f) for f in files}
    largest = max(sorted(sizes), key=sizes.get) if sizes else None
    print(f"{d}: {len(files)} files, {sum(sizes.values())} bytes, largest {largest}")
