//! `wutriage explain` and `wutriage rules`: the offline code decoder and the rule catalogue.

use crate::code::setup::{self as setup_codes, Extended};
use crate::code::{Code, CodeKind};
use crate::knowledge::{self, Class};
use crate::rules::{self, RULES, Rule};
use serde::Serialize;
use std::io::{self, Write};

/// HRESULT facility names (winerror.h `FACILITY_*`).
fn facility_name(f: u32) -> Option<&'static str> {
    Some(match f {
        0 => "NULL",
        1 => "RPC",
        2 => "DISPATCH",
        3 => "STORAGE",
        4 => "ITF",
        7 => "WIN32",
        8 => "WINDOWS",
        9 => "SECURITY",
        10 => "CONTROL",
        11 => "CERT",
        12 => "INTERNET",
        15 => "SETUPAPI (CBS_E_* and PSFX_E_* servicing codes live here)",
        23 => "SXS",
        25 => "HTTP",
        32 => "BACKGROUNDCOPY (BITS)",
        36 => "WINDOWSUPDATE",
        _ => return None,
    })
}

/// Parses what a user may type: `0x80070306`, `80070306`, `-2147023143`, `2147942414`,
/// `774` (a Win32 number), `%%2147942414`, or a name such as `ERROR_ERRORS_ENCOUNTERED`.
pub fn parse_code(input: &str) -> Option<Code> {
    let s = input.trim().trim_start_matches("%%");
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).ok().map(Code::classify);
    }
    // Eight hex digits are how logs write codes without 0x (`80070306`), even when all
    // of them happen to be decimal digits.
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return u32::from_str_radix(s, 16).ok().map(Code::classify);
    }
    if let Ok(v) = s.parse::<i64>() {
        let v = if v < 0 { v + (1 << 32) } else { v };
        let v = u32::try_from(v).ok()?;
        return Some(if v < 0x1_0000 { Code::win32(v) } else { Code::classify(v) });
    }
    let name = s.to_ascii_uppercase();
    let code = Code::from_name(&name)?;
    // Win32 names are explained as the HRESULT logs print.
    Some(if code.kind() == CodeKind::Win32 {
        Code::from_win32_as_hresult(code.value())
    } else {
        code
    })
}

fn class_words(c: Class) -> String {
    match c {
        Class::Cause(cat) => format!("evidence of: {}", cat.title().to_lowercase()),
        Class::CatchAll => {
            "catch-all: it hides the real failure; look for an earlier, specific error".into()
        }
        Class::InvalidHandle => "invalid-handle family".into(),
        Class::Benign => "routine: seen on healthy machines, not a failure by itself".into(),
        Class::General => "general error".into(),
    }
}

/// Parses a Windows Setup result with its extend code, as Setup and SetupDiag write it:
/// `0xC1900101-0x30018`, `0xC1900101 - 0x30018`, `0x8007000D, 0x2000C`.
pub fn parse_setup_pair(input: &str) -> Option<(Code, Extended)> {
    let (result, ext) = setup_codes::parse_pair(input)?;
    Some((Code::classify(result), ext))
}

/// Writes the explanation of a setup result and its extend code: the phase and operation
/// the extend code names, what Microsoft's resolution procedures say of the pair, then the
/// result code itself.
pub fn write_setup_pair(code: Code, ext: Extended, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "0x{:08X}-{ext}  Windows Setup result and extend code", code.as_hresult())?;
    let digit = ext.0 >> 16;
    match ext.phase() {
        Some(p) => {
            writeln!(w, "  phase:     {digit} = {} ({}): {}", p.symbol(), p.name(), p.describe())?;
        }
        None => writeln!(w, "  phase:     {digit}, not in Setup's phase table")?,
    }
    let op = ext.operation();
    match (op.symbol(), op.describe()) {
        (Some(s), Some(d)) => writeln!(w, "  operation: 0x{:X} = SP_EXECUTION_OP_{s}: {d}", op.0)?,
        _ => writeln!(w, "  operation: 0x{:X}, not in Setup's operation table", op.0)?,
    }
    writeln!(
        w,
        "  source:    phase and operation tables of \"Upgrade error codes\" (upgrade-error-codes.md, MicrosoftDocs/windows-itpro-docs)"
    )?;
    if let Some(known) = setup_codes::known_pair(code.as_hresult(), ext) {
        writeln!(w, "  known:     {known} (\"Resolution procedures\", resolution-procedures.md)")?;
    }
    writeln!(w)?;
    write_code(code, w)
}

