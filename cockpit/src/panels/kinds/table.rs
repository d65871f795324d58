//! A table: the map focus's children, one row each, one column per measure.

use bevy_egui::egui;
use szjy_model::catalogue::MeasureDef;
use szjy_model::cube::{Cube, Lookup};
use szjy_model::interpret::format_number;
use szjy_model::region::RegionTree;

use super::{filtered_name, PanelBody, PanelContext};
use crate::panels::pager;
use crate::shared::figures;
use crate::shared::view::View;

#[derive(Debug, PartialEq)]
pub struct Table {
    columns: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    /// How many cells are marked incomplete, and what they are missing, one sentence per
    /// distinct gap.
    marked: usize,
    gaps: Vec<String>,
}

/// The children of the map's focus, one row each, one column per measure.
pub fn prepare(cube: &Cube, view: &View, measures: &[String]) -> Table {
    let lang = view.lang;
    let defs: Vec<&MeasureDef> = measures.iter().filter_map(|m| szjy_model::catalogue::measure(m)).collect();
    let (mut marked, mut gaps) = (0, Vec::<String>::new());
    let rows = RegionTree::shandong()
        .children(view.map_focus())
        .map(|child| {
            let cells = defs
                .iter()
                .map(|def| {
                    let Some(figure) = figures::figure(cube, def.id, child.adcode, view.month, view.category.as_deref()) else {
                        return "—".into();
                    };
                    match (figure.value, figure.gaps) {
                        (Lookup::Value(v), Some(gap)) => {
                            marked += 1;
                            let gap = gap.describe(lang);
                            if !gaps.contains(&gap) {
                                gaps.push(gap);
                            }
                            format!("{}{}", format_number(def.id, v, lang), figures::INCOMPLETE_MARK)
                        }
                        (Lookup::Value(v), None) => format_number(def.id, v, lang),
                        (Lookup::Suppressed, _) => "*".into(),
                        (Lookup::Missing, _) => "—".into(),
                    }
                })
                .collect();
            (child.name(lang).to_string(), cells)
        })
        .collect();
    // The header gives each column's unit once.
    let header = |d: &&MeasureDef| match d.unit(lang) {
        "" => filtered_name(d, view.category.as_deref(), lang),
        unit => lang.pick(
            format!("{}（{unit}）", filtered_name(d, view.category.as_deref(), lang)),
            format!("{} ({unit})", filtered_name(d, view.category.as_deref(), lang)),
        ),
    };
    Table { columns: defs.iter().map(header).collect(), rows, marked, gaps }
}

impl PanelBody for Table {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext) {
        if !self.gaps.is_empty() {
            let lang = cx.lang();
            let (mark, n) = (figures::INCOMPLETE_MARK, self.marked);
            let note = lang.pick(format!("{mark} 标记数据不全（{n}处）"), format!("{mark} marks incomplete figures ({n})"));
            ui.label(egui::RichText::new(note).small().color(cx.theme.text_muted.egui())).on_hover_text(self.gaps.join("\n"));
        }
        column_table(ui, cx, &self.columns, &self.rows);
    }
}

/// A header row, then the rows (a page at a time on the wall, scrolled on the desk),
/// numbers right-aligned in columns of equal width beside the name, so the table always
/// fits its panel's width.
fn column_table(ui: &mut egui::Ui, cx: &PanelContext, columns: &[String], rows: &[(String, Vec<String>)]) {
    let (theme, sizes) = (cx.theme, &cx.sizes);
    let width = ui.available_width();
    let name_width = width * 0.28;
    let cell_width = (width - name_width) / columns.len().max(1) as f32;
    let line = |ui: &mut egui::Ui, name: &str, cells: &[String], strong: bool, font: egui::FontId, height: f32| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
        let color = if strong { theme.text_muted.egui() } else { theme.text.egui() };
        let painter = ui.painter();
        painter.text(egui::pos2(rect.left(), rect.center().y), egui::Align2::LEFT_CENTER, name, font.clone(), color);
        for (k, cell) in cells.iter().enumerate() {
            let right = rect.left() + name_width + cell_width * (k + 1) as f32 - 4.0;
            let lines = crate::panels::broken_lines(painter, cell, &font, cell_width - 8.0);
            let galley = painter.layout_no_wrap(lines, font.clone(), color);
            let at = egui::pos2(right - galley.size().x, rect.center().y - galley.size().y / 2.0);
            painter.galley(at, galley, color);
        }
    };
    // Headers wrap within their column: measure the tallest.
    let header_font = egui::FontId::proportional(sizes.small);
    let header_height = columns
        .iter()
        .map(|c| {
            let lines = crate::panels::broken_lines(ui.painter(), c, &header_font, cell_width - 8.0);
            ui.painter().layout_no_wrap(lines, header_font.clone(), theme.text_muted.egui()).size().y
        })
        .fold(sizes.small * 1.3, f32::max)
        + 6.0;
    line(ui, "", columns, true, header_font, header_height);
    let body = egui::FontId::proportional(sizes.body);
    let height = sizes.body * 1.45;
    let row = |ui: &mut egui::Ui, i: usize| line(ui, &rows[i].0, &rows[i].1, false, body.clone(), height);
    if cx.wall {
        pager::rows(ui, cx, "table", &vec![height; rows.len()], row);
    } else {
        egui::ScrollArea::vertical().id_salt("table").show(ui, |ui| (0..rows.len()).for_each(|i| row(ui, i)));
    }
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
        assert_eq!(table.columns, vec![format!("{}（人）", szjy_model::catalogue::measure("new_urban_jobs").unwrap().name_zh)]);
        assert_eq!(table.rows.len(), 16, "one row per city");
        assert_eq!(table.rows[0], ("济南市".to_string(), vec!["1200".to_string()]));
        assert_eq!(table.rows[1].1, vec!["*".to_string()], "a hidden cell");
        assert_eq!(table.rows[2].1, vec!["—".to_string()], "a missing cell");
        assert!(table.gaps.is_empty() && table.marked == 0);

        // Jinan's registrations were past the quarantine tolerance in June: its cell is
        // marked and the table says why.
        cube.coverage = vec![szjy_model::cube::SourceMonth {
            source: "employment_registrations".into(),
            month: june,
            accepted: 100,
            quarantined: 9,
            unreadable: 0,
            missing: vec![],
            quarantined_in: vec![370100, 370102],
            silent: vec![],
        }];
        szjy_model::completeness::flag_incomplete(&mut cube);
        let table = prepare(&cube, &super::super::view_at(PROVINCE, june), &["new_urban_jobs".to_string()]);
        assert_eq!(table.rows[0].1, vec![format!("1200{}", figures::INCOMPLETE_MARK)]);
        assert_eq!(table.marked, 1);
        assert_eq!(table.gaps, vec!["济南市12个县（市、区）中1个数据不全（历下区；就业登记，2025年6月）".to_string()]);
    }
}
