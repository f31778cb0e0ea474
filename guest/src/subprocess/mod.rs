//! `osbox:os/subprocess`: `subprocess.Popen` and its pipes, the functions
//! CPython builds on it (`run`, `call`, `check_call`, `check_output`,
//! `getstatusoutput`, `getoutput`), `os.system` and `os.popen`, with
//! `check`, `timeout` and their exceptions as CPython raises them. The
//! guest prepares each start (the working directory as a guest path, the
//! environment, where the streams go); the osbox host checks the policy
//! and runs the program.

mod message;
mod pipe;
mod popen;
mod text;

use std::rc::Rc;

use crate::Osbox;
use crate::error::value_error;
use crate::exports::osbox::os::subprocess::{
    Command, CompletedProcess, Data, Guest, GuestPipe, GuestPopen, GuestWrapClose, Pipe, Popen, PopenOptions, Redirect,
    Seconds, WrapClose,
};
use crate::osbox::os::types::OsError;

use message::called_process_error;
use pipe::Stream;
use popen::{Process, SIGKILL, SIGTERM};

/// The `popen` resource.
pub struct PopenResource(Rc<Process>);

/// The `pipe` resource: one of a `Popen`'s pipes.
pub struct PipeResource(Rc<Stream>);

/// The `wrap-close` resource: what `os.popen` gives.
pub struct WrapCloseResource {
    stream: Rc<Stream>,
    process: Rc<Process>,
}

fn pipe_of(s: &Option<Rc<Stream>>) -> Option<Pipe> {
    s.as_ref().map(|s| Pipe::new(PipeResource(s.clone())))
}

impl GuestPopen for PopenResource {
    fn start(args: Command, options: PopenOptions<'_>) -> Result<Popen, OsError> {
        Process::start(args, &options).map(|p| Popen::new(PopenResource(Rc::new(p))))
    }

    fn args(&self) -> Command {
        self.0.args.clone()
    }

    fn pid(&self) -> i32 {
        self.0.pid
    }

    fn returncode(&self) -> Option<i32> {
        self.0.returncode()
    }

    fn stdin(&self) -> Option<Pipe> {
        pipe_of(&self.0.stdin)
    }

    fn stdout(&self) -> Option<Pipe> {
        pipe_of(&self.0.stdout)
    }

    fn stderr(&self) -> Option<Pipe> {
        pipe_of(&self.0.stderr)
    }

    fn poll(&self) -> Result<Option<i32>, OsError> {
        self.0.poll()
    }

    fn wait(&self, timeout: Option<Seconds>) -> Result<i32, OsError> {
        self.0.wait(timeout.as_ref())
    }

    fn communicate(
        &self,
        input: Option<Data>,
        timeout: Option<Seconds>,
    ) -> Result<(Option<Data>, Option<Data>), OsError> {
        self.0.communicate(input, timeout.as_ref())
    }

    fn send_signal(&self, signal: i32) -> Result<(), OsError> {
        self.0.send_signal(signal)
    }

    fn terminate(&self) -> Result<(), OsError> {
        self.0.send_signal(SIGTERM)
    }

    fn kill(&self) -> Result<(), OsError> {
        self.0.send_signal(SIGKILL)
    }
}

impl GuestPipe for PipeResource {
    fn writable(&self) -> bool {
        self.0.writable()
    }

    fn text(&self) -> bool {
        self.0.is_text()
    }

    fn read(&self, size: i64) -> Result<Data, OsError> {
        self.0.read(size)
    }

    fn read1(&self, size: i64) -> Result<Data, OsError> {
        self.0.read1(size)
    }

    fn readline(&self, size: i64) -> Result<Data, OsError> {
        self.0.readline(size)
    }

    fn readlines(&self, hint: i64) -> Result<Vec<Data>, OsError> {
        self.0.readlines(hint)
    }

    fn write(&self, data: Data) -> Result<u64, OsError> {
        self.0.write(data)
    }

    fn flush(&self) -> Result<(), OsError> {
        self.0.flush()
    }

    fn close(&self) -> Result<(), OsError> {
        self.0.close();
        Ok(())
    }

    fn closed(&self) -> bool {
        self.0.closed()
    }
}

impl GuestWrapClose for WrapCloseResource {
    fn stream(&self) -> Pipe {
        Pipe::new(PipeResource(self.stream.clone()))
    }

    fn close(&self) -> Result<Option<i32>, OsError> {
        self.stream.close();
        let rc = self.process.wait(None)?;
        // CPython shifts the return code as the old os.popen did.
        Ok(if rc == 0 { None } else { Some(rc.wrapping_shl(8)) })
    }
}

/// The options `os.system`, `os.popen` and `getstatusoutput` start their
/// shell with.
fn shell(
    stdin: Redirect<'static>,
    stdout: Redirect<'static>,
    stderr: Redirect<'static>,
    text: bool,
) -> PopenOptions<'static> {
    PopenOptions { stdin, stdout, stderr, shell: true, cwd: None, env: None, text, encoding: None, errors: None }
}

