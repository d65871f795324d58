//! Excel returns: a source's sheet of a workbook (.xlsx, .xlsm, .xls, .xlsb, .ods; WPS
//! saves the same formats) read into a text table, as a CSV is, for the same validation.
//!
//! Returns filled in by hand look like this, and are read as such:
//! - a title row (or several) above the header, found by the row whose cells name the most
//!   schema columns, in Chinese (the schema's 含义, units in brackets allowed) or by the
//!   column names; a header cell merged down from the row above takes that row's text;
//! - blank rows, and 合计/总计/小计 rows (never data), are not records: they are counted
//!   apart and never reach validation;
//! - numbers stored as text with thousands separators, and full-width digits;
//! - dates as date cells, as serial numbers, or as text (2025年6月3日, 2025/6/3, 2025.6.3);
//!   months as 2025年6月; quarters as 2025年第一季度;
//! - formulas: their cached value (what Excel shows);
//! - regions as codes (a number or text), as "370102 历下区", or by their name;
//! - ID numbers typed as numbers, which lose every digit after the 15th: set aside with
//!   that cause named, never turned into a wrong key.
//!
//! Every cell that fails names itself as Excel shows it: `报表.xlsx!失业登记!D17`.

use std::path::Path;

use calamine::{Data, Reader};
use szjy_model::region::{Level, RegionTree};
use szjy_model::schema::{ColumnType, Rule, SourceSchema};

/// Header texts of the raw ID column a return may carry instead of person keys.
const RAW_ID_HEADERS: &[&str] = &["身份证号", "身份证号码", "公民身份号码", "证件号码"];

/// Texts of a row that sums the ones above it.
const TOTAL_ROWS: &[&str] = &["合计", "总计", "小计", "累计", "total"];

/// How many rows from the top the header is looked for in.
const HEADER_SEARCH_ROWS: usize = 20;

/// One sheet read for a source.
#[derive(Debug, Default)]
pub struct SheetTable {
    pub sheet: String,
    /// Schema column names (and the raw ID column), in the sheet's order.
    pub header: Vec<String>,
    /// The Excel column letter of each header column.
    pub letters: Vec<String>,
    /// One vector per header column, each as long as `rows`.
    pub columns: Vec<Vec<Option<String>>>,
    /// The Excel row number of each record.
    pub rows: Vec<u64>,
    /// Records set aside before validation, with the cell and the reason.
    pub set_aside: Vec<SetAside>,
    /// Rows that are not records: (Excel row, what they are).
    pub skipped: Vec<(u64, Skipped)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skipped {
    Blank,
    Total,
}

/// A record that cannot be validated as read: its Excel row, the field and cell at fault,
/// the reason, and its cells as text (to show in the quarantine).
#[derive(Debug)]
pub struct SetAside {
    pub row: u64,
    pub cell: String,
    pub field: String,
    pub reason: String,
    pub fields: Vec<Option<String>>,
}

/// The letters Excel gives the 0-based column `index`: A … Z, AA, AB, ….
pub fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// A header cell's text as compared: no spaces or line breaks, no required-field marks,
/// no unit in brackets (金额（元） → 金额).
fn header_key(text: &str) -> String {
    // Bracketed parts (units, 上年同期=100, 市、区) are dropped wherever they stand.
    let mut key = String::new();
    let mut depth = 0usize;
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '*' && *c != '＊') {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => key.push(c),
            _ => {}
        }
    }
    // 县（市、区）as clerks also write it: 县区, 区县, 县市区.
    for alias in ["县市区", "县区", "区县"] {
        key = key.replace(alias, "县");
    }
    key.to_lowercase()
}

/// The schema column (or the raw ID column) a header cell names.
fn header_column(schema: &SourceSchema, text: &str) -> Option<String> {
    let key = header_key(text);
    if key.is_empty() {
        return None;
    }
    if let Some(c) = schema.columns.iter().find(|c| c.name == key || header_key(c.zh) == key) {
        return Some(c.name.to_string());
    }
    let raw_id = szjy_model::schema::RAW_ID_COL;
    (schema.has_person && (key == raw_id || RAW_ID_HEADERS.iter().any(|h| *h == key))).then(|| raw_id.to_string())
}

