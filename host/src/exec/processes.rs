//! The protocol's processes: `subprocess.*`, `os.system`, `os.popen`,
//! `os.kill`, `signal.*`, and the methods of the objects they give,
//! called unbound with the handle first (`subprocess.Popen.communicate`,
//! `io.BufferedReader.readline`), with `getattr` for attributes. The
//! arguments are converted here; what they do is the guest's.

use serde_json::{Value, json};

use super::args::Args;
use super::calls::Def;
use super::json;
use super::objects::{Object, number, python_type};
use crate::error::{Error, ErrorKind, Result};
use crate::os::Os;
use crate::subprocess::{Command, Data, PopenOptions, PopenStream, Redirect, Seconds};

/// `subprocess.PIPE`, `STDOUT` and `DEVNULL`.
const PIPE: i64 = -1;
const STDOUT: i64 = -2;
const DEVNULL: i64 = -3;

fn type_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Type, message)
}

/// `Popen`'s keyword parameters after `args`, in CPython's order, after
/// the parameters given first: one list for `Popen` and for `run`, which
/// passes them on.
macro_rules! popen_params {
    ($($first:literal),*) => {
        &[
            $($first,)*
            "bufsize",
            "executable",
            "stdin",
            "stdout",
            "stderr",
            "preexec_fn",
            "close_fds",
            "shell",
            "cwd",
            "env",
            "universal_newlines",
            "startupinfo",
            "creationflags",
            "restore_signals",
            "start_new_session",
            "pass_fds",
            "user",
            "group",
            "extra_groups",
            "encoding",
            "errors",
            "text",
            "umask",
            "pipesize",
            "process_group",
        ]
    };
}

/// `Popen`'s parameters, in CPython's order.
const POPEN_PARAMS: &[&str] = popen_params!("args");

/// `run`'s: its own, then `Popen`'s keywords.
const RUN_PARAMS: &[&str] = popen_params!("args", "input", "capture_output", "timeout", "check");

