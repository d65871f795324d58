//! 政策效果评估 panels: the estimated effect with its interval, the event study (effect by
//! months since adoption, with the pre-trend test) and the outcome of the counties the
//! policy reached against those it did not. All from the cube's evaluation.

use bevy_egui::egui;
use szjy_model::cube::{Cube, PolicyEvaluation};
use szjy_model::period::Period;

use super::{nothing, PanelBody, PanelContext};
use crate::panels::{chart, legend_item, pager};
use crate::shared::text::text;

/// Which of the policy page's panels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The estimated effect with its interval, by wave.
    Headline,
    EventStudy,
    /// The outcome of the counties the policy reached against those it did not.
    GroupTrends,
}

pub struct Policy {
    part: Part,
    evaluation: Option<PolicyEvaluation>,
}

pub fn prepare(cube: &Cube, part: Part) -> Policy {
    Policy { part, evaluation: cube.evaluations.first().cloned() }
}

impl PanelBody for Policy {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext) {
        let evaluation = self.evaluation.as_ref();
        match self.part {
            Part::Headline => headline(ui, cx, evaluation),
            Part::EventStudy => event_study(ui, cx, evaluation),
            Part::GroupTrends => group_trends(ui, cx, evaluation),
        }
    }
}

/// The pre-trend test's level: below it the groups differed before the policy.
const PRE_TREND_LEVEL: f64 = 0.05;

/// Event times shown: the year before adoption and two after.
const EVENT_WINDOW: std::ops::RangeInclusive<i32> = -12..=24;

fn missing(ui: &mut egui::Ui, cx: &PanelContext) {
    nothing(ui, cx, "no_evaluation");
}

fn headline(ui: &mut egui::Ui, cx: &PanelContext, evaluation: Option<&PolicyEvaluation>) {
    let (theme, lang) = (cx.theme, cx.lang());
    let Some(e) = evaluation else { return missing(ui, cx) };
    ui.label(egui::RichText::new(&e.policy).strong());
    ui.label(egui::RichText::new(text(lang, "effect")).color(theme.text_muted.egui()));
    ui.label(egui::RichText::new(format!("{:+.1}%", e.effect_pct)).size(cx.sizes.key * 0.8).color(theme.text.egui()));
    // A room reads the interval in words; the desk keeps the statistician's term.
    let (low, high) = (format!("{:+.1}%", e.ci_low_pct), format!("{:+.1}%", e.ci_high_pct));
    let interval = if cx.wall {
        lang.pick(format!("有95%的把握在{low}至{high}之间"), format!("95% likely between {low} and {high}"))
    } else {
        format!("{} {low} … {high}", text(lang, "ci95"))
    };
    ui.label(egui::RichText::new(interval).color(theme.text_muted.egui()));
    let wave = |i: usize| {
        let w = &e.waves[i];
        format!(
            "{} {} · {} · {} {} · {:+.1}%",
            text(lang, "wave"),
            i + 1,
            w.start.label(lang),
            w.treated_counties,
            text(lang, "counties"),
            w.effect_pct
        )
    };
    if cx.wall {
        let heights = vec![cx.sizes.small * 1.45; e.waves.len()];
        return pager::rows(ui, cx, "waves", &heights, |ui, i| {
            ui.label(egui::RichText::new(wave(i)).small());
        });
    }
    for i in 0..e.waves.len() {
        ui.label(egui::RichText::new(wave(i)).small());
    }
}