/// Reads the sheet of `schema`'s source from a workbook: the sheet named `sheet` when
/// given; else the one named after the source (its name or Chinese name); else the one
/// sheet whose header names all the source's required columns. Several such sheets are an
/// error naming them, never a silent choice.
pub fn read(path: &Path, schema: &SourceSchema, sheet: Option<&str>) -> Result<SheetTable, String> {
    let mut workbook = calamine::open_workbook_auto(path).map_err(|e| format!("cannot open the workbook: {e}"))?;
    let names = workbook.sheet_names();
    let named = match sheet {
        Some(wanted) => Some(
            names
                .iter()
                .find(|n| n.trim() == wanted.trim())
                .ok_or_else(|| format!("no sheet named “{wanted}” (the workbook has: {})", names.join("、")))?,
        ),
        None => names.iter().find(|n| [schema.name, schema.zh].contains(&n.trim())),
    };
    let mut load = |name: &str| -> Result<SheetTable, String> {
        let range = match &mut workbook {
            calamine::Sheets::Xlsx(xlsx) => bounded_range(xlsx, name)?,
            // A legacy .xls holds at most 65,536 × 256 cells.
            other => other.worksheet_range(name).map_err(|e| format!("sheet “{name}”: {e}"))?,
        };
        let merges = merged_cells(&mut workbook, name);
        read_range(name, &range, &merges, schema)
    };
    if let Some(name) = named {
        return load(name);
    }
    let mut holding = Vec::new();
    let mut tried = Vec::new();
    for name in &names {
        match load(name) {
            Ok(table) if names_required(schema, &table.header) => holding.push(table),
            Ok(table) => tried.push(format!("sheet “{}” lacks some required columns", table.sheet)),
            Err(e) => tried.push(e),
        }
    }
    match holding.len() {
        1 => Ok(holding.remove(0)),
        0 => Err(tried.join("; ")),
        _ => Err(format!(
            "sheets {} each hold {}: name the one to read “{}” or send one sheet per file",
            holding.iter().map(|t| format!("“{}”", t.sheet)).collect::<Vec<_>>().join("、"),
            schema.name,
            schema.zh
        )),
    }
}

/// The most cells a sheet's table may span (from its first used cell to its last, as the
/// reader lays it out in memory, about 32 bytes each): a full-height sheet of Excel's
/// 1,048,576 rows with 38 columns.
pub const MAX_SHEET_CELLS: u64 = 40_000_000;

/// A worksheet's used cells as a range, refused before it is laid out when the cells span
/// more than [`MAX_SHEET_CELLS`]: one stray value at XFD1048576 would otherwise ask for
/// 17 billion cells of memory. Empty cells (formatting only) do not count.
fn bounded_range<R: std::io::Read + std::io::Seek>(xlsx: &mut calamine::Xlsx<R>, name: &str) -> Result<calamine::Range<Data>, String> {
    let failed = |e: calamine::XlsxError| format!("sheet “{name}”: {e}");
    let mut reader = xlsx.worksheet_cells_reader(name).map_err(failed)?;
    let mut cells = Vec::new();
    let (mut first, mut last) = ((u32::MAX, u32::MAX), (0u32, 0u32));
    // Checked as the cells come, so a sheet that spans too much is refused before its
    // cells fill memory either.
    while let Some(cell) = reader.next_cell().map_err(failed)? {
        let value = Data::from(cell.get_value().clone());
        if matches!(value, Data::Empty) {
            continue;
        }
        let (row, column) = cell.get_position();
        first = (first.0.min(row), first.1.min(column));
        last = (last.0.max(row), last.1.max(column));
        let spanned = (last.0 - first.0 + 1) as u64 * (last.1 - first.1 + 1) as u64;
        if spanned > MAX_SHEET_CELLS {
            let at = |(row, column): (u32, u32)| format!("{}{}", column_letters(column as usize), row + 1);
            return Err(format!(
                "sheet “{name}”: its cells reach from {} to {} ({spanned} cells), more than a return may span ({MAX_SHEET_CELLS}); delete what lies beyond the table (a stray value far to the right or below it) and send it again",
                at(first),
                at(last)
            ));
        }
        cells.push(calamine::Cell::new((row, column), value));
    }
    Ok(calamine::Range::from_sparse(cells))
}

/// Whether a header names every required column of `schema` (the person key by a raw ID
/// column too).
fn names_required(schema: &SourceSchema, header: &[String]) -> bool {
    schema.columns.iter().filter(|c| c.required).all(|c| {
        header.iter().any(|h| h == c.name) || (c.name == "person_key" && header.iter().any(|h| h == szjy_model::schema::RAW_ID_COL))
    })
}

