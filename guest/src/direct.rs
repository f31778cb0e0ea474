//! `osbox:os/direct`: reads and listings whose data stays with the osbox
//! host (its own callers take it there), each the same call as in `file`
//! or `fs` up to where the data would cross.

use crate::exports::osbox::os::direct::{Guest, ListdirResult, ReadResult, ScandirResult, WalkResult};
use crate::osbox::os::types::{Fspath, OsError};

impl Guest for crate::Osbox {
    fn listdir(path: Option<Fspath>) -> Result<ListdirResult, OsError> {
        crate::fs::listdir_direct(path)
    }

    fn scandir(path: Option<Fspath>) -> Result<ScandirResult, OsError> {
        crate::fs::scandir_direct(path)
    }

    fn walk(top: Fspath, topdown: bool, followlinks: bool) -> Vec<WalkResult> {
        let mut out = Vec::new();
        crate::fs::walk_into(&top, topdown, followlinks, true, None, &mut out);
        out
    }

    fn read(fd: i32, n: i64) -> Result<ReadResult, OsError> {
        crate::file::read_direct(fd, n)
    }

    fn pread(fd: i32, n: i64, offset: i64) -> Result<ReadResult, OsError> {
        crate::file::pread_direct(fd, n, offset)
    }
}
