//! The roll-up: facts at each measure's finest level and native period become cells for
//! every region level (county → city → province) and period kind (month, quarter, year,
//! year-to-date), then ratios and target progress are computed from the aggregated
//! parts. One lazy pipeline for all measures, driven by the catalogue.

use polars::prelude::*;

use super::models::{concat_facts, exact_mean, exact_sum, fixed, month_index, unfixed, DIM, MEASURE, MONTH, REGION, VALUE, YEAR};
use szjy_model::catalogue::{self, Aggregation, MEASURES};
use szjy_model::period::PeriodKind;
use szjy_model::region::{Level, RegionTree, PROVINCE};

pub const KIND: &str = "kind";
pub const NUM: &str = "num";
pub const LEVEL: &str = "level";

/// A measure's code inside the roll-up: its position in the catalogue.
fn measure_code(id: &str) -> u32 {
    MEASURES.iter().position(|m| m.id == id).unwrap_or_else(|| panic!("measure {id} is not in the catalogue")) as u32
}

fn measure_codes(ids: &[&str]) -> Expr {
    lit(Series::new("codes".into(), ids.iter().map(|id| measure_code(id)).collect::<Vec<u32>>())).implode(false)
}

/// The dimension code of a total.
const TOTAL_CODE: u32 = 0;

/// Inside the roll-up, measures and dimension keys are numbers: they are in every group-by
/// and join key, and comparing numbers is several times cheaper than comparing text (most
/// ids and keys are too long for Polars' inline strings). `dims` lists the keys by code;
/// the total is code 0.
struct Codes {
    dims: Vec<String>,
}

impl Codes {
    fn of(facts: &DataFrame) -> PolarsResult<Self> {
        let unique = facts.column(DIM)?.unique()?;
        let mut dims: Vec<String> = unique.str()?.iter().flatten().filter(|d| !d.is_empty()).map(str::to_string).collect();
        dims.sort_unstable();
        dims.insert(TOTAL_CODE as usize, String::new());
        Ok(Codes { dims })
    }

    fn encode(&self, lf: LazyFrame) -> LazyFrame {
        lf.with_columns([
            recode(MEASURE, measure_ids(), code_series(MEASURES.len()), DataType::UInt32),
            recode(DIM, Series::new("keys".into(), self.dims.clone()), code_series(self.dims.len()), DataType::UInt32),
        ])
    }

    fn decode(&self, lf: LazyFrame) -> LazyFrame {
        let small =
            |names: &[&str]| (Series::new("codes".into(), (0..names.len() as u32).collect::<Vec<_>>()), Series::new("names".into(), names));
        let (levels, level_names) = small(&code::LEVELS);
        let (kinds, kind_names) = small(&code::KINDS);
        lf.with_columns([
            recode(MEASURE, code_series(MEASURES.len()), measure_ids(), DataType::String),
            recode(DIM, code_series(self.dims.len()), Series::new("keys".into(), self.dims.clone()), DataType::String),
            recode(LEVEL, levels, level_names, DataType::String),
            recode(KIND, kinds, kind_names, DataType::String),
        ])
    }
}

fn measure_ids() -> Series {
    Series::new("ids".into(), MEASURES.iter().map(|m| m.id).collect::<Vec<_>>())
}

fn code_series(n: usize) -> Series {
    Series::new("codes".into(), (0..n as u32).collect::<Vec<_>>())
}

/// `column` with each value of `from` replaced by the value of `to` at the same position.
fn recode(column: &str, from: Series, to: Series, dtype: DataType) -> Expr {
    col(column).replace_strict(lit(from).implode(false), lit(to).implode(false), None, Some(dtype))
}

/// Small codes for the roll-up's own columns (`agg`, `native`, `level`, `kind`): like
/// measures and dimensions they sit in group-by keys, filters and joins of every stage.
mod code {
    pub const SUM: u32 = 0;
    pub const STOCK: u32 = 1;
    pub const MEAN: u32 = 2;
    pub const DERIVED: u32 = 3;

    pub const MONTH: u32 = 0;
    pub const QUARTER: u32 = 1;
    pub const YEAR: u32 = 2;

