//! The tools, each done through the sandbox's Python calls (`osbox::Os`):
//! what the reference filesystem server answers, with Python's exceptions
//! for what fails and the sandbox's own paths only.

use base64::Engine as _;
use serde_json::{Value, json};

use osbox::{Error, ErrorKind, FsPath, Os, py_repr};

use super::compat::{extname, file_url, format_size, locale_cmp, pad_end, pad_start};
use super::session::Session;
use super::tools::{Answer, Args};
use super::{diff, glob};

const O_RDONLY: i32 = 0;
const O_WRONLY: i32 = 0o1;
const O_CREAT: i32 = 0o100;
const O_EXCL: i32 = 0o200;

/// What one read or write asks of the sandbox at a time.
const CHUNK: i64 = 1 << 20;

/// CPython stops recursing here (`sys.getrecursionlimit()`), and so does
/// the tree walk of `directory_tree` and `search_files`.
const MAX_DEPTH: usize = 1000;

/// An `OSError` subclass with an errno and a file name, as CPython words it.
fn os_error(kind: ErrorKind, errno: i32, strerror: &str, filename: &str) -> Error {
    Error::new(kind, format!("[Errno {errno}] {strerror}: {}", py_repr(filename)))
}

fn text(s: String) -> Result<Answer, Error> {
    Ok(Answer::Text(s))
}

fn name_of(p: &FsPath) -> String {
    String::from_utf8_lossy(p.as_bytes()).into_owned()
}

/// Runs `f` on `fd`, closing it whatever `f` answers.
fn with_fd<T>(os: &mut Os, fd: i32, f: impl FnOnce(&mut Os, i32) -> Result<T, Error>) -> Result<T, Error> {
    let out = f(os, fd);
    let closed = os.close(fd);
    let out = out?;
    closed.map(|()| out)
}

/// `open(path, 'rb')`: a descriptor, or `IsADirectoryError` for a
/// directory as Python's `open` raises it.
fn open_for_reading(os: &mut Os, path: &str) -> Result<i32, Error> {
    let fd = os.open(path, O_RDONLY, 0)?;
    match os.fstat(fd) {
        Ok(st) if st.file_type() == osbox::FileType::Directory => {
            let _ = os.close(fd);
            Err(os_error(ErrorKind::IsADirectory, 21, "Is a directory", path))
        }
        Ok(_) => Ok(fd),
        Err(e) => {
            let _ = os.close(fd);
            Err(e)
        }
    }
}

/// The whole file.
fn read_bytes(os: &mut Os, path: &str) -> Result<Vec<u8>, Error> {
    let fd = open_for_reading(os, path)?;
    with_fd(os, fd, |os, fd| {
        let mut data = Vec::new();
        loop {
            let chunk = os.read(fd, CHUNK)?;
            if chunk.is_empty() {
                return Ok(data);
            }
            data.extend_from_slice(&chunk);
        }
    })
}

/// The file as text: UTF-8, with U+FFFD for what is not (as Node reads it).
fn read_text(os: &mut Os, path: &str) -> Result<String, Error> {
    Ok(String::from_utf8_lossy(&read_bytes(os, path)?).into_owned())
}

/// The first `n` lines, reading no more of the file than they need.
fn head(os: &mut Os, path: &str, n: f64) -> Result<String, Error> {
    let fd = open_for_reading(os, path)?;
    let (data, eof) = with_fd(os, fd, |os, fd| {
        let mut data = Vec::new();
        loop {
            let complete = data.iter().filter(|&&b| b == b'\n').count();
            if n <= 0.0 || complete as f64 >= n {
                return Ok((data, false));
            }
            let chunk = os.read(fd, CHUNK)?;
            if chunk.is_empty() {
                return Ok((data, true));
            }
            data.extend_from_slice(&chunk);
        }
    })?;
    if n <= 0.0 {
        return Ok(String::new());
    }
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    // What follows the last newline is a line only at the end of the file.
    let rest = lines.pop().unwrap_or_default();
    if eof && !rest.is_empty() {
        lines.push(rest);
    }
    lines.truncate(n.ceil() as usize);
    Ok(String::from_utf8_lossy(&lines.join(&b'\n')).into_owned())
}

