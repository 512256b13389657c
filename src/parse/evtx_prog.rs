//! Kept evtx records read through a program compiled once per template definition.
//!
//! Expanding a template into a small element tree for every kept record, and reading its
//! fields back from that tree, was most of the time of a kept record. A template whose layout
//! is fixed (no nested binary XML in it, names given as literal text) says once where every
//! field of [`RawRecord`] comes from; a record then only reads those values. What depends on
//! the values themselves (a value that is null, empty, nested, or not plain text) is checked
//! per record, and the record goes back to the tree in [`super::evtx_direct`] whenever the
//! program cannot say what the tree would give. `check_built_records` compares the two on
//! every record where the program answers.

use super::evtx::{DATA_NAMES, MAX_FIELDS, Name, RawRecord, cut, name};
use super::evtx_direct::{Node, Piece, Raw, raw_text, raw_value};
use super::evtx_skip::has_control;
use crate::time::Timestamp;
use std::borrow::Cow;
use std::sync::Arc;

/// Where the fields of a record of one template come from.
#[derive(Debug)]
pub(super) struct Prog {
    /// Substitutions the tree expands without reading them: they must exist and not be
    /// nested binary XML, or the tree gives up on the record.
    guards: Vec<u16>,
    /// The `Name` of `Provider` (none: an empty provider).
    provider: Option<Vec<Piece>>,
    event_id: Option<Vec<Piece>>,
    level: Option<Vec<Piece>>,
    computer: Option<Vec<Piece>>,
    channel: Option<Vec<Piece>>,
    payload: Payload,
}

/// What follows `System`, on its own: the template of a nested payload.
#[derive(Debug)]
pub(super) struct Part {
    guards: Vec<u16>,
    payload: Payload,
}

#[derive(Debug)]
enum Payload {
    None,
    /// A substitution holding the payload as nested binary XML (how Windows writes it).
    Nested {
        index: u16,
        optional: bool,
    },
    /// `EventData` keys in document order.
    EventData(Vec<Key>),
    /// `UserData` holding one element with leaves: its name, then each leaf.
    UserData(Arc<str>, Vec<(Name, Vec<Piece>)>),
    /// `UserData` holding one element with attributes only: no field.
    UserDataEmpty,
}

#[derive(Debug)]
enum Key {
    /// The run of unnamed `Data` values, numbered `data1`, `data2`, …
    Data(Vec<Vec<Piece>>),
    /// A named `Data` (an empty value is an empty string) or a leaf element (its value must
    /// not be empty).
    Field { name: Name, pieces: Vec<Piece>, named_data: bool },
}

/// An element's parts, borrowed from a node.
type Elem<'n> = (&'n Arc<str>, &'n [(Arc<str>, Vec<Piece>)], &'n [Node]);

fn elem(node: &Node) -> Option<Elem<'_>> {
    match node {
        Node::Elem { name, attrs, kids } => Some((name, attrs, kids)),
        Node::Piece(_) => None,
    }
}

/// The element children of `kids`; `None` when text or a substitution sits among them.
fn elements(kids: &[Node]) -> Option<Vec<Elem<'_>>> {
    kids.iter().map(elem).collect()
}

/// The content of an element made of text and substitutions only.
fn pieces(kids: &[Node]) -> Option<Vec<Piece>> {
    kids.iter()
        .map(|k| match k {
            Node::Piece(p) => Some(p.clone()),
            Node::Elem { .. } => None,
        })
        .collect()
}

/// The substitutions of every attribute, which the tree expands; at most one `Name`.
fn guard_attrs(attrs: &[(Arc<str>, Vec<Piece>)], guards: &mut Vec<u16>) -> Option<()> {
    if attrs.iter().filter(|(a, _)| &**a == "Name").count() > 1 {
        return None;
    }
    for (_, ps) in attrs {
        for p in ps {
            if let Piece::Sub { index, .. } = p {
                guards.push(*index);
            }
        }
    }
    Some(())
}

/// A JSON key that `from_json` reads as an ordinary field name.
fn plain_key(k: &str) -> bool {
    k != "Data" && !k.ends_with("_attributes") && !k.starts_with('#')
}

