//! Ingest: read a source (Parquet partitions, or CSV in UTF-8 or GBK), validate every row
//! against its schema, quarantine bad rows with a reason naming file, row and field,
//! replace raw ID numbers by keyed hashes, and reconcile rows in = accepted + quarantined.
//! Nothing that leaves here carries a raw ID number: reasons and quarantined values are
//! masked ([`super::redact`]), and accepted rows hold keyed hashes only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use super::csv_text;
use super::keys::{self, PersonHasher};
use super::redact;
use szjy_model::codes;
use szjy_model::region::{Level, RegionTree};
use szjy_model::schema::{self, ColumnType, RowRule, Rule, SourceSchema};

/// Columns the ingest adds: the file a row came from (its index among the source's files),
/// its row in that file (a CSV's 1-based data row, the header line not counted; a
/// workbook's row as Excel numbers it), and why it was rejected.
pub const FILE_COL: &str = "__file";
pub const ROW_COL: &str = "__row";
pub const REASON_COL: &str = "__reason";
/// In rows pulled from a database: where the platform keeps the row (`ods.jy_sydj[id=123]`),
/// which opens its reason when it is quarantined.
pub const WHERE_COL: &str = "__where";
const BAD_COL: &str = "__bad";
/// The first row of a file with a row's identity, and the last file that has it.
const FIRST_COL: &str = "__first";
const LATEST_COL: &str = "__latest";
/// Raw 18-digit ID numbers may arrive in this column; they never leave ingest.
pub use szjy_model::schema::RAW_ID_COL;

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
    #[error("{name}={value:?} is not a day like 2026-12-04")]
    Day { name: &'static str, value: String },
}

fn polars_err(file: &str) -> impl Fn(PolarsError) -> IngestError + '_ {
    move |e| IngestError::Polars { file: file.to_string(), message: redact::message(&e.to_string()) }
}

fn unreadable(file: &str, message: &str) -> IngestError {
    IngestError::Unreadable { file: file.to_string(), message: redact::message(message) }
}

/// The day of ingest comes from this variable (`YYYY-MM-DD`) when set, so that tests and
/// rebuilds of old data are reproducible; otherwise from the clock, in Beijing time.
pub const TODAY_ENV: &str = "SZJY_TODAY";

/// What validation needs besides the schema: the key of the person hashes and the day of
/// ingest, after which no event may be dated.
#[derive(Clone)]
pub struct IngestContext {
    pub hasher: PersonHasher,
    pub today: NaiveDate,
}

impl IngestContext {
    pub fn new(hasher: PersonHasher, today: NaiveDate) -> Self {
        IngestContext { hasher, today }
    }

    /// The key from `SZJY_PERSON_KEY` ([`PersonHasher::from_env`]) and the day from
    /// [`TODAY_ENV`] or the clock.
    pub fn from_env() -> Result<Self, IngestError> {
        Ok(IngestContext { hasher: PersonHasher::from_env(), today: day_of_ingest()? })
    }
}

/// [`TODAY_ENV`] if set, else today's date in Beijing (UTC+8), whatever the machine's zone.
pub fn day_of_ingest() -> Result<NaiveDate, IngestError> {
    match std::env::var(TODAY_ENV) {
        Ok(value) if !value.trim().is_empty() => {
            NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| IngestError::Day { name: TODAY_ENV, value })
        }
        _ => {
            let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
            Ok((now + chrono::Duration::hours(8)).date_naive())
        }
    }
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
    /// An Excel workbook (or one WPS or LibreOffice saved): [`crate::workbook`].
    Workbook,
    /// Rows pulled from a database, spooled as Parquet of text columns (the database's
    /// text form of each value) with [`WHERE_COL`] where the platform names its rows.
    /// Never a file a client sends: [`FileKind::of`] does not answer it.
    Pulled,
}

/// Extensions of the workbooks read as returns.
pub const WORKBOOK_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "xlsb", "ods"];

impl FileKind {
    /// The kind of a file by its extension, if it is one that is read.
    pub fn of(path: &Path) -> Option<FileKind> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("parquet") => Some(FileKind::Parquet),
            Some("csv") => Some(FileKind::Csv),
            Some(e) if WORKBOOK_EXTENSIONS.contains(&e) => Some(FileKind::Workbook),
            _ => None,
        }
    }

    /// Whether its columns arrive as text (to be parsed by validation).
    fn is_text(self) -> bool {
        self != FileKind::Parquet
    }
}

impl InputFile {
    pub fn new(path: PathBuf) -> Result<Self, IngestError> {
        let Some(kind) = FileKind::of(&path) else {
            return Err(IngestError::Unreadable {
                file: path.display().to_string(),
                message: "unknown file type (use .parquet, .csv or an Excel workbook: .xlsx, .xls)".into(),
            });
        };
        Ok(InputFile { path, kind })
    }
}

/// The data files of a source under a data folder: `<dir>/<source>/**/part-*.parquet`,
/// else CSV files, else workbooks, sorted by path.
pub fn source_files(dir: &Path, source: &SourceSchema) -> Result<Vec<InputFile>, IngestError> {
    let listing = list_source(dir, source);
    if listing.data.is_empty() {
        return Err(IngestError::Missing { source_name: source.name.into(), dir: dir.join(source.name).display().to_string() });
    }
    listing.data.into_iter().map(InputFile::new).collect()
}

