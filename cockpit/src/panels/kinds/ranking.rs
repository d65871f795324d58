//! A ranking: the focus region's children, or a measure's breakdown, as bars.

use bevy_egui::egui;
use szjy_model::catalogue::Direction;
use szjy_model::cube::{Cube, TOTAL};
use szjy_model::interpret::format_number;
use szjy_model::period::Period;

use super::{filtered_name, nothing, provenance, PanelBody, PanelContext};
use crate::panels::{chart, pager};
use crate::shared::figures::{self, Bar, Ends};
use crate::shared::scene::RankBy;
use crate::shared::view::View;

pub struct Ranking {
    measure: String,
    /// The category filter, for a ranking of regions (a breakdown shows all categories).
    category: Option<String>,
    period: Period,
    bars: Vec<Bar>,
    /// What the caption says of incomplete parts (the marked bars, or the region whose
    /// breakdown this is), and its details for the hover.
    gaps: Option<(String, String)>,
}

pub fn prepare(cube: &Cube, view: &View, measure: &str, by: RankBy, ends: Ends) -> Ranking {
    let (lang, category) = (view.lang, view.category.as_deref());
    let (period, bars) = match by {
        RankBy::Children => figures::rank_children(cube, measure, view.region, view.month, category, ends, lang),
        RankBy::Dimension(dim) => figures::rank_dimension(cube, measure, view.region, view.month, dim, ends, lang),
    };
    let mark = figures::INCOMPLETE_MARK;
    let gaps = match by {
        RankBy::Children => {
            let marked: Vec<&str> = bars.iter().filter_map(|b| b.gaps.as_deref()).collect();
            let n = marked.len();
            (n > 0).then(|| (lang.pick(format!("{mark} {n}个地区数据不全"), format!("{mark} {n} incomplete")), marked.join("\n")))
        }
        RankBy::Dimension(_) => szjy_model::catalogue::measure(measure)
            .and_then(|def| figures::GapFinder::new(cube).gaps(def, figures::breakdown_region(view.region), period, TOTAL))
            .map(|g| (lang.pick(format!("{mark} 数据不全"), format!("{mark} incomplete")), g.describe(lang))),
    };
    let category = if by == RankBy::Children { view.category.clone() } else { None };
    Ranking { measure: measure.to_string(), category, period, bars, gaps }
}

impl PanelBody for Ranking {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext) {
        caption(ui, cx, &self.measure, self.category.as_deref(), self.period, self.gaps.as_ref());
        if self.bars.is_empty() {
            nothing(ui, cx, "no_data");
        }
        let lang = cx.lang();
        // The caption gives the unit.
        let format = |v| format_number(&self.measure, v, lang);
        // A wall shows short names; the desk the full ones.
        let short: Vec<Bar>;
        let bars = if cx.wall {
            short = self.bars.iter().map(|b| Bar { label: b.short.clone(), ..b.clone() }).collect();
            &short
        } else {
            &self.bars
        };
        let mut scale = chart::BarScale::of(ui, &cx.sizes, bars, &format);
        scale.falls_are_bad = szjy_model::catalogue::measure(&self.measure).is_some_and(|d| d.direction == Direction::HigherIsBetter);
        let heights: Vec<f32> = (0..self.bars.len()).map(|i| scale.row_height(&cx.sizes, i)).collect();
        pager::rows(ui, cx, "ranking", &heights, |ui, i| chart::bar_row(ui, cx.theme, &cx.sizes, (bars, i), &scale, &format));
    }
}

fn caption(ui: &mut egui::Ui, cx: &PanelContext, measure: &str, category: Option<&str>, period: Period, gaps: Option<&(String, String)>) {
    let Some(def) = szjy_model::catalogue::measure(measure) else { return };
    let lang = cx.lang();
    let unit = def.unit(lang);
    let unit = if unit.is_empty() { String::new() } else { lang.pick(format!("（{unit}）"), format!(" ({unit})")) };
    let mut line = format!("{}{unit} · {}", filtered_name(def, category, lang), period.label(lang));
    let mut hover = provenance(def, cx.rules(), period, lang);
    if let Some((note, details)) = gaps {
        line = format!("{line} · {note}");
        hover = format!("{details}\n\n{hover}");
    }
    ui.label(egui::RichText::new(line).small().color(cx.theme.text_muted.egui())).on_hover_text(hover);
}