/// Compiles a template definition; `None` when its layout is not a fixed one handled here.
pub(super) fn compile(nodes: &[Node]) -> Option<Prog> {
    let [event] = nodes else { return None };
    let (name, attrs, kids) = elem(event)?;
    if &**name != "Event" {
        return None;
    }
    let mut guards = Vec::new();
    guard_attrs(attrs, &mut guards)?;
    let (system, after) = kids.split_first()?;
    let (name, attrs, kids) = elem(system)?;
    if &**name != "System" {
        return None;
    }
    guard_attrs(attrs, &mut guards)?;
    let mut prog = Prog {
        guards: Vec::new(),
        provider: None,
        event_id: None,
        level: None,
        computer: None,
        channel: None,
        payload: Payload::None,
    };
    let mut provider_seen = false;
    for (name, attrs, kids) in elements(kids)? {
        let slot = match &**name {
            "Provider" => {
                if provider_seen {
                    return None;
                }
                provider_seen = true;
                guard_attrs(attrs, &mut guards)?;
                // Its content is expanded but not read.
                for p in pieces(kids)? {
                    if let Piece::Sub { index, .. } = p {
                        guards.push(index);
                    }
                }
                let name = attrs.iter().find(|(a, _)| &**a == "Name").map(|(_, ps)| ps.clone());
                prog.provider = name;
                continue;
            }
            "EventID" => &mut prog.event_id,
            "Level" => &mut prog.level,
            "Computer" => &mut prog.computer,
            "Channel" => &mut prog.channel,
            // Not expanded by the tree.
            _ => continue,
        };
        if slot.is_some() {
            return None;
        }
        guard_attrs(attrs, &mut guards)?;
        *slot = Some(pieces(kids)?);
    }
    prog.payload = match after {
        [] => Payload::None,
        [Node::Piece(Piece::Sub { index, optional })] => {
            Payload::Nested { index: *index, optional: *optional }
        }
        [payload] => payload_of(payload, &mut guards)?,
        _ => return None,
    };
    guards.sort_unstable();
    guards.dedup();
    prog.guards = guards;
    Some(prog)
}

/// Compiles the template of a nested payload: one `EventData` or `UserData` element.
pub(super) fn compile_part(nodes: &[Node]) -> Option<Part> {
    let [payload] = nodes else { return None };
    let mut guards = Vec::new();
    let payload = payload_of(payload, &mut guards)?;
    guards.sort_unstable();
    guards.dedup();
    Some(Part { guards, payload })
}

fn payload_of(node: &Node, guards: &mut Vec<u16>) -> Option<Payload> {
    let (name, attrs, kids) = elem(node)?;
    guard_attrs(attrs, guards)?;
    match &**name {
        "EventData" => Some(Payload::EventData(event_data(kids, guards)?)),
        "UserData" => user_data(kids, guards),
        _ => None,
    }
}

/// `EventData` keys as `evtx_direct::event_data` gathers them, decided once.
fn event_data(kids: &[Node], guards: &mut Vec<u16>) -> Option<Vec<Key>> {
    let mut keys: Vec<Key> = Vec::new();
    for (name, attrs, kids) in elements(kids)? {
        guard_attrs(attrs, guards)?;
        let content = pieces(kids)?;
        let key = if &**name != "Data" {
            if !attrs.is_empty() || !plain_key(name) {
                return None;
            }
            Key::Field { name: self::name(name), pieces: content, named_data: false }
        } else if attrs.is_empty() {
            if let Some(Key::Data(items)) = keys.last_mut() {
                items.push(content);
                continue;
            }
            if keys.iter().any(|k| matches!(k, Key::Data(_))) {
                return None;
            }
            Key::Data(vec![content])
        } else {
            // One `Name` attribute holding one literal text.
            let [(attr, ps)] = attrs else { return None };
            let [Piece::Text(field)] = ps.as_slice() else { return None };
            if &**attr != "Name"
                || field.is_empty()
                || field.chars().any(char::is_control)
                || !plain_key(field)
            {
                return None;
            }
            Key::Field { name: self::name(field), pieces: content, named_data: true }
        };
        if let Key::Field { name, .. } = &key
            && keys.iter().any(|k| matches!(k, Key::Field { name: n, .. } if n == name))
        {
            return None;
        }
        keys.push(key);
    }
    Some(keys)
}

