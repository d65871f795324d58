//! 形势研判: the forecasts the cube carries. For every region (province, city, county)
//! and each forecast measure, the monthly totals up to the cube's last month are fitted
//! ([`crate::forecast`]) and the next [`HORIZON`] months go into the cube as estimated
//! cells ([`szjy_model::outlook`] declares their layout and reads them back).
//!
//! The build runs it on the internal cube, and again on the public cube after
//! suppression, from the cells that stayed visible, so a public forecast is computed from
//! public numbers only and can reveal nothing hidden. A series is fitted on its months
//! since its last gap (a hidden or missing month), and gets no forecast if that leaves
//! less than two seasons.

use rayon::prelude::*;
use szjy_model::cube::{flags, Cube, TOTAL};
use szjy_model::outlook::{observed_months, Band, FORECAST_MEASURES, HORIZON, SEASON};
use szjy_model::period::Period;
use szjy_model::region::Adcode;

use crate::forecast;

/// A region's monthly totals of `measure`: the unbroken run of values that ends at the
/// last of `months` (empty if that month has none). A hidden or missing month ends the
/// run, so a series is never bridged over a gap.
pub fn trailing_series(cube: &Cube, measure: &str, region: Adcode, months: &[Period]) -> Vec<f64> {
    let mut values: Vec<f64> = months.iter().rev().map_while(|p| cube.get(measure, region, *p, TOTAL).value()).collect();
    values.reverse();
    values
}

/// Removes every estimated cell (before suppression: estimates are recomputed from the
/// cells left visible).
pub fn strip_forecasts(cube: &mut Cube) {
    cube.cells.retain(|c| c.flags & flags::ESTIMATED == 0);
    cube.reindex();
}

/// What [`add_forecasts`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutlookReport {
    /// Series forecast.
    pub forecast: usize,
    /// Series skipped: fewer than two seasons of months without a gap up to the last.
    pub skipped: usize,
}

/// Forecasts every region's series of [`FORECAST_MEASURES`] [`HORIZON`] months past the
/// cube's last observed month and adds the estimated cells, leaving the cube in canonical
/// order. Forecasts of a quantity that cannot be negative are floored at zero.
pub fn add_forecasts(cube: &mut Cube, regions: impl IntoIterator<Item = Adcode>) -> OutlookReport {
    let months = observed_months(cube);
    let Some(last) = months.last().map(|p| p.month_index()) else { return OutlookReport::default() };
    let regions: Vec<Adcode> = regions.into_iter().collect();
    let series: Vec<(&'static str, Adcode)> = FORECAST_MEASURES.iter().flat_map(|&m| regions.iter().map(move |&r| (m, r))).collect();
    let fit = |&(measure, region): &(&'static str, Adcode)| {
        forecast::fit(&trailing_series(cube, measure, region, &months), SEASON).ok().map(|f| (measure, region, f.forecast(HORIZON)))
    };
    // Each series is fitted on its own (a few hundred filter runs each).
    let forecasts: Vec<_> = series.par_iter().map(fit).collect();
    let mut report = OutlookReport::default();
    let mut cells = Vec::new();
    for (measure, region, f) in forecasts.into_iter().flatten() {
        report.forecast += 1;
        for h in 0..HORIZON {
            let period = Period::from_month_index(last + 1 + h as i32);
            for (band, value) in Band::ALL.into_iter().zip([f.point[h], f.lo80[h], f.hi80[h], f.lo95[h], f.hi95[h]]) {
                // Every forecast measure is a count or a ratio of counts, never negative.
                cells.push((measure, region, period, band.dim(), rounded(value.max(0.0))));
            }
        }
    }
    report.skipped = series.len() - report.forecast;
    for (measure, region, period, dim, value) in cells {
        cube.insert(measure, region, period, dim, value, flags::ESTIMATED);
    }
    cube.canonicalize();
    report
}

/// A forecast carries no more than three decimals: the cube's bytes (and version) then do
/// not depend on the last bits of the fit's arithmetic.
fn rounded(v: f64) -> f64 {
    let r = (v * 1e3).round() / 1e3;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use szjy_model::outlook::read;

    const JINAN: Adcode = 370100;
    const QINGDAO: Adcode = 370200;

    /// 48 months to 2025-12 of a seasonal count with a trend; Qingdao's 2024-06 is missing.
    fn cube() -> Cube {
        let mut cube = Cube::new(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(), true);
        for i in 0..48 {
            let period = Period::month(2022 + i / 12, (i % 12) as u32 + 1);
            let value = 1000.0 + 5.0 * i as f64 + 80.0 * (std::f64::consts::TAU * i as f64 / 12.0).sin() + ((i * 7919) % 13) as f64;
            cube.insert("registered_unemployed", JINAN, period, TOTAL, value, 0);
            if period != Period::month(2024, 6) {
                cube.insert("registered_unemployed", QINGDAO, period, TOTAL, value, 0);
            }
        }
        cube.canonicalize();
        cube
    }

    #[test]
    fn forecasts_continue_each_series_with_ordered_bands() {
        let mut cube = cube();
        let report = add_forecasts(&mut cube, [JINAN, QINGDAO]);
        // Jinan: 48 months. Qingdao: 18 months since its gap, under two seasons. Three
        // other measures have no data at either.
        assert_eq!(report, OutlookReport { forecast: 1, skipped: 7 });
        let fan = read(&cube, "registered_unemployed", JINAN);
        assert_eq!(fan.len(), HORIZON);
        assert_eq!(fan[0].period, Period::month(2026, 1));
        assert_eq!(fan[HORIZON - 1].period, Period::month(2026, 12));
        for f in &fan {
            assert!(f.low95 <= f.low80 && f.low80 <= f.point && f.point <= f.high80 && f.high80 <= f.high95, "{f:?}");
        }
        // The bands never narrow with the horizon (on this near-deterministic series the
        // fit may leave them almost constant), and the point follows the trend and season.
        assert!(fan[11].high95 - fan[11].low95 >= fan[0].high95 - fan[0].low95);
        assert!((fan[0].point - (1000.0 + 5.0 * 48.0 + 6.0)).abs() < 40.0, "{}", fan[0].point);
        assert!(read(&cube, "registered_unemployed", QINGDAO).is_empty());
        // Estimates are flagged, and are not observed months.
        let estimated = cube.cells.iter().filter(|c| c.flags & flags::ESTIMATED != 0).count();
        assert_eq!(estimated, HORIZON * Band::ALL.len());
        assert_eq!(observed_months(&cube).last(), Some(&Period::month(2025, 12)));
        // Forecasting again from the same cube gives the same cells.
        let before = cube.cells.clone();
        strip_forecasts(&mut cube);
        assert_eq!(cube.cells.iter().filter(|c| c.flags & flags::ESTIMATED != 0).count(), 0);
        add_forecasts(&mut cube, [JINAN, QINGDAO]);
        assert_eq!(cube.cells, before);
    }

    #[test]
    fn a_series_is_fitted_since_its_last_gap() {
        let cube = cube();
        let months = observed_months(&cube);
        assert_eq!(trailing_series(&cube, "registered_unemployed", JINAN, &months).len(), 48);
        assert_eq!(trailing_series(&cube, "registered_unemployed", QINGDAO, &months).len(), 18);
        assert!(trailing_series(&cube, "new_urban_jobs", JINAN, &months).is_empty());
    }
}
