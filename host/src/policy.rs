//! What a sandbox may reach, as checked when it is built: the granted
//! directories and the programs it may start (`--allow-run`), each resolved
//! once on the host.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

/// One directory the sandbox may reach.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    /// The host directory, as given.
    pub(crate) host: PathBuf,
    /// Where the guest sees it (`/work`).
    pub(crate) guest: String,
    /// Every write through it fails with `EROFS`.
    pub(crate) read_only: bool,
}

/// A program the sandbox may start.
#[derive(Clone)]
pub(crate) struct AllowedProgram {
    /// As granted (`sh`, `/usr/bin/git`, `tool=tool.wasm`).
    spec: String,
    /// The name a guest may call it by (`sh`, `git`, `tool`).
    name: String,
    /// The host file that runs, resolved when the sandbox was built, so a
    /// later change of `PATH` cannot swap it.
    pub(crate) path: PathBuf,
    /// A WASI command component, compiled when the sandbox was built; it
    /// runs in a sandbox of its own with the same grants and limits.
    pub(crate) wasm: Option<wasmtime::component::Component>,
}

/// A file the host would run: one with an execute bit (on Windows, any
/// file: Windows runs by name).
fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    let runs = |m: &std::fs::Metadata| {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o111 != 0
    };
    #[cfg(windows)]
    let runs = |_: &std::fs::Metadata| true;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && runs(&m))
}

/// The files a name on `PATH` may be in `dir`: the name itself, and on
/// Windows the name with each extension Windows runs by name.
fn candidates(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut files = vec![dir.join(name)];
    if cfg!(windows) {
        files.extend([".exe", ".com", ".bat", ".cmd"].map(|ext| dir.join(format!("{name}{ext}"))));
    }
    files
}

impl AllowedProgram {
    /// Resolves `spec`: `name=path.wasm` a WASI command, a path as it is, a
    /// name on the host's `PATH`.
    pub(crate) fn resolve(spec: &str, engine: &wasmtime::Engine) -> Result<AllowedProgram> {
        if let Some((name, file)) = spec.split_once('=').filter(|(_, f)| f.ends_with(".wasm")) {
            let path = PathBuf::from(file)
                .canonicalize()
                .map_err(|e| Error::new(ErrorKind::FileNotFound, format!("cannot allow {spec:?}: {e}")))?;
            let component = wasmtime::component::Component::from_file(engine, &path).map_err(|e| {
                Error::new(ErrorKind::Value, format!("cannot allow {spec:?}: not a WASI command: {e:#}"))
            })?;
            return Ok(AllowedProgram { spec: name.to_string(), name: name.to_string(), path, wasm: Some(component) });
        }
        let found = if spec.contains('/') {
            Some(PathBuf::from(spec)).filter(|p| is_executable(p))
        } else {
            std::env::var_os("PATH")
                .map(|path| std::env::split_paths(&path).flat_map(|d| candidates(&d, spec)).collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .find(|p| is_executable(p))
        };
        let path = found.and_then(|p| p.canonicalize().ok()).ok_or_else(|| {
            Error::new(ErrorKind::FileNotFound, format!("cannot allow {spec:?}: no such program on the host"))
        })?;
        let name = spec.rsplit('/').next().unwrap_or(spec).to_string();
        Ok(AllowedProgram { spec: spec.to_string(), name, path, wasm: None })
    }

    /// The program `argv[0]` names, if `programs` grants it: its name, the
    /// path it was granted as, or the host file it resolved to.
    pub(crate) fn find<'a>(programs: &'a [AllowedProgram], argv0: &str) -> Option<&'a AllowedProgram> {
        programs.iter().find(|a| argv0 == a.spec || argv0 == a.name || Path::new(argv0) == a.path)
    }
}
