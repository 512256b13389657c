//! Text encodings: detect from the first bytes, then decode to UTF-8.
//!
//! Order matters: byte-order marks first, then the NUL pattern of BOM-less UTF-16LE, and only
//! then any "is this binary?" guess, because NUL-based binary detection calls every UTF-16 log
//! binary.

use serde::Serialize;
use std::borrow::Cow;

/// How a file's text is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-8 (or ASCII) with no BOM.
    Utf8,
    /// UTF-8 with a BOM.
    Utf8Bom,
    /// UTF-16 little-endian with a BOM.
    Utf16LeBom,
    /// UTF-16 little-endian with no BOM (found from the NUL pattern).
    Utf16Le,
    /// UTF-16 big-endian with a BOM.
    Utf16BeBom,
    /// Not text.
    Binary,
}

impl Encoding {
    /// `UTF-8`, `UTF-16` or `binary`, for messages.
    pub fn family(self) -> &'static str {
        match self {
            Encoding::Utf8 | Encoding::Utf8Bom => "UTF-8",
            Encoding::Utf16LeBom | Encoding::Utf16Le | Encoding::Utf16BeBom => "UTF-16",
            Encoding::Binary => "binary",
        }
    }

    /// Short label for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8 bom",
            Encoding::Utf16LeBom => "utf-16le bom",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16BeBom => "utf-16be bom",
            Encoding::Binary => "binary",
        }
    }
}

/// Bytes looked at to choose an encoding.
const DETECT_BYTES: usize = 64 << 10;

/// A run of NUL bytes at least this long is damage (a zeroed sector, a page a crash never
/// wrote), not part of what the text is.
const NUL_DAMAGE: usize = 32;

/// Bytes looked at per step of [`detect`]'s fast path.
const TEXT_RUN: usize = 32;

/// Looks at up to the first 64 KiB to choose an encoding. Runs of NULs (a zeroed first
/// sector, as a failing disk leaves) are damage inside the text, not a sign of binary: the
/// choice is made from the bytes around them, and a file of nothing but NULs is binary.
pub fn detect(bytes: &[u8]) -> Encoding {
    // A zeroed start hides the byte-order mark: the text after it decides.
    let lead = bytes.iter().take_while(|&&b| b == 0).count();
    let start = if lead >= NUL_DAMAGE { lead & !1 } else { 0 };
    let bytes = bytes.get(start..).unwrap_or_default();
    match bytes {
        [0xEF, 0xBB, 0xBF, ..] if start == 0 => return Encoding::Utf8Bom,
        [0xFF, 0xFE, ..] if start == 0 => return Encoding::Utf16LeBom,
        [0xFE, 0xFF, ..] if start == 0 => return Encoding::Utf16BeBom,
        _ => {}
    }
    let head = bytes.get(..bytes.len().min(4096)).unwrap_or_default();
    let pairs = head.len() / 2;
    if pairs >= 2 {
        let (mut even_nul, mut odd_nul) = (0usize, 0usize);
        for pair in head.chunks_exact(2) {
            even_nul += usize::from(pair[0] == 0);
            odd_nul += usize::from(pair[1] == 0);
        }
        // ASCII-range text in UTF-16LE has a NUL in almost every high byte and few in low ones.
        if odd_nul * 10 >= pairs * 7 && even_nul * 10 <= pairs {
            return Encoding::Utf16Le;
        }
    }
    let (mut looked, mut suspicious, mut nul_run) = (0usize, 0usize, 0usize);
    let scan = bytes.get(..bytes.len().min(DETECT_BYTES)).unwrap_or_default();
    let mut at = 0;
    while let Some(&b) = scan.get(at) {
        // Plain text, a run at a time: each byte is looked at and none is suspicious.
        if nul_run == 0
            && let Some(run) = scan.get(at..at + TEXT_RUN)
            && run
                .iter()
                .fold(true, |ok, &c| ok & (c >= 0x20 || matches!(c, b'\t' | b'\n' | b'\r' | 0x0C)))
        {
            looked += TEXT_RUN;
            at += TEXT_RUN;
            continue;
        }
        at += 1;
        if b == 0 {
            nul_run += 1;
            continue;
        }
        // A short run of NULs counts against the text, a long one is damage and does not,
        // and a lone NUL before text is how UTF-16 appended to UTF-8 looks.
        if nul_run < NUL_DAMAGE {
            looked += nul_run;
            suspicious += if nul_run == 1 && b >= 0x20 { 0 } else { nul_run };
        }
        nul_run = 0;
        looked += 1;
        suspicious += usize::from(b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C));
    }
    if nul_run < NUL_DAMAGE {
        looked += nul_run;
        suspicious += nul_run;
    }
    if bytes.is_empty() && start == 0 {
        return Encoding::Utf8;
    }
    if looked == 0 || suspicious * 20 > looked {
        return Encoding::Binary;
    }
    Encoding::Utf8
}

