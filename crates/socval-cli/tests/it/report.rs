//! `socval report annual`: files written, the seed's table 2.10, spend from
//! the data directory (the same figures as `socval spend analyse`), bad input.

use super::{expect, expect_error, json, repo, s, shared_data};

fn read_json(p: &std::path::Path) -> serde_json::Value {
    json(&std::fs::read_to_string(p).unwrap())
}

fn table<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["blocks"].as_array().unwrap())
        .find(|b| b["type"] == "table" && b["id"] == id)
        .unwrap_or_else(|| panic!("no table {id}"))
}

/// The value of a table cell by row key and column key.
fn cell<'a>(t: &'a serde_json::Value, row: &str, col: &str) -> &'a serde_json::Value {
    let c = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["key"] == col)
        .unwrap_or_else(|| panic!("no column {col}"));
    &t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == row)
        .unwrap_or_else(|| panic!("no row {row}"))["cells"][c]
}

#[test]
fn annual_report_on_the_seed_writes_every_file_and_says_spend_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let seed = shared_data("seed/table-2-10-commitments.csv");
    let quotes = repo("data/examples/quotes.csv");
    let out = expect(
        dir.path(),
        &[
            "report",
            "annual",
            "--org",
            "rotherham",
            "--year",
            "2019/20",
            "--commitments",
            s(&seed),
            "--quotes",
            s(&quotes),
            "--audit-seed",
            "2021",
            "--out",
            "out",
        ],
        0,
    );
    assert!(
        out.contains("Social value committed: £1,458,531.85."),
        "{out}"
    );
    assert!(out.contains("No payments have been imported"), "{out}");
    let o = dir.path().join("out");
    for f in [
        "report.html",
        "report.xlsx",
        "report.json",
        "csv/table_2_10.csv",
        "csv/by_theme.csv",
        "csv/quotes_summary.csv",
        "csv/methods.csv",
    ] {
        assert!(o.join(f).is_file(), "{f}");
    }
    let r = read_json(&o.join("report.json"));
    assert_eq!(r["schema"], "socval.report.v1");
    assert_eq!(r["org"], "rotherham");
    assert_eq!(
        cell(table(&r, "table_2_10"), "total", "value_gbp"),
        "1458531.85"
    );
    assert_eq!(cell(table(&r, "quotes_audit"), "audit", "seed"), "2021");
    let csv = std::fs::read_to_string(o.join("csv/table_2_10.csv")).unwrap();
    assert!(
        csv.starts_with("code,measure,unit,units,value_gbp\n")
            && csv.contains("R09,No. of weeks of training opportunities,weeks,188,48299.00\n"),
        "{csv}"
    );
    let html = std::fs::read_to_string(o.join("report.html")).unwrap();
    assert!(
        html.contains("No payments have been imported into the data directory"),
        "the spend section says so"
    );
    assert!(
        html.contains("give --org without --commitments"),
        "the methods say how to read the portal's contracts instead"
    );
}

