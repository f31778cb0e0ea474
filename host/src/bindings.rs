//! The generated bindings of the `osbox:os/os` world, kept private: the
//! public surface is `Os` and the types in `types.rs`.

wasmtime::component::bindgen!({
    world: "os",
    path: "../wit",
    require_store_data_send: true,
    // The calls that wait for a child end the sandbox from inside the host
    // call at its time limit (or a child command component's, when it is
    // killed), whatever the epoch says yet.
    imports: {
        "osbox:os/host.ready": trappable,
        "osbox:os/host.[method]child.wait": trappable,
        "osbox:os/host.[method]pipe.read": trappable,
        "osbox:os/host.[method]pipe.write": trappable,
    },
    with: {
        "wasi": wasmtime_wasi::p2::bindings,
        "osbox:os/host.child": crate::hostext::ChildProcess,
        "osbox:os/host.pipe": crate::hostext::PipeEnd,
    },
});

use std::cell::OnceCell;
use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::{Instance, InstancePre};

/// The guest's exports, one interface at a time: each interface's functions
/// are looked up and type-checked on its first use in an instance, so an
/// instance that only stats pays for `fs` alone. Instantiation is most of
/// a short-lived sandbox's cost, and checking all 130 functions up front
/// was most of instantiation.
macro_rules! exports {
    ($($name:ident),* $(,)?) => {
        /// Where each interface's functions are, found once per runtime.
        pub(crate) struct Indices {
            $($name: exports::osbox::os::$name::GuestIndices,)*
        }

        impl Indices {
            pub(crate) fn new<T: 'static>(pre: &InstancePre<T>) -> wasmtime::Result<Indices> {
                Ok(Indices { $($name: exports::osbox::os::$name::GuestIndices::new(pre)?,)* })
            }
        }

        /// One instance's exports, loaded on first use.
        pub(crate) struct Exports {
            instance: Instance,
            indices: Arc<Indices>,
            $($name: OnceCell<exports::osbox::os::$name::Guest>,)*
        }

        impl Exports {
            pub(crate) fn new(instance: Instance, indices: Arc<Indices>) -> Exports {
                Exports { instance, indices, $($name: OnceCell::new(),)* }
            }

            $(
                /// The interface's functions in this instance.
                pub(crate) fn $name<T: 'static>(&self, store: &mut Store<T>) -> wasmtime::Result<&exports::osbox::os::$name::Guest> {
                    if let Some(g) = self.$name.get() {
                        return Ok(g);
                    }
                    let g = self.indices.$name.load(&mut *store, &self.instance)?;
                    Ok(self.$name.get_or_init(|| g))
                }
            )*
        }
    };
}

exports!(path, fs, file, env, shutil, tempfile, system, time, platform, sys, subprocess, direct);
