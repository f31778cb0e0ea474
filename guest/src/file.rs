//! File descriptors: the guest's own table over WASI descriptors, which
//! have no numbers, offsets or append mode. Duplicates share one open file
//! (and its offset), as `dup` does on POSIX.

use std::cell::RefCell;
use std::rc::Rc;

use crate::error::{Fail, os_error};
use crate::exports::osbox::os::direct::ReadResult;
use crate::exports::osbox::os::file::{File, Guest, GuestFile};
use crate::fs::{stat_loc, status_in};
use crate::osbox::os::types::{ErrorCode, FileType, Fspath, OsError, StatResult};
use crate::sandbox::{Loc, Mount, resolve};
use crate::stat;
use crate::wasi::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorType, ErrorCode as WasiCode, OpenFlags, PathFlags,
};

/// Linux `open` flags, as `os.O_*` has them on x86-64.
pub mod flags {
    pub const O_ACCMODE: i32 = 0o3;
    pub const O_WRONLY: i32 = 0o1;
    pub const O_RDWR: i32 = 0o2;
    pub const O_CREAT: i32 = 0o100;
    pub const O_EXCL: i32 = 0o200;
    pub const O_TRUNC: i32 = 0o1000;
    pub const O_APPEND: i32 = 0o2000;
    pub const O_DSYNC: i32 = 0o10000;
    pub const O_DIRECT: i32 = 0o40000;
    pub const O_DIRECTORY: i32 = 0o200000;
    pub const O_NOFOLLOW: i32 = 0o400000;
    pub const O_SYNC: i32 = 0o4010000;
    pub const O_PATH: i32 = 0o10000000;
    pub const O_TMPFILE: i32 = 0o20200000;
}
use flags::*;

/// What an open descriptor refers to.
enum Target {
    /// A file or directory under a mount.
    File { desc: Descriptor, mount: &'static Mount },
    /// A directory of the virtual tree above the mounts.
    Virtual,
    /// Standard input, output or error (0, 1, 2).
    Stdio(i32),
}

/// One open file, shared by its duplicates.
struct OpenFile {
    target: Target,
    /// The absolute guest path it was opened at (for a directory, with its
    /// links resolved): what a `dir_fd` on it stands for, and what the host
    /// extension is given for `fchmod` and `fstatvfs`. Like the current
    /// directory, it is a path: a directory renamed after it was opened is
    /// not followed (docs/deviations.md).
    path: Vec<u8>,
    offset: u64,
    readable: bool,
    writable: bool,
    append: bool,
    /// `O_SYNC`/`O_DSYNC`: WASI refuses the flags, so writes are synced here.
    sync: Option<bool>,
    is_dir: bool,
}

type Shared = Rc<RefCell<OpenFile>>;

thread_local! {
    static TABLE: RefCell<Vec<Option<Shared>>> = RefCell::new(stdio_table());
}

fn stdio_table() -> Vec<Option<Shared>> {
    (0..3)
        .map(|fd| {
            Some(Rc::new(RefCell::new(OpenFile {
                target: Target::Stdio(fd),
                path: Vec::new(),
                offset: 0,
                readable: fd == 0,
                writable: fd != 0,
                append: false,
                sync: None,
                is_dir: false,
            })))
        })
        .collect()
}

/// The most descriptors a sandbox may hold open (`EMFILE` beyond).
const MAX_FDS: usize = 1024;

fn insert(file: Shared) -> Result<i32, Fail> {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        let slot = match t.iter().position(Option::is_none) {
            Some(i) => i,
            None if t.len() < MAX_FDS => {
                t.push(None);
                t.len() - 1
            }
            None => return Err(ErrorCode::TooManyFiles.into()),
        };
        t[slot] = Some(file);
        Ok(slot as i32)
    })
}

fn get(fd: i32) -> Result<Shared, OsError> {
    TABLE
        .with(|t| usize::try_from(fd).ok().and_then(|i| t.borrow().get(i).cloned().flatten()))
        .ok_or_else(|| os_error(ErrorCode::BadDescriptor, None, None))
}

/// Whether `fd` is an open descriptor of this sandbox.
pub fn is_open(fd: i32) -> bool {
    get(fd).is_ok()
}

