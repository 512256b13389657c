//! Events copied out of Event Viewer ("Copy" > "Copy details as text"): per event a block of
//! `Log Name:`, `Source:`, `Date:`, `Event ID:`, `Task Category:`, `Level:`, `Keywords:`,
//! `User:`, `Computer:` lines, then `Description:` and its text, then often `Event Xml:` and
//! the event's XML. `Date:` is local time written for the machine's locale; the XML's
//! `TimeCreated SystemTime` is UTC and its `Data` elements are the event's fields, so both are
//! used when the copy has them. Lines may carry copy prefixes (a ticket).

use super::block::{self, Block};
use crate::parse::text::lines::Lines;
use crate::parse::{Ctx, Piece};
use crate::shapes::{lenient, loose};
use crate::time::Timestamp;

/// Where a line of the block falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Header,
    Description,
    Xml,
}

/// The value of `name="…"` in an XML tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let rest = tag.get(at..)?;
    rest.get(..rest.find('"')?)
}

/// `&amp;` and friends in XML text.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// What an XML line of the copy adds to the block: the UTC time, the record id, a field.
fn xml_line(b: &mut Block, line: &str) {
    let t = line.trim();
    if t.starts_with("<TimeCreated") {
        b.utc = attribute(t, "SystemTime")
            .and_then(|v| Timestamp::parse_user(v.trim_end_matches('Z')))
            .or(b.utc);
    } else if let Some(rest) = t.strip_prefix("<Data Name=\"") {
        let Some((name, rest)) = rest.split_once('"') else { return };
        let value = rest.strip_prefix('>').and_then(|r| r.strip_suffix("</Data>")).unwrap_or("");
        b.data.push((name.to_string(), unescape(value)));
    } else if let Some(rest) = t.strip_prefix("<Data>") {
        let value = rest.strip_suffix("</Data>").unwrap_or(rest);
        let n = b.data.len() + 1;
        b.data.push((format!("param{n}"), unescape(value)));
    } else if b.provider.is_empty()
        && t.starts_with("<Provider")
        && let Some(name) = attribute(t, "Name")
    {
        b.provider = name.to_string();
    }
}

/// Parses a whole copy.
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    let mut piece = Piece::default();
    piece.coverage.lenient = true;
    let mut blocks: Vec<Block> = Vec::new();
    let mut part = Part::Header;
    let mut lines = Lines::new(text);
    let mut no: u32 = 0;
    for line in lines.by_ref() {
        no = no.saturating_add(1);
        let raw = line.text.strip_prefix('\u{FEFF}').unwrap_or(line.text);
        let (body, copied) = lenient::strip_copy(raw);
        piece.coverage.repaired_lines += u64::from(copied);
        if loose::is_viewer_block(body) {
            blocks.push(Block { line: no, ..Block::default() });
            part = Part::Header;
        }
        let Some(b) = blocks.last_mut() else {
            piece.coverage.unattributed_lines += 1;
            continue;
        };
        let t = lenient::trim_start(body);
        match part {
            Part::Xml => xml_line(b, t),
            Part::Description if t.starts_with("Event Xml:") => part = Part::Xml,
            Part::Description => {
                if !b.message.is_empty() {
                    b.message.push('\n');
                }
                b.message.push_str(t.trim_end());
            }
            Part::Header => {
                let Some((key, value)) = t.split_once(':') else { continue };
                let value = value.trim().to_string();
                match key.trim() {
                    "Log Name" => b.log = value,
                    "Source" => b.provider = value,
                    "Date" => b.date = value,
                    "Event ID" => b.id = value,
                    "Level" => b.level = value,
                    "Computer" => b.computer = value,
                    "Description" => {
                        b.message = value;
                        part = Part::Description;
                    }
                    "Event Xml" => part = Part::Xml,
                    _ => {}
                }
            }
        }
    }
    block::finish(piece, ctx, blocks, no, &lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::parse::Keep;

    const COPY: &str = "Log Name:      System\r
Source:        Microsoft-Windows-WindowsUpdateClient\r
Date:          5/22/2023 8:22:20 AM\r
Event ID:      20\r
Task Category: Windows Update Agent\r
Level:         Error\r
Keywords:      Failure,Installation\r
User:          SYSTEM\r
Computer:      PC1\r
Description:\r
Installation Failure: Windows failed to install the following update with error 0x80240009: Display driver update.\r
Event Xml:\r
<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\r
  <System>\r
    <Provider Name=\"Microsoft-Windows-WindowsUpdateClient\" Guid=\"{945a8954-c147-4acd-923f-40c45405a658}\" />\r
    <EventID>20</EventID>\r
    <TimeCreated SystemTime=\"2023-05-22T14:22:20.0760000Z\" />\r
  </System>\r
  <EventData>\r
    <Data Name=\"errorCode\">0x80240009</Data>\r
    <Data Name=\"updateTitle\">Display driver update</Data>\r
  </EventData>\r
</Event>\r
\r
> Log Name:      Microsoft-Windows-Windows Defender/Operational\r
> Source:        Microsoft-Windows-Windows Defender\r
> Date:          <date> <time>\r
> Event ID:      1121\r
> Level:         Warning\r
> Description:\r
> Microsoft Defender Exploit Guard has blocked an operation that is not allowed by your IT administrator.\r
>  ID: D1E49AAC-8F56-4280-B9BA-993A6D77406C\r
";

    #[test]
    fn copied_details_become_events() {
        let p = parse(COPY, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 2);
        assert_eq!(p.coverage.untimed, 1);
        let e = &p.events[0];
        assert_eq!((e.event_id, e.level), (Some(20), Level::Error));
        assert_eq!(e.time.unwrap().to_string(), "2023-05-22T14:22:20.076000+00:00");
        assert_eq!(e.time_base, crate::time::TimeBase::Utc);
        assert_eq!(e.field("errorCode"), Some("0x80240009"));
        assert_eq!(e.codes[0].to_string(), "0x80240009");
        assert_eq!(e.at.pos, crate::event::Pos::Line(1));
        let d = &p.events[1];
        assert_eq!(
            (d.event_id, d.time, d.component.as_ref()),
            (Some(1121), None, "Microsoft-Windows-Windows Defender")
        );
        assert!(d.message.contains("ID: D1E49AAC"), "{}", d.message);
        assert_eq!(d.at.pos, crate::event::Pos::Line(25));
    }

    #[test]
    fn the_locale_date_when_there_is_no_xml() {
        let text = "Log Name: System\nSource: Microsoft-Windows-WindowsUpdateClient\nDate: 22.05.2023 14:22:20\nEvent ID: 20\nLevel: Error\nDescription:\nInstallation Failure: error 0x80240009: X.\n";
        let p = parse(text, &Ctx::new(Keep::All));
        let e = &p.events[0];
        assert_eq!(e.time.unwrap().to_string(), "2023-05-22T14:22:20.000000+00:00");
        assert_eq!(e.time_base, crate::time::TimeBase::Local);
    }
}
