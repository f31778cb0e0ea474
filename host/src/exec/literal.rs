//! Python literals, as `ast.literal_eval` reads them, in the protocol's
//! encoding: for people who type Python at a shell (`osbox call os.chmod
//! /d/run.sh 0o755`, `-k exist_ok=True`, `b'raw'`).
//!
//! Numbers (`0o755`, `0x1F`, `0b101`, `1_000`, `1.5e3`, signs), strings in
//! every quote and prefix form with their escapes, `bytes` (as `$bytes`),
//! `True`, `False`, `None`, tuples and lists (arrays), sets (arrays without
//! repeats, in the order written), dicts with `str` keys (objects), and
//! adjacent strings joined. What JSON cannot carry (complex numbers,
//! `...`, dicts with other keys, lone surrogates, `\N{...}` escapes, which
//! need Unicode's name table) is a `ValueError` naming it.

use serde_json::{Map, Number, Value};

use super::json;
use crate::error::{Error, ErrorKind, Result};

/// `text` as a Python literal in the protocol's encoding; `Ok(None)` when
/// it is not one (`ast.literal_eval` would raise `SyntaxError` or
/// `ValueError`), `Err` (`ValueError`) for a literal the protocol cannot
/// carry.
///
/// ```
/// use serde_json::json;
/// assert_eq!(osbox::exec::python_literal("0o755").unwrap(), Some(json!(493)));
/// assert_eq!(osbox::exec::python_literal("(1, 'a', None)").unwrap(), Some(json!([1, "a", null])));
/// assert_eq!(osbox::exec::python_literal("/data/a").unwrap(), None);
/// ```
pub fn python_literal(text: &str) -> Result<Option<Value>> {
    let mut p = Parser { s: text.as_bytes(), text, pos: 0, depth: 0 };
    let parsed = p.skip().and_then(|()| p.top());
    match parsed.and_then(|lit| p.at_end().map(|()| lit)) {
        Ok(lit) => to_value(lit).map(Some),
        Err(Fail::Syntax) => Ok(None),
        Err(Fail::Cannot(why)) => Err(cannot(why)),
    }
}

fn cannot(why: String) -> Error {
    Error::new(ErrorKind::Value, why)
}

/// CPython's limit on the digits of an `int` read from or written as
/// decimal text (`sys.get_int_max_str_digits()`).
const MAX_DIGITS: usize = 4300;

/// CPython's parser nests brackets at most this deep.
const MAX_DEPTH: usize = 200;

