//! Payments from spreadsheets (XLSX, XLSM, XLSB, XLS, ODS), read within
//! limits.
//!
//! A workbook is a zip of XML, and XML compresses a thousand to one: a
//! 584 KB upload held a row of 20 million cells, 300 MB of XML, and reading
//! it whole took 5 GB. So before calamine opens a zip, the parts' sizes
//! are added up against
//! [`MAX_SHEET_XML_BYTES`](socval_core::limits::MAX_SHEET_XML_BYTES) for
//! the whole workbook. A declared size can lie; the zip reader refuses to
//! unpack more than it, and every part calamine reads whole (shared
//! strings, styles, an ODS file's content) is unpacked once here into
//! nothing, counting what really comes out. The parts that calamine sizes
//! memory by are read on the way: the shared-string count it reserves
//! room for, and an ODS sheet's repeated rows and columns, which it
//! expands.
//!
//! XLSX and XLSB sheets are then read a cell at a time (calamine's cell
//! readers), a row at a time to the [`RowParser`], and refused at the first
//! row wider than [`MAX_SHEET_COLUMNS`](socval_core::limits::MAX_SHEET_COLUMNS)
//! or cell past [`MAX_SHEET_CELLS`](socval_core::limits::MAX_SHEET_CELLS):
//! memory is one row, whatever the sheet. ODS and XLS sheets are read whole
//! by calamine, within the limits checked before (an XLS file is not a
//! zip: see `xls`).

use std::io::{BufRead, BufReader, Cursor, Read};

use arrow_array::RecordBatch;
use calamine::{Cell, Data, DataRef, Reader, Sheets};
use quick_xml::events::{BytesStart, Event};
use time::{Date, Month};

use crate::error::{Error, Result, column_letter};
use crate::ledger::{Columns, ImportOptions, ParseSummary, RowParser};

mod xls;

/// The header row is looked for in this many rows from the first with a
/// value.
const HEADER_ROWS: u32 = 30;

/// What a spreadsheet may hold. The real values are in
/// `socval_core::limits`; tests use small ones.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Bytes the whole workbook may unpack to.
    pub(crate) xml_bytes: u64,
    /// Cells in one sheet (in an ODS file, in all its sheets).
    pub(crate) cells: u64,
    /// Columns in one row.
    pub(crate) columns: u32,
}

impl Limits {
    pub(crate) const DEFAULT: Limits = Limits {
        xml_bytes: socval_core::limits::MAX_SHEET_XML_BYTES,
        cells: socval_core::limits::MAX_SHEET_CELLS,
        columns: socval_core::limits::MAX_SHEET_COLUMNS,
    };
}

/// What to do about a spreadsheet past a limit, at the end of each message.
const FIX: &str = "save the sheet as CSV and import that";

use socval_core::group_digits as grouped;

/// Parses the first sheet (or `opts.sheet`) of an XLSX/XLSM/XLSB/XLS/ODS
/// workbook.
///
/// The header row is the first row, among the 30 from the first with a
/// value, in which the date, amount and supplier columns are recognised
/// (title rows above it are skipped). Cell dates are read as dates; numbers
/// as exact decimals. Line numbers are the sheet's row numbers and column
/// letters the sheet's own.
///
/// Returns an error naming the file before reading it if it unpacks to more
/// than `MAX_SHEET_XML_BYTES`, and naming the sheet and row at the first row
/// wider than `MAX_SHEET_COLUMNS` or cell past `MAX_SHEET_CELLS` (see
/// `socval_core::limits`).
pub fn parse_spreadsheet(
    source: &str,
    bytes: Vec<u8>,
    opts: &ImportOptions,
    sink: impl FnMut(RecordBatch) -> Result<()>,
) -> Result<ParseSummary> {
    parse_within(source, &bytes, opts, Limits::DEFAULT, sink)
}

