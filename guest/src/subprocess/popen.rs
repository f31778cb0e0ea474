//! `subprocess.Popen`, as CPython's POSIX implementation behaves: starting
//! a child under the host's policy, `poll`, `wait`, `communicate` (with its
//! timeout, which a later call resumes), signals. The host extension gives
//! the primitives (a child, its pipes, waits bounded by the sandbox's time
//! limit); Python's semantics are here.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::error::{Fail, exception, os_error, type_error, value_error};
use crate::exports::osbox::os::subprocess::{Command, Data, PopenOptions, Redirect, Seconds};
use crate::host::{self, Child, ChildStdio, Pipe as HostPipe};
use crate::osbox::os::types::{ErrorCode, Exception, FileType, Fspath, OsError};
use crate::posixpath;
use crate::sandbox::{self, Loc};
use crate::wasi::clocks::monotonic_clock;
use crate::wasi::filesystem::types::Descriptor;

use super::message::timeout_expired;
use super::pipe::{Stream, append, pipe_error};
use super::text::Codec;

/// `select.PIPE_BUF`: how much `communicate` writes at a time.
const PIPE_BUF: usize = 4096;
/// What `communicate` reads at a time.
const READ_SIZE: u64 = 32768;

/// `signal.SIGTERM` and `signal.SIGKILL`.
pub const SIGTERM: i32 = 15;
pub const SIGKILL: i32 = 9;

/// What `communicate` keeps between calls, as CPython's Popen does: a call
/// that timed out is resumed by the next.
#[derive(Default)]
struct Communication {
    started: bool,
    /// The input, encoded, and how much of it went.
    input: Option<Vec<u8>>,
    offset: usize,
    stdout: Option<Vec<u8>>,
    stderr: Option<Vec<u8>>,
}

/// What `communicate` read of standard output and error.
type Captured = (Option<Vec<u8>>, Option<Vec<u8>>);

/// A started child.
pub struct Process {
    pub args: Command,
    pub pid: i32,
    /// None once it has been waited for.
    child: RefCell<Option<Child>>,
    returncode: Cell<Option<i32>>,
    pub stdin: Option<Rc<Stream>>,
    pub stdout: Option<Rc<Stream>>,
    pub stderr: Option<Rc<Stream>>,
    text: Option<Codec>,
    comm: RefCell<Communication>,
}

/// Nanoseconds of the monotonic clock.
fn now() -> u64 {
    monotonic_clock::now()
}

/// A timeout in nanoseconds: negative or NaN is none left.
pub fn nanos(s: &Seconds) -> u64 {
    let secs = match s {
        Seconds::Int(n) => *n as f64,
        Seconds::Float(f) => *f,
    };
    if secs.is_nan() || secs <= 0.0 { 0 } else { (secs * 1e9).min(u64::MAX as f64) as u64 }
}

/// The error of a refused or failed start, named by the program as CPython
/// names it (`[Errno 2] No such file or directory: 'prog'`).
fn start_error(code: ErrorCode, program: &str) -> OsError {
    os_error(code, Some(&Fspath::Text(program.to_string())), None)
}

/// Where a child starts: the directory the guest resolved `cwd` to, and
/// `cwd` as the guest knows it, absolute. The virtual tree above the grants
/// has no host directory to start in.
pub fn start_dir(cwd: &Fspath) -> Result<(&'static Descriptor, String, String), Fail> {
    let guest = crate::fspath::wasi_str(&posixpath::abspath(cwd.checked()?, &sandbox::cwd()))?.to_string();
    match sandbox::resolve(cwd)? {
        // The child's chdir fails before its exec: the error names `cwd`.
        Loc::Real { mount, rel } => match crate::fs::status_in(&mount.dir, &rel, true)?.type_ {
            FileType::Directory => Ok((&mount.dir, rel, guest)),
            _ => Err(ErrorCode::NotDirectory.into()),
        },
        Loc::Virtual { .. } => Err(ErrorCode::NoEntry.into()),
    }
}

/// The command line `args` stands for: with `shell`, `sh -c` runs it.
fn argv(args: &Command, shell: bool) -> Vec<String> {
    let given = match args {
        Command::Text(s) => vec![s.clone()],
        Command::List(items) => items.clone(),
    };
    if shell { ["sh".to_string(), "-c".to_string()].into_iter().chain(given).collect() } else { given }
}

/// What a child's stream is connected to, with what it borrows held.
enum Connect {
    Plain(u8),
    File(crate::file::ForChild),
    Stream(Rc<Stream>),
}

