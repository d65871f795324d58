//! What may leave the engine in a message: ID numbers masked, every message bounded, and
//! spreadsheet formulas neutralised in the quarantine files people open in Excel.
//!
//! The same rules exist twice by necessity: as plain functions for messages, and as Polars
//! expressions for quarantine columns ([`mask_ids_expr`], [`neutralise_expr`]); a test
//! keeps the two in step.

use std::borrow::Cow;

use polars::prelude::*;

/// The longest message (in characters) an answer, an audit line or a quarantine reason
/// carries; the rest is cut with a note of how much.
pub const MAX_MESSAGE_CHARS: usize = 400;

/// Digits kept at each end of a masked number: the region prefix and the check part say
/// which row a clerk should look at without identifying the person.
const KEPT: usize = 4;

/// Runs of at least this many digits are treated as ID numbers (15-digit first-generation
/// IDs, 18-digit current ones, and bank or social-security numbers of similar length). No
/// schema value is that long: amounts stay below 10¹², adcodes have 6 digits.
const MIN_ID_DIGITS: usize = 15;

/// The mask of a digit run: `3701**********1005`. Its length does not depend on the run's.
fn mask(digits: &str) -> String {
    format!("{}**********{}", &digits[..KEPT], &digits[digits.len() - KEPT..])
}

/// `text` with every run of 15 or more digits (an `X` check digit included) masked.
pub fn mask_ids(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i < bytes.len() && matches!(bytes[i], b'X' | b'x') && i - start >= MIN_ID_DIGITS - 1 {
            i += 1;
        }
        if i - start >= MIN_ID_DIGITS {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..start]);
            out.push_str(&mask(&text[start..i]));
            copied = i;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// `text` cut to `max` characters, saying how many were left out.
pub fn bounded(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}… ({} more characters)", &text[..cut], text[cut..].chars().count())),
    }
}

/// A message fit to leave the engine: IDs masked, then bounded.
pub fn message(text: &str) -> String {
    bounded(&mask_ids(text), MAX_MESSAGE_CHARS).into_owned()
}

/// Whether a spreadsheet would read `cell` as a formula: it starts with `=`, `+`, `@`, a
/// tab or a carriage return, or with `-` without being a plain number.
pub fn is_formula_like(cell: &str) -> bool {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'@' | b'\t' | b'\r') => true,
        Some(b'-') => !is_plain_number(&cell[1..]),
        _ => false,
    }
}

fn is_plain_number(s: &str) -> bool {
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// A cell a spreadsheet shows as text: formula-like cells get a leading apostrophe
/// (OWASP's advice for CSV injection).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if is_formula_like(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// [`mask_ids`] on a text column.
pub fn mask_ids_expr(text: Expr) -> Expr {
    text.str().replace_all(
        lit(format!(r"(\d{{{KEPT}}})\d{{{},}}(\d{{{}}}[\dXx]|\d{{{KEPT}}})", MIN_ID_DIGITS - 2 * KEPT, KEPT - 1)),
        lit("${1}**********${2}"),
        false,
    )
}

/// [`neutralise`] on a text column.
pub fn neutralise_expr(text: Expr) -> Expr {
    let formula = text.clone().str().contains(lit(r"^[=+@\t\r]"), false).or(text
        .clone()
        .str()
        .starts_with(lit("-"))
        .and(text.clone().str().contains(lit(r"^-\d+(\.\d+)?$"), false).not()));
    when(formula).then(concat_str([lit("'"), text.clone()], "", true)).otherwise(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_masked_wherever_they_stand() {
        assert_eq!(
            mask_ids("field person_key: '370102199001011005' is not a keyed person hash"),
            "field person_key: '3701**********1005' is not a keyed person hash"
        );
        assert_eq!(mask_ids("11010519491231002X,x"), "1101**********002X,x");
        assert_eq!(mask_ids("old 110105491231002 ids"), "old 1101**********1002 ids");
        assert_eq!(mask_ids("adcode 370102, amount 123456789012.5"), "adcode 370102, amount 123456789012.5");
        assert!(matches!(mask_ids("nothing here"), Cow::Borrowed(_)));
        let many: String = (0..1000).map(|i| format!("37010219900101{i:04}\n")).collect();
        assert!(!mask_ids(&many).chars().collect::<Vec<_>>().windows(15).any(|w| w.iter().all(char::is_ascii_digit)));
    }

    #[test]
    fn messages_are_bounded() {
        let long = "路".repeat(1000);
        let cut = message(&long);
        assert!(cut.chars().count() < MAX_MESSAGE_CHARS + 40 && cut.ends_with("(600 more characters)"), "{cut}");
        assert_eq!(message("short"), "short");
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_are_not() {
        for cell in ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "@SUM(A1)", "-1+cmd|' /C calc'!A0", "\tx"] {
            assert!(neutralise(cell).starts_with('\''), "{cell}");
        }
        for cell in ["-12", "-0.5", "12", "text", "", "3-5"] {
            assert_eq!(neutralise(cell), cell);
        }
    }

    #[test]
    fn the_expressions_agree_with_the_functions() {
        let cells = [
            "370102199001011005",
            "a 11010519491231002X b 110105491231002 c",
            "370102",
            "=HYPERLINK(1)",
            "-5",
            "-x",
            "+3",
            "@a",
            "plain",
            "12345678901234",
        ];
        let df = df!("c" => cells).unwrap();
        let out = df.lazy().select([neutralise_expr(mask_ids_expr(col("c"))).alias("c")]).collect().unwrap();
        let got: Vec<String> = out.column("c").unwrap().str().unwrap().iter().map(|s| s.unwrap().to_string()).collect();
        let expected: Vec<String> = cells.iter().map(|c| neutralise(&mask_ids(c)).into_owned()).collect();
        assert_eq!(got, expected);
    }
}
