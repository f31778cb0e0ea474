//! Time and memory limits: the call that crosses one fails with the Python
//! error, the instance ends, and the runtime keeps serving new sandboxes.

use std::time::{Duration, Instant};

use osbox::ErrorKind;

use crate::harness::runtime;

#[test]
fn a_timeout_ends_a_long_call_and_the_instance() {
    let sandbox = runtime().sandbox().timeout(Duration::from_millis(300)).build().unwrap();
    let mut os = sandbox.os().unwrap();
    assert_eq!(os.getcwd().unwrap(), "/");
    let started = Instant::now();
    let err = os.time().sleep(30.0).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "the limit cut the sleep short: {:?}", started.elapsed());
    let after = os.getcwd().unwrap_err();
    assert_eq!(after.kind(), ErrorKind::Sandbox, "the instance has ended");
    assert_eq!(os.died().map(|e| e.kind()), Some(ErrorKind::Timeout));
    // The runtime, and the same policy, serve a new instance.
    assert_eq!(sandbox.os().unwrap().getcwd().unwrap(), "/");
}

#[test]
fn values_too_big_for_the_memory_cap_are_memory_error_and_the_sandbox_goes_on() {
    let dir = crate::harness::tempdir();
    std::fs::write(dir.path().join("small"), "x").unwrap();
    let sandbox = runtime().sandbox().dir(dir.path(), "/w").memory_limit(32 << 20).build().unwrap();
    let mut os = sandbox.os().unwrap();
    assert_eq!(os.urandom(1 << 20).unwrap().len(), 1 << 20, "within the cap");
    // A result the guest cannot hold: refused before it is made.
    assert_eq!(os.urandom(100 << 20).unwrap_err().kind(), ErrorKind::Memory);
    // A read's buffer, allocated first as CPython does.
    let fd = os.open("/w/small", 0, 0).unwrap();
    assert_eq!(os.read(fd, 1 << 40).unwrap_err().kind(), ErrorKind::Memory);
    assert_eq!(os.read(fd, 100 << 20).unwrap_err().kind(), ErrorKind::Memory);
    // An argument the guest cannot hold: refused before the guest runs.
    let err = os.write(fd, &vec![7u8; 64 << 20]).unwrap_err();
    assert_eq!((err.kind(), err.message()), (ErrorKind::Memory, "the sandbox's memory cap (32 MiB) was reached"));
    // The instance lives on, its descriptors with it.
    assert_eq!(os.read(fd, 10).unwrap(), b"x");
    assert_eq!(os.getcwd().unwrap(), "/w");
    assert!(os.died().is_none());
    // Without a cap, what cannot be allocated at all is MemoryError too.
    let mut fresh = runtime().sandbox().build().unwrap().os().unwrap();
    assert_eq!(fresh.urandom(1 << 40).unwrap_err().kind(), ErrorKind::Memory);
    assert_eq!(fresh.urandom(100 << 20).unwrap().len(), 100 << 20, "no cap, no limit");
}

/// Listings the host holds for the Rust API (a walk's names) count against
/// the memory cap as they would in the guest: a walk that would hold more
/// is MemoryError, ends there, and the sandbox goes on.
#[test]
fn listings_held_for_the_caller_count_against_the_memory_cap() {
    let dir = crate::harness::tempdir();
    let a = dir.path().join("a");
    std::fs::create_dir(&a).unwrap();
    for i in 0..200 {
        std::fs::write(a.join(format!("{i:03}{}", "n".repeat(200))), "").unwrap();
    }
    // Followed, two links up make a tree that doubles at each level (to
    // Linux's 40 links in a path): far more listings of `a`, 50 KiB each,
    // than the cap holds.
    std::os::unix::fs::symlink("..", a.join("up")).unwrap();
    std::os::unix::fs::symlink("..", a.join("up2")).unwrap();
    let sandbox = runtime().sandbox().dir(dir.path(), "/w").memory_limit(16 << 20).build().unwrap();
    let mut os = sandbox.os().unwrap();
    let follow = osbox::WalkOptions { followlinks: true, ..Default::default() };
    let err = os.walk("/w", follow).unwrap_err();
    assert_eq!((err.kind(), err.message()), (ErrorKind::Memory, ""), "{err}");
    // Not followed, the same tree is two steps; the sandbox went on.
    assert_eq!(os.walk("/w", osbox::WalkOptions::default()).unwrap().len(), 2);
    assert!(os.died().is_none());
}

/// A walk lists a directory's subdirectories together, in host calls the
/// time limit cannot interrupt: each is kept short, so a tree that makes
/// them huge (2,000 links to `.`, followed: 2,000 subdirectories of 2,000
/// entries at every level) still ends at the limits, promptly.
#[test]
fn a_walk_ends_at_the_limits_however_wide_the_tree() {
    let dir = crate::harness::tempdir();
    let d = dir.path().join("d");
    std::fs::create_dir(&d).unwrap();
    for i in 0..2000 {
        std::os::unix::fs::symlink(".", d.join(format!("l{i}"))).unwrap();
    }
    let sandbox = runtime()
        .sandbox()
        .dir(dir.path(), "/w")
        .memory_limit(64 << 20)
        .timeout(Duration::from_millis(1000))
        .build()
        .unwrap();
    let mut os = sandbox.os().unwrap();
    let started = Instant::now();
    let err = os.walk("/w/d", osbox::WalkOptions { followlinks: true, ..Default::default() }).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Timeout | ErrorKind::Memory), "{err}");
    assert!(started.elapsed() < Duration::from_secs(4), "ended after {:?}", started.elapsed());
}

