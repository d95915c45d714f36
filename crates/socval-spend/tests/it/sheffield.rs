//! All of Sheffield City Council's published payments for 2018/19 and
//! 2019/20 (16 files, about 494,000 lines): every line accounted for, totals
//! exact to the penny against an independent reading, and the analyses
//! against a plain row-by-row computation.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use socval_core::{FinancialYear, Gbp};
use socval_spend::{
    ANALYSIS_COLUMNS, AnalysisOptions, BlankAmount, DeprivedBand, Error, GeoResolver,
    ImportOptions, LocationClass, LocationResolver, SpendStore, SpendTotals, Supplier,
    SupplierLocation, SupplierRegister, YearReport, is_redacted, normalise_name,
};

use crate::{TableResolver, shared_data};

fn files() -> Vec<PathBuf> {
    let dir = shared_data().join("spend/sheffield");
    let mut f: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    f.sort();
    assert_eq!(f.len(), 16, "{}", dir.display());
    f
}

/// Splits one CSV line (no embedded newlines in these files) on commas
/// outside quotes. Deliberately not the csv crate.
fn split(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

/// `123.4` → 12340 pence, by hand.
fn pence(s: &str) -> i64 {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (i, f) = s.split_once('.').unwrap_or((s, ""));
    let f = format!("{f:0<2}");
    assert!(f.len() == 2, "{s}");
    let v = i.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap();
    if neg { -v } else { v }
}

/// `2019-04-01` → 2019 (the financial year's start).
fn fy(date: &str) -> i32 {
    let y: i32 = date[0..4].parse().unwrap();
    let m: u32 = date[5..7].parse().unwrap();
    if m >= 4 { y } else { y - 1 }
}

struct Row {
    fy: i32,
    pence: i64,
    name: String,
}

struct Independent {
    lines: BTreeMap<String, u64>,
    blank: u64,
    rows: Vec<Row>,
}

fn read_independently() -> Independent {
    let mut ind = Independent {
        lines: BTreeMap::new(),
        blank: 0,
        rows: Vec::new(),
    };
    for f in files() {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut lines = text.lines();
        let header = split(lines.next().unwrap());
        assert_eq!(header[1], "Amount");
        let mut n = 0;
        for l in lines {
            n += 1;
            let cells = split(l);
            if cells[1].is_empty() {
                ind.blank += 1;
                continue;
            }
            ind.rows.push(Row {
                fy: fy(&cells[0]),
                pence: pence(&cells[1]),
                name: cells[3].trim().to_string(),
            });
        }
        ind.lines
            .insert(f.file_name().unwrap().to_string_lossy().into_owned(), n);
    }
    ind
}

#[test]
fn sheffield_imports_exactly_and_analyses_match_a_plain_model() {
    let ind = read_independently();
    let tmp = tempfile::tempdir().unwrap();
    let store = SpendStore::new(tmp.path());

    // The default refuses a line with no amount, naming it; nothing stored.
    let aug = files()
        .into_iter()
        .find(|f| f.ends_with("2019-08.csv"))
        .unwrap();
    let e = store
        .import(&[aug], &ImportOptions::default(), false)
        .unwrap_err();
    let Error::Value {
        source_name,
        line,
        column,
        ..
    } = &e
    else {
        panic!("{e}")
    };
    assert!(
        source_name.ends_with("2019-08.csv") && *line > 1 && column == "B (Amount)",
        "{e}"
    );
    assert!(store.imports().unwrap().is_empty());

    let opts = ImportOptions {
        blank_amount: BlankAmount::Skip,
        ..Default::default()
    };
    let imported = store.import(&files(), &opts, false).unwrap();
    assert_eq!(imported.len(), 16);

    // Every line accounted for: a payment or a counted blank-amount line.
    let mut blank = 0;
    let mut redacted = 0;
    for i in &imported {
        assert_eq!(i.lines, ind.lines[&i.source], "{}", i.source);
        assert_eq!(i.rows + i.blank_amount_lines, i.lines, "{}", i.source);
        blank += i.blank_amount_lines;
        redacted += i.redacted_rows;
    }
    assert_eq!(blank, ind.blank);
    assert_eq!(blank, 5079, "the README's count of lines with no amount");
    let total_lines: u64 = ind.lines.values().sum();
    assert!((490_000..500_000).contains(&total_lines), "{total_lines}");
    let want_redacted = ind
        .rows
        .iter()
        .filter(|r| r.name.starts_with("REDACTED"))
        .count() as u64;
    assert_eq!(redacted, want_redacted);

    // Totals per year, exact to the penny.
    let mut want: BTreeMap<i32, (u64, i64)> = BTreeMap::new();
    for r in &ind.rows {
        let e = want.entry(r.fy).or_default();
        e.0 += 1;
        e.1 += r.pence;
    }
    let got = socval_spend::totals_by_year(&store.imports().unwrap());
    assert_eq!(got.len(), 2);
    for (fy, y) in &got {
        let (rows, p) = want[&fy.start_year()];
        assert_eq!((y.rows, y.gbp), (rows, Gbp::from_pence(p)), "{fy}");
    }

    // A supplier register for its suppliers, postcodes from the S/DN file.
    let (register, resolver) = register_and_resolver(&ind);
    let years = [FinancialYear::starting(2018), FinancialYear::starting(2019)];
    let mut totals = SpendTotals::new(&register, &years);
    store
        .scan(&ANALYSIS_COLUMNS[..3], |b| totals.add_batch(b))
        .unwrap();
    let locations = totals.locations(&resolver);
    let aopts = AnalysisOptions::default();
    for fy in years {
        let report = totals.report(fy, &locations, &aopts).unwrap();
        check_against_model(&report, &ind, &register, &resolver, &aopts);
    }

    real_geography(tmp.path(), &store, &ind);
}

const NON_GEOGRAPHIC: [&str; 9] = [
    "BS98", "BS99", "BT58", "E98", "EC50", "N1P", "NE98", "NE99", "SE1P",
];

/// The same analyses with the real geography: a register whose postcodes
/// come from the S/DN file and from the whole-UK NSPL, resolved by
/// `socval-geo` (postcode index and IMD 2019 imported into the data
/// directory), checked against a model that reads the same CSV files
/// itself: class from the LAD code, ward as published, band from the IMD
/// rank of the postcode's LSOA (rank × 100 ≤ LSOAs × p).
fn real_geography(data_dir: &std::path::Path, store: &SpendStore, ind: &Independent) {
    let sdn = shared_data().join("geo/postcodes-s-dn.csv");
    let uk = shared_data().join("geo/nspl-2024-08-uk-lad-ward-lsoa21.csv.gz");
    let imd_file = shared_data().join("imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv");

    // (postcode, lad, ward, lsoa21) from each file.
    let mut local_pcs: Vec<[String; 4]> = Vec::new();
    for l in std::fs::read_to_string(&sdn).unwrap().lines().skip(1) {
        let c = split(l);
        local_pcs.push([c[1].clone(), c[3].clone(), c[4].clone(), c[5].clone()]);
    }
    // Every 997th UK postcode outside the S and DN areas (national suppliers).
    let mut uk_pcs: Vec<[String; 4]> = Vec::new();
    let mut sample = String::from("pcds,laua,ward,lsoa21\n");
    let rd = socval_geo::open_input(&uk).unwrap();
    for (i, l) in std::io::BufRead::lines(rd).enumerate().skip(1) {
        let l = l.unwrap();
        if i % 997 != 0 {
            continue;
        }
        let c = split(&l);
        let area: String = c[0]
            .chars()
            .take_while(|ch| ch.is_ascii_alphabetic())
            .collect();
        if area == "S" || area == "DN" {
            continue;
        }
        sample.push_str(&l);
        sample.push('\n');
        uk_pcs.push([c[0].clone(), c[1].clone(), c[2].clone(), c[3].clone()]);
    }
    assert!(uk_pcs.len() > 2000, "{}", uk_pcs.len());
    let sample_path = data_dir.join("uk-sample.csv");
    std::fs::write(&sample_path, sample).unwrap();
    socval_geo::import(
        data_dir,
        &[sdn.clone(), sample_path, imd_file.clone()],
        &socval_geo::ImportOptions::default(),
        &mut |_, r| r,
    )
    .unwrap();
    let geo = socval_geo::GeoData::open(data_dir).unwrap();
    let def = geo.default_definition();
    let real = GeoResolver::new(&geo, &def);

    // The IMD read by hand: LSOA → rank.
    let mut ranks: HashMap<String, i64> = HashMap::new();
    let imd_text = std::fs::read_to_string(&imd_file).unwrap();
    for l in imd_text.trim_start_matches('\u{feff}').lines().skip(1) {
        let c = split(l);
        ranks.insert(c[0].clone(), c[4].replace(',', "").parse().unwrap());
    }
    let n = ranks.len() as i64;
    assert_eq!(n, 32_844);

    let mut names: Vec<&str> = ind
        .rows
        .iter()
        .filter(|r| !is_redacted(&r.name))
        .map(|r| r.name.as_str())
        .collect();
    names.sort();
    names.dedup_by(|a, b| normalise_name(a) == normalise_name(b));
    let mut suppliers = Vec::new();
    let mut table = HashMap::new();
    let (mut from_uk, mut with_band) = (0, 0);
    for (i, name) in names.iter().enumerate() {
        if i % 20 == 7 {
            continue;
        }
        let pc = match i % 25 {
            3 => None,
            r if r % 3 == 0 => Some(&uk_pcs[(i * 7919) % uk_pcs.len()]),
            _ => Some(&local_pcs[(i * 7919) % local_pcs.len()]),
        };
        if let Some([pc, lad, ward, lsoa]) = pc {
            // Non-geographic districts (docs/geo.md) do not locate a supplier,
            // even where the NSPL gives them an area.
            let outward = pc.split(' ').next().unwrap_or_default();
            if NON_GEOGRAPHIC.contains(&outward) {
                table.insert(pc.clone(), SupplierLocation::unknown("non-geographic"));
                suppliers.push(Supplier {
                    id: Some(format!("SUP{i}")),
                    name: name.to_string(),
                    postcode: Some(pc.clone()),
                    ..Default::default()
                });
                continue;
            }
            let class = match lad.as_str() {
                "" => LocationClass::Unknown,
                "E08000018" => LocationClass::Local,
                "E08000016" | "E08000017" | "E08000019" => LocationClass::Region,
                _ => LocationClass::Outside,
            };
            let band = ranks.get(lsoa).and_then(|&r| {
                [
                    (1, DeprivedBand::Top1),
                    (10, DeprivedBand::Top10),
                    (20, DeprivedBand::Top20),
                ]
                .into_iter()
                .find(|(p, _)| r * 100 <= n * p)
                .map(|(_, b)| b)
            });
            from_uk +=
                usize::from(uk_pcs.iter().any(|u| &u[0] == pc) && class == LocationClass::Outside);
            with_band += usize::from(band.is_some() && class == LocationClass::Local);
            table.insert(
                pc.clone(),
                SupplierLocation {
                    postcode: Some(pc.clone()),
                    lad: Some(lad.clone()).filter(|s| !s.is_empty()),
                    ward: Some(ward.clone()).filter(|s| !s.is_empty()),
                    ward_name: None,
                    lsoa: Some(lsoa.clone()).filter(|s| !s.is_empty()),
                    band,
                    deprivation_known: ranks.contains_key(lsoa),
                    distance_km: None,
                    terminated: false,
                    unknown_reason: None,
                    class,
                },
            );
        }
        suppliers.push(Supplier {
            id: Some(format!("SUP{i}")),
            name: name.to_string(),
            postcode: pc.map(|p| p[0].clone()),
            ..Default::default()
        });
    }
    assert!(from_uk > 100 && with_band > 10, "{from_uk} {with_band}");
    let register = SupplierRegister::new(suppliers, Vec::new()).unwrap();
    let model = TableResolver(table);
    // The real resolver agrees with the hand-made table postcode by postcode.
    for s in register.suppliers() {
        if let Some(pc) = &s.postcode {
            let (got, want) = (real.resolve(pc), model.resolve(pc));
            assert_eq!(
                (got.class, &got.ward, got.band),
                (want.class, &want.ward, want.band),
                "{pc}"
            );
        }
    }
    let years = [FinancialYear::starting(2018), FinancialYear::starting(2019)];
    let mut totals = SpendTotals::new(&register, &years);
    store
        .scan(&ANALYSIS_COLUMNS[..3], |b| totals.add_batch(b))
        .unwrap();
    let locations = totals.locations(&real);
    let aopts = AnalysisOptions::default();
    for fy in years {
        let report = totals.report(fy, &locations, &aopts).unwrap();
        check_against_model(&report, ind, &register, &model, &aopts);
        assert!(report.by_class.outside.gbp > Gbp::ZERO && report.by_class.region.gbp > Gbp::ZERO);
    }
}

fn register_and_resolver(ind: &Independent) -> (SupplierRegister, TableResolver) {
    let text = std::fs::read_to_string(shared_data().join("geo/postcodes-s-dn.csv")).unwrap();
    let mut pcs: Vec<(String, String, String, String)> = Vec::new();
    for l in text.lines().skip(1) {
        let c = split(l);
        pcs.push((c[1].clone(), c[3].clone(), c[4].clone(), c[5].clone()));
    }
    // Bands from the LSOA's code, as a plain table (every tenth LSOA "1%"...).
    let mut names: Vec<&str> = ind
        .rows
        .iter()
        .filter(|r| !is_redacted(&r.name))
        .map(|r| r.name.as_str())
        .collect();
    names.sort();
    names.dedup_by(|a, b| normalise_name(a) == normalise_name(b));
    let mut suppliers = Vec::new();
    let mut table = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        // One in 20 suppliers is left out of the register (unmatched); one in
        // 25 has no postcode.
        if i % 20 == 7 {
            continue;
        }
        let postcode = (i % 25 != 3).then(|| pcs[(i * 7919) % pcs.len()].clone());
        if let Some((pc, lad, ward, lsoa)) = &postcode {
            let class = match lad.as_str() {
                "E08000018" => LocationClass::Local,
                "E08000016" | "E08000017" | "E08000019" => LocationClass::Region,
                _ => LocationClass::Outside,
            };
            let h: u32 = lsoa.bytes().map(u32::from).sum();
            let band = match h % 10 {
                0 => Some(DeprivedBand::Top1),
                1 | 2 => Some(DeprivedBand::Top10),
                3 => Some(DeprivedBand::Top20),
                _ => None,
            };
            table.insert(
                pc.clone(),
                SupplierLocation {
                    postcode: Some(pc.clone()),
                    lad: Some(lad.clone()),
                    ward: Some(ward.clone()),
                    ward_name: None,
                    lsoa: Some(lsoa.clone()),
                    band,
                    deprivation_known: true,
                    distance_km: None,
                    terminated: false,
                    unknown_reason: None,
                    class,
                },
            );
        }
        suppliers.push(Supplier {
            id: Some(format!("SUP{i}")),
            name: n.to_string(),
            postcode: postcode.map(|p| p.0),
            sme: Some(i % 3 == 0),
            ..Default::default()
        });
    }
    (
        SupplierRegister::new(suppliers, Vec::new()).unwrap(),
        TableResolver(table),
    )
}

