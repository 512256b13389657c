//! Time zones and machines, on bundles written here: local times converted with the offset
//! in force at each instant (daylight saving time in spring and autumn, the repeated hour,
//! both hemispheres, zones without it, localized zone names, stamps that overrule the zone),
//! and logs of different machines given together kept apart.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;
#[path = "support/evtx_writer.rs"]
mod evtx_writer;
#[path = "support/scenarios.rs"]
mod scenarios;

use scenarios::{Civil, Events, Log, at, micros};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use wutriage::clock::ClockView;
use wutriage::clock::infer::ZoneHow;
use wutriage::clock::zone::Zone;
use wutriage::diagnose::{self, Options as DiagOptions};
use wutriage::machine::Machine;
use wutriage::parse::{Keep, ParseOptions};
use wutriage::pipeline::{self, Options};
use wutriage::report::analyze::Report;
use wutriage::time::{Timestamp, UtcOffset};

/// Writes `files` under `dir`.
fn write(dir: &Path, files: &[(&str, Vec<u8>)]) {
    for (rel, bytes) in files {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
}

/// A UTC civil time from a local one at `offset` minutes east.
fn utc(t: Civil, offset: i64) -> Civil {
    at(t, -offset * 60)
}

/// ISO UTC string of a civil UTC time.
fn iso(t: Civil) -> String {
    Timestamp(micros(t)).to_string()
}

/// What one machine's analysis gave: every local event's message and UTC time, the clock.
struct Seen {
    events: Vec<(String, String)>,
    clock: ClockView,
    machine: Machine,
}

impl Seen {
    fn time_of(&self, message: &str) -> &str {
        let found = self.events.iter().find(|(m, _)| m.contains(message));
        &found.unwrap_or_else(|| panic!("no event {message:?} in {:?}", self.events)).1
    }

    fn offsets(&self) -> Vec<String> {
        self.clock.periods.iter().map(|p| p.offset.to_string()).collect()
    }
}

fn seen(inputs: &[PathBuf], opts: &Options) -> Vec<Seen> {
    let opts = Options {
        parse: ParseOptions { keep: Keep::All, ..ParseOptions::default() },
        ..opts.clone()
    };
    pipeline::run_each(inputs, &opts, |a| {
        let events = a
            .timeline
            .events
            .iter()
            .filter(|e| e.time_base == wutriage::time::TimeBase::Local)
            .map(|e| (e.message.to_string(), e.time.unwrap().to_string()))
            .collect();
        Ok::<_, ()>(Seen {
            events,
            clock: a.timeline.clocks.view(),
            machine: a.timeline.machine.clone(),
        })
    })
    .unwrap()
    .results
}

fn one(dir: &Path) -> Seen {
    let mut all = seen(&[dir.to_path_buf()], &Options::default());
    assert_eq!(all.len(), 1, "one machine");
    all.remove(0)
}

/// The analyze report as JSON.
fn report(dir: &Path, opts: &Options) -> Value {
    pipeline::run(&[dir.to_path_buf()], opts, |a| {
        let d = diagnose::diagnose(
            &a.timeline.events,
            &a.timeline.notes,
            &a.log_spans(),
            DiagOptions::default(),
        );
        let mut out = Vec::new();
        Report::new(a.bundle, a.parsed, a.timeline, &d).write_json(&mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    })
}

fn wutriage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wutriage")).args(args).output().expect("binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const PKG: &str = "Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.4170.1.9";

/// A CBS failure of `PKG` with the catch-all 0x80070306 at local `t`.
fn cbs_failure(cbs: &mut Log, t: Civil) {
    cbs.cbs(t, "Info", "CBS", "Session: 31096624_2716233012 initialized by client WindowsUpdateAgent, external staging directory: (null), external registry directory: (null)")
        .cbs(at(t, 30), "Error", "CBS", "Failed to process single phase execution. [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]")
        .cbs(at(t, 31), "Info", "CBS", &format!("WER: Generating failure report for package: {PKG}, status: 0x80070306, failure source: Execute, start state: Staged, target state: Installed, client id: WindowsUpdateAgent"));
}

/// Europe, autumn: the clock goes back from 03:00 to 02:00 on 27 October 2024 (01:00 UTC),
/// so 02:00–03:00 is written twice. The CSI stamps and the order of the lines tell the
/// passes apart.
#[test]
fn autumn_in_europe_the_repeated_hour_is_told_by_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut sys = Events::new("BERLIN-WS1");
    sys.uptime_6013(
        (2024, 10, 25, 8, 0, 0),
        "-60 W. Europe Standard Time",
        "Windows 10 Pro",
        "10.0.19045",
    )
    .uptime_6013(
        (2024, 10, 28, 8, 0, 0),
        "-60 W. Europe Standard Time",
        "Windows 10 Pro",
        "10.0.19045",
    );
    let mut cbs = Log::new(true);
    cbs.csi((2024, 10, 26, 22, 0, 0), 120, 1, "Info", "evening stamp")
        .csi((2024, 10, 27, 2, 20, 0), 120, 2, "Info", "stamp before the switch")
        .cbs((2024, 10, 27, 2, 40, 0), "Info", "CBS", "line in the first pass")
        .csi((2024, 10, 27, 2, 10, 0), 60, 3, "Info", "stamp after the switch")
        .cbs((2024, 10, 27, 2, 30, 0), "Info", "CBS", "line in the second pass")
        .csi((2024, 10, 28, 10, 0, 0), 60, 4, "Info", "next morning");
    write(dir.path(), &[("System.evtx", sys.bytes()), ("CBS.log", cbs.bytes())]);
    let s = one(dir.path());
    assert_eq!(s.time_of("line in the first pass"), iso((2024, 10, 27, 0, 40, 0)));
    assert_eq!(s.time_of("line in the second pass"), iso((2024, 10, 27, 1, 30, 0)));
    assert_eq!(s.time_of("stamp after the switch"), iso((2024, 10, 27, 1, 10, 0)));
    assert_eq!(s.time_of("next morning"), iso((2024, 10, 28, 9, 0, 0)));
    assert_eq!(s.clock.windows, Some("W. Europe Standard Time"));
    assert_eq!(s.clock.iana.as_deref(), Some("Europe/Berlin"));
    assert_eq!(s.clock.how, Some(ZoneHow::Named));
    assert_eq!(s.offsets(), ["+02:00", "+01:00"]);
    let counts: Vec<u64> = s.clock.periods.iter().map(|p| p.events).collect();
    assert_eq!(counts, [3, 3]);
    assert_eq!(s.clock.periods[0].until.as_deref(), Some("2024-10-27T01:00:00.000000+00:00"));
    assert_eq!(s.clock.uncertain_repeated, 0);
    assert_eq!(s.machine.name.as_deref(), Some("BERLIN-WS1"));
    assert_eq!(s.machine.build.as_deref(), Some("10.0.19045"));
    assert_eq!(s.machine.product.as_deref(), Some("Windows 10 Pro"));
}

/// The United States, spring: no stamps at all, only the zone event 6013 names. A failure
/// at 10:00 local after the switch lines up with the disk errors logged in UTC only when
/// daylight time is applied; one offset for the whole bundle puts it an hour away.
#[test]
fn spring_in_california_the_failure_lines_up_with_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let pst = -480;
    let pdt = -420;
    let mut sys = Events::new("SFO-KIOSK2");
    let dev = "\\Device\\Harddisk0\\DR0";
    let fail: Civil = (2024, 3, 12, 10, 0, 0);
    sys.uptime_6013(
        utc((2024, 3, 8, 8, 0, 0), pst),
        "480 Pacific Standard Time",
        "Windows 10 Pro",
        "10.0.19045",
    )
    .classic("disk", 153, 3, utc(at(fail, 10), pdt), &[dev, "0x91a2b30", "0", "\\Device\\00000033"])
    .classic("disk", 153, 3, utc(at(fail, 20), pdt), &[dev, "0x91a2b48", "0", "\\Device\\00000033"])
    .classic("disk", 7, 2, utc(at(fail, 28), pdt), &[dev])
    .classic("storahci", 129, 3, utc(at(fail, 29), pdt), &["\\Device\\RaidPort0"]);
    let mut cbs = Log::new(true);
    cbs.cbs((2024, 3, 8, 9, 0, 0), "Info", "CBS", "TI: --- Initializing Trusted Installer ---");
    cbs_failure(&mut cbs, fail);
    write(dir.path(), &[("EventLogs/System.evtx", sys.bytes()), ("Logs/CBS/CBS.log", cbs.bytes())]);
    let s = one(dir.path());
    assert_eq!(s.time_of("Initializing Trusted"), iso((2024, 3, 8, 17, 0, 0)));
    assert_eq!(s.time_of("single phase"), iso((2024, 3, 12, 17, 0, 30)));
    assert_eq!(s.offsets(), ["-08:00", "-07:00"]);
    assert_eq!(s.clock.periods[0].dst, Some(false));
    assert_eq!(s.clock.periods[1].dst, Some(true));
    assert_eq!(s.clock.periods[0].until.as_deref(), Some("2024-03-10T10:00:00.000000+00:00"));
    let with_zone = report(dir.path(), &Options::default());
    // The attempt starts at its first failure record, CBS's single-phase line (issue 16).
    assert_eq!(with_zone["incidents"][0]["first"], iso((2024, 3, 12, 17, 0, 30)));
    assert_eq!(with_zone["causes"][0]["cause"], "storage");
    assert_eq!(with_zone["time_zone"]["iana"], "America/Los_Angeles");
    // One offset for the bundle (standard time) misplaces the failure by an hour.
    let fixed = Options { utc_offset: UtcOffset::from_minutes(pst as i32), ..Options::default() };
    let one_offset = report(dir.path(), &fixed);
    assert_eq!(one_offset["incidents"][0]["first"], iso((2024, 3, 12, 18, 0, 30)));
}

