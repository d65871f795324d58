//! 企业用工: insured headcount and its net change by county, month and industry, and
//! layoff alerts under the mass-layoff reporting rule.

use polars::prelude::*;

use super::*;

use szjy_model::rules::{LayoffRule, Layoffs};

/// `layoffs` is the output of [`layoffs`], collected once by the build (the alert list
/// reads it too).
pub fn facts(sources: &Sources, layoffs: LazyFrame) -> PolarsResult<Vec<LazyFrame>> {
    let contributions = contributions(sources);
    let mut out = facts_by(
        contributions,
        &[
            ("insured_headcount", col("insured").sum()),
            ("insured_net_change", (col("new_insured").cast(DataType::Int64) - col("terminated").cast(DataType::Int64)).sum()),
        ],
        &[("ind", "industry")],
    );
    out.extend(facts_by(layoffs, &[("layoff_alerts", len()), ("layoff_cut", col("cut").sum())], &[]));
    Ok(out)
}

/// Monthly contributions with `region`, `year`, `month`.
pub fn contributions(sources: &Sources) -> LazyFrame {
    by_county_month(sources.get("social_insurance"), "month", "county")
}

/// Employer-months whose insured headcount fell by the counted threshold
/// ([`Layoffs::meets`], the same rule as an expression) against the previous month:
/// `employer_id, region, year, month, previous, insured, cut`.
pub fn layoffs(contributions: LazyFrame, rules: &Layoffs) -> PolarsResult<LazyFrame> {
    let m = month_index(col(YEAR), col(MONTH));
    // Sorted by employer then month, a row's predecessor is the employer's previous filing
    // whenever the employer matches: no window per employer needed.
    let same_employer = col("employer_id").eq(col("employer_id").shift(lit(1)));
    Ok(contributions
        .select([col("employer_id"), col(REGION), col(YEAR), col(MONTH), col("insured").cast(DataType::Int64)])
        .sort(["employer_id", YEAR, MONTH], SortMultipleOptions::default())
        .with_columns([
            col("insured").shift(lit(1)).alias("previous"),
            m.clone().shift(lit(1)).alias("previous_month"),
            m.alias("month_index"),
        ])
        // Only consecutive months are compared: a gap in filings is not a layoff.
        .filter(same_employer.and(col("previous_month").eq(col("month_index") - lit(1i64))))
        .with_column((col("previous") - col("insured")).alias("cut"))
        .filter(meets(rules))
        .select([col("employer_id"), col(REGION), col(YEAR), col(MONTH), col("previous"), col("insured"), col("cut")]))
}

/// [`Layoffs::meets`] on the `previous` and `cut` columns.
fn meets(rules: &Layoffs) -> Expr {
    let (cut, previous) = (col("cut"), col("previous"));
    match rules.counted {
        LayoffRule::Legal => {
            cut.clone().gt_eq(lit(i64::from(rules.legal.min_cut))).or(cut.clone().gt(lit(0i64)).and(
                (cut.cast(DataType::Float64) * lit(100.0)).gt_eq(previous.cast(DataType::Float64) * lit(rules.legal.min_share_percent)),
            ))
        }
        LayoffRule::Provincial => when(previous.gt_eq(lit(i64::from(rules.provincial.large_staff))))
            .then(cut.clone().gt_eq(lit(i64::from(rules.provincial.large_min_cut))))
            .otherwise(cut.gt_eq(lit(i64::from(rules.provincial.min_cut)))),
    }
}