/// The files under a source's folder that are not read: other formats (`.tsv`, …), CSV
/// files beside Parquet ones and workbooks beside either (a folder is one kind). A build
/// names each in its log rather than skip it without a word.
pub fn ignored_files(dir: &Path, source: &SourceSchema) -> Vec<PathBuf> {
    list_source(dir, source).ignored
}

struct Listing {
    data: Vec<PathBuf>,
    ignored: Vec<PathBuf>,
}

fn list_source(dir: &Path, source: &SourceSchema) -> Listing {
    // A folder is one kind: Parquet if it has any, else CSV, else workbooks (an original
    // workbook beside its exported CSV is not read twice).
    let (mut parquet, mut csv, mut workbooks, mut other) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut stack = vec![dir.join(source.name)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
            let extension = p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            if p.is_dir() {
                stack.push(p);
            } else if hidden {
                continue;
            } else if extension.as_deref() == Some("parquet") {
                parquet.push(p);
            } else if extension.as_deref() == Some("csv") {
                csv.push(p);
            } else if FileKind::of(&p) == Some(FileKind::Workbook) && !is_lock_file(&p) {
                workbooks.push(p);
            } else {
                other.push(p);
            }
        }
    }
    let (mut data, mut ignored) = if !parquet.is_empty() {
        (parquet, [csv, workbooks, other].concat())
    } else if !csv.is_empty() {
        (csv, [workbooks, other].concat())
    } else {
        (workbooks, other)
    };
    data.sort();
    ignored.sort();
    Listing { data, ignored }
}

/// Excel's and WPS's lock files beside an open workbook (`~$报表.xlsx`): never data.
fn is_lock_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("~$"))
}

/// Where a rejected row is, beyond its file and row number: a workbook's cell, or the
/// platform's name for a pulled row.
enum Locator {
    Cell(CellLocator),
    /// [`WHERE_COL`], where the pull has it.
    Record,
}

impl Locator {
    fn locate(&self, reason: Expr, columns: &Schema) -> Expr {
        match self {
            Locator::Cell(cell) => cell.locate(reason),
            Locator::Record if columns.get(WHERE_COL).is_some() => {
                when(col(WHERE_COL).is_null()).then(reason.clone()).otherwise(concat_str([col(WHERE_COL), lit(": "), reason], "", true))
            }
            Locator::Record => reason,
        }
    }
}

/// Where a workbook's rows are: its sheet and each column's letter, so that a reason can
/// name the cell (`失业登记!D17`; the quarantine puts the file's name before it).
struct CellLocator {
    /// `失业登记!`
    prefix: String,
    /// Column letters by field.
    letters: Vec<(String, String)>,
}

impl CellLocator {
    /// `reason` prefixed with the cell of the field it names (`field county: …`), or with
    /// the row's first column where it names none.
    fn locate(&self, reason: Expr) -> Expr {
        let fields: Vec<&str> = self.letters.iter().map(|(f, _)| f.as_str()).collect();
        let letters: Vec<&str> = self.letters.iter().map(|(_, l)| l.as_str()).collect();
        let first = letters.first().copied().unwrap_or("A");
        let letter = reason
            .clone()
            .str()
            .extract(lit(r"^field (\w+):"), 1)
            .replace_strict(
                lit(Series::new("field".into(), fields)).implode(false),
                lit(Series::new("letter".into(), letters)).implode(false),
                Some(lit(first)),
                Some(DataType::String),
            )
            .fill_null(lit(first));
        concat_str([lit(self.prefix.clone()), letter, col(ROW_COL).cast(DataType::String), lit(": "), reason], "", true)
    }
}

