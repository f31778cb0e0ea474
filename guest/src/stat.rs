//! The layout of `os.stat_result`, in one place: the file type bits of
//! `st_mode`, the permission bits osbox reports where nothing tells it the
//! real ones (docs/deviations.md), and the one constructor every stat
//! answer goes through, from a [`FileStatus`] whoever filled it in (the
//! osbox host, WASI, or the virtual tree above the grants).

use crate::host::FileStatus;
use crate::osbox::os::types::{FileType, StatResult};
use crate::wasi::clocks::wall_clock::Datetime;
use crate::wasi::filesystem::types::{DescriptorStat, DescriptorType};

/// `stat.S_IFMT`: the file type bits of `st_mode`.
const S_IFMT: u32 = 0o170000;

/// The file type bits of `st_mode` for a type (`stat.S_IFDIR`, ...).
const fn type_bits(t: FileType) -> u32 {
    match t {
        FileType::Directory => 0o040000,
        FileType::SymbolicLink => 0o120000,
        FileType::RegularFile => 0o100000,
        FileType::CharacterDevice => 0o020000,
        FileType::BlockDevice => 0o060000,
        FileType::Fifo => 0o010000,
        FileType::Socket => 0o140000,
        FileType::Unknown => 0,
    }
}

/// Whether `st_mode` is of type `t` (`stat.S_ISDIR(mode)` and friends).
pub fn is(mode: u32, t: FileType) -> bool {
    mode & S_IFMT == type_bits(t)
}

/// `os.stat_result` of a file's status, on the grant numbered `dev`.
pub fn stat_result(s: &FileStatus, dev: u64) -> StatResult {
    StatResult {
        mode: type_bits(s.type_) | s.mode,
        ino: s.inode,
        dev,
        nlink: s.nlink,
        uid: 0,
        gid: 0,
        size: s.size,
        atime_ns: s.atime_ns,
        mtime_ns: s.mtime_ns,
        ctime_ns: s.ctime_ns,
    }
}

/// WASI's file type as ours: the one mapping.
pub fn file_type(t: DescriptorType) -> FileType {
    match t {
        DescriptorType::Unknown => FileType::Unknown,
        DescriptorType::BlockDevice => FileType::BlockDevice,
        DescriptorType::CharacterDevice => FileType::CharacterDevice,
        DescriptorType::Directory => FileType::Directory,
        DescriptorType::Fifo => FileType::Fifo,
        DescriptorType::SymbolicLink => FileType::SymbolicLink,
        DescriptorType::RegularFile => FileType::RegularFile,
        DescriptorType::Socket => FileType::Socket,
    }
}

/// The permission bits reported where WASI cannot tell them: 0o755 for
/// directories, 0o777 for symbolic links, 0o644 for everything else.
fn assumed_permissions(t: FileType) -> u32 {
    match t {
        FileType::Directory => 0o755,
        FileType::SymbolicLink => 0o777,
        _ => 0o644,
    }
}

fn nanos(t: Option<Datetime>) -> i64 {
    t.map_or(0, |d| {
        i64::try_from(d.seconds).unwrap_or(i64::MAX / 1_000_000_000) * 1_000_000_000 + i64::from(d.nanoseconds)
    })
}

/// A file's status from WASI's `stat` and `metadata-hash` (`inode`).
pub fn from_wasi(s: DescriptorStat, inode: u64) -> FileStatus {
    let type_ = file_type(s.type_);
    FileStatus {
        type_,
        mode: assumed_permissions(type_),
        nlink: s.link_count,
        size: s.size,
        atime_ns: nanos(s.data_access_timestamp),
        mtime_ns: nanos(s.data_modification_timestamp),
        ctime_ns: nanos(s.status_change_timestamp),
        inode,
    }
}

/// The status of what has no file behind it (a directory of the virtual
/// tree, a standard stream): no size, no times.
pub fn synthetic(type_: FileType, mode: u32, inode: u64, nlink: u64) -> FileStatus {
    FileStatus { type_, mode, nlink, size: 0, atime_ns: 0, mtime_ns: 0, ctime_ns: 0, inode }
}
