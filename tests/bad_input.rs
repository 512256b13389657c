//! Hostile and broken input. Each case puts one bad file beside a good bundle (the demo:
//! a 0x80070306 install failure) and checks four things: the exit code, a message naming the
//! file and the problem, that the good logs are still analysed, and that memory stays bounded
//! (the binary runs under `prlimit --data`, which caps heap and anonymous memory but not
//! mapped files). Every run also has a deadline, so a hang fails instead of stalling CI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, reason = "test code")]

mod common;
#[path = "support/evtx_writer.rs"]
mod evtx_writer;

use serde_json::Value;
use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Heap and anonymous memory the binary may use in any case here.
const DATA_LIMIT: u64 = 256 << 20;
/// No case may take longer than this (debug build, 2 cores).
const DEADLINE: Duration = Duration::from_secs(120);

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_wutriage")
}

fn has(tool: &str) -> bool {
    Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// Runs `cmd` to completion or kills it at the deadline (and fails).
fn finish(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Drain pipes on threads so a large report cannot block the child.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut so, &mut v).ok();
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut se, &mut v).ok();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > DEADLINE {
            child.kill().ok();
            panic!("wutriage did not finish within {DEADLINE:?}: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { status, stdout: out_t.join().unwrap(), stderr: err_t.join().unwrap() }
}

/// The binary under the memory cap (when `prlimit` exists).
fn command() -> Command {
    if has("prlimit") {
        let mut c = Command::new("prlimit");
        c.arg(format!("--data={DATA_LIMIT}")).arg("--").arg(bin());
        c
    } else {
        eprintln!("note: prlimit not found; memory is not capped in this run");
        Command::new(bin())
    }
}

/// Runs wutriage with `args` under the memory cap and the deadline.
fn wutriage(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut cmd = command();
    for a in args {
        cmd.arg(a.as_ref());
    }
    let out = finish(cmd);
    // Killed by a signal (SIGBUS, SIGSEGV, SIGABRT when the cap stops an allocation).
    assert!(
        out.status.code().is_some(),
        "wutriage died from a signal: {:?}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A temporary bundle holding a copy of the demo bundle's logs.
struct Case {
    dir: tempfile::TempDir,
    root: PathBuf,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bundle");
        common::copy_tree(&common::fixture("bundles/storage-0x80070306"), &root);
        Case { dir, root }
    }

    fn empty() -> Case {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bundle");
        fs::create_dir(&root).unwrap();
        Case { dir, root }
    }

    fn put(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, bytes).unwrap();
        p
    }

    /// `analyze --format json` on the bundle, plus extra arguments.
    fn analyze(&self, extra: &[&str]) -> (Output, Value) {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"analyze", &"--format", &"json"];
        for e in extra {
            args.push(e);
        }
        args.push(&self.root);
        let out = wutriage(&args);
        let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out, v)
    }
}

/// The demo's failure was still found and attributed.
fn assert_demo_analysed(v: &Value) {
    let incidents = v["incidents"].as_array().expect("a JSON report with incidents");
    assert!(
        incidents.iter().any(|i| i["code"] == "0x80070306"),
        "the good logs were not analysed: {v}"
    );
    assert_eq!(v["causes"][0]["cause"], "storage", "top cause: {}", v["causes"][0]["title"]);
}

/// The file entry of `path` in a JSON report.
fn file<'v>(v: &'v Value, path: &str) -> &'v Value {
    v["files"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["path"] == path))
        .unwrap_or_else(|| panic!("{path} not listed in {}", v["files"]))
}

