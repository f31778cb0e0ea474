//! The arguments of `shutil`'s calls, refused in the order CPython's code
//! reaches them, and `copy_function`.

use serde_json::Value;

use super::args::{Args, not_a_path};
use super::json;
use crate::bindings::exports::osbox::os::shutil::CopyFunction as WitCopy;
use crate::error::{Error, ErrorKind, Result};
use crate::fspath::FsPath;
use crate::os::Os;

/// `shutil.copy`'s and `copy2`'s paths, with the `TypeError` for a bad one
/// that CPython's order of calls gives: `isdir(dst)` first, then
/// `basename(src)` when `dst` is a directory, else `stat(src)`.
pub(super) fn copy_paths(os: &mut Os, a: &Args) -> Result<(FsPath, FsPath)> {
    let stat = Some(("stat", "path"));
    let (src_value, dst_value) = (a.required("src")?, a.required("dst")?);
    let dst = a.path_value("dst", dst_value).map_err(|_| not_a_path(stat, dst_value))?;
    match a.path_value("src", src_value) {
        Ok(src) => Ok((src, dst)),
        Err(_) if os.path().isdir(dst.clone())? => Err(not_a_path(None, src_value)),
        Err(_) => Err(not_a_path(stat, src_value)),
    }
}

/// `shutil.copymode`'s and `copystat`'s paths: without following links,
/// CPython first asks `islink` of `src` (then of `dst` when `src` is a
/// link), so a bad path is `lstat`'s `TypeError`; else `stat`'s for `src`
/// and `setter`'s (`chmod`, `utime`) for `dst`.
pub(super) fn metadata_paths(os: &mut Os, a: &Args, follow: bool, setter: &'static str) -> Result<(FsPath, FsPath)> {
    let (src_value, dst_value) = (a.required("src")?, a.required("dst")?);
    let lstat = Some(("lstat", "path"));
    let src = a
        .path_value("src", src_value)
        .map_err(|_| not_a_path(if follow { Some(("stat", "path")) } else { lstat }, src_value))?;
    let dst = match a.path_value("dst", dst_value) {
        Ok(dst) => dst,
        Err(_) if !follow && os.path().islink(src.clone())? => return Err(not_a_path(lstat, dst_value)),
        Err(_) => {
            // `src` is read before `dst` is set: its errors come first.
            os.stat(src)?;
            return Err(not_a_path(Some((setter, "path")), dst_value));
        }
    };
    Ok((src, dst))
}

/// `copy_function`: `{"$callable": "shutil.copy"}` or `shutil.copy2` (the
/// default); anything that is not a function is called all the same, and
/// fails where it is, with the type of what was given.
pub(super) fn copy_function(a: &Args) -> Result<(WitCopy, &'static str)> {
    match a.get("copy_function") {
        None => Ok((WitCopy::Copy2, "")),
        Some(v) => match v.get("$callable").and_then(Value::as_str) {
            Some("shutil.copy2") => Ok((WitCopy::Copy2, "")),
            Some("shutil.copy") => Ok((WitCopy::Copy, "")),
            Some(_) => Err(Error::new(
                ErrorKind::NotImplemented,
                "copy_function: only shutil.copy and shutil.copy2 are available",
            )),
            None => Ok((WitCopy::NotCallable, json::type_name(v))),
        },
    }
}

/// The guest's `object is not callable` with the type of what was given.
pub(super) fn not_callable(given: &'static str) -> impl Fn(Error) -> Error {
    move |e| {
        if e.kind() == ErrorKind::Type && e.message() == "object is not callable" {
            Error::new(ErrorKind::Type, format!("'{given}' object is not callable"))
        } else {
            e
        }
    }
}
