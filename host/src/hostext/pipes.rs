//! The sandbox's ends of its children's pipes, and every wait the host
//! does for a child: bounded by the call's timeout, the sandbox's time
//! limit (which ends the sandbox, children and all), a signal to the
//! waiting instance itself (a command component run as a child), and the
//! host stopping. The ends stay blocking, as the children that may share
//! them expect: the host polls before each read, and writes at most what a
//! pipe takes at once after it polled writable. Windows cannot poll a
//! pipe: a read waits until `PeekNamedPipe` shows bytes (or the end), a
//! write finds the pipe writable and waits, as a blocking write does.

use std::fs::File;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bindings::osbox::os::types::ErrorCode;
use crate::limits::{Killed, Stop, TimeLimit};

/// The most a write takes after `poll` said the pipe is writable, without
/// blocking: one free page of the pipe (`PIPE_BUF`).
const PIPE_BUF: usize = 4096;

/// How long one `poll` waits before the host looks at its limits again.
const SLICE: Duration = Duration::from_millis(50);

/// The sandbox's end of a pipe to or from a child (the WIT `pipe`).
pub struct PipeEnd {
    fd: Arc<File>,
    /// The child reads from it: the sandbox writes.
    pub(crate) writes: bool,
}

impl PipeEnd {
    pub(crate) fn new(fd: File, writes: bool) -> PipeEnd {
        PipeEnd { fd: Arc::new(fd), writes }
    }

    /// A duplicate of the end, for a child of its own (a pipeline).
    pub(crate) fn dup(&self) -> io::Result<File> {
        self.fd.try_clone()
    }
}

/// A new pipe: its reading and its writing end.
pub(crate) fn pipe() -> io::Result<(File, File)> {
    let (r, w) = std::io::pipe()?;
    #[cfg(unix)]
    let ends = (File::from(std::os::fd::OwnedFd::from(r)), File::from(std::os::fd::OwnedFd::from(w)));
    #[cfg(windows)]
    let ends = (
        File::from(std::os::windows::io::OwnedHandle::from(r)),
        File::from(std::os::windows::io::OwnedHandle::from(w)),
    );
    Ok(ends)
}

/// A duplicate of the host's standard output.
pub(crate) fn stdout_dup() -> io::Result<File> {
    #[cfg(unix)]
    let owned = std::os::fd::AsFd::as_fd(&std::io::stdout()).try_clone_to_owned()?;
    #[cfg(windows)]
    let owned = std::os::windows::io::AsHandle::as_handle(&std::io::stdout()).try_clone_to_owned()?;
    Ok(File::from(owned))
}

/// What a wait on a descriptor waits for.
#[derive(Clone, Copy)]
pub(crate) enum Want {
    Read,
    Write,
}

/// What a wait may not outlast, besides its own timeout.
pub(crate) struct Bounds<'a> {
    /// The instance's time limit.
    pub(crate) deadline: Option<Instant>,
    /// The instance's stop switch.
    pub(crate) stop: &'a Stop,
    /// What the instance started: ended with it when a limit ends it.
    pub(crate) children: &'a super::children::Children,
}

/// How a bounded wait ended.
pub(crate) enum Waited {
    /// What was waited for happened.
    Ready,
    /// The call's own timeout passed.
    TimedOut,
    /// The host is stopping: the call fails with `EINTR`.
    Interrupted,
}

impl Bounds<'_> {
    /// Calls `f` with the time it may wait (at most [`SLICE`], never past
    /// `until`) until it says it is done; stops at `until`, at the
    /// instance's limits (a trap: `TimeLimit`, `Killed`) and when the host
    /// stops.
    pub(crate) fn wait(
        &self,
        until: Option<Instant>,
        mut f: impl FnMut(Duration) -> io::Result<bool>,
    ) -> wasmtime::Result<Result<Waited, ErrorCode>> {
        loop {
            if let Some(signal) = self.stop.signal() {
                self.children.end();
                return Err(wasmtime::Error::new(Killed(signal)));
            }
            let now = Instant::now();
            if self.deadline.is_some_and(|d| now >= d) {
                self.children.end();
                return Err(wasmtime::Error::new(TimeLimit));
            }
            if crate::limits::interrupted() {
                return Ok(Ok(Waited::Interrupted));
            }
            let mut slice = SLICE;
            for end in [until, self.deadline].into_iter().flatten() {
                slice = slice.min(end.saturating_duration_since(now));
            }
            match f(slice) {
                Ok(true) => return Ok(Ok(Waited::Ready)),
                Ok(false) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Ok(Err(super::code(&e))),
            }
            if until.is_some_and(|u| Instant::now() >= u) {
                return Ok(Ok(Waited::TimedOut));
            }
        }
    }
}

/// When a timeout of `ns` nanoseconds from now ends (none: no timeout).
pub(crate) fn until(timeout_ns: Option<u64>) -> Option<Instant> {
    timeout_ns.map(|ns| Instant::now().checked_add(Duration::from_nanos(ns)).unwrap_or_else(far_future))
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 86400)
}

