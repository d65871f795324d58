//! 服务区: open zones, person-times served and valid records by county and month, and
//! each zone's yearly standing against the pilot notice's targets: 人社部门 zones serve
//! ≥ 5000 person-times a year, 普通高校/技工院校 zones ≥ 3000; every zone aggregates
//! ≥ 10000 valid records a year and offers ≥ 5 of the 8 service functions. For a year a
//! zone is open only in part (or the current year), targets are pro-rated by the months
//! it was open.

use polars::prelude::*;

use super::*;
use szjy_model::region::{Level, RegionTree};

pub const SERVICES_TARGET_BUREAU: f64 = 5000.0;
pub const SERVICES_TARGET_SCHOOL: f64 = 3000.0;
pub const RECORDS_TARGET: f64 = 10000.0;
pub const FUNCTIONS_TARGET: u32 = 5;

/// Valid records and person-times per zone, county and month: `zone_id, region, year,
/// month, records, services`. Collected once; the facts and the zone standings read it.
pub fn usage_by_month(sources: &Sources) -> LazyFrame {
    let visits = by_county_month(sources.get("service_transactions"), "date", "county");
    let keys = [col("zone_id"), col(REGION), col(YEAR), col(MONTH)];
    let records = visits.clone().group_by(keys.clone()).agg([len().cast(DataType::Int64).alias("records")]);
    // A person served several times on one day at one zone is one person-time.
    let services = visits
        .unique(Some(cols(["person_key", "zone_id", "county", "date"])), UniqueKeepStrategy::Any)
        .group_by(keys.clone())
        .agg([len().cast(DataType::Int64).alias("services")]);
    records.join(services, keys.clone(), keys, JoinArgs::new(JoinType::Left))
}

pub fn facts(sources: &Sources, months: &LazyFrame, usage: &LazyFrame, status: &LazyFrame) -> PolarsResult<Vec<LazyFrame>> {
    let zones = sources.get("service_zones").with_columns([
        col("county").cast(DataType::Int64).alias(REGION),
        month_index(col("opened").dt().year(), col("opened").dt().month()).alias("opened_index"),
    ]);
    // Open zones per county and month, zero where none is open yet.
    let counties: Vec<i64> = RegionTree::shandong().at_level(Level::County).map(|r| r.adcode as i64).collect();
    let grid = df!(REGION => counties)?.lazy().cross_join(months.clone(), None);
    let open = zones
        .cross_join(months.clone(), None)
        .filter(col("opened_index").lt_eq(month_index(col(YEAR), col(MONTH))))
        .group_by([col(REGION), col(YEAR), col(MONTH)])
        .agg([len().cast(DataType::Float64).alias("open")]);
    let keys = [col(REGION), col(YEAR), col(MONTH)];
    let dense = grid.join(open, keys.clone(), keys, JoinArgs::new(JoinType::Left));
    let mut out = vec![dense.select([
        lit("zone_count").alias(MEASURE),
        col(REGION),
        col(YEAR),
        col(MONTH),
        lit("").alias(DIM),
        col("open").fill_null(lit(0.0)).alias(VALUE),
    ])];

    out.extend(facts_by(usage.clone(), &[("zone_records", col("records").sum()), ("zone_services", col("services").sum())], &[]));

    let yearly = status.clone().with_columns([col("county").alias(REGION), lit(1i32).cast(DataType::Int32).alias(MONTH)]);
    out.extend(facts_by(
        yearly,
        &[("zones_evaluated", len()), ("zones_meeting_targets", col("meets_targets").cast(DataType::Int64).sum())],
        &[],
    ));
    Ok(out)
}

/// One row per zone and year it was open: services, records, functions used, pro-rated
/// targets and whether it meets them all.
/// `usage` is [`usage_by_month`].
pub fn status(sources: &Sources, usage: &LazyFrame, as_of_index: i64) -> LazyFrame {
    let zones =
        sources.get("service_zones").with_column(month_index(col("opened").dt().year(), col("opened").dt().month()).alias("opened_index"));
    let visits = sources.get("service_transactions").with_column(year_of(col("date")).alias(YEAR));
    let zone_year = [col("zone_id"), col(YEAR)];
    let functions =
        visits.clone().group_by(zone_year.clone()).agg([col("function").n_unique().cast(DataType::Int64).alias("functions_used")]);
    let usage = usage
        .clone()
        .group_by(zone_year.clone())
        .agg([col("records").sum().alias("valid_records"), col("services").fill_null(lit(0i64)).sum().alias("services")])
        .join(functions, zone_year.clone(), zone_year, JoinArgs::new(JoinType::Left));
    let years = visits.select([col(YEAR)]).unique(None, UniqueKeepStrategy::Any);
    let year_start = col(YEAR).cast(DataType::Int64) * lit(12i64);
    let first = when(col("opened_index").gt(year_start.clone())).then(col("opened_index")).otherwise(year_start.clone());
    let last = when(lit(as_of_index).lt(year_start.clone() + lit(11i64))).then(lit(as_of_index)).otherwise(year_start + lit(11i64));
    let services_target = when(col("kind").eq(lit("人社部门"))).then(lit(SERVICES_TARGET_BUREAU)).otherwise(lit(SERVICES_TARGET_SCHOOL));
    zones
        .cross_join(years, None)
        .with_column((last - first + lit(1i64)).alias("months_observed"))
        .filter(col("months_observed").gt(lit(0i64)))
        .join(usage, [col("zone_id"), col(YEAR)], [col("zone_id"), col(YEAR)], JoinArgs::new(JoinType::Left))
        .with_columns([
            col("services").fill_null(lit(0i64)),
            col("valid_records").fill_null(lit(0i64)),
            col("functions_used").fill_null(lit(0i64)),
            (services_target * col("months_observed").cast(DataType::Float64) / lit(12.0))
                .ceil()
                .cast(DataType::Int64)
                .alias("services_target"),
            (lit(RECORDS_TARGET) * col("months_observed").cast(DataType::Float64) / lit(12.0))
                .ceil()
                .cast(DataType::Int64)
                .alias("records_target"),
        ])
        .with_column(
            col("services")
                .gt_eq(col("services_target"))
                .and(col("valid_records").gt_eq(col("records_target")))
                .and(col("functions_used").gt_eq(lit(FUNCTIONS_TARGET as i64)))
                .alias("meets_targets"),
        )
        .select([
            col("zone_id"),
            col("name"),
            col("kind"),
            col("county").cast(DataType::Int64),
            col(YEAR),
            col("months_observed"),
            col("services"),
            col("services_target"),
            col("valid_records"),
            col("records_target"),
            col("functions_used"),
            col("meets_targets"),
        ])
        .sort(["zone_id", YEAR], SortMultipleOptions::default())
}
