//! What the wall publishes for the panels: where its screens meet, and which page of the
//! ticker and of long lists is on show.

use std::time::Duration;

use bevy::prelude::*;

use crate::shared::wall_frame::Seams;

/// Where a spliced wall's screens meet (egui points); none on one screen or a desk.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct WallSeams(pub Seams);

/// The wall's page clock: which page of the alert ticker, and of any list too long for its
/// panel, is on show. It steps every [`TICKER_STEP`] rather than scrolling, so a still
/// wall sleeps between pages.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct Ticker {
    pub page: usize,
}

/// How long one page of the ticker shows.
pub const TICKER_STEP: Duration = Duration::from_secs(8);
