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

mod direct;
mod env;
mod error;
pub mod file;
mod fs;
mod fspath;
mod fwalk;
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

/// The canonical ABI's allocator (the host calls it to place a call's
/// arguments and a host call's results in guest memory), as wit-bindgen's
/// but for one thing: an allocation the memory cap refuses answers with an
/// address past the end of memory instead of aborting. The host then
/// refuses the call before the guest runs, the caller gets `MemoryError`,
/// and the instance lives on, where an abort would end it.
///
/// # Safety
///
/// As wit-bindgen's `cabi_realloc`: `old_ptr` and `old_len` describe an
/// allocation this allocator made with `align`, or `old_len` is 0.
#[cfg(target_arch = "wasm32")]
#[unsafe(export_name = "cabi_realloc")]
pub unsafe extern "C" fn cabi_realloc(old_ptr: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    use std::alloc::{Layout, alloc, realloc};
    if old_len == 0 && new_len == 0 {
        return align as *mut u8;
    }
    // SAFETY: the canonical ABI passes a power-of-two alignment and sizes
    // that fit the 32-bit address space; `old_ptr` came from here.
    let ptr = unsafe {
        if old_len == 0 {
            alloc(Layout::from_size_align_unchecked(new_len, align))
        } else {
            realloc(old_ptr, Layout::from_size_align_unchecked(old_len, align), new_len)
        }
    };
    if ptr.is_null() { (usize::MAX & !(align - 1)) as *mut u8 } else { ptr }
}
