//! Deciding from a record's binary XML, before the crate renders it, that the record cannot be
//! notable, so that it is only counted.
//!
//! Most records in a real System or Application log are informational events of providers
//! that servicing diagnosis never reads. Rendering them to JSON and reading the JSON back
//! was most of the evtx time. A template definition says where `Provider/@Name`,
//! `EventID` and `Level` come from (a literal or a substitution index); the record's
//! substitution values then give provider, event id and level without rendering. The
//! decision is conservative: anything this module does not fully understand (nested
//! binary XML, arrays, character references, several template instances, values the renderer
//! would change) renders the record as before, so a kept event is built exactly as before.

use super::word_hash::Seeded;
use super::{Family, code_field, family, is_clock, is_known, service_from_bytes};
use crate::code::extract::CodeExtractor;
use crate::event::{FAILURE, has_failure_words};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Values longer than this (bytes) are rendered: the field cut could change what extraction
/// finds at the cut.
const LONG_VALUE: usize = 2000;

/// Where a System value comes from in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    /// Not (yet) seen.
    None,
    /// Literal text in the template.
    Text(String),
    /// Substitution value by index.
    Sub(u16),
}

/// What a template definition says about the System values wutriage decides on.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    provider: Slot,
    event_id: Slot,
    level: Slot,
    /// Substitutions that may land in an `errorCode`/`ErrorCode` field, which is also read
    /// as a decimal code.
    code_subs: Vec<u16>,
    /// The same for indexes under 64, as bits: asked for every value of every record.
    code_mask: u64,
    /// Tells this shape from the others of its [`Shapes`], in [`Shapes::values_key`].
    serial: u64,
}

impl Shape {
    /// Whether value `i` may land in an `errorCode`/`ErrorCode` field.
    fn code_sub(&self, i: usize) -> bool {
        if i < 64 {
            self.code_mask >> i & 1 == 1
        } else {
            u16::try_from(i).is_ok_and(|i| self.code_subs.contains(&i))
        }
    }
}

/// State of one task's walk over chunks: the chunk's template shapes by definition offset
/// (`None`: always render), and, kept from chunk to chunk, the value texts already found
/// quiet (service state changes and the like repeat verbatim) and the verdicts on template
/// text (every chunk defines the same templates again).
#[derive(Debug, Default)]
pub(crate) struct Shapes {
    // Shared with the check that reads them, which also fills the map for nested values.
    by_offset: HashMap<u32, Option<Arc<Shape>>, Seeded>,
    /// Shapes by [`template_key`], kept from chunk to chunk.
    by_key: HashMap<Vec<u8>, Option<Arc<Shape>>, Seeded>,
    key: Vec<u8>,
    /// String values (their UTF-16 bytes) found quiet on their own, and the chunk offsets and
    /// sizes of those a check has not seen before: a record that is not quiet as a whole
    /// usually repeats all of its values but one.
    quiet_strings: HashSet<Vec<u8>, Seeded>,
    unseen: Vec<(usize, usize)>,
    lines: String,
    /// The text of the values not seen before (SCM service names among them), found quiet.
    quiet: HashSet<String, Seeded>,
    /// Value bytes already found quiet (see [`Shapes::values_key`]), and the key being built.
    quiet_values: HashSet<Vec<u8>, Seeded>,
    values: Vec<u8>,
    /// Shapes read so far, for their serial numbers.
    serials: u64,
    provider: String,
    /// Provider families by the bytes of the provider's name.
    families: HashMap<Vec<u8>, Family, Seeded>,
    texts: HashMap<String, bool, Seeded>,
}

/// Most value texts and template texts remembered.
const QUIET_TEXTS: usize = 4096;
/// Most string values remembered, and the longest (bytes): 2 MiB at most.
const QUIET_STRINGS: usize = 8192;
const QUIET_STRING_BYTES: usize = 256;
/// Most template definitions remembered from chunk to chunk.
pub(super) const TEMPLATES: usize = 1024;

/// Little-endian reader over chunk bytes; every read is bounds-checked.
pub(super) struct Cur<'d> {
    pub(super) data: &'d [u8],
    pub(super) pos: usize,
}

impl<'d> Cur<'d> {
    pub(super) fn take(&mut self, n: usize) -> Option<&'d [u8]> {
        let s = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    pub(super) fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    pub(super) fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    pub(super) fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A name reference: a chunk offset, with the name inline when it points right here.
    /// `None` for a name the crate cannot write into its JSON as it is (see
    /// [`json_safe_name`]): such records are left to the crate.
    pub(super) fn name(&mut self) -> Option<String> {
        let at = self.u32()?;
        let (name, len) = name_at(self.data, at)?;
        if at as usize == self.pos {
            // next-name link (4), hash (2), length (2), characters, NUL (2)
            self.take(10 + 2 * len)?;
        }
        json_safe_name(&name).then_some(name)
    }
}

/// Whether a name is written as it is into the crate's JSON rendering: the crate does not
/// escape names, so one with a quote, a backslash or a control character makes JSON that
/// does not read, or reads blanked (fuzz findings).
pub(super) fn json_safe_name(name: &str) -> bool {
    !name.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
}

/// The name stored at chunk offset `at` (link, hash, length, UTF-16LE characters), and its
/// stored length in UTF-16 units.
fn name_at(data: &[u8], at: u32) -> Option<(String, usize)> {
    let mut c = Cur { data, pos: (at as usize).checked_add(6)? };
    let len = usize::from(c.u16()?);
    Some((utf16(c.take(2 * len)?)?, len))
}

