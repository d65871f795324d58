//! 就业帮扶: the key groups the view's alerts push support to, and the measures.

use bevy_egui::egui;
use szjy_model::cube::Cube;
use szjy_model::indicator;

use super::{nothing, PanelBody, PanelContext};
use crate::panels::pager;
use crate::shared::text::text;
use crate::shared::view::View;

pub struct Support(Vec<SupportLine>);

struct SupportLine {
    group: String,
    measures: String,
    /// The indicators whose alerts call for it.
    because: String,
}

/// The key groups the view's alerts push support to, in the configuration's order.
pub fn prepare(cube: &Cube, view: &View) -> Support {
    let lang = view.lang;
    let alerts = indicator::alerts_within(cube, view.region, view.month);
    Support(
        cube.warning
            .support_for(alerts)
            .into_iter()
            .map(|(group, by)| SupportLine {
                group: lang.pick(&group.group, &group.name_en).clone(),
                measures: lang.pick(&group.measures_zh, &group.measures_en).join(lang.pick("、", "; ")),
                because: by.iter().map(|i| i.name(lang)).collect::<Vec<_>>().join(lang.pick("、", ", ")),
            })
            .collect(),
    )
}

impl PanelBody for Support {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext) {
        support(ui, cx, &self.0);
    }
}

fn support(ui: &mut egui::Ui, cx: &PanelContext, lines: &[SupportLine]) {
    let (theme, lang) = (cx.theme, cx.lang());
    if lines.is_empty() {
        return nothing(ui, cx, "no_support_needed");
    }
    if cx.wall {
        // Rows as tall as their wrapped text.
        let width = ui.available_width();
        let painter = ui.painter();
        let heights: Vec<f32> = lines
            .iter()
            .map(|line| {
                let body = egui::FontId::proportional(cx.sizes.body);
                let group = painter.layout(line.group.clone(), body.clone(), theme.text.egui(), width).size().y;
                let measures = crate::panels::broken_lines(painter, &line.measures, &body, width);
                let measures = painter.layout_no_wrap(measures, body, theme.text.egui()).size().y;
                group + measures + 3.0 * ui.spacing().item_spacing.y + 4.0
            })
            .collect();
        return pager::rows(ui, cx, "support", &heights, |ui, i| {
            ui.label(egui::RichText::new(&lines[i].group).strong().color(theme.accent.egui()));
            crate::panels::wrapped_label(ui, &lines[i].measures, cx.sizes.body, theme.text.egui());
        });
    }
    egui::ScrollArea::vertical().id_salt("support").show(ui, |ui| {
        for line in lines {
            ui.label(egui::RichText::new(&line.group).strong().color(theme.accent.egui())).on_hover_text(format!(
                "{}：{}",
                text(lang, "triggered_by"),
                line.because
            ));
            ui.label(&line.measures);
            ui.add_space(4.0);
        }
    });
}
