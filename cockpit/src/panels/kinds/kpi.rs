//! KPI tiles: each measure's value with its changes on the previous period and year.

use bevy_egui::egui;
use szjy_model::catalogue::{Direction, MeasureDef};
use szjy_model::cube::{Cube, Lookup};
use szjy_model::interpret::format_value;

use super::{filtered_name, provenance, PanelBody, PanelContext};
use crate::shared::figures::{self, Change, Figure};
use crate::shared::text::text;
use crate::shared::view::View;

pub struct Kpi(pub Vec<Figure>);

pub fn prepare(cube: &Cube, view: &View, measures: &[String]) -> Kpi {
    Kpi(measures.iter().filter_map(|m| figures::figure(cube, m, view.region, view.month, view.category.as_deref())).collect())
}

impl PanelBody for Kpi {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext) {
        kpi_tiles(ui, cx, &self.0);
    }
}

/// Change arrows: ▲/▼ with the amount (percentage points for rates), coloured by
/// whether the change is good news.
pub fn change_text(change: Change, def: &MeasureDef, cx: &PanelContext) -> egui::RichText {
    let c = change.amount();
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
    egui::RichText::new(change.label(cx.lang())).color(color)
}

fn kpi_tiles(ui: &mut egui::Ui, cx: &PanelContext, figures: &[Figure]) {
    let (theme, lang) = (cx.theme, cx.lang());
    let columns = 2;
    let width = (ui.available_width() - 8.0) / columns as f32;
    let rows = figures.len().div_ceil(columns).max(1);
    let height = (ui.available_height() - 8.0 * (rows - 1) as f32) / rows as f32;
    // Changes share a line where they fit the tile, else one line each ("个百分点" is
    // long); tiles then shrink their type to fit: name, value, changes (and the period
    // when there is room) must all show.
    let small = egui::FontId::proportional(cx.sizes.small);
    let width_of = |text: String| ui.painter().layout_no_wrap(text, small.clone(), egui::Color32::WHITE).size().x;
    let change_words = |f: &Figure| {
        let label = |c: Option<Change>| c.map_or("—".to_string(), |c| c.label(lang));
        format!("{} {}  {} {}", text(lang, "mom"), label(f.change_on_previous), text(lang, "yoy"), label(f.change_on_year))
    };
    let inside = width - 16.0;
    let split_changes = figures.iter().any(|f| width_of(change_words(f)) > inside);
    // A long name takes two lines.
    let body = egui::FontId::proportional(cx.sizes.body);
    // A figure over incomplete parts carries a mark; its tooltip says what is missing.
    let name_of = |f: &Figure| {
        let name = filtered_name(f.measure, f.category.as_deref(), lang);
        if f.gaps.is_some() {
            format!("{name} {}", figures::INCOMPLETE_MARK)
        } else {
            name
        }
    };
    let long_name = figures.iter().any(|f| ui.painter().layout_no_wrap(name_of(f), body.clone(), egui::Color32::WHITE).size().x > inside);
    let line = cx.sizes.body * 1.3;
    let lines = [split_changes, long_name].iter().filter(|&&more| more).count() as f32 + 2.0;
    // The widest value fits the tile's width on one line at the size every tile uses.
    let key = egui::FontId::proportional(cx.sizes.key);
    let widest = figures
        .iter()
        .filter_map(|f| {
            f.value
                .value()
                .map(|v| ui.painter().layout_no_wrap(format_value(f.measure.id, v, lang), key.clone(), egui::Color32::WHITE).size().x)
        })
        .fold(0.0, f32::max);
    let fits_width = if widest > inside { cx.sizes.key * inside / widest } else { cx.sizes.key };
    // Whole points: every distinct size is another set of glyphs in egui's atlas.
    // 1.3: a line of type with egui's leading; 16: the tile's margins and item spacing.
    let value_size = cx.sizes.key.min(fits_width).min((height - lines * line - 16.0) / 1.3).max(cx.sizes.body).floor();
    let show_period = height >= value_size * 1.3 + (lines + 1.0) * line + 16.0;
    egui::Grid::new("kpi").num_columns(columns).spacing([8.0, 8.0]).show(ui, |ui| {
        for (i, f) in figures.iter().enumerate() {
            let (rect, response) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
            ui.painter().rect_filled(rect, 4, theme.background.egui());
            let mut tile =
                ui.new_child(egui::UiBuilder::new().max_rect(rect.shrink(6.0)).layout(egui::Layout::top_down(egui::Align::LEFT)));
            tile.set_clip_rect(rect.intersect(ui.clip_rect()));
            tile.spacing_mut().item_spacing.y = 1.0;
            tile.label(egui::RichText::new(name_of(f)).color(theme.text_muted.egui()));
            // `format_value` writes the unit (a unitless ratio has none). A hidden or
            // missing value says so in body type, not as a headline number.
            let value = match f.value {
                Lookup::Value(v) => {
                    egui::RichText::new(format_value(f.measure.id, v, lang)).size(value_size).strong().color(theme.text.egui())
                }
                Lookup::Suppressed => egui::RichText::new(text(lang, "suppressed")).color(theme.text_muted.egui()),
                Lookup::Missing => egui::RichText::new(text(lang, "no_data")).color(theme.text_muted.egui()),
            };
            // A number is sized to fit on one line; words wrap.
            let wrap = if f.value.value().is_some() { egui::TextWrapMode::Extend } else { egui::TextWrapMode::Wrap };
            tile.add(egui::Label::new(value).wrap_mode(wrap));
            let muted = |word: &str| egui::RichText::new(word).small().color(theme.text_muted.egui());
            let on_previous = |ui: &mut egui::Ui| {
                if let Some(change) = f.change_on_previous {
                    ui.label(muted(text(lang, "mom")));
                    ui.label(change_text(change, f.measure, cx).small());
                }
            };
            let on_year = |ui: &mut egui::Ui| {
                ui.label(muted(text(lang, "yoy")));
                match f.change_on_year {
                    Some(change) => ui.label(change_text(change, f.measure, cx).small()),
                    None => ui.label(muted("—")),
                };
            };
            if split_changes {
                tile.horizontal(on_previous);
                tile.horizontal(on_year);
            } else {
                tile.horizontal(|ui| {
                    on_previous(ui);
                    on_year(ui);
                });
            }
            if show_period {
                tile.label(egui::RichText::new(f.period.label(lang)).small().color(theme.text_muted.egui()));
            }
            let mut hover = provenance(f.measure, cx.rules(), f.period, lang);
            if let Some(gaps) = &f.gaps {
                hover = format!("{} {}\n{hover}", figures::INCOMPLETE_MARK, gaps.describe(lang));
            }
            response.on_hover_text(hover);
            if i % columns == columns - 1 {
                ui.end_row();
            }
        }
    });
}
