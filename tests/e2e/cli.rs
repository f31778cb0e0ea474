//! The `osbox` command: exec as PROTOCOL.md specifies it, and call.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::harness::{repo, tempdir};

fn osbox(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_osbox"))
        .args(args)
        .env_remove("OSBOX_CACHE_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("osbox runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn grant(dir: &Path, guest: &str) -> String {
    format!("{}::{guest}", dir.display())
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn exec_answers_the_protocol_example_session_exactly() {
    let dir = tempdir();
    let out = osbox(
        &["--dir", &grant(dir.path(), "/work"), "exec"],
        concat!(
            r#"{"call":"os.makedirs","args":["a/b"]}"#,
            "\n",
            r#"{"call":"os.listdir","args":["a"]}"#,
            "\n",
            r#"{"call":"os.rmdir","args":["a"]}"#,
            "\n",
        ),
    );
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        concat!(
            "{\"ok\":null}\n",
            "{\"ok\":[\"b\"]}\n",
            "{\"error\":{\"type\":\"OSError\",\"errno\":39,\"strerror\":\"Directory not empty\",\"filename\":\"a\",\"filename2\":null,\"message\":\"[Errno 39] Directory not empty: 'a'\"}}\n",
        )
    );
}

#[test]
fn exec_skips_blank_lines_and_survives_bad_ones() {
    let dir = tempdir();
    let out = osbox(
        &["--dir", &grant(dir.path(), "/work"), "exec", "-"],
        "\n{not json\n[1]\n\n{\"id\":9,\"call\":\"os.getcwd\"}\n",
    );
    assert!(out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].contains("\"type\":\"ValueError\"") && lines[0].contains("not valid JSON"));
    assert!(lines[1].contains("not a JSON object"));
    assert_eq!(lines[2], r#"{"id":9,"ok":"/work"}"#);
}

#[test]
fn exec_reads_requests_from_a_file() {
    let dir = tempdir();
    let file = dir.path().join("requests.jsonl");
    std::fs::write(&file, "{\"call\":\"os.mkdir\",\"args\":[\"made\"]}\n").unwrap();
    let out = osbox(&["--dir", &grant(dir.path(), "/work"), "exec", file.to_str().unwrap()], "");
    assert_eq!(stdout(&out), "{\"ok\":null}\n");
    assert!(dir.path().join("made").is_dir());
}

#[test]
fn exec_that_cannot_set_up_fails_with_a_last_line() {
    let out = osbox(&["--dir", "/definitely/not/here::/work", "exec"], "{\"call\":\"os.getcwd\"}\n");
    assert!(!out.status.success());
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1);
    assert!(text.contains("FileNotFoundError"), "{text}");
}

#[test]
fn state_carries_across_lines() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let out = osbox(
        &["--dir", &grant(dir.path(), "/work"), "--env", "A=1", "exec"],
        "{\"call\":\"os.chdir\",\"args\":[\"sub\"]}\n{\"call\":\"os.environ.__setitem__\",\"args\":[\"B\",\"2\"]}\n{\"call\":\"os.getcwd\"}\n{\"call\":\"os.environ\"}\n",
    );
    assert_eq!(
        stdout(&out),
        "{\"ok\":null}\n{\"ok\":null}\n{\"ok\":\"/work/sub\"}\n{\"ok\":{\"A\":\"1\",\"B\":\"2\"}}\n"
    );
}

