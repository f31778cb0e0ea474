//! The `osbox:os/host` extension (wit/host.wit): what WASI cannot do, or
//! does too slowly, done by the host beneath the very descriptors the guest
//! holds, so it reaches no more than the guest could. It has its own
//! context ([`HostCtx`]) and [`add_to_linker`], beside WASI's.
//!
//! Host failures become WIT error codes here, in one place ([`code`]), by
//! osbox's one errno table (crate `osbox-errno`).

mod children;
mod fs;
pub(crate) use fs::metadata_hash;
mod native;
mod pipes;

use std::io;
use std::sync::Arc;
use std::time::Instant;

#[cfg(target_os = "linux")]
use osbox_errno::LinuxErrno;
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};
use wasmtime_wasi::FsPerms;
use wasmtime_wasi::filesystem::Descriptor;

pub use children::{ChildProcess, interrupt, kill_children};
pub(crate) use children::{Children, CommandFailed, run_command};
pub use pipes::PipeEnd;

use crate::bindings::osbox::os::host::{
    ChildStdio, CopyMetadata, EntryTypes, FileStatus, Host, HostChild, HostPipe, KeptListing, ScanEntry, Spawned,
};
use crate::bindings::osbox::os::types::{ErrorCode, FileType, StatvfsResult, UnameResult};
use crate::limits::Stop;
use crate::policy::{AllowedProgram, Grant};
use crate::store::State;

osbox_errno::impl_linux_errno!(ErrorCode);

/// Called with the operation (`copytree`, `rmtree`, `move`) and the files
/// done so far, from the thread running the call.
pub type ProgressFn = Arc<dyn Fn(&str, u64) + Send + Sync>;

/// What the host extension knows of the sandbox an instance runs in.
#[derive(Clone)]
pub(crate) struct HostCtx {
    /// The grants, for the preopens of command components run as children.
    pub(crate) grants: Arc<Vec<Grant>>,
    /// The programs it may start.
    pub(crate) programs: Arc<Vec<AllowedProgram>>,
    /// Where tree operations report their progress.
    pub(crate) progress: Option<ProgressFn>,
    /// `os.getpid()` in this sandbox.
    pub(crate) pid: i32,
    /// The memory cap children get too.
    pub(crate) memory: Option<usize>,
    /// WASI and this extension, for command components run as children.
    pub(crate) linker: Arc<Linker<SandboxState>>,
    /// The instance runs with the host's standard streams (`Sandbox::run`,
    /// `osbox python`): children inheriting theirs get them too.
    pub(crate) inherit_stdio: bool,
    /// What the instance has started.
    pub(crate) children: Arc<Children>,
}

impl HostCtx {
    /// The context of a command component run as a child: the same
    /// sandbox, reporting no progress of its own, with children of its own.
    fn for_child(&self) -> HostCtx {
        HostCtx { progress: None, children: Children::new(), ..self.clone() }
    }
}

/// The store of an osbox instance: WASI and the host extension.
pub(crate) type SandboxState = State<HostCtx>;

/// The host extension's view of a store: its context, the table holding
/// the guest's descriptors (and its children and pipes), the instance's
/// deadline and stop switch.
pub(crate) struct HostView<'a> {
    ctx: &'a HostCtx,
    table: &'a mut ResourceTable,
    deadline: Option<Instant>,
    stop: &'a Stop,
    held: &'a mut Held,
}

/// How many entries one `scan-dirs-kept` call lists at most (past the
/// first directory): a walk's call for a directory's subdirectories stays
/// short, whatever the tree.
const LIST_AHEAD: usize = 1 << 16;

/// What a host call of `osbox:os/direct`'s reads and listings keeps for the
/// host's caller: the bytes read, or the entries listed. What is held
/// counts against the sandbox's memory cap, as the same data would in the
/// guest's memory: past it the call fails with `insufficient-memory`,
/// which the guest raises as `MemoryError`.
#[derive(Default)]
pub(crate) struct Held {
    pub(crate) bytes: Vec<u8>,
    /// The listings, numbered by their place here.
    pub(crate) listings: Vec<Kept>,
    /// The memory cap, if the sandbox has one.
    limit: Option<usize>,
    /// The bytes the listings hold.
    listed: usize,
}

