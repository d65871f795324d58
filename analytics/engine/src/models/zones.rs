//! 服务区: open zones, person-times served and valid records by county and month, and
//! each zone's yearly standing against the pilot notice's targets
//! (`config/measure-rules.ron`, `service_zones`: 人社部门 zones serve ≥ 5000 person-times
//! a year, 普通高校/技工院校 zones ≥ 3000; every zone aggregates ≥ 10000 valid records a
//! year and offers ≥ 5 of the 8 service functions).
//!
//! A year is *evaluated* — 达标 or not, against the full targets — once it has ended, for
//! a zone open since its 1 January. The running year and a zone's first, partial year
//! are not evaluated: they show progress against targets pro-rated by the share of the
//! year's days the figures cover (from the opening day or 1 January to 31 December or
//! 数据截至), never 达标.

use chrono::NaiveDate;
use polars::prelude::*;

use super::*;
use szjy_model::region::{Level, RegionTree};
use szjy_model::reporting::release_day;
use szjy_model::rules::ZoneTargets;

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

    // Only evaluated years count: a running or partial year has progress, not 达标.
    let yearly =
        status.clone().filter(col("evaluated")).with_columns([col("county").alias(REGION), lit(1i32).cast(DataType::Int32).alias(MONTH)]);
    out.extend(facts_by(
        yearly,
        &[("zones_evaluated", len()), ("zones_meeting_targets", col("on_target").cast(DataType::Int64).sum())],
        &[],
    ));
    Ok(out)
}

