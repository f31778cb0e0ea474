//! The example components (examples/components), composed with the osbox
//! component by `osbox compose`, run as the README says on each host:
//! `osbox run` (the full build), plain wasmtime-wasi as `wasmtime run` sets
//! it up (the portable build), and Node.js through jco
//! (examples/node/run.mjs, the portable build). Each scenario asserts the
//! same outcome on all three, and on the portable hosts the ENOSYS path of
//! the examples that need the osbox host.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::harness::{Plain, repo, snapshot, tempdir};

const NAMES: [&str; 6] = ["backup", "csv-summary", "deploy", "health", "logrotate", "uploads"];

/// Builds the example components for wasm32-wasip2 (as examples/build.sh
/// does) and composes each, full and portable, with `osbox compose`.
fn composed() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let manifest = repo().join("examples/components/Cargo.toml");
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--quiet", "--release", "--target", "wasm32-wasip2", "--manifest-path"])
            .arg(&manifest)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_TARGET_DIR")
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the example components failed");
        let built = repo().join("examples/components/target/wasm32-wasip2/release");
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("examples");
        std::fs::create_dir_all(&out).unwrap();
        for name in NAMES {
            let consumer = built.join(format!("{name}.wasm"));
            for (flag, file) in [(None, format!("{name}.wasm")), (Some("--portable"), format!("{name}.portable.wasm"))]
            {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_osbox"));
                cmd.arg("compose").arg(&consumer).arg("-o").arg(out.join(&file)).args(flag);
                let o = cmd.output().unwrap();
                assert!(o.status.success(), "osbox compose {name}: {}", String::from_utf8_lossy(&o.stderr));
            }
        }
        out
    })
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Host {
    Osbox,
    Wasmtime,
    Node,
}

const HOSTS: [Host; 3] = [Host::Osbox, Host::Wasmtime, Host::Node];

impl Host {
    /// Whether the osbox host extension is there (chmod, statvfs, ...).
    fn full(self) -> bool {
        self == Host::Osbox
    }
}

/// One run of an example: its exit status (0 or not) and output.
#[derive(Debug)]
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// What a run is given: the host directory granted at `/d`, the
/// environment, the arguments and standard input.
struct Job<'a> {
    dir: &'a Path,
    env: &'a [(&'a str, &'a str)],
    args: &'a [&'a str],
    stdin: &'a [u8],
}

fn run(host: Host, name: &str, job: &Job) -> Run {
    let file = |suffix: &str| composed().join(format!("{name}{suffix}.wasm"));
    let grant = format!("{}::/d", job.dir.display());
    let mut cmd = match host {
        Host::Wasmtime => return run_wasmtime(&file(".portable"), name, job),
        Host::Osbox => {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_osbox"));
            cmd.args(["--dir", &grant]);
            for (k, v) in job.env {
                cmd.arg("--env").arg(format!("{k}={v}"));
            }
            cmd.arg("run").arg(file(""));
            cmd
        }
        Host::Node => {
            let mut cmd = Command::new("node");
            cmd.arg(node_modules().join("run.mjs")).args(["--dir", &grant]);
            for (k, v) in job.env {
                cmd.arg("--env").arg(format!("{k}={v}"));
            }
            cmd.arg(file(".portable"));
            cmd
        }
    };
    let mut child = cmd
        .args(job.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{host:?} runs: {e}"));
    // A program may end without reading its input (`uploads` refusing a
    // name): a closed pipe here is its answer, not the test's failure.
    if let Err(e) = child.stdin.take().unwrap().write_all(job.stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{host:?} {name}: {e}");
    }
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!stderr.contains("run failed"), "{host:?} {name} trapped: {stderr}");
    Run { ok: o.status.success(), stdout: String::from_utf8_lossy(&o.stdout).into_owned(), stderr }
}

