//! The Companies House BasicCompanyData file: CSV, parts, ZIP, bad lines.

use std::collections::HashMap;
use std::io::Write;

use proptest::prelude::*;
use socval_register::sample::{COMPANIES_HEADER, SampleCompany, write_companies};
use socval_register::{CompanyNumber, Error, Registers};

use crate::{import, write};

fn csv(companies: impl IntoIterator<Item = SampleCompany>) -> Vec<u8> {
    let mut out = Vec::new();
    write_companies(&mut out, companies).unwrap();
    out
}

fn cic() -> SampleCompany {
    SampleCompany {
        name: "ALDER \"GREEN\" CIC".into(),
        number: "08911274".into(),
        postcode: "S60 2TH".into(),
        category: "Community Interest Company".into(),
        status: "Active".into(),
        accounts_category: "MICRO ENTITY".into(),
        sic: vec![
            "88990 - Other social work activities without accommodation n.e.c.".into(),
            "56210 - Event catering activities".into(),
        ],
        incorporated: "14/03/2014".into(),
        dissolved: String::new(),
    }
}

#[test]
fn reads_the_published_layout_and_keeps_each_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut dissolved = SampleCompany::fictional(3);
    dissolved.number = "SC012345".into();
    dissolved.status = "Dissolved".into();
    dissolved.dissolved = "01/02/2025".into();
    dissolved.sic = vec!["None Supplied".into()];
    let f = write(
        dir.path(),
        "BasicCompanyDataAsOneFile-2026-08-01.csv",
        &csv([cic(), dissolved]),
    );
    let summary = import(dir.path(), &[f]).unwrap();
    let edition = summary.companies.unwrap();
    assert_eq!(edition.date.as_deref(), Some("2026-08-01"));
    assert_eq!((edition.records, edition.duplicates), (2, 0));
    assert_eq!(summary.files[0].kind, "companies-house");

    let r = Registers::open(dir.path()).unwrap();
    // As councils write it: no leading zero.
    let c = r
        .company(&CompanyNumber::parse("8911274").unwrap())
        .unwrap();
    assert_eq!(c.number.as_str(), "08911274");
    assert_eq!(c.name, "ALDER \"GREEN\" CIC");
    assert_eq!(c.postcode, Some("S60 2TH"));
    assert_eq!(c.category, Some("Community Interest Company"));
    assert_eq!(c.status, Some("Active"));
    assert_eq!(c.accounts_category, Some("MICRO ENTITY"));
    assert_eq!(c.sic.len(), 2);
    assert_eq!(
        (c.sic[1].code, c.sic[1].text),
        ("56210", "Event catering activities")
    );
    assert_eq!(
        c.incorporated.map(|d| d.to_string()).as_deref(),
        Some("2014-03-14")
    );
    assert_eq!(c.dissolved, None);
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["number"], "08911274");
    assert_eq!(json["incorporated"], "2014-03-14");

    let d = r
        .company(&CompanyNumber::parse("sc12345").unwrap())
        .unwrap();
    assert_eq!(d.status, Some("Dissolved"));
    assert_eq!(
        d.dissolved.map(|d| d.to_string()).as_deref(),
        Some("2025-02-01")
    );
    assert!(d.sic.is_empty(), "`None Supplied` is no SIC code");
    assert!(
        r.company(&CompanyNumber::parse("08911275").unwrap())
            .is_none()
    );
    assert!(r.charities_edition().is_none());
}

#[test]
fn reads_zip_parts_together_as_one_edition() {
    let dir = tempfile::tempdir().unwrap();
    let mut parts = Vec::new();
    for (k, range) in [(1, 0..40u64), (2, 40..100)] {
        let name = format!("BasicCompanyData-2026-09-01-part{k}_2.zip");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(dir.path().join(&name)).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(format!("BasicCompanyData-2026-09-01-part{k}_2.csv"), opts)
            .unwrap();
        zip.write_all(&csv(range.map(SampleCompany::fictional)))
            .unwrap();
        zip.finish().unwrap();
        parts.push(dir.path().join(name));
    }
    let summary = import(dir.path(), &parts).unwrap();
    assert_eq!(summary.files.len(), 2);
    assert!(
        summary.files[0]
            .file
            .ends_with("part1_2.zip/BasicCompanyData-2026-09-01-part1_2.csv")
    );
    let e = summary.companies.unwrap();
    assert_eq!((e.records, e.date.as_deref()), (100, Some("2026-09-01")));
    let r = Registers::open(dir.path()).unwrap();
    for i in [0, 39, 40, 99] {
        let s = SampleCompany::fictional(i);
        let c = r.company(&s.number.parse().unwrap()).unwrap();
        assert_eq!(c.name, s.name);
    }
}

