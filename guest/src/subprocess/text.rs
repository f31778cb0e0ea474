//! Text mode (`text=True`, `encoding`, `errors`): decoding a child's
//! output as `bytes.decode` does, with CPython's `UnicodeDecodeError`
//! messages, and universal newlines.

use crate::error::exception;
use crate::osbox::os::types::{Exception, OsError};

/// What `errors=` does with bytes that are not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Errors {
    Strict,
    Replace,
    Ignore,
    BackslashReplace,
}

/// A text pipe's encoding (UTF-8) and error handler.
#[derive(Debug, Clone, Copy)]
pub struct Codec {
    errors: Errors,
}

impl Codec {
    /// The codec of `encoding` and `errors` (`None`: CPython's defaults,
    /// the locale's UTF-8 and `strict`). Other encodings and handlers are
    /// not available: `NotImplementedError`.
    pub fn new(encoding: Option<&str>, errors: Option<&str>) -> Result<Codec, OsError> {
        if let Some(e) = encoding {
            let name = e.to_ascii_lowercase().replace('_', "-");
            if !matches!(name.as_str(), "utf-8" | "utf8" | "u8" | "utf" | "cp65001") {
                return Err(exception(
                    Exception::NotImplementedError,
                    format!("encoding {}: osbox's pipes are UTF-8", crate::posixpath::repr_str(e)),
                ));
            }
        }
        let errors = match errors.unwrap_or("strict") {
            "strict" => Errors::Strict,
            "replace" => Errors::Replace,
            "ignore" => Errors::Ignore,
            "backslashreplace" => Errors::BackslashReplace,
            other => {
                return Err(exception(
                    Exception::NotImplementedError,
                    format!(
                        "errors={}: osbox has strict, replace, ignore and backslashreplace",
                        crate::posixpath::repr_str(other)
                    ),
                ));
            }
        };
        Ok(Codec { errors })
    }

    /// Decodes `data` as `data.decode('utf-8', errors)`; when `last` is
    /// false, an incomplete sequence at the end is left for the next piece.
    /// The text, and how many bytes it took.
    pub fn decode(&self, data: &[u8], last: bool) -> Result<(String, usize), OsError> {
        let mut out = String::new();
        let mut at = 0;
        loop {
            match std::str::from_utf8(&data[at..]) {
                Ok(s) => {
                    out.push_str(s);
                    return Ok((out, data.len()));
                }
                Err(e) => {
                    let good = at + e.valid_up_to();
                    // SAFETY-free: the prefix was just checked.
                    out.push_str(std::str::from_utf8(&data[at..good]).unwrap_or_default());
                    let bad = match e.error_len() {
                        Some(n) => n,
                        None if !last => return Ok((out, good)),
                        None => data.len() - good,
                    };
                    let reason = match e.error_len() {
                        None => "unexpected end of data",
                        Some(_) if matches!(data[good], 0xc2..=0xf4) => "invalid continuation byte",
                        Some(_) => "invalid start byte",
                    };
                    match self.errors {
                        Errors::Strict => return Err(decode_error(data, good, good + bad, reason)),
                        Errors::Replace => out.push('\u{fffd}'),
                        Errors::Ignore => {}
                        Errors::BackslashReplace => {
                            for b in &data[good..good + bad] {
                                out.push_str(&format!("\\x{b:02x}"));
                            }
                        }
                    }
                    at = good + bad;
                }
            }
        }
    }

    /// All of `data` as text with universal newlines: what `communicate`
    /// gives in text mode.
    pub fn text(&self, data: &[u8]) -> Result<String, OsError> {
        Ok(translate(&self.decode(data, true)?.0))
    }
}

/// Universal newlines: `\r\n` and `\r` become `\n`.
pub fn translate(s: &str) -> String {
    if s.contains('\r') { s.replace("\r\n", "\n").replace('\r', "\n") } else { s.to_string() }
}

/// `UnicodeDecodeError` for `data[start..end]`, worded as CPython words it.
fn decode_error(data: &[u8], start: usize, end: usize, reason: &str) -> OsError {
    let what = if end - start == 1 {
        format!("byte 0x{:02x} in position {start}", data[start])
    } else {
        format!("bytes in position {start}-{}", end - 1)
    };
    exception(Exception::UnicodeDecodeError, format!("'utf-8' codec can't decode {what}: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bytes_are_cpythons_unicode_decode_error() {
        let strict = Codec::new(None, None).unwrap();
        let e = strict.decode(b"ab\xffc", true).unwrap_err();
        assert_eq!(e.message, "'utf-8' codec can't decode byte 0xff in position 2: invalid start byte");
        let e = strict.decode(b"\xe2\x82x", true).unwrap_err();
        assert_eq!(e.message, "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte");
        let e = strict.decode(b"a\xe2\x82", true).unwrap_err();
        assert_eq!(e.message, "'utf-8' codec can't decode bytes in position 1-2: unexpected end of data");
        assert_eq!(strict.decode(b"a\xe2\x82", false).unwrap(), ("a".to_string(), 1));
    }

    #[test]
    fn error_handlers_replace_ignore_and_escape() {
        let data = b"a\xffb";
        assert_eq!(Codec::new(None, Some("replace")).unwrap().text(data).unwrap(), "a\u{fffd}b");
        assert_eq!(Codec::new(None, Some("ignore")).unwrap().text(data).unwrap(), "ab");
        assert_eq!(Codec::new(None, Some("backslashreplace")).unwrap().text(data).unwrap(), "a\\xffb");
        assert!(Codec::new(Some("latin-1"), None).is_err());
        assert_eq!(translate("a\r\nb\rc\n"), "a\nb\nc\n");
    }
}
