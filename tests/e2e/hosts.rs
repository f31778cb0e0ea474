//! Every host answers as Linux does: the Windows build of the osbox
//! command (x86_64-pc-windows-gnu), run under Wine, walks the README's
//! sample tree and answers an `osbox exec` session exactly as the Linux
//! build does, but for what docs/deviations.md says differs by host. The
//! Windows build is made on first use beside the Linux one; it needs the
//! Rust target, Debian's mingw-w64 and Wine, which `.ci/run` installs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use crate::harness::{repo, tempdir};

const WINDOWS: &str = "x86_64-pc-windows-gnu";

/// `osbox.exe`, built in the dev profile into the tests' target directory.
fn windows_osbox() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let linux = Path::new(env!("CARGO_BIN_EXE_osbox"));
        let target = linux.parent().and_then(Path::parent).expect("the target directory");
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--quiet", "--package", "osbox-cli", "--target", WINDOWS])
            .current_dir(repo())
            .env("CARGO_TARGET_DIR", target)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "building osbox for {WINDOWS} failed: it needs `rustup target add {WINDOWS}` and Debian's \
             gcc-mingw-w64-x86-64 (.ci/run installs both)"
        );
        let exe = target.join(WINDOWS).join("debug/osbox.exe");
        // Wine's prefix, made once before the tests run Wine side by side,
        // with the library Rust's standard library needs and Wine 8 lacks
        // (tests/wine/bcryptprimitives.c).
        let made = wine().args(["wineboot", "--init"]).status().unwrap_or_else(|e| {
            panic!("Wine runs the Windows build ({e}): apt-get install wine wine64 (.ci/run installs it)")
        });
        assert!(made.success(), "wineboot --init failed");
        let dll = wine_prefix().join("drive_c/windows/system32/bcryptprimitives.dll");
        let built = Command::new("x86_64-w64-mingw32-gcc")
            .args(["-shared", "-O2", "-o"])
            .arg(&dll)
            .arg(repo().join("tests/wine/bcryptprimitives.c"))
            .arg("-ladvapi32")
            .status()
            .expect("mingw-w64's gcc runs");
        assert!(built.success(), "building {} failed", dll.display());
        let started = wine().arg(&exe).arg("--version").output().expect("wine runs");
        assert!(
            started.status.success(),
            "osbox.exe --version under Wine: {}",
            String::from_utf8_lossy(&started.stderr)
        );
        exe
    })
}

/// The tests' own Wine prefix.
fn wine_prefix() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("wine")
}

/// `wine` in the tests' prefix, with its diagnostics off.
fn wine() -> Command {
    let mut cmd = Command::new("wine");
    cmd.env("WINEPREFIX", wine_prefix())
        .env("WINEDEBUG", "-all")
        .env_remove("DISPLAY")
        .env_remove("OSBOX_CACHE_DIR")
        .current_dir(repo());
    cmd
}

/// The Linux build and the Windows one (under Wine), to run alike.
fn builds() -> [Command; 2] {
    let mut linux = Command::new(env!("CARGO_BIN_EXE_osbox"));
    linux.env_remove("OSBOX_CACHE_DIR").current_dir(repo());
    let mut windows = wine();
    windows.arg(windows_osbox());
    [linux, windows]
}

