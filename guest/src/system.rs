//! System information of `os`: the host's answers where the osbox host is
//! there, CPython-on-WASI's placeholders where it is not.

use crate::Osbox;
use crate::error::{exception, os_error, value_error};
use crate::exports::osbox::os::system::Guest;
use crate::host;
use crate::osbox::os::types::{ErrorCode, Exception, OsError, UnameResult};

impl Guest for Osbox {
    fn getpid() -> i32 {
        host::pids().0
    }

    fn getppid() -> i32 {
        host::pids().1
    }

    fn cpu_count() -> Option<u32> {
        Some(host::system_info().1)
    }

    fn uname() -> UnameResult {
        host::system_info().0
    }

    fn urandom(n: i64) -> Result<Vec<u8>, OsError> {
        let n = u64::try_from(n).map_err(|_| value_error("negative argument not allowed"))?;
        // The host caps one request; larger ones come in pieces.
        const PIECE: u64 = 1 << 20;
        // CPython raises MemoryError for what cannot be allocated; reserving
        // up front turns a failed grow into that instead of an abort.
        let mut out = Vec::new();
        if usize::try_from(n).ok().and_then(|n| out.try_reserve_exact(n).ok()).is_none() {
            return Err(exception(Exception::MemoryError, ""));
        }
        while (out.len() as u64) < n {
            let want = (n - out.len() as u64).min(PIECE);
            out.extend(crate::wasi::random::random::get_random_bytes(want));
        }
        Ok(out)
    }

    fn kill(pid: i32, signal: i32) -> Result<(), OsError> {
        host::kill(pid, signal).map_err(|c| os_error(c, None, None))
    }

    fn get_terminal_size(fd: i32) -> Result<(u32, u32), OsError> {
        // A descriptor that is not open is EBADF, before any terminal is asked.
        if !crate::file::is_open(fd) {
            return Err(os_error(ErrorCode::BadDescriptor, None, None));
        }
        host::terminal_size(fd).map_err(|c| os_error(c, None, None))
    }
}
