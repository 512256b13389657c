//! The timeline picture of the HTML report, as inline SVG: one lane per log, the update
//! failures as red bands across every lane, evidence as dots coloured by cause, and the other
//! kept events as grey ticks.
//!
//! Evidence often sits minutes from a failure while a SMART warning sits days away, so the
//! time axis is piecewise: clusters of failures and evidence get most of the width, and the
//! quiet stretches between them are squeezed into narrow hatched gaps labelled with their
//! length.

use super::{html::esc, lane};
use crate::bundle::Bundle;
use crate::diagnose::{Category, Diagnosis};
use crate::event::Event;
use crate::time::Timestamp;
use layout::{
    Labels, Segment, dodge, frac, segments, short_time, shorten, span_words, tick_label, ticks,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

mod layout;

/// Width of the drawing, in CSS pixels.
pub const WIDTH: f64 = 1100.0;
const LABELS: f64 = 190.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 46.0;
const LANE_H: f64 = 30.0;
const LEGEND_H: f64 = 40.0;
const LEGEND_ROW: f64 = 22.0;
/// Closest two marks in one lane may sit, centre to centre.
const MARK_GAP: f64 = 13.0;

/// What a mark shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// Evidence for a cause (coloured by the best-ranked cause it supports).
    Evidence(Category),
    /// A record of an update failure.
    Failure,
}

/// One event drawn as a dot or a diamond.
#[derive(Debug, Clone)]
pub struct Mark {
    /// When.
    pub time: Timestamp,
    /// Index into [`Picture::lanes`].
    pub lane: usize,
    /// How it is drawn.
    pub kind: MarkKind,
    /// `Update failure 1` or the cause's title.
    pub what: String,
    /// Rules that matched it.
    pub rules: Vec<&'static str>,
    /// Time and location (`CBS.log:8`).
    pub place: String,
    /// The first line of the message, shortened.
    pub excerpt: String,
}

impl Mark {
    /// Tooltip text: what, rules, time and place, excerpt.
    pub fn title(&self) -> String {
        let mut parts = vec![self.what.clone()];
        if !self.rules.is_empty() {
            parts.push(self.rules.join("+"));
        }
        parts.push(self.place.clone());
        parts.push(self.excerpt.clone());
        parts.join(" · ")
    }
}

/// One failed attempt, drawn as a band across the lanes.
#[derive(Debug, Clone, Copy)]
pub struct Band {
    /// Incident id.
    pub incident: u32,
    /// First failure record of the attempt.
    pub first: Timestamp,
    /// Last failure record of the attempt.
    pub last: Timestamp,
}

/// Everything the SVG shows, decided before drawing.
#[derive(Debug, Clone)]
pub struct Picture {
    /// Lane names, top to bottom.
    pub lanes: Vec<String>,
    /// Failure records and evidence.
    pub marks: Vec<Mark>,
    /// Failed attempts.
    pub bands: Vec<Band>,
    /// Other kept events, as (lane, time).
    pub context: Vec<(usize, Timestamp)>,
    /// Causes in rank order (for the legend).
    pub causes: Vec<Category>,
    segments: Vec<Segment>,
}

/// The colour of a cause (Okabe–Ito hues, readable by most colour-blind people).
pub fn colour(c: Category) -> &'static str {
    match c {
        Category::Storage => "#d55e00",
        Category::Corruption => "#cc79a7",
        Category::PackageConflict => "#0072b2",
        Category::UpdateCache => "#e69f00",
        Category::SecuritySoftware => "#009e73",
        Category::PendingReboot => "#56b4e9",
        Category::LowDiskSpace => "#b8a000",
        Category::Network => "#7b4a2a",
        // Paul Tol's muted hues, distinct from the eight above.
        Category::Driver => "#332288",
        Category::IncompatibleApp => "#882255",
        Category::Hardware => "#44aa99",
        Category::Migration => "#999933",
        Category::SetupMedia => "#aa4499",
    }
}

