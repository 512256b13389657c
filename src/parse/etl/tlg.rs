//! TraceLogging: events that carry their own schema. The metadata (extended data item 11)
//! is, after its 16-bit size, the event's tag bytes, its NUL-terminated name, then for each
//! field its name, an in-type byte (its encoding; bit 0x80 = an out-type byte follows,
//! 0x20 = a constant count follows the tags, 0x40 = a count precedes the values, 0x60 = a
//! custom schema), an out-type byte (its format; bit 0x80 = tag bytes follow), and tag
//! bytes (bit 0x80 = another follows). Source: the metadata grammar in Microsoft's
//! `TraceLoggingDynamic.h` and the in/out type lists of the `tracelogging` crate
//! (github.com/microsoft/tracelogging). The values follow in the user data, in field order.

use super::layout::u16_at;
use super::record::Guid;
use super::session::to_micros;
use crate::time::Timestamp;
use std::fmt::Write as _;

/// Most fields read from one event's metadata.
const MAX_FIELDS: usize = 512;
/// Structs nest at most this deep.
const MAX_DEPTH: usize = 8;
/// Values (scalars, array elements, struct repetitions) decoded per event at most.
const MAX_STEPS: u32 = 1 << 16;
/// Array elements shown; the rest are counted.
const MAX_SHOWN: usize = 32;

/// One field of an event's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FieldMeta<'a> {
    pub(super) name: &'a [u8],
    /// In-type with its count flags (0x7F of the byte).
    in_meta: u8,
    /// Out-type (0x7F of the byte); for a struct, its number of member fields.
    out: u8,
    /// The constant count of a constant-count array.
    ccount: u16,
}

impl FieldMeta<'_> {
    /// A lone NUL-terminated UTF-16 string (the shape of Windows Update's `Info` fields).
    pub(super) fn is_wide_string(&self) -> bool {
        self.in_meta == STRZ16
    }
}

const TYPE_MASK: u8 = 0x1F;
const COUNT_MASK: u8 = 0x60;
const CCOUNT: u8 = 0x20;
const VCOUNT: u8 = 0x40;
const CUSTOM: u8 = 0x60;

const STRZ16: u8 = 1;
const STRZ8: u8 = 2;
const STRUCT: u8 = 24;

fn cut(f: &FieldMeta<'_>) -> String {
    format!("field '{}' runs past the event's data", String::from_utf8_lossy(f.name))
}

/// The bytes of `b` from `at` to its next NUL, and where the next thing starts.
fn cstr(b: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rest = b.get(at..)?;
    let n = memchr::memchr(0, rest)?;
    Some((rest.get(..n)?, at + n + 1))
}

/// Skips tag bytes (each with bit 0x80 says another follows; at most four).
fn tags(b: &[u8], mut at: usize) -> Option<usize> {
    for _ in 0..4 {
        let t = *b.get(at)?;
        at += 1;
        if t & 0x80 == 0 {
            return Some(at);
        }
    }
    Some(at)
}

/// Reads an event's metadata into `fields`; returns the event's name.
pub(super) fn read_schema<'a>(
    meta: &'a [u8],
    fields: &mut Vec<FieldMeta<'a>>,
) -> Result<&'a [u8], String> {
    fields.clear();
    let cut = || "its TraceLogging metadata is cut short".to_string();
    let size = usize::from(u16_at(meta, 0).ok_or_else(cut)?);
    let meta = meta.get(..size.min(meta.len())).ok_or_else(cut)?;
    let at = tags(meta, 2).ok_or_else(cut)?;
    let (name, mut at) = cstr(meta, at).ok_or_else(cut)?;
    while at < meta.len() {
        if fields.len() == MAX_FIELDS {
            return Err(format!("its metadata has more than {MAX_FIELDS} fields"));
        }
        let (fname, next) = cstr(meta, at).ok_or_else(cut)?;
        at = next;
        let in_byte = *meta.get(at).ok_or_else(cut)?;
        at += 1;
        let mut out = 0;
        if in_byte & 0x80 != 0 {
            let out_byte = *meta.get(at).ok_or_else(cut)?;
            at += 1;
            out = out_byte & 0x7F;
            if out_byte & 0x80 != 0 {
                at = tags(meta, at).ok_or_else(cut)?;
            }
        }
        let in_meta = in_byte & 0x7F;
        let mut ccount = 0;
        match in_meta & COUNT_MASK {
            CCOUNT => {
                ccount = u16_at(meta, at).ok_or_else(cut)?;
                at += 2;
            }
            CUSTOM => {
                let schema = usize::from(u16_at(meta, at).ok_or_else(cut)?);
                at += 2 + schema;
            }
            _ => {}
        }
        fields.push(FieldMeta { name: fname, in_meta, out, ccount });
    }
    Ok(name)
}

