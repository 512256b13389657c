//! Kept evtx records built straight from their template and substitution values.
//!
//! Rendering a record to JSON in the crate and reading the JSON back was most of the time
//! of a kept record. Here the template definition is read once per chunk, the values are
//! put in place, and the fields are taken as [`super::from_json`] would take them from
//! the rendering. Only plain layouts are built: `Event` holding `System` and then
//! `EventData` (named or unnamed `Data` and leaf elements) or `UserData` (one element of
//! leaf elements), with values that are text, integers, GUIDs or binary, nested binary XML
//! included. Anything else is `None`, and the record is rendered as before. The `evtx` fuzz
//! target and `tests/corpus.rs` check on every record that a built record equals the
//! rendered one.

use super::prog::{Part, Prog, View, compile, compile_part};
use super::skip::{
    Instance, MAX_NESTING, TEMPLATES, Token, has_control, integer, push_string, read_instance,
    template_key, template_tokens,
};
use super::word_hash::Seeded;
use super::{DATA_NAMES, MAX_FIELDS, Name, RawRecord, cut, name};
use crate::time::Timestamp;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

/// A node of a template definition.
#[derive(Debug)]
pub(super) enum Node {
    Elem { name: Arc<str>, attrs: Vec<(Arc<str>, Vec<Piece>)>, kids: Vec<Node> },
    Piece(Piece),
}

/// Literal text or a substitution.
#[derive(Debug, Clone)]
pub(super) enum Piece {
    Text(Arc<str>),
    Sub { index: u16, optional: bool },
}

