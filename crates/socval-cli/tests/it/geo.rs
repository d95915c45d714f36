//! `socval geo` run as a user would, on the real files in ../shared/data.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn socval(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socval"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "status {:?}\nstdout {}\nstderr {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn imported() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        data("geo/postcodes-s-dn.csv"),
        data("imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"),
        data("geo/ward-names.csv"),
    ];
    let files: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let mut args = vec!["geo", "import"];
    args.extend(files);
    let out = ok(&socval(dir.path(), &args));
    assert!(out.contains("78845 postcodes"), "{out}");
    dir
}

#[test]
fn lookup_contract() {
    let dir = imported();
    let out = ok(&socval(
        dir.path(),
        &["geo", "lookup", "S60", "2TH", "--format", "json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &v[0];
    assert_eq!(r["postcode"], "S60 2TH");
    assert_eq!(r["lad"], "E08000018");
    assert_eq!(r["ward"], "E05012996");
    assert_eq!(r["ward_name"], "Boston Castle");
    assert_eq!(r["lsoa"], "E01007714");
    assert_eq!(r["imd_rank"], 893);
    assert_eq!(r["imd_decile"], 1);
    assert_eq!(r["most_deprived"], "10%");
    assert_eq!(r["class"], "local");
    assert_eq!(r["distance_km"], 0.0);

    // A 2021 LSOA new since 2011: no figure, and said so.
    let out = ok(&socval(
        dir.path(),
        &[
            "geo", "lookup", "dn11ab", "S11 8UX", "BFPO 801", "nonsense", "--format", "json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["postcode"], "DN1 1AB");
    assert_eq!(v[0]["imd_rank"], serde_json::Value::Null);
    assert_eq!(v[0]["most_deprived"], serde_json::Value::Null);
    assert!(v[0]["imd_note"].as_str().unwrap().contains("E01034238"));
    assert_eq!(v[0]["class"], "region");
    assert!(v[1]["distance_km"].as_f64().unwrap() > 10.0);
    assert_eq!(
        (v[2]["class"].as_str(), v[2]["reason"].as_str()),
        (Some("unknown"), Some("non-geographic"))
    );
    assert_eq!(
        (v[3]["class"].as_str(), v[3]["reason"].as_str()),
        (Some("unknown"), Some("invalid"))
    );

    // Another definition: Sheffield (old code matches), radius in miles.
    let out = ok(&socval(
        dir.path(),
        &[
            "geo",
            "lookup",
            "S60 2TH",
            "S1 2HH",
            "--local",
            "E08000019",
            "--region",
            "none",
            "--format",
            "csv",
        ],
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[1].contains(",outside,") && lines[2].contains(",local,"),
        "{out}"
    );
    let out = ok(&socval(
        dir.path(),
        &[
            "geo", "lookup", "S1 2HH", "--radius", "10mi", "--format", "csv",
        ],
    ));
    assert!(out.lines().nth(1).unwrap().contains(",local,"), "{out}");
    // Distances: from Rotherham Town Hall only for Rotherham; another
    // authority has none until it says where from.
    let distance = |extra: &[&str]| {
        let mut args = vec![
            "geo",
            "lookup",
            "S1 2HH",
            "--local",
            "E08000019",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let v: serde_json::Value = serde_json::from_str(&ok(&socval(dir.path(), &args))).unwrap();
        v[0]["distance_km"].as_f64()
    };
    assert_eq!(distance(&[]), None);
    assert_eq!(distance(&["--from", "S1 2HH"]), Some(0.0));
    let o = socval(
        dir.path(),
        &[
            "geo",
            "lookup",
            "S1 2HH",
            "--local",
            "E08000019",
            "--radius",
            "5km",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "an error, as for a bad --region");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--radius needs --from"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn classify_csv_and_json() {
    let dir = imported();
    let input = dir.path().join("suppliers.csv");
    std::fs::write(&input, "Supplier,Post Code,Spend\nAcme,s602th,100\n\"Beta, Ltd\",DN1 1AB,200\nGamma,S99 9ZZ,300\nDelta,,400\n").unwrap();
    let o = socval(
        dir.path(),
        &[
            "geo",
            "classify",
            input.to_str().unwrap(),
            "--postcode-column",
            "post code",
        ],
    );
    let out = ok(&o);
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let h = rdr.headers().unwrap().clone();
    assert_eq!(&h[0], "Supplier");
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[0][col("class")], "local");
    assert_eq!(&rows[0][col("postcode_normalised")], "S60 2TH");
    assert_eq!(&rows[0][col("ward_name")], "Boston Castle");
    assert_eq!(&rows[0][col("most_deprived")], "10%");
    assert_eq!(&rows[1][0], "Beta, Ltd");
    assert_eq!(&rows[1][col("class")], "region");
    assert!(rows[1][col("imd_note")].contains("not in the deprivation file"));
    assert_eq!(
        (&rows[2][col("class")], &rows[2][col("reason")]),
        ("unknown", "not-found")
    );
    assert_eq!(
        (&rows[3][col("class")], &rows[3][col("reason")]),
        ("unknown", "invalid")
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("4 rows: 1 local, 1 region, 2 unknown")
            && err.contains("1 found without a deprivation figure"),
        "{err}"
    );

    let out = ok(&socval(
        dir.path(),
        &[
            "geo",
            "classify",
            input.to_str().unwrap(),
            "--format",
            "json",
            "-q",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["Supplier"], "Acme");
    assert_eq!(v[0]["imd_rank"], 893);
    assert_eq!(v[0]["class"], "local");
    assert_eq!(v[3]["lad"], serde_json::Value::Null);
}

#[test]
fn bad_input_is_explained() {
    let dir = imported();
    let input = dir.path().join("s.csv");
    std::fs::write(&input, "Supplier,Town\nAcme,Rotherham\n").unwrap();
    let o = socval(dir.path(), &["geo", "classify", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no postcode column; found columns: Supplier, Town; accepted: postcode"),
        "{err}"
    );

    // A bad postcode file: file, line and field named; the index is unchanged.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "pcds,laua,lat,long\nS1 1AA,E08000019,53.38,-1.47\nS1 1AB,E08000019,53.38,west\n",
    )
    .unwrap();
    let o = socval(dir.path(), &["geo", "import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.csv: line 3: field `long`: not a number"),
        "{err}"
    );
    assert!(err.contains("previous data is unchanged"), "{err}");
    let out = ok(&socval(
        dir.path(),
        &["geo", "lookup", "S60 2TH", "--format", "csv"],
    ));
    assert!(out.contains("E08000018"));

    // A file with no recognisable postcode column: the columns found and
    // the names accepted.
    let cols = dir.path().join("cols.csv");
    std::fs::write(&cols, "Post_Code,District\nS60 2TH,E08000018\n").unwrap();
    let o = socval(dir.path(), &["geo", "import", cols.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no postcode column (found columns: post_code, district; accepted postcode columns: pcds, pcd, pcd7, pcd8, postcode, pcd2)"),
        "{err}"
    );
    let o = socval(
        dir.path(),
        &["geo", "import", "--kind", "ons", cols.to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "no postcode column; found columns: post_code, district; accepted names: pcds"
        ),
        "{err}"
    );

    // A malformed names file.
    let names = dir.path().join("names.csv");
    std::fs::write(&names, "code,name\nE05000001,Somewhere\nE05000002,\n").unwrap();
    let o = socval(dir.path(), &["geo", "import", names.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("names.csv: line 3: field `name`: empty"),
        "{err}"
    );

    // Nothing imported yet.
    let empty = tempfile::tempdir().unwrap();
    let o = socval(empty.path(), &["geo", "lookup", "S60 2TH"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("run `socval geo import FILE` first"));
}

#[test]
fn aberdeen_onspd_terminated_postcodes() {
    let dir = tempfile::tempdir().unwrap();
    let f = data("geo/onspd-sample-aberdeen.csv");
    let out = ok(&socval(
        dir.path(),
        &["geo", "import", f.to_str().unwrap(), "--format", "json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["index"]["postcodes"], 8048);
    assert!(v["index"]["terminated"].as_u64().unwrap() > 0);
    let out = ok(&socval(
        dir.path(),
        &["geo", "lookup", "AB1 0AA", "--format", "json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (
            v[0]["class"].as_str(),
            v[0]["reason"].as_str(),
            v[0]["terminated"].as_bool()
        ),
        (Some("unknown"), Some("terminated"), Some(true))
    );
    assert_eq!(v[0]["lad"], "S12000033");
    let out = ok(&socval(
        dir.path(),
        &[
            "geo",
            "lookup",
            "AB1 0AA",
            "--accept-terminated",
            "--format",
            "json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["class"], "outside");
}

#[test]
fn help_has_examples() {
    let dir = tempfile::tempdir().unwrap();
    for sub in [
        &["geo", "--help"][..],
        &["geo", "import", "--help"],
        &["geo", "lookup", "--help"],
        &["geo", "classify", "--help"],
    ] {
        let out = ok(&socval(dir.path(), sub));
        assert!(out.contains("socval geo"), "{sub:?}: {out}");
    }
}

/// Many batches (8,192 rows each), classified on several threads: every
/// row comes out once, in input order, with the same class as a lookup of
/// the same postcode, in CSV and in JSON.
#[test]
fn classify_many_rows_keeps_order() {
    let dir = imported();
    let text = std::fs::read_to_string(data("geo/postcodes-s-dn.csv")).unwrap();
    let pcs: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    let n = 150_001;
    let mut input = String::from("row,postcode\n");
    for i in 0..n {
        let pc = if i % 1000 == 999 {
            "nonsense"
        } else {
            pcs[(i * 7919) % pcs.len()]
        };
        input.push_str(&format!("{i},{pc}\n"));
    }
    let path = dir.path().join("many.csv");
    std::fs::write(&path, input).unwrap();
    let p = path.to_str().unwrap();
    let csv_out = ok(&socval(dir.path(), &["geo", "classify", p, "-q"]));
    let mut lines = csv_out.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("row,postcode,postcode_normalised,class")
    );
    let mut count = 0;
    for (i, l) in lines.enumerate() {
        let cells: Vec<&str> = l.split(',').collect();
        assert_eq!(cells[0], i.to_string(), "row order");
        if i % 1000 == 999 {
            assert_eq!((cells[3], cells[4]), ("unknown", "invalid"), "{l}");
        }
        count += 1;
    }
    assert_eq!(count, n);

    let json_out = ok(&socval(
        dir.path(),
        &["geo", "classify", p, "-q", "--format", "json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&json_out).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), n);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["row"], i.to_string());
    }
    // The same answer as a lookup, for a few rows from different batches.
    for i in [0usize, 65_535, 65_536, 131_072, 150_000] {
        let pc = pcs[(i * 7919) % pcs.len()];
        let look: serde_json::Value = serde_json::from_str(&ok(&socval(
            dir.path(),
            &["geo", "lookup", pc, "--format", "json"],
        )))
        .unwrap();
        assert_eq!(rows[i]["class"], look[0]["class"], "{pc}");
        assert_eq!(rows[i]["ward"], look[0]["ward"], "{pc}");
        assert_eq!(rows[i]["imd_rank"], look[0]["imd_rank"], "{pc}");
    }
}
