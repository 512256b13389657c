//! A small writer of Windows `.evtx` files, for tests and fixture generators.
//!
//! The `evtx` crate only reads, so fixtures that need Windows events at chosen times are built
//! here. The layout follows the facts in `shared/domain/EVTX-FORMAT.md`:
//!
//! - a 4,096-byte file header, then 64 KiB chunks, each with a 512-byte header;
//! - one record per event, numbered 1.. in order, spilling into a new chunk when one is full;
//! - each record holds a `BinXML` fragment with one template instance. The template definition is
//!   written inline the first time a shape of event appears in a chunk and referenced by offset
//!   afterwards, as real logs do; names are interned per chunk in the common string table;
//! - System values are typed substitutions (`EventID` u16, `Level` u8, `EventRecordID` u64,
//!   `TimeCreated/@SystemTime` FILETIME, `Keywords` hex u64, ...);
//! - the header CRC, each chunk's header CRC and each chunk's record-data CRC are correct.
//!
//! Include it with `#[path = "support/evtx_writer.rs"] mod evtx_writer;`.
#![allow(dead_code)]
#![allow(unreachable_pub)]

use std::collections::HashMap;

/// One event to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSpec {
    /// Provider @Name.
    pub provider: String,
    /// Provider @Guid, e.g. `"{945a8954-c147-4acd-923f-40c45405a658}"`. Written as a GUID value
    /// when it parses as one, otherwise as a string.
    pub provider_guid: Option<String>,
    pub event_id: u16,
    /// `Some(..)`: `EventID` carries a `Qualifiers` attribute (classic providers).
    pub qualifiers: Option<u16>,
    /// 0..=5.
    pub level: u8,
    /// UTC, microseconds since 1970-01-01; written as FILETIME (TimeCreated/@SystemTime and the
    /// record header's written time). Times before 1601 are clamped to 1601-01-01.
    pub time_unix_micros: i64,
    /// e.g. `"System"`, `"Setup"`.
    pub channel: String,
    pub computer: String,
    pub payload: Payload,
}

/// What follows `System` in the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// Nothing after `System`.
    None,
    /// `<EventData><Data Name="k">v</Data>...</EventData>`.
    EventData(Vec<(String, String)>),
    /// Classic provider shape: `<EventData><Data>v</Data>...` then an optional
    /// `<Binary>hex</Binary>`, `</EventData>` (Data elements with no Name attribute; Binary is
    /// written with `BinXML` value type 0x0E, binary bytes).
    Classic { data: Vec<String>, binary: Option<Vec<u8>> },
    /// `<UserData><{element} xmlns="{xmlns}"><k>v</k>...</{element}></UserData>`; an empty
    /// `xmlns` leaves the attribute out.
    UserData { element: String, xmlns: String, fields: Vec<(String, String)> },
}

/// Builds a whole .evtx file: 4096-byte header, then 64 KiB chunks, records numbered 1.. in
/// order, spilling into new chunks when a chunk is full. Checksums (header CRC, chunk header
/// CRC, chunk data CRC) all correct. With no events, the file is the header alone.
///
/// # Panics
///
/// When one event cannot fit in an empty chunk (about 64 KB of `BinXML`), when a single string
/// or binary value is longer than 65,535 bytes, or when the events need more than 65,535
/// chunks.
pub fn write_evtx(events: &[EventSpec]) -> Vec<u8> {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut chunk = ChunkWriter::new();
    for (index, event) in events.iter().enumerate() {
        let record_id = index as u64 + 1;
        let instance = build_instance(event, record_id);
        let filetime = unix_micros_to_filetime(event.time_unix_micros);
        // The record's size in an empty chunk bounds its size anywhere: interned names and
        // templates only make it smaller.
        let worst_case = ChunkWriter::new().append_record(&instance, record_id, filetime);
        assert!(
            CHUNK_HEADER_SIZE + worst_case <= CHUNK_SIZE,
            "event {record_id} needs {worst_case} bytes, more than a chunk holds"
        );
        if chunk.buf.len() + worst_case > CHUNK_SIZE {
            let full = std::mem::replace(&mut chunk, ChunkWriter::new());
            chunks.push(full.finish());
        }
        chunk.append_record(&instance, record_id, filetime);
    }
    if chunk.records > 0 {
        chunks.push(chunk.finish());
    }

    let chunk_count = u16::try_from(chunks.len()).expect("at most 65,535 chunks");
    let mut out = Vec::with_capacity(FILE_HEADER_SIZE + chunks.len() * CHUNK_SIZE);
    out.extend_from_slice(b"ElfFile\0");
    put_u64(&mut out, 0); // first chunk number
    put_u64(&mut out, u64::from(chunk_count.saturating_sub(1))); // last chunk number
    put_u64(&mut out, events.len() as u64 + 1); // next record identifier
    put_u32(&mut out, FILE_HEADER_DATA_SIZE as u32);
    put_u16(&mut out, 1); // minor version
    put_u16(&mut out, 3); // major version
    put_u16(&mut out, FILE_HEADER_SIZE as u16);
    put_u16(&mut out, chunk_count);
    out.resize(120, 0);
    put_u32(&mut out, 0); // file flags: clean
    let crc = crc32fast::hash(&out[..120]);
    put_u32(&mut out, crc);
    out.resize(FILE_HEADER_SIZE, 0);
    for chunk in &chunks {
        out.extend_from_slice(chunk);
    }
    out
}

