//! 官方发布数据: published figures (`official_series`) become the cube's official cells,
//! entered as published, never computed or rolled up, each with its citation. They stand
//! beside the project's own measures (`Aggregation::Published::beside`), never in them.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use polars::prelude::*;
use szjy_model::cube::{flags, Citation, Cube, TOTAL};
use szjy_model::period::Period;

/// Adds one official cell and one citation per validated row of `official_series`; returns
/// how many. The rows are unique by series, region and period (the source's identity).
pub fn add_to_cube(cube: &mut Cube, rows: LazyFrame) -> Result<usize> {
    let df = rows
        .select([
            col("series"),
            col("region").cast(DataType::Int64),
            col("period"),
            col("value").cast(DataType::Float64),
            col("publisher"),
            col("document"),
            col("published").cast(DataType::Int32),
            col("url"),
            col("note"),
        ])
        .sort_by_exprs([col("series"), col("region"), col("period")], SortMultipleOptions::default())
        .collect()
        .map_err(anyhow::Error::from)
        .context("reading the official series")?;
    let text = |name: &str| -> Result<Vec<Option<String>>> {
        Ok(df.column(name)?.cast(&DataType::String)?.str()?.iter().map(|v| v.map(str::to_string)).collect())
    };
    let (series, period, publisher, document, url, note) =
        (text("series")?, text("period")?, text("publisher")?, text("document")?, text("url")?, text("note")?);
    let region: Vec<Option<i64>> = df.column("region")?.i64()?.iter().collect();
    let value: Vec<Option<f64>> = df.column("value")?.f64()?.iter().collect();
    let published: Vec<Option<i32>> = df.column("published")?.i32()?.iter().collect();
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    let mut added = 0;
    for i in 0..df.height() {
        // Validation leaves no required field empty; a row that lacks one is not a figure.
        let (Some(measure), Some(region), Some(period), Some(value), Some(publisher), Some(document), Some(published)) =
            (series[i].as_deref(), region[i], period[i].as_deref(), value[i], publisher[i].clone(), document[i].clone(), published[i])
        else {
            continue;
        };
        let period: Period = anyhow::Context::with_context(period.parse(), || format!("official_series: period {period:?}"))?;
        let region = region as u32;
        cube.push(measure, region, period, TOTAL, value, flags::OFFICIAL);
        cube.citations.push(Citation {
            measure: measure.to_string(),
            region,
            period,
            publisher,
            document,
            published: epoch + chrono::Duration::days(published as i64),
            url: url[i].clone().filter(|u| !u.trim().is_empty()),
            note: note[i].clone().filter(|n| !n.trim().is_empty()),
        });
        added += 1;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_is_one_official_cell_with_its_citation() {
        let rows = df!(
            "series" => ["surveyed_unemployment_rate", "official_new_urban_jobs"],
            "region" => [370000i64, 370100],
            "period" => ["2024-06", "2024"],
            "value" => [5.1, 21.5],
            "publisher" => ["统计局", "人社局"],
            "document" => ["《月报》", "公报"],
            "published" => [19900i32, 19800],
            "url" => [Some("https://example.org/a"), None],
            "note" => [None::<&str>, Some(" ")],
        )
        .unwrap()
        .lazy()
        .with_column(col("published").cast(DataType::Date));
        let mut cube = Cube::new(NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(), false);
        assert_eq!(add_to_cube(&mut cube, rows).unwrap(), 2);
        cube.canonicalize();
        let june = Period::Month { year: 2024, month: 6 };
        let cell = cube.cell("surveyed_unemployment_rate", 370000, june, TOTAL).expect("the cell");
        assert_eq!((cell.value, cell.flags), (Some(5.1), flags::OFFICIAL));
        let citation = cube.citation("official_new_urban_jobs", 370100, Period::Year { year: 2024 }).expect("its citation");
        assert_eq!((citation.url.as_deref(), citation.note.as_deref()), (None, None), "blank optional fields are none");
        assert_eq!(citation.published, NaiveDate::from_ymd_opt(2024, 3, 18).unwrap());
        assert_eq!(cube.citation("surveyed_unemployment_rate", 370000, june).unwrap().url.as_deref(), Some("https://example.org/a"));
    }
}