    /// Levels and period kinds, by code, as the roll-up's output names them.
    pub const LEVELS: [&str; 3] = ["county", "city", "province"];
    pub const KINDS: [&str; 4] = ["M", "Q", "Y", "YTD"];
    pub const COUNTY: u32 = 0;
    pub const CITY: u32 = 1;
    pub const PROVINCE: u32 = 2;
    pub const M: u32 = 0;
    pub const Q: u32 = 1;
    pub const Y: u32 = 2;
    pub const YTD: u32 = 3;
}

/// A code as a literal of the codes' type.
fn code_lit(c: u32) -> Expr {
    lit(c).cast(DataType::UInt32)
}

fn meta() -> PolarsResult<LazyFrame> {
    let ids: Vec<u32> = (0..MEASURES.len() as u32).collect();
    let agg: Vec<u32> = MEASURES
        .iter()
        .map(|m| match m.aggregation {
            Aggregation::Sum => code::SUM,
            Aggregation::Stock => code::STOCK,
            Aggregation::Mean => code::MEAN,
            Aggregation::Ratio { .. } | Aggregation::Progress { .. } | Aggregation::Model | Aggregation::Published { .. } => code::DERIVED,
        })
        .collect();
    let native: Vec<u32> = MEASURES
        .iter()
        .map(|m| match m.native_period {
            PeriodKind::Month => code::MONTH,
            PeriodKind::Quarter => code::QUARTER,
            PeriodKind::Year | PeriodKind::YearToDate => code::YEAR,
        })
        .collect();
    let county_finest: Vec<bool> = MEASURES.iter().map(|m| m.finest_level == Level::County).collect();
    let ytd: Vec<bool> = MEASURES.iter().map(|m| m.year_to_date).collect();
    Ok(df!(MEASURE => ids, "agg" => agg, "native" => native, "county_finest" => county_finest, "ytd" => ytd)?.lazy())
}

/// County → city mapping, and the city list.
fn region_frames() -> PolarsResult<(LazyFrame, LazyFrame)> {
    let tree = RegionTree::shandong();
    let counties: Vec<i64> = tree.at_level(Level::County).map(|r| r.adcode as i64).collect();
    let parents: Vec<i64> = tree.at_level(Level::County).map(|r| r.parent.unwrap() as i64).collect();
    let cities: Vec<i64> = tree.at_level(Level::City).map(|r| r.adcode as i64).collect();
    Ok((df!(REGION => counties, "city" => parents)?.lazy(), df!(REGION => cities)?.lazy()))
}

/// Aggregates `value` within a group according to the measure's rule.
fn aggregate() -> Expr {
    when(col("agg").first().eq(code_lit(code::MEAN))).then(exact_mean(col(VALUE))).otherwise(exact_sum(col(VALUE)))
}

/// Fills zeros for month-native flow totals that have no fact in a region and month of
/// the window (no event is a count of zero), so that year-to-date sums and maps have no
/// holes. Stocks are left alone: a missing stock is unknown, not zero.
fn densify(facts: LazyFrame, months: &LazyFrame) -> PolarsResult<LazyFrame> {
    let (counties, cities) = region_frames()?;
    let meta = meta()?;
    let dense_measures = |county_finest: bool| {
        meta.clone()
            .filter(
                col("native")
                    .eq(code_lit(code::MONTH))
                    .and(col("county_finest").eq(lit(county_finest)))
                    .and(col("agg").eq(code_lit(code::SUM))),
            )
            .select([col(MEASURE)])
    };
    let grid = concat(
        [dense_measures(true).cross_join(counties.select([col(REGION)]), None), dense_measures(false).cross_join(cities, None)],
        UnionArgs::default(),
    )?
    .cross_join(months.clone(), None)
    .with_column(lit(TOTAL_CODE).cast(DataType::UInt32).alias(DIM));
    // Only measures the models produced get a grid (an absent source stays absent).
    let present = facts.clone().select([col(MEASURE)]).unique(None, UniqueKeepStrategy::Any);
    let grid = grid.join(present, [col(MEASURE)], [col(MEASURE)], JoinArgs::new(JoinType::Semi));

    let keys = [col(MEASURE), col(REGION), col(YEAR), col(MONTH), col(DIM)];
    let missing = grid.join(facts.clone(), keys.clone(), keys, JoinArgs::new(JoinType::Anti)).with_column(lit(0.0).alias(VALUE));
    concat_facts(vec![facts, missing.select([col(MEASURE), col(REGION), col(YEAR), col(MONTH), col(DIM), col(VALUE)])])
}