/// The workbook's merged ranges of a sheet as (first row, first column, last row, last
/// column), 0-based and absolute; none where the format does not record them.
fn merged_cells<R: std::io::Read + std::io::Seek>(workbook: &mut calamine::Sheets<R>, sheet: &str) -> Vec<(u32, u32, u32, u32)> {
    let dimensions = match workbook {
        calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(sheet).unwrap_or_default(),
        calamine::Sheets::Xls(x) => x.merge_cells_by_sheet_name(sheet).unwrap_or_default(),
        _ => Vec::new(),
    };
    dimensions.iter().map(|d| (d.start.0, d.start.1, d.end.0, d.end.1)).collect()
}

/// Reads a sheet's cells into a table (see the module's description).
pub fn read_range(
    sheet: &str,
    range: &calamine::Range<Data>,
    merges: &[(u32, u32, u32, u32)],
    schema: &SourceSchema,
) -> Result<SheetTable, String> {
    let Some((top, left)) = range.start() else {
        return Err(format!("sheet “{sheet}” is empty"));
    };
    let (height, width) = range.get_size();
    let own = |r: usize, c: usize| range.get((r, c)).unwrap_or(&Data::Empty);
    // A cell inside a merged range (a header merged down, a county merged over its rows)
    // holds the value of the range's first cell.
    let cell = |r: usize, c: usize| {
        let data = own(r, c);
        if !matches!(data, Data::Empty) {
            return data;
        }
        let (ar, ac) = (top + r as u32, left + c as u32);
        merges
            .iter()
            .find(|m| m.0 <= ar && ar <= m.2 && m.1 <= ac && ac <= m.3)
            .and_then(|m| Some(own(m.0.checked_sub(top)? as usize, m.1.checked_sub(left)? as usize)))
            .unwrap_or(data)
    };
    let text_at = |r: usize, c: usize| cell_text(cell(r, c));
    // A header names distinct columns: a title merged across them counts once.
    let matches = |r: usize| {
        let mut named: Vec<String> = (0..width).filter_map(|c| header_column(schema, &text_at(r, c))).collect();
        named.sort();
        named.dedup();
        named.len()
    };
    let header_row = (0..height.min(HEADER_SEARCH_ROWS)).max_by_key(|&r| (matches(r), std::cmp::Reverse(r))).filter(|&r| matches(r) > 0);
    let Some(header_row) = header_row else {
        let expected: Vec<&str> = schema.columns.iter().filter(|c| c.required).map(|c| c.zh).collect();
        return Err(format!("sheet “{sheet}”: no header row naming the columns of {} ({})", schema.name, expected.join("、")));
    };
    let mut table = SheetTable { sheet: sheet.to_string(), ..Default::default() };
    let mut positions = Vec::new();
    for c in 0..width {
        let Some(name) = header_column(schema, &text_at(header_row, c)) else { continue };
        if table.header.contains(&name) {
            let letter = column_letters(left as usize + c);
            return Err(format!("sheet “{sheet}”: column {name} appears twice (again at {letter}{})", top as usize + header_row + 1));
        }
        table.header.push(name);
        table.letters.push(column_letters(left as usize + c));
        positions.push(c);
    }
    table.columns = vec![Vec::new(); positions.len()];
    let tree = RegionTree::shandong();
    for r in header_row + 1..height {
        let excel_row = (top as usize + r + 1) as u64;
        let cells: Vec<&Data> = positions.iter().map(|&c| cell(r, c)).collect();
        // Blank where the source's columns are: a pre-filled 序号 alone is no record.
        if positions.iter().all(|&c| cell_text(own(r, c)).is_empty()) {
            table.skipped.push((excel_row, Skipped::Blank));
            continue;
        }
        let is_total = (0..width.min(3)).any(|c| is_total_label(&cell_text(own(r, c))));
        if is_total {
            table.skipped.push((excel_row, Skipped::Total));
            continue;
        }
        let mut values = Vec::with_capacity(cells.len());
        let mut fault = None;
        for (k, data) in cells.iter().enumerate() {
            match value_for(schema, &table.header[k], data, tree) {
                Ok(v) => values.push(v),
                Err(reason) => {
                    values.push(Some(cell_text(data)));
                    fault.get_or_insert((k, reason));
                }
            }
        }
        match fault {
            Some((k, reason)) => table.set_aside.push(SetAside {
                row: excel_row,
                cell: format!("{}{excel_row}", table.letters[k]),
                field: table.header[k].clone(),
                reason,
                fields: values,
            }),
            None => {
                for (column, v) in table.columns.iter_mut().zip(values) {
                    column.push(v);
                }
                table.rows.push(excel_row);
            }
        }
    }
    Ok(table)
}