/// UTF-16LE text up to its first NUL unit, as the evtx crate reads names and template text.
pub(super) fn utf16(bytes: &[u8]) -> Option<String> {
    let units = bytes.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]]));
    char::decode_utf16(units.take_while(|&u| u != 0)).collect::<Result<String, _>>().ok()
}

/// Size of a template definition header: next offset, GUID, data size.
pub(super) const TEMPLATE_HEADER: usize = 24;

/// One token of a template definition, as far as wutriage reads templates.
#[derive(Debug)]
pub(super) enum Token {
    /// An element starts.
    Open(String),
    /// The start tag ends; content follows.
    EndStart,
    /// An element ends (or an empty one closes).
    Close,
    /// An attribute; the values that follow, up to the next attribute or `EndStart`, are its.
    Attr(String),
    /// Literal text.
    Text(String),
    /// A substitution (`optional`: left out when its value is null).
    Sub { index: u16, optional: bool },
}

/// Whether the evtx crate knows `ty` as a value type: it refuses a template whose
/// substitution declares another one, and with it every record of that template (a fuzz
/// finding, kept in `fuzz/regressions/evtx/`).
fn value_type(ty: u8) -> bool {
    matches!(ty, 0x00..=0x15 | 0x20 | 0x21 | 0x23 | 0x81..=0x95)
}

/// The tokens of the template definition at `offset`; `None` for anything unexpected (CDATA,
/// character and entity references, processing instructions, nested instances, non-string
/// literals).
pub(super) fn template_tokens(data: &[u8], offset: u32) -> Option<Vec<Token>> {
    let mut c = Cur { data, pos: (offset as usize).checked_add(TEMPLATE_HEADER - 4)? };
    let size = c.u32()? as usize;
    let end = c.pos.checked_add(size)?;
    let mut out = Vec::with_capacity(64);
    while c.pos < end {
        let token = c.u8()?;
        out.push(match token {
            0x00 => break,
            0x0f => {
                c.take(3)?;
                continue;
            }
            0x01 | 0x41 => {
                c.take(2 + 4)?; // dependency id, data size
                let name = c.name()?;
                if token == 0x41 {
                    c.take(4)?;
                }
                Token::Open(name)
            }
            0x02 => Token::EndStart,
            0x03 | 0x04 => Token::Close,
            0x06 | 0x46 => Token::Attr(c.name()?),
            0x05 | 0x45 => {
                if c.u8()? != 0x01 {
                    return None;
                }
                let n = usize::from(c.u16()?);
                Token::Text(utf16(c.take(2 * n)?)?)
            }
            0x0d | 0x0e => {
                let index = c.u16()?;
                if !value_type(c.u8()?) {
                    return None;
                }
                Token::Sub { index, optional: token == 0x0e }
            }
            _ => return None,
        });
    }
    Some(out)
}

/// The tokens [`template_tokens`] reads at `offset`, written into `key` without decoding a
/// name: the same definition in another chunk (its names inline or shared, at other offsets)
/// gives the same key, and equal keys give equal tokens. `None` where the tokens are not
/// read the same way; the caller then reads them directly.
pub(super) fn template_key(data: &[u8], offset: u32, key: &mut Vec<u8>) -> Option<()> {
    key.clear();
    let mut c = Cur { data, pos: (offset as usize).checked_add(TEMPLATE_HEADER - 4)? };
    let size = c.u32()? as usize;
    let end = c.pos.checked_add(size)?;
    // A name as its length and UTF-16 units, skipped when it is inline.
    let name = |c: &mut Cur<'_>, key: &mut Vec<u8>| -> Option<()> {
        let at = c.u32()?;
        let mut n = Cur { data, pos: (at as usize).checked_add(6)? };
        let len = n.u16()?;
        let units = n.take(2 * usize::from(len))?;
        key.extend_from_slice(&len.to_le_bytes());
        key.extend_from_slice(units);
        if at as usize == c.pos {
            c.take(10 + units.len())?;
        }
        Some(())
    };
    while c.pos < end {
        let token = c.u8()?;
        match token {
            0x00 => break,
            0x0f => {
                c.take(3)?;
            }
            0x01 | 0x41 => {
                c.take(2 + 4)?;
                key.push(b'O');
                name(&mut c, key)?;
                if token == 0x41 {
                    c.take(4)?;
                }
            }
            0x02 => key.push(b'E'),
            0x03 | 0x04 => key.push(b'C'),
            0x06 | 0x46 => {
                key.push(b'A');
                name(&mut c, key)?;
            }
            0x05 | 0x45 => {
                if c.u8()? != 0x01 {
                    return None;
                }
                let n = c.u16()?;
                key.push(b'T');
                key.extend_from_slice(&n.to_le_bytes());
                key.extend_from_slice(c.take(2 * usize::from(n))?);
            }
            0x0d | 0x0e => {
                let index = c.u16()?;
                let ty = c.u8()?;
                if !value_type(ty) {
                    return None;
                }
                key.push(if token == 0x0e { b's' } else { b'S' });
                key.extend_from_slice(&index.to_le_bytes());
                key.push(ty);
            }
            _ => return None,
        }
    }
    Some(())
}

