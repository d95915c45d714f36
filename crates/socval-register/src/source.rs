//! Reading register files: which register a file is, ZIP archives of
//! parts, CSV rows with the line an editor shows, dates.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serializer;
use socval_core::line::LineReader;
use time::{Date, Month};

use crate::error::{Error, Result};

/// What a register file holds, told from its first line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Companies House BasicCompanyData CSV.
    Companies,
    /// Charity Commission `publicextract.charity.txt` (tab-separated).
    CharityText,
    /// Charity Commission `publicextract.charity.json`.
    CharityJson,
}

impl Kind {
    /// The name shown in summaries.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Companies => "companies-house",
            Kind::CharityText => "charity-commission-text",
            Kind::CharityJson => "charity-commission-json",
        }
    }
}

/// Tells a register file from its first bytes, without consuming them.
///
/// Returns [`Error::UnknownKind`] with the first line when it is none of
/// the registers.
pub(crate) fn detect(path: &Path, input: &mut dyn BufRead) -> Result<Kind> {
    let head = input.fill_buf().map_err(|e| Error::io(path, e))?;
    let head = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(head);
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = String::from_utf8_lossy(&head[..end]);
    let first = line.trim_start();
    if line.contains("CompanyNumber") && line.contains("CompanyName") {
        Ok(Kind::Companies)
    } else if line.contains("registered_charity_number") && line.contains('\t') {
        Ok(Kind::CharityText)
    } else if first.starts_with('[') || first.starts_with('{') {
        Ok(Kind::CharityJson)
    } else {
        Err(Error::UnknownKind {
            path: path.to_owned(),
            first_line: line.chars().take(120).collect(),
        })
    }
}

