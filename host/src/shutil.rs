//! `shutil` on [`Os`]: copying, moving and removing files and trees.

use crate::bindings::exports::osbox::os::shutil::CopyFunction as WitCopy;
use crate::error::{Error, Result};
use crate::fspath::FsPath;
use crate::os::p;

/// The `copy_function` of [`Shutil::copytree`] and [`Shutil::move_path`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CopyFunction {
    /// `shutil.copy`: contents and permission bits.
    Copy,
    /// `shutil.copy2` (the default): contents, permission bits and times.
    #[default]
    Copy2,
}

impl From<CopyFunction> for WitCopy {
    fn from(f: CopyFunction) -> Self {
        match f {
            CopyFunction::Copy => WitCopy::Copy,
            CopyFunction::Copy2 => WitCopy::Copy2,
        }
    }
}

/// Options of [`Shutil::copytree`], as `shutil.copytree`'s keyword arguments.
#[derive(Debug, Clone, Default)]
pub struct CopytreeOptions {
    /// `symlinks`: recreate links instead of copying what they point to.
    pub symlinks: bool,
    /// `ignore=shutil.ignore_patterns(*patterns)`.
    pub ignore_patterns: Option<Vec<String>>,
    /// `copy_function`.
    pub copy_function: CopyFunction,
    /// `ignore_dangling_symlinks`.
    pub ignore_dangling_symlinks: bool,
    /// `dirs_exist_ok`.
    pub dirs_exist_ok: bool,
}

crate::os::module_view! {
    /// `shutil`: [`Os::shutil`](crate::Os::shutil) borrows the sandbox for
    /// these.
    Shutil, shutil, "shutil"
}

