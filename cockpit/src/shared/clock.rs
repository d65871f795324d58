//! Time as the cockpit's systems see it: the clock timers run on ([`Now`]), when the next
//! timer is due ([`NextUpdate`]), waking a sleeping event loop ([`Waker`]) and the wall
//! clock. The pacing plugin keeps them (`crate::pacing`).

use std::time::Duration;

use bevy::platform::time::Instant;
use bevy::prelude::*;
use bevy::winit::{EventLoopProxyWrapper, WinitUserEvent};

/// The clock timers run on (the carousel, the month player): the system clock, read at
/// the start of each update. Bevy's `Time` takes its instant from the render world's
/// last frame, which after a sleep lags by an update and can count one interval twice;
/// tests advance this clock by hand instead.
#[derive(Resource, Clone, Copy, Debug)]
pub struct Now(pub Instant);

impl Default for Now {
    fn default() -> Self {
        Now(Instant::now())
    }
}

/// Wakes the sleeping event loop from another thread or a callback: new data, the browser's
/// font, a server's answer. Without it what arrives while the app sleeps would wait for the
/// next timer.
#[derive(Clone, Default)]
pub struct Waker(Option<bevy::winit::EventLoopProxy<WinitUserEvent>>);

impl Waker {
    /// The app's event loop (none in headless tests, where waking does nothing).
    pub fn of(app: &App) -> Waker {
        Waker(app.world().get_resource::<EventLoopProxyWrapper>().map(|p| (**p).clone()))
    }

    pub fn wake(&self) {
        if let Some(proxy) = &self.0 {
            let _ = proxy.send_event(WinitUserEvent::WakeUp);
        }
    }
}

/// How soon the next update is needed. Systems with timers call [`NextUpdate::within`]
/// each update; pacing sets the alarm for the soonest, then forgets it.
#[derive(Resource, Default)]
pub struct NextUpdate(Option<Duration>);

impl NextUpdate {
    pub fn within(&mut self, due: Duration) {
        self.0 = Some(self.0.map_or(due, |soonest| soonest.min(due)));
    }

    pub fn soonest(&self) -> Option<Duration> {
        self.0
    }

    /// The soonest due time asked for since the last call.
    pub fn take(&mut self) -> Option<Duration> {
        self.0.take()
    }
}

/// The time the wall shows: the system's, or a fixed one (`--clock`, so captures repeat).
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct WallClock(pub Option<chrono::DateTime<chrono::Utc>>);

impl WallClock {
    /// Now in Beijing time (UTC+8, no daylight saving), whatever the machine's zone.
    pub fn beijing(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        Some(self.0.unwrap_or_else(utc_now).with_timezone(&beijing()))
    }
}

/// Shandong's clock, UTC+8 with no daylight saving, whatever the machine's zone.
pub fn beijing() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The wall clock (the browser's `Date.now()` there: std has no clock on wasm32).
pub fn utc_now() -> chrono::DateTime<chrono::Utc> {
    #[cfg(target_arch = "wasm32")]
    return chrono::Utc::now();
    #[cfg(not(target_arch = "wasm32"))]
    return std::time::SystemTime::now().into();
}
