//! Which cells are computed over incomplete parts, and what is missing: read from the
//! cube's per-source months (`Cube::coverage`) and the measures' sources. The engine flags
//! the cells (`flags::INCOMPLETE`) with [`Coverage::is_incomplete`], the cockpit says what
//! is missing with [`Coverage::gaps`]; both read the same index, so the mark and its words
//! cannot disagree.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::catalogue::{self, Aggregation, MeasureDef};
use crate::cube::Cube;
use crate::lang::Lang;
use crate::period::Period;
use crate::region::{Adcode, Level, RegionTree};

/// The incomplete regions of every dated source and month, for fast lookups.
pub struct Coverage<'a> {
    cube: &'a Cube,
    months: FxHashMap<(&'a str, i32), MonthGaps>,
}

/// One source month's gaps.
struct MonthGaps {
    /// Regions whose cells are incomplete: those past the quarantine tolerance (any level)
    /// and the missing reporting regions with every region they lie within (one lookup
    /// per cell).
    touched: FxHashSet<Adcode>,
    /// The reporting regions that are missing or past the tolerance themselves.
    reporters: Vec<Adcode>,
    unreadable: bool,
}

/// What a cell is missing: the reporting regions within its region that had rows missing
/// or too many quarantined, in which sources and months, out of how many regions report.
#[derive(Clone, Debug, PartialEq)]
pub struct Gaps {
    pub region: Adcode,
    /// Reporting regions within the cell's region (counties of a city, …).
    pub expected: usize,
    /// The level those regions are at.
    pub level: Level,
    /// Those with rows missing or past the quarantine tolerance in a month the cell
    /// covers, by adcode.
    pub incomplete: Vec<Adcode>,
    /// Rows whose region could not be read were quarantined (they count at the province).
    pub unreadable: bool,
    pub sources: Vec<&'static str>,
    /// The months the cell covers that are incomplete, ascending.
    pub months: Vec<Period>,
}

impl<'a> Coverage<'a> {
    pub fn of(cube: &'a Cube) -> Self {
        let tree = RegionTree::shandong();
        let mut months: FxHashMap<(&str, i32), MonthGaps> = FxHashMap::default();
        for m in cube.coverage.iter().filter(|m| m.is_incomplete()) {
            let level = cube.reporting.level_of(&m.source);
            let mut touched: FxHashSet<Adcode> = m.quarantined_in.iter().copied().collect();
            for r in &m.missing {
                touched.extend(tree.path(*r).iter().map(|p| p.adcode));
            }
            let gaps = MonthGaps { touched, reporters: m.incomplete_at(level), unreadable: m.unreadable_counts(&cube.reporting) };
            months.insert((m.source.as_str(), m.month.month_index()), gaps);
        }
        Coverage { cube, months }
    }

    /// Whether the cell of `def` at `region` and `period` is computed over incomplete
    /// parts: [`Coverage::gaps`] is `Some`, at the cost of a few lookups.
    pub fn is_incomplete(&self, def: &MeasureDef, region: Adcode, period: Period) -> bool {
        months_of(def, period).iter().any(|month| {
            def.sources.iter().any(|source| self.months.get(&(*source, month.month_index())).is_some_and(|m| m.touched.contains(&region)))
        })
    }

    /// Whether any source month is incomplete at all (most cubes: a few).
    pub fn is_empty(&self) -> bool {
        self.months.is_empty()
    }

    /// What the cell of `def` at `region` and `period` is missing, if anything. A stock's
    /// quarter or year covers its last month; a flow's, every month of it. A city or the
    /// province is incomplete where a reporting region within it is missing or where its
    /// own rows are past the quarantine tolerance, not wherever one county's are.
    pub fn gaps(&self, def: &MeasureDef, region: Adcode, period: Period) -> Option<Gaps> {
        let tree = RegionTree::shandong();
        let mut gaps = Gaps {
            region,
            expected: 0,
            level: Level::County,
            incomplete: Vec::new(),
            unreadable: false,
            sources: Vec::new(),
            months: Vec::new(),
        };
        for source in def.sources {
            let level = self.cube.reporting.level_of(source);
            for month in months_of(def, period) {
                let Some(m) = self.months.get(&(*source, month.month_index())).filter(|m| m.touched.contains(&region)) else { continue };
                gaps.incomplete.extend(m.reporters.iter().copied().filter(|r| tree.is_within(*r, region)));
                gaps.unreadable |= region == crate::region::PROVINCE && m.unreadable;
                if !gaps.sources.contains(source) {
                    gaps.sources.push(source);
                }
                if !gaps.months.contains(&month) {
                    gaps.months.push(month);
                }
                if gaps.expected == 0 {
                    (gaps.level, gaps.expected) = (level, reporters_within(tree, region, level));
                }
            }
        }
        if gaps.sources.is_empty() {
            return None;
        }
        gaps.incomplete.sort_unstable();
        gaps.incomplete.dedup();
        gaps.months.sort();
        Some(gaps)
    }
}

