//! 供需匹配: vacancies, job seekers and the inputs of 求人倍率 and the posted wage, by
//! county and month, with occupation and industry breakdowns.

use polars::prelude::*;

use super::*;

pub fn facts(sources: &Sources) -> PolarsResult<Vec<LazyFrame>> {
    let postings = by_county_month(sources.get("job_postings"), "date", "county")
        .with_column(((col("wage_min") + col("wage_max")) / lit(2.0) * col("vacancies").cast(DataType::Float64)).alias("wage_x_vacancies"));
    let vacancies = ("vacancies", col("vacancies").sum());
    let mut out =
        facts_by(postings.clone(), &[vacancies.clone(), ("posted_wage_sum", exact_sum(col("wage_x_vacancies")))], &[("occ", "occupation")]);
    out.extend(breakdown_facts(postings, &[vacancies], ("ind", "industry")));

    // A person registering twice in a month counts once, under their first registration,
    // so that the occupation breakdown adds up to the total.
    let first = Earliest::new(&[], "desired_occupation");
    // Two keys (person and packed county-month) group faster than four.
    let seekers = with_cell(by_county_month(sources.get("job_seekers"), "date", "county"))
        .group_by([col("person_key"), col(CELL)])
        .agg([first.aggregate("date")])
        .with_columns(first.unpack("date"))
        .with_columns(unpack_cell());
    out.extend(measure_facts_by(seekers, "job_seekers", &[("occ", "desired_occupation")], len()));
    Ok(out)
}
