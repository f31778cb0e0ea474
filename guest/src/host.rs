//! The osbox host extension, or what stands in for it in the standalone
//! build (feature `standalone`), which imports nothing but WASI and so runs
//! on any WASI 0.2 host: there the calls that need the osbox host fail with
//! `ENOSYS` (`not-implemented`), system information shows CPython-on-WASI's
//! placeholders and local time is UTC.

#[cfg(not(feature = "standalone"))]
pub use crate::osbox::os::host::*;

#[cfg(feature = "standalone")]
pub use crate::osbox::os::host::{CopyMetadata, EntryTypes, FileStatus, KeptListing, ScanEntry};

#[cfg(feature = "standalone")]
pub use standalone::*;

#[cfg(feature = "standalone")]
mod standalone {
    use crate::osbox::os::host::{CopyMetadata, EntryTypes, FileStatus, KeptListing, ScanEntry};
    use crate::osbox::os::types::{ErrorCode, StatvfsResult, UnameResult};
    use crate::wasi::filesystem::types::Descriptor;

    pub fn scan_dir(_dir: &Descriptor, _path: &str, _inodes: bool) -> Result<Vec<ScanEntry>, ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn scan_dir_kept(_dir: &Descriptor, _path: &str, _inodes: bool) -> Result<u32, ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn scan_dirs_kept(_dir: &Descriptor, paths: &[String]) -> Vec<Result<KeptListing, ErrorCode>> {
        paths.iter().map(|_| Err(ErrorCode::NotImplemented)).collect()
    }

    pub fn stat(_dir: &Descriptor, _path: &str, _follow_symlinks: bool) -> Result<FileStatus, ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn read_at(_fd: &Descriptor, _len: u64, _offset: u64) -> Result<Vec<u8>, ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn read_at_held(_fd: &Descriptor, _len: u64, _offset: u64) -> Result<u64, ErrorCode> {
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

    pub fn progress(_operation: &str, _done: u64) -> bool {
        false
    }

    pub fn unlink_names(_dir: &Descriptor, _names: &[String]) -> (u32, Option<ErrorCode>) {
        (0, Some(ErrorCode::NotImplemented))
    }

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

    /// No child can start here: the types exist so that the process code
    /// compiles the same in both builds, without importing the host's.
    pub enum Child {}

    impl Child {
        pub fn pid(&self) -> i32 {
            match *self {}
        }

        pub fn wait(&self, _timeout_ns: Option<u64>) -> Result<Option<i32>, ErrorCode> {
            match *self {}
        }

        pub fn send_signal(&self, _signal: i32) -> Result<(), ErrorCode> {
            match *self {}
        }
    }

    /// See [`Child`].
    pub enum Pipe {}

    impl Pipe {
        pub fn read(&self, _max: u64, _timeout_ns: Option<u64>) -> Result<Vec<u8>, ErrorCode> {
            match *self {}
        }

        pub fn write(&self, _data: &[u8], _timeout_ns: Option<u64>) -> Result<u64, ErrorCode> {
            match *self {}
        }
    }

    pub struct Spawned {
        pub child: Child,
        pub stdin: Option<Pipe>,
        pub stdout: Option<Pipe>,
        pub stderr: Option<Pipe>,
    }

    #[allow(dead_code)]
    pub enum ChildStdio<'a> {
        Inherit,
        Pipe,
        Null,
        Stdout,
        File((&'a Descriptor, u64)),
        FromPipe(&'a Pipe),
    }

    #[allow(clippy::too_many_arguments)]
    pub fn spawn(
        _argv: &[String],
        _cwd_dir: &Descriptor,
        _cwd: &str,
        _guest_cwd: &str,
        _env: &[(String, String)],
        _stdin: &ChildStdio<'_>,
        _stdout: &ChildStdio<'_>,
        _stderr: &ChildStdio<'_>,
    ) -> Result<Spawned, ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn ready(_pipes: &[&Pipe], _timeout_ns: Option<u64>) -> Result<Vec<bool>, ErrorCode> {
        Err(ErrorCode::NotImplemented)
    }

    pub fn kill(_pid: i32, _signal: i32) -> Result<(), ErrorCode> {
        Err(ErrorCode::NoSuchProcess)
    }
}
