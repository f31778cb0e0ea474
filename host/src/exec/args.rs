//! Binding a request's `args` and `kwargs` to a function's parameters, with
//! the `TypeError`s Python raises for a call that does not fit.

use serde_json::{Map, Value};

use super::json;
use crate::error::{Error, ErrorKind, Result};
use crate::fspath::FsPath;

/// The arguments of one call, by parameter.
pub struct Args {
    /// The Python name of the function (`listdir`), for messages.
    func: &'static str,
    /// The `os.*` functions are C functions and word their path errors so.
    c_function: bool,
    params: &'static [&'static str],
    values: Vec<Option<Value>>,
    /// Positional arguments past the parameters (`os.path.join(a, *p)`).
    extra: Vec<Value>,
}

fn type_error(msg: String) -> Error {
    Error::new(ErrorKind::Type, msg)
}

impl Args {
    /// Binds `args` and `kwargs` to `params`; `*name` as the last parameter
    /// takes the remaining positional arguments.
    pub fn bind(
        qualified: &'static str,
        params: &'static [&'static str],
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Args> {
        let func = qualified.rsplit('.').next().unwrap_or(qualified);
        let c_function = qualified.starts_with("os.") && !qualified.starts_with("os.path.");
        let variadic = params.last().is_some_and(|p| p.starts_with('*'));
        let fixed = if variadic { params.len() - 1 } else { params.len() };
        let mut values: Vec<Option<Value>> = vec![None; params.len()];
        let mut extra = Vec::new();
        let given = args.len();
        for (i, v) in args.into_iter().enumerate() {
            if i < fixed {
                values[i] = Some(v);
            } else if variadic {
                extra.push(v);
            } else {
                return Err(type_error(format!(
                    "{func}() takes at most {fixed} positional argument{} ({given} given)",
                    if fixed == 1 { "" } else { "s" }
                )));
            }
        }
        for (k, v) in kwargs {
            match params[..fixed].iter().position(|p| *p == k) {
                Some(i) if values[i].is_some() => {
                    return Err(type_error(format!("{func}() got multiple values for argument '{k}'")));
                }
                Some(i) => values[i] = Some(v),
                // Argument Clinic and Python functions word this differently.
                None if c_function => {
                    return Err(type_error(format!("'{k}' is an invalid keyword argument for {func}()")));
                }
                None => return Err(type_error(format!("{func}() got an unexpected keyword argument '{k}'"))),
            }
        }
        Ok(Args { func, c_function, params, values, extra })
    }

    fn index(&self, name: &str) -> usize {
        self.params
            .iter()
            .position(|p| *p == name)
            .unwrap_or_else(|| panic!("{name} is not a parameter of {}", self.func))
    }

