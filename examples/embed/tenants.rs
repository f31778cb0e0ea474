//! A multi-tenant service embedding osbox: every tenant gets a `Sandbox`
//! on its own directory, and worker threads run os calls for all tenants
//! at once. A tenant's code reaches its own directory and nothing else.
//!
//! ```text
//! cargo run --example tenants -- [ROOT] [TENANTS] [THREADS] [JOBS]
//! ```
//!
//! ROOT (default: a fresh temporary directory) gets one directory per
//! tenant. Each job is a small piece of tenant work, done in a fresh
//! instance: write a report with `os.open`/`os.write`, list it back,
//! copy it with `shutil.copy2`, walk the tree. At the end every tenant's
//! tree is checked on the host: its own files only, none of anyone else's.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use osbox::{Runtime, Sandbox, WalkOptions};

/// One job of tenant work, run in a fresh instance of its sandbox.
fn job(sandbox: &Sandbox, tenant: usize, n: usize) -> osbox::Result<usize> {
    let mut os = sandbox.os()?;
    os.makedirs("/data/reports", true)?;
    let name = format!("/data/reports/job-{n:04}.txt");
    let fd = os.open(&*name, libc_flags(), 0o644)?;
    os.write(fd, format!("tenant {tenant} job {n}\n").as_bytes())?;
    os.close(fd)?;
    os.shutil().copy2(&*name, "/data/latest.txt", true)?;
    // The tenant's view: its own directory, nothing else.
    assert_eq!(os.listdir("/")?, ["data"]);
    let err = os.stat("/etc/passwd").unwrap_err();
    assert_eq!(err.to_string(), "[Errno 2] No such file or directory: '/etc/passwd'");
    let files: usize = os.walk("/data", WalkOptions::default())?.iter().map(|s| s.filenames.len()).sum();
    Ok(files)
}

/// `O_WRONLY | O_CREAT | O_TRUNC`, as `os` numbers them on Linux.
fn libc_flags() -> i32 {
    0o1 | 0o100 | 0o1000
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tmp;
    let root = match args.first() {
        Some(r) => PathBuf::from(r),
        None => {
            tmp = std::env::temp_dir().join(format!("osbox-tenants-{}", std::process::id()));
            tmp.clone()
        }
    };
    let count = |i: usize, default: usize| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(default);
    let (tenants, threads, jobs) = (count(1, 8), count(2, 4), count(3, 200));

    // Once per process: the engine and the compiled component.
    let runtime = Runtime::new()?;
    // Once per tenant: the policy. Nothing is granted but its directory.
    let mut sandboxes = Vec::new();
    for t in 0..tenants {
        let dir = root.join(format!("tenant-{t:02}"));
        std::fs::create_dir_all(&dir)?;
        let sandbox = runtime.sandbox().dir(&dir, "/data").env("TENANT", t.to_string()).cwd("/data").build()?;
        sandboxes.push((dir, sandbox));
    }
    let sandboxes = Arc::new(sandboxes);

    let next = Arc::new(AtomicUsize::new(0));
    let done: Arc<Mutex<BTreeMap<usize, usize>>> = Arc::default();
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (sandboxes, next, done) = (sandboxes.clone(), next.clone(), done.clone());
            std::thread::spawn(move || -> osbox::Result<()> {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= jobs {
                        return Ok(());
                    }
                    let tenant = n % sandboxes.len();
                    job(&sandboxes[tenant].1, tenant, n)?;
                    *done.lock().unwrap().entry(tenant).or_default() += 1;
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker")?;
    }
    let elapsed = started.elapsed();

    // On the host: each tenant has exactly its own reports.
    for (t, (dir, _)) in sandboxes.iter().enumerate() {
        let mut reports: Vec<String> = std::fs::read_dir(dir.join("reports"))?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        reports.sort();
        let expected: Vec<String> = (0..jobs).filter(|n| n % tenants == t).map(|n| format!("job-{n:04}.txt")).collect();
        assert_eq!(reports, expected, "tenant {t}");
        for r in &reports {
            let text = std::fs::read_to_string(dir.join("reports").join(r))?;
            assert!(text.starts_with(&format!("tenant {t} job ")), "tenant {t} holds {text:?}");
        }
    }
    let done = done.lock().unwrap();
    println!(
        "{jobs} jobs for {tenants} tenants on {threads} threads in {:.0} ms ({:.0} us per job); each tenant saw only its own files",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / jobs as f64
    );
    for (t, n) in done.iter() {
        println!("tenant-{t:02}: {n} jobs, {} reports", n);
    }
    if args.is_empty() {
        std::fs::remove_dir_all(&root)?;
    }
    Ok(())
}
