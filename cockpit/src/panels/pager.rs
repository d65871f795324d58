//! Lists on the wall page themselves instead of scrolling (nobody scrolls a wall): as many
//! rows as fit, the page the wall's page clock is on, and "2/3 · 共47条" in the panel's
//! title row. On the desk a list scrolls.

use std::ops::Range;

use bevy_egui::egui;

use super::PanelContext;
use crate::shared::text::text;

/// Packs rows of these heights, in order, into pages at most `room` tall; a row taller
/// than the room gets a page of its own.
pub fn pages(heights: &[f32], room: f32) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut used) = (0, 0.0);
    for (i, h) in heights.iter().enumerate() {
        if i > start && used + h > room {
            out.push(start..i);
            (start, used) = (i, 0.0);
        }
        used += h;
    }
    if start < heights.len() || out.is_empty() {
        out.push(start..heights.len());
    }
    out
}

/// The rows of a list, each `heights[i]` tall, painted by `row`: on the wall one page of
/// them with the page count under it when there is more than one; on the desk all of
/// them in a scroll area.
pub fn rows(ui: &mut egui::Ui, cx: &PanelContext, id: &str, heights: &[f32], mut row: impl FnMut(&mut egui::Ui, usize)) {
    let width = ui.available_width();
    if !cx.wall {
        egui::ScrollArea::vertical().id_salt(id).show(ui, |ui| {
            for (i, h) in heights.iter().enumerate() {
                row_at(ui, width, *h, i, &mut row);
            }
        });
        return;
    }
    let pages_of = pages(heights, ui.available_height());
    let page = cx.page % pages_of.len();
    cx.paging.set(Paging { page, pages: pages_of.len(), items: heights.len() });
    ui.spacing_mut().item_spacing.y = 0.0;
    for i in pages_of[page].clone() {
        row_at(ui, width, heights[i], i, &mut row);
    }
}

/// Which page of how many a panel shows, of how many items.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Paging {
    pub page: usize,
    pub pages: usize,
    pub items: usize,
}

impl Paging {
    /// "2/3 · 共47条" (none for a single page).
    pub fn label(&self, lang: szjy_model::lang::Lang) -> Option<String> {
        (self.pages > 1)
            .then(|| format!("{}/{} · {}", self.page + 1, self.pages, text(lang, "items_total").replace("{n}", &self.items.to_string())))
    }
}

/// One row in a rectangle of its own; content that does not fit widens what the list
/// took, so the page's check sees it.
fn row_at(ui: &mut egui::Ui, width: f32, height: f32, i: usize, row: &mut impl FnMut(&mut egui::Ui, usize)) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect).layout(egui::Layout::top_down(egui::Align::LEFT)));
    row(&mut child, i);
    ui.expand_to_include_rect(child.min_rect());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_pack_into_pages_in_order() {
        assert_eq!(pages(&[10.0; 5], 25.0), vec![0..2, 2..4, 4..5]);
        assert_eq!(pages(&[10.0; 4], 40.0), vec![0..4]);
        // A row taller than a page still shows, alone.
        assert_eq!(pages(&[10.0, 50.0, 10.0], 30.0), vec![0..1, 1..2, 2..3]);
        assert_eq!(pages(&[], 30.0), vec![0..0]);
    }
}
