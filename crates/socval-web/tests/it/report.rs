//! The annual report in the portal: built from the organisation's
//! contracts and returns, each number linking to the records it adds up;
//! the records page lists them with the same sums; exports.

use axum::http::StatusCode;
use socval_store::Actor;
use socval_store::delivery::{LineStatus, Review};

use crate::support::world;

/// A cell of a table of the JSON report, by row and column key.
fn cell(report: &serde_json::Value, table: &str, row: &str, col: &str) -> serde_json::Value {
    let t = report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["blocks"].as_array().unwrap())
        .find(|b| b["type"] == "table" && b["id"] == table)
        .unwrap_or_else(|| panic!("no table {table}"));
    let c = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["key"] == col)
        .unwrap_or_else(|| panic!("no column {col}"));
    t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == row)
        .unwrap_or_else(|| panic!("no row {row} in {table}"))["cells"][c]
        .clone()
}

fn pounds(s: &serde_json::Value) -> String {
    let d: socval_core::Decimal = s.as_str().unwrap().parse().unwrap();
    socval_core::Gbp::new(d).display_pounds()
}

#[tokio::test]
async fn the_report_is_built_from_the_contracts_and_links_each_number_to_its_records() {
    let w = world().await;
    let viewer = w.session(w.viewer).await;
    // The years with contracts.
    let index = w.get("/orgs/a/reports", Some(&viewer)).await;
    index.assert_status(StatusCode::OK);
    assert!(
        index
            .body
            .contains("href=\"/orgs/a/reports/2025-26\">Report 2025/26</a>"),
        "{}",
        index.body
    );

    let page = w.get("/orgs/a/reports/2025-26", Some(&viewer)).await;
    page.assert_status(StatusCode::OK);
    let html = &page.body;
    assert!(html.contains("<h1>Social value annual report 2025/26</h1>"));
    // The portal's CSP allows no inline style: the sheet is linked, and served.
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/reports/report.css\">"));
    assert!(!html.contains("<style") && !html.contains(" style=\""));
    let css = w.get("/reports/report.css", None).await;
    css.assert_status(StatusCode::OK);
    assert!(css.body.contains("@page { size:A4"));
    // Each row of table 2.10 links its numbers to its records.
    for code in ["OD02", "OD06"] {
        assert!(
            html.contains(&format!(
                "href=\"/orgs/a/reports/2025-26/records?measure={code}\""
            )),
            "{code}"
        );
    }
    assert!(html.contains("href=\"/orgs/a/reports/2025-26/records?all=1\""));
    assert!(html.contains(&format!(
        "href=\"/orgs/a/reports/2025-26/records?contract={}\"",
        w.contract_1.contract
    )));
    // Organisation b's contract is not in a's report.
    let b = w.store.contract(w.contract_b.contract).await.unwrap();
    assert!(
        !html.contains(&b.reference),
        "another organisation's contract"
    );

    // Delivered to date: the fixture's lines await verification, so nothing
    // is delivered yet; once an officer verifies one, it counts.
    let json = w
        .get("/orgs/a/reports/2025-26/report.json", Some(&viewer))
        .await;
    json.assert_status(StatusCode::OK);
    let r = json.json();
    assert_eq!(r["schema"], "socval.report.v1");
    assert_eq!(cell(&r, "table_2_10", "OD02", "delivered_units"), "0");
    assert_eq!(
        cell(&r, "table_2_10", "OD02", "units"),
        "8000",
        "4,000 hours × 2 contracts"
    );
    w.store
        .review_line(
            &Actor::system("test"),
            w.clock_now(),
            w.contract_1.line,
            &Review {
                status: LineStatus::Verified,
                comment: String::new(),
            },
        )
        .await
        .unwrap();
    let r = w
        .get("/orgs/a/reports/2025-26/report.json", Some(&viewer))
        .await
        .json();
    assert_eq!(cell(&r, "table_2_10", "OD02", "delivered_units"), "900");

    // The records page lists what the figure adds up, with the same sums.
    let rec = w
        .get(
            "/orgs/a/reports/2025-26/records?measure=OD02",
            Some(&viewer),
        )
        .await;
    rec.assert_status(StatusCode::OK);
    let committed = pounds(&cell(&r, "table_2_10", "OD02", "value_gbp"));
    let delivered = pounds(&cell(&r, "table_2_10", "OD02", "delivered_gbp"));
    assert!(
        rec.body.contains(&format!(
            "Social value committed</dt><dd class=\"summary-list__value\">{committed}</dd>"
        )),
        "{committed}: {}",
        rec.body
    );
    assert!(rec.body.contains(&format!(
        "Social value delivered to date</dt><dd class=\"summary-list__value\">{delivered}</dd>"
    )));
    // Each record links to its contract, return lines to their return.
    assert!(rec.body.contains(&format!(
        "href=\"/orgs/a/contracts/{}/returns/{}\">Return line</a>",
        w.contract_1.contract, w.contract_1.ret
    )));
    assert!(rec.body.contains(&format!(
        "href=\"/orgs/a/contracts/{}\"",
        w.contract_2.contract
    )));
    assert!(
        rec.body.contains("not counted: awaiting verification"),
        "contract 2's line"
    );
    assert!(!rec.body.contains("OD06</abbr>"), "only OD02's records");

    // The workbook downloads as a file.
    let x = w
        .get("/orgs/a/reports/2025-26/report.xlsx", Some(&viewer))
        .await;
    x.assert_status(StatusCode::OK);
    assert!(
        x.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("a-social-value-2025-26.xlsx")
    );
    assert!(x.body.starts_with("PK"), "a zip (xlsx) file");
}

