//! Payment ledgers as councils publish them (Local Government Transparency
//! Code): header matching with aliases, value parsing, and the columnar
//! chunks that are written to Parquet.
//!
//! Parsing takes `impl Read` (CSV) or bytes (XLSX) and hands finished chunks
//! to a callback; opening files and writing Parquet happen in [`crate::store`].

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::str::FromStr;
use std::sync::Arc;

use arrow_array::builder::BooleanBuilder;
use arrow_array::{ArrayRef, Date32Array, Int32Array, Int64Array, RecordBatch};
use socval_core::line::LineReader;
use socval_core::{FinancialYear, Gbp};
use time::{Date, Month};

use crate::dict::DictBuilder;
use crate::error::{Error, Result, column_letter};
use crate::name::is_redacted;
use crate::schema::payments_schema;

/// Rows per chunk handed to the writer.
pub(crate) const CHUNK_ROWS: usize = 64 * 1024;
/// A chunk also ends once its dictionaries hold this many bytes (a file
/// whose free text differs on every line), far below the 2 GiB a
/// dictionary's offsets can address.
const CHUNK_DICT_BYTES: usize = 256 << 20;

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
    headers: Vec<String>,
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

    fn get(&self, f: Field) -> Option<usize> {
        self.index[f as usize]
    }

    fn describe(&self, i: usize) -> String {
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

/// Days from 1970-01-01 (the Parquet/Arrow `Date32` epoch).
pub(crate) fn days_since_epoch(d: Date) -> i32 {
    d.to_julian_day() - 2_440_588
}

/// The date for a `Date32` day number.
pub fn date_from_days(days: i32) -> Date {
    Date::from_julian_day(days + 2_440_588).expect("a Date32 within the supported range")
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Reads the dates councils publish: `2019-04-01` (with or without a time),
/// `01/04/2019`, `1/4/2019`, `01-04-2019`, `01.04.2019`, `01/04/19`,
/// `01-Apr-2019`, `1 April 2019`. Day first: UK files never put the month
/// first.
pub fn parse_date(text: &str) -> Result<Date, &'static str> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the date is empty");
    }
    let b = t.as_bytes();
    // ISO, optionally followed by a time.
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        if b.len() > 10 && !matches!(b[10], b'T' | b' ') {
            return Err("not a date (accepted: 2019-04-01, 01/04/2019, 01-Apr-2019)");
        }
        let y = digits(&b[0..4]).ok_or("the year is not a number")?;
        let m = digits(&b[5..7]).ok_or("the month is not a number")?;
        let d = digits(&b[8..10]).ok_or("the day is not a number")?;
        return make_date(y, m, d);
    }
    let date_part = t.split(['T', ' ']).next().unwrap_or(t);
    let parts: Vec<&str> = if t.contains(['/', '.']) || t.matches('-').count() == 2 {
        date_part.split(['/', '-', '.']).collect()
    } else {
        t.split_whitespace().take(3).collect()
    };
    if parts.len() != 3 {
        return Err("not a date (accepted: 2019-04-01, 01/04/2019, 01-Apr-2019)");
    }
    let d = digits(parts[0].as_bytes())
        .filter(|_| parts[0].len() <= 2)
        .ok_or("the day is not a number")?;
    let m = match digits(parts[1].as_bytes()) {
        Some(m) if parts[1].len() <= 2 => m,
        Some(_) => return Err("the month is not a number"),
        None => {
            let lower = parts[1].to_ascii_lowercase();
            let pos = MONTHS.iter().position(|mn| {
                lower.len() >= 3 && lower.starts_with(mn) && mn.starts_with(&lower[..3])
            });
            pos.ok_or("the month is not a month name or number")? as i32 + 1
        }
    };
    let y = match (digits(parts[2].as_bytes()), parts[2].len()) {
        (Some(y), 4) => y,
        (Some(y), 2) => 2000 + y,
        _ => return Err("the year must have four (or two) digits"),
    };
    make_date(y, m, d)
}

fn digits(b: &[u8]) -> Option<i32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i32, |a, &c| a * 10 + i32::from(c - b'0')))
}

fn make_date(y: i32, m: i32, d: i32) -> Result<Date, &'static str> {
    if !(1990..=2099).contains(&y) {
        return Err("the year is out of range (1990-2099)");
    }
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or("there is no such month")?;
    let day = u8::try_from(d).map_err(|_| "there is no such day")?;
    let date = Date::from_calendar_date(y, month, day)
        .map_err(|_| "there is no such day in that month")?;
    // The financial years socval accepts (1990/91 to 2099/00).
    socval_core::limits::check_date(date)
}

