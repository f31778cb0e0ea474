//! Random operation sequences over a small tree, through osbox and CPython:
//! property-based, seeded (set `OSBOX_PROPTEST_SEED` to replay another run)
//! and shrunk to a minimal failing sequence when the two disagree.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use serde_json::{Value, json};

use crate::differential::{Case, compare};

/// Names that collide often: nested, relative, absolute, trailing slashes,
/// `..`, a planted file and a planted link. (A relative path that climbs out
/// of the mount and back, `../work/a`, has no CPython counterpart.)
const PATHS: &[&str] = &[
    "a",
    "b",
    "a/b",
    "a/c",
    "b/a",
    "a/b/c",
    "f",
    "l",
    "l/x",
    "a/",
    "./a/b",
    "/work/a/../b",
    "/work/b",
    "a/../b",
    "f/x",
];

fn path() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(PATHS)
}

fn request() -> impl Strategy<Value = Value> {
    prop_oneof![
        path().prop_map(|p| json!({ "call": "os.mkdir", "args": [p] })),
        (path(), any::<bool>())
            .prop_map(|(p, ok)| json!({ "call": "os.makedirs", "args": [p], "kwargs": { "exist_ok": ok } })),
        path().prop_map(|p| json!({ "call": "os.rmdir", "args": [p] })),
        path().prop_map(|p| json!({ "call": "os.remove", "args": [p] })),
        path().prop_map(|p| json!({ "call": "os.removedirs", "args": [p] })),
        (path(), path()).prop_map(|(p, q)| json!({ "call": "os.rename", "args": [p, q] })),
        (path(), path()).prop_map(|(p, q)| json!({ "call": "os.renames", "args": [p, q] })),
        path().prop_map(|p| json!({ "call": "os.listdir", "args": [p] })),
        path().prop_map(|p| json!({ "call": "os.stat", "args": [p] })),
        path().prop_map(|p| json!({ "call": "os.lstat", "args": [p] })),
        path().prop_map(|p| json!({ "call": "os.path.isdir", "args": [p] })),
        path().prop_map(|p| json!({ "call": "os.path.exists", "args": [p] })),
        path().prop_map(|p| json!({ "call": "os.path.realpath", "args": [p] })),
        path().prop_map(|p| json!({ "call": "os.chdir", "args": [p] })),
        Just(json!({ "call": "os.getcwd" })),
        Just(json!({ "call": "os.walk", "args": ["/work"] })),
        (path(), path()).prop_map(|(p, q)| json!({ "call": "shutil.copy2", "args": [p, q] })),
        (path(), path()).prop_map(|(p, q)| json!({ "call": "shutil.copytree", "args": [p, q] })),
        (path(), path()).prop_map(|(p, q)| json!({ "call": "shutil.move", "args": [p, q] })),
        path().prop_map(|p| json!({ "call": "shutil.rmtree", "args": [p] })),
        // Absolute link targets are a documented deviation (WASI refuses them).
        (path().prop_filter("relative target", |p| !p.starts_with('/')), path())
            .prop_map(|(p, q)| json!({ "call": "os.symlink", "args": [p, q] })),
        path().prop_map(|p| json!({ "call": "os.readlink", "args": [p] })),
    ]
}

/// Writing a file takes three requests; when the open fails, the write and
/// the close fail alike on both sides (descriptor 3 is not open).
fn step() -> impl Strategy<Value = Vec<Value>> {
    prop_oneof![
        4 => request().prop_map(|r| vec![r]),
        1 => (path(), "[a-z]{0,12}").prop_map(|(p, text)| {
            use base64::Engine as _;
            vec![
                json!({ "call": "os.open", "args": [p, 0o1 | 0o100 | 0o1000] }),
                json!({ "call": "os.write", "args": [3, { "$bytes": base64::engine::general_purpose::STANDARD.encode(text) }] }),
                json!({ "call": "os.close", "args": [3] }),
            ]
        }),
    ]
}

fn seed() -> [u8; 32] {
    let n: u64 = std::env::var("OSBOX_PROPTEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261121);
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&n.to_le_bytes());
    seed
}

#[test]
fn random_operation_sequences_agree_with_cpython() {
    let config = Config { cases: 120, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed()));
    let counts = std::cell::RefCell::new(BTreeMap::new());
    let result = runner.run(&proptest::collection::vec(step(), 1..20), |steps| {
        let requests: Vec<Value> = steps.into_iter().flatten().collect();
        let case = Case {
            name: "random sequence".into(),
            allow_run: Vec::new(),
            setup: json!({ "files": { "f": "file", "a/g": "g" }, "links": { "l": "a" } }),
            env: Vec::new(),
            cwd: None,
            requests,
        };
        let failures = compare(&case, &mut counts.borrow_mut());
        prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
        Ok(())
    });
    match result {
        Ok(()) => {
            println!("random sequences: calls compared with CPython, per module");
            for (m, (n, ok)) in counts.borrow().iter() {
                println!("  {m:<12} {ok:>6} agreed of {n:>6}");
            }
        }
        Err(TestError::Fail(why, minimal)) => {
            let lines: Vec<String> = minimal.iter().flatten().map(Value::to_string).collect();
            panic!("a sequence disagrees with CPython; minimal sequence:\n{}\n{why}", lines.join("\n"));
        }
        Err(e) => panic!("{e}"),
    }
}
