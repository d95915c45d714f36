//! The machine output of the commands people script against, pinned byte
//! for byte: `value`, `evaluate`, `quotes check`, `quotes audit`,
//! `contract progress`, `geo lookup`, `spend analyse` and `report annual`
//! on the repository's examples and on real data (Sheffield's payments,
//! ONS postcodes, IMD 2019, the council's commitments table).
//!
//! These outputs are a stable interface (docs/engine.md): restructuring the
//! code must not change one byte of them. When a change is meant to alter
//! an output, regenerate the pins with `SOCVAL_UPDATE_PINS=1 cargo test -p
//! socval-cli pins` and say why in the commit.

use std::path::{Path, PathBuf};

use super::{expect, repo, s, shared_data};

fn pin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/pins")
}

/// Compares `got` with the pinned file `name`, or rewrites the pin when
/// SOCVAL_UPDATE_PINS is set. Returns a description of the difference.
fn check(name: &str, got: &str) -> Option<String> {
    let path = pin_dir().join(name);
    if std::env::var_os("SOCVAL_UPDATE_PINS").is_some() {
        std::fs::create_dir_all(pin_dir()).unwrap();
        std::fs::write(&path, got).unwrap();
        return None;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (SOCVAL_UPDATE_PINS=1 writes it)", path.display()));
    if want == got {
        return None;
    }
    let line = want
        .lines()
        .zip(got.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| want.lines().count().min(got.lines().count()));
    Some(format!(
        "{name}: differs from the pin at line {}:\n  pinned: {}\n  now:    {}",
        line + 1,
        want.lines().nth(line).unwrap_or("(end of output)"),
        got.lines().nth(line).unwrap_or("(end of output)"),
    ))
}

/// Runs a command whose exit code says whether it flagged anything (0 or
/// 3); returns stdout.
fn flagged(d: &Path, args: &[&str]) -> String {
    let (out, err, code) = super::parts(&super::run_in(d, args));
    assert!(
        code == 0 || code == 3,
        "socval {args:?}: exit {code}\n{err}"
    );
    out
}

/// Runs the sequence a council would run on real data, in one data
/// directory, and checks every pinned output.
#[test]
fn machine_outputs_are_byte_identical_to_their_pins() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut diffs = Vec::new();
    // Where this checkout and this run's directory are: the report names
    // the files it read.
    let here = env!("CARGO_MANIFEST_DIR");
    let tmp = d.display().to_string();
    let mut pin = |name: &str, out: String| {
        let out = out
            .replace(&tmp, "<data-dir>")
            .replace(here, "<socval-cli>");
        diffs.extend(check(name, &out))
    };

    let seed = shared_data("seed/table-2-10-commitments.csv");
    pin(
        "value.json",
        expect(
            d,
            &[
                "value",
                s(&seed),
                "--framework",
                "rotherham-2019",
                "--format",
                "json",
            ],
            0,
        ),
    );
    let examples = |f: &str| repo(&format!("data/examples/{f}"));
    pin(
        "evaluate.json",
        expect(
            d,
            &[
                "evaluate",
                s(&examples("procurement.toml")),
                "--format",
                "json",
            ],
            0,
        ),
    );
    let quotes = examples("quotes.csv");
    pin(
        "quotes-check.json",
        flagged(d, &["quotes", "check", s(&quotes), "--format", "json"]),
    );
    pin(
        "quotes-audit.json",
        flagged(
            d,
            &[
                "quotes",
                "audit",
                s(&quotes),
                "--size",
                "10",
                "--seed",
                "2021",
                "--format",
                "json",
            ],
        ),
    );
    pin(
        "contract-progress.json",
        flagged(
            d,
            &[
                "contract",
                "progress",
                s(&examples("contract.toml")),
                "--returns",
                s(&examples("returns.csv")),
                "--as-of",
                "2022-06-30",
                "--format",
                "json",
            ],
        ),
    );

    real_spend(d, &mut pin, &seed, &quotes);
    generated_spend(&d.join("generated"), &mut pin, &seed);
    assert!(diffs.is_empty(), "{}", diffs.join("\n\n"));
}

