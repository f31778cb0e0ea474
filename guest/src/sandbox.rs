//! The sandbox's view of the file system: the preopened directories mounted
//! at their guest paths, the virtual read-only tree above them (`/` lists
//! the mount points and nothing of the host), and the current directory.
//!
//! Every path is resolved here into a mount and a path relative to it, which
//! WASI then resolves beneath the mount's descriptor: `..` or a symbolic link
//! that would leave the mount fails in the host with `EPERM`, not here by
//! string checks.

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
                    if !rel.is_empty() {
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
        Some((mount, rel, _)) => {
            if rel.is_empty() {
                return Ok(Loc::Real { mount, rel: ".".into() });
            }
            let mut s = rel.join(&b'/');
            if trailing_slash {
                s.push(b'/');
            }
            Ok(Loc::Real { mount, rel: wasi_str(&s)?.to_string() })
        }
    }
}
