//! `--screenshot FILE`: render one view, write it as PNG and exit. It waits until the cube
//! is loaded, the fonts are in egui and the camera has settled, then a few frames more so
//! egui's layout (which measures text on the first pass) is final.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};

use crate::data::{CubeStore, LoadStatus};
use crate::fonts::FontsReady;
use crate::map::CameraSettled;
use crate::view::ViewCommand;
use crate::Settings;

const WRITTEN: u8 = 1;
const FAILED: u8 = 2;

/// View commands to apply once the first view is steady (see `Settings::then`).
#[derive(Resource, Default)]
pub struct Script(pub Vec<ViewCommand>);

/// Frames to wait once everything is ready.
const STEADY_FRAMES: u32 = 8;

#[derive(Resource)]
struct Capture {
    path: PathBuf,
    steady_frames: u32,
    requested: bool,
    /// 0 while pending, then [`WRITTEN`] or [`FAILED`].
    outcome: Arc<AtomicU8>,
}

pub struct CapturePlugin;

impl Plugin for CapturePlugin {
    fn build(&self, app: &mut App) {
        let Some(path) = app.world().resource::<Settings>().screenshot.clone() else { return };
        app.insert_resource(Capture { path, steady_frames: 0, requested: false, outcome: Arc::new(AtomicU8::new(0)) })
            .add_systems(Last, capture);
    }
}

fn capture(
    mut commands: Commands,
    mut state: ResMut<Capture>,
    store: Res<CubeStore>,
    fonts: Res<FontsReady>,
    settled: Res<CameraSettled>,
    mut script: ResMut<Script>,
    mut view_commands: MessageWriter<ViewCommand>,
    mut exit: MessageWriter<AppExit>,
) {
    if let LoadStatus::Failed(message) = &store.status {
        error!("no screenshot: {message}");
        exit.write(AppExit::from_code(1));
        return;
    }
    match state.outcome.load(Ordering::Acquire) {
        WRITTEN => {
            exit.write(AppExit::Success);
            return;
        }
        FAILED => {
            exit.write(AppExit::from_code(1));
            return;
        }
        _ => {}
    }
    let ready = store.status == LoadStatus::Ready && fonts.0 && settled.0;
    state.steady_frames = if ready { state.steady_frames + 1 } else { 0 };
    if state.steady_frames >= STEADY_FRAMES && !script.0.is_empty() {
        // Switch now, then wait until the switched view is steady in turn.
        view_commands.write_batch(script.0.drain(..));
        state.steady_frames = 0;
        return;
    }
    if state.steady_frames >= STEADY_FRAMES && !state.requested {
        state.requested = true;
        let (path, outcome) = (state.path.clone(), state.outcome.clone());
        commands.spawn(Screenshot::primary_window()).observe(move |captured: On<ScreenshotCaptured>| {
            let saved = captured.image.clone().try_into_dynamic().map_err(|e| e.to_string()).and_then(|image| image.to_rgb8().save(&path).map_err(|e| e.to_string()));
            let code = match saved {
                Ok(()) => {
                    info!("screenshot written to {}", path.display());
                    WRITTEN
                }
                Err(e) => {
                    error!("cannot write {}: {e}", path.display());
                    FAILED
                }
            };
            outcome.store(code, Ordering::Release);
        });
    }
}
