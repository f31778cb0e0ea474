"""The sandboxed os against the real one: the same calls on the same tree
(the host directory granted at /data) give the same answers and raise the
same exceptions, with guest paths in place of host paths.

    OSBOX_WASM=osbox.wasm python3 -m unittest test_sandboxed_os
"""
import os
import shutil
import tempfile
import unittest

from sandboxed_os import Sandbox, SandboxDied

COMPONENT = os.environ.get("OSBOX_WASM", "osbox.wasm")


class SandboxedOsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        for name in ("a/b", "empty"):
            os.makedirs(os.path.join(self.dir, name))
        for name, text in (("a/one.txt", "1"), ("a/b/two.txt", "22"), ("top.txt", "top")):
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        os.symlink("top.txt", os.path.join(self.dir, "link"))
        self.box = Sandbox(COMPONENT, dirs={self.dir: "/data"}, env={"HOME": "/data", "LANG": "C"})
        self.os = self.box.os

    def tearDown(self):
        shutil.rmtree(self.dir)

    def host(self, guest):
        return self.dir + guest[len("/data"):]

    def assertSameError(self, real_call, guest_call, *paths):
        """Both raise the same class, errno and strerror, with the paths
        mapped."""
        with self.assertRaises(OSError) as real:
            real_call()
        with self.assertRaises(OSError) as guest:
            guest_call()
        self.assertIs(type(guest.exception), type(real.exception))
        self.assertEqual(guest.exception.errno, real.exception.errno)
        self.assertEqual(guest.exception.strerror, real.exception.strerror)
        mapped = str(real.exception).replace(self.dir, "/data")
        self.assertEqual(str(guest.exception), mapped)

    def test_listing_and_walk_match_os(self):
        self.assertEqual(sorted(self.os.listdir("/data")), sorted(os.listdir(self.dir)))
        real = [(p.replace(self.dir, "/data"), sorted(d), sorted(f)) for p, d, f in os.walk(self.dir)]
        guest = [(p, sorted(d), sorted(f)) for p, d, f in self.os.walk("/data")]
        self.assertEqual(sorted(guest), sorted(real))
        entries = {e.name: (e.is_dir(), e.is_file(), e.is_symlink()) for e in self.os.scandir("/data")}
        self.assertEqual(entries, {e.name: (e.is_dir(), e.is_file(), e.is_symlink()) for e in os.scandir(self.dir)})

    def test_stat_matches_os(self):
        for guest in ("/data/top.txt", "/data/a", "/data/link"):
            real, mine = os.stat(self.host(guest)), self.os.stat(guest)
            self.assertEqual((mine.st_size, mine.st_mtime_ns), (real.st_size, real.st_mtime_ns))
            self.assertEqual(mine.st_mode & 0o170000, real.st_mode & 0o170000)
        self.assertEqual(self.os.lstat("/data/link").st_mode & 0o170000, 0o120000)
        self.assertEqual(self.os.readlink("/data/link"), "top.txt")

    def test_errors_are_real_python_exceptions(self):
        cases = [
            (lambda p: os.stat(p), "/data/missing"),
            (lambda p: os.listdir(p), "/data/top.txt"),
            (lambda p: os.mkdir(p), "/data/a"),
            (lambda p: os.rmdir(p), "/data/a"),
            (lambda p: os.remove(p), "/data/a"),
        ]
        for call, guest in cases:
            name = call.__code__.co_names[-1]
            self.assertSameError(lambda: call(self.host(guest)), lambda: getattr(self.os, name)(guest), guest)
        self.assertSameError(lambda: os.rename(self.host("/data/nope"), self.host("/data/x")),
                             lambda: self.os.rename("/data/nope", "/data/x"))
        with self.assertRaises(FileNotFoundError) as cm:
            self.os.stat("/etc/passwd")
        self.assertEqual(cm.exception.filename, "/etc/passwd")
        with self.assertRaises(TypeError):
            self.os.path.join("/data", b"x")
        with self.assertRaises(KeyError):
            self.box.os._env.call("delenv", "NOPE")

    def test_files_and_shutil_change_the_host_tree(self):
        fd = self.os.open("/data/new.txt", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self.assertEqual(self.os.write(fd, b"written"), 7)
        self.os.close(fd)
        with open(self.host("/data/new.txt")) as f:
            self.assertEqual(f.read(), "written")
        with self.assertRaises(FileExistsError):
            self.os.open("/data/new.txt", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        self.assertEqual(self.box.shutil.copytree("/data/a", "/data/copy"), "/data/copy")
        self.assertEqual(sorted(os.listdir(self.host("/data/copy"))), ["b", "one.txt"])
        self.box.shutil.rmtree("/data/copy")
        self.assertFalse(os.path.exists(self.host("/data/copy")))
        self.os.makedirs("/data/x/y/z")
        self.assertTrue(os.path.isdir(self.host("/data/x/y/z")))

    def test_nothing_outside_the_grant(self):
        self.assertEqual(self.os.listdir("/"), ["data"])
        with self.assertRaises(PermissionError):
            self.os.mkdir("/data/../escape")
        self.assertFalse(os.path.exists(os.path.join(os.path.dirname(self.dir), "escape")))
        self.assertEqual(self.os.environ, {"HOME": "/data", "LANG": "C"})
        self.assertIsNone(self.os.getenv("PATH"))

    def test_host_functions_raise_enosys(self):
        with self.assertRaises(OSError) as cm:
            self.box.shutil.disk_usage("/data")
        self.assertEqual((cm.exception.errno, cm.exception.strerror), (38, "Function not implemented"))

    def test_processes_need_the_osbox_host(self):
        for start in (lambda: self.box.subprocess.Popen(["echo", "hi"], stdout=-1),
                      lambda: self.box.subprocess.run(["echo", "hi"], capture_output=True),
                      lambda: self.box.subprocess.getoutput("echo hi"),
                      lambda: self.os.system("echo hi"),
                      lambda: self.os.popen("echo hi")):
            with self.assertRaises(OSError) as cm:
                start()
            self.assertEqual(cm.exception.errno, 38)
        with self.assertRaises(ProcessLookupError):
            self.os.kill(1, 0)

    def test_path_functions(self):
        p = self.os.path
        self.assertEqual(p.join("/data", "a", "b"), "/data/a/b")
        self.assertEqual(p.normpath("/data/./a/../top.txt"), "/data/top.txt")
        self.assertEqual(p.split("/data/a/one.txt"), ("/data/a", "one.txt"))
        self.assertTrue(p.isdir("/data/a"))
        self.assertFalse(p.exists("/etc"))
        self.assertEqual(p.getsize("/data/a/b/two.txt"), 2)
        self.assertEqual(p.realpath("/data/link"), "/data/top.txt")


if __name__ == "__main__":
    unittest.main()