fn excerpt(e: &Event<'_>) -> String {
    let line = e.message.lines().next().unwrap_or("").trim();
    let mut s: String = line.chars().take(160).collect();
    if line.chars().count() > 160 {
        s.push('…');
    }
    s
}

impl Picture {
    /// Builds the picture of a diagnosed timeline.
    pub fn new(bundle: &Bundle, events: &[Event<'_>], d: &Diagnosis) -> Self {
        let lanes = lane::all_of(bundle, events);
        let lane_of = |e: &Event<'_>| {
            let name = lane::of_event(bundle, e)?;
            lanes.iter().position(|l| *l == name)
        };
        let place = |e: &Event<'_>, t: Timestamp| -> String {
            format!("{} UTC · {}", short_time(t), super::location(bundle, e.at))
        };

        let mut marks: Vec<Mark> = Vec::new();
        // Event index → its mark, so an event is drawn once whatever cites it.
        let mut mark_of: BTreeMap<usize, usize> = BTreeMap::new();
        let mut bands = Vec::new();
        // A retry loop of thousands of attempts draws its first and last attempts, and one
        // band across those between: the picture stays bounded, as the report's lists do.
        let keep = super::analyze::LISTED / 2;
        for i in &d.incidents {
            let n = i.attempts.len();
            let shown = i
                .attempts
                .iter()
                .enumerate()
                .filter(|(k, _)| n <= 2 * keep || *k < keep || *k >= n - keep);
            if n > 2 * keep {
                let middle = &i.attempts[keep..n - keep];
                let first = middle.iter().map(|a| a.first).min().unwrap_or_default();
                let last = middle.iter().map(|a| a.last).max().unwrap_or_default();
                bands.push(Band { incident: i.id, first, last });
            }
            for (_, a) in shown {
                bands.push(Band { incident: i.id, first: a.first, last: a.last });
                for &ev in &a.events {
                    let e = &events[ev];
                    let (Some(lane), Some(time)) = (lane_of(e), e.time) else { continue };
                    mark_of.insert(ev, marks.len());
                    marks.push(Mark {
                        time,
                        lane,
                        kind: MarkKind::Failure,
                        what: format!("Update failure {}", i.id),
                        rules: Vec::new(),
                        place: place(e, time),
                        excerpt: excerpt(e),
                    });
                }
            }
        }
        // Evidence: causes come best first, so an event takes the colour of the best cause
        // it supports.
        let evidence = d
            .causes
            .iter()
            .flat_map(|c| c.evidence.iter().map(move |e| (c.category, e)))
            .chain(d.warnings.iter().map(|w| (w.rule.category, w)));
        for (category, e) in evidence {
            if let Some(&m) = mark_of.get(&e.event) {
                if !marks[m].rules.contains(&e.rule.id) {
                    marks[m].rules.push(e.rule.id);
                }
                continue;
            }
            let ev = &events[e.event];
            // Events without a time are not on the timeline, so not in its picture.
            let (Some(lane), Some(time)) = (lane_of(ev), ev.time) else { continue };
            mark_of.insert(e.event, marks.len());
            marks.push(Mark {
                time,
                lane,
                kind: MarkKind::Evidence(category),
                what: category.title().to_string(),
                rules: vec![e.rule.id],
                place: place(ev, time),
                excerpt: excerpt(ev),
            });
        }
        let context: Vec<(usize, Timestamp)> = events
            .iter()
            .enumerate()
            .filter(|(i, _)| !mark_of.contains_key(i))
            .filter_map(|(_, e)| Some((lane_of(e)?, e.time?)))
            .collect();