/// Australia: daylight time ends on the first Sunday of April (03:00 → 02:00) and starts on
/// the first Sunday of October; Sydney is at +11 in the southern summer.
#[test]
fn southern_hemisphere_sydney() {
    let dir = tempfile::tempdir().unwrap();
    let mut sys = Events::new("SYD-FRONT1");
    sys.uptime_6013(
        (2024, 4, 5, 0, 0, 0),
        "-600 AUS Eastern Standard Time",
        "Windows 11 Pro",
        "10.0.22631",
    );
    let mut cbs = Log::new(false);
    cbs.cbs((2024, 4, 6, 10, 0, 0), "Info", "CBS", "autumn morning")
        .cbs((2024, 4, 7, 2, 30, 0), "Info", "CBS", "first 02:30")
        .cbs((2024, 4, 7, 2, 10, 0), "Info", "CBS", "second 02:10")
        .cbs((2024, 4, 8, 10, 0, 0), "Info", "CBS", "winter morning")
        .cbs((2024, 10, 7, 10, 0, 0), "Info", "CBS", "spring morning");
    write(dir.path(), &[("System.evtx", sys.bytes()), ("CBS.log", cbs.bytes())]);
    let s = one(dir.path());
    assert_eq!(s.time_of("autumn morning"), iso((2024, 4, 5, 23, 0, 0)));
    assert_eq!(s.time_of("first 02:30"), iso((2024, 4, 6, 15, 30, 0)));
    assert_eq!(s.time_of("second 02:10"), iso((2024, 4, 6, 16, 10, 0)));
    assert_eq!(s.time_of("winter morning"), iso((2024, 4, 8, 0, 0, 0)));
    assert_eq!(s.time_of("spring morning"), iso((2024, 10, 6, 23, 0, 0)));
    assert_eq!(s.offsets(), ["+11:00", "+10:00", "+11:00"]);
    assert_eq!(s.clock.uncertain_repeated, 0);
}

