//! Small charts painted with egui: trend lines and ranked bars. Scales are computed by
//! pure functions (tested); painting only maps them to pixels.

use bevy_egui::egui;
use szjy_model::outlook::ForecastPoint;
use szjy_model::period::Period;

use crate::shared::figures::Bar;
use crate::shared::theme::{Hex, Theme, TypeScale};

/// A "nice" axis: rounded bounds and a step of 1, 2 or 5 × 10ⁿ covering [min, max].
pub fn nice_axis(min: f64, max: f64, ticks: usize) -> (f64, f64, f64) {
    let (min, max) = if (max - min).abs() < f64::EPSILON { (min - 1.0, max + 1.0) } else { (min, max) };
    let raw = (max - min) / ticks.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    ((min / step).floor() * step, (max / step).ceil() * step, step)
}

/// An axis tick's label: as many decimals as the step needs and no more, in 万 (10⁴)
/// once the axis reaches ten thousand, so neighbouring ticks never read the same.
pub fn axis_label(tick: f64, step: f64, axis_max: f64) -> String {
    let (value, step, suffix) = if axis_max.abs() >= 10_000.0 { (tick / 10_000.0, step / 10_000.0, "万") } else { (tick, step, "") };
    // Steps are 1, 2 or 5 × 10ⁿ: −n decimals (rounded against float noise) show them.
    let decimals = (-step.log10() - 1e-9).ceil().clamp(0.0, 6.0) as usize;
    format!("{value:.decimals$}{suffix}")
}

pub struct Series<'a> {
    pub name: &'a str,
    pub points: &'a [(Period, Option<f64>)],
    /// The forecast that continues the line past its last point (may be empty).
    pub fan: &'a [ForecastPoint],
    /// For published figures, each point's citation: such a series is drawn as marked
    /// points joined by a dashed line, and the tooltip cites the hovered one. Empty for
    /// the project's own measures.
    pub citations: &'a [Option<String>],
}

impl Series<'_> {
    /// Whether the series is of published figures (drawn marked, cited on hover).
    pub fn is_published(&self) -> bool {
        !self.citations.is_empty()
    }

    /// The period at x index `i`: an observed point's, then a forecast month's.
    fn period(&self, i: usize) -> Option<Period> {
        self.points.get(i).map(|p| p.0).or_else(|| self.fan.get(i.checked_sub(self.points.len())?).map(|f| f.period))
    }
}

/// Trend lines sharing one y axis; x is the period index. A series' forecast continues
/// it as a dashed line in its 95 % and 80 % bands. Guides are horizontal lines inside the
/// value axis. The hovered period's values show in a tooltip, written by `format`.
pub struct LineChart<'a> {
    pub series: &'a [Series<'a>],
    pub guides: &'a [Guide],
    pub height: f32,
    pub format: &'a dyn Fn(f64) -> String,
    pub period_label: &'a dyn Fn(Period) -> String,
    /// The word the tooltip puts before a forecast value.
    pub forecast_word: &'a str,
    /// The values' unit, written over the value axis ("单位：人"); empty for none.
    pub unit: &'a str,
}

/// A horizontal reference line across a line chart (an alert threshold), labelled at its
/// right end.
pub struct Guide {
    pub value: f64,
    pub color: egui::Color32,
    pub label: String,
}

/// The opacities of a forecast's 95 % and 80 % bands over the panel: the least, from a
/// short list, at which the outer band stands off the panel and the inner band off the
/// outer one by the contrast ratios [`BAND_CONTRAST`], so both show in every theme (a
/// fixed opacity that suits a light panel all but vanishes on a dark one).
pub fn band_opacities(panel: Hex, colour: Hex) -> (f32, f32) {
    let over =
        |base: Hex, alpha: f32| Hex(std::array::from_fn(|i| (base.0[i] as f32 * (1.0 - alpha) + colour.0[i] as f32 * alpha).round() as u8));
    let contrast = |a: Hex, b: Hex| {
        let (l1, l2) = (a.luminance(), b.luminance());
        (l1.max(l2) + 0.05) / (l1.min(l2) + 0.05)
    };
    const STEPS: [f32; 10] = [0.14, 0.18, 0.22, 0.26, 0.30, 0.36, 0.42, 0.50, 0.60, 0.70];
    let (outer_needs, inner_needs) = BAND_CONTRAST;
    let outer = STEPS.iter().copied().find(|&a| contrast(over(panel, a), panel) >= outer_needs).unwrap_or(0.7);
    let outer_fill = over(panel, outer);
    // The inner band is drawn over the outer one.
    let inner = STEPS.iter().copied().find(|&a| contrast(over(outer_fill, a), outer_fill) >= inner_needs).unwrap_or(0.7);
    (outer, inner)
}

