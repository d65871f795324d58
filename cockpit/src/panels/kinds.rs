//! The body of each panel kind. Numbers come from [`crate::figures`]; every number shows
//! its unit, and its definition (口径) and lineage on hover.

use bevy_egui::egui;
use szjy_model::alert::{self, Alert, AlertLevel};
use szjy_model::catalogue::{Direction, MeasureDef, Topic};
use szjy_model::cube::{Cube, Lookup, PolicyEvaluation, ZoneStatus};
use szjy_model::indicator;
use szjy_model::interpret::{format_value, paragraphs, with_unit, Paragraph};
use szjy_model::lang::Lang;
use szjy_model::lifecycle::{Action, AlertState, Status};
use szjy_model::outlook::ForecastPoint;
use szjy_model::period::Period;
use szjy_model::region::{Adcode, RegionTree};
use szjy_model::warning::{Category, Rule};

use super::chart;
use super::PanelContext;
use crate::shared::figures::{self, Bar, Figure};
use crate::shared::scene::{PanelKind, RankBy, Scenes};
use crate::shared::text::text;
use crate::shared::view::View;

/// What one panel shows for the current view, computed from the cube when the view or
/// the cube changes (see [`super::PanelContents`]); drawing it each frame only lays it out.
pub enum Content {
    Kpi(Vec<Figure>),
    Trend {
        series: Vec<TrendSeries>,
        provenance: Option<String>,
    },
    Ranking {
        period: Period,
        bars: Vec<Bar>,
    },
    Table {
        columns: Vec<String>,
        rows: Vec<(String, Vec<String>)>,
    },
    /// Each sentence, and the topic that charts its measure (see [`chart_topic`]).
    Interpretation(Vec<(Paragraph, Option<usize>)>),
    Alerts(Vec<AlertLine>),
    IndicatorTrend(Option<IndicatorTrend>),
    Support(Vec<SupportLine>),
    Zones(Vec<ZoneStatus>),
    Policy(Option<PolicyEvaluation>),
}

pub struct TrendSeries {
    name: String,
    points: Vec<(Period, Option<f64>)>,
    /// The cube's forecast after the last point: only when the view is at the cube's
    /// latest month and shows totals (forecasts are of totals, made at that month).
    fan: Vec<ForecastPoint>,
}

pub struct AlertLine {
    /// [`Alert::id`]: its lifecycle's key.
    id: String,
    level: AlertLevel,
    text: String,
    detail: String,
    indicator: String,
    region: Adcode,
}

/// An early-warning indicator's monthly values in one region, with its thresholds.
pub struct IndicatorTrend {
    name: String,
    unit: String,
    points: Vec<(Period, Option<f64>)>,
    /// The thresholds the chart draws: those within reach of the values, and always the
    /// yellow one.
    guides: Vec<(AlertLevel, f64)>,
}

pub struct SupportLine {
    group: String,
    measures: String,
    /// The indicators whose alerts call for it.
    because: String,
}