/// Japan has no daylight saving time, and its 6013 name is localized: the bias alone, with
/// every Windows zone of that standard offset agreeing, gives +09:00 all year.
#[test]
fn a_zone_without_daylight_time_and_a_localized_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut sys = Events::new("TOKYO-OPS2");
    sys.uptime_6013((2024, 3, 10, 0, 0, 0), "-540 東京 (標準時)", "Windows 10 Pro", "10.0.19045");
    let mut cbs = Log::new(true);
    cbs.cbs((2024, 3, 10, 9, 0, 0), "Info", "CBS", "march")
        .cbs((2024, 7, 10, 9, 0, 0), "Info", "CBS", "july")
        .cbs((2024, 11, 3, 9, 0, 0), "Info", "CBS", "november");
    write(dir.path(), &[("System.evtx", sys.bytes()), ("CBS.log", cbs.bytes())]);
    let s = one(dir.path());
    for (m, d) in [("march", (2024, 3, 10)), ("july", (2024, 7, 10)), ("november", (2024, 11, 3))] {
        assert_eq!(s.time_of(m), iso((d.0, d.1, d.2, 0, 0, 0)), "{m}");
    }
    assert_eq!(s.offsets(), ["+09:00"]);
    assert_eq!(s.clock.how, Some(ZoneHow::BiasAgreed));
    assert_eq!(s.clock.reported.as_deref(), Some("東京 (標準時)"));
    assert_eq!(s.clock.zone.as_deref(), Some("UTC+09:00"));
    assert!(s.clock.agreeing.contains(&"Tokyo Standard Time"), "{:?}", s.clock.agreeing);
}

