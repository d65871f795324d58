//! Where the wall page puts things: a banner, a strip of headline figures, side columns of
//! panels, the map, a caption and the alert ticker, arranged for the wall's shape and,
//! on a spliced wall, for its seams. Plain geometry in egui points (tested here); the
//! wall page paints into these rectangles.
//!
//! A spliced wall's screens meet at seams hidden by bezels. Text must not cross one, so
//! every block of text gets a rectangle inside one screen: side columns end at a seam,
//! panels in a column split where a horizontal seam runs, and the strips across the
//! middle (headline figures, caption, ticker) are cut into cells between seams. Only the
//! map spans screens; its labels keep clear of seams themselves.

use bevy::math::UVec2;
use bevy_egui::egui::{self, Rect};

/// Where a spliced wall's screens meet, in egui points.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Seams {
    /// Vertical seams (x) and horizontal seams (y).
    pub xs: Vec<f32>,
    pub ys: Vec<f32>,
    /// Half the width of the band around a seam that text keeps out of.
    pub half_band: f32,
}

/// Text keeps this far (points) beyond the bezel itself: a glyph touching a bezel reads
/// as cut.
const SEAM_MARGIN: f32 = 6.0;

impl Seams {
    /// The seams of `grid` screens across and down filling `screen`, with bezels
    /// `bezel_points` wide.
    pub fn of(screen: Rect, grid: UVec2, bezel_points: f32) -> Seams {
        let cuts = |start: f32, length: f32, n: u32| (1..n).map(|k| start + length * k as f32 / n as f32).collect();
        Seams {
            xs: cuts(screen.left(), screen.width(), grid.x.max(1)),
            ys: cuts(screen.top(), screen.height(), grid.y.max(1)),
            half_band: if grid.x > 1 || grid.y > 1 { bezel_points / 2.0 + SEAM_MARGIN } else { 0.0 },
        }
    }

    /// Whether a rectangle reaches into a seam's band.
    pub fn crosses(&self, r: Rect) -> bool {
        let hits = |seams: &[f32], lo: f32, hi: f32| seams.iter().any(|s| lo < s + self.half_band && hi > s - self.half_band);
        hits(&self.xs, r.left(), r.right()) || hits(&self.ys, r.top(), r.bottom())
    }

    /// The parts of `[from, to]` between vertical seams, clear of their bands.
    pub fn spans_x(&self, from: f32, to: f32) -> Vec<(f32, f32)> {
        spans(&self.xs, self.half_band, from, to)
    }

    /// The parts of `[from, to]` between horizontal seams, clear of their bands.
    pub fn spans_y(&self, from: f32, to: f32) -> Vec<(f32, f32)> {
        spans(&self.ys, self.half_band, from, to)
    }
}

impl Seams {
    /// A label's box moved the least distance off every seam band it touches (to the side
    /// of the seam its centre is on).
    pub fn nudge(&self, r: Rect) -> Rect {
        let mut r = r;
        for &s in &self.xs {
            if r.left() < s + self.half_band && r.right() > s - self.half_band {
                let dx = if r.center().x < s { s - self.half_band - r.right() } else { s + self.half_band - r.left() };
                r = r.translate(egui::vec2(dx, 0.0));
            }
        }
        for &s in &self.ys {
            if r.top() < s + self.half_band && r.bottom() > s - self.half_band {
                let dy = if r.center().y < s { s - self.half_band - r.bottom() } else { s + self.half_band - r.top() };
                r = r.translate(egui::vec2(0.0, dy));
            }
        }
        r
    }
}

fn spans(seams: &[f32], half_band: f32, from: f32, to: f32) -> Vec<(f32, f32)> {
    let mut out = Vec::new();
    let mut start = from;
    for &s in seams.iter().filter(|s| **s > from && **s < to) {
        if s - half_band > start {
            out.push((start, s - half_band));
        }
        start = start.max(s + half_band);
    }
    if to > start {
        out.push((start, to));
    }
    out
}

