//! What the map and the page tell each other: the area the panels leave the map, what the
//! map shows now (its measure, values and classes: the legend, the tooltip, the tools
//! read it) and whether the camera has settled.

use std::collections::HashMap;

use bevy::prelude::*;
use bevy_egui::egui;
use szjy_model::cube::Lookup;
use szjy_model::period::Period;
use szjy_model::region::Adcode;

use crate::shared::figures;
use crate::shared::scene::MapScale;
use crate::shared::theme::{Hex, Theme};

/// The part of the window the map may use, in egui points (set by the panels' layout).
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct MapArea(pub egui::Rect);

/// What the map shows now: the measure, its period, each coloured region's value and the
/// class breaks (the legend and the tooltip read this, so they always agree with the fill).
#[derive(Resource, Clone, Debug, Default)]
pub struct Choropleth {
    pub measure: String,
    pub period: Option<Period>,
    pub values: HashMap<Adcode, Lookup>,
    pub breaks: Vec<f64>,
    /// Classes in use (≤ the theme's ramp length).
    pub classes: usize,
    /// The category filter, where it applies to the measure.
    pub category: Option<String>,
    pub scale: MapScale,
}

impl Choropleth {
    /// The ramp index of a value: classes are spread over the whole ramp.
    pub fn ramp_index(&self, value: f64, ramp_len: usize) -> usize {
        let class = figures::class_of(value, &self.breaks);
        if self.classes <= 1 {
            return ramp_len / 2;
        }
        (class * (ramp_len - 1) + (self.classes - 1) / 2) / (self.classes - 1)
    }

    /// The class of a value: quantile classes hold values up to their upper break; alert
    /// levels start at their threshold.
    pub fn class_of(&self, value: f64) -> usize {
        match self.scale {
            MapScale::Quantiles => figures::class_of(value, &self.breaks),
            MapScale::AlertLevels => self.breaks.iter().take_while(|&&b| value >= b).count(),
        }
    }

    /// The fill of a value.
    pub fn colour(&self, value: f64, theme: &Theme) -> Hex {
        match self.scale {
            MapScale::Quantiles => theme.ramp[self.ramp_index(value, theme.ramp.len())],
            MapScale::AlertLevels => theme.alert_scale_colour(self.class_of(value)),
        }
    }
}

/// Whether the camera has reached its goal (the capture waits for it).
#[derive(Resource, Default)]
pub struct CameraSettled(pub bool);
