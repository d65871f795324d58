//! What most systems read together, as `SystemParam` bundles: what is on screen (the view,
//! the cube, the topics and the themes) and whether it is ready to be looked at.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use szjy_model::lang::Lang;

use crate::shared::fonts::FontsReady;
use crate::shared::map_state::CameraSettled;
use crate::shared::scene::{Scene, Scenes};
use crate::shared::store::{CubeStore, LoadStatus};
use crate::shared::theme::{Theme, Themes};
use crate::shared::view::View;

/// The view, the cube on show, the topics and the themes.
#[derive(SystemParam)]
pub struct Screen<'w> {
    pub view: Res<'w, View>,
    pub store: Res<'w, CubeStore>,
    pub scenes: Res<'w, Scenes>,
    pub themes: Res<'w, Themes>,
}

impl Screen<'_> {
    /// The view's theme.
    pub fn theme(&self) -> &Theme {
        &self.themes.all[self.view.theme]
    }

    /// The view's topic.
    pub fn scene(&self) -> &Scene {
        &self.scenes.0[self.view.topic]
    }

    pub fn lang(&self) -> Lang {
        self.view.lang
    }
}

/// Whether the screen shows what it should: the cube is in, egui has its font, and the
/// map's camera has arrived. Screenshots, the page's state and the benchmark wait for it.
#[derive(SystemParam)]
pub struct Readiness<'w> {
    pub store: Res<'w, CubeStore>,
    pub fonts: Res<'w, FontsReady>,
    pub settled: Res<'w, CameraSettled>,
}

impl Readiness<'_> {
    /// The cube and the font are in (the camera may still move).
    pub fn loaded(&self) -> bool {
        self.store.status == LoadStatus::Ready && self.fonts.0
    }

    /// Loaded, and the camera has settled.
    pub fn settled(&self) -> bool {
        self.loaded() && self.settled.0
    }

    /// Why nothing will ever be ready: the cube failed to load.
    pub fn failure(&self) -> Option<&str> {
        match &self.store.status {
            LoadStatus::Failed(message) => Some(message),
            _ => None,
        }
    }
}