/// What the wall page holds for a topic.
#[derive(Clone, Debug, PartialEq)]
pub struct WallContent {
    /// Headline figures in the strip over the map.
    pub heroes: usize,
    /// Weights of the panels on each side, top to bottom.
    pub left: Vec<f32>,
    pub right: Vec<f32>,
    /// Sentences of the caption under the map.
    pub caption: usize,
    /// Footnotes (what a desk says on hover), and the height of a row of them: one line
    /// ([`FOOTNOTE_LINE`]) unless the page measured that one needs more.
    pub footnotes: usize,
    pub footnote_height: f32,
}

/// The wall page's rectangles.
#[derive(Clone, Debug, PartialEq)]
pub struct WallFrame {
    /// The title banner, and its cells (left: the title; middle: the topic; right: the
    /// time and the data's state), each inside one screen.
    pub banner: Rect,
    pub banner_cells: [Rect; 3],
    pub heroes: Vec<Rect>,
    /// One rectangle per panel, in the scene's order.
    pub left: Vec<Rect>,
    pub right: Vec<Rect>,
    pub map: Rect,
    /// The map's legend, under it.
    pub legend: Rect,
    /// One rectangle per caption sentence.
    pub caption: Vec<Rect>,
    /// One rectangle per footnote, in a strip across the wall over the ticker.
    pub footnotes: Vec<Rect>,
    pub ticker: Rect,
    /// The ticker's stretches between seams: its label, then alerts, flow through them.
    pub ticker_spans: Vec<Rect>,
}

pub const BANNER_HEIGHT: f32 = 76.0;
pub const TICKER_HEIGHT: f32 = 50.0;
pub const HERO_HEIGHT: f32 = 164.0;
/// The widest a headline figure's cell gets on one screen.
pub const HERO_WIDTH: f32 = 440.0;
pub const LEGEND_HEIGHT: f32 = 112.0;
/// A caption sentence's height: two lines of body text.
pub const CAPTION_HEIGHT: f32 = 64.0;
/// A footnote row's height: one line of small text.
pub const FOOTNOTE_LINE: f32 = 30.0;
const GAP: f32 = 10.0;
/// A side column's width on one screen of 16:9 (points), and the narrowest the map may be
/// relative to the height before side columns go side by side on wider walls.
const COLUMN: f32 = 500.0;
const MAP_ASPECT: f32 = 1.25;

