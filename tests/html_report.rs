//! `analyze --format html` in a real browser: headless Chromium loads the report of every
//! fixture bundle; the DOM must hold the verdict, every cause and every lane; a screenshot
//! of the timeline must not be blank and must show each cause's colour. A crafted log line
//! must stay text. Screenshots are kept under the target folder (`tmp/html-report/`) for a
//! person to look at.
//!
//! Without Chromium the browser checks print "skipped: chromium not found", except under CI
//! (`CI` set), where a missing browser fails the test: .ci/run installs it.

#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "test and tool code"
)]

mod common;

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use wutriage::diagnose::Category;
use wutriage::pipeline::{self, Options};
use wutriage::report::{lane, picture};

fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| {
        ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file())
            })
        })
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium not found, and CI must run the browser checks (.ci/run installs it)"
        );
        eprintln!("skipped: chromium not found");
    }
    found
}

/// Runs headless Chromium with a fresh profile and no network chatter.
fn browse(chrome: &Path, args: &[String]) -> Vec<u8> {
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("chromium runs");
    assert!(o.status.success(), "chromium failed: {}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

fn url(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn report(bundle: &Path, format: &str) -> Vec<u8> {
    let o = Command::new(env!("CARGO_BIN_EXE_wutriage"))
        .args(["analyze", "--format", format])
        .arg(bundle)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

/// Text as Chromium serialises it in a dumped DOM.
fn dom_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\u{a0}', "&nbsp;")
}

fn lanes_of(bundle: &Path) -> Vec<String> {
    pipeline::run(&[bundle.to_path_buf()], &Options::default(), |a| lane::all(a.bundle))
}

struct Png {
    w: usize,
    h: usize,
    rgba: Vec<u8>,
}

fn decode(path: &Path) -> Png {
    let mut d = png::Decoder::new(std::io::BufReader::new(fs::File::open(path).unwrap()));
    d.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut r = d.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba, "expanded to RGBA");
    buf.truncate(info.buffer_size());
    Png { w: info.width as usize, h: info.height as usize, rgba: buf }
}

impl Png {
    fn px(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.w + x) * 4;
        [self.rgba[i], self.rgba[i + 1], self.rgba[i + 2]]
    }

    /// Pixels in the box `[x0, x1) × [y0, y1)`.
    fn region(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> Vec<[u8; 3]> {
        let mut v = Vec::new();
        for y in y0..y1.min(self.h) {
            for x in x0..x1.min(self.w) {
                v.push(self.px(x, y));
            }
        }
        v
    }
}

fn hex(c: &str) -> [u8; 3] {
    let n = u32::from_str_radix(c.trim_start_matches('#'), 16).unwrap();
    [(n >> 16) as u8, (n >> 8) as u8, n as u8]
}

fn shots_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn every_fixture_report_shows_verdict_causes_lanes_and_a_timeline_in_a_browser() {
    let Some(chrome) = chromium() else { return };
    let shots = shots_dir();
    let work = tempfile::tempdir().unwrap();
    let mut bundles: Vec<PathBuf> = fs::read_dir(common::fixture("bundles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    bundles.sort();
    for b in &bundles {
        let name = b.file_name().unwrap().to_str().unwrap();
        let html = report(b, "html");
        let page = work.path().join(format!("{name}.html"));
        fs::write(&page, &html).unwrap();
        let json: Value = serde_json::from_slice(&report(b, "json")).unwrap();

        // The DOM after loading holds the verdict, every cause and every lane.
        let dom = String::from_utf8(browse(&chrome, &["--dump-dom".into(), url(&page)])).unwrap();
        assert!(dom.contains("id=\"verdict\""), "{name}: no verdict section");
        for line in json["verdict"].as_array().unwrap() {
            let line = dom_text(line.as_str().unwrap());
            assert!(dom.contains(&line), "{name}: verdict line missing: {line}");
        }
        for c in json["causes"].as_array().unwrap() {
            let id = c["cause"].as_str().unwrap();
            assert!(dom.contains(&format!("data-cause=\"{id}\"")), "{name}: cause {id}");
            assert!(dom.contains(&dom_text(c["title"].as_str().unwrap())), "{name}: {id} title");
        }
        for r in json["remedies"].as_array().unwrap() {
            assert!(dom.contains(&dom_text(r["title"].as_str().unwrap())), "{name}: remedy");
        }
        let lanes = lanes_of(b);
        assert!(!lanes.is_empty(), "{name}: no lanes");
        for l in &lanes {
            assert!(dom.contains(&format!("data-lane=\"{}\"", dom_text(l))), "{name}: lane {l}");
        }
        let incidents = json["incidents"].as_array().unwrap().len();
        assert_eq!(dom.matches("class=\"incident\"").count() > 0, incidents > 0, "{name}: bands");
        assert!(dom.contains("id=\"coverage\""), "{name}: coverage");

        // The whole page, for a person to look at; it must not be blank.
        let full = shots.join(format!("{name}.png"));
        browse(
            &chrome,
            &[
                format!("--screenshot={}", full.display()),
                "--window-size=1400,1800".into(),
                url(&page),
            ],
        );
        let shot = decode(&full);
        let ink =
            shot.region(0, 0, shot.w, shot.h).iter().filter(|p| **p != [255, 255, 255]).count();
        assert!(ink > shot.w * shot.h / 50, "{name}: page nearly blank ({ink} px)");

        // The timeline alone, at its own size, so its region is known exactly.
        let html = String::from_utf8(html).unwrap();
        let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap() + 6];
        let alone = work.path().join(format!("{name}-timeline.html"));
        fs::write(
            &alone,
            format!(
                "<!DOCTYPE html><html><body style=\"margin:0;background:#fff\">{svg}</body></html>"
            ),
        )
        .unwrap();
        let tl = shots.join(format!("{name}-timeline.png"));
        let (w, h) = (picture::WIDTH as usize, svg_height(svg));
        browse(
            &chrome,
            &[
                format!("--screenshot={}", tl.display()),
                format!("--window-size={w},{h}"),
                url(&alone),
            ],
        );
        let shot = decode(&tl);
        // The lanes: right of the labels, between the axis and the legend.
        let lanes_box = shot.region(200, 46, w - 24, 46 + 30 * lanes.len());
        let mut colours: Vec<[u8; 3]> = lanes_box.clone();
        colours.sort_unstable();
        colours.dedup();
        assert!(colours.len() >= 4, "{name}: timeline region is blank ({} colours)", colours.len());
        let lane_fill = [[255, 255, 255], hex("#f4f6f9")];
        let marks = lanes_box.iter().filter(|p| !lane_fill.contains(p)).count();
        assert!(marks >= 30, "{name}: nothing drawn in the lanes ({marks} px)");
        if incidents > 0 {
            let red = lanes_box.iter().filter(|p| **p == hex("#b30000")).count();
            assert!(red >= 20, "{name}: no failure record drawn ({red} px)");
        }
        // Each cause that has a dot shows in its own colour.
        let mut dotted = 0;
        for c in Category::ALL {
            if !svg.contains(&format!("class=\"evidence\" data-cause=\"{}\"", c.id())) {
                continue;
            }
            dotted += 1;
            let want = hex(picture::colour(c));
            let n = lanes_box.iter().filter(|p| **p == want).count();
            assert!(
                n >= 20,
                "{name}: {} dots not drawn in {} ({n} px)",
                c.id(),
                picture::colour(c)
            );
        }
        if !json["causes"].as_array().unwrap().is_empty() {
            assert!(dotted > 0, "{name}: causes but no evidence dot");
        }
    }
}

fn svg_height(svg: &str) -> usize {
    let at = svg.find("height=\"").unwrap() + 8;
    let rest = &svg[at..];
    rest[..rest.find('"').unwrap()].parse::<f64>().unwrap().ceil() as usize
}

/// A bundle whose log text and file name carry markup.
fn hostile_bundle(dir: &Path) {
    let evil = r#"<script>alert(1)</script><img src=x onerror=alert(2)></svg><svg onload=alert(3)> & "q" 'r'"#;
    let cbs = format!(
        concat!(
            "2024-05-01 10:00:00, Info                  CBS    Starting TrustedInstaller initialization.\r\n",
            "2024-05-01 10:00:05, Error                 CBS    Failed to stage package {evil} [HRESULT = 0x80070017 - ERROR_CRC]\r\n",
            "2024-05-01 10:00:06, Info                  CBS    WER: Generating failure report for package: Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.1.1.1, status: 0x80070017, failure source: Stage, start state: Absent, target state: Installed, client id: WindowsUpdateAgent {evil}\r\n",
        ),
        evil = evil
    );
    fs::write(dir.join("<img src=x onerror=alert(4)>.log"), cbs).unwrap();
}

#[test]
fn markup_in_logs_and_file_names_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    hostile_bundle(dir.path());
    let html = String::from_utf8(report(dir.path(), "html")).unwrap();
    let lower = html.to_ascii_lowercase();
    // Nothing executable or fetching, whatever the logs say.
    assert!(!lower.contains("<script"), "a script element");
    assert!(!lower.contains("<img"), "an img element");
    assert!(!lower.contains("<svg onload"), "an svg element from the log");
    assert!(!lower.contains("<iframe") && !lower.contains("<link") && !lower.contains("@import"));
    assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
    assert_eq!(lower.matches("<svg").count(), 1, "only our own timeline");
    // The SVG namespace is a name, not a fetch; no other URL may appear.
    for (n, _) in lower.match_indices("http:").chain(lower.match_indices("https:")) {
        assert!(lower[n..].starts_with("http://www.w3.org/2000/svg"), "a URL in the page");
    }
    assert!(
        !lower.contains("url(") || lower.matches("url(").count() == lower.matches("url(#").count()
    );
    // Every `<` left in the page opens one of our own tags (log text has none); none of them
    // loads anything or carries an event handler.
    for tag in lower.split('<').skip(1).map(|t| t.split('>').next().unwrap()) {
        for attr in tag.split_whitespace().skip(1) {
            let name = attr.split('=').next().unwrap();
            assert!(
                !(name.starts_with("on")
                    || name == "src"
                    || name == "href"
                    || name == "xlink:href"),
                "attribute {name} in <{tag}>"
            );
        }
    }
    // The text is there, escaped, in the evidence list, the tooltips and the file table.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(4)&gt;.log"));
    assert!(html.contains("&quot;q&quot; &#39;r&#39;"));

    let Some(chrome) = chromium() else { return };
    let page = dir.path().join("report.html");
    fs::write(&page, &html).unwrap();
    let dom = String::from_utf8(browse(&chrome, &["--dump-dom".into(), url(&page)])).unwrap();
    assert!(!dom.contains("<script") && !dom.contains("<img"), "markup became elements");
    assert_eq!(dom.matches("<svg").count(), 1);
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "shown as text");
}
