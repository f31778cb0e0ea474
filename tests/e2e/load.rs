//! Load: many sandboxes on many threads doing mixed work on their own
//! directories, round after round. No sandbox sees another's files; the
//! resident memory each round adds is printed.

use std::time::Instant;

use osbox::{CopytreeOptions, FsPath};

use crate::harness::{runtime, tempdir};

fn resident() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<usize>().ok()).unwrap_or(0) * 4096
}

/// One sandbox's mixed work in its own directory; what it should leave.
fn work(dir: &std::path::Path, id: usize) {
    let mut os = runtime().sandbox().dir(dir, "/t").cwd("/t").build().unwrap().os().unwrap();
    os.makedirs(format!("a{id}/b"), true).unwrap();
    let fd = os.open(format!("a{id}/b/data"), 0o1 | 0o100 | 0o1000, 0o644).unwrap();
    os.write(fd, format!("sandbox {id}").as_bytes()).unwrap();
    os.close(fd).unwrap();
    os.copytree(format!("a{id}"), format!("c{id}"), &CopytreeOptions { dirs_exist_ok: true, ..Default::default() }).unwrap();
    os.rename(format!("c{id}/b/data"), format!("c{id}/b/moved")).unwrap();
    let mut names = os.listdir(".").unwrap();
    names.sort();
    assert_eq!(names, [FsPath::from(format!("a{id}")), FsPath::from(format!("c{id}"))], "only its own files");
    os.rmtree(format!("c{id}"), false).unwrap();
}

#[test]
fn many_sandboxes_on_many_threads_stay_apart() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 25;
    let dirs: Vec<_> = (0..THREADS * PER_THREAD).map(|_| tempdir()).collect();
    let mut growth = Vec::new();
    for round in 0..3 {
        let before = resident();
        let started = Instant::now();
        std::thread::scope(|s| {
            for chunk in dirs.chunks(PER_THREAD) {
                s.spawn(move || {
                    for (i, d) in chunk.iter().enumerate() {
                        work(d.path(), i);
                    }
                });
            }
        });
        let elapsed = started.elapsed();
        growth.push(resident().saturating_sub(before));
        println!(
            "load round {round}: {} sandboxes on {THREADS} threads in {:.0} ms, resident memory {:+.1} MiB",
            dirs.len(),
            elapsed.as_secs_f64() * 1e3,
            growth[round] as f64 / (1 << 20) as f64
        );
    }
    for (i, d) in dirs.iter().enumerate() {
        let id = i % PER_THREAD;
        let left: Vec<String> = std::fs::read_dir(d.path()).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
        assert_eq!(left, [format!("a{id}")]);
        assert_eq!(std::fs::read_to_string(d.path().join(format!("a{id}/b/data"))).unwrap(), format!("sandbox {id}"));
    }
    // The memory figures are printed, not asserted: other tests share this
    // process and its resident size (README, "Load").
}
