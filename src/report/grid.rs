//! Tables that fit any width. Columns with nothing in them are dropped; cells are wrapped
//! only between words, and a cell can glue words into one unit (a code with its name, a
//! date with its time), so a code, a name or a `file:line` is never cut. When even the
//! narrowest columns do not fit, each row becomes a block of `field: value` lines.

use anstyle::{AnsiColor, Style};
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets::UTF8_BORDERS_ONLY};
use std::fmt::Write as _;
use textwrap::core::display_width;

/// Glues words into one unit that is never wrapped (shown as a space).
pub const GLUE: char = '\u{A0}';

/// The colour of a cell, when colour is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tint {
    /// Failures, high confidence, risk to data.
    Red,
    /// Medium confidence, changes to the system.
    Yellow,
}

/// One cell.
#[derive(Debug, Clone, Default)]
pub struct GridCell {
    text: String,
    tint: Option<Tint>,
    bold: bool,
}

impl GridCell {
    /// A cell whose words may be wrapped apart (lines break at `\n`). Whatever it holds is
    /// made safe for a terminal first ([`super::safe::cell`]).
    pub fn new(text: impl Into<String>) -> Self {
        let text: String = text.into();
        let text = match super::safe::cell(&text) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(safe) => safe,
        };
        GridCell { text, tint: None, bold: false }
    }

    /// A cell of units, each kept on one line, wrapped apart only between units.
    pub fn units<S: AsRef<str>>(units: &[S]) -> Self {
        let text: Vec<String> =
            units.iter().map(|u| u.as_ref().replace(' ', &GLUE.to_string())).collect();
        GridCell::new(text.join(" "))
    }

    /// Coloured when colour is on.
    #[must_use]
    pub fn tint(mut self, tint: Option<Tint>) -> Self {
        self.tint = tint;
        self
    }

    /// Bold when colour is on.
    #[must_use]
    pub fn bold(mut self, bold: bool) -> Self {
        self.bold = bold;
        self
    }

    fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// The widest unit: the least width the cell can be shown in without cutting one.
    fn min_width(&self) -> usize {
        self.text.split(['\n', ' ']).map(display_width).max().unwrap_or(0)
    }

    /// The widest line unwrapped.
    fn max_width(&self) -> usize {
        self.text.lines().map(display_width).max().unwrap_or(0)
    }
}

/// A table with a header, rendered as a table or, when too narrow, as blocks.
#[derive(Debug)]
pub struct Grid {
    header: Vec<String>,
    rows: Vec<Vec<GridCell>>,
    /// In blocks, the first column is shown as the block's title: `label value`.
    label: Option<String>,
}

/// Columns a table row costs beyond its cells: the outer borders, one space of padding on
/// each side of every cell, and the (blank) line between two cells.
fn overhead(columns: usize) -> usize {
    3 * columns + 1
}

impl Grid {
    /// A grid with these column names.
    pub fn new<S: AsRef<str>>(header: &[S]) -> Self {
        Grid {
            header: header.iter().map(|h| h.as_ref().to_string()).collect(),
            rows: Vec::new(),
            label: None,
        }
    }

    /// Blocks are titled by the first column, after `label` (`Incident 1`; an empty label
    /// gives the value alone).
    #[must_use]
    pub fn label(mut self, label: &str) -> Self {
        self.label = Some(label.to_string());
        self
    }