/// Whether a cell labels a row of totals: 合计, 全县合计, 合计：, 总 计, Total.
fn is_total_label(text: &str) -> bool {
    let text: String = text.chars().filter(|c| !c.is_whitespace() && !matches!(*c, ':' | '：')).collect::<String>().to_lowercase();
    TOTAL_ROWS.iter().any(|t| text == *t || (text.chars().count() <= 8 && text.ends_with(t) && !text.chars().any(|c| c.is_ascii_digit())))
}

/// A cell as the text Excel shows for it (numbers without a trailing `.0`), for headers and
/// blank and total rows.
fn cell_text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => number_text(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_datetime().map(|t| t.date().to_string()).unwrap_or_else(|| d.as_f64().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e}"),
    }
}

/// A number as text: whole numbers without a decimal point.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// A cell of `column` as the text validation reads (`None`: empty), or why the record
/// cannot be validated as it stands.
fn value_for(schema: &SourceSchema, column: &str, data: &Data, tree: &RegionTree) -> Result<Option<String>, String> {
    if let Data::Error(e) = data {
        return Err(format!("field {column}: the cell shows the formula error #{e}"));
    }
    if matches!(data, Data::Empty) {
        return Ok(None);
    }
    if column == szjy_model::schema::RAW_ID_COL {
        return match data {
            Data::Float(_) | Data::Int(_) => Err(format!(
                "field {column}: an ID number typed as a number loses every digit after the 15th; format the column as text and type the numbers again"
            )),
            _ => Ok(Some(cell_text(data))),
        };
    }
    let Some(def) = schema.columns.iter().find(|c| c.name == column) else { return Ok(Some(cell_text(data))) };
    // A code typed as a number keeps 15 significant digits: a longer one is already cut.
    if def.ty == ColumnType::Text && matches!(data, Data::Float(f) if f.abs() >= 1e15) {
        return Err(format!(
            "field {column}: a code of 16 or more digits typed as a number keeps only its first 15; format the column as text and type it again"
        ));
    }
    if matches!(def.rule, Rule::PeriodKey) {
        return period_cell(data, column).map(Some);
    }
    let text = match (def.ty, data) {
        (ColumnType::Date, Data::DateTime(d)) => d.as_datetime().map(|t| t.date().to_string()).unwrap_or_else(|| cell_text(data)),
        (ColumnType::Date, Data::Float(f)) => serial_date(*f).unwrap_or_else(|| number_text(*f)),
        (ColumnType::Date, Data::Int(i)) => serial_date(*i as f64).unwrap_or_else(|| i.to_string()),
        (ColumnType::Date, Data::String(s)) => date_text(s, is_month_column(def)).unwrap_or_else(|| s.trim().to_string()),
        (ColumnType::Int | ColumnType::Float, Data::String(s)) => plain_number(s),
        _ => cell_text(data),
    };
    let text = match def.rule {
        // A template's drop-down offers "C 制造业": the code is what is stored.
        Rule::OneOf(list) if !list.iter().any(|e| e.0 == text) => match text.split_once(' ') {
            Some((code, name)) if list.iter().any(|e| e.0 == code && e.1 == name.trim()) => code.to_string(),
            _ => text,
        },
        Rule::County => region_code(&text, Some(Level::County), tree, column)?,
        Rule::City => region_code(&text, Some(Level::City), tree, column)?,
        Rule::Region => region_code(&text, None, tree, column)?,
        Rule::Quarter => quarter_text(&text).unwrap_or(text),
        _ => text,
    };
    Ok((!text.is_empty()).then_some(text))
}

/// An Excel serial day (1900 system) as `YYYY-MM-DD`, for the years a return can hold.
fn serial_date(serial: f64) -> Option<String> {
    // 1990-01-01 … 2099-12-31.
    if !(32874.0..=73050.0).contains(&serial) {
        return None;
    }
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    Some((epoch + chrono::Duration::days(serial.floor() as i64)).to_string())
}

/// Whether a date column holds months (stored as their first day: 缴费月份（月初日期）).
fn is_month_column(column: &szjy_model::schema::Column) -> bool {
    column.name.ends_with("month")
}

/// A date typed as text: 2025-06-03, 2025/6/3, 2025.6.3, 2025年6月3日(号); in a month
/// column also a month (2025年6月, 2025-06) as its first day; `None` when it is none of
/// these (a day column never takes a month: that would make a date up).
fn date_text(s: &str, months: bool) -> Option<String> {
    let s = s.trim().trim_end_matches(['日', '号']);
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).map(str::trim).filter(|p| !p.is_empty()).collect();
    let number = |p: &str| -> Option<u32> { p.chars().all(|c| c.is_ascii_digit()).then(|| p.parse().ok()).flatten() };
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] => (number(y)?, number(m)?, number(d)?),
        [y, m] if months => (number(y)?, number(m)?, 1),
        _ => return None,
    };
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, month, day)?;
    Some(date.to_string())
}

