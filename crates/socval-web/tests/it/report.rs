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
