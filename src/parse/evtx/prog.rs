//! Kept evtx records read through a program compiled once per template definition.
//!
//! Expanding a template into a small element tree for every kept record, and reading its
//! fields back from that tree, was most of the time of a kept record. A template whose layout
//! is fixed (no nested binary XML in it, names given as literal text) says once where every
//! field of [`RawRecord`] comes from; a record then only reads those values. What depends on
//! the values themselves (a value that is null, empty, nested, or not plain text) is checked
//! per record, and the record goes back to the tree in [`super::direct`] whenever the
//! program cannot say what the tree would give. `check_built_records` compares the two on
//! every record where the program answers.

use super::direct::{Node, Piece, Raw, raw_text_into, raw_value};
use super::skip::has_control;
use super::{DATA_NAMES, MAX_FIELD_CHARS, MAX_FIELDS, Name, RawRecord, name};
use crate::time::Timestamp;
use std::borrow::Cow;
use std::ops::Range;
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

/// What an element holds, as far as its JSON value goes (its text, if any, is appended to
/// the record's [`View`]).
enum Kind {
    Null,
    Empty,
    Text,
}

/// A record's texts written one after another into one buffer, with where each lies: what
/// the program reads of a record before any string of it is made (most records made are
/// left out once their codes and message are known).
#[derive(Debug, Default)]
pub(crate) struct View {
    text: String,
    provider: Range<usize>,
    computer: Range<usize>,
    channel: Range<usize>,
    pub(crate) event_id: Option<u32>,
    pub(crate) level: u64,
    fields: Vec<(Name, Range<usize>)>,
    /// Where a payload given as nested binary XML lies (chunk offset, length).
    pub(crate) nested: Option<(usize, usize)>,
}

impl View {
    fn get(&self, at: &Range<usize>) -> &str {
        self.text.get(at.clone()).unwrap_or_default()
    }

    pub(crate) fn provider(&self) -> &str {
        self.get(&self.provider)
    }

    pub(crate) fn computer(&self) -> &str {
        self.get(&self.computer)
    }

    pub(crate) fn channel(&self) -> &str {
        self.get(&self.channel)
    }

    /// The fields of the record's payload, in document order.
    pub(crate) fn fields(&self) -> impl Iterator<Item = (&Name, &str)> {
        self.fields.iter().map(|(k, at)| (k, self.get(at)))
    }

    /// The record with its texts made into strings.
    pub(crate) fn to_raw(&self, record_id: u64, time: Timestamp) -> RawRecord {
        // With room for `Computer`, `Channel` and an SCM `service`, added after.
        let mut fields = Vec::with_capacity(self.fields.len() + 3);
        fields.extend(self.fields().map(|(k, v)| (k.clone(), v.to_string())));
        RawRecord {
            record_id,
            time,
            recovered: false,
            provider: self.provider().to_string(),
            event_id: self.event_id,
            level: self.level,
            computer: self.computer().to_string(),
            channel: self.channel().to_string(),
            fields,
        }
    }

    /// Appends a field whose text was appended from `start`, cut as [`cut`] cuts; with no
    /// room for it, its text goes again.
    fn push_field(&mut self, name: Name, start: usize, room: bool) {
        if !room {
            self.text.truncate(start);
            return;
        }
        if self.text.len() - start > MAX_FIELD_CHARS {
            let mut at = start + MAX_FIELD_CHARS;
            while !self.text.is_char_boundary(at) {
                at -= 1;
            }
            self.text.truncate(at);
            self.text.push('…');
        }
        self.fields.push((name, start..self.text.len()));
    }
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