/// A number typed as text: thousands separators and spaces removed, full-width digits
/// and signs made half-width.
fn plain_number(s: &str) -> String {
    let halfwidth: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{3000}' | '\u{a0}'))
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '－' => '-',
            '，' => ',',
            other => other,
        })
        .collect();
    // Thousands separators only where they group by three (1,234,567.5): "1,5" is not a
    // number written with one, and is left for validation to name.
    let whole = halfwidth.split('.').next().unwrap_or_default().trim_start_matches('-');
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped = groups.len() == 1
        || ((1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit())));
    if grouped {
        halfwidth.replace(',', "")
    } else {
        halfwidth
    }
}

/// A quarter typed as 2025年第一季度, 2025年一季度, 2025年第1季度 or 2025-Q1, as `2025Q1`.
fn quarter_text(s: &str) -> Option<String> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let (year, rest) = match s.split_once(['年', '-']) {
        Some(split) => split,
        None => (s.get(..4)?, s.get(4..)?),
    };
    let year: i32 = year.parse().ok()?;
    let rest = rest.trim_start_matches('第').trim_end_matches("季度").trim_start_matches(['Q', 'q']);
    let quarter = match rest {
        "1" | "一" => 1,
        "2" | "二" => 2,
        "3" | "三" => 3,
        "4" | "四" => 4,
        _ => return None,
    };
    Some(format!("{year}Q{quarter}"))
}

/// A period cell as the cube keys it. Excel turns a typed "2025-06" or "2025年6月" into
/// a date cell: it is that month. A number is a year only when whole: 2025.10 would be
/// read as 2025.1, so a fraction is refused.
fn period_cell(data: &Data, column: &str) -> Result<String, String> {
    match data {
        Data::DateTime(d) => Ok(d.as_datetime().map_or_else(|| cell_text(data), |t| t.format("%Y-%m").to_string())),
        Data::Float(f) if f.fract() != 0.0 => {
            Err(format!("field {column}: a period typed as a number ({f}) is ambiguous; type it as text, e.g. 2025-10 or 2025年10月"))
        }
        Data::Float(f) => Ok(number_text(*f)),
        Data::Int(i) => Ok(i.to_string()),
        _ => {
            let text = cell_text(data);
            Ok(period_text(&text).unwrap_or(text))
        }
    }
}

/// A period as the cube keys it, from a clerk's forms: 2025年6月 or 2025.6 (a month),
/// 2025年第二季度 (a quarter), 2025年 or 2025年度 (a year), 2025年1-6月 or 2025年1—6月
/// (year to date); `None` when it is none of these (the key itself passes through).
fn period_text(s: &str) -> Option<String> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.contains('季') || s.contains('Q') || s.contains('q') {
        return quarter_text(&s);
    }
    let number = |p: &str| -> Option<u32> { p.chars().all(|c| c.is_ascii_digit()).then(|| p.parse().ok()).flatten() };
    let (year, rest) = s.split_once(['年', '-', '/', '.']).unwrap_or((s.as_str(), ""));
    let year = number(year).filter(|y| (2000..=2099).contains(y))?;
    // A span of months is written with 月 (1-6月, 1月至6月); 2025-01-06 is a day.
    let span = s.contains('月');
    let rest = rest.trim_end_matches("累计").trim_end_matches(['份', '月', '度']);
    if rest.is_empty() {
        return Some(year.to_string());
    }
    let month = |m: u32| (1..=12).contains(&m).then_some(m);
    match rest.split_once(['-', '—', '–', '~', '至']) {
        Some((from, to)) if span && number(from.trim_end_matches('月')) == Some(1) => {
            Some(format!("{year}-01..{:02}", month(number(to)?)?))
        }
        Some(_) => None,
        None => Some(format!("{year}-{:02}", month(number(rest)?)?)),
    }
}

