//! Windows Setup's `diagerr.xml` and `diagwrn.xml` (FORMATS.md §6): ADO rowset documents
//! (`<xml xmlns:z="#RowsetSchema">`, a schema, then `<rs:data>` of `<z:row …/>`), one per
//! setup process, glued one after the other, so the file as a whole is not well-formed
//! XML. Each `<xml …>` document is read on its own; a record is a `z:row`, with its
//! function (`Fun`), message (`Msg`), module, Win32 error (`Err`, decimal) and local time
//! (`DT`). Rows of `diagerr.xml` are errors, those of `diagwrn.xml` warnings.

use super::owned_event;
use crate::code::Code;
use crate::event::{Level, Pos, Source};
use crate::parse::{Ctx, IssueKind, Piece};
use crate::time::{TimeBase, Timestamp};
use quick_xml::Reader;
use quick_xml::events::Event as Xml;

/// `YYYY-MM-DDTHH:MM:SS`.
fn iso(s: &str) -> Option<Timestamp> {
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    if s.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    Timestamp::from_civil(
        i64::from(n(0..4)?),
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
        0,
    )
}

/// Where each glued document starts.
fn documents(text: &str) -> Vec<usize> {
    let mut starts: Vec<usize> = memchr::memmem::find_iter(text.as_bytes(), b"<xml").collect();
    if starts.first() != Some(&0) && starts.is_empty() {
        starts.push(0);
    }
    starts
}

/// Parses a whole `diagerr.xml` / `diagwrn.xml` (`name` says which).
pub(crate) fn parse<'t>(text: &'t str, name: &str, ctx: &Ctx) -> Piece<'t> {
    let mut piece = Piece::default();
    piece.coverage.lines = super::line_of(text, text.len()).into();
    let warning = name.to_ascii_lowercase().contains("diagwrn");
    let starts = documents(text);
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(text.len());
        let Some(doc) = text.get(start..end) else { continue };
        let mut reader = Reader::from_str(doc);
        reader.config_mut().check_end_names = false;
        loop {
            let at = start + reader.buffer_position() as usize;
            match reader.read_event() {
                Ok(Xml::Empty(e) | Xml::Start(e)) if e.local_name().as_ref() == b"row" => {
                    piece.coverage.records += 1;
                    let line = super::line_of(text, at);
                    let get = |key: &[u8]| {
                        e.attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == key)
                            .and_then(|a| a.unescape_value().ok())
                            .map(|v| v.trim().to_string())
                    };
                    let Some(time) = get(b"DT").as_deref().and_then(iso) else {
                        piece.issue(
                            IssueKind::BadTimestamp,
                            Some(Pos::Line(line)),
                            "a row without a readable DT time",
                        );
                        continue;
                    };
                    piece.coverage.see_time(time);
                    let msg = get(b"Msg").unwrap_or_default();
                    let fun = get(b"Fun").unwrap_or_default();
                    let module = get(b"Mod").unwrap_or_default();
                    let mut codes = ctx.extractor.extract(&msg);
                    let err = get(b"Err").and_then(|v| v.parse::<u32>().ok()).filter(|&v| v != 0);
                    if let Some(n) = err {
                        let c = Code::from_win32_as_hresult(n);
                        if !codes.iter().any(|x| x.as_hresult() == c.as_hresult()) {
                            codes.push(c);
                        }
                    }
                    let mut fields = vec![("function", fun)];
                    if let Some(exe) = get(b"Exe").filter(|v| !v.is_empty()) {
                        fields.push(("exe", exe));
                    }
                    if let Some(n) = err {
                        fields.push(("err", n.to_string()));
                    }
                    let level = if warning { Level::Warning } else { Level::Error };
                    let e = owned_event(
                        time,
                        TimeBase::Local,
                        line,
                        Source::Setup,
                        level,
                        &module,
                        msg,
                        codes,
                        fields,
                    );
                    piece.push(ctx.keep, e, true);
                }
                Ok(Xml::Eof) => break,
                Ok(_) => {}
                Err(err) => {
                    let line = super::line_of(text, at);
                    piece.issue(
                        IssueKind::Malformed,
                        Some(Pos::Line(line)),
                        format!("malformed XML at line {line}: {err}; the rest of this document was not read"),
                    );
                    break;
                }
            }
        }
    }
    piece
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Keep;

    /// Two glued documents in the shape of FORMATS.md §6, written for this test.
    const DOCS: &str = "\u{FEFF}<xml xmlns:s=\"uuid:BDC6E3F0\"\n xmlns:rs=\"urn:schemas-microsoft-com:rowset\"\n xmlns:z=\"#RowsetSchema\">\n<s:Schema id=\"RowsetSchema\"></s:Schema>\n<rs:data>\n<z:row Cls=\"D\" Fun=\"LoadSession\" Msg=\"Failed to load session [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]\" Mod=\"CbsCore.dll\" Err=\"0\" DT=\"2019-06-05T13:05:26\"/>\n</rs:data>\n</xml>\n<xml xmlns:z=\"#RowsetSchema\">\n<rs:data>\n<z:row Fun=\"Pick\" Msg=\"An error occurred &amp; was logged.\" Mod=\"WinSetup.dll\" Err=\"1168\" DT=\"2019-06-05T12:59:17\"/>\n</rs:data>\n</xml>\n";

    #[test]
    fn every_glued_document_is_read() {
        let p = parse(DOCS, "Panther/diagerr.xml", &Ctx::new(Keep::Notable));
        assert_eq!(p.coverage.records, 2);
        assert!(p.issues.is_empty(), "{:?}", p.issues);
        assert_eq!(p.events.len(), 2);
        assert_eq!(p.events[0].codes[0].to_string(), "0x80070002");
        assert_eq!(p.events[0].component, "CbsCore.dll");
        assert_eq!(p.events[0].at.pos, Pos::Line(6));
        assert_eq!(p.events[1].message, "An error occurred & was logged.");
        assert_eq!(p.events[1].codes[0].to_string(), "0x80070490");
        assert_eq!(p.events[1].level, Level::Error);
        let w = parse(DOCS, "diagwrn.xml", &Ctx::new(Keep::Notable));
        assert_eq!(w.events[0].level, Level::Warning);
    }
}
