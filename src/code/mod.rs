//! Windows error codes: what a 32-bit value is (HRESULT, Win32 or NTSTATUS), its facility and
//! its symbolic name, plus the extractor that finds codes in log text ([`extract`]).
//!
//! Names come from the Windows SDK headers (values and names only) and from the servicing
//! names in REFERENCE.md §2.2; see `data/codes.tsv` and `scripts/gen-codes.py`.

pub mod extract;
pub mod setup;

use serde::Serialize;
use std::fmt;

#[allow(clippy::unreadable_literal, reason = "generated from data/codes.tsv")]
mod table {
    include!(concat!(env!("OUT_DIR"), "/codes.rs"));
}

/// Which numbering space a code value belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeKind {
    /// A COM/Windows HRESULT (`0x8007…`, `0x800F…`, `0x8024…`).
    Hresult,
    /// A plain Win32 error number (`GetLastError`, `%%N` insertions).
    Win32,
    /// An NTSTATUS value (`0xC…`).
    Ntstatus,
}

impl CodeKind {
    fn tag(self) -> u8 {
        match self {
            CodeKind::Hresult => 0,
            CodeKind::Win32 => 1,
            CodeKind::Ntstatus => 2,
        }
    }

    fn from_tag(tag: u8) -> Self {
        match tag {
            1 => CodeKind::Win32,
            2 => CodeKind::Ntstatus,
            _ => CodeKind::Hresult,
        }
    }
}

/// One error code as found in a log, with the numbering space it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code {
    kind: CodeKind,
    value: u32,
}

/// `FACILITY_WIN32`.
pub const FACILITY_WIN32: u32 = 7;
/// `FACILITY_SETUPAPI`, where `CBS_E`_* and `PSFX_E`_* live.
pub const FACILITY_SETUPAPI: u32 = 15;
/// `FACILITY_WINDOWSUPDATE`.
pub const FACILITY_WINDOWSUPDATE: u32 = 0x24;
/// `FACILITY_NT_BIT`, set by `HRESULT_FROM_NT`.
const FACILITY_NT_BIT: u32 = 0x1000_0000;

impl Code {
    /// An HRESULT.
    pub const fn hresult(value: u32) -> Self {
        Code { kind: CodeKind::Hresult, value }
    }

    /// A Win32 error number.
    pub const fn win32(value: u32) -> Self {
        Code { kind: CodeKind::Win32, value }
    }

    /// An NTSTATUS value.
    pub const fn ntstatus(value: u32) -> Self {
        Code { kind: CodeKind::Ntstatus, value }
    }

    /// A 32-bit value of unknown origin, classified by its shape: `0xC…` without the NT
    /// facility bit is NTSTATUS, other values with the severity bit are HRESULTs, and small
    /// values are Win32 numbers.
    pub fn classify(value: u32) -> Self {
        // Windows Setup's `0xC18…`/`0xC19…` codes look like NTSTATUS values but are not
        // in ntstatus.h; logs and Setup treat them as HRESULTs ([`setup`]).
        if setup::is_setup_range(value) {
            Code::hresult(value)
        } else if value >> 30 == 0b11 && value & FACILITY_NT_BIT == 0 {
            Code::ntstatus(value)
        } else if value < 0x1_0000 {
            Code::win32(value)
        } else {
            Code::hresult(value)
        }
    }

    /// `HRESULT_FROM_WIN32(n)`.
    pub const fn from_win32_as_hresult(n: u32) -> Self {
        if n == 0 || n & 0x8000_0000 != 0 {
            Code::hresult(n)
        } else {
            Code::hresult((n & 0xFFFF) | (FACILITY_WIN32 << 16) | 0x8000_0000)
        }
    }

    /// `NTSTATUS_FROM_WIN32(n)`: facility `FACILITY_NTWIN32` (7) with error severity.
    pub const fn ntstatus_from_win32(n: u32) -> Self {
        if n == 0 { Code::ntstatus(0) } else { Code::ntstatus((n & 0xFFFF) | 0xC007_0000) }
    }

