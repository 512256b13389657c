//! A small writer of ETW trace files (.etl), for tests, fixture generators and benchmarks.
//!
//! Nothing off Windows writes .etl files, so fixtures that need a trace with chosen events
//! at chosen times are built here. The layout is the one `src/parse/etl/` reads (see its
//! module docs for the sources):
//!
//! - fixed-size buffers, each a 0x48-byte `WMI_BUFFER_HEADER` (size, saved and filled
//!   offsets, flush time stamp, sequence number, buffer type) and then 8-byte aligned
//!   records;
//! - a first buffer of type "header" with the session's header event: a 64-bit
//!   `SYSTEM_TRACE_HEADER` and a `TRACE_LOGFILE_HEADER` (64-bit pointers, the time zone, the
//!   performance counter frequency, the start time, the clock type, then the logger and file
//!   names in UTF-16);
//! - one `EVENT_HEADER` record per event, 64-bit header type, time stamps counted by the
//!   session's clock; TraceLogging events carry the provider's traits (its name) and their
//!   event metadata as extended data items, manifest-based events only their payload.
//!
//! `etl2xml` (`PyPI` package `etl-parser`, an independent decoder) reads what this writes; the
//! cross-check in `tests/etl_crosscheck.rs` runs it.
//!
//! Include it with `#[path = "support/etl_writer.rs"] mod etl_writer;`.
#![allow(dead_code)]
#![allow(unreachable_pub)]
#![allow(clippy::unwrap_used, reason = "fixture code: a bad GUID literal is a bug in the test")]

const BUFFER_HEADER: usize = 0x48;
/// 100-ns intervals from 1601-01-01 to 1970-01-01.
const FILETIME_UNIX: i64 = 116_444_736_000_000_000;

/// A provider's GUID in the usual text form, as the 16 bytes Windows stores.
pub fn guid(text: &str) -> [u8; 16] {
    let hex: String = text.chars().filter(char::is_ascii_hexdigit).collect();
    assert_eq!(hex.len(), 32, "a GUID has 32 hex digits: {text}");
    let byte = |i: usize| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    let mut g = [0u8; 16];
    for (i, b) in g.iter_mut().enumerate() {
        // The first three groups are little-endian.
        let src = match i {
            0..=3 => 3 - i,
            4 | 5 => 9 - i,
            6 | 7 => 13 - i,
            _ => i,
        };
        *b = byte(src);
    }
    g
}

/// The Windows Update client's TraceLogging provider.
pub const WU_PROVIDER: &str = "0b7a6f19-47c4-454e-8c5c-e868d637e4d8";
/// The WaaSMedic service's TraceLogging provider (as it names itself in its traces).
pub const WAASMEDIC_PROVIDER: &str = "30d25124-a468-505c-de82-8411646eb8b5";
/// Microsoft-Windows-Setup (Panther's setup.etl).
pub const SETUP_PROVIDER: &str = "75ebc33e-d017-4d0f-93ab-0b4f86579164";

/// How event time stamps count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// A performance counter of this many ticks a second (Windows Update's traces: 10 MHz).
    Counter(u64),
    /// FILETIMEs (Panther's setup.etl).
    SystemTime,
}

/// A switch rule: month, nth (5 = last) weekday of it, hour, in a `SYSTEMTIME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switch {
    pub month: u16,
    pub week: u16,
    pub weekday: u16,
    pub hour: u16,
}

/// A machine's time zone, as Windows records it: UTC = local + bias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub bias: i32,
    pub name: String,
    /// (to standard time, to daylight time, daylight bias).
    pub daylight: Option<(Switch, Switch, i32)>,
}

impl Zone {
    /// A zone without daylight saving time, `minutes` east of UTC.
    pub fn fixed(minutes: i32, name: &str) -> Zone {
        Zone { bias: -minutes, name: name.to_string(), daylight: None }
    }

    /// US Pacific: UTC-8, daylight time (UTC-7) from the second Sunday of March to the first
    /// Sunday of November, at 02:00.
    pub fn us_pacific() -> Zone {
        Zone {
            bias: 480,
            name: "@tzres.dll,-212".to_string(),
            daylight: Some((
                Switch { month: 11, week: 1, weekday: 0, hour: 2 },
                Switch { month: 3, week: 2, weekday: 0, hour: 2 },
                -60,
            )),
        }
    }