#[test]
fn call_stat_of_a_missing_path_fails_with_the_python_message() {
    let out = osbox(&["call", "os.stat", "/work/nope"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "FileNotFoundError: [Errno 2] No such file or directory: '/work/nope'\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn call_walk_prints_a_tree_of_the_sample() {
    let sample = repo().join("examples/sample-tree");
    let out = osbox(&["--ro-dir", &grant(&sample, "/sample"), "call", "os.walk", "/sample"], "");
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.starts_with("/sample\n├── config/\n│   └── settings.toml\n"), "{text}");
    assert!(text.contains("│   ├── util/\n│   │   ├── __init__.py\n"), "{text}");
    assert!(text.ends_with("└── README.txt\n"), "{text}");
}

#[test]
fn call_parses_json_arguments_and_prints_json_on_request() {
    let dir = tempdir();
    let g = grant(dir.path(), "/work");
    let out = osbox(&["--dir", &g, "call", "os.makedirs", "x/y", "-k", "exist_ok=true"], "");
    assert!(out.status.success());
    assert!(dir.path().join("x/y").is_dir());
    let out = osbox(&["--dir", &g, "call", "--json", "os.path.split", "/work/x/y"], "");
    assert_eq!(stdout(&out), "{\"ok\":[\"/work/x\",\"y\"]}\n");
    let out = osbox(&["--dir", &g, "call", "os.path.join", "a", "1"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("TypeError: join() argument must be str, bytes, or os.PathLike object, not 'int'")
    );
    let out = osbox(&["--dir", &g, "call", "os.scandir", "/work"], "");
    assert!(stdout(&out).starts_with("NAME  TYPE   INODE\nx     dir  "), "{}", stdout(&out));
    let out = osbox(&["--dir", &g, "call", "os.stat", "/work/x"], "");
    assert!(stdout(&out).contains("st_mode      16877 (0o40755)"), "{}", stdout(&out));
}

#[test]
fn call_of_an_unknown_function_is_attribute_error() {
    let out = osbox(&["call", "os.fork"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "AttributeError: module 'os' has no attribute 'fork'\n");
}

#[test]
fn warm_start_reuses_the_compiled_guest() {
    // The first run may compile; the second must find the cache.
    let cache = tempdir();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_osbox"))
            .args(["call", "os.sep"])
            .env("OSBOX_CACHE_DIR", cache.path())
            .output()
            .unwrap()
    };
    assert_eq!(run().stdout, b"/\n");
    let entries: Vec<_> = std::fs::read_dir(cache.path()).unwrap().flatten().collect();
    assert_eq!(entries.len(), 1, "one compiled guest in the cache");
    let before = entries[0].metadata().unwrap().modified().unwrap();
    assert_eq!(run().stdout, b"/\n");
    let after =
        std::fs::read_dir(cache.path()).unwrap().flatten().next().unwrap().metadata().unwrap().modified().unwrap();
    assert_eq!(before, after, "the second run read the cache instead of rewriting it");
}

#[test]
fn tree_operations_show_progress_on_a_terminal_only() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    for i in 0..400 {
        std::fs::write(dir.path().join(format!("src/f{i}")), "x").unwrap();
    }
    let g = grant(dir.path(), "/w");
    // Not a terminal: only the result.
    let out = osbox(&["--dir", &g, "call", "shutil.copytree", "/w/src", "/w/plain"], "");
    assert_eq!(stdout(&out), "/w/plain\n");
    assert!(out.stderr.is_empty());
    // On a terminal (script gives the command a pseudo-terminal).
    let cmd = format!("{} --dir {g} call shutil.copytree /w/src /w/shown", env!("CARGO_BIN_EXE_osbox"));
    let out = Command::new("script").args(["-qec", &cmd, "/dev/null"]).output().expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("copying") && text.contains("files"), "{text}");
    assert!(text.trim_end().ends_with("/w/shown"), "{text}");
}

#[test]
fn exec_ends_with_the_error_that_ended_the_sandbox() {
    let out = osbox(
        &["--timeout", "0.3", "exec"],
        "{\"call\":\"os.getcwd\"}\n{\"call\":\"time.sleep\",\"args\":[30]}\n{\"call\":\"os.getcwd\"}\n",
    );
    assert_eq!(out.status.code(), Some(3));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].contains("\"type\":\"TimeoutError\""), "{text}");
}

#[test]
fn exec_answers_a_value_too_big_for_the_memory_cap_and_goes_on() {
    let out = osbox(
        &["--memory", "16", "exec"],
        "{\"call\":\"os.urandom\",\"args\":[104857600]}\n{\"call\":\"os.getcwd\"}\n",
    );
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("\"type\":\"MemoryError\""), "{text}");
    assert_eq!(lines[1], "{\"ok\":\"/\"}");
}

