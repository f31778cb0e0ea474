//! The osbox host extension, or what stands in for it in the standalone
//! build (feature `standalone`), which imports nothing but WASI and so runs
//! on any WASI 0.2 host: there the calls that need the osbox host fail with
//! `ENOSYS` (`not-implemented`), system information shows CPython-on-WASI's
//! placeholders and local time is UTC.

#[cfg(not(feature = "standalone"))]
pub use crate::osbox::os::host::*;

#[cfg(feature = "standalone")]
pub use crate::osbox::os::host::{CopyMetadata, FileStatus, ScanEntry};

#[cfg(feature = "standalone")]
pub use standalone::*;

#[cfg(feature = "standalone")]
mod standalone {
    use crate::osbox::os::host::{CopyMetadata, FileStatus, ScanEntry};
    use crate::osbox::os::types::{ErrorCode, SpawnResult, StatvfsResult, UnameResult};
    use crate::wasi::filesystem::types::Descriptor;

    pub fn scan_dir(_dir: &Descriptor, _path: &str, _inodes: bool) -> Result<Vec<ScanEntry>, ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn stat(_dir: &Descriptor, _path: &str, _follow_symlinks: bool) -> Result<FileStatus, ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn read_at(_fd: &Descriptor, _len: u64, _offset: u64) -> Result<Vec<u8>, ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn copy_file(
        _src_dir: &Descriptor,
        _src: &str,
        _dst_dir: &Descriptor,
        _dst: &str,
        _metadata: CopyMetadata,
        _sync: bool,
    ) -> Result<(), ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn chmod(_dir: &Descriptor, _path: &str, _mode: u32, _follow_symlinks: bool) -> Result<(), ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn statvfs(_dir: &Descriptor, _path: &str) -> Result<StatvfsResult, ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn rename(_src_dir: &Descriptor, _src: &str, _dst_dir: &Descriptor, _dst: &str) -> Result<(), ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn progress(_operation: &str, _done: u64) {}

    /// wasi-libc's `uname` placeholders, and its one CPU.
    pub fn system_info() -> (UnameResult, u32) {
        let uname = UnameResult {
            sysname: "wasi".into(),
            nodename: "(none)".into(),
            release: "0.0.0".into(),
            version: "0.0.0".into(),
            machine: "wasm32".into(),
        };
        (uname, 1)
    }

    /// wasi-libc's emulated `getpid` answers 42.
    pub fn pids() -> (i32, i32) {
        (42, 1)
    }

    pub fn local_zone(_seconds: i64) -> (i64, String, bool) {
        (0, "UTC".into(), false)
    }

    pub fn terminal_size(_fd: i32) -> Result<(u32, u32), ErrorCode> {
        Err(ErrorCode::NoTty)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn spawn(
        _argv: &[String],
        _cwd_dir: &Descriptor,
        _cwd: &str,
        _guest_cwd: &str,
        _env: &[(String, String)],
        _input: Option<&[u8]>,
        _capture_stdout: bool,
        _capture_stderr: bool,
        _merge_stderr: bool,
        _timeout_ns: Option<u64>,
    ) -> Result<SpawnResult, ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }
}