/// Converts microseconds since the Unix epoch to a FILETIME (100 ns ticks since 1601-01-01),
/// clamping times before 1601 to 0.
pub fn unix_micros_to_filetime(unix_micros: i64) -> u64 {
    let ticks = i128::from(unix_micros) * 10 + i128::from(FILETIME_UNIX_EPOCH);
    u64::try_from(ticks.max(0)).unwrap_or(u64::MAX)
}

const FILE_HEADER_SIZE: usize = 4096;
const FILE_HEADER_DATA_SIZE: usize = 128;
const CHUNK_SIZE: usize = 65_536;
const CHUNK_HEADER_SIZE: usize = 512;
const CHUNK_HEADER_DATA_SIZE: u32 = 128;
const STRING_BUCKETS: usize = 64;
const TEMPLATE_BUCKETS: usize = 32;
/// FILETIME of 1970-01-01T00:00:00Z.
const FILETIME_UNIX_EPOCH: i64 = 116_444_736_000_000_000;

const EVENT_XMLNS: &str = "http://schemas.microsoft.com/win/2004/08/events/event";
/// `Execution` attributes: the writer has no inputs for them, so every event gets these.
const PROCESS_ID: u32 = 1_024;
const THREAD_ID: u32 = 2_048;
/// `Keywords` of classic events (`WINEVENT_KEYWORD_EVENTLOG_CLASSIC`) and of manifest ones.
const CLASSIC_KEYWORDS: u64 = 0x0080_0000_0000_0000;
const MANIFEST_KEYWORDS: u64 = 0x8000_0000_0000_0000;

// BinXML tokens.
const TOKEN_EOF: u8 = 0x00;
const TOKEN_OPEN_START: u8 = 0x01;
const TOKEN_OPEN_START_WITH_ATTRS: u8 = 0x41;
const TOKEN_CLOSE_START: u8 = 0x02;
const TOKEN_CLOSE_EMPTY: u8 = 0x03;
const TOKEN_END_ELEMENT: u8 = 0x04;
const TOKEN_VALUE: u8 = 0x05;
const TOKEN_ATTRIBUTE_LAST: u8 = 0x06;
const TOKEN_ATTRIBUTE_MORE: u8 = 0x46;
const TOKEN_TEMPLATE_INSTANCE: u8 = 0x0C;
const TOKEN_SUBSTITUTION: u8 = 0x0D;
const TOKEN_OPTIONAL_SUBSTITUTION: u8 = 0x0E;
const TOKEN_FRAGMENT_HEADER: u8 = 0x0F;
const FRAGMENT_HEADER: [u8; 4] = [TOKEN_FRAGMENT_HEADER, 0x01, 0x01, 0x00];
const NO_DEPENDENCY: u16 = 0xFFFF;

// BinXML value types.
const TYPE_STRING: u8 = 0x01;
const TYPE_U8: u8 = 0x04;
const TYPE_U16: u8 = 0x06;
const TYPE_U32: u8 = 0x08;
const TYPE_U64: u8 = 0x0A;
const TYPE_BINARY: u8 = 0x0E;
const TYPE_GUID: u8 = 0x0F;
const TYPE_FILETIME: u8 = 0x11;
const TYPE_HEX_U64: u8 = 0x15;

/// A typed substitution value of a template instance.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    String(String),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    HexU64(u64),
    FileTime(u64),
    Guid([u8; 16]),
    Binary(Vec<u8>),
}

