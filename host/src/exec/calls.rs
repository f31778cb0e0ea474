//! The functions the protocol can call, by their dotted Python names, and
//! the attributes it can read.

use serde_json::{Map, Value, json};

use super::args::{Args, C, not_a_path, not_an_integer, python_int};
use super::commonprefix::commonprefix;
use super::descriptors::{
    SUPPORTS_DIR_FD, SUPPORTS_FD, SUPPORTS_FOLLOW_SYMLINKS, Target, callables_named, dir_fd, fdopen, no_dir_fd_with_fd,
    no_follow_with_fd, on_fd, opt_target, target,
};
use super::json;
use super::shutil_args::{copy_function, copy_paths, metadata_paths, not_callable};
use crate::at::{FwalkItem, FwalkOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::fspath::FsPath;
use crate::os::{Os, WalkOptions};

/// A callable: its parameters (Python's names, `*p` for varargs) and how
/// to run it.
pub struct Def {
    pub name: &'static str,
    pub params: &'static [&'static str],
    pub run: fn(&mut Os, &Args) -> Result<Value>,
}

fn unit(_: ()) -> Value {
    Value::Null
}

fn key_error(key: &str) -> Error {
    let quoted = serde_json::to_string(key).unwrap_or_default();
    Error::new(ErrorKind::Key, format!("'{}'", &quoted[1..quoted.len() - 1]))
}

