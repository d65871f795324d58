//! 急需紧缺工种: a ranked list of shortage occupations per region and quarter, in the
//! spirit of MOHRSS's 最缺工 100 list (ranked by the gap, weighted by how many cities
//! report it). Computed from the rolled-up quarterly cells of the supply-demand model.
//!
//! For every occupation with a positive gap (vacancies − job seekers) in a region and
//! quarter, with the weights and scales of `config/measure-rules.ron` (`shortage_score`;
//! by default 35, 25, 20, 10, 10):
//!
//! score = w_gap × gap / largest gap in that region and quarter
//!       + w_ratio × min(求人倍率, cap) / cap
//!       + w_persistence × share of the last n quarters (this one included) with 求人倍率
//!         above the tight ratio                                         (persistence)
//!       + w_wage × clamp(posted-wage growth on a year earlier / full marks, 0, 1)
//!       + w_breadth × share of the region's cities (or counties) with a positive gap
//!
//! A quarter without vacancies and without seekers has no 求人倍率 (it is neither tight
//! nor slack); with vacancies and no seekers the ratio is the cap. Earlier quarters count
//! by their date, not their position: a row before this one counts only when its quarter
//! is within reach, so a quarter with no market is not skipped over. Scores are rounded
//! to 1e-6 before ranking, so equal scores rank by occupation code, not by floating-point
//! noise.

use polars::prelude::*;

use super::{DIM, MEASURE, REGION, VALUE, YEAR};
use crate::rollup::{KIND, LEVEL, NUM};
use szjy_model::region::{Level, RegionTree};
use szjy_model::rules::ShortageScore;

/// Measures whose county × occupation quarters the breadth term reads.
pub const COUNTY_INPUTS: &[&str] = &["vacancies", "job_seekers"];

