//! System information of `os` on [`Os`]: `os.getpid`, `os.cpu_count`,
//! `os.uname`, `os.urandom`, `os.get_terminal_size`.

use crate::error::Result;
use crate::os::Os;

/// `os.uname_result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uname {
    /// `sysname`.
    pub sysname: String,
    /// `nodename`.
    pub nodename: String,
    /// `release`.
    pub release: String,
    /// `version`.
    pub version: String,
    /// `machine`.
    pub machine: String,
}

impl Os {
    /// `os.getpid()`: fixed for the sandbox's life.
    pub fn getpid(&mut self) -> Result<i32> {
        self.invoke(|g, s| g.system(s)?.call_getpid(s))
    }

    /// `os.getppid()`: the osbox host's process.
    pub fn getppid(&mut self) -> Result<i32> {
        self.invoke(|g, s| g.system(s)?.call_getppid(s))
    }

    /// `os.cpu_count()`.
    pub fn cpu_count(&mut self) -> Result<Option<u32>> {
        self.invoke(|g, s| g.system(s)?.call_cpu_count(s))
    }

    /// `os.uname()`, the host's.
    pub fn uname(&mut self) -> Result<Uname> {
        let u = self.invoke(|g, s| g.system(s)?.call_uname(s))?;
        Ok(Uname {
            sysname: u.sysname,
            nodename: u.nodename,
            release: u.release,
            version: u.version,
            machine: u.machine,
        })
    }

    /// `os.urandom(n)`.
    pub fn urandom(&mut self, n: i64) -> Result<Vec<u8>> {
        self.call(|g, s| g.system(s)?.call_urandom(s, n))
    }

    /// `os.get_terminal_size(fd)`: `(columns, lines)`.
    pub fn get_terminal_size(&mut self, fd: i32) -> Result<(u32, u32)> {
        self.call(|g, s| g.system(s)?.call_get_terminal_size(s, fd))
    }
}
