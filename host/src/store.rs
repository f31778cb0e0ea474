//! Every store an osbox sandbox runs in is made here, by [`new_store`]:
//! WASI's context over the granted directories, the memory cap, the epoch
//! deadline and the hostcall fuel. A limit added here reaches every
//! instance: `Sandbox::os`, `Sandbox::run`, and the command components a
//! sandbox runs as its children.

use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::error::{Error, Result};
use crate::limits::{MemoryCap, TICK};
use crate::policy::Grant;

/// What a store holds: WASI's context, the resource table, the memory cap
/// and deadline, and the data of the imports beyond WASI (`ext`: the osbox
/// host extension's context).
pub(crate) struct State<X> {
    wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    memory: MemoryCap,
    /// When the instance's time limit ends, if it has one.
    pub(crate) deadline: Option<Instant>,
    pub(crate) ext: X,
}

impl<X: Send> WasiView for State<X> {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// What a new store is made of.
pub(crate) struct Setup<'a> {
    /// Its preopened directories.
    pub(crate) grants: &'a [Grant],
    /// Its whole environment.
    pub(crate) env: &'a [(String, String)],
    /// Its initial current directory, a guest path.
    pub(crate) cwd: Option<&'a str>,
    /// When it must end.
    pub(crate) deadline: Option<Instant>,
    /// The most linear memory it may hold, in bytes.
    pub(crate) memory: Option<usize>,
}

/// The most a 32-bit guest can hold, and so pass to the host in one call.
const GUEST_ADDRESS_SPACE: usize = 4 << 30;

/// A store under `setup`; `wasi` comes with what only the caller knows
/// (arguments, standard streams).
pub(crate) fn new_store<X: Send + 'static>(
    engine: &Engine,
    setup: &Setup<'_>,
    mut wasi: WasiCtxBuilder,
    ext: X,
) -> Result<Store<State<X>>> {
    // Before the preopens: each preopen captures the setting when made,
    // and running file calls in place is what makes them cheap.
    wasi.allow_blocking_current_thread(true);
    for g in setup.grants {
        let perms = if g.read_only { FsPerms::ReadOnly } else { FsPerms::ReadWrite };
        wasi.preopened_dir(&g.host, &g.guest, perms).map_err(Error::sandbox)?;
    }
    wasi.envs(setup.env);
    if let Some(cwd) = setup.cwd {
        wasi.initial_cwd(cwd);
    }
    let state = State {
        wasi: wasi.build(),
        table: ResourceTable::new(),
        memory: MemoryCap { limit: setup.memory },
        deadline: setup.deadline,
        ext,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.memory);
    // What the host copies out of the guest in one call is bounded by what
    // the guest may hold, not by wasmtime's default (128 MiB), which would
    // end the instance on a large but legitimate write.
    store.set_hostcall_fuel(setup.memory.unwrap_or(GUEST_ADDRESS_SPACE));
    let ticks = match setup.deadline {
        Some(d) => {
            let ticks = d.saturating_duration_since(Instant::now()).as_nanos() / TICK.as_nanos();
            u64::try_from(ticks).unwrap_or(u64::MAX / 2).max(1)
        }
        None => u64::MAX / 2,
    };
    store.set_epoch_deadline(ticks);
    store.epoch_deadline_trap();
    Ok(store)
}
