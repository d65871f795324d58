//! Ingest: read a source (Parquet partitions, or CSV in UTF-8 or GBK), validate every row
//! against its schema, quarantine bad rows with a reason naming file, row and field,
//! replace raw ID numbers by keyed hashes, and reconcile rows in = accepted + quarantined.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::keys::{self, PersonHasher};
use crate::codes;
use crate::region::{Level, RegionTree};
use crate::schema::{self, ColumnType, Rule, RowRule, SourceSchema};

/// Columns the ingest adds: the file a row came from (its index among the source's files),
/// its 1-based data row in that file (the header line of a CSV is not counted), and why it
/// was rejected.
pub const FILE_COL: &str = "__file";
pub const ROW_COL: &str = "__row";
pub const REASON_COL: &str = "__reason";
const BAD_COL: &str = "__bad";
/// Raw 18-digit ID numbers may arrive in this column; they never leave ingest.
pub const RAW_ID_COL: &str = "person_id";

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("source {source_name}: no data files under {dir} (expected part-*.parquet or *.csv)")]
    Missing { source_name: String, dir: String },
    #[error("{file}: cannot read: {message}")]
    Unreadable { file: String, message: String },
    #[error("{file}: missing column `{column}` ({zh}) required by source {source_name}")]
    MissingColumn { file: String, column: String, zh: String, source_name: String },
    #[error("{file}: column `{column}` has type {found}, expected {expected}")]
    WrongType { file: String, column: String, found: String, expected: String },
    #[error("{file}: {message}")]
    Polars { file: String, message: String },
}

fn polars_err(file: &str) -> impl Fn(PolarsError) -> IngestError + '_ {
    move |e| IngestError::Polars { file: file.to_string(), message: e.to_string() }
}

/// One readable input file of a source.
#[derive(Clone, Debug)]
pub struct InputFile {
    pub path: PathBuf,
    pub kind: FileKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Parquet,
    Csv,
}

impl InputFile {
    pub fn new(path: PathBuf) -> Result<Self, IngestError> {
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("parquet") => FileKind::Parquet,
            Some("csv") => FileKind::Csv,
            _ => {
                return Err(IngestError::Unreadable {
                    file: path.display().to_string(),
                    message: "unknown file type (use .parquet or .csv)".into(),
                })
            }
        };
        Ok(InputFile { path, kind })
    }
}

/// The data files of a source under a data folder: `<dir>/<source>/**/part-*.parquet`,
/// or CSV files when no Parquet exists, sorted by path.
pub fn source_files(dir: &Path, source: &SourceSchema) -> Result<Vec<InputFile>, IngestError> {
    let root = dir.join(source.name);
    let mut parquet = Vec::new();
    let mut csv = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "parquet") {
                parquet.push(p);
            } else if p.extension().is_some_and(|e| e == "csv") {
                csv.push(p);
            }
        }
    }
    let mut files = if parquet.is_empty() { csv } else { parquet };
    files.sort();
    if files.is_empty() {
        return Err(IngestError::Missing { source_name: source.name.into(), dir: root.display().to_string() });
    }
    files.into_iter().map(InputFile::new).collect()
}

/// Reads a CSV's bytes as UTF-8, decoding GBK (common in government exports) when the
/// bytes are not valid UTF-8. A UTF-8 byte-order mark is dropped.
pub fn csv_text(path: &Path) -> Result<String, IngestError> {
    let bytes = std::fs::read(path)
        .map_err(|e| IngestError::Unreadable { file: path.display().to_string(), message: e.to_string() })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::GBK.decode(bytes);
            if had_errors {
                return Err(IngestError::Unreadable {
                    file: path.display().to_string(),
                    message: "neither UTF-8 nor GBK text".into(),
                });
            }
            Ok(text.into_owned())
        }
    }
}

/// A lazy scan of one file with its origin columns; CSV columns arrive as text.
fn scan_file(file: &InputFile, index: u32) -> Result<LazyFrame, IngestError> {
    let name = file.path.display().to_string();
    let row_index = Some(RowIndex { name: ROW_COL.into(), offset: 1 });
    let lf = match file.kind {
        FileKind::Parquet => {
            let args = ScanArgsParquet { row_index, ..Default::default() };
            LazyFrame::scan_parquet(PlRefPath::new(name.as_str()), args).map_err(|e| IngestError::Unreadable {
                file: name.clone(),
                message: e.to_string(),
            })?
        }
        FileKind::Csv => {
            let text = csv_text(&file.path)?;
            let df = CsvReadOptions::default()
                .with_infer_schema_length(Some(0))
                .with_has_header(true)
                .with_row_index(row_index)
                .into_reader_with_file_handle(std::io::Cursor::new(text.into_bytes()))
                .finish()
                .map_err(|e| IngestError::Unreadable { file: name.clone(), message: e.to_string() })?;
            df.lazy()
        }
    };
    // The file's index, not its path: a path on every row would cost memory; the
    // quarantine writes paths back.
    Ok(lf.with_column(lit(index).alias(FILE_COL)))
}

