//! `Core`: one running sandbox, shared by the Python threads that use it.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use osbox::{FsPath, Os, Runtime, WalkOptions};
use pyo3::exceptions::{PyNotImplementedError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use serde_json::Map;

use crate::convert::{from_json, fspath, fspath_to_py, fspaths_to_py, stat_to_py, struct_time_to_py, to_json};
use crate::direntry::DirEntry;
use crate::errors::{SandboxError, to_pyerr};
use crate::process::{self, Popen, PopenOptions};

/// The runtime (engine and compiled guest) shared by every sandbox of the
/// process.
fn runtime() -> osbox::Result<Runtime> {
    static RUNTIME: OnceLock<osbox::Result<Runtime>> = OnceLock::new();
    RUNTIME.get_or_init(Runtime::new).clone()
}

/// One sandboxed instance of osbox, with the calls of the `os` surface.
/// `osbox.Sandbox` builds the Python modules on it.
#[pyclass(frozen, module = "osbox._osbox")]
pub struct Core {
    /// `None` once closed. Taken only while detached from the interpreter
    /// (see the crate's docs on threads).
    os: Mutex<Option<Os>>,
}

impl Core {
    /// Runs `f` on the instance with the GIL released.
    pub(crate) fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Os) -> osbox::Result<T> + Send,
    ) -> PyResult<T> {
        let outcome = py.detach(|| {
            let mut os = self.os.lock().unwrap_or_else(PoisonError::into_inner);
            os.as_mut().map(f)
        });
        match outcome {
            Some(answer) => answer.map_err(|e| to_pyerr(py, e)),
            None => Err(SandboxError::new_err("the sandbox is closed")),
        }
    }

    /// `os.stat(path, follow_symlinks=follow)`, for `DirEntry.stat`.
    pub fn stat_of(&self, py: Python<'_>, path: FsPath, follow: bool) -> PyResult<Py<PyAny>> {
        let s = self.run(py, move |os| os.stat_with(path, follow))?;
        stat_to_py(py, &s)
    }

    /// The call through the protocol: for arguments the typed methods do
    /// not take, so that the error is the protocol's (CPython's).
    fn exec(&self, py: Python<'_>, name: &str, args: Vec<Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let args = args.iter().map(to_json).collect::<PyResult<Vec<_>>>()?;
        let answer = self.run(py, |os| osbox::exec::call(os, name, args, Map::new()))?;
        from_json(py, answer)
    }
}

fn unsupported_unless_none(name: &str, v: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    match v {
        Some(v) if !v.is_none() => Err(PyNotImplementedError::new_err(format!("{name} unavailable on this platform"))),
        _ => Ok(()),
    }
}

