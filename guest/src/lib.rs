//! osbox-guest: Python's `os`, `os.path` and friends as a WebAssembly
//! component over WASI preview 2.
//!
//! Python semantics live here: path algebra, the current directory and the
//! environment, walk and makedirs, and the mapping of every failure to the
//! exception CPython on Linux would raise (`error.rs`, the one place).
//! Each WIT interface has its module: `path.rs`, `fs.rs`, `env.rs`.

// Every exported function returns `Result<_, OsError>`, as the WIT says:
// the error is a whole exception record, by design.
#![allow(clippy::result_large_err)]

wit_bindgen::generate!({
    world: "os",
    path: "../wit",
    generate_all,
});

mod env;
mod error;
pub mod file;
mod fs;
mod fspath;
mod host;
mod path;
mod platform;
pub mod posixpath;
mod sandbox;
mod shutil;
mod stat;
mod subprocess;
mod system;
mod tempfile;
mod time;

/// The component: one type implements every exported interface.
struct Osbox;

export!(Osbox);