/// Lays the wall page out on `screen` (points) with its seams.
pub fn arrange(screen: Rect, seams: &Seams, content: &WallContent) -> WallFrame {
    // The headline figures run across the top, under the banner, at most a figure's width
    // each, centred; the columns and the map share what is below.
    let hero_top = screen.top() + BANNER_HEIGHT + GAP;
    let hero_bottom = hero_top + HERO_HEIGHT;
    let hero_spans = if seams.xs.is_empty() {
        let wanted = content.heroes as f32 * (HERO_WIDTH + GAP) - GAP;
        let width = wanted.min(screen.width() - 2.0 * GAP);
        vec![(screen.center().x - width / 2.0, screen.center().x + width / 2.0)]
    } else {
        seams.spans_x(screen.left() + GAP, screen.right() - GAP)
    };
    let heroes = cells(&hero_spans, content.heroes, hero_top, hero_bottom);
    let body_top = if content.heroes > 0 { hero_bottom + GAP } else { hero_top };
    // Footnotes across the foot of the wall, over the ticker, flowed through the screens.
    let note_spans = seams.spans_x(screen.left() + GAP, screen.right() - GAP);
    let note_rows = content.footnotes.div_ceil(note_spans.len().max(1));
    let notes_bottom = screen.bottom() - TICKER_HEIGHT - GAP / 2.0;
    let notes_top = notes_bottom - note_rows as f32 * content.footnote_height;
    let footnotes = if content.footnotes <= note_spans.len() {
        cells(&note_spans, content.footnotes, notes_top, notes_bottom)
    } else {
        stacked(&note_spans, content.footnotes, notes_top, notes_bottom)
    };
    let body_bottom = if content.footnotes > 0 { notes_top - GAP / 2.0 } else { screen.bottom() - TICKER_HEIGHT - GAP };
    let banner = Rect::from_min_max(screen.min, egui::pos2(screen.right(), screen.top() + BANNER_HEIGHT));
    let ticker = Rect::from_min_max(egui::pos2(screen.left(), screen.bottom() - TICKER_HEIGHT), screen.max);

    // Side columns: as many on each side as its panels need (a spliced wall's rows each
    // take a panel) and the wall's width allows while the map keeps its shape, each as
    // wide as a 16:9 screen's column. On a wall of three or more screens across, the
    // outer screens are the columns.
    let rows = seams.spans_y(body_top, body_bottom).len().max(1);
    let per_side = |panels: usize| {
        let room = ((screen.width() - screen.height() * MAP_ASPECT) / 2.0 / COLUMN).floor().max(1.0) as usize;
        room.min(panels.div_ceil(rows).max(1))
    };
    let (left_n, right_n) = (per_side(content.left.len()), per_side(content.right.len()));
    // Side by side, columns share what the map leaves; alone, a column is a quarter of a
    // 16:9 screen.
    let column = if left_n.max(right_n) > 1 {
        let map_width = (body_bottom - body_top) * MAP_ASPECT * 1.5;
        (screen.width() - map_width) / (left_n + right_n) as f32 - GAP
    } else {
        (screen.width() * 0.26).clamp(380.0, COLUMN)
    };
    let mut left_edge = screen.left() + GAP + left_n as f32 * (column + GAP);
    let mut right_edge = screen.right() - GAP - right_n as f32 * (column + GAP);
    if seams.xs.len() >= 2 {
        left_edge = seams.xs[left_n.min(seams.xs.len() - 1) - 1] - seams.half_band + GAP;
        right_edge = seams.xs[seams.xs.len() - right_n.min(seams.xs.len() - 1)] + seams.half_band - GAP;
    }
    let left = side(seams, screen.left() + GAP, left_edge - GAP, left_n, body_top, body_bottom, &content.left);
    let right = side(seams, right_edge + GAP, screen.right() - GAP, right_n, body_top, body_bottom, &content.right);

    // The middle: the map, its legend and the caption.
    let (mid_left, mid_right) = (left_edge + GAP, right_edge - GAP);
    let mid_spans = seams.spans_x(mid_left, mid_right);
    let caption_rows = content.caption.div_ceil(mid_spans.len().max(1));
    let caption_top = body_bottom - caption_rows as f32 * CAPTION_HEIGHT;
    let caption = if content.caption <= mid_spans.len() {
        cells(&mid_spans, content.caption, caption_top, body_bottom)
    } else {
        stacked(&mid_spans, content.caption, caption_top, body_bottom)
    };
    let legend_span = mid_spans.first().copied().unwrap_or((mid_left, mid_right));
    let legend = Rect::from_min_max(egui::pos2(legend_span.0, caption_top - LEGEND_HEIGHT), egui::pos2(legend_span.1, caption_top));
    let map = Rect::from_min_max(egui::pos2(mid_left, body_top), egui::pos2(mid_right, legend.top() - GAP / 2.0));

    let banner_spans = seams.spans_x(screen.left() + GAP, screen.right() - GAP);
    let banner_cells = banner_layout(&banner_spans, banner, (left_edge, right_edge));
    let ticker_spans = seams
        .spans_x(screen.left() + GAP, screen.right() - GAP)
        .into_iter()
        .map(|(a, b)| Rect::from_min_max(egui::pos2(a, ticker.top() + 4.0), egui::pos2(b, ticker.bottom() - 4.0)))
        .collect();
    WallFrame { banner, banner_cells, heroes, left, right, map, legend, caption, footnotes, ticker, ticker_spans }
}