/// Facts at all three region levels, tagged with `level`.
fn by_level(facts: LazyFrame) -> PolarsResult<LazyFrame> {
    let (counties, _) = region_frames()?;
    let facts = facts.join(meta()?, [col(MEASURE)], [col(MEASURE)], JoinArgs::new(JoinType::Inner));
    let keys = |region: Expr| vec![col(MEASURE), region, col(YEAR), col(MONTH), col(DIM)];
    let county = facts.clone().filter(col("county_finest"));
    let from_counties = county
        .clone()
        .join(counties, [col(REGION)], [col(REGION)], JoinArgs::new(JoinType::Inner))
        .group_by(keys(col("city").alias(REGION)))
        .agg([aggregate().alias(VALUE), col("agg").first()]);
    let city_native = facts.filter(col("county_finest").not()).select([
        col(MEASURE),
        col(REGION),
        col(YEAR),
        col(MONTH),
        col(DIM),
        col(VALUE),
        col("agg"),
    ]);
    let city = concat([from_counties, city_native], UnionArgs::default())?;
    let province = city
        .clone()
        .group_by(keys(lit(PROVINCE as i64).cast(DataType::Int64).alias(REGION)))
        .agg([aggregate().alias(VALUE), col("agg").first()]);
    let cols = [col(MEASURE), col(REGION), col(YEAR), col(MONTH), col(DIM), col(VALUE)];
    concat(
        [
            county.select(cols.clone()).with_column(code_lit(code::COUNTY).alias(LEVEL)),
            city.select(cols.clone()).with_column(code_lit(code::CITY).alias(LEVEL)),
            province.select(cols).with_column(code_lit(code::PROVINCE).alias(LEVEL)),
        ],
        UnionArgs::default(),
    )
}

/// The same for breakdown categories of cities and the province (counties publish no
/// breakdowns): every month once a category occurs in a region, so its year-to-date
/// cells continue through months without events.
fn densify_categories(leveled: LazyFrame, months: &LazyFrame) -> PolarsResult<LazyFrame> {
    let flows = meta()?.filter(col("native").eq(code_lit(code::MONTH)).and(col("agg").eq(code_lit(code::SUM)))).select([col(MEASURE)]);
    let keys = [col(MEASURE), col(LEVEL), col(REGION), col(DIM)];
    let grid = leveled
        .clone()
        .filter(col(DIM).neq(lit(TOTAL_CODE)).and(col(LEVEL).neq(code_lit(code::COUNTY))))
        .join(flows, [col(MEASURE)], [col(MEASURE)], JoinArgs::new(JoinType::Semi))
        .select(keys.clone())
        .unique(None, UniqueKeepStrategy::Any)
        .cross_join(months.clone(), None);
    let all_keys: Vec<Expr> = keys.iter().cloned().chain([col(YEAR), col(MONTH)]).collect();
    let missing = grid.join(leveled.clone(), all_keys.clone(), all_keys, JoinArgs::new(JoinType::Anti)).with_column(lit(0.0).alias(VALUE));
    let columns = [col(MEASURE), col(REGION), col(YEAR), col(MONTH), col(DIM), col(VALUE), col(LEVEL)];
    concat([leveled.select(columns.clone()), missing.select(columns)], UnionArgs::default())
}

