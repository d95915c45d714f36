//! The Charity Commission register extract: text and JSON forms.

use socval_register::sample::{SampleCharity, write_charities_json, write_charities_text};
use socval_register::{CharityNumber, Error, Registers};

use crate::{import, write};

fn charities() -> Vec<SampleCharity> {
    let main = SampleCharity {
        number: 1_234_567,
        linked: 0,
        name: "KESTREL COMMUNITY TRUST".into(),
        postcode: "S1 2HH".into(),
        status: "Registered".into(),
        latest_income: "125000.50".into(),
        company_number: "8911274".into(),
    };
    let linked = SampleCharity {
        linked: 1,
        name: "KESTREL COMMUNITY TRUST ENDOWMENT".into(),
        latest_income: String::new(),
        company_number: "N/A".into(),
        ..main.clone()
    };
    let odd = SampleCharity {
        number: 1_100_001,
        company_number: "see accounts".into(),
        ..SampleCharity::fictional(1)
    };
    vec![main, linked, odd]
}

fn check(r: &Registers) {
    let main = r.charity(&"1234567".parse().unwrap()).unwrap();
    assert_eq!(main.name, "KESTREL COMMUNITY TRUST");
    assert_eq!(main.postcode, Some("S1 2HH"));
    assert_eq!(main.status, Some("Registered"));
    assert_eq!(main.latest_income.unwrap().to_string(), "125000.50");
    assert_eq!(main.company_number.unwrap().as_str(), "08911274");
    let linked = r
        .charity(&CharityNumber::parse("1234567 - 1").unwrap())
        .unwrap();
    assert_eq!(linked.name, "KESTREL COMMUNITY TRUST ENDOWMENT");
    assert_eq!((linked.latest_income, linked.company_number), (None, None));
    assert!(r.charity(&"1234567-2".parse().unwrap()).is_none());
    let e = r.charities_edition().unwrap();
    assert_eq!(e.date.as_deref(), Some("2026-11-30"));
    assert_eq!((e.records, e.bad_company_numbers), (3, 1));
}

#[test]
fn reads_the_text_extract() {
    let dir = tempfile::tempdir().unwrap();
    let mut txt = Vec::new();
    write_charities_text(&mut txt, "2026-11-30 00:00:00", charities()).unwrap();
    let f = write(dir.path(), "publicextract.charity.txt", &txt);
    let s = import(dir.path(), &[f]).unwrap();
    assert_eq!(s.files[0].kind, "charity-commission-text");
    check(&Registers::open(dir.path()).unwrap());
}

#[test]
fn reads_the_json_extract() {
    let dir = tempfile::tempdir().unwrap();
    let mut json = Vec::new();
    write_charities_json(&mut json, "2026-11-30T00:00:00", charities()).unwrap();
    let f = write(dir.path(), "publicextract.charity.json", &json);
    let s = import(dir.path(), &[f]).unwrap();
    assert_eq!(s.files[0].kind, "charity-commission-json");
    check(&Registers::open(dir.path()).unwrap());
}

#[test]
fn bad_rows_name_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = charities();
    rows[2].latest_income = "lots".into();
    let mut txt = Vec::new();
    write_charities_text(&mut txt, "2026-11-30", rows.clone()).unwrap();
    let f = write(dir.path(), "publicextract.charity.txt", &txt);
    match import(dir.path(), &[f]).unwrap_err() {
        Error::Field {
            line, field, value, ..
        } => {
            assert_eq!(
                (line, field.as_str(), value.as_str()),
                (4, "latest_income", "lots")
            );
        }
        other => panic!("{other}"),
    }

    // JSON: one object per line here, so the error's line is the row's.
    let mut json = Vec::new();
    write_charities_json(&mut json, "2026-11-30", rows).unwrap();
    let text = String::from_utf8(json).unwrap().replace("},{", "},\n{");
    let f = write(dir.path(), "publicextract.charity.json", text.as_bytes());
    let e = import(dir.path(), &[f]).unwrap_err();
    assert!(matches!(e, Error::Syntax { line: 3, .. }), "{e}");
    assert!(e.to_string().contains("field `latest_income`"), "{e}");
    assert!(
        Registers::open(dir.path())
            .unwrap()
            .charities_edition()
            .is_none()
    );
}
