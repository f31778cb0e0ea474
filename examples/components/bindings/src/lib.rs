//! The os surface of osbox (`osbox:os@0.1.0`), imported into a Rust
//! component with wit-bindgen: `fs::stat`, `path::join`, `shutil::copy2`
//! and the rest, named after their Python functions. A component using it
//! imports `osbox:os/*`; composing it with the osbox component
//! (`osbox compose`) gives a component that needs only WASI.
//!
//! The helpers here make the generated API read like Python:
//!
//! ```ignore
//! use osbox_bindings::{PathOrFd, fs, p, text};
//! for name in fs::listdir(Some(&PathOrFd::Path(p("/data"))))? {
//!     println!("{}", text(&name));
//! }
//! ```

wit_bindgen::generate!({
    world: "consumer",
    path: "../../../wit",
    generate_all,
});

pub use osbox::os::shutil::CopyFunction;
pub use osbox::os::types::{DirEntry, Exception, FileType, Fspath, OsError, PathOrFd, StatResult, WalkItem};
pub use osbox::os::{env, file, fs, path, platform, shutil, subprocess, sys, system, tempfile, time};

/// An `fspath` from text: what Python's `str` paths are.
pub fn p(s: &str) -> Fspath {
    Fspath::Text(s.to_string())
}

/// The text of an `fspath` (bytes paths decoded lossily).
pub fn text(path: &Fspath) -> String {
    match path {
        Fspath::Text(s) => s.clone(),
        Fspath::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// Linux's `ENOSYS`: what a function that needs the osbox host (chmod,
/// statvfs, spawning programs) raises on other WASI hosts.
pub const ENOSYS: i32 = 38;

impl OsError {
    /// Whether this is `OSError(ENOSYS)`: the function is not available on
    /// this host (the component runs outside osbox).
    pub fn is_unsupported(&self) -> bool {
        self.errno == Some(ENOSYS)
    }

    /// The Python class and message, as a traceback's last line shows them:
    /// `FileNotFoundError: [Errno 2] No such file or directory: 'x'`.
    pub fn python(&self) -> String {
        format!("{}: {}", exception_name(self.kind), self.message)
    }
}

/// The Python name of an exception class.
pub fn exception_name(kind: Exception) -> &'static str {
    use Exception as E;
    match kind {
        E::OsError => "OSError",
        E::FileNotFoundError => "FileNotFoundError",
        E::FileExistsError => "FileExistsError",
        E::NotADirectoryError => "NotADirectoryError",
        E::IsADirectoryError => "IsADirectoryError",
        E::PermissionError => "PermissionError",
        E::BlockingIoError => "BlockingIOError",
        E::BrokenPipeError => "BrokenPipeError",
        E::ChildProcessError => "ChildProcessError",
        E::InterruptedError => "InterruptedError",
        E::ProcessLookupError => "ProcessLookupError",
        E::TimeoutError => "TimeoutError",
        E::ValueError => "ValueError",
        E::TypeError => "TypeError",
        E::KeyError => "KeyError",
        E::NotImplementedError => "NotImplementedError",
        E::MemoryError => "MemoryError",
        E::ShutilError => "shutil.Error",
        E::SameFileError => "shutil.SameFileError",
        E::OverflowError => "OverflowError",
        E::CalledProcessError => "subprocess.CalledProcessError",
        E::TimeoutExpired => "subprocess.TimeoutExpired",
        E::RecursionError => "RecursionError",
        E::SpecialFileError => "shutil.SpecialFileError",
        E::UnicodeDecodeError => "UnicodeDecodeError",
        E::UnsupportedOperation => "io.UnsupportedOperation",
        E::AttributeError => "AttributeError",
    }
}

/// An `OSError` of class `kind` as the system would raise it for `name`:
/// `[Errno 17] File exists: 'name'`, with `extra` after the name.
pub fn os_error(kind: Exception, errno: i32, strerror: &str, name: &str, extra: &str) -> OsError {
    OsError {
        kind,
        code: None,
        errno: Some(errno),
        strerror: Some(strerror.into()),
        filename: Some(p(name)),
        filename2: None,
        message: format!("[Errno {errno}] {strerror}: '{name}'{extra}"),
    }
}

/// `open(path, "rb").read()`.
pub fn read_file(path: &str) -> Result<Vec<u8>, OsError> {
    let fd = file::open(&p(path), O_RDONLY, 0, None)?;
    let mut data = Vec::new();
    let result = loop {
        match file::read(fd, 1 << 20) {
            Ok(chunk) if chunk.is_empty() => break Ok(data),
            Ok(chunk) => data.extend_from_slice(&chunk),
            Err(e) => break Err(e),
        }
    };
    let closed = file::close(fd);
    let data = result?;
    closed?;
    Ok(data)
}

/// Writes `data` to `path` so that a reader sees the old content or the
/// new, never a part: into a temporary file beside it, then `os.replace`.
pub fn write_file_atomic(path: &str, data: &[u8]) -> Result<(), OsError> {
    let dir = path::dirname(&p(path));
    let (fd, tmp) = tempfile::mkstemp(Some(&p(".tmp")), Some(&p(".")), Some(&dir))?;
    let written = write_all(fd, data).and_then(|()| file::fsync(fd));
    let closed = file::close(fd);
    if let Err(e) = written.and(closed) {
        let _ = fs::remove(&tmp, None);
        return Err(e);
    }
    fs::rename(&tmp, &p(path), None, None).inspect_err(|_| {
        let _ = fs::remove(&tmp, None);
    })
}

/// Writes all of `data` to `fd`.
pub fn write_all(fd: i32, mut data: &[u8]) -> Result<(), OsError> {
    while !data.is_empty() {
        let n = file::write(fd, data)? as usize;
        data = &data[n..];
    }
    Ok(())
}

/// `os.O_RDONLY` and friends (Linux values).
pub const O_RDONLY: i32 = 0;
/// `os.O_WRONLY`.
pub const O_WRONLY: i32 = 1;
/// `os.O_CREAT`.
pub const O_CREAT: i32 = 0o100;
/// `os.O_TRUNC`.
pub const O_TRUNC: i32 = 0o1000;

/// `stat.S_ISDIR(mode)`.
pub fn s_isdir(mode: u32) -> bool {
    mode & 0o170000 == 0o040000
}