/// A lazy scan of one file with its origin columns (CSV and workbook columns arrive as
/// text), the rows set aside before validation (a CSV's with the wrong number of fields, a
/// workbook's that cannot be read as they stand) in the quarantine's form, and where a
/// workbook's cells are.
fn scan_file(file: &InputFile, index: u32, schema: &SourceSchema) -> Result<(LazyFrame, Option<DataFrame>, Option<Locator>), IngestError> {
    let name = file.path.display().to_string();
    let mut locator = None;
    let (lf, set_aside) = match file.kind {
        FileKind::Parquet | FileKind::Pulled => {
            let args = ScanArgsParquet { row_index: Some(RowIndex { name: ROW_COL.into(), offset: 1 }), ..Default::default() };
            let lf = LazyFrame::scan_parquet(PlRefPath::new(name.as_str()), args).map_err(|e| unreadable(&name, &e.to_string()))?;
            (lf.with_column(col(ROW_COL).cast(DataType::Int64)), None)
        }
        FileKind::Csv => {
            let table = csv_text::read(&file.path).map_err(|message| unreadable(&name, &message))?;
            let height = table.rows.len();
            let mut columns = vec![Column::new(ROW_COL.into(), table.rows.iter().map(|&r| r as i64).collect::<Vec<_>>())];
            for (header, values) in table.header.iter().zip(&table.columns).filter(|(h, _)| !h.is_empty()) {
                columns.push(Column::new(header.as_str().into(), values));
            }
            let df = DataFrame::new(height, columns).map_err(polars_err(&name))?;
            let set_aside =
                (!table.ragged.is_empty()).then(|| ragged_rows(&table, index, schema)).transpose().map_err(polars_err(&name))?;
            (df.lazy(), set_aside)
        }
        FileKind::Workbook => {
            let sheet = crate::workbook::read(&file.path, schema, None).map_err(|message| unreadable(&name, &message))?;
            if !sheet.skipped.is_empty() {
                tracing::info!(file = %name, sheet = %sheet.sheet, rows = sheet.skipped.len(), "blank and 合计 rows are not records");
            }
            let mut columns = vec![Column::new(ROW_COL.into(), sheet.rows.iter().map(|&r| r as i64).collect::<Vec<_>>())];
            for (header, values) in sheet.header.iter().zip(&sheet.columns) {
                columns.push(Column::new(header.as_str().into(), values));
            }
            let df = DataFrame::new(sheet.rows.len(), columns).map_err(polars_err(&name))?;
            let set_aside =
                (!sheet.set_aside.is_empty()).then(|| workbook_set_aside(&sheet, index, schema)).transpose().map_err(polars_err(&name))?;
            locator = Some(Locator::Cell(CellLocator {
                prefix: format!("{}!", sheet.sheet),
                letters: sheet.header.iter().cloned().zip(sheet.letters.iter().cloned()).collect(),
            }));
            (df.lazy(), set_aside)
        }
    };
    if file.kind == FileKind::Pulled {
        locator = Some(Locator::Record);
    }
    // The file's index, not its path: a path on every row would cost memory; the
    // quarantine writes paths back.
    Ok((lf.with_column(lit(index).cast(DataType::UInt32).alias(FILE_COL)), set_aside, locator))
}

/// A workbook's records set aside before validation, as quarantined rows: the reason
/// names the cell.
fn workbook_set_aside(sheet: &crate::workbook::SheetTable, index: u32, schema: &SourceSchema) -> PolarsResult<DataFrame> {
    let n = sheet.set_aside.len();
    let mut columns = vec![
        Column::new(FILE_COL.into(), vec![index; n]),
        Column::new(ROW_COL.into(), sheet.set_aside.iter().map(|r| r.row as i64).collect::<Vec<_>>()),
        Column::new(
            REASON_COL.into(),
            sheet.set_aside.iter().map(|r| format!("{}!{}: {}", sheet.sheet, r.cell, r.reason)).collect::<Vec<_>>(),
        ),
    ];
    for column in schema.columns {
        let position = sheet.header.iter().position(|h| h == column.name);
        let values: Vec<Option<&str>> =
            sheet.set_aside.iter().map(|r| position.and_then(|p| r.fields.get(p)).and_then(|v| v.as_deref())).collect();
        columns.push(Column::new(column.name.into(), values));
    }
    DataFrame::new(n, columns)
}

/// A CSV's rows with the wrong number of fields, as quarantined rows: the fields that
/// stand under a schema column's header are shown under it.
fn ragged_rows(table: &csv_text::CsvTable, index: u32, schema: &SourceSchema) -> PolarsResult<DataFrame> {
    let n = table.ragged.len();
    let mut columns = vec![
        Column::new(FILE_COL.into(), vec![index; n]),
        Column::new(ROW_COL.into(), table.ragged.iter().map(|r| r.row as i64).collect::<Vec<_>>()),
        Column::new(REASON_COL.into(), table.ragged.iter().map(|r| r.reason(table.header.len())).collect::<Vec<_>>()),
    ];
    for column in schema.columns {
        let position = table.header.iter().position(|h| h == column.name);
        let values: Vec<Option<&str>> =
            table.ragged.iter().map(|r| position.and_then(|p| r.fields.get(p)).map(String::as_str).filter(|v| !v.is_empty())).collect();
        columns.push(Column::new(column.name.into(), values));
    }
    DataFrame::new(n, columns)
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
        // Parquet writers often dictionary-encode text, which arrives as categorical.
        ColumnType::Text => found.is_string() || found.is_categorical() || found.is_enum(),
        ColumnType::Int => found.is_integer(),
        ColumnType::Float => found.is_primitive_numeric(),
        ColumnType::Date => matches!(found, DataType::Date),
    }
}

fn codes_series(list: &[codes::CodeEntry]) -> Expr {
    lit(Series::new("codes".into(), codes::codes(list))).implode(false)
}

