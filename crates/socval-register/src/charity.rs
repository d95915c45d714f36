//! The Charity Commission for England and Wales register extract
//! (`publicextract.charity`), in its tab-separated text form and its JSON
//! form, and the charities index built from it.
//!
//! One record per registered charity number and linked number (0 = the
//! main charity). A company number the extract gives that no register
//! could hold (the extract has free text there) is left out and counted,
//! not a reason to refuse the extract.

use std::io::{BufRead, Read};
use std::path::Path;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use socval_core::Gbp;

use crate::error::{Error, Result};
use crate::id::{CharityNumber, CompanyNumber};
use crate::index::{NONE, Table, TableWriter};
use crate::source::{Reading, columns};

/// The columns socval keeps, as published.
pub const CHARITY_COLUMNS: [&str; 7] = [
    "registered_charity_number",
    "linked_charity_number",
    "charity_name",
    "charity_contact_postcode",
    "charity_registration_status",
    "latest_income",
    "charity_company_registration_number",
];
/// The extract's date, read for the edition when present.
const DATE_OF_EXTRACT: &str = "date_of_extract";

// Words of a record: name (2), postcode (2), status, latest income in
// pence (i64 as 2 words, i64::MIN = none), company number key (u64 as 2
// words, 0 = none).
const NAME: usize = 0;
const POSTCODE: usize = 2;
const STATUS: usize = 4;
const INCOME: usize = 5;
const COMPANY: usize = 7;
pub(crate) const WORDS: usize = 9;
const NO_INCOME: i64 = i64::MIN;

/// One charity as the register holds it. Borrowed from the index.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Charity<'a> {
    /// Registered charity number and linked number.
    pub number: CharityNumber,
    /// `charity_name`.
    pub name: &'a str,
    /// `charity_contact_postcode`, as written.
    pub postcode: Option<&'a str>,
    /// `charity_registration_status` (`Registered`, `Removed`).
    pub status: Option<&'a str>,
    /// `latest_income`, exact.
    pub latest_income: Option<Gbp>,
    /// `charity_company_registration_number`, when the charity is also a
    /// company and the number is one.
    pub company_number: Option<CompanyNumber>,
}

/// What reading one extract found besides its rows.
#[derive(Default)]
pub(crate) struct Read1 {
    pub rows: u64,
    /// `date_of_extract` of the first row, `yyyy-mm-dd`.
    pub date: Option<String>,
    /// Company numbers left out because no register could hold them.
    pub bad_company_numbers: u64,
}

/// One row's fields, whichever form the extract is in.
struct Fields<'a> {
    number: &'a str,
    linked: &'a str,
    name: &'a str,
    postcode: &'a str,
    status: &'a str,
    income: &'a str,
    company: &'a str,
    date: &'a str,
}

/// Adds one row; an error names the field (index into [`CHARITY_COLUMNS`]),
/// its value and why.
fn add(
    path: &Path,
    f: &Fields<'_>,
    w: &mut TableWriter,
    out: &mut Read1,
) -> std::result::Result<(), (usize, String, String)> {
    let field = |i: usize, v: &str, reason: String| (i, v.to_owned(), reason);
    let linked = match f.linked.trim() {
        "" => 0,
        l => l
            .parse::<u32>()
            .map_err(|_| field(1, f.linked, "not a whole number".into()))?,
    };
    let main = CharityNumber::parse(f.number).map_err(|e| field(0, f.number, e.reason.into()))?;
    let number = CharityNumber::new(main.number(), linked)
        .map_err(|e| field(1, f.linked, e.reason.into()))?;
    let income = match f.income.trim() {
        "" => NO_INCOME,
        t => Gbp::parse(t)
            .ok()
            .and_then(Gbp::to_pence)
            .ok_or_else(|| field(5, f.income, "not an amount in pounds and pence".into()))?,
    };
    let company = match CompanyNumber::parse(f.company) {
        Ok(c) => c.key(),
        Err(e) => {
            if !e.is_blank() {
                out.bad_company_numbers += 1;
            }
            0
        }
    };
    if out.date.is_none() {
        out.date = crate::source::date_word(f.date)
            .ok()
            .and_then(crate::source::word_date)
            .map(|d| d.to_string());
    }
    let text = |w: &mut TableWriter, s: &str| {
        w.text(path, s.trim())
            .map_err(|e| (2, String::new(), e.to_string()))
    };
    let [name_at, name_len] = text(w, f.name)?;
    let [pc_at, pc_len] = text(w, f.postcode)?;
    let mut rec = [NONE; WORDS];
    rec[NAME] = name_at;
    rec[NAME + 1] = name_len;
    rec[POSTCODE] = pc_at;
    rec[POSTCODE + 1] = pc_len;
    rec[STATUS] = w.intern(f.status.trim());
    [rec[INCOME], rec[INCOME + 1]] = split(income as u64);
    [rec[COMPANY], rec[COMPANY + 1]] = split(company);
    w.push(number.key(), &rec);
    out.rows += 1;
    Ok(())
}

/// A 64-bit value as two record words, low word first.
fn split(v: u64) -> [u32; 2] {
    [v as u32, (v >> 32) as u32]
}