impl Held {
    /// Nothing held yet, under the sandbox's memory cap `limit`.
    pub(crate) fn new(limit: Option<usize>) -> Held {
        Held { limit, ..Held::default() }
    }

    /// Takes the listings, which no longer count.
    pub(crate) fn take_listings(&mut self) -> Vec<Kept> {
        self.listed = 0;
        std::mem::take(&mut self.listings)
    }

    /// Keeps a listing: its number, or `insufficient-memory` past the cap.
    fn keep(&mut self, entries: Vec<ScanEntry>, dev: Option<u64>) -> Result<u32, ErrorCode> {
        let size = entries.iter().map(|e| std::mem::size_of::<ScanEntry>() + e.name.len()).sum::<usize>();
        if self.limit.is_some_and(|limit| self.listed.saturating_add(size) > limit) {
            return Err(ErrorCode::InsufficientMemory);
        }
        let number = u32::try_from(self.listings.len()).map_err(|_| ErrorCode::Overflow)?;
        self.listed += size;
        self.listings.push(Kept { entries, dev });
        Ok(number)
    }
}

/// A listing kept for the host's caller.
pub(crate) struct Kept {
    /// The entries; with `dev`, each one's `inode` is its own inode number,
    /// whose `metadata_hash` with `dev` is `inode()`.
    pub(crate) entries: Vec<ScanEntry>,
    /// The device of the directory, where the listing was asked with
    /// inode numbers.
    pub(crate) dev: Option<u64>,
}

struct HasHost;

impl HasData for HasHost {
    type Data<'a> = HostView<'a>;
}

/// Adds `osbox:os/host` to `linker`, for stores of [`SandboxState`].
pub(crate) fn add_to_linker(linker: &mut Linker<SandboxState>) -> wasmtime::Result<()> {
    crate::bindings::osbox::os::host::add_to_linker::<SandboxState, HasHost>(linker, |s| HostView {
        ctx: &s.ext,
        table: &mut s.table,
        deadline: s.deadline,
        stop: &s.stop,
        held: &mut s.held,
    })
}

/// A host `io::Error` as a WIT error code, by its errno: Linux's answer
/// whatever the host.
pub(crate) fn code(e: &io::Error) -> ErrorCode {
    if let Some(code) = e.raw_os_error().and_then(host_error) {
        return code;
    }
    use io::ErrorKind as K;
    match e.kind() {
        // cap-std refuses paths that leave the directory this way, as WASI does.
        K::PermissionDenied => ErrorCode::NotPermitted,
        K::NotFound => ErrorCode::NoEntry,
        K::AlreadyExists => ErrorCode::Exist,
        K::DirectoryNotEmpty => ErrorCode::NotEmpty,
        K::NotADirectory => ErrorCode::NotDirectory,
        K::IsADirectory => ErrorCode::IsDirectory,
        K::ReadOnlyFilesystem => ErrorCode::ReadOnly,
        K::StorageFull => ErrorCode::InsufficientSpace,
        K::CrossesDevices => ErrorCode::CrossDevice,
        K::BrokenPipe => ErrorCode::Pipe,
        K::WouldBlock => ErrorCode::WouldBlock,
        K::Interrupted => ErrorCode::Interrupted,
        K::Unsupported => ErrorCode::Unsupported,
        K::OutOfMemory => ErrorCode::InsufficientMemory,
        K::TimedOut => ErrorCode::TimedOut,
        _ => ErrorCode::Io,
    }
}

/// The code of the host's errno: Linux's own numbers.
#[cfg(target_os = "linux")]
fn host_error(errno: i32) -> Option<ErrorCode> {
    ErrorCode::from_errno(errno)
}

