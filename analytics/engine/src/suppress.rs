//! The public cube: person counts below k are hidden, so is everything computed from
//! them, and complementary suppression makes sure no hidden cell can be recovered by
//! subtracting visible cells along any additive relation of the cube (regions, dimension
//! breakdowns, months within quarters and years, year-to-date steps).

use std::collections::{HashMap, HashSet};

use rustc_hash::FxHashMap;

use szjy_model::catalogue::{self, Aggregation, Disclosure};
use szjy_model::cube::{flags, Cube, Variant, TOTAL};
use szjy_model::period::Period;
use szjy_model::region::RegionTree;
use szjy_model::warning::events;

use crate::{outlook, warning};

pub const DEFAULT_K: u32 = 5;

/// A set of cells bound by `total = Σ parts` (or `a = b` for stocks). Indexes into
/// `Cube::cells`; the first entry is the total.
pub type Relation = Vec<usize>;

/// Builds the public variant of an internal cube. Forecasts and warning indicators are
/// computed again from the cells left visible: one computed from hidden values could give
/// them away.
pub fn public_cube(internal: &Cube, k: u32, regions: &RegionTree) -> Cube {
    let mut cube = internal.clone();
    cube.variant = Variant::Public { k };
    outlook::strip_forecasts(&mut cube);
    suppress_primary(&mut cube, k as f64);
    let relations = additive_relations(&cube, regions);
    suppress_complementary(&mut cube, &relations);
    suppress_derived(&mut cube);
    // Alerts about payments to persons stay in the (suppressed) counts only; layoff alerts
    // keep their place and size but not the employer's id. Zones are public institutions.
    cube.alerts.retain(|a| a.indicator != events::DUPLICATE_PAYMENTS && a.indicator != events::UNREGISTERED_PAYMENTS);
    for alert in cube.alerts.iter_mut().filter(|a| a.indicator == events::LAYOFF_REPORT) {
        alert.subject = None;
    }
    warning::evaluate(&mut cube, regions);
    outlook::add_forecasts(&mut cube, regions.all().iter().map(|r| r.adcode));
    cube.seal();
    cube
}

fn suppress_primary(cube: &mut Cube, k: f64) {
    let person_counts: HashSet<u16> = measure_indexes(cube, |d| d == Disclosure::PersonCount);
    for cell in cube.cells.iter_mut() {
        if person_counts.contains(&cell.measure) && cell.value.is_some_and(|v| v.abs() < k) {
            cell.value = None;
            cell.flags |= flags::SUPPRESSED_PRIMARY;
        }
    }
}

/// Cells of a measure that follows a count are hidden wherever that count is hidden.
/// Runs after complementary suppression so it follows the final pattern; additive
/// followers (amounts, gaps) were already part of the relations and get the same cells.
fn suppress_derived(cube: &mut Cube) {
    let index_of: HashMap<&str, u16> = cube.measures.iter().enumerate().map(|(i, id)| (id.as_str(), i as u16)).collect();
    // Follower measure → the count it follows (absent counts hide nothing).
    let follows: HashMap<u16, u16> = cube
        .measures
        .iter()
        .enumerate()
        .filter_map(|(i, id)| match catalogue::measure(id)?.disclosure {
            Disclosure::FollowsCount(count) => Some((i as u16, *index_of.get(count)?)),
            _ => None,
        })
        .collect();
    let hidden: Vec<usize> = (0..cube.cells.len())
        .filter(|&i| {
            let c = &cube.cells[i];
            !c.is_suppressed()
                && follows
                    .get(&c.measure)
                    .is_some_and(|&count| cube.position(count, c.region, c.period, c.dim).is_some_and(|j| cube.cells[j].is_suppressed()))
        })
        .collect();
    for i in hidden {
        cube.cells[i].value = None;
        cube.cells[i].flags |= flags::SUPPRESSED_DERIVED;
    }
}

fn measure_indexes(cube: &Cube, keep: impl Fn(Disclosure) -> bool) -> HashSet<u16> {
    cube.measures
        .iter()
        .enumerate()
        .filter(|(_, id)| catalogue::measure(id).is_some_and(|m| keep(m.disclosure)))
        .map(|(i, _)| i as u16)
        .collect()
}

