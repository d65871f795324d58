//! The system sets plugins order themselves by, declared here so that no plugin imports
//! another to run before or after it. Each set is configured by the plugin that owns it.
//!
//! A frame: the view takes its commands ([`ViewSystems`]), the map follows the view
//! ([`MapSystems`]); then egui's pass: the panels lay out the page ([`PanelSystems`]) and
//! leave the map its area, and the map's overlay, the analyst's windows and the tools
//! paint after them. Everything that lays text out waits for the CJK font
//! ([`NeedsFonts`]).

use bevy::prelude::*;

/// Systems that change the view run in this set; readers of the view run after it.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ViewSystems;

/// The map's per-frame systems (after the view's).
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct MapSystems;

/// The panels' systems; the map overlay runs after them (it needs the map area).
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct PanelSystems;

/// Systems that lay text out. They wait for the CJK font: egui's own fonts are left out
/// of the build (the CJK font has Latin too, and theirs would add 1.3 MB to the browser
/// bundle), so until it is in egui has no font at all.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NeedsFonts;
