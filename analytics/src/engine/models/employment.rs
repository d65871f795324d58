//! 就业与失业: new urban jobs (once per person and year) and their annual targets, the
//! registered-unemployed stock, inflow and outflow, by county and month with key-group
//! breakdowns.

use polars::prelude::*;

use super::*;

pub fn facts(sources: &Sources, months: &LazyFrame) -> PolarsResult<Vec<LazyFrame>> {
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
        let keys: Vec<&str> = [REGION].into_iter().chain(column).collect();
        let key_cols: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
        let join_on: Vec<Expr> = key_cols.iter().cloned().chain([col(YEAR), col(MONTH)]).collect();
        let count = |lf: LazyFrame, name: &str| lf.group_by(join_on.clone()).agg([len().cast(DataType::Int64).alias(name)]);
        let combos = starts.clone().select(key_cols.clone()).unique(None, UniqueKeepStrategy::Any);
        let sort_by: Vec<PlSmallStr> = keys.iter().map(|k| PlSmallStr::from(*k)).chain([YEAR.into(), MONTH.into()]).collect();
        let stock = combos
            .cross_join(months.clone(), None)
            .join(count(starts.clone(), "in"), join_on.clone(), join_on.clone(), JoinArgs::new(JoinType::Left))
            .join(count(ends.clone(), "out"), join_on.clone(), join_on.clone(), JoinArgs::new(JoinType::Left))
            .sort(sort_by, SortMultipleOptions::default())
            .with_column(
                (col("in").fill_null(lit(0i64)).cum_sum(false) - col("out").fill_null(lit(0i64)).cum_sum(false))
                    .over(key_cols.clone())?
                    .alias(VALUE),
            );
        let dim_expr = match (dim, column) {
            (Some(prefix), Some(c)) => concat_str([lit(format!("{prefix}:")), col(c)], "", true),
            _ => lit(""),
        };
        out.push(stock.select([
            lit("registered_unemployed").alias(MEASURE),
            col(REGION),
            col(YEAR),
            col(MONTH),
            dim_expr.alias(DIM),
            col(VALUE).cast(DataType::Float64),
        ]));
    }
    Ok(out)
}
