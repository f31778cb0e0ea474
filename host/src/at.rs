//! The `dir_fd` forms of the os calls (`os.stat(name, dir_fd=fd)`, ...) and
//! the calls on a descriptor that `os.supports_fd` lists (`os.fchdir`,
//! `os.listdir(fd)`, ...), on [`Os`].
//!
//! A `dir_fd` is a descriptor from [`Os::open`] (or a [`FwalkStep`]'s
//! `dirfd`) open on a directory; `None` is the current directory, as
//! `dir_fd=None` is in Python. A relative path is taken from that
//! directory, an absolute one ignores it.
//!
//! ```no_run
//! # let mut os = osbox::Runtime::new()?.sandbox().dir("/tmp/t", "/work").build()?.os()?;
//! os.makedirs("/work/a/b", true)?;
//! let dir = os.open("/work/a", 0, 0)?;                // O_RDONLY
//! os.mkdir_at(Some(dir), "c", 0o777)?;
//! assert_eq!(os.stat_at(Some(dir), "b", true)?.file_type(), osbox::FileType::Directory);
//! os.close(dir)?;
//! # Ok::<(), osbox::Error>(())
//! ```

use crate::Error;
use crate::bindings::osbox::os::types::{FwalkItem as WitItem, PathOrFd};
use crate::error::Result;
use crate::fspath::FsPath;
use crate::os::{Os, p};
use crate::types::{DirEntry, FwalkStep, Stat, Statvfs};

