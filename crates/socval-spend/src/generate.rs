//! A deterministic generator of realistic synthetic ledgers, for tests,
//! benchmarks and the demo: a payments CSV in the Sheffield layout and a
//! supplier register. Same options and seed, same bytes.
//!
//! Realism: payment counts per supplier follow a Zipf-like law (1/rank)
//! and larger suppliers are paid larger amounts, so a few suppliers take
//! most of the spend; about 2% of payments are credit notes, about 8% are
//! redacted (a few with the published typo `REDACTED PERSONAL DATS`),
//! about 10% spell the supplier's name differently from the register
//! (case, `Ltd`/`Limited`, `&`/`and`, spacing, a trailing dot).

use std::io::{Read, Write};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use socval_core::FinancialYear;
use time::Duration;

use crate::error::{Error, Result};
use crate::ledger::{field_text, header_key};
use crate::register::{Supplier, SupplierRegister};

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    /// Payment lines.
    pub payments: u64,
    /// Suppliers in the register.
    pub suppliers: u32,
    /// The seed: the output depends only on the options and this.
    pub seed: u64,
    /// The first financial year.
    pub first_year: FinancialYear,
    /// How many financial years the payments span.
    pub years: u32,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            payments: 10_000,
            suppliers: 500,
            seed: 1,
            first_year: FinancialYear::starting(2018),
            years: 2,
        }
    }
}

/// What was generated.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct GenerateSummary {
    /// Payment lines written.
    pub payments: u64,
    /// Suppliers written.
    pub suppliers: u32,
    /// Sum of all payments in pence.
    pub total_pence: i64,
    /// Credit notes.
    pub credit_notes: u64,
    /// Redacted payments.
    pub redacted: u64,
    /// Payments whose name differs from the register's spelling.
    pub name_variants: u64,
}

const FIRST: [&str; 32] = [
    "Northern",
    "Yorkshire",
    "Pennine",
    "Don Valley",
    "Riverside",
    "Castle",
    "Moorland",
    "Steel City",
    "Abbey",
    "Crown",
    "Oak",
    "Phoenix",
    "Premier",
    "Central",
    "Parkgate",
    "Wentworth",
    "Dearne",
    "Rother",
    "Brinsworth",
    "Canklow",
    "Kimberworth",
    "Maltby",
    "Wath",
    "Rawmarsh",
    "Dinnington",
    "Aston",
    "Swallownest",
    "Thurcroft",
    "Wickersley",
    "Whiston",
    "Bramley",
    "Ravenfield",
];
const SECOND: [&str; 32] = [
    "Roofing",
    "Care",
    "Construction",
    "Cleaning",
    "Catering",
    "Electrical",
    "Plumbing",
    "Transport",
    "Security",
    "Consulting",
    "Print",
    "Landscapes",
    "Joinery",
    "Scaffolding",
    "Fostering",
    "Supported Living",
    "IT",
    "Legal",
    "Waste",
    "Highways",
    "Engineering",
    "Training",
    "Furniture",
    "Fencing",
    "Glazing",
    "Lifts",
    "Energy",
    "Travel",
    "Recruitment",
    "Signs",
    "Tyres",
    "Windows",
];
const THIRD: [&str; 16] = [
    "Services",
    "Solutions",
    "Group",
    "& Sons",
    "Partners",
    "Supplies",
    "Contractors",
    "Associates",
    "Systems",
    "Holdings",
    "Trust",
    "& Co",
    "Works",
    "Centre",
    "Network",
    "Agency",
];
const SERVICES: [&str; 6] = [
    "PEOPLE",
    "PLACE",
    "RESOURCES",
    "POLICY, PERFORMANCE AND COMMS",
    "CHILDREN AND YOUNG PEOPLE",
    "ADULT CARE",
];

fn supplier_name(i: u32, rng: &mut ChaCha8Rng) -> String {
    let (a, b, c) = (FIRST.len() as u32, SECOND.len() as u32, THIRD.len() as u32);
    let mut n = format!(
        "{} {} {}",
        FIRST[(i % a) as usize],
        SECOND[((i / a) % b) as usize],
        THIRD[((i / (a * b)) % c) as usize]
    );
    let round = i / (a * b * c);
    if round > 0 {
        n = format!("{} {}", n, round + 1);
    }
    let suffix = match rng.random_range(0..10u32) {
        0..=5 => " Ltd",
        6 => " Limited",
        7 => " PLC",
        8 => " LLP",
        _ => "",
    };
    n + suffix
}