/// A side's panels in `columns` columns between `from` and `to`, top to bottom in each:
/// panels go to columns in order, about the same weight to each, and within a column
/// their boundaries fall on the horizontal seams where there are any.
fn side(seams: &Seams, from: f32, to: f32, columns: usize, top: f32, bottom: f32, weights: &[f32]) -> Vec<Rect> {
    if weights.is_empty() {
        return Vec::new();
    }
    // Columns are the screens between seams where the side spans as many; else equal.
    let screens = seams.spans_x(from, to);
    let width = (to - from - GAP * (columns - 1) as f32) / columns as f32;
    let column_at = |c: usize| match screens.get(c) {
        Some(&(a, b)) if screens.len() == columns => (a, b - a),
        _ => (from + c as f32 * (width + GAP), width),
    };
    let groups = split_by_weight(weights, columns);
    let mut out = Vec::new();
    for (c, group) in groups.iter().enumerate() {
        let (x, width) = column_at(c);
        let rows = seams.spans_y(top, bottom);
        let per_row = split_by_weight(group, rows.len().min(group.len()));
        for (row, panels) in rows.iter().zip(&per_row) {
            out.extend(stack(x, width, row.0, row.1, panels));
        }
    }
    out
}

/// One item placed on a page of a strip: which item, in which slot, at what offset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    pub item: usize,
    pub slot: usize,
    pub x: f32,
}

/// Items of these widths, in order, flowed through slots of these widths page by page,
/// `gap` apart; an item wider than every slot gets a slot of its own.
pub fn flow(widths: &[f32], slots: &[f32], gap: f32) -> Vec<Vec<Placed>> {
    if slots.is_empty() {
        return vec![Vec::new()];
    }
    let mut pages = Vec::new();
    let mut page: Vec<Placed> = Vec::new();
    let (mut slot, mut x) = (0, 0.0);
    for (item, w) in widths.iter().enumerate() {
        // On from where the last item ended: the first slot it fits in; an empty slot
        // takes even an item too wide for it.
        // An item goes past a slot too narrow for it where a wider one exists.
        let widest = slots.iter().copied().fold(0.0, f32::max);
        while (x > 0.0 && x + w > slots[slot]) || (x == 0.0 && *w > slots[slot] && *w <= widest) {
            slot += 1;
            x = 0.0;
            if slot == slots.len() {
                if !page.is_empty() {
                    pages.push(std::mem::take(&mut page));
                }
                slot = 0;
            }
        }
        page.push(Placed { item, slot, x });
        x += w + gap;
    }
    if !page.is_empty() || pages.is_empty() {
        pages.push(page);
    }
    pages
}

/// Splits weights, in order, into `parts` consecutive groups of about equal total weight,
/// none empty (fewer parts when there are fewer weights).
pub fn split_by_weight(weights: &[f32], parts: usize) -> Vec<Vec<f32>> {
    let parts = parts.clamp(1, weights.len().max(1));
    let total: f32 = weights.iter().sum::<f32>().max(f32::EPSILON);
    let mut groups: Vec<Vec<f32>> = vec![Vec::new(); parts];
    let mut done = 0.0;
    for (i, w) in weights.iter().enumerate() {
        // The group whose share holds this panel's middle, but never leaving a later group
        // without a panel.
        // (A middle on a boundary goes to the earlier group: the top fills first.)
        let by_weight = (((done + w / 2.0) / total) * parts as f32 - 1e-4).floor().max(0.0) as usize;
        let latest_allowed = parts - (weights.len() - i).min(parts);
        let earliest = groups.iter().rposition(|g| !g.is_empty()).unwrap_or(0);
        groups[by_weight.clamp(earliest.max(latest_allowed), parts - 1)].push(*w);
        done += w;
    }
    groups
}

/// Panels stacked from `top` to `bottom`, heights by weight.
fn stack(x: f32, width: f32, top: f32, bottom: f32, weights: &[f32]) -> Vec<Rect> {
    let total: f32 = weights.iter().sum::<f32>().max(f32::EPSILON);
    let usable = bottom - top - GAP * weights.len().saturating_sub(1) as f32;
    let mut y = top;
    weights
        .iter()
        .map(|w| {
            let h = usable * w / total;
            let r = Rect::from_min_size(egui::pos2(x, y), egui::vec2(width, h));
            y += h + GAP;
            r
        })
        .collect()
}

