//! osbox's own signals: SIGINT, SIGTERM and SIGHUP are taken by one
//! thread (blocked in every other, so no handler runs in the middle of a
//! call), which stops what the sandbox is doing ([`osbox::interrupt`]: the
//! running call fails or traps, undoing what it made; the process trees of
//! its children are killed); osbox then exits with 128 + the signal, as a
//! shell reports a process the signal ended. On Windows the console's
//! Ctrl+C and Ctrl+Break count as SIGINT, closing the console as SIGHUP,
//! and the handler Windows runs on a thread of its own does the same.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// The signals that stop osbox.
#[cfg(unix)]
const STOPPING: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// The signal that stops osbox, once one came.
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// The sandbox has been stopped.
static STOPPED: AtomicBool = AtomicBool::new(false);

/// Blocks the stopping signals in this thread and every thread it starts
/// (children get a clean mask: the standard library resets it), and starts
/// the thread that waits for them. Call before any other thread starts.
#[cfg(unix)]
pub fn stop_on_signals() {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset before
    // use; pthread_sigmask and sigwait only read and write the sets passed.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in STOPPING {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    let spawned = std::thread::Builder::new().name("osbox-signals".into()).spawn(move || {
        let mut signal: libc::c_int = 0;
        // SAFETY: as above; `signal` lives on this stack.
        while unsafe { libc::sigwait(&set, &mut signal) } != 0 {}
        stop(signal);
    });
    if spawned.is_err() {
        // Without the thread, the signals keep their default action.
        // SAFETY: as above.
        unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) };
    }
}

/// Stops the sandbox for `signal`, then exits with 128 + it.
fn stop(signal: i32) -> ! {
    SIGNAL.store(signal, Ordering::SeqCst);
    osbox::interrupt();
    STOPPED.store(true, Ordering::SeqCst);
    std::process::exit(128 + signal);
}

/// Stops on the console's events, as on the signals they stand for.
#[cfg(windows)]
pub fn stop_on_signals() {
    use windows_sys::Win32::System::Console::{CTRL_BREAK_EVENT, CTRL_C_EVENT, SetConsoleCtrlHandler};
    unsafe extern "system" fn handler(event: u32) -> i32 {
        let signal = match event {
            CTRL_C_EVENT | CTRL_BREAK_EVENT => 2,
            _ => 1,
        };
        stop(signal)
    }
    // SAFETY: the handler is a plain function that lives as long as the
    // process.
    unsafe { SetConsoleCtrlHandler(Some(handler), 1) };
}

/// When a stopping signal came, the call that was running has ended with
/// it (the main thread is here): exits with 128 + the signal once the
/// sandbox is stopped, whatever the call answered.
pub fn exit_if_stopping() {
    let signal = SIGNAL.load(Ordering::SeqCst);
    if signal == 0 {
        return;
    }
    let until = Instant::now() + Duration::from_secs(10);
    while !STOPPED.load(Ordering::SeqCst) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::process::exit(128 + signal);
}
