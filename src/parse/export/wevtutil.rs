//! `wevtutil qe … /f:text` exports: `Event[N]:` blocks of `  Key: value` lines, then a
//! free-text description (FORMATS.md §4). They become the same events an .evtx would give.
//!
//! Their `Date:` ends in `Z` but is the machine's local time (measured on the real export in
//! the corpus), so dates are taken as local and the offset is inferred, partly from
//! Kernel-General 12, whose text holds the boot time in true UTC.
//!
//! On a machine in another language every label is translated (`Ereignis[0]:`,
//! `Quelle:`, `Ebene: Fehler`), but `wevtutil` always writes the same twelve lines in the
//! same order, so a label it does not know in English is read by its place ([`ROLES`]).
//! Only the level's value is translated too (see [`super::lang`]); the description is
//! free text whatever it holds (event 6013's localized time-zone name is data).

use crate::event::{Level, Pos, Source};
use crate::parse::evtx::{Draft, Family, Name, build, family, is_known_event};
use crate::parse::text::cbs::quarter_hours;
use crate::parse::text::lines::{Grammar, NumberedLine, Record};
use crate::parse::{Collect, Ctx, Hits, Keep, OffsetSource, Piece};
use crate::shapes::{self, lenient};
use crate::time::{TimeBase, Timestamp};

#[derive(Default)]
struct Block<'t> {
    line: u32,
    /// Byte offsets of the `Event[N]:` line and of the end of the block's last line.
    start: usize,
    end: usize,
    source: &'t str,
    log: &'t str,
    date: &'t str,
    id: &'t str,
    level: &'t str,
    computer: &'t str,
    desc_start: Option<usize>,
    desc_end: usize,
    /// Label lines seen so far (the place of the next one).
    labels: usize,
}

/// What each of `wevtutil`'s twelve label lines holds, in the order it writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    LogName,
    Source,
    Date,
    EventId,
    Task,
    Level,
    Opcode,
    Keyword,
    User,
    UserName,
    Computer,
    Description,
}

/// The roles by place.
const ROLES: [Role; 12] = [
    Role::LogName,
    Role::Source,
    Role::Date,
    Role::EventId,
    Role::Task,
    Role::Level,
    Role::Opcode,
    Role::Keyword,
    Role::User,
    Role::UserName,
    Role::Computer,
    Role::Description,
];

/// The role of an English label.
fn english(label: &str) -> Option<Role> {
    Some(match label {
        "Log Name" => Role::LogName,
        "Source" => Role::Source,
        "Date" => Role::Date,
        "Event ID" => Role::EventId,
        "Task" => Role::Task,
        "Level" => Role::Level,
        "Opcode" => Role::Opcode,
        "Keyword" => Role::Keyword,
        "User" => Role::User,
        "User Name" => Role::UserName,
        "Computer" => Role::Computer,
        "Description" => Role::Description,
        _ => return None,
    })
}

/// `label: value` (or the full-width colon of East Asian labels): the label, the value and
/// the byte offset of the value.
fn label(body: &str) -> Option<(&str, &str, usize)> {
    let colon = body.find([':', '\u{FF1A}'])?;
    let width = body[colon..].chars().next().map_or(1, char::len_utf8);
    Some((body[..colon].trim(), body[colon + width..].trim(), colon + width))
}

pub(crate) fn level_of(s: &str) -> Level {
    match s {
        "Critical" => Level::Critical,
        "Error" => Level::Error,
        "Warning" => Level::Warning,
        "Verbose" => Level::Verbose,
        "Information" => Level::Info,
        other => super::lang::level(other).unwrap_or(Level::Info),
    }
}

/// The time in a stamp, keeping only the characters a timestamp can hold (exports can lose
/// U+200E marks as `?`) and dropping `trim` from its end. No allocation: this runs per block.
fn stamp_time(s: &str, trim: &[char]) -> Option<Timestamp> {
    let mut buf = [0u8; 48];
    let mut n = 0;
    for b in s.bytes().filter(|b| b.is_ascii_digit() || b"-:.TZ".contains(b)) {
        *buf.get_mut(n)? = b;
        n += 1;
    }
    let clean = std::str::from_utf8(buf.get(..n)?).ok()?;
    Timestamp::parse_user(clean.trim_end_matches(trim))
}

fn after<'a>(hay: &'a str, key: &str) -> Option<&'a str> {
    hay.find(key).and_then(|i| hay.get(i + key.len()..))
}

fn word(s: &str) -> &str {
    let s = s.trim_start();
    let end = s.find(|c: char| c.is_whitespace() || c == ',').unwrap_or(s.len());
    s[..end].trim_end_matches('.')
}