impl Value {
    fn value_type(&self) -> u8 {
        match self {
            Value::String(_) => TYPE_STRING,
            Value::U8(_) => TYPE_U8,
            Value::U16(_) => TYPE_U16,
            Value::U32(_) => TYPE_U32,
            Value::U64(_) => TYPE_U64,
            Value::HexU64(_) => TYPE_HEX_U64,
            Value::FileTime(_) => TYPE_FILETIME,
            Value::Guid(_) => TYPE_GUID,
            Value::Binary(_) => TYPE_BINARY,
        }
    }

    /// The value's bytes as stored after the descriptors (strings without a NUL).
    fn encode(&self) -> Vec<u8> {
        match self {
            Value::String(s) => utf16le(s),
            Value::U8(v) => vec![*v],
            Value::U16(v) => v.to_le_bytes().to_vec(),
            Value::U32(v) => v.to_le_bytes().to_vec(),
            Value::U64(v) | Value::HexU64(v) | Value::FileTime(v) => v.to_le_bytes().to_vec(),
            Value::Guid(g) => g.to_vec(),
            Value::Binary(b) => b.clone(),
        }
    }
}

/// A piece of content in a template definition: literal text or a substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Substitution { index: u16, value_type: u8, optional: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Child {
    Element(Element),
    Piece(Piece),
}

/// An element of a template definition.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Element {
    name: String,
    attributes: Vec<(String, Piece)>,
    children: Vec<Child>,
}

impl Element {
    fn new(name: &str) -> Self {
        Element { name: name.to_owned(), attributes: Vec::new(), children: Vec::new() }
    }

    fn attr(mut self, name: &str, piece: Piece) -> Self {
        self.attributes.push((name.to_owned(), piece));
        self
    }

    fn child(mut self, element: Element) -> Self {
        self.children.push(Child::Element(element));
        self
    }

    fn content(mut self, piece: Piece) -> Self {
        self.children.push(Child::Piece(piece));
        self
    }
}

/// A template definition (its root element) and the values of one instance of it.
#[derive(Debug)]
struct Instance {
    root: Element,
    values: Vec<Value>,
}

/// Collects an instance's values, handing out the substitutions that refer to them.
#[derive(Debug, Default)]
struct Values(Vec<Value>);

impl Values {
    fn sub(&mut self, value: Value) -> Piece {
        self.push(value, false)
    }

    fn optional(&mut self, value: Value) -> Piece {
        self.push(value, true)
    }

    fn push(&mut self, value: Value, optional: bool) -> Piece {
        let index = u16::try_from(self.0.len()).expect("at most 65,535 values per event");
        let value_type = value.value_type();
        self.0.push(value);
        Piece::Substitution { index, value_type, optional }
    }
}

/// The template and values of one event.
fn build_instance(event: &EventSpec, record_id: u64) -> Instance {
    let mut values = Values::default();

    let mut provider =
        Element::new("Provider").attr("Name", values.sub(Value::String(event.provider.clone())));
    if let Some(guid) = &event.provider_guid {
        let value = parse_guid(guid).map_or_else(|| Value::String(guid.clone()), Value::Guid);
        provider = provider.attr("Guid", values.sub(value));
    }

    let mut event_id = Element::new("EventID");
    if let Some(qualifiers) = event.qualifiers {
        event_id = event_id.attr("Qualifiers", values.sub(Value::U16(qualifiers)));
    }
    let event_id = event_id.content(values.sub(Value::U16(event.event_id)));

    let keywords = if event.qualifiers.is_some() { CLASSIC_KEYWORDS } else { MANIFEST_KEYWORDS };
    let filetime = unix_micros_to_filetime(event.time_unix_micros);

    let system = Element::new("System")
        .child(provider)
        .child(event_id)
        .child(Element::new("Version").content(values.sub(Value::U8(0))))
        .child(Element::new("Level").content(values.sub(Value::U8(event.level))))
        .child(Element::new("Task").content(values.sub(Value::U16(0))))
        .child(Element::new("Opcode").content(values.sub(Value::U8(0))))
        .child(Element::new("Keywords").content(values.sub(Value::HexU64(keywords))))
        .child(
            Element::new("TimeCreated").attr("SystemTime", values.sub(Value::FileTime(filetime))),
        )
        .child(Element::new("EventRecordID").content(values.sub(Value::U64(record_id))))
        .child(Element::new("Correlation"))
        .child(
            Element::new("Execution")
                .attr("ProcessID", values.sub(Value::U32(PROCESS_ID)))
                .attr("ThreadID", values.sub(Value::U32(THREAD_ID))),
        )
        .child(Element::new("Channel").content(values.sub(Value::String(event.channel.clone()))))
        .child(Element::new("Computer").content(values.sub(Value::String(event.computer.clone()))))
        .child(Element::new("Security"));

    let mut root =
        Element::new("Event").attr("xmlns", Piece::Text(EVENT_XMLNS.to_owned())).child(system);

    match &event.payload {
        Payload::None => {}
        Payload::EventData(pairs) => {
            let mut data = Element::new("EventData");
            for (name, value) in pairs {
                data = data.child(
                    Element::new("Data")
                        .attr("Name", Piece::Text(name.clone()))
                        .content(values.optional(Value::String(value.clone()))),
                );
            }
            root = root.child(data);
        }
        Payload::Classic { data, binary } => {
            let mut event_data = Element::new("EventData");
            for value in data {
                event_data = event_data.child(
                    Element::new("Data").content(values.optional(Value::String(value.clone()))),
                );
            }
            if let Some(bytes) = binary {
                event_data = event_data.child(
                    Element::new("Binary").content(values.optional(Value::Binary(bytes.clone()))),
                );
            }
            root = root.child(event_data);
        }
        Payload::UserData { element, xmlns, fields } => {
            let mut inner = Element::new(element);
            if !xmlns.is_empty() {
                inner = inner.attr("xmlns", Piece::Text(xmlns.clone()));
            }
            for (name, value) in fields {
                inner = inner.child(
                    Element::new(name).content(values.optional(Value::String(value.clone()))),
                );
            }
            root = root.child(Element::new("UserData").child(inner));
        }
    }

    Instance { root, values: values.0 }
}

