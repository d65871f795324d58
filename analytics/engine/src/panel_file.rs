//! Columns of a CSV or Parquet file as text, for the commands that take "any series" or
//! "any panel" (`analytics forecast`, `analytics evaluate`), and the panel reading of
//! `analytics evaluate`: every bad value is an error that names the file, row and field.

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

/// A sortable number for a period: an integer as it is, a month (2025-06) or quarter
/// (2025Q2) or year as its index in time, a date as its day number.
fn period_key(text: &str) -> Option<i64> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(n);
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(i64::from(chrono::Datelike::num_days_from_ce(&date)));
    }
    match text.parse::<Period>().ok()? {
        month @ Period::Month { .. } => Some(i64::from(month.month_index())),
        Period::Quarter { year, quarter } => Some(i64::from(year) * 4 + i64::from(quarter)),
        _ => None,
    }
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
