//! The models. Each reads validated sources as lazy frames and returns *facts*: one long
//! frame `measure | region | year | month | dim | value` at the measure's finest region
//! level and native period (quarterly facts sit on the quarter's last month, yearly
//! facts on January, so the running year's budgets and targets fall inside the window).
//! The roll-up turns facts into every level and period.

pub mod employment;
pub mod enterprise;
pub mod macro_mobile;
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
    lf.with_columns([
        col(county).cast(DataType::Int64).alias(REGION),
        col(date).dt().year().cast(DataType::Int32).alias(YEAR),
        col(date).dt().month().cast(DataType::Int32).alias(MONTH),
    ])
}

/// Groups by region, year, month (and a dimension) and emits facts of one measure.
pub fn measure_facts(lf: LazyFrame, measure: &str, dim: Option<(&str, &str)>, value: Expr) -> LazyFrame {
    let mut keys = vec![col(REGION), col(YEAR), col(MONTH)];
    let dim_expr = match dim {
        Some((prefix, column)) => {
            keys.push(col(column));
            concat_str([lit(format!("{prefix}:")), col(column)], "", true)
        }
        None => lit(""),
    };
    lf.group_by(keys).agg([value.alias(VALUE)]).select([
        lit(measure).alias(MEASURE),
        col(REGION),
        col(YEAR),
        col(MONTH),
        dim_expr.alias(DIM),
        col(VALUE).cast(DataType::Float64),
    ])
}

/// The total and one breakdown per dimension, all of one measure.
pub fn measure_facts_by(lf: LazyFrame, measure: &str, dims: &[(&str, &str)], value: Expr) -> Vec<LazyFrame> {
    std::iter::once(measure_facts(lf.clone(), measure, None, value.clone()))
        .chain(dims.iter().map(|&d| measure_facts(lf.clone(), measure, Some(d), value.clone())))
        .collect()
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
