//! The file calls of the host extension, each beneath the directory
//! descriptor the guest resolved its path to, with cap-primitives (the
//! engine of cap-std): `..` and links cannot leave it, as in WASI.

use std::fs::File;
use std::io;
use std::path::Path;
use std::time::SystemTime;

use cap_primitives::fs::{FollowSymlinks, Metadata, OpenOptions};

use super::{Beneath, code};
use crate::bindings::osbox::os::host::{CopyMetadata, FileStatus, ScanEntry};
use crate::bindings::osbox::os::types::{ErrorCode, FileType, StatvfsResult};

/// A cap-primitives file type as WIT's: the one mapping.
fn file_type(t: cap_primitives::fs::FileType) -> FileType {
    #[cfg(unix)]
    use cap_primitives::fs::FileTypeExt;
    if t.is_symlink() {
        FileType::SymbolicLink
    } else if t.is_dir() {
        FileType::Directory
    } else if t.is_file() {
        FileType::RegularFile
    } else {
        #[cfg(unix)]
        if t.is_char_device() {
            return FileType::CharacterDevice;
        } else if t.is_block_device() {
            return FileType::BlockDevice;
        } else if t.is_fifo() {
            return FileType::Fifo;
        } else if t.is_socket() {
            return FileType::Socket;
        }
        FileType::Unknown
    }
}

/// WASI's `metadata-hash` (lower half) of the file `(dev, ino)`, computed as
/// wasmtime-wasi computes it, so the guest's `st_ino` and `inode()` agree
/// whichever way it learnt them.
pub(crate) fn metadata_hash(dev: u64, ino: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (dev, ino).hash(&mut h);
    h.finish()
}

/// A file's identity `(dev, ino)`, its permission bits and its link count.
#[cfg(unix)]
fn identity(meta: &Metadata) -> ((u64, u64), u32, u64) {
    use cap_primitives::fs::MetadataExt;
    ((meta.dev(), meta.ino()), meta.mode() & 0o7777, meta.nlink())
}

/// A file's identity (the volume's serial number and the file's index, as
/// wasmtime-wasi takes them), its permission bits as CPython on Windows
/// makes them from the read-only attribute (`0o444` or `0o666`, with
/// `0o111` for a directory), and its link count. `meta` must come from an
/// open handle ([`Metadata::from_file`]), which has them all.
#[cfg(windows)]
fn identity(meta: &Metadata) -> ((u64, u64), u32, u64) {
    use cap_primitives::fs::_WindowsByHandle;
    let dev = meta.volume_serial_number().map_or(0, u64::from);
    let mut mode = if meta.permissions().readonly() { 0o444 } else { 0o666 };
    if meta.is_dir() {
        mode |= 0o111;
    }
    ((dev, meta.file_index().unwrap_or(0)), mode, meta.number_of_links().map_or(1, u64::from))
}

/// The status of `path` beneath `dir`, without or with following a final
/// link. On Windows from a handle opened for no access, as wasmtime-wasi
/// does it, which has the file's identity and link count.
#[cfg(unix)]
fn stat_at(dir: &File, path: &str, follow: FollowSymlinks) -> io::Result<Metadata> {
    cap_primitives::fs::stat(dir, Path::new(path), follow)
}

#[cfg(windows)]
fn stat_at(dir: &File, path: &str, follow: FollowSymlinks) -> io::Result<Metadata> {
    use cap_primitives::fs::OpenOptionsExt;
    use windows_sys::Win32::Storage::FileSystem::{FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_OPEN_REPARSE_POINT};
    let mut options = OpenOptions::new();
    options.access_mode(0);
    options.custom_flags(match follow {
        FollowSymlinks::Yes => FILE_FLAG_BACKUP_SEMANTICS,
        FollowSymlinks::No => FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
    });
    Metadata::from_file(&cap_primitives::fs::open(dir, Path::new(path), &options)?)
}

/// A file's status, as the one host-side constructor: times as wasmtime-wasi's
/// `descriptor-stat` gives them (none before the epoch; the status change
/// time is the birth time), so that every way the guest learns a status
/// agrees.
fn status(meta: &Metadata) -> FileStatus {
    let ((dev, ino), mode, nlink) = identity(meta);
    let ns = |t: io::Result<SystemTime>| {
        t.ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    };
    FileStatus {
        type_: file_type(meta.file_type()),
        mode,
        nlink,
        size: meta.len(),
        atime_ns: ns(meta.accessed().map(|t| t.into_std())),
        mtime_ns: ns(meta.modified().map(|t| t.into_std())),
        ctime_ns: ns(meta.created().map(|t| t.into_std())),
        inode: metadata_hash(dev, ino),
    }
}

