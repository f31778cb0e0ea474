//! `osbox._osbox`: the native half of the `osbox` Python package.
//!
//! One [`Core`] is one running sandbox (an [`osbox::Os`]); the Python half
//! (python/osbox) builds `os`, `shutil`, `open`, `Path` and the rest on it.
//! The calls Python programs make in loops (`stat`, `listdir`, `scandir`,
//! `walk`, the descriptor calls behind `open`) are typed methods on the Rust
//! API; every other function goes through [`osbox::exec::call`] by its
//! dotted Python name, so its name, arguments and errors are exactly those
//! of the protocol (docs/protocol.md).
//!
//! ## Threads
//!
//! A `Core` may be shared by Python threads. Its `Os` sits behind a mutex,
//! as one process's cwd, environment and descriptors are shared by its
//! threads; calls on one sandbox run one at a time, calls on different
//! sandboxes in parallel. Every call converts its arguments while attached
//! to the interpreter, then detaches (releasing the GIL) *before* taking the
//! mutex, runs, and re-attaches to convert the answer: a thread waiting for
//! the sandbox never holds the GIL, so the two locks cannot deadlock.

use pyo3::prelude::*;

mod convert;
mod core;
mod direntry;
mod errors;
mod process;

/// The native half of osbox: `Core` (one sandbox), `DirEntry`,
/// `SandboxError`, and the processes (`PopenOptions`, `Popen`,
/// `PopenStream`, the `signal` table). Use the `osbox` package, not this
/// module.
#[pymodule]
mod _osbox {
    #[pymodule_export]
    use super::core::Core;
    #[pymodule_export]
    use super::direntry::DirEntry;
    #[pymodule_export]
    use super::errors::SandboxError;
    #[pymodule_export]
    use super::process::{Popen, PopenOptions, PopenStream, nsig, signals};
}
