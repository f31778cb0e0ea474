//! Link settings of the guest component.

fn main() {
    // Tree operations recurse as CPython's do, up to its recursion limit
    // (`error::Depth`), where they raise RecursionError: the stack must hold
    // that many levels, more than Rust's 1 MiB default for wasm allows.
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg=-zstack-size=8388608");
    }
}
