//! `deploy APP_DIR TARGET_DIR`: deploys the application tree APP_DIR as a
//! new release under TARGET_DIR and makes it current.
//!
//! ```text
//! TARGET_DIR/releases/<version>/   the copied tree, permissions set
//! TARGET_DIR/releases/<version>/.deploy.env   the settings used
//! TARGET_DIR/current -> releases/<version>
//! ```
//!
//! Settings come from the environment:
//!
//! | variable            | default                         |
//! |---------------------|---------------------------------|
//! | `DEPLOY_ENV`        | `production`                    |
//! | `APP_VERSION`       | the first line of `APP_DIR/VERSION` |
//! | `DEPLOY_FILE_MODE`  | `644` (octal)                   |
//! | `DEPLOY_EXEC_MODE`  | `755`, for files under `bin/`   |
//! | `DEPLOY_DIR_MODE`   | `755`                           |
//! | `DEPLOY_IGNORE`     | `*.pyc,__pycache__,.git`        |
//! | `DEPLOY_KEEP`       | `3` releases kept               |
//!
//! The release is assembled in a staging directory and renamed into place,
//! and `current` is switched with one rename: a reader sees the old release
//! or the new, never a half-copied one. Outside osbox (another WASI host)
//! permissions cannot be set (chmod raises ENOSYS): the deploy says so and
//! goes on.

use std::process::ExitCode;

use osbox_bindings::{CopyFunction, OsError, PathOrFd, WalkItem, env, fs, p, path, read_file, shutil, system, text, write_file_atomic};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, app, target] = &args[..] else {
        eprintln!("usage: deploy APP_DIR TARGET_DIR");
        return ExitCode::from(2);
    };
    let settings = match Settings::from_env(app) {
        Ok(s) => s,
        Err(why) => {
            eprintln!("deploy: ValueError: {why}");
            return ExitCode::from(2);
        }
    };
    match deploy(app, target, &settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("deploy: {}", e.python());
            ExitCode::FAILURE
        }
    }
}

struct Settings {
    environment: String,
    version: String,
    file_mode: u32,
    exec_mode: u32,
    dir_mode: u32,
    ignore: Vec<String>,
    keep: usize,
}

impl Settings {
    fn from_env(app: &str) -> Result<Settings, String> {
        let var = |name: &str, default: &str| env::getenv(name).unwrap_or_else(|| default.to_string());
        let mode = |name: &str, default: &str| {
            let v = var(name, default);
            u32::from_str_radix(&v, 8).ok().filter(|m| *m <= 0o7777).ok_or(format!("{name}={v:?} is not an octal mode"))
        };
        let version = match env::getenv("APP_VERSION") {
            Some(v) => v,
            None => {
                let file = format!("{}/VERSION", app.trim_end_matches('/'));
                let data = read_file(&file).map_err(|e| format!("no APP_VERSION and no VERSION file: {}", e.message))?;
                String::from_utf8_lossy(&data).lines().next().unwrap_or("").trim().to_string()
            }
        };
        // The version names a directory: one plain name, nothing that
        // could climb out of releases/.
        if version.is_empty() || version == "." || version == ".." || version.contains(['/', '\0']) {
            return Err(format!("unusable version {version:?}"));
        }
        let keep = var("DEPLOY_KEEP", "3");
        Ok(Settings {
            environment: var("DEPLOY_ENV", "production"),
            version,
            file_mode: mode("DEPLOY_FILE_MODE", "644")?,
            exec_mode: mode("DEPLOY_EXEC_MODE", "755")?,
            dir_mode: mode("DEPLOY_DIR_MODE", "755")?,
            ignore: var("DEPLOY_IGNORE", "*.pyc,__pycache__,.git").split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
            keep: keep.parse().ok().filter(|k| *k >= 1).ok_or(format!("DEPLOY_KEEP={keep:?} is not a count of at least 1"))?,
        })
    }
}

