//! Property tests over the exec protocol, every callable and the path
//! functions: whatever a line holds and whatever arguments a call gets, the
//! answer is a response line, never a panic, and never a trap that ends the
//! instance; path answers agree with CPython and keep posixpath's
//! invariants. The kept corpus (`tests/fuzz/`) is replayed and mutated on
//! every run. Seeded; `OSBOX_PROPTEST_SEED` replays another run.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

use crate::differential::{Case, compare};
use crate::harness::{repo, tempdir, work_os};

/// The kept corpus file `name` under tests/fuzz, comment lines skipped.
fn corpus(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("tests/fuzz").join(name)).expect("the kept corpus");
    text.lines().filter(|l| !l.starts_with('#')).map(str::to_string).collect()
}

/// A corpus entry cut, spliced with another or with noise: `(entry, other,
/// how, at, noise)` from the runner.
fn mutate(a: &str, b: &str, how: u8, at: usize, noise: &str) -> String {
    let cut = |s: &str| {
        let mut i = at % (s.len() + 1);
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    match how % 5 {
        0 => a[..cut(a)].to_string(),
        1 => format!("{}{}", &a[..cut(a)], &b[cut(b)..]),
        2 => format!("{}{noise}{}", &a[..cut(a)], &a[cut(a)..]),
        3 => format!("{a}/{b}"),
        _ => format!("{a}{b}"),
    }
}

fn seed() -> [u8; 32] {
    let n: u64 = std::env::var("OSBOX_PROPTEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&n.to_le_bytes());
    seed
}

pub fn runner(cases: u32) -> TestRunner {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed()))
}

/// Any JSON value a request could carry, weighted towards what the calls
/// take: paths, small and huge numbers, bytes.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-3i64..70_000).prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "[a-z./~$]{0,12}".prop_map(Value::String),
        prop_oneof![Just("/b"), Just("/b/x"), Just("."), Just(".."), Just("/"), Just("")].prop_map(|s| json!(s)),
        "[A-Za-z0-9+/]{0,12}".prop_map(|b| json!({ "$bytes": b })),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Calls that would wait on the clock or the host rather than answer.
fn excluded(name: &str) -> bool {
    name == "time.sleep" || name.starts_with("subprocess.") || name == "os.system"
}

#[test]
fn arbitrary_lines_get_a_response_and_never_end_the_instance() {
    let dir = tempdir();
    let os = std::cell::RefCell::new(work_os(dir.path()));
    // The kept corpus first: each line answered, the instance alive.
    let kept = corpus("protocol.jsonl");
    for line in &kept {
        let mut os = os.borrow_mut();
        assert!(osbox::exec::handle_line(&mut os, line).is_some(), "{line:?} got no response");
        assert!(os.died().is_none(), "{line:?} ended the instance");
    }
    let mutated =
        (proptest::sample::select(kept.clone()), proptest::sample::select(kept), any::<u8>(), any::<usize>(), ".{0,6}")
            .prop_map(|(a, b, how, at, noise)| mutate(&a, &b, how, at, &noise));
    let lines = prop_oneof![".{0,40}", value().prop_map(|v| v.to_string()), Just("{\"call\":".to_string()), mutated];
    runner(400)
        .run(&lines, |line| {
            let mut os = os.borrow_mut();
            let reply = osbox::exec::handle_line(&mut os, &line);
            prop_assert!(reply.is_some() || line.trim().is_empty());
            prop_assert!(os.died().is_none(), "{line:?} ended the instance");
            Ok(())
        })
        .unwrap();
}

#[test]
fn every_callable_with_arbitrary_arguments_answers_without_a_trap() {
    let names: Vec<&str> = osbox::exec::callables().filter(|n| !excluded(n)).collect();
    let request = (proptest::sample::select(names), proptest::collection::vec(value(), 0..4), value());
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("x")).unwrap();
    let answered = std::cell::Cell::new(0);
    runner(1500)
        .run(&request, |(name, args, kwargs)| {
            answered.set(answered.get() + 1);
            // A fresh instance each time, so one call cannot hide another's trap.
            let mut os = work_os(dir.path());
            let kwargs = if kwargs.is_object() { kwargs } else { json!({}) };
            let line = json!({ "call": name, "args": args, "kwargs": kwargs }).to_string();
            let reply = osbox::exec::handle_line(&mut os, &line).expect("a response");
            prop_assert!(os.died().is_none(), "{line} ended the instance: {reply}");
            Ok(())
        })
        .unwrap();
    println!("fuzzed calls: {} answered without a trap", answered.get());
    assert!(answered.get() >= 1500);
}

