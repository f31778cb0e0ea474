//! [`osbox::Error`] as the Python exception CPython raises: the built-in
//! class with `errno`, `strerror`, `filename` and `filename2`, shutil's and
//! subprocess's own classes, and [`SandboxError`] for a sandbox that ended.

use osbox::{Error, ErrorKind};
use pyo3::exceptions::{
    PyAttributeError, PyBlockingIOError, PyBrokenPipeError, PyChildProcessError, PyFileExistsError,
    PyFileNotFoundError, PyInterruptedError, PyIsADirectoryError, PyKeyError, PyMemoryError, PyNotADirectoryError,
    PyNotImplementedError, PyOSError, PyOverflowError, PyPermissionError, PyProcessLookupError, PyRecursionError,
    PyTimeoutError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::convert::fspath_to_py;

pyo3::create_exception!(
    osbox,
    SandboxError,
    pyo3::exceptions::PyException,
    "The sandbox can no longer run calls: it was closed, it trapped, or it ended at its time limit (the \
     call that reached the limit raised TimeoutError)."
);

/// The `OSError` subclass of an errno-carrying kind.
fn os_error_class(py: Python<'_>, kind: ErrorKind) -> Option<Bound<'_, PyType>> {
    Some(match kind {
        ErrorKind::OsError => py.get_type::<PyOSError>(),
        ErrorKind::FileNotFound => py.get_type::<PyFileNotFoundError>(),
        ErrorKind::FileExists => py.get_type::<PyFileExistsError>(),
        ErrorKind::NotADirectory => py.get_type::<PyNotADirectoryError>(),
        ErrorKind::IsADirectory => py.get_type::<PyIsADirectoryError>(),
        ErrorKind::Permission => py.get_type::<PyPermissionError>(),
        ErrorKind::BlockingIo => py.get_type::<PyBlockingIOError>(),
        ErrorKind::BrokenPipe => py.get_type::<PyBrokenPipeError>(),
        ErrorKind::ChildProcess => py.get_type::<PyChildProcessError>(),
        ErrorKind::Interrupted => py.get_type::<PyInterruptedError>(),
        ErrorKind::ProcessLookup => py.get_type::<PyProcessLookupError>(),
        ErrorKind::Timeout => py.get_type::<PyTimeoutError>(),
        _ => return None,
    })
}

/// `ast.literal_eval(text)`, or `text` itself when it is not a literal:
/// osbox carries `shutil.Error`'s list of failures and `KeyError`'s key as
/// their `str()`, which is the repr of the original.
fn literal(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    static LITERAL_EVAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let eval =
        LITERAL_EVAL.get_or_try_init(py, || Ok::<_, PyErr>(py.import("ast")?.getattr("literal_eval")?.unbind()))?;
    match eval.bind(py).call1((text,)) {
        Ok(v) => Ok(v.unbind()),
        Err(_) => Ok(text.into_pyobject(py)?.into_any().unbind()),
    }
}

/// The Python exception for `err`.
pub fn to_pyerr(py: Python<'_>, err: Error) -> PyErr {
    build(py, &err).unwrap_or_else(|e| e)
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    static SHUTIL_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static SAME_FILE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static SPECIAL_FILE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static SUBPROCESS_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static TIMEOUT_EXPIRED: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let kind = err.kind();
    let message = err.message();
    if let Some(class) = os_error_class(py, kind) {
        let Some(errno) = err.errno() else { return Ok(PyErr::from_type(class, (message.to_string(),))) };
        let strerror = err.strerror().unwrap_or_default().to_string();
        let filename = err.filename().map(|f| fspath_to_py(py, f)).transpose()?;
        let filename2 = err.filename2().map(|f| fspath_to_py(py, f)).transpose()?;
        return Ok(match (filename, filename2) {
            (None, None) => PyErr::from_type(class, (errno, strerror)),
            (f, None) => PyErr::from_type(class, (errno, strerror, f)),
            (f, f2) => PyErr::from_type(class, (errno, strerror, f, py.None(), f2)),
        });
    }
    let simple = |class: Bound<'_, PyType>| Ok(PyErr::from_type(class, (message.to_string(),)));
    match kind {
        ErrorKind::Value => simple(py.get_type::<PyValueError>()),
        ErrorKind::Type => simple(py.get_type::<PyTypeError>()),
        ErrorKind::NotImplemented => simple(py.get_type::<PyNotImplementedError>()),
        ErrorKind::Attribute => simple(py.get_type::<PyAttributeError>()),
        ErrorKind::Memory => simple(py.get_type::<PyMemoryError>()),
        ErrorKind::Overflow => simple(py.get_type::<PyOverflowError>()),
        ErrorKind::Recursion => simple(py.get_type::<PyRecursionError>()),
        ErrorKind::Key => Ok(PyErr::from_type(py.get_type::<PyKeyError>(), (literal(py, message)?,))),
        ErrorKind::ShutilError => {
            let class = SHUTIL_ERROR.import(py, "shutil", "Error")?.clone();
            // copytree's list of (src, dst, why), or a sentence.
            let arg = if message.starts_with('[') {
                literal(py, message)?
            } else {
                message.into_pyobject(py)?.into_any().unbind()
            };
            Ok(PyErr::from_type(class, (arg,)))
        }
        ErrorKind::SameFile => simple(SAME_FILE.import(py, "shutil", "SameFileError")?.clone()),
        ErrorKind::SpecialFile => simple(SPECIAL_FILE.import(py, "shutil", "SpecialFileError")?.clone()),
        ErrorKind::TimeoutExpired => {
            // "Command 'CMD' timed out after T seconds"
            let class = TIMEOUT_EXPIRED.import(py, "subprocess", "TimeoutExpired")?.clone();
            let rest = message.strip_prefix("Command '").unwrap_or(message);
            let (cmd, secs) = rest.rsplit_once("' timed out after ").unwrap_or((rest, "0 seconds"));
            let secs: f64 = secs.trim_end_matches(" seconds").parse().unwrap_or(0.0);
            Ok(PyErr::from_type(class, (cmd.to_string(), secs)))
        }
        // The package's subprocess functions check return codes themselves,
        // with the output at hand; this is for direct protocol calls.
        ErrorKind::CalledProcess | ErrorKind::SubprocessError => {
            simple(SUBPROCESS_ERROR.import(py, "subprocess", "SubprocessError")?.clone())
        }
        _ => Ok(SandboxError::new_err(message.to_string())),
    }
}
