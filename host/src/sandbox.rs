//! `SandboxBuilder` and `Sandbox`: the policy (what a sandbox may reach),
//! and the per-instance state the guest runs against.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use std::time::{Duration, Instant};

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::error::{Error, ErrorKind, Result};
use crate::os::Os;
use crate::process::Allowed;
use crate::runtime::{Program, Runtime};

/// One directory the sandbox may reach.
#[derive(Clone)]
pub(crate) struct Grant {
    /// The host directory, as given.
    pub(crate) host: PathBuf,
    /// Where the guest sees it (`/work`).
    pub(crate) guest: String,
    /// Every write through it fails with `EROFS`.
    pub(crate) read_only: bool,
    /// The same directory, opened for the host extension (cap-std).
    pub(crate) dir: Arc<Dir>,
}

/// The policy of a sandbox, deny by default: no directory, no environment
/// variable, nothing else of the host until granted.
///
/// ```no_run
/// let runtime = osbox::Runtime::new()?;
/// let sandbox = runtime
///     .sandbox()
///     .dir("/srv/tenants/a", "/data")
///     .ro_dir("/srv/shared", "/shared")
///     .env("HOME", "/data")
///     .cwd("/data")
///     .build()?;
/// # Ok::<(), osbox::Error>(())
/// ```
pub struct SandboxBuilder {
    runtime: Runtime,
    grants: Vec<(PathBuf, String, bool)>,
    env: Vec<(String, String)>,
    cwd: Option<String>,
    progress: Option<ProgressFn>,
    limits: Limits,
    allow_run: Vec<String>,
}

/// The time and memory limits of a sandbox.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Limits {
    pub(crate) timeout: Option<Duration>,
    pub(crate) memory: Option<usize>,
}

/// Called with the operation (`copytree`, `rmtree`, `move`) and the files
/// done so far, from the thread running the call.
pub type ProgressFn = Arc<dyn Fn(&str, u64) + Send + Sync>;

impl SandboxBuilder {
    pub(crate) fn new(runtime: Runtime) -> Self {
        SandboxBuilder {
            runtime,
            grants: Vec::new(),
            env: Vec::new(),
            cwd: None,
            progress: None,
            limits: Limits::default(),
            allow_run: Vec::new(),
        }
    }

    /// Grants `host` read-write, seen by the guest at `guest` (`--dir HOST::GUEST`).
    pub fn dir(mut self, host: impl AsRef<Path>, guest: impl Into<String>) -> Self {
        self.grants.push((host.as_ref().to_path_buf(), guest.into(), false));
        self
    }

    /// Grants `host` read-only at `guest` (`--ro-dir HOST::GUEST`): every
    /// write through it fails with `OSError` `EROFS`.
    pub fn ro_dir(mut self, host: impl AsRef<Path>, guest: impl Into<String>) -> Self {
        self.grants.push((host.as_ref().to_path_buf(), guest.into(), true));
        self
    }