    /// The numbering space.
    pub fn kind(self) -> CodeKind {
        self.kind
    }

    /// The raw value.
    pub fn value(self) -> u32 {
        self.value
    }

    /// The value as an HRESULT: Win32 numbers through `HRESULT_FROM_WIN32`, NTSTATUS through
    /// `HRESULT_FROM_NT`. Two spellings of one failure compare equal through this.
    pub fn as_hresult(self) -> u32 {
        match self.kind {
            CodeKind::Hresult => self.value,
            CodeKind::Win32 => Code::from_win32_as_hresult(self.value).value,
            CodeKind::Ntstatus => self.value | FACILITY_NT_BIT,
        }
    }

    /// The Win32 error number this code carries, if any (`0x8007xxxx`, `0xC007xxxx`, Win32).
    pub fn win32_number(self) -> Option<u32> {
        match self.kind {
            CodeKind::Win32 => Some(self.value),
            CodeKind::Hresult if self.value >> 16 == 0x8007 => Some(self.value & 0xFFFF),
            CodeKind::Ntstatus if self.value >> 16 == 0xC007 => Some(self.value & 0xFFFF),
            _ => None,
        }
    }

    /// Whether the value reports a failure (HRESULT severity bit, NTSTATUS warning or error,
    /// any non-zero Win32 number).
    pub fn is_failure(self) -> bool {
        match self.kind {
            CodeKind::Hresult => self.value & 0x8000_0000 != 0,
            CodeKind::Ntstatus => self.value >> 30 >= 2,
            CodeKind::Win32 => self.value != 0,
        }
    }

    /// The HRESULT facility number (bits 16–28 of [`Code::as_hresult`]).
    pub fn facility(self) -> u32 {
        match self.kind {
            CodeKind::Win32 => FACILITY_WIN32,
            CodeKind::Ntstatus => (self.value >> 16) & 0xFFF,
            CodeKind::Hresult => (self.value >> 16) & 0x1FFF,
        }
    }

    /// The symbolic name from the SDK headers or the servicing table, if known.
    pub fn name(self) -> Option<&'static str> {
        let direct = lookup(self.kind, self.value);
        if direct.is_some() {
            return direct;
        }
        if self.kind != CodeKind::Win32 && setup::is_setup_range(self.value) {
            return setup::find(self.value).and_then(|c| c.name);
        }
        match self.kind {
            CodeKind::Hresult if self.value & FACILITY_NT_BIT != 0 && self.value >> 31 == 1 => {
                lookup(CodeKind::Ntstatus, self.value & !FACILITY_NT_BIT)
            }
            CodeKind::Win32 => lookup(CodeKind::Hresult, self.as_hresult()),
            _ => self.win32_number().and_then(|n| lookup(CodeKind::Win32, n)),
        }
    }

    /// Finds a code by its symbolic name (`ERROR_INVALID_DATA`, `CBS_E_STORE_CORRUPTION`).
    pub fn from_name(name: &str) -> Option<Self> {
        if let Some(c) = setup::by_name(name) {
            return Some(Code::hresult(c.value));
        }
        let i = table::BY_NAME.binary_search_by(|(n, _, _)| (*n).cmp(name)).ok()?;
        let (_, k, v) = table::BY_NAME.get(i)?;
        Some(Code { kind: CodeKind::from_tag(*k), value: *v })
    }

    /// Whether this code belongs to the invalid-handle family that the popular
    /// "0x80070306 = the handle is invalid" claim confuses: 0x80070306 (really
    /// `ERROR_ERRORS_ENCOUNTERED`), 0x80070006 (`E_HANDLE`) and 0xC0000008.
    pub fn is_invalid_handle_family(self) -> bool {
        matches!(self.as_hresult(), 0x8007_0306 | 0x8007_0006 | 0xD000_0008)
    }
}

