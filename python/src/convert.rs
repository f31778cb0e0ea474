//! Python objects to and from the Rust API's types and the protocol's JSON
//! values (docs/protocol.md, "Values"), converted directly, never through
//! text.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use osbox::{FsPath, Stat, StructTime};
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::{Map, Value};

/// A path the way Python hands it over: `str`, `bytes`, or an object with
/// `__fspath__` returning one of those.
pub fn fspath(obj: &Bound<'_, PyAny>) -> PyResult<Option<FsPath>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Some(FsPath::Str(s.to_cow()?.into_owned())));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Some(FsPath::Bytes(b.as_bytes().to_vec())));
    }
    let Ok(method) = obj.get_type().getattr("__fspath__") else { return Ok(None) };
    let path = method.call1((obj,))?;
    if let Ok(s) = path.cast::<PyString>() {
        return Ok(Some(FsPath::Str(s.to_cow()?.into_owned())));
    }
    if let Ok(b) = path.cast::<PyBytes>() {
        return Ok(Some(FsPath::Bytes(b.as_bytes().to_vec())));
    }
    Err(PyTypeError::new_err(format!(
        "expected {}.__fspath__() to return str or bytes, not {}",
        type_name(obj),
        type_name(&path)
    )))
}

/// `type(obj).__name__`.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

/// A path answer, `str` or `bytes` as it was asked.
pub fn fspath_to_py(py: Python<'_>, p: &FsPath) -> PyResult<Py<PyAny>> {
    Ok(match p {
        FsPath::Str(s) => PyString::new(py, s).into_any().unbind(),
        FsPath::Bytes(b) => PyBytes::new(py, b).into_any().unbind(),
    })
}

/// A list of path answers.
pub fn fspaths_to_py<'py>(py: Python<'py>, ps: &[FsPath]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, ps.iter().map(|p| fspath_to_py(py, p)).collect::<PyResult<Vec<_>>>()?)
}

/// `os.stat_result`, as CPython builds it on Linux: the ten tuple fields
/// (integer seconds), the float and nanosecond times, then `st_blksize`,
/// `st_blocks` and `st_rdev`, which WASI does not report (docs/deviations.md).
pub fn stat_to_py(py: Python<'_>, s: &Stat) -> PyResult<Py<PyAny>> {
    static STAT_RESULT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let class = STAT_RESULT.import(py, "os", "stat_result")?;
    let secs = |ns: i64| ns.div_euclid(1_000_000_000);
    let fields: [Bound<'_, PyAny>; 19] = [
        s.st_mode.into_pyobject(py)?.into_any(),
        s.st_ino.into_pyobject(py)?.into_any(),
        s.st_dev.into_pyobject(py)?.into_any(),
        s.st_nlink.into_pyobject(py)?.into_any(),
        s.st_uid.into_pyobject(py)?.into_any(),
        s.st_gid.into_pyobject(py)?.into_any(),
        s.st_size.into_pyobject(py)?.into_any(),
        secs(s.st_atime_ns).into_pyobject(py)?.into_any(),
        secs(s.st_mtime_ns).into_pyobject(py)?.into_any(),
        secs(s.st_ctime_ns).into_pyobject(py)?.into_any(),
        s.st_atime().into_pyobject(py)?.into_any(),
        s.st_mtime().into_pyobject(py)?.into_any(),
        s.st_ctime().into_pyobject(py)?.into_any(),
        s.st_atime_ns.into_pyobject(py)?.into_any(),
        s.st_mtime_ns.into_pyobject(py)?.into_any(),
        s.st_ctime_ns.into_pyobject(py)?.into_any(),
        4096u32.into_pyobject(py)?.into_any(),
        s.st_size.div_ceil(512).into_pyobject(py)?.into_any(),
        0u32.into_pyobject(py)?.into_any(),
    ];
    Ok(class.call1((PyTuple::new(py, fields)?,))?.unbind())
}