/// Parses an amount to whole pence. A fast path handles plain `1234.56`;
/// anything else goes through [`Gbp::parse`] (`£`, separators, brackets).
pub fn parse_pence(text: &str) -> Result<i64, String> {
    let b = text.as_bytes();
    if let Some(p) = fast_pence(b) {
        return Ok(p);
    }
    let g = Gbp::parse(text).map_err(|e| e.reason.to_string())?;
    g.to_pence()
        .ok_or_else(|| "it has a fraction of a penny (or is too large)".to_string())
}

fn fast_pence(b: &[u8]) -> Option<i64> {
    let (neg, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[..0]),
    };
    // Twelve digits of pounds stay under the limit of £10¹²
    // (`limits::MAX_AMOUNT`); longer numbers take the slow path, which
    // refuses what is past it.
    if int.is_empty()
        // Twelve digits of pounds; longer amounts take the general path,
        // which holds them to socval_core::limits::MAX_AMOUNT.
        || int.len() > 12
        || frac.len() > 2
        || (b.len() > int.len() && frac.is_empty())
    {
        return None;
    }
    let mut v: i64 = 0;
    for &c in int {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    let mut f: i64 = 0;
    for &c in frac {
        if !c.is_ascii_digit() {
            return None;
        }
        f = f * 10 + i64::from(c - b'0');
    }
    if frac.len() == 1 {
        f *= 10;
    }
    let p = v * 100 + f;
    Some(if neg { -p } else { p })
}

/// Accumulates rows into Arrow arrays.
pub(crate) struct ChunkBuilder {
    date: Vec<i32>,
    fy: DictBuilder,
    /// The key of each financial year in `fy`.
    fy_keys: Vec<(FinancialYear, usize)>,
    pence: Vec<i64>,
    supplier: DictBuilder,
    /// `is_redacted` of each distinct supplier name of the chunk, by key
    /// (names repeat: a ledger has far fewer suppliers than payments).
    supplier_redacted: Vec<bool>,
    redacted: BooleanBuilder,
    supplier_id: DictBuilder,
    company: DictBuilder,
    charity: DictBuilder,
    vat: DictBuilder,
    service: DictBuilder,
    line: Vec<i32>,
}

impl ChunkBuilder {
    pub(crate) fn new() -> Self {
        let dict = || DictBuilder::new(CHUNK_ROWS);
        ChunkBuilder {
            date: Vec::with_capacity(CHUNK_ROWS),
            fy: dict(),
            fy_keys: Vec::new(),
            pence: Vec::with_capacity(CHUNK_ROWS),
            supplier: dict(),
            supplier_redacted: Vec::new(),
            redacted: BooleanBuilder::with_capacity(CHUNK_ROWS),
            supplier_id: dict(),
            company: dict(),
            charity: dict(),
            vat: dict(),
            service: dict(),
            line: Vec::with_capacity(CHUNK_ROWS),
        }
    }

    /// Appends a financial year (a handful per file: no hashing per row).
    fn year(&mut self, fy: FinancialYear, names: &mut BTreeMap<FinancialYear, String>) {
        if let Some(&(_, k)) = self.fy_keys.iter().find(|(y, _)| *y == fy) {
            self.fy.append_key(k);
        } else {
            let name = names.entry(fy).or_insert_with(|| fy.to_string());
            let (k, _) = self.fy.append(name);
            self.fy_keys.push((fy, k));
        }
    }

    /// Appends a supplier name and returns whether it is a redaction.
    fn supplier(&mut self, name: &str, known: &mut RedactedNames) -> bool {
        let (k, new) = self.supplier.append(name);
        if new {
            let r = match known.get(name) {
                Some(&r) => r,
                None => {
                    let r = is_redacted(name);
                    known.insert(name.into(), r);
                    r
                }
            };
            self.supplier_redacted.push(r);
        }
        let r = self.supplier_redacted[k];
        self.redacted.append_value(r);
        r
    }

    pub(crate) fn len(&self) -> usize {
        self.date.len()
    }

    /// Bytes held by the chunk's dictionaries.
    fn dict_bytes(&self) -> usize {
        [
            &self.supplier,
            &self.supplier_id,
            &self.company,
            &self.charity,
            &self.vat,
            &self.service,
        ]
        .iter()
        .map(|d| d.value_bytes())
        .sum()
    }

