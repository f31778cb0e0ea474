//! The standalone guest imports only WASI, so any WASI 0.2 host runs it:
//! here plain wasmtime-wasi, with no osbox host. Calls that need the osbox
//! host fail with OSError ENOSYS; system information shows CPython-on-WASI's
//! placeholders; everything else works.

use wasmtime::component::{Component, Func, Instance, Linker, Val};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::harness::{Plain, tempdir};

fn func(store: &mut Store<Plain>, instance: &Instance, iface: &str, name: &str) -> Func {
    let i = instance.get_export_index(&mut *store, None, iface).unwrap_or_else(|| panic!("{iface} exported"));
    let f = instance.get_export_index(&mut *store, Some(&i), name).unwrap_or_else(|| panic!("{name} exported"));
    instance.get_func(&mut *store, f).unwrap()
}

fn call(store: &mut Store<Plain>, f: Func, args: &[Val]) -> Val {
    let mut results = [Val::Bool(false)];
    f.call(&mut *store, args, &mut results).unwrap();
    results[0].clone()
}

fn text(s: &str) -> Val {
    Val::Variant("text".into(), Some(Box::new(Val::String(s.into()))))
}

/// The `message` field of an `os-error` inside `result<_, os-error>`.
fn error_message(v: &Val) -> String {
    let Val::Result(Err(Some(e))) = v else { panic!("an error, not {v:?}") };
    let Val::Record(fields) = &**e else { panic!("a record") };
    match fields.iter().find(|(k, _)| k == "message") {
        Some((_, Val::String(m))) => m.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_standalone_guest_runs_on_plain_wasi() {
    let dir = tempdir();
    std::fs::write(dir.path().join("f"), "x").unwrap();
    let engine = Engine::default();
    let component = Component::new(&engine, osbox::Guest::Portable.bytes()).unwrap();
    let imports: Vec<String> = component.component_type().imports(&engine).map(|(n, _)| n.to_string()).collect();
    assert!(!imports.iter().any(|i| i.starts_with("osbox:os/host")), "no osbox host import: {imports:?}");
    let mut linker = Linker::<Plain>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let mut wasi = WasiCtxBuilder::new();
    wasi.preopened_dir(dir.path(), "/w", FsPerms::ReadWrite).unwrap();
    let mut store = Store::new(&engine, Plain::new(wasi.build()));
    let instance = linker.instantiate(&mut store, &component).unwrap();

    let listdir = func(&mut store, &instance, "osbox:os/fs@0.1.0", "listdir");
    let dir_path = Val::Variant("path".into(), Some(Box::new(text("/w"))));
    let listed = call(&mut store, listdir, &[Val::Option(Some(Box::new(dir_path)))]);
    assert_eq!(listed, Val::Result(Ok(Some(Box::new(Val::List(vec![text("f")]))))));

    let chmod = func(&mut store, &instance, "osbox:os/fs@0.1.0", "chmod");
    let denied = call(&mut store, chmod, &[text("/w/f"), Val::U32(0o600), Val::Option(None), Val::Bool(true)]);
    assert_eq!(error_message(&denied), "[Errno 38] Function not implemented: '/w/f'");

    let uname = func(&mut store, &instance, "osbox:os/system@0.1.0", "uname");
    let Val::Record(fields) = call(&mut store, uname, &[]) else { panic!("a record") };
    assert_eq!(fields[0], ("sysname".to_string(), Val::String("wasi".into())));

    let run = func(&mut store, &instance, "osbox:os/subprocess@0.1.0", "system");
    let refused = call(&mut store, run, &[Val::String("true".into())]);
    assert_eq!(error_message(&refused), "[Errno 38] Function not implemented: 'sh'");

    // copy2 works: only the permission bits, which WASI cannot carry, are skipped.
    let copy2 = func(&mut store, &instance, "osbox:os/shutil@0.1.0", "copy2");
    let copied = call(&mut store, copy2, &[text("/w/f"), text("/w/g"), Val::Bool(true)]);
    assert_eq!(copied, Val::Result(Ok(Some(Box::new(text("/w/g"))))));
    assert_eq!(std::fs::read(dir.path().join("g")).unwrap(), b"x");
}

/// Where the host has no unnamed files, a copy goes through a temporary
/// name beside its destination; one killed midway leaves that file. The
/// next copy into the directory removes such leftovers that have not
/// changed for an hour, and nothing else.
#[test]
fn the_next_copy_into_a_directory_removes_what_a_killed_copy_left() {
    let dir = tempdir();
    let w = dir.path();
    std::fs::write(w.join("f"), "x").unwrap();
    let hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    let plant = |name: &str, old: bool| {
        let f = std::fs::File::create(w.join(name)).unwrap();
        if old {
            f.set_modified(hours_ago).unwrap();
        }
    };
    plant(".g.osbox-0123456789abcdef", true);
    plant(".g.osbox-fedcba9876543210", false);
    plant(".g.osbox-0123456789abcdeX", true);
    plant(".g.osbox-0123456789ABCDEF", true);
    plant("g.osbox-0123456789abcdef", true);
    std::fs::create_dir(w.join(".d.osbox-0123456789abcdef")).unwrap();

    let engine = Engine::default();
    let component = Component::new(&engine, osbox::Guest::Portable.bytes()).unwrap();
    let mut linker = Linker::<Plain>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let mut wasi = WasiCtxBuilder::new();
    wasi.preopened_dir(w, "/w", FsPerms::ReadWrite).unwrap();
    let mut store = Store::new(&engine, Plain::new(wasi.build()));
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let copy = func(&mut store, &instance, "osbox:os/shutil@0.1.0", "copyfile");
    let copied = call(&mut store, copy, &[text("/w/f"), text("/w/g"), Val::Bool(true)]);
    assert_eq!(copied, Val::Result(Ok(Some(Box::new(text("/w/g"))))));

    let mut left: Vec<String> =
        std::fs::read_dir(w).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    assert_eq!(
        left,
        [
            ".d.osbox-0123456789abcdef",
            ".g.osbox-0123456789ABCDEF",
            ".g.osbox-0123456789abcdeX",
            ".g.osbox-fedcba9876543210",
            "f",
            "g",
            "g.osbox-0123456789abcdef"
        ]
    );
}
