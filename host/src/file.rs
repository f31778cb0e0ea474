//! [`File`]: the WIT `file` resource, an open file that is not a number.

use wasmtime::component::ResourceAny;

use crate::error::Result;
use crate::fspath::FsPath;
use crate::os::{Os, p};
use crate::types::Stat;

/// An open file in a sandbox, as `os.open` would give it but typed: its own
/// offset, outside the descriptor table. Calls take the [`Os`] it came from;
/// [`File::close`] releases it (a `File` that is dropped without closing
/// stays open until its `Os` ends).
///
/// ```no_run
/// # let mut os = osbox::Runtime::new()?.sandbox().dir("/tmp/t", "/work").build()?.os()?;
/// let file = os.open_file("notes.txt", 0o2 | 0o100, 0o644)?; // O_RDWR | O_CREAT
/// file.write(&mut os, b"hello")?;
/// file.seek(&mut os, 0, 0)?;
/// assert_eq!(file.read(&mut os, 5)?, b"hello");
/// file.close(&mut os)?;
/// # Ok::<(), osbox::Error>(())
/// ```
#[derive(Debug)]
pub struct File {
    handle: ResourceAny,
}

impl Os {
    /// Opens `path` as `os.open(path, flags, mode)` does, as a [`File`].
    pub fn open_file(&mut self, path: impl Into<FsPath>, flags: i32, mode: u32) -> Result<File> {
        let path = p(path);
        let handle = self.call(|g, s| g.file(s)?.file().call_open(s, &path, flags, mode))?;
        Ok(File { handle })
    }
}

impl File {
    /// `os.read`: at most `n` bytes from the offset.
    pub fn read(&self, os: &mut Os, n: i64) -> Result<Vec<u8>> {
        os.call(|g, s| g.file(s)?.file().call_read(s, self.handle, n))
    }

    /// `os.write`: the number of bytes written.
    pub fn write(&self, os: &mut Os, data: &[u8]) -> Result<u64> {
        os.call(|g, s| g.file(s)?.file().call_write(s, self.handle, data))
    }

    /// `os.lseek(pos, how)`: the new offset.
    pub fn seek(&self, os: &mut Os, pos: i64, how: i32) -> Result<i64> {
        os.call(|g, s| g.file(s)?.file().call_seek(s, self.handle, pos, how))
    }

    /// `os.fstat`.
    pub fn stat(&self, os: &mut Os) -> Result<Stat> {
        os.call(|g, s| g.file(s)?.file().call_stat(s, self.handle)).map(Stat::from)
    }

    /// `os.ftruncate`.
    pub fn truncate(&self, os: &mut Os, length: i64) -> Result<()> {
        os.call(|g, s| g.file(s)?.file().call_truncate(s, self.handle, length))
    }

    /// `os.fsync`.
    pub fn sync(&self, os: &mut Os) -> Result<()> {
        os.call(|g, s| g.file(s)?.file().call_sync(s, self.handle))
    }

    /// Closes the file.
    pub fn close(self, os: &mut Os) -> Result<()> {
        os.invoke(|_, s| self.handle.resource_drop(s))
    }
}
