//! Builds the guest component (crate `osbox-guest`) for wasm32-wasip2 with a
//! nested cargo into its own target directory, so that the host embeds the
//! guest that matches its source. See wasmtime's test-programs/artifacts.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir.parent().expect("host/ sits in the workspace").to_path_buf();
    let target_dir = out_dir.join("guest-target");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    ensure_wasm_target();

    // The guest, and the standalone guest for WASI hosts other than osbox.
    // They share the target directory, so each is taken out as it is built.
    let built = target_dir.join("wasm32-wasip2/release/osbox_guest.wasm");
    build_guest(&cargo, &root, &target_dir, &[]);
    let bytes = std::fs::read(&built).unwrap_or_else(|e| panic!("{}: {e}", built.display()));
    let dest = out_dir.join("osbox_guest.wasm");
    std::fs::write(&dest, &bytes).expect("write the guest into OUT_DIR");
    println!("cargo:rustc-env=OSBOX_GUEST_WASM={}", dest.display());
    println!("cargo:rustc-env=OSBOX_GUEST_HASH={:016x}{:016x}", fnv1a(&bytes, 0), fnv1a(&bytes, 1));
    rerun_on_dep_info(&target_dir.join("wasm32-wasip2/release/osbox_guest.d"));

    build_guest(&cargo, &root, &target_dir, &["--features", "standalone"]);
    let standalone = out_dir.join("osbox_guest_standalone.wasm");
    std::fs::copy(&built, &standalone).expect("copy the standalone guest");
    println!("cargo:rustc-env=OSBOX_GUEST_STANDALONE_WASM={}", standalone.display());

    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    println!("cargo:rerun-if-changed={}", root.join("guest").display());
}

/// Builds the guest component (a cdylib) with `extra` cargo arguments.
fn build_guest(cargo: &std::ffi::OsStr, root: &Path, target_dir: &Path, extra: &[&str]) {
    let status = nested_cargo(cargo, root, target_dir)
        .args(["rustc", "--package", "osbox-guest", "--lib", "--crate-type", "cdylib"])
        .args(["--target", "wasm32-wasip2", "--release"])
        .args(extra)
        .status()
        .unwrap_or_else(|e| panic!("could not run {cargo:?} to build the guest: {e}"));
    if !status.success() {
        panic!(
            "building the osbox guest for wasm32-wasip2 failed; if the target is missing, run: \
             rustup target add wasm32-wasip2"
        );
    }
}

/// A cargo for wasm32-wasip2 builds into `target_dir`, without the outer
/// build's flags (they are for the host).
fn nested_cargo(cargo: &std::ffi::OsStr, root: &Path, target_dir: &Path) -> Command {
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .arg("--quiet")
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_MAKEFLAGS")
        // Not through `cargo clippy`'s wrapper: the guest is linted as a
        // workspace member of its own.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        // Without debug info: smaller, and quicker to compile.
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "debuginfo");
    cmd
}

/// Stops with one clear line when the wasm32-wasip2 standard library is
/// missing: rust-toolchain.toml names it, but rustup adds it only when it
/// installs the toolchain, and a build script does not change the toolchain.
fn ensure_wasm_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(&rustc).args(["--print", "sysroot"]).output().ok();
    let sysroot = sysroot.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    if !Path::new(&sysroot).join("lib/rustlib/wasm32-wasip2").is_dir() {
        panic!(
            "the osbox guest is built for wasm32-wasip2, which this toolchain lacks: run `rustup target add wasm32-wasip2`"
        );
    }
}

/// Re-runs this script when any source the guest was built from changes.
fn rerun_on_dep_info(d_file: &Path) {
    let Ok(text) = std::fs::read_to_string(d_file) else { return };
    let Some((_, deps)) = text.split_once(": ") else { return };
    for dep in deps.split_whitespace() {
        println!("cargo:rerun-if-changed={dep}");
    }
}

/// FNV-1a over the guest bytes, seeded twice for a 128-bit cache key.
fn fnv1a(bytes: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}