/// The code of the host's errno, by its name: the BSD numbers differ.
#[cfg(all(unix, not(target_os = "linux")))]
fn host_error(errno: i32) -> Option<ErrorCode> {
    macro_rules! by_name {
        (; $($case:ident = $n:literal $name:ident,)*) => {
            $(if errno == libc::$name {
                return Some(ErrorCode::$case);
            })*
        };
    }
    osbox_errno::for_each_error_code!(by_name);
    (errno == libc::EOPNOTSUPP).then_some(ErrorCode::Unsupported)
}

/// The code of a Windows error, as CPython maps it to an errno
/// (`winerror_to_errno`); the others go by their `io::ErrorKind`.
#[cfg(windows)]
fn host_error(error: i32) -> Option<ErrorCode> {
    Some(match error {
        2 | 3 | 15 | 53 | 123 | 161 | 206 => ErrorCode::NoEntry,
        5 | 19 | 32 | 33 | 65 | 82 | 108 | 1920 => ErrorCode::Access,
        6 => ErrorCode::BadDescriptor,
        8 | 14 => ErrorCode::InsufficientMemory,
        17 => ErrorCode::CrossDevice,
        18 => ErrorCode::NoEntry,
        39 | 112 => ErrorCode::InsufficientSpace,
        50 => ErrorCode::Unsupported,
        80 | 183 => ErrorCode::Exist,
        87 => ErrorCode::Invalid,
        109 | 232 => ErrorCode::Pipe,
        145 => ErrorCode::NotEmpty,
        267 => ErrorCode::NotDirectory,
        1168 => ErrorCode::NoSuchProcess,
        1314 => ErrorCode::NotPermitted,
        1921 => ErrorCode::Loop,
        _ => return None,
    })
}

/// A descriptor the guest passed: the open file or directory, and whether
/// its grant is read-only.
pub(crate) struct Beneath<'a> {
    file: &'a std::fs::File,
    is_dir: bool,
    read_only: bool,
}

impl<'a> Beneath<'a> {
    /// The directory to resolve paths beneath.
    fn dir(&self) -> Result<&'a std::fs::File, ErrorCode> {
        if self.is_dir { Ok(self.file) } else { Err(ErrorCode::NotDirectory) }
    }

    /// The directory to change something beneath: `read-only` under a
    /// read-only grant.
    fn writable_dir(&self) -> Result<&'a std::fs::File, ErrorCode> {
        if self.read_only { Err(ErrorCode::ReadOnly) } else { self.dir() }
    }
}

impl HostView<'_> {
    fn beneath(&self, d: &Resource<Descriptor>) -> Result<Beneath<'_>, ErrorCode> {
        match self.table.get(d) {
            Ok(Descriptor::Dir(dir)) => {
                Ok(Beneath { file: &dir.dir, is_dir: true, read_only: dir.perms == FsPerms::ReadOnly })
            }
            Ok(Descriptor::File(f)) => {
                Ok(Beneath { file: &f.file, is_dir: false, read_only: f.perms == FsPerms::ReadOnly })
            }
            Err(_) => Err(ErrorCode::BadDescriptor),
        }
    }
}

impl HostView<'_> {
    /// The open file `fd` to read: opened for reading, as WASI's `read` asks.
    fn readable(&self, fd: &Resource<Descriptor>) -> Result<&std::fs::File, ErrorCode> {
        match self.table.get(fd) {
            Ok(Descriptor::File(f)) if f.open_mode.contains(wasmtime_wasi::OpenMode::READ) => Ok(&f.file),
            Ok(Descriptor::File(_)) => Err(ErrorCode::BadDescriptor),
            Ok(Descriptor::Dir(_)) => Err(ErrorCode::IsDirectory),
            Err(_) => Err(ErrorCode::BadDescriptor),
        }
    }
}