/// Every callable, sorted by name for the binary search in [`find`].
pub static CALLS: &[Def] = &[
    Def {
        name: "os.access",
        params: &["path", "mode", "dir_fd", "effective_ids", "follow_symlinks"],
        run: |os, a| {
            let path = a.path("path")?;
            let mode = a.c_int("mode", None)?;
            let dir_fd = dir_fd(a, "dir_fd")?;
            // A sandbox has one identity: the effective ids are the real ones.
            a.flag("effective_ids", false)?;
            os.access_at(dir_fd, path, mode, a.flag("follow_symlinks", true)?).map(Value::Bool)
        },
    },
    Def {
        name: "os.chdir",
        params: &["path"],
        run: |os, a| match target(a, "path")? {
            Target::Fd(fd) => os.fchdir(fd).map_err(on_fd(fd)).map(unit),
            Target::Path(path) => os.chdir(path).map(unit),
        },
    },
    Def {
        name: "os.chmod",
        params: &["path", "mode", "dir_fd", "follow_symlinks"],
        run: |os, a| {
            let path = target(a, "path")?;
            // A C int handed to chmod(2) as a mode_t, as CPython does: -1 is
            // every bit.
            let mode = a.c_int("mode", None)? as u32;
            let dir_fd = dir_fd(a, "dir_fd")?;
            let follow = a.flag("follow_symlinks", true)?;
            match path {
                Target::Fd(fd) => os.fchmod(fd, mode).map_err(on_fd(fd)).map(unit),
                Target::Path(path) => os.chmod_at(dir_fd, path, mode, follow).map(unit),
            }
        },
    },
    Def { name: "os.close", params: &["fd"], run: |os, a| os.close(a.fd("fd")?).map(unit) },
    Def {
        name: "os.closerange",
        params: &["fd_low", "fd_high"],
        run: |os, a| os.closerange(a.fd("fd_low")?, a.fd("fd_high")?).map(unit),
    },
    Def { name: "os.cpu_count", params: &[], run: |os, _| os.cpu_count().map(|n| n.map_or(Value::Null, Value::from)) },
    Def { name: "os.dup", params: &["fd"], run: |os, a| os.dup(a.fd("fd")?).map(Value::from) },
    Def {
        name: "os.environ.__contains__",
        params: &["key"],
        run: |os, a| Ok(Value::Bool(os.getenv(&a.string("key")?)?.is_some())),
    },
    Def { name: "os.environ.__delitem__", params: &["key"], run: |os, a| os.delenv(&a.string("key")?).map(unit) },
    Def {
        name: "os.environ.__getitem__",
        params: &["key"],
        run: |os, a| {
            let key = a.string("key")?;
            os.getenv(&key)?.map(Value::String).ok_or_else(|| key_error(&key))
        },
    },
    Def {
        name: "os.environ.__setitem__",
        params: &["key", "value"],
        run: |os, a| os.setenv(&a.string("key")?, &a.string("value")?).map(unit),
    },
    Def {
        name: "os.environ.get",
        params: &["key", "default"],
        run: |os, a| {
            let found = os.getenv(&a.string("key")?)?;
            Ok(found.map_or_else(|| a.get("default").cloned().unwrap_or(Value::Null), Value::String))
        },
    },
    Def {
        name: "os.environ.pop",
        params: &["key", "default"],
        run: |os, a| {
            let key = a.string("key")?;
            match os.getenv(&key)? {
                Some(v) => os.delenv(&key).map(|()| Value::String(v)),
                None => a.get("default").cloned().ok_or_else(|| key_error(&key)),
            }
        },
    },
    Def { name: "os.fchdir", params: &["fd"], run: |os, a| os.fchdir(a.fildes("fd")?).map(unit) },
    Def {
        name: "os.fchmod",
        params: &["fd", "mode"],
        run: |os, a| {
            let fd = a.fd("fd")?;
            let mode = a.c_int("mode", None)? as u32;
            os.fchmod(fd, mode).map(unit)
        },
    },
    Def { name: "os.fdatasync", params: &["fd"], run: |os, a| os.fdatasync(a.fildes("fd")?).map(unit) },
    Def { name: "os.fstat", params: &["fd"], run: |os, a| os.fstat(a.fd("fd")?).map(|s| json::stat(&s)) },
    Def { name: "os.fstatvfs", params: &["fd"], run: |os, a| os.fstatvfs(a.fd("fd")?).map(|s| json::statvfs(&s)) },
    Def { name: "os.fsync", params: &["fd"], run: |os, a| os.fsync(a.fildes("fd")?).map(unit) },
    Def {
        name: "os.ftruncate",
        params: &["fd", "length"],
        run: |os, a| os.ftruncate(a.fd("fd")?, a.int("length", None, C::Long)?).map(unit),
    },
    Def {
        name: "os.fwalk",
        params: &["top", "topdown", "onerror", "follow_symlinks", "dir_fd"],
        run: |os, a| {
            let top = if a.get("top").is_some() { a.path("top")? } else { FsPath::Str(".".into()) };
            let topdown = a.flag("topdown", true)?;
            a.unsupported_unless_none("onerror")?;
            let options = FwalkOptions {
                topdown,
                follow_symlinks: a.flag("follow_symlinks", false)?,
                dir_fd: dir_fd(a, "dir_fd")?,
            };
            // Materialised as CPython's encoder drains the generator: each
            // step's descriptor is closed by the time the next one comes.
            let walk = os.fwalk(top, options)?;
            let mut steps = Vec::new();
            loop {
                match walk.next(os) {
                    Ok(Some(FwalkItem::Step(s))) => steps.push(json::fwalk_step(&s)),
                    Ok(Some(FwalkItem::Error(_))) => {}
                    Ok(None) => break,
                    Err(e) => {
                        walk.close(os)?;
                        return Err(e);
                    }
                }
            }
            walk.close(os)?;
            Ok(Value::Array(steps))
        },
    },
    Def {
        name: "os.get_exec_path",
        params: &["env"],
        run: |os, a| {
            let env = match a.get("env") {
                None | Some(Value::Null) => None,
                Some(Value::Object(m)) => Some(
                    m.iter()
                        .filter(|(k, _)| *k == "PATH")
                        .map(|(k, v)| match v {
                            Value::String(s) => Ok((k.clone(), s.clone())),
                            other => Err(Error::new(
                                ErrorKind::Attribute,
                                format!("'{}' object has no attribute 'split'", json::type_name(other)),
                            )),
                        })
                        .collect::<Result<Vec<_>>>()?,
                ),
                Some(other) => {
                    return Err(Error::new(
                        ErrorKind::Attribute,
                        format!("'{}' object has no attribute 'get'", json::type_name(other)),
                    ));
                }
            };
            Ok(json!(os.get_exec_path(env.as_deref())?))
        },
    },
    Def {
        name: "os.get_terminal_size",
        params: &["fd"],
        run: |os, a| {
            let fd = if a.get("fd").is_some() { a.fd("fd")? } else { 1 };
            os.get_terminal_size(fd).map(|(c, l)| json!([c, l]))
        },
    },
    Def { name: "os.getcwd", params: &[], run: |os, _| os.getcwd().map(Value::String) },
    Def { name: "os.getcwdb", params: &[], run: |os, _| os.getcwdb().map(|b| json::bytes(&b)) },
    Def {
        name: "os.getenv",
        params: &["key", "default"],
        run: |os, a| {
            let found = os.getenv(&a.string("key")?)?;
            Ok(found.map_or_else(|| a.get("default").cloned().unwrap_or(Value::Null), Value::String))
        },
    },
    Def { name: "os.getpid", params: &[], run: |os, _| os.getpid().map(Value::from) },
    Def { name: "os.getppid", params: &[], run: |os, _| os.getppid().map(Value::from) },
    Def { name: "os.isatty", params: &["fd"], run: |os, a| os.isatty(a.fd("fd")?).map(Value::Bool) },
    Def {
        name: "os.link",
        params: &["src", "dst", "src_dir_fd", "dst_dir_fd", "follow_symlinks"],
        run: |os, a| {
            let (src, dst) = (a.path("src")?, a.path("dst")?);
            let (src_dir_fd, dst_dir_fd) = (dir_fd(a, "src_dir_fd")?, dir_fd(a, "dst_dir_fd")?);
            os.link_at(src_dir_fd, src, dst_dir_fd, dst, a.flag("follow_symlinks", true)?).map(unit)
        },
    },
    Def {
        name: "os.listdir",
        params: &["path"],
        run: |os, a| match opt_target(a, "path")? {
            Some(Target::Fd(fd)) => os.listdir_fd(fd).map(|p| json::paths(&p)),
            Some(Target::Path(path)) => os.listdir(path).map(|p| json::paths(&p)),
            None => os.listdir(".").map(|p| json::paths(&p)),
        },
    },
    Def {
        name: "os.lseek",
        params: &["fd", "position", "how"],
        run: |os, a| {
            let (fd, position) = (a.fd("fd")?, a.int("position", None, C::Long)?);
            os.lseek(fd, position, a.c_int("how", None)?).map(Value::from)
        },
    },
    Def {
        name: "os.lstat",
        params: &["path", "dir_fd"],
        run: |os, a| {
            let path = a.path("path")?;
            os.stat_at(dir_fd(a, "dir_fd")?, path, false).map(|s| json::stat(&s))
        },
    },
    Def {
        name: "os.makedirs",
        params: &["name", "mode", "exist_ok"],
        run: |os, a| {
            let mode = a.c_int("mode", Some(0o777))?;
            os.makedirs_mode(a.path("name")?, mode as u32, a.flag("exist_ok", false)?).map(unit)
        },
    },
    Def {
        name: "os.mkdir",
        params: &["path", "mode", "dir_fd"],
        run: |os, a| {
            let path = a.path("path")?;
            let mode = a.c_int("mode", Some(0o777))?;
            os.mkdir_at(dir_fd(a, "dir_fd")?, path, mode as u32).map(unit)
        },
    },
    Def {
        name: "os.open",
        params: &["path", "flags", "mode", "dir_fd"],
        run: |os, a| {
            let path = a.path("path")?;
            let flags = a.c_int("flags", None)?;
            let mode = a.c_int("mode", Some(0o777))? as u32;
            os.open_at(dir_fd(a, "dir_fd")?, path, flags, mode).map(Value::from)
        },
    },
    Def {
        name: "os.path.abspath",
        params: &["path"],
        run: |os, a| os.path().abspath(a.path("path")?).map(|p| json::path(&p)),
    },
    Def {
        name: "os.path.basename",
        params: &["p"],
        run: |os, a| os.path().basename(a.path("p")?).map(|p| json::path(&p)),
    },
    Def {
        name: "os.path.commonpath",
        params: &["paths"],
        run: |os, a| os.path().commonpath(a.paths("paths")?).map(|p| json::path(&p)),
    },
    Def { name: "os.path.commonprefix", params: &["m"], run: |os, a| commonprefix(os, a.required("m")?) },
    Def {
        name: "os.path.dirname",
        params: &["p"],
        run: |os, a| os.path().dirname(a.path("p")?).map(|p| json::path(&p)),
    },
    Def { name: "os.path.exists", params: &["path"], run: |os, a| os.path().exists(a.path("path")?).map(Value::Bool) },
    Def {
        name: "os.path.expanduser",
        params: &["path"],
        run: |os, a| os.path().expanduser(a.path("path")?).map(|p| json::path(&p)),
    },
    Def {
        name: "os.path.expandvars",
        params: &["path"],
        run: |os, a| os.path().expandvars(a.path("path")?).map(|p| json::path(&p)),
    },
    Def {
        name: "os.path.getatime",
        params: &["filename"],
        run: |os, a| os.path().getatime(a.path("filename")?).map(Value::from),
    },
    Def {
        name: "os.path.getctime",
        params: &["filename"],
        run: |os, a| os.path().getctime(a.path("filename")?).map(Value::from),
    },
    Def {
        name: "os.path.getmtime",
        params: &["filename"],
        run: |os, a| os.path().getmtime(a.path("filename")?).map(Value::from),
    },
    Def {
        name: "os.path.getsize",
        params: &["filename"],
        run: |os, a| os.path().getsize(a.path("filename")?).map(Value::from),
    },
    Def { name: "os.path.isabs", params: &["s"], run: |os, a| os.path().isabs(a.path("s")?).map(Value::Bool) },
    Def { name: "os.path.isdir", params: &["s"], run: |os, a| os.path().isdir(a.path("s")?).map(Value::Bool) },
    Def { name: "os.path.isfile", params: &["path"], run: |os, a| os.path().isfile(a.path("path")?).map(Value::Bool) },
    Def { name: "os.path.islink", params: &["path"], run: |os, a| os.path().islink(a.path("path")?).map(Value::Bool) },
    Def {
        name: "os.path.ismount",
        params: &["path"],
        run: |os, a| os.path().ismount(a.path("path")?).map(Value::Bool),
    },
    Def {
        name: "os.path.join",
        params: &["a", "*p"],
        run: |os, a| {
            let first = a.path("a")?;
            // What is not a path is found by posixpath's argument check,
            // whatever comes before it.
            if let Some(bad) =
                a.extra().iter().find(|v| !v.is_string() && !matches!(json::decode_bytes(v), Ok(Some(_))))
            {
                return Err(Error::new(
                    ErrorKind::Type,
                    format!(
                        "join() argument must be str, bytes, or os.PathLike object, not '{}'",
                        json::type_name(bad)
                    ),
                ));
            }
            let rest = a.extra().iter().map(|v| a.path_value("p", v)).collect::<Result<Vec<_>>>()?;
            os.path().join(first, rest).map(|p| json::path(&p))
        },
    },
    Def {
        name: "os.path.lexists",
        params: &["path"],
        run: |os, a| os.path().lexists(a.path("path")?).map(Value::Bool),
    },
    Def {
        name: "os.path.normcase",
        params: &["s"],
        run: |os, a| os.path().normcase(a.path("s")?).map(|p| json::path(&p)),
    },
    Def {
        name: "os.path.normpath",
        params: &["path"],
        run: |os, a| os.path().normpath(a.path("path")?).map(|p| json::path(&p)),
    },
    Def {
        name: "os.path.realpath",
        params: &["filename", "strict"],
        run: |os, a| os.path().realpath(a.path("filename")?, a.flag("strict", false)?).map(|p| json::path(&p)),
    },
    Def {
        name: "os.path.relpath",
        params: &["path", "start"],
        run: |os, a| {
            if matches!(a.get("path"), None | Some(Value::Null)) {
                return Err(Error::new(ErrorKind::Value, "no path specified"));
            }
            os.path().relpath(a.path("path")?, a.opt_path("start")?).map(|p| json::path(&p))
        },
    },
    Def {
        name: "os.path.samefile",
        params: &["f1", "f2"],
        run: |os, a| {
            let f1 = a.path("f1")?;
            let f2 = match a.path("f2") {
                Ok(f2) => f2,
                Err(e) => {
                    // samefile stats f1 before it converts f2.
                    os.stat(f1)?;
                    return Err(e);
                }
            };
            os.path().samefile(f1, f2).map(Value::Bool)
        },
    },
    Def {
        name: "os.path.split",
        params: &["p"],
        run: |os, a| os.path().split(a.path("p")?).map(|(x, y)| json!([json::path(&x), json::path(&y)])),
    },
    Def {
        name: "os.path.splitdrive",
        params: &["p"],
        run: |os, a| os.path().splitdrive(a.path("p")?).map(|(x, y)| json!([json::path(&x), json::path(&y)])),
    },
    Def {
        name: "os.path.splitext",
        params: &["p"],
        run: |os, a| os.path().splitext(a.path("p")?).map(|(x, y)| json!([json::path(&x), json::path(&y)])),
    },
    Def {
        name: "os.pread",
        params: &["fd", "length", "offset"],
        run: |os, a| {
            let (fd, length) = (a.fd("fd")?, a.int("length", None, C::Ssize)?);
            os.pread(fd, length, a.int("offset", None, C::Long)?).map(|b| json::bytes(&b))
        },
    },
    Def {
        name: "os.putenv",
        params: &["name", "value"],
        run: |os, a| os.putenv(&a.string("name")?, &a.string("value")?).map(unit),
    },
    Def {
        name: "os.pwrite",
        params: &["fd", "str", "offset"],
        run: |os, a| {
            let (fd, data) = (a.fd("fd")?, a.bytes("str")?);
            os.pwrite(fd, &data, a.int("offset", None, C::Long)?).map(Value::from)
        },
    },
    Def {
        name: "os.read",
        params: &["fd", "length"],
        run: |os, a| os.read(a.fd("fd")?, a.int("length", None, C::Ssize)?).map(|b| json::bytes(&b)),
    },
    Def {
        name: "os.readlink",
        params: &["path", "dir_fd"],
        run: |os, a| {
            let path = a.path("path")?;
            os.readlink_at(dir_fd(a, "dir_fd")?, path).map(|p| json::path(&p))
        },
    },
    Def {
        name: "os.remove",
        params: &["path", "dir_fd"],
        run: |os, a| {
            let path = a.path("path")?;
            os.remove_at(dir_fd(a, "dir_fd")?, path).map(unit)
        },
    },
    Def { name: "os.removedirs", params: &["name"], run: |os, a| os.removedirs(a.path("name")?).map(unit) },
    Def {
        name: "os.rename",
        params: &["src", "dst", "src_dir_fd", "dst_dir_fd"],
        run: |os, a| {
            let (src, dst) = (a.path("src")?, a.path("dst")?);
            os.rename_at(dir_fd(a, "src_dir_fd")?, src, dir_fd(a, "dst_dir_fd")?, dst).map(unit)
        },
    },
    Def {
        name: "os.renames",
        params: &["old", "new"],
        run: |os, a| {
            // renames makes new's directories before it renames old: a bad
            // old fails only after.
            let new = a.path("new")?;
            match a.path("old") {
                Ok(old) => os.renames(old, new).map(unit),
                Err(e) => {
                    let (head, tail) = os.path().split(new)?;
                    if !head.as_bytes().is_empty() && !tail.as_bytes().is_empty() && !os.path().exists(head.clone())? {
                        os.makedirs(head, false)?;
                    }
                    Err(e)
                }
            }
        },
    },
    Def {
        name: "os.replace",
        params: &["src", "dst", "src_dir_fd", "dst_dir_fd"],
        run: |os, a| {
            let (src, dst) = (a.path("src")?, a.path("dst")?);
            os.rename_at(dir_fd(a, "src_dir_fd")?, src, dir_fd(a, "dst_dir_fd")?, dst).map(unit)
        },
    },
    Def {
        name: "os.rmdir",
        params: &["path", "dir_fd"],
        run: |os, a| {
            let path = a.path("path")?;
            os.rmdir_at(dir_fd(a, "dir_fd")?, path).map(unit)
        },
    },
    Def {
        name: "os.scandir",
        params: &["path"],
        run: |os, a| {
            let entries = match opt_target(a, "path")? {
                Some(Target::Fd(fd)) => os.scandir_fd(fd)?,
                Some(Target::Path(path)) => os.scandir(path)?,
                None => os.scandir(".")?,
            };
            Ok(Value::Array(entries.iter().map(json::direntry).collect()))
        },
    },
    Def {
        name: "os.stat",
        params: &["path", "dir_fd", "follow_symlinks"],
        run: |os, a| {
            let path = target(a, "path")?;
            let (dir_fd, follow) = (dir_fd(a, "dir_fd")?, a.flag("follow_symlinks", true)?);
            match path {
                Target::Fd(_) if dir_fd.is_some() => Err(no_dir_fd_with_fd("stat")),
                Target::Fd(_) if !follow => Err(no_follow_with_fd("stat")),
                Target::Fd(fd) => os.fstat(fd).map_err(on_fd(fd)).map(|s| json::stat(&s)),
                Target::Path(path) => os.stat_at(dir_fd, path, follow).map(|s| json::stat(&s)),
            }
        },
    },
    Def {
        name: "os.statvfs",
        params: &["path"],
        run: |os, a| match target(a, "path")? {
            Target::Fd(fd) => os.fstatvfs(fd).map_err(on_fd(fd)).map(|s| json::statvfs(&s)),
            Target::Path(path) => os.statvfs(path).map(|s| json::statvfs(&s)),
        },
    },
    Def {
        name: "os.strerror",
        params: &["code"],
        run: |os, a| {
            let code = a.c_int("code", None)?;
            os.strerror(code).map(Value::String)
        },
    },
    Def {
        name: "os.symlink",
        params: &["src", "dst", "target_is_directory", "dir_fd"],
        run: |os, a| {
            let (src, dst) = (a.path("src")?, a.path("dst")?);
            a.flag("target_is_directory", false)?;
            os.symlink_at(src, dir_fd(a, "dir_fd")?, dst).map(unit)
        },
    },
    Def {
        name: "os.truncate",
        params: &["path", "length"],
        run: |os, a| match target(a, "path")? {
            Target::Fd(fd) => os.ftruncate(fd, a.int("length", None, C::Long)?).map(unit),
            Target::Path(path) => os.truncate(path, a.int("length", None, C::Long)?).map(unit),
        },
    },
    Def {
        name: "os.uname",
        params: &[],
        run: |os, _| os.uname().map(|u| json!([u.sysname, u.nodename, u.release, u.version, u.machine])),
    },
    Def {
        name: "os.unlink",
        params: &["path", "dir_fd"],
        run: |os, a| {
            let path = a.path("path")?;
            os.remove_at(dir_fd(a, "dir_fd")?, path).map(unit)
        },
    },
    Def { name: "os.unsetenv", params: &["name"], run: |os, a| os.unsetenv(&a.string("name")?).map(unit) },
    Def {
        name: "os.urandom",
        params: &["size"],
        run: |os, a| os.urandom(a.int("size", None, C::Ssize)?).map(|b| json::bytes(&b)),
    },
    Def {
        name: "os.utime",
        params: &["path", "times", "ns", "dir_fd", "follow_symlinks"],
        run: |os, a| {
            let path = target(a, "path")?;
            let ns = utime_ns(a)?;
            let (dir_fd, follow) = (dir_fd(a, "dir_fd")?, a.flag("follow_symlinks", true)?);
            match path {
                Target::Fd(_) if dir_fd.is_some() => Err(no_dir_fd_with_fd("utime")),
                Target::Fd(_) if !follow => Err(no_follow_with_fd("utime")),
                Target::Fd(fd) => os.utime_fd(fd, ns).map(unit),
                Target::Path(path) => os.utime_at(dir_fd, path, ns, follow).map(unit),
            }
        },
    },
    Def {
        name: "os.walk",
        params: &["top", "topdown", "onerror", "followlinks"],
        run: |os, a| {
            a.unsupported_unless_none("onerror")?;
            let options = WalkOptions { topdown: a.flag("topdown", true)?, followlinks: a.flag("followlinks", false)? };
            let steps = os.walk(a.path("top")?, options)?;
            Ok(Value::Array(steps.iter().map(json::walk_step).collect()))
        },
    },
    Def {
        name: "os.write",
        params: &["fd", "data"],
        run: |os, a| os.write(a.fd("fd")?, &a.bytes("data")?).map(Value::from),
    },
    Def { name: "platform.machine", params: &[], run: |os, _| os.platform().machine().map(Value::String) },
    Def { name: "platform.node", params: &[], run: |os, _| os.platform().node().map(Value::String) },
    Def { name: "platform.processor", params: &[], run: |os, _| os.platform().processor().map(Value::String) },
    Def { name: "platform.release", params: &[], run: |os, _| os.platform().release().map(Value::String) },
    Def { name: "platform.system", params: &[], run: |os, _| os.platform().system().map(Value::String) },
    Def {
        name: "platform.uname",
        params: &[],
        run: |os, _| {
            os.platform().uname().map(|u| json!([u.system, u.node, u.release, u.version, u.machine, u.processor]))
        },
    },
    Def { name: "platform.version", params: &[], run: |os, _| os.platform().version().map(Value::String) },
    Def {
        name: "shutil.copy",
        params: &["src", "dst", "follow_symlinks"],
        run: |os, a| {
            let (src, dst) = copy_paths(os, a)?;
            os.shutil().copy(src, dst, a.flag("follow_symlinks", true)?).map(|p| json::path(&p))
        },
    },
    Def {
        name: "shutil.copy2",
        params: &["src", "dst", "follow_symlinks"],
        run: |os, a| {
            let (src, dst) = copy_paths(os, a)?;
            os.shutil().copy2(src, dst, a.flag("follow_symlinks", true)?).map(|p| json::path(&p))
        },
    },
    Def {
        name: "shutil.copyfile",
        params: &["src", "dst", "follow_symlinks"],
        run: |os, a| {
            os.shutil()
                .copyfile(a.path("src")?, a.path("dst")?, a.flag("follow_symlinks", true)?)
                .map(|p| json::path(&p))
        },
    },
    Def {
        name: "shutil.copyfileobj",
        params: &["fsrc", "fdst", "length"],
        run: |os, a| {
            let fsrc = fdopen(os, a.file_object("fsrc")?)?;
            let fdst = fdopen(os, a.file_object("fdst")?)?;
            let length = copy_length(a)?;
            let mode = |name: &str| a.get(name).and_then(|v| v["$fdopen"][1].as_str()).unwrap_or("r").to_string();
            let (reads, writes) = (mode("fsrc"), mode("fdst"));
            if !reads.contains(['r', '+']) {
                return Err(Error::new(ErrorKind::UnsupportedOperation, "read"));
            }
            if !writes.contains(['w', 'a', 'x', '+']) {
                // The first chunk is read before the write that fails.
                let chunk = os.read(fsrc, if length > 0 { length } else { 64 * 1024 })?;
                return if chunk.is_empty() {
                    Ok(Value::Null)
                } else {
                    Err(Error::new(ErrorKind::UnsupportedOperation, "write"))
                };
            }
            os.shutil().copyfileobj(fsrc, fdst, length).map(unit)
        },
    },
    Def {
        name: "shutil.copymode",
        params: &["src", "dst", "follow_symlinks"],
        run: |os, a| {
            let follow = a.flag("follow_symlinks", true)?;
            let (src, dst) = metadata_paths(os, a, follow, "chmod")?;
            os.shutil().copymode(src, dst, follow).map(unit)
        },
    },
    Def {
        name: "shutil.copystat",
        params: &["src", "dst", "follow_symlinks"],
        run: |os, a| {
            let follow = a.flag("follow_symlinks", true)?;
            let (src, dst) = metadata_paths(os, a, follow, "utime")?;
            os.shutil().copystat(src, dst, follow).map(unit)
        },
    },
    Def {
        name: "shutil.copytree",
        params: &["src", "dst", "symlinks", "ignore", "copy_function", "ignore_dangling_symlinks", "dirs_exist_ok"],
        run: |os, a| {
            let (src, dst) = (a.path("src")?, a.path("dst")?);
            let o = crate::CopytreeOptions {
                symlinks: a.flag("symlinks", false)?,
                ignore_patterns: a.ignore_patterns("ignore")?,
                copy_function: crate::CopyFunction::Copy2,
                ignore_dangling_symlinks: a.flag("ignore_dangling_symlinks", false)?,
                dirs_exist_ok: a.flag("dirs_exist_ok", false)?,
            };
            let (function, given) = copy_function(a)?;
            os.shutil().copytree_with(src, dst, &o, function).map(|p| json::path(&p)).map_err(not_callable(given))
        },
    },
    Def {
        name: "shutil.disk_usage",
        params: &["path"],
        run: |os, a| os.shutil().disk_usage(a.path("path")?).map(|(total, used, free)| json!([total, used, free])),
    },
    Def { name: "shutil.get_terminal_size", params: &["fallback"], run: terminal_size },
    Def {
        name: "shutil.move",
        params: &["src", "dst", "copy_function"],
        run: |os, a| {
            let dst = a.path("dst")?;
            // move asks isdir(dst) first; then a bad src fails in samefile's
            // stat, else in rename.
            let src_value = a.required("src")?;
            let src = match a.path_value("src", src_value) {
                Ok(src) => src,
                Err(_) if os.path().isdir(dst.clone())? => return Err(not_a_path(Some(("stat", "path")), src_value)),
                Err(e) => return Err(e),
            };
            let (function, given) = copy_function(a)?;
            let moved = os.shutil().move_with(src, dst, function).map_err(not_callable(given))?;
            Ok(moved.as_ref().map_or(Value::Null, json::path))
        },
    },
    Def {
        name: "shutil.rmtree",
        params: &["path", "ignore_errors", "onerror", "dir_fd"],
        run: |os, a| {
            let path = a.path("path");
            let ignore_errors = a.flag("ignore_errors", false)?;
            a.unsupported_unless_none("onerror")?;
            a.unsupported_unless_none("dir_fd")?;
            match path {
                Ok(path) => os.shutil().rmtree(path, ignore_errors).map(unit),
                // rmtree's first lstat is inside its error handling, which
                // ignore_errors makes silent, TypeError and all.
                Err(_) if ignore_errors => Ok(Value::Null),
                Err(e) => Err(e),
            }
        },
    },
    Def {
        name: "shutil.which",
        params: &["cmd", "mode", "path"],
        run: |os, a| {
            let mode = a.c_int("mode", Some(1))?;
            let cmd = a.path("cmd")?;
            // A command with a directory is checked as it is: `path` is not
            // looked at, nor is an empty one.
            let path = match a.get("path") {
                _ if cmd.as_bytes().contains(&b'/') => None,
                Some(Value::Array(v)) if v.is_empty() => return Ok(Value::Null),
                Some(Value::Object(m)) if m.is_empty() => return Ok(Value::Null),
                _ => a.opt_path("path")?,
            };
            let found = os.shutil().which(cmd, mode, path)?;
            Ok(found.as_ref().map_or(Value::Null, json::path))
        },
    },
    Def { name: "tempfile.gettempdir", params: &[], run: |os, _| os.tempfile().gettempdir().map(|p| json::path(&p)) },
    Def {
        name: "tempfile.gettempdirb",
        params: &[],
        run: |os, _| os.tempfile().gettempdir().map(|p| json::bytes(p.as_bytes())),
    },
    Def {
        name: "tempfile.mkdtemp",
        params: &["suffix", "prefix", "dir"],
        run: |os, a| {
            os.tempfile()
                .mkdtemp(a.opt_path("suffix")?, a.opt_path("prefix")?, a.opt_path("dir")?)
                .map(|p| json::path(&p))
        },
    },
    Def {
        name: "tempfile.mkstemp",
        params: &["suffix", "prefix", "dir", "text"],
        run: |os, a| {
            a.flag("text", false)?;
            os.tempfile()
                .mkstemp(a.opt_path("suffix")?, a.opt_path("prefix")?, a.opt_path("dir")?)
                .map(|(fd, p)| json!([fd, json::path(&p)]))
        },
    },
    Def {
        name: "time.gmtime",
        params: &["secs"],
        run: |os, a| os.time().gmtime(a.opt_float("secs")?).map(|t| json::struct_time(&t)),
    },
    Def {
        name: "time.localtime",
        params: &["secs"],
        run: |os, a| os.time().localtime(a.opt_float("secs")?).map(|t| json::struct_time(&t)),
    },
    Def { name: "time.monotonic", params: &[], run: |os, _| os.time().monotonic().map(Value::from) },
    Def { name: "time.monotonic_ns", params: &[], run: |os, _| os.time().monotonic_ns().map(Value::from) },
    Def { name: "time.perf_counter", params: &[], run: |os, _| os.time().perf_counter().map(Value::from) },
    Def { name: "time.perf_counter_ns", params: &[], run: |os, _| os.time().perf_counter_ns().map(Value::from) },
    Def { name: "time.sleep", params: &["secs"], run: sleep },
    Def {
        name: "time.strftime",
        params: &["format", "t"],
        run: |os, a| {
            let format = a.string("format")?;
            // A tuple has no zone: it gets the local one, as in C.
            let t = match a.get("t") {
                Some(_) => a.struct_time("t", &os.time().localtime(None)?)?,
                None => None,
            };
            os.time().strftime(&format, t.as_ref()).map(Value::String)
        },
    },
    Def { name: "time.time", params: &[], run: |os, _| os.time().time().map(Value::from) },
    Def { name: "time.time_ns", params: &[], run: |os, _| os.time().time_ns().map(Value::from) },
];

