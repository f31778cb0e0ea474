//! `os.path`: posixpath's pure functions (ported in `posixpath.rs`) with
//! CPython's argument checks, and the functions that look at the sandbox.

use crate::error::{Fail, type_error, value_error};
use crate::exports::osbox::os::path::Guest;
use crate::fs::{is_dir_mode, stat_path};
use crate::fspath::{common_flavour, like};
use crate::osbox::os::types::{ErrorCode, FileType, Fspath, OsError};
use crate::posixpath::{self, PathError};
use crate::sandbox::{self, resolve};
use crate::stat;

fn path_error(e: PathError) -> OsError {
    match e {
        PathError::Value(m) => value_error(m),
    }
}

fn lstat_mode(p: &Fspath) -> Option<u32> {
    stat_path(p, false).ok().map(|s| s.mode)
}

fn stat_mode(p: &Fspath) -> Option<u32> {
    stat_path(p, true).ok().map(|s| s.mode)
}

/// `st_atime`-style float seconds, computed as CPython does (`sec + nsec * 1e-9`).
fn seconds(ns: i64) -> f64 {
    ns.div_euclid(1_000_000_000) as f64 + ns.rem_euclid(1_000_000_000) as f64 * 1e-9
}

/// `os.readlink` of a path, for realpath.
fn readlink(p: &Fspath) -> Result<Vec<u8>, OsError> {
    let loc = resolve(p).map_err(|f| f.on(p))?;
    match loc {
        sandbox::Loc::Real { mount, rel } if rel != "." => {
            mount.dir.readlink_at(&rel).map(String::into_bytes).map_err(|c| Fail::from(c).on(p))
        }
        _ => Err(Fail::Code(ErrorCode::Invalid).on(p)),
    }
}