/// Month, quarter, year and year-to-date cells from leveled facts, and quarter cells
/// only from `quarters_only`. Quarters and years are published once complete; the
/// running year is covered by year-to-date cells.
fn by_period(leveled: LazyFrame, quarters_only: LazyFrame, as_of_index: i64) -> PolarsResult<LazyFrame> {
    let with_meta =
        |lf: LazyFrame| -> PolarsResult<LazyFrame> { Ok(lf.join(meta()?, [col(MEASURE)], [col(MEASURE)], JoinArgs::new(JoinType::Inner))) };
    let leveled = with_meta(leveled)?;
    let out_cols = || [col(MEASURE), col(LEVEL), col(REGION), col(KIND), col(YEAR), col(NUM), col(DIM), col(VALUE)];
    // One aggregation per rule, so no group pays for the others.
    let by_rule = |lf: LazyFrame, keys: Vec<Expr>| -> PolarsResult<LazyFrame> {
        let rule = |agg: u32, rows: Expr| lf.clone().filter(col("agg").eq(code_lit(agg)).and(rows)).group_by(keys.clone());
        concat(
            [
                rule(code::SUM, lit(true)).agg([exact_sum(col(VALUE)).alias(VALUE)]),
                rule(code::MEAN, lit(true)).agg([exact_mean(col(VALUE)).alias(VALUE)]),
                // The period's last month, never an earlier one: a stock whose last month
                // is missing is missing (an earlier month would no longer add up across
                // regions and categories).
                rule(code::STOCK, col(MONTH).eq(col("last_month"))).agg([col(VALUE).first().alias(VALUE)]),
            ],
            UnionArgs::default(),
        )
    };
    let months = leveled
        .clone()
        .filter(col("native").eq(code_lit(code::MONTH)))
        .with_columns([code_lit(code::M).alias(KIND), col(MONTH).alias(NUM)])
        .select(out_cols());
    let quarter_of = ((col(MONTH) - lit(1i32)) / lit(3i32) + lit(1i32)).cast(DataType::Int32);
    let quarters = by_rule(
        concat([leveled.clone(), with_meta(quarters_only)?], UnionArgs::default())?
            .filter(col("native").neq(code_lit(code::YEAR)))
            .with_column(quarter_of.alias(NUM))
            .with_column((col(NUM) * lit(3i32)).alias("last_month"))
            .filter(month_index(col(YEAR), col(NUM) * lit(3i32)).lt_eq(lit(as_of_index))),
        vec![col(MEASURE), col(LEVEL), col(REGION), col(YEAR), col(NUM), col(DIM)],
    )?
    .with_column(code_lit(code::Q).alias(KIND))
    .select(out_cols());
    let years = by_rule(
        leveled
            .clone()
            // Yearly facts (budgets, targets) exist for the running year too.
            .filter(month_index(col(YEAR), lit(12i32)).lt_eq(lit(as_of_index)).or(col("native").eq(code_lit(code::YEAR))))
            .with_column(lit(12i32).alias("last_month")),
        vec![col(MEASURE), col(LEVEL), col(REGION), col(YEAR), col(DIM)],
    )?
    .with_columns([code_lit(code::Y).alias(KIND), lit(0i32).cast(DataType::Int32).alias(NUM)])
    .select(out_cols());
    let ytd = leveled
        .filter(col("ytd").and(col("agg").eq(code_lit(code::SUM))))
        .sort([MEASURE, LEVEL, DIM, "region", YEAR, MONTH], SortMultipleOptions::default())
        .with_column(unfixed(fixed(col(VALUE)).cum_sum(false).over([col(MEASURE), col(REGION), col(DIM), col(YEAR)])?).alias(VALUE))
        .with_columns([code_lit(code::YTD).alias(KIND), col(MONTH).alias(NUM)])
        .select(out_cols());
    concat([months, quarters, years, ytd], UnionArgs::default())
}

