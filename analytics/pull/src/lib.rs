//! Pulls from the provincial platform's database (PostgreSQL, or a database that speaks
//! its protocol) into validated batches.
//!
//! A pull of one source, in one read-only snapshot: the platform's columns are checked
//! against the schema (missing, or of a type the schema cannot read, refuses the pull
//! before a row moves); the rows past the last watermark stream out by `COPY … TO STDOUT`
//! into a spool on disk (a chunk in memory at a time); then the spool is validated like
//! any file ([`szjy_engine::ingest`]: the same rules, quarantine, reconciliation, keyed
//! hashes) into a work folder, and deleted, since it may hold raw ID numbers. Nothing of
//! a pull that fails half way is kept: the caller publishes a batch only from a pull that
//! returned.

pub mod batches;
pub mod config;
pub mod connect;
pub mod copy_text;
pub mod schedule;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use szjy_engine::build::QUARANTINE_DIR;
use szjy_engine::ingest::{self, FileKind, IngestContext, InputFile, Reconciliation, RAW_ID_COL, WHERE_COL};
use szjy_model::schema::{ColumnType, SourceSchema};

pub use config::{PullConfig, SourcePull, WatermarkKind};

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{0}")]
    Config(String),
    #[error("{database}: cannot connect: {message}")]
    Connect { database: String, message: String },
    /// The platform's table no longer fits the configuration: a column gone or retyped.
    #[error("source {source_name}: {table}: {message}")]
    Schema { source_name: String, table: String, message: String },
    #[error("source {source_name}: {table}: {message}")]
    Query { source_name: String, table: String, message: String },
    /// The connection broke or the server ended the statement while rows were arriving.
    #[error("source {source_name}: {table}: the pull stopped after {rows} rows: {message}; nothing of it was kept")]
    Interrupted { source_name: String, table: String, rows: u64, message: String },
    #[error("source {source_name}: {message}")]
    Ingest { source_name: String, message: String },
    /// The pull was read and validated, but could not be kept in the batches folder.
    #[error("source {source_name}: keeping the pull: {message}")]
    Keep { source_name: String, message: String },
}

/// A driver error as one line: the server's message and code when it sent one.
pub fn describe_error(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({}: {})", db.message(), db.severity(), db.code().code()),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                text.push_str(": ");
                text.push_str(&inner.to_string());
                source = inner.source();
            }
            text
        }
    }
}

/// How one schema column is read from the platform.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ColumnRead {
    /// The schema's name (`person_id` for a raw ID number).
    pub column: String,
    /// The platform's column.
    pub platform: String,
    /// The platform's type, as the server names it (`int4`, `varchar`, …).
    pub platform_type: String,
}

/// What a pull did: where from, which watermark range, how many rows, how fast, and the
/// validation's reconciliation (rows in = accepted + quarantined + replaced).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PullOutcome {
    pub source: String,
    pub database: String,
    pub table: String,
    pub watermark_column: String,
    pub watermark_kind: String,
    /// The last pull's watermark this one started after (or at, for a partition).
    pub watermark_from: Option<String>,
    /// The highest watermark in the snapshot read: the next pull starts there.
    pub watermark_to: Option<String>,
    /// Rows whose watermark is empty: no incremental pull can read them, so they are
    /// named here for the platform's staff to fill in, not read.
    pub without_watermark: u64,
    pub columns: Vec<ColumnRead>,
    pub reconciliation: Reconciliation,
    pub started: String,
    pub seconds: f64,
    /// Rows streamed per second (the transfer, before validation).
    pub rows_per_s: f64,
    /// A full pull (no `watermark_from`) reads every row the platform has now, so the
    /// source's earlier pulls are set aside: rows the platform deleted, or whose identity
    /// it corrected, go with them. Their names, so a rollback can put them back.
    #[serde(default)]
    pub superseded: Vec<String>,
}

/// The chunk of rows held in memory before it goes to the spool.
const CHUNK_ROWS: usize = 100_000;

