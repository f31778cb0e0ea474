//! `Os`: one running sandbox, with a method for each Python function.
//! Each method names its Python counterpart; deviations are in
//! docs/deviations.md.

use wasmtime::Store;

use crate::bindings;
use crate::bindings::exports::osbox::os::direct::{ListdirResult, ReadResult, ScandirResult, WalkResult};
use crate::bindings::osbox::os::types::{Fspath, OsError, PathOrFd};
use crate::error::{Error, ErrorKind, Result};
use crate::fspath::FsPath;
use crate::hostext::SandboxState as State;
use crate::store::After;
use crate::types::{DirEntry, Stat, Statvfs, WalkStep};

/// A running sandbox: the current directory, environment and descriptors
/// carry from call to call, as in one Python process.
///
/// ```no_run
/// # let sandbox = osbox::Runtime::new()?.sandbox().dir("/tmp/t", "/work").build()?;
/// let mut os = sandbox.os()?;
/// os.makedirs("a/b", false)?;
/// assert_eq!(os.listdir("a")?, ["b"]);
/// let err = os.rmdir("a").unwrap_err();
/// assert_eq!(err.to_string(), "[Errno 39] Directory not empty: 'a'");
/// # Ok::<(), osbox::Error>(())
/// ```
///
/// If the guest traps, the instance is gone: every later call fails with
/// [`ErrorKind::Sandbox`], and a new one comes from [`crate::Sandbox::os`].
pub struct Os {
    /// Keeps the runtime, and with it the epoch ticker, alive.
    _runtime: crate::Runtime,
    store: Store<State>,
    guest: bindings::Exports,
    /// Why the instance ended, once a call trapped.
    dead: Option<(ErrorKind, String)>,
    /// The exec protocol's handles of this instance's objects.
    pub(crate) objects: crate::exec::Objects,
}

/// Options of [`Os::walk`], as `os.walk`'s keyword arguments.
#[derive(Debug, Clone, Copy)]
pub struct WalkOptions {
    /// `topdown` (default true): each directory before its subdirectories.
    pub topdown: bool,
    /// `followlinks` (default false): descend into symbolic links to directories.
    pub followlinks: bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions { topdown: true, followlinks: false }
    }
}

pub(crate) fn p(path: impl Into<FsPath>) -> Fspath {
    path.into().into()
}

impl Os {
    pub(crate) fn new(runtime: crate::Runtime, store: Store<State>, guest: bindings::Exports) -> Self {
        Os { _runtime: runtime, store, guest, dead: None, objects: Default::default() }
    }

    /// Why the instance ended, if a call trapped.
    pub fn died(&self) -> Option<Error> {
        self.dead.as_ref().map(|(kind, why)| Error::new(*kind, why.clone()))
    }

    /// Runs a guest call; a trap ends the instance.
    pub(crate) fn invoke<T>(
        &mut self,
        f: impl FnOnce(&bindings::Exports, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T> {
        if let Some((_, why)) = &self.dead {
            return Err(Error::new(ErrorKind::Sandbox, format!("the sandbox is no longer running: {why}")));
        }
        let _running =
            crate::limits::Running::enter().map_err(|e| Error::new(ErrorKind::Interrupted, e.to_string()))?;
        let result = f(&self.guest, &mut self.store).map_err(|e| {
            let (err, after) = crate::store::failure(&self.store, e);
            if after == After::Dead {
                self.dead = Some((err.kind(), err.message().to_string()));
                // What the instance started ends with it.
                self.store.data().ext.children.end();
            }
            err
        });
        // A refused growth the guest answered itself (MemoryError) is over.
        self.store.data_mut().forget_refusals();
        result
    }

    /// Runs a guest call that may raise.
    pub(crate) fn call<T>(
        &mut self,
        f: impl FnOnce(&bindings::Exports, &mut Store<State>) -> wasmtime::Result<std::result::Result<T, OsError>>,
    ) -> Result<T> {
        self.invoke(f)?.map_err(Error::from)
    }

    // --- os: the current directory and listing -------------------------

    /// `os.getcwd()`.
    pub fn getcwd(&mut self) -> Result<String> {
        let cwd = FsPath::from(self.call(|g, s| g.fs(s)?.call_getcwd(s, false))?);
        Ok(cwd.to_string())
    }

    /// `os.getcwdb()`.
    pub fn getcwdb(&mut self) -> Result<Vec<u8>> {
        let cwd = FsPath::from(self.call(|g, s| g.fs(s)?.call_getcwd(s, true))?);
        Ok(cwd.as_bytes().to_vec())
    }

    /// `os.chdir(path)`.
    pub fn chdir(&mut self, path: impl Into<FsPath>) -> Result<()> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_chdir(s, &path))
    }

