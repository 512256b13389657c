//! setupapi text logs (`setupapi.dev.log`, `.app.log`, `.offline.log`, `.setup.log`):
//! a header, `[Boot Session: …]` lines, then one section per device-install operation
//! (FORMATS.md §9, REFERENCE.md §4.2):
//!
//! ```text
//! >>>  [Device Install (Hardware initiated) - PCI\VEN_14E4&DEV_1570\…]
//! >>>  Section start 2021/05/18 05:09:22.337
//!      dvi: …                          (body; indentation is nesting)
//! !    set: … unstarted with problem CM_PROB_FAILED_INSTALL (28) [0xC0000490]
//! !!!  dvi: Device not started: Device has problem: 0x34: CM_PROB_UNSIGNED_DRIVER.
//! <<<  Section end 2021/05/18 05:09:37.142
//! <<<  [Exit status: SUCCESS | SUCCESS (REBOOT_REQUIRED) | FAILURE(0x…)]
//! ```
//!
//! A record is a section. Each section becomes an event (Error when it failed, Warning when
//! it never ended: the machine stopped in the middle of a device install), and so does each
//! `!!!` line and each `!` line that reports a device problem or a failure. The many other
//! `!` lines are INF lint (unreferenced sections, incomplete `DriverVer`) and become Info
//! events, kept only with `--all`. Times are local and taken from the section start.

use super::owned_event;
use crate::event::{Event, Level, Pos, Source};
use crate::parse::text::lines::{Grammar, NumberedLine, Record};
use crate::parse::{Collect, Ctx, IssueKind, Keep, Piece};
use crate::time::{TimeBase, Timestamp};
use std::borrow::Cow;

/// Whether a line begins a section (pieces are cut only there).
pub(crate) fn starts_record(b: &[u8]) -> bool {
    b.starts_with(b">>>  [")
}

/// `YYYY/MM/DD HH:MM:SS.mmm` at the start of `s`.
fn stamp(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'/' || b[7] != b'/' || b[10] != b' ' || b[13] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let micros = match (b.get(19), s.get(20..23)) {
        (Some(b'.'), Some(ms)) => ms.parse::<u32>().ok()? * 1000,
        _ => 0,
    };
    Timestamp::from_civil(
        i64::from(n(0..4)?),
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
        micros,
    )
}

/// A `!` line that reports a device problem or a failure, not INF lint.
fn is_problem(text: &str) -> bool {
    ["problem", "CM_PROB_", "ailed", "Unable to install", "not started", "could not be"]
        .iter()
        .any(|w| text.contains(w))
}

/// A section being read.
struct Section<'t> {
    line: u32,
    title: &'t str,
    time: Option<Timestamp>,
    /// The `Section end` stamp, as written.
    end: Option<&'t str>,
    exit: Option<&'t str>,
    /// `!` and `!!!` lines: (line, mark, text).
    marks: Vec<(u32, &'static str, &'t str)>,
}

impl Record for Section<'_> {
    fn extend_to(&mut self, _end: usize) {}
}

struct Parser<'t, 'c> {
    ctx: &'c Ctx,
    piece: Piece<'t>,
    /// The last boot session or section start seen: the time of a section without one.
    last_time: Option<Timestamp>,
}

impl<'t> Parser<'t, '_> {
    fn push(&mut self, e: Event<'t>) {
        let notable = e.level.is_warning_or_worse();
        self.piece.push(self.ctx.keep, e, notable);
    }
}

impl<'t> Grammar<'t> for Parser<'t, '_> {
    type Rec = Section<'t>;

