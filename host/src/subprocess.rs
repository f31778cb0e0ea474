//! `subprocess` on [`Os`]: [`Popen`] and its pipes, `run`, `call`,
//! `check_call`, `check_output`, `getoutput`, `getstatusoutput`; and
//! `os.system`, `os.popen` and `os.kill`. All under the sandbox's policy
//! ([`crate::SandboxBuilder::allow_run`]); the guest does what CPython's
//! `subprocess` does (`check`, `timeout`, their exceptions), so these are
//! thin.

use wasmtime::component::ResourceAny;

use crate::bindings::exports::osbox::os::subprocess as wit;
use crate::error::{Error, ErrorKind, Result};
use crate::fspath::FsPath;
use crate::os::{Os, p};

pub(crate) use wit::{Command, Data, Seconds};

/// Where a child's standard stream goes: `Popen`'s `stdin`, `stdout` or
/// `stderr` argument.
#[derive(Debug, Clone, Default)]
pub enum Redirect {
    /// `None`: the sandbox's own stream, which `Sandbox::os` discards (and
    /// `Sandbox::run` and `Sandbox::python` share with the host).
    #[default]
    Inherit,
    /// `subprocess.PIPE`: captured, or a [`PopenStream`] of the [`Popen`].
    Pipe,
    /// `subprocess.DEVNULL`.
    DevNull,
    /// `subprocess.STDOUT` (for `stderr`): into standard output.
    Stdout,
    /// An open descriptor of the sandbox (`os.open`'s number).
    Fd(i32),
    /// Another child's pipe, for a pipeline (`stdin=p1.stdout`).
    Stream(PopenStream),
}

/// `subprocess.Popen`'s keyword arguments.
#[derive(Debug, Clone, Default)]
pub struct PopenOptions {
    /// `stdin`.
    pub stdin: Redirect,
    /// `stdout`.
    pub stdout: Redirect,
    /// `stderr`.
    pub stderr: Redirect,
    /// `shell`: `sh -c args...` (`sh` must be granted).
    pub shell: bool,
    /// `cwd`: a guest path; the sandbox's current directory by default.
    pub cwd: Option<FsPath>,
    /// `env`: the child's whole environment; the sandbox's by default.
    pub env: Option<Vec<(String, String)>>,
    /// `text`: the pipes carry UTF-8 text with universal newlines; what
    /// comes back is that text's bytes.
    pub text: bool,
    /// `encoding`: UTF-8, the one available.
    pub encoding: Option<String>,
    /// `errors`: `strict`, `replace`, `ignore` or `backslashreplace`.
    pub errors: Option<String>,
}

/// `subprocess.run`'s keyword arguments.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `stdin` (not with `input`).
    pub stdin: Redirect,
    /// `stdout`.
    pub stdout: Redirect,
    /// `stderr`.
    pub stderr: Redirect,
    /// `capture_output`: both outputs to pipes.
    pub capture_output: bool,
    /// `shell`.
    pub shell: bool,
    /// `cwd`: a guest path; the sandbox's current directory by default.
    pub cwd: Option<FsPath>,
    /// `env`: the child's whole environment; the sandbox's by default.
    pub env: Option<Vec<(String, String)>>,
    /// `input`: bytes for the child's standard input.
    pub input: Option<Vec<u8>>,
    /// `text`.
    pub text: bool,
    /// `timeout` in seconds: past it the child is killed and
    /// `subprocess.TimeoutExpired` raised.
    pub timeout: Option<f64>,
    /// `check`: a non-zero exit raises `subprocess.CalledProcessError`.
    pub check: bool,
}

impl RunOptions {
    fn popen(&self) -> PopenOptions {
        PopenOptions {
            stdin: self.stdin.clone(),
            stdout: self.stdout.clone(),
            stderr: self.stderr.clone(),
            shell: self.shell,
            cwd: self.cwd.clone(),
            env: self.env.clone(),
            text: self.text,
            encoding: None,
            errors: None,
        }
    }
}

/// `subprocess.CompletedProcess`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedProcess {
    /// `args`.
    pub args: Vec<String>,
    /// `returncode`: the exit code, or minus the signal.
    pub returncode: i32,
    /// `stdout`, when captured (in text mode, the text's bytes).
    pub stdout: Option<Vec<u8>>,
    /// `stderr`, when captured.
    pub stderr: Option<Vec<u8>>,
}