    /// Adds a row (missing cells are empty).
    pub fn row(&mut self, cells: Vec<GridCell>) {
        self.rows.push(cells);
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The columns that hold something.
    fn shown(&self) -> Vec<usize> {
        (0..self.header.len())
            .filter(|&c| self.rows.iter().any(|r| r.get(c).is_some_and(|x| !x.is_empty())))
            .collect()
    }

    fn cell(&self, row: usize, col: usize) -> GridCell {
        self.rows[row].get(col).cloned().unwrap_or_default()
    }

    /// The grid in at most `width` columns (wider only where one unit is wider still).
    pub fn render(&self, width: usize, color: bool) -> String {
        let cols = self.shown();
        if cols.is_empty() {
            return String::new();
        }
        let min: Vec<usize> = cols
            .iter()
            .map(|&c| {
                let head = self.header[c].split(' ').map(display_width).max().unwrap_or(0);
                (0..self.rows.len())
                    .map(|r| self.cell(r, c).min_width())
                    .max()
                    .unwrap_or(0)
                    .max(head)
            })
            .collect();
        let room = width.saturating_sub(overhead(cols.len()));
        if min.iter().sum::<usize>() > room {
            return self.blocks(&cols, width, color);
        }
        let max: Vec<usize> = cols
            .iter()
            .zip(&min)
            .map(|(&c, &m)| {
                let head = display_width(&self.header[c]);
                (0..self.rows.len())
                    .map(|r| self.cell(r, c).max_width())
                    .max()
                    .unwrap_or(0)
                    .max(head)
                    .max(m)
            })
            .collect();
        let widths = share(&min, &max, room);
        let mut t = Table::new();
        t.load_preset(UTF8_BORDERS_ONLY).set_content_arrangement(ContentArrangement::Disabled);
        if color {
            t.enforce_styling();
        }
        t.set_header(cols.iter().zip(&widths).map(|(&c, &w)| wrap(&self.header[c], w)));
        for r in 0..self.rows.len() {
            t.add_row(cols.iter().zip(&widths).map(|(&c, &w)| {
                let cell = self.cell(r, c);
                let mut out = Cell::new(wrap(&cell.text, w));
                if color {
                    if let Some(tint) = cell.tint {
                        out = out.fg(match tint {
                            Tint::Red => Color::Red,
                            Tint::Yellow => Color::Yellow,
                        });
                    }
                    if cell.bold {
                        out = out.add_attribute(Attribute::Bold);
                    }
                }
                out
            }));
        }
        format!("{t}\n")
    }

    /// One block per row: `field: value` lines, values wrapped between units and hung
    /// under their first line.
    fn blocks(&self, cols: &[usize], width: usize, color: bool) -> String {
        let paint = |cell: &GridCell, text: &str| -> String {
            let mut style = Style::new();
            if let Some(t) = cell.tint {
                style = style.fg_color(Some(
                    match t {
                        Tint::Red => AnsiColor::Red,
                        Tint::Yellow => AnsiColor::Yellow,
                    }
                    .into(),
                ));
            }
            if cell.bold {
                style = style.bold();
            }
            if color && style != Style::new() {
                format!("{}{text}{}", style.render(), style.render_reset())
            } else {
                text.to_string()
            }
        };
        let titled = self.label.is_some();
        let fields = if titled { &cols[1..] } else { cols };
        let pad = fields.iter().map(|&c| display_width(&self.header[c])).max().unwrap_or(0) + 1;
        // A label column wider than a third of the line leaves too little for values:
        // then values go under their labels.
        let hang = if pad + 2 > width / 3 { 4 } else { pad + 3 };
        let mut out = String::new();
        for r in 0..self.rows.len() {
            if r > 0 {
                out.push('\n');
            }
            if let (Some(label), Some(&first)) = (&self.label, cols.first()) {
                let cell = self.cell(r, first);
                let title = format!("{label} {}", unglue(&cell.text));
                out.push_str(&paint(&cell, title.trim_start()));
                out.push('\n');
            }
            for &c in fields {
                let cell = self.cell(r, c);
                if cell.is_empty() {
                    continue;
                }
                let name = format!("{}:", self.header[c]);
                let mut lines = Vec::new();
                for line in cell.text.lines() {
                    lines.extend(wrap_lines(line, width.saturating_sub(hang).max(1)));
                }
                if hang == 4 {
                    let _ = writeln!(out, "  {name}");
                    for l in lines {
                        let _ = writeln!(out, "{:hang$}{}", "", paint(&cell, &l));
                    }
                } else {
                    for (n, l) in lines.iter().enumerate() {
                        let head = if n == 0 { name.as_str() } else { "" };
                        let _ = writeln!(out, "  {head:pad$} {}", paint(&cell, l));
                    }
                }
            }
        }
        out
    }
}

/// Column widths from their least and greatest: every column gets its least, then the
/// room left goes to the columns that want the least more first, each up to its greatest,
/// so short columns stay on one line and the longest (prose) takes the wrapping.
fn share(min: &[usize], max: &[usize], room: usize) -> Vec<usize> {
    let mut w = min.to_vec();
    let mut left = room.saturating_sub(w.iter().sum());
    let mut order: Vec<usize> = (0..w.len()).collect();
    order.sort_by_key(|&i| (max[i].saturating_sub(min[i]), i));
    for i in order {
        let give = max[i].saturating_sub(w[i]).min(left);
        w[i] += give;
        left -= give;
    }
    w
}

fn unglue(s: &str) -> String {
    s.replace(GLUE, " ")
}

/// `text` wrapped to `width` between units (never inside one), lines joined by `\n`.
fn wrap(text: &str, width: usize) -> String {
    text.lines().flat_map(|l| wrap_lines(l, width)).collect::<Vec<_>>().join("\n")
}

fn wrap_lines(line: &str, width: usize) -> Vec<String> {
    let opts = textwrap::Options::new(width.max(1))
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    let wrapped = textwrap::wrap(line, opts);
    if wrapped.is_empty() {
        vec![String::new()]
    } else {
        wrapped.iter().map(|l| unglue(l)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Grid {
        let mut g =
            Grid::new(&["#", "update", "code", "first → last (UTC)", "wraps"]).label("Incident");
        g.row(vec![
            GridCell::new("1"),
            GridCell::new("KB5034765"),
            GridCell::units(&["0x80240016", "WU_E_OPERATIONINPROGRESS"]),
            GridCell::units(&["2024-02-14 02:01 →", "2024-02-15 02:01"]),
            GridCell::new(""),
        ]);
        g.row(vec![
            GridCell::new("2"),
            GridCell::new("Appostar si__dism_x64.log:12"),
            GridCell::units(&["0x800F081F", "CBS_E_SOURCE_MISSING"]),
            GridCell::units(&["2024-02-16 10:00 →", "2024-02-16 10:05"]),
            GridCell::new(""),
        ]);
        g
    }

    #[test]
    fn units_stay_whole_and_empty_columns_go() {
        for width in [60, 70, 80, 100, 140] {
            let s = sample().render(width, false);
            for unit in ["WU_E_OPERATIONINPROGRESS", "si__dism_x64.log:12", "2024-02-14 02:01 →"]
            {
                assert!(s.contains(unit), "{width}: {unit} cut in\n{s}");
            }
            assert!(!s.contains("wraps"), "{s}");
            for l in s.lines() {
                assert!(display_width(l) <= width, "{width}: {l:?}");
            }
            // Room to spare is used: the table is as wide as the line, or as its content.
            let widest = s.lines().map(display_width).max().unwrap_or(0);
            assert!(widest == width || !s.contains("→\n"), "{width}: {widest}\n{s}");
        }
    }

    #[test]
    fn too_narrow_becomes_blocks() {
        let s = sample().render(50, false);
        assert!(s.starts_with("Incident 1\n"), "{s}");
        assert!(s.contains("  code:"), "{s}");
        assert!(s.contains("0x80240016 WU_E_OPERATIONINPROGRESS"), "{s}");
        assert!(!s.contains('│'));
        for l in s.lines() {
            assert!(display_width(l) <= 50, "{l:?}");
        }
        // Narrower still: labels over their values, units still whole.
        let s = sample().render(30, false);
        assert!(s.contains("\n  first → last (UTC):\n    2024-02-14 02:01 →\n"), "{s}");
    }

    #[test]
    fn share_gives_each_its_least_and_the_rest_to_the_least_wanting_first() {
        assert_eq!(share(&[2, 2], &[10, 3], 8), vec![5, 3]);
        assert_eq!(share(&[10, 60], &[40, 140], 130), vec![40, 90]);
        assert_eq!(share(&[2, 2], &[3, 3], 100), vec![3, 3]);
        assert_eq!(share(&[2, 2], &[3, 3], 100), vec![3, 3]);
    }
}