#[test]
fn spend_comes_from_the_data_directory_and_matches_spend_analyse() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
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
    let seed = shared_data("seed/table-2-10-commitments.csv");
    expect(
        d,
        &[
            "report",
            "annual",
            "--year",
            "2019/20",
            "--compare",
            "2018/19",
            "--top",
            "20",
            "--commitments",
            s(&seed),
            "--out",
            "out",
        ],
        0,
    );
    let r = read_json(&d.join("out/report.json"));
    let a = json(&expect(
        d,
        &[
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
        ],
        0,
    ));
    let same = |report: &serde_json::Value, analyse: &serde_json::Value| {
        let x: socval_core::Decimal = report.as_str().unwrap().parse().unwrap();
        let y: socval_core::Decimal = analyse
            .as_str()
            .map(|s| s.parse().unwrap())
            .unwrap_or_else(|| analyse.to_string().parse().unwrap());
        assert_eq!(x, y, "report {report} vs spend analyse {analyse}");
    };
    let summary = table(&r, "spend_summary");
    same(cell(summary, "total", "gbp"), &a["total_gbp"]);
    same(cell(summary, "top_n", "gbp"), &a["top_n_gbp"]);
    same(
        cell(summary, "total", "prev_gbp"),
        &a["compare"]["total_gbp"],
    );
    for class in ["local", "region", "outside", "unknown"] {
        same(
            cell(table(&r, "graph1_all_by_location"), class, "gbp"),
            &a["by_class"][class]["gbp"],
        );
        same(
            cell(table(&r, "graph2_top_by_location"), class, "gbp"),
            &a["top_n_by_class"][class]["gbp"],
        );
    }
    for (key, band) in [("p1", "1%"), ("p10", "10%"), ("p20", "20%")] {
        same(
            cell(table(&r, "deprived_all"), key, "gbp"),
            &a["deprived_local"][band]["gbp"],
        );
    }
    let first_ward = &a["by_ward"][0];
    same(
        cell(
            table(&r, "wards_all"),
            first_ward["ward"].as_str().unwrap(),
            "gbp",
        ),
        &first_ward["gbp"],
    );
    let methods = table(&r, "methods");
    assert!(
        cell(methods, "deprivation__imd", "detail")
            .as_str()
            .unwrap()
            .contains("2011"),
        "{methods}"
    );
    let html = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    assert_eq!(html.matches("<svg ").count(), 4, "graphs 1-4");
    assert_eq!(html.matches("<title id=").count(), 4);
}

#[test]
fn bad_commitments_name_file_line_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let c = super::write(
        dir.path(),
        "c.csv",
        "measure,units\nR09,188\nFree lunches,3\n",
    );
    let err = expect_error(
        dir.path(),
        &[
            "report",
            "annual",
            "--year",
            "2019/20",
            "--commitments",
            &c,
            "--out",
            "out",
        ],
    );
    assert!(
        err.contains("c.csv: line 3, column `measure`: \"Free lunches\" is not a measure"),
        "{err}"
    );
    assert!(
        !dir.path().join("out/report.html").exists(),
        "nothing written"
    );
    let err = expect_error(
        dir.path(),
        &[
            "report",
            "annual",
            "--year",
            "2019/20",
            "--compare",
            "2019/20",
            "--out",
            "out",
        ],
    );
    assert!(
        err.contains("--compare 2019/20 is the year itself"),
        "{err}"
    );
}

#[test]
fn help_has_an_example() {
    let dir = tempfile::tempdir().unwrap();
    let out = expect(dir.path(), &["report", "annual", "--help"], 0);
    assert!(
        out.contains("socval report annual --year 2019/20")
            && out.contains("read from the portal's database"),
        "{out}"
    );
    let (_, err, code) = super::parts(&super::run_in(
        dir.path(),
        &["report", "annual", "--out", "x"],
    ));
    assert_eq!(code, 2, "{err}");
}

