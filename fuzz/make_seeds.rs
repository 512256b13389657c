//! Writes starting corpora for every fuzz target from the project's own fixtures (and a few
//! lines of our own for the grammars no fixture uses): `cargo run --bin make-seeds` from
//! `fuzz/`. Output goes to `fuzz/corpus/<target>/`, which git ignores.

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

const LEGACY_WU: &str = "2024-02-14\t02:00:01:123\t 1000\t1a2c\tMisc\t===========  Logging initialized (build: 7.6.7601.24436, tz: -0800)  ===========\r\n\
2024-02-14\t02:00:05:456\t 1000\t1a2c\tAgent\tWARNING: Install failed, error = 0x80070306 / 0x00000000\r\n\
2024-02-14\t02:00:06:000\t 1000\t1a2c\tHandler\tFATAL: CBS called Error with 0x800f0922,\r\n";

const EXPORT: &str = "Event[0]:\r\n  Log Name: System\r\n  Source: Microsoft-Windows-WindowsUpdateClient\r\n  Date: 2024-02-14T02:01:44.1230000Z\r\n  Event ID: 20\r\n  Task: N/A\r\n  Level: Error\r\n  Opcode: N/A\r\n  Keyword: N/A\r\n  User: S-1-5-18\r\n  User Name: NT AUTHORITY\\SYSTEM\r\n  Computer: PC1\r\n  Description: \r\nInstallation Failure: Windows failed to install the following update with error 0x80070306: KB5034765.\r\n\r\nEvent[1]:\r\n  Log Name: System\r\n  Source: disk\r\n  Date: 2024-02-14T02:01:41.0000000Z\r\n  Event ID: 7\r\n  Level: Error\r\n  Computer: PC1\r\n  Description: \r\nThe device, \\Device\\Harddisk0\\DR0, has a bad block.\r\n";

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("../fixtures/bundles");
    let out = root.join("corpus");
    let mut files = Vec::new();
    walk(&fixtures, &mut files);
    files.sort();
    let mut n = 0;
    let mut put = |target: &str, name: &str, bytes: &[u8]| {
        let dir = out.join(target);
        fs::create_dir_all(&dir).expect("create corpus folder");
        fs::write(dir.join(name), bytes).expect("write seed");
        n += 1;
    };
    for f in &files {
        let rel = f.strip_prefix(&fixtures).unwrap_or(f).to_string_lossy().replace('/', "_");
        let bytes = fs::read(f).expect("read fixture");
        let lower = rel.to_ascii_lowercase();
        if lower.ends_with("readme.md") {
            continue;
        }
        put("sniff", &rel, &bytes);
        if lower.ends_with(".evtx") {
            put("evtx", &rel, &bytes);
            continue;
        }
        if lower.ends_with(".etl") {
            put("etl", &rel, &bytes);
            continue;
        }
        put("extract", &rel, &bytes);
        if lower.contains("cbs") || lower.contains("dism") {
            put("cbs", &rel, &bytes);
        }
        if lower.contains("windowsupdate") {
            put("windowsupdate", &rel, &bytes);
        }
    }
    put("windowsupdate_legacy", "legacy.log", LEGACY_WU.as_bytes());
    put("export", "export.txt", EXPORT.as_bytes());
    put("sniff", "legacy.log", LEGACY_WU.as_bytes());
    put("sniff", "export.txt", EXPORT.as_bytes());

    let cbs = files.iter().find(|f| f.ends_with("Logs/CBS/CBS.log")).expect("demo CBS.log");
    let cbs_bytes = fs::read(cbs).expect("read CBS.log");
    put("zip", "demo.zip", &zip_of(&files, &fixtures, "storage-0x80070306"));
    put("zip", "clean.zip", &zip_of(&files, &fixtures, "clean"));
    put("cab", "mszip.cab", &cab_of(&cbs_bytes, cab::CompressionType::MsZip));
    put("cab", "stored.cab", &cab_of(&cbs_bytes, cab::CompressionType::None));
    println!("wrote {n} seeds under {}", out.display());
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).expect("read fixtures").flatten() {
        let p = e.path();
        if p.is_dir() { walk(&p, out) } else { out.push(p) }
    }
}

fn zip_of(files: &[PathBuf], fixtures: &Path, bundle: &str) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for f in files.iter().filter(|f| f.starts_with(fixtures.join(bundle))) {
        let name = f.strip_prefix(fixtures.join(bundle)).expect("inside").to_string_lossy();
        w.start_file(name, opts).expect("zip entry");
        w.write_all(&fs::read(f).expect("read")).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

fn cab_of(bytes: &[u8], compression: cab::CompressionType) -> Vec<u8> {
    let mut builder = cab::CabinetBuilder::new();
    builder.add_folder(compression).add_file("CBS.log");
    let mut writer = builder.build(Cursor::new(Vec::new())).expect("cab build");
    while let Some(mut w) = writer.next_file().expect("cab file") {
        w.write_all(bytes).expect("cab write");
    }
    writer.finish().expect("cab finish").into_inner()
}