/// Ratios and target progress, computed from the rolled-up parts.
fn derived(cells: LazyFrame) -> PolarsResult<Vec<LazyFrame>> {
    let mut out = Vec::new();
    let part = |id: &str, name: &str| {
        cells.clone().filter(col(MEASURE).eq(lit(measure_code(id)))).select([
            col(LEVEL),
            col(REGION),
            col(KIND),
            col(YEAR),
            col(NUM),
            col(DIM),
            col(VALUE).alias(name),
        ])
    };
    for m in MEASURES {
        match m.aggregation {
            Aggregation::Ratio { numerator, denominator, scale } => {
                let keys = [col(LEVEL), col(REGION), col(KIND), col(YEAR), col(NUM), col(DIM)];
                out.push(
                    part(numerator, "n")
                        .join(part(denominator, "d"), keys.clone(), keys, JoinArgs::new(JoinType::Inner))
                        .filter(col("d").gt(lit(0.0)))
                        .with_columns([
                            lit(measure_code(m.id)).cast(DataType::UInt32).alias(MEASURE),
                            (col("n") / col("d") * lit(scale)).alias(VALUE),
                        ])
                        .select([col(MEASURE), col(LEVEL), col(REGION), col(KIND), col(YEAR), col(NUM), col(DIM), col(VALUE)]),
                );
            }
            Aggregation::Progress { actual, target } => {
                let keys = [col(LEVEL), col(REGION), col(YEAR), col(DIM)];
                let targets = part(target, "t").filter(col(KIND).eq(code_lit(code::Y))).select([
                    col(LEVEL),
                    col(REGION),
                    col(YEAR),
                    col(DIM),
                    col("t"),
                ]);
                out.push(
                    part(actual, "a")
                        .filter(col(KIND).eq(code_lit(code::YTD)))
                        .join(targets, keys.clone(), keys, JoinArgs::new(JoinType::Inner))
                        .filter(col("t").gt(lit(0.0)))
                        .with_columns([
                            lit(measure_code(m.id)).cast(DataType::UInt32).alias(MEASURE),
                            (col("a") / col("t") * lit(100.0)).alias(VALUE),
                        ])
                        .select([col(MEASURE), col(LEVEL), col(REGION), col(KIND), col(YEAR), col(NUM), col(DIM), col(VALUE)]),
                );
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The full roll-up of collected facts. `months` is the dense month grid of the window
/// (`year`, `month`); `window_start` and `as_of_index` are month indexes. Returns
/// `measure | level | region | kind | year | num | dim | value`. Counties publish no
/// breakdowns, so county breakdowns are rolled up only for `county_quarter_breakdowns`,
/// by quarter (the shortage model's breadth reads them): the rest would be most of the
/// work and all of it thrown away.
///
pub fn rollup(
    facts: DataFrame,
    months: &LazyFrame,
    window_start: i64,
    as_of_index: i64,
    county_quarter_breakdowns: &[&str],
) -> PolarsResult<DataFrame> {
    let codes = Codes::of(&facts)?;
    // Every stage is collected before the next: each reads its input several times, and a
    // lazy plan would redo the work upstream (encoding, zero-filling) for every read.
    let streaming = |lf: LazyFrame| -> PolarsResult<LazyFrame> { Ok(lf.collect_with_engine(Engine::Streaming)?.unwrap_single().lazy()) };
    let facts = streaming(codes.encode(facts.lazy()).filter(
        month_index(col(YEAR), col(MONTH)).gt_eq(lit(window_start)).and(month_index(col(YEAR), col(MONTH)).lt_eq(lit(as_of_index))),
    ))?;
    let dense = streaming(densify(facts, months)?)?;
    let leveled = streaming(by_level(dense)?)?;
    let county_breakdown = col(LEVEL).eq(code_lit(code::COUNTY)).and(col(DIM).neq(lit(TOTAL_CODE)));
    let quarters_only =
        leveled.clone().filter(county_breakdown.clone().and(col(MEASURE).is_in(measure_codes(county_quarter_breakdowns), false)));
    let leveled = streaming(densify_categories(leveled.filter(county_breakdown.not()), months)?)?;
    let cells = streaming(by_period(leveled, quarters_only, as_of_index)?)?;
    let mut all = vec![cells.clone()];
    all.extend(derived(cells)?);
    let internal: Vec<&str> = MEASURES.iter().map(|m| m.id).filter(|id| catalogue::is_internal(id)).collect();
    codes
        .decode(concat(all, UnionArgs::default())?.filter(col(MEASURE).is_in(measure_codes(&internal), false).not()))
        .collect_with_engine(Engine::Streaming)
        .map(|r| r.unwrap_single())
}
