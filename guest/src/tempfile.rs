//! `tempfile`: CPython 3.11's `mkstemp`, `mkdtemp` and `gettempdir`, with
//! names drawn from `wasi:random`.

use std::cell::RefCell;

use crate::Osbox;
use crate::error::{os_error_text, type_error};
use crate::exports::osbox::os::file::Guest as _;
use crate::exports::osbox::os::fs::Guest as _;
use crate::exports::osbox::os::tempfile::Guest;
use crate::fspath::like;
use crate::osbox::os::types::{ErrorCode, Fspath, OsError};
use crate::posixpath;
use crate::sandbox;

/// `os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW`.
const MKSTEMP_FLAGS: i32 = 0o2 | 0o100 | 0o200 | 0o400000;
/// `tempfile.TMP_MAX`: how many names to try.
const TMP_MAX: usize = 10000;

thread_local! {
    /// `tempfile.tempdir`, once `gettempdir` has found it.
    static TEMPDIR: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Eight characters from `[a-z0-9_]`, as `_RandomNameSequence` makes them.
fn random_name() -> Vec<u8> {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
    let mut r = crate::wasi::random::random::get_random_u64();
    (0..8)
        .map(|_| {
            let c = CHARS[(r % CHARS.len() as u64) as usize];
            r /= CHARS.len() as u64;
            c
        })
        .collect()
}

/// What `_sanitize_params` settles: the flavour, prefix, suffix and directory.
struct Params {
    bytes: bool,
    prefix: Vec<u8>,
    suffix: Vec<u8>,
    dir: Vec<u8>,
}

/// `_sanitize_params`.
fn sanitize(suffix: Option<Fspath>, prefix: Option<Fspath>, dir: Option<Fspath>) -> Result<Params, OsError> {
    let given: Vec<&Fspath> = [&suffix, &prefix, &dir].into_iter().flatten().collect();
    let bytes = match given.first() {
        None => false,
        Some(first) => {
            if given.iter().any(|p| p.is_bytes() != first.is_bytes()) {
                return Err(type_error("Can't mix bytes and non-bytes in path components."));
            }
            first.is_bytes()
        }
    };
    let suffix = suffix.map(|s| s.as_bytes().to_vec()).unwrap_or_default();
    let prefix = prefix.map_or_else(|| b"tmp".to_vec(), |p| p.as_bytes().to_vec());
    let dir = match dir {
        Some(d) => d.as_bytes().to_vec(),
        None => gettempdir()?,
    };
    Ok(Params { bytes, prefix, suffix, dir })
}

/// A candidate path: `dir/prefix + name + suffix`.
fn candidate(dir: &[u8], prefix: &[u8], suffix: &[u8]) -> Vec<u8> {
    let mut name = prefix.to_vec();
    name.extend(random_name());
    name.extend_from_slice(suffix);
    posixpath::join(dir, &[&name])
}

/// `_get_default_tempdir`: a directory where a file can be created and
/// written.
fn find_tempdir() -> Result<Vec<u8>, OsError> {
    let mut dirs: Vec<Vec<u8>> = ["TMPDIR", "TEMP", "TMP"]
        .iter()
        .filter_map(|v| crate::env::get(v).filter(|s| !s.is_empty()).map(String::into_bytes))
        .collect();
    dirs.extend([b"/tmp".to_vec(), b"/var/tmp".to_vec(), b"/usr/tmp".to_vec()]);
    dirs.push(Osbox::getcwd(true).map_or_else(|_| b".".to_vec(), |c| c.as_bytes().to_vec()));
    for dir in &dirs {
        let dir = if dir == b"." { dir.clone() } else { posixpath::abspath(dir, &sandbox::cwd()) };
        for _ in 0..100 {
            let path = Fspath::Bytes(candidate(&dir, b"", b""));
            match Osbox::open(path.clone(), MKSTEMP_FLAGS, 0o600, None) {
                Ok(fd) => {
                    let written = Osbox::write(fd, b"blat".to_vec());
                    let _ = Osbox::close(fd);
                    let _ = Osbox::remove(path, None);
                    if written.is_ok() {
                        return Ok(dir);
                    }
                    break;
                }
                Err(e) if e.code == Some(ErrorCode::Exist) => continue,
                Err(_) => break,
            }
        }
    }
    let listed: Vec<String> = dirs.iter().map(|d| crate::posixpath::repr_str(&String::from_utf8_lossy(d))).collect();
    Err(os_error_text(ErrorCode::NoEntry, format!("No usable temporary directory found in [{}]", listed.join(", "))))
}

fn gettempdir() -> Result<Vec<u8>, OsError> {
    if let Some(d) = TEMPDIR.with(|t| t.borrow().clone()) {
        return Ok(d);
    }
    let d = find_tempdir()?;
    TEMPDIR.with(|t| *t.borrow_mut() = Some(d.clone()));
    Ok(d)
}

impl Guest for Osbox {
    fn gettempdir(bytes: bool) -> Result<Fspath, OsError> {
        gettempdir().map(|d| like(bytes, d))
    }

    fn tempdir() -> Option<Fspath> {
        TEMPDIR.with(|t| t.borrow().clone()).map(|d| like(false, d))
    }

    fn mkstemp(suffix: Option<Fspath>, prefix: Option<Fspath>, dir: Option<Fspath>) -> Result<(i32, Fspath), OsError> {
        let Params { bytes, prefix, suffix, dir } = sanitize(suffix, prefix, dir)?;
        let dir = posixpath::abspath(&dir, &sandbox::cwd());
        for _ in 0..TMP_MAX {
            let path = like(bytes, candidate(&dir, &prefix, &suffix));
            match Osbox::open(path.clone(), MKSTEMP_FLAGS, 0o600, None) {
                Ok(fd) => return Ok((fd, path)),
                Err(e) if e.code == Some(ErrorCode::Exist) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(os_error_text(ErrorCode::Exist, "No usable temporary file name found".into()))
    }

    fn mkdtemp(suffix: Option<Fspath>, prefix: Option<Fspath>, dir: Option<Fspath>) -> Result<Fspath, OsError> {
        let Params { bytes, prefix, suffix, dir } = sanitize(suffix, prefix, dir)?;
        for _ in 0..TMP_MAX {
            // CPython 3.11 keeps a relative `dir` relative.
            let path = like(bytes, candidate(&dir, &prefix, &suffix));
            match Osbox::mkdir(path.clone(), 0o700, None) {
                Ok(()) => return Ok(path),
                Err(e) if e.code == Some(ErrorCode::Exist) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(os_error_text(ErrorCode::Exist, "No usable temporary directory name found".into()))
    }
}