/// One chunk being filled. `buf` starts with the 512-byte header area, so an index into it is a
/// chunk offset.
#[derive(Debug)]
struct ChunkWriter {
    buf: Vec<u8>,
    /// Names already in the chunk, by offset.
    names: HashMap<String, u32>,
    /// Template definitions already in the chunk, by shape: their offset and template id.
    templates: HashMap<String, (u32, u32)>,
    string_buckets: [u32; STRING_BUCKETS],
    template_buckets: [u32; TEMPLATE_BUCKETS],
    first_record_id: u64,
    last_record_id: u64,
    last_record_offset: u32,
    records: usize,
}

impl ChunkWriter {
    fn new() -> Self {
        let mut buf = Vec::with_capacity(CHUNK_SIZE);
        buf.resize(CHUNK_HEADER_SIZE, 0);
        ChunkWriter {
            buf,
            names: HashMap::new(),
            templates: HashMap::new(),
            string_buckets: [0; STRING_BUCKETS],
            template_buckets: [0; TEMPLATE_BUCKETS],
            first_record_id: 0,
            last_record_id: 0,
            last_record_offset: 0,
            records: 0,
        }
    }

    fn offset(&self) -> u32 {
        u32::try_from(self.buf.len()).expect("chunk offsets fit in u32")
    }

