//! A port of CPython 3.11's `posixpath` string algorithms (`join`, `split`,
//! `normpath`, `relpath`, `commonpath`, `expanduser`, `expandvars`, ...) plus
//! Python's `repr()` for `str` and `bytes`, so the guest answers exactly as
//! `os.path` would. Everything works on byte strings, bytes in and bytes out:
//! a `str` argument is passed as its UTF-8 encoding, which gives the same answer
//! because every algorithm here only looks at the ASCII bytes `/`, `.`, `~`, `$`,
//! `{`, `}` and ASCII word characters. Nothing here touches the filesystem or the
//! environment; the current directory, `HOME` and variable values are passed in.

use std::fmt::{self, Write as _};

const SEP: u8 = b'/';
const CURDIR: &[u8] = b".";
const PARDIR: &[u8] = b"..";

/// Error from a path function, mirrors the Python exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// Python ValueError with this message (e.g. "no path specified")
    Value(String),
}

impl fmt::Display for PathError {
    /// Formats as Python's `str(exc)`, i.e. the bare message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::Value(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for PathError {}

fn value_error(msg: &str) -> PathError {
    PathError::Value(msg.to_owned())
}

/// Index just past the last `/`, i.e. Python's `p.rfind(sep) + 1`.
fn tail_start(p: &[u8]) -> usize {
    p.iter().rposition(|&c| c == SEP).map_or(0, |i| i + 1)
}

/// Python's `p.rstrip(b'/')`.
fn rstrip_slashes(p: &[u8]) -> &[u8] {
    let end = p.iter().rposition(|&c| c != SEP).map_or(0, |i| i + 1);
    &p[..end]
}

/// The head of `split`/`dirname`: trailing slashes go, unless the head is
/// nothing but slashes, because then it names the root (`//` included) and
/// stripping would lose it.
fn trim_head(head: &[u8]) -> &[u8] {
    if head.iter().all(|&c| c == SEP) { head } else { rstrip_slashes(head) }
}

/// Path components as `relpath` sees them: `p.split(sep)` minus the empty ones.
fn nonempty_components(p: &[u8]) -> Vec<&[u8]> {
    p.split(|&c| c == SEP).filter(|c| !c.is_empty()).collect()
}

fn common_prefix_len<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// `posixpath.join(a, *p)`: an absolute component discards everything before
/// it, `/` is inserted only where the path so far does not already end in one,
/// and an empty last component leaves a trailing `/`.
pub fn join(a: &[u8], rest: &[&[u8]]) -> Vec<u8> {
    let mut path = a.to_vec();
    for b in rest {
        if b.first() == Some(&SEP) {
            path.clear();
        } else if !path.is_empty() && path.last() != Some(&SEP) {
            path.push(SEP);
        }
        path.extend_from_slice(b);
    }
    path
}

/// `posixpath.split(p)`: `(head, tail)` where tail follows the last `/`.
pub fn split(p: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let i = tail_start(p);
    (trim_head(&p[..i]).to_vec(), p[i..].to_vec())
}

/// `posixpath.basename(p)`: everything after the last `/`.
pub fn basename(p: &[u8]) -> Vec<u8> {
    p[tail_start(p)..].to_vec()
}

/// `posixpath.dirname(p)`: `split(p)[0]`.
pub fn dirname(p: &[u8]) -> Vec<u8> {
    trim_head(&p[..tail_start(p)]).to_vec()
}

/// Where `genericpath._splitext` cuts: the last `.` of the last component,
/// unless only dots precede it in that component (so `.bashrc` and `...` have
/// no extension).
fn extension_start(p: &[u8]) -> Option<usize> {
    let name_start = tail_start(p);
    let dot = p.iter().rposition(|&c| c == b'.')?;
    if dot < name_start {
        return None;
    }
    p[name_start..dot].iter().any(|&c| c != b'.').then_some(dot)
}

/// `posixpath.splitext(p)`: `(root, ext)` with `root + ext == p`.
pub fn splitext(p: &[u8]) -> (Vec<u8>, Vec<u8>) {
    match extension_start(p) {
        Some(dot) => (p[..dot].to_vec(), p[dot..].to_vec()),
        None => (p.to_vec(), Vec::new()),
    }
}

/// `posixpath.splitdrive(p)`: POSIX has no drives, so always `(b"", p)`.
pub fn splitdrive(p: &[u8]) -> (Vec<u8>, Vec<u8>) {
    (Vec::new(), p.to_vec())
}

/// `posixpath.normcase(p)`: the identity, POSIX paths are case-sensitive.
pub fn normcase(p: &[u8]) -> Vec<u8> {
    p.to_vec()
}

/// `posixpath.isabs(p)`: starts with `/`.
pub fn isabs(p: &[u8]) -> bool {
    p.first() == Some(&SEP)
}

/// How many leading slashes `normpath` keeps. POSIX gives exactly two leading
/// slashes an implementation-defined meaning, while three or more mean `/`.
fn kept_leading_slashes(p: &[u8]) -> usize {
    match p.iter().take(3).take_while(|&&c| c == SEP).count() {
        0 => 0,
        2 => 2,
        _ => 1,
    }
}

/// `posixpath.normpath(p)`, purely lexical: collapses `//`, `.` and `x/..`.
///
/// CPython 3.11 runs the C `_path_normpath`; it agrees with the pure-Python
/// fallback in `posixpath.py` (checked exhaustively on short inputs, NUL
/// included), and the fallback is the one ported here because it is clearer.
pub fn normpath(p: &[u8]) -> Vec<u8> {
    if p.is_empty() {
        return CURDIR.to_vec();
    }
    let initial = kept_leading_slashes(p);
    let mut comps: Vec<&[u8]> = Vec::new();
    for comp in p.split(|&c| c == SEP) {
        if comp.is_empty() || comp == CURDIR {
            continue;
        }
        // `..` survives only where there is nothing to cancel: at the start of
        // a relative path or after other `..`s. At the root it is dropped.
        let keep = comp != PARDIR || (initial == 0 && comps.is_empty()) || comps.last() == Some(&PARDIR);
        if keep {
            comps.push(comp);
        } else {
            comps.pop();
        }
    }
    let mut out = vec![SEP; initial];
    out.extend_from_slice(&comps.join(&SEP));
    if out.is_empty() {
        out.extend_from_slice(CURDIR);
    }
    out
}

/// normpath(join(cwd, p)) when p is relative, else normpath(p) — exactly posixpath.abspath given getcwd()==cwd
pub fn abspath(p: &[u8], cwd: &[u8]) -> Vec<u8> {
    if isabs(p) { normpath(p) } else { normpath(&join(cwd, &[p])) }
}

/// posixpath.relpath(path, start) with getcwd()==cwd; start None means curdir. Errors: ValueError "no path specified" for empty path.
pub fn relpath(path: &[u8], start: Option<&[u8]>, cwd: &[u8]) -> Result<Vec<u8>, PathError> {
    if path.is_empty() {
        return Err(value_error("no path specified"));
    }
    let start_abs = abspath(start.unwrap_or(CURDIR), cwd);
    let path_abs = abspath(path, cwd);
    let start_list = nonempty_components(&start_abs);
    let path_list = nonempty_components(&path_abs);
    let shared = common_prefix_len(&start_list, &path_list);
    let ups = start_list.len() - shared;
    let rel: Vec<&[u8]> = std::iter::repeat_n(PARDIR, ups).chain(path_list[shared..].iter().copied()).collect();
    if rel.is_empty() {
        return Ok(CURDIR.to_vec());
    }
    // Every piece is non-empty and slash-free, so `join(*rel_list)` is a plain
    // `/`-join.
    Ok(rel.join(&SEP))
}

/// Errors: ValueError "commonpath() arg is an empty sequence", ValueError "Can't mix absolute and relative paths"
///
/// Ports `posixpath.commonpath(paths)`: the longest common prefix of whole
/// components, where `''` and `.` components are ignored and nothing else is
/// normalised.
pub fn commonpath(paths: &[&[u8]]) -> Result<Vec<u8>, PathError> {
    let Some((first, others)) = paths.split_first() else {
        return Err(value_error("commonpath() arg is an empty sequence"));
    };
    let absolute = isabs(first);
    if others.iter().any(|p| isabs(p) != absolute) {
        return Err(value_error("Can't mix absolute and relative paths"));
    }
    // Python takes the common prefix of min() and max() of the component
    // lists, which is the common prefix of all of them; folding gives the same.
    let mut common = commonpath_components(first);
    for p in others {
        let shared = common_prefix_len(&common, &commonpath_components(p));
        common.truncate(shared);
    }
    let mut out = if absolute { vec![SEP] } else { Vec::new() };
    out.extend_from_slice(&common.join(&SEP));
    Ok(out)
}

fn commonpath_components(p: &[u8]) -> Vec<&[u8]> {
    p.split(|&c| c == SEP).filter(|c| !c.is_empty() && *c != CURDIR).collect()
}

/// Byte-wise common prefix (bytes semantics); [] gives empty.
///
/// Ports `genericpath.commonprefix(m)` for `bytes` items.
pub fn commonprefix(items: &[&[u8]]) -> Vec<u8> {
    let (Some(lo), Some(hi)) = (items.iter().min(), items.iter().max()) else {
        return Vec::new();
    };
    lo[..common_prefix_len(lo, hi)].to_vec()
}

/// Character-wise common prefix for str arguments (the inputs are valid UTF-8): never cuts inside a UTF-8 sequence.
///
/// Ports `genericpath.commonprefix(m)` for `str` items. Byte order of UTF-8
/// equals code point order, so `min`/`max` pick the same strings as Python.
pub fn commonprefix_str(items: &[&str]) -> String {
    let (Some(lo), Some(hi)) = (items.iter().min(), items.iter().max()) else {
        return String::new();
    };
    let end = lo.char_indices().zip(hi.chars()).find(|((_, a), b)| a != b).map_or(lo.len(), |((i, _), _)| i);
    lo[..end].to_owned()
}

/// posixpath.expanduser with HOME given (None = unset). With no pwd database in the sandbox: '~user' forms are returned unchanged, and '~' with HOME unset is returned unchanged. Port the HOME handling exactly (trailing '/' stripped, root becomes '/', empty HOME behaviour as CPython 3.11 does it).
pub fn expanduser(p: &[u8], home: Option<&[u8]>) -> Vec<u8> {
    if p.first() != Some(&b'~') {
        return p.to_vec();
    }
    let user_end = p[1..].iter().position(|&c| c == SEP).map_or(p.len(), |k| k + 1);
    // `~user` needs the pwd module, which a WASI build of CPython lacks, and
    // without it CPython returns the path unchanged; so does a bare `~` with
    // HOME unset.
    let Some(home) = home.filter(|_| user_end == 1) else {
        return p.to_vec();
    };
    let mut out = rstrip_slashes(home).to_vec();
    out.extend_from_slice(&p[user_end..]);
    // HOME of `/`, `//` or `` strips to nothing; Python's `or root` makes it `/`.
    if out.is_empty() {
        out.push(SEP);
    }
    out
}

/// A match of `\$(\w+|\{[^}]*\})`: the whole span and the variable name.
struct VarRef {
    start: usize,
    end: usize,
    name_start: usize,
    name_end: usize,
}

/// `\w` under `re.ASCII`.
fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Tries the `expandvars` pattern at the `$` at index `dollar`. `\w+` is tried
/// first; `{` must find a `}` somewhere later or the `$` does not match.
fn var_at(p: &[u8], dollar: usize) -> Option<VarRef> {
    let after = dollar + 1;
    let word_len = p[after..].iter().take_while(|&&c| is_word_byte(c)).count();
    if word_len > 0 {
        let end = after + word_len;
        return Some(VarRef { start: dollar, end, name_start: after, name_end: end });
    }
    if p.get(after) != Some(&b'{') {
        return None;
    }
    let close = after + 1 + p[after + 1..].iter().position(|&c| c == b'}')?;
    Some(VarRef { start: dollar, end: close + 1, name_start: after + 1, name_end: close })
}

/// `regex.search(p, from)` for the `expandvars` pattern.
fn find_var(p: &[u8], from: usize) -> Option<VarRef> {
    let mut k = from;
    while k < p.len() {
        let dollar = k + p[k..].iter().position(|&c| c == b'$')?;
        if let Some(m) = var_at(p, dollar) {
            return Some(m);
        }
        k = dollar + 1;
    }
    None
}

/// posixpath.expandvars: $name and ${name}, name = ASCII \w+ (re.ASCII); unknown variables left untouched. `lookup` returns the variable's value.
///
/// As in CPython, scanning resumes after an inserted value, so values are
/// never expanded again.
pub fn expandvars(p: &[u8], lookup: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut path = p.to_vec();
    let mut i = 0;
    while let Some(m) = find_var(&path, i) {
        match lookup(&path[m.name_start..m.name_end]) {
            Some(value) => {
                let tail = path.split_off(m.end);
                path.truncate(m.start);
                path.extend_from_slice(&value);
                i = path.len();
                path.extend_from_slice(&tail);
            }
            None => i = m.end,
        }
    }
    path
}

/// CPython's quote choice for `repr`: single quotes unless the text contains
/// a single quote and no double quote.
fn repr_quote(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double { '"' } else { '\'' }
}

/// Writes one ASCII character the way both `str` and `bytes` repr do.
fn push_repr_ascii(out: &mut String, c: u8, quote: u8) {
    match c {
        b'\\' => out.push_str("\\\\"),
        b'\t' => out.push_str("\\t"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        _ if c == quote => {
            out.push('\\');
            out.push(c as char);
        }
        _ if !(b' '..0x7f).contains(&c) => push_hex_escape(out, 'x', 2, c.into()),
        _ => out.push(c as char),
    }
}

/// Writes `\x..`, `\u....` or `\U........` with lowercase hex, as CPython does.
fn push_hex_escape(out: &mut String, kind: char, width: usize, cp: u32) {
    // Writing into a String cannot fail.
    let _ = write!(out, "\\{kind}{cp:0width$x}");
}

/// `str.isprintable()` for one character, from CPython 3.11's Unicode 14.0
/// tables (see `NON_PRINTABLE`).
fn is_printable(c: char) -> bool {
    let cp = u32::from(c);
    NON_PRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

fn push_repr_char(out: &mut String, c: char, quote: char) {
    if c.is_ascii() {
        // Both are ASCII here, so the byte casts are exact.
        push_repr_ascii(out, c as u8, quote as u8);
        return;
    }
    let cp = u32::from(c);
    if is_printable(c) {
        out.push(c);
    } else if cp <= 0xff {
        push_hex_escape(out, 'x', 2, cp);
    } else if cp <= 0xffff {
        push_hex_escape(out, 'u', 4, cp);
    } else {
        push_hex_escape(out, 'U', 8, cp);
    }
}

/// Python repr() of a str, exactly as CPython 3.11 prints it (quote choice, \\ \n \r \t escapes, \xhh/\uhhhh/\Uhhhhhhhh for non-printable chars per str.isprintable: escape Unicode categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs except U+0020 — a compact table of the ranges is fine; it must be exact for ASCII/Latin-1 and the common format characters like U+200B..U+200F, U+2028, U+2029, U+FEFF, U+00AD, U+00A0).
pub fn repr_str(s: &str) -> String {
    let quote = repr_quote(s.contains('\''), s.contains('"'));
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        push_repr_char(&mut out, c, quote);
    }
    out.push(quote);
    out
}

/// Python repr() of bytes: b'...' with CPython's quote choice and escapes (\\, \', \t \n \r, \xhh for <0x20 and >=0x7f).
pub fn repr_bytes(b: &[u8]) -> String {
    let quote = repr_quote(b.contains(&b'\''), b.contains(&b'"'));
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(quote);
    for &c in b {
        push_repr_ascii(&mut out, c, quote as u8);
    }
    out.push(quote);
    out
}

/// Inclusive code point ranges for which CPython 3.11's `str.isprintable()` is
/// false (categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs other than U+0020),
/// generated from its Unicode 14.0 database. Kept sorted for binary search.
#[rustfmt::skip]
const NON_PRINTABLE: [(u32, u32); 701] = [
    (0x00000, 0x0001F), (0x0007F, 0x000A0), (0x000AD, 0x000AD), (0x00378, 0x00379),
    (0x00380, 0x00383), (0x0038B, 0x0038B), (0x0038D, 0x0038D), (0x003A2, 0x003A2),
    (0x00530, 0x00530), (0x00557, 0x00558), (0x0058B, 0x0058C), (0x00590, 0x00590),
    (0x005C8, 0x005CF), (0x005EB, 0x005EE), (0x005F5, 0x00605), (0x0061C, 0x0061C),
    (0x006DD, 0x006DD), (0x0070E, 0x0070F), (0x0074B, 0x0074C), (0x007B2, 0x007BF),
    (0x007FB, 0x007FC), (0x0082E, 0x0082F), (0x0083F, 0x0083F), (0x0085C, 0x0085D),
    (0x0085F, 0x0085F), (0x0086B, 0x0086F), (0x0088F, 0x00897), (0x008E2, 0x008E2),
    (0x00984, 0x00984), (0x0098D, 0x0098E), (0x00991, 0x00992), (0x009A9, 0x009A9),
    (0x009B1, 0x009B1), (0x009B3, 0x009B5), (0x009BA, 0x009BB), (0x009C5, 0x009C6),
    (0x009C9, 0x009CA), (0x009CF, 0x009D6), (0x009D8, 0x009DB), (0x009DE, 0x009DE),
    (0x009E4, 0x009E5), (0x009FF, 0x00A00), (0x00A04, 0x00A04), (0x00A0B, 0x00A0E),
    (0x00A11, 0x00A12), (0x00A29, 0x00A29), (0x00A31, 0x00A31), (0x00A34, 0x00A34),
    (0x00A37, 0x00A37), (0x00A3A, 0x00A3B), (0x00A3D, 0x00A3D), (0x00A43, 0x00A46),
    (0x00A49, 0x00A4A), (0x00A4E, 0x00A50), (0x00A52, 0x00A58), (0x00A5D, 0x00A5D),
    (0x00A5F, 0x00A65), (0x00A77, 0x00A80), (0x00A84, 0x00A84), (0x00A8E, 0x00A8E),
    (0x00A92, 0x00A92), (0x00AA9, 0x00AA9), (0x00AB1, 0x00AB1), (0x00AB4, 0x00AB4),
    (0x00ABA, 0x00ABB), (0x00AC6, 0x00AC6), (0x00ACA, 0x00ACA), (0x00ACE, 0x00ACF),
    (0x00AD1, 0x00ADF), (0x00AE4, 0x00AE5), (0x00AF2, 0x00AF8), (0x00B00, 0x00B00),
    (0x00B04, 0x00B04), (0x00B0D, 0x00B0E), (0x00B11, 0x00B12), (0x00B29, 0x00B29),
    (0x00B31, 0x00B31), (0x00B34, 0x00B34), (0x00B3A, 0x00B3B), (0x00B45, 0x00B46),
    (0x00B49, 0x00B4A), (0x00B4E, 0x00B54), (0x00B58, 0x00B5B), (0x00B5E, 0x00B5E),
    (0x00B64, 0x00B65), (0x00B78, 0x00B81), (0x00B84, 0x00B84), (0x00B8B, 0x00B8D),
    (0x00B91, 0x00B91), (0x00B96, 0x00B98), (0x00B9B, 0x00B9B), (0x00B9D, 0x00B9D),
    (0x00BA0, 0x00BA2), (0x00BA5, 0x00BA7), (0x00BAB, 0x00BAD), (0x00BBA, 0x00BBD),
    (0x00BC3, 0x00BC5), (0x00BC9, 0x00BC9), (0x00BCE, 0x00BCF), (0x00BD1, 0x00BD6),
    (0x00BD8, 0x00BE5), (0x00BFB, 0x00BFF), (0x00C0D, 0x00C0D), (0x00C11, 0x00C11),
    (0x00C29, 0x00C29), (0x00C3A, 0x00C3B), (0x00C45, 0x00C45), (0x00C49, 0x00C49),
    (0x00C4E, 0x00C54), (0x00C57, 0x00C57), (0x00C5B, 0x00C5C), (0x00C5E, 0x00C5F),
    (0x00C64, 0x00C65), (0x00C70, 0x00C76), (0x00C8D, 0x00C8D), (0x00C91, 0x00C91),
    (0x00CA9, 0x00CA9), (0x00CB4, 0x00CB4), (0x00CBA, 0x00CBB), (0x00CC5, 0x00CC5),
    (0x00CC9, 0x00CC9), (0x00CCE, 0x00CD4), (0x00CD7, 0x00CDC), (0x00CDF, 0x00CDF),
    (0x00CE4, 0x00CE5), (0x00CF0, 0x00CF0), (0x00CF3, 0x00CFF), (0x00D0D, 0x00D0D),
    (0x00D11, 0x00D11), (0x00D45, 0x00D45), (0x00D49, 0x00D49), (0x00D50, 0x00D53),
    (0x00D64, 0x00D65), (0x00D80, 0x00D80), (0x00D84, 0x00D84), (0x00D97, 0x00D99),
    (0x00DB2, 0x00DB2), (0x00DBC, 0x00DBC), (0x00DBE, 0x00DBF), (0x00DC7, 0x00DC9),
    (0x00DCB, 0x00DCE), (0x00DD5, 0x00DD5), (0x00DD7, 0x00DD7), (0x00DE0, 0x00DE5),
    (0x00DF0, 0x00DF1), (0x00DF5, 0x00E00), (0x00E3B, 0x00E3E), (0x00E5C, 0x00E80),
    (0x00E83, 0x00E83), (0x00E85, 0x00E85), (0x00E8B, 0x00E8B), (0x00EA4, 0x00EA4),
    (0x00EA6, 0x00EA6), (0x00EBE, 0x00EBF), (0x00EC5, 0x00EC5), (0x00EC7, 0x00EC7),
    (0x00ECE, 0x00ECF), (0x00EDA, 0x00EDB), (0x00EE0, 0x00EFF), (0x00F48, 0x00F48),
    (0x00F6D, 0x00F70), (0x00F98, 0x00F98), (0x00FBD, 0x00FBD), (0x00FCD, 0x00FCD),
    (0x00FDB, 0x00FFF), (0x010C6, 0x010C6), (0x010C8, 0x010CC), (0x010CE, 0x010CF),
    (0x01249, 0x01249), (0x0124E, 0x0124F), (0x01257, 0x01257), (0x01259, 0x01259),
    (0x0125E, 0x0125F), (0x01289, 0x01289), (0x0128E, 0x0128F), (0x012B1, 0x012B1),
    (0x012B6, 0x012B7), (0x012BF, 0x012BF), (0x012C1, 0x012C1), (0x012C6, 0x012C7),
    (0x012D7, 0x012D7), (0x01311, 0x01311), (0x01316, 0x01317), (0x0135B, 0x0135C),
    (0x0137D, 0x0137F), (0x0139A, 0x0139F), (0x013F6, 0x013F7), (0x013FE, 0x013FF),
    (0x01680, 0x01680), (0x0169D, 0x0169F), (0x016F9, 0x016FF), (0x01716, 0x0171E),
    (0x01737, 0x0173F), (0x01754, 0x0175F), (0x0176D, 0x0176D), (0x01771, 0x01771),
    (0x01774, 0x0177F), (0x017DE, 0x017DF), (0x017EA, 0x017EF), (0x017FA, 0x017FF),
    (0x0180E, 0x0180E), (0x0181A, 0x0181F), (0x01879, 0x0187F), (0x018AB, 0x018AF),
    (0x018F6, 0x018FF), (0x0191F, 0x0191F), (0x0192C, 0x0192F), (0x0193C, 0x0193F),
    (0x01941, 0x01943), (0x0196E, 0x0196F), (0x01975, 0x0197F), (0x019AC, 0x019AF),
    (0x019CA, 0x019CF), (0x019DB, 0x019DD), (0x01A1C, 0x01A1D), (0x01A5F, 0x01A5F),
    (0x01A7D, 0x01A7E), (0x01A8A, 0x01A8F), (0x01A9A, 0x01A9F), (0x01AAE, 0x01AAF),
    (0x01ACF, 0x01AFF), (0x01B4D, 0x01B4F), (0x01B7F, 0x01B7F), (0x01BF4, 0x01BFB),
    (0x01C38, 0x01C3A), (0x01C4A, 0x01C4C), (0x01C89, 0x01C8F), (0x01CBB, 0x01CBC),
    (0x01CC8, 0x01CCF), (0x01CFB, 0x01CFF), (0x01F16, 0x01F17), (0x01F1E, 0x01F1F),
    (0x01F46, 0x01F47), (0x01F4E, 0x01F4F), (0x01F58, 0x01F58), (0x01F5A, 0x01F5A),
    (0x01F5C, 0x01F5C), (0x01F5E, 0x01F5E), (0x01F7E, 0x01F7F), (0x01FB5, 0x01FB5),
    (0x01FC5, 0x01FC5), (0x01FD4, 0x01FD5), (0x01FDC, 0x01FDC), (0x01FF0, 0x01FF1),
    (0x01FF5, 0x01FF5), (0x01FFF, 0x0200F), (0x02028, 0x0202F), (0x0205F, 0x0206F),
    (0x02072, 0x02073), (0x0208F, 0x0208F), (0x0209D, 0x0209F), (0x020C1, 0x020CF),
    (0x020F1, 0x020FF), (0x0218C, 0x0218F), (0x02427, 0x0243F), (0x0244B, 0x0245F),
    (0x02B74, 0x02B75), (0x02B96, 0x02B96), (0x02CF4, 0x02CF8), (0x02D26, 0x02D26),
    (0x02D28, 0x02D2C), (0x02D2E, 0x02D2F), (0x02D68, 0x02D6E), (0x02D71, 0x02D7E),
    (0x02D97, 0x02D9F), (0x02DA7, 0x02DA7), (0x02DAF, 0x02DAF), (0x02DB7, 0x02DB7),
    (0x02DBF, 0x02DBF), (0x02DC7, 0x02DC7), (0x02DCF, 0x02DCF), (0x02DD7, 0x02DD7),
    (0x02DDF, 0x02DDF), (0x02E5E, 0x02E7F), (0x02E9A, 0x02E9A), (0x02EF4, 0x02EFF),
    (0x02FD6, 0x02FEF), (0x02FFC, 0x03000), (0x03040, 0x03040), (0x03097, 0x03098),
    (0x03100, 0x03104), (0x03130, 0x03130), (0x0318F, 0x0318F), (0x031E4, 0x031EF),
    (0x0321F, 0x0321F), (0x0A48D, 0x0A48F), (0x0A4C7, 0x0A4CF), (0x0A62C, 0x0A63F),
    (0x0A6F8, 0x0A6FF), (0x0A7CB, 0x0A7CF), (0x0A7D2, 0x0A7D2), (0x0A7D4, 0x0A7D4),
    (0x0A7DA, 0x0A7F1), (0x0A82D, 0x0A82F), (0x0A83A, 0x0A83F), (0x0A878, 0x0A87F),
    (0x0A8C6, 0x0A8CD), (0x0A8DA, 0x0A8DF), (0x0A954, 0x0A95E), (0x0A97D, 0x0A97F),
    (0x0A9CE, 0x0A9CE), (0x0A9DA, 0x0A9DD), (0x0A9FF, 0x0A9FF), (0x0AA37, 0x0AA3F),
    (0x0AA4E, 0x0AA4F), (0x0AA5A, 0x0AA5B), (0x0AAC3, 0x0AADA), (0x0AAF7, 0x0AB00),
    (0x0AB07, 0x0AB08), (0x0AB0F, 0x0AB10), (0x0AB17, 0x0AB1F), (0x0AB27, 0x0AB27),
    (0x0AB2F, 0x0AB2F), (0x0AB6C, 0x0AB6F), (0x0ABEE, 0x0ABEF), (0x0ABFA, 0x0ABFF),
    (0x0D7A4, 0x0D7AF), (0x0D7C7, 0x0D7CA), (0x0D7FC, 0x0F8FF), (0x0FA6E, 0x0FA6F),
    (0x0FADA, 0x0FAFF), (0x0FB07, 0x0FB12), (0x0FB18, 0x0FB1C), (0x0FB37, 0x0FB37),
    (0x0FB3D, 0x0FB3D), (0x0FB3F, 0x0FB3F), (0x0FB42, 0x0FB42), (0x0FB45, 0x0FB45),
    (0x0FBC3, 0x0FBD2), (0x0FD90, 0x0FD91), (0x0FDC8, 0x0FDCE), (0x0FDD0, 0x0FDEF),
    (0x0FE1A, 0x0FE1F), (0x0FE53, 0x0FE53), (0x0FE67, 0x0FE67), (0x0FE6C, 0x0FE6F),
    (0x0FE75, 0x0FE75), (0x0FEFD, 0x0FF00), (0x0FFBF, 0x0FFC1), (0x0FFC8, 0x0FFC9),
    (0x0FFD0, 0x0FFD1), (0x0FFD8, 0x0FFD9), (0x0FFDD, 0x0FFDF), (0x0FFE7, 0x0FFE7),
    (0x0FFEF, 0x0FFFB), (0x0FFFE, 0x0FFFF), (0x1000C, 0x1000C), (0x10027, 0x10027),
    (0x1003B, 0x1003B), (0x1003E, 0x1003E), (0x1004E, 0x1004F), (0x1005E, 0x1007F),
    (0x100FB, 0x100FF), (0x10103, 0x10106), (0x10134, 0x10136), (0x1018F, 0x1018F),
    (0x1019D, 0x1019F), (0x101A1, 0x101CF), (0x101FE, 0x1027F), (0x1029D, 0x1029F),
    (0x102D1, 0x102DF), (0x102FC, 0x102FF), (0x10324, 0x1032C), (0x1034B, 0x1034F),
    (0x1037B, 0x1037F), (0x1039E, 0x1039E), (0x103C4, 0x103C7), (0x103D6, 0x103FF),
    (0x1049E, 0x1049F), (0x104AA, 0x104AF), (0x104D4, 0x104D7), (0x104FC, 0x104FF),
    (0x10528, 0x1052F), (0x10564, 0x1056E), (0x1057B, 0x1057B), (0x1058B, 0x1058B),
    (0x10593, 0x10593), (0x10596, 0x10596), (0x105A2, 0x105A2), (0x105B2, 0x105B2),
    (0x105BA, 0x105BA), (0x105BD, 0x105FF), (0x10737, 0x1073F), (0x10756, 0x1075F),
    (0x10768, 0x1077F), (0x10786, 0x10786), (0x107B1, 0x107B1), (0x107BB, 0x107FF),
    (0x10806, 0x10807), (0x10809, 0x10809), (0x10836, 0x10836), (0x10839, 0x1083B),
    (0x1083D, 0x1083E), (0x10856, 0x10856), (0x1089F, 0x108A6), (0x108B0, 0x108DF),
    (0x108F3, 0x108F3), (0x108F6, 0x108FA), (0x1091C, 0x1091E), (0x1093A, 0x1093E),
    (0x10940, 0x1097F), (0x109B8, 0x109BB), (0x109D0, 0x109D1), (0x10A04, 0x10A04),
    (0x10A07, 0x10A0B), (0x10A14, 0x10A14), (0x10A18, 0x10A18), (0x10A36, 0x10A37),
    (0x10A3B, 0x10A3E), (0x10A49, 0x10A4F), (0x10A59, 0x10A5F), (0x10AA0, 0x10ABF),
    (0x10AE7, 0x10AEA), (0x10AF7, 0x10AFF), (0x10B36, 0x10B38), (0x10B56, 0x10B57),
    (0x10B73, 0x10B77), (0x10B92, 0x10B98), (0x10B9D, 0x10BA8), (0x10BB0, 0x10BFF),
    (0x10C49, 0x10C7F), (0x10CB3, 0x10CBF), (0x10CF3, 0x10CF9), (0x10D28, 0x10D2F),
    (0x10D3A, 0x10E5F), (0x10E7F, 0x10E7F), (0x10EAA, 0x10EAA), (0x10EAE, 0x10EAF),
    (0x10EB2, 0x10EFF), (0x10F28, 0x10F2F), (0x10F5A, 0x10F6F), (0x10F8A, 0x10FAF),
    (0x10FCC, 0x10FDF), (0x10FF7, 0x10FFF), (0x1104E, 0x11051), (0x11076, 0x1107E),
    (0x110BD, 0x110BD), (0x110C3, 0x110CF), (0x110E9, 0x110EF), (0x110FA, 0x110FF),
    (0x11135, 0x11135), (0x11148, 0x1114F), (0x11177, 0x1117F), (0x111E0, 0x111E0),
    (0x111F5, 0x111FF), (0x11212, 0x11212), (0x1123F, 0x1127F), (0x11287, 0x11287),
    (0x11289, 0x11289), (0x1128E, 0x1128E), (0x1129E, 0x1129E), (0x112AA, 0x112AF),
    (0x112EB, 0x112EF), (0x112FA, 0x112FF), (0x11304, 0x11304), (0x1130D, 0x1130E),
    (0x11311, 0x11312), (0x11329, 0x11329), (0x11331, 0x11331), (0x11334, 0x11334),
    (0x1133A, 0x1133A), (0x11345, 0x11346), (0x11349, 0x1134A), (0x1134E, 0x1134F),
    (0x11351, 0x11356), (0x11358, 0x1135C), (0x11364, 0x11365), (0x1136D, 0x1136F),
    (0x11375, 0x113FF), (0x1145C, 0x1145C), (0x11462, 0x1147F), (0x114C8, 0x114CF),
    (0x114DA, 0x1157F), (0x115B6, 0x115B7), (0x115DE, 0x115FF), (0x11645, 0x1164F),
    (0x1165A, 0x1165F), (0x1166D, 0x1167F), (0x116BA, 0x116BF), (0x116CA, 0x116FF),
    (0x1171B, 0x1171C), (0x1172C, 0x1172F), (0x11747, 0x117FF), (0x1183C, 0x1189F),
    (0x118F3, 0x118FE), (0x11907, 0x11908), (0x1190A, 0x1190B), (0x11914, 0x11914),
    (0x11917, 0x11917), (0x11936, 0x11936), (0x11939, 0x1193A), (0x11947, 0x1194F),
    (0x1195A, 0x1199F), (0x119A8, 0x119A9), (0x119D8, 0x119D9), (0x119E5, 0x119FF),
    (0x11A48, 0x11A4F), (0x11AA3, 0x11AAF), (0x11AF9, 0x11BFF), (0x11C09, 0x11C09),
    (0x11C37, 0x11C37), (0x11C46, 0x11C4F), (0x11C6D, 0x11C6F), (0x11C90, 0x11C91),
    (0x11CA8, 0x11CA8), (0x11CB7, 0x11CFF), (0x11D07, 0x11D07), (0x11D0A, 0x11D0A),
    (0x11D37, 0x11D39), (0x11D3B, 0x11D3B), (0x11D3E, 0x11D3E), (0x11D48, 0x11D4F),
    (0x11D5A, 0x11D5F), (0x11D66, 0x11D66), (0x11D69, 0x11D69), (0x11D8F, 0x11D8F),
    (0x11D92, 0x11D92), (0x11D99, 0x11D9F), (0x11DAA, 0x11EDF), (0x11EF9, 0x11FAF),
    (0x11FB1, 0x11FBF), (0x11FF2, 0x11FFE), (0x1239A, 0x123FF), (0x1246F, 0x1246F),
    (0x12475, 0x1247F), (0x12544, 0x12F8F), (0x12FF3, 0x12FFF), (0x1342F, 0x143FF),
    (0x14647, 0x167FF), (0x16A39, 0x16A3F), (0x16A5F, 0x16A5F), (0x16A6A, 0x16A6D),
    (0x16ABF, 0x16ABF), (0x16ACA, 0x16ACF), (0x16AEE, 0x16AEF), (0x16AF6, 0x16AFF),
    (0x16B46, 0x16B4F), (0x16B5A, 0x16B5A), (0x16B62, 0x16B62), (0x16B78, 0x16B7C),
    (0x16B90, 0x16E3F), (0x16E9B, 0x16EFF), (0x16F4B, 0x16F4E), (0x16F88, 0x16F8E),
    (0x16FA0, 0x16FDF), (0x16FE5, 0x16FEF), (0x16FF2, 0x16FFF), (0x187F8, 0x187FF),
    (0x18CD6, 0x18CFF), (0x18D09, 0x1AFEF), (0x1AFF4, 0x1AFF4), (0x1AFFC, 0x1AFFC),
    (0x1AFFF, 0x1AFFF), (0x1B123, 0x1B14F), (0x1B153, 0x1B163), (0x1B168, 0x1B16F),
    (0x1B2FC, 0x1BBFF), (0x1BC6B, 0x1BC6F), (0x1BC7D, 0x1BC7F), (0x1BC89, 0x1BC8F),
    (0x1BC9A, 0x1BC9B), (0x1BCA0, 0x1CEFF), (0x1CF2E, 0x1CF2F), (0x1CF47, 0x1CF4F),
    (0x1CFC4, 0x1CFFF), (0x1D0F6, 0x1D0FF), (0x1D127, 0x1D128), (0x1D173, 0x1D17A),
    (0x1D1EB, 0x1D1FF), (0x1D246, 0x1D2DF), (0x1D2F4, 0x1D2FF), (0x1D357, 0x1D35F),
    (0x1D379, 0x1D3FF), (0x1D455, 0x1D455), (0x1D49D, 0x1D49D), (0x1D4A0, 0x1D4A1),
    (0x1D4A3, 0x1D4A4), (0x1D4A7, 0x1D4A8), (0x1D4AD, 0x1D4AD), (0x1D4BA, 0x1D4BA),
    (0x1D4BC, 0x1D4BC), (0x1D4C4, 0x1D4C4), (0x1D506, 0x1D506), (0x1D50B, 0x1D50C),
    (0x1D515, 0x1D515), (0x1D51D, 0x1D51D), (0x1D53A, 0x1D53A), (0x1D53F, 0x1D53F),
    (0x1D545, 0x1D545), (0x1D547, 0x1D549), (0x1D551, 0x1D551), (0x1D6A6, 0x1D6A7),
    (0x1D7CC, 0x1D7CD), (0x1DA8C, 0x1DA9A), (0x1DAA0, 0x1DAA0), (0x1DAB0, 0x1DEFF),
    (0x1DF1F, 0x1DFFF), (0x1E007, 0x1E007), (0x1E019, 0x1E01A), (0x1E022, 0x1E022),
    (0x1E025, 0x1E025), (0x1E02B, 0x1E0FF), (0x1E12D, 0x1E12F), (0x1E13E, 0x1E13F),
    (0x1E14A, 0x1E14D), (0x1E150, 0x1E28F), (0x1E2AF, 0x1E2BF), (0x1E2FA, 0x1E2FE),
    (0x1E300, 0x1E7DF), (0x1E7E7, 0x1E7E7), (0x1E7EC, 0x1E7EC), (0x1E7EF, 0x1E7EF),
    (0x1E7FF, 0x1E7FF), (0x1E8C5, 0x1E8C6), (0x1E8D7, 0x1E8FF), (0x1E94C, 0x1E94F),
    (0x1E95A, 0x1E95D), (0x1E960, 0x1EC70), (0x1ECB5, 0x1ED00), (0x1ED3E, 0x1EDFF),
    (0x1EE04, 0x1EE04), (0x1EE20, 0x1EE20), (0x1EE23, 0x1EE23), (0x1EE25, 0x1EE26),
    (0x1EE28, 0x1EE28), (0x1EE33, 0x1EE33), (0x1EE38, 0x1EE38), (0x1EE3A, 0x1EE3A),
    (0x1EE3C, 0x1EE41), (0x1EE43, 0x1EE46), (0x1EE48, 0x1EE48), (0x1EE4A, 0x1EE4A),
    (0x1EE4C, 0x1EE4C), (0x1EE50, 0x1EE50), (0x1EE53, 0x1EE53), (0x1EE55, 0x1EE56),
    (0x1EE58, 0x1EE58), (0x1EE5A, 0x1EE5A), (0x1EE5C, 0x1EE5C), (0x1EE5E, 0x1EE5E),
    (0x1EE60, 0x1EE60), (0x1EE63, 0x1EE63), (0x1EE65, 0x1EE66), (0x1EE6B, 0x1EE6B),
    (0x1EE73, 0x1EE73), (0x1EE78, 0x1EE78), (0x1EE7D, 0x1EE7D), (0x1EE7F, 0x1EE7F),
    (0x1EE8A, 0x1EE8A), (0x1EE9C, 0x1EEA0), (0x1EEA4, 0x1EEA4), (0x1EEAA, 0x1EEAA),
    (0x1EEBC, 0x1EEEF), (0x1EEF2, 0x1EFFF), (0x1F02C, 0x1F02F), (0x1F094, 0x1F09F),
    (0x1F0AF, 0x1F0B0), (0x1F0C0, 0x1F0C0), (0x1F0D0, 0x1F0D0), (0x1F0F6, 0x1F0FF),
    (0x1F1AE, 0x1F1E5), (0x1F203, 0x1F20F), (0x1F23C, 0x1F23F), (0x1F249, 0x1F24F),
    (0x1F252, 0x1F25F), (0x1F266, 0x1F2FF), (0x1F6D8, 0x1F6DC), (0x1F6ED, 0x1F6EF),
    (0x1F6FD, 0x1F6FF), (0x1F774, 0x1F77F), (0x1F7D9, 0x1F7DF), (0x1F7EC, 0x1F7EF),
    (0x1F7F1, 0x1F7FF), (0x1F80C, 0x1F80F), (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F),
    (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8AF), (0x1F8B2, 0x1F8FF), (0x1FA54, 0x1FA5F),
    (0x1FA6E, 0x1FA6F), (0x1FA75, 0x1FA77), (0x1FA7D, 0x1FA7F), (0x1FA87, 0x1FA8F),
    (0x1FAAD, 0x1FAAF), (0x1FABB, 0x1FABF), (0x1FAC6, 0x1FACF), (0x1FADA, 0x1FADF),
    (0x1FAE8, 0x1FAEF), (0x1FAF7, 0x1FAFF), (0x1FB93, 0x1FB93), (0x1FBCB, 0x1FBEF),
    (0x1FBFA, 0x1FFFF), (0x2A6E0, 0x2A6FF), (0x2B739, 0x2B73F), (0x2B81E, 0x2B81F),
    (0x2CEA2, 0x2CEAF), (0x2EBE1, 0x2F7FF), (0x2FA1E, 0x2FFFF), (0x3134B, 0xE00FF),
    (0xE01F0, 0x10FFFF),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Vec<u8> {
        s.as_bytes().to_vec()
    }

    fn pair(h: &str, t: &str) -> (Vec<u8>, Vec<u8>) {
        (b(h), b(t))
    }

    const CWD: &[u8] = b"/home/user/proj";

    fn rel(path: &str, start: Option<&str>) -> Result<Vec<u8>, PathError> {
        relpath(path.as_bytes(), start.map(str::as_bytes), CWD)
    }

    fn env(name: &[u8]) -> Option<Vec<u8>> {
        match name {
            b"FOO" => Some(b("bar")),
            b"EMPTY" => Some(Vec::new()),
            b"LOOP" => Some(b("$FOO")),
            b"a b" => Some(b("spaced")),
            _ => None,
        }
    }

    fn expand(s: &str) -> Vec<u8> {
        expandvars(s.as_bytes(), &env)
    }

    #[test]
    fn join_absolute_component_discards_previous_parts() {
        assert_eq!(join(b"a", &[b"/b"]), b("/b"));
        assert_eq!(join(b"a", &[b"//c"]), b("//c"));
        assert_eq!(join(b"a", &[b"b", b"/c", b"d"]), b("/c/d"));
    }

    #[test]
    fn join_empty_last_part_adds_trailing_slash() {
        assert_eq!(join(b"a", &[b""]), b("a/"));
        assert_eq!(join(b"a/", &[b""]), b("a/"));
        assert_eq!(join(b"", &[b""]), b(""));
        assert_eq!(join(b"", &[b"", b"a"]), b("a"));
    }

    #[test]
    fn join_inserts_slash_only_when_missing() {
        assert_eq!(join(b"a", &[b"b"]), b("a/b"));
        assert_eq!(join(b"a/", &[b"b"]), b("a/b"));
        assert_eq!(join(b"a//", &[b"b/"]), b("a//b/"));
        assert_eq!(join(b"a", &[]), b("a"));
    }

    #[test]
    fn split_keeps_all_slash_head() {
        assert_eq!(split(b"//a"), pair("//", "a"));
        assert_eq!(split(b"///a"), pair("///", "a"));
        assert_eq!(split(b"/"), pair("/", ""));
    }

    #[test]
    fn split_strips_trailing_slashes_from_other_heads() {
        assert_eq!(split(b"a/"), pair("a", ""));
        assert_eq!(split(b"a//b"), pair("a", "b"));
        assert_eq!(split(b"/a//b/c"), pair("/a//b", "c"));
        assert_eq!(split(b"abc"), pair("", "abc"));
        assert_eq!(split(b""), pair("", ""));
    }

    #[test]
    fn basename_and_dirname_match_split() {
        assert_eq!(basename(b"a/"), b(""));
        assert_eq!(basename(b"/a/b.txt"), b("b.txt"));
        assert_eq!(dirname(b"///a"), b("///"));
        assert_eq!(dirname(b"a//b"), b("a"));
        assert_eq!(dirname(b"b"), b(""));
        for p in ["", "/", "a/b/", "//x//y", "x"] {
            let (h, t) = split(p.as_bytes());
            assert_eq!((dirname(p.as_bytes()), basename(p.as_bytes())), (h, t), "{p}");
        }
    }

    #[test]
    fn splitext_ignores_leading_dots() {
        assert_eq!(splitext(b".bashrc"), pair(".bashrc", ""));
        assert_eq!(splitext(b"..."), pair("...", ""));
        assert_eq!(splitext(b".a.b"), pair(".a", ".b"));
        assert_eq!(splitext(b"/x/..b.c"), pair("/x/..b", ".c"));
    }

    #[test]
    fn splitext_takes_last_dot_of_last_component() {
        assert_eq!(splitext(b"a."), pair("a", "."));
        assert_eq!(splitext(b"a..."), pair("a..", "."));
        assert_eq!(splitext(b"foo.tar.gz"), pair("foo.tar", ".gz"));
        assert_eq!(splitext(b"/a/b.c/"), pair("/a/b.c/", ""));
        assert_eq!(splitext(b"a.b/c"), pair("a.b/c", ""));
        assert_eq!(splitext(b""), pair("", ""));
    }

    #[test]
    fn splitdrive_is_always_empty_drive() {
        assert_eq!(splitdrive(b"c:/x"), pair("", "c:/x"));
        assert_eq!(splitdrive(b""), pair("", ""));
    }

    #[test]
    fn normcase_is_identity() {
        assert_eq!(normcase(b"A/b\\C"), b("A/b\\C"));
    }

    #[test]
    fn isabs_means_leading_slash() {
        assert!(isabs(b"//"));
        assert!(isabs(b"/a"));
        assert!(!isabs(b""));
        assert!(!isabs(b"a/b"));
        assert!(!isabs(b"~"));
    }

    #[test]
    fn normpath_keeps_exactly_two_leading_slashes() {
        assert_eq!(normpath(b"//a"), b("//a"));
        assert_eq!(normpath(b"//a//"), b("//a"));
        assert_eq!(normpath(b"//"), b("//"));
        assert_eq!(normpath(b"///a"), b("/a"));
        assert_eq!(normpath(b"////"), b("/"));
    }

    #[test]
    fn normpath_of_empty_is_dot() {
        assert_eq!(normpath(b""), b("."));
        assert_eq!(normpath(b"./"), b("."));
        assert_eq!(normpath(b"a/.."), b("."));
    }

    #[test]
    fn normpath_drops_dotdot_at_root_and_keeps_leading_relative_dotdot() {
        assert_eq!(normpath(b"/.."), b("/"));
        assert_eq!(normpath(b"//../a"), b("//a"));
        assert_eq!(normpath(b"a/../.."), b(".."));
        assert_eq!(normpath(b"../a/../../b"), b("../../b"));
        assert_eq!(normpath(b"a/./b/../c/"), b("a/c"));
    }

    #[test]
    fn normpath_passes_non_utf8_and_nul_through() {
        assert_eq!(normpath(b"\xff/./\x00/../\xfe"), b"\xff/\xfe".to_vec());
    }

    #[test]
    fn abspath_joins_relative_paths_to_cwd() {
        assert_eq!(abspath(b"", CWD), b("/home/user/proj"));
        assert_eq!(abspath(b"x/../y", CWD), b("/home/user/proj/y"));
        assert_eq!(abspath(b"../../..", CWD), b("/"));
        assert_eq!(abspath(b"a", b"//srv"), b("//srv/a"));
    }

    #[test]
    fn abspath_keeps_double_slash_of_absolute_input() {
        assert_eq!(abspath(b"//a", CWD), b("//a"));
        assert_eq!(abspath(b"///a/./b", CWD), b("/a/b"));
    }

    #[test]
    fn relpath_of_empty_path_is_value_error() {
        assert_eq!(rel("", None), Err(PathError::Value("no path specified".into())));
        assert_eq!(rel("", Some("/")), Err(PathError::Value("no path specified".into())));
    }

    #[test]
    fn relpath_works_on_absolute_forms() {
        assert_eq!(rel("a", Some("a")), Ok(b(".")));
        assert_eq!(rel("/", Some("/a")), Ok(b("..")));
        assert_eq!(rel("a", Some("/a")), Ok(b("../home/user/proj/a")));
        assert_eq!(rel(".", Some("..")), Ok(b("proj")));
        assert_eq!(rel("//a", Some("/a")), Ok(b(".")));
        assert_eq!(rel("/home/x/y", None), Ok(b("../../x/y")));
        assert_eq!(rel("a/b", Some("")), Ok(b("a/b")));
    }

    #[test]
    fn commonpath_compares_whole_components() {
        assert_eq!(commonpath(&[b"/a/b", b"/a/bc"]), Ok(b("/a")));
        assert_eq!(commonpath(&[b"..", b"../a"]), Ok(b("..")));
        assert_eq!(commonpath(&[b""]), Ok(b("")));
        assert_eq!(commonpath(&[b"/"]), Ok(b("/")));
        assert_eq!(commonpath(&[b"a/./b//", b"a/b/c"]), Ok(b("a/b")));
        assert_eq!(commonpath(&[b"a/../b", b"a"]), Ok(b("a")));
        assert_eq!(commonpath(&[b"/x", b"/y"]), Ok(b("/")));
    }

    #[test]
    fn commonpath_errors_mirror_python() {
        assert_eq!(commonpath(&[]), Err(PathError::Value("commonpath() arg is an empty sequence".into())));
        assert_eq!(commonpath(&[b"/a", b"a"]), Err(PathError::Value("Can't mix absolute and relative paths".into())));
        assert_eq!(commonpath(&[b"", b"/"]), Err(PathError::Value("Can't mix absolute and relative paths".into())));
    }

    #[test]
    fn commonprefix_is_bytewise() {
        assert_eq!(commonprefix(&[b"/usr/lib", b"/usr/local"]), b("/usr/l"));
        assert_eq!(commonprefix(&[]), b(""));
        assert_eq!(commonprefix(&[b"abc"]), b("abc"));
        // Bytes semantics may cut inside a UTF-8 sequence: é is C3 A9, è is C3 A8.
        assert_eq!(commonprefix(&["é".as_bytes(), "è".as_bytes()]), vec![0xc3]);
    }

    #[test]
    fn commonprefix_str_never_cuts_a_character() {
        assert_eq!(commonprefix_str(&["é", "è"]), "");
        assert_eq!(commonprefix_str(&["/usr/lib", "/usr/local"]), "/usr/l");
        assert_eq!(commonprefix_str(&["aé😀x", "aé😀y", "aé😀"]), "aé😀");
        assert_eq!(commonprefix_str(&[]), "");
    }

    #[test]
    fn expanduser_replaces_tilde_with_home() {
        let home = Some(&b"/home/u"[..]);
        assert_eq!(expanduser(b"~", home), b("/home/u"));
        assert_eq!(expanduser(b"~/x", home), b("/home/u/x"));
        assert_eq!(expanduser(b"x/~", home), b("x/~"));
        assert_eq!(expanduser(b"", home), b(""));
    }

    #[test]
    fn expanduser_strips_trailing_slash_and_root_home_becomes_slash() {
        assert_eq!(expanduser(b"~", Some(b"/home/u//")), b("/home/u"));
        assert_eq!(expanduser(b"~", Some(b"/")), b("/"));
        assert_eq!(expanduser(b"~/x", Some(b"/")), b("/x"));
        assert_eq!(expanduser(b"~", Some(b"")), b("/"));
        assert_eq!(expanduser(b"~/x", Some(b"")), b("/x"));
        assert_eq!(expanduser(b"~//", Some(b"")), b("//"));
    }

    #[test]
    fn expanduser_without_home_or_pwd_returns_path_unchanged() {
        assert_eq!(expanduser(b"~", None), b("~"));
        assert_eq!(expanduser(b"~/x", None), b("~/x"));
        assert_eq!(expanduser(b"~user/x", Some(b"/home/u")), b("~user/x"));
        assert_eq!(expanduser(b"~root", None), b("~root"));
    }

    #[test]
    fn expandvars_substitutes_known_names() {
        assert_eq!(expand("${FOO}bar"), b("barbar"));
        assert_eq!(expand("$FOO/x"), b("bar/x"));
        assert_eq!(expand("$EMPTY/x"), b("/x"));
        assert_eq!(expand("${a b}"), b("spaced"));
    }

    #[test]
    fn expandvars_leaves_unknown_and_malformed_untouched() {
        assert_eq!(expand("$FOObar"), b("$FOObar"));
        assert_eq!(expand("$UNDEFINED/x"), b("$UNDEFINED/x"));
        assert_eq!(expand("${FOO"), b("${FOO"));
        assert_eq!(expand("$"), b("$"));
        assert_eq!(expand("$$"), b("$$"));
        assert_eq!(expand("${}"), b("${}"));
        assert_eq!(expand("$-x"), b("$-x"));
    }

    #[test]
    fn expandvars_name_is_ascii_word_only() {
        assert_eq!(expand("$FOOé"), b("baré"));
        assert_eq!(expand("$é$FOO"), b("$ébar"));
    }

    #[test]
    fn expandvars_does_not_rescan_inserted_values() {
        assert_eq!(expand("$LOOP"), b("$FOO"));
        assert_eq!(expand("$${FOO}"), b("$bar"));
    }

    #[test]
    fn expandvars_brace_name_runs_to_first_close_brace() {
        // `{[^}]*}` swallows the inner `${FOO`, an unknown name, so nothing changes.
        assert_eq!(expand("${${FOO}}"), b("${${FOO}}"));
        assert_eq!(expand("${FOO}}"), b("bar}"));
    }

    #[test]
    fn repr_str_picks_quotes_like_cpython() {
        assert_eq!(repr_str(""), "''");
        assert_eq!(repr_str("a'b"), "\"a'b\"");
        assert_eq!(repr_str("a\"b"), "'a\"b'");
        assert_eq!(repr_str("'\""), "'\\'\"'");
    }

    #[test]
    fn repr_str_escapes_controls_and_backslash() {
        assert_eq!(repr_str("\\\t\n\r"), "'\\\\\\t\\n\\r'");
        assert_eq!(repr_str("\0\x1b\x7f"), "'\\x00\\x1b\\x7f'");
        assert_eq!(repr_str("\u{80}\u{9f}"), "'\\x80\\x9f'");
    }

    #[test]
    fn repr_str_escapes_non_printable_unicode_by_width() {
        assert_eq!(repr_str("\u{a0}\u{ad}"), "'\\xa0\\xad'");
        assert_eq!(repr_str("\u{200b}\u{200f}"), "'\\u200b\\u200f'");
        assert_eq!(repr_str("\u{2028}\u{2029}\u{feff}"), "'\\u2028\\u2029\\ufeff'");
        assert_eq!(repr_str("\u{3000}\u{e000}\u{378}"), "'\\u3000\\ue000\\u0378'");
        assert_eq!(repr_str("\u{e0001}\u{10ffff}"), "'\\U000e0001\\U0010ffff'");
    }

    #[test]
    fn repr_str_keeps_printable_unicode() {
        assert_eq!(repr_str("é/ü.txt"), "'é/ü.txt'");
        assert_eq!(repr_str("e\u{301}😀\u{a1}"), "'e\u{301}😀\u{a1}'");
        assert_eq!(repr_str("\u{ff}"), "'ÿ'");
    }

    #[test]
    fn repr_bytes_picks_quotes_like_cpython() {
        assert_eq!(repr_bytes(b""), "b''");
        assert_eq!(repr_bytes(b"a'b"), "b\"a'b\"");
        assert_eq!(repr_bytes(b"'\""), "b'\\'\"'");
    }

    #[test]
    fn repr_bytes_escapes_controls_and_high_bytes() {
        assert_eq!(repr_bytes(b"\\\t\n\r\x00\x1f"), "b'\\\\\\t\\n\\r\\x00\\x1f'");
        assert_eq!(repr_bytes(b" ~\x7f\x80\xff"), "b' ~\\x7f\\x80\\xff'");
        assert_eq!(repr_bytes("é".as_bytes()), "b'\\xc3\\xa9'");
    }

    #[test]
    fn path_error_displays_python_message() {
        assert_eq!(PathError::Value("no path specified".into()).to_string(), "no path specified");
    }

    #[test]
    fn non_printable_table_is_sorted_and_disjoint() {
        for w in NON_PRINTABLE.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0, "{w:?}");
        }
    }
}
