//! `SandboxBuilder` and `Sandbox`: the policy (what a sandbox may reach),
//! and the per-instance state the guest runs against.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use wasmtime_wasi::WasiCtxBuilder;

use crate::error::{Error, ErrorKind, Result};
use crate::hostext::{self, CommandFailed, HostCtx, ProgressFn, SandboxState};
use crate::limits::Limits;
use crate::os::Os;
use crate::policy::{AllowedProgram, Grant};
use crate::runtime::{Program, Runtime};
use crate::store::{Setup, new_store};

impl Runtime {
    /// Starts the policy of a new sandbox: nothing is granted until the
    /// builder says so.
    pub fn sandbox(&self) -> SandboxBuilder {
        SandboxBuilder::new(self.clone())
    }
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
    ///
    /// `guest` must be absolute; it is normalised as `os.path.normpath`
    /// does (`/a/../b` is `/b`, `/x//y/./` is `/x/y`, and a leading `//` is
    /// `/`), and [`build`](Self::build) refuses two grants at the same
    /// normalised path. A grant inside another (`/x` and `/x/y`) is mounted
    /// over it.
    pub fn dir(mut self, host: impl AsRef<Path>, guest: impl Into<String>) -> Self {
        self.grants.push((host.as_ref().to_path_buf(), guest.into(), false));
        self
    }

    /// Grants `host` read-only at `guest` (`--ro-dir HOST::GUEST`): every
    /// write through it fails with `OSError` `EROFS`. `guest` is taken as
    /// [`dir`](Self::dir) takes it.
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
    /// ends. It must be longer than zero ([`build`](Self::build) refuses a
    /// zero limit); one longer than the clock can count is no limit.
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
    /// directory that cannot be opened, and `ValueError` for a guest path that
    /// is not absolute or that is granted twice (after normalisation: the
    /// guest could list one grant and change the other through one path),
    /// and for a time limit of zero.
    pub fn build(self) -> Result<Sandbox> {
        let mut grants: Vec<Grant> = Vec::new();
        for (host, guest, read_only) in self.grants {
            if !guest.starts_with('/') || guest.contains('\0') {
                return Err(Error::new(
                    ErrorKind::Value,
                    format!("guest path must be absolute: {guest:?} (for {})", host.display()),
                ));
            }
            let guest = normalise_guest(&guest);
            if let Some(taken) = grants.iter().find(|g| g.guest == guest) {
                return Err(Error::new(
                    ErrorKind::Value,
                    format!("guest path {guest:?} is granted twice: {} and {}", taken.host.display(), host.display()),
                ));
            }
            Dir::open_ambient_dir(&host, ambient_authority()).map_err(|e| {
                let kind = match e.kind() {
                    std::io::ErrorKind::NotFound => ErrorKind::FileNotFound,
                    std::io::ErrorKind::NotADirectory => ErrorKind::NotADirectory,
                    std::io::ErrorKind::PermissionDenied => ErrorKind::Permission,
                    _ => ErrorKind::OsError,
                };
                Error::new(kind, format!("cannot grant {}: {e}", host.display()))
            })?;
            grants.push(Grant { host, guest, read_only });
        }
        if self.limits.timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::new(ErrorKind::Value, "the time limit must be longer than zero"));
        }
        if let Some(cwd) = self.cwd.as_ref().filter(|c| !c.starts_with('/')) {
            return Err(Error::new(ErrorKind::Value, format!("--cwd must be an absolute guest path: {cwd:?}")));
        }
        let cwd = self.cwd.or_else(|| grants.first().map(|g| g.guest.clone()));
        let engine = &self.runtime.inner().engine;
        let programs = self.allow_run.iter().map(|p| AllowedProgram::resolve(p, engine)).collect::<Result<Vec<_>>>()?;
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
            programs: Arc::new(programs),
        })
    }
}

/// An absolute guest path normalised as `posixpath.normpath` does, and a
/// leading `//` taken as `/` as the guest takes it: the one spelling the
/// guest, WASI's preopens and the host extension all use.
fn normalise_guest(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    format!("/{}", parts.join("/"))
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
    programs: Arc<Vec<AllowedProgram>>,
}

impl Sandbox {
    /// A new instance of the guest under this policy, with its own current
    /// directory, environment and descriptors.
    pub fn os(&self) -> Result<Os> {
        let mut store = self.store(WasiCtxBuilder::new(), false)?;
        let inner = self.runtime.inner();
        let instance = inner.pre.instantiate(&mut store).map_err(Error::sandbox)?;
        let exports = crate::bindings::Exports::new(instance, inner.indices.clone());
        Ok(Os::new(self.runtime.clone(), store, exports))
    }

    /// Where the guest sees the host file `path`, if it lies inside a grant
    /// (the first grant that holds it).
    pub(crate) fn guest_path(&self, path: &Path) -> Option<String> {
        let path = path.canonicalize().ok()?;
        self.grants.iter().find_map(|g| {
            let rel = path.strip_prefix(g.host.canonicalize().ok()?).ok()?;
            let rel = rel.to_str()?;
            let base = g.guest.trim_end_matches('/');
            Some(if rel.is_empty() { format!("{base}/") } else { format!("{base}/{rel}") })
        })
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
        let mut store = self.store(wasi, true)?;
        let linker = &self.runtime.inner().linker;
        let _running =
            crate::limits::Running::enter().map_err(|e| Error::new(ErrorKind::Interrupted, e.to_string()))?;
        let failed = match hostext::run_command(&mut store, linker, &program.component) {
            Ok(status) => return Ok(status),
            Err(failed) => failed,
        };
        match failed {
            CommandFailed::Start(e) => {
                let why = format!("{e:#}");
                match crate::store::failure(&store, e) {
                    // Imports this sandbox does not provide, or no wasi:cli/run.
                    (err, _) if err.kind() == ErrorKind::Sandbox => {
                        Err(Error::new(ErrorKind::Value, format!("cannot run the component: {why}")))
                    }
                    (err, _) => Err(err),
                }
            }
            CommandFailed::Trap(e) => Err(crate::store::failure(&store, e).0),
        }
    }

    /// A store under this policy; `wasi` comes with what only the caller
    /// knows (arguments, standard streams: the host's when `inherit_stdio`,
    /// and then children that inherit theirs get the host's too).
    fn store(&self, wasi: WasiCtxBuilder, inherit_stdio: bool) -> Result<wasmtime::Store<SandboxState>> {
        let inner = self.runtime.inner();
        let setup = Setup {
            grants: &self.grants,
            env: &self.env,
            cwd: self.cwd.as_deref(),
            deadline: self.limits.deadline_from_now(),
            memory: self.limits.memory,
            stop: Default::default(),
        };
        let host = HostCtx {
            grants: self.grants.clone(),
            programs: self.programs.clone(),
            progress: self.progress.clone(),
            pid: self.pid,
            memory: self.limits.memory,
            linker: inner.linker.clone(),
            inherit_stdio,
            children: crate::hostext::Children::new(),
        };
        new_store(&inner.engine, &setup, wasi, host)
    }
}