/// A child process: `subprocess.Popen`. Its methods take the [`Os`] it
/// came from. The child ends with the sandbox (its time limit, the end of
/// the instance) if it has not ended before; dropping a `Popen` leaves it
/// running until then, as CPython leaves a child whose `Popen` is gone.
///
/// ```no_run
/// # let sandbox = osbox::Runtime::new()?.sandbox().dir("/tmp/t", "/work").allow_run("cat").build()?;
/// use osbox::{PopenOptions, Redirect};
/// let mut os = sandbox.os()?;
/// let options = PopenOptions { stdin: Redirect::Pipe, stdout: Redirect::Pipe, ..Default::default() };
/// let cat = os.subprocess().popen(&["cat"], &options)?;
/// let (out, _) = cat.communicate(&mut os, Some(b"hello\n"), Some(5.0))?;
/// assert_eq!(out.unwrap(), b"hello\n");
/// assert_eq!(cat.returncode(&mut os)?, Some(0));
/// # Ok::<(), osbox::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Popen {
    handle: ResourceAny,
    args: Vec<String>,
    pid: i32,
    stdin: Option<PopenStream>,
    stdout: Option<PopenStream>,
    stderr: Option<PopenStream>,
}

/// One of a [`Popen`]'s pipes, the file object Python gives:
/// `io.BufferedWriter` (`p.stdin`), `io.BufferedReader` (`p.stdout`,
/// `p.stderr`), `io.TextIOWrapper` in text mode. In text mode what is read
/// is the text's UTF-8 bytes, and what is written must be UTF-8.
#[derive(Debug, Clone, Copy)]
pub struct PopenStream {
    handle: ResourceAny,
    writable: bool,
    text: bool,
}

/// What `os.popen` gives (`os._wrap_close`): a shell command's pipe,
/// read or written through [`WrapClose::stream`], whose `close` waits for
/// the command.
#[derive(Debug, Clone, Copy)]
pub struct WrapClose {
    handle: ResourceAny,
    stream: PopenStream,
}

/// What `communicate` gives: standard output and error, each when piped.
type Outputs = (Option<Vec<u8>>, Option<Vec<u8>>);

fn bytes_of(d: Data) -> Vec<u8> {
    match d {
        Data::Text(t) => t.into_bytes(),
        Data::Bytes(b) => b,
    }
}

fn seconds(t: Option<f64>) -> Option<Seconds> {
    t.map(Seconds::Float)
}

impl Redirect {
    fn wit(&self) -> wit::Redirect {
        match self {
            Redirect::Inherit => wit::Redirect::Inherit,
            Redirect::Pipe => wit::Redirect::Pipe,
            Redirect::DevNull => wit::Redirect::Devnull,
            Redirect::Stdout => wit::Redirect::Stdout,
            Redirect::Fd(fd) => wit::Redirect::Fd(*fd),
            Redirect::Stream(s) => wit::Redirect::Stream(s.handle),
        }
    }
}

