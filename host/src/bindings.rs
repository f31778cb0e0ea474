//! The generated bindings of the `osbox:os/os` world, kept private: the
//! public surface is `Os` and the types in `types.rs`.

wasmtime::component::bindgen!({
    world: "os",
    path: "../wit",
    require_store_data_send: true,
    // A child killed at the sandbox's time limit ends the sandbox from
    // inside the host call, whatever the epoch says yet.
    imports: { "osbox:os/host.spawn": trappable },
    with: {
        "wasi": wasmtime_wasi::p2::bindings,
    },
});