/// Every additive relation among the observed cells of person-related Sum and Stock
/// measures (forecasts are estimates: a city's need not be the sum of its counties').
pub fn additive_relations(cube: &Cube, regions: &RegionTree) -> Vec<Relation> {
    additive_relations_of(cube, regions, |m| m.disclosure != Disclosure::Open)
}

/// Every additive relation among the observed cells of the Sum and Stock measures `keep`
/// selects, the total first: a region and its children, a total and its categories (one
/// relation per dimension kind), a flow's quarter and its months, its year and its
/// quarters (and 1–12月累计), a year-to-date step and the month it adds, a stock's quarter
/// and its last month, its year and its fourth quarter.
pub fn additive_relations_of(cube: &Cube, regions: &RegionTree, keep: impl Fn(&catalogue::MeasureDef) -> bool) -> Vec<Relation> {
    let additive: HashMap<u16, Aggregation> = cube
        .measures
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            let m = catalogue::measure(id)?;
            let additive = matches!(m.aggregation, Aggregation::Sum | Aggregation::Stock);
            (keep(m) && additive).then_some((i as u16, m.aggregation))
        })
        .collect();
    let key = |m: u16, r: u32, p: Period, d: u32| cube.position(m, r, p, d);
    let total_dim = cube.dims.iter().position(|d| d == TOTAL).unwrap_or(0) as u32;
    // Each breakdown dimension's kind (`occ`, `grp`, …) as a small number, in name order.
    let mut prefixes: Vec<&str> = cube.dims.iter().filter_map(|d| d.split_once(':').map(|(p, _)| p)).collect();
    prefixes.sort_unstable();
    prefixes.dedup();
    let prefix_of: Vec<Option<usize>> =
        cube.dims.iter().map(|d| d.split_once(':').and_then(|(p, _)| prefixes.binary_search(&p).ok())).collect();
    // The breakdown cells under each total, grouped by dimension kind, in one pass (a
    // lookup per possible category would cost thousands per total).
    let mut breakdowns: FxHashMap<(u16, u32, Period), Vec<Vec<usize>>> = FxHashMap::default();
    let observed = |cell: &szjy_model::cube::Cell| cell.flags & flags::ESTIMATED == 0;
    for (i, cell) in cube.cells.iter().enumerate() {
        if !additive.contains_key(&cell.measure) || !observed(cell) {
            continue;
        }
        if let Some(kind) = prefix_of[cell.dim as usize] {
            let groups = breakdowns.entry((cell.measure, cell.region, cell.period)).or_insert_with(|| vec![Vec::new(); prefixes.len()]);
            groups[kind].push(i);
        }
    }

    let mut relations = Vec::new();
    for (i, cell) in cube.cells.iter().enumerate().filter(|(_, cell)| observed(cell)) {
        let Some(&aggregation) = additive.get(&cell.measure) else { continue };
        let (m, r, p, d) = (cell.measure, cell.region, cell.period, cell.dim);
        let mut push = |parts: Vec<Option<usize>>| {
            let parts: Vec<usize> = parts.into_iter().flatten().collect();
            if !parts.is_empty() {
                relations.push(std::iter::once(i).chain(parts).collect());
            }
        };
        // Region: parent = Σ children.
        let children: Vec<_> = regions.children(r).map(|c| key(m, c.adcode, p, d)).collect();
        if children.iter().any(Option::is_some) {
            push(children);
        }
        // Dimension: total = Σ categories, one relation per dimension kind.
        if d == total_dim {
            for parts in breakdowns.get(&(m, r, p)).into_iter().flatten().filter(|parts| !parts.is_empty()) {
                push(parts.iter().map(|&c| Some(c)).collect());
            }
        }
        // Time.
        match (p, aggregation) {
            (Period::Quarter { year, quarter }, Aggregation::Sum) => {
                push((1..=3).map(|k| key(m, r, Period::month(year, (quarter - 1) * 3 + k), d)).collect())
            }
            (Period::Year { year }, Aggregation::Sum) => {
                push((1..=4).map(|q| key(m, r, Period::Quarter { year, quarter: q }, d)).collect());
                push(vec![key(m, r, Period::YearToDate { year, month: 12 }, d)]);
            }
            (Period::YearToDate { year, month }, Aggregation::Sum) => {
                let previous = (month > 1).then(|| key(m, r, Period::YearToDate { year, month: month - 1 }, d)).flatten();
                push(vec![previous, key(m, r, Period::month(year, month), d)]);
            }
            // A stock's quarter is its last month's, its year its fourth quarter's (the
            // roll-up publishes none when that month is missing).
            (Period::Quarter { year, quarter }, Aggregation::Stock) => push(vec![key(m, r, Period::month(year, quarter * 3), d)]),
            (Period::Year { year }, Aggregation::Stock) => push(vec![key(m, r, Period::Quarter { year, quarter: 4 }, d)]),
            _ => {}
        }
    }
    relations
}