/// The callables of this module.
pub static CALLS: &[Def] = &[
    Def { name: "getattr", params: &["object", "name", "default"], run: getattr },
    Def { name: "io.BufferedReader.close", params: &["self"], run: |os, a| close(os, a, "io.BufferedReader") },
    Def {
        name: "io.BufferedReader.read",
        params: &["self", "size"],
        run: |os, a| read(os, a, "io.BufferedReader", Read::All),
    },
    Def {
        name: "io.BufferedReader.read1",
        params: &["self", "size"],
        run: |os, a| read(os, a, "io.BufferedReader", Read::One),
    },
    Def {
        name: "io.BufferedReader.readline",
        params: &["self", "size"],
        run: |os, a| read(os, a, "io.BufferedReader", Read::Line),
    },
    Def {
        name: "io.BufferedReader.readlines",
        params: &["self", "hint"],
        run: |os, a| read(os, a, "io.BufferedReader", Read::Lines),
    },
    Def {
        name: "io.BufferedReader.write",
        params: &["self", "buffer"],
        run: |os, a| write(os, a, "io.BufferedReader"),
    },
    Def { name: "io.BufferedWriter.close", params: &["self"], run: |os, a| close(os, a, "io.BufferedWriter") },
    Def {
        name: "io.BufferedWriter.read",
        params: &["self", "size"],
        run: |os, a| read(os, a, "io.BufferedWriter", Read::All),
    },
    Def { name: "io.BufferedWriter.flush", params: &["self"], run: |os, a| flush(os, a, "io.BufferedWriter") },
    Def {
        name: "io.BufferedWriter.write",
        params: &["self", "buffer"],
        run: |os, a| write(os, a, "io.BufferedWriter"),
    },
    Def { name: "io.TextIOWrapper.close", params: &["self"], run: |os, a| close(os, a, "io.TextIOWrapper") },
    Def { name: "io.TextIOWrapper.flush", params: &["self"], run: |os, a| flush(os, a, "io.TextIOWrapper") },
    Def {
        name: "io.TextIOWrapper.read",
        params: &["self", "size"],
        run: |os, a| read(os, a, "io.TextIOWrapper", Read::All),
    },
    Def {
        name: "io.TextIOWrapper.readline",
        params: &["self", "size"],
        run: |os, a| read(os, a, "io.TextIOWrapper", Read::Line),
    },
    Def {
        name: "io.TextIOWrapper.readlines",
        params: &["self", "hint"],
        run: |os, a| read(os, a, "io.TextIOWrapper", Read::Lines),
    },
    Def { name: "io.TextIOWrapper.write", params: &["self", "s"], run: |os, a| write(os, a, "io.TextIOWrapper") },
    Def { name: "os._wrap_close.close", params: &["self"], run: wrap_close },
    Def { name: "os._wrap_close.flush", params: &["self"], run: |os, a| flush(os, a, "os._wrap_close") },
    Def {
        name: "os._wrap_close.read",
        params: &["self", "size"],
        run: |os, a| read(os, a, "os._wrap_close", Read::All),
    },
    Def {
        name: "os._wrap_close.readline",
        params: &["self", "size"],
        run: |os, a| read(os, a, "os._wrap_close", Read::Line),
    },
    Def {
        name: "os._wrap_close.readlines",
        params: &["self", "hint"],
        run: |os, a| read(os, a, "os._wrap_close", Read::Lines),
    },
    Def { name: "os._wrap_close.write", params: &["self", "s"], run: |os, a| write(os, a, "os._wrap_close") },
    Def {
        name: "os.kill",
        params: &["pid", "signal"],
        // The signal is a Py_ssize_t that kill(2) takes as an int, as
        // CPython passes it.
        run: |os, a| {
            let signal = a.int("signal", None, super::args::C::Ssize)? as i32;
            os.kill(a.c_int("pid", None)?, signal).map(|()| Value::Null)
        },
    },
    Def { name: "os.popen", params: &["cmd", "mode", "buffering"], run: os_popen },
    Def { name: "os.system", params: &["command"], run: |os, a| os.system(&a.string("command")?).map(Value::from) },
    Def { name: "subprocess.Popen", params: POPEN_PARAMS, run: popen },
    Def { name: "subprocess.Popen.communicate", params: &["self", "input", "timeout"], run: communicate },
    Def { name: "subprocess.Popen.kill", params: &["self"], run: |os, a| signal(os, a, Some(9)) },
    Def {
        name: "subprocess.Popen.poll",
        params: &["self"],
        run: |os, a| {
            let p = the_popen(os, a, "_internal_poll")?;
            Ok(p.poll(os)?.map_or(Value::Null, Value::from))
        },
    },
    Def { name: "subprocess.Popen.send_signal", params: &["self", "sig"], run: |os, a| signal(os, a, None) },
    Def { name: "subprocess.Popen.terminate", params: &["self"], run: |os, a| signal(os, a, Some(15)) },
    Def {
        name: "subprocess.Popen.wait",
        params: &["self", "timeout"],
        run: |os, a| {
            let p = the_popen(os, a, "_wait")?;
            p.wait_for(os, timeout(a)?).map(Value::from)
        },
    },
    Def { name: "subprocess.call", params: RUN_PARAMS, run: |os, a| subprocess_run(os, a, Mode::Call) },
    Def { name: "subprocess.check_call", params: RUN_PARAMS, run: |os, a| subprocess_run(os, a, Mode::CheckCall) },
    Def { name: "subprocess.check_output", params: RUN_PARAMS, run: |os, a| subprocess_run(os, a, Mode::CheckOutput) },
    Def {
        name: "subprocess.getoutput",
        params: &["cmd", "encoding", "errors"],
        run: |os, a| getstatusoutput(os, a, false),
    },
    Def {
        name: "subprocess.getstatusoutput",
        params: &["cmd", "encoding", "errors"],
        run: |os, a| getstatusoutput(os, a, true),
    },
    Def { name: "subprocess.run", params: RUN_PARAMS, run: |os, a| subprocess_run(os, a, Mode::Run) },
];

/// The callable named `name`.
pub fn find(name: &str) -> Option<&'static Def> {
    CALLS.iter().find(|d| d.name == name)
}