/// A localized European name: the bias (+01:00) and a summer stamp at +02:00 leave only
/// zones that share the EU rules, so the switch is placed exactly, not guessed.
#[test]
fn a_localized_name_with_stamps_gets_the_shared_rules() {
    let dir = tempfile::tempdir().unwrap();
    let mut sys = Events::new("WIEN-LAB");
    sys.uptime_6013(
        (2024, 6, 1, 6, 0, 0),
        "-60 Mitteleuropäische Zeit",
        "Windows 11 Pro",
        "10.0.22631",
    );
    let mut cbs = Log::new(true);
    cbs.csi((2024, 7, 1, 12, 0, 0), 120, 1, "Info", "summer stamp")
        .cbs((2024, 10, 26, 12, 0, 0), "Info", "CBS", "saturday")
        .cbs((2024, 10, 28, 12, 0, 0), "Info", "CBS", "monday")
        .csi((2024, 12, 1, 12, 0, 0), 60, 2, "Info", "winter stamp");
    write(dir.path(), &[("System.evtx", sys.bytes()), ("CBS.log", cbs.bytes())]);
    let s = one(dir.path());
    assert_eq!(s.clock.how, Some(ZoneHow::BiasAgreed));
    assert_eq!(s.time_of("saturday"), iso((2024, 10, 26, 10, 0, 0)));
    assert_eq!(s.time_of("monday"), iso((2024, 10, 28, 11, 0, 0)));
    assert_eq!(s.offsets(), ["+02:00", "+01:00"]);
    assert_eq!(s.clock.periods[0].until.as_deref(), Some("2024-10-27T01:00:00.000000+00:00"));
    assert_eq!(s.clock.uncertain_switch, 0);
}

/// Only the standard offset is known (+02:00, localized) and the zones of that offset
/// disagree on the autumn switch (EU, Moldova, Israel, Lebanon, Egypt): the stamps show
/// the switch, and the zones that fit them narrow it to the days they make it.
#[test]
fn only_the_bias_known_daylight_periods_come_from_the_stamps() {
    let dir = tempfile::tempdir().unwrap();
    let mut sys = Events::new("KYIV-DESK");
    sys.uptime_6013(
        (2024, 6, 1, 6, 0, 0),
        "-120 Східноєвропейський час",
        "Windows 10 Pro",
        "10.0.19045",
    );
    let mut cbs = Log::new(true);
    cbs.csi((2024, 7, 1, 12, 0, 0), 180, 1, "Info", "summer stamp")
        .csi((2024, 7, 2, 12, 0, 0), 180, 2, "Info", "summer stamp again")
        .cbs((2024, 10, 1, 12, 0, 0), "Info", "CBS", "october first")
        .cbs((2024, 10, 28, 12, 0, 0), "Info", "CBS", "october 28")
        .csi((2024, 12, 1, 12, 0, 0), 120, 3, "Info", "winter stamp")
        .csi((2024, 12, 2, 12, 0, 0), 120, 4, "Info", "winter stamp again");
    write(dir.path(), &[("System.evtx", sys.bytes()), ("CBS.log", cbs.bytes())]);
    let s = one(dir.path());
    assert_eq!(s.clock.how, Some(ZoneHow::BiasOnly));
    assert_eq!(s.offsets(), ["+03:00", "+02:00"]);
    // Before every candidate's switch: still summer time, for certain.
    assert_eq!(s.time_of("october first"), iso((2024, 10, 1, 9, 0, 0)));
    let until = s.clock.periods[0].until.clone().unwrap();
    assert!(until.as_str() > "2024-10-26" && until.as_str() < "2024-11-01", "{until}");
    // Inside the days the candidates switch: placed, and counted as uncertain.
    assert_eq!(s.clock.uncertain_switch, 1);
}

/// The zone event says Pacific, but every dual stamp says +01:00: the stamps win, and the
/// report says why.
#[test]
fn stamps_overrule_a_reported_zone_they_contradict() {
    let dir = tempfile::tempdir().unwrap();
    let mut sys = Events::new("IMAGED-PC");
    sys.uptime_6013(
        (2024, 1, 10, 6, 0, 0),
        "480 Pacific Standard Time",
        "Windows 10 Pro",
        "10.0.19045",
    );
    let mut cbs = Log::new(true);
    cbs.csi((2024, 1, 10, 9, 0, 0), 60, 1, "Info", "one")
        .csi((2024, 1, 11, 9, 0, 0), 60, 2, "Info", "two")
        .cbs((2024, 1, 11, 9, 30, 0), "Info", "CBS", "plain line");
    write(dir.path(), &[("System.evtx", sys.bytes()), ("CBS.log", cbs.bytes())]);
    let s = one(dir.path());
    assert_eq!(s.time_of("plain line"), iso((2024, 1, 11, 8, 30, 0)));
    assert_eq!(s.offsets(), ["+01:00"]);
    assert!(s.clock.rejected.as_deref().is_some_and(|r| r.contains("2 of 2")), "{:?}", s.clock);
    assert_eq!(s.clock.windows, Some("Pacific Standard Time"));
}

