//! Fragments: logs as they reach a ticket, and text nobody recognises.
//!
//! The lenient reader takes a file line by line through the shared layer ([`lenient`]):
//! copy prefixes come off, and each line is tried as a record header of every line grammar
//! by its tokens ([`loose`]), so a paste that mixes CBS and
//! WindowsUpdate.log lines reads as both. A line that starts no record continues the record
//! before it when it is indented (a wrapped line, joined with one space) or has the shape of
//! a continuation (`Expected:`, `CSIPERF:`, a DISM `[PID] [0x…]` line); any other line is
//! read on its own for failure codes and failure words, as a [`Source::Text`] event, which
//! is weak evidence. A file in no known format (the last-resort reader) is read the same
//! way, so a failure code in any input line is found.
//!
//! Well-formed logs never come here: the strict grammars read them.

use super::lines::Lines;
use super::{cbs, wu};
use crate::event::{Event, Flags, Level, Location, Pos, Source, has_failure_words, is_notable};
use crate::parse::{Ctx, Keep, OffsetSource, Piece, ident};
use crate::shapes::lenient::{self, Header};
use crate::shapes::loose;
use crate::time::TimeBase;
use std::borrow::Cow;

/// What the file was recognised as (its kind), which decides the source of CBS-shaped
/// records and how lines outside any record are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hint {
    /// CBS.log or CbsPersist.
    Cbs,
    /// dism.log.
    Dism,
    /// WindowsUpdate.log, either layout.
    WindowsUpdate,
    /// No known format.
    Text,
}

/// Which grammar read a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grammar {
    Cbs,
    Wu,
    /// A line of no grammar, read on its own (with the indented lines under it).
    Text,
}

/// A record being assembled.
struct Rec<'t> {
    line: u32,
    grammar: Grammar,
    header: Header<'t>,
    /// The message on the header line.
    first: &'t str,
    /// Continuation lines: whether indented (a wrapped line), and the line after its copy
    /// prefix.
    more: Vec<(bool, &'t str)>,
    /// The first line started at the margin (a line of no grammar takes indented lines
    /// under it only then: in a table of indented rows, each row stands alone).
    margin: bool,
}

struct Reader<'t, 'c> {
    ctx: &'c Ctx,
    hint: Hint,
    piece: Piece<'t>,
}

/// Lines that continue a record although they start at the margin (FORMATS.md §1–2).
const CONTINUATIONS: [&str; 16] = [
    "Expected:",
    "Actual:",
    "CSIPERF:",
    "(p)",
    "(n)",
    "(w)",
    "Msg:",
    "Summary:",
    "Operation:",
    "Operation result:",
    "Last Successful Step:",
    "Total ",
    "Checking System Update Readiness.",
    "Completion status:",
    "==",
    "CBS Manifest Corruption",
];

fn continues(body: &str) -> bool {
    // A DISM `[13388] [0x8007007b] FIOReadFileIntoBuffer:(1381): …` line (PID or PID.TID).
    let dism = body.strip_prefix('[').is_some_and(|r| {
        let n = r.bytes().take_while(|c| c.is_ascii_digit() || *c == b'.').count();
        n > 0 && r.get(n..).is_some_and(|r| r.starts_with("] [0x") || r.starts_with("] [0X"))
    });
    dism || CONTINUATIONS.iter().any(|c| body.starts_with(c))
}