/// Whether `path` is one name in its directory: nothing to resolve but the
/// name itself, so a status that does not follow a final link cannot leave
/// the directory.
fn single_name(path: &str) -> bool {
    !path.is_empty() && !path.contains('/') && path != "." && path != ".."
}

fn follow(yes: bool) -> FollowSymlinks {
    if yes { FollowSymlinks::Yes } else { FollowSymlinks::No }
}

/// `stat`: of the descriptor itself for `.`, else of `path` beneath it.
/// A single name takes one system call even when links are followed, unless
/// it is a link.
pub(super) fn stat(at: &Beneath<'_>, path: &str, follow_links: bool) -> Result<FileStatus, ErrorCode> {
    if path == "." {
        return Metadata::from_file(at.file).map(|m| status(&m)).map_err(|e| code(&e));
    }
    let dir = at.dir()?;
    let meta = if single_name(path) {
        match stat_at(dir, path, FollowSymlinks::No) {
            Ok(m) if follow_links && m.file_type().is_symlink() => stat_at(dir, path, FollowSymlinks::Yes),
            other => other,
        }
    } else {
        stat_at(dir, path, follow(follow_links))
    };
    meta.map(|m| status(&m)).map_err(|e| code(&e))
}

/// `scan-dir`: the directory `path` beneath `at`, in one call.
pub(super) fn scan_dir(at: &Beneath<'_>, path: &str, inodes: bool) -> Result<Vec<ScanEntry>, ErrorCode> {
    let (mut entries, dev) = scan_dir_raw(at, path, inodes)?;
    if let Some(dev) = dev {
        for e in &mut entries {
            e.inode = metadata_hash(dev, e.inode);
        }
    }
    Ok(entries)
}

/// `scan-dir` with each entry's own inode number (`d_ino`, 0 without
/// `inodes`) where `inode` goes, and with `inodes` the device they are on:
/// `metadata_hash` of the two is `inode()`, computed when it is asked.
pub(super) fn scan_dir_raw(
    at: &Beneath<'_>,
    path: &str,
    inodes: bool,
) -> Result<(Vec<ScanEntry>, Option<u64>), ErrorCode> {
    let dir = at.dir()?;
    let base = path.trim_end_matches('/');
    let mut out = Vec::new();
    let dev = each_entry(dir, path, inodes, |name, kind, inode| {
        // A link's target, resolved from `at` as WASI resolves it: one that
        // leaves it counts as dangling.
        let target_type = (kind == FileType::SymbolicLink)
            .then(|| {
                let link = if path == "." { name.clone() } else { format!("{base}/{name}") };
                stat_at(dir, &link, FollowSymlinks::Yes).ok().map(|m| file_type(m.file_type()))
            })
            .flatten();
        out.push(ScanEntry { name, type_: kind, target_type, inode });
    })?;
    Ok((out, dev))
}

/// Calls `f` with each entry of the directory `path` beneath `dir` (`.`
/// and `..` left out), in the system's order: its name, its own type, and
/// with `inodes` its inode number (else 0); gives the directory's device
/// with `inodes`. A name that is not UTF-8 fails the whole listing with
/// `illegal-byte-sequence`.
///
/// On Linux the directory is opened beneath `dir` with the `openat2` call
/// cap-primitives makes (the kernel keeps it beneath) and read with
/// `getdents64` into one buffer, as libc's `readdir` reads it: four system
/// calls a directory, each name allocated once. Anything else (an error to
/// report, a kernel or a seccomp filter without `openat2`) goes through
/// cap-primitives' own listing, which resolves by hand where it must.
#[cfg(target_os = "linux")]
fn each_entry(
    dir: &File,
    path: &str,
    inodes: bool,
    mut f: impl FnMut(String, FileType, u64),
) -> Result<Option<u64>, ErrorCode> {
    use std::mem::MaybeUninit;

    use rustix::fs::{AtFlags, Mode, OFlags, RawDir, ResolveFlags};

    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let beneath = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
    let Ok(listed) = rustix::fs::openat2(dir, path, flags, Mode::empty(), beneath) else {
        return read_dir_entries(dir, path, inodes, f);
    };
    let listed = File::from(listed);
    // The device of the directory: its entries' identity with `d_ino`.
    let dev = match inodes {
        true => Some(identity(&Metadata::from_file(&listed).map_err(|e| code(&e))?).0.0),
        false => None,
    };
    let mut buf = vec![MaybeUninit::<u8>::uninit(); 32 * 1024];
    let mut entries = RawDir::new(&listed, &mut buf);
    while let Some(entry) = entries.next() {
        let entry = entry.map_err(|e| code(&e.into()))?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        let name = std::str::from_utf8(name).map_err(|_| ErrorCode::IllegalByteSequence)?.to_owned();
        let kind = match entry.file_type() {
            // A file system that does not give types in its listing: the
            // entry's own status, a name in the directory already opened.
            rustix::fs::FileType::Unknown => rustix::fs::statat(&listed, name.as_str(), AtFlags::SYMLINK_NOFOLLOW)
                .map_or(FileType::Unknown, |st| rustix_type(rustix::fs::FileType::from_raw_mode(st.st_mode))),
            t => rustix_type(t),
        };
        f(name, kind, if inodes { entry.ino() } else { 0 });
    }
    Ok(dev)
}

