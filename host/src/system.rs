//! System information and clocks on [`Os`]: `os.getpid`, `os.uname`,
//! `os.urandom`, `time.time`, `time.gmtime`, `time.strftime` and friends.

use crate::bindings::osbox::os::types as wit;
use crate::error::Result;
use crate::os::Os;

/// `os.uname_result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uname {
    /// `sysname` (`platform.system()`).
    pub sysname: String,
    /// `nodename` (`platform.node()`).
    pub nodename: String,
    /// `release` (`platform.release()`).
    pub release: String,
    /// `version` (`platform.version()`).
    pub version: String,
    /// `machine` (`platform.machine()`).
    pub machine: String,
}

/// `time.struct_time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructTime {
    /// `tm_year`.
    pub tm_year: i64,
    /// `tm_mon`, 1 to 12.
    pub tm_mon: i32,
    /// `tm_mday`.
    pub tm_mday: i32,
    /// `tm_hour`.
    pub tm_hour: i32,
    /// `tm_min`.
    pub tm_min: i32,
    /// `tm_sec`.
    pub tm_sec: i32,
    /// `tm_wday`, Monday 0.
    pub tm_wday: i32,
    /// `tm_yday`, 1 to 366.
    pub tm_yday: i32,
    /// `tm_isdst`.
    pub tm_isdst: i32,
    /// `tm_zone`.
    pub tm_zone: String,
    /// `tm_gmtoff`.
    pub tm_gmtoff: i64,
}

impl From<wit::StructTime> for StructTime {
    fn from(t: wit::StructTime) -> Self {
        StructTime {
            tm_year: t.year,
            tm_mon: t.mon,
            tm_mday: t.mday,
            tm_hour: t.hour,
            tm_min: t.min,
            tm_sec: t.sec,
            tm_wday: t.wday,
            tm_yday: t.yday,
            tm_isdst: t.isdst,
            tm_zone: t.zone,
            tm_gmtoff: t.gmtoff,
        }
    }
}

impl From<&StructTime> for wit::StructTime {
    fn from(t: &StructTime) -> Self {
        wit::StructTime {
            year: t.tm_year,
            mon: t.tm_mon,
            mday: t.tm_mday,
            hour: t.tm_hour,
            min: t.tm_min,
            sec: t.tm_sec,
            wday: t.tm_wday,
            yday: t.tm_yday,
            isdst: t.tm_isdst,
            zone: t.tm_zone.clone(),
            gmtoff: t.tm_gmtoff,
        }
    }
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
    pub fn get_terminal_size_of(&mut self, fd: i32) -> Result<(u32, u32)> {
        self.call(|g, s| g.system(s)?.call_get_terminal_size(s, fd))
    }

    /// `time.time_ns()`.
    pub fn time_ns(&mut self) -> Result<i64> {
        self.invoke(|g, s| g.system(s)?.call_time_ns(s))
    }

    /// `time.monotonic_ns()`.
    pub fn monotonic_ns(&mut self) -> Result<u64> {
        self.invoke(|g, s| g.system(s)?.call_monotonic_ns(s))
    }

    /// `time.sleep(seconds)`.
    pub fn sleep(&mut self, seconds: f64) -> Result<()> {
        self.call(|g, s| g.system(s)?.call_sleep(s, seconds))
    }

    /// `time.gmtime(seconds)`; now when `None`.
    pub fn gmtime(&mut self, seconds: Option<f64>) -> Result<StructTime> {
        self.call(|g, s| g.system(s)?.call_gmtime(s, seconds)).map(StructTime::from)
    }

    /// `time.localtime(seconds)`, in the host's time zone.
    pub fn localtime(&mut self, seconds: Option<f64>) -> Result<StructTime> {
        self.call(|g, s| g.system(s)?.call_localtime(s, seconds)).map(StructTime::from)
    }

    /// `time.strftime(format, t)`; the local time now when `t` is `None`.
    pub fn strftime(&mut self, format: &str, t: Option<&StructTime>) -> Result<String> {
        let t = t.map(wit::StructTime::from);
        self.call(|g, s| g.system(s)?.call_strftime(s, format, t.as_ref()))
    }
}
