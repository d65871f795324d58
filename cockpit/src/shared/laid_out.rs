//! What the page laid out in its last pass: each panel's rectangle beside the size its
//! content took, how many pages a paged panel has, and where the key figures and charts
//! are. The capture writes it beside each screenshot, so tests check from the boxes that
//! nothing is cut and type is large enough, in any view.

use bevy::prelude::*;
use bevy_egui::egui;
use serde::Serialize;

#[derive(Resource, Clone, Debug, Default, Serialize)]
pub struct LaidOut {
    pub panels: Vec<PanelBox>,
    /// Headline values (rectangles in points, and their text size).
    pub key_figures: Vec<SizedBox>,
    /// Charts' plot areas with their axes, where axis-size text may be.
    pub charts: Vec<Bounds>,
    /// The wall page's blocks (banner cells, headline figures, panels, the map, its legend,
    /// the caption, the ticker): every text belongs inside one.
    pub blocks: Vec<Bounds>,
}

/// A rectangle in egui points: left, top, right, bottom.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Bounds(pub [f32; 4]);

impl From<egui::Rect> for Bounds {
    fn from(r: egui::Rect) -> Self {
        Bounds([r.left(), r.top(), r.right(), r.bottom()])
    }
}

impl Bounds {
    pub fn rect(self) -> egui::Rect {
        egui::Rect::from_min_max(egui::pos2(self.0[0], self.0[1]), egui::pos2(self.0[2], self.0[3]))
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PanelBox {
    pub title: String,
    /// Where the panel's content may go.
    pub rect: Bounds,
    /// What its content took: larger than `rect` means it was cut.
    pub content: Bounds,
    /// Pages the content is shown in, one at a time (1: it all fits).
    pub pages: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct SizedBox {
    pub rect: Bounds,
    pub size: f32,
}

impl LaidOut {
    /// Panels whose content took more room than they have (a point's tolerance).
    pub fn cut_panels(&self) -> impl Iterator<Item = &PanelBox> {
        self.panels.iter().filter(|p| {
            let (rect, content) = (p.rect.rect().expand(0.5), p.content.rect());
            !rect.contains_rect(content)
        })
    }
}
