//! Child processes under the sandbox's policy (`--allow-run`): a granted
//! program started in a directory inside the grants, with an exact
//! environment and its streams where the guest asked; a WASI command
//! component runs on a thread of its own in a store made like every other
//! (`store.rs`), over the same grants and under the same limits.
//!
//! Each native child leads a tree of its own (a process group; a job
//! object on Windows, see `native.rs`), so that the sandbox ends the whole
//! tree it started (a shell's background jobs included): at its time
//! limit, when the instance ends, and when the host stops ([`interrupt`]).
//! Signals the guest sends reach the child only, as `kill(2)` does.

use std::fs::File;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Instant;

use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use osbox_errno::signal::{SIGABRT, SIGKILL};

use super::native::Native;
use super::pipes::{Bounds, PipeEnd, Waited, pipe, stdout_dup, until};
use super::{HostCtx, SandboxState};
use crate::bindings::osbox::os::types::ErrorCode;
use crate::limits::{Killed, Running, Stop, TimeLimit};
use crate::policy::AllowedProgram;
use crate::store::{Setup, new_store};

/// Where one of a child's standard streams goes, as the host resolved the
/// guest's `child-stdio`.
pub(crate) enum Io {
    /// The sandbox's own stream.
    Inherit,
    /// A new pipe.
    Pipe,
    /// `/dev/null`.
    Null,
    /// (Standard error) where standard output goes.
    Stdout,
    /// A descriptor of the host's (a file, another child's pipe).
    Fd(File),
}

/// How to start one child.
pub(crate) struct Spawn<'a> {
    pub argv: &'a [String],
    /// The directory it starts in, opened beneath the guest's grant.
    pub cwd: std::fs::File,
    /// The same directory as the guest knows it, for a command component.
    pub guest_cwd: &'a str,
    pub env: &'a [(String, String)],
    pub stdio: [Io; 3],
    /// When the sandbox's time limit ends.
    pub deadline: Option<Instant>,
}

/// A child started: the process, and the sandbox's ends of its pipes.
pub(crate) struct Started {
    pub child: Arc<Process>,
    pub pipes: [Option<PipeEnd>; 3],
}

/// A child process (the WIT `child`): the guest's handle on a [`Process`]
/// its sandbox's [`Children`] holds too.
pub struct ChildProcess(pub(crate) Arc<Process>);

impl std::ops::Deref for ChildProcess {
    type Target = Process;

    fn deref(&self) -> &Process {
        &self.0
    }
}

/// A child process the sandbox started.
pub struct Process {
    pid: i32,
    kind: Kind,
    /// The return code, once waited for.
    status: Mutex<Option<i32>>,
}

enum Kind {
    /// A process of the host, leading a tree of its own.
    Native(Native),
    /// A command component running on a thread.
    Command(Arc<CommandRun>),
}

/// A command component run as a child.
struct CommandRun {
    /// Its store's stop switch: a signal ends it at its next tick.
    stop: Stop,
    /// Its return code, when its thread is done.
    done: Mutex<Option<i32>>,
    finished: Condvar,
    /// The children it started itself, ended with it.
    children: Arc<Children>,
}

/// What one sandbox instance has started and not yet known to be gone.
pub(crate) struct Children {
    running: Mutex<Vec<Arc<Process>>>,
}

/// Every instance's [`Children`] in this process, for a host that stops.
static ALL: Mutex<Vec<Weak<Children>>> = Mutex::new(Vec::new());

/// Process ids of command components: above any the kernel gives
/// (`PID_MAX_LIMIT`), so they never name a process of the host.
static NEXT_COMMAND_PID: AtomicI32 = AtomicI32::new(1 << 22);

impl Children {
    pub(crate) fn new() -> Arc<Children> {
        let children = Arc::new(Children { running: Mutex::new(Vec::new()) });
        if let Ok(mut all) = ALL.lock() {
            all.retain(|w| w.strong_count() > 0);
            all.push(Arc::downgrade(&children));
        }
        children
    }