fn expected_dtype(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Text => DataType::String,
        ColumnType::Int => DataType::Int64,
        ColumnType::Float => DataType::Float64,
        ColumnType::Date => DataType::Date,
    }
}

/// Does a stored type fit the schema type without loss of meaning?
fn compatible(found: &DataType, ty: ColumnType) -> bool {
    match ty {
        ColumnType::Text => matches!(found, DataType::String),
        ColumnType::Int => found.is_integer(),
        ColumnType::Float => found.is_primitive_numeric(),
        ColumnType::Date => matches!(found, DataType::Date),
    }
}

fn codes_series(list: &[codes::CodeEntry]) -> Expr {
    lit(Series::new("codes".into(), codes::codes(list))).implode(false)
}

fn adcodes(level: Level) -> Expr {
    let codes: Vec<i64> = RegionTree::shandong().at_level(level).map(|r| r.adcode as i64).collect();
    lit(Series::new("adcodes".into(), codes)).implode(false)
}

fn date_lit(s: &str) -> Expr {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid constant");
    lit(d)
}

/// The reason text when `condition` holds, null otherwise.
fn reason_if(condition: Expr, reason: Expr) -> Expr {
    when(condition).then(reason).otherwise(lit(NULL).cast(DataType::String))
}

/// `field <name>: '<value>' <problem>`.
fn complaint(name: &str, raw: Expr, problem: &str) -> Expr {
    concat_str([lit(format!("field {name}: '")), raw.cast(DataType::String), lit(format!("' {problem}"))], "", true)
}

/// A way a row can fail: the condition, and the reason text written to the quarantine.
struct Failure {
    condition: Expr,
    reason: Expr,
}

impl Failure {
    fn new(condition: Expr, reason: Expr) -> Self {
        Failure { condition, reason }
    }
}

/// Validation for one column: parsed (typed) value, and the ways a row fails.
fn column_checks(column: &schema::Column, raw: Expr, text_input: bool) -> (Expr, Vec<Failure>) {
    let name = column.name;
    let parsed = if text_input {
        let trimmed = raw.clone().str().strip_chars(lit(NULL));
        match column.ty {
            ColumnType::Text => trimmed,
            ColumnType::Int => trimmed.cast(DataType::Int64),
            ColumnType::Float => trimmed.cast(DataType::Float64),
            ColumnType::Date => trimmed.str().to_date(StrptimeOptions {
                format: Some("%Y-%m-%d".into()),
                strict: false,
                exact: true,
                cache: true,
            }),
        }
    } else {
        raw.clone().cast(expected_dtype(column.ty))
    };
    let mut reasons = Vec::new();
    if text_input && column.ty != ColumnType::Text {
        reasons.push(Failure::new(
            raw.clone().is_not_null().and(parsed.clone().is_null()),
            complaint(name, raw.clone(), &format!("is not a {}", column.ty.describe())),
        ));
    }
    if column.required {
        reasons.push(Failure::new(raw.clone().is_null(), lit(format!("field {name}: missing"))));
    }
    let p = parsed.clone();
    let bad = match column.rule {
        Rule::Any => None,
        Rule::OneOf(list) => Some((p.clone().is_in(codes_series(list), false).not(), "is not an allowed code".to_string())),
        Rule::County => Some((p.clone().is_in(adcodes(Level::County), false).not(), "is not a Shandong county adcode".into())),
        Rule::City => Some((p.clone().is_in(adcodes(Level::City), false).not(), "is not a Shandong city adcode".into())),
        Rule::Range(min, max) => Some((
            p.clone().lt(lit(min)).or(p.clone().gt(lit(max))),
            format!("is out of range {min}–{max}"),
        )),
        Rule::OccupationCode => {
            Some((p.clone().str().contains(lit(r"^\d-\d{2}-\d{2}-\d{2}$"), false).not(), "is not an occupation code X-XX-XX-XX".into()))
        }
        Rule::DateInRange => Some((
            p.clone().lt(date_lit(schema::DATE_RANGE.0)).or(p.clone().gt(date_lit(schema::DATE_RANGE.1))),
            format!("is outside {}–{}", schema::DATE_RANGE.0, schema::DATE_RANGE.1),
        )),
        // Computed once per row beside the raw columns (see `check`).
        Rule::PersonKey => Some((col(compacted(name)).is_null(), "is not a keyed person hash".into())),
        Rule::Quarter => Some((p.clone().str().contains(lit(r"^\d{4}Q[1-4]$"), false).not(), "is not a quarter YYYYQn".into())),
        Rule::FunctionList => {
            let one = codes::codes(codes::SERVICE_FUNCTIONS).join("|");
            let pattern = format!("^({one})(\\|({one}))*$");
            Some((p.clone().str().contains(lit(pattern), false).not(), "lists an unknown service function".into()))
        }
    };
    if let Some((condition, problem)) = bad {
        reasons.push(Failure::new(p.clone().is_not_null().and(condition), complaint(name, p.clone(), &problem)));
    }
    (parsed, reasons)
}

