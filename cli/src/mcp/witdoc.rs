//! The WIT package's documentation, read from the WIT files themselves:
//! `python_os` describes each call it offers with the doc comment its WIT
//! function carries, so the two cannot drift apart.

use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/wit_files.rs"));

/// One documented WIT function's doc comment.
#[derive(Debug)]
pub struct FuncDoc {
    pub doc: String,
}

/// Every documented function of every interface, in file order.
pub fn functions() -> &'static [FuncDoc] {
    static DOCS: OnceLock<Vec<FuncDoc>> = OnceLock::new();
    DOCS.get_or_init(|| WIT_FILES.iter().flat_map(|(_, text)| parse(text)).collect())
}

/// The `///` comments that stand before `name: func(...)` items.
fn parse(text: &str) -> Vec<FuncDoc> {
    let mut out = Vec::new();
    let mut doc: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(d) = line.strip_prefix("///") {
            doc.push(d.strip_prefix(' ').unwrap_or(d));
            continue;
        }
        if line.starts_with('@') {
            continue; // `@since(...)` between a comment and its item
        }
        if let Some((_, sig)) = line.split_once(':')
            && sig.trim_start().starts_with("func(")
            && !doc.is_empty()
        {
            out.push(FuncDoc { doc: doc.join(" ") });
        }
        doc.clear();
    }
    out
}

/// The WIT documentation of the protocol call `call` (`os.lstat`,
/// `shutil.move`): the doc of the function that names it in backquotes,
/// preferring one that opens with it.
pub fn doc_for(call: &str) -> Option<&'static str> {
    let opens = |d: &str| d.starts_with(&format!("`{call}(")) || d.starts_with(&format!("`{call}`"));
    let names = |d: &str| d.contains(&format!("`{call}(")) || d.contains(&format!("`{call}`"));
    let fns = functions();
    fns.iter().find(|f| opens(&f.doc)).or_else(|| fns.iter().find(|f| names(&f.doc))).map(|f| f.doc.as_str())
}

/// The first sentence of a doc comment (up to the first `. ` or `: `
/// outside backquotes), which is what a tool list can afford.
pub fn summary(doc: &str) -> &str {
    let mut quoted = false;
    let bytes = doc.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'`' => quoted = !quoted,
            b'.' if !quoted && bytes.get(i + 1).is_none_or(|&n| n == b' ') => return &doc[..=i],
            _ => {}
        }
    }
    doc
}