/// A substitution value as read from the chunk.
#[derive(Debug, Clone, Copy)]
pub(super) enum Raw<'d> {
    Null,
    Utf16(&'d [u8]),
    Int(i128),
    Guid(&'d [u8]),
    Binary(&'d [u8]),
    /// Nested binary XML: its offset in the chunk and its length.
    Nested(usize, usize),
    /// A type not built here.
    Other,
}

/// A value in place: template text or a substitution value.
#[derive(Debug, Clone)]
enum Val<'d> {
    Text(Arc<str>),
    Raw(Raw<'d>),
}

/// An element with its values in place.
#[derive(Debug)]
struct El<'d> {
    name: Arc<str>,
    /// How many attributes it has.
    attrs: usize,
    /// The value of its `Name` attribute.
    name_attr: Option<Vec<Val<'d>>>,
    kids: Vec<Kid<'d>>,
}

#[derive(Debug)]
enum Kid<'d> {
    El(El<'d>),
    Val(Val<'d>),
}

/// A template definition read into nodes, and its program when its layout is a fixed one.
#[derive(Debug)]
struct Template {
    nodes: Vec<Node>,
    /// For a record's template.
    prog: Option<Prog>,
    /// For the template of a nested payload.
    part: Option<Part>,
}

/// Template definitions of the current chunk by offset (`None`: not built here).
#[derive(Debug, Default)]
pub(crate) struct Trees {
    by_offset: HashMap<u32, Option<Arc<Template>>, Seeded>,
    /// Templates by [`template_key`], kept from chunk to chunk.
    by_key: HashMap<Vec<u8>, Option<Arc<Template>>, Seeded>,
    key: Vec<u8>,
}

impl Trees {
    /// Forgets the chunk before: definition offsets are chunk offsets.
    pub(crate) fn next_chunk(&mut self) {
        self.by_offset.clear();
    }

    /// The fields of the record whose binary XML is at chunk offset `start` (`len` bytes), or
    /// `None` when its layout is not one built here.
    pub(crate) fn record(
        &mut self,
        data: &[u8],
        start: usize,
        len: usize,
        record_id: u64,
        time: Timestamp,
    ) -> Option<RawRecord> {
        let inst = read_instance(data, start, len);
        self.record_of(data, inst.as_ref(), start, len, record_id, time)
    }

    /// [`Trees::record`] given the record's template instance, read once for the quiet
    /// check and the program (`None` when it does not read as one).
    pub(crate) fn record_of(
        &mut self,
        data: &[u8],
        inst: Option<&Instance<'_>>,
        start: usize,
        len: usize,
        record_id: u64,
        time: Timestamp,
    ) -> Option<RawRecord> {
        inst.and_then(|inst| self.compiled_of(data, inst, record_id, time))
            .or_else(|| self.expanded(data, start, len, record_id, time))
    }

    /// The record read through its template's program; `None` when the program cannot say.
    pub(crate) fn compiled(
        &mut self,
        data: &[u8],
        start: usize,
        len: usize,
        record_id: u64,
        time: Timestamp,
    ) -> Option<RawRecord> {
        let inst = read_instance(data, start, len)?;
        self.compiled_of(data, &inst, record_id, time)
    }

    /// [`Trees::compiled`] given the record's template instance.
    fn compiled_of(
        &mut self,
        data: &[u8],
        inst: &Instance<'_>,
        record_id: u64,
        time: Timestamp,
    ) -> Option<RawRecord> {
        let mut view = View::default();
        self.view_of(data, inst, &mut view)?;
        Some(view.to_raw(record_id, time))
    }

    /// The record read through its template's program into `view`, its texts not yet made
    /// into strings; `None` when the program cannot say.
    pub(crate) fn view_of(
        &mut self,
        data: &[u8],
        inst: &Instance<'_>,
        view: &mut View,
    ) -> Option<()> {
        let tree = self.tree(data, inst.def)?;
        tree.prog.as_ref()?.run_into(&inst.values, view)?;
        if let Some((at, len)) = view.nested {
            let inner = read_instance(data, at, len)?;
            let part = self.tree(data, inner.def)?;
            part.part.as_ref()?.fields_into(&inner.values, view)?;
        }
        // A field name not safe in the crate's JSON sends the record through the crate.
        view.fields().all(|(k, _)| super::skip::json_safe_name(k)).then_some(())
    }

    /// The record read from its template expanded into a tree.
    pub(crate) fn expanded(
        &mut self,
        data: &[u8],
        start: usize,
        len: usize,
        record_id: u64,
        time: Timestamp,
    ) -> Option<RawRecord> {
        let root = self.expand_instance(data, start, len, 0)?;
        let mut raw = fields(&root)?;
        raw.record_id = record_id;
        raw.time = time;
        plain_names(raw)
    }

    fn tree(&mut self, data: &[u8], offset: u32) -> Option<Arc<Template>> {
        if let Some(tree) = self.by_offset.get(&offset) {
            return tree.clone();
        }
        let keyed = template_key(data, offset, &mut self.key).is_some();
        let tree = match self.by_key.get(&self.key) {
            Some(tree) if keyed => tree.clone(),
            _ => {
                let tree = read_template(data, offset).map(|nodes| {
                    let (prog, part) = (compile(&nodes), compile_part(&nodes));
                    Arc::new(Template { nodes, prog, part })
                });
                if keyed && self.by_key.len() < TEMPLATES {
                    self.by_key.insert(self.key.clone(), tree.clone());
                }
                tree
            }
        };
        self.by_offset.insert(offset, tree.clone());
        tree
    }

    /// A fragment holding one template instance (a record, or a nested value), expanded.
    fn expand_instance<'d>(
        &mut self,
        data: &'d [u8],
        base: usize,
        len: usize,
        depth: u8,
    ) -> Option<Vec<Kid<'d>>> {
        if depth > MAX_NESTING {
            return None;
        }
        let inst = read_instance(data, base, len)?;
        let tree = self.tree(data, inst.def)?;
        let values: Vec<Raw<'d>> =
            inst.values.into_iter().map(|(ty, v, at)| raw_value(ty, v, at)).collect();
        let mut out = Vec::new();
        for node in &tree.nodes {
            self.expand(node, &values, data, depth, &mut out)?;
        }
        Some(out)
    }

    fn expand<'d>(
        &mut self,
        node: &Node,
        values: &[Raw<'d>],
        data: &'d [u8],
        depth: u8,
        out: &mut Vec<Kid<'d>>,
    ) -> Option<()> {
        match node {
            Node::Elem { name, attrs, kids } => {
                // Only a `Name` attribute is read (`Provider`, `Data`); the others are counted.
                let mut el = El {
                    name: Arc::clone(name),
                    attrs: attrs.len(),
                    name_attr: None,
                    kids: Vec::with_capacity(kids.len()),
                };
                for (attr, pieces) in attrs {
                    let keep = &**attr == "Name";
                    let mut vals = Vec::new();
                    for p in pieces {
                        match p {
                            Piece::Text(t) if keep => vals.push(Val::Text(Arc::clone(t))),
                            Piece::Text(_) => {}
                            Piece::Sub { index, optional } => {
                                match *values.get(usize::from(*index))? {
                                    Raw::Nested(..) => return None,
                                    Raw::Null if *optional => {}
                                    v if keep => vals.push(Val::Raw(v)),
                                    _ => {}
                                }
                            }
                        }
                    }
                    if keep && el.name_attr.replace(vals).is_some() {
                        return None;
                    }
                }
                let system = &**name == "System";
                for kid in kids {
                    // Of `System`, only what `fields` reads is built.
                    if system
                        && let Node::Elem { name, .. } = kid
                        && !SYSTEM_READ.contains(&&**name)
                    {
                        continue;
                    }
                    self.expand(kid, values, data, depth, &mut el.kids)?;
                }
                out.push(Kid::El(el));
            }
            Node::Piece(Piece::Text(t)) => out.push(Kid::Val(Val::Text(Arc::clone(t)))),
            Node::Piece(Piece::Sub { index, optional }) => {
                match *values.get(usize::from(*index))? {
                    Raw::Nested(at, len) => {
                        out.extend(self.expand_instance(data, at, len, depth + 1)?);
                    }
                    Raw::Null if *optional => {}
                    v => out.push(Kid::Val(Val::Raw(v))),
                }
            }
        }
        Some(())
    }
}