    /// Central Europe: UTC+1, daylight time (UTC+2) from the last Sunday of March at 02:00
    /// to the last Sunday of October at 03:00.
    pub fn central_europe() -> Zone {
        Zone {
            bias: -60,
            name: "@tzres.dll,-322".to_string(),
            daylight: Some((
                Switch { month: 10, week: 5, weekday: 0, hour: 3 },
                Switch { month: 3, week: 5, weekday: 0, hour: 2 },
                -60,
            )),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut b = vec![0u8; 172];
        b[0..4].copy_from_slice(&self.bias.to_le_bytes());
        put_utf16(&mut b[4..68], &self.name);
        if let Some((to_standard, to_daylight, daylight_bias)) = self.daylight {
            for (at, s) in [(68, to_standard), (152, to_daylight)] {
                let st = [0, s.month, s.weekday, s.week, s.hour, 0, 0, 0];
                for (i, w) in st.iter().enumerate() {
                    b[at + 2 * i..at + 2 * i + 2].copy_from_slice(&w.to_le_bytes());
                }
            }
            put_utf16(&mut b[88..152], &self.name.replace("212", "211"));
            b[168..172].copy_from_slice(&daylight_bias.to_le_bytes());
        }
        b
    }
}

fn put_utf16(dst: &mut [u8], s: &str) {
    for (i, u) in s.encode_utf16().take(dst.len() / 2 - 1).enumerate() {
        dst[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
    }
}

/// A TraceLogging field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// NUL-terminated UTF-16 (`TraceLoggingWideString`).
    Str(String),
    /// NUL-terminated 8-bit (`TraceLoggingString`).
    Ansi(String),
    /// Counted UTF-16 (`TraceLoggingCountedWideString`).
    Counted(String),
    U32(u32),
    I32(i32),
    /// An `INT32` formatted as an HRESULT.
    HResult(u32),
    U64(u64),
    Bool(bool),
    Guid([u8; 16]),
    /// A FILETIME, given in microseconds since 1970.
    FileTime(i64),
    /// A variable-count array of `UINT16`.
    U16s(Vec<u16>),
    /// Counted binary.
    Binary(Vec<u8>),
}

impl Value {
    /// The in-type and out-type bytes of its metadata.
    fn types(&self) -> Vec<u8> {
        match self {
            Value::Str(_) => vec![1],
            Value::Ansi(_) => vec![2],
            Value::Counted(_) => vec![22],
            Value::U32(_) => vec![8],
            Value::I32(_) => vec![7],
            Value::HResult(_) => vec![0x80 | 7, 15],
            Value::U64(_) => vec![10],
            Value::Bool(_) => vec![13],
            Value::Guid(_) => vec![15],
            Value::FileTime(_) => vec![17],
            Value::U16s(_) => vec![0x40 | 6],
            Value::Binary(_) => vec![25],
        }
    }