const INHERIT: u8 = 0;
const PIPE: u8 = 1;
const NULL: u8 = 2;
const STDOUT: u8 = 3;

fn connect(r: &Redirect<'_>, stream: usize) -> Result<Connect, OsError> {
    Ok(match r {
        Redirect::Inherit => Connect::Plain(INHERIT),
        Redirect::Pipe => Connect::Plain(PIPE),
        Redirect::Devnull => Connect::Plain(NULL),
        Redirect::Stdout if stream == 2 => Connect::Plain(STDOUT),
        // `stdout=STDOUT` or `stdin=STDOUT`: CPython takes -2 as a descriptor.
        Redirect::Stdout => return Err(os_error(ErrorCode::BadDescriptor, None, None)),
        Redirect::Fd(fd) => match crate::file::ForChild::get(*fd)? {
            // The sandbox's own standard streams: the child shares them.
            f if f.is_stdio() => Connect::Plain(INHERIT),
            f => Connect::File(f),
        },
        Redirect::Stream(p) => {
            let s = p.get::<super::PipeResource>().0.clone();
            if s.closed() {
                return Err(value_error("I/O operation on closed file"));
            }
            Connect::Stream(s)
        }
    })
}

impl Process {
    /// `subprocess.Popen(args, **options)`.
    pub fn start(args: Command, o: &PopenOptions<'_>) -> Result<Process, OsError> {
        let text = if o.text { Some(Codec::new(o.encoding.as_deref(), o.errors.as_deref())?) } else { None };
        let argv = argv(&args, o.shell);
        let Some(program) = argv.first().cloned() else {
            return Err(value_error("the command line is empty"));
        };
        // A child given a `cwd` changes into it before it runs anything:
        // that failure names `cwd`, as CPython's does.
        if let Some(given) = &o.cwd {
            let st = crate::fs::stat_fail(given, true).map_err(|f| f.on(given))?;
            if !crate::fs::is_dir_mode(st.mode) {
                return Err(crate::error::os_error(ErrorCode::NotDirectory, Some(given), None));
            }
        }
        let cwd = o.cwd.clone().unwrap_or_else(|| Fspath::Text(String::from_utf8_lossy(&sandbox::cwd()).into_owned()));
        let (dir, rel, guest) = start_dir(&cwd).map_err(|f| f.on(&cwd))?;
        let env = o.env.clone().unwrap_or_else(crate::env::process_environment);
        let connections = [connect(&o.stdin, 0)?, connect(&o.stdout, 1)?, connect(&o.stderr, 2)?];
        let files: Vec<_> = connections
            .iter()
            .map(|c| match c {
                Connect::File(f) => Some(f.borrow()),
                _ => None,
            })
            .collect();
        let ends: Vec<_> = connections
            .iter()
            .map(|c| match c {
                Connect::Stream(s) => s.end_for_child(),
                _ => None,
            })
            .collect();
        let stdio = |i: usize| -> ChildStdio<'_> {
            match (&connections[i], &files[i], &ends[i]) {
                (_, Some(file), _) => match file.target() {
                    Some(t) => ChildStdio::File(t),
                    None => ChildStdio::Null,
                },
                (_, _, Some(end)) => ChildStdio::FromPipe(end),
                (Connect::Plain(PIPE), _, _) => ChildStdio::Pipe,
                (Connect::Plain(NULL), _, _) => ChildStdio::Null,
                (Connect::Plain(STDOUT), _, _) => ChildStdio::Stdout,
                _ => ChildStdio::Inherit,
            }
        };
        let spawned = host::spawn(&argv, dir, &rel, &guest, &env, &stdio(0), &stdio(1), &stdio(2))
            .map_err(|c| start_error(c, &program))?;
        drop(ends);
        let stream = |end: Option<HostPipe>, writable| end.map(|e| Rc::new(Stream::new(e, writable, text)));
        Ok(Process {
            args,
            pid: spawned.child.pid(),
            child: RefCell::new(Some(spawned.child)),
            returncode: Cell::new(None),
            stdin: stream(spawned.stdin, true),
            stdout: stream(spawned.stdout, false),
            stderr: stream(spawned.stderr, false),
            text,
            comm: RefCell::default(),
        })
    }

    pub fn returncode(&self) -> Option<i32> {
        self.returncode.get()
    }

    /// Asks the host whether the child has ended, waiting at most
    /// `timeout_ns` (none: as long as it takes).
    fn reap(&self, timeout_ns: Option<u64>) -> Result<Option<i32>, OsError> {
        if let Some(rc) = self.returncode.get() {
            return Ok(Some(rc));
        }
        let ended = match self.child.borrow().as_ref() {
            Some(child) => child.wait(timeout_ns).map_err(|c| os_error(c, None, None))?,
            None => None,
        };
        if let Some(rc) = ended {
            self.returncode.set(Some(rc));
            // Waited for: the host lets go of the process.
            self.child.borrow_mut().take();
        }
        Ok(ended)
    }

    /// `p.poll()`.
    pub fn poll(&self) -> Result<Option<i32>, OsError> {
        self.reap(Some(0))
    }

    /// `p.wait(timeout)`: `TimeoutExpired` names `timeout` as given.
    pub fn wait(&self, timeout: Option<&Seconds>) -> Result<i32, OsError> {
        match self.reap(timeout.map(nanos))? {
            Some(rc) => Ok(rc),
            None => Err(timeout_expired(&self.args, timeout.unwrap_or(&Seconds::Int(0)))),
        }
    }

    /// `self.wait(timeout=self._remaining_time(endtime))`: the timeout in
    /// the message is the time that was left.
    fn wait_until(&self, deadline: Option<u64>) -> Result<i32, OsError> {
        match deadline {
            None => self.wait(None),
            Some(d) => {
                let left = d as i128 - now() as i128;
                self.wait(Some(&Seconds::Float(left as f64 / 1e9)))
            }
        }
    }

    /// `p.send_signal(signal)`: nothing once the child has ended.
    pub fn send_signal(&self, signal: i32) -> Result<(), OsError> {
        self.poll()?;
        if self.returncode.get().is_some() {
            return Ok(());
        }
        match self.child.borrow().as_ref().map(|c| c.send_signal(signal)) {
            Some(Err(ErrorCode::NoSuchProcess)) | None => Ok(()),
            Some(r) => r.map_err(|c| os_error(c, None, None)),
        }
    }

    /// Kills the child and waits for it, as `run` does when a call fails.
    pub fn kill_and_wait(&self) {
        let _ = self.send_signal(SIGKILL);
        let _ = self.reap(None);
    }

    /// `Popen.__exit__`: closes the pipes and waits.
    pub fn close_and_wait(&self) -> Result<i32, OsError> {
        for s in [&self.stdout, &self.stderr, &self.stdin].into_iter().flatten() {
            s.close();
        }
        self.wait(None)
    }

    /// `p.communicate(input, timeout)`.
    pub fn communicate(
        &self,
        input: Option<Data>,
        timeout: Option<&Seconds>,
    ) -> Result<(Option<Data>, Option<Data>), OsError> {
        let has_input = input.as_ref().is_some_and(|d| match d {
            Data::Text(t) => !t.is_empty(),
            Data::Bytes(b) => !b.is_empty(),
        });
        if self.comm.borrow().started && has_input {
            return Err(value_error("Cannot send input after starting communication"));
        }
        let pipes = [&self.stdin, &self.stdout, &self.stderr].iter().filter(|s| s.is_some()).count();
        if timeout.is_none() && !self.comm.borrow().started && pipes <= 1 {
            // CPython's shortcut for one pipe: no selecting, one blocking call.
            let mut out = (None, None);
            if let Some(stdin) = &self.stdin {
                if let Some(data) = input.filter(|_| has_input) {
                    match stdin.write(data) {
                        Err(e) if e.errno == Some(32) || e.errno == Some(22) => {}
                        r => {
                            r?;
                        }
                    }
                }
                stdin.close();
            } else if let Some(stdout) = &self.stdout {
                out.0 = Some(stdout.read(-1)?);
                stdout.close();
            } else if let Some(stderr) = &self.stderr {
                out.1 = Some(stderr.read(-1)?);
                stderr.close();
            }
            self.wait(None)?;
            return Ok(out);
        }
        let deadline = timeout.map(|t| now().saturating_add(nanos(t)));
        let exchanged = self.exchange(input, has_input, deadline, timeout);
        self.comm.borrow_mut().started = true;
        let (stdout, stderr) = exchanged?;
        let shown = |data: Option<Vec<u8>>| -> Result<Option<Data>, OsError> {
            Ok(match (data, &self.text) {
                (None, _) => None,
                (Some(d), Some(codec)) => Some(Data::Text(codec.text(&d)?)),
                (Some(d), None) => Some(Data::Bytes(d)),
            })
        };
        let result = (shown(stdout)?, shown(stderr)?);
        self.wait_until(deadline)?;
        Ok(result)
    }

    /// CPython's `_communicate`: writes the input and reads both outputs
    /// as the pipes are ready, until the ends or the deadline.
    fn exchange(
        &self,
        input: Option<Data>,
        has_input: bool,
        deadline: Option<u64>,
        timeout: Option<&Seconds>,
    ) -> Result<Captured, OsError> {
        let started = self.comm.borrow().started;
        if let Some(stdin) = &self.stdin
            && !started
            && !has_input
        {
            stdin.close();
        }
        {
            let mut comm = self.comm.borrow_mut();
            if !started {
                comm.stdout = self.stdout.as_ref().map(|_| Vec::new());
                comm.stderr = self.stderr.as_ref().map(|_| Vec::new());
            }
            if self.stdin.is_some() && comm.input.is_none() {
                comm.offset = 0;
                comm.input = match (input, self.text.is_some()) {
                    (None, _) => None,
                    (Some(Data::Text(t)), true) => Some(t.into_bytes()),
                    (Some(Data::Bytes(b)), false) => Some(b),
                    (Some(Data::Bytes(_)), true) => {
                        return Err(exception(Exception::AttributeError, "'bytes' object has no attribute 'encode'"));
                    }
                    (Some(Data::Text(_)), false) => {
                        return Err(type_error("memoryview: a bytes-like object is required, not 'str'"));
                    }
                };
            }
        }
        // The pipes still exchanged: 0 stdin, 1 stdout, 2 stderr.
        let mut open: Vec<(usize, Rc<Stream>)> = Vec::new();
        for (i, s) in [&self.stdin, &self.stdout, &self.stderr].into_iter().enumerate() {
            if let Some(s) = s
                && !s.closed()
                && (i != 0 || has_input)
            {
                open.push((i, s.clone()));
            }
        }
        let expired = || match timeout {
            Some(t) => timeout_expired(&self.args, t),
            None => value_error("no timeout"),
        };
        while !open.is_empty() {
            let left = match deadline {
                Some(d) if now() > d => return Err(expired()),
                Some(d) => Some(d - now()),
                None => None,
            };
            let ready = {
                let ends: Vec<_> = open.iter().map(|(_, s)| s.end_for_child()).collect();
                let borrowed: Vec<&HostPipe> = ends.iter().flatten().map(|e| &**e).collect();
                host::ready(&borrowed, left).map_err(pipe_error)?
            };
            if deadline.is_some_and(|d| now() > d) {
                return Err(expired());
            }
            let mut finished = Vec::new();
            for (k, (i, s)) in open.iter().enumerate() {
                if !ready.get(k).copied().unwrap_or(false) {
                    continue;
                }
                if *i == 0 {
                    let mut comm = self.comm.borrow_mut();
                    let data = comm.input.as_deref().unwrap_or_default();
                    let (len, at) = (data.len(), comm.offset.min(data.len()));
                    let piece = &data[at..len.min(at + PIPE_BUF)];
                    let written = s.with_end("write to closed file", |e| e.write(piece, Some(0)))?;
                    match written {
                        Ok(n) => {
                            comm.offset = at + n as usize;
                            if comm.offset >= len {
                                finished.push(k);
                            }
                        }
                        Err(ErrorCode::WouldBlock) => {}
                        Err(ErrorCode::Pipe) => finished.push(k),
                        Err(c) => return Err(pipe_error(c)),
                    }
                } else {
                    let data = match s.with_end("read of closed file", |e| e.read(READ_SIZE, Some(0)))? {
                        Ok(d) => d,
                        Err(ErrorCode::WouldBlock) => continue,
                        Err(c) => return Err(pipe_error(c)),
                    };
                    if data.is_empty() {
                        finished.push(k);
                    }
                    let mut comm = self.comm.borrow_mut();
                    let out = if *i == 1 { &mut comm.stdout } else { &mut comm.stderr };
                    append(out.get_or_insert_with(Vec::new), &data)?;
                }
            }
            for k in finished.into_iter().rev() {
                let (_, s) = open.remove(k);
                s.close();
            }
        }
        self.wait_until(deadline)?;
        // The output stays, as CPython's does: a later `communicate` gives
        // it again.
        let comm = self.comm.borrow();
        let copy = |out: &Option<Vec<u8>>| -> Result<Option<Vec<u8>>, OsError> {
            out.as_ref()
                .map(|o| {
                    let mut c = Vec::new();
                    append(&mut c, o)?;
                    Ok(c)
                })
                .transpose()
        };
        Ok((copy(&comm.stdout)?, copy(&comm.stderr)?))
    }
}
