//! Postcode directory import and lookup on real ONS and OS files.

use socval_core::LocationClass;
use std::collections::HashMap;
use std::path::Path;

use socval_geo::{
    Error, GeoData, ImportOptions, IndexBuilder, PostcodeIndex, Reason, import, open_input,
};

use crate::common::data;

fn build(files: &[&str], dir: &Path) -> PostcodeIndex {
    let mut b = IndexBuilder::new();
    for f in files {
        let p = data(f);
        b.add_ons(&p, open_input(&p).unwrap()).unwrap();
    }
    let path = dir.join("postcodes.idx");
    b.write(&path).unwrap();
    PostcodeIndex::open(&path).unwrap()
}

#[test]
fn onspd_layout_with_terminated_postcodes() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = build(&["geo/onspd-sample-aberdeen.csv"], tmp.path());
    // Count rows and terminated rows straight from the CSV.
    let mut rdr = csv::Reader::from_path(data("geo/onspd-sample-aberdeen.csv")).unwrap();
    let h = rdr.headers().unwrap().clone();
    let term = h.iter().position(|c| c == "doterm").unwrap();
    let (mut rows, mut terminated) = (0usize, 0u64);
    for r in rdr.records() {
        let r = r.unwrap();
        rows += 1;
        terminated += u64::from(!r[term].is_empty());
    }
    assert_eq!(rows, 8_048);
    assert_eq!(idx.len(), rows);
    assert!(terminated > 0);
    assert_eq!(idx.info().terminated, terminated);
    let rec = idx.lookup(&"ab10an".parse().unwrap()).unwrap();
    assert_eq!(rec.postcode.as_str(), "AB1 0AN");
    assert!(rec.terminated);
    assert_eq!(rec.lad, Some("S12000033"));
    assert_eq!(rec.lsoa11, Some("S01006514"));
    assert!(rec.doterm.is_some_and(|d| (199_001..=203_012).contains(&d)));
    let first = idx.lookup(&"AB1 0AA".parse().unwrap()).unwrap();
    assert_eq!(first.doterm, Some(199_606));
    assert_eq!(first.ward, Some("S13002843"));
    let c = first.coords.unwrap();
    assert!((c.lat - 57.101_474).abs() < 1e-6 && (c.long - -2.242_851).abs() < 1e-6);
}

#[test]
fn all_s_and_dn_postcodes() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = build(&["geo/postcodes-s-dn.csv"], tmp.path());
    assert_eq!(idx.len(), 78_845);
    // 22,522 postcodes have no grid reference (lat 99.999999).
    assert_eq!(idx.info().with_coordinates, 78_845 - 22_522);
    let rec = idx.lookup(&"DN1 1AA".parse().unwrap()).unwrap();
    assert_eq!(rec.coords, None);
    assert_eq!(rec.lsoa21, Some("E01034238"));
    assert_eq!(rec.lsoa11, None);
    let th = idx.lookup(&"s602th".parse().unwrap()).unwrap();
    assert_eq!(th.lad, Some("E08000018"));
    assert!(idx.lookup(&"S99 9ZZ".parse().unwrap()).is_none());
    assert!(idx.lookup(&"SW1A 1AA".parse().unwrap()).is_none());
}

#[test]
fn codepoint_open_with_headers_file_and_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let files = vec![
        data("geo/postcodes-s-dn.csv"),
        data("geo/codepoint-open-2025-10-s.csv"),
        data("geo/codepoint-open-column-headers.csv"),
    ];
    let s = import(tmp.path(), &files, &ImportOptions::default(), &mut |_, r| r).unwrap();
    let kinds: Vec<&str> = s.files.iter().map(|f| f.kind).collect();
    assert!(
        kinds.contains(&"codepoint")
            && kinds.contains(&"codepoint-headers")
            && kinds.contains(&"ons")
    );
    let geo = GeoData::open(tmp.path()).unwrap();
    // NSPL came first: its 2024 LAD code wins over Code-Point's 2025 one.
    let rec = geo.index.lookup(&"S1 1AA".parse().unwrap()).unwrap();
    assert_eq!(rec.lad, Some("E08000019"));
    assert!(rec.coords.is_some());

    // Code-Point alone: 2025 codes, coordinates converted from the National Grid.
    let tmp2 = tempfile::tempdir().unwrap();
    let files = vec![data("geo/codepoint-open-2025-10-s.csv")];
    import(
        tmp2.path(),
        &files,
        &ImportOptions::default(),
        &mut |_, r| r,
    )
    .unwrap();
    let cp = GeoData::open(tmp2.path()).unwrap();
    let rec = cp.index.lookup(&"S1 1AA".parse().unwrap()).unwrap();
    assert_eq!(rec.lad, Some("E08000039"));
    assert!(!rec.terminated);
    // Coordinates agree with the S/DN file (converted there from the same grid reference).
    let mut worst = 0.0f64;
    for r in geo
        .index
        .iter()
        .filter(|r| r.postcode.area() == "S")
        .take(5000)
    {
        if let (Some(a), Some(b)) = (
            r.coords,
            cp.index.lookup(&r.postcode).and_then(|x| x.coords),
        ) {
            worst = worst.max(a.distance_km(&b));
        }
    }
    assert!(worst < 0.01, "worst disagreement {worst} km");
    // Sheffield's new code is in the default region (successor codes).
    let def = cp.default_definition();
    assert_eq!(cp.classify(&def, "S1 1AA").class, LocationClass::Region);
}

