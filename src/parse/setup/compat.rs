//! Windows Setup's compatibility reports, `CompatData_*.xml` and `ScanResult.xml`
//! (FORMATS.md §6): a `<CompatReport>` of `HardwareItem`, `Program`, `Device` and
//! `DriverPackage` items. An item blocks the upgrade when its `CompatibilityInfo` says
//! `BlockingType="Hard"`; `Soft` items only warn; a driver package with
//! `BlockMigration="True"` is left behind (not carried into the new OS).
//!
//! A record is an item. Every blocking or warning item becomes an event (Error, Warning);
//! the rest only with `--all`. The report's time comes from its name
//! (`CompatData_2023_05_23_00_27_47_…`, local); `ScanResult.xml` has none and is dated
//! after parsing from the other setup files of the bundle ([`date_undated`]).

use super::owned_event;
use crate::event::{Level, Source};
use crate::parse::{Ctx, IssueKind, Keep, ParsedArtifact, Piece};
use crate::time::{TimeBase, Timestamp};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event as Xml};
use std::fmt::Write as _;

/// Elements that are items of the report.
const ITEMS: [&[u8]; 4] = [b"HardwareItem", b"Program", b"Device", b"DriverPackage"];

/// The time in a `CompatData_YYYY_MM_DD_HH_MM_SS_…` name, local.
pub(crate) fn time_from_name(name: &str) -> Option<Timestamp> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    let rest = base.get(lower.find("compatdata_")? + "compatdata_".len()..)?;
    let mut n = rest.split('_').map(|p| p.parse::<u32>().ok());
    let (y, mo, d, h, mi, s) =
        (n.next()??, n.next()??, n.next()??, n.next()??, n.next()??, n.next()??);
    Timestamp::from_civil(i64::from(y), mo, d, h, mi, s, 0)
}

/// One item being read.
#[derive(Default)]
struct Item {
    element: String,
    line: u32,
    /// The item's own attributes, then those of its `CompatibilityInfo` and `Action`s.
    attrs: Vec<(String, String)>,
}

impl Item {
    fn get(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

fn attributes(e: &BytesStart<'_>, prefix: &str, into: &mut Vec<(String, String)>) {
    for a in e.attributes().flatten() {
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let value = a.unescape_value().map(std::borrow::Cow::into_owned).unwrap_or_default();
        into.push((format!("{prefix}{key}"), value));
    }
}

/// Parses a whole compatibility report (`name` is its bundle path, for the time).
pub(crate) fn parse<'t>(text: &'t str, name: &str, ctx: &Ctx) -> Piece<'t> {
    let mut piece = Piece::default();
    piece.coverage.lines = super::line_of(text, text.len()).into();
    let time = time_from_name(name);
    if let Some(t) = time {
        piece.coverage.see_time(t);
    }
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = false;
    let mut current: Option<Item> = None;
    let mut items = Vec::new();
    loop {
        let at = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(ev @ (Xml::Start(_) | Xml::Empty(_))) => {
                let (Xml::Start(e) | Xml::Empty(e)) = &ev else { continue };
                let empty = matches!(ev, Xml::Empty(_));
                let local = e.local_name();
                let tag = local.as_ref();
                if ITEMS.contains(&tag) {
                    if let Some(done) = current.take() {
                        items.push(done);
                    }
                    let mut item = Item {
                        element: String::from_utf8_lossy(tag).into_owned(),
                        line: super::line_of(text, at),
                        attrs: Vec::new(),
                    };
                    attributes(e, "", &mut item.attrs);
                    // An empty item (`<DriverPackage …/>`) is complete at once.
                    if empty {
                        items.push(item);
                    } else {
                        current = Some(item);
                    }
                } else if let Some(item) = current.as_mut() {
                    let prefix = match tag {
                        b"CompatibilityInfo" => "",
                        b"Action" => "Action.",
                        b"Link" => "Link.",
                        _ => continue,
                    };
                    attributes(e, prefix, &mut item.attrs);
                }
            }
            Ok(Xml::End(e)) => {
                if ITEMS.contains(&e.local_name().as_ref())
                    && let Some(done) = current.take()
                {
                    items.push(done);
                }
            }
            Ok(Xml::Eof) => break,
            Ok(_) => {}
            Err(err) => {
                let line = super::line_of(text, at);
                piece.issue(
                    IssueKind::Malformed,
                    Some(crate::event::Pos::Line(line)),
                    format!(
                        "malformed XML at line {line}: {err}; the rest of the report was not read"
                    ),
                );
                break;
            }
        }
    }
    items.extend(current);
    piece.coverage.records = items.len() as u64;
    for item in items {
        let blocking = item.get("BlockingType").unwrap_or("");
        let left_behind =
            item.get("BlockMigration").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let level = match blocking {
            "Hard" => Level::Error,
            "Soft" => Level::Warning,
            _ if left_behind => Level::Warning,
            _ => Level::Info,
        };
        if ctx.keep == Keep::Notable && level == Level::Info {
            continue;
        }
        let what = item
            .get("Name")
            .or_else(|| item.get("HardwareType"))
            .or_else(|| item.get("Inf"))
            .or_else(|| item.get("DeviceInstanceId"))
            .unwrap_or("(unnamed)")
            .to_string();
        let mut message = match (level, item.element.as_str()) {
            (Level::Error, el) => format!("Hard compatibility block ({el}): {what}"),
            (_, "DriverPackage") if left_behind => format!(
                "Driver package {what} is not migrated to the new OS (BlockMigration){}",
                if item.get("HasSignedBinaries") == Some("False") {
                    "; its binaries are unsigned"
                } else {
                    ""
                }
            ),
            (Level::Warning, el) => format!("Compatibility warning ({el}): {what}"),
            (_, el) => format!("{el}: {what}"),
        };
        for key in ["Title", "Message", "Action.Name"] {
            if let Some(v) = item.get(key).filter(|v| !v.is_empty()) {
                let _ = write!(message, "; {key}: {v}");
            }
        }
        let fields: Vec<(&'static str, String)> = [
            ("item", Some(item.element.clone())),
            ("name", Some(what)),
            ("blocking", (!blocking.is_empty()).then(|| blocking.to_string())),
            ("block-migration", left_behind.then(|| "True".to_string())),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
        let e = owned_event(
            time.unwrap_or(UNDATED),
            TimeBase::Local,
            item.line,
            Source::Compat,
            level,
            "compat",
            message,
            Vec::new(),
            fields,
        );
        let notable = level.is_warning_or_worse();
        piece.push(ctx.keep, e, notable);
    }
    piece
}