/// A rule across two columns, on their typed values.
fn row_rule_check(rule: &RowRule, typed: &HashMap<&str, Expr>) -> Failure {
    let (a, b, message) = match *rule {
        RowRule::NotBefore { later, earlier } => (later, earlier, format!("field {later}: before {earlier}")),
        RowRule::NotBelow { upper, lower } => (upper, lower, format!("field {upper}: below {lower}")),
    };
    let (a, b) = (typed[a].clone(), typed[b].clone());
    Failure::new(a.clone().is_not_null().and(b.clone().is_not_null()).and(a.lt(b)), lit(message))
}

/// The column holding a person-key column's models' form during validation.
fn compacted(name: &str) -> String {
    format!("__compact_{name}")
}

/// Person keys in the models' form, [`keys::compact`]; null where a value is not a key.
fn compact_key(key: Expr) -> Expr {
    key.map(
        |c| {
            let ca = c.str()?;
            let out: UInt64Chunked = ca.iter().map(|k| k.and_then(keys::compact)).collect();
            Ok(out.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt64)),
    )
}

/// A source's validation as lazy queries over its files.
pub struct Checked {
    pub schema: &'static SourceSchema,
    pub files: Vec<InputFile>,
    /// Rows that pass every rule: schema columns, typed; person keys in the models' form
    /// ([`keys::compact`]).
    pub accepted: LazyFrame,
    /// Rows that fail: `__file` (index into `files`), `__row`, `__reason` (the first
    /// rule broken), then the schema columns as text.
    pub quarantined: LazyFrame,
    /// One row, one column `rows_in`: the rows read.
    pub rows_in: LazyFrame,
}

