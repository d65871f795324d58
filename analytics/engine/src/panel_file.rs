//! Columns of a CSV or Parquet file as text, for the commands that take "any series" or
//! "any panel" (`analytics forecast`, `analytics evaluate`), and the panel reading of
//! `analytics evaluate`, and the series of `analytics forecast`: every bad value is an error that names the file, row and field.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use polars::prelude::{CsvReadOptions, DataType, ParquetReader, SerReader};

use super::evaluate::{self, Design, Evaluation, Panel};
use szjy_model::period::Period;

/// The named columns of a file as text (`None`: empty), with the file's name. Row `i`
/// of a column is the spreadsheet's row `i + 2` (the header is row 1).
pub fn read_text_columns(path: &Path, columns: &[&str]) -> Result<(String, Vec<Vec<Option<String>>>)> {
    let name = path.display().to_string();
    let frame = match path.extension().and_then(|e| e.to_str()).map(str::to_lowercase).as_deref() {
        Some("parquet") => ParquetReader::new(std::fs::File::open(path).with_context(|| format!("{name}: cannot open"))?).finish()?,
        _ => CsvReadOptions::default()
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))?
            .finish()
            .with_context(|| format!("{name}: not a readable CSV"))?,
    };
    let mut out = Vec::with_capacity(columns.len());
    for &col in columns {
        let column = frame.column(col).with_context(|| {
            format!(
                "{name}: no column `{col}` (columns: {})",
                frame.get_column_names().iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
            )
        })?;
        let text = column.cast(&DataType::String)?;
        out.push(text.str()?.iter().map(|v| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())).collect());
    }
    Ok((name, out))
}

/// Spreadsheet row number of value `i` (the header is row 1).
pub fn row_number(i: usize) -> usize {
    i + 2
}

/// The columns `analytics evaluate` was given.
#[derive(Clone, Copy)]
pub struct PanelSpec<'a> {
    pub outcome: &'a str,
    pub unit: Option<&'a str>,
    pub period: Option<&'a str>,
    pub treated: Option<&'a str>,
    pub post: Option<&'a str>,
    pub treat_start: Option<&'a str>,
    pub cluster: Option<&'a str>,
    pub log_outcome: bool,
    pub design: Option<Design>,
}

/// An evaluation with its periods' labels (the event study and trends index them).
pub struct Report {
    pub evaluation: Evaluation,
    pub period_labels: Vec<String>,
}