pub fn prepare(cube: &Cube, view: &View, scenes: &Scenes, topic: Topic, kind: &PanelKind) -> Content {
    let (lang, category) = (view.lang, view.category.as_deref());
    match kind {
        PanelKind::Kpi { measures } => {
            Content::Kpi(measures.iter().filter_map(|m| figures::figure(cube, m, view.region, view.month, category)).collect())
        }
        PanelKind::Trend { measures, months } => {
            let series: Vec<_> = measures
                .iter()
                .filter_map(|m| {
                    let def = szjy_model::catalogue::measure(m)?;
                    let points = figures::trend(cube, m, view.region, view.month, *months, category);
                    let at_latest = points.last().is_some_and(|(p, _)| *p == cube.latest_month());
                    let fan = if at_latest && figures::applied_category(def, category).is_none() {
                        // At most half the chart is outlook, so the history keeps its room.
                        let mut fan = szjy_model::outlook::read(cube, m, view.region);
                        fan.truncate((*months as usize / 2).max(1));
                        fan
                    } else {
                        Vec::new()
                    };
                    Some(TrendSeries { name: filtered_name(def, category, lang), points, fan })
                })
                .collect();
            let last = series.first().and_then(|s| s.points.last()).map(|(p, _)| *p);
            let provenance = szjy_model::catalogue::measure(&measures[0]).zip(last).map(|(def, last)| provenance(def, last, lang));
            Content::Trend { series, provenance }
        }
        PanelKind::Ranking { measure, by, top } => {
            let (period, bars) = match by {
                RankBy::Children => figures::rank_children(cube, measure, view.region, view.month, category, *top, lang),
                RankBy::Dimension(dim) => figures::rank_dimension(cube, measure, view.region, view.month, *dim, *top, lang),
            };
            Content::Ranking { period, bars }
        }
        PanelKind::Table { measures } => table(cube, view, measures),
        PanelKind::Interpretation => Content::Interpretation(
            paragraphs(cube, topic, view.region, view.month, lang)
                .into_iter()
                .map(|p| {
                    let target = p.measure.and_then(|m| chart_topic(scenes, view.topic, m));
                    (p, target)
                })
                .collect(),
        ),
        PanelKind::Alerts { categories } => Content::Alerts(alert_lines(cube, view, categories)),
        PanelKind::IndicatorTrend { months } => Content::IndicatorTrend(indicator_trend(cube, view, *months)),
        PanelKind::Support => Content::Support(support_lines(cube, view)),
        PanelKind::Zones => {
            let year = view.month.year();
            let mut list: Vec<ZoneStatus> =
                cube.zones.iter().filter(|z| z.year == year && RegionTree::shandong().is_within(z.county, view.region)).cloned().collect();
            list.sort_by(|a, b| a.meets_targets.cmp(&b.meets_targets).then(a.zone_id.cmp(&b.zone_id)));
            Content::Zones(list)
        }
        PanelKind::Policy | PanelKind::EventStudy | PanelKind::PolicyTrends => Content::Policy(cube.evaluations.first().cloned()),
    }
}

pub fn show(ui: &mut egui::Ui, cx: &PanelContext, kind: &PanelKind, content: &Content) {
    let lang = cx.lang();
    match (kind, content) {
        (_, Content::Kpi(figures)) => kpi_tiles(ui, cx, figures),
        (PanelKind::Trend { measures, .. }, Content::Trend { series, provenance }) => {
            let series: Vec<chart::Series> =
                series.iter().map(|s| chart::Series { name: &s.name, points: &s.points, fan: &s.fan }).collect();
            let legend = legend_row(ui, cx, &series);
            if let Some(provenance) = provenance {
                legend.on_hover_text(provenance);
            }
            let height = ui.available_height();
            chart::lines(
                ui,
                cx.theme,
                &series,
                height,
                &|v| format_value(&measures[0], v, lang),
                &|p| period_label(p, lang),
                text(lang, "forecast"),
            );
        }
        (PanelKind::Ranking { measure, by, .. }, Content::Ranking { period, bars }) => {
            // A ranking of a breakdown shows all its categories; one of regions is filtered.
            let category = if *by == RankBy::Children { cx.view.category.as_deref() } else { None };
            caption(ui, cx, measure, category, *period);
            if bars.is_empty() {
                ui.label(egui::RichText::new(text(lang, "no_data")).color(cx.theme.text_muted.egui()));
            }
            chart::bars(ui, cx.theme, bars, &|v| format_value(measure, v, lang));
        }
        (_, Content::Table { columns, rows }) => show_table(ui, columns, rows),
        (_, Content::Interpretation(paragraphs)) => interpretation(ui, cx, paragraphs),
        (_, Content::Alerts(lines)) => alerts(ui, cx, lines),
        (_, Content::IndicatorTrend(trend)) => show_indicator_trend(ui, cx, trend.as_ref()),
        (_, Content::Support(lines)) => support(ui, cx, lines),
        (_, Content::Zones(list)) => zones(ui, cx, list),
        (PanelKind::EventStudy, Content::Policy(evaluation)) => super::policy::event_study(ui, cx, evaluation.as_ref()),
        (PanelKind::PolicyTrends, Content::Policy(evaluation)) => super::policy::group_trends(ui, cx, evaluation.as_ref()),
        (_, Content::Policy(evaluation)) => super::policy::headline(ui, cx, evaluation.as_ref()),
        // A content prepared for another kind (never: both come from the same scene).
        _ => {}
    }
}

fn measure_name(def: &MeasureDef, lang: Lang) -> String {
    (if lang == Lang::Zh { def.name_zh } else { def.name_en }).to_string()
}

