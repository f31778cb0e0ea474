//! Processes under the policy: only granted programs run, as the host
//! resolved them, in the sandbox's directories, with the sandbox's
//! environment, and never past the sandbox's time limit.

use std::time::{Duration, Instant};

use osbox::{ErrorKind, RunOptions};

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
