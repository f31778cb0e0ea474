//! Shared by every test: one `Runtime` per test process, fresh temporary
//! directories with a planted tree, and snapshots of trees to compare.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use osbox::{Os, Runtime};
use serde_json::Value;

/// The runtime shared by all tests (compiling the guest once).
pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::new().expect("runtime"))
}

/// A sandbox over one temporary directory at `/work`, cwd `/work`.
pub fn work_os(dir: &Path) -> Os {
    runtime().sandbox().dir(dir, "/work").cwd("/work").build().expect("sandbox").os().expect("instance")
}

/// A fresh temporary directory, removed on drop.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf()
}

/// A fixed mtime for planted files, so both sides of a comparison agree.
pub const PLANTED_MTIME: u64 = 1_000_000_000;

/// Plants a tree described as JSON: `{"files": {"a/f": "text"}, "dirs":
/// ["d"], "links": {"l": "target"}}`. Parents are created as needed.
pub fn plant(root: &Path, setup: &Value) {
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(PLANTED_MTIME);
    if let Some(dirs) = setup.get("dirs").and_then(Value::as_array) {
        for d in dirs {
            std::fs::create_dir_all(root.join(d.as_str().expect("dir name"))).expect("plant dir");
        }
    }
    if let Some(files) = setup.get("files").and_then(Value::as_object) {
        for (name, content) in files {
            let path = root.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("plant parent");
            }
            std::fs::write(&path, content.as_str().unwrap_or_default()).expect("plant file");
            std::fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(mtime)).expect("mtime");
        }
    }
    if let Some(links) = setup.get("links").and_then(Value::as_object) {
        for (name, target) in links {
            let path = root.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("plant parent");
            }
            std::os::unix::fs::symlink(target.as_str().expect("link target"), &path).expect("plant link");
        }
    }
}

/// One node of a snapshot: its type and content (file bytes, link target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
    Other,
}

/// Every path under `root` (relative) with its node, not following links.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Node> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Node>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        let rel = path.strip_prefix(root).expect("under root").to_path_buf();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        let node = if meta.file_type().is_symlink() {
            Node::Link(std::fs::read_link(&path).unwrap_or_default())
        } else if meta.is_dir() {
            walk(root, &path, out);
            Node::Dir
        } else if meta.is_file() {
            Node::File(std::fs::read(&path).unwrap_or_default())
        } else {
            Node::Other
        };
        out.insert(rel, node);
    }
}

/// The differences between two snapshots, one line each.
pub fn tree_diff(expected: &BTreeMap<PathBuf, Node>, actual: &BTreeMap<PathBuf, Node>) -> Vec<String> {
    let mut diff = Vec::new();
    for (p, n) in expected {
        match actual.get(p) {
            None => diff.push(format!("missing in osbox: {} ({n:?})", p.display())),
            Some(m) if m != n => diff.push(format!("differs: {} cpython {n:?} osbox {m:?}", p.display())),
            _ => {}
        }
    }
    for (p, n) in actual {
        if !expected.contains_key(p) {
            diff.push(format!("only in osbox: {} ({n:?})", p.display()));
        }
    }
    diff
}

/// A store's data on plain wasmtime-wasi, with nothing of osbox's host: what
/// `wasmtime run` gives a component.
pub struct Plain {
    ctx: wasmtime_wasi::WasiCtx,
    table: wasmtime::component::ResourceTable,
}

impl Plain {
    pub fn new(ctx: wasmtime_wasi::WasiCtx) -> Plain {
        Plain { ctx, table: wasmtime::component::ResourceTable::new() }
    }
}

impl wasmtime_wasi::WasiView for Plain {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        wasmtime_wasi::WasiCtxView { ctx: &mut self.ctx, table: &mut self.table }
    }
}

/// The WASI command the tests run as a sandboxed subprocess and under
/// `osbox run` (`tests/command`), built for wasm32-wasip2 on first use into
/// a target directory of the tests' own.
pub fn test_command() -> &'static Path {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixtures");
        let status = std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--quiet", "--release", "--target", "wasm32-wasip2", "--package", "osbox-test-command"])
            .current_dir(repo())
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the test command (tests/command) for wasm32-wasip2 failed");
        target.join("wasm32-wasip2/release/osbox-test-command.wasm")
    })
}
