//! What the exports that people copy out of Event Viewer or PowerShell have in common: one
//! event is a block of named values and a message, and becomes the event an .evtx file would
//! give (see [`super::viewer`] and [`super::format_list`]).

use super::wevtutil::{fields_from_text, level_of};
use crate::event::{Level, Pos, Source};
use crate::parse::evtx::{Draft, Name, build, family};
use crate::parse::text::lines::Lines;
use crate::parse::{Ctx, Piece};
use crate::shapes::lenient::{self, DayOrder};
use crate::time::{TimeBase, Timestamp};

/// One event as the block gave it.
#[derive(Debug, Default)]
pub(crate) struct Block {
    /// First line of the block.
    pub(crate) line: u32,
    pub(crate) provider: String,
    pub(crate) log: String,
    pub(crate) id: String,
    pub(crate) level: String,
    /// The local date as written for the machine's locale.
    pub(crate) date: String,
    /// A UTC time when the block has one (`TimeCreated SystemTime` of Event Viewer's XML).
    pub(crate) utc: Option<Timestamp>,
    pub(crate) computer: String,
    pub(crate) message: String,
    /// Named values (`EventData`), or numbered ones (`ReplacementStrings`).
    pub(crate) data: Vec<(String, String)>,
}

impl Block {
    /// Whether anything was read into it.
    pub(crate) fn is_empty(&self) -> bool {
        self.provider.is_empty() && self.id.is_empty() && self.message.is_empty()
    }
}

/// The level of an export: a word (`Error`, `Information`, …) or the evtx number.
fn level(s: &str) -> Level {
    match s.trim().parse::<u64>() {
        Ok(n) => Level::from_evtx(n),
        Err(_) => level_of(s.trim()),
    }
}

/// Ends a listing of `no` lines read through `lines`: its blocks become events, their local
/// dates read in the day order the whole listing shows.
pub(crate) fn finish<'t>(
    mut piece: Piece<'t>,
    ctx: &Ctx,
    blocks: Vec<Block>,
    no: u32,
    lines: &Lines<'_>,
) -> Piece<'t> {
    let order = lenient::day_order(blocks.iter().map(|b| b.date.as_str()));
    for b in blocks {
        push(&mut piece, ctx, b, order);
    }
    piece.coverage.lines = u64::from(no);
    piece.newlines = lines.newlines();
    piece.nuls = lines.nuls();
    piece
}

/// Turns a block into its event and keeps it in `piece` if it is notable. `order` reads
/// the local dates; a date that is redacted or missing leaves the event without a time.
pub(crate) fn push(piece: &mut Piece<'_>, ctx: &Ctx, b: Block, order: DayOrder) {
    if b.is_empty() {
        return;
    }
    let (time, time_base) = match b.utc {
        Some(t) => (Some(t), TimeBase::Utc),
        None => (lenient::local_datetime(&b.date, order), TimeBase::Local),
    };
    piece.coverage.records += 1;
    match time {
        // Coverage keeps times in the source's base: local for these exports.
        Some(t) if time_base == TimeBase::Local => piece.coverage.see_time(t),
        Some(_) => {}
        None => piece.coverage.untimed += 1,
    }
    // Classic events put their qualifiers above the id (`InstanceId` 2147745843 is 51).
    let id = b.id.trim().parse::<u64>().ok().map(|n| (n & 0xFFFF) as u32);
    let message = ctx.capped(b.message.trim(), &mut piece.cut).to_string();
    let mut fields: Vec<(Name, String)> =
        b.data.into_iter().map(|(k, v)| (Name::Owned(k), v)).collect();
    if !message.is_empty() {
        for f in fields_from_text(family(&b.provider), id.unwrap_or(0), &message) {
            if !fields.iter().any(|(k, _)| *k == f.0) {
                fields.push(f);
            }
        }
    }
    if !b.computer.is_empty() {
        fields.push(("Computer".into(), b.computer));
    }
    if !b.log.is_empty() {
        fields.push(("Channel".into(), b.log));
    }
    let draft = Draft {
        source: Source::EventExport,
        time,
        time_base,
        pos: Pos::Line(b.line),
        provider: b.provider,
        event_id: id,
        level: level(&b.level),
        fields,
        message: Some(&message),
        recovered: false,
    };
    let (event, notable) = build(draft, &ctx.extractor);
    // The message is copied into the event: it is assembled from several lines here.
    piece.push(ctx.keep, event.into_owned(), notable);
}
