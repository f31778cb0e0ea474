//! `osbox python`: CPython inside the sandbox, with osbox as its `os`.
//!
//! The interpreter is a component built by componentize-py from the
//! `osbox_python` app in `interpreter/` (CPython 3.14 for WASI; `os`, `posix`,
//! `open()`, `errno` and `subprocess` answered by osbox's interfaces), then
//! composed with the full osbox component and run like any command under
//! [`Sandbox::run`]. It is not part of this library's binary (about 25 MB):
//! the sources are (a few dozen KB), and the component is built from them
//! once per version with the pinned componentize-py (`interpreter/build.py`,
//! which needs `python3` with `venv` and PyPI), kept in the cache
//! directory, and compiled once into the cache like the guest.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::compose::{Guest, compose};
use crate::error::{Error, ErrorKind, Result};
use crate::runtime::{Program, Runtime};
use crate::sandbox::Sandbox;

/// What the interpreter runs as `__main__`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PythonMain {
    /// `python -c CODE`.
    Code(String),
    /// `python -m MODULE`: found on `sys.path` inside the sandbox (the
    /// current directory first), or in the standard library.
    Module(String),
    /// `python SCRIPT`: a host file, read by the host. When it lies inside
    /// a grant, its `__file__` and `sys.path[0]` are its guest path and
    /// directory, so that its own modules import; otherwise `__file__` is
    /// the path as given and nothing is added to `sys.path`.
    Script(PathBuf),
}

/// Every file the interpreter component is built from, as embedded here:
/// the build script and app (`interpreter/`) and osbox's WIT (`wit/`).
const SOURCES: &[(&str, &str)] = &[
    ("interpreter/build.py", include_str!("../../interpreter/build.py")),
    ("interpreter/requirements.txt", include_str!("../../interpreter/requirements.txt")),
    ("interpreter/wit/world.wit", include_str!("../../interpreter/wit/world.wit")),
    ("interpreter/osbox_python/__init__.py", include_str!("../../interpreter/osbox_python/__init__.py")),
    ("interpreter/osbox_python/_errors.py", include_str!("../../interpreter/osbox_python/_errors.py")),
    ("interpreter/osbox_python/_io.py", include_str!("../../interpreter/osbox_python/_io.py")),
    ("interpreter/osbox_python/_main.py", include_str!("../../interpreter/osbox_python/_main.py")),
    ("interpreter/osbox_python/_posix.py", include_str!("../../interpreter/osbox_python/_posix.py")),
    ("interpreter/osbox_python/_stdlib.py", include_str!("../../interpreter/osbox_python/_stdlib.py")),
    ("interpreter/osbox_python/_subprocess.py", include_str!("../../interpreter/osbox_python/_subprocess.py")),
    ("wit/direct.wit", include_str!("../../wit/direct.wit")),
    ("wit/env.wit", include_str!("../../wit/env.wit")),
    ("wit/file.wit", include_str!("../../wit/file.wit")),
    ("wit/fs.wit", include_str!("../../wit/fs.wit")),
    ("wit/host.wit", include_str!("../../wit/host.wit")),
    ("wit/path.wit", include_str!("../../wit/path.wit")),
    ("wit/platform.wit", include_str!("../../wit/platform.wit")),
    ("wit/shutil.wit", include_str!("../../wit/shutil.wit")),
    ("wit/subprocess.wit", include_str!("../../wit/subprocess.wit")),
    ("wit/sys.wit", include_str!("../../wit/sys.wit")),
    ("wit/system.wit", include_str!("../../wit/system.wit")),
    ("wit/tempfile.wit", include_str!("../../wit/tempfile.wit")),
    ("wit/time.wit", include_str!("../../wit/time.wit")),
    ("wit/types.wit", include_str!("../../wit/types.wit")),
    ("wit/worlds.wit", include_str!("../../wit/worlds.wit")),
    ("wit/deps/cli/cli.wit", include_str!("../../wit/deps/cli/cli.wit")),
    ("wit/deps/clocks/clocks.wit", include_str!("../../wit/deps/clocks/clocks.wit")),
    ("wit/deps/filesystem/filesystem.wit", include_str!("../../wit/deps/filesystem/filesystem.wit")),
    ("wit/deps/io/io.wit", include_str!("../../wit/deps/io/io.wit")),
    ("wit/deps/random/random.wit", include_str!("../../wit/deps/random/random.wit")),
    ("wit/deps/sockets/sockets.wit", include_str!("../../wit/deps/sockets/sockets.wit")),
];

