//! The body of each panel kind. Numbers come from [`crate::figures`]; every number shows
//! its unit, and its definition (口径) and lineage on hover.

use analytics::catalogue::{Direction, MeasureDef};
use analytics::cube::{AlertKind, Lookup, Severity};
use analytics::interpret::{format_value, interpret, Lang};
use analytics::period::Period;
use analytics::region::RegionTree;
use bevy_egui::egui;

use super::chart;
use super::text::text;
use super::PanelContext;
use crate::figures::{self, Figure};
use crate::scene::{PanelKind, RankBy};

pub fn show(ui: &mut egui::Ui, cx: &PanelContext, kind: &PanelKind) {
    let Some(cube) = cx.store.cube() else { return };
    let (view, lang) = (cx.view, cx.lang());
    match kind {
        PanelKind::Kpi { measures } => kpi_tiles(ui, cx, measures),
        PanelKind::Trend { measures, months } => {
            let data: Vec<(String, Vec<(Period, Option<f64>)>)> = measures
                .iter()
                .filter_map(|m| Some((measure_name(analytics::catalogue::measure(m)?, lang), figures::trend(cube, m, view.region, view.month, *months))))
                .collect();
            let series: Vec<chart::Series> = data.iter().map(|(name, points)| chart::Series { name, points }).collect();
            let legend = legend_row(ui, cx, &series);
            if let (Some(def), Some((last, _))) = (analytics::catalogue::measure(&measures[0]), data.first().and_then(|(_, p)| p.last())) {
                legend.on_hover_text(provenance(def, *last, lang));
            }
            let first = measures[0].clone();
            let height = ui.available_height();
            chart::lines(ui, cx.theme, &series, height, &|v| short_number(v, &first), &|p| period_label(p, lang));
        }
        PanelKind::Ranking { measure, by, top } => {
            let (period, bars) = match by {
                RankBy::Children => figures::rank_children(cube, measure, view.region, view.month, *top, lang),
                RankBy::Dimension(dim) => figures::rank_dimension(cube, measure, view.region, view.month, *dim, *top, lang),
            };
            caption(ui, cx, measure, period);
            if bars.is_empty() {
                ui.label(egui::RichText::new(text(lang, "no_data")).color(cx.theme.text_muted.egui()));
            }
            chart::bars(ui, cx.theme, &bars, &|v| format_value(measure, v, lang));
        }
        PanelKind::Table { measures } => table(ui, cx, measures),
        PanelKind::Interpretation => {
            let topic = cx.scenes.0[view.topic].topic;
            egui::ScrollArea::vertical().id_salt("interpretation").show(ui, |ui| {
                for paragraph in interpret(cube, topic, view.region, view.month, lang) {
                    ui.label(egui::RichText::new(paragraph).size(cx.theme.text_size));
                    ui.add_space(4.0);
                }
            });
        }
        PanelKind::Alerts => alerts(ui, cx),
        PanelKind::Zones => zones(ui, cx),
        PanelKind::Policy => policy(ui, cx),
    }
}

fn measure_name(def: &MeasureDef, lang: Lang) -> String {
    (if lang == Lang::Zh { def.name_zh } else { def.name_en }).to_string()
}

fn period_label(p: Period, lang: Lang) -> String {
    if lang == Lang::Zh { p.label_zh() } else { p.label_en() }
}

/// Axis labels: compact (万 / k) so they fit the narrow axis.
fn short_number(v: f64, measure: &str) -> String {
    let decimals = analytics::catalogue::measure(measure).map_or(0, |d| d.decimals as usize);
    if v.abs() >= 10_000.0 {
        format!("{:.1}万", v / 10_000.0)
    } else {
        format!("{v:.decimals$}")
    }
}

/// The hover text of a number: its definition (口径) and where it comes from.
fn provenance(def: &MeasureDef, period: Period, lang: Lang) -> String {
    let (definition, lineage) = if lang == Lang::Zh { (def.definition_zh, def.lineage) } else { (def.definition_en, def.lineage) };
    format!("{}：{definition}\n{}：{lineage}\n{}：{}", text(lang, "definition"), text(lang, "source"), text(lang, "period"), period_label(period, lang))
}

fn caption(ui: &mut egui::Ui, cx: &PanelContext, measure: &str, period: Period) {
    let Some(def) = analytics::catalogue::measure(measure) else { return };
    let lang = cx.lang();
    let unit = if lang == Lang::Zh { def.unit_zh } else { def.unit_en };
    let unit = if unit.is_empty() { String::new() } else { format!("（{unit}）") };
    ui.label(egui::RichText::new(format!("{}{unit} · {}", measure_name(def, lang), period_label(period, lang))).small().color(cx.theme.text_muted.egui()))
        .on_hover_text(provenance(def, period, lang));
}

fn legend_row(ui: &mut egui::Ui, cx: &PanelContext, series: &[chart::Series]) -> egui::Response {
    ui.horizontal(|ui| {
        for (k, s) in series.iter().enumerate() {
            let color = cx.theme.series[k % cx.theme.series.len()].egui();
            let (swatch, _) = ui.allocate_exact_size(egui::vec2(14.0, 3.0), egui::Sense::hover());
            ui.painter().rect_filled(swatch, 0, color);
            ui.label(egui::RichText::new(s.name).small());
        }
    })
    .response
}

