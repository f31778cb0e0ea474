//! osbox: Python's `os` module (with `os.path`) as a sandboxed WebAssembly
//! component, for Rust programs that need os-style file work confined to the
//! directories they grant.
//!
//! ```no_run
//! use osbox::{Runtime, WalkOptions};
//!
//! let runtime = Runtime::new()?;                 // once per process
//! let sandbox = runtime.sandbox()                 // deny by default
//!     .dir("/srv/tenants/a", "/data")             // read-write grant
//!     .ro_dir("/srv/shared", "/shared")           // read-only grant
//!     .env("HOME", "/data")
//!     .build()?;
//! let mut os = sandbox.os()?;                     // one instance
//! os.makedirs("/data/reports/2026", true)?;
//! for step in os.walk("/shared", WalkOptions::default())? {
//!     println!("{} {:?} {:?}", step.dirpath, step.dirnames, step.filenames);
//! }
//! // Nothing outside the grants exists for the guest:
//! let err = os.stat("/etc/passwd").unwrap_err();
//! assert_eq!(err.to_string(), "[Errno 2] No such file or directory: '/etc/passwd'");
//! # Ok::<(), osbox::Error>(())
//! ```
//!
//! Every method is named after its Python function and raises what CPython
//! on Linux raises: the exception class ([`ErrorKind`]), the Linux errno,
//! `strerror`, the file names and `str(exc)` ([`Error`]). The differences
//! WASI forces are listed in `docs/deviations.md`.
//!
//! ## Many tenants, many threads
//!
//! A [`Runtime`] is made once and shared; each tenant gets a [`Sandbox`] on
//! its own directory; any thread makes instances from it:
//!
//! ```
//! # let base = tempfile::tempdir()?;
//! let runtime = osbox::Runtime::new()?;
//! let mut tenants = Vec::new();
//! for t in 0..4 {
//!     let dir = base.path().join(format!("tenant-{t}"));
//!     std::fs::create_dir(&dir)?;
//!     tenants.push(runtime.sandbox().dir(&dir, "/data").build()?);
//! }
//! std::thread::scope(|s| {
//!     for (t, sandbox) in tenants.iter().enumerate() {
//!         s.spawn(move || -> osbox::Result<()> {
//!             let mut os = sandbox.os()?;
//!             os.mkdir(format!("/data/report-{t}"), 0o777)?;
//!             // Each tenant sees its own directory only.
//!             assert_eq!(os.listdir("/data")?, [format!("report-{t}").as_str()]);
//!             Ok(())
//!         });
//!     }
//! });
//! for t in 0..4 {
//!     assert!(base.path().join(format!("tenant-{t}/report-{t}")).is_dir());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The [`exec`] module speaks the JSON-lines protocol of `osbox exec`.
#![deny(missing_docs)]

mod at;
mod bindings;
mod compose;
mod error;
pub mod exec;
mod file;
mod fspath;
mod hostext;
mod limits;
mod os;
mod path;
mod platform;
mod policy;
mod python;
mod runtime;
mod sandbox;
mod shutil;
mod store;
mod subprocess;
mod system;
mod tempfile;
mod time;
mod types;

pub use at::{Fwalk, FwalkItem, FwalkOptions};
pub use compose::{Guest, compose, imports_os_surface};
pub use error::{Error, ErrorKind, Result, py_repr};
pub use file::File;
pub use fspath::FsPath;
pub use hostext::{ProgressFn, interrupt, kill_children};
pub use os::{Os, WalkOptions};
pub use path::OsPath;
pub use platform::{Platform, PlatformUname, Sys};
pub use python::{PythonMain, python_sources};
pub use runtime::{Program, Runtime};
pub use sandbox::{Sandbox, SandboxBuilder};
pub use shutil::{CopyFunction, CopytreeOptions, Shutil};
pub use subprocess::{CompletedProcess, Popen, PopenOptions, PopenStream, Redirect, RunOptions, Subprocess, WrapClose};
pub use system::Uname;
pub use tempfile::{NamedTemporaryFile, Tempfile, TemporaryDirectory};
pub use time::{StructTime, Time};
pub use types::{DirEntry, FileType, FwalkStep, Stat, Statvfs, WalkStep};

/// `signal`: Linux's signal numbers (`signal::SIGTERM` is 15), as
/// `Popen::send_signal` and `Os::kill` take them, and each one's name.
pub use osbox_errno::signal;