/// Reads the template definition at `offset`; `None` for anything unexpected.
fn read_shape(
    data: &[u8],
    offset: u32,
    ex: &CodeExtractor,
    texts: &mut HashMap<String, bool, Seeded>,
) -> Option<Shape> {
    let mut static_text_ok = |text: &str| -> Option<()> {
        let quiet = texts.get(text).copied().unwrap_or_else(|| {
            let q = text_is_quiet(text, ex);
            if texts.len() < QUIET_TEXTS {
                texts.insert(text.to_string(), q);
            }
            q
        });
        quiet.then_some(())
    };
    let mut shape = Shape {
        provider: Slot::None,
        event_id: Slot::None,
        level: Slot::None,
        code_subs: vec![],
        code_mask: 0,
        serial: 0,
    };
    // Element names, each with whether its content may be an error code field.
    let mut stack: Vec<(String, bool)> = Vec::new();
    let mut attr: Option<String> = None;
    for token in template_tokens(data, offset)? {
        match token {
            Token::Open(name) => {
                static_text_ok(&name)?;
                let codeish = is_code_name(&name);
                stack.push((name, codeish));
                attr = None;
            }
            Token::EndStart => attr = None,
            Token::Close => {
                stack.pop()?;
                attr = None;
            }
            Token::Attr(name) => {
                static_text_ok(&name)?;
                attr = Some(name);
            }
            Token::Text(text) => {
                static_text_ok(&text)?;
                if let Some(top) = data_name(&mut stack, attr.as_deref()) {
                    *top |= is_code_name(&text);
                } else if attr.is_none()
                    && stack.iter().any(|(_, codeish)| *codeish)
                    && code_field(&text).is_some()
                {
                    return None;
                }
                if let Some(slot) = slot_for(&mut shape, &stack, attr.as_deref()) {
                    if *slot != Slot::None {
                        return None;
                    }
                    *slot = Slot::Text(text);
                }
            }
            Token::Sub { index: id, .. } => {
                if let Some(top) = data_name(&mut stack, attr.as_deref()) {
                    // A field name chosen at run time: it may be `errorCode`.
                    *top = true;
                } else if attr.is_none() && stack.iter().any(|(_, codeish)| *codeish) {
                    shape.code_subs.push(id);
                    if id < 64 {
                        shape.code_mask |= 1 << id;
                    }
                }
                if let Some(slot) = slot_for(&mut shape, &stack, attr.as_deref()) {
                    if *slot != Slot::None {
                        return None;
                    }
                    *slot = Slot::Sub(id);
                }
            }
        }
    }
    // Slots left empty make `resolve` fail, so a record of such a template renders.
    Some(shape)
}

/// The slot a value at this point of the template fills, if any.
fn slot_for<'s>(
    shape: &'s mut Shape,
    stack: &[(String, bool)],
    attr: Option<&str>,
) -> Option<&'s mut Slot> {
    let [.., (parent, _), (elem, _)] = stack else { return None };
    if parent != "System" {
        return None;
    }
    match (elem.as_str(), attr) {
        ("Provider", Some("Name")) => Some(&mut shape.provider),
        ("EventID", None) => Some(&mut shape.event_id),
        ("Level", None) => Some(&mut shape.level),
        _ => None,
    }
}

/// The names under which [`super`] reads a field as an error code.
fn is_code_name(name: &str) -> bool {
    matches!(name, "errorCode" | "ErrorCode")
}

/// The code flag of the element when a value is its `Data/@Name`, which names the field.
fn data_name<'s>(stack: &'s mut [(String, bool)], attr: Option<&str>) -> Option<&'s mut bool> {
    let (name, codeish) = stack.last_mut()?;
    (name == "Data" && attr == Some("Name")).then_some(codeish)
}

/// Bytes that neither a code trigger nor a failure word is made of only: a text of them alone
/// (numbers, mostly) needs no scan.
const NUMERIC: &[u8] = b"0123456789 .,:;+-/\n";

/// Whether `text` is made of [`NUMERIC`] bytes only.
fn numeric(text: &str) -> bool {
    text.bytes().all(|b| NUMERIC.contains(&b))
}

/// Whether text could not make its record notable: no failure code found in it, no failure
/// words, nothing the JSON round trip would change.
fn text_is_quiet(text: &str, ex: &CodeExtractor) -> bool {
    if text.len() > LONG_VALUE || text.bytes().any(|b| b < 0x20) || has_failure_words(text) {
        return false;
    }
    let mut codes = Vec::new();
    ex.extract_into(text, &mut codes);
    codes.is_empty()
}

/// One template instance read from a fragment: its definition offset and its values as
/// `(type, bytes, chunk offset)`.
pub(super) struct Instance<'d> {
    pub(super) def: u32,
    pub(super) values: Vec<(u8, &'d [u8], usize)>,
    /// The value descriptors as they lie in the chunk: each value's size, type and a pad.
    pub(super) descriptors: &'d [u8],
}

/// Reads the template instance of a fragment (a record's, or a nested value's) at chunk
/// offset `base`, `len` bytes long; `None` for anything but one instance.
pub(super) fn read_instance(data: &[u8], base: usize, len: usize) -> Option<Instance<'_>> {
    read_instance_into(data, base, len, Vec::new())
}

