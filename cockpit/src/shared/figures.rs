//! What the panels show, read from the cube: the period a measure is shown for, values
//! with their changes, trend series, rankings and choropleth classes. Neither Bevy nor
//! egui here, so every number a panel draws is tested without a renderer.

use szjy_model::catalogue::{self, DimKind, MeasureDef};
use szjy_model::codes;
use szjy_model::completeness::{Coverage, Gaps};
use szjy_model::cube::{flags, Cube, Lookup, TOTAL};
use szjy_model::interpret::change_pct;
use szjy_model::lang::Lang;
use szjy_model::period::{Period, PeriodKind};
use szjy_model::region::{Adcode, RegionTree};
use szjy_model::rules::MeasureRules;

use crate::shared::scene::Hero;

/// The period just before `p` of the same kind, for series: year-to-date steps back one
/// month within its year, then to the previous year's full twelve months
/// (`Period::previous` compares a year-to-date with the same months a year earlier).
pub fn step_back(p: Period) -> Period {
    match p {
        Period::YearToDate { year, month: 1 } => Period::YearToDate { year: year - 1, month: 12 },
        Period::YearToDate { year, month } => Period::YearToDate { year, month: month - 1 },
        p => p.previous(),
    }
}

/// The cube's dimension key a measure is read at under the analyst's category filter (a
/// one-way breakdown category such as `grp:graduate`): the category where the measure is
/// broken down by its dimension, the total otherwise. `None` means the total.
pub fn applied_category<'a>(def: &MeasureDef, category: Option<&'a str>) -> Option<&'a str> {
    let (kind, _) = DimKind::from_key(category?)?;
    def.dims.contains(&kind).then_some(category?)
}

/// A measure's value for a region at the view's month, the period it is for, and its
/// changes on the previous period and a year earlier.
#[derive(Clone, Debug)]
pub struct Figure {
    pub measure: &'static MeasureDef,
    pub period: Period,
    pub value: Lookup,
    pub change_on_previous: Option<Change>,
    pub change_on_year: Option<Change>,
    /// The category the value is for (the filter, where it applies to this measure).
    pub category: Option<String>,
    /// What the value is missing, where it was computed over incomplete parts.
    pub gaps: Option<Gaps>,
}

/// The mark beside a figure computed over incomplete parts (数据不全).
pub const INCOMPLETE_MARK: &str = "※";

/// What flagged cells are missing. The cube's coverage is indexed on the first flagged
/// cell asked about, so views without gaps never pay for it; keep one finder for the
/// cells of a panel (a single figure makes its own).
pub struct GapFinder<'a> {
    cube: &'a Cube,
    coverage: std::cell::OnceCell<Coverage<'a>>,
}

impl<'a> GapFinder<'a> {
    pub fn new(cube: &'a Cube) -> Self {
        GapFinder { cube, coverage: std::cell::OnceCell::new() }
    }

    /// What the cell of `def` at `region`, `period` and `dim` is missing, if it is flagged
    /// incomplete.
    pub fn gaps(&self, def: &MeasureDef, region: Adcode, period: Period, dim: &str) -> Option<Gaps> {
        let flagged = self.cube.cell(def.id, region, period, dim).is_some_and(|c| c.flags & flags::INCOMPLETE != 0);
        flagged.then(|| self.coverage.get_or_init(|| Coverage::of(self.cube)).gaps(def, region, period)).flatten()
    }
}

/// A change between two values: in percent of the earlier one, or, for a measure that is
/// itself a percentage (a rate), in percentage points, as official releases state rates'
/// changes (登记失业率"上升0.02个百分点", not "上升2%").
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    Percent(f64),
    Points(f64),
}

impl Change {
    /// The change from `before` to `now` of a measure.
    pub fn between(def: &MeasureDef, now: Lookup, before: Lookup) -> Option<Change> {
        if is_rate(def) {
            match (now, before) {
                (Lookup::Value(a), Lookup::Value(b)) => Some(Change::Points(a - b)),
                _ => None,
            }
        } else {
            change_pct(now, before).map(Change::Percent)
        }
    }

    pub fn amount(self) -> f64 {
        match self {
            Change::Percent(v) | Change::Points(v) => v,
        }
    }

    /// "▲1.2%" or "▲0.02个百分点" / "▲0.02 pp", without a sign (the arrow tells it).
    pub fn label(self, lang: Lang) -> String {
        let v = self.amount();
        let arrow = if v > 0.0 {
            "▲"
        } else if v < 0.0 {
            "▼"
        } else {
            "■"
        };
        match self {
            Change::Percent(p) => format!("{arrow}{:.1}%", p.abs()),
            Change::Points(p) => format!("{arrow}{:.2}{}", p.abs(), lang.pick("个百分点", " pp")),
        }
    }
}

/// Whether a measure is a percentage (its changes are in percentage points).
pub fn is_rate(def: &MeasureDef) -> bool {
    def.unit_en == "%"
}

