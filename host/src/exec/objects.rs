//! Objects JSON cannot carry, as handles (docs/protocol.md, "Handles"):
//! `{"$obj": 1, "type": "subprocess.Popen"}`, numbered per sandbox as
//! descriptors are (the lowest free number, from 1). A stream's number is
//! freed when the session closes it; a `Popen`'s stays valid for its
//! attributes (what it held, the process and its pipes, is released once
//! it has been waited for); all go with the sandbox.

use serde_json::{Value, json};

use crate::error::{Error, ErrorKind, Result};
use crate::subprocess::{Popen, PopenStream, WrapClose};

/// An object a handle stands for.
#[derive(Debug, Clone)]
pub(crate) enum Object {
    /// `subprocess.Popen`, with `args` as the session gave it.
    Popen { popen: Popen, args: Value },
    /// One of a Popen's pipes (`which`: 0 stdin, 1 stdout, 2 stderr), or
    /// an `os.popen` object's (3), by the number of its owner.
    Stream { stream: PopenStream, owner: usize, which: u8 },
    /// What `os.popen` gives.
    WrapClose(WrapClose),
}

impl Object {
    /// The Python type, as the protocol names it.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Object::Popen { .. } => "subprocess.Popen",
            Object::Stream { stream, .. } if stream.text() => "io.TextIOWrapper",
            Object::Stream { stream, .. } if stream.writable() => "io.BufferedWriter",
            Object::Stream { .. } => "io.BufferedReader",
            Object::WrapClose(_) => "os._wrap_close",
        }
    }

    /// The class name Python shows in messages (`'Popen' object has no
    /// attribute 'x'`, `'_io.BufferedReader' object ...`).
    pub(crate) fn class_name(&self) -> String {
        python_type(self.type_name())
    }

    /// The class an `AttributeError` names for an attribute the object
    /// lacks: `os.popen`'s object hands the lookup on to the text stream
    /// it wraps, which is the one that says it has no such attribute.
    pub(crate) fn attribute_class_name(&self) -> String {
        match self {
            Object::WrapClose(_) => python_type("io.TextIOWrapper"),
            other => other.class_name(),
        }
    }
}

/// A sandbox's handles.
#[derive(Debug, Default)]
pub(crate) struct Objects {
    slots: Vec<Option<Object>>,
}

impl Objects {
    /// The handle of `object`: the one it has when it has one (a stream is
    /// the same object however often it is asked for), else the lowest
    /// free number.
    pub(crate) fn handle(&mut self, object: Object) -> Value {
        let found = match &object {
            Object::Stream { owner, which, .. } => self
                .slots
                .iter()
                .position(|s| matches!(s, Some(Object::Stream { owner: o, which: w, .. }) if o == owner && w == which)),
            _ => None,
        };
        let n = found.unwrap_or_else(|| match self.slots.iter().skip(1).position(Option::is_none) {
            Some(i) => i + 1,
            None => self.slots.len().max(1),
        });
        let type_name = object.type_name();
        if self.slots.len() <= n {
            self.slots.resize(n + 1, None);
        }
        self.slots[n] = Some(object);
        json!({ "$obj": n, "type": type_name })
    }

    /// The object `{"$obj": n}` stands for.
    pub(crate) fn get(&self, v: &Value) -> Result<(usize, Object)> {
        let n = number(v).ok_or_else(|| Error::new(ErrorKind::Type, "an object handle is required"))?;
        match self.slots.get(n).cloned().flatten() {
            Some(o) => Ok((n, o)),
            None => Err(Error::new(ErrorKind::Value, format!("invalid request: no object {n}"))),
        }
    }

    /// Frees the number `n`.
    pub(crate) fn release(&mut self, n: usize) {
        if let Some(slot) = self.slots.get_mut(n) {
            *slot = None;
        }
    }
}

/// The number of a `{"$obj": n}` value.
pub(crate) fn number(v: &Value) -> Option<usize> {
    v.as_object()?.get("$obj")?.as_u64().and_then(|n| usize::try_from(n).ok())
}

/// A type of the protocol as CPython's messages name it: the C types of
/// `io` as `_io.BufferedReader`, Python classes by their own name.
pub(crate) fn python_type(protocol: &str) -> String {
    match protocol.strip_prefix("io.") {
        Some(name) => format!("_io.{name}"),
        None => protocol.rsplit('.').next().unwrap_or(protocol).to_string(),
    }
}