    fn list(&self) -> Vec<Arc<Process>> {
        self.running.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn add(&self, child: Arc<Process>) {
        self.prune();
        if let Ok(mut r) = self.running.lock() {
            r.push(child);
        }
    }

    /// Forgets the children known to be gone: waited for, and (for a
    /// native one) with no process left in its group. A group whose
    /// processes are all gone could one day be a stranger's number.
    fn prune(&self) {
        if let Ok(mut r) = self.running.lock() {
            r.retain(|c| match &c.kind {
                _ if c.status().is_none() => true,
                Kind::Native(native) => native.signal_tree(0).is_ok(),
                Kind::Command(_) => false,
            });
        }
    }

    /// Ends everything this instance started, whole process trees and
    /// command components, and waits for the native children.
    pub(crate) fn end(&self) {
        for child in self.list() {
            match &child.kind {
                Kind::Native(native) => {
                    let _ = native.signal_tree(SIGKILL);
                    let _ = child.reap(true);
                }
                Kind::Command(run) => {
                    run.stop.set(SIGKILL);
                    run.children.end();
                }
            }
        }
        self.prune();
    }

    /// `os.kill(pid, signal)`: a child of this instance (or `-pid`, its
    /// process group); any other process is `ESRCH`. As in Linux, the
    /// process is looked for before the signal is checked (`EINVAL`).
    pub(crate) fn kill(&self, pid: i32, signal: i32) -> Result<(), ErrorCode> {
        let valid = (0..=osbox_errno::signal::MAX).contains(&signal);
        let list = self.list();
        if let Some(child) = list.iter().find(|c| c.pid == pid && c.status().is_none()) {
            return if valid { child.send_signal(signal) } else { Err(ErrorCode::Invalid) };
        }
        let group = pid.checked_neg().filter(|g| *g > 0);
        match list.iter().find(|c| Some(c.pid) == group) {
            Some(_) if !valid => Err(ErrorCode::Invalid),
            Some(child) => match &child.kind {
                Kind::Native(native) => native.signal_tree(signal).map_err(|e| super::code(&e)),
                Kind::Command(_) => child.send_signal(signal),
            },
            None => Err(ErrorCode::NoSuchProcess),
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        self.end();
    }
}

/// Ends the process trees of every sandbox of this process: for a host
/// that is stopping (the CLI calls [`interrupt`] on SIGINT, SIGTERM and
/// SIGHUP).
pub fn kill_children() {
    let all: Vec<_> = ALL.lock().map(|a| a.iter().filter_map(Weak::upgrade).collect()).unwrap_or_default();
    for children in all {
        children.end();
    }
}

/// Stops every sandbox of this process, as a host that is stopping must:
/// their children's process trees are killed; a call that waits for a
/// child, reads a file or copies one fails with `InterruptedError` after
/// undoing what it made (a half-made copy is removed); guest code still
/// running a moment later traps; every later call fails. Returns once no
/// call is running any more (or after a few seconds).
pub fn interrupt() {
    crate::limits::set_interrupted();
    kill_children();
    Running::wait_for_none(crate::limits::GRACE * 8);
    kill_children();
}

impl Process {
    pub(crate) fn pid(&self) -> i32 {
        self.pid
    }

    fn status(&self) -> Option<i32> {
        self.status.lock().ok().and_then(|s| *s)
    }

    /// Collects the child's return code if it has ended (waiting for it
    /// when `block`).
    fn reap(&self, block: bool) -> Option<i32> {
        if let Some(rc) = self.status() {
            return Some(rc);
        }
        let rc = match &self.kind {
            Kind::Native(native) => native.reap(block),
            Kind::Command(run) => run.done.lock().ok().and_then(|d| *d),
        };
        if let (Some(rc), Ok(mut s)) = (rc, self.status.lock()) {
            *s = Some(rc);
        }
        rc
    }

    /// `child.wait`: the return code once it ended, none past the timeout.
    pub(crate) fn wait(
        &self,
        timeout_ns: Option<u64>,
        bounds: &Bounds<'_>,
    ) -> wasmtime::Result<Result<Option<i32>, ErrorCode>> {
        if let Some(rc) = self.reap(false) {
            return Ok(Ok(Some(rc)));
        }
        let waited = match &self.kind {
            Kind::Native(native) => bounds.wait(until(timeout_ns), |slice| native.wait(slice))?,
            Kind::Command(run) => bounds.wait(until(timeout_ns), |slice| {
                let done = run.done.lock().map_err(|_| std::io::Error::other("poisoned"))?;
                if done.is_some() {
                    return Ok(true);
                }
                let (done, _) =
                    run.finished.wait_timeout(done, slice).map_err(|_| std::io::Error::other("poisoned"))?;
                Ok(done.is_some())
            })?,
        };
        Ok(match waited {
            Ok(Waited::Ready) => Ok(self.reap(true)),
            Ok(Waited::TimedOut) => Ok(self.reap(false)),
            Ok(Waited::Interrupted) => Err(ErrorCode::Interrupted),
            Err(c) => Err(c),
        })
    }

    /// `child.send-signal`: nothing once it has been waited for.
    pub(crate) fn send_signal(&self, signal: i32) -> Result<(), ErrorCode> {
        if !(0..=osbox_errno::signal::MAX).contains(&signal) {
            return Err(ErrorCode::Invalid);
        }
        if self.status().is_some() {
            return Ok(());
        }
        match &self.kind {
            Kind::Native(native) => native.signal(signal).map_err(|e| super::code(&e)),
            Kind::Command(run) => {
                // A component cannot handle signals: those whose default
                // action ends a process end it; the others do nothing.
                if osbox_errno::signal::action(signal) == Some(osbox_errno::signal::Action::End) {
                    run.stop.set(signal);
                }
                Ok(())
            }
        }
    }
}

/// The native child's side of each stream, and the sandbox's ends of the
/// pipes.
fn native_stdio(stdio: [Io; 3], inherit: bool) -> Result<([Stdio; 3], [Option<PipeEnd>; 3]), ErrorCode> {
    let io = |e: std::io::Error| super::code(&e);
    let mut sides: [Option<File>; 3] = [None, None, None];
    let mut inherits = [false; 3];
    let mut ends: [Option<PipeEnd>; 3] = [None, None, None];
    for (n, s) in stdio.into_iter().enumerate() {
        inherits[n] = inherit && matches!(s, Io::Inherit);
        sides[n] = match s {
            Io::Pipe => {
                let (r, w) = pipe().map_err(io)?;
                let (child, ours) = if n == 0 { (r, w) } else { (w, r) };
                ends[n] = Some(PipeEnd::new(ours, n == 0));
                Some(child)
            }
            Io::Fd(fd) => Some(fd),
            Io::Stdout if n == 2 => match &sides[1] {
                Some(fd) => Some(fd.try_clone().map_err(io)?),
                None if inherits[1] => Some(stdout_dup().map_err(io)?),
                None => None,
            },
            _ => None,
        };
    }
    let stdio = sides.map(|side| side.map(Stdio::from));
    let [a, b, c] = stdio;
    let pick =
        |s: Option<Stdio>, n: usize| s.unwrap_or_else(|| if inherits[n] { Stdio::inherit() } else { Stdio::null() });
    Ok(([pick(a, 0), pick(b, 1), pick(c, 2)], ends))
}

/// Starts a granted native program as the child, in a process group of
/// its own.
pub(super) fn spawn_native(
    program: &AllowedProgram,
    s: Spawn<'_>,
    inherit: bool,
    children: &Children,
) -> Result<Started, ErrorCode> {
    let mut cmd = Command::new(&program.path);
    // Windows has no `argv[0]` apart from the program.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::arg0(&mut cmd, &s.argv[0]);
    cmd.args(&s.argv[1..]).env_clear().envs(s.env.iter().map(|(k, v)| (k, v)));
    let (stdio, pipes) = native_stdio(s.stdio, inherit)?;
    let [stdin, stdout, stderr] = stdio;
    cmd.stdin(stdin).stdout(stdout).stderr(stderr);
    let native = Native::spawn(cmd, &s.cwd).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ErrorCode::NoEntry,
        std::io::ErrorKind::PermissionDenied => ErrorCode::Access,
        _ => super::code(&e),
    })?;
    let child = Arc::new(Process { pid: native.pid(), kind: Kind::Native(native), status: Mutex::new(None) });
    children.add(child.clone());
    Ok(Started { child, pipes })
}

