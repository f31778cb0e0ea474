//! The `osbox:os/host` extension: what WASI cannot do, done with cap-std on
//! the same granted directories, so it reaches no more than the guest.
//! Host errors map to WIT error codes here, in one place.

use std::io;

use cap_std::fs::PermissionsExt;
use cap_std::fs::{Dir, Permissions};

use crate::bindings::osbox::os::host::Host;
use std::time::{Duration, Instant};

use crate::bindings::osbox::os::host::{FileStatus, ScanEntry};
use crate::bindings::osbox::os::types::{ErrorCode, FileType, SpawnResult, StatvfsResult as Statvfs, UnameResult};
use crate::process;
use crate::sandbox::{Grant, State};

/// An `io::Error` from cap-std as a WIT error code, by its Linux errno.
fn code(e: &io::Error) -> ErrorCode {
    use ErrorCode as C;
    match e.raw_os_error() {
        Some(1) => C::NotPermitted,
        Some(2) => C::NoEntry,
        Some(5) => C::Io,
        Some(9) => C::BadDescriptor,
        Some(13) => C::Access,
        Some(16) => C::Busy,
        Some(17) => C::Exist,
        Some(18) => C::CrossDevice,
        Some(20) => C::NotDirectory,
        Some(21) => C::IsDirectory,
        Some(22) => C::Invalid,
        Some(24) => C::TooManyFiles,
        Some(28) => C::InsufficientSpace,
        Some(30) => C::ReadOnly,
        Some(36) => C::NameTooLong,
        Some(38) => C::NotImplemented,
        Some(39) => C::NotEmpty,
        Some(40) => C::Loop,
        Some(95) => C::Unsupported,
        Some(122) => C::Quota,
        _ => match e.kind() {
            // cap-std refuses paths that leave the directory this way.
            io::ErrorKind::PermissionDenied => C::NotPermitted,
            io::ErrorKind::NotFound => C::NoEntry,
            _ => C::Io,
        },
    }
}

/// The grant holding an absolute, normalised guest path and the path
/// relative to it; the longest guest path wins, as in the guest.
fn locate<'a>(grants: &'a [Grant], path: &str) -> Result<(&'a Grant, String), ErrorCode> {
    grants
        .iter()
        .filter_map(|g| {
            let mount = g.guest.trim_end_matches('/');
            let rest = path.strip_prefix(mount)?;
            if !(rest.is_empty() || rest.starts_with('/')) {
                return None;
            }
            Some((g, mount.len(), rest.trim_start_matches('/')))
        })
        .max_by_key(|(_, len, _)| *len)
        .map(|(g, _, rest)| (g, if rest.is_empty() { ".".to_string() } else { rest.to_string() }))
        .ok_or(ErrorCode::NoEntry)
}

fn statvfs_of(dir: &Dir, rel: &str) -> io::Result<Statvfs> {
    let file = dir.open_dir(rel).map(|d| d.into_std_file()).or_else(|_| dir.open(rel).map(|f| f.into_std()))?;
    let s = rustix::fs::fstatvfs(&file)?;
    Ok(Statvfs {
        bsize: s.f_bsize,
        frsize: s.f_frsize,
        blocks: s.f_blocks,
        bfree: s.f_bfree,
        bavail: s.f_bavail,
        files: s.f_files,
        ffree: s.f_ffree,
        favail: s.f_favail,
        flag: s.f_flag.bits(),
        namemax: s.f_namemax,
    })
}

impl Host for State {
    fn chmod(&mut self, path: String, mode: u32, follow_symlinks: bool) -> Result<(), ErrorCode> {
        let (grant, rel) = locate(&self.grants, &path)?;
        if grant.read_only {
            return Err(ErrorCode::ReadOnly);
        }
        if !follow_symlinks {
            // Linux has no lchmod.
            return Err(ErrorCode::Unsupported);
        }
        grant.dir.set_permissions(&rel, Permissions::from_mode(mode & 0o7777)).map_err(|e| code(&e))
    }