/// `AttributeError` for a method a type of this module does not have
/// (`io.TextIOWrapper.read1`), worded as CPython words it: of the object
/// when one of the type is the first argument (the method is looked up on
/// it, as the protocol does where a class hands its methods on), else of
/// the type.
pub fn missing_method(os: &Os, name: &str, first: Option<&Value>) -> Option<Error> {
    let types = ["subprocess.Popen", "io.BufferedReader", "io.BufferedWriter", "io.TextIOWrapper", "os._wrap_close"];
    let (owner, attr) = name.rsplit_once('.')?;
    if !types.contains(&owner) {
        return None;
    }
    let of_object = first.and_then(|v| os.objects.get(v).ok()).is_some_and(|(_, o)| o.type_name() == owner);
    let what = if of_object {
        format!("'{}' object", python_type(owner))
    } else {
        format!("type object '{}'", python_type(owner))
    };
    Some(Error::new(ErrorKind::Attribute, format!("{what} has no attribute '{attr}'")))
}

/// `signal.SIG*` (and `signal.NSIG`), with Linux's numbers.
pub fn attribute(name: &str) -> Option<Value> {
    match name {
        "subprocess.PIPE" => Some(json!(PIPE)),
        "subprocess.STDOUT" => Some(json!(STDOUT)),
        "subprocess.DEVNULL" => Some(json!(DEVNULL)),
        "signal.NSIG" => Some(json!(osbox_errno::signal::MAX + 1)),
        _ => name.strip_prefix("signal.").and_then(osbox_errno::signal::number).map(Value::from),
    }
}

/// A JSON value as the data a pipe carries: `str` or `bytes`.
fn data(v: &Value) -> Result<Data> {
    match v {
        Value::String(s) => Ok(Data::Text(s.clone())),
        other => match json::decode_bytes(other) {
            Ok(Some(b)) => Ok(Data::Bytes(b)),
            _ => Err(type_error(format!("a bytes-like object is required, not '{}'", json::type_name(other)))),
        },
    }
}

/// Data as the protocol answers it.
fn shown(d: Data) -> Value {
    match d {
        Data::Text(t) => Value::String(t),
        Data::Bytes(b) => json::bytes(&b),
    }
}

/// A `timeout` argument: an `int` and a `float` print differently.
fn timeout(a: &Args) -> Result<Option<Seconds>> {
    match a.get("timeout") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64().map(Seconds::Int)),
        Some(Value::Number(n)) => Ok(n.as_f64().map(Seconds::Float)),
        Some(v) => {
            Err(type_error(format!("'<' not supported between instances of '{}' and 'int'", json::type_name(v))))
        }
    }
}

/// `args`: a string or a list of strings (bytes are decoded).
fn command(v: &Value) -> Result<Command> {
    let one = |v: &Value| -> Result<String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            other => match json::decode_bytes(other) {
                Ok(Some(b)) => Ok(String::from_utf8_lossy(&b).into_owned()),
                _ => Err(type_error(format!(
                    "expected str, bytes or os.PathLike object, not {}",
                    json::type_name(other)
                ))),
            },
        }
    };
    match v {
        Value::Array(items) => items.iter().map(one).collect::<Result<_>>().map(Command::List),
        other => one(other).map(Command::Text),
    }
}

/// `stdin`, `stdout` or `stderr`: `None`, `PIPE`, `STDOUT`, `DEVNULL`, a
/// descriptor, or a pipe's handle.
fn redirect(os: &Os, a: &Args, name: &str) -> Result<Redirect> {
    let Some(v) = a.get(name) else { return Ok(Redirect::Inherit) };
    if number(v).is_some() {
        return match os.objects.get(v)? {
            (_, Object::Stream { stream, .. }) => Ok(Redirect::Stream(stream)),
            (_, other) => Err(Error::new(
                ErrorKind::Attribute,
                format!("'{}' object has no attribute 'fileno'", other.class_name()),
            )),
        };
    }
    match v {
        Value::Null => Ok(Redirect::Inherit),
        Value::Number(n) => match n.as_i64() {
            Some(PIPE) => Ok(Redirect::Pipe),
            Some(STDOUT) => Ok(Redirect::Stdout),
            Some(DEVNULL) => Ok(Redirect::DevNull),
            Some(fd) => i32::try_from(fd)
                .map(Redirect::Fd)
                .map_err(|_| Error::new(ErrorKind::Overflow, "Python int too large to convert to C int")),
            None => Err(type_error("an integer is required")),
        },
        other => Err(Error::new(
            ErrorKind::Attribute,
            format!("'{}' object has no attribute 'fileno'", json::type_name(other)),
        )),
    }
}