/// Geography and spend from the shared real data, then the annual report.
fn real_spend(d: &Path, pin: &mut impl FnMut(&str, String), seed: &Path, quotes: &Path) {
    let postcodes = shared_data("geo/postcodes-s-dn.csv");
    let imd = shared_data("imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv");
    let wards = shared_data("geo/ward-names.csv");
    expect(d, &["geo", "import", s(&postcodes), s(&imd), s(&wards)], 0);
    pin(
        "geo-lookup.json",
        expect(
            d,
            &[
                "geo", "lookup", "S60 2TH", "S1 2HH", "DN1 1AA", "--format", "json",
            ],
            0,
        ),
    );
    let months: Vec<PathBuf> = [
        "2018-04", "2018-07", "2018-10", "2019-01", "2019-04", "2019-05", "2019-06", "2019-07",
        "2019-08", "2019-09", "2019-10", "2019-11", "2019-12", "2020-01", "2020-02", "2020-03",
    ]
    .iter()
    .map(|m| shared_data(&format!("spend/sheffield/{m}.csv")))
    .collect();
    let mut import = vec!["spend", "import", "--blank-amount", "skip"];
    import.extend(months.iter().map(|p| s(p)));
    expect(d, &import, 0);
    let register = super::write(
        d,
        "suppliers.csv",
        "Supplier ID,Supplier Name,Postcode,SME,VCSE\n\
         1,Unite Integrated Solutions PLC,S60 2TH,no,no\n\
         2,A Pinder Limited,S1 2HH,yes,no\n\
         3,Kier Services Ltd,DN1 1AA,no,no\n",
    );
    expect(d, &["spend", "suppliers", "import", &register], 0);
    let analyse = [
        "spend",
        "analyse",
        "--year",
        "2019/20",
        "--compare",
        "2018/19",
        "--local",
        "E08000039",
        "--region",
        "scr-ca",
        "--top",
        "50",
        "--format",
        "json",
    ];
    pin("spend-analyse.json", expect(d, &analyse, 0));
    report(
        d,
        pin,
        "report-annual.json",
        &["--commitments", s(seed), "--quotes", s(quotes)],
    );
}

/// Spend generated with a fixed seed over the real postcode directory: every
/// location class, ward and deprivation band has payments.
fn generated_spend(d: &Path, pin: &mut impl FnMut(&str, String), seed: &Path) {
    std::fs::create_dir_all(d).unwrap();
    let postcodes = shared_data("geo/postcodes-s-dn.csv");
    let imd = shared_data("imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv");
    let wards = shared_data("geo/ward-names.csv");
    expect(d, &["geo", "import", s(&postcodes), s(&imd), s(&wards)], 0);
    expect(
        d,
        &[
            "spend",
            "generate",
            "--payments",
            "3000",
            "--suppliers",
            "150",
            "--seed",
            "7",
            "--postcodes",
            s(&postcodes),
            "--out",
            "gen",
        ],
        0,
    );
    expect(d, &["spend", "import", "gen/payments.csv"], 0);
    expect(d, &["spend", "suppliers", "import", "gen/suppliers.csv"], 0);
    let analyse = [
        "spend",
        "analyse",
        "--year",
        "2019/20",
        "--compare",
        "2018/19",
        "--top",
        "20",
        "--format",
        "json",
    ];
    pin("generated-spend-analyse.json", expect(d, &analyse, 0));
    report(
        d,
        pin,
        "generated-report-annual.json",
        &["--commitments", s(seed)],
    );
}

/// Writes the annual report for 2019/20 (compared with 2018/19) and pins its
/// JSON.
fn report(d: &Path, pin: &mut impl FnMut(&str, String), name: &str, inputs: &[&str]) {
    let mut args = vec![
        "report",
        "annual",
        "--year",
        "2019/20",
        "--compare",
        "2018/19",
        "--local",
        "E08000039",
        "--region",
        "scr-ca",
        "--top",
        "50",
        "--out",
        "out",
    ];
    args.extend(inputs);
    expect(d, &args, 0);
    pin(
        name,
        std::fs::read_to_string(d.join("out/report.json")).unwrap(),
    );
}