/// `os.utime`'s `times` (float or int seconds, floored to nanoseconds as
/// CPython does) or `ns`, as nanoseconds; `None` for now.
fn utime_ns(a: &Args) -> Result<Option<(i64, i64)>> {
    let times = a.get("times").filter(|v| !v.is_null());
    let ns = a.get("ns");
    let pair = |v: &Value| v.as_array().filter(|p| p.len() == 2).cloned();
    match (times, ns) {
        (Some(_), Some(_)) => {
            Err(Error::new(ErrorKind::Value, "utime: you may specify either 'times' or 'ns' but not both"))
        }
        (Some(t), None) => {
            let p = pair(t).ok_or_else(|| {
                Error::new(ErrorKind::Type, "utime: 'times' must be either a tuple of two ints or None")
            })?;
            Ok(Some((seconds_as_ns(&p[0])?, seconds_as_ns(&p[1])?)))
        }
        (None, Some(n)) => {
            let p = pair(n).ok_or_else(|| Error::new(ErrorKind::Type, "utime: 'ns' must be a tuple of two ints"))?;
            Ok(Some((nanoseconds(&p[0])?, nanoseconds(&p[1])?)))
        }
        (None, None) => Ok(None),
    }
}

/// A time past what the call can take. CPython raises it past `time_t`;
/// osbox carries times as 64-bit nanoseconds, so it raises it past the
/// years 1677 to 2262 too (docs/deviations.md).
fn time_t_overflow() -> Error {
    Error::new(ErrorKind::Overflow, "timestamp out of range for platform time_t")
}

