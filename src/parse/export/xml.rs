//! `wevtutil qe … /f:xml` (`<Event>` elements one after another, no root) and Event
//! Viewer's "Save as XML" (the same inside `<Events>`, with `RenderingInfo`). Each
//! `<Event>` holds what the .evtx record holds: `System` (provider, id, level, time in
//! UTC, record id, channel, computer) and `EventData` or `UserData`, so it becomes the
//! event the .evtx would give; a rendered message is kept when there is one.
//!
//! A document that stops parsing keeps what came before, with an issue.

use super::emit;
use crate::event::{Level, Pos, Source};
use crate::parse::evtx::{DATA_NAMES, Draft, MAX_FIELDS, Name};
use crate::parse::{Ctx, IssueKind, Piece};
use crate::time::{TimeBase, Timestamp};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event as Xml};
use std::borrow::Cow;

/// Whether a trimmed head starts an XML event export.
pub(crate) fn looks_like(start: &str) -> bool {
    let start = match start.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or("", |x| x.1).trim_start(),
        None => start,
    };
    start.starts_with("<Event xmlns")
        || start.starts_with("<Event>")
        || (start.starts_with("<Events") && start.contains("<Event"))
}

/// Where the reader is inside one `<Event>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Part {
    #[default]
    Other,
    System,
    EventData,
    UserData,
    Rendering,
}

#[derive(Default)]
struct Rec {
    line: u32,
    provider: String,
    id: Option<u32>,
    level: Option<u64>,
    rendered_level: Option<String>,
    time: Option<Timestamp>,
    record_id: Option<u64>,
    channel: String,
    computer: String,
    fields: Vec<(Name, String)>,
    message: Option<String>,
    unnamed: usize,
}

impl Rec {
    /// One `Data` value: named, or `data1`, `data2`, … by place; empty values are kept, as
    /// the .evtx reader keeps them.
    fn data(&mut self, name: Option<String>, value: String) {
        if self.fields.len() >= MAX_FIELDS {
            return;
        }
        let key: Name = match name {
            Some(n) if !n.is_empty() => Cow::Owned(n),
            _ => {
                self.unnamed += 1;
                let Some(n) = DATA_NAMES.get(self.unnamed - 1) else { return };
                Cow::Borrowed(*n)
            }
        };
        self.fields.push((key, value));
    }
}

fn attr(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .and_then(|a| a.unescape_value().ok().map(Cow::into_owned))
}

/// `2023-05-22T13:22:20.0760000Z`.
fn system_time(s: &str) -> Option<Timestamp> {
    Timestamp::parse_user(s.trim())
}

struct Parser<'t, 'c> {
    ctx: &'c Ctx,
    text: &'t str,
    piece: Piece<'t>,
    lines_before: u64,
    line_at: usize,
}

impl Parser<'_, '_> {
    fn line_of(&mut self, at: usize) -> u32 {
        let at = at.clamp(self.line_at, self.text.len());
        let between = self.text.as_bytes().get(self.line_at..at).unwrap_or_default();
        self.lines_before += memchr::memchr_iter(b'\n', between).count() as u64;
        self.line_at = at;
        u32::try_from(self.lines_before + 1).unwrap_or(u32::MAX)
    }

    fn finish(&mut self, r: Rec) {
        let Some(time) = r.time else {
            self.piece.issue(
                IssueKind::BadTimestamp,
                Some(Pos::Line(r.line)),
                "an <Event> without a readable TimeCreated SystemTime",
            );
            return;
        };
        self.piece.coverage.records += 1;
        self.piece.coverage.see_time(time);
        let level = match (r.level, &r.rendered_level) {
            (Some(l), _) => Level::from_evtx(l),
            (None, Some(word)) => super::lang::level(word).unwrap_or(Level::Info),
            (None, None) => Level::Info,
        };
        let mut fields = r.fields;
        if !r.computer.is_empty() {
            fields.push((Cow::Borrowed("Computer"), r.computer));
        }
        if !r.channel.is_empty() {
            fields.push((Cow::Borrowed("Channel"), r.channel));
        }
        let draft = Draft {
            source: Source::EventExport,
            time: Some(time),
            time_base: TimeBase::Utc,
            pos: r.record_id.map_or(Pos::Line(r.line), Pos::Record),
            provider: r.provider,
            event_id: r.id,
            level,
            fields,
            message: None,
            recovered: false,
        };
        let message = r.message.map(|m| m.trim().to_string()).filter(|m| !m.is_empty());
        emit(&mut self.piece, self.ctx, draft, message);
    }

