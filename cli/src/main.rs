//! The `osbox` command: thin over the library. `call` runs one function,
//! `exec` speaks the JSON-lines protocol (PROTOCOL.md).

mod commands;
mod mcp;
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
        Err(e) => {
            eprintln!("osbox: {e:#}");
            ExitCode::from(2)
        }
    }
}