    /// `os.listdir(path)`: names in arbitrary order, in the flavour of `path`.
    pub fn listdir(&mut self, path: impl Into<FsPath>) -> Result<Vec<FsPath>> {
        let path = Some(p(path));
        // Through `osbox:os/direct`: the names of a grant's directory come
        // straight from the host's listing.
        let got = self.call(|g, s| g.direct(s)?.call_listdir(s, path.as_ref()));
        let held = self.take_listings().into_iter().next().map(|kept| kept.entries).unwrap_or_default();
        Ok(match got? {
            ListdirResult::Held(bytes) => held.into_iter().map(|e| FsPath::named(bytes, e.name)).collect(),
            ListdirResult::Here(names) => names.into_iter().map(FsPath::from).collect(),
        })
    }

    /// The listings the last `direct` call kept in the host.
    fn take_listings(&mut self) -> Vec<crate::hostext::Kept> {
        self.store.data_mut().held.take_listings()
    }

    /// `os.scandir(path)`, all entries at once.
    pub fn scandir(&mut self, path: impl Into<FsPath>) -> Result<Vec<DirEntry>> {
        let path = Some(p(path));
        let got = self.call(|g, s| g.direct(s)?.call_scandir(s, path.as_ref()));
        let held = self.take_listings().into_iter().next();
        Ok(match got? {
            ScandirResult::Held(prefix) => {
                let prefix = FsPath::from(prefix);
                let Some(kept) = held else { return Ok(Vec::new()) };
                kept.entries.into_iter().map(|e| DirEntry::held(&prefix, e, kept.dev)).collect()
            }
            ScandirResult::Here(entries) => entries.into_iter().map(DirEntry::from).collect(),
        })
    }

    /// `os.walk(top, topdown, onerror=None, followlinks)`: the steps in
    /// CPython's order; errors are skipped, as with `onerror=None`. A tree
    /// deeper than CPython's recursion limit raises `RecursionError`.
    pub fn walk(&mut self, top: impl Into<FsPath>, options: WalkOptions) -> Result<Vec<WalkStep>> {
        self.walk_onerror(top, options, |_| {})
    }

    /// `os.walk` with an `onerror` callback, called with each error at the
    /// point of the walk where CPython would call it.
    pub fn walk_onerror(
        &mut self,
        top: impl Into<FsPath>,
        options: WalkOptions,
        mut onerror: impl FnMut(Error),
    ) -> Result<Vec<WalkStep>> {
        let mut steps = Vec::new();
        for item in self.walk_items(top, options)? {
            match item {
                Ok(step) => steps.push(step),
                // Not an OSError: CPython's walk raises it, past onerror.
                Err(e) if matches!(e.kind(), ErrorKind::Recursion | ErrorKind::Memory) => return Err(e),
                Err(e) => onerror(e),
            }
        }
        Ok(steps)
    }

    /// `os.walk` as one sequence, in CPython's order: each step, and each
    /// error where the walk met it (what `onerror` is called with, and a
    /// `RecursionError` where CPython would raise one). For callers that
    /// replay a walk lazily, as the Python package does.
    pub fn walk_items(&mut self, top: impl Into<FsPath>, options: WalkOptions) -> Result<Vec<Result<WalkStep>>> {
        let top = p(top);
        // Through `osbox:os/direct`: the names of a grant's directories come
        // straight from the host's listings.
        let items = self.invoke(|g, s| g.direct(s)?.call_walk(s, &top, options.topdown, options.followlinks));
        let mut listings = self.take_listings();
        let mut items: Vec<Result<WalkStep>> = items?
            .into_iter()
            .map(|item| match item {
                WalkResult::Held(step) => Ok(WalkStep::held(step, &mut listings)),
                WalkResult::Here(step) => Ok(step.into()),
                WalkResult::Error(e) => Err(e.into()),
            })
            .collect();
        // The memory cap ends a walk (its last item): the walk raises it.
        if items.last().is_some_and(|i| i.as_ref().is_err_and(|e| e.kind() == ErrorKind::Memory))
            && let Some(Err(e)) = items.pop()
        {
            return Err(e);
        }
        Ok(items)
    }

