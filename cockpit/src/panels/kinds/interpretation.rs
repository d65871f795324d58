//! 数据解读: the interpretation's sentences; a click on one shows the chart it describes.

use bevy_egui::egui;
use szjy_model::catalogue::Topic;
use szjy_model::cube::Cube;
use szjy_model::interpret::{paragraphs, Paragraph};

use super::{PanelBody, PanelContext};
use crate::shared::scene::Scenes;
use crate::shared::text::text;
use crate::shared::view::View;

/// Each sentence, and the topic that charts its measure (see [`chart_topic`]).
pub struct Interpretation(Vec<(Paragraph, Option<usize>)>);

pub fn prepare(cube: &Cube, view: &View, scenes: &Scenes, topic: Topic) -> Interpretation {
    Interpretation(
        paragraphs(cube, topic, view.region, view.month, view.lang)
            .into_iter()
            .map(|p| {
                let target = p.measure.and_then(|m| chart_topic(scenes, view.topic, m));
                (p, target)
            })
            .collect(),
    )
}

impl PanelBody for Interpretation {
    fn show(&self, ui: &mut egui::Ui, cx: &PanelContext) {
        interpretation(ui, cx, &self.0);
    }
}

/// 数据解读, a sentence per paragraph. A click on a sentence shows the chart it describes:
/// this page's panels of its measure outlined, or the first topic that has one.
fn interpretation(ui: &mut egui::Ui, cx: &PanelContext, paragraphs: &[(Paragraph, Option<usize>)]) {
    let lang = cx.lang();
    egui::ScrollArea::vertical().id_salt("interpretation").show(ui, |ui| {
        for (paragraph, topic) in paragraphs {
            let words = egui::RichText::new(&paragraph.text).size(cx.sizes.body);
            match paragraph.measure.zip(*topic) {
                // Walls have no pointer: the text stays plain there.
                Some((measure, topic)) if !cx.wall => {
                    let lit = cx.view.highlight.as_deref() == Some(measure);
                    let words = if lit { words.color(cx.theme.accent.egui()) } else { words };
                    if ui.add(egui::Label::new(words).sense(egui::Sense::click())).on_hover_text(text(lang, "click_sentence")).clicked() {
                        let mut requests = cx.requests.borrow_mut();
                        if topic != cx.view.topic {
                            requests.push(crate::shared::view::ViewCommand::Topic(topic));
                        }
                        requests.push(crate::shared::view::ViewCommand::Highlight(Some(measure.to_string())));
                    }
                }
                _ => {
                    ui.label(words);
                }
            }
            ui.add_space(4.0);
        }
    });
}

/// The topic whose panels show `measure`: the current one if it does, else the first.
fn chart_topic(scenes: &Scenes, current: usize, measure: &str) -> Option<usize> {
    let shows = |i: usize| scenes.0[i].panels().any(|p| p.kind.measures().contains(&measure));
    std::iter::once(current).chain(0..scenes.0.len()).find(|&i| shows(i))
}
