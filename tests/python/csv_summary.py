"""Summarises data/*.csv into data/summary.json, written atomically through tempfile."""
import csv
import glob
import json
import os
import tempfile

summary = {}
for path in sorted(glob.glob("data/*.csv")):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    numbers = [float(r["amount"]) for r in rows if r.get("amount", "").strip()]
    summary[os.path.basename(path)] = {
        "rows": len(rows),
        "total": round(sum(numbers), 2),
        "max": max(numbers, default=None),
        "columns": list(rows[0]) if rows else [],
    }
fd, tmp = tempfile.mkstemp(dir="data", suffix=".json")
with os.fdopen(fd, "w") as f:
    json.dump(summary, f, indent=2, sort_keys=True)
    f.write("\n")
os.replace(tmp, "data/summary.json")
print(open("data/summary.json").read(), end="")
with open("data/summary.json", "rb") as f:
    f.seek(-2, os.SEEK_END)
    print("ends with", f.read())
