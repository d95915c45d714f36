//! The supplier register (id, name, postcode, company and charity numbers,
//! SME and VCSE flags) and location overrides (a local branch's postcode,
//! with the reason), read from CSV with header aliases.

use std::collections::HashMap;
use std::io::{Read, Write};

use serde::Serialize;

use crate::error::{Error, Result, column_letter};
use socval_core::line::LineReader;

use crate::ledger::{
    SPANNED_VALUE, check_closed, field_text, fields_spanned, header_key, spans_lines,
};
use crate::name::normalise_name;

/// One supplier in the register.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Supplier {
    /// The council's supplier id, as in the payments' `Supplier ID`.
    pub id: Option<String>,
    /// The supplier's name.
    pub name: String,
    /// Registered (or trading) address postcode, as given.
    pub postcode: Option<String>,
    /// Companies House number.
    pub company_number: Option<String>,
    /// Charity Commission number.
    pub charity_number: Option<String>,
    /// Micro, small or medium enterprise; `None` when not known.
    pub sme: Option<bool>,
    /// Voluntary, community or social enterprise; `None` when not known.
    pub vcse: Option<bool>,
}

/// A supplier's location corrected to a local branch (paragraph 2.19: a
/// national head office's postcode hides a local branch).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocationOverride {
    /// The supplier id it applies to, if known.
    pub supplier_id: Option<String>,
    /// Or the supplier name (joined normalised).
    pub name: Option<String>,
    /// The branch postcode used instead of the register's.
    pub postcode: String,
    /// Why (kept for the audit trail and shown in exports).
    pub reason: String,
}

/// The register and its overrides, indexed for joining payments.
#[derive(Clone, Debug, Default)]
pub struct SupplierRegister {
    suppliers: Vec<Supplier>,
    overrides: Vec<LocationOverride>,
    by_id: HashMap<String, u32>,
    by_name: HashMap<String, u32>,
    override_by_id: HashMap<String, u32>,
    override_by_name: HashMap<String, u32>,
}

const SUPPLIER_COLS: [(&str, &[&str]); 7] = [
    (
        "supplier_id",
        &[
            "supplier_id",
            "Supplier ID",
            "Address Book No.",
            "Supplier Number",
            "Vendor ID",
            "ID",
        ],
    ),
    (
        "name",
        &["name", "Supplier Name", "Beneficiary Name", "Supplier"],
    ),
    (
        "postcode",
        &["postcode", "Post Code", "Supplier Postcode", "PCD", "PCDS"],
    ),
    (
        "company_number",
        &[
            "company_number",
            "Company Number",
            "Registered Company Number",
        ],
    ),
    (
        "charity_number",
        &[
            "charity_number",
            "Charity Number",
            "Registered Charity Number",
        ],
    ),
    ("sme", &["sme", "SME", "Is SME", "SME Flag"]),
    ("vcse", &["vcse", "VCSE", "Is VCSE", "VCSE Flag"]),
];

const OVERRIDE_COLS: [(&str, &[&str]); 4] = [
    (
        "supplier_id",
        &["supplier_id", "Supplier ID", "Address Book No."],
    ),
    ("name", &["name", "Supplier Name", "Supplier"]),
    (
        "postcode",
        &["postcode", "Branch Postcode", "Local Postcode", "Post Code"],
    ),
    ("reason", &["reason", "Reason", "Note"]),
];