impl Shutil<'_> {
    /// `shutil.copyfile(src, dst, follow_symlinks=...)`. Onto an existing
    /// file the copy is written beside it and renamed into place, so a
    /// failure leaves the old content.
    pub fn copyfile(
        &mut self,
        src: impl Into<FsPath>,
        dst: impl Into<FsPath>,
        follow_symlinks: bool,
    ) -> Result<FsPath> {
        let (src, dst) = (p(src), p(dst));
        self.os.call(|g, s| g.shutil(s)?.call_copyfile(s, &src, &dst, follow_symlinks)).map(FsPath::from)
    }

    /// `shutil.copymode(src, dst, follow_symlinks=...)`.
    pub fn copymode(&mut self, src: impl Into<FsPath>, dst: impl Into<FsPath>, follow_symlinks: bool) -> Result<()> {
        let (src, dst) = (p(src), p(dst));
        self.os.call(|g, s| g.shutil(s)?.call_copymode(s, &src, &dst, follow_symlinks))
    }

    /// `shutil.copystat(src, dst, follow_symlinks=...)`.
    pub fn copystat(&mut self, src: impl Into<FsPath>, dst: impl Into<FsPath>, follow_symlinks: bool) -> Result<()> {
        let (src, dst) = (p(src), p(dst));
        self.os.call(|g, s| g.shutil(s)?.call_copystat(s, &src, &dst, follow_symlinks))
    }

    /// `shutil.copy(src, dst, follow_symlinks=...)`: the path written.
    pub fn copy(&mut self, src: impl Into<FsPath>, dst: impl Into<FsPath>, follow_symlinks: bool) -> Result<FsPath> {
        let (src, dst) = (p(src), p(dst));
        self.os.call(|g, s| g.shutil(s)?.call_copy(s, &src, &dst, follow_symlinks)).map(FsPath::from)
    }

    /// `shutil.copy2(src, dst, follow_symlinks=...)`: the path written.
    pub fn copy2(&mut self, src: impl Into<FsPath>, dst: impl Into<FsPath>, follow_symlinks: bool) -> Result<FsPath> {
        let (src, dst) = (p(src), p(dst));
        self.os.call(|g, s| g.shutil(s)?.call_copy2(s, &src, &dst, follow_symlinks)).map(FsPath::from)
    }

    /// `shutil.copytree(src, dst, ...)`: every failure is collected into one
    /// `shutil.Error` ([`crate::ErrorKind::ShutilError`]).
    pub fn copytree(&mut self, src: impl Into<FsPath>, dst: impl Into<FsPath>, o: &CopytreeOptions) -> Result<FsPath> {
        self.copytree_with(src, dst, o, o.copy_function.into())
    }

    /// [`Shutil::copytree`] with the WIT's `copy_function`, which the protocol
    /// may give as something that is not a function.
    pub(crate) fn copytree_with(
        &mut self,
        src: impl Into<FsPath>,
        dst: impl Into<FsPath>,
        o: &CopytreeOptions,
        copy_function: WitCopy,
    ) -> Result<FsPath> {
        let (src, dst) = (p(src), p(dst));
        self.os
            .call(|g, s| {
                g.shutil(s)?.call_copytree(
                    s,
                    &src,
                    &dst,
                    o.symlinks,
                    o.ignore_patterns.as_deref(),
                    copy_function,
                    o.ignore_dangling_symlinks,
                    o.dirs_exist_ok,
                )
            })
            .map(FsPath::from)
    }

    /// `shutil.rmtree(path, ignore_errors=...)`: refuses a symbolic link at
    /// the top and never follows one inside.
    pub fn rmtree(&mut self, path: impl Into<FsPath>, ignore_errors: bool) -> Result<()> {
        let path = p(path);
        self.os.call(|g, s| g.shutil(s)?.call_rmtree(s, &path, ignore_errors)).map(drop)
    }

    /// `shutil.rmtree(path, onexc=...)`: removes what it can, calling
    /// `onexc` with each error in the order CPython would, and goes on.
    pub fn rmtree_onexc(&mut self, path: impl Into<FsPath>, mut onexc: impl FnMut(Error)) -> Result<()> {
        let path = p(path);
        let skipped = self.os.call(|g, s| g.shutil(s)?.call_rmtree(s, &path, true))?;
        skipped.into_iter().for_each(|e| onexc(e.into()));
        Ok(())
    }

    /// `shutil.copyfileobj(fsrc, fdst, length)` on two open descriptors
    /// (`length` 0: 64 KiB at a time).
    pub fn copyfileobj(&mut self, fsrc: i32, fdst: i32, length: i64) -> Result<()> {
        self.os.call(|g, s| g.shutil(s)?.call_copyfileobj(s, fsrc, fdst, length))
    }

    /// `shutil.move(src, dst, copy_function=...)`: the final path, or `None`
    /// as CPython 3.11 answers when `dst` is a directory that is `src`. When
    /// a rename is not possible, the source is removed only after its copy
    /// is complete and synced.
    pub fn move_path(
        &mut self,
        src: impl Into<FsPath>,
        dst: impl Into<FsPath>,
        copy_function: CopyFunction,
    ) -> Result<Option<FsPath>> {
        self.move_with(src, dst, copy_function.into())
    }

    /// [`Shutil::move_`] with the WIT's `copy_function` (see [`Shutil::copytree_with`]).
    pub(crate) fn move_with(
        &mut self,
        src: impl Into<FsPath>,
        dst: impl Into<FsPath>,
        copy_function: WitCopy,
    ) -> Result<Option<FsPath>> {
        let (src, dst) = (p(src), p(dst));
        self.os.call(|g, s| g.shutil(s)?.call_move_path(s, &src, &dst, copy_function)).map(|r| r.map(FsPath::from))
    }

    /// `shutil.which(cmd, mode, path)`.
    pub fn which(&mut self, cmd: impl Into<FsPath>, mode: i32, path: Option<FsPath>) -> Result<Option<FsPath>> {
        let cmd = p(cmd);
        let path = path.map(p);
        self.os.invoke(|g, s| g.shutil(s)?.call_which(s, &cmd, mode, path.as_ref())).map(|r| r.map(FsPath::from))
    }

    /// `shutil.disk_usage(path)`: `(total, used, free)` in bytes, done by
    /// the osbox host.
    pub fn disk_usage(&mut self, path: impl Into<FsPath>) -> Result<(u64, u64, u64)> {
        let path = p(path);
        self.os.call(|g, s| g.shutil(s)?.call_disk_usage(s, &path))
    }

    /// `shutil.get_terminal_size(fallback)`: `COLUMNS` and `LINES`, else
    /// the fallback (the sandbox has no terminal to ask).
    pub fn get_terminal_size(&mut self, fallback: (i64, i64)) -> Result<(i64, i64)> {
        self.os.invoke(|g, s| g.shutil(s)?.call_get_terminal_size(s, fallback))
    }
}
