//! `socval evaluate`: the JSON contract, ties, zero social value, a single bid, bad input.

use crate::{expect, expect_error, json, repo, s, write};

const HEAD: &str = "[procurement]\ntitle = \"Depot\"\nvalue_gbp = \"£1,200,000\"\ncategory = \"Places\"\nframework = \"rotherham-2019\"\nyear = \"2019/20\"\n";

fn bid(name: &str, price: &str, quality: u32, qual: u32, commitments: &[(&str, &str)]) -> String {
    let mut b = format!(
        "\n[[bid]]\nbidder = \"{name}\"\nprice_gbp = \"{price}\"\nquality_score = {quality}\nsv_qualitative_score = {qual}\n"
    );
    for (m, u) in commitments {
        b.push_str(&format!(
            "[[bid.commitment]]\nmeasure = \"{m}\"\nunits = {u}\n"
        ));
    }
    b
}

#[test]
fn the_example_procurement_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(&expect(
        dir.path(),
        &[
            "evaluate",
            s(&repo("data/examples/procurement.toml")),
            "--format",
            "json",
        ],
        0,
    ));
    let bids = v["bids"].as_array().unwrap();
    assert_eq!(bids.len(), 3);
    for b in bids {
        for key in [
            "bidder",
            "sv_gbp",
            "sv_percent_of_price",
            "price_score",
            "quality_score",
            "sv_score",
            "total_score",
            "rank",
        ] {
            assert!(!b[key].is_null(), "{key} missing in {b}");
        }
        let sum = b["price_score"].as_f64().unwrap()
            + b["quality_score"].as_f64().unwrap()
            + b["sv_score"].as_f64().unwrap();
        assert!(
            (sum - b["total_score"].as_f64().unwrap()).abs() < 0.011,
            "{b}"
        );
    }
    assert_eq!(
        (bids[0]["bidder"].as_str(), bids[0]["rank"].as_u64()),
        (Some("Don Valley Builders Ltd"), Some(1))
    );
    // The lowest price scores the full 50; the highest social value the full 10 quantitative points.
    let northern = bids
        .iter()
        .find(|b| b["bidder"] == "Northern Estates Contracting")
        .unwrap();
    assert_eq!(northern["price_score"], 50);
    assert_eq!(bids[0]["sv_quantitative_score"], 10);
    // Pennine offers no £ of social value.
    let pennine = bids
        .iter()
        .find(|b| b["bidder"] == "Pennine Facilities plc")
        .unwrap();
    assert_eq!(
        (
            pennine["sv_gbp"].as_u64(),
            pennine["sv_percent_of_price"].as_f64()
        ),
        (Some(0), Some(0.0))
    );
    // SV as % of price: £217,682 on £1,150,000.
    assert_eq!(bids[0]["sv_gbp"], 217_682);
    assert_eq!(bids[0]["sv_percent_of_price"], 18.93);
    assert_eq!(v["weights"]["price"], 50);
    assert_eq!(v["weights"]["quality"], 30);
    assert_eq!(v["weights"]["sv"], 20);
    assert_eq!(v["procurement"]["delivery_requirement"], "delivery_plan");
    assert_eq!(v["procurement"]["sv_required"], true);
}

#[test]
fn tied_bids_share_a_rank() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}{}{}{}",
        bid("Alpha", "500000", 70, 60, &[("R07", "1")]),
        bid("Beta", "500000", 70, 60, &[("R07", "1")]),
        bid("Gamma", "600000", 70, 60, &[("R07", "1")])
    );
    let file = write(dir.path(), "p.toml", &text);
    let v = json(&expect(
        dir.path(),
        &["evaluate", &file, "--format", "json"],
        0,
    ));
    let ranks: Vec<(String, u64, bool)> = v["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["bidder"].as_str().unwrap().to_string(),
                b["rank"].as_u64().unwrap(),
                b["tied"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ranks,
        [
            ("Alpha".into(), 1, true),
            ("Beta".into(), 1, true),
            ("Gamma".into(), 3, false)
        ]
    );
    let table = expect(dir.path(), &["evaluate", &file], 0);
    assert!(table.contains("1=") && table.contains("tied"), "{table}");
}

