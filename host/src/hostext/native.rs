//! A native child as each host starts, waits for and signals it. The
//! signals and return codes are Linux's, whatever the host.
//!
//! - Linux: the child leads a process group of its own and is held by a
//!   pidfd, which waits for it, reaps it and signals this very process
//!   whatever became of its number.
//! - Other unix hosts (macOS): a process group too; the child is held by
//!   std, waited for by polling, and signalled by its number (it is not
//!   reaped before its status is known, so the number stays its own).
//!   Signal numbers are translated from Linux's and back.
//! - Windows: the child starts suspended, is put in a job object of its own
//!   (which every process it starts joins, and which kills them all when
//!   the job is closed) and then resumed; a signal whose default action
//!   ends a process terminates it (`TerminateProcess`, the whole job for a
//!   group), as CPython's `os.kill` does there, and the child's return code
//!   is then minus the signal, as on Linux. Signals that stop or continue a
//!   process are ENOTSUP; those ignored by default do nothing.

use std::fs::File;
use std::io;
use std::process::Command;
#[cfg(any(windows, all(unix, not(target_os = "linux"))))]
use std::sync::Mutex;
use std::time::Duration;

#[cfg(all(unix, not(target_os = "linux")))]
use std::time::Instant;

/// A native child, leading a tree of its own.
pub(super) struct Native {
    pid: i32,
    #[cfg(target_os = "linux")]
    pidfd: File,
    #[cfg(not(target_os = "linux"))]
    child: Mutex<std::process::Child>,
    #[cfg(windows)]
    job: std::os::windows::io::OwnedHandle,
    /// The signal that ended it, when the host ended it for one.
    #[cfg(windows)]
    signalled: Mutex<Option<i32>>,
}

impl Native {
    pub(super) fn pid(&self) -> i32 {
        self.pid
    }
}

/// How long [`Native::wait`] sleeps between looks where the host has no
/// descriptor to wait on: growing from 1 ms to 10 ms.
#[cfg(all(unix, not(target_os = "linux")))]
fn pauses(slice: Duration, mut done: impl FnMut() -> io::Result<bool>) -> io::Result<bool> {
    let until = Instant::now() + slice;
    let mut pause = Duration::from_millis(1);
    loop {
        if done()? {
            return Ok(true);
        }
        let now = Instant::now();
        if now >= until {
            return Ok(false);
        }
        std::thread::sleep(pause.min(until - now));
        pause = (pause * 2).min(Duration::from_millis(10));
    }
}

/// Before the program runs, in the child: enter the directory the guest
/// resolved, through the descriptor opened beneath its grant (never by a
/// host path), and start with no signal blocked or ignored that the host
/// blocks or ignores (the osbox command blocks SIGINT, SIGTERM and SIGHUP
/// in every thread; Rust ignores SIGPIPE), as CPython's `restore_signals`
/// does. In a process group of its own.
#[cfg(unix)]
fn prepare(cmd: &mut Command, cwd: &File) {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    let cwd = cwd.as_raw_fd();
    // SAFETY: fchdir, sigemptyset, sigprocmask and signal are
    // async-signal-safe and touch only the child's own state; `cwd` stays
    // open in the parent until the child has started.
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::fchdir(std::os::fd::BorrowedFd::borrow_raw(cwd))?;
            let mut none: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut none);
            libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
            Ok(())
        });
    }
}

/// `kill(-pgid, signal)` of a host signal.
#[cfg(unix)]
fn kill_group(pgid: i32, signal: i32) -> io::Result<()> {
    // SAFETY: kill has no memory effects; the group is one this sandbox
    // started and still knows to hold its processes.
    if unsafe { libc::kill(-pgid, signal) } == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(target_os = "linux")]