/// [`read_instance`] into `values`, a list whose memory is reused from record to record.
pub(super) fn read_instance_into<'d>(
    data: &'d [u8],
    base: usize,
    len: usize,
    mut values: Vec<(u8, &'d [u8], usize)>,
) -> Option<Instance<'d>> {
    values.clear();
    let end = base.checked_add(len)?;
    let mut c = Cur { data: data.get(..end)?, pos: base };
    // A record's stream may start past its fragment header.
    if c.data.get(c.pos) == Some(&0x0f) && c.take(4)? != [0x0f, 0x01, 0x01, 0x00] {
        return None;
    }
    if c.u8()? != 0x0c {
        return None;
    }
    c.u8()?;
    c.u32()?; // template id
    let def = c.u32()?;
    if def as usize == c.pos {
        // The definition follows inline: skip its header and body.
        c.take(TEMPLATE_HEADER - 4)?;
        let size = c.u32()? as usize;
        c.take(size)?;
    }
    let n = c.u32()? as usize;
    // Descriptors (size, type, padding), then the values in the same order.
    let descriptors = c.take(n.checked_mul(4)?)?;
    values.reserve(n);
    for d in descriptors.chunks_exact(4) {
        let at = c.pos;
        let v = c.take(usize::from(u16::from_le_bytes([d[0], d[1]])))?;
        if !read_within(d[2], v) {
            return None;
        }
        values.push((d[2], v, at));
    }
    // Only the end of the fragment may follow the instance.
    if c.pos < end && c.u8()? != 0x00 {
        return None;
    }
    Some(Instance { def, values, descriptors })
}

/// Whether the crate reads a value of type `ty` without error and within the `v.len()` bytes
/// its descriptor gives (it then skips to the next value, as this reader does). Otherwise the
/// crate's values after it lie elsewhere, or the record fails there, so the record is left
/// to the crate: unknown types, fixed-width values in fewer bytes than their width, a SID
/// longer than its bytes, and the types read here no further (ANSI strings, handles, XML,
/// arrays).
fn read_within(ty: u8, v: &[u8]) -> bool {
    let n = v.len();
    match ty {
        0x00 | 0x01 | 0x0e | 0x21 => true,
        0x03 | 0x04 => n >= 1,
        0x05 | 0x06 => n >= 2,
        0x07 | 0x08 | 0x0b | 0x0d | 0x14 => n >= 4,
        0x09 | 0x0a | 0x0c | 0x11 | 0x15 => n >= 8,
        0x0f | 0x12 => n >= 16,
        0x10 => n == 4 || n == 8,
        // revision, sub-authority count, authority (6), then 4 bytes per sub-authority
        0x13 => v.get(1).is_some_and(|&k| 8 + 4 * usize::from(k) <= n),
        _ => false,
    }
}

/// An integer value (`BinXML` types 0x03 to 0x0a) as the renderer writes it, in decimal.
pub(super) fn integer(ty: u8, v: &[u8]) -> Option<i128> {
    if !(0x03..=0x0a).contains(&ty) || v.len() != 1 << ((ty - 3) / 2) {
        return None;
    }
    let mut b = [0u8; 8];
    b.get_mut(..v.len())?.copy_from_slice(v);
    let u = u64::from_le_bytes(b);
    let bits = 8 * v.len() as u32;
    Some(if ty % 2 == 1 && bits < 64 && u >> (bits - 1) & 1 == 1 {
        i128::from(u) - (1i128 << bits)
    } else if ty % 2 == 1 && bits == 64 {
        i128::from(u as i64)
    } else {
        i128::from(u)
    })
}

/// A UTF-16 string value as rendered: up to its first NUL.
pub(super) fn string(v: &[u8]) -> Option<String> {
    // Room for the ASCII text it usually is, so that appending does not grow it.
    let mut s = String::with_capacity(v.len() / 2);
    push_string(v, &mut s)?;
    Some(s)
}

/// Appends a UTF-16 string value as rendered (up to its first NUL); `None`, with `out` as
/// it was, when it is not valid UTF-16.
pub(super) fn push_string(v: &[u8], out: &mut String) -> Option<()> {
    // ASCII, the usual case: narrowed a block at a time, with no per-character encoding.
    let start = out.len();
    let mut buf = [0u8; 64];
    let mut rest = v;
    loop {
        let mut n = 0;
        // Four units at a time while all are ASCII and none is NUL: every high byte and
        // bit 7 clear, and each 16-bit lane non-zero (adding 0x7fff to a lane of at most
        // 0x7f sets its bit 15 exactly when it is not zero, without a carry out).
        while let Some(w) = rest.get(2 * n..2 * n + 8).filter(|_| n + 4 <= buf.len()) {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            let w = u64::from_le_bytes(b);
            let lanes = 0x8000_8000_8000_8000_u64;
            if w & 0xff80_ff80_ff80_ff80 != 0 || (w + 0x7fff_7fff_7fff_7fff) & lanes != lanes {
                break;
            }
            if let Some(d) = buf.get_mut(n..n + 4) {
                d.copy_from_slice(&[w as u8, (w >> 16) as u8, (w >> 32) as u8, (w >> 48) as u8]);
            }
            n += 4;
        }
        for p in rest.get(2 * n..).unwrap_or_default().chunks_exact(2).take(buf.len() - n) {
            match (p[0], p[1]) {
                (b, 0) if b != 0 && b < 0x80 => {
                    if let Some(slot) = buf.get_mut(n) {
                        *slot = b;
                    }
                    n += 1;
                }
                _ => break,
            }
        }
        out.push_str(std::str::from_utf8(buf.get(..n)?).ok()?);
        rest = rest.get(2 * n..)?;
        match rest {
            [] | [_] | [0, 0, ..] => return Some(()),
            _ if n == buf.len() => {}
            _ => {
                let done = push_utf16(rest, out);
                if done.is_none() {
                    out.truncate(start);
                }
                return done;
            }
        }
    }
}

