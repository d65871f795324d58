//! 就业与失业: new urban jobs (once per person and year) and their annual targets, the
//! registered-unemployed stock, inflow and outflow, by county and month with key-group
//! breakdowns.

use polars::prelude::*;

use super::*;
use szjy_model::rules::LongTermUnemployment;

pub fn facts(sources: &Sources, months: &LazyFrame, rules: &LongTermUnemployment) -> PolarsResult<Vec<LazyFrame>> {
    // 城镇新增就业 counts a person once a year: keep each person's first registration.
    let first = Earliest::new(&[("county", 6)], "key_group");
    let registrations = sources
        .get("employment_registrations")
        .with_column(year_of(col("date")).alias(YEAR))
        .group_by([col("person_key"), col(YEAR)])
        .agg([first.aggregate("date")])
        .with_columns(first.unpack("date"))
        .with_column(col("county").cast(DataType::Int64).alias(REGION));
    let mut out = measure_facts_by(registrations, "new_urban_jobs", &[("grp", "key_group")], len());
    let targets = sources.get("employment_targets").with_columns([
        col("city").cast(DataType::Int64).alias(REGION),
        col("year").cast(DataType::Int32).alias(YEAR),
        lit(1i32).cast(DataType::Int32).alias(MONTH),
    ]);
    out.push(measure_facts(targets, "new_urban_jobs_target", None, col("new_urban_jobs_target").sum()));

    let spells = sources.get("unemployment_registrations");
    let starts = by_county_month(spells.clone(), "start_date", "county");
    let ends = by_county_month(spells.filter(col("end_date").is_not_null()), "end_date", "county");
    out.extend(measure_facts_by(starts.clone(), "unemployment_inflow", &[], len()));
    out.extend(measure_facts_by(ends.clone(), "unemployment_outflow", &[], len()));

    // Stock at month end = all registrations started so far − all ended so far, over a
    // dense county × month grid (registrations before the window count too).
    for (dim, column) in [(None, None), (Some("grp"), Some("key_group"))] {
        out.push(stock("registered_unemployed", starts.clone(), ends.clone(), months, dim.zip(column))?);
    }
    // 长期失业: a registration counts from its `rules.months`-th month on, to its end. It
    // enters the long-term stock that many months after its start, if still open then,
    // and leaves it in the month it ends.
    let spells = sources.get("unemployment_registrations").with_columns([
        col("county").cast(DataType::Int64).alias(REGION),
        month_index("start_date").alias("start_index"),
        month_index("end_date").alias("end_index"),
    ]);
    let long = col("start_index") + lit(rules.months as i32);
    let lasting = spells.filter(col("end_index").is_null().or(col("end_index").gt(long.clone())));
    let with_month = |lf: LazyFrame, index: Expr| {
        lf.with_columns([index.clone().floor_div(lit(12)).alias(YEAR), (index % lit(12) + lit(1)).alias(MONTH)])
    };
    let long_starts = with_month(lasting.clone(), long);
    let long_ends = with_month(lasting.filter(col("end_index").is_not_null()), col("end_index"));
    out.push(stock("long_term_unemployed", long_starts, long_ends, months, None)?);
    Ok(out)
}

/// Months since year 0 of a date column (null stays null).
fn month_index(date: &str) -> Expr {
    year_of(col(date)) * lit(12) + month_of(col(date)) - lit(1)
}

/// A month-end stock from the months things entered (`starts`) and left (`ends`) it, each
/// with region, year and month: cumulative entries minus cumulative exits, per region (and
/// breakdown `(prefix, column)`), over every month of `months`.
fn stock(
    measure: &str,
    starts: LazyFrame,
    ends: LazyFrame,
    months: &LazyFrame,
    breakdown: Option<(&str, &str)>,
) -> PolarsResult<LazyFrame> {
    let keys: Vec<&str> = [REGION].into_iter().chain(breakdown.map(|(_, c)| c)).collect();
    let key_cols: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    let join_on: Vec<Expr> = key_cols.iter().cloned().chain([col(YEAR), col(MONTH)]).collect();
    let count = |lf: LazyFrame, name: &str| lf.group_by(join_on.clone()).agg([len().cast(DataType::Int64).alias(name)]);
    let combos = starts.clone().select(key_cols.clone()).unique(None, UniqueKeepStrategy::Any);
    let sort_by: Vec<PlSmallStr> = keys.iter().map(|k| PlSmallStr::from(*k)).chain([YEAR.into(), MONTH.into()]).collect();
    let stock = combos
        .cross_join(months.clone(), None)
        .join(count(starts, "in"), join_on.clone(), join_on.clone(), JoinArgs::new(JoinType::Left))
        .join(count(ends, "out"), join_on.clone(), join_on.clone(), JoinArgs::new(JoinType::Left))
        .sort(sort_by, SortMultipleOptions::default())
        .with_column(
            (col("in").fill_null(lit(0i64)).cum_sum(false) - col("out").fill_null(lit(0i64)).cum_sum(false)).over(key_cols)?.alias(VALUE),
        );
    let dim_expr = match breakdown {
        Some((prefix, c)) => concat_str([lit(format!("{prefix}:")), col(c)], "", true),
        None => lit(""),
    };
    Ok(stock.select([
        lit(measure).alias(MEASURE),
        col(REGION),
        col(YEAR),
        col(MONTH),
        dim_expr.alias(DIM),
        col(VALUE).cast(DataType::Float64),
    ]))
}
