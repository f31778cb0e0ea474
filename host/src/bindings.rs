//! The generated bindings of the `osbox:os/os` world, kept private: the
//! public surface is `Os` and the types in `types.rs`.

wasmtime::component::bindgen!({
    world: "os",
    path: "../wit",
    require_store_data_send: true,
    with: {
        "wasi": wasmtime_wasi::p2::bindings,
    },
});
