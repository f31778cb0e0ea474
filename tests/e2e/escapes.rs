//! The escape suite: every attack in `tests/attacks/escapes.jsonl`, run
//! through the Rust API (`osbox::exec::call` over `Os`) and through
//! `osbox exec`, must get its exact error, and nothing outside the grants,
//! nor anything under the read-only grant, may be read, created, changed or
//! removed: the canaries' contents and times are checked after each attack.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use serde_json::{Value, json};

use crate::harness::{repo, runtime, tempdir};

pub struct Attack {
    pub name: String,
    pub calls: Vec<Value>,
    pub expect: Vec<Value>,
}

pub fn load(outside: &Path) -> Vec<Attack> {
    let text = std::fs::read_to_string(repo().join("tests/attacks/escapes.jsonl")).expect("attacks");
    let long = "x".repeat(300);
    let deep = "a/".repeat(3000);
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("//"))
        .map(|l| {
            let l =
                l.replace("$OUTSIDE", &outside.display().to_string()).replace("$LONG", &long).replace("$DEEP", &deep);
            let v: Value = serde_json::from_str(&l).unwrap_or_else(|e| panic!("{e}: {l}"));
            Attack {
                name: v["attack"].as_str().unwrap_or_default().to_string(),
                calls: v["calls"].as_array().cloned().unwrap_or_default(),
                expect: v["expect"].as_array().cloned().unwrap_or_default(),
            }
        })
        .collect()
}

/// Each path's content, mtime and whether it is a directory.
pub type Print = BTreeMap<PathBuf, (Vec<u8>, Option<SystemTime>, bool)>;

/// Every file and directory under `root` with its content and mtime.
pub fn fingerprint(root: &Path) -> Print {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).expect("metadata");
            let content = if meta.is_file() { std::fs::read(&p).unwrap_or_default() } else { Vec::new() };
            if meta.is_dir() {
                stack.push(p.clone());
            }
            out.insert(p.strip_prefix(root).unwrap().to_path_buf(), (content, meta.modified().ok(), meta.is_dir()));
        }
    }
    out
}

pub struct Fixture {
    root: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        let root = tempdir();
        let r = root.path();
        let files = [
            ("granted/f", "data"),
            ("granted/sub/g", "g"),
            ("granted/holder/inner", "inner"),
            ("granted/bin/echo", "#!/bin/sh\necho planted\n"),
            ("readonly/file", "keep"),
            ("readonly/sub/x", "x"),
            ("outside/canary", "secret"),
            ("outside/dir/deeper", "secret too"),
        ];
        for (p, c) in files {
            std::fs::create_dir_all(r.join(p).parent().unwrap()).unwrap();
            std::fs::write(r.join(p), c).unwrap();
        }
        std::fs::create_dir_all(r.join("readonly/empty")).unwrap();
        let canary = r.join("outside/canary");
        let links = [
            ("granted/abs_link", canary.to_str().unwrap()),
            ("granted/rel_link", "../outside/canary"),
            ("granted/rel_dir", "../outside"),
            ("granted/up", ".."),
            ("granted/chain_a", "chain_b"),
            ("granted/chain_b", "../outside/canary"),
            ("granted/loop_a", "loop_b"),
            ("granted/loop_b", "loop_a"),
            ("granted/out_and_in", "../granted/f"),
            ("granted/holder/out", "../../outside"),
        ];
        for (p, target) in links {
            std::os::unix::fs::symlink(target, r.join(p)).unwrap();
        }
        Fixture { root }
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.root.path().join(p)
    }

    pub fn protected(&self) -> (Print, Print) {
        (fingerprint(&self.path("outside")), fingerprint(&self.path("readonly")))
    }

    pub fn cli_options(&self) -> Vec<String> {
        vec![
            "--dir".into(),
            format!("{}::/w", self.path("granted").display()),
            "--ro-dir".into(),
            format!("{}::/ro", self.path("readonly").display()),
            "--env".into(),
            "GRANTED=1".into(),
            "--allow-run".into(),
            "echo".into(),
        ]
    }
}

fn through_api(f: &Fixture, calls: &[Value]) -> Vec<Value> {
    let sandbox = runtime()
        .sandbox()
        .dir(f.path("granted"), "/w")
        .ro_dir(f.path("readonly"), "/ro")
        .env("GRANTED", "1")
        .allow_run("echo")
        .build()
        .unwrap();
    let mut os = sandbox.os().unwrap();
    calls
        .iter()
        .map(|c| serde_json::from_str(&osbox::exec::handle_line(&mut os, &c.to_string()).unwrap()).unwrap())
        .collect()
}

fn through_exec(f: &Fixture, calls: &[Value]) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_osbox"))
        .args(f.cli_options())
        .arg("exec")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = calls.iter().map(|c| format!("{c}\n")).collect();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Why `got` does not meet `want`, if it does not.
pub fn mismatch(want: &Value, got: &Value) -> Option<String> {
    if let Some(kind) = want.get("error") {
        let e = got.get("error")?;
        // The type, and the errno, file name and message where the attack gives them.
        let ok = e["type"] == *kind
            && ["errno", "filename", "message"].iter().all(|f| want.get(f).is_none_or(|w| e[f] == *w));
        return (!ok).then(|| format!("wanted {want}, got {got}"));
    }
    if let Some(v) = want.get("ok") {
        let mut g = got.get("ok").cloned().unwrap_or(json!("<no ok>"));
        let mut v = v.clone();
        for x in [&mut g, &mut v] {
            if let Value::Array(a) = x {
                a.sort_by_key(Value::to_string);
            }
        }
        return (g != v).then(|| format!("wanted {want}, got {got}"));
    }
    if let Some(s) = want.get("ok_without").and_then(Value::as_str) {
        let fine = got.get("ok").is_some() && !got.to_string().contains(s);
        return (!fine).then(|| format!("wanted an answer without {s:?}, got {got}"));
    }
    Some(format!("unknown expectation {want}"))
}

#[test]
fn every_attack_is_refused_and_nothing_outside_is_touched() {
    let mut failures = Vec::new();
    let mut count = 0;
    let total = load(Path::new("/nowhere")).len();
    for index in 0..total {
        count += 1;
        for route in ["api", "exec"] {
            // A fresh fixture for each route: an attack may change the grant.
            let f = Fixture::new();
            let attack = &load(&f.path("outside"))[index];
            let before = f.protected();
            let answers = if route == "api" { through_api(&f, &attack.calls) } else { through_exec(&f, &attack.calls) };
            if answers.len() != attack.expect.len() {
                failures.push(format!(
                    "{} ({route}): {} answers for {} calls: {answers:?}",
                    attack.name,
                    answers.len(),
                    attack.calls.len()
                ));
                continue;
            }
            for (want, got) in attack.expect.iter().zip(&answers) {
                if let Some(why) = mismatch(want, got) {
                    failures.push(format!("{} ({route}): {why}", attack.name));
                }
            }
            if f.protected() != before {
                failures.push(format!("{} ({route}): something outside the grants changed", attack.name));
            }
        }
    }
    println!("escape suite: {count} attacks, each through the API and exec");
    assert!(count >= 60, "the suite holds at least 60 attacks");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