/// wasmtime bounds what one host call may copy out of a guest (128 MiB by
/// default); osbox bounds it by what the guest may hold, so large but
/// legitimate values cross.
#[test]
fn large_values_cross_the_boundary_without_ending_the_sandbox() {
    let dir = crate::harness::tempdir();
    let mut os = runtime().sandbox().dir(dir.path(), "/w").build().unwrap().os().unwrap();
    assert_eq!(os.urandom(200_000_000).unwrap().len(), 200_000_000);
    let fd = os.open("/w/big", 0o101, 0o644).unwrap();
    let data: Vec<u8> = (0..150u32 << 20).map(|i| (i % 251) as u8).collect();
    assert_eq!(os.write(fd, &data).unwrap(), data.len() as u64);
    os.close(fd).unwrap();
    assert_eq!(std::fs::metadata(dir.path().join("big")).unwrap().len(), data.len() as u64);
    // A read of a file bigger than the old 64 MiB piece returns all of it,
    // as CPython's does (Linux reads up to 0x7ffff000 bytes at once).
    let fd = os.open("/w/big", 0, 0).unwrap();
    let back = os.read(fd, 200 << 20).unwrap();
    assert_eq!(back.len(), data.len());
    assert!(back == data);
    assert_eq!(os.getcwd().unwrap(), "/w");
}

#[test]
fn a_guest_spinning_forever_is_stopped_while_other_sandboxes_go_on() {
    let program = runtime().program(&std::fs::read(crate::harness::test_command()).unwrap()).unwrap();
    let spinning = runtime().sandbox().timeout(Duration::from_millis(1500)).build().unwrap();
    let started = Instant::now();
    let spinner = std::thread::spawn(move || spinning.run(&program, &["cmd", "spin"]));
    // Meanwhile the runtime serves other sandboxes as usual.
    let dir = crate::harness::tempdir();
    let others = runtime().sandbox().dir(dir.path(), "/w").build().unwrap();
    for i in 0..50 {
        let mut os = others.os().unwrap();
        os.mkdir(format!("/w/{i}"), 0o777).unwrap();
    }
    let served = started.elapsed();
    let err = spinner.join().unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(served < Duration::from_millis(1500), "50 instances served while it spun: {served:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 50);
}

/// Runs the osbox command to its end: its exit code, its standard output,
/// and the most memory it held (its peak resident size, in MiB).
fn osbox_peak(args: &[&str]) -> (Option<i32>, String, u64) {
    use std::io::Read;
    // Waited for with wait4 below, which gives its resource usage too.
    #[allow(clippy::zombie_processes)]
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_osbox"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    // What it said on standard error, after what it answered.
    child.stderr.take().unwrap().read_to_string(&mut out).unwrap();
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    // SAFETY: wait4 writes the status and the usage of our own child.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(waited, child.id() as i32);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, out, usage.ru_maxrss as u64 / 1024)
}

#[test]
fn captured_output_counts_against_the_memory_cap() {
    // `yes` writes without end: what the sandbox holds of it is bounded by
    // its cap, past which the child is killed and the call is MemoryError.
    let dir = crate::harness::tempdir();
    let sandbox = runtime().sandbox().dir(dir.path(), "/w").allow_run("yes").memory_limit(64 << 20).build().unwrap();
    let mut os = sandbox.os().unwrap();
    let captured = osbox::RunOptions { capture_output: true, ..Default::default() };
    let err = os.subprocess().run(&["yes"], &captured).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Memory, "{err}");
    assert_eq!(os.getcwd().unwrap(), "/w", "the sandbox goes on");
    // The osbox process itself stays near the cap (the guest's 64 MiB and
    // the runtime), where it grew by gigabytes when output was unbounded.
    let grant = format!("{}::/w", dir.path().display());
    let (code, out, peak) = osbox_peak(&[
        "--dir",
        &grant,
        "--memory",
        "64",
        "--allow-run",
        "yes",
        "call",
        "--json",
        "subprocess.run",
        "[\"yes\"]",
        "-k",
        "capture_output=true",
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("\"type\":\"MemoryError\""), "{out}");
    assert!(peak < 512, "osbox held {peak} MiB");
}

#[test]
fn a_command_component_run_as_a_child_is_held_to_the_memory_cap() {
    let grant = format!("tool={}", crate::harness::test_command().display());
    let dir = crate::harness::tempdir();
    let sandbox = runtime().sandbox().dir(dir.path(), "/w").allow_run(&grant).memory_limit(64 << 20).build().unwrap();
    let mut os = sandbox.os().unwrap();
    let captured = osbox::RunOptions { capture_output: true, ..Default::default() };
    let done = os.subprocess().run(&["tool", "alloc"], &captured).unwrap();
    assert_eq!(done.returncode, -6, "it could not allocate past the cap and aborted");
    assert_eq!(done.stdout.unwrap(), b"", "it never held its gigabytes");
    let dir_grant = format!("{}::/w", dir.path().display());
    let (code, out, peak) = osbox_peak(&[
        "--dir",
        &dir_grant,
        "--memory",
        "64",
        "--allow-run",
        &grant,
        "call",
        "--json",
        "subprocess.call",
        "[\"tool\", \"alloc\"]",
    ]);
    assert_eq!((code, out.trim()), (Some(0), "{\"ok\":-6}"));
    assert!(peak < 512, "osbox held {peak} MiB");
}