/// The time given to the events of a report with no date in its name, until
/// [`date_undated`] replaces it.
pub(crate) const UNDATED: Timestamp = Timestamp(i64::MIN);

/// Dates the events of undated compatibility reports (`ScanResult.xml`) by the latest dated
/// `CompatData` report of the bundle, else by the first record of a Windows Setup log (the
/// scan runs at the start of an attempt). Without either, their events are dropped and an
/// issue says why.
pub(crate) fn date_undated(out: &mut [ParsedArtifact<'_>], kinds: &[crate::bundle::Kind]) {
    use crate::bundle::Kind;
    let dated_compat = out
        .iter()
        .zip(kinds)
        .filter(|(_, k)| **k == Kind::CompatReport)
        .filter_map(|(p, _)| p.coverage.last)
        .max();
    let first_setup = out
        .iter()
        .zip(kinds)
        .filter(|(_, k)| **k == Kind::SetupLog)
        .filter_map(|(p, _)| p.coverage.first)
        .min();
    let when = dated_compat.or(first_setup);
    for (p, k) in out.iter_mut().zip(kinds) {
        if *k != Kind::CompatReport || !p.events.iter().any(|e| e.time == Some(UNDATED)) {
            continue;
        }
        if let Some(t) = when {
            for e in p.events.iter_mut().filter(|e| e.time == Some(UNDATED)) {
                e.time = Some(t);
            }
            p.coverage.see_time(t);
        } else {
            p.events.retain(|e| e.time != Some(UNDATED));
            p.issues.push(crate::parse::ParseIssue {
                kind: IssueKind::NoRecords,
                pos: None,
                detail: "no date in the name and no other setup file to date it by: its \
                         blocks are not placed on the timeline"
                    .into(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report in the shape of FORMATS.md §6, written for this test.
    const REPORT: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r
<CompatReport xmlns=\"http://www.microsoft.com/ApplicationExperience/UpgradeAdvisor/01012009\"><Hardware><HardwareItem HardwareType=\"Setup_SecureBoot\"><CompatibilityInfo BlockingType=\"None\"/></HardwareItem><HardwareItem HardwareType=\"Setup_Tpm\"><CompatibilityInfo BlockingType=\"Hard\" Title=\"TPM 2.0\" Message=\"This PC has no TPM 2.0.\"/></HardwareItem></Hardware>\r
<Programs><Program Name=\"Example VPN 1.0\"><CompatibilityInfo BlockingType=\"Hard\"/><Action Name=\"UninstallApp\"/></Program></Programs>\r
\t<DriverPackages>\r
\t\t<DriverPackage Inf=\"oem1.inf\" BlockMigration=\"True\" HasSignedBinaries=\"False\"/>\r
\t\t<DriverPackage Inf=\"oem2.inf\" BlockMigration=\"False\" HasSignedBinaries=\"True\"/>\r
\t</DriverPackages>\r
</CompatReport>\r
";

    #[test]
    fn items_and_blocks() {
        let name = "Panther/CompatData_2023_05_23_00_27_47_3_006f0018.xml";
        let p = parse(REPORT, name, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 5);
        assert!(p.issues.is_empty(), "{:?}", p.issues);
        let hard: Vec<_> = p.events.iter().filter(|e| e.level == Level::Error).collect();
        assert_eq!(hard.len(), 2);
        assert!(hard[0].message.contains("Setup_Tpm"));
        assert!(hard[0].message.contains("no TPM 2.0"));
        assert_eq!(hard[1].field("name"), Some("Example VPN 1.0"));
        assert!(hard[1].message.contains("UninstallApp"));
        let left = p.events.iter().find(|e| e.field("block-migration").is_some()).unwrap();
        assert!(left.message.contains("oem1.inf") && left.message.contains("unsigned"));
        assert_eq!(left.at.pos, crate::event::Pos::Line(5));
        assert_eq!(p.events[0].time.unwrap().to_string(), "2023-05-23T00:27:47.000000+00:00");
        let notable = parse(REPORT, name, &Ctx::new(Keep::Notable));
        assert_eq!(notable.events.len(), 3);
    }

    #[test]
    fn broken_xml_is_an_issue() {
        let p = parse(
            "<CompatReport><Programs><Program Name=\"x\"",
            "ScanResult.xml",
            &Ctx::new(Keep::All),
        );
        assert!(p.events.iter().all(|e| e.time == Some(UNDATED)));
        assert!(!p.issues.is_empty() || p.coverage.records <= 1);
    }
}