/// One decoded value, rendered as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Value<'a> {
    pub(super) name: &'a [u8],
    pub(super) text: String,
}

/// Decodes the values of `data` by `fields`, at most `max` of them. Values decoded before a
/// problem are kept in `out`; the problem is returned.
pub(super) fn decode<'a>(
    fields: &[FieldMeta<'a>],
    data: &[u8],
    max: usize,
    out: &mut Vec<Value<'a>>,
) -> Result<(), String> {
    let mut d = Decoder { fields, data, at: 0, steps: 0, max, out };
    let mut i = 0;
    while i < fields.len() && d.out.len() < d.max {
        i = d.field(i, 0)?;
    }
    Ok(())
}

struct Decoder<'f, 'a, 'd, 'o> {
    fields: &'f [FieldMeta<'a>],
    data: &'d [u8],
    at: usize,
    steps: u32,
    max: usize,
    out: &'o mut Vec<Value<'a>>,
}

impl<'a> Decoder<'_, 'a, '_, '_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let b = self.data.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(b)
    }

    /// The index after field `i` and its members.
    fn span(&self, i: usize, depth: usize) -> Result<usize, String> {
        let f = self.fields.get(i).ok_or("a struct has more members than fields follow")?;
        if f.in_meta & TYPE_MASK != STRUCT {
            return Ok(i + 1);
        }
        if depth > MAX_DEPTH {
            return Err("structs nest too deeply".into());
        }
        let mut j = i + 1;
        for _ in 0..f.out {
            j = self.span(j, depth + 1)?;
        }
        Ok(j)
    }

    /// Decodes field `i` (with its members, for a struct); returns the next field's index.
    fn field(&mut self, i: usize, depth: usize) -> Result<usize, String> {
        let f = *self.fields.get(i).ok_or("a struct has more members than fields follow")?;
        let count = match f.in_meta & COUNT_MASK {
            CCOUNT => Some(f.ccount),
            VCOUNT => Some(u16::from_le_bytes(self.array::<2>(&f)?)),
            CUSTOM => {
                let n = self.counted(&f)?.len();
                self.push(f.name, format!("({n} bytes in a custom format)"));
                return Ok(i + 1);
            }
            _ => None,
        };
        if f.in_meta & TYPE_MASK == STRUCT {
            let end = self.span(i, depth)?;
            for _ in 0..count.unwrap_or(1) {
                self.step()?;
                let mut j = i + 1;
                for _ in 0..f.out {
                    self.step()?;
                    if self.out.len() >= self.max {
                        return Ok(end);
                    }
                    j = self.field(j, depth + 1)?;
                }
            }
            return Ok(end);
        }
        let text = match count {
            None => {
                self.step()?;
                let mut s = String::new();
                self.scalar(&f, &mut s)?;
                s
            }
            Some(n) => {
                let mut s = String::from("[");
                let mut unseen = String::new();
                for k in 0..usize::from(n) {
                    self.step()?;
                    if k < MAX_SHOWN {
                        if k > 0 {
                            s.push_str(", ");
                        }
                        self.scalar(&f, &mut s)?;
                    } else {
                        unseen.clear();
                        self.scalar(&f, &mut unseen)?;
                    }
                }
                if usize::from(n) > MAX_SHOWN {
                    let _ = write!(s, ", … ({n} in all)");
                }
                s.push(']');
                s
            }
        };
        self.push(f.name, text);
        Ok(i + 1)
    }

    fn step(&mut self) -> Result<(), String> {
        self.steps += 1;
        if self.steps > MAX_STEPS { Err("too many values in one event".into()) } else { Ok(()) }
    }

    fn push(&mut self, name: &'a [u8], text: String) {
        if self.out.len() < self.max {
            self.out.push(Value { name, text });
        }
    }

    /// The next `N` bytes of the data.
    fn array<const N: usize>(&mut self, f: &FieldMeta<'_>) -> Result<[u8; N], String> {
        match self.take(N).and_then(|b| <[u8; N]>::try_from(b).ok()) {
            Some(b) => Ok(b),
            None => Err(cut(f)),
        }
    }

    /// A 16-bit length and the bytes it counts.
    fn counted(&mut self, f: &FieldMeta<'_>) -> Result<&[u8], String> {
        let n = usize::from(u16::from_le_bytes(self.array::<2>(f)?));
        let at = self.at;
        if self.take(n).is_none() {
            return Err(cut(f));
        }
        Ok(self.data.get(at..at + n).unwrap_or_default())
    }

    /// Appends one value of field `f`'s type to `s`.
    fn scalar(&mut self, f: &FieldMeta<'_>, s: &mut String) -> Result<(), String> {
        let out = f.out;
        let t = f.in_meta & TYPE_MASK;
        match t {
            STRZ16 => {
                let rest = self.data.get(self.at..).unwrap_or_default();
                let mut v = std::mem::take(s).into_bytes();
                let took = utf16z_into(rest, &mut v);
                // Only whole characters were appended to valid UTF-8.
                *s = String::from_utf8(v).unwrap_or_default();
                self.at += took.ok_or_else(|| cut(f))?;
            }
            STRZ8 => {
                let rest = self.data.get(self.at..).unwrap_or_default();
                let Some(n) = memchr::memchr(0, rest) else { return Err(cut(f)) };
                ansi(rest.get(..n).unwrap_or_default(), out, s);
                self.at += n + 1;
            }
            22 => push_utf16(self.counted(f)?, s),
            23 => {
                let b = self.counted(f)?;
                ansi(b, out, s);
            }
            14 | 25 => {
                let b = self.counted(f)?;
                hex(b, s);
            }
            3 => {
                let [v] = self.array::<1>(f)?;
                let _ = write!(s, "{}", v as i8);
            }
            4 => {
                let [v] = self.array::<1>(f)?;
                match out {
                    3 => s.push_str(if v != 0 { "true" } else { "false" }),
                    4 => drop(write!(s, "0x{v:02X}")),
                    _ => drop(write!(s, "{v}")),
                }
            }
            5 => drop(write!(s, "{}", i16::from_le_bytes(self.array::<2>(f)?))),
            6 => {
                let b = self.array::<2>(f)?;
                let v = u16::from_le_bytes(b);
                match out {
                    4 => drop(write!(s, "0x{v:04X}")),
                    7 => drop(write!(s, "{}", u16::from_be_bytes(b))),
                    _ => drop(write!(s, "{v}")),
                }
            }
            7 | 8 | 13 | 20 => {
                let b = self.array::<4>(f)?;
                let v = u32::from_le_bytes(b);
                match (t, out) {
                    (13, _) | (_, 3) => s.push_str(if v != 0 { "true" } else { "false" }),
                    // HRESULT, NTSTATUS and hex values are written as Windows shows codes.
                    (20, _) | (_, 4 | 14 | 15) => drop(write!(s, "0x{v:08X}")),
                    (_, 8) => drop(write!(s, "{}.{}.{}.{}", b[0], b[1], b[2], b[3])),
                    (7, _) => drop(write!(s, "{}", v as i32)),
                    _ => drop(write!(s, "{v}")),
                }
            }
            9 | 10 | 17 | 21 => {
                let v = u64::from_le_bytes(self.array::<8>(f)?);
                match (t, out) {
                    (17, _) => match to_micros(v as i64) {
                        Some(us) => s.push_str(&Timestamp(us).to_string()),
                        None => drop(write!(s, "0x{v:016X}")),
                    },
                    (21, _) | (_, 4) => drop(write!(s, "0x{v:016X}")),
                    (9, _) => drop(write!(s, "{}", v as i64)),
                    _ => drop(write!(s, "{v}")),
                }
            }
            11 => drop(write!(s, "{}", f32::from_le_bytes(self.array::<4>(f)?))),
            12 => drop(write!(s, "{}", f64::from_le_bytes(self.array::<8>(f)?))),
            15 => drop(write!(s, "{{{}}}", Guid(self.array::<16>(f)?))),
            18 => {
                let b = self.array::<16>(f)?;
                let w = |i: usize| u16_at(&b, 2 * i).unwrap_or(0);
                let _ = write!(
                    s,
                    "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
                    w(0),
                    w(1),
                    w(3),
                    w(4),
                    w(5),
                    w(6),
                    w(7)
                );
            }
            19 => {
                let head = self.array::<8>(f)?;
                let authority = head[2..8].iter().fold(0u64, |a, &b| (a << 8) | u64::from(b));
                let _ = write!(s, "S-{}-{authority}", head[0]);
                for _ in 0..head[1] {
                    let _ = write!(s, "-{}", u32::from_le_bytes(self.array::<4>(f)?));
                }
            }
            other => return Err(format!("field type {other} cannot be decoded")),
        }
        Ok(())
    }
}