    fn data(&self, out: &mut Vec<u8>) {
        match self {
            Value::Str(s) => out.extend(s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes)),
            Value::Ansi(s) => {
                out.extend_from_slice(s.as_bytes());
                out.push(0);
            }
            Value::Counted(s) => {
                let units: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
                out.extend_from_slice(&(units.len() as u16).to_le_bytes());
                out.extend_from_slice(&units);
            }
            Value::U32(v) | Value::HResult(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::I32(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::U64(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::Bool(v) => out.extend_from_slice(&u32::from(*v).to_le_bytes()),
            Value::Guid(g) => out.extend_from_slice(g),
            Value::FileTime(us) => out.extend_from_slice(&(us * 10 + FILETIME_UNIX).to_le_bytes()),
            Value::U16s(v) => {
                out.extend_from_slice(&(v.len() as u16).to_le_bytes());
                out.extend(v.iter().flat_map(|x| x.to_le_bytes()));
            }
            Value::Binary(b) => {
                out.extend_from_slice(&(b.len() as u16).to_le_bytes());
                out.extend_from_slice(b);
            }
        }
    }
}

/// What an event carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A TraceLogging event: its name and fields, described in the event itself.
    TraceLogging { event: String, fields: Vec<(String, Value)> },
    /// A manifest-based event: only its descriptor and payload bytes.
    Manifest { id: u16, version: u8, task: u16, opcode: u8, payload: Vec<u8> },
    /// `EventWriteString`: one UTF-16 string.
    Text(String),
}

/// One event to write.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEvent {
    /// UTC, microseconds since 1970.
    pub time_unix_micros: i64,
    pub provider: [u8; 16],
    /// The provider's name, written in its traits (TraceLogging providers have one).
    pub provider_name: Option<String>,
    /// 1 = critical … 5 = verbose.
    pub level: u8,
    pub pid: u32,
    pub tid: u32,
    pub body: Body,
}

/// A Windows Update client event as `Get-WindowsUpdateLog` would render it: the component
/// is the event's name and the message its `Info` field.
pub fn wu(time_unix_micros: i64, level: u8, component: &str, info: &str) -> TraceEvent {
    TraceEvent {
        time_unix_micros,
        provider: guid(WU_PROVIDER),
        provider_name: Some("WUTraceLogging".to_string()),
        level,
        pid: 4336,
        tid: 4360,
        body: Body::TraceLogging {
            event: component.to_string(),
            fields: vec![("Info".to_string(), Value::Str(info.to_string()))],
        },
    }
}

/// A WaaSMedic event: named after its level, one field `m`.
pub fn waasmedic(time_unix_micros: i64, level: u8, m: &str) -> TraceEvent {
    TraceEvent {
        time_unix_micros,
        provider: guid(WAASMEDIC_PROVIDER),
        provider_name: Some("Microsoft.Windows.WaaSMedic.Local".to_string()),
        level,
        pid: 3920,
        tid: 3988,
        body: Body::TraceLogging {
            event: if level <= 2 { "Error" } else { "Info" }.to_string(),
            fields: vec![("m".to_string(), Value::Str(m.to_string()))],
        },
    }
}

/// A whole trace to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The session's name (`WindowsUpdate_trace_log`).
    pub logger: String,
    /// The path Windows wrote it to.
    pub path: String,
    pub buffer_size: usize,
    pub clock: Clock,
    /// When the session started (UTC, microseconds since 1970).
    pub start_unix_micros: i64,
    pub zone: Zone,
    /// In the order they were logged.
    pub events: Vec<TraceEvent>,
}

/// The counter at the session's start (any value: times count from it).
const COUNTER_ORIGIN: i64 = 144_452_450;

impl Trace {
    /// A Windows Update trace as Windows 11 writes it: 4 KiB buffers, a 10 MHz counter.
    pub fn windows_update(start_unix_micros: i64, zone: Zone) -> Trace {
        Trace {
            logger: "WindowsUpdate_trace_log".to_string(),
            path: "C:\\WINDOWS\\Logs\\WindowsUpdate\\WindowsUpdate.etl".to_string(),
            buffer_size: 4096,
            clock: Clock::Counter(10_000_000),
            start_unix_micros,
            zone,
            events: Vec::new(),
        }
    }

    /// A WaaSMedic trace: 8 KiB buffers, a 10 MHz counter.
    pub fn waasmedic(start_unix_micros: i64, zone: Zone) -> Trace {
        Trace {
            logger: "ECCB175F-1EB2-43DA-BFB5-A8D58A40A4D7".to_string(),
            path: "C:\\WINDOWS\\logs\\waasmedic\\waasmedic.etl".to_string(),
            buffer_size: 8192,
            ..Trace::windows_update(start_unix_micros, zone)
        }
    }

    /// The stamp of an instant in the session's clock.
    fn stamp(&self, unix_micros: i64) -> i64 {
        match self.clock {
            Clock::SystemTime => unix_micros * 10 + FILETIME_UNIX,
            Clock::Counter(freq) => {
                let ticks = i128::from(unix_micros - self.start_unix_micros) * i128::from(freq);
                COUNTER_ORIGIN + (ticks / 1_000_000) as i64
            }
        }
    }

