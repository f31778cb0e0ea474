//! `time`: the clocks, and the calendar (`gmtime`, `strftime`) computed
//! here as glibc does in the C locale; the local time zone is the host's
//! where the osbox host is there, UTC where it is not.

use crate::Osbox;
use crate::error::{exception, os_error, value_error};
use crate::exports::osbox::os::time::Guest;
use crate::host;
use crate::osbox::os::types::{ErrorCode, Exception, OsError, StructTime};
use crate::wasi::clocks::{monotonic_clock, wall_clock};

const DAY: i64 = 86_400;
const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Days since 1970-01-01 to (year, month 1-12, day 1-31): Howard Hinnant's
/// `civil_from_days`.
fn civil(days: i64) -> (i64, i32, i32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as i32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as i32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Day of the year (1-366).
fn yday(y: i64, m: i32, d: i32) -> i32 {
    const CUM: [i32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    CUM[(m - 1) as usize] + d + i32::from(m > 2 && is_leap(y))
}

/// `struct_time` for `seconds` at `gmtoff` seconds east of UTC.
fn broken_down(seconds: i64, gmtoff: i64, zone: String, isdst: i32) -> StructTime {
    let local = seconds + gmtoff;
    let days = local.div_euclid(DAY);
    let secs = local.rem_euclid(DAY);
    let (year, mon, mday) = civil(days);
    StructTime {
        year,
        mon,
        mday,
        hour: (secs / 3600) as i32,
        min: (secs % 3600 / 60) as i32,
        sec: (secs % 60) as i32,
        // 1970-01-01 was a Thursday (3 with Monday as 0).
        wday: (days + 3).rem_euclid(7) as i32,
        yday: yday(year, mon, mday),
        isdst,
        zone,
        gmtoff,
    }
}

/// What a 64-bit `time_t` (or count of nanoseconds) holds, as a float:
/// [-2**63, 2**63), `i64::MAX as f64` rounding up to 2**63.
const TIME_T_RANGE: std::ops::Range<f64> = i64::MIN as f64..i64::MAX as f64;

/// A `time` argument as whole seconds, floored as CPython does.
fn whole_seconds(seconds: Option<f64>) -> Result<i64, OsError> {
    let s = match seconds {
        None => return Ok(Osbox::time_ns().div_euclid(1_000_000_000)),
        Some(s) => s,
    };
    if s.is_nan() {
        return Err(value_error("Invalid value NaN (not a number)"));
    }
    let f = s.floor();
    if !TIME_T_RANGE.contains(&f) {
        return Err(exception(Exception::OverflowError, "timestamp out of range for platform time_t"));
    }
    // glibc's gmtime keeps years within an int: EOVERFLOW past them.
    if !(-67_767_976_233_316_800.0..=67_767_976_233_316_800.0).contains(&f) {
        return Err(os_error(ErrorCode::Overflow, None, None));
    }
    Ok(f as i64)
}

fn local_zone(seconds: i64) -> (i64, String, i32) {
    let (offset, name, dst) = host::local_zone(seconds);
    (offset, name, i32::from(dst))
}

/// CPython's `checktm` with its accepted zeros (`tm_mon` 0 is January).
fn check(t: &mut StructTime) -> Result<(), OsError> {
    let range = |ok: bool, what: &str| if ok { Ok(()) } else { Err(value_error(format!("{what} out of range"))) };
    if t.mon == 0 {
        t.mon = 1;
    }
    range((1..=12).contains(&t.mon), "month")?;
    if t.mday == 0 {
        t.mday = 1;
    }
    range((1..=31).contains(&t.mday), "day of month")?;
    range((0..=23).contains(&t.hour), "hour")?;
    range((0..=59).contains(&t.min), "minute")?;
    range((0..=61).contains(&t.sec), "seconds")?;
    range(t.wday >= 0, "day of week")?;
    if t.yday == 0 {
        t.yday = 1;
    }
    range((1..=366).contains(&t.yday), "day of year")?;
    t.wday %= 7;
    Ok(())
}

/// ISO 8601 week-based year and week of `t`.
fn iso_week(t: &StructTime) -> (i64, i32) {
    let wday = t.wday; // Monday 0
    let yday = t.yday - 1;
    let week = (yday - wday + 10) / 7;
    let weeks_in = |y: i64| {
        let jan1 = (yday_of_jan1_weekday(y) + 7) % 7;
        if jan1 == 3 || (jan1 == 2 && is_leap(y)) { 53 } else { 52 }
    };
    if week < 1 {
        (t.year - 1, weeks_in(t.year - 1))
    } else if week > weeks_in(t.year) {
        (t.year + 1, 1)
    } else {
        (t.year, week)
    }
}

/// Weekday (Monday 0) of January 1st of `y`.
fn yday_of_jan1_weekday(y: i64) -> i32 {
    // Days from 1970-01-01 to y-01-01.
    let days = days_from_civil(y, 1, 1);
    (days + 3).rem_euclid(7) as i32
}

fn days_from_civil(y: i64, m: i32, d: i32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// glibc's `strftime` in the C locale, with the `-` (no padding) flag.
fn strftime(format: &str, t: &StructTime) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let unpadded = chars.peek() == Some(&'-');
        if unpadded {
            chars.next();
        }
        let Some(d) = chars.next() else {
            out.push('%');
            break;
        };
        let num = |v: i64, width: usize, pad: char| -> String {
            if unpadded {
                v.to_string()
            } else if pad == ' ' {
                format!("{v:>width$}")
            } else {
                format!("{v:0width$}")
            }
        };
        let wday_sun = (t.wday + 1) % 7;
        let hour12 = if t.hour % 12 == 0 { 12 } else { t.hour % 12 };
        let piece = match d {
            'a' => WEEKDAYS[t.wday as usize % 7][..3].to_string(),
            'A' => WEEKDAYS[t.wday as usize % 7].to_string(),
            'b' | 'h' => MONTHS[(t.mon - 1) as usize % 12][..3].to_string(),
            'B' => MONTHS[(t.mon - 1) as usize % 12].to_string(),
            'c' => strftime("%a %b %e %H:%M:%S %Y", t),
            'C' => num(t.year.div_euclid(100), 2, '0'),
            'd' => num(t.mday.into(), 2, '0'),
            'D' | 'x' => strftime("%m/%d/%y", t),
            'e' => num(t.mday.into(), 2, ' '),
            'F' => strftime("%Y-%m-%d", t),
            'G' => iso_week(t).0.to_string(),
            'g' => num(iso_week(t).0.rem_euclid(100), 2, '0'),
            'H' => num(t.hour.into(), 2, '0'),
            'I' => num(hour12.into(), 2, '0'),
            'j' => num(t.yday.into(), 3, '0'),
            'k' => num(t.hour.into(), 2, ' '),
            'l' => num(hour12.into(), 2, ' '),
            'm' => num(t.mon.into(), 2, '0'),
            'M' => num(t.min.into(), 2, '0'),
            'n' => "\n".into(),
            'p' => if t.hour < 12 { "AM" } else { "PM" }.into(),
            'P' => if t.hour < 12 { "am" } else { "pm" }.into(),
            'r' => strftime("%I:%M:%S %p", t),
            'R' => strftime("%H:%M", t),
            's' => {
                let days = days_from_civil(t.year, t.mon, t.mday);
                let local = days * DAY + i64::from(t.hour) * 3600 + i64::from(t.min) * 60 + i64::from(t.sec);
                (local - t.gmtoff).to_string()
            }
            'S' => num(t.sec.into(), 2, '0'),
            't' => "\t".into(),
            'T' | 'X' => strftime("%H:%M:%S", t),
            'u' => (t.wday + 1).to_string(),
            'U' => num(((t.yday - 1 + 7 - wday_sun) / 7).into(), 2, '0'),
            'V' => num(iso_week(t).1.into(), 2, '0'),
            'w' => wday_sun.to_string(),
            'W' => num(((t.yday - 1 + 7 - t.wday) / 7).into(), 2, '0'),
            'y' => num(t.year.rem_euclid(100), 2, '0'),
            'Y' => t.year.to_string(),
            'z' => {
                let off = t.gmtoff.abs();
                format!("{}{:02}{:02}", if t.gmtoff < 0 { '-' } else { '+' }, off / 3600, off % 3600 / 60)
            }
            'Z' => t.zone.clone(),
            '%' => "%".into(),
            other => format!("%{}{other}", if unpadded { "-" } else { "" }),
        };
        out.push_str(&piece);
    }
    out
}

/// Nanoseconds as float seconds, as CPython's `_PyTime_AsSecondsDouble`.
fn seconds(ns: i64) -> f64 {
    if ns % 1_000_000_000 == 0 { (ns / 1_000_000_000) as f64 } else { ns as f64 / 1e9 }
}

impl Guest for Osbox {
    fn time() -> f64 {
        seconds(Osbox::time_ns())
    }

    fn time_ns() -> i64 {
        let now = wall_clock::now();
        i64::try_from(now.seconds).unwrap_or(i64::MAX / 1_000_000_000) * 1_000_000_000 + i64::from(now.nanoseconds)
    }

    fn monotonic() -> f64 {
        seconds(Osbox::monotonic_ns() as i64)
    }

    fn monotonic_ns() -> u64 {
        monotonic_clock::now()
    }

    fn perf_counter() -> f64 {
        Osbox::monotonic()
    }

    fn perf_counter_ns() -> u64 {
        Osbox::monotonic_ns()
    }

    fn sleep(seconds: f64) -> Result<(), OsError> {
        if seconds.is_nan() {
            return Err(value_error("Invalid value NaN (not a number)"));
        }
        // CPython counts the sleep in 64-bit nanoseconds, and checks that
        // before the sign.
        let ns = seconds * 1e9;
        if !TIME_T_RANGE.contains(&ns) {
            return Err(exception(Exception::OverflowError, "timestamp out of range for platform time_t"));
        }
        if seconds < 0.0 {
            return Err(value_error("sleep length must be non-negative"));
        }
        // In slices, so that the sandbox's time limit can end a long sleep:
        // the host checks it whenever the guest runs.
        const SLICE: u64 = 10_000_000;
        let mut left = ns as u64;
        while left > 0 {
            let step = left.min(SLICE);
            monotonic_clock::subscribe_duration(step).block();
            left -= step;
        }
        Ok(())
    }

    fn gmtime(seconds: Option<f64>) -> Result<StructTime, OsError> {
        Ok(broken_down(whole_seconds(seconds)?, 0, "GMT".into(), 0))
    }

    fn localtime(seconds: Option<f64>) -> Result<StructTime, OsError> {
        let s = whole_seconds(seconds)?;
        let (offset, zone, dst) = local_zone(s);
        Ok(broken_down(s, offset, zone, dst))
    }

    fn strftime(format: String, t: Option<StructTime>) -> Result<String, OsError> {
        let mut t = match t {
            Some(t) => t,
            None => Osbox::localtime(None)?,
        };
        check(&mut t)?;
        if format.contains('\0') {
            return Err(value_error("embedded null character"));
        }
        Ok(strftime(&format, &t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> StructTime {
        broken_down(seconds, 0, "GMT".into(), 0)
    }

    #[test]
    fn gmtime_matches_known_dates() {
        let t = at(1_000_000_000);
        assert_eq!((t.year, t.mon, t.mday, t.hour, t.min, t.sec, t.wday, t.yday), (2001, 9, 9, 1, 46, 40, 6, 252));
        let t = at(-1);
        assert_eq!((t.year, t.mon, t.mday, t.hour, t.wday, t.yday), (1969, 12, 31, 23, 2, 365));
        let t = at(951_782_400); // 2000-02-29
        assert_eq!((t.year, t.mon, t.mday, t.yday), (2000, 2, 29, 60));
    }

    #[test]
    fn strftime_matches_glibc() {
        let t = at(1_000_000_000);
        assert_eq!(
            strftime("%a %A %b %B %c|%d %H %I %j %m %M %p %S %U %w %W|%x %X %y %Y %Z %z %%", &t),
            "Sun Sunday Sep September Sun Sep  9 01:46:40 2001|09 01 01 252 09 46 AM 40 36 0 36|09/09/01 01:46:40 01 2001 GMT +0000 %"
        );
        assert_eq!(
            strftime("%e %D %F %T %R %G %g %V %u|%Q %k %l %C %h %r %s", &t),
            " 9 09/09/01 2001-09-09 01:46:40 01:46 2001 01 36 7|%Q  1  1 20 Sep 01:46:40 AM 1000000000"
        );
        assert_eq!(strftime("%c", &at(0)), "Thu Jan  1 00:00:00 1970");
    }

    #[test]
    fn iso_weeks_cross_years() {
        // 2021-01-01 is in week 53 of 2020; 2024-12-30 in week 1 of 2025.
        assert_eq!(iso_week(&at(1_609_459_200)), (2020, 53));
        assert_eq!(iso_week(&at(1_735_516_800)), (2025, 1));
    }
}