fn deploy(app: &str, target: &str, s: &Settings) -> Result<(), OsError> {
    let releases = text(&path::join(&p(target), &[p("releases")])?);
    fs::makedirs(&p(&releases), 0o777, true)?;
    let release = format!("{releases}/{}", s.version);
    if path::lexists(&p(&release)) {
        return Err(exists(&release));
    }
    let staging = format!("{releases}/.staging-{}-{}", s.version, system::getpid());
    println!("deploying {app} as {} ({}) into {target}", s.version, s.environment);
    let staged = stage(app, &staging, s);
    if let Err(e) = staged.and_then(|()| fs::rename(&p(&staging), &p(&release), None, None)) {
        let _ = shutil::rmtree(&p(&staging), true);
        return Err(e);
    }
    // Switch `current` with one rename of a fresh link over the old one.
    let link = format!("{target}/.current-{}", system::getpid());
    fs::symlink(&p(&format!("releases/{}", s.version)), &p(&link), None)?;
    fs::rename(&p(&link), &p(&format!("{target}/current")), None, None).inspect_err(|_| {
        let _ = fs::remove(&p(&link), None);
    })?;
    println!("current -> releases/{}", s.version);
    prune(&releases, s)
}

/// Copies the tree, sets permissions, writes the settings file.
fn stage(app: &str, staging: &str, s: &Settings) -> Result<(), OsError> {
    shutil::copytree(&p(app), &p(staging), true, Some(&s.ignore), CopyFunction::Copy2, false, false)?;
    let (mut files, mut chmod_ok) = (0, true);
    for item in fs::walk(&p(staging), true, false) {
        let step = match item {
            WalkItem::Step(step) => step,
            WalkItem::Error(e) => return Err(e),
        };
        let rel = text(&path::relpath(&step.dirpath, Some(&p(staging)))?);
        let in_bin = rel == "bin" || rel.starts_with("bin/");
        let mut targets = vec![(step.dirpath.clone(), s.dir_mode)];
        for f in &step.filenames {
            files += 1;
            targets.push((path::join(&step.dirpath, &[f.clone()])?, if in_bin { s.exec_mode } else { s.file_mode }));
        }
        for (t, mode) in targets {
            if !chmod_ok || path::islink(&t) {
                continue;
            }
            match fs::chmod(&t, mode, None, true) {
                Ok(()) => {}
                Err(e) if e.is_unsupported() => {
                    println!("permissions: not set, this host has no chmod ({})", e.message);
                    chmod_ok = false;
                }
                Err(e) => return Err(e),
            }
        }
    }
    if chmod_ok {
        println!(
            "permissions: files {:o}, bin/ {:o}, directories {:o}",
            s.file_mode, s.exec_mode, s.dir_mode
        );
    }
    let settings = format!("DEPLOY_ENV={}\nAPP_VERSION={}\n", s.environment, s.version);
    write_file_atomic(&format!("{staging}/.deploy.env"), settings.as_bytes())?;
    println!("copied {files} files");
    Ok(())
}

/// Removes the oldest releases (by modification time) beyond `keep`.
fn prune(releases: &str, s: &Settings) -> Result<(), OsError> {
    let mut found = Vec::new();
    for entry in fs::scandir(Some(&PathOrFd::Path(p(releases))))? {
        let name = text(&entry.name);
        if name.starts_with('.') {
            continue;
        }
        found.push((fs::stat(&entry.path, None, false)?.mtime_ns, name, entry.path));
    }
    found.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let excess = found.len().saturating_sub(s.keep);
    for (_, name, full) in found.into_iter().take(excess) {
        if name == s.version {
            continue;
        }
        shutil::rmtree(&full, false)?;
        println!("removed old release {name}");
    }
    Ok(())
}

fn exists(name: &str) -> OsError {
    let why = " (this version is already deployed)";
    osbox_bindings::os_error(osbox_bindings::Exception::FileExistsError, 17, "File exists", name, why)
}