/// Runs `cmd` with `args` and `stdin`.
fn run(mut cmd: Command, args: &[String], stdin: &str) -> Output {
    let mut child =
        cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn windows_build_walks_the_sample_tree_as_linux_does() {
    let grant = format!("{}::/sample", repo().join("examples/sample-tree").display());
    let args = ["--ro-dir".into(), grant, "call".into(), "os.walk".into(), "/sample".into()];
    let [linux, windows] = builds().map(|cmd| run(cmd, &args, ""));
    assert!(linux.status.success(), "{}", String::from_utf8_lossy(&linux.stderr));
    assert!(windows.status.success(), "{}", String::from_utf8_lossy(&windows.stderr));
    let shown = String::from_utf8(linux.stdout).unwrap();
    assert!(shown.contains("settings.toml"), "the walk shows the tree: {shown}");
    assert_eq!(String::from_utf8(windows.stdout).unwrap(), shown);
}

/// The lines of the exec session, each with whether its answer is the
/// host's own (compared by shape only).
const SESSION: &[(&str, bool)] = &[
    (r#"{"call":"os.makedirs","args":["a/b"]}"#, false),
    (r#"{"call":"os.listdir","args":["a"]}"#, false),
    (r#"{"call":"os.rmdir","args":["a"]}"#, false),
    (r#"{"call":"os.mkdir","args":["a"]}"#, false),
    (r#"{"call":"os.stat","args":["nope"]}"#, false),
    (r#"{"call":"os.open","args":["a/f",65]}"#, false),
    (r#"{"call":"os.write","args":[3,{"$bytes":"aGkK"}]}"#, false),
    (r#"{"call":"os.close","args":[3]}"#, false),
    (r#"{"call":"os.chmod","args":["a/f",292]}"#, false),
    (r#"{"call":"os.stat","args":["a/f"]}"#, false),
    (r#"{"call":"os.chmod","args":["a/f",420]}"#, false),
    (r#"{"call":"shutil.copy","args":["a/f","g"]}"#, false),
    (r#"{"call":"os.path.getsize","args":["g"]}"#, false),
    (r#"{"call":"os.rename","args":["g","a/b/h"]}"#, false),
    (r#"{"call":"os.listdir","args":["a/b"]}"#, false),
    (r#"{"call":"shutil.rmtree","args":["a"]}"#, false),
    (r#"{"call":"os.listdir","args":["."]}"#, false),
    (r#"{"call":"os.statvfs","args":["."]}"#, true),
    (r#"{"call":"shutil.disk_usage","args":["."]}"#, true),
];

/// What of an answer every host gives alike: a status's type, permission
/// bits, size and link count (not its inode, device or times).
fn alike(answer: &Value) -> Value {
    match answer.pointer("/ok/$stat") {
        Some(st) => serde_json::json!([st["st_mode"], st["st_size"], st["st_nlink"]]),
        None => answer.clone(),
    }
}

#[test]
fn windows_build_answers_an_exec_session_as_linux_does() {
    let dir = tempdir();
    // One directory per build, the same tree in each.
    let grants: Vec<PathBuf> = ["linux", "windows"].iter().map(|n| dir.path().join(n)).collect();
    let mut answers = Vec::new();
    let stdin: String = SESSION.iter().map(|(line, _)| format!("{line}\n")).collect();
    for (cmd, grant) in builds().into_iter().zip(&grants) {
        std::fs::create_dir(grant).unwrap();
        let args = ["--dir".to_string(), format!("{}::/work", grant.display()), "exec".into()];
        let out = run(cmd, &args, &stdin);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let lines: Vec<Value> =
            String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), SESSION.len());
        answers.push(lines);
    }
    let (linux, windows) = (&answers[0], &answers[1]);
    assert_eq!(linux[2]["error"]["errno"], 39, "the session's own answers: {linux:?}");
    for (i, (line, host_own)) in SESSION.iter().enumerate() {
        if *host_own {
            let numbers = |v: &Value| v["ok"].as_array().map(|a| a.iter().all(Value::is_u64));
            assert_eq!(numbers(&windows[i]), Some(true), "{line}: {}", windows[i]);
            assert_eq!(windows[i]["ok"].as_array().map(Vec::len), linux[i]["ok"].as_array().map(Vec::len), "{line}");
        } else {
            assert_eq!(alike(&windows[i]), alike(&linux[i]), "{line}");
        }
    }
}

#[test]
fn windows_build_runs_granted_programs_with_linux_return_codes() {
    let dir = tempdir();
    let session = [
        r#"{"call":"subprocess.Popen","args":[["cmd","/c","more"]],"kwargs":{"stdin":-1,"stdout":-1}}"#,
        r#"{"call":"subprocess.Popen.communicate","args":[{"$obj":1}],"kwargs":{"input":{"$bytes":"aGkK"},"timeout":30}}"#,
        r#"{"call":"subprocess.Popen","args":[["cmd","/c","more"]],"kwargs":{"stdin":-1}}"#,
        r#"{"call":"subprocess.Popen.terminate","args":[{"$obj":2}]}"#,
        r#"{"call":"subprocess.Popen.wait","args":[{"$obj":2}],"kwargs":{"timeout":30}}"#,
        r#"{"call":"os.kill","args":[1,0]}"#,
    ];
    let stdin: String = session.iter().map(|l| format!("{l}\n")).collect();
    let [_, windows] = builds();
    let args =
        ["--dir".into(), format!("{}::/work", dir.path().display()), "--allow-run".into(), "cmd".into(), "exec".into()];
    let out = run(windows, &args, &stdin);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answers: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // What the child read came back; a terminated child's return code is
    // minus SIGTERM; a process not the sandbox's is not there.
    assert_eq!(answers[1]["ok"][0]["$bytes"], "aGkK", "{answers:?}");
    assert_eq!(answers[4]["ok"], -15, "{answers:?}");
    assert_eq!(answers[5]["error"]["errno"], 3, "{answers:?}");
}