/// Seeds the data directory's SQLite database with organisation `a`, its
/// framework and a contract valued in 2025/26 with one return (OD02 900
/// hours verified, OD06 500 pending); returns the contract's id.
fn seed_portal(dir: &std::path::Path) -> i64 {
    use socval_store::delivery::{LineStatus, NewLine, NewReturn, Review};
    use socval_store::procurement::{ContractCommitment, Evidence, NewContract};
    use socval_store::{
        Actor, FrameworkFormat, NewFramework, NewOrganisation, NewSupplier, OrgKind, SqliteStore,
        Store,
    };
    use socval_store::{DeliveryStore, ProcurementStore};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = SqliteStore::open_path(&dir.join("socval.db"))
            .await
            .unwrap();
        let cli = Actor::system("test");
        let now = time::macros::datetime!(2026-01-15 10:00 UTC);
        let d = |s: &str| s.parse::<socval_core::Decimal>().unwrap();
        let org = store
            .create_organisation(
                &cli,
                now,
                &NewOrganisation::new("a", "Alpha Borough Council", OrgKind::Council),
            )
            .await
            .unwrap();
        let supplier = store
            .create_supplier(
                &cli,
                now,
                &NewSupplier {
                    org_id: org.id,
                    name: "Acme Builders Ltd".into(),
                    company_number: None,
                    postcode: None,
                },
            )
            .await
            .unwrap();
        let fw = store
            .create_framework(
                &cli,
                now,
                &NewFramework {
                    org_id: org.id,
                    name: "open-default".into(),
                    edition: "2025".into(),
                    format: FrameworkFormat::Toml,
                    source: std::fs::read_to_string(repo("data/frameworks/open-default.toml"))
                        .unwrap(),
                },
            )
            .await
            .unwrap();
        let commitment = |m: &str, u: &str| ContractCommitment {
            measure: m.into(),
            contract_year: 1,
            units: d(u),
            quarters: None,
        };
        let k = store
            .create_contract(
                &cli,
                now,
                &NewContract {
                    org_id: org.id,
                    supplier_id: supplier.id,
                    reference: "A-2025-001".into(),
                    title: "Depot rebuild".into(),
                    category: "Places".into(),
                    value_pence: 250_000_000,
                    start: time::macros::date!(2025 - 04 - 01),
                    years: 2,
                    framework_id: Some(fw.id),
                    valuation_year: "2025/26".into(),
                    evidence: Evidence::DeliveryPlan,
                    commitments: vec![commitment("OD02", "4000"), commitment("OD06", "2000")],
                },
            )
            .await
            .unwrap();
        let r = store
            .submit_return(
                &cli,
                now,
                &NewReturn {
                    contract_id: k.id,
                    supplier_id: supplier.id,
                    contract_year: 1,
                    quarter: 1,
                    narrative: "Q1".into(),
                    lines: vec![
                        NewLine {
                            measure: "OD02".into(),
                            units: d("900"),
                        },
                        NewLine {
                            measure: "OD06".into(),
                            units: d("500"),
                        },
                    ],
                    evidence: vec![],
                },
            )
            .await
            .unwrap();
        store
            .review_line(
                &cli,
                now,
                r.lines[0].id,
                &Review {
                    status: LineStatus::Verified,
                    comment: String::new(),
                },
            )
            .await
            .unwrap();
        store.close().await;
        k.id
    })
}

#[test]
fn org_reads_the_contracts_and_returns_from_the_portals_database() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = seed_portal(d);
    let out = expect(
        d,
        &[
            "report",
            "annual",
            "--org",
            "a",
            "--year",
            "2025/26",
            "--as-of",
            "2026-01-15",
            "--out",
            "out",
        ],
        0,
    );
    assert!(out.contains("Social value delivered to date: £"), "{out}");
    let r = read_json(&d.join("out/report.json"));
    let t = table(&r, "table_2_10");
    assert_eq!(cell(t, "OD02", "units"), "4000");
    // The verified line of an ended quarter counts; the pending one does not.
    assert_eq!(cell(t, "OD02", "delivered_units"), "900");
    assert_eq!(cell(t, "OD06", "delivered_units"), "0");
    let row = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "OD02")
        .unwrap();
    assert_eq!(row["records"], "measure=OD02", "each row names its records");
    assert_eq!(
        cell(table(&r, "by_contract"), "A-2025-001", "contract"),
        "A-2025-001"
    );
    assert!(
        r["sources"].as_array().unwrap().iter().any(|s| s["text"]
            .as_str()
            .unwrap()
            .contains(&format!("A-2025-001 [id {id}]"))),
        "the footnote names the contract and its id"
    );
    // Before the first quarter ended, nothing was delivered.
    expect(
        d,
        &[
            "report",
            "annual",
            "--org",
            "a",
            "--year",
            "2025/26",
            "--as-of",
            "2025-06-29",
            "--out",
            "early",
        ],
        0,
    );
    let early = read_json(&d.join("early/report.json"));
    assert_eq!(
        cell(table(&early, "table_2_10"), "OD02", "delivered_units"),
        "0"
    );
    // An unknown organisation is named.
    let err = expect_error(
        d,
        &[
            "report", "annual", "--org", "zz", "--year", "2025/26", "--out", "x",
        ],
    );
    assert!(err.contains("no organisation with slug \"zz\""), "{err}");
}