/// examples/node with its packages installed (on first use, as the
/// lockfile pins them; see .ci/run).
fn node_modules() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = repo().join("examples/node");
        if !dir.join("node_modules/@bytecodealliance/jco").is_dir() {
            let status = Command::new("npm")
                .args(["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .status()
                .expect("npm (Node.js) is installed: .ci/run installs it");
            assert!(status.success(), "npm install in examples/node failed");
        }
        dir
    })
}

/// What `wasmtime run --dir HOST::/d --env K=V app.wasm ARGS` does: a
/// command component on wasmtime-wasi alone, nothing of osbox's host.
fn run_wasmtime(wasm: &Path, name: &str, job: &Job) -> Run {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    static COMPILED: OnceLock<Mutex<HashMap<PathBuf, Component>>> = OnceLock::new();
    let engine = ENGINE.get_or_init(Engine::default);
    let component = {
        let cache = COMPILED.get_or_init(Default::default);
        let mut cache = cache.lock().unwrap();
        cache.entry(wasm.to_path_buf()).or_insert_with(|| Component::from_file(engine, wasm).unwrap()).clone()
    };
    let mut linker = Linker::<Plain>::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let (out, err) = (MemoryOutputPipe::new(1 << 20), MemoryOutputPipe::new(1 << 20));
    let mut wasi = WasiCtxBuilder::new();
    wasi.preopened_dir(job.dir, "/d", FsPerms::ReadWrite).unwrap();
    wasi.envs(job.env).stdin(MemoryInputPipe::new(job.stdin.to_vec())).stdout(out.clone()).stderr(err.clone());
    let argv: Vec<&str> = std::iter::once(name).chain(job.args.iter().copied()).collect();
    wasi.args(&argv);
    let mut store = Store::new(engine, Plain::new(wasi.build()));
    let command = wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &component, &linker)
        .expect("the portable build needs only WASI");
    let ok = match command.wasi_cli_run().call_run(&mut store) {
        Ok(r) => r.is_ok(),
        Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => exit.0 == 0,
            None => panic!("{name} trapped: {e:?}"),
        },
    };
    let text = |p: &MemoryOutputPipe| String::from_utf8_lossy(&p.contents()).into_owned();
    Run { ok, stdout: text(&out), stderr: text(&err) }
}

fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn job<'a>(dir: &'a Path, args: &'a [&'a str]) -> Job<'a> {
    Job { dir, env: &[], args, stdin: b"" }
}

#[test]
fn composed_components_import_what_their_host_provides() {
    let engine = Engine::default();
    for name in NAMES {
        for (suffix, host_import) in [("", true), (".portable", false)] {
            let c = Component::from_file(&engine, composed().join(format!("{name}{suffix}.wasm"))).unwrap();
            let imports: Vec<String> = c.component_type().imports(&engine).map(|(n, _)| n.to_string()).collect();
            assert!(imports.iter().all(|i| i.starts_with("wasi:") || i.starts_with("osbox:os/")), "{imports:?}");
            assert!(!imports.iter().any(|i| i.starts_with("osbox:os/fs")), "the surface is inside: {imports:?}");
            assert_eq!(
                imports.iter().any(|i| i.starts_with("osbox:os/host")),
                host_import,
                "{name}{suffix}: {imports:?}"
            );
            let exports: Vec<String> = c.component_type().exports(&engine).map(|(n, _)| n.to_string()).collect();
            assert!(exports.iter().any(|e| e.starts_with("wasi:cli/run@")), "{exports:?}");
        }
    }
}

