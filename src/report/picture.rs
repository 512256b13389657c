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
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Width of the drawing, in CSS pixels.
pub const WIDTH: f64 = 1100.0;
const LABELS: f64 = 190.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 46.0;
const LANE_H: f64 = 30.0;
/// Width of a squeezed gap, at most.
const GAP_W: f64 = 40.0;
/// Most stretches of detail on the axis.
const MAX_CLUSTERS: usize = 8;
/// Widest run of side-by-side marks; a crowd wider than this keeps its true places.
const MAX_SPREAD: usize = 7;
/// Lane names longer than this are shortened (the full name is the tooltip).
const LANE_CHARS: usize = 24;
const LEGEND_H: f64 = 40.0;
const LEGEND_ROW: f64 = 22.0;
const MIN_US: i64 = 60_000_000;
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

/// A stretch of the time axis.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    from: i64,
    to: i64,
    x0: f64,
    x1: f64,
    /// A squeezed quiet stretch.
    gap: bool,
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

fn short_time(t: Timestamp) -> String {
    let (_, mo, d, h, mi, _, _) = t.to_civil();
    format!("{mo:02}-{d:02} {h:02}:{mi:02}")
}

/// An axis label: seconds only when the tick is not on a whole minute; the date on whole
/// minutes and on the first tick of a stretch, so every stretch says which day it is.
fn tick_label(t: Timestamp, first: bool) -> String {
    let (_, mo, d, h, mi, s, _) = t.to_civil();
    match (s, first) {
        (0, _) => short_time(t),
        (_, true) => format!("{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
        (_, false) => format!("{h:02}:{mi:02}:{s:02}"),
    }
}

/// `6 d`, `5 h`, `40 min`, `45 s`.
fn span_words(us: i64) -> String {
    let min = us / MIN_US;
    if min == 0 {
        format!("{} s", us / 1_000_000)
    } else if min >= 2 * 24 * 60 {
        format!("{} d", min / (24 * 60))
    } else if min >= 120 {
        format!("{} h", min / 60)
    } else {
        format!("{min} min")
    }
}

impl Picture {
    /// Builds the picture of a diagnosed timeline.
    pub fn new(bundle: &Bundle, events: &[Event<'_>], d: &Diagnosis) -> Self {
        let lanes = lane::all(bundle);
        let lane_of = |e: &Event<'_>| {
            let name = lane::of_artifact(bundle, e.at.artifact as usize)?;
            lanes.iter().position(|l| *l == name)
        };
        let place = |ev: usize| -> String {
            let e = &events[ev];
            format!("{} UTC · {}", short_time(e.time), super::location(bundle, e.at))
        };

        let mut marks: Vec<Mark> = Vec::new();
        // Event index → its mark, so an event is drawn once whatever cites it.
        let mut mark_of: BTreeMap<usize, usize> = BTreeMap::new();
        let mut bands = Vec::new();
        for i in &d.incidents {
            for a in &i.attempts {
                bands.push(Band { incident: i.id, first: a.first, last: a.last });
                for &ev in &a.events {
                    let Some(lane) = lane_of(&events[ev]) else { continue };
                    mark_of.insert(ev, marks.len());
                    marks.push(Mark {
                        time: events[ev].time,
                        lane,
                        kind: MarkKind::Failure,
                        what: format!("Update failure {}", i.id),
                        rules: Vec::new(),
                        place: place(ev),
                        excerpt: excerpt(&events[ev]),
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
            let Some(lane) = lane_of(&events[e.event]) else { continue };
            mark_of.insert(e.event, marks.len());
            marks.push(Mark {
                time: events[e.event].time,
                lane,
                kind: MarkKind::Evidence(category),
                what: category.title().to_string(),
                rules: vec![e.rule.id],
                place: place(e.event),
                excerpt: excerpt(&events[e.event]),
            });
        }
        let context: Vec<(usize, Timestamp)> = events
            .iter()
            .enumerate()
            .filter(|(i, _)| !mark_of.contains_key(i))
            .filter_map(|(_, e)| Some((lane_of(e)?, e.time)))
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

/// Lays out points (sorted by x) so that neighbours are at least `gap` apart: points that
/// would overlap form a group, spread evenly around the mean of their true positions, and
/// groups that then touch merge.
fn dodge(xs: &[f64], gap: f64) -> Vec<f64> {
    // Groups as (first index, one past the last, centre).
    let mut groups: Vec<(usize, usize, f64)> = Vec::new();
    for (i, &x) in xs.iter().enumerate() {
        groups.push((i, i + 1, x));
        while groups.len() >= 2 {
            let (bs, be, bc) = groups[groups.len() - 1];
            let (a_s, ae, ac) = groups[groups.len() - 2];
            let a_right = ac + (ae - a_s - 1) as f64 * gap / 2.0;
            let b_left = bc - (be - bs - 1) as f64 * gap / 2.0;
            if b_left - a_right >= gap {
                break;
            }
            let centre = xs[a_s..be].iter().sum::<f64>() / (be - a_s) as f64;
            groups.pop();
            let last = groups.len() - 1;
            groups[last] = (a_s, be, centre);
        }
    }
    let mut out = Vec::with_capacity(xs.len());
    for (s, e, c) in groups {
        if e - s > MAX_SPREAD {
            // Spreading a crowd would move marks far from their time; let them overlap.
            out.extend_from_slice(&xs[s..e]);
            continue;
        }
        let left = c - (e - s - 1) as f64 * gap / 2.0;
        out.extend((0..e - s).map(|k| left + k as f64 * gap));
    }
    out
}

/// Where labels already sit on one row, to leave out those that would overlap.
#[derive(Debug, Default)]
struct Labels {
    spans: Vec<(f64, f64)>,
}

impl Labels {
    /// Rough width of 12 px text.
    fn width(text: &str) -> f64 {
        6.8 * text.chars().count() as f64
    }

    /// Takes the place of a label at `x` with this anchor if it is free of the last one.
    fn fits(&mut self, x: f64, text: &str, anchor: &str) -> bool {
        let w = Self::width(text);
        let (a, b) = match anchor {
            "start" => (x, x + w),
            "end" => (x - w, x),
            _ => (x - w / 2.0, x + w / 2.0),
        };
        if self.spans.last().is_some_and(|&(_, end)| a < end + 8.0) {
            return false;
        }
        self.spans.push((a, b));
        true
    }

    /// Takes the place of a centred label if no label placed so far overlaps it.
    fn fits_anywhere(&mut self, x: f64, text: &str) -> bool {
        let w = Self::width(text);
        let (a, b) = (x - w / 2.0, x + w / 2.0);
        if self.spans.iter().any(|&(s, e)| a < e + 4.0 && b > s - 4.0) {
            return false;
        }
        self.spans.push((a, b));
        true
    }
}

/// A lane name cut to fit the label column.
fn shorten(name: &str) -> String {
    if name.chars().count() <= LANE_CHARS {
        return name.to_string();
    }
    let tail: String =
        name.chars().rev().take(LANE_CHARS - 1).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{tail}")
}

fn frac(seg: &Segment, t: i64) -> f64 {
    if seg.to == seg.from { 0.5 } else { (t - seg.from) as f64 / (seg.to - seg.from) as f64 }
}

/// Round times inside a detailed segment for axis labels: ends always, and steps of a round
/// size between them when there is room.
fn ticks(seg: &Segment) -> Vec<(i64, &'static str)> {
    const STEPS_S: [i64; 15] =
        [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400, 604_800];
    let width = seg.x1 - seg.x0;
    let span = seg.to - seg.from;
    let room = (width / 110.0).floor() as i64;
    if room < 2 || span <= 0 {
        return vec![(f64::midpoint(seg.from as f64, seg.to as f64) as i64, "middle")];
    }
    let step = STEPS_S
        .iter()
        .map(|s| s * 1_000_000)
        .find(|st| span / st <= room)
        .unwrap_or(STEPS_S[14] * 1_000_000);
    let mut out = Vec::new();
    let mut t = (seg.from + step - 1).div_euclid(step) * step;
    while t <= seg.to {
        let f = frac(seg, t);
        let anchor = if f < 0.05 {
            "start"
        } else if f > 0.95 {
            "end"
        } else {
            "middle"
        };
        out.push((t, anchor));
        t += step;
    }
    if out.is_empty() {
        out.push((f64::midpoint(seg.from as f64, seg.to as f64) as i64, "middle"));
    }
    out
}

/// Clusters the key times, pads each cluster, and lays the clusters and the squeezed gaps
/// between (and around) them along the width.
fn segments(keys: &mut [i64], lo: Option<i64>, hi: Option<i64>) -> Vec<Segment> {
    let (Some(lo), Some(hi)) = (lo, hi) else { return Vec::new() };
    keys.sort_unstable();
    let whole = (keys.last().copied().unwrap_or(hi) - keys.first().copied().unwrap_or(lo)).max(1);
    // A quiet stretch longer than this (and than a twelfth of the whole) becomes a gap; the
    // threshold grows until there are few enough stretches to label.
    let mut split = (20 * MIN_US).max(whole / 12);
    let clusters = loop {
        // Clusters as (from, to, number of key times).
        let mut clusters: Vec<(i64, i64, usize)> = Vec::new();
        for &k in keys.iter() {
            match clusters.last_mut() {
                Some(c) if k - c.1 <= split => {
                    c.1 = k;
                    c.2 += 1;
                }
                _ => clusters.push((k, k, 1)),
            }
        }
        if clusters.len() <= MAX_CLUSTERS {
            break clusters;
        }
        split *= 2;
    };
    let mut clusters = clusters;
    for c in &mut clusters {
        let pad = ((c.1 - c.0) / 8).max(MIN_US);
        *c = (c.0 - pad, c.1 + pad, c.2);
    }
    let mut merged: Vec<(i64, i64, usize)> = Vec::new();
    for c in clusters {
        match merged.last_mut() {
            Some(m) if c.0 <= m.1 => {
                m.1 = m.1.max(c.1);
                m.2 += c.2;
            }
            _ => merged.push(c),
        }
    }
    // Events just outside the first or last cluster widen it; only a long quiet stretch
    // before or after becomes a squeezed gap.
    if let Some(first) = merged.first_mut()
        && first.0 - lo <= split
    {
        first.0 = first.0.min(lo);
    }
    if let Some(last) = merged.last_mut()
        && hi - last.1 <= split
    {
        last.1 = last.1.max(hi);
    }
    // Pieces: (from, to, key times inside; None for a gap).
    let mut pieces: Vec<(i64, i64, Option<usize>)> = Vec::new();
    if let Some(&(first, _, _)) = merged.first()
        && lo < first
    {
        pieces.push((lo, first, None));
    }
    for (n, &(a, b, count)) in merged.iter().enumerate() {
        if n > 0 {
            let prev = merged[n - 1].1;
            pieces.push((prev, a, None));
        }
        pieces.push((a, b, Some(count)));
    }
    if let Some(&(_, last, _)) = merged.last()
        && hi > last
    {
        pieces.push((last, hi, None));
    }
    let gaps = pieces.iter().filter(|p| p.2.is_none()).count() as f64;
    // Gaps take at most a fifth of the width together.
    let gap_w = if gaps > 0.0 { GAP_W.min((WIDTH - LABELS - RIGHT) * 0.2 / gaps) } else { GAP_W };
    let n = merged.len().max(1) as f64;
    let total = merged.iter().map(|m| m.2).sum::<usize>().max(1) as f64;
    let room = WIDTH - LABELS - RIGHT - gaps * gap_w;
    let mut x = LABELS;
    // A cluster's width follows how much happens in it, with a floor so a lone warning
    // still gets a readable slot.
    pieces
        .into_iter()
        .map(|(from, to, count)| {
            let gap = count.is_none();
            let w = match count {
                None => gap_w,
                Some(c) => room * (0.25 / n + 0.75 * c as f64 / total),
            };
            let seg = Segment { from, to, x0: x, x1: x + w, gap };
            x += w;
            seg
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 60 * MIN_US;

    #[test]
    fn a_far_warning_gets_its_own_cluster_and_a_gap() {
        let mut keys = vec![0, 6 * DAY, 6 * DAY + 5 * MIN_US, 7 * DAY];
        let segs = segments(&mut keys, Some(0), Some(7 * DAY));
        let kinds: Vec<bool> = segs.iter().map(|s| s.gap).collect();
        assert_eq!(kinds, [false, true, false, true, false]);
        // Contiguous, increasing, and filling the drawing width.
        for w in segs.windows(2) {
            assert!((w[0].x1 - w[1].x0).abs() < 1e-9);
            assert_eq!(w[0].to, w[1].from);
        }
        assert!((segs.last().unwrap().x1 - (WIDTH - RIGHT)).abs() < 1e-6);
        assert!(segs.iter().filter(|s| s.gap).all(|s| (s.x1 - s.x0 - GAP_W).abs() < 1e-9));
    }

    #[test]
    fn events_just_outside_a_cluster_widen_it() {
        let mut keys = vec![10 * DAY, 10 * DAY + 2 * MIN_US];
        let segs = segments(&mut keys, Some(10 * DAY - 3 * MIN_US), Some(10 * DAY + 2 * MIN_US));
        assert_eq!(segs.len(), 1, "{segs:?}");
        assert_eq!(segs[0].from, 10 * DAY - 3 * MIN_US);
    }

    #[test]
    fn events_outside_the_clusters_land_in_squeezed_ends() {
        let mut keys = vec![10 * DAY];
        let segs = segments(&mut keys, Some(0), Some(20 * DAY));
        assert_eq!(segs.len(), 3);
        assert!(segs[0].gap && !segs[1].gap && segs[2].gap);
        assert!(segs[1].x1 - segs[1].x0 > 500.0, "the cluster gets the room");
    }

    #[test]
    fn ticks_are_round_and_inside() {
        let seg = Segment { from: 7 * MIN_US, to: 67 * MIN_US, x0: 200.0, x1: 900.0, gap: false };
        let t = ticks(&seg);
        assert!(t.len() >= 3);
        for (v, _) in &t {
            assert!(*v >= seg.from && *v <= seg.to);
            assert_eq!(v % (5 * MIN_US), 0, "a round step");
        }
    }

    #[test]
    fn the_first_tick_of_a_stretch_names_its_day() {
        let t = Timestamp::from_civil(2024, 2, 8, 2, 0, 5, 0).unwrap();
        assert_eq!(tick_label(t, true), "02-08 02:00:05");
        assert_eq!(tick_label(t, false), "02:00:05");
        let whole = Timestamp::from_civil(2024, 2, 8, 2, 1, 0, 0).unwrap();
        assert_eq!(tick_label(whole, false), "02-08 02:01");
    }

    #[test]
    fn crowds_keep_their_places_and_small_groups_spread() {
        let few = dodge(&[100.0, 101.0, 102.0], 13.0);
        assert_eq!(few, [88.0, 101.0, 114.0], "spread around their mean");
        let crowd: Vec<f64> = (0..20).map(|i| 300.0 + f64::from(i)).collect();
        assert_eq!(dodge(&crowd, 13.0), crowd, "a crowd is not smeared across the lane");
        let apart = dodge(&[100.0, 200.0], 13.0);
        assert_eq!(apart, [100.0, 200.0]);
    }

    #[test]
    fn labels_that_would_overlap_are_left_out() {
        let mut row = Labels::default();
        assert!(row.fits(100.0, "02-14 02:00", "middle"));
        assert!(!row.fits(130.0, "02-14 02:01", "middle"));
        assert!(row.fits(300.0, "02-14 02:05", "middle"));
        let mut row = Labels::default();
        assert!(row.fits_anywhere(500.0, "#1"));
        assert!(!row.fits_anywhere(505.0, "5 d"));
        assert!(row.fits_anywhere(100.0, "5 d"));
    }

    #[test]
    fn long_lane_names_are_cut_from_the_front() {
        assert_eq!(shorten("System"), "System");
        let s = shorten("omerbenamram__sample_with_a_bad_chunk_magic");
        assert_eq!(s.chars().count(), LANE_CHARS);
        assert!(s.starts_with('…') && s.ends_with("chunk_magic"));
    }

    #[test]
    fn many_quiet_stretches_are_capped() {
        let mut keys: Vec<i64> = (0..40).map(|i| i * 30 * DAY).collect();
        let segs = segments(&mut keys, Some(0), Some(39 * 30 * DAY));
        assert!(segs.iter().filter(|s| !s.gap).count() <= MAX_CLUSTERS);
        let gap_room: f64 = segs.iter().filter(|s| s.gap).map(|s| s.x1 - s.x0).sum();
        assert!(gap_room <= (WIDTH - LABELS - RIGHT) * 0.2 + 1e-6);
    }

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
        assert_eq!(svg.matches("<circle cx=\"5\"").count(), 8, "one swatch per cause");
    }

    #[test]
    fn gap_words() {
        assert_eq!(span_words(6 * DAY), "6 d");
        assert_eq!(span_words(5 * 60 * MIN_US), "5 h");
        assert_eq!(span_words(40 * MIN_US), "40 min");
        assert_eq!(span_words(45_000_000), "45 s");
    }
}