/// Whether an argument was given, and not as `None`.
fn given(a: &Args, name: &str) -> bool {
    a.get(name).is_some_and(|v| !v.is_null())
}

/// `Popen`'s check of `text` against `universal_newlines`.
fn text_conflict(a: &Args) -> Result<()> {
    if given(a, "text")
        && given(a, "universal_newlines")
        && a.flag("text", false)? != a.flag("universal_newlines", false)?
    {
        return Err(Error::new(
            ErrorKind::SubprocessError,
            "Cannot disambiguate when both text and universal_newlines are supplied but different. \
             Pass one or the other.",
        ));
    }
    Ok(())
}

/// The keyword arguments `Popen` takes, checked and converted; the ones
/// osbox cannot honour are `NotImplementedError` unless they are left as
/// CPython's defaults.
fn popen_options(os: &Os, a: &Args) -> Result<PopenOptions> {
    for (name, default) in [
        ("executable", Value::Null),
        ("preexec_fn", Value::Null),
        ("startupinfo", Value::Null),
        ("creationflags", json!(0)),
        ("user", Value::Null),
        ("group", Value::Null),
        ("extra_groups", Value::Null),
        ("umask", json!(-1)),
    ] {
        if a.get(name).is_some_and(|v| *v != default) {
            return Err(Error::new(ErrorKind::NotImplemented, format!("{name} is not available in osbox")));
        }
    }
    if a.get("pass_fds").is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty())) {
        return Err(Error::new(ErrorKind::NotImplemented, "pass_fds is not available in osbox"));
    }
    let optional_string = |name: &str| -> Result<Option<String>> {
        match a.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(type_error(format!("{name}() argument must be str, not {}", json::type_name(v)))),
        }
    };
    let encoding = optional_string("encoding")?;
    let errors = optional_string("errors")?;
    let text = a.flag("text", false)? || a.flag("universal_newlines", false)? || encoding.is_some() || errors.is_some();
    Ok(PopenOptions {
        stdin: redirect(os, a, "stdin")?,
        stdout: redirect(os, a, "stdout")?,
        stderr: redirect(os, a, "stderr")?,
        shell: a.flag("shell", false)?,
        cwd: a.opt_path("cwd")?,
        env: match a.get("env") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(
                m.iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => Ok((k.clone(), s.clone())),
                        other => Err(type_error(format!(
                            "expected str, bytes or os.PathLike object, not {}",
                            json::type_name(other)
                        ))),
                    })
                    .collect::<Result<_>>()?,
            ),
            Some(_) => return Err(type_error("env must be a mapping")),
        },
        text,
        encoding,
        errors,
    })
}

/// `subprocess.Popen(args, ...)`: a handle.
fn popen(os: &mut Os, a: &Args) -> Result<Value> {
    let raw = a.required("args")?.clone();
    let args = command(&raw)?;
    text_conflict(a)?;
    let options = popen_options(os, a)?;
    let popen = os.subprocess().popen_command(&args, &options)?;
    Ok(os.objects.handle(Object::Popen { popen, args: raw }))
}

/// The `Popen` a method is called on. Its methods are Python code: on
/// another object they fail at the first attribute they look up, `first`.
fn the_popen(os: &Os, a: &Args, first: &str) -> Result<crate::Popen> {
    match os.objects.get(a.required("self")?) {
        Ok((_, Object::Popen { popen, .. })) => Ok(popen),
        Ok((_, other)) => Err(Error::new(
            ErrorKind::Attribute,
            format!("'{}' object has no attribute '{first}'", other.attribute_class_name()),
        )),
        Err(_) if number(a.required("self")?).is_none() => {
            let v = a.required("self")?;
            Err(Error::new(ErrorKind::Attribute, format!("'{}' object has no attribute '{first}'", json::type_name(v))))
        }
        Err(e) => Err(e),
    }
}

/// `p.communicate(input, timeout)`: `[stdout, stderr]`.
fn communicate(os: &mut Os, a: &Args) -> Result<Value> {
    let p = the_popen(os, a, "_communication_started")?;
    let input = match a.get("input") {
        None | Some(Value::Null) => None,
        Some(v) => Some(data(v)?),
    };
    let (out, err) = p.communicate_data(os, input, timeout(a)?)?;
    Ok(json!([out.map_or(Value::Null, shown), err.map_or(Value::Null, shown)]))
}

