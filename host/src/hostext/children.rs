//! Child processes under the sandbox's policy (`--allow-run`): running a
//! granted program with a working directory inside the grants, an exact
//! environment, captured output and a deadline; a WASI command component
//! runs in a store of its own, made like every other (`store.rs`), over
//! the same grants and under the same limits.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use super::{HostCtx, SandboxState};
use crate::bindings::osbox::os::types::{ErrorCode, SpawnResult};
use crate::policy::AllowedProgram;
use crate::store::{Setup, new_store};

/// How to run one child.
pub(super) struct Spawn<'a> {
    pub argv: &'a [String],
    /// The directory it starts in, opened beneath the guest's grant.
    pub cwd: std::fs::File,
    /// The same directory as the guest knows it, for a command component.
    pub guest_cwd: &'a str,
    pub env: &'a [(String, String)],
    pub input: Option<&'a [u8]>,
    pub capture_stdout: bool,
    pub capture_stderr: bool,
    pub merge_stderr: bool,
    /// When to kill it: the call's timeout or the sandbox's, the sooner.
    /// The caller tells which from the clock afterwards.
    pub deadline: Option<Instant>,
}

fn reader(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut out);
        }
        out
    })
}

/// The native children running now, by process id, so that they can be
/// stopped with their sandbox's host (see [`kill_children`]).
static RUNNING: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// Kills every child process the sandboxes of this process are running:
/// for a host that is stopping (the CLI calls it on Ctrl-C).
pub fn kill_children() {
    let running = RUNNING.lock().map(|r| r.clone()).unwrap_or_default();
    for pid in running {
        if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}

/// Removes a child from [`RUNNING`] when it has been waited for.
struct Registered(u32);

impl Registered {
    fn new(pid: u32) -> Registered {
        if let Ok(mut r) = RUNNING.lock() {
            r.push(pid);
        }
        Registered(pid)
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut r) = RUNNING.lock() {
            r.retain(|p| *p != self.0);
        }
    }
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
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
    match command.wasi_cli_run().call_run(&mut *store) {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(CommandFailed::Trap(e)),
        },
    }
}

/// Runs a WASI command component as the child: a sandbox of its own over
/// the same grants, with the same memory cap and a deadline no later than
/// its parent's, its output captured like a native program's.
pub(super) fn run_wasm(ctx: &HostCtx, component: &Component, s: Spawn<'_>) -> Result<SpawnResult, ErrorCode> {
    use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
    const CAPTURE_LIMIT: usize = 256 << 20;
    let mut wasi = wasmtime_wasi::WasiCtxBuilder::new();
    wasi.args(s.argv);
    wasi.stdin(MemoryInputPipe::new(s.input.unwrap_or_default().to_vec()));
    let out = MemoryOutputPipe::new(CAPTURE_LIMIT);
    let err = if s.merge_stderr { out.clone() } else { MemoryOutputPipe::new(CAPTURE_LIMIT) };
    if s.capture_stdout || s.merge_stderr {
        wasi.stdout(out.clone());
    }
    if s.capture_stderr {
        wasi.stderr(err.clone());
    }
    let setup =
        Setup { grants: &ctx.grants, env: s.env, cwd: Some(s.guest_cwd), deadline: s.deadline, memory: ctx.memory };
    let mut store = new_store(component.engine(), &setup, wasi, ctx.for_child()).map_err(|_| ErrorCode::Io)?;
    let mut timed_out = false;
    let status = match run_command(&mut store, &ctx.linker, component) {
        Ok(status) => status,
        Err(CommandFailed::Trap(e)) if e.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt) => {
            timed_out = true;
            -9
        }
        // A trap in the child is its crash: a failed exit, as a native
        // program's abort would be.
        Err(_) => -6,
    };
    let captured = |pipe: &MemoryOutputPipe, on: bool| if on { pipe.contents().to_vec() } else { Vec::new() };
    Ok(SpawnResult {
        status,
        stdout: captured(&out, s.capture_stdout || s.merge_stderr),
        stderr: captured(&err, s.capture_stderr && !s.merge_stderr),
        timed_out,
    })
}

/// Runs the native child to its end, or to the deadline, when it is killed.
pub(super) fn run(program: &AllowedProgram, s: Spawn<'_>) -> Result<SpawnResult, ErrorCode> {
    let mut cmd = Command::new(&program.path);
    cmd.arg0(&s.argv[0]).args(&s.argv[1..]).env_clear().envs(s.env.iter().map(|(k, v)| (k, v)));
    // The child starts in the directory the guest resolved, entered through
    // the descriptor opened beneath its grant, never by a host path.
    let cwd = std::os::fd::AsRawFd::as_raw_fd(&s.cwd);
    // SAFETY: fchdir is async-signal-safe and touches only the child's own
    // state; `cwd` stays open in the parent until the child has started.
    unsafe {
        cmd.pre_exec(move || rustix::process::fchdir(std::os::fd::BorrowedFd::borrow_raw(cwd)).map_err(Into::into));
    }
    cmd.stdin(if s.input.is_some() { Stdio::piped() } else { Stdio::null() });
    let (merged_reader, merged_writer) = if s.merge_stderr {
        let (r, w) = std::io::pipe().map_err(|_| ErrorCode::Io)?;
        (Some(r), Some(w))
    } else {
        (None, None)
    };
    match &merged_writer {
        Some(w) => {
            cmd.stdout(Stdio::from(w.try_clone().map_err(|_| ErrorCode::Io)?));
            cmd.stderr(Stdio::from(w.try_clone().map_err(|_| ErrorCode::Io)?));
        }
        None => {
            cmd.stdout(if s.capture_stdout { Stdio::piped() } else { Stdio::null() });
            cmd.stderr(if s.capture_stderr { Stdio::piped() } else { Stdio::null() });
        }
    }
    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ErrorCode::NoEntry,
        std::io::ErrorKind::PermissionDenied => ErrorCode::Access,
        _ => ErrorCode::Io,
    })?;
    let _registered = Registered::new(child.id());
    // The writers must close in this process, or the reader never ends.
    drop(merged_writer);
    drop(cmd);
    if let (Some(input), Some(mut stdin)) = (s.input, child.stdin.take()) {
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    let out = match merged_reader {
        Some(r) => reader(Some(r)),
        None => reader(child.stdout.take()),
    };
    let err = reader(child.stderr.take());
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(_) => {
                kill(&mut child);
                return Err(ErrorCode::Io);
            }
        }
        if s.deadline.is_some_and(|d| Instant::now() >= d) {
            timed_out = true;
            kill(&mut child);
            break child.wait().map_err(|_| ErrorCode::Io)?;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let code = status.code().unwrap_or_else(|| -status.signal().unwrap_or(0));
    Ok(SpawnResult {
        status: code,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        timed_out,
    })
}
