//! Finds error codes in log text, in every spelling the servicing logs use
//! (FORMATS.md §1–3, REFERENCE.md §3.5):
//! `[HRESULT = 0x… - NAME]`, `hr:0x…`, `HRESULT=80070BC9`, `*FAILED* [80248007]`,
//! `Exit code = 0x…`, `resultMapped=…`, `[gle=0x…]`, `status: 0x…`, `ErrorCode: 800706d9`,
//! `HRESULT_FROM_WIN32(1753)`, `NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA)`, `HRESULT_FROM_NT(…)`,
//! bare `STATUS_*` names, signed decimals (`with status -2147023143`) and `%%2147942414`.
//!
//! Only failure values are kept: `hr:0x0`, `Exit code = 0x240001` and the like are not errors.

use super::{Code, CodeKind};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// The trigger strings; the index of each is its [`Trigger`].
pub(crate) const TRIGGERS: &[&str] = &[
    "NTSTATUS_FROM_WIN32(",
    "HRESULT_FROM_WIN32(",
    "HRESULT_FROM_NT(",
    "*FAILED* [",
    "HRESULT = ",
    "HRESULT=",
    "ErrorCode:",
    "resultMapped=",
    "mapping to error ",
    "NTSTATUS -",
    "status -",
    "error -",
    "hr = ",
    "hr=",
    "STATUS_",
    "%%",
    "0x",
    "[",
];

#[derive(Clone, Copy)]
enum Trigger {
    NtFromWin32,
    HrFromWin32,
    HrFromNt,
    Failed,
    HresultSpaced,
    Hresult,
    ErrorCode,
    ResultMapped,
    MappingTo,
    NtstatusSigned,
    StatusSigned,
    ErrorSigned,
    HrSpaced,
    Hr,
    StatusName,
    Insertion,
    Hex,
    Bracket,
}

const TRIGGER_KINDS: [Trigger; 18] = [
    Trigger::NtFromWin32,
    Trigger::HrFromWin32,
    Trigger::HrFromNt,
    Trigger::Failed,
    Trigger::HresultSpaced,
    Trigger::Hresult,
    Trigger::ErrorCode,
    Trigger::ResultMapped,
    Trigger::MappingTo,
    Trigger::NtstatusSigned,
    Trigger::StatusSigned,
    Trigger::ErrorSigned,
    Trigger::HrSpaced,
    Trigger::Hr,
    Trigger::StatusName,
    Trigger::Insertion,
    Trigger::Hex,
    Trigger::Bracket,
];

/// Finds error codes in text. Build once and share: it holds a compiled automaton.
#[derive(Debug, Clone)]
pub struct CodeExtractor {
    ac: AhoCorasick,
}

impl Default for CodeExtractor {
    fn default() -> Self {
        Self::new()
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Hex digits at the start of `s` (at most `max` + 1 are looked at).
fn hex_run(s: &[u8], max: usize) -> usize {
    s.iter().take(max + 1).take_while(|b| b.is_ascii_hexdigit()).count()
}

fn parse_hex(s: &[u8]) -> Option<u32> {
    let t = std::str::from_utf8(s).ok()?;
    u32::from_str_radix(t, 16).ok()
}

/// An identifier (`ERROR_INVALID_DATA`) or number (`1753`, `0x6D9`) inside a macro's parens.
fn macro_arg(s: &[u8]) -> Option<(u32, Option<CodeKind>, usize)> {
    let len = s.iter().take_while(|&&b| is_word(b)).count();
    let arg = s.get(..len)?;
    if s.get(len) != Some(&b')') || arg.is_empty() {
        return None;
    }
    let text = std::str::from_utf8(arg).ok()?;
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return Some((u32::from_str_radix(hex, 16).ok()?, None, len + 1));
    }
    if arg.iter().all(u8::is_ascii_digit) {
        return Some((text.parse().ok()?, None, len + 1));
    }
    let code = Code::from_name(text)?;
    Some((code.value(), Some(code.kind()), len + 1))
}

impl CodeExtractor {
    /// Compiles the trigger automaton.
    pub fn new() -> Self {
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(TRIGGERS)
            .expect("the trigger set is a fixed, valid pattern list");
        CodeExtractor { ac }
    }