/// The last `n` lines (CRLF read as LF), reading from the end.
fn tail(os: &mut Os, path: &str, n: f64) -> Result<String, Error> {
    let keep = n.trunc();
    if keep < 1.0 {
        return Ok(String::new());
    }
    let fd = open_for_reading(os, path)?;
    let data = with_fd(os, fd, |os, fd| {
        let mut end = os.fstat(fd)?.st_size as i64;
        let mut data: Vec<u8> = Vec::new();
        while end > 0 && (data.iter().filter(|&&b| b == b'\n').count() as f64) < n {
            let start = (end - CHUNK).max(0);
            let mut chunk = os.pread(fd, end - start, start)?;
            if chunk.is_empty() {
                break;
            }
            chunk.extend_from_slice(&data);
            data = chunk;
            end = start;
        }
        Ok(data)
    })?;
    let text = String::from_utf8_lossy(&data).replace("\r\n", "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let from = lines.len().saturating_sub(keep as usize);
    Ok(lines[from..].join("\n"))
}

/// JavaScript truthiness of an optional number: absent, 0 and NaN are not set.
fn set(n: Option<f64>) -> Option<f64> {
    n.filter(|n| *n != 0.0 && !n.is_nan())
}

pub fn read_text_file(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let path = a.str("path");
    match (set(a.num("head")), set(a.num("tail"))) {
        (Some(_), Some(_)) => {
            Err(Error::new(ErrorKind::Value, "Cannot specify both head and tail parameters simultaneously"))
        }
        (_, Some(n)) => text(tail(&mut s.os, path, n)?),
        (Some(n), _) => text(head(&mut s.os, path, n)?),
        (None, None) => text(read_text(&mut s.os, path)?),
    }
}

pub fn read_media_file(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let path = a.str("path");
    let data = read_bytes(&mut s.os, path)?;
    let real = name_of(&s.os.path().realpath(path, false)?);
    let mime = match extname(&real).to_lowercase().as_str() {
        ".png" => "image/png",
        ".jpg" | ".jpeg" => "image/jpeg",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        ".bmp" => "image/bmp",
        ".svg" => "image/svg+xml",
        ".mp3" => "audio/mpeg",
        ".wav" => "audio/wav",
        ".ogg" => "audio/ogg",
        ".flac" => "audio/flac",
        _ => "application/octet-stream",
    };
    let data = base64::engine::general_purpose::STANDARD.encode(data);
    let block = match mime.split('/').next() {
        Some(kind @ ("image" | "audio")) => json!({"type": kind, "data": data, "mimeType": mime}),
        _ => json!({"type": "resource", "resource": {"uri": file_url(&real), "mimeType": mime, "blob": data}}),
    };
    Ok(Answer::Media(block))
}

/// How a failed tool call reads: the exception class and `str(exc)`.
pub fn describe_error(e: &Error) -> String {
    format!("{}: {e}", e.kind().python_name())
}

pub fn read_multiple_files(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let parts: Vec<String> = a
        .strs("paths")
        .iter()
        .map(|p| match read_text(&mut s.os, p) {
            Ok(content) => format!("{p}:\n{content}\n"),
            Err(e) => format!("{p}: Error - {}", describe_error(&e)),
        })
        .collect();
    text(parts.join("\n---\n"))
}

/// Writes `content` to a new file `path`, or replaces an existing one in
/// one rename (keeping its permission bits), so a failed write leaves the
/// old content. Errors are those of Python's `open(path, 'w')`.
fn replace_content(os: &mut Os, path: &str, content: &[u8]) -> Result<(), Error> {
    let write_all = |os: &mut Os, fd: i32| -> Result<(), Error> {
        let mut done = 0;
        while done < content.len() {
            let end = (done + CHUNK as usize).min(content.len());
            done += os.write(fd, &content[done..end])? as usize;
        }
        Ok(())
    };
    match os.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o666) {
        Ok(fd) => {
            let written = with_fd(os, fd, write_all);
            if written.is_err() {
                let _ = os.remove(path);
            }
            return written;
        }
        Err(e) if e.kind() != ErrorKind::FileExists => return Err(e),
        Err(_) => {}
    }
    // It exists: check that it may be written (raising what Python's open
    // raises for a directory, a read-only grant, ...), then write beside it.
    let fd = os.open(path, O_WRONLY, 0)?;
    os.close(fd)?;
    let mode = os.stat(path)?.st_mode & 0o7777;
    let suffix: String = os.urandom(16)?.iter().map(|b| format!("{b:02x}")).collect();
    let temp = format!("{path}.{suffix}.tmp");
    let fd = os.open(temp.as_str(), O_WRONLY | O_CREAT | O_EXCL, 0o666)?;
    let done = with_fd(os, fd, write_all).and_then(|()| os.replace(temp.as_str(), path));
    if done.is_err() {
        let _ = os.remove(temp.as_str());
        return done;
    }
    let _ = os.chmod(path, mode, true);
    Ok(())
}

