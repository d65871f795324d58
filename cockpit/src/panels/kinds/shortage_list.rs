//! 最缺工排行 in MOHRSS's manner (`szjy_model::shortage_list`): the province's cities as the
//! monitored cities, with MOHRSS's columns 序号, 职业名称, 代码, 需求典型城市, 上期排位.

use bevy_egui::egui;
use szjy_model::cube::Cube;
use szjy_model::lang::Lang;
use szjy_model::region::RegionTree;
use szjy_model::shortage_list;

use super::{nothing, PanelBody, PanelContext};
use crate::panels::pager;
use crate::shared::figures;
use crate::shared::text::text;
use crate::shared::view::View;

#[derive(Debug, PartialEq)]
pub struct ShortageList {
    quarter: szjy_model::Period,
    rows: Vec<Row>,
}

/// One row as drawn: "1. 快递员", its code, its typical cities, its rank a quarter earlier.
#[derive(Debug, PartialEq)]
struct Row {
    name: String,
    code: String,
    typical: String,
    previous: String,
}

/// The list at the view month's last complete quarter, for the province (MOHRSS ranks
/// across monitored cities, so a city or county view shows the province's list too).
pub fn prepare(cube: &Cube, view: &View, top: usize) -> ShortageList {
    let lang = view.lang;
    let quarter = view.month.last_complete_quarter();
    let tree = RegionTree::shandong();
    let rows = shortage_list::list(cube, quarter, top)
        .into_iter()
        .map(|r| Row {
            name: format!("{}. {}", r.rank, figures::category_label(&format!("occ:{}", r.occupation), lang)),
            typical: r
                .typical
                .iter()
                .filter_map(|c| tree.get(*c))
                .map(|c| c.name(lang).trim_end_matches('市').to_string())
                .collect::<Vec<_>>()
                .join(lang.pick("、", ", ")),
            previous: r.previous_rank.map_or_else(|| text(lang, "new_entry").to_string(), |p| p.to_string()),
            code: r.occupation,
        })
        .collect();
    ShortageList { quarter, rows }
}

impl PanelBody for ShortageList {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext) {
        let (theme, sizes, lang) = (cx.theme, &cx.sizes, cx.lang());
        ui.label(egui::RichText::new(caption(self.quarter, lang)).small().color(theme.text_muted.egui()));
        if self.rows.is_empty() {
            return nothing(ui, cx, "no_data");
        }
        let width = ui.available_width();
        // 职业名称 · 代码 · 需求典型城市 · 上期排位.
        let columns = [0.34, 0.2, 0.32, 0.14].map(|share| share * width);
        let line = |ui: &mut egui::Ui, cells: [&str; 4], font: egui::FontId, color: egui::Color32, height: f32| {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
            let painter = ui.painter_at(rect);
            let mut left = rect.left();
            for (k, cell) in cells.iter().enumerate() {
                let galley = painter.layout_no_wrap(cell.to_string(), font.clone(), color);
                // The last column (a rank) is right-aligned; the others start at their left.
                let x = if k == 3 { left + columns[k] - galley.size().x - 4.0 } else { left };
                painter.galley(egui::pos2(x, rect.center().y - galley.size().y / 2.0), galley, color);
                left += columns[k];
            }
        };
        let small = egui::FontId::proportional(sizes.small);
        let headers = ["occupation_name", "code", "typical_cities", "previous_rank"].map(|k| text(lang, k));
        line(ui, headers, small.clone(), theme.text_muted.egui(), sizes.small * 1.5);
        let height = sizes.small * 1.5;
        let row = |ui: &mut egui::Ui, i: usize| {
            let r = &self.rows[i];
            line(ui, [&r.name, &r.code, &r.typical, &r.previous], small.clone(), theme.text.egui(), height);
        };
        if cx.wall {
            pager::rows(ui, cx, "shortage_list", &vec![height; self.rows.len()], row);
        } else {
            egui::ScrollArea::vertical().id_salt("shortage_list").show(ui, |ui| (0..self.rows.len()).for_each(|i| row(ui, i)));
        }
    }
}

/// What the list is: its quarter and its method in one line.
fn caption(quarter: szjy_model::Period, lang: Lang) -> String {
    lang.pick(
        format!("{} · 各市缺口为正的职业，按缺口合计乘报告城市占比排序", quarter.label(lang)),
        format!("{} · occupations with a gap, by total gap × share of cities reporting it", quarter.label(lang)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use szjy_model::period::Period;

    #[test]
    fn rows_name_the_occupation_its_typical_cities_and_its_last_rank() {
        let q = Period::Quarter { year: 2025, quarter: 2 };
        let mut cube = Cube::new(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), false);
        cube.insert("shortage_gap", 370100, q, "occ:4-02-07-08", 30.0, 0);
        cube.insert("shortage_gap", 370200, q, "occ:4-02-07-08", 10.0, 0);
        let list = prepare(&cube, &super::super::view_at(370000, Period::month(2025, 6)), 10);
        assert_eq!(list.rows.len(), 1);
        let row = &list.rows[0];
        assert_eq!((row.code.as_str(), row.typical.as_str(), row.previous.as_str()), ("4-02-07-08", "济南、青岛", "新上榜"));
        assert!(row.name.starts_with("1. "), "{}", row.name);
    }
}