    // --- os: metadata ----------------------------------------------------

    /// `os.stat(path)`, following symbolic links.
    pub fn stat(&mut self, path: impl Into<FsPath>) -> Result<Stat> {
        self.stat_with(path, true)
    }

    /// `os.lstat(path)`.
    pub fn lstat(&mut self, path: impl Into<FsPath>) -> Result<Stat> {
        self.stat_with(path, false)
    }

    /// `os.stat(path, follow_symlinks=...)`.
    pub fn stat_with(&mut self, path: impl Into<FsPath>, follow_symlinks: bool) -> Result<Stat> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_stat(s, &path, None, follow_symlinks)).map(Stat::from)
    }

    /// `os.chmod(path, mode, follow_symlinks)`, done by the osbox host
    /// (WASI has no permissions). `EROFS` under a read-only grant.
    pub fn chmod(&mut self, path: impl Into<FsPath>, mode: u32, follow_symlinks: bool) -> Result<()> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_chmod(s, &path, mode, None, follow_symlinks))
    }

    /// `os.statvfs(path)`, done by the osbox host.
    pub fn statvfs(&mut self, path: impl Into<FsPath>) -> Result<Statvfs> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_statvfs(s, &path)).map(Statvfs::from)
    }

    /// `os.symlink(src, dst)`: `dst` pointing at the text `src`. WASI refuses
    /// absolute targets (`PermissionError` EPERM).
    pub fn symlink(&mut self, src: impl Into<FsPath>, dst: impl Into<FsPath>) -> Result<()> {
        let (src, dst) = (p(src), p(dst));
        self.call(|g, s| g.fs(s)?.call_symlink(s, &src, &dst, None))
    }

    /// `os.readlink(path)`.
    pub fn readlink(&mut self, path: impl Into<FsPath>) -> Result<FsPath> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_readlink(s, &path, None)).map(FsPath::from)
    }

    /// `os.link(src, dst, follow_symlinks=...)`: a hard link. Without a
    /// `dir_fd` CPython calls `link`, which links a symbolic `src` itself
    /// whatever `follow_symlinks` says ([`Os::link_at`] takes the `dir_fd`s).
    pub fn link(&mut self, src: impl Into<FsPath>, dst: impl Into<FsPath>, follow_symlinks: bool) -> Result<()> {
        let (src, dst) = (p(src), p(dst));
        self.call(|g, s| g.fs(s)?.call_link(s, &src, &dst, None, None, follow_symlinks))
    }

    /// `os.truncate(path, length)`.
    pub fn truncate(&mut self, path: impl Into<FsPath>, length: i64) -> Result<()> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_truncate(s, &path, length))
    }

    /// `os.utime(path, ns=(atime_ns, mtime_ns), follow_symlinks=...)`; `None`
    /// sets both to now.
    pub fn utime(&mut self, path: impl Into<FsPath>, ns: Option<(i64, i64)>, follow_symlinks: bool) -> Result<()> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_utime(s, &PathOrFd::Path(path.clone()), ns, None, follow_symlinks))
    }

    /// `os.access(path, mode)` with `os.F_OK` 0, `R_OK` 4, `W_OK` 2, `X_OK` 1.
    pub fn access(&mut self, path: impl Into<FsPath>, mode: i32, follow_symlinks: bool) -> Result<bool> {
        let path = p(path);
        self.invoke(|g, s| g.fs(s)?.call_access(s, &path, mode, None, follow_symlinks))
    }

    // --- os: file descriptors ----------------------------------------------

    /// `os.open(path, flags, mode)`: the lowest free descriptor. `flags` are
    /// Linux's `os.O_*` values.
    pub fn open(&mut self, path: impl Into<FsPath>, flags: i32, mode: u32) -> Result<i32> {
        let path = p(path);
        self.call(|g, s| g.file(s)?.call_open(s, &path, flags, mode, None))
    }

    /// `os.read(fd, n)`.
    pub fn read(&mut self, fd: i32, n: i64) -> Result<Vec<u8>> {
        self.direct_read(|g, s| g.direct(s)?.call_read(s, fd, n))
    }

    /// `os.write(fd, data)`: the number of bytes written.
    pub fn write(&mut self, fd: i32, data: &[u8]) -> Result<u64> {
        self.call(|g, s| g.file(s)?.call_write(s, fd, data))
    }

    /// `os.pread(fd, n, offset)`.
    pub fn pread(&mut self, fd: i32, n: i64, offset: i64) -> Result<Vec<u8>> {
        self.direct_read(|g, s| g.direct(s)?.call_pread(s, fd, n, offset))
    }

    /// A read through `osbox:os/direct`: the bytes a file gave stay in the
    /// host, taken here, so that they are copied once.
    fn direct_read(
        &mut self,
        f: impl FnOnce(&bindings::Exports, &mut Store<State>) -> wasmtime::Result<std::result::Result<ReadResult, OsError>>,
    ) -> Result<Vec<u8>> {
        let got = self.call(f);
        let held = std::mem::take(&mut self.store.data_mut().held.bytes);
        match got? {
            ReadResult::Held(n) => {
                debug_assert_eq!(n, held.len() as u64);
                Ok(held)
            }
            ReadResult::Here(data) => Ok(data),
        }
    }

    /// `os.pwrite(fd, data, offset)`.
    pub fn pwrite(&mut self, fd: i32, data: &[u8], offset: i64) -> Result<u64> {
        self.call(|g, s| g.file(s)?.call_pwrite(s, fd, data, offset))
    }

    /// `os.lseek(fd, pos, how)` with `os.SEEK_SET` 0, `SEEK_CUR` 1, `SEEK_END` 2.
    pub fn lseek(&mut self, fd: i32, pos: i64, how: i32) -> Result<i64> {
        self.call(|g, s| g.file(s)?.call_lseek(s, fd, pos, how))
    }

    /// `os.fsync(fd)`.
    pub fn fsync(&mut self, fd: i32) -> Result<()> {
        self.call(|g, s| g.file(s)?.call_fsync(s, fd))
    }

    /// `os.fdatasync(fd)`.
    pub fn fdatasync(&mut self, fd: i32) -> Result<()> {
        self.call(|g, s| g.file(s)?.call_fdatasync(s, fd))
    }

    /// `os.ftruncate(fd, length)`.
    pub fn ftruncate(&mut self, fd: i32, length: i64) -> Result<()> {
        self.call(|g, s| g.file(s)?.call_ftruncate(s, fd, length))
    }

    /// `os.fstat(fd)`.
    pub fn fstat(&mut self, fd: i32) -> Result<Stat> {
        self.call(|g, s| g.file(s)?.call_fstat(s, fd)).map(Stat::from)
    }

    /// `os.close(fd)`.
    pub fn close(&mut self, fd: i32) -> Result<()> {
        self.call(|g, s| g.file(s)?.call_close(s, fd))
    }

    /// `os.closerange(fd_low, fd_high)`.
    pub fn closerange(&mut self, fd_low: i32, fd_high: i32) -> Result<()> {
        self.invoke(|g, s| g.file(s)?.call_closerange(s, fd_low, fd_high))
    }

    /// `os.dup(fd)`.
    pub fn dup(&mut self, fd: i32) -> Result<i32> {
        self.call(|g, s| g.file(s)?.call_dup(s, fd))
    }

    /// `os.isatty(fd)`.
    pub fn isatty(&mut self, fd: i32) -> Result<bool> {
        self.invoke(|g, s| g.file(s)?.call_isatty(s, fd))
    }

    // --- os: create, remove, rename --------------------------------------

    /// `os.mkdir(path, mode)`; WASI has no mode, so it is ignored.
    pub fn mkdir(&mut self, path: impl Into<FsPath>, mode: u32) -> Result<()> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_mkdir(s, &path, mode, None))
    }

    /// `os.makedirs(name, exist_ok=...)`.
    pub fn makedirs(&mut self, name: impl Into<FsPath>, exist_ok: bool) -> Result<()> {
        self.makedirs_mode(name, 0o777, exist_ok)
    }

    /// `os.makedirs(name, mode, exist_ok)`: the last directory gets `mode`
    /// (less the umask, 022), those on the way the default.
    pub fn makedirs_mode(&mut self, name: impl Into<FsPath>, mode: u32, exist_ok: bool) -> Result<()> {
        let name = p(name);
        self.call(|g, s| g.fs(s)?.call_makedirs(s, &name, mode, exist_ok))
    }

    /// `os.rmdir(path)`.
    pub fn rmdir(&mut self, path: impl Into<FsPath>) -> Result<()> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_rmdir(s, &path, None))
    }

    /// `os.removedirs(name)`.
    pub fn removedirs(&mut self, name: impl Into<FsPath>) -> Result<()> {
        let name = p(name);
        self.call(|g, s| g.fs(s)?.call_removedirs(s, &name))
    }

    /// `os.remove(path)`.
    pub fn remove(&mut self, path: impl Into<FsPath>) -> Result<()> {
        let path = p(path);
        self.call(|g, s| g.fs(s)?.call_remove(s, &path, None))
    }

    /// `os.unlink(path)`: the same as [`Os::remove`].
    pub fn unlink(&mut self, path: impl Into<FsPath>) -> Result<()> {
        self.remove(path)
    }

    /// `os.rename(src, dst)`.
    pub fn rename(&mut self, src: impl Into<FsPath>, dst: impl Into<FsPath>) -> Result<()> {
        let (src, dst) = (p(src), p(dst));
        self.call(|g, s| g.fs(s)?.call_rename(s, &src, &dst, None, None))
    }

    /// `os.replace(src, dst)`: the same as [`Os::rename`] on POSIX.
    pub fn replace(&mut self, src: impl Into<FsPath>, dst: impl Into<FsPath>) -> Result<()> {
        self.rename(src, dst)
    }

    /// `os.renames(old, new)`.
    pub fn renames(&mut self, old: impl Into<FsPath>, new: impl Into<FsPath>) -> Result<()> {
        let (old, new) = (p(old), p(new));
        self.call(|g, s| g.fs(s)?.call_renames(s, &old, &new))
    }

    // --- os: environment -------------------------------------------------

    /// `dict(os.environ)`, in its order.
    pub fn environ(&mut self) -> Result<Vec<(String, String)>> {
        self.invoke(|g, s| g.env(s)?.call_environ(s))
    }

    /// `os.getenv(key)`.
    pub fn getenv(&mut self, key: &str) -> Result<Option<String>> {
        self.invoke(|g, s| g.env(s)?.call_getenv(s, key))
    }

    /// `os.environ[key] = value`.
    pub fn setenv(&mut self, key: &str, value: &str) -> Result<()> {
        self.call(|g, s| g.env(s)?.call_setenv(s, key, value))
    }

    /// `del os.environ[key]`: `KeyError` when missing.
    pub fn delenv(&mut self, key: &str) -> Result<()> {
        self.call(|g, s| g.env(s)?.call_delenv(s, key))
    }

    /// `os.putenv(name, value)`: the process environment, not `os.environ`.
    pub fn putenv(&mut self, name: &str, value: &str) -> Result<()> {
        self.call(|g, s| g.env(s)?.call_putenv(s, name, value))
    }

    /// `os.unsetenv(name)`: the process environment, not `os.environ`.
    pub fn unsetenv(&mut self, name: &str) -> Result<()> {
        self.call(|g, s| g.env(s)?.call_unsetenv(s, name))
    }

    /// `os.get_exec_path(env)`: the directories of `PATH` in `env`, or in
    /// the sandbox's `os.environ` when `env` is `None`.
    pub fn get_exec_path(&mut self, env: Option<&[(String, String)]>) -> Result<Vec<String>> {
        let env = env.map(<[_]>::to_vec);
        self.invoke(|g, s| g.env(s)?.call_get_exec_path(s, env.as_deref()))
    }

    /// `os.strerror(code)`.
    pub fn strerror(&mut self, code: i32) -> Result<String> {
        self.invoke(|g, s| g.env(s)?.call_strerror(s, code))
    }
}

/// Declares the view of a Python module other than `os` on [`Os`]:
/// `os.shutil()` holds `shutil`'s functions, `os.path()` `os.path`'s, so
/// each function is found under its Python module and name.
macro_rules! module_view {
    ($(#[$doc:meta])* $view:ident, $method:ident, $module:literal) => {
        $(#[$doc])*
        pub struct $view<'a> {
            pub(crate) os: &'a mut crate::os::Os,
        }

        impl crate::os::Os {
            #[doc = concat!("The `", $module, "` functions of this sandbox.")]
            pub fn $method(&mut self) -> $view<'_> {
                $view { os: self }
            }
        }
    };
}
pub(crate) use module_view;