impl Os {
    /// `os.stat(path, dir_fd=dir_fd, follow_symlinks=...)`.
    pub fn stat_at(&mut self, dir_fd: Option<i32>, path: impl Into<FsPath>, follow_symlinks: bool) -> Result<Stat> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_stat(s, &path, dir_fd, follow_symlinks)).map(Stat::from)
    }

    /// `os.mkdir(path, mode, dir_fd=dir_fd)`.
    pub fn mkdir_at(&mut self, dir_fd: Option<i32>, path: impl Into<FsPath>, mode: u32) -> Result<()> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_mkdir(s, &path, mode, dir_fd))
    }

    /// `os.rmdir(path, dir_fd=dir_fd)`.
    pub fn rmdir_at(&mut self, dir_fd: Option<i32>, path: impl Into<FsPath>) -> Result<()> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_rmdir(s, &path, dir_fd))
    }

    /// `os.remove(path, dir_fd=dir_fd)`, and `os.unlink`.
    pub fn remove_at(&mut self, dir_fd: Option<i32>, path: impl Into<FsPath>) -> Result<()> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_remove(s, &path, dir_fd))
    }

    /// `os.rename(src, dst, src_dir_fd=..., dst_dir_fd=...)`, and `os.replace`.
    pub fn rename_at(
        &mut self,
        src_dir_fd: Option<i32>,
        src: impl Into<FsPath>,
        dst_dir_fd: Option<i32>,
        dst: impl Into<FsPath>,
    ) -> Result<()> {
        let (src, dst) = (p(src), p(dst));
        self.call(|g, s| g.fs(s)?.call_rename(s, &src, &dst, src_dir_fd, dst_dir_fd))
    }

    /// `os.symlink(src, dst, dir_fd=dir_fd)`: `dst` is taken from `dir_fd`.
    pub fn symlink_at(&mut self, src: impl Into<FsPath>, dir_fd: Option<i32>, dst: impl Into<FsPath>) -> Result<()> {
        let (src, dst) = (p(src), p(dst));
        self.call(|g, s| g.fs(s)?.call_symlink(s, &src, &dst, dir_fd))
    }

    /// `os.readlink(path, dir_fd=dir_fd)`.
    pub fn readlink_at(&mut self, dir_fd: Option<i32>, path: impl Into<FsPath>) -> Result<FsPath> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_readlink(s, &path, dir_fd)).map(FsPath::from)
    }

    /// `os.link(src, dst, src_dir_fd=..., dst_dir_fd=..., follow_symlinks=...)`:
    /// with a `dir_fd`, Linux's `linkat`, which follows a symbolic `src`
    /// when `follow_symlinks` is true; without one, as CPython calls `link`,
    /// the link itself is linked.
    pub fn link_at(
        &mut self,
        src_dir_fd: Option<i32>,
        src: impl Into<FsPath>,
        dst_dir_fd: Option<i32>,
        dst: impl Into<FsPath>,
        follow_symlinks: bool,
    ) -> Result<()> {
        let (src, dst) = (p(src), p(dst));
        self.call(|g, s| g.fs(s)?.call_link(s, &src, &dst, src_dir_fd, dst_dir_fd, follow_symlinks))
    }

    /// `os.utime(path, ns=..., dir_fd=dir_fd, follow_symlinks=...)`; `None`
    /// sets both times to now.
    pub fn utime_at(
        &mut self,
        dir_fd: Option<i32>,
        path: impl Into<FsPath>,
        ns: Option<(i64, i64)>,
        follow_symlinks: bool,
    ) -> Result<()> {
        let path = PathOrFd::Path(p(path));
        self.call(|g, s| g.fs(s)?.call_utime(s, &path, ns, dir_fd, follow_symlinks))
    }

    /// `os.access(path, mode, dir_fd=dir_fd, follow_symlinks=...)`.
    pub fn access_at(
        &mut self,
        dir_fd: Option<i32>,
        path: impl Into<FsPath>,
        mode: i32,
        follow_symlinks: bool,
    ) -> Result<bool> {
        let path = p(path);
        self.invoke(|g, s| g.fs(s)?.call_access(s, &path, mode, dir_fd, follow_symlinks))
    }

    /// `os.chmod(path, mode, dir_fd=dir_fd, follow_symlinks=...)`.
    pub fn chmod_at(
        &mut self,
        dir_fd: Option<i32>,
        path: impl Into<FsPath>,
        mode: u32,
        follow_symlinks: bool,
    ) -> Result<()> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_chmod(s, &path, mode, dir_fd, follow_symlinks))
    }

    /// `os.open(path, flags, mode, dir_fd=dir_fd)`.
    pub fn open_at(&mut self, dir_fd: Option<i32>, path: impl Into<FsPath>, flags: i32, mode: u32) -> Result<i32> {
        let path = p(path);
        self.call(|g, s| g.file(s)?.call_open(s, &path, flags, mode, dir_fd))
    }

    /// `os.fchdir(fd)`: the directory open as `fd` becomes the current one.
    pub fn fchdir(&mut self, fd: i32) -> Result<()> {
        self.call(|g, s| g.fs(s)?.call_fchdir(s, fd))
    }

    /// `os.fchmod(fd, mode)`, done by the osbox host.
    pub fn fchmod(&mut self, fd: i32, mode: u32) -> Result<()> {
        self.call(|g, s| g.fs(s)?.call_fchmod(s, fd, mode))
    }

    /// `os.fstatvfs(fd)`, done by the osbox host.
    pub fn fstatvfs(&mut self, fd: i32) -> Result<Statvfs> {
        self.call(|g, s| g.fs(s)?.call_fstatvfs(s, fd)).map(Statvfs::from)
    }

    /// `os.listdir(fd)`: the names in the directory open as `fd`, as `str`.
    pub fn listdir_fd(&mut self, fd: i32) -> Result<Vec<FsPath>> {
        let names = self.call(|g, s| g.fs(s)?.call_listdir(s, Some(&PathOrFd::Fd(fd))))?;
        Ok(names.into_iter().map(FsPath::from).collect())
    }

    /// `os.scandir(fd)`, all entries at once; each entry's `path` is its name.
    pub fn scandir_fd(&mut self, fd: i32) -> Result<Vec<DirEntry>> {
        let entries = self.call(|g, s| g.fs(s)?.call_scandir(s, Some(&PathOrFd::Fd(fd))))?;
        Ok(entries.into_iter().map(DirEntry::from).collect())
    }

    /// `os.utime(fd, ns=...)`; `None` sets both times to now.
    pub fn utime_fd(&mut self, fd: i32, ns: Option<(i64, i64)>) -> Result<()> {
        self.call(|g, s| g.fs(s)?.call_utime(s, &PathOrFd::Fd(fd), ns, None, true))
    }

    /// `os.fwalk(top, topdown, follow_symlinks=..., dir_fd=...)`: a walk to
    /// step through with [`Fwalk::next`], each step's `dirfd` usable as a
    /// `dir_fd` until the next step.
    ///
    /// ```no_run
    /// # let mut os = osbox::Runtime::new()?.sandbox().dir("/tmp/t", "/work").build()?.os()?;
    /// use osbox::{FwalkItem, FwalkOptions};
    /// let walk = os.fwalk("/work", FwalkOptions::default())?;
    /// while let Some(item) = walk.next(&mut os)? {
    ///     if let FwalkItem::Step(step) = item {
    ///         for name in &step.filenames {
    ///             let size = os.stat_at(Some(step.dirfd), name.clone(), false)?.st_size;
    ///             println!("{}/{name}: {size}", step.dirpath);
    ///         }
    ///     }
    /// }
    /// # Ok::<(), osbox::Error>(())
    /// ```
    pub fn fwalk(&mut self, top: impl Into<FsPath>, options: FwalkOptions) -> Result<Fwalk> {
        let top = p(top);
        let handle = self.invoke(|g, s| {
            g.fs(s)?.fwalk().call_constructor(s, &top, options.topdown, options.follow_symlinks, options.dir_fd)
        })?;
        Ok(Fwalk { handle })
    }
}