/// `p.send_signal(sig)`, `p.terminate()`, `p.kill()`.
fn signal(os: &mut Os, a: &Args, fixed: Option<i32>) -> Result<Value> {
    // send_signal polls first; terminate and kill call send_signal.
    let p = the_popen(os, a, if fixed.is_none() { "poll" } else { "send_signal" })?;
    let sig = match fixed {
        Some(s) => s,
        None => a.c_int("sig", None)?,
    };
    p.send_signal(os, sig).map(|()| Value::Null)
}

/// The class that defines `method` of `type_name` (CPython's `io` types
/// inherit some): a method of `_io._IOBase` serves any stream, one of
/// `_io._BufferedIOBase` any binary stream, and says it is unsupported.
fn defined_in(type_name: &str, method: &str) -> &'static str {
    match (type_name, method) {
        (_, "readlines") => "_io._IOBase",
        ("io.BufferedReader", "write") | ("io.BufferedWriter", "read") => "_io._BufferedIOBase",
        _ => "",
    }
}

/// The stream a file method is called on: a Popen's pipe, or an
/// `os.popen` object's. A method is looked up as CPython finds it: on the
/// class that defines it, which may take a stream of another type.
fn the_stream(os: &Os, a: &Args, type_name: &str, method: &str) -> Result<(usize, Object, PopenStream)> {
    let v = a.required("self")?;
    let found = match os.objects.get(v) {
        Ok(found) => Some(found),
        Err(_) if number(v).is_none() => None,
        Err(e) => return Err(e),
    };
    let shown = found.as_ref().map_or_else(|| json::type_name(v).to_string(), |(_, o)| o.class_name());
    if type_name == "os._wrap_close" {
        return match found {
            Some((n, Object::WrapClose(w))) => {
                let stream = *w.stream();
                Ok((n, Object::WrapClose(w), stream))
            }
            // `_wrap_close` hands every method but `close` on to the stream
            // it wraps, through the object; `close` is its own.
            _ if method == "close" => {
                Err(Error::new(ErrorKind::Attribute, format!("'{shown}' object has no attribute '_stream'")))
            }
            _ => {
                Err(Error::new(ErrorKind::Attribute, format!("type object '_wrap_close' has no attribute '{method}'")))
            }
        };
    }
    let owner = defined_in(type_name, method);
    let applies = |o: &Object| match owner {
        "_io._IOBase" => matches!(o, Object::Stream { .. }),
        "_io._BufferedIOBase" => matches!(o, Object::Stream { .. }) && o.type_name() != "io.TextIOWrapper",
        _ => o.type_name() == type_name,
    };
    match found {
        Some((_, object)) if applies(&object) && owner == "_io._BufferedIOBase" => {
            Err(Error::new(ErrorKind::UnsupportedOperation, method))
        }
        Some((n, object)) if applies(&object) => match object {
            Object::Stream { stream, .. } => Ok((n, object, stream)),
            other => Err(type_error(format!("not a stream: {}", other.class_name()))),
        },
        _ => Err(type_error(format!(
            "descriptor '{method}' for '{}' objects doesn't apply to a '{shown}' object",
            if owner.is_empty() { python_type(type_name) } else { owner.to_string() },
        ))),
    }
}

#[derive(Clone, Copy)]
enum Read {
    All,
    One,
    Line,
    Lines,
}

fn read(os: &mut Os, a: &Args, type_name: &str, how: Read) -> Result<Value> {
    let method = match how {
        Read::All => "read",
        Read::One => "read1",
        Read::Line => "readline",
        Read::Lines => "readlines",
    };
    let (_, _, stream) = the_stream(os, a, type_name, method)?;
    let size = |name: &str| -> Result<i64> {
        match a.get(name) {
            None | Some(Value::Null) => Ok(-1),
            Some(_) => a.int(name, None, super::args::C::Ssize),
        }
    };
    Ok(match how {
        Read::All => shown(stream.read_data(os, size("size")?)?),
        Read::One => shown(stream.read1_data(os, size("size")?)?),
        Read::Line => shown(stream.readline_data(os, size("size")?)?),
        Read::Lines => Value::Array(stream.readlines_data(os, size("hint")?)?.into_iter().map(shown).collect()),
    })
}