/// Deletes the spool however the pull ends: it may hold raw ID numbers.
struct Spool(PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Pulls one source into `work`: the accepted rows in their stored form at
/// `work/<source>/part-0.parquet` (when any), the quarantine at `work/quarantine/`.
/// `since` is the last pull's watermark (none: everything). `progress` hears the rows
/// streamed so far, once per chunk.
pub fn pull_source(
    config: &PullConfig,
    pull: &SourcePull,
    since: Option<&str>,
    work: &Path,
    context: &IngestContext,
    progress: &mut dyn FnMut(u64),
) -> Result<PullOutcome, PullError> {
    let schema = pull.schema().ok_or_else(|| PullError::Config(format!("unknown source {}", pull.source)))?;
    let table = pull.label();
    let query_error =
        |e: postgres::Error| PullError::Query { source_name: schema.name.into(), table: table.clone(), message: describe_error(&e) };
    let started_at = chrono::Utc::now();
    let started = Instant::now();
    let mut client = connect::connect(&config.connection)?;
    let mut snapshot = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(query_error)?;
    let from = match (&pull.table, &pull.query) {
        (Some(table), _) => config::qualified_identifier(table).map_err(PullError::Config)?,
        (None, Some(query)) => format!("({query})"),
        (None, None) => return Err(PullError::Config(format!("sources[{}]: no table or query", schema.name))),
    };
    let described = snapshot.prepare(&format!("SELECT * FROM {from} AS src LIMIT 0")).map_err(query_error)?;
    let platform: Vec<(String, String)> =
        described.columns().iter().map(|c| (c.name().to_string(), c.type_().name().to_string())).collect();
    let plan = plan_columns(schema, pull, &platform).map_err(|message| PullError::Schema {
        source_name: schema.name.into(),
        table: table.clone(),
        message,
    })?;
    let watermark = config::quote_identifier(&pull.watermark.column);
    let watermark_type = platform.iter().find(|(n, _)| *n == pull.watermark.column).map(|(_, t)| t.as_str()).unwrap_or_default();
    // An update time is read only up to `settle_s` ago: a transaction that stamped its rows
    // before this snapshot but commits after it still lands above the mark.
    let highest = match watermark_type {
        "timestamptz" if pull.watermark.kind == WatermarkKind::Updated => {
            format!("least(max(src.{watermark}), now() - make_interval(secs => {}))", pull.watermark.settle_s)
        }
        "timestamp" if pull.watermark.kind == WatermarkKind::Updated => {
            format!("least(max(src.{watermark}), localtimestamp - make_interval(secs => {}))", pull.watermark.settle_s)
        }
        _ => format!("max(src.{watermark})"),
    };
    let bounds = snapshot
        .query_one(&format!("SELECT ({highest})::text, count(*) FILTER (WHERE src.{watermark} IS NULL) FROM {from} AS src"), &[])
        .map_err(query_error)?;
    let upper: Option<String> = bounds.get(0);
    let without_watermark = bounds.get::<_, i64>(1) as u64;
    if without_watermark > 0 {
        tracing::warn!(source = schema.name, table = %table, rows = without_watermark, column = %pull.watermark.column, "rows without a watermark are not pulled");
    }
    let mut filter = Vec::new();
    if let Some(since) = since {
        let op = if pull.watermark.kind == WatermarkKind::Partition { ">=" } else { ">" };
        filter.push(format!("src.{watermark} {op} {}", config::quote_literal(since)));
    }
    match &upper {
        Some(upper) => filter.push(format!("src.{watermark} <= {}", config::quote_literal(upper))),
        None => filter.push("false".into()),
    }
    let mut select: Vec<String> = plan.iter().map(|c| c.expression.clone()).collect();
    if let Some(by) = &pull.locate_by {
        let name = config::quote_identifier(by);
        let prefix = config::quote_literal(&format!("{table}[{by}="));
        select.push(format!("{prefix} || src.{name}::text || ']'"));
    }
    let copy = format!("COPY (SELECT {} FROM {from} AS src WHERE {}) TO STDOUT", select.join(", "), filter.join(" AND "));

    std::fs::create_dir_all(work).map_err(|e| PullError::Config(format!("{}: {e}", work.display())))?;
    let spool = Spool(work.join(format!("{}.pulled.parquet", schema.name)));
    let mut names: Vec<String> = plan.iter().map(|c| c.read.column.clone()).collect();
    if pull.locate_by.is_some() {
        names.push(WHERE_COL.into());
    }
    let interrupted =
        |rows: u64, message: String| PullError::Interrupted { source_name: schema.name.into(), table: table.clone(), rows, message };
    let rows = {
        let reader = snapshot.copy_out(copy.as_str()).map_err(query_error)?;
        stream_to_spool(reader, &names, &spool.0, progress).map_err(|(rows, message)| interrupted(rows, message))?
    };
    snapshot.commit().map_err(query_error)?;
    drop(client);
    let transfer_s = started.elapsed().as_secs_f64();
    tracing::info!(source = schema.name, table = %table, rows, seconds = transfer_s, rows_per_s = rows as f64 / transfer_s.max(1e-9), "pulled");

    let ingest_error = |e: ingest::IngestError| PullError::Ingest { source_name: schema.name.into(), message: e.to_string() };
    let checked =
        ingest::check(schema, vec![InputFile { path: spool.0.clone(), kind: FileKind::Pulled }], context).map_err(ingest_error)?;
    let out = work.join(schema.name).join("part-0.parquet");
    let origin = format!("{}:{}", config.connection.dbname, table);
    let reconciliation = ingest::write_validated(&checked, &[origin], &work.join(QUARANTINE_DIR), &out).map_err(ingest_error)?;
    drop(spool);
    Ok(PullOutcome {
        source: schema.name.into(),
        database: config.connection.describe(),
        table,
        watermark_column: pull.watermark.column.clone(),
        watermark_kind: format!("{:?}", pull.watermark.kind),
        watermark_from: since.map(str::to_string),
        watermark_to: upper.or_else(|| since.map(str::to_string)),
        without_watermark,
        columns: plan.into_iter().map(|c| c.read).collect(),
        reconciliation,
        started: started_at.to_rfc3339(),
        seconds: started.elapsed().as_secs_f64(),
        rows_per_s: rows as f64 / transfer_s.max(1e-9),
        superseded: Vec::new(),
    })
}

/// The platform types an update-time watermark may have: times and sequences.
const UPDATED_TYPES: &[&str] = &["timestamptz", "timestamp", "int2", "int4", "int8"];

/// Removes the work folders of pulls killed half way (kill -9, out of memory) from a
/// batches folder: their spools may hold raw ID numbers.
pub fn clear_abandoned_work(batches: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(batches).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".pull-") && name.ends_with(".work") {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// A pull kept in a batches folder (`analytics pull`): from the newest record's watermark
/// (none when `full`) into a new batch ([`batches::keep`]), its quarantine at
/// `<reports>/<pull>/quarantine/<source>.csv`. A pull that finds nothing new keeps no
/// batch. Answers the pull's name and what it did.
pub fn pull_into_batches(
    config: &PullConfig,
    pull: &SourcePull,
    batches_dir: &Path,
    reports: &Path,
    full: bool,
    context: &IngestContext,
    progress: &mut dyn FnMut(u64),
) -> Result<(String, PullOutcome), PullError> {
    let keep_error = |message: String| PullError::Keep { source_name: pull.source.clone(), message };
    let since = if full { None } else { batches::last_watermark(batches_dir, &pull.source).map_err(keep_error)? };
    let name = batches::next_name(batches_dir, &pull.source, chrono::Utc::now());
    let work = batches_dir.join(format!(".{name}.work"));
    let kept = pull_source(config, pull, since.as_deref(), &work, context, progress).and_then(|mut outcome| {
        let quarantine = work.join(QUARANTINE_DIR).join(format!("{}.csv", pull.source));
        if quarantine.exists() {
            let dir = reports.join(&name).join(QUARANTINE_DIR);
            std::fs::create_dir_all(&dir).map_err(|e| keep_error(format!("{}: {e}", dir.display())))?;
            std::fs::rename(&quarantine, dir.join(format!("{}.csv", pull.source))).map_err(|e| keep_error(e.to_string()))?;
        }
        if outcome.reconciliation.rows_in > 0 {
            batches::keep(batches_dir, &work, &name, &mut outcome).map_err(keep_error)?;
        }
        Ok(outcome)
    });
    let _ = std::fs::remove_dir_all(&work);
    kept.map(|outcome| (name, outcome))
}

/// One column of the pull's SELECT.
#[derive(Debug)]
struct Planned {
    read: ColumnRead,
    expression: String,
}

/// The platform's types each schema type reads from. Text also takes integers (codes
/// kept as numbers); dates also take text, which validation parses.
fn accepted_types(ty: ColumnType) -> &'static [&'static str] {
    match ty {
        ColumnType::Text => &["text", "varchar", "bpchar", "name", "int2", "int4", "int8", "numeric"],
        ColumnType::Int => &["int2", "int4", "int8", "numeric"],
        ColumnType::Float => &["int2", "int4", "int8", "numeric", "float4", "float8"],
        ColumnType::Date => &["date", "timestamp", "timestamptz", "text", "varchar", "bpchar"],
    }
}

/// Which platform column each schema column reads, checked against the platform's
/// columns and types: a required column missing or a type the schema cannot read is an
/// error naming both sides.
fn plan_columns(schema: &SourceSchema, pull: &SourcePull, platform: &[(String, String)]) -> Result<Vec<Planned>, String> {
    let find = |name: &str| platform.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone());
    // Raw ID numbers where the platform has them (hashed on arrival) and no keys.
    let raw_ids =
        schema.has_person && find(pull.platform_column(RAW_ID_COL)).is_some() && find(pull.platform_column("person_key")).is_none();
    let mut plan = Vec::new();
    for column in schema.columns {
        let (name, ty) = if raw_ids && column.name == "person_key" { (RAW_ID_COL, ColumnType::Text) } else { (column.name, column.ty) };
        let source = pull.platform_column(name);
        let Some(platform_type) = find(source) else {
            if column.required {
                return Err(format!("no column `{source}` for {name} ({}); map it in the pull's columns", column.zh));
            }
            continue;
        };
        if !accepted_types(ty).contains(&platform_type.as_str()) {
            return Err(format!(
                "column `{source}` ({name}, {}) is {platform_type}; the schema reads {} from {}",
                column.zh,
                ty.describe(),
                accepted_types(ty).join(", ")
            ));
        }
        let quoted = format!("src.{}", config::quote_identifier(source));
        // A time where a day is meant: the day in Beijing (the session's time zone).
        let expression = match (ty, platform_type.as_str()) {
            (ColumnType::Date, "timestamp" | "timestamptz") => format!("{quoted}::date"),
            _ => quoted,
        };
        plan.push(Planned { read: ColumnRead { column: name.into(), platform: source.into(), platform_type }, expression });
    }
    // An update-time watermark must order rows finely: a date or a text would leave the
    // rows of the mark's own day unread once the mark has passed it.
    if pull.watermark.kind == WatermarkKind::Updated {
        if let Some(ty) = find(&pull.watermark.column).filter(|t| !UPDATED_TYPES.contains(&t.as_str())) {
            return Err(format!(
                "watermark `{}` is {ty}; an Updated watermark needs one of {} (a Partition watermark takes any type)",
                pull.watermark.column,
                UPDATED_TYPES.join(", ")
            ));
        }
    }
    for (what, name) in [("watermark", Some(&pull.watermark.column)), ("locate_by", pull.locate_by.as_ref())] {
        if let Some(name) = name {
            if find(name).is_none() {
                return Err(format!("no column `{name}` ({what})"));
            }
        }
    }
    Ok(plan)
}

