//! osbox's end-to-end tests, in one binary: the Rust API, the CLI, the
//! differential comparison with CPython, and the sandbox's guarantees.

mod api;
mod at;
mod cli;
mod crash;
mod differential;
mod escapes;
mod examples;
mod faults;
mod files;
mod fuzz;
mod harness;
mod hostile;
mod hosts;
mod limits;
mod load;
mod mcp;
mod misuse;
mod process;
mod python;
mod python_package;
mod sandbox;
mod sequences;
mod standalone;
mod system;
