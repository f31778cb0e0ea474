//! `osbox mcp` driven by MCP clients no one here wrote: the official
//! TypeScript SDK client and the Python `mcp` package (tests/mcp), each
//! through a full session over stdio; the reference filesystem server
//! (`@modelcontextprotocol/server-filesystem`) beside it on the same tree;
//! the escape suite replayed through the tools; roots; Streamable HTTP; and
//! the MCP conformance suite's server scenarios that apply.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::escapes::{self, Fixture};
use crate::harness::{repo, snapshot, tempdir};

/// tests/mcp with its Node packages installed (on first use, as the
/// lockfile pins them; .ci/run installs them too).
fn packages() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = repo().join("tests/mcp");
        if !dir.join("node_modules/@modelcontextprotocol/sdk").is_dir() {
            let status = Command::new("npm")
                .args(["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .status()
                .expect("npm (Node.js) is installed: .ci/run installs it");
            assert!(status.success(), "npm install in tests/mcp failed");
        }
        dir
    })
}

/// A Python with the `mcp` package (tests/mcp/requirements.txt), in a
/// virtual environment made on first use.
fn python_with_mcp() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-mcp-venv");
        let python = venv.join("bin/python");
        let ready = |p: &Path| Command::new(p).args(["-c", "import mcp"]).output().is_ok_and(|o| o.status.success());
        if !ready(&python) {
            let made = Command::new("python3").arg("-m").arg("venv").arg(&venv).status().expect("python3 runs");
            assert!(made.success(), "python3 -m venv failed");
            let installed = Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(repo().join("tests/mcp/requirements.txt"))
                .status()
                .unwrap();
            assert!(installed.success() && ready(&python), "pip install mcp failed");
        }
        python
    })
}

/// `osbox OPTIONS... mcp EXTRA...` as a command line.
fn osbox_mcp(options: &[String], extra: &[&str]) -> Vec<String> {
    let mut cmd = vec![env!("CARGO_BIN_EXE_osbox").to_string()];
    cmd.extend(options.iter().cloned());
    cmd.push("mcp".into());
    cmd.extend(extra.iter().map(|s| s.to_string()));
    cmd
}

