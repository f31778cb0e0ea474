//! Binding a request's `args` and `kwargs` to a function's parameters, with
//! the `TypeError`s Python raises for a call that does not fit.

use serde_json::{Map, Value};

use super::json::{self, Num};
use crate::error::{Error, ErrorKind, Result};
use crate::fspath::FsPath;

/// The arguments of one call, by parameter.
pub struct Args {
    /// The dotted name of the function (`os.listdir`).
    qualified: &'static str,
    /// The Python name of the function (`listdir`), for messages.
    func: &'static str,
    /// The `os.*` functions are C functions and word their path errors so.
    c_function: bool,
    params: &'static [&'static str],
    values: Vec<Option<Value>>,
    /// Positional arguments past the parameters (`os.path.join(a, *p)`).
    extra: Vec<Value>,
    /// The parameters given by keyword, in the order they were given.
    keywords: Vec<&'static str>,
}

fn type_error(msg: String) -> Error {
    Error::new(ErrorKind::Type, msg)
}

/// The C integer types CPython converts `int` arguments to; past a type's
/// range the conversion raises `OverflowError`.
#[derive(Clone, Copy, Debug)]
pub enum C {
    /// `int`: descriptors, flags, modes, `how`.
    Int,
    /// `long`, which is also `off_t` on Linux: file offsets and lengths.
    Long,
    /// `Py_ssize_t`: sizes of what is read or made.
    Ssize,
}

impl C {
    fn holds(self, i: i64) -> bool {
        match self {
            C::Int => i32::try_from(i).is_ok(),
            C::Long | C::Ssize => true,
        }
    }

    fn overflow(self) -> Error {
        let name = match self {
            C::Int => "int",
            C::Long => "long",
            C::Ssize => "ssize_t",
        };
        Error::new(ErrorKind::Overflow, format!("Python int too large to convert to C {name}"))
    }
}

/// `v` as a Python `int` (a `bool` is one), `None` for any other type.
pub fn python_int(v: &Value) -> Option<Num> {
    match v {
        Value::Bool(b) => Some(Num::Int(i64::from(*b))),
        Value::Number(n) => match json::number(n) {
            Num::Float(_) => None,
            int => Some(int),
        },
        _ => None,
    }
}