pub fn figure(cube: &Cube, measure: &str, region: Adcode, month: Period, category: Option<&str>) -> Option<Figure> {
    let def = catalogue::measure(measure)?;
    let period = def.period_at(month);
    let found = figure_at(cube, def, region, period, category);
    // A year that has no cell yet (e.g. zone standings before the year's first status)
    // falls back to the last complete year, and says so through `period`.
    if found.value == Lookup::Missing && def.native_period == PeriodKind::Year {
        return Some(figure_at(cube, def, region, period.previous(), category));
    }
    Some(found)
}

/// A measure's value for a region at a given period, with its changes.
pub fn figure_at(cube: &Cube, def: &'static MeasureDef, region: Adcode, period: Period, category: Option<&str>) -> Figure {
    let category = applied_category(def, category);
    let at = |period: Period| cube.get(def.id, region, period, category.unwrap_or(TOTAL));
    let value = at(period);
    // Year-to-date figures compare with the same months a year earlier; a month-on-month
    // change of a running sum says nothing.
    let change_on_previous = match period.kind() {
        PeriodKind::YearToDate => None,
        _ => Change::between(def, value, at(period.previous())),
    };
    let change_on_year = Change::between(def, value, at(period.year_ago()));
    let gaps = GapFinder::new(cube).gaps(def, region, period, category.unwrap_or(TOTAL));
    Figure { measure: def, period, value, change_on_previous, change_on_year, category: category.map(str::to_string), gaps }
}

/// A headline figure of the wall: a measure's value (the year so far for a cumulative
/// one) and, where the measure has a yearly target, how far it has come against the share
/// of the year gone.
#[derive(Clone, Debug)]
pub struct Headline {
    pub figure: Figure,
    pub progress: Option<Progress>,
    /// The figure published beside it, where there is one (not under a category filter:
    /// published figures are totals).
    pub published: Option<szjy_model::published::PublishedFigure>,
}

/// Progress towards a yearly target against the calendar (时间进度), both in percent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    pub done: f64,
    pub pace: f64,
}

/// What a wall must say under its caption about a headline figure, since nobody can hover
/// over it: the measure's definition where the scene asks for it, a value hidden for
/// confidentiality or missing, a figure over incomplete parts, a figure for an earlier
/// period than the month's.
pub fn footnotes(headline: &Headline, hero: &Hero, month: Period, rules: &MeasureRules, lang: Lang) -> Vec<String> {
    let f = &headline.figure;
    let name = f.measure.name(lang);
    let mut notes = Vec::new();
    if hero.define {
        notes.push(format!("{name}{}{}", lang.pick("：", ": "), f.measure.definition(rules, lang)));
    }
    match f.value {
        Lookup::Suppressed => notes.push(lang.pick(
            format!("{name}：涉及人数过少，按保密规则不予公开。"),
            format!("{name}: too few people to publish (confidentiality rule)."),
        )),
        Lookup::Missing => notes.push(lang.pick(format!("{name}：本期暂无数据。"), format!("{name}: no figure for this period yet."))),
        Lookup::Value(_) => {}
    }
    // Said of the region, not the figure: figures with the same gap share the note. A
    // hidden value has nothing to qualify.
    if let (Some(gaps), Lookup::Value(_)) = (&f.gaps, f.value) {
        notes.push(gaps.describe(lang));
    }
    // A published figure beside it is another measure: said apart, with its source.
    if let Some(published) = &headline.published {
        notes.push(szjy_model::interpret::published_sentence(published, lang));
    }
    let expected = if hero.year_to_date { month.year_to_date() } else { f.measure.period_at(month) };
    if f.period != expected {
        notes.push(lang.pick(
            format!("{name}：{}尚无数据，显示{}。", expected.label(lang), f.period.label(lang)),
            format!("{name}: none yet for {}; showing {}.", expected.label(lang), f.period.label(lang)),
        ));
    }
    notes
}

/// Each figure's marks and the page's footnotes, from each figure's notes: one footnote per
/// distinct note, so figures with the same gap share its mark ("①② 山东省数据不全…").
pub fn mark_footnotes(notes: Vec<Vec<String>>) -> (Vec<String>, Vec<String>) {
    let mut distinct: Vec<String> = Vec::new();
    let marks = notes
        .into_iter()
        .map(|figure| {
            let mut marks = String::new();
            for note in figure {
                let at = distinct.iter().position(|n| *n == note).unwrap_or_else(|| {
                    distinct.push(note);
                    distinct.len() - 1
                });
                marks.push(footnote_mark(at));
            }
            marks
        })
        .collect();
    let footnotes = distinct.into_iter().enumerate().map(|(i, note)| format!("{} {note}", footnote_mark(i))).collect();
    (marks, footnotes)
}

/// The mark of footnote `n` (0-based): ①, ②, …
pub fn footnote_mark(n: usize) -> char {
    char::from_u32(0x2460 + n.min(19) as u32).unwrap_or('*')
}