/// A published spelling of `name` that normalises to the same supplier.
fn variant(name: &str, rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..5u32) {
        0 => name.to_uppercase(),
        1 if name.ends_with(" Ltd") => format!("{}Limited", &name[..name.len() - 3]),
        1 if name.ends_with(" Limited") => format!("{}Ltd.", &name[..name.len() - 7]),
        2 if name.contains(" & ") => name.replace(" & ", " and "),
        3 => name.replace(' ', "  "),
        _ => format!("{}.", name.to_uppercase()),
    }
}

/// Reads postcodes from a CSV with a `pcds`, `pcd`, `postcode` or `pcd7`
/// column (a postcode directory extract, or any list).
///
/// Returns an error if no such column exists.
pub fn postcodes_from_csv(source: &str, r: impl Read) -> Result<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(r);
    let csv_err = |e: csv::Error| Error::Csv {
        source_name: source.to_string(),
        line: e.position().map(|p| p.line()).unwrap_or(0),
        reason: e.to_string(),
    };
    let mut rec = csv::ByteRecord::new();
    if !rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = rec.iter().map(|h| header_key(&field_text(h))).collect();
    let col = ["pcds", "pcd", "postcode", "pcd7", "pcd8"]
        .iter()
        .find_map(|k| keys.iter().position(|h| h == k))
        .ok_or_else(|| Error::MissingColumn {
            source_name: source.to_string(),
            field: "postcode",
            accepted: "pcds, pcd, postcode, pcd7, pcd8".into(),
            found: keys.join(", "),
        })?;
    let mut out = Vec::new();
    while rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        if let Some(p) = rec.get(col) {
            let p = field_text(p).trim().to_string();
            if !p.is_empty() {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Generates a register of `opts.suppliers` suppliers (postcodes drawn from
/// `postcodes`; about 3% have none) and `opts.payments` payments.
///
/// Returns an error if writing fails.
pub fn generate(
    opts: &GenerateOptions,
    postcodes: &[String],
    payments: impl Write,
    register: impl Write,
) -> Result<GenerateSummary> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let m = opts.suppliers.max(1);
    let mut suppliers = Vec::with_capacity(m as usize);
    for i in 0..m {
        let name = supplier_name(i, &mut rng);
        let postcode = if postcodes.is_empty() || rng.random_range(0..100u32) < 3 {
            None
        } else {
            Some(postcodes[rng.random_range(0..postcodes.len())].clone())
        };
        let flag = |rng: &mut ChaCha8Rng, yes: u32| match rng.random_range(0..100u32) {
            x if x < yes => Some(true),
            x if x < 95 => Some(false),
            _ => None,
        };
        suppliers.push(Supplier {
            id: Some(format!("S{:06}", i + 1)),
            name,
            postcode,
            company_number: (rng.random_range(0..2u32) == 0)
                .then(|| format!("{:08}", rng.random_range(1_000_000..14_000_000u32))),
            charity_number: None,
            sme: flag(&mut rng, 70),
            vcse: flag(&mut rng, 8),
        });
    }
    SupplierRegister::write_suppliers(&suppliers, register)?;

    // Zipf-like: the supplier of rank r gets payments in proportion to 1/r.
    let mut cumulative = Vec::with_capacity(m as usize);
    let mut acc: u64 = 0;
    for r in 0..u64::from(m) {
        acc += 1_000_000_000 / (r + 1);
        cumulative.push(acc);
    }
    let first = opts.first_year.first_day();
    let days = i64::from(days_between(first, opts.first_year.last_day()))
        + 1
        + 365 * i64::from(opts.years.saturating_sub(1));
    let io = |e: std::io::Error| Error::io("payments", e);
    let mut w = std::io::BufWriter::with_capacity(1 << 20, payments);
    w.write_all(
        b"Payment Date,Amount,Organisational Unit,Beneficiary Name,Company Number,Charity Number\n",
    )
    .map_err(io)?;
    let mut s = GenerateSummary {
        suppliers: m,
        ..Default::default()
    };
    let mut line = String::with_capacity(128);
    for _ in 0..opts.payments {
        let date = first + Duration::days(rng.random_range(0..days));
        let x = rng.random_range(0..acc);
        let i = cumulative.partition_point(|&c| c <= x);
        let sup = &suppliers[i];
        // Larger suppliers are paid larger amounts: up to £250 + £2m/rank.
        let max = 25_000 + 200_000_000 / (i as i64 + 1);
        let mut pence = rng.random_range(25_000..=max.max(25_001));
        if rng.random_range(0..100u32) < 2 {
            pence = -(pence / 4).max(1);
            s.credit_notes += 1;
        }
        let r = rng.random_range(0..1000u32);
        let (name, company) = if r < 80 {
            s.redacted += 1;
            (
                if r < 5 {
                    "REDACTED PERSONAL DATS".to_string()
                } else {
                    "REDACTED PERSONAL DATA".to_string()
                },
                "",
            )
        } else if r < 180 {
            s.name_variants += 1;
            (
                variant(&sup.name, &mut rng),
                sup.company_number.as_deref().unwrap_or(""),
            )
        } else {
            (
                sup.name.clone(),
                sup.company_number.as_deref().unwrap_or(""),
            )
        };
        let service = SERVICES[rng.random_range(0..SERVICES.len())];
        s.total_pence += pence;
        s.payments += 1;
        line.clear();
        let (sign, abs) = if pence < 0 {
            ("-", -pence)
        } else {
            ("", pence)
        };
        use std::fmt::Write as _;
        let _ = write!(line, "{date},{sign}{}.{:02},", abs / 100, abs % 100);
        push_csv(&mut line, service);
        line.push(',');
        push_csv(&mut line, &name);
        line.push(',');
        line.push_str(company);
        line.push_str(",\n");
        w.write_all(line.as_bytes()).map_err(io)?;
    }
    w.flush().map_err(io)?;
    Ok(s)
}

fn days_between(a: time::Date, b: time::Date) -> i32 {
    b.to_julian_day() - a.to_julian_day()
}

fn push_csv(out: &mut String, v: &str) {
    if v.contains([',', '"', '\n']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{ImportOptions, parse_csv};
    use crate::name::normalise_name;

    #[test]
    fn same_seed_same_bytes_and_imports_cleanly() {
        let pcs = vec!["S60 2TH".to_string(), "S1 2HH".to_string()];
        let opts = GenerateOptions {
            payments: 2000,
            suppliers: 50,
            seed: 7,
            ..Default::default()
        };
        let (mut p1, mut r1, mut p2, mut r2) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let s = generate(&opts, &pcs, &mut p1, &mut r1).unwrap();
        generate(&opts, &pcs, &mut p2, &mut r2).unwrap();
        assert_eq!((p1.clone(), r1.clone()), (p2, r2));
        let other = GenerateOptions {
            seed: 8,
            ..opts.clone()
        };
        let mut p3 = Vec::new();
        generate(&other, &pcs, &mut p3, Vec::new()).unwrap();
        assert_ne!(p1, p3);
        let parsed = parse_csv("gen.csv", &p1[..], &ImportOptions::default(), |_| Ok(())).unwrap();
        assert_eq!(parsed.rows, 2000);
        assert_eq!(parsed.total_pence, s.total_pence);
        assert_eq!(parsed.redacted_rows, s.redacted);
        assert_eq!(parsed.credit_notes, s.credit_notes);
        assert!(s.credit_notes > 0 && s.redacted > 0 && s.name_variants > 0);
        let reg = SupplierRegister::read_suppliers("reg.csv", &r1[..]).unwrap();
        assert_eq!(reg.len(), 50);
        let names: std::collections::HashSet<String> =
            reg.iter().map(|s| normalise_name(&s.name)).collect();
        assert_eq!(names.len(), 50, "names are distinct after normalisation");
    }

    #[test]
    fn variants_normalise_to_the_register_name() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for i in 0..2000 {
            let n = supplier_name(i, &mut rng);
            let v = variant(&n, &mut rng);
            assert_eq!(normalise_name(&v), normalise_name(&n), "{n} / {v}");
        }
    }
}
