//! 预警 evaluated on the cube: for every region with data, every month and every
//! configured indicator ([`szjy_model::warning`]), the indicator's value read from the
//! cube's totals is compared with the thresholds and, at or past the yellow one, an
//! [`Alert`] is added for that month with the month its unbroken run of alert months began
//! (`since`). The composite index of a region and month is the weighted share of its
//! indicators at alert, a red alert counting fully, orange ⅔ and yellow ⅓, over the
//! indicators that have a value there: 0 is calm, 100 is every indicator red. It goes into
//! the cube as `warning_index`, and the most severe alert within each region (its own or a
//! region's inside it, events included) as `warning_level`.
//!
//! The build evaluates the internal cube, and the public cube is evaluated again after
//! suppression from the cells left visible, so an alert's value never reveals a hidden
//! cell. Events the models raise (layoff reports, suspect payments, zones behind their
//! targets) are configured too, for their names, levels and support measures, but raised
//! by the build, not re-evaluated.

use std::collections::HashMap;

use szjy_model::alert::{sort_alerts, Alert};
use szjy_model::cube::{Cube, Lookup, TOTAL};
use szjy_model::indicator::{indicator_value, period_at};
use szjy_model::outlook;
use szjy_model::period::Period;
use szjy_model::region::{Adcode, RegionTree};
use szjy_model::warning::{Rule, INDEX_MEASURE, LEVEL_MEASURE};

/// What [`evaluate`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WarningReport {
    /// Indicator alerts added (region-months at alert), by level.
    pub alerts: [usize; 3],
    /// Region-months given a composite index.
    pub indexed: usize,
}

/// Evaluates the cube's warning configuration on its observed months: replaces the
/// indicator alerts and the composite index (events stay), leaving the cube in canonical
/// order. Run again on a suppressed cube it reads only visible cells.
pub fn evaluate(cube: &mut Cube, regions: &RegionTree) -> WarningReport {
    let config = cube.warning.clone();
    let is_event = |id: &str| config.indicator(id).is_none_or(|i| i.rule == Rule::Event);
    cube.alerts.retain(|a| is_event(&a.indicator));
    let derived: Vec<usize> =
        cube.measures.iter().enumerate().filter(|(_, m)| *m == INDEX_MEASURE || *m == LEVEL_MEASURE).map(|(i, _)| i).collect();
    if !derived.is_empty() {
        cube.cells.retain(|c| !derived.contains(&(c.measure as usize)));
        cube.reindex();
    }
    let months = outlook::observed_months(cube);
    let mut report = WarningReport::default();
    let mut alerts = Vec::new();
    // (region, month index) → (Σ weight × level/3, Σ weight over indicators with a value).
    let mut composite: HashMap<(Adcode, i32), (f64, f64)> = HashMap::new();
    for ind in config.indicators.iter().filter(|i| i.rule != Rule::Event) {
        for region in regions.all() {
            let mut run_start: Option<Period> = None;
            for &month in &months {
                let Some(value) = indicator_value(cube, &ind.rule, region.adcode, month) else {
                    run_start = None;
                    continue;
                };
                let entry = composite.entry((region.adcode, month.month_index())).or_default();
                entry.1 += ind.weight;
                let Some((level, threshold)) = ind.trigger.level(value).filter(|_| min_change_met(cube, &ind.rule, region.adcode, month))
                else {
                    run_start = None;
                    continue;
                };
                entry.0 += ind.weight * level.rank() as f64 / 3.0;
                let since = *run_start.get_or_insert(month);
                report.alerts[level as usize] += 1;
                alerts.push(Alert {
                    indicator: ind.id.clone(),
                    level,
                    region: region.adcode,
                    period: month,
                    since,
                    subject: None,
                    value: rounded(value),
                    threshold,
                });
            }
        }
    }
    for ((region, month), (score, weight)) in composite {
        if weight > 0.0 {
            cube.insert(INDEX_MEASURE, region, Period::from_month_index(month), TOTAL, rounded(score / weight * 100.0), 0);
            report.indexed += 1;
        }
    }
    cube.alerts.extend(alerts);
    sort_alerts(&mut cube.alerts);
    // Every region and observed month gets a level, 0 where nothing is at alert.
    let mut worst: HashMap<(Adcode, i32), u8> = HashMap::new();
    for alert in &cube.alerts {
        for region in regions.path(alert.region) {
            let level = worst.entry((region.adcode, alert.period.month_index())).or_default();
            *level = (*level).max(alert.level.rank());
        }
    }
    for region in regions.all() {
        for month in &months {
            let level = worst.get(&(region.adcode, month.month_index())).copied().unwrap_or(0);
            cube.insert(LEVEL_MEASURE, region.adcode, *month, TOTAL, level as f64, 0);
        }
    }
    cube.canonicalize();
    report
}