/// Fields an .evtx record would carry, recovered from the description text.
pub(crate) fn fields_from_text(fam: Family, id: u32, desc: &str) -> Vec<(Name, String)> {
    let mut f = Vec::new();
    let mut put = |k: &'static str, v: &str| {
        let v = v.trim().trim_end_matches('.').trim();
        if !v.is_empty() {
            f.push((Name::Borrowed(k), v.to_string()));
        }
    };
    match fam {
        Family::WindowsUpdateClient => {
            if let Some(rest) = after(desc, "with error ") {
                let code = word(rest).trim_end_matches(':');
                put("errorCode", code);
                if let Some(title) = rest.split_once(": ").map(|x| x.1) {
                    put("updateTitle", title);
                }
            } else if let Some(title) = after(desc, "following update: ") {
                put("updateTitle", title);
            }
        }
        Family::Servicing => {
            if let Some(rest) = after(desc, "ackage ") {
                put("PackageIdentifier", word(rest));
            }
            if let Some(rest) = after(desc, "to the ").or_else(|| after(desc, "Target state is ")) {
                put("IntendedPackageState", word(rest));
            }
            if let Some(rest) = after(desc, "Status: ") {
                put("ErrorCode", word(rest));
            }
        }
        Family::Disk | Family::Storage | Family::Volmgr => {
            if let Some(i) = desc.find("\\Device\\") {
                put("data1", word(&desc[i..]));
            }
        }
        Family::Ntfs if id == 98 => {
            if let Some(rest) = after(desc, "Volume ") {
                put("DriveName", word(rest));
            }
        }
        _ => {}
    }
    f
}

struct Parser<'t, 'c> {
    text: &'t str,
    ctx: &'c Ctx,
    hits: Hits<'c>,
    piece: Piece<'t>,
    /// Lines may carry copy prefixes (a pasted export).
    lenient: bool,
}

impl<'t> Parser<'t, '_> {
    /// Kernel-General 1: the new time in UTC against the block's local date, and a change of
    /// zone when the reason says so. (Kernel-General 24's bias is the machine's at the event,
    /// while an export's dates are in the zone of the export: they are not compared.)
    fn time_changed(&mut self, time: Timestamp, desc: &str) {
        use crate::clock::evidence::{ZoneFact, ZoneSource};
        if let Some(rest) = after(desc, "time has changed to ")
            && let Some(utc) = stamp_time(word(rest), &['Z', '.'])
            && let Some(q) = quarter_hours(time, utc)
        {
            self.piece.offset_seen(OffsetSource::TimeChange, time, q);
        }
        if desc.contains("adjusted to the new time zone") {
            let (source, fact) = (ZoneSource::KernelGeneral1, ZoneFact::Changed);
            self.piece.clock.zone(source, fact, time, TimeBase::Local);
        }
    }

    fn finish(&mut self, block: Option<Block<'t>>) {
        let Some(b) = block else { return };
        let desc = b.desc_start.and_then(|s| self.text.get(s..b.desc_end)).unwrap_or("").trim();
        let desc = self.ctx.capped(desc, &mut self.piece.cut);
        let time = stamp_time(b.date, &['Z']);
        // A date redacted in a paste (`<date>`) leaves an event without a time.
        let redacted = time.is_none() && lenient::is_placeholder(b.date.trim());
        if time.is_none() && !redacted {
            self.piece.issue(
                crate::parse::IssueKind::BadTimestamp,
                Some(Pos::Line(b.line)),
                format!("unreadable Date: {:?}", b.date),
            );
            return;
        }
        self.piece.coverage.records += 1;
        match time {
            Some(t) => self.piece.coverage.see_time(t),
            None => self.piece.coverage.untimed += 1,
        }
        let id: Option<u32> = b.id.trim().parse().ok();
        let level = level_of(b.level);
        // A record without a time (redacted) names no machine at a time and dates no change.
        if let Some(t) = time {
            if !b.computer.is_empty() {
                self.piece.machine.name(b.computer, t, TimeBase::Local);
            }
            if id == Some(1) && b.source.eq_ignore_ascii_case("Microsoft-Windows-Kernel-General") {
                self.time_changed(t, desc);
            }
        }
        // A routine block (no prefilter hit, unknown event, informational) is only counted.
        if self.ctx.keep == Keep::Notable
            && !level.is_warning_or_worse()
            && !id.is_some_and(|id| is_known_event(b.source, id))
            && !self.hits.any_in(b.start, b.end.max(b.start))
        {
            return;
        }
        let fam = family(b.source);
        if b.source.eq_ignore_ascii_case("Microsoft-Windows-Kernel-General")
            && id == Some(12)
            && let Some(rest) = after(desc, "system time ")
            && let Some(utc) = stamp_time(rest, &['Z', '.'])
            && let Some(t) = time
            && let Some(q) = quarter_hours(t, utc)
        {
            self.piece.offset_seen(OffsetSource::BootEvent, t, q);
        }
        let mut fields = super::text_fields(fam, id, desc);
        if !b.computer.is_empty() {
            fields.push(("Computer".into(), b.computer.to_string()));
        }
        if !b.log.is_empty() {
            fields.push(("Channel".into(), b.log.to_string()));
        }
        let draft = Draft {
            source: Source::EventExport,
            time,
            time_base: TimeBase::Local,
            pos: Pos::Line(b.line),
            provider: b.source.to_string(),
            event_id: id,
            level,
            fields,
            message: Some(desc),
            recovered: false,
        };
        let (event, notable) = build(draft, &self.ctx.extractor);
        self.piece.push(self.ctx.keep, event, notable);
    }
}

