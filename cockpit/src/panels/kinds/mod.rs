//! The body of each panel kind, one module each. A kind's `prepare` computes what the
//! panel shows from the cube (no egui: tested on hand-made cubes) when the view or the
//! cube changes; its content's [`PanelBody::show`] only paints it, each frame. A new kind
//! is a module, a variant in `scene::PanelKind` and an arm in [`prepare`].
//!
//! Numbers come from [`crate::shared::figures`]; every number shows its unit, and its
//! definition (口径) and lineage on hover.

mod alerts;
mod indicator_trend;
mod interpretation;
mod kpi;
mod policy;
mod ranking;
mod shortage_list;
mod support;
mod table;
mod trend;
mod zones;

use bevy_egui::egui;
use szjy_model::catalogue::{MeasureDef, Topic};
use szjy_model::cube::Cube;
use szjy_model::lang::Lang;
use szjy_model::period::Period;
use szjy_model::rules::MeasureRules;

pub use alerts::{ticker_items, TickerItem};
pub use kpi::change_text;

use super::PanelContext;
use crate::shared::figures;
use crate::shared::scene::{PanelKind, Scenes};
use crate::shared::text::text;
use crate::shared::view::View;

/// What one panel shows for the current view, ready to paint.
pub trait PanelBody: Send + Sync {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext);
}

/// A panel's content, computed from the cube when the view or the cube changes (see
/// [`super::PanelContents`]); drawing it each frame only lays it out.
pub type Content = Box<dyn PanelBody>;

pub fn prepare(cube: &Cube, view: &View, scenes: &Scenes, topic: Topic, kind: &PanelKind) -> Content {
    match kind {
        PanelKind::Kpi { measures } => Box::new(kpi::prepare(cube, view, measures)),
        PanelKind::Trend { measures, months } => Box::new(trend::prepare(cube, view, measures, *months)),
        PanelKind::Ranking { measure, by, top, bottom } => {
            Box::new(ranking::prepare(cube, view, measure, *by, figures::Ends { top: *top, bottom: *bottom }))
        }
        PanelKind::Table { measures } => Box::new(table::prepare(cube, view, measures)),
        PanelKind::ShortageList { top } => Box::new(shortage_list::prepare(cube, view, *top)),
        PanelKind::Interpretation => Box::new(interpretation::prepare(cube, view, scenes, topic)),
        PanelKind::Alerts { categories } => Box::new(alerts::prepare(cube, view, categories)),
        PanelKind::IndicatorTrend { months } => Box::new(indicator_trend::prepare(cube, view, *months)),
        PanelKind::Support => Box::new(support::prepare(cube, view)),
        PanelKind::Zones => Box::new(zones::prepare(cube, view)),
        PanelKind::Policy => Box::new(policy::prepare(cube, policy::Part::Headline)),
        PanelKind::EventStudy => Box::new(policy::prepare(cube, policy::Part::EventStudy)),
        PanelKind::PolicyTrends => Box::new(policy::prepare(cube, policy::Part::GroupTrends)),
    }
}

fn measure_name(def: &MeasureDef, lang: Lang) -> String {
    def.name(lang).to_string()
}

/// A measure's name with the category filter's, where the filter applies to it.
pub(crate) fn filtered_name(def: &MeasureDef, category: Option<&str>, lang: Lang) -> String {
    match figures::applied_category(def, category) {
        Some(category) => format!("{} · {}", measure_name(def, lang), figures::category_label(category, lang)),
        None => measure_name(def, lang),
    }
}

/// The hover text of a number: its definition (口径), where the definition comes from
/// (口径来源) and where the number comes from.
fn provenance(def: &MeasureDef, rules: &MeasureRules, period: Period, lang: Lang) -> String {
    let (definition, lineage) = (def.definition(rules, lang), def.lineage);
    format!(
        "{}：{definition}\n{}：{}\n{}：{lineage}\n{}：{}",
        text(lang, "definition"),
        text(lang, "basis"),
        def.basis.describe(lang),
        text(lang, "source"),
        text(lang, "period"),
        period.label(lang)
    )
}

/// A muted line saying there is nothing to show (no data, no alerts, …).
fn nothing(ui: &mut egui::Ui, cx: &PanelContext, key: &str) {
    ui.label(egui::RichText::new(text(cx.lang(), key)).color(cx.theme.text_muted.egui()));
}

/// A view of `region` at `month`, in Chinese, for the kinds' tests.
#[cfg(test)]
fn view_at(region: szjy_model::region::Adcode, month: Period) -> View {
    View {
        topic: 0,
        region,
        month,
        theme: 0,
        lang: Lang::Zh,
        playing: false,
        category: None,
        filters_open: false,
        indicator: None,
        highlight: None,
    }
}