    fn read_at(
        &mut self,
        fd: wasmtime::component::Resource<wasmtime_wasi::filesystem::Descriptor>,
        len: u64,
        offset: u64,
    ) -> Result<Vec<u8>, ErrorCode> {
        let file = match self.table.get(&fd) {
            Ok(wasmtime_wasi::filesystem::Descriptor::File(f)) => f,
            Ok(wasmtime_wasi::filesystem::Descriptor::Dir(_)) => return Err(ErrorCode::IsDirectory),
            Err(_) => return Err(ErrorCode::BadDescriptor),
        };
        // As WASI's read: the descriptor must have been opened for reading.
        if !file.open_mode.contains(wasmtime_wasi::OpenMode::READ) {
            return Err(ErrorCode::BadDescriptor);
        }
        let len = usize::try_from(len).unwrap_or(usize::MAX).min(MAX_READ);
        // Read straight into the vector's spare capacity: no zeroing first.
        let mut buf = Vec::with_capacity(len);
        while buf.len() < len {
            let at = offset + buf.len() as u64;
            match rustix::io::pread(&*file.file, rustix::buffer::spare_capacity(&mut buf), at) {
                Ok(0) => break,
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(code(&io::Error::from(e))),
            }
        }
        Ok(buf)
    }

    fn copy_file(&mut self, src: String, dst: String, times: bool, sync: bool) -> Result<(), ErrorCode> {
        let (from, from_rel) = locate(&self.grants, &src)?;
        let (to, to_rel) = locate(&self.grants, &dst)?;
        if to.read_only {
            return Err(ErrorCode::ReadOnly);
        }
        // Without blocking on a named pipe: only a regular file is copied here.
        let mut reading = cap_std::fs::OpenOptions::new();
        reading.read(true);
        cap_std::fs::OpenOptionsExt::custom_flags(&mut reading, libc::O_NONBLOCK);
        let input = from.dir.open_with(&from_rel, &reading).map_err(|e| code(&e))?.into_std();
        let meta = input.metadata().map_err(|e| code(&e))?;
        if !meta.is_file() {
            return Err(ErrorCode::Unsupported);
        }
        let mut options = cap_std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        let mut output = to.dir.open_with(&to_rel, &options).map_err(|e| code(&e))?.into_std();
        let copied = (|| {
            std::io::copy(&mut &input, &mut output)?;
            if times {
                let accessed = meta.accessed()?;
                output.set_times(std::fs::FileTimes::new().set_accessed(accessed).set_modified(meta.modified()?))?;
            }
            use std::os::unix::fs::PermissionsExt as _;
            let bits = meta.permissions().mode() & 0o7777;
            output.set_permissions(std::fs::Permissions::from_mode(bits))?;
            if sync {
                output.sync_all()?;
            }
            Ok(())
        })();
        copied.map_err(|e: io::Error| {
            drop(output);
            let _ = to.dir.remove_file(&to_rel);
            code(&e)
        })
    }

    fn mode(&mut self, path: String, follow_symlinks: bool) -> Result<u32, ErrorCode> {
        let (grant, rel) = locate(&self.grants, &path)?;
        let meta = if follow_symlinks { grant.dir.metadata(&rel) } else { grant.dir.symlink_metadata(&rel) };
        meta.map(|m| m.permissions().mode() & 0o7777).map_err(|e| code(&e))
    }

    fn rename(&mut self, src: String, dst: String) -> Result<(), ErrorCode> {
        let (from, from_rel) = locate(&self.grants, &src)?;
        let (to, to_rel) = locate(&self.grants, &dst)?;
        if from.read_only || to.read_only {
            return Err(ErrorCode::ReadOnly);
        }
        from.dir.rename(&from_rel, &to.dir, &to_rel).map_err(|e| code(&e))
    }

    fn progress(&mut self, operation: String, done: u64) {
        if let Some(report) = &self.progress {
            report(&operation, done);
        }
    }

    fn system_info(&mut self) -> (UnameResult, u32) {
        let u = rustix::system::uname();
        let text = |s: &std::ffi::CStr| s.to_string_lossy().into_owned();
        let uname = UnameResult {
            sysname: text(u.sysname()),
            nodename: text(u.nodename()),
            release: text(u.release()),
            version: text(u.version()),
            machine: text(u.machine()),
        };
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        (uname, cpus)
    }

    fn pids(&mut self) -> (i32, i32) {
        (self.pid, std::process::id() as i32)
    }

    fn local_zone(&mut self, seconds: i64) -> (i64, String, bool) {
        local_zone(seconds)
    }

    fn terminal_size(&mut self, _fd: i32) -> Result<(u32, u32), ErrorCode> {
        // The sandbox's standard streams are pipes or nothing in every way
        // osbox runs it today: never a terminal.
        Err(ErrorCode::NoTty)
    }