    /// Appends to `out` every failure code found in `text`, in order, without duplicates.
    pub fn extract_into(&self, text: &str, out: &mut Vec<Code>) {
        let bytes = text.as_bytes();
        let mut consumed = 0usize;
        for m in self.ac.find_iter(bytes) {
            if m.start() < consumed {
                continue;
            }
            let Some(&kind) = TRIGGER_KINDS.get(m.pattern().as_usize()) else { continue };
            let prev = m.start().checked_sub(1).and_then(|i| bytes.get(i)).copied();
            let rest = bytes.get(m.end()..).unwrap_or_default();
            if let Some((code, used)) = Self::read(kind, prev, rest, bytes, m.start()) {
                consumed = m.end() + used;
                if code.is_failure() && !out.contains(&code) {
                    out.push(code);
                }
            }
        }
    }

    /// Convenience wrapper around [`CodeExtractor::extract_into`].
    pub fn extract(&self, text: &str) -> Vec<Code> {
        let mut v = Vec::new();
        self.extract_into(text, &mut v);
        v
    }

    /// Reads the value after one trigger. Returns the code and how many bytes of `rest` it used.
    fn read(
        kind: Trigger,
        prev: Option<u8>,
        rest: &[u8],
        all: &[u8],
        start: usize,
    ) -> Option<(Code, usize)> {
        let word_before = prev.is_some_and(is_word);
        match kind {
            Trigger::NtFromWin32 | Trigger::HrFromWin32 | Trigger::HrFromNt => {
                let (v, k, used) = macro_arg(rest)?;
                let code = match kind {
                    Trigger::NtFromWin32 => Code::ntstatus_from_win32(v),
                    Trigger::HrFromWin32 => match k {
                        Some(CodeKind::Hresult) => Code::hresult(v),
                        _ => Code::from_win32_as_hresult(v),
                    },
                    _ => Code::hresult(v | 0x1000_0000),
                };
                Some((code, used))
            }
            Trigger::Failed => {
                let n = hex_run(rest, 8);
                (n == 8 && rest.get(8) == Some(&b']'))
                    .then(|| parse_hex(rest.get(..8)?).map(|v| (Code::classify(v), 9)))?
            }
            Trigger::HresultSpaced
            | Trigger::Hresult
            | Trigger::ErrorCode
            | Trigger::ResultMapped
            | Trigger::MappingTo
            | Trigger::HrSpaced
            | Trigger::Hr => {
                if word_before && !matches!(kind, Trigger::ErrorCode | Trigger::ResultMapped) {
                    return None;
                }
                let skip = rest.iter().take_while(|&&b| b == b' ').count();
                let r = rest.get(skip..)?;
                let (r, pre) = match r {
                    [b'0', b'x' | b'X', tail @ ..] => (tail, 2),
                    _ => (r, 0),
                };
                let n = hex_run(r, 8);
                if n == 0 || n > 8 || r.get(n).is_some_and(|&b| is_word(b)) {
                    return None;
                }
                // Without `0x`, only a full 8-digit value is a code (`HRESULT=0` is success).
                if pre == 0 && n != 8 && n != 1 {
                    return None;
                }
                let v = parse_hex(r.get(..n)?)?;
                Some((Code::classify(v).promote_hresult(), skip + pre + n))
            }
            Trigger::NtstatusSigned | Trigger::StatusSigned | Trigger::ErrorSigned => {
                if word_before && !matches!(kind, Trigger::StatusSigned) {
                    return None;
                }
                let n = rest.iter().take(11).take_while(|b| b.is_ascii_digit()).count();
                if !(5..=10).contains(&n) {
                    return None;
                }
                let v: i64 = std::str::from_utf8(rest.get(..n)?).ok()?.parse().ok()?;
                let v = u32::try_from(-v + (1i64 << 32)).ok()?;
                let nt = matches!(kind, Trigger::NtstatusSigned)
                    || all.get(start.saturating_sub(2)..start) == Some(b"NT");
                let code = if nt { Code::ntstatus(v) } else { Code::classify(v) };
                Some((code, n))
            }
            Trigger::StatusName => {
                if word_before || all.get(start..start + 7).is_none_or(|s| s != b"STATUS_") {
                    return None;
                }
                let n = rest.iter().take_while(|&&b| is_word(b)).count();
                let name = std::str::from_utf8(all.get(start..start + 7 + n)?).ok()?;
                let code = Code::from_name(name)?;
                (code.kind() == CodeKind::Ntstatus).then_some((code, n))
            }
            Trigger::Insertion => {
                let n = rest.iter().take(11).take_while(|b| b.is_ascii_digit()).count();
                if n == 0 || n > 10 {
                    return None;
                }
                let v: u64 = std::str::from_utf8(rest.get(..n)?).ok()?.parse().ok()?;
                let v = u32::try_from(v).ok()?;
                let code = if v < 0x1_0000 { Code::win32(v) } else { Code::classify(v) };
                Some((code, n))
            }
            Trigger::Hex => {
                if word_before || prev == Some(b'@') {
                    return None;
                }
                let n = hex_run(rest, 8);
                if n == 0 || n > 8 || rest.get(n).is_some_and(|&b| is_word(b)) {
                    return None;
                }
                let v = parse_hex(rest.get(..n)?)?;
                let before = all.get(start.saturating_sub(8)..start).unwrap_or_default();
                if contains_ignore_case(before, b"gle") {
                    let code = if v < 0x1_0000 { Code::win32(v) } else { Code::classify(v) };
                    return Some((code, n));
                }
                (n == 8).then(|| (Code::classify(v).promote_hresult(), n))
            }
            Trigger::Bracket => {
                let n = hex_run(rest, 8);
                if n != 8 || rest.get(8) != Some(&b']') {
                    return None;
                }
                let v = parse_hex(rest.get(..8)?)?;
                (v & 0x8000_0000 != 0).then(|| (Code::classify(v), 9))
            }
        }
    }
}

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

impl Code {
    /// Values written after `HRESULT`/`hr`/`ErrorCode` are HRESULTs even when small.
    fn promote_hresult(self) -> Code {
        if self.kind() == CodeKind::Win32 { Code::hresult(self.value()) } else { self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(s: &str) -> Vec<String> {
        CodeExtractor::new().extract(s).iter().map(|c| format!("{:?}:{c}", c.kind())).collect()
    }

    #[test]
    fn cbs_spellings() {
        assert_eq!(
            codes(
                "Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]"
            ),
            ["Hresult:0x800F0805"]
        );
        assert_eq!(
            codes("Doqe: Failed processing queue with hr: 0x800705aa"),
            ["Hresult:0x800705AA"]
        );
        assert_eq!(codes("disposition 0[gle=0xd015001a]"), ["Hresult:0xD015001A"]);
        assert_eq!(
            codes("WER: Generating failure report for package: X, status: 0x8024402c, failure"),
            ["Hresult:0x8024402C"]
        );
        assert_eq!(
            codes("Binary Name: containerai.dll\tErrorCode: 800706d9\tPhase: 39"),
            ["Hresult:0x800706D9"]
        );
        assert_eq!(
            codes("(F) Failed execution with HRESULT HRESULT_FROM_WIN32(1753).  Failure"),
            ["Hresult:0x800706D9"]
        );
        assert_eq!(
            codes("Error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) originated in function"),
            ["Ntstatus:0xC007000D"]
        );
        assert_eq!(codes("Operation failed with status -2147023143"), ["Hresult:0x800706D9"]);
        assert_eq!(codes("completed with NTSTATUS -1073283059"), ["Ntstatus:0xC007000D"]);
        assert_eq!(
            codes("(F) STATUS_SXS_COMPONENT_STORE_CORRUPT #62038# from X[gle=0xd015001a]"),
            ["Ntstatus:0xC015001A", "Hresult:0xD015001A"]
        );
        assert_eq!(
            codes("(F) HRESULT_FROM_NT(STATUS_INVALID_HANDLE) #1# from Y"),
            ["Hresult:0xD0000008"]
        );
        assert_eq!(codes("Operation result: 0x800f0820"), ["Hresult:0x800F0820"]);
    }

    #[test]
    fn dism_and_wu_spellings() {
        assert_eq!(
            codes("X - CPackageManagerCLIHandler::ExecuteCmdLine(hr:0x800f081f)"),
            ["Hresult:0x800F081F"]
        );
        assert_eq!(
            codes("processed the command line but failed. HRESULT=80070BC9"),
            ["Hresult:0x80070BC9"]
        );
        assert!(codes("No providers were found that support the command. HRESULT=0").is_empty());
        assert_eq!(codes("GLE = 0x3[gle=0x00000003]"), ["Win32:Win32 3"]);
        assert_eq!(
            codes("*FAILED* [80248007] ISusInternal:: GetUpdateMetadata3"),
            ["Hresult:0x80248007"]
        );
        assert_eq!(codes("Exit code = 0x8024200B"), ["Hresult:0x8024200B"]);
        assert!(codes("Service exit [Exit code = 0x240001]").is_empty());
        assert_eq!(
            codes(
                "LogHistory called. idUpdate={E4E4}.200, resultMapped=80240017, resultUnMapped=0"
            ),
            ["Hresult:0x80240017"]
        );
        assert_eq!(codes("Driver Install (mapping to error 8024200B)"), ["Hresult:0x8024200B"]);
        assert_eq!(
            codes("Failed to evaluate Installed rule, hr = 80070057"),
            ["Hresult:0x80070057"]
        );
        assert_eq!(codes("Failed to reboot system, hr=8007045B."), ["Hresult:0x8007045B"]);
        assert_eq!(
            codes("FATAL: UH: 0x80070057: EvaluateApplicability failed"),
            ["Hresult:0x80070057"]
        );
        assert_eq!(
            codes("Complete the request URL with [80072F8F] and http status code[0]"),
            ["Hresult:0x80072F8F"]
        );
        assert_eq!(
            codes("[13388] [0xc142011c] UnmarshallImageHandleFromDirectory:(641)"),
            ["Ntstatus:0xC142011C"]
        );
    }

    #[test]
    fn insertions_and_noise() {
        assert_eq!(codes("param2 = %%2147942414"), ["Hresult:0x8007000E"]);
        assert_eq!(codes("failed to start due to %%50"), ["Win32:Win32 50"]);
        assert!(codes("called (stack @0x7fed806eb5d @0xff83e97c)").is_empty());
        assert!(codes("g_pfnApplyDeltaB(( (DELTA_FLAG_TYPE)0x00000000 ), x)").is_empty());
        assert!(codes("CSI    0000004b [l:44]'x.dll' pkt {l:8 b:31bf3856ad364e35}").is_empty());
        assert!(codes("Load undocked module: UusId:wu|hr:0x0|ModuleVer:1214").is_empty());
        assert!(codes("session options=0x40100! - X").is_empty());
        assert!(codes("Installer: Container Installer ({9edf0f01-ef44-4c87})").is_empty());
    }

    #[test]
    fn duplicates_are_kept_once() {
        assert_eq!(
            codes("[HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND] again 0x80070002"),
            ["Hresult:0x80070002"]
        );
    }
}