/// The adcodes of a level, or of every region and the country (`None`, [`Rule::Region`]).
fn adcodes(level: Option<Level>) -> Expr {
    let tree = RegionTree::shandong();
    let mut codes: Vec<i64> = tree.all().iter().filter(|r| level.is_none_or(|l| r.level == l)).map(|r| r.adcode as i64).collect();
    if level.is_none() {
        codes.push(szjy_model::region::NATIONAL as i64);
    }
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

/// The most characters of a value a reason repeats.
const MAX_VALUE_CHARS: usize = 40;

/// `field <name>: '<value>' <problem>`, the value masked ([`redact::mask_ids`]) and cut.
fn complaint(name: &str, raw: Expr, problem: &str) -> Expr {
    let shown = redact::mask_ids_expr(raw.cast(DataType::String)).str().slice(lit(0), lit(MAX_VALUE_CHARS as u64));
    concat_str([lit(format!("field {name}: '")), shown, lit(format!("' {problem}"))], "", true)
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
fn column_checks(column: &schema::Column, raw: Expr, text_input: bool, today: NaiveDate) -> (Expr, Vec<Failure>) {
    let name = column.name;
    let parsed = if text_input {
        let trimmed = raw.clone().str().strip_chars(lit(NULL));
        match column.ty {
            ColumnType::Text => trimmed,
            ColumnType::Int => trimmed.cast(DataType::Int64),
            ColumnType::Float => trimmed.cast(DataType::Float64),
            ColumnType::Date => {
                trimmed.str().to_date(StrptimeOptions { format: Some("%Y-%m-%d".into()), strict: false, exact: true, cache: true })
            }
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
        Rule::County => Some((p.clone().is_in(adcodes(Some(Level::County)), false).not(), "is not a Shandong county adcode".into())),
        Rule::City => Some((p.clone().is_in(adcodes(Some(Level::City)), false).not(), "is not a Shandong city adcode".into())),
        Rule::Region => Some((p.clone().is_in(adcodes(None), false).not(), "is neither a Shandong adcode nor 100000 (全国)".into())),
        Rule::PeriodKey => Some((
            p.clone().str().contains(lit(format!("^{}$", schema::PERIOD_KEY_PATTERN)), false).not(),
            "is not a period 2025-06, 2025Q2, 2025 or 2025-01..06".into(),
        )),
        Rule::Range(min, max) => Some((p.clone().lt(lit(min)).or(p.clone().gt(lit(max))), format!("is out of range {min}–{max}"))),
        Rule::OccupationCode => {
            Some((p.clone().str().contains(lit(r"^\d-\d{2}-\d{2}-\d{2}$"), false).not(), "is not an occupation code X-XX-XX-XX".into()))
        }
        Rule::DateInRange => Some((
            p.clone().lt(date_lit(schema::DATE_RANGE.0)).or(p.clone().gt(date_lit(schema::DATE_RANGE.1))),
            format!("is outside {}–{}", schema::DATE_RANGE.0, schema::DATE_RANGE.1),
        )),
        Rule::EventDate => Some((
            p.clone().lt(date_lit(schema::DATE_RANGE.0)).or(p.clone().gt(date_lit(schema::DATE_RANGE.1))).or(p.clone().gt(lit(today))),
            format!("is outside {}–{} or after the day of ingest {today}", schema::DATE_RANGE.0, schema::DATE_RANGE.1),
        )),
        // Computed once per row beside the raw columns (see `check`).
        Rule::PersonKey => Some((col(compacted(name)).is_null(), "is not a keyed person hash".into())),
        Rule::Quarter => {
            let current = schema::quarter_of(today);
            Some((
                p.clone().str().contains(lit(r"^\d{4}Q[1-4]$"), false).not().or(p.clone().gt(lit(current.clone()))),
                format!("is not a quarter YYYYQn up to the quarter of the day of ingest ({current})"),
            ))
        }
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
        RowRule::RangeBy { value, by, ranges } => {
            let (v, code) = (typed[value].clone(), typed[by].clone());
            let outside = |(c, lo, hi): &(&str, f64, f64)| code.clone().eq(lit(*c)).and(v.clone().lt(lit(*lo)).or(v.clone().gt(lit(*hi))));
            let condition = ranges.iter().map(outside).reduce(|a, b| a.or(b)).expect("a range");
            let reason = ranges.iter().rev().fold(lit(NULL).cast(DataType::String), |otherwise, range| {
                when(outside(range)).then(lit(range_reason(value, *range))).otherwise(otherwise)
            });
            return Failure::new(condition, reason);
        }
        RowRule::SumOf { total, parts } => {
            let present = parts.iter().fold(typed[total].clone().is_not_null(), |all, p| all.and(typed[*p].clone().is_not_null()));
            let sum = parts.iter().map(|p| typed[*p].clone()).reduce(|a, b| a + b).expect("a sum has parts");
            let off = (typed[total].clone() - sum).abs().gt(lit(schema::SUM_TOLERANCE));
            return Failure::new(present.and(off), lit(format!("field {total}: not the sum of {}", parts.join(" + "))));
        }
    };
    let (a, b) = (typed[a].clone(), typed[b].clone());
    Failure::new(a.clone().is_not_null().and(b.clone().is_not_null()).and(a.lt(b)), lit(message))
}

/// "field value: outside 0–30, the range of surveyed_unemployment_rate".
fn range_reason(value: &str, (code, lo, hi): (&str, f64, f64)) -> String {
    format!("field {value}: outside {lo}–{hi}, the range of {code}")
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
    /// The same rows in the schema's own form (person keys as their 32 hex digits): what
    /// is kept of a batch, and what `analytics ingest` writes, so that it reads back.
    pub validated: LazyFrame,
    /// Rows that fail: `__file` (index into `files`), `__row`, `__reason` (the first
    /// rule broken), then the schema columns as text (ID numbers masked, formulas
    /// neutralised: [`super::redact`]).
    pub quarantined: LazyFrame,
    /// One row, one column `rows_in`: the rows read.
    pub rows_in: LazyFrame,
    /// One row, one column `replaced`: rows of a file that a later file replaced (the
    /// same identity, [`SourceSchema::key`]).
    pub replaced: LazyFrame,
}

/// Finds structural problems of one file: a required column missing, or a column stored
/// with a type that does not fit. Optional columns may be absent.
fn check_columns(schema: &SourceSchema, found: &Schema, name: &str, text_input: bool, raw_ids: bool) -> Result<(), IngestError> {
    for column in schema.columns {
        let present = if raw_ids && column.name == "person_key" { RAW_ID_COL } else { column.name };
        match found.get(present) {
            None if column.required => {
                return Err(IngestError::MissingColumn {
                    file: name.into(),
                    column: column.name.into(),
                    zh: column.zh.into(),
                    source_name: schema.name.into(),
                })
            }
            Some(dtype) => {
                // CSV arrives as text, and a raw-ID column is checked by its own rules.
                let fits = text_input || (raw_ids && present == RAW_ID_COL) || dtype.is_null() || compatible(dtype, column.ty);
                if !fits {
                    return Err(IngestError::WrongType {
                        file: name.into(),
                        column: column.name.into(),
                        found: dtype.to_string(),
                        expected: column.ty.describe().into(),
                    });
                }
            }
            None => {}
        }
    }
    Ok(())
}

/// The checks of a raw-ID column: present, a valid 18-digit ID; its value is the keyed
/// hash. Messages never repeat the ID number.
fn raw_id_checks(hasher: &PersonHasher, failures: &mut Vec<Failure>) -> Expr {
    let raw = col(RAW_ID_COL).cast(DataType::String).str().strip_chars(lit(NULL));
    failures.push(Failure::new(raw.clone().is_null(), lit(format!("field {RAW_ID_COL}: missing"))));
    let looks_like = |c: Column, check: fn(&str) -> bool| -> PolarsResult<Column> {
        let ca = c.str()?;
        let out: BooleanChunked = ca.apply_nonnull_values_generic(DataType::Boolean, check);
        Ok(out.into_column())
    };
    let boolean = |_: &Schema, f: &Field| Ok(Field::new(f.name().clone(), DataType::Boolean));
    // An ID typed into a spreadsheet as a number keeps 15 significant digits: the last
    // three come back as zeros (or the whole as 3.70102199001011E+17). Name that cause.
    let mangled = raw.clone().map(move |c| looks_like(c, schema::id_number_mangled_by_spreadsheet), boolean);
    failures.push(Failure::new(
        raw.clone().is_not_null().and(mangled),
        lit(format!("field {RAW_ID_COL}: looks like an ID number stored as a number by a spreadsheet (digits after the 15th lost); format the column as text and export again")),
    ));
    let valid_id = raw.clone().map(move |c| looks_like(c, schema::id_number_checksum_ok), boolean);
    failures.push(Failure::new(
        raw.clone().is_not_null().and(valid_id.not()),
        lit(format!("field {RAW_ID_COL}: not a valid 18-digit ID number (check digit)")),
    ));
    let h = hasher.clone();
    raw.map(
        move |c| {
            let ca = c.str()?;
            let out: StringChunked = ca.apply_nonnull_values_generic(DataType::String, |id| h.key_of(&id.to_ascii_uppercase()));
            Ok(out.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    )
}

/// Scans and validates every file of a source. Structural problems (missing file or
/// column, wrong stored type, a duplicate column, an unclosed quote) are errors naming the
/// file and column or line; row problems become reasons naming the row and field.
pub fn check(schema: &'static SourceSchema, files: Vec<InputFile>, context: &IngestContext) -> Result<Checked, IngestError> {
    let (mut kept, mut quarantined, mut rows_in) = (Vec::new(), Vec::new(), Vec::new());
    for (index, file) in files.iter().enumerate() {
        let name = file.path.display().to_string();
        let (mut lf, set_aside, locator) = scan_file(file, index as u32, schema)?;
        let found = lf.collect_schema().map_err(|e| unreadable(&name, &e.to_string()))?;
        let text_input = file.kind.is_text();
        let located = |reason: Expr| match &locator {
            Some(locator) => locator.locate(reason, &found),
            None => reason,
        };
        let raw_ids = schema.has_person && found.get("person_key").is_none() && found.get(RAW_ID_COL).is_some();
        check_columns(schema, &found, &name, text_input, raw_ids)?;
        let mut typed = Vec::new();
        let mut failures = Vec::new();
        for column in schema.columns {
            if raw_ids && column.name == "person_key" {
                typed.push((column.name, raw_id_checks(&context.hasher, &mut failures)));
                continue;
            }
            // An absent optional column is null, of the type the checks expect.
            let raw = match found.get(column.name) {
                Some(_) => col(column.name),
                None if text_input => lit(NULL).cast(DataType::String),
                None => lit(NULL).cast(expected_dtype(column.ty)),
            };
            let (parsed, mut column_failures) = column_checks(column, raw, text_input, context.today);
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
        let compact: Vec<Expr> =
            typed.iter().filter(|(name, _)| is_person_key(name)).map(|(name, e)| compact_key(e.clone()).alias(compacted(name))).collect();
        let flagged = lf.clone().with_columns(compact).with_column(bad.alias(BAD_COL)).cache();
        let mut rejected = vec![col(FILE_COL), col(ROW_COL).cast(DataType::Int64), located(first_reason).alias(REASON_COL)];
        rejected.extend(typed.iter().map(|(name, e)| e.clone().cast(DataType::String).alias(*name)));
        quarantined.push(flagged.clone().filter(col(BAD_COL)).select(rejected));
        // The rows that pass, typed, with their person keys in both forms.
        let mut kept_columns = vec![col(FILE_COL), col(ROW_COL)];
        // A duplicate's reason names the platform's row too.
        if found.get(WHERE_COL).is_some() {
            kept_columns.push(col(WHERE_COL));
        }
        kept_columns.extend(typed.iter().map(|(name, e)| e.clone().alias(*name)));
        kept_columns.extend(typed.iter().filter(|(name, _)| is_person_key(name)).map(|(name, _)| col(compacted(name))));
        let good = flagged.filter(col(BAD_COL).not()).select(kept_columns);
        // A second row with the same identity in one file is a duplicate: the first stays.
        let good = if schema.key.is_empty() {
            good
        } else {
            let marked =
                good.with_column(col(ROW_COL).min().over(identity(schema)).map_err(polars_err(schema.name))?.alias(FIRST_COL)).cache();
            let reason = concat_str(
                [lit("duplicate of row "), col(FIRST_COL).cast(DataType::String), lit(format!(" (same {})", schema.key.join(", ")))],
                "",
                true,
            );
            let mut duplicate = vec![col(FILE_COL), col(ROW_COL), located(reason).alias(REASON_COL)];
            duplicate.extend(schema.columns.iter().map(|c| col(c.name).cast(DataType::String)));
            quarantined.push(marked.clone().filter(col(ROW_COL).neq(col(FIRST_COL))).select(duplicate));
            marked.filter(col(ROW_COL).eq(col(FIRST_COL))).select([all().exclude_cols([FIRST_COL]).as_expr()])
        };
        kept.push(good);
        rows_in.push(lf.select([len().cast(DataType::UInt64).alias("rows_in")]));
        if let Some(set_aside) = set_aside {
            rows_in.push(df!("rows_in" => [set_aside.height() as u64]).map_err(polars_err(&name))?.lazy());
            quarantined.push(set_aside.lazy());
        }
    }
    let union = |frames: Vec<LazyFrame>| concat(frames, UnionArgs::default()).map_err(polars_err(schema.name));
    let rows_in = union(rows_in)?.select([col("rows_in").sum()]);
    // What a person opens in a spreadsheet shows no ID number and runs no formula.
    let shown = |name: &str| redact::neutralise_expr(redact::mask_ids_expr(col(name))).alias(name);
    let quarantined = union(quarantined)?
        .with_columns(std::iter::once(REASON_COL).chain(schema.columns.iter().map(|c| c.name)).map(shown).collect::<Vec<_>>());
    // A later file replaces the rows of earlier files it shares an identity with.
    let kept = union(kept)?;
    let (kept, replaced) = if schema.key.is_empty() || files.len() < 2 {
        (kept, df!("replaced" => [0u64]).map_err(polars_err(schema.name))?.lazy())
    } else {
        let marked =
            kept.with_column(col(FILE_COL).max().over(identity(schema)).map_err(polars_err(schema.name))?.alias(LATEST_COL)).cache();
        let replaced = marked.clone().filter(col(FILE_COL).lt(col(LATEST_COL))).select([len().cast(DataType::UInt64).alias("replaced")]);
        (marked.filter(col(FILE_COL).eq(col(LATEST_COL))), replaced)
    };
    let kept = kept.cache();
    let is_person_key = |name: &str| schema.columns.iter().any(|c| c.name == name && matches!(c.rule, Rule::PersonKey));
    let model_form = |name: &str| if is_person_key(name) { col(compacted(name)).alias(name) } else { col(name) };
    let accepted = kept.clone().select(schema.columns.iter().map(|c| model_form(c.name)).collect::<Vec<_>>());
    let validated = kept.select(schema.columns.iter().map(|c| col(c.name)).collect::<Vec<_>>());
    Ok(Checked { schema, files, accepted, validated, quarantined, rows_in, replaced })
}

/// The columns of a row's identity in the kept rows: person keys in their compact form,
/// which is cheaper to group by.
fn identity(schema: &SourceSchema) -> Vec<Expr> {
    schema
        .key
        .iter()
        .map(|k| if schema.column(k).is_some_and(|c| matches!(c.rule, Rule::PersonKey)) { col(compacted(k)) } else { col(*k) })
        .collect()
}

/// What a Parquet file may declare in its footer: rows, and bytes once decompressed.
#[derive(Clone, Copy, Debug)]
pub struct ParquetLimits {
    pub max_rows: u64,
    pub max_unpacked_bytes: u64,
}

/// The first `n` rows of a quarantine file: each row's number and reason (the file's other
/// columns, the row's cells, are left out). Empty if the file cannot be read.
pub fn quarantine_sample(path: &Path, n: usize) -> Vec<(u64, String)> {
    let Ok(df) = CsvReadOptions::default()
        .with_n_rows(Some(n))
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
    else {
        return Vec::new();
    };
    let (Ok(rows), Ok(reasons)) = (df.column(ROW_COL).and_then(|c| c.str().cloned()), df.column(REASON_COL).and_then(|c| c.str().cloned()))
    else {
        return Vec::new();
    };
    rows.iter().zip(reasons.iter()).take(n).filter_map(|(row, reason)| Some((row?.parse().ok()?, reason?.to_string()))).collect()
}

/// Refuses a Parquet file whose footer declares more rows or more decompressed bytes than
/// `limits`, before any page is decompressed (a small file can declare gigabytes).
pub fn check_parquet_footer(path: &Path, limits: &ParquetLimits) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut reader = ParquetReader::new(file);
    let metadata = reader.get_metadata().map_err(|e| format!("not a Parquet file: {}", redact::message(&e.to_string())))?;
    let rows = metadata.num_rows as u64;
    if rows > limits.max_rows {
        return Err(format!("the file declares {rows} rows; a batch may have at most {} (limits.max_parquet_rows)", limits.max_rows));
    }
    let unpacked = metadata.row_groups.iter().fold(0u64, |sum, g| sum.saturating_add(g.total_byte_size() as u64));
    if unpacked > limits.max_unpacked_bytes {
        return Err(format!(
            "the file decompresses to {unpacked} bytes; a batch may decompress to at most {} (limits.max_parquet_uncompressed_bytes)",
            limits.max_unpacked_bytes
        ));
    }
    Ok(())
}

/// The reconciliation of one source.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reconciliation {
    pub source: String,
    pub files: usize,
    pub rows_in: u64,
    pub accepted: u64,
    pub quarantined: u64,
    /// Rows a later file replaced (the same identity): neither accepted nor quarantined.
    pub replaced: u64,
}

impl Reconciliation {
    pub fn balances(&self) -> bool {
        self.rows_in == self.accepted + self.quarantined + self.replaced
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
    let quarantined = quarantine_with_paths(checked, &checked.files.iter().map(|f| f.path.display().to_string()).collect::<Vec<_>>());
    let (accepted, accepted_rows, quarantined, counts) = match staging {
        Staging::Memory => {
            let [accepted, quarantined, rows_in, replaced]: [DataFrame; 4] =
                collect_all([checked.accepted.clone(), quarantined, checked.rows_in.clone(), checked.replaced.clone()])
                    .map_err(&err)?
                    .try_into()
                    .expect("four frames");
            let n = accepted.height() as u64;
            (accepted.lazy(), n, quarantined, (rows_in, replaced))
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
            let [quarantined, rows_in, replaced]: [DataFrame; 3] =
                collect_all([quarantined, checked.rows_in.clone(), checked.replaced.clone()])
                    .map_err(&err)?
                    .try_into()
                    .expect("three frames");
            let accepted = LazyFrame::scan_parquet(target, ScanArgsParquet::default()).map_err(&err)?;
            let counted = accepted.clone().select([len().cast(DataType::UInt64).alias("n")]).collect().map_err(&err)?;
            let n = counted.column("n").map_err(&err)?.u64().map_err(&err)?.get(0).unwrap_or(0);
            (accepted, n, quarantined, (rows_in, replaced))
        }
    };
    let reconciliation = reconcile(checked, &counts, accepted_rows, quarantined, quarantine_dir)?;
    Ok(Staged { reconciliation, accepted })
}

/// The quarantined rows with their file's name (as `names` gives it, one per file) in
/// place of its index.
fn quarantine_with_paths(checked: &Checked, names: &[String]) -> LazyFrame {
    let indexes: Vec<u32> = (0..checked.files.len() as u32).collect();
    let file = col(FILE_COL).replace_strict(
        lit(Series::new("index".into(), indexes.clone())).implode(false),
        lit(Series::new("path".into(), names.to_vec())).implode(false),
        None,
        Some(DataType::String),
    );
    // A workbook's reasons name the cell as Excel shows it, from the file's name as the
    // client gave it: 报表.xlsx!失业登记!D17.
    let workbook_prefixes: Vec<String> = checked
        .files
        .iter()
        .zip(names)
        .map(|(f, name)| match f.kind {
            FileKind::Workbook => format!("{}!", Path::new(name).file_name().and_then(|n| n.to_str()).unwrap_or(name)),
            _ => String::new(),
        })
        .collect();
    let prefix = col(FILE_COL).replace_strict(
        lit(Series::new("index".into(), indexes.clone())).implode(false),
        lit(Series::new("prefix".into(), workbook_prefixes)).implode(false),
        None,
        Some(DataType::String),
    );
    // The client's file name opens the reason cell: masked and neutralised like the file.
    let reason = redact::neutralise_expr(redact::mask_ids_expr(concat_str([prefix, col(REASON_COL)], "", true))).alias(REASON_COL);
    // File names come from clients too: masked and neutralised like the cells.
    let file = redact::neutralise_expr(redact::mask_ids_expr(file)).alias(FILE_COL);
    checked.quarantined.clone().with_column(reason).select([file, all().exclude_cols([FILE_COL]).as_expr()])
}

/// Writes the quarantine file (or removes a stale one) and counts.
fn reconcile(
    checked: &Checked,
    counts: &(DataFrame, DataFrame),
    accepted: u64,
    mut quarantined: DataFrame,
    quarantine_dir: &Path,
) -> Result<Reconciliation, IngestError> {
    let name = checked.schema.name;
    let err = polars_err(name);
    let count = |df: &DataFrame, column: &str| -> Result<u64, IngestError> {
        Ok(df.column(column).map_err(&err)?.cast(&DataType::UInt64).map_err(&err)?.u64().map_err(&err)?.get(0).unwrap_or(0))
    };
    let (rows_in, replaced) = (count(&counts.0, "rows_in")?, count(&counts.1, "replaced")?);
    let reconciliation = Reconciliation {
        source: name.into(),
        files: checked.files.len(),
        rows_in,
        accepted,
        quarantined: quarantined.height() as u64,
        replaced,
    };
    let path = quarantine_dir.join(format!("{name}.csv"));
    if quarantined.height() > 0 {
        std::fs::create_dir_all(quarantine_dir).map_err(|e| unreadable(&quarantine_dir.display().to_string(), &e.to_string()))?;
        let file = std::fs::File::create(&path).map_err(|e| unreadable(&path.display().to_string(), &e.to_string()))?;
        // With a byte-order mark, so that Excel opens the Chinese text as UTF-8.
        CsvWriter::new(file).include_bom(true).finish(&mut quarantined).map_err(&err)?;
    } else if path.exists() {
        let _ = std::fs::remove_file(&path);
    }
    Ok(reconciliation)
}

/// Validates a source and writes its accepted rows in their validated form (person keys
/// hashed, [`Checked::validated`]) to the Parquet file `out`, its quarantined rows to
/// `<quarantine_dir>/<source>.csv`; the quarantine names each file as `names` gives it
/// (the name a client sent rather than where the server keeps it).
pub fn write_validated(checked: &Checked, names: &[String], quarantine_dir: &Path, out: &Path) -> Result<Reconciliation, IngestError> {
    let err = polars_err(checked.schema.name);
    let quarantined = quarantine_with_paths(checked, names);
    let [mut validated, quarantined, rows_in, replaced]: [DataFrame; 4] =
        collect_all([checked.validated.clone(), quarantined, checked.rows_in.clone(), checked.replaced.clone()])
            .map_err(&err)?
            .try_into()
            .expect("four frames");
    let accepted = validated.height() as u64;
    let reconciliation = reconcile(checked, &(rows_in, replaced), accepted, quarantined, quarantine_dir)?;
    if accepted > 0 {
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).map_err(|e| unreadable(&dir.display().to_string(), &e.to_string()))?;
        }
        let partial = out.with_extension("parquet.partial");
        let file = std::fs::File::create(&partial).map_err(|e| unreadable(&partial.display().to_string(), &e.to_string()))?;
        ParquetWriter::new(file).finish(&mut validated).map_err(&err)?;
        std::fs::rename(&partial, out).map_err(|e| unreadable(&out.display().to_string(), &e.to_string()))?;
    }
    Ok(reconciliation)
}

/// The batch files of a source that arrived after its base data (the server's ingests):
/// `<dir>/<source>/*.csv`, `*.parquet` and workbooks, all kinds, sorted by name.
pub fn batch_files(dir: &Path, source: &SourceSchema) -> Result<Vec<InputFile>, IngestError> {
    let Ok(entries) = std::fs::read_dir(dir.join(source.name)) else { return Ok(Vec::new()) };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| FileKind::of(p).is_some() && !is_lock_file(p)).collect();
    paths.sort();
    paths.into_iter().map(InputFile::new).collect()
}

/// Finds, validates and stages one source of a data folder, with its batches if any.
pub fn load(
    dir: &Path,
    batches: Option<&Path>,
    schema: &'static SourceSchema,
    context: &IngestContext,
    quarantine_dir: &Path,
    staging: &Staging,
) -> Result<Staged, IngestError> {
    let batch_files = match batches {
        Some(batches) => batch_files(batches, schema)?,
        None => Vec::new(),
    };
    // A source fed only by batches (database pulls, uploads) needs no base files.
    let mut files = match source_files(dir, schema) {
        Err(IngestError::Missing { .. }) if !batch_files.is_empty() => Vec::new(),
        Err(IngestError::Missing { .. }) if schema.optional => return Ok(nothing_staged(schema)),
        listed => listed?,
    };
    for path in ignored_files(dir, schema) {
        tracing::warn!(source = schema.name, file = %path.display(), "not read: a folder is read as Parquet, else CSV, else workbooks");
    }
    files.extend(batch_files);
    stage(&check(schema, files, context)?, quarantine_dir, staging)
}

/// An optional source without files: no rows, its columns typed.
fn nothing_staged(schema: &'static SourceSchema) -> Staged {
    let columns: Vec<Column> = schema.columns.iter().map(|c| Column::new_empty(c.name.into(), &expected_dtype(c.ty))).collect();
    let accepted = DataFrame::new(0, columns).expect("distinct column names").lazy();
    let reconciliation = Reconciliation { source: schema.name.to_string(), files: 0, rows_in: 0, accepted: 0, quarantined: 0, replaced: 0 };
    Staged { reconciliation, accepted }
}

/// Runs several lazy queries together on the streaming engine, so shared scans are read
/// once and large sources pass through in batches.
pub fn collect_all<const N: usize>(frames: [LazyFrame; N]) -> PolarsResult<Vec<DataFrame>> {
    let plans = frames.into_iter().map(|lf| lf.logical_plan).collect();
    LazyFrame::collect_all_with_engine(plans, Engine::Streaming, OptFlags::default())
}
