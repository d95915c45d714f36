//! Rows to payments: the rules each line must meet, and the columnar
//! chunks (Arrow arrays) its values are gathered into for the writer.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::builder::BooleanBuilder;
use arrow_array::{ArrayRef, Date32Array, Int32Array, Int64Array, RecordBatch};
use socval_core::FinancialYear;

use crate::dict::DictBuilder;
use crate::error::{Error, Result};
use crate::name::is_redacted;
use crate::schema::payments_schema;

use super::record::{SPANNED_VALUE, check_closed, field_text, fields_spanned, spans_lines};
use super::value::{days_since_epoch, parse_date, parse_pence};
use super::{BlankAmount, Columns, Field, ImportOptions, ParseSummary};

/// Rows per chunk handed to the writer.
pub(crate) const CHUNK_ROWS: usize = 64 * 1024;
/// A chunk also ends once its dictionaries hold this many bytes (a file
/// whose free text differs on every line), far below the 2 GiB a
/// dictionary's offsets can address.
const CHUNK_DICT_BYTES: usize = 256 << 20;

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
pub(super) fn trim(s: &str) -> &str {
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