/// Reads the file, picks the design (forced, or from the columns given) and evaluates.
pub fn evaluate_file(path: &Path, spec: &PanelSpec) -> Result<Report> {
    let design = match spec.design {
        Some(d) => d,
        None if spec.treat_start.is_some() => Design::Staggered,
        None if spec.unit.is_some() && spec.period.is_some() => Design::Twfe,
        None => Design::TwoByTwo,
    };
    let wanted: Vec<&str> = [Some(spec.outcome), spec.unit, spec.period, spec.treated, spec.post, spec.treat_start, spec.cluster]
        .into_iter()
        .flatten()
        .collect();
    let (name, columns) = read_text_columns(path, &wanted)?;
    let column = |col: Option<&str>| col.and_then(|c| wanted.iter().position(|w| *w == c)).map(|i| &columns[i]);
    let rows = columns.first().map_or(0, Vec::len);
    let field = |col: &str, i: usize, what: &str| format!("{name}: row {}, field `{col}`: {what}", row_number(i));

    let outcome = column(Some(spec.outcome)).expect("read");
    let mut y = Vec::with_capacity(rows);
    for (i, text) in outcome.iter().enumerate() {
        let text = text.as_deref().with_context(|| field(spec.outcome, i, "empty"))?;
        let v: f64 = text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .with_context(|| field(spec.outcome, i, &format!("`{text}` is not a number")))?;
        if spec.log_outcome && v <= 0.0 {
            bail!(field(spec.outcome, i, &format!("{v} has no logarithm (--log-outcome needs values above 0)")));
        }
        y.push(if spec.log_outcome { v.ln() } else { v });
    }
    let flags = |col: Option<&str>, flag: &str| -> Result<Vec<bool>> {
        let col = col.with_context(|| format!("the {} design needs --{flag}", design_name(design)))?;
        column(Some(col))
            .expect("read")
            .iter()
            .enumerate()
            .map(|(i, t)| {
                parse_flag(t.as_deref())
                    .with_context(|| field(col, i, &format!("`{}` is not 0/1, true/false or yes/no", t.as_deref().unwrap_or(""))))
            })
            .collect()
    };

    if design == Design::TwoByTwo {
        let (treated, post) = (flags(spec.treated, "treated")?, flags(spec.post, "post")?);
        let clusters = spec.cluster.map(|c| index_labels(column(Some(c)).expect("read"), c, &field)).transpose()?;
        let headline =
            evaluate::two_by_two(&y, &treated, &post, clusters.as_ref().map(|(ids, _)| ids.as_slice())).with_context(|| name.clone())?;
        return Ok(Report {
            evaluation: Evaluation { headline, event_study: Vec::new(), pre_trend: None, trends: Vec::new() },
            period_labels: Vec::new(),
        });
    }

    let (unit_col, period_col) = match (spec.unit, spec.period) {
        (Some(u), Some(p)) => (u, p),
        _ => bail!("the {} design needs --unit and --period", design_name(design)),
    };
    let (unit, unit_labels) = index_labels(column(Some(unit_col)).expect("read"), unit_col, &field)?;
    let period_texts = column(Some(period_col)).expect("read");
    let mut keys = Vec::with_capacity(rows);
    for (i, text) in period_texts.iter().enumerate() {
        let text = text.as_deref().with_context(|| field(period_col, i, "empty"))?;
        keys.push(
            period_key(text)
                .with_context(|| field(period_col, i, &format!("`{text}` is not a period (a number, 2025-06, 2025Q2, 2025 or a date)")))?,
        );
    }
    let mut distinct: Vec<(i64, String)> = keys.iter().zip(period_texts).map(|(k, t)| (*k, t.clone().unwrap_or_default())).collect();
    distinct.sort();
    distinct.dedup_by_key(|(k, _)| *k);
    let period: Vec<usize> = keys.iter().map(|k| distinct.binary_search_by_key(k, |(d, _)| *d).expect("a listed period")).collect();
    let mut seen = HashMap::new();
    for i in 0..rows {
        if let Some(first) = seen.insert((unit[i], period[i]), i) {
            bail!(
                "{name}: rows {} and {}: unit {} has period {} twice",
                row_number(first),
                row_number(i),
                unit_labels[unit[i]],
                distinct[period[i]].1
            );
        }
    }
    let units = unit_labels.len();
    let cluster_of_unit = match spec.cluster {
        None => (0..units).collect(),
        Some(c) => {
            let (ids, labels) = index_labels(column(Some(c)).expect("read"), c, &field)?;
            let mut of_unit: Vec<Option<usize>> = vec![None; units];
            for i in 0..rows {
                match of_unit[unit[i]] {
                    Some(k) if k != ids[i] => bail!(field(
                        c,
                        i,
                        &format!(
                            "unit {} is in cluster {} here and {} elsewhere: a unit's rows must share a cluster",
                            unit_labels[unit[i]], labels[ids[i]], labels[k]
                        )
                    )),
                    _ => of_unit[unit[i]] = Some(ids[i]),
                }
            }
            of_unit.into_iter().map(|k| k.expect("every unit has rows")).collect()
        }
    };
    let panel = Panel { unit: unit.clone(), period: period.clone(), y, cluster_of_unit };
    let period_labels: Vec<String> = distinct.iter().map(|(_, label)| label.clone()).collect();

    let (headline, adoption) = match design {
        Design::Twfe => {
            let (treated, post) = (flags(spec.treated, "treated")?, flags(spec.post, "post")?);
            let d: Vec<bool> = treated.iter().zip(&post).map(|(t, p)| *t && *p).collect();
            // For the event study: each treated unit's first period under treatment.
            let mut adoption: Vec<Option<usize>> = vec![None; units];
            for i in (0..rows).filter(|&i| d[i]) {
                adoption[unit[i]] = Some(adoption[unit[i]].map_or(period[i], |a: usize| a.min(period[i])));
            }
            (Some(evaluate::twfe(&panel, &d).with_context(|| name.clone())?), adoption)
        }
        _ => {
            let col =
                spec.treat_start.context("the staggered design needs --treat-start (each unit's first treated period, empty for never)")?;
            let starts = column(Some(col)).expect("read");
            let mut adoption: Vec<Option<Option<usize>>> = vec![None; units];
            for (i, text) in starts.iter().enumerate() {
                // Adoption after the last period observed: never treated within the panel.
                let start = match text {
                    None => None,
                    Some(t) => {
                        let key = period_key(t).with_context(|| field(col, i, &format!("`{t}` is not a period")))?;
                        let first = distinct.partition_point(|(k, _)| *k < key);
                        (first < distinct.len()).then_some(first)
                    }
                };
                match adoption[unit[i]] {
                    Some(previous) if previous != start => {
                        bail!(field(col, i, &format!("unit {} has another start on another row: a unit adopts once", unit_labels[unit[i]])))
                    }
                    _ => adoption[unit[i]] = Some(start),
                }
            }
            (None, adoption.into_iter().map(|a| a.flatten()).collect())
        }
    };
    let mut evaluation = evaluate::staggered(&panel, &adoption).with_context(|| name.clone())?;
    if let Some(headline) = headline {
        evaluation.headline = headline;
    }
    Ok(Report { evaluation, period_labels })
}