/// Appends the rest of a value that is not ASCII, up to its first NUL.
fn push_utf16(v: &[u8], out: &mut String) -> Option<()> {
    let units = v.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]]));
    for c in char::decode_utf16(units.take_while(|u| *u != 0)) {
        out.push(c.ok()?);
    }
    Some(())
}

/// Appends `n` as the renderer writes hex integers: `0x` and lower-case digits.
fn push_hex(n: u64, out: &mut String) {
    out.push_str("0x");
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(1);
    for i in (0..digits).rev() {
        let d = (n >> (4 * i)) & 0xf;
        out.push(char::from_digit(d as u32, 16).unwrap_or('0'));
    }
}

/// Whether text holds a control character (which renders in ways not mirrored here).
pub(super) fn has_control(s: &str) -> bool {
    // One pass without early exits over the bytes (it runs on every field of a kept record);
    // characters only where there is more than ASCII.
    let (mut control, mut high) = (false, false);
    for b in s.bytes() {
        control |= b < 0x20 || b == 0x7f;
        high |= b >= 0x80;
    }
    control || high && s.chars().any(char::is_control)
}

/// Bytes of which every code trigger holds one, but for `0x` (see [`might_hold_code`]). Not
/// `-` or `(`: the triggers with one also hold a space or `_`, and GUIDs and host names are
/// full of `-`.
const TRIGGER_BYTES: &[u8] = b"[=:_% ";

/// Whether code extraction could find anything in `text`: whether it holds a byte of
/// [`TRIGGER_BYTES`] or `0x` in either case. Most field values (names, numbers, states,
/// GUIDs) do not, and need no pass of the automaton.
pub(super) fn might_hold_code(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        TRIGGER_BYTES.contains(&c) || c == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X'))
    })
}

/// The text of a value used for a System slot: strings and integers.
fn value_text(ty: u8, v: &[u8]) -> Option<String> {
    match ty {
        0x01 => string(v),
        _ => integer(ty, v).map(|n| n.to_string()),
    }
}

fn resolve(slot: &Slot, values: &[(u8, &[u8], usize)]) -> Option<String> {
    match slot {
        Slot::None => None,
        Slot::Text(t) => Some(t.clone()),
        Slot::Sub(i) => {
            let (ty, v, _) = values.get(usize::from(*i))?;
            value_text(*ty, v)
        }
    }
}

/// A System number (event id, level): integers directly, other values through their text.
fn resolve_number<T: TryFrom<i128> + std::str::FromStr>(
    slot: &Slot,
    values: &[(u8, &[u8], usize)],
) -> Option<T> {
    if let Slot::Sub(i) = slot
        && let Some((ty, v, _)) = values.get(usize::from(*i))
        && let Some(n) = integer(*ty, v)
    {
        return T::try_from(n).ok();
    }
    resolve(slot, values)?.trim().parse().ok()
}

/// Deepest nesting of binary XML values read.
pub(super) const MAX_NESTING: u8 = 4;

impl Shapes {
    /// Forgets the shapes of the chunk before: definition offsets are chunk offsets.
    pub(crate) fn next_chunk(&mut self) {
        self.by_offset.clear();
    }

    /// Whether the record whose binary XML is at chunk offset `start` (`len` bytes) can
    /// only be counted: its level is informational, its provider and event id are not known
    /// to diagnosis, and no value carries a code or failure words.
    pub(crate) fn is_quiet(
        &mut self,
        data: &[u8],
        start: usize,
        len: usize,
        ex: &CodeExtractor,
    ) -> bool {
        read_instance(data, start, len).is_some_and(|inst| self.is_quiet_instance(data, &inst, ex))
    }

    /// [`Shapes::is_quiet`] for a record whose template instance is read.
    pub(crate) fn is_quiet_instance(
        &mut self,
        data: &[u8],
        inst: &Instance<'_>,
        ex: &CodeExtractor,
    ) -> bool {
        self.check(data, inst, ex).unwrap_or(false)
    }

    fn shape(&mut self, data: &[u8], def: u32, ex: &CodeExtractor) -> Option<Arc<Shape>> {
        if let Some(shape) = self.by_offset.get(&def) {
            return shape.clone();
        }
        let keyed = template_key(data, def, &mut self.key).is_some();
        let shape = match self.by_key.get(&self.key) {
            Some(shape) if keyed => shape.clone(),
            _ => {
                self.serials += 1;
                let serial = self.serials;
                let shape = read_shape(data, def, ex, &mut self.texts)
                    .map(|s| Arc::new(Shape { serial, ..s }));
                if keyed && self.by_key.len() < TEMPLATES {
                    self.by_key.insert(self.key.clone(), shape.clone());
                }
                shape
            }
        };
        self.by_offset.insert(def, shape.clone());
        shape
    }

    fn check(&mut self, data: &[u8], inst: &Instance<'_>, ex: &CodeExtractor) -> Option<bool> {
        let shape = self.shape(data, inst.def, ex)?;
        let level: u64 = resolve_number(&shape.level, &inst.values)?;
        if matches!(level, 1..=3) {
            return Some(false);
        }
        let fam = self.provider_family(&shape.provider, &inst.values)?;
        self.judge(&shape, inst, data, ex, fam)
    }

