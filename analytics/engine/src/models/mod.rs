//! The models. Each reads validated sources as lazy frames and returns *facts*: one long
//! frame `measure | region | year | month | dim | value` at the measure's finest region
//! level and native period (quarterly facts sit on the quarter's last month, yearly
//! facts on January, so the running year's budgets and targets fall inside the window).
//! The roll-up turns facts into every level and period.

pub mod employment;
pub mod enterprise;
pub mod macro_mobile;
pub mod official;
pub mod policy;
pub mod shortage;
pub mod subsidy;
pub mod supply_demand;
pub mod zones;

use std::collections::HashMap;

use polars::prelude::*;

/// Validated sources by name.
pub struct Sources {
    frames: HashMap<&'static str, LazyFrame>,
}

impl Sources {
    pub fn new(frames: HashMap<&'static str, LazyFrame>) -> Self {
        Sources { frames }
    }

    pub fn get(&self, name: &str) -> LazyFrame {
        self.frames.get(name).cloned().unwrap_or_else(|| panic!("source {name} was not loaded"))
    }
}

pub const MEASURE: &str = "measure";
pub const REGION: &str = "region";
pub const YEAR: &str = "year";
pub const MONTH: &str = "month";
pub const DIM: &str = "dim";
pub const VALUE: &str = "value";

/// Adds `region`, `year`, `month` from a county column and a date column.
pub fn by_county_month(lf: LazyFrame, date: &str, county: &str) -> LazyFrame {
    lf.with_columns([col(county).cast(DataType::Int64).alias(REGION), year_of(col(date)).alias(YEAR), month_of(col(date)).alias(MONTH)])
}

/// Year and month (1–12) of a day number since 1970-01-01 (Hinnant's `civil_from_days`):
/// integer arithmetic, where going through a calendar date object per row was a visible
/// share of the build.
fn civil(days: i32) -> (i32, i32) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month as i32)
}

fn civil_part(date: Expr, part: fn((i32, i32)) -> i32) -> Expr {
    date.map(
        move |c| {
            let days = c.cast(&DataType::Date)?.to_physical_repr();
            let out: Int32Chunked = days.i32()?.apply_values(|d| part(civil(d)));
            Ok(out.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Int32)),
    )
}

/// The calendar year of a date, as Int32.
pub fn year_of(date: Expr) -> Expr {
    civil_part(date, |(year, _)| year)
}

/// The month (1–12) of a date, as Int32.
pub fn month_of(date: Expr) -> Expr {
    civil_part(date, |(_, month)| month)
}

/// Region, year and month travel through group-bys as one integer: Polars hashes a single
/// integer key directly, where several keys are first encoded as bytes per row.
pub const CELL: &str = "__cell";

/// Adds [`CELL`]: region, year and month packed into one integer.
pub fn with_cell(lf: LazyFrame) -> LazyFrame {
    lf.with_column(
        (col(REGION).cast(DataType::Int64) * lit(1_000_000i64)
            + col(YEAR).cast(DataType::Int64) * lit(100i64)
            + col(MONTH).cast(DataType::Int64))
        .alias(CELL),
    )
}

/// A `dim` key `prefix:code`, or the total's empty key.
fn dim_key(dim: Option<(&str, &str)>) -> Expr {
    match dim {
        Some((prefix, column)) => concat_str([lit(format!("{prefix}:")), col(column)], "", true),
        None => lit(""),
    }
}

/// Region, year and month back from [`CELL`].
pub fn unpack_cell() -> [Expr; 3] {
    [
        (col(CELL) / lit(1_000_000i64)).alias(REGION),
        (col(CELL) / lit(100i64) % lit(10_000i64)).cast(DataType::Int32).alias(YEAR),
        (col(CELL) % lit(100i64)).cast(DataType::Int32).alias(MONTH),
    ]
}

/// One fact frame per measure from a frame grouped by cell (and `dim`'s column), holding
/// one column per measure.
fn long(grouped: LazyFrame, measures: &[&str], dim: Option<(&str, &str)>) -> Vec<LazyFrame> {
    measures
        .iter()
        .map(|&m| {
            let [region, year, month] = unpack_cell();
            grouped.clone().select([
                lit(m).alias(MEASURE),
                region,
                year,
                month,
                dim_key(dim).alias(DIM),
                col(m).cast(DataType::Float64).alias(VALUE),
            ])
        })
        .collect()
}

fn group(lf: LazyFrame, measures: &[(&str, Expr)], dim: Option<(&str, &str)>) -> LazyFrame {
    let keys: Vec<Expr> = std::iter::once(col(CELL)).chain(dim.map(|(_, column)| col(column))).collect();
    lf.group_by(keys).agg(measures.iter().map(|(m, value)| value.clone().alias(*m)).collect::<Vec<_>>())
}

fn names<'a>(measures: &[(&'a str, Expr)]) -> Vec<&'a str> {
    measures.iter().map(|(m, _)| *m).collect()
}

/// Groups by region, year, month (and a dimension) and emits facts of one measure.
pub fn measure_facts(lf: LazyFrame, measure: &str, dim: Option<(&str, &str)>, value: Expr) -> LazyFrame {
    let measures = [(measure, value)];
    long(group(with_cell(lf), &measures, dim), &[measure], dim).remove(0)
}