/// Writes the explanation of one code.
pub fn write_code(code: Code, w: &mut dyn Write) -> io::Result<()> {
    let v = code.value();
    let name = code.name().unwrap_or("(no public name)");
    writeln!(w, "{code}  {name}")?;
    let setup = setup_codes::find(v).filter(|_| code.kind() != CodeKind::Win32);
    if let Some(s) = setup {
        writeln!(
            w,
            "  kind:      Windows Setup result code (0xC18…/0xC19…: Setup's own values, not NTSTATUS)"
        )?;
        writeln!(w, "  source:    {}", s.source)?;
        if v == 0xC190_0101 {
            writeln!(
                w,
                "  extend:    Setup reports it with an extend code (0xC1900101-0x30018) that names the phase and operation; explain the pair to decode it"
            )?;
        }
    }
    match code.kind() {
        _ if setup.is_some() => {}
        CodeKind::Hresult => {
            let sev = if v >> 31 == 1 { "failure" } else { "success" };
            let fac = code.facility();
            let nt = v & 0x1000_0000 != 0;
            let fac_name =
                if nt { Some("NT status wrapped by HRESULT_FROM_NT") } else { facility_name(fac) };
            writeln!(
                w,
                "  kind:      HRESULT, severity {sev}, facility {fac}{}",
                fac_name.map(|n| format!(" = {n}")).unwrap_or_default()
            )?;
            if let Some(n) = code.win32_number() {
                writeln!(
                    w,
                    "  Win32:     {n} (HRESULT_FROM_WIN32({n})){}",
                    Code::win32(n).name().map(|x| format!(" {x}")).unwrap_or_default()
                )?;
            }
            if nt {
                let st = Code::ntstatus(v & !0x1000_0000);
                writeln!(w, "  NTSTATUS:  {st} {}", st.name().unwrap_or(""))?;
            }
        }
        CodeKind::Ntstatus => {
            let sev = ["success", "informational", "warning", "error"][(v >> 30) as usize];
            writeln!(w, "  kind:      NTSTATUS, severity {sev}, facility {}", (v >> 16) & 0xFFF)?;
            if v >> 16 == 0xC007 {
                writeln!(w, "  Win32:     {} (NTSTATUS_FROM_WIN32)", v & 0xFFFF)?;
            }
            writeln!(w, "  as HRESULT: 0x{:08X} (how CSI prints it as gle=)", code.as_hresult())?;
        }
        CodeKind::Win32 => {
            writeln!(
                w,
                "  kind:      Win32 error {v}; logs print it as HRESULT 0x{:08X}",
                code.as_hresult()
            )?;
        }
    }
    match knowledge::describe(code) {
        Some(d) => {
            writeln!(w, "  meaning:   {}", d.text)?;
            writeln!(w, "  class:     {}", class_words(d.class))?;
            if let Class::Cause(cat) = d.class {
                let names: Vec<String> = knowledge::remedies_for(cat)
                    .iter()
                    .map(|r| r.build(&crate::remedy::Context::default(), "").title)
                    .collect();
                writeln!(w, "  remedies:  {}", names.join("; "))?;
            }
        }
        None => writeln!(
            w,
            "  meaning:   not one of the codes wutriage describes; the name above is from the Windows SDK."
        )?,
    }
    // Five hex digits with a phase first: perhaps the extend code of a setup result.
    let ext = Extended(v);
    if code.kind() == CodeKind::Hresult
        && (0x1_0000..=0x5_FFFF).contains(&v)
        && let (Some(p), Some(op)) = (ext.phase(), ext.operation().symbol())
    {
        writeln!(
            w,
            "  extend?:   if this is Windows Setup's extend code: phase {} ({}), operation {op} (upgrade-error-codes.md)",
            p.symbol(),
            p.name()
        )?;
    }
    if code.is_invalid_handle_family() {
        writeln!(
            w,
            "  note:      0x80070306 is ERROR_ERRORS_ENCOUNTERED, a catch-all, not \"the handle is invalid\"; \
             that text belongs to 0x80070006 (E_HANDLE, Win32 6) and 0xC0000008 (STATUS_INVALID_HANDLE)."
        )?;
    }
    Ok(())
}

