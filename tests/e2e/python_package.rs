//! The Python package (python/): `pip install ./python` into a virtual
//! environment the suite makes on first use, then its pytest suite, which
//! runs the everyday scripts against the real modules and in a sandbox.
//!
//! The package is built by maturin as `pip install` builds it, but in the
//! dev profile (`MATURIN_PEP517_ARGS`) and into this workspace's target
//! directory, so it reuses the osbox library `cargo test` has just built
//! and compiles only its own crate.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::repo;

/// A virtual environment with pytest, made on first use.
fn venv() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-osbox-venv");
    let python = venv.join("bin/python");
    let ready = |p: &Path| Command::new(p).args(["-c", "import pytest"]).output().is_ok_and(|o| o.status.success());
    if !ready(&python) {
        let made = Command::new("python3").arg("-m").arg("venv").arg(&venv).status().expect("python3 runs");
        assert!(made.success(), "python3 -m venv failed");
        let pytest = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "pytest>=7"])
            .status()
            .unwrap();
        assert!(pytest.success() && ready(&python), "pip install pytest failed");
    }
    python
}

#[test]
fn the_python_package_installs_with_pip_and_passes_its_tests() {
    let python = venv();
    let installed = Command::new(&python)
        .args(["-m", "pip", "install", "--verbose", "--disable-pip-version-check", "--force-reinstall", "--no-deps"])
        .arg(repo().join("python"))
        .env("MATURIN_PEP517_ARGS", "--profile dev")
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&installed.stdout), String::from_utf8_lossy(&installed.stderr));
    assert!(installed.status.success(), "pip install ./python: {log}");
    // wasmtime comes from this test run's build: were the package's
    // dependency features to drift from the workspace's, maturin would
    // compile a second variant of it (python/Cargo.toml says how the two
    // are kept alike). The osbox library itself may be rebuilt when the
    // outer build's CARGO_INCREMENTAL does not reach this one.
    let again: Vec<&str> = log.lines().map(str::trim).filter(|l| l.starts_with("Compiling wasmtime v")).collect();
    assert!(again.is_empty(), "maturin compiled wasmtime again: {again:?}");

    // From the tests' folder, so that `import osbox` is the installed
    // package and not the sources beside it.
    let o = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .current_dir(repo().join("python/tests"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{report}{}", String::from_utf8_lossy(&o.stderr));
    let summary = report.lines().last().unwrap_or_default();
    assert!(summary.contains(" passed") && !summary.contains("failed") && !summary.contains("skipped"), "{report}");
}
