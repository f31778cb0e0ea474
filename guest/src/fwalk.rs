//! `os.fwalk`: CPython 3.11's generator, a step at a time. Each directory
//! is opened relative to its parent's descriptor, compared with what `lstat`
//! saw (unless links are followed), listed through its descriptor, and its
//! descriptor stays open until the walk moves on, so a caller can use it as
//! `dir_fd`. Descriptors come from the same table as `os.open`, in the same
//! order as CPython opens them, so their numbers are CPython's too.

use std::cell::RefCell;

use crate::Osbox;
use crate::exports::osbox::os::file::Guest as File;
use crate::exports::osbox::os::fs::{Guest as Fs, GuestFwalk};
use crate::fs::{is_dir_mode, scan_fd};
use crate::osbox::os::types::{FileType, Fspath, FwalkItem, FwalkStep, OsError, StatResult};
use crate::posixpath;

/// A directory being walked: its descriptor and listing, and how far the
/// walk has gone into it.
struct Frame {
    fd: i32,
    path: Fspath,
    dirs: Vec<Fspath>,
    nondirs: Vec<Fspath>,
    /// The next of `dirs` to descend into.
    next: usize,
    yielded: bool,
}

impl Frame {
    /// `_fwalk`'s listing of the directory open as `fd`: links to
    /// directories count as directories, dangling links as files.
    fn list(fd: i32, path: Fspath) -> Result<Frame, OsError> {
        let entries = scan_fd(fd, false)?;
        let (mut dirs, mut nondirs) = (Vec::new(), Vec::new());
        for e in entries {
            let name = path.like(e.name.as_bytes().to_vec());
            if e.type_ == FileType::Directory || e.target_type == Some(FileType::Directory) {
                dirs.push(name);
            } else {
                nondirs.push(name);
            }
        }
        Ok(Frame { fd, path, dirs, nondirs, next: 0, yielded: false })
    }

    fn step(&self) -> FwalkItem {
        FwalkItem::Step(FwalkStep {
            dirpath: self.path.clone(),
            dirnames: self.dirs.clone(),
            filenames: self.nondirs.clone(),
            dirfd: self.fd,
        })
    }
}

enum State {
    /// Nothing read yet: CPython's generator starts on the first `next`.
    Start {
        top: Fspath,
        dir_fd: Option<i32>,
    },
    Walking(Vec<Frame>),
    Done,
}

/// The `fwalk` resource.
pub struct Fwalk {
    topdown: bool,
    follow: bool,
    state: RefCell<State>,
}

fn samestat(a: &StatResult, b: &StatResult) -> bool {
    a.dev == b.dev && a.ino == b.ino
}

fn close(fd: i32) {
    let _ = <Osbox as File>::close(fd);
}

impl Fwalk {
    /// `fwalk`'s own part: `top` checked and opened; `None` when it is not
    /// a directory to walk.
    fn start(&self, top: &Fspath, dir_fd: Option<i32>) -> Result<Option<Frame>, OsError> {
        let orig = if self.follow { None } else { Some(<Osbox as Fs>::stat(top.clone(), dir_fd, false)?) };
        let fd = <Osbox as File>::open(top.clone(), 0, 0, dir_fd)?;
        let walk = match &orig {
            None => Ok(true),
            Some(o) => <Osbox as File>::fstat(fd).map(|s| is_dir_mode(o.mode) && samestat(o, &s)),
        };
        match walk.and_then(|w| if w { Frame::list(fd, top.clone()).map(Some) } else { Ok(None) }) {
            Ok(Some(frame)) => Ok(Some(frame)),
            other => {
                close(fd);
                other
            }
        }
    }

    /// The next item of `_fwalk`: a step, or an error for `onerror`; an
    /// error it raises comes back as `Err`.
    fn advance(&self, stack: &mut Vec<Frame>) -> Result<Option<FwalkItem>, OsError> {
        loop {
            let Some(frame) = stack.last_mut() else { return Ok(None) };
            if self.topdown && !frame.yielded {
                frame.yielded = true;
                return Ok(Some(frame.step()));
            }
            if frame.next < frame.dirs.len() {
                let name = frame.dirs[frame.next].clone();
                frame.next += 1;
                let parent = frame.fd;
                let opened = (|| {
                    let orig =
                        if self.follow { None } else { Some(<Osbox as Fs>::stat(name.clone(), Some(parent), false)?) };
                    Ok::<_, OsError>((orig, <Osbox as File>::open(name.clone(), 0, 0, Some(parent))?))
                })();
                let (orig, fd) = match opened {
                    Ok(o) => o,
                    Err(e) => return Ok(Some(FwalkItem::Error(e))),
                };
                let path = frame.path.like(posixpath::join(frame.path.as_bytes(), &[name.as_bytes()]));
                let same = match &orig {
                    None => Ok(true),
                    Some(o) => <Osbox as File>::fstat(fd).map(|s| samestat(o, &s)),
                };
                match same.and_then(|same| if same { Frame::list(fd, path).map(Some) } else { Ok(None) }) {
                    Ok(Some(child)) => stack.push(child),
                    Ok(None) => close(fd),
                    Err(e) => {
                        close(fd);
                        return Err(e);
                    }
                }
                continue;
            }
            if !self.topdown && !frame.yielded {
                frame.yielded = true;
                return Ok(Some(frame.step()));
            }
            if let Some(done) = stack.pop() {
                close(done.fd);
            }
        }
    }
}

impl GuestFwalk for Fwalk {
    fn new(top: Fspath, topdown: bool, follow_symlinks: bool, dir_fd: Option<i32>) -> Self {
        Fwalk { topdown, follow: follow_symlinks, state: RefCell::new(State::Start { top, dir_fd }) }
    }

    fn next(&self) -> Result<Option<FwalkItem>, OsError> {
        let mut state = self.state.borrow_mut();
        if let State::Start { top, dir_fd } = &*state {
            let (top, dir_fd) = (top.clone(), *dir_fd);
            *state = State::Done;
            match self.start(&top, dir_fd)? {
                Some(frame) => *state = State::Walking(vec![frame]),
                None => return Ok(None),
            }
        }
        let State::Walking(stack) = &mut *state else { return Ok(None) };
        let item = self.advance(stack);
        if !matches!(item, Ok(Some(_))) {
            for frame in stack.drain(..) {
                close(frame.fd);
            }
            *state = State::Done;
        }
        item
    }
}

impl Drop for Fwalk {
    /// A walk left before its end closes what it holds open, as the
    /// generator's `finally` clauses do.
    fn drop(&mut self) {
        if let State::Walking(stack) = self.state.get_mut() {
            for frame in stack.drain(..) {
                close(frame.fd);
            }
        }
    }
}
