//! The cube on show: the store every view reads, filled by the data source
//! (`crate::data`).

use std::sync::Arc;

use bevy::prelude::*;
use szjy_model::cube::Cube;
use szjy_model::period::{Period, PeriodKind};

#[derive(Clone, Debug, PartialEq)]
pub enum LoadStatus {
    /// The cube is being read.
    Loading,
    /// No cube yet: the analytics pipeline is generating data and building it.
    Building,
    Ready,
    Failed(String),
}

/// The cube on show and how it got here.
#[derive(Resource)]
pub struct CubeStore {
    cube: Option<Arc<Cube>>,
    /// The cube's first and last month with data.
    pub months: Option<(Period, Period)>,
    pub status: LoadStatus,
    /// Where the cube came from (a file path or the server's URL), for the 数据来源 screen.
    pub origin: String,
    /// Following a server: the version on show and whether the link is up.
    pub link: Option<Link>,
}

/// The state of the link to `analytics serve`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Link {
    pub version: Option<szjy_model::protocol::VersionInfo>,
    /// Since when the server cannot be reached (the data on show is stale), and why.
    pub down_since: Option<(chrono::DateTime<chrono::Utc>, String)>,
    /// The server's database pulls: which sources are late (数据延迟).
    pub pulls: Vec<szjy_model::protocol::PullState>,
}

impl CubeStore {
    pub fn cube(&self) -> Option<&Cube> {
        self.cube.as_deref()
    }

    /// A store holding `cube` (tests, and the loaders below).
    pub fn ready(cube: Cube, origin: String) -> CubeStore {
        let months = month_range(&cube);
        CubeStore { cube: Some(Arc::new(cube)), months, status: LoadStatus::Ready, origin, link: None }
    }

    pub fn pending(status: LoadStatus, origin: String) -> CubeStore {
        CubeStore { cube: None, months: None, status, origin, link: None }
    }
}

/// The first and last months that have an observed cell (forecast months are not views,
/// nor are the months of published figures, which may lie outside the data's).
fn month_range(cube: &Cube) -> Option<(Period, Period)> {
    let observed = cube.cells.iter().filter(|c| c.is_observed());
    let months = observed.filter(|c| c.period.kind() == PeriodKind::Month).map(|c| c.period.month_index());
    let (first, last) = months.fold(None, |acc: Option<(i32, i32)>, m| Some(acc.map_or((m, m), |(a, b)| (a.min(m), b.max(m)))))?;
    Some((Period::from_month_index(first), Period::from_month_index(last)))
}
