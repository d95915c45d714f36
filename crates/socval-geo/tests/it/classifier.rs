//! The bulk `Classifier` (hash table over the keys, tables by area code)
//! gives exactly what `LocalDefinition::classify` gives, with the names
//! `Names::get` gives, for every postcode in the real files, misspelt,
//! missing, special and invalid ones.

use socval_core::LocationClass;
use std::collections::BTreeMap;

use socval_geo::{
    Classifier, Distance, GeoData, ImportOptions, LocalDefinition, Match, NoFigure, Region, import,
};

use crate::common::data;

#[test]
fn classifier_agrees_with_one_by_one_classify() {
    let dir = tempfile::tempdir().unwrap();
    let sdn = data("geo/postcodes-s-dn.csv");
    let aberdeen = data("geo/onspd-sample-aberdeen.csv");
    // A best-fit lookup for the first three 2021 LSOAs of the S and DN file
    // that IMD 2019 (2011 LSOAs) lacks: two split from one 2011 LSOA, one
    // merged from two, so that joins by best fit and ambiguous ones occur.
    let lookup = dir.path().join("lsoa11-lsoa21.csv");
    std::fs::write(
        &lookup,
        "LSOA11CD,LSOA21CD\nE01007714,E01034236\nE01007714,E01034237\nE01000001,E01034238\nE01000002,E01034238\n",
    )
    .unwrap();
    let files = [
        sdn.clone(),
        aberdeen.clone(),
        data("imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"),
        lookup,
        data("geo/ward-names.csv"),
        data("geo/lad-names.csv"),
    ];
    import(dir.path(), &files, &ImportOptions::default(), &mut |_, r| r).unwrap();
    let geo = GeoData::open(dir.path()).unwrap();

    let mut inputs: Vec<String> = Vec::new();
    for (file, col) in [(&sdn, "pcds"), (&aberdeen, "pcds")] {
        let mut rdr = csv::Reader::from_path(file).unwrap();
        let i = rdr
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == col)
            .unwrap();
        for r in rdr.records() {
            let pc = r.unwrap()[i].to_string();
            // As written, respelt, and with the last letter changed (mostly
            // not in the directory).
            let last = pc.chars().last().unwrap();
            let other = if last == 'Z' { 'A' } else { 'Z' };
            inputs.push(format!("{}{other}", &pc[..pc.len() - 1]));
            inputs.push(pc.to_lowercase().replace(' ', ""));
            inputs.push(pc);
        }
    }
    for s in [
        "", "  ", "nonsense", "S60-2TH", "BFPO 801", "bf1 3aa", "GIR 0AA", "FIQQ 1ZZ", "BX1 1LT",
        "NE98 1ZZ", "XX1 1AA", "S99 9ZZ", "SW1A 1AA",
    ] {
        inputs.push(s.to_string());
    }

    let origin = geo.point("S60 2TH").unwrap();
    let definitions = [
        geo.default_definition(),
        LocalDefinition::new("Sheffield", ["E08000019"])
            .with_region(Region::preset("scr-lep").unwrap())
            .with_radius(Distance::km(15.0), origin)
            .accepting_terminated(true),
        LocalDefinition::new("Aberdeen", ["S12000033"]),
    ];
    for def in &definitions {
        let classifier = Classifier::new(&geo, def);
        // The fast path is the one compared, not the binary-search fallback.
        assert!(
            format!("{classifier:?}").contains("sector_table: true"),
            "{classifier:?}"
        );
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for s in &inputs {
            let want = def.classify(&geo.index, geo.deprivation.as_ref(), s);
            let got = classifier.classify(s);
            assert_eq!(got.classification, want, "{s:?} for {}", def.name);
            let rec = want.record.as_ref();
            assert_eq!(
                got.lad_name,
                rec.and_then(|r| r.lad).and_then(|l| geo.names.get(l)),
                "{s:?}"
            );
            assert_eq!(
                got.ward_name,
                rec.and_then(|r| r.ward).and_then(|w| geo.names.get(w)),
                "{s:?}"
            );
            let what = match (&want.deprivation, want.reason) {
                (Some(Ok(d)), _) if d.matched == Match::BestFit => "best fit".into(),
                (Some(Err(NoFigure::Ambiguous { .. })), _) => "ambiguous".into(),
                (Some(Err(NoFigure::NotInFile { .. })), _) => "not in file".into(),
                (_, Some(r)) => r.to_string(),
                _ => want.class.to_string(),
            };
            *seen.entry(what).or_default() += 1;
        }
        // The comparison covered every kind of answer.
        if def.name == "Rotherham" {
            for kind in [
                "best fit",
                "ambiguous",
                "not in file",
                "local",
                "region",
                "outside",
                "invalid",
                "not-found",
                "terminated",
                "non-geographic",
            ] {
                assert!(seen.contains_key(kind), "{kind} not seen: {seen:?}");
            }
        }
        assert!(
            inputs
                .iter()
                .any(|s| classifier.classify(s).classification.class == LocationClass::Local),
            "{}",
            def.name
        );
    }
}
