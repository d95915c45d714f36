//! The index answers exactly like a HashMap built from the same CSV.

use std::collections::HashMap;
use std::sync::OnceLock;

use proptest::prelude::*;
use socval_geo::{IndexBuilder, Postcode, PostcodeIndex, open_input};

use crate::common::data;

type Row = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<(f64, f64)>,
);

struct Fixture {
    _dir: tempfile::TempDir,
    index: PostcodeIndex,
    model: HashMap<String, Row>,
    keys: Vec<String>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let p = data("geo/postcodes-s-dn.csv");
        let dir = tempfile::tempdir().unwrap();
        let mut b = IndexBuilder::new();
        b.add_ons(&p, open_input(&p).unwrap()).unwrap();
        b.write(&dir.path().join("p.idx")).unwrap();
        let index = PostcodeIndex::open(&dir.path().join("p.idx")).unwrap();
        let mut model = HashMap::new();
        let mut rdr = csv::Reader::from_path(&p).unwrap();
        for r in rdr.records() {
            let r = r.unwrap();
            let lat: f64 = r[8].parse().unwrap();
            let long: f64 = r[9].parse().unwrap();
            let coords = (lat < 90.0).then_some((lat, long));
            let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
            model.insert(
                r[1].to_string(),
                (opt(&r[3]), opt(&r[4]), opt(&r[5]), coords),
            );
        }
        let mut keys: Vec<String> = model.keys().cloned().collect();
        keys.sort();
        Fixture {
            _dir: dir,
            index,
            model,
            keys,
        }
    })
}

fn check(f: &Fixture, pc: &str) {
    let parsed = Postcode::parse(pc).ok();
    let got = parsed.and_then(|p| f.index.lookup(&p));
    let want = parsed.and_then(|p| f.model.get(p.as_str()));
    match (got, want) {
        (None, None) => {}
        (Some(g), Some((lad, ward, lsoa, coords))) => {
            assert_eq!(g.lad, lad.as_deref(), "{pc}");
            assert_eq!(g.ward, ward.as_deref(), "{pc}");
            assert_eq!(g.lsoa21, lsoa.as_deref(), "{pc}");
            match (g.coords, coords) {
                (None, None) => {}
                (Some(c), Some((lat, long))) => {
                    assert!(
                        (c.lat - lat).abs() < 1e-6 && (c.long - long).abs() < 1e-6,
                        "{pc}"
                    );
                }
                other => panic!("{pc}: coordinates {other:?}"),
            }
        }
        (g, w) => panic!("{pc}: index {g:?} model {w:?}"),
    }
}

#[test]
fn every_postcode_in_the_file_is_found() {
    let f = fixture();
    assert_eq!(f.index.len(), f.model.len());
    for k in &f.keys {
        check(f, k);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    // Postcodes from the file, respelled, plus near misses and random ones.
    #[test]
    fn index_agrees_with_hashmap(i in 0usize..78_845, lower in any::<bool>(), nospace in any::<bool>(), mutate in 0u8..4, c in "[A-Z0-9]") {
        let f = fixture();
        let mut pc = f.keys[i % f.keys.len()].clone();
        if mutate == 0 {
            // Change the last letter: a neighbouring, maybe absent, postcode.
            pc.pop();
            pc.push_str(&c);
        }
        if nospace { pc = pc.replace(' ', ""); }
        if lower { pc = pc.to_lowercase(); }
        check(f, &pc);
    }

    #[test]
    fn random_strings_never_panic(s in "[A-Za-z0-9 ]{0,10}") {
        check(fixture(), &s);
    }
}