impl Native {
    /// Starts `cmd` in the directory `cwd`.
    pub(super) fn spawn(mut cmd: Command, cwd: &File) -> io::Result<Native> {
        prepare(&mut cmd, cwd);
        let spawned = cmd.spawn()?;
        // The child ends of the pipes close here with `cmd`, or a reader
        // would never see the end.
        drop(cmd);
        let pid = spawned.id() as i32;
        let pidfd = rustix::process::Pid::from_raw(pid)
            .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))
            .and_then(|p| Ok(rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty())?))
            .inspect_err(|_| {
                let _ = kill_group(pid, libc::SIGKILL);
            })?;
        // `spawned` is not waited for through std: the pidfd reaps it.
        drop(spawned);
        Ok(Native { pid, pidfd: File::from(pidfd) })
    }

    /// Its return code if it has ended (waiting for it when `block`).
    pub(super) fn reap(&self, block: bool) -> Option<i32> {
        use rustix::process::{WaitId, WaitIdOptions, waitid};
        let mut options = WaitIdOptions::EXITED;
        if !block {
            options |= WaitIdOptions::NOHANG;
        }
        loop {
            match waitid(WaitId::PidFd(std::os::fd::AsFd::as_fd(&self.pidfd)), options) {
                Ok(Some(st)) => break st.exit_status().or_else(|| st.terminating_signal().map(|s| -s)),
                Ok(None) => break None,
                Err(rustix::io::Errno::INTR) => continue,
                // Waited for elsewhere: nothing more to learn.
                Err(_) => break Some(0),
            }
        }
    }

    /// Waits at most `slice` for it to end: whether it has.
    pub(super) fn wait(&self, slice: Duration) -> io::Result<bool> {
        Ok(super::pipes::poll(&[(&self.pidfd, super::pipes::Want::Read)], slice)?[0])
    }

    /// `kill(pid, signal)`, to this very process.
    pub(super) fn signal(&self, signal: i32) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        // SAFETY: pidfd_send_signal reads only its arguments; the pidfd
        // names this very child, whatever became of its pid.
        let r = unsafe {
            libc::syscall(libc::SYS_pidfd_send_signal, self.pidfd.as_raw_fd(), signal, std::ptr::null::<u8>(), 0)
        };
        if r == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    }

    /// `kill(-pgid, signal)`: the whole tree it leads.
    pub(super) fn signal_tree(&self, signal: i32) -> io::Result<()> {
        kill_group(self.pid, signal)
    }
}

/// Linux's signal numbers and the host's, for each signal both have.
#[cfg(all(unix, not(target_os = "linux")))]
const SIGNALS: &[(i32, i32)] = {
    use osbox_errno::signal as linux;
    &[
        (linux::SIGHUP, libc::SIGHUP),
        (linux::SIGINT, libc::SIGINT),
        (linux::SIGQUIT, libc::SIGQUIT),
        (linux::SIGILL, libc::SIGILL),
        (linux::SIGTRAP, libc::SIGTRAP),
        (linux::SIGABRT, libc::SIGABRT),
        (linux::SIGBUS, libc::SIGBUS),
        (linux::SIGFPE, libc::SIGFPE),
        (linux::SIGKILL, libc::SIGKILL),
        (linux::SIGUSR1, libc::SIGUSR1),
        (linux::SIGSEGV, libc::SIGSEGV),
        (linux::SIGUSR2, libc::SIGUSR2),
        (linux::SIGPIPE, libc::SIGPIPE),
        (linux::SIGALRM, libc::SIGALRM),
        (linux::SIGTERM, libc::SIGTERM),
        (linux::SIGCHLD, libc::SIGCHLD),
        (linux::SIGCONT, libc::SIGCONT),
        (linux::SIGSTOP, libc::SIGSTOP),
        (linux::SIGTSTP, libc::SIGTSTP),
        (linux::SIGTTIN, libc::SIGTTIN),
        (linux::SIGTTOU, libc::SIGTTOU),
        (linux::SIGURG, libc::SIGURG),
        (linux::SIGXCPU, libc::SIGXCPU),
        (linux::SIGXFSZ, libc::SIGXFSZ),
        (linux::SIGVTALRM, libc::SIGVTALRM),
        (linux::SIGPROF, libc::SIGPROF),
        (linux::SIGWINCH, libc::SIGWINCH),
        (linux::SIGIO, libc::SIGIO),
        (linux::SIGSYS, libc::SIGSYS),
    ]
};

/// The host's number of a Linux signal (0 is 0); EINVAL for one the host
/// lacks (`SIGSTKFLT`, `SIGPWR`, the real-time signals).
#[cfg(all(unix, not(target_os = "linux")))]
fn host_signal(linux: i32) -> io::Result<i32> {
    if linux == 0 {
        return Ok(0);
    }
    SIGNALS.iter().find(|s| s.0 == linux).map(|s| s.1).ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))
}

#[cfg(all(unix, not(target_os = "linux")))]
impl Native {
    /// Starts `cmd` in the directory `cwd`.
    pub(super) fn spawn(mut cmd: Command, cwd: &File) -> io::Result<Native> {
        prepare(&mut cmd, cwd);
        let child = cmd.spawn()?;
        drop(cmd);
        Ok(Native { pid: child.id() as i32, child: Mutex::new(child) })
    }

