//! Processes under the policy: only granted programs run, as the host
//! resolved them, in the sandbox's directories, with the sandbox's
//! environment, and never past the sandbox's time limit.

use std::time::{Duration, Instant};

use osbox::{ErrorKind, PopenOptions, Redirect, RunOptions, signal};

use crate::harness::{runtime, tempdir};

fn captured() -> RunOptions {
    RunOptions { capture_output: true, ..Default::default() }
}

#[test]
fn nothing_runs_unless_granted() {
    let dir = tempdir();
    let mut os = runtime().sandbox().dir(dir.path(), "/work").build().unwrap().os().unwrap();
    let err = os.subprocess().run(&["echo", "hi"], &captured()).unwrap_err();
    assert_eq!(
        (err.kind(), err.errno(), err.message()),
        (ErrorKind::Permission, Some(1), "[Errno 1] Operation not permitted: 'echo'")
    );
    let err = os.system("echo hi").unwrap_err();
    assert_eq!(err.message(), "[Errno 1] Operation not permitted: 'sh'", "no shell unless sh is granted");
    // Granting echo does not grant the shell, nor other names.
    let mut os = runtime().sandbox().dir(dir.path(), "/work").allow_run("echo").build().unwrap().os().unwrap();
    assert_eq!(os.subprocess().run(&["echo", "hi"], &captured()).unwrap().stdout.unwrap(), b"hi\n");
    assert_eq!(os.subprocess().run(&["/bin/echo", "hi"], &captured()).unwrap_err().kind(), ErrorKind::Permission);
    assert_eq!(os.subprocess().run(&["sh", "-c", "echo hi"], &captured()).unwrap_err().kind(), ErrorKind::Permission);
    assert_eq!(os.subprocess().run(&["./echo"], &captured()).unwrap_err().kind(), ErrorKind::Permission);
}

#[test]
fn the_granted_program_is_the_one_resolved_on_the_host() {
    // A program planted in the sandbox under a granted name, and PATH
    // pointing at it, change nothing: the host's echo runs.
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("bin")).unwrap();
    std::fs::write(dir.path().join("bin/echo"), "#!/bin/sh\necho planted\n").unwrap();
    let mut os = runtime()
        .sandbox()
        .dir(dir.path(), "/work")
        .env("PATH", "/work/bin")
        .allow_run("echo")
        .build()
        .unwrap()
        .os()
        .unwrap();
    let done = os.subprocess().run(&["echo", "--help-is-just-an-argument"], &captured()).unwrap();
    assert_eq!(done.stdout.unwrap(), b"--help-is-just-an-argument\n");
    let err = runtime().sandbox().allow_run("no-such-program-anywhere").build().err().unwrap();
    assert_eq!(err.kind(), ErrorKind::FileNotFound);
}

#[test]
fn children_see_the_sandbox_environment_and_directory_only() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/here.txt"), "inside").unwrap();
    // SAFETY: only this test reads this variable.
    unsafe { std::env::set_var("OSBOX_TEST_HOST_ONLY", "secret") };
    let mut os = runtime()
        .sandbox()
        .dir(dir.path(), "/work")
        .env("GRANTED", "yes")
        .allow_run("env")
        .allow_run("cat")
        .build()
        .unwrap()
        .os()
        .unwrap();
    let env = os.subprocess().run(&["env"], &captured()).unwrap().stdout.unwrap();
    assert_eq!(String::from_utf8(env).unwrap(), "GRANTED=yes\n");
    os.putenv("LATER", "1").unwrap();
    let env = os.subprocess().run(&["env"], &captured()).unwrap().stdout.unwrap();
    assert_eq!(String::from_utf8(env).unwrap(), "GRANTED=yes\nLATER=1\n", "putenv reaches children");
    os.chdir("/work/sub").unwrap();
    assert_eq!(os.subprocess().run(&["cat", "here.txt"], &captured()).unwrap().stdout.unwrap(), b"inside");
    let outside = RunOptions { cwd: Some("/".into()), ..captured() };
    assert_eq!(os.subprocess().run(&["cat", "here.txt"], &outside).unwrap_err().kind(), ErrorKind::FileNotFound);
}

#[test]
fn the_sandbox_time_limit_kills_children() {
    let dir = tempdir();
    let sandbox = runtime().sandbox().dir(dir.path(), "/work").allow_run("sleep");
    let mut os = sandbox.timeout(Duration::from_millis(300)).build().unwrap().os().unwrap();
    let started = Instant::now();
    let err = os.subprocess().run(&["sleep", "30"], &RunOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "the child was killed: {:?}", started.elapsed());
    let mut os = runtime().sandbox().dir(dir.path(), "/work").allow_run("sleep").build().unwrap().os().unwrap();
    // With pipes, CPython names the timeout as given; without, the time
    // that was left when it gave up (normalised in the differential cases).
    let err = os.subprocess().run(&["sleep", "30"], &RunOptions { timeout: Some(0.2), ..captured() }).unwrap_err();
    assert_eq!(
        (err.kind(), err.message()),
        (ErrorKind::TimeoutExpired, "Command '['sleep', '30']' timed out after 0.2 seconds")
    );
}