/// A rustix file type (of `d_type` or `st_mode`) as WIT's.
#[cfg(target_os = "linux")]
fn rustix_type(t: rustix::fs::FileType) -> FileType {
    match t {
        rustix::fs::FileType::RegularFile => FileType::RegularFile,
        rustix::fs::FileType::Directory => FileType::Directory,
        rustix::fs::FileType::Symlink => FileType::SymbolicLink,
        rustix::fs::FileType::Fifo => FileType::Fifo,
        rustix::fs::FileType::Socket => FileType::Socket,
        rustix::fs::FileType::CharacterDevice => FileType::CharacterDevice,
        rustix::fs::FileType::BlockDevice => FileType::BlockDevice,
        rustix::fs::FileType::Unknown => FileType::Unknown,
    }
}

/// `each_entry` where the host lists through cap-primitives' `read_dir`.
#[cfg(not(target_os = "linux"))]
fn each_entry(
    dir: &File,
    path: &str,
    inodes: bool,
    f: impl FnMut(String, FileType, u64),
) -> Result<Option<u64>, ErrorCode> {
    read_dir_entries(dir, path, inodes, f)
}

/// `each_entry` through cap-primitives' `read_dir`, on every host.
fn read_dir_entries(
    dir: &File,
    path: &str,
    inodes: bool,
    mut f: impl FnMut(String, FileType, u64),
) -> Result<Option<u64>, ErrorCode> {
    let entries = if path == "." {
        cap_primitives::fs::read_base_dir(dir)
    } else {
        cap_primitives::fs::read_dir(dir, Path::new(path))
    }
    .map_err(|e| code(&e))?;
    // The device of the directory: its entries' identity with `d_ino`.
    let dev = match inodes {
        true => Some(identity(&stat_at(dir, path, FollowSymlinks::Yes).map_err(|e| code(&e))?).0.0),
        false => None,
    };
    for entry in entries {
        let entry = entry.map_err(|e| code(&e))?;
        let name = entry.file_name().into_string().map_err(|_| ErrorCode::IllegalByteSequence)?;
        let kind = entry.file_type().map_or(FileType::Unknown, file_type);
        let inode = if inodes { entry_ino(&entry, dir, path, &name) } else { 0 };
        f(name, kind, inode);
    }
    Ok(dev)
}

/// A directory entry's inode number (`d_ino`).
#[cfg(unix)]
fn entry_ino(entry: &cap_primitives::fs::DirEntry, _dir: &File, _path: &str, _name: &str) -> u64 {
    use rustix::fs::DirEntryExt;
    entry.ino()
}

/// A directory entry's file index: Windows lists none, so the entry is
/// opened (0 when that fails, as for a file gone meanwhile).
#[cfg(windows)]
fn entry_ino(_entry: &cap_primitives::fs::DirEntry, dir: &File, path: &str, name: &str) -> u64 {
    let full = if path == "." { name.to_string() } else { format!("{}/{name}", path.trim_end_matches('/')) };
    stat_at(dir, &full, FollowSymlinks::No).map_or(0, |m| identity(&m).0.1)
}

