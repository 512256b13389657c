//! The time axis of the timeline picture: which stretches of time get detail and which are
//! squeezed into gaps, where the axis labels go, and how marks that would overlap in a lane
//! are set side by side. Pure geometry: no SVG here.

use super::{LABELS, RIGHT, WIDTH};
use crate::time::Timestamp;

/// Width of a squeezed gap, at most.
const GAP_W: f64 = 40.0;
/// Most stretches of detail on the axis.
const MAX_CLUSTERS: usize = 8;
/// Widest run of side-by-side marks; a crowd wider than this keeps its true places.
const MAX_SPREAD: usize = 7;
/// Lane names longer than this are shortened (the full name is the tooltip).
pub(super) const LANE_CHARS: usize = 24;
pub(super) const MIN_US: i64 = 60_000_000;

/// A stretch of the time axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Segment {
    pub(super) from: i64,
    pub(super) to: i64,
    pub(super) x0: f64,
    pub(super) x1: f64,
    /// A squeezed quiet stretch.
    pub(super) gap: bool,
}

pub(super) fn short_time(t: Timestamp) -> String {
    let (_, mo, d, h, mi, _, _) = t.to_civil();
    format!("{mo:02}-{d:02} {h:02}:{mi:02}")
}

/// An axis label: seconds only when the tick is not on a whole minute; the date on whole
/// minutes and on the first tick of a stretch, so every stretch says which day it is.
pub(super) fn tick_label(t: Timestamp, first: bool) -> String {
    let (_, mo, d, h, mi, s, _) = t.to_civil();
    match (s, first) {
        (0, _) => short_time(t),
        (_, true) => format!("{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
        (_, false) => format!("{h:02}:{mi:02}:{s:02}"),
    }
}

/// `6 d`, `5 h`, `40 min`, `45 s`.
pub(super) fn span_words(us: i64) -> String {
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

/// Lays out points (sorted by x) so that neighbours are at least `gap` apart: points that
/// would overlap form a group, spread evenly around the mean of their true positions, and
/// groups that then touch merge.
pub(super) fn dodge(xs: &[f64], gap: f64) -> Vec<f64> {
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
pub(super) struct Labels {
    spans: Vec<(f64, f64)>,
}

impl Labels {
    /// Rough width of 12 px text.
    fn width(text: &str) -> f64 {
        // Bold digits in the system fonts run to about 7.5 px; a little over keeps labels apart.
        7.8 * text.chars().count() as f64
    }

    /// Takes the place of a label at `x` with this anchor if it is free of the last one.
    pub(super) fn fits(&mut self, x: f64, text: &str, anchor: &str) -> bool {
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
    pub(super) fn fits_anywhere(&mut self, x: f64, text: &str) -> bool {
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
pub(super) fn shorten(name: &str) -> String {
    if name.chars().count() <= LANE_CHARS {
        return name.to_string();
    }
    let tail: String =
        name.chars().rev().take(LANE_CHARS - 1).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{tail}")
}

pub(super) fn frac(seg: &Segment, t: i64) -> f64 {
    if seg.to == seg.from { 0.5 } else { (t - seg.from) as f64 / (seg.to - seg.from) as f64 }
}

/// Round times inside a detailed segment for axis labels: ends always, and steps of a round
/// size between them when there is room.
pub(super) fn ticks(seg: &Segment) -> Vec<(i64, &'static str)> {
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
pub(super) fn segments(keys: &mut [i64], lo: Option<i64>, hi: Option<i64>) -> Vec<Segment> {
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
    fn gap_words() {
        assert_eq!(span_words(6 * DAY), "6 d");
        assert_eq!(span_words(5 * 60 * MIN_US), "5 h");
        assert_eq!(span_words(40 * MIN_US), "40 min");
        assert_eq!(span_words(45_000_000), "45 s");
    }
}