    pub(crate) fn finish(&mut self) -> RecordBatch {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Date32Array::from(std::mem::take(&mut self.date))),
            Arc::new(self.fy.finish()),
            Arc::new(Int64Array::from(std::mem::take(&mut self.pence))),
            Arc::new(self.supplier.finish()),
            Arc::new(self.redacted.finish()),
            Arc::new(self.supplier_id.finish()),
            Arc::new(self.company.finish()),
            Arc::new(self.charity.finish()),
            Arc::new(self.vat.finish()),
            Arc::new(self.service.finish()),
            Arc::new(Int32Array::from(std::mem::take(&mut self.line))),
        ];
        self.supplier_redacted.clear();
        self.fy_keys.clear();
        self.date.reserve(CHUNK_ROWS);
        self.pence.reserve(CHUNK_ROWS);
        self.line.reserve(CHUNK_ROWS);
        RecordBatch::try_new(payments_schema(), cols).expect("columns match the payments schema")
    }
}

/// `str::trim`, quicker for the usual field that starts and ends in ASCII:
/// only a field that then starts or ends with another character (a
/// no-break space from a spreadsheet, say) takes the Unicode path.
fn trim(s: &str) -> &str {
    let t = s.trim_ascii();
    match (t.as_bytes().first(), t.as_bytes().last()) {
        // U+000B is white space to `str::trim`, not to `trim_ascii`.
        (Some(&a), Some(&z)) if !a.is_ascii() || !z.is_ascii() || a == 0x0B || z == 0x0B => {
            t.trim()
        }
        _ => t,
    }
}

fn opt(b: &mut DictBuilder, v: Option<&str>) {
    match v.map(trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            b.append(s);
        }
        None => b.append_null(),
    }
}

/// A quick hash for the parser's own maps (FxHash's multiply-rotate).
#[derive(Default)]
pub(crate) struct QuickHasher(u64);

impl std::hash::Hasher for QuickHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// `is_redacted` of each distinct supplier name a parser has seen (names
/// repeat: a ledger has far fewer suppliers than payments).
type RedactedNames = HashMap<Box<str>, bool, std::hash::BuildHasherDefault<QuickHasher>>;

/// Turns cells into payments, enforcing every rule. Shared by CSV and XLSX.
pub(crate) struct RowParser {
    source: String,
    cols: Columns,
    opts_blank: BlankAmount,
    pub(crate) summary: ParseSummary,
    chunk: ChunkBuilder,
    last_date: (String, i32, FinancialYear),
    fy_names: BTreeMap<FinancialYear, String>,
    redacted_names: RedactedNames,
}

impl RowParser {
    pub(crate) fn new(source: &str, cols: Columns, opts: &ImportOptions) -> Self {
        let summary = ParseSummary {
            source: source.to_string(),
            columns: cols.choices(),
            blank_amount: opts.blank_amount,
            ..ParseSummary::default()
        };
        RowParser {
            source: source.to_string(),
            cols,
            opts_blank: opts.blank_amount,
            summary,
            chunk: ChunkBuilder::new(),
            last_date: (String::new(), 0, FinancialYear::starting(0)),
            fy_names: BTreeMap::new(),
            redacted_names: RedactedNames::default(),
        }
    }