/// `n` cells between `top` and `bottom`, spread over the spans in proportion to their
/// widths, each inside one span.
fn cells(spans: &[(f32, f32)], n: usize, top: f32, bottom: f32) -> Vec<Rect> {
    if n == 0 || spans.is_empty() {
        return Vec::new();
    }
    let widths: Vec<f32> = spans.iter().map(|(a, b)| b - a).collect();
    let groups = split_by_weight(&widths, spans.len().min(n));
    // Cells per span group: in proportion to the group's width, at least one each.
    let total: f32 = widths.iter().sum();
    let mut counts: Vec<usize> = groups.iter().map(|g| ((g.iter().sum::<f32>() / total) * n as f32).floor().max(1.0) as usize).collect();
    while counts.iter().sum::<usize>() > n {
        let i = counts.iter().enumerate().max_by_key(|(_, c)| **c).map(|(i, _)| i).unwrap_or(0);
        counts[i] -= 1;
    }
    while counts.iter().sum::<usize>() < n {
        // The group with the widest cells takes one more.
        let i = (0..counts.len())
            .max_by(|a, b| {
                (groups[*a].iter().sum::<f32>() / counts[*a] as f32).total_cmp(&(groups[*b].iter().sum::<f32>() / counts[*b] as f32))
            })
            .unwrap_or(0);
        counts[i] += 1;
    }
    let mut out = Vec::new();
    let mut span_index = 0;
    for (group, count) in groups.iter().zip(counts) {
        let group_spans = &spans[span_index..span_index + group.len()];
        span_index += group.len();
        // Within a group of spans, cells go to spans by width, none crossing a seam.
        let per_span = distribute(group, count);
        for ((a, b), k) in group_spans.iter().zip(per_span) {
            let w = (b - a - GAP * k.saturating_sub(1) as f32) / k.max(1) as f32;
            for j in 0..k {
                let x = a + j as f32 * (w + GAP);
                out.push(Rect::from_min_max(egui::pos2(x, top), egui::pos2(x + w, bottom)));
            }
        }
    }
    out
}

/// `n` items over spans of these widths: the widest spans first, at most a proportional
/// share each.
fn distribute(widths: &[f32], n: usize) -> Vec<usize> {
    let total: f32 = widths.iter().sum::<f32>().max(f32::EPSILON);
    let mut counts: Vec<usize> = widths.iter().map(|w| ((w / total) * n as f32).floor() as usize).collect();
    while counts.iter().sum::<usize>() < n {
        let i = (0..widths.len())
            .max_by(|a, b| (widths[*a] / (counts[*a] + 1) as f32).total_cmp(&(widths[*b] / (counts[*b] + 1) as f32)))
            .unwrap_or(0);
        counts[i] += 1;
    }
    counts
}

/// `n` cells in rows over the spans, one per span in each row.
fn stacked(spans: &[(f32, f32)], n: usize, top: f32, bottom: f32) -> Vec<Rect> {
    let height = (bottom - top) / n.div_ceil(spans.len()) as f32;
    (0..n)
        .map(|i| {
            let (a, b) = spans[i % spans.len()];
            let y = top + (i / spans.len()) as f32 * height;
            Rect::from_min_max(egui::pos2(a, y), egui::pos2(b, y + height))
        })
        .collect()
}

