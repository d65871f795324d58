//! Trend lines of one or more measures, with the cube's forecast fan after the last
//! month when the view is at it.

use bevy_egui::egui;
use szjy_model::cube::Cube;
use szjy_model::interpret::format_value;
use szjy_model::outlook::ForecastPoint;
use szjy_model::period::Period;

use super::{filtered_name, provenance, PanelBody, PanelContext};
use crate::panels::{chart, legend_item};
use crate::shared::figures;
use crate::shared::text::text;
use crate::shared::view::View;

pub struct Trend {
    /// The measure whose unit the axis and tooltip use (the first).
    measure: String,
    series: Vec<TrendSeries>,
    /// The first measure's definition and source, on hover over the legend.
    provenance: Option<String>,
}

struct TrendSeries {
    name: String,
    points: Vec<(Period, Option<f64>)>,
    /// The cube's forecast after the last point: only when the view is at the cube's
    /// latest month and shows totals (forecasts are of totals, made at that month).
    fan: Vec<ForecastPoint>,
    /// Published figures: each point's citation (empty for the project's own measures).
    citations: Vec<Option<String>>,
}

pub fn prepare(cube: &Cube, view: &View, measures: &[String], months: u32) -> Trend {
    let (lang, category) = (view.lang, view.category.as_deref());
    let series: Vec<_> = measures
        .iter()
        .filter_map(|m| {
            let def = szjy_model::catalogue::measure(m)?;
            let points = figures::trend(cube, m, view.region, view.month, months, category);
            let at_latest = points.last().is_some_and(|(p, _)| *p == cube.latest_month());
            let fan = if at_latest && figures::applied_category(def, category).is_none() {
                // At most half the chart is outlook, so the history keeps its room.
                let mut fan = szjy_model::outlook::read(cube, m, view.region);
                fan.truncate((months as usize / 2).max(1));
                fan
            } else {
                Vec::new()
            };
            Some(TrendSeries { name: filtered_name(def, category, lang), points, fan, citations: Vec::new() })
        })
        .collect();
    // Published figures stand beside the totals they compare with (they have no breakdown).
    let periods: Vec<Period> = series.first().map(|s| s.points.iter().map(|p| p.0).collect()).unwrap_or_default();
    let published: Vec<TrendSeries> = if category.is_some() {
        Vec::new()
    } else {
        measures
            .iter()
            .flat_map(|m| figures::published_beside(cube, m, view.region, &periods, lang))
            .map(|p| TrendSeries { name: p.name, points: p.points, fan: Vec::new(), citations: p.citations })
            .collect()
    };
    let series: Vec<TrendSeries> = series.into_iter().chain(published).collect();
    let last = series.first().and_then(|s| s.points.last()).map(|(p, _)| *p);
    let provenance = szjy_model::catalogue::measure(&measures[0]).zip(last).map(|(def, last)| provenance(def, &cube.rules, last, lang));
    Trend { measure: measures[0].clone(), series, provenance }
}

impl PanelBody for Trend {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext) {
        let lang = cx.lang();
        let series: Vec<chart::Series> =
            self.series.iter().map(|s| chart::Series { name: &s.name, points: &s.points, fan: &s.fan, citations: &s.citations }).collect();
        let legend = legend_row(ui, cx, &series);
        if let Some(provenance) = &self.provenance {
            legend.on_hover_text(provenance);
        }
        let height = ui.available_height();
        let unit = szjy_model::catalogue::measure(&self.measure)
            .map(|d| d.unit(lang))
            .filter(|u| !u.is_empty())
            .map_or(String::new(), |u| format!("{}{u}", text(lang, "unit")));
        let chart = chart::LineChart {
            series: &series,
            guides: &[],
            height,
            format: &|v| format_value(&self.measure, v, lang),
            period_label: &|p: Period| p.label(lang),
            forecast_word: text(lang, "forecast"),
            unit: &unit,
        };
        let plotted = chart::lines(ui, cx.theme, &cx.sizes, &chart);
        cx.report.borrow_mut().charts.push(plotted.into());
    }
}

fn legend_row(ui: &mut egui::Ui, cx: &PanelContext, series: &[chart::Series]) -> egui::Response {
    ui.horizontal_wrapped(|ui| {
        // Legend words in the small style.
        ui.style_mut().text_styles.insert(egui::TextStyle::Body, egui::FontId::proportional(cx.sizes.small));
        for (k, s) in series.iter().enumerate() {
            let color = cx.theme.series[k % cx.theme.series.len()].egui();
            // A published series is drawn as marked points; its swatch is a mark too.
            let swatch = if s.is_published() { egui::vec2(8.0, 8.0) } else { egui::vec2(14.0, 3.0) };
            legend_item(ui, cx, swatch, color, s.name.to_string());
        }
        if series.iter().any(|s| !s.fan.is_empty()) {
            legend_item(
                ui,
                cx,
                egui::vec2(14.0, 8.0),
                cx.theme.series[0].egui().gamma_multiply(0.30),
                text(cx.lang(), "forecast_band").to_string(),
            );
        }
    })
    .response
}