/// How far the 95 % band must stand off the panel, and the 80 % band off the 95 % band
/// (WCAG contrast ratios).
pub const BAND_CONTRAST: (f64, f64) = (1.5, 1.3);

/// Paints a [`LineChart`] across the available width; returns the rectangle it took.
pub fn lines(ui: &mut egui::Ui, theme: &Theme, sizes: &TypeScale, chart: &LineChart) -> egui::Rect {
    let LineChart { series, guides, height, format, period_label, forecast_word, unit } = *chart;
    let (rect, response) = ui.allocate_exact_size(egui::vec2(ui.available_width(), height), egui::Sense::hover());
    let fan_values = series.iter().flat_map(|s| s.fan.iter().flat_map(|f| [f.low95, f.high95]));
    let data: Vec<f64> = series.iter().flat_map(|s| s.points.iter().filter_map(|p| p.1)).chain(fan_values).collect();
    if data.is_empty() {
        return rect;
    }
    let values: Vec<f64> = data.into_iter().chain(guides.iter().map(|g| g.value)).collect();
    let Some(n) = series.iter().map(|s| s.points.len() + s.fan.len()).max().filter(|&n| n >= 2) else { return rect };
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (y0, y1, step) = nice_axis(lo, hi, 3);
    let painter = ui.painter_at(rect);
    let font = egui::FontId::proportional(sizes.axis);
    let axis_width = sizes.axis * 4.8;
    let plot = egui::Rect::from_min_max(
        egui::pos2(rect.left() + axis_width, rect.top() + if unit.is_empty() { sizes.axis * 0.6 + 2.0 } else { sizes.axis * 2.0 }),
        egui::pos2(rect.right() - 4.0, rect.bottom() - sizes.axis * 1.6),
    );
    let x_of = |i: usize| plot.left() + plot.width() * i as f32 / (n - 1) as f32;
    let y_of = |v: f64| plot.bottom() - plot.height() * ((v - y0) / (y1 - y0)) as f32;
    let grid = egui::Stroke::new(1.0, theme.panel_border.egui());
    let mut tick = y0;
    while tick <= y1 + step * 0.5 {
        let y = y_of(tick);
        painter.line_segment([egui::pos2(plot.left(), y), egui::pos2(plot.right(), y)], grid);
        painter.text(
            egui::pos2(plot.left() - 4.0, y),
            egui::Align2::RIGHT_CENTER,
            axis_label(tick, step, y0.abs().max(y1.abs())),
            font.clone(),
            theme.text_muted.egui(),
        );
        tick += step;
    }
    for guide in guides {
        let y = y_of(guide.value);
        painter.extend(egui::Shape::dashed_line(
            &[egui::pos2(plot.left(), y), egui::pos2(plot.right(), y)],
            egui::Stroke::new(1.5, guide.color),
            8.0,
            4.0,
        ));
        // Above its line, or below where the line runs along the top.
        let (at, align) = if y - sizes.axis * 1.2 < plot.top() {
            (egui::pos2(plot.right(), y + 2.0), egui::Align2::RIGHT_TOP)
        } else {
            (egui::pos2(plot.right(), y - 2.0), egui::Align2::RIGHT_BOTTOM)
        };
        // On a patch of the panel, so a line running through stays behind the words.
        let galley = painter.layout_no_wrap(guide.label.clone(), font.clone(), guide.color);
        let label = align.anchor_size(at, galley.size());
        painter.rect_filled(label.expand(2.0), 2, theme.panel.egui().gamma_multiply(0.85));
        painter.galley(label.min, galley, guide.color);
    }
    if !unit.is_empty() {
        painter.text(rect.left_top(), egui::Align2::LEFT_TOP, unit, font.clone(), theme.text_muted.egui());
    }
    let first = &series[0];
    // Dates under the observed months: the first and the last, and the middle where it
    // fits between them. A forecast is marked where it starts rather than dated at its end.
    let observed = first.points.len().clamp(1, n);
    let last_align = if observed < n { egui::Align2::CENTER_TOP } else { egui::Align2::RIGHT_TOP };
    let mut dated: Vec<egui::Rect> = Vec::new();
    for (i, align) in [(0, egui::Align2::LEFT_TOP), (observed - 1, last_align), ((observed - 1) / 2, egui::Align2::CENTER_TOP)] {
        let Some(p) = first.period(i) else { continue };
        let galley = painter.layout_no_wrap(period_label(p), font.clone(), theme.text_muted.egui());
        let at = align.anchor_size(egui::pos2(x_of(i), plot.bottom() + 2.0), galley.size());
        let gap = sizes.axis;
        if dated.iter().any(|r| r.expand2(egui::vec2(gap, 0.0)).intersects(at)) {
            continue;
        }
        dated.push(at);
        painter.galley(at.min, galley, theme.text_muted.egui());
    }
    if series.iter().any(|s| !s.fan.is_empty()) {
        let x = x_of(observed - 1);
        painter.extend(egui::Shape::dashed_line(
            &[egui::pos2(x, plot.top()), egui::pos2(x, plot.bottom())],
            egui::Stroke::new(1.0, theme.text_muted.egui()),
            3.0,
            3.0,
        ));
        painter.text(egui::pos2(x + 4.0, plot.top()), egui::Align2::LEFT_TOP, forecast_word, font.clone(), theme.text_muted.egui());
    }
    for (k, s) in series.iter().enumerate() {
        let hex = theme.series[k % theme.series.len()];
        let color = hex.egui();
        let (outer, inner) = band_opacities(theme.panel, hex);
        // Bands first, so the lines stay on top. Each month's step is its own
        // trapezoid (convex, as egui's polygons must be); the fan starts at the last
        // observed point, where the forecast's uncertainty is nil.
        let start = s.points.last().and_then(|(_, v)| *v).map(|v| (s.points.len() - 1, v, v, v, v, v));
        let steps: Vec<(usize, f64, f64, f64, f64, f64)> = start
            .into_iter()
            .chain(s.fan.iter().enumerate().map(|(j, f)| (s.points.len() + j, f.point, f.low80, f.high80, f.low95, f.high95)))
            .collect();
        for (band, alpha) in [((3, 4), outer), ((1, 2), inner)] {
            for pair in steps.windows(2) {
                let bound = |step: &(usize, f64, f64, f64, f64, f64), which: usize| [step.1, step.2, step.3, step.4, step.5][which];
                let corners = vec![
                    egui::pos2(x_of(pair[0].0), y_of(bound(&pair[0], band.1))),
                    egui::pos2(x_of(pair[1].0), y_of(bound(&pair[1], band.1))),
                    egui::pos2(x_of(pair[1].0), y_of(bound(&pair[1], band.0))),
                    egui::pos2(x_of(pair[0].0), y_of(bound(&pair[0], band.0))),
                ];
                painter.add(egui::Shape::convex_polygon(corners, color.gamma_multiply(alpha), egui::Stroke::NONE));
            }
        }
        if steps.len() >= 2 {
            let path: Vec<egui::Pos2> = steps.iter().map(|step| egui::pos2(x_of(step.0), y_of(step.1))).collect();
            painter.extend(egui::Shape::dashed_line(&path, egui::Stroke::new(2.0, color), 6.0, 4.0));
        }
        if s.is_published() {
            // Published figures come when they are published: a dashed line joins them
            // across the months between, and each is marked.
            let marks: Vec<egui::Pos2> =
                s.points.iter().enumerate().filter_map(|(i, (_, v))| v.map(|v| egui::pos2(x_of(i), y_of(v)))).collect();
            if marks.len() >= 2 {
                painter.extend(egui::Shape::dashed_line(&marks, egui::Stroke::new(1.5, color), 5.0, 4.0));
            }
            let size = sizes.axis * 0.32;
            for at in marks {
                let diamond =
                    vec![at + egui::vec2(0.0, -size), at + egui::vec2(size, 0.0), at + egui::vec2(0.0, size), at + egui::vec2(-size, 0.0)];
                painter.add(egui::Shape::convex_polygon(diamond, color, egui::Stroke::new(1.0, theme.panel.egui())));
            }
            continue;
        }
        // A gap (missing or suppressed month) breaks the line rather than bridging it.
        let mut run: Vec<egui::Pos2> = Vec::new();
        for (i, (_, v)) in s.points.iter().enumerate() {
            match v {
                Some(v) => run.push(egui::pos2(x_of(i), y_of(*v))),
                None => flush(&painter, &mut run, color),
            }
        }
        flush(&painter, &mut run, color);
    }
    if let Some(pos) = response.hover_pos() {
        let i = (((pos.x - plot.left()) / plot.width()) * (n - 1) as f32).round().clamp(0.0, (n - 1) as f32) as usize;
        painter.line_segment(
            [egui::pos2(x_of(i), plot.top()), egui::pos2(x_of(i), plot.bottom())],
            egui::Stroke::new(1.0, theme.text_muted.egui()),
        );
        response.on_hover_ui_at_pointer(|ui| {
            if let Some(p) = first.period(i) {
                ui.strong(period_label(p));
            }
            for s in series {
                let text = match i.checked_sub(s.points.len()).and_then(|j| s.fan.get(j)) {
                    Some(f) => format!(
                        "{}：{forecast_word} {}（80%：{} – {}；95%：{} – {}）",
                        s.name,
                        format(f.point),
                        format(f.low80),
                        format(f.high80),
                        format(f.low95),
                        format(f.high95)
                    ),
                    None => format!("{}：{}", s.name, s.points.get(i).and_then(|p| p.1).map_or("—".to_string(), format)),
                };
                ui.label(text);
                if let Some(citation) = s.citations.get(i).and_then(Option::as_deref) {
                    ui.label(egui::RichText::new(citation).small().color(theme.text_muted.egui()));
                }
            }
        });
    }
    rect
}

