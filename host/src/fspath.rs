//! `FsPath`: a path as Python takes it, `str` or `bytes`.

use std::fmt;

use crate::bindings::osbox::os::types::Fspath;

/// A path argument or result, `str` or `bytes` as in Python.
///
/// Functions answer in the flavour they were asked in: `os.listdir("/w")`
/// gives `FsPath::Str` names, `os.listdir(b"/w".as_slice())` gives bytes.
/// Plain Rust strings convert with `From`, so `os.stat("/work/f")` works.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FsPath {
    /// A `str` path.
    Str(String),
    /// A `bytes` path.
    Bytes(Vec<u8>),
}

impl FsPath {
    /// The path as text, `None` for a `bytes` path.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            FsPath::Str(s) => Some(s),
            FsPath::Bytes(_) => None,
        }
    }

    /// The path's bytes (UTF-8 for a `str` path).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            FsPath::Str(s) => s.as_bytes(),
            FsPath::Bytes(b) => b,
        }
    }

    /// True for a `bytes` path.
    pub fn is_bytes(&self) -> bool {
        matches!(self, FsPath::Bytes(_))
    }

    /// `name` as a path of the flavour `bytes` says: what the listing of a
    /// `bytes` path gives is `bytes`.
    pub(crate) fn named(bytes: bool, name: String) -> FsPath {
        if bytes { FsPath::Bytes(name.into_bytes()) } else { FsPath::Str(name) }
    }
}

impl fmt::Display for FsPath {
    /// The text of the path; bytes that are not UTF-8 print lossily.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.as_bytes()))
    }
}

impl From<&str> for FsPath {
    fn from(s: &str) -> Self {
        FsPath::Str(s.to_string())
    }
}

impl From<String> for FsPath {
    fn from(s: String) -> Self {
        FsPath::Str(s)
    }
}

impl From<&String> for FsPath {
    fn from(s: &String) -> Self {
        FsPath::Str(s.clone())
    }
}

impl From<&[u8]> for FsPath {
    fn from(b: &[u8]) -> Self {
        FsPath::Bytes(b.to_vec())
    }
}

impl From<Vec<u8>> for FsPath {
    fn from(b: Vec<u8>) -> Self {
        FsPath::Bytes(b)
    }
}

impl From<&FsPath> for FsPath {
    fn from(p: &FsPath) -> Self {
        p.clone()
    }
}

impl PartialEq<&str> for FsPath {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<str> for FsPath {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl From<FsPath> for Fspath {
    fn from(p: FsPath) -> Self {
        match p {
            FsPath::Str(s) => Fspath::Text(s),
            FsPath::Bytes(b) => Fspath::Bytes(b),
        }
    }
}

impl From<Fspath> for FsPath {
    fn from(p: Fspath) -> Self {
        match p {
            Fspath::Text(s) => FsPath::Str(s),
            Fspath::Bytes(b) => FsPath::Bytes(b),
        }
    }
}