/// Why a command component did not finish.
pub(crate) enum CommandFailed {
    /// It could not be instantiated: an import the sandbox does not
    /// provide, no `wasi:cli/run`, or a limit reached while starting.
    Start(wasmtime::Error),
    /// It trapped while running: a limit, or a crash.
    Trap(wasmtime::Error),
}

/// Runs a WASI command component in `store` to its end: its exit status.
pub(crate) fn run_command(
    store: &mut Store<SandboxState>,
    linker: &Linker<SandboxState>,
    component: &Component,
) -> Result<i32, CommandFailed> {
    let command = wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut *store, component, linker)
        .map_err(CommandFailed::Start)?;
    finish_command(store, &command)
}

fn finish_command(
    store: &mut Store<SandboxState>,
    command: &wasmtime_wasi::p2::bindings::sync::Command,
) -> Result<i32, CommandFailed> {
    match command.wasi_cli_run().call_run(&mut *store) {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(CommandFailed::Trap(e)),
        },
    }
}

/// A command component's side of its streams.
fn command_stdio(
    wasi: &mut wasmtime_wasi::WasiCtxBuilder,
    stdio: [Io; 3],
    inherit: bool,
    stop: &Stop,
) -> Result<[Option<PipeEnd>; 3], ErrorCode> {
    use super::pipes::ChildStream;
    let io = |e: std::io::Error| super::code(&e);
    let mut ends: [Option<PipeEnd>; 3] = [None, None, None];
    let mut stdout_side: Option<File> = None;
    let mut stdout_inherits = false;
    for (n, s) in stdio.into_iter().enumerate() {
        let side = match s {
            Io::Pipe => {
                let (r, w) = pipe().map_err(io)?;
                let (child, ours) = if n == 0 { (r, w) } else { (w, r) };
                ends[n] = Some(PipeEnd::new(ours, n == 0));
                Some(child)
            }
            Io::Fd(fd) => Some(fd),
            Io::Stdout if n == 2 => match &stdout_side {
                Some(fd) => Some(fd.try_clone().map_err(io)?),
                None if stdout_inherits => Some(stdout_dup().map_err(io)?),
                None => None,
            },
            Io::Inherit if inherit => {
                match n {
                    0 => wasi.inherit_stdin(),
                    1 => wasi.inherit_stdout(),
                    _ => wasi.inherit_stderr(),
                };
                if n == 1 {
                    stdout_inherits = true;
                }
                None
            }
            _ => None,
        };
        if let Some(fd) = side {
            if n == 1 {
                stdout_side = Some(fd.try_clone().map_err(io)?);
            }
            let stream = ChildStream::new(fd, stop.clone());
            match n {
                0 => wasi.stdin(stream),
                1 => wasi.stdout(stream),
                _ => wasi.stderr(stream),
            };
        }
    }
    Ok(ends)
}