pub(crate) fn parse_within(
    source: &str,
    bytes: &[u8],
    opts: &ImportOptions,
    limits: Limits,
    mut sink: impl FnMut(RecordBatch) -> Result<()>,
) -> Result<ParseSummary> {
    let err = |reason: String| Error::Spreadsheet {
        source_name: source.to_string(),
        reason,
    };
    check_zip(bytes, limits).map_err(err)?;
    xls::check(bytes, limits).map_err(err)?;
    // A slice, not the bytes: calamine clones its reader for every format it
    // tries.
    let mut wb =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| err(e.to_string()))?;
    let names = wb.sheet_names();
    let wanted: Vec<String> = match &opts.sheet {
        Some(s) if names.contains(s) => vec![s.clone()],
        Some(s) => {
            return Err(err(format!(
                "no sheet named {s:?} (sheets: {})",
                names.join(", ")
            )));
        }
        None => names.clone(),
    };
    let only = wanted.len() == 1;
    for name in &wanted {
        let sheet = SheetSource {
            source,
            sheet: name,
            limits,
        };
        let found = match &mut wb {
            Sheets::Xlsx(x) => match x.worksheet_cells_reader(name) {
                Ok(mut cells) => sheet.read(
                    || {
                        cells
                            .next_cell()
                            .map(|c| c.map(owned))
                            .map_err(|e| e.to_string())
                    },
                    opts,
                    only,
                    &mut sink,
                )?,
                // A chart sheet has no cells.
                Err(calamine::XlsxError::NotAWorksheet(_)) => {
                    sheet.read(|| Ok(None), opts, only, &mut sink)?
                }
                Err(e) => return Err(err(format!("sheet {name:?}: {e}"))),
            },
            Sheets::Xlsb(x) => {
                let mut cells = x
                    .worksheet_cells_reader(name)
                    .map_err(|e| err(format!("sheet {name:?}: {e}")))?;
                sheet.read(
                    || {
                        cells
                            .next_cell()
                            .map(|c| c.map(owned))
                            .map_err(|e| e.to_string())
                    },
                    opts,
                    only,
                    &mut sink,
                )?
            }
            Sheets::Ods(o) => {
                let range = o
                    .worksheet_range(name)
                    .map_err(|e| err(format!("sheet {name:?}: {e}")))?;
                sheet.read_range(&range, opts, only, &mut sink)?
            }
            Sheets::Xls(x) => {
                let range = x
                    .worksheet_range(name)
                    .map_err(|e| err(format!("sheet {name:?}: {e}")))?;
                sheet.read_range(&range, opts, only, &mut sink)?
            }
        };
        if let Some(summary) = found {
            return Ok(summary);
        }
    }
    Err(err(format!(
        "no sheet has a header row with date, amount and supplier columns (sheets: {})",
        names.join(", ")
    )))
}

/// One sheet being read, for messages and limits.
struct SheetSource<'s> {
    source: &'s str,
    sheet: &'s str,
    limits: Limits,
}

impl SheetSource<'_> {
    fn err(&self, reason: String) -> Error {
        Error::Spreadsheet {
            source_name: self.source.to_string(),
            reason: format!("sheet {:?}, {reason}", self.sheet),
        }
    }

    /// Reads a sheet calamine has read whole (ODS, XLS).
    fn read_range(
        &self,
        range: &calamine::Range<Data>,
        opts: &ImportOptions,
        only: bool,
        sink: &mut impl FnMut(RecordBatch) -> Result<()>,
    ) -> Result<Option<ParseSummary>> {
        let (top, left) = range.start().unwrap_or((0, 0));
        // Range positions are relative to its first cell.
        let mut used = range
            .used_cells()
            .map(|(r, c, v)| Cell::new((top + r as u32, left + c as u32), v.clone()));
        self.read(|| Ok(used.next()), opts, only, sink)
    }

    /// Reads the sheet whose cells `next` gives in order, row by row.
    /// Returns `None` if it has no header row (and is not the only sheet
    /// to look at).
    fn read(
        &self,
        next: impl FnMut() -> Result<Option<Cell<Data>>, String>,
        opts: &ImportOptions,
        only: bool,
        sink: &mut impl FnMut(RecordBatch) -> Result<()>,
    ) -> Result<Option<ParseSummary>> {
        let mut rows = Rows {
            at: self,
            next,
            pending: None,
            cells: 0,
            done: false,
        };
        let mut head: Vec<(u32, Vec<String>)> = Vec::new();
        let mut after_head = None;
        while let Some((r, texts)) = rows.next_row()? {
            if head.first().is_some_and(|(top, _)| r >= top + HEADER_ROWS) {
                after_head = Some((r, texts));
                break;
            }
            head.push((r, texts));
        }
        let Some(h) = head
            .iter()
            .position(|(_, r)| Columns::looks_like_header(r, opts))
        else {
            if only {
                let first = head.first().map(|(_, r)| r.clone()).unwrap_or_default();
                Columns::resolve(self.source, &first, opts)?;
            }
            return Ok(None);
        };
        let headers: Vec<String> = head[h].1.iter().map(|t| t.trim().to_string()).collect();
        let cols = Columns::resolve(self.source, &headers, opts)?;
        let mut p = RowParser::new(self.source, cols, opts);
        let mut push = |r: u32, texts: &[String]| -> Result<()> {
            if texts.iter().all(|t| t.trim().is_empty()) {
                return Ok(());
            }
            let line = u64::from(r) + 1;
            if let Some(b) = p.push(line, |i| texts.get(i).map(String::as_str).unwrap_or(""))? {
                sink(b)?;
            }
            Ok(())
        };
        for (r, texts) in head.drain(h + 1..) {
            push(r, &texts)?;
        }
        if let Some((r, texts)) = after_head {
            push(r, &texts)?;
        }
        while let Some((r, texts)) = rows.next_row()? {
            push(r, &texts)?;
        }
        if let Some(b) = p.finish() {
            sink(b)?;
        }
        Ok(Some(p.summary))
    }
}