/// `time.struct_time`, with its zone.
pub fn struct_time_to_py(py: Python<'_>, t: &StructTime) -> PyResult<Py<PyAny>> {
    static STRUCT_TIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let class = STRUCT_TIME.import(py, "time", "struct_time")?;
    let fields = (
        t.tm_year,
        t.tm_mon,
        t.tm_mday,
        t.tm_hour,
        t.tm_min,
        t.tm_sec,
        t.tm_wday,
        t.tm_yday,
        t.tm_isdst,
        t.tm_zone.as_str(),
        t.tm_gmtoff,
    );
    Ok(class.call1((fields.into_pyobject(py)?,))?.unbind())
}

/// `{"$bytes": base64}`.
fn bytes_value(b: &[u8]) -> Value {
    let mut m = Map::new();
    m.insert("$bytes".into(), Value::String(STANDARD.encode(b)));
    Value::Object(m)
}

/// A Python argument as a protocol value.
pub fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.cast::<PyInt>().is_ok() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return obj
            .extract::<u64>()
            .map(Value::from)
            .map_err(|_| PyOverflowError::new_err("Python int too large to convert to C long"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err(format!("{} cannot cross into the sandbox", f.value())));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(bytes_value(b.as_bytes()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(bytes_value(&b.to_vec()));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l.iter().map(|i| to_json(&i)).collect::<PyResult<Vec<_>>>().map(Value::Array);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t.iter().map(|i| to_json(&i)).collect::<PyResult<Vec<_>>>().map(Value::Array);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = Map::new();
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err(format!("keys must be str, not {}", type_name(&k))))?;
            m.insert(key.to_cow()?.into_owned(), to_json(&v)?);
        }
        return Ok(Value::Object(m));
    }
    if let Some(p) = fspath(obj)? {
        return Ok(match p {
            FsPath::Str(s) => Value::String(s),
            FsPath::Bytes(b) => bytes_value(&b),
        });
    }
    Err(PyTypeError::new_err(format!("a '{}' object cannot be passed into the sandbox", type_name(obj))))
}

/// A protocol value as the Python object it stands for.
pub fn from_json(py: Python<'_>, v: Value) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any().unbind()
            }
        }
        Value::String(s) => PyString::new(py, &s).into_any().unbind(),
        Value::Array(items) => {
            PyList::new(py, items.into_iter().map(|i| from_json(py, i)).collect::<PyResult<Vec<_>>>()?)?
                .into_any()
                .unbind()
        }
        Value::Object(mut m) => {
            if m.len() == 1 {
                if let Some(Value::String(b64)) = m.get("$bytes") {
                    let bytes = STANDARD.decode(b64).map_err(|e| PyValueError::new_err(e.to_string()))?;
                    return Ok(PyBytes::new(py, &bytes).into_any().unbind());
                }
                if let Some(Value::Object(s)) = m.get("$stat") {
                    return stat_to_py(py, &stat_from_json(s));
                }
                if let Some(Value::Object(c)) = m.get_mut("$completed") {
                    static COMPLETED: PyOnceLock<Py<PyType>> = PyOnceLock::new();
                    let class = COMPLETED.import(py, "subprocess", "CompletedProcess")?;
                    let mut field = |k: &str| from_json(py, c.remove(k).unwrap_or(Value::Null));
                    let (args, code, out, err) =
                        (field("args")?, field("returncode")?, field("stdout")?, field("stderr")?);
                    return Ok(class.call1((args, code, out, err))?.unbind());
                }
            }
            let d = PyDict::new(py);
            for (k, v) in m {
                d.set_item(k, from_json(py, v)?)?;
            }
            d.into_any().unbind()
        }
    })
}

fn stat_from_json(s: &Map<String, Value>) -> Stat {
    let u = |k: &str| s.get(k).and_then(Value::as_u64).unwrap_or_default();
    let i = |k: &str| s.get(k).and_then(Value::as_i64).unwrap_or_default();
    Stat {
        st_mode: u("st_mode") as u32,
        st_ino: u("st_ino"),
        st_dev: u("st_dev"),
        st_nlink: u("st_nlink"),
        st_uid: u("st_uid") as u32,
        st_gid: u("st_gid") as u32,
        st_size: u("st_size"),
        st_atime_ns: i("st_atime_ns"),
        st_mtime_ns: i("st_mtime_ns"),
        st_ctime_ns: i("st_ctime_ns"),
    }
}