/// The calendar of the years a standing can be for, up to the as-of month: `year`,
/// `year_start` and `covered_end` as day numbers since 1970-01-01 (31 December, or the
/// as-of month's last day in the running year), `days_in_year` and `complete`.
fn calendar(as_of_index: i64) -> PolarsResult<LazyFrame> {
    let as_of_year = as_of_index.div_euclid(12) as i32;
    let as_of_month = as_of_index.rem_euclid(12) as u32 + 1;
    let day = |d: NaiveDate| (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32;
    let years: Vec<i32> = (as_of_year - 30..=as_of_year).collect();
    let starts: Vec<i32> = years.iter().map(|&y| day(NaiveDate::from_ymd_opt(y, 1, 1).expect("a year"))).collect();
    let ends: Vec<i32> = years.iter().map(|&y| day(release_day(y, if y == as_of_year { as_of_month } else { 12 }, 0))).collect();
    let lengths: Vec<i32> =
        years.iter().map(|&y| if NaiveDate::from_ymd_opt(y, 12, 31).expect("a year").leap_year() { 366 } else { 365 }).collect();
    let complete: Vec<bool> = years.iter().map(|&y| y < as_of_year || as_of_month == 12).collect();
    Ok(df!(YEAR => years, "year_start" => starts, "covered_end" => ends, "days_in_year" => lengths, "complete" => complete)?.lazy())
}

/// One row per zone and year it was open, up to the as-of month: services, records,
/// functions used, the targets it is held to (full when evaluated, pro-rated otherwise),
/// whether the year is evaluated and whether every target is met (or on pace).
/// `usage` is [`usage_by_month`].
pub fn status(sources: &Sources, usage: &LazyFrame, as_of_index: i64, targets: &ZoneTargets) -> PolarsResult<LazyFrame> {
    let zones = sources.get("service_zones").with_column(col("opened").cast(DataType::Int32).alias("opened_day"));
    let visits = sources.get("service_transactions").with_column(year_of(col("date")).alias(YEAR));
    let zone_year = [col("zone_id"), col(YEAR)];
    // Years the visits cover: no standing for a year before the data begins.
    let years = visits.clone().select([col(YEAR)]).unique(None, UniqueKeepStrategy::Any);
    let calendar = calendar(as_of_index)?.join(years, [col(YEAR)], [col(YEAR)], JoinArgs::new(JoinType::Semi));
    let functions = visits.group_by(zone_year.clone()).agg([col("function").n_unique().cast(DataType::Int64).alias("functions_used")]);
    let usage = usage
        .clone()
        .group_by(zone_year.clone())
        .agg([col("records").sum().alias("valid_records"), col("services").fill_null(lit(0i64)).sum().alias("services")])
        .join(functions, zone_year.clone(), zone_year, JoinArgs::new(JoinType::Left));
    let covered_start = when(col("opened_day").gt(col("year_start"))).then(col("opened_day")).otherwise(col("year_start"));
    let evaluated = col("complete").and(col("opened_day").lt_eq(col("year_start")));
    let share =
        (col("covered_end") - col("covered_start") + lit(1i32)).cast(DataType::Float64) / col("days_in_year").cast(DataType::Float64);
    let target = |full: Expr| {
        when(col("evaluated"))
            .then(full.clone().cast(DataType::Int64))
            .otherwise((full * col("share_of_year")).ceil().cast(DataType::Int64))
    };
    let services_target = when(col("kind").eq(lit("人社部门")))
        .then(lit(f64::from(targets.services_bureau)))
        .otherwise(lit(f64::from(targets.services_school)));
    Ok(zones
        .cross_join(calendar, None)
        .with_column(covered_start.alias("covered_start"))
        .filter(col("covered_start").lt_eq(col("covered_end")))
        .with_columns([evaluated.alias("evaluated"), share.alias("share_of_year")])
        .join(usage, [col("zone_id"), col(YEAR)], [col("zone_id"), col(YEAR)], JoinArgs::new(JoinType::Left))
        .with_columns([
            col("services").fill_null(lit(0i64)),
            col("valid_records").fill_null(lit(0i64)),
            col("functions_used").fill_null(lit(0i64)),
            target(services_target).alias("services_target"),
            target(lit(f64::from(targets.valid_records))).alias("records_target"),
        ])
        .with_column(
            col("services")
                .gt_eq(col("services_target"))
                .and(col("valid_records").gt_eq(col("records_target")))
                .and(col("functions_used").gt_eq(lit(i64::from(targets.functions))))
                .alias("on_target"),
        )
        .select([
            col("zone_id"),
            col("name"),
            col("kind"),
            col("county").cast(DataType::Int64),
            col(YEAR),
            col("evaluated"),
            col("share_of_year"),
            col("services"),
            col("services_target"),
            col("valid_records"),
            col("records_target"),
            col("functions_used"),
            col("on_target"),
        ])
        .sort(["zone_id", YEAR], SortMultipleOptions::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use szjy_model::rules::MeasureRules;

    fn days(date: &str) -> i32 {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
    }

    fn dates(name: &str, texts: &[&str]) -> Column {
        Column::new(name.into(), texts.iter().map(|t| days(t)).collect::<Vec<_>>()).cast(&DataType::Date).unwrap()
    }

    /// ZA (人社部门) opened mid-2023, ZB (普通高校) on 1 January 2024, ZC (技工院校) on
    /// 10 March 2024; each served once a month from January 2024 to June 2025, one
    /// function each time, under targets small enough to meet: 10 person-times a year
    /// (bureau), 6 (schools), 10 records and 1 function.
    #[test]
    fn complete_years_are_evaluated_and_the_rest_show_pro_rated_progress() {
        let opened = ["2023-06-15", "2024-01-01", "2024-03-10"];
        let zones = DataFrame::new_infer_height(vec![
            Column::new("zone_id".into(), ["ZA", "ZB", "ZC"]),
            Column::new("name".into(), ["A", "B", "C"]),
            Column::new("kind".into(), ["人社部门", "普通高校", "技工院校"]),
            Column::new("county".into(), [370102i64, 370102, 370103]),
            dates("opened", &opened),
        ])
        .unwrap();
        let mut visit_dates = Vec::new();
        let (mut ids, mut counties, mut persons) = (Vec::new(), Vec::new(), Vec::new());
        for (zone, county) in [("ZA", 370102i64), ("ZB", 370102), ("ZC", 370103)] {
            for month in 0..18 {
                let (year, m) = (2024 + month / 12, month % 12 + 1);
                let date = format!("{year}-{m:02}-20");
                if date.as_str() < opened[["ZA", "ZB", "ZC"].iter().position(|z| *z == zone).unwrap()] {
                    continue;
                }
                visit_dates.push(date);
                ids.push(zone);
                counties.push(county);
                persons.push(format!("p{month}"));
            }
        }
        let visit_texts: Vec<&str> = visit_dates.iter().map(String::as_str).collect();
        let n = ids.len();
        let visits = DataFrame::new_infer_height(vec![
            dates("date", &visit_texts),
            Column::new("zone_id".into(), ids),
            Column::new("county".into(), counties),
            Column::new("function".into(), vec!["业务经办"; n]),
            Column::new("channel".into(), vec!["线下"; n]),
            Column::new("person_key".into(), persons),
        ])
        .unwrap();
        let sources = Sources::new(HashMap::from([("service_zones", zones.lazy()), ("service_transactions", visits.lazy())]));
        let mut targets = MeasureRules::default().service_zones;
        (targets.services_bureau, targets.services_school, targets.valid_records, targets.functions) = (10, 6, 10, 1);
        let as_of = 2025 * 12 + 5; // June 2025
        let usage = usage_by_month(&sources);
        let status = status(&sources, &usage, as_of, &targets).unwrap().collect().unwrap();
        let row = |zone: &str, year: i32| {
            let r = status.clone().lazy().filter(col("zone_id").eq(lit(zone)).and(col(YEAR).eq(lit(year)))).collect().unwrap();
            assert_eq!(r.height(), 1, "{zone} {year}");
            let b = |c: &str| r.column(c).unwrap().bool().unwrap().get(0).unwrap();
            let i = |c: &str| r.column(c).unwrap().i64().unwrap().get(0).unwrap();
            (
                b("evaluated"),
                r.column("share_of_year").unwrap().f64().unwrap().get(0).unwrap(),
                i("services"),
                i("services_target"),
                b("on_target"),
            )
        };
        // 2024 has ended: ZA and ZB were open all year (ZB from its 1 January) and are
        // judged against the full targets; ZA served 12 ≥ 10, ZB 12 ≥ 6.
        assert_eq!(row("ZA", 2024), (true, 1.0, 12, 10, true));
        assert_eq!(row("ZB", 2024), (true, 1.0, 12, 6, true));
        // ZC's first year: 297 of 2024's 366 days, target ⌈6 × 297/366⌉ = 5, progress only.
        let zc = row("ZC", 2024);
        assert_eq!((zc.0, zc.2, zc.3, zc.4), (false, 10, 5, true));
        assert!((zc.1 - 297.0 / 366.0).abs() < 1e-12);
        // 2025 runs to June: 181 of 365 days for everyone, nobody evaluated; ZA's target
        // ⌈10 × 181/365⌉ = 5 with 6 served.
        let za = row("ZA", 2025);
        assert_eq!((za.0, za.2, za.3, za.4), (false, 6, 5, true));
        assert!((za.1 - 181.0 / 365.0).abs() < 1e-12);
        // No standing before the data begins (2023), though ZA was open then.
        assert_eq!(status.clone().lazy().filter(col(YEAR).eq(lit(2023))).collect().unwrap().height(), 0);

        // The year's facts count evaluated zones only: two in 2024 (both met), none in 2025.
        let months = df!(YEAR => [2024i32; 12], MONTH => (1..=12).collect::<Vec<i32>>()).unwrap().lazy();
        let facts = concat_facts(facts(&sources, &months, &usage, &status.lazy()).unwrap()).unwrap().collect().unwrap();
        let count = |measure: &str, year: i32| -> f64 {
            let f = facts.clone().lazy().filter(col(MEASURE).eq(lit(measure)).and(col(YEAR).eq(lit(year)))).collect().unwrap();
            f.column(VALUE).unwrap().as_materialized_series().sum::<f64>().unwrap()
        };
        assert_eq!((count("zones_evaluated", 2024), count("zones_meeting_targets", 2024)), (2.0, 2.0));
        assert_eq!(count("zones_evaluated", 2025), 0.0);
    }
}