    /// An element's content, its text appended to `out`; `None` when it is not a single plain
    /// value.
    fn content_into(&self, pieces: &[Piece], out: &mut String) -> Option<Kind> {
        match self.expand(pieces)? {
            Got::Zero | Got::One(V::Raw(Raw::Null)) => Some(Kind::Null),
            Got::One(v) => {
                let start = out.len();
                text_into(v, out)?;
                Some(if out.len() == start { Kind::Empty } else { Kind::Text })
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
        let mut t = String::new();
        Ok(match self.content_into(pieces, &mut t).ok_or(NotPlain)? {
            Kind::Text => t.trim().parse().ok(),
            Kind::Null | Kind::Empty => None,
        })
    }

    /// A System text appended to `out` (none when the value is null or missing), and where it
    /// lies.
    fn system_into(&self, pieces: Option<&[Piece]>, out: &mut String) -> Option<Range<usize>> {
        let start = out.len();
        if let Some(pieces) = pieces {
            self.content_into(pieces, out)?;
        }
        Some(start..out.len())
    }
}

/// Appends the text the JSON rendering holds for a value, when it is a plain one.
fn text_into(v: V<'_, '_>, out: &mut String) -> Option<()> {
    let start = out.len();
    match v {
        V::Text(t) => out.push_str(t),
        V::Raw(r) => raw_text_into(r, out)?,
    }
    (!has_control(out.get(start..)?)).then_some(())
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
    /// Reads the record into `view`, or `None` when the tree should build it; `view.nested`
    /// is the chunk offset and length of its payload when that is nested binary XML, for
    /// [`Part::fields_into`].
    pub(super) fn run_into(&self, values: &[(u8, &[u8], usize)], view: &mut View) -> Option<()> {
        view.text.clear();
        view.fields.clear();
        let vals = Values { values };
        guarded(&self.guards, &vals)?;
        let start = view.text.len();
        view.provider = match &self.provider {
            None => start..start,
            Some(ps) => match vals.expand(ps)? {
                Got::One(v) => {
                    text_into(v, &mut view.text)?;
                    if view.text.len() == start {
                        return None;
                    }
                    start..view.text.len()
                }
                Got::Zero | Got::Many => return None,
            },
        };
        view.event_id =
            vals.number(self.event_id.as_deref()).ok()?.and_then(|n| u32::try_from(n).ok());
        view.level = vals.number(self.level.as_deref()).ok()?.unwrap_or(4);
        view.computer = vals.system_into(self.computer.as_deref(), &mut view.text)?;
        view.channel = vals.system_into(self.channel.as_deref(), &mut view.text)?;
        view.nested = None;
        if let Payload::Nested { index, optional } = self.payload {
            match vals.get(index)? {
                Raw::Nested(at, len) => view.nested = Some((at, len)),
                Raw::Null if optional => {}
                _ => return None,
            }
        } else {
            payload_into(&self.payload, &vals, view)?;
        }
        Some(())
    }
}

impl Part {
    /// Appends to `view` the fields of a nested payload whose values are `values`.
    pub(super) fn fields_into(&self, values: &[(u8, &[u8], usize)], view: &mut View) -> Option<()> {
        let vals = Values { values };
        guarded(&self.guards, &vals)?;
        payload_into(&self.payload, &vals, view)
    }
}

fn payload_into(payload: &Payload, vals: &Values<'_, '_>, view: &mut View) -> Option<()> {
    match payload {
        Payload::None | Payload::UserDataEmpty => {}
        // A payload nested in a nested payload is left to the tree.
        Payload::Nested { .. } => return None,
        Payload::EventData(keys) => event_data_into(keys, vals, view)?,
        Payload::UserData(name, leaves) => {
            let start = view.text.len();
            view.text.push_str(name);
            view.fields.push((Cow::Borrowed("payload"), start..view.text.len()));
            for (leaf, ps) in leaves {
                // An empty leaf renders as null, which is left out.
                let start = view.text.len();
                match vals.content_into(ps, &mut view.text)? {
                    Kind::Text => {}
                    Kind::Empty => continue,
                    Kind::Null => return None,
                }
                let room = view.fields.len() < MAX_FIELDS;
                view.push_field(leaf.clone(), start, room);
            }
        }
    }
    Some(())
}

/// `EventData` fields. A value that cannot be rendered gives up on the whole record, so
/// values past the field cap are still read.
fn event_data_into(keys: &[Key], vals: &Values<'_, '_>, view: &mut View) -> Option<()> {
    for key in keys {
        let room = view.fields.len() < MAX_FIELDS;
        match key {
            Key::Data(items) => {
                for (i, ps) in items.iter().enumerate() {
                    let start = view.text.len();
                    let Kind::Text = vals.content_into(ps, &mut view.text)? else { return None };
                    match DATA_NAMES.get(i) {
                        Some(name) => view.push_field(Cow::Borrowed(*name), start, room),
                        None => view.text.truncate(start),
                    }
                }
            }
            Key::Field { name, pieces, named_data } => {
                let start = view.text.len();
                match vals.content_into(pieces, &mut view.text)? {
                    Kind::Text => {}
                    Kind::Empty if *named_data => {}
                    Kind::Empty | Kind::Null => return None,
                }
                view.push_field(name.clone(), start, room);
            }
        }
    }
    Some(())
}