/// `--timezone` takes a Windows zone or an IANA name, with its daylight rules; a wrong name
/// is a clear error, and it cannot be given with `--utc-offset`.
#[test]
fn timezone_given_by_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let mut cbs = Log::new(true);
    cbs.cbs(
        (2024, 1, 15, 12, 0, 0),
        "Error",
        "CBS",
        "winter failure [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]",
    )
    .cbs(
        (2024, 7, 15, 12, 0, 0),
        "Error",
        "CBS",
        "summer failure [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]",
    );
    write(dir.path(), &[("CBS.log", cbs.bytes())]);
    for name in ["W. Europe Standard Time", "europe/berlin"] {
        let zone = Zone::resolve(name).unwrap();
        let all = seen(
            &[dir.path().to_path_buf()],
            &Options { timezone: Some(zone), ..Options::default() },
        );
        assert_eq!(all[0].time_of("winter failure"), iso((2024, 1, 15, 11, 0, 0)), "{name}");
        assert_eq!(all[0].time_of("summer failure"), iso((2024, 7, 15, 10, 0, 0)), "{name}");
        assert_eq!(all[0].clock.how, Some(ZoneHow::User));
    }
    let d = dir.path().to_str().unwrap();
    let o = wutriage(&["inventory", "--timezone", "Europe/Berlin", d]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("given with --timezone"), "{out}");
    assert!(out.contains("+01:00 → +02:00"), "{out}");
    let o = wutriage(&["inventory", "--timezone", "Mars Standard Time", d]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--timezone \"Mars Standard Time\""), "{}", text(&o.stderr));
    let o = wutriage(&["inventory", "--timezone", "Europe/Berlin", "--utc-offset", "+01:00", d]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot be used with"), "{}", text(&o.stderr));
}

/// Two machines' logs, each with its own event log naming its computer.
fn two_machines(root: &Path) -> (PathBuf, PathBuf) {
    let (a, b) = (root.join("alpha"), root.join("bravo"));
    for (dir, name, offset, zone) in [
        (&a, "PC-ALPHA", 60, "-60 Romance Standard Time"),
        (&b, "PC-BRAVO", -300, "300 Eastern Standard Time"),
    ] {
        let t: Civil = (2024, 2, 20, 9, 0, 0);
        let mut sys = Events::new(name);
        sys.uptime_6013(utc(t, offset), zone, "Windows 10 Pro", "10.0.19045");
        let mut cbs = Log::new(true);
        cbs.csi(at(t, 5), offset, 1, "Info", &format!("stamp of {name}"));
        cbs_failure(&mut cbs, at(t, 60));
        write(dir, &[("System.evtx", sys.bytes()), ("CBS.log", cbs.bytes())]);
    }
    (a, b)
}

#[test]
fn two_machines_given_together_get_two_reports() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = two_machines(root.path());
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    // Library: one analysis each, each with its own clock and only its own files.
    let all = seen(&[PathBuf::from(a), PathBuf::from(b)], &Options::default());
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].machine.name.as_deref(), Some("PC-ALPHA"));
    assert_eq!(all[1].machine.name.as_deref(), Some("PC-BRAVO"));
    assert_eq!(all[0].offsets(), ["+01:00"]);
    assert_eq!(all[1].offsets(), ["-05:00"]);
    assert!(all[0].events.iter().all(|(m, _)| !m.contains("PC-BRAVO")));
    // The table: one report after the other, each named.
    let o = wutriage(&["analyze", a, b]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let first = out.find("Machine 1 of 2: PC-ALPHA").expect("first machine named");
    let second = out.find("Machine 2 of 2: PC-BRAVO").expect("second machine named");
    assert!(first < second);
    assert_eq!(out.matches("Update failures").count(), 2, "{out}");
    // JSON is one machine's: refused with the list, unless one is chosen.
    let o = wutriage(&["analyze", "--format", "json", a, b]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("2 machines") && err.contains("PC-ALPHA") && err.contains("--machine"),
        "{err}"
    );
    for pick in ["pc-bravo", "2"] {
        let o = wutriage(&["analyze", "--format", "json", "--machine", pick, a, b]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["machine"]["name"], "PC-BRAVO");
        assert_eq!(v["machine"]["part"], serde_json::json!([2, 2]));
        assert_eq!(v["machine"]["build"], "10.0.19045");
        let files: Vec<&str> =
            v["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
        assert!(files.iter().all(|f| f.starts_with("bravo/")), "{files:?}");
        assert_eq!(v["time_zone"]["windows"], "Eastern Standard Time");
    }
    let o = wutriage(&["analyze", "--machine", "PC-CHARLIE", a, b]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("no such machine"), "{}", text(&o.stderr));
    for cmd in [vec!["events"], vec!["timeline"], vec!["inventory", "--format", "json"]] {
        let o = wutriage(&[cmd.as_slice(), &[a, b]].concat());
        assert_eq!(o.status.code(), Some(2), "{cmd:?}");
    }
    let o = wutriage(&["inventory", a, b]);
    let out = text(&o.stdout);
    assert!(out.contains("Machine 1 of 2: PC-ALPHA") && out.contains("Machine 2 of 2: PC-BRAVO"));
}

#[test]
fn one_machine_in_two_inputs_is_one_report() {
    let root = tempfile::tempdir().unwrap();
    let (a, _) = two_machines(root.path());
    let copy = root.path().join("alpha-again");
    write(&copy, &[("System.evtx", fs::read(a.join("System.evtx")).unwrap())]);
    let o = wutriage(&["analyze", a.to_str().unwrap(), copy.to_str().unwrap()]);
    let out = text(&o.stdout);
    assert!(out.contains("Machine: PC-ALPHA") && !out.contains("of 2"), "{out}");
}

/// A log naming no machine goes with the machine of its folder; given loose beside two
/// machines, it is analysed on its own rather than guessed into one.
#[test]
fn logs_that_name_no_machine() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = two_machines(root.path());
    let all = seen(&[a.clone(), b.clone()], &Options::default());
    assert!(all[0].events.iter().any(|(m, _)| m.contains("stamp of PC-ALPHA")));
    let loose = root.path().join("loose");
    let mut cbs = Log::new(true);
    cbs.cbs((2024, 2, 21, 9, 0, 0), "Info", "CBS", "whose line");
    write(&loose, &[("CBS.log", cbs.bytes())]);
    let inputs = [a.join("System.evtx"), b.join("System.evtx"), loose.join("CBS.log")];
    let all = seen(&inputs, &Options::default());
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].machine.name, None);
    assert!(all[2].events.iter().any(|(m, _)| m.contains("whose line")));
}

