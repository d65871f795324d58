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
    // Tiles shrink their type to fit small windows: name, value, changes (and the
    // period when there is room) must all show.
    let line = cx.sizes.body * 1.3;
    // Whole points: every distinct size is another set of glyphs in egui's atlas.
    let value_size = cx.sizes.key.min((height - 2.0 * line - 12.0) / 1.25).max(cx.sizes.body).floor();
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
                if let Some(change) = f.change_on_previous {
                    ui.label(egui::RichText::new(text(lang, "mom")).small().color(theme.text_muted.egui()));
                    ui.label(change_text(change, f.measure, cx).small());
                }
                ui.label(egui::RichText::new(text(lang, "yoy")).small().color(theme.text_muted.egui()));
                match f.change_on_year {
                    Some(change) => ui.label(change_text(change, f.measure, cx).small()),
                    None => ui.label(egui::RichText::new("—").small().color(theme.text_muted.egui())),
                };
            });
            if show_period {
                tile.label(egui::RichText::new(f.period.label(lang)).small().color(theme.text_muted.egui()));
            }
            response.on_hover_text(provenance(f.measure, f.period, lang));
            if i % columns == columns - 1 {
                ui.end_row();
            }
        }
    });
}