/// One of `os.utime`'s `times`: seconds, an `int` or a `float`, in
/// nanoseconds.
fn seconds_as_ns(v: &Value) -> Result<i64> {
    const NS: i64 = 1_000_000_000;
    let secs = match (v, python_int(v)) {
        (_, Some(json::Num::Int(i))) => return i.checked_mul(NS).ok_or_else(time_t_overflow),
        (_, Some(_)) => return Err(time_t_overflow()),
        (Value::Number(n), None) => match json::number(n) {
            json::Num::Float(f) => f,
            _ => return Err(not_an_integer(v)),
        },
        _ => return Err(not_an_integer(v)),
    };
    if secs.is_nan() {
        return Err(Error::new(ErrorKind::Value, "Invalid value NaN (not a number)"));
    }
    let whole = secs.floor();
    // [-2**63, 2**63): `i64::MAX as f64` rounds up to 2**63.
    if !(i64::MIN as f64..i64::MAX as f64).contains(&whole) {
        return Err(time_t_overflow());
    }
    (whole as i64)
        .checked_mul(NS)
        .and_then(|ns| ns.checked_add(((secs - whole) * 1e9).floor() as i64))
        .ok_or_else(time_t_overflow)
}

/// One of `os.utime`'s `ns`: an `int` of nanoseconds, which CPython splits
/// with `divmod(ns, 10**9)`.
fn nanoseconds(v: &Value) -> Result<i64> {
    match python_int(v) {
        Some(json::Num::Int(i)) => Ok(i),
        Some(_) => Err(time_t_overflow()),
        None if matches!(v, Value::Number(_)) => Err(not_an_integer(v)),
        None => Err(Error::new(
            ErrorKind::Type,
            format!("unsupported operand type(s) for divmod(): '{}' and 'int'", json::type_name(v)),
        )),
    }
}