/// How many processes run with exactly this command line.
fn running(command_line: &str) -> usize {
    let out = Command::new("pgrep").args(["-fx", command_line]).output().expect("pgrep runs");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// Waits (a little) until `n` processes run `command_line`.
fn settle(command_line: &str, n: usize) -> usize {
    let started = std::time::Instant::now();
    while running(command_line) != n && started.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    running(command_line)
}

fn send(signal: &str, child: &std::process::Child) {
    Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
}

#[test]
fn sigint_sigterm_and_sighup_stop_osbox_and_the_process_trees_it_started() {
    let dir = tempdir();
    for (signal, code, marker) in [("INT", 130, "31.4159"), ("TERM", 143, "31.4158"), ("HUP", 129, "31.4157")] {
        let sleep = format!("sleep {marker}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_osbox"))
            .args(["--dir", &grant(dir.path(), "/w"), "--allow-run", "sh", "exec"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // A shell with two jobs in the background, waiting for them.
        let request = format!("{{\"call\":\"os.system\",\"args\":[\"{sleep} & {sleep} & wait\"]}}\n");
        child.stdin.as_mut().unwrap().write_all(request.as_bytes()).unwrap();
        assert_eq!(settle(&sleep, 2), 2, "the tree runs");
        send(signal, &child);
        assert_eq!(child.wait().unwrap().code(), Some(code), "SIG{signal}: 128 + {code}");
        assert_eq!(settle(&sleep, 0), 0, "SIG{signal}: the whole tree ended with osbox");
    }
}

#[test]
fn children_of_osbox_start_with_no_signal_blocked_or_ignored() {
    // osbox blocks the signals it stops on; its children must not inherit
    // that: SIGTERM ends a child, a broken pipe ends a writer.
    let dir = tempdir();
    let out = osbox(
        &["--dir", &grant(dir.path(), "/w"), "--allow-run", "sleep", "--allow-run", "sh", "exec"],
        concat!(
            r#"{"call":"subprocess.Popen","args":[["sleep","30"]]}"#,
            "\n",
            r#"{"call":"subprocess.Popen.terminate","args":[{"$obj":1}]}"#,
            "\n",
            r#"{"call":"subprocess.Popen.wait","args":[{"$obj":1}]}"#,
            "\n",
            r#"{"call":"subprocess.run","args":[["sh","-c","(yes; echo $? >&2) | head -c 1 >/dev/null"]],"kwargs":{"capture_output":true}}"#,
            "\n",
        ),
    );
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines[2], "{\"ok\":-15}", "{lines:?}");
    // 141: `yes` died of SIGPIPE (128 + 13) when its reader went.
    assert!(lines[3].contains(r#""stderr":{"$bytes":"MTQxCg=="}"#), "{lines:?}");
}

#[test]
fn a_signal_to_osbox_during_a_copy_leaves_no_partial_file() {
    let dir = tempdir();
    // A large sparse source copied over an existing file: the copy goes to
    // a file of its own, put in place when complete.
    std::fs::File::create(dir.path().join("big")).unwrap().set_len(16 << 30).unwrap();
    std::fs::write(dir.path().join("dst"), "old").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_osbox"))
        .args(["--dir", &grant(dir.path(), "/w"), "call", "shutil.copyfile", "/w/big", "/w/dst"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The copy is under way once osbox holds a file in the grant that is
    // not one of the two (an unnamed file, or one beside the destination).
    let fds = format!("/proc/{}/fd", child.id());
    let copying = || {
        std::fs::read_dir(&fds).into_iter().flatten().flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|target| {
                target.starts_with(dir.path())
                    && target.file_name().is_some_and(|n| n != "big" && n != "dst")
                    && target.parent() == Some(dir.path())
            })
        })
    };
    let started = std::time::Instant::now();
    while !copying() && started.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert!(copying(), "the copy started");
    send("TERM", &child);
    assert_eq!(child.wait().unwrap().code(), Some(143));
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["big", "dst"], "no partial copy beside the destination");
    assert_eq!(std::fs::read_to_string(dir.path().join("dst")).unwrap(), "old");
}

#[test]
fn run_gives_a_command_component_the_sandbox_and_its_status() {
    let dir = tempdir();
    std::fs::write(dir.path().join("in.txt"), "granted\n").unwrap();
    let cmd = crate::harness::test_command().to_str().unwrap();
    let g = grant(dir.path(), "/d");
    let o = osbox(&["--dir", &g, "--env", "GREETING=hi", "run", cmd, "read", "/d/in.txt"], "");
    assert!(o.status.success(), "{o:?}");
    assert_eq!(stdout(&o), "granted\n");
    let o = osbox(&["--dir", &g, "--env", "GREETING=hi", "run", cmd, "env"], "");
    assert_eq!(stdout(&o), "hi\n");
    // Arguments that look like options belong to the component.
    let o = osbox(&["run", cmd, "--dir", "/", "-x"], "");
    assert_eq!(stdout(&o), "--dir / -x\n");
    let o = osbox(&["--dir", &g, "run", cmd, "write", "/d/out.txt", "made"], "");
    assert!(o.status.success());
    assert_eq!(std::fs::read_to_string(dir.path().join("out.txt")).unwrap(), "made");
    // Nothing but the grant: the host's files do not exist for it.
    let o = osbox(&["--dir", &g, "run", cmd, "read", "/etc/passwd"], "");
    assert_eq!(o.status.code(), Some(1));
    let o = osbox(&["run", cmd, "exit", "7"], "");
    assert_eq!(o.status.code(), Some(1), "WASI 0.2 exits are success or failure");
    let o = osbox(&["run", cmd, "cat"], "piped in");
    assert_eq!(stdout(&o), "piped in");
}

#[test]
fn run_ends_with_the_sandbox_limits_and_refuses_what_is_not_a_command() {
    let cmd = crate::harness::test_command().to_str().unwrap();
    let o = osbox(&["--timeout", "0.3", "run", cmd, "spin"], "");
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("TimeoutError: the sandbox's time limit was reached"), "{o:?}");
    let o = osbox(&["--memory", "1", "run", cmd, "hello"], "");
    assert_eq!(o.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("MemoryError: the sandbox's memory cap (1 MiB) was reached"),
        "{o:?}"
    );

    let dir = tempdir();
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, "not wasm").unwrap();
    let o = osbox(&["run", junk.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a WebAssembly component"), "{o:?}");
    // The osbox component itself exports no wasi:cli/run.
    let guest = dir.path().join("osbox.wasm");
    assert!(osbox(&["guest", "-o", guest.to_str().unwrap()], "").status.success());
    let o = osbox(&["run", guest.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot run the component"), "{o:?}");
    // compose refuses a component that imports nothing of the surface.
    let out = dir.path().join("c.wasm");
    let o = osbox(&["compose", cmd, "-o", out.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("imports nothing of the os surface"), "{o:?}");
    assert!(!out.exists());
}