/// The quarter's position in time: `year × 4 + quarter − 1`.
const QI: &str = "quarter_index";

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
pub fn cells(rolled: &LazyFrame, rules: &ShortageScore) -> PolarsResult<LazyFrame> {
    let keys = [col(LEVEL), col(REGION), col(YEAR), col(NUM), col(DIM)];
    let cap = rules.ratio_cap;
    let base = concat(
        [quarterly(rolled, "vacancies", "v").select(keys.clone()), quarterly(rolled, "job_seekers", "s").select(keys.clone())],
        UnionArgs::default(),
    )?
    .unique(None, UniqueKeepStrategy::Any)
    .join(quarterly(rolled, "vacancies", "v"), keys.clone(), keys.clone(), JoinArgs::new(JoinType::Left))
    .join(quarterly(rolled, "job_seekers", "s"), keys.clone(), keys.clone(), JoinArgs::new(JoinType::Left))
    .join(quarterly(rolled, "posted_wage", "w"), keys.clone(), keys.clone(), JoinArgs::new(JoinType::Left))
    .with_columns([
        col("v").fill_null(lit(0.0)),
        col("s").fill_null(lit(0.0)),
        (col(YEAR).cast(DataType::Int64) * lit(4i64) + col(NUM).cast(DataType::Int64) - lit(1i64)).alias(QI),
    ])
    .with_columns([
        (col("v") - col("s")).alias("gap"),
        when(col("s").gt(lit(0.0)))
            .then(col("v") / col("s"))
            .when(col("v").gt(lit(0.0)))
            .then(lit(cap))
            .otherwise(lit(NULL).cast(DataType::Float64))
            .alias("ratio"),
    ]);

    // Breadth: share of child regions where the occupation has a positive gap.
    let breadth = base
        .clone()
        .filter(col(LEVEL).neq(lit("province")))
        .join(parents()?, [col(REGION)], [col(REGION)], JoinArgs::new(JoinType::Inner))
        .group_by([col("parent"), col(YEAR), col(NUM), col(DIM)])
        .agg([(col("gap").gt(lit(0.0)).cast(DataType::Float64).sum() / col("siblings").first().cast(DataType::Float64)).alias("breadth")]);

    // Only cities and the province are scored. A series' earlier quarters are its rows
    // before this one in quarter order, taken while their quarter index is within reach:
    // a quarter with no cells is a gap in the index, never skipped over.
    let series = [col(LEVEL), col(REGION), col(DIM)];
    let n = rules.persistence_quarters as i64;
    let is_tight = || col("ratio").gt(lit(rules.tight_ratio)).cast(DataType::Float64).fill_null(lit(0.0));
    let earlier = |column: Expr, k: i64| column.shift(lit(k)).over(series.clone());
    let mut persistence = is_tight();
    for k in 1..n {
        let within = earlier(col(QI), k)?.gt_eq(col(QI) - lit(n - 1));
        persistence = persistence + when(within).then(earlier(is_tight(), k)?).otherwise(lit(0.0));
    }
    // The posted wage a year earlier: the row four quarters back, at most four rows back.
    let mut year_ago = Vec::new();
    for k in 1..=4i64 {
        let found = earlier(col(QI), k)?.eq(col(QI) - lit(4i64));
        year_ago.push(when(found).then(earlier(col("w"), k)?).otherwise(lit(NULL).cast(DataType::Float64)));
    }
    let scored = base
        .clone()
        .filter(col(LEVEL).neq(lit("county")))
        .join(
            breadth,
            [col(REGION), col(YEAR), col(NUM), col(DIM)],
            [col("parent"), col(YEAR), col(NUM), col(DIM)],
            JoinArgs::new(JoinType::Left),
        )
        // Quarter order within each series, for the shifts.
        .sort_by_exprs([col(LEVEL), col(REGION), col(DIM), col(QI)], SortMultipleOptions::default())
        .with_columns([persistence.alias("tight_quarters"), coalesce(&year_ago).alias("w_year_ago")]);
    let persistence = col("tight_quarters");
    let quarter = [col(LEVEL), col(REGION), col(YEAR), col(NUM)];
    let scored = scored
        .with_columns([
            (persistence / lit(f64::from(rules.persistence_quarters))).alias("persistence"),
            (col("w") / col("w_year_ago") - lit(1.0)).alias("wage_growth"),
        ])
        .with_column(
            (lit(rules.weight_gap) * col("gap") / col("gap").max().over(quarter.clone())?
                + lit(rules.weight_ratio) * when(col("ratio").lt(lit(cap))).then(col("ratio")).otherwise(lit(cap)) / lit(cap)
                + lit(rules.weight_persistence) * col("persistence")
                + lit(rules.weight_wage_growth)
                    * (col("wage_growth").fill_null(lit(0.0)) / lit(rules.wage_growth_full_marks_percent / 100.0))
                        .clip(lit(0.0), lit(1.0))
                + lit(rules.weight_breadth) * col("breadth").fill_null(lit(0.0)))
            .alias("score"),
        )
        // Rounded so that scores equal in exact arithmetic are equal here too.
        .with_column(col("score").round(6, RoundMode::HalfToEven));
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

#[cfg(test)]
mod tests {
    use super::*;
    use szjy_model::rules::MeasureRules;

    /// Quarterly province and city cells: `(level, region, year, quarter, occupation,
    /// vacancies, seekers)`.
    fn rolled(rows: &[(&str, i64, i32, i32, &str, f64, f64)]) -> LazyFrame {
        let cells: Vec<_> = rows
            .iter()
            .flat_map(|&(level, region, year, quarter, occupation, vacancies, seekers)| {
                [("vacancies", vacancies), ("job_seekers", seekers)].map(|(m, v)| (m, level, region, year, quarter, occupation, v))
            })
            .collect();
        df!(
            MEASURE => cells.iter().map(|c| c.0).collect::<Vec<_>>(),
            LEVEL => cells.iter().map(|c| c.1).collect::<Vec<_>>(),
            REGION => cells.iter().map(|c| c.2).collect::<Vec<_>>(),
            KIND => vec!["Q"; cells.len()],
            YEAR => cells.iter().map(|c| c.3).collect::<Vec<_>>(),
            NUM => cells.iter().map(|c| c.4).collect::<Vec<_>>(),
            DIM => cells.iter().map(|c| format!("occ:{}", c.5)).collect::<Vec<_>>(),
            VALUE => cells.iter().map(|c| c.6).collect::<Vec<_>>()
        )
        .unwrap()
        .lazy()
    }

    /// The province's 2025Q1 cells of `measure` by occupation.
    fn province(cells: &DataFrame, measure: &str) -> Vec<(String, f64)> {
        let q1 = cells
            .clone()
            .lazy()
            .filter(col(MEASURE).eq(lit(measure)).and(col(LEVEL).eq(lit("province"))).and(col(YEAR).eq(lit(2025))))
            .sort([DIM], SortMultipleOptions::default())
            .collect()
            .unwrap();
        let dims = q1.column(DIM).unwrap().str().unwrap().clone();
        let values = q1.column(VALUE).unwrap().f64().unwrap().clone();
        dims.iter().zip(values.iter()).map(|(d, v)| (d.unwrap().trim_start_matches("occ:").to_string(), v.unwrap())).collect()
    }

    #[test]
    fn quarters_without_a_market_are_not_tight_and_ties_rank_by_code() {
        let p = ("province", 370000i64);
        let mut rows = vec![
            // C: the largest gap (10).
            (p.0, p.1, 2025, 1, "3-00", 11.0, 1.0),
            // A and B score 109/3 in exact arithmetic, by different sums (A: ratio 2.5; B:
            // ratio 1.75 and a gap in 10 of the 16 cities); in floating point B's sum comes
            // out larger. Equal scores rank by code: A (1-00) before B (2-00).
            (p.0, p.1, 2025, 1, "1-00", 5.0, 2.0),
            (p.0, p.1, 2025, 1, "2-00", 7.0, 4.0),
            // D: no vacancies and no seekers for three quarters (0/0: not tight), then tight.
            (p.0, p.1, 2024, 2, "4-00", 0.0, 0.0),
            (p.0, p.1, 2024, 3, "4-00", 0.0, 0.0),
            (p.0, p.1, 2024, 4, "4-00", 0.0, 0.0),
            (p.0, p.1, 2025, 1, "4-00", 4.0, 2.0),
            // E: tight a year before, no cells in between, tight now: the year-old quarter
            // is outside the last four, however many rows lie between.
            (p.0, p.1, 2024, 1, "5-00", 4.0, 1.0),
            (p.0, p.1, 2025, 1, "5-00", 4.0, 1.0),
            // F: tight three quarters back and now, no cells in the two between: both count.
            (p.0, p.1, 2024, 2, "6-00", 4.0, 1.0),
            (p.0, p.1, 2025, 1, "6-00", 4.0, 1.0),
        ];
        let cities: Vec<i64> = RegionTree::shandong().at_level(Level::City).map(|c| c.adcode as i64).collect();
        rows.extend(cities.iter().take(10).map(|&c| ("city", c, 2025, 1, "2-00", 1.0, 0.0)));
        let rules = MeasureRules::default().shortage_score;
        let cells = cells(&rolled(&rows), &rules).unwrap().collect().unwrap();
        let scores = province(&cells, "shortage_score");
        let score = |code: &str| scores.iter().find(|(c, _)| c == code).map(|(_, s)| *s).unwrap();
        assert_eq!(score("1-00"), score("2-00"), "{scores:?}");
        assert!((score("1-00") - 109.0 / 3.0).abs() < 1e-6);
        // D: 35 × 2/10 + 25 × 2/3 + 20 × 1/4 (only this quarter is tight).
        assert!((score("4-00") - (7.0 + 50.0 / 3.0 + 5.0)).abs() < 1e-6, "{scores:?}");
        // E: 35 × 3/10 + 25 (ratio 4, capped at 3) + 20 × 1/4.
        assert!((score("5-00") - (10.5 + 25.0 + 5.0)).abs() < 1e-6, "{scores:?}");
        // F: 35 × 3/10 + 25 + 20 × 2/4.
        assert!((score("6-00") - (10.5 + 25.0 + 10.0)).abs() < 1e-6, "{scores:?}");
        let ranks = province(&cells, "shortage_rank");
        let rank = |code: &str| ranks.iter().find(|(c, _)| c == code).map(|(_, r)| *r).unwrap();
        assert_eq!(["3-00", "6-00", "5-00", "1-00", "2-00", "4-00"].map(rank), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "{ranks:?}");
    }

    #[test]
    fn wage_growth_is_on_the_same_quarter_a_year_earlier() {
        let p = ("province", 370000i64);
        // Vacancies 3 and seekers 2 every quarter listed: gap 1, ratio 1.5 (not tight).
        let quarters = [("7-00", [(2024, 1), (2024, 3), (2025, 1)]), ("8-00", [(2023, 4), (2024, 3), (2025, 1)])];
        let rows: Vec<_> = quarters.iter().flat_map(|(code, qs)| qs.map(|(y, q)| (p.0, p.1, y, q, *code, 3.0, 2.0))).collect();
        // Posted wages: G (7-00) 100 a year ago, 50 two quarters ago, 104 now; H (8-00)
        // has no cell a year ago (2024Q1), only five quarters and two quarters back.
        let wages = [
            ("7-00", 2024, 1, 100.0),
            ("7-00", 2024, 3, 50.0),
            ("7-00", 2025, 1, 104.0),
            ("8-00", 2023, 4, 100.0),
            ("8-00", 2024, 3, 100.0),
            ("8-00", 2025, 1, 104.0),
        ];
        let wage_cells = df!(
            MEASURE => vec!["posted_wage"; wages.len()],
            LEVEL => vec![p.0; wages.len()],
            REGION => vec![p.1; wages.len()],
            KIND => vec!["Q"; wages.len()],
            YEAR => wages.iter().map(|w| w.1).collect::<Vec<_>>(),
            NUM => wages.iter().map(|w| w.2).collect::<Vec<_>>(),
            DIM => wages.iter().map(|w| format!("occ:{}", w.0)).collect::<Vec<_>>(),
            VALUE => wages.iter().map(|w| w.3).collect::<Vec<_>>()
        )
        .unwrap()
        .lazy();
        let all = concat([rolled(&rows), wage_cells], UnionArgs::default()).unwrap();
        let rules = MeasureRules::default().shortage_score;
        let cells = cells(&all, &rules).unwrap().collect().unwrap();
        let scores = province(&cells, "shortage_score");
        let score = |code: &str| scores.iter().find(|(c, _)| c == code).map(|(_, s)| *s).unwrap();
        // 35 × 1/1 + 25 × 1.5/3, then G: 10 × (4 % / 8 %); H: no wage a year ago, nothing.
        assert!((score("7-00") - (35.0 + 12.5 + 5.0)).abs() < 1e-6, "{scores:?}");
        assert!((score("8-00") - (35.0 + 12.5)).abs() < 1e-6, "{scores:?}");
    }
}