/// A measure's name with the category filter's, where the filter applies to it.
fn filtered_name(def: &MeasureDef, category: Option<&str>, lang: Lang) -> String {
    match figures::applied_category(def, category) {
        Some(category) => format!("{} · {}", measure_name(def, lang), figures::category_label(category, lang)),
        None => measure_name(def, lang),
    }
}

pub(super) fn period_label(p: Period, lang: Lang) -> String {
    if lang == Lang::Zh {
        p.label_zh()
    } else {
        p.label_en()
    }
}

/// The hover text of a number: its definition (口径) and where it comes from.
fn provenance(def: &MeasureDef, period: Period, lang: Lang) -> String {
    let (definition, lineage) = if lang == Lang::Zh { (def.definition_zh, def.lineage) } else { (def.definition_en, def.lineage) };
    format!(
        "{}：{definition}\n{}：{lineage}\n{}：{}",
        text(lang, "definition"),
        text(lang, "source"),
        text(lang, "period"),
        period_label(period, lang)
    )
}

fn caption(ui: &mut egui::Ui, cx: &PanelContext, measure: &str, category: Option<&str>, period: Period) {
    let Some(def) = szjy_model::catalogue::measure(measure) else { return };
    let lang = cx.lang();
    let unit = if lang == Lang::Zh { def.unit_zh } else { def.unit_en };
    let unit = if unit.is_empty() { String::new() } else { format!("（{unit}）") };
    ui.label(
        egui::RichText::new(format!("{}{unit} · {}", filtered_name(def, category, lang), period_label(period, lang)))
            .small()
            .color(cx.theme.text_muted.egui()),
    )
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
        if series.iter().any(|s| !s.fan.is_empty()) {
            let (swatch, _) = ui.allocate_exact_size(egui::vec2(14.0, 8.0), egui::Sense::hover());
            ui.painter().rect_filled(swatch, 0, cx.theme.series[0].egui().gamma_multiply(0.30));
            ui.label(egui::RichText::new(text(cx.lang(), "forecast_band")).small());
        }
    })
    .response
}

