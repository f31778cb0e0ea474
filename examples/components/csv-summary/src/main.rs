//! `csv-summary DATA_DIR [SUMMARY]`: reads every `*.csv` file of DATA_DIR
//! (sorted by name; the first row is the header) and writes a summary,
//! `DATA_DIR/summary.txt` by default: per file its rows and columns, per
//! column its count, and for numeric columns sum, min, max and mean.
//!
//! The summary is replaced atomically (written beside it, then renamed).
//! A file that cannot be read or parsed is reported and skipped, and the
//! exit status is then 1.

use std::fmt::Write as _;
use std::process::ExitCode;

use osbox_bindings::{OsError, PathOrFd, fs, p, path, read_file, text, write_file_atomic};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (dir, out) = match &args[..] {
        [_, dir] => (dir.clone(), None),
        [_, dir, out] => (dir.clone(), Some(out.clone())),
        _ => {
            eprintln!("usage: csv-summary DATA_DIR [SUMMARY]");
            return ExitCode::from(2);
        }
    };
    match summarise(&dir, out) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("csv-summary: {}", e.python());
            ExitCode::FAILURE
        }
    }
}

/// Writes the summary; false when a file was skipped.
fn summarise(dir: &str, out: Option<String>) -> Result<bool, OsError> {
    let out = match out {
        Some(o) => o,
        None => text(&path::join(&p(dir), &[p("summary.txt")])?),
    };
    let mut names: Vec<String> =
        fs::listdir(Some(&PathOrFd::Path(p(dir))))?.iter().map(text).filter(|n| n.ends_with(".csv")).collect();
    names.sort();
    let mut summary = String::new();
    let (mut files, mut rows, mut all_ok) = (0, 0, true);
    for name in &names {
        let full = path::join(&p(dir), &[p(name)])?;
        if !path::isfile(&full) {
            continue;
        }
        let parsed = read_file(&text(&full))
            .map_err(|e| e.message)
            .and_then(|data| String::from_utf8(data).map_err(|_| "not UTF-8 text".to_string()))
            .and_then(|t| parse(&t));
        match parsed {
            Ok(table) => {
                let section = describe(name, &table);
                print!("{section}");
                summary.push_str(&section);
                files += 1;
                rows += table.rows.len();
            }
            Err(why) => {
                eprintln!("csv-summary: skipped {name}: {why}");
                let _ = writeln!(summary, "{name}: skipped: {why}");
                all_ok = false;
            }
        }
    }
    let total = format!("total: {files} files, {rows} rows\n");
    print!("{total}");
    summary.push_str(&total);
    write_file_atomic(&out, summary.as_bytes())?;
    println!("summary written to {out}");
    Ok(all_ok)
}

struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// RFC 4180: fields separated by commas, quoted with `"` (doubled inside),
/// records ended by LF or CRLF.
fn parse(input: &str) -> Result<Table, String> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, input.chars().peekable());
    let mut line = 1;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                line += usize::from(c == '\n');
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                line += 1;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(format!("unterminated quote at line {line}"));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    let mut records = records.into_iter();
    let header = records.next().ok_or("empty file")?;
    let rows: Vec<Vec<String>> = records.filter(|r| !(r.len() == 1 && r[0].is_empty())).collect();
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != header.len()) {
        return Err(format!("row {} has {} fields, the header has {}", i + 2, r.len(), header.len()));
    }
    Ok(Table { header, rows })
}

fn describe(name: &str, table: &Table) -> String {
    let mut s = format!("{name}: {} rows, {} columns\n", table.rows.len(), table.header.len());
    for (i, column) in table.header.iter().enumerate() {
        let values: Vec<&str> = table.rows.iter().map(|r| r[i].trim()).filter(|v| !v.is_empty()).collect();
        let numbers: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
        match numbers {
            Some(n) if !n.is_empty() => {
                let sum: f64 = n.iter().sum();
                let min = n.iter().copied().fold(f64::INFINITY, f64::min);
                let max = n.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mean = sum / n.len() as f64;
                let _ = writeln!(
                    s,
                    "  {column}: {} numbers, sum {}, min {}, max {}, mean {}",
                    n.len(),
                    num(sum),
                    num(min),
                    num(max),
                    num(mean)
                );
            }
            _ => {
                let mut distinct = values.clone();
                distinct.sort_unstable();
                distinct.dedup();
                let _ = writeln!(s, "  {column}: {} values, {} distinct", values.len(), distinct.len());
            }
        }
    }
    s
}

/// A number as Python's `round(x, 4)` prints it, without a trailing `.0`.
fn num(x: f64) -> String {
    let r = (x * 1e4).round() / 1e4;
    if r == r.trunc() && r.abs() < 1e15 { format!("{}", r as i64) } else { format!("{r}") }
}
