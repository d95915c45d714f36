//! The Companies House "Free Company Data Product" (BasicCompanyData):
//! reading its CSV, and the companies index built from it.
//!
//! The published header names some columns with a leading space
//! (`" CompanyNumber"`); names are matched with surrounding spaces
//! removed. Dates are `dd/mm/yyyy`. SIC codes are written `code - text`
//! (`62012 - Business and domestic software development`); each distinct
//! one is stored once.

use std::io::Read;
use std::path::Path;

use serde::Serialize;
use time::Date;

use crate::error::{Error, Result};
use crate::id::CompanyNumber;
use crate::index::{NONE, Table, TableWriter};
use crate::source::{Reading, columns, date_word, word_date};

/// The columns socval keeps, as published (without the leading spaces).
pub const COMPANY_COLUMNS: [&str; 12] = [
    "CompanyName",
    "CompanyNumber",
    "RegAddress.PostCode",
    "CompanyCategory",
    "CompanyStatus",
    "DissolutionDate",
    "IncorporationDate",
    "Accounts.AccountCategory",
    "SICCode.SicText_1",
    "SICCode.SicText_2",
    "SICCode.SicText_3",
    "SICCode.SicText_4",
];

// Words of a record: name (2), postcode (2), category, status, accounts
// category, four SIC ids, incorporation and dissolution (yyyymmdd, 0 none).
const NAME: usize = 0;
const POSTCODE: usize = 2;
const CATEGORY: usize = 4;
const STATUS: usize = 5;
const ACCOUNTS: usize = 6;
const SIC: usize = 7;
const INCORPORATED: usize = 11;
const DISSOLVED: usize = 12;
pub(crate) const WORDS: usize = 13;

/// What Companies House writes in `SICCode.SicText_1` when there is none.
const NO_SIC: &str = "None Supplied";

/// One company as the register holds it. Borrowed from the index.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Company<'a> {
    /// The company number.
    pub number: CompanyNumber,
    /// `CompanyName`.
    pub name: &'a str,
    /// `RegAddress.PostCode`: the registered office's postcode, as written.
    pub postcode: Option<&'a str>,
    /// `CompanyCategory` (`Private Limited Company`, `Community Interest Company`, ...).
    pub category: Option<&'a str>,
    /// `CompanyStatus` (`Active`, `Dissolved`, `Liquidation`, ...).
    pub status: Option<&'a str>,
    /// `Accounts.AccountCategory` (`MICRO ENTITY`, `SMALL`, `TOTAL EXEMPTION FULL`, `DORMANT`, ...).
    pub accounts_category: Option<&'a str>,
    /// Up to four SIC codes, in the register's order.
    pub sic: Vec<Sic<'a>>,
    /// `IncorporationDate`.
    #[serde(serialize_with = "crate::source::iso_date")]
    pub incorporated: Option<Date>,
    /// `DissolutionDate`.
    #[serde(serialize_with = "crate::source::iso_date")]
    pub dissolved: Option<Date>,
}

/// A SIC code with its description.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Sic<'a> {
    /// The code (`62012`).
    pub code: &'a str,
    /// The description (`Business and domestic software development`).
    pub text: &'a str,
}

impl<'a> Sic<'a> {
    /// Splits `62012 - Business and domestic software development`.
    fn split(s: &'a str) -> Sic<'a> {
        match s.split_once(" - ") {
            Some((code, text)) => Sic {
                code: code.trim(),
                text: text.trim(),
            },
            None => Sic {
                code: s.trim(),
                text: "",
            },
        }
    }
}

/// Reads one BasicCompanyData CSV (a whole file or one part) into `w`.
/// Returns the data rows read.
///
/// Returns an error naming the file, line and field for a row that cannot
/// be read or a company number or date that cannot be right.
pub(crate) fn read(path: &Path, input: impl Read, w: &mut TableWriter) -> Result<u64> {
    let mut reading = Reading::csv(path, input, b',', true);
    let header = reading.header()?;
    let (cols, _) = columns(path, "Companies House", &header, &COMPANY_COLUMNS, &[])?;
    let mut row = csv::StringRecord::new();
    let mut rows = 0;
    while reading.next(&mut row)? {
        let line = reading.line(&row);
        let get = |i: usize| row.get(cols[i]).unwrap_or("").trim();
        let field = |i: usize, reason: String| Error::Field {
            path: path.to_owned(),
            line,
            field: COMPANY_COLUMNS[i].to_owned(),
            value: get(i).to_owned(),
            reason,
        };
        let number = CompanyNumber::parse(get(1)).map_err(|e| field(1, e.reason.to_owned()))?;
        let date = |i: usize| date_word(get(i)).map_err(|r| field(i, r));
        let (incorporated, dissolved) = (date(6)?, date(5)?);
        let [name_at, name_len] = w.text(path, get(0))?;
        let [pc_at, pc_len] = w.text(path, get(2))?;
        let mut rec = [NONE; WORDS];
        rec[NAME] = name_at;
        rec[NAME + 1] = name_len;
        rec[POSTCODE] = pc_at;
        rec[POSTCODE + 1] = pc_len;
        rec[CATEGORY] = w.intern(get(3));
        rec[STATUS] = w.intern(get(4));
        rec[ACCOUNTS] = w.intern(get(7));
        for s in 0..4 {
            let text = get(8 + s);
            rec[SIC + s] = if text == NO_SIC { NONE } else { w.intern(text) };
        }
        rec[INCORPORATED] = incorporated;
        rec[DISSOLVED] = dissolved;
        w.push(number.key(), &rec);
        rows += 1;
    }
    Ok(rows)
}

/// The company at position `i` of an opened companies index.
pub(crate) fn at(t: &Table, i: usize) -> Option<Company<'_>> {
    let shared = |w| t.shared(t.word(i, w));
    Some(Company {
        number: CompanyNumber::from_key(t.key(i))?,
        name: t.text(i, NAME).unwrap_or(""),
        postcode: t.text(i, POSTCODE),
        category: shared(CATEGORY),
        status: shared(STATUS),
        accounts_category: shared(ACCOUNTS),
        sic: (0..4)
            .filter_map(|s| shared(SIC + s))
            .map(Sic::split)
            .collect(),
        incorporated: word_date(t.word(i, INCORPORATED)),
        dissolved: word_date(t.word(i, DISSOLVED)),
    })
}
