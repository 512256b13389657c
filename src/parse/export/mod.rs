//! Event logs exported as text rather than sent as .evtx: each export becomes the same
//! events the .evtx would give (provider, id, level, data), so rules never know which form
//! they came from.
//!
//! - [`wevtutil`]: `wevtutil qe … /f:text`, in any language (its labels are read by their
//!   place, which is fixed);
//! - [`xml`]: `wevtutil qe … /f:xml` and Event Viewer's "Save as XML" (`<Event>` elements,
//!   concatenated or inside `<Events>`);
//! - [`json`]: PowerShell `Get-EventLog` or `Get-WinEvent` piped to `ConvertTo-Json`;
//! - [`table`]: the same cmdlets' console table (`Format-Table`), columns placed by the
//!   header's dashes, cut cells (`Microsoft-Windows...`) kept as cut;
//! - [`csv`]: Event Viewer's "Save as" comma-separated and tab-delimited text;
//! - [`viewer`]: events copied out of Event Viewer ("Copy details as text");
//! - [`format_list`]: `Get-WinEvent | Format-List` and `Get-EventLog | Format-List`.
//!
//! [`lang`] holds the level names Windows writes in other languages. [`kind_of`] tells the
//! formats apart from the head of a file, once per file.

pub(crate) mod block;
pub mod csv;
pub mod format_list;
pub mod json;
pub mod lang;
pub mod table;
pub mod viewer;
pub mod wevtutil;
pub mod xml;

pub(crate) use wevtutil::parse;

use crate::bundle::Kind;
use crate::event::is_notable;
use crate::parse::evtx::{Draft, Family, Name, build, family, is_known_event};
use crate::parse::{Ctx, Piece, ident};
use std::borrow::Cow;

/// The export format of a file's decoded head, for the formats other than `wevtutil` text.
pub(crate) fn kind_of(head: &str) -> Option<Kind> {
    let start = head.trim_start_matches(|c: char| c == '\u{FEFF}' || c.is_whitespace());
    if xml::looks_like(start) {
        Some(Kind::EventXml)
    } else if json::looks_like(start) {
        Some(Kind::EventJson)
    } else if table::looks_like(head) {
        Some(Kind::EventTable)
    } else if csv::looks_like(head) {
        Some(Kind::EventCsv)
    } else {
        None
    }
}

/// The fields an .evtx record would carry, recovered from an export's message: the English
/// wordings first, then, for WindowsUpdateClient's install results in any language, the
/// code and title by their place (the code after `0x`, the title after the last colon).
pub(crate) fn text_fields(fam: Family, id: Option<u32>, message: &str) -> Vec<(Name, String)> {
    let mut fields = wevtutil::fields_from_text(fam, id.unwrap_or(0), message);
    if fam != Family::WindowsUpdateClient || fields.iter().any(|(k, _)| k == "updateTitle") {
        return fields;
    }
    match id {
        Some(20 | 31) => {
            if let Some((code, title)) = lang::failure_code_and_title(message) {
                fields.push((Name::Borrowed("errorCode"), code.to_string()));
                if !title.is_empty() {
                    fields.push((Name::Borrowed("updateTitle"), title.to_string()));
                }
            }
        }
        Some(19 | 43 | 44) => {
            let title = message
                .rsplit([':', '\u{FF1A}'])
                .next()
                .map(|t| t.trim().trim_end_matches(['.', '\u{3002}']).trim())
                .filter(|t| !t.is_empty() && t.len() < message.len());
            if let Some(t) = title {
                fields.push((Name::Borrowed("updateTitle"), t.to_string()));
            }
        }
        _ => {}
    }
    fields
}

/// Builds the event of `draft` and keeps it by the piece's rule. `owned` is the message when
/// it could not be borrowed from the text (it held escapes); its codes and KB are read too.
pub(crate) fn emit<'t>(piece: &mut Piece<'t>, ctx: &Ctx, draft: Draft<'t>, owned: Option<String>) {
    let known = draft.event_id.is_some_and(|id| is_known_event(&draft.provider, id));
    // As for a message borrowed from the text: WindowsUpdateClient and Servicing events with
    // their title or package are written from their fields, as from an .evtx.
    let written =
        matches!(family(&draft.provider), Family::WindowsUpdateClient | Family::Servicing)
            && draft.fields.iter().any(|(k, _)| k == "updateTitle" || k == "PackageIdentifier");
    let (mut event, mut notable) = build(draft, &ctx.extractor);
    if let Some(m) = owned {
        ctx.extractor.extract_into(&m, &mut event.codes);
        if event.kb.is_none() {
            event.kb = ident::find_kb(&m);
        }
        // A message is written from the fields only for the events whose wording is known;
        // otherwise (an id lost or mangled in the export) the export's own text says more.
        if !(written && known) {
            event.message = Cow::Owned(m);
        }
        // Judged on the event as kept, so that keeping the notable events keeps exactly
        // those [`Event::is_notable`] finds.
        notable = is_notable(&event.codes, event.level, known, &event.message);
    }
    piece.push(ctx.keep, event, notable);
}