/// The reference server on `dir`.
fn reference(dir: &Path) -> Vec<String> {
    let server = packages().join("node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
    vec!["node".into(), server.display().to_string(), dir.display().to_string()]
}

/// Runs one session script through a client driver (`session.mjs` or
/// `session.py`) against `server`, and parses what it prints.
fn session(driver: &[String], server: &[String], script: &Value) -> Value {
    let mut child = Command::new(&driver[0])
        .args(&driver[1..])
        .args(server)
        .current_dir(packages())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the client runs");
    child.stdin.take().unwrap().write_all(script.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{driver:?} {server:?}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn typescript() -> Vec<String> {
    vec!["node".into(), packages().join("session.mjs").display().to_string()]
}

fn python() -> Vec<String> {
    vec![python_with_mcp().display().to_string(), packages().join("session.py").display().to_string()]
}

/// The text of a tool result's one text block.
fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_else(|| panic!("no text in {result}"))
}

fn failed(result: &Value) -> bool {
    result["isError"] == json!(true)
}

/// The tree every client session works on.
fn plant_session_tree(root: &Path) {
    std::fs::create_dir_all(root.join("w/sub/deep")).unwrap();
    std::fs::create_dir_all(root.join("ro")).unwrap();
    std::fs::write(root.join("w/a.txt"), "alpha\nbeta\ngamma\n").unwrap();
    std::fs::write(root.join("w/sub/deep/x.txt"), "x").unwrap();
    std::fs::write(root.join("w/img.png"), [0x89, b'P', b'N', b'G', 0, 1, 2]).unwrap();
    std::fs::write(root.join("ro/keep.txt"), "keep").unwrap();
}

fn session_options(root: &Path) -> Vec<String> {
    vec![
        "--dir".into(),
        format!("{}::/w", root.join("w").display()),
        "--ro-dir".into(),
        format!("{}::/ro", root.join("ro").display()),
    ]
}

/// One session over every tool, and what each answer must be.
fn full_session(driver: Vec<String>) {
    let dir = tempdir();
    let root = dir.path();
    plant_session_tree(root);
    let calls = json!([
        ["list_allowed_directories", {}],
        ["write_file", {"path": "/w/new.txt", "content": "hello\nworld\n"}],
        ["read_text_file", {"path": "/w/new.txt"}],
        ["edit_file", {"path": "/w/new.txt", "edits": [{"oldText": "hello", "newText": "bye"}]}],
        ["read_file", {"path": "/w/a.txt", "head": 2}],
        ["read_text_file", {"path": "/w/a.txt", "tail": 1}],
        ["read_multiple_files", {"paths": ["/w/a.txt", "/w/missing"]}],
        ["create_directory", {"path": "/w/made/deeper"}],
        ["move_file", {"source": "/w/new.txt", "destination": "/w/made/new.txt"}],
        ["list_directory", {"path": "/w/made"}],
        ["directory_tree", {"path": "/w/made"}],
        ["search_files", {"path": "/w", "pattern": "**/*.txt", "excludePatterns": ["sub/**"]}],
        ["get_file_info", {"path": "/w/a.txt"}],
        ["list_directory_with_sizes", {"path": "/w", "sortBy": "size"}],
        ["read_media_file", {"path": "/w/img.png"}],
        ["write_file", {"path": "/ro/keep.txt", "content": "changed"}],
        ["read_text_file", {"path": "/etc/passwd"}],
        ["python_os", {"call": "os.chdir", "args": ["/w/made"]}],
        ["python_os", {"call": "os.listdir", "args": ["."]}],
        ["python_os", {"call": "os.open", "args": ["/w/a.txt", 0]}],
        ["python_os", {"call": "os.read", "args": [3, 5]}],
        ["python_os", {"call": "os.rmdir", "args": ["/w/made"]}],
        ["no_such_tool", {}],
        ["read_text_file", {"path": 7}],
    ]);
    let out = session(&driver, &osbox_mcp(&session_options(root), &[]), &json!({"calls": calls}));
    assert_eq!(out["server"]["name"], "osbox");
    let names: Vec<&str> = out["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 15, "{names:?}");
    assert!(names.contains(&"python_os") && names.contains(&"directory_tree"), "{names:?}");
    let r = out["results"].as_array().unwrap();
    assert_eq!(text(&r[0]), "Allowed directories:\n/w\n/ro (read-only)");
    assert_eq!(text(&r[1]), "Successfully wrote to /w/new.txt");
    assert_eq!(text(&r[2]), "hello\nworld\n");
    assert_eq!(r[2]["structuredContent"]["content"], "hello\nworld\n");
    assert!(
        text(&r[3]).contains("-hello\n+bye\n") && text(&r[3]).starts_with("```diff\nIndex: /w/new.txt\n"),
        "{}",
        r[3]
    );
    assert_eq!(text(&r[4]), "alpha\nbeta");
    assert_eq!(text(&r[5]), "");
    assert_eq!(
        text(&r[6]),
        "/w/a.txt:\nalpha\nbeta\ngamma\n\n\n---\n/w/missing: Error - FileNotFoundError: [Errno 2] No such file or \
         directory: '/w/missing'"
    );
    assert_eq!(text(&r[7]), "Successfully created directory /w/made/deeper");
    assert_eq!(text(&r[8]), "Successfully moved /w/new.txt to /w/made/new.txt");
    assert_eq!(text(&r[9]), "[DIR] deeper\n[FILE] new.txt");
    let tree: Value = serde_json::from_str(text(&r[10])).unwrap();
    assert_eq!(
        tree,
        json!([{"name": "deeper", "type": "directory", "children": []}, {"name": "new.txt", "type": "file"}])
    );
    assert_eq!(text(&r[11]), "/w/a.txt\n/w/made/new.txt");
    assert!(text(&r[12]).starts_with("size: 17\ncreated: ") && text(&r[12]).contains("\nisFile: true\n"), "{}", r[12]);
    let sizes = text(&r[13]);
    assert!(sizes.find("[FILE] a.txt ") < sizes.find("[FILE] img.png "), "largest first: {sizes}");
    assert!(text(&r[13]).ends_with("Total: 2 files, 2 directories\nCombined size: 24 B"), "{}", r[13]);
    let png = base64::engine::general_purpose::STANDARD.encode([0x89, b'P', b'N', b'G', 0, 1, 2]);
    assert_eq!(r[14]["content"][0], json!({"type": "image", "data": png, "mimeType": "image/png"}));
    assert!(failed(&r[15]));
    assert_eq!(text(&r[15]), "OSError: [Errno 30] Read-only file system: '/ro/keep.txt'");
    assert!(failed(&r[16]));
    assert_eq!(text(&r[16]), "FileNotFoundError: [Errno 2] No such file or directory: '/etc/passwd'");
    assert_eq!(r[17]["structuredContent"], json!({"ok": null}));
    let mut listed = r[18]["structuredContent"]["ok"].as_array().unwrap().clone();
    listed.sort_by_key(Value::to_string);
    assert_eq!(listed, [json!("deeper"), json!("new.txt")], "the current directory carries between calls");
    assert_eq!(r[19]["structuredContent"], json!({"ok": 3}));
    let alpha = base64::engine::general_purpose::STANDARD.encode("alpha");
    assert_eq!(r[20]["structuredContent"], json!({"ok": {"$bytes": alpha}}), "descriptors carry between calls");
    assert!(failed(&r[21]));
    assert_eq!(r[21]["structuredContent"]["error"]["type"], "OSError");
    assert_eq!(r[21]["structuredContent"]["error"]["errno"], 39);
    assert!(r[22]["thrown"].as_str().is_some_and(|m| m.contains("Unknown tool: no_such_tool")), "{}", r[22]);
    assert!(failed(&r[23]));
    assert_eq!(text(&r[23]), "TypeError: read_text_file() argument 'path' must be a string");

    assert_eq!(std::fs::read_to_string(root.join("w/made/new.txt")).unwrap(), "bye\nworld\n");
    assert_eq!(std::fs::read_to_string(root.join("ro/keep.txt")).unwrap(), "keep");
}

#[test]
fn the_typescript_sdk_client_completes_a_session() {
    full_session(typescript());
}

#[test]
fn the_python_sdk_client_completes_a_session() {
    full_session(python());
}

/// A tree for the comparison with the reference server: names that sort
/// differently by case and punctuation, files of distinct sizes, links.
fn plant_compared_tree(root: &Path) {
    let files = [
        ("a.txt", "one\ntwo\r\nthree\nfour\nfive\n".to_string()),
        ("B.txt", "bb".into()),
        ("_under", "u".repeat(2000)),
        ("c-d.md", "# Title\n\n    indented line\n    second line\nend\n".into()),
        ("Zeta.bin", "z".repeat(3 * 1024 * 1024 + 17)),
        ("notes/todo.md", "- one\n- two\n".into()),
        ("notes/.hidden", "h".into()),
        ("sub/deep/x.txt", "x".into()),
        ("sub/deep/y.log", "y".into()),
        ("sub/b.txt", "sub b".into()),
        ("pic.JPG", "jpeg?".into()),
        ("sound.mp3", "mp3?".into()),
        ("blob.dat", "\u{0}\u{1}binary".into()),
        ("noeol.txt", "first\nlast".into()),
    ];
    for (p, c) in files {
        std::fs::create_dir_all(root.join(p).parent().unwrap()).unwrap();
        std::fs::write(root.join(p), c).unwrap();
    }
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::os::unix::fs::symlink("a.txt", root.join("link-in")).unwrap();
}

/// What may differ between the two servers' answers, and nothing else
/// (docs/mcp.md): error texts (the reference words its own, osbox gives
/// Python's exception), and in `get_file_info` the zone name, the creation
/// time, and the access time (each server's own reads change it).
fn normalise(result: &Value) -> Value {
    if failed(result) {
        return json!({"isError": true});
    }
    let mut r = result.clone();
    if let Some(t) = r["content"][0]["text"].as_str() {
        let t = t
            .split("\n---\n")
            .map(|part| match part.split_once(": Error - ") {
                Some((path, _)) => format!("{path}: Error"),
                None => part.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n---\n");
        let t = t
            .lines()
            .filter(|l| !l.starts_with("created: ") && !l.starts_with("accessed: "))
            .map(|l| match l.find(" GMT") {
                Some(i) if l.ends_with(')') => l[..i + 9].to_string(),
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        r["content"][0]["text"] = t.clone().into();
        if r["structuredContent"]["content"].is_string() {
            r["structuredContent"]["content"] = t.into();
        }
    }
    r
}

#[test]
fn the_fourteen_tools_answer_as_the_reference_server_does_on_the_same_tree() {
    let ours = tempdir();
    let theirs = tempdir();
    plant_compared_tree(ours.path());
    plant_compared_tree(theirs.path());
    // Both servers are asked by path: osbox grants its tree at the same
    // path, so the paths in answers are the same strings.
    let calls = |d: &Path| {
        let p = |rel: &str| if rel.is_empty() { d.display().to_string() } else { format!("{}/{rel}", d.display()) };
        json!([
            ["list_allowed_directories", {}],
            ["list_directory", {"path": p("")}],
            ["list_directory", {"path": p("sub")}],
            ["list_directory_with_sizes", {"path": p("")}],
            ["list_directory_with_sizes", {"path": p(""), "sortBy": "size"}],
            ["directory_tree", {"path": p("")}],
            ["directory_tree", {"path": p(""), "excludePatterns": ["*.bin", "deep"]}],
            ["directory_tree", {"path": p(""), "excludePatterns": ["sub/**", ".hidden"]}],
            ["read_text_file", {"path": p("a.txt")}],
            ["read_file", {"path": p("a.txt"), "head": 2}],
            ["read_text_file", {"path": p("a.txt"), "tail": 3}],
            ["read_text_file", {"path": p("noeol.txt"), "head": 5}],
            ["read_text_file", {"path": p("noeol.txt"), "tail": 1}],
            ["read_text_file", {"path": p("a.txt"), "head": 1, "tail": 1}],
            ["read_text_file", {"path": p("missing")}],
            ["read_text_file", {"path": p("link-in")}],
            ["read_media_file", {"path": p("pic.JPG")}],
            ["read_media_file", {"path": p("sound.mp3")}],
            ["read_media_file", {"path": p("blob.dat")}],
            ["read_multiple_files", {"paths": [p("a.txt"), p("missing"), p("B.txt")]}],
            ["search_files", {"path": p(""), "pattern": "**/*.txt"}],
            ["search_files", {"path": p(""), "pattern": "*.txt"}],
            ["search_files", {"path": p(""), "pattern": "**/{x,y}.*", "excludePatterns": ["**/y.log"]}],
            ["search_files", {"path": p(""), "pattern": "**/[a-c]*"}],
            ["search_files", {"path": p(""), "pattern": "**/.hidden"}],
            ["search_files", {"path": p(""), "pattern": "nothing"}],
            ["get_file_info", {"path": p("a.txt")}],
            ["get_file_info", {"path": p("sub")}],
            ["edit_file", {"path": p("c-d.md"), "edits": [{"oldText": "indented line\nsecond line", "newText": "changed\n  more"}], "dryRun": true}],
            ["edit_file", {"path": p("c-d.md"), "edits": [{"oldText": "# Title", "newText": "# New"}, {"oldText": "end", "newText": "fin\n"}]}],
            ["edit_file", {"path": p("a.txt"), "edits": [{"oldText": "not there", "newText": "x"}]}],
            ["edit_file", {"path": p("noeol.txt"), "edits": [{"oldText": "last", "newText": "last\nmore"}]}],
            ["write_file", {"path": p("new.txt"), "content": "fresh"}],
            ["write_file", {"path": p("B.txt"), "content": "replaced"}],
            ["create_directory", {"path": p("made/deeper")}],
            ["create_directory", {"path": p("made")}],
            ["move_file", {"source": p("new.txt"), "destination": p("made/new.txt")}],
            ["move_file", {"source": p("B.txt"), "destination": p("a.txt")}],
            ["list_directory", {"path": p("made")}],
            ["list_directory", {"path": p("missing")}],
        ])
    };
    let here = |d: &Path| vec![format!("--dir={}::{}", d.display(), d.display())];
    let a = session(&typescript(), &osbox_mcp(&here(ours.path()), &[]), &json!({"calls": calls(ours.path())}));
    let b = session(&typescript(), &reference(theirs.path()), &json!({"calls": calls(theirs.path())}));
    let (ra, rb) = (a["results"].as_array().unwrap(), b["results"].as_array().unwrap());
    assert_eq!(ra.len(), rb.len());
    let strip = |v: &Value, d: &Path| {
        serde_json::from_str::<Value>(&v.to_string().replace(&d.display().to_string(), "<TREE>")).unwrap()
    };
    let mut differences = Vec::new();
    for (i, (x, y)) in ra.iter().zip(rb).enumerate() {
        let (x, y) = (strip(&normalise(x), ours.path()), strip(&normalise(y), theirs.path()));
        if x != y {
            differences.push(format!("call {i} {}:\n  osbox:     {x}\n  reference: {y}", calls(ours.path())[i]));
        }
    }
    assert!(differences.is_empty(), "{} differences:\n{}", differences.len(), differences.join("\n"));
    assert_eq!(snapshot(ours.path()), snapshot(theirs.path()), "the trees end the same");
}

#[test]
fn the_fourteen_tools_have_the_reference_servers_schemas() {
    let dir = tempdir();
    let ours = session(&typescript(), &osbox_mcp(&[format!("--dir={}::/w", dir.path().display())], &[]), &json!({}));
    let theirs = session(&typescript(), &reference(dir.path()), &json!({}));
    let by_name = |v: &Value| -> Vec<(String, Value)> {
        v["tools"].as_array().unwrap().iter().map(|t| (t["name"].as_str().unwrap().to_string(), t.clone())).collect()
    };
    let ours = by_name(&ours);
    let theirs = by_name(&theirs);
    assert_eq!(theirs.len(), 14);
    for (name, reference) in &theirs {
        let (_, tool) = ours.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("osbox lacks {name}"));
        for field in ["title", "inputSchema", "outputSchema", "annotations"] {
            assert_eq!(tool[field], reference[field], "{name}.{field}");
        }
    }
}

#[test]
fn python_os_is_described_by_the_wit_documentation() {
    let dir = tempdir();
    let out = session(&typescript(), &osbox_mcp(&[format!("--dir={}::/w", dir.path().display())], &[]), &json!({}));
    let tool = out["tools"].as_array().unwrap().iter().find(|t| t["name"] == "python_os").unwrap().clone();
    let description = tool["description"].as_str().unwrap();
    // The doc comments of WIT functions, as the WIT files have them.
    let wit = std::fs::read_to_string(repo().join("wit/fs.wit")).unwrap();
    for call in ["os.listdir", "os.makedirs", "os.rmdir"] {
        let opening = format!("/// `{call}(");
        let line = wit.lines().map(str::trim).find(|l| l.starts_with(&opening)).unwrap_or_else(|| panic!("{call}"));
        let first = line.trim_start_matches("/// ").split(". ").next().unwrap();
        assert!(description.contains(first), "{call}: {first:?} not in the description");
    }
    for call in ["shutil.copytree", "subprocess.run", "os.path.join", "tempfile.mkdtemp"] {
        assert!(description.contains(&format!("`{call}(")), "{call} is listed with its WIT doc");
    }
    assert_eq!(tool["inputSchema"]["required"], json!(["call"]));
}

/// A bare MCP client over stdio (JSON-RPC lines), for the escape suite:
/// a session per attack, without a Node process in between.
struct Bare {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next: u64,
}

impl Bare {
    fn start(cmd: &[String]) -> Bare {
        let mut child = Command::new(&cmd[0])
            .args(&cmd[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        let mut bare = Bare { child, input, output, next: 0 };
        bare.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bare", "version": "0"}}),
        );
        bare.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        bare
    }

    fn send(&mut self, message: Value) {
        writeln!(self.input, "{message}").unwrap();
        self.input.flush().unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            assert!(self.output.read_line(&mut line).unwrap() > 0, "the server closed the session");
            let message: Value = serde_json::from_str(&line).unwrap();
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let reply = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        reply.get("result").cloned().unwrap_or_else(|| json!({"isError": true, "protocol": reply["error"]}))
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut rest = String::new();
        let _ = self.output.read_to_string(&mut rest);
    }
}

/// Every string in the attack's arguments: the paths it tries.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Each path-taking tool aimed at `path`.
fn tool_attacks(path: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("read_text_file", json!({"path": path})),
        ("read_text_file", json!({"path": path, "tail": 5})),
        ("read_media_file", json!({"path": path})),
        ("read_multiple_files", json!({"paths": [path]})),
        ("list_directory", json!({"path": path})),
        ("list_directory_with_sizes", json!({"path": path})),
        ("directory_tree", json!({"path": path})),
        ("search_files", json!({"path": path, "pattern": "**"})),
        ("get_file_info", json!({"path": path})),
        ("write_file", json!({"path": path, "content": "pwned"})),
        // "e" is in the canaries' and the read-only file's contents.
        ("edit_file", json!({"path": path, "edits": [{"oldText": "e", "newText": "pwned"}]})),
        ("create_directory", json!({"path": format!("{path}/made")})),
        ("move_file", json!({"source": path, "destination": "/w/moved"})),
        ("move_file", json!({"source": "/w/f", "destination": path})),
    ]
}

#[test]
fn the_escape_suite_through_the_mcp_tools_reaches_nothing() {
    let mut failures = Vec::new();
    let total = escapes::load(Path::new("/nowhere")).len();
    let mut tool_calls = 0;
    for index in 0..total {
        let f = Fixture::new();
        let attack = &escapes::load(&f.path("outside"))[index];
        let before = f.protected();
        let mut client = Bare::start(&osbox_mcp(&f.cli_options(), &[]));
        // The attack itself, call by call through python_os: the exact
        // answers the suite expects.
        for (call, want) in attack.calls.iter().zip(&attack.expect) {
            let result = client.call("python_os", call.clone());
            let got = &result["structuredContent"];
            if let Some(why) = escapes::mismatch(want, got) {
                failures.push(format!("{} (python_os): {why}", attack.name));
            }
            if failed(&result) != got.get("error").is_some() {
                failures.push(format!("{} (python_os): isError disagrees with {got}", attack.name));
            }
        }
        // Then every file tool at every path the attack names, after the
        // attack's own calls (links it planted are still there).
        let mut paths = Vec::new();
        attack.calls.iter().for_each(|c| strings(&c["args"], &mut paths));
        paths.dedup();
        for path in paths.iter().filter(|p| !p.is_empty() && p.len() < 4096) {
            for (tool, args) in tool_attacks(path) {
                tool_calls += 1;
                let result = client.call(tool, args);
                let answer = result.to_string();
                if answer.contains("secret") {
                    failures.push(format!("{} ({tool} {path}): the canary's content came back: {answer}", attack.name));
                }
            }
        }
        drop(client);
        if f.protected() != before {
            failures
                .push(format!("{}: something outside the grants or under the read-only grant changed", attack.name));
        }
    }
    println!(
        "escape suite through MCP: {total} attacks through python_os, {tool_calls} file-tool calls at their paths"
    );
    assert!(total >= 60 && tool_calls > total * 15);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn roots_become_grants_only_where_the_operator_allows() {
    let dir = tempdir();
    let root = dir.path();
    plant_session_tree(root);
    std::fs::create_dir_all(root.join("projects/app")).unwrap();
    std::fs::write(root.join("projects/app/main.rs"), "fn main() {}").unwrap();
    std::fs::create_dir_all(root.join("elsewhere")).unwrap();
    let uri = |p: &str| format!("file://{}", root.join(p).display());
    let script = json!({
        "roots": [uri("projects/app"), uri("elsewhere"), "https://example.com/"],
        "calls": [
            ["list_allowed_directories", {}],
            ["list_directory", {"path": "/p/app"}],
            ["write_file", {"path": "/p/app/new.rs", "content": "x"}],
            ["list_directory", {"path": "/w"}],
        ],
    });
    let options = session_options(root);
    let projects = format!("{}::/p", root.join("projects").display());

    // Without --roots the client's roots change nothing.
    for driver in [typescript(), python()] {
        let out = session(&driver, &osbox_mcp(&options, &[]), &script);
        let r = out["results"].as_array().unwrap();
        assert_eq!(text(&r[0]), "Allowed directories:\n/w\n/ro (read-only)");
        assert!(failed(&r[1]));
        assert!(!failed(&r[3]));
    }
    // With --ro-roots, the root below it replaces the grants, read-only;
    // the root outside it and the non-file URI are not granted.
    for driver in [typescript(), python()] {
        let out = session(&driver, &osbox_mcp(&options, &["--ro-roots", &projects]), &script);
        let r = out["results"].as_array().unwrap();
        assert_eq!(text(&r[0]), "Allowed directories:\n/p/app (read-only)");
        assert_eq!(text(&r[1]), "[FILE] main.rs");
        assert_eq!(text(&r[2]), "OSError: [Errno 30] Read-only file system: '/p/app/new.rs'");
        assert_eq!(text(&r[3]), "FileNotFoundError: [Errno 2] No such file or directory: '/w'");
    }
    // With --roots, read-write.
    let out = session(&typescript(), &osbox_mcp(&options, &["--roots", &projects]), &script);
    let r = out["results"].as_array().unwrap();
    assert_eq!(text(&r[0]), "Allowed directories:\n/p/app");
    assert_eq!(text(&r[2]), "Successfully wrote to /p/app/new.rs");
    assert_eq!(std::fs::read_to_string(root.join("projects/app/new.rs")).unwrap(), "x");
    assert!(!root.join("elsewhere/new.rs").exists());
}

/// `osbox mcp --listen 127.0.0.1:0`, and the URL it serves.
struct Http {
    child: Child,
    url: String,
}

impl Http {
    fn start(options: &[String]) -> Http {
        let cmd = osbox_mcp(options, &["--listen", "127.0.0.1:0"]);
        let mut child =
            Command::new(&cmd[0]).args(&cmd[1..]).stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().to_string();
        assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"), "{line}");
        std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
        Http { child, url }
    }
}

impl Drop for Http {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn streamable_http_gives_each_session_a_sandbox_of_its_own() {
    let dir = tempdir();
    plant_session_tree(dir.path());
    let server = Http::start(&session_options(dir.path()));
    let driver = [typescript(), vec!["--url".into(), server.url.clone()]].concat();
    let script = |to: &str| {
        json!({"calls": [
            ["python_os", {"call": "os.getcwd"}],
            ["python_os", {"call": "os.chdir", "args": [to]}],
            ["python_os", {"call": "os.getcwd"}],
            ["read_text_file", {"path": "a.txt", "head": 1}],
        ]})
    };
    let first = session(&driver, &[], &script("/w/sub"));
    let second = session(&driver, &[], &script("/w"));
    for (out, to) in [(&first, "/w/sub"), (&second, "/w")] {
        let r = out["results"].as_array().unwrap();
        assert_eq!(r[0]["structuredContent"], json!({"ok": "/w"}), "each session starts afresh");
        assert_eq!(r[2]["structuredContent"], json!({"ok": to}));
    }
    assert!(failed(&first["results"][3]), "relative to /w/sub there is no a.txt");
    assert_eq!(text(&second["results"][3]), "alpha");
}

#[test]
fn listen_refuses_an_address_that_is_not_loopback() {
    let o = Command::new(env!("CARGO_BIN_EXE_osbox")).args(["mcp", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("loopback"), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The conformance suite's server scenarios that test what any server must
/// do (its others call tools, prompts and resources of a server built for
/// it); run over Streamable HTTP.
const CONFORMANCE: &[&str] =
    &["server-initialize", "ping", "tools-list", "dns-rebinding-protection", "server-sse-multiple-streams"];

#[test]
fn the_mcp_conformance_scenarios_that_apply_pass() {
    let dir = tempdir();
    plant_session_tree(dir.path());
    let server = Http::start(&session_options(dir.path()));
    let bin = packages().join("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    for scenario in CONFORMANCE {
        let results = tempdir();
        let o = Command::new("node")
            .arg(&bin)
            .args(["server", "--url", &server.url, "--scenario", scenario, "-o"])
            .arg(results.path())
            .current_dir(packages())
            .output()
            .unwrap();
        let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success(), "{scenario}:\n{out}");
        assert!(out.contains("Passed: ") && out.contains(", 0 failed"), "{scenario}:\n{out}");
        assert!(!out.contains("FAILURE"), "{scenario}:\n{out}");
    }
}