/// The same figures, computed row by row with maps.
fn check_against_model(
    r: &YearReport,
    ind: &Independent,
    reg: &SupplierRegister,
    res: &TableResolver,
    opts: &AnalysisOptions,
) {
    let fy = r.year.start_year();
    let mut by_payee: HashMap<String, i64> = HashMap::new();
    let mut total = 0i64;
    let mut redacted = 0i64;
    for row in ind.rows.iter().filter(|x| x.fy == fy) {
        total += row.pence;
        if is_redacted(&row.name) {
            redacted += row.pence;
            continue;
        }
        *by_payee.entry(normalise_name(&row.name)).or_default() += row.pence;
    }
    assert_eq!(r.total_gbp, Gbp::from_pence(total), "{fy}");
    assert_eq!(r.suppliers, by_payee.len() as u64);
    assert_eq!(r.data_quality.redacted.gbp, Gbp::from_pence(redacted));
    let location = |norm: &str| -> SupplierLocation {
        match reg.find_name(norm).map(|s| &reg.suppliers()[s as usize]) {
            None => SupplierLocation::unknown("not in the supplier register"),
            Some(s) => match &s.postcode {
                None => SupplierLocation::unknown("no postcode"),
                Some(pc) => res.resolve(pc),
            },
        }
    };
    let mut ranked: Vec<(&String, i64)> = by_payee.iter().map(|(k, v)| (k, *v)).collect();
    ranked.sort_by_key(|x| std::cmp::Reverse(x.1));
    let n = opts.top_n.min(ranked.len());
    let top_gbp: i64 = ranked[..n].iter().map(|x| x.1).sum();
    assert_eq!(r.top_n_gbp, Gbp::from_pence(top_gbp));

    let mut class: HashMap<LocationClass, (i64, u64)> = HashMap::new();
    let mut top_class: HashMap<LocationClass, (i64, u64)> = HashMap::new();
    let mut dep = [(0i64, 0u64); 3];
    let mut wards: BTreeMap<String, i64> = BTreeMap::new();
    let mut unmatched = 0i64;
    for (rank, (name, p)) in ranked.iter().enumerate() {
        let l = location(name);
        if reg.find_name(name).is_none() {
            unmatched += p;
        }
        let e = class.entry(l.class).or_default();
        e.0 += p;
        e.1 += 1;
        if rank < n {
            let e = top_class.entry(l.class).or_default();
            e.0 += p;
            e.1 += 1;
        }
        if l.class == LocationClass::Local {
            *wards.entry(l.ward.clone().unwrap()).or_default() += p;
            for (i, b) in [DeprivedBand::Top1, DeprivedBand::Top10, DeprivedBand::Top20]
                .iter()
                .enumerate()
            {
                if l.band.is_some_and(|x| x <= *b) {
                    dep[i].0 += p;
                    dep[i].1 += 1;
                }
            }
        }
    }
    // The redacted payee is unknown, with no supplier.
    class.entry(LocationClass::Unknown).or_default().0 += redacted;
    let c = |m: &HashMap<LocationClass, (i64, u64)>, k| m.get(&k).copied().unwrap_or_default();
    for (k, got) in [
        (LocationClass::Local, &r.by_class.local),
        (LocationClass::Region, &r.by_class.region),
        (LocationClass::Outside, &r.by_class.outside),
        (LocationClass::Unknown, &r.by_class.unknown),
    ] {
        let (p, s) = c(&class, k);
        assert_eq!(
            (got.gbp, got.suppliers),
            (Gbp::from_pence(p), s),
            "{fy} {k:?}"
        );
    }
    let tie = n < ranked.len() && ranked[n - 1].1 == ranked[n].1;
    if !tie {
        for (k, got) in [
            (LocationClass::Local, &r.top_n_by_class.local),
            (LocationClass::Outside, &r.top_n_by_class.outside),
        ] {
            let (p, s) = c(&top_class, k);
            assert_eq!(
                (got.gbp, got.suppliers),
                (Gbp::from_pence(p), s),
                "top {fy} {k:?}"
            );
        }
    }
    for (i, got) in [
        &r.deprived_local.p1,
        &r.deprived_local.p10,
        &r.deprived_local.p20,
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            (got.gbp, got.suppliers),
            (Gbp::from_pence(dep[i].0), dep[i].1),
            "{fy} band {i}"
        );
    }
    let got_wards: BTreeMap<String, Gbp> =
        r.by_ward.iter().map(|w| (w.ward.clone(), w.gbp)).collect();
    let want_wards: BTreeMap<String, Gbp> = wards
        .into_iter()
        .map(|(k, v)| (k, Gbp::from_pence(v)))
        .collect();
    assert_eq!(got_wards, want_wards);
    assert!(
        r.by_ward.windows(2).all(|w| w[0].gbp >= w[1].gbp),
        "largest ward first"
    );
    assert_eq!(r.data_quality.unmatched.gbp, Gbp::from_pence(unmatched));
    assert!(
        r.by_class.local.gbp > Gbp::ZERO && r.deprived_local.p20.gbp > Gbp::ZERO,
        "the register places some spend locally"
    );
}
