//! `osbox python`: unmodified scripts (tests/python/*.py) give CPython's
//! output and final trees, run natively on one copy of a tree and in the
//! sandbox on another; exit statuses, arguments and streams as CPython's;
//! escapes refused; limits and the process policy hold.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::json;

use crate::harness::{plant, repo, snapshot, tempdir, tree_diff};

/// `osbox ARGS`, with `stdin`, in `cwd`.
fn osbox(args: &[&str], stdin: &str, cwd: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_osbox"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("osbox runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `osbox --dir DIR::/data ... python ARGS` in `dir`.
fn python(dir: &Path, options: &[&str], args: &[&str], stdin: &str) -> Output {
    let grant = format!("{}::/data", dir.display());
    let mut all = vec!["--dir", grant.as_str()];
    all.extend(options);
    all.push("python");
    all.extend(args);
    osbox(&all, stdin, dir)
}

/// The tree every script works on: an app, CSV data, logs, an inbox, an
/// upload store with a link leading out.
fn fixture() -> serde_json::Value {
    json!({
        "files": {
            "app/run.sh": "#!/bin/sh\necho run\n",
            "app/settings.conf": "debug = false\n",
            "app/lib/util.py": "x = 1\n",
            "app/cache.tmp": "junk",
            "data/sales.csv": "name,amount\na,1.5\nb,2\nc,-0.25\n",
            "data/costs.csv": "item,amount\nx,10\ny,\n",
            "data/empty.csv": "",
            "logs/app.log": "0123456789abcdef\n",
            "logs/app.log.1": "older\n",
            "logs/app.log.2": "oldest\n",
            "logs/small.log": "ok\n",
            "inbox/a.txt": "alpha\n",
            "inbox/b.txt": "beta\n",
            "store/existing.txt": "e",
        },
        "dirs": ["releases/v1"],
        "links": {"store/evil": "../../outside", "current": "releases/v1"},
    })
}

/// The scripts and their arguments; `sysinfo` needs `echo` and `sh`.
const SCRIPTS: &[(&str, &[&str])] = &[
    ("backup", &["app", "backup/app"]),
    ("deploy", &[]),
    ("csv_summary", &[]),
    ("health", &[]),
    ("logrotate", &[]),
    ("uploads", &[]),
    ("pipeline", &[]),
    ("errors", &[]),
    ("sysinfo", &[]),
];

/// Two copies of the fixture, each with a sibling `outside` directory that
/// holds a canary.
fn two_trees() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let base = tempdir();
    let mut roots = Vec::new();
    for side in ["native", "osbox"] {
        let root = base.path().join(side).join("root");
        plant(&root, &fixture());
        std::fs::create_dir_all(base.path().join(side).join("outside")).unwrap();
        std::fs::write(base.path().join(side).join("outside/canary"), "keep").unwrap();
        roots.push(root);
    }
    let osbox_root = roots.pop().unwrap();
    (base, roots.pop().unwrap(), osbox_root)
}

/// The permission bits of every file and directory under `root`.
fn modes(root: &Path) -> std::collections::BTreeMap<PathBuf, u32> {
    use std::os::unix::fs::PermissionsExt;
    snapshot(root)
        .into_keys()
        .filter_map(|rel| {
            let meta = std::fs::symlink_metadata(root.join(&rel)).ok()?;
            (!meta.file_type().is_symlink()).then(|| (rel, meta.permissions().mode() & 0o7777))
        })
        .collect()
}

