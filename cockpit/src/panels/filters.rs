//! The analyst's filter panel (desktop, key F or the header's 筛选 button): the month, the
//! region down to a county, and one category of a key group, industry or occupation.
//! Everything it does goes through [`ViewCommand`]s, like the keys and the map.

use bevy::prelude::*;
use bevy_egui::egui;
use szjy_model::catalogue::{self, DimKind};
use szjy_model::lang::Lang;
use szjy_model::period::Period;
use szjy_model::region::{Adcode, Level, RegionTree, PROVINCE};

use super::PanelContext;
use crate::shared::figures::{applied_category, category_label};
use crate::shared::text::text;
use crate::shared::view::ViewCommand;

/// The dimensions an analyst filters by (subsidy types and sectors are shown as rankings).
const FILTER_DIMENSIONS: [(DimKind, &str); 3] =
    [(DimKind::KeyGroup, "key_group"), (DimKind::Industry, "industry"), (DimKind::Occupation, "occupation")];

pub fn filters(ui: &mut egui::Ui, cx: &PanelContext, commands: &mut MessageWriter<ViewCommand>) {
    let (view, lang) = (cx.view, cx.lang());
    let Some(cube) = cx.store.cube() else { return };
    let label = |key| egui::RichText::new(text(lang, key)).strong().color(cx.theme.text_muted.egui());
    ui.label(egui::RichText::new(text(lang, "filters")).size(cx.sizes.heading).strong().color(cx.theme.accent.egui()));
    ui.add_space(6.0);
    let width = ui.available_width();

    ui.label(label("month"));
    if let Some((first, last)) = cx.store.months {
        let month_label = |p: Period| p.label(lang);
        egui::ComboBox::from_id_salt("filter-month").width(width).selected_text(month_label(view.month)).show_ui(ui, |ui| {
            for index in (first.month_index()..=last.month_index()).rev() {
                let month = Period::from_month_index(index);
                if ui.selectable_label(month == view.month, month_label(month)).clicked() {
                    commands.write(ViewCommand::Month(month));
                }
            }
        });
    }
    ui.add_space(6.0);

    // Region: a city, then one of its counties.
    let city = RegionTree::shandong().path(view.region).iter().find(|r| r.level == Level::City).map(|r| r.adcode);
    ui.label(label("region"));
    let cities = RegionPicker { id: "filter-city", parent: PROVINCE, selected: city, whole: text(lang, "whole_province") };
    region_picker(ui, cities, width, lang, commands);
    if let Some(city) = city {
        let counties = RegionPicker {
            id: "filter-county",
            parent: city,
            selected: (view.region != city).then_some(view.region),
            whole: text(lang, "whole_city"),
        };
        region_picker(ui, counties, width, lang, commands);
    }
    ui.add_space(6.0);

    // One category at a time, of the categories the cube has.
    let current = view.category.as_deref();
    for (dim, key) in FILTER_DIMENSIONS {
        let prefix = format!("{}:", dim.prefix());
        let options: Vec<&str> = cube.dims.iter().map(String::as_str).filter(|d| d.starts_with(&prefix)).collect();
        if options.is_empty() {
            continue;
        }
        let selected = current.filter(|c| c.starts_with(&prefix));
        ui.label(label(key));
        egui::ComboBox::from_id_salt(key)
            .width(width)
            .selected_text(selected.map_or_else(|| text(lang, "all_values").to_string(), |c| category_label(c, lang)))
            .show_ui(ui, |ui| {
                if ui.selectable_label(selected.is_none(), text(lang, "all_values")).clicked() && selected.is_some() {
                    commands.write(ViewCommand::Category(None));
                }
                for option in options {
                    if ui.selectable_label(selected == Some(option), category_label(option, lang)).clicked() {
                        commands.write(ViewCommand::Category(Some(option.to_string())));
                    }
                }
            });
        ui.add_space(4.0);
    }

    ui.add_space(6.0);
    ui.label(egui::RichText::new(text(lang, "one_category")).small().color(cx.theme.text_muted.egui()));
    let Some(category) = current else { return };
    // Which of this page's measures the category filters.
    let scene = &cx.scenes.0[view.topic];
    let filtered: Vec<&str> = scene
        .measure_ids()
        .iter()
        .filter_map(|m| catalogue::measure(m))
        .filter(|def| applied_category(def, Some(category)).is_some())
        .map(|def| def.name(lang))
        .collect();
    ui.add_space(4.0);
    if filtered.is_empty() {
        ui.label(egui::RichText::new(text(lang, "applies_to_none")).small());
    } else {
        ui.label(egui::RichText::new(format!("{}：{}", text(lang, "applies_to"), filtered.join(lang.pick("、", ", ")))).small());
    }
    if ui.button(text(lang, "clear_filter")).clicked() {
        commands.write(ViewCommand::Category(None));
    }
}

/// A drop-down of `parent`'s children, with `parent` itself first (as `whole`);
/// `selected` is the child on show, if any.
struct RegionPicker<'a> {
    id: &'a str,
    parent: Adcode,
    selected: Option<Adcode>,
    whole: &'a str,
}

fn region_picker(ui: &mut egui::Ui, picker: RegionPicker, width: f32, lang: Lang, commands: &mut MessageWriter<ViewCommand>) {
    let RegionPicker { id, parent, selected, whole } = picker;
    let tree = RegionTree::shandong();
    let name = |adcode| tree.get(adcode).map_or(String::new(), |r| r.name(lang).to_string());
    egui::ComboBox::from_id_salt(id).width(width).selected_text(selected.map_or_else(|| whole.to_string(), name)).show_ui(ui, |ui| {
        if ui.selectable_label(selected.is_none(), whole).clicked() {
            commands.write(ViewCommand::Select(parent));
        }
        for child in tree.children(parent) {
            if ui.selectable_label(selected == Some(child.adcode), name(child.adcode)).clicked() {
                commands.write(ViewCommand::Select(child.adcode));
            }
        }
    });
}
