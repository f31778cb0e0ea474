//! `os.path.commonprefix`, which compares whatever sequences it is given as
//! Python compares them.

use serde_json::{Value, json};

use super::json;
use crate::error::{Error, ErrorKind, Result};
use crate::fspath::FsPath;
use crate::os::Os;

/// `os.path.commonprefix(m)`, which compares the items themselves: paths,
/// or lists of anything comparable (`[['a', 'b'], ['a', 'c']]` gives
/// `['a']`).
pub(super) fn commonprefix(os: &mut Os, m: &Value) -> Result<Value> {
    let items: Vec<Value> = match m {
        Value::Null | Value::Bool(false) => return Ok(json!("")),
        Value::Number(n) if n.as_f64() == Some(0.0) => return Ok(json!("")),
        Value::Bool(_) | Value::Number(_) => {
            return Err(Error::new(ErrorKind::Type, format!("'{}' object is not subscriptable", json::type_name(m))));
        }
        Value::String(s) => s.chars().map(|c| json!(c.to_string())).collect(),
        Value::Array(items) => items.clone(),
        Value::Object(o) if o.is_empty() => return Ok(json!("")),
        Value::Object(_) => match json::decode_bytes(m) {
            // bytes: its items are ints, not paths.
            Ok(Some(b)) if b.is_empty() => return Ok(json!("")),
            Ok(Some(_)) => {
                return Err(Error::new(ErrorKind::Type, "expected str, bytes or os.PathLike object, not int"));
            }
            _ => return Err(Error::new(ErrorKind::Key, "0")),
        },
    };
    match items.first() {
        None => Ok(json!("")),
        Some(Value::Array(_)) => {
            let (mut lo, mut hi) = (&items[0], &items[0]);
            for x in &items[1..] {
                if py_less(x, lo, "<")? {
                    lo = x;
                }
            }
            for x in &items[1..] {
                if py_less(hi, x, ">")? {
                    hi = x;
                }
            }
            let (Value::Array(lo), Value::Array(hi)) = (lo, hi) else { unreachable!("lists compare with lists only") };
            let n = lo.iter().zip(hi).take_while(|(a, b)| py_eq(a, b)).count();
            Ok(Value::Array(lo[..n].to_vec()))
        }
        Some(_) => {
            let paths = items.iter().map(a_path).collect::<Result<Vec<_>>>()?;
            os.path().commonprefix(paths).map(|p| json::path(&p))
        }
    }
}

/// A JSON value as `os.fspath` takes it.
pub(super) fn a_path(v: &Value) -> Result<FsPath> {
    match (v, json::decode_bytes(v)) {
        (Value::String(s), _) => Ok(FsPath::Str(s.clone())),
        (_, Ok(Some(b))) => Ok(FsPath::Bytes(b)),
        _ => Err(Error::new(
            ErrorKind::Type,
            format!("expected str, bytes or os.PathLike object, not {}", json::type_name(v)),
        )),
    }
}

/// Python's `a < b` on JSON values (numbers, strings, bytes, lists), with
/// its `TypeError` for the rest; `op` is the operator the message shows.
pub(super) fn py_less(a: &Value, b: &Value, op: &str) -> Result<bool> {
    let number = |v: &Value| match v {
        Value::Bool(x) => Some(f64::from(u8::from(*x))),
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return Ok(x < y);
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(x < y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                if !py_eq(p, q) {
                    return py_less(p, q, "<");
                }
            }
            Ok(x.len() < y.len())
        }
        _ => match (json::decode_bytes(a), json::decode_bytes(b)) {
            (Ok(Some(x)), Ok(Some(y))) => Ok(x < y),
            _ => {
                let (left, right) = if op == ">" { (b, a) } else { (a, b) };
                Err(Error::new(
                    ErrorKind::Type,
                    format!(
                        "'{op}' not supported between instances of '{}' and '{}'",
                        json::type_name(left),
                        json::type_name(right)
                    ),
                ))
            }
        },
    }
}

/// Python's `a == b` on JSON values: numbers by value, `True == 1`.
pub(super) fn py_eq(a: &Value, b: &Value) -> bool {
    let number = |v: &Value| match v {
        Value::Bool(x) => Some(f64::from(u8::from(*x))),
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}