/// The `System` elements that [`fields`] reads.
const SYSTEM_READ: [&str; 5] = ["Provider", "EventID", "Level", "Computer", "Channel"];

/// A value of `BinXML` type `ty` held in `v` (at chunk offset `at`).
pub(super) fn raw_value(ty: u8, v: &[u8], at: usize) -> Raw<'_> {
    match ty {
        0x00 => Raw::Null,
        0x01 => Raw::Utf16(v),
        0x03..=0x0a => integer(ty, v).map_or(Raw::Other, Raw::Int),
        0x0e => Raw::Binary(v),
        0x0f if v.len() == 16 => Raw::Guid(v),
        0x21 if !v.is_empty() => Raw::Nested(at, v.len()),
        _ => Raw::Other,
    }
}

/// Reads the template definition at `offset` into nodes; `None` for anything unexpected.
fn read_template(data: &[u8], offset: u32) -> Option<Vec<Node>> {
    let mut top = Vec::new();
    // Open elements, and whether values go to the last attribute (inside a start tag).
    let mut open: Vec<Node> = Vec::new();
    let mut in_attr = false;
    let names: &mut HashMap<String, Arc<str>> = &mut HashMap::new();
    let mut intern = |s: String| Arc::clone(names.entry(s.clone()).or_insert_with(|| s.into()));
    for token in template_tokens(data, offset)? {
        let piece = match token {
            Token::Open(name) => {
                open.push(Node::Elem { name: intern(name), attrs: Vec::new(), kids: Vec::new() });
                in_attr = false;
                continue;
            }
            Token::EndStart => {
                in_attr = false;
                continue;
            }
            Token::Close => {
                let el = open.pop()?;
                match open.last_mut() {
                    Some(Node::Elem { kids, .. }) => kids.push(el),
                    _ => top.push(el),
                }
                in_attr = false;
                continue;
            }
            Token::Attr(name) => {
                let Some(Node::Elem { attrs, .. }) = open.last_mut() else { return None };
                attrs.push((intern(name), Vec::new()));
                in_attr = true;
                continue;
            }
            Token::Text(t) => Piece::Text(t.into()),
            Token::Sub { index, optional } => Piece::Sub { index, optional },
        };
        let Some(Node::Elem { attrs, kids, .. }) = open.last_mut() else { return None };
        if in_attr {
            attrs.last_mut()?.1.push(piece);
        } else {
            kids.push(Node::Piece(piece));
        }
    }
    open.is_empty().then_some(top)
}

impl Val<'_> {
    /// The text the JSON rendering holds for this value, when it is a plain one.
    fn text(&self) -> Option<String> {
        let s = match self {
            Val::Text(t) => t.to_string(),
            Val::Raw(r) => raw_text(*r)?,
        };
        // Empty values and control characters render in ways not mirrored here.
        (!has_control(&s)).then_some(s)
    }
}

/// The text the JSON rendering holds for a substitution value of a type built here.
pub(super) fn raw_text(r: Raw<'_>) -> Option<String> {
    let mut s = String::new();
    raw_text_into(r, &mut s)?;
    Some(s)
}

