//! The values os calls return: `os.stat_result`, `os.DirEntry`, walk steps
//! and `os.statvfs_result`, as plain Rust types.

use crate::bindings::osbox::os::types as wit;
use crate::fspath::FsPath;

/// The type of a file, as `stat.S_IFMT(st_mode)` tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    /// Could not be determined.
    Unknown,
    /// `S_IFBLK`.
    BlockDevice,
    /// `S_IFCHR`.
    CharacterDevice,
    /// `S_IFDIR`.
    Directory,
    /// `S_IFIFO`.
    Fifo,
    /// `S_IFLNK`.
    Symlink,
    /// `S_IFREG`.
    File,
    /// `S_IFSOCK`.
    Socket,
}

impl From<wit::FileType> for FileType {
    fn from(t: wit::FileType) -> Self {
        match t {
            wit::FileType::Unknown => FileType::Unknown,
            wit::FileType::BlockDevice => FileType::BlockDevice,
            wit::FileType::CharacterDevice => FileType::CharacterDevice,
            wit::FileType::Directory => FileType::Directory,
            wit::FileType::Fifo => FileType::Fifo,
            wit::FileType::SymbolicLink => FileType::Symlink,
            wit::FileType::RegularFile => FileType::File,
            wit::FileType::Socket => FileType::Socket,
        }
    }
}

/// `os.stat_result`. WASI reports no permission bits, owners or inode
/// numbers: docs/deviations.md says what stands in their place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stat {
    /// `st_mode`.
    pub st_mode: u32,
    /// `st_ino`.
    pub st_ino: u64,
    /// `st_dev`.
    pub st_dev: u64,
    /// `st_nlink`.
    pub st_nlink: u64,
    /// `st_uid` (always 0).
    pub st_uid: u32,
    /// `st_gid` (always 0).
    pub st_gid: u32,
    /// `st_size`.
    pub st_size: u64,
    /// `st_atime_ns`.
    pub st_atime_ns: i64,
    /// `st_mtime_ns`.
    pub st_mtime_ns: i64,
    /// `st_ctime_ns`.
    pub st_ctime_ns: i64,
}

/// `sec + nsec * 1e-9`, the float CPython computes for `st_mtime`.
pub(crate) fn float_seconds(ns: i64) -> f64 {
    ns.div_euclid(1_000_000_000) as f64 + ns.rem_euclid(1_000_000_000) as f64 * 1e-9
}

impl Stat {
    /// `stat.S_IFMT(st_mode)` as a [`FileType`].
    pub fn file_type(&self) -> FileType {
        match self.st_mode & 0o170000 {
            0o040000 => FileType::Directory,
            0o100000 => FileType::File,
            0o120000 => FileType::Symlink,
            0o020000 => FileType::CharacterDevice,
            0o060000 => FileType::BlockDevice,
            0o010000 => FileType::Fifo,
            0o140000 => FileType::Socket,
            _ => FileType::Unknown,
        }
    }

    /// `st_mtime`, float seconds as CPython computes them.
    pub fn st_mtime(&self) -> f64 {
        float_seconds(self.st_mtime_ns)
    }

    /// `st_atime`.
    pub fn st_atime(&self) -> f64 {
        float_seconds(self.st_atime_ns)
    }

    /// `st_ctime`.
    pub fn st_ctime(&self) -> f64 {
        float_seconds(self.st_ctime_ns)
    }
}

impl From<wit::StatResult> for Stat {
    fn from(s: wit::StatResult) -> Self {
        Stat {
            st_mode: s.mode,
            st_ino: s.ino,
            st_dev: s.dev,
            st_nlink: s.nlink,
            st_uid: s.uid,
            st_gid: s.gid,
            st_size: s.size,
            st_atime_ns: s.atime_ns,
            st_mtime_ns: s.mtime_ns,
            st_ctime_ns: s.ctime_ns,
        }
    }
}

/// `os.DirEntry`, with the answers of its methods taken at scan time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// `entry.name`.
    pub name: FsPath,
    /// `entry.path`: the scandir argument joined with the name.
    pub path: FsPath,
    file_type: FileType,
    target_type: Option<FileType>,
    inode: Inode,
}

/// `entry.inode()`, or what it is computed from when asked: the entry's
/// own inode number on its device, as the host's listing gave them.
#[derive(Debug, Clone, Copy)]
enum Inode {
    Known(u64),
    Of { dev: u64, ino: u64 },
}

impl Inode {
    fn get(self) -> u64 {
        match self {
            Inode::Known(n) => n,
            Inode::Of { dev, ino } => crate::hostext::metadata_hash(dev, ino),
        }
    }
}

impl PartialEq for Inode {
    fn eq(&self, other: &Inode) -> bool {
        self.get() == other.get()
    }
}

impl Eq for Inode {}

impl DirEntry {
    /// `entry.is_dir(follow_symlinks=...)`.
    pub fn is_dir(&self, follow_symlinks: bool) -> bool {
        self.resolved(follow_symlinks) == Some(FileType::Directory)
    }

    /// `entry.is_file(follow_symlinks=...)`.
    pub fn is_file(&self, follow_symlinks: bool) -> bool {
        self.resolved(follow_symlinks) == Some(FileType::File)
    }

    /// `entry.is_symlink()`.
    pub fn is_symlink(&self) -> bool {
        self.file_type == FileType::Symlink
    }

    /// `entry.inode()`.
    pub fn inode(&self) -> u64 {
        self.inode.get()
    }

    /// `entry.stat(follow_symlinks=...)`, asked of the sandbox the entry
    /// came from (`os`); unlike CPython's, the answer is not cached.
    pub fn stat(&self, os: &mut crate::Os, follow_symlinks: bool) -> crate::Result<Stat> {
        os.stat_with(self.path.clone(), follow_symlinks)
    }

