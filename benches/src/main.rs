//! `cargo run --release -p osbox-bench [-- --quick] [--only CASE] [--runs N]`: the speed table of the
//! README (see the library's documentation).

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes = if quick { &osbox_bench::Sizes::QUICK } else { &osbox_bench::Sizes::FULL };
    let args: Vec<String> = std::env::args().collect();
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).map(String::as_str);
    if let Some(n) = args.iter().position(|a| a == "--runs").and_then(|i| args.get(i + 1)) {
        match n.parse() {
            Ok(n) => osbox_bench::set_runs(n),
            Err(_) => {
                eprintln!("osbox-bench: --runs takes a number, not {n:?}");
                std::process::exit(2);
            }
        }
    }
    let report = osbox_bench::measure(sizes, only.is_none(), only);
    osbox_bench::print(&report, if quick { "quick" } else { "full" });
}