/// `UserData` as `evtx_direct::user_data` reads it, decided once.
fn user_data(kids: &[Node], guards: &mut Vec<u16>) -> Option<Payload> {
    let [inner] = kids else { return None };
    let (name, attrs, kids) = elem(inner)?;
    guard_attrs(attrs, guards)?;
    if name.ends_with("_attributes") || name.starts_with('#') {
        return None;
    }
    let leaves = elements(kids)?;
    if leaves.is_empty() {
        return (!attrs.is_empty()).then_some(Payload::UserDataEmpty);
    }
    let mut out: Vec<(Name, Vec<Piece>)> = Vec::with_capacity(leaves.len());
    for (leaf, attrs, kids) in leaves {
        if !attrs.is_empty() || !plain_key(leaf) || out.iter().any(|(n, _)| **n == **leaf) {
            return None;
        }
        out.push((self::name(leaf), pieces(kids)?));
    }
    Some(Payload::UserData(Arc::clone(name), out))
}

/// One value in place, as the tree would hold it.
#[derive(Clone, Copy)]
enum V<'p, 'd> {
    Text(&'p str),
    Raw(Raw<'d>),
}

/// What an element's pieces expand to: nothing, one value, or more.
enum Got<'p, 'd> {
    Zero,
    One(V<'p, 'd>),
    Many,
}

/// What an element holds, as far as its JSON value goes.
enum Content {
    Null,
    Empty,
    Text(String),
}

/// A value the program cannot read as the tree would.
struct NotPlain;

/// The values of one record, read on demand.
struct Values<'v, 'd> {
    values: &'v [(u8, &'d [u8], usize)],
}

impl<'d> Values<'_, 'd> {
    fn get(&self, index: u16) -> Option<Raw<'d>> {
        let &(ty, v, at) = self.values.get(usize::from(index))?;
        Some(raw_value(ty, v, at))
    }

    /// Expands pieces; `None` where the tree would give up (a missing or nested value).
    fn expand<'p>(&self, pieces: &'p [Piece]) -> Option<Got<'p, 'd>> {
        let mut got = Got::Zero;
        for p in pieces {
            let v = match p {
                Piece::Text(t) => V::Text(t),
                Piece::Sub { index, optional } => match self.get(*index)? {
                    Raw::Nested(..) => return None,
                    Raw::Null if *optional => continue,
                    r => V::Raw(r),
                },
            };
            got = match got {
                Got::Zero => Got::One(v),
                _ => Got::Many,
            };
        }
        Some(got)
    }

    /// An element's content; `None` when it is not a single plain value.
    fn content(&self, pieces: &[Piece]) -> Option<Content> {
        match self.expand(pieces)? {
            Got::Zero | Got::One(V::Raw(Raw::Null)) => Some(Content::Null),
            Got::One(v) => {
                let t = text(v)?;
                Some(if t.is_empty() { Content::Empty } else { Content::Text(t) })
            }
            Got::Many => None,
        }
    }

    /// A System number: an integer value as is, other values through their text.
    fn number(&self, pieces: Option<&[Piece]>) -> Result<Option<u64>, NotPlain> {
        let Some(pieces) = pieces else { return Ok(None) };
        if let Got::One(V::Raw(Raw::Int(n))) = self.expand(pieces).ok_or(NotPlain)? {
            return Ok(u64::try_from(n).ok());
        }
        Ok(match self.content(pieces).ok_or(NotPlain)? {
            Content::Text(t) => t.trim().parse().ok(),
            Content::Null | Content::Empty => None,
        })
    }

    fn system_text(&self, pieces: Option<&[Piece]>) -> Option<String> {
        let Some(pieces) = pieces else { return Some(String::new()) };
        Some(match self.content(pieces)? {
            Content::Text(t) => t,
            Content::Null | Content::Empty => String::new(),
        })
    }
}

/// The text the JSON rendering holds for a value, when it is a plain one.
fn text(v: V<'_, '_>) -> Option<String> {
    let s = match v {
        V::Text(t) => t.to_string(),
        V::Raw(r) => raw_text(r)?,
    };
    (!has_control(&s)).then_some(s)
}

/// Whether every guarded substitution is there and not nested.
fn guarded(guards: &[u16], vals: &Values<'_, '_>) -> Option<()> {
    for &g in guards {
        if matches!(vals.get(g)?, Raw::Nested(..)) {
            return None;
        }
    }
    Some(())
}

