//! Wall mode for leadership screens: the layout is designed for 1920×1080 and scaled to
//! the wall's physical pixels (egui re-rasterises text at that scale, so it stays crisp);
//! the topics rotate on a carousel that a keyboard or presenter remote pauses, steps and
//! pins; on spliced walls the side columns are sized to whole screens so text stays off
//! the bezels; an alert ticker along the bottom pages through the month's alerts; no
//! cursor.

use std::time::Duration;

use bevy::platform::time::Instant;

use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::{egui, EguiContexts, EguiPrimaryContextPass};

use crate::shared::clock::{utc_now, NextUpdate, Now, WallClock};
use crate::shared::schedule::ViewSystems;
use crate::shared::settings::WallLayout;
use crate::shared::settings::{Mode, Settings};
use crate::shared::view::ViewCommand;
use crate::shared::wall_frame::Seams;
use crate::shared::wall_state::{Ticker, WallSeams, TICKER_STEP};

/// The height the wall layout is designed for; everything scales from it.
pub const DESIGN_HEIGHT: f32 = 1080.0;

#[derive(Resource)]
struct Carousel {
    interval: Duration,
    /// When the next topic shows; None until the carousel (re)starts.
    next_step: Option<Instant>,
    paused: bool,
}

pub struct WallPlugin {
    /// The wall's screens and carousel; none on the desktop.
    pub layout: Option<WallLayout>,
}

impl Plugin for WallPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<WallSeams>().init_resource::<WallClock>();
        let Some(layout) = &self.layout else { return };
        app.insert_resource(WallClock(layout.clock));
        app.init_resource::<Ticker>().init_resource::<TickerStep>().add_systems(Update, hide_cursor);
        // A fixed clock (captures) holds the wall still: the same pages whenever a view is
        // taken.
        if layout.clock.is_none() {
            app.add_systems(Update, (wake_each_minute, step_ticker));
        }
        if layout.carousel_seconds > 0.0 {
            app.insert_resource(Carousel { interval: Duration::from_secs_f32(layout.carousel_seconds), next_step: None, paused: false })
                .add_systems(Update, carousel.before(ViewSystems));
        }
        app.add_systems(EguiPrimaryContextPass, scale_to_wall.before(crate::shared::schedule::PanelSystems));
    }
}

/// The ui scale that maps the design height onto the window.
pub fn wall_scale(window_height: f32) -> f32 {
    (window_height / DESIGN_HEIGHT).max(0.5)
}

/// egui's zoom makes the design layout fill the wall; egui rasterises text at the
/// resulting pixels per point, so it stays sharp at any size.
fn scale_to_wall(
    mut contexts: EguiContexts,
    settings: Res<Settings>,
    windows: Query<&Window, With<PrimaryWindow>>,
    mut seams: ResMut<WallSeams>,
) -> Result {
    let _cost = crate::shared::profile::own_cost("scale_to_wall");
    let ctx = contexts.ctx_mut()?;
    let Ok(window) = windows.single() else { return Ok(()) };
    let Mode::Wall(layout) = &settings.mode else { return Ok(()) };
    let scale = wall_scale(window.physical_height() as f32) / window.scale_factor();
    if (ctx.zoom_factor() - scale).abs() > f32::EPSILON {
        ctx.set_zoom_factor(scale);
    }
    // The wall in points: the window's physical size over the pixels per point.
    let per_point = scale * window.scale_factor();
    let screen = egui::Rect::from_min_size(
        egui::Pos2::ZERO,
        egui::vec2(window.physical_width() as f32, window.physical_height() as f32) / per_point,
    );
    let now = Seams::of(screen, layout.grid, layout.bezel as f32 / per_point);
    if seams.0 != now {
        seams.0 = now;
    }
    Ok(())
}

/// The banner's clock shows minutes: a still wall wakes when the next one starts.
fn wake_each_minute(mut next: ResMut<NextUpdate>) {
    let second = chrono::Timelike::second(&utc_now()) as u64;
    next.within(Duration::from_secs(60 - second.min(59)));
}

fn hide_cursor(mut windows: Query<&mut bevy::window::CursorOptions, With<PrimaryWindow>>) {
    let _cost = crate::shared::profile::own_cost("hide_cursor");
    for mut cursor in &mut windows {
        if cursor.visible {
            cursor.visible = false;
        }
    }
}

/// P pauses (pins the current topic), N / B or a remote's PageDown / PageUp step (those
/// keys are read by the view); a manual step or unpausing gives the topic on show a full
/// interval. Runs on the timer clock ([`Now`]): a still wall sleeps between updates.
fn carousel(
    now: Res<Now>,
    keys: Res<ButtonInput<KeyCode>>,
    mut carousel: ResMut<Carousel>,
    mut next: ResMut<NextUpdate>,
    mut commands: MessageWriter<ViewCommand>,
) {
    let _cost = crate::shared::profile::own_cost("carousel");
    if keys.just_pressed(KeyCode::KeyP) {
        carousel.paused = !carousel.paused;
        carousel.next_step = None;
    }
    let step = if keys.just_pressed(KeyCode::KeyN) {
        1
    } else if keys.just_pressed(KeyCode::KeyB) {
        -1
    } else {
        0
    };
    if step != 0 || keys.any_just_pressed([KeyCode::PageDown, KeyCode::PageUp]) {
        carousel.next_step = None;
    }
    if step != 0 {
        commands.write(ViewCommand::StepTopic(step));
    }
    if carousel.paused {
        return;
    }
    let interval = carousel.interval;
    let due = *carousel.next_step.get_or_insert(now.0 + interval);
    if now.0 >= due {
        commands.write(ViewCommand::StepTopic(1));
        carousel.next_step = Some(now.0 + interval);
    }
    next.within(carousel.next_step.unwrap_or(due).saturating_duration_since(now.0));
}

/// When the ticker shows its next page; None until it starts.
#[derive(Resource, Default)]
struct TickerStep(Option<Instant>);

fn step_ticker(now: Res<Now>, mut ticker: ResMut<Ticker>, mut step: ResMut<TickerStep>, mut next: ResMut<NextUpdate>) {
    let _cost = crate::shared::profile::own_cost("step_ticker");
    let due = *step.0.get_or_insert(now.0 + TICKER_STEP);
    if now.0 >= due {
        ticker.page = ticker.page.wrapping_add(1);
        step.0 = Some(now.0 + TICKER_STEP);
    }
    next.within(step.0.unwrap_or(due).saturating_duration_since(now.0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_scale_from_the_design_height() {
        assert_eq!(wall_scale(1080.0), 1.0);
        assert_eq!(wall_scale(2160.0), 2.0);
    }
}