/// Options of [`Os::fwalk`], as `os.fwalk`'s keyword arguments.
#[derive(Debug, Clone, Copy)]
pub struct FwalkOptions {
    /// `topdown` (default true): each directory before its subdirectories.
    pub topdown: bool,
    /// `follow_symlinks` (default false): descend into links to directories.
    pub follow_symlinks: bool,
    /// `dir_fd`: where a relative `top` is taken from.
    pub dir_fd: Option<i32>,
}

impl Default for FwalkOptions {
    fn default() -> Self {
        FwalkOptions { topdown: true, follow_symlinks: false, dir_fd: None }
    }
}

/// What [`Fwalk::next`] gives: a step, or an error that CPython hands to
/// `onerror` (the walk goes on after it).
#[derive(Debug)]
pub enum FwalkItem {
    /// A `(dirpath, dirnames, filenames, dirfd)` step.
    Step(FwalkStep),
    /// The error `onerror` would receive.
    Error(Error),
}

/// A walk under way ([`Os::fwalk`]), as CPython's `os.fwalk` generator:
/// the descriptors it opens stay open until the walk moves past them, and
/// [`Fwalk::close`] (or the end of the walk) closes them.
#[derive(Debug)]
pub struct Fwalk {
    handle: wasmtime::component::ResourceAny,
}

impl Fwalk {
    /// The next item, `None` at the end. An error about `top` itself, or a
    /// directory that cannot be listed, is raised, as CPython raises it.
    pub fn next(&self, os: &mut Os) -> Result<Option<FwalkItem>> {
        let item = os.call(|g, s| g.fs(s)?.fwalk().call_next(s, self.handle))?;
        Ok(item.map(|i| match i {
            WitItem::Step(step) => FwalkItem::Step(step.into()),
            WitItem::Error(e) => FwalkItem::Error(e.into()),
        }))
    }

    /// Ends the walk, closing the descriptors it holds.
    pub fn close(self, os: &mut Os) -> Result<()> {
        os.invoke(|_, s| self.handle.resource_drop(s))
    }
}