#[test]
fn a_bad_line_names_file_line_and_field_and_keeps_the_previous_edition() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.csv", &csv([cic()]));
    import(dir.path(), &[good]).unwrap();

    let mut bad = csv((0..3).map(SampleCompany::fictional));
    bad.extend_from_slice(b"\"NETTLE PRINT LIMITED\",\"12A45678\"\n");
    let bad = write(dir.path(), "bad.csv", &bad);
    let e = import(dir.path(), std::slice::from_ref(&bad)).unwrap_err();
    match &e {
        Error::Field {
            path,
            line,
            field,
            value,
            ..
        } => {
            assert_eq!((path, *line), (&bad, 5));
            assert_eq!(
                (field.as_str(), value.as_str()),
                ("CompanyNumber", "12A45678")
            );
        }
        other => panic!("{other}"),
    }
    assert!(
        e.to_string()
            .contains("bad.csv: line 5: field `CompanyNumber`"),
        "{e}"
    );

    let mut bad_date = SampleCompany::fictional(1);
    bad_date.incorporated = "31/02/2020".into();
    let f = write(
        dir.path(),
        "date.csv",
        &csv([SampleCompany::fictional(0), bad_date]),
    );
    let e = import(dir.path(), &[f]).unwrap_err().to_string();
    assert!(
        e.contains("line 3: field `IncorporationDate`: no such day"),
        "{e}"
    );

    let f = write(
        dir.path(),
        "cols.csv",
        b"CompanyName, CompanyNumber\n\"A\",\"1\"\n",
    );
    let e = import(dir.path(), &[f]).unwrap_err().to_string();
    assert!(e.contains("no column \"RegAddress.PostCode\""), "{e}");

    let f = write(dir.path(), "payments.csv", b"Supplier,Amount\nA,1\n");
    let e = import(dir.path(), &[f]).unwrap_err().to_string();
    assert!(e.contains("not a register socval reads"), "{e}");

    // Nothing replaced: the first import still answers.
    let r = Registers::open(dir.path()).unwrap();
    assert_eq!(r.companies_edition().unwrap().records, 1);
    assert!(r.company(&"08911274".parse().unwrap()).is_some());
}

#[test]
fn the_first_row_of_a_repeated_number_wins_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut again = cic();
    again.name = "LATER NAME LIMITED".into();
    let f = write(dir.path(), "dup.csv", &csv([cic(), again]));
    let e = import(dir.path(), &[f]).unwrap().companies.unwrap();
    assert_eq!((e.records, e.duplicates), (1, 1));
    let r = Registers::open(dir.path()).unwrap();
    assert_eq!(
        r.company(&"08911274".parse().unwrap()).unwrap().name,
        cic().name
    );
}

#[test]
fn header_names_are_matched_without_their_published_spaces() {
    assert!(COMPANIES_HEADER.contains(", CompanyNumber,"));
    assert!(COMPANIES_HEADER.contains(", ConfStmtLastMadeUpDate"));
    assert_eq!(COMPANIES_HEADER.split(',').count(), 55);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// The index answers as a HashMap of the same rows (first row wins).
    #[test]
    fn index_agrees_with_a_hash_map(ids in proptest::collection::vec(0u64..400, 1..60)) {
        let dir = tempfile::tempdir().unwrap();
        let rows: Vec<SampleCompany> = ids.iter().map(|&i| SampleCompany::fictional(i)).collect();
        let mut model: HashMap<String, String> = HashMap::new();
        for r in &rows {
            model.entry(r.number.clone()).or_insert_with(|| r.name.clone());
        }
        let f = write(dir.path(), "c.csv", &csv(rows));
        import(dir.path(), &[f]).unwrap();
        let reg = Registers::open(dir.path()).unwrap();
        prop_assert_eq!(reg.companies_edition().unwrap().records, model.len() as u64);
        for i in 0..400 {
            let s = SampleCompany::fictional(i);
            let got = reg.company(&s.number.parse().unwrap()).map(|c| c.name.to_owned());
            prop_assert_eq!(got.as_ref(), model.get(&s.number));
        }
    }
}
