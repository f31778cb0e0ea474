//! `os.system` and `subprocess.run`: the guest prepares the call (the
//! working directory as a guest path, the environment), the osbox host
//! checks the policy and runs the program.

use crate::Osbox;
use crate::error::{Fail, os_error, value_error};
use crate::exports::osbox::os::subprocess::{CompletedProcess, Guest, Output};
use crate::host;
use crate::osbox::os::types::{ErrorCode, Fspath, OsError};
use crate::posixpath;
use crate::sandbox::{self, Loc};
use crate::wasi::filesystem::types::Descriptor;

/// The error of a refused or failed start, named by the program as CPython
/// names it (`[Errno 2] No such file or directory: 'prog'`).
fn start_error(code: crate::osbox::os::types::ErrorCode, program: &str) -> OsError {
    os_error(code, Some(&Fspath::Text(program.to_string())), None)
}

/// Where a child starts: the directory the guest resolved `cwd` to, and
/// `cwd` as the guest knows it, absolute. The virtual tree above the grants
/// has no host directory to start in.
fn start_dir(cwd: &Fspath) -> Result<(&'static Descriptor, String, String), Fail> {
    let guest = crate::fspath::wasi_str(&posixpath::abspath(cwd.checked()?, &sandbox::cwd()))?.to_string();
    match sandbox::resolve(cwd)? {
        Loc::Real { mount, rel } => Ok((&mount.dir, rel, guest)),
        Loc::Virtual { .. } => Err(ErrorCode::NoEntry.into()),
    }
}

impl Guest for Osbox {
    fn system(command: String) -> Result<i32, OsError> {
        let (dir, rel, guest) = start_dir(&Fspath::Bytes(sandbox::cwd())).map_err(|f| f.bare())?;
        let argv = vec!["sh".to_string(), "-c".to_string(), command];
        let env = crate::env::process_environment();
        let r = host::spawn(&argv, dir, &rel, &guest, &env, None, false, false, false, None)
            .map_err(|c| start_error(c, "sh"))?;
        // The wait status: the exit code in the high byte, or the signal.
        Ok(if r.status >= 0 { r.status << 8 } else { -r.status })
    }

    fn run(
        argv: Vec<String>,
        cwd: Option<Fspath>,
        env: Option<Vec<(String, String)>>,
        input: Option<Vec<u8>>,
        stdout: Output,
        stderr: Output,
        timeout: Option<f64>,
    ) -> Result<CompletedProcess, OsError> {
        let Some(program) = argv.first().cloned() else {
            return Err(value_error("the command line is empty"));
        };
        let cwd = cwd.unwrap_or_else(|| Fspath::Bytes(sandbox::cwd()));
        let (dir, rel, guest) = start_dir(&cwd).map_err(|f| f.on(&cwd))?;
        let env = env.unwrap_or_else(crate::env::process_environment);
        let timeout_ns =
            timeout.map(|t| if t.is_nan() || t <= 0.0 { 0 } else { (t * 1e9).min(u64::MAX as f64) as u64 });
        let capture_out = stdout == Output::Capture;
        let capture_err = stderr != Output::Inherit;
        let merge = stderr == Output::IntoStdout;
        let r =
            host::spawn(&argv, dir, &rel, &guest, &env, input.as_deref(), capture_out, capture_err, merge, timeout_ns)
                .map_err(|c| start_error(c, &program))?;
        Ok(CompletedProcess {
            returncode: r.status,
            stdout: capture_out.then_some(r.stdout),
            stderr: (capture_err && !merge).then_some(r.stderr),
            timed_out: r.timed_out,
        })
    }
}
