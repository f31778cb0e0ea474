//! `os.system` and `subprocess.run` on [`Os`], under the sandbox's policy
//! ([`crate::SandboxBuilder::allow_run`]).

use crate::bindings::exports::osbox::os::subprocess::Output as WitOutput;
use crate::error::{Error, ErrorKind, Result};
use crate::fspath::FsPath;
use crate::os::{Os, p};

/// Where a child's output goes: `None`, `subprocess.PIPE`, `subprocess.STDOUT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    /// Not captured (`None`): the sandbox's own stream, which osbox discards.
    #[default]
    Inherit,
    /// `subprocess.PIPE`: captured.
    Capture,
    /// `stderr=subprocess.STDOUT`: merged into the captured standard output.
    IntoStdout,
}

impl From<Output> for WitOutput {
    fn from(o: Output) -> Self {
        match o {
            Output::Inherit => WitOutput::Inherit,
            Output::Capture => WitOutput::Capture,
            Output::IntoStdout => WitOutput::IntoStdout,
        }
    }
}

/// `subprocess.run`'s keyword arguments.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `cwd`: a guest path; the sandbox's current directory by default.
    pub cwd: Option<FsPath>,
    /// `env`: the child's whole environment; the sandbox's by default.
    pub env: Option<Vec<(String, String)>>,
    /// `input`: bytes for the child's standard input.
    pub input: Option<Vec<u8>>,
    /// `stdout`.
    pub stdout: Output,
    /// `stderr`.
    pub stderr: Output,
    /// `timeout` in seconds: past it the child is killed and
    /// `subprocess.TimeoutExpired` raised.
    pub timeout: Option<f64>,
    /// `check`: a non-zero exit raises `subprocess.CalledProcessError`.
    pub check: bool,
}

/// `subprocess.CompletedProcess`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedProcess {
    /// `args`.
    pub args: Vec<String>,
    /// `returncode`: the exit code, or minus the signal.
    pub returncode: i32,
    /// `stdout`, when captured.
    pub stdout: Option<Vec<u8>>,
    /// `stderr`, when captured.
    pub stderr: Option<Vec<u8>>,
}

/// Python's `repr` of a `str`, for command lines in messages.
pub(crate) fn repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `str(args)` for a list of arguments.
pub(crate) fn show_list(args: &[String]) -> String {
    format!("[{}]", args.iter().map(|a| repr(a)).collect::<Vec<_>>().join(", "))
}

/// Python's `str(float)`.
pub(crate) fn show_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e16 { format!("{f:.1}") } else { format!("{f}") }
}

/// `subprocess.TimeoutExpired(cmd, timeout)`.
pub(crate) fn timeout_expired(cmd: &str, timeout: &str) -> Error {
    Error::new(ErrorKind::TimeoutExpired, format!("Command '{cmd}' timed out after {timeout} seconds"))
}

/// `subprocess.CalledProcessError(returncode, cmd)`.
pub(crate) fn called_process_error(cmd: &str, returncode: i32) -> Error {
    const SIGNALS: [(i32, &str); 10] = [
        (1, "SIGHUP"),
        (2, "SIGINT"),
        (3, "SIGQUIT"),
        (6, "SIGABRT"),
        (9, "SIGKILL"),
        (11, "SIGSEGV"),
        (13, "SIGPIPE"),
        (14, "SIGALRM"),
        (15, "SIGTERM"),
        (10, "SIGUSR1"),
    ];
    let message = if returncode < 0 {
        match SIGNALS.iter().find(|(n, _)| *n == -returncode) {
            Some((n, name)) => format!("Command '{cmd}' died with <Signals.{name}: {n}>."),
            None => format!("Command '{cmd}' died with unknown signal {}.", -returncode),
        }
    } else {
        format!("Command '{cmd}' returned non-zero exit status {returncode}.")
    };
    Error::new(ErrorKind::CalledProcess, message)
}

crate::os::module_view! {
    /// `subprocess`: [`Os::subprocess`](crate::Os::subprocess) borrows the
    /// sandbox for these.
    Subprocess, subprocess, "subprocess"
}

impl Os {
    /// `os.system(command)`: `sh -c command`, which the policy must allow;
    /// the wait status (exit code times 256).
    pub fn system(&mut self, command: &str) -> Result<i32> {
        self.call(|g, s| g.subprocess(s)?.call_system(s, command))
    }
}

impl Subprocess<'_> {
    /// The child run as `subprocess.run(args, ...)` without `check` and
    /// `timeout` handling: `(completed, timed_out)`.
    pub(crate) fn run_raw(&mut self, args: &[String], o: &RunOptions) -> Result<(CompletedProcess, bool)> {
        let cwd = o.cwd.clone().map(p);
        let r = self.os.call(|g, s| {
            g.subprocess(s)?.call_run(
                s,
                args,
                cwd.as_ref(),
                o.env.as_deref(),
                o.input.as_deref(),
                o.stdout.into(),
                o.stderr.into(),
                o.timeout,
            )
        })?;
        let done =
            CompletedProcess { args: args.to_vec(), returncode: r.returncode, stdout: r.stdout, stderr: r.stderr };
        Ok((done, r.timed_out))
    }

    /// `subprocess.run(args, ...)`: `CompletedProcess`, or
    /// `subprocess.TimeoutExpired`, or with `check` a non-zero exit as
    /// `subprocess.CalledProcessError`. A program the policy does not allow
    /// is `PermissionError`.
    pub fn run(&mut self, args: &[impl AsRef<str>], o: &RunOptions) -> Result<CompletedProcess> {
        let args: Vec<String> = args.iter().map(|a| a.as_ref().to_string()).collect();
        let (done, timed_out) = self.run_raw(&args, o)?;
        let cmd = show_list(&args);
        if timed_out {
            return Err(timeout_expired(&cmd, &show_float(o.timeout.unwrap_or_default())));
        }
        if o.check && done.returncode != 0 {
            return Err(called_process_error(&cmd, done.returncode));
        }
        Ok(done)
    }
}