/// The names of the embedded sources (the test suite checks they are
/// every file of `interpreter/` and `wit/` the build reads).
pub fn python_sources() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().map(|(name, _)| *name)
}

/// A key for this version of the sources.
fn sources_key() -> String {
    let mut keys = [0u64; 2];
    for (seed, key) in keys.iter_mut().enumerate() {
        let mut h = DefaultHasher::new();
        seed.hash(&mut h);
        SOURCES.hash(&mut h);
        *key = h.finish();
    }
    format!("{:016x}{:016x}", keys[0], keys[1])
}

impl Runtime {
    /// The interpreter component, composed with osbox and compiled: from
    /// the cache when it is there, else built first (see the module docs;
    /// about a minute, once per version). What [`Sandbox::python`] runs.
    pub fn python(&self) -> Result<Program> {
        if let Some(program) = self.inner().python.get() {
            return Ok(program.clone());
        }
        let key = format!("python-{}-{}", sources_key(), env!("OSBOX_GUEST_HASH"));
        let cache = self.inner().cache.clone();
        let program = crate::runtime::compile_lazy(&self.inner().engine, cache.as_deref(), &key, || {
            let app = interpreter(cache.as_deref())?;
            compose(&app, Guest::Full).map_err(wasmtime::Error::msg)
        })
        .map(|component| Program { component })
        .map_err(|e| Error::new(ErrorKind::OsError, format!("no Python interpreter component: {e:#}")))?;
        Ok(self.inner().python.get_or_init(|| program).clone())
    }

    /// Whether [`Runtime::python`] will find the interpreter component
    /// built (and start at once) rather than build it first.
    pub fn python_is_built(&self) -> bool {
        self.inner().python.get().is_some()
            || self.inner().cache.as_deref().is_some_and(|dir| dir.join(interpreter_file()).is_file())
    }
}

fn interpreter_file() -> String {
    format!("python-{}.wasm", sources_key())
}