    #[allow(clippy::too_many_arguments)]
    fn spawn(
        &mut self,
        argv: Vec<String>,
        cwd: String,
        env: Vec<(String, String)>,
        input: Option<Vec<u8>>,
        capture_stdout: bool,
        capture_stderr: bool,
        merge_stderr: bool,
        timeout_ns: Option<u64>,
    ) -> wasmtime::Result<Result<SpawnResult, ErrorCode>> {
        let Some(argv0) = argv.first() else { return Ok(Err(ErrorCode::Invalid)) };
        let program = match process::find(&self.policy, argv0) {
            Ok(p) => p,
            Err(c) => return Ok(Err(c)),
        };
        let (grant, rel) = match locate(&self.grants, &cwd) {
            Ok(found) => found,
            Err(c) => return Ok(Err(c)),
        };
        // The directory must be beneath the grant, as cap-std resolves it.
        if let Some(Err(e)) = (rel != ".").then(|| grant.dir.open_dir(&rel)) {
            return Ok(Err(code(&e)));
        }
        let call = timeout_ns.map(|ns| Instant::now() + Duration::from_nanos(ns));
        let deadline = match (call, self.deadline) {
            (Some(c), Some(d)) => Some(c.min(d)),
            (c, d) => c.or(d),
        };
        let spawn = process::Spawn {
            argv: &argv,
            cwd: grant.host.join(&rel),
            env: &env,
            input: input.as_deref(),
            capture_stdout,
            capture_stderr,
            merge_stderr,
            deadline,
        };
        let result = match &program.wasm {
            Some(component) => process::run_wasm(component, &self.grants, &cwd, spawn),
            None => process::run(program, spawn),
        };
        // A child stopped by the sandbox's own limit ends the sandbox, from
        // inside this call, whatever the epoch says yet; one stopped by the
        // call's timeout is the caller's TimeoutExpired.
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(wasmtime::Error::new(crate::sandbox::TimeLimit));
        }
        Ok(result)
    }

    fn scan_dir(&mut self, mount: String, rel: String, inodes: bool) -> Result<Vec<ScanEntry>, ErrorCode> {
        let grant = match locate(&self.grants, &mount)? {
            (grant, top) if top == "." => grant,
            _ => return Err(ErrorCode::NoEntry),
        };
        let entries = if rel == "." { grant.dir.entries() } else { grant.dir.read_dir(&rel) }.map_err(|e| code(&e))?;
        // The device of the directory: its entries' identity with `d_ino`.
        let dev = match inodes {
            true => {
                use cap_std::fs::MetadataExt;
                Some(grant.dir.metadata(&rel).map_err(|e| code(&e))?.dev())
            }
            false => None,
        };
        let base = rel.trim_end_matches('/');
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| code(&e))?;
            let name = entry.file_name().into_string().map_err(|_| ErrorCode::IllegalByteSequence)?;
            let kind = entry.file_type().map_or(FileType::Unknown, |t| file_type(&t));
            // A link's target, resolved from the grant as WASI resolves it:
            // one that leaves the grant counts as dangling.
            let target_type = (kind == FileType::SymbolicLink)
                .then(|| {
                    let path = if rel == "." { name.clone() } else { format!("{base}/{name}") };
                    grant.dir.metadata(&path).ok().map(|m| file_type(&m.file_type()))
                })
                .flatten();
            let inode = dev.map_or(0, |dev| {
                use std::os::unix::fs::DirEntryExt;
                metadata_hash(dev, entry.ino())
            });
            out.push(ScanEntry { name, type_: kind, target_type, inode });
        }
        Ok(out)
    }

    fn stat(&mut self, mount: String, rel: String, follow_symlinks: bool) -> Result<FileStatus, ErrorCode> {
        let grant = match locate(&self.grants, &mount)? {
            (grant, top) if top == "." => grant,
            _ => return Err(ErrorCode::NoEntry),
        };
        if let Some(status) = stat_name(&grant.dir, &rel, follow_symlinks) {
            return status;
        }
        let meta = if follow_symlinks { grant.dir.metadata(&rel) } else { grant.dir.symlink_metadata(&rel) };
        let meta = meta.map_err(|e| code(&e))?;
        use cap_std::fs::MetadataExt;
        // As wasmtime-wasi's descriptor-stat: times before the epoch are unknown.
        let ns = |t: std::io::Result<cap_std::time::SystemTime>| {
            t.ok()
                .and_then(|t| t.into_std().duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        };
        Ok(FileStatus {
            type_: file_type(&meta.file_type()),
            nlink: meta.nlink(),
            size: meta.len(),
            atime_ns: ns(meta.accessed()),
            mtime_ns: ns(meta.modified()),
            ctime_ns: ns(meta.created()),
            inode: metadata_hash(meta.dev(), meta.ino()),
        })
    }

    fn statvfs(&mut self, path: String) -> Result<Statvfs, ErrorCode> {
        let (grant, rel) = locate(&self.grants, &path)?;
        statvfs_of(&grant.dir, &rel).map_err(|e| code(&e))
    }
}

