//! The alert list (and the wall ticker's lines): the view month's alerts within the
//! view's region, most pressing first, with the desktop analyst's lifecycle steps.

use bevy_egui::egui;
use szjy_model::alert::{self, Alert, AlertLevel};
use szjy_model::cube::Cube;
use szjy_model::indicator;
use szjy_model::interpret::with_unit;
use szjy_model::lang::Lang;
use szjy_model::lifecycle::{Action, AlertState, Status};
use szjy_model::region::{Adcode, RegionTree};
use szjy_model::warning::Category;

use super::{nothing, PanelBody, PanelContext};
use crate::panels::pager;
use crate::shared::lifecycle::LifecycleRequest;
use crate::shared::text::text;
use crate::shared::view::{View, ViewCommand};

pub struct Alerts(Vec<AlertLine>);

struct AlertLine {
    /// [`Alert::id`]: its lifecycle's key.
    id: String,
    level: AlertLevel,
    text: String,
    detail: String,
    indicator: String,
    region: Adcode,
}

/// The view month's alerts of these indicator families (all if none) within the view's
/// region, most severe first, then those that have lasted longest.
pub fn prepare(cube: &Cube, view: &View, categories: &[Category]) -> Alerts {
    let lang = view.lang;
    let mut list = indicator::alerts_within(cube, view.region, view.month);
    if !categories.is_empty() {
        list.retain(|a| cube.warning.indicator(&a.indicator).is_some_and(|i| categories.contains(&i.category)));
    }
    list.sort_by(|a, b| alert::most_pressing_first(a, b));
    Alerts(
        list.into_iter()
            .map(|a| {
                let (place, name, unit) = alert_words(cube, a, lang);
                let since = if a.since == a.period { String::new() } else { format!(" · {}{}", text(lang, "since"), a.since.label(lang)) };
                let subject = a.subject.as_deref().map_or(String::new(), |s| format!(" · {s}"));
                let figure = |v: f64| with_unit(&format!("{v:.2}"), unit, lang);
                AlertLine {
                    id: a.id(),
                    level: a.level,
                    text: format!("{place} · {name}{subject}"),
                    detail: format!(
                        "{} {} · {} {}{since}",
                        text(lang, "value"),
                        figure(a.value),
                        text(lang, "threshold"),
                        figure(a.threshold)
                    ),
                    indicator: a.indicator.clone(),
                    region: a.region,
                }
            })
            .collect(),
    )
}

/// An alert's place, indicator name and unit, in the screen's language.
fn alert_words<'a>(cube: &'a Cube, alert: &'a Alert, lang: Lang) -> (&'a str, &'a str, &'a str) {
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

impl PanelBody for Alerts {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext) {
        alerts(ui, cx, &self.0);
    }
}

fn alerts(ui: &mut egui::Ui, cx: &PanelContext, lines: &[AlertLine]) {
    let (theme, lang) = (cx.theme, cx.lang());
    if lines.is_empty() {
        return nothing(ui, cx, "no_alerts");
    }
    if cx.wall {
        // Rows as tall as their wrapped text: level, place and indicator; then the figures.
        let width = ui.available_width();
        let painter = ui.painter();
        let (body, small) = (egui::FontId::proportional(cx.sizes.body), egui::FontId::proportional(cx.sizes.small));
        let heights: Vec<f32> = lines
            .iter()
            .map(|line| {
                let head = format!("● {} {}", level_label(line.level, lang), line.text);
                let first = painter.layout(head, body.clone(), theme.text.egui(), width).size().y;
                let detail = crate::panels::broken_lines(painter, &line.detail, &small, width);
                let second = painter.layout_no_wrap(detail, small.clone(), theme.text.egui()).size().y;
                first + second + 8.0
            })
            .collect();
        return pager::rows(ui, cx, "alerts", &heights, |ui, i| wall_alert(ui, cx, &lines[i]));
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
            ui.add(egui::Label::new(egui::RichText::new(detail).color(theme.text_muted.egui()).small()).truncate());
            if focused && !cx.wall && cx.alert_states.writable {
                lifecycle_controls(ui, cx, &line.id, state);
            }
            ui.add_space(2.0);
            if clicked {
                cx.requests.borrow_mut().push(ViewCommand::FocusAlert { indicator: line.indicator.clone(), region: Some(line.region) });
            }
        }
    });
}

