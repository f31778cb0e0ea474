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
fn a_memory_cap_gives_memory_error_and_the_runtime_goes_on() {
    let sandbox = runtime().sandbox().memory_limit(16 << 20).build().unwrap();
    let mut os = sandbox.os().unwrap();
    assert_eq!(os.urandom(1 << 20).unwrap().len(), 1 << 20, "within the cap");
    let err = os.urandom(100 << 20).unwrap_err();
    assert_eq!((err.kind(), err.message()), (ErrorKind::Memory, "the sandbox's memory cap (16 MiB) was reached"));
    assert_eq!(os.getcwd().unwrap_err().kind(), ErrorKind::Sandbox);
    let mut fresh = runtime().sandbox().build().unwrap().os().unwrap();
    // Without a cap, what cannot be allocated at all is MemoryError, and the
    // instance goes on.
    assert_eq!(fresh.urandom(1 << 40).unwrap_err().kind(), ErrorKind::Memory);
    assert_eq!(fresh.urandom(100 << 20).unwrap().len(), 100 << 20, "no cap, no limit");
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