pub fn write_file(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let path = a.str("path");
    replace_content(&mut s.os, path, a.str("content").as_bytes())?;
    text(format!("Successfully wrote to {path}"))
}

/// The reference server's edit: the first exact occurrence of `old`, or
/// else the first run of lines equal to `old`'s once both are trimmed,
/// keeping the file's indentation.
fn apply_edit(content: &str, old: &str, new: &str) -> Option<String> {
    if let Some(at) = content.find(old) {
        return Some(format!("{}{new}{}", &content[..at], &content[at + old.len()..]));
    }
    let old_lines: Vec<&str> = old.split('\n').collect();
    let mut lines: Vec<String> = content.split('\n').map(String::from).collect();
    let indent = |s: &str| s.len() - s.trim_start().len();
    for i in 0..=lines.len().checked_sub(old_lines.len())? {
        if !old_lines.iter().zip(&lines[i..]).all(|(o, l)| o.trim() == l.trim()) {
            continue;
        }
        let original = lines[i][..indent(&lines[i])].to_string();
        let replacement: Vec<String> = new
            .split('\n')
            .enumerate()
            .map(|(j, line)| {
                if j == 0 {
                    return format!("{original}{}", line.trim_start());
                }
                let old_indent = old_lines.get(j).map_or(0, |o| indent(o));
                let new_indent = indent(line);
                if old_indent > 0 && new_indent > 0 {
                    let extra = new_indent.saturating_sub(old_indent);
                    format!("{original}{}{}", " ".repeat(extra), line.trim_start())
                } else {
                    line.to_string()
                }
            })
            .collect();
        lines.splice(i..i + old_lines.len(), replacement);
        return Some(lines.join("\n"));
    }
    None
}

pub fn edit_file(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let path = a.str("path");
    let os = &mut s.os;
    let content = read_text(os, path)?.replace("\r\n", "\n");
    let mut modified = content.clone();
    for edit in a.value("edits").and_then(Value::as_array).into_iter().flatten() {
        let old_text = edit["oldText"].as_str().unwrap_or_default();
        let new_text = edit["newText"].as_str().unwrap_or_default();
        modified = apply_edit(&modified, &old_text.replace("\r\n", "\n"), &new_text.replace("\r\n", "\n"))
            .ok_or_else(|| Error::new(ErrorKind::Value, format!("Could not find exact match for edit:\n{old_text}")))?;
    }
    let real = name_of(&os.path().realpath(path, false)?);
    let patch = diff::unified(&real, &content, &modified);
    let mut ticks = 3;
    while patch.contains(&"`".repeat(ticks)) {
        ticks += 1;
    }
    let fence = "`".repeat(ticks);
    if !a.flag("dryRun") {
        replace_content(os, path, modified.as_bytes())?;
    }
    text(format!("{fence}diff\n{patch}{fence}\n\n"))
}