fn write(os: &mut Os, a: &Args, type_name: &str) -> Result<Value> {
    let (_, _, stream) = the_stream(os, a, type_name, "write")?;
    let given = a.required(if type_name.starts_with("io.Buffered") { "buffer" } else { "s" })?;
    if stream.text() && !given.is_string() {
        return Err(type_error(format!("write() argument must be str, not {}", json::type_name(given))));
    }
    stream.write_data(os, data(given)?).map(Value::from)
}

fn flush(os: &mut Os, a: &Args, type_name: &str) -> Result<Value> {
    let (_, _, stream) = the_stream(os, a, type_name, "flush")?;
    stream.flush(os).map(|()| Value::Null)
}

/// `f.close()`: the handle's number is free again.
fn close(os: &mut Os, a: &Args, type_name: &str) -> Result<Value> {
    let (n, _, stream) = the_stream(os, a, type_name, "close")?;
    stream.close(os)?;
    os.objects.release(n);
    Ok(Value::Null)
}

/// `os.popen(...).close()`: none, or the command's wait status.
fn wrap_close(os: &mut Os, a: &Args) -> Result<Value> {
    let (n, object, _) = the_stream(os, a, "os._wrap_close", "close")?;
    let Object::WrapClose(w) = object else { return Err(type_error("not an os.popen object")) };
    let status = w.close(os)?;
    os.objects.release(n);
    Ok(status.map_or(Value::Null, Value::from))
}

/// `os.popen(cmd, mode='r', buffering=-1)`.
fn os_popen(os: &mut Os, a: &Args) -> Result<Value> {
    let cmd = match a.required("cmd")? {
        Value::String(s) => s.clone(),
        other => {
            return Err(type_error(format!(
                "invalid cmd type (<class '{}'>, expected string)",
                json::type_name(other)
            )));
        }
    };
    let mode = match a.get("mode") {
        None => "r".to_string(),
        Some(Value::String(m)) => m.clone(),
        Some(other) => return Err(Error::new(ErrorKind::Value, format!("invalid mode {other}"))),
    };
    let buffering = match a.get("buffering") {
        None => -1,
        Some(Value::Null) => 0,
        Some(_) => a.c_int("buffering", None)?,
    };
    let w = os.popen(&cmd, &mode, buffering)?;
    Ok(os.objects.handle(Object::WrapClose(w)))
}

/// `getattr(object, name[, default])` of a handle.
fn getattr(os: &mut Os, a: &Args) -> Result<Value> {
    let target = a.required("object")?;
    let name = match a.required("name")? {
        Value::String(s) => s.clone(),
        other => {
            return Err(type_error(format!("attribute name must be string, not '{}'", json::type_name(other))));
        }
    };
    let (n, object) = match os.objects.get(target) {
        Ok(found) => found,
        Err(_) if number(target).is_none() => {
            return match a.get("default") {
                Some(default) => Ok(default.clone()),
                None => Err(Error::new(
                    ErrorKind::Attribute,
                    format!("'{}' object has no attribute '{name}'", json::type_name(target)),
                )),
            };
        }
        Err(e) => return Err(e),
    };
    let found = match (&object, name.as_str()) {
        (Object::Popen { args, .. }, "args") => Some(args.clone()),
        (Object::Popen { popen, .. }, "pid") => Some(Value::from(popen.pid())),
        (Object::Popen { popen, .. }, "returncode") => Some(popen.returncode(os)?.map_or(Value::Null, Value::from)),
        (Object::Popen { popen, .. }, "stdin" | "stdout" | "stderr") => {
            let which = match name.as_str() {
                "stdin" => 0,
                "stdout" => 1,
                _ => 2,
            };
            let stream = [popen.stdin(), popen.stdout(), popen.stderr()][which].copied();
            Some(match stream {
                Some(stream) => os.objects.handle(Object::Stream { stream, owner: n, which: which as u8 }),
                None => Value::Null,
            })
        }
        (Object::Stream { stream, .. }, "closed") => Some(Value::Bool(stream.closed(os)?)),
        (Object::WrapClose(w), "closed") => Some(Value::Bool(w.stream().closed(os)?)),
        _ => None,
    };
    match (found, a.get("default")) {
        (Some(v), _) => Ok(v),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(Error::new(
            ErrorKind::Attribute,
            format!("'{}' object has no attribute '{name}'", object.attribute_class_name()),
        )),
    }
}