    /// The argument for `name`, `None` when it was not given.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values[self.index(name)].as_ref()
    }

    /// The argument for `name`; `TypeError` when it is missing.
    pub fn required(&self, name: &str) -> Result<&Value> {
        self.get(name).ok_or_else(|| {
            let pos = self.index(name) + 1;
            if self.c_function {
                type_error(format!("{}() missing required argument '{name}' (pos {pos})", self.func))
            } else {
                type_error(format!("{}() missing 1 required positional argument: '{name}'", self.func))
            }
        })
    }

    /// The positional arguments past the named parameters.
    pub fn extra(&self) -> &[Value] {
        &self.extra
    }

    /// A path argument (`str` or `bytes`).
    pub fn path_value(&self, name: &str, v: &Value) -> Result<FsPath> {
        let (takes_fd, takes_none) = match self.func {
            "listdir" | "scandir" => (true, true),
            "stat" | "chdir" | "chmod" | "statvfs" => (true, false),
            _ => (false, false),
        };
        match v {
            Value::String(s) => Ok(FsPath::Str(s.clone())),
            // No descriptor is open in this sandbox that a path call could use.
            Value::Number(n) if takes_fd && self.c_function && n.is_i64() => {
                Err(Error::new(ErrorKind::OsError, "[Errno 9] Bad file descriptor")
                    .with_errno(9, "Bad file descriptor"))
            }
            other => match json::decode_bytes(other) {
                Ok(Some(b)) => Ok(FsPath::Bytes(b)),
                _ if self.c_function => Err(type_error(format!(
                    "{}: {name} should be string, bytes{}, not {}",
                    self.func,
                    match (takes_fd, takes_none) {
                        (true, true) => ", os.PathLike, integer or None",
                        (true, false) => ", os.PathLike or integer",
                        _ => " or os.PathLike",
                    },
                    json::type_name(other)
                ))),
                _ => Err(type_error(format!(
                    "expected str, bytes or os.PathLike object, not {}",
                    json::type_name(other)
                ))),
            },
        }
    }

    /// A required path argument.
    pub fn path(&self, name: &str) -> Result<FsPath> {
        self.path_value(name, self.required(name)?)
    }

    /// An optional path argument: absent or `None` gives `None`.
    pub fn opt_path(&self, name: &str) -> Result<Option<FsPath>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => self.path_value(name, v).map(Some),
        }
    }

    /// A list of paths (`commonpath(paths)`).
    pub fn paths(&self, name: &str) -> Result<Vec<FsPath>> {
        match self.required(name)? {
            Value::Array(items) => items.iter().map(|v| self.path_value(name, v)).collect(),
            other => Err(type_error(format!("'{}' object is not iterable", json::type_name(other)))),
        }
    }

    /// A flag: Python takes any object's truth; JSON gives bools, numbers,
    /// strings, lists and null.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool> {
        Ok(match self.get(name) {
            None => default,
            Some(Value::Bool(b)) => *b,
            Some(Value::Null) => false,
            Some(Value::Number(n)) => n.as_f64() != Some(0.0),
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
        })
    }

    /// An integer argument.
    pub fn int(&self, name: &str, default: Option<i64>) -> Result<i64> {
        match (self.get(name), default) {
            (None, Some(d)) => Ok(d),
            (None, None) => self.required(name).map(|_| 0),
            (Some(Value::Bool(b)), _) => Ok(i64::from(*b)),
            (Some(Value::Number(n)), _) if n.is_i64() => Ok(n.as_i64().unwrap_or_default()),
            (Some(v), _) => {
                Err(type_error(format!("'{}' object cannot be interpreted as an integer", json::type_name(v))))
            }
        }
    }

    /// A file descriptor: an `int` that fits a C int.
    pub fn fd(&self, name: &str) -> Result<i32> {
        let n = self.int(name, None)?;
        i32::try_from(n).map_err(|_| {
            Error::new(ErrorKind::OsError, "[Errno 9] Bad file descriptor").with_errno(9, "Bad file descriptor")
        })
    }

    /// A file object: `{"$fdopen": [fd, mode]}` (`os.fdopen(fd, mode)`) is
    /// the descriptor it wraps.
    pub fn file_object(&self, name: &str) -> Result<i32> {
        let v = self.required(name)?;
        v.get("$fdopen")
            .and_then(|f| f.get(0))
            .and_then(Value::as_i64)
            .and_then(|fd| i32::try_from(fd).ok())
            .ok_or_else(|| {
                Error::new(ErrorKind::Attribute, format!("'{}' object has no attribute 'read'", json::type_name(v)))
            })
    }

    /// A `bytes` argument (`{"$bytes": ...}`).
    pub fn bytes(&self, name: &str) -> Result<Vec<u8>> {
        let v = self.required(name)?;
        match json::decode_bytes(v) {
            Ok(Some(b)) => Ok(b),
            _ => Err(type_error(format!("a bytes-like object is required, not '{}'", json::type_name(v)))),
        }
    }

    /// `copy_function`: `{"$callable": "shutil.copy"}` or `shutil.copy2`
    /// (the default).
    pub fn copy_function(&self, name: &str) -> Result<crate::CopyFunction> {
        match self.get(name).map(|v| v.get("$callable").and_then(Value::as_str)) {
            None => Ok(crate::CopyFunction::Copy2),
            Some(Some("shutil.copy2")) => Ok(crate::CopyFunction::Copy2),
            Some(Some("shutil.copy")) => Ok(crate::CopyFunction::Copy),
            Some(_) => Err(Error::new(
                ErrorKind::NotImplemented,
                format!("{name}: only shutil.copy and shutil.copy2 are available"),
            )),
        }
    }

    /// `ignore`: `None`, or `{"$ignore_patterns": [...]}` for
    /// `shutil.ignore_patterns(...)`.
    pub fn ignore_patterns(&self, name: &str) -> Result<Option<Vec<String>>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.get("$ignore_patterns").and_then(Value::as_array) {
                Some(pats) => Ok(Some(pats.iter().map(|p| p.as_str().unwrap_or_default().to_string()).collect())),
                None => Err(Error::new(
                    ErrorKind::NotImplemented,
                    format!("{name}: only shutil.ignore_patterns(...) is available"),
                )),
            },
        }
    }

    /// A `(int, int)` pair.
    pub fn int_pair(&self, name: &str, default: (i64, i64)) -> Result<(i64, i64)> {
        match self.get(name) {
            None => Ok(default),
            Some(Value::Array(p)) if p.len() == 2 && p.iter().all(Value::is_i64) => {
                Ok((p[0].as_i64().unwrap_or_default(), p[1].as_i64().unwrap_or_default()))
            }
            Some(v) => Err(type_error(format!("'{}' object is not a pair of integers", json::type_name(v)))),
        }
    }

    /// A float argument (an int is taken as Python takes it).
    pub fn float(&self, name: &str) -> Result<f64> {
        match self.required(name)? {
            Value::Number(n) => Ok(n.as_f64().unwrap_or_default()),
            v => Err(type_error(format!("'{}' object cannot be interpreted as an integer", json::type_name(v)))),
        }
    }

    /// An optional float (`None` or absent: `None`).
    pub fn opt_float(&self, name: &str) -> Result<Option<f64>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.float(name).map(Some),
        }
    }

    /// A `struct_time` given as a 9-item array; `None` when absent.
    pub fn struct_time(&self, name: &str, zone: &crate::StructTime) -> Result<Option<crate::StructTime>> {
        let Some(v) = self.get(name) else { return Ok(None) };
        let items = v.as_array().ok_or_else(|| type_error("Tuple or struct_time argument required".to_string()))?;
        if items.len() != 9 {
            return Err(type_error(format!("{}(): illegal time tuple argument", self.func)));
        }
        if let Some(bad) = items.iter().find(|i| !i.is_i64()) {
            return Err(type_error(format!("'{}' object cannot be interpreted as an integer", json::type_name(bad))));
        }
        let n = |i: usize| items[i].as_i64().unwrap_or_default();
        let small = |i: usize| {
            i32::try_from(n(i)).map_err(|_| Error::new(ErrorKind::Overflow, "Python int too large to convert to C int"))
        };
        Ok(Some(crate::StructTime {
            tm_year: n(0),
            tm_mon: small(1)?,
            tm_mday: small(2)?,
            tm_hour: small(3)?,
            tm_min: small(4)?,
            tm_sec: small(5)?,
            tm_wday: small(6)?,
            tm_yday: small(7)?,
            tm_isdst: small(8)?,
            tm_zone: zone.tm_zone.clone(),
            tm_gmtoff: zone.tm_gmtoff,
        }))
    }

    /// A `str` argument (environment names and values).
    pub fn string(&self, name: &str) -> Result<String> {
        match self.required(name)? {
            Value::String(s) => Ok(s.clone()),
            v => Err(type_error(format!("str expected, not {}", json::type_name(v)))),
        }
    }

    /// A parameter osbox accepts only as `None` (`dir_fd`, `onerror`).
    pub fn unsupported_unless_none(&self, name: &str) -> Result<()> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(()),
            Some(_) => Err(Error::new(ErrorKind::NotImplemented, format!("{name} unavailable on this platform"))),
        }
    }
}
