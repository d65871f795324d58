//! Ingest: read a source (Parquet partitions, or CSV in UTF-8 or GBK), validate every row
//! against its schema, quarantine bad rows with a reason naming file, row and field,
//! replace raw ID numbers by keyed hashes, and reconcile rows in = accepted + quarantined.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::keys::PersonHasher;
use crate::codes;
use crate::region::{Level, RegionTree};
use crate::schema::{self, ColumnType, Rule, RowRule, SourceSchema};

/// Columns the ingest adds: the file a row came from, its 1-based data row in that file
/// (the header line of a CSV is not counted), and why it was rejected.
pub const FILE_COL: &str = "__file";
pub const ROW_COL: &str = "__row";
pub const REASON_COL: &str = "__reason";
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
fn scan_file(file: &InputFile) -> Result<LazyFrame, IngestError> {
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
    Ok(lf.with_column(lit(name).alias(FILE_COL)))
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

/// `field <name>: '<value>' <problem>`.
/// The reason text when `condition` holds, null otherwise.
fn reason_if(condition: Expr, reason: Expr) -> Expr {
    when(condition).then(reason).otherwise(lit(NULL).cast(DataType::String))
}

fn complaint(name: &str, raw: Expr, problem: &str) -> Expr {
    concat_str([lit(format!("field {name}: '")), raw.cast(DataType::String), lit(format!("' {problem}"))], "", true)
}

/// Validation for one column: parsed (typed) value, and the reasons a row fails.
fn column_checks(column: &schema::Column, raw: Expr, text_input: bool) -> (Expr, Vec<Expr>) {
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
        reasons.push(
            reason_if(raw.clone().is_not_null().and(parsed.clone().is_null()), complaint(name, raw.clone(), &format!("is not a {}", column.ty.describe()))),
        );
    }
    if column.required {
        reasons.push(reason_if(raw.clone().is_null(), lit(format!("field {name}: missing"))));
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
        Rule::PersonKey => Some((p.clone().str().contains(lit("^[0-9a-f]{32}$"), false).not(), "is not a keyed person hash".into())),
        Rule::Quarter => Some((p.clone().str().contains(lit(r"^\d{4}Q[1-4]$"), false).not(), "is not a quarter YYYYQn".into())),
        Rule::FunctionList => {
            let one = codes::codes(codes::SERVICE_FUNCTIONS).join("|");
            let pattern = format!("^({one})(\\|({one}))*$");
            Some((p.clone().str().contains(lit(pattern), false).not(), "lists an unknown service function".into()))
        }
    };
    if let Some((condition, problem)) = bad {
        reasons.push(reason_if(p.clone().is_not_null().and(condition), complaint(name, p.clone(), &problem)));
    }
    (parsed, reasons)
}

fn row_rule_check(rule: &RowRule) -> Expr {
    let (a, b, message) = match *rule {
        RowRule::NotBefore { later, earlier } => (later, earlier, format!("field {later}: before {earlier}")),
        RowRule::NotBelow { upper, lower } => (upper, lower, format!("field {upper}: below {lower}")),
    };
    reason_if(col(a).is_not_null().and(col(b).is_not_null()).and(col(a).lt(col(b))), lit(message))
}

/// A source's rows, typed, with the reason each invalid row fails (null when valid).
pub struct Checked {
    pub schema: &'static SourceSchema,
    pub files: Vec<InputFile>,
    /// Schema columns (typed), `__file`, `__row` and `__reason`.
    pub frame: LazyFrame,
}