pub fn headline(cube: &Cube, hero: &Hero, region: Adcode, month: Period, category: Option<&str>, lang: Lang) -> Option<Headline> {
    let def = catalogue::measure(&hero.measure)?;
    let figure = if hero.year_to_date {
        figure_at(cube, def, region, month.year_to_date(), category)
    } else {
        figure(cube, &hero.measure, region, month, category)?
    };
    let progress = hero.progress.as_deref().and_then(|measure| {
        let def = catalogue::measure(measure)?;
        let period = def.period_at(month);
        let done = cube.get(measure, region, period, TOTAL).value()?;
        Some(Progress { done, pace: period.share_of_year() })
    });
    let published = applied_category(def, category)
        .is_none()
        .then(|| szjy_model::published::figure_for(cube, &hero.measure, region, figure.period, lang))
        .flatten();
    Some(Headline { figure, progress, published })
}

/// The last `months` months up to `month` (quarters for quarterly measures), oldest first,
/// with the value of each (None where missing or suppressed).
pub fn trend(cube: &Cube, measure: &str, region: Adcode, month: Period, months: u32, category: Option<&str>) -> Vec<(Period, Option<f64>)> {
    let Some(def) = catalogue::measure(measure) else { return Vec::new() };
    let dim = applied_category(def, category).unwrap_or(TOTAL);
    let last = def.period_at(month);
    let (step_count, start) = match def.native_period {
        PeriodKind::Quarter => (months.div_ceil(3), last),
        PeriodKind::Year => (months.div_ceil(12), last),
        _ => (months, last),
    };
    let mut periods = vec![start];
    for _ in 1..step_count.max(1) {
        periods.push(step_back(*periods.last().expect("not empty")));
    }
    periods.reverse();
    periods.into_iter().map(|p| (p, cube.get(measure, region, p, dim).value())).collect()
}

/// A series of published figures drawn beside one of the project's measures
/// (`Aggregation::Published::beside`).
#[derive(Clone, Debug)]
pub struct Published {
    /// Where the figures are for: the view's region, or the country as a reference.
    pub region: Adcode,
    /// The official measure's name, "全国" before it for the country's figures.
    pub name: String,
    /// At the chart's periods, in the unit of the measure it stands beside.
    pub points: Vec<(Period, Option<f64>)>,
    /// Each point's citation (publisher, document, date).
    pub citations: Vec<Option<String>>,
}

/// The published figures to draw beside `measure` at `periods`: for each official measure
/// that stands beside it, the figures of the region `szjy_model::published::source_region`
/// picks (its own, or for a rate those of the nearest region above it or the country);
/// none where no period has a figure.
pub fn published_beside(cube: &Cube, measure: &str, region: Adcode, periods: &[Period], lang: Lang) -> Vec<Published> {
    catalogue::published_beside(measure)
        .filter_map(|def| {
            let catalogue::Aggregation::Published { scale, .. } = def.aggregation else { return None };
            let at = szjy_model::published::source_region(cube, def, region)?;
            let points: Vec<(Period, Option<f64>)> =
                periods.iter().map(|&p| (p, cube.get(def.id, at, p, TOTAL).value().map(|v| v * scale))).collect();
            if points.iter().all(|(_, v)| v.is_none()) {
                return None;
            }
            let cited: Vec<_> = periods.iter().map(|&p| cube.citation(def.id, at, p)).collect();
            let citations = cited.iter().map(|c| c.map(|c| c.describe(lang))).collect();
            // One publisher for every figure shown is named in the legend.
            let mut publishers = cited.iter().flatten().map(|c| c.publisher.as_str());
            let first = publishers.next();
            let publisher = first.filter(|first| publishers.all(|p| p == *first));
            let name = szjy_model::published::name(def, at, region, lang);
            let name = match publisher {
                Some(publisher) => lang.pick(format!("{name}（{publisher}）"), format!("{name} ({publisher})")),
                None => name,
            };
            Some(Published { region: at, name, points, citations })
        })
        .collect()
}

/// One bar of a ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Region adcode or dimension key.
    pub key: String,
    pub label: String,
    /// What a wall shows for a long label: the short name (see [`short_label`]).
    pub short: String,
    pub value: f64,
    /// Its place among all the ranked, 1 for the largest.
    pub rank: usize,
    /// What the value is missing, in a sentence, where it was computed over incomplete
    /// parts.
    pub gaps: Option<String>,
}

impl Bar {
    /// The bar's row label: its rank, its label and, over incomplete parts, the mark.
    pub fn row_label(&self) -> String {
        match self.gaps {
            Some(_) => format!("{}. {} {INCOMPLETE_MARK}", self.rank, self.label),
            None => format!("{}. {}", self.rank, self.label),
        }
    }
}