fn design_name(design: Design) -> &'static str {
    match design {
        Design::TwoByTwo => "2x2",
        Design::Twfe => "twfe",
        Design::Staggered => "staggered",
    }
}

fn parse_flag(text: Option<&str>) -> Option<bool> {
    match text?.to_ascii_lowercase().as_str() {
        "1" | "1.0" | "true" | "t" | "yes" | "y" => Some(true),
        "0" | "0.0" | "false" | "f" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// A sortable number for a period (see [`PeriodAxis::parse`]).
fn period_key(text: &str) -> Option<i64> {
    PeriodAxis::parse(text).map(|(_, position)| position)
}

/// How a file's period column counts time: what its texts look like, how they order and
/// what the periods after the last one are called. Text order is never time order
/// (`10` sorts before `9`), so every period is read into a position on its axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodAxis {
    /// Integers: 0, 1, …, 119, or years (2025).
    Number,
    /// Months: 2025-06.
    Month,
    /// Quarters: 1978Q1.
    Quarter,
    /// Dates on the same day of every month (2025-06-01, 2025-07-01): a monthly series.
    MonthDay(u32),
    /// Other dates (2025-06-03), by day.
    Date,
}

impl PeriodAxis {
    /// The axis a period text belongs to and its position on it. A date reads as
    /// [`PeriodAxis::Date`]; [`read_series`] makes a series of dates on one day of the
    /// month a monthly one.
    pub fn parse(text: &str) -> Option<(PeriodAxis, i64)> {
        if let Ok(n) = text.parse::<i64>() {
            return Some((PeriodAxis::Number, n));
        }
        if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some((PeriodAxis::Date, i64::from(chrono::Datelike::num_days_from_ce(&date))));
        }
        match text.parse::<Period>().ok()? {
            month @ Period::Month { .. } => Some((PeriodAxis::Month, i64::from(month.month_index()))),
            Period::Quarter { year, quarter } => Some((PeriodAxis::Quarter, i64::from(year) * 4 + i64::from(quarter) - 1)),
            _ => None,
        }
    }

    /// The text of the period at `position`, as the file would write it.
    pub fn label(self, position: i64) -> String {
        match self {
            PeriodAxis::Number => position.to_string(),
            PeriodAxis::Month => Period::from_month_index(position as i32).to_string(),
            PeriodAxis::Quarter => format!("{}Q{}", position.div_euclid(4), position.rem_euclid(4) + 1),
            PeriodAxis::MonthDay(day) => {
                let Period::Month { year, month } = Period::from_month_index(position as i32) else { unreachable!("a month index") };
                format!("{year:04}-{month:02}-{day:02}")
            }
            PeriodAxis::Date => chrono::NaiveDate::from_num_days_from_ce_opt(position as i32)
                .map_or_else(|| position.to_string(), |d| d.format("%Y-%m-%d").to_string()),
        }
    }
}

