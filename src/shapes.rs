//! Line shapes shared by content sniffing (bundle) and parsing: the first bytes that mark a
//! record in each text grammar. Pure byte checks, no allocation.
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
    let Some(rest) = line.strip_prefix(b"Event[") else { return false };
    let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    n > 0 && rest.get(n..n + 2) == Some(b"]:")
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
    }
}