/// [`raw_text`] appended to `s` (with part of it there when the value is not one built here).
pub(super) fn raw_text_into(r: Raw<'_>, s: &mut String) -> Option<()> {
    match r {
        Raw::Utf16(b) => {
            // Room for the ASCII text it usually is, so that appending does not grow it.
            s.reserve(b.len() / 2);
            push_string(b, s)?;
        }
        Raw::Int(n) => write!(s, "{n}").ok()?,
        Raw::Guid(g) => {
            s.reserve(38);
            s.push('{');
            for (i, idx) in
                [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15].iter().enumerate()
            {
                if matches!(i, 4 | 6 | 8 | 10) {
                    s.push('-');
                }
                write!(s, "{:02x}", g.get(*idx)?).ok()?;
            }
            s.push('}');
        }
        Raw::Binary(b) => {
            s.reserve(2 * b.len());
            for x in b {
                write!(s, "{x:02X}").ok()?;
            }
        }
        Raw::Null | Raw::Nested(..) | Raw::Other => return None,
    }
    Some(())
}

impl El<'_> {
    /// The element's content: `None` when it is not a single plain value.
    fn content(&self) -> Option<Content> {
        match self.kids.as_slice() {
            [] | [Kid::Val(Val::Raw(Raw::Null))] => Some(Content::Null),
            [Kid::Val(v)] => {
                let t = v.text()?;
                Some(if t.is_empty() { Content::Empty } else { Content::Text(t) })
            }
            _ => None,
        }
    }

    /// The element's content as `u64_of` reads it (integers as JSON numbers, text parsed);
    /// `Err` when it is not a single plain value.
    fn number(&self) -> Result<Option<u64>, NotPlain> {
        match self.kids.as_slice() {
            [Kid::Val(Val::Raw(Raw::Int(n)))] => Ok(u64::try_from(*n).ok()),
            _ => Ok(self.content().ok_or(NotPlain)?.text().and_then(|t| t.trim().parse().ok())),
        }
    }

    fn elements(&self) -> Option<Vec<&El<'_>>> {
        self.kids
            .iter()
            .map(|k| match k {
                Kid::El(e) => Some(e),
                Kid::Val(_) => None,
            })
            .collect()
    }
}

/// An element whose content is not a single plain value.
#[derive(Debug)]
struct NotPlain;

/// What an element holds, as far as its JSON value goes.
#[derive(Debug)]
enum Content {
    /// No value, or a null one.
    Null,
    /// An empty text value.
    Empty,
    Text(String),
}

impl Content {
    fn text(self) -> Option<String> {
        match self {
            Content::Text(t) => Some(t),
            Content::Null | Content::Empty => None,
        }
    }
}

/// A JSON key that `from_json` reads as an ordinary field name.
fn plain_key(k: &str) -> bool {
    k != "Data" && !k.ends_with("_attributes") && !k.starts_with('#')
}

/// The fields of an expanded record, as `from_json` takes them from its rendering.
fn fields(root: &[Kid<'_>]) -> Option<RawRecord> {
    let [Kid::El(event)] = root else { return None };
    if &*event.name != "Event" {
        return None;
    }
    let parts = event.elements()?;
    let (system, payload) = match parts.as_slice() {
        [s] => (*s, None),
        [s, p] => (*s, Some(*p)),
        _ => return None,
    };
    if &*system.name != "System" {
        return None;
    }
    let sys = system.elements()?;
    // A name given twice would leave the JSON to pick one.
    let one = |name: &str| -> Option<Option<&El<'_>>> {
        let mut found = sys.iter().filter(|e| &*e.name == name);
        let first = found.next().copied();
        found.next().is_none().then_some(first)
    };
    let provider = match one("Provider")? {
        Some(p) => match p.name_attr.as_deref() {
            Some([v]) => v.text().filter(|t| !t.is_empty())?,
            Some(_) => return None,
            None => String::new(),
        },
        None => String::new(),
    };
    let number = |e: Option<&El<'_>>| e.map_or(Ok(None), El::number).ok();
    let text = |e: Option<&El<'_>>| -> Option<String> {
        Some(e.map_or(Some(Content::Null), El::content)?.text().unwrap_or_default())
    };
    let event_id = number(one("EventID")?)?.and_then(|n| u32::try_from(n).ok());
    let level = number(one("Level")?)?.unwrap_or(4);
    let computer = text(one("Computer")?)?;
    let channel = text(one("Channel")?)?;
    let mut fields = Vec::new();
    match payload {
        None => {}
        Some(ed) if &*ed.name == "EventData" => event_data(ed, &mut fields)?,
        Some(ud) if &*ud.name == "UserData" => user_data(ud, &mut fields)?,
        Some(_) => return None,
    }
    Some(RawRecord {
        record_id: 0,
        time: Timestamp(0),
        recovered: false,
        provider,
        event_id,
        level,
        computer,
        channel,
        fields,
    })
}

