//! KB numbers and servicing package identities inside free text.

/// The first `KBnnnnnn` (6–7 digits) that is not part of a longer word.
pub fn find_kb(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(b.get(from..)?, b"KB") {
        let at = from + i;
        let prev_ok = at == 0 || !b[at - 1].is_ascii_alphanumeric();
        let n = b
            .get(at + 2..)
            .map_or(0, |r| r.iter().take(8).take_while(|c| c.is_ascii_digit()).count());
        if prev_ok && (6..=7).contains(&n) {
            return std::str::from_utf8(&b[at + 2..at + 2 + n]).ok()?.parse().ok();
        }
        from = at + 2;
    }
    None
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// A full package identity such as
/// `Package_for_KB3172605~31bf3856ad364e35~amd64~~6.1.1.4`: name, public key token,
/// architecture, language (often empty) and version, separated by `~`.
pub fn find_package(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'~', b.get(from..)?) {
        let tilde = from + i;
        from = tilde + 1;
        let token = b.get(tilde + 1..tilde + 17)?;
        if !token.iter().all(u8::is_ascii_hexdigit) || b.get(tilde + 17) != Some(&b'~') {
            continue;
        }
        let mut start = tilde;
        while start > 0 && is_name_byte(b[start - 1]) {
            start -= 1;
        }
        if start == tilde {
            continue;
        }
        // ~arch~lang~version
        let mut pos = tilde + 18;
        let arch =
            b.get(pos..).map_or(0, |r| r.iter().take_while(|c| c.is_ascii_alphanumeric()).count());
        pos += arch;
        if b.get(pos) != Some(&b'~') {
            continue;
        }
        pos += 1;
        let lang = b.get(pos..).map_or(0, |r| {
            r.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'-').count()
        });
        pos += lang;
        if b.get(pos) != Some(&b'~') {
            continue;
        }
        pos += 1;
        let ver = b
            .get(pos..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit() || **c == b'.').count());
        let end = pos + ver;
        let end = if b.get(end - 1) == Some(&b'.') { end - 1 } else { end };
        return text.get(start..end);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kb_numbers() {
        assert_eq!(find_kb("2022-11 Update for Windows 10 (KB5020683)"), Some(5_020_683));
        assert_eq!(
            find_kb("Package_for_KB3172605~31bf3856ad364e35~amd64~~6.1.1.4"),
            Some(3_172_605)
        );
        assert_eq!(find_kb("Windows7SP1-KB976933~31bf"), Some(976_933));
        assert_eq!(find_kb("no kb here, KB12 too short"), None);
        assert_eq!(find_kb("XKB5020683"), None);
    }

    #[test]
    fn package_identities() {
        let line = "WER: Generating failure report for package: Package_for_KB3172605~31bf3856ad364e35~amd64~~6.1.1.4, status: 0x80070308";
        assert_eq!(
            find_package(line),
            Some("Package_for_KB3172605~31bf3856ad364e35~amd64~~6.1.1.4")
        );
        let line = "package: Microsoft-Windows-LanguageFeatures-Basic-fa-ir-Package~31bf3856ad364e35~amd64~~10.0.19041.1, status";
        assert_eq!(
            find_package(line),
            Some(
                "Microsoft-Windows-LanguageFeatures-Basic-fa-ir-Package~31bf3856ad364e35~amd64~~10.0.19041.1"
            )
        );
        assert_eq!(
            find_package(
                "package: Windows7SP1-KB976933~31bf3856ad364e35~x86~~6.1.1.17514 [HRESULT"
            ),
            Some("Windows7SP1-KB976933~31bf3856ad364e35~x86~~6.1.1.17514")
        );
        assert_eq!(
            find_package("Package_217_for_KB3172605~31bf3856ad364e35~amd64~en-US~6.1.1.4."),
            Some("Package_217_for_KB3172605~31bf3856ad364e35~amd64~en-US~6.1.1.4")
        );
        assert_eq!(find_package("nothing ~ here"), None);
    }
}
