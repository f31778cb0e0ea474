//! `subprocess`'s exceptions with CPython's messages:
//! `CalledProcessError` and `TimeoutExpired` name the command as `str(args)`
//! shows it and the timeout as `str(timeout)`.

use crate::error::exception;
use crate::exports::osbox::os::subprocess::{Command, Seconds};
use crate::osbox::os::types::{Exception, OsError};
use crate::posixpath::repr_str;

/// `str(args)`: a string as it is, a list as Python prints one.
pub fn show_command(args: &Command) -> String {
    match args {
        Command::Text(s) => s.clone(),
        Command::List(items) => format!("[{}]", items.iter().map(|a| repr_str(a)).collect::<Vec<_>>().join(", ")),
    }
}

/// `str(timeout)`: `5` for an int, Python's shortest `repr` for a float.
pub fn show_seconds(s: &Seconds) -> String {
    match s {
        Seconds::Int(n) => n.to_string(),
        Seconds::Float(f) => repr_float(*f),
    }
}

/// Python's `repr(float)`: the shortest digits that read back the same,
/// positional from 1e-4 up to 1e16, else with an exponent.
pub fn repr_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d.ddde±x`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let text = if exp < 0 {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        } else {
            let point = exp as usize + 1;
            if digits.len() > point {
                format!("{}.{}", &digits[..point], &digits[point..])
            } else {
                format!("{digits}{}.0", "0".repeat(point - digits.len()))
            }
        };
        format!("{sign}{text}")
    } else {
        let rest = if digits.len() > 1 { format!(".{}", &digits[1..]) } else { String::new() };
        format!("{sign}{}{rest}e{}{:02}", &digits[..1], if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

/// `subprocess.TimeoutExpired(args, timeout)`.
pub fn timeout_expired(args: &Command, timeout: &Seconds) -> OsError {
    exception(
        Exception::TimeoutExpired,
        format!("Command '{}' timed out after {} seconds", show_command(args), show_seconds(timeout)),
    )
}

/// `subprocess.CalledProcessError(returncode, args)`: a signal is shown as
/// `repr(signal.Signals(n))`.
pub fn called_process_error(args: &Command, returncode: i32) -> OsError {
    let cmd = show_command(args);
    let message = if returncode < 0 {
        match returncode.checked_neg().and_then(osbox_errno::signal::name) {
            Some(name) => format!("Command '{cmd}' died with <Signals.{name}: {}>.", -returncode),
            None => format!("Command '{cmd}' died with unknown signal {}.", returncode.unsigned_abs()),
        }
    } else {
        format!("Command '{cmd}' returned non-zero exit status {returncode}.")
    };
    exception(Exception::CalledProcessError, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_prints_them() {
        let cases = [
            (0.2, "0.2"),
            (1.0, "1.0"),
            (0.25, "0.25"),
            (100.0, "100.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.6, "123456789012345.6"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.25e-7, "1.25e-07"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (f64::INFINITY, "inf"),
        ];
        for (f, shown) in cases {
            assert_eq!(repr_float(f), shown, "{f}");
        }
    }

    #[test]
    fn commands_print_as_str_of_args() {
        assert_eq!(show_command(&Command::List(vec!["sleep".into(), "30".into()])), "['sleep', '30']");
        assert_eq!(show_command(&Command::Text("exit 3".into())), "exit 3");
        let e = timeout_expired(&Command::List(vec!["sleep".into(), "30".into()]), &Seconds::Float(0.2));
        assert_eq!(e.message, "Command '['sleep', '30']' timed out after 0.2 seconds");
        assert_eq!(
            called_process_error(&Command::Text("x".into()), 3).message,
            "Command 'x' returned non-zero exit status 3."
        );
        assert_eq!(
            called_process_error(&Command::Text("x".into()), -9).message,
            "Command 'x' died with <Signals.SIGKILL: 9>."
        );
        assert_eq!(
            called_process_error(&Command::Text("x".into()), -40).message,
            "Command 'x' died with unknown signal 40."
        );
    }
}
