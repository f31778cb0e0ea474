//! A small WASI command the tests run as a sandboxed subprocess: it echoes,
//! copies standard input, reads and writes files in its preopens, and exits
//! with a chosen code, spins, and allocates without end.

use std::io::{Read, Write};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rest = &args[1.min(args.len())..];
    match rest.first().map(String::as_str) {
        Some("exit") => {
            eprintln!("exiting with {}", rest.get(1).map_or("1", String::as_str));
            std::process::exit(rest.get(1).and_then(|c| c.parse().ok()).unwrap_or(1));
        }
        Some("cat") => {
            let mut input = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut input);
            let _ = std::io::stdout().write_all(&input);
        }
        Some("env") => println!("{}", std::env::var("GREETING").unwrap_or_default()),
        Some("read") => match std::fs::read_to_string(rest.get(1).map_or("", String::as_str)) {
            Ok(text) => print!("{text}"),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        },
        Some("write") => {
            if let (Some(path), Some(text)) = (rest.get(1), rest.get(2))
                && let Err(e) = std::fs::write(path, text)
            {
                eprintln!("{e}");
                std::process::exit(2);
            }
        }
        Some("spin") => loop {
            std::hint::spin_loop();
        },
        // Allocates (and touches) 64 MiB at a time until 8 GiB, unless a
        // memory cap stops it first.
        Some("alloc") => {
            let mut held = Vec::new();
            for i in 0..128u32 {
                held.push(vec![i as u8; 64 << 20]);
            }
            println!("held {} MiB", held.len() * 64);
        }
        _ => println!("{}", rest.join(" ")),
    }
}