fn issue_kinds(f: &Value) -> Vec<String> {
    f["issues"]
        .as_array()
        .map(|a| a.iter().map(|i| i["kind"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default()
}

/// A bad file beside the demo: exit 0 (lenient), a warning naming it, the demo analysed.
fn lenient(rel: &str, bytes: &[u8], problem: &str) -> Value {
    let case = Case::new();
    case.put(rel, bytes);
    let (out, v) = case.analyze(&[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
    assert!(err.contains(rel) && err.contains(problem), "no warning naming {rel}: {err}");
    assert_demo_analysed(&v);
    v
}

// --- paths and files ---------------------------------------------------------------------

#[test]
fn missing_path_is_an_error_and_the_rest_is_analysed() {
    let case = Case::new();
    let missing = case.root.join("no-such-dir");
    let out = wutriage(&[&"analyze", &"--format", &"json", &case.root, &missing]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains("no-such-dir") && err.contains("no such file"), "{err}");
    assert_demo_analysed(&serde_json::from_slice(&out.stdout).unwrap());
}

#[test]
fn empty_folder_says_there_is_nothing_to_analyse() {
    let case = Case::empty();
    let (out, _) = case.analyze(&[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains("no log files"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "a report for nothing: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_named_and_skipped() {
    use std::os::unix::fs::PermissionsExt;
    let case = Case::new();
    let p = case.put("CBS.log", b"2024-02-14 02:01:00, Info                  CBS    hello\r\n");
    for q in walk(case.dir.path()) {
        let mode = if q.is_dir() { 0o755 } else { 0o644 };
        fs::set_permissions(&q, fs::Permissions::from_mode(mode)).unwrap();
    }
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    let mut cmd = command();
    if fs::File::open(&p).is_ok() {
        // Root reads any file: run as nobody so that the permission bits bite.
        if !has("setpriv") {
            eprintln!("skipped: running as root and setpriv not found");
            return;
        }
        let inner = cmd;
        cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(inner.get_program())
            .args(inner.get_args());
    }
    cmd.args(["analyze", "--format", "json"]).arg(&case.root);
    let out = finish(cmd);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
    assert!(err.contains("CBS.log") && err.contains("cannot read"), "{err}");
    assert_demo_analysed(&serde_json::from_slice(&out.stdout).unwrap());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn zero_byte_cbs_log() {
    lenient("CBS.log", b"", "empty file");
}

#[test]
fn random_bytes_named_cbs_log() {
    lenient("CBS.log", &noise(1 << 20, 1), "binary");
}

#[test]
fn random_bytes_named_system_evtx() {
    lenient("System.evtx", &noise(1 << 20, 2), "no EVTX header");
}

/// Deterministic pseudo-random bytes.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[3]
        })
        .collect()
}

fn demo_cbs() -> Vec<u8> {
    fs::read(common::fixture("bundles/storage-0x80070306/Logs/CBS/CBS.log")).unwrap()
}

#[test]
fn nul_bytes_in_the_middle_of_a_cbs_log() {
    let cbs = demo_cbs();
    let cut = cbs.len() / 2;
    let cut = cut + cbs[cut..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut bad = cbs[..cut].to_vec();
    bad.extend(std::iter::repeat_n(0u8, 8192));
    bad.extend_from_slice(&cbs[cut..]);
    let v = lenient("Logs/CBS/CBS.log", &bad, "NUL");
    let f = file(&v, "Logs/CBS/CBS.log");
    assert!(issue_kinds(f).contains(&"nul-bytes".to_string()), "{f}");
}

#[test]
fn invalid_utf8_is_replaced_and_counted() {
    let cbs = demo_cbs();
    let mut bad =
        b"2024-02-13 09:00:00, Info                  CBS    caf\xE9 \xFF\xFE broken\r\n".to_vec();
    bad.extend_from_slice(&cbs);
    let v = lenient("Logs/CBS/CBS.log", &bad, "invalid");
    // \xE9 (cut short by the space), \xFF and \xFE: three invalid sequences.
    assert_eq!(file(&v, "Logs/CBS/CBS.log")["replaced_chars"], 3);
}

#[test]
fn utf16le_without_bom_reads_like_utf8() {
    let cbs = demo_cbs();
    let text = String::from_utf8(cbs).unwrap();
    let text = text.trim_start_matches('\u{FEFF}');
    let wide: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let case = Case::new();
    case.put("Logs/CBS/CBS.log", &wide);
    let (out, v) = case.analyze(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_demo_analysed(&v);
    let f = file(&v, "Logs/CBS/CBS.log");
    assert_eq!(f["encoding"], "utf-16le", "{f}");
}

#[test]
fn a_200_mb_line_without_newline_is_cut_and_reported() {
    let mut big =
        b"2024-02-14 01:00:00, Error                 CBS    Failed with 0x80070005 ".to_vec();
    big.resize(200 << 20, b'A');
    let v = lenient("Logs/CBS/CbsPersist_20240214010000.log", &big, "cut");
    let f = file(&v, "Logs/CBS/CbsPersist_20240214010000.log");
    assert!(issue_kinds(f).contains(&"long-record".to_string()), "{f}");
    assert_eq!(f["records"], 1);
}

#[test]
fn a_200_mb_line_of_junk() {
    let mut big = vec![b'x'; 200 << 20];
    big.extend_from_slice(b"\n");
    lenient("CBS.log", &big, "no line has its layout");
}

#[test]
fn a_million_continuation_lines_and_no_first_record() {
    let mut text = String::with_capacity(30 << 20);
    for i in 0..1_000_000 {
        writeln!(text, "    continuation {i} without a record before it\r").unwrap();
    }
    lenient("CBS.log", text.as_bytes(), "no line has its layout");
}

#[test]
fn a_million_continuation_lines_after_one_record() {
    let mut text =
        String::from("2024-02-14 01:00:00, Info                  CSI    00000001 start\r\n");
    for i in 0..1_000_000 {
        writeln!(text, "    continuation {i} of one enormous record\r").unwrap();
    }
    let case = Case::new();
    case.put("Logs/CBS/CbsPersist_20240214010000.log", text.as_bytes());
    let (out, v) = case.analyze(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_demo_analysed(&v);
    let f = file(&v, "Logs/CBS/CbsPersist_20240214010000.log");
    assert_eq!(f["records"], 1, "{f}");
    assert_eq!(f["lines"], 1_000_001, "{f}");
}

// --- evtx --------------------------------------------------------------------------------

/// Two WindowsUpdateClient events of the demo's own machine: a log of another machine
/// beside the demo would be analysed as that machine's, on its own.
fn good_evtx() -> Vec<u8> {
    use evtx_writer::{EventSpec, Payload, write_evtx};
    let title = "2024-03 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems \
                 (KB5035853)";
    let event = |event_id, secs: i64| EventSpec {
        provider: "Microsoft-Windows-WindowsUpdateClient".into(),
        provider_guid: Some("{945a8954-c147-4acd-923f-40c45405a658}".into()),
        event_id,
        qualifiers: None,
        level: 4,
        time_unix_micros: 1_710_230_400_000_000 + secs * 1_000_000,
        channel: "System".into(),
        computer: "FINANCE-PC07".into(),
        payload: Payload::EventData(vec![
            ("updateTitle".into(), title.into()),
            ("updateGuid".into(), "{5d2a7b1e-41c4-4c1b-9f0e-2a7c0b9e6d11}".into()),
            ("updateRevisionNumber".into(), "1".into()),
        ]),
    };
    write_evtx(&[event(43, 60), event(19, 120)])
}

const CHUNK: usize = 4096;

#[test]
fn evtx_header_only() {
    let v = lenient("Extra.evtx", &good_evtx()[..CHUNK], "no records");
    assert_eq!(file(&v, "Extra.evtx")["records"], 0);
}

#[test]
fn evtx_cut_in_the_middle_of_a_chunk() {
    let e = good_evtx();
    let v = lenient("Extra.evtx", &e[..CHUNK + 512 + 900], "problem");
    let f = file(&v, "Extra.evtx");
    assert!(f["records"].as_u64().unwrap() <= 1, "{f}");
}

#[test]
fn evtx_zeroed_chunk_header() {
    let mut e = good_evtx();
    e[CHUNK..CHUNK + 512].fill(0);
    let v = lenient("Extra.evtx", &e, "problem");
    assert!(issue_kinds(file(&v, "Extra.evtx")).iter().any(|k| k.starts_with("damaged")));
}

#[test]
fn evtx_bad_checksums() {
    let mut e = good_evtx();
    // A byte inside the first record's payload: the chunk's data checksum no longer holds.
    e[CHUNK + 512 + 64] ^= 0x5A;
    // And the file header checksum.
    e[124] ^= 0xFF;
    let case = Case::new();
    case.put("Extra.evtx", &e);
    let (out, v) = case.analyze(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_demo_analysed(&v);
    // Either read with the damage reported, or not read with a reason; never silent loss.
    let f = file(&v, "Extra.evtx");
    let records = f["records"].as_u64().unwrap();
    assert!(records == 2 || !issue_kinds(f).is_empty(), "{f}");
}

#[test]
fn evtx_record_size_past_the_chunk() {
    let mut e = good_evtx();
    let at = CHUNK + 512;
    assert_eq!(&e[at..at + 4], b"**\0\0");
    e[at + 4..at + 8].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
    let v = lenient("Extra.evtx", &e, "problem");
    assert!(issue_kinds(file(&v, "Extra.evtx")).iter().any(|k| k.starts_with("damaged")));
}

// --- etl ---------------------------------------------------------------------------------

/// A Windows Update trace written by the test-support ETL writer: 4 KiB buffers, the
/// header buffer then two of events.
fn good_etl() -> Vec<u8> {
    let dir = common::fixture("bundles/windows11-etl/Logs/WindowsUpdate");
    fs::read(dir.join("WindowsUpdate.20250426.052044.386.1.etl")).unwrap()
}

const ETL_BUFFER: usize = 4096;

#[test]
fn etl_buffer_that_lies_about_its_size() {
    let mut e = good_etl();
    e[ETL_BUFFER..ETL_BUFFER + 4].copy_from_slice(&0x7FFF_FFF1u32.to_le_bytes());
    let v = lenient("WindowsUpdate.1.etl", &e, "impossible size");
    let f = file(&v, "WindowsUpdate.1.etl");
    assert!(issue_kinds(f).contains(&"damaged-buffer".to_string()), "{f}");
    assert!(f["records"].as_u64().unwrap() > 0, "the buffer after it is read: {f}");
}

#[test]
fn etl_record_that_runs_past_its_buffer() {
    let mut e = good_etl();
    let at = ETL_BUFFER + 0x48;
    e[at..at + 2].copy_from_slice(&0xFFF8u16.to_le_bytes());
    let v = lenient("WindowsUpdate.1.etl", &e, "past the buffer's end");
    assert!(issue_kinds(file(&v, "WindowsUpdate.1.etl")).contains(&"damaged-buffer".to_string()));
}

#[test]
fn etl_cut_inside_a_buffer() {
    let e = good_etl();
    let v = lenient("WindowsUpdate.1.etl", &e[..ETL_BUFFER + 700], "ends inside it");
    assert!(file(&v, "WindowsUpdate.1.etl")["records"].as_u64().unwrap() >= 1);
}

#[test]
fn etl_header_claiming_a_gigabyte_buffer_allocates_nothing_for_it() {
    let mut e = good_etl();
    for at in [0, 0x68] {
        e[at..at + 4].copy_from_slice(&(1u32 << 30).to_le_bytes());
    }
    // The header buffer now "holds" the whole file: its records are the session's own, and
    // the file ends inside it.
    let v = lenient("WindowsUpdate.1.etl", &e, "ends inside it");
    assert_eq!(file(&v, "WindowsUpdate.1.etl")["kind"], "etl");
}

#[test]
fn random_bytes_named_etl() {
    let v = lenient("WindowsUpdate.20250426.etl", &noise(100_000, 18), "no trace header");
    assert_eq!(file(&v, "WindowsUpdate.20250426.etl")["kind"], "unknown");
}

// --- archives ----------------------------------------------------------------------------

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn zip_entry_names_with_dot_dot_stay_inside() {
    let z = zip_of(&[("../../../etc/CBS.log", &demo_cbs())]);
    let case = Case::new();
    case.put("upload.zip", &z);
    let (out, v) = case.analyze(&[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("upload.zip") && err.contains("unsafe"), "{err}");
    assert_demo_analysed(&v);
    assert_eq!(file(&v, "upload.zip/etc/CBS.log")["kind"], "cbs");
    // Nothing was written outside (or inside) the bundle.
    assert!(!case.root.join("etc").exists());
    assert!(!case.root.parent().unwrap().join("etc").exists());
}

#[test]
fn zip_bomb_stops_at_the_cap() {
    // 512 MiB of zeros deflate to about half a megabyte.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    w.start_file("CBS.log", opts).unwrap();
    let block = vec![0u8; 1 << 20];
    for _ in 0..512 {
        w.write_all(&block).unwrap();
    }
    let z = w.finish().unwrap().into_inner();
    assert!(z.len() < 4 << 20, "bomb is {} bytes", z.len());
    let case = Case::new();
    case.put("bomb.zip", &z);
    let (out, v) = case.analyze(&["--max-archive-bytes", "64MiB"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("bomb.zip") && err.contains("cap"), "{err}");
    assert!(err.contains("--max-archive-bytes"), "says how to raise it: {err}");
    assert_demo_analysed(&v);
}

#[test]
fn nested_zip_is_read() {
    let inner = zip_of(&[("CBS.log", &demo_cbs())]);
    let outer = zip_of(&[("inner.zip", &inner)]);
    let case = Case::empty();
    case.put("outer.zip", &outer);
    let (out, v) = case.analyze(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(file(&v, "outer.zip/inner.zip/CBS.log")["kind"], "cbs");
    assert!(v["incidents"].as_array().is_some_and(|i| !i.is_empty()), "{v}");
}

#[test]
fn zip_with_corrupt_central_directory() {
    let mut z = zip_of(&[("CBS.log", &demo_cbs())]);
    let eocd = z.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    // Point the central directory offset past the end of the file.
    z[eocd + 16..eocd + 20].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    lenient("upload.zip", &z, "not a readable zip");
}

#[test]
fn corrupt_cab() {
    let mut cab = b"MSCF\0\0\0\0".to_vec();
    cab.extend(noise(4096, 3));
    lenient("CbsPersist_20240101000000.cab", &cab, "not a readable cab");
}

// --- folders -----------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn symlink_loop_is_not_followed() {
    let case = Case::new();
    std::os::unix::fs::symlink(&case.root, case.root.join("loop")).unwrap();
    std::os::unix::fs::symlink("self", case.root.join("self")).unwrap();
    let (out, v) = case.analyze(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_demo_analysed(&v);
    assert!(file(&v, "loop")["note"].as_str().unwrap().contains("not followed"));
    assert!(file(&v, "self")["note"].as_str().unwrap().contains("broken link"));
}

#[test]
fn a_hundred_thousand_tiny_files() {
    let case = Case::new();
    for d in 0..100 {
        let dir = case.root.join(format!("junk/{d:03}"));
        fs::create_dir_all(&dir).unwrap();
        for f in 0..1000 {
            fs::write(dir.join(format!("{f:04}.txt")), b"x").unwrap();
        }
    }
    let (out, v) = case.analyze(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_demo_analysed(&v);
    assert!(v["coverage"]["files"].as_u64().unwrap() >= 100_000);
}

#[test]
fn deep_nesting_stops_at_the_depth_limit() {
    let case = Case::new();
    let mut rel = String::new();
    for i in 0..200 {
        write!(rel, "d{i}/").unwrap();
    }
    case.put(&format!("{rel}CBS.log"), &demo_cbs());
    let (out, v) = case.analyze(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_demo_analysed(&v);
    let deep = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["note"].as_str().is_some_and(|n| n.contains("nested deeper")));
    assert!(deep.is_some(), "no depth note in {}", v["files"]);
}

#[cfg(unix)]
#[test]
fn fifo_and_device_inputs_do_not_hang() {
    let case = Case::new();
    let fifo = case.root.join("CBS.log");
    let st = Command::new("mkfifo").arg(&fifo).status();
    if !st.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo not available");
        return;
    }
    std::os::unix::fs::symlink("/dev/zero", case.root.join("dism.log")).unwrap();
    let (out, v) = case.analyze(&[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("CBS.log") && err.contains("not a regular file"), "{err}");
    assert!(err.contains("dism.log") && err.contains("not a regular file"), "{err}");
    assert_demo_analysed(&v);
    let out = wutriage(&[&"inventory", &"/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/dev/zero: not a regular file"), "{}", stderr(&out));
}

// --- strictness --------------------------------------------------------------------------

#[test]
fn strict_makes_damage_fatal() {
    let mut e = good_evtx();
    e[CHUNK..CHUNK + 512].fill(0);
    let case = Case::new();
    case.put("Extra.evtx", &e);
    let (lenient, _) = case.analyze(&[]);
    assert_eq!(lenient.status.code(), Some(0));
    let (strict, v) = case.analyze(&["--strict"]);
    assert_eq!(strict.status.code(), Some(2), "{}", stderr(&strict));
    assert!(stderr(&strict).contains("Extra.evtx"));
    assert_demo_analysed(&v);
}

// --- files that change while mapped ------------------------------------------------------

/// A mapped log truncated by another program while we read it: no SIGBUS; the vanished part
/// reads as zeros and the file is reported as changed. In-process, so the truncation lands
/// between mapping and reading.
#[cfg(unix)]
#[test]
fn a_file_that_shrinks_after_mapping_does_not_kill_the_process() {
    use wutriage::bundle::{Bundle, OpenOptions, ReadMode};
    use wutriage::parse::{self, IssueKind, ParseOptions, Texts};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("CBS.log");
    let line = "2024-02-14 01:00:00, Info                  CBS    Loaded servicing stack\r\n";
    fs::write(&path, line.repeat((8 << 20) / line.len())).unwrap();
    let opts = OpenOptions { read_mode: ReadMode::Mmap, ..OpenOptions::default() };
    let bundle = Bundle::open(std::slice::from_ref(&path), &opts);
    let art = &bundle.artifacts[0];
    assert!(art.is_mapped());
    // Another program cuts the log to one page.
    fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(4096).unwrap();
    let sum: u64 = art.bytes().iter().map(|&b| u64::from(b)).sum();
    assert!(sum > 0);
    assert!(art.shrank_while_read());
    let texts = Texts::decode(&bundle);
    let parsed = parse::parse(&bundle, &texts, &ParseOptions::default());
    let issues: Vec<IssueKind> = parsed[0].issues.iter().map(|i| i.kind).collect();
    assert!(issues.contains(&IssueKind::FileChanged), "{issues:?}");
    assert!(issues.contains(&IssueKind::NulBytes), "{issues:?}");
    // The page that survived still parses.
    assert!(parsed[0].coverage.records >= 4096 / line.len() as u64);
}

// --- limits ------------------------------------------------------------------------------

#[test]
fn each_limit_says_when_it_was_reached_and_how_to_raise_it() {
    let case = Case::new();
    let (out, v) = case.analyze(&["--max-events", "3", "--max-record-bytes", "40"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("Logs/CBS/CBS.log") && err.contains("--max-events"), "{err}");
    let f = file(&v, "Logs/CBS/CBS.log");
    let kinds = issue_kinds(f);
    assert!(kinds.contains(&"event-cap".to_string()), "{f}");
    assert!(kinds.contains(&"long-record".to_string()), "{f}");
    assert_eq!(f["events"], 3, "{f}");
    let text = serde_json::to_string(f).unwrap();
    assert!(text.contains("--max-record-bytes"), "{text}");
    // The human report says so too.
    let table = wutriage(&[&"analyze", &"--max-events", &"3", &case.root]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("Incomplete: Logs/CBS/CBS.log: more than 3 events"), "{text}");
    // Strict makes a reached limit fatal too: results are incomplete.
    let (strict, _) = case.analyze(&["--max-events", "3", "--strict"]);
    assert_eq!(strict.status.code(), Some(2));
    // Bad limit values are usage errors that name the flag.
    let (bad, _) = case.analyze(&["--max-record-bytes", "12 parsecs"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--max-record-bytes"), "{}", stderr(&bad));
}

// --- evidence that attacks the outputs (issue 20, items 6-8) ------------------------------

/// An update title that clears the screen, writes the clipboard (OSC 52), retitles the
/// terminal (OSC 0), reverses text, and carries HTML.
const HOSTILE_TITLE: &str = "Feature update \u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]0;owned\u{7} \u{9b}31m <img src=x onerror=alert(1)> <script>alert(1)</script> \u{202e}exe.txt";

/// A `wevtutil qe /f:text` export with one WindowsUpdateClient 20 for `title`, beside the
/// demo's failure.
fn export_with_title(title: &str) -> String {
    format!(
        "Event[0]:\r\n  Log Name: System\r\n  Source: Microsoft-Windows-WindowsUpdateClient\r\n  \
         Date: 2024-02-14T02:02:00.0000000Z\r\n  Event ID: 20\r\n  Level: Error\r\n  \
         Computer: FINANCE-PC07\r\n  Description: \r\nInstallation Failure: Windows failed to install \
         the following update with error 0x80070306: {title}.\r\n\r\n"
    )
}

/// Whether `text` holds anything a terminal would obey: C0 controls other than line feed
/// and tab, DEL, C1 controls, or characters that reorder text. With `colour`, the colour
/// sequences wutriage writes itself are allowed.
fn obeyed(text: &str, colour: bool) -> Option<String> {
    let mut rest = text;
    if colour {
        let sgr =
            regex::Regex::new(r"\x1b\[(?:0|1|4|22|24|39|3[1236]|9[1236]|38;5;(?:9|11|10|14))?m")
                .unwrap();
        let cleaned = sgr.replace_all(text, "");
        return obeyed(&cleaned, false);
    }
    while let Some(c) = rest.chars().next() {
        if (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        {
            let at = text.len() - rest.len();
            return Some(format!("{c:?} at byte {at}: {:?}", &text[at.saturating_sub(40)..]));
        }
        rest = &rest[c.len_utf8()..];
    }
    None
}

/// A bundle whose update title, file names and zip member names carry escape sequences.
fn hostile_names_case() -> Case {
    let case = Case::new();
    case.put("events.txt", export_with_title(HOSTILE_TITLE).as_bytes());
    // A log whose name clears the screen, and a binary one whose name forges a line of
    // stderr (it gets a warning).
    case.put("Logs/CBS/CBS\u{1b}[2J.log", &demo_cbs());
    case.put("CBS.log\nwutriage: error: forged", &noise(4096, 11));
    let z = zip_of(&[("\u{1b}]52;c;ZXZpbA==\u{7}CBS.log", &demo_cbs())]);
    case.put("upload\u{1b}]0;t\u{7}.zip", &z);
    case
}

#[test]
fn escape_sequences_from_evidence_never_reach_the_terminal() {
    let case = hostile_names_case();
    let runs: [(&[&str], bool); 5] = [
        (&["analyze"], false),
        (&["analyze", "--color", "always"], true),
        (&["analyze", "--format", "markdown"], false),
        (&["inventory"], false),
        (&["analyze", "--format", "html"], false),
    ];
    for (args, colour) in runs {
        let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = args.iter().map(|a| a as _).collect();
        all.push(&case.root);
        let out = wutriage(&all);
        let (so, se) = (String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {se}");
        if let Some(bad) = obeyed(&so, colour) {
            panic!("{args:?}: stdout carries {bad}");
        }
        if let Some(bad) = obeyed(&se, false) {
            panic!("{args:?}: stderr carries {bad}");
        }
        // Each stderr line is one of ours: the name's newline did not start a line.
        for l in se.lines() {
            assert!(l.starts_with("wutriage: "), "{args:?}: forged stderr line {l:?} in {se}");
        }
        assert!(se.contains("CBS.log\\nwutriage: error: forged"), "{args:?}: {se}");
        // The evidence is shown, not dropped.
        if args[0] == "inventory" {
            assert!(so.contains("upload\\u{1b}]0;t\\u{7}.zip"), "{so}");
        } else {
            assert!(so.contains("\\u{1b}[2J"), "{args:?}: the title is not shown: {so}");
        }
    }
    // JSON stays faithful: the title as the log had it.
    let (out, v) = case.analyze(&[]);
    assert_eq!(out.status.code(), Some(0));
    let titles: Vec<&str> =
        v["incidents"].as_array().unwrap().iter().filter_map(|i| i["update"].as_str()).collect();
    assert!(titles.iter().any(|t| t.contains("\u{1b}[2J\u{1b}]52;c;")), "{titles:?}");
}

/// Code spans of a `CommonMark` text: (start, end) byte ranges of their content.
fn code_spans(md: &str) -> Vec<(usize, usize)> {
    let b = md.as_bytes();
    let run = |i: usize| b[i..].iter().take_while(|&&c| c == b'`').count();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] != b'`' {
            i += 1;
            continue;
        }
        let n = run(i);
        let mut j = i + n;
        let close = loop {
            if j >= b.len() {
                break None;
            }
            if b[j] == b'`' {
                let m = run(j);
                if m == n {
                    break Some(j);
                }
                j += m;
            } else {
                j += 1;
            }
        };
        match close {
            Some(j) => {
                spans.push((i + n, j));
                i = j + n;
            }
            None => i += n,
        }
    }
    spans
}

#[test]
fn html_and_backticks_from_logs_stay_literal_in_markdown() {
    let case = Case::new();
    case.put(
        "events.txt",
        export_with_title("Update <img src=x onerror=alert(1)> <script>alert(1)</script>")
            .as_bytes(),
    );
    // The CBS log that holds the cited evidence, renamed with a backtick.
    fs::remove_file(case.root.join("Logs/CBS/CBS.log")).unwrap();
    case.put("Logs/CBS/CBS`x.log", &demo_cbs());
    let out = wutriage(&[&"analyze", &"--format", &"markdown", &case.root]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = String::from_utf8(out.stdout).unwrap();
    let spans = code_spans(&md);
    let inside = |at: usize| spans.iter().any(|&(s, e)| s <= at && at < e);
    for (at, _) in md.match_indices('<') {
        let escaped = at > 0 && md.as_bytes()[at - 1] == b'\\';
        assert!(
            inside(at) || escaped,
            "raw HTML at byte {at}: {:?}",
            &md[at..(at + 40).min(md.len())]
        );
    }
    assert!(md.contains("<img src=x onerror=alert(1)>"), "the title is shown: {md}");
    // The file name with its backtick sits whole in one code span.
    let named = spans.iter().any(|&(s, e)| md[s..e].contains("Logs/CBS/CBS`x.log:"));
    assert!(named, "the file name broke its code span: {md}");
}

#[test]
fn csv_cells_never_start_a_formula() {
    let case = Case::new();
    // A file name and components that a spreadsheet would compute.
    let mut lines = String::new();
    for (n, comp) in ["=1+2", "+cmd", "-2+3", "@SUM"].iter().enumerate() {
        writeln!(
            lines,
            "2024-02-14 03:02:0{n}, Error                 {comp:<7}Failed to process [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]\r"
        )
        .unwrap();
    }
    case.put("=cmd|' -C calc'!A0.log", lines.as_bytes());
    let out = wutriage(&[&"timeline", &"--all", &"--format", &"csv", &case.root]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let header = r.headers().unwrap().clone();
    let (mut rows, mut quoted) = (0, 0);
    for rec in r.records() {
        let rec = rec.unwrap();
        rows += 1;
        for (col, cell) in header.iter().zip(rec.iter()) {
            let number =
                cell.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && !cell.trim_start_matches('-').is_empty();
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) || number,
                "{col} cell {cell:?} starts a formula"
            );
            quoted += usize::from(
                cell.starts_with("'=")
                    || cell.starts_with("'+")
                    || cell.starts_with("'-")
                    || cell.starts_with("'@"),
            );
        }
    }
    assert!(rows > 4, "{rows} rows");
    // Neutralised, not dropped: the file name and the four components are there.
    assert!(quoted >= 4 * 3, "{quoted} neutralised cells");
}

// --- sizes (issue 20, item 2) ------------------------------------------------------------

/// A sparse file of `len` bytes starting with `head`: no disk or memory spent on the rest.
fn sparse(path: &Path, head: &[u8], len: u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = fs::File::create(path).unwrap();
    f.write_all(head).unwrap();
    f.set_len(len).unwrap();
}

/// 1,100 files of 1 MiB (more than the 1,024 mappings watched at once, so later ones are
/// read) and a 64 GiB `MEMORY.DMP` after them: none is read whole, nothing is allocated
/// from a size, and the dump is still counted with its size.
fn a_thousand_mapped_files_and_a_huge_dump(root: &Path) {
    for i in 0..1100 {
        sparse(&root.join(format!("perf/{i:04}.bin")), b"", 1 << 20);
    }
    // A kernel dump header: the signature, and nothing believable at the time's offset.
    sparse(&root.join("zz/MEMORY.DMP"), b"PAGEDU64", 64 << 30);
}

#[cfg(unix)]
#[test]
fn more_than_1024_large_files_and_a_64_gib_sparse_dump() {
    let case = Case::new();
    a_thousand_mapped_files_and_a_huge_dump(&case.root);
    for mode in ["auto", "read"] {
        let (out, v) = case.analyze(&["--read-mode", mode]);
        assert_eq!(out.status.code(), Some(0), "{mode}: {}", stderr(&out));
        assert_demo_analysed(&v);
        let dump = file(&v, "zz/MEMORY.DMP");
        assert_eq!(dump["kind"], "memory-dump", "{dump}");
        assert_eq!(dump["size"], 64u64 << 30, "{dump}");
        assert_eq!(file(&v, "perf/1099.bin")["size"], 1 << 20);
    }
}

#[cfg(unix)]
#[test]
fn batch_survives_a_bundle_of_huge_files() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet");
    common::copy_tree(&common::fixture("bundles/storage-0x80070306"), &fleet.join("good"));
    a_thousand_mapped_files_and_a_huge_dump(&fleet.join("huge"));
    common::copy_tree(&common::fixture("bundles/storage-0x80070306"), &fleet.join("huge"));
    let out = wutriage(&[&"batch", &"--jobs", &"1", &fleet]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for l in &lines {
        assert_eq!(l["top_cause"], "storage", "{l}");
    }
}

/// `--read-mode read` on an 8 GiB log reads what the per-file cap allows, in memory that
/// grows with what is read (the run is capped at 256 MiB), and says how to read more.
#[cfg(unix)]
#[test]
fn read_mode_on_an_8_gib_log_reads_up_to_the_file_cap() {
    let case = Case::new();
    let log = case.root.join("Logs/CBS/CBS.log");
    let head = fs::read(&log).unwrap();
    sparse(&log, &head, 8 << 30);
    let (out, v) = case.analyze(&["--read-mode", "read", "--max-file-bytes", "32MiB"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("Logs/CBS/CBS.log") && err.contains("--max-file-bytes"), "{err}");
    assert_demo_analysed(&v);
    let f = file(&v, "Logs/CBS/CBS.log");
    assert_eq!(f["size"], 8u64 << 30, "{f}");
    assert!(f["note"].as_str().unwrap().contains("only the first 32 MiB of 8 GiB"), "{f}");
}

/// The bundle's cap: files past it are cut or left unread, each named with the flag.
#[test]
fn the_bundle_cap_bounds_what_is_read_over_all_files() {
    let case = Case::new();
    let big = "2024-02-14 01:00:00, Info                  CBS    Loaded servicing stack\r\n"
        .repeat((3 << 20) / 76);
    case.put("zz/CBS.persist.log", big.as_bytes());
    let (out, v) = case.analyze(&["--max-bundle-bytes", "2MiB"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("zz/CBS.persist.log") && err.contains("--max-bundle-bytes"), "{err}");
    assert_demo_analysed(&v);
    let (bad, _) = case.analyze(&["--max-file-bytes", "lots"]);
    assert_eq!(bad.status.code(), Some(2));
}

// --- text that looks damaged (issue 20, item 1) ------------------------------------------

/// A failing disk zeroes the first sector of CBS.log: the rest is still a log, read with the
/// NULs counted as damage.
#[test]
fn a_zeroed_first_sector_does_not_make_a_log_binary() {
    let case = Case::new();
    let mut cbs = demo_cbs();
    cbs[..512].fill(0);
    case.put("Logs/CBS/CBS.log", &cbs);
    let (out, v) = case.analyze(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_demo_analysed(&v);
    let f = file(&v, "Logs/CBS/CBS.log");
    assert_eq!(f["kind"], "cbs", "{f}");
    assert!(f["records"].as_u64().unwrap() > 5, "{f}");
    assert!(issue_kinds(f).contains(&"nul-bytes".to_string()), "{f}");
    // The same when nothing but the zeroed sector and a few lines are there.
    let small = Case::empty();
    let mut log = vec![0u8; 512];
    log.extend_from_slice(&demo_cbs()[..1500]);
    small.put("CBS.log", &log);
    let (out, v) = small.analyze(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(file(&v, "CBS.log")["kind"], "cbs", "{v}");
}

/// PowerShell 5's `>>` appends UTF-16 to a UTF-8 log: both parts are read.
#[test]
fn utf16_appended_to_a_utf8_log_is_read_in_its_own_encoding() {
    let appended = "2024-02-14 03:05:00, Info                  CBS    Appended by a script: first\r\n\
                    2024-02-14 03:05:01, Info                  CBS    Appended by a script: second\r\n\
                    2024-02-14 03:05:02, Info                  CBS    Appended by a script: third\r\n";
    let plain = Case::new();
    let (_, before) = plain.analyze(&[]);
    let records = file(&before, "Logs/CBS/CBS.log")["records"].as_u64().unwrap();
    let case = Case::new();
    let mut cbs = demo_cbs();
    for u in appended.encode_utf16() {
        cbs.extend_from_slice(&u.to_le_bytes());
    }
    case.put("Logs/CBS/CBS.log", &cbs);
    let (out, v) = case.analyze(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_demo_analysed(&v);
    let f = file(&v, "Logs/CBS/CBS.log");
    assert_eq!(f["records"].as_u64().unwrap(), records + 3, "{f}");
    assert!(f["note"].as_str().unwrap().contains("UTF-16 text appended"), "{f}");
}

// --- archives that lie (issue 20, item 4) -------------------------------------------------

/// `zip_of` with ZIP64 extra fields, and the uncompressed size of member `liar` in them
/// (central directory and local header) set to 2^62.
fn zip_with_a_lying_zip64_size(members: &[(&str, &[u8])], liar: usize) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in members {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    let mut z = w.finish().unwrap().into_inner();
    let u16_at = |z: &[u8], at: usize| usize::from(u16::from_le_bytes([z[at], z[at + 1]]));
    let u32_at = |z: &[u8], at: usize| u32::from_le_bytes(z[at..at + 4].try_into().unwrap());
    let mut patched = 0;
    // Central directory entries (PK\1\2): name at 46, extra after it.
    let entries: Vec<usize> =
        z.windows(4).enumerate().filter(|(_, w)| *w == b"PK\x01\x02").map(|(i, _)| i).collect();
    let cd = entries[liar];
    let (name_len, extra_len) = (u16_at(&z, cd + 28), u16_at(&z, cd + 30));
    let local = u32_at(&z, cd + 42) as usize;
    for (extra, sized_32) in
        [(cd + 46 + name_len, cd + 24), (local + 30 + u16_at(&z, local + 26), local + 22)]
    {
        let end = if extra > cd { extra + extra_len } else { extra + u16_at(&z, local + 28) };
        let mut at = extra;
        while at + 4 <= end {
            let (id, len) = (u16_at(&z, at), u16_at(&z, at + 2));
            if id == 1 {
                z[sized_32..sized_32 + 4].copy_from_slice(&u32::MAX.to_le_bytes());
                z[at + 4..at + 12].copy_from_slice(&(1u64 << 62).to_le_bytes());
                patched += 1;
            }
            at += 4 + len;
        }
    }
    assert!(patched >= 1, "no ZIP64 extra field to patch");
    z
}

#[test]
fn a_lying_zip64_size_skips_that_member_and_reads_the_rest() {
    let demo = common::fixture("bundles/storage-0x80070306");
    let cbs = demo_cbs();
    let system = fs::read(demo.join("EventLogs/System.evtx")).unwrap();
    let setup = fs::read(demo.join("EventLogs/Setup.evtx")).unwrap();
    let z = zip_with_a_lying_zip64_size(
        &[
            ("EventLogs/Setup.evtx", &setup),
            ("liar.log", b"2024-02-14 03:00:05, Info  CBS  x\r\n"),
            ("Logs/CBS/CBS.log", &cbs),
            ("EventLogs/System.evtx", &system),
        ],
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.zip");
    fs::write(&path, &z).unwrap();
    let out = wutriage(&[&"analyze", &"--format", &"json", &path]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("liar.log") && err.contains("declares 4611686018427387904 bytes"),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_demo_analysed(&v);
    file(&v, "Logs/CBS/CBS.log");
    file(&v, "EventLogs/System.evtx");
}

// --- special files and links (issue 20, item 9) -------------------------------------------

/// `/proc/self/pagemap` says it is 0 bytes and never ends; a link to it is not followed,
/// and a link to a log outside the bundle is read and said to be outside.
#[cfg(target_os = "linux")]
#[test]
fn links_to_proc_are_not_read_and_links_outside_are_noted() {
    let case = Case::new();
    std::os::unix::fs::symlink("/proc/self/pagemap", case.root.join("CBS.persist.log")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", case.root.join("environ.txt")).unwrap();
    let outside = case.dir.path().join("elsewhere/dism.log");
    fs::create_dir_all(outside.parent().unwrap()).unwrap();
    fs::write(&outside, b"2024-02-14 03:00:05, Info                  DISM   DISM.EXE: started\r\n")
        .unwrap();
    std::os::unix::fs::symlink(&outside, case.root.join("dism.log")).unwrap();
    let (out, v) = case.analyze(&[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_demo_analysed(&v);
    for name in ["CBS.persist.log", "environ.txt"] {
        let f = file(&v, name);
        assert!(f["note"].as_str().unwrap().contains("system file, not evidence"), "{f}");
        assert_eq!(f["size"], 0, "{f}");
    }
    let d = file(&v, "dism.log");
    assert!(d["note"].as_str().unwrap().contains("outside the bundle"), "{d}");
    assert_eq!(d["kind"], "dism", "{d}");
    // Named directly, a /proc file is read only as far as its reported size (0).
    let out = wutriage(&[&"inventory", &"--format", &"json", &"/proc/self/pagemap"]);
    assert!(out.status.code().is_some(), "{}", stderr(&out));
}

// --- nothing lost, nothing silent (issue 20, item 10) -------------------------------------

#[cfg(unix)]
#[test]
fn batch_gives_every_bundle_a_line_and_a_unique_id() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet");
    let demo = common::fixture("bundles/storage-0x80070306");
    common::copy_tree(&demo, &fleet.join("PC1"));
    let cbs = demo_cbs();
    fs::write(fleet.join("PC1.zip"), zip_of(&[("Logs/CBS/CBS.log", &cbs)])).unwrap();
    std::os::unix::fs::symlink("/dev/zero", fleet.join("zero.zip")).unwrap();
    let fifo_made = Command::new("mkfifo").arg(fleet.join("pipe.zip")).status();
    let fifo = fifo_made.is_ok_and(|s| s.success());
    let out = wutriage(&[&"batch", &"--jobs", &"1", &fleet]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["bundle"].as_str().unwrap()).collect();
    let mut want = vec!["PC1", "PC1.zip", "zero"];
    if fifo {
        want.insert(2, "pipe");
    }
    assert_eq!(ids, want, "{lines:?}");
    let zero = &lines[ids.iter().position(|&i| i == "zero").unwrap()];
    assert_ne!(zero["status"], "ok", "{zero}");
}

#[test]
fn two_members_of_one_name_are_not_lost_silently() {
    let one = "2024-02-14 03:00:05, Info                  CBS    first copy\r\n";
    let two = "2024-02-14 03:00:06, Info                  CBS    second copy\r\n";
    let case = Case::new();
    // The zip writer refuses a name twice: write another name of the same length, then
    // rename it in the local and central headers.
    let mut z = zip_of(&[("CBS.log", one.as_bytes()), ("CBX.log", two.as_bytes())]);
    for at in 0..z.len() - 7 {
        if &z[at..at + 7] == b"CBX.log" {
            z[at..at + 7].copy_from_slice(b"CBS.log");
        }
    }
    case.put("twice.zip", &z);
    let (out, v) = case.analyze(&[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_demo_analysed(&v);
    assert_eq!(file(&v, "twice.zip/CBS.log")["records"], 1);
    // The zip reader keeps one member per name: not silently.
    assert!(err.contains("twice.zip") && err.contains("1 of 2"), "{err}");
    assert!(err.contains("repeat the name of another member"), "{err}");
}

#[test]
fn many_files_with_one_problem_are_one_summarised_warning() {
    let case = Case::new();
    for i in 0..2000 {
        case.put(&format!("empty/{i:04}/CBS.log"), b"");
    }
    let (out, v) = case.analyze(&[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_demo_analysed(&v);
    assert!(err.lines().count() < 20, "{} lines: {err}", err.lines().count());
    assert!(err.contains("and 1995 more files: empty file"), "{err}");
    assert!(v["files"].as_array().unwrap().len() > 2000);
}
