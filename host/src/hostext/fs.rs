//! The file calls of the host extension, each beneath the directory
//! descriptor the guest resolved its path to, with cap-primitives (the
//! engine of cap-std): `..` and links cannot leave it, as in WASI.

use std::fs::File;
use std::io;
use std::path::Path;
use std::time::SystemTime;

use cap_primitives::fs::{FollowSymlinks, Metadata, MetadataExt, OpenOptions, OpenOptionsExt, PermissionsExt};

use super::{Beneath, code};
use crate::bindings::osbox::os::host::{FileStatus, ScanEntry};
use crate::bindings::osbox::os::types::{ErrorCode, FileType, StatvfsResult};

/// A cap-primitives file type as WIT's: the one mapping.
fn file_type(t: cap_primitives::fs::FileType) -> FileType {
    use cap_primitives::fs::FileTypeExt;
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

/// WASI's `metadata-hash` (lower half) of the file `(dev, ino)`, computed as
/// wasmtime-wasi computes it, so the guest's `st_ino` and `inode()` agree
/// whichever way it learnt them.
fn metadata_hash(dev: u64, ino: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (dev, ino).hash(&mut h);
    h.finish()
}

/// A file's status, as the one host-side constructor: times as wasmtime-wasi's
/// `descriptor-stat` gives them (none before the epoch; the status change
/// time is the birth time), so that every way the guest learns a status
/// agrees.
fn status(meta: &Metadata) -> FileStatus {
    let ns = |t: io::Result<SystemTime>| {
        t.ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    };
    FileStatus {
        type_: file_type(meta.file_type()),
        mode: meta.mode() & 0o7777,
        nlink: meta.nlink(),
        size: meta.len(),
        atime_ns: ns(meta.accessed().map(|t| t.into_std())),
        mtime_ns: ns(meta.modified().map(|t| t.into_std())),
        ctime_ns: ns(meta.created().map(|t| t.into_std())),
        inode: metadata_hash(meta.dev(), meta.ino()),
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
        match cap_primitives::fs::stat(dir, Path::new(path), FollowSymlinks::No) {
            Ok(m) if follow_links && m.file_type().is_symlink() => {
                cap_primitives::fs::stat(dir, Path::new(path), FollowSymlinks::Yes)
            }
            other => other,
        }
    } else {
        cap_primitives::fs::stat(dir, Path::new(path), follow(follow_links))
    };
    meta.map(|m| status(&m)).map_err(|e| code(&e))
}

/// `scan-dir`: the directory `path` beneath `at`, in one call.
pub(super) fn scan_dir(at: &Beneath<'_>, path: &str, inodes: bool) -> Result<Vec<ScanEntry>, ErrorCode> {
    let dir = at.dir()?;
    let entries = if path == "." {
        cap_primitives::fs::read_base_dir(dir)
    } else {
        cap_primitives::fs::read_dir(dir, Path::new(path))
    }
    .map_err(|e| code(&e))?;
    // The device of the directory: its entries' identity with `d_ino`.
    let dev = match inodes {
        true => Some(cap_primitives::fs::stat(dir, Path::new(path), FollowSymlinks::Yes).map_err(|e| code(&e))?.dev()),
        false => None,
    };
    let base = path.trim_end_matches('/');
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| code(&e))?;
        let name = entry.file_name().into_string().map_err(|_| ErrorCode::IllegalByteSequence)?;
        let kind = entry.file_type().map_or(FileType::Unknown, file_type);
        // A link's target, resolved from `at` as WASI resolves it: one that
        // leaves it counts as dangling.
        let target_type = (kind == FileType::SymbolicLink)
            .then(|| {
                let link = if path == "." { name.clone() } else { format!("{base}/{name}") };
                cap_primitives::fs::stat(dir, Path::new(&link), FollowSymlinks::Yes)
                    .ok()
                    .map(|m| file_type(m.file_type()))
            })
            .flatten();
        let inode = dev.map_or(0, |dev| {
            use rustix::fs::DirEntryExt;
            metadata_hash(dev, entry.ino())
        });
        out.push(ScanEntry { name, type_: kind, target_type, inode });
    }
    Ok(out)
}

/// `chmod`, following a final link (Linux has no `lchmod`).
pub(super) fn chmod(at: &Beneath<'_>, path: &str, mode: u32, follow_links: bool) -> Result<(), ErrorCode> {
    let dir = at.writable_dir()?;
    if !follow_links {
        return Err(ErrorCode::Unsupported);
    }
    let permissions = cap_primitives::fs::Permissions::from_mode(mode & 0o7777);
    cap_primitives::fs::set_permissions(dir, Path::new(path), permissions).map_err(|e| code(&e))
}

/// `statvfs` of the file system holding `path`.
pub(super) fn statvfs(at: &Beneath<'_>, path: &str) -> Result<StatvfsResult, ErrorCode> {
    let dir = at.dir()?;
    let opened = cap_primitives::fs::open_dir(dir, Path::new(path))
        .or_else(|_| cap_primitives::fs::open(dir, Path::new(path), OpenOptions::new().read(true)))
        .map_err(|e| code(&e))?;
    let s = rustix::fs::fstatvfs(&opened).map_err(|e| code(&e.into()))?;
    Ok(StatvfsResult {
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

/// `rename` between two directories.
pub(super) fn rename(from: &Beneath<'_>, src: &str, to: &Beneath<'_>, dst: &str) -> Result<(), ErrorCode> {
    let (a, b) = (from.writable_dir()?, to.writable_dir()?);
    cap_primitives::fs::rename(a, Path::new(src), b, Path::new(dst)).map_err(|e| code(&e))
}

/// `copy-file`: a regular file into a new one, with the kernel's copy.
pub(super) fn copy_file(
    from: &Beneath<'_>,
    src: &str,
    to: &Beneath<'_>,
    dst: &str,
    times: bool,
    sync: bool,
) -> Result<(), ErrorCode> {
    let (a, b) = (from.dir()?, to.writable_dir()?);
    // Without blocking on a named pipe: only a regular file is copied here.
    let mut reading = OpenOptions::new();
    reading.read(true).custom_flags(libc::O_NONBLOCK);
    let input = cap_primitives::fs::open(a, Path::new(src), &reading).map_err(|e| code(&e))?;
    let meta = input.metadata().map_err(|e| code(&e))?;
    if !meta.is_file() {
        return Err(ErrorCode::Unsupported);
    }
    let mut creating = OpenOptions::new();
    creating.write(true).create_new(true);
    let mut output = cap_primitives::fs::open(b, Path::new(dst), &creating).map_err(|e| code(&e))?;
    let copied = (|| {
        io::copy(&mut &input, &mut output)?;
        if times {
            output
                .set_times(std::fs::FileTimes::new().set_accessed(meta.accessed()?).set_modified(meta.modified()?))?;
        }
        use std::os::unix::fs::PermissionsExt as _;
        output.set_permissions(std::fs::Permissions::from_mode(meta.permissions().mode() & 0o7777))?;
        if sync {
            output.sync_all()?;
        }
        Ok(())
    })();
    copied.map_err(|e: io::Error| {
        drop(output);
        let _ = cap_primitives::fs::remove_file(b, Path::new(dst));
        code(&e)
    })
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
    let mut len = len.min(MAX_READ);
    if len > SMALL_READ {
        let meta = file.metadata().map_err(|e| code(&e))?;
        if meta.is_file() {
            len = len.min(meta.len().saturating_sub(offset));
        }
    }
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    // Read straight into the vector's spare capacity: no zeroing first.
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
