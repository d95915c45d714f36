//! The portal's annual report in headless Chromium: a viewer signs in,
//! opens the report, finds every section, follows a number to the records
//! it adds up and a small-purchase figure to the purchases it counts, and
//! prints the report to PDF (A4). The PDF and screenshots go to
//! `target/artefacts/report-portal/` (not under `web/`, which another
//! browser test clears when it starts).

use std::path::Path;

use serde_json::json;

use crate::report::import_spend;
use crate::support::{PASSWORD, world};
use crate::webdriver::Browser;

#[test]
#[ignore = "needs chromium: run by .ci/run"]
fn browser_opens_the_report_follows_its_numbers_and_prints_it_to_pdf() {
    let chromium = std::env::var("SOCVAL_CHROMIUM").expect(
        "SOCVAL_CHROMIUM must name the Chromium binary (.ci/run sets it: SOCVAL_CHROMIUM=$(command -v chromium))",
    );
    let chromedriver = std::env::var("SOCVAL_CHROMEDRIVER").unwrap_or_else(|_| {
        let beside = Path::new(&chromium).with_file_name("chromedriver");
        if beside.exists() {
            beside.display().to_string()
        } else {
            "chromedriver".to_owned()
        }
    });
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/artefacts/report-portal");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world());
    import_spend(w._dir.path(), "a");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = w.app.clone();
    rt.spawn(async move { axum::serve(listener, app).await });
    let b = Browser::start(&chromium, &chromedriver);
    let shot = |name: &str| {
        b.fit_page();
        b.screenshot(&out.join(format!("{name}.png")));
    };

    // Sign in on the way to the report.
    b.goto(&format!("{base}/orgs/a/reports/2025-26"));
    assert!(b.url().contains("/login?next="), "{}", b.url());
    b.find("#email").type_text("viewer@a.example");
    b.find("#password").type_text(PASSWORD);
    b.find("button.button").click();
    b.wait_url("/orgs/a/reports/2025-26");
    assert!(
        b.title().starts_with("Social value annual report 2025/26"),
        "{}",
        b.title()
    );

    // Every section of the report is there, in order.
    let headings = b.script(
        "return [...document.querySelectorAll('main section > h2')].map(h => h.textContent.trim());",
        json!([]),
    );
    let headings: Vec<String> = headings
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect();
    let want = [
        "Procurement and market intelligence",
        "Small purchases: quotes and audit",
        "Sources",
    ];
    for h in want {
        assert!(headings.iter().any(|x| x == h), "{h} in {headings:?}");
    }
    assert!(headings.len() >= 6, "{headings:?}");
    let text = b.text();
    assert!(
        !text.contains("No payments have been imported"),
        "the organisation's own spend is analysed"
    );
    assert!(text.contains("Graph 1: spend with all suppliers by location"));
    // The page is the report's own: no inline style (the portal's CSP), and
    // its style sheet has loaded (the headline boxes are laid out as a grid).
    let grid = b.script(
        "const h = document.querySelector('.headlines'); return h ? getComputedStyle(h).display : 'none';",
        json!([]),
    );
    assert_eq!(grid, json!("grid"), "report.css applies");
    shot("01-report-top");

    // Numbers link: contract figures to their records, spend figures to
    // their payments, small-purchase figures to the purchases.
    let count = |sel: &str| {
        b.script(
            &format!("return document.querySelectorAll({sel:?}).length;"),
            json!([]),
        )
        .as_u64()
        .unwrap()
    };
    assert!(
        count("td a[href*='/records?measure=']") >= 2,
        "table 2.10 links"
    );
    assert!(
        count("td a[href*='/records?spend=']") >= 10,
        "spend figures link"
    );
    assert!(
        count("td a[href*='/records?purchases=']") >= 4,
        "purchases link"
    );
    assert!(
        count("a[href*='/records?table='][download]") >= 10,
        "CSV per table"
    );

    b.script(
        "document.getElementById('spend').scrollIntoView();",
        json!([]),
    );
    b.screenshot(&out.join("02-spend.png"));

    // A contract figure: the records behind table 2.10's total.
    b.find("tr.total a[href$='/records?all=1']").click();
    b.wait_url("/records?all=1");
    assert!(
        b.text()
            .contains("Records behind the figures: every contract"),
        "{}",
        b.text()
    );
    shot("03-records");
    b.goto(&format!("{base}/orgs/a/reports/2025-26"));

    // A small-purchase figure: the purchases list, narrowed.
    b.find("#quotes_summary a[href*='purchases=in-scope']")
        .click();
    b.wait_url("/orgs/a/purchases?year=2025-26&show=in-scope");
    let text = b.text();
    assert!(
        text.contains("as counted in the annual report") && text.contains("SP-FIXTURE"),
        "{text}"
    );
    shot("04-purchases-in-scope");
    b.goto(&format!("{base}/orgs/a/reports/2025-26"));

    // Printed on A4: one or more pages per section, no portal navigation.
    let pdf = b.print_pdf();
    std::fs::write(out.join("report.pdf"), &pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let pages = pdf
        .windows(b"/Type /Page".len() + 1)
        .filter(|w| w.starts_with(b"/Type /Page") && w[b"/Type /Page".len()] != b's')
        .count();
    assert!(pages >= 4, "{pages} pages");
    let hidden = b.script(
        "return [...document.styleSheets].some(s => { try { return [...s.cssRules].some(r => r.media && r.media.mediaText === 'print' && r.cssText.includes('.portal-nav')); } catch (e) { return false; } });",
        json!([]),
    );
    assert_eq!(
        hidden,
        json!(true),
        "the print style hides the portal's links"
    );
}