    fn run(&mut self) {
        let mut reader = Reader::from_str(self.text);
        let mut rec: Option<Rec> = None;
        let mut part = Part::Other;
        // The element whose text is being read, and the text so far.
        let mut leaf: Option<(Vec<u8>, Option<String>)> = None;
        let mut text = String::new();
        // Depth inside UserData (its first child is a wrapper element).
        let mut user_depth = 0u32;
        loop {
            let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let ev = match reader.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    let line = self.line_of(at);
                    self.piece.issue(
                        IssueKind::Malformed,
                        Some(Pos::Line(line)),
                        format!("the XML does not parse from line {line} on ({e}); what came before was read"),
                    );
                    return;
                }
            };
            match ev {
                Xml::Start(e) | Xml::Empty(e) if e.local_name().as_ref() == b"Event" => {
                    let line = self.line_of(at);
                    rec = Some(Rec { line, ..Rec::default() });
                    part = Part::Other;
                }
                Xml::Start(e) => {
                    let name = e.local_name().as_ref().to_vec();
                    let Some(r) = rec.as_mut() else { continue };
                    match name.as_slice() {
                        b"System" => part = Part::System,
                        b"EventData" => part = Part::EventData,
                        b"UserData" => {
                            part = Part::UserData;
                            user_depth = 0;
                        }
                        b"RenderingInfo" => part = Part::Rendering,
                        _ => {
                            if part == Part::UserData {
                                user_depth += 1;
                            }
                            if part == Part::System && name == b"Provider" {
                                r.provider = attr(&e, b"Name").unwrap_or_default();
                            }
                            if part == Part::System && name == b"TimeCreated" {
                                r.time = attr(&e, b"SystemTime").and_then(|s| system_time(&s));
                            }
                            let data_name = attr(&e, b"Name");
                            leaf = Some((name, data_name));
                            text.clear();
                        }
                    }
                }
                Xml::Empty(e) => {
                    let Some(r) = rec.as_mut() else { continue };
                    match e.local_name().as_ref() {
                        // `<Data/>`: an empty value keeps its place, as in the .evtx.
                        b"Data" if part == Part::EventData => {
                            r.data(attr(&e, b"Name"), String::new());
                        }
                        b"Provider" if part == Part::System => {
                            r.provider = attr(&e, b"Name").unwrap_or_default();
                        }
                        b"TimeCreated" if part == Part::System => {
                            r.time = attr(&e, b"SystemTime").and_then(|s| system_time(&s));
                        }
                        _ => {}
                    }
                }
                Xml::Text(t) if leaf.is_some() => text.push_str(&t.decode().unwrap_or_default()),
                Xml::CData(t) if leaf.is_some() => text.push_str(&String::from_utf8_lossy(&t)),
                Xml::GeneralRef(g) if leaf.is_some() => {
                    if let Ok(Some(c)) = g.resolve_char_ref() {
                        text.push(c);
                    } else {
                        let name = g.decode().unwrap_or_default();
                        let c = quick_xml::escape::resolve_predefined_entity(&name);
                        text.push_str(c.unwrap_or(""));
                    }
                }
                Xml::End(e) => {
                    let name = e.local_name().as_ref().to_vec();
                    if name == b"Event" {
                        if let Some(r) = rec.take() {
                            self.finish(r);
                        }
                        leaf = None;
                        continue;
                    }
                    let Some(r) = rec.as_mut() else { continue };
                    match name.as_slice() {
                        b"System" | b"EventData" | b"UserData" | b"RenderingInfo" => {
                            part = Part::Other;
                            continue;
                        }
                        _ => {}
                    }
                    if part == Part::UserData {
                        user_depth = user_depth.saturating_sub(1);
                    }
                    let Some((leaf_name, data_name)) = leaf.take() else { continue };
                    if leaf_name != name {
                        continue;
                    }
                    let value = std::mem::take(&mut text);
                    match (part, leaf_name.as_slice()) {
                        (Part::System, b"EventID") => r.id = value.trim().parse().ok(),
                        (Part::System, b"Level") => r.level = value.trim().parse().ok(),
                        (Part::System, b"EventRecordID") => {
                            r.record_id = value.trim().parse().ok();
                        }
                        (Part::System, b"Channel") => r.channel = value.trim().to_string(),
                        (Part::System, b"Computer") => r.computer = value.trim().to_string(),
                        (Part::EventData, b"Data") => r.data(data_name, value),
                        (Part::UserData, n)
                            if r.fields.len() < MAX_FIELDS
                                && user_depth >= 1
                                && !value.trim().is_empty() =>
                        {
                            let key = String::from_utf8_lossy(n).into_owned();
                            r.fields.push((Cow::Owned(key), value.trim().to_string()));
                        }
                        (Part::Rendering, b"Message") => r.message = Some(value),
                        (Part::Rendering, b"Level") => r.rendered_level = Some(value),
                        _ => {}
                    }
                }
                Xml::Eof => break,
                _ => {}
            }
        }
        if rec.is_some() {
            let line = self.line_of(self.text.len());
            self.piece.issue(
                IssueKind::Malformed,
                Some(Pos::Line(line)),
                "the last <Event> has no end (the export was cut off)",
            );
        }
    }
}