/// An alert on the wall: level, place and indicator; then the figures and since when.
fn wall_alert(ui: &mut egui::Ui, cx: &PanelContext, line: &AlertLine) {
    let (theme, lang) = (cx.theme, cx.lang());
    let color = theme.alert_colour(line.level).egui();
    ui.spacing_mut().item_spacing.y = 2.0;
    // One wrapping label: the dot, the level in its colour, then place and indicator.
    let mut job = egui::text::LayoutJob::default();
    let body = egui::FontId::proportional(cx.sizes.body);
    let format = |color: egui::Color32| egui::TextFormat { font_id: body.clone(), color, ..Default::default() };
    job.append(&format!("● {} ", level_label(line.level, lang)), 0.0, format(color));
    job.append(&line.text, 0.0, format(theme.text.egui()));
    ui.add(egui::Label::new(job).wrap());
    crate::panels::wrapped_label(ui, &line.detail, cx.sizes.small, theme.text_muted.egui());
}

/// 已确认 / 已指派：… / 已关闭, or nothing for an open alert.
fn status_label(state: &AlertState, lang: Lang) -> Option<String> {
    match state.status {
        Status::Open => None,
        Status::Acknowledged => Some(text(lang, "acknowledged").to_string()),
        Status::Assigned => {
            Some(format!("{}{}{}", text(lang, "assigned"), lang.pick("：", ": "), state.assigned_to.as_deref().unwrap_or_default()))
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
        ui.label(egui::RichText::new(error).color(cx.theme.bad.egui()).small());
    }
    if let Some(action) = step {
        field.clear();
        cx.lifecycle.borrow_mut().push(LifecycleRequest { alert: alert.to_string(), action });
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

#[cfg(test)]
mod tests {
    use super::*;
    use szjy_model::period::Period;

    fn alert(indicator: &str, level: AlertLevel, region: Adcode, since: Period) -> Alert {
        let period = Period::month(2025, 6);
        Alert { indicator: indicator.into(), level, region, period, since, subject: None, value: 4.8, threshold: 4.5 }
    }

    #[test]
    fn the_most_pressing_alerts_within_the_region_come_first() {
        let june = Period::month(2025, 6);
        let mut cube = Cube::new(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), true);
        cube.alerts = vec![
            alert("registered_unemployment_rate", AlertLevel::Yellow, 370102, Period::month(2025, 1)),
            alert("registered_unemployment_rate", AlertLevel::Red, 370103, june),
            alert("gdp_growth", AlertLevel::Orange, 370102, june),
            // Another city's: not within Jinan.
            alert("registered_unemployment_rate", AlertLevel::Red, 370202, june),
        ];
        let view = super::super::view_at(370100, june);
        let Alerts(lines) = prepare(&cube, &view, &[]);
        let levels: Vec<(AlertLevel, Adcode)> = lines.iter().map(|l| (l.level, l.region)).collect();
        assert_eq!(levels, vec![(AlertLevel::Red, 370103), (AlertLevel::Orange, 370102), (AlertLevel::Yellow, 370102)]);
        assert!(lines[0].text.starts_with("市中区 · 城镇登记失业率"), "{}", lines[0].text);
        assert!(lines[2].detail.contains("2025年1月"), "a lasting alert says since when: {}", lines[2].detail);
        // One family only.
        let Alerts(macro_only) = prepare(&cube, &view, &[Category::Macro]);
        assert_eq!(macro_only.iter().map(|l| l.indicator.as_str()).collect::<Vec<_>>(), vec!["gdp_growth"]);
        // The ticker lists the same alerts in the same order.
        let ticker: Vec<AlertLevel> = ticker_items(&cube, &view).iter().map(|t| t.level).collect();
        assert_eq!(ticker, vec![AlertLevel::Red, AlertLevel::Orange, AlertLevel::Yellow]);
    }
}
