//! `socval quotes check|audit`: the JSON contract, exit codes, reproducible audits.

use crate::{expect, expect_error, json, repo, s, write};

const HEADER: &str =
    "purchase_id,purchase_value_gbp,supplier,supplier_location,amount_gbp,justification\n";

#[test]
fn check_reports_compliance_and_reasons_per_purchase() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(&expect(
        dir.path(),
        &[
            "quotes",
            "check",
            s(&repo("data/examples/quotes.csv")),
            "--format",
            "json",
        ],
        3,
    ));
    let p = v["purchases"].as_array().unwrap();
    let by_id = |id: &str| p.iter().find(|x| x["purchase_id"] == id).unwrap();
    let compliant: Vec<(&str, bool)> = p
        .iter()
        .map(|x| {
            (
                x["purchase_id"].as_str().unwrap(),
                x["compliant"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        compliant,
        [
            ("Q-001", true),
            ("Q-002", true),
            ("Q-003", true),
            ("Q-004", false),
            ("Q-005", false),
            ("Q-006", true),
            ("Q-007", true),
            ("Q-008", false),
            ("Q-009", true),
            ("Q-010", true)
        ]
    );
    assert!(
        by_id("Q-004")["reasons"][0]
            .as_str()
            .unwrap()
            .contains("no justification")
    );
    assert!(
        by_id("Q-005")["reasons"][0]
            .as_str()
            .unwrap()
            .contains("at least 2")
    );
    assert!(
        by_id("Q-008")["reasons"][0]
            .as_str()
            .unwrap()
            .contains("same supplier")
    );
    assert_eq!(by_id("Q-007")["in_scope"], false);
    assert_eq!(by_id("Q-001")["reasons"].as_array().unwrap().len(), 0);
    assert_eq!(v["summary"]["non_compliant"], 3);
}

#[test]
fn all_compliant_exits_zero_and_the_threshold_comes_from_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "q.csv",
        &format!("{HEADER}A,£30000,X,outside,30000,\nB,100,Y,local,100,\nB,100,Z,region,90,\n"),
    );
    let out = expect(dir.path(), &["quotes", "check", &f], 0);
    assert!(out.contains("out of scope"), "{out}");
    let policy = write(dir.path(), "p.toml", "quotes_threshold_gbp = \"£50,000\"\n");
    let v = json(&expect(
        dir.path(),
        &[
            "quotes", "check", &f, "--policy", &policy, "--format", "json",
        ],
        3,
    ));
    assert_eq!(
        (
            v["purchases"][0]["in_scope"].as_bool(),
            v["purchases"][0]["compliant"].as_bool()
        ),
        (Some(true), Some(false))
    );
}

#[test]
fn bad_quotes_say_file_line_column_value() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            format!("{HEADER}A,100,X,local,100,\nA,100,Y,nearby,90,\n"),
            vec![
                "line 3",
                "`supplier_location`",
                "\"nearby\"",
                "local, region or outside",
            ],
        ),
        (
            format!("{HEADER}A,100,X,local,1OO,\n"),
            vec!["line 2", "`amount_gbp`", "\"1OO\"", "accepted"],
        ),
        (
            format!("{HEADER}A,100,X,local,100,\nA,200,Y,local,90,\n"),
            vec!["line 3", "`purchase_value_gbp`", "line 2"],
        ),
        (
            "purchase_id,supplier\nA,X\n".to_string(),
            vec!["line 1", "purchase_value_gbp"],
        ),
    ];
    for (i, (text, parts)) in cases.iter().enumerate() {
        let f = write(dir.path(), &format!("q{i}.csv"), text);
        let err = expect_error(dir.path(), &["quotes", "check", &f]);
        assert!(err.contains(&format!("q{i}.csv")), "{err}");
        for p in parts {
            assert!(err.contains(p), "{p:?} missing from: {err}");
        }
    }
}

fn population(reverse: bool) -> String {
    let mut rows: Vec<String> = (0..60)
        .flat_map(|i| {
            let second = if i % 5 == 0 { "outside" } else { "local" };
            [
                format!("P{i:03},1000,A{i},outside,1000,"),
                format!("P{i:03},1000,B{i},{second},990,"),
            ]
        })
        .collect();
    if reverse {
        rows.reverse();
    }
    format!("{HEADER}{}\n", rows.join("\n"))
}

#[test]
fn audits_are_reproducible_and_rate_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "q.csv", &population(false));
    let r = write(dir.path(), "r.csv", &population(true));
    let run = |file: &str, seed: &str, size: &str| -> serde_json::Value {
        let (out, err, code) = crate::parts(&crate::run_in(
            dir.path(),
            &[
                "quotes", "audit", file, "--seed", seed, "--size", size, "--format", "json",
            ],
        ));
        assert!(code == 0 || code == 3, "{err}");
        let v = json(&out);
        let all_ok = v["compliant"] == v["sampled"];
        assert_eq!(code, if all_ok { 0 } else { 3 });
        v
    };
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["sample"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["purchase_id"].as_str().unwrap().to_string())
            .collect()
    };
    let a = run(&f, "2021", "12");
    assert_eq!(ids(&a).len(), 12);
    assert_eq!(
        ids(&a),
        ids(&run(&f, "2021", "12")),
        "same seed, same sample"
    );
    assert_eq!(
        ids(&a),
        ids(&run(&r, "2021", "12")),
        "row order does not matter"
    );
    assert_ne!(
        ids(&a),
        ids(&run(&f, "2022", "12")),
        "another seed, another sample"
    );
    let mut unique = ids(&a);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 12, "no purchase twice");
    let rate = a["compliance_percent"].as_f64().unwrap();
    let expected = a["compliant"].as_f64().unwrap() / 12.0 * 100.0;
    assert!((rate - expected).abs() < 0.01);

    // Everything: 48 of 60 compliant = 80%, Reasonable assurance.
    let all = run(&f, "1", "1000");
    assert_eq!(
        (all["sampled"].as_u64(), all["compliant"].as_u64()),
        (Some(60), Some(48))
    );
    assert_eq!(
        (all["compliance_percent"].as_f64(), all["opinion"].as_str()),
        (Some(80.0), Some("Reasonable"))
    );
    let policy = write(
        dir.path(),
        "p.toml",
        "[assurance]\nsubstantial = 99\nreasonable = 90\nlimited = 80\n",
    );
    let v = json(
        &crate::parts(&crate::run_in(
            dir.path(),
            &[
                "quotes", "audit", &f, "--seed", "1", "--size", "1000", "--policy", &policy,
                "--format", "json",
            ],
        ))
        .0,
    );
    assert_eq!(v["opinion"], "Limited");
    let err = expect_error(
        dir.path(),
        &["quotes", "audit", &f, "--seed", "1", "--size", "0"],
    );
    assert!(err.contains("size"), "{err}");
}
