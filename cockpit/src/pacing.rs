//! Frame pacing. A cockpit shows a still view most of the time, and a wall runs for days:
//! redrawing a still 4K view sixty times a second only burns power (on a software
//! renderer, both cores). So the app updates when something happens (input, a window
//! event, egui asking to repaint) or when a timer is due (the carousel, the month player:
//! they say when through [`NextUpdate`]), and draws every frame only while something
//! moves: the camera easing to a new region, the view just changed. Data and fonts wake
//! the loop when they arrive.
//!
//! Two details of the libraries shape this:
//! - bevy_winit forces an immediate update whenever the update mode changes, so the wait
//!   cannot follow the next timer; it stays at [`IDLE_WAIT`] and an alarm wakes the event
//!   loop (through winit's proxy) when a timer is due: a thread natively, a `setTimeout`
//!   in the browser.
//! - bevy_egui 0.42 feeds egui a `ModifiersChanged` event every frame, changed or not, and
//!   egui answers any input event with a request to repaint at once: that alone would keep
//!   the loop spinning. [`drop_unchanged_modifiers`] passes on only real changes.
//!
//! Screenshots, benchmarks and soaks keep Bevy's continuous loop: they measure frames.

use std::time::Duration;

use bevy::platform::time::Instant;
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy::winit::{EventLoopProxyWrapper, UpdateMode, WinitSettings, WinitUserEvent};
use bevy_egui::{egui, EguiInput, EguiPreUpdateSet};

use crate::shared::clock::{NextUpdate, Now};
use crate::shared::map_state::CameraSettled;
use crate::shared::schedule::MapSystems;
use crate::shared::view::View;

/// The longest a still cockpit sleeps between updates.
pub const IDLE_WAIT: Duration = Duration::from_secs(5);
/// An alarm already set this close to a new due time is left as it is.
const ALARM_TOLERANCE: Duration = Duration::from_millis(20);

fn read_clock(mut now: ResMut<Now>) {
    now.0 = Instant::now();
}

/// Sets the alarm (each time replaces the last), and the time it is set for.
#[derive(Resource)]
struct Alarm {
    set: Box<dyn Fn(Instant) -> bool + Send + Sync>,
    set_for: Option<Instant>,
}

pub struct PacingPlugin {
    /// Sleep while nothing moves. Screenshots, benchmarks and soaks keep Bevy's continuous
    /// loop instead: they measure frames.
    pub reactive: bool,
}

impl Plugin for PacingPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<NextUpdate>().init_resource::<Now>().add_systems(First, read_clock);
        if !self.reactive {
            return;
        }
        // Unfocused too: nobody focuses a wall's window.
        app.insert_resource(WinitSettings {
            focused_mode: UpdateMode::reactive(IDLE_WAIT),
            unfocused_mode: UpdateMode::reactive(IDLE_WAIT),
        })
        .add_systems(Startup, start_alarm)
        .add_systems(PreUpdate, drop_unchanged_modifiers.after(EguiPreUpdateSet::ProcessInput).before(EguiPreUpdateSet::BeginPass))
        .add_systems(Update, (keep_drawing_while_moving.after(MapSystems), set_alarm_for_next_timer).chain());
    }
}

fn start_alarm(mut commands: Commands, proxy: Res<EventLoopProxyWrapper>) {
    let proxy = (*proxy).clone();
    let set = spawn_alarm(move || {
        // The event loop is gone only when the app exits.
        let _ = proxy.send_event(WinitUserEvent::WakeUp);
    });
    commands.insert_resource(Alarm { set: Box::new(set), set_for: None });
}

/// A thread that calls `wake` at the last time it was sent (each new time replaces the
/// previous one), and ends when the sender is dropped.
#[cfg(not(target_arch = "wasm32"))]
fn spawn_alarm(wake: impl Fn() + Send + 'static) -> impl Fn(Instant) -> bool + Send + Sync {
    use std::sync::mpsc::{self, RecvTimeoutError};
    let (set, alarms) = mpsc::channel::<Instant>();
    std::thread::Builder::new()
        .name("cockpit-alarm".into())
        .spawn(move || {
            let mut due: Option<Instant> = None;
            loop {
                let next = match due {
                    Some(at) => alarms.recv_timeout(at.saturating_duration_since(Instant::now())),
                    None => alarms.recv().map_err(|_| RecvTimeoutError::Disconnected),
                };
                match next {
                    Ok(at) => due = Some(at),
                    Err(RecvTimeoutError::Timeout) => {
                        wake();
                        due = None;
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        })
        .expect("the alarm thread starts");
    move |at| set.send(at).is_ok()
}

/// The browser has no threads: each time the alarm is set, a `setTimeout` is scheduled,
/// and only the latest one wakes the loop.
#[cfg(target_arch = "wasm32")]
fn spawn_alarm(wake: impl Fn() + Clone + Send + Sync + 'static) -> impl Fn(Instant) -> bool + Send + Sync {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let latest = Arc::new(AtomicU64::new(0));
    move |at: Instant| {
        let this = latest.fetch_add(1, Ordering::SeqCst) + 1;
        let (latest, wake) = (latest.clone(), wake.clone());
        let millis = at.saturating_duration_since(Instant::now()).as_millis().min(u32::MAX as u128) as u32;
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(millis).await;
            if latest.load(Ordering::SeqCst) == this {
                wake();
            }
        });
        true
    }
}

/// Loading needs no frames of its own: the cube, a first-run build and the browser's font
/// each wake the loop when they arrive. On a page every frame drawn while loading would
/// only hold up the download and the decoding, which share the page's one thread.
fn keep_drawing_while_moving(settled: Res<CameraSettled>, view: Res<View>, mut redraw: MessageWriter<RequestRedraw>) {
    let _cost = crate::shared::profile::own_cost("keep_drawing_while_moving");
    if !settled.0 || view.is_changed() {
        redraw.write(RequestRedraw);
    }
}

/// Runs after every system that may set a timer (it is the last of `Update`'s chain).
fn set_alarm_for_next_timer(mut next: ResMut<NextUpdate>, alarm: Option<ResMut<Alarm>>) {
    let Some(due) = next.take() else { return };
    let Some(mut alarm) = alarm else { return };
    let now = Instant::now();
    let at = now + due;
    let still_set = alarm.set_for.filter(|set_for| *set_for > now);
    if still_set.is_some_and(|set_for| set_for <= at + ALARM_TOLERANCE && at <= set_for + ALARM_TOLERANCE) {
        return;
    }
    if (alarm.set)(at) {
        alarm.set_for = Some(at);
    }
}

fn drop_unchanged_modifiers(mut inputs: Query<&mut EguiInput>, mut last: Local<Option<egui::Modifiers>>) {
    for mut input in &mut inputs {
        input.0.events.retain(|event| match event {
            egui::Event::ModifiersChanged(modifiers) if *last == Some(*modifiers) => false,
            egui::Event::ModifiersChanged(modifiers) => {
                *last = Some(*modifiers);
                true
            }
            _ => true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn the_alarm_rings_once_at_the_last_time_it_was_set_for() {
        let rings = Arc::new(AtomicUsize::new(0));
        let counter = rings.clone();
        let set = spawn_alarm(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let start = Instant::now();
        assert!(set(start + Duration::from_secs(60)));
        // Reset to sooner: only this one rings.
        assert!(set(start + Duration::from_millis(50)));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(rings.load(Ordering::SeqCst), 0, "not before it is due");
        std::thread::sleep(Duration::from_millis(170));
        assert_eq!(rings.load(Ordering::SeqCst), 1, "once when due, and not again");
    }
}