/// The banner's three cells: the title in the first span, the topic over the map's
/// middle (inside the span that holds most of it), the time and the data's state in the
/// last span.
fn banner_layout(spans: &[(f32, f32)], banner: Rect, (mid_left, mid_right): (f32, f32)) -> [Rect; 3] {
    let row = |a: f32, b: f32| Rect::from_min_max(egui::pos2(a, banner.top()), egui::pos2(b, banner.bottom()));
    let Some(&(first_a, first_b)) = spans.first() else { return [banner; 3] };
    let &(last_a, last_b) = spans.last().expect("not empty");
    if spans.len() == 1 {
        // One screen: title on the left, topic in the middle third, time on the right.
        let third = (first_b - first_a) / 3.0;
        return [row(first_a, mid_left.max(first_a + third)), row(mid_left, mid_right), row(mid_right.min(last_b - third), last_b)];
    }
    if spans.len() == 2 {
        // Two screens across: title and topic share the first, the time has the second.
        let split = first_a + (first_b - first_a) * 0.45;
        return [row(first_a, split), row(split, first_b), row(last_a, last_b)];
    }
    let overlap = |(a, b): (f32, f32)| (b.min(mid_right) - a.max(mid_left)).max(0.0);
    let middle = spans[1..spans.len() - 1].iter().copied().max_by(|a, b| overlap(*a).total_cmp(&overlap(*b))).unwrap_or((first_b, last_a));
    [row(first_a, first_b), row(middle.0, middle.1), row(last_a, last_b)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(w: f32, h: f32) -> Rect {
        Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(w, h))
    }

    fn content() -> WallContent {
        WallContent { heroes: 4, left: vec![1.0, 1.0], right: vec![1.2, 1.0], caption: 2, footnotes: 1, footnote_height: FOOTNOTE_LINE }
    }

    fn every_text_rect(f: &WallFrame) -> Vec<Rect> {
        let mut all = f.banner_cells.to_vec();
        all.extend(f.heroes.iter().chain(&f.left).chain(&f.right).chain(&f.caption).chain(&f.footnotes).chain(&f.ticker_spans));
        all.push(f.legend);
        all
    }

    #[test]
    fn seams_fall_between_screens_and_spans_avoid_them() {
        // 4 × 2 screens of 1920 × 1080 px at scale 2: 3840 × 1080 points, 12 px bezels.
        let seams = Seams::of(screen(3840.0, 1080.0), UVec2::new(4, 2), 6.0);
        assert_eq!(seams.xs, vec![960.0, 1920.0, 2880.0]);
        assert_eq!(seams.ys, vec![540.0]);
        assert!(seams.crosses(Rect::from_min_max(egui::pos2(950.0, 10.0), egui::pos2(962.0, 20.0))));
        assert!(!seams.crosses(Rect::from_min_max(egui::pos2(10.0, 10.0), egui::pos2(900.0, 500.0))));
        let spans = seams.spans_x(0.0, 1920.0);
        assert_eq!(spans.len(), 2);
        assert!(spans[0].1 < 960.0 - 3.0 && spans[1].0 > 960.0 + 3.0, "{spans:?}");
        // One screen: no seams, one span.
        let single = Seams::of(screen(1920.0, 1080.0), UVec2::ONE, 0.0);
        assert_eq!(single.spans_x(0.0, 1920.0), vec![(0.0, 1920.0)]);
    }

    #[test]
    fn labels_move_off_seams_to_their_side() {
        let seams = Seams::of(screen(3840.0, 1080.0), UVec2::new(4, 2), 6.0);
        let across = Rect::from_min_size(egui::pos2(940.0, 100.0), egui::vec2(60.0, 20.0));
        let moved = seams.nudge(across);
        assert!(!seams.crosses(moved) && moved.left() > 960.0, "{moved:?}");
        let on_row_seam = Rect::from_min_size(egui::pos2(100.0, 525.0), egui::vec2(60.0, 20.0));
        let moved = seams.nudge(on_row_seam);
        assert!(!seams.crosses(moved) && moved.bottom() < 540.0, "{moved:?}");
        let clear = Rect::from_min_size(egui::pos2(100.0, 100.0), egui::vec2(60.0, 20.0));
        assert_eq!(seams.nudge(clear), clear);
    }

    #[test]
    fn weights_split_in_order_without_empty_groups() {
        assert_eq!(split_by_weight(&[1.0, 1.0, 1.0], 2), vec![vec![1.0, 1.0], vec![1.0]]);
        assert_eq!(split_by_weight(&[3.0, 1.0], 2), vec![vec![3.0], vec![1.0]]);
        assert_eq!(split_by_weight(&[1.0], 3), vec![vec![1.0]]);
        let five = split_by_weight(&[1.0, 0.2, 0.2, 0.2, 1.0], 3);
        assert_eq!(five.len(), 3);
        assert!(five.iter().all(|g| !g.is_empty()), "{five:?}");
        assert_eq!(five.iter().map(Vec::len).sum::<usize>(), 5);
    }

    #[test]
    fn a_single_screen_has_columns_a_hero_strip_and_the_map_between() {
        let s = screen(1920.0, 1080.0);
        let f = arrange(s, &Seams::of(s, UVec2::ONE, 0.0), &content());
        assert_eq!((f.left.len(), f.right.len(), f.heroes.len(), f.caption.len()), (2, 2, 4, 2));
        assert!(f.left.iter().all(|r| r.right() < f.map.left()) && f.right.iter().all(|r| r.left() > f.map.right()));
        assert!(f.heroes.iter().all(|h| h.bottom() <= f.map.top() && f.left.iter().chain(&f.right).all(|p| h.bottom() < p.top())));
        // A footnote across the foot of the page, between the panels and the ticker.
        assert!(f.map.width() > 800.0 && f.map.height() > 450.0, "{:?}", f.map);
        let note = f.footnotes[0];
        assert!(note.top() >= f.left.iter().chain(&f.right).chain(&f.caption).map(|r| r.bottom()).fold(0.0, f32::max));
        assert!(note.bottom() <= f.ticker.top() && note.width() > 1800.0, "{note:?}");
        for r in every_text_rect(&f) {
            assert!(s.contains_rect(r), "{r:?} is off the screen");
        }
    }

    #[test]
    fn on_a_spliced_wall_no_text_block_touches_a_seam() {
        for (w, grid) in [(3840.0, UVec2::new(4, 2)), (1920.0, UVec2::new(2, 2)), (2880.0, UVec2::new(3, 1))] {
            let s = screen(w, 1080.0);
            let seams = Seams::of(s, grid, 6.0);
            let f = arrange(
                s,
                &seams,
                &WallContent {
                    heroes: 4,
                    left: vec![1.0, 1.0, 1.0],
                    right: vec![1.0, 1.0],
                    caption: 2,
                    footnotes: 0,
                    footnote_height: FOOTNOTE_LINE,
                },
            );
            for r in every_text_rect(&f) {
                assert!(!seams.crosses(r), "{grid}: {r:?} crosses a seam of {seams:?}");
                assert!(r.width() > 100.0 && r.height() > 30.0, "{grid}: {r:?} is too small to hold text");
            }
            assert_eq!(f.left.len() + f.right.len(), 5);
        }
    }

    #[test]
    fn ticker_items_flow_through_slots_and_pages() {
        let at = |pages: &Vec<Vec<Placed>>| {
            pages.iter().map(|p| p.iter().map(|q| (q.item, q.slot, q.x)).collect::<Vec<_>>()).collect::<Vec<_>>()
        };
        // Two slots of 100: items of 40 fit two per slot, so four per page.
        let pages = flow(&[40.0; 5], &[100.0, 100.0], 10.0);
        assert_eq!(at(&pages), vec![vec![(0, 0, 0.0), (1, 0, 50.0), (2, 1, 0.0), (3, 1, 50.0)], vec![(4, 0, 0.0)]]);
        // An item too wide for any slot still shows, alone in one.
        let pages = flow(&[150.0, 40.0], &[100.0], 10.0);
        assert_eq!(at(&pages), vec![vec![(0, 0, 0.0)], vec![(1, 0, 0.0)]]);
        assert_eq!(flow(&[], &[100.0], 10.0).len(), 1);
    }

    #[test]
    fn wide_led_walls_put_panels_side_by_side() {
        let s = screen(5760.0, 1080.0);
        let f = arrange(
            s,
            &Seams::of(s, UVec2::ONE, 0.0),
            &WallContent {
                heroes: 4,
                left: vec![1.0, 1.0],
                right: vec![1.0, 1.0],
                caption: 2,
                footnotes: 0,
                footnote_height: FOOTNOTE_LINE,
            },
        );
        // Each side's two panels stand next to each other, full height.
        assert!(f.left[0].right() < f.left[1].left(), "{:?}", f.left);
        assert!(f.left[0].height() > 700.0 && f.left[0].width() > 800.0, "{:?}", f.left[0]);
        assert!(f.map.width() < 4000.0 && f.map.width() > 1300.0, "{:?}", f.map);
    }
}