/// One series read for a forecast: values in time order, evenly spaced.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeSeries {
    pub axis: PeriodAxis,
    /// Positions on the axis, ascending, `step` apart.
    pub positions: Vec<i64>,
    pub values: Vec<f64>,
    pub step: i64,
}

impl TimeSeries {
    /// The name of the period `h` steps after the last one (`h` = 1 is the next).
    pub fn label_ahead(&self, h: usize) -> String {
        let last = self.positions.last().copied().unwrap_or_default();
        self.axis.label(last + self.step * h as i64)
    }
}

/// Reads a series from the `value` and `period` columns of a CSV or Parquet file, in time
/// order: numbers numerically, months, quarters and dates as time. Every period must be
/// of one kind, appear once and be evenly spaced (a forecast treats neighbours as one
/// step apart); each failure names the file, row and field.
pub fn read_series(path: &Path, value: &str, period: &str) -> Result<TimeSeries> {
    let (name, columns) = read_text_columns(path, &[period, value])?;
    let field = |i: usize, col: &str, what: &str| format!("{name}: row {}, field `{col}`: {what}", row_number(i));
    let mut rows: Vec<(i64, f64, usize, &str)> = Vec::with_capacity(columns[0].len());
    let mut axis = None;
    for (i, (p, text)) in columns[0].iter().zip(&columns[1]).enumerate() {
        let p = p.as_deref().with_context(|| field(i, period, "empty"))?;
        let (kind, position) = PeriodAxis::parse(p).with_context(|| {
            field(i, period, &format!("`{p}` is not a period (a number, a month 2025-06, a quarter 2025Q2 or a date 2025-06-30)"))
        })?;
        match axis {
            None => axis = Some((kind, i, p)),
            Some((first, row, text)) if first != kind => {
                bail!("{}", field(i, period, &format!("`{p}` is not the same kind of period as `{text}` in row {}", row_number(row))))
            }
            Some(_) => {}
        }
        let text = text.as_deref().with_context(|| field(i, value, "empty"))?;
        let v: f64 =
            text.parse().ok().filter(|v: &f64| v.is_finite()).with_context(|| field(i, value, &format!("`{text}` is not a number")))?;
        rows.push((position, v, i, p));
    }
    let Some((mut axis, _, _)) = axis else { bail!("{name}: no rows") };
    rows.sort_by_key(|r| r.0);
    if axis == PeriodAxis::Date {
        let day = |days: i64| chrono::NaiveDate::from_num_days_from_ce_opt(days as i32).map(|d| chrono::Datelike::day(&d));
        let first = day(rows[0].0);
        if first.is_some_and(|d| d <= 28) && rows.iter().all(|r| day(r.0) == first) {
            axis = PeriodAxis::MonthDay(first.unwrap_or(1));
            for r in &mut rows {
                let (_, month) = PeriodAxis::parse(&r.3[..7]).expect("a date's year and month");
                r.0 = month;
            }
        }
    }
    if let Some(pair) = rows.windows(2).find(|w| w[0].0 == w[1].0) {
        bail!("{}", field(pair[1].2, period, &format!("period `{}` appears twice (also in row {})", pair[1].3, row_number(pair[0].2))));
    }
    let step = rows.get(1).map_or(1, |r| r.0 - rows[0].0);
    if let Some(pair) = rows.windows(2).find(|w| w[1].0 - w[0].0 != step) {
        let what = format!(
            "`{}` follows `{}` (row {}) at {} steps where the series' periods are {step} apart: the forecast needs evenly spaced periods",
            pair[1].3,
            pair[0].3,
            row_number(pair[0].2),
            pair[1].0 - pair[0].0
        );
        bail!("{}", field(pair[1].2, period, &what));
    }
    Ok(TimeSeries { axis, positions: rows.iter().map(|r| r.0).collect(), values: rows.iter().map(|r| r.1).collect(), step })
}