#[test]
fn backup_copies_a_tree_into_a_stamped_directory() {
    for host in HOSTS {
        let dir = tempdir();
        let d = dir.path();
        write(&d.join("app/a.txt"), "alpha\n");
        write(&d.join("app/sub/b.txt"), "beta\n");
        std::os::unix::fs::symlink("a.txt", d.join("app/link")).unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        std::fs::File::options().write(true).open(d.join("app/a.txt")).unwrap().set_modified(old).unwrap();
        std::fs::create_dir(d.join("backups")).unwrap();

        let r = run(host, "backup", &job(d, &["/d/app", "/d/backups"]));
        assert!(r.ok, "{host:?}: {r:?}");
        for line in [
            "copied a.txt (6 bytes)",
            "copied link (5 bytes)",
            "copied sub/b.txt (5 bytes)",
            "backed up 3 files, 16 bytes",
        ] {
            assert!(r.stdout.contains(line), "{host:?} {line:?}: {}", r.stdout);
        }
        let made: Vec<_> = std::fs::read_dir(d.join("backups")).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(made.len(), 1, "{host:?}");
        let stamp = made[0].file_name().unwrap().to_str().unwrap().strip_prefix("backup_").unwrap().to_string();
        assert!(
            stamp.len() == 15
                && stamp.as_bytes()[8] == b'_'
                && stamp.replace('_', "").bytes().all(|b| b.is_ascii_digit()),
            "{stamp}"
        );
        assert_eq!(snapshot(&made[0]), snapshot(&d.join("app")), "{host:?}: the copy is the tree, links as links");
        let copied = std::fs::metadata(made[0].join("a.txt")).unwrap().modified().unwrap();
        assert_eq!(copied, old, "{host:?}: copy2 keeps the mtime");

        let r = run(host, "backup", &job(d, &["/d/missing", "/d/backups"]));
        assert!(!r.ok, "{host:?}");
        assert!(
            r.stderr.contains("FileNotFoundError: [Errno 2] No such file or directory: '/d/missing'"),
            "{host:?}: {r:?}"
        );
    }
}

#[test]
fn csv_summary_summarises_every_csv_and_reports_bad_ones() {
    let expected = "\
bad.csv: skipped: row 3 has 1 fields, the header has 2
sales.csv: 3 rows, 3 columns
  region: 3 values, 2 distinct
  amount: 3 numbers, sum 60.5, min 10, max 30, mean 20.1667
  note: 3 values, 3 distinct
total: 1 files, 3 rows
";
    for host in HOSTS {
        let dir = tempdir();
        let d = dir.path();
        write(
            &d.join("data/sales.csv"),
            "region,amount,note\r\nnorth,10,\"a, b\"\r\nsouth,20.5,x\r\nnorth,30,\"say \"\"hi\"\"\"\r\n",
        );
        write(&d.join("data/bad.csv"), "a,b\n1,2\n3\n");
        write(&d.join("data/notes.txt"), "not a csv");
        write(&d.join("data/summary.txt"), "old summary");
        let r = run(host, "csv-summary", &job(d, &["/d/data"]));
        assert!(!r.ok, "{host:?}: a skipped file fails the run");
        assert!(r.stderr.contains("skipped bad.csv: row 3 has 1 fields"), "{host:?}: {r:?}");
        assert_eq!(std::fs::read_to_string(d.join("data/summary.txt")).unwrap(), expected, "{host:?}");
        assert!(r.stdout.contains("summary written to /d/data/summary.txt"), "{host:?}");
        let left: Vec<_> = std::fs::read_dir(d.join("data")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 4, "{host:?}: no temporary file left: {left:?}");

        std::fs::remove_file(d.join("data/bad.csv")).unwrap();
        let r = run(host, "csv-summary", &job(d, &["/d/data", "/d/out.txt"]));
        assert!(r.ok, "{host:?}: {r:?}");
        assert!(std::fs::read_to_string(d.join("out.txt")).unwrap().ends_with("total: 1 files, 3 rows\n"));
    }
}

