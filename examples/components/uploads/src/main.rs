//! `uploads BASE store NAME` (content on standard input), `uploads BASE
//! fetch NAME`, `uploads BASE list`, `uploads BASE remove NAME`: a store
//! for uploaded files whose names come from untrusted clients.
//!
//! A name may contain subdirectories (`reports/2026/q1.pdf`) but must stay
//! under BASE: empty names, NUL bytes, absolute paths, `..` components, and
//! paths that leave BASE through a symbolic link are rejected with a
//! ValueError that says why, and nothing is written. Stores are atomic: a
//! reader sees the old file or the new one.

use std::io::{Read, Write};
use std::process::ExitCode;

use osbox_bindings::{OsError, WalkItem, fs, p, path, read_file, text, write_file_atomic};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match &args[1..] {
        [base, "store", name] => store(base, name),
        [base, "fetch", name] => fetch(base, name),
        [base, "remove", name] => remove(base, name),
        [base, "list"] => list(base),
        _ => {
            eprintln!("usage: uploads BASE store NAME < content | fetch NAME | remove NAME | list");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Rejected(why)) => {
            eprintln!("uploads: ValueError: {why}");
            ExitCode::FAILURE
        }
        Err(Failure::Os(e)) => {
            eprintln!("uploads: {}", e.python());
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    /// The name is unsafe: nothing was done.
    Rejected(String),
    Os(OsError),
}

impl From<OsError> for Failure {
    fn from(e: OsError) -> Self {
        Failure::Os(e)
    }
}

/// The path of upload `name` under `base`, or why it is refused.
///
/// The check is on the name (no absolute path, no `..`) and then on where
/// the path really leads once symbolic links are resolved: a link inside
/// the store pointing elsewhere is refused too.
fn safe_join(base: &str, name: &str) -> Result<String, Failure> {
    let reject = |why: &str| Err(Failure::Rejected(format!("unsafe upload name {name:?}: {why}")));
    if name.is_empty() {
        return reject("it is empty");
    }
    if name.contains('\0') {
        return reject("it contains a NUL byte");
    }
    if path::isabs(&p(name)) {
        return reject("it is an absolute path");
    }
    if name.split('/').any(|part| part == "..") {
        return reject("it climbs out with '..'");
    }
    let base_real = path::realpath(&p(base), true)?;
    let joined = path::join(&base_real, &[p(name)])?;
    // A link the sandbox refuses to follow (an absolute one) is refused here too.
    let Ok(real) = path::realpath(&joined, false) else {
        return reject("it leads through a link that cannot be followed");
    };
    let inside = path::commonpath(&[base_real.clone(), real.clone()]).is_ok_and(|c| text(&c) == text(&base_real));
    if !inside || text(&real) == text(&base_real) {
        return reject("it leads outside the upload directory");
    }
    Ok(text(&joined))
}

fn store(base: &str, name: &str) -> Result<(), Failure> {
    let target = safe_join(base, name)?;
    let mut data = Vec::new();
    std::io::stdin().read_to_end(&mut data).map_err(|e| Failure::Rejected(format!("cannot read the upload: {e}")))?;
    fs::makedirs(&path::dirname(&p(&target)), 0o777, true)?;
    write_file_atomic(&target, &data)?;
    println!("stored {name} ({} bytes)", data.len());
    Ok(())
}

fn fetch(base: &str, name: &str) -> Result<(), Failure> {
    let data = read_file(&safe_join(base, name)?)?;
    let _ = std::io::stdout().write_all(&data);
    Ok(())
}

fn remove(base: &str, name: &str) -> Result<(), Failure> {
    fs::remove(&p(&safe_join(base, name)?), None)?;
    println!("removed {name}");
    Ok(())
}

fn list(base: &str) -> Result<(), Failure> {
    let mut names = Vec::new();
    for item in fs::walk(&p(base), true, false) {
        match item {
            WalkItem::Step(step) => {
                for f in &step.filenames {
                    let full = path::join(&step.dirpath, &[f.clone()])?;
                    let size = fs::stat(&full, None, false)?.size;
                    names.push((text(&path::relpath(&full, Some(&p(base)))?), size));
                }
            }
            WalkItem::Error(e) => return Err(e.into()),
        }
    }
    names.sort();
    for (name, size) in &names {
        println!("{name}\t{size}");
    }
    Ok(())
}
