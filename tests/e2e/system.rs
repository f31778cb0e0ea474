//! System information and clocks through the Rust API.

use osbox::ErrorKind;

use crate::harness::runtime;

#[test]
fn pids_are_stable_per_sandbox_and_distinct_between_them() {
    let a = runtime().sandbox().build().unwrap();
    let b = runtime().sandbox().build().unwrap();
    let (pa1, pa2) = (a.os().unwrap().getpid().unwrap(), a.os().unwrap().getpid().unwrap());
    let pb = b.os().unwrap().getpid().unwrap();
    assert_eq!(pa1, pa2, "one sandbox, one pid");
    assert_ne!(pa1, pb);
    assert_eq!(a.os().unwrap().getppid().unwrap(), std::process::id() as i32, "the parent is the osbox host");
}

#[test]
fn clocks_follow_the_host() {
    let mut os = runtime().sandbox().build().unwrap().os().unwrap();
    let host_now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as i64;
    let guest_now = os.time().time_ns().unwrap();
    assert!((guest_now - host_now).abs() < 5_000_000_000, "wall clocks agree");
    let t0 = os.time().monotonic_ns().unwrap();
    os.time().sleep(0.02).unwrap();
    let t1 = os.time().monotonic_ns().unwrap();
    assert!(t1 - t0 >= 20_000_000, "sleep slept: {}", t1 - t0);
    let err = os.time().sleep(-1.0).unwrap_err();
    assert_eq!((err.kind(), err.message()), (ErrorKind::Value, "sleep length must be non-negative"));
    let t = os.time().gmtime(Some(0.0)).unwrap();
    assert_eq!((t.tm_year, t.tm_mon, t.tm_mday, t.tm_wday, t.tm_zone.as_str()), (1970, 1, 1, 3, "GMT"));
    assert_eq!(os.time().strftime("%Y-%m-%d %H:%M", Some(&t)).unwrap(), "1970-01-01 00:00");
}

#[test]
fn system_information_is_the_hosts() {
    let mut os = runtime().sandbox().build().unwrap().os().unwrap();
    let u = os.uname().unwrap();
    let host = rustix::system::uname();
    assert_eq!(u.sysname, host.sysname().to_string_lossy());
    assert_eq!(u.machine, host.machine().to_string_lossy());
    let cpus = std::thread::available_parallelism().unwrap().get() as u32;
    assert_eq!(os.cpu_count().unwrap(), Some(cpus));
    assert_eq!(os.urandom(32).unwrap().len(), 32);
    assert_ne!(os.urandom(32).unwrap(), os.urandom(32).unwrap());
    let err = os.get_terminal_size(1).unwrap_err();
    assert_eq!(err.message(), "[Errno 25] Inappropriate ioctl for device");
}