/// One code, decoded, for `explain --format json`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CodeInfo {
    /// As given back: `0x80070306`, `0xC0000008`, or a Win32 number.
    pub code: String,
    /// `hresult`, `ntstatus` or `win32`.
    pub kind: &'static str,
    /// Symbolic name (Windows SDK), if any.
    pub name: Option<&'static str>,
    /// The HRESULT form logs print.
    pub hresult: String,
    /// HRESULT facility number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<u32>,
    /// Its name, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility_name: Option<&'static str>,
    /// The Win32 error it carries, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub win32: Option<u32>,
    /// What it means, in our words (`null` when wutriage does not describe it).
    pub meaning: Option<&'static str>,
    /// How diagnosis reads it.
    pub class: Option<String>,
    /// Remedy titles, when the code is evidence of a cause.
    pub remedies: Vec<String>,
    /// 0x80070306, 0x80070006 or 0xC0000008.
    pub invalid_handle_family: bool,
}

/// One rule, for `explain --format json`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RuleInfo {
    /// `STO001`.
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// The cause it is evidence of (its id).
    pub cause: &'static str,
    /// Default severity.
    pub severity: String,
    /// The rule's documentation.
    pub doc: String,
}

/// What `explain --format json` writes for each argument.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Explained {
    /// An error code.
    Code(CodeInfo),
    /// A rule.
    Rule(RuleInfo),
    /// A Windows Setup result and extend code pair (`0xC1900101-0x30018`).
    SetupPair(SetupPairInfo),
}

/// A Windows Setup result and extend code pair, for `explain --format json`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SetupPairInfo {
    /// The pair as given back: `0xC1900101-0x30018`.
    pub code: String,
    /// Its explanation (phase, operation, the result code), as the text output gives it.
    pub text: String,
}

/// The JSON document of `explain --format json`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Explanation {
    /// JSON contract version.
    pub schema_version: u32,
    /// One entry per argument, in order.
    pub items: Vec<Explained>,
}

impl CodeInfo {
    /// Decodes `code`.
    pub fn new(code: Code) -> Self {
        let v = code.value();
        let (kind, facility, facility_name, win32) = match code.kind() {
            CodeKind::Hresult => {
                let nt = v & 0x1000_0000 != 0;
                let fac = code.facility();
                let name = if nt {
                    Some("NT status wrapped by HRESULT_FROM_NT")
                } else {
                    facility_name(fac)
                };
                ("hresult", Some(fac), name, code.win32_number())
            }
            CodeKind::Ntstatus => {
                ("ntstatus", None, None, (v >> 16 == 0xC007).then_some(v & 0xFFFF))
            }
            CodeKind::Win32 => ("win32", None, None, Some(v)),
        };
        let d = knowledge::describe(code);
        let remedies = match d.map(|d| d.class) {
            Some(Class::Cause(cat)) => knowledge::remedies_for(cat)
                .iter()
                .map(|r| r.build(&crate::remedy::Context::default(), "").title)
                .collect(),
            _ => Vec::new(),
        };
        CodeInfo {
            code: code.to_string(),
            kind,
            name: code.name(),
            hresult: format!("0x{:08X}", code.as_hresult()),
            facility,
            facility_name,
            win32,
            meaning: d.map(|d| d.text),
            class: d.map(|d| class_words(d.class)),
            remedies,
            invalid_handle_family: code.is_invalid_handle_family(),
        }
    }
}

impl RuleInfo {
    /// Describes `rule`.
    pub fn new(rule: &Rule) -> Self {
        RuleInfo {
            id: rule.id,
            name: rule.name,
            cause: rule.category.id(),
            severity: format!("{:?}", rule.severity).to_lowercase(),
            doc: rule
                .doc
                .lines()
                .map(|l| l.strip_prefix(' ').unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n")
                .trim()
                .to_string(),
        }
    }
}

/// Writes one rule's documentation.
pub fn write_rule(rule: &Rule, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "{} ({}) — {}, default severity {:?}",
        rule.id,
        rule.name,
        rule.category.title(),
        rule.severity
    )?;
    writeln!(w)?;
    for line in rule.doc.lines() {
        writeln!(w, "{}", line.strip_prefix(' ').unwrap_or(line))?;
    }
    Ok(())
}

