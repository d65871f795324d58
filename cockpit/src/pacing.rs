//! Frame pacing. A cockpit shows a still view most of the time, and a wall runs for days:
//! redrawing a still 4K view sixty times a second only burns power (on a software
//! renderer, both cores). So the app updates when something happens (input, a window
//! event, egui asking to repaint) and at least every [`IDLE_WAIT`] so the carousel and the
//! month player tick, and keeps drawing every frame only while something moves: data
//! loading, the camera easing to a new region, the view just changed.
//!
//! Screenshots, benchmarks and soaks keep Bevy's continuous loop: they measure frames.

use std::time::Duration;

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy::winit::{UpdateMode, WinitSettings};

use crate::data::{CubeStore, LoadStatus};
use crate::fonts::FontsReady;
use crate::map::{CameraSettled, MapSystems};
use crate::view::View;
use crate::Settings;

/// The longest a still cockpit waits between updates. The carousel's and the player's
/// timing is this coarse at worst (a quarter of a second on a 5 s carousel).
pub const IDLE_WAIT: Duration = Duration::from_millis(250);

pub struct PacingPlugin;

impl Plugin for PacingPlugin {
    fn build(&self, app: &mut App) {
        if app.world().resource::<Settings>().measuring() {
            return;
        }
        // Unfocused too: nobody focuses a wall's window.
        app.insert_resource(WinitSettings { focused_mode: UpdateMode::reactive(IDLE_WAIT), unfocused_mode: UpdateMode::reactive(IDLE_WAIT) })
            .add_systems(Update, keep_drawing_while_moving.after(MapSystems));
    }
}

fn keep_drawing_while_moving(store: Res<CubeStore>, fonts: Res<FontsReady>, settled: Res<CameraSettled>, view: Res<View>, mut redraw: MessageWriter<RequestRedraw>) {
    let _cost = crate::bench::own_cost("keep_drawing_while_moving");
    let loading = matches!(store.status, LoadStatus::Loading | LoadStatus::Building) || !fonts.0;
    if loading || !settled.0 || view.is_changed() {
        redraw.write(RequestRedraw);
    }
}
