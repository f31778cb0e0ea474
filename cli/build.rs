//! Embeds the WIT package's text, so `osbox mcp` describes `python_os`'s
//! calls with the same documentation the WIT files give them.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
    println!("cargo:rerun-if-changed={}", wit.display());
    let mut files: Vec<_> = std::fs::read_dir(&wit)
        .expect("the wit directory")
        .map(|e| e.expect("a wit entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wit"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Each WIT file of the package: its name and text.\npub static WIT_FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().and_then(|n| n.to_str()).expect("a UTF-8 name");
        let abs = f.canonicalize().expect("the wit file");
        writeln!(out, "    ({name:?}, include_str!({:?})),", abs.display().to_string()).unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("wit_files.rs");
    std::fs::write(dest, out).expect("write wit_files.rs");
}