/// Reads a CSV, matching `cols` by alias; calls `row` with the cells.
///
/// A field may run over several lines only if it is one of `free_text` or
/// a column not in `cols`, the record has the header's number of fields,
/// and its quote closes (as in a payments file: docs/spend.md).
fn read_table<const N: usize>(
    source: &str,
    r: impl Read,
    cols: &[(&'static str, &[&str]); N],
    required: &[&str],
    free_text: &[&str],
    mut row: impl FnMut(u64, [Option<(usize, &str)>; N]) -> Result<()>,
) -> Result<()> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(LineReader::new(r));
    let csv_err = |e: csv::Error| Error::Csv {
        source_name: source.to_string(),
        line: e.position().map(|p| p.line()).unwrap_or(0),
        reason: e.to_string(),
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
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let mut idx = [None; N];
    for (n, (_, aliases)) in cols.iter().enumerate() {
        idx[n] = aliases
            .iter()
            .find_map(|a| keys.iter().position(|k| *k == header_key(a)));
    }
    for (n, (name, aliases)) in cols.iter().enumerate() {
        if required.contains(name) && idx[n].is_none() {
            return Err(Error::MissingColumn {
                source_name: source.to_string(),
                field: name,
                accepted: aliases.join(", "),
                found: headers
                    .iter()
                    .map(|h| format!("{h:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    // The last record's line and whether its last field ran over lines.
    let (mut last_line, mut last_spans) = (0, false);
    while rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        let line = rec
            .position()
            .map_or(0, |p| rdr.get_mut().record_line(p.byte()));
        last_line = line;
        last_spans = rec.iter().next_back().is_some_and(spans_lines);
        if rec.iter().any(spans_lines) {
            if rec.len() != headers.len() {
                return Err(fields_spanned(source, line, rec.len(), headers.len()));
            }
            for (i, f) in rec.iter().enumerate().filter(|(_, f)| spans_lines(f)) {
                if let Some(n) = idx.iter().position(|&c| c == Some(i))
                    && !free_text.contains(&cols[n].0)
                {
                    return Err(Error::Value {
                        source_name: source.to_string(),
                        line,
                        column: format!("{} ({})", column_letter(i), headers[i]),
                        value: field_text(f).into_owned(),
                        reason: SPANNED_VALUE.into(),
                    });
                }
            }
        }
        let texts: Vec<String> = rec
            .iter()
            .map(|b| field_text(b).trim().to_string())
            .collect();
        if texts.iter().all(String::is_empty) {
            continue;
        }
        let mut cells = [None; N];
        for n in 0..N {
            cells[n] = idx[n].map(|i| (i, texts.get(i).map(String::as_str).unwrap_or("")));
        }
        row(line, cells)?;
    }
    check_closed(source, last_line, last_spans, rdr.get_ref().tail_quotes())
}

fn nonempty(c: Option<(usize, &str)>) -> Option<String> {
    c.map(|(_, s)| s)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn flag(source: &str, line: u64, header: &str, c: Option<(usize, &str)>) -> Result<Option<bool>> {
    let Some((i, s)) = c else { return Ok(None) };
    match s.to_ascii_lowercase().as_str() {
        "" | "unknown" | "n/a" => Ok(None),
        "y" | "yes" | "true" | "1" => Ok(Some(true)),
        "n" | "no" | "false" | "0" => Ok(Some(false)),
        _ => Err(Error::Value {
            source_name: source.to_string(),
            line,
            column: format!("{} ({header})", column_letter(i)),
            value: s.to_string(),
            reason: "expected yes/no, true/false, 1/0 or blank".into(),
        }),
    }
}

impl SupplierRegister {
    /// Builds the indexes. Returns an error if two suppliers share an id.
    pub fn new(suppliers: Vec<Supplier>, overrides: Vec<LocationOverride>) -> Result<Self> {
        let mut reg = SupplierRegister {
            suppliers,
            overrides,
            ..Default::default()
        };
        for (i, s) in reg.suppliers.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 4 billion suppliers");
            if let Some(id) = &s.id
                && reg.by_id.insert(id.clone(), i).is_some()
            {
                return Err(Error::Export {
                    reason: format!("two suppliers in the register have the id {id:?}"),
                });
            }
            // The first supplier with a name wins a name join.
            reg.by_name.entry(normalise_name(&s.name)).or_insert(i);
        }
        for (i, o) in reg.overrides.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 4 billion overrides");
            if let Some(id) = &o.supplier_id {
                reg.override_by_id.insert(id.clone(), i);
            }
            if let Some(n) = &o.name {
                reg.override_by_name.insert(normalise_name(n), i);
            }
        }
        Ok(reg)
    }

    /// Reads a register CSV. Columns (matched by alias, case and punctuation
    /// ignored): `supplier_id`, `name` (required), `postcode`,
    /// `company_number`, `charity_number`, `sme`, `vcse`.
    ///
    /// Returns an error naming file, line and column for a missing name, a
    /// flag that is not yes/no, or a duplicated id.
    pub fn read_suppliers(source: &str, r: impl Read) -> Result<Vec<Supplier>> {
        let mut out = Vec::new();
        let mut ids: HashMap<String, u64> = HashMap::new();
        read_table(
            source,
            r,
            &SUPPLIER_COLS,
            &["name"],
            &["name"],
            |line, c| {
                let name = nonempty(c[1]).ok_or_else(|| Error::Value {
                    source_name: source.to_string(),
                    line,
                    column: format!("{} (name)", column_letter(c[1].map(|x| x.0).unwrap_or(0))),
                    value: String::new(),
                    reason: "the supplier name is empty".into(),
                })?;
                let id = nonempty(c[0]);
                if let Some(id) = &id
                    && let Some(first) = ids.insert(id.clone(), line)
                {
                    return Err(Error::Value {
                        source_name: source.to_string(),
                        line,
                        column: format!(
                            "{} (supplier_id)",
                            column_letter(c[0].map(|x| x.0).unwrap_or(0))
                        ),
                        value: id.clone(),
                        reason: format!("this supplier id is already on line {first}"),
                    });
                }
                out.push(Supplier {
                    id,
                    name,
                    postcode: nonempty(c[2]),
                    company_number: nonempty(c[3]),
                    charity_number: nonempty(c[4]),
                    sme: flag(source, line, "sme", c[5])?,
                    vcse: flag(source, line, "vcse", c[6])?,
                });
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Reads an overrides CSV: `supplier_id` or `name`, `postcode` and
    /// `reason` (both required on every line).
    ///
    /// Returns an error naming file, line and column for a missing value or
    /// a postcode that is not a UK postcode.
    pub fn read_overrides(source: &str, r: impl Read) -> Result<Vec<LocationOverride>> {
        let mut out = Vec::new();
        read_table(
            source,
            r,
            &OVERRIDE_COLS,
            &["postcode", "reason"],
            &["name", "reason"],
            |line, c| {
                let missing = |n: usize, what: &str| Error::Value {
                    source_name: source.to_string(),
                    line,
                    column: format!("{} ({what})", column_letter(c[n].map(|x| x.0).unwrap_or(0))),
                    value: String::new(),
                    reason: format!("the {what} is empty"),
                };
                let (supplier_id, name) = (nonempty(c[0]), nonempty(c[1]));
                if supplier_id.is_none() && name.is_none() {
                    return Err(missing(1, "supplier id or name"));
                }
                let postcode = nonempty(c[2]).ok_or_else(|| missing(2, "postcode"))?;
                // The branch is found by its postcode: one that is not a UK
                // postcode would leave the supplier unplaced, silently.
                if let Err(why) = socval_geo::Postcode::parse(&postcode) {
                    return Err(Error::Value {
                        source_name: source.to_string(),
                        line,
                        column: format!(
                            "{} (postcode)",
                            column_letter(c[2].map(|x| x.0).unwrap_or(0))
                        ),
                        value: postcode,
                        reason: format!("not a UK postcode ({why})"),
                    });
                }
                out.push(LocationOverride {
                    supplier_id,
                    name,
                    postcode,
                    reason: nonempty(c[3]).ok_or_else(|| missing(3, "reason"))?,
                });
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Writes suppliers in the canonical layout read back by
    /// [`SupplierRegister::read_suppliers`].
    pub fn write_suppliers(suppliers: &[Supplier], w: impl Write) -> Result<()> {
        let mut w = csv::Writer::from_writer(w);
        let yn = |b: Option<bool>| b.map(|b| if b { "yes" } else { "no" }).unwrap_or("");
        let io = |e: csv::Error| Error::Export {
            reason: e.to_string(),
        };
        w.write_record(SUPPLIER_COLS.map(|c| c.0)).map_err(io)?;
        for s in suppliers {
            let o = |v: &Option<String>| v.clone().unwrap_or_default();
            w.write_record([
                o(&s.id),
                s.name.clone(),
                o(&s.postcode),
                o(&s.company_number),
                o(&s.charity_number),
                yn(s.sme).into(),
                yn(s.vcse).into(),
            ])
            .map_err(io)?;
        }
        w.flush().map_err(|e| Error::Export {
            reason: e.to_string(),
        })
    }

    /// Writes overrides in the canonical layout.
    pub fn write_overrides(overrides: &[LocationOverride], w: impl Write) -> Result<()> {
        let mut w = csv::Writer::from_writer(w);
        let io = |e: csv::Error| Error::Export {
            reason: e.to_string(),
        };
        w.write_record(OVERRIDE_COLS.map(|c| c.0)).map_err(io)?;
        for o in overrides {
            w.write_record([
                o.supplier_id.clone().unwrap_or_default(),
                o.name.clone().unwrap_or_default(),
                o.postcode.clone(),
                o.reason.clone(),
            ])
            .map_err(io)?;
        }
        w.flush().map_err(|e| Error::Export {
            reason: e.to_string(),
        })
    }

    /// The suppliers.
    pub fn suppliers(&self) -> &[Supplier] {
        &self.suppliers
    }

    /// The overrides.
    pub fn overrides(&self) -> &[LocationOverride] {
        &self.overrides
    }

    /// The supplier with this id.
    pub fn find_id(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// The supplier whose normalised name is `normalised`.
    pub fn find_name(&self, normalised: &str) -> Option<u32> {
        self.by_name.get(normalised).copied()
    }

    /// The override for a supplier: by id first, then by normalised name.
    pub fn override_for(&self, id: Option<&str>, normalised: &str) -> Option<u32> {
        id.and_then(|id| self.override_by_id.get(id))
            .or_else(|| self.override_by_name.get(normalised))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_register_with_aliases_and_flags() {
        let csv = "Supplier ID,Supplier Name,Post Code,SME,VCSE\n\
            1,Acme Ltd,S60 2TH,yes,\n\
            2,Helping Hands,s11 8ue,N,Y\n";
        let s = SupplierRegister::read_suppliers("reg.csv", csv.as_bytes()).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].sme, Some(true));
        assert_eq!(s[0].vcse, None);
        assert_eq!(s[1].vcse, Some(true));
        let reg = SupplierRegister::new(s, vec![]).unwrap();
        assert_eq!(reg.find_name(&normalise_name("ACME LIMITED")), Some(0));
        assert_eq!(reg.find_id("2"), Some(1));
        let mut out = Vec::new();
        SupplierRegister::write_suppliers(reg.suppliers(), &mut out).unwrap();
        let back = SupplierRegister::read_suppliers("x", &out[..]).unwrap();
        assert_eq!(back, reg.suppliers());
    }

    #[test]
    fn register_lines_are_the_files_own_and_quotes_must_close() {
        // CRLF line ends and a blank line: the bad flag is on line 4.
        let e = SupplierRegister::read_suppliers(
            "reg.csv",
            "name,sme\r\nA,yes\r\n\r\nB,maybe\r\n".as_bytes(),
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("reg.csv, line 4, column B (sme)"),
            "{e}"
        );
        // A name over two lines is kept; a quote left open is refused.
        let s = SupplierRegister::read_suppliers(
            "reg.csv",
            "name,postcode\n\"Acme\nNorth\",S60 2TH\nB,S1 2HH\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(s[0].name, "Acme\nNorth");
        assert_eq!(s[1].postcode.as_deref(), Some("S1 2HH"));
        for (text, want) in [
            (
                "name,postcode\n\"Acme,S60 2TH\nB,S1 2HH\n",
                "reg.csv, line 2: a quoted field opens on this line and runs over several lines, leaving 1 fields where the header has 2",
            ),
            (
                "name,postcode\nA,S60 2TH\nB,\"S1 2HH\nC,S1 1AA\n",
                "reg.csv, line 3, column B (postcode): \"S1 2HH\\nC,S1 1AA\\n\": a line end inside quotes",
            ),
            (
                "postcode,name\nS60 2TH,A\nS1 2HH,\"B\nS1 1AA,C\n",
                "reg.csv, line 3: a quoted field opens on this line and never closes",
            ),
        ] {
            let e = SupplierRegister::read_suppliers("reg.csv", text.as_bytes()).unwrap_err();
            assert!(e.to_string().starts_with(want), "{text:?}: {e}");
        }
    }

    /// An override moves a supplier to a postcode: one that is not a UK
    /// postcode could never be found, so it is refused (issue 12).
    #[test]
    fn override_postcodes_must_be_uk_postcodes() {
        let o = SupplierRegister::read_overrides(
            "o.csv",
            "name,postcode,reason\nA,s60 2th,branch\nB,BFPO 123,base\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(o[0].postcode, "s60 2th");
        for (postcode, why) in [
            (
                "NOTAPOSTCODE",
                "12 letters and digits; a postcode has 5 to 7",
            ),
            ("S60 2T!", "character '!' is not used in postcodes"),
            ("QQ1 1AA", "outward code \"QQ1\" is not a UK format"),
        ] {
            let text = format!("name,postcode,reason\nA,S60 2TH,branch\nB,{postcode},branch\n");
            let e = SupplierRegister::read_overrides("o.csv", text.as_bytes()).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "o.csv, line 3, column B (postcode): {postcode:?}: not a UK postcode ({why})"
                )
            );
        }
    }

    #[test]
    fn bad_register_lines_are_named() {
        let e = SupplierRegister::read_suppliers("reg.csv", "name,sme\nA,maybe\n".as_bytes())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "reg.csv, line 2, column B (sme): \"maybe\": expected yes/no, true/false, 1/0 or blank"
        );
        let e = SupplierRegister::read_suppliers("reg.csv", "id,name\n1,A\n1,B\n".as_bytes())
            .unwrap_err();
        assert!(
            e.to_string().contains("line 3") && e.to_string().contains("already on line 2"),
            "{e}"
        );
        let e = SupplierRegister::read_overrides(
            "o.csv",
            "name,postcode,reason\nA,S60 2TH,\n".as_bytes(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("the reason is empty"), "{e}");
    }
}