#[pymethods]
impl Core {
    /// A new sandbox: `dirs` and `ro_dirs` are `(host, guest)` pairs granted
    /// in that order, `env` `(name, value)` pairs, `inherit_env` names whose
    /// host values pass through, `timeout` seconds, `memory` bytes.
    #[new]
    #[pyo3(signature = (dirs, ro_dirs, env, inherit_env, cwd, allow_run, timeout, memory))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        dirs: Vec<(PathBuf, String)>,
        ro_dirs: Vec<(PathBuf, String)>,
        env: Vec<(String, String)>,
        inherit_env: Vec<String>,
        cwd: Option<String>,
        allow_run: Vec<String>,
        timeout: Option<f64>,
        memory: Option<u64>,
    ) -> PyResult<Self> {
        let timeout = match timeout {
            Some(t) if !(t.is_finite() && t > 0.0) => {
                return Err(PyValueError::new_err(format!("timeout must be a positive number of seconds, not {t}")));
            }
            t => t.map(Duration::from_secs_f64),
        };
        let memory = memory.map(|m| usize::try_from(m).unwrap_or(usize::MAX));
        let os = py
            .detach(move || {
                let mut b = runtime()?.sandbox();
                for (host, guest) in dirs {
                    b = b.dir(host, guest);
                }
                for (host, guest) in ro_dirs {
                    b = b.ro_dir(host, guest);
                }
                for (name, value) in env {
                    b = b.env(name, value);
                }
                for name in &inherit_env {
                    b = b.inherit_env(name);
                }
                if let Some(cwd) = cwd {
                    b = b.cwd(cwd);
                }
                for program in allow_run {
                    b = b.allow_run(program);
                }
                if let Some(t) = timeout {
                    b = b.timeout(t);
                }
                if let Some(m) = memory {
                    b = b.memory_limit(m);
                }
                b.build()?.os()
            })
            .map_err(|e| to_pyerr(py, e))?;
        Ok(Core { os: Mutex::new(Some(os)) })
    }

    /// Calls the function (or reads the attribute) `name` of the surface by
    /// its dotted Python name, as `osbox exec` does: `call("os.makedirs",
    /// ("a/b",), {"exist_ok": True})`.
    #[pyo3(signature = (name, args = None, kwargs = None))]
    fn call(
        &self,
        py: Python<'_>,
        name: &str,
        args: Option<&Bound<'_, PyTuple>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let args = match args {
            Some(a) => a.iter().map(|v| to_json(&v)).collect::<PyResult<Vec<_>>>()?,
            None => Vec::new(),
        };
        let kwargs = match kwargs {
            Some(k) => match to_json(k.as_any())? {
                serde_json::Value::Object(m) => m,
                _ => Map::new(),
            },
            None => Map::new(),
        };
        let answer = self.run(py, |os| osbox::exec::call(os, name, args, kwargs))?;
        from_json(py, answer)
    }

    /// Ends the instance: later calls raise `SandboxError`. Descriptors it
    /// held are closed; the granted directories are untouched.
    fn close(&self, py: Python<'_>) {
        let os = py.detach(|| self.os.lock().unwrap_or_else(PoisonError::into_inner).take());
        py.detach(move || drop(os));
    }

    /// Why the sandbox can no longer run calls, or `None` while it can.
    fn ended(&self, py: Python<'_>) -> Option<String> {
        py.detach(|| match &*self.os.lock().unwrap_or_else(PoisonError::into_inner) {
            None => Some("the sandbox is closed".to_string()),
            Some(os) => os.died().map(|e| e.to_string()),
        })
    }

    /// `os.stat(path, *, dir_fd=None, follow_symlinks=True)`: an
    /// `os.stat_result`; an open descriptor gives `os.fstat`'s.
    #[pyo3(signature = (path, *, dir_fd = None, follow_symlinks = true))]
    fn stat(
        &self,
        py: Python<'_>,
        path: &Bound<'_, PyAny>,
        dir_fd: Option<&Bound<'_, PyAny>>,
        follow_symlinks: bool,
    ) -> PyResult<Py<PyAny>> {
        unsupported_unless_none("dir_fd", dir_fd)?;
        match fspath(path)? {
            Some(p) => self.stat_of(py, p, follow_symlinks),
            None => match path.extract::<i32>() {
                Ok(fd) => self.fstat(py, fd),
                Err(_) => self.exec(py, "os.stat", vec![path.clone()]),
            },
        }
    }

    /// `os.lstat(path, *, dir_fd=None)`: the link itself, not its target.
    #[pyo3(signature = (path, *, dir_fd = None))]
    fn lstat(&self, py: Python<'_>, path: &Bound<'_, PyAny>, dir_fd: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        unsupported_unless_none("dir_fd", dir_fd)?;
        match fspath(path)? {
            Some(p) => self.stat_of(py, p, false),
            None => self.exec(py, "os.lstat", vec![path.clone()]),
        }
    }

    /// `os.fstat(fd)`.
    fn fstat(&self, py: Python<'_>, fd: i32) -> PyResult<Py<PyAny>> {
        let s = self.run(py, |os| os.fstat(fd))?;
        stat_to_py(py, &s)
    }

    /// `os.listdir(path='.')`: names in arbitrary order, `bytes` for a
    /// `bytes` path.
    #[pyo3(signature = (path = None))]
    fn listdir<'py>(&self, py: Python<'py>, path: Option<&Bound<'py, PyAny>>) -> PyResult<Py<PyAny>> {
        let p = match path {
            None => FsPath::Str(".".into()),
            Some(obj) if obj.is_none() => FsPath::Str(".".into()),
            Some(obj) => match fspath(obj)? {
                Some(p) => p,
                None => return self.exec(py, "os.listdir", vec![obj.clone()]),
            },
        };
        let names = self.run(py, |os| os.listdir(p))?;
        Ok(fspaths_to_py(py, &names)?.into_any().unbind())
    }

    /// The entries of `os.scandir(path='.')`, as a list of `DirEntry`.
    #[pyo3(signature = (path = None))]
    fn scandir<'py>(slf: &Bound<'py, Self>, path: Option<&Bound<'py, PyAny>>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let p = match path {
            None => FsPath::Str(".".into()),
            Some(obj) if obj.is_none() => FsPath::Str(".".into()),
            Some(obj) => match fspath(obj)? {
                Some(p) => p,
                None => return slf.get().exec(py, "os.scandir", vec![obj.clone()]),
            },
        };
        let entries = slf.get().run(py, |os| os.scandir(p))?;
        let core = slf.clone().unbind();
        let items = entries
            .into_iter()
            .map(|e| Py::new(py, DirEntry::new(py, e, core.clone_ref(py))?))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any().unbind())
    }

    /// `os.walk(top, topdown, followlinks)` read in one call: a list of
    /// `(dirpath, dirnames, filenames)` tuples and exceptions (what
    /// `onerror` gets, or a `RecursionError` to raise), in CPython's order.
    fn walk(&self, py: Python<'_>, top: &Bound<'_, PyAny>, topdown: bool, followlinks: bool) -> PyResult<Py<PyAny>> {
        let Some(top) = fspath(top)? else {
            // CPython's walk hands scandir's TypeError to onerror... as an
            // exception of its own: raise the protocol's.
            return self.exec(py, "os.walk", vec![top.clone()]);
        };
        let items = self.run(py, |os| os.walk_items(top, WalkOptions { topdown, followlinks }))?;
        let list = PyList::empty(py);
        for item in items {
            match item {
                Ok(step) => {
                    let t = (
                        fspath_to_py(py, &step.dirpath)?,
                        fspaths_to_py(py, &step.dirnames)?,
                        fspaths_to_py(py, &step.filenames)?,
                    );
                    list.append(t)?;
                }
                Err(e) => list.append(to_pyerr(py, e).into_value(py))?,
            }
        }
        Ok(list.into_any().unbind())
    }

    /// `os.path.exists(path)`.
    fn exists(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.predicate(py, "os.path.exists", path, |os, p| os.path().exists(p))
    }

    /// `os.path.lexists(path)`.
    fn lexists(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.predicate(py, "os.path.lexists", path, |os, p| os.path().lexists(p))
    }

    /// `os.path.isfile(path)`.
    fn isfile(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.predicate(py, "os.path.isfile", path, |os, p| os.path().isfile(p))
    }

    /// `os.path.isdir(path)`.
    fn isdir(&self, py: Python<'_>, s: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.predicate(py, "os.path.isdir", s, |os, p| os.path().isdir(p))
    }

    /// `os.path.islink(path)`.
    fn islink(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.predicate(py, "os.path.islink", path, |os, p| os.path().islink(p))
    }

    /// `os.open(path, flags, mode=0o777, *, dir_fd=None)`: a descriptor of
    /// the sandbox.
    #[pyo3(signature = (path, flags, mode = 0o777, *, dir_fd = None))]
    fn open(
        &self,
        py: Python<'_>,
        path: &Bound<'_, PyAny>,
        flags: i32,
        mode: u32,
        dir_fd: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        unsupported_unless_none("dir_fd", dir_fd)?;
        match fspath(path)? {
            Some(p) => Ok(self.run(py, |os| os.open(p, flags, mode))?.into_pyobject(py)?.into_any().unbind()),
            None => self.exec(py, "os.open", vec![path.clone(), flags.into_pyobject(py)?.into_any()]),
        }
    }

    /// `os.read(fd, length)`.
    fn read<'py>(&self, py: Python<'py>, fd: i32, length: i64) -> PyResult<Bound<'py, PyBytes>> {
        let data = self.run(py, |os| os.read(fd, length))?;
        Ok(PyBytes::new(py, &data))
    }

    /// `os.write(fd, data)`: the number of bytes written.
    fn write(&self, py: Python<'_>, fd: i32, data: &Bound<'_, PyAny>) -> PyResult<u64> {
        if let Ok(b) = data.cast::<PyBytes>() {
            let bytes = b.as_bytes();
            return self.run(py, |os| os.write(fd, bytes));
        }
        if data.cast::<PyString>().is_ok() {
            return Err(pyo3::exceptions::PyTypeError::new_err("a bytes-like object is required, not 'str'"));
        }
        // bytearray, memoryview, array: copied once.
        let view = py.import("builtins")?.getattr("memoryview")?.call1((data,))?;
        let copy = py.get_type::<PyBytes>().call1((view,))?;
        let bytes = copy.cast::<PyBytes>()?.as_bytes();
        self.run(py, |os| os.write(fd, bytes))
    }

    /// `os.lseek(fd, position, how)`: the new offset.
    fn lseek(&self, py: Python<'_>, fd: i32, position: i64, how: i32) -> PyResult<i64> {
        self.run(py, |os| os.lseek(fd, position, how))
    }

    /// `os.close(fd)`.
    fn close_fd(&self, py: Python<'_>, fd: i32) -> PyResult<()> {
        self.run(py, |os| os.close(fd))
    }

    /// `os.environ` as a dict, in its order.
    fn environ<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let vars = self.run(py, |os| os.environ())?;
        let d = PyDict::new(py);
        for (k, v) in vars {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// `os.environ.get(key)`.
    fn getenv(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        match key.cast::<PyString>() {
            Ok(k) => {
                let k = k.to_cow()?;
                let v = self.run(py, |os| os.getenv(&k))?;
                Ok(v.map_or_else(|| py.None(), |v| PyString::new(py, &v).into_any().unbind()))
            }
            Err(_) => self.exec(py, "os.getenv", vec![key.clone()]),
        }
    }

    /// `subprocess.Popen(args, ...)`: starts a granted program. `args` is
    /// the program and its arguments (with `shell`, the command line and
    /// the shell's own arguments).
    fn popen(slf: &Bound<'_, Self>, args: Vec<String>, options: &PopenOptions) -> PyResult<Popen> {
        process::popen(slf, args, options)
    }

    /// `time.gmtime(secs=None)`.
    #[pyo3(signature = (secs = None))]
    fn gmtime(&self, py: Python<'_>, secs: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        self.time_struct(py, "time.gmtime", secs, |os, s| os.time().gmtime(s))
    }

    /// `time.localtime(secs=None)`, in the host's time zone.
    #[pyo3(signature = (secs = None))]
    fn localtime(&self, py: Python<'_>, secs: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        self.time_struct(py, "time.localtime", secs, |os, s| os.time().localtime(s))
    }
}

