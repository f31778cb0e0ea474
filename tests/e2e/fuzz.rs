//! Property tests over the exec protocol and every callable: whatever a
//! line holds and whatever arguments a call gets, the answer is a response
//! line, never a panic, and never a trap that ends the instance. Seeded;
//! `OSBOX_PROPTEST_SEED` replays another run.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

use crate::harness::{tempdir, work_os};

fn seed() -> [u8; 32] {
    let n: u64 = std::env::var("OSBOX_PROPTEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&n.to_le_bytes());
    seed
}

fn runner(cases: u32) -> TestRunner {
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
    let lines = prop_oneof![".{0,40}", value().prop_map(|v| v.to_string()), Just("{\"call\":".to_string())];
    runner(300)
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