#[test]
fn deploy_makes_a_release_current_with_permissions_and_settings() {
    for host in HOSTS {
        let dir = tempdir();
        let d = dir.path();
        write(&d.join("app/VERSION"), "1.2.3\n");
        write(&d.join("app/bin/run"), "#!/bin/sh\n");
        write(&d.join("app/config.ini"), "[app]\n");
        write(&d.join("app/cache.pyc"), "junk");
        for f in ["bin/run", "config.ini"] {
            std::fs::set_permissions(d.join("app").join(f), std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let env = [("DEPLOY_ENV", "staging")];
        let r = run(host, "deploy", &Job { env: &env, ..job(d, &["/d/app", "/d/site"]) });
        assert!(r.ok, "{host:?}: {r:?}");
        let release = d.join("site/releases/1.2.3");
        assert_eq!(std::fs::read_link(d.join("site/current")).unwrap(), Path::new("releases/1.2.3"), "{host:?}");
        assert_eq!(
            std::fs::read_to_string(release.join(".deploy.env")).unwrap(),
            "DEPLOY_ENV=staging\nAPP_VERSION=1.2.3\n"
        );
        assert_eq!(std::fs::read_to_string(release.join("bin/run")).unwrap(), "#!/bin/sh\n");
        assert!(!release.join("cache.pyc").exists(), "{host:?}: ignored patterns are not deployed");
        if host.full() {
            assert_eq!((mode(&release.join("bin/run")), mode(&release.join("config.ini"))), (0o755, 0o644), "{host:?}");
            assert!(r.stdout.contains("permissions: files 644, bin/ 755, directories 755"), "{}", r.stdout);
        } else {
            assert!(
                r.stdout.contains("permissions: not set, this host has no chmod ([Errno 38] Function not implemented"),
                "{host:?}: {}",
                r.stdout
            );
        }

        // The same version again is refused, and changes nothing.
        let before = snapshot(&d.join("site"));
        let r = run(host, "deploy", &Job { env: &env, ..job(d, &["/d/app", "/d/site"]) });
        assert!(
            !r.ok && r.stderr.contains("FileExistsError: [Errno 17] File exists: '/d/site/releases/1.2.3'"),
            "{host:?}: {r:?}"
        );
        assert_eq!(snapshot(&d.join("site")), before, "{host:?}");

        // Newer versions; two kept.
        for v in ["2.0", "3.0"] {
            let env = [("APP_VERSION", v), ("DEPLOY_KEEP", "2")];
            let r = run(host, "deploy", &Job { env: &env, ..job(d, &["/d/app", "/d/site"]) });
            assert!(r.ok, "{host:?} {v}: {r:?}");
        }
        let mut releases: Vec<_> =
            std::fs::read_dir(d.join("site/releases")).unwrap().map(|e| e.unwrap().file_name()).collect();
        releases.sort();
        assert_eq!(releases, ["2.0", "3.0"], "{host:?}");
        assert_eq!(std::fs::read_link(d.join("site/current")).unwrap(), Path::new("releases/3.0"));

        // A version that would climb out of releases/ is refused.
        let env = [("APP_VERSION", "../../escape")];
        let r = run(host, "deploy", &Job { env: &env, ..job(d, &["/d/app", "/d/site"]) });
        assert!(!r.ok && r.stderr.contains("ValueError: unusable version"), "{host:?}: {r:?}");
    }
}

#[test]
fn health_reports_disk_and_directories() {
    for host in HOSTS {
        let dir = tempdir();
        let d = dir.path();
        write(&d.join("srv/logs/a.log"), "0123456789");
        write(&d.join("srv/logs/old/b.log"), "0123");
        write(&d.join("srv/data/x"), "x");
        std::fs::create_dir(d.join("srv/empty")).unwrap();
        let r = run(host, "health", &job(d, &["/d/srv", "logs", "data", "empty", "missing"]));
        assert!(!r.ok, "{host:?}: problems found");
        let lines: Vec<&str> = r.stdout.lines().collect();
        assert_eq!(lines[0], "health report for /d/srv");
        if host.full() {
            assert!(lines[1].starts_with("OK   disk: ") || lines[1].starts_with("WARN disk: "), "{}", lines[1]);
            assert!(lines[1].contains("% free, minimum 10%"), "{}", lines[1]);
        } else {
            assert!(
                lines[1].starts_with("---- disk: unknown on this host ([Errno 38] Function not implemented"),
                "{}",
                lines[1]
            );
        }
        assert!(
            lines[2].starts_with("OK   logs: 2 files, 1 directories, 14 B, largest a.log (10 B), newest change "),
            "{host:?}: {}",
            lines[2]
        );
        assert!(lines[3].starts_with("OK   data: 1 files, 0 directories, 1 B, largest x (1 B)"), "{}", lines[3]);
        assert_eq!(&lines[4..], ["WARN empty: empty", "FAIL missing: missing", "problems found"], "{host:?}");

        let r =
            run(host, "health", &Job { env: &[("HEALTH_MIN_FREE_PCT", "0")], ..job(d, &["/d/srv", "logs", "data"]) });
        assert!(r.ok && r.stdout.ends_with("healthy\n"), "{host:?}: {r:?}");
    }
}

#[test]
fn logrotate_shifts_numbered_logs_and_drops_the_oldest() {
    for host in HOSTS {
        let dir = tempdir();
        let d = dir.path();
        let big = "x".repeat(3000);
        write(&d.join("logs/app.log"), &big);
        write(&d.join("logs/app.log.1"), "one");
        write(&d.join("logs/app.log.2"), "two");
        write(&d.join("logs/small.log"), "small");
        let r = run(host, "logrotate", &job(d, &["/d/logs", "1000", "3"]));
        assert!(r.ok, "{host:?}: {r:?}");
        assert_eq!(
            r.stdout,
            "rotated app.log (3000 bytes) -> app.log.1\nkept small.log (5 bytes)\n1 rotated, 1 kept\n"
        );
        let read = |n: &str| std::fs::read_to_string(d.join("logs").join(n)).unwrap();
        assert_eq!(
            [read("app.log"), read("app.log.1"), read("app.log.2"), read("app.log.3")],
            ["", &big, "one", "two"]
        );

        write(&d.join("logs/app.log"), &"y".repeat(2000));
        let r = run(host, "logrotate", &job(d, &["/d/logs", "1000", "3"]));
        assert!(r.ok && r.stdout.starts_with("removed app.log.3\nrotated app.log (2000 bytes)"), "{host:?}: {r:?}");
        assert_eq!([read("app.log.2"), read("app.log.3")], [big.as_str(), "one"]);
        assert!(!d.join("logs/app.log.4").exists());

        let r = run(host, "logrotate", &job(d, &["/d/nowhere"]));
        assert!(
            !r.ok && r.stderr.contains("FileNotFoundError: [Errno 2] No such file or directory: '/d/nowhere'"),
            "{r:?}"
        );
    }
}

#[test]
fn uploads_stores_safe_names_and_rejects_traversal() {
    for host in HOSTS {
        let dir = tempdir();
        let d = dir.path();
        std::fs::create_dir_all(d.join("up")).unwrap();
        std::fs::create_dir_all(d.join("outside")).unwrap();
        std::os::unix::fs::symlink("../outside", d.join("up/out")).unwrap();
        let store =
            |name: &str, data: &[u8]| run(host, "uploads", &Job { stdin: data, ..job(d, &["/d/up", "store", name]) });

        let r = store("reports/2026/q1.txt", b"quarter one\n");
        assert!(r.ok && r.stdout == "stored reports/2026/q1.txt (12 bytes)\n", "{host:?}: {r:?}");
        assert_eq!(std::fs::read(d.join("up/reports/2026/q1.txt")).unwrap(), b"quarter one\n");
        let r = run(host, "uploads", &job(d, &["/d/up", "fetch", "reports/2026/q1.txt"]));
        assert!(r.ok && r.stdout == "quarter one\n", "{host:?}: {r:?}");

        let before = snapshot(d);
        for (name, why) in [
            ("../evil", "it climbs out with '..'"),
            ("reports/../../evil", "it climbs out with '..'"),
            ("/d/outside/evil", "it is an absolute path"),
            ("", "it is empty"),
            ("out/evil", "it leads outside the upload directory"),
            ("out", "it leads outside the upload directory"),
        ] {
            let r = store(name, b"payload");
            assert!(!r.ok, "{host:?} {name:?}");
            let expected = format!("uploads: ValueError: unsafe upload name {name:?}: {why}");
            assert!(r.stderr.contains(&expected), "{host:?} {name:?}: {r:?}");
        }
        assert_eq!(snapshot(d), before, "{host:?}: a rejected upload writes nothing");

        let r = run(host, "uploads", &job(d, &["/d/up", "list"]));
        // The link to a directory is not an upload: walk lists it with the directories.
        assert_eq!(r.stdout, "reports/2026/q1.txt\t12\n", "{host:?}");
        let r = run(host, "uploads", &job(d, &["/d/up", "remove", "reports/2026/q1.txt"]));
        assert!(r.ok && !d.join("up/reports/2026/q1.txt").exists(), "{host:?}: {r:?}");
    }
}

/// A Python with wasmtime-py (examples/python/requirements.txt), in a
/// virtual environment made on first use.
fn python_with_wasmtime() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-venv");
    let python = venv.join("bin/python");
    let ready = |p: &Path| Command::new(p).args(["-c", "import wasmtime"]).output().is_ok_and(|o| o.status.success());
    if !ready(&python) {
        let made = Command::new("python3").arg("-m").arg("venv").arg(&venv).status().expect("python3 runs");
        assert!(made.success(), "python3 -m venv failed");
        let requirements = repo().join("examples/python/requirements.txt");
        let installed = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(requirements)
            .status()
            .unwrap();
        assert!(installed.success() && ready(&python), "pip install wasmtime failed");
    }
    python
}

#[test]
fn python_programs_use_the_sandboxed_os_through_wasmtime_py() {
    let python = python_with_wasmtime();
    let wasm = Path::new(env!("CARGO_TARGET_TMPDIR")).join("osbox.portable.wasm");
    let o = Command::new(env!("CARGO_BIN_EXE_osbox")).args(["guest", "--portable", "-o"]).arg(&wasm).output().unwrap();
    assert!(o.status.success());
    let here = repo().join("examples/python");
    let o = Command::new(&python)
        .args(["-m", "unittest", "-v", "test_sandboxed_os"])
        .current_dir(&here)
        .env("OSBOX_WASM", &wasm)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{report}");
    assert!(report.contains("Ran 8 tests") && report.trim_end().ends_with("OK"), "{report}");

    let dir = tempdir();
    let o = Command::new(&python).arg(here.join("demo.py")).arg(&wasm).arg(dir.path()).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    for line in [
        "/data/demo/copy [] ['hello.txt']",
        "size: 23",
        "outside the grant: [Errno 2] No such file or directory: '/etc/passwd'",
        "again: [Errno 17] File exists: '/data/demo'",
        "needs the osbox host: [Errno 38] Function not implemented: '/data'",
    ] {
        assert!(out.lines().any(|l| l == line), "{line:?} in {out}");
    }
    assert_eq!(std::fs::read_to_string(dir.path().join("demo/copy/hello.txt")).unwrap(), "hello from the sandbox\n");
}

#[test]
fn the_embedding_example_serves_many_tenants_from_many_threads() {
    // cargo test builds the examples beside the test binary's directory.
    let exe = std::env::current_exe().unwrap();
    let example = exe.parent().and_then(Path::parent).unwrap().join("examples/tenants");
    assert!(example.is_file(), "{} is built by cargo test", example.display());
    let root = tempdir();
    let o = Command::new(&example).arg(root.path()).args(["6", "4", "120"]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.starts_with("120 jobs for 6 tenants on 4 threads in "), "{out}");
    for t in 0..6 {
        assert!(out.contains(&format!("tenant-{t:02}: 20 jobs, 20 reports")), "{out}");
        let reports = std::fs::read_dir(root.path().join(format!("tenant-{t:02}/reports"))).unwrap().count();
        assert_eq!(reports, 20);
    }
}
