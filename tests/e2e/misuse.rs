//! Callers who lean on osbox to break it: grants that collide or are
//! spelled oddly, protocol lines that are not UTF-8 or carry odd ids, time
//! limits of nothing or of forever, output piped into `head`, Python typed
//! at a shell, and command lines of anything at all. Each gets what it
//! asked for or a clear osbox or Python error; nothing panics.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use osbox::ErrorKind;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{Value, json};

use crate::harness::{runtime, tempdir};

fn osbox_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_osbox"))
        .args(args)
        .current_dir(dir)
        .env_remove("OSBOX_CACHE_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("osbox runs");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_vec();
    // osbox may stop reading early: a failed write is its business.
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().expect("osbox ends");
    feeder.join().expect("feeder");
    out
}

fn osbox(args: &[&str], stdin: &[u8]) -> Output {
    osbox_in(&std::env::temp_dir(), args, stdin)
}

fn grant(dir: &Path, guest: &str) -> String {
    format!("{}::{guest}", dir.display())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_same_guest_path_granted_twice_is_refused() {
    let (a, b) = (tempdir(), tempdir());
    std::fs::write(a.path().join("fa"), "a").unwrap();
    std::fs::write(b.path().join("fb"), "b").unwrap();
    // However it is spelled: the guest would list one grant and change the
    // other through the same path.
    for second in ["/x", "/x/", "/y/../x", "//x", "/x/."] {
        let err = runtime().sandbox().ro_dir(a.path(), "/x").dir(b.path(), second).build().err().expect("refused");
        assert_eq!(err.kind(), ErrorKind::Value);
        assert_eq!(
            err.message(),
            format!("guest path \"/x\" is granted twice: {} and {}", a.path().display(), b.path().display())
        );
    }
    let (ga, gb) = (grant(a.path(), "/x"), grant(b.path(), "/x"));
    let o = osbox(&["--ro-dir", &ga, "--dir", &gb, "call", "os.remove", "/x/fb"], b"");
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(text(&o.stderr).starts_with("osbox: guest path \"/x\" is granted twice"), "{o:?}");
    assert!(b.path().join("fb").exists(), "nothing ran");
    let o = osbox(&["--ro-dir", &ga, "--dir", &gb, "exec"], b"{\"call\":\"os.remove\",\"args\":[\"/x/fb\"]}\n");
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let last: Value = serde_json::from_slice(&o.stdout).expect("one last line");
    assert_eq!(last["error"]["type"], "ValueError");
    assert!(b.path().join("fb").exists(), "nothing ran");
    // A grant inside another is mounted over it.
    let mut os = runtime().sandbox().ro_dir(a.path(), "/x").dir(b.path(), "/x/y").build().unwrap().os().unwrap();
    assert_eq!(os.listdir("/x/y").unwrap(), ["fb"]);
    assert_eq!(os.listdir("/x").unwrap(), ["fa"]);
}

#[test]
fn guest_paths_are_normalised_as_normpath_does() {
    let (b, y, c) = (tempdir(), tempdir(), tempdir());
    std::fs::write(b.path().join("f"), "in b").unwrap();
    std::fs::write(y.path().join("g"), "in y").unwrap();
    let sandbox = runtime()
        .sandbox()
        .dir(b.path(), "/a/../b")
        .dir(y.path(), "/x//y/./")
        .ro_dir(c.path(), "//c/")
        .build()
        .unwrap();
    let mut os = sandbox.os().unwrap();
    let mut top = os.listdir("/").unwrap();
    top.sort();
    assert_eq!(top, ["b", "c", "x"]);
    // The guest, WASI and the host extension (stat, listdir, chmod) find
    // each grant at the normal path.
    assert_eq!(os.stat("/b/f").unwrap().st_size, 4);
    assert_eq!(os.listdir("/b").unwrap(), ["f"]);
    assert_eq!(os.listdir("/x/y").unwrap(), ["g"]);
    os.chmod("/x/y/g", 0o600, true).unwrap();
    assert!(os.path().ismount("/c").unwrap());
    assert_eq!(os.getcwd().unwrap(), "/b", "the first grant, normalised, is the current directory");
    let err = os.stat("/b/nope").unwrap_err();
    assert_eq!(err.message(), "[Errno 2] No such file or directory: '/b/nope'");
    let o = osbox(&["--dir", &grant(b.path(), "/a/../b"), "call", "os.listdir", "/b"], b"");
    assert_eq!((o.status.code(), text(&o.stdout)), (Some(0), "f\n".to_string()), "{o:?}");
}

#[test]
fn a_time_limit_of_nothing_is_refused_and_one_of_forever_is_kept() {
    let err = runtime().sandbox().timeout(Duration::ZERO).build().err().expect("refused");
    assert_eq!((err.kind(), err.message()), (ErrorKind::Value, "the time limit must be longer than zero"));
    let mut os = runtime().sandbox().timeout(Duration::MAX).build().unwrap().os().unwrap();
    assert_eq!(os.getcwd().unwrap(), "/");
    for refused in ["0", "-0", "-1", "nan", "1e-12"] {
        let o = osbox(&["--timeout", refused, "call", "os.getcwd"], b"");
        assert_eq!(o.status.code(), Some(2), "--timeout {refused}: {o:?}");
        assert!(text(&o.stderr).starts_with("osbox: --timeout must be a positive number of seconds"), "{o:?}");
    }
    for kept in ["1e19", "1e400", "inf", "0.5"] {
        let o = osbox(&["--timeout", kept, "call", "os.getcwd"], b"");
        assert_eq!((o.status.code(), text(&o.stdout)), (Some(0), "/\n".to_string()), "--timeout {kept}: {o:?}");
    }
}

#[test]
fn exec_answers_a_line_that_is_not_utf8_and_goes_on() {
    let mut input = b"{\"id\":1,\"call\":\"os.getcwd\"}\n".to_vec();
    input.extend(b"{\"id\":2,\"call\":\"os.listdir\",\"args\":[\"\xff\"]}\n");
    input.extend(b"\xfe\xff\r\n");
    input.extend(b"{\"id\":3,\"call\":\"os.getcwd\"}\n");
    let o = osbox(&["exec"], &input);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let lines: Vec<Value> = text(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let bad = json!({ "type": "ValueError", "errno": null, "strerror": null, "filename": null, "filename2": null,
                      "message": "invalid request: not valid UTF-8" });
    assert_eq!(
        lines,
        [
            json!({ "id": 1, "ok": "/" }),
            json!({ "id": 2, "error": bad }),
            json!({ "error": bad }),
            json!({ "id": 3, "ok": "/" })
        ]
    );
}

#[test]
fn exec_echoes_every_id_as_sent() {
    let ids = [
        "123456789012345678901234567890",
        "-123456789012345678901234567890",
        "18446744073709551616",
        "1.5",
        "1.50",
        "0.1",
        "-0",
        "1e+400",
        "\"7\"",
        "\"\"",
        "null",
        "true",
        "[1,\"a\",{\"b\":[]}]",
        "{\"z\":1,\"a\":{\"n\":123456789012345678901234567890}}",
    ];
    let input: String = ids.iter().map(|id| format!("{{\"id\":{id},\"call\":\"os.getcwd\"}}\n")).collect();
    let o = osbox(&["exec"], input.as_bytes());
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), ids.len(), "{o:?}");
    for (id, line) in ids.iter().zip(lines) {
        assert_eq!(line, format!("{{\"id\":{id},\"ok\":\"/\"}}"));
    }
}