impl Record for Block<'_> {
    fn extend_to(&mut self, end: usize) {
        self.end = end;
        if self.desc_start.is_some() {
            self.desc_end = end;
        }
    }
}

impl<'t> Grammar<'t> for Parser<'t, '_> {
    type Rec = Block<'t>;

    fn begin(
        &mut self,
        line: NumberedLine<'t>,
        current: Option<&mut Block<'t>>,
    ) -> Option<Block<'t>> {
        let body = if self.lenient {
            let (rest, copied) = lenient::strip_copy(line.body);
            let rest = lenient::trim_start(rest);
            if copied || rest.len() != line.body.trim_start().len() {
                self.piece.coverage.repaired_lines += 1;
            }
            rest
        } else {
            line.body
        };
        if shapes::is_export_block(body.as_bytes()) {
            return Some(Block { line: line.no, start: line.start, ..Block::default() });
        }
        let b = current?;
        if b.desc_start.is_some() {
            return None;
        }
        // Label lines are indented; anything else before the description is no label (a
        // pasted export's indentation may be lost, so the lenient reader does not ask).
        if !self.lenient && !body.starts_with(' ') {
            return None;
        }
        let (key, value, at) = label(body)?;
        // `body` is the end of `line.body` once a copy prefix is stripped.
        let at = line.body.len() - body.len() + at;
        let place = b.labels;
        b.labels += 1;
        let role = english(key).or_else(|| ROLES.get(place).copied())?;
        match role {
            Role::LogName => b.log = value,
            Role::Source => b.source = value,
            Role::Date => b.date = value,
            Role::EventId => b.id = value,
            Role::Level => b.level = value,
            Role::Computer => b.computer = value,
            Role::Description => {
                b.desc_start = Some(line.start + at);
                b.desc_end = line.end;
            }
            Role::Task | Role::Opcode | Role::Keyword | Role::User | Role::UserName => {}
        }
        None
    }

    fn finish(&mut self, block: Block<'t>) {
        Parser::finish(self, Some(block));
    }
}

impl<'t> crate::parse::Collect<'t> for Parser<'t, '_> {
    fn into_piece(self) -> Piece<'t> {
        self.piece
    }
}

/// Parses a whole export (`lenient`: a pasted one, whose lines may carry copy prefixes).
pub(crate) fn parse<'t>(text: &'t str, lenient: bool, ctx: &Ctx) -> Piece<'t> {
    let hits = ctx.prefilter.hits(text);
    let mut p = Parser { text, ctx, hits, piece: Piece::default(), lenient };
    p.piece.coverage.lenient = lenient;
    p.collect(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = "\u{FEFF}Event[0]:\r
  Log Name: System\r
  Source: Microsoft-Windows-Kernel-General\r
  Date: 2023-05-22T08:05:16.5430000Z\r
  Event ID: 12\r
  Level: Information\r
  Computer: PC1\r
  Description: \r
The operating system started at system time ?2023?-?05?-?22T14:05:16.500000000Z.\r
\r
Event[1]:\r
  Log Name: System\r
  Source: Microsoft-Windows-WindowsUpdateClient\r
  Date: 2023-05-22T08:22:20.0760000Z\r
  Event ID: 20\r
  Level: Error\r
  Computer: PC1\r
  Description: \r
Installation Failure: Windows failed to install the following update with error 0x80240009: NVIDIA - Display - 31.0.15.1694.\r
\r
Event[2]:\r
  Log Name: Setup\r
  Source: Microsoft-Windows-Servicing\r
  Date: 2023-05-22T08:30:00.0000000Z\r
  Event ID: 3\r
  Level: Information\r
  Description: \r
Package KB5004122 failed to be changed to the Installed state. Status: 0x8e5e03fa.\r
";

    #[test]
    fn blocks_become_events() {
        let p = parse(EXPORT, false, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 3);
        assert_eq!(p.offset_votes().get(&(OffsetSource::BootEvent, -360)), Some(&1));
        let e = &p.events[1];
        assert_eq!(e.event_id, Some(20));
        assert_eq!(e.level, Level::Error);
        assert_eq!(e.field("errorCode"), Some("0x80240009"));
        assert_eq!(e.field("updateTitle"), Some("NVIDIA - Display - 31.0.15.1694"));
        assert_eq!(e.codes[0].to_string(), "0x80240009");
        assert_eq!(e.at.pos, Pos::Line(11));
        let s = &p.events[2];
        assert_eq!(s.field("PackageIdentifier"), Some("KB5004122"));
        assert_eq!(s.field("ErrorCode"), Some("0x8e5e03fa"));
        assert_eq!(s.kb, Some(5_004_122));
        assert_eq!(s.codes[0].to_string(), "0x8E5E03FA");
    }
}