impl PopenOptions {
    pub(crate) fn wit(&self) -> wit::PopenOptions {
        wit::PopenOptions {
            stdin: self.stdin.wit(),
            stdout: self.stdout.wit(),
            stderr: self.stderr.wit(),
            shell: self.shell,
            cwd: self.cwd.clone().map(p),
            env: self.env.clone(),
            text: self.text || self.encoding.is_some() || self.errors.is_some(),
            encoding: self.encoding.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl Command {
    /// The arguments as a list, for [`CompletedProcess::args`].
    pub(crate) fn to_list(&self) -> Vec<String> {
        match self {
            Command::Text(s) => vec![s.clone()],
            Command::List(items) => items.clone(),
        }
    }
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

    /// `os.popen(cmd, mode, buffering)`: `sh -c cmd` with a text pipe to
    /// its standard output (`mode` `"r"`) or input (`"w"`).
    pub fn popen(&mut self, cmd: &str, mode: &str, buffering: i32) -> Result<WrapClose> {
        let handle = self.call(|g, s| g.subprocess(s)?.call_os_popen(s, cmd, mode, buffering))?;
        let stream = self.invoke(|g, s| g.subprocess(s)?.wrap_close().call_stream(s, handle))?;
        Ok(WrapClose { handle, stream: PopenStream { handle: stream, writable: mode == "w", text: true } })
    }

    /// `os.kill(pid, signal)`: only the sandbox's own children are there
    /// to signal; any other `pid` is `ProcessLookupError` (`ESRCH`).
    pub fn kill(&mut self, pid: i32, signal: i32) -> Result<()> {
        self.call(|g, s| g.system(s)?.call_kill(s, pid, signal))
    }
}

impl Subprocess<'_> {
    /// `subprocess.Popen(args, ...)`: starts the child. A program the
    /// policy does not allow is `PermissionError`.
    pub fn popen(&mut self, args: &[impl AsRef<str>], o: &PopenOptions) -> Result<Popen> {
        let args = Command::List(args.iter().map(|a| a.as_ref().to_string()).collect());
        self.popen_command(&args, o)
    }

    /// `Popen(args)` with `args` as Python gave it (a string or a list).
    pub(crate) fn popen_command(&mut self, args: &Command, o: &PopenOptions) -> Result<Popen> {
        let options = o.wit();
        let handle = self.os.call(|g, s| g.subprocess(s)?.popen().call_start(s, args, &options))?;
        let os = &mut *self.os;
        let pid = os.invoke(|g, s| g.subprocess(s)?.popen().call_pid(s, handle))?;
        let text = options.text;
        let mut stream = |which: usize, writable: bool| -> Result<Option<PopenStream>> {
            let h = os.invoke(|g, s| {
                let popen = g.subprocess(s)?.popen();
                match which {
                    0 => popen.call_stdin(s, handle),
                    1 => popen.call_stdout(s, handle),
                    _ => popen.call_stderr(s, handle),
                }
            })?;
            Ok(h.map(|handle| PopenStream { handle, writable, text }))
        };
        let (stdin, stdout, stderr) = (stream(0, true)?, stream(1, false)?, stream(2, false)?);
        Ok(Popen { handle, args: args.to_list(), pid, stdin, stdout, stderr })
    }

    /// `subprocess.run(args, ...)`: `CompletedProcess`, or
    /// `subprocess.TimeoutExpired` (the child killed), or with `check` a
    /// non-zero exit as `subprocess.CalledProcessError`. A program the
    /// policy does not allow is `PermissionError`.
    pub fn run(&mut self, args: &[impl AsRef<str>], o: &RunOptions) -> Result<CompletedProcess> {
        let args = Command::List(args.iter().map(|a| a.as_ref().to_string()).collect());
        let input = o.input.clone().map(|i| data_for(o.text, i)).transpose()?;
        let done = self.run_command(&args, &o.popen(), input, o.capture_output, seconds(o.timeout), o.check)?;
        Ok(CompletedProcess {
            args: done.args.to_list(),
            returncode: done.returncode,
            stdout: done.stdout.map(bytes_of),
            stderr: done.stderr.map(bytes_of),
        })
    }

    /// `subprocess.run` in the guest's own terms, for the protocol.
    pub(crate) fn run_command(
        &mut self,
        args: &Command,
        o: &PopenOptions,
        input: Option<Data>,
        capture_output: bool,
        timeout: Option<Seconds>,
        check: bool,
    ) -> Result<wit::CompletedProcess> {
        let options = o.wit();
        self.os
            .call(|g, s| g.subprocess(s)?.call_run(s, args, &options, input.as_ref(), capture_output, timeout, check))
    }

    /// `subprocess.call(args, ...)`: the return code.
    pub fn call(&mut self, args: &[impl AsRef<str>], o: &PopenOptions, timeout: Option<f64>) -> Result<i32> {
        let args = Command::List(args.iter().map(|a| a.as_ref().to_string()).collect());
        self.call_command(&args, o, seconds(timeout), false)
    }

    /// `subprocess.check_call(args, ...)`: 0, or
    /// `subprocess.CalledProcessError`.
    pub fn check_call(&mut self, args: &[impl AsRef<str>], o: &PopenOptions, timeout: Option<f64>) -> Result<i32> {
        let args = Command::List(args.iter().map(|a| a.as_ref().to_string()).collect());
        self.call_command(&args, o, seconds(timeout), true)
    }

    /// `call` or `check_call` in the guest's own terms.
    pub(crate) fn call_command(
        &mut self,
        args: &Command,
        o: &PopenOptions,
        timeout: Option<Seconds>,
        check: bool,
    ) -> Result<i32> {
        let options = o.wit();
        self.os.call(|g, s| {
            let sub = g.subprocess(s)?;
            if check {
                sub.call_check_call(s, args, &options, timeout)
            } else {
                sub.call_call(s, args, &options, timeout)
            }
        })
    }

    /// `subprocess.check_output(args, ...)`: the standard output (the
    /// text's bytes in text mode), or `subprocess.CalledProcessError`.
    pub fn check_output(
        &mut self,
        args: &[impl AsRef<str>],
        o: &PopenOptions,
        input: Option<&[u8]>,
        timeout: Option<f64>,
    ) -> Result<Vec<u8>> {
        let args = Command::List(args.iter().map(|a| a.as_ref().to_string()).collect());
        let input = input.map(|i| data_for(o.text, i.to_vec())).transpose()?;
        self.check_output_command(&args, o, input, seconds(timeout)).map(bytes_of)
    }

    /// `check_output` in the guest's own terms.
    pub(crate) fn check_output_command(
        &mut self,
        args: &Command,
        o: &PopenOptions,
        input: Option<Data>,
        timeout: Option<Seconds>,
    ) -> Result<Data> {
        let options = o.wit();
        self.os.call(|g, s| g.subprocess(s)?.call_check_output(s, args, &options, input.as_ref(), timeout))
    }

    /// `subprocess.getstatusoutput(cmd)`: `(exitcode, output)` of `sh -c
    /// cmd`, standard error included, without its last newline.
    pub fn getstatusoutput(&mut self, cmd: &str) -> Result<(i32, String)> {
        self.getstatusoutput_with(cmd, None, None)
    }

    /// `getstatusoutput(cmd, encoding=..., errors=...)`.
    pub fn getstatusoutput_with(
        &mut self,
        cmd: &str,
        encoding: Option<&str>,
        errors: Option<&str>,
    ) -> Result<(i32, String)> {
        self.os.call(|g, s| g.subprocess(s)?.call_getstatusoutput(s, cmd, encoding, errors))
    }

    /// `subprocess.getoutput(cmd)`: the output of `getstatusoutput`.
    pub fn getoutput(&mut self, cmd: &str) -> Result<String> {
        self.getoutput_with(cmd, None, None)
    }

    /// `getoutput(cmd, encoding=..., errors=...)`.
    pub fn getoutput_with(&mut self, cmd: &str, encoding: Option<&str>, errors: Option<&str>) -> Result<String> {
        self.os.call(|g, s| g.subprocess(s)?.call_getoutput(s, cmd, encoding, errors))
    }
}

/// Bytes a caller passes as a pipe's data: text mode takes UTF-8.
fn data_for(text: bool, bytes: Vec<u8>) -> Result<Data> {
    if !text {
        return Ok(Data::Bytes(bytes));
    }
    String::from_utf8(bytes).map(Data::Text).map_err(|_| Error::new(ErrorKind::Value, "text mode takes UTF-8 text"))
}

impl Popen {
    /// `p.pid`.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// `p.args`.
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// `p.stdin`: with `stdin=PIPE`.
    pub fn stdin(&self) -> Option<&PopenStream> {
        self.stdin.as_ref()
    }

    /// `p.stdout`: with `stdout=PIPE`.
    pub fn stdout(&self) -> Option<&PopenStream> {
        self.stdout.as_ref()
    }

    /// `p.stderr`: with `stderr=PIPE`.
    pub fn stderr(&self) -> Option<&PopenStream> {
        self.stderr.as_ref()
    }

    /// `p.returncode`: none while the child runs, as far as the sandbox
    /// has looked (`poll`, `wait`).
    pub fn returncode(&self, os: &mut Os) -> Result<Option<i32>> {
        os.invoke(|g, s| g.subprocess(s)?.popen().call_returncode(s, self.handle))
    }

    /// `p.poll()`: the return code if the child has ended.
    pub fn poll(&self, os: &mut Os) -> Result<Option<i32>> {
        os.call(|g, s| g.subprocess(s)?.popen().call_poll(s, self.handle))
    }

    /// `p.wait(timeout)`: the return code, or `subprocess.TimeoutExpired`.
    pub fn wait(&self, os: &mut Os, timeout: Option<f64>) -> Result<i32> {
        self.wait_for(os, seconds(timeout))
    }

    pub(crate) fn wait_for(&self, os: &mut Os, timeout: Option<Seconds>) -> Result<i32> {
        os.call(|g, s| g.subprocess(s)?.popen().call_wait(s, self.handle, timeout))
    }

    /// `p.communicate(input, timeout)`: `(stdout, stderr)`, each none
    /// unless it is a pipe. Past `timeout`, `subprocess.TimeoutExpired`;
    /// the child goes on and a later `communicate` gets the rest.
    pub fn communicate(&self, os: &mut Os, input: Option<&[u8]>, timeout: Option<f64>) -> Result<Outputs> {
        let text = self.stdin.or(self.stdout).or(self.stderr).is_some_and(|s| s.text);
        let input = input.map(|i| data_for(text, i.to_vec())).transpose()?;
        let (out, err) = self.communicate_data(os, input, seconds(timeout))?;
        Ok((out.map(bytes_of), err.map(bytes_of)))
    }

    pub(crate) fn communicate_data(
        &self,
        os: &mut Os,
        input: Option<Data>,
        timeout: Option<Seconds>,
    ) -> Result<(Option<Data>, Option<Data>)> {
        os.call(|g, s| g.subprocess(s)?.popen().call_communicate(s, self.handle, input.as_ref(), timeout))
    }

    /// `p.send_signal(signal)`: nothing once the child has ended.
    pub fn send_signal(&self, os: &mut Os, signal: i32) -> Result<()> {
        os.call(|g, s| g.subprocess(s)?.popen().call_send_signal(s, self.handle, signal))
    }

    /// `p.terminate()`: `SIGTERM`.
    pub fn terminate(&self, os: &mut Os) -> Result<()> {
        os.call(|g, s| g.subprocess(s)?.popen().call_terminate(s, self.handle))
    }

    /// `p.kill()`: `SIGKILL`.
    pub fn kill(&self, os: &mut Os) -> Result<()> {
        os.call(|g, s| g.subprocess(s)?.popen().call_kill(s, self.handle))
    }
}

impl PopenStream {
    /// Written (`p.stdin`), not read.
    pub fn writable(&self) -> bool {
        self.writable
    }

    /// In text mode (`io.TextIOWrapper`).
    pub fn text(&self) -> bool {
        self.text
    }

    /// `f.read(size)`: to the end when `size` is negative.
    pub fn read(&self, os: &mut Os, size: i64) -> Result<Vec<u8>> {
        self.read_data(os, size).map(bytes_of)
    }

    pub(crate) fn read_data(&self, os: &mut Os, size: i64) -> Result<Data> {
        os.call(|g, s| g.subprocess(s)?.pipe().call_read(s, self.handle, size))
    }

    /// `f.read1(size)`: at most one read of the pipe.
    pub fn read1(&self, os: &mut Os, size: i64) -> Result<Vec<u8>> {
        self.read1_data(os, size).map(bytes_of)
    }

    pub(crate) fn read1_data(&self, os: &mut Os, size: i64) -> Result<Data> {
        os.call(|g, s| g.subprocess(s)?.pipe().call_read1(s, self.handle, size))
    }

    /// `f.readline(size)`.
    pub fn readline(&self, os: &mut Os, size: i64) -> Result<Vec<u8>> {
        self.readline_data(os, size).map(bytes_of)
    }

    pub(crate) fn readline_data(&self, os: &mut Os, size: i64) -> Result<Data> {
        os.call(|g, s| g.subprocess(s)?.pipe().call_readline(s, self.handle, size))
    }

    /// `f.readlines(hint)`.
    pub fn readlines(&self, os: &mut Os, hint: i64) -> Result<Vec<Vec<u8>>> {
        Ok(self.readlines_data(os, hint)?.into_iter().map(bytes_of).collect())
    }

    pub(crate) fn readlines_data(&self, os: &mut Os, hint: i64) -> Result<Vec<Data>> {
        os.call(|g, s| g.subprocess(s)?.pipe().call_readlines(s, self.handle, hint))
    }

    /// `f.write(data)`: the number of bytes (characters in text mode).
    pub fn write(&self, os: &mut Os, data: &[u8]) -> Result<u64> {
        self.write_data(os, data_for(self.text, data.to_vec())?)
    }

    pub(crate) fn write_data(&self, os: &mut Os, data: Data) -> Result<u64> {
        os.call(|g, s| g.subprocess(s)?.pipe().call_write(s, self.handle, &data))
    }

    /// `f.flush()`.
    pub fn flush(&self, os: &mut Os) -> Result<()> {
        os.call(|g, s| g.subprocess(s)?.pipe().call_flush(s, self.handle))
    }

    /// `f.close()`.
    pub fn close(&self, os: &mut Os) -> Result<()> {
        os.call(|g, s| g.subprocess(s)?.pipe().call_close(s, self.handle))
    }

    /// `f.closed`.
    pub fn closed(&self, os: &mut Os) -> Result<bool> {
        os.invoke(|g, s| g.subprocess(s)?.pipe().call_closed(s, self.handle))
    }
}

impl WrapClose {
    /// The pipe read (`mode` `"r"`) or written (`"w"`).
    pub fn stream(&self) -> &PopenStream {
        &self.stream
    }

    /// `f.close()`: closes the pipe and waits for the command: none when
    /// it exited with 0, else its wait status.
    pub fn close(&self, os: &mut Os) -> Result<Option<i32>> {
        os.call(|g, s| g.subprocess(s)?.wrap_close().call_close(s, self.handle))
    }
}