/// `batch`: a bundle holding two machines gives a line for each.
#[test]
fn batch_writes_a_line_per_machine() {
    let root = tempfile::tempdir().unwrap();
    two_machines(&root.path().join("ticket-7"));
    let out = root.path().join("fleet.ndjson");
    let o = wutriage(&["batch", root.path().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lines: Vec<Value> = fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["bundle"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ticket-7/PC-ALPHA", "ticket-7/PC-BRAVO"]);
    assert_eq!(lines[1]["time_zone"], "Eastern Standard Time (America/New_York)");
    assert_eq!(lines[0]["utc_offset"], "+01:00");
}

/// Real logs: the zone and build event 6013 reports, a Japanese name, two installs of one
/// PC uploaded together, and the Appostarsi set's build from its text logs.
#[test]
fn corpus_zones_and_machines() {
    let Some(dir) = common::corpus() else { return };
    let evtx = dir.join("evtx");
    let s = one(&evtx.join("omerbenamram__2-vss_7-System.evtx"));
    assert_eq!(s.machine.name.as_deref(), Some("DESKTOP-1N4R894"));
    assert_eq!(s.machine.product.as_deref(), Some("Windows 10 Enterprise"));
    assert_eq!(s.machine.build.as_deref(), Some("10.0.17134"));
    assert_eq!(
        (s.clock.windows, s.clock.how),
        (Some("Pacific Standard Time"), Some(ZoneHow::Named))
    );
    let s = one(&evtx.join("wind-cludy__システム.evtx"));
    assert_eq!(s.clock.how, Some(ZoneHow::BiasAgreed));
    assert_eq!(s.clock.standard_offset.map(UtcOffset::minutes), Some(540));
    // tugix456: System and Application are an earlier install (SOURCES.md).
    let mut inputs: Vec<PathBuf> = fs::read_dir(&evtx)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("tugix456__"))
        .collect();
    inputs.sort();
    let all = seen(&inputs, &Options::default());
    let names: Vec<Option<&str>> = all.iter().map(|s| s.machine.name.as_deref()).collect();
    assert_eq!(names, [Some("DESKTOP-HB59U74"), Some("Cafte")]);
    let appostarsi = [
        dir.join("cbs/Appostarsi__CBS_5_23.log"),
        dir.join("dism/Appostarsi__dism_5_23.log"),
        dir.join("windowsupdate/Appostarsi__WindowsUpdate.log"),
        dir.join("other/Appostarsi__V2.zip__system-events.txt"),
    ];
    let all = seen(&appostarsi, &Options::default());
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].machine.name.as_deref(), Some("DESKTOP-RVU7BLR"));
    assert_eq!(all[0].machine.build.as_deref(), Some("10.0.19045.2965"));
}