/// Change arrows: ▲/▼ with the sign, coloured by whether the change is good news.
fn change_text(change: Option<f64>, def: &MeasureDef, cx: &PanelContext) -> egui::RichText {
    let Some(c) = change else { return egui::RichText::new("—").color(cx.theme.text_muted.egui()) };
    let arrow = if c > 0.0 { "▲" } else if c < 0.0 { "▼" } else { "■" };
    let good = match def.direction {
        Direction::HigherIsBetter => Some(c > 0.0),
        Direction::LowerIsBetter => Some(c < 0.0),
        Direction::Neutral => None,
    };
    let color = match good {
        _ if c == 0.0 => cx.theme.text_muted.egui(),
        Some(true) => cx.theme.good.egui(),
        Some(false) => cx.theme.bad.egui(),
        None => cx.theme.text.egui(),
    };
    egui::RichText::new(format!("{arrow}{:.1}%", c.abs())).color(color)
}

fn kpi_tiles(ui: &mut egui::Ui, cx: &PanelContext, measures: &[String]) {
    let Some(cube) = cx.store.cube() else { return };
    let (theme, lang) = (cx.theme, cx.lang());
    let figures: Vec<Figure> = measures.iter().filter_map(|m| figures::figure(cube, m, cx.view.region, cx.view.month)).collect();
    let columns = 2;
    let width = (ui.available_width() - 8.0) / columns as f32;
    let rows = figures.len().div_ceil(columns).max(1);
    let height = (ui.available_height() - 8.0 * (rows - 1) as f32) / rows as f32;
    // Tiles shrink their type to fit small windows: name, value, changes (and the
    // period when there is room) must all show.
    let line = theme.text_size * 1.3;
    // Whole points: every distinct size is another set of glyphs in egui's atlas.
    let value_size = theme.kpi_size.min((height - 2.0 * line - 12.0) / 1.25).max(theme.text_size).floor();
    let show_period = height >= value_size * 1.25 + 3.0 * line + 12.0;
    egui::Grid::new("kpi").num_columns(columns).spacing([8.0, 8.0]).show(ui, |ui| {
        for (i, f) in figures.iter().enumerate() {
            let (rect, response) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
            ui.painter().rect_filled(rect, 4, theme.background.egui());
            let mut tile = ui.new_child(egui::UiBuilder::new().max_rect(rect.shrink(6.0)).layout(egui::Layout::top_down(egui::Align::LEFT)));
            tile.set_clip_rect(rect.intersect(ui.clip_rect()));
            tile.spacing_mut().item_spacing.y = 1.0;
            tile.label(egui::RichText::new(measure_name(f.measure, lang)).color(theme.text_muted.egui()));
            // `format_value` writes the unit (a unitless ratio has none). A hidden or
            // missing value says so in body type, not as a headline number.
            let value = match f.value {
                Lookup::Value(v) => egui::RichText::new(format_value(f.measure.id, v, lang)).size(value_size).strong().color(theme.text.egui()),
                Lookup::Suppressed => egui::RichText::new(text(lang, "suppressed")).color(theme.text_muted.egui()),
                Lookup::Missing => egui::RichText::new(text(lang, "no_data")).color(theme.text_muted.egui()),
            };
            tile.label(value);
            tile.horizontal(|ui| {
                if f.change_on_previous.is_some() {
                    ui.label(egui::RichText::new(text(lang, "mom")).small().color(theme.text_muted.egui()));
                    ui.label(change_text(f.change_on_previous, f.measure, cx).small());
                }
                ui.label(egui::RichText::new(text(lang, "yoy")).small().color(theme.text_muted.egui()));
                ui.label(change_text(f.change_on_year, f.measure, cx).small());
            });
            if show_period {
                tile.label(egui::RichText::new(period_label(f.period, lang)).small().color(theme.text_muted.egui()));
            }
            response.on_hover_text(provenance(f.measure, f.period, lang));
            if i % columns == columns - 1 {
                ui.end_row();
            }
        }
    });
}

fn table(ui: &mut egui::Ui, cx: &PanelContext, measures: &[String]) {
    let Some(cube) = cx.store.cube() else { return };
    let lang = cx.lang();
    let tree = RegionTree::shandong();
    let parent = cx.view.map_focus();
    egui::ScrollArea::vertical().id_salt("table").show(ui, |ui| {
        egui::Grid::new("table").striped(true).show(ui, |ui| {
            ui.strong("");
            for m in measures {
                if let Some(def) = analytics::catalogue::measure(m) {
                    ui.strong(measure_name(def, lang));
                }
            }
            ui.end_row();
            for child in tree.children(parent) {
                ui.label(if lang == Lang::Zh { &child.name_zh } else { &child.name_en });
                for m in measures {
                    let cell = figures::figure(cube, m, child.adcode, cx.view.month).map(|f| match f.value {
                        Lookup::Value(v) => format_value(m, v, lang),
                        Lookup::Suppressed => "*".into(),
                        Lookup::Missing => "—".into(),
                    });
                    ui.label(cell.unwrap_or_default());
                }
                ui.end_row();
            }
        });
    });
}