    /// Sets one environment variable of the guest (`--env NAME=VALUE`).
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.env.retain(|(k, _)| *k != name);
        self.env.push((name, value.into()));
        self
    }

    /// Passes the host's value of `name` through, if it is set (`--env NAME`).
    pub fn inherit_env(self, name: &str) -> Self {
        match std::env::var(name) {
            Ok(v) => self.env(name, v),
            Err(_) => self,
        }
    }

    /// The guest's initial current directory (`--cwd`); by default the first
    /// granted directory.
    pub fn cwd(mut self, guest: impl Into<String>) -> Self {
        self.cwd = Some(guest.into());
        self
    }

    /// Lets `os.system` and `subprocess` start `program` (`--allow-run`): a
    /// name looked up on the host's `PATH` now, or a path; or
    /// `name=path/to/command.wasm`, a WASI command component that runs as
    /// `name` in a sandbox of its own with the same grants. Nothing else may
    /// be started; `os.system` needs `sh`.
    pub fn allow_run(mut self, program: impl Into<String>) -> Self {
        self.allow_run.push(program.into());
        self
    }

    /// A wall-clock limit for each instance (`--timeout`), from its start:
    /// past it the running call fails with `TimeoutError` and the instance
    /// ends.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.limits.timeout = Some(limit);
        self
    }

    /// A cap on the guest's memory in bytes (`--memory`): growing past it
    /// fails the call with `MemoryError` and ends the instance.
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.limits.memory = Some(bytes);
        self
    }

    /// Reports the progress of long tree operations (`shutil.copytree`,
    /// `rmtree`, `move`): `f(operation, files_done)` after each file.
    pub fn on_progress(mut self, f: impl Fn(&str, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Checks the policy and opens the granted directories.
    ///
    /// Fails with `FileNotFoundError`/`NotADirectoryError` for a host
    /// directory that cannot be opened and `ValueError` for a guest path that
    /// is not absolute.
    pub fn build(self) -> Result<Sandbox> {
        let mut grants = Vec::new();
        for (host, guest, read_only) in self.grants {
            if !guest.starts_with('/') || guest.contains('\0') {
                return Err(Error::new(
                    ErrorKind::Value,
                    format!("guest path must be absolute: {guest:?} (for {})", host.display()),
                ));
            }
            let dir = Dir::open_ambient_dir(&host, ambient_authority()).map_err(|e| {
                let kind = match e.kind() {
                    std::io::ErrorKind::NotFound => ErrorKind::FileNotFound,
                    std::io::ErrorKind::NotADirectory => ErrorKind::NotADirectory,
                    std::io::ErrorKind::PermissionDenied => ErrorKind::Permission,
                    _ => ErrorKind::OsError,
                };
                Error::new(kind, format!("cannot grant {}: {e}", host.display()))
            })?;
            grants.push(Grant { host, guest, read_only, dir: Arc::new(dir) });
        }
        if let Some(cwd) = self.cwd.as_ref().filter(|c| !c.starts_with('/')) {
            return Err(Error::new(ErrorKind::Value, format!("--cwd must be an absolute guest path: {cwd:?}")));
        }
        let cwd = self.cwd.or_else(|| grants.first().map(|g| g.guest.clone()));
        let engine = &self.runtime.inner().engine;
        let policy = self.allow_run.iter().map(|p| Allowed::resolve(p, engine)).collect::<Result<Vec<_>>>()?;
        // A process id of its own, stable for the sandbox's life.
        static NEXT_PID: AtomicI32 = AtomicI32::new(1000);
        let pid = NEXT_PID.fetch_add(1, Ordering::Relaxed);
        Ok(Sandbox {
            runtime: self.runtime,
            grants: Arc::new(grants),
            env: self.env,
            cwd,
            progress: self.progress,
            pid,
            limits: self.limits,
            policy: Arc::new(policy),
        })
    }
}

/// A checked policy. Each [`Sandbox::os`] call starts a fresh instance
/// under it; instances share nothing but the granted directories.
#[derive(Clone)]
pub struct Sandbox {
    runtime: Runtime,
    grants: Arc<Vec<Grant>>,
    env: Vec<(String, String)>,
    cwd: Option<String>,
    progress: Option<ProgressFn>,
    pid: i32,
    limits: Limits,
    policy: Arc<Vec<Allowed>>,
}

impl Sandbox {
    /// A new instance of the guest under this policy, with its own current
    /// directory, environment and descriptors.
    pub fn os(&self) -> Result<Os> {
        let mut store = self.store(WasiCtxBuilder::new())?;
        let inner = self.runtime.inner();
        let instance = inner.pre.instantiate(&mut store).map_err(Error::sandbox)?;
        let exports = crate::bindings::Exports::new(instance, inner.indices.clone());
        Ok(Os::new(self.runtime.clone(), store, exports))
    }

    /// The runtime this sandbox runs in (for [`Runtime::program`]).
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Runs a WASI command component under this policy, as `osbox run`
    /// does: the granted directories are its preopens, the granted
    /// environment is its environment, `args` its arguments (`args[0]` is
    /// the program's name), its standard streams are this process's, and the
    /// time and memory limits apply. Returns its exit status; the sandbox's
    /// limits and traps are errors ([`ErrorKind::Timeout`],
    /// [`ErrorKind::Memory`], [`ErrorKind::Sandbox`]).
    ///
    /// ```no_run
    /// let runtime = osbox::Runtime::new()?;
    /// let program = runtime.program(&std::fs::read("backup.wasm")?)?;
    /// let sandbox = runtime.sandbox().dir("/srv/tenant-a", "/data").build()?;
    /// let status = sandbox.run(&program, &["backup", "/data/app", "/data"])?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self, program: &Program, args: &[impl AsRef<str>]) -> Result<i32> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.inherit_stdio();
        wasi.args(&args.iter().map(|a| a.as_ref()).collect::<Vec<_>>());
        let mut store = self.store(wasi)?;
        let linker = &self.runtime.inner().linker;
        let command = wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &program.component, linker)
            .map_err(|e| match e.downcast_ref::<MemoryExceeded>() {
            Some(_) => Error::from_trap(e),
            // Imports this sandbox does not provide, or no wasi:cli/run.
            None => Error::new(ErrorKind::Value, format!("cannot run the component: {e:#}")),
        })?;
        match command.wasi_cli_run().call_run(&mut store) {
            Ok(Ok(())) => Ok(0),
            Ok(Err(())) => Ok(1),
            Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
                Some(exit) => Ok(exit.0),
                None => Err(Error::from_trap(e)),
            },
        }
    }

    /// A store under this policy; `wasi` comes with what only the caller
    /// knows (arguments, standard streams).
    fn store(&self, mut wasi: WasiCtxBuilder) -> Result<Store<State>> {
        // Before the preopens: each preopen captures the setting when made,
        // and running file calls in place is what makes them cheap.
        wasi.allow_blocking_current_thread(true);
        for g in self.grants.iter() {
            let perms = if g.read_only { FsPerms::ReadOnly } else { FsPerms::ReadWrite };
            wasi.preopened_dir(&g.host, &g.guest, perms).map_err(Error::sandbox)?;
        }
        wasi.envs(&self.env);
        if let Some(cwd) = &self.cwd {
            wasi.initial_cwd(cwd);
        }
        let state = State {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            grants: self.grants.clone(),
            progress: self.progress.clone(),
            pid: self.pid,
            memory: MemoryCap { limit: self.limits.memory },
            policy: self.policy.clone(),
            deadline: self.limits.timeout.map(|t| Instant::now() + t),
        };
        let mut store = Store::new(&self.runtime.inner().engine, state);
        store.limiter(|s| &mut s.memory);
        let ticks = match self.limits.timeout {
            Some(t) => (t.as_nanos() / crate::runtime::TICK.as_nanos()).max(1) as u64,
            None => u64::MAX / 2,
        };
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        Ok(store)
    }
}