#[test]
fn call_reads_python_literals_as_well_as_json() {
    let dir = tempdir();
    std::fs::write(dir.path().join("run.sh"), "").unwrap();
    let g = grant(dir.path(), "/d");
    let run = |args: &[&str]| {
        let mut all = vec!["--dir", g.as_str(), "call"];
        all.extend(args);
        osbox(&all, b"")
    };
    let o = run(&["os.chmod", "/d/run.sh", "0o755"]);
    assert!(o.status.success(), "{o:?}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(dir.path().join("run.sh")).unwrap().permissions().mode() & 0o777, 0o755);
    let o = run(&["os.makedirs", "/d/a/b", "-k", "exist_ok=True"]);
    assert!(o.status.success(), "{o:?}");
    let o = run(&["os.makedirs", "/d/a/b", "-k", "exist_ok=True"]);
    assert!(o.status.success(), "exist_ok=True read as True: {o:?}");
    let o = run(&["os.makedirs", "/d/a/b", "-k", "exist_ok=False"]);
    assert_eq!(o.status.code(), Some(1), "exist_ok=False read as False: {o:?}");
    let shown = |args: &[&str]| text(&run(args).stdout);
    assert_eq!(shown(&["--json", "os.path.join", "b'/d'", "b'raw\\xff'"]), "{\"ok\":{\"$bytes\":\"L2QvcmF3/w==\"}}\n");
    assert_eq!(shown(&["--json", "os.path.join", "'/d'", "r'a\\b'", "\"\"\"c\"\"\""]), "{\"ok\":\"/d/a\\\\b/c\"}\n");
    assert_eq!(shown(&["--json", "os.strerror", "-1"]), "{\"ok\":\"Unknown error -1\"}\n");
    assert_eq!(shown(&["--json", "os.strerror", "0x_20"]), "{\"ok\":\"Broken pipe\"}\n");
    assert_eq!(shown(&["--json", "os.environ.get", "NOPE", "None"]), "{\"ok\":null}\n");
    assert_eq!(shown(&["--json", "os.environ.get", "NOPE", "(1, 2)"]), "{\"ok\":[1,2]}\n");
    assert_eq!(shown(&["--json", "os.environ.get", "NOPE", "{'k': {1, 1, 2}}"]), "{\"ok\":{\"k\":[1,2]}}\n");
    // JSON first, then Python, then the text itself.
    assert_eq!(shown(&["--json", "os.environ.get", "NOPE", "{\"k\": null}"]), "{\"ok\":{\"k\":null}}\n");
    assert_eq!(shown(&["--json", "os.path.join", "/d", "0755"]), "{\"ok\":\"/d/0755\"}\n");
    let o = run(&["os.read", "0", "2**70"]);
    assert_eq!(text(&o.stderr), "TypeError: 'str' object cannot be interpreted as an integer\n");
    let o = run(&["os.read", "0", "1180591620717411303424"]);
    assert_eq!(text(&o.stderr), "OverflowError: Python int too large to convert to C ssize_t\n");
}

#[test]
fn a_literal_the_protocol_cannot_carry_is_an_osbox_error() {
    for (arg, why) in [
        ("1j", "a complex number cannot be passed"),
        ("(1, 2+3j)", "a complex number cannot be passed"),
        ("...", "Ellipsis cannot be passed"),
        ("{1: 2}", "a dict can be passed only with str keys"),
        ("'\\ud800'", "a str with a lone surrogate cannot be passed"),
        ("'\\N{BULLET}'", "\\N{...} escapes cannot be read here: write the character or its \\u escape"),
    ] {
        let o = osbox(&["call", "os.path.join", "/", arg], b"");
        assert_eq!(o.status.code(), Some(2), "{arg}: {o:?}");
        assert_eq!(text(&o.stderr), format!("osbox: argument {arg:?}: {why}\n"));
    }
}

/// The Python literals `ast.literal_eval` is asked about, beside ours.
const LITERALS: &[&str] = &[
    "0",
    "00",
    "0_0",
    "7",
    "-7",
    "+7",
    "- 7",
    "-0",
    "1_000",
    "1__0",
    "1_",
    "0755",
    "0o755",
    "0O7_5_5",
    "0x1F",
    "0X_1f",
    "0b101",
    "0b",
    "0b12",
    "0o8",
    "0x",
    "-0x10",
    "123456789012345678901234567890",
    "0xffffffffffffffffffffffffff",
    "1.5",
    "-1.5",
    "1.",
    ".5",
    "1e5",
    "1E+5",
    "1e-5",
    "1.e5",
    "1_0.5_0e1_0",
    "09.5",
    "07e1",
    "1e400",
    "-1e400",
    "1e",
    "1e+",
    ".e5",
    "1._5",
    "1_.5",
    "1.5_",
    "1.0.0",
    "1if",
    "--1",
    "-True",
    "-(1)",
    "-(1,)",
    "+(1.5)",
    "1+1",
    "True",
    "False",
    "None",
    "true",
    "null",
    "'a'",
    "\"a\"",
    "'''a'''",
    "\"\"\"a\nb\"\"\"",
    "'a\nb'",
    "'a' 'b'",
    "'a' \"b\" '''c'''",
    "'a' b'b'",
    "r'a\\b'",
    "R'\\''",
    "r'a\\'",
    "u'x'",
    "U'x'",
    "ur'x'",
    "f'x'",
    "b'x'",
    "B'x'",
    "br'\\x'",
    "Rb'\\n'",
    "b'\\x41\\101\\n'",
    "b'\\777'",
    "b'\\u00e9'",
    "b'\u{e9}'",
    "'\\x41'",
    "'\\x4'",
    "'\\101'",
    "'\\1234'",
    "'\\777'",
    "'\\0'",
    "'\\8'",
    "'\\d'",
    "'\\u00e9'",
    "'\\u12'",
    "'\\U0001F600'",
    "'\\U00110000'",
    "'a\\\nb'",
    "'\\a\\b\\f\\n\\r\\t\\v\\\\\\'\\\"'",
    "'\u{e9}\u{65e5}'",
    "'#'",
    "1 # comment",
    "# comment\n1",
    " 1",
    "\t1",
    "1\n",
    "[]",
    "[1]",
    "[1,]",
    "[,]",
    "[1, [2, [3]]]",
    "[1\n, 2]",
    "()",
    "(1)",
    "(1,)",
    "(,)",
    "(((1)))",
    "(1, 'a', None)",
    "1, 2",
    "1,",
    "{}",
    "{'a': 1}",
    "{'a': 1, 'a': 2}",
    "{'a': 1,}",
    "{'a'}",
    "{**a}",
    "{'a': }",
    "set()",
    "set( )",
    "set([1])",
    "frozenset()",
    "[1]+[2]",
    "True.real",
    "x",
    "/data/a",
    "a b",
    "",
    " ",
    "'",
    "[[[[[[[[[[1]]]]]]]]]]",
    "1 2",
    "{'a': [1, {'b': (2, b'c')}]}",
];

#[test]
fn python_literals_read_as_ast_literal_eval_reads_them() {
    // CPython's answer for each, in the protocol's encoding; floats as
    // their repr, since JSON spells some differently.
    let script = r#"
import ast, base64, json, sys
def enc(x):
    if x is None or isinstance(x, (bool, str)): return x
    if isinstance(x, int): return {"int": str(x)}
    if isinstance(x, float): return {"float": repr(x)}
    if isinstance(x, bytes): return {"$bytes": base64.b64encode(x).decode()}
    if isinstance(x, (list, tuple, set)): return [enc(i) for i in x]
    if isinstance(x, dict) and all(isinstance(k, str) for k in x): return {k: enc(v) for k, v in x.items()}
    raise TypeError("cannot carry")
out = []
for text in json.load(sys.stdin):
    try:
        value = ast.literal_eval(text)
    except Exception:
        out.append("not a literal"); continue
    try:
        out.append({"value": enc(value)})
    except TypeError:
        out.append("cannot carry")
print(json.dumps(out))
"#;
    let mut child = Command::new("python3")
        .args(["-W", "ignore", "-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(serde_json::to_string(LITERALS).unwrap().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let expected: Vec<Value> = serde_json::from_slice(&out.stdout).expect("the oracle's answers");
    // Ours in the same shape: numbers as int text or float repr.
    fn shape(v: &Value) -> Value {
        match v {
            Value::Number(n) if n.as_str().contains(['.', 'e', 'E']) => {
                let f: f64 = n.as_str().parse().unwrap();
                json!({ "float": python_float_repr(f) })
            }
            Value::Number(n) => json!({ "int": n.as_str() }),
            Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
            Value::Object(m) if m.contains_key("$bytes") => v.clone(),
            Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), shape(x))).collect()),
            other => other.clone(),
        }
    }
    let mut failures = Vec::new();
    for (text, want) in LITERALS.iter().zip(&expected) {
        let got = match osbox::exec::python_literal(text) {
            Ok(Some(v)) => json!({ "value": shape(&v) }),
            Ok(None) => json!("not a literal"),
            Err(_) => json!("cannot carry"),
        };
        if got != *want {
            failures.push(format!("{text:?}: cpython {want}, osbox {got}"));
        }
    }
    assert_eq!(expected.len(), LITERALS.len());
    assert!(failures.is_empty(), "{} literals read differently:\n{}", failures.len(), failures.join("\n"));
}

