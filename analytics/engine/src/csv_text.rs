//! CSV as clerks and exports write it, read into text columns with every oddity named:
//! UTF-8 or GBK, a byte-order mark, CRLF or LF, quoted fields with doubled quotes and line
//! breaks, blank lines, empty trailing header cells from spreadsheets. A row with the
//! wrong number of fields is set aside with its row number (the rest of the file is
//! read); a duplicate column name or a quote that never closes is an error naming the
//! column or line, as the file means nothing certain then.

use std::borrow::Cow;
use std::path::Path;

/// A CSV file's header and rows as text (empty fields are `None`).
#[derive(Debug, Default)]
pub struct CsvTable {
    pub header: Vec<String>,
    /// One vector per header column, each as long as `rows`.
    pub columns: Vec<Vec<Option<String>>>,
    /// The 1-based data row (records after the header, blank lines not counted) of each
    /// row kept.
    pub rows: Vec<u64>,
    /// Rows with the wrong number of fields: their row number, how many fields they had,
    /// and their fields (to show in the quarantine).
    pub ragged: Vec<RaggedRow>,
}

#[derive(Debug)]
pub struct RaggedRow {
    pub row: u64,
    pub fields: Vec<String>,
}

impl RaggedRow {
    pub fn reason(&self, header_fields: usize) -> String {
        format!("row has {} fields, the header has {header_fields}", self.fields.len())
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the file is empty (no header line)")]
    Empty,
    #[error("column `{column}` appears twice in the header (columns {first} and {second})")]
    DuplicateColumn { column: String, first: usize, second: usize },
    #[error("line {line} (row {row}): a quoted field opens there and never closes")]
    UnclosedQuote { line: u64, row: u64 },
}

/// Splits CSV text into records (RFC 4180, lenient about text after a closing quote); an
/// unclosed quote gives the line its record starts on and the record's index.
fn records(text: &str) -> Result<Vec<Vec<Cow<'_, str>>>, (u64, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0usize, 1u64);
    while i < bytes.len() {
        let start_line = line;
        let mut fields: Vec<Cow<str>> = Vec::new();
        loop {
            // One field, starting at i.
            if i < bytes.len() && bytes[i] == b'"' {
                let mut value = String::new();
                let mut from = i + 1;
                let mut j = i + 1;
                loop {
                    match bytes.get(j) {
                        None => return Err((start_line, out.len())),
                        Some(b'"') if bytes.get(j + 1) == Some(&b'"') => {
                            value.push_str(&text[from..=j]);
                            j += 2;
                            from = j;
                        }
                        Some(b'"') => {
                            value.push_str(&text[from..j]);
                            j += 1;
                            break;
                        }
                        Some(b'\n') => {
                            line += 1;
                            j += 1;
                        }
                        Some(_) => j += 1,
                    }
                }
                // Anything between the closing quote and the delimiter belongs to the field.
                let rest = j;
                while j < bytes.len() && !matches!(bytes[j], b',' | b'\n' | b'\r') {
                    j += 1;
                }
                value.push_str(&text[rest..j]);
                fields.push(Cow::Owned(value));
                i = j;
            } else {
                let mut j = i;
                while j < bytes.len() && !matches!(bytes[j], b',' | b'\n' | b'\r') {
                    j += 1;
                }
                fields.push(Cow::Borrowed(&text[i..j]));
                i = j;
            }
            match bytes.get(i) {
                Some(b',') => i += 1,
                Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') => {
                    i += 2;
                    line += 1;
                    break;
                }
                Some(b'\n' | b'\r') => {
                    i += 1;
                    line += 1;
                    break;
                }
                _ => break,
            }
        }
        let blank = fields.len() == 1 && fields[0].is_empty();
        if !blank {
            out.push(fields);
        }
    }
    Ok(out)
}

/// Reads a CSV's bytes as UTF-8, or as GBK (common in government exports) when they are
/// not valid UTF-8. A UTF-8 byte-order mark is dropped.
pub fn decode(bytes: &[u8]) -> Option<Cow<'_, str>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(Cow::Borrowed(s)),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::GBK.decode(bytes);
            (!had_errors).then_some(text)
        }
    }
}

