//! The native half of `box.subprocess`: [`PopenOptions`], [`Popen`] and
//! [`PopenStream`] over the library's processes, and the `signal` table.
//!
//! Every pipe carries bytes: the Python half puts CPython's own `io`
//! classes on them (`BufferedReader`, `BufferedWriter`, `TextIOWrapper`)
//! and decodes text with CPython's codecs, so text mode takes any encoding
//! the running Python has. Waits and reads release the GIL (see the
//! crate's docs on threads): a child blocked on a full pipe holds its own
//! sandbox only.

use osbox::Redirect;
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt};

use crate::convert::{fspath, type_name};
use crate::core::Core;

/// `subprocess.PIPE`, `STDOUT` and `DEVNULL`.
const PIPE: i64 = -1;
const STDOUT: i64 = -2;
const DEVNULL: i64 = -3;

/// The keyword arguments of `Popen` the sandbox takes, converted once:
/// `stdin`, `stdout` and `stderr` (`None`, `PIPE`, `STDOUT`, `DEVNULL`, a
/// descriptor of the sandbox, or a [`PopenStream`] for a pipeline),
/// `shell`, `cwd` (a sandbox path) and `env` (the child's whole
/// environment). The Python half checks the rest of `Popen`'s arguments.
#[pyclass(frozen, module = "osbox._osbox")]
pub struct PopenOptions {
    options: osbox::PopenOptions,
    /// The sandbox a pipe given as a stream belongs to: a pipe is a handle
    /// of one sandbox and means nothing in another.
    owner: Option<Py<Core>>,
}

/// `stdin=`, `stdout=` or `stderr=` as the library takes it.
fn redirect(v: &Bound<'_, PyAny>, owner: &mut Option<Py<Core>>) -> PyResult<Redirect> {
    if v.is_none() {
        return Ok(Redirect::Inherit);
    }
    if let Ok(stream) = v.cast::<PopenStream>() {
        let stream = stream.get();
        *owner = Some(stream.core.clone_ref(v.py()));
        return Ok(Redirect::Stream(stream.stream));
    }
    if v.cast::<PyInt>().is_ok() {
        return Ok(match v.extract::<i64>()? {
            PIPE => Redirect::Pipe,
            STDOUT => Redirect::Stdout,
            DEVNULL => Redirect::DevNull,
            fd => Redirect::Fd(
                v.extract::<i32>()
                    .map_err(|_| PyOverflowError::new_err(format!("fd {fd} is out of range of a C int")))?,
            ),
        });
    }
    Err(PyTypeError::new_err(format!("a '{}' object cannot be passed into the sandbox", type_name(v))))
}

#[pymethods]
impl PopenOptions {
    #[new]
    #[pyo3(signature = (stdin, stdout, stderr, shell, cwd, env))]
    fn new(
        stdin: &Bound<'_, PyAny>,
        stdout: &Bound<'_, PyAny>,
        stderr: &Bound<'_, PyAny>,
        shell: bool,
        cwd: Option<&Bound<'_, PyAny>>,
        env: Option<Vec<(String, String)>>,
    ) -> PyResult<Self> {
        let mut owner = None;
        let cwd = match cwd {
            None => None,
            Some(c) if c.is_none() => None,
            Some(c) => Some(fspath(c)?.ok_or_else(|| {
                PyTypeError::new_err(format!("expected str, bytes or os.PathLike object, not {}", type_name(c)))
            })?),
        };
        let options = osbox::PopenOptions {
            stdin: redirect(stdin, &mut owner)?,
            stdout: redirect(stdout, &mut owner)?,
            stderr: redirect(stderr, &mut owner)?,
            shell,
            cwd,
            env,
            ..Default::default()
        };
        Ok(PopenOptions { options, owner })
    }
}

impl PopenOptions {
    /// The options, for a child of `core`'s sandbox.
    fn for_sandbox(&self, py: Python<'_>, core: &Bound<'_, Core>) -> PyResult<&osbox::PopenOptions> {
        match &self.owner {
            Some(owner) if !owner.bind(py).is(core) => {
                Err(PyValueError::new_err("a pipe of another sandbox cannot be a child's stream"))
            }
            _ => Ok(&self.options),
        }
    }
}

/// A child process of the sandbox: `osbox::Popen`. `box.subprocess.Popen`
/// is the Python class over it.
#[pyclass(frozen, module = "osbox._osbox")]
pub struct Popen {
    popen: osbox::Popen,
    core: Py<Core>,
}

/// One of a [`Popen`]'s pipes, carrying bytes: what the Python half's raw
/// file reads or writes.
#[pyclass(frozen, module = "osbox._osbox")]
pub struct PopenStream {
    stream: osbox::PopenStream,
    core: Py<Core>,
}

