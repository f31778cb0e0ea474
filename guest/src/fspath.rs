//! `str` and `bytes` paths: the flavour of an argument decides the flavour
//! of the answer, and CPython's argument checks (embedded NUL, mixing)
//! happen here.

use crate::error::{Fail, type_error, value_error};
use crate::osbox::os::types::{ErrorCode, Fspath, OsError};

impl Fspath {
    /// The path's bytes (`os.fsencode`); `str` paths are UTF-8.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Fspath::Text(s) => s.as_bytes(),
            Fspath::Bytes(b) => b,
        }
    }

    /// True for a `bytes` path.
    pub fn is_bytes(&self) -> bool {
        matches!(self, Fspath::Bytes(_))
    }

    /// A path in the same flavour as `self` made of `bytes`.
    ///
    /// For `str` the bytes come from splitting or joining UTF-8 text at
    /// ASCII separators, so they are UTF-8; the lossy branch only guards
    /// against a bug turning into a trap.
    pub fn like(&self, bytes: Vec<u8>) -> Fspath {
        like(self.is_bytes(), bytes)
    }

    /// The path as the sandbox resolves it: `ValueError` for an embedded
    /// NUL, as CPython's argument conversion raises before any system call.
    pub fn checked(&self) -> Result<&[u8], Fail> {
        let b = self.as_bytes();
        if b.contains(&0) {
            return Err(Fail::Raised(value_error("embedded null byte")));
        }
        Ok(b)
    }
}

/// A path of the given flavour from `bytes`.
pub fn like(bytes_flavour: bool, bytes: Vec<u8>) -> Fspath {
    if bytes_flavour {
        Fspath::Bytes(bytes)
    } else {
        match String::from_utf8(bytes) {
            Ok(s) => Fspath::Text(s),
            Err(e) => Fspath::Text(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        }
    }
}

/// The flavour shared by all `paths`: CPython's `TypeError` when `str` and
/// `bytes` are mixed.
pub fn common_flavour<'a>(paths: impl IntoIterator<Item = &'a Fspath>, what: &str) -> Result<bool, OsError> {
    let mut flavour = None;
    for p in paths {
        match flavour {
            None => flavour = Some(p.is_bytes()),
            Some(f) if f != p.is_bytes() => {
                return Err(type_error(format!("Can't mix strings and bytes in {what}")));
            }
            Some(_) => {}
        }
    }
    Ok(flavour.unwrap_or(false))
}

/// A guest path as WASI takes it: a `str`. Non-UTF-8 names cannot exist in
/// the sandbox (WASI names are strings), so they fail with `EILSEQ`.
pub fn wasi_str(bytes: &[u8]) -> Result<&str, Fail> {
    std::str::from_utf8(bytes).map_err(|_| Fail::Code(ErrorCode::IllegalByteSequence))
}
