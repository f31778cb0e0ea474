//! A `Popen`'s pipes as the file objects CPython gives:
//! `io.BufferedReader`/`io.BufferedWriter` over the pipe, or
//! `io.TextIOWrapper` in text mode, with their buffering, their errors and
//! their messages. Reads wait for the child through the host, which never
//! lets a wait outlive the sandbox's time limit.

use std::cell::{Cell, RefCell};

use crate::error::{exception, os_error, type_error, value_error};
use crate::host::Pipe as HostPipe;
use crate::osbox::os::types::{ErrorCode, Exception, OsError};

use super::text::Codec;
use crate::exports::osbox::os::subprocess::Data;

/// `io.DEFAULT_BUFFER_SIZE`: what a buffered reader asks of the pipe at a
/// time, and what `read1()` returns at most.
pub const BUFFER_SIZE: u64 = 8192;

/// One end of a pipe to or from a child, and what has been read ahead.
pub struct Stream {
    /// The sandbox's end; none once closed.
    end: RefCell<Option<HostPipe>>,
    writable: bool,
    /// Text mode.
    codec: Option<Codec>,
    /// Bytes read from the pipe and not yet given (not yet decoded in text
    /// mode).
    raw: RefCell<Vec<u8>>,
    /// Text mode: decoded text with universal newlines, not yet given.
    text: RefCell<String>,
    /// Text mode: a `\r` at the end of what was decoded, held back until
    /// the next piece tells whether `\n` follows.
    pending_cr: Cell<bool>,
    /// The pipe reached its end.
    eof: Cell<bool>,
}

/// A failed host call on a pipe as the exception: `BrokenPipeError`,
/// `InterruptedError`, ...
pub fn pipe_error(code: ErrorCode) -> OsError {
    os_error(code, None, None)
}

/// `MemoryError`: what a child sent does not fit in the sandbox.
pub fn memory_error() -> OsError {
    exception(Exception::MemoryError, "")
}

/// Appends `data` to `buf`, or `MemoryError` when the sandbox's memory cap
/// refuses the room: the output a sandbox holds for its children counts
/// against its cap.
pub fn append(buf: &mut Vec<u8>, data: &[u8]) -> Result<(), OsError> {
    buf.try_reserve(data.len()).map_err(|_| memory_error())?;
    buf.extend_from_slice(data);
    Ok(())
}

impl Stream {
    pub fn new(end: HostPipe, writable: bool, codec: Option<Codec>) -> Stream {
        Stream {
            end: RefCell::new(Some(end)),
            writable,
            codec,
            raw: RefCell::default(),
            text: RefCell::default(),
            pending_cr: Cell::new(false),
            eof: Cell::new(false),
        }
    }

    pub fn writable(&self) -> bool {
        self.writable
    }

    pub fn is_text(&self) -> bool {
        self.codec.is_some()
    }

    pub fn closed(&self) -> bool {
        self.end.borrow().is_none()
    }

    /// Runs `f` with the open pipe; `ValueError(closed)` once closed.
    pub fn with_end<T>(&self, closed: &str, f: impl FnOnce(&HostPipe) -> T) -> Result<T, OsError> {
        match self.end.borrow().as_ref() {
            Some(end) => Ok(f(end)),
            None => Err(value_error(if self.is_text() { "I/O operation on closed file." } else { closed })),
        }
    }

