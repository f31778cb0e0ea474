//! `cargo run --release -p osbox-bench [-- --quick] [--only CASE]`: the speed table of the
//! README (see the library's documentation).

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes = if quick { &osbox_bench::Sizes::QUICK } else { &osbox_bench::Sizes::FULL };
    let args: Vec<String> = std::env::args().collect();
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).map(String::as_str);
    let report = osbox_bench::measure(sizes, only.is_none(), only);
    osbox_bench::print(&report, if quick { "quick" } else { "full" });
}