    /// The file's bytes.
    ///
    /// # Panics
    ///
    /// When an event does not fit in one buffer or in a record's 16-bit size.
    pub fn bytes(&self) -> Vec<u8> {
        let mut buffers = vec![self.header_buffer()];
        let mut records: Vec<Vec<u8>> = Vec::new();
        let mut used = BUFFER_HEADER;
        let mut last_stamp = 0;
        for e in &self.events {
            let r = self.record(e);
            assert!(BUFFER_HEADER + r.len() <= self.buffer_size, "event too large for a buffer");
            if used + r.len() > self.buffer_size {
                buffers.push(self.data_buffer(&records, buffers.len(), last_stamp));
                records.clear();
                used = BUFFER_HEADER;
            }
            used += r.len().next_multiple_of(8);
            last_stamp = self.stamp(e.time_unix_micros);
            records.push(r);
        }
        if !records.is_empty() {
            buffers.push(self.data_buffer(&records, buffers.len(), last_stamp));
        }
        buffers.concat()
    }

    fn buffer(&self, records: &[Vec<u8>], seq: usize, stamp: i64, kind: u16) -> Vec<u8> {
        let mut b = vec![0u8; self.buffer_size];
        let mut at = BUFFER_HEADER;
        for r in records {
            b[at..at + r.len()].copy_from_slice(r);
            at += r.len().next_multiple_of(8);
        }
        let filled = (at as u32).to_le_bytes();
        b[0..4].copy_from_slice(&(self.buffer_size as u32).to_le_bytes());
        b[4..8].copy_from_slice(&filled);
        b[8..12].copy_from_slice(&filled);
        b[0x10..0x18].copy_from_slice(&stamp.to_le_bytes());
        b[0x18..0x20].copy_from_slice(&(seq as u64).to_le_bytes());
        b[0x28..0x2C].copy_from_slice(&0x0023_0000u32.to_le_bytes()); // logger id 0x23
        b[0x2C..0x30].copy_from_slice(&3u32.to_le_bytes()); // state: flushed
        b[0x30..0x34].copy_from_slice(&filled);
        b[0x34..0x36].copy_from_slice(&0x20u16.to_le_bytes()); // ETW_BUFFER_FLAG_PROC_INDEX
        b[0x36..0x38].copy_from_slice(&kind.to_le_bytes());
        b
    }

    fn data_buffer(&self, records: &[Vec<u8>], seq: usize, stamp: i64) -> Vec<u8> {
        self.buffer(records, seq, stamp, 0)
    }