/// The pure os.path functions of one argument.
const ONE: [&str; 10] = [
    "os.path.basename",
    "os.path.dirname",
    "os.path.split",
    "os.path.splitext",
    "os.path.normpath",
    "os.path.normcase",
    "os.path.isabs",
    "os.path.expandvars",
    "os.path.expanduser",
    "os.path.splitdrive",
];

#[test]
fn path_functions_on_the_kept_corpus_and_its_mutations_agree_with_cpython() {
    let kept: Vec<String> =
        corpus("paths.txt").iter().map(|l| serde_json::from_str(l).expect("a JSON string")).collect();
    let mut paths = kept.clone();
    let mutation = (
        proptest::sample::select(kept.clone()),
        proptest::sample::select(kept),
        any::<u8>(),
        any::<usize>(),
        "[/.a~$]{0,3}",
    );
    let mut runner = runner(1);
    for _ in 0..250 {
        let (a, b, how, at, noise) = mutation.new_tree(&mut runner).expect("a value").current();
        paths.push(mutate(&a, &b, how, at, &noise));
    }
    // The oracle maps the string /work to its temporary directory: pure
    // functions must not see it.
    paths.retain(|p| !p.contains("work"));
    let mut requests = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        for f in ONE {
            requests.push(json!({ "call": f, "args": [p] }));
        }
        let q = &paths[(i * 7 + 3) % paths.len()];
        requests.push(json!({ "call": "os.path.join", "args": [p, q] }));
        requests.push(json!({ "call": "os.path.commonprefix", "args": [[p, q]] }));
        requests.push(json!({ "call": "os.path.commonpath", "args": [[p, q]] }));
        // Relative paths that stay under /work only: CPython resolves the
        // others on its host, where /work is a temporary directory.
        if !p.starts_with('/') && !p.starts_with('~') && !p.contains("..") && !p.contains('$') {
            for f in ["os.path.relpath", "os.path.realpath", "os.path.abspath", "os.path.exists", "os.path.isdir"] {
                requests.push(json!({ "call": f, "args": [p] }));
            }
        }
    }
    let case = Case {
        name: "path corpus and mutations".into(),
        allow_run: Vec::new(),
        setup: json!({ "dirs": ["x/y/z", "a/b"], "files": { "a/f": "f" }, "links": { "l": "a", "x/up": "..", "loop1": "loop1" } }),
        env: vec![("HOME".into(), "/home/u".into()), ("FOO".into(), "bar".into()), ("EMPTY".into(), String::new())],
        cwd: Some("/work/x".into()),
        confine: false,
        requests,
    };
    let mut counts = std::collections::BTreeMap::new();
    let failures = compare(&case, &mut counts);
    assert!(
        failures.is_empty(),
        "{} disagreements with CPython (add the input to tests/fuzz/paths.txt):\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!(
        "path fuzz: {} paths, {} calls agreed with CPython",
        paths.len(),
        counts.values().map(|c| c.0).sum::<usize>()
    );

    // posixpath's invariants, on osbox's own answers.
    let dir = tempdir();
    let mut os = work_os(dir.path());
    let mut call = |f: &str, args: Value| -> Value {
        let reply =
            osbox::exec::handle_line(&mut os, &json!({ "call": f, "args": args }).to_string()).expect("a response");
        serde_json::from_str::<Value>(&reply).unwrap()["ok"].clone()
    };
    for p in &paths {
        let norm = call("os.path.normpath", json!([p]));
        assert_eq!(call("os.path.normpath", json!([norm])), norm, "normpath is idempotent: {p:?}");
        assert_ne!(norm, json!(""), "normpath is never empty: {p:?}");
        let split = call("os.path.split", json!([p]));
        assert_eq!(
            split,
            json!([call("os.path.dirname", json!([p])), call("os.path.basename", json!([p]))]),
            "split: {p:?}"
        );
        let ext = call("os.path.splitext", json!([p]));
        assert_eq!(format!("{}{}", ext[0].as_str().unwrap(), ext[1].as_str().unwrap()), *p, "splitext: {p:?}");
        assert_eq!(call("os.path.isabs", json!([p])), json!(p.starts_with('/')), "isabs: {p:?}");
    }
}