    fn begin(
        &mut self,
        line: NumberedLine<'t>,
        current: Option<&mut Section<'t>>,
    ) -> Option<Section<'t>> {
        let body = line.body;
        if let Some(title) = body.strip_prefix(">>>  [") {
            self.piece.coverage.records += 1;
            let title = title.strip_suffix(']').unwrap_or(title);
            return Some(Section {
                line: line.no,
                title,
                time: None,
                end: None,
                exit: None,
                marks: Vec::new(),
            });
        }
        if let Some(rest) = body.strip_prefix("[Boot Session: ") {
            match stamp(rest) {
                Some(t) => {
                    self.last_time = Some(t);
                    self.piece.coverage.see_time(t);
                    let e = owned_event(
                        t,
                        TimeBase::Local,
                        line.no,
                        Source::SetupApi,
                        Level::Info,
                        "boot",
                        "Boot session".to_string(),
                        Vec::new(),
                        Vec::new(),
                    );
                    self.push(e);
                }
                None => self.piece.issue(
                    IssueKind::BadTimestamp,
                    Some(Pos::Line(line.no)),
                    "impossible date or time in a boot session line",
                ),
            }
            return None;
        }
        let sec = current?;
        if let Some(rest) = body.strip_prefix(">>>  Section start ") {
            match stamp(rest) {
                Some(t) => {
                    sec.time = Some(t);
                    self.last_time = Some(t);
                    self.piece.coverage.see_time(t);
                }
                None => self.piece.issue(
                    IssueKind::BadTimestamp,
                    Some(Pos::Line(line.no)),
                    "impossible date or time in a section start",
                ),
            }
        } else if let Some(rest) = body.strip_prefix("<<<  Section end ") {
            sec.end = Some(rest.trim());
        } else if let Some(rest) = body.strip_prefix("<<<  [Exit status: ") {
            sec.exit = Some(rest.strip_suffix(']').unwrap_or(rest));
        } else if let Some(rest) = body.strip_prefix("!!!  ") {
            sec.marks.push((line.no, "!!!", rest.trim()));
        } else if let Some(rest) = body.strip_prefix("!    ") {
            sec.marks.push((line.no, "!", rest.trim()));
        }
        None
    }

    fn finish(&mut self, sec: Section<'t>) {
        let Some(time) = sec.time.or(self.last_time) else { return };
        let failed = sec.exit.is_some_and(|x| x.starts_with("FAILURE"));
        let level = if failed {
            Level::Error
        } else if sec.exit.is_none() {
            Level::Warning
        } else {
            Level::Info
        };
        let exit = sec.exit.unwrap_or("none: the section never ended");
        let message = format!("[{}] exit status: {exit}", sec.title);
        let codes = if failed { self.ctx.extractor.extract(exit) } else { Vec::new() };
        let mut fields = vec![("section", sec.title.to_string())];
        if let Some(x) = sec.exit {
            fields.push(("exit", x.to_string()));
        }
        if let Some(x) = sec.end {
            fields.push(("end", x.to_string()));
        }
        if let Some((_, device)) = sec.title.split_once(" - ") {
            fields.push(("device", device.to_string()));
        }
        let e = owned_event(
            time,
            TimeBase::Local,
            sec.line,
            Source::SetupApi,
            level,
            "section",
            message,
            codes,
            fields,
        );
        self.push(e);
        for (line, mark, text) in sec.marks {
            let problem = mark == "!!!" || is_problem(text);
            let level = match (mark, problem) {
                ("!!!", _) => Level::Error,
                (_, true) => Level::Warning,
                _ => Level::Info,
            };
            if self.ctx.keep == Keep::Notable && level == Level::Info {
                continue;
            }
            let (ctx_token, msg) =
                text.split_once(':').map_or(("", text), |(c, m)| (c.trim(), m.trim()));
            let codes = if problem { self.ctx.extractor.extract(msg) } else { Vec::new() };
            let mut fields = vec![("mark", mark.to_string()), ("section", sec.title.to_string())];
            if let Some(p) = problem_code(msg) {
                fields.push(("problem", p.to_string()));
            }
            let e = Event {
                message: Cow::Borrowed(msg),
                component: Cow::Borrowed(ctx_token),
                ..owned_event(
                    time,
                    TimeBase::Local,
                    line,
                    Source::SetupApi,
                    level,
                    "",
                    String::new(),
                    codes,
                    fields,
                )
            };
            self.push(e);
        }
    }
}