/// The path of the directory open as `fd`, for `dir_fd`: `EBADF` when
/// nothing is open there, `ENOTDIR` when it is not a directory.
pub fn dir_path(fd: i32) -> Result<Vec<u8>, Fail> {
    let file = get(fd).map_err(|_| Fail::Code(ErrorCode::BadDescriptor))?;
    let f = file.borrow();
    if !f.is_dir {
        return Err(ErrorCode::NotDirectory.into());
    }
    Ok(f.path.clone())
}

/// The path `fd` was opened at (`EBADF` when nothing is open there, or
/// for a standard stream, which has no path to act on).
pub fn opened_path(fd: i32) -> Result<Vec<u8>, Fail> {
    let file = get(fd).map_err(|_| Fail::Code(ErrorCode::BadDescriptor))?;
    let f = file.borrow();
    match &f.target {
        Target::File { .. } | Target::Virtual => Ok(f.path.clone()),
        Target::Stdio(_) => Err(ErrorCode::BadDescriptor.into()),
    }
}

/// Runs `f` on the WASI descriptor of `fd` (`EBADF` for what has none).
pub fn with_descriptor<T>(fd: i32, f: impl FnOnce(&Descriptor, &'static Mount) -> Result<T, Fail>) -> Result<T, Fail> {
    let file = get(fd).map_err(|_| Fail::Code(ErrorCode::BadDescriptor))?;
    let file = file.borrow();
    match &file.target {
        Target::File { desc, mount } => f(desc, mount),
        _ => Err(ErrorCode::BadDescriptor.into()),
    }
}

/// Which standard stream `fd` is, if it is one (`EBADF` when nothing is
/// open there).
pub fn stdio_of(fd: i32) -> Result<Option<i32>, OsError> {
    let file = get(fd)?;
    let f = file.borrow();
    Ok(match f.target {
        Target::Stdio(n) => Some(n),
        _ => None,
    })
}

fn bare(f: Fail) -> OsError {
    f.bare()
}

fn invalid() -> OsError {
    os_error(ErrorCode::Invalid, None, None)
}

/// How `open` looks up the last component: not following a link for
/// O_NOFOLLOW, unless the path says to (`l/`, a last `..`).
fn path_flags_of(path: &Fspath, flags: i32) -> PathFlags {
    if flags & O_NOFOLLOW != 0 && !crate::sandbox::follows(path.as_bytes(), false) {
        PathFlags::empty()
    } else {
        PathFlags::SYMLINK_FOLLOW
    }
}

/// The flags Linux refuses before it looks at the path (EINVAL): those
/// WASI has nothing for, and a directory to create.
fn check_flags(flags: i32) -> Result<(), Fail> {
    let unsupported = flags & O_PATH != 0 || flags & O_TMPFILE == O_TMPFILE || flags & O_DIRECT != 0;
    if unsupported || (flags & O_CREAT != 0 && flags & O_DIRECTORY != 0) {
        return Err(ErrorCode::Invalid.into());
    }
    Ok(())
}

/// Opens `path` per Linux `flags`, a new file with `mode` (less the usual
/// umask, 022) where the osbox host can set it.
fn open_with_mode(path: &Fspath, flags: i32, mode: u32) -> Result<OpenFile, Fail> {
    check_flags(flags)?;
    let created = flags & O_CREAT != 0 && (flags & O_EXCL != 0 || crate::fs::stat_fail(path, true).is_err());
    let file = open(path, flags)?;
    // WASI creates files 0o666 less the umask; CPython's 0o777 default, and
    // any other mode, is set through the host where there is one.
    if created && let Ok(Loc::Real { mount, rel }) = resolve(path) {
        crate::fs::created_mode(mount, &rel, mode, 0o644);
    }
    Ok(file)
}

/// Opens `path` per Linux `flags`.
fn open(path: &Fspath, flags: i32) -> Result<OpenFile, Fail> {
    check_flags(flags)?;
    let access = flags & O_ACCMODE;
    let (readable, writable) = (access == 0 || access == O_RDWR, access == O_WRONLY || access == O_RDWR);
    let loc = resolve(path)?;
    let opened_at = || {
        let raw = path.as_bytes();
        let mut abs = if raw.starts_with(b"/") { Vec::new() } else { crate::sandbox::cwd() };
        if !abs.is_empty() {
            abs.push(b'/');
        }
        abs.extend_from_slice(raw);
        abs
    };
    let (mount, rel) = match loc {
        Loc::Virtual { exists: true, .. } if !writable && flags & (O_CREAT | O_TRUNC) == 0 => {
            return Ok(OpenFile {
                target: Target::Virtual,
                path: crate::path::realpath_bytes(path, false).unwrap_or_else(|_| opened_at()),
                offset: 0,
                readable,
                writable,
                append: false,
                sync: None,
                is_dir: true,
            });
        }
        Loc::Virtual { exists: true, .. } => return Err(ErrorCode::IsDirectory.into()),
        Loc::Virtual { exists: false, .. } if flags & O_CREAT != 0 => return Err(ErrorCode::Access.into()),
        Loc::Virtual { .. } => return Err(ErrorCode::NoEntry.into()),
        Loc::Real { mount, rel } => (mount, rel),
    };
    let mut open_flags = OpenFlags::empty();
    if flags & O_CREAT != 0 {
        open_flags = open_flags | OpenFlags::CREATE;
        if flags & O_EXCL != 0 {
            open_flags = open_flags | OpenFlags::EXCLUSIVE;
        }
    }
    // Linux truncates a regular file opened O_RDONLY | O_TRUNC too, and
    // refuses it for a directory (EISDIR); with O_DIRECTORY, after the
    // check that it is one.
    let truncate = flags & O_TRUNC != 0;
    if truncate && flags & O_DIRECTORY != 0 {
        let probe = mount.dir.open_at(path_flags_of(path, flags), &rel, OpenFlags::DIRECTORY, DescriptorFlags::READ);
        mount.changed(probe)?;
        return Err(ErrorCode::IsDirectory.into());
    }
    if truncate {
        open_flags = open_flags | OpenFlags::TRUNCATE;
    }
    if flags & O_DIRECTORY != 0 {
        open_flags = open_flags | OpenFlags::DIRECTORY;
    }
    let mut desc_flags = DescriptorFlags::empty();
    if readable {
        desc_flags = desc_flags | DescriptorFlags::READ;
    }
    if writable || truncate {
        desc_flags = desc_flags | DescriptorFlags::WRITE;
    }
    let path_flags = path_flags_of(path, flags);
    if path_flags == PathFlags::empty() {
        // Linux: O_NOFOLLOW on a symbolic link is ELOOP, or ENOTDIR where a
        // directory was asked for.
        if mount.dir.stat_at(PathFlags::empty(), &rel).is_ok_and(|s| s.type_ == DescriptorType::SymbolicLink) {
            return Err(if flags & O_DIRECTORY != 0 { ErrorCode::NotDirectory } else { ErrorCode::Loop }.into());
        }
    }
    if mount.read_only && (writable || flags & (O_CREAT | O_TRUNC) != 0) {
        read_only_open(mount, &rel, flags, path_flags)?;
        // What is left is O_CREAT on a file that exists: it opens to read.
        open_flags = OpenFlags::empty();
    }
    let desc = if rel == "." && open_flags.bits() == 0 && !writable {
        mount.dir.open_at(PathFlags::SYMLINK_FOLLOW, ".", OpenFlags::DIRECTORY, DescriptorFlags::READ)
    } else {
        mount.dir.open_at(path_flags, &rel, open_flags, desc_flags)
    };
    let desc = mount.changed(desc)?;
    let is_dir = desc.get_type().is_ok_and(|t| t == DescriptorType::Directory);
    if is_dir && writable {
        return Err(ErrorCode::IsDirectory.into());
    }
    let sync = if flags & O_SYNC == O_SYNC {
        Some(true)
    } else if flags & O_DSYNC != 0 {
        Some(false)
    } else {
        None
    };
    // A directory stands for where it is, links resolved, should the link
    // change; a file only needs a path for the host extension.
    let path =
        if is_dir { crate::path::realpath_bytes(path, false).unwrap_or_else(|_| opened_at()) } else { opened_at() };
    Ok(OpenFile {
        target: Target::File { desc, mount },
        path,
        offset: 0,
        readable,
        writable,
        append: flags & O_APPEND != 0,
        sync,
        is_dir,
    })
}

/// Linux's answer to an open that could write beneath a read-only mount.
/// WASI refuses such an open before it looks at the path; Linux looks
/// first: `O_CREAT | O_EXCL` on an existing name is EEXIST, a directory is
/// EISDIR, a missing directory on the way ENOENT, and only then is a write,
/// a truncation or a creation EROFS. `Ok` is an `O_CREAT` open of a file
/// that exists, which Linux lets through for reading.
fn read_only_open(mount: &Mount, rel: &str, flags: i32, follow: PathFlags) -> Result<(), Fail> {
    if flags & O_CREAT != 0 && flags & O_DIRECTORY != 0 {
        return Err(ErrorCode::Invalid.into());
    }
    match mount.dir.stat_at(follow, rel) {
        Ok(_) if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL => Err(ErrorCode::Exist.into()),
        Ok(st) if st.type_ == DescriptorType::Directory => Err(ErrorCode::IsDirectory.into()),
        Ok(_) if flags & O_DIRECTORY != 0 => Err(ErrorCode::NotDirectory.into()),
        Ok(_) if flags & O_ACCMODE != 0 || flags & O_TRUNC != 0 => Err(ErrorCode::ReadOnly.into()),
        Ok(_) => Ok(()),
        // A name that would be made (a dangling link's target too) is EROFS
        // once the directory it would go in exists.
        Err(WasiCode::NoEntry) if flags & O_CREAT != 0 => {
            let parent = rel.trim_end_matches('/').rsplit_once('/').map_or(".", |(dir, _)| dir);
            match mount.dir.stat_at(PathFlags::SYMLINK_FOLLOW, if parent.is_empty() { "." } else { parent }) {
                Ok(st) if st.type_ == DescriptorType::Directory => Err(ErrorCode::ReadOnly.into()),
                Ok(_) => Err(ErrorCode::NotDirectory.into()),
                Err(code) => Err(code.into()),
            }
        }
        Err(code) => Err(code.into()),
    }
}

impl OpenFile {
    fn desc(&self) -> Result<&Descriptor, Fail> {
        match &self.target {
            Target::File { desc, .. } => Ok(desc),
            _ => Err(ErrorCode::BadDescriptor.into()),
        }
    }

    fn read_at(&self, n: u64, offset: u64) -> Result<Vec<u8>, Fail> {
        match self.read_got(n, offset, false)? {
            Got::Here(data) => Ok(data),
            Got::Held(_) => unreachable!("a read is held only when asked to be"),
        }
    }

    /// `read_at`, leaving the bytes with the host when `hold` and the host
    /// can (the `direct` interface).
    fn read_got(&self, n: u64, offset: u64, hold: bool) -> Result<Got, Fail> {
        if !self.readable {
            return Err(ErrorCode::BadDescriptor.into());
        }
        if self.is_dir {
            return Err(ErrorCode::IsDirectory.into());
        }
        match &self.target {
            Target::Stdio(_) => Ok(Got::Here(stdin_read(n))),
            Target::Virtual => Err(ErrorCode::IsDirectory.into()),
            Target::File { desc, .. } => {
                // In one host call where the osbox host is there.
                let host = match hold {
                    true => crate::host::read_at_held(desc, n, offset).map(Got::Held),
                    false => crate::host::read_at(desc, n, offset).map(Got::Here),
                };
                match host {
                    Err(ErrorCode::NotImplemented) => {}
                    Err(code) if hold => return Err(Fail::held(code)),
                    r => return r.map_err(Fail::Code),
                }
                // WASI may return fewer bytes than asked before the end.
                let mut out = Vec::new();
                while (out.len() as u64) < n {
                    let (chunk, eof) = desc.read(n - out.len() as u64, offset + out.len() as u64)?;
                    let got = chunk.len();
                    out.extend_from_slice(&chunk);
                    if eof || got == 0 {
                        break;
                    }
                }
                Ok(Got::Here(out))
            }
        }
    }

    fn write_at(&self, data: &[u8], offset: u64) -> Result<u64, Fail> {
        if !self.writable {
            return Err(ErrorCode::BadDescriptor.into());
        }
        match &self.target {
            Target::Stdio(fd) => Ok(stdio_write(*fd, data)),
            Target::Virtual => Err(ErrorCode::BadDescriptor.into()),
            Target::File { desc, mount } => {
                let mut done = 0usize;
                while done < data.len() {
                    let n = mount.changed(desc.write(&data[done..], offset + done as u64))?;
                    if n == 0 {
                        return Err(ErrorCode::Io.into());
                    }
                    done += n as usize;
                }
                match self.sync {
                    Some(true) => desc.sync()?,
                    Some(false) => desc.sync_data()?,
                    None => {}
                }
                Ok(done as u64)
            }
        }
    }

    fn size(&self) -> Result<u64, Fail> {
        Ok(self.desc()?.stat()?.size)
    }
}

fn stdin_read(n: u64) -> Vec<u8> {
    let stdin = crate::wasi::cli::stdin::get_stdin();
    stdin.blocking_read(n).unwrap_or_default()
}

fn stdio_write(fd: i32, data: &[u8]) -> u64 {
    let stream = if fd == 2 { crate::wasi::cli::stderr::get_stderr() } else { crate::wasi::cli::stdout::get_stdout() };
    for chunk in data.chunks(4096) {
        if stream.blocking_write_and_flush(chunk).is_err() {
            break;
        }
    }
    data.len() as u64
}

fn nonneg(v: i64) -> Result<u64, OsError> {
    u64::try_from(v).map_err(|_| invalid())
}

/// The most one `read` returns: 1 GiB, a buffer the guest's allocator can
/// always ask for (it takes requests below 2 GiB), where Linux's `read(2)`
/// returns up to 0x7ffff000 bytes. Longer reads are short reads, as POSIX
/// allows.
const MAX_READ: u64 = 1 << 30;

/// The length of a read, checked as CPython checks it before it looks at
/// the descriptor: negative is `EINVAL`, and the buffer is allocated first,
/// so a length the sandbox cannot hold is `MemoryError` (and the sandbox
/// goes on, its allocator refused, not aborted): more than its 32-bit
/// memory could ever be, or, of what one read can return (at most
/// [`MAX_READ`] bytes), more than the memory cap leaves room for.
fn read_buffer(n: i64) -> Result<u64, OsError> {
    let n = nonneg(n)?;
    let memory_error = || crate::error::exception(crate::osbox::os::types::Exception::MemoryError, "");
    if n > u64::from(u32::MAX) {
        return Err(memory_error());
    }
    let n = n.min(MAX_READ);
    let room = usize::try_from(n).ok().and_then(|n| Vec::<u8>::new().try_reserve_exact(n).ok());
    room.map(|()| n).ok_or_else(memory_error)
}

/// The descriptor's file as a stat result, for `os.fstat`.
fn fstat(file: &OpenFile) -> Result<StatResult, Fail> {
    match &file.target {
        Target::File { desc, mount } => Ok(stat::stat_result(&status_in(desc, ".", true)?, mount.dev)),
        Target::Virtual => stat_loc(&Loc::Virtual { comps: Vec::new(), exists: true }, true),
        // A character device, as a terminal or /dev/null is.
        Target::Stdio(_) => Ok(stat::stat_result(&stat::synthetic(FileType::CharacterDevice, 0o620, 0, 1), 0)),
    }
}

/// What a read got: the bytes, or how many of them the host holds for the
/// caller of a `direct` call.
enum Got {
    Here(Vec<u8>),
    Held(u64),
}

impl Got {
    fn len(&self) -> u64 {
        match self {
            Got::Here(data) => data.len() as u64,
            Got::Held(n) => *n,
        }
    }
}

impl From<Got> for ReadResult {
    fn from(got: Got) -> ReadResult {
        match got {
            Got::Here(data) => ReadResult::Here(data),
            Got::Held(n) => ReadResult::Held(n),
        }
    }
}

/// `os.read` on an open file.
fn read_file(file: &Shared, n: u64) -> Result<Vec<u8>, OsError> {
    match read_got(file, n, false)? {
        Got::Here(data) => Ok(data),
        Got::Held(_) => unreachable!("a read is held only when asked to be"),
    }
}

/// `os.read`, leaving the bytes with the host when `hold` and it can.
fn read_got(file: &Shared, n: u64, hold: bool) -> Result<Got, OsError> {
    let mut f = file.borrow_mut();
    let got = f.read_got(n, f.offset, hold).map_err(bare)?;
    f.offset += got.len();
    Ok(got)
}

/// `os.read` for the `direct` interface: the bytes a file gives stay with
/// the host.
pub(crate) fn read_direct(fd: i32, n: i64) -> Result<ReadResult, OsError> {
    let n = read_buffer(n)?;
    read_got(&get(fd)?, n, true).map(ReadResult::from)
}

/// `os.pread` for the `direct` interface.
pub(crate) fn pread_direct(fd: i32, n: i64, offset: i64) -> Result<ReadResult, OsError> {
    let n = read_buffer(n)?;
    let offset = nonneg(offset)?;
    let file = get(fd)?;
    let f = file.borrow();
    f.read_got(n, offset, true).map(ReadResult::from).map_err(bare)
}

/// `os.write` on an open file.
fn write_file(file: &Shared, data: Vec<u8>) -> Result<u64, OsError> {
    let mut f = file.borrow_mut();
    if f.append && f.writable {
        f.offset = f.size().map_err(bare)?;
    }
    let n = f.write_at(&data, f.offset).map_err(bare)?;
    f.offset += n;
    Ok(n)
}

/// `os.lseek` on an open file.
fn lseek_file(file: &Shared, pos: i64, how: i32) -> Result<i64, OsError> {
    let mut f = file.borrow_mut();
    if matches!(f.target, Target::Stdio(_)) {
        return Err(os_error(ErrorCode::InvalidSeek, None, None));
    }
    let base: i64 = match how {
        0 => 0,
        1 => f.offset as i64,
        2 => f.size().map_err(bare)? as i64,
        // The whole file is data: SEEK_DATA stays, SEEK_HOLE goes to the end.
        3 | 4 => {
            let size = f.size().map_err(bare)? as i64;
            if pos < 0 || pos >= size {
                return Err(os_error(ErrorCode::NoSuchDevice, None, None));
            }
            let to = if how == 3 { pos } else { size };
            f.offset = to as u64;
            return Ok(to);
        }
        _ => return Err(invalid()),
    };
    let to = base.checked_add(pos).filter(|t| *t >= 0).ok_or_else(invalid)?;
    f.offset = to as u64;
    Ok(to)
}

/// `os.fsync` on an open file.
fn fsync_file(file: &Shared) -> Result<(), OsError> {
    let f = file.borrow();
    match &f.target {
        Target::File { desc, .. } => desc.sync().map_err(|c| Fail::from(c).bare()),
        _ => Err(invalid()),
    }
}

/// `os.ftruncate` on an open file.
fn ftruncate_file(file: &Shared, length: i64) -> Result<(), OsError> {
    let length = nonneg(length)?;
    let f = file.borrow();
    if !f.writable || f.is_dir {
        return Err(invalid());
    }
    match &f.target {
        Target::File { desc, mount } => mount.changed(desc.set_size(length)).map_err(bare),
        _ => Err(invalid()),
    }
}

/// `os.fstat` on an open file.
fn fstat_file(file: &Shared) -> Result<StatResult, OsError> {
    let f = file.borrow();
    fstat(&f).map_err(bare)
}

/// A descriptor of the sandbox handed to a child (`stdout=fd`): the child
/// gets the open file, from the sandbox's offset (the end, in append mode).
/// The sandbox's offset does not move with what the child reads or writes.
pub struct ForChild(Shared);

/// A [`ForChild`] borrowed for the call that starts the child.
pub struct ForChildRef<'a>(std::cell::Ref<'a, OpenFile>, u64);