impl Host for HostView<'_> {
    fn read_at(&mut self, fd: Resource<Descriptor>, len: u64, offset: u64) -> Result<Vec<u8>, ErrorCode> {
        fs::read_at(self.readable(&fd)?, len, offset)
    }

    fn read_at_held(&mut self, fd: Resource<Descriptor>, len: u64, offset: u64) -> Result<u64, ErrorCode> {
        // Past the cap by a byte at most, then refused: what a read into
        // the guest's memory would meet there.
        let limit = self.held.limit.map_or(u64::MAX, |l| l as u64);
        let bytes = fs::read_at(self.readable(&fd)?, len.min(limit.saturating_add(1)), offset)?;
        if bytes.len() as u64 > limit {
            return Err(ErrorCode::InsufficientMemory);
        }
        self.held.bytes = bytes;
        Ok(self.held.bytes.len() as u64)
    }

    fn chmod(&mut self, dir: Resource<Descriptor>, path: String, mode: u32, follow: bool) -> Result<(), ErrorCode> {
        fs::chmod(&self.beneath(&dir)?, &path, mode, follow)
    }

    fn statvfs(&mut self, dir: Resource<Descriptor>, path: String) -> Result<StatvfsResult, ErrorCode> {
        fs::statvfs(&self.beneath(&dir)?, &path)
    }

    fn stat(&mut self, dir: Resource<Descriptor>, path: String, follow: bool) -> Result<FileStatus, ErrorCode> {
        fs::stat(&self.beneath(&dir)?, &path, follow)
    }

    fn copy_file(
        &mut self,
        src_dir: Resource<Descriptor>,
        src: String,
        dst_dir: Resource<Descriptor>,
        dst: String,
        metadata: CopyMetadata,
        sync: bool,
    ) -> Result<(), ErrorCode> {
        fs::copy_file(&self.beneath(&src_dir)?, &src, &self.beneath(&dst_dir)?, &dst, metadata, sync)
    }

    fn rename(
        &mut self,
        src_dir: Resource<Descriptor>,
        src: String,
        dst_dir: Resource<Descriptor>,
        dst: String,
    ) -> Result<(), ErrorCode> {
        fs::rename(&self.beneath(&src_dir)?, &src, &self.beneath(&dst_dir)?, &dst)
    }

    fn scan_dir(&mut self, dir: Resource<Descriptor>, path: String, inodes: bool) -> Result<Vec<ScanEntry>, ErrorCode> {
        fs::scan_dir(&self.beneath(&dir)?, &path, inodes)
    }

    fn scan_dir_kept(&mut self, dir: Resource<Descriptor>, path: String, inodes: bool) -> Result<u32, ErrorCode> {
        let (entries, dev) = fs::scan_dir_raw(&self.beneath(&dir)?, &path, inodes)?;
        self.held.keep(entries, dev)
    }

    fn scan_dirs_kept(&mut self, dir: Resource<Descriptor>, paths: Vec<String>) -> Vec<Result<KeptListing, ErrorCode>> {
        // One call lists what a walk would soon list anyway, but no more
        // than LIST_AHEAD entries, and none past the time limit: the guest
        // lists the rest when it gets there, where the limits reach it.
        let scanned: Vec<_> = match self.beneath(&dir) {
            Ok(at) => {
                let mut listed = 0;
                let mut scanned = Vec::new();
                for path in &paths {
                    let late = self.deadline.is_some_and(|d| Instant::now() >= d);
                    if !scanned.is_empty() && (listed >= LIST_AHEAD || late || crate::limits::interrupted()) {
                        break;
                    }
                    let entries = fs::scan_dir(&at, path, false);
                    listed += entries.as_ref().map_or(1, Vec::len);
                    scanned.push(entries);
                }
                scanned
            }
            Err(e) => vec![Err(e)],
        };
        let mut out = Vec::with_capacity(scanned.len());
        for entries in scanned {
            out.push(entries.and_then(|entries| {
                let mut types = Vec::with_capacity(entries.len());
                let mut dirs = Vec::new();
                for (i, e) in (0u32..).zip(&entries) {
                    types.push(EntryTypes { type_: e.type_, target_type: e.target_type });
                    if e.type_ == FileType::Directory || e.target_type == Some(FileType::Directory) {
                        dirs.push((i, e.name.clone()));
                    }
                }
                let number = self.held.keep(entries, None)?;
                Ok(KeptListing { number, types, dirs })
            }));
        }
        out
    }

    fn progress(&mut self, operation: String, done: u64) -> bool {
        match &self.ctx.progress {
            Some(report) => {
                report(&operation, done);
                true
            }
            None => false,
        }
    }

    fn unlink_names(&mut self, dir: Resource<Descriptor>, names: Vec<String>) -> (u32, Option<ErrorCode>) {
        match self.beneath(&dir) {
            Ok(at) => fs::unlink_names(&at, &names),
            Err(e) => (0, Some(e)),
        }
    }

    fn system_info(&mut self) -> (UnameResult, u32) {
        let uname = uname();
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        (uname, cpus)
    }

    fn pids(&mut self) -> (i32, i32) {
        (self.ctx.pid, std::process::id() as i32)
    }

    fn local_zone(&mut self, seconds: i64) -> (i64, String, bool) {
        local_zone(seconds)
    }

    fn terminal_size(&mut self, _fd: i32) -> Result<(u32, u32), ErrorCode> {
        // The sandbox's standard streams are pipes or nothing in every way
        // osbox runs it today: never a terminal.
        Err(ErrorCode::NoTty)
    }

    #[allow(clippy::too_many_arguments)]
    fn spawn(
        &mut self,
        argv: Vec<String>,
        cwd_dir: Resource<Descriptor>,
        cwd: String,
        guest_cwd: String,
        env: Vec<(String, String)>,
        stdin: ChildStdio,
        stdout: ChildStdio,
        stderr: ChildStdio,
    ) -> Result<Spawned, ErrorCode> {
        let argv0 = argv.first().ok_or(ErrorCode::Invalid)?;
        let program = AllowedProgram::find(&self.ctx.programs, argv0).ok_or(ErrorCode::NotPermitted)?;
        // The directory must be beneath the grant, as cap-std resolves it;
        // the child enters it through this descriptor.
        let at = self.beneath(&cwd_dir)?;
        let cwd = cap_primitives::fs::open_dir(at.dir()?, std::path::Path::new(&cwd)).map_err(|e| code(&e))?;
        let stdio = [self.io(stdin)?, self.io(stdout)?, self.io(stderr)?];
        let spawn =
            children::Spawn { argv: &argv, cwd, guest_cwd: &guest_cwd, env: &env, stdio, deadline: self.deadline };
        let started = match &program.wasm {
            Some(component) => children::spawn_command(self.ctx, component, spawn, &self.ctx.children)?,
            None => children::spawn_native(program, spawn, self.ctx.inherit_stdio, &self.ctx.children)?,
        };
        let [a, b, c] = started.pipes;
        let mut pipe = |end: Option<PipeEnd>| end.map(|e| self.table.push(e).map_err(|_| ErrorCode::Io)).transpose();
        let (stdin, stdout, stderr) = (pipe(a)?, pipe(b)?, pipe(c)?);
        let child = self.table.push(ChildProcess(started.child)).map_err(|_| ErrorCode::Io)?;
        Ok(Spawned { child, stdin, stdout, stderr })
    }

    fn ready(
        &mut self,
        pipes: Vec<Resource<PipeEnd>>,
        timeout_ns: Option<u64>,
    ) -> wasmtime::Result<Result<Vec<bool>, ErrorCode>> {
        let mut ends = Vec::new();
        for p in &pipes {
            match self.table.get(p) {
                Ok(end) => ends.push(end),
                Err(_) => return Ok(Err(ErrorCode::BadDescriptor)),
            }
        }
        pipes::ready(&ends, timeout_ns, &self.bounds())
    }

    fn kill(&mut self, pid: i32, signal: i32) -> Result<(), ErrorCode> {
        self.ctx.children.kill(pid, signal)
    }
}

