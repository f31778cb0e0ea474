//! `os` file-system functions: the current directory, listing, metadata,
//! creating, removing and renaming.

use crate::Osbox;
use crate::error::{Fail, os_error};
use crate::exports::osbox::os::direct::{HeldStep, ListdirResult, ScandirResult, WalkResult};
use crate::exports::osbox::os::fs::Guest;
use crate::fspath::like;
use crate::host;
use crate::host::FileStatus;
use crate::osbox::os::types::{
    DirEntry, ErrorCode, FileType, Fspath, OsError, StatResult, StatvfsResult, WalkItem, WalkStep,
};
use crate::posixpath;
use crate::sandbox::{self, Loc, Mount, resolve};
use crate::stat;
use crate::wasi::clocks::wall_clock::Datetime;
use crate::wasi::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorType, ErrorCode as WasiCode, NewTimestamp, OpenFlags, PathFlags,
};

fn flags(follow: bool) -> PathFlags {
    if follow { PathFlags::SYMLINK_FOLLOW } else { PathFlags::empty() }
}

/// A stable number for a virtual directory, far from real inode numbers.
fn virtual_ino(comps: &[Vec<u8>]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in comps {
        for &b in c.iter().chain(b"/") {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    h | (1 << 63)
}

/// A directory of the virtual tree: read-only, listing the mounts below.
fn virtual_status(comps: &[Vec<u8>]) -> FileStatus {
    let nlink = 2 + sandbox::virtual_children(comps).len() as u64;
    stat::synthetic(FileType::Directory, 0o555, virtual_ino(comps), nlink)
}

/// The status of `path` beneath the open directory `dir` (`.` for `dir`
/// itself, which may be an open file): one host call where the osbox host
/// is there, WASI's stat and metadata hash where it is not.
pub fn status_in(dir: &Descriptor, path: &str, follow: bool) -> Result<FileStatus, Fail> {
    match host::stat(dir, path, follow) {
        Err(ErrorCode::NotImplemented) => {}
        r => return r.map_err(Fail::Code),
    }
    if path == "." {
        let (s, ino) = match dir.stat() {
            Ok(s) => (s, dir.metadata_hash()?.lower),
            // A host that stats a preopen only by path (see sandbox::reopen).
            Err(e) => match sandbox::reopen(dir) {
                Ok(d) => (d.stat()?, d.metadata_hash()?.lower),
                Err(_) => return Err(e.into()),
            },
        };
        return Ok(stat::from_wasi(s, ino));
    }
    let s = dir.stat_at(flags(follow), path)?;
    let ino = dir.metadata_hash_at(flags(follow), path)?.lower;
    Ok(stat::from_wasi(s, ino))
}

/// `os.stat` / `os.lstat` of a resolved location.
pub fn stat_loc(loc: &Loc, follow: bool) -> Result<StatResult, Fail> {
    match loc {
        Loc::Virtual { comps, exists: true } => Ok(stat::stat_result(&virtual_status(comps), 0)),
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
        Loc::Real { mount, rel } => Ok(stat::stat_result(&status_in(&mount.dir, rel, follow)?, mount.dev)),
    }
}

/// The permission bits of a resolved location, which only the osbox host
/// can tell (`not-implemented` elsewhere): for `os.access(X_OK)`,
/// `shutil.copymode` and `which`.
pub fn permission_bits(loc: &Loc, follow: bool) -> Result<u32, Fail> {
    match loc {
        Loc::Virtual { comps, exists: true } => Ok(virtual_status(comps).mode),
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
        Loc::Real { mount, rel } => host::stat(&mount.dir, rel, follow).map(|s| s.mode).map_err(Fail::Code),
    }
}

/// `os.stat(path)` with the error naming `path`.
pub fn stat_path(path: &Fspath, follow: bool) -> Result<StatResult, OsError> {
    // POSIX: a trailing slash resolves a final symbolic link even for lstat.
    let follow = follow || path.as_bytes().ends_with(b"/");
    resolve(path).and_then(|loc| stat_loc(&loc, follow)).map_err(|f| f.on(path))
}

/// Whether `st_mode` is a directory's.
pub fn is_dir_mode(mode: u32) -> bool {
    stat::is(mode, FileType::Directory)
}

/// An open directory to list: a mount's descriptor or one opened under it.
enum Listing {
    Virtual(Vec<Vec<u8>>),
    Real { mount: &'static Mount, rel: String, opened: Option<Descriptor> },
}

impl Listing {
    fn open(loc: Loc) -> Result<Listing, Fail> {
        match loc {
            Loc::Virtual { comps, exists: true } => Ok(Listing::Virtual(comps)),
            Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
            Loc::Real { mount, rel } if rel == "." => Ok(Listing::Real { mount, rel, opened: None }),
            Loc::Real { mount, rel } => {
                let d =
                    mount.dir.open_at(PathFlags::SYMLINK_FOLLOW, &rel, OpenFlags::DIRECTORY, DescriptorFlags::READ)?;
                Ok(Listing::Real { mount, rel, opened: Some(d) })
            }
        }
    }

    /// Every entry's name and own type, in the host's order.
    fn entries(&self) -> Result<Vec<(String, FileType)>, Fail> {
        match self {
            Listing::Virtual(comps) => Ok(sandbox::virtual_children(comps)
                .into_iter()
                .map(|n| (String::from_utf8_lossy(&n).into_owned(), FileType::Directory))
                .collect()),
            Listing::Real { mount, opened, .. } => {
                let dir = opened.as_ref().unwrap_or(&mount.dir);
                let stream = sandbox::read_directory(dir)?;
                let mut out = Vec::new();
                while let Some(e) = stream.read_directory_entry()? {
                    out.push((e.name, stat::file_type(e.type_)));
                }
                Ok(out)
            }
        }
    }

    /// The entry's path relative to its mount. A link is resolved from the
    /// mount, not from the listed directory's descriptor, which WASI would
    /// not let a `..` in the link's target leave.
    fn mount_path(rel: &str, name: &str) -> String {
        if rel == "." { name.to_string() } else { format!("{}/{name}", rel.trim_end_matches('/')) }
    }

    /// The type a symbolic link entry points to, `None` when it dangles.
    fn target_type(&self, name: &str) -> Option<FileType> {
        match self {
            Listing::Virtual(_) => Some(FileType::Directory),
            Listing::Real { mount, rel, .. } => mount
                .dir
                .stat_at(PathFlags::SYMLINK_FOLLOW, &Self::mount_path(rel, name))
                .ok()
                .map(|s| stat::file_type(s.type_)),
        }
    }

    fn inode(&self, name: &str) -> u64 {
        match self {
            Listing::Virtual(comps) => {
                let mut c = comps.clone();
                c.push(name.as_bytes().to_vec());
                virtual_ino(&c)
            }
            Listing::Real { opened: Some(dir), .. } => {
                dir.metadata_hash_at(PathFlags::empty(), name).map_or(0, |h| h.lower)
            }
            Listing::Real { mount, rel, opened: None } => {
                mount.dir.metadata_hash_at(PathFlags::empty(), &Self::mount_path(rel, name)).map_or(0, |h| h.lower)
            }
        }
    }
}

/// A listing in one host call (`scan-dir`), where the osbox host is there:
/// names, types and link targets without a WASI call per entry.
fn host_listing(loc: &Loc, inodes: bool) -> Option<Result<Vec<host::ScanEntry>, Fail>> {
    let Loc::Real { mount, rel } = loc else { return None };
    match host::scan_dir(&mount.dir, rel, inodes) {
        Err(ErrorCode::NotImplemented) => None,
        r => Some(r.map_err(Fail::Code)),
    }
}

/// A directory entry: its name, its own type, for a link the type it
/// points to, and its inode when the listing came with it.
type Entry = (String, FileType, Option<FileType>, Option<u64>);

/// The entries of a directory.
fn list(path: &Fspath, want_targets: bool, inodes: bool) -> Result<(Listing, Vec<Entry>), OsError> {
    let loc = resolve(path).map_err(|f| f.on(path))?;
    if let Some(scanned) = host_listing(&loc, inodes) {
        let entries = scanned.map_err(|f| f.on(path))?;
        let Loc::Real { mount, rel } = loc else { unreachable!("host listings are of mounts") };
        let entries =
            entries.into_iter().map(|e| (e.name, e.type_, e.target_type, inodes.then_some(e.inode))).collect();
        return Ok((Listing::Real { mount, rel, opened: None }, entries));
    }
    let listing = Listing::open(loc).map_err(|f| f.on(path))?;
    let entries = listing.entries().map_err(|f| f.on(path))?;
    let entries = entries
        .into_iter()
        .map(|(name, t)| {
            let target = (want_targets && t == FileType::SymbolicLink).then(|| listing.target_type(&name)).flatten();
            (name, t, target, None)
        })
        .collect();
    Ok((listing, entries))
}

/// `os.listdir(path)` for the `direct` interface: a grant's directory is
/// listed into the host's hands (`scan-dir-held`), the names never crossing.
pub(crate) fn listdir_direct(path: Option<Fspath>) -> Result<ListdirResult, OsError> {
    let path = path.unwrap_or_else(|| curdir(false));
    match kept_listing(&path, false)? {
        Some(_) => Ok(ListdirResult::Held(path.is_bytes())),
        None => <Osbox as Guest>::listdir(Some(path)).map(ListdirResult::Here),
    }
}

/// `os.scandir(path)` for the `direct` interface.
pub(crate) fn scandir_direct(path: Option<Fspath>) -> Result<ScandirResult, OsError> {
    let path = path.unwrap_or_else(|| curdir(false));
    match kept_listing(&path, true)? {
        Some(_) => Ok(ScandirResult::Held(path.like(posixpath::join(path.as_bytes(), &[b""])))),
        None => scan(&path, true).map(ScandirResult::Here),
    }
}

/// Lists `path` into the host's hands where it is a grant's directory and
/// the osbox host is there (`scan-dir-kept`): the listing's number and each
/// entry's types. None where the listing is the guest's to make.
fn kept_listing(path: &Fspath, inodes: bool) -> Result<Option<(u32, Vec<host::EntryTypes>)>, OsError> {
    let Loc::Real { mount, rel } = resolve(path).map_err(|f| f.on(path))? else { return Ok(None) };
    match host::scan_dir_kept(&mount.dir, &rel, inodes) {
        Ok(kept) => Ok(Some(kept)),
        Err(ErrorCode::NotImplemented) => Ok(None),
        Err(code) => Err(Fail::Code(code).on(path)),
    }
}

/// `os.scandir(path)` materialised; `inodes` false skips `inode()`, which
/// walk never asks for.
pub(crate) fn scan(path: &Fspath, inodes: bool) -> Result<Vec<DirEntry>, OsError> {
    let (listing, entries) = list(path, true, inodes)?;
    let bytes = path.is_bytes();
    let mut out = Vec::with_capacity(entries.len());
    for (name, t, target_type, known) in entries {
        let inode = match known {
            Some(inode) => inode,
            None if inodes => listing.inode(&name),
            None => 0,
        };
        let name = like(bytes, name.into_bytes());
        let entry_path = path.like(posixpath::join(path.as_bytes(), &[name.as_bytes()]));
        out.push(DirEntry { name, path: entry_path, type_: t, target_type, inode });
    }
    Ok(out)
}

fn curdir(like_bytes: bool) -> Fspath {
    like(like_bytes, b".".to_vec())
}

/// CPython 3.11's `os.walk`, with the `onerror` calls recorded in order.
/// One directory of `os.walk` and, recursively, those below it. False when
/// the walk must end: CPython's walk raises `RecursionError` (not an
/// `OSError` for `onerror`) past its recursion limit, and that error is the
/// last item. With `keep`, the names of a grant's directories stay in the
/// host (`direct.walk`), and only those of the directories it descends
/// into are asked for.
pub(crate) fn walk_into(top: &Fspath, topdown: bool, followlinks: bool, keep: bool, out: &mut Vec<WalkResult>) -> bool {
    let _depth = match crate::error::Depth::enter(1) {
        Ok(d) => d,
        Err(e) => {
            out.push(WalkResult::Error(e));
            return false;
        }
    };
    let (step, descend) = match walk_step(top, followlinks, keep) {
        Ok(s) => s,
        Err(e) => {
            out.push(WalkResult::Error(e));
            return true;
        }
    };
    let mut step = Some(step);
    if topdown {
        out.extend(step.take());
    }
    for p in &descend {
        if !walk_into(p, topdown, followlinks, keep, out) {
            return false;
        }
    }
    out.extend(step);
    true
}

/// One directory of a walk: its step, and the directories to descend into.
fn walk_step(top: &Fspath, followlinks: bool, keep: bool) -> Result<(WalkResult, Vec<Fspath>), OsError> {
    // Symbolic links to directories are among `dirnames`; walked into only
    // with `followlinks`.
    let classify = |t: FileType, target: Option<FileType>| {
        let is_dir = t == FileType::Directory || target == Some(FileType::Directory);
        (is_dir, is_dir && (followlinks || t != FileType::SymbolicLink))
    };
    let below = |name: &[u8]| top.like(posixpath::join(top.as_bytes(), &[name]));
    if keep && let Some((listing, types)) = kept_listing(top, false)? {
        let (mut dirnames, mut filenames, mut descend) = (Vec::new(), Vec::new(), Vec::new());
        for (i, t) in (0u32..).zip(types) {
            let (is_dir, enter) = classify(t.type_, t.target_type);
            if enter && let Some(name) = host::kept_name(listing, i) {
                descend.push(below(name.as_bytes()));
            }
            if is_dir { dirnames.push(i) } else { filenames.push(i) }
        }
        return Ok((WalkResult::Held(HeldStep { dirpath: top.clone(), listing, dirnames, filenames }), descend));
    }
    // Names and types only: walk needs no entry paths but its directories'.
    let (_, entries) = list(top, true, false)?;
    let bytes = top.is_bytes();
    let (mut dirnames, mut filenames, mut descend) = (Vec::new(), Vec::new(), Vec::new());
    for (name, t, target, _) in entries {
        let (is_dir, enter) = classify(t, target);
        if enter {
            descend.push(below(name.as_bytes()));
        }
        let name = like(bytes, name.into_bytes());
        if is_dir { dirnames.push(name) } else { filenames.push(name) }
    }
    Ok((WalkResult::Here(WalkStep { dirpath: top.clone(), dirnames, filenames }), descend))
}

/// `os.mkdir` without the error's file name.
fn mkdir_loc(path: &Fspath) -> Result<(), Fail> {
    match resolve(path)? {
        Loc::Virtual { exists: true, .. } => Err(ErrorCode::Exist.into()),
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::Access.into()),
        Loc::Real { rel, .. } if rel == "." => Err(ErrorCode::Exist.into()),
        Loc::Real { mount, rel } => mount.changed(mount.dir.create_directory_at(&rel)),
    }
}

/// The last component of a path, trailing slashes ignored.
fn last_component(p: &[u8]) -> &[u8] {
    let trimmed = p.strip_suffix(b"/").map_or(p, |_| {
        let end = p.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
        &p[..end]
    });
    trimmed.rsplit(|&b| b == b'/').next().unwrap_or(trimmed)
}

fn rmdir_loc(path: &Fspath) -> Result<(), Fail> {
    // Linux refuses to remove `.` (EINVAL) and `x/..` is never empty.
    match last_component(path.checked()?) {
        b"." => return Err(ErrorCode::Invalid.into()),
        b".." => return Err(ErrorCode::NotEmpty.into()),
        _ => {}
    }
    match resolve(path)? {
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
        Loc::Virtual { .. } => Err(ErrorCode::Busy.into()),
        Loc::Real { rel, .. } if rel == "." => Err(ErrorCode::Busy.into()),
        // Linux accepts `d/`; WASI wants the bare name.
        Loc::Real { mount, rel } => mount.changed(mount.dir.remove_directory_at(rel.trim_end_matches('/'))),
    }
}

fn remove_loc(path: &Fspath) -> Result<(), Fail> {
    match resolve(path)? {
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
        Loc::Virtual { .. } => Err(ErrorCode::IsDirectory.into()),
        Loc::Real { rel, .. } if rel == "." => Err(ErrorCode::IsDirectory.into()),
        Loc::Real { mount, rel } if rel.ends_with('/') => {
            // `f/` names a directory that a file or a link is not: ENOTDIR,
            // and a real directory is EISDIR, as Linux's unlink answers.
            let bare = rel.trim_end_matches('/');
            match mount.dir.stat_at(PathFlags::empty(), bare)?.type_ {
                DescriptorType::Directory => Err(ErrorCode::IsDirectory.into()),
                _ => Err(ErrorCode::NotDirectory.into()),
            }
        }
        Loc::Real { mount, rel } => mount.changed(mount.dir.unlink_file_at(&rel)),
    }
}

fn rename_loc(src: &Fspath, dst: &Fspath) -> Result<(), Fail> {
    if matches!(last_component(src.checked()?), b"." | b"..") {
        return Err(ErrorCode::Busy.into());
    }
    let from = resolve(src)?;
    let to = resolve(dst)?;
    match (from, to) {
        (Loc::Virtual { exists: false, .. }, _) => Err(ErrorCode::NoEntry.into()),
        (Loc::Virtual { .. }, _) | (Loc::Real { .. }, Loc::Virtual { exists: true, .. }) => Err(ErrorCode::Busy.into()),
        (Loc::Real { .. }, Loc::Virtual { exists: false, .. }) => Err(ErrorCode::Access.into()),
        (Loc::Real { rel, .. }, _) | (_, Loc::Real { rel, .. }) if rel == "." => Err(ErrorCode::Busy.into()),
        (Loc::Real { mount: m1, rel: r1 }, Loc::Real { mount: m2, rel: r2 }) => {
            let r = m1.dir.rename_at(&r1, &m2.dir, &r2);
            if matches!(r, Err(WasiCode::Io)) && !std::ptr::eq(m1, m2) {
                // WASI words EXDEV as an I/O error; the host knows better.
                match host::rename(&m1.dir, &r1, &m2.dir, &r2) {
                    Err(ErrorCode::NotImplemented) => {}
                    other => return other.map_err(Fail::Code),
                }
            }
            if m2.read_only { m2.changed(r) } else { m1.changed(r) }
        }
    }
}

/// A two-path call's locations, both beneath mounts; the virtual tree can
/// hold neither links nor files.
/// A mount and a path beneath it.
type Beneath = (&'static Mount, String);

fn real_pair(src: &Fspath, dst: &Fspath) -> Result<(Beneath, Beneath), Fail> {
    let real = |loc: Loc| match loc {
        Loc::Real { mount, rel } => Ok((mount, rel)),
        Loc::Virtual { exists: false, .. } => Err(Fail::Code(ErrorCode::NoEntry)),
        Loc::Virtual { .. } => Err(Fail::Code(ErrorCode::Exist)),
    };
    Ok((real(resolve(src)?)?, real(resolve(dst)?)?))
}

fn symlink_loc(src: &Fspath, dst: &Fspath) -> Result<(), Fail> {
    let target = crate::fspath::wasi_str(src.checked()?)?.to_string();
    if target.starts_with('/') {
        // WASI refuses absolute targets; Linux would first report a taken
        // or unreachable destination, so those come first here too.
        if stat_path(dst, false).is_ok() {
            return Err(ErrorCode::Exist.into());
        }
        let parent = dst.like(posixpath::dirname(dst.as_bytes()));
        if !parent.as_bytes().is_empty() && !isdir(&parent) {
            return Err(ErrorCode::NoEntry.into());
        }
        return Err(ErrorCode::NotPermitted.into());
    }
    match resolve(dst)? {
        Loc::Virtual { exists: true, .. } => Err(ErrorCode::Exist.into()),
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::Access.into()),
        Loc::Real { rel, .. } if rel == "." => Err(ErrorCode::Exist.into()),
        Loc::Real { mount, rel } => mount.changed(mount.dir.symlink_at(&target, &rel)),
    }
}

fn readlink_loc(path: &Fspath) -> Result<Vec<u8>, Fail> {
    match resolve(path)? {
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
        Loc::Virtual { .. } => Err(ErrorCode::Invalid.into()),
        Loc::Real { rel, .. } if rel == "." => Err(ErrorCode::Invalid.into()),
        Loc::Real { mount, rel } => Ok(mount.dir.readlink_at(&rel)?.into_bytes()),
    }
}

fn link_loc(src: &Fspath, dst: &Fspath, follow: bool) -> Result<(), Fail> {
    // WASI links the name itself; following a link to its file is done here.
    let followed;
    let src = if follow && stat_path(src, false).is_ok_and(|s| stat::is(s.mode, FileType::SymbolicLink)) {
        followed = src.like(crate::path::realpath_bytes(src, true)?);
        &followed
    } else {
        src
    };
    let ((m1, r1), (m2, r2)) = real_pair(src, dst)?;
    if r1 == "." {
        return Err(ErrorCode::NotPermitted.into());
    }
    // Linux refuses hard links to directories with EPERM.
    if m1.dir.stat_at(PathFlags::empty(), &r1)?.type_ == DescriptorType::Directory {
        return Err(ErrorCode::NotPermitted.into());
    }
    let r = m1.dir.link_at(PathFlags::empty(), &r1, &m2.dir, &r2);
    if m2.read_only { m2.changed(r) } else { m1.changed(r) }
}

fn truncate_loc(path: &Fspath, length: i64) -> Result<(), Fail> {
    let length = u64::try_from(length).map_err(|_| Fail::Code(ErrorCode::Invalid))?;
    match resolve(path)? {
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
        Loc::Virtual { .. } => Err(ErrorCode::IsDirectory.into()),
        Loc::Real { mount, rel } => {
            if mount.dir.stat_at(PathFlags::SYMLINK_FOLLOW, &rel)?.type_ == DescriptorType::Directory {
                return Err(ErrorCode::IsDirectory.into());
            }
            let f = mount.changed(mount.dir.open_at(
                PathFlags::SYMLINK_FOLLOW,
                &rel,
                OpenFlags::empty(),
                DescriptorFlags::WRITE,
            ))?;
            mount.changed(f.set_size(length))
        }
    }
}

fn timestamp(ns: i64) -> Result<NewTimestamp, Fail> {
    let seconds = u64::try_from(ns.div_euclid(1_000_000_000)).map_err(|_| Fail::Code(ErrorCode::Invalid))?;
    Ok(NewTimestamp::Timestamp(Datetime { seconds, nanoseconds: ns.rem_euclid(1_000_000_000) as u32 }))
}

fn utime_loc(path: &Fspath, times: Option<(i64, i64)>, follow: bool) -> Result<(), Fail> {
    let (atime, mtime) = match times {
        None => (NewTimestamp::Now, NewTimestamp::Now),
        Some((a, m)) => (timestamp(a)?, timestamp(m)?),
    };
    match resolve(path)? {
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
        Loc::Virtual { .. } => Err(ErrorCode::Access.into()),
        Loc::Real { mount, rel } if rel == "." => mount.changed(mount.dir.set_times(atime, mtime)),
        Loc::Real { mount, rel } => mount.changed(mount.dir.set_times_at(flags(follow), &rel, atime, mtime)),
    }
}

/// `os.chmod`: done by the osbox host beneath the directory the guest
/// resolved. The virtual tree is nobody's to change (`EPERM`).
fn chmod_loc(path: &Fspath, mode: u32, follow: bool) -> Result<(), Fail> {
    match resolve(path)? {
        Loc::Real { mount, rel } => host::chmod(&mount.dir, &rel, mode, follow).map_err(Fail::Code),
        Loc::Virtual { exists: true, .. } => Err(ErrorCode::NotPermitted.into()),
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
    }
}

/// `os.access`: existence from stat; read and write by trying to open the
/// way they would be used (WASI has no access check); execute from the
/// permission bits the host reports.
fn access_loc(path: &Fspath, mode: i32, follow: bool) -> Result<bool, Fail> {
    let loc = resolve(path)?;
    let st = stat_loc(&loc, follow)?;
    if mode == 0 {
        return Ok(true);
    }
    if mode & 1 != 0 && permission_bits(&loc, follow)? & 0o111 == 0 {
        return Ok(false);
    }
    let is_dir = is_dir_mode(st.mode);
    let (mount, rel) = match loc {
        Loc::Virtual { .. } => return Ok(mode & 2 == 0),
        Loc::Real { mount, rel } => (mount, rel),
    };
    let try_open = |flags: DescriptorFlags| {
        let open_flags = if is_dir { OpenFlags::DIRECTORY } else { OpenFlags::empty() };
        mount.dir.open_at(PathFlags::SYMLINK_FOLLOW, &rel, open_flags, flags).is_ok()
    };
    if mode & 4 != 0 && !try_open(DescriptorFlags::READ) {
        return Ok(false);
    }
    if mode & 2 != 0 {
        let write = if is_dir { DescriptorFlags::MUTATE_DIRECTORY } else { DescriptorFlags::WRITE };
        if mount.read_only || !try_open(write) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn exists(p: &Fspath) -> bool {
    resolve(p).and_then(|l| stat_loc(&l, true)).is_ok()
}

fn isdir(p: &Fspath) -> bool {
    resolve(p).and_then(|l| stat_loc(&l, true)).is_ok_and(|s| is_dir_mode(s.mode))
}

/// The `(head, tail)` step of makedirs and removedirs: `split`, and once
/// more when the path ends with a slash.
fn split_head_tail(name: &Fspath) -> (Fspath, Fspath) {
    let (mut head, mut tail) = posixpath::split(name.as_bytes());
    if tail.is_empty() {
        (head, tail) = posixpath::split(&head);
    }
    (name.like(head), name.like(tail))
}

/// `os.makedirs`; WASI creates directories without a mode.
fn makedirs(name: &Fspath, exist_ok: bool) -> Result<(), OsError> {
    let _depth = crate::error::Depth::enter(1)?;
    let (head, tail) = split_head_tail(name);
    let (h, t) = (head.as_bytes(), tail.as_bytes());
    if !h.is_empty() && !t.is_empty() && !exists(&head) {
        match makedirs(&head, exist_ok) {
            Err(e) if e.code != Some(ErrorCode::Exist) => return Err(e),
            _ => {}
        }
        if t == b"." {
            return Ok(());
        }
    }
    match mkdir_loc(name) {
        Ok(()) => Ok(()),
        Err(f) if exist_ok && isdir(name) && f.code().is_some() => Ok(()),
        Err(f) => Err(f.on(name)),
    }
}

fn removedirs(name: &Fspath) -> Result<(), OsError> {
    rmdir_loc(name).map_err(|f| f.on(name))?;
    let (mut head, mut tail) = split_head_tail(name);
    while !head.as_bytes().is_empty() && !tail.as_bytes().is_empty() {
        if rmdir_loc(&head).is_err() {
            break;
        }
        let (h, t) = posixpath::split(head.as_bytes());
        (head, tail) = (name.like(h), name.like(t));
    }
    Ok(())
}

fn realpath_of(path: &Fspath) -> Result<Vec<u8>, OsError> {
    crate::path::realpath_bytes(path, true)
}

impl Guest for crate::Osbox {
    fn getcwd(bytes: bool) -> Result<Fspath, OsError> {
        let cwd = sandbox::cwd();
        // CPython's getcwd fails once the directory has been removed.
        let loc = resolve(&Fspath::Bytes(cwd.clone())).map_err(Fail::bare)?;
        stat_loc(&loc, true).map_err(Fail::bare)?;
        Ok(like(bytes, cwd))
    }

    fn chdir(path: Fspath) -> Result<(), OsError> {
        let st = stat_path(&path, true)?;
        if !is_dir_mode(st.mode) {
            return Err(os_error(ErrorCode::NotDirectory, Some(&path), None));
        }
        sandbox::set_cwd(realpath_of(&path)?);
        Ok(())
    }

    fn listdir(path: Option<Fspath>) -> Result<Vec<Fspath>, OsError> {
        let path = path.unwrap_or_else(|| curdir(false));
        let (_, entries) = list(&path, false, false)?;
        Ok(entries.into_iter().map(|(n, _, _, _)| path.like(n.into_bytes())).collect())
    }

    fn scandir(path: Option<Fspath>) -> Result<Vec<DirEntry>, OsError> {
        scan(&path.unwrap_or_else(|| curdir(false)), true)
    }

    fn walk(top: Fspath, topdown: bool, followlinks: bool) -> Vec<WalkItem> {
        let mut out = Vec::new();
        walk_into(&top, topdown, followlinks, false, &mut out);
        out.into_iter()
            .filter_map(|item| match item {
                WalkResult::Here(step) => Some(WalkItem::Step(step)),
                WalkResult::Error(e) => Some(WalkItem::Error(e)),
                // Only a walk that keeps its listings in the host has these.
                WalkResult::Held(_) => None,
            })
            .collect()
    }

    fn stat(path: Fspath, follow_symlinks: bool) -> Result<StatResult, OsError> {
        stat_path(&path, follow_symlinks)
    }

    fn mkdir(path: Fspath, _mode: u32) -> Result<(), OsError> {
        mkdir_loc(&path).map_err(|f| f.on(&path))
    }

    fn makedirs(name: Fspath, _mode: u32, exist_ok: bool) -> Result<(), OsError> {
        makedirs(&name, exist_ok)
    }

    fn rmdir(path: Fspath) -> Result<(), OsError> {
        rmdir_loc(&path).map_err(|f| f.on(&path))
    }

    fn removedirs(name: Fspath) -> Result<(), OsError> {
        removedirs(&name)
    }

    fn remove(path: Fspath) -> Result<(), OsError> {
        remove_loc(&path).map_err(|f| f.on(&path))
    }

    fn rename(src: Fspath, dst: Fspath) -> Result<(), OsError> {
        rename_loc(&src, &dst).map_err(|f| f.on2(&src, &dst))
    }

    fn renames(old: Fspath, new: Fspath) -> Result<(), OsError> {
        let (head, tail) = posixpath::split(new.as_bytes());
        let head = new.like(head);
        if !head.as_bytes().is_empty() && !tail.is_empty() && !exists(&head) {
            makedirs(&head, false)?;
        }
        rename_loc(&old, &new).map_err(|f| f.on2(&old, &new))?;
        let (head, tail) = posixpath::split(old.as_bytes());
        if !head.is_empty() && !tail.is_empty() {
            let _ = removedirs(&old.like(head));
        }
        Ok(())
    }

    fn symlink(src: Fspath, dst: Fspath) -> Result<(), OsError> {
        symlink_loc(&src, &dst).map_err(|f| f.on2(&src, &dst))
    }

    fn readlink(path: Fspath) -> Result<Fspath, OsError> {
        readlink_loc(&path).map(|t| path.like(t)).map_err(|f| f.on(&path))
    }

    fn link(src: Fspath, dst: Fspath, follow_symlinks: bool) -> Result<(), OsError> {
        link_loc(&src, &dst, follow_symlinks).map_err(|f| f.on2(&src, &dst))
    }

    fn truncate(path: Fspath, length: i64) -> Result<(), OsError> {
        truncate_loc(&path, length).map_err(|f| f.on(&path))
    }

    fn utime(path: Fspath, times: Option<(i64, i64)>, follow_symlinks: bool) -> Result<(), OsError> {
        // CPython 3.11's utime errors name no file.
        utime_loc(&path, times, follow_symlinks).map_err(|f| f.bare())
    }

    fn access(path: Fspath, mode: i32, follow_symlinks: bool) -> bool {
        access_loc(&path, mode, follow_symlinks).unwrap_or(false)
    }

    fn chmod(path: Fspath, mode: u32, follow_symlinks: bool) -> Result<(), OsError> {
        chmod_loc(&path, mode, follow_symlinks).map_err(|f| f.on(&path))
    }

    fn statvfs(path: Fspath) -> Result<StatvfsResult, OsError> {
        match resolve(&path).map_err(|f| f.on(&path))? {
            Loc::Real { mount, rel } => host::statvfs(&mount.dir, &rel).map_err(|c| os_error(c, Some(&path), None)),
            // Nothing is mounted at a directory of the virtual tree.
            Loc::Virtual { .. } => Err(os_error(ErrorCode::NoEntry, Some(&path), None)),
        }
    }
}
