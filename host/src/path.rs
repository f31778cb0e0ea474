//! `os.path` on [`Os`]: posixpath's functions, which the guest computes,
//! and those that look at the sandbox's files.

use crate::bindings::osbox::os::types::Fspath;
use crate::error::Result;
use crate::fspath::FsPath;
use crate::os::p;

crate::os::module_view! {
    /// `os.path`: [`Os::path`] borrows the sandbox for these.
    OsPath, path, "os.path"
}

/// The functions of `os.path` that take one path and answer one path.
macro_rules! path_to_path {
    ($($(#[$doc:meta])* $name:ident => $call:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&mut self, path: impl Into<FsPath>) -> Result<FsPath> {
            let path = p(path);
            self.os.invoke(|g, s| g.path(s)?.$call(s, &path)).map(FsPath::from)
        }
    )*};
}

/// The predicates of `os.path`: one path in, a bool out, never raising.
macro_rules! path_predicate {
    ($($(#[$doc:meta])* $name:ident => $call:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&mut self, path: impl Into<FsPath>) -> Result<bool> {
            let path = p(path);
            self.os.invoke(|g, s| g.path(s)?.$call(s, &path))
        }
    )*};
}

/// The `os.path` functions that split a path into two.
macro_rules! path_split {
    ($($(#[$doc:meta])* $name:ident => $call:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&mut self, path: impl Into<FsPath>) -> Result<(FsPath, FsPath)> {
            let path = p(path);
            let (a, b) = self.os.invoke(|g, s| g.path(s)?.$call(s, &path))?;
            Ok((a.into(), b.into()))
        }
    )*};
}

/// The `os.path` functions reading one `stat` field.
macro_rules! path_stat_field {
    ($($(#[$doc:meta])* $name:ident => $call:ident -> $t:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name(&mut self, path: impl Into<FsPath>) -> Result<$t> {
            let path = p(path);
            self.os.call(|g, s| g.path(s)?.$call(s, &path))
        }
    )*};
}

impl OsPath<'_> {
    path_to_path! {
        /// `os.path.basename(p)`.
        basename => call_basename;
        /// `os.path.dirname(p)`.
        dirname => call_dirname;
        /// `os.path.normpath(p)`.
        normpath => call_normpath;
        /// `os.path.normcase(p)`.
        normcase => call_normcase;
        /// `os.path.expanduser(p)`, with `HOME` from the sandbox.
        expanduser => call_expanduser;
        /// `os.path.expandvars(p)`, from the sandbox's environment.
        expandvars => call_expandvars;
    }

    path_predicate! {
        /// `os.path.isabs(p)`.
        isabs => call_isabs;
        /// `os.path.exists(p)`.
        exists => call_exists;
        /// `os.path.lexists(p)`.
        lexists => call_lexists;
        /// `os.path.isfile(p)`.
        isfile => call_isfile;
        /// `os.path.isdir(p)`.
        isdir => call_isdir;
        /// `os.path.islink(p)`.
        islink => call_islink;
        /// `os.path.ismount(p)`: `/` and the granted directories.
        ismount => call_ismount;
    }

    path_split! {
        /// `os.path.split(p)`.
        split => call_split;
        /// `os.path.splitext(p)`.
        splitext => call_splitext;
        /// `os.path.splitdrive(p)`.
        splitdrive => call_splitdrive;
    }

    path_stat_field! {
        /// `os.path.getsize(p)`.
        getsize => call_getsize -> u64;
        /// `os.path.getmtime(p)`.
        getmtime => call_getmtime -> f64;
        /// `os.path.getatime(p)`.
        getatime => call_getatime -> f64;
        /// `os.path.getctime(p)`.
        getctime => call_getctime -> f64;
    }

    /// `os.path.join(a, *p)`.
    pub fn join<I, P>(&mut self, a: impl Into<FsPath>, parts: I) -> Result<FsPath>
    where
        I: IntoIterator<Item = P>,
        P: Into<FsPath>,
    {
        let a = p(a);
        let parts: Vec<Fspath> = parts.into_iter().map(p).collect();
        self.os.call(|g, s| g.path(s)?.call_join(s, &a, &parts)).map(FsPath::from)
    }

    /// `os.path.abspath(p)`, against the sandbox's current directory.
    pub fn abspath(&mut self, path: impl Into<FsPath>) -> Result<FsPath> {
        let path = p(path);
        self.os.call(|g, s| g.path(s)?.call_abspath(s, &path)).map(FsPath::from)
    }

    /// `os.path.realpath(p, strict=...)`, resolving links in the sandbox.
    pub fn realpath(&mut self, path: impl Into<FsPath>, strict: bool) -> Result<FsPath> {
        let path = p(path);
        self.os.call(|g, s| g.path(s)?.call_realpath(s, &path, strict)).map(FsPath::from)
    }

    /// `os.path.relpath(p, start)`; `None` is `os.curdir`.
    pub fn relpath(&mut self, path: impl Into<FsPath>, start: Option<FsPath>) -> Result<FsPath> {
        let path = p(path);
        let start = start.map(Fspath::from);
        self.os.call(|g, s| g.path(s)?.call_relpath(s, &path, start.as_ref())).map(FsPath::from)
    }

    /// `os.path.commonpath(paths)`.
    pub fn commonpath<I: IntoIterator<Item = P>, P: Into<FsPath>>(&mut self, paths: I) -> Result<FsPath> {
        let paths: Vec<Fspath> = paths.into_iter().map(p).collect();
        self.os.call(|g, s| g.path(s)?.call_commonpath(s, &paths)).map(FsPath::from)
    }

    /// `os.path.commonprefix(list)`.
    pub fn commonprefix<I: IntoIterator<Item = P>, P: Into<FsPath>>(&mut self, paths: I) -> Result<FsPath> {
        let paths: Vec<Fspath> = paths.into_iter().map(p).collect();
        self.os.call(|g, s| g.path(s)?.call_commonprefix(s, &paths)).map(FsPath::from)
    }

    /// `os.path.samefile(a, b)`.
    pub fn samefile(&mut self, a: impl Into<FsPath>, b: impl Into<FsPath>) -> Result<bool> {
        let (a, b) = (p(a), p(b));
        self.os.call(|g, s| g.path(s)?.call_samefile(s, &a, &b))
    }
}