/// `shutil.copyfileobj`'s `length` as the source's `read(length)` takes it,
/// after `if not length: length = COPY_BUFSIZE` (0 here).
fn copy_length(a: &Args) -> Result<i64> {
    let Some(v) = a.get("length") else { return Ok(0) };
    if !a.flag("length", false)? {
        return Ok(0);
    }
    match python_int(v) {
        Some(json::Num::Int(i)) => Ok(i),
        Some(_) => Err(Error::new(ErrorKind::Overflow, "cannot fit 'int' into an index-sized integer")),
        None => Err(Error::new(
            ErrorKind::Type,
            format!("argument should be integer or None, not '{}'", json::type_name(v)),
        )),
    }
}

/// `shutil.get_terminal_size(fallback)`: `COLUMNS` and `LINES`, else the
/// fallback's items whatever they are, as CPython answers `size.columns or
/// fallback[0]` (the host answers 0 for what it does not know). The
/// fallback is checked as `os.terminal_size(fallback)` checks it, when it
/// is needed.
fn terminal_size(os: &mut Os, a: &Args) -> Result<Value> {
    let (columns, lines) = os.shutil().get_terminal_size((0, 0))?;
    if columns != 0 && lines != 0 {
        return Ok(json!([columns, lines]));
    }
    let fallback: Vec<Value> = match a.get("fallback") {
        None => vec![json!(80), json!(24)],
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(s)) => s.chars().map(|c| Value::String(c.into())).collect(),
        Some(_) => return Err(Error::new(ErrorKind::Type, "constructor requires a sequence")),
    };
    let [c, l] = <[Value; 2]>::try_from(fallback).map_err(|items| {
        Error::new(ErrorKind::Type, format!("os.terminal_size() takes a 2-sequence ({}-sequence given)", items.len()))
    })?;
    let pick = |got: i64, fallback: Value| if got != 0 { Value::from(got) } else { fallback };
    Ok(json!([pick(columns, c), pick(lines, l)]))
}

