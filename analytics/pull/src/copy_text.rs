//! PostgreSQL's COPY text format, as `COPY … TO STDOUT` sends it: one row per line,
//! fields separated by tabs, `\N` for null, backslash escapes for the tab, newline,
//! backslash and other bytes (PostgreSQL documentation, COPY, "Text Format").

/// Splits one row (its line without the newline) into fields, appending them to `out`.
pub fn decode_row(line: &[u8], out: &mut Vec<Option<String>>) -> Result<(), String> {
    for field in line.split(|&b| b == b'\t') {
        if field == b"\\N" {
            out.push(None);
            continue;
        }
        let bytes = unescape(field);
        out.push(Some(String::from_utf8(bytes).map_err(|_| "a field is not UTF-8 (the session's client_encoding is UTF8)".to_string())?));
    }
    Ok(())
}

fn unescape(field: &[u8]) -> Vec<u8> {
    if !field.contains(&b'\\') {
        return field.to_vec();
    }
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let b = field[i];
        if b != b'\\' || i + 1 == field.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let next = field[i + 1];
        i += 2;
        match next {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut value = u32::from(next - b'0');
                let mut digits = 1;
                while digits < 3 && i < field.len() && (b'0'..=b'7').contains(&field[i]) {
                    value = value * 8 + u32::from(field[i] - b'0');
                    i += 1;
                    digits += 1;
                }
                out.push(value as u8);
            }
            b'x' if i < field.len() && field[i].is_ascii_hexdigit() => {
                let mut value = 0u32;
                let mut digits = 0;
                while digits < 2 && i < field.len() && field[i].is_ascii_hexdigit() {
                    value = value * 16 + (field[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    digits += 1;
                }
                out.push(value as u8);
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_decode_with_nulls_and_escapes() {
        let mut out = Vec::new();
        decode_row(b"370102\t\\N\t\xe5\x8e\x86\xe4\xb8\x8b\\t\\\\\\n\t\\101\\x42\\q\t", &mut out).unwrap();
        assert_eq!(out, vec![Some("370102".into()), None, Some("历下\t\\\n".into()), Some("ABq".into()), Some(String::new())]);
        out.clear();
        assert!(decode_row(b"\xff", &mut out).unwrap_err().contains("UTF-8"));
    }
}