fn flush(painter: &egui::Painter, run: &mut Vec<egui::Pos2>, color: egui::Color32) {
    match run.len() {
        0 => {}
        1 => {
            painter.circle_filled(run[0], 2.5, color);
        }
        _ => {
            painter.add(egui::Shape::line(run.clone(), egui::Stroke::new(2.0, color)));
        }
    }
    run.clear();
}

/// The height of one ranked bar's row.
pub fn bar_height(sizes: &TypeScale) -> f32 {
    sizes.body * 1.45
}

/// What every row of a bar list shares: the range the bars span (zero always in it, so
/// negative values draw left of a zero line and positive ones right), the width of the
/// widest value (so values never run into their bars, in any language), and whether
/// labels go on a line of their own above the bars (when one is too long to share a line).
pub struct BarScale {
    pub lo: f64,
    pub hi: f64,
    /// A fall is bad news (the measure's direction): negative bars in the theme's bad colour.
    pub falls_are_bad: bool,
    pub value_width: f32,
    pub labels_above: bool,
    /// Above the bars, each label's height, wrapped to the row's width.
    label_heights: Vec<f32>,
}

/// The share of a row a label beside its bar may take.
const LABEL_SHARE: f32 = 0.36;

impl BarScale {
    pub fn of(ui: &egui::Ui, sizes: &TypeScale, bars: &[Bar], format: &dyn Fn(f64) -> String) -> BarScale {
        let font = egui::FontId::proportional(sizes.body);
        let width_of = |text: String| ui.painter().layout_no_wrap(text, font.clone(), egui::Color32::WHITE).size().x;
        let value_width = bars.iter().map(|b| width_of(format(b.value))).fold(0.0, f32::max);
        let label_width = bars.iter().map(|b| width_of(b.row_label())).fold(0.0, f32::max);
        let labels_above = label_width > ui.available_width() * LABEL_SHARE;
        let label_heights = if labels_above {
            let wrapped = |text: String| ui.painter().layout(text, font.clone(), egui::Color32::WHITE, ui.available_width()).size().y;
            bars.iter().map(|b| wrapped(b.row_label()) + 6.0).collect()
        } else {
            Vec::new()
        };
        let lo = bars.iter().map(|b| b.value).fold(0.0, f64::min);
        let hi = bars.iter().map(|b| b.value).fold(0.0, f64::max);
        BarScale {
            lo,
            hi: if hi <= lo { lo + 1.0 } else { hi },
            falls_are_bad: false,
            value_width: value_width + 8.0,
            labels_above,
            label_heights,
        }
    }