/// `subprocess.run`: CPython's, over `Popen`.
fn run(
    args: Command,
    mut options: PopenOptions<'_>,
    input: Option<Data>,
    capture_output: bool,
    timeout: Option<Seconds>,
    check: bool,
) -> Result<CompletedProcess, OsError> {
    if input.is_some() {
        if !matches!(options.stdin, Redirect::Inherit) {
            return Err(value_error("stdin and input arguments may not both be used."));
        }
        options.stdin = Redirect::Pipe;
    }
    if capture_output {
        if !matches!(options.stdout, Redirect::Inherit) || !matches!(options.stderr, Redirect::Inherit) {
            return Err(value_error("stdout and stderr arguments may not be used with capture_output."));
        }
        options.stdout = Redirect::Pipe;
        options.stderr = Redirect::Pipe;
    }
    let process = Process::start(args, &options)?;
    let (stdout, stderr) = match process.communicate(input, timeout.as_ref()) {
        Ok(out) => out,
        Err(e) => {
            // TimeoutExpired, MemoryError, ...: the child is killed and
            // waited for, as CPython's `run` and `Popen.__exit__` do.
            process.kill_and_wait();
            return Err(e);
        }
    };
    let returncode = process.close_and_wait()?;
    if check && returncode != 0 {
        return Err(called_process_error(&process.args, returncode));
    }
    Ok(CompletedProcess { args: process.args.clone(), returncode, stdout, stderr })
}

/// `subprocess.call`: the return code of `Popen(...).wait(timeout)`.
fn call(args: Command, options: PopenOptions<'_>, timeout: Option<Seconds>) -> Result<i32, OsError> {
    let process = Process::start(args, &options)?;
    match process.wait(timeout.as_ref()) {
        Ok(rc) => Ok(rc),
        Err(e) => {
            process.kill_and_wait();
            Err(e)
        }
    }
}

impl Guest for Osbox {
    type Popen = PopenResource;
    type Pipe = PipeResource;
    type WrapClose = WrapCloseResource;

    fn system(command: String) -> Result<i32, OsError> {
        let process = Process::start(
            Command::Text(command),
            &shell(Redirect::Inherit, Redirect::Inherit, Redirect::Inherit, false),
        )?;
        let rc = process.wait(None)?;
        // The wait status: the exit code in the high byte, or the signal.
        Ok(if rc >= 0 { rc << 8 } else { -rc })
    }

    fn os_popen(cmd: String, mode: String, buffering: i32) -> Result<WrapClose, OsError> {
        if mode != "r" && mode != "w" {
            return Err(value_error(format!("invalid mode {}", crate::posixpath::repr_str(&mode))));
        }
        if buffering == 0 {
            return Err(value_error("popen() does not support unbuffered streams"));
        }
        let reading = mode == "r";
        let options = if reading {
            shell(Redirect::Inherit, Redirect::Pipe, Redirect::Inherit, true)
        } else {
            shell(Redirect::Pipe, Redirect::Inherit, Redirect::Inherit, true)
        };
        let process = Rc::new(Process::start(Command::Text(cmd), &options)?);
        let stream = if reading { process.stdout.clone() } else { process.stdin.clone() };
        let stream = stream.ok_or_else(|| value_error("no pipe"))?;
        Ok(WrapClose::new(WrapCloseResource { stream, process }))
    }

    fn run(
        args: Command,
        options: PopenOptions<'_>,
        input: Option<Data>,
        capture_output: bool,
        timeout: Option<Seconds>,
        check: bool,
    ) -> Result<CompletedProcess, OsError> {
        run(args, options, input, capture_output, timeout, check)
    }

    fn call(args: Command, options: PopenOptions<'_>, timeout: Option<Seconds>) -> Result<i32, OsError> {
        call(args, options, timeout)
    }

    fn check_call(args: Command, options: PopenOptions<'_>, timeout: Option<Seconds>) -> Result<i32, OsError> {
        let rc = call(args.clone(), options, timeout)?;
        if rc != 0 {
            return Err(called_process_error(&args, rc));
        }
        Ok(0)
    }

    fn check_output(
        args: Command,
        mut options: PopenOptions<'_>,
        input: Option<Data>,
        timeout: Option<Seconds>,
    ) -> Result<Data, OsError> {
        options.stdout = Redirect::Pipe;
        let done = run(args, options, input, false, timeout, true)?;
        Ok(done.stdout.unwrap_or(Data::Bytes(Vec::new())))
    }

    fn getstatusoutput(
        cmd: String,
        encoding: Option<String>,
        errors: Option<String>,
    ) -> Result<(i32, String), OsError> {
        let mut options = shell(Redirect::Inherit, Redirect::Pipe, Redirect::Stdout, true);
        options.encoding = encoding;
        options.errors = errors;
        // CPython's check_output raising CalledProcessError, caught: the
        // output and the return code either way.
        let done = run(Command::Text(cmd), options, None, false, None, false)?;
        let mut data = match done.stdout {
            Some(Data::Text(t)) => t,
            _ => String::new(),
        };
        if data.ends_with('\n') {
            data.pop();
        }
        Ok((done.returncode, data))
    }

    fn getoutput(cmd: String, encoding: Option<String>, errors: Option<String>) -> Result<String, OsError> {
        Self::getstatusoutput(cmd, encoding, errors).map(|(_, out)| out)
    }
}