impl Core {
    /// An `os.path` predicate: typed for a path, the protocol otherwise.
    fn predicate(
        &self,
        py: Python<'_>,
        name: &str,
        path: &Bound<'_, PyAny>,
        f: impl FnOnce(&mut Os, FsPath) -> osbox::Result<bool> + Send,
    ) -> PyResult<Py<PyAny>> {
        match fspath(path)? {
            Some(p) => {
                let b = self.run(py, |os| f(os, p))?;
                Ok(pyo3::types::PyBool::new(py, b).to_owned().into_any().unbind())
            }
            None => self.exec(py, name, vec![path.clone()]),
        }
    }

    fn time_struct(
        &self,
        py: Python<'_>,
        name: &str,
        secs: Option<&Bound<'_, PyAny>>,
        f: impl FnOnce(&mut Os, Option<f64>) -> osbox::Result<osbox::StructTime> + Send,
    ) -> PyResult<Py<PyAny>> {
        let secs = match secs {
            None => None,
            Some(s) if s.is_none() => None,
            Some(s) => match s.extract::<f64>() {
                Ok(v) if s.cast::<PyString>().is_err() => Some(v),
                _ => return self.exec(py, name, vec![s.clone()]),
            },
        };
        let t = self.run(py, |os| f(os, secs))?;
        struct_time_to_py(py, &t)
    }
}
