//! `socval framework`: list, show, export, validate; and frameworks from files.

use crate::{expect, expect_error, json, s, shared_data, write};

#[test]
fn list_and_show_the_embedded_frameworks() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(&expect(
        dir.path(),
        &["framework", "list", "--format", "json"],
        0,
    ));
    let ids: Vec<&str> = v["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["rotherham-2019", "open-default"]);
    assert_eq!(v["frameworks"][0]["measures"], 18);

    let show = json(&expect(
        dir.path(),
        &["framework", "show", "rotherham-2019", "--format", "json"],
        0,
    ));
    let themes = show["theme"].as_array().unwrap();
    assert_eq!(themes.len(), 4);
    let local = &themes[1]["outcome"][0]["measure"][0];
    assert_eq!(local["kind"], "multiplier");
    assert_eq!(local["unit"], "gbp");
    assert_eq!(local["proxy"][0]["value_gbp"], "0.522934");
    let table = expect(dir.path(), &["framework", "show", "open-default"], 0);
    assert!(
        table.contains("tonnes_co2e") || table.contains("tCO2e"),
        "{table}"
    );
    assert!(table.contains("Licence:"), "{table}");
}

#[test]
fn open_default_has_a_source_and_licence_beside_every_value_and_no_toms_or_hact() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(&expect(
        dir.path(),
        &["framework", "show", "open-default", "--format", "json"],
        0,
    ));
    let mut values = 0;
    for t in v["theme"].as_array().unwrap() {
        for o in t["outcome"].as_array().unwrap() {
            for m in o["measure"].as_array().unwrap() {
                for p in m["proxy"].as_array().into_iter().flatten() {
                    values += 1;
                    assert!(!p["source"].as_str().unwrap_or("").is_empty(), "{m}");
                    assert!(!p["licence"].as_str().unwrap_or("").is_empty(), "{m}");
                    let src = p["source"].as_str().unwrap();
                    assert!(!src.contains("TOMs") && !src.contains("HACT"), "{src}");
                }
            }
        }
    }
    assert!(values >= 9, "{values}");
}

#[test]
fn export_round_trips_through_toml_and_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let table = shared_data("seed/table-2-10-commitments.csv");
    for format in ["toml", "csv"] {
        let text = expect(
            dir.path(),
            &["framework", "export", "rotherham-2019", "--format", format],
            0,
        );
        let file = write(dir.path(), &format!("mine.{format}"), &text);
        let out = expect(dir.path(), &["framework", "validate", &file], 0);
        assert!(out.contains("18 measures, no problems found"), "{out}");
        let v = json(&expect(
            dir.path(),
            &["value", s(&table), "--framework", &file, "--format", "json"],
            0,
        ));
        assert_eq!(v["total_gbp"], 1_458_532, "{format}");
    }
}

/// A framework whose titles are formulas exports them as text (issue 12,
/// item 6).
#[test]
fn csv_exports_carry_no_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "fw.csv",
        "theme,outcome,code,title,unit,kind,year,proxy\n\
         Jobs,@Local jobs,J1,\"=HYPERLINK(\"\"http://x.example/\"\",\"\"hires\"\")\",fte,per_unit,2024/25,100.50\n",
    );
    let out = expect(
        dir.path(),
        &["framework", "export", &file, "--format", "csv"],
        0,
    );
    assert!(
        out.contains(",'@Local jobs,J1,\"'=HYPERLINK(\"\"http://x.example/\"\",\"\"hires\"\")\","),
        "{out}"
    );
    assert!(out.contains(",100.50"), "{out}");
}

#[test]
fn validate_finds_duplicates_missing_proxies_and_unknown_units_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "fw.csv",
        "theme,outcome,code,title,unit,kind,year,proxy\n\
         Jobs,Local jobs,J1,Local hires,fte,per_unit,2024/25,100\n\
         Jobs,Local jobs,J1,Local hires,fte,per_unit,2025/26,110\n\
         Jobs,Local jobs,J2,Training,weeks,per_unit,2024/25,50\n\
         Jobs,Local jobs,J2,Mentoring,parsecs,per_unit,2025/26,5\n\
         Green,Carbon,C1,Carbon saved,tonnes_co2e,per_unit,,\n",
    );
    let out = expect(
        dir.path(),
        &["framework", "validate", &file, "--format", "json"],
        3,
    );
    let v = json(&out);
    assert_eq!(v["valid"], false);
    let issues: Vec<String> = v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{} | {}", i["lines"], i["message"].as_str().unwrap()))
        .collect();
    let want = [
        ("[4,5]", "duplicate measure code"),
        ("[5]", "unknown unit \"parsecs\""),
        ("[4]", "missing proxy for 2025/26"),
        ("[6]", "no proxy value for any year"),
    ];
    for (lines, what) in want {
        assert!(
            issues
                .iter()
                .any(|i| i.starts_with(lines) && i.contains(what)),
            "{lines} {what}: {issues:#?}"
        );
    }
    let table = expect(dir.path(), &["framework", "validate", &file], 3);
    assert!(table.contains("problem(s) found"), "{table}");

    // A file that cannot be read at all is an error (1), not a finding (3).
    let bad = write(
        dir.path(),
        "bad.toml",
        "[framework]\nid = \"x\"\n[[theme]]\ncode = 5\n",
    );
    let err = expect_error(dir.path(), &["framework", "validate", &bad]);
    assert!(err.contains("bad.toml") && err.contains("line 4"), "{err}");
    // Using a framework with problems is refused, with the list.
    let c = write(dir.path(), "c.csv", "measure,units\nJ1,1\n");
    let err = expect_error(dir.path(), &["value", &c, "--framework", &file]);
    assert!(
        err.contains("duplicate measure code") && err.contains("socval framework validate"),
        "{err}"
    );
}