/// `time.sleep(secs)`: CPython counts a sleep in 64-bit nanoseconds, and
/// an `int` past that is `OverflowError` in its own words (a `float`'s are
/// the guest's).
fn sleep(os: &mut Os, a: &Args) -> Result<Value> {
    if let Some(n) = python_int(a.required("secs")?)
        && !matches!(n, json::Num::Int(i) if i.checked_mul(1_000_000_000).is_some())
    {
        return Err(Error::new(ErrorKind::Overflow, "timestamp too large to convert to C _PyTime_t"));
    }
    os.time().sleep(a.float("secs")?).map(unit)
}

/// Every attribute [`attribute`] answers.
pub static ATTRIBUTES: &[&str] = &[
    "os.sep",
    "os.path.sep",
    "os.altsep",
    "os.path.altsep",
    "os.extsep",
    "os.path.extsep",
    "os.pathsep",
    "os.path.pathsep",
    "os.linesep",
    "os.curdir",
    "os.path.curdir",
    "os.pardir",
    "os.path.pardir",
    "os.defpath",
    "os.path.defpath",
    "os.devnull",
    "os.path.devnull",
    "os.name",
    "sys.platform",
    "subprocess.PIPE",
    "subprocess.STDOUT",
    "subprocess.DEVNULL",
    "os.O_RDONLY",
    "os.O_WRONLY",
    "os.O_RDWR",
    "os.O_CREAT",
    "os.O_EXCL",
    "os.O_NOCTTY",
    "os.O_TRUNC",
    "os.O_APPEND",
    "os.O_NONBLOCK",
    "os.O_DSYNC",
    "os.O_DIRECTORY",
    "os.O_NOFOLLOW",
    "os.O_CLOEXEC",
    "os.O_SYNC",
    "os.O_RSYNC",
    "os.SEEK_SET",
    "os.SEEK_CUR",
    "os.SEEK_END",
    "os.F_OK",
    "os.X_OK",
    "os.W_OK",
    "os.R_OK",
    "os.supports_dir_fd",
    "os.supports_effective_ids",
    "os.supports_fd",
    "os.supports_follow_symlinks",
    "tempfile.tempdir",
    "os.environ",
];

