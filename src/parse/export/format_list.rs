//! Events as PowerShell lists them: `Get-WinEvent … | Format-List` (`TimeCreated`,
//! `ProviderName`, `Id`, `Message`, and with `*` every other property) and `Get-EventLog … |
//! Format-List` (`Index`, `EntryType`, `InstanceId`, `Message`, `Source`, `TimeGenerated`,
//! `ReplacementStrings`, …). One event is a block of `Name : value` lines, names padded to
//! one column; a long value goes on over lines indented to the value's column; blocks are
//! separated by blank lines. Times are local, written for the console's locale.

use super::block::{self, Block};
use crate::parse::text::lines::Lines;
use crate::parse::{Ctx, Piece};
use crate::shapes::lenient;

/// Property names of the two cmdlets' records (an event record or an event log entry).
const NAMES: [&str; 38] = [
    "TimeCreated",
    "ProviderName",
    "Id",
    "Message",
    "Level",
    "LevelDisplayName",
    "LogName",
    "MachineName",
    "RecordId",
    "ContainerLog",
    "TaskDisplayName",
    "KeywordsDisplayNames",
    "Properties",
    "ProcessId",
    "ThreadId",
    "UserId",
    "Version",
    "Qualifiers",
    "Task",
    "Opcode",
    "Keywords",
    "ProviderId",
    "ActivityId",
    "RelatedActivityId",
    "MatchedQueryIds",
    "Bookmark",
    "OpcodeDisplayName",
    "Index",
    "EntryType",
    "InstanceId",
    "EventID",
    "Category",
    "CategoryNumber",
    "ReplacementStrings",
    "Source",
    "TimeGenerated",
    "TimeWritten",
    "UserName",
];

/// `Name : value` with a known name: (name, value).
pub(crate) fn property(line: &str) -> Option<(&str, &str)> {
    let t = lenient::trim_start(line);
    let (name, value) = t.split_once(':')?;
    let name = name.trim_end();
    if !NAMES.contains(&name) || !t.get(name.len()..)?.starts_with([' ', ':']) {
        return None;
    }
    Some((name, value.strip_prefix(' ').unwrap_or(value)))
}

/// `{0x80240009, {945A8954-…}, 201}` → the values.
fn replacement_strings(v: &str) -> Vec<String> {
    let inner = v.trim().trim_start_matches('{').trim_end_matches('}');
    inner.split(", ").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// Parses a whole list.
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    let mut piece = Piece::default();
    piece.coverage.lenient = true;
    let mut blocks: Vec<Block> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    // The property that indented lines go on, and whether a blank line ended the block.
    let mut last: Option<&str> = None;
    let mut gap = true;
    let mut lines = Lines::new(text);
    let mut no: u32 = 0;
    for line in lines.by_ref() {
        no = no.saturating_add(1);
        let raw = line.text.strip_prefix('\u{FEFF}').unwrap_or(line.text);
        let (body, copied) = lenient::strip_copy(raw);
        piece.coverage.repaired_lines += u64::from(copied);
        if lenient::is_blank(body) {
            gap = true;
            last = None;
            continue;
        }
        if let Some((name, value)) = property(body) {
            // A blank line, or a property met again, starts the next event.
            if gap || names.contains(&name) || blocks.is_empty() {
                blocks.push(Block { line: no, ..Block::default() });
                names.clear();
            }
            gap = false;
            names.push(name);
            last = Some(name);
            let Some(b) = blocks.last_mut() else { continue };
            let v = value.trim().to_string();
            match name {
                "TimeCreated" | "TimeGenerated" => b.date = v,
                "ProviderName" | "Source" => b.provider = v,
                "Id" | "InstanceId" | "EventID" => b.id = v,
                "LevelDisplayName" | "EntryType" => b.level = v,
                "Level" if b.level.is_empty() => b.level = v,
                "LogName" => b.log = v,
                "MachineName" => b.computer = v,
                "Message" => b.message = v,
                "ReplacementStrings" => {
                    for (n, s) in replacement_strings(&v).into_iter().enumerate() {
                        b.data.push((format!("param{}", n + 1), s));
                    }
                }
                _ => {}
            }
            continue;
        }
        // A value that goes on, indented under its column.
        match (blocks.last_mut(), last) {
            (Some(b), Some("Message")) => {
                b.message.push(' ');
                b.message.push_str(body.trim_matches(lenient::is_space));
            }
            (Some(_), Some(_)) => {}
            _ => piece.coverage.unattributed_lines += 1,
        }
    }
    block::finish(piece, ctx, blocks, no, &lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Pos};
    use crate::parse::Keep;

    #[test]
    fn get_winevent_lists() {
        let text = "\r
TimeCreated  : 5/22/2023 8:22:20 AM\r
ProviderName : Microsoft-Windows-WindowsUpdateClient\r
Id           : 20\r
Message      : Installation Failure: Windows failed to install the following update with error\r
               0x80240009: Display driver update.\r
\r
TimeCreated  : 5/22/2023 8:25:02 AM\r
ProviderName : Microsoft-Windows-Servicing\r
Id           : 4\r
Message      : A reboot is necessary before package KB5034441 can be changed to the Installed state.\r
";
        let p = parse(text, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 2);
        let e = &p.events[0];
        assert_eq!((e.event_id, e.at.pos), (Some(20), Pos::Line(2)));
        assert_eq!(e.time.unwrap().to_string(), "2023-05-22T08:22:20.000000+00:00");
        assert_eq!(e.codes[0].to_string(), "0x80240009");
        assert_eq!(e.field("updateTitle"), Some("Display driver update"));
        assert_eq!(p.events[1].event_id, Some(4));
    }

    #[test]
    fn get_eventlog_lists() {
        let text = "Index              : 4711\n\
EntryType          : Error\n\
InstanceId         : 3221487627\n\
Message            : The driver detected a controller error on \\Device\\Harddisk0\\DR0.\n\
Source             : Disk\n\
TimeGenerated      : 22/05/2023 14:22:20\n\
ReplacementStrings : {\\Device\\Harddisk0\\DR0}\n";
        let p = parse(text, &Ctx::new(Keep::All));
        let e = &p.events[0];
        assert_eq!((e.event_id, e.level, e.component.as_ref()), (Some(11), Level::Error, "Disk"));
        assert_eq!(e.time.unwrap().to_string(), "2023-05-22T14:22:20.000000+00:00");
        let list = crate::shapes::loose::is_event_list_line;
        assert!(list("TimeCreated  : x") && !list("Message      : x"));
    }
}