/// `unlink-names`: each name removed beneath `at` in order, up to the
/// first failure.
pub(super) fn unlink_names(at: &Beneath<'_>, names: &[String]) -> (u32, Option<ErrorCode>) {
    let dir = match at.writable_dir() {
        Ok(dir) => dir,
        Err(e) => return (0, Some(e)),
    };
    let mut done = 0u32;
    for name in names {
        if let Err(e) = cap_primitives::fs::remove_file(dir, Path::new(name)) {
            return (done, Some(code(&e)));
        }
        done += 1;
    }
    (done, None)
}

/// `chmod`, following a final link (Linux has no `lchmod`). On Windows, as
/// CPython there: the write bits of the owner set or clear the read-only
/// attribute, the other bits are not kept.
pub(super) fn chmod(at: &Beneath<'_>, path: &str, mode: u32, follow_links: bool) -> Result<(), ErrorCode> {
    let dir = at.writable_dir()?;
    if !follow_links {
        return Err(ErrorCode::Unsupported);
    }
    #[cfg(unix)]
    let permissions = {
        use cap_primitives::fs::PermissionsExt;
        cap_primitives::fs::Permissions::from_mode(mode & 0o7777)
    };
    #[cfg(windows)]
    let permissions = {
        let mut p = stat_at(dir, path, FollowSymlinks::Yes).map_err(|e| code(&e))?.permissions();
        p.set_readonly(mode & 0o200 == 0);
        p
    };
    cap_primitives::fs::set_permissions(dir, Path::new(path), permissions).map_err(|e| code(&e))
}

/// `statvfs` of the file system holding `path`.
pub(super) fn statvfs(at: &Beneath<'_>, path: &str) -> Result<StatvfsResult, ErrorCode> {
    let dir = at.dir()?;
    let opened = cap_primitives::fs::open_dir(dir, Path::new(path))
        .or_else(|_| cap_primitives::fs::open(dir, Path::new(path), OpenOptions::new().read(true)))
        .map_err(|e| code(&e))?;
    volume(&opened).map_err(|e| code(&e))
}

/// `fstatvfs`.
#[cfg(unix)]
fn volume(opened: &File) -> io::Result<StatvfsResult> {
    let s = rustix::fs::fstatvfs(opened)?;
    Ok(StatvfsResult {
        bsize: s.f_bsize,
        frsize: s.f_frsize,
        blocks: s.f_blocks,
        bfree: s.f_bfree,
        bavail: s.f_bavail,
        files: s.f_files,
        ffree: s.f_ffree,
        favail: s.f_favail,
        // The kernel marks its statfs answers ST_VALID (0x20), which glibc
        // clears from statvfs's f_flag, as CPython shows it.
        flag: s.f_flag.bits() & !0x20,
        namemax: s.f_namemax,
    })
}

/// The volume's sizes, as `fstatvfs` gives them: blocks of the cluster
/// size, free space as the account may use it (`bavail`) and in all
/// (`bfree`), the longest name, read-only; Windows has no inode counts
/// (zero, as on file systems without them).
#[cfg(windows)]
fn volume(opened: &File) -> io::Result<StatvfsResult> {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Storage::FileSystem::{
        GetDiskFreeSpaceExW, GetDiskFreeSpaceW, GetVolumeInformationByHandleW, GetVolumePathNameW,
    };
    let fail = |ok: i32| if ok == 0 { Err(io::Error::last_os_error()) } else { Ok(()) };
    let path = final_path(opened.as_raw_handle())?;
    let mut root = vec![0u16; path.len() + 2];
    // SAFETY: `path` is NUL-terminated and `root` is as long as it plus one,
    // the most the volume's root can take; each out-pointer is a local.
    let (mut avail, mut total, mut free) = (0u64, 0u64, 0u64);
    let (mut sectors, mut bytes, mut free_clusters, mut clusters) = (0u32, 0u32, 0u32, 0u32);
    let (mut namemax, mut flags) = (0u32, 0u32);
    unsafe {
        fail(GetVolumePathNameW(path.as_ptr(), root.as_mut_ptr(), root.len() as u32))?;
        fail(GetDiskFreeSpaceExW(root.as_ptr(), &mut avail, &mut total, &mut free))?;
        fail(GetDiskFreeSpaceW(root.as_ptr(), &mut sectors, &mut bytes, &mut free_clusters, &mut clusters))?;
        fail(GetVolumeInformationByHandleW(
            opened.as_raw_handle(),
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            &mut namemax,
            &mut flags,
            std::ptr::null_mut(),
            0,
        ))?;
    }
    let bsize = (u64::from(sectors) * u64::from(bytes)).max(1);
    Ok(StatvfsResult {
        bsize,
        frsize: bsize,
        blocks: total / bsize,
        bfree: free / bsize,
        bavail: avail / bsize,
        files: 0,
        ffree: 0,
        favail: 0,
        // FILE_READ_ONLY_VOLUME: ST_RDONLY.
        flag: u64::from(flags & 0x0008_0000 != 0),
        namemax: u64::from(namemax),
    })
}

