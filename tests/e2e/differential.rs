//! The differential test: the same request stream through `osbox exec`'s
//! protocol handler and through CPython (`tests/oracle.py`), each in a fresh
//! temporary directory mounted at `/work`; every response and the final
//! tree, with its permission bits, must agree. Only the fields
//! docs/deviations.md lists are normalised.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

use crate::harness::{plant, repo, runtime, snapshot, tempdir, tree_diff};

/// One case: a planted tree, a sandbox environment and a request stream.
pub struct Case {
    pub name: String,
    /// Programs granted to osbox (CPython runs whatever it is asked).
    pub allow_run: Vec<String>,
    pub setup: Value,
    pub env: Vec<(String, String)>,
    pub cwd: Option<String>,
    /// Generated streams: CPython stops before a call that would leave the
    /// grant, or after one that leaves or removes its current directory
    /// (`tests/oracle.py --confine`); both sides are compared up to there.
    pub confine: bool,
    pub requests: Vec<Value>,
}

impl Case {
    fn from_header(header: &Value) -> Case {
        let env = header
            .get("env")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
            .unwrap_or_default();
        Case {
            name: header["case"].as_str().expect("case name").to_string(),
            allow_run: header
                .get("allow_run")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            setup: header.get("setup").cloned().unwrap_or(Value::Null),
            env,
            cwd: header.get("cwd").and_then(Value::as_str).map(str::to_string),
            confine: header.get("confine").and_then(Value::as_bool).unwrap_or(false),
            requests: Vec::new(),
        }
    }
}

/// Reads `tests/cases/*.jsonl`: a `{"case": ...}` line starts a case, the
/// request lines after it belong to it.
pub fn load_cases() -> Vec<Case> {
    let mut files: Vec<_> = std::fs::read_dir(repo().join("tests/cases"))
        .expect("tests/cases")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut cases: Vec<Case> = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("case file");
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with("//") {
                continue;
            }
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{}:{}: {e}", file.display(), n + 1));
            if v.get("case").is_some() {
                cases.push(Case::from_header(&v));
            } else {
                cases
                    .last_mut()
                    .unwrap_or_else(|| panic!("{}: request before any case", file.display()))
                    .requests
                    .push(v);
            }
        }
    }
    cases
}

fn run_osbox(case: &Case, requests: &[Value], dir: &Path) -> Vec<Value> {
    let mut b = runtime().sandbox().dir(dir, "/work").cwd(case.cwd.as_deref().unwrap_or("/work"));
    for (k, v) in &case.env {
        b = b.env(k, v);
    }
    for program in &case.allow_run {
        b = b.allow_run(program);
    }
    let mut os = b.build().expect("sandbox").os().expect("instance");
    // A directory's offset means what its file system says
    // (docs/deviations.md): an lseek on one, and what follows it, is not
    // compared (the final tree is).
    let mut seeked_a_directory = false;
    requests
        .iter()
        .map(|r| {
            seeked_a_directory |= r["call"] == "os.lseek"
                && r["args"][0]
                    .as_i64()
                    .and_then(|fd| i32::try_from(fd).ok())
                    .is_some_and(|fd| os.fstat(fd).is_ok_and(|s| s.file_type() == osbox::FileType::Directory));
            let reply = osbox::exec::handle_line(&mut os, &r.to_string()).expect("a response");
            if seeked_a_directory {
                return json!({ "$incomparable": "after an lseek on a directory" });
            }
            serde_json::from_str(&reply).expect("response is JSON")
        })
        .collect()
}

/// `tests/oracle.py --serve`: one CPython per thread that forks a child
/// for each stream, instead of starting an interpreter each time.
struct Oracle {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Oracle {
    fn spawn() -> Oracle {
        let mut child = Command::new("python3")
            .arg(repo().join("tests/oracle.py"))
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let input = child.stdin.take().expect("stdin");
        let output = BufReader::new(child.stdout.take().expect("stdout"));
        Oracle { child, input, output }
    }

