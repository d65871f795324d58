//! Leaves out the render pipelines Bevy's default plugins prepare for every app but the
//! cockpit never draws with.
//!
//! Every pipeline costs a shader composition (naga_oil, naga) and, in the browser, a WebGL
//! program compiled and linked on the page's one thread before the first map: 0.1 to 0.2 s
//! each in headless Chromium's software renderer (measured 2026-11-28). Three of the seven
//! programs the page compiled were never used (it now compiles four):
//! - the deferred renderer's lighting-id copy, queued at start for 3D deferred shading;
//! - the tonemapping pass, specialised for every camera, though 2D cameras tonemap
//!   nothing (`Tonemapping::None`, not HDR: the pass returns before drawing);
//! - the sprite pipeline, specialised for every camera though the cockpit has no sprites
//!   (the map is meshes, the panels egui).
//!
//! Only whole systems are removed, by name, and only these; the screenshot tests and the
//! browser test draw every page after it.

use bevy::core_pipeline::deferred::copy_lighting_id::init_copy_deferred_lighting_id_pipeline;
use bevy::core_pipeline::tonemapping::prepare_view_tonemapping_pipelines;
use bevy::ecs::schedule::ScheduleCleanupPolicy;
use bevy::prelude::*;
use bevy::render::{Render, RenderApp, RenderStartup};
use bevy::sprite_render::queue_sprites;

/// Add after `DefaultPlugins`.
pub struct LeanRenderPlugin;

impl Plugin for LeanRenderPlugin {
    fn build(&self, app: &mut App) {
        let Some(render_app) = app.get_sub_app_mut(RenderApp) else { return };
        // The systems' own sets stay, so ordering that names them still holds.
        let policy = ScheduleCleanupPolicy::RemoveSystemsOnly;
        let removed = [
            render_app.remove_systems_in_set(RenderStartup, init_copy_deferred_lighting_id_pipeline, policy),
            render_app.remove_systems_in_set(Render, prepare_view_tonemapping_pipelines, policy),
            render_app.remove_systems_in_set(Render, queue_sprites, policy),
        ];
        for result in removed {
            match result {
                Ok(1) => {}
                // A Bevy upgrade that renamed or moved one of them: the app still works,
                // it only compiles that pipeline again.
                other => warn!("lean render: expected to remove one system, got {other:?}"),
            }
        }
    }
}
