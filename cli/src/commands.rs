//! Command-line arguments and the subcommands.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use serde_json::{Map, Value};

use osbox::{Error, PythonMain, Runtime, Sandbox, SandboxBuilder, exec};

use crate::{output, render};

/// Python's os module in a WebAssembly sandbox: only the granted
/// directories exist, nothing else of the host is visible.
#[derive(Parser)]
#[command(name = "osbox", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    sandbox: SandboxOptions,
    #[command(subcommand)]
    command: Command,
}

/// The sandbox policy, shared by every subcommand (PROTOCOL.md).
#[derive(Args, Clone)]
pub(crate) struct SandboxOptions {
    /// Grant host directory HOST read-write at guest path GUEST (repeatable).
    #[arg(long = "dir", value_name = "HOST::GUEST", global = true)]
    dirs: Vec<String>,
    /// Grant host directory HOST read-only at guest path GUEST (repeatable).
    #[arg(long = "ro-dir", value_name = "HOST::GUEST", global = true)]
    ro_dirs: Vec<String>,
    /// Set a guest environment variable, or pass the host's NAME through.
    #[arg(long = "env", value_name = "NAME[=VALUE]", global = true)]
    env: Vec<String>,
    /// The guest's initial current directory (default: the first --dir's GUEST).
    #[arg(long, value_name = "GUEST", global = true)]
    cwd: Option<String>,
    /// Let os.system and subprocess start PROGRAM (a name on the host's PATH,
    /// or a path); repeatable. Nothing else may be started.
    #[arg(long = "allow-run", value_name = "PROGRAM", global = true)]
    allow_run: Vec<String>,
    /// Wall-clock limit for the sandbox; past it the running call fails
    /// with TimeoutError and the sandbox ends.
    #[arg(long, value_name = "SECONDS", global = true, allow_negative_numbers = true)]
    timeout: Option<f64>,
    /// Memory cap for the guest; past it the call fails with MemoryError.
    #[arg(long, value_name = "MIB", global = true)]
    memory: Option<u64>,
}

#[derive(Subcommand)]
enum Command {
    /// Run JSON-lines requests from FILE (or standard input) in one sandbox.
    Exec {
        /// The request file; `-` or none for standard input.
        file: Option<PathBuf>,
    },
    /// Call one function, e.g. `osbox --dir .::/w call os.listdir /w`.
    Call {
        /// The dotted Python name (`os.walk`, `os.path.join`, `os.sep`).
        name: String,
        /// Positional arguments: JSON, or a Python literal (`0o755`, `True`,
        /// `(1, 2)`, `b'raw'`), else the string itself.
        #[arg(allow_negative_numbers = true)]
        args: Vec<String>,
        /// A keyword argument as NAME=VALUE, VALUE read as the arguments are
        /// (repeatable).
        #[arg(short = 'k', long = "kwarg", value_name = "NAME=VALUE")]
        kwargs: Vec<String>,
        /// Print the protocol's JSON encoding instead of human output.
        #[arg(long)]
        json: bool,
    },
    /// Run a WASI command component in the sandbox, e.g.
    /// `osbox run --dir data::/data backup.wasm /data/app /data/backups`.
    /// A component that imports the os surface (osbox:os/fs, ...) without
    /// containing osbox gets it plugged in first. Exits with its exit status.
    Run {
        /// The component (.wasm) exporting wasi:cli/run, then its arguments
        /// (its argv[0] is the component's file name). Everything after the
        /// component is the component's, options included.
        #[arg(value_name = "COMPONENT [ARGS]", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// Run Python code in the sandbox with osbox as its os, e.g.
    /// `osbox python --dir data::/data backup.py /data/app /data/backups`.
    /// SCRIPT is read from the host; `-m` finds MODULE inside the grants
    /// (the current directory first) or in the standard library. Exits with
    /// the script's status (1 after an uncaught exception). The interpreter
    /// component is built once, on first use, and cached.
    Python {
        /// `-c CODE`, `-m MODULE` or SCRIPT, then the arguments
        /// (`sys.argv[1:]`). Everything from there on is Python's, options
        /// included.
        #[arg(value_name = "-c CODE | -m MODULE | SCRIPT", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Plug the osbox component into a component that imports the os
    /// surface, writing one component (what `wac plug` does).
    Compose {
        /// The component importing osbox:os/fs, osbox:os/path, ...
        component: PathBuf,
        /// Where to write the composed component.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Plug in the build that imports only WASI, for `wasmtime run`, jco
        /// and other WASI hosts (host-extension functions raise ENOSYS).
        #[arg(long)]
        portable: bool,
    },
    /// Serve the sandbox to an AI agent over the Model Context Protocol:
    /// the reference filesystem server's tools and `python_os`, one sandbox
    /// per session, on standard input and output (or HTTP with --listen).
    Mcp(crate::mcp::McpArgs),
    /// Write the osbox component itself, to compose with `wac` or load
    /// from another runtime (wasmtime-py, jco).
    Guest {
        /// Where to write it.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// The build that imports only WASI (see `compose --portable`).
        #[arg(long)]
        portable: bool,
    },
}

/// `HOST::GUEST`, or one path used for both.
pub(crate) fn split_grant(spec: &str) -> (PathBuf, String) {
    match spec.rsplit_once("::") {
        Some((host, guest)) => (PathBuf::from(host), guest.to_string()),
        None => (PathBuf::from(spec), spec.to_string()),
    }
}

/// One granted directory: the host path, where the guest sees it, and
/// whether it is read-only.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Grant {
    pub(crate) host: PathBuf,
    pub(crate) guest: String,
    pub(crate) read_only: bool,
}

impl SandboxOptions {
    fn build(&self) -> Result<Sandbox, Error> {
        self.build_with(|b| b)
    }