/// A sheet's cells gathered into rows.
struct Rows<'s, F> {
    at: &'s SheetSource<'s>,
    next: F,
    /// The first cell of the next row, read with the row before.
    pending: Option<Cell<Data>>,
    /// Cells read so far.
    cells: u64,
    /// The last cell has been read.
    done: bool,
}

impl<F> Rows<'_, F>
where
    F: FnMut() -> Result<Option<Cell<Data>>, String>,
{
    fn next_cell(&mut self) -> Result<Option<Cell<Data>>> {
        if let Some(c) = self.pending.take() {
            return Ok(Some(c));
        }
        if self.done {
            return Ok(None);
        }
        let cell = (self.next)().map_err(|e| Error::Spreadsheet {
            source_name: self.at.source.to_string(),
            reason: format!("sheet {:?}: {e}", self.at.sheet),
        })?;
        let Some(cell) = cell else {
            self.done = true;
            return Ok(None);
        };
        self.cells += 1;
        let limit = self.at.limits.cells;
        if self.cells > limit {
            return Err(self.at.err(format!(
                "row {}: the sheet has more than {} cells, the most socval reads from a spreadsheet; {FIX}",
                cell.get_position().0 + 1,
                grouped(limit),
            )));
        }
        Ok(Some(cell))
    }

    /// The next row with a value: its 0-based index and the text of each
    /// cell by 0-based column (`A` is 0).
    fn next_row(&mut self) -> Result<Option<(u32, Vec<String>)>> {
        let columns = self.at.limits.columns;
        let too_wide = |row: u32| {
            self.at.err(format!(
                "row {} has more than {} columns, the most socval reads from a spreadsheet; delete the columns after {} or {FIX}",
                u64::from(row) + 1,
                grouped(u64::from(columns)),
                column_letter(columns as usize - 1),
            ))
        };
        loop {
            let Some(first) = self.next_cell()? else {
                return Ok(None);
            };
            let row = first.get_position().0;
            let mut texts: Vec<String> = Vec::new();
            let mut width = 0u32;
            let mut cell = Some(first);
            while let Some(c) = cell {
                let (r, col) = c.get_position();
                if r != row {
                    if r < row {
                        return Err(self.at.err(format!(
                            "row {} comes after row {}: socval reads the rows of a spreadsheet in order; {FIX}",
                            u64::from(r) + 1,
                            u64::from(row) + 1
                        )));
                    }
                    self.pending = Some(c);
                    break;
                }
                width += 1;
                let value = c.get_value();
                if width > columns || (col >= columns && *value != Data::Empty) {
                    return Err(too_wide(row));
                }
                let text = cell_text(value);
                if !text.is_empty() {
                    let i = col as usize;
                    if texts.len() <= i {
                        texts.resize(i + 1, String::new());
                    }
                    texts[i] = text;
                }
                cell = self.next_cell()?;
            }
            if !texts.is_empty() {
                return Ok(Some((row, texts)));
            }
        }
    }
}