        let mut keys: Vec<i64> = bands.iter().flat_map(|b| [b.first.0, b.last.0]).collect();
        keys.extend(marks.iter().map(|m| m.time.0));
        if keys.is_empty() {
            keys.extend(context.iter().map(|(_, t)| t.0));
        }
        let all: Vec<i64> = keys.iter().copied().chain(context.iter().map(|(_, t)| t.0)).collect();
        let segments = segments(&mut keys, all.iter().min().copied(), all.iter().max().copied());
        Picture {
            lanes,
            marks,
            bands,
            context,
            causes: d.causes.iter().map(|c| c.category).collect(),
            segments,
        }
    }

    /// Height of the drawing, in CSS pixels.
    pub fn height(&self) -> f64 {
        let rows = self.legend_items().last().map_or(1, |i| i.1 + 1);
        TOP + LANE_H * self.lanes.len().max(1) as f64 + LEGEND_H + LEGEND_ROW * (rows - 1) as f64
    }

    fn x(&self, t: Timestamp) -> Option<f64> {
        let s = self.segments.iter().find(|s| t.0 >= s.from && t.0 <= s.to)?;
        if s.to == s.from {
            return Some(f64::midpoint(s.x0, s.x1));
        }
        Some(s.x0 + (s.x1 - s.x0) * ((t.0 - s.from) as f64 / (s.to - s.from) as f64))
    }

    fn lane_y(i: usize) -> f64 {
        TOP + LANE_H * i as f64 + LANE_H / 2.0
    }

    /// The SVG element.
    pub fn svg(&self) -> String {
        let h = self.height();
        let lanes_bottom = TOP + LANE_H * self.lanes.len().max(1) as f64;
        let mut s = String::new();
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" id="timeline-svg" class="timeline" width="{WIDTH}" height="{h}" viewBox="0 0 {WIDTH} {h}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="12" fill="#1d2330" role="img" aria-label="Timeline of the logs, with update failures and evidence">"##
        );
        s.push_str(concat!(
            r##"<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">"##,
            r##"<line x1="0" y1="0" x2="0" y2="6" stroke="#c9ced6" stroke-width="2"/></pattern></defs>"##,
            r##"<rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>"##
        ));
        // Lanes.
        for (i, name) in self.lanes.iter().enumerate() {
            let y = TOP + LANE_H * i as f64;
            let fill = if i % 2 == 0 { "#f4f6f9" } else { "#ffffff" };
            let _ = write!(
                s,
                r#"<g class="lane" data-lane="{n}"><title>{n}</title><rect x="{LABELS}" y="{y}" width="{w}" height="{LANE_H}" fill="{fill}"/><text x="{tx}" y="{ty}" text-anchor="end" class="lane-label" font-weight="600">{short}</text></g>"#,
                n = esc(name),
                short = esc(&shorten(name)),
                w = WIDTH - LABELS - RIGHT,
                tx = LABELS - 10.0,
                ty = y + LANE_H / 2.0 + 4.0,
            );
        }
        if self.lanes.is_empty() {
            let _ = write!(
                s,
                r#"<text x="{x}" y="{y}" class="empty">No log was read.</text>"#,
                x = LABELS + 10.0,
                y = TOP + LANE_H / 2.0 + 4.0
            );
        }
        // Gaps and the axis. Labels that would overlap the one before them are left out.
        let mut axis = Labels::default();
        let mut row2: Vec<(f64, String, bool)> = Vec::new();
        for seg in &self.segments {
            if seg.gap {
                let _ = write!(
                    s,
                    r#"<rect class="gap" x="{x:.1}" y="{TOP}" width="{w:.1}" height="{hh}" fill="url(#hatch)"/>"#,
                    x = seg.x0,
                    w = seg.x1 - seg.x0,
                    hh = lanes_bottom - TOP,
                );
                row2.push((f64::midpoint(seg.x0, seg.x1), span_words(seg.to - seg.from), false));
            } else if seg.x1 - seg.x0 >= 50.0 {
                for (n, (t, anchor)) in ticks(seg).into_iter().enumerate() {
                    let x = seg.x0 + (seg.x1 - seg.x0) * frac(seg, t);
                    let label = tick_label(Timestamp(t), n == 0);
                    if !axis.fits(x, &label, anchor) {
                        continue;
                    }
                    let _ = write!(
                        s,
                        r##"<line x1="{x:.1}" y1="{y0}" x2="{x:.1}" y2="{lanes_bottom}" stroke="#dde1e7" stroke-width="1"/><text x="{x:.1}" y="{ty}" text-anchor="{anchor}" class="tick" fill="#5b6473">{label}</text>"##,
                        y0 = TOP - 4.0,
                        ty = TOP - 22.0,
                    );
                }
            }
        }
        // Other events, one tick per lane and pixel column.
        let mut seen: BTreeSet<(usize, i64)> = BTreeSet::new();
        let mut ticks_svg = String::new();
        for &(lane, t) in &self.context {
            let Some(x) = self.x(t) else { continue };
            if !seen.insert((lane, x.round() as i64)) {
                continue;
            }
            let y = Self::lane_y(lane);
            let _ = write!(
                ticks_svg,
                r#"<line x1="{x:.1}" y1="{a:.1}" x2="{x:.1}" y2="{b:.1}"/>"#,
                a = y - 7.0,
                b = y + 7.0
            );
        }
        let _ = write!(
            s,
            r##"<g class="context" stroke="#9aa3ae" stroke-width="1.5">{ticks_svg}</g>"##
        );
        // Failed attempts.
        for b in &self.bands {
            let (Some(x0), Some(x1)) = (self.x(b.first), self.x(b.last)) else { continue };
            let w = (x1 - x0).max(3.0);
            let x = x0 - if x1 - x0 < 3.0 { 1.5 } else { 0.0 };
            let _ = write!(
                s,
                r##"<rect class="incident" data-incident="{id}" x="{x:.1}" y="{y}" width="{w:.1}" height="{hh}" fill="#d62728" fill-opacity="0.16" stroke="#d62728" stroke-width="1"><title>Update failure {id}</title></rect>"##,
                id = b.incident,
                y = TOP - 4.0,
                hh = lanes_bottom - TOP + 4.0,
            );
            row2.push((x + w / 2.0, format!("#{}", b.incident), true));
        }
        // Incident numbers first, then gap lengths where there is room.
        let mut taken = Labels::default();
        row2.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.total_cmp(&b.0)));
        let mut placed_row2: Vec<(f64, String, bool)> = Vec::new();
        for (x, text, incident) in row2 {
            if taken.fits_anywhere(x, &text) {
                placed_row2.push((x, text, incident));
            }
        }
        for (x, text, incident) in placed_row2 {
            let (class, fill, weight) = if incident {
                ("incident-label", "#b30000", "700")
            } else {
                ("gap-label", "#5b6473", "400")
            };
            let _ = write!(
                s,
                r#"<text x="{x:.1}" y="{ty}" text-anchor="middle" class="{class}" fill="{fill}" font-weight="{weight}">{}</text>"#,
                esc(&text),
                ty = TOP - 8.0,
            );
        }
        // Evidence, then failure records on top; marks that would overlap in a lane are set
        // side by side around where they happened.
        let placed = self.placed();
        for (m, x) in self.marks.iter().zip(&placed).filter(|(m, _)| m.kind != MarkKind::Failure) {
            let (Some(x), MarkKind::Evidence(c)) = (*x, m.kind) else { continue };
            let _ = write!(
                s,
                r##"<circle class="evidence" data-cause="{id}" cx="{x:.1}" cy="{y}" r="6" fill="{col}" stroke="#ffffff" stroke-width="1.5"><title>{t}</title></circle>"##,
                id = c.id(),
                y = Self::lane_y(m.lane),
                col = colour(c),
                t = esc(&m.title()),
            );
        }
        for (m, x) in self.marks.iter().zip(&placed).filter(|(m, _)| m.kind == MarkKind::Failure) {
            let Some(x) = *x else { continue };
            let y = Self::lane_y(m.lane);
            let _ = write!(
                s,
                r##"<path class="failure" d="M{x:.1} {a:.1} L{r:.1} {y:.1} L{x:.1} {b:.1} L{l:.1} {y:.1} Z" fill="#b30000" stroke="#ffffff" stroke-width="1.5"><title>{t}</title></path>"##,
                a = y - 8.0,
                b = y + 8.0,
                l = x - 8.0,
                r = x + 8.0,
                t = esc(&m.title()),
            );
        }
        s.push_str(&self.legend(lanes_bottom + 22.0));
        s.push_str("</svg>");
        s
    }

    /// The x of every mark after dodging (`None` when outside the axis).
    fn placed(&self) -> Vec<Option<f64>> {
        let mut placed: Vec<Option<f64>> = self.marks.iter().map(|m| self.x(m.time)).collect();
        for lane in 0..self.lanes.len() {
            let mut idx: Vec<usize> = (0..self.marks.len())
                .filter(|&i| self.marks[i].lane == lane && placed[i].is_some())
                .collect();
            idx.sort_by(|&a, &b| (self.marks[a].time, a).cmp(&(self.marks[b].time, b)));
            let xs: Vec<f64> = idx.iter().filter_map(|&i| placed[i]).collect();
            for (i, x) in idx.iter().zip(dodge(&xs, MARK_GAP)) {
                placed[*i] = Some(x.clamp(LABELS + 4.0, WIDTH - RIGHT - 4.0));
            }
        }
        placed
    }

    /// The legend's entries as (x, row, swatch, label), wrapped onto more rows when full.
    fn legend_items(&self) -> Vec<(f64, usize, String, &'static str)> {
        let mut items: Vec<(String, &'static str)> = vec![
            (
                r##"<rect x="0" y="-7" width="10" height="14" fill="#d62728" fill-opacity="0.16" stroke="#d62728"/>"##.to_string(),
                "update failure",
            ),
            (r##"<path d="M5 -7 L12 0 L5 7 L-2 0 Z" fill="#b30000"/>"##.to_string(), "failure record"),
        ];
        for &c in &self.causes {
            items.push((
                format!(r#"<circle cx="5" cy="0" r="6" fill="{}"/>"#, colour(c)),
                c.title(),
            ));
        }
        items.push((
            r##"<line x1="5" y1="-7" x2="5" y2="7" stroke="#9aa3ae" stroke-width="1.5"/>"##
                .to_string(),
            "other event",
        ));
        let (mut x, mut row) = (LABELS, 0);
        let mut out = Vec::new();
        for (swatch, label) in items {
            // Rough text width at 12 px.
            let w = 20.0 + 6.6 * label.chars().count() as f64 + 18.0;
            if x + w > WIDTH - RIGHT && x > LABELS {
                x = LABELS;
                row += 1;
            }
            out.push((x, row, swatch, label));
            x += w;
        }
        out
    }

    fn legend(&self, y: f64) -> String {
        let mut s = String::from(r#"<g class="legend">"#);
        for (x, row, swatch, label) in self.legend_items() {
            let _ = write!(
                s,
                r#"<g transform="translate({x:.1} {y:.1})">{swatch}<text x="18" y="4">{}</text></g>"#,
                esc(label),
                y = y + LEGEND_ROW * row as f64,
            );
        }
        s.push_str("</g>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_wraps_and_the_drawing_grows_to_hold_it() {
        let picture = |causes: Vec<Category>| Picture {
            lanes: vec!["CBS".to_string()],
            marks: Vec::new(),
            bands: Vec::new(),
            context: Vec::new(),
            causes,
            segments: Vec::new(),
        };
        let one = picture(vec![Category::Storage]);
        let all = picture(Category::ALL.to_vec());
        let rows = |p: &Picture| p.legend_items().last().unwrap().1 + 1;
        assert_eq!(rows(&one), 1);
        assert!(rows(&all) >= 2);
        assert!((all.height() - one.height() - LEGEND_ROW * (rows(&all) - 1) as f64).abs() < 1e-9);
        for (x, _, _, label) in all.legend_items() {
            assert!(
                x + 38.0 + 6.6 * label.chars().count() as f64 <= WIDTH - RIGHT + 1e-9,
                "{label}"
            );
        }
        let svg = all.svg();
        assert_eq!(
            svg.matches("<circle cx=\"5\"").count(),
            Category::ALL.len(),
            "one swatch per cause"
        );
    }
}
