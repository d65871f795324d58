//! The wall's page, designed for a room rather than zoomed from the desk: a banner with
//! the title, the topic and Beijing time; the topic's headline figures over the map, with
//! progress against their yearly targets; two columns of panels; the interpretation as a
//! caption under the map; and the alert ticker. Every block of text sits in a rectangle
//! of [`WallFrame`], inside one screen of a spliced wall.

use bevy_egui::egui;
use chrono::{DateTime, Datelike, FixedOffset};
use szjy_model::cube::Lookup;
use szjy_model::interpret::format_value;
use szjy_model::region::RegionTree;

use super::kinds::{self, Content};
use super::{legend, PanelContents, PanelContext};
use crate::shared::figures::Headline;
use crate::shared::laid_out::SizedBox;
use crate::shared::map_state::Choropleth;
use crate::shared::scene::{Panel, Scene};
use crate::shared::store::Link;
use crate::shared::text::text;
use crate::shared::wall_frame::{self, WallFrame};

/// What the wall page paints besides the panels' context.
pub struct WallPage<'a> {
    pub frame: &'a WallFrame,
    pub scene: &'a Scene,
    pub contents: &'a PanelContents,
    pub choropleth: &'a Choropleth,
    /// Beijing time now (none in unattended captures that fix no clock).
    pub clock: Option<DateTime<FixedOffset>>,
}

pub fn paint(root: &mut egui::Ui, cx: &PanelContext, page: &WallPage) {
    let theme = cx.theme;
    let frame = page.frame;
    let blocks = frame
        .banner_cells
        .iter()
        .chain(&frame.heroes)
        .chain(&frame.left)
        .chain(&frame.right)
        .chain(&frame.caption)
        .chain(&frame.footnotes)
        .chain(&frame.ticker_spans);
    cx.report.borrow_mut().blocks = blocks.chain([&frame.map, &frame.legend]).map(|r| (*r).into()).collect();
    root.painter().rect_filled(frame.banner, 0, theme.panel.egui());
    root.painter().hline(frame.banner.x_range(), frame.banner.bottom(), egui::Stroke::new(1.0, theme.panel_border.egui()));
    banner(root, cx, page);
    for (rect, (headline, marks)) in frame.heroes.iter().zip(&page.contents.heroes) {
        hero(root, cx, *rect, headline, marks);
    }
    columns(root, cx, &page.scene.wall.left, &page.contents.left, &frame.left);
    columns(root, cx, &page.scene.wall.right, &page.contents.right, &frame.right);
    let mut legend_ui = root.new_child(egui::UiBuilder::new().max_rect(frame.legend).layout(egui::Layout::top_down(egui::Align::LEFT)));
    legend(&mut legend_ui, cx, page.choropleth);
    // The caption's sentences; the footnotes in smaller, quieter type.
    let sentences = frame.caption.iter().zip(&page.contents.caption).map(|(r, s)| (r, s, cx.sizes.body, theme.text));
    let notes = frame.footnotes.iter().zip(&page.contents.footnotes).map(|(r, s)| (r, s, cx.sizes.small, theme.text_muted));
    for (rect, words, size, colour) in sentences.chain(notes) {
        let mut ui = root.new_child(egui::UiBuilder::new().max_rect(*rect).layout(egui::Layout::top_down(egui::Align::LEFT)));
        super::wrapped_label(&mut ui, words, size, colour.egui());
    }
    root.painter().rect_filled(frame.ticker, 0, theme.panel.egui());
    ticker(root, cx, frame, &page.contents.ticker);
}

fn cell(root: &mut egui::Ui, rect: egui::Rect, layout: egui::Layout) -> egui::Ui {
    root.new_child(egui::UiBuilder::new().max_rect(rect).layout(layout))
}

/// Title on the left; the region and topic in the middle; on the right the time, the data's
/// month and, from across the room, whether the link to the data is down.
fn banner(root: &mut egui::Ui, cx: &PanelContext, page: &WallPage) {
    let (theme, lang, sizes) = (cx.theme, cx.lang(), &cx.sizes);
    let [left, middle, right] = page.frame.banner_cells;
    let mut ui = cell(root, left.shrink2(egui::vec2(8.0, 0.0)), egui::Layout::left_to_right(egui::Align::Center));
    ui.label(egui::RichText::new(text(lang, "app_title")).size(sizes.heading * 1.25).strong().color(theme.accent.egui()));

    let mut ui = cell(root, middle, egui::Layout::top_down(egui::Align::Center).with_main_align(egui::Align::Center));
    let place = RegionTree::shandong().get(cx.view.region).map_or("", |r| r.name(lang));
    let title = format!("{place} · {}", page.scene.title(lang));
    ui.add(
        egui::Label::new(egui::RichText::new(title).size(sizes.heading * 1.35).strong().color(theme.text.egui()))
            .wrap_mode(egui::TextWrapMode::Extend),
    );

    let mut ui =
        cell(root, right.shrink2(egui::vec2(8.0, 4.0)), egui::Layout::top_down(egui::Align::Max).with_main_align(egui::Align::Center));
    ui.spacing_mut().item_spacing.y = 2.0;
    if let Some(now) = page.clock {
        ui.label(egui::RichText::new(clock_label(now, lang)).size(sizes.heading).strong().color(theme.text.egui()));
    }
    let Some(cube) = cx.store.cube() else { return };
    let stale = cx.store.link.as_ref().and_then(|l| l.down_since.as_ref()).is_some();
    ui.horizontal(|ui| {
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if stale {
                super::badge(ui, &stale_label(cx.store.link.as_ref(), lang), theme.alert_red.egui(), theme);
            } else {
                let month = format!("{} {}", text(lang, "data_for"), cx.view.month.label(lang));
                ui.label(egui::RichText::new(month).small().color(theme.text_muted.egui()));
            }
            if cube.demo_data {
                super::badge(ui, text(lang, "demo"), theme.alert_orange.egui(), theme);
            }
            // A source later than its schedule: the figures may miss its latest rows.
            if let Some(late) = cx.store.link.as_ref().and_then(|l| szjy_model::protocol::delay_badge(&l.pulls, lang)) {
                super::badge(ui, &format!("● {late}"), theme.alert_orange.egui(), theme);
            }
        });
    });
}