/// Reads the tab-separated text form (`publicextract.charity.txt`), which
/// does not quote its fields.
pub(crate) fn read_text(path: &Path, input: impl Read, w: &mut TableWriter) -> Result<Read1> {
    let mut reading = Reading::csv(path, input, b'\t', false);
    let header = reading.header()?;
    let (at, optional) = columns(
        path,
        "Charity Commission",
        &header,
        &CHARITY_COLUMNS,
        &[DATE_OF_EXTRACT],
    )?;
    let date_col = optional[0];
    let mut out = Read1::default();
    let mut row = csv::StringRecord::new();
    while reading.next(&mut row)? {
        let line = reading.line(&row);
        let get = |i: usize| row.get(at[i]).unwrap_or("");
        let fields = Fields {
            number: get(0),
            linked: get(1),
            name: get(2),
            postcode: get(3),
            status: get(4),
            income: get(5),
            company: get(6),
            date: date_col.and_then(|c| row.get(c)).unwrap_or(""),
        };
        add(path, &fields, w, &mut out).map_err(|(i, value, reason)| Error::Field {
            path: path.to_owned(),
            line,
            field: CHARITY_COLUMNS[i].to_owned(),
            value,
            reason,
        })?;
    }
    Ok(out)
}

/// A number or a string: the JSON extract writes numbers, hand-made
/// files may quote them.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Number(serde_json::Number),
    Text(String),
}

impl Scalar {
    fn text(v: &Option<Scalar>) -> String {
        match v {
            Some(Scalar::Number(n)) => n.to_string(),
            Some(Scalar::Text(s)) => s.clone(),
            None => String::new(),
        }
    }
}

#[derive(Deserialize)]
struct JsonRow {
    registered_charity_number: Option<Scalar>,
    linked_charity_number: Option<Scalar>,
    charity_name: Option<String>,
    charity_contact_postcode: Option<String>,
    charity_registration_status: Option<String>,
    latest_income: Option<Scalar>,
    charity_company_registration_number: Option<Scalar>,
    date_of_extract: Option<String>,
}

struct Rows<'a> {
    path: &'a Path,
    w: &'a mut TableWriter,
    out: &'a mut Read1,
}

impl<'de> Visitor<'de> for Rows<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of charities")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(r) = seq.next_element::<JsonRow>()? {
            if r.registered_charity_number.is_none() {
                return Err(de::Error::missing_field("registered_charity_number"));
            }
            let s = |v: &Option<String>| v.clone().unwrap_or_default();
            let (number, linked, income, company) = (
                Scalar::text(&r.registered_charity_number),
                Scalar::text(&r.linked_charity_number),
                Scalar::text(&r.latest_income),
                Scalar::text(&r.charity_company_registration_number),
            );
            let (name, postcode, status, date) = (
                s(&r.charity_name),
                s(&r.charity_contact_postcode),
                s(&r.charity_registration_status),
                s(&r.date_of_extract),
            );
            let fields = Fields {
                number: &number,
                linked: &linked,
                name: &name,
                postcode: &postcode,
                status: &status,
                income: &income,
                company: &company,
                date: &date,
            };
            add(self.path, &fields, self.w, self.out).map_err(|(i, value, reason)| {
                de::Error::custom(format!(
                    "field `{}`: {reason} (found {value:?})",
                    CHARITY_COLUMNS[i]
                ))
            })?;
        }
        Ok(())
    }
}

/// Reads the JSON form (`publicextract.charity.json`: one array of
/// objects), streaming: one charity in memory at a time.
pub(crate) fn read_json(
    path: &Path,
    mut input: impl BufRead,
    w: &mut TableWriter,
) -> Result<Read1> {
    // The published file starts with a byte-order mark.
    let head = input.fill_buf().map_err(|e| Error::io(path, e))?;
    if head.starts_with("\u{feff}".as_bytes()) {
        input.consume(3);
    }
    let mut out = Read1::default();
    let mut de = serde_json::Deserializer::from_reader(input);
    let syntax = |e: serde_json::Error| Error::Syntax {
        path: path.to_owned(),
        line: e.line() as u64,
        reason: e
            .to_string()
            .rsplit_once(" at line ")
            .map_or_else(|| e.to_string(), |(r, _)| r.to_owned()),
    };
    de::Deserializer::deserialize_seq(
        &mut de,
        Rows {
            path,
            w,
            out: &mut out,
        },
    )
    .map_err(syntax)?;
    de.end().map_err(syntax)?;
    Ok(out)
}

/// The charity at position `i` of an opened charities index.
pub(crate) fn at(t: &Table, i: usize) -> Option<Charity<'_>> {
    let pair = |w: usize| u64::from(t.word(i, w)) | (u64::from(t.word(i, w + 1)) << 32);
    let income = pair(INCOME) as i64;
    Some(Charity {
        number: CharityNumber::from_key(t.key(i))?,
        name: t.text(i, NAME).unwrap_or(""),
        postcode: t.text(i, POSTCODE),
        status: t.shared(t.word(i, STATUS)),
        latest_income: (income != NO_INCOME).then(|| Gbp::from_pence(income)),
        company_number: CompanyNumber::from_key(pair(COMPANY)).filter(|_| pair(COMPANY) != 0),
    })
}