impl HostView<'_> {
    /// What a wait of this instance may not outlast.
    fn bounds(&self) -> pipes::Bounds<'_> {
        pipes::Bounds { deadline: self.deadline, stop: self.stop, children: &self.ctx.children }
    }

    /// Where the guest asked a child's stream to go, as the host's.
    fn io(&self, s: ChildStdio) -> Result<children::Io, ErrorCode> {
        use children::Io;
        let dup = |r: std::io::Result<std::fs::File>| r.map(Io::Fd).map_err(|e| code(&e));
        Ok(match s {
            ChildStdio::Inherit => Io::Inherit,
            ChildStdio::Pipe => Io::Pipe,
            ChildStdio::Null => Io::Null,
            ChildStdio::Stdout => Io::Stdout,
            ChildStdio::File((d, offset)) => {
                let mut file = self.beneath(&d)?.file.try_clone().map_err(|e| code(&e))?;
                // The child starts where the sandbox's offset is; the host's
                // descriptors are read and written at explicit offsets, so
                // moving this shared one changes nothing for them.
                use std::io::Seek as _;
                file.seek(std::io::SeekFrom::Start(offset)).map_err(|e| code(&e))?;
                Io::Fd(file)
            }
            ChildStdio::FromPipe(p) => dup(self.table.get(&p).map_err(|_| ErrorCode::BadDescriptor)?.dup())?,
        })
    }
}