/// What a store holds: WASI's context and the host extension's view of the
/// same grants.
pub(crate) struct State {
    wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) grants: Arc<Vec<Grant>>,
    pub(crate) progress: Option<ProgressFn>,
    /// `os.getpid()` in this sandbox.
    pub(crate) pid: i32,
    memory: MemoryCap,
    /// The programs it may start.
    pub(crate) policy: Arc<Vec<Allowed>>,
    /// When its time limit ends, if it has one.
    pub(crate) deadline: Option<Instant>,
}

/// The memory cap: growing past it traps with [`MemoryExceeded`].
struct MemoryCap {
    limit: Option<usize>,
}

/// Why a store trapped: its time limit, seen by the host.
#[derive(Debug)]
pub(crate) struct TimeLimit;

impl std::fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the sandbox's time limit was reached")
    }
}

impl std::error::Error for TimeLimit {}

/// Why a store trapped: its memory cap.
#[derive(Debug)]
pub(crate) struct MemoryExceeded(pub(crate) usize);

impl std::fmt::Display for MemoryExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the sandbox's memory cap ({} MiB) was reached", self.0 >> 20)
    }
}

impl std::error::Error for MemoryExceeded {}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        match self.limit {
            Some(limit) if desired > limit => Err(wasmtime::Error::new(MemoryExceeded(limit))),
            _ => Ok(true),
        }
    }

    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}
