//! `platform` and `sys`: what the host is, read from `os.uname()` as
//! Python's `platform` module reads it on Linux, and what the interpreter
//! says of itself.

use crate::Osbox;
use crate::exports::osbox::os::platform::{Guest, UnameResult};
use crate::exports::osbox::os::system::Guest as System;

/// `os.uname()`, which `platform` reads.
fn os_uname() -> crate::osbox::os::types::UnameResult {
    <Osbox as System>::uname()
}

impl Guest for Osbox {
    fn system() -> String {
        os_uname().sysname
    }

    fn node() -> String {
        os_uname().nodename
    }

    fn release() -> String {
        os_uname().release
    }

    fn version() -> String {
        os_uname().version
    }

    fn machine() -> String {
        os_uname().machine
    }

    fn processor() -> String {
        // Linux's `uname -p` says nothing, so Python's platform says "".
        String::new()
    }

    fn uname() -> UnameResult {
        let u = os_uname();
        UnameResult {
            system: u.sysname,
            node: u.nodename,
            release: u.release,
            version: u.version,
            machine: u.machine,
            processor: Osbox::processor(),
        }
    }
}

impl crate::exports::osbox::os::sys::Guest for Osbox {
    fn platform() -> String {
        "wasi".into()
    }
}
