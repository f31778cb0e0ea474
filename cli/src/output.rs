//! What osbox writes for people, without ever panicking: standard output
//! that goes away (`osbox call os.listdir /big | head -1`) ends osbox
//! quietly, as it ends a Unix tool, and standard error is best effort.

use std::io::{self, Write};

/// Writes `text` to standard output. A reader that went away comes back as
/// a `BrokenPipe` error, which [`broken_pipe`] recognises.
pub fn print(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes one line to standard error; a standard error that cannot be
/// written has no one to tell.
pub fn error(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// Whether `e` is standard output's reader going away.
pub fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}