/// Change arrows: ▲/▼ with the sign, coloured by whether the change is good news.
fn change_text(change: Option<f64>, def: &MeasureDef, cx: &PanelContext) -> egui::RichText {
    let Some(c) = change else { return egui::RichText::new("—").color(cx.theme.text_muted.egui()) };
    let arrow = if c > 0.0 {
        "▲"
    } else if c < 0.0 {
        "▼"
    } else {
        "■"
    };
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

fn kpi_tiles(ui: &mut egui::Ui, cx: &PanelContext, figures: &[Figure]) {
    let (theme, lang) = (cx.theme, cx.lang());
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
            let mut tile =
                ui.new_child(egui::UiBuilder::new().max_rect(rect.shrink(6.0)).layout(egui::Layout::top_down(egui::Align::LEFT)));
            tile.set_clip_rect(rect.intersect(ui.clip_rect()));
            tile.spacing_mut().item_spacing.y = 1.0;
            tile.label(egui::RichText::new(filtered_name(f.measure, f.category.as_deref(), lang)).color(theme.text_muted.egui()));
            // `format_value` writes the unit (a unitless ratio has none). A hidden or
            // missing value says so in body type, not as a headline number.
            let value = match f.value {
                Lookup::Value(v) => {
                    egui::RichText::new(format_value(f.measure.id, v, lang)).size(value_size).strong().color(theme.text.egui())
                }
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

/// The children of the map's focus, one row each, one column per measure.
fn table(cube: &Cube, view: &View, measures: &[String]) -> Content {
    let lang = view.lang;
    let defs: Vec<&MeasureDef> = measures.iter().filter_map(|m| szjy_model::catalogue::measure(m)).collect();
    let rows = RegionTree::shandong()
        .children(view.map_focus())
        .map(|child| {
            let cells = defs
                .iter()
                .map(|def| match figures::figure(cube, def.id, child.adcode, view.month, view.category.as_deref()).map(|f| f.value) {
                    Some(Lookup::Value(v)) => format_value(def.id, v, lang),
                    Some(Lookup::Suppressed) => "*".into(),
                    Some(Lookup::Missing) | None => "—".into(),
                })
                .collect();
            ((if lang == Lang::Zh { &child.name_zh } else { &child.name_en }).clone(), cells)
        })
        .collect();
    Content::Table { columns: defs.iter().map(|d| filtered_name(d, view.category.as_deref(), lang)).collect(), rows }
}

fn show_table(ui: &mut egui::Ui, columns: &[String], rows: &[(String, Vec<String>)]) {
    egui::ScrollArea::vertical().id_salt("table").show(ui, |ui| {
        egui::Grid::new("table").striped(true).show(ui, |ui| {
            ui.strong("");
            for column in columns {
                ui.strong(column);
            }
            ui.end_row();
            for (name, cells) in rows {
                ui.label(name);
                for cell in cells {
                    ui.label(cell);
                }
                ui.end_row();
            }
        });
    });
}

/// 数据解读, a sentence per paragraph. A click on a sentence shows the chart it describes:
/// this page's panels of its measure outlined, or the first topic that has one.
fn interpretation(ui: &mut egui::Ui, cx: &PanelContext, paragraphs: &[(Paragraph, Option<usize>)]) {
    let lang = cx.lang();
    egui::ScrollArea::vertical().id_salt("interpretation").show(ui, |ui| {
        for (paragraph, topic) in paragraphs {
            let words = egui::RichText::new(&paragraph.text).size(cx.theme.text_size);
            match paragraph.measure.zip(*topic) {
                // Walls have no pointer: the text stays plain there.
                Some((measure, topic)) if !cx.wall => {
                    let lit = cx.view.highlight.as_deref() == Some(measure);
                    let words = if lit { words.color(cx.theme.accent.egui()) } else { words };
                    if ui.add(egui::Label::new(words).sense(egui::Sense::click())).on_hover_text(text(lang, "click_sentence")).clicked() {
                        let mut requests = cx.requests.borrow_mut();
                        if topic != cx.view.topic {
                            requests.push(crate::shared::view::ViewCommand::Topic(topic));
                        }
                        requests.push(crate::shared::view::ViewCommand::Highlight(Some(measure.to_string())));
                    }
                }
                _ => {
                    ui.label(words);
                }
            }
            ui.add_space(4.0);
        }
    });
}

/// The topic whose panels show `measure`: the current one if it does, else the first.
fn chart_topic(scenes: &Scenes, current: usize, measure: &str) -> Option<usize> {
    let shows = |i: usize| scenes.0[i].panels().any(|p| p.kind.measures().contains(&measure));
    std::iter::once(current).chain(0..scenes.0.len()).find(|&i| shows(i))
}

/// The view month's alerts of these indicator families (all if none) within the view's
/// region, most severe first, then those that have lasted longest.
fn alert_lines(cube: &Cube, view: &View, categories: &[Category]) -> Vec<AlertLine> {
    let lang = view.lang;
    let mut list = indicator::alerts_within(cube, view.region, view.month);
    if !categories.is_empty() {
        list.retain(|a| cube.warning.indicator(&a.indicator).is_some_and(|i| categories.contains(&i.category)));
    }
    list.sort_by(|a, b| alert::most_pressing_first(a, b));
    list.into_iter()
        .map(|a| {
            let (place, name, unit) = alert_words(cube, a, lang);
            let since =
                if a.since == a.period { String::new() } else { format!(" · {}{}", text(lang, "since"), period_label(a.since, lang)) };
            let subject = a.subject.as_deref().map_or(String::new(), |s| format!(" · {s}"));
            let figure = |v: f64| with_unit(&format!("{v:.2}"), unit, lang);
            AlertLine {
                id: a.id(),
                level: a.level,
                text: format!("{place} · {name}{subject}"),
                detail: format!("{} {} · {} {}{since}", text(lang, "value"), figure(a.value), text(lang, "threshold"), figure(a.threshold)),
                indicator: a.indicator.clone(),
                region: a.region,
            }
        })
        .collect()
}

/// An alert's place, indicator name and unit, in the screen's language.
pub fn alert_words<'a>(cube: &'a Cube, alert: &'a Alert, lang: Lang) -> (&'a str, &'a str, &'a str) {
    let place = RegionTree::shandong().get(alert.region).map_or("", |r| r.name(lang));
    match cube.warning.indicator(&alert.indicator) {
        Some(i) => (place, i.name(lang), i.unit(lang)),
        None => (place, alert.indicator.as_str(), ""),
    }
}

/// The wall ticker's line for an alert: its level, and place, indicator and value.
pub struct TickerItem {
    pub level: AlertLevel,
    pub text: String,
}

/// The view month's alerts within the view's region for the wall's ticker, most pressing
/// first.
pub fn ticker_items(cube: &Cube, view: &View) -> Vec<TickerItem> {
    let mut alerts = indicator::alerts_within(cube, view.region, view.month);
    alerts.sort_by(|a, b| alert::most_pressing_first(a, b));
    alerts
        .into_iter()
        .map(|a| {
            let (place, name, unit) = alert_words(cube, a, view.lang);
            TickerItem { level: a.level, text: format!("{place} {name} {}", with_unit(&format!("{:.2}", a.value), unit, view.lang)) }
        })
        .collect()
}

fn alerts(ui: &mut egui::Ui, cx: &PanelContext, lines: &[AlertLine]) {
    let (theme, lang) = (cx.theme, cx.lang());
    if lines.is_empty() {
        ui.label(egui::RichText::new(text(lang, "no_alerts")).color(theme.text_muted.egui()));
        return;
    }
    egui::ScrollArea::vertical().id_salt("alerts").show(ui, |ui| {
        for line in lines {
            let color = theme.alert_colour(line.level);
            // Two rows: level, place and indicator (a click drills in); then the figures.
            let focused = cx.view.indicator.as_deref() == Some(line.indicator.as_str()) && cx.view.region == line.region;
            let clicked = ui
                .horizontal(|ui| {
                    let (dot, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                    ui.painter().circle_filled(dot.center(), 5.0, color.egui());
                    ui.label(egui::RichText::new(level_label(line.level, lang)).color(color.egui()).strong());
                    ui.add(egui::Button::selectable(focused, &line.text).truncate()).on_hover_text(text(lang, "click_alert")).clicked()
                })
                .inner;
            let state = cx.alert_states.state(&line.id);
            let detail = match state.and_then(|s| status_label(s, lang)) {
                Some(status) => format!("{status} · {}", line.detail),
                None => line.detail.clone(),
            };
            ui.add(egui::Label::new(egui::RichText::new(detail).color(theme.text_muted.egui()).size(theme.text_size * 0.85)).truncate());
            if focused && !cx.wall && cx.alert_states.writable {
                lifecycle_controls(ui, cx, &line.id, state);
            }
            ui.add_space(2.0);
            if clicked {
                cx.requests
                    .borrow_mut()
                    .push(crate::shared::view::ViewCommand::FocusAlert { indicator: line.indicator.clone(), region: Some(line.region) });
            }
        }
    });
}

/// 已确认 / 已指派：… / 已关闭, or nothing for an open alert.
fn status_label(state: &AlertState, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    match state.status {
        Status::Open => None,
        Status::Acknowledged => Some(text(lang, "acknowledged").to_string()),
        Status::Assigned => {
            Some(format!("{}{}{}", text(lang, "assigned"), if zh { "：" } else { ": " }, state.assigned_to.as_deref().unwrap_or_default()))
        }
        Status::Closed => Some(text(lang, "closed").to_string()),
    }
}

/// The focused alert's next steps, for the desktop analyst on a local cube: acknowledge,
/// assign (to whom the field names), close (with the field as the note), or reopen.
fn lifecycle_controls(ui: &mut egui::Ui, cx: &PanelContext, alert: &str, state: Option<&AlertState>) {
    let lang = cx.lang();
    let field_id = egui::Id::new(("lifecycle-field", alert));
    let mut field: String = ui.data_mut(|d| d.get_temp(field_id)).unwrap_or_default();
    let closed = state.is_some_and(|s| s.status == Status::Closed);
    let mut step = None;
    ui.horizontal(|ui| {
        if closed {
            if ui.button(text(lang, "reopen")).clicked() {
                step = Some(Action::Reopen);
            }
            return;
        }
        if state.is_none_or(|s| s.acknowledged.is_none()) && ui.button(text(lang, "acknowledge")).clicked() {
            step = Some(Action::Acknowledge);
        }
        ui.add(egui::TextEdit::singleline(&mut field).hint_text(text(lang, "assignee_or_note")).desired_width(ui.available_width() * 0.45));
        if ui.add_enabled(!field.trim().is_empty(), egui::Button::new(text(lang, "assign"))).clicked() {
            step = Some(Action::Assign { to: field.trim().to_string() });
        }
        if ui.button(text(lang, "close")).clicked() {
            step = Some(Action::Close { note: field.trim().to_string() });
        }
    });
    if let Some(error) = &cx.alert_states.error {
        ui.label(egui::RichText::new(error).color(cx.theme.bad.egui()).size(cx.theme.text_size * 0.85));
    }
    if let Some(action) = step {
        field.clear();
        cx.lifecycle.borrow_mut().push(crate::shared::lifecycle::LifecycleRequest { alert: alert.to_string(), action });
    }
    ui.data_mut(|d| d.insert_temp(field_id, field));
}

/// 红色预警 / Red …
fn level_label(level: AlertLevel, lang: Lang) -> &'static str {
    match level {
        AlertLevel::Red => text(lang, "level_red"),
        AlertLevel::Orange => text(lang, "level_orange"),
        AlertLevel::Yellow => text(lang, "level_yellow"),
    }
}

/// The indicator the view drilled into, else the most severe of the region's own alerts
/// this month, else the first configured indicator with a value here.
fn indicator_trend(cube: &Cube, view: &View, months: u32) -> Option<IndicatorTrend> {
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
    Some(IndicatorTrend { name: indicator.name(view.lang).to_string(), unit: indicator.unit(view.lang).to_string(), points, guides })
}

fn show_indicator_trend(ui: &mut egui::Ui, cx: &PanelContext, trend: Option<&IndicatorTrend>) {
    let (theme, lang) = (cx.theme, cx.lang());
    let Some(trend) = trend else {
        ui.label(egui::RichText::new(text(lang, "no_data")).color(theme.text_muted.egui()));
        return;
    };
    let place = RegionTree::shandong().get(cx.view.region).map_or("", |r| r.name(lang));
    let unit = if trend.unit.is_empty() { String::new() } else { format!("（{}）", trend.unit) };
    ui.label(egui::RichText::new(format!("{place} · {}{unit}", trend.name)).strong());
    let guides: Vec<chart::Guide> =
        trend.guides.iter().map(|(level, value)| chart::Guide { value: *value, color: theme.alert_colour(*level).egui() }).collect();
    let series = [chart::Series { name: &trend.name, points: &trend.points, fan: &[] }];
    let height = ui.available_height();
    chart::lines_with_guides(
        ui,
        theme,
        &series,
        &guides,
        height,
        &|v| with_unit(&format!("{v:.2}"), &trend.unit, lang),
        &|p| period_label(p, lang),
        text(lang, "forecast"),
    );
}

/// The key groups the view's alerts push support to, in the configuration's order.
fn support_lines(cube: &Cube, view: &View) -> Vec<SupportLine> {
    let zh = view.lang == Lang::Zh;
    let alerts = indicator::alerts_within(cube, view.region, view.month);
    cube.warning
        .support_for(alerts)
        .into_iter()
        .map(|(group, by)| SupportLine {
            group: if zh { group.group.clone() } else { group.name_en.clone() },
            measures: if zh { group.measures_zh.join("、") } else { group.measures_en.join("; ") },
            because: by.iter().map(|i| i.name(view.lang)).collect::<Vec<_>>().join(if zh { "、" } else { ", " }),
        })
        .collect()
}

fn support(ui: &mut egui::Ui, cx: &PanelContext, lines: &[SupportLine]) {
    let (theme, lang) = (cx.theme, cx.lang());
    if lines.is_empty() {
        ui.label(egui::RichText::new(text(lang, "no_support_needed")).color(theme.text_muted.egui()));
        return;
    }
    egui::ScrollArea::vertical().id_salt("support").show(ui, |ui| {
        for line in lines {
            ui.label(egui::RichText::new(&line.group).strong().color(theme.accent.egui())).on_hover_text(format!(
                "{}：{}",
                text(lang, "triggered_by"),
                line.because
            ));
            ui.label(&line.measures);
            ui.add_space(4.0);
        }
    });
}

fn zones(ui: &mut egui::Ui, cx: &PanelContext, list: &[ZoneStatus]) {
    let (theme, lang) = (cx.theme, cx.lang());
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
