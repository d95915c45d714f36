//! CSV records: reading a payments file's header and rows, and the
//! checks on quoted fields that run over several lines.

use std::io::Read;

use arrow_array::RecordBatch;
use socval_core::line::LineReader;

use crate::error::{Error, Result};

use super::{Columns, ImportOptions, ParseSummary, RowParser};

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