/// Scans and validates every file of a source. Structural problems (missing file or
/// column, wrong stored type) are errors; row problems become reasons.
pub fn check(schema: &'static SourceSchema, files: Vec<InputFile>, hasher: &PersonHasher) -> Result<Checked, IngestError> {
    let (mut accepted, mut quarantined, mut rows_in) = (Vec::new(), Vec::new(), Vec::new());
    for (index, file) in files.iter().enumerate() {
        let name = file.path.display().to_string();
        let mut lf = scan_file(file, index as u32)?;
        let found = lf.collect_schema().map_err(|e| IngestError::Unreadable { file: name.clone(), message: e.to_string() })?;
        let text_input = file.kind == FileKind::Csv;
        let raw_ids = schema.has_person && found.get("person_key").is_none() && found.get(RAW_ID_COL).is_some();
        for column in schema.columns {
            let present = if raw_ids && column.name == "person_key" { RAW_ID_COL } else { column.name };
            match found.get(present) {
                None if column.required || !text_input => {
                    return Err(IngestError::MissingColumn {
                        file: name,
                        column: column.name.into(),
                        zh: column.zh.into(),
                        source_name: schema.name.into(),
                    })
                }
                None => {}
                Some(dtype) if !text_input && !(raw_ids && present == RAW_ID_COL) && !compatible(dtype, column.ty) && !dtype.is_null() => {
                    return Err(IngestError::WrongType {
                        file: name,
                        column: column.name.into(),
                        found: dtype.to_string(),
                        expected: column.ty.describe().into(),
                    })
                }
                Some(_) => {}
            }
        }
        let mut typed = Vec::new();
        let mut failures = Vec::new();
        for column in schema.columns {
            if raw_ids && column.name == "person_key" {
                let raw = col(RAW_ID_COL).cast(DataType::String).str().strip_chars(lit(NULL));
                failures.push(Failure::new(raw.clone().is_null(), lit(format!("field {RAW_ID_COL}: missing"))));
                let valid_id = raw.clone().map(
                    |c| {
                        let ca = c.str()?;
                        let out: BooleanChunked = ca.apply_nonnull_values_generic(DataType::Boolean, schema::id_number_checksum_ok);
                        Ok(out.into_column())
                    },
                    |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
                );
                // The message never repeats the ID number itself.
                failures.push(Failure::new(
                    raw.clone().is_not_null().and(valid_id.not()),
                    lit(format!("field {RAW_ID_COL}: not a valid 18-digit ID number (check digit)")),
                ));
                let h = hasher.clone();
                let key = raw.map(
                    move |c| {
                        let ca = c.str()?;
                        let out: StringChunked = ca.apply_nonnull_values_generic(DataType::String, |id| h.key_of(&id.to_ascii_uppercase()));
                        Ok(out.into_column())
                    },
                    |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
                );
                typed.push((column.name, key));
                continue;
            }
            let raw = if found.get(column.name).is_some() { col(column.name) } else { lit(NULL).cast(expected_dtype(column.ty)) };
            let (parsed, mut column_failures) = column_checks(column, raw, text_input);
            typed.push((column.name, parsed));
            failures.append(&mut column_failures);
        }
        let by_name: HashMap<&str, Expr> = typed.iter().cloned().collect();
        failures.extend(schema.row_rules.iter().map(|rule| row_rule_check(rule, &by_name)));
        // Every row is tested against every rule, but the reason text is written only for
        // the rows that fail: building strings for millions of good rows is what costs.
        let bad = any_horizontal(failures.iter().map(|f| f.condition.clone().fill_null(lit(false))).collect::<Vec<_>>())
            .map_err(polars_err(schema.name))?;
        let first_reason = coalesce(&failures.into_iter().map(|f| reason_if(f.condition, f.reason)).collect::<Vec<_>>());
        let is_person_key = |name: &str| schema.columns.iter().any(|c| c.name == name && matches!(c.rule, Rule::PersonKey));
        // Person keys are compacted once: the validity check and the accepted rows read it.
        let compact: Vec<Expr> = typed.iter().filter(|(name, _)| is_person_key(name)).map(|(name, e)| compact_key(e.clone()).alias(compacted(name))).collect();
        let model_form = |name: &str, e: &Expr| if is_person_key(name) { col(compacted(name)).alias(name) } else { e.clone().alias(name) };
        let flagged = lf.clone().with_columns(compact).with_column(bad.alias(BAD_COL)).cache();
        accepted.push(flagged.clone().filter(col(BAD_COL).not()).select(typed.iter().map(|(name, e)| model_form(name, e)).collect::<Vec<_>>()));
        let mut rejected = vec![col(FILE_COL), col(ROW_COL).cast(DataType::Int64), first_reason.alias(REASON_COL)];
        rejected.extend(typed.iter().map(|(name, e)| e.clone().cast(DataType::String).alias(*name)));
        quarantined.push(flagged.filter(col(BAD_COL)).select(rejected));
        rows_in.push(lf.select([len().cast(DataType::UInt64).alias("rows_in")]));
    }
    let union = |frames: Vec<LazyFrame>| concat(frames, UnionArgs::default()).map_err(polars_err(schema.name));
    let rows_in = union(rows_in)?.select([col("rows_in").sum()]);
    Ok(Checked { schema, files, accepted: union(accepted)?, quarantined: union(quarantined)?, rows_in })
}

/// The reconciliation of one source.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Reconciliation {
    pub source: String,
    pub files: usize,
    pub rows_in: u64,
    pub accepted: u64,
    pub quarantined: u64,
}

impl Reconciliation {
    pub fn balances(&self) -> bool {
        self.rows_in == self.accepted + self.quarantined
    }
}

/// Where accepted rows wait for the models.
#[derive(Clone, Debug, Default)]
pub enum Staging {
    /// In memory: fastest, for inputs that fit.
    #[default]
    Memory,
    /// As one Parquet file per source in this folder, scanned lazily by the models, so
    /// inputs larger than memory pass through the streaming engine in batches.
    Disk(PathBuf),
}

/// A validated source: its reconciliation and its accepted rows, staged so the models
/// read them without validating again.
#[derive(Clone)]
pub struct Staged {
    pub reconciliation: Reconciliation,
    /// Schema columns, typed, person keys compacted (see [`Checked::accepted`]).
    pub accepted: LazyFrame,
}