impl<'t> Reader<'t, '_> {
    /// The header of a record that `body` starts, by any line grammar.
    fn header(body: &'t str) -> Option<(Grammar, Header<'t>)> {
        loose::cbs_header(body)
            .map(|h| (Grammar::Cbs, h))
            .or_else(|| loose::wu_header(body).map(|h| (Grammar::Wu, h)))
    }

    fn source(&self, r: &Rec<'_>) -> Source {
        match r.grammar {
            Grammar::Text => Source::Text,
            Grammar::Wu => Source::WindowsUpdate,
            Grammar::Cbs if self.hint == Hint::Dism || r.header.component == "DISM" => Source::Dism,
            Grammar::Cbs => Source::Cbs,
        }
    }

    fn finish(&mut self, r: &Rec<'t>) {
        let mut first = r.first;
        let mut component = r.header.component;
        let mut more = &r.more[..];
        // A header wrapped before its component: the component and the message are on the
        // indented line under it.
        if r.grammar != Grammar::Text
            && component.is_empty()
            && first.trim_matches(lenient::is_space).is_empty()
            && let Some(&(true, next)) = more.first()
        {
            let next = next.trim_start_matches(lenient::is_space);
            let end = next.find(lenient::is_space).unwrap_or(next.len());
            component = &next[..end];
            first = next[end..].trim_start_matches(lenient::is_space);
            more = &more[1..];
        }
        let source = match r.grammar {
            Grammar::Cbs if component == "DISM" => Source::Dism,
            _ => self.source(r),
        };
        let mut seq = None;
        if r.grammar == Grammar::Cbs && component == "CSI" {
            let (s, utc, skip) = cbs::csi_head(first);
            seq = s;
            if let (Some(utc), Some(local)) = (utc, r.header.time)
                && let Some(q) = cbs::quarter_hours(local, utc)
            {
                self.piece.offset_seen(OffsetSource::CsiStamp, local, q);
            }
            first = first.get(skip..).unwrap_or(first);
        }
        let mut message: Cow<'t, str> = Cow::Borrowed(first.trim_end());
        for (indented, line) in more.iter().copied() {
            let m = message.to_mut();
            if indented {
                // A wrapped line: its break and indentation were not in the log.
                m.push(' ');
                m.push_str(line.trim_matches(lenient::is_space));
            } else {
                m.push('\n');
                m.push_str(line.trim_end());
            }
        }
        if r.grammar == Grammar::Wu
            && message.contains("Logging initialized")
            && let Some(off) = wu::banner_offset(&message)
            && let Some(local) = r.header.time
        {
            self.piece.offset_seen(OffsetSource::WuBanner, local, off.minutes());
        }
        let flags = Flags {
            multi_line: !more.is_empty(),
            level_code: r.header.level_code,
            csi_seq: seq,
            ..Flags::default()
        };
        self.push(r.line, source, r.header.level, component, message, r.header.time, flags);
    }

    /// Builds the event of a record or a loose line and keeps it if it is notable (returns
    /// whether it was kept).
    #[allow(clippy::too_many_arguments, reason = "the fields of one event")]
    fn push(
        &mut self,
        line: u32,
        source: Source,
        level: Level,
        component: &'t str,
        message: Cow<'t, str>,
        time: Option<crate::time::Timestamp>,
        flags: Flags,
    ) -> bool {
        let message = match message {
            Cow::Borrowed(m) => Cow::Borrowed(self.ctx.capped(m, &mut self.piece.cut)),
            Cow::Owned(m) => {
                let capped = self.ctx.capped(&m, &mut self.piece.cut).len();
                let mut m = m;
                m.truncate(capped);
                Cow::Owned(m)
            }
        };
        let codes = self.ctx.extractor.extract(&message);
        let notable = is_notable(&codes, level, false, &message);
        if self.ctx.keep == Keep::Notable && !notable {
            return false;
        }
        let package = match &message {
            Cow::Borrowed(m) => ident::find_package(m).map(Cow::Borrowed),
            Cow::Owned(m) => ident::find_package(m).map(|p| Cow::Owned(p.to_string())),
        };
        let event = Event {
            time,
            time_base: TimeBase::Local,
            at: Location { artifact: 0, pos: Pos::Line(line) },
            source,
            level,
            component: Cow::Borrowed(component),
            event_id: None,
            codes,
            kb: ident::find_kb(&message),
            package,
            message,
            fields: Vec::new(),
            flags,
        };
        self.piece.push(self.ctx.keep, event, notable);
        true
    }

    /// A line outside any record: read on its own for failure codes and failure words,
    /// with the indented lines under it. In a file of no known format each such line counts
    /// as a record, else as a line outside any.
    fn loose(&mut self, line: u32, body: &'t str) -> Rec<'t> {
        let text = body.trim_matches(lenient::is_space);
        let time = lenient::find_stamp(text);
        let c = &mut self.piece.coverage;
        if let Some(t) = time {
            c.see_time(t);
        }
        if self.hint == Hint::Text {
            c.records += 1;
        } else {
            c.unattributed_lines += 1;
        }
        let header = Header {
            time,
            stamped: time.is_some(),
            level: level_in(text),
            level_code: None,
            component: "",
            message: 0,
        };
        let margin = !body.starts_with(lenient::is_space);
        Rec { line, grammar: Grammar::Text, header, first: text, more: Vec::new(), margin }
    }
}