/// Sees each file (or ZIP entry) before it is read, with its size in
/// bytes, and returns the reader to use (to show progress).
pub type WrapReader<'a> =
    &'a mut dyn for<'r> FnMut(&Path, u64, Box<dyn Read + 'r>) -> Box<dyn Read + 'r>;

/// Calls `each` with every register file in `path`: the file itself, or
/// each file inside it when it is a ZIP archive (the monthly parts, the
/// charity extract's download). The name passed for an entry is
/// `archive.zip/entry.csv`.
pub(crate) fn each_input(
    path: &Path,
    wrap: WrapReader<'_>,
    each: &mut dyn FnMut(&Path, &mut dyn BufRead) -> Result<()>,
) -> Result<()> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if n == 4 && &magic == b"PK\x03\x04" {
        let bad = |e: zip::result::ZipError| Error::Zip {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        let mut zip = zip::ZipArchive::new(file).map_err(bad)?;
        let mut found = false;
        for i in 0..zip.len() {
            let entry = zip.by_index(i).map_err(bad)?;
            if entry.is_dir() {
                continue;
            }
            found = true;
            let name: PathBuf = path.join(entry.name().map_err(bad)?.as_ref());
            let size = entry.size();
            let mut input = BufReader::with_capacity(1 << 16, wrap(&name, size, Box::new(entry)));
            each(&name, &mut input)?;
        }
        if !found {
            return Err(Error::Zip {
                path: path.to_owned(),
                reason: "the archive holds no files".into(),
            });
        }
        return Ok(());
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut input = BufReader::with_capacity(1 << 16, wrap(path, len, Box::new(file)));
    each(path, &mut input)
}

/// A CSV or tab-separated file being read, row by row, with errors that
/// name the file and the line an editor shows.
pub(crate) struct Reading<R: Read> {
    path: PathBuf,
    rdr: csv::Reader<LineReader<R>>,
}

impl<R: Read> Reading<R> {
    /// Reads `input` with `delimiter`; `quoting` off for files that do not
    /// quote (the charity extract's text form).
    pub fn csv(path: &Path, input: R, delimiter: u8, quoting: bool) -> Reading<R> {
        let rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .quoting(quoting)
            .flexible(true)
            .has_headers(true)
            .from_reader(LineReader::new(input));
        Reading {
            path: path.to_owned(),
            rdr,
        }
    }

    fn syntax(&mut self, e: &csv::Error) -> Error {
        let line = e
            .position()
            .map_or(0, |p| self.rdr.get_mut().record_line(p.byte()));
        Error::Syntax {
            path: self.path.clone(),
            line,
            reason: match e.kind() {
                csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
                _ => e.to_string(),
            },
        }
    }

    /// The header row.
    pub fn header(&mut self) -> Result<csv::StringRecord> {
        match self.rdr.headers() {
            Ok(h) => Ok(h.clone()),
            Err(e) => Err(self.syntax(&e)),
        }
    }

    /// Reads the next row into `row`; `false` at the end of the file.
    /// Blank lines are skipped.
    pub fn next(&mut self, row: &mut csv::StringRecord) -> Result<bool> {
        loop {
            match self.rdr.read_record(row) {
                Ok(false) => return Ok(false),
                Ok(true) if row.iter().all(|f| f.trim().is_empty()) => continue,
                Ok(true) => return Ok(true),
                Err(e) => return Err(self.syntax(&e)),
            }
        }
    }

    /// The line `row` (just read) starts on.
    pub fn line(&mut self, row: &csv::StringRecord) -> u64 {
        row.position()
            .map_or(0, |p| self.rdr.get_mut().record_line(p.byte()))
    }
}

/// The positions of the `wanted` columns in a header, matched with
/// surrounding spaces and a byte-order mark removed, and of the optional
/// ones (`None` when absent).
///
/// Returns [`Error::MissingColumn`] naming the first wanted column that is
/// missing and the columns found.
pub(crate) fn columns(
    path: &Path,
    register: &'static str,
    header: &csv::StringRecord,
    wanted: &[&str],
    optional: &[&str],
) -> Result<(Vec<usize>, Vec<Option<usize>>)> {
    let names: Vec<&str> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim())
        .collect();
    let find = |want: &str| names.iter().position(|n| *n == want);
    let at = wanted
        .iter()
        .map(|want| {
            find(want).ok_or_else(|| Error::MissingColumn {
                path: path.to_owned(),
                register,
                missing: (*want).to_owned(),
                found: names.iter().map(|s| s.to_string()).collect(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((at, optional.iter().map(|o| find(o)).collect()))
}

/// A date as a record word, `yyyymmdd`, 0 when empty. Reads `dd/mm/yyyy`
/// (Companies House) and `yyyy-mm-dd`, with or without a time after it.
///
/// Returns the reason when it is neither or not a day of the calendar.
pub(crate) fn date_word(text: &str) -> std::result::Result<u32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    let bad = || "not a date (expected dd/mm/yyyy or yyyy-mm-dd)".to_string();
    let day = t.split([' ', 'T']).next().unwrap_or("");
    let parts: Vec<&str> = day.split(['/', '-']).collect();
    let num = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (y, m, d) = match parts.as_slice() {
        [d, m, y] if day.contains('/') && y.len() == 4 => (num(y), num(m), num(d)),
        [y, m, d] if day.contains('-') && y.len() == 4 => (num(y), num(m), num(d)),
        _ => return Err(bad()),
    };
    let (Some(y), Some(m), Some(d)) = (y, m, d) else {
        return Err(bad());
    };
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| "no such month".to_string())?;
    let date = Date::from_calendar_date(y as i32, month, d as u8)
        .map_err(|_| "no such day".to_string())?;
    Ok(day_word(date))
}

fn day_word(d: Date) -> u32 {
    d.year() as u32 * 10_000 + u32::from(u8::from(d.month())) * 100 + u32::from(d.day())
}

/// The date a record word holds, `None` for 0.
pub(crate) fn word_date(w: u32) -> Option<Date> {
    if w == 0 || w == crate::index::NONE {
        return None;
    }
    let month = Month::try_from((w / 100 % 100) as u8).ok()?;
    Date::from_calendar_date((w / 10_000) as i32, month, (w % 100) as u8).ok()
}

/// Writes a date as `yyyy-mm-dd` (serde `serialize_with`).
pub(crate) fn iso_date<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(&format_args!(
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        )),
        None => s.serialize_none(),
    }
}

/// The edition date in a file name: `BasicCompanyDataAsOneFile-2026-08-01.csv`,
/// `BasicCompanyData-2026-09-01-part1_7.zip` → `2026-08-01`.
pub(crate) fn name_date(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    let b = name.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let s = name.get(i..i + 10)?;
        let ok = date_word(s).is_ok_and(|w| w != 0)
            && s.as_bytes()[4] == b'-'
            && (i == 0 || !b[i - 1].is_ascii_digit());
        ok.then(|| s.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_word("01/08/2026"), Ok(20260801));
        assert_eq!(date_word("2026-08-01 00:00:00"), Ok(20260801));
        assert_eq!(date_word(""), Ok(0));
        assert!(date_word("31/02/2026").is_err());
        assert!(date_word("2026/08/01").is_err());
        assert!(date_word("yesterday").is_err());
        assert_eq!(
            word_date(20260801).map(|d| d.to_string()),
            Some("2026-08-01".into())
        );
        assert_eq!(word_date(0), None);
    }

    #[test]
    fn edition_dates_from_file_names() {
        for (name, want) in [
            (
                "BasicCompanyDataAsOneFile-2026-08-01.csv",
                Some("2026-08-01"),
            ),
            (
                "dl/BasicCompanyData-2026-09-01-part1_7.zip",
                Some("2026-09-01"),
            ),
            ("publicextract.charity.txt", None),
        ] {
            assert_eq!(name_date(Path::new(name)).as_deref(), want, "{name}");
        }
    }
}