/// Streams COPY's rows into a Parquet spool of text columns, a chunk at a time. On
/// failure: the rows streamed so far and why.
fn stream_to_spool(mut reader: impl BufRead, names: &[String], path: &Path, progress: &mut dyn FnMut(u64)) -> Result<u64, (u64, String)> {
    let schema = Schema::from_iter(names.iter().map(|n| Field::new(n.as_str().into(), DataType::String)));
    let file = std::fs::File::create(path).map_err(|e| (0, format!("{}: {e}", path.display())))?;
    let mut writer = ParquetWriter::new(file).batched(&schema).map_err(|e| (0, e.to_string()))?;
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(CHUNK_ROWS); names.len()];
    let (mut line, mut fields) = (Vec::new(), Vec::with_capacity(names.len()));
    let mut rows = 0u64;
    let flush = |columns: &mut Vec<Vec<Option<String>>>, writer: &mut polars::io::parquet::write::BatchedWriter<std::fs::File>| {
        let height = columns[0].len();
        let series: Vec<Column> =
            names.iter().zip(columns.iter_mut()).map(|(n, values)| Column::new(n.as_str().into(), std::mem::take(values))).collect();
        let frame = DataFrame::new(height, series).map_err(|e| e.to_string())?;
        writer.write_batch(&frame).map_err(|e| e.to_string())
    };
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(|e| (rows, e.to_string()))?;
        if n == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        fields.clear();
        copy_text::decode_row(&line, &mut fields).map_err(|e| (rows, format!("row {}: {e}", rows + 1)))?;
        if fields.len() != names.len() {
            return Err((rows, format!("row {} has {} fields, expected {}", rows + 1, fields.len(), names.len())));
        }
        for (column, value) in columns.iter_mut().zip(fields.drain(..)) {
            column.push(value);
        }
        rows += 1;
        if columns[0].len() == CHUNK_ROWS {
            flush(&mut columns, &mut writer).map_err(|e| (rows, e))?;
            progress(rows);
        }
    }
    if !columns[0].is_empty() || rows == 0 {
        flush(&mut columns, &mut writer).map_err(|e| (rows, e))?;
    }
    writer.finish().map_err(|e| (rows, e.to_string()))?;
    progress(rows);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull(watermark: &str, kind: &str) -> SourcePull {
        let text = format!(
            r#"(connection: (host: "h", dbname: "d", user: "u", password_env: Some("P"), sslmode: Disable),
                sources: [(source: "macro_quarterly", table: Some("t"), watermark: (column: "{watermark}", kind: {kind}))])"#
        );
        PullConfig::parse(&text).unwrap().sources.remove(0)
    }

    #[test]
    fn a_plan_names_what_the_platform_lacks_and_refuses_a_coarse_update_mark() {
        let schema = szjy_model::schema::source("macro_quarterly").unwrap();
        let mut platform: Vec<(String, String)> = schema
            .columns
            .iter()
            .map(|c| (c.name.to_string(), if c.ty == ColumnType::Float { "numeric" } else { "text" }.to_string()))
            .collect();
        platform.retain(|(n, _)| n != "city");
        platform.push(("city".into(), "int4".into()));
        platform.push(("updated".into(), "timestamptz".into()));
        platform.push(("day".into(), "date".into()));
        assert_eq!(plan_columns(schema, &pull("updated", "Updated"), &platform).unwrap().len(), schema.columns.len());
        let coarse = plan_columns(schema, &pull("day", "Updated"), &platform).unwrap_err();
        assert!(coarse.contains("watermark `day` is date"), "{coarse}");
        assert!(plan_columns(schema, &pull("day", "Partition"), &platform).is_ok(), "a partition may be a date");
        platform.retain(|(n, _)| n != "gdp");
        let missing = plan_columns(schema, &pull("updated", "Updated"), &platform).unwrap_err();
        assert!(missing.contains("no column `gdp` for gdp"), "{missing}");
    }
}