/// Writes the list of rules in `width` columns.
pub fn write_rules(w: &mut dyn Write, width: usize) -> io::Result<()> {
    let mut t = super::grid::Grid::new(&["id", "cause", "severity", "what it finds"]).label("");
    for r in RULES {
        t.row(vec![
            super::grid::GridCell::new(r.id),
            super::grid::GridCell::new(r.category.id()),
            super::grid::GridCell::new(format!("{:?}", r.severity).to_lowercase()),
            super::grid::GridCell::new(r.summary()),
        ]);
    }
    write!(w, "{}", t.render(width, false))?;
    for line in
        textwrap::wrap("Run `wutriage explain <ID>` for a rule's documentation.", width.max(20))
    {
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// Whether the argument names a rule (`STO001`).
pub fn as_rule(arg: &str) -> Option<&'static Rule> {
    let b = arg.as_bytes();
    (b.len() == 6
        && b[..3].iter().all(u8::is_ascii_alphabetic)
        && b[3..].iter().all(u8::is_ascii_digit))
    .then(|| rules::find(arg))
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        assert_eq!(parse_code("0x80070306"), Some(Code::hresult(0x8007_0306)));
        assert_eq!(parse_code("80070306"), Some(Code::hresult(0x8007_0306)));
        assert_eq!(parse_code("-2147023143"), Some(Code::hresult(0x8007_06D9)));
        assert_eq!(parse_code("2147942414"), Some(Code::hresult(0x8007_000E)));
        assert_eq!(parse_code("%%2147942414"), Some(Code::hresult(0x8007_000E)));
        assert_eq!(parse_code("774"), Some(Code::win32(774)));
        assert_eq!(parse_code("error_errors_encountered"), Some(Code::hresult(0x8007_0306)));
        assert_eq!(parse_code("CBS_E_STORE_CORRUPTION"), Some(Code::hresult(0x800F_0831)));
        assert_eq!(parse_code("0xC0000008"), Some(Code::ntstatus(0xC000_0008)));
        assert_eq!(parse_code("nonsense"), None);
    }

    #[test]
    fn explains_the_headline_code_honestly() {
        let mut out = Vec::new();
        write_code(parse_code("0x80070306").unwrap(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("ERROR_ERRORS_ENCOUNTERED"));
        assert!(s.contains("facility 7 = WIN32"));
        assert!(s.contains("Win32:     774"));
        assert!(s.contains("catch-all"));
        assert!(!s.contains("meaning:   The handle is invalid"));
    }

    #[test]
    fn setup_codes_and_extend_codes() {
        let mut out = Vec::new();
        write_code(parse_code("0xC1900101").unwrap(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("MOSETUP_E_SETUP_PLATFORM"), "{s}");
        assert!(s.contains("Windows Setup result code") && !s.contains("NTSTATUS, severity"));
        assert!(s.contains("resolution-procedures.md"));
        let (code, ext) = parse_setup_pair("0xC1900101-0x30018").unwrap();
        let mut out = Vec::new();
        write_setup_pair(code, ext, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("SP_EXECUTION_FIRST_BOOT"), "{s}");
        assert!(s.contains("SP_EXECUTION_OP_SYSPREP"));
        assert!(s.contains("upgrade-error-codes.md"));
        assert!(s.contains("known:") && s.contains("setupapi.dev.log"));
        assert!(s.contains("MOSETUP_E_SETUP_PLATFORM"));
        assert_eq!(parse_setup_pair("0x8007000D - 0x2000C").unwrap().1, Extended(0x2000C));
        assert!(parse_setup_pair("0x80070306").is_none());
        assert_eq!(parse_code("MOSETUP_E_REPORTING"), Some(Code::hresult(0xC190_0108)));
    }

    #[test]
    fn rules_are_found_by_id() {
        assert_eq!(as_rule("STO001").map(|r| r.id), Some("STO001"));
        assert!(as_rule("0x80070306").is_none());
    }
}