/// Where the UTF-16LE text that was appended to a UTF-8 file starts (PowerShell 5's `>>`
/// appends UTF-16 whatever the file holds), when its end is UTF-16: found by walking back
/// from the end while the code units look like UTF-16 text, so the cost is the size of the
/// appended part. Includes a byte-order mark right before it.
pub(crate) fn utf16_tail(bytes: &[u8]) -> Option<usize> {
    // The last 128 code units must be mostly ASCII-range UTF-16 (a NUL high byte).
    let tail = bytes.len().checked_sub(256)?;
    let ascii16 = |p: &[u8]| p[1] == 0 && p[0] != 0;
    let units = bytes[tail..].chunks_exact(2).filter(|p| ascii16(p)).count();
    if units * 10 < 128 * 8 {
        return None;
    }
    let mut start = bytes.len();
    let mut gap = 0;
    let mut i = bytes.len();
    while i >= 2 {
        i -= 2;
        let p = &bytes[i..i + 2];
        if p == [0xFF, 0xFE] {
            start = i;
            break;
        }
        if ascii16(p) {
            start = i;
            gap = 0;
        } else {
            // Other scripts are UTF-16 too, but a long run without one ASCII character
            // is the UTF-8 part.
            gap += 1;
            if gap >= 8 {
                break;
            }
        }
    }
    (start > 0).then_some(start)
}

/// A UTF-8 file with UTF-16LE appended from `from`: each part decoded in its own encoding,
/// the second starting on a line of its own.
pub(crate) fn decode_mixed(bytes: &[u8], from: usize) -> Decoded<'static> {
    let (head, tail) = bytes.split_at(from.min(bytes.len()));
    let first = decode_utf8(head);
    let second = decode_utf16(tail.strip_prefix(&[0xFF, 0xFE]).unwrap_or(tail), u16::from_le_bytes);
    let mut text = first.text.into_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&second.text);
    Decoded { text: Cow::Owned(text), replaced: first.replaced + second.replaced }
}

/// Decoded text and how many invalid sequences were replaced with U+FFFD.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// Number of replaced invalid sequences.
    pub replaced: u64,
}

/// The bytes that [`decode`] reads as UTF-8 (without the BOM); `None` for UTF-16.
pub(crate) fn utf8_payload(bytes: &[u8], encoding: Encoding) -> Option<&[u8]> {
    match encoding {
        Encoding::Utf8Bom => Some(bytes.get(3..).unwrap_or_default()),
        Encoding::Utf8 | Encoding::Binary => Some(bytes),
        Encoding::Utf16LeBom | Encoding::Utf16Le | Encoding::Utf16BeBom => None,
    }
}

/// Decodes `bytes` from `encoding`; borrows when the bytes are already valid UTF-8.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Decoded<'_> {
    match encoding {
        Encoding::Utf8Bom | Encoding::Utf8 | Encoding::Binary => {
            decode_utf8(utf8_payload(bytes, encoding).unwrap_or_default())
        }
        Encoding::Utf16LeBom => {
            decode_utf16(bytes.get(2..).unwrap_or_default(), u16::from_le_bytes)
        }
        Encoding::Utf16Le => decode_utf16(bytes, u16::from_le_bytes),
        Encoding::Utf16BeBom => {
            decode_utf16(bytes.get(2..).unwrap_or_default(), u16::from_be_bytes)
        }
    }
}