    fn bad(&self, line: u64, col: usize, value: &str, reason: impl Into<String>) -> Error {
        Error::Value {
            source_name: self.source.clone(),
            line,
            column: self.cols.describe(col),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Adds one data line. `cell(i)` returns the text of column `i` (empty
    /// if the line is short). Returns a finished chunk when one is full.
    pub(crate) fn push<'a>(
        &mut self,
        line: u64,
        cell: impl Fn(usize) -> &'a str,
    ) -> Result<Option<RecordBatch>> {
        self.summary.lines += 1;
        let ci = |f: Field| self.cols.get(f).expect("required field resolved");
        let (date_col, amount_col, supplier_col) =
            (ci(Field::Date), ci(Field::Amount), ci(Field::Supplier));
        let amount_text = trim(cell(amount_col));
        let pence = if amount_text.is_empty() {
            self.summary.blank_amount_lines += 1;
            match self.opts_blank {
                BlankAmount::Error => {
                    return Err(self.bad(
                        line,
                        amount_col,
                        amount_text,
                        "the amount is empty; choose --blank-amount skip (leave such lines out, counted) or zero (import them as £0.00)",
                    ));
                }
                BlankAmount::Skip => return Ok(None),
                BlankAmount::Zero => 0,
            }
        } else {
            parse_pence(amount_text).map_err(|r| {
                self.bad(
                    line,
                    amount_col,
                    amount_text,
                    format!("not an amount of money: {r}"),
                )
            })?
        };
        let date_text = trim(cell(date_col));
        let (days, fy) = if date_text == self.last_date.0 {
            (self.last_date.1, self.last_date.2)
        } else {
            let d = parse_date(date_text).map_err(|r| self.bad(line, date_col, date_text, r))?;
            let v = (days_since_epoch(d), FinancialYear::containing(d));
            self.last_date = (date_text.to_string(), v.0, v.1);
            v
        };
        let supplier = trim(cell(supplier_col));
        if supplier.is_empty() {
            return Err(self.bad(line, supplier_col, supplier, "the supplier name is empty"));
        }
        let redacted = self.chunk.supplier(supplier, &mut self.redacted_names);
        let s = &mut self.summary;
        s.rows += 1;
        s.redacted_rows += u64::from(redacted);
        s.credit_notes += u64::from(pence < 0);
        s.total_pence = s
            .total_pence
            .checked_add(pence)
            .ok_or_else(|| Error::Value {
                source_name: self.source.clone(),
                line,
                column: self.cols.describe(amount_col),
                value: amount_text.to_string(),
                reason: "the file's total overflows".into(),
            })?;
        let y = s.years.entry(fy).or_default();
        y.rows += 1;
        // A year's total can overflow while the file's stays in range (its
        // credit notes fall in another year).
        y.pence = y.pence.checked_add(pence).ok_or_else(|| Error::Value {
            source_name: self.source.clone(),
            line,
            column: self.cols.describe(amount_col),
            value: amount_text.to_string(),
            reason: format!("the total of {fy} overflows"),
        })?;

        let c = &mut self.chunk;
        c.date.push(days);
        c.year(fy, &mut self.fy_names);
        c.pence.push(pence);
        let get = |f: Field| self.cols.get(f).map(&cell);
        opt(&mut c.supplier_id, get(Field::SupplierId));
        opt(&mut c.company, get(Field::CompanyNumber));
        opt(&mut c.charity, get(Field::CharityNumber));
        opt(&mut c.vat, get(Field::VatNumber));
        opt(&mut c.service, get(Field::Service));
        c.line.push(i32::try_from(line).unwrap_or(i32::MAX));
        if c.len() >= CHUNK_ROWS || c.dict_bytes() >= CHUNK_DICT_BYTES {
            Ok(Some(c.finish()))
        } else {
            Ok(None)
        }
    }

    /// Adds one CSV record (see [`RowParser::push`]).
    pub(crate) fn push_record(
        &mut self,
        line: u64,
        r: &csv::ByteRecord,
    ) -> Result<Option<RecordBatch>> {
        // Valid UTF-8 (nearly every line) is read in place; anything else is
        // decoded as Latin-1 into owned strings.
        if let Ok(text) = std::str::from_utf8(r.as_slice()) {
            // Fields end at ASCII delimiters, so their ranges are on
            // character boundaries: no second check per field.
            self.push(line, |i| {
                r.range(i).and_then(|range| text.get(range)).unwrap_or("")
            })
        } else {
            let owned: Vec<String> = r.iter().map(|b| field_text(b).into_owned()).collect();
            self.push(line, |i| owned.get(i).map(String::as_str).unwrap_or(""))
        }
    }

    /// Refuses a record with a line end inside a field unless every such
    /// field is free text (the supplier, the service, or a column socval
    /// does not read) and the record has the header's number of fields: a
    /// quote left open otherwise swallows the lines after it. Needed only
    /// for records that may span lines (callers check that first: the
    /// csv crate's line count moved by other than one).
    pub(crate) fn check_spanning(&self, line: u64, r: &csv::ByteRecord) -> Result<()> {
        if !r.iter().any(spans_lines) {
            return Ok(());
        }
        if r.len() != self.cols.headers.len() {
            return Err(fields_spanned(
                &self.source,
                line,
                r.len(),
                self.cols.headers.len(),
            ));
        }
        let structured = [
            Field::Date,
            Field::Amount,
            Field::SupplierId,
            Field::CompanyNumber,
            Field::CharityNumber,
            Field::VatNumber,
        ];
        for (i, f) in r.iter().enumerate().filter(|(_, f)| spans_lines(f)) {
            if structured.iter().any(|&s| self.cols.get(s) == Some(i)) {
                return Err(self.bad(line, i, &field_text(f), SPANNED_VALUE));
            }
        }
        Ok(())
    }

    /// Refuses the file's last record if its last field runs over several
    /// lines and its quote never closes (it ran to the end of the file).
    /// `tail_quotes`: the `"` at the end of the file, line ends aside
    /// ([`socval_core::line::LineReader::tail_quotes`]).
    pub(crate) fn check_last(
        &self,
        line: u64,
        r: &csv::ByteRecord,
        tail_quotes: u64,
    ) -> Result<()> {
        let spans = r.iter().next_back().is_some_and(spans_lines);
        check_closed(&self.source, line, spans, tail_quotes)
    }

    /// The last, partly filled chunk, if any.
    pub(crate) fn finish(&mut self) -> Option<RecordBatch> {
        (self.chunk.len() > 0).then(|| self.chunk.finish())
    }
}

/// Why a value that is not free text may not run over several lines.
pub(crate) const SPANNED_VALUE: &str = "a line end inside quotes: only free text (a name, the service, a reason, columns socval does not read) may run over several lines; check the quotes on this line";

/// A record that ran over several lines and so has the wrong number of
/// fields: a quote left open (or one too many) took in the lines after it.
pub(crate) fn fields_spanned(source: &str, line: u64, got: usize, want: usize) -> Error {
    Error::Csv {
        source_name: source.to_string(),
        line,
        reason: format!(
            "a quoted field opens on this line and runs over several lines, leaving {got} fields where the header has {want}; a quote is probably missing or extra: check the quotes on this line"
        ),
    }
}

/// Refuses a file's last record, starting on `line`, whose last field runs
/// over several lines (`spans`) and never closes: it ran to the end of the
/// file. `tail_quotes`: the `"` at the end of the file, line ends aside.
pub(crate) fn check_closed(source: &str, line: u64, spans: bool, tail_quotes: u64) -> Result<()> {
    if spans && tail_quotes.is_multiple_of(2) {
        return Err(Error::Csv {
            source_name: source.to_string(),
            line,
            reason: "a quoted field opens on this line and never closes: it runs to the end of the file, taking every line after it; check the quotes on this line".into(),
        });
    }
    Ok(())
}

/// True if a field holds a line end (it was quoted over several lines).
pub(crate) fn spans_lines(field: &[u8]) -> bool {
    field.iter().any(|&b| b == b'\n' || b == b'\r')
}

/// The `"` at the end of `bytes`, line ends at the very end aside (see
/// [`socval_core::line::LineReader::tail_quotes`]).
pub(crate) fn tail_quotes(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .skip_while(|&&b| b == b'\n' || b == b'\r')
        .take_while(|&&b| b == b'"')
        .count() as u64
}

/// Text of a field: UTF-8, or else Windows-1252/Latin-1 (older council
/// exports write `£` as the single byte 0xA3).
pub(crate) fn field_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => std::borrow::Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// Parses a CSV payments file, calling `sink` with each finished chunk.
///
/// Returns an error, and stops, at the first line that cannot be imported.
pub fn parse_csv(
    source: &str,
    reader: impl Read,
    opts: &ImportOptions,
    mut sink: impl FnMut(RecordBatch) -> Result<()>,
) -> Result<ParseSummary> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(LineReader::new(reader));
    let csv_err = |e: csv::Error| {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        Error::Csv {
            source_name: source.to_string(),
            line,
            reason: e.to_string(),
        }
    };
    let mut rec = csv::ByteRecord::new();
    if !rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        return Err(Error::Csv {
            source_name: source.to_string(),
            line: 1,
            reason: "the file is empty (no header row)".into(),
        });
    }
    let headers: Vec<String> = rec
        .iter()
        .map(|h| field_text(h).trim().to_string())
        .collect();
    let cols = Columns::resolve(source, &headers, opts)?;
    let mut p = RowParser::new(source, cols, opts);
    // The record read and the one before (the file's last, at the end).
    let (mut r, mut last) = (csv::ByteRecord::new(), csv::ByteRecord::new());
    let mut last_line = 0;
    while rdr.read_byte_record(&mut r).map_err(csv_err)? {
        let (start, byte) = r.position().map_or((0, 0), |p| (p.line(), p.byte()));
        let line = rdr.get_mut().record_line(byte);
        // The csv crate counts line feeds: one per record, unless a field
        // holds some (or blank lines came before, or lines end in CR).
        if rdr.position().line() != start + 1 {
            p.check_spanning(line, &r)?;
        }
        if let Some(batch) = p.push_record(line, &r)? {
            sink(batch)?;
        }
        std::mem::swap(&mut r, &mut last);
        last_line = line;
    }
    p.check_last(last_line, &last, rdr.get_ref().tail_quotes())?;
    if let Some(batch) = p.finish() {
        sink(batch)?;
    }
    Ok(p.summary)
}

