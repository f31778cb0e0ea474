//! Composition: plug the osbox component into a component that imports the
//! os surface (`osbox:os/fs`, `osbox:os/path`, ...), giving one component
//! that imports only what the osbox component itself imports. This is what
//! `wac plug consumer.wasm --plug osbox.wasm` does, with the osbox component
//! built into this crate.

use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, PlugError};

use crate::error::{Error, ErrorKind, Result};

/// The osbox component, built by build.rs from `guest/`: imports WASI and
/// the osbox host extension (`osbox:os/host`), which osbox's host provides.
pub(crate) static GUEST: &[u8] = include_bytes!(env!("OSBOX_GUEST_WASM"));

/// The same component built to import only WASI, for any WASI 0.2 host
/// (wasmtime, jco, wasmtime-py): what needs the host extension (chmod,
/// statvfs, spawning programs) raises `OSError(ENOSYS)` there.
static GUEST_PORTABLE: &[u8] = include_bytes!(env!("OSBOX_GUEST_STANDALONE_WASM"));

/// Which build of the osbox component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guest {
    /// Imports WASI and `osbox:os/host`: for `osbox run` and the osbox
    /// library, where every function works.
    Full,
    /// Imports only WASI: for `wasmtime run`, Node.js through jco, and any
    /// other WASI 0.2 host. Host-extension functions raise ENOSYS.
    Portable,
}

impl Guest {
    /// The component's bytes (`osbox guest` writes them out).
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Guest::Full => GUEST,
            Guest::Portable => GUEST_PORTABLE,
        }
    }
}

/// The package name of the os surface, as consumers import it.
const SURFACE: &str = "osbox:os/";

/// Whether `wasm` is a component that imports an interface the osbox
/// component exports (`osbox:os/fs`, ...; not the type-only `types` nor the
/// host extension, which the osbox component itself imports), that is, one
/// that needs the osbox component plugged in.
pub fn imports_os_surface(wasm: &[u8]) -> Result<bool> {
    let mut graph = CompositionGraph::new();
    let package = Package::from_bytes("app", None, wasm.to_vec(), graph.types_mut()).map_err(invalid)?;
    let world = &graph.types()[package.ty()];
    Ok(world.imports.keys().any(|name| {
        name.strip_prefix(SURFACE).is_some_and(|rest| !rest.starts_with("host") && !rest.starts_with("types"))
    }))
}

/// Plugs the osbox component (`guest`) into `consumer`: every import of the
/// os surface is satisfied by osbox's export, every export of `consumer`
/// (`wasi:cli/run` for a command) stays, and the result imports what the
/// osbox component imports plus what `consumer` imports beyond the surface.
///
/// ```no_run
/// let app = std::fs::read("backup.wasm")?;
/// let composed = osbox::compose(&app, osbox::Guest::Portable)?;
/// std::fs::write("backup.composed.wasm", composed)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compose(consumer: &[u8], guest: Guest) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let app = Package::from_bytes("app", None, consumer.to_vec(), graph.types_mut()).map_err(invalid)?;
    let os = Package::from_bytes("osbox", None, guest.bytes().to_vec(), graph.types_mut()).map_err(internal)?;
    let app = graph.register_package(app).map_err(internal)?;
    let os = graph.register_package(os).map_err(internal)?;
    wac_graph::plug(&mut graph, vec![os], app).map_err(|e| match e {
        PlugError::NoPlugHappened => Error::new(
            ErrorKind::Value,
            "the component imports nothing of the os surface (osbox:os/...): there is nothing to compose",
        ),
        PlugError::GraphError { source } => Error::new(ErrorKind::Value, format!("cannot compose: {source:#}")),
    })?;
    graph.encode(EncodeOptions::default()).map_err(|e| Error::new(ErrorKind::Value, format!("cannot compose: {e:#}")))
}

fn invalid(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Value, format!("not a WebAssembly component: {e:#}"))
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::sandbox(e)
}
