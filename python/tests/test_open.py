"""``box.open`` against the built-in ``open``: modes, encodings, newlines,
buffering, and the file objects csv, json and iteration take."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest

import osbox
from differential import compare

Case = Callable[[SimpleNamespace, str], Any]


def write_read(m: SimpleNamespace, wmode: str, rmode: str, data: Any, **kw: Any) -> Any:
    with m.open("f", wmode, **kw) as f:
        n = f.write(data)
    with m.open("f", rmode, **{k: v for k, v in kw.items() if k != "newline"}) as f:
        return n, f.read()


def file_attrs(f: Any) -> Any:
    out = (type(f).__name__, f.name, f.mode, f.closed, f.readable(), f.writable(), f.seekable())
    f.close()
    return out + (f.closed,)


CASES: dict[str, Case] = {
    "read text": lambda m, r: m.open("data/notes.txt").read(),
    "read bytes": lambda m, r: m.open("data/notes.txt", "rb").read(),
    "read unbuffered": lambda m, r: m.open("data/notes.txt", "rb", buffering=0).read(4),
    "iterate lines": lambda m, r: list(m.open("data/sales-jan.csv")),
    "readline readlines": lambda m, r: (lambda f: (f.readline(), f.readlines()))(m.open("data/sales-jan.csv")),
    "write text": lambda m, r: write_read(m, "w", "r", "héllo\nwörld\n"),
    "write latin-1": lambda m, r: write_read(m, "w", "rb", "héllo", encoding="latin-1"),
    "encode errors": lambda m, r: write_read(m, "w", "rb", "a\u20acb", encoding="ascii", errors="replace"),
    "encode strict": lambda m, r: write_read(m, "w", "rb", "a\u20acb", encoding="ascii"),
    "decode errors": lambda m, r: (write_read(m, "wb", "rb", b"a\xffb"), m.open("f", errors="replace").read()),
    "decode strict": lambda m, r: (write_read(m, "wb", "rb", b"a\xffb"), m.open("f", encoding="utf-8").read()),
    "newline none": lambda m, r: (write_read(m, "wb", "rb", b"a\r\nb\rc\n"), m.open("f").read()),
    "newline empty": lambda m, r: (write_read(m, "wb", "rb", b"a\r\nb\rc\n"), list(m.open("f", newline=""))),
    "newline crlf on write": lambda m, r: write_read(m, "w", "rb", "a\nb\n", newline="\r\n"),
    "append": lambda m, r: (write_read(m, "w", "r", "one\n"), write_read(m, "a", "r", "two\n")),
    "append tells the end": lambda m, r: (write_read(m, "w", "r", "0123"), m.open("f", "a").tell()),
    "append plus": lambda m, r: (write_read(m, "w", "r", "abc"), (lambda f: (f.write("d"), f.seek(0), f.read()))(m.open("f", "a+"))),
    "exclusive": lambda m, r: (write_read(m, "x", "r", "new"), m.open("f", "x")),
    "read plus": lambda m, r: (lambda f: (f.read(3), f.seek(0), f.write("XY"), f.seek(0), f.read()))(m.open("data/notes.txt", "r+")),
    "write plus": lambda m, r: (lambda f: (f.write("hello"), f.seek(1), f.read(2), f.truncate(3), f.seek(0), f.read()))(m.open("f", "w+")),
    "binary plus": lambda m, r: (lambda f: (f.write(b"hello"), f.seek(-2, 2), f.read(), f.tell()))(m.open("f", "wb+")),
    "seek tell text": lambda m, r: (lambda f: (f.readline(), f.tell(), f.seek(0), f.read(6)))(m.open("data/sales-jan.csv")),
    "attributes": lambda m, r: [file_attrs(m.open("data/notes.txt", mode)) for mode in ("r", "rb", "r+b", "a", "ab+")]
    + [file_attrs(m.open("data/notes.txt", "rb", buffering=0))],
    "closed file": lambda m, r: (lambda f: (f.close(), f.read()))(m.open("data/notes.txt")),
    "read write-only": lambda m, r: m.open("f", "w").read(),
    "write read-only": lambda m, r: m.open("data/notes.txt").write("x"),
    "missing": lambda m, r: m.open("nope.txt"),
    "missing dir": lambda m, r: m.open("nope/f.txt", "w"),
    "directory": lambda m, r: m.open("data"),
    "directory for writing": lambda m, r: m.open("data", "w"),
    "bad mode": lambda m, r: m.open("f", "rw"),
    "bad mode letter": lambda m, r: m.open("f", "rq"),
    "empty mode": lambda m, r: m.open("f", ""),
    "text and binary": lambda m, r: m.open("f", "rbt"),
    "binary encoding": lambda m, r: m.open("f", "wb", encoding="utf-8"),
    "unbuffered text": lambda m, r: m.open("data/notes.txt", buffering=0),
    "closefd with a name": lambda m, r: m.open("data/notes.txt", closefd=False),
    "path-like": lambda m, r: m.open(m.Path("data", "notes.txt")).read(),
    "bad file": lambda m, r: m.open(None),
    "csv": lambda m, r: csv_roundtrip(m),
    "json": lambda m, r: json_roundtrip(m),
    "descriptor": lambda m, r: (lambda fd: (m.open(fd, "rb", closefd=False).read(), m.os.lseek(fd, 0, 1), m.os.close(fd)))(
        m.os.open("data/notes.txt", m.os.O_RDONLY)
    ),
    "fdopen": lambda m, r: (lambda fd: m.os.fdopen(fd).read())(m.os.open("data/notes.txt", m.os.O_RDONLY)),
    "fileno is the os's": lambda m, r: (lambda f: m.os.fstat(f.fileno()).st_size)(m.open("data/notes.txt")),
    "large": lambda m, r: large(m),
    "copyfileobj": lambda m, r: (copyobj(m), m.open("copy.csv").read()),
}


def csv_roundtrip(m: SimpleNamespace) -> Any:
    with m.open("out.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "value"])
        w.writerows([["a", 1], ["b, c", 2], ['q"q', 3]])
    with m.open("out.csv", newline="") as f:
        rows = list(csv.reader(f))
    with m.open("data/sales-jan.csv", newline="") as f:
        return rows, [dict(r) for r in csv.DictReader(f)], m.open("out.csv", "rb").read()


def json_roundtrip(m: SimpleNamespace) -> Any:
    with m.open("d.json", "w") as f:
        json.dump({"a": [1, 2, {"b": None}], "é": "ü"}, f)
    with m.open("d.json") as f:
        return json.load(f)


def large(m: SimpleNamespace) -> Any:
    data = bytes(range(256)) * 8000 + b"tail"
    with m.open("big", "wb") as f:
        f.write(data)
    with m.open("big", "rb") as f:
        whole = f.read()
    with m.open("big", "rb") as f:
        f.seek(1000)
        part = f.read(70_000)
        lines = sum(1 for _ in f)
    return len(whole), whole == data, part == data[1000:71000], lines


def copyobj(m: SimpleNamespace) -> None:
    with m.open("data/sales-jan.csv", "rb") as src, m.open("copy.csv", "wb") as dst:
        m.shutil.copyfileobj(src, dst, 7)


@pytest.mark.parametrize("name", CASES)
def test_open_agrees_with_the_builtin(name: str, pair: tuple[Path, osbox.Sandbox]) -> None:
    real, box = pair
    compare(CASES[name], real, box)


def test_files_are_the_io_classes(box: osbox.Sandbox) -> None:
    with box.open("/work/t.txt", "w") as f:
        assert isinstance(f, io.TextIOWrapper) and isinstance(f.buffer, io.BufferedWriter)
        assert isinstance(f.buffer.raw, io.RawIOBase)
        assert repr(f) == "<_io.TextIOWrapper name='/work/t.txt' mode='w' encoding='UTF-8'>"
        f.write("x")
    assert isinstance(box.open("/work/t.txt", "rb"), io.BufferedReader)
    assert isinstance(box.open("/work/t.txt", "r+b"), io.BufferedRandom)
    assert box.os.listdir("/work") == ["t.txt"]


def test_unclosed_files_are_closed_when_collected(box: osbox.Sandbox) -> None:
    for _ in range(1100):  # more than the sandbox's 1024 descriptors
        box.open("/work/f", "a").write("x")
    assert box.open("/work/f").read() == "x" * 1100