/// The attributes: constants, and `os.environ` itself.
pub fn attribute(os: &mut Os, name: &str) -> Option<Result<Value>> {
    let v = match name {
        "os.sep" | "os.path.sep" => json!("/"),
        "os.altsep" | "os.path.altsep" => Value::Null,
        "os.extsep" | "os.path.extsep" => json!("."),
        "os.pathsep" | "os.path.pathsep" => json!(":"),
        "os.linesep" => json!("\n"),
        "os.curdir" | "os.path.curdir" => json!("."),
        "os.pardir" | "os.path.pardir" => json!(".."),
        "os.defpath" | "os.path.defpath" => json!("/bin:/usr/bin"),
        "os.devnull" | "os.path.devnull" => json!("/dev/null"),
        "os.name" => json!("posix"),
        "sys.platform" => return Some(os.sys().platform().map(Value::String)),
        "os.O_RDONLY" => json!(0),
        "os.O_WRONLY" => json!(1),
        "os.O_RDWR" => json!(2),
        "os.O_CREAT" => json!(0o100),
        "os.O_EXCL" => json!(0o200),
        "os.O_NOCTTY" => json!(0o400),
        "os.O_TRUNC" => json!(0o1000),
        "os.O_APPEND" => json!(0o2000),
        "os.O_NONBLOCK" => json!(0o4000),
        "os.O_DSYNC" => json!(0o10000),
        "os.O_DIRECTORY" => json!(0o200000),
        "os.O_NOFOLLOW" => json!(0o400000),
        "os.O_CLOEXEC" => json!(0o2000000),
        "os.O_SYNC" | "os.O_RSYNC" => json!(0o4010000),
        "os.SEEK_SET" => json!(0),
        "os.SEEK_CUR" => json!(1),
        "os.SEEK_END" => json!(2),
        "os.F_OK" => json!(0),
        "os.X_OK" => json!(1),
        "os.W_OK" => json!(2),
        "os.R_OK" => json!(4),
        "os.supports_dir_fd" => callables_named(SUPPORTS_DIR_FD),
        "os.supports_effective_ids" => callables_named(&["os.access"]),
        "os.supports_fd" => callables_named(SUPPORTS_FD),
        "os.supports_follow_symlinks" => callables_named(SUPPORTS_FOLLOW_SYMLINKS),
        "tempfile.tempdir" => return Some(os.tempfile().tempdir().map(|d| d.as_ref().map_or(Value::Null, json::path))),
        "os.environ" => {
            return Some(os.environ().map(|vars| {
                Value::Object(vars.into_iter().map(|(k, v)| (k, Value::String(v))).collect::<Map<_, _>>())
            }));
        }
        _ => return None,
    };
    Some(Ok(v))
}