#[test]
fn scripts_give_cpythons_output_and_final_trees() {
    let mut failures = Vec::new();
    for (name, args) in SCRIPTS {
        let script = repo().join(format!("tests/python/{name}.py"));
        let script = script.to_str().unwrap();
        let (_base, native_root, osbox_root) = two_trees();
        let native = Command::new("python3").arg(script).args(*args).current_dir(&native_root).output().unwrap();
        let mut python_args = vec![script];
        python_args.extend(*args);
        let inside = python(&osbox_root, &["--allow-run", "echo", "--allow-run", "sh"], &python_args, "");
        if (native.status.code(), text(&native.stdout)) != (inside.status.code(), text(&inside.stdout)) {
            failures.push(format!(
                "{name}: CPython {:?}\n{}{}\nosbox {:?}\n{}{}",
                native.status.code(),
                text(&native.stdout),
                text(&native.stderr),
                inside.status.code(),
                text(&inside.stdout),
                text(&inside.stderr)
            ));
        }
        let diff = tree_diff(&snapshot(native_root.parent().unwrap()), &snapshot(osbox_root.parent().unwrap()));
        if !diff.is_empty() {
            failures.push(format!("{name}: trees differ:\n{}", diff.join("\n")));
        }
        if modes(&native_root) != modes(&osbox_root) {
            failures.push(format!("{name}: modes differ: {:?} {:?}", modes(&native_root), modes(&osbox_root)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn exit_status_argv_and_streams_are_cpythons() {
    let dir = tempdir();
    let exit = python(dir.path(), &[], &["-c", "import sys; print(sys.argv); sys.exit(5)", "a", "-b"], "");
    assert_eq!((exit.status.code(), text(&exit.stdout)), (Some(5), "['-c', 'a', '-b']\n".to_string()));
    let message = python(dir.path(), &[], &["-c", "raise SystemExit('bye')"], "");
    assert_eq!((message.status.code(), text(&message.stderr)), (Some(1), "bye\n".to_string()));
    let raised = python(dir.path(), &[], &["-c", "import os\nos.rmdir('/data/nope')"], "");
    assert_eq!(raised.status.code(), Some(1));
    assert_eq!(
        text(&raised.stderr),
        "Traceback (most recent call last):\n  File \"<string>\", line 2, in <module>\n\
         FileNotFoundError: [Errno 2] No such file or directory: '/data/nope'\n"
    );
    let echo = python(dir.path(), &[], &["-c", "import sys; sys.stdout.write(sys.stdin.read().upper())"], "piped\n");
    assert_eq!(text(&echo.stdout), "PIPED\n");
    let missing = python(dir.path(), &[], &["no-such-script.py"], "");
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing.stderr));
    assert!(text(&missing.stderr).contains("can't open file 'no-such-script.py': [Errno 2] No such file or directory"));
}

#[test]
fn scripts_and_modules_in_a_grant_import_their_neighbours() {
    let dir = tempdir();
    std::fs::write(dir.path().join("helper.py"), "VALUE = 'from helper'\n").unwrap();
    std::fs::write(dir.path().join("main.py"), "import sys, helper\nprint(helper.VALUE, __file__, sys.argv)\n")
        .unwrap();
    let script = python(dir.path(), &[], &["main.py", "x"], "");
    assert_eq!(text(&script.stdout), "from helper /data/main.py ['main.py', 'x']\n", "{}", text(&script.stderr));
    let module = python(dir.path(), &[], &["-m", "main", "y"], "");
    assert_eq!(text(&module.stdout), "from helper /data/main.py ['/data/main.py', 'y']\n", "{}", text(&module.stderr));
    let stdlib = python(dir.path(), &[], &["-m", "json.tool"], "{\"b\": [1]}");
    assert_eq!(text(&stdlib.stdout), "{\n    \"b\": [\n        1\n    ]\n}\n", "{}", text(&stdlib.stderr));
}

#[test]
fn open_and_os_share_one_descriptor_space() {
    let dir = tempdir();
    let code = r#"
import os, tempfile
fd = os.open("f.txt", os.O_CREAT | os.O_WRONLY, 0o644)
with os.fdopen(fd, "w") as f:
    f.write("one\n")
with open("f.txt", "a") as f:
    os.write(f.fileno(), b"two\n")
    print(os.fstat(f.fileno()).st_size)
with tempfile.TemporaryFile(dir=".") as t:
    t.write(b"temp")
    t.seek(0)
    print(os.read(t.fileno(), 10))
print(open("f.txt").read().split())
"#;
    let out = python(dir.path(), &[], &["-c", code], "");
    assert_eq!(text(&out.stdout), "8\nb'temp'\n['one', 'two']\n", "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(dir.path().join("f.txt")).unwrap(), "one\ntwo\n");
}

#[test]
fn escapes_from_python_are_refused() {
    let (_base, _native, root) = two_trees();
    let code = r#"
import os
def attempt(label, fn, *args):
    try:
        fn(*args)
        print(label, "REACHED")
    except ImportError as e:
        print(label, "ImportError")
    except OSError as e:
        print(label, type(e).__name__, e.errno)
attempt("absolute", open, "/etc/passwd")
attempt("dotdot", open, "../outside/canary")
attempt("dotdot write", open, "../../outside/new", "w")
attempt("link out", open, "store/evil/canary")
os.symlink("../outside", "mine")
attempt("own link out", open, "mine/canary", "w")
attempt("proc", open, "/proc/self/environ")
attempt("ctypes", __import__, "ctypes")
attempt("system", os.system, "rm -rf /")
attempt("run", __import__("subprocess").run, ["rm", "-rf", "/data"])
print(sorted(os.listdir("/")))
"#;
    let out = python(&root, &[], &["-c", code], "");
    assert_eq!(
        text(&out.stdout),
        "absolute FileNotFoundError 2\ndotdot FileNotFoundError 2\ndotdot write FileNotFoundError 2\n\
         link out PermissionError 1\nown link out PermissionError 1\nproc FileNotFoundError 2\n\
         ctypes ImportError\nsystem PermissionError 1\nrun PermissionError 1\n['data']\n",
        "{}",
        text(&out.stderr)
    );
    let outside = root.parent().unwrap().join("outside");
    assert_eq!(std::fs::read_to_string(outside.join("canary")).unwrap(), "keep");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1, "nothing created outside");
}

#[test]
fn subprocess_popen_in_a_script_behaves_as_in_cpython() {
    let code = r#"
import os, signal, subprocess
p = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
print(p.communicate("hello\r\nthere\n", timeout=10), p.returncode)
p = subprocess.Popen(["sh", "-c", "echo a; echo b >&2; echo c"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
print(p.stdout.readline(), p.stdout.read(), p.stderr.read(), p.wait())
first = subprocess.Popen(["printf", "b\\na\\n"], stdout=subprocess.PIPE)
second = subprocess.Popen(["sort"], stdin=first.stdout, stdout=subprocess.PIPE)
first.stdout.close()
print(second.communicate()[0], first.wait())
p = subprocess.Popen(["sleep", "30"])
p.terminate()
print(p.wait())
p = subprocess.Popen(["sleep", "30"])
try:
    p.wait(timeout=0.2)
except subprocess.TimeoutExpired as e:
    print(e)
os.kill(p.pid, signal.SIGKILL)
print(p.wait())
with os.popen("echo via os.popen") as f:
    print(f.read().strip())
print(os.popen("exit 3").close())
print(subprocess.getstatusoutput("echo out; exit 2"), subprocess.getoutput("echo x"))
print(subprocess.run(["sh", "-c", "exit 4"]).returncode, subprocess.check_output(["echo", "checked"]))
try:
    subprocess.run(["sleep", "5"], timeout=0.2, capture_output=True)
except subprocess.TimeoutExpired as e:
    print(e)
try:
    subprocess.check_call(["sh", "-c", "kill -9 $$"])
except subprocess.CalledProcessError as e:
    print(e)
"#;
    let dir = tempdir();
    let native = Command::new("python3").args(["-c", code]).current_dir(dir.path()).output().unwrap();
    let allow = ["cat", "sh", "printf", "sort", "sleep", "echo"].map(|p| ["--allow-run", p]).concat();
    let inside = python(dir.path(), &allow, &["-c", code], "");
    assert!(native.status.success(), "{}", text(&native.stderr));
    assert_eq!(text(&inside.stdout), text(&native.stdout), "{}", text(&inside.stderr));
    assert_eq!(inside.status.code(), Some(0));
}

#[test]
fn limits_end_the_script_with_the_python_exception() {
    let dir = tempdir();
    let spin = python(dir.path(), &["--timeout", "1"], &["-c", "while True: pass"], "");
    assert_eq!(spin.status.code(), Some(3));
    assert!(text(&spin.stderr).starts_with("TimeoutError: "), "{}", text(&spin.stderr));
    // The cap refuses the allocation as an operating system would: the
    // script gets MemoryError, which it may catch, and goes on.
    let bomb = python(dir.path(), &["--memory", "128"], &["-c", "x = bytearray(1 << 30)"], "");
    assert_eq!(bomb.status.code(), Some(1));
    assert!(text(&bomb.stderr).ends_with("\nMemoryError\n"), "{}", text(&bomb.stderr));
    let caught = "try:\n    bytearray(1 << 30)\nexcept MemoryError:\n    print('caught', len(bytearray(1 << 20)))";
    let caught = python(dir.path(), &["--memory", "128"], &["-c", caught], "");
    assert_eq!((caught.status.code(), text(&caught.stdout)), (Some(0), "caught 1048576\n".to_string()));
    let ro = tempdir();
    std::fs::write(ro.path().join("keep"), "k").unwrap();
    let grant = format!("{}::/ro", ro.path().display());
    let write = python(dir.path(), &["--ro-dir", &grant], &["-c", "open('/ro/keep', 'w')"], "");
    assert!(text(&write.stderr).ends_with("OSError: [Errno 30] Read-only file system: '/ro/keep'\n"));
    assert_eq!(std::fs::read_to_string(ro.path().join("keep")).unwrap(), "k");
}

#[test]
fn the_library_runs_python_in_a_sandbox() {
    let dir = tempdir();
    let runtime = crate::harness::runtime();
    let sandbox = runtime.sandbox().dir(dir.path(), "/data").build().unwrap();
    let code = "import os, sys; os.makedirs('/data/a/b'); sys.exit(len(sys.argv))";
    let status = sandbox.python(&osbox::PythonMain::Code(code.into()), &["x", "y"]).unwrap();
    assert_eq!(status, 3);
    assert!(dir.path().join("a/b").is_dir());
}

#[test]
fn the_embedded_sources_are_every_file_the_build_reads() {
    let mut on_disk = Vec::new();
    for top in ["interpreter", "wit"] {
        let mut stack = vec![repo().join(top)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                let rel = p.strip_prefix(repo()).unwrap().to_string_lossy().into_owned();
                if p.is_dir() {
                    if !rel.contains("__pycache__") && !rel.ends_with(".venv") {
                        stack.push(p);
                    }
                } else if rel.ends_with(".py") || rel.ends_with(".wit") || rel.ends_with(".txt") {
                    on_disk.push(rel);
                }
            }
        }
    }
    on_disk.sort();
    let mut embedded: Vec<String> = osbox::python_sources().map(String::from).collect();
    embedded.sort();
    assert_eq!(embedded, on_disk);
}
