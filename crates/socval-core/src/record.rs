//! Already-split tabular records (CSV rows) and the field readers every
//! importer shares. The CLI's thin adapter splits a CSV file into
//! [`Records`]; everything after that — header aliases, field parsing,
//! error messages — happens here, in one place.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};
use crate::{FinancialYear, Gbp};

/// A table read from a file: its header row and data rows, each with the
/// 1-based line it started on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    /// The file, as it should be named in messages.
    pub file: String,
    /// The header row.
    pub headers: Vec<String>,
    /// The data rows.
    pub rows: Vec<Record>,
}

/// One data row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// 1-based line number in the file.
    pub line: u64,
    /// The fields, in header order (missing trailing fields read as empty).
    pub fields: Vec<String>,
}

impl Records {
    /// An empty table with a header row.
    pub fn new(file: impl Into<String>, headers: Vec<String>) -> Self {
        Records {
            file: file.into(),
            headers,
            rows: Vec::new(),
        }
    }

    /// Adds a data row.
    pub fn push(&mut self, line: u64, fields: Vec<String>) {
        self.rows.push(Record { line, fields });
    }

    /// The index of the first header matching one of `names` (trimmed, case
    /// and `_`/space insensitive), or an error naming the file and what is
    /// accepted.
    pub(crate) fn column(&self, names: &[&str]) -> Result<usize> {
        self.optional_column(names)
            .ok_or_else(|| Error::MissingColumn {
                file: self.file.clone(),
                column: names[0].to_string(),
                found: self.headers.join(", "),
                expected: names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" or "),
            })
    }

    /// The index of the first header matching one of `names`, if any.
    pub(crate) fn optional_column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|want| {
            let want = normalise_header(want);
            self.headers
                .iter()
                .position(|h| normalise_header(h) == want)
        })
    }

    /// A field error at `record`, column `col`.
    pub(crate) fn field_error(
        &self,
        record: &Record,
        col: usize,
        problem: &str,
        expected: &str,
    ) -> Error {
        Error::Field {
            file: self.file.clone(),
            line: record.line,
            column: self.headers.get(col).cloned().unwrap_or_default(),
            value: record.get(col).to_string(),
            problem: problem.to_string(),
            expected: expected.to_string(),
        }
    }

    /// Reads a number of units: non-negative, thousands separators allowed.
    pub(crate) fn units(&self, record: &Record, col: usize) -> Result<Decimal> {
        parse_units(record.get(col))
            .map_err(|problem| self.field_error(record, col, problem, UNITS_ACCEPTED))
    }

    /// Reads an amount of money (`£`, separators and negatives allowed).
    pub(crate) fn amount(&self, record: &Record, col: usize) -> Result<Gbp> {
        Gbp::parse(record.get(col)).map_err(|e| {
            self.field_error(
                record,
                col,
                &format!("is not an amount: {}", e.reason),
                AMOUNT_ACCEPTED,
            )
        })
    }

    /// Reads a financial year.
    pub(crate) fn year(&self, record: &Record, col: usize) -> Result<FinancialYear> {
        record
            .get(col)
            .parse()
            .map_err(|_| self.field_error(record, col, "is not a financial year", YEAR_ACCEPTED))
    }

    /// Reads a whole number at least 1.
    pub(crate) fn positive_int(&self, record: &Record, col: usize) -> Result<u32> {
        match record.get(col).trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(self.field_error(
                record,
                col,
                "is not a whole number of 1 or more",
                "1, 2, 3, ...",
            )),
        }
    }
}

impl Record {
    /// The field at `col`, trimmed; empty if the row is short.
    pub fn get(&self, col: usize) -> &str {
        self.fields.get(col).map(|s| s.trim()).unwrap_or("")
    }
}

fn normalise_header(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
}

pub(crate) const UNITS_ACCEPTED: &str = "a number of 0 or more, such as 12, 0.5, 28,500 or £28,500";
pub(crate) const AMOUNT_ACCEPTED: &str = "an amount such as 1234.56, £1,234.56 or -£5";
pub(crate) const YEAR_ACCEPTED: &str = "a financial year such as 2019/20";

/// Parses a non-negative decimal number of units; `Err` says what is wrong.
pub(crate) fn parse_units(text: &str) -> std::result::Result<Decimal, &'static str> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty");
    }
    // Reuse the money grammar for separators (and a `£` on units of £),
    // but not accountants' brackets, which mean a negative.
    if t.starts_with('(') {
        return Err(crate::limits::UNITS_NEGATIVE);
    }
    // The money grammar bounds amounts to £10¹²; units have their own bound,
    // so an over-large number says so rather than "is not a number".
    let value = match Gbp::parse(t) {
        Ok(g) => g.amount(),
        Err(e) if e.reason == crate::money::AMOUNT_TOO_LARGE => {
            return Err(crate::limits::UNITS_TOO_LARGE);
        }
        Err(_) => return Err(crate::limits::NOT_A_NUMBER),
    };
    crate::limits::check_units(value).map(|u| u.normalize())
}