impl ForChild {
    /// The open descriptor `fd`; `EBADF` when it is not open.
    pub fn get(fd: i32) -> Result<ForChild, OsError> {
        get(fd).map(ForChild)
    }

    /// One of the sandbox's standard streams (0, 1, 2).
    pub fn is_stdio(&self) -> bool {
        matches!(self.0.borrow().target, Target::Stdio(_))
    }

    pub fn borrow(&self) -> ForChildRef<'_> {
        let f = self.0.borrow();
        let offset = if f.append && f.writable { f.size().unwrap_or(f.offset) } else { f.offset };
        ForChildRef(f, offset)
    }
}

impl ForChildRef<'_> {
    /// The file and the offset the child starts at; none for a directory
    /// of the virtual tree.
    pub fn target(&self) -> Option<(&Descriptor, u64)> {
        match &self.0.target {
            Target::File { desc, .. } => Some((desc, self.1)),
            _ => None,
        }
    }
}

/// The `file` resource: an open file of its own, outside the table.
pub struct FileResource(Shared);

impl GuestFile for FileResource {
    fn open(path: Fspath, flags: i32, _mode: u32) -> Result<File, OsError> {
        let file = open(&path, flags).map_err(|f| f.on(&path))?;
        Ok(File::new(FileResource(Rc::new(RefCell::new(file)))))
    }