    /// The open end, borrowed for a host call that takes it (`ready`, a
    /// pipeline's `stdin`).
    pub fn end_for_child(&self) -> Option<std::cell::Ref<'_, HostPipe>> {
        std::cell::Ref::filter_map(self.end.borrow(), Option::as_ref).ok()
    }

    /// `f.close()`: closes the sandbox's end (a second close does nothing).
    pub fn close(&self) {
        self.end.borrow_mut().take();
    }

    /// Checks that the stream is open and readable: what CPython checks
    /// before a read.
    fn readable(&self, closed: &str, what: &str) -> Result<(), OsError> {
        self.with_end(closed, |_| ())?;
        if self.writable {
            let name = if self.is_text() { "not readable" } else { what };
            return Err(exception(Exception::UnsupportedOperation, name));
        }
        Ok(())
    }

    /// One read of the pipe, up to `max` bytes, into `raw`: false at the
    /// end of the pipe.
    fn fill(&self, max: u64) -> Result<bool, OsError> {
        if self.eof.get() {
            return Ok(false);
        }
        let data = self.with_end("read of closed file", |end| end.read(max, None))?.map_err(pipe_error)?;
        if data.is_empty() {
            self.eof.set(true);
            return Ok(false);
        }
        append(&mut self.raw.borrow_mut(), &data)?;
        Ok(true)
    }

    /// Takes the first `n` bytes read ahead (all of them when fewer).
    fn take(&self, n: usize) -> Vec<u8> {
        let mut raw = self.raw.borrow_mut();
        let n = n.min(raw.len());
        let rest = raw.split_off(n);
        std::mem::replace(&mut *raw, rest)
    }

    /// Text mode: decodes what was read ahead into `text`, reading the pipe
    /// once more when `more`; false when nothing more will come.
    fn decode_more(&self, codec: &Codec, more: bool) -> Result<bool, OsError> {
        let got = more && self.fill(BUFFER_SIZE)?;
        let last = self.eof.get();
        let (mut piece, used) = codec.decode(&self.raw.borrow(), last)?;
        self.take(used);
        if self.pending_cr.replace(false) {
            piece.insert(0, '\r');
        }
        if !last && piece.ends_with('\r') {
            piece.pop();
            self.pending_cr.set(true);
        }
        let piece = super::text::translate(&piece);
        let mut text = self.text.borrow_mut();
        text.try_reserve(piece.len()).map_err(|_| memory_error())?;
        text.push_str(&piece);
        Ok(got || !last)
    }

    /// Takes the first `n` characters of the decoded text.
    fn take_text(&self, n: usize) -> String {
        let mut text = self.text.borrow_mut();
        let at = text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
        let rest = text.split_off(at);
        std::mem::replace(&mut *text, rest)
    }

    /// `f.read(size)`.
    pub fn read(&self, size: i64) -> Result<Data, OsError> {
        self.readable("read of closed file", "read")?;
        if let Some(codec) = self.codec {
            loop {
                let enough = size >= 0 && self.text.borrow().chars().count() >= size as usize;
                if enough || !self.decode_more(&codec, true)? {
                    break;
                }
            }
            let n = if size < 0 { usize::MAX } else { size as usize };
            return Ok(Data::Text(self.take_text(n)));
        }
        if size == 0 {
            return Ok(Data::Bytes(Vec::new()));
        }
        let want = usize::try_from(size).unwrap_or(usize::MAX);
        while self.raw.borrow().len() < want {
            let missing = (want - self.raw.borrow().len()) as u64;
            if !self.fill(missing.clamp(BUFFER_SIZE, 1 << 20))? {
                break;
            }
        }
        Ok(Data::Bytes(self.take(want)))
    }

    /// `f.read1(size)`: what was read ahead, else one read of the pipe.
    pub fn read1(&self, size: i64) -> Result<Data, OsError> {
        if self.is_text() {
            return Err(type_error("read1() is not available on a text stream (io.TextIOWrapper)"));
        }
        self.readable("read of closed file", "read")?;
        let size = if size < 0 { BUFFER_SIZE } else { size as u64 };
        if size == 0 {
            return Ok(Data::Bytes(Vec::new()));
        }
        if self.raw.borrow().is_empty() {
            self.fill(size)?;
        }
        Ok(Data::Bytes(self.take(size as usize)))
    }

    /// `f.readline(size)`.
    pub fn readline(&self, size: i64) -> Result<Data, OsError> {
        self.readable("readline of closed file", "read")?;
        let limit = if size < 0 { usize::MAX } else { size as usize };
        if let Some(codec) = self.codec {
            loop {
                let text = self.text.borrow();
                let line = text.char_indices().position(|(_, c)| c == '\n').map(|i| i + 1);
                let count = text.chars().count();
                drop(text);
                match line {
                    Some(n) => return Ok(Data::Text(self.take_text(n.min(limit)))),
                    None if count >= limit => return Ok(Data::Text(self.take_text(limit))),
                    None => {}
                }
                if !self.decode_more(&codec, true)? {
                    return Ok(Data::Text(self.take_text(limit)));
                }
            }
        }
        loop {
            let line = self.raw.borrow().iter().position(|b| *b == b'\n').map(|i| i + 1);
            match line {
                Some(n) => return Ok(Data::Bytes(self.take(n.min(limit)))),
                None if self.raw.borrow().len() >= limit => return Ok(Data::Bytes(self.take(limit))),
                None => {}
            }
            if !self.fill(BUFFER_SIZE)? {
                return Ok(Data::Bytes(self.take(limit)));
            }
        }
    }

    /// `f.readlines(hint)`: lines until their length reaches `hint` (all
    /// of them when `hint` is not positive).
    pub fn readlines(&self, hint: i64) -> Result<Vec<Data>, OsError> {
        if self.closed() {
            return Err(value_error("I/O operation on closed file."));
        }
        let mut lines = Vec::new();
        let mut total = 0usize;
        loop {
            let line = self.readline(-1)?;
            let len = match &line {
                Data::Text(t) => t.chars().count(),
                Data::Bytes(b) => b.len(),
            };
            if len == 0 {
                return Ok(lines);
            }
            lines.push(line);
            total += len;
            if hint > 0 && total >= hint as usize {
                return Ok(lines);
            }
        }
    }

    /// `f.write(data)`: all of it, waiting for the child to make room; the
    /// number of bytes (characters in text mode).
    pub fn write(&self, data: Data) -> Result<u64, OsError> {
        self.with_end("write to closed file", |_| ())?;
        if !self.writable {
            let name = if self.is_text() { "not writable" } else { "write" };
            return Err(exception(Exception::UnsupportedOperation, name));
        }
        let (bytes, count) = match (data, self.is_text()) {
            (Data::Text(s), true) => {
                let n = s.chars().count() as u64;
                (s.into_bytes(), n)
            }
            (Data::Bytes(b), false) => {
                let n = b.len() as u64;
                (b, n)
            }
            (Data::Bytes(_), true) => return Err(type_error("write() argument must be str, not bytes")),
            (Data::Text(_), false) => return Err(type_error("a bytes-like object is required, not 'str'")),
        };
        self.write_all(&bytes)?;
        Ok(count)
    }

    /// Writes all of `bytes`, in pieces the pipe takes.
    pub fn write_all(&self, bytes: &[u8]) -> Result<(), OsError> {
        let mut done = 0;
        while done < bytes.len() {
            let piece = &bytes[done..bytes.len().min(done + (1 << 16))];
            let n = self.with_end("write to closed file", |end| end.write(piece, None))?.map_err(pipe_error)?;
            done += n as usize;
        }
        Ok(())
    }

    /// `f.flush()`: writes go to the pipe at once, so nothing is pending.
    pub fn flush(&self) -> Result<(), OsError> {
        self.with_end("flush of closed file", |_| ())
    }
}
