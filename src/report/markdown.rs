//! Markdown that survives a ticket: text that came from a log goes into code spans, where
//! GitHub-flavoured Markdown interprets nothing (no emphasis, strikethrough, raw HTML,
//! autolinks, `#123` references, `@mentions`, emoji or math); our own sentences have every
//! character that could start such a construct escaped. Both first go through
//! [`super::safe::line`], the sanitising layer every output shares, so no control or
//! reordering character from the evidence reaches the Markdown either.

/// `s` as a code span, shown literally by any CommonMark/GFM renderer. The fence is one
/// backtick longer than the longest run inside, and padded with a space when `s` starts or
/// ends with a backtick or a space (the renderer strips exactly that padding). Line breaks
/// and tabs become spaces, as a renderer would make them anyway; other controls are shown
/// as `\u{…}` ([`super::safe::line`]).
pub fn code(s: &str) -> String {
    let s = super::safe::line(s);
    if s.trim_matches(' ').is_empty() {
        // A span of spaces only is shown as is; nothing is clearer than nothing.
        return String::new();
    }
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = s.starts_with(['`', ' ']) || s.ends_with(['`', ' ']);
    let pad = if pad { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// [`code`] for a table cell: GFM splits a row at every `|` before it reads code spans, so
/// a pipe is escaped even inside the span (the renderer removes the backslash).
pub fn code_cell(s: &str) -> String {
    cell_pipes(&code(s))
}

/// Our own words, with every character that could start a Markdown construct escaped
/// with a backslash (`CommonMark` lets any ASCII punctuation be escaped), line breaks
/// made spaces and controls shown ([`super::safe::line`]).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let chars: Vec<char> = super::safe::line(s).chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let escape = match c {
            // Emphasis, code, strikethrough, links, images, HTML, entities, tables, math,
            // headings and block quotes; `#` and `@` also because GitHub links `#123` and
            // `@name` after rendering unless they are escaped or in code.
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '<' | '>' | '&' | '|' | '$' | '#' | '@'
            | '!' => true,
            // A scheme (`http://`) or an emoji shortcode (`:smile:`): a colon before a
            // letter or a slash. "cause: storage" and "02:01" stay as they are.
            ':' => next.is_some_and(|n| n.is_ascii_alphabetic() || n == '/'),
            // `www.` starts an extended autolink; `1.` or `1)` at the start, an ordered
            // list item.
            '.' | ')' => {
                let www = c == '.'
                    && i >= 3
                    && chars[i - 3..i].iter().all(|w| w.eq_ignore_ascii_case(&'w'));
                www || (i > 0 && chars[..i].iter().all(char::is_ascii_digit))
            }
            // At the start: a list item, a setext underline or a thematic break.
            '-' | '+' | '=' => prev.is_none(),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn cell_pipes(s: &str) -> String {
    s.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_pick_a_fence_the_text_cannot_close() {
        assert_eq!(code("CBS.log:12"), "`CBS.log:12`");
        assert_eq!(code("a `b` c"), "``a `b` c``");
        assert_eq!(code("``x"), "``` ``x ```");
        assert_eq!(code(" lead"), "`  lead `");
        assert_eq!(code("two\nlines"), "`two lines`");
        assert_eq!(code("   "), "");
        assert_eq!(code_cell("a|b"), "`a\\|b`");
        assert_eq!(code("a`b.log"), "``a`b.log``");
        assert_eq!(code("<img src=x onerror=alert(1)>"), "`<img src=x onerror=alert(1)>`");
        assert_eq!(code("two\nlines\u{1b}[2J\u{202e}"), "`two lines\\u{1b}[2J\\u{202e}`");
    }

    #[test]
    fn text_escapes_what_could_start_a_construct() {
        assert_eq!(text("*FAILED*"), "\\*FAILED\\*");
        assert_eq!(text("Most likely cause: storage"), "Most likely cause: storage");
        assert_eq!(text("see http://x"), "see http\\://x");
        assert_eq!(text("www.example.com"), "www\\.example.com");
        assert_eq!(text("1. first"), "1\\. first");
        assert_eq!(text("- item"), "\\- item");
        assert_eq!(text("a-b 2.5"), "a-b 2.5");
        assert_eq!(text("KB1 <script>x</script>"), "KB1 \\<script\\>x\\</script\\>");
        assert_eq!(text("title\u{1b}]0;owned\u{7}"), "title\\\\u{1b}\\]0;owned\\\\u{7}");
    }
}