/// "12月5日 周六 09:53" / "Sat 5 Dec 09:53".
pub fn clock_label(now: DateTime<FixedOffset>, lang: szjy_model::lang::Lang) -> String {
    let weekday = text(lang, "weekdays").split(',').nth(now.weekday().num_days_from_monday() as usize).unwrap_or_default();
    lang.pick(
        &format!("{}月{}日 {weekday} {}", now.month(), now.day(), now.format("%H:%M")),
        &format!("{weekday} {} {}", now.format("%-d %b"), now.format("%H:%M")),
    )
    .to_string()
}

/// The link's state in words a room reads: down, and since the data on show was published.
fn stale_label(link: Option<&Link>, lang: szjy_model::lang::Lang) -> String {
    let beijing = crate::shared::clock::beijing();
    let updated = link
        .and_then(|l| l.version.as_ref())
        .map(|v| format!(" · {} {}", text(lang, "updated_at"), v.built_at.with_timezone(&beijing).format("%m-%d %H:%M")))
        .unwrap_or_default();
    format!("● {}{updated}", text(lang, "stale"))
}

/// A headline figure: its name and period, the value in key type with its unit smaller,
/// then progress against the yearly target or the changes.
fn hero(root: &mut egui::Ui, cx: &PanelContext, rect: egui::Rect, headline: &Headline, marks: &str) {
    let (theme, lang, sizes) = (cx.theme, cx.lang(), &cx.sizes);
    root.painter().rect(rect, 6, theme.panel.egui(), egui::Stroke::new(1.0, theme.panel_border.egui()), egui::StrokeKind::Inside);
    let inner = rect.shrink2(egui::vec2(14.0, 8.0));
    let mut ui = cell(root, inner, egui::Layout::top_down(egui::Align::LEFT));
    ui.spacing_mut().item_spacing.y = 2.0;
    let f = &headline.figure;
    // The banner gives the month; a figure for another period (the year so far, a
    // quarter) says which.
    let mut name = kinds::filtered_name(f.measure, f.category.as_deref(), lang);
    if f.period != cx.view.month {
        name += &format!(" · {}", f.period.label(lang));
    }
    // The marks of its footnotes, in the accent colour so they are seen from the room.
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        ui.label(egui::RichText::new(name).color(theme.text_muted.egui()));
        if !marks.is_empty() {
            ui.label(egui::RichText::new(marks).color(theme.accent.egui()));
        }
    });
    match f.value {
        Lookup::Value(v) => {
            let formatted = format_value(f.measure.id, v, lang);
            let (number, unit) = split_unit(&formatted);
            let response = ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 4.0;
                let value = ui.label(egui::RichText::new(number).size(sizes.key).strong().color(theme.text.egui()));
                ui.label(egui::RichText::new(unit).size(sizes.body).color(theme.text.egui()));
                value.rect
            });
            cx.report.borrow_mut().key_figures.push(SizedBox { rect: response.inner.into(), size: sizes.key });
        }
        // No number: a dash at the figure's size; its footnote says why.
        Lookup::Suppressed | Lookup::Missing => {
            ui.label(egui::RichText::new("—").size(sizes.key).color(theme.text_muted.egui()));
        }
    }
    match headline.progress {
        Some(progress) => {
            let bar = ui.allocate_exact_size(egui::vec2(ui.available_width(), 10.0), egui::Sense::hover()).0;
            ui.painter().rect_filled(bar, 3, theme.background.egui());
            let done = bar.left() + bar.width() * (progress.done / 100.0).clamp(0.0, 1.0) as f32;
            let ahead = progress.done >= progress.pace;
            let fill = if ahead { theme.good } else { theme.bad };
            ui.painter().rect_filled(egui::Rect::from_min_max(bar.min, egui::pos2(done, bar.bottom())), 3, fill.egui());
            // The calendar's mark: where the bar would end on pace.
            let pace = bar.left() + bar.width() * (progress.pace / 100.0).clamp(0.0, 1.0) as f32;
            ui.painter().vline(pace, bar.y_range().expand(4.0), egui::Stroke::new(2.0, theme.text.egui()));
            let words =
                format!("{} {:.1}% · {} {:.1}%", text(lang, "progress_done"), progress.done, text(lang, "calendar_pace"), progress.pace);
            ui.label(egui::RichText::new(words).small().color(fill.egui()));
        }
        None => {
            // One change, the year-on-year where there is one: what a leader asks first.
            let change = [("yoy", f.change_on_year), ("mom", f.change_on_previous)].into_iter().find_map(|(k, c)| Some((k, c?)));
            if let Some((key, change)) = change {
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(text(lang, key)).small().color(theme.text_muted.egui()));
                    ui.label(kinds::change_text(change, f.measure, cx).small());
                });
            }
        }
    }
}