    /// The answers to one stream, and whether a confined stream stopped
    /// early; `None` when the oracle itself failed.
    fn run(&mut self, argv: &[String], requests: &[Value]) -> Option<(Vec<Value>, bool)> {
        let job = json!({ "argv": argv, "requests": requests });
        writeln!(self.input, "{job}").ok()?;
        self.input.flush().ok()?;
        let (mut answers, mut stopped) = (Vec::new(), false);
        loop {
            let mut line = String::new();
            if self.output.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let v: Value = serde_json::from_str(&line).expect("oracle JSON");
            if v.get("$done").is_some() {
                return Some((answers, stopped));
            }
            if v.get("$stop").is_some() {
                stopped = true;
            } else {
                answers.push(v);
            }
        }
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

thread_local! {
    static ORACLE: RefCell<Option<Oracle>> = const { RefCell::new(None) };
}

/// CPython's answers to `case`, run in `dir`: one per request, fewer when a
/// confined stream stopped.
fn run_cpython(case: &Case, dir: &Path) -> Vec<Value> {
    let mut argv: Vec<String> = vec!["--root".into(), "/work".into(), "--dir".into(), dir.display().to_string()];
    for (k, v) in &case.env {
        argv.push("--env".into());
        argv.push(format!("{k}={v}"));
    }
    if let Some(cwd) = &case.cwd {
        argv.extend(["--cwd".into(), cwd.clone()]);
    }
    if case.confine {
        argv.push("--confine".into());
    }
    let answers = ORACLE.with(|o| {
        let mut o = o.borrow_mut();
        let oracle = o.get_or_insert_with(Oracle::spawn);
        let answers = oracle.run(&argv, &case.requests);
        if answers.is_none() {
            *o = None;
        }
        answers
    });
    let (answers, stopped) = answers.unwrap_or_else(|| panic!("the oracle failed on case {}", case.name));
    assert!(
        answers.len() == case.requests.len() || stopped,
        "the oracle answered {} of {} requests in case {}",
        answers.len(),
        case.requests.len(),
        case.name
    );
    answers
}

/// Sets the fields WASI cannot reproduce (docs/deviations.md) to fixed
/// values, and sorts what CPython returns in arbitrary order.
pub fn normalise(call: &str, response: &mut Value) {
    if let Some(message) = response.pointer_mut("/error/message") {
        // CPython reports the time that was left when it gave up, which
        // changes from run to run.
        let head = message.as_str().and_then(|t| t.split_once(" timed out after ")).map(|(h, _)| h.to_string());
        if let (Some(head), true) = (head, call.starts_with("subprocess.")) {
            *message = json!(format!("{head} timed out after N seconds"));
        }
    }
    let Some(ok) = response.get_mut("ok") else { return };
    normalise_value(ok);
    match call {
        "os.listdir" => sort_array(ok),
        "os.scandir" => {
            if let Value::Array(items) = ok {
                items.sort_by_key(|e| e.to_string());
            }
        }
        "os.walk" | "os.fwalk" => normalise_walk(ok),
        // Free blocks and inodes change with every write to the disk.
        "os.statvfs" | "os.fstatvfs" => {
            for i in [3, 4, 6, 7] {
                if let Some(n) = ok.get_mut(i) {
                    *n = json!(0);
                }
            }
        }
        "shutil.disk_usage" => {
            for i in [1, 2] {
                if let Some(n) = ok.get_mut(i) {
                    *n = json!(0);
                }
            }
        }
        "os.path.getatime" | "os.path.getctime" => *ok = json!(0.0),
        "os.path.getmtime" if ok.as_f64().is_some_and(|t| recent((t * 1e9) as i64)) => *ok = json!(0.0),
        _ => {}
    }
}

/// Timestamps from the last hour were made by the run itself, at a moment
/// that differs between the two sides; older ones (planted, or set by
/// `os.utime`) are compared exactly.
fn recent(ns: i64) -> bool {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    ns > now.as_nanos() as i64 - 3_600_000_000_000
}

fn normalise_value(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(st)) = m.get_mut("$stat") {
                for k in ["st_ino", "st_dev", "st_uid", "st_gid", "st_atime_ns", "st_ctime_ns"] {
                    st.insert(k.into(), json!(0));
                }
                if st["st_mtime_ns"].as_i64().is_some_and(recent) {
                    st.insert("st_mtime_ns".into(), json!(0));
                }
            } else if let Some(Value::Object(e)) = m.get_mut("$direntry") {
                e.insert("inode".into(), json!(0));
            } else {
                m.values_mut().for_each(normalise_value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise_value),
        _ => {}
    }
}

fn sort_array(v: &mut Value) {
    if let Value::Array(items) = v {
        items.sort_by_key(|e| e.to_string());
    }
}

/// Walk steps come in an order that follows the host's directory order;
/// keep what the order means (a parent before or after its children) and
/// sort the rest.
fn normalise_walk(v: &mut Value) {
    let Value::Array(steps) = v else { return };
    let dirpaths: Vec<String> = steps.iter().map(|s| s[0].to_string()).collect();
    for (i, step) in steps.iter_mut().enumerate() {
        let me = step[0].as_str().unwrap_or_default().to_string();
        let parent_index = dirpaths.iter().position(|d| {
            let d = d.trim_matches('"');
            me.rsplit_once('/').is_some_and(|(p, _)| p == d)
        });
        let order = match parent_index {
            Some(p) if p < i => "after-parent",
            Some(_) => "before-parent",
            None => "no-parent",
        };
        sort_array(&mut step[1]);
        sort_array(&mut step[2]);
        if let Value::Array(parts) = step {
            parts.push(json!(order));
        }
    }
    steps.sort_by_key(|s| s.to_string());
}

/// The last component of the path a `mkstemp`/`mkdtemp` answer names.
fn made_name(response: &Value) -> Option<String> {
    let named = match response.get("ok") {
        Some(ok) => ok.get(1).unwrap_or(ok),
        None => response.get("error")?.get("filename")?,
    };
    let path = match named {
        Value::String(s) => s.clone(),
        other => String::from_utf8(decode_bytes(other)?).ok()?,
    };
    path.rsplit('/').next().map(str::to_string).filter(|n| !n.is_empty())
}

fn decode_bytes(v: &Value) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(v.get("$bytes")?.as_str()?).ok()
}

/// `v` with `from` replaced by `to` in every string, `bytes` included.
fn replace_in(v: &Value, from: &str, to: &str) -> Value {
    use base64::Engine as _;
    match v {
        Value::String(s) => Value::String(s.replace(from, to)),
        Value::Array(items) => Value::Array(items.iter().map(|i| replace_in(i, from, to)).collect()),
        Value::Object(m) => match decode_bytes(v).and_then(|b| String::from_utf8(b).ok()) {
            Some(text) => json!({ "$bytes": base64::engine::general_purpose::STANDARD.encode(text.replace(from, to)) }),
            None => Value::Object(m.iter().map(|(k, x)| (k.clone(), replace_in(x, from, to))).collect()),
        },
        other => other.clone(),
    }
}

/// The module a call belongs to, for the per-module count.
fn module(call: &str) -> &str {
    if call.is_empty() {
        "(bad request)"
    } else if call.starts_with("os.path.") {
        "os.path"
    } else {
        call.rsplit_once('.').map_or(call, |(m, _)| m)
    }
}

/// Runs a case on both sides; the failures, each with what was asked and
/// both answers.
pub fn compare(case: &Case, counts: &mut BTreeMap<String, (usize, usize)>) -> Vec<String> {
    let (ours, theirs) = (tempdir(), tempdir());
    plant(ours.path(), &case.setup);
    plant(theirs.path(), &case.setup);
    // CPython first: a confined stream may stop early, and osbox runs the
    // same prefix.
    let expected = run_cpython(case, theirs.path());
    let actual = run_osbox(case, &case.requests[..expected.len()], ours.path());
    let mut failures = Vec::new();
    // Temporary names are random on both sides: each pair made by one
    // request stands for one placeholder, in answers and in the trees.
    let mut random_names: Vec<(String, String, String)> = Vec::new();
    for ((req, mut exp), mut act) in case.requests.iter().zip(expected).zip(actual) {
        let call = req["call"].as_str().unwrap_or_default();
        if let (true, Some(e), Some(a)) =
            (matches!(call, "tempfile.mkstemp" | "tempfile.mkdtemp"), made_name(&exp), made_name(&act))
        {
            random_names.push((e, a, format!("<tmp{}>", random_names.len())));
        }
        for (e, a, placeholder) in &random_names {
            exp = replace_in(&exp, e, placeholder);
            act = replace_in(&act, a, placeholder);
        }
        if act.get("$incomparable").is_some() {
            exp = act.clone();
        }
        normalise(call, &mut exp);
        normalise(call, &mut act);
        let count = counts.entry(module(call).to_string()).or_default();
        count.0 += 1;
        if exp == act {
            count.1 += 1;
        } else {
            failures.push(format!("case {}: {req}\n  cpython: {exp}\n  osbox:   {act}", case.name));
        }
    }
    let (cpython, osbox): (Side, Side) = (|n| &n.0, |n| &n.1);
    let mut diff = tree_diff(
        &renamed(snapshot(theirs.path()), &random_names, cpython),
        &renamed(snapshot(ours.path()), &random_names, osbox),
    );
    let their_modes = renamed(modes(theirs.path()), &random_names, cpython);
    let our_modes = renamed(modes(ours.path()), &random_names, osbox);
    for (path, mode) in &their_modes {
        if let Some(ours) = our_modes.get(path).filter(|m| *m != mode) {
            diff.push(format!("mode differs: {} cpython {mode:o} osbox {ours:o}", path.display()));
        }
    }
    if !diff.is_empty() {
        failures.push(format!("case {}: final trees differ:\n  {}", case.name, diff.join("\n  ")));
    }
    failures
}

/// Which name of a pair of random names is one side's.
type Side = fn(&(String, String, String)) -> &String;

/// `tree` with each side's random names as their shared placeholder.
fn renamed<T>(tree: BTreeMap<PathBuf, T>, names: &[(String, String, String)], side: Side) -> BTreeMap<PathBuf, T> {
    tree.into_iter()
        .map(|(path, node)| {
            let mut text = path.to_string_lossy().into_owned();
            for pair in names {
                text = text.replace(side(pair).as_str(), &pair.2);
            }
            (PathBuf::from(text), node)
        })
        .collect()
}

/// The permission bits of everything under `root` that is not a link.
fn modes(root: &Path) -> BTreeMap<PathBuf, u32> {
    use std::os::unix::fs::PermissionsExt as _;
    snapshot(root)
        .into_iter()
        .filter(|(_, node)| !matches!(node, crate::harness::Node::Link(_)))
        .filter_map(|(path, _)| {
            let meta = std::fs::symlink_metadata(root.join(&path)).ok()?;
            Some((path, meta.permissions().mode() & 0o7777))
        })
        .collect()
}

fn report(title: &str, counts: &BTreeMap<String, (usize, usize)>, failures: &[String]) {
    println!("{title}: calls compared with CPython, per module");
    for (m, (n, ok)) in counts {
        println!("  {m:<12} {ok:>6} agreed of {n:>6}");
    }
    assert!(failures.is_empty(), "{} disagreements with CPython:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn hand_written_cases_agree_with_cpython() {
    let cases = load_cases();
    assert!(cases.len() > 50, "the case files hold the cases");
    let mut counts = BTreeMap::new();
    let failures: Vec<String> = cases.iter().flat_map(|c| compare(c, &mut counts)).collect();
    report("hand-written cases", &counts, &failures);
}

/// Tricky path strings: empty, slashes, dots, dotfiles, unicode, `~` and `$`.
const GRID: &[&str] = &[
    "",
    "/",
    "//",
    "///",
    ".",
    "..",
    "./",
    "../",
    "a",
    "a/",
    "a//",
    "/a",
    "//a",
    "///a",
    "a/b",
    "a/b/",
    "/a/b",
    "a/./b",
    "a/../b",
    "../a",
    "a/..",
    "/..",
    "/../a",
    "//a//b//",
    ".bashrc",
    "a/.bashrc",
    "...",
    "a.",
    "a...",
    ".a.b",
    "foo.tar.gz",
    "/a/b.c/",
    "a.b/c",
    "é",
    "dir/ü.txt",
    "日本/語",
    "~",
    "~/x",
    "~user/x",
    "$HOME/x",
    "${FOO}bar",
    "$FOObar",
    "${FOO",
    "$$",
    "x/$FOO/y",
    "a b",
    " ",
    "a\tb",
    "'q'",
    "\"dq\"",
    "a\\b",
];

fn grid_requests() -> Vec<Value> {
    let bytes = |s: &str| {
        use base64::Engine as _;
        json!({ "$bytes": base64::engine::general_purpose::STANDARD.encode(s) })
    };
    let mut reqs = Vec::new();
    let one = [
        "os.path.basename",
        "os.path.dirname",
        "os.path.split",
        "os.path.splitext",
        "os.path.splitdrive",
        "os.path.normpath",
        "os.path.normcase",
        "os.path.isabs",
        "os.path.abspath",
        "os.path.expanduser",
        "os.path.expandvars",
        "os.path.exists",
        "os.path.lexists",
        "os.path.isdir",
        "os.path.isfile",
        "os.path.islink",
        "os.path.realpath",
        "os.path.relpath",
    ];
    for s in GRID {
        for f in one {
            // Outside /work CPython's answers depend on where its temporary
            // directory sits; the sandbox has nothing there to compare.
            if f == "os.path.relpath" && s.starts_with('/') {
                continue;
            }
            reqs.push(json!({ "call": f, "args": [s] }));
            reqs.push(json!({ "call": f, "args": [bytes(s)] }));
        }
    }
    for a in GRID.iter().step_by(2) {
        for b in GRID.iter().skip(1).step_by(3) {
            reqs.push(json!({ "call": "os.path.join", "args": [a, b] }));
            reqs.push(json!({ "call": "os.path.join", "args": [bytes(a), bytes(b)] }));
            if a.starts_with('/') == b.starts_with('/') {
                reqs.push(json!({ "call": "os.path.relpath", "args": [a, b] }));
            }
            reqs.push(json!({ "call": "os.path.commonpath", "args": [[a, b]] }));
            reqs.push(json!({ "call": "os.path.commonprefix", "args": [[a, b]] }));
        }
    }
    reqs
}

#[test]
fn posixpath_grid_agrees_with_cpython() {
    let case = Case {
        name: "posixpath grid".into(),
        allow_run: Vec::new(),
        setup: json!({ "dirs": ["x/y/z", "a/b"], "files": { "a/f": "f", ".bashrc": "" },
                       "links": { "l": "a", "x/up": "..", "loop1": "loop2", "loop2": "loop1" } }),
        env: vec![("HOME".into(), "/work/home".into()), ("FOO".into(), "bar".into()), ("EMPTY".into(), String::new())],
        cwd: Some("/work/x/y/z".into()),
        confine: false,
        requests: grid_requests(),
    };
    let mut counts = BTreeMap::new();
    let failures = compare(&case, &mut counts);
    assert!(counts.values().map(|c| c.0).sum::<usize>() > 2000, "the grid is large");
    report("posixpath grid", &counts, &failures);
}