/// CPython's `TypeError` for a value where an `int` is needed.
pub fn not_an_integer(v: &Value) -> Error {
    type_error(format!("'{}' object cannot be interpreted as an integer", json::type_name(v)))
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
        let mut keywords = Vec::new();
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
                Some(i) => {
                    values[i] = Some(v);
                    keywords.push(params[i]);
                }
                // Argument Clinic and Python functions word this differently.
                None if c_function => {
                    return Err(type_error(format!("'{k}' is an invalid keyword argument for {func}()")));
                }
                None => return Err(type_error(format!("{func}() got an unexpected keyword argument '{k}'"))),
            }
        }
        Ok(Args { qualified, func, c_function, params, values, extra, keywords })
    }

    fn index(&self, name: &str) -> usize {
        self.params
            .iter()
            .position(|p| *p == name)
            .unwrap_or_else(|| panic!("{name} is not a parameter of {}", self.func))
    }

    /// The parameters given by keyword, in the order they were given.
    pub fn keywords(&self) -> &[&'static str] {
        &self.keywords
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
        // The C function whose argument conversion rejects a bad path, and
        // its parameter: CPython's message names it. Functions written in
        // Python word it as os.fspath does, unless they hand the path to
        // one first.
        let checked_by = converter(self.qualified, name).or_else(|| {
            let python_level = matches!(self.qualified, "os.makedirs" | "os.renames" | "os.walk" | "os.fwalk");
            (self.c_function && !python_level).then_some((self.func, name))
        });
        match v {
            Value::String(s) => Ok(FsPath::Str(s.clone())),
            Value::Number(n)
                if checked_by.is_some_and(|(f, _)| takes_fd(f)) && !matches!(json::number(n), Num::Float(_)) =>
            {
                match json::number(n) {
                    // No descriptor is open in this sandbox that a path call could use.
                    Num::Int(i) if C::Int.holds(i) => {
                        Err(Error::new(ErrorKind::OsError, "[Errno 9] Bad file descriptor")
                            .with_errno(9, "Bad file descriptor"))
                    }
                    Num::Int(i) if i > 0 => Err(Error::new(ErrorKind::Overflow, "fd is greater than maximum")),
                    Num::BigInt(false) => Err(Error::new(ErrorKind::Overflow, "fd is greater than maximum")),
                    _ => Err(Error::new(ErrorKind::Overflow, "fd is less than minimum")),
                }
            }
            other => match json::decode_bytes(other) {
                Ok(Some(b)) => Ok(FsPath::Bytes(b)),
                _ => Err(not_a_path(checked_by, other)),
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
            Some(Value::Number(n)) => match json::number(n) {
                Num::Int(i) => i != 0,
                Num::BigInt(_) => true,
                Num::Float(f) => f != 0.0,
            },
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
        })
    }

    /// An `int` argument converted as CPython converts it to the C type `c`:
    /// `bool` is an `int`, anything else is `TypeError`, and an `int` past
    /// the type's range `OverflowError` ("Python int too large to convert
    /// to C int").
    pub fn int(&self, name: &str, default: Option<i64>, c: C) -> Result<i64> {
        let v = match (self.get(name), default) {
            (None, Some(d)) => return Ok(d),
            (None, None) => self.required(name)?,
            (Some(v), _) => v,
        };
        match python_int(v) {
            Some(Num::Int(i)) if c.holds(i) => Ok(i),
            Some(_) => Err(c.overflow()),
            None => Err(not_an_integer(v)),
        }
    }

    /// An `int` argument that CPython takes as a C `int` (descriptors,
    /// flags, modes).
    pub fn c_int(&self, name: &str, default: Option<i32>) -> Result<i32> {
        // `int` checks the range: the value fits.
        self.int(name, default.map(i64::from), C::Int).map(|i| i as i32)
    }

    /// A file descriptor: an `int` that fits a C int. Negative ones are the
    /// guest's to refuse (EBADF), as they are the kernel's.
    pub fn fd(&self, name: &str) -> Result<i32> {
        self.c_int(name, None)
    }

    /// A descriptor as `os.fsync` takes it (CPython's `fildes` converter,
    /// for objects with a `fileno()` too): negative numbers are
    /// `ValueError`, anything but an `int` is `TypeError`.
    pub fn fildes(&self, name: &str) -> Result<i32> {
        let v = self.required(name)?;
        let fd = match python_int(v) {
            Some(Num::Int(i)) if C::Int.holds(i) => i as i32,
            Some(_) => return Err(C::Int.overflow()),
            None => return Err(type_error("argument must be an int, or have a fileno() method.".into())),
        };
        if fd < 0 {
            return Err(Error::new(ErrorKind::Value, format!("file descriptor cannot be a negative integer ({fd})")));
        }
        Ok(fd)
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

    /// A float argument; an `int` is taken as Python takes it, and one
    /// beyond 64 bits as an infinity, which every time function refuses as
    /// CPython refuses such an `int`.
    pub fn float(&self, name: &str) -> Result<f64> {
        let v = self.required(name)?;
        match v {
            Value::Bool(b) => Ok(f64::from(u8::from(*b))),
            Value::Number(n) => Ok(match json::number(n) {
                Num::Int(i) => i as f64,
                Num::BigInt(negative) => {
                    if negative {
                        f64::NEG_INFINITY
                    } else {
                        f64::INFINITY
                    }
                }
                Num::Float(f) => f,
            }),
            _ => Err(not_an_integer(v)),
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
        // Each item is a C int, converted in order as `PyArg_ParseTuple`'s
        // "i" does, with its own words for a `long` past an `int`.
        let mut fields = [0i32; 9];
        for (field, item) in fields.iter_mut().zip(items) {
            *field = match python_int(item) {
                Some(Num::Int(i)) => i32::try_from(i).map_err(|_| {
                    let side = if i > 0 { "greater than maximum" } else { "less than minimum" };
                    Error::new(ErrorKind::Overflow, format!("signed integer is {side}"))
                })?,
                Some(_) => return Err(C::Long.overflow()),
                None => return Err(not_an_integer(item)),
            };
        }
        let [year, mon, mday, hour, min, sec, wday, yday, isdst] = fields;
        Ok(Some(crate::StructTime {
            tm_year: i64::from(year),
            tm_mon: mon,
            tm_mday: mday,
            tm_hour: hour,
            tm_min: min,
            tm_sec: sec,
            tm_wday: wday,
            tm_yday: yday,
            tm_isdst: isdst,
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

/// Whether the C function `func` takes a descriptor for its path.
fn takes_fd(func: &str) -> bool {
    matches!(func, "listdir" | "scandir" | "stat" | "chdir" | "chmod" | "statvfs" | "truncate" | "utime")
}

/// The `TypeError` for `v`, which is not a path: in the words of the C
/// function `checked_by` names (with its parameter), or of `os.fspath`.
pub fn not_a_path(checked_by: Option<(&str, &str)>, v: &Value) -> Error {
    let Some((func, name)) = checked_by else {
        return type_error(format!("expected str, bytes or os.PathLike object, not {}", json::type_name(v)));
    };
    let accepts = match func {
        "listdir" | "scandir" => ", os.PathLike, integer or None",
        f if takes_fd(f) => ", os.PathLike or integer",
        _ => " or os.PathLike",
    };
    type_error(format!("{func}: {name} should be string, bytes{accepts}, not {}", json::type_name(v)))
}

/// Where CPython rejects a bad path for a function that does not convert
/// it itself: the C function it is handed to first, and that function's
/// parameter (`os.path.exists(None)`: `stat: path should be ...`).
fn converter(qualified: &str, param: &str) -> Option<(&'static str, &'static str)> {
    Some(match (qualified, param) {
        ("os.removedirs", _) => ("rmdir", "path"),
        ("os.renames", "old") | ("shutil.move", "src") => ("rename", "src"),
        (
            "os.path.exists" | "os.path.isdir" | "os.path.isfile" | "os.path.getsize" | "os.path.getmtime"
            | "os.path.getatime" | "os.path.getctime" | "os.path.samefile" | "shutil.copy" | "shutil.copy2"
            | "shutil.copyfile",
            _,
        )
        | ("shutil.copymode" | "shutil.copystat", "src")
        | ("shutil.move", "dst") => ("stat", "path"),
        ("os.path.islink" | "os.path.lexists" | "os.path.ismount" | "shutil.rmtree", _) => ("lstat", "path"),
        ("shutil.copymode", "dst") => ("chmod", "path"),
        ("shutil.copystat", "dst") => ("utime", "path"),
        ("shutil.disk_usage", _) => ("statvfs", "path"),
        _ => return None,
    })
}