    /// The entry's own type (`d_type`).
    pub fn file_type(&self) -> FileType {
        self.file_type
    }

    fn resolved(&self, follow: bool) -> Option<FileType> {
        if follow && self.is_symlink() { self.target_type } else { Some(self.file_type) }
    }
}

impl From<wit::DirEntry> for DirEntry {
    fn from(e: wit::DirEntry) -> Self {
        DirEntry {
            name: e.name.into(),
            path: e.path.into(),
            file_type: e.type_.into(),
            target_type: e.target_type.map(FileType::from),
            inode: Inode::Known(e.inode),
        }
    }
}

impl DirEntry {
    /// An entry of a listing the host made (`osbox:os/direct`): its name
    /// in the flavour of `prefix`, and its path `prefix` followed by it;
    /// with `dev`, `e.inode` is its own inode number on that device.
    pub(crate) fn held(prefix: &FsPath, e: crate::bindings::osbox::os::host::ScanEntry, dev: Option<u64>) -> DirEntry {
        let (name, path) = match prefix {
            FsPath::Str(p) => {
                let mut path = String::with_capacity(p.len() + e.name.len());
                path.push_str(p);
                path.push_str(&e.name);
                (FsPath::Str(e.name), FsPath::Str(path))
            }
            FsPath::Bytes(p) => {
                let path = [p.as_slice(), e.name.as_bytes()].concat();
                (FsPath::Bytes(e.name.into_bytes()), FsPath::Bytes(path))
            }
        };
        DirEntry {
            name,
            path,
            file_type: e.type_.into(),
            target_type: e.target_type.map(FileType::from),
            inode: match dev {
                Some(dev) => Inode::Of { dev, ino: e.inode },
                None => Inode::Known(e.inode),
            },
        }
    }
}

/// One `(dirpath, dirnames, filenames)` step of `os.walk`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkStep {
    /// `dirpath`.
    pub dirpath: FsPath,
    /// `dirnames`: subdirectories, symbolic links to directories included.
    pub dirnames: Vec<FsPath>,
    /// `filenames`: everything else.
    pub filenames: Vec<FsPath>,
}

impl WalkStep {
    /// A step whose names the host kept (`osbox:os/direct`): each taken
    /// from its listing, in the flavour of `dirpath`.
    pub(crate) fn held(
        step: crate::bindings::exports::osbox::os::direct::HeldStep,
        listings: &mut [crate::hostext::Kept],
    ) -> WalkStep {
        let dirpath = FsPath::from(step.dirpath);
        let bytes = dirpath.is_bytes();
        let mut names = |positions: Vec<u32>| -> Vec<FsPath> {
            let listing = usize::try_from(step.listing).ok().and_then(|l| listings.get_mut(l)).map(|k| &mut k.entries);
            let Some(listing) = listing else { return Vec::new() };
            let mut out = Vec::with_capacity(positions.len());
            for i in positions {
                if let Some(e) = usize::try_from(i).ok().and_then(|i| listing.get_mut(i)) {
                    let name = std::mem::take(&mut e.name);
                    out.push(FsPath::named(bytes, name));
                }
            }
            out
        };
        let dirnames = names(step.dirnames);
        let filenames = names(step.filenames);
        WalkStep { dirpath, dirnames, filenames }
    }
}

impl From<wit::WalkStep> for WalkStep {
    fn from(s: wit::WalkStep) -> Self {
        WalkStep {
            dirpath: s.dirpath.into(),
            dirnames: s.dirnames.into_iter().map(FsPath::from).collect(),
            filenames: s.filenames.into_iter().map(FsPath::from).collect(),
        }
    }
}

/// One step of `os.fwalk`: `(dirpath, dirnames, filenames, dirfd)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FwalkStep {
    /// `dirpath`.
    pub dirpath: FsPath,
    /// `dirnames`: subdirectories, symbolic links to directories included.
    pub dirnames: Vec<FsPath>,
    /// `filenames`: everything else.
    pub filenames: Vec<FsPath>,
    /// `dirfd`: the directory, open until the walk's next step.
    pub dirfd: i32,
}

impl From<wit::FwalkStep> for FwalkStep {
    fn from(s: wit::FwalkStep) -> Self {
        FwalkStep {
            dirpath: s.dirpath.into(),
            dirnames: s.dirnames.into_iter().map(FsPath::from).collect(),
            filenames: s.filenames.into_iter().map(FsPath::from).collect(),
            dirfd: s.dirfd,
        }
    }
}

/// `os.statvfs_result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statvfs {
    /// `f_bsize`.
    pub f_bsize: u64,
    /// `f_frsize`.
    pub f_frsize: u64,
    /// `f_blocks`.
    pub f_blocks: u64,
    /// `f_bfree`.
    pub f_bfree: u64,
    /// `f_bavail`.
    pub f_bavail: u64,
    /// `f_files`.
    pub f_files: u64,
    /// `f_ffree`.
    pub f_ffree: u64,
    /// `f_favail`.
    pub f_favail: u64,
    /// `f_flag`.
    pub f_flag: u64,
    /// `f_namemax`.
    pub f_namemax: u64,
}

impl From<wit::StatvfsResult> for Statvfs {
    fn from(s: wit::StatvfsResult) -> Self {
        Statvfs {
            f_bsize: s.bsize,
            f_frsize: s.frsize,
            f_blocks: s.blocks,
            f_bfree: s.bfree,
            f_bavail: s.bavail,
            f_files: s.files,
            f_ffree: s.ffree,
            f_favail: s.favail,
            f_flag: s.flag,
            f_namemax: s.namemax,
        }
    }
}
