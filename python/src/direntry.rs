//! `os.DirEntry` for the sandbox: what `scandir` yields.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::convert::fspath_to_py;
use crate::core::Core;

/// An entry of a directory listed by the sandbox's `os.scandir`, as
/// `os.DirEntry`: `name`, `path`, `inode()`, `is_dir()`, `is_file()`,
/// `is_symlink()` answered from the listing, and `stat()` asked of the
/// sandbox once, then cached.
#[pyclass(frozen, module = "osbox", name = "DirEntry")]
pub struct DirEntry {
    entry: osbox::DirEntry,
    name: Py<PyAny>,
    path: Py<PyAny>,
    core: Py<Core>,
    stat: PyOnceLock<Py<PyAny>>,
    lstat: PyOnceLock<Py<PyAny>>,
}

impl DirEntry {
    pub fn new(py: Python<'_>, entry: osbox::DirEntry, core: Py<Core>) -> PyResult<Self> {
        Ok(DirEntry {
            name: fspath_to_py(py, &entry.name)?,
            path: fspath_to_py(py, &entry.path)?,
            entry,
            core,
            stat: PyOnceLock::new(),
            lstat: PyOnceLock::new(),
        })
    }
}

#[pymethods]
impl DirEntry {
    /// The entry's file name, relative to the scandir path.
    #[getter]
    fn name(&self, py: Python<'_>) -> Py<PyAny> {
        self.name.clone_ref(py)
    }

    /// The entry's path: the scandir argument joined with its name.
    #[getter]
    fn path(&self, py: Python<'_>) -> Py<PyAny> {
        self.path.clone_ref(py)
    }

    /// The inode number of the entry (see docs/deviations.md).
    fn inode(&self) -> u64 {
        self.entry.inode()
    }

    /// True for a directory, or a symbolic link to one unless
    /// `follow_symlinks` is false.
    #[pyo3(signature = (*, follow_symlinks = true))]
    fn is_dir(&self, follow_symlinks: bool) -> bool {
        self.entry.is_dir(follow_symlinks)
    }

    /// True for a regular file, or a symbolic link to one unless
    /// `follow_symlinks` is false.
    #[pyo3(signature = (*, follow_symlinks = true))]
    fn is_file(&self, follow_symlinks: bool) -> bool {
        self.entry.is_file(follow_symlinks)
    }

    /// True for a symbolic link.
    fn is_symlink(&self) -> bool {
        self.entry.is_symlink()
    }

    /// `os.stat_result` of the entry (of the link itself when
    /// `follow_symlinks` is false), asked once and cached.
    #[pyo3(signature = (*, follow_symlinks = true))]
    fn stat(&self, py: Python<'_>, follow_symlinks: bool) -> PyResult<Py<PyAny>> {
        let follow = follow_symlinks && self.entry.is_symlink();
        let cell = if follow { &self.stat } else { &self.lstat };
        let path = self.entry.path.clone();
        let core = self.core.get();
        cell.get_or_try_init(py, || core.stat_of(py, path, follow)).map(|s| s.clone_ref(py))
    }

    fn __fspath__(&self, py: Python<'_>) -> Py<PyAny> {
        self.path.clone_ref(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("<DirEntry {}>", self.name.bind(py).repr()?.to_cow()?))
    }
}
