//! 就业补助资金: disbursements and payments by county, month and type; budgets by city,
//! year and type; and two anomaly checks: duplicate payments and payments to recipients
//! with no registration or service record.

use polars::prelude::*;

use super::*;
use szjy_model::codes;
use szjy_model::rules::DuplicatePayments;

pub fn facts(sources: &Sources, rules: &DuplicatePayments) -> PolarsResult<Vec<LazyFrame>> {
    let payments = by_county_month(sources.get("subsidy_disbursements"), "date", "county");
    let mut out = facts_by(
        payments.clone(),
        &[("subsidy_disbursed", exact_sum(col("amount_yuan")) / lit(10_000.0)), ("subsidy_beneficiaries", len())],
        &[("sub", "subsidy_type")],
    );
    out.extend(measure_facts_by(duplicates(payments.clone(), rules)?, "subsidy_duplicate_payments", &[], len()));
    out.extend(measure_facts_by(unregistered(payments, sources), "subsidy_unregistered_payments", &[], len()));

    let budgets = sources.get("subsidy_budgets").with_columns([
        col("city").cast(DataType::Int64).alias(REGION),
        col("year").cast(DataType::Int32).alias(YEAR),
        lit(1i32).cast(DataType::Int32).alias(MONTH),
    ]);
    out.extend(measure_facts_by(budgets, "subsidy_budget", &[("sub", "subsidy_type")], exact_sum(col("budget_10k_yuan"))));
    Ok(out)
}

/// Payments that repeat an earlier payment's recipient, type and amount within the window
/// (the shorter one for types paid in monthly instalments).
pub fn duplicates(payments: LazyFrame, rules: &DuplicatePayments) -> PolarsResult<LazyFrame> {
    let instalments = lit(Series::new("types".into(), rules.instalment_types.clone())).implode(false);
    let window = when(col("subsidy_type").is_in(instalments, false))
        .then(lit(i64::from(rules.instalment_window_days)))
        .otherwise(lit(i64::from(rules.window_days)));
    let group = ["recipient_key", "subsidy_type", "amount_yuan"];
    // Sorted by group then date, a row's predecessor is the previous payment of its group
    // whenever the group columns match: no window per group needed.
    let same_group = group.iter().map(|c| col(*c).eq(col(*c).shift(lit(1)))).reduce(|a, b| a.and(b)).expect("group columns");
    Ok(payments
        .sort(group.iter().copied().chain(["date", "payment_id"]).collect::<Vec<_>>(), SortMultipleOptions::default())
        .filter(same_group.and((col("date").cast(DataType::Int64) - col("date").shift(lit(1)).cast(DataType::Int64)).lt_eq(window))))
}

/// Personal subsidies whose recipient appears in no employment, unemployment or
/// job-seeker registration and no service-zone record.
pub fn unregistered(payments: LazyFrame, sources: &Sources) -> LazyFrame {
    let personal = lit(Series::new("types".into(), codes::PERSONAL_SUBSIDY_TYPES.to_vec())).implode(false);
    // One anti-join per register: each drops the recipients it knows, so later ones probe
    // fewer rows, and no union of all keys is ever built.
    ["employment_registrations", "unemployment_registrations", "job_seekers", "service_transactions"].into_iter().fold(
        payments.filter(col("subsidy_type").is_in(personal, false)),
        |left, register| {
            let known = sources.get(register).select([col("person_key")]);
            left.join(known, [col("recipient_key")], [col("person_key")], JoinArgs::new(JoinType::Anti))
        },
    )
}
