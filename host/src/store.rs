//! Every store an osbox sandbox runs in is made here, by [`new_store`]:
//! WASI's context over the granted directories, the memory cap, the epoch
//! deadline and the hostcall fuel. A limit added here reaches every
//! instance: `Sandbox::os`, `Sandbox::run`, and the command components a
//! sandbox runs as its children.

use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::error::{Error, ErrorKind, Result};
use crate::limits::{Interrupted, Killed, MemoryCap, Stop, TimeLimit};
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
    /// Set when the instance must end now (a command component run as a
    /// child that was killed).
    pub(crate) stop: Stop,
    /// What the last read or listing of a host call kept for the host's
    /// own caller (`osbox:os/direct`), taken when that call returns.
    pub(crate) held: crate::hostext::Held,
    pub(crate) ext: X,
}

impl<X> State<X> {
    /// Forgets refused growths: called after each call, whatever it gave.
    pub(crate) fn forget_refusals(&mut self) {
        self.memory.forget();
    }
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
    /// Its stop switch.
    pub(crate) stop: Stop,
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
        memory: MemoryCap::new(setup.memory),
        deadline: setup.deadline,
        stop: setup.stop.clone(),
        held: crate::hostext::Held::new(setup.memory),
        ext,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.memory);
    // What the host copies out of the guest in one call is bounded by what
    // the guest may hold, not by wasmtime's default (128 MiB), which would
    // end the instance on a large but legitimate write.
    store.set_hostcall_fuel(setup.memory.unwrap_or(GUEST_ADDRESS_SPACE));
    // Every tick the store's code runs it looks up whether it must end:
    // its time limit, a signal (a command component run as a child), the
    // host stopping (after the grace a call gets to undo what it made).
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|ctx| {
        let s = ctx.data();
        if let Some(signal) = s.stop.signal() {
            return Err(wasmtime::Error::new(Killed(signal)));
        }
        if crate::limits::past_grace() {
            return Err(wasmtime::Error::new(Interrupted));
        }
        if s.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(wasmtime::Error::new(TimeLimit));
        }
        Ok(wasmtime::UpdateDeadline::Continue(1))
    });
    Ok(store)
}

/// Whether an instance can still be entered after a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After {
    /// It trapped (or its limit ended it): every later call fails.
    Dead,
    /// The call was refused before the guest ran (an argument too big for
    /// the memory it may still have): the instance is as it was.
    Alive,
}

/// What a failed call into an instance of `store` means, in one place:
/// `MemoryError` when a growth past the memory cap was refused, whether the
/// guest could not allocate an argument (the instance lives on) or
/// aborted (it does not); `TimeoutError` at the time limit; else the
/// sandbox failed.
pub(crate) fn failure<X>(store: &Store<State<X>>, e: wasmtime::Error) -> (Error, After) {
    let trapped = e.downcast_ref::<wasmtime::Trap>().is_some() || e.downcast_ref::<wasmtime::WasmBacktrace>().is_some();
    if let Some(cap) = store.data().memory.refusal() {
        let after = if trapped { After::Dead } else { After::Alive };
        return (Error::new(ErrorKind::Memory, cap.to_string()), after);
    }
    if e.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt) || e.downcast_ref::<TimeLimit>().is_some()
    {
        return (Error::new(ErrorKind::Timeout, TimeLimit.to_string()), After::Dead);
    }
    if e.downcast_ref::<Interrupted>().is_some() {
        return (Error::new(ErrorKind::Interrupted, Interrupted.to_string()), After::Dead);
    }
    (Error::sandbox(e), After::Dead)
}