/// `stat` of a single name in `dir` with one `statx` (cap-std's resolution
/// beneath the grant costs an open and a close besides): a name without a
/// slash that is not `..` cannot leave the directory when its final link is
/// not followed, and when it is not a link there is nothing to follow.
/// `None` where that does not hold (a path, `..`, a link to follow).
fn stat_name(dir: &Dir, rel: &str, follow: bool) -> Option<Result<FileStatus, ErrorCode>> {
    use rustix::fs::{AtFlags, FileType as Ft, StatxFlags};
    if rel.contains('/') || rel == ".." || rel.is_empty() {
        return None;
    }
    let want = StatxFlags::BASIC_STATS | StatxFlags::BTIME;
    let s = match rustix::fs::statx(dir, rel, AtFlags::SYMLINK_NOFOLLOW, want) {
        Ok(s) => s,
        Err(e) => return Some(Err(code(&io::Error::from(e)))),
    };
    let kind = Ft::from_raw_mode(u32::from(s.stx_mode));
    if follow && kind == Ft::Symlink {
        return None;
    }
    let type_ = match kind {
        Ft::RegularFile => FileType::RegularFile,
        Ft::Directory => FileType::Directory,
        Ft::Symlink => FileType::SymbolicLink,
        Ft::Fifo => FileType::Fifo,
        Ft::Socket => FileType::Socket,
        Ft::CharacterDevice => FileType::CharacterDevice,
        Ft::BlockDevice => FileType::BlockDevice,
        Ft::Unknown => FileType::Unknown,
    };
    // As wasmtime-wasi's descriptor-stat: times before the epoch are
    // unknown, and the status change time is the birth time, when known.
    let ns =
        |t: rustix::fs::StatxTimestamp| if t.tv_sec < 0 { 0 } else { t.tv_sec * 1_000_000_000 + i64::from(t.tv_nsec) };
    let btime = if s.stx_mask & StatxFlags::BTIME.bits() != 0 { ns(s.stx_btime) } else { 0 };
    let dev = rustix::fs::makedev(s.stx_dev_major, s.stx_dev_minor);
    Some(Ok(FileStatus {
        type_,
        nlink: u64::from(s.stx_nlink),
        size: s.stx_size,
        atime_ns: ns(s.stx_atime),
        mtime_ns: ns(s.stx_mtime),
        ctime_ns: btime,
        inode: metadata_hash(dev, s.stx_ino),
    }))
}

/// The most one `read-at` returns: what one `os.read` may ask at once
/// without the host allocating without bound.
const MAX_READ: usize = 64 << 20;

/// WASI's `metadata-hash` (lower half) of the file `(dev, ino)`, computed as
/// wasmtime-wasi computes it, so the guest's `st_ino` and `inode()` agree
/// whichever way it learnt them.
fn metadata_hash(dev: u64, ino: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (dev, ino).hash(&mut h);
    h.finish()
}

/// A cap-std file type as WIT's.
fn file_type(t: &cap_std::fs::FileType) -> FileType {
    use cap_std::fs::FileTypeExt;
    if t.is_symlink() {
        FileType::SymbolicLink
    } else if t.is_dir() {
        FileType::Directory
    } else if t.is_file() {
        FileType::RegularFile
    } else if t.is_char_device() {
        FileType::CharacterDevice
    } else if t.is_block_device() {
        FileType::BlockDevice
    } else if t.is_fifo() {
        FileType::Fifo
    } else if t.is_socket() {
        FileType::Socket
    } else {
        FileType::Unknown
    }
}

/// The host's time zone at `seconds`: offset east of UTC, abbreviation,
/// summer time.
fn local_zone(seconds: i64) -> (i64, String, bool) {
    let t: libc::time_t = seconds as libc::time_t;
    // SAFETY: localtime_r writes only into `tm`, which lives on this stack,
    // and reads the time zone the process set up; tm_zone points into
    // libc's static zone names, copied out before returning.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return (0, "UTC".into(), false);
        }
        let zone = if tm.tm_zone.is_null() {
            String::from("UTC")
        } else {
            std::ffi::CStr::from_ptr(tm.tm_zone).to_string_lossy().into_owned()
        };
        (tm.tm_gmtoff as i64, zone, tm.tm_isdst > 0)
    }
}

impl crate::bindings::osbox::os::types::Host for State {}