    fn read(&self, n: i64) -> Result<Vec<u8>, OsError> {
        read_file(&self.0, read_buffer(n)?)
    }

    fn write(&self, data: Vec<u8>) -> Result<u64, OsError> {
        write_file(&self.0, data)
    }

    fn seek(&self, pos: i64, how: i32) -> Result<i64, OsError> {
        lseek_file(&self.0, pos, how)
    }

    fn stat(&self) -> Result<StatResult, OsError> {
        fstat_file(&self.0)
    }

    fn truncate(&self, length: i64) -> Result<(), OsError> {
        nonneg(length)?;
        ftruncate_file(&self.0, length)
    }

    fn sync(&self) -> Result<(), OsError> {
        fsync_file(&self.0)
    }
}

impl Guest for crate::Osbox {
    type File = FileResource;

    fn open(path: Fspath, flags: i32, mode: u32, dir_fd: Option<i32>) -> Result<i32, OsError> {
        let file = check_flags(flags)
            .and_then(|()| crate::sandbox::at(dir_fd, &path))
            .and_then(|p| open_with_mode(&p, flags, mode))
            .map_err(|f| f.on(&path))?;
        insert(Rc::new(RefCell::new(file))).map_err(|f| f.on(&path))
    }

    fn read(fd: i32, n: i64) -> Result<Vec<u8>, OsError> {
        let n = read_buffer(n)?;
        read_file(&get(fd)?, n)
    }

