//! Human output of `osbox call`: a tree for walk, a table for scandir and
//! stat, plain values otherwise.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use serde_json::Value;

/// A progress display on stderr for the tree operations, when stderr is a
/// terminal: files done, time and rate, cleared when the operation ends.
pub fn progress_for(name: &str) -> Option<ProgressBar> {
    let op = match name {
        "shutil.copytree" => "copying",
        "shutil.rmtree" => "removing",
        "shutil.move" => "moving",
        _ => return None,
    };
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} {prefix} {pos} files [{elapsed}] {per_sec}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.set_prefix(op);
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}

/// A call's result for a person.
pub fn render(name: &str, value: &Value) -> String {
    if name == "os.walk" {
        tree(value)
    } else if let Some(stat) = value.get("$stat") {
        stat_table(stat)
    } else if let Value::Array(items) = value {
        if items.iter().any(|i| i.get("$direntry").is_some()) {
            direntry_table(items)
        } else {
            items.iter().map(|item| format!("{}\n", plain(item))).collect()
        }
    } else if value.is_null() {
        String::new()
    } else {
        format!("{}\n", plain(value))
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn names(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().map(plain).collect()).unwrap_or_default()
}

/// The walk as a tree: each directory's subdirectories, then its files,
/// sorted, under the top.
fn tree(steps: &Value) -> String {
    let steps = steps.as_array().cloned().unwrap_or_default();
    let mut listing: HashMap<String, (Vec<String>, Vec<String>)> = HashMap::new();
    let mut top = None;
    for step in &steps {
        let dirpath = plain(&step[0]);
        if top.is_none() || step == steps.first().unwrap_or(step) {
            top.get_or_insert_with(|| dirpath.clone());
        }
        listing.insert(dirpath, (names(&step[1]), names(&step[2])));
    }
    let Some(top) = top else { return String::new() };
    let mut out = format!("{top}\n");
    branch(&listing, &top, "", &mut out);
    out
}

fn branch(listing: &HashMap<String, (Vec<String>, Vec<String>)>, dir: &str, prefix: &str, out: &mut String) {
    let Some((dirs, files)) = listing.get(dir) else { return };
    let (mut dirs, mut files) = (dirs.clone(), files.clone());
    dirs.sort();
    files.sort();
    let count = dirs.len() + files.len();
    let entries = dirs.iter().map(|d| (d, true)).chain(files.iter().map(|f| (f, false)));
    for (i, (name, is_dir)) in entries.enumerate() {
        let last = i + 1 == count;
        out.push_str(&format!(
            "{prefix}{}{name}{}\n",
            if last { "└── " } else { "├── " },
            if is_dir { "/" } else { "" }
        ));
        if is_dir {
            let child = if dir.ends_with('/') { format!("{dir}{name}") } else { format!("{dir}/{name}") };
            branch(listing, &child, &format!("{prefix}{}", if last { "    " } else { "│   " }), out);
        }
    }
}

fn stat_table(stat: &Value) -> String {
    let mut out = String::new();
    if let Value::Object(fields) = stat {
        for (k, v) in fields {
            let shown = if k == "st_mode" { format!("{v} (0o{:o})", v.as_u64().unwrap_or(0)) } else { v.to_string() };
            out.push_str(&format!("{k:<12} {shown}\n"));
        }
    }
    out
}

fn direntry_table(items: &[Value]) -> String {
    let mut rows: Vec<(String, String, String)> = items
        .iter()
        .filter_map(|i| i.get("$direntry"))
        .map(|e| {
            let kind = if e["is_symlink"] == Value::Bool(true) {
                "link"
            } else if e["is_dir"] == Value::Bool(true) {
                "dir"
            } else if e["is_file"] == Value::Bool(true) {
                "file"
            } else {
                "other"
            };
            (plain(&e["name"]), kind.to_string(), e["inode"].to_string())
        })
        .collect();
    rows.sort();
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(4).max(4);
    let mut out = format!("{:<width$}  {:<5}  INODE\n", "NAME", "TYPE");
    for (name, kind, inode) in rows {
        out.push_str(&format!("{name:<width$}  {kind:<5}  {inode}\n"));
    }
    out
}