#[test]
fn wasi_commands_run_as_sandboxed_subprocesses() {
    let dir = tempdir();
    std::fs::write(dir.path().join("input.txt"), "from the grant").unwrap();
    let grant = format!("tool={}", crate::harness::test_command().display());
    let mut os = runtime()
        .sandbox()
        .dir(dir.path(), "/work")
        .env("GREETING", "hello")
        .allow_run(grant)
        .build()
        .unwrap()
        .os()
        .unwrap();
    let run = |os: &mut osbox::Os, args: &[&str], o: &RunOptions| os.subprocess().run(args, o).unwrap();
    let done = run(&mut os, &["tool", "echo", "these", "words"], &captured());
    assert_eq!((done.returncode, done.stdout.unwrap()), (0, b"echo these words\n".to_vec()));
    assert_eq!(run(&mut os, &["tool", "env"], &captured()).stdout.unwrap(), b"hello\n");
    let piped = RunOptions { input: Some(b"through stdin".to_vec()), ..captured() };
    assert_eq!(run(&mut os, &["tool", "cat"], &piped).stdout.unwrap(), b"through stdin");
    // WASI 0.2 carries only success or failure: exit(3) comes back as 1.
    let failed = run(&mut os, &["tool", "exit", "3"], &captured());
    assert_eq!((failed.returncode, failed.stderr.unwrap()), (1, b"exiting with 3\n".to_vec()));
    // It reaches the same grants, and nothing else.
    assert_eq!(run(&mut os, &["tool", "read", "/work/input.txt"], &captured()).stdout.unwrap(), b"from the grant");
    run(&mut os, &["tool", "write", "/work/made.txt", "by the child"], &captured());
    assert_eq!(std::fs::read_to_string(dir.path().join("made.txt")).unwrap(), "by the child");
    let outside = run(&mut os, &["tool", "read", "/etc/passwd"], &captured());
    assert_eq!((outside.returncode, outside.stdout.unwrap()), (1, Vec::new()), "no host data");
    // A child that never ends is killed at its timeout.
    let err = os.subprocess().run(&["tool", "spin"], &RunOptions { timeout: Some(0.2), ..captured() }).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimeoutExpired);
    assert_eq!(os.getcwd().unwrap(), "/work", "the parent goes on");
}