/// Scans and validates every file of a source. Structural problems (missing file or
/// column, wrong stored type) are errors; row problems become reasons.
pub fn check(schema: &'static SourceSchema, files: Vec<InputFile>, hasher: &PersonHasher) -> Result<Checked, IngestError> {
    let mut frames = Vec::new();
    for file in &files {
        let name = file.path.display().to_string();
        let mut lf = scan_file(file)?;
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
        let mut reasons = Vec::new();
        for column in schema.columns {
            if raw_ids && column.name == "person_key" {
                let raw = col(RAW_ID_COL).cast(DataType::String).str().strip_chars(lit(NULL));
                reasons.push(reason_if(raw.clone().is_null(), lit(format!("field {RAW_ID_COL}: missing"))));
                let valid_id = raw.clone().map(
                    |c| {
                        let ca = c.str()?;
                        let out: BooleanChunked = ca.apply_nonnull_values_generic(DataType::Boolean, schema::id_number_checksum_ok);
                        Ok(out.into_column())
                    },
                    |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
                );
                // The message never repeats the ID number itself.
                reasons.push(reason_if(
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
                typed.push(key.alias("person_key"));
                continue;
            }
            let raw = if found.get(column.name).is_some() { col(column.name) } else { lit(NULL).cast(expected_dtype(column.ty)) };
            let (parsed, mut column_reasons) = column_checks(column, raw, text_input);
            typed.push(parsed.alias(column.name));
            reasons.append(&mut column_reasons);
        }
        let first_reason = coalesce(&reasons).alias(REASON_COL);
        let mut select = typed;
        select.push(col(FILE_COL));
        select.push(col(ROW_COL).cast(DataType::Int64));
        select.push(first_reason);
        // Row rules compare typed values, so they run after the first projection.
        let mut checked = lf.select(select);
        if !schema.row_rules.is_empty() {
            let mut all = vec![col(REASON_COL)];
            all.extend(schema.row_rules.iter().map(row_rule_check));
            checked = checked.with_column(coalesce(&all).alias(REASON_COL));
        }
        frames.push(checked);
    }
    let frame = concat(frames, UnionArgs::default()).map_err(polars_err(schema.name))?;
    Ok(Checked { schema, files, frame })
}

impl Checked {
    /// Rows that passed every rule, schema columns only.
    pub fn accepted(&self) -> LazyFrame {
        let columns: Vec<Expr> = self.schema.columns.iter().map(|c| col(c.name)).collect();
        self.frame.clone().filter(col(REASON_COL).is_null()).select(columns)
    }

    /// Rejected rows with their origin and reason; values as text.
    pub fn quarantined(&self) -> LazyFrame {
        let mut columns = vec![col(FILE_COL), col(ROW_COL), col(REASON_COL)];
        columns.extend(self.schema.columns.iter().map(|c| col(c.name).cast(DataType::String)));
        self.frame.clone().filter(col(REASON_COL).is_not_null()).select(columns)
    }

    /// (rows in, quarantined) in one pass.
    pub fn counts(&self) -> LazyFrame {
        self.frame.clone().select([len().alias("rows_in"), col(REASON_COL).is_not_null().sum().alias("quarantined")])
    }
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

/// Validates a source, writes its quarantined rows to `<quarantine_dir>/<source>.csv`
/// (when any) and returns the reconciliation. Counts are measured separately: accepted
/// rows are counted, not derived, so the balance is a real check.
pub fn reconcile(checked: &Checked, quarantine_dir: &Path) -> Result<Reconciliation, IngestError> {
    let name = checked.schema.name;
    let err = polars_err(name);
    let frames = collect_all([checked.counts(), checked.accepted().select([len().alias("n")]), checked.quarantined()])
        .map_err(&err)?;
    let [counts, accepted, mut quarantined]: [DataFrame; 3] = frames.try_into().expect("three frames");
    let get = |df: &DataFrame, c: &str| -> Result<u64, IngestError> {
        let v = df.column(c).map_err(&err)?.cast(&DataType::UInt64).map_err(&err)?;
        Ok(v.u64().map_err(&err)?.get(0).unwrap_or(0))
    };
    let rec = Reconciliation {
        source: name.into(),
        files: checked.files.len(),
        rows_in: get(&counts, "rows_in")?,
        accepted: get(&accepted, "n")?,
        quarantined: quarantined.height() as u64,
    };
    debug_assert_eq!(get(&counts, "quarantined")?, rec.quarantined);
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
    Ok(rec)
}

/// Runs several lazy queries together on the streaming engine, so shared scans are read
/// once and large sources pass through in batches.
pub fn collect_all<const N: usize>(frames: [LazyFrame; N]) -> PolarsResult<Vec<DataFrame>> {
    let plans = frames.into_iter().map(|lf| lf.logical_plan).collect();
    LazyFrame::collect_all_with_engine(plans, Engine::Streaming, OptFlags::default())
}