    fn write(fd: i32, data: Vec<u8>) -> Result<u64, OsError> {
        write_file(&get(fd)?, data)
    }

    fn pread(fd: i32, n: i64, offset: i64) -> Result<Vec<u8>, OsError> {
        let n = read_buffer(n)?;
        // Linux checks the offset before the descriptor.
        let offset = nonneg(offset)?;
        let file = get(fd)?;
        let f = file.borrow();
        f.read_at(n, offset).map_err(bare)
    }

    fn pwrite(fd: i32, data: Vec<u8>, offset: i64) -> Result<u64, OsError> {
        let file = get(fd)?;
        let offset = nonneg(offset)?;
        let f = file.borrow();
        // Linux ignores the offset of pwrite on an O_APPEND descriptor.
        let offset = if f.append && f.writable { f.size().map_err(bare)? } else { offset };
        f.write_at(&data, offset).map_err(bare)
    }

    fn lseek(fd: i32, pos: i64, how: i32) -> Result<i64, OsError> {
        lseek_file(&get(fd)?, pos, how)
    }

    fn fsync(fd: i32) -> Result<(), OsError> {
        fsync_file(&get(fd)?)
    }

    fn fdatasync(fd: i32) -> Result<(), OsError> {
        let file = get(fd)?;
        let f = file.borrow();
        match &f.target {
            Target::File { desc, .. } => desc.sync_data().map_err(|c| Fail::from(c).bare()),
            _ => Err(invalid()),
        }
    }

