//! Values in the protocol's JSON encoding (PROTOCOL.md, "Values").

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Number, Value, json};

use crate::error::Error;
use crate::fspath::FsPath;
use crate::types::{DirEntry, Stat, WalkStep};

/// A path: a JSON string, or `{"$bytes": base64}`.
pub fn path(p: &FsPath) -> Value {
    match p {
        FsPath::Str(s) => Value::String(s.clone()),
        FsPath::Bytes(b) => bytes(b),
    }
}

/// `bytes` as `{"$bytes": base64}`.
pub fn bytes(b: &[u8]) -> Value {
    json!({ "$bytes": STANDARD.encode(b) })
}

/// The bytes of a `{"$bytes": ...}` object, `None` for any other value,
/// `Err` for a `$bytes` object whose payload does not decode.
pub fn decode_bytes(v: &Value) -> Result<Option<Vec<u8>>, ()> {
    let Value::Object(m) = v else { return Ok(None) };
    if m.len() != 1 {
        return Ok(None);
    }
    let Some(b) = m.get("$bytes") else { return Ok(None) };
    let s = b.as_str().ok_or(())?;
    STANDARD.decode(s).map(Some).map_err(|_| ())
}

/// A list of paths.
pub fn paths(ps: &[FsPath]) -> Value {
    Value::Array(ps.iter().map(path).collect())
}

/// `os.stat_result` as `{"$stat": {...}}`.
pub fn stat(s: &Stat) -> Value {
    json!({ "$stat": {
        "st_mode": s.st_mode, "st_ino": s.st_ino, "st_dev": s.st_dev, "st_nlink": s.st_nlink,
        "st_uid": s.st_uid, "st_gid": s.st_gid, "st_size": s.st_size,
        "st_atime_ns": s.st_atime_ns, "st_mtime_ns": s.st_mtime_ns, "st_ctime_ns": s.st_ctime_ns,
    }})
}

/// `os.DirEntry` as `{"$direntry": {...}}`; `is_dir`/`is_file` follow links.
pub fn direntry(e: &DirEntry) -> Value {
    json!({ "$direntry": {
        "name": path(&e.name), "path": path(&e.path), "is_dir": e.is_dir(true),
        "is_file": e.is_file(true), "is_symlink": e.is_symlink(), "inode": e.inode(),
    }})
}

/// A walk step as `[dirpath, dirnames, filenames]`.
pub fn walk_step(s: &WalkStep) -> Value {
    json!([path(&s.dirpath), paths(&s.dirnames), paths(&s.filenames)])
}

/// An `os.fwalk` step as `[dirpath, dirnames, filenames, dirfd]`.
pub fn fwalk_step(s: &crate::FwalkStep) -> Value {
    json!([path(&s.dirpath), paths(&s.dirnames), paths(&s.filenames), s.dirfd])
}

/// `os.statvfs_result` as its ten-item tuple.
pub fn statvfs(s: &crate::Statvfs) -> Value {
    json!([
        s.f_bsize,
        s.f_frsize,
        s.f_blocks,
        s.f_bfree,
        s.f_bavail,
        s.f_files,
        s.f_ffree,
        s.f_favail,
        s.f_flag,
        s.f_namemax
    ])
}

/// `time.struct_time` as its nine-item tuple.
pub fn struct_time(t: &crate::StructTime) -> Value {
    json!([t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, t.tm_wday, t.tm_yday, t.tm_isdst])
}

/// An exception as the protocol's `error` object.
pub fn error(e: &Error) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), e.kind().python_name().into());
    m.insert("errno".into(), e.errno().map_or(Value::Null, Value::from));
    m.insert("strerror".into(), e.strerror().map_or(Value::Null, Value::from));
    m.insert("filename".into(), e.filename().map_or_else(|| descriptor_named(e), path));
    m.insert("filename2".into(), e.filename2().map_or(Value::Null, path));
    m.insert("message".into(), e.message().into());
    Value::Object(m)
}

/// A JSON number as Python's `json.loads` reads it: digits alone are an
/// `int` of any size, anything with a fraction or an exponent a `float`
/// (`1e400` is `inf`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    /// An `int` that fits 64 bits.
    Int(i64),
    /// An `int` beyond 64 bits, of which only the sign matters to a C
    /// conversion (`true`: negative).
    BigInt(bool),
    /// A `float`.
    Float(f64),
}

/// What `n` is to Python. The protocol's numbers keep every digit
/// (serde_json's `arbitrary_precision`), so an integer too big for 64 bits
/// is still an integer here.
pub fn number(n: &Number) -> Num {
    let text = n.as_str();
    if text.contains(['.', 'e', 'E']) {
        return Num::Float(text.parse().unwrap_or(f64::NAN));
    }
    match text.parse::<i64>() {
        Ok(i) => Num::Int(i),
        Err(_) => Num::BigInt(text.starts_with('-')),
    }
}

/// The descriptor an `OSError` names instead of a path (`os.stat(3)`:
/// `[Errno 9] Bad file descriptor: 3`, whose `filename` is the int 3): a
/// number after the text, where a path would be quoted.
fn descriptor_named(e: &Error) -> Value {
    let (Some(errno), Some(text)) = (e.errno(), e.strerror()) else { return Value::Null };
    e.message()
        .strip_prefix(&format!("[Errno {errno}] {text}: "))
        .and_then(|rest| rest.parse::<i64>().ok())
        .map_or(Value::Null, Value::from)
}

/// The Python type name of a JSON value, for `TypeError` messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if matches!(number(n), Num::Float(_)) => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) if decode_bytes(v).ok().flatten().is_some() => "bytes",
        Value::Object(_) => "dict",
    }
}