/// A parsed literal, before it is encoded.
#[derive(Debug, Clone, PartialEq)]
enum Lit {
    /// Sign and decimal digits without leading zeros ("0" for zero).
    Int(bool, String),
    Float(f64),
    Complex,
    Str(String),
    Bytes(Vec<u8>),
    Bool(bool),
    None,
    Ellipsis,
    /// A tuple or a list.
    Seq(Vec<Lit>),
    Set(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
}

/// Why a text is not read: not a literal at all, or one JSON cannot carry.
enum Fail {
    Syntax,
    Cannot(String),
}

type Parsed<T> = std::result::Result<T, Fail>;

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.s.get(self.pos + ahead).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Skips blanks, comments and line continuations (newlines too: inside
    /// brackets Python allows them, and around a whole literal).
    fn skip(&mut self) -> Parsed<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\x0c' | b'\n' | b'\r') => self.pos += 1,
                Some(b'#') => {
                    while !matches!(self.peek(), None | Some(b'\n')) {
                        self.pos += 1;
                    }
                }
                Some(b'\\') if matches!(self.peek_at(1), Some(b'\n')) => self.pos += 2,
                _ => return Ok(()),
            }
        }
    }

    fn at_end(&mut self) -> Parsed<()> {
        self.skip()?;
        if self.pos == self.s.len() { Ok(()) } else { Err(Fail::Syntax) }
    }

    /// The whole text: one value, or values separated by commas (a tuple
    /// without parentheses, as `1, 2` is).
    fn top(&mut self) -> Parsed<Lit> {
        let first = self.value()?;
        self.skip()?;
        if self.peek() != Some(b',') {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat(b',') {
            self.skip()?;
            if self.pos == self.s.len() {
                break;
            }
            items.push(self.value()?);
            self.skip()?;
        }
        Ok(Lit::Seq(items))
    }

    /// One value: a signed number, a complex number written `a+bj`, or an
    /// atom.
    fn value(&mut self) -> Parsed<Lit> {
        let real = match self.peek() {
            Some(sign @ (b'+' | b'-')) => {
                self.pos += 1;
                self.skip()?;
                match self.atom()? {
                    Lit::Int(negative, digits) if sign == b'-' && digits != "0" => Lit::Int(!negative, digits),
                    Lit::Float(f) if sign == b'-' => Lit::Float(-f),
                    n @ (Lit::Int(..) | Lit::Float(_) | Lit::Complex) => n,
                    _ => return Err(Fail::Syntax),
                }
            }
            _ => self.atom()?,
        };
        if !matches!(real, Lit::Int(..) | Lit::Float(_)) {
            return Ok(real);
        }
        // `1+2j`: a real number, then an imaginary one added or taken away.
        let before = self.pos;
        self.skip()?;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.pos += 1;
            self.skip()?;
            if matches!(self.peek(), Some(b'0'..=b'9' | b'.')) && self.number()? == Lit::Complex {
                return Ok(Lit::Complex);
            }
            return Err(Fail::Syntax);
        }
        self.pos = before;
        Ok(real)
    }

    fn atom(&mut self) -> Parsed<Lit> {
        match self.peek().ok_or(Fail::Syntax)? {
            b'(' => self.bracketed(b')'),
            b'[' => self.bracketed(b']'),
            b'{' => self.braced(),
            b'0'..=b'9' => self.number(),
            b'.' if matches!(self.peek_at(1), Some(b'0'..=b'9')) => self.number(),
            b'.' if self.s[self.pos..].starts_with(b"...") => {
                self.pos += 3;
                Ok(Lit::Ellipsis)
            }
            b'\'' | b'"' => self.strings(),
            c if c.is_ascii_alphabetic() || c == b'_' => self.word(),
            _ => Err(Fail::Syntax),
        }
    }

    fn enter(&mut self) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(Fail::Syntax) } else { Ok(()) }
    }

    /// A parenthesised value, a tuple or a list; `close` says which.
    fn bracketed(&mut self, close: u8) -> Parsed<Lit> {
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        let mut comma = false;
        loop {
            self.skip()?;
            if self.eat(close) {
                break;
            }
            if !items.is_empty() && !comma {
                return Err(Fail::Syntax);
            }
            items.push(self.value()?);
            self.skip()?;
            comma = self.eat(b',');
        }
        self.depth -= 1;
        if close == b')' && items.len() == 1 && !comma {
            return Ok(items.remove(0));
        }
        Ok(Lit::Seq(items))
    }

    /// A dict or a set.
    fn braced(&mut self) -> Parsed<Lit> {
        self.enter()?;
        self.pos += 1;
        self.skip()?;
        if self.eat(b'}') {
            self.depth -= 1;
            return Ok(Lit::Dict(Vec::new()));
        }
        let first = self.value()?;
        self.skip()?;
        let lit = if self.eat(b':') {
            self.skip()?;
            let mut pairs = vec![(first, self.value()?)];
            loop {
                self.skip()?;
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(Fail::Syntax);
                }
                self.skip()?;
                if self.eat(b'}') {
                    break;
                }
                let key = self.value()?;
                self.skip()?;
                if !self.eat(b':') {
                    return Err(Fail::Syntax);
                }
                self.skip()?;
                pairs.push((key, self.value()?));
            }
            Lit::Dict(pairs)
        } else {
            let mut items = vec![first];
            loop {
                self.skip()?;
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(Fail::Syntax);
                }
                self.skip()?;
                if self.eat(b'}') {
                    break;
                }
                items.push(self.value()?);
            }
            Lit::Set(items)
        };
        self.depth -= 1;
        Ok(lit)
    }

    /// `True`, `False`, `None`, `set()`, or a string with a prefix.
    fn word(&mut self) -> Parsed<Lit> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
            self.pos += 1;
        }
        let word = &self.text[start..self.pos];
        if matches!(self.peek(), Some(b'\'' | b'"')) {
            self.pos = start;
            return self.strings();
        }
        match word {
            "True" => Ok(Lit::Bool(true)),
            "False" => Ok(Lit::Bool(false)),
            "None" => Ok(Lit::None),
            "set" => {
                self.skip()?;
                if !self.eat(b'(') {
                    return Err(Fail::Syntax);
                }
                self.skip()?;
                if !self.eat(b')') {
                    return Err(Fail::Syntax);
                }
                Ok(Lit::Set(Vec::new()))
            }
            _ => Err(Fail::Syntax),
        }
    }

    /// Digits of `radix`, each group after the first optionally led by one
    /// underscore (`1_000`); at least one digit.
    fn digits(&mut self, radix: u32, out: &mut String) -> Parsed<()> {
        let mut any = false;
        loop {
            let underscore = any && self.peek() == Some(b'_');
            let at = if underscore { self.peek_at(1) } else { self.peek() };
            match at.filter(|c| (*c as char).is_digit(radix)) {
                Some(c) => {
                    self.pos += if underscore { 2 } else { 1 };
                    out.push(c as char);
                    any = true;
                }
                None if any && !underscore => return Ok(()),
                None => return Err(Fail::Syntax),
            }
        }
    }

    /// A number token: an `int` in any base, a `float`, or an imaginary
    /// number (`2j`).
    fn number(&mut self) -> Parsed<Lit> {
        let radix = match (self.peek(), self.peek_at(1).map(|c| c.to_ascii_lowercase())) {
            (Some(b'0'), Some(b'x')) => 16,
            (Some(b'0'), Some(b'o')) => 8,
            (Some(b'0'), Some(b'b')) => 2,
            _ => 10,
        };
        let lit = if radix != 10 {
            self.pos += 2;
            let mut digits = String::new();
            // `0x_1f`: an underscore may follow the prefix.
            let underscore = self.eat(b'_');
            if underscore && !self.peek().is_some_and(|c| (c as char).is_digit(radix)) {
                return Err(Fail::Syntax);
            }
            self.digits(radix, &mut digits)?;
            Lit::Int(false, to_decimal(&digits, radix)?)
        } else {
            let mut whole = String::new();
            if self.peek() != Some(b'.') {
                self.digits(10, &mut whole)?;
            }
            let mut float = whole.clone();
            let mut is_float = false;
            if self.peek() == Some(b'.') {
                self.pos += 1;
                is_float = true;
                float.push('.');
                if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.digits(10, &mut float)?;
                } else if whole.is_empty() {
                    return Err(Fail::Syntax);
                }
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.pos += 1;
                is_float = true;
                float.push('e');
                if let Some(sign @ (b'+' | b'-')) = self.peek() {
                    self.pos += 1;
                    float.push(sign as char);
                }
                self.digits(10, &mut float)?;
            }
            if matches!(self.peek(), Some(b'j' | b'J')) {
                self.pos += 1;
                Lit::Complex
            } else if is_float {
                Lit::Float(float.parse::<f64>().map_err(|_| Fail::Syntax)?)
            } else if whole.starts_with('0') && whole.bytes().any(|c| c != b'0') {
                // `0755` is not Python 3: leading zeros only for zero.
                return Err(Fail::Syntax);
            } else {
                let digits = whole.trim_start_matches('0');
                // Past the limit CPython cannot read it either.
                if digits.len() > MAX_DIGITS {
                    return Err(Fail::Syntax);
                }
                Lit::Int(false, if digits.is_empty() { "0".into() } else { digits.into() })
            }
        };
        // `1if`, `0b12`, `1.0.0`: a number runs into something else.
        if self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.') {
            return Err(Fail::Syntax);
        }
        Ok(lit)
    }

    /// One string literal, or several written side by side and joined.
    fn strings(&mut self) -> Parsed<Lit> {
        let mut joined = self.string()?;
        loop {
            let before = self.pos;
            self.skip()?;
            let starts_string = match self.peek() {
                Some(b'\'' | b'"') => true,
                Some(c) if c.is_ascii_alphabetic() => {
                    let rest = &self.s[self.pos..];
                    let prefix = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
                    matches!(rest.get(prefix), Some(b'\'' | b'"'))
                }
                _ => false,
            };
            if !starts_string {
                self.pos = before;
                return Ok(joined);
            }
            joined = match (joined, self.string()?) {
                (Lit::Str(mut a), Lit::Str(b)) => {
                    a.push_str(&b);
                    Lit::Str(a)
                }
                (Lit::Bytes(mut a), Lit::Bytes(b)) => {
                    a.extend(b);
                    Lit::Bytes(a)
                }
                // Python cannot mix bytes and str literals either.
                _ => return Err(Fail::Syntax),
            };
        }
    }

    /// One string literal with its prefix (`r`, `u`, `b`, `br`, `rb`, in
    /// either case) and quotes (`'`, `"`, `'''`, `"""`).
    fn string(&mut self) -> Parsed<Lit> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        let prefix = self.text[start..self.pos].to_ascii_lowercase();
        let (raw, bytes) = match prefix.as_str() {
            "" | "u" => (false, false),
            "r" => (true, false),
            "b" => (false, true),
            "br" | "rb" => (true, true),
            // f-strings are not literals; nothing else is a prefix.
            _ => return Err(Fail::Syntax),
        };
        let quote = self.peek().ok_or(Fail::Syntax)?;
        let triple = self.s[self.pos..].starts_with(&[quote; 3]);
        self.pos += if triple { 3 } else { 1 };
        let body_start = self.pos;
        // Find the closing quote: a backslash always takes the next
        // character with it, raw or not.
        loop {
            match self.peek().ok_or(Fail::Syntax)? {
                b'\\' => self.pos += 2,
                b'\n' if !triple => return Err(Fail::Syntax),
                c if c == quote && (!triple || self.s[self.pos..].starts_with(&[quote; 3])) => break,
                _ => self.pos += 1,
            }
            if self.pos > self.s.len() {
                return Err(Fail::Syntax);
            }
        }
        let body = &self.text[body_start..self.pos];
        self.pos += if triple { 3 } else { 1 };
        if bytes {
            if !body.is_ascii() {
                return Err(Fail::Syntax);
            }
            let out = if raw {
                body.as_bytes().to_vec()
            } else {
                unescape(body, true)?.into_iter().map(|c| c as u8).collect()
            };
            return Ok(Lit::Bytes(out));
        }
        if raw {
            return Ok(Lit::Str(body.to_string()));
        }
        let chars = unescape(body, false)?;
        let text: Option<String> = chars.into_iter().map(char::from_u32).collect();
        text.map(Lit::Str).ok_or_else(|| Fail::Cannot("a str with a lone surrogate cannot be passed".into()))
    }
}

