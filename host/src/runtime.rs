//! `Runtime`: the engine, the compiled guest and the linker, built once per
//! process and shared by every sandbox.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine};

use crate::bindings;
use crate::compose::{GUEST, Guest};
use crate::error::{Error, Result};
use crate::hostext::SandboxState;
use crate::limits::TICK;

/// The engine, the compiled guest and its pre-linked instance: everything
/// a sandbox needs that does not depend on its policy.
///
/// Compiling the guest takes a few hundred milliseconds, so the result is
/// cached on disk (see [`Runtime::with_cache_dir`]) and a `Runtime` should be
/// made once and shared: it is cheap to clone, `Send` and `Sync`.
///
/// ```no_run
/// let runtime = osbox::Runtime::new()?;
/// let sandbox = runtime.sandbox().dir("/srv/tenant-a", "/data").build()?;
/// let mut os = sandbox.os()?;
/// println!("{:?}", os.listdir("/data")?);
/// # Ok::<(), osbox::Error>(())
/// ```
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) engine: Engine,
    pub(crate) pre: wasmtime::component::InstancePre<SandboxState>,
    /// Where the guest's exports are, for [`bindings::Exports`].
    pub(crate) indices: Arc<bindings::Indices>,
    /// WASI and the host extension, for programs run in a sandbox and the
    /// command components sandboxes run as children.
    pub(crate) linker: Arc<Linker<SandboxState>>,
    pub(crate) cache: Option<PathBuf>,
    /// The Python interpreter component, once loaded ([`Runtime::python`]).
    pub(crate) python: std::sync::OnceLock<Program>,
}

impl Runtime {
    /// A runtime caching the compiled guest in the default cache directory:
    /// `$OSBOX_CACHE_DIR`, else `$XDG_CACHE_HOME/osbox`, else
    /// `$HOME/.cache/osbox`; with none of them set, nothing is cached.
    pub fn new() -> Result<Runtime> {
        Runtime::with_cache_dir(default_cache_dir())
    }

    /// A runtime caching the compiled guest in `dir` (`None`: no cache).
    ///
    /// The cache holds native code that is loaded without verification:
    /// it must be writable only by the user running osbox, as `~/.cache` is.
    pub fn with_cache_dir(dir: Option<PathBuf>) -> Result<Runtime> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        // Time limits: a ticker thread advances the epoch, and each store's
        // deadline counts ticks (see `SandboxBuilder::timeout`).
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(Error::sandbox)?;
        let component = load_component(&engine, dir.as_deref()).map_err(Error::sandbox)?;
        let mut linker = Linker::<SandboxState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(Error::sandbox)?;
        crate::hostext::add_to_linker(&mut linker).map_err(Error::sandbox)?;
        let pre = linker.instantiate_pre(&component).map_err(Error::sandbox)?;
        let indices = Arc::new(bindings::Indices::new(&pre).map_err(Error::sandbox)?);
        let inner =
            Arc::new(Inner { engine, pre, indices, linker: Arc::new(linker), cache: dir, python: Default::default() });
        start_ticker(Arc::downgrade(&inner)).map_err(Error::sandbox)?;
        Ok(Runtime { inner })
    }

    /// Loads a WASI command component (one that exports `wasi:cli/run`) to
    /// run in sandboxes with [`Sandbox::run`](crate::Sandbox::run): what
    /// `osbox run` does.
    ///
    /// A component that imports the os surface (`osbox:os/fs` and the
    /// rest) without containing osbox gets the osbox component plugged in
    /// first ([`compose`](crate::compose)). The compiled code is cached
    /// like the guest's.
    pub fn program(&self, wasm: &[u8]) -> Result<Program> {
        let composed;
        let wasm = if crate::compose::imports_os_surface(wasm)? {
            composed = crate::compose::compose(wasm, Guest::Full)?;
            &composed[..]
        } else {
            wasm
        };
        let key = format!("program-{:016x}{:016x}", sip(wasm, 0), sip(wasm, 1));
        let component = compile(&self.inner.engine, self.inner.cache.as_deref(), &key, wasm)
            .map_err(|e| Error::new(crate::ErrorKind::Value, format!("not a runnable component: {e:#}")))?;
        Ok(Program { component })
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }
}

/// A compiled WASI command component, ready to run in any sandbox of its
/// runtime ([`Runtime::program`]).
#[derive(Clone)]
pub struct Program {
    pub(crate) component: Component,
}

/// SipHash (std's, fixed keys) of `bytes`, seeded: a cache key.
fn sip(bytes: &[u8], seed: u8) -> u64 {
    let mut h = DefaultHasher::new();
    seed.hash(&mut h);
    bytes.hash(&mut h);
    h.finish()
}

/// Advances the engine's epoch every [`TICK`] for as long as the runtime
/// lives.
fn start_ticker(inner: std::sync::Weak<Inner>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("osbox-epoch".into())
        .spawn(move || {
            while let Some(inner) = inner.upgrade() {
                inner.engine.increment_epoch();
                drop(inner);
                std::thread::sleep(TICK);
            }
        })
        .map(drop)
}

fn default_cache_dir() -> Option<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("OSBOX_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("osbox")))
        .or_else(|| var("HOME").map(|d| d.join(".cache/osbox")))
}

/// The compiled guest: from the cache when a matching entry is there, else
/// compiled and stored for the next process.
fn load_component(engine: &Engine, cache: Option<&Path>) -> wasmtime::Result<Component> {
    compile(engine, cache, concat!("guest-", env!("OSBOX_GUEST_HASH")), GUEST)
}

/// Compiles `wasm`, or loads it from the cache entry named by `key` (which
/// must identify the bytes) and the engine's configuration.
fn compile(engine: &Engine, cache: Option<&Path>, key: &str, wasm: &[u8]) -> wasmtime::Result<Component> {
    compile_lazy(engine, cache, key, || Ok(wasm.to_vec()))
}

/// [`compile`], with the bytes made only when the cache has no entry for
/// `key` (for a component too big to read or compose at every start).
pub(crate) fn compile_lazy(
    engine: &Engine,
    cache: Option<&Path>,
    key: &str,
    wasm: impl FnOnce() -> wasmtime::Result<Vec<u8>>,
) -> wasmtime::Result<Component> {
    let Some(dir) = cache else { return Component::new(engine, wasm()?) };
    let mut h = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    let file = dir.join(format!("{key}-{:016x}.cwasm", h.finish()));
    if file.is_file() {
        // SAFETY: the file was written by `serialize` below for these exact
        // bytes and engine configuration (both are in its name), in a
        // directory only the user can write.
        if let Ok(c) = unsafe { Component::deserialize_file(engine, &file) } {
            return Ok(c);
        }
    }
    let component = Component::new(engine, wasm()?)?;
    // A cache that cannot be written only costs the next start its time.
    let _ = store(&file, &component.serialize()?);
    Ok(component)
}

/// Writes the cache entry atomically, so a concurrent start never reads a
/// half-written file.
fn store(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".tmp-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, file).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