/// A region as its adcode: a code (`370102`, or "370102 历下区"), or a name of the level
/// (历下区, 济南市; any level when `level` is `None`). A name two regions share must be
/// given by its code.
fn region_code(text: &str, level: Option<Level>, tree: &RegionTree, column: &str) -> Result<String, String> {
    let text = text.trim();
    if level.is_none() && text == szjy_model::region::national_name(szjy_model::lang::Lang::Zh) {
        return Ok(szjy_model::region::NATIONAL.to_string());
    }
    let digits: String = text.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() == 6 {
        return Ok(digits);
    }
    if text.is_empty() || !digits.is_empty() {
        return Ok(text.to_string());
    }
    let named: Vec<_> = tree.all().iter().filter(|r| level.is_none_or(|l| r.level == l) && r.name_zh == text).collect();
    match named.as_slice() {
        [one] => Ok(one.adcode.to_string()),
        [] => Ok(text.to_string()),
        several => {
            let parents: Vec<&str> = several.iter().filter_map(|r| tree.get(r.parent?)).map(|p| p.name_zh.as_str()).collect();
            Err(format!("field {column}: “{text}” is the name of {} regions (in {}); give its code", several.len(), parents.join("、")))
        }
    }
}

/// The sheet that holds the drop-down lists of a template.
const CODES_SHEET: &str = "代码表";

/// Rows of a template formatted and validated for data.
const TEMPLATE_ROWS: u32 = 10_000;

/// The header a template gives a column: its 含义 (or its name in English), marked `*`
/// when required; the person column is the raw ID number a clerk has.
fn template_header(schema: &SourceSchema, column: &szjy_model::schema::Column, lang: szjy_model::lang::Lang) -> String {
    let required = if column.required { "*" } else { "" };
    if takes_raw_ids(schema, column) {
        return format!("{required}{}", lang.pick(RAW_ID_HEADERS[1], szjy_model::schema::RAW_ID_COL));
    }
    format!("{required}{}", lang.pick(column.zh, column.name))
}

/// Whether a template asks for the raw ID number in place of `column`: the person key of
/// a source about people (other keys, such as a recipient that may be a unit, are keys).
fn takes_raw_ids(schema: &SourceSchema, column: &szjy_model::schema::Column) -> bool {
    schema.has_person && column.name == "person_key"
}

