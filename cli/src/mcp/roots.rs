//! MCP roots as grants. A client's roots become the session's directories
//! only where the operator allowed it: `--roots HOST::GUEST` lets a root at
//! or below HOST be granted at the same place below GUEST (read-only with
//! `--ro-roots`). Other roots are ignored.

use std::path::PathBuf;

use crate::commands::{Grant, split_grant};

/// Where client roots may be granted.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The host directory, resolved.
    host: PathBuf,
    guest: String,
    read_only: bool,
}

/// The rules of `--roots` and `--ro-roots`, with their host directories
/// resolved (symbolic links followed) once, at start.
pub fn rules(rw: &[String], ro: &[String]) -> std::io::Result<Vec<Rule>> {
    let specs = rw.iter().map(|s| (s, false)).chain(ro.iter().map(|s| (s, true)));
    specs
        .map(|(spec, read_only)| {
            let (host, guest) = split_grant(spec);
            let host =
                host.canonicalize().map_err(|e| std::io::Error::new(e.kind(), format!("--roots {spec}: {e}")))?;
            Ok(Rule { host, guest: guest.trim_end_matches('/').to_string(), read_only })
        })
        .collect()
}

/// `file:///a%20b` as the host path `/a b`; `None` for other URIs.
fn path_of(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    #[cfg(unix)]
    let path = <std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(out);
    // `file:///C:/dir` is `C:/dir` on Windows.
    #[cfg(windows)]
    let path = {
        let text = String::from_utf8(out).ok()?;
        let drive = text.len() > 2 && text.as_bytes()[2] == b':';
        std::ffi::OsString::from(if drive { &text[1..] } else { &text[..] })
    };
    Some(PathBuf::from(path))
}

/// The grant a root becomes under `rules`, if any allows it: the root's
/// real directory, at its place below the rule's guest path.
pub fn grant_for(rules: &[Rule], uri: &str) -> Option<Grant> {
    let real = path_of(uri)?.canonicalize().ok()?;
    if !real.is_dir() {
        return None;
    }
    rules.iter().find_map(|r| {
        let rel = real.strip_prefix(&r.host).ok()?;
        let rel = rel.to_str()?;
        let guest = if rel.is_empty() { r.guest.clone() } else { format!("{}/{rel}", r.guest) };
        let guest = if guest.is_empty() { "/".to_string() } else { guest };
        Some(Grant { host: real.clone(), guest, read_only: r.read_only })
    })
}

/// The grants of a client's roots, without duplicates, and the roots no
/// rule allows.
pub fn grants(rules: &[Rule], uris: &[String]) -> (Vec<Grant>, Vec<String>) {
    let mut granted: Vec<Grant> = Vec::new();
    let mut refused = Vec::new();
    for uri in uris {
        match grant_for(rules, uri) {
            Some(g) if !granted.iter().any(|x| x.guest == g.guest) => granted.push(g),
            Some(_) => {}
            None => refused.push(uri.clone()),
        }
    }
    (granted, refused)
}