    fn ftruncate(fd: i32, length: i64) -> Result<(), OsError> {
        // Linux checks the length before the descriptor.
        nonneg(length)?;
        ftruncate_file(&get(fd)?, length)
    }

    fn fstat(fd: i32) -> Result<StatResult, OsError> {
        fstat_file(&get(fd)?)
    }

    fn close(fd: i32) -> Result<(), OsError> {
        get(fd)?;
        TABLE.with(|t| t.borrow_mut()[fd as usize] = None);
        Ok(())
    }

    fn closerange(fd_low: i32, fd_high: i32) {
        TABLE.with(|t| {
            let mut t = t.borrow_mut();
            let (lo, hi) = (fd_low.max(0) as usize, (fd_high.max(0) as usize).min(t.len()));
            for slot in t.iter_mut().take(hi).skip(lo) {
                *slot = None;
            }
        });
    }

    fn dup(fd: i32) -> Result<i32, OsError> {
        let file = get(fd)?;
        insert(file).map_err(bare)
    }

    fn isatty(fd: i32) -> bool {
        use crate::wasi::cli::{terminal_stderr, terminal_stdin, terminal_stdout};
        let Ok(file) = get(fd) else { return false };
        let f = file.borrow();
        match f.target {
            Target::Stdio(0) => terminal_stdin::get_terminal_stdin().is_some(),
            Target::Stdio(1) => terminal_stdout::get_terminal_stdout().is_some(),
            Target::Stdio(_) => terminal_stderr::get_terminal_stderr().is_some(),
            _ => false,
        }
    }
}