/// The interpreter component (not yet composed with osbox): from the cache
/// directory, else built there by `interpreter/build.py` from the embedded
/// sources (in a temporary directory when there is no cache).
fn interpreter(cache: Option<&Path>) -> wasmtime::Result<Vec<u8>> {
    let temp;
    let dir = match cache {
        Some(dir) => dir.to_path_buf(),
        None => {
            temp = std::env::temp_dir().join(format!("osbox-python-{}", std::process::id()));
            temp.clone()
        }
    };
    let file = dir.join(interpreter_file());
    if let Ok(bytes) = std::fs::read(&file) {
        return Ok(bytes);
    }
    // One build at a time (they share the virtual environment): the others
    // wait, then find the component built.
    std::fs::create_dir_all(&dir)?;
    let lock = std::fs::File::create(dir.join("python-build.lock"))?;
    lock.lock()?;
    if let Ok(bytes) = std::fs::read(&file) {
        return Ok(bytes);
    }
    let work = dir.join(format!("python-build-{}", sources_key()));
    for (name, text) in SOURCES {
        let path = work.join(name);
        std::fs::create_dir_all(path.parent().unwrap_or(&work))?;
        std::fs::write(&path, text)?;
    }
    let partial = dir.join(format!(".{}.{}", interpreter_file(), std::process::id()));
    let python3 = std::env::var_os("OSBOX_PYTHON3").unwrap_or_else(|| "python3".into());
    let output = Command::new(&python3)
        .arg(work.join("interpreter/build.py"))
        .arg(&partial)
        .arg("--venv")
        .arg(dir.join("python-venv"))
        .output()
        .map_err(|e| {
            wasmtime::Error::msg(format!(
                "building it needs {} (with venv and pip, and PyPI reachable): {e}",
                PathBuf::from(&python3).display()
            ))
        })?;
    if !output.status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(wasmtime::Error::msg(format!(
            "building it with interpreter/build.py failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let _ = std::fs::remove_dir_all(&work);
    let bytes = std::fs::read(&partial)?;
    std::fs::rename(&partial, &file)?;
    if cache.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(bytes)
}

impl Sandbox {
    /// Runs Python code under this policy, as `osbox python` does: `main`
    /// as `__main__` with `args` as `sys.argv[1:]`, `os` and `open()`
    /// confined to the grants, the standard streams this process's, the
    /// time and memory limits applied. Returns the exit status: 0, the
    /// code of `sys.exit`, or 1 after an uncaught exception (its traceback
    /// on stderr). The sandbox's limits and traps are errors
    /// ([`ErrorKind::Timeout`], [`ErrorKind::Memory`], [`ErrorKind::Sandbox`]);
    /// a script that cannot be read is [`ErrorKind::FileNotFound`] (or the
    /// class of its error).
    ///
    /// ```no_run
    /// use osbox::PythonMain;
    ///
    /// let runtime = osbox::Runtime::new()?;
    /// let sandbox = runtime.sandbox().dir("/srv/tenant-a", "/data").build()?;
    /// let code = "import os, shutil; shutil.copytree('/data/in', '/data/out'); print(os.listdir('/data'))";
    /// let status = sandbox.python(&PythonMain::Code(code.into()), &[] as &[&str])?;
    /// # Ok::<(), osbox::Error>(())
    /// ```
    pub fn python(&self, main: &PythonMain, args: &[impl AsRef<str>]) -> Result<i32> {
        let program = self.runtime().python()?;
        let mut argv = vec!["python".to_string()];
        match main {
            PythonMain::Code(code) => argv.extend(["-c".to_string(), code.clone()]),
            PythonMain::Module(module) => argv.extend(["-m".to_string(), module.clone()]),
            PythonMain::Script(path) => {
                let source = std::fs::read(path).map_err(|e| cannot_open(path, &e))?;
                let source = String::from_utf8(source).map_err(|_| {
                    Error::new(ErrorKind::Value, format!("{}: the script is not UTF-8", path.display()))
                })?;
                let given = path.display().to_string();
                let (file, dir) = match self.guest_path(path) {
                    Some(guest) => {
                        let dir = guest.rsplit_once('/').map(|(d, _)| if d.is_empty() { "/" } else { d });
                        (guest.clone(), dir.unwrap_or("/").to_string())
                    }
                    None => (given.clone(), String::new()),
                };
                argv.extend(["--file".to_string(), given, file, dir, source]);
            }
        }
        argv.extend(args.iter().map(|a| a.as_ref().to_string()));
        self.run(&program, &argv)
    }
}

/// A script the host cannot read, as CPython words it
/// (`can't open file 'x.py': [Errno 2] No such file or directory`).
fn cannot_open(path: &Path, e: &std::io::Error) -> Error {
    let kind = match e.kind() {
        std::io::ErrorKind::NotFound => ErrorKind::FileNotFound,
        std::io::ErrorKind::PermissionDenied => ErrorKind::Permission,
        std::io::ErrorKind::IsADirectory => ErrorKind::IsADirectory,
        _ => ErrorKind::OsError,
    };
    let text = e.to_string();
    let strerror = text.split(" (os error").next().unwrap_or(&text);
    let shown = crate::error::py_repr(&path.display().to_string());
    Error::new(kind, format!("can't open file {shown}: [Errno {}] {strerror}", e.raw_os_error().unwrap_or(0)))
}