/// How many processes run with exactly this command line (`pgrep -fx`).
fn running(command_line: &str) -> usize {
    let out = std::process::Command::new("pgrep").args(["-fx", command_line]).output().expect("pgrep runs");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// Waits (a little) until `n` processes run `command_line`: starting and
/// ending take the kernel a moment.
fn settle(command_line: &str, n: usize) -> usize {
    let started = Instant::now();
    while running(command_line) != n && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    running(command_line)
}

fn piped() -> PopenOptions {
    PopenOptions { stdin: Redirect::Pipe, stdout: Redirect::Pipe, ..Default::default() }
}

#[test]
fn popen_talks_to_its_child_through_pipes() {
    let dir = tempdir();
    let mut os =
        runtime().sandbox().dir(dir.path(), "/w").allow_run("cat").allow_run("sh").build().unwrap().os().unwrap();
    let cat = os.subprocess().popen(&["cat"], &piped()).unwrap();
    assert!(cat.pid() > 0);
    assert_eq!(cat.args(), ["cat"]);
    assert_eq!(cat.poll(&mut os).unwrap(), None, "it waits for its input");
    let stdin = *cat.stdin().unwrap();
    let stdout = *cat.stdout().unwrap();
    assert!(cat.stderr().is_none());
    assert_eq!(stdin.write(&mut os, b"one\ntwo\n").unwrap(), 8);
    stdin.flush(&mut os).unwrap();
    assert_eq!(stdout.readline(&mut os, -1).unwrap(), b"one\n", "the child answers while it runs");
    stdin.close(&mut os).unwrap();
    assert_eq!(stdout.read(&mut os, -1).unwrap(), b"two\n");
    assert_eq!(cat.wait(&mut os, None).unwrap(), 0);
    assert_eq!(cat.returncode(&mut os).unwrap(), Some(0));
    // Writing a closed pipe is CPython's ValueError.
    let err = stdin.write(&mut os, b"late").unwrap_err();
    assert_eq!((err.kind(), err.message()), (ErrorKind::Value, "write to closed file"));

    // communicate: input in, both outputs back, in text mode as str.
    let options = PopenOptions { stderr: Redirect::Pipe, text: true, ..piped() };
    let sh = os.subprocess().popen(&["sh", "-c", "cat; echo oops >&2; exit 3"], &options).unwrap();
    let (out, err) = sh.communicate(&mut os, Some("a\r\nb".as_bytes()), Some(5.0)).unwrap();
    assert_eq!((out.unwrap(), err.unwrap()), (b"a\nb".to_vec(), b"oops\n".to_vec()));
    assert_eq!(sh.returncode(&mut os).unwrap(), Some(3));
}

#[test]
fn a_pipeline_connects_one_childs_output_to_the_next() {
    let dir = tempdir();
    let mut os =
        runtime().sandbox().dir(dir.path(), "/w").allow_run("printf").allow_run("sort").build().unwrap().os().unwrap();
    let out = PopenOptions { stdout: Redirect::Pipe, ..Default::default() };
    let first = os.subprocess().popen(&["printf", "b\\nc\\na\\n"], &out).unwrap();
    let feed = *first.stdout().unwrap();
    let sort = os.subprocess().popen(&["sort"], &PopenOptions { stdin: Redirect::Stream(feed), ..out }).unwrap();
    feed.close(&mut os).unwrap();
    assert_eq!(sort.communicate(&mut os, None, None).unwrap().0.unwrap(), b"a\nb\nc\n");
    assert_eq!(first.wait(&mut os, None).unwrap(), 0);
}

#[test]
fn a_child_writes_into_a_descriptor_of_the_sandbox() {
    let dir = tempdir();
    let mut os = runtime().sandbox().dir(dir.path(), "/w").allow_run("echo").build().unwrap().os().unwrap();
    let fd = os.open("/w/log.txt", 0o1 | 0o100 | 0o2000, 0o644).unwrap(); // O_WRONLY | O_CREAT | O_APPEND
    os.write(fd, b"first\n").unwrap();
    let options = PopenOptions { stdout: Redirect::Fd(fd), ..Default::default() };
    let echo = os.subprocess().popen(&["echo", "from the child"], &options).unwrap();
    assert_eq!(echo.wait(&mut os, None).unwrap(), 0);
    assert_eq!(std::fs::read_to_string(dir.path().join("log.txt")).unwrap(), "first\nfrom the child\n");
}

#[test]
fn signals_end_children_with_minus_the_signal() {
    let dir = tempdir();
    let mut os = runtime().sandbox().dir(dir.path(), "/w").allow_run("sleep").build().unwrap().os().unwrap();
    let none = PopenOptions::default();
    type Signal = fn(&osbox::Popen, &mut osbox::Os);
    let cases: [(Signal, i32); 3] = [
        (|p, os| p.terminate(os).unwrap(), -signal::SIGTERM),
        (|p, os| p.kill(os).unwrap(), -signal::SIGKILL),
        (|p, os| p.send_signal(os, signal::SIGUSR1).unwrap(), -signal::SIGUSR1),
    ];
    for (send, returncode) in cases {
        let p = os.subprocess().popen(&["sleep", "30"], &none).unwrap();
        send(&p, &mut os);
        assert_eq!(p.wait(&mut os, None).unwrap(), returncode);
        // Once it has been waited for, a signal does nothing.
        p.kill(&mut os).unwrap();
    }
    let p = os.subprocess().popen(&["sleep", "30"], &none).unwrap();
    let err = p.wait(&mut os, Some(0.25)).unwrap_err();
    assert_eq!(
        (err.kind(), err.message()),
        (ErrorKind::TimeoutExpired, "Command '['sleep', '30']' timed out after 0.25 seconds")
    );
    let err = p.send_signal(&mut os, 99).unwrap_err();
    assert_eq!((err.kind(), err.errno()), (ErrorKind::OsError, Some(22)));
    p.kill(&mut os).unwrap();
    let done = os.subprocess().run(&["sleep", "30"], &RunOptions { check: true, timeout: Some(0.1), ..captured() });
    assert_eq!(done.unwrap_err().kind(), ErrorKind::TimeoutExpired);
}

#[test]
fn os_kill_reaches_only_the_sandboxs_own_children() {
    let dir = tempdir();
    let sandbox = runtime().sandbox().dir(dir.path(), "/w").allow_run("sleep").build().unwrap();
    let (mut os, mut other) = (sandbox.os().unwrap(), sandbox.os().unwrap());
    let theirs = other.subprocess().popen(&["sleep", "30"], &PopenOptions::default()).unwrap();
    let ours = os.subprocess().popen(&["sleep", "30"], &PopenOptions::default()).unwrap();
    for pid in [1, std::process::id() as i32, theirs.pid(), -theirs.pid(), 0, -1, 999_999_999] {
        let err = os.kill(pid, signal::SIGKILL).unwrap_err();
        assert_eq!(
            (err.kind(), err.errno(), err.message()),
            (ErrorKind::ProcessLookup, Some(3), "[Errno 3] No such process"),
            "pid {pid}"
        );
    }
    os.kill(ours.pid(), 0).unwrap();
    os.kill(ours.pid(), signal::SIGTERM).unwrap();
    assert_eq!(ours.wait(&mut os, None).unwrap(), -signal::SIGTERM);
    assert_eq!(os.kill(ours.pid(), 0).unwrap_err().kind(), ErrorKind::ProcessLookup, "waited for: gone");
    assert_eq!(theirs.poll(&mut other).unwrap(), None, "the other sandbox's child ran on");
    theirs.kill(&mut other).unwrap();
}

#[test]
fn getoutput_getstatusoutput_and_os_popen() {
    let dir = tempdir();
    let mut os = runtime().sandbox().dir(dir.path(), "/w").allow_run("sh").build().unwrap().os().unwrap();
    assert_eq!(os.subprocess().getoutput("echo out; echo err >&2").unwrap(), "out\nerr");
    assert_eq!(os.subprocess().getstatusoutput("echo x; exit 2").unwrap(), (2, "x".to_string()));
    let reading = os.popen("echo hi; exit 3", "r", -1).unwrap();
    assert_eq!(reading.stream().read(&mut os, -1).unwrap(), b"hi\n");
    assert_eq!(reading.close(&mut os).unwrap(), Some(3 << 8));
    let writing = os.popen("cat > made.txt", "w", -1).unwrap();
    writing.stream().write(&mut os, b"through os.popen\n").unwrap();
    assert_eq!(writing.close(&mut os).unwrap(), None);
    assert_eq!(std::fs::read_to_string(dir.path().join("made.txt")).unwrap(), "through os.popen\n");
    assert_eq!(os.popen("true", "x", -1).unwrap_err().message(), "invalid mode 'x'");
}

#[test]
fn the_time_limit_ends_the_whole_process_tree() {
    let dir = tempdir();
    let sandbox = runtime().sandbox().dir(dir.path(), "/w").allow_run("sh").timeout(Duration::from_millis(800));
    let mut os = sandbox.build().unwrap().os().unwrap();
    let err = os.system("sleep 79.101 & sleep 79.101 & wait").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(settle("sleep 79.101", 0), 0, "the shell's background jobs ended with it");
}

#[test]
fn the_end_of_the_sandbox_ends_the_whole_process_tree() {
    let dir = tempdir();
    let mut os = runtime().sandbox().dir(dir.path(), "/w").allow_run("sh").build().unwrap().os().unwrap();
    let tree = os.subprocess().popen(&["sh", "-c", "sleep 79.102 & sleep 79.102 & wait"], &PopenOptions::default());
    tree.unwrap();
    assert_eq!(settle("sleep 79.102", 2), 2, "the tree runs");
    drop(os);
    assert_eq!(settle("sleep 79.102", 0), 0, "the tree ended with the sandbox");
}

#[test]
fn command_components_are_children_with_pipes_and_signals() {
    let grant = format!("tool={}", crate::harness::test_command().display());
    let dir = tempdir();
    let mut os = runtime().sandbox().dir(dir.path(), "/w").allow_run(grant).build().unwrap().os().unwrap();
    let cat = os.subprocess().popen(&["tool", "cat"], &piped()).unwrap();
    assert!(cat.pid() >= 1 << 22, "a number no host process has: {}", cat.pid());
    let (out, _) = cat.communicate(&mut os, Some(b"into the component"), Some(10.0)).unwrap();
    assert_eq!(out.unwrap(), b"into the component");
    assert_eq!(cat.returncode(&mut os).unwrap(), Some(0));
    let spin = os.subprocess().popen(&["tool", "spin"], &PopenOptions::default()).unwrap();
    spin.send_signal(&mut os, signal::SIGCHLD).unwrap();
    assert_eq!(spin.poll(&mut os).unwrap(), None, "a signal that ends nothing by default does nothing");
    assert_eq!(spin.wait(&mut os, Some(0.1)).unwrap_err().kind(), ErrorKind::TimeoutExpired);
    os.kill(spin.pid(), signal::SIGTERM).unwrap();
    assert_eq!(spin.wait(&mut os, None).unwrap(), -signal::SIGTERM);
    // A component blocked reading its input is ended too.
    let blocked = os.subprocess().popen(&["tool", "cat"], &piped()).unwrap();
    blocked.kill(&mut os).unwrap();
    assert_eq!(blocked.wait(&mut os, None).unwrap(), -signal::SIGKILL);
}
