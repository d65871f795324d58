//! 最缺工 in the manner of MOHRSS's list (全国招聘大于求职"最缺工"的100个职业排行, compiled
//! quarterly from the monitored cities' public employment services; see
//! data/calibration/README.md): beside the project's own 紧缺指数, the province's cities play
//! the monitored cities. Each city's occupations with more vacancies than seekers report
//! their gap; an occupation ranks by its gap summed over the reporting cities, weighted by
//! the share of cities reporting it (MOHRSS weighs the gap by the number of reporting
//! cities and publishes no weights: this weighting is the project's reading). The columns
//! are MOHRSS's: 序号, 职业名称, 代码, 需求典型城市, 上期排位.
//!
//! Read from the cube's city cells of `shortage_gap` (a public cube's visible ones), so
//! every client draws the same list.

use crate::cube::{Cube, Lookup};
use crate::period::Period;
use crate::region::{Adcode, Level, RegionTree};

/// Cities named as 需求典型城市: those with the largest gaps.
pub const TYPICAL_CITIES: usize = 3;

/// One row of the list.
#[derive(Clone, Debug, PartialEq)]
pub struct ListRow {
    /// 序号, from 1.
    pub rank: usize,
    /// 职业代码 (《职业分类大典》).
    pub occupation: String,
    /// Gap summed over the reporting cities.
    pub gap: f64,
    /// Cities with a positive gap.
    pub cities: usize,
    /// 需求典型城市: the largest gaps first.
    pub typical: Vec<Adcode>,
    /// 上期排位: the rank a quarter earlier, if it was listed.
    pub previous_rank: Option<usize>,
}

/// The whole ranking at `quarter`: (occupation, gap, cities, typical cities), first first.
fn ranking(cube: &Cube, quarter: Period) -> Vec<(String, f64, usize, Vec<Adcode>)> {
    let tree = RegionTree::shandong();
    let cities: Vec<Adcode> = tree.at_level(Level::City).map(|c| c.adcode).collect();
    let mut by_occupation: Vec<(String, Vec<(Adcode, f64)>)> = Vec::new();
    for &city in &cities {
        for (occupation, gap) in cube.breakdown("shortage_gap", city, quarter, "occ") {
            let Lookup::Value(gap) = gap else { continue };
            if gap <= 0.0 {
                continue;
            }
            match by_occupation.iter_mut().find(|(o, _)| *o == occupation) {
                Some((_, gaps)) => gaps.push((city, gap)),
                None => by_occupation.push((occupation, vec![(city, gap)])),
            }
        }
    }
    let n = cities.len() as f64;
    let mut rows: Vec<(String, f64, usize, Vec<Adcode>, f64)> = by_occupation
        .into_iter()
        .map(|(occupation, mut gaps)| {
            gaps.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let total: f64 = gaps.iter().map(|(_, g)| g).sum();
            let weighted = total * gaps.len() as f64 / n;
            let typical = gaps.iter().take(TYPICAL_CITIES).map(|(c, _)| *c).collect();
            (occupation, total, gaps.len(), typical, weighted)
        })
        .collect();
    // Rounded so that equal weights rank by occupation code, not by floating-point noise.
    let key = |w: f64| (w * 1e6).round();
    rows.sort_by(|a, b| key(b.4).total_cmp(&key(a.4)).then(a.0.cmp(&b.0)));
    rows.into_iter().map(|(o, g, c, t, _)| (o, g, c, t)).collect()
}

/// The top `top` of the list at `quarter`, with each occupation's rank a quarter earlier.
pub fn list(cube: &Cube, quarter: Period, top: usize) -> Vec<ListRow> {
    let previous = ranking(cube, quarter.previous());
    ranking(cube, quarter)
        .into_iter()
        .take(top)
        .enumerate()
        .map(|(i, (occupation, gap, cities, typical))| ListRow {
            rank: i + 1,
            previous_rank: previous.iter().position(|(o, ..)| *o == occupation).map(|p| p + 1),
            occupation,
            gap,
            cities,
            typical,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cube::Cell;

    /// `shortage_gap` cells by city and occupation at two quarters.
    fn cube(cells: &[(Adcode, Period, &str, f64)]) -> Cube {
        let mut cube = Cube::new(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), false);
        cube.measures = vec!["shortage_gap".into()];
        let mut dims: Vec<String> = vec![String::new()];
        for (region, period, occupation, gap) in cells {
            let key = format!("occ:{occupation}");
            let dim = dims.iter().position(|d| *d == key).unwrap_or_else(|| {
                dims.push(key.clone());
                dims.len() - 1
            });
            cube.cells.push(Cell { measure: 0, region: *region, period: *period, dim: dim as u32, value: Some(*gap), flags: 0 });
        }
        cube.dims = dims;
        cube.seal();
        cube.reindex();
        cube
    }

    #[test]
    fn gaps_rank_weighted_by_the_cities_reporting_them() {
        let (q1, q2) = (Period::Quarter { year: 2025, quarter: 1 }, Period::Quarter { year: 2025, quarter: 2 });
        let (jinan, qingdao, zibo) = (370100, 370200, 370300);
        let c = cube(&[
            // 快递员: 30 in one city. 焊工: 10 + 8 + 6 in three. 保安员: 20 in Jinan, a
            // surplus (negative gap) in Qingdao, which does not report it.
            (jinan, q2, "4-02-07-08", 30.0),
            (jinan, q2, "6-18-02-04", 10.0),
            (qingdao, q2, "6-18-02-04", 8.0),
            (zibo, q2, "6-18-02-04", 6.0),
            (jinan, q2, "4-07-05-01", 20.0),
            (qingdao, q2, "4-07-05-01", -5.0),
            // Last quarter 快递员 led alone.
            (jinan, q1, "4-02-07-08", 5.0),
        ]);
        let list = list(&c, q2, 10);
        // 焊工 24 × 3/16 = 4.5 ahead of 快递员 30 × 1/16 = 1.875 and 保安员 20 × 1/16 = 1.25.
        let codes: Vec<&str> = list.iter().map(|r| r.occupation.as_str()).collect();
        assert_eq!(codes, vec!["6-18-02-04", "4-02-07-08", "4-07-05-01"]);
        assert_eq!((list[0].gap, list[0].cities, list[0].typical.clone()), (24.0, 3, vec![jinan, qingdao, zibo]));
        assert_eq!(list.iter().map(|r| r.previous_rank).collect::<Vec<_>>(), vec![None, Some(1), None]);
        assert_eq!(list[2].cities, 1, "a surplus is not a report");
    }
}
