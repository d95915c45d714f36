//! `socval registers` run as a user would, on fictional files in the
//! published layouts (`socval_register::sample`).

use std::path::Path;

use socval_register::sample::{
    SampleCharity, SampleCompany, write_charities_text, write_companies,
};

use super::{expect, expect_error, json, parts, run_in, write};

fn companies(dir: &Path, name: &str, extra: &str) -> String {
    let mut cic = SampleCompany::fictional(0);
    cic.number = "08911274".into();
    cic.name = "ALDER FERN CARE CIC".into();
    let mut csv = Vec::new();
    write_companies(&mut csv, [cic, SampleCompany::fictional(7)]).unwrap();
    write(dir, name, &(String::from_utf8(csv).unwrap() + extra))
}

fn charities(dir: &Path) -> String {
    let mut c = SampleCharity::fictional(2);
    c.number = 1_234_567;
    c.linked = 1;
    c.latest_income = "5000.25".into();
    let mut txt = Vec::new();
    write_charities_text(&mut txt, "2026-11-30 00:00:00", [c]).unwrap();
    write(
        dir,
        "publicextract.charity.txt",
        &String::from_utf8(txt).unwrap(),
    )
}

#[test]
fn import_lookup_and_info() {
    let dir = tempfile::tempdir().unwrap();
    let ch = companies(dir.path(), "BasicCompanyDataAsOneFile-2026-12-01.csv", "");
    let cc = charities(dir.path());
    let o = run_in(dir.path(), &["registers", "import", &ch, &cc]);
    let (out, err, code) = parts(&o);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.is_empty(), "no progress bars in a pipe: {err}");
    assert!(
        out.contains("Companies: 2 records, edition 2026-12-01"),
        "{out}"
    );
    assert!(
        out.contains("Charities: 1 records, edition 2026-11-30"),
        "{out}"
    );

    let v = json(&expect(
        dir.path(),
        &[
            "registers",
            "lookup",
            "8911274",
            "1234567 - 1",
            "N/A",
            "--format",
            "json",
        ],
        0,
    ));
    let c = &v[0]["company"];
    assert_eq!(c["number"], "08911274");
    assert_eq!(c["record"]["name"], "ALDER FERN CARE CIC");
    assert_eq!(c["record"]["category"], "Community Interest Company");
    assert_eq!(c["record"]["accounts_category"], "MICRO ENTITY");
    assert_eq!(c["edition"], "2026-12-01");
    assert_eq!(v[0]["charity"]["note"], "not in the charities register");
    let ch = &v[1]["charity"];
    assert_eq!(ch["number"], "1234567-1");
    assert_eq!(ch["record"]["latest_income"], "5000.25");
    assert_eq!(ch["edition"], "2026-11-30");
    assert!(
        v[2]["company"]["note"]
            .as_str()
            .unwrap()
            .contains("no number")
    );

    // SampleCompany::fictional(7) is SC000001; written as councils might.
    let table = expect(dir.path(), &["registers", "lookup", "sc 1"], 0);
    assert!(table.contains("SC000001"), "{table}");
    assert!(table.contains(&SampleCompany::fictional(7).name), "{table}");
    let table = expect(dir.path(), &["registers", "lookup", "8911274"], 0);
    assert!(
        table.contains("ALDER FERN CARE CIC") && table.contains("2026-12-01"),
        "{table}"
    );

    let info = json(&expect(
        dir.path(),
        &["registers", "info", "--format", "json"],
        0,
    ));
    assert_eq!(info["companies"]["date"], "2026-12-01");
    assert_eq!(info["companies"]["records"], 2);
    assert_eq!(info["charities"]["records"], 1);
    assert!(info["companies"]["imported_at"].as_i64().unwrap() > 1_700_000_000);
}

#[test]
fn a_bad_line_is_refused_and_the_edition_in_place_kept() {
    let dir = tempfile::tempdir().unwrap();
    let good = companies(dir.path(), "good.csv", "");
    expect(dir.path(), &["registers", "import", &good], 0);
    let bad = companies(dir.path(), "bad.csv", "\"OSIER LIMITED\",\"123456789\"\n");
    let err = expect_error(dir.path(), &["registers", "import", &bad]);
    assert!(
        err.contains("the registers in place are unchanged"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv: line 4: field `CompanyNumber`: it is too long"),
        "{err}"
    );
    let info = json(&expect(
        dir.path(),
        &["registers", "info", "--format", "json"],
        0,
    ));
    assert!(
        info["companies"]["files"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("good.csv")
    );
    let err = expect_error(dir.path(), &["registers", "import", "missing.csv"]);
    assert!(err.contains("missing.csv"), "{err}");
}

#[test]
fn nothing_imported_yet() {
    let dir = tempfile::tempdir().unwrap();
    let out = expect(dir.path(), &["registers", "info"], 0);
    assert!(out.contains("not imported"), "{out}");
    let out = expect(dir.path(), &["registers", "lookup", "08911274"], 0);
    assert!(
        out.contains("the companies register is not imported"),
        "{out}"
    );
}

#[test]
fn help_has_examples() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        &["registers"][..],
        &["registers", "import"],
        &["registers", "lookup"],
        &["registers", "info"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let out = expect(dir.path(), &args, 0);
        assert!(out.contains("Examples:"), "{cmd:?}: {out}");
    }
}
