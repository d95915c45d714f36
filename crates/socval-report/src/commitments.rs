//! Commitments as the report reads them: the engine's `measure` and `units`
//! columns, plus optional `category` (Places, People, Corporate),
//! `contract` and `delivered` (units delivered to date).

use std::fmt;
use std::io::Read;

use rust_decimal::Decimal;
use serde::Serialize;
use socval_core::valuation::{self, Commitment};
use socval_core::{Framework, Records};

use crate::error::{Error, Result};

/// The three categories of contract in paragraph 2.11 of the seed report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Construction, facilities management, environment and transport.
    Places,
    /// Services for residents, such as health and social care.
    People,
    /// Contracts that run the council (ICT, temporary labour, printing, ...).
    Corporate,
}

impl Category {
    /// All three, in report order.
    pub const ALL: [Category; 3] = [Category::Places, Category::People, Category::Corporate];

    /// Reads `places`, `people` or `corporate` (any case, an optional
    /// `Rotherham ` or other prefix word allowed: `Rotherham Places`).
    pub fn parse(text: &str) -> Option<Category> {
        let last = text.split_whitespace().last()?.to_ascii_lowercase();
        match last.as_str() {
            "places" | "place" => Some(Category::Places),
            "people" => Some(Category::People),
            "corporate" => Some(Category::Corporate),
            _ => None,
        }
    }

    /// `Places`, `People`, `Corporate`.
    pub fn name(self) -> &'static str {
        match self {
            Category::Places => "Places",
            Category::People => "People",
            Category::Corporate => "Corporate",
        }
    }

    /// What the category covers.
    pub fn covers(self) -> &'static str {
        match self {
            Category::Places => "construction, facilities management, environment and transport",
            Category::People => {
                "services commissioned for residents, such as health and social care"
            }
            Category::Corporate => {
                "contracts that support the running of the council (ICT, temporary labour, printing, training, PPE)"
            }
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One line of a commitments file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitmentLine {
    /// The engine's commitment (measure, units, line).
    pub commitment: Commitment,
    /// The contract's category, if given.
    pub category: Option<Category>,
    /// The contract, if given.
    pub contract: Option<String>,
    /// Units delivered to date, if given.
    pub delivered: Option<Decimal>,
}

/// A commitments file, read and checked against a framework.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commitments {
    /// The file, as named by the caller.
    pub file: String,
    /// Its lines, in file order.
    pub lines: Vec<CommitmentLine>,
}

/// Reads a commitments CSV: `measure` (code or exact title) and `units`
/// (`units_committed` accepted), optional `category`, `contract`,
/// `delivered` (`units_delivered` accepted); other columns are ignored.
///
/// Returns an error naming file, line, column and value for an unknown
/// measure, a bad number or an unknown category. Nothing is returned
/// unless every line is good.
pub fn read_commitments(
    file: &str,
    reader: impl Read,
    framework: &Framework,
) -> Result<Commitments> {
    let records = records(file, reader)?;
    let commitments = valuation::commitments_from_records(&records, framework)?;
    let find = |names: &[&str]| {
        records.headers.iter().position(|h| {
            let h = h.trim().to_ascii_lowercase().replace(' ', "_");
            names.contains(&h.as_str())
        })
    };
    let category = find(&["category", "contract_category"]);
    let contract = find(&[
        "contract",
        "contract_id",
        "contract_ref",
        "contract_reference",
    ]);
    let delivered = find(&["delivered", "units_delivered", "delivered_units"]);
    let mut lines = Vec::with_capacity(commitments.len());
    for (c, r) in commitments.into_iter().zip(&records.rows) {
        let get = |i: Option<usize>| i.map(|i| r.get(i).trim()).filter(|s| !s.is_empty());
        let field = |i: usize, problem: &str, expected: &str| Error::Field {
            file: file.to_string(),
            line: r.line,
            column: records.headers[i].clone(),
            value: r.get(i).to_string(),
            problem: problem.into(),
            expected: expected.into(),
        };
        let cat = match get(category) {
            None => None,
            Some(t) => Some(Category::parse(t).ok_or_else(|| {
                field(
                    category.expect("present"),
                    "is not a category",
                    "Places, People or Corporate, or empty",
                )
            })?),
        };
        let del = match get(delivered) {
            None => None,
            Some(t) => {
                let d: Decimal = t.replace(',', "").parse().map_err(|_| {
                    field(
                        delivered.expect("present"),
                        "is not a number",
                        "a number of units of at least 0, or empty",
                    )
                })?;
                if d.is_sign_negative() && !d.is_zero() {
                    return Err(field(
                        delivered.expect("present"),
                        "is negative",
                        "a number of units of at least 0, or empty",
                    ));
                }
                Some(d)
            }
        };
        lines.push(CommitmentLine {
            commitment: c,
            category: cat,
            contract: get(contract).map(str::to_string),
            delivered: del,
        });
    }
    Ok(Commitments {
        file: file.to_string(),
        lines,
    })
}

/// Splits CSV text into the engine's records (header row, then data rows
/// with their line numbers).
pub(crate) fn records(file: &str, reader: impl Read) -> Result<Records> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let csv_err = |e: csv::Error| Error::Csv {
        file: file.to_string(),
        reason: e.to_string(),
    };
    let headers: Vec<String> = rdr
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let mut out = Records::new(file, headers);
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        out.push(line, rec.iter().map(str::to_string).collect());
    }
    Ok(out)
}