/// Which of `subprocess`'s functions over `Popen` is called.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Run,
    Call,
    CheckCall,
    CheckOutput,
}

/// `subprocess.run`, `call`, `check_call` and `check_output`: their own
/// arguments are checked here as CPython's Python code checks them.
fn subprocess_run(os: &mut Os, a: &Args, mode: Mode) -> Result<Value> {
    let raw = a.required("args")?.clone();
    let args = command(&raw)?;
    if mode == Mode::CheckOutput {
        for kw in ["stdout", "check"] {
            if a.get(kw).is_some() {
                return Err(Error::new(ErrorKind::Value, format!("{kw} argument not allowed, it will be overridden.")));
            }
        }
    }
    // call and check_call hand every keyword but timeout to Popen, which
    // names the first it does not take.
    let not_popens: &[&str] = match mode {
        Mode::Run | Mode::CheckOutput => &[],
        Mode::Call | Mode::CheckCall => &["input", "capture_output", "check"],
    };
    if let Some(kw) = a.keywords().iter().find(|k| not_popens.contains(k)) {
        return Err(type_error(format!("Popen.__init__() got an unexpected keyword argument '{kw}'")));
    }
    let input = match a.get("input") {
        // check_output's input=None is an empty input, as it always was.
        Some(Value::Null) if mode == Mode::CheckOutput => Some(
            if ["universal_newlines", "text", "encoding", "errors"].iter().any(|k| a.flag(k, false).is_ok_and(|b| b)) {
                Data::Text(String::new())
            } else {
                Data::Bytes(Vec::new())
            },
        ),
        None | Some(Value::Null) => None,
        Some(v) => Some(data(v)?),
    };
    // run checks its own arguments (in the guest: input against stdin, then
    // capture_output against stdout and stderr) before Popen checks text
    // against universal_newlines. check_output passes stdout=PIPE to run.
    let input_refused = input.is_some() && given(a, "stdin");
    let capture_refused =
        a.flag("capture_output", false)? && (mode == Mode::CheckOutput || given(a, "stdout") || given(a, "stderr"));
    if capture_refused && !input_refused && mode == Mode::CheckOutput {
        return Err(Error::new(ErrorKind::Value, "stdout and stderr arguments may not be used with capture_output."));
    }
    if !input_refused && !capture_refused {
        text_conflict(a)?;
    }
    let options = popen_options(os, a)?;
    let timeout = timeout(a)?;
    let sub = &mut os.subprocess();
    match mode {
        Mode::Call | Mode::CheckCall => {
            sub.call_command(&args, &options, timeout, mode == Mode::CheckCall).map(Value::from)
        }
        Mode::CheckOutput => sub.check_output_command(&args, &options, input, timeout).map(shown),
        Mode::Run => {
            let done = sub.run_command(
                &args,
                &options,
                input,
                a.flag("capture_output", false)?,
                timeout,
                a.flag("check", false)?,
            )?;
            Ok(json!({ "$completed": {
                "args": raw, "returncode": done.returncode,
                "stdout": done.stdout.map_or(Value::Null, shown), "stderr": done.stderr.map_or(Value::Null, shown),
            }}))
        }
    }
}

/// `subprocess.getstatusoutput(cmd)` (`[status, output]`) and `getoutput`.
fn getstatusoutput(os: &mut Os, a: &Args, with_status: bool) -> Result<Value> {
    let cmd = match a.required("cmd")? {
        Value::String(s) => s.clone(),
        other => {
            return Err(type_error(format!(
                "expected str, bytes or os.PathLike object, not {}",
                json::type_name(other)
            )));
        }
    };
    let opt = |name: &str| a.get(name).and_then(Value::as_str).map(str::to_string);
    let (encoding, errors) = (opt("encoding"), opt("errors"));
    let (status, out) = os.subprocess().getstatusoutput_with(&cmd, encoding.as_deref(), errors.as_deref())?;
    Ok(if with_status { json!([status, out]) } else { Value::String(out) })
}