    fn header_buffer(&self) -> Vec<u8> {
        let start_ft = self.start_unix_micros * 10 + FILETIME_UNIX;
        let mut h = Vec::new();
        let u32s = |h: &mut Vec<u8>, v: &[u32]| v.iter().for_each(|x| h.extend(x.to_le_bytes()));
        u32s(&mut h, &[self.buffer_size as u32, 0x0501_000A, 26100, 1]);
        h.extend((start_ft + 600_000_000).to_le_bytes()); // EndTime
        u32s(&mut h, &[156_250, 128, 0x1100_2009, self.events.len() as u32 + 1]);
        u32s(&mut h, &[1, 8, 0, 3294]); // StartBuffers, PointerSize, EventsLost, CpuSpeed
        h.extend(9u64.to_le_bytes()); // LoggerName (a pointer, meaningless in a file)
        h.extend(6u64.to_le_bytes()); // LogFileName
        h.extend(self.zone.bytes());
        h.resize(h.len().next_multiple_of(8), 0);
        h.extend((start_ft - 139_000_000).to_le_bytes()); // BootTime
        let (freq, clock_type) = match self.clock {
            Clock::Counter(f) => (f, 1u32),
            Clock::SystemTime => (10_000_000, 2),
        };
        h.extend(freq.to_le_bytes());
        h.extend(start_ft.to_le_bytes());
        u32s(&mut h, &[clock_type, 0]);
        for s in [&self.logger, &self.path] {
            h.extend(s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes));
        }
        let origin = match self.clock {
            Clock::Counter(_) => COUNTER_ORIGIN,
            Clock::SystemTime => start_ft,
        };
        let size = 0x20 + h.len();
        let mut r = vec![2, 0, 2, 0xC0];
        r.extend((size as u16).to_le_bytes());
        r.extend([0, 0]); // type 0, group 0: the session's header
        u32s(&mut r, &[4360, 4336]);
        r.extend(origin.to_le_bytes());
        u32s(&mut r, &[0, 0]);
        r.extend(h);
        self.buffer(&[r], 0, 0, 4)
    }

    fn record(&self, e: &TraceEvent) -> Vec<u8> {
        let mut ext = Vec::new();
        let mut user = Vec::new();
        let (id, version, channel, task, opcode) = match &e.body {
            Body::TraceLogging { event, fields } => {
                if let Some(name) = &e.provider_name {
                    let mut traits = Vec::new();
                    traits.extend(((name.len() + 3) as u16).to_le_bytes());
                    traits.extend(name.as_bytes());
                    traits.push(0);
                    ext_item(&mut ext, 12, &traits, true);
                }
                let mut meta = vec![0, 0, 0];
                meta.extend(event.as_bytes());
                meta.push(0);
                for (n, v) in fields {
                    meta.extend(n.as_bytes());
                    meta.push(0);
                    meta.extend(v.types());
                    v.data(&mut user);
                }
                let len = meta.len() as u16;
                meta[..2].copy_from_slice(&len.to_le_bytes());
                ext_item(&mut ext, 11, &meta, false);
                (0, 0, 11, 0, 0)
            }
            Body::Manifest { id, version, task, opcode, payload } => {
                user.extend(payload);
                (*id, *version, 16, *task, *opcode)
            }
            Body::Text(s) => {
                user.extend(s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes));
                (0, 0, 0, 0, 0)
            }
        };
        let mut flags = u16::from(!ext.is_empty());
        if matches!(e.body, Body::Text(_)) {
            flags |= 4;
        }
        let size = 0x50 + ext.len() + user.len();
        let size16 = u16::try_from(size).expect("an event record is at most 65,535 bytes");
        let mut r = Vec::with_capacity(size);
        r.extend(size16.to_le_bytes());
        r.extend([0x13, 0xC0]);
        r.extend(flags.to_le_bytes());
        r.extend(0u16.to_le_bytes());
        r.extend(e.tid.to_le_bytes());
        r.extend(e.pid.to_le_bytes());
        r.extend(self.stamp(e.time_unix_micros).to_le_bytes());
        r.extend(e.provider);
        r.extend(id.to_le_bytes());
        r.extend([version, channel, e.level, opcode]);
        r.extend(task.to_le_bytes());
        r.extend(0x8000_0000_0000_0000u64.to_le_bytes());
        r.extend(0u64.to_le_bytes()); // processor time
        r.extend([0u8; 16]); // activity id
        r.extend(ext);
        r.extend(user);
        r
    }
}

/// Appends an extended data item, padded to 8 bytes.
fn ext_item(out: &mut Vec<u8>, kind: u16, data: &[u8], more: bool) {
    let padded = (8 + data.len()).next_multiple_of(8);
    out.extend((padded as u16).to_le_bytes());
    out.extend(kind.to_le_bytes());
    out.extend(u16::from(more).to_le_bytes());
    out.extend((data.len() as u16).to_le_bytes());
    out.extend(data);
    out.resize(out.len() + padded - 8 - data.len(), 0);
}

/// Where the `n`th buffer (0 = the header buffer) of a trace with `buffer_size` buffers
/// starts, for tests that damage one.
pub fn buffer_offset(buffer_size: usize, n: usize) -> usize {
    buffer_size * n
}

/// Damages the first record of buffer `n`: its size now runs past the buffer's end.
pub fn break_first_record(file: &mut [u8], buffer_size: usize, n: usize) {
    let at = buffer_offset(buffer_size, n) + BUFFER_HEADER;
    file[at..at + 2].copy_from_slice(&0xFFF8u16.to_le_bytes());
}