/// A year-on-year rule raises alerts only when the absolute change reaches its minimum (a
/// small base swings by large percentages); its value is shown either way.
fn min_change_met(cube: &Cube, rule: &Rule, region: Adcode, month: Period) -> bool {
    let Rule::ChangeYoY { measure, min_change } = rule else { return true };
    let Some(period) = period_at(measure, month) else { return false };
    match (cube.total(measure, region, period), cube.total(measure, region, period.year_ago())) {
        (Lookup::Value(now), Lookup::Value(before)) => (now - before).abs() >= *min_change,
        _ => false,
    }
}

/// Two decimals: alert values are shown, not computed with; the cube's bytes then do not
/// depend on the last bits of the arithmetic.
fn rounded(v: f64) -> f64 {
    let r = (v * 100.0).round() / 100.0;
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
    use szjy_model::alert::AlertLevel;

    /// A county whose unemployment rate climbs through the thresholds, dips below them for
    /// one month and rises again: each run gets its own start month, levels follow the
    /// value, and the composite index counts the levels over the indicators with a value.
    #[test]
    fn alerts_carry_levels_runs_and_the_composite_index() {
        let tree = RegionTree::shandong();
        let county = tree.at_level(szjy_model::region::Level::County).next().unwrap().adcode;
        let mut cube = Cube::new(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(), true);
        // Unemployed per 100 in the labour force, January to June.
        let rates = [3.0, 3.6, 4.1, 4.8, 2.0, 3.7];
        for (i, r) in rates.iter().enumerate() {
            let month = Period::month(2026, i as u32 + 1);
            cube.insert("registered_unemployed", county, month, TOTAL, r * 100.0, 0);
            cube.insert("labour_force_registered", county, month, TOTAL, 10_000.0, 0);
            cube.insert("registered_unemployment_rate", county, month, TOTAL, *r, 0);
        }
        let report = evaluate(&mut cube, tree);
        let rate_alerts: Vec<&Alert> = cube.alerts.iter().filter(|a| a.indicator == "registered_unemployment_rate").collect();
        let summary: Vec<(u32, AlertLevel, u32)> =
            rate_alerts.iter().map(|a| (a.period.last_month(), a.level, a.since.last_month())).collect();
        assert_eq!(
            summary,
            vec![(2, AlertLevel::Yellow, 2), (3, AlertLevel::Orange, 2), (4, AlertLevel::Red, 2), (6, AlertLevel::Yellow, 6)]
        );
        assert_eq!(rate_alerts[2].threshold, 4.5);
        assert_eq!(rate_alerts[0].id(), rate_alerts[2].id(), "one alert across its months");
        assert_ne!(rate_alerts[0].id(), rate_alerts[3].id(), "a new run is a new alert");
        assert_eq!(report.alerts.iter().sum::<usize>(), cube.alerts.len());
        // Only the unemployment rate has a value in April, at red: index 100.
        let weights: f64 = ["registered_unemployment_rate"].iter().map(|id| cube.warning.indicator(id).unwrap().weight).sum();
        assert!(weights > 0.0);
        assert_eq!(cube.total(INDEX_MEASURE, county, Period::month(2026, 4)).value(), Some(100.0));
        assert_eq!(cube.total(INDEX_MEASURE, county, Period::month(2026, 1)).value(), Some(0.0));
        // The most severe alert within: the county's red in April, also its city's and the
        // province's level; nothing in January.
        let level = |region, month| cube.total(LEVEL_MEASURE, region, Period::month(2026, month)).value();
        let city = tree.parent(county).unwrap().adcode;
        assert_eq!([level(county, 4), level(city, 4), level(szjy_model::region::PROVINCE, 4)], [Some(3.0); 3]);
        assert_eq!([level(county, 1), level(county, 3), level(county, 5)], [Some(0.0), Some(2.0), Some(0.0)]);
        // Evaluating again replaces, not duplicates.
        let before = cube.alerts.clone();
        evaluate(&mut cube, tree);
        assert_eq!(cube.alerts, before);
    }
}
