//! The JSON-lines call protocol of `osbox exec` (PROTOCOL.md): requests in,
//! one response line per request out, all in one sandboxed instance.
//!
//! ```no_run
//! # let sandbox = osbox::Runtime::new()?.sandbox().dir("/tmp/t", "/work").build()?;
//! let mut os = sandbox.os()?;
//! let reply = osbox::exec::handle_line(&mut os, r#"{"id": 1, "call": "os.listdir", "args": ["/work"]}"#);
//! println!("{}", reply.unwrap());
//! # Ok::<(), osbox::Error>(())
//! ```

mod args;
mod calls;
mod commonprefix;
mod descriptors;
mod json;
mod literal;
mod objects;
mod processes;
mod shutil_args;

use std::io::{self, BufRead, Write};

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::os::Os;

pub use json::error as encode_error;
pub use literal::python_literal;
pub(crate) use objects::Objects;

/// Calls the function or reads the attribute named `name` (`os.makedirs`,
/// `os.sep`) with JSON arguments; the value comes back in the protocol's
/// encoding.
pub fn call(os: &mut Os, name: &str, args: Vec<Value>, kwargs: Map<String, Value>) -> Result<Value> {
    if let Some(def) = find(name) {
        let bound = args::Args::bind(def.name, def.params, args, kwargs)?;
        return (def.run)(os, &bound);
    }
    let attribute = |os: &mut Os| calls::attribute(os, name).or_else(|| processes::attribute(name).map(Ok));
    match attribute(os) {
        Some(_) if !(args.is_empty() && kwargs.is_empty()) => {
            let value = attribute(os).and_then(Result::ok).unwrap_or(Value::Null);
            Err(Error::new(ErrorKind::Type, format!("'{}' object is not callable", json::type_name(&value))))
        }
        Some(v) => v,
        None => Err(processes::missing_method(os, name, args.first()).unwrap_or_else(|| calls::missing(name))),
    }
}

fn bad_request(what: &str) -> Error {
    Error::new(ErrorKind::Value, format!("invalid request: {what}"))
}

/// The names the protocol can call, sorted.
pub fn callables() -> impl Iterator<Item = &'static str> {
    let mut names: Vec<&'static str> = calls::CALLS.iter().chain(processes::CALLS).map(|d| d.name).collect();
    names.sort_unstable();
    names.into_iter()
}

/// The parameters of the callable `name`, by their Python names (`*p` for
/// a variadic one), in order.
pub fn parameters(name: &str) -> Option<&'static [&'static str]> {
    find(name).map(|d| d.params)
}

/// The callable named `name`, of either table.
fn find(name: &str) -> Option<&'static calls::Def> {
    calls::find(name).or_else(|| processes::find(name))
}

/// The attributes the protocol can read (`os.sep`, `os.environ`, ...).
pub fn attributes() -> impl Iterator<Item = &'static str> {
    calls::ATTRIBUTES.iter().copied()
}

/// Runs one request line; `None` for a blank line, which gets no response.
pub fn handle_line(os: &mut Os, line: &str) -> Option<String> {
    if line.trim().is_empty() {
        return None;
    }
    let mut response = Map::new();
    let outcome = match serde_json::from_str::<Value>(line) {
        Err(_) => Err(bad_request("not valid JSON")),
        Ok(Value::Object(mut req)) => {
            if let Some(id) = req.remove("id") {
                response.insert("id".into(), id);
            }
            request(os, req)
        }
        Ok(_) => Err(bad_request("not a JSON object")),
    };
    match outcome {
        Ok(v) => response.insert("ok".into(), v),
        Err(e) => response.insert("error".into(), json::error(&e)),
    };
    Some(Value::Object(response).to_string())
}

fn request(os: &mut Os, mut req: Map<String, Value>) -> Result<Value> {
    let name = match req.remove("call") {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => return Err(bad_request("'call' must be a non-empty string")),
    };
    let args = match req.remove("args") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(bad_request("'args' must be an array")),
    };
    let kwargs = match req.remove("kwargs") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(k)) => k,
        Some(_) => return Err(bad_request("'kwargs' must be an object")),
    };
    if !args.iter().chain(kwargs.values()).all(bytes_well_formed) {
        return Err(bad_request("bad $bytes value"));
    }
    call(os, &name, args, kwargs)
}

/// Every `{"$bytes": ...}` inside `v` decodes.
fn bytes_well_formed(v: &Value) -> bool {
    match v {
        Value::Array(items) => items.iter().all(bytes_well_formed),
        Value::Object(m) => json::decode_bytes(v).is_ok() && m.values().all(bytes_well_formed),
        _ => true,
    }
}

/// Reads requests from `input` to its end and writes one response line per
/// request to `output`, flushing after each. A line that is not UTF-8 is
/// answered with `ValueError` (echoing its `id` when one can be read) and
/// the stream goes on. When a call ends the instance (a trap, the time
/// limit, the memory cap), its response is the last line and the error
/// comes back.
pub fn serve(os: &mut Os, mut input: impl BufRead, mut output: impl Write) -> io::Result<Option<Error>> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        // Line ends as `BufRead::lines` takes them: `\n` or `\r\n`.
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let reply = match std::str::from_utf8(text) {
            Ok(text) => handle_line(os, text),
            Err(_) => Some(not_utf8(text)),
        };
        if let Some(reply) = reply {
            writeln!(output, "{reply}")?;
            output.flush()?;
        }
        if let Some(why) = os.died() {
            return Ok(Some(why));
        }
    }
}

/// The response to a request line that is not UTF-8: `ValueError`, with
/// the line's `id` when the rest of it reads as a JSON object.
fn not_utf8(line: &[u8]) -> String {
    let mut response = Map::new();
    if let Ok(Value::Object(mut req)) = serde_json::from_str::<Value>(&String::from_utf8_lossy(line))
        && let Some(id) = req.remove("id")
    {
        response.insert("id".into(), id);
    }
    response.insert("error".into(), json::error(&bad_request("not valid UTF-8")));
    Value::Object(response).to_string()
}