impl Prog {
    /// The record's fields, or `None` when the tree should build it; with the chunk offset
    /// and length of its payload when that is nested binary XML, for [`Part::fields`].
    pub(super) fn run(
        &self,
        values: &[(u8, &[u8], usize)],
        record_id: u64,
        time: Timestamp,
    ) -> Option<(RawRecord, Option<(usize, usize)>)> {
        let vals = Values { values };
        guarded(&self.guards, &vals)?;
        let provider = match &self.provider {
            None => String::new(),
            Some(ps) => match vals.expand(ps)? {
                Got::One(v) => text(v).filter(|t| !t.is_empty())?,
                Got::Zero | Got::Many => return None,
            },
        };
        let event_id =
            vals.number(self.event_id.as_deref()).ok()?.and_then(|n| u32::try_from(n).ok());
        let level = vals.number(self.level.as_deref()).ok()?.unwrap_or(4);
        let computer = vals.system_text(self.computer.as_deref())?;
        let channel = vals.system_text(self.channel.as_deref())?;
        let mut fields = Vec::new();
        let mut nested = None;
        if let Payload::Nested { index, optional } = self.payload {
            match vals.get(index)? {
                Raw::Nested(at, len) => nested = Some((at, len)),
                Raw::Null if optional => {}
                _ => return None,
            }
        } else {
            payload_fields(&self.payload, &vals, &mut fields)?;
        }
        let raw = RawRecord {
            record_id,
            time,
            recovered: false,
            provider,
            event_id,
            level,
            computer,
            channel,
            fields,
        };
        Some((raw, nested))
    }
}

impl Part {
    /// Appends the fields of a nested payload whose values are `values`.
    pub(super) fn fields(
        &self,
        values: &[(u8, &[u8], usize)],
        out: &mut Vec<(Name, String)>,
    ) -> Option<()> {
        let vals = Values { values };
        guarded(&self.guards, &vals)?;
        payload_fields(&self.payload, &vals, out)
    }
}

fn payload_fields(
    payload: &Payload,
    vals: &Values<'_, '_>,
    fields: &mut Vec<(Name, String)>,
) -> Option<()> {
    match payload {
        Payload::None | Payload::UserDataEmpty => {}
        // A payload nested in a nested payload is left to the tree.
        Payload::Nested { .. } => return None,
        Payload::EventData(keys) => event_data_fields(keys, vals, fields)?,
        Payload::UserData(name, leaves) => {
            // With room for `Computer`, `Channel` and an SCM `service`, added after.
            fields.reserve(leaves.len() + 4);
            fields.push((Cow::Borrowed("payload"), String::from(&**name)));
            for (leaf, ps) in leaves {
                // An empty leaf renders as null, which is left out.
                let value = match vals.content(ps)? {
                    Content::Text(t) => t,
                    Content::Empty => continue,
                    Content::Null => return None,
                };
                if fields.len() < MAX_FIELDS {
                    fields.push((leaf.clone(), cut(value)));
                }
            }
        }
    }
    Some(())
}

/// `EventData` fields. A value that cannot be rendered gives up on the whole record, so
/// values past the field cap are still read.
fn event_data_fields(
    keys: &[Key],
    vals: &Values<'_, '_>,
    out: &mut Vec<(Name, String)>,
) -> Option<()> {
    // With room for `Computer`, `Channel` and an SCM `service`, added after.
    out.reserve(keys.len() + 3);
    for key in keys {
        let room = out.len() < MAX_FIELDS;
        match key {
            Key::Data(items) => {
                for (i, ps) in items.iter().enumerate() {
                    let v = vals.content(ps).and_then(non_empty)?;
                    if room && let Some(name) = DATA_NAMES.get(i) {
                        out.push((Cow::Borrowed(*name), cut(v)));
                    }
                }
            }
            Key::Field { name, pieces, named_data } => {
                let v = match vals.content(pieces)? {
                    Content::Text(t) => t,
                    Content::Empty if *named_data => String::new(),
                    Content::Empty | Content::Null => return None,
                };
                if room {
                    out.push((name.clone(), cut(v)));
                }
            }
        }
    }
    Some(())
}

fn non_empty(c: Content) -> Option<String> {
    match c {
        Content::Text(t) => Some(t),
        Content::Null | Content::Empty => None,
    }
}
