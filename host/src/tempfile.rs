//! `tempfile` on [`Os`], and the guards that remove what they made when
//! dropped: the Rust counterparts of `TemporaryDirectory` and
//! `NamedTemporaryFile`.

use std::ops::{Deref, DerefMut};

use crate::error::Result;
use crate::fspath::FsPath;
use crate::os::{Os, p};
use crate::shutil::Shutil;

crate::os::module_view! {
    /// `tempfile`: [`Os::tempfile`](crate::Os::tempfile) borrows the sandbox
    /// for these.
    Tempfile, tempfile, "tempfile"
}

impl<'a> Tempfile<'a> {
    /// `tempfile.gettempdir()`.
    pub fn gettempdir(&mut self) -> Result<FsPath> {
        self.os.call(|g, s| g.tempfile(s)?.call_gettempdir(s, false)).map(FsPath::from)
    }

    /// `tempfile.mkstemp(suffix, prefix, dir)`: `(fd, absolute path)`.
    pub fn mkstemp(
        &mut self,
        suffix: Option<FsPath>,
        prefix: Option<FsPath>,
        dir: Option<FsPath>,
    ) -> Result<(i32, FsPath)> {
        let (suffix, prefix, dir) = (suffix.map(p), prefix.map(p), dir.map(p));
        self.os
            .call(|g, s| g.tempfile(s)?.call_mkstemp(s, suffix.as_ref(), prefix.as_ref(), dir.as_ref()))
            .map(|(fd, path)| (fd, path.into()))
    }

    /// `tempfile.mkdtemp(suffix, prefix, dir)`.
    pub fn mkdtemp(&mut self, suffix: Option<FsPath>, prefix: Option<FsPath>, dir: Option<FsPath>) -> Result<FsPath> {
        let (suffix, prefix, dir) = (suffix.map(p), prefix.map(p), dir.map(p));
        self.os
            .call(|g, s| g.tempfile(s)?.call_mkdtemp(s, suffix.as_ref(), prefix.as_ref(), dir.as_ref()))
            .map(FsPath::from)
    }

    /// `tempfile.tempdir`: what `gettempdir` settled on, if it has run.
    pub fn tempdir(&mut self) -> Result<Option<FsPath>> {
        self.os.invoke(|g, s| g.tempfile(s)?.call_tempdir(s)).map(|d| d.map(FsPath::from))
    }

    /// `tempfile.TemporaryDirectory(suffix, prefix, dir)`: a new directory,
    /// removed with everything in it when the guard is dropped. The guard
    /// derefs to this `Os`, so calls go on while it lives.
    ///
    /// ```no_run
    /// # let mut os = osbox::Runtime::new()?.sandbox().dir("/tmp/t", "/work").env("TMPDIR", "/work").build()?.os()?;
    /// let mut tmp = os.tempfile().temporary_directory(None, None, None)?;
    /// let dir = tmp.path().clone();
    /// tmp.makedirs(format!("{dir}/a/b"), false)?;
    /// drop(tmp); // the tree is gone
    /// # Ok::<(), osbox::Error>(())
    /// ```
    pub fn temporary_directory(
        mut self,
        suffix: Option<FsPath>,
        prefix: Option<FsPath>,
        dir: Option<FsPath>,
    ) -> Result<TemporaryDirectory<'a>> {
        let path = self.mkdtemp(suffix, prefix, dir)?;
        Ok(TemporaryDirectory { os: self.os, path })
    }

    /// `tempfile.NamedTemporaryFile(suffix, prefix, dir)`: a new file open
    /// for reading and writing, closed and removed when the guard is
    /// dropped. The guard derefs to this `Os`.
    pub fn named_temporary_file(
        mut self,
        suffix: Option<FsPath>,
        prefix: Option<FsPath>,
        dir: Option<FsPath>,
    ) -> Result<NamedTemporaryFile<'a>> {
        let (fd, path) = self.mkstemp(suffix, prefix, dir)?;
        Ok(NamedTemporaryFile { os: self.os, fd, path })
    }
}

/// A temporary directory removed (`shutil.rmtree`) on drop; see
/// [`Tempfile::temporary_directory`].
pub struct TemporaryDirectory<'a> {
    os: &'a mut Os,
    path: FsPath,
}

impl TemporaryDirectory<'_> {
    /// The directory's path (`TemporaryDirectory.name`).
    pub fn path(&self) -> &FsPath {
        &self.path
    }
}

impl Deref for TemporaryDirectory<'_> {
    type Target = Os;
    fn deref(&self) -> &Os {
        self.os
    }
}

impl DerefMut for TemporaryDirectory<'_> {
    fn deref_mut(&mut self) -> &mut Os {
        self.os
    }
}

impl Drop for TemporaryDirectory<'_> {
    fn drop(&mut self) {
        // Like `ignore_cleanup_errors=True`: a drop cannot raise.
        let _ = Shutil { os: self.os }.rmtree(self.path.clone(), true);
    }
}

/// A temporary file closed and removed on drop; see
/// [`Tempfile::named_temporary_file`].
pub struct NamedTemporaryFile<'a> {
    os: &'a mut Os,
    fd: i32,
    path: FsPath,
}

impl NamedTemporaryFile<'_> {
    /// The file's path (`NamedTemporaryFile.name`).
    pub fn path(&self) -> &FsPath {
        &self.path
    }

    /// The open descriptor (`fileno()`), for [`Os::read`], [`Os::write`]
    /// and friends.
    pub fn fd(&self) -> i32 {
        self.fd
    }
}

impl Deref for NamedTemporaryFile<'_> {
    type Target = Os;
    fn deref(&self) -> &Os {
        self.os
    }
}

impl DerefMut for NamedTemporaryFile<'_> {
    fn deref_mut(&mut self) -> &mut Os {
        self.os
    }
}

impl Drop for NamedTemporaryFile<'_> {
    fn drop(&mut self) {
        let _ = self.os.close(self.fd);
        let _ = self.os.remove(self.path.clone());
    }
}