/// Until no relation has exactly one hidden cell: hide the smallest visible part of each
/// such relation (or its total when every part is hidden).
fn suppress_complementary(cube: &mut Cube, relations: &[Relation]) {
    let mut by_cell: Vec<Vec<usize>> = vec![Vec::new(); cube.cells.len()];
    for (ri, rel) in relations.iter().enumerate() {
        for &c in rel {
            by_cell[c].push(ri);
        }
    }
    let mut pending: Vec<usize> = (0..relations.len()).collect();
    let mut queued = vec![true; relations.len()];
    while let Some(ri) = pending.pop() {
        queued[ri] = false;
        let rel = &relations[ri];
        let hidden = rel.iter().filter(|&&c| cube.cells[c].is_suppressed()).count();
        if hidden != 1 {
            continue;
        }
        let pick = rel[1..]
            .iter()
            .copied()
            .filter(|&c| !cube.cells[c].is_suppressed())
            .min_by(|&a, &b| cube.cells[a].value.partial_cmp(&cube.cells[b].value).unwrap_or(std::cmp::Ordering::Equal))
            .or_else(|| (!cube.cells[rel[0]].is_suppressed()).then_some(rel[0]));
        let Some(c) = pick else { continue };
        cube.cells[c].value = None;
        cube.cells[c].flags |= flags::SUPPRESSED_COMPLEMENTARY;
        for &other in &by_cell[c] {
            if !queued[other] {
                queued[other] = true;
                pending.push(other);
            }
        }
        if !queued[ri] {
            queued[ri] = true;
            pending.push(ri);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn jinan_counties() -> Vec<u32> {
        RegionTree::shandong().children(370100).map(|r| r.adcode).collect()
    }

    #[test]
    fn hides_small_counts_and_protects_them_from_subtraction() {
        let tree = RegionTree::shandong();
        let mut cube = Cube::new(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(), true);
        let p = Period::month(2026, 10);
        let counties = jinan_counties();
        let mut total = 0.0;
        for (i, &c) in counties.iter().enumerate() {
            let v = if i == 0 { 3.0 } else { 40.0 + i as f64 };
            total += v;
            cube.insert("job_seekers", c, p, TOTAL, v, 0);
            cube.insert("vacancies", c, p, TOTAL, 2.0, 0);
            cube.insert("demand_supply_ratio", c, p, TOTAL, 2.0 / v, 0);
        }
        cube.insert("job_seekers", 370100, p, TOTAL, total, 0);
        let public = public_cube(&cube, 5, tree);

        let first = public.cell("job_seekers", counties[0], p, TOTAL).unwrap();
        assert!(first.value.is_none() && first.flags & flags::SUPPRESSED_PRIMARY != 0);
        // The smallest visible sibling (41) is hidden too, so parent − visible siblings
        // gives only the sum of two hidden cells.
        let second = public.cell("job_seekers", counties[1], p, TOTAL).unwrap();
        assert!(second.value.is_none() && second.flags & flags::SUPPRESSED_COMPLEMENTARY != 0);
        assert_eq!(public.total("job_seekers", 370100, p).value(), Some(total));
        // Vacancies are not about persons: visible, although below k.
        assert_eq!(public.total("vacancies", counties[0], p).value(), Some(2.0));
        // The ratio over a hidden count is hidden.
        assert!(public.total("demand_supply_ratio", counties[0], p).value().is_none());
        assert!(public.total("demand_supply_ratio", counties[1], p).value().is_none());
        assert!(public.total("demand_supply_ratio", counties[2], p).value().is_some());
        assert_ne!(public.data_version, "");
    }

    #[test]
    fn public_forecasts_come_from_visible_cells_only() {
        let tree = RegionTree::shandong();
        let counties = jinan_counties();
        let mut internal = Cube::new(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(), true);
        for i in 0..36 {
            let p = Period::month(2023 + i / 12, (i % 12) as u32 + 1);
            // The first county's count is below k in one month of the last year.
            let small = if i == 30 { 2.0 } else { 60.0 + (i % 12) as f64 };
            internal.insert("registered_unemployed", counties[0], p, TOTAL, small, 0);
            internal.insert("registered_unemployed", counties[1], p, TOTAL, 300.0 + (i % 12) as f64, 0);
        }
        internal.canonicalize();
        outlook::add_forecasts(&mut internal, [counties[0], counties[1]]);
        assert_eq!(szjy_model::outlook::read(&internal, "registered_unemployed", counties[0]).len(), szjy_model::outlook::HORIZON);

        let public = public_cube(&internal, 5, tree);
        // The hidden month leaves 5 visible months after it: too few to fit, so the public
        // cube has no forecast there (the internal one was fitted on the hidden value).
        assert!(public.total("registered_unemployed", counties[0], Period::month(2025, 7)).value().is_none());
        assert!(szjy_model::outlook::read(&public, "registered_unemployed", counties[0]).is_empty());
        // A visible series is forecast alike in both, and no estimate was suppressed.
        assert_eq!(
            szjy_model::outlook::read(&public, "registered_unemployed", counties[1]),
            szjy_model::outlook::read(&internal, "registered_unemployed", counties[1])
        );
        assert!(public.cells.iter().filter(|c| c.flags & flags::ESTIMATED != 0).all(|c| !c.is_suppressed()));
    }

    #[test]
    fn no_relation_is_left_with_a_single_hidden_cell() {
        let tree = RegionTree::shandong();
        let mut cube = Cube::new(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(), true);
        let counties = jinan_counties();
        // Months 1–3 for each county, a quarter and year-to-date; some months tiny.
        let mut city = [0.0; 3];
        for (i, &c) in counties.iter().enumerate() {
            let mut ytd = 0.0;
            for m in 1..=3u32 {
                let v = if (i + m as usize).is_multiple_of(5) { 2.0 } else { 10.0 + (i * m as usize) as f64 };
                ytd += v;
                city[m as usize - 1] += v;
                cube.insert("new_urban_jobs", c, Period::month(2026, m), TOTAL, v, 0);
                cube.insert("new_urban_jobs", c, Period::YearToDate { year: 2026, month: m }, TOTAL, ytd, 0);
            }
            cube.insert("new_urban_jobs", c, Period::Quarter { year: 2026, quarter: 1 }, TOTAL, ytd, 0);
        }
        for m in 1..=3u32 {
            cube.insert("new_urban_jobs", 370100, Period::month(2026, m), TOTAL, city[m as usize - 1], 0);
        }
        let public = public_cube(&cube, 5, tree);
        let relations = additive_relations(&public, tree);
        assert!(!relations.is_empty());
        for rel in &relations {
            let hidden = rel.iter().filter(|&&c| public.cells[c].is_suppressed()).count();
            assert_ne!(hidden, 1, "relation {rel:?} leaks its hidden cell");
        }
        // (The warning measures the public cube adds are levels and indices, not counts.)
        assert!(public.cells.iter().filter(|c| public.measure_id(c) == "new_urban_jobs").all(|c| c.value.is_none_or(|v| v >= 5.0)));
    }
}
