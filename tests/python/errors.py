"""What each common mistake raises: class, errno, strerror, file names."""
import os
import shutil


def attempt(label, fn, *args):
    try:
        fn(*args)
        print(label, "ok")
    except OSError as e:
        print(label, type(e).__name__, e.errno, e.strerror, e.filename, e.filename2)


attempt("remove missing", os.remove, "nope")
attempt("mkdir existing", os.mkdir, "app")
attempt("rmdir non-empty", os.rmdir, "app")
attempt("open a directory", open, "app")
attempt("listdir a file", os.listdir, "app/run.sh")
attempt("rename onto non-empty dir", os.rename, "data", "app")
attempt("copy missing", shutil.copy, "nope", "dest")
attempt("stat through a file", os.stat, "app/run.sh/x")
attempt("chdir missing", os.chdir, "nope")
attempt("rmtree missing", shutil.rmtree, "nope")
attempt("makedirs existing", os.makedirs, "app")
attempt("makedirs exist_ok", os.makedirs, "app", 0o777, True)
attempt("open missing for reading", open, "nope/x.txt")
try:
    os.stat("bad\0name")
except ValueError as e:
    print("ValueError", e)
fd = os.open("fresh.txt", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
os.write(fd, b"one")
os.close(fd)
attempt("O_EXCL on existing", os.open, "fresh.txt", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
attempt("close twice", os.close, fd)