impl HostChild for HostView<'_> {
    fn pid(&mut self, child: Resource<ChildProcess>) -> i32 {
        self.table.get(&child).map_or(0, |c| c.pid())
    }

    fn wait(
        &mut self,
        child: Resource<ChildProcess>,
        timeout_ns: Option<u64>,
    ) -> wasmtime::Result<Result<Option<i32>, ErrorCode>> {
        let child = self.table.get(&child)?;
        child.wait(timeout_ns, &self.bounds())
    }

    fn send_signal(&mut self, child: Resource<ChildProcess>, signal: i32) -> Result<(), ErrorCode> {
        self.table.get(&child).map_err(|_| ErrorCode::BadDescriptor)?.send_signal(signal)
    }

    fn drop(&mut self, child: Resource<ChildProcess>) -> wasmtime::Result<()> {
        // The process goes on; the instance's `Children` ends it with the
        // instance, as CPython leaves a child whose Popen is gone.
        self.table.delete(child)?;
        Ok(())
    }
}

impl HostPipe for HostView<'_> {
    fn read(
        &mut self,
        pipe: Resource<PipeEnd>,
        max: u64,
        timeout_ns: Option<u64>,
    ) -> wasmtime::Result<Result<Vec<u8>, ErrorCode>> {
        let end = self.table.get(&pipe)?;
        end.read(max, timeout_ns, &self.bounds())
    }

    fn write(
        &mut self,
        pipe: Resource<PipeEnd>,
        data: Vec<u8>,
        timeout_ns: Option<u64>,
    ) -> wasmtime::Result<Result<u64, ErrorCode>> {
        let end = self.table.get(&pipe)?;
        end.write(&data, timeout_ns, &self.bounds())
    }

    fn drop(&mut self, pipe: Resource<PipeEnd>) -> wasmtime::Result<()> {
        self.table.delete(pipe)?;
        Ok(())
    }
}

/// The host's `uname`.
#[cfg(unix)]
fn uname() -> UnameResult {
    let u = rustix::system::uname();
    let text = |s: &std::ffi::CStr| s.to_string_lossy().into_owned();
    UnameResult {
        sysname: text(u.sysname()),
        nodename: text(u.nodename()),
        release: text(u.release()),
        version: text(u.version()),
        machine: text(u.machine()),
    }
}

