//! Level names as Windows writes them in the languages of the people this tool is for.
//! Exports in other languages localize the level (`Erreur`, `Fehler`, `エラー`) but never
//! the provider, the id or the data, so the level is the one word to translate.
//!
//! The names are those of Event Viewer and `wevtutil` on localized Windows (the French ones
//! are in the corpus' exports); an unknown word is informational, as an unknown evtx level.

use crate::event::Level;

/// `(name, level)`, compared without case.
const LEVELS: &[(&str, Level)] = &[
    // English
    ("Critical", Level::Critical),
    ("Error", Level::Error),
    ("Warning", Level::Warning),
    ("Information", Level::Info),
    ("Verbose", Level::Verbose),
    // French
    ("Critique", Level::Critical),
    ("Erreur", Level::Error),
    ("Avertissement", Level::Warning),
    ("Commentaires", Level::Verbose),
    // German
    ("Kritisch", Level::Critical),
    ("Fehler", Level::Error),
    ("Warnung", Level::Warning),
    ("Informationen", Level::Info),
    ("Ausführlich", Level::Verbose),
    // Japanese
    ("重大", Level::Critical),
    ("エラー", Level::Error),
    ("警告", Level::Warning),
    ("情報", Level::Info),
    ("詳細", Level::Verbose),
    // Spanish
    ("Crítico", Level::Critical),
    ("Advertencia", Level::Warning),
    ("Información", Level::Info),
    // Italian
    ("Critico", Level::Critical),
    ("Errore", Level::Error),
    ("Avviso", Level::Warning),
    ("Informazioni", Level::Info),
    // Portuguese
    ("Erro", Level::Error),
    ("Aviso", Level::Warning),
    ("Informações", Level::Info),
    // Russian
    ("Критический", Level::Critical),
    ("Ошибка", Level::Error),
    ("Предупреждение", Level::Warning),
    ("Сведения", Level::Info),
    // Chinese (simplified)
    ("关键", Level::Critical),
    ("错误", Level::Error),
    ("信息", Level::Info),
    // Korean
    ("위험", Level::Critical),
    ("오류", Level::Error),
    ("경고", Level::Warning),
    ("정보", Level::Info),
];

/// The level a localized name stands for; `None` for a word not in the list.
pub fn level(word: &str) -> Option<Level> {
    let w = word.trim();
    LEVELS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(w) || (!name.is_ascii() && *name == w))
        .map(|&(_, l)| l)
        .or_else(|| {
            // Case-insensitive beyond ASCII (`ERREUR`, `Ausführlich` typed otherwise).
            let lower = w.to_lowercase();
            LEVELS.iter().find(|(name, _)| name.to_lowercase() == lower).map(|&(_, l)| l)
        })
}

/// The level of a `Get-EventLog` `EntryType`, by number (`ConvertTo-Json`) or name
/// (console tables): 1 Error, 2 Warning, 4 Information, 8 and 16 audits, and 0, which
/// `Get-EventLog` prints for critical events (Kernel-Power 41).
pub fn entry_type(v: &str) -> Level {
    match v.trim() {
        "0" => Level::Critical,
        "1" | "Error" => Level::Error,
        "2" | "Warning" | "16" | "FailureAudit" => Level::Warning,
        other => level(other).unwrap_or(Level::Info),
    }
}

/// The WindowsUpdateClient event an export without ids shows by its message's opening
/// words: 20 (install failed) and 19 (installed), in English and French (the corpus'
/// exports); `None` for anything else, which keeps no id rather than a guessed one.
pub fn wu_event_id(message: &str) -> Option<u32> {
    let m = message.trim_start().replace('\u{2019}', "'");
    if m.starts_with("Installation Failure:") || m.starts_with("Échec de l'installation") {
        Some(20)
    } else if m.starts_with("Installation Successful:") || m.starts_with("Installation réussie") {
        Some(19)
    } else {
        None
    }
}

/// The code and update title of an install-failure message in any language: the first
/// `0x` followed by eight hex digits, then, after the next colon, the title (`… 0x80073d02 :
/// 9NZKPSTSNW4P-Microsoft.XboxGamingOverlay.`).
pub fn failure_code_and_title(message: &str) -> Option<(crate::code::Code, &str)> {
    let at = message.find("0x")?;
    let hex = message.get(at + 2..at + 10)?;
    let value = u32::from_str_radix(hex, 16).ok()?;
    let rest = message.get(at + 10..)?;
    // German puts words between the code and the colon (`… 0x80070070 nicht installieren:`).
    let title = rest
        .find([':', '\u{ff1a}'])
        .and_then(|i| rest.get(i..))
        .and_then(|t| t.strip_prefix([':', '\u{ff1a}']))
        .map_or("", |t| t.trim().trim_end_matches(['.', '\u{3002}']).trim());
    Some((crate::code::Code::classify(value), title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_several_languages() {
        assert_eq!(level("Erreur"), Some(Level::Error));
        assert_eq!(level("fehler"), Some(Level::Error));
        assert_eq!(level("エラー"), Some(Level::Error));
        assert_eq!(level(" Kritisch "), Some(Level::Critical));
        assert_eq!(level("AUSFÜHRLICH"), Some(Level::Verbose));
        assert_eq!(level("Whatever"), None);
        assert_eq!(entry_type("0"), Level::Critical);
        assert_eq!(entry_type("4"), Level::Info);
        assert_eq!(entry_type("Warning"), Level::Warning);
    }

    #[test]
    fn windows_update_messages() {
        assert_eq!(wu_event_id("Installation Failure: Windows failed to install"), Some(20));
        assert_eq!(
            wu_event_id("Échec de l\u{2019}installation\u{a0}: l\u{2019}installation"),
            Some(20)
        );
        assert_eq!(wu_event_id("Installation réussie : Windows a installé"), Some(19));
        assert_eq!(wu_event_id("Something else"), None);
        let (c, t) =
            failure_code_and_title("…avec l\u{2019}erreur 0x80073d02\u{a0}: Titre X.").unwrap();
        assert_eq!((c.to_string().as_str(), t), ("0x80073D02", "Titre X"));
        let (_, t) = failure_code_and_title("エラー 0x80070643: 更新プログラム。").unwrap();
        assert_eq!(t, "更新プログラム");
    }
}
