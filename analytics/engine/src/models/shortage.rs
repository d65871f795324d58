//! 急需紧缺工种: a ranked list of shortage occupations per region and quarter, in the
//! spirit of MOHRSS's 最缺工 100 list (ranked by the gap, weighted by how many cities
//! report it). Computed from the rolled-up quarterly cells of the supply-demand model.
//!
//! For every occupation with a positive gap (vacancies − job seekers) in a region and
//! quarter:
//!
//! score = 35 × gap / largest gap in that region and quarter
//!       + 25 × min(求人倍率, 3) / 3
//!       + 20 × quarters of the last four with 求人倍率 > 1.5, / 4      (persistence)
//!       + 10 × clamp(posted-wage growth on a year earlier / 8%, 0, 1)
//!       + 10 × share of the region's cities (or counties) with a positive gap (breadth)
//!
//! and the rank orders scores from the highest (ties by occupation code).

use polars::prelude::*;

use super::{DIM, MEASURE, REGION, VALUE, YEAR};
use crate::rollup::{KIND, LEVEL, NUM};
use szjy_model::region::{Level, RegionTree};

pub const PERSISTENT_RATIO: f64 = 1.5;
/// Measures whose county × occupation quarters the breadth term reads.
pub const COUNTY_INPUTS: &[&str] = &["vacancies", "job_seekers"];
pub const WAGE_GROWTH_FULL_MARKS: f64 = 0.08;

fn quarterly(cells: &LazyFrame, measure: &str, name: &str) -> LazyFrame {
    cells.clone().filter(col(MEASURE).eq(lit(measure)).and(col(KIND).eq(lit("Q"))).and(col(DIM).str().starts_with(lit("occ:")))).select([
        col(LEVEL),
        col(REGION),
        col(YEAR),
        col(NUM),
        col(DIM),
        col(VALUE).alias(name),
    ])
}

/// Parent of each city and county: `region`, `parent`, and how many siblings it has.
fn parents() -> PolarsResult<LazyFrame> {
    let tree = RegionTree::shandong();
    let (mut child, mut parent, mut siblings) = (Vec::new(), Vec::new(), Vec::new());
    for r in tree.all().iter().filter(|r| r.level != Level::Province) {
        let p = r.parent.expect("cities and counties have parents");
        child.push(r.adcode as i64);
        parent.push(p as i64);
        siblings.push(tree.children(p).count() as u32);
    }
    Ok(df!(REGION => child, "parent" => parent, "siblings" => siblings)?.lazy())
}

/// `measure | level | region | kind | year | num | dim | value` rows of shortage_gap,
/// shortage_score and shortage_rank for cities and the province.
pub fn cells(rolled: &LazyFrame) -> PolarsResult<LazyFrame> {
    let keys = [col(LEVEL), col(REGION), col(YEAR), col(NUM), col(DIM)];
    let base = concat(
        [quarterly(rolled, "vacancies", "v").select(keys.clone()), quarterly(rolled, "job_seekers", "s").select(keys.clone())],
        UnionArgs::default(),
    )?
    .unique(None, UniqueKeepStrategy::Any)
    .join(quarterly(rolled, "vacancies", "v"), keys.clone(), keys.clone(), JoinArgs::new(JoinType::Left))
    .join(quarterly(rolled, "job_seekers", "s"), keys.clone(), keys.clone(), JoinArgs::new(JoinType::Left))
    .join(quarterly(rolled, "posted_wage", "w"), keys.clone(), keys.clone(), JoinArgs::new(JoinType::Left))
    .with_columns([col("v").fill_null(lit(0.0)), col("s").fill_null(lit(0.0))])
    .with_columns([
        (col("v") - col("s")).alias("gap"),
        when(col("s").gt(lit(0.0))).then(col("v") / col("s")).otherwise(lit(3.0)).alias("ratio"),
    ]);

    // Breadth: share of child regions where the occupation has a positive gap.
    let breadth = base
        .clone()
        .filter(col(LEVEL).neq(lit("province")))
        .join(parents()?, [col(REGION)], [col(REGION)], JoinArgs::new(JoinType::Inner))
        .group_by([col("parent"), col(YEAR), col(NUM), col(DIM)])
        .agg([(col("gap").gt(lit(0.0)).cast(DataType::Float64).sum() / col("siblings").first().cast(DataType::Float64)).alias("breadth")]);

    let series = [col(LEVEL), col(REGION), col(DIM)];
    let tight = |k: i32| -> PolarsResult<Expr> {
        Ok(col("ratio").gt(lit(PERSISTENT_RATIO)).cast(DataType::Float64).shift(lit(k)).over(series.clone())?.fill_null(lit(0.0)))
    };
    let quarter = [col(LEVEL), col(REGION), col(YEAR), col(NUM)];
    let scored = base
        .filter(col(LEVEL).neq(lit("county")))
        .join(
            breadth,
            [col(REGION), col(YEAR), col(NUM), col(DIM)],
            [col("parent"), col(YEAR), col(NUM), col(DIM)],
            JoinArgs::new(JoinType::Left),
        )
        .sort([LEVEL, REGION, DIM, YEAR, NUM], SortMultipleOptions::default())
        .with_columns([
            (tight(0)? + tight(1)? + tight(2)? + tight(3)?).alias("persistence"),
            (col("w") / col("w").shift(lit(4)).over(series.clone())? - lit(1.0)).alias("wage_growth"),
        ])
        .with_column(
            (lit(35.0) * col("gap") / col("gap").max().over(quarter.clone())?
                + lit(25.0) * when(col("ratio").lt(lit(3.0))).then(col("ratio")).otherwise(lit(3.0)) / lit(3.0)
                + lit(20.0) * col("persistence") / lit(4.0)
                + lit(10.0) * (col("wage_growth").fill_null(lit(0.0)) / lit(WAGE_GROWTH_FULL_MARKS)).clip(lit(0.0), lit(1.0))
                + lit(10.0) * col("breadth").fill_null(lit(0.0)))
            .alias("score"),
        );
    let ranked = scored
        .clone()
        .filter(col("gap").gt(lit(0.0)))
        .sort_by_exprs(
            [col(LEVEL), col(REGION), col(YEAR), col(NUM), col("score"), col(DIM)],
            SortMultipleOptions::default().with_order_descending_multi([false, false, false, false, true, false]),
        )
        .with_column((int_range(lit(0), len(), 1, DataType::Int64).over(quarter)? + lit(1i64)).cast(DataType::Float64).alias("rank"));
    let emit = |lf: LazyFrame, measure: &str, value: &str| {
        lf.select([
            lit(measure).alias(MEASURE),
            col(LEVEL),
            col(REGION),
            lit("Q").alias(KIND),
            col(YEAR),
            col(NUM),
            col(DIM),
            col(value).alias(VALUE),
        ])
    };
    concat(
        [emit(scored, "shortage_gap", "gap"), emit(ranked.clone(), "shortage_score", "score"), emit(ranked, "shortage_rank", "rank")],
        UnionArgs::default(),
    )
}