/// The severity a free-text line states: `FATAL` or an error word, a warning word, or
/// none (informational).
fn level_in(text: &str) -> Level {
    let words = || text.split(|c: char| !c.is_ascii_alphabetic());
    if words().any(|w| matches!(w, "FATAL" | "Fatal" | "ERROR" | "Error" | "error" | "CRITICAL")) {
        Level::Error
    } else if words()
        .any(|w| matches!(w, "WARNING" | "Warning" | "warning" | "WARN" | "blocked" | "denied"))
    {
        Level::Warning
    } else if has_failure_words(text) {
        Level::Error
    } else {
        Level::Info
    }
}

/// Reads a whole file leniently (it is never cut into pieces: such files are tickets'
/// fragments, and a record may start on any kind of line).
pub(crate) fn parse<'t>(text: &'t str, hint: Hint, ctx: &Ctx) -> Piece<'t> {
    let mut reader = Reader { ctx, hint, piece: Piece::default() };
    reader.piece.coverage.lenient = hint != Hint::Text;
    let mut lines = Lines::new(text);
    let mut no: u32 = 0;
    let mut cur: Option<Rec<'t>> = None;
    for line in lines.by_ref() {
        no = no.saturating_add(1);
        let raw = line.text.strip_prefix('\u{FEFF}').unwrap_or(line.text);
        let (body, copied) = lenient::strip_copy(raw);
        if lenient::is_blank(body) {
            continue;
        }
        let (head, listed) = lenient::strip_list(body);
        // A bullet in front of a quoted or numbered line (`- > CBS.log:12:…`).
        let (head, copied) = if listed {
            let (h, again) = lenient::strip_copy(head);
            (h, copied || again)
        } else {
            (head, copied)
        };
        if let Some((grammar, header)) = Reader::header(head) {
            if let Some(r) = cur.take() {
                reader.finish(&r);
            }
            let c = &mut reader.piece.coverage;
            c.records += 1;
            let strict = match grammar {
                Grammar::Cbs => cbs::is_strict(raw),
                Grammar::Wu => wu::is_strict(raw),
                Grammar::Text => false,
            };
            if copied || listed || !strict {
                c.repaired_lines += 1;
            }
            match header.time {
                Some(t) => c.see_time(t),
                None => c.untimed += 1,
            }
            let first = head.get(header.message..).unwrap_or("");
            cur = Some(Rec { line: no, grammar, header, first, more: Vec::new(), margin: true });
            continue;
        }
        // A bullet put in front of every line keeps the indentation of a wrapped one after it.
        let indented = body.starts_with(lenient::is_space)
            || (listed && lenient::after_bullet(body).starts_with(lenient::is_space));
        if let Some(r) = cur.as_mut()
            && if r.grammar == Grammar::Text {
                indented && r.margin
            } else {
                indented || continues(body)
            }
        {
            reader.piece.coverage.repaired_lines += u64::from(copied);
            r.more.push((indented, body));
            continue;
        }
        if let Some(r) = cur.take() {
            reader.finish(&r);
        }
        cur = Some(reader.loose(no, body));
    }
    if let Some(r) = cur.take() {
        reader.finish(&r);
    }
    let mut piece = reader.piece;
    piece.coverage.lines = u64::from(no);
    piece.newlines = lines.newlines();
    piece.nuls = lines.nuls();
    piece
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str, hint: Hint) -> Piece<'_> {
        parse(text, hint, &Ctx::new(Keep::All))
    }

    #[test]
    fn pasted_cbs_lines_read_as_records() {
        let text = "Here is my CBS log:\n\
\n\
> CBS.log:120:2024-03-01 10:00:00, Info CBS Exec: Processing complete.  Session: 1_2, Package: Package_for_KB5034441~31bf3856ad364e35~amd64~~19041.3920.1.7 [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]\n\
> CBS.log:121:<date> <time>, Error                 CSI    0000004b (F) Failed execution of queue item Installer:\n\
>      Container Installer with HRESULT HRESULT_FROM_WIN32(1753).\n\
\tLine 130: 2024-03-01 10:00:05,\u{a0}Info\tCBS\tWER: Generating failure report for package: Package_for_KB5034441~31bf3856ad364e35~amd64~~19041.3920.1.7, status: 0x800f0922\n\
Thanks!\n";
        let p = all(text, Hint::Cbs);
        assert_eq!(p.coverage.records, 3);
        assert_eq!(p.coverage.untimed, 1);
        assert_eq!(p.coverage.repaired_lines, 4);
        assert_eq!(p.coverage.unattributed_lines, 2);
        assert!(p.coverage.lenient);
        let e: Vec<&Event<'_>> = p.events.iter().filter(|e| e.source == Source::Cbs).collect();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].at.pos, Pos::Line(3));
        assert!(e[0].message.starts_with("Exec: Processing complete."), "{}", e[0].message);
        assert_eq!(e[0].kb, Some(5_034_441));
        assert_eq!(e[0].codes[0].to_string(), "0x800F0922");
        assert_eq!((e[1].time, e[1].level, e[1].flags.csi_seq), (None, Level::Error, Some(0x4b)));
        assert_eq!(
            e[1].message,
            "(F) Failed execution of queue item Installer: Container Installer with HRESULT HRESULT_FROM_WIN32(1753)."
        );
        assert_eq!(e[1].codes[0].to_string(), "0x800706D9");
        assert_eq!(e[2].component, "CBS");
        assert!(e[2].message.starts_with("WER: Generating"));
        assert!(e[2].time.is_some());
    }

    #[test]
    fn mixed_grammars_and_loose_lines() {
        let text = "2024-03-01 10:00:00 Info CBS Session: 1_2 finalized. Reboot required: no [HRESULT = 0x800f0922]\n\
2016-10-19 11:23:58:516 1532 1f40 Handler FATAL: UH: 0x80070057: EvaluateApplicability failed\n\
[0] 85F4.6FEC::<date><time> : [<date><time>] [ 6]: Fail to launch installer. Error code: 0x80070005\n";
        let p = all(text, Hint::Text);
        let sources: Vec<Source> = p.events.iter().map(|e| e.source).collect();
        assert_eq!(sources, [Source::Cbs, Source::WindowsUpdate, Source::Text]);
        assert_eq!(p.events[1].level, Level::Error);
        let t = &p.events[2];
        assert_eq!((t.time, t.level), (None, Level::Error));
        assert_eq!(t.codes[0].to_string(), "0x80070005");
        assert!(!p.coverage.lenient, "text in no known format is not a lenient log");
    }

    #[test]
    fn dism_continuations_stay_with_their_record() {
        let text = "2023-05-22 12:47:34, Warning DISM DISM Package Manager: CBS AddSource failed with HRESULT=0x8007007b!\n\
[13388] [0x8007007b] FIOReadFileIntoBuffer:(1381): x\n\
2023-05-22 12:48:44, Error DISM DISM Package Manager: Failed while processing command cleanup-image. (hr:0x800f081f)\n";
        let p = all(text, Hint::Dism);
        assert_eq!(p.events.len(), 2);
        assert!(p.events.iter().all(|e| e.source == Source::Dism));
        assert!(p.events[0].message.contains("\n[13388]"));
        assert_eq!(p.events[1].at.pos, Pos::Line(3));
    }
}
