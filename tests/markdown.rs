//! `analyze --format markdown` read back by a real GFM renderer (comrak, with GitHub's
//! extensions on): log text must come back literally, as code, and every reference
//! (`file:line`, `file#record`) must be there as written; nothing from a log may become
//! emphasis, strikethrough, a link, raw HTML or math.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;

use comrak::nodes::NodeValue;
use comrak::{Arena, Options, parse_document};
use serde_json::Value;
use std::fs;
use std::process::Command;
use wutriage::report::markdown;

fn gfm() -> Options<'static> {
    let mut o = Options::default();
    let e = &mut o.extension;
    e.strikethrough = true;
    e.table = true;
    e.autolink = true;
    e.tasklist = true;
    e.footnotes = true;
    e.math_dollars = true;
    o
}

/// What a reader sees of one block: its text and code, with line breaks as `\n`.
fn inline_text<'a>(node: &'a comrak::nodes::AstNode<'a>, out: &mut String) {
    for n in node.children() {
        match &n.data().value {
            NodeValue::Text(t) => out.push_str(t),
            NodeValue::Code(c) => out.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => out.push('\n'),
            _ => inline_text(n, out),
        }
    }
}

/// Node kinds that mean a renderer turned text into markup.
fn is_markup(v: &NodeValue) -> bool {
    matches!(
        v,
        NodeValue::Emph
            | NodeValue::Strikethrough
            | NodeValue::Link(_)
            | NodeValue::Image(_)
            | NodeValue::HtmlInline(_)
            | NodeValue::HtmlBlock(_)
            | NodeValue::Math(_)
            | NodeValue::FootnoteReference(_)
            | NodeValue::TaskItem(_)
            | NodeValue::Heading(_)
            | NodeValue::ThematicBreak
            | NodeValue::BlockQuote
    )
}

#[test]
fn escaped_text_renders_as_itself() {
    let hostile = [
        "*FAILED* and _x_ and **y**",
        "Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.3155.1.6",
        "~~gone~~ <script>alert(1)</script> <b>bold</b> &amp; &lt;",
        "[link](http://example.com) ![img](x.png) <http://example.com>",
        "see https://example.com and www.example.com or a@example.com",
        "@admin closes #123; $x^2$ and :smile: and [^1]",
        "- not a list",
        "1. not a list",
        "# not a heading",
        "> not a quote",
        "back\\slash \\* and a | pipe and `tick` ``two``",
        "2024-02-14 02:01:42, Error CBS Failed [HRESULT = 0x80070306]",
        "= setext",
    ];
    let arena = Arena::new();
    for s in hostile {
        let md = markdown::text(s);
        let doc = parse_document(&arena, &md, &gfm());
        for n in doc.descendants() {
            assert!(!is_markup(&n.data().value), "{s:?} → {md:?} made {:?}", n.data().value);
        }
        let mut got = String::new();
        inline_text(doc, &mut got);
        assert_eq!(got, s, "{md:?}");
    }
}

#[test]
fn code_spans_render_as_themselves() {
    let arena = Arena::new();
    for s in ["a `b` c", "``", "`lead", "trail`", " space ", "a|b", "<i>x</i>", "x\\"] {
        let md = markdown::code(s);
        let doc = parse_document(&arena, &md, &gfm());
        let mut got = String::new();
        inline_text(doc, &mut got);
        assert_eq!(got, s, "{md:?}");
        // In a table cell too.
        let table = format!("| h |\n|---|\n| {} |\n", markdown::code_cell(s));
        let doc = parse_document(&arena, &table, &gfm());
        let cells: Vec<String> = doc
            .descendants()
            .filter(|n| matches!(n.data().value, NodeValue::TableCell))
            .map(|n| {
                let mut t = String::new();
                inline_text(n, &mut t);
                t
            })
            .collect();
        assert_eq!(cells, ["h", s], "{table:?}");
    }
}

/// The storage demo bundle with log text that Markdown would eat, in a file whose name
/// would too.
fn hostile_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::fixture("bundles/storage-0x80070306"), dir.path());
    let cbs = dir.path().join("Logs/CBS/CBS.log");
    let text = fs::read_to_string(&cbs).unwrap().replace(
        "Failed to stage package Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.3155.1.6",
        "Failed to stage package Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.3155.1.6 \
         *FAILED* <script>alert(1)</script> [x](http://example.com) @admin #123 `tick` a|b \
         $x$ **b** www.example.com",
    );
    fs::remove_file(&cbs).unwrap();
    fs::write(dir.path().join("Logs/CBS/CBS_*copy*_~1~.log"), text).unwrap();
    dir
}

fn wutriage(args: &[&str]) -> Vec<u8> {
    let o = Command::new(env!("CARGO_BIN_EXE_wutriage")).args(args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

#[test]
fn the_report_keeps_log_text_and_references_literal() {
    let dir = hostile_bundle();
    let path = dir.path().to_str().unwrap();
    let md = String::from_utf8(wutriage(&["analyze", "--format", "markdown", path])).unwrap();
    let json: Value =
        serde_json::from_slice(&wutriage(&["analyze", "--format", "json", path])).unwrap();

    let arena = Arena::new();
    let doc = parse_document(&arena, &md, &gfm());
    for n in doc.descendants() {
        assert!(
            !is_markup(&n.data().value) || matches!(n.data().value, NodeValue::Heading(_)),
            "markup {:?} in\n{md}",
            n.data().value
        );
    }
    let codes: Vec<String> = doc
        .descendants()
        .filter_map(|n| match &n.data().value {
            NodeValue::Code(c) => Some(c.literal.clone()),
            _ => None,
        })
        .collect();

    // Every piece of evidence: where it is and what it says, exactly as JSON has them.
    let mut checked = 0;
    for cause in json["causes"].as_array().unwrap() {
        for e in cause["evidence"].as_array().unwrap().iter().take(5) {
            for key in ["at", "excerpt", "rule"] {
                let want = e[key].as_str().unwrap();
                assert!(codes.iter().any(|c| c == want), "{key} {want:?} not literal in\n{md}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 3);
    let hostile = codes.iter().find(|c| c.contains("*FAILED*")).expect("the crafted line");
    assert!(hostile.contains("<script>alert(1)</script> [x](http://example.com) @admin #123"));
    assert!(hostile.contains("~amd64~~22631"));
    assert!(codes.iter().any(|c| c.starts_with("Logs/CBS/CBS_*copy*_~1~.log:")), "{codes:?}");

    // The verdict reads as JSON's sentences, one per line.
    let first = doc.children().find(|n| matches!(n.data().value, NodeValue::Paragraph)).unwrap();
    let mut verdict = String::new();
    inline_text(first, &mut verdict);
    let want: Vec<&str> =
        json["verdict"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(verdict.trim_end(), want.join("\n"));

    // The update failures table: the code and its name, literal.
    let cells: Vec<String> = doc
        .descendants()
        .filter(|n| matches!(n.data().value, NodeValue::TableCell))
        .map(|n| {
            let mut t = String::new();
            inline_text(n, &mut t);
            t
        })
        .collect();
    assert!(cells.iter().any(|c| c == "0x80070306 ERROR_ERRORS_ENCOUNTERED"), "{cells:?}");

    // And what a browser would get from the rendered HTML.
    let html = comrak::markdown_to_html(&md, &gfm());
    for bad in ["<script", "<a ", "<em>", "<del>", "<img"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
}