/// The children of a region (cities of the province, counties of a city) ranked by a
/// measure, largest first: both ends (a county is ranked among its siblings and always
/// shown); suppressed and missing values are left out.
pub fn rank_children(
    cube: &Cube,
    measure: &str,
    region: Adcode,
    month: Period,
    category: Option<&str>,
    ends: Ends,
    lang: Lang,
) -> (Period, Vec<Bar>) {
    let Some(def) = catalogue::measure(measure) else { return (month, Vec::new()) };
    let dim = applied_category(def, category).unwrap_or(TOTAL);
    let tree = RegionTree::shandong();
    // A county has no children: rank it among its siblings instead.
    let parent = match tree.children(region).next() {
        Some(_) => region,
        None => tree.parent(region).map_or(region, |p| p.adcode),
    };
    let period = figure(cube, measure, parent, month, category).map_or(def.period_at(month), |f| f.period);
    let finder = GapFinder::new(cube);
    let bars: Vec<Bar> = tree
        .children(parent)
        .filter_map(|r| {
            let value = cube.get(measure, r.adcode, period, dim).value()?;
            let (label, short) = (r.name(lang).to_string(), r.name(lang).to_string());
            let gaps = finder.gaps(def, r.adcode, period, dim).map(|g| g.describe(lang));
            Some(Bar { key: r.adcode.to_string(), label, short, value, rank: 0, gaps })
        })
        .collect();
    let pinned = (parent != region).then(|| region.to_string());
    (period, top_and_bottom(bars, ends, pinned.as_deref()))
}

/// A measure's breakdown by a dimension at a region, largest first: both ends.
pub fn rank_dimension(
    cube: &Cube,
    measure: &str,
    region: Adcode,
    month: Period,
    dim: DimKind,
    ends: Ends,
    lang: Lang,
) -> (Period, Vec<Bar>) {
    let Some(def) = catalogue::measure(measure) else { return (month, Vec::new()) };
    let period = def.period_at(month);
    let region = breakdown_region(region);
    let bars: Vec<Bar> = cube
        .breakdown(measure, region, period, dim.prefix())
        .into_iter()
        .filter_map(|(code, lookup)| {
            let (label, short) = (dimension_label(dim, &code, lang), short_label(dim, &code, lang));
            // The region's gaps are every category's: the ranking's caption says them once.
            Some(Bar { label, short, key: code, value: lookup.value()?, rank: 0, gaps: None })
        })
        .collect();
    (period, top_and_bottom(bars, ends, None))
}

/// The region whose breakdowns a region shows: its own, or a county's city's (counties
/// publish totals only).
pub fn breakdown_region(region: Adcode) -> Adcode {
    let tree = RegionTree::shandong();
    if tree.children(region).next().is_none() {
        tree.parent(region).map_or(region, |p| p.adcode)
    } else {
        region
    }
}

/// How many of a ranking's ends show: the largest and the smallest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ends {
    pub top: usize,
    pub bottom: usize,
}

/// Bars ranked largest first, keeping the `top` largest, the `bottom` smallest (so the
/// worst of a measure that can fall shows too) and the pinned key wherever it ranks.
pub fn top_and_bottom(mut bars: Vec<Bar>, Ends { top, bottom }: Ends, pinned: Option<&str>) -> Vec<Bar> {
    bars.sort_by(|a, b| b.value.total_cmp(&a.value).then_with(|| a.key.cmp(&b.key)));
    let count = bars.len();
    for (i, bar) in bars.iter_mut().enumerate() {
        bar.rank = i + 1;
    }
    bars.retain(|b| b.rank <= top || b.rank + bottom > count || pinned == Some(b.key.as_str()));
    bars
}

/// The readable name of a dimension category.
pub fn dimension_label(dim: DimKind, code: &str, lang: Lang) -> String {
    let list = match dim {
        DimKind::Occupation => return codes::occupation_name(code).map_or_else(|| code.to_string(), |o| o.name(lang).to_string()),
        DimKind::Industry => codes::INDUSTRIES,
        DimKind::KeyGroup => codes::KEY_GROUPS,
        DimKind::SubsidyType => codes::SUBSIDY_TYPES,
        DimKind::Sector => codes::SECTORS,
    };
    list.iter().find(|e| e.0 == code).map_or_else(|| code.to_string(), |e| (lang.pick(e.1, e.2)).to_string())
}

/// Short Chinese names of the GB/T 4754—2017 industry sections whose full names run
/// long, in the joined form statistical charts use (交通运输仓储邮政 for 交通运输、仓储和
/// 邮政业); the project's shortening, not a standard's. The wall shows these; the desk
/// the full name.
const INDUSTRY_SHORT_ZH: &[(&str, &str)] = &[
    ("A", "农林牧渔业"),
    ("D", "电力热力燃气水"),
    ("F", "批发零售业"),
    ("G", "交通运输仓储邮政"),
    ("H", "住宿餐饮业"),
    ("I", "信息技术服务业"),
    ("L", "租赁商务服务业"),
    ("M", "科研技术服务业"),
    ("N", "水利环境公共设施"),
    ("O", "居民服务修理业"),
    ("Q", "卫生社会工作"),
    ("R", "文化体育娱乐业"),
    ("S", "公共管理社会组织"),
];

