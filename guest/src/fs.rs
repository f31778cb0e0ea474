//! `os` file-system functions: the current directory, listing, metadata,
//! creating, removing and renaming.

use crate::Osbox;
use crate::error::{Fail, os_error};
use crate::exports::osbox::os::direct::{HeldStep, ListdirResult, ScandirResult, WalkResult};
use crate::exports::osbox::os::fs::Guest;
use crate::file;
use crate::fspath::like;
use crate::host;
use crate::host::{FileStatus, KeptListing};
use crate::osbox::os::types::{
    DirEntry, ErrorCode, Exception, FileType, Fspath, OsError, PathOrFd, StatResult, StatvfsResult, WalkItem, WalkStep,
};
use crate::posixpath;
use crate::sandbox::{self, Last, Loc, Mount, at, resolve, walk_parent};
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

/// `os.stat(path)` before the error is given a file name.
pub fn stat_fail(path: &Fspath, follow: bool) -> Result<StatResult, Fail> {
    // POSIX: a trailing slash resolves a final symbolic link even for lstat.
    let follow = sandbox::follows(path.as_bytes(), follow);
    resolve(path).and_then(|loc| stat_loc(&loc, follow))
}

/// `os.stat(path)` with the error naming `path`.
pub fn stat_path(path: &Fspath, follow: bool) -> Result<StatResult, OsError> {
    stat_fail(path, follow).map_err(|f| f.on(path))
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
        None => <Osbox as Guest>::listdir(Some(PathOrFd::Path(path))).map(ListdirResult::Here),
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
/// the osbox host is there (`scan-dir-kept`): the listing's number. None
/// where the listing is the guest's to make.
fn kept_listing(path: &Fspath, inodes: bool) -> Result<Option<u32>, OsError> {
    kept(path, |mount, rel| host::scan_dir_kept(&mount.dir, rel, inodes))
}

/// What `list` (a host call that keeps a listing) gives for the grant's
/// directory `path`: `None` where `path` is not in a grant or the host
/// keeps no listings (`not-implemented`), and its error named `path`.
fn kept<T>(path: &Fspath, list: impl FnOnce(&Mount, &str) -> Result<T, ErrorCode>) -> Result<Option<T>, OsError> {
    let Loc::Real { mount, rel } = resolve(path).map_err(|f| f.on(path))? else { return Ok(None) };
    match list(mount, &rel) {
        Ok(kept) => Ok(Some(kept)),
        Err(ErrorCode::NotImplemented) => Ok(None),
        Err(code) => Err(Fail::held(code).on(path)),
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
/// host (`direct.walk`): only those of the directories it descends into
/// come here, and a directory's subdirectories are listed together, in
/// one host call, before the walk goes into the first (`ahead` is this
/// directory's listing when its parent's call made it).
pub(crate) fn walk_into(
    top: &Fspath,
    topdown: bool,
    followlinks: bool,
    keep: bool,
    ahead: Option<Result<KeptListing, ErrorCode>>,
    out: &mut Vec<WalkResult>,
) -> bool {
    let _depth = match crate::error::Depth::enter(1) {
        Ok(d) => d,
        Err(e) => {
            out.push(WalkResult::Error(e));
            return false;
        }
    };
    let (step, descend) = match walk_step(top, followlinks, keep, ahead) {
        Ok(s) => s,
        Err(e) => {
            // The memory cap ends the walk, as RecursionError does.
            let go_on = e.kind != Exception::MemoryError;
            out.push(WalkResult::Error(e));
            return go_on;
        }
    };
    let mut step = Some(step);
    if topdown {
        out.extend(step.take());
    }
    let mut ahead = if keep { list_ahead(&descend) } else { Vec::new() }.into_iter();
    for p in &descend {
        if !walk_into(p, topdown, followlinks, keep, ahead.next().flatten(), out) {
            return false;
        }
    }
    out.extend(step);
    true
}

/// The kept listings of `paths`, those beneath the mount of the first
/// that lands in one, in one host call; `None` for the others, which are
/// listed when the walk reaches them. Not inlined, as `walk_step` is not:
/// `walk_into`'s frame, once per level, must stay small for a walk to reach
/// the recursion limit (and RecursionError) before the end of the stack.
#[inline(never)]
fn list_ahead(paths: &[Fspath]) -> Vec<Option<Result<KeptListing, ErrorCode>>> {
    let mut ahead: Vec<Option<Result<KeptListing, ErrorCode>>> = paths.iter().map(|_| None).collect();
    let mut mount: Option<&'static sandbox::Mount> = None;
    let (mut places, mut rels) = (Vec::new(), Vec::new());
    for (i, p) in paths.iter().enumerate() {
        if let Ok(Loc::Real { mount: m, rel }) = resolve(p)
            && mount.is_none_or(|first| std::ptr::eq(first, m))
        {
            mount = Some(m);
            places.push(i);
            rels.push(rel);
        }
    }
    if let Some(m) = mount {
        // The host may list only the first ones; the walk lists the
        // others (and any the host cannot list) when it gets there.
        for (i, l) in places.into_iter().zip(host::scan_dirs_kept(&m.dir, &rels)) {
            if l.as_ref().err() != Some(&ErrorCode::NotImplemented) {
                ahead[i] = Some(l);
            }
        }
    }
    ahead
}

/// One directory of a walk: its step, and the directories to descend into.
#[inline(never)]
fn walk_step(
    top: &Fspath,
    followlinks: bool,
    keep: bool,
    ahead: Option<Result<KeptListing, ErrorCode>>,
) -> Result<(WalkResult, Vec<Fspath>), OsError> {
    // Symbolic links to directories are among `dirnames`; walked into only
    // with `followlinks`.
    let classify = |t: FileType, target: Option<FileType>| {
        let is_dir = t == FileType::Directory || target == Some(FileType::Directory);
        (is_dir, is_dir && (followlinks || t != FileType::SymbolicLink))
    };
    let below = |name: &[u8]| top.like(posixpath::join(top.as_bytes(), &[name]));
    let kept = match ahead {
        Some(listed) => Some(listed.map_err(|code| Fail::held(code).on(top))?),
        None if keep => kept_walk_listing(top)?,
        None => None,
    };
    if let Some(KeptListing { number, types, dirs }) = kept {
        let (mut dirnames, mut filenames, mut descend) = (Vec::new(), Vec::new(), Vec::new());
        let mut names = dirs.into_iter().peekable();
        for (i, t) in (0u32..).zip(types) {
            let (is_dir, enter) = classify(t.type_, t.target_type);
            // The names of directories come in the listing's order.
            while names.next_if(|(at, _)| *at < i).is_some() {}
            if enter && let Some((_, name)) = names.next_if(|(at, _)| *at == i) {
                descend.push(below(name.as_bytes()));
            }
            if is_dir { dirnames.push(i) } else { filenames.push(i) }
        }
        let step = HeldStep { dirpath: top.clone(), listing: number, dirnames, filenames };
        return Ok((WalkResult::Held(step), descend));
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

/// `top` listed into the host's hands for a walk, where it is a grant's
/// directory and the host keeps listings; `None` otherwise.
fn kept_walk_listing(top: &Fspath) -> Result<Option<KeptListing>, OsError> {
    kept(top, |mount, rel| {
        host::scan_dirs_kept(&mount.dir, &[rel.to_string()]).pop().unwrap_or(Err(ErrorCode::NotImplemented))
    })
}

/// `os.mkdir` without the error's file name.
fn mkdir_loc(path: &Fspath, mode: u32) -> Result<(), Fail> {
    match resolve(path)? {
        Loc::Virtual { exists: true, .. } => Err(ErrorCode::Exist.into()),
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::Access.into()),
        Loc::Real { rel, .. } if rel == "." => Err(ErrorCode::Exist.into()),
        Loc::Real { mount, rel } => {
            mount.changed(mount.dir.create_directory_at(&rel))?;
            // Linux keeps only the sticky bit of the special ones here.
            created_mode(mount, &rel, mode & 0o1777, 0o755);
            Ok(())
        }
    }
}

/// Gives what was just created at `rel` the permission bits `mode` less
/// the usual umask (022), where the osbox host can set them: WASI creates
/// without a mode, which comes out as `default`.
pub(crate) fn created_mode(mount: &crate::sandbox::Mount, rel: &str, mode: u32, default: u32) {
    let wanted = mode & 0o7777 & !0o022;
    if wanted != default {
        let _ = crate::host::chmod(&mount.dir, rel, wanted, true);
    }
}

/// `os.rmdir` in Linux's order: the walk to the parent, then `.` (EINVAL),
/// `..` (ENOTEMPTY), then the directory itself.
fn rmdir_loc(path: &Fspath) -> Result<(), Fail> {
    match sandbox::last(path.checked()?) {
        Last::Normal => {}
        Last::Root => return Err(ErrorCode::Busy.into()),
        kind => {
            walk_parent(path)?;
            return Err(if kind == Last::Dot { ErrorCode::Invalid } else { ErrorCode::NotEmpty }.into());
        }
    }
    match resolve(path)? {
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
        Loc::Virtual { .. } => Err(ErrorCode::Busy.into()),
        Loc::Real { rel, .. } if rel == "." => Err(ErrorCode::Busy.into()),
        // Linux accepts `d/`; WASI wants the bare name.
        Loc::Real { mount, rel } => mount.changed(mount.dir.remove_directory_at(rel.trim_end_matches('/'))),
    }
}

/// `os.remove` in Linux's order: the walk to the parent, `.`, `..` and `/`
/// (EISDIR), the read-only check, then the name.
fn remove_loc(path: &Fspath) -> Result<(), Fail> {
    if sandbox::last(path.checked()?) != Last::Normal {
        walk_parent(path)?;
        return Err(ErrorCode::IsDirectory.into());
    }
    match resolve(path)? {
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
        Loc::Virtual { .. } => Err(ErrorCode::IsDirectory.into()),
        Loc::Real { rel, .. } if rel == "." => Err(ErrorCode::IsDirectory.into()),
        Loc::Real { mount, rel } if rel.ends_with('/') => {
            // `f/` names a directory that a file or a link is not: ENOTDIR,
            // and a real directory is EISDIR, as Linux's unlink answers.
            walk_parent(path)?;
            if mount.read_only {
                return Err(ErrorCode::ReadOnly.into());
            }
            let bare = rel.trim_end_matches('/');
            match mount.dir.stat_at(PathFlags::empty(), bare)?.type_ {
                DescriptorType::Directory => Err(ErrorCode::IsDirectory.into()),
                _ => Err(ErrorCode::NotDirectory.into()),
            }
        }
        Loc::Real { mount, rel } => mount.changed(mount.dir.unlink_file_at(&rel)),
    }
}

/// `os.rename` in Linux's order (`do_renameat2`): the walks to both
/// parents, `.`, `..` and `/` (EBUSY), the read-only check, a missing
/// source; then what the host checks, or for the mount points and the
/// virtual tree what Linux would check of a mount point (EBUSY).
fn rename_loc(src: &Fspath, dst: &Fspath) -> Result<(), Fail> {
    let (ls, ld) = (sandbox::last(src.checked()?), sandbox::last(dst.checked()?));
    let from = resolve(src)?;
    let to = match resolve(dst) {
        Ok(to) => to,
        Err(e) => {
            walk_parent(src)?;
            return Err(e);
        }
    };
    let top = |l: &Loc| matches!(l, Loc::Virtual { .. }) || matches!(l, Loc::Real { rel, .. } if rel == ".");
    if ls == Last::Normal && ld == Last::Normal && !top(&from) && !top(&to) {
        let (Loc::Real { mount: m1, rel: r1 }, Loc::Real { mount: m2, rel: r2 }) = (from, to) else {
            unreachable!("neither is virtual")
        };
        let r = m1.dir.rename_at(&r1, &m2.dir, &r2);
        if matches!(r, Err(WasiCode::Io)) && !std::ptr::eq(m1, m2) {
            // WASI words EXDEV as an I/O error; the host knows better.
            match host::rename(&m1.dir, &r1, &m2.dir, &r2) {
                Err(ErrorCode::NotImplemented) => {}
                other => return other.map_err(Fail::Code),
            }
        }
        return if m2.read_only { m2.changed(r) } else { m1.changed(r) };
    }
    walk_parent(src)?;
    walk_parent(dst)?;
    if ls != Last::Normal || ld != Last::Normal {
        return Err(ErrorCode::Busy.into());
    }
    for loc in [&from, &to] {
        if let Loc::Real { mount, .. } = loc
            && mount.read_only
        {
            return Err(ErrorCode::ReadOnly.into());
        }
    }
    let st = stat_loc(&from, false)?;
    match to {
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::Access.into()),
        _ if top(&from) => Err(ErrorCode::Busy.into()),
        // Onto a mount point or a virtual directory: a file cannot replace
        // a directory (EISDIR), and a mount point is busy.
        _ if !is_dir_mode(st.mode) => Err(ErrorCode::IsDirectory.into()),
        _ => Err(ErrorCode::Busy.into()),
    }
}

/// A mount and a path beneath it.
type Beneath = (&'static Mount, String);

/// A name about to be made by `link` or `symlink`, checked as Linux's
/// `filename_create` does: the walk to its directory; `.`, `..` and `/`, or
/// a name that exists (a dangling link too), are EEXIST; a missing name
/// with a trailing slash is ENOENT; then the read-only check.
fn new_name(dst: &Fspath) -> Result<Beneath, Fail> {
    walk_parent(dst)?;
    if sandbox::last(dst.as_bytes()) != Last::Normal {
        return Err(ErrorCode::Exist.into());
    }
    let slash = sandbox::trailing_slash(dst.as_bytes());
    match resolve(dst)? {
        Loc::Virtual { exists: true, .. } => Err(ErrorCode::Exist.into()),
        Loc::Virtual { exists: false, .. } if slash => Err(ErrorCode::NoEntry.into()),
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::Access.into()),
        Loc::Real { rel, .. } if rel == "." => Err(ErrorCode::Exist.into()),
        Loc::Real { mount, rel } => {
            let bare = rel.trim_end_matches('/');
            if mount.dir.stat_at(PathFlags::empty(), bare).is_ok() {
                return Err(ErrorCode::Exist.into());
            }
            if slash {
                return Err(ErrorCode::NoEntry.into());
            }
            if mount.read_only {
                return Err(ErrorCode::ReadOnly.into());
            }
            Ok((mount, bare.to_string()))
        }
    }
}

fn symlink_loc(src: &Fspath, dst: &Fspath) -> Result<(), Fail> {
    let target = crate::fspath::wasi_str(src.checked()?)?.to_string();
    if target.is_empty() {
        return Err(ErrorCode::NoEntry.into());
    }
    let (mount, rel) = new_name(dst)?;
    if target.starts_with('/') {
        // WASI refuses absolute targets, after what Linux checks first.
        return Err(ErrorCode::NotPermitted.into());
    }
    mount.changed(mount.dir.symlink_at(&target, &rel))
}

fn readlink_loc(path: &Fspath) -> Result<Vec<u8>, Fail> {
    // `.`, `..` and `/` name directories: the walk's errors, else EINVAL.
    if sandbox::last(path.checked()?) != Last::Normal {
        stat_fail(path, true)?;
        return Err(ErrorCode::Invalid.into());
    }
    match resolve(path)? {
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
        Loc::Virtual { .. } => Err(ErrorCode::Invalid.into()),
        Loc::Real { rel, .. } if rel == "." => Err(ErrorCode::Invalid.into()),
        Loc::Real { mount, rel } => Ok(mount.dir.readlink_at(&rel)?.into_bytes()),
    }
}

/// `linkat` in Linux's order: the source (followed when `follow`), then
/// the new name (`new_name`), then EPERM for a directory.
fn link_loc(src: &Fspath, dst: &Fspath, follow: bool) -> Result<(), Fail> {
    let st = stat_fail(src, follow)?;
    let (m2, r2) = new_name(dst)?;
    if is_dir_mode(st.mode) {
        return Err(ErrorCode::NotPermitted.into());
    }
    // WASI links the name itself; following a link to its file is done here.
    let followed;
    let src = if follow && stat::is(stat_fail(src, false)?.mode, FileType::SymbolicLink) {
        followed = src.like(crate::path::realpath_bytes(src, true)?);
        &followed
    } else {
        src
    };
    let (m1, r1) = match resolve(src)? {
        Loc::Real { mount, rel } if rel != "." => (mount, rel),
        _ => return Err(ErrorCode::NotPermitted.into()),
    };
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

/// `os.utime`'s times for WASI: now, or the nanoseconds given.
fn new_times(times: Option<(i64, i64)>) -> Result<(NewTimestamp, NewTimestamp), Fail> {
    Ok(match times {
        None => (NewTimestamp::Now, NewTimestamp::Now),
        Some((a, m)) => (timestamp(a)?, timestamp(m)?),
    })
}

fn utime_loc(path: &Fspath, times: Option<(i64, i64)>, follow: bool) -> Result<(), Fail> {
    let (atime, mtime) = new_times(times)?;
    let follow = sandbox::follows(path.as_bytes(), follow);
    match resolve(path)? {
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
        Loc::Virtual { .. } => Err(ErrorCode::Access.into()),
        Loc::Real { mount, rel } => mount.changed(mount.dir.set_times_at(flags(follow), &rel, atime, mtime)),
    }
}

/// `os.access`: existence from stat; read and write by trying to open the
/// way they would be used (WASI has no access check); execute from the
/// permission bits the host reports, and for a directory, searching it.
fn access_loc(path: &Fspath, mode: i32, follow: bool) -> Result<bool, Fail> {
    let follow = sandbox::follows(path.as_bytes(), follow);
    let loc = resolve(path)?;
    let st = stat_loc(&loc, follow)?;
    if mode == 0 {
        return Ok(true);
    }
    let is_dir = is_dir_mode(st.mode);
    let (mount, rel) = match &loc {
        Loc::Virtual { .. } => return Ok(mode & 2 == 0),
        Loc::Real { mount, rel } => (*mount, rel.as_str()),
    };
    // A link itself (not followed) has every permission; only a read-only
    // grant refuses writing.
    if stat::is(st.mode, FileType::SymbolicLink) {
        return Ok(mode & 2 == 0 || !mount.read_only);
    }
    if mode & 1 != 0 {
        let allowed = if is_dir {
            // Searching a directory is what looking up a name in it takes.
            let inside = if rel == "." { ".".to_string() } else { format!("{}/.", rel.trim_end_matches('/')) };
            mount.dir.stat_at(PathFlags::SYMLINK_FOLLOW, &inside).is_ok()
        } else {
            permission_bits(&loc, follow)? & 0o111 != 0
        };
        if !allowed {
            return Ok(false);
        }
    }
    let try_open = |flags: DescriptorFlags| {
        let open_flags = if is_dir { OpenFlags::DIRECTORY } else { OpenFlags::empty() };
        mount.dir.open_at(PathFlags::SYMLINK_FOLLOW, rel, open_flags, flags).is_ok()
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

/// `os.chmod`, by the osbox host, after the path's own errors (ENOENT,
/// ENOTDIR for `f/`, ELOOP). Without following links it is
/// `fchmodat(AT_SYMLINK_NOFOLLOW)`, which glibc does for anything but a
/// symbolic link; for a link CPython raises `NotImplementedError` (Linux
/// has no `lchmod`).
fn chmod_loc(path: &Fspath, mode: u32, follow: bool) -> Result<(), Fail> {
    if stat::is(stat_fail(path, follow)?.mode, FileType::SymbolicLink) {
        return Err(Fail::Raised(crate::error::exception(
            crate::osbox::os::types::Exception::NotImplementedError,
            "chmod: follow_symlinks unavailable on this platform",
        )));
    }
    match resolve(path)? {
        Loc::Real { mount, rel } => host::chmod(&mount.dir, &rel, mode, true).map_err(Fail::Code),
        Loc::Virtual { exists: true, .. } => Err(ErrorCode::NotPermitted.into()),
        Loc::Virtual { exists: false, .. } => Err(ErrorCode::NoEntry.into()),
    }
}

/// `os.statvfs`, by the osbox host, after the path's own errors.
fn statvfs_loc(path: &Fspath) -> Result<StatvfsResult, Fail> {
    stat_fail(path, true)?;
    match resolve(path)? {
        Loc::Real { mount, rel } => host::statvfs(&mount.dir, &rel).map_err(Fail::Code),
        // Nothing is mounted at a directory of the virtual tree.
        Loc::Virtual { .. } => Err(ErrorCode::NoEntry.into()),
    }
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
/// `os.makedirs`: the directories on the way get the default mode, the
/// last one `mode`.
fn makedirs(name: &Fspath, mode: u32, exist_ok: bool) -> Result<(), OsError> {
    let _depth = crate::error::Depth::enter(1)?;
    let (head, tail) = split_head_tail(name);
    let (h, t) = (head.as_bytes(), tail.as_bytes());
    if !h.is_empty() && !t.is_empty() && !exists(&head) {
        match makedirs(&head, 0o777, exist_ok) {
            Err(e) if e.code != Some(ErrorCode::Exist) => return Err(e),
            _ => {}
        }
        if t == b"." {
            return Ok(());
        }
    }
    match mkdir_loc(name, mode) {
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
    type Fwalk = crate::fwalk::Fwalk;

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

    fn listdir(path: Option<PathOrFd>) -> Result<Vec<Fspath>, OsError> {
        let path = match path {
            Some(PathOrFd::Fd(fd)) => {
                let dir = Fspath::Bytes(fd_dir(fd)?);
                let (_, entries) = list(&dir, false, false).map_err(|e| naming_fd(e, fd))?;
                return Ok(entries.into_iter().map(|(n, _, _, _)| Fspath::Text(n)).collect());
            }
            Some(PathOrFd::Path(p)) => p,
            None => curdir(false),
        };
        let (_, entries) = list(&path, false, false)?;
        Ok(entries.into_iter().map(|(n, _, _, _)| path.like(n.into_bytes())).collect())
    }

    fn scandir(path: Option<PathOrFd>) -> Result<Vec<DirEntry>, OsError> {
        match path {
            Some(PathOrFd::Fd(fd)) => scan_fd(fd, true),
            Some(PathOrFd::Path(p)) => scan(&p, true),
            None => scan(&curdir(false), true),
        }
    }

    fn walk(top: Fspath, topdown: bool, followlinks: bool) -> Vec<WalkItem> {
        let mut out = Vec::new();
        walk_into(&top, topdown, followlinks, false, None, &mut out);
        out.into_iter()
            .filter_map(|item| match item {
                WalkResult::Here(step) => Some(WalkItem::Step(step)),
                WalkResult::Error(e) => Some(WalkItem::Error(e)),
                // Only a walk that keeps its listings in the host has these.
                WalkResult::Held(_) => None,
            })
            .collect()
    }

    fn stat(path: Fspath, dir_fd: Option<i32>, follow_symlinks: bool) -> Result<StatResult, OsError> {
        at(dir_fd, &path).and_then(|p| stat_fail(&p, follow_symlinks)).map_err(|f| f.on(&path))
    }

    fn mkdir(path: Fspath, mode: u32, dir_fd: Option<i32>) -> Result<(), OsError> {
        at(dir_fd, &path).and_then(|p| mkdir_loc(&p, mode)).map_err(|f| f.on(&path))
    }

    fn makedirs(name: Fspath, mode: u32, exist_ok: bool) -> Result<(), OsError> {
        makedirs(&name, mode, exist_ok)
    }

    fn rmdir(path: Fspath, dir_fd: Option<i32>) -> Result<(), OsError> {
        at(dir_fd, &path).and_then(|p| rmdir_loc(&p)).map_err(|f| f.on(&path))
    }

    fn removedirs(name: Fspath) -> Result<(), OsError> {
        removedirs(&name)
    }

    fn remove(path: Fspath, dir_fd: Option<i32>) -> Result<(), OsError> {
        at(dir_fd, &path).and_then(|p| remove_loc(&p)).map_err(|f| f.on(&path))
    }

    fn rename(src: Fspath, dst: Fspath, src_dir_fd: Option<i32>, dst_dir_fd: Option<i32>) -> Result<(), OsError> {
        two_paths(src_dir_fd, &src, dst_dir_fd, &dst, walk_parent, rename_loc).map_err(|f| f.on2(&src, &dst))
    }

    fn renames(old: Fspath, new: Fspath) -> Result<(), OsError> {
        let (head, tail) = posixpath::split(new.as_bytes());
        let head = new.like(head);
        if !head.as_bytes().is_empty() && !tail.is_empty() && !exists(&head) {
            makedirs(&head, 0o777, false)?;
        }
        rename_loc(&old, &new).map_err(|f| f.on2(&old, &new))?;
        let (head, tail) = posixpath::split(old.as_bytes());
        if !head.is_empty() && !tail.is_empty() {
            let _ = removedirs(&old.like(head));
        }
        Ok(())
    }

    fn symlink(src: Fspath, dst: Fspath, dir_fd: Option<i32>) -> Result<(), OsError> {
        // An empty target fails before anything is looked up.
        let empty = src.checked().map(|t| t.is_empty());
        let r = match empty {
            Ok(true) => Err(ErrorCode::NoEntry.into()),
            Ok(false) => at(dir_fd, &dst).and_then(|d| symlink_loc(&src, &d)),
            Err(f) => Err(f),
        };
        r.map_err(|f| f.on2(&src, &dst))
    }

    fn readlink(path: Fspath, dir_fd: Option<i32>) -> Result<Fspath, OsError> {
        // readlinkat takes an empty path as the descriptor itself: it must
        // be open, and a directory or file is no link to read.
        if let Some(fd) = dir_fd.filter(|_| path.as_bytes().is_empty()) {
            let open = file::opened_path(fd).map(drop).or_else(|f| match f.code() {
                Some(ErrorCode::BadDescriptor) if file::stdio_of(fd).is_ok() => Ok(()),
                _ => Err(f),
            });
            return Err(open.err().unwrap_or(ErrorCode::NoEntry.into()).on(&path));
        }
        at(dir_fd, &path).and_then(|p| readlink_loc(&p)).map(|t| path.like(t)).map_err(|f| f.on(&path))
    }

    fn link(
        src: Fspath,
        dst: Fspath,
        src_dir_fd: Option<i32>,
        dst_dir_fd: Option<i32>,
        follow_symlinks: bool,
    ) -> Result<(), OsError> {
        // CPython calls link(2), which never follows a symbolic link, unless
        // a dir_fd makes it linkat, which follows one when asked.
        let follow = follow_symlinks && (src_dir_fd.is_some() || dst_dir_fd.is_some());
        // linkat looks the source up whole before it turns to the new name.
        let src_first = |s: &Fspath| stat_fail(s, follow).map(drop);
        two_paths(src_dir_fd, &src, dst_dir_fd, &dst, src_first, |s, d| link_loc(s, d, follow))
            .map_err(|f| f.on2(&src, &dst))
    }

    fn truncate(path: Fspath, length: i64) -> Result<(), OsError> {
        truncate_loc(&path, length).map_err(|f| f.on(&path))
    }

    fn utime(
        path: PathOrFd,
        times: Option<(i64, i64)>,
        dir_fd: Option<i32>,
        follow_symlinks: bool,
    ) -> Result<(), OsError> {
        // CPython 3.11's utime errors name no file.
        match path {
            PathOrFd::Fd(fd) => {
                let (atime, mtime) = new_times(times).map_err(Fail::bare)?;
                file::with_descriptor(fd, |desc, mount| mount.changed(desc.set_times(atime, mtime))).map_err(Fail::bare)
            }
            PathOrFd::Path(path) => {
                at(dir_fd, &path).and_then(|p| utime_loc(&p, times, follow_symlinks)).map_err(Fail::bare)
            }
        }
    }

    fn access(path: Fspath, mode: i32, dir_fd: Option<i32>, follow_symlinks: bool) -> bool {
        at(dir_fd, &path).and_then(|p| access_loc(&p, mode, follow_symlinks)).unwrap_or(false)
    }

    fn chmod(path: Fspath, mode: u32, dir_fd: Option<i32>, follow_symlinks: bool) -> Result<(), OsError> {
        at(dir_fd, &path).and_then(|p| chmod_loc(&p, mode, follow_symlinks)).map_err(|f| f.on(&path))
    }

    fn statvfs(path: Fspath) -> Result<StatvfsResult, OsError> {
        statvfs_loc(&path).map_err(|f| f.on(&path))
    }

    fn fchdir(fd: i32) -> Result<(), OsError> {
        sandbox::set_cwd(file::dir_path(fd).map_err(Fail::bare)?);
        Ok(())
    }

    fn fchmod(fd: i32, mode: u32) -> Result<(), OsError> {
        let path = Fspath::Bytes(file::opened_path(fd).map_err(Fail::bare)?);
        chmod_loc(&path, mode, true).map_err(Fail::bare)
    }

    fn fstatvfs(fd: i32) -> Result<StatvfsResult, OsError> {
        let path = Fspath::Bytes(file::opened_path(fd).map_err(Fail::bare)?);
        statvfs_loc(&path).map_err(Fail::bare)
    }
}

/// `os.scandir(fd)` materialised: names are `str`, and each entry's path
/// is its name.
pub(crate) fn scan_fd(fd: i32, inodes: bool) -> Result<Vec<DirEntry>, OsError> {
    let dir = Fspath::Bytes(fd_dir(fd)?);
    let mut entries = scan(&dir, inodes).map_err(|e| naming_fd(e, fd))?;
    for e in &mut entries {
        let name = like(false, e.name.as_bytes().to_vec());
        (e.name, e.path) = (name.clone(), name);
    }
    Ok(entries)
}

/// The directory open as `fd`, for `os.listdir(fd)` and `os.scandir(fd)`:
/// EBADF names no file, ENOTDIR names the descriptor, as in CPython.
fn fd_dir(fd: i32) -> Result<Vec<u8>, OsError> {
    file::dir_path(fd).map_err(|f| match f.code() {
        Some(ErrorCode::NotDirectory) => crate::error::os_error_fd(ErrorCode::NotDirectory, fd),
        _ => f.bare(),
    })
}

/// An error of a call on the directory open as `fd`, naming the descriptor.
fn naming_fd(e: OsError, fd: i32) -> OsError {
    match e.code {
        Some(code) if e.filename.is_some() => crate::error::os_error_fd(code, fd),
        _ => e,
    }
}

/// A call on two paths, each relative to its own directory descriptor. A
/// bad descriptor for the second path shows only after `src_first`, what
/// Linux checks of the first path before it looks at the second.
fn two_paths(
    src_dir_fd: Option<i32>,
    src: &Fspath,
    dst_dir_fd: Option<i32>,
    dst: &Fspath,
    src_first: impl FnOnce(&Fspath) -> Result<(), Fail>,
    f: impl FnOnce(&Fspath, &Fspath) -> Result<(), Fail>,
) -> Result<(), Fail> {
    let s = at(src_dir_fd, src)?;
    let d = match at(dst_dir_fd, dst) {
        Ok(d) => d,
        Err(e) => {
            src_first(&s)?;
            return Err(e);
        }
    };
    f(&s, &d)
}
