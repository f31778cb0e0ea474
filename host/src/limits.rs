//! The limits of a sandbox, and the errors a store traps with when it
//! reaches them. Every store is made under them (`store.rs`).

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