/// Validates a source, stages its accepted rows, writes its quarantined rows to
/// `<quarantine_dir>/<source>.csv` (when any) and reconciles. Accepted and quarantined
/// rows are counted separately from the rows read, so the balance is a real check.
pub fn stage(checked: &Checked, quarantine_dir: &Path, staging: &Staging) -> Result<Staged, IngestError> {
    let name = checked.schema.name;
    let err = polars_err(name);
    // Rows carry their file's index; the quarantine names the file.
    let indexes: Vec<u32> = (0..checked.files.len() as u32).collect();
    let paths: Vec<String> = checked.files.iter().map(|f| f.path.display().to_string()).collect();
    let file = col(FILE_COL).replace_strict(
        lit(Series::new("index".into(), indexes)).implode(false),
        lit(Series::new("path".into(), paths)).implode(false),
        None,
        Some(DataType::String),
    );
    let quarantined = checked.quarantined.clone().select([file, all().exclude_cols([FILE_COL]).as_expr()]);
    let (accepted, accepted_rows, mut quarantined, rows_in) = match staging {
        Staging::Memory => {
            let [accepted, quarantined, rows_in]: [DataFrame; 3] =
                collect_all([checked.accepted.clone(), quarantined, checked.rows_in.clone()]).map_err(&err)?.try_into().expect("three frames");
            let n = accepted.height() as u64;
            (accepted.lazy(), n, quarantined, rows_in)
        }
        Staging::Disk(dir) => {
            let path = dir.join(format!("{name}.parquet"));
            let target = PlRefPath::new(path.display().to_string().as_str());
            checked
                .accepted
                .clone()
                .sink(
                    SinkDestination::File { target: SinkTarget::Path(target.clone()) },
                    FileWriteFormat::Parquet(Arc::new(ParquetWriteOptions::default())),
                    UnifiedSinkArgs { mkdir: true, ..Default::default() },
                )
                .and_then(|lf| lf.collect_with_engine(Engine::Streaming))
                .map_err(&err)?;
            let [quarantined, rows_in]: [DataFrame; 2] =
                collect_all([quarantined, checked.rows_in.clone()]).map_err(&err)?.try_into().expect("two frames");
            let accepted = LazyFrame::scan_parquet(target, ScanArgsParquet::default()).map_err(&err)?;
            let counted = accepted.clone().select([len().cast(DataType::UInt64).alias("n")]).collect().map_err(&err)?;
            let n = counted.column("n").map_err(&err)?.u64().map_err(&err)?.get(0).unwrap_or(0);
            (accepted, n, quarantined, rows_in)
        }
    };
    let rows_in = rows_in.column("rows_in").map_err(&err)?.u64().map_err(&err)?.get(0).unwrap_or(0);
    let reconciliation = Reconciliation {
        source: name.into(),
        files: checked.files.len(),
        rows_in,
        accepted: accepted_rows,
        quarantined: quarantined.height() as u64,
    };
    let path = quarantine_dir.join(format!("{name}.csv"));
    if quarantined.height() > 0 {
        std::fs::create_dir_all(quarantine_dir)
            .map_err(|e| IngestError::Unreadable { file: quarantine_dir.display().to_string(), message: e.to_string() })?;
        let file = std::fs::File::create(&path)
            .map_err(|e| IngestError::Unreadable { file: path.display().to_string(), message: e.to_string() })?;
        CsvWriter::new(file).include_bom(true).finish(&mut quarantined).map_err(&err)?;
    } else if path.exists() {
        let _ = std::fs::remove_file(&path);
    }
    Ok(Staged { reconciliation, accepted })
}

/// The batch files of a source that arrived after its base data (the server's ingests):
/// `<dir>/<source>/*.csv` and `*.parquet`, both kinds, sorted by name.
pub fn batch_files(dir: &Path, source: &SourceSchema) -> Result<Vec<InputFile>, IngestError> {
    let Ok(entries) = std::fs::read_dir(dir.join(source.name)) else { return Ok(Vec::new()) };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "parquet")).collect();
    paths.sort();
    paths.into_iter().map(InputFile::new).collect()
}

/// Finds, validates and stages one source of a data folder, with its batches if any.
pub fn load(dir: &Path, batches: Option<&Path>, schema: &'static SourceSchema, hasher: &PersonHasher, quarantine_dir: &Path, staging: &Staging) -> Result<Staged, IngestError> {
    let mut files = source_files(dir, schema)?;
    if let Some(batches) = batches {
        files.extend(batch_files(batches, schema)?);
    }
    stage(&check(schema, files, hasher)?, quarantine_dir, staging)
}

/// Runs several lazy queries together on the streaming engine, so shared scans are read
/// once and large sources pass through in batches.
pub fn collect_all<const N: usize>(frames: [LazyFrame; N]) -> PolarsResult<Vec<DataFrame>> {
    let plans = frames.into_iter().map(|lf| lf.logical_plan).collect();
    LazyFrame::collect_all_with_engine(plans, Engine::Streaming, OptFlags::default())
}
