//! The sandbox's view of the file system: the preopened directories mounted
//! at their guest paths, the virtual read-only tree above them (`/` lists
//! the mount points and nothing of the host), and the current directory.
//!
//! Every path is resolved here into a mount and a path relative to it, which
//! WASI then resolves beneath the mount's descriptor: `..` or a symbolic link
//! that would leave the mount fails in the host with `EPERM`, not here by
//! string checks.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};

use crate::error::Fail;
use crate::fspath::wasi_str;
use crate::osbox::os::types::{ErrorCode, Fspath};
use crate::posixpath;
use crate::wasi::filesystem::types::{Descriptor, DescriptorFlags, DescriptorType, ErrorCode as WasiCode, PathFlags};

/// A preopened directory and where it is mounted.
pub struct Mount {
    /// The guest path, normalised and absolute (`/work`).
    pub path: Vec<u8>,
    /// `path` split into its components (`["work"]`; empty for `/`).
    comps: Vec<Vec<u8>>,
    /// The preopen's descriptor.
    pub dir: Descriptor,
    /// The device number `st_dev` reports for files under this mount.
    pub dev: u64,
    /// Granted read-only: the host refuses every change beneath it.
    pub read_only: bool,
}

impl Mount {
    /// A change refused beneath a read-only grant is `EROFS`, as on a
    /// read-only file system (the host reports `not-permitted`).
    pub fn changed<T>(&self, r: Result<T, WasiCode>) -> Result<T, Fail> {
        r.map_err(|c| match c {
            WasiCode::NotPermitted | WasiCode::ReadOnly if self.read_only => ErrorCode::ReadOnly.into(),
            c => c.into(),
        })
    }
}

/// Where a path lands.
pub enum Loc {
    /// A directory of the virtual tree above the mounts (`/`, or `/data`
    /// when `/data/in` is mounted), or a missing name in one (`exists`
    /// false), which can be neither read nor created.
    Virtual { comps: Vec<Vec<u8>>, exists: bool },
    /// A path beneath a mount; `rel` is `.` for the mount itself.
    Real { mount: &'static Mount, rel: String },
}

thread_local! {
    static MOUNTS: OnceCell<&'static [Mount]> = const { OnceCell::new() };
    static CWD: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// The directory `dir` itself, opened again through `.`: for hosts whose
/// preopen descriptors answer only path-based calls (Node's
/// preview2-shim neither stats nor lists a preopen itself).
pub fn reopen(dir: &Descriptor) -> Result<Descriptor, WasiCode> {
    dir.open_at(
        PathFlags::SYMLINK_FOLLOW,
        ".",
        crate::wasi::filesystem::types::OpenFlags::DIRECTORY,
        DescriptorFlags::READ,
    )
}

/// `dir.read_directory()`, through [`reopen`] where the host cannot list
/// the descriptor itself.
pub fn read_directory(dir: &Descriptor) -> Result<crate::wasi::filesystem::types::DirectoryEntryStream, WasiCode> {
    dir.read_directory().or_else(|e| reopen(dir).map_err(|_| e)?.read_directory())
}

/// The mounts, read from `wasi:filesystem/preopens` on first use.
pub fn mounts() -> &'static [Mount] {
    MOUNTS.with(|m| {
        *m.get_or_init(|| {
            let mut mounts: Vec<Mount> = Vec::new();
            for (i, (dir, guest)) in crate::wasi::filesystem::preopens::get_directories().into_iter().enumerate() {
                let path = posixpath::abspath(guest.as_bytes(), b"/");
                let path = if path.starts_with(b"//") { path[1..].to_vec() } else { path };
                let comps = components(&path);
                // Read-only: readable but not mutable. A host that reports no
                // flags at all (Node's preview2-shim for preopens) says nothing.
                let read_only = dir.get_flags().is_ok_and(|f| {
                    let has = |flag: DescriptorFlags| f.bits() & flag.bits() != 0;
                    has(DescriptorFlags::READ) && !has(DescriptorFlags::MUTATE_DIRECTORY)
                });
                mounts.push(Mount { path, comps, dir, dev: i as u64 + 1, read_only });
            }
            Box::leak(mounts.into_boxed_slice())
        })
    })
}

fn components(path: &[u8]) -> Vec<Vec<u8>> {
    path.split(|&b| b == b'/').filter(|c| !c.is_empty()).map(<[u8]>::to_vec).collect()
}

/// The current directory: `--cwd` (the host passes it as wasi:cli
/// initial-cwd), else the first mount, else `/`.
pub fn cwd() -> Vec<u8> {
    CWD.with(|c| {
        c.borrow_mut()
            .get_or_insert_with(|| {
                let initial = crate::wasi::cli::environment::initial_cwd()
                    .map(|s| s.into_bytes())
                    .or_else(|| mounts().first().map(|m| m.path.clone()))
                    .unwrap_or_else(|| b"/".to_vec());
                posixpath::abspath(&initial, b"/")
            })
            .clone()
    })
}

/// Sets the current directory (an absolute, normalised path).
pub fn set_cwd(path: Vec<u8>) {
    CWD.with(|c| *c.borrow_mut() = Some(path));
}

fn mount_at(comps: &[Vec<u8>]) -> Option<&'static Mount> {
    mounts().iter().find(|m| m.comps == comps)
}