    /// Its return code if it has ended (waiting for it when `block`), with
    /// a terminating signal as Linux numbers it.
    pub(super) fn reap(&self, block: bool) -> Option<i32> {
        use std::os::unix::process::ExitStatusExt;
        let mut child = self.child.lock().ok()?;
        let status = if block { child.wait().map(Some) } else { child.try_wait() };
        match status {
            Ok(Some(st)) => {
                st.code().or_else(|| st.signal().map(|s| -SIGNALS.iter().find(|p| p.1 == s).map_or(s, |p| p.0)))
            }
            Ok(None) => None,
            Err(_) => Some(0),
        }
    }

    /// Waits at most `slice` for it to end: whether it has.
    pub(super) fn wait(&self, slice: Duration) -> io::Result<bool> {
        pauses(slice, || {
            let mut child = self.child.lock().map_err(|_| io::Error::other("poisoned"))?;
            Ok(child.try_wait()?.is_some())
        })
    }

    /// `kill(pid, signal)`: the child is not reaped before its status is
    /// known, so the number is still its own.
    pub(super) fn signal(&self, signal: i32) -> io::Result<()> {
        let signal = host_signal(signal)?;
        // SAFETY: kill has no memory effects.
        if unsafe { libc::kill(self.pid, signal) } == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    }

    /// `kill(-pgid, signal)`: the whole tree it leads.
    pub(super) fn signal_tree(&self, signal: i32) -> io::Result<()> {
        kill_group(self.pid, host_signal(signal)?)
    }
}