pub fn create_directory(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let path = a.str("path");
    s.os.makedirs(path, true)?;
    text(format!("Successfully created directory {path}"))
}

/// The entries of a directory sorted by name, byte for byte, as Node's
/// `readdir` gives them (libuv sorts them).
fn sorted_entries(os: &mut Os, path: &str) -> Result<Vec<osbox::DirEntry>, Error> {
    let mut entries = os.scandir(path)?;
    entries.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    Ok(entries)
}

/// `[DIR]` for a directory (not a link to one), else `[FILE]`.
fn tag(is_dir: bool) -> &'static str {
    if is_dir { "[DIR]" } else { "[FILE]" }
}

pub fn list_directory(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let entries = sorted_entries(&mut s.os, a.str("path"))?;
    let lines: Vec<String> = entries.iter().map(|e| format!("{} {}", tag(e.is_dir(false)), name_of(&e.name))).collect();
    text(lines.join("\n"))
}

pub fn list_directory_with_sizes(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let os = &mut s.os;
    let mut entries: Vec<(String, bool, u64)> = Vec::new();
    for e in sorted_entries(os, a.str("path"))? {
        let size = e.stat(os, true).map_or(0, |st| st.st_size);
        entries.push((name_of(&e.name), e.is_dir(false), size));
    }
    let mut sorted = entries.clone();
    if a.str("sortBy") == "size" {
        sorted.sort_by_key(|e| std::cmp::Reverse(e.2));
    } else {
        sorted.sort_by(|x, y| locale_cmp(&x.0, &y.0));
    }
    let mut lines: Vec<String> = sorted
        .iter()
        .map(|(name, dir, size)| {
            let size = if *dir { String::new() } else { pad_start(&format_size(*size), 10) };
            format!("{} {} {size}", tag(*dir), pad_end(name, 30))
        })
        .collect();
    let files = entries.iter().filter(|e| !e.1).count();
    let total: u64 = entries.iter().filter(|e| !e.1).map(|e| e.2).sum();
    lines.push(String::new());
    lines.push(format!("Total: {files} files, {} directories", entries.len() - files));
    lines.push(format!("Combined size: {}", format_size(total)));
    text(lines.join("\n"))
}

fn recursion_error() -> Error {
    Error::new(ErrorKind::Recursion, "maximum recursion depth exceeded")
}

/// `directory_tree`'s exclusion: a pattern with `*` matches the relative
/// path; another also matches a name anywhere or a directory's contents.
fn tree_excluded(rel: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|p| {
        if p.contains('*') {
            glob::matches(rel, p)
        } else {
            glob::matches(rel, p) || glob::matches(rel, &format!("**/{p}")) || glob::matches(rel, &format!("**/{p}/**"))
        }
    })
}

fn build_tree(os: &mut Os, dir: &str, rel: &str, excludes: &[String], depth: usize) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(recursion_error());
    }
    let mut out = Vec::new();
    for e in sorted_entries(os, dir)? {
        let name = name_of(&e.name);
        let rel = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        if tree_excluded(&rel, excludes) {
            continue;
        }
        if e.is_dir(false) {
            let children = build_tree(os, &name_of(&e.path), &rel, excludes, depth + 1)?;
            out.push(json!({"name": name, "type": "directory", "children": children}));
        } else {
            out.push(json!({"name": name, "type": "file"}));
        }
    }
    Ok(Value::Array(out))
}

pub fn directory_tree(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let tree = build_tree(&mut s.os, a.str("path"), "", &a.strs("excludePatterns"), 0)?;
    text(serde_json::to_string_pretty(&tree).expect("JSON"))
}

