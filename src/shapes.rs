//! Line shapes shared by content sniffing (bundle) and parsing: the first bytes that mark a
//! record in each text grammar, and the header of an ETW trace. Pure byte checks, no
//! allocation.
//!
//! [`lenient`] and [`loose`] are the same knowledge for lines changed on the way to a
//! ticket: copy prefixes, tokens instead of columns, redacted times.

pub(crate) mod lenient;
pub(crate) mod loose;

fn digits(b: &[u8], at: &[usize]) -> bool {
    at.iter().all(|&i| b.get(i).is_some_and(u8::is_ascii_digit))
}

/// `YYYY-MM-DD HH:MM:SS, ` — a CBS or DISM record header (FORMATS.md §1–2).
pub fn is_cbs_record(line: &[u8]) -> bool {
    // Every byte checked without an early exit: this runs on every line of the largest logs,
    // nearly all of which match, and 21 independent compares beat 21 branches.
    const SHAPE: &[u8; 21] = b"9999-99-99 99:99:99, ";
    line.first_chunk::<21>().is_some_and(|h| {
        h.iter()
            .zip(SHAPE)
            .fold(true, |ok, (&c, &s)| ok & if s == b'9' { c.is_ascii_digit() } else { c == s })
    })
}

/// `YYYY/MM/DD HH:MM:SS.fffffff ` or with `-` dates — Get-WindowsUpdateLog output (§3a).
pub fn is_wu_record(line: &[u8]) -> bool {
    line.len() >= 28
        && digits(line, &[0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
        && digits(line, &[20, 21, 22, 23, 24, 25, 26])
        && matches!(line[4], b'/' | b'-')
        && line[7] == line[4]
        && line[10] == b' '
        && line[13] == b':'
        && line[16] == b':'
        && line[19] == b'.'
        && line[27] == b' '
}

/// `YYYY-MM-DD<TAB>HH:MM:SS:mmm<TAB>` — the legacy WindowsUpdate.log (§3b).
pub fn is_wu_legacy_record(line: &[u8]) -> bool {
    line.len() >= 24
        && digits(line, &[0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22])
        && line[4] == b'-'
        && line[7] == b'-'
        && line[10] == b'\t'
        && line[13] == b':'
        && line[16] == b':'
        && line[19] == b':'
        && line[23] == b'\t'
}

/// `Event[N]:` — the start of a block in a `wevtutil qe /f:text` export (§4).
pub fn is_export_block(line: &[u8]) -> bool {
    // Localized exports name the block in their language (`Ereignis[0]:`, `Événement[0]:`,
    // `イベント[0]:`): one word, not indented, then the same brackets.
    let rest = if let Some(rest) = line.strip_prefix(b"Event[") {
        rest
    } else {
        // One pass that stops at the first byte no word holds: most lines (labels,
        // descriptions) are given up at their first space.
        let open = line
            .iter()
            .take(48)
            .position(|&b| b == b'[' || b.is_ascii_whitespace() || b":]".contains(&b));
        let Some(open) = open.filter(|&k| k > 0 && line[k] == b'[') else { return false };
        &line[open + 1..]
    };
    let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    n > 0 && rest.get(n..n + 2) == Some(b"]:")
}

/// The start of an ETW trace (.etl), which has no magic number of its own: its first buffer's
/// `WMI_BUFFER_HEADER` (0x48 bytes) is followed by the session's header event, a
/// `SYSTEM_TRACE_HEADER` (32- or 64-bit marker, flags 0xC0, group 0 and type 0), whose
/// `TRACE_LOGFILE_HEADER` repeats the buffer size the buffer header gives. See
/// `src/parse/etl/mod.rs` for the sources of the layout.
pub fn is_etl(bytes: &[u8]) -> bool {
    let u32_at =
        |at: usize| bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let Some(size) = u32_at(0) else { return false };
    let Some(&[_, _, marker, flags, _, _, kind, group]) = bytes.get(0x48..0x50) else {
        return false;
    };
    matches!(marker, 1 | 2)
        && flags == 0xC0
        && kind == 0
        && group == 0
        && (0x200..=1 << 30).contains(&size)
        && u32_at(0x68) == Some(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(is_cbs_record(b"2023-05-23 10:02:36, Info                  CBS    TI: x"));
        assert!(!is_cbs_record(b"2023/05/23 10:02:36, Info"));
        assert!(is_wu_record(b"2023/05/22 08:08:32.6295131 8096  8116  Shared          Init"));
        assert!(is_wu_record(b"2024-04-11 12:48:04.8755474 1980  8444  Agent           x"));
        assert!(!is_wu_record(b"2024-04-11 12:48:04, Info"));
        assert!(is_wu_legacy_record(b"2021-08-28\t11:05:07:920\t 576\ta70\tMisc\tx"));
        assert!(is_export_block(b"Event[12]:"));
        assert!(!is_export_block(b"Event[]:"));
        assert!(is_export_block("Ereignis[3]:".as_bytes()));
        assert!(is_export_block("イベント[0]:".as_bytes()));
        assert!(!is_export_block(b"  Data[0]: x"));
        assert!(!is_export_block(b"[0]:"));
    }

    #[test]
    fn etl_header() {
        let mut b = vec![0u8; 0x200];
        b[..4].copy_from_slice(&0x200u32.to_le_bytes());
        b[0x48..0x50].copy_from_slice(&[2, 0, 2, 0xC0, 0xF4, 1, 0, 0]);
        b[0x68..0x6C].copy_from_slice(&0x200u32.to_le_bytes());
        assert!(is_etl(&b));
        b[0x69] = 0;
        assert!(!is_etl(&b), "the logfile header must repeat the buffer size");
        assert!(!is_etl(b"ElfFile\0"));
        assert!(!is_etl(&[]));
    }
}