/// The months a cell of `def` at `period` is made of.
fn months_of(def: &MeasureDef, period: Period) -> Vec<Period> {
    let stock = def.aggregation == Aggregation::Stock;
    match period {
        Period::Month { .. } => vec![period],
        Period::Quarter { year, quarter } if stock => vec![Period::month(year, quarter * 3)],
        Period::Quarter { year, quarter } => (1..=3).map(|k| Period::month(year, (quarter - 1) * 3 + k)).collect(),
        Period::Year { year } if stock => vec![Period::month(year, 12)],
        Period::Year { year } => (1..=12).map(|m| Period::month(year, m)).collect(),
        Period::YearToDate { year, month } if stock => vec![Period::month(year, month)],
        Period::YearToDate { year, month } => (1..=month).map(|m| Period::month(year, m)).collect(),
    }
}

/// Regions of `level` within `region` (the region itself when it is at that level; one
/// when it is below it).
fn reporters_within(tree: &RegionTree, region: Adcode, level: Level) -> usize {
    tree.at_level(level).filter(|r| tree.is_within(r.adcode, region)).count().max(1)
}

impl Gaps {
    /// Reporting regions within the cell's region with nothing missing.
    pub fn complete(&self) -> usize {
        self.expected.saturating_sub(self.incomplete.len())
    }

    /// One sentence for a tooltip or a wall footnote: "济南市12个县（市、区）中1个数据不全
    /// （历下区；社保缴纳，2025年3月）".
    pub fn describe(&self, lang: Lang) -> String {
        let tree = RegionTree::shandong();
        let sources: Vec<&str> = self.sources.iter().filter_map(|s| crate::schema::source(s)).map(|s| lang.pick(s.zh, s.name)).collect();
        let months = match (self.months.first(), self.months.last()) {
            (Some(a), Some(b)) if a != b => format!("{}–{}", a.label(lang), b.label(lang)),
            (Some(a), _) => a.label(lang),
            _ => String::new(),
        };
        let when = lang.pick(format!("{}，{months}", sources.join("、")), format!("{}, {months}", sources.join(", ")));
        let place = tree.get(self.region).map_or("", |r| r.name(lang));
        let unreadable = lang.pick("部分记录因地区无法识别未通过校验", "some records failed validation with an unreadable region");
        if self.incomplete.is_empty() && self.unreadable {
            return lang.pick(
                format!("{place}数据不全：{unreadable}，暂未计入（{when}）"),
                format!("{place} incomplete: {unreadable} and are not counted yet ({when})"),
            );
        }
        // Past the tolerance as a whole, though no one region within it is, nor the
        // unreadable rows alone.
        if self.incomplete.is_empty() {
            return lang.pick(
                format!("{place}数据不全：多地部分记录未通过校验，暂未计入（{when}）"),
                format!("{place} incomplete: records in several places failed validation and are not counted yet ({when})"),
            );
        }
        let also = if self.unreadable { lang.pick(format!("；另{unreadable}"), format!("; also {unreadable}")) } else { String::new() };
        if tree.get(self.region).is_some_and(|r| r.level == self.level) {
            return lang.pick(
                format!("{place}数据不全：部分记录缺报或未通过校验（{when}）{also}"),
                format!("{place} incomplete: records missing or failing validation ({when}){also}"),
            );
        }
        let names: Vec<&str> = self.incomplete.iter().take(3).map(|r| tree.get(*r).map_or("?", |g| g.name(lang))).collect();
        let more = if self.incomplete.len() > 3 { lang.pick("等", " and others") } else { "" };
        let n = self.incomplete.len();
        let expected = self.expected;
        match self.level {
            Level::City => lang.pick(
                format!("{place}{expected}个市中{n}个数据不全（{}{more}；{when}）{also}", names.join("、")),
                format!("{place}: {n} of {expected} cities incomplete ({}{more}; {when}){also}", names.join(", ")),
            ),
            _ => lang.pick(
                format!("{place}{expected}个县（市、区）中{n}个数据不全（{}{more}；{when}）{also}", names.join("、")),
                format!("{place}: {n} of {expected} counties incomplete ({}{more}; {when}){also}", names.join(", ")),
            ),
        }
    }
}