/// `repr(float)` as CPython writes it.
fn python_float_repr(f: f64) -> String {
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let shortest = format!("{f:e}");
    let (mantissa, exp) = shortest.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    if (-4..16).contains(&exp) {
        let plain = format!("{f}");
        if plain.contains('.') { plain } else { format!("{plain}.0") }
    } else {
        format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    // `osbox call ... | head -c 10`: more output than a pipe holds, and a
    // reader that leaves after a few bytes.
    let read_a_little = |args: &[&str], stdin: Vec<u8>| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_osbox"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || {
            let _ = input.write_all(&stdin);
        });
        let mut first = [0u8; 10];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        let out = child.wait_with_output().unwrap();
        feeder.join().unwrap();
        out
    };
    let o = read_a_little(&["call", "--json", "os.urandom", "1000000"], Vec::new());
    assert_eq!((o.status.code(), text(&o.stderr)), (Some(141), String::new()), "{o:?}");
    let many = "{\"call\":\"os.getcwd\"}\n".repeat(50_000);
    let o = read_a_little(&["exec"], many.into_bytes());
    assert_eq!((o.status.code(), text(&o.stderr)), (Some(141), String::new()), "{o:?}");
}

/// Pieces of command lines: options, values and call arguments, odd ones
/// first.
const WORDS: &[&str] = &[
    "",
    " ",
    "-",
    "--",
    "::",
    "/",
    "//",
    "a::",
    "::/x",
    "/nowhere::/x",
    "GRANT",
    "GRANT::/w",
    "GRANT::/w/../w/",
    "GRANT::relative",
    "0",
    "-1",
    "-0",
    "1e19",
    "1e400",
    "inf",
    "nan",
    "0.001",
    "99999999999999999999",
    "x",
    "'",
    "\"",
    "(",
    "[[[[",
    "{1: 2}",
    "1j",
    "...",
    "'\\N{x}'",
    "b'\\xff'",
    "0o777",
    "0x",
    "2**70",
    "123456789012345678901234567890",
    "-123456789012345678901234567890",
    "1.5",
    "True",
    "None",
    "[1, 2]",
    "{'a': [1]}",
    "a=b",
    "=",
    "=x",
    "NAME",
    "é",
    "𝕏",
    "%s%n",
    "/w",
    "/w/f",
    "/w/sub",
    "/etc/passwd",
    "../..",
    "\u{7f}",
    "\\",
    "-k",
    "--json",
];