    /// The family of the provider a record names; a name given as a string value is looked
    /// up by its bytes (its text and family are worked out once).
    fn provider_family(&mut self, slot: &Slot, values: &[(u8, &[u8], usize)]) -> Option<Family> {
        let i = match slot {
            Slot::Text(t) => return Some(family(t)),
            Slot::Sub(i) => i,
            Slot::None => return None,
        };
        let &(ty, v, _) = values.get(usize::from(*i))?;
        if ty != 0x01 {
            return resolve(slot, values).map(|p| family(&p));
        }
        if let Some(&fam) = self.families.get(v) {
            return Some(fam);
        }
        let mut name = std::mem::take(&mut self.provider);
        name.clear();
        let fam = push_string(v, &mut name).map(|()| family(&name));
        self.provider = name;
        if let Some(fam) = fam
            && self.families.len() < TEMPLATES
        {
            self.families.insert(v.to_vec(), fam);
        }
        fam
    }

    /// [`Shapes::check`] once the level is informational, given the provider's family.
    fn judge(
        &mut self,
        shape: &Shape,
        inst: &Instance<'_>,
        data: &[u8],
        ex: &CodeExtractor,
        fam: Family,
    ) -> Option<bool> {
        let values = &inst.values;
        let id: u32 = resolve_number(&shape.event_id, values)?;
        if is_known(fam, id) || is_clock(fam, id) {
            return Some(false);
        }
        // SCM events gain a `service` field decoded from `Binary`; check every such decoding.
        let scm = fam == Family::ServiceControlManager;
        // All values, one per line: failure words and codes cannot span a line break, and
        // values holding control characters are rendered, so one scan of the lines finds
        // whatever a scan of each value would.
        // Values already found quiet, byte for byte, are quiet again: no text needed.
        let mut key = std::mem::take(&mut self.values);
        key.clear();
        key.push(u8::from(scm));
        let keyed = self.values_key(shape, inst, data, ex, &mut key, scm, 0).is_some();
        let known = keyed && self.quiet_values.contains(&key);
        let quiet = known || self.lines_quiet(shape, values, data, ex, scm)?;
        if quiet && keyed && !known && self.quiet_values.len() < QUIET_TEXTS {
            self.quiet_values.insert(key.clone());
        }
        self.values = key;
        Some(quiet)
    }

    /// Whether the values' text holds nothing that could make the record notable.
    fn lines_quiet(
        &mut self,
        shape: &Shape,
        values: &[(u8, &[u8], usize)],
        data: &[u8],
        ex: &CodeExtractor,
        scm: bool,
    ) -> Option<bool> {
        let mut lines = std::mem::take(&mut self.lines);
        lines.clear();
        self.unseen.clear();
        let quiet = self.values_quiet(shape, values, data, ex, &mut lines, scm, 0).map(|q| {
            q && (numeric(&lines) || self.quiet.contains(&lines) || {
                let mut codes = Vec::new();
                !FAILURE.is_match(&lines)
                    && {
                        if might_hold_code(&lines) {
                            ex.extract_into(&lines, &mut codes);
                        }
                        codes.is_empty()
                    }
                    && {
                        if self.quiet.len() < QUIET_TEXTS {
                            self.quiet.insert(lines.clone());
                        }
                        true
                    }
            })
        });
        self.lines = lines;
        // Each line holds whatever a scan of its value alone finds (no trigger or failure
        // word spans a line break, and a code found after a line's start is found there
        // alone too), so each of the new values is quiet on its own.
        if quiet == Some(true) {
            for &(at, len) in &self.unseen {
                if self.quiet_strings.len() < QUIET_STRINGS
                    && let Some(v) = data.get(at..at + len)
                {
                    self.quiet_strings.insert(v.to_vec());
                }
            }
        }
        quiet
    }

    /// Appends to `key` everything [`Shapes::values_quiet`] decides on: the shape, and each
    /// value's type and size (the descriptors, as they lie), with the bytes of those whose
    /// text it reads. Equal keys (with
    /// the same SCM flag) get equal answers. `None` for a value it does not read.
    #[expect(clippy::too_many_arguments, reason = "one recursive walk's state")]
    fn values_key(
        &mut self,
        shape: &Shape,
        inst: &Instance<'_>,
        data: &[u8],
        ex: &CodeExtractor,
        key: &mut Vec<u8>,
        scm: bool,
        depth: u8,
    ) -> Option<()> {
        key.extend_from_slice(&shape.serial.to_le_bytes());
        key.extend_from_slice(&(inst.values.len() as u32).to_le_bytes());
        key.extend_from_slice(inst.descriptors);
        for (i, &(ty, v, at)) in inst.values.iter().enumerate() {
            match ty {
                0x00 | 0x0f | 0x11 | 0x12 | 0x13 => {}
                0x03..=0x0a if !shape.code_sub(i) => {}
                // Only SCM events read binary values (for the service name).
                0x0e if !scm => {}
                0x01 | 0x03..=0x0a | 0x0e | 0x14 | 0x15 => key.extend_from_slice(v),
                0x21 if depth < MAX_NESTING => {
                    let inner = read_instance(data, at, v.len())?;
                    let shape = self.shape(data, inner.def, ex)?;
                    self.values_key(&shape, &inner, data, ex, key, scm, depth + 1)?;
                }
                _ => return None,
            }
        }
        Some(())
    }