/// A cell of calamine's cell readers, owning its value.
fn owned(c: Cell<DataRef<'_>>) -> Cell<Data> {
    Cell::new(c.get_position(), Data::from(c.get_value().clone()))
}

/// The text of a cell as the payments parser reads it.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // Rust prints the shortest text that reads back as the same
        // number, so 1234.56 stays "1234.56": no float arithmetic.
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            // Excel serial day numbers count from 1899-12-30.
            let days = dt.as_f64().floor() as i64;
            let base = Date::from_calendar_date(1899, Month::December, 30).expect("valid");
            base.checked_add(time::Duration::days(days))
                .map(|d| d.to_string())
                .unwrap_or_default()
        }
    }
}

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Unpacks every part of a zip (XLSX, XLSB, ODS) into nothing, counting the
/// bytes, before calamine reads it; reads the shared-string count and ODS
/// content on the way. Anything that is not a zip is left to calamine.
fn check_zip(bytes: &[u8], limits: Limits) -> Result<(), String> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Not a zip after all: calamine says what it is not.
        return Ok(());
    };
    let too_big = || {
        format!(
            "the workbook unpacks to more than {} MiB, the most socval reads from a spreadsheet; {FIX}",
            grouped(limits.xml_bytes >> 20)
        )
    };
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip
            .by_index(i)
            .map_err(|e| format!("part {} of the workbook cannot be unpacked: {e}", i + 1))?;
        let shown = part
            .name()
            .map_err(|e| format!("part {} of the workbook has no name: {e}", i + 1))?
            .into_owned();
        let name = shown.to_ascii_lowercase().replace('\\', "/");
        if part.size() > limits.xml_bytes - total {
            return Err(too_big());
        }
        // A worksheet is read a cell at a time, never whole: its declared
        // size is enough, as the zip reader refuses to unpack more than
        // that (a test holds it to that).
        if name.contains("worksheets/") {
            total += part.size();
            continue;
        }
        // One byte more than is left shows the limit is passed.
        let mut counted = Counted {
            inner: part.take(limits.xml_bytes - total + 1),
            bytes: 0,
        };
        let mut r = BufReader::with_capacity(64 << 10, &mut counted);
        let scanned = if name.ends_with("sharedstrings.xml") {
            check_shared_strings(&mut r, &shown, limits)
        } else if name == "content.xml" {
            check_ods(&mut r, &shown, limits)
        } else {
            Ok(())
        };
        let drained = std::io::copy(&mut r, &mut std::io::sink());
        drop(r);
        total += counted.bytes;
        if total > limits.xml_bytes {
            return Err(too_big());
        }
        scanned?;
        drained.map_err(|e| format!("{shown} cannot be unpacked: {e}"))?;
    }
    Ok(())
}

fn xml_error(part: &str, e: impl Into<quick_xml::Error>) -> String {
    match e.into() {
        quick_xml::Error::Io(e) => format!("{part} cannot be unpacked: {e}"),
        e => format!("{part} is not readable XML: {e}"),
    }
}

/// A number attribute of an XML element, `None` if absent.
fn number_attr(e: &BytesStart, name: &str, part: &str) -> Result<Option<u64>, String> {
    match e.try_get_attribute(name).map_err(|x| xml_error(part, x))? {
        None => Ok(None),
        Some(a) => a
            .value
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("{part}: {name}={:?} is not a number", a.value)),
    }
}

/// calamine reserves room for as many shared strings as the file says it
/// has; there cannot be more of them than cells.
fn check_shared_strings(r: &mut impl BufRead, part: &str, limits: Limits) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_reader(r);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                if e.local_name().as_ref() == "sst" {
                    // calamine ignores a count it cannot read.
                    let n = number_attr(&e, "uniqueCount", part)
                        .unwrap_or(None)
                        .unwrap_or(0);
                    if n > limits.cells {
                        return Err(format!(
                            "the workbook says it has {} different texts, more than the {} cells socval reads from a spreadsheet; {FIX}",
                            grouped(n),
                            grouped(limits.cells)
                        ));
                    }
                }
                return Ok(());
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(xml_error(part, e)),
        }
    }
}