/// Windows has no `uname`: the system's name as Python's `platform.system()`
/// gives it there, the computer's name, its version (`major.minor`, and the
/// build), and the machine as Linux names it.
#[cfg(windows)]
fn uname() -> UnameResult {
    // SAFETY: RtlGetVersion fills the structure it is given, whose size is
    // set first.
    let (release, version) = unsafe {
        #[link(name = "ntdll")]
        unsafe extern "system" {
            fn RtlGetVersion(info: *mut windows_sys::Win32::System::SystemInformation::OSVERSIONINFOW) -> i32;
        }
        let mut info: windows_sys::Win32::System::SystemInformation::OSVERSIONINFOW = std::mem::zeroed();
        info.dwOSVersionInfoSize = std::mem::size_of_val(&info) as u32;
        if RtlGetVersion(&mut info) == 0 {
            (format!("{}.{}", info.dwMajorVersion, info.dwMinorVersion), info.dwBuildNumber.to_string())
        } else {
            (String::new(), String::new())
        }
    };
    UnameResult {
        sysname: "Windows".into(),
        nodename: std::env::var("COMPUTERNAME").unwrap_or_default(),
        release,
        version,
        machine: std::env::consts::ARCH.into(),
    }
}

/// The host's time zone at `seconds`: offset east of UTC, abbreviation,
/// summer time.
#[cfg(unix)]
fn local_zone(seconds: i64) -> (i64, String, bool) {
    let t: libc::time_t = seconds as libc::time_t;
    // SAFETY: localtime_r writes only into `tm`, which lives on this stack,
    // and reads the time zone the process set up; tm_zone points into
    // libc's static zone names, copied out before returning.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return (0, "UTC".into(), false);
        }
        let zone = if tm.tm_zone.is_null() {
            String::from("UTC")
        } else {
            std::ffi::CStr::from_ptr(tm.tm_zone).to_string_lossy().into_owned()
        };
        (tm.tm_gmtoff as i64, zone, tm.tm_isdst > 0)
    }
}

/// The host's time zone at `seconds`, from the zone's rules for that time:
/// the offset is local time less UTC; summer time when that is not the
/// standard offset; the zone's name as Windows gives it (as CPython's
/// `time.tzname` there).
#[cfg(windows)]
fn local_zone(seconds: i64) -> (i64, String, bool) {
    use windows_sys::Win32::Foundation::{FILETIME, SYSTEMTIME};
    use windows_sys::Win32::System::Time::{
        FileTimeToSystemTime, GetTimeZoneInformation, SystemTimeToFileTime, SystemTimeToTzSpecificLocalTime,
        TIME_ZONE_INFORMATION,
    };
    const EPOCH: i64 = 11_644_473_600;
    let utc_ticks = match seconds.checked_add(EPOCH).and_then(|s| s.checked_mul(10_000_000)) {
        Some(t) if t >= 0 => t as u64,
        _ => return (0, "UTC".into(), false),
    };
    let split = |t: u64| FILETIME { dwLowDateTime: t as u32, dwHighDateTime: (t >> 32) as u32 };
    // SAFETY: every pointer is to a local of the right type.
    unsafe {
        let mut utc: SYSTEMTIME = std::mem::zeroed();
        let mut local: SYSTEMTIME = std::mem::zeroed();
        let mut local_ft: FILETIME = std::mem::zeroed();
        let mut zone: TIME_ZONE_INFORMATION = std::mem::zeroed();
        if FileTimeToSystemTime(&split(utc_ticks), &mut utc) == 0
            || SystemTimeToTzSpecificLocalTime(std::ptr::null(), &utc, &mut local) == 0
            || SystemTimeToFileTime(&local, &mut local_ft) == 0
        {
            return (0, "UTC".into(), false);
        }
        GetTimeZoneInformation(&mut zone);
        let local_ticks = (u64::from(local_ft.dwHighDateTime) << 32) | u64::from(local_ft.dwLowDateTime);
        let offset = (local_ticks as i64 - utc_ticks as i64) / 10_000_000;
        let summer = offset != -i64::from(zone.Bias) * 60;
        let name = if summer { &zone.DaylightName[..] } else { &zone.StandardName[..] };
        let end = name.iter().position(|c| *c == 0).unwrap_or(name.len());
        (offset, String::from_utf16_lossy(&name[..end]), summer)
    }
}

impl crate::bindings::osbox::os::types::Host for HostView<'_> {}