/// Names in the virtual directory `comps`: the next component of each
/// mount below it.
pub fn virtual_children(comps: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    for m in mounts() {
        if m.comps.len() > comps.len() && m.comps.starts_with(comps) {
            let name = &m.comps[comps.len()];
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// Resolves a path argument: relative to the current directory, then
/// component by component into the virtual tree or a mount (the longest
/// mount wins). Within a mount the remaining components go to WASI as they
/// are, `..` included, so symbolic links keep their POSIX meaning.
pub fn resolve(path: &Fspath) -> Result<Loc, Fail> {
    let bytes = path.checked()?;
    if bytes.is_empty() {
        return Err(ErrorCode::NoEntry.into());
    }
    if let Some(loc) = resolve_names(bytes) {
        return loc;
    }
    let absolute = if bytes.starts_with(b"/") {
        bytes.to_vec()
    } else {
        let mut a = cwd();
        a.push(b'/');
        a.extend_from_slice(bytes);
        a
    };
    let trailing_slash = absolute.ends_with(b"/");
    let mut virt: Vec<Vec<u8>> = Vec::new();
    let mut real: Option<(&'static Mount, Vec<&[u8]>, bool)> = mount_at(&virt).map(|m| (m, Vec::new(), true));
    let comps: Vec<&[u8]> = absolute.split(|&b| b == b'/').filter(|c| !c.is_empty()).collect();
    for (i, comp) in comps.iter().copied().enumerate() {
        match &mut real {
            Some((mount, rel, plain)) => {
                if comp == b"." {
                    // A last `.` stays, for WASI to check what it follows
                    // is a directory (`f/.` is ENOTDIR); one on the way is
                    // nothing, and must not be what a later `..` removes.
                    if !rel.is_empty() && i + 1 == comps.len() {
                        rel.push(comp);
                    }
                } else if comp == b".." && rel.is_empty() {
                    // Leaving a mount upwards lands in the virtual tree.
                    virt = mount.comps[..mount.comps.len().saturating_sub(1)].to_vec();
                    real = mount_at(&virt).map(|m| (m, Vec::new(), true));
                } else if comp == b".." && *plain {
                    // `dir/..` is the directory's parent, as the kernel walks
                    // it; through a symbolic link it is not, so links keep
                    // their `..` for WASI to resolve beneath the mount.
                    let here = wasi_str(&rel.join(&b'/'))?.to_string();
                    match mount.dir.stat_at(PathFlags::empty(), &here)?.type_ {
                        DescriptorType::Directory => {
                            rel.pop();
                        }
                        DescriptorType::SymbolicLink => {
                            *plain = false;
                            rel.push(comp);
                        }
                        _ => return Err(ErrorCode::NotDirectory.into()),
                    }
                } else {
                    *plain &= comp != b"..";
                    rel.push(comp);
                    // A grant mounted inside this one takes over, when there
                    // is one this deep (checked cheaply first: resolving a
                    // deep path must not cost the square of its depth).
                    let depth = mount.comps.len() + rel.len();
                    if *plain && mounts().iter().any(|m| m.comps.len() == depth && m.comps.starts_with(&mount.comps)) {
                        let mut full = mount.comps.clone();
                        full.extend(rel.iter().map(|c| c.to_vec()));
                        if let Some(inner) = mount_at(&full) {
                            real = Some((inner, Vec::new(), true));
                        }
                    }
                }
            }
            None => {
                if comp == b"." {
                    continue;
                }
                if comp == b".." {
                    virt.pop();
                } else {
                    virt.push(comp.to_vec());
                    if !mounts().iter().any(|m| m.comps.starts_with(&virt)) {
                        if i + 1 == comps.len() {
                            return Ok(Loc::Virtual { comps: virt, exists: false });
                        }
                        return Err(ErrorCode::NoEntry.into());
                    }
                }
                real = mount_at(&virt).map(|m| (m, Vec::new(), true));
            }
        }
    }
    match real {
        None => Ok(Loc::Virtual { comps: virt, exists: true }),
        Some((mount, mut rel, plain)) => {
            if rel.is_empty() {
                return Ok(Loc::Real { mount, rel: ".".into() });
            }
            // `l/x/..` ends in the directory it reaches, never in the link
            // `l`, whatever a call says about following links; WASI is
            // given `l/x/../.` so that it cannot take `..` for the link.
            if !plain && rel.last() == Some(&&b".."[..]) {
                rel.push(b".");
            }
            let mut s = rel.join(&b'/');
            if trailing_slash {
                s.push(b'/');
            }
            Ok(Loc::Real { mount, rel: wasi_str(&s)?.to_string() })
        }
    }
}

/// [`resolve`] of a path made of names only (no `.` or `..`) that lands in
/// a mount, the usual case, without building the path: the longest mount
/// whose components begin the absolute path, and the rest of it joined
/// once. `None` sends every other path the long way, which gives the same
/// answer for these.
fn resolve_names(bytes: &[u8]) -> Option<Result<Loc, Fail>> {
    if !only_names(bytes) {
        return None;
    }
    CWD.with(|cwd| {
        let cwd = cwd.borrow();
        let base: &[u8] = match (bytes.starts_with(b"/"), cwd.as_deref()) {
            (true, _) => b"",
            // A current directory kept as it was given (see `fchdir`) may
            // hold `..`: the long way, as for the path itself.
            (false, Some(c)) if !only_names(c) => return None,
            (false, Some(c)) => c,
            // The current directory is read on first use, the long way.
            (false, None) => return None,
        };
        let comps = || names(base).chain(names(bytes));
        let mount = mounts()
            .iter()
            .filter(|m| {
                let mut all = comps();
                m.comps.iter().all(|want| all.next() == Some(want.as_slice()))
            })
            .max_by_key(|m| m.comps.len())?;
        let mut rel = Vec::with_capacity(bytes.len());
        for c in comps().skip(mount.comps.len()) {
            if !rel.is_empty() {
                rel.push(b'/');
            }
            rel.extend_from_slice(c);
        }
        if rel.is_empty() {
            return Some(Ok(Loc::Real { mount, rel: ".".into() }));
        }
        if bytes.ends_with(b"/") {
            rel.push(b'/');
        }
        Some(match String::from_utf8(rel) {
            Ok(rel) => Ok(Loc::Real { mount, rel }),
            Err(_) => Err(Fail::Code(ErrorCode::IllegalByteSequence)),
        })
    })
}

/// The names of a path, in order.
fn names(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    path.split(|&b| b == b'/').filter(|c| !c.is_empty())
}

/// Whether a path is made of names only, with no `.` or `..`.
fn only_names(path: &[u8]) -> bool {
    !names(path).any(|c| c == b"." || c == b"..")
}

/// The grant mounted at `path`, a directory beneath `mount`, if one is
/// (looked for only where `mount` has grants inside it).
pub fn mounted_at(mount: &Mount, path: &Fspath) -> Option<&'static Mount> {
    let inside = |m: &Mount| m.comps.len() > mount.comps.len() && m.comps.starts_with(&mount.comps);
    if !mounts().iter().any(inside) {
        return None;
    }
    match resolve(path) {
        Ok(Loc::Real { mount: m, rel }) if rel == "." && !std::ptr::eq(m, mount) => Some(m),
        _ => None,
    }
}

/// The path a call with `dir_fd` acts on: a relative `path` joined to the
/// directory open as `dir_fd` (whose path the descriptor table keeps, as
/// the current directory is kept); an absolute or empty one as it is.
pub fn at(dir_fd: Option<i32>, path: &Fspath) -> Result<Cow<'_, Fspath>, Fail> {
    let bytes = path.checked()?;
    let Some(dir_fd) = dir_fd.filter(|_| !bytes.is_empty() && !bytes.starts_with(b"/")) else {
        return Ok(Cow::Borrowed(path));
    };
    let mut joined = crate::file::dir_path(dir_fd)?;
    joined.push(b'/');
    joined.extend_from_slice(bytes);
    Ok(Cow::Owned(path.like(joined)))
}

/// How Linux's path walk classes the last component of a path.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Last {
    /// A name.
    Normal,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// No last component: `/`.
    Root,
}

/// The path without its trailing slashes (`/` stays `/`).
fn trimmed(p: &[u8]) -> &[u8] {
    let end = p.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
    if end == 0 && !p.is_empty() { &p[..1] } else { &p[..end] }
}

/// The kind of `path`'s last component.
pub fn last(path: &[u8]) -> Last {
    let t = trimmed(path);
    if t == b"/" {
        return Last::Root;
    }
    match t.rsplit(|&b| b == b'/').next() {
        Some(b".") => Last::Dot,
        Some(b"..") => Last::DotDot,
        _ => Last::Normal,
    }
}

/// Whether `path` ends with a slash after its last name (`d/`).
pub fn trailing_slash(path: &[u8]) -> bool {
    path.len() > 1 && path.ends_with(b"/")
}

/// Whether a lookup of `path` ends by following a link, when `follow` asks
/// it not to: a trailing slash, and a last `.` or `..` (a directory, never
/// a link), resolve it all the same.
pub fn follows(path: &[u8], follow: bool) -> bool {
    follow || trailing_slash(path) || last(path) != Last::Normal
}

/// The walk to the directory that holds `path`'s last component, as Linux
/// makes it before anything else (`filename_parentat`): `ENOENT` for `''`
/// or a missing directory on the way, `ENOTDIR` for a file on the way,
/// `ELOOP`. Calls whose own checks would answer first in osbox make it
/// first, so their errors come in Linux's order.
pub fn walk_parent(path: &Fspath) -> Result<(), Fail> {
    let bytes = path.checked()?;
    if bytes.is_empty() {
        return Err(ErrorCode::NoEntry.into());
    }
    let t = trimmed(bytes);
    let parent = match t.iter().rposition(|&b| b == b'/') {
        // The walk starts in the current directory without looking it up:
        // even a removed one is there to start from.
        None => return Ok(()),
        Some(0) => b"/".to_vec(),
        Some(i) => t[..i].to_vec(),
    };
    let st = crate::fs::stat_loc(&resolve(&path.like(parent))?, true)?;
    if !crate::fs::is_dir_mode(st.mode) {
        return Err(ErrorCode::NotDirectory.into());
    }
    Ok(())
}
