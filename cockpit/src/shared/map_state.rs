//! What the map and the page tell each other: the area the panels leave the map, what the
//! map shows now (its measure, values and classes: the legend, the tooltip, the tools
//! read it) and whether the camera has settled.

use std::collections::HashMap;

use bevy::prelude::*;
use bevy_egui::egui;
use szjy_model::cube::Lookup;
use szjy_model::lang::Lang;
use szjy_model::period::Period;
use szjy_model::region::{Adcode, Level, RegionTree};

use crate::shared::map_classes::{Classes, Shown};
use crate::shared::scene::MapScale;
use crate::shared::theme::{Hex, Theme};

/// The part of the window the map may use, in egui points (set by the panels' layout).
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct MapArea(pub egui::Rect);

/// What the map shows now: the measure, its period, each coloured region's value and its
/// classes (the legend, the labels, the caption and the tooltip read this, so they always
/// agree with the fill).
#[derive(Resource, Clone, Debug, Default)]
pub struct Choropleth {
    pub measure: String,
    pub period: Option<Period>,
    pub values: HashMap<Adcode, Lookup>,
    /// What the regions computed over incomplete parts are missing, in a sentence.
    pub gaps: HashMap<Adcode, String>,
    pub classes: Classes,
    /// The category filter, where it applies to the measure.
    pub category: Option<String>,
    pub scale: MapScale,
}

impl Choropleth {
    /// The fill of a value.
    pub fn colour(&self, value: f64, theme: &Theme) -> Hex {
        theme.paint(self.classes.paint_of(value))
    }

    /// The sentence that says what the colours say (see [`Classes::describe`]), regions in
    /// adcode order.
    pub fn describe(&self, lang: Lang) -> Option<String> {
        let tree = RegionTree::shandong();
        let mut regions: Vec<(Adcode, f64)> = self.values.iter().filter_map(|(a, v)| Some((*a, v.value()?))).collect();
        regions.sort_by_key(|r| r.0);
        let named: Vec<(&str, f64)> = regions.iter().filter_map(|(a, v)| Some((tree.get(*a)?.name(lang), *v))).collect();
        let shown: Vec<Shown> = named.iter().map(|(name, value)| Shown { name, value: *value }).collect();
        let counties = regions.first().and_then(|(a, _)| tree.get(*a)).is_some_and(|r| r.level == Level::County);
        self.classes.describe(&self.measure, &shown, counties, lang)
    }

    /// The fill of a region's cell (no data and hidden cells alike).
    pub fn fill(&self, lookup: &Lookup, theme: &Theme) -> Hex {
        match lookup {
            Lookup::Value(v) => self.colour(*v, theme),
            _ => theme.no_data,
        }
    }
}

/// Whether the camera has reached its goal (the capture waits for it).
#[derive(Resource, Default)]
pub struct CameraSettled(pub bool);
