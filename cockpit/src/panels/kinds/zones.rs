//! 服务区: the zones within the view's region and their standing against the targets: 达标
//! or 未达标 for a year that has ended and the zone was open throughout; otherwise 进度
//! against targets pro-rated to the part of the year covered, never 达标.

use bevy_egui::egui;
use szjy_model::cube::{Cube, ZoneStatus};
use szjy_model::region::RegionTree;

use super::{nothing, PanelBody, PanelContext};
use crate::panels::pager;
use crate::shared::text::text;
use crate::shared::view::View;

pub struct Zones(Vec<ZoneStatus>);

/// The view year's zones within the view's region, those behind their targets first.
pub fn prepare(cube: &Cube, view: &View) -> Zones {
    let year = view.month.year();
    let mut list: Vec<ZoneStatus> =
        cube.zones.iter().filter(|z| z.year == year && RegionTree::shandong().is_within(z.county, view.region)).cloned().collect();
    list.sort_by(|a, b| a.on_target.cmp(&b.on_target).then(a.zone_id.cmp(&b.zone_id)));
    Zones(list)
}

impl PanelBody for Zones {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext) {
        zones(ui, cx, &self.0);
    }
}

fn zones(ui: &mut egui::Ui, cx: &PanelContext, list: &[ZoneStatus]) {
    let (theme, lang) = (cx.theme, cx.lang());
    if list.is_empty() {
        return nothing(ui, cx, "no_zones");
    }
    // Rows of words rather than a grid of columns, so nothing runs past a narrow panel:
    // a page at a time on the wall, scrolled on the desk.
    let width = ui.available_width();
    let heights: Vec<f32> = list
        .iter()
        .map(|z| {
            let small = egui::FontId::proportional(cx.sizes.small);
            let figures = crate::panels::broken_lines(ui.painter(), &zone_figures(z, lang), &small, width);
            let figures = ui.painter().layout_no_wrap(figures, small, theme.text.egui()).size().y;
            cx.sizes.body * 1.35 + figures + 8.0
        })
        .collect();
    if cx.wall {
        return pager::rows(ui, cx, "zones", &heights, |ui, i| zone_row(ui, cx, &list[i]));
    }
    egui::ScrollArea::vertical().id_salt("zones").show(ui, |ui| list.iter().for_each(|z| zone_row(ui, cx, z)));
}

/// A zone: its name and standing; then its figures against the targets.
fn zone_row(ui: &mut egui::Ui, cx: &PanelContext, z: &ZoneStatus) {
    let (theme, lang) = (cx.theme, cx.lang());
    ui.spacing_mut().item_spacing.y = 2.0;
    ui.horizontal(|ui| {
        let word = standing(z);
        let color = if z.on_target { theme.good } else { theme.bad };
        ui.label(egui::RichText::new(text(lang, word)).color(color.egui()).strong());
        ui.add(egui::Label::new(egui::RichText::new(&z.name).color(theme.text.egui())).wrap_mode(egui::TextWrapMode::Extend));
    });
    crate::panels::wrapped_label(ui, &zone_figures(z, lang), cx.sizes.small, theme.text_muted.egui());
}

/// The word for a zone's year: 达标 or 未达标 once evaluated, 进度正常 or 进度落后 before.
fn standing(z: &ZoneStatus) -> &'static str {
    match (z.evaluated, z.on_target) {
        (true, true) => "met",
        (true, false) => "not_met",
        (false, true) => "on_pace",
        (false, false) => "behind_pace",
    }
}

/// A zone's figures against its targets, in one line of words (with the share of the
/// year the targets are pro-rated to, before the year is evaluated).
fn zone_figures(z: &ZoneStatus, lang: szjy_model::lang::Lang) -> String {
    let share = if z.evaluated {
        String::new()
    } else {
        format!(" · {}", text(lang, "targets_share").replace("{}", &format!("{:.0}%", z.share_of_year * 100.0)))
    };
    format!(
        "{} {}/{} · {} {}/{} · {} {}/{}{share}",
        text(lang, "services"),
        z.services,
        z.services_target,
        text(lang, "records"),
        z.valid_records,
        z.records_target,
        text(lang, "functions"),
        z.functions_used,
        z.functions_target
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use szjy_model::period::Period;

    fn zone(id: &str, county: u32, year: i32, on_target: bool) -> ZoneStatus {
        ZoneStatus {
            zone_id: id.into(),
            name: id.into(),
            kind: "community".into(),
            county,
            year,
            evaluated: true,
            share_of_year: 1.0,
            services: 0,
            services_target: 0,
            valid_records: 0,
            records_target: 0,
            functions_used: 0,
            functions_target: 0,
            on_target,
        }
    }

    #[test]
    fn only_an_evaluated_year_says_met() {
        let mut z = zone("Z1", 370102, 2025, true);
        assert_eq!(standing(&z), "met");
        (z.evaluated, z.share_of_year) = (false, 0.5);
        assert_eq!(standing(&z), "on_pace");
        assert!(zone_figures(&z, szjy_model::lang::Lang::Zh).ends_with(" · 目标按50%折算"));
        z.on_target = false;
        assert_eq!(standing(&z), "behind_pace");
    }

    #[test]
    fn the_view_years_zones_within_the_region_behind_their_targets_first() {
        let mut cube = Cube::new(chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(), true);
        cube.zones = vec![
            zone("Z2", 370102, 2025, true),
            zone("Z1", 370103, 2025, true),
            zone("Z3", 370102, 2025, false),
            zone("Z4", 370102, 2024, false),
            zone("Z5", 370202, 2025, false),
        ];
        let Zones(list) = prepare(&cube, &super::super::view_at(370100, Period::month(2025, 12)));
        assert_eq!(list.iter().map(|z| z.zone_id.as_str()).collect::<Vec<_>>(), vec!["Z3", "Z1", "Z2"]);
    }
}
