"""inbox/*.txt -> upper-cased in a temporary directory -> moved to outbox/ (pathlib, tempfile, shutil.move)."""
import shutil
import tempfile
from pathlib import Path

inbox, outbox = Path("inbox"), Path("outbox")
outbox.mkdir(exist_ok=True)
with tempfile.TemporaryDirectory(dir=".") as work:
    work = Path(work)
    for src in sorted(inbox.glob("*.txt")):
        out = work / (src.stem + ".done")
        out.write_text(src.read_text().upper())
        src.unlink()
    for done in sorted(work.iterdir()):
        print("moved", shutil.move(str(done), str(outbox)))
print(sorted(p.name for p in outbox.iterdir()), list(inbox.iterdir()))
print(Path("outbox/a.done").read_text(), Path("outbox").is_dir(), Path("outbox/a.done").stat().st_size)
try:
    shutil.move("outbox/a.done", "outbox/a.done")
except shutil.Error as e:
    print("shutil.Error:", e)
