//! `wutriage analyze --format html`: one self-contained page for a ticket or a browser.
//!
//! The page loads nothing: styles are inline, the timeline is inline SVG, there is no script,
//! and a Content-Security-Policy forbids every fetch, so it opens the same offline and
//! cannot call out even if a log line were to smuggle markup past [`esc`]. Every piece of
//! log text goes through [`esc`].

use super::analyze::{CauseView, EvidenceView, Report};
use super::picture::{Picture, colour};
use crate::category::Category;
use crate::remedy::Risk;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Escapes text for HTML and SVG content and for quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are not allowed in HTML text;
            // they, and the characters that reorder text, are shown as `\u{…}`.
            c if super::safe::is_unsafe(c) && c != '\n' && c != '\t' => {
                out.push_str(&super::safe::name(c.encode_utf8(&mut [0; 4])));
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1d2330; background: #ffffff; margin: 0; }
main { max-width: 1140px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; border-bottom: 1px solid #dde1e7; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 6px; }
.sub { color: #5b6473; margin: 0 0 16px; }
code, .mono { font-family: ui-monospace, "Cascadia Mono", Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
#verdict { border-left: 6px solid #3b6fb6; background: #eef3fb; padding: 12px 16px; border-radius: 4px; }
#verdict.failed { border-color: #b30000; background: #fbeeee; }
#verdict p { margin: 4px 0; }
#verdict p.headline { font-weight: 600; font-size: 17px; }
#verdict p.warn { font-weight: 600; color: #8a1c00; }
figure { margin: 0; overflow-x: auto; }
svg.timeline { display: block; max-width: 100%; height: auto; }
details > summary { cursor: pointer; color: #3b6fb6; margin: 4px 0; }
.scroll { overflow-x: auto; }
.shell { color: #5b6473; font-size: 13px; margin-top: 2px; }
@media (max-width: 900px) {
  main { padding: 16px 10px 32px; }
  th, td { padding: 4px 5px; }
  td code, li code { overflow-wrap: anywhere; }
  td.when { white-space: normal; }
}
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #e6e9ee; }
th { background: #f4f6f9; font-weight: 600; }
td.update, td.path { overflow-wrap: anywhere; }
td.update { min-width: 6.5em; }
td.when { white-space: nowrap; }
.cause { border: 1px solid #dde1e7; border-left: 8px solid var(--c); border-radius: 4px; padding: 10px 14px; margin: 0 0 12px; }
.cause .meta { color: #5b6473; margin: 0 0 6px; }
.cause .note { font-style: italic; }
.cause ul { margin: 4px 0 0; padding-left: 20px; }
.cause li { margin: 2px 0; }
.against { color: #6b4b00; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.conf-high { background: #1d2330; color: #fff; }
.conf-medium { background: #5b6473; color: #fff; }
.conf-low { background: #dde1e7; color: #1d2330; }
.risk-read-only, .risk-low { background: #dcefe3; color: #145c2e; }
.risk-changes-system { background: #fff1cc; color: #6b4b00; }
.risk-risky-on-failing-storage { background: #fbe0d6; color: #8a1c00; }
ol.remedies > li { margin: 0 0 12px; }
ol.remedies .wait { color: #8a1c00; font-weight: 600; }
ol.remedies ul { padding-left: 20px; margin: 4px 0; }
pre { background: #f4f6f9; padding: 4px 8px; margin: 2px 0 4px; white-space: pre-wrap; word-break: break-all; }
footer { color: #5b6473; margin-top: 32px; font-size: 13px; }
"#;

fn risk_class(r: Risk) -> &'static str {
    match r {
        Risk::ReadOnly => "risk-read-only",
        Risk::Low => "risk-low",
        Risk::ChangesSystem => "risk-changes-system",
        Risk::RiskyOnFailingStorage => "risk-risky-on-failing-storage",
    }
}

fn category_of(c: &CauseView) -> Option<Category> {
    Category::ALL.into_iter().find(|k| k.id() == c.cause)
}

fn evidence_item(s: &mut String, e: &EvidenceView) {
    s.push_str("<li>");
    evidence_body(s, e);
    s.push_str("</li>");
}

/// An evidence item's place, rule, time and excerpt.
fn evidence_body(s: &mut String, e: &EvidenceView) {
    let _ = write!(
        s,
        r#"<code>{at}</code> <span class="mono">{rule}</span> {time} — {text}{weak}"#,
        at = esc(&e.event.at),
        rule = esc(&e.rule),
        time = esc(&e.event.time.as_deref().map_or_else(|| "time unknown".to_string(), short)),
        text = esc(&e.event.excerpt),
        weak = if e.weak { " <em>(weak: text in no known format)</em>" } else { "" },
    );
}

fn short(iso: &str) -> String {
    iso.get(..19).unwrap_or(iso).replace('T', " ")
}

/// Writes the page. `inputs` names the bundles for the title.
pub fn write(
    report: &Report,
    picture: &Picture,
    inputs: &[String],
    w: &mut dyn Write,
) -> io::Result<()> {
    let mut s = String::with_capacity(64 * 1024);
    let names = inputs.join(", ");
    let _ = write!(
        s,
        concat!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            "<meta name=\"generator\" content=\"wutriage {ver}\">\n",
            "<title>Windows Update triage: {names}</title>\n<style>{style}</style>\n</head>\n<body>\n<main>\n",
            "<h1>Windows Update triage</h1>\n<p class=\"sub\">{names}</p>\n"
        ),
        ver = env!("CARGO_PKG_VERSION"),
        names = esc(&names),
        style = STYLE,
    );

    // Verdict.
    let failed = !report.incidents.is_empty();
    let _ = writeln!(
        s,
        "<section id=\"verdict\" class=\"{}\" aria-label=\"Verdict\">",
        if failed { "failed" } else { "clean" }
    );
    for (n, line) in report.verdict.iter().enumerate() {
        let class = if n == 0 {
            " class=\"headline\""
        } else if line.starts_with("Back up") || line.starts_with("But ") {
            " class=\"warn\""
        } else {
            ""
        };
        let _ = writeln!(s, "<p{class}>{}</p>", esc(line));
    }
    if let Some(line) = super::inventory::machine_line(&report.machine) {
        let _ = writeln!(s, "<p class=\"machine\">{}</p>", esc(&line));
    }
    s.push_str("</section>\n");

    // Timeline picture.
    s.push_str("<section id=\"timeline\">\n<h2>Timeline</h2>\n");
    let _ = writeln!(
        s,
        "<p class=\"sub\">One lane per log. {} Hover a mark for its line or record.</p>",
        esc(&report.clock)
    );
    let _ = writeln!(s, "<figure>{}</figure>\n</section>", picture.svg());

    // Incidents.
    if failed {
        s.push_str(
            "<section id=\"incidents\">\n<h2>Update failures</h2>\n<div class=\"scroll\"><table>\n",
        );
        s.push_str("<tr><th>#</th><th>update</th><th>what</th><th>code</th><th>times</th><th>first → last (UTC)</th><th>specific failure behind it</th></tr>\n");
        for i in &report.incidents {
            let mut code = i
                .code
                .as_ref()
                .map(|c| format!("<code>{}</code> {}", esc(c), esc(i.code_name.unwrap_or(""))))
                .unwrap_or_default();
            // The codes of its other attempts, as the table and Markdown give them.
            let earlier = super::analyze::earlier_codes(i);
            if !earlier.is_empty() {
                let also: Vec<String> =
                    earlier.iter().map(|c| format!("<code>{}</code>", esc(c))).collect();
                let _ = write!(code, "<br>also {}", also.join(", "));
            }
            let wraps = match (&i.wraps, &i.wraps_at) {
                (Some(c), Some(at)) => format!(
                    "<code>{}</code> {} at <code>{}</code>",
                    esc(c),
                    esc(i.wraps_name.unwrap_or("")),
                    esc(&at.at)
                ),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "<tr data-incident=\"{id}\"><td>{id}</td><td class=\"update\">{u}</td><td>{k}</td><td>{code}</td><td>{n}</td><td class=\"when\">{when}</td><td>{wraps}</td></tr>",
                id = i.id,
                u = esc(&i.update),
                k = esc(i.what),
                n = i.count,
                when = match (&i.first, &i.last) {
                    (Some(a), Some(b)) => format!("{}<br>→ {}", esc(&short(a)), esc(&short(b))),
                    _ => "time unknown".to_string(),
                },
            );
        }
        s.push_str("</table></div>\n</section>\n");
    }

    // Causes.
    if !report.causes.is_empty() {
        s.push_str("<section id=\"causes\">\n<h2>Likely causes</h2>\n");
        for c in &report.causes {
            let col = category_of(c).map_or("#5b6473", colour);
            let _ = writeln!(
                s,
                "<article class=\"cause\" data-cause=\"{id}\" style=\"--c: {col}\">\n<h3>{rank}. {title}</h3>\n<p class=\"meta\"><span class=\"badge conf-{conf}\">{conf} confidence</span> score {score:.1} from {src}, {ev}; incidents {inc}</p>",
                id = esc(c.cause),
                rank = c.rank,
                title = esc(c.title),
                conf = esc(c.confidence),
                score = c.score,
                src = super::count(c.score_parts.sources as u64, "source", "sources"),
                ev = super::count(c.score_parts.events as u64, "event", "events"),
                inc = c.incidents.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", "),
            );
            if let Some(n) = c.note {
                let _ = writeln!(s, "<p class=\"note\">{}</p>", esc(n));
            }
            if let Some(b) = &c.basis {
                let _ = writeln!(s, "<p class=\"note\">{}</p>", esc(&b.words));
            }
            // The strongest evidence shows; the rest of each cause's opens on demand.
            let _ = writeln!(
                s,
                "<details{}><summary>Evidence ({})</summary>",
                if c.rank == 1 { " open" } else { "" },
                c.evidence.len() + c.evidence_omitted + c.against.len()
            );
            s.push_str("<ul>\n");
            for e in c.evidence.iter().take(8) {
                evidence_item(&mut s, e);
                s.push('\n');
            }
            let total = c.evidence.len() + c.evidence_omitted;
            if total > 8 {
                let _ = writeln!(s, "<li>… and {} more</li>", total - 8);
            }
            for a in &c.against {
                let _ = writeln!(s, "<li class=\"against\">Against: {}</li>", esc(a));
            }
            s.push_str("</ul>\n</details>\n</article>\n");
        }
        s.push_str("</section>\n");
    }
    if !report.disks.is_empty() {
        s.push_str("<section id=\"disks\">\n<h2>Disks</h2>\n<div class=\"scroll\"><table>\n");
        s.push_str("<tr><th>disk</th><th>what it is</th><th>why</th><th>events</th></tr>\n");
        for k in &report.disks {
            let _ = writeln!(
                s,
                "<tr data-disk=\"{n}\" data-role=\"{role}\"><td>{n}</td><td>{what}</td><td>{why}</td><td>{ev}</td></tr>",
                n = k.number,
                role = esc(&serde_json::to_value(k.role)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()),
                what = esc(&k.description),
                why = esc(&k.why),
                ev = k.events,
            );
        }
        s.push_str("</table></div>\n");
        if !report.other_disks.is_empty() {
            s.push_str("<p class=\"sub\">On disks that do not hold Windows: shown, never a cause.</p>\n<ul class=\"elsewhere\">\n");
            for e in &report.other_disks {
                let _ = write!(
                    s,
                    "<li>{}: ",
                    esc(e.device.as_deref().unwrap_or("a disk that does not hold Windows"))
                );
                evidence_body(&mut s, e);
                s.push_str("</li>\n");
            }
            if report.other_disks_omitted > 0 {
                let _ = writeln!(s, "<li>… and {} more</li>", report.other_disks_omitted);
            }
            s.push_str("</ul>\n");
        }
        s.push_str("</section>\n");
    }
    if !report.warnings.is_empty() {
        s.push_str("<section id=\"warnings\">\n<h2>Warnings</h2>\n<ul>\n");
        for e in &report.warnings {
            evidence_item(&mut s, e);
            s.push('\n');
        }
        if report.warnings_omitted > 0 {
            let _ = writeln!(s, "<li>… and {} more</li>", report.warnings_omitted);
        }
        s.push_str("</ul>\n</section>\n");
    }

    // Remedies.
    if !report.remedies.is_empty() {
        s.push_str("<section id=\"remedies\">\n<h2>What to do, safest first</h2>\n<ol class=\"remedies\">\n");
        for r in &report.remedies {
            let _ = writeln!(
                s,
                "<li data-remedy=\"{id}\"><strong>{t}</strong> <span class=\"badge {rc}\">{rl}</span><br><span class=\"sub\">{why}</span>",
                id = esc(&serde_json::to_value(r.id)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()),
                t = esc(&r.title),
                rc = risk_class(r.risk),
                rl = esc(r.risk.label()),
                why = esc(&r.why),
            );
            if let Some(wait) = &r.wait {
                let _ = writeln!(s, "<div class=\"wait\">Wait: {}</div>", esc(wait));
            }
            s.push_str("<ul>\n");
            for st in &r.steps {
                let _ = write!(s, "<li>{}", esc(&st.what));
                if let Some(c) = &st.command {
                    let shell = st.shell.map_or("elevated prompt", crate::remedy::Shell::label);
                    let _ = write!(
                        s,
                        "<div class=\"shell\">In an {}:</div><pre><code>{}</code></pre>",
                        esc(shell),
                        esc(c)
                    );
                }
                s.push_str("</li>\n");
            }
            s.push_str("</ul>\n</li>\n");
        }
        s.push_str("</ol>\n</section>\n");
    }

    // Coverage.
    let c = &report.coverage;
    s.push_str("<section id=\"coverage\">\n<h2>Coverage</h2>\n");
    let _ = writeln!(
        s,
        "<p>Read {} of {}: {}, {} recovered, {}, {} outside any record, {} skipped. {}</p>",
        c.parsed,
        super::count(c.files as u64, "file", "files"),
        super::count(c.records, "record", "records"),
        c.recovered,
        super::count(c.damaged, "damaged part", "damaged parts"),
        super::count(c.unattributed_lines, "line", "lines"),
        c.skipped,
        esc(&report.clock)
    );
    // The zone and the offsets over time, when there is more to say than one offset.
    let tz = &report.time_zone;
    if tz.zone.is_some() || tz.periods.len() > 1 {
        for line in tz.lines() {
            let _ = writeln!(s, "<p class=\"sub\">{}</p>", esc(line.trim()));
        }
    }
    let _ = writeln!(
        s,
        "<details><summary>Every file ({})</summary>\n<div class=\"scroll\">",
        report.files.len()
    );
    s.push_str("<table>\n<tr><th>file</th><th>kind</th><th>records</th><th>first → last (UTC)</th><th>notes</th></tr>\n");
    for f in &report.files {
        let mut notes: Vec<String> = f.note.iter().cloned().collect();
        notes.extend(f.issues.iter().take(3).map(|i| i.detail.clone()));
        if f.issues.len() > 3 {
            notes.push(format!("… {} problems in all", f.issues.len()));
        }
        let range = match (&f.first, &f.last) {
            (Some(a), Some(b)) => format!("{}<br>→ {}", esc(&short(a)), esc(&short(b))),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "<tr><td class=\"path\"><code>{}</code></td><td>{}</td><td>{}</td><td class=\"when\">{}</td><td>{}</td></tr>",
            esc(&f.path),
            esc(f.kind),
            f.coverage.records,
            range,
            esc(&notes.join("; "))
        );
    }
    s.push_str("</table>\n</div>\n</details>\n</section>\n");
    let _ = writeln!(
        s,
        "<footer>Made by wutriage {} from the logs alone; nothing was sent anywhere. Evidence references are <code>file:line</code> for text logs and <code>file#record</code> for event logs.</footer>\n</main>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    w.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_log_text_is_inert() {
        let nasty = r#"<script>alert(1)</script> "><img src=x onerror=alert(2)> & 'q'"#;
        let e = esc(nasty);
        assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
        assert!(e.contains("&lt;script&gt;") && e.contains("&amp;"));
        assert_eq!(esc("a\u{0}b\u{1b}c\n"), "a\\u{0}b\\u{1b}c\n");
        assert_eq!(esc("x\u{202e}y"), "x\\u{202e}y");
    }
}
