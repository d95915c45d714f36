//! Which column holds which field: the fields socval reads, their
//! header aliases, and the matching of a file's headers to them.

use std::str::FromStr;

use crate::error::{Error, Result, column_letter};

use super::{ColumnChoice, ImportOptions};

/// A field socval reads from a payments file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Payment date (required).
    Date,
    /// Amount paid in £; negative for credit notes (required).
    Amount,
    /// Supplier (beneficiary) name (required).
    Supplier,
    /// The council's own supplier id.
    SupplierId,
    /// Companies House number.
    CompanyNumber,
    /// Charity Commission number.
    CharityNumber,
    /// VAT registration number.
    VatNumber,
    /// Service area, directorate or expense area.
    Service,
}

impl Field {
    /// Every field, in the order they are reported.
    pub const ALL: [Field; 8] = [
        Field::Date,
        Field::Amount,
        Field::Supplier,
        Field::SupplierId,
        Field::CompanyNumber,
        Field::CharityNumber,
        Field::VatNumber,
        Field::Service,
    ];

    /// The name used in `--map` and in the Parquet schema.
    pub fn name(self) -> &'static str {
        match self {
            Field::Date => "date",
            Field::Amount => "amount",
            Field::Supplier => "supplier",
            Field::SupplierId => "supplier_id",
            Field::CompanyNumber => "company_number",
            Field::CharityNumber => "charity_number",
            Field::VatNumber => "vat_number",
            Field::Service => "service",
        }
    }

    /// Header names recognised for this field, in order of preference
    /// (matched ignoring case, spaces and punctuation).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Date => &[
                "Payment Date",
                "Date",
                "Invoice Payment Date",
                "Date Paid",
                "Transaction Date",
                "GL Date",
                "Effective Date",
            ],
            Field::Amount => &[
                "Amount",
                "Net Amount",
                "Invoiced Value",
                "Amount (£)",
                "Value",
                "Total",
            ],
            Field::Supplier => &[
                "Supplier Name",
                "Beneficiary Name",
                "Supplier(Beneficiary) Name",
                "Supplier",
                "Beneficiary",
                "Vendor Name",
                "Payee Name",
            ],
            Field::SupplierId => &[
                "Supplier ID",
                "Address Book No.",
                "Supplier Number",
                "Vendor ID",
                "Supplier Code",
            ],
            Field::CompanyNumber => &[
                "Company Number",
                "Supplier Registered Company Number",
                "Registered Company Number",
                "Company Registration Number",
            ],
            Field::CharityNumber => &[
                "Charity Number",
                "Registered Charity Number",
                "Charity Registration Number",
            ],
            Field::VatNumber => &["VAT Registration Number", "VAT Number", "VAT Reg No"],
            Field::Service => &[
                "Expense Area",
                "Organisational Unit",
                "Service Area",
                "Directorate",
                "Service",
                "Department",
            ],
        }
    }

    fn required(self) -> bool {
        matches!(self, Field::Date | Field::Amount | Field::Supplier)
    }
}

impl FromStr for Field {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let key = header_key(s);
        Field::ALL
            .into_iter()
            .find(|f| header_key(f.name()) == key)
            .ok_or_else(|| {
                format!(
                    "unknown field {s:?} (fields: {})",
                    Field::ALL.map(Field::name).join(", ")
                )
            })
    }
}

/// Normalises a header for matching: lower case, letters and digits only.
pub(crate) fn header_key(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Field → column index, chosen from the headers.
#[derive(Clone, Debug)]
pub(crate) struct Columns {
    index: [Option<usize>; 8],
    pub(super) headers: Vec<String>,
}

impl Columns {
    /// Matches headers to fields: explicit mappings first, then the aliases
    /// in order of preference; a duplicated header resolves to its first
    /// occurrence (or `Header#n` in a mapping).
    pub(crate) fn resolve(
        source: &str,
        headers: &[String],
        opts: &ImportOptions,
    ) -> Result<Columns> {
        let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
        let mut index = [None; 8];
        for (field, header) in &opts.map {
            let (name, nth) = match header.rsplit_once('#') {
                Some((n, k)) if k.parse::<usize>().is_ok_and(|k| k >= 1) => {
                    (n, k.parse::<usize>().unwrap_or(1))
                }
                _ => (header.as_str(), 1),
            };
            let key = header_key(name);
            let found = keys
                .iter()
                .enumerate()
                .filter(|(_, k)| **k == key)
                .nth(nth - 1)
                .map(|(i, _)| i);
            match found {
                Some(i) => index[*field as usize] = Some(i),
                None => {
                    return Err(Error::Mapping {
                        spec: format!("{}={header}", field.name()),
                        reason: format!(
                            "{source} has no such column (it has {})",
                            headers.join(", ")
                        ),
                    });
                }
            }
        }
        let taken = |index: &[Option<usize>; 8], i: usize| index.contains(&Some(i));
        for field in Field::ALL {
            if index[field as usize].is_some() {
                continue;
            }
            'alias: for alias in field.aliases() {
                let key = header_key(alias);
                for (i, k) in keys.iter().enumerate() {
                    if *k == key && !taken(&index, i) {
                        index[field as usize] = Some(i);
                        break 'alias;
                    }
                }
            }
        }
        for field in Field::ALL {
            if field.required() && index[field as usize].is_none() {
                return Err(Error::MissingColumn {
                    source_name: source.to_string(),
                    field: field.name(),
                    accepted: field.aliases().join(", "),
                    found: headers
                        .iter()
                        .map(|h| format!("{h:?}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        Ok(Columns {
            index,
            headers: headers.to_vec(),
        })
    }

    /// True if the headers have the three required fields (used to find the
    /// header row in a spreadsheet).
    pub(crate) fn looks_like_header(headers: &[String], opts: &ImportOptions) -> bool {
        Columns::resolve("", headers, opts).is_ok()
    }

    pub(super) fn get(&self, f: Field) -> Option<usize> {
        self.index[f as usize]
    }

    pub(super) fn describe(&self, i: usize) -> String {
        format!(
            "{} ({})",
            column_letter(i),
            self.headers.get(i).map(String::as_str).unwrap_or("")
        )
    }

    pub(crate) fn choices(&self) -> Vec<ColumnChoice> {
        Field::ALL
            .into_iter()
            .filter_map(|f| {
                self.get(f).map(|i| ColumnChoice {
                    field: f.name(),
                    header: self.headers[i].clone(),
                    column: column_letter(i),
                })
            })
            .collect()
    }
}