#[cfg(windows)]
impl Native {
    /// Starts `cmd` in the directory `cwd`, suspended until it is in its
    /// job object.
    pub(super) fn spawn(mut cmd: Command, cwd: &File) -> io::Result<Native> {
        use std::os::windows::ffi::OsStringExt;
        use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
        use std::os::windows::process::CommandExt;
        use windows_sys::Win32::System::JobObjects::{
            AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
            JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation, SetInformationJobObject,
        };
        use windows_sys::Win32::System::Threading::CREATE_SUSPENDED;
        // Windows starts a process in a directory named by its path: the
        // path of the directory opened beneath the grant.
        let mut path = super::fs::final_path(cwd.as_raw_handle())?;
        path.pop();
        cmd.current_dir(std::ffi::OsString::from_wide(&path));
        cmd.creation_flags(CREATE_SUSPENDED);
        // SAFETY: a job with no name and default security; the handle is
        // owned from here on.
        let job = unsafe { CreateJobObjectW(std::ptr::null(), std::ptr::null()) };
        if job.is_null() {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `job` is a handle just created and owned by no one else.
        let job = unsafe { OwnedHandle::from_raw_handle(job) };
        // SAFETY: the structure is plain data of the size passed.
        unsafe {
            let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
            limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
            if SetInformationJobObject(
                job.as_raw_handle(),
                JobObjectExtendedLimitInformation,
                (&raw const limits).cast(),
                std::mem::size_of_val(&limits) as u32,
            ) == 0
            {
                return Err(io::Error::last_os_error());
            }
        }
        let mut child = cmd.spawn()?;
        drop(cmd);
        let pid = child.id();
        // SAFETY: both handles are open; a child that cannot join its job
        // or be resumed is killed.
        let started = unsafe {
            if AssignProcessToJobObject(job.as_raw_handle(), child.as_raw_handle()) == 0 {
                Err(io::Error::last_os_error())
            } else {
                resume(pid)
            }
        };
        if let Err(e) = started {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
        Ok(Native { pid: pid as i32, child: Mutex::new(child), job, signalled: Mutex::new(None) })
    }

    /// Its return code if it has ended (waiting for it when `block`):
    /// minus the signal the host ended it for.
    pub(super) fn reap(&self, block: bool) -> Option<i32> {
        let mut child = self.child.lock().ok()?;
        let status = if block { child.wait().map(Some) } else { child.try_wait() };
        let signalled = self.signalled.lock().ok().and_then(|s| *s);
        match status {
            Ok(Some(st)) => Some(signalled.map_or_else(|| st.code().unwrap_or(1), |s| -s)),
            Ok(None) => None,
            Err(_) => Some(0),
        }
    }

    /// Waits at most `slice` for it to end: whether it has.
    pub(super) fn wait(&self, slice: Duration) -> io::Result<bool> {
        use std::os::windows::io::AsRawHandle;
        use windows_sys::Win32::Foundation::{WAIT_FAILED, WAIT_OBJECT_0};
        use windows_sys::Win32::System::Threading::WaitForSingleObject;
        let handle = self.child.lock().map_err(|_| io::Error::other("poisoned"))?.as_raw_handle();
        let ms = u32::try_from(slice.as_millis().max(u128::from(!slice.is_zero()))).unwrap_or(u32::MAX - 1);
        // SAFETY: the handle stays open while `self` holds the child; it
        // is only waited on.
        match unsafe { WaitForSingleObject(handle, ms) } {
            WAIT_OBJECT_0 => Ok(true),
            WAIT_FAILED => Err(io::Error::last_os_error()),
            _ => Ok(false),
        }
    }

    /// What a signal does to a process here: whether it ends it.
    fn ends(signal: i32) -> io::Result<bool> {
        use osbox_errno::signal::{Action, action};
        match action(signal) {
            _ if signal == 0 => Ok(false),
            Some(Action::End) => Ok(true),
            Some(Action::Ignore) => Ok(false),
            // ENOTSUP: Windows cannot stop a process and continue it.
            Some(Action::Stop) | None => Err(io::Error::from_raw_os_error(50)),
        }
    }

    /// `kill(pid, signal)`: `TerminateProcess` for a signal that ends it.
    pub(super) fn signal(&self, signal: i32) -> io::Result<()> {
        use std::os::windows::io::AsRawHandle;
        use windows_sys::Win32::System::Threading::TerminateProcess;
        if !Self::ends(signal)? {
            return Ok(());
        }
        let child = self.child.lock().map_err(|_| io::Error::other("poisoned"))?;
        if let Ok(mut s) = self.signalled.lock() {
            s.get_or_insert(signal);
        }
        // SAFETY: the handle is open while `child` is held.
        if unsafe { TerminateProcess(child.as_raw_handle(), signal as u32) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The signal to the whole tree: its job. ESRCH once no process of
    /// the job is left.
    pub(super) fn signal_tree(&self, signal: i32) -> io::Result<()> {
        use std::os::windows::io::AsRawHandle;
        use windows_sys::Win32::System::JobObjects::{
            JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, JobObjectBasicAccountingInformation, QueryInformationJobObject,
            TerminateJobObject,
        };
        // SAFETY: the structure is plain data of the size passed; the job
        // handle is owned by `self`.
        let active = unsafe {
            let mut info: JOBOBJECT_BASIC_ACCOUNTING_INFORMATION = std::mem::zeroed();
            let ok = QueryInformationJobObject(
                self.job.as_raw_handle(),
                JobObjectBasicAccountingInformation,
                (&raw mut info).cast(),
                std::mem::size_of_val(&info) as u32,
                std::ptr::null_mut(),
            );
            if ok == 0 {
                return Err(io::Error::last_os_error());
            }
            info.ActiveProcesses
        };
        if active == 0 {
            // ESRCH, as `kill` of an empty group.
            return Err(io::Error::from_raw_os_error(ESRCH_WINDOWS));
        }
        if !Self::ends(signal)? {
            return Ok(());
        }
        if let Ok(mut s) = self.signalled.lock() {
            s.get_or_insert(signal);
        }
        // SAFETY: as above.
        if unsafe { TerminateJobObject(self.job.as_raw_handle(), signal as u32) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// `ERROR_NOT_FOUND`, as [`super::code`] maps it: no such process.
#[cfg(windows)]
pub(super) const ESRCH_WINDOWS: i32 = 1168;

/// Resumes the threads of the suspended process `pid` (the one it starts
/// with).
#[cfg(windows)]
fn resume(pid: u32) -> io::Result<()> {
    use windows_sys::Win32::Foundation::{CloseHandle, INVALID_HANDLE_VALUE};
    use windows_sys::Win32::System::Diagnostics::ToolHelp::{
        CreateToolhelp32Snapshot, TH32CS_SNAPTHREAD, THREADENTRY32, Thread32First, Thread32Next,
    };
    use windows_sys::Win32::System::Threading::{OpenThread, ResumeThread, THREAD_SUSPEND_RESUME};
    // SAFETY: the snapshot and thread handles are closed before returning;
    // the entry is plain data whose size is set first.
    unsafe {
        let snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
        if snapshot == INVALID_HANDLE_VALUE {
            return Err(io::Error::last_os_error());
        }
        let mut entry: THREADENTRY32 = std::mem::zeroed();
        entry.dwSize = std::mem::size_of::<THREADENTRY32>() as u32;
        let mut resumed = 0;
        let mut more = Thread32First(snapshot, &mut entry) != 0;
        while more {
            if entry.th32OwnerProcessID == pid {
                let thread = OpenThread(THREAD_SUSPEND_RESUME, 0, entry.th32ThreadID);
                if !thread.is_null() {
                    if ResumeThread(thread) != u32::MAX {
                        resumed += 1;
                    }
                    CloseHandle(thread);
                }
            }
            more = Thread32Next(snapshot, &mut entry) != 0;
        }
        CloseHandle(snapshot);
        if resumed == 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
    }
}