fn alerts(ui: &mut egui::Ui, cx: &PanelContext) {
    let Some(cube) = cx.store.cube() else { return };
    let (theme, lang) = (cx.theme, cx.lang());
    let month = cx.view.month.month_index();
    // The last three months up to the view's month, most severe and newest first.
    let mut list: Vec<_> = cube
        .alerts
        .iter()
        .filter(|a| RegionTree::shandong().is_within(a.region, cx.view.region) && (month - 2..=month).contains(&a.period.month_index()))
        .collect();
    list.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.period.cmp(&a.period)).then(a.region.cmp(&b.region)));
    if list.is_empty() {
        ui.label(egui::RichText::new(text(lang, "no_alerts")).color(theme.text_muted.egui()));
        return;
    }
    let tree = RegionTree::shandong();
    egui::ScrollArea::vertical().id_salt("alerts").show(ui, |ui| {
        for a in list {
            let (color, level) = match a.severity {
                Severity::Severe => (theme.alert_red, "severity_severe"),
                Severity::Warning => (theme.alert_orange, "severity_warning"),
                Severity::Notice => (theme.alert_yellow, "severity_notice"),
            };
            let kind = match a.kind {
                AlertKind::Layoff => "alert_layoff",
                AlertKind::UnemploymentRise => "alert_unemployment_rise",
                AlertKind::SubsidyExecutionLag => "alert_subsidy_lag",
                AlertKind::DuplicatePayments => "alert_duplicate",
                AlertKind::UnregisteredPayments => "alert_unregistered",
                AlertKind::ZoneBehindTarget => "alert_zone_behind",
            };
            let place = tree.get(a.region).map(|r| if lang == Lang::Zh { r.name_zh.clone() } else { r.name_en.clone() }).unwrap_or_default();
            ui.horizontal(|ui| {
                let (dot, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                ui.painter().circle_filled(dot.center(), 5.0, color.egui());
                ui.label(egui::RichText::new(text(lang, level)).color(color.egui()).strong());
                ui.label(format!("{place} · {} · {}", text(lang, kind), period_label(a.period, lang)))
                    .on_hover_text(format!("{}：{:.1}  {}：{:.1}", text(lang, "value"), a.value, text(lang, "threshold"), a.threshold));
            });
        }
    });
}

fn zones(ui: &mut egui::Ui, cx: &PanelContext) {
    let Some(cube) = cx.store.cube() else { return };
    let (theme, lang) = (cx.theme, cx.lang());
    let year = cx.view.month.year();
    let mut list: Vec<_> = cube.zones.iter().filter(|z| z.year == year && RegionTree::shandong().is_within(z.county, cx.view.region)).collect();
    list.sort_by(|a, b| a.meets_targets.cmp(&b.meets_targets).then(a.zone_id.cmp(&b.zone_id)));
    if list.is_empty() {
        ui.label(egui::RichText::new(text(lang, "no_zones")).color(theme.text_muted.egui()));
        return;
    }
    egui::ScrollArea::vertical().id_salt("zones").show(ui, |ui| {
        egui::Grid::new("zones").striped(true).num_columns(5).show(ui, |ui| {
            for key in ["zone", "services", "records", "functions", "standing"] {
                ui.strong(text(lang, key));
            }
            ui.end_row();
            for z in list {
                ui.label(&z.name);
                ui.label(format!("{}/{}", z.services, z.services_target));
                ui.label(format!("{}/{}", z.valid_records, z.records_target));
                ui.label(format!("{}/{}", z.functions_used, z.functions_target));
                let (word, color) = if z.meets_targets { ("met", theme.good) } else { ("not_met", theme.bad) };
                ui.label(egui::RichText::new(text(lang, word)).color(color.egui()).strong());
                ui.end_row();
            }
        });
    });
}

fn policy(ui: &mut egui::Ui, cx: &PanelContext) {
    let Some(cube) = cx.store.cube() else { return };
    let (theme, lang) = (cx.theme, cx.lang());
    let Some(e) = cube.evaluations.first() else {
        ui.label(egui::RichText::new(text(lang, "no_evaluation")).color(theme.text_muted.egui()));
        return;
    };
    ui.label(egui::RichText::new(&e.policy).strong());
    ui.label(egui::RichText::new(format!("{} {:+.1}%", text(lang, "effect"), e.effect_pct)).size(theme.kpi_size * 0.8).color(theme.text.egui()));
    ui.label(egui::RichText::new(format!("{} {:+.1}% … {:+.1}%", text(lang, "ci95"), e.ci_low_pct, e.ci_high_pct)).color(theme.text_muted.egui()));
    for (i, w) in e.waves.iter().enumerate() {
        ui.label(
            egui::RichText::new(format!("{} {} · {} · {} {} · {:+.1}%", text(lang, "wave"), i + 1, period_label(w.start, lang), w.treated_counties, text(lang, "counties"), w.effect_pct))
                .small(),
        );
    }
}