/// Writes the template of a return of `schema` to `path`: the data sheet (headers, formats,
/// drop-down lists of the codes), an instructions sheet with each column's meaning and
/// rules, and the hidden sheet of code lists the drop-downs read.
pub fn template(schema: &SourceSchema, lang: szjy_model::lang::Lang, path: &Path) -> Result<(), String> {
    use rust_xlsxwriter::{DataValidation, Format, Formula, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| format!("{}: {e}", path.display());
    let tree = RegionTree::shandong();
    let mut workbook = Workbook::new();
    let header_format = Format::new().set_bold().set_background_color(0xDDEBF7).set_text_wrap();
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");

    // Drop-down lists, one column each on the hidden codes sheet.
    let mut lists: Vec<(usize, Vec<String>)> = Vec::new();
    for (k, column) in schema.columns.iter().enumerate() {
        let values: Vec<String> = match column.rule {
            Rule::OneOf(list) => list.iter().map(|e| format!("{} {}", e.0, e.1)).collect(),
            Rule::County => tree.at_level(Level::County).map(|r| format!("{} {}", r.adcode, r.name_zh)).collect(),
            Rule::City => tree.at_level(Level::City).map(|r| format!("{} {}", r.adcode, r.name_zh)).collect(),
            Rule::Region => std::iter::once(format!(
                "{} {}",
                szjy_model::region::NATIONAL,
                szjy_model::region::national_name(szjy_model::lang::Lang::Zh)
            ))
            .chain(tree.all().iter().map(|r| format!("{} {}", r.adcode, r.name_zh)))
            .collect(),
            _ => continue,
        };
        lists.push((k, values));
    }

    let data = workbook.add_worksheet();
    data.set_name(lang.pick(schema.zh, schema.name)).map_err(err)?;
    for (k, column) in schema.columns.iter().enumerate() {
        let c = k as u16;
        data.write_string_with_format(0, c, template_header(schema, column, lang), &header_format).map_err(err)?;
        data.set_column_width(c, 16).map_err(err)?;
        let format = match column.ty {
            ColumnType::Date => Some(&date),
            ColumnType::Text => Some(&text),
            _ if takes_raw_ids(schema, column) => Some(&text),
            _ => None,
        };
        if let Some(format) = format {
            data.set_column_format(c, format).map_err(err)?;
        }
        if takes_raw_ids(schema, column) {
            data.set_column_width(c, 22).map_err(err)?;
        }
    }
    for (list_index, (k, values)) in lists.iter().enumerate() {
        let letter = column_letters(list_index);
        let source = Formula::new(format!("='{CODES_SHEET}'!${letter}$2:${letter}${}", values.len() + 1));
        // A warning, not a stop: "370102" or a unique name is read as well as the list's form.
        let validation = DataValidation::new()
            .allow_list_formula(source)
            .set_error_style(rust_xlsxwriter::DataValidationErrorStyle::Warning)
            .set_error_title(lang.pick("代码不在列表中", "Not in the list"))
            .map_err(err)?
            .set_error_message(lang.pick("请从下拉列表中选择。", "Choose from the drop-down list."))
            .map_err(err)?;
        data.add_data_validation(1, *k as u16, TEMPLATE_ROWS, *k as u16, &validation).map_err(err)?;
    }
    data.set_freeze_panes(1, 0).map_err(err)?;

    let notes = workbook.add_worksheet();
    notes.set_name(lang.pick("填报说明", "Instructions")).map_err(err)?;
    let heads = lang.pick(["列名", "字段", "类型", "是否必填", "填写要求"], ["Column", "Field", "Type", "Required", "Allowed values"]);
    for (c, h) in heads.iter().enumerate() {
        notes.write_string_with_format(0, c as u16, *h, &header_format).map_err(err)?;
    }
    for (k, column) in schema.columns.iter().enumerate() {
        let row = k as u32 + 1;
        let field = if takes_raw_ids(schema, column) { szjy_model::schema::RAW_ID_COL } else { column.name };
        notes.write_string(row, 0, template_header(schema, column, lang).trim_start_matches('*')).map_err(err)?;
        notes.write_string(row, 1, field).map_err(err)?;
        notes.write_string(row, 2, column.ty.label(lang)).map_err(err)?;
        notes.write_string(row, 3, if column.required { lang.pick("是", "yes") } else { lang.pick("否", "no") }).map_err(err)?;
        notes.write_string(row, 4, column.rule.allowed(lang)).map_err(err)?;
    }
    let general = lang.pick(
        [
            "表头不要改动；标题行、空行和“合计”行可以保留，读取时不计入。",
            "日期写作 2025-06-03、2025/6/3 或 2025年6月3日，也可用日期格式的单元格。",
            "身份证号码所在列已设为文本格式：请勿改为数值，否则第15位以后的数字会丢失。",
            "带下拉列表的列请从列表中选择（代码表中列出全部代码）。",
        ],
        [
            "Keep the header; title rows, blank rows and total rows may stay and are not read as records.",
            "Dates as 2025-06-03, 2025/6/3 or 2025年6月3日, or date cells.",
            "The ID column is formatted as text: do not make it a number, or every digit after the 15th is lost.",
            "Columns with a drop-down take a value from the list (the codes sheet lists them all).",
        ],
    );
    let first = schema.columns.len() as u32 + 2;
    for (i, line) in general.iter().enumerate() {
        notes.write_string(first + i as u32, 0, *line).map_err(err)?;
    }
    notes.set_column_width(0, 18).map_err(err)?;
    notes.set_column_width(4, 80).map_err(err)?;

    let codes = workbook.add_worksheet();
    codes.set_name(CODES_SHEET).map_err(err)?;
    for (list_index, (k, values)) in lists.iter().enumerate() {
        let c = list_index as u16;
        codes
            .write_string_with_format(0, c, template_header(schema, &schema.columns[*k], lang).trim_start_matches('*'), &header_format)
            .map_err(err)?;
        for (i, v) in values.iter().enumerate() {
            codes.write_string(i as u32 + 1, c, v).map_err(err)?;
        }
        codes.set_column_width(c, 28).map_err(err)?;
    }
    codes.set_hidden(true);
    workbook.save(path).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_excel_does() {
        assert_eq!([0, 3, 25, 26, 27, 51, 52, 701, 702].map(column_letters), ["A", "D", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn typed_values_read_as_validation_expects() {
        assert_eq!(date_text("2025年6月3日", false).as_deref(), Some("2025-06-03"));
        assert_eq!(date_text("2025/6/3", false).as_deref(), Some("2025-06-03"));
        assert_eq!(date_text("2025.06.03", false).as_deref(), Some("2025-06-03"));
        assert_eq!(date_text("2025年6月", true).as_deref(), Some("2025-06-01"));
        assert_eq!(date_text("2025年6月", false), None, "a day column never takes a month");
        assert_eq!(date_text("2025年13月1日", false), None);
        assert_eq!(date_text("六月", true), None);
        assert_eq!(serial_date(45811.0).as_deref(), Some("2025-06-03"));
        assert_eq!(serial_date(12.0), None, "not a date of a return");
        assert_eq!(plain_number("1,234,567.5"), "1234567.5");
        assert_eq!(plain_number("１２，３４５"), "12345");
        assert_eq!(plain_number("-1,234"), "-1234");
        assert_eq!(plain_number("1,5"), "1,5", "not grouped by three: left for validation to refuse");
        assert_eq!(plain_number("12,34,567"), "12,34,567");
        assert_eq!(quarter_text("2025年第一季度").as_deref(), Some("2025Q1"));
        assert_eq!(quarter_text("2025年4季度").as_deref(), Some("2025Q4"));
        assert_eq!(quarter_text("2025-Q2").as_deref(), Some("2025Q2"));
        for (typed, key) in [
            ("2025年6月", "2025-06"),
            ("2025.6", "2025-06"),
            ("2025-06", "2025-06"),
            ("2025年第二季度", "2025Q2"),
            ("2025Q2", "2025Q2"),
            ("2025年", "2025"),
            ("2025年度", "2025"),
            ("2025", "2025"),
            ("2025年1-6月", "2025-01..06"),
            ("2025年1—6月累计", "2025-01..06"),
            ("2025年1月至11月", "2025-01..11"),
            ("2025年6月份", "2025-06"),
        ] {
            assert_eq!(period_text(typed).as_deref(), Some(key), "{typed}");
        }
        for odd in ["2025年13月", "2025年3-6月", "六月", "2025-01..06", "2025-01-06", "1025年"] {
            assert_eq!(period_text(odd), None, "{odd}");
        }
        assert_eq!(quarter_text("第一季度"), None, "no year, and no panic inside a character");
        assert_eq!(quarter_text("一季"), None);
        assert_eq!(number_text(370102.0), "370102");
        assert_eq!(number_text(2.5), "2.5");
    }

    #[test]
    fn total_rows_are_known_by_their_label() {
        for label in ["合计", "合 计", "合计：", "全县合计", "历下区合计", "总计", "小计", "Total"] {
            assert!(is_total_label(label), "{label}");
        }
        for label in ["", "历下区", "370102", "2025-03-01", "合计数大于10的单位"] {
            assert!(!is_total_label(label), "{label}");
        }
    }

    #[test]
    fn regions_read_by_code_or_by_a_name_only_one_region_has() {
        let tree = RegionTree::shandong();
        let county = |t: &str| region_code(t, Some(Level::County), tree, "county");
        assert_eq!(county("370102 历下区").as_deref(), Ok("370102"));
        assert_eq!(county("历下区").as_deref(), Ok("370102"));
        assert_eq!(county("370102").as_deref(), Ok("370102"));
        let shared = county("市中区").unwrap_err();
        assert!(shared.contains("济南市") && shared.contains("枣庄市"), "{shared}");
        assert_eq!(region_code("济南市", Some(Level::City), tree, "city").as_deref(), Ok("370100"));
        // An official figure's region: any level, or the country.
        assert_eq!(region_code("济南市", None, tree, "region").as_deref(), Ok("370100"));
        assert_eq!(region_code("山东省", None, tree, "region").as_deref(), Ok("370000"));
        assert_eq!(region_code("全国", None, tree, "region").as_deref(), Ok("100000"));
        assert_eq!(county("不存在区").as_deref(), Ok("不存在区"), "left for validation to name");
    }

    #[test]
    fn headers_match_by_name_or_meaning_with_units_and_marks() {
        let schema = szjy_model::schema::source("unemployment_registrations").unwrap();
        let county = schema.columns.iter().find(|c| c.name == "county").unwrap();
        assert_eq!(header_column(schema, county.zh).as_deref(), Some("county"));
        assert_eq!(header_column(schema, &format!("*{}\n", county.zh)).as_deref(), Some("county"));
        assert_eq!(header_column(schema, "COUNTY").as_deref(), Some("county"));
        for typed in ["县区代码", "区县代码", "县（市、区）代码", "县(市区)代码", "县市区代码"] {
            assert_eq!(header_column(schema, typed).as_deref(), Some("county"), "{typed}");
        }
        // No two columns of a source are one header once brackets and aliases are dropped.
        for source in szjy_model::schema::SOURCES {
            let keys: std::collections::HashSet<String> = source.columns.iter().map(|c| header_key(c.zh)).collect();
            assert_eq!(keys.len(), source.columns.len(), "{}", source.name);
        }
        let wage = szjy_model::schema::source("job_seekers").unwrap();
        assert_eq!(header_column(wage, "期望工资").as_deref(), Some("expected_wage"));
        assert_eq!(header_column(schema, "身份证号码").as_deref(), Some(szjy_model::schema::RAW_ID_COL));
        assert_eq!(header_column(schema, "备注"), None);
    }
}
