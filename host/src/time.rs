//! `time` on [`Os`]: the sandbox's clocks and calendar.

use crate::bindings::osbox::os::types as wit;
use crate::error::Result;

crate::os::module_view! {
    /// `time`: [`Os::time`](crate::Os::time) borrows the sandbox for these.
    Time, time, "time"
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

impl Time<'_> {
    /// `time.time()`: seconds since the epoch.
    pub fn time(&mut self) -> Result<f64> {
        self.os.invoke(|g, s| g.time(s)?.call_time(s))
    }

    /// `time.time_ns()`.
    pub fn time_ns(&mut self) -> Result<i64> {
        self.os.invoke(|g, s| g.time(s)?.call_time_ns(s))
    }

    /// `time.monotonic_ns()`.
    pub fn monotonic_ns(&mut self) -> Result<u64> {
        self.os.invoke(|g, s| g.time(s)?.call_monotonic_ns(s))
    }

    /// `time.monotonic()`.
    pub fn monotonic(&mut self) -> Result<f64> {
        self.os.invoke(|g, s| g.time(s)?.call_monotonic(s))
    }

    /// `time.perf_counter()`.
    pub fn perf_counter(&mut self) -> Result<f64> {
        self.os.invoke(|g, s| g.time(s)?.call_perf_counter(s))
    }

    /// `time.perf_counter_ns()`.
    pub fn perf_counter_ns(&mut self) -> Result<u64> {
        self.os.invoke(|g, s| g.time(s)?.call_perf_counter_ns(s))
    }

    /// `time.sleep(seconds)`.
    pub fn sleep(&mut self, seconds: f64) -> Result<()> {
        self.os.call(|g, s| g.time(s)?.call_sleep(s, seconds))
    }

    /// `time.gmtime(seconds)`; now when `None`.
    pub fn gmtime(&mut self, seconds: Option<f64>) -> Result<StructTime> {
        self.os.call(|g, s| g.time(s)?.call_gmtime(s, seconds)).map(StructTime::from)
    }

    /// `time.localtime(seconds)`, in the host's time zone.
    pub fn localtime(&mut self, seconds: Option<f64>) -> Result<StructTime> {
        self.os.call(|g, s| g.time(s)?.call_localtime(s, seconds)).map(StructTime::from)
    }

    /// `time.strftime(format, t)`; the local time now when `t` is `None`.
    pub fn strftime(&mut self, format: &str, t: Option<&StructTime>) -> Result<String> {
        let t = t.map(wit::StructTime::from);
        self.os.call(|g, s| g.time(s)?.call_strftime(s, format, t.as_ref()))
    }
}