/// Effect by months since adoption: a dot per month with its 95 % interval, zero marked,
/// and the adoption between months −1 and 0.
fn event_study(ui: &mut egui::Ui, cx: &PanelContext, evaluation: Option<&PolicyEvaluation>) {
    let (theme, lang) = (cx.theme, cx.lang());
    let Some(e) = evaluation.filter(|e| !e.event_study.is_empty()) else { return missing(ui, cx) };
    let points: Vec<_> = e.event_study.iter().filter(|p| EVENT_WINDOW.contains(&p.months)).collect();
    let caption = match e.pre_trend_p {
        // A wall says what the pre-trend test means; the desk gives the test and its p.
        Some(p) if cx.wall => format!(
            "{} · {}",
            text(lang, "months_since_adoption"),
            text(lang, if p < PRE_TREND_LEVEL { "pre_trend_differed" } else { "pre_trend_alike" })
        ),
        Some(p) => format!(
            "{} · {} p = {p:.2}{}",
            text(lang, "months_since_adoption"),
            text(lang, "pre_trend"),
            if p < PRE_TREND_LEVEL { text(lang, "pre_trend_doubtful") } else { "" }
        ),
        None => text(lang, "months_since_adoption").to_string(),
    };
    ui.label(egui::RichText::new(caption).small().color(theme.text_muted.egui()));
    let (rect, response) = ui.allocate_exact_size(egui::vec2(ui.available_width(), ui.available_height()), egui::Sense::hover());
    cx.report.borrow_mut().charts.push(rect.into());
    let (Some(first), Some(last)) = (points.first(), points.last()) else { return };
    let lo = points.iter().map(|p| p.ci_low_pct).fold(0.0, f64::min);
    let hi = points.iter().map(|p| p.ci_high_pct).fold(0.0, f64::max);
    let (y0, y1, step) = chart::nice_axis(lo, hi, 3);
    let painter = ui.painter_at(rect);
    let font = egui::FontId::proportional(cx.sizes.axis);
    let axis_width = cx.sizes.axis * 4.0;
    let plot = egui::Rect::from_min_max(
        egui::pos2(rect.left() + axis_width, rect.top() + cx.sizes.axis * 0.6 + 2.0),
        egui::pos2(rect.right() - 6.0, rect.bottom() - cx.sizes.axis * 1.6),
    );
    let span = (last.months - first.months).max(1) as f32;
    let x_of = |months: f32| plot.left() + plot.width() * (months - first.months as f32) / span;
    let y_of = |v: f64| plot.bottom() - plot.height() * ((v - y0) / (y1 - y0)) as f32;
    let grid = egui::Stroke::new(1.0, theme.panel_border.egui());
    let mut tick = y0;
    while tick <= y1 + step * 0.5 {
        painter.line_segment([egui::pos2(plot.left(), y_of(tick)), egui::pos2(plot.right(), y_of(tick))], grid);
        painter.text(
            egui::pos2(plot.left() - 4.0, y_of(tick)),
            egui::Align2::RIGHT_CENTER,
            format!("{}%", chart::axis_label(tick, step, 0.0)),
            font.clone(),
            theme.text_muted.egui(),
        );
        tick += step;
    }
    painter.line_segment(
        [egui::pos2(plot.left(), y_of(0.0)), egui::pos2(plot.right(), y_of(0.0))],
        egui::Stroke::new(1.5, theme.text_muted.egui()),
    );
    let adoption = x_of(-0.5);
    painter.extend(egui::Shape::dashed_line(
        &[egui::pos2(adoption, plot.top()), egui::pos2(adoption, plot.bottom())],
        egui::Stroke::new(1.0, theme.text_muted.egui()),
        4.0,
        3.0,
    ));
    painter.text(
        egui::pos2(adoption + 3.0, plot.top()),
        egui::Align2::LEFT_TOP,
        text(lang, "adoption"),
        font.clone(),
        theme.text_muted.egui(),
    );
    for (months, align) in [(first.months, egui::Align2::LEFT_TOP), (0, egui::Align2::CENTER_TOP), (last.months, egui::Align2::RIGHT_TOP)] {
        painter.text(
            egui::pos2(x_of(months as f32), plot.bottom() + 2.0),
            align,
            format!("{months:+}"),
            font.clone(),
            theme.text_muted.egui(),
        );
    }
    for p in &points {
        let color = if p.months < 0 { theme.text_muted.egui() } else { theme.series[0].egui() };
        let x = x_of(p.months as f32);
        painter.line_segment(
            [egui::pos2(x, y_of(p.ci_low_pct)), egui::pos2(x, y_of(p.ci_high_pct))],
            egui::Stroke::new(1.5, color.gamma_multiply(0.6)),
        );
        painter.circle_filled(egui::pos2(x, y_of(p.effect_pct)), 2.5, color);
    }
    if let Some(pos) = response.hover_pos() {
        let months = (first.months as f32 + (pos.x - plot.left()) / plot.width() * span).round() as i32;
        if let Some(p) = points.iter().find(|p| p.months == months) {
            response.on_hover_text_at_pointer(format!(
                "{months:+} {}：{:+.1}%（95%：{:+.1}% … {:+.1}%）",
                text(lang, "months"),
                p.effect_pct,
                p.ci_low_pct,
                p.ci_high_pct
            ));
        }
    }
}

/// Mean monthly outcome per county, reached and not reached by the policy.
fn group_trends(ui: &mut egui::Ui, cx: &PanelContext, evaluation: Option<&PolicyEvaluation>) {
    let lang = cx.lang();
    let Some(e) = evaluation.filter(|e| !e.trends.is_empty()) else { return missing(ui, cx) };
    let treated: Vec<(Period, Option<f64>)> = e.trends.iter().map(|t| (t.month, t.treated)).collect();
    let comparison: Vec<(Period, Option<f64>)> = e.trends.iter().map(|t| (t.month, t.comparison)).collect();
    let series = [
        chart::Series { name: text(lang, "treated_counties"), points: &treated, fan: &[], citations: &[] },
        chart::Series { name: text(lang, "comparison_counties"), points: &comparison, fan: &[], citations: &[] },
    ];
    ui.horizontal_wrapped(|ui| {
        ui.style_mut().text_styles.insert(egui::TextStyle::Body, egui::FontId::proportional(cx.sizes.small));
        for (k, s) in series.iter().enumerate() {
            legend_item(ui, cx, egui::vec2(14.0, 3.0), cx.theme.series[k % cx.theme.series.len()].egui(), s.name.to_string());
        }
    });
    let height = ui.available_height();
    let chart = chart::LineChart {
        series: &series,
        guides: &[],
        height,
        format: &|v| format!("{v:.1}"),
        period_label: &|p| p.label(lang),
        forecast_word: text(lang, "forecast"),
        unit: "",
    };
    let plotted = chart::lines(ui, cx.theme, &cx.sizes, &chart);
    cx.report.borrow_mut().charts.push(plotted.into());
}