/// The path of an open handle, NUL-terminated, without the `\\?\` prefix
/// where the rest is a plain drive path.
#[cfg(windows)]
pub(super) fn final_path(handle: std::os::windows::io::RawHandle) -> io::Result<Vec<u16>> {
    use windows_sys::Win32::Storage::FileSystem::GetFinalPathNameByHandleW;
    let mut buf = vec![0u16; 512];
    loop {
        // SAFETY: `buf` has the length passed; the handle is open.
        let n = unsafe { GetFinalPathNameByHandleW(handle, buf.as_mut_ptr(), buf.len() as u32, 0) } as usize;
        if n == 0 {
            return Err(io::Error::last_os_error());
        }
        if n < buf.len() {
            buf.truncate(n);
            break;
        }
        buf.resize(n + 1, 0);
    }
    let prefix: Vec<u16> = r"\\?\".encode_utf16().collect();
    if buf.starts_with(&prefix) && buf.get(prefix.len() + 1) == Some(&u16::from(b':')) {
        buf.drain(..prefix.len());
    }
    buf.push(0);
    Ok(buf)
}

/// `rename` between two directories.
pub(super) fn rename(from: &Beneath<'_>, src: &str, to: &Beneath<'_>, dst: &str) -> Result<(), ErrorCode> {
    let (a, b) = (from.writable_dir()?, to.writable_dir()?);
    cap_primitives::fs::rename(a, Path::new(src), b, Path::new(dst)).map_err(|e| code(&e))
}

/// The directory holding `path` beneath `dir`, opened, and its final name;
#[cfg(target_os = "linux")]
/// `None` when `path` ends in no plain name (`.`, `..`, a trailing slash).
fn parent_and_name(dir: &File, path: &str) -> Result<Option<(Option<File>, String)>, ErrorCode> {
    let (parent, name) = path.rsplit_once('/').unwrap_or((".", path));
    if name.is_empty() || name == "." || name == ".." {
        return Ok(None);
    }
    let parent = match parent {
        "." => None,
        "" => return Ok(None),
        p => Some(cap_primitives::fs::open_dir(dir, Path::new(p)).map_err(|e| code(&e))?),
    };
    Ok(Some((parent, name.to_string())))
}

/// Links the open, unnamed file `file` at `name` in `dir`: `linkat` of the
/// descriptor itself, or through `/proc` where that needs a privilege the
/// host lacks.
#[cfg(target_os = "linux")]
fn link_unnamed(file: &File, dir: &File, name: &str) -> rustix::io::Result<()> {
    use rustix::fs::{AtFlags, CWD, linkat};
    match linkat(file, "", dir, name, AtFlags::EMPTY_PATH) {
        Err(rustix::io::Errno::NOENT | rustix::io::Errno::PERM) => {
            let proc = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(file));
            linkat(CWD, proc.as_str(), dir, name, AtFlags::SYMLINK_FOLLOW)
        }
        other => other,
    }
}