/// The code points (or, for `bytes`, byte values) of a string body with its
/// escapes applied as Python applies them; an unknown escape keeps its
/// backslash.
fn unescape(body: &str, bytes: bool) -> Parsed<Vec<u32>> {
    let mut out = Vec::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c as u32);
            continue;
        }
        let Some(e) = chars.next() else { return Err(Fail::Syntax) };
        let mut hex = |n: usize| -> Parsed<u32> {
            let digits: String = (0..n).filter_map(|_| chars.next_if(char::is_ascii_hexdigit)).collect();
            if digits.len() != n {
                return Err(Fail::Syntax);
            }
            u32::from_str_radix(&digits, 16).map_err(|_| Fail::Syntax)
        };
        match e {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(e as u32),
            'a' => out.push(7),
            'b' => out.push(8),
            'f' => out.push(12),
            'n' => out.push(10),
            'r' => out.push(13),
            't' => out.push(9),
            'v' => out.push(11),
            'x' => out.push(hex(2)?),
            'u' if !bytes => out.push(hex(4)?),
            'U' if !bytes => {
                let c = hex(8)?;
                if c > 0x10FFFF {
                    return Err(Fail::Syntax);
                }
                out.push(c);
            }
            'N' if !bytes => {
                return Err(Fail::Cannot(
                    "\\N{...} escapes cannot be read here: write the character or its \\u escape".into(),
                ));
            }
            '0'..='7' => {
                let mut value = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.next_if(|c| c.is_digit(8)) {
                        Some(d) => value = value * 8 + d.to_digit(8).unwrap_or(0),
                        None => break,
                    }
                }
                // Bytes keep the low eight bits, as CPython 3.11 does.
                out.push(if bytes { value & 0xFF } else { value });
            }
            other => {
                out.push('\\' as u32);
                out.push(other as u32);
            }
        }
    }
    Ok(out)
}

