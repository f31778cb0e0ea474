"""An upload store that joins untrusted names under store/ and refuses to leave it."""
import os

BASE = os.path.realpath("store")


def safe_join(name):
    path = os.path.realpath(os.path.join(BASE, name))
    if os.path.commonpath([BASE, path]) != BASE:
        raise ValueError(f"outside the store: {name}")
    return path


for name, data in [("a.txt", b"alpha"), ("sub/b.txt", b"beta"), ("../escape.txt", b"x"),
                   ("/etc/passwd", b"x"), ("evil/c.txt", b"x"), ("sub/../c.txt", b"gamma")]:
    try:
        path = safe_join(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "xb") as f:
            f.write(data)
        print("stored", name)
    except (ValueError, PermissionError) as e:
        print("rejected", name)
for name in ["a.txt", "nope.txt"]:
    try:
        with open(safe_join(name), "rb") as f:
            print("fetched", name, f.read())
    except FileNotFoundError as e:
        print("fetch failed", name, e.errno, e.strerror)
print(sorted(os.listdir("store")))