/// CPython 3.11's `posixpath._joinrealpath`: returns the path so far and
/// whether it was resolved completely.
fn join_realpath(
    mut path: Vec<u8>,
    rest: &[u8],
    strict: bool,
    seen: &mut Vec<(Vec<u8>, Option<Vec<u8>>)>,
    bytes: bool,
) -> Result<(Vec<u8>, bool), OsError> {
    let mut rest = rest;
    if posixpath::isabs(rest) {
        rest = &rest[1..];
        path = b"/".to_vec();
    }
    while !rest.is_empty() {
        let (name, tail) = match rest.iter().position(|&b| b == b'/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = tail;
        if name.is_empty() || name == b"." {
            continue;
        }
        if name == b".." {
            if path.is_empty() {
                path = b"..".to_vec();
            } else {
                let (head, last) = posixpath::split(&path);
                path = if last == b".." { posixpath::join(&head, &[b"..", b".."]) } else { head };
            }
            continue;
        }
        let newpath = posixpath::join(&path, &[name]);
        let np = like(bytes, newpath.clone());
        let is_link = match stat_path(&np, false) {
            Ok(st) => stat::is(st.mode, FileType::SymbolicLink),
            Err(e) if strict => return Err(e),
            Err(_) => false,
        };
        if !is_link {
            path = newpath;
            continue;
        }
        if let Some((_, resolved)) = seen.iter().find(|(k, _)| *k == newpath) {
            if let Some(r) = resolved {
                path = r.clone();
                continue;
            }
            if strict {
                stat_path(&np, true)?;
            }
            return Ok((posixpath::join(&newpath, &[rest]), false));
        }
        seen.push((newpath.clone(), None));
        let target = readlink(&np)?;
        let (p, ok) = join_realpath(path, &target, strict, seen, bytes)?;
        if !ok {
            return Ok((posixpath::join(&p, &[rest]), false));
        }
        if let Some(entry) = seen.iter_mut().find(|(k, _)| *k == newpath) {
            entry.1 = Some(p.clone());
        }
        path = p;
    }
    Ok((path, true))
}

/// `os.path.realpath(path, strict=...)` as bytes.
pub fn realpath_bytes(path: &Fspath, strict: bool) -> Result<Vec<u8>, OsError> {
    let bytes = path.checked().map_err(|f| f.on(path))?;
    let (p, _) = join_realpath(Vec::new(), bytes, strict, &mut Vec::new(), path.is_bytes())?;
    Ok(posixpath::abspath(&p, &sandbox::cwd()))
}

fn environ_value(name: &[u8]) -> Option<Vec<u8>> {
    let name = std::str::from_utf8(name).ok()?;
    crate::env::get(name).map(String::into_bytes)
}

impl Guest for crate::Osbox {
    fn join(a: Fspath, p: Vec<Fspath>) -> Result<Fspath, OsError> {
        if common_flavour(std::iter::once(&a).chain(&p), "path components").is_err() {
            return Err(type_error("Can't mix strings and bytes in path components"));
        }
        let rest: Vec<&[u8]> = p.iter().map(Fspath::as_bytes).collect();
        Ok(a.like(posixpath::join(a.as_bytes(), &rest)))
    }

    fn split(p: Fspath) -> (Fspath, Fspath) {
        let (h, t) = posixpath::split(p.as_bytes());
        (p.like(h), p.like(t))
    }

    fn splitext(p: Fspath) -> (Fspath, Fspath) {
        let (r, e) = posixpath::splitext(p.as_bytes());
        (p.like(r), p.like(e))
    }

    fn splitdrive(p: Fspath) -> (Fspath, Fspath) {
        let (d, r) = posixpath::splitdrive(p.as_bytes());
        (p.like(d), p.like(r))
    }

    fn basename(p: Fspath) -> Fspath {
        p.like(posixpath::basename(p.as_bytes()))
    }

    fn dirname(p: Fspath) -> Fspath {
        p.like(posixpath::dirname(p.as_bytes()))
    }

    fn normpath(p: Fspath) -> Fspath {
        p.like(posixpath::normpath(p.as_bytes()))
    }

    fn normcase(p: Fspath) -> Fspath {
        p.like(posixpath::normcase(p.as_bytes()))
    }

    fn isabs(p: Fspath) -> bool {
        posixpath::isabs(p.as_bytes())
    }

    fn abspath(p: Fspath) -> Result<Fspath, OsError> {
        Ok(p.like(posixpath::abspath(p.as_bytes(), &sandbox::cwd())))
    }

    fn realpath(p: Fspath, strict: bool) -> Result<Fspath, OsError> {
        realpath_bytes(&p, strict).map(|r| p.like(r))
    }

    fn relpath(p: Fspath, start: Option<Fspath>) -> Result<Fspath, OsError> {
        if p.as_bytes().is_empty() {
            return Err(value_error("no path specified"));
        }
        if start.as_ref().is_some_and(|s| s.is_bytes() != p.is_bytes()) {
            return Err(type_error("Can't mix strings and bytes in path components"));
        }
        let r = posixpath::relpath(p.as_bytes(), start.as_ref().map(Fspath::as_bytes), &sandbox::cwd())
            .map_err(path_error)?;
        Ok(p.like(r))
    }

    fn commonpath(paths: Vec<Fspath>) -> Result<Fspath, OsError> {
        if paths.is_empty() {
            return Err(value_error("commonpath() arg is an empty sequence"));
        }
        let bytes = common_flavour(&paths, "path components")?;
        let parts: Vec<&[u8]> = paths.iter().map(Fspath::as_bytes).collect();
        posixpath::commonpath(&parts).map(|r| like(bytes, r)).map_err(path_error)
    }

    fn commonprefix(paths: Vec<Fspath>) -> Result<Fspath, OsError> {
        // CPython compares the items themselves: mixing str and bytes fails
        // with its own TypeError.
        if common_flavour(&paths, "path components").is_err() {
            return Err(type_error("'<' not supported between instances of 'bytes' and 'str'"));
        }
        match paths.first() {
            None => Ok(Fspath::Text(String::new())),
            Some(Fspath::Bytes(_)) => {
                let parts: Vec<&[u8]> = paths.iter().map(Fspath::as_bytes).collect();
                Ok(Fspath::Bytes(posixpath::commonprefix(&parts)))
            }
            Some(Fspath::Text(_)) => {
                let parts: Vec<&str> = paths
                    .iter()
                    .filter_map(|p| if let Fspath::Text(s) = p { Some(s.as_str()) } else { None })
                    .collect();
                Ok(Fspath::Text(posixpath::commonprefix_str(&parts)))
            }
        }
    }

    fn expanduser(p: Fspath) -> Fspath {
        let home = crate::env::get("HOME").map(String::into_bytes);
        p.like(posixpath::expanduser(p.as_bytes(), home.as_deref()))
    }

    fn expandvars(p: Fspath) -> Fspath {
        p.like(posixpath::expandvars(p.as_bytes(), &environ_value))
    }

    fn exists(p: Fspath) -> bool {
        stat_mode(&p).is_some()
    }

    fn lexists(p: Fspath) -> bool {
        lstat_mode(&p).is_some()
    }

    fn isfile(p: Fspath) -> bool {
        stat_mode(&p).is_some_and(|m| stat::is(m, FileType::RegularFile))
    }

    fn isdir(p: Fspath) -> bool {
        stat_mode(&p).is_some_and(is_dir_mode)
    }

    fn islink(p: Fspath) -> bool {
        lstat_mode(&p).is_some_and(|m| stat::is(m, FileType::SymbolicLink))
    }

    fn ismount(p: Fspath) -> bool {
        let Some(mode) = lstat_mode(&p) else { return false };
        if stat::is(mode, FileType::SymbolicLink) {
            return false;
        }
        let abs = posixpath::abspath(p.as_bytes(), &sandbox::cwd());
        abs == b"/" || sandbox::mounts().iter().any(|m| m.path == abs)
    }

    fn getsize(p: Fspath) -> Result<u64, OsError> {
        stat_path(&p, true).map(|s| s.size)
    }

    fn getmtime(p: Fspath) -> Result<f64, OsError> {
        stat_path(&p, true).map(|s| seconds(s.mtime_ns))
    }

    fn getatime(p: Fspath) -> Result<f64, OsError> {
        stat_path(&p, true).map(|s| seconds(s.atime_ns))
    }

    fn getctime(p: Fspath) -> Result<f64, OsError> {
        stat_path(&p, true).map(|s| seconds(s.ctime_ns))
    }

    fn samefile(a: Fspath, b: Fspath) -> Result<bool, OsError> {
        let sa = stat_path(&a, true)?;
        let sb = stat_path(&b, true)?;
        Ok(sa.dev == sb.dev && sa.ino == sb.ino)
    }
}