/// Starts a WASI command component as the child, on a thread of its own: a
/// sandbox of its own over the same grants, with the same memory cap and
/// its parent's time limit.
pub(super) fn spawn_command(
    ctx: &HostCtx,
    component: &Component,
    s: Spawn<'_>,
    children: &Children,
) -> Result<Started, ErrorCode> {
    let stop = Stop::default();
    let mut wasi = wasmtime_wasi::WasiCtxBuilder::new();
    wasi.args(s.argv);
    let pipes = command_stdio(&mut wasi, s.stdio, ctx.inherit_stdio, &stop)?;
    let setup = Setup {
        grants: &ctx.grants,
        env: s.env,
        cwd: Some(s.guest_cwd),
        deadline: s.deadline,
        memory: ctx.memory,
        stop: stop.clone(),
    };
    let own = ctx.for_child();
    let run =
        Arc::new(CommandRun { stop, done: Mutex::new(None), finished: Condvar::new(), children: own.children.clone() });
    let mut store = new_store(component.engine(), &setup, wasi, own).map_err(|_| ErrorCode::Io)?;
    let command = wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, component, &ctx.linker)
        .map_err(|_| ErrorCode::Io)?;
    let pid = NEXT_COMMAND_PID.fetch_add(1, Ordering::Relaxed);
    let thread_run = run.clone();
    std::thread::Builder::new()
        .name(format!("osbox-command-{pid}"))
        .spawn(move || {
            let rc = match finish_command(&mut store, &command) {
                Ok(status) => status,
                Err(CommandFailed::Trap(e) | CommandFailed::Start(e)) => {
                    if let Some(Killed(signal)) = e.downcast_ref::<Killed>() {
                        -signal
                    } else if e.downcast_ref::<TimeLimit>().is_some() {
                        -SIGKILL
                    } else {
                        // A trap is the child's crash: a failed exit, as a
                        // native program's abort would be.
                        -SIGABRT
                    }
                }
            };
            // Its streams and its own children end with its store.
            drop(store);
            if let Ok(mut done) = thread_run.done.lock() {
                *done = Some(rc);
            }
            thread_run.finished.notify_all();
        })
        .map_err(|e| super::code(&e))?;
    let child = Arc::new(Process { pid, kind: Kind::Command(run), status: Mutex::new(None) });
    children.add(child.clone());
    Ok(Started { child, pipes })
}
