//! 宏观经济 and 移动通信: quarterly city macro indicators and monthly mobile-network
//! population estimates and inter-city flows.

use polars::prelude::*;

use super::*;

pub fn facts(sources: &Sources) -> PolarsResult<Vec<LazyFrame>> {
    let quarterly = sources.get("macro_quarterly").with_columns([
        col("city").cast(DataType::Int64).alias(REGION),
        col("quarter").str().slice(lit(0), lit(4)).cast(DataType::Int32).alias(YEAR),
        (col("quarter").str().slice(lit(5), lit(1)).cast(DataType::Int32) * lit(3i32)).alias(MONTH),
    ]);
    let mut out = vec![
        measure_facts(quarterly.clone(), "fixed_asset_investment", None, exact_sum(col("fixed_asset_investment"))),
        measure_facts(quarterly.clone(), "cpi", None, exact_mean(col("cpi"))),
        measure_facts(quarterly.clone(), "gdp", None, exact_sum(col("gdp"))),
    ];
    // Value added by sector, as the `sec` breakdown of GDP.
    for (sector, column) in szjy_model::codes::SECTORS.iter().zip(["va_primary", "va_secondary", "va_tertiary"]) {
        out.push(measure_facts(
            quarterly.clone().with_column(lit(sector.0).alias("sector")),
            "gdp",
            Some(("sec", "sector")),
            exact_sum(col(column)),
        ));
    }

    let population = by_county_month(sources.get("mobile_population"), "month", "county");
    out.push(measure_facts(population.clone(), "resident_population_mobile", None, exact_sum(col("resident_10k"))));
    out.push(measure_facts(population, "working_population_mobile", None, exact_sum(col("working_10k"))));

    let flows = sources.get("mobile_flows").with_columns([
        col("month").dt().year().cast(DataType::Int32).alias(YEAR),
        col("month").dt().month().cast(DataType::Int32).alias(MONTH),
    ]);
    let inflow = flows.clone().with_column(col("dest_city").cast(DataType::Int64).alias(REGION)).with_column(col("trips_10k").alias("net"));
    let outflow = flows.with_column(col("origin_city").cast(DataType::Int64).alias(REGION)).with_column((-col("trips_10k")).alias("net"));
    let both = concat([inflow, outflow], UnionArgs::default())?;
    out.push(measure_facts(both, "net_commuter_inflow", None, exact_sum(col("net"))));
    Ok(out)
}