    /// Appends one record and returns its size in bytes.
    fn append_record(&mut self, instance: &Instance, record_id: u64, filetime: u64) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0x2A, 0x2A, 0x00, 0x00]);
        put_u32(&mut self.buf, 0); // size, patched below
        put_u64(&mut self.buf, record_id);
        put_u64(&mut self.buf, filetime);

        self.buf.extend_from_slice(&FRAGMENT_HEADER);
        self.write_template_instance(instance);
        self.buf.push(TOKEN_EOF);

        let size = self.buf.len() + 4 - start;
        let size32 = u32::try_from(size).expect("record size fits in u32");
        put_u32(&mut self.buf, size32);
        patch_u32(&mut self.buf, start + 4, size32);

        if self.records == 0 {
            self.first_record_id = record_id;
        }
        self.last_record_id = record_id;
        self.last_record_offset = u32::try_from(start).expect("chunk offsets fit in u32");
        self.records += 1;
        size
    }

    fn write_template_instance(&mut self, instance: &Instance) {
        self.buf.push(TOKEN_TEMPLATE_INSTANCE);
        self.buf.push(0x01);
        let shape = format!("{:?}", instance.root);
        if let Some(&(offset, id)) = self.templates.get(&shape) {
            put_u32(&mut self.buf, id);
            put_u32(&mut self.buf, offset);
        } else {
            let guid = template_guid(&shape);
            let id = u32::from_le_bytes([guid[0], guid[1], guid[2], guid[3]]);
            put_u32(&mut self.buf, id);
            let offset = self.offset() + 4;
            put_u32(&mut self.buf, offset);
            // The definition, inline: next definition in its bucket, GUID, size, fragment.
            let bucket = id as usize % TEMPLATE_BUCKETS;
            put_u32(&mut self.buf, self.template_buckets[bucket]);
            self.template_buckets[bucket] = offset;
            self.buf.extend_from_slice(&guid);
            let size_at = self.buf.len();
            put_u32(&mut self.buf, 0);
            self.buf.extend_from_slice(&FRAGMENT_HEADER);
            self.write_element(&instance.root);
            self.buf.push(TOKEN_EOF);
            let size = self.buf.len() - size_at - 4;
            patch_u32(&mut self.buf, size_at, size as u32);
            self.templates.insert(shape, (offset, id));
        }

        put_u32(&mut self.buf, instance.values.len() as u32);
        let encoded: Vec<Vec<u8>> = instance.values.iter().map(Value::encode).collect();
        for (value, bytes) in instance.values.iter().zip(&encoded) {
            let size = u16::try_from(bytes.len()).expect("a value is at most 65,535 bytes");
            put_u16(&mut self.buf, size);
            self.buf.push(value.value_type());
            self.buf.push(0);
        }
        for bytes in &encoded {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// Writes an element of a template definition (with a dependency id).
    fn write_element(&mut self, element: &Element) {
        let token = if element.attributes.is_empty() {
            TOKEN_OPEN_START
        } else {
            TOKEN_OPEN_START_WITH_ATTRS
        };
        self.buf.push(token);
        put_u16(&mut self.buf, NO_DEPENDENCY);
        let size_at = self.buf.len();
        put_u32(&mut self.buf, 0); // element size, patched below
        self.write_name(&element.name);
        if !element.attributes.is_empty() {
            let attributes_at = self.buf.len();
            put_u32(&mut self.buf, 0); // attribute list size, patched below
            let count = element.attributes.len();
            for (i, (name, piece)) in element.attributes.iter().enumerate() {
                self.buf.push(if i + 1 < count {
                    TOKEN_ATTRIBUTE_MORE
                } else {
                    TOKEN_ATTRIBUTE_LAST
                });
                self.write_name(name);
                self.write_piece(piece);
            }
            let size = self.buf.len() - attributes_at - 4;
            patch_u32(&mut self.buf, attributes_at, size as u32);
        }
        if element.children.is_empty() {
            self.buf.push(TOKEN_CLOSE_EMPTY);
        } else {
            self.buf.push(TOKEN_CLOSE_START);
            for child in &element.children {
                match child {
                    Child::Element(e) => self.write_element(e),
                    Child::Piece(p) => self.write_piece(p),
                }
            }
            self.buf.push(TOKEN_END_ELEMENT);
        }
        // The element's size counts the bytes after the size field, to its last token.
        let size = self.buf.len() - size_at - 4;
        patch_u32(&mut self.buf, size_at, size as u32);
    }

    fn write_piece(&mut self, piece: &Piece) {
        match piece {
            Piece::Text(text) => {
                let units = utf16le(text);
                self.buf.push(TOKEN_VALUE);
                self.buf.push(TYPE_STRING);
                let chars = u16::try_from(units.len() / 2).expect("text of at most 65,535 units");
                put_u16(&mut self.buf, chars);
                self.buf.extend_from_slice(&units);
            }
            Piece::Substitution { index, value_type, optional } => {
                self.buf.push(if *optional {
                    TOKEN_OPTIONAL_SUBSTITUTION
                } else {
                    TOKEN_SUBSTITUTION
                });
                put_u16(&mut self.buf, *index);
                self.buf.push(*value_type);
            }
        }
    }

    /// Writes a name reference: the offset of the name already in the chunk, or of the name
    /// written inline right after the reference (and linked into the common string table).
    fn write_name(&mut self, name: &str) {
        if let Some(&offset) = self.names.get(name) {
            put_u32(&mut self.buf, offset);
            return;
        }
        let offset = self.offset() + 4;
        put_u32(&mut self.buf, offset);
        let units = utf16le(name);
        let hash = name_hash(name);
        let bucket = usize::from(hash) % STRING_BUCKETS;
        put_u32(&mut self.buf, self.string_buckets[bucket]);
        self.string_buckets[bucket] = offset;
        put_u16(&mut self.buf, hash);
        let chars = u16::try_from(units.len() / 2).expect("names of at most 65,535 units");
        put_u16(&mut self.buf, chars);
        self.buf.extend_from_slice(&units);
        put_u16(&mut self.buf, 0);
        self.names.insert(name.to_owned(), offset);
    }

    /// The finished 64 KiB chunk: header, tables, checksums, records, zero padding.
    fn finish(mut self) -> Vec<u8> {
        let free_space = self.offset();
        let data_crc = crc32fast::hash(&self.buf[CHUNK_HEADER_SIZE..]);
        self.buf.resize(CHUNK_SIZE, 0);

        let mut header = Vec::with_capacity(CHUNK_HEADER_SIZE);
        header.extend_from_slice(b"ElfChnk\0");
        put_u64(&mut header, self.first_record_id); // first event record number
        put_u64(&mut header, self.last_record_id); // last event record number
        put_u64(&mut header, self.first_record_id); // first event record identifier
        put_u64(&mut header, self.last_record_id); // last event record identifier
        put_u32(&mut header, CHUNK_HEADER_DATA_SIZE);
        put_u32(&mut header, self.last_record_offset);
        put_u32(&mut header, free_space);
        put_u32(&mut header, data_crc);
        header.resize(120, 0);
        put_u32(&mut header, 0); // flags
        put_u32(&mut header, 0); // header CRC, patched below
        for offset in self.string_buckets {
            put_u32(&mut header, offset);
        }
        for offset in self.template_buckets {
            put_u32(&mut header, offset);
        }
        debug_assert_eq!(header.len(), CHUNK_HEADER_SIZE);
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&header[..120]);
        hasher.update(&header[128..CHUNK_HEADER_SIZE]);
        let header_crc = hasher.finalize();
        patch_u32(&mut header, 124, header_crc);

        self.buf[..CHUNK_HEADER_SIZE].copy_from_slice(&header);
        self.buf
    }
}