pub fn move_file(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let (src, dst) = (a.str("source"), a.str("destination"));
    if s.os.path().lexists(dst)? {
        return Err(Error::new(
            ErrorKind::FileExists,
            format!("[Errno 17] File exists: {} -> {}", py_repr(src), py_repr(dst)),
        ));
    }
    s.os.rename(src, dst)?;
    text(format!("Successfully moved {src} to {dst}"))
}

fn search(
    os: &mut Os,
    dir: &str,
    rel: &str,
    pattern: &str,
    excludes: &[String],
    depth: usize,
    found: &mut Vec<String>,
) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(recursion_error());
    }
    for e in sorted_entries(os, dir)? {
        let name = name_of(&e.name);
        let full = if dir.ends_with('/') { format!("{dir}{name}") } else { format!("{dir}/{name}") };
        // A link that leads nowhere, or out of the grants, is not listed.
        if e.is_symlink() && os.path().realpath(full.as_str(), true).is_err() {
            continue;
        }
        let rel = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        if excludes.iter().any(|x| glob::matches(&rel, x)) {
            continue;
        }
        if glob::matches(&rel, pattern) {
            found.push(full.clone());
        }
        if e.is_dir(false) {
            // A directory that cannot be read is skipped, as the reference does.
            match search(os, &full, &rel, pattern, excludes, depth + 1, found) {
                Err(e) if e.kind() == ErrorKind::Recursion => return Err(e),
                _ => {}
            }
        }
    }
    Ok(())
}

pub fn search_files(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let path = a.str("path");
    let os = &mut s.os;
    // Fail on the root as given, then search from its real path.
    os.scandir(path)?;
    let root = name_of(&os.path().realpath(path, false)?);
    let mut found = Vec::new();
    search(os, &root, "", a.str("pattern"), &a.strs("excludePatterns"), 0, &mut found)?;
    text(if found.is_empty() { "No matches found".into() } else { found.join("\n") })
}

/// A time as JavaScript's `Date.prototype.toString` shows it, in the
/// sandbox's local time: `Sun Sep 09 2001 01:46:40 GMT+0000 (UTC)`.
fn js_date(os: &mut Os, ns: i64) -> Result<String, Error> {
    let t = os.time().localtime(Some(ns.div_euclid(1_000_000_000) as f64))?;
    os.time().strftime("%a %b %d %Y %H:%M:%S GMT%z (%Z)", Some(&t))
}

pub fn get_file_info(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let os = &mut s.os;
    let st = os.stat(a.str("path"))?;
    let kind = st.file_type();
    let lines = [
        format!("size: {}", st.st_size),
        format!("created: {}", js_date(os, st.st_ctime_ns)?),
        format!("modified: {}", js_date(os, st.st_mtime_ns)?),
        format!("accessed: {}", js_date(os, st.st_atime_ns)?),
        format!("isDirectory: {}", kind == osbox::FileType::Directory),
        format!("isFile: {}", kind == osbox::FileType::File),
        format!("permissions: {:03o}", st.st_mode & 0o777),
    ];
    text(lines.join("\n"))
}

pub fn list_allowed_directories(s: &mut Session, _: &Args) -> Result<Answer, Error> {
    let dirs: Vec<String> = s
        .grants
        .iter()
        .map(|g| if g.read_only { format!("{} (read-only)", g.guest) } else { g.guest.clone() })
        .collect();
    text(format!("Allowed directories:\n{}", dirs.join("\n")))
}

/// One request of the `osbox exec` protocol, answered as `exec` answers it.
pub fn python_os(s: &mut Session, a: &Args) -> Result<Answer, Error> {
    let request = json!({"call": a.str("call"), "args": a.value("args"), "kwargs": a.value("kwargs")});
    let line = osbox::exec::handle_line(&mut s.os, &request.to_string()).unwrap_or_default();
    let response: Value = serde_json::from_str(&line).expect("exec answers JSON");
    let failed = response.get("error").is_some();
    Ok(Answer::Response(response, failed))
}