    /// The sandbox, with `extra` applied to the builder last.
    fn build_with(&self, extra: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Result<Sandbox, Error> {
        extra(self.builder(&Runtime::new()?, &self.grants())?).build()
    }

    /// The `--dir` grants, then the `--ro-dir` ones.
    pub(crate) fn grants(&self) -> Vec<Grant> {
        let rw = self.dirs.iter().map(|s| (s, false));
        let ro = self.ro_dirs.iter().map(|s| (s, true));
        rw.chain(ro)
            .map(|(spec, read_only)| {
                let (host, guest) = split_grant(spec);
                Grant { host, guest, read_only }
            })
            .collect()
    }

    /// A builder in `runtime` for this policy with `grants` in place of
    /// the command line's.
    pub(crate) fn builder(&self, runtime: &Runtime, grants: &[Grant]) -> Result<SandboxBuilder, Error> {
        let mut b = runtime.sandbox();
        let first_guest = grants.first().map(|g| g.guest.clone());
        for g in grants {
            b = if g.read_only { b.ro_dir(&g.host, &g.guest) } else { b.dir(&g.host, &g.guest) };
        }
        for var in &self.env {
            b = match var.split_once('=') {
                Some((k, v)) => b.env(k, v),
                None => b.inherit_env(var),
            };
        }
        if let Some(cwd) = self.cwd.clone().or(first_guest) {
            b = b.cwd(cwd);
        }
        for program in &self.allow_run {
            b = b.allow_run(program);
        }
        if let Some(secs) = self.timeout {
            b = b.timeout(timeout(secs)?);
        }
        if let Some(mib) = self.memory {
            b = b.memory_limit(usize::try_from(mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX));
        }
        Ok(b)
    }
}

/// `--timeout SECONDS`: a positive number; one too long for the clock
/// (`1e19`, `inf`) is no limit.
fn timeout(secs: f64) -> Result<Duration, Error> {
    let refused =
        || Error::new(osbox::ErrorKind::Value, format!("--timeout must be a positive number of seconds, not {secs}"));
    if secs.is_nan() || secs <= 0.0 {
        return Err(refused());
    }
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if d.is_zero() => Err(refused()),
        Ok(d) => Ok(d),
        Err(_) => Ok(Duration::MAX),
    }
}

/// A command-line argument: JSON when it parses as JSON, else a Python
/// literal (what `ast.literal_eval` reads), else the string itself.
fn parse_arg(s: &str) -> anyhow::Result<Value> {
    if let Ok(v) = serde_json::from_str(s) {
        return Ok(v);
    }
    let literal = exec::python_literal(s).with_context(|| format!("argument {s:?}"))?;
    Ok(literal.unwrap_or_else(|| Value::String(s.to_string())))
}

pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Exec { file } => run_exec(&cli.sandbox, file),
        Command::Run { mut command } => {
            let component = PathBuf::from(command.remove(0));
            run_component(&cli.sandbox, &component, command)
        }
        Command::Python { mut args } => {
            let first = args.remove(0);
            let main = match first.as_str() {
                "-c" | "-m" if args.is_empty() => bail!("argument expected for the {first} option"),
                "-c" => PythonMain::Code(args.remove(0)),
                "-m" => PythonMain::Module(args.remove(0)),
                _ => PythonMain::Script(PathBuf::from(first)),
            };
            run_python(&cli.sandbox, &main, &args)
        }
        Command::Compose { component, output, portable } => {
            let wasm = std::fs::read(&component).with_context(|| format!("cannot read {}", component.display()))?;
            let composed = osbox::compose(&wasm, guest_build(portable))?;
            std::fs::write(&output, composed).with_context(|| format!("cannot write {}", output.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Mcp(args) => crate::mcp::serve(&cli.sandbox, &args),
        Command::Guest { output, portable } => {
            std::fs::write(&output, guest_build(portable).bytes())
                .with_context(|| format!("cannot write {}", output.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Call { name, args, kwargs, json } => {
            let mut kw = Map::new();
            for k in &kwargs {
                let Some((key, value)) = k.split_once('=') else { bail!("--kwarg takes NAME=VALUE, not {k:?}") };
                kw.insert(key.to_string(), parse_arg(value)?);
            }
            let bar = render::progress_for(&name);
            let sandbox = match &bar {
                Some(bar) => {
                    let bar = bar.clone();
                    cli.sandbox.build_with(|b| b.on_progress(move |_, done| bar.set_position(done)))?
                }
                None => cli.sandbox.build()?,
            };
            let args = args.iter().map(|a| parse_arg(a)).collect::<anyhow::Result<Vec<_>>>()?;
            let mut os = sandbox.os()?;
            let result = exec::call(&mut os, &name, args, kw);
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            match result {
                Ok(value) if json => output::print(&format!("{}\n", serde_json::json!({ "ok": value })))?,
                Ok(value) => output::print(&render::render(&name, &value))?,
                Err(e) => {
                    if json {
                        output::print(&format!("{}\n", serde_json::json!({ "error": exec::encode_error(&e) })))?;
                    }
                    output::error(&format!("{}: {}", e.kind().python_name(), e));
                    return Ok(ExitCode::FAILURE);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn guest_build(portable: bool) -> osbox::Guest {
    if portable { osbox::Guest::Portable } else { osbox::Guest::Full }
}

/// `osbox run`: the component's exit status, or 3 when the sandbox ended
/// it (time limit, memory cap, trap), after saying why on stderr.
fn run_component(options: &SandboxOptions, component: &Path, args: Vec<String>) -> anyhow::Result<ExitCode> {
    let wasm = std::fs::read(component).with_context(|| format!("cannot read {}", component.display()))?;
    let sandbox = options.build()?;
    let program = sandbox.runtime().program(&wasm)?;
    let name = component.file_name().map_or_else(|| "main".into(), |n| n.to_string_lossy().into_owned());
    let argv: Vec<String> = std::iter::once(name).chain(args).collect();
    match sandbox.run(&program, &argv) {
        Ok(status) => Ok(ExitCode::from(u8::try_from(status).unwrap_or(if status < 0 { 1 } else { 255 }))),
        Err(e) if e.kind() == osbox::ErrorKind::Value => Err(e.into()),
        Err(e) => {
            output::error(&format!("{}: {}", e.kind().python_name(), e));
            Ok(ExitCode::from(3))
        }
    }
}

/// `osbox python`: the script's exit status; 2 when the script cannot be
/// read (as CPython); 3 when the sandbox ended it, after saying why.
fn run_python(options: &SandboxOptions, main: &PythonMain, args: &[String]) -> anyhow::Result<ExitCode> {
    let sandbox = options.build()?;
    if !sandbox.runtime().python_is_built() {
        output::error("osbox: building the Python interpreter component (once; about a minute)");
    }
    match sandbox.python(main, args) {
        Ok(status) => Ok(ExitCode::from(u8::try_from(status).unwrap_or(if status < 0 { 1 } else { 255 }))),
        Err(e) if matches!(main, PythonMain::Script(_)) && e.message().starts_with("can't open file") => {
            output::error(&format!("osbox python: {}", e.message()));
            Ok(ExitCode::from(2))
        }
        Err(e)
            if matches!(e.kind(), osbox::ErrorKind::Timeout | osbox::ErrorKind::Memory | osbox::ErrorKind::Sandbox) =>
        {
            output::error(&format!("{}: {}", e.kind().python_name(), e));
            Ok(ExitCode::from(3))
        }
        Err(e) => Err(e.into()),
    }
}

/// `osbox exec`: 0 when the input was read to its end; 2 when the options
/// give no sandbox, 3 when the instance could not start or died, each
/// after a last response line that says why.
fn run_exec(options: &SandboxOptions, file: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout().lock();
    let last_line = |e: &Error| output::print(&format!("{}\n", serde_json::json!({ "error": exec::encode_error(e) })));
    let sandbox = match options.build() {
        Ok(sandbox) => sandbox,
        Err(e) => {
            last_line(&e)?;
            output::error(&format!("osbox: {e}"));
            return Ok(ExitCode::from(2));
        }
    };
    let mut os = match sandbox.os() {
        Ok(os) => os,
        Err(e) => {
            last_line(&e)?;
            return Ok(ExitCode::from(3));
        }
    };
    let outcome = match file.filter(|f| f.as_os_str() != "-") {
        Some(path) => {
            let f = File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
            exec::serve(&mut os, BufReader::new(f), stdout)?
        }
        None => exec::serve(&mut os, io::stdin().lock(), stdout)?,
    };
    // When the instance died, the response of the call that ended it was the
    // last line and says why.
    Ok(if outcome.is_some() { ExitCode::from(3) } else { ExitCode::SUCCESS })
}
