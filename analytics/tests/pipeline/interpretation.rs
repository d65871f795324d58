//! 数据解读 against the cube: every number the interpretation writes is one the cube gives
//! for its view. The candidates are computed here from cube lookups (values at the view's
//! periods, their changes, the forecast, the alerts, the peers' ranking), not with the
//! interpretation's code; a number the text made up, or rounded differently, fails.

use std::collections::BTreeSet;

use szjy_model::catalogue::{Direction, Topic};
use szjy_model::cube::{Cube, Lookup};
use szjy_model::interpret::interpret;
use szjy_model::lang::Lang;
use szjy_model::outlook;
use szjy_model::period::Period;
use szjy_model::region::{Adcode, RegionTree};

const TOPICS: [Topic; 9] = [
    Topic::Overview,
    Topic::SupplyDemand,
    Topic::Shortage,
    Topic::Employment,
    Topic::Enterprise,
    Topic::Subsidy,
    Topic::ServiceZones,
    Topic::Macro,
    Topic::Warning,
];

/// Checks every topic's text for these regions and months, in both languages; returns
/// how many numbers were checked.
pub fn every_number_comes_from_the_cube(cube: &Cube, regions: &[Adcode], months: &[Period]) -> usize {
    let mut checked = 0;
    for &region in regions {
        for &month in months {
            let allowed = candidates(cube, region, month);
            for topic in TOPICS {
                for lang in [Lang::Zh, Lang::En] {
                    for paragraph in interpret(cube, topic, region, month, lang) {
                        for number in numbers_in(&paragraph) {
                            assert!(
                                allowed.contains(&number),
                                "{topic:?} {region} {month} {lang:?}: {number} in «{paragraph}» is not a figure of the cube for this view"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    checked
}

/// The numbers of a text, as written (sign and thousands separators dropped), leaving out
/// dates: years (2015–2035), months and quarters (a number before 年, 月, – or after Q).
fn numbers_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut numbers = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit() || chars[i] == ',' || (chars[i] == '.' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())))
        {
            i += 1;
        }
        let token: String = chars[start..i].iter().filter(|c| **c != ',').collect();
        let token = token.trim_end_matches(',').to_string();
        let next = chars.get(i).copied();
        let before = start.checked_sub(1).map(|j| chars[j]);
        let is_year = token.len() == 4 && token.parse::<u32>().is_ok_and(|y| (2015..=2035).contains(&y));
        let is_date =
            is_year || matches!(next, Some('年' | '月' | '–')) || before == Some('Q') || (before == Some('–') && next == Some('月'));
        if !is_date {
            numbers.push(token);
        }
    }
    numbers
}

/// Every figure the cube gives for a view, written with 0, 1 and 2 decimals, and in 万.
fn candidates(cube: &Cube, region: Adcode, month: Period) -> BTreeSet<String> {
    let tree = RegionTree::shandong();
    let ytd = Period::YearToDate { year: month.year(), month: month.last_month() };
    let mut quarters = vec![month.quarter_of()];
    for _ in 0..4 {
        quarters.push(quarters.last().unwrap().previous());
    }
    let periods: Vec<Period> = [
        month,
        month.previous(),
        month.year_ago(),
        ytd,
        ytd.year_ago(),
        Period::Year { year: month.year() },
        Period::Year { year: month.year() - 1 },
    ]
    .into_iter()
    .chain(quarters.iter().flat_map(|q| [*q, q.year_ago()]))
    .collect();
    let mut values: Vec<f64> = vec![80.0, month.last_month() as f64 / 12.0 * 100.0];
    for measure in &cube.measures {
        let at = |p: Period| cube.total(measure, region, p).value();
        values.extend(periods.iter().filter_map(|p| at(*p)));
        for (now, before) in [(month, month.previous()), (month, month.year_ago()), (ytd, ytd.year_ago())]
            .into_iter()
            .chain(quarters.iter().map(|q| (*q, q.year_ago())))
        {
            if let (Some(a), Some(b)) = (at(now), at(before)) {
                values.push(a - b);
                if b != 0.0 {
                    values.push((a - b) / b.abs() * 100.0);
                }
            }
        }
        // The progress measures against the calendar's pace.
        if let Some(p) = at(ytd) {
            values.push(p - month.last_month() as f64 / 12.0 * 100.0);
        }
        for point in outlook::read(cube, measure, region) {
            values.extend([point.point, point.low80, point.high80, point.low95, point.high95]);
        }
        // Rank among the siblings, and how many have a value.
        if let Some(parent) = tree.get(region).and_then(|r| r.parent) {
            let mut peers: Vec<f64> = tree.children(parent).filter_map(|r| cube.total(measure, r.adcode, month).value()).collect();
            if let Lookup::Value(own) = cube.total(measure, region, month) {
                let lower_first = cube.definition(measure).is_some_and(|d| d.direction == Direction::LowerIsBetter);
                peers.sort_by(|a, b| if lower_first { a.total_cmp(b) } else { b.total_cmp(a) });
                if let Some(rank) = peers.iter().position(|v| *v == own) {
                    values.extend([rank as f64 + 1.0, peers.len() as f64]);
                }
            }
        }
    }
    // The alerts within the region this month and this year: values, thresholds, counts.
    let within: Vec<_> = cube.alerts.iter().filter(|a| a.period.year() == month.year() && tree.is_within(a.region, region)).collect();
    values.extend(within.iter().flat_map(|a| [a.value, a.threshold]));
    let this_month: Vec<_> = within.iter().filter(|a| a.period == month).collect();
    values.push(this_month.len() as f64);
    for level in szjy_model::alert::AlertLevel::ALL {
        values.push(this_month.iter().filter(|a| a.level == level).count() as f64);
    }
    for indicator in &cube.warning.indicators {
        values.push(within.iter().filter(|a| a.indicator == indicator.id).count() as f64);
    }
    let mut allowed = BTreeSet::new();
    for v in values.into_iter().filter(|v| v.is_finite()) {
        for x in [v, v.abs(), v / 10_000.0, v.abs() / 10_000.0] {
            for decimals in 0..=3 {
                allowed.insert(format!("{x:.decimals$}"));
            }
        }
    }
    allowed
}
