//! The limits of a sandbox, and the errors a store traps with when it
//! reaches them. Every store is made under them (`store.rs`).

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use wasmtime::ResourceLimiter;

/// The time and memory limits of a sandbox.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Limits {
    /// Wall-clock time for each instance, from its start.
    pub(crate) timeout: Option<Duration>,
    /// The most linear memory an instance may hold, in bytes.
    pub(crate) memory: Option<usize>,
}

impl Limits {
    /// When an instance started now must end.
    pub(crate) fn deadline_from_now(&self) -> Option<Instant> {
        self.timeout.and_then(|t| Instant::now().checked_add(t))
    }
}

/// The memory cap of one store. Growing past it is refused, as an
/// allocator's request to the system is: the guest's allocation fails, so
/// what can fail (a buffer a call asks for) raises `MemoryError` and the
/// instance goes on; what cannot ends the instance, and the refusal tells
/// why ([`MemoryCap::refused`]).
pub(crate) struct MemoryCap {
    pub(crate) limit: Option<usize>,
    /// A growth was refused since the last [`MemoryCap::forget`].
    refused: bool,
}

impl MemoryCap {
    pub(crate) fn new(limit: Option<usize>) -> MemoryCap {
        MemoryCap { limit, refused: false }
    }

    /// The cap, if a growth past it was refused since [`Self::forget`].
    pub(crate) fn refusal(&self) -> Option<MemoryExceeded> {
        self.limit.filter(|_| self.refused).map(MemoryExceeded)
    }

    /// Forgets the refusals so far.
    pub(crate) fn forget(&mut self) {
        self.refused = false;
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        match self.limit {
            Some(limit) if desired > limit => {
                self.refused = true;
                Ok(false)
            }
            _ => Ok(true),
        }
    }

    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
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

/// Why a call failed: the sandbox's memory cap.
#[derive(Debug)]
pub(crate) struct MemoryExceeded(pub(crate) usize);

impl std::fmt::Display for MemoryExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the sandbox's memory cap ({} MiB) was reached", self.0 >> 20)
    }
}

impl std::error::Error for MemoryExceeded {}

/// How often the engine's epoch advances: the granularity of time limits.
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// A store's stop switch, for an instance that must end now from outside:
/// a command component run as a child that was sent a signal whose default
/// action ends a process. 0 while it may run, else the signal.
#[derive(Clone, Default, Debug)]
pub(crate) struct Stop(Arc<AtomicI32>);

impl Stop {
    /// The signal that stopped it, if one did.
    pub(crate) fn signal(&self) -> Option<i32> {
        match self.0.load(Ordering::Acquire) {
            0 => None,
            n => Some(n),
        }
    }

    /// Stops it with `signal` (the first signal stays).
    pub(crate) fn set(&self, signal: i32) {
        let _ = self.0.compare_exchange(0, signal, Ordering::AcqRel, Ordering::Acquire);
    }
}

/// Why a store trapped: it was stopped by a signal ([`Stop`]).
#[derive(Debug)]
pub(crate) struct Killed(pub(crate) i32);

impl std::fmt::Display for Killed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stopped by signal {}", self.0)
    }
}

impl std::error::Error for Killed {}

/// Why a store trapped: the host is stopping ([`crate::interrupt`]).
#[derive(Debug)]
pub(crate) struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the sandbox's host is stopping")
    }
}

impl std::error::Error for Interrupted {}

/// When this process's host asked every sandbox to stop, if it did.
static INTERRUPTED: OnceLock<Instant> = OnceLock::new();

/// How long a running call has, once the host is stopping, to finish what
/// a host call's `InterruptedError` made it undo, before its instance traps.
pub(crate) const GRACE: Duration = Duration::from_millis(250);

/// Marks this process's sandboxes as stopping: host calls that wait fail
/// with `EINTR`, guest code traps after [`GRACE`], new calls are refused.
pub(crate) fn set_interrupted() {
    let _ = INTERRUPTED.set(Instant::now());
}

/// The host is stopping.
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.get().is_some()
}

/// The host has been stopping for longer than [`GRACE`].
pub(crate) fn past_grace() -> bool {
    INTERRUPTED.get().is_some_and(|t| t.elapsed() >= GRACE)
}

/// The calls running in this process's sandboxes, so that a stopping host
/// can wait until none is.
static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// One call running into an instance; refused once the host is stopping.
pub(crate) struct Running(());

impl Running {
    pub(crate) fn enter() -> Result<Running, Interrupted> {
        RUNNING.fetch_add(1, Ordering::AcqRel);
        let running = Running(());
        if interrupted() {
            return Err(Interrupted);
        }
        Ok(running)
    }

    /// Waits until no call is running, at most `limit`.
    pub(crate) fn wait_for_none(limit: Duration) {
        let until = Instant::now() + limit;
        while RUNNING.load(Ordering::Acquire) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, Ordering::AcqRel);
    }
}