/// The callable named `name`.
pub fn find(name: &str) -> Option<&'static Def> {
    CALLS.binary_search_by(|d| d.name.cmp(name)).ok().map(|i| &CALLS[i])
}

/// `AttributeError` for a name osbox does not have, worded as CPython
/// words a missing module attribute.
pub fn missing(name: &str) -> Error {
    let (module, attr) = name.rsplit_once('.').unwrap_or(("builtins", name));
    let module = match module {
        "os.path" => "posixpath",
        "os.environ" => {
            return Error::new(ErrorKind::Attribute, format!("'_Environ' object has no attribute '{attr}'"));
        }
        m => m,
    };
    let known = [
        "os",
        "posixpath",
        "shutil",
        "tempfile",
        "time",
        "platform",
        "sys",
        "subprocess",
        "errno",
        "stat",
        "signal",
        "io",
    ];
    if known.contains(&module) {
        Error::new(ErrorKind::Attribute, format!("module '{module}' has no attribute '{attr}'"))
    } else {
        Error::new(ErrorKind::Attribute, format!("module '{module}' is not available"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn calls_are_sorted_for_the_binary_search() {
        for pair in super::CALLS.windows(2) {
            assert!(pair[0].name < pair[1].name, "{} comes before {}", pair[1].name, pair[0].name);
        }
    }
}