/// Facts of several measures of the same rows: the total and one breakdown per dimension,
/// one group-by for all the measures each. Values must add up (sums or counts) and every
/// row must have a category, so totals are summed from the first breakdown rather than
/// another pass over the rows.
pub fn facts_by(lf: LazyFrame, measures: &[(&str, Expr)], dims: &[(&str, &str)]) -> Vec<LazyFrame> {
    let lf = with_cell(lf);
    let ids = names(measures);
    let Some((&first, rest)) = dims.split_first() else {
        return long(group(lf, measures, None), &ids, None);
    };
    let breakdown = group(lf.clone(), measures, Some(first)).cache();
    let total = breakdown.clone().group_by([col(CELL)]).agg(ids.iter().map(|m| exact_sum(col(*m)).alias(*m)).collect::<Vec<_>>());
    let mut out = long(total, &ids, None);
    out.extend(long(breakdown, &ids, Some(first)));
    for &dim in rest {
        out.extend(long(group(lf.clone(), measures, Some(dim)), &ids, Some(dim)));
    }
    out
}

/// One breakdown of several measures of the same rows, without their totals.
pub fn breakdown_facts(lf: LazyFrame, measures: &[(&str, Expr)], dim: (&str, &str)) -> Vec<LazyFrame> {
    long(group(with_cell(lf), measures, Some(dim)), &names(measures), Some(dim))
}

/// [`facts_by`] for one measure.
pub fn measure_facts_by(lf: LazyFrame, measure: &str, dims: &[(&str, &str)], value: Expr) -> Vec<LazyFrame> {
    facts_by(lf, &[(measure, value)], dims)
}

/// The fields of each group's earliest row, as aggregate and unpacking expressions.
///
/// The row is the one with the smallest `date`, ties broken by the fields themselves, so
/// the choice does not depend on row order. Rather than sorting inside every group, the
/// date and fields are packed into one string (the date as its day number, then each
/// field) whose minimum is that row: a plain aggregate, several times faster. Every field
/// but the last must have the fixed width given.
pub struct Earliest {
    fixed: Vec<(&'static str, usize)>,
    last: &'static str,
}

const PACKED: &str = "__earliest";
/// Day numbers since 1970 have five digits from 1997 to 2243; ingest admits 2015–2030.
const DATE_WIDTH: usize = 5;

impl Earliest {
    pub fn new(fixed: &[(&'static str, usize)], last: &'static str) -> Self {
        Earliest { fixed: fixed.to_vec(), last }
    }

    /// The aggregate, for `group_by(..).agg(..)`.
    pub fn aggregate(&self, date: &str) -> Expr {
        // An integer's digits, not a formatted date: formatting millions of dates was
        // a noticeable share of the whole build.
        let parts: Vec<Expr> = std::iter::once(col(date).to_physical().cast(DataType::String))
            .chain(self.fixed.iter().map(|(c, _)| col(*c).cast(DataType::String)))
            .chain([col(self.last).cast(DataType::String)])
            .collect();
        concat_str(parts, "", false).min().alias(PACKED)
    }

    /// The earliest row's date and fields (as text), under their own names, and its
    /// month under [`MONTH`].
    pub fn unpack(&self, date: &str) -> Vec<Expr> {
        let packed = || col(PACKED).str();
        let day = packed().slice(lit(0i64), lit(DATE_WIDTH as u64)).cast(DataType::Int32).cast(DataType::Date);
        let mut out = vec![day.clone().alias(date), month_of(day).alias(MONTH)];
        let mut offset = DATE_WIDTH;
        for (name, width) in &self.fixed {
            out.push(packed().slice(lit(offset as i64), lit(*width as u64)).alias(*name));
            offset += width;
        }
        out.push(packed().slice(lit(offset as i64), lit(NULL)).alias(self.last));
        out
    }
}

/// Fixed-point unit for sums of fractional values.
const FIXED_POINT: f64 = 1e6;

/// The value in fixed-point units (1e-6), as integers.
pub fn fixed(e: Expr) -> Expr {
    (e * lit(FIXED_POINT)).round(0, RoundMode::HalfToEven).cast(DataType::Int64)
}

/// Back from fixed-point units.
pub fn unfixed(e: Expr) -> Expr {
    e.cast(DataType::Float64) / lit(FIXED_POINT)
}

/// Sum of fractional values in fixed point: integer addition is exact, so the result
/// does not depend on the order in which parallel workers add (and neither does the
/// cube's content hash).
pub fn exact_sum(e: Expr) -> Expr {
    unfixed(fixed(e).sum())
}

/// Mean with an exact sum.
pub fn exact_mean(e: Expr) -> Expr {
    exact_sum(e) / len().cast(DataType::Float64)
}

/// Month index (year × 12 + month − 1), for month arithmetic in expressions.
pub fn month_index(year: Expr, month: Expr) -> Expr {
    year.cast(DataType::Int64) * lit(12i64) + month.cast(DataType::Int64) - lit(1i64)
}

pub fn concat_facts(frames: Vec<LazyFrame>) -> PolarsResult<LazyFrame> {
    concat(frames, UnionArgs { rechunk: false, parallel: true, ..Default::default() })
}

#[cfg(test)]
mod tests {
    use super::civil;

    #[test]
    fn civil_matches_the_calendar() {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for days in (-800_000..800_000).step_by(997).chain([-1, 0, 59, 60, 11_016, 19_783, 20_513]) {
            let d = epoch + chrono::Duration::days(days as i64);
            use chrono::Datelike;
            assert_eq!(civil(days), (d.year(), d.month() as i32), "day {days} = {d}");
        }
    }
}