/// `copy-file`: a regular file copied with the kernel's copy into an
/// unnamed file, put in place only when whole, so that no one ever sees
/// `dst` incomplete and a host killed mid-copy leaves nothing behind.
#[cfg(target_os = "linux")]
pub(super) fn copy_file(
    from: &Beneath<'_>,
    src: &str,
    to: &Beneath<'_>,
    dst: &str,
    metadata: CopyMetadata,
    sync: bool,
) -> Result<(), ErrorCode> {
    use cap_primitives::fs::OpenOptionsExt;
    use rustix::fs::{AtFlags, FileType as Ft, Mode, OFlags};
    let (a, b) = (from.dir()?, to.writable_dir()?);
    // Without blocking on a named pipe: only a regular file is copied here.
    let mut reading = OpenOptions::new();
    reading.read(true).custom_flags(libc::O_NONBLOCK);
    let input = cap_primitives::fs::open(a, Path::new(src), &reading).map_err(|e| code(&e))?;
    let meta = input.metadata().map_err(|e| code(&e))?;
    if !meta.is_file() {
        return Err(ErrorCode::Unsupported);
    }
    let Some((parent, name)) = parent_and_name(b, dst)? else { return Err(ErrorCode::Unsupported) };
    let dir = parent.as_ref().unwrap_or(b);
    // What is there now: nothing, or a regular file (other than the source)
    // that `open(dst, 'wb')` could open; anything else is the guest's.
    let old = match rustix::fs::statat(dir, name.as_str(), AtFlags::SYMLINK_NOFOLLOW) {
        Err(rustix::io::Errno::NOENT) => None,
        Err(e) => return Err(code(&e.into())),
        Ok(st) if Ft::from_raw_mode(st.st_mode) != Ft::RegularFile => return Err(ErrorCode::Unsupported),
        Ok(st) => {
            use std::os::unix::fs::MetadataExt;
            if (st.st_dev, st.st_ino) == (meta.dev(), meta.ino()) {
                return Err(ErrorCode::Unsupported);
            }
            let writing = OFlags::WRONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
            rustix::fs::openat(dir, name.as_str(), writing, Mode::empty()).map_err(|e| code(&e.into()))?;
            Some(st.st_mode & 0o7777)
        }
    };
    let mode = match metadata {
        CopyMetadata::None => old,
        CopyMetadata::Mode | CopyMetadata::ModeAndTimes => {
            use std::os::unix::fs::PermissionsExt;
            Some(meta.permissions().mode() & 0o7777)
        }
    };
    let unnamed =
        match rustix::fs::openat(dir, ".", OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC, Mode::from(0o666)) {
            Ok(fd) => File::from(fd),
            // A file system without unnamed files: the guest's way.
            Err(rustix::io::Errno::OPNOTSUPP | rustix::io::Errno::ISDIR | rustix::io::Errno::INVAL) => {
                return Err(ErrorCode::Unsupported);
            }
            Err(e) => return Err(code(&e.into())),
        };
    let copied = (|| {
        // In pieces, so that a host that stops ends the copy (the unnamed
        // file is never linked in): the kernel's copy, and where it cannot
        // (another file system on an older kernel, a file system without
        // it) std's, which finds the next best, from where it stopped.
        const PIECE: u64 = 64 << 20;
        let stopped = || match crate::limits::interrupted() {
            true => Err(io::Error::from_raw_os_error(libc::EINTR)),
            false => Ok(()),
        };
        loop {
            match rustix::fs::copy_file_range(&input, None, &unnamed, None, PIECE as usize) {
                Ok(0) => break,
                Ok(_) => stopped()?,
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => {
                    while io::copy(&mut io::Read::take(&input, PIECE), &mut &unnamed)? == PIECE {
                        stopped()?;
                    }
                    break;
                }
            }
        }
        if metadata == CopyMetadata::ModeAndTimes {
            unnamed
                .set_times(std::fs::FileTimes::new().set_accessed(meta.accessed()?).set_modified(meta.modified()?))?;
        }
        if let Some(mode) = mode {
            rustix::fs::fchmod(&unnamed, Mode::from(mode))?;
        }
        if sync {
            unnamed.sync_all()?;
        }
        Ok(())
    })();
    copied.map_err(|e: io::Error| code(&e))?;
    if old.is_none() {
        // `exist` when another made `dst` meanwhile: the guest's way then.
        return link_unnamed(&unnamed, dir, &name).map_err(|e| code(&e.into()));
    }
    // Over the old file in one rename: linked under a name of its own
    // first, for the instant between the two calls.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = format!(".{name}.osbox-{}-{n}", std::process::id());
    link_unnamed(&unnamed, dir, &temporary).map_err(|e| code(&e.into()))?;
    rustix::fs::renameat(dir, temporary.as_str(), dir, name.as_str()).map_err(|e| {
        let _ = rustix::fs::unlinkat(dir, temporary.as_str(), AtFlags::empty());
        code(&e.into())
    })
}

/// `copy-file` where the host has no unnamed files (`O_TMPFILE` is
/// Linux's): the guest copies as it does on such a file system, through a
/// temporary name.
#[cfg(not(target_os = "linux"))]
pub(super) fn copy_file(
    from: &Beneath<'_>,
    _src: &str,
    to: &Beneath<'_>,
    _dst: &str,
    _metadata: CopyMetadata,
    _sync: bool,
) -> Result<(), ErrorCode> {
    from.dir()?;
    to.writable_dir()?;
    Err(ErrorCode::Unsupported)
}