/// The 16-bit hash of a name in the chunk string table: `h = h * 65599 + unit` over its UTF-16
/// code units, low 16 bits.
fn name_hash(name: &str) -> u16 {
    let hash = name
        .encode_utf16()
        .fold(0u32, |h, unit| h.wrapping_mul(65_599).wrapping_add(u32::from(unit)));
    (hash & 0xFFFF) as u16
}

/// A GUID for a template shape (two FNV-1a hashes of it), stable across runs.
fn template_guid(shape: &str) -> [u8; 16] {
    let fnv = |seed: u64| {
        shape.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3))
    };
    let mut guid = [0u8; 16];
    guid[..8].copy_from_slice(&fnv(0xCBF2_9CE4_8422_2325).to_le_bytes());
    guid[8..].copy_from_slice(&fnv(0x6C62_272E_07BB_0142).to_le_bytes());
    guid
}

/// Parses `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` (braces optional) into the on-disk layout:
/// the first three groups little-endian, the last eight bytes as written.
fn parse_guid(text: &str) -> Option<[u8; 16]> {
    let inner = text.trim();
    let inner = inner.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(inner);
    let groups: Vec<&str> = inner.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    if lengths != [8, 4, 4, 4, 12] || !inner.chars().all(|ch| ch == '-' || ch.is_ascii_hexdigit()) {
        return None;
    }
    let data1 = u32::from_str_radix(groups[0], 16).ok()?;
    let data2 = u16::from_str_radix(groups[1], 16).ok()?;
    let data3 = u16::from_str_radix(groups[2], 16).ok()?;
    let tail = format!("{}{}", groups[3], groups[4]);
    let mut guid = [0u8; 16];
    guid[..4].copy_from_slice(&data1.to_le_bytes());
    guid[4..6].copy_from_slice(&data2.to_le_bytes());
    guid[6..8].copy_from_slice(&data3.to_le_bytes());
    for (i, byte) in guid[8..].iter_mut().enumerate() {
        *byte = u8::from_str_radix(tail.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(guid)
}

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn put_u16(buf: &mut Vec<u8>, value: u16) {
    buf.extend_from_slice(&value.to_le_bytes());
}

fn put_u32(buf: &mut Vec<u8>, value: u32) {
    buf.extend_from_slice(&value.to_le_bytes());
}

fn put_u64(buf: &mut Vec<u8>, value: u64) {
    buf.extend_from_slice(&value.to_le_bytes());
}

fn patch_u32(buf: &mut [u8], at: usize, value: u32) {
    buf[at..at + 4].copy_from_slice(&value.to_le_bytes());
}