fn bytes_or_none(py: Python<'_>, data: Option<Vec<u8>>) -> Py<PyAny> {
    data.map_or_else(|| py.None(), |d| PyBytes::new(py, &d).into_any().unbind())
}

/// `subprocess.Popen(args, ...)` on `core`'s sandbox. `args` is the
/// program and its arguments: the Python half has turned a string, bytes
/// or paths into strings.
pub(crate) fn popen(core: &Bound<'_, Core>, args: Vec<String>, options: &PopenOptions) -> PyResult<Popen> {
    let py = core.py();
    let o = options.for_sandbox(py, core)?;
    let popen = core.get().run(py, |os| os.subprocess().popen(&args, o))?;
    Ok(Popen { popen, core: core.clone().unbind() })
}

impl Popen {
    /// Runs `f` on the child's sandbox with the GIL released.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&osbox::Popen, &mut osbox::Os) -> osbox::Result<T> + Send,
    ) -> PyResult<T> {
        self.core.get().run(py, |os| f(&self.popen, os))
    }

    fn stream(&self, py: Python<'_>, s: Option<&osbox::PopenStream>) -> Option<PopenStream> {
        s.map(|s| PopenStream { stream: *s, core: self.core.clone_ref(py) })
    }
}

#[pymethods]
impl Popen {
    /// `p.pid`.
    #[getter]
    fn pid(&self) -> i32 {
        self.popen.pid()
    }

    /// `p.stdin`, `p.stdout` and `p.stderr`: each pipe, or `None`.
    fn streams(&self, py: Python<'_>) -> (Option<PopenStream>, Option<PopenStream>, Option<PopenStream>) {
        (
            self.stream(py, self.popen.stdin()),
            self.stream(py, self.popen.stdout()),
            self.stream(py, self.popen.stderr()),
        )
    }

    /// `p.poll()`.
    fn poll(&self, py: Python<'_>) -> PyResult<Option<i32>> {
        self.with(py, |p, os| p.poll(os))
    }

    /// `p.wait(timeout)`: the return code, or `subprocess.TimeoutExpired`.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<i32> {
        self.with(py, |p, os| p.wait(os, timeout))
    }

    /// `p.communicate(input, timeout)` past CPython's one-pipe shortcut
    /// (which the Python half takes through the file objects):
    /// `(stdout, stderr)` as bytes, each `None` unless it is a pipe.
    #[pyo3(signature = (input = None, timeout = None))]
    fn communicate(
        &self,
        py: Python<'_>,
        input: Option<Bound<'_, PyBytes>>,
        timeout: Option<f64>,
    ) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
        let input = input.as_ref().map(|b| b.as_bytes());
        let (out, err) = self.with(py, |p, os| p.communicate(os, input, timeout))?;
        Ok((bytes_or_none(py, out), bytes_or_none(py, err)))
    }

    /// `p.send_signal(sig)`: nothing once the child has ended.
    fn send_signal(&self, py: Python<'_>, sig: i32) -> PyResult<()> {
        self.with(py, |p, os| p.send_signal(os, sig))
    }
}

#[pymethods]
impl PopenStream {
    /// True for the child's standard input, which is written.
    #[getter]
    fn writable(&self) -> bool {
        self.stream.writable()
    }

    /// `f.read1(size)`: what one read of the pipe gives, `b""` at its end.
    fn read1<'py>(&self, py: Python<'py>, size: i64) -> PyResult<Bound<'py, PyBytes>> {
        let data = self.core.get().run(py, |os| self.stream.read1(os, size))?;
        Ok(PyBytes::new(py, &data))
    }

    /// `f.read()`: everything to the end of the pipe, in one call.
    fn readall<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let data = self.core.get().run(py, |os| self.stream.read(os, -1))?;
        Ok(PyBytes::new(py, &data))
    }

    /// `f.write(data)`: the number of bytes written (all of them).
    fn write(&self, py: Python<'_>, data: Bound<'_, PyBytes>) -> PyResult<u64> {
        let data = data.as_bytes();
        self.core.get().run(py, |os| self.stream.write(os, data))
    }

    /// `f.close()`: a second close does nothing.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.core.get().run(py, |os| self.stream.close(os))
    }
}

/// `signal.Signals`: every `(name, number)` with Linux's numbers, the
/// aliases (`SIGIOT`, `SIGPOLL`, `SIGCLD`) after the members.
#[pyfunction]
pub fn signals() -> Vec<(&'static str, i32)> {
    let members = osbox::signal::SIGNALS.iter().map(|s| (s.0, s.1));
    members.chain(osbox::signal::ALIASES.iter().copied()).collect()
}

/// `signal.NSIG`: one more than the highest signal number.
#[pyfunction]
pub fn nsig() -> i32 {
    osbox::signal::MAX + 1
}