/// Damages buffer `n`'s header: its size is no size.
pub fn break_buffer_size(file: &mut [u8], buffer_size: usize, n: usize) {
    let at = buffer_offset(buffer_size, n);
    file[at..at + 4].copy_from_slice(&0x7FFF_FFF1u32.to_le_bytes());
}

/// splitmix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Lines of a Windows Update session, each (component, level, message); `{n}` is replaced
/// by a number. Written for these tests in the shape of the client's lines (FORMATS.md §3a),
/// routine ones far more often than failures, as in the real traces.
const WU_LINES: &[(&str, u8, &str)] = &[
    (
        "Misc",
        4,
        "Got WSUS Client/Server URL: https://fe3cr.delivery.mp.microsoft.com/ClientWebService/client.asmx",
    ),
    (
        "Misc",
        4,
        "Load undocked module: UusId:wu.proxystubs.wups|hr:0x0|ModuleVer:1308.2408.1052.0|LoadProps:3|Path:C:\\WINDOWS\\uus\\AMD64\\wupscore.dll",
    ),
    ("Agent", 4, "Adding timer: "),
    (
        "Agent",
        4,
        "    Timer: 29A863E7-8609-4D1E-B7CD-5668F857F1DB, Expires 2025-04-27 05:20:47, not idle-only, not network-only",
    ),
    ("ComApi", 4, "* START * Search ClientId = UpdateOrchestrator"),
    (
        "ComApi",
        4,
        "Search ClientId = UpdateOrchestrator, ServiceId = 7971F918-A847-4430-9279-4A52D1EFE18D, Flags: 0X2010010",
    ),
    (
        "SLS",
        4,
        "Complete the request URL HTTPS://slscr.update.microsoft.com/SLS/{9482F4B4-E343-43B6-B170-9A65BC822C77}/x64/10.0.26100.{n}/0?CH=55&L=en-US",
    ),
    (
        "DownloadManager",
        4,
        "Regulation: {n} bytes requested for the update in the current regulation window",
    ),
    (
        "IdleTimer",
        4,
        "WU operation (SR.Device Driver Retrieval Client ID 1, operation # {n}) started; operation type = 1",
    ),
    ("Shared", 4, "Network state: Connected"),
    ("DataStore", 4, "DS: Persisted service registration state for {n} services"),
    (
        "Agent",
        4,
        "Found {n} updates and 0 categories in search; evaluated appl. rules of 1842 out of 3190 deployed entities",
    ),
    ("Handler", 4, "Reboot required = False"),
    (
        "Agent",
        2,
        "*FAILED* [80070002] wuauengcore.dll, C:\\__w\\1\\s\\src\\Client\\lib\\util\\fileutil.cpp @1030",
    ),
    (
        "Misc",
        3,
        "*FAILED* [8024402C] WinHttp: SendRequestUsingProxy failed for <https://slscr.update.microsoft.com/SLS/>",
    ),
    ("ComApi", 3, "Exit code = 0x00000000, Result code = 0x8024402C"),
];

/// A Windows Update trace of about `target_bytes`, with lines drawn from a fixed mix (about
/// 2% of them failures), one every few milliseconds from `start_unix_micros`. Same seed and
/// size, same bytes.
pub fn synthetic_wu(target_bytes: usize, seed: u64, start_unix_micros: i64) -> Trace {
    let mut rng = Rng(seed);
    let mut t = Trace::windows_update(start_unix_micros, Zone::central_europe());
    let mut time = start_unix_micros;
    let mut size = t.buffer_size;
    let routine = WU_LINES.len() as u64 - 3;
    while size < target_bytes {
        let pick = if rng.below(50) == 0 { routine + rng.below(3) } else { rng.below(routine) };
        let (component, level, message) = WU_LINES[pick as usize];
        let message = message.replace("{n}", &rng.below(100_000).to_string());
        time += 1 + rng.below(5_000) as i64;
        let e = wu(time, level, component, &message);
        // Header, two extended items and the string.
        size += (0x50 + 32 + 24 + component.len() + 2 * message.len() + 2).next_multiple_of(8);
        t.events.push(e);
    }
    t
}