#[test]
fn zero_social_value_and_a_single_bid() {
    let dir = tempfile::tempdir().unwrap();
    let zero = write(
        dir.path(),
        "zero.toml",
        &format!(
            "{HEAD}{}{}",
            bid("A", "100000", 50, 50, &[]),
            bid("B", "200000", 90, 0, &[("R02", "10")])
        ),
    );
    let v = json(&expect(
        dir.path(),
        &["evaluate", &zero, "--format", "json"],
        0,
    ));
    for b in v["bids"].as_array().unwrap() {
        assert_eq!(b["sv_gbp"], 0);
        assert_eq!(
            b["sv_quantitative_score"], 0,
            "no bid offers £, so nobody scores quantitative points"
        );
    }
    assert!(
        v["notes"]
            .to_string()
            .contains("No bid offers any social value")
    );

    let single = write(
        dir.path(),
        "one.toml",
        &format!("{HEAD}{}", bid("Solo", "£90,000", 40, 30, &[("R09", "2")]))
            .replace("£1,200,000", "90000"),
    );
    let v = json(&expect(
        dir.path(),
        &["evaluate", &single, "--format", "json"],
        0,
    ));
    let b = &v["bids"][0];
    assert_eq!(
        (
            b["price_score"].as_f64(),
            b["sv_quantitative_score"].as_f64(),
            b["rank"].as_u64()
        ),
        (Some(50.0), Some(10.0), Some(1))
    );
    assert_eq!(b["total_score"], 50.0 + 12.0 + 10.0 + 3.0);
    assert_eq!(
        v["procurement"]["delivery_requirement"],
        "milestone_tracker"
    );
    assert_eq!(v["procurement"]["sv_required"], false);
}

#[test]
fn weights_come_from_the_file_or_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}price_weight = 60\nquality_weight = 20\nsv_weight = 20\nsv_quantitative_share = 0.75\n{}",
        bid("A", "1000", 100, 100, &[("R07", "1")])
    );
    let file = write(dir.path(), "p.toml", &text);
    let v = json(&expect(
        dir.path(),
        &["evaluate", &file, "--format", "json"],
        0,
    ));
    assert_eq!(
        (
            v["weights"]["price"].as_f64(),
            v["weights"]["sv_quantitative"].as_f64()
        ),
        (Some(60.0), Some(15.0))
    );
    assert_eq!(v["bids"][0]["total_score"], 100);

    let policy = write(
        dir.path(),
        "policy.toml",
        "[weights]\nprice = 40\nquality = 40\nsocial_value = 20\nsv_quantitative_share = 0.5\n",
    );
    let plain = write(
        dir.path(),
        "q.toml",
        &format!("{HEAD}{}", bid("A", "1000", 50, 0, &[])),
    );
    let v = json(&expect(
        dir.path(),
        &["evaluate", &plain, "--policy", &policy, "--format", "json"],
        0,
    ));
    assert_eq!(v["weights"]["price"], 40);
    assert_eq!(v["bids"][0]["quality_score"], 20);
}

#[test]
fn bad_procurements_say_file_line_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(String, &[&str])> = vec![
        (
            format!("{HEAD}price_weight = 70\n{}", bid("A", "1", 1, 1, &[])),
            &["line 7", "= 120, not 100"],
        ),
        (
            format!("{HEAD}{}", bid("A", "free", 1, 1, &[])),
            &["line 10", "\"free\"", "accepted"],
        ),
        (
            format!("{HEAD}{}", bid("A", "0", 1, 1, &[])),
            &["line 10", "price_gbp", "above £0"],
        ),
        (
            format!("{HEAD}{}", bid("A", "1", 150, 1, &[])),
            &["line 11", "150", "0 to 100"],
        ),
        (
            format!("{HEAD}{}", bid("A", "1", 1, 1, &[("R07", "-1")])),
            &["line 15", "negative"],
        ),
        (
            format!("{HEAD}{}", bid("A", "1", 1, 1, &[("Free lunches", "1")])),
            &["line 14", "\"Free lunches\""],
        ),
        (
            HEAD.replace("Places", "Shipyards") + &bid("A", "1", 1, 1, &[]),
            &["line 4", "Shipyards", "Places, People, Corporate"],
        ),
        (
            format!("{HEAD}{}", bid("A", "1", 1, 1, &[])).replace("rotherham-2019", "missing.toml"),
            &["missing.toml"],
        ),
    ];
    for (i, (text, parts)) in cases.iter().enumerate() {
        let file = write(dir.path(), &format!("p{i}.toml"), text);
        let err = expect_error(dir.path(), &["evaluate", &file, "--format", "json"]);
        assert!(err.contains(&format!("p{i}.toml")), "{err}");
        for p in *parts {
            assert!(err.contains(p), "{p:?} missing from: {err}");
        }
    }
}
