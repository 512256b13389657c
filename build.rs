//! Turns data/codes.tsv (kind, value, name) into sorted static tables, so that naming a
//! code costs a binary search and nothing at start-up.

use std::fmt::Write as _;
use std::{env, fs, path::Path};

fn main() {
    let src = "data/codes.tsv";
    println!("cargo::rerun-if-changed={src}");
    let text = fs::read_to_string(src).expect("data/codes.tsv is part of the source tree");
    let mut rows: Vec<(u8, u32, String)> = Vec::new();
    for line in text.lines().skip(1) {
        let mut it = line.split('\t');
        let (Some(kind), Some(value), Some(name)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let (k, v) = match kind {
            "hresult" => (0u8, u32::from_str_radix(value.trim_start_matches("0x"), 16)),
            "win32" => (1u8, value.parse::<u32>()),
            "ntstatus" => (2u8, u32::from_str_radix(value.trim_start_matches("0x"), 16)),
            _ => continue,
        };
        let v = v.expect("codes.tsv values are numbers");
        rows.push((k, v, name.to_string()));
    }
    let mut by_value = rows.clone();
    // Stable: the first name listed for a value stays its primary name.
    by_value.sort_by_key(|r| (r.0, r.1));
    let mut by_name = rows;
    by_name.sort_by(|a, b| a.2.cmp(&b.2));
    by_name.dedup_by(|a, b| a.2 == b.2);

    let mut out = String::new();
    out.push_str(
        "/// (kind, value, name) sorted by kind then value; kind 0 HRESULT, 1 Win32, 2 NTSTATUS.\n",
    );
    out.push_str("pub(crate) static BY_VALUE: &[(u8, u32, &str)] = &[\n");
    for (k, v, n) in &by_value {
        writeln!(out, "({k},{v},{n:?}),").expect("writing to a String");
    }
    out.push_str("];\n/// (name, kind, value) sorted by name.\n");
    out.push_str("pub(crate) static BY_NAME: &[(&str, u8, u32)] = &[\n");
    for (k, v, n) in &by_name {
        writeln!(out, "({n:?},{k},{v}),").expect("writing to a String");
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("codes.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}