/// `poll` of `fds` for what each wants, at most `wait`: which are ready
/// (an error or hang-up counts: the next read or write tells which).
#[cfg(unix)]
pub(crate) fn poll(fds: &[(&File, Want)], wait: Duration) -> io::Result<Vec<bool>> {
    use std::os::fd::AsRawFd;
    let events = |w: &Want| match w {
        Want::Read => libc::POLLIN,
        Want::Write => libc::POLLOUT,
    };
    let mut polled: Vec<libc::pollfd> =
        fds.iter().map(|(f, want)| libc::pollfd { fd: f.as_raw_fd(), events: events(want), revents: 0 }).collect();
    let ms = i32::try_from(wait.as_millis().max(u128::from(!wait.is_zero()))).unwrap_or(i32::MAX);
    // SAFETY: `polled` is a valid array of pollfd for its length, and the
    // descriptors stay open (borrowed) for the call.
    let n = unsafe { libc::poll(polled.as_mut_ptr(), polled.len() as libc::nfds_t, ms) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(polled.iter().map(|p| p.revents != 0).collect())
}

/// `poll` for Windows, which has none for pipes: a reading end is ready
/// when `PeekNamedPipe` shows bytes or fails (the writer is gone: the
/// end; not a pipe: a file), a writing end always; looked at again after
/// a pause that grows to 10 ms, until `wait` passes.
#[cfg(windows)]
pub(crate) fn poll(fds: &[(&File, Want)], wait: Duration) -> io::Result<Vec<bool>> {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::System::Pipes::PeekNamedPipe;
    let until = Instant::now() + wait;
    let mut pause = Duration::from_millis(1);
    loop {
        let ready: Vec<bool> = fds
            .iter()
            .map(|(f, want)| match want {
                Want::Write => true,
                Want::Read => {
                    let mut available = 0u32;
                    // SAFETY: the handle is open (borrowed) for the call; the
                    // one out-pointer is a local, the others are null.
                    let ok = unsafe {
                        PeekNamedPipe(
                            f.as_raw_handle(),
                            std::ptr::null_mut(),
                            0,
                            std::ptr::null_mut(),
                            &mut available,
                            std::ptr::null_mut(),
                        )
                    };
                    ok == 0 || available > 0
                }
            })
            .collect();
        let now = Instant::now();
        if ready.iter().any(|r| *r) || now >= until {
            return Ok(ready);
        }
        std::thread::sleep(pause.min(until - now));
        pause = (pause * 2).min(Duration::from_millis(10));
    }
}

/// What a pipe end waits for.
fn want(end: &PipeEnd) -> Want {
    if end.writes { Want::Write } else { Want::Read }
}

impl PipeEnd {
    /// `pipe.read`: up to `max` bytes once some are there (empty at the
    /// end), `would-block` when none came before the timeout.
    pub(crate) fn read(
        &self,
        max: u64,
        timeout_ns: Option<u64>,
        bounds: &Bounds<'_>,
    ) -> wasmtime::Result<Result<Vec<u8>, ErrorCode>> {
        if self.writes {
            return Ok(Err(ErrorCode::BadDescriptor));
        }
        let ready = match bounds.wait(until(timeout_ns), |slice| Ok(poll(&[(&self.fd, Want::Read)], slice)?[0]))? {
            Ok(Waited::Ready) => true,
            Ok(Waited::TimedOut) => false,
            Ok(Waited::Interrupted) => return Ok(Err(ErrorCode::Interrupted)),
            Err(c) => return Ok(Err(c)),
        };
        if !ready {
            return Ok(Err(ErrorCode::WouldBlock));
        }
        // A read never waits for more than is there; the host holds no more
        // than one read's worth, however much the child writes.
        let mut buf = vec![0u8; usize::try_from(max).unwrap_or(usize::MAX).min(1 << 20)];
        loop {
            match (&*self.fd).read(&mut buf) {
                Ok(n) => {
                    buf.truncate(n);
                    return Ok(Ok(buf));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Ok(Err(super::code(&e))),
            }
        }
    }

    /// `pipe.write`: as much of `data` as goes before the timeout, a
    /// pipe's worth at a time; `would-block` when nothing went.
    pub(crate) fn write(
        &self,
        data: &[u8],
        timeout_ns: Option<u64>,
        bounds: &Bounds<'_>,
    ) -> wasmtime::Result<Result<u64, ErrorCode>> {
        if !self.writes {
            return Ok(Err(ErrorCode::BadDescriptor));
        }
        let until = until(timeout_ns);
        let mut done = 0;
        while done < data.len() {
            let waited = bounds.wait(until, |slice| Ok(poll(&[(&self.fd, Want::Write)], slice)?[0]))?;
            match waited {
                Ok(Waited::Ready) => {}
                Ok(Waited::TimedOut) if done > 0 => break,
                Ok(Waited::TimedOut) => return Ok(Err(ErrorCode::WouldBlock)),
                Ok(Waited::Interrupted) => return Ok(Err(ErrorCode::Interrupted)),
                Err(c) => return Ok(Err(c)),
            }
            let piece = &data[done..data.len().min(done + PIPE_BUF)];
            match (&*self.fd).write(piece) {
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) if done > 0 => break,
                Err(e) => return Ok(Err(super::code(&e))),
            }
            if timeout_ns == Some(0) {
                break;
            }
        }
        Ok(Ok(done as u64))
    }
}

/// `ready`: which of `ends` can be read or written, waiting at most the
/// timeout for one.
pub(crate) fn ready(
    ends: &[&PipeEnd],
    timeout_ns: Option<u64>,
    bounds: &Bounds<'_>,
) -> wasmtime::Result<Result<Vec<bool>, ErrorCode>> {
    let fds: Vec<(&File, Want)> = ends.iter().map(|e| (&*e.fd, want(e))).collect();
    let mut which = vec![false; ends.len()];
    let waited = bounds.wait(until(timeout_ns), |slice| {
        which = poll(&fds, slice)?;
        Ok(which.iter().any(|r| *r))
    })?;
    Ok(match waited {
        Ok(Waited::Ready) => Ok(which),
        Ok(Waited::TimedOut) => Ok(vec![false; ends.len()]),
        Ok(Waited::Interrupted) => Err(ErrorCode::Interrupted),
        Err(c) => Err(c),
    })
}

/// A command component's standard stream over a descriptor the host gave
/// it (a pipe, a file): blocking as a native program's is, but a signal to
/// the component ends a read or write that waits.
#[derive(Clone)]
pub(crate) struct ChildStream {
    fd: Arc<File>,
    stop: Stop,
}

impl ChildStream {
    pub(crate) fn new(fd: File, stop: Stop) -> ChildStream {
        ChildStream { fd: Arc::new(fd), stop }
    }

    /// Waits until the descriptor is ready for `events`; `false` when the
    /// component was stopped meanwhile.
    fn wait_for(&self, events: Want) -> bool {
        loop {
            if self.stop.signal().is_some() {
                return false;
            }
            match poll(&[(&self.fd, events)], SLICE) {
                Ok(r) if r[0] => return true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return true,
            }
        }
    }

    fn stopped(&self) -> wasmtime_wasi::p2::StreamError {
        wasmtime_wasi::p2::StreamError::Trap(wasmtime::Error::new(Killed(self.stop.signal().unwrap_or(9))))
    }

    fn read_some(&self, size: usize) -> wasmtime_wasi::p2::StreamResult<bytes::Bytes> {
        if !self.wait_for(Want::Read) {
            return Err(self.stopped());
        }
        let mut buf = vec![0u8; size.min(1 << 16)];
        let n =
            (&*self.fd).read(&mut buf).map_err(|e| wasmtime_wasi::p2::StreamError::LastOperationFailed(e.into()))?;
        if n == 0 && size > 0 {
            return Err(wasmtime_wasi::p2::StreamError::Closed);
        }
        buf.truncate(n);
        Ok(buf.into())
    }

    fn write_all(&self, mut data: &[u8]) -> wasmtime_wasi::p2::StreamResult<()> {
        while !data.is_empty() {
            if !self.wait_for(Want::Write) {
                return Err(self.stopped());
            }
            match (&*self.fd).write(&data[..data.len().min(PIPE_BUF)]) {
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(wasmtime_wasi::p2::StreamError::LastOperationFailed(e.into())),
            }
        }
        Ok(())
    }
}

impl wasmtime_wasi::cli::IsTerminal for ChildStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

#[wasmtime_wasi::async_trait]
impl wasmtime_wasi::p2::Pollable for ChildStream {
    async fn ready(&mut self) {}
}

impl wasmtime_wasi::p2::InputStream for ChildStream {
    fn read(&mut self, size: usize) -> wasmtime_wasi::p2::StreamResult<bytes::Bytes> {
        self.read_some(size)
    }
}

impl wasmtime_wasi::p2::OutputStream for ChildStream {
    fn write(&mut self, bytes: bytes::Bytes) -> wasmtime_wasi::p2::StreamResult<()> {
        self.write_all(&bytes)
    }

    fn flush(&mut self) -> wasmtime_wasi::p2::StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> wasmtime_wasi::p2::StreamResult<usize> {
        Ok(1 << 16)
    }
}

impl wasmtime_wasi::cli::StdinStream for ChildStream {
    fn p2_stream(&self) -> Box<dyn wasmtime_wasi::p2::InputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncRead + Send + Sync> {
        Box::new(self.clone())
    }
}

impl wasmtime_wasi::cli::StdoutStream for ChildStream {
    fn p2_stream(&self) -> Box<dyn wasmtime_wasi::p2::OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

// The asynchronous forms (WASI 0.3) work as the blocking ones do, as
// wasmtime-wasi's own `InputFile` and `OutputFile` do.
impl tokio::io::AsyncRead for ChildStream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        // An error or the end reads as the end.
        if let Ok(bytes) = self.read_some(buf.remaining()) {
            buf.put_slice(&bytes);
        }
        std::task::Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for ChildStream {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::task::Poll::Ready(
            self.write_all(buf).map(|()| buf.len()).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe)),
        )
    }

    fn poll_flush(self: std::pin::Pin<&mut Self>, _cx: &mut std::task::Context<'_>) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}
