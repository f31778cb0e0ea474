//! The sandbox's environment. `os.environ` starts as exactly what the host
//! granted; `os.putenv`/`os.unsetenv` change only the process environment
//! (what a child process would see), as in CPython.

use std::cell::RefCell;

use crate::error::{exception, os_error, value_error};
use crate::exports::osbox::os::env::Guest;
use crate::osbox::os::types::{ErrorCode, Exception, OsError};
use crate::posixpath::repr_str;

struct Env {
    /// `os.environ`, in insertion order as Python's dict keeps it.
    environ: Vec<(String, String)>,
    /// The process environment behind it.
    process: Vec<(String, String)>,
}

thread_local! {
    static ENV: RefCell<Option<Env>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut Env) -> R) -> R {
    ENV.with(|e| {
        let mut e = e.borrow_mut();
        let env = e.get_or_insert_with(|| {
            let vars = crate::wasi::cli::environment::get_environment();
            Env { environ: vars.clone(), process: vars }
        });
        f(env)
    })
}

fn set(list: &mut Vec<(String, String)>, key: &str, value: &str) {
    match list.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value.to_string(),
        None => list.push((key.to_string(), value.to_string())),
    }
}

/// The process environment a child process gets: `os.environ` with the
/// changes `os.putenv` and `os.unsetenv` made.
pub fn process_environment() -> Vec<(String, String)> {
    with(|e| e.process.clone())
}

/// `os.environ.get(name)`.
pub fn get(name: &str) -> Option<String> {
    with(|e| e.environ.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}

/// CPython's checks in `os.putenv`: a NUL anywhere or an `=` in the name is
/// a `ValueError`, an empty name is `EINVAL` from the C library.
fn check_putenv(name: &str, value: &str) -> Result<(), OsError> {
    if name.contains('\0') || value.contains('\0') {
        return Err(value_error("embedded null byte"));
    }
    if name.is_empty() {
        return Err(os_error(ErrorCode::Invalid, None, None));
    }
    if name.contains('=') {
        return Err(value_error("illegal environment variable name"));
    }
    Ok(())
}

fn check_unsetenv(name: &str) -> Result<(), OsError> {
    if name.contains('\0') {
        return Err(value_error("embedded null byte"));
    }
    // Unlike putenv, unsetenv leaves `=` to the C library: EINVAL.
    if name.is_empty() || name.contains('=') {
        return Err(os_error(ErrorCode::Invalid, None, None));
    }
    Ok(())
}

impl Guest for crate::Osbox {
    fn environ() -> Vec<(String, String)> {
        with(|e| e.environ.clone())
    }

    fn getenv(key: String) -> Option<String> {
        get(&key)
    }

    fn setenv(key: String, value: String) -> Result<(), OsError> {
        check_putenv(&key, &value)?;
        with(|e| {
            set(&mut e.process, &key, &value);
            set(&mut e.environ, &key, &value);
        });
        Ok(())
    }

    fn delenv(key: String) -> Result<(), OsError> {
        check_unsetenv(&key)?;
        with(|e| {
            e.process.retain(|(k, _)| *k != key);
            let before = e.environ.len();
            e.environ.retain(|(k, _)| *k != key);
            if e.environ.len() == before {
                return Err(exception(Exception::KeyError, repr_str(&key)));
            }
            Ok(())
        })
    }

    fn putenv(name: String, value: String) -> Result<(), OsError> {
        check_putenv(&name, &value)?;
        with(|e| set(&mut e.process, &name, &value));
        Ok(())
    }

    fn unsetenv(name: String) -> Result<(), OsError> {
        check_unsetenv(&name)?;
        with(|e| e.process.retain(|(k, _)| *k != name));
        Ok(())
    }

    fn get_exec_path(env: Option<Vec<(String, String)>>) -> Vec<String> {
        let path = match env {
            Some(vars) => vars.into_iter().find(|(k, _)| k == "PATH").map(|(_, v)| v),
            None => get("PATH"),
        };
        path.as_deref().unwrap_or("/bin:/usr/bin").split(':').map(str::to_string).collect()
    }

    fn strerror(code: i32) -> String {
        crate::error::strerror(code)
    }
}
