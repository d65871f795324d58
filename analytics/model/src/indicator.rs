//! The early-warning system read from a cube: an indicator's value for a region and
//! month, and the alerts within a region. The build evaluates with these
//! (`szjy_engine::warning`) and clients show what it evaluated.

use crate::alert::Alert;
use crate::catalogue;
use crate::cube::{Cube, Lookup};
use crate::period::{Period, PeriodKind};
use crate::region::{Adcode, RegionTree};
use crate::warning::Rule;

/// A month's alerts within a region: its own and those of the regions inside it.
pub fn alerts_within(cube: &Cube, region: Adcode, month: Period) -> Vec<&Alert> {
    let tree = RegionTree::shandong();
    cube.alerts.iter().filter(|a| a.period == month && tree.is_within(a.region, region)).collect()
}

/// An indicator's value for a region and month, from visible totals only.
pub fn indicator_value(cube: &Cube, rule: &Rule, region: Adcode, month: Period) -> Option<f64> {
    let at = |measure: &str| period_at(measure, month);
    let read = |measure: &str, period: Period| match cube.total(measure, region, period) {
        Lookup::Value(v) => Some(v),
        _ => None,
    };
    match rule {
        Rule::Level { measure } => read(measure, at(measure)?),
        Rule::ChangeYoY { measure, .. } => {
            let period = at(measure)?;
            let (now, before) = (read(measure, period)?, read(measure, period.year_ago())?);
            (before > 0.0).then(|| (now - before) / before * 100.0)
        }
        Rule::Share { part, whole } => {
            let whole = read(whole, at(whole)?)?;
            (whole > 0.0).then_some(read(part, at(part)?)? / whole * 100.0)
        }
        Rule::LossRate { change, stock } => {
            let before = read(stock, at(stock)?.previous())?;
            (before > 0.0).then_some(-read(change, at(change)?)? / before * 100.0)
        }
        Rule::CalendarLag { measure } => {
            let period = at(measure)?;
            Some(period.last_month() as f64 / 12.0 * 100.0 - read(measure, period)?)
        }
        Rule::Event => None,
    }
}

/// The period a measure is read at for a month ([`catalogue::MeasureDef::period_at`]);
/// none for yearly measures, which no indicator reads before their year is complete.
pub fn period_at(measure: &str, month: Period) -> Option<Period> {
    catalogue::measure(measure).filter(|def| def.native_period != PeriodKind::Year).map(|def| def.period_at(month))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarterly_measures_are_read_at_the_last_complete_quarter() {
        let q = |y, m| period_at("gdp", Period::month(y, m)).unwrap();
        assert_eq!(q(2026, 3), Period::Quarter { year: 2026, quarter: 1 });
        assert_eq!(q(2026, 5), Period::Quarter { year: 2026, quarter: 1 });
        assert_eq!(q(2026, 2), Period::Quarter { year: 2025, quarter: 4 });
        assert_eq!(q(2026, 12), Period::Quarter { year: 2026, quarter: 4 });
    }
}
