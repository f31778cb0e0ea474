//! The `osbox` command: thin over the library. `call` runs one function,
//! `exec` speaks the JSON-lines protocol (PROTOCOL.md).

mod commands;
mod mcp;
mod output;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = commands::Cli::parse();
    // Ctrl-C stops the sandbox and the programs it started, not just osbox.
    let _ = ctrlc::set_handler(|| {
        osbox::kill_children();
        std::process::exit(130);
    });
    match commands::run(args) {
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
