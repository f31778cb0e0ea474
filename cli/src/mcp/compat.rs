//! How the reference server (Node.js) writes sizes, names, dates and URLs,
//! so the tools' answers read the same.

use std::cmp::Ordering;

/// `formatSize`: `0 B`, `512 B`, `1.50 KB`, ... up to TB.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    if bytes == 0 {
        return "0 B".into();
    }
    let i = ((bytes as f64).ln() / 1024f64.ln()).floor() as usize;
    if i == 0 {
        return format!("{bytes} B");
    }
    let unit = i.min(UNITS.len() - 1);
    format!("{:.2} {}", bytes as f64 / 1024f64.powi(unit as i32), UNITS[unit])
}

/// JavaScript's `padEnd`/`padStart` count UTF-16 code units.
fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

pub fn pad_end(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(js_len(s))))
}

pub fn pad_start(s: &str, width: usize) -> String {
    format!("{}{s}", " ".repeat(width.saturating_sub(js_len(s))))
}

/// Printable ASCII in the order ICU's root collation gives it (what
/// `String.prototype.localeCompare` sorts by): punctuation and symbols,
/// digits, then letters, each lower case before its upper case.
const ASCII_ORDER: &str =
    " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ";

/// A character's primary weight (case ignored) and whether it is upper case.
fn weight(c: char) -> (u32, bool) {
    match ASCII_ORDER.find(c) {
        Some(i) if c.is_ascii_alphabetic() => {
            let lower = ASCII_ORDER.find(c.to_ascii_lowercase()).unwrap_or(i);
            (lower as u32, c.is_ascii_uppercase())
        }
        Some(i) => (i as u32, false),
        None => {
            let lower = c.to_lowercase().next().unwrap_or(c);
            (0x100 + lower as u32, c != lower)
        }
    }
}

/// `a.localeCompare(b)` in the root locale: letters compared without case
/// first, then lower case before upper. Exact for ASCII names; other
/// characters sort after ASCII by code point.
pub fn locale_cmp(a: &str, b: &str) -> Ordering {
    let primary = |s: &str| s.chars().map(|c| weight(c).0).collect::<Vec<_>>();
    let tertiary = |s: &str| s.chars().map(|c| weight(c).1).collect::<Vec<_>>();
    primary(a).cmp(&primary(b)).then_with(|| tertiary(a).cmp(&tertiary(b))).then_with(|| a.cmp(b))
}

/// Node's `path.extname`: from the last `.` of the last component, unless
/// that dot begins it.
pub fn extname(path: &str) -> &str {
    let base = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    match base.rfind('.') {
        Some(0) | None => "",
        Some(i) => &base[i..],
    }
}

/// `pathToFileURL(path).href` for an absolute path.
pub fn file_url(path: &str) -> String {
    let mut url = String::from("file://");
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b);
        if keep {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}
