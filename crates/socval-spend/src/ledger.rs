//! Payment ledgers as councils publish them (Local Government Transparency
//! Code): header matching with aliases, value parsing, and the columnar
//! chunks that are written to Parquet.
//!
//! Parsing takes `impl Read` (CSV) or bytes (XLSX) and hands finished chunks
//! to a callback; opening files and writing Parquet happen in [`crate::store`].
//!
//! The parts: `columns` (the fields and the matching of headers to them),
//! `value` (dates and amounts), `row` (the rules each line must meet and the
//! chunks its values go into) and `record` (reading CSV records).

mod columns;
mod record;
mod row;
mod value;

use std::collections::BTreeMap;
use std::str::FromStr;

use socval_core::FinancialYear;

use crate::error::{Error, Result};

pub use columns::Field;
pub(crate) use columns::{Columns, header_key};
pub use record::parse_csv;
pub(crate) use record::{
    SPANNED_VALUE, check_closed, csv_header, field_text, fields_spanned, spans_lines, tail_quotes,
};
pub(crate) use row::RowParser;
pub(crate) use value::days_since_epoch;
pub use value::{date_from_days, parse_date, parse_pence};

/// What to do with a line that has no amount at all.
///
/// Published files have them (5,079 lines of Sheffield's August–September
/// 2019 payments). They are refused by default, because a payment of
/// unknown value cannot be counted; the choice is explicit and the number
/// of such lines is recorded with the import either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlankAmount {
    /// Stop the import, naming the first such line (the default).
    #[default]
    Error,
    /// Leave the line out of the payments; count it as skipped.
    Skip,
    /// Import it as a payment of £0.00 (it still needs a date and a supplier).
    Zero,
}

impl BlankAmount {
    /// `error`, `skip` or `zero`.
    pub fn name(self) -> &'static str {
        match self {
            BlankAmount::Error => "error",
            BlankAmount::Skip => "skip",
            BlankAmount::Zero => "zero",
        }
    }
}

impl FromStr for BlankAmount {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "error" => Ok(BlankAmount::Error),
            "skip" => Ok(BlankAmount::Skip),
            "zero" => Ok(BlankAmount::Zero),
            _ => Err(format!("{s:?}: expected error, skip or zero")),
        }
    }
}

/// How to read a payments file.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Explicit columns, `(field, header)`, overriding the aliases. A header
    /// that appears more than once may be chosen as `Header#2`.
    pub map: Vec<(Field, String)>,
    /// What to do with lines that have no amount.
    pub blank_amount: BlankAmount,
    /// The sheet to read in a spreadsheet (default: the first sheet with a
    /// recognisable header row).
    pub sheet: Option<String>,
}

impl ImportOptions {
    /// Parses `field=Header` as given to `--map`.
    ///
    /// Returns an error naming the fields if the field is unknown.
    pub fn parse_map(spec: &str) -> Result<(Field, String)> {
        let (f, h) = spec.split_once('=').ok_or_else(|| Error::Mapping {
            spec: spec.to_string(),
            reason: "expected field=Header".into(),
        })?;
        let field = f.parse::<Field>().map_err(|reason| Error::Mapping {
            spec: spec.to_string(),
            reason,
        })?;
        if h.trim().is_empty() {
            return Err(Error::Mapping {
                spec: spec.to_string(),
                reason: "the header is empty".into(),
            });
        }
        Ok((field, h.trim().to_string()))
    }
}

/// Where one field was found in a file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ColumnChoice {
    /// The field.
    pub field: &'static str,
    /// The header as it appears in the file.
    pub header: String,
    /// Its column letter.
    pub column: String,
}

/// Rows and pence in one financial year of one import.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct YearTotal {
    /// Payments.
    pub rows: u64,
    /// Their sum in pence.
    pub pence: i64,
}

/// What a parse found: every data line is either a payment (`rows`) or a
/// skipped blank-amount line (`blank_amount_lines` with policy `skip`).
#[derive(Clone, Debug, Default)]
pub struct ParseSummary {
    /// The file as given.
    pub source: String,
    /// Data lines read (excluding the header and anything above it).
    pub lines: u64,
    /// Payments kept.
    pub rows: u64,
    /// Lines with no amount (skipped, or imported as zero, by policy).
    pub blank_amount_lines: u64,
    /// Payments whose supplier name is redacted.
    pub redacted_rows: u64,
    /// Payments below zero.
    pub credit_notes: u64,
    /// Sum of all payments in pence.
    pub total_pence: i64,
    /// Per financial year.
    pub years: BTreeMap<FinancialYear, YearTotal>,
    /// The columns used.
    pub columns: Vec<ColumnChoice>,
    /// The blank-amount policy applied.
    pub blank_amount: BlankAmount,
}

#[cfg(test)]
mod tests;
