//! A table: the map focus's children, one row each, one column per measure.

use bevy_egui::egui;
use szjy_model::catalogue::MeasureDef;
use szjy_model::cube::{Cube, Lookup};
use szjy_model::interpret::format_value;
#[cfg(test)]
use szjy_model::lang::Lang;
use szjy_model::region::RegionTree;

use super::{filtered_name, PanelBody, PanelContext};
use crate::shared::figures;
use crate::shared::view::View;

#[derive(Debug, PartialEq)]
pub struct Table {
    columns: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

/// The children of the map's focus, one row each, one column per measure.
pub fn prepare(cube: &Cube, view: &View, measures: &[String]) -> Table {
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
            (child.name(lang).to_string(), cells)
        })
        .collect();
    Table { columns: defs.iter().map(|d| filtered_name(d, view.category.as_deref(), lang)).collect(), rows }
}

impl PanelBody for Table {
    fn show(&self, ui: &mut egui::Ui, _cx: &PanelContext) {
        show_table(ui, &self.columns, &self.rows);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use szjy_model::cube::{flags, TOTAL};
    use szjy_model::period::Period;
    use szjy_model::region::PROVINCE;

    #[test]
    fn a_row_per_child_with_hidden_and_missing_cells_marked() {
        let june = Period::month(2025, 6);
        let mut cube = Cube::new(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), true);
        cube.insert("new_urban_jobs", 370100, june, TOTAL, 1200.0, 0);
        cube.insert("new_urban_jobs", 370200, june, TOTAL, 3.0, flags::SUPPRESSED_PRIMARY);
        // A public cube keeps a hidden cell's flags, not its value.
        cube.cells.last_mut().unwrap().value = None;
        let table = prepare(&cube, &super::super::view_at(PROVINCE, june), &["new_urban_jobs".to_string()]);
        assert_eq!(table.columns, vec![szjy_model::catalogue::measure("new_urban_jobs").unwrap().name_zh.to_string()]);
        assert_eq!(table.rows.len(), 16, "one row per city");
        assert_eq!(table.rows[0], ("济南市".to_string(), vec![format_value("new_urban_jobs", 1200.0, Lang::Zh)]));
        assert_eq!(table.rows[1].1, vec!["*".to_string()], "a hidden cell");
        assert_eq!(table.rows[2].1, vec!["—".to_string()], "a missing cell");
    }
}
