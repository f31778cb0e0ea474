"""Lists, writes and copies in a sandbox from Python, and shows the errors
Python programs expect.

    osbox guest --portable -o osbox.wasm
    pip install -r examples/python/requirements.txt
    python3 examples/python/demo.py osbox.wasm some/dir
"""
import sys

from sandboxed_os import Sandbox

component, directory = sys.argv[1], sys.argv[2]
box = Sandbox(component, dirs={directory: "/data"}, env={"HOME": "/data"})
os = box.os

os.makedirs("/data/demo/inbox", exist_ok=True)
fd = os.open("/data/demo/inbox/hello.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, b"hello from the sandbox\n")
os.close(fd)
box.shutil.copytree("/data/demo/inbox", "/data/demo/copy", dirs_exist_ok=True)
for dirpath, dirnames, filenames in os.walk("/data/demo"):
    print(dirpath, sorted(dirnames), sorted(filenames))
print("size:", os.stat("/data/demo/copy/hello.txt").st_size)
print("join:", os.path.join("/data", "demo", "x"))

try:
    os.stat("/etc/passwd")
except FileNotFoundError as e:
    print("outside the grant:", e)
try:
    os.mkdir("/data/demo")
except FileExistsError as e:
    print("again:", e)
try:
    box.shutil.disk_usage("/data")
except OSError as e:
    print("needs the osbox host:", e)