/// Appends UTF-16LE code units, unpaired surrogates replaced.
pub(super) fn push_utf16(b: &[u8], s: &mut String) {
    let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    s.extend(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)));
}

/// Units of 16 bits whose high byte, or bit 7, is set: not ASCII.
const NOT_ASCII: u128 = 0xFF80_FF80_FF80_FF80_FF80_FF80_FF80_FF80;
const LOW_BITS: u128 = 0x0001_0001_0001_0001_0001_0001_0001_0001;
const HIGH_BITS: u128 = 0x8000_8000_8000_8000_8000_8000_8000_8000;

/// Appends the NUL-terminated UTF-16LE string at the start of `b` to `out` as UTF-8
/// (unpaired surrogates replaced); returns the bytes it took, its NUL included, or `None`
/// when `b` holds no NUL (then nothing is appended). Messages are nearly all ASCII: eight
/// units at a time are checked for a NUL and for ASCII, and ASCII ones narrowed as they are.
pub(super) fn utf16z_into(b: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    let start = out.len();
    let mut at = 0;
    for block in b.chunks_exact(16) {
        let Ok(&block) = <&[u8; 16]>::try_from(block) else { break };
        let x = u128::from_le_bytes(block);
        // A zero unit (the classic test for a zero lane), or a unit beyond ASCII.
        if x.wrapping_sub(LOW_BITS) & !x & HIGH_BITS != 0 || x & NOT_ASCII != 0 {
            break;
        }
        let b = block;
        out.extend_from_slice(&[b[0], b[2], b[4], b[6], b[8], b[10], b[12], b[14]]);
        at += 16;
    }
    // The rest, from the first block with a NUL or a wider character.
    let rest = b.get(at..).unwrap_or_default();
    let Some(units) = rest.chunks_exact(2).position(|c| c == [0, 0]) else {
        out.truncate(start);
        return None;
    };
    let tail = rest.get(..units * 2).unwrap_or_default();
    if tail.chunks_exact(2).all(|c| c[1] == 0 && c[0] < 0x80) {
        out.extend(tail.iter().step_by(2));
    } else {
        let units = tail.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
        let mut buf = [0u8; 4];
        for c in char::decode_utf16(units) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Some(at + units * 2 + 2)
}

/// An 8-bit string: UTF-8 when the out-type says so or it is valid UTF-8, else CP-1252
/// (TraceLogging's default for 8-bit strings).
fn ansi(b: &[u8], out: u8, s: &mut String) {
    match std::str::from_utf8(b) {
        Ok(t) => s.push_str(t),
        Err(_) if matches!(out, 11 | 12 | 35) => s.push_str(&String::from_utf8_lossy(b)),
        Err(_) => s.push_str(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(b).0),
    }
}

fn hex(b: &[u8], s: &mut String) {
    for x in b.iter().take(4096) {
        let _ = write!(s, "{x:02x}");
    }
    if b.len() > 4096 {
        let _ = write!(s, "… ({} bytes)", b.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(name: &str, fields: &[(&str, &[u8])]) -> Vec<u8> {
        let mut m = vec![0, 0, 0];
        m.extend_from_slice(name.as_bytes());
        m.push(0);
        for (n, t) in fields {
            m.extend_from_slice(n.as_bytes());
            m.push(0);
            m.extend_from_slice(t);
        }
        let len = m.len() as u16;
        m[..2].copy_from_slice(&len.to_le_bytes());
        m
    }

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect()
    }

    fn run(m: &[u8], data: &[u8]) -> (String, Result<(), String>, Vec<(String, String)>) {
        let mut fields = Vec::new();
        let name = read_schema(m, &mut fields).unwrap();
        let mut out = Vec::new();
        let r = decode(&fields, data, 64, &mut out);
        let vals = out
            .into_iter()
            .map(|v| (String::from_utf8_lossy(v.name).into_owned(), v.text))
            .collect();
        (String::from_utf8_lossy(name).into_owned(), r, vals)
    }

    #[test]
    fn utf16_strings_decode_fast_and_right() {
        for text in [
            "",
            "short",
            "exactly sixteen!",
            "*FAILED* [80070002] wuauengcore.dll, C:\\__w\\1\\s\\fileutil.cpp @1030",
            "naïve — ünïcödé after eight ASCII units, and 🦀 beyond the BMP",
            "ĀĀĀĀĀĀĀĀĀĀĀĀĀĀĀĀĀĀ",
        ] {
            let mut b = utf16(text);
            b.extend_from_slice(b"trailing");
            let mut out = b"kept".to_vec();
            assert_eq!(utf16z_into(&b, &mut out), Some(2 * text.encode_utf16().count() + 2));
            assert_eq!(String::from_utf8(out).unwrap(), format!("kept{text}"), "{text:?}");
        }
        // Without a NUL nothing is appended; an unpaired surrogate is replaced.
        let mut out = Vec::new();
        assert_eq!(
            utf16z_into(
                &[b'a', 0, b'b', 0, b'c', 0, b'd', 0, b'e', 0, b'f', 0, b'g', 0, b'h', 0, b'i', 0],
                &mut out
            ),
            None
        );
        assert!(out.is_empty());
        assert_eq!(utf16z_into(&[0x00, 0xD8, b'x', 0, 0, 0], &mut out), Some(6));
        assert_eq!(String::from_utf8(out).unwrap(), "\u{FFFD}x");
    }

    #[test]
    fn the_windows_update_shape() {
        let m = meta("Agent", &[("Info", &[STRZ16])]);
        let (name, r, vals) = run(&m, &utf16("*FAILED* [80070002] wuauengcore.dll"));
        assert_eq!(name, "Agent");
        assert!(r.is_ok());
        assert_eq!(vals, [("Info".into(), "*FAILED* [80070002] wuauengcore.dll".into())]);
    }

    #[test]
    fn typed_values_render_as_windows_shows_them() {
        let m = meta(
            "Install",
            &[
                ("hr", &[0x80 | 7, 15]),
                ("count", &[8]),
                ("ok", &[13]),
                ("id", &[15]),
                ("ids", &[0x40 | 6]),
                ("name", &[2]),
                ("sid", &[19]),
            ],
        );
        let mut d = Vec::new();
        d.extend_from_slice(&0x8007_0306u32.to_le_bytes());
        d.extend_from_slice(&7u32.to_le_bytes());
        d.extend_from_slice(&1u32.to_le_bytes());
        d.extend_from_slice(&[
            0x19, 0x6f, 0x7a, 0x0b, 0xc4, 0x47, 0x4e, 0x45, 0x8c, 0x5c, 0xe8, 0x68, 0xd6, 0x37,
            0xe4, 0xd8,
        ]);
        d.extend_from_slice(&[2, 0, 5, 0, 6, 0]);
        d.extend_from_slice(b"caf\xe9\0");
        d.extend_from_slice(&[1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]);
        let (_, r, vals) = run(&m, &d);
        assert!(r.is_ok(), "{r:?}");
        let texts: Vec<&str> = vals.iter().map(|v| v.1.as_str()).collect();
        assert_eq!(
            texts,
            [
                "0x80070306",
                "7",
                "true",
                "{0b7a6f19-47c4-454e-8c5c-e868d637e4d8}",
                "[5, 6]",
                "café",
                "S-1-5-18"
            ]
        );
    }

    #[test]
    fn structs_and_their_arrays() {
        // A struct of two members, then an array (variable count) of that struct.
        let m = meta(
            "E",
            &[
                ("s", &[0x80 | STRUCT, 2]),
                ("a", &[8]),
                ("b", &[STRZ16]),
                ("arr", &[0x80 | 0x40 | STRUCT, 1]),
                ("x", &[4]),
                ("tail", &[8]),
            ],
        );
        let mut d = 1u32.to_le_bytes().to_vec();
        d.extend_from_slice(&utf16("hi"));
        d.extend_from_slice(&[3, 0, 7, 8, 9]);
        d.extend_from_slice(&42u32.to_le_bytes());
        let (_, r, vals) = run(&m, &d);
        assert!(r.is_ok(), "{r:?}");
        let flat: Vec<String> = vals.iter().map(|(n, t)| format!("{n}={t}")).collect();
        assert_eq!(flat, ["a=1", "b=hi", "x=7", "x=8", "x=9", "tail=42"]);
    }

    #[test]
    fn hostile_schemas_and_data_are_errors_not_panics() {
        // A string without its terminator keeps the values before it.
        let m = meta("E", &[("n", &[8]), ("s", &[STRZ16])]);
        let (_, r, vals) = run(&m, &[1, 0, 0, 0, b'a', 0]);
        assert_eq!(vals.len(), 1);
        assert!(r.unwrap_err().contains("field 's' runs past"));
        // A struct claiming more members than there are fields.
        let m = meta("E", &[("s", &[0x80 | STRUCT, 100])]);
        assert!(run(&m, &[]).1.is_err());
        // Arrays of empty structs nested deep run out of steps, not of time.
        let m = meta(
            "E",
            &[
                ("a", &[0x80 | 0x20 | STRUCT, 1, 0xFF, 0xFF]),
                ("b", &[0x80 | 0x20 | STRUCT, 0, 0xFF, 0xFF]),
            ],
        );
        assert!(run(&m, &[]).1.unwrap_err().contains("too many values"));
        // Unknown types and cut metadata.
        let m = meta("E", &[("p", &[16])]);
        assert!(run(&m, &[0; 8]).1.is_err());
        let mut fields = Vec::new();
        assert!(read_schema(&[9, 0, 0, b'E'], &mut fields).is_err());
    }
}