/// Setup leaves the zone at its default (Pacific) until the user picks theirs: event 6013
/// reports one zone, then the other, and Kernel-General 1 records the change. Local times
/// written before it take the first zone's offset.
#[test]
fn a_zone_changed_while_the_logs_were_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut sys = Events::new("NEW-PC");
    let zone_set: Civil = (2024, 5, 1, 10, 0, 0);
    sys.uptime_6013(
        (2024, 5, 1, 8, 0, 0),
        "480 Pacific Standard Time",
        "Windows 11 Pro",
        "10.0.22631",
    )
    .data(
        "Microsoft-Windows-Kernel-General",
        1,
        4,
        zone_set,
        "System",
        &[
            ("NewTime", "2024-05-01T10:00:00.0000000Z"),
            ("OldTime", "2024-05-01T10:00:00.0000000Z"),
            ("Reason", "3"),
        ],
    )
    .uptime_6013(
        (2024, 5, 2, 8, 0, 0),
        "-60 W. Europe Standard Time",
        "Windows 11 Pro",
        "10.0.22631",
    )
    .uptime_6013(
        (2024, 5, 3, 8, 0, 0),
        "-60 W. Europe Standard Time",
        "Windows 11 Pro",
        "10.0.22631",
    );
    let mut cbs = Log::new(true);
    cbs.cbs((2024, 5, 1, 2, 0, 0), "Info", "CBS", "during setup").cbs(
        (2024, 5, 2, 12, 0, 0),
        "Info",
        "CBS",
        "the day after",
    );
    write(dir.path(), &[("System.evtx", sys.bytes()), ("CBS.log", cbs.bytes())]);
    let s = one(dir.path());
    assert_eq!(s.time_of("during setup"), iso((2024, 5, 1, 9, 0, 0)));
    assert_eq!(s.time_of("the day after"), iso((2024, 5, 2, 10, 0, 0)));
    assert_eq!(s.offsets(), ["-07:00", "+02:00"]);
    assert_eq!(s.clock.periods[0].until.as_deref(), Some(iso(zone_set).as_str()));
    assert_eq!(s.clock.windows, Some("W. Europe Standard Time"));
    assert!(
        s.clock.notes.iter().any(|n| n.contains("Pacific Standard Time")),
        "{:?}",
        s.clock.notes
    );
}

/// Kernel-General 24 gives the kernel's current bias, daylight time included: with nothing
/// else, it places the text logs.
#[test]
fn the_kernels_bias_places_the_text_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut sys = Events::new("ATHENS-1");
    for t in [(2024, 6, 3, 6, 0, 0), (2024, 6, 4, 6, 0, 0)] {
        let fields = [("ExitReason", "0"), ("CurrentBias", "-180"), ("CurrentTimeZoneID", "2")];
        sys.data("Microsoft-Windows-Kernel-General", 24, 4, t, "System", &fields);
    }
    let mut cbs = Log::new(true);
    cbs.cbs((2024, 6, 3, 12, 0, 0), "Info", "CBS", "noon");
    write(dir.path(), &[("System.evtx", sys.bytes()), ("CBS.log", cbs.bytes())]);
    let s = one(dir.path());
    assert_eq!(s.time_of("noon"), iso((2024, 6, 3, 9, 0, 0)));
    assert_eq!(s.offsets(), ["+03:00"]);
    assert_eq!(s.clock.origin, Some(wutriage::timeline::OffsetOrigin::ZoneRefresh));
}

/// One DST case of [`dst_switches_keep_the_failure_beside_its_disk_errors`]: the zone event
/// 6013 gives, a failure at local `fail` some days past a switch (offset `now` minutes
/// east then, `other` on the switch's other side), disk errors and the update client's
/// event 20 logged in UTC beside it.
struct DstCase {
    computer: &'static str,
    zone: &'static str,
    told: Civil,
    fail: Civil,
    now: i64,
    other: i64,
}

/// Writes the case's bundle: System.evtx (6013, disk 153 ×2, disk 7, storahci 129, Windows
/// Update 43 and 20, all UTC) and a CBS.log in local time with no dual stamps (a line at
/// `told`, on the switch's other side, and the failure).
fn dst_bundle(dir: &Path, c: &DstCase) {
    let title =
        "2024-03 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5035845)";
    let dev = "\\Device\\Harddisk0\\DR0";
    let u = |secs: i64| utc(at(c.fail, secs), c.now);
    let mut sys = Events::new(c.computer);
    sys.uptime_6013(c.told, c.zone, "Windows 10 Pro", "10.0.19045")
        .wu_client(43, u(-60), title, None)
        .classic("disk", 153, 3, u(10), &[dev, "0x91a2b30", "0", "\\Device\\00000033"])
        .classic("disk", 153, 3, u(20), &[dev, "0x91a2b48", "0", "\\Device\\00000033"])
        .classic("disk", 7, 2, u(28), &[dev])
        .classic("storahci", 129, 3, u(29), &["\\Device\\RaidPort0"])
        .wu_client(20, u(36), title, Some("0x80070306"));
    sys.list.sort_by_key(|e| e.time_unix_micros);
    let mut cbs = Log::new(true);
    cbs.cbs(c.told, "Info", "CBS", "TI: --- Initializing Trusted Installer ---");
    cbs_failure(&mut cbs, c.fail);
    write(dir, &[("EventLogs/System.evtx", sys.bytes()), ("Logs/CBS/CBS.log", cbs.bytes())]);
}