#[test]
fn classify_reasons_on_real_data() {
    let tmp = tempfile::tempdir().unwrap();
    let files = vec![
        data("geo/postcodes-s-dn.csv"),
        data("imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"),
    ];
    import(tmp.path(), &files, &ImportOptions::default(), &mut |_, r| r).unwrap();
    let geo = GeoData::open(tmp.path()).unwrap();
    let def = geo.default_definition();
    let radius = def
        .clone()
        .with_radius("5km".parse().unwrap(), geo.point("S60 2TH").unwrap());
    let cases: [(
        &str,
        &socval_geo::LocalDefinition,
        LocationClass,
        Option<Reason>,
    ); 10] = [
        ("S60 2TH", &def, LocationClass::Local, None),
        ("s11 8ux", &def, LocationClass::Region, None),
        ("DN1 1AB", &def, LocationClass::Region, None),
        ("S40 1LP", &def, LocationClass::Outside, None),
        (
            "not a postcode",
            &def,
            LocationClass::Unknown,
            Some(Reason::Invalid),
        ),
        (
            "S99 9ZZ",
            &def,
            LocationClass::Unknown,
            Some(Reason::NotFound),
        ),
        (
            "BX1 1LT",
            &def,
            LocationClass::Unknown,
            Some(Reason::NonGeographic),
        ),
        (
            "GIR 0AA",
            &def,
            LocationClass::Unknown,
            Some(Reason::NonGeographic),
        ),
        // Doncaster, no coordinates: with a radius it cannot be placed.
        (
            "DN1 1AA",
            &radius,
            LocationClass::Unknown,
            Some(Reason::NoCoordinates),
        ),
        // Sheffield city centre is about 9 km away: outside a 5 km radius, still region.
        ("S1 2HH", &radius, LocationClass::Region, None),
    ];
    for (pc, d, class, reason) in cases {
        let c = geo.classify(d, pc);
        assert_eq!((c.class, c.reason), (class, reason), "{pc}");
    }
    let c = geo.classify(&def, "S60 2TH");
    assert_eq!(c.distance_km, Some(0.0));
    let c = geo.classify(&def, "S1 2HH");
    assert!(c.distance_km.is_some_and(|d| (8.0..11.0).contains(&d)));
}

#[test]
fn bad_input_names_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "pcds,laua,lat,long\nS60 2TH,E08000018,53.4,-1.3\nS60 2TX,E08000018,north,-1.3\n",
            "line 3: field `lat`: not a number",
        ),
        (
            "pcds,laua\nS60 2TH,E08000018\nS6O 2TH,E08000018\n",
            "line 3: field `pcds`",
        ),
        ("pcds,doterm\nS60 2TH,1999\n", "line 2: field `doterm`"),
        (
            "postcode_of_thing,laua\nS60 2TH,E08000018\n",
            "no postcode column; found columns: postcode_of_thing, laua; accepted names: pcds, pcd, pcd7",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = tmp.path().join(format!("bad{i}.csv"));
        std::fs::write(&path, text).unwrap();
        let mut b = IndexBuilder::new();
        let e = b.add_ons(&path, open_input(&path).unwrap()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("bad{i}.csv")) && msg.contains(want),
            "{msg}"
        );
    }
}

#[test]
fn failed_import_leaves_previous_index() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.csv");
    std::fs::write(&good, "pcds,laua\nS60 2TH,E08000018\n").unwrap();
    import(
        tmp.path(),
        std::slice::from_ref(&good),
        &ImportOptions::default(),
        &mut |_, r| r,
    )
    .unwrap();
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "pcds,laua\nS1 1AA,E08000019\nnonsense,E08000019\n").unwrap();
    let e = import(
        tmp.path(),
        &[good.clone(), bad],
        &ImportOptions::default(),
        &mut |_, r| r,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Field { line: 3, .. }), "{e}");
    let geo = GeoData::open(tmp.path()).unwrap();
    assert_eq!(geo.index.len(), 1);
    assert!(geo.index.lookup(&"S1 1AA".parse().unwrap()).is_none());
    // No temporary files left behind.
    let left: Vec<_> = std::fs::read_dir(tmp.path().join("geo"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    // A truncated index is refused, not misread.
    let p = tmp.path().join("geo/postcodes.idx");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() - 3]).unwrap();
    assert!(matches!(PostcodeIndex::open(&p), Err(Error::Format { .. })));
}

#[test]
fn merge_rule_first_file_wins_later_fill_gaps() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a.csv");
    let b = tmp.path().join("b.csv");
    std::fs::write(
        &a,
        "pcds,laua,ward,lat,long\nS60 2TH,E08000018,,99.999999,0\n",
    )
    .unwrap();
    std::fs::write(&b, "pcd,laua,ward,lat,long\nS602TH,E08000099,E05012996,53.43,-1.36\nS1 1AA,E08000019,W,53.38,-1.47\n").unwrap();
    import(
        tmp.path(),
        &[a, b],
        &ImportOptions::default(),
        &mut |_, r| r,
    )
    .unwrap();
    let geo = GeoData::open(tmp.path()).unwrap();
    let r = geo.index.lookup(&"S60 2TH".parse().unwrap()).unwrap();
    let got: HashMap<&str, Option<String>> = [
        ("lad", r.lad.map(String::from)),
        ("ward", r.ward.map(String::from)),
        ("coords", r.coords.map(|c| c.to_string())),
    ]
    .into_iter()
    .collect();
    assert_eq!(got["lad"].as_deref(), Some("E08000018"));
    assert_eq!(got["ward"].as_deref(), Some("E05012996"));
    assert_eq!(got["coords"].as_deref(), Some("53.430000,-1.360000"));
    assert_eq!(geo.index.len(), 2);
}