/// Labels to dense indexes in order of first appearance.
fn index_labels(texts: &[Option<String>], col: &str, field: &impl Fn(&str, usize, &str) -> String) -> Result<(Vec<usize>, Vec<String>)> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut labels = Vec::new();
    let mut ids = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        let text = text.as_deref().with_context(|| field(col, i, "empty"))?;
        let next = labels.len();
        let id = *index.entry(text).or_insert(next);
        if id == next {
            labels.push(text.to_string());
        }
        ids.push(id);
    }
    Ok((ids, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(rows: &[(&str, f64)]) -> Result<TimeSeries> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("szjy-series-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("series.csv");
        let body: String = rows.iter().map(|(p, v)| format!("{p},{v}\n")).collect();
        std::fs::write(&path, format!("period,value\n{body}"))?;
        let out = read_series(&path, "value", "period");
        std::fs::remove_dir_all(&dir)?;
        out
    }

    #[test]
    fn numbers_order_numerically_and_continue_from_the_last() {
        // In text order 10 would come before 9.
        let rows: Vec<(String, f64)> = (0..120).rev().map(|i| (i.to_string(), i as f64)).collect();
        let rows: Vec<(&str, f64)> = rows.iter().map(|(p, v)| (p.as_str(), *v)).collect();
        let s = series(&rows).unwrap();
        assert_eq!(s.axis, PeriodAxis::Number);
        assert_eq!(s.values, (0..120).map(f64::from).collect::<Vec<_>>());
        assert_eq!((s.label_ahead(1), s.label_ahead(12)), ("120".to_string(), "131".to_string()));
    }

    #[test]
    fn months_quarters_and_dates_continue_as_time() {
        let months = series(&[("2025-11", 1.0), ("2025-12", 2.0), ("2026-01", 3.0)]).unwrap();
        assert_eq!((months.label_ahead(1), months.label_ahead(12)), ("2026-02".into(), "2027-01".into()));
        let quarters = series(&[("1977Q3", 1.0), ("1977Q4", 2.0), ("1977Q2", 0.0)]).unwrap();
        assert_eq!(quarters.values, vec![0.0, 1.0, 2.0]);
        assert_eq!((quarters.label_ahead(1), quarters.label_ahead(5)), ("1978Q1".into(), "1979Q1".into()));
        let firsts = series(&[("2025-01-01", 1.0), ("2025-02-01", 2.0), ("2025-03-01", 3.0)]).unwrap();
        assert_eq!(firsts.axis, PeriodAxis::MonthDay(1));
        assert_eq!(firsts.label_ahead(10), "2026-01-01");
        let days = series(&[("2025-06-29", 1.0), ("2025-06-30", 2.0), ("2025-07-01", 3.0)]).unwrap();
        assert_eq!((days.axis, days.label_ahead(1)), (PeriodAxis::Date, "2025-07-02".into()));
        let years = series(&[("2024", 1.0), ("2023", 2.0)]).unwrap();
        assert_eq!((years.values.clone(), years.label_ahead(1)), (vec![2.0, 1.0], "2025".into()));
    }

    #[test]
    fn mixed_repeated_or_uneven_periods_name_the_row() {
        let err = |rows: &[(&str, f64)]| format!("{:#}", series(rows).unwrap_err());
        let mixed = err(&[("2025-01", 1.0), ("2025Q1", 2.0)]);
        assert!(mixed.contains("row 3, field `period`") && mixed.contains("not the same kind"), "{mixed}");
        let twice = err(&[("5", 1.0), ("6", 2.0), ("5", 3.0)]);
        assert!(twice.contains("row 4, field `period`: period `5` appears twice (also in row 2)"), "{twice}");
        let gap = err(&[("2025-01", 1.0), ("2025-02", 2.0), ("2025-04", 3.0)]);
        assert!(gap.contains("row 4") && gap.contains("`2025-04` follows `2025-02`"), "{gap}");
        let text = err(&[("spring", 1.0)]);
        assert!(text.contains("row 2, field `period`: `spring` is not a period"), "{text}");
    }
}
