//! `shutil`: CPython 3.11's copy, move, rmtree and which, composed from the
//! guest's own os calls so they raise exactly what those calls raise.
//!
//! Two choices keep data safe where CPython would not: `copyfile` onto an
//! existing file writes a new file beside it and renames it into place (a
//! failed copy leaves the old content), and `move` syncs what it copied
//! before it removes the source.

use crate::Osbox;
use crate::error::{Fail, exception, os_error};
use crate::exports::osbox::os::file::Guest as File;
use crate::exports::osbox::os::fs::Guest as Fs;
use crate::exports::osbox::os::path::Guest as Path;
use crate::exports::osbox::os::shutil::{CopyFunction, Guest};
use crate::file::flags::{O_CREAT, O_EXCL, O_TRUNC, O_WRONLY};
use crate::fs::is_dir_mode;
use crate::host::{self, CopyMetadata};
use crate::osbox::os::types::{ErrorCode, Exception, FileType, Fspath, OsError, PathOrFd};
use crate::posixpath::{self, repr_str};
use crate::sandbox::{self, Loc, Mount, resolve};
use crate::stat;
use crate::wasi::filesystem::types::{Descriptor, DescriptorFlags, DescriptorType, OpenFlags, PathFlags};

thread_local! {
    /// The tree operation under way, how many files it has done, and
    /// whether the host shows its progress (until it says it does not).
    static PROGRESS: std::cell::Cell<(&'static str, u64, bool)> = const { std::cell::Cell::new(("", 0, true)) };
}

/// Runs a tree operation named `op` (unless one is already under way, as
/// copytree is inside move), reporting progress to the host.
fn tracked<T>(op: &'static str, f: impl FnOnce() -> T) -> T {
    let outer = PROGRESS.with(|p| p.get());
    if outer.0.is_empty() {
        PROGRESS.with(|p| p.set((op, 0, true)));
    }
    let r = f();
    if outer.0.is_empty() {
        PROGRESS.with(|p| p.set(("", 0, true)));
    }
    r
}

/// One more file done.
fn tick() {
    ticks(1);
}

/// `n` more files done.
fn ticks(n: u64) {
    let (op, done, shown) = PROGRESS.with(|p| p.get());
    if !op.is_empty() && n > 0 {
        let shown = shown && host::progress(op, done + n);
        PROGRESS.with(|p| p.set((op, done + n, shown)));
    }
}

/// How much `copyfile` moves per read.
const CHUNK: i64 = 1 << 20;

fn islink(p: &Fspath) -> bool {
    Osbox::islink(p.clone())
}

fn isdir(p: &Fspath) -> bool {
    <Osbox as Path>::isdir(p.clone())
}

fn exists(p: &Fspath) -> bool {
    <Osbox as Path>::exists(p.clone())
}

fn join(a: &Fspath, b: &[u8]) -> Fspath {
    a.like(posixpath::join(a.as_bytes(), &[b]))
}

/// `shutil._samefile`: `os.path.samefile`, false on any error.
fn samefile(src: &Fspath, dst: &Fspath) -> bool {
    <Osbox as Path>::samefile(src.clone(), dst.clone()).unwrap_or(false)
}

/// `shutil.Error(message)`: an `OSError` subclass without an errno.
fn shutil_error(message: String) -> OsError {
    exception(Exception::ShutilError, message)
}

/// The permission bits WASI cannot see, from the osbox host.
fn mode_bits(path: &Fspath, follow: bool) -> Result<u32, OsError> {
    resolve(path).and_then(|loc| crate::fs::permission_bits(&loc, follow)).map_err(|f| f.on(path))
}

/// Copies the rest of `fd_in` into `fd_out`, `chunk` bytes at a time.
fn copy_data(fd_in: i32, fd_out: i32, chunk: i64) -> Result<(), OsError> {
    loop {
        let buf = <Osbox as File>::read(fd_in, chunk)?;
        if buf.is_empty() {
            return Ok(());
        }
        let mut done = 0;
        while done < buf.len() {
            done += <Osbox as File>::write(fd_out, buf[done..].to_vec())? as usize;
        }
    }
}

/// Runs `f` with `fd`, closing it whatever happens.
fn closing<T>(fd: i32, f: impl FnOnce(i32) -> Result<T, OsError>) -> Result<T, OsError> {
    let r = f(fd);
    let closed = <Osbox as File>::close(fd);
    let v = r?;
    closed?;
    Ok(v)
}

/// Opens `src` for reading as `open(src, 'rb')` does: a directory is
/// `IsADirectoryError`.
fn open_source(src: &Fspath) -> Result<i32, OsError> {
    let fd = <Osbox as File>::open(src.clone(), 0, 0, None)?;
    match <Osbox as File>::fstat(fd) {
        Ok(st) if is_dir_mode(st.mode) => {
            let _ = <Osbox as File>::close(fd);
            Err(os_error(ErrorCode::IsDirectory, Some(src), None))
        }
        _ => Ok(fd),
    }
}

/// How long a temporary copy (see [`open_beside`]) must have gone unchanged
/// before a copy into its directory takes it for what a copy killed midway
/// left: a copy under way writes it continually.
const STALE_NS: i64 = 3600 * 1_000_000_000;

thread_local! {
    /// The directories (device and inode) this instance has swept.
    static SWEPT: std::cell::RefCell<std::collections::BTreeSet<(u64, u64)>> = Default::default();
}

/// Whether `name` is one of [`open_beside`]'s: `.NAME.osbox-` and 16
/// lowercase hexadecimal digits.
fn is_temporary_copy(name: &[u8]) -> bool {
    let Some(cut) = name.len().checked_sub(16) else { return false };
    let (head, hex) = name.split_at(cut);
    name.starts_with(b".")
        && head.len() > 1 + TEMPORARY_MARK.len()
        && head.ends_with(TEMPORARY_MARK)
        && hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What [`open_beside`] puts between `.NAME` and its 16 hexadecimal digits.
const TEMPORARY_MARK: &[u8] = b".osbox-";

/// Removes from the directory `dst` goes in the temporary copies that
/// copies killed midway left there (regular files named by
/// [`open_beside`], unchanged for [`STALE_NS`]), once per directory and
/// instance: where the host has no unnamed files, whoever copies next into
/// a directory cleans up after those that were stopped.
fn sweep_beside(dst: &Fspath) {
    let (dir, _) = posixpath::split(dst.as_bytes());
    let dir = dst.like(if dir.is_empty() { b".".to_vec() } else { dir });
    let Ok(st) = <Osbox as Fs>::stat(dir.clone(), None, true) else { return };
    if !SWEPT.with(|s| s.borrow_mut().insert((st.dev, st.ino))) {
        return;
    }
    let Ok(names) = <Osbox as Fs>::listdir(Some(PathOrFd::Path(dir.clone()))) else { return };
    let now = crate::wasi::clocks::wall_clock::now();
    let now = now.seconds as i64 * 1_000_000_000 + i64::from(now.nanoseconds);
    for name in names.iter().filter(|n| is_temporary_copy(n.as_bytes())) {
        let path = dir.like(posixpath::join(dir.as_bytes(), &[name.as_bytes()]));
        let stale = <Osbox as Fs>::stat(path.clone(), None, false)
            .is_ok_and(|st| stat::is(st.mode, FileType::RegularFile) && now - st.mtime_ns > STALE_NS);
        if stale {
            let _ = <Osbox as Fs>::remove(path, None);
        }
    }
}

/// A name beside `dst` for the new copy, created exclusively.
fn open_beside(dst: &Fspath) -> Result<(i32, Fspath), OsError> {
    let (dir, base) = posixpath::split(dst.as_bytes());
    for _ in 0..100 {
        let mut name = b".".to_vec();
        name.extend_from_slice(&base);
        name.extend_from_slice(TEMPORARY_MARK);
        name.extend_from_slice(format!("{:016x}", crate::wasi::random::random::get_random_u64()).as_bytes());
        let tmp = dst.like(posixpath::join(&dir, &[&name]));
        match <Osbox as File>::open(tmp.clone(), O_WRONLY | O_CREAT | O_EXCL, 0o600, None) {
            Ok(fd) => return Ok((fd, tmp)),
            Err(e) if e.code == Some(ErrorCode::Exist) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(os_error(ErrorCode::Exist, Some(dst), None))
}

/// `shutil.copyfile`, syncing the copy when `sync` (for `move`).
fn copyfile(src: &Fspath, dst: &Fspath, follow: bool, sync: bool) -> Result<Fspath, OsError> {
    // One stat of each end serves both of CPython's checks: _samefile, then
    // no named pipe (which would block the copy).
    let (st_src, st_dst) = (<Osbox as Fs>::stat(src.clone(), None, true), <Osbox as Fs>::stat(dst.clone(), None, true));
    if let (Ok(a), Ok(b)) = (&st_src, &st_dst)
        && a.dev == b.dev
        && a.ino == b.ino
    {
        return Err(exception(
            Exception::SameFileError,
            format!("{} and {} are the same file", crate::error::repr(src), crate::error::repr(dst)),
        ));
    }
    for (p, st) in [(src, &st_src), (dst, &st_dst)] {
        if st.as_ref().is_ok_and(|st| stat::is(st.mode, FileType::Fifo)) {
            let shown = match p {
                Fspath::Text(t) => t.clone(),
                Fspath::Bytes(_) => crate::error::repr(p),
            };
            return Err(exception(Exception::SpecialFileError, format!("`{shown}` is a named pipe")));
        }
    }
    if !follow && islink(src) {
        let target = <Osbox as Fs>::readlink(src.clone(), None)?;
        <Osbox as Fs>::symlink(target, dst.clone(), None)?;
        return Ok(dst.clone());
    }
    if fast_copy(src, dst, CopyMetadata::None, sync) {
        return Ok(dst.clone());
    }
    sweep_beside(dst);
    let fd_in = open_source(src)?;
    closing(fd_in, |fd_in| {
        let replacing =
            <Osbox as Fs>::stat(dst.clone(), None, false).is_ok_and(|s| stat::is(s.mode, FileType::RegularFile));
        if !replacing {
            return write_new(fd_in, dst, sync);
        }
        // Opening the old file first raises what CPython's open(dst, 'wb')
        // would (EACCES, EROFS) without touching it.
        <Osbox as File>::close(<Osbox as File>::open(dst.clone(), O_WRONLY, 0, None)?)?;
        let (fd_out, tmp) = open_beside(dst)?;
        let written = closing(fd_out, |fd_out| {
            copy_data(fd_in, fd_out, CHUNK)?;
            if sync { <Osbox as File>::fsync(fd_out) } else { Ok(()) }
        });
        let placed = written.and_then(|()| {
            if let Ok(bits) = mode_bits(dst, true) {
                <Osbox as Fs>::chmod(tmp.clone(), bits, None, true)?;
            }
            <Osbox as Fs>::rename(tmp.clone(), dst.clone(), None, None)
        });
        if placed.is_err() {
            let _ = <Osbox as Fs>::remove(tmp, None);
        }
        placed.map(|()| dst.clone())
    })
}

/// The copy into a new file (or through a link): a failure removes what
/// was created.
fn write_new(fd_in: i32, dst: &Fspath, sync: bool) -> Result<Fspath, OsError> {
    let existed = <Osbox as Path>::lexists(dst.clone());
    let fd_out = match <Osbox as File>::open(dst.clone(), O_WRONLY | O_CREAT | O_TRUNC, 0o666, None) {
        Ok(fd) => fd,
        // CPython 3.11 (issue 43219): a directory that is not there.
        Err(e) if e.code == Some(ErrorCode::IsDirectory) && !exists(dst) => {
            return Err(exception(Exception::FileNotFoundError, format!("Directory does not exist: {}", shown(dst))));
        }
        Err(e) => return Err(e),
    };
    let written = closing(fd_out, |fd_out| {
        copy_data(fd_in, fd_out, CHUNK)?;
        if sync { <Osbox as File>::fsync(fd_out) } else { Ok(()) }
    });
    if written.is_err() && !existed {
        let _ = <Osbox as Fs>::remove(dst.clone(), None);
    }
    written.map(|()| dst.clone())
}

fn copymode(src: &Fspath, dst: &Fspath, follow: bool) -> Result<(), OsError> {
    if !follow && islink(src) && islink(dst) {
        // Linux has no lchmod: CPython does nothing here.
        return Ok(());
    }
    <Osbox as Fs>::stat(src.clone(), None, true)?;
    let bits = mode_bits(src, true)?;
    <Osbox as Fs>::chmod(dst.clone(), bits, None, true)
}

fn copystat(src: &Fspath, dst: &Fspath, follow: bool) -> Result<(), OsError> {
    let follow = follow || !(islink(src) && islink(dst));
    let st = <Osbox as Fs>::stat(src.clone(), None, follow)?;
    <Osbox as Fs>::utime(PathOrFd::Path(dst.clone()), Some((st.atime_ns, st.mtime_ns)), None, follow)?;
    if follow {
        // Without the osbox host there are no permission bits to copy; CPython
        // on WASI skips the same way.
        match mode_bits(src, true) {
            Ok(bits) => <Osbox as Fs>::chmod(dst.clone(), bits, None, true)?,
            Err(e) if e.code == Some(ErrorCode::NotImplemented) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A copy of a regular file to a new one, or over a regular file, in one
/// host call: the kernel copies the data into an unnamed file, put in place
/// only when whole, so that a copy cut short leaves nothing. Where the osbox
/// host is there and nothing unusual is asked; `false` leaves it to the
/// general path, which gives the exact errors of whatever is unusual.
fn fast_copy(src: &Fspath, dst: &Fspath, metadata: CopyMetadata, sync: bool) -> bool {
    // `..` through a link is the kernel's to resolve, and `f/` not a file
    // to copy: the general path does them.
    let plain = |p: &Fspath| !p.as_bytes().split(|&b| b == b'/').any(|c| c == b"..") && !p.as_bytes().ends_with(b"/");
    if !plain(src) || !plain(dst) {
        return false;
    }
    let (Ok(Loc::Real { mount: m1, rel: r1 }), Ok(Loc::Real { mount: m2, rel: r2 })) = (resolve(src), resolve(dst))
    else {
        return false;
    };
    host::copy_file(&m1.dir, &r1, &m2.dir, &r2, metadata, sync).is_ok()
}

fn copy_with(function: CopyFunction, src: &Fspath, dst: &Fspath, follow: bool, sync: bool) -> Result<Fspath, OsError> {
    if function == CopyFunction::NotCallable {
        return Err(crate::error::type_error("object is not callable"));
    }
    let metadata = match function {
        CopyFunction::Copy => CopyMetadata::Mode,
        CopyFunction::Copy2 | CopyFunction::NotCallable => CopyMetadata::ModeAndTimes,
    };
    if follow && fast_copy(src, dst, metadata, sync) {
        return Ok(dst.clone());
    }
    let dst = if isdir(dst) { join(dst, &posixpath::basename(src.as_bytes())) } else { dst.clone() };
    if follow && fast_copy(src, &dst, metadata, sync) {
        return Ok(dst);
    }
    copyfile(src, &dst, follow, sync)?;
    match function {
        CopyFunction::Copy => copymode(src, &dst, follow)?,
        CopyFunction::Copy2 | CopyFunction::NotCallable => copystat(src, &dst, follow)?,
    }
    Ok(dst)
}

/// `fnmatch.fnmatch` on POSIX (no case folding): `*`, `?`, `[seq]`, `[!seq]`.
fn fnmatch(name: &[char], pat: &[char]) -> bool {
    match pat.split_first() {
        None => name.is_empty(),
        Some(('*', rest)) => (0..=name.len()).any(|i| fnmatch(&name[i..], rest)),
        Some(('?', rest)) => !name.is_empty() && fnmatch(&name[1..], rest),
        Some(('[', rest)) => match class(rest) {
            Some((set, negate, after)) => {
                let Some((&c, name_rest)) = name.split_first() else { return false };
                (set(c) != negate) && fnmatch(name_rest, after)
            }
            None => name.first() == Some(&'[') && fnmatch(&name[1..], rest),
        },
        Some((c, rest)) => name.first() == Some(c) && fnmatch(&name[1..], rest),
    }
}

/// A bracket expression: its membership test, whether it is negated, and
/// the pattern after it; `None` when it never closes (then `[` is literal).
#[allow(clippy::type_complexity)]
fn class(pat: &[char]) -> Option<(Box<dyn Fn(char) -> bool + '_>, bool, &[char])> {
    let (negate, body_start) = if pat.first() == Some(&'!') { (true, 1) } else { (false, 0) };
    let mut end = body_start;
    if pat.get(end) == Some(&']') {
        end += 1;
    }
    while end < pat.len() && pat[end] != ']' {
        end += 1;
    }
    if end >= pat.len() {
        return None;
    }
    let body = &pat[body_start..end];
    let test = move |c: char| {
        let mut i = 0;
        while i < body.len() {
            if i + 2 < body.len() && body[i + 1] == '-' {
                if body[i] <= c && c <= body[i + 2] {
                    return true;
                }
                i += 3;
            } else {
                if body[i] == c {
                    return true;
                }
                i += 1;
            }
        }
        false
    };
    Some((Box::new(test), negate, &pat[end + 1..]))
}

fn ignored(patterns: &Option<Vec<String>>, name: &[u8]) -> bool {
    let Some(patterns) = patterns else { return false };
    let name: Vec<char> = String::from_utf8_lossy(name).chars().collect();
    patterns.iter().any(|p| fnmatch(&name, &p.chars().collect::<Vec<_>>()))
}

/// Options of one copytree.
struct Tree<'a> {
    symlinks: bool,
    ignore: &'a Option<Vec<String>>,
    function: CopyFunction,
    ignore_dangling: bool,
    dirs_exist_ok: bool,
    sync: bool,
}

/// A `(src, dst, why)` of `shutil.Error`.
enum Failure {
    Tuple(Fspath, Fspath, String),
    /// What `errors.extend(err.args[0])` adds for a `shutil.Error` whose
    /// argument is a message (`SameFileError`): its characters, one by one.
    Char(char),
}

/// `str(shutil.Error(failures))`: the list as Python prints it.
fn failures_message(failures: &[Failure]) -> String {
    let items: Vec<String> = failures
        .iter()
        .map(|f| match f {
            Failure::Tuple(s, d, why) => {
                format!("({}, {}, {})", crate::error::repr(s), crate::error::repr(d), repr_str(why))
            }
            Failure::Char(c) => repr_str(&c.to_string()),
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// How a copytree failed: on its own top (raised as it is), or with the
/// failures collected below it (raised as one `shutil.Error`).
enum TreeError {
    Os(OsError),
    Collected(Vec<Failure>),
}

fn copytree(src: &Fspath, dst: &Fspath, t: &Tree) -> Result<Fspath, TreeError> {
    // copytree and _copytree: two frames a level in CPython.
    let _depth = crate::error::Depth::enter(2).map_err(TreeError::Os)?;
    // Without inodes: copytree never asks for them.
    let entries = crate::fs::scan(src, false).map_err(TreeError::Os)?;
    // ignore_patterns matches with str patterns, which bytes names refuse.
    if src.is_bytes() && t.ignore.as_ref().is_some_and(|p| !p.is_empty()) && !entries.is_empty() {
        return Err(TreeError::Os(crate::error::type_error("cannot use a string pattern on a bytes-like object")));
    }
    <Osbox as Fs>::makedirs(dst.clone(), 0o777, t.dirs_exist_ok).map_err(TreeError::Os)?;
    let mut errors: Vec<Failure> = Vec::new();
    for entry in entries {
        if ignored(t.ignore, entry.name.as_bytes()) {
            continue;
        }
        let srcname = join(src, entry.name.as_bytes());
        let dstname = join(dst, entry.name.as_bytes());
        let is_dir = entry.type_ == FileType::Directory || entry.target_type == Some(FileType::Directory);
        let result = (|| {
            if entry.type_ == FileType::SymbolicLink {
                let linkto = <Osbox as Fs>::readlink(srcname.clone(), None).map_err(TreeError::Os)?;
                if t.symlinks {
                    <Osbox as Fs>::symlink(linkto, dstname.clone(), None).map_err(TreeError::Os)?;
                    return copystat(&srcname, &dstname, false).map_err(TreeError::Os);
                }
                // CPython checks the link's text against the current directory.
                if !exists(&linkto) && t.ignore_dangling {
                    return Ok(());
                }
            }
            if is_dir {
                copytree(&srcname, &dstname, t).map(|_| ())
            } else {
                let copied = copy_with(t.function, &srcname, &dstname, true, t.sync).map(|_| ());
                tick();
                copied.map_err(TreeError::Os)
            }
        })();
        match result {
            Ok(()) => {}
            Err(TreeError::Collected(nested)) => errors.extend(nested),
            // Not an OSError: CPython's copytree lets it through.
            Err(TreeError::Os(why))
                if matches!(why.kind, Exception::RecursionError | Exception::TypeError | Exception::ValueError) =>
            {
                return Err(TreeError::Os(why));
            }
            // CPython hands copy_function the DirEntry, which SameFileError
            // shows, and copytree extends its list with that message.
            Err(TreeError::Os(why)) if why.kind == Exception::SameFileError => {
                let entry = format!("<DirEntry {}>", crate::error::repr(&entry.name));
                let message = format!("{entry} and {} are the same file", crate::error::repr(&dstname));
                errors.extend(message.chars().map(Failure::Char));
            }
            Err(TreeError::Os(why)) => errors.push(Failure::Tuple(srcname, dstname, why.message)),
        }
    }
    if let Err(why) = copystat(src, dst, true) {
        errors.push(Failure::Tuple(src.clone(), dst.clone(), why.message));
    }
    if errors.is_empty() { Ok(dst.clone()) } else { Err(TreeError::Collected(errors)) }
}

/// `shutil.copytree` as the call raises it.
fn copytree_top(src: &Fspath, dst: &Fspath, t: &Tree) -> Result<Fspath, OsError> {
    copytree(src, dst, t).map_err(|e| match e {
        TreeError::Os(e) => e,
        TreeError::Collected(f) => shutil_error(failures_message(&f)),
    })
}

/// The descriptor-relative removal of CPython's `_rmtree_safe_fd`: a
/// directory swapped for a link during the walk is never followed.
/// What rmtree does with an error: raise it, or note it and go on.
struct OnError {
    ignore: bool,
    skipped: Vec<OsError>,
}

impl OnError {
    fn handle(&mut self, r: Result<(), OsError>) -> Result<(), OsError> {
        match r {
            Err(e) if self.ignore => {
                self.skipped.push(e);
                Ok(())
            }
            r => r,
        }
    }
}

fn rmtree_fd(dir: &Descriptor, mount: &Mount, path: &Fspath, on: &mut OnError) -> Result<(), OsError> {
    // Not an OSError: raised whatever ignore_errors says, as in CPython.
    let _depth = crate::error::Depth::enter(1)?;
    let (names, is_dir) = match entries_of(dir) {
        Ok(listed) => listed,
        Err(f) => return on.handle(Err(f.on(path))),
    };
    let mut i = 0;
    while i < names.len() {
        if !is_dir[i] {
            // A run of names to unlink: one host call for all of them.
            let end = is_dir[i..].iter().position(|&d| d).map_or(names.len(), |n| i + n);
            unlink_all(dir, mount, path, &names[i..end], on)?;
            i = end;
            continue;
        }
        let e = &names[i];
        i += 1;
        let name = path.like(e.clone().into_bytes());
        let fullname = join(path, e.as_bytes());
        // A grant mounted here is what the sandbox shows at `fullname`, not
        // the directory it covers: rmtree goes into it, as CPython's into a
        // file system mounted there, and its rmdir is EBUSY.
        if let Some(inner) = sandbox::mounted_at(mount, &fullname) {
            rmtree_fd(&inner.dir, inner, &fullname, on)?;
            on.handle(Err(Fail::Code(ErrorCode::Busy).on(&name)))?;
            continue;
        }
        let sub = match dir.open_at(PathFlags::empty(), e, OpenFlags::DIRECTORY, DescriptorFlags::READ) {
            Ok(d) => d,
            Err(c) => {
                on.handle(Err(Fail::from(c).on(&name)))?;
                continue;
            }
        };
        rmtree_fd(&sub, mount, &fullname, on)?;
        drop(sub);
        on.handle(mount.changed(dir.remove_directory_at(e)).map_err(|f| f.on(&name)))?;
    }
    Ok(())
}

/// The names in the open directory `dir`, in the system's order, and
/// which of them are directories (not links to them): from the osbox
/// host's listing, or WASI's. Not inlined (nor is `unlink_all`): each
/// level of rmtree keeps `rmtree_fd`'s frame on the stack.
#[inline(never)]
fn entries_of(dir: &Descriptor) -> Result<(Vec<String>, Vec<bool>), Fail> {
    match host::scan_dir(dir, ".", false) {
        Ok(entries) => {
            let is_dir = entries.iter().map(|e| e.type_ == FileType::Directory).collect();
            return Ok((entries.into_iter().map(|e| e.name).collect(), is_dir));
        }
        Err(ErrorCode::NotImplemented) => {}
        Err(code) => return Err(Fail::Code(code)),
    }
    let stream = crate::sandbox::read_directory(dir)?;
    let (mut names, mut is_dir) = (Vec::new(), Vec::new());
    while let Some(e) = stream.read_directory_entry()? {
        is_dir.push(e.type_ == DescriptorType::Directory);
        names.push(e.name);
    }
    Ok((names, is_dir))
}

/// How many names rmtree unlinks per host call at most.
const RUN: usize = 1024;

/// Unlinks each of `names` from `dir` in order, an error going to `on`
/// with the name it is about: with the osbox host one call for the lot
/// (again after each error), else one WASI call each.
#[inline(never)]
fn unlink_all(
    dir: &Descriptor,
    mount: &Mount,
    path: &Fspath,
    names: &[String],
    on: &mut OnError,
) -> Result<(), OsError> {
    let mut next = 0;
    while next < names.len() {
        // In runs of at most RUN names, for the progress shown meanwhile.
        let (done, failed) = host::unlink_names(dir, &names[next..names.len().min(next + RUN)]);
        let done = done as usize;
        ticks(done as u64);
        next += done;
        match failed {
            // No osbox host: one WASI call each.
            None | Some(ErrorCode::NotImplemented) if done == 0 => break,
            None => {}
            Some(code) => {
                on.handle(Err(Fail::Code(code).on(&path.like(names[next].clone().into_bytes()))))?;
                next += 1;
            }
        }
    }
    for e in &names[next..] {
        on.handle(mount.changed(dir.unlink_file_at(e)).map_err(|f| f.on(&path.like(e.clone().into_bytes()))))?;
        tick();
    }
    Ok(())
}

/// `shutil.rmtree`; the errors it skipped when `ignore`.
fn rmtree(path: &Fspath, ignore: bool) -> Result<Vec<OsError>, OsError> {
    let mut on = OnError { ignore, skipped: Vec::new() };
    rmtree_top(path, &mut on)?;
    Ok(on.skipped)
}

fn rmtree_top(path: &Fspath, on: &mut OnError) -> Result<(), OsError> {
    let st = match <Osbox as Fs>::stat(path.clone(), None, false) {
        Ok(st) => st,
        Err(e) => return on.handle(Err(e)),
    };
    if stat::is(st.mode, FileType::SymbolicLink) {
        if let Err(e) = <Osbox as Fs>::stat(path.clone(), None, true) {
            return on.handle(Err(e));
        }
        return on.handle(Err(exception(Exception::OsError, "Cannot call rmtree on a symbolic link")));
    }
    match resolve(path).map_err(|f| f.on(path))? {
        Loc::Virtual { .. } => on.handle(Err(os_error(ErrorCode::Busy, Some(path), None))),
        Loc::Real { mount, rel } => {
            if !is_dir_mode(st.mode) {
                return on.handle(Err(os_error(ErrorCode::NotDirectory, Some(path), None)));
            }
            if rel == "." {
                rmtree_fd(&mount.dir, mount, path, on)?;
            } else {
                // Not following a link (one swapped in since the lstat is
                // refused), but a last `..` is a directory, never a link.
                let flags = if sandbox::follows(path.as_bytes(), false) {
                    PathFlags::SYMLINK_FOLLOW
                } else {
                    PathFlags::empty()
                };
                let dir = match mount.dir.open_at(flags, &rel, OpenFlags::DIRECTORY, DescriptorFlags::READ) {
                    Ok(d) => d,
                    Err(c) => return on.handle(Err(Fail::from(c).on(path))),
                };
                rmtree_fd(&dir, mount, path, on)?;
                // Closed before it is removed, as CPython does: Windows
                // cannot remove a directory that is open.
                drop(dir);
            }
            on.handle(<Osbox as Fs>::rmdir(path.clone(), None))
        }
    }
}

/// `shutil._destinsrc`.
fn dest_in_src(src: &Fspath, dst: &Fspath) -> bool {
    let cwd = sandbox::cwd();
    let mut s = posixpath::abspath(src.as_bytes(), &cwd);
    let mut d = posixpath::abspath(dst.as_bytes(), &cwd);
    for p in [&mut s, &mut d] {
        if !p.ends_with(b"/") {
            p.push(b'/');
        }
    }
    d.starts_with(&s)
}

/// `'%s' % path` in Python: a `bytes` path shows as its repr.
fn shown(p: &Fspath) -> String {
    match p {
        Fspath::Text(t) => t.clone(),
        Fspath::Bytes(_) => crate::error::repr(p),
    }
}

fn move_(src: &Fspath, dst: &Fspath, function: CopyFunction) -> Result<Option<Fspath>, OsError> {
    let mut real_dst = dst.clone();
    if isdir(dst) {
        if samefile(src, dst) {
            <Osbox as Fs>::rename(src.clone(), dst.clone(), None, None)?;
            return Ok(None);
        }
        // shutil._basename strips a str separator: bytes cannot.
        if src.is_bytes() {
            return Err(crate::error::type_error("a bytes-like object is required, not 'str'"));
        }
        if dst.is_bytes() {
            return Err(crate::error::type_error("Can't mix strings and bytes in path components"));
        }
        let trimmed: &[u8] = {
            let b = src.as_bytes();
            let end = b.iter().rposition(|&c| c != b'/').map_or(0, |i| i + 1);
            &b[..end]
        };
        real_dst = join(dst, &posixpath::basename(trimmed));
        if exists(&real_dst) {
            return Err(shutil_error(format!("Destination path '{}' already exists", shown(&real_dst))));
        }
    }
    if <Osbox as Fs>::rename(src.clone(), real_dst.clone(), None, None).is_ok() {
        return Ok(Some(real_dst));
    }
    if islink(src) {
        let linkto = <Osbox as Fs>::readlink(src.clone(), None)?;
        <Osbox as Fs>::symlink(linkto, real_dst.clone(), None)?;
        <Osbox as Fs>::remove(src.clone(), None)?;
    } else if isdir(src) {
        // shutil._destinsrc adds a str separator to both paths.
        if src.is_bytes() || dst.is_bytes() {
            return Err(crate::error::type_error("endswith first arg must be bytes or a tuple of bytes, not str"));
        }
        if dest_in_src(src, dst) {
            let (s, d) = (String::from_utf8_lossy(src.as_bytes()), String::from_utf8_lossy(dst.as_bytes()));
            return Err(shutil_error(format!("Cannot move a directory '{s}' into itself '{d}'.")));
        }
        let t =
            Tree { symlinks: true, ignore: &None, function, ignore_dangling: false, dirs_exist_ok: false, sync: true };
        copytree_top(src, &real_dst, &t)?;
        rmtree(src, false)?;
    } else {
        copy_with(function, src, &real_dst, true, true)?;
        <Osbox as Fs>::remove(src.clone(), None)?;
    }
    Ok(Some(real_dst))
}

fn which(cmd: &Fspath, mode: i32, path: Option<Fspath>) -> Option<Fspath> {
    let check = |p: &Fspath| exists(p) && <Osbox as Fs>::access(p.clone(), mode, None, true) && !isdir(p);
    if !posixpath::dirname(cmd.as_bytes()).is_empty() {
        return check(cmd).then(|| cmd.clone());
    }
    let path = match path {
        Some(p) => p.as_bytes().to_vec(),
        None => crate::env::get("PATH").map_or_else(|| b"/bin:/usr/bin".to_vec(), String::into_bytes),
    };
    if path.is_empty() {
        return None;
    }
    let mut seen: Vec<&[u8]> = Vec::new();
    for dir in path.split(|&b| b == b':') {
        if seen.contains(&dir) {
            continue;
        }
        seen.push(dir);
        let name = cmd.like(posixpath::join(dir, &[cmd.as_bytes()]));
        if check(&name) {
            return Some(name);
        }
    }
    None
}

/// Python's `int(s)` for the environment's `COLUMNS`/`LINES`.
fn env_int(name: &str) -> i64 {
    crate::env::get(name).and_then(|v| v.trim().replace('_', "").parse().ok()).unwrap_or(0)
}

impl Guest for Osbox {
    fn copyfile(src: Fspath, dst: Fspath, follow_symlinks: bool) -> Result<Fspath, OsError> {
        copyfile(&src, &dst, follow_symlinks, false)
    }

    fn copymode(src: Fspath, dst: Fspath, follow_symlinks: bool) -> Result<(), OsError> {
        copymode(&src, &dst, follow_symlinks)
    }

    fn copystat(src: Fspath, dst: Fspath, follow_symlinks: bool) -> Result<(), OsError> {
        copystat(&src, &dst, follow_symlinks)
    }

    fn copy(src: Fspath, dst: Fspath, follow_symlinks: bool) -> Result<Fspath, OsError> {
        copy_with(CopyFunction::Copy, &src, &dst, follow_symlinks, false)
    }

    fn copy2(src: Fspath, dst: Fspath, follow_symlinks: bool) -> Result<Fspath, OsError> {
        copy_with(CopyFunction::Copy2, &src, &dst, follow_symlinks, false)
    }

    fn copytree(
        src: Fspath,
        dst: Fspath,
        symlinks: bool,
        ignore: Option<Vec<String>>,
        copy_function: CopyFunction,
        ignore_dangling_symlinks: bool,
        dirs_exist_ok: bool,
    ) -> Result<Fspath, OsError> {
        let t = Tree {
            symlinks,
            ignore: &ignore,
            function: copy_function,
            ignore_dangling: ignore_dangling_symlinks,
            dirs_exist_ok,
            sync: false,
        };
        tracked("copytree", || copytree_top(&src, &dst, &t))
    }

    fn rmtree(path: Fspath, ignore_errors: bool) -> Result<Vec<OsError>, OsError> {
        // CPython's descriptor-based rmtree works on str: a bytes path is
        // decoded first, and the errors name it as str.
        let path = crate::fspath::like(false, path.as_bytes().to_vec());
        tracked("rmtree", || rmtree(&path, ignore_errors))
    }

    fn move_path(src: Fspath, dst: Fspath, copy_function: CopyFunction) -> Result<Option<Fspath>, OsError> {
        tracked("move", || move_(&src, &dst, copy_function))
    }

    fn copyfileobj(fsrc: i32, fdst: i32, length: i64) -> Result<(), OsError> {
        copy_data(fsrc, fdst, if length > 0 { length } else { 64 * 1024 })
    }

    fn which(cmd: Fspath, mode: i32, path: Option<Fspath>) -> Option<Fspath> {
        which(&cmd, mode, path)
    }

    fn disk_usage(path: Fspath) -> Result<(u64, u64, u64), OsError> {
        let st = <Osbox as Fs>::statvfs(path)?;
        let total = st.blocks.wrapping_mul(st.frsize);
        let free = st.bavail.wrapping_mul(st.frsize);
        let used = st.blocks.wrapping_sub(st.bfree).wrapping_mul(st.frsize);
        Ok((total, used, free))
    }

    fn get_terminal_size(fallback: (i64, i64)) -> (i64, i64) {
        let (columns, lines) = (env_int("COLUMNS"), env_int("LINES"));
        (if columns > 0 { columns } else { fallback.0 }, if lines > 0 { lines } else { fallback.1 })
    }
}
