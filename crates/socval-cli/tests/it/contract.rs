//! `socval contract progress`: profile, progress, RAG thresholds, forecast, exit codes.

use crate::{expect, expect_error, json, repo, s, write};

const CONTRACT: &str = "[contract]\ntitle = \"Cleaning\"\nsupplier = \"Acme\"\nstart = 2020-04-01\nyears = 1\nframework = \"rotherham-2019\"\nyear = \"2019/20\"\n\n[[commitment]]\nmeasure = \"R09\"\ncontract_year = 1\nunits = 40\n";

fn progress(delivered_q1: &str, delivered_q2: &str, extra: &[&str]) -> (serde_json::Value, i32) {
    let dir = tempfile::tempdir().unwrap();
    let c = write(dir.path(), "c.toml", CONTRACT);
    let r = write(
        dir.path(),
        "r.csv",
        &format!(
            "measure,contract_year,quarter,units\nR09,1,1,{delivered_q1}\nR09,1,2,{delivered_q2}\n"
        ),
    );
    let mut args = vec![
        "contract",
        "progress",
        c.as_str(),
        "--returns",
        r.as_str(),
        "--as-of",
        "2020-09-30",
        "--format",
        "json",
    ];
    args.extend(extra);
    let (out, err, code) = crate::parts(&crate::run_in(dir.path(), &args));
    assert!(code == 0 || code == 3, "{err}");
    (json(&out), code)
}

#[test]
fn rag_follows_the_default_thresholds_and_sets_the_exit_code() {
    // Two quarters ended: 20 weeks expected (40 spread evenly over four quarters).
    let cases = [
        ("10", "8", "green", 0),
        ("10", "7.9", "amber", 0),
        ("7", "7", "amber", 0),
        ("7", "6.9", "red", 3),
    ];
    for (q1, q2, rag, code) in cases {
        let (v, got) = progress(q1, q2, &[]);
        let m = &v["measures"][0];
        assert_eq!(m["expected_units"], 20, "{v}");
        assert_eq!(m["rag"], rag, "{q1}+{q2}: {m}");
        assert_eq!(got, code, "{q1}+{q2}");
    }
}

#[test]
fn thresholds_are_configurable_by_flag_and_policy() {
    let (v, code) = progress("10", "8", &["--green", "95", "--amber", "90"]);
    assert_eq!((v["measures"][0]["rag"].as_str(), code), (Some("amber"), 0));
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.toml", "[rag]\ngreen = 99\namber = 95\n");
    let (v, code) = progress("10", "8", &["--policy", &policy]);
    assert_eq!((v["measures"][0]["rag"].as_str(), code), (Some("red"), 3));
    assert_eq!(v["thresholds"]["green"], 99);
}

#[test]
fn the_example_contract_shows_progress_and_forecast() {
    let dir = tempfile::tempdir().unwrap();
    let (contract, returns) = (
        repo("data/examples/contract.toml"),
        repo("data/examples/returns.csv"),
    );
    let args = [
        "contract",
        "progress",
        s(&contract),
        "--returns",
        s(&returns),
        "--as-of",
        "2020-06-30",
        "--format",
        "json",
    ];
    let v = json(&expect(dir.path(), &args, 3));
    assert_eq!(
        (v["quarters_elapsed"].as_u64(), v["quarters_total"].as_u64()),
        (Some(3), Some(8))
    );
    let m: Vec<&serde_json::Value> = v["measures"].as_array().unwrap().iter().collect();
    // Training: profile [2, 6, 6, 6] → 14 expected; 5 verified delivered (4 more awaiting verification).
    let training = m.iter().find(|x| x["code"] == "R09").unwrap();
    assert_eq!(
        (
            training["expected_units"].as_f64(),
            training["delivered_units"].as_f64()
        ),
        (Some(14.0), Some(5.0))
    );
    assert_eq!(training["unverified_units"], 4);
    assert_eq!(training["rag"], "red");
    // Forecast at completion: 30 committed × 5/14.
    assert_eq!(training["forecast_units"], 10.7143);
    let apprentices = m.iter().find(|x| x["code"] == "R10").unwrap();
    assert_eq!(
        (
            apprentices["progress_percent"].as_f64(),
            apprentices["rag"].as_str()
        ),
        (Some(100.0), Some("green"))
    );
    assert!(v["overall"]["delivered_gbp"].as_u64().unwrap() > 0);

    // Before anything is due there is no status, and nothing is red.
    let mut early = args;
    early[6] = "2019-12-30";
    let v = json(&expect(dir.path(), &early, 0));
    assert!(
        v["overall"]["rag"].is_null() && v["measures"][0]["rag"].is_null(),
        "{v}"
    );
}