#[test]
fn each_organisation_has_its_own_spend_area_and_its_report_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let postcodes = shared_data("geo/postcodes-s-dn.csv");
    for slug in ["alpha", "beta"] {
        expect(
            d,
            &[
                "admin",
                "create-org",
                "--slug",
                slug,
                "--name",
                slug,
                "--kind",
                "council",
            ],
            0,
        );
    }
    let gen_args = [
        "spend",
        "generate",
        "--payments",
        "2000",
        "--suppliers",
        "80",
        "--seed",
        "3",
        "--postcodes",
        s(&postcodes),
        "--out",
        "gen",
    ];
    expect(d, &gen_args, 0);
    // A slug the portal does not know is refused, and nothing is imported.
    let err = expect_error(
        d,
        &["spend", "import", "--org", "alphx", "gen/payments.csv"],
    );
    assert!(err.contains("--org alphx: no organisation"), "{err}");
    assert!(!d.join("spend/orgs/alphx").exists());
    // Slugs are case-insensitive, as in the portal.
    expect(
        d,
        &["spend", "import", "--org", "ALPHA", "gen/payments.csv"],
        0,
    );
    // The import is in alpha's audit log, by the command line, with its
    // SHA-256, lines and exact total; beta's log has no import.
    let audit = expect(d, &["admin", "audit-export", "--org", "alpha"], 0);
    let row = audit
        .lines()
        .find(|l| l.contains("spend_import"))
        .unwrap_or_else(|| panic!("no spend_import row in\n{audit}"));
    let listed = json(&expect(
        d,
        &["spend", "list", "--org", "alpha", "--format", "json"],
        0,
    ));
    let sha = listed["imports"][0]["sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert!(row.contains("socval admin") && row.contains(sha), "{row}");
    assert!(
        row.contains("payments.csv") && row.contains("2019/20"),
        "{row}"
    );
    let beta_audit = expect(d, &["admin", "audit-export", "--org", "beta"], 0);
    assert!(!beta_audit.contains("spend_import"), "{beta_audit}");
    expect(
        d,
        &[
            "spend",
            "--org",
            "alpha",
            "suppliers",
            "import",
            "gen/suppliers.csv",
        ],
        0,
    );
    assert!(d.join("spend/orgs/alpha/suppliers.csv").exists());
    // The register is in alpha's audit log too, with its size.
    let audit = expect(d, &["admin", "audit-export", "--org", "alpha"], 0);
    let row = audit
        .lines()
        .find(|l| l.contains("spend_register"))
        .unwrap_or_else(|| panic!("no spend_register row in\n{audit}"));
    assert!(
        row.contains("suppliers.csv") && row.contains("socval admin"),
        "{row}"
    );
    // Location overrides too.
    let overrides = d.join("overrides.csv");
    std::fs::write(
        &overrides,
        "name,postcode,reason\nAcme Ltd,S60 2TH,local depot\n",
    )
    .unwrap();
    expect(
        d,
        &[
            "spend",
            "--org",
            "alpha",
            "overrides",
            "import",
            s(&overrides),
        ],
        0,
    );
    let audit = expect(d, &["admin", "audit-export", "--org", "alpha"], 0);
    assert!(
        audit
            .lines()
            .any(|l| l.contains("spend_overrides") && l.contains("overrides.csv")),
        "{audit}"
    );
    // The instance's own area (no --org) and beta's stay empty.
    let listed = |org: Option<&str>| {
        let mut args = vec!["spend", "list", "--format", "json"];
        if let Some(o) = org {
            args.extend(["--org", o]);
        }
        json(&expect(d, &args, 0))
    };
    let alpha = listed(Some("alpha"));
    assert_eq!(
        alpha["imports"].as_array().map(Vec::len),
        Some(1),
        "{alpha}"
    );
    for other in [None, Some("beta")] {
        let l = listed(other);
        assert_eq!(
            l["imports"].as_array().map(Vec::len),
            Some(0),
            "{other:?}: {l}"
        );
    }
    let seed = shared_data("seed/table-2-10-commitments.csv");
    let report = |org: &str, out: &str| {
        expect(
            d,
            &[
                "report",
                "annual",
                "--org",
                org,
                "--year",
                "2019/20",
                "--top",
                "20",
                "--commitments",
                s(&seed),
                "--out",
                out,
            ],
            0,
        );
        read_json(&d.join(out).join("report.json"))
    };
    let r = report("alpha", "out-alpha");
    let a = json(&expect(
        d,
        &[
            "spend", "analyse", "--org", "alpha", "--year", "2019/20", "--top", "20", "--format",
            "json",
        ],
        0,
    ));
    let total: socval_core::Decimal = cell(table(&r, "spend_summary"), "total", "gbp")
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let analysed: socval_core::Decimal = a["total_gbp"]
        .as_str()
        .map(|s| s.parse().unwrap())
        .unwrap_or_else(|| a["total_gbp"].to_string().parse().unwrap());
    assert!(total > socval_core::Decimal::ZERO);
    assert_eq!(total, analysed, "the report's total is alpha's spend");
    let html = std::fs::read_to_string(d.join("out-alpha/report.html")).unwrap();
    assert!(
        html.contains("spend/orgs/alpha"),
        "the sources name alpha's area"
    );
    assert!(html.contains("Query: socval spend analyse --org alpha --year 2019/20"));
    // Alpha's settings (read by the portal): shown, changed, kept.
    let shown = expect(d, &["spend", "settings", "--org", "alpha"], 0);
    assert!(
        shown.contains("local E08000018; region scr-ca; top 300"),
        "{shown}"
    );
    expect(
        d,
        &[
            "spend",
            "settings",
            "--org",
            "alpha",
            "--local",
            "E08000019",
            "--region",
            "none",
            "--top",
            "5",
        ],
        0,
    );
    let shown = expect(d, &["spend", "settings", "--org", "alpha"], 0);
    assert!(
        shown.contains("local E08000019; region none; top 5"),
        "{shown}"
    );
    let err = expect_error(d, &["spend", "settings", "--top", "5"]);
    assert!(err.contains("give --org"), "{err}");
    let err = expect_error(d, &["spend", "settings", "--org", "alpha", "--top", "0"]);
    assert!(err.contains("--top must be at least 1"), "{err}");
    // A mistyped region is refused, not kept as a LAD code matching nothing.
    let err = expect_error(
        d,
        &[
            "spend",
            "settings",
            "--org",
            "alpha",
            "--region",
            "yorkshire",
        ],
    );
    assert!(
        err.contains("--region \"yorkshire\": not a preset (scr-ca, scr-lep)"),
        "{err}"
    );
    let shown = expect(d, &["spend", "settings", "--org", "alpha"], 0);
    assert!(shown.contains("region none; top 5"), "unchanged: {shown}");
    // Where distances are measured from: a point of the postcode directory,
    // checked when set (the portal's report then cannot fail on it).
    let from = |pc: &str| ["spend", "settings", "--org", "alpha", "--from", pc].map(String::from);
    let args = from("S60 2TH");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = expect_error(d, &args);
    assert!(err.contains("needs the postcode directory"), "{err}");
    expect(d, &["geo", "import", s(&postcodes)], 0);
    expect(d, &args, 0);
    let shown = expect(d, &["spend", "settings", "--org", "alpha"], 0);
    assert!(shown.contains("distances from S60 2TH"), "{shown}");
    let err = expect_error(
        d,
        &["spend", "settings", "--org", "alpha", "--from", "S99 9ZZ"],
    );
    assert!(err.contains("--from S99 9ZZ"), "{err}");
    let shown = expect(d, &["spend", "settings", "--org", "alpha"], 0);
    assert!(
        shown.contains("distances from S60 2TH"),
        "unchanged: {shown}"
    );
    expect(
        d,
        &["spend", "settings", "--org", "alpha", "--from", "none"],
        0,
    );
    let shown = expect(d, &["spend", "settings", "--org", "alpha"], 0);
    assert!(shown.contains("distances from (not set)"), "{shown}");
    // Beta has no payments of its own and the instance has none: the
    // section says where to import them.
    report("beta", "out-beta");
    let html = std::fs::read_to_string(d.join("out-beta/report.html")).unwrap();
    assert!(
        html.contains("nor into the spend area of beta") && html.contains("--org beta"),
        "beta's report does not show alpha's spend"
    );
}