/// A category's name for a wall: the short name where there is one, else the name.
pub fn short_label(dim: DimKind, code: &str, lang: Lang) -> String {
    let short = match (dim, lang) {
        (DimKind::Industry, Lang::Zh) => INDUSTRY_SHORT_ZH.iter().find(|e| e.0 == code).map(|e| e.1),
        _ => None,
    };
    short.map_or_else(|| dimension_label(dim, code, lang), str::to_string)
}

/// The readable name of a category key such as `grp:高校毕业生` or `occ:4-02-07-08`.
pub fn category_label(key: &str, lang: Lang) -> String {
    DimKind::from_key(key).map_or_else(|| key.to_string(), |(dim, code)| dimension_label(dim, code, lang))
}

/// The cube's value of `measure` for each region, at the period it is shown for.
pub fn map_values(
    cube: &Cube,
    measure: &str,
    regions: impl Iterator<Item = Adcode>,
    month: Period,
    category: Option<&str>,
) -> (Period, Vec<(Adcode, Lookup)>) {
    let Some(def) = catalogue::measure(measure) else { return (month, Vec::new()) };
    let dim = applied_category(def, category).unwrap_or(TOTAL);
    let period = figure(cube, measure, szjy_model::region::PROVINCE, month, category).map_or(def.period_at(month), |f| f.period);
    (period, regions.map(|r| (r, cube.get(measure, r, period, dim))).collect())
}

/// The wall's footnote for the map's marks: "※ 地图中济南市、青岛市本期数据不全".
pub fn map_marks_note(gaps: &std::collections::HashMap<Adcode, String>, lang: Lang) -> String {
    let tree = RegionTree::shandong();
    let mut regions: Vec<Adcode> = gaps.keys().copied().collect();
    regions.sort_unstable();
    let names: Vec<&str> = regions.iter().take(3).filter_map(|r| Some(tree.get(*r)?.name(lang))).collect();
    let more = if regions.len() > 3 {
        lang.pick(format!("等{}个地区", regions.len()), format!(" and {} more", regions.len() - 3))
    } else {
        String::new()
    };
    lang.pick(
        format!("{INCOMPLETE_MARK} 地图中{}{more}本期数据不全，部分记录缺报或未通过校验", names.join("、")),
        format!("{INCOMPLETE_MARK} On the map, {}{more}: incomplete this period (records missing or failing validation)", names.join(", ")),
    )
}