fn lookup(kind: CodeKind, value: u32) -> Option<&'static str> {
    let key = (kind.tag(), value);
    let i = table::BY_VALUE.partition_point(|(k, v, _)| (*k, *v) < key);
    match table::BY_VALUE.get(i) {
        Some((k, v, n)) if (*k, *v) == key => Some(n),
        _ => None,
    }
}

impl fmt::Display for Code {
    /// HRESULT and NTSTATUS print as `0x800F081F`; Win32 numbers as `Win32 50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            CodeKind::Win32 => write!(f, "Win32 {}", self.value),
            _ => write!(f, "0x{:08X}", self.value),
        }
    }
}

impl schemars::JsonSchema for Code {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Code".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // As the Serialize impl below writes it.
        schemars::json_schema!({
            "type": "object",
            "properties": {
                "code": { "type": "string", "pattern": "^0x[0-9A-F]{8}$" },
                "kind": { "enum": ["hresult", "win32", "ntstatus"] },
                "value": { "type": "string" },
                "name": { "type": ["string", "null"] }
            },
            "required": ["code", "kind", "value", "name"],
            "additionalProperties": false
        })
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Code", 4)?;
        st.serialize_field("code", &format!("0x{:08X}", self.as_hresult()))?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("value", &self.to_string())?;
        st.serialize_field("name", &self.name())?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_tables() {
        assert_eq!(Code::hresult(0x8007_0306).name(), Some("ERROR_ERRORS_ENCOUNTERED"));
        assert_eq!(Code::hresult(0x8024_8007).name(), Some("WU_E_DS_NODATA"));
        assert_eq!(Code::hresult(0x800F_0831).name(), Some("CBS_E_STORE_CORRUPTION"));
        assert_eq!(Code::ntstatus(0xC000_0008).name(), Some("STATUS_INVALID_HANDLE"));
        assert_eq!(Code::hresult(0xD015_001A).name(), Some("STATUS_SXS_COMPONENT_STORE_CORRUPT"));
        assert_eq!(Code::win32(50).name(), Some("ERROR_NOT_SUPPORTED"));
        assert_eq!(Code::hresult(0x8000_4005).name(), Some("E_FAIL"));
        assert_eq!(Code::hresult(0x8007_0006).name(), Some("E_HANDLE"));
    }

    #[test]
    fn lookups_by_name() {
        assert_eq!(Code::from_name("ERROR_INVALID_DATA"), Some(Code::win32(13)));
        assert_eq!(
            Code::from_name("STATUS_SXS_COMPONENT_STORE_CORRUPT"),
            Some(Code::ntstatus(0xC015_001A))
        );
        assert_eq!(Code::from_name("NO_SUCH_NAME"), None);
    }

    #[test]
    fn classification_and_conversion() {
        assert_eq!(Code::classify(0xC000_0008).kind(), CodeKind::Ntstatus);
        assert_eq!(Code::classify(0xD000_042A).kind(), CodeKind::Hresult);
        assert_eq!(Code::classify(0x8007_0306).kind(), CodeKind::Hresult);
        assert_eq!(Code::classify(50).kind(), CodeKind::Win32);
        assert_eq!(Code::from_win32_as_hresult(1753).value(), 0x8007_06D9);
        assert_eq!(Code::ntstatus_from_win32(13).value(), 0xC007_000D);
        assert_eq!(Code::win32(14098).as_hresult(), 0x8007_3712);
        assert!(Code::ntstatus(0xC000_0008).is_invalid_handle_family());
        assert!(Code::win32(774).is_invalid_handle_family());
        assert!(!Code::hresult(0x8007_0005).is_invalid_handle_family());
        assert!(!Code::hresult(0x0024_0001).is_failure());
        assert_eq!(Code::hresult(0x8024_8007).facility(), FACILITY_WINDOWSUPDATE);
    }
}