/// A formatted value's number and its unit ("1.96万人" → "1.96", "万人").
pub fn split_unit(formatted: &str) -> (&str, &str) {
    let end = formatted.find(|c: char| !(c.is_ascii_digit() || ".,-+".contains(c))).unwrap_or(formatted.len());
    (&formatted[..end], formatted[end..].trim_start())
}

fn columns(root: &mut egui::Ui, cx: &PanelContext, panels: &[Panel], contents: &[Content], rects: &[egui::Rect]) {
    for ((panel, rect), content) in panels.iter().zip(rects).zip(contents.iter().map(Some).chain(std::iter::repeat(None))) {
        super::panel_frame(root, cx, panel, content, *rect);
    }
}

/// The ticker: its label and page, then as many alerts as fit its stretches between
/// seams; the wall's page clock turns the pages.
fn ticker(root: &mut egui::Ui, cx: &PanelContext, frame: &WallFrame, alerts: &[kinds::TickerItem]) {
    let (theme, lang) = (cx.theme, cx.lang());
    let Some(first) = frame.ticker_spans.first() else { return };
    let body = egui::FontId::proportional(cx.sizes.body);
    let painter = root.painter().clone();
    let label_text = |page: usize, pages: usize| {
        if alerts.is_empty() {
            text(lang, "alert_ticker").to_string()
        } else {
            format!(
                "{} {page}/{pages} · {}",
                text(lang, "alert_ticker"),
                text(lang, "items_total").replace("{n}", &alerts.len().to_string())
            )
        }
    };
    // The label's room: as wide as it can get (the most pages it could show).
    let widest_label = label_text(alerts.len().max(1), alerts.len().max(1));
    let label_width = painter.layout_no_wrap(widest_label, body.clone(), theme.accent.egui()).size().x + 24.0;
    const DOT: f32 = 22.0;
    let widths: Vec<f32> =
        alerts.iter().map(|a| DOT + painter.layout_no_wrap(a.text.clone(), body.clone(), theme.text.egui()).size().x).collect();
    let slots: Vec<egui::Rect> = std::iter::once(egui::Rect::from_min_max(egui::pos2(first.left() + label_width, first.top()), first.max))
        .chain(frame.ticker_spans.iter().skip(1).copied())
        .collect();
    let pages = wall_frame::flow(&widths, &slots.iter().map(|s| s.width()).collect::<Vec<_>>(), 36.0);
    let page = cx.page % pages.len();
    let mut ui = cell(root, *first, egui::Layout::left_to_right(egui::Align::Center));
    ui.label(egui::RichText::new(label_text(page + 1, pages.len())).strong().color(theme.accent.egui()));
    if alerts.is_empty() {
        ui.label(egui::RichText::new(text(lang, "no_alerts")).color(theme.text_muted.egui()));
        return;
    }
    // Painted where the flow put them, so what was measured is what is drawn.
    for placed in &pages[page] {
        let slot = slots[placed.slot];
        let (left, middle) = (slot.left() + placed.x, slot.center().y);
        let alert = &alerts[placed.item];
        painter.circle_filled(egui::pos2(left + 7.0, middle), 7.0, theme.alert_colour(alert.level).egui());
        let galley = painter.layout_no_wrap(alert.text.clone(), body.clone(), theme.text.egui());
        painter.galley(egui::pos2(left + DOT, middle - galley.size().y / 2.0), galley, theme.text.egui());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_into_number_and_unit() {
        assert_eq!(split_unit("1.96万人"), ("1.96", "万人"));
        assert_eq!(split_unit("1.01%"), ("1.01", "%"));
        assert_eq!(split_unit("1.16"), ("1.16", ""));
        assert_eq!(split_unit("19,600 persons"), ("19,600", "persons"));
        assert_eq!(split_unit("-74人"), ("-74", "人"));
    }

    #[test]
    fn the_clock_reads_in_beijing_time_in_both_languages() {
        let beijing = crate::shared::clock::beijing();
        let utc = chrono::DateTime::parse_from_rfc3339("2026-12-05T01:53:00Z").unwrap();
        let now = utc.with_timezone(&beijing);
        assert_eq!(clock_label(now, szjy_model::lang::Lang::Zh), "12月5日 周六 09:53");
        assert_eq!(clock_label(now, szjy_model::lang::Lang::En), "Sat 5 Dec 09:53");
    }
}
