//! `platform` and `sys` on [`Os`]: what the host is, as the sandbox reports
//! it.

use crate::error::Result;

crate::os::module_view! {
    /// `platform`: [`Os::platform`](crate::Os::platform) borrows the sandbox
    /// for these.
    Platform, platform, "platform"
}

crate::os::module_view! {
    /// `sys`: [`Os::sys`](crate::Os::sys) borrows the sandbox for these.
    Sys, sys, "sys"
}

/// `platform.uname_result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformUname {
    /// `system`.
    pub system: String,
    /// `node`.
    pub node: String,
    /// `release`.
    pub release: String,
    /// `version`.
    pub version: String,
    /// `machine`.
    pub machine: String,
    /// `processor`: empty on Linux, as `uname -p` gives it.
    pub processor: String,
}

/// The functions of `platform` that answer one string.
macro_rules! platform_strings {
    ($($(#[$doc:meta])* $name:ident => $call:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&mut self) -> Result<String> {
            self.os.invoke(|g, s| g.platform(s)?.$call(s))
        }
    )*};
}

impl Platform<'_> {
    platform_strings! {
        /// `platform.system()`: `Linux`.
        system => call_system;
        /// `platform.node()`: the host's name.
        node => call_node;
        /// `platform.release()`.
        release => call_release;
        /// `platform.version()`.
        version => call_version;
        /// `platform.machine()`: `x86_64`.
        machine => call_machine;
        /// `platform.processor()`.
        processor => call_processor;
    }

    /// `platform.uname()`.
    pub fn uname(&mut self) -> Result<PlatformUname> {
        let u = self.os.invoke(|g, s| g.platform(s)?.call_uname(s))?;
        Ok(PlatformUname {
            system: u.system,
            node: u.node,
            release: u.release,
            version: u.version,
            machine: u.machine,
            processor: u.processor,
        })
    }
}

impl Sys<'_> {
    /// `sys.platform`: `wasi`, as CPython on WASI reports.
    pub fn platform(&mut self) -> Result<String> {
        self.os.invoke(|g, s| g.sys(s)?.call_platform(s))
    }
}