/// UTF-8 `bytes` as text, invalid sequences replaced.
pub(crate) fn decode_utf8(bytes: &[u8]) -> Decoded<'_> {
    // SIMD validation (the same answer as `std::str::from_utf8`, faster); invalid input
    // takes the lossy path below.
    if let Ok(s) = simdutf8::basic::from_utf8(bytes) {
        return Decoded { text: Cow::Borrowed(s), replaced: 0 };
    }
    let mut out = String::with_capacity(bytes.len() + 16);
    let mut replaced = 0;
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            out.push(char::REPLACEMENT_CHARACTER);
            replaced += 1;
        }
    }
    Decoded { text: Cow::Owned(out), replaced }
}

/// Code units looked at per step of the ASCII fast path.
const ASCII_RUN: usize = 32;

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Decoded<'static> {
    let mut out = String::with_capacity(bytes.len() / 2 + 16);
    let mut replaced = u64::from(bytes.len() % 2 == 1);
    let whole = bytes.get(..bytes.len() & !1).unwrap_or_default();
    // Event exports are mostly ASCII: runs of ASCII units are copied as bytes, and only the
    // runs between them go through `char::decode_utf16`. A run of ASCII units ends any
    // surrogate pair, so decoding the runs between them apart gives the same text.
    let mut slow_from = 0;
    let mut ascii = [0u8; ASCII_RUN];
    for (k, run) in whole.chunks(2 * ASCII_RUN).enumerate() {
        let n = run.len() / 2;
        for (a, p) in ascii.iter_mut().zip(run.chunks_exact(2)) {
            *a = u8::try_from(unit([p[0], p[1]])).unwrap_or(0x80);
        }
        let Some(a) = ascii.get(..n).filter(|a| a.is_ascii()) else { continue };
        let at = k * 2 * ASCII_RUN;
        replaced += decode_units(whole.get(slow_from..at).unwrap_or_default(), unit, &mut out);
        out.push_str(std::str::from_utf8(a).unwrap_or_default());
        slow_from = at + run.len();
    }
    replaced += decode_units(whole.get(slow_from..).unwrap_or_default(), unit, &mut out);
    if bytes.len() % 2 == 1 {
        out.push(char::REPLACEMENT_CHARACTER);
    }
    Decoded { text: Cow::Owned(out), replaced }
}