    /// Checks an instance's values: string values join `lines` for the caller's scan;
    /// `Some(false)` when a value could make the record notable on its own, `None` when
    /// a value is not understood.
    #[expect(clippy::too_many_arguments, reason = "one recursive walk's state")]
    fn values_quiet(
        &mut self,
        shape: &Shape,
        values: &[(u8, &[u8], usize)],
        data: &[u8],
        ex: &CodeExtractor,
        lines: &mut String,
        scm: bool,
        depth: u8,
    ) -> Option<bool> {
        for (i, &(ty, v, at)) in values.iter().enumerate() {
            let code_sub = shape.code_sub(i);
            match ty {
                // Null, GUID, FILETIME, SYSTEMTIME, SID: nothing that could matter (their
                // rendered alphabet holds no trigger; a test checks that).
                0x00 | 0x0f | 0x11 | 0x12 | 0x13 => {}
                // A string found quiet on its own before is quiet again.
                0x01 if !code_sub && self.quiet_strings.contains(v) => {}
                0x01 => {
                    let start = lines.len();
                    push_string(v, lines)?;
                    let text = lines.get(start..)?;
                    if text.len() > LONG_VALUE
                        || text.bytes().any(|b| b < 0x20)
                        || code_sub && code_field(text).is_some()
                    {
                        return Some(false);
                    }
                    lines.push('\n');
                    if !code_sub && v.len() <= QUIET_STRING_BYTES {
                        self.unseen.push((at, v.len()));
                    }
                }
                // Decimal digits hold neither failure words nor a code trigger; only an
                // `errorCode` field reads them as a code.
                0x03..=0x0a => {
                    let n = integer(ty, v)?;
                    if code_sub && code_field(&n.to_string()).is_some() {
                        return Some(false);
                    }
                }
                // Hex integers render as `0x` and lower-case digits, checked like text.
                0x14 | 0x15 if v.len() == 4 * usize::from(ty - 0x13) => {
                    let mut b = [0u8; 8];
                    b.get_mut(..v.len())?.copy_from_slice(v);
                    let start = lines.len();
                    push_hex(u64::from_le_bytes(b), lines);
                    if code_sub && code_field(lines.get(start..)?).is_some() {
                        return Some(false);
                    }
                    lines.push('\n');
                }
                // Binary renders as upper-case hex (plain); SCM events also decode it to the
                // service name, which is checked like any text. Long values are rendered, as
                // the field cut changes what is decoded.
                0x0e => {
                    if code_sub || scm && 2 * v.len() > LONG_VALUE {
                        return Some(false);
                    }
                    if scm && let Some(svc) = service_from_bytes(v) {
                        lines.push_str(&svc);
                        lines.push('\n');
                    }
                }
                // Nested binary XML (how Windows writes most `EventData` and `UserData`):
                // its template's literal text and its values must be as quiet.
                0x21 => {
                    if depth >= MAX_NESTING {
                        return None;
                    }
                    let inner = read_instance(data, at, v.len())?;
                    let shape = self.shape(data, inner.def, ex)?;
                    if !self.values_quiet(&shape, &inner.values, data, ex, lines, scm, depth + 1)? {
                        return Some(false);
                    }
                }
                // Reals, booleans, ANSI strings, sizes, arrays: render.
                _ => return None,
            }
        }
        Some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::extract::TRIGGERS;
    use crate::event::FAILURE_WORDS;
    use evtx::binxml::value_variant::BinXmlValue;

    /// Every byte the renderer writes for GUIDs (`{lower hex-…}`), times
    /// (`2024-01-31T23:00:00.0000000Z`), SIDs (`S-1-5-18`, `S-?`) and binary (upper hex).
    const PLAIN: &[u8] = b"0123456789abcdefABCDEF{}-:.TZS?";

    #[test]
    fn plain_values_cannot_hold_a_trigger_or_failure_word() {
        for w in TRIGGERS.iter().chain(FAILURE_WORDS) {
            // Triggers match in any case.
            let outside = |b: u8| {
                !PLAIN.contains(&b.to_ascii_lowercase()) && !PLAIN.contains(&b.to_ascii_uppercase())
            };
            assert!(w.bytes().any(outside), "{w} is made of plain bytes");
        }
        let guid = BinXmlValue::GuidType([0xab; 16]).to_string();
        let binary = BinXmlValue::BinaryType(&[0x00, 0x9f, 0xfe]).to_string();
        for text in [guid, binary] {
            assert!(!text.is_empty() && text.bytes().all(|b| PLAIN.contains(&b)), "{text}");
        }
    }

    #[test]
    fn codes_are_only_found_where_a_trigger_byte_is() {
        for t in TRIGGERS {
            assert!(might_hold_code(t), "{t}");
            assert!(t.eq_ignore_ascii_case("0x") || t.bytes().any(|b| TRIGGER_BYTES.contains(&b)));
        }
        let ex = CodeExtractor::new();
        for text in
            ["HRESULT=80070005", "hr:0X80070005", "%%2147942414", "[80070005]", "0x80070005"]
        {
            assert!(might_hold_code(text) && !ex.extract(text).is_empty(), "{text}");
        }
        let guid = "{9482f4b4-e343-43b6-b170-9a65bc822c77}";
        for text in ["KB5031234", "5112", "Installed", "UpdateAgentLCU", "80070005", guid] {
            assert!(!might_hold_code(text) && ex.extract(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn numeric_text_cannot_hold_a_trigger_or_failure_word() {
        for w in TRIGGERS.iter().chain(FAILURE_WORDS) {
            assert!(!numeric(w), "{w} is made of numeric bytes");
        }
        assert!(numeric("4711\n-12, 3.5: 1/2\n"));
        assert!(!numeric("0x5") && !numeric("%%5") && !numeric("[80070005]"));
    }

    #[test]
    fn integers_read_as_the_renderer_writes_them() {
        assert_eq!(integer(0x04, &[0xff]), Some(255));
        assert_eq!(integer(0x03, &[0xff]), Some(-1));
        assert_eq!(integer(0x07, &[0xfe, 0xff, 0xff, 0xff]), Some(-2));
        assert_eq!(integer(0x0a, &[0xff; 8]), Some(i128::from(u64::MAX)));
        assert_eq!(integer(0x09, &[0xff; 8]), Some(-1));
        // A size that does not fit the type is not an integer.
        assert_eq!(integer(0x06, &[1]), None);
        assert_eq!(integer(0x01, &[1, 0]), None);
    }

    #[test]
    fn strings_stop_at_the_first_nul() {
        assert_eq!(string(b"a\0b\0\0\0c\0").as_deref(), Some("ab"));
        assert_eq!(string(b"\xe9\0x\0").as_deref(), Some("\u{e9}x"));
        assert_eq!(string(b"").as_deref(), Some(""));
        // A lone surrogate is not text.
        assert_eq!(string(b"\x00\xd8a\0"), None);
        // Past one block of ASCII, and ASCII then not.
        let long: Vec<u8> = (0..200u8).flat_map(|i| [b'a' + i % 26, 0]).collect();
        let text: String = (0..200u8).map(|i| char::from(b'a' + i % 26)).collect();
        assert_eq!(string(&long), Some(text.clone()));
        // A NUL, a non-ASCII unit or a high byte at every place of a four-unit block.
        for at in 0..12 {
            let mut v = long.clone();
            v[2 * at] = 0;
            assert_eq!(string(&v).as_deref(), text.get(..at), "NUL at {at}");
            v[2 * at] = 0xe9;
            let mut want = text.get(..12).unwrap_or_default().to_string();
            want.replace_range(at..=at, "\u{e9}");
            assert_eq!(string(&v).map(|s| s[..want.len()].to_string()), Some(want), "é at {at}");
            v[2 * at] = b'a';
            v[2 * at + 1] = 0x01;
            assert_eq!(string(&v).map(|s| s.chars().nth(at)), Some(Some('\u{161}')));
        }
        assert_eq!(string(b"a\0b\0\xe9\0c\0").as_deref(), Some("ab\u{e9}c"));
        let mut out = "x".to_string();
        assert_eq!(push_string(b"a\0b\0\x00\xd8", &mut out), None);
        assert_eq!(out, "x");
        // An odd trailing byte is not a unit.
        assert_eq!(string(b"a\0b").as_deref(), Some("a"));
    }

    /// Writes at `off` a template `<name>text</name>`, its name inline or, with `name_at`,
    /// shared from another offset; returns where its name is.
    fn put_template(data: &mut [u8], off: usize, name: &str, name_at: Option<u32>) -> u32 {
        let units: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut body = vec![0x01, 0, 0, 0, 0, 0, 0];
        let at = off + TEMPLATE_HEADER + body.len() + 4;
        let name_off = name_at.unwrap_or(at as u32);
        body.extend_from_slice(&name_off.to_le_bytes());
        if name_at.is_none() {
            body.extend_from_slice(&[0; 6]);
            body.extend_from_slice(&(units.len() as u16 / 2).to_le_bytes());
            body.extend_from_slice(&units);
            body.extend_from_slice(&[0, 0]);
        }
        body.extend_from_slice(&[0x02, 0x05, 0x01, 2, 0, b'h', 0, b'i', 0, 0x04, 0x00]);
        data[off + 20..off + 24].copy_from_slice(&(body.len() as u32).to_le_bytes());
        data[off + TEMPLATE_HEADER..off + TEMPLATE_HEADER + body.len()].copy_from_slice(&body);
        name_off
    }

    #[test]
    fn template_keys_do_not_depend_on_where_names_are() {
        let mut data = vec![0u8; 512];
        let shared = put_template(&mut data, 16, "Event", None);
        put_template(&mut data, 160, "Event", Some(shared));
        put_template(&mut data, 320, "Other", None);
        let key = |off: u32| {
            let mut k = Vec::new();
            template_key(&data, off, &mut k).map(|()| k)
        };
        let tokens = |off: u32| format!("{:?}", template_tokens(&data, off));
        assert!(key(16).is_some());
        assert_eq!(key(16), key(160));
        assert_eq!(tokens(16), tokens(160));
        assert!(tokens(16).contains("Open(\"Event\")"), "{}", tokens(16));
        assert_ne!(key(16), key(320));
        assert_ne!(tokens(16), tokens(320));
    }

    #[test]
    fn hex_as_formatted() {
        for n in [0, 1, 0xf, 0x10, 0x8000_0000_0000_0000, u64::MAX, 0x0123_4567_89ab_cdef] {
            let mut s = String::new();
            push_hex(n, &mut s);
            assert_eq!(s, format!("0x{n:x}"));
        }
    }

    #[test]
    fn control_characters_found_in_any_text() {
        assert!(has_control("a\tb"));
        assert!(has_control("a\u{7f}"));
        assert!(has_control("\u{e9}\u{85}"));
        assert!(!has_control("\u{e9}a b"));
    }
}
