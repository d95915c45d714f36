//! A deterministic generator of realistic synthetic ledgers, for tests,
//! benchmarks and the demo: a payments CSV in the Sheffield layout and a
//! supplier register. Same options and seed, same bytes.
//!
//! Realism, after the shape of Sheffield's published payments (median
//! about £600, nine in ten under £3,000, one in a hundred over £25,000, a
//! tail to £2m): each amount is drawn from bands of that distribution (see
//! [`AMOUNT_BANDS`]); payment counts per supplier follow a Zipf-like law
//! (1/rank), boosted up to 16 times for the largest suppliers, so a few
//! hundred suppliers take most of the spend (the report's top 300 took
//! 89%, Sheffield's 84%); about 2% of payments are credit notes, about 8% are
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

/// Amount bands `(from, to)` in pence and their weights out of 10,000,
/// after the quantiles of Sheffield's 2018–2020 payments (median £618, 90th
/// percentile £3,027, 99th £27,870, 99.9th £500,000). An amount is uniform
/// within its band; integers only, so the bytes are the same everywhere.
const AMOUNT_BANDS: [(i64, i64, u32); 8] = [
    (100, 10_000, 800),            // £1 – £100
    (10_000, 50_000, 3_500),       // £100 – £500
    (50_000, 100_000, 2_000),      // £500 – £1,000
    (100_000, 300_000, 2_500),     // £1,000 – £3,000
    (300_000, 1_000_000, 900),     // £3,000 – £10,000
    (1_000_000, 5_000_000, 230),   // £10,000 – £50,000
    (5_000_000, 25_000_000, 55),   // £50,000 – £250,000
    (25_000_000, 200_000_000, 15), // £250,000 – £2,000,000
];

/// The largest suppliers get up to `(RANK_C + RANK_K) / RANK_C` times the
/// payments of a plain 1/rank law, fading out over the first few thousand
/// ranks: with 50,000 suppliers the top 300 take about 87% of the named
/// suppliers' spend (the top one about 16%, the top 100 about 77%).
const RANK_C: u64 = 200;
const RANK_K: u64 = 3000;

fn amount_pence(rng: &mut ChaCha8Rng) -> i64 {
    let mut x = rng.random_range(0..10_000u32);
    for (from, to, w) in AMOUNT_BANDS {
        if x < w {
            return rng.random_range(from..to);
        }
        x -= w;
    }
    unreachable!("the band weights add up to 10,000")
}

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

    // Zipf-like: the supplier of rank r (from 0) gets payments in proportion
    // to 1/(r+1), boosted for the largest suppliers.
    let mut cumulative = Vec::with_capacity(m as usize);
    let mut acc: u64 = 0;
    for r in 0..u64::from(m) {
        acc += 1_000_000_000 / (r + 1) * (r + RANK_C + RANK_K) / (r + RANK_C);
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
        let mut pence = amount_pence(&mut rng);
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

    /// The shape a council ledger has (Sheffield's published payments): most
    /// payments hundreds to a few thousand pounds, a heavy tail, and a few
    /// suppliers taking most of the spend.
    #[test]
    fn amounts_and_concentration_look_like_a_council_ledger() {
        let opts = GenerateOptions {
            payments: 40_000,
            suppliers: 5_000,
            seed: 11,
            ..Default::default()
        };
        let mut p = Vec::new();
        let s = generate(&opts, &[], &mut p, Vec::new()).unwrap();
        let mut rdr = csv::Reader::from_reader(&p[..]);
        let mut amounts = Vec::new();
        let mut per: std::collections::HashMap<String, i64> = Default::default();
        for r in rdr.records() {
            let r = r.unwrap();
            let pence = crate::ledger::parse_pence(&r[1]).unwrap();
            amounts.push(pence);
            if !crate::name::is_redacted(&r[3]) {
                *per.entry(normalise_name(&r[3])).or_default() += pence;
            }
        }
        assert_eq!(amounts.iter().sum::<i64>(), s.total_pence);
        let n = amounts.len();
        let mean = s.total_pence / n as i64;
        amounts.sort_unstable();
        let (median, p90, p99, max) = (
            amounts[n / 2],
            amounts[n * 9 / 10],
            amounts[n * 99 / 100],
            amounts[n - 1],
        );
        // Sheffield: median £618, 90th percentile £3,027, 99th £27,870,
        // mean £3,741 (the old generator's mean was about £141,000).
        assert!((30_000..150_000).contains(&median), "median {median}p");
        assert!((150_000..800_000).contains(&p90), "90th percentile {p90}p");
        assert!(
            (1_000_000..8_000_000).contains(&p99),
            "99th percentile {p99}p"
        );
        assert!((150_000..1_500_000).contains(&mean), "mean {mean}p");
        assert!(max > 25_000_000, "a heavy tail: the largest is {max}p");
        let hundreds_to_tens_of_thousands = amounts
            .iter()
            .filter(|&&a| (10_000..5_000_000).contains(&a))
            .count();
        assert!(hundreds_to_tens_of_thousands * 100 > n * 85);
        let mut ranked: Vec<i64> = per.into_values().collect();
        ranked.sort_unstable_by(|a, b| b.cmp(a));
        let total: i64 = ranked.iter().sum();
        let top: i64 = ranked.iter().take(ranked.len() / 20).sum();
        assert!(
            top * 100 > total * 60,
            "the top 5% of suppliers take {}% of the spend",
            top * 100 / total
        );
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
