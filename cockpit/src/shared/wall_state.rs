//! What the wall publishes for the panels: where the side columns must end on a spliced
//! wall, and which page of the alert ticker is on show.

use std::time::Duration;

use bevy::prelude::*;

/// Where the side columns must end so no text crosses a seam (egui points), if the wall
/// is spliced; the panels read it.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct SeamSafeColumns(pub Option<f32>);

/// The wall's alert ticker: which page of the view month's alerts is on show. It steps
/// every [`TICKER_STEP`] rather than scrolling, so a still wall sleeps between pages.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct Ticker {
    pub page: usize,
}

/// How long one page of the ticker shows.
pub const TICKER_STEP: Duration = Duration::from_secs(8);