/// The 1-based line of the first `key = value` line in a TOML text whose
/// value starts with `value` (quoted or not), for messages about TOML input
/// that parsed but broke a rule.
pub(crate) fn toml_line(text: &str, key: &str, value: &str) -> Option<u64> {
    text.lines()
        .position(|l| {
            let Some((k, v)) = l.split_once('=') else {
                return false;
            };
            let v = v.trim().trim_start_matches(['"', '\'']);
            k.trim() == key && v.starts_with(value)
        })
        .map(|i| i as u64 + 1)
}

/// Serde readers for TOML values that accept what people write.
pub(crate) mod de {
    use super::*;

    /// A number as TOML gives it: string, integer or float.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        Int(i64),
        Float(f64),
        Text(String),
    }

    impl Num {
        fn text(self) -> String {
            match self {
                Num::Int(i) => i.to_string(),
                // Display gives the shortest text that reads back as the same
                // float, so 0.5229 stays "0.5229".
                Num::Float(f) => f.to_string(),
                Num::Text(s) => s,
            }
        }
    }

    /// Money: `"£1,234.56"`, `1234.56` or `1234`.
    pub(crate) fn amount<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Gbp, D::Error> {
        let text = Num::deserialize(d)?.text();
        Gbp::parse(&text).map_err(serde::de::Error::custom)
    }

    /// Any decimal number: `50`, `0.5` or `"0.5"`.
    pub(crate) fn decimal<'de, D: Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<Decimal, D::Error> {
        let text = Num::deserialize(d)?.text();
        Decimal::from_str(text.trim()).map_err(|_| {
            serde::de::Error::custom(format!(
                "{text:?} is not a number (accepted: a number such as 50 or 0.5)"
            ))
        })
    }

    /// Units: a non-negative number.
    pub(crate) fn units<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Decimal, D::Error> {
        let text = Num::deserialize(d)?.text();
        parse_units(&text).map_err(|p| {
            serde::de::Error::custom(format!("{text:?} {p} (accepted: {UNITS_ACCEPTED})"))
        })
    }

    /// A percentage 0–100, written 72, 72.5 or "72%".
    pub(crate) fn percent<'de, D: Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<Decimal, D::Error> {
        let text = Num::deserialize(d)?.text();
        parse_percent(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("{text:?} is not a percentage (accepted: a number from 0 to 100, such as 72 or \"72.5%\")"))
        })
    }

    /// Optional percentage.
    pub(crate) fn opt_percent<'de, D: Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<Option<Decimal>, D::Error> {
        percent(d).map(Some)
    }

    /// A share: a fraction 0–1 (`0.5`) or a percentage string (`"50%"`).
    pub(crate) fn opt_share<'de, D: Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<Option<Decimal>, D::Error> {
        let text = Num::deserialize(d)?.text();
        let t = text.trim();
        let share = if let Some(p) = t.strip_suffix('%') {
            parse_percent(p).map(|p| p / Decimal::ONE_HUNDRED)
        } else {
            Decimal::from_str(t)
                .ok()
                .filter(|v| *v >= Decimal::ZERO && *v <= Decimal::ONE)
        };
        share.map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("{text:?} is not a share (accepted: a fraction from 0 to 1 such as 0.5, or a percentage string such as \"50%\")"))
        })
    }

    fn parse_percent(text: &str) -> Option<Decimal> {
        let t = text.trim().trim_end_matches('%').trim();
        Decimal::from_str(t)
            .ok()
            .and_then(|v| crate::limits::check_percent(v).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_accept_separators_and_refuse_negatives() {
        let ok = [
            ("12", "12"),
            ("0.5", "0.5"),
            ("28,500", "28500"),
            (" 0 ", "0"),
            ("38.030", "38.03"),
        ];
        for (text, want) in ok {
            assert_eq!(
                parse_units(text).unwrap(),
                Decimal::from_str(want).unwrap(),
                "{text}"
            );
        }
        for text in ["", "-1", "abc", "-£5", "(5)", "1,23"] {
            assert!(parse_units(text).is_err(), "{text:?}");
        }
        assert!(parse_units("-1").unwrap_err().contains("negative"));
    }

    #[test]
    fn columns_match_by_alias_case_and_spacing() {
        let r = Records::new(
            "f.csv",
            vec!["\u{feff}Measure".into(), "Units Committed".into()],
        );
        assert_eq!(r.column(&["measure"]).unwrap(), 0);
        assert_eq!(r.column(&["units", "units_committed"]).unwrap(), 1);
        let e = r.column(&["year"]).unwrap_err().to_string();
        assert!(
            e.contains("f.csv") && e.contains("`year`") && e.contains("Units Committed"),
            "{e}"
        );
    }

    #[test]
    fn field_errors_name_file_line_column_value_and_what_is_accepted() {
        let mut r = Records::new("c.csv", vec!["measure".into(), "units".into()]);
        r.push(7, vec!["X".into(), "-3".into()]);
        let e = r.units(&r.rows[0], 1).unwrap_err().to_string();
        for part in [
            "c.csv", "line 7", "`units`", "\"-3\"", "negative", "accepted",
        ] {
            assert!(e.contains(part), "{part} missing from {e}");
        }
    }

    #[test]
    fn toml_line_finds_the_key() {
        let text = "[a]\nx = 1\ncategory = \"Nope\"\n";
        assert_eq!(toml_line(text, "category", "Nope"), Some(3));
        assert_eq!(toml_line(text, "category", "Yes"), None);
    }
}