/// Parses a whole XML export.
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    let mut p = Parser { ctx, text, piece: Piece::default(), lines_before: 0, line_at: 0 };
    p.run();
    p.piece.count_lines(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Keep;

    /// Two events as `wevtutil qe System /f:xml` prints them (written for this test).
    const WEVTUTIL: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-WindowsUpdateClient' Guid='{945a8954-c147-4acd-923f-40c45405a658}'/><EventID>20</EventID><Version>1</Version><Level>2</Level><Task>1</Task><Opcode>13</Opcode><Keywords>0x8000000000000028</Keywords><TimeCreated SystemTime='2023-05-22T14:22:20.0760000Z'/><EventRecordID>4242</EventRecordID><Correlation/><Execution ProcessID='1' ThreadID='2'/><Channel>System</Channel><Computer>PC1</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='errorCode'>0x80240009</Data><Data Name='updateTitle'>NVIDIA - Display - 31.0.15.1694</Data><Data Name='updateGuid'>{1}</Data><Data Name='updateRevisionNumber'>1</Data><Data Name='serviceGuid'>{2}</Data></EventData></Event><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='disk'/><EventID Qualifiers='49156'>7</EventID><Level>2</Level><TimeCreated SystemTime='2023-05-22T14:30:00.0000000Z'/><EventRecordID>4243</EventRecordID><Channel>System</Channel><Computer>PC1</Computer></System><EventData><Data>\\Device\\Harddisk0\\DR0</Data><Binary>00</Binary></EventData></Event>";

    #[test]
    fn events_are_those_of_the_evtx() {
        let p = parse(WEVTUTIL, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 2, "{:?}", p.issues);
        let e = &p.events[0];
        assert_eq!(e.source, Source::EventExport);
        assert_eq!(e.component, "Microsoft-Windows-WindowsUpdateClient");
        assert_eq!(e.event_id, Some(20));
        assert_eq!(e.level, Level::Error);
        assert_eq!(e.time.unwrap().to_string(), "2023-05-22T14:22:20.076000+00:00");
        assert_eq!(e.at.pos, Pos::Record(4242));
        assert_eq!(e.field("errorCode"), Some("0x80240009"));
        assert_eq!(e.field("Channel"), Some("System"));
        assert_eq!(e.codes[0].to_string(), "0x80240009");
        let d = &p.events[1];
        assert_eq!((d.component.as_ref(), d.event_id), ("disk", Some(7)));
        assert_eq!(d.field("data1"), Some("\\Device\\Harddisk0\\DR0"));
    }

    #[test]
    fn saved_xml_with_rendering_and_a_cut_end() {
        let saved = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<Events>\r\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Service Control Manager'/><EventID Qualifiers='49152'>7000</EventID><Level>2</Level><TimeCreated SystemTime='2023-05-22T14:30:00.000Z'/><EventRecordID>9</EventRecordID><Channel>System</Channel><Computer>PC1</Computer></System><EventData><Data Name='param1'>Windows Update</Data><Data Name='param2'>%%1058</Data></EventData><RenderingInfo Culture='fr-FR'><Message>Le service Windows Update n&#8217;a pas démarré &amp; a échoué.</Message><Level>Erreur</Level></RenderingInfo></Event>\r\n<Event xmlns='x'><System><Provider Name='disk'/><EventID>7</EventID>";
        assert!(looks_like(saved));
        let p = parse(saved, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 1);
        let e = &p.events[0];
        assert_eq!(e.message, "Le service Windows Update n\u{2019}a pas démarré & a échoué.");
        assert_eq!(e.at.pos, Pos::Record(9));
        assert_eq!(p.issues.len(), 1);
        assert_eq!(p.issues[0].kind, IssueKind::Malformed);
        assert_eq!(p.issues[0].pos, Some(Pos::Line(4)));
    }
}
