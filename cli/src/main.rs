//! The `osbox` command: thin over the library. `call` runs one function,
//! `exec` speaks the JSON-lines protocol (PROTOCOL.md).

mod commands;
mod mcp;
mod output;
mod render;
mod signals;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Before any other thread starts: SIGINT, SIGTERM and SIGHUP stop the
    // running call and the programs the sandbox started, then osbox exits
    // with 128 + the signal.
    signals::stop_on_signals();
    let args = commands::Cli::parse();
    let outcome = commands::dispatch(args);
    signals::exit_if_stopping();
    match outcome {
        Ok(code) => code,
        // Standard output's reader went away (`| head -1`): stop quietly with
        // the status a shell shows for a tool SIGPIPE ended.
        Err(e) if output::broken_pipe(&e) => {
            osbox::kill_children();
            ExitCode::from(141)
        }
        Err(e) => {
            output::error(&format!("osbox: {e:#}"));
            ExitCode::from(2)
        }
    }
}