const OPTIONS: &[&str] = &["--dir", "--ro-dir", "--env", "--cwd", "--allow-run", "--timeout", "--memory"];

const CALLS: &[&str] = &[
    "os.listdir",
    "os.stat",
    "os.open",
    "os.read",
    "os.write",
    "os.lseek",
    "os.close",
    "os.walk",
    "os.scandir",
    "os.makedirs",
    "os.chmod",
    "os.utime",
    "os.strerror",
    "os.urandom",
    "os.environ",
    "os.environ.get",
    "os.sep",
    "os.path.join",
    "os.path.normpath",
    "shutil.copytree",
    "shutil.rmtree",
    "shutil.which",
    "time.gmtime",
    "time.strftime",
    "tempfile.mkstemp",
    "os.fork",
    "nope",
    "",
    "os.",
    ".",
];

#[test]
fn no_command_line_reaches_a_panic() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.path().join("g/sub")).unwrap();
    std::fs::write(dir.path().join("g/f"), "data").unwrap();
    let granted = dir.path().join("g").display().to_string();
    let word = prop::sample::select(WORDS);
    let command = (
        prop::collection::vec((prop::sample::select(OPTIONS), word.clone()), 0..3),
        0..4u8,
        prop::sample::select(CALLS),
        prop::collection::vec(word.clone(), 0..4),
        prop::collection::vec(word, 0..2),
    );
    let mut runner = crate::fuzz::runner(300);
    let mut failures = Vec::new();
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..300 {
        let (options, sub, call, args, kwargs) = command.new_tree(&mut runner).unwrap().current();
        let mut argv: Vec<String> = Vec::new();
        for (option, value) in options {
            argv.push(option.into());
            argv.push(value.replace("GRANT", &granted));
        }
        match sub {
            0 | 1 => {
                argv.push("call".into());
                argv.push(call.into());
                argv.extend(args.iter().map(|a| a.replace("GRANT", &granted)));
                for k in kwargs {
                    argv.extend(["-k".to_string(), format!("exist_ok={k}")]);
                }
            }
            2 => {
                argv.push("exec".into());
                argv.extend(args.iter().take(1).map(|a| a.to_string()));
            }
            _ => {
                argv.push("run".into());
                argv.extend(args.iter().map(|a| a.to_string()));
            }
        }
        // Whatever a case starts ends within a limit.
        if !argv.iter().any(|a| a == "--timeout") {
            argv.extend(["--timeout".to_string(), "5".to_string()]);
        }
        let request = format!("{{\"call\":\"{call}\",\"args\":{}}}\n", json!(args));
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        let o = osbox_in(dir.path(), &args, request.as_bytes());
        let stderr = text(&o.stderr);
        *statuses.entry(o.status.code()).or_insert(0) += 1;
        let fine = matches!(o.status.code(), Some(0..=3))
            && !stderr.contains("panicked")
            && !stderr.contains("RUST_BACKTRACE");
        if !fine {
            failures.push(format!("{argv:?}: {:?}\n{stderr}", o.status));
        }
    }
    assert!(failures.is_empty(), "{} command lines ended badly:\n{}", failures.len(), failures.join("\n"));
    // The lines reached the calls, not only the option parser: some
    // answered, some raised.
    println!("command lines by exit status: {statuses:?}");
    assert!(
        statuses.get(&Some(0)).is_some_and(|n| *n >= 5) && statuses.get(&Some(1)).is_some_and(|n| *n >= 5),
        "{statuses:?}"
    );
}
