//! Published figures beside the project's own measures: whose figures a region is shown
//! (its own; for a rate, else the nearest region above it with some, else the country's),
//! what they are called there, and the figure a headline or a sentence quotes. One rule
//! for the cockpit's charts and footnotes and the interpretation.

use crate::catalogue::{self, Aggregation, MeasureDef};
use crate::cube::Cube;
use crate::lang::Lang;
use crate::period::{Period, PeriodKind};
use crate::region::{national_name, Adcode, RegionTree, NATIONAL};

/// How far back a published monthly figure is quoted beside a month: publishers release
/// after registers close, but a figure more than a year old is not news.
pub const MONTHS_BACK: i32 = 12;

/// Whose figures of the official measure `def` stand beside `region`: its own where the
/// cube has any; for a reference measure (a rate) else the nearest region above it with
/// some, else the country's; none otherwise.
pub fn source_region(cube: &Cube, def: &MeasureDef, region: Adcode) -> Option<Adcode> {
    let has_figures = |at: Adcode| cube.citations.iter().any(|c| c.measure == def.id && c.region == at);
    if has_figures(region) {
        return Some(region);
    }
    let Aggregation::Published { reference: true, .. } = def.aggregation else { return None };
    let above = RegionTree::shandong().path(region).into_iter().rev().skip(1).map(|r| r.adcode);
    above.chain([NATIONAL]).find(|&at| has_figures(at))
}

/// The official measure's name for figures of `at` shown beside `region`: its own name
/// for the region's own, else with the other region's name before it ("全国城镇调查失业率").
pub fn name(def: &MeasureDef, at: Adcode, region: Adcode, lang: Lang) -> String {
    if at == region {
        return def.name(lang).to_string();
    }
    let whose = if at == NATIONAL { national_name(lang) } else { RegionTree::shandong().get(at).map_or("", |r| r.name(lang)) };
    lang.pick(format!("{whose}{}", def.name(lang)), format!("{whose}: {}", def.name(lang)))
}

/// A published figure a headline or a sentence quotes.
#[derive(Clone, Debug)]
pub struct PublishedFigure {
    pub measure: &'static MeasureDef,
    /// Whose figure it is.
    pub region: Adcode,
    /// [`name`] beside the region asked about.
    pub name: String,
    /// In the official measure's unit.
    pub value: f64,
    pub period: Period,
    pub publisher: String,
}

/// The figure published beside `measure` for `region` at `period`: for a month, the
/// newest monthly figure within [`MONTHS_BACK`] months; for a quarter, a year or 1–N月,
/// the figure of that very period (1–9月 is no figure for 1–12月; a year is 1–12月).
pub fn figure_for(cube: &Cube, measure: &str, region: Adcode, period: Period, lang: Lang) -> Option<PublishedFigure> {
    catalogue::published_beside(measure).find_map(|def| {
        let at = source_region(cube, def, region)?;
        let wanted = |p: Period| match period {
            Period::Month { .. } => p.kind() == PeriodKind::Month && (0..=MONTHS_BACK).contains(&(period.month_index() - p.month_index())),
            Period::YearToDate { year, month: 12 } => p == period || p == Period::Year { year },
            _ => p == period,
        };
        let citation = cube
            .citations
            .iter()
            .filter(|c| c.measure == def.id && c.region == at && wanted(c.period))
            .max_by_key(|c| (c.period.month_index(), c.period.kind() == PeriodKind::Year))?;
        let value = cube.total(def.id, at, citation.period).value()?;
        Some(PublishedFigure {
            measure: def,
            region: at,
            name: name(def, at, region, lang),
            value,
            period: citation.period,
            publisher: citation.publisher.clone(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cube::{flags, Citation, TOTAL};
    use chrono::NaiveDate;

    fn cite(c: &mut Cube, measure: &str, region: Adcode, period: Period, value: f64) {
        c.insert(measure, region, period, TOTAL, value, flags::OFFICIAL);
        c.citations.push(Citation {
            measure: measure.into(),
            region,
            period,
            publisher: "国家统计局".into(),
            document: "发布稿".into(),
            published: NaiveDate::from_ymd_opt(2026, 1, 19).unwrap(),
            url: None,
            note: None,
        });
    }

    #[test]
    fn a_region_is_shown_its_own_figures_else_a_rates_nearest_above() {
        let mut c = Cube::new(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(), true);
        cite(&mut c, "surveyed_unemployment_rate", NATIONAL, Period::month(2025, 12), 5.1);
        cite(&mut c, "surveyed_unemployment_rate", 370000, Period::month(2025, 11), 5.0);
        cite(&mut c, "official_new_urban_jobs", NATIONAL, Period::Year { year: 2025 }, 1267.0);
        let surveyed = catalogue::measure("surveyed_unemployment_rate").unwrap();
        let jobs = catalogue::measure("official_new_urban_jobs").unwrap();
        // 历下区 has no surveyed rate of its own: the province's, the nearest above.
        assert_eq!(source_region(&c, surveyed, 370102), Some(370000));
        assert_eq!(name(surveyed, 370000, 370102, Lang::Zh), "山东省城镇调查失业率");
        assert_eq!(name(surveyed, NATIONAL, 370000, Lang::En), "China: Surveyed urban unemployment rate");
        // A national total is no reference for a region's count.
        assert_eq!(source_region(&c, jobs, 370100), None);
        assert_eq!(source_region(&c, jobs, NATIONAL), Some(NATIONAL));
        // A month's headline quotes the newest monthly figure within a year.
        let at = |y, m| figure_for(&c, "registered_unemployment_rate", 370000, Period::month(y, m), Lang::Zh);
        assert_eq!(at(2026, 5).map(|f| (f.value, f.period)), Some((5.0, Period::month(2025, 11))));
        assert!(at(2026, 12).is_none(), "13 months on");
        // 1–12月 is the year.
        let full_year = figure_for(&c, "new_urban_jobs", NATIONAL, Period::YearToDate { year: 2025, month: 12 }, Lang::Zh);
        assert_eq!(full_year.map(|f| f.value), Some(1267.0));
        assert!(figure_for(&c, "new_urban_jobs", NATIONAL, Period::YearToDate { year: 2025, month: 9 }, Lang::Zh).is_none());
    }
}
