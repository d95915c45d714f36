//! IMD 2019 File 1 as published, and its join to 2021 LSOAs.

use socval_core::DeprivedBand;
use std::collections::HashSet;

use socval_geo::{Deprivation, GeoData, ImportOptions, LsoaVintage, NoFigure, import, open_input};

use crate::common::data;

fn imd() -> Deprivation {
    let p = data("imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv");
    Deprivation::read_imd(&p, open_input(&p).unwrap(), None).unwrap()
}

#[test]
fn rotherham_figures() {
    let d = imd();
    assert_eq!(d.lsoa_count(), 32_844);
    assert_eq!(d.vintage, LsoaVintage::Lsoa2011);
    let rot: Vec<_> = d.lsoas_in_lad("E08000018").collect();
    assert_eq!(rot.len(), 167);
    let count = |p: u32| rot.iter().filter(|l| l.in_most_deprived(p)).count();
    assert_eq!((count(1), count(10), count(20)), (2, 36, 59));
    // "29,199" read with its thousands separator.
    assert_eq!(
        d.lsoa("E01000001").map(|l| (l.rank, l.decile, l.band)),
        Some((29_199, 9, None))
    );
    assert!(
        d.lsoas_in_lad("E08000018")
            .all(|l| l.band.is_none() || l.band <= Some(DeprivedBand::Top20))
    );
}

#[test]
fn new_2021_lsoas_are_reported_not_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let files = vec![
        data("geo/postcodes-s-dn.csv"),
        data("imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"),
    ];
    import(tmp.path(), &files, &ImportOptions::default(), &mut |_, r| r).unwrap();
    let geo = GeoData::open(tmp.path()).unwrap();
    let d = geo.deprivation.as_ref().unwrap();
    let mut all = HashSet::new();
    let mut missing = HashSet::new();
    let mut rotherham_missing = HashSet::new();
    let mut postcodes_without = 0;
    let mut no_lsoa = 0;
    for rec in geo.index.iter() {
        if let Some(lsoa) = rec.lsoa21 {
            all.insert(lsoa.to_string());
        }
        match d.for_record(&rec) {
            Ok(_) => {}
            Err(NoFigure::NoLsoa) => no_lsoa += 1,
            Err(NoFigure::NotInFile { lsoa, vintage }) => {
                assert_eq!(vintage, LsoaVintage::Lsoa2021);
                postcodes_without += 1;
                if rec.lad == Some("E08000018") {
                    rotherham_missing.insert(lsoa.clone());
                }
                missing.insert(lsoa);
            }
            Err(e) => panic!("{e}"),
        }
    }
    // The data README's 1,376 counts the empty LSOA of 36 postcodes as one.
    assert_eq!(all.len(), 1_375);
    // 42 codes new since 2011, plus the empty LSOA: the README's 43.
    assert_eq!(missing.len(), 42);
    assert_eq!(rotherham_missing.len(), 8);
    assert!(postcodes_without > 0);
    // Postcodes the NSPL gives no LSOA (reported as such, not dropped).
    assert_eq!(no_lsoa, 36);
}

#[test]
fn best_fit_lookup_joins_split_lsoas_and_refuses_merges() {
    let tmp = tempfile::tempdir().unwrap();
    let mut d = imd();
    // A 2021 LSOA split from one 2011 LSOA, and one merged from two.
    let lookup = "LSOA11CD,LSOA21CD,CHGIND\nE01007714,E01099991,S\nE01000001,E01099992,M\nE01000002,E01099992,M\n";
    let p = tmp.path().join("lookup.csv");
    std::fs::write(&p, lookup).unwrap();
    d.read_best_fit(&p, lookup.as_bytes()).unwrap();
    let pcs = tmp.path().join("pc.csv");
    std::fs::write(
        &pcs,
        "pcds,lsoa21\nS60 2TH,E01099991\nS60 2TJ,E01099992\nS60 2TL,E01099993\nS60 2TN,\n",
    )
    .unwrap();
    let mut b = socval_geo::IndexBuilder::new();
    b.add_ons(&pcs, open_input(&pcs).unwrap()).unwrap();
    let ip = tmp.path().join("i.idx");
    b.write(&ip).unwrap();
    let idx = socval_geo::PostcodeIndex::open(&ip).unwrap();
    let get = |s: &str| {
        d.for_record(&idx.lookup(&s.parse().unwrap()).unwrap())
            .map(|x| (x.lsoa.to_string(), x.matched))
    };
    assert_eq!(
        get("S60 2TH"),
        Ok(("E01007714".into(), socval_geo::Match::BestFit))
    );
    assert!(matches!(get("S60 2TJ"), Err(NoFigure::Ambiguous { .. })));
    assert!(matches!(get("S60 2TL"), Err(NoFigure::NotInFile { .. })));
    assert_eq!(get("S60 2TN"), Err(NoFigure::NoLsoa));
}