/// Parses CSV text with a header line.
pub fn parse(text: &str) -> Result<CsvTable, CsvError> {
    let records = records(text).map_err(|(line, row)| CsvError::UnclosedQuote { line, row: row as u64 })?;
    let mut records = records.into_iter();
    let header_record = records.next().ok_or(CsvError::Empty)?;
    // Spreadsheets leave empty cells after the last named column: no column, no data.
    let named = header_record.iter().rposition(|f| !f.trim().is_empty()).map_or(0, |p| p + 1);
    let header: Vec<String> = header_record[..named].iter().map(|f| f.trim().to_string()).collect();
    for (second, name) in header.iter().enumerate() {
        if let Some(first) = header[..second].iter().position(|h| h == name && !h.is_empty()) {
            return Err(CsvError::DuplicateColumn { column: name.clone(), first: first + 1, second: second + 1 });
        }
    }
    let mut table = CsvTable { columns: vec![Vec::new(); header.len()], header, ..Default::default() };
    for (index, record) in records.enumerate() {
        let row = index as u64 + 1;
        let width = table.header.len();
        // Empty trailing cells beyond the header are spreadsheet residue, not data.
        let used = record.iter().rposition(|f| !f.is_empty()).map_or(0, |p| p + 1);
        if record.len() < width || used > width {
            table.ragged.push(RaggedRow { row, fields: record.into_iter().map(Cow::into_owned).collect() });
            continue;
        }
        for (column, field) in table.columns.iter_mut().zip(record) {
            column.push((!field.is_empty()).then(|| field.into_owned()));
        }
        table.rows.push(row);
    }
    Ok(table)
}

/// Reads and parses a CSV file.
pub fn read(path: &Path) -> Result<CsvTable, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = decode(&bytes).ok_or_else(|| "neither UTF-8 nor GBK text".to_string())?;
    parse(&text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(table: &CsvTable, name: &str) -> Vec<Option<String>> {
        table.columns[table.header.iter().position(|h| h == name).unwrap()].clone()
    }

    #[test]
    fn quotes_line_breaks_and_crlf() {
        let table = parse("a,b\r\n\"x, \"\"y\"\"\",2\r\n\"two\nlines\",\r\n\r\n3,4").unwrap();
        assert_eq!(table.header, ["a", "b"]);
        assert_eq!(column(&table, "a"), [Some("x, \"y\"".to_string()), Some("two\nlines".into()), Some("3".into())]);
        assert_eq!(column(&table, "b"), [Some("2".to_string()), None, Some("4".into())]);
        assert_eq!(table.rows, [1, 2, 3], "the blank line is not a row");
    }

    #[test]
    fn ragged_rows_are_set_aside_with_their_row() {
        let table = parse("a,b,c,,\n1,2,3\n1,2\n1,2,3,4\n1,2,3,,\n").unwrap();
        assert_eq!(table.header, ["a", "b", "c"], "empty header cells at the end are no columns");
        assert_eq!(table.rows, [1, 4]);
        assert_eq!(table.ragged.iter().map(|r| (r.row, r.fields.len())).collect::<Vec<_>>(), [(2, 2), (3, 4)]);
        assert_eq!(table.ragged[0].reason(3), "row has 2 fields, the header has 3");
    }

    #[test]
    fn duplicate_columns_and_unclosed_quotes_are_errors() {
        assert_eq!(parse("age,sex,age\n1,2,3\n").unwrap_err(), CsvError::DuplicateColumn { column: "age".into(), first: 1, second: 3 });
        let err = parse("a,b\n1,2\n3,\"open\n4,5\n6,7\n").unwrap_err();
        assert_eq!(err, CsvError::UnclosedQuote { line: 3, row: 2 });
        assert!(err.to_string().contains("line 3 (row 2)"));
        assert_eq!(parse("").unwrap_err(), CsvError::Empty);
    }

    #[test]
    fn gbk_and_bom() {
        let (gbk, _, _) = encoding_rs::GBK.encode("县,人数\n历下区,3\n");
        assert_eq!(parse(&decode(&gbk).unwrap()).unwrap().header, ["县", "人数"]);
        assert_eq!(parse(&decode(b"\xEF\xBB\xBFa,b\n1,2\n").unwrap()).unwrap().header, ["a", "b"]);
        assert!(decode(&[0xff, 0xfe, 0xfd]).is_none());
    }
}