/// `CM_PROB_FAILED_INSTALL (28)` or `CM_PROB_UNSIGNED_DRIVER` in a device-problem line.
pub(crate) fn problem_code(msg: &str) -> Option<&str> {
    let at = msg.find("CM_PROB_")?;
    let rest = &msg[at..];
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    let with_number = rest
        .get(end..)
        .filter(|r| r.starts_with(" ("))
        .and_then(|r| r.find(')'))
        .map(|k| end + k + 1);
    rest.get(..with_number.unwrap_or(end))
}

impl<'t> Collect<'t> for Parser<'t, '_> {
    fn into_piece(self) -> Piece<'t> {
        self.piece
    }
}

/// Parses one piece of a setupapi log (pieces start at a section or at the file start).
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    Parser { ctx, piece: Piece::default(), last_time: None }.collect(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines in the grammar of FORMATS.md §9, written for this test.
    const LOG: &str = "[Device Install Log]\r
     OS Version = 10.0.19042\r
[Boot Session: 2021/05/18 05:08:33.500]\r
\r
>>>  [Device Install (Hardware initiated) - USB\\VID_05AC&PID_1234\\5&1]\r
>>>  Section start 2021/05/18 05:09:22.337\r
     dvi: {Build Driver List} 05:09:22.400\r
!    inf: Section [X] found in included INF \"pci.inf\", not referenced. Code = 0xE000022D\r
!    set: USB\\VID_05AC&PID_1234\\5&1 -> Configured [null] and unstarted with problem CM_PROB_FAILED_INSTALL (28) [0xC0000490] (ConfigFlags = 0x00000040).\r
<<<  Section end 2021/05/18 05:09:37.142\r
<<<  [Exit status: SUCCESS]\r
>>>  [Device Install (UpdateDriverForPlugAndPlayDevices) - PCI\\VEN_8086&DEV_8C4F]\r
>>>  Section start 2021/05/18 05:10:01.623\r
!!!  dvi: Device not started: Device has problem: 0x34: CM_PROB_UNSIGNED_DRIVER.\r
<<<  Section end 2021/05/18 05:10:01.759\r
<<<  [Exit status: FAILURE(0xC1900101)]\r
>>>  [Setup online Device Install (Hardware initiated) - ACPI\\APP0001\\4&1]\r
>>>  Section start 2021/05/18 05:11:00.000\r
     ndv: Install flags: 0x00000000\r
";

    #[test]
    fn sections_marks_and_exit_status() {
        let p = parse(LOG, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 3);
        assert_eq!(p.coverage.unattributed_lines, 4);
        let sections: Vec<_> = p.events.iter().filter(|e| e.component == "section").collect();
        assert_eq!(sections.len(), 3);
        assert_eq!(sections[0].level, Level::Info);
        assert_eq!(sections[0].field("device"), Some("USB\\VID_05AC&PID_1234\\5&1"));
        assert_eq!(sections[1].level, Level::Error);
        assert_eq!(sections[1].codes[0].to_string(), "0xC1900101");
        assert_eq!(sections[2].level, Level::Warning, "never ended");
        assert_eq!(p.events.iter().filter(|e| e.component == "boot").count(), 1);
        assert_eq!(sections[0].field("end"), Some("2021/05/18 05:09:37.142"));
        assert_eq!(sections[2].field("end"), None);
        let marks: Vec<_> = p.events.iter().filter(|e| e.field("mark").is_some()).collect();
        assert_eq!(marks.len(), 3);
        assert_eq!(marks[0].level, Level::Info, "INF lint");
        assert!(marks[0].codes.is_empty());
        assert_eq!(marks[1].level, Level::Warning);
        assert_eq!(marks[1].field("problem"), Some("CM_PROB_FAILED_INSTALL (28)"));
        assert_eq!(marks[1].component, "set");
        assert_eq!(marks[2].level, Level::Error);
        assert_eq!(marks[2].at.pos, Pos::Line(14));
        let notable = parse(LOG, &Ctx::new(Keep::Notable));
        assert_eq!(notable.events.len(), 4);
    }
}