/// Sets [`crate::cube::flags::INCOMPLETE`] on every observed cell computed over
/// incomplete parts; returns how many. (The engine runs it once the cells are in.)
pub fn flag_incomplete(cube: &mut Cube) -> usize {
    let coverage = Coverage::of(cube);
    if coverage.is_empty() {
        return 0;
    }
    let defs: Vec<Option<&MeasureDef>> = cube.measures.iter().map(|id| catalogue::measure(id)).collect();
    let flagged: Vec<usize> = cube
        .cells
        .iter()
        .enumerate()
        .filter(|(_, c)| c.flags & crate::cube::flags::ESTIMATED == 0)
        .filter(|(_, c)| defs[c.measure as usize].is_some_and(|def| coverage.is_incomplete(def, c.region, c.period)))
        .map(|(i, _)| i)
        .collect();
    for &i in &flagged {
        cube.cells[i].flags |= crate::cube::flags::INCOMPLETE;
    }
    flagged.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cube::{Cell, SourceMonth};

    fn month(source: &str, m: Period, missing: Vec<Adcode>, quarantined_in: Vec<Adcode>, unreadable: u64) -> SourceMonth {
        let quarantined = quarantined_in.len() as u64 + unreadable;
        SourceMonth {
            source: source.into(),
            month: m,
            accepted: 10,
            quarantined,
            unreadable,
            silent: missing.clone(),
            missing,
            quarantined_in,
        }
    }

    #[test]
    fn a_region_is_incomplete_where_a_part_of_it_is_in_a_month_it_covers() {
        let mut cube = Cube::new(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), false);
        let (may, june) = (Period::month(2025, 5), Period::month(2025, 6));
        // May: 历下 (Jinan) had social-insurance rows quarantined past the tolerance, and so
        // had Jinan; 黄岛 (Qingdao) too, but not Qingdao as a whole, nor the province. June: a
        // row with an unreadable county was quarantined, past the province's tolerance;
        // 市南 (Qingdao) sent no mobile estimate.
        cube.coverage = vec![
            month("social_insurance", may, vec![], vec![370100, 370102, 370211], 0),
            month("social_insurance", june, vec![], vec![370000], 1),
            month("mobile_population", june, vec![370202], vec![], 0),
        ];
        let coverage = Coverage::of(&cube);
        let insured = catalogue::measure("insured_net_change").unwrap();
        // The quick test agrees with the full answer wherever it is asked, and every gap
        // names what is missing: a region within, or the unreadable rows.
        for def in crate::catalogue::MEASURES {
            for region in [370000, 370100, 370102, 370103, 370200, 370202, 370211] {
                for period in [may, june, Period::Quarter { year: 2025, quarter: 2 }, Period::Year { year: 2025 }] {
                    let gaps = coverage.gaps(def, region, period);
                    assert_eq!(coverage.is_incomplete(def, region, period), gaps.is_some(), "{} {region} {period}", def.id);
                    if let Some(gaps) = gaps {
                        assert!(!gaps.incomplete.is_empty() || gaps.unreadable, "{} {region} {period}: {gaps:?}", def.id);
                        assert!(!gaps.sources.is_empty() && !gaps.months.is_empty());
                    }
                }
            }
        }
        let jinan_may = coverage.gaps(insured, 370100, may).unwrap();
        assert_eq!((jinan_may.expected, jinan_may.incomplete.clone(), jinan_may.months.clone()), (12, vec![370102], vec![may]));
        assert_eq!(jinan_may.complete(), 11);
        assert_eq!(jinan_may.describe(Lang::Zh), "济南市12个县（市、区）中1个数据不全（历下区；社保缴纳，2025年5月）");
        assert!(coverage.gaps(insured, 370103, may).is_none(), "another county is complete");
        assert!(coverage.gaps(insured, 370211, may).is_some());
        assert!(coverage.gaps(insured, 370200, may).is_none(), "Qingdao's rows as a whole are within the tolerance");
        assert!(coverage.gaps(insured, 370000, may).is_none(), "and so are the province's");
        assert!(coverage.gaps(insured, 370100, june).is_none(), "the unreadable row is the province's, not Jinan's");
        let province = coverage.gaps(insured, 370000, june).unwrap();
        assert_eq!(province.describe(Lang::Zh), "山东省数据不全：部分记录因地区无法识别未通过校验，暂未计入（社保缴纳，2025年6月）");
        // A flow's quarter covers its months; a stock's quarter only its last month.
        let q2 = Period::Quarter { year: 2025, quarter: 2 };
        assert!(coverage.gaps(insured, 370100, q2).is_some());
        let headcount = catalogue::measure("insured_headcount").unwrap();
        assert!(coverage.gaps(headcount, 370100, q2).is_none(), "June is Jinan's last month and complete");
        let resident = catalogue::measure("resident_population_mobile").unwrap();
        assert_eq!(
            coverage.gaps(resident, 370200, q2).unwrap().describe(Lang::En),
            "Qingdao: 1 of 10 counties incomplete (Shinan District; mobile_population, Jun 2025)"
        );

        // The province past the tolerance as a whole, no county nor the unreadable rows
        // alone: said as such.
        let mut spread = cube.clone();
        spread.coverage = vec![month("social_insurance", june, vec![], vec![370000], 0)];
        let whole = Coverage::of(&spread).gaps(insured, 370000, june).unwrap();
        assert_eq!(whole.describe(Lang::Zh), "山东省数据不全：多地部分记录未通过校验，暂未计入（社保缴纳，2025年6月）");

        cube.measures = vec!["insured_net_change".into()];
        cube.cells = vec![
            Cell { measure: 0, region: 370100, period: may, dim: 0, value: Some(1.0), flags: 0 },
            Cell { measure: 0, region: 370200, period: may, dim: 0, value: Some(1.0), flags: 0 },
        ];
        assert_eq!(flag_incomplete(&mut cube), 1);
        assert_eq!(cube.cells.iter().map(|c| c.flags).collect::<Vec<_>>(), vec![crate::cube::flags::INCOMPLETE, 0]);
    }
}
