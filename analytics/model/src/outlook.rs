//! 形势研判 as the cube carries it: for every region and each forecast measure, the next
//! [`HORIZON`] months as estimated cells (flag [`crate::cube::flags::ESTIMATED`]), the point forecast
//! and the bounds of its 80 % and 95 % prediction intervals, one dimension key each
//! ([`Band`]). The engine computes them (`szjy_engine::outlook`); clients read them back
//! with [`read`].

use crate::cube::Cube;
use crate::period::{Period, PeriodKind};
use crate::region::Adcode;

/// The measures forecast (the issue: registered unemployment, new urban jobs, 求人倍率,
/// insured headcount).
pub const FORECAST_MEASURES: [&str; 4] = ["registered_unemployed", "new_urban_jobs", "demand_supply_ratio", "insured_headcount"];
/// Months ahead.
pub const HORIZON: usize = 12;
/// Months in a season.
pub const SEASON: usize = 12;

/// One line of a forecast fan, stored as the dimension key `fc:<name>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Band {
    Point,
    Low80,
    High80,
    Low95,
    High95,
}

impl Band {
    pub const ALL: [Band; 5] = [Band::Point, Band::Low80, Band::High80, Band::Low95, Band::High95];

    /// The cube's dimension key.
    pub const fn dim(self) -> &'static str {
        match self {
            Band::Point => "fc:point",
            Band::Low80 => "fc:lo80",
            Band::High80 => "fc:hi80",
            Band::Low95 => "fc:lo95",
            Band::High95 => "fc:hi95",
        }
    }
}

/// A forecast month as read back from a cube.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ForecastPoint {
    pub period: Period,
    pub point: f64,
    pub low80: f64,
    pub high80: f64,
    pub low95: f64,
    pub high95: f64,
}

/// The months with observed (not estimated) cells, ascending.
pub fn observed_months(cube: &Cube) -> Vec<Period> {
    let mut months: Vec<i32> =
        cube.cells.iter().filter(|c| c.period.kind() == PeriodKind::Month && c.is_observed()).map(|c| c.period.month_index()).collect();
    months.sort_unstable();
    months.dedup();
    months.into_iter().map(Period::from_month_index).collect()
}

/// The forecast of `measure` at `region` stored in the cube, month by month (empty if
/// there is none).
pub fn read(cube: &Cube, measure: &str, region: Adcode) -> Vec<ForecastPoint> {
    let latest = cube.latest_month().month_index();
    (latest + 1..=latest + HORIZON as i32)
        .map_while(|m| {
            let period = Period::from_month_index(m);
            let get = |band: Band| cube.get(measure, region, period, band.dim()).value();
            Some(ForecastPoint {
                period,
                point: get(Band::Point)?,
                low80: get(Band::Low80)?,
                high80: get(Band::High80)?,
                low95: get(Band::Low95)?,
                high95: get(Band::High95)?,
            })
        })
        .collect()
}