/// Reads the header record at the start of `bytes` (a prefix of a CSV
/// file). Returns the headers, the byte offset just past the header record
/// and the number of lines it spans, or `None` if `bytes` holds no complete
/// header record (no line end after it yet).
pub(crate) fn csv_header(source: &str, bytes: &[u8]) -> Result<Option<(Vec<String>, usize, u64)>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let found = rdr.read_byte_record(&mut rec).map_err(|e| Error::Csv {
        source_name: source.to_string(),
        line: e.position().map(|p| p.line()).unwrap_or(0),
        reason: e.to_string(),
    })?;
    let end = rdr.position().byte() as usize;
    if !found || end == 0 || !matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
        return Ok(None);
    }
    // A header ending in a lone CR: the LF after it belongs to it too.
    let end = if bytes[end - 1] == b'\r' {
        match bytes.get(end) {
            Some(b'\n') => end + 1,
            Some(_) => end,
            None => return Ok(None),
        }
    } else {
        end
    };
    let headers = rec
        .iter()
        .map(|h| field_text(h).trim().to_string())
        .collect();
    let lines = bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64;
    Ok(Some((headers, end, lines)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_in_published_spellings() {
        let cases = [
            ("2019-04-01", date!(2019 - 04 - 01)),
            ("2019-04-01T00:00:00", date!(2019 - 04 - 01)),
            ("2019-04-01 00:00:00", date!(2019 - 04 - 01)),
            ("01/04/2019", date!(2019 - 04 - 01)),
            ("1/4/2019", date!(2019 - 04 - 01)),
            ("31-03-2020", date!(2020 - 03 - 31)),
            ("31.03.2020", date!(2020 - 03 - 31)),
            ("01/04/19", date!(2019 - 04 - 01)),
            ("01-Apr-2019", date!(2019 - 04 - 01)),
            ("1 April 2019", date!(2019 - 04 - 01)),
            ("29/02/2020", date!(2020 - 02 - 29)),
        ];
        for (t, want) in cases {
            assert_eq!(parse_date(t), Ok(want), "{t}");
        }
        for t in [
            "",
            "2019-13-01",
            "31/04/2019",
            "29/02/2019",
            "04/2019",
            "yesterday",
            "2019-04-01x",
            "1/Foo/2019",
        ] {
            assert!(parse_date(t).is_err(), "{t:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn trim_is_str_trim(s in "[ \t\r\n\u{0B}\u{0C}\u{A0}\u{3000}a£,]{0,8}") {
            proptest::prop_assert_eq!(trim(&s), s.trim());
        }
    }

    #[test]
    fn amounts_to_exact_pence() {
        let cases = [
            ("100991.89", 10_099_189),
            ("480", 48_000),
            ("387.8", 38_780),
            ("-3304.00", -330_400),
            ("£1,234.56", 123_456),
            ("(5.00)", -500),
            (" 12 ", 1200),
            ("0.01", 1),
        ];
        for (t, want) in cases {
            assert_eq!(parse_pence(t), Ok(want), "{t}");
        }
        for t in ["1.234", "abc", "1,23", "1.", "--1", "£"] {
            assert!(parse_pence(t).is_err(), "{t:?}");
        }
    }

    #[test]
    fn amounts_past_the_limit_are_refused_on_the_fast_path_too() {
        assert_eq!(parse_pence("999999999999.99"), Ok(99_999_999_999_999));
        assert_eq!(parse_pence("1000000000000"), Ok(100_000_000_000_000));
        assert_eq!(parse_pence("-1000000000000.00"), Ok(-100_000_000_000_000));
        for t in ["1000000000000.01", "999999999999999", "-999999999999999.99"] {
            let e = parse_pence(t).unwrap_err();
            assert!(e.contains("more than £1,000,000,000,000"), "{t}: {e}");
        }
    }

    #[test]
    fn headers_match_by_alias_and_map() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let opts = ImportOptions::default();
        let c = Columns::resolve(
            "f",
            &h(&[
                "\u{feff}Payment Date",
                "Amount",
                "Organisational Unit",
                "Beneficiary Name",
            ]),
            &opts,
        )
        .unwrap();
        assert_eq!(c.get(Field::Date), Some(0));
        assert_eq!(c.get(Field::Service), Some(2));
        assert_eq!(c.get(Field::Supplier), Some(3));
        // Duplicate names: the first wins unless mapped with #n.
        let hs = h(&["Date", "Amount", "Supplier Name", "Amount"]);
        assert_eq!(
            Columns::resolve("f", &hs, &opts)
                .unwrap()
                .get(Field::Amount),
            Some(1)
        );
        let mapped = ImportOptions {
            map: vec![ImportOptions::parse_map("amount=Amount#2").unwrap()],
            ..opts.clone()
        };
        assert_eq!(
            Columns::resolve("f", &hs, &mapped)
                .unwrap()
                .get(Field::Amount),
            Some(3)
        );
        // Preference: "Payment Date" over "Date" wherever they are.
        let hs = h(&["Date", "Payment Date", "Amount", "Supplier"]);
        assert_eq!(
            Columns::resolve("f", &hs, &opts).unwrap().get(Field::Date),
            Some(1)
        );
        let e = Columns::resolve("f.csv", &h(&["When", "Amount", "Supplier"]), &opts).unwrap_err();
        assert!(e.to_string().contains("no column for date"), "{e}");
        assert!(e.to_string().contains("\"When\""), "{e}");
        let m = ImportOptions {
            map: vec![(Field::Date, "When".into())],
            ..opts
        };
        assert!(Columns::resolve("f", &h(&["When", "Amount", "Supplier"]), &m).is_ok());
        assert!(ImportOptions::parse_map("colour=Red").is_err());
    }

    fn parse(text: &str, blank: BlankAmount) -> Result<(ParseSummary, Vec<RecordBatch>)> {
        let mut out = Vec::new();
        let opts = ImportOptions {
            blank_amount: blank,
            ..Default::default()
        };
        let s = parse_csv("t.csv", text.as_bytes(), &opts, |b| {
            out.push(b);
            Ok(())
        })?;
        Ok((s, out))
    }

    #[test]
    fn a_years_total_that_overflows_is_an_error() {
        // £10¹² a line in 2019/20 and as much back in 2020/21: the file's
        // total stays at most £10¹², 2019/20's passes i64::MAX pence.
        let mut text = String::from("date,amount,supplier\n");
        for _ in 0..92_234 {
            text.push_str("2019-04-01,1000000000000,A\n2020-04-01,-1000000000000,A\n");
        }
        let e = parse(&text, BlankAmount::Error).unwrap_err().to_string();
        assert!(
            e.contains("line 184468") && e.contains("2019/20 overflows"),
            "{e}"
        );
    }

    #[test]
    fn csv_with_bom_quotes_credit_notes_and_redactions() {
        let text = "\u{feff}Date,Amount,Supplier Name,Service\n\
            01/04/2019,\"£1,000.50\",ACME LTD,\"PLACE, ROADS\"\n\
            2020-03-31,-20,REDACTED PERSONAL DATS,PEOPLE\n\
            31/03/2019,5,Old Year Ltd,\n";
        let (s, b) = parse(text, BlankAmount::Error).unwrap();
        assert_eq!(
            (s.lines, s.rows, s.redacted_rows, s.credit_notes),
            (3, 3, 1, 1)
        );
        assert_eq!(s.total_pence, 100_050 - 2000 + 500);
        assert_eq!(
            s.years[&FinancialYear::starting(2019)],
            YearTotal {
                rows: 2,
                pence: 98_050
            }
        );
        assert_eq!(s.years[&FinancialYear::starting(2018)].pence, 500);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].num_rows(), 3);
    }

    #[test]
    fn blank_amounts_follow_the_policy() {
        let text = "Date,Amount,Supplier\n2019-08-01,10,A\n2019-08-02,,B\n2019-08-03,1.5,C\n";
        let e = parse(text, BlankAmount::Error).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("t.csv, line 3, column B (Amount)"), "{msg}");
        assert!(msg.contains("--blank-amount"), "{msg}");
        let (s, _) = parse(text, BlankAmount::Skip).unwrap();
        assert_eq!(
            (s.lines, s.rows, s.blank_amount_lines, s.total_pence),
            (3, 2, 1, 1150)
        );
        let (s, _) = parse(text, BlankAmount::Zero).unwrap();
        assert_eq!(
            (s.lines, s.rows, s.blank_amount_lines, s.total_pence),
            (3, 3, 1, 1150)
        );
    }

    #[test]
    fn a_bad_line_names_file_line_column_value_and_reason() {
        let text = "Date,Amount,Supplier\n2019-08-01,10,A\n2019-08-01,12.345,B\n";
        let msg = parse(text, BlankAmount::Error).unwrap_err().to_string();
        assert!(
            msg.starts_with("t.csv, line 3, column B (Amount): \"12.345\":"),
            "{msg}"
        );
        let text = "Date,Amount,Supplier\n31/02/2019,10,A\n";
        let msg = parse(text, BlankAmount::Error).unwrap_err().to_string();
        assert!(
            msg.contains("line 2, column A (Date): \"31/02/2019\": there is no such day"),
            "{msg}"
        );
    }

    #[test]
    fn errors_name_the_line_in_crlf_files_and_after_blank_lines() {
        for (text, line) in [
            (
                "Date,Amount,Supplier\r\n2019-01-01,1,A\r\n2019-01-01,x,C\r\n",
                3,
            ),
            (
                "Date,Amount,Supplier\n2019-01-01,1,A\n\n\n2019-01-01,x,C\n",
                5,
            ),
            (
                "Date,Amount,Supplier\r\n\r\n2019-01-01,1,\"A\r\nB\"\r\n\r\n2019-01-01,x,C",
                6,
            ),
        ] {
            let msg = parse(text, BlankAmount::Error).unwrap_err().to_string();
            assert!(
                msg.starts_with(&format!("t.csv, line {line}, column B")),
                "{msg}"
            );
        }
    }

    #[test]
    fn old_mac_line_ends_name_the_right_line() {
        let text = "Date,Amount,Supplier\r2019-01-01,1,A\r\r2019-01-01,x,C\r";
        let msg = parse(text, BlankAmount::Error).unwrap_err().to_string();
        assert!(msg.starts_with("t.csv, line 4, column B"), "{msg}");
    }

    /// A quote left open swallowed the next payment into a supplier name
    /// (issue 12, item 7). A field may run over several lines only if it is
    /// free text, its record has the header's number of fields, and its
    /// quote closes.
    #[test]
    fn a_quoted_field_over_several_lines_must_be_free_text_that_closes() {
        // What the review sent.
        let text = "Payment Date,Amount,Supplier Name\n01/05/2025,1.00,\"A\n01/05/2025,1.00,B\n";
        let msg = parse(text, BlankAmount::Error).unwrap_err().to_string();
        assert!(
            msg.starts_with("t.csv, line 2: a quoted field opens on this line and never closes"),
            "{msg}"
        );
        let head = "Payment Date,Amount,Supplier Name,Service\n";
        for (body, want) in [
            (
                "01/05/2025,1.00,\"A,x\n01/05/2025,1.00,B,x\n",
                "t.csv, line 2: a quoted field opens on this line and runs over several lines, leaving 3 fields where the header has 4",
            ),
            (
                "01/05/2025,1.00,B,x\r\n01/05/2025,1.00,B,\"A\r\n01/05/2025,1.00,B,x",
                "t.csv, line 3: a quoted field opens on this line and never closes",
            ),
            (
                "01/05/2025,1.00,\"A,x\n01/05/2025,\"2.00\",B,x\n",
                "t.csv, line 2: a quoted field opens on this line and runs over several lines, leaving 5 fields where the header has 4",
            ),
            (
                "01/05/2025,\"1.00\n\",A,x\n",
                "t.csv, line 2, column B (Amount): \"1.00\\n\": a line end inside quotes",
            ),
        ] {
            let text = format!("{head}{body}");
            let msg = parse(&text, BlankAmount::Error).unwrap_err().to_string();
            assert!(msg.starts_with(want), "{body:?}: {msg}");
        }
        // Free text over several lines, closed, is a name like any other.
        let text = format!(
            "{head}01/05/2025,1.00,\"A\nB Ltd\",\"Roads\r\nand bridges\"\n01/05/2025,2.00,C,x"
        );
        let (s, _) = parse(&text, BlankAmount::Error).unwrap();
        assert_eq!((s.rows, s.total_pence), (2, 300));
        let text = format!("{head}01/05/2025,1.00,C,\"x\ny\"\"\"");
        assert_eq!(parse(&text, BlankAmount::Error).unwrap().0.rows, 1);
    }

    #[test]
    fn latin1_pound_signs_are_read() {
        let mut bytes = b"Date,Amount,Supplier\n2019-08-01,".to_vec();
        bytes.push(0xA3);
        bytes.extend_from_slice(b"10.00,Caf\xe9 Ltd\n");
        let opts = ImportOptions::default();
        let s = parse_csv("t.csv", &bytes[..], &opts, |_| Ok(())).unwrap();
        assert_eq!(s.total_pence, 1000);
    }
}