/// `raw`, unless a field name is not safe in the crate's JSON (a `Data` element's `Name` value
/// becomes a JSON key unescaped): such records go through the crate.
fn plain_names(raw: RawRecord) -> Option<RawRecord> {
    raw.fields.iter().all(|(k, _)| super::skip::json_safe_name(k)).then_some(raw)
}

/// One key of `EventData`'s JSON object.
enum Key {
    /// Unnamed `Data` elements: one array.
    Data(Vec<Option<String>>),
    Field(String, Option<String>),
}

/// `EventData` as `flatten` reads its rendering: keys in document order, unnamed `Data`
/// values numbered.
fn event_data(ed: &El<'_>, out: &mut Vec<(Name, String)>) -> Option<()> {
    let mut keys: Vec<Key> = Vec::new();
    for e in ed.elements()? {
        let key = if &*e.name != "Data" {
            if e.attrs != 0 || !plain_key(&e.name) {
                return None;
            }
            // Not seen empty; how the renderer writes that is not mirrored.
            Key::Field(e.name.to_string(), Some(e.content()?.text()?))
        } else if e.attrs == 0 {
            // Unnamed values gather in one array; only a contiguous run is built here.
            if let Some(Key::Data(items)) = keys.last_mut() {
                items.push(Some(e.content()?.text()?));
                continue;
            }
            if keys.iter().any(|k| matches!(k, Key::Data(_))) {
                return None;
            }
            Key::Data(vec![Some(e.content()?.text()?)])
        } else {
            let Some([v]) = e.name_attr.as_deref().filter(|_| e.attrs == 1) else { return None };
            let name = v.text()?;
            if name.is_empty() || !plain_key(&name) {
                return None;
            }
            // An empty named `Data` renders as an empty string.
            let value = match e.content()? {
                Content::Text(t) => t,
                Content::Empty => String::new(),
                Content::Null => return None,
            };
            Key::Field(name, Some(value))
        };
        if let Key::Field(name, _) = &key
            && keys.iter().any(|k| matches!(k, Key::Field(n, _) if n == name))
        {
            return None;
        }
        keys.push(key);
    }
    for key in keys {
        if out.len() >= MAX_FIELDS {
            continue;
        }
        match key {
            // Null values are left out; unnamed ones keep their number.
            Key::Data(items) => {
                for (name, item) in DATA_NAMES.iter().zip(items) {
                    if let Some(item) = item {
                        out.push((Cow::Borrowed(*name), cut(item)));
                    }
                }
            }
            Key::Field(field, Some(value)) => out.push((name(&field), cut(value))),
            Key::Field(_, None) => {}
        }
    }
    Some(())
}

/// `UserData` holding one element of leaf elements: its name as `payload`, then its leaves.
fn user_data(ud: &El<'_>, out: &mut Vec<(Name, String)>) -> Option<()> {
    let [Kid::El(e)] = ud.kids.as_slice() else { return None };
    if e.name.ends_with("_attributes") || e.name.starts_with('#') {
        return None;
    }
    let leaves = e.elements()?;
    if leaves.is_empty() {
        // With attributes and no content, only its attributes are rendered: no field.
        return (e.attrs != 0).then_some(());
    }
    out.push((Cow::Borrowed("payload"), e.name.to_string()));
    for (i, leaf) in leaves.iter().enumerate() {
        if leaf.attrs != 0
            || !plain_key(&leaf.name)
            || leaves.iter().take(i).any(|l| l.name == leaf.name)
        {
            return None;
        }
        // An empty leaf renders as null, which is left out.
        let value = match leaf.content()? {
            Content::Text(t) => Some(t),
            Content::Empty => None,
            Content::Null => return None,
        };
        if out.len() < MAX_FIELDS
            && let Some(value) = value
        {
            out.push((name(&leaf.name), cut(value)));
        }
    }
    Some(())
}