fn too_many_digits() -> Fail {
    Fail::Cannot(format!("an int of more than {MAX_DIGITS} decimal digits cannot be passed"))
}

/// Digits in `radix` as decimal digits without leading zeros.
fn to_decimal(digits: &str, radix: u32) -> Parsed<String> {
    // Base 10^9 limbs, least significant first.
    let mut limbs: Vec<u64> = vec![0];
    for d in digits.chars().filter_map(|c| c.to_digit(radix)) {
        let mut carry = u64::from(d);
        for limb in &mut limbs {
            let v = *limb * u64::from(radix) + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
        if limbs.len() * 9 > MAX_DIGITS + 9 {
            return Err(too_many_digits());
        }
    }
    let mut text = limbs.last().map(u64::to_string).unwrap_or_default();
    for limb in limbs.iter().rev().skip(1) {
        text.push_str(&format!("{limb:09}"));
    }
    if text.len() > MAX_DIGITS {
        return Err(too_many_digits());
    }
    Ok(text)
}

/// A literal in the protocol's encoding.
fn to_value(lit: Lit) -> Result<Value> {
    Ok(match lit {
        Lit::Int(negative, digits) => {
            let text = if negative { format!("-{digits}") } else { digits };
            Value::Number(text.parse::<Number>().map_err(|e| cannot(e.to_string()))?)
        }
        Lit::Float(f) => match Number::from_f64(f) {
            Some(n) => Value::Number(n),
            // Python reads `1e400` as inf; so does the protocol.
            None => Value::Number(
                (if f < 0.0 { "-1e400" } else { "1e400" }).parse::<Number>().map_err(|e| cannot(e.to_string()))?,
            ),
        },
        Lit::Complex => return Err(cannot("a complex number cannot be passed".into())),
        Lit::Ellipsis => return Err(cannot("Ellipsis cannot be passed".into())),
        Lit::Str(s) => Value::String(s),
        Lit::Bytes(b) => json::bytes(&b),
        Lit::Bool(b) => Value::Bool(b),
        Lit::None => Value::Null,
        Lit::Seq(items) => Value::Array(items.into_iter().map(to_value).collect::<Result<_>>()?),
        Lit::Set(items) => {
            let mut unique: Vec<Value> = Vec::new();
            for item in items {
                let v = to_value(item)?;
                if !unique.contains(&v) {
                    unique.push(v);
                }
            }
            Value::Array(unique)
        }
        Lit::Dict(pairs) => {
            let mut m = Map::new();
            for (k, v) in pairs {
                let Lit::Str(k) = k else { return Err(cannot("a dict can be passed only with str keys".into())) };
                m.insert(k, to_value(v)?);
            }
            Value::Object(m)
        }
    })
}