/// Appends the UTF-16 `bytes` (an even number) to `out`; returns how many units were replaced.
fn decode_units(bytes: &[u8], unit: fn([u8; 2]) -> u16, out: &mut String) -> u64 {
    let mut replaced = 0;
    for c in char::decode_utf16(bytes.chunks_exact(2).map(|p| unit([p[0], p[1]]))) {
        if let Ok(c) = c {
            out.push(c);
        } else {
            out.push(char::REPLACEMENT_CHARACTER);
            replaced += 1;
        }
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }

    #[test]
    fn detects_boms_and_bomless_utf16() {
        assert_eq!(detect(b"\xEF\xBB\xBF2023-05-22"), Encoding::Utf8Bom);
        assert_eq!(detect(&utf16le("2023-05-22 08:00:00, Info", true)), Encoding::Utf16LeBom);
        assert_eq!(detect(&utf16le("2023-05-22 08:00:00, Info", false)), Encoding::Utf16Le);
        assert_eq!(detect(b"\xFE\xFF\x00a"), Encoding::Utf16BeBom);
        assert_eq!(detect(b"plain text\r\n"), Encoding::Utf8);
        assert_eq!(detect(&[0u8, 1, 2, 3, 0, 0, 7, 8, 0, 0, 0, 9]), Encoding::Binary);
        assert_eq!(detect(&[0u8; 4096]), Encoding::Binary);
        assert_eq!(detect(b""), Encoding::Utf8);
    }

    #[test]
    fn a_zeroed_first_sector_is_damage_not_binary() {
        let mut v = vec![0u8; 512];
        v.extend_from_slice("2023-05-22 08:00:00, Info  CBS  text\r\n".repeat(20).as_bytes());
        assert_eq!(detect(&v), Encoding::Utf8);
        let mut w = vec![0u8; 512];
        w.extend(utf16le(&"2023-05-22 08:00:00, Info  CBS  text\r\n".repeat(20), true));
        assert_eq!(detect(&w), Encoding::Utf16Le);
    }

    #[test]
    fn utf16_appended_to_utf8_is_found_and_read_apart() {
        let head = "2023-05-22 08:00:00, Info  CBS  first part é\r\n".repeat(10);
        let tail = "2023-05-22 09:00:00, Info  CBS  appended\r\n".repeat(10);
        let mut v = head.as_bytes().to_vec();
        v.extend(utf16le(&tail, true));
        assert_eq!(detect(&v), Encoding::Utf8);
        let at = utf16_tail(&v).unwrap();
        assert_eq!(at, head.len());
        assert_eq!(decode_mixed(&v, at).text, format!("{head}{tail}"));
        // Without a mark, the first appended character starts it.
        let mut v = head.as_bytes().to_vec();
        v.extend(utf16le(&tail, false));
        assert_eq!(utf16_tail(&v), Some(head.len()));
        assert_eq!(utf16_tail(head.repeat(3).as_bytes()), None);
        assert_eq!(utf16_tail(&utf16le(&tail, false)), None);
    }

    #[test]
    fn decodes_and_counts_replacements() {
        let d = decode(b"ok \xFF\xFE bad", Encoding::Utf8);
        assert_eq!(d.replaced, 2);
        assert!(d.text.contains('\u{FFFD}'));
        let bytes = utf16le("Käse", true);
        let d = decode(&bytes, Encoding::Utf16LeBom);
        assert_eq!(d.text, "Käse");
        assert_eq!(d.replaced, 0);
        let mut odd = utf16le("ab", false);
        odd.push(0x41);
        assert_eq!(decode(&odd, Encoding::Utf16Le).replaced, 1);
        assert!(matches!(decode(b"abc", Encoding::Utf8).text, Cow::Borrowed(_)));
    }

    /// The plain decoder the fast path replaced.
    fn plain_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> (String, u64) {
        let units = bytes.chunks_exact(2).map(|p| unit([p[0], p[1]]));
        let mut out = String::new();
        let mut replaced = u64::from(bytes.len() % 2 == 1);
        for c in char::decode_utf16(units) {
            replaced += u64::from(c.is_err());
            out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        if bytes.len() % 2 == 1 {
            out.push(char::REPLACEMENT_CHARACTER);
        }
        (out, replaced)
    }

    /// ASCII runs copied as bytes give what decoding every unit gives, with surrogate
    /// pairs, lone surrogates and odd lengths at every offset around a run boundary.
    #[test]
    fn utf16_fast_path_is_plain_decoding() {
        let pieces: [&[u16]; 7] = [
            &[0x41],
            &[0xE4],
            &[0xD83D, 0xDE00],
            &[0xD83D],
            &[0xDE00],
            &[0x0A, 0x0D],
            &[0x7F, 0x80],
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for round in 0..300 {
            let mut units = Vec::new();
            while units.len() < 3 * ASCII_RUN {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let p = pieces[(seed % 7) as usize];
                let reps =
                    if seed.is_multiple_of(3) { 1 } else { (seed >> 8) as usize % ASCII_RUN };
                for _ in 0..reps {
                    units.extend_from_slice(if round % 2 == 0 { p } else { &[0x41] });
                    units.extend_from_slice(p);
                }
            }
            for (unit, be) in
                [(u16::from_le_bytes as fn([u8; 2]) -> u16, false), (u16::from_be_bytes, true)]
            {
                let mut bytes: Vec<u8> = units
                    .iter()
                    .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
                    .collect();
                for cut in [0, 1] {
                    bytes.truncate(bytes.len() - cut);
                    let d = decode_utf16(&bytes, unit);
                    assert_eq!((d.text.into_owned(), d.replaced), plain_utf16(&bytes, unit));
                }
            }
        }
    }
}
