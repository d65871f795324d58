//! An early-warning indicator's monthly values in one region, with its thresholds.

use bevy_egui::egui;
use szjy_model::alert::{self, AlertLevel};
use szjy_model::cube::Cube;
use szjy_model::indicator;
use szjy_model::interpret::with_unit;
use szjy_model::period::Period;
use szjy_model::region::RegionTree;
use szjy_model::warning::Rule;

use super::{nothing, PanelBody, PanelContext};
use crate::panels::chart;
use crate::shared::text::text;
use crate::shared::view::View;

/// An early-warning indicator's monthly values in one region, with its thresholds.
pub struct IndicatorTrend {
    name: String,
    unit: String,
    /// Where the thresholds come from (the document, or 试点设定).
    basis: String,
    points: Vec<(Period, Option<f64>)>,
    /// The thresholds the chart draws: those within reach of the values, and always the
    /// yellow one.
    guides: Vec<(AlertLevel, f64)>,
}

/// The indicator the view drilled into, else the most severe of the region's own alerts
/// this month, else the first configured indicator with a value here.
pub fn prepare(cube: &Cube, view: &View, months: u32) -> Option<IndicatorTrend> {
    let config = &cube.warning;
    let evaluable = |id: &str| config.indicator(id).filter(|i| i.rule != Rule::Event);
    let own = cube
        .alerts
        .iter()
        .filter(|a| a.period == view.month && a.region == view.region && evaluable(&a.indicator).is_some())
        .min_by(|a, b| alert::most_pressing_first(a, b));
    let indicator = view.indicator.as_deref().and_then(evaluable).or_else(|| own.and_then(|a| evaluable(&a.indicator))).or_else(|| {
        config
            .indicators
            .iter()
            .find(|i| i.rule != Rule::Event && indicator::indicator_value(cube, &i.rule, view.region, view.month).is_some())
    })?;
    let last = view.month.month_index();
    let points: Vec<(Period, Option<f64>)> = (last + 1 - months as i32..=last)
        .map(Period::from_month_index)
        .map(|p| (p, indicator::indicator_value(cube, &indicator.rule, view.region, p)))
        .collect();
    let values: Vec<f64> = points.iter().filter_map(|p| p.1).collect();
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    // Thresholds far from the values would flatten the line: show those within half the
    // values' span (and the yellow line always, where alerts start).
    let reach = ((hi - lo) * 0.5).max(hi.abs() * 0.05);
    let t = indicator.trigger.thresholds();
    let guides = AlertLevel::ALL
        .into_iter()
        .map(|l| (l, t.of(l)))
        .filter(|(l, x)| *l == AlertLevel::Yellow || (lo.is_finite() && *x >= lo - reach && *x <= hi + reach))
        .collect();
    Some(IndicatorTrend {
        name: indicator.name(view.lang).to_string(),
        unit: indicator.unit(view.lang).to_string(),
        basis: indicator.basis(view.lang).to_string(),
        points,
        guides,
    })
}

impl PanelBody for Option<IndicatorTrend> {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext) {
        show_indicator_trend(ui, cx, self.as_ref());
    }
}

fn show_indicator_trend(ui: &mut egui::Ui, cx: &PanelContext, trend: Option<&IndicatorTrend>) {
    let (theme, lang) = (cx.theme, cx.lang());
    let Some(trend) = trend else { return nothing(ui, cx, "no_data") };
    let place = RegionTree::shandong().get(cx.view.region).map_or("", |r| r.name(lang));
    // The unit stands over the value axis.
    // Where the thresholds come from, on hover: the wall shows the lines, the desk says why.
    ui.label(egui::RichText::new(format!("{place} · {}", trend.name)).strong()).on_hover_text(format!(
        "{}：{}",
        text(lang, "threshold_basis"),
        trend.basis
    ));
    let guides: Vec<chart::Guide> = trend
        .guides
        .iter()
        .map(|(level, value)| chart::Guide {
            value: *value,
            color: theme.alert_colour(*level).egui(),
            label: format!("{} {}", szjy_model::interpret::level_word(*level, lang), with_unit(&value.to_string(), &trend.unit, lang)),
        })
        .collect();
    let series = [chart::Series { name: &trend.name, points: &trend.points, fan: &[], citations: &[] }];
    let height = ui.available_height();
    let unit = if trend.unit.is_empty() { String::new() } else { format!("{}{}", text(lang, "unit"), trend.unit) };
    let chart = chart::LineChart {
        series: &series,
        guides: &guides,
        height,
        format: &|v| with_unit(&format!("{v:.2}"), &trend.unit, lang),
        period_label: &|p| p.label(lang),
        forecast_word: text(lang, "forecast"),
        unit: &unit,
    };
    let plotted = chart::lines(ui, theme, &cx.sizes, &chart);
    cx.report.borrow_mut().charts.push(plotted.into());
}
