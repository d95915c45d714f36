//! `socval value`: the table 2.10 contract, options, and bad input.

use crate::{expect, expect_error, json, s, shared_data, write};

const TABLE: &str = "seed/table-2-10-commitments.csv";

#[test]
fn table_2_10_is_reproduced_to_the_pound() {
    let dir = tempfile::tempdir().unwrap();
    let file = shared_data(TABLE);
    let out = expect(
        dir.path(),
        &[
            "value",
            s(&file),
            "--framework",
            "rotherham-2019",
            "--format",
            "json",
        ],
        0,
    );
    let v = json(&out);
    let mut table = csv::Reader::from_path(&file).unwrap();
    let printed: Vec<csv::StringRecord> = table.records().map(Result::unwrap).collect();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 18);
    for (row, want) in rows.iter().zip(&printed) {
        assert_eq!(
            row["measure"], want[0],
            "rows keep the input's order and wording"
        );
        assert_eq!(
            row["units"].as_f64().unwrap(),
            want[2].parse::<f64>().unwrap(),
            "{}",
            &want[0]
        );
        if want[3].is_empty() {
            assert!(
                row["value_gbp"].is_null() || row["value_gbp"] == 0,
                "{}: {}",
                &want[0],
                row["value_gbp"]
            );
        } else {
            let got = row["value_gbp"].as_f64().unwrap();
            let printed: f64 = want[3].parse().unwrap();
            assert!(
                (got - printed).abs() <= 1.0,
                "{}: {got} vs {printed}",
                &want[0]
            );
        }
    }
    let living_wage = &rows[1];
    assert!(
        living_wage["measure"]
            .as_str()
            .unwrap()
            .contains("Living Wage")
    );
    assert_eq!(living_wage["units"].as_f64(), Some(531.06));
    assert!(living_wage["value_gbp"].is_null());
    assert_eq!(v["total_gbp"], 1_458_532);
    assert_eq!(v["framework"], "rotherham-2019");
    assert_eq!(v["year"], "2019/20");
    let themes: Vec<&str> = v["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(themes, ["JOBS", "LOCAL", "VCSE", "ENV"]);

    let table = expect(
        dir.path(),
        &["value", s(&file), "--framework", "rotherham-2019"],
        0,
    );
    assert!(table.contains("Total: £1,458,532"), "{table}");
    assert!(
        table.contains("£999,162") && table.contains("£239,859"),
        "{table}"
    );
    let csv_out = expect(
        dir.path(),
        &[
            "value",
            s(&file),
            "--framework",
            "rotherham-2019",
            "--format",
            "csv",
        ],
        0,
    );
    assert!(
        csv_out.starts_with("code,measure,unit,units,£\n"),
        "{csv_out}"
    );
    assert_eq!(csv_out.lines().count(), 19);
    // Spreadsheets get plain numbers, not display strings.
    assert!(
        csv_out
            .contains("\nR01,No. of local direct employees hired or retained,FTE,38.03,999162\n"),
        "{csv_out}"
    );
}

#[test]
fn codes_aliases_counting_rules_and_ignored_columns() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "c.csv",
        "Notes,Measure,Units,Contract_Year\nfirst,R07,2,1\nsecond,r07,1,2\nthird,No. of weeks of apprenticeships,\"1,000\",3\n",
    );
    let v = json(&expect(
        dir.path(),
        &[
            "value",
            &file,
            "--framework",
            "rotherham-2019",
            "--format",
            "json",
        ],
        0,
    ));
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows[0]["value_gbp"], 30332);
    assert_eq!(
        rows[1]["value_gbp"], 0,
        "a disabled hire counts in the first contract year only"
    );
    assert_eq!(rows[1]["counted_units"], 0);
    assert_eq!(rows[2]["units"], 1000);
    assert_eq!(rows[2]["value_gbp"], 206_811);
    assert_eq!(v["total_gbp"], 30332 + 206_811);
}

#[test]
fn a_missing_proxy_names_measure_and_year_unless_carried_forward() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "c.csv", "measure,units\nR07,1\n");
    let err = expect_error(
        dir.path(),
        &[
            "value",
            &file,
            "--framework",
            "rotherham-2019",
            "--year",
            "2021/22",
        ],
    );
    assert!(
        err.contains("R07") && err.contains("2021/22") && err.contains("--carry-forward"),
        "{err}"
    );
    let v = json(&expect(
        dir.path(),
        &[
            "value",
            &file,
            "--framework",
            "rotherham-2019",
            "--year",
            "2021/22",
            "--carry-forward",
            "--format",
            "json",
        ],
        0,
    ));
    assert_eq!(v["rows"][0]["proxy_year"], "2019/20");
    assert_eq!(v["total_gbp"], 15166);
}

#[test]
fn bad_input_names_file_line_column_value_and_what_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "measure,units\nR01,1\nR07,-2\n",
            ["line 3", "`units`", "\"-2\"", "negative", "accepted"],
        ),
        (
            "measure,units\nR01,1\nR07,lots\n",
            ["line 3", "`units`", "\"lots\"", "not a number", "accepted"],
        ),
        (
            "measure,units\nFree lunches,1\n",
            [
                "line 2",
                "`measure`",
                "\"Free lunches\"",
                "rotherham-2019",
                "R01",
            ],
        ),
        (
            "measure,amount\nR01,1\n",
            [
                "line 1",
                "`units`",
                "measure, amount",
                "units_committed",
                "accepted",
            ],
        ),
        (
            "measure,units,year\nR01,1,2019\n",
            ["line 2", "`year`", "\"2019\"", "2019/20", "accepted"],
        ),
        // The file's own line, with Windows line ends, after blank lines
        // and after a quoted line end.
        (
            "measure,units\r\nR01,1\r\nR07,lots\r\n",
            ["line 3,", "`units`", "\"lots\"", "not a number", "accepted"],
        ),
        (
            "measure,units\r\nR01,1\r\n\r\n\r\nR07,lots\r\n",
            ["line 5,", "`units`", "\"lots\"", "not a number", "accepted"],
        ),
        (
            "measure,units,note\nR01,1,\"two\nlines\"\n\nR07,lots,x\n",
            ["line 5,", "`units`", "\"lots\"", "not a number", "accepted"],
        ),
    ];
    for (i, (text, parts)) in cases.iter().enumerate() {
        let file = write(dir.path(), &format!("bad{i}.csv"), text);
        let err = expect_error(
            dir.path(),
            &[
                "value",
                &file,
                "--framework",
                "rotherham-2019",
                "--format",
                "json",
            ],
        );
        assert!(err.contains(&format!("bad{i}.csv")), "{err}");
        for p in parts {
            assert!(err.contains(p), "{p:?} missing from: {err}");
        }
    }
    let err = expect_error(
        dir.path(),
        &["value", "nowhere.csv", "--framework", "rotherham-2019"],
    );
    assert!(err.contains("nowhere.csv"), "{err}");
    let err = expect_error(
        dir.path(),
        &[
            "value",
            &write(dir.path(), "ok.csv", "measure,units\nR01,1\n"),
            "--framework",
            "national-toms",
        ],
    );
    assert!(err.contains("rotherham-2019, open-default"), "{err}");
}