#[tokio::test]
async fn bad_years_and_record_queries_are_refused_plainly() {
    let w = world().await;
    let viewer = w.session(w.viewer).await;
    w.get("/orgs/a/reports/2025", Some(&viewer))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Years that cannot be (the outside review's 9999-00 answered 500 from
    // the calendar's end) are pages that do not exist, in every format.
    for year in ["9999-00", "1066-67", "0000-01", "2100-01"] {
        for tail in [
            "",
            "/report.json",
            "/report.xlsx",
            "/records",
            "/records.csv",
        ] {
            let path = format!("/orgs/a/reports/{year}{tail}");
            w.get(&path, Some(&viewer))
                .await
                .assert_status(StatusCode::NOT_FOUND);
        }
    }
    let bad = w
        .get("/orgs/a/reports/2025-26/records?colour=red", Some(&viewer))
        .await;
    bad.assert_status(StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("?measure=CODE"), "{}", bad.body);
    // A year with no contract says so rather than showing empty tables only.
    let empty = w.get("/orgs/a/reports/2019-20", Some(&viewer)).await;
    empty.assert_status(StatusCode::OK);
    assert!(
        empty
            .body
            .contains("No contract is valued at 2019/20 proxies")
    );
}

const LEDGER: &str = "Payment Date,Amount,Beneficiary Name
2025-05-02,1200.00,Alpha Ltd
2025-06-10,800.25,ALPHA LIMITED
2025-07-01,5000.00,Beta Ltd
2025-08-01,-150.00,Beta Ltd
2025-09-01,310.10,Unlisted Traders
2024-06-01,4000.00,Beta Ltd
";

const REGISTER: &str = "supplier_id,name,postcode
A1,Alpha Ltd,S60 1AA
B2,Beta Ltd,LS1 4DD
";

/// Imports the ledger and register into organisation `slug`'s spend area.
pub(crate) fn import_spend(data_dir: &std::path::Path, slug: &str) {
    let store = socval_spend::SpendStore::for_org(data_dir, slug);
    let ledger = data_dir.join(format!("ledger-{slug}.csv"));
    std::fs::write(&ledger, LEDGER).unwrap();
    store
        .import(&[ledger], &socval_spend::ImportOptions::default(), false)
        .unwrap();
    std::fs::write(store.suppliers_path(), REGISTER).unwrap();
}

/// Sums a CSV's `amount_pence` column, in pounds.
fn csv_total(csv: &str) -> (usize, socval_core::Gbp) {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let at = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "amount_pence")
        .expect("amount_pence column");
    let rows: Vec<i64> = r
        .records()
        .map(|x| x.unwrap()[at].parse().unwrap())
        .collect();
    (
        rows.len(),
        socval_core::Gbp::from_pence(rows.iter().sum::<i64>()),
    )
}