    /// Row `i`'s height: a line, or its label's lines over the bar's.
    pub fn row_height(&self, sizes: &TypeScale, i: usize) -> f32 {
        bar_height(sizes) + self.label_heights.get(i).copied().unwrap_or(0.0)
    }
}

/// Bar `i` of a ranked list: its rank and label, the bar from the zero line, and the
/// value; a dashed line above it where ranks were skipped (the list shows both ends).
pub fn bar_row(
    ui: &mut egui::Ui,
    theme: &Theme,
    sizes: &TypeScale,
    (bars, i): (&[Bar], usize),
    scale: &BarScale,
    format: &dyn Fn(f64) -> String,
) {
    let bar = &bars[i];
    let row = bar_height(sizes);
    let width = ui.available_width();
    let font = egui::FontId::proportional(sizes.body);
    let (whole, response) = ui.allocate_exact_size(egui::vec2(width, scale.row_height(sizes, i)), egui::Sense::hover());
    let painter = ui.painter_at(whole);
    if i > 0 && bars[i - 1].rank + 1 < bar.rank {
        let y = whole.top() + 1.0;
        let dashes = egui::Shape::dashed_line(
            &[egui::pos2(whole.left(), y), egui::pos2(whole.right(), y)],
            egui::Stroke::new(1.0, theme.text_muted.egui()),
            4.0,
            4.0,
        );
        painter.extend(dashes);
    }
    let label_text = bar.row_label();
    let rect = if scale.labels_above {
        let galley = painter.layout(label_text, font.clone(), theme.text.egui(), width);
        let label = egui::Rect::from_min_size(whole.min, egui::vec2(width, whole.height() - row));
        painter.galley(egui::pos2(label.left(), label.center().y - galley.size().y / 2.0), galley, theme.text.egui());
        egui::Rect::from_min_max(egui::pos2(whole.left(), label.bottom()), whole.max)
    } else {
        let label = egui::Rect::from_min_size(whole.min, egui::vec2(width * LABEL_SHARE, row));
        painter.with_clip_rect(label).text(label.left_center(), egui::Align2::LEFT_CENTER, label_text, font.clone(), theme.text.egui());
        whole
    };
    let track_left = if scale.labels_above { rect.left() } else { whole.left() + width * LABEL_SHARE + 4.0 };
    let track = egui::Rect::from_min_max(
        egui::pos2(track_left, rect.top() + row * 0.22),
        egui::pos2(rect.right() - scale.value_width, rect.bottom() - row * 0.22),
    );
    let x_of = |v: f64| track.left() + track.width() * ((v - scale.lo) / (scale.hi - scale.lo)) as f32;
    let (zero, end) = (x_of(0.0), x_of(bar.value));
    let filled = egui::Rect::from_min_max(egui::pos2(zero.min(end), track.top()), egui::pos2(zero.max(end), track.bottom()));
    let colour = if bar.value < 0.0 && scale.falls_are_bad { theme.bad } else { theme.series[0] };
    painter.rect_filled(filled, 2, colour.egui());
    if scale.lo < 0.0 {
        painter.vline(zero, rect.y_range(), egui::Stroke::new(1.0, theme.text_muted.egui()));
    }
    painter.text(egui::pos2(rect.right(), rect.center().y), egui::Align2::RIGHT_CENTER, format(bar.value), font, theme.text.egui());
    let hover = format!("{}：{}", bar.label, format(bar.value));
    response.on_hover_text(match &bar.gaps {
        Some(gaps) => format!("{hover}\n{} {gaps}", crate::shared::figures::INCOMPLETE_MARK),
        None => hover,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_axes_cover_the_data_with_round_steps() {
        assert_eq!(nice_axis(0.0, 97.0, 3), (0.0, 100.0, 50.0));
        assert_eq!(nice_axis(0.93, 1.42, 3), (0.8, 1.6, 0.2));
        let (lo, hi, step) = nice_axis(12_345.0, 12_345.0, 3);
        assert!(lo < 12_345.0 && hi > 12_345.0 && step > 0.0, "a flat series still gets an axis");
    }

    #[test]
    fn forecast_bands_show_in_every_theme() {
        let themes = crate::shared::theme::Themes::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/themes"))
            .expect("themes load");
        for theme in &themes.all {
            for colour in &theme.series {
                let (outer, inner) = band_opacities(theme.panel, *colour);
                assert!(outer < 0.7 && inner < 0.7, "{}: {colour:?} needs opaque bands ({outer}, {inner})", theme.id);
            }
        }
    }

    #[test]
    fn axis_labels_tell_neighbouring_ticks_apart() {
        // 18,500 … 19,500 in steps of 500 (a province's insured staff in one industry).
        let (lo, hi, step) = nice_axis(18_600.0, 19_400.0, 3);
        let labels: Vec<String> =
            (0..).map(|i| lo + step * i as f64).take_while(|t| *t <= hi + step / 2.0).map(|t| axis_label(t, step, hi)).collect();
        assert_eq!(step, 500.0);
        assert_eq!(labels, ["1.85万", "1.90万", "1.95万"]);
        assert_eq!(axis_label(0.8, 0.2, 1.6), "0.8");
        assert_eq!(axis_label(150.0, 50.0, 200.0), "150");
        assert_eq!(axis_label(20_000.0, 10_000.0, 40_000.0), "2万");
    }
}
