//! What went wrong while reading a bundle, in sentences that name the file: inputs that
//! could not be opened, archives that could not be read, log-named files that are not logs,
//! and damage found while parsing. The binary prints them to stderr; `batch` puts them in
//! each bundle's line.

use crate::bundle::Bundle;
use crate::parse::ParsedArtifact;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Part of the input could not be read at all.
    Error,
    /// A file was skipped or read with damage; the rest was analysed.
    Warning,
}

/// One problem, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// How bad.
    pub severity: Severity,
    /// What, naming the file.
    pub text: String,
}

/// Every problem of a bundle, inputs first, then files in bundle order. A bundle with
/// nothing to analyse ends with an error that says so.
pub fn of(bundle: &Bundle, parsed: &[ParsedArtifact<'_>]) -> Vec<Problem> {
    let mut out: Vec<Problem> = bundle
        .errors
        .iter()
        .map(|e| Problem { severity: Severity::Error, text: e.to_string() })
        .collect();
    // (file, what): the same `what` for many files is said for a few and then counted.
    let mut files: Vec<(&str, String)> = Vec::new();
    for (i, art) in bundle.artifacts.iter().enumerate() {
        // Only notes on files that were meant to be read: archives, and files named like a
        // log or an archive whose content is something else.
        if let Some(note) = art.note.as_ref().filter(|_| art.warn) {
            files.push((&art.path, note.clone()));
        }
        if let Some(p) = parsed.get(i)
            && p.coverage.replaced_chars > 0
        {
            files.push((
                &art.path,
                format!(
                    "{} replaced with U+FFFD",
                    super::count(
                        p.coverage.replaced_chars,
                        &format!("invalid {} sequence", art.encoding.family()),
                        &format!("invalid {} sequences", art.encoding.family())
                    ),
                ),
            ));
        }
        if let Some(p) = parsed.get(i)
            && let Some(first) = p.issues.first()
        {
            files.push((
                &art.path,
                if p.issues.len() == 1 {
                    format!("a problem while reading: {}", first.detail)
                } else {
                    format!("{} problems while reading, first: {}", p.issues.len(), first.detail)
                },
            ));
        }
    }
    out.extend(summarised(&files));
    if nothing_to_read(bundle) {
        out.push(Problem {
            severity: Severity::Error,
            text: "no log files to analyse in the given input".to_string(),
        });
    }
    out
}

/// Files named per problem before the rest are counted.
const NAMED: usize = 5;

/// One warning per (file, what), except that beyond [`NAMED`] files with the same `what`
/// (20,000 empty cabinet folders, 100,000 empty files) the rest are one line that counts
/// them; inventory still lists every file. In the order first seen.
fn summarised(files: &[(&str, String)]) -> Vec<Problem> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (_, what) in files {
        *seen.entry(what.as_str()).or_default() += 1;
    }
    let mut shown: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (path, what) in files {
        let n = shown.entry(what.as_str()).or_default();
        *n += 1;
        let total = seen[what.as_str()];
        if *n <= NAMED {
            out.push(Problem { severity: Severity::Warning, text: format!("{path}: {what}") });
        } else if *n == NAMED + 1 {
            out.push(Problem {
                severity: Severity::Warning,
                text: format!(
                    "and {} more {}: {what} (each is listed by `wutriage inventory`)",
                    total - NAMED,
                    if total - NAMED == 1 { "file" } else { "files" }
                ),
            });
        }
    }
    out
}

/// Whether no file of the bundle can be analysed (and no input error already says why).
pub fn nothing_to_read(bundle: &Bundle) -> bool {
    bundle.parsed().next().is_none() && bundle.errors.is_empty()
}
