//! `backup SOURCE DEST`: copies the tree SOURCE into a new directory
//! `DEST/backup_YYYYmmdd_HHMMSS/` (local time) with `shutil.copy2`, so
//! contents and times are kept, and prints each file copied.
//!
//! Symbolic links are copied as links, never followed. An existing backup
//! of the same second is never overwritten (FileExistsError).

use std::process::ExitCode;

use osbox_bindings::{OsError, WalkItem, fs, p, path, shutil, text, time};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, source, dest] = &args[..] else {
        eprintln!("usage: backup SOURCE DEST");
        return ExitCode::from(2);
    };
    match backup(source, dest) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("backup: {}", e.python());
            ExitCode::FAILURE
        }
    }
}

fn backup(source: &str, dest: &str) -> Result<(), OsError> {
    let src = p(source);
    // The source must be a directory: the error is stat's own.
    let st = fs::stat(&src, None, true)?;
    if !osbox_bindings::s_isdir(st.mode) {
        return Err(not_a_directory(source));
    }
    let stamp = time::strftime("%Y%m%d_%H%M%S", Some(&time::localtime(None)?))?;
    let root = path::join(&p(dest), &[p(&format!("backup_{stamp}"))])?;
    fs::mkdir(&root, 0o777, None)?;
    println!("backing up {source} into {}", text(&root));

    let (mut files, mut bytes) = (0u64, 0u64);
    for item in fs::walk(&src, true, false) {
        let step = match item {
            WalkItem::Step(step) => step,
            WalkItem::Error(e) => return Err(e),
        };
        let rel = path::relpath(&step.dirpath, Some(&src))?;
        let target = if text(&rel) == "." { root.clone() } else { path::join(&root, &[rel.clone()])? };
        let mut names: Vec<(String, bool)> = step.dirnames.iter().map(|d| (text(d), true)).collect();
        names.extend(step.filenames.iter().map(|f| (text(f), false)));
        names.sort();
        for (name, is_dir) in names {
            let from = path::join(&step.dirpath, &[p(&name)])?;
            let to = path::join(&target, &[p(&name)])?;
            if is_dir && !path::islink(&from) {
                // walk descends into it next; its times are copied after.
                fs::mkdir(&to, 0o777, None)?;
                continue;
            }
            shutil::copy2(&from, &to, false)?;
            let size = fs::stat(&to, None, false)?.size;
            let shown = path::relpath(&from, Some(&src))?;
            println!("  copied {} ({size} bytes)", text(&shown));
            files += 1;
            bytes += size;
        }
    }
    // Directory times last: copying into a directory changes its mtime.
    for item in fs::walk(&src, false, false) {
        if let WalkItem::Step(step) = item {
            let rel = path::relpath(&step.dirpath, Some(&src))?;
            let target = if text(&rel) == "." { root.clone() } else { path::join(&root, &[rel])? };
            // Outside osbox there are no permission bits to copy; copystat
            // then copies the times only, as CPython on WASI does.
            shutil::copystat(&step.dirpath, &target, true)?;
        }
    }
    println!("backed up {files} files, {bytes} bytes into {}", text(&root));
    Ok(())
}

fn not_a_directory(name: &str) -> OsError {
    osbox_bindings::os_error(osbox_bindings::Exception::NotADirectoryError, 20, "Not a directory", name, "")
}