/// calamine reads every sheet of an ODS file when it opens it, expanding
/// repeated rows and columns over the span of the cells with values. This
/// adds those spans up without expanding anything.
fn check_ods(r: &mut impl BufRead, part: &str, limits: Limits) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_reader(r);
    // As calamine reads it.
    let config = reader.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    let mut buf = Vec::new();
    let mut total: u64 = 0;
    let mut sheet = String::new();
    // Within a sheet: the next row's index, the rows with values, the
    // widest of them.
    let mut row: u64 = 0;
    let mut used_rows: Option<(u64, u64)> = None;
    let mut width: u64 = 0;
    // Within a row: its repeats, the next cell's column, the columns with
    // values.
    let mut repeats: u64 = 1;
    let mut col: u64 = 0;
    let mut row_width: u64 = 0;
    let too_wide = |sheet: &str, row: u64| {
        format!(
            "sheet {sheet:?}, row {} has more than {} columns, the most socval reads from a spreadsheet; delete the columns after {} or {FIX}",
            row + 1,
            grouped(u64::from(limits.columns)),
            column_letter(limits.columns as usize - 1),
        )
    };
    loop {
        buf.clear();
        let (e, empty) = match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(e)) => {
                match e.name().as_ref() {
                    "table:table-row" => {
                        if row_width > 0 {
                            let last = row.saturating_add(repeats - 1);
                            used_rows = Some((used_rows.map_or(row, |(first, _)| first), last));
                            width = width.max(row_width);
                        }
                        row = row.saturating_add(repeats);
                    }
                    "table:table" => {
                        if let Some((first, last)) = used_rows {
                            total = total.saturating_add((last - first + 1).saturating_mul(width));
                            if total > limits.cells {
                                return Err(format!(
                                    "sheet {sheet:?} spans more than {} cells once its repeated rows and columns are counted, the most socval reads from a spreadsheet; {FIX}",
                                    grouped(limits.cells)
                                ));
                            }
                        }
                    }
                    _ => {}
                }
                continue;
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => continue,
            Err(e) => return Err(xml_error(part, e)),
        };
        match e.name().as_ref() {
            "table:table" => {
                sheet = match e.try_get_attribute("table:name") {
                    Ok(Some(a)) => a.value.into_owned(),
                    _ => String::new(),
                };
                (row, used_rows, width) = (0, None, 0);
            }
            "table:table-row" => {
                repeats = number_attr(&e, "table:number-rows-repeated", part)?
                    .unwrap_or(1)
                    .max(1);
                (col, row_width) = (0, 0);
                if empty {
                    row = row.saturating_add(repeats);
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let n = number_attr(&e, "table:number-columns-repeated", part)?
                    .unwrap_or(1)
                    .max(1);
                // A cell with content, or a value, counts; an empty one
                // only moves the column on.
                let valued = !empty
                    || e.try_get_attribute("office:value-type")
                        .map_err(|x| xml_error(part, x))?
                        .is_some();
                col = col.saturating_add(n);
                if valued {
                    if col > u64::from(limits.columns) {
                        return Err(too_wide(&sheet, row));
                    }
                    row_width = col;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A zip of `(name, text)` parts, deflated.
    fn zip_of(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in parts {
            w.start_file(*name, opts).unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const SMALL: Limits = Limits {
        xml_bytes: 1 << 20,
        cells: 100,
        columns: 10,
    };

    #[test]
    fn parts_are_counted_as_unpacked() {
        let limits = Limits {
            xml_bytes: 3 << 20,
            ..SMALL
        };
        let mb = |c: &str, extra: usize| c.repeat((1 << 20) + extra);
        let ok = zip_of(&[("a.xml", &mb("x", 0)), ("b.xml", &mb("y", 1 << 20))]);
        assert_eq!(check_zip(&ok, limits), Ok(()));
        let over = zip_of(&[("a.xml", &mb("x", 0)), ("b.xml", &mb("y", (1 << 20) + 1))]);
        let e = check_zip(&over, limits).unwrap_err();
        assert!(
            e.starts_with("the workbook unpacks to more than 3 MiB"),
            "{e}"
        );
        // Not a zip: calamine's to judge.
        assert_eq!(check_zip(b"PK but not a zip", SMALL), Ok(()));
        assert_eq!(check_zip(b"Date,Amount", SMALL), Ok(()));
    }

    #[test]
    fn a_shared_string_count_past_the_cells_is_refused() {
        let sst = |n: u64| {
            zip_of(&[(
                "xl/sharedStrings.xml",
                &format!(
                    r#"<?xml version="1.0"?><sst xmlns="x" count="{n}" uniqueCount="{n}"><si><t>a</t></si></sst>"#
                ),
            )])
        };
        assert_eq!(check_zip(&sst(100), SMALL), Ok(()));
        let e = check_zip(&sst(1_000_000_000_000), SMALL).unwrap_err();
        assert!(
            e.starts_with("the workbook says it has 1,000,000,000,000 different texts"),
            "{e}"
        );
    }

    fn ods(body: &str) -> Vec<u8> {
        zip_of(&[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            (
                "content.xml",
                &format!(
                    r#"<?xml version="1.0"?><office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"#
                ),
            ),
        ])
    }

    #[test]
    fn ods_repeats_are_counted_over_the_cells_with_values() {
        let v = r#"<table:table-cell office:value-type="float" office:value="1"/>"#;
        let gap = r#"<table:table-cell table:number-columns-repeated="5"/>"#;
        // 10 rows of 9 columns: 90 cells. Empty repeats after the last
        // value (as LibreOffice writes them) count for nothing.
        let fits = format!(
            r#"<table:table table:name="P"><table:table-row table:number-rows-repeated="10">{v}{gap}{v}{v}{v}</table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>"#
        );
        assert_eq!(check_zip(&ods(&fits), SMALL), Ok(()));
        // 11 rows of 10: one sheet, or two sheets together, is too many.
        let big = format!(
            r#"<table:table table:name="P"><table:table-row table:number-rows-repeated="11">{v}{gap}{v}{v}{v}{v}</table:table-row></table:table>"#
        );
        let e = check_zip(&ods(&big), SMALL).unwrap_err();
        assert!(
            e.starts_with("sheet \"P\" spans more than 100 cells"),
            "{e}"
        );
        let half = r#"<table:table table:name="Q"><table:table-row table:number-rows-repeated="6"><table:table-cell table:number-columns-repeated="10"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#;
        assert_eq!(check_zip(&ods(half), SMALL), Ok(()));
        let e = check_zip(&ods(&format!("{half}{half}")), SMALL).unwrap_err();
        assert!(
            e.starts_with("sheet \"Q\" spans more than 100 cells"),
            "{e}"
        );
        // A value past the last column.
        let wide = format!(
            r#"<table:table table:name="W"><table:table-row/><table:table-row>{gap}{gap}{v}</table:table-row></table:table>"#
        );
        let e = check_zip(&ods(&wide), SMALL).unwrap_err();
        assert!(
            e.starts_with("sheet \"W\", row 2 has more than 10 columns"),
            "{e}"
        );
        let e = check_zip(
            &ods(r#"<table:table><table:table-row table:number-rows-repeated="many"/></table:table>"#),
            SMALL,
        )
        .unwrap_err();
        assert!(e.contains("is not a number"), "{e}");
    }

    fn parse_small(bytes: &[u8]) -> Result<ParseSummary> {
        parse_within(
            "t.xlsx",
            bytes,
            &ImportOptions::default(),
            SMALL,
            |_| Ok(()),
        )
    }

    /// An XLSX of one sheet with these rows (`None`: an empty cell).
    fn xlsx(rows: &[Vec<Option<&str>>]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let fmt = rust_xlsxwriter::Format::new().set_bold();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                match v {
                    Some(v) => ws.write_string(r as u32, c as u16, *v),
                    None => ws.write_blank(r as u32, c as u16, &fmt),
                }
                .unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn sheets_are_read_a_row_at_a_time_within_the_limits() {
        let h = |extra: usize| {
            let mut r = vec![Some("Date"), Some("Amount"), Some("Supplier")];
            r.extend(std::iter::repeat_n(Some("Note"), extra));
            r
        };
        let line = vec![Some("2025-05-01"), Some("1.00"), Some("A")];
        let s = parse_small(&xlsx(&[h(7), line.clone()])).unwrap();
        assert_eq!(s.rows, 1);
        // Blank formatted cells count too: a row of 20 million of them is
        // as slow to read as any other.
        let mut blanks = h(5);
        blanks.extend([None, None, None]);
        let e = parse_small(&xlsx(&[blanks, line.clone()]))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.xlsx: sheet \"Sheet1\", row 1 has more than 10 columns, the most socval reads from a spreadsheet; delete the columns after J or save the sheet as CSV"),
            "{e}"
        );
        // 33 rows of 3 cells fit in 100 cells; 34 do not.
        let rows = |n: usize| {
            let mut v = vec![h(0)];
            v.extend(std::iter::repeat_n(line.clone(), n - 1));
            v
        };
        assert_eq!(parse_small(&xlsx(&rows(33))).unwrap().rows, 32);
        let e = parse_small(&xlsx(&rows(34))).unwrap_err().to_string();
        assert!(
            e.starts_with("t.xlsx: sheet \"Sheet1\", row 34: the sheet has more than 100 cells"),
            "{e}"
        );
    }

    /// An XLS workbook whose sheet claims 4 billion rows: calamine would
    /// reserve room for every cell and stop the process.
    #[test]
    fn an_xls_sheet_is_checked_before_calamine_reads_it() {
        use xls::tests::{compound, record};
        let bof = |dt: u8| record(0x0809, &[0, 6, dt, 0, 0, 0, 0, 0]);
        let mut sheet = bof(0x10);
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend(u32::MAX.to_le_bytes());
        dims.extend([0, 0, 0, 1, 0, 0]);
        sheet.extend(record(0x0200, &dims));
        sheet.extend(record(0x000A, &[]));
        let mut globals = bof(0x05);
        let bound = |at: u32| {
            let mut d = at.to_le_bytes().to_vec();
            d.extend([0, 0, 1, 0, b'S']);
            record(0x0085, &d)
        };
        let at = (globals.len() + bound(0).len() + 4) as u32;
        globals.extend(bound(at));
        globals.extend(record(0x000A, &[]));
        globals.extend(sheet);
        let e = parse_small(&compound(&globals, |_| {}))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.xlsx: a sheet has more than 100 cells by its dimensions"),
            "{e}"
        );
    }

    /// An XLS workbook within the limits is read as before.
    #[test]
    fn a_small_xls_workbook_still_imports() {
        use xls::tests::{compound, record};
        let bof = |dt: u8| record(0x0809, &[0, 6, dt, 0, 0, 0, 0, 0]);
        let label = |row: u16, col: u16, text: &str| {
            let mut d = row.to_le_bytes().to_vec();
            d.extend(col.to_le_bytes());
            d.extend([0, 0]);
            d.extend((text.len() as u16).to_le_bytes());
            d.push(0);
            d.extend(text.as_bytes());
            record(0x0204, &d)
        };
        let mut sheet = bof(0x10);
        for (c, t) in ["Date", "Amount", "Supplier"].iter().enumerate() {
            sheet.extend(label(0, c as u16, t));
        }
        for (c, t) in ["01/05/2025", "12.50", "Acme Ltd"].iter().enumerate() {
            sheet.extend(label(1, c as u16, t));
        }
        sheet.extend(record(0x000A, &[]));
        let mut globals = bof(0x05);
        let bound = |at: u32| {
            let mut d = at.to_le_bytes().to_vec();
            d.extend([0, 0, 1, 0, b'S']);
            record(0x0085, &d)
        };
        let at = (globals.len() + bound(0).len() + 4) as u32;
        globals.extend(bound(at));
        globals.extend(record(0x000A, &[]));
        globals.extend(sheet);
        let s = parse_small(&compound(&globals, |_| {})).unwrap();
        assert_eq!((s.rows, s.total_pence), (1, 1250));
    }

    #[test]
    fn columns_and_lines_are_the_sheets_own() {
        // A title, a blank row, and the table starting in column B.
        let rows = [
            vec![Some("Payments over £500")],
            vec![],
            vec![None, Some("Date"), Some("Amount"), Some("Supplier")],
            vec![None, Some("2025-05-01"), Some("1.00"), Some("A")],
            vec![None, Some("2025-05-01"), Some("x"), Some("B")],
        ];
        let e = parse_small(&xlsx(&rows)).unwrap_err().to_string();
        assert!(
            e.starts_with("t.xlsx, line 5, column C (Amount): \"x\""),
            "{e}"
        );
    }
}
