"""Rotates logs/*.log over 10 bytes to .1, .2, ... keeping 2."""
import glob
import os

MAX, KEEP = 10, 2
for log in sorted(glob.glob("logs/*.log")):
    if os.path.getsize(log) <= MAX:
        print("small:", log)
        continue
    oldest = f"{log}.{KEEP}"
    if os.path.exists(oldest):
        os.remove(oldest)
        print("dropped:", oldest)
    for n in range(KEEP - 1, 0, -1):
        if os.path.exists(f"{log}.{n}"):
            os.rename(f"{log}.{n}", f"{log}.{n + 1}")
            print("shifted:", f"{log}.{n}")
    os.rename(log, f"{log}.1")
    open(log, "w").close()
    print("rotated:", log)
print(sorted(os.listdir("logs")))
