//! Linux's signals as Python's `signal.Signals` has them: the name and
//! number of each, and what a signal does to a process that has not
//! changed its disposition (which is every WASI command component).

/// What a signal does by default (`signal(7)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Ends the process (with or without a core dump).
    End,
    /// Nothing.
    Ignore,
    /// Stops (or continues) the process.
    Stop,
}

/// `signal.SIGHUP`.
pub const SIGHUP: i32 = 1;
/// `signal.SIGINT`.
pub const SIGINT: i32 = 2;
/// `signal.SIGQUIT`.
pub const SIGQUIT: i32 = 3;
/// `signal.SIGILL`.
pub const SIGILL: i32 = 4;
/// `signal.SIGTRAP`.
pub const SIGTRAP: i32 = 5;
/// `signal.SIGABRT`.
pub const SIGABRT: i32 = 6;
/// `signal.SIGBUS`.
pub const SIGBUS: i32 = 7;
/// `signal.SIGFPE`.
pub const SIGFPE: i32 = 8;
/// `signal.SIGKILL`.
pub const SIGKILL: i32 = 9;
/// `signal.SIGUSR1`.
pub const SIGUSR1: i32 = 10;
/// `signal.SIGSEGV`.
pub const SIGSEGV: i32 = 11;
/// `signal.SIGUSR2`.
pub const SIGUSR2: i32 = 12;
/// `signal.SIGPIPE`.
pub const SIGPIPE: i32 = 13;
/// `signal.SIGALRM`.
pub const SIGALRM: i32 = 14;
/// `signal.SIGTERM`.
pub const SIGTERM: i32 = 15;
/// `signal.SIGSTKFLT`.
pub const SIGSTKFLT: i32 = 16;
/// `signal.SIGCHLD`.
pub const SIGCHLD: i32 = 17;
/// `signal.SIGCONT`.
pub const SIGCONT: i32 = 18;
/// `signal.SIGSTOP`.
pub const SIGSTOP: i32 = 19;
/// `signal.SIGTSTP`.
pub const SIGTSTP: i32 = 20;
/// `signal.SIGTTIN`.
pub const SIGTTIN: i32 = 21;
/// `signal.SIGTTOU`.
pub const SIGTTOU: i32 = 22;
/// `signal.SIGURG`.
pub const SIGURG: i32 = 23;
/// `signal.SIGXCPU`.
pub const SIGXCPU: i32 = 24;
/// `signal.SIGXFSZ`.
pub const SIGXFSZ: i32 = 25;
/// `signal.SIGVTALRM`.
pub const SIGVTALRM: i32 = 26;
/// `signal.SIGPROF`.
pub const SIGPROF: i32 = 27;
/// `signal.SIGWINCH`.
pub const SIGWINCH: i32 = 28;
/// `signal.SIGIO`.
pub const SIGIO: i32 = 29;
/// `signal.SIGPWR`.
pub const SIGPWR: i32 = 30;
/// `signal.SIGSYS`.
pub const SIGSYS: i32 = 31;
/// `signal.SIGRTMIN`.
pub const SIGRTMIN: i32 = 34;
/// `signal.SIGRTMAX`.
pub const SIGRTMAX: i32 = 64;

/// `signal.Signals`: every member with its Linux number, in CPython's
/// order; the first of a number is the name `repr` shows (`SIGABRT`, not
/// `SIGIOT`).
pub const SIGNALS: &[(&str, i32, Action)] = &[
    ("SIGHUP", SIGHUP, Action::End),
    ("SIGINT", SIGINT, Action::End),
    ("SIGQUIT", SIGQUIT, Action::End),
    ("SIGILL", SIGILL, Action::End),
    ("SIGTRAP", SIGTRAP, Action::End),
    ("SIGABRT", SIGABRT, Action::End),
    ("SIGBUS", SIGBUS, Action::End),
    ("SIGFPE", SIGFPE, Action::End),
    ("SIGKILL", SIGKILL, Action::End),
    ("SIGUSR1", SIGUSR1, Action::End),
    ("SIGSEGV", SIGSEGV, Action::End),
    ("SIGUSR2", SIGUSR2, Action::End),
    ("SIGPIPE", SIGPIPE, Action::End),
    ("SIGALRM", SIGALRM, Action::End),
    ("SIGTERM", SIGTERM, Action::End),
    ("SIGSTKFLT", SIGSTKFLT, Action::End),
    ("SIGCHLD", SIGCHLD, Action::Ignore),
    ("SIGCONT", SIGCONT, Action::Stop),
    ("SIGSTOP", SIGSTOP, Action::Stop),
    ("SIGTSTP", SIGTSTP, Action::Stop),
    ("SIGTTIN", SIGTTIN, Action::Stop),
    ("SIGTTOU", SIGTTOU, Action::Stop),
    ("SIGURG", SIGURG, Action::Ignore),
    ("SIGXCPU", SIGXCPU, Action::End),
    ("SIGXFSZ", SIGXFSZ, Action::End),
    ("SIGVTALRM", SIGVTALRM, Action::End),
    ("SIGPROF", SIGPROF, Action::End),
    ("SIGWINCH", SIGWINCH, Action::Ignore),
    ("SIGIO", SIGIO, Action::End),
    ("SIGPWR", SIGPWR, Action::End),
    ("SIGSYS", SIGSYS, Action::End),
    ("SIGRTMIN", SIGRTMIN, Action::End),
    ("SIGRTMAX", SIGRTMAX, Action::End),
];

/// The aliases `signal` also has, by number.
pub const ALIASES: &[(&str, i32)] = &[("SIGIOT", 6), ("SIGPOLL", 29), ("SIGCLD", 17)];

/// The highest signal number Linux has (`signal.NSIG - 1`).
pub const MAX: i32 = 64;

/// The name `repr(signal.Signals(n))` shows, if `n` is a member.
pub fn name(n: i32) -> Option<&'static str> {
    SIGNALS.iter().find(|s| s.1 == n).map(|s| s.0)
}

/// The number of `signal.NAME` (members and aliases).
pub fn number(name: &str) -> Option<i32> {
    SIGNALS.iter().map(|s| (s.0, s.1)).chain(ALIASES.iter().copied()).find(|s| s.0 == name).map(|s| s.1)
}

/// What signal `n` does by default: real-time signals between `SIGRTMIN`
/// and `SIGRTMAX` end the process too; `None` for a number that is no
/// signal.
pub fn action(n: i32) -> Option<Action> {
    match SIGNALS.iter().find(|s| s.1 == n) {
        Some(s) => Some(s.2),
        None if (34..=MAX).contains(&n) => Some(Action::End),
        None => None,
    }
}