/// US, EU and Australian switches, spring and autumn, both hemispheres: a failure written in
/// local time days after the switch lines up with the disk errors and the update client's
/// event logged in UTC beside it. One incident, the storage cause first, a backup first.
/// A localized name (only the bias known) gets the rules its zones share once the records
/// matched across logs show which offset was in force.
/// The offset of the switch's other side, applied to the whole bundle, puts the CBS records
/// an hour away from the UTC ones (the case this guards against).
#[test]
fn dst_switches_keep_the_failure_beside_its_disk_errors() {
    let cases = [
        // US spring: 10 March 2024, PST (-8) → PDT (-7).
        DstCase {
            computer: "SFO-KIOSK3",
            zone: "480 Pacific Standard Time",
            told: (2024, 3, 8, 8, 0, 0),
            fail: (2024, 3, 12, 10, 0, 0),
            now: -420,
            other: -480,
        },
        // US autumn: 3 November 2024, EDT (-4) → EST (-5).
        DstCase {
            computer: "NYC-DESK9",
            zone: "300 Eastern Standard Time",
            told: (2024, 10, 30, 8, 0, 0),
            fail: (2024, 11, 5, 14, 30, 0),
            now: -300,
            other: -240,
        },
        // EU spring: 31 March 2024, CET (+1) → CEST (+2), a localized name.
        DstCase {
            computer: "MUC-CAD4",
            zone: "-60 Mitteleuropäische Zeit",
            told: (2024, 3, 28, 8, 0, 0),
            fail: (2024, 4, 2, 9, 15, 0),
            now: 120,
            other: 60,
        },
        // EU autumn: 27 October 2024, BST (+1) → GMT (0).
        DstCase {
            computer: "LON-TILL2",
            zone: "0 GMT Standard Time",
            told: (2024, 10, 24, 8, 0, 0),
            fail: (2024, 10, 29, 11, 0, 0),
            now: 0,
            other: 60,
        },
        // Australia, autumn (southern): 7 April 2024, AEDT (+11) → AEST (+10).
        DstCase {
            computer: "SYD-FRONT2",
            zone: "-600 AUS Eastern Standard Time",
            told: (2024, 4, 3, 8, 0, 0),
            fail: (2024, 4, 9, 10, 0, 0),
            now: 600,
            other: 660,
        },
        // Australia, spring (southern): 6 October 2024, AEST (+10) → AEDT (+11).
        DstCase {
            computer: "SYD-FRONT3",
            zone: "-600 AUS Eastern Standard Time",
            told: (2024, 10, 2, 8, 0, 0),
            fail: (2024, 10, 8, 10, 0, 0),
            now: 660,
            other: 600,
        },
    ];
    for c in &cases {
        let dir = tempfile::tempdir().unwrap();
        dst_bundle(dir.path(), c);
        let name = c.computer;
        let v = report(dir.path(), &Options::default());
        let incidents = v["incidents"].as_array().unwrap();
        assert_eq!(incidents.len(), 1, "{name}: one incident\n{:#}", v["incidents"]);
        assert_eq!(incidents[0]["count"], 1, "{name}");
        assert_eq!(incidents[0]["code"], "0x80070306", "{name}");
        // The attempt starts at its first failure record, CBS's single-phase line (issue 16).
        assert_eq!(incidents[0]["first"], iso(utc(at(c.fail, 30), c.now)), "{name}");
        assert_eq!(v["causes"][0]["cause"], "storage", "{name}\n{:#}", v["causes"]);
        assert_eq!(v["storage_first"], true, "{name}");
        assert_eq!(v["machine"]["name"], name);
        assert!(v["time_zone"]["periods"].as_array().unwrap().len() >= 2, "{name}: a switch");
        // The line written before the switch took the offset of its own side.
        let s = one(dir.path());
        assert_eq!(s.time_of("Initializing Trusted"), iso(utc(c.told, c.other)), "{name}");
        // The other side's offset for the whole bundle: the CBS records move an hour.
        let fixed =
            Options { utc_offset: UtcOffset::from_minutes(c.other as i32), ..Options::default() };
        let wrong = report(dir.path(), &fixed);
        let cbs_first = wrong["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["records"].as_array().unwrap())
            .find(|r| r["at"].as_str().unwrap().starts_with("Logs/CBS/CBS.log"))
            .map(|r| r["time"].clone());
        assert_eq!(
            cbs_first,
            Some(iso(utc(at(c.fail, 30), c.other)).into()),
            "{name}: an hour away"
        );
    }
}