#[test]
fn bad_contract_and_returns_say_where() {
    let dir = tempfile::tempdir().unwrap();
    let c = write(dir.path(), "c.toml", CONTRACT);
    let cases = [
        (
            "measure,contract_year,quarter,units\nR09,1,5,1\n",
            ["line 2", "`quarter`", "\"5\"", "1, 2, 3 or 4"],
        ),
        (
            "measure,contract_year,quarter,units\nR09,1,1,-3\n",
            ["line 2", "`units`", "\"-3\"", "negative"],
        ),
        (
            "measure,contract_year,quarter,units\nR09,2,1,3\n",
            ["line 2", "contract_year", "\"2\"", "from 1 to 1"],
        ),
        (
            "measure,contract_year,quarter,units,verified\nR09,1,1,3,perhaps\n",
            ["line 2", "`verified`", "\"perhaps\"", "yes, no"],
        ),
    ];
    for (i, (text, parts)) in cases.iter().enumerate() {
        let r = write(dir.path(), &format!("r{i}.csv"), text);
        let err = expect_error(
            dir.path(),
            &[
                "contract",
                "progress",
                &c,
                "--returns",
                &r,
                "--as-of",
                "2021-01-01",
            ],
        );
        assert!(err.contains(&format!("r{i}.csv")), "{err}");
        for p in parts {
            assert!(err.contains(p), "{p:?} missing from: {err}");
        }
    }
    let bad = write(
        dir.path(),
        "bad.toml",
        &CONTRACT.replace("2020-04-01", "\"1 April\""),
    );
    let err = expect_error(
        dir.path(),
        &["contract", "progress", &bad, "--as-of", "2021-01-01"],
    );
    assert!(
        err.contains("bad.toml") && err.contains("line 4") && err.contains("\"1 April\""),
        "{err}"
    );
    let err = expect_error(
        dir.path(),
        &[
            "contract",
            "progress",
            &c,
            "--green",
            "60",
            "--amber",
            "70",
            "--as-of",
            "2021-01-01",
        ],
    );
    assert!(err.contains("amber"), "{err}");
}

/// The outside review's returns line of 79,228,162,514,264,337,593,543,950,335
/// units made `contract progress` panic (exit 101): it is now refused naming
/// the file, line and column, and so is a year or date that cannot be.
#[test]
fn numbers_years_and_dates_past_the_limits_are_refused_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let c = write(dir.path(), "c.toml", CONTRACT);
    let r = write(
        dir.path(),
        "r.csv",
        "measure,contract_year,quarter,units\nR09,1,1,1\nR09,1,1,79228162514264337593543950335\n",
    );
    let err = expect_error(dir.path(), &["contract", "progress", &c, "--returns", &r]);
    assert!(err.contains("r.csv: line 3, column `units`"), "{err}");
    assert!(err.contains("1,000,000,000,000"), "{err}");
    for (flag, value) in [("--as-of", "9999-12-31"), ("--as-of", "0001-01-01")] {
        let (_, err, code) = crate::parts(&crate::run_in(
            dir.path(),
            &["contract", "progress", &c, "--returns", &r, flag, value],
        ));
        assert_eq!(code, 2, "{flag} {value}: {err}");
        assert!(err.contains(value) && err.contains("1990"), "{err}");
    }
    let (_, err, code) = crate::parts(&crate::run_in(
        dir.path(),
        &["report", "annual", "--year", "9999-00", "--out", "out"],
    ));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("2099/00"), "{err}");
    let long = CONTRACT.replace("years = 1", "years = 4294967295");
    let c = write(dir.path(), "long.toml", &long);
    let err = expect_error(dir.path(), &["contract", "progress", &c, "--returns", &r]);
    assert!(err.contains("from 1 to 50"), "{err}");
}
