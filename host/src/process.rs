//! Child processes under the sandbox's policy (`--allow-run`): which
//! programs may run, resolved once on the host, and running them with a
//! working directory inside the grants, an exact environment, captured
//! output and a timeout.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::bindings::osbox::os::types::{ErrorCode, SpawnResult};
use crate::error::{Error, ErrorKind, Result};

/// A program the sandbox may start.
#[derive(Clone)]
pub(crate) struct Allowed {
    /// As granted (`sh`, `/usr/bin/git`, `tool=tool.wasm`).
    spec: String,
    /// The name a guest may call it by (`sh`, `git`, `tool`).
    name: String,
    /// The host file that runs, resolved when the sandbox was built, so a
    /// later change of `PATH` cannot swap it.
    path: PathBuf,
    /// A WASI command component, compiled when the sandbox was built; it
    /// runs in a sandbox of its own with the same grants.
    pub(crate) wasm: Option<wasmtime::component::Component>,
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

impl Allowed {
    /// Resolves `spec`: `name=path.wasm` a WASI command, a path as it is, a
    /// name on the host's `PATH`.
    pub(crate) fn resolve(spec: &str, engine: &wasmtime::Engine) -> Result<Allowed> {
        if let Some((name, file)) = spec.split_once('=').filter(|(_, f)| f.ends_with(".wasm")) {
            let path = PathBuf::from(file)
                .canonicalize()
                .map_err(|e| Error::new(ErrorKind::FileNotFound, format!("cannot allow {spec:?}: {e}")))?;
            let component = wasmtime::component::Component::from_file(engine, &path).map_err(|e| {
                Error::new(ErrorKind::Value, format!("cannot allow {spec:?}: not a WASI command: {e:#}"))
            })?;
            return Ok(Allowed { spec: name.to_string(), name: name.to_string(), path, wasm: Some(component) });
        }
        let found = if spec.contains('/') {
            Some(PathBuf::from(spec)).filter(|p| is_executable(p))
        } else {
            std::env::var_os("PATH")
                .map(|path| std::env::split_paths(&path).map(|d| d.join(spec)).collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .find(|p| is_executable(p))
        };
        let path = found.and_then(|p| p.canonicalize().ok()).ok_or_else(|| {
            Error::new(ErrorKind::FileNotFound, format!("cannot allow {spec:?}: no such program on the host"))
        })?;
        let name = spec.rsplit('/').next().unwrap_or(spec).to_string();
        Ok(Allowed { spec: spec.to_string(), name, path, wasm: None })
    }

    /// Whether the guest's `argv[0]` names this program: its name, the
    /// path it was granted as, or the host file it resolved to.
    fn matches(&self, argv0: &str) -> bool {
        argv0 == self.spec || argv0 == self.name || Path::new(argv0) == self.path
    }
}

/// How to run one child.
pub(crate) struct Spawn<'a> {
    pub argv: &'a [String],
    pub cwd: PathBuf,
    pub env: &'a [(String, String)],
    pub input: Option<&'a [u8]>,
    pub capture_stdout: bool,
    pub capture_stderr: bool,
    pub merge_stderr: bool,
    /// When to kill it: the call's timeout or the sandbox's, the sooner.
    /// The caller tells which from the clock afterwards.
    pub deadline: Option<Instant>,
}

/// The program `argv[0]` names, if the policy grants it.
pub(crate) fn find<'a>(policy: &'a [Allowed], argv0: &str) -> std::result::Result<&'a Allowed, ErrorCode> {
    policy.iter().find(|a| a.matches(argv0)).ok_or(ErrorCode::NotPermitted)
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

/// What a WASI command child runs against.
struct WasmChild {
    ctx: wasmtime_wasi::WasiCtx,
    table: wasmtime::component::ResourceTable,
}

impl wasmtime_wasi::WasiView for WasmChild {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        wasmtime_wasi::WasiCtxView { ctx: &mut self.ctx, table: &mut self.table }
    }
}

/// Runs a WASI command component as the child: a sandbox of its own over
/// the same grants, its output captured like a native program's.
pub(crate) fn run_wasm(
    component: &wasmtime::component::Component,
    grants: &[crate::sandbox::Grant],
    guest_cwd: &str,
    s: Spawn<'_>,
) -> std::result::Result<SpawnResult, ErrorCode> {
    use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
    const CAPTURE_LIMIT: usize = 256 << 20;
    let engine = component.engine();
    let mut wasi = wasmtime_wasi::WasiCtxBuilder::new();
    wasi.allow_blocking_current_thread(true);
    for g in grants {
        let perms = if g.read_only { wasmtime_wasi::FsPerms::ReadOnly } else { wasmtime_wasi::FsPerms::ReadWrite };
        wasi.preopened_dir(&g.host, &g.guest, perms).map_err(|_| ErrorCode::Io)?;
    }
    wasi.args(s.argv).envs(s.env).initial_cwd(guest_cwd);
    wasi.stdin(MemoryInputPipe::new(s.input.unwrap_or_default().to_vec()));
    let out = MemoryOutputPipe::new(CAPTURE_LIMIT);
    let err = if s.merge_stderr { out.clone() } else { MemoryOutputPipe::new(CAPTURE_LIMIT) };
    if s.capture_stdout || s.merge_stderr {
        wasi.stdout(out.clone());
    }
    if s.capture_stderr {
        wasi.stderr(err.clone());
    }
    let mut store = wasmtime::Store::new(engine, WasmChild { ctx: wasi.build(), table: Default::default() });
    let ticks = s.deadline.map_or(u64::MAX / 2, |d| {
        (d.saturating_duration_since(Instant::now()).as_nanos() / crate::runtime::TICK.as_nanos()).max(1) as u64
    });
    store.set_epoch_deadline(ticks);
    store.epoch_deadline_trap();
    let mut linker = wasmtime::component::Linker::<WasmChild>::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|_| ErrorCode::Io)?;
    let outcome = wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, component, &linker)
        .and_then(|cmd| cmd.wasi_cli_run().call_run(&mut store));
    let mut timed_out = false;
    let status = match outcome {
        Ok(Ok(())) => 0,
        Ok(Err(())) => 1,
        Err(e) => {
            if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
                exit.0
            } else if e.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt) {
                timed_out = true;
                -9
            } else {
                // A trap in the child is its crash: a failed exit, as a
                // native program's abort would be.
                -6
            }
        }
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
pub(crate) fn run(program: &Allowed, s: Spawn<'_>) -> std::result::Result<SpawnResult, ErrorCode> {
    let mut cmd = Command::new(&program.path);
    cmd.arg0(&s.argv[0]).args(&s.argv[1..]).current_dir(&s.cwd).env_clear().envs(s.env.iter().map(|(k, v)| (k, v)));
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