/// What each of `regions`' cells of the map (`measure` at `period`, under the category
/// filter) is missing, in a sentence, for those computed over incomplete parts.
pub fn map_gaps(
    cube: &Cube,
    measure: &str,
    regions: impl Iterator<Item = Adcode>,
    period: Period,
    category: Option<&str>,
    lang: Lang,
) -> Vec<(Adcode, String)> {
    let Some(def) = catalogue::measure(measure) else { return Vec::new() };
    let dim = applied_category(def, category).unwrap_or(TOTAL);
    let finder = GapFinder::new(cube);
    regions.filter_map(|r| Some((r, finder.gaps(def, r, period, dim)?.describe(lang)))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use szjy_model::cube::flags;

    const JINAN: Adcode = 370100;
    const QINGDAO: Adcode = 370200;

    fn cube() -> Cube {
        let mut c = Cube::new(NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), true);
        for (m, v) in [(5, 100.0), (6, 120.0)] {
            c.insert("new_urban_jobs", JINAN, Period::month(2025, m), TOTAL, v, 0);
        }
        c.insert("new_urban_jobs", JINAN, Period::month(2024, 6), TOTAL, 96.0, 0);
        c.insert("new_urban_jobs", QINGDAO, Period::month(2025, 6), TOTAL, 300.0, 0);
        c.insert("new_urban_jobs", szjy_model::region::PROVINCE, Period::month(2025, 6), TOTAL, 420.0, 0);
        c.insert("new_urban_jobs", JINAN, Period::YearToDate { year: 2025, month: 6 }, TOTAL, 600.0, 0);
        c.insert("shortage_score", JINAN, Period::Quarter { year: 2025, quarter: 1 }, "occ:6-18-01-01", 80.0, 0);
        c.insert("shortage_score", JINAN, Period::Quarter { year: 2025, quarter: 1 }, "occ:4-01-02-01", 90.0, 0);
        c.insert("zone_pass_rate", JINAN, Period::Year { year: 2024 }, TOTAL, 75.0, 0);
        c
    }

    #[test]
    fn a_figure_has_its_changes() {
        let f = figure(&cube(), "new_urban_jobs", JINAN, Period::month(2025, 6), None).unwrap();
        assert_eq!(f.value, Lookup::Value(120.0));
        assert!((f.change_on_previous.unwrap().amount() - 20.0).abs() < 1e-9);
        assert!((f.change_on_year.unwrap().amount() - 25.0).abs() < 1e-9);
    }

    #[test]
    fn rates_change_in_percentage_points() {
        let mut c = cube();
        c.insert("registered_unemployment_rate", JINAN, Period::month(2025, 5), TOTAL, 1.42, 0);
        c.insert("registered_unemployment_rate", JINAN, Period::month(2025, 6), TOTAL, 1.39, 0);
        let f = figure(&c, "registered_unemployment_rate", JINAN, Period::month(2025, 6), None).unwrap();
        let Some(Change::Points(p)) = f.change_on_previous else { panic!("{:?}", f.change_on_previous) };
        assert!((p + 0.03).abs() < 1e-9);
        assert_eq!(Change::Points(p).label(Lang::Zh), "▼0.03个百分点");
        assert_eq!(Change::Points(p).label(Lang::En), "▼0.03 pp");
        assert_eq!(Change::Percent(2.06).label(Lang::Zh), "▲2.1%");
    }

    #[test]
    fn a_headline_reads_the_year_so_far_and_its_progress_against_the_calendar() {
        let mut c = cube();
        c.insert("new_urban_jobs_progress", JINAN, Period::YearToDate { year: 2025, month: 6 }, TOTAL, 55.0, 0);
        let hero =
            Hero { measure: "new_urban_jobs".into(), year_to_date: true, progress: Some("new_urban_jobs_progress".into()), define: false };
        let h = headline(&c, &hero, JINAN, Period::month(2025, 6), None, Lang::Zh).unwrap();
        assert_eq!((h.figure.value, h.figure.period), (Lookup::Value(600.0), Period::YearToDate { year: 2025, month: 6 }));
        assert_eq!(h.progress, Some(Progress { done: 55.0, pace: 50.0 }));
        // Without a target: no progress, the month's value.
        let month = Hero { measure: "new_urban_jobs".into(), year_to_date: false, progress: None, define: false };
        let h = headline(&c, &month, JINAN, Period::month(2025, 6), None, Lang::Zh).unwrap();
        assert_eq!((h.figure.value, h.progress), (Lookup::Value(120.0), None));
        assert!(footnotes(&h, &month, Period::month(2025, 6), &c.rules, Lang::Zh).is_empty(), "nothing to say");
    }

    #[test]
    fn short_names_are_shorter_and_only_where_the_full_name_runs_long() {
        for (code, zh, _) in codes::INDUSTRIES {
            let short = short_label(DimKind::Industry, code, Lang::Zh);
            assert!(short.chars().count() <= 8, "{code}: {short}");
            assert!(short.chars().count() <= zh.chars().count(), "{code}: {short} is no shorter than {zh}");
        }
        assert_eq!(short_label(DimKind::Industry, "I", Lang::Zh), "信息技术服务业");
        assert_eq!(short_label(DimKind::Industry, "C", Lang::Zh), "制造业");
        assert_eq!(short_label(DimKind::Industry, "I", Lang::En), "Information technology");
    }

    #[test]
    fn a_wall_footnotes_a_definition_asked_for_a_hidden_value_and_an_earlier_period() {
        let mut c = cube();
        c.insert("registered_unemployed", JINAN, Period::month(2025, 6), TOTAL, 3.0, flags::SUPPRESSED_PRIMARY);
        c.cells.last_mut().unwrap().value = None;
        let june = Period::month(2025, 6);
        let hidden = Hero { measure: "registered_unemployed".into(), year_to_date: false, progress: None, define: true };
        let h = headline(&c, &hidden, JINAN, june, None, Lang::Zh).unwrap();
        let notes = footnotes(&h, &hidden, june, &c.rules, Lang::Zh);
        let def = catalogue::measure("registered_unemployed").unwrap();
        assert_eq!(
            notes,
            vec![
                format!("登记失业人数：{}", def.definition(&c.rules, Lang::Zh)),
                "登记失业人数：涉及人数过少，按保密规则不予公开。".to_string()
            ]
        );
        // Zone pass rates are yearly: with no 2025 standing the wall shows 2024's and says so.
        let zones = Hero { measure: "zone_pass_rate".into(), year_to_date: false, progress: None, define: false };
        let h = headline(&c, &zones, JINAN, june, None, Lang::Zh).unwrap();
        assert_eq!(h.figure.period, Period::Year { year: 2024 });
        let name = catalogue::measure("zone_pass_rate").unwrap().name_en;
        assert_eq!(footnotes(&h, &zones, june, &c.rules, Lang::En), vec![format!("{name}: none yet for 2025; showing 2024.")]);
        let (marks, notes) = mark_footnotes(vec![vec!["gap".into()], vec!["define".into(), "gap".into()], vec![]]);
        assert_eq!(marks, vec!["①", "②①", ""]);
        assert_eq!(notes, vec!["① gap", "② define"]);
        assert_eq!([0, 1, 9].map(footnote_mark), ['①', '②', '⑩']);
    }

    #[test]
    fn a_category_filter_applies_only_to_measures_broken_down_by_it() {
        let mut c = cube();
        c.insert("registered_unemployed", JINAN, Period::month(2025, 6), TOTAL, 500.0, 0);
        c.insert("registered_unemployed", JINAN, Period::month(2025, 6), "grp:高校毕业生", 80.0, 0);
        let graduates = Some("grp:高校毕业生");
        let f = figure(&c, "registered_unemployed", JINAN, Period::month(2025, 6), graduates).unwrap();
        assert_eq!((f.value, f.category.as_deref()), (Lookup::Value(80.0), graduates));
        // Zone pass rates have no key-group breakdown: the total, marked as unfiltered.
        let f = figure(&c, "zone_pass_rate", JINAN, Period::month(2025, 6), graduates).unwrap();
        assert_eq!((f.value, f.category), (Lookup::Value(75.0), None));
        let (_, values) = map_values(&c, "registered_unemployed", [JINAN, QINGDAO].into_iter(), Period::month(2025, 6), graduates);
        assert_eq!(values, vec![(JINAN, Lookup::Value(80.0)), (QINGDAO, Lookup::Missing)]);
        // A category of another dimension leaves the measure at its total.
        assert_eq!(applied_category(catalogue::measure("registered_unemployed").unwrap(), Some("ind:C")), None);
    }

    #[test]
    fn quarterly_and_yearly_measures_show_their_own_period() {
        let def = catalogue::measure("shortage_score").unwrap();
        assert_eq!(def.period_at(Period::month(2025, 6)), Period::Quarter { year: 2025, quarter: 2 });
        assert_eq!(def.period_at(Period::month(2025, 5)), Period::Quarter { year: 2025, quarter: 1 });
        // A year with no standing yet falls back to the last one.
        let f = figure(&cube(), "zone_pass_rate", JINAN, Period::month(2025, 6), None).unwrap();
        assert_eq!((f.period, f.value), (Period::Year { year: 2024 }, Lookup::Value(75.0)));
    }

    #[test]
    fn rankings_sort_and_name_their_bars() {
        let (_, bars) = rank_children(
            &cube(),
            "new_urban_jobs",
            szjy_model::region::PROVINCE,
            Period::month(2025, 6),
            None,
            Ends { top: 10, bottom: 0 },
            Lang::Zh,
        );
        let labels: Vec<&str> = bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["青岛市", "济南市"]);
        let (period, bars) = rank_dimension(
            &cube(),
            "shortage_score",
            JINAN,
            Period::month(2025, 5),
            DimKind::Occupation,
            Ends { top: 1, bottom: 0 },
            Lang::Zh,
        );
        assert_eq!(period, Period::Quarter { year: 2025, quarter: 1 });
        assert_eq!(bars.len(), 1);
        assert_eq!(bars[0].key, "4-01-02-01");
        assert_ne!(bars[0].label, bars[0].key, "occupation codes get their names");
    }

    #[test]
    fn rankings_and_the_map_mark_regions_over_incomplete_parts() {
        let mut c = cube();
        let june = Period::month(2025, 6);
        // Registrations of 历下 were quarantined past the tolerance in June, and so were
        // Jinan's as a whole; Qingdao's are complete.
        c.coverage = vec![szjy_model::cube::SourceMonth {
            source: "employment_registrations".into(),
            month: june,
            accepted: 100,
            quarantined: 9,
            unreadable: 0,
            missing: vec![],
            quarantined_in: vec![JINAN, 370102],
            silent: vec![],
        }];
        assert!(szjy_model::completeness::flag_incomplete(&mut c) > 0);
        let (_, bars) =
            rank_children(&c, "new_urban_jobs", szjy_model::region::PROVINCE, june, None, Ends { top: 10, bottom: 0 }, Lang::Zh);
        let gaps: Vec<(&str, Option<&str>)> = bars.iter().map(|b| (b.label.as_str(), b.gaps.as_deref())).collect();
        assert_eq!(gaps, [("青岛市", None), ("济南市", Some("济南市12个县（市、区）中1个数据不全（历下区；就业登记，2025年6月）"))]);
        let marked = map_gaps(&c, "new_urban_jobs", [JINAN, QINGDAO].into_iter(), june, None, Lang::Zh);
        assert_eq!(marked.iter().map(|(r, _)| *r).collect::<Vec<_>>(), vec![JINAN]);
        assert!(map_gaps(&cube(), "new_urban_jobs", [JINAN, QINGDAO].into_iter(), june, None, Lang::Zh).is_empty());
        let note = map_marks_note(&marked.into_iter().collect(), Lang::Zh);
        assert_eq!(note, "※ 地图中济南市本期数据不全，部分记录缺报或未通过校验");
    }

    #[test]
    fn rankings_keep_both_ends_and_the_pinned_region() {
        let bar = |key: &str, value: f64| Bar { key: key.into(), label: key.into(), short: key.into(), value, rank: 0, gaps: None };
        let bars = vec![bar("a", 5.0), bar("b", -118.0), bar("c", 30.0), bar("d", -74.0), bar("e", 12.0), bar("f", 0.0)];
        let both = |n: usize| Ends { top: n, bottom: n };
        let kept = top_and_bottom(bars.clone(), both(2), None);
        let seen: Vec<(&str, usize)> = kept.iter().map(|b| (b.key.as_str(), b.rank)).collect();
        // The largest two and the smallest two, the most negative last.
        assert_eq!(seen, [("c", 1), ("e", 2), ("d", 5), ("b", 6)]);
        assert_eq!(top_and_bottom(bars.clone(), both(10), None).len(), 6, "a short list shows whole");
        let top_only = top_and_bottom(bars.clone(), Ends { top: 2, bottom: 0 }, None);
        assert_eq!(top_only.iter().map(|b| b.key.as_str()).collect::<Vec<_>>(), ["c", "e"]);
        let pinned = top_and_bottom(bars, both(1), Some("a"));
        assert_eq!(pinned.iter().map(|b| (b.key.as_str(), b.rank)).collect::<Vec<_>>(), [("c", 1), ("a", 3), ("b", 6)]);
    }

    #[test]
    fn trends_run_oldest_first_with_gaps() {
        let t = trend(&cube(), "new_urban_jobs", JINAN, Period::month(2025, 6), 3, None);
        assert_eq!(t, vec![(Period::month(2025, 4), None), (Period::month(2025, 5), Some(100.0)), (Period::month(2025, 6), Some(120.0))]);
    }

    fn cite(c: &mut Cube, measure: &str, region: Adcode, period: Period, value: f64) {
        c.insert(measure, region, period, TOTAL, value, flags::OFFICIAL);
        c.citations.push(szjy_model::cube::Citation {
            measure: measure.into(),
            region,
            period,
            publisher: "国家统计局".into(),
            document: "月度国民经济运行情况".into(),
            published: NaiveDate::from_ymd_opt(2025, 7, 15).unwrap(),
            url: None,
            note: None,
        });
    }

    #[test]
    fn published_figures_stand_beside_their_measure_the_regions_own_first() {
        let mut c = cube();
        let national = szjy_model::region::NATIONAL;
        cite(&mut c, "surveyed_unemployment_rate", national, Period::month(2025, 6), 5.0);
        cite(&mut c, "official_new_urban_jobs", JINAN, Period::Year { year: 2024 }, 17.4);
        cite(&mut c, "official_new_urban_jobs", national, Period::Year { year: 2024 }, 1256.0);
        let months = [Period::month(2025, 5), Period::month(2025, 6)];
        // Jinan has no surveyed rate of its own: the country's stands beside as a reference.
        let rate = published_beside(&c, "registered_unemployment_rate", JINAN, &months, Lang::Zh);
        assert_eq!(rate.len(), 1);
        assert_eq!((rate[0].region, rate[0].name.as_str()), (national, "全国城镇调查失业率（国家统计局）"));
        assert_eq!(rate[0].points, vec![(months[0], None), (months[1], Some(5.0))]);
        assert_eq!(rate[0].citations[0], None);
        assert!(rate[0].citations[1].as_deref().is_some_and(|c| c.contains("国家统计局") && c.contains("2025-07-15")));
        // Jinan's own new-jobs figure wins over the country's, in persons (万人 × 10 000).
        let jobs = published_beside(&c, "new_urban_jobs", JINAN, &[Period::Year { year: 2024 }], Lang::Zh);
        assert_eq!(jobs[0].region, JINAN);
        assert!(jobs[0].points[0].1.is_some_and(|v| (v - 174_000.0).abs() < 1e-6), "{:?}", jobs[0].points);
        // A headline's footnote: the newest monthly figure within a year of the month.
        let figure = szjy_model::published::figure_for(&c, "registered_unemployment_rate", JINAN, Period::month(2026, 5), Lang::Zh)
            .expect("a figure");
        let sentence = szjy_model::interpret::published_sentence(&figure, Lang::Zh);
        assert_eq!(sentence, "全国城镇调查失业率最新发布为5.0%（2025年6月，国家统计局）");
        // Jinan's own new-jobs figure of 2024 stands beside its 2024 headline.
        let year = szjy_model::published::figure_for(&c, "new_urban_jobs", JINAN, Period::Year { year: 2024 }, Lang::Zh).expect("2024");
        assert_eq!((year.name.as_str(), year.value), ("城镇新增就业（官方发布）", 17.4));
        // Periods without a figure draw nothing.
        assert!(published_beside(&c, "registered_unemployment_rate", JINAN, &[Period::month(2023, 1)], Lang::Zh).is_empty());
        assert!(published_beside(&c, "vacancies", JINAN, &months, Lang::Zh).is_empty());
    }
}