/// The most one `read-at` returns, as Linux's `read(2)` caps a read.
const MAX_READ: u64 = 0x7fff_f000;

/// Reads up to this long allocate their buffer without asking the file's
/// size first.
const SMALL_READ: u64 = 1 << 20;

/// `read-at`: up to `len` bytes of the open file from `offset`. The host
/// holds no more than the file has: a long read of a regular file is first
/// cut to what remains of it.
pub(super) fn read_at(file: &File, len: u64, offset: u64) -> Result<Vec<u8>, ErrorCode> {
    // A host that stops ends a long copy here: the guest removes what it
    // was making (see `crate::interrupt`).
    if crate::limits::interrupted() {
        return Err(ErrorCode::Interrupted);
    }
    let mut len = len.min(MAX_READ);
    if len > SMALL_READ {
        let meta = file.metadata().map_err(|e| code(&e))?;
        if meta.is_file() {
            len = len.min(meta.len().saturating_sub(offset));
        }
    }
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    // Read straight into the vector's spare capacity: no zeroing first.
    #[cfg(unix)]
    {
        let mut buf = Vec::with_capacity(len);
        while buf.len() < len {
            let at = offset + buf.len() as u64;
            match rustix::io::pread(file, rustix::buffer::spare_capacity(&mut buf), at) {
                Ok(0) => break,
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(code(&io::Error::from(e))),
            }
        }
        Ok(buf)
    }
    // Windows reads at an offset by moving the handle's position, as
    // wasmtime-wasi's own reads do: every read of the host's is at an
    // explicit offset.
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let mut buf = vec![0u8; len];
        let mut done = 0;
        while done < len {
            match file.seek_read(&mut buf[done..], offset + done as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // The end of the file, for Windows.
                Err(e) if e.raw_os_error() == Some(38) => break,
                Err(e) => return Err(code(&e)),
            }
        }
        buf.truncate(done);
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A way to list: `each_entry` or its fallback.
    type List = fn(&File, &str, bool, &mut dyn FnMut(String, FileType, u64)) -> Result<Option<u64>, ErrorCode>;

    /// What a listing gave: each entry, sorted, and the device.
    type Listed = (Vec<(String, FileType, u64)>, Option<u64>);

    /// Every entry `list` gives for `path` beneath `dir`.
    fn listed(list: List, dir: &File, path: &str) -> Result<Listed, ErrorCode> {
        let mut out = Vec::new();
        let dev = list(dir, path, true, &mut |name, kind, ino| out.push((name, kind, ino)))?;
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok((out, dev))
    }

    /// The listing of the host's own (getdents64 on Linux) and the one it
    /// falls back to (cap-primitives' `read_dir`, where `openat2` is
    /// missing or refuses) answer alike: names, types, inode numbers,
    /// device, errors.
    #[test]
    fn the_fast_listing_and_its_fallback_agree() {
        let root = tempfile::tempdir().unwrap();
        let d = root.path();
        std::fs::create_dir_all(d.join("sub/deeper")).unwrap();
        std::fs::write(d.join("sub/f"), "x").unwrap();
        std::fs::write(d.join("file"), "x").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("sub", d.join("lnk")).unwrap();
            std::os::unix::fs::symlink("..", d.join("sub/up")).unwrap();
            std::os::unix::fs::symlink("/", d.join("out")).unwrap();
        }
        let dir = File::open(d).unwrap();
        let fast = |dir: &File, path: &str, inodes: bool, f: &mut dyn FnMut(String, FileType, u64)| {
            each_entry(dir, path, inodes, f)
        };
        let fallback = |dir: &File, path: &str, inodes: bool, f: &mut dyn FnMut(String, FileType, u64)| {
            read_dir_entries(dir, path, inodes, f)
        };
        let paths =
            [".", "sub", "sub/", "sub/deeper", "lnk", "lnk/", "sub/up", "sub/up/", "file", "missing", "out", ".."];
        for path in paths {
            let (a, b) = (listed(fast, &dir, path), listed(fallback, &dir, path));
            assert_eq!(a, b, "listing {path:?}");
        }
        assert!(listed(fast, &dir, "lnk/").unwrap().0.iter().any(|e| e.0 == "deeper"));
    }
}