#[tokio::test]
async fn the_spend_section_reads_the_organisations_own_payments_and_links_them() {
    let w = world().await;
    let data_dir = w._dir.path().to_path_buf();
    let viewer = w.session(w.viewer).await;
    // Before any import the section says how to import a's own payments.
    let page = w.get("/orgs/a/reports/2025-26", Some(&viewer)).await;
    page.assert_status(StatusCode::OK);
    assert!(
        page.body
            .contains("No payments have been imported for Alpha Borough Council yet"),
        "{}",
        page.body
    );
    assert!(page.body.contains("socval spend import --org a"));

    import_spend(&data_dir, "a");
    // The instance's shared spend area is never shown in the portal.
    let shared = socval_spend::SpendStore::new(&data_dir);
    let ledger = data_dir.join("shared.csv");
    std::fs::write(
        &ledger,
        "Payment Date,Amount,Beneficiary Name\n2025-05-02,999999.00,Shared Ltd\n",
    )
    .unwrap();
    shared
        .import(&[ledger], &socval_spend::ImportOptions::default(), false)
        .unwrap();

    // The index offers the years of a's payments too (2024/25 has no
    // contract), with their payment counts; not the shared area's.
    let index = w.get("/orgs/a/reports", Some(&viewer)).await;
    let row = |year: &str| {
        let at = index
            .body
            .find(&format!(">Report {year}</a>"))
            .unwrap_or_else(|| panic!("no {year} in {}", index.body));
        index.body[at..].split("</tr>").next().unwrap().to_string()
    };
    assert!(
        row("2024/25").ends_with("<td class=\"numeric\">0</td><td class=\"numeric\">1</td>"),
        "{}",
        row("2024/25")
    );
    assert!(
        row("2025/26").ends_with("<td class=\"numeric\">5</td>"),
        "{}",
        row("2025/26")
    );

    let page = w.get("/orgs/a/reports/2025-26", Some(&viewer)).await;
    page.assert_status(StatusCode::OK);
    let html = &page.body;
    assert!(!html.contains("No payments have been imported"), "{html}");
    assert!(!html.contains("Shared Ltd"));
    assert!(
        html.contains("Query: socval spend analyse --org a --year 2025/26"),
        "the sources say whose spend it is"
    );
    let r = w
        .get("/orgs/a/reports/2025-26/report.json", Some(&viewer))
        .await
        .json();
    // 1200 + 800.25 + 5000 − 150 + 310.10, and the year before.
    assert_eq!(cell(&r, "spend_summary", "total", "gbp"), "7160.35");
    assert_eq!(cell(&r, "spend_summary", "total", "prev_gbp"), "4000.00");
    assert_eq!(cell(&r, "top_suppliers", "1", "supplier"), "Beta Ltd");

    // Each spend figure links to the payments it adds up, as CSV.
    for (href, table, row, col) in [
        ("spend=all&year=2025-26", "spend_summary", "total", "gbp"),
        (
            "spend=all&year=2024-25",
            "spend_summary",
            "total",
            "prev_gbp",
        ),
        (
            "spend=supplier_id&year=2025-26&value=B2",
            "top_suppliers",
            "1",
            "gbp",
        ),
        (
            "spend=unmatched&year=2025-26",
            "spend_data_quality",
            "unmatched",
            "gbp",
        ),
        (
            "spend=credit_notes&year=2025-26",
            "spend_data_quality",
            "credit_notes",
            "gbp",
        ),
    ] {
        let url = format!("/orgs/a/reports/2025-26/records?{href}");
        assert!(
            html.contains(&format!("href=\"{}\"", url.replace('&', "&amp;"))),
            "{url} is linked"
        );
        let csv = w.get(&url, Some(&viewer)).await;
        csv.assert_status(StatusCode::OK);
        assert!(
            csv.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let (_, total) = csv_total(&csv.body);
        let figure: socval_core::Decimal =
            cell(&r, table, row, col).as_str().unwrap().parse().unwrap();
        assert_eq!(total.amount(), figure, "{url}");
    }
    // The organisation's own settings choose "local" and the top N.
    socval_report::AreaSettings {
        local: vec!["E08000019".into()],
        region: "none".into(),
        top: 1,
        from: None,
    }
    .write(&socval_spend::SpendStore::for_org(&data_dir, "a"))
    .unwrap();
    let r1 = w
        .get("/orgs/a/reports/2025-26/report.json", Some(&viewer))
        .await
        .json();
    assert_eq!(
        cell(&r1, "spend_summary", "top_n", "gbp"),
        "4850.00",
        "Beta only"
    );
    let methods = serde_json::to_string(&r1).unwrap();
    assert!(
        methods.contains("E08000019 (LAD E08000019); no wider region"),
        "the local definition is a's own"
    );

    let unmatched = w
        .get(
            "/orgs/a/reports/2025-26/records?spend=unmatched&year=2025-26",
            Some(&viewer),
        )
        .await;
    assert!(unmatched.body.contains("Unlisted Traders"));
    assert!(!unmatched.body.contains("Alpha"));

    // Organisation b has imported nothing: its report shows none of a's
    // spend, and a's payment lists are not reachable from b.
    let admin_b = w.session(w._admin_b).await;
    let b = w.get("/orgs/b/reports/2025-26", Some(&admin_b)).await;
    b.assert_status(StatusCode::OK);
    assert!(b.body.contains("No payments have been imported for"));
    assert!(!b.body.contains("7,160"));
    w.get(
        "/orgs/b/reports/2025-26/records?spend=all&year=2025-26",
        Some(&admin_b),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn small_purchase_figures_link_to_the_purchases_they_count() {
    let w = world().await;
    let viewer = w.session(w.viewer).await;
    let page = w.get("/orgs/a/reports/2025-26", Some(&viewer)).await;
    let html = &page.body;
    for show in ["all", "in-scope", "compliant", "not-compliant"] {
        let link = format!("/orgs/a/reports/2025-26/records?purchases={show}&amp;year=2025-26");
        assert!(html.contains(&format!("href=\"{link}\"")), "{show}");
        let go = w.get(&link.replace("&amp;", "&"), Some(&viewer)).await;
        go.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(
            go.location(),
            format!("/orgs/a/purchases?year=2025-26&show={show}")
        );
        let list = w.get(go.location(), Some(&viewer)).await;
        list.assert_status(StatusCode::OK);
        assert!(list.body.contains("id=\"purchase-filter\""));
        // The fixture's one purchase is compliant and under the threshold.
        assert_eq!(
            list.body.contains("SP-FIXTURE"),
            show != "not-compliant",
            "{show}: {}",
            list.body
        );
    }
    // A purchase that fails the rule: its row in the report links to it.
    let quote = socval_store::PurchaseQuote {
        supplier: "Far Away Ltd".into(),
        postcode: String::new(),
        amount_pence: 90_000,
        location: socval_store::QuoteLocation::Outside,
    };
    let p = w
        .store
        .create_purchase(
            &Actor::system("test"),
            w.clock_now(),
            &socval_store::NewPurchase {
                org_id: w.org_a,
                reference: "SP-ONE QUOTE".into(),
                description: "One quote only".into(),
                value_pence: 90_000,
                purchase_date: w.clock_now().date(),
                justification: String::new(),
                quotes: vec![quote],
            },
        )
        .await
        .unwrap();
    let page = w.get("/orgs/a/reports/2025-26", Some(&viewer)).await;
    let link = "/orgs/a/reports/2025-26/records?purchase=SP-ONE%20QUOTE&amp;year=2025-26";
    assert!(
        page.body.contains(&format!("href=\"{link}\"")),
        "{}",
        page.body
    );
    let go = w.get(&link.replace("&amp;", "&"), Some(&viewer)).await;
    go.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(go.location(), format!("/orgs/a/purchases/{}", p.id));
    let not = w
        .get(
            "/orgs/a/purchases?year=2025-26&show=not-compliant",
            Some(&viewer),
        )
        .await;
    assert!(not.body.contains("SP-ONE QUOTE") && !not.body.contains("SP-FIXTURE"));
    // A reference a has no purchase under in the year is not found.
    w.get(
        "/orgs/a/reports/2025-26/records?purchase=NOPE&year=2025-26",
        Some(&viewer),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);

    // Another year's list is empty; the plain list is unchanged.
    let other = w
        .get("/orgs/a/purchases?year=2019-20&show=all", Some(&viewer))
        .await;
    assert!(!other.body.contains("SP-FIXTURE"));
    assert!(other.body.contains("No small purchases match."));
    let all = w.get("/orgs/a/purchases", Some(&viewer)).await;
    assert!(all.body.contains("SP-FIXTURE") && !all.body.contains("purchase-filter"));
    w.get("/orgs/a/purchases?show=some", Some(&viewer))
        .await
        .assert_status(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn each_table_downloads_as_csv_from_a_link_beside_it() {
    let w = world().await;
    let viewer = w.session(w.viewer).await;
    let page = w.get("/orgs/a/reports/2025-26", Some(&viewer)).await;
    let r = w
        .get("/orgs/a/reports/2025-26/report.json", Some(&viewer))
        .await
        .json();
    let ids: Vec<String> = r["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["blocks"].as_array().unwrap())
        .filter(|b| b["type"] == "table")
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&"table_2_10".to_string()), "{ids:?}");
    for id in &ids {
        let url = format!("/orgs/a/reports/2025-26/records?table={id}");
        assert!(
            page.body.contains(&format!("href=\"{url}\" download")),
            "{id}"
        );
    }
    let csv = w
        .get(
            "/orgs/a/reports/2025-26/records?table=table_2_10",
            Some(&viewer),
        )
        .await;
    csv.assert_status(StatusCode::OK);
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("a-social-value-2025-26-table_2_10.csv")
    );
    let mut rd = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let od02 = rows.iter().find(|r| &r[0] == "OD02").expect("OD02 row");
    assert!(od02.iter().any(|c| c == "8000"), "{od02:?}");
    w.get("/orgs/a/reports/2025-26/records?table=nope", Some(&viewer))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
