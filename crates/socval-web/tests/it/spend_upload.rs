//! An organisation's spend page: the imports and settings, the payments
//! upload (all-or-nothing, audited), who may see and use it, and its own
//! body limit.

use axum::http::StatusCode;
use socval_store::AuditQuery;
use socval_web::Config;

use crate::support::{Reply, Session, World, world, world_with};

const GOOD: &str = "Payment Date,Amount,Beneficiary Name\n\
2025-05-02,\"£1,000.50\",Acme Ltd\n\
2025-06-10,250.25,Beta Services\n\
2026-04-01,10.00,Acme Ltd\n";

/// Line 3's amount is not money.
const BAD: &str = "Payment Date,Amount,Beneficiary Name\n\
2025-05-02,100.00,Acme Ltd\n\
2025-06-10,12..5,Beta Services\n";

/// Posts the upload form: the CSRF token, a payments file, and fields.
async fn upload(
    w: &World,
    org: &str,
    s: &Session,
    file: (&str, &[u8]),
    fields: &[(&str, &str)],
) -> Reply {
    post_file(
        w,
        &format!("/orgs/{org}/spend"),
        s,
        "payments",
        file,
        fields,
    )
    .await
}

/// Posts a multipart form to `uri`: the CSRF token, `fields`, and a file
/// in field `name`.
async fn post_file(
    w: &World,
    uri: &str,
    s: &Session,
    name: &str,
    file: (&str, &[u8]),
    fields: &[(&str, &str)],
) -> Reply {
    crate::support::post_files(w, uri, s, fields, &[(name, file.0, file.1)]).await
}

/// Every file in `a`'s spend area (temporary ones included), but its lock
/// (an empty file that changes to the area take turns on).
fn area_files(w: &World, org: &str) -> Vec<String> {
    let root = w._dir.path().join("spend/orgs").join(org);
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.ends_with(".lock") {
                out.push(p.display().to_string());
            }
        }
    }
    out
}

async fn spend_audit_rows(w: &World) -> Vec<socval_store::AuditEntry> {
    audit_rows(w, "spend_import").await
}

/// The audit rows of `entity_type`.
async fn audit_rows(w: &World, entity_type: &str) -> Vec<socval_store::AuditEntry> {
    w.store
        .audit(&AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity_type == entity_type)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_uploads_payments_which_are_listed_audited_and_reported() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    let page = w.get("/orgs/a/spend", Some(&officer)).await;
    page.assert_status(StatusCode::OK);
    assert!(
        page.body
            .contains("No payments files have been imported yet")
    );
    assert!(page.body.contains("up to 100 MB"), "the limit is stated");
    assert!(page.body.contains("E08000018"), "the settings are shown");

    let r = upload(
        &w,
        "a",
        &officer,
        ("payments 2025-26.csv", GOOD.as_bytes()),
        &[],
    )
    .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(
        r.location().starts_with("/orgs/a/spend?imported="),
        "{}",
        r.location()
    );
    let page = w.get(r.location(), Some(&officer)).await;
    page.assert_status(StatusCode::OK);
    assert!(
        page.body
            .contains("Imported payments 2025-26.csv: 3 payments, £1,260.75 in 2025/26, 2026/27"),
        "{}",
        page.body
    );
    insta::assert_snapshot!("spend_page_imported", crate::support::redact(&page.body));
    let listing = &page.body[page
        .body
        .find("id=\"imports\"")
        .expect("a table of imports")..];
    for cell in ["payments 2025-26.csv", "2025/26, 2026/27", "£1,260.75"] {
        assert!(listing.contains(cell), "{cell} in {listing}");
    }

    // The audit log has one row, by the officer, with the file's hash.
    let rows = spend_audit_rows(&w).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let officer_user = w.store.user(w.officer).await.unwrap();
    assert_eq!(rows[0].actor, officer_user.email);
    assert_eq!(rows[0].org_id, Some(w.org_a));
    let after: serde_json::Value = serde_json::from_str(rows[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["total_gbp"], "1260.75");
    assert_eq!(after["rows"], 3);
    assert_eq!(rows[0].entity_id.len(), 64);
    assert!(listing.contains(&format!("by {}", officer_user.email)));

    // Stored in a's own area, no upload left behind; the report reads it.
    let files = area_files(&w, "a");
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with(".parquet"), "{files:?}");
    let viewer = w.session(w.viewer).await;
    let report = w.get("/orgs/a/reports/2025-26", Some(&viewer)).await;
    report.assert_status(StatusCode::OK);
    assert!(!report.body.contains("No payments have been imported"));
    assert!(
        report.body.contains("/orgs/a/spend"),
        "the report links the spend page"
    );

    // The same file again is refused (it would count twice), unless replaced.
    let again = upload(
        &w,
        "a",
        &officer,
        ("payments 2025-26.csv", GOOD.as_bytes()),
        &[],
    )
    .await;
    again.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.body.contains("was already imported"),
        "{}",
        again.body
    );
    assert_eq!(spend_audit_rows(&w).await.len(), 1);
    let replaced = upload(
        &w,
        "a",
        &officer,
        ("payments 2025-26.csv", GOOD.as_bytes()),
        &[("replace", "1")],
    )
    .await;
    replaced.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(area_files(&w, "a").len(), 1);
    assert_eq!(
        spend_audit_rows(&w).await.len(),
        2,
        "every import is audited"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spreadsheet_imports_like_its_csv_and_a_broken_one_is_refused() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let w = world().await;
    let officer = w.session(w.officer).await;
    // GOOD as a council's spreadsheet: real date cells, numbers for amounts.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in ["Payment Date", "Amount", "Beneficiary Name"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (y, m, d, amount, name)) in [
        (2025, 5, 2, 1000.50, "Acme Ltd"),
        (2025, 6, 10, 250.25, "Beta Services"),
        (2026, 4, 1, 10.00, "Acme Ltd"),
    ]
    .into_iter()
    .enumerate()
    {
        let row = r as u32 + 1;
        let day = ExcelDateTime::from_ymd(y, m, d).unwrap();
        sheet
            .write_datetime_with_format(row, 0, &day, &date)
            .unwrap();
        sheet.write_number(row, 1, amount).unwrap();
        sheet.write_string(row, 2, name).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let r = upload(&w, "a", &officer, ("payments.xlsx", &bytes), &[]).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = w.get(r.location(), Some(&officer)).await;
    assert!(
        page.body
            .contains("Imported payments.xlsx: 3 payments, £1,260.75 in 2025/26, 2026/27"),
        "{}",
        page.body
    );

    // Not a spreadsheet at all, though named like one: refused plainly,
    // nothing stored.
    let before = area_files(&w, "a");
    let r = upload(
        &w,
        "a",
        &officer,
        ("broken.xlsx", b"this is not a workbook"),
        &[],
    )
    .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("broken.xlsx"), "{}", r.body);
    assert_eq!(area_files(&w, "a"), before, "nothing stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_line_is_named_and_nothing_is_stored() {
    let w = world().await;
    let admin = w.session(w.admin).await;
    let r = upload(&w, "a", &admin, ("ledger.csv", BAD.as_bytes()), &[]).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let summary = &r.body[r.body.find("error-summary").expect("an error summary")..];
    assert!(
        summary.contains("ledger.csv, line 3, column B (Amount)"),
        "{summary}"
    );
    assert!(summary.contains("12..5"), "{summary}");
    assert!(summary.contains("href=\"#payments\""), "{summary}");
    assert!(
        !r.body.contains(&w._dir.path().display().to_string()),
        "the server's folders are not shown"
    );
    assert!(
        r.body.contains("<title>Error: "),
        "the title says there is an error"
    );
    insta::assert_snapshot!("spend_page_error", crate::support::redact(&r.body));
    assert!(area_files(&w, "a").is_empty(), "{:?}", area_files(&w, "a"));
    assert!(spend_audit_rows(&w).await.is_empty());

    // Not a payments file, an empty file, no file: named, nothing stored.
    for (name, content, says) in [
        ("notes.txt", "hello", "is not a payments file"),
        ("empty.csv", "", "empty.csv is empty"),
        ("", "", "Choose a payments file"),
    ] {
        let r = upload(&w, "a", &admin, (name, content.as_bytes()), &[]).await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains(says), "{name}: {}", r.body);
    }
    // A blank amount is an error unless the form says otherwise.
    let blank =
        "Payment Date,Amount,Beneficiary Name\n2025-05-02,,Acme Ltd\n2025-05-03,5.00,Acme Ltd\n";
    let r = upload(&w, "a", &admin, ("blank.csv", blank.as_bytes()), &[]).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("blank.csv, line 2"), "{}", r.body);
    assert!(area_files(&w, "a").is_empty());
    assert!(spend_audit_rows(&w).await.is_empty());
    let r = upload(
        &w,
        "a",
        &admin,
        ("blank.csv", blank.as_bytes()),
        &[("blank_amount", "skip")],
    )
    .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(spend_audit_rows(&w).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn viewers_see_suppliers_and_other_organisations_do_not() {
    let w = world().await;
    let viewer = w.session(w.viewer).await;
    let page = w.get("/orgs/a/spend", Some(&viewer)).await;
    page.assert_status(StatusCode::OK);
    assert!(
        !page.body.contains("Import a payments file"),
        "no form for viewers"
    );
    upload(&w, "a", &viewer, ("p.csv", GOOD.as_bytes()), &[])
        .await
        .assert_status(StatusCode::FORBIDDEN);

    let supplier = w.session(w.supplier).await;
    w.get("/orgs/a/spend", Some(&supplier))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    upload(&w, "a", &supplier, ("p.csv", GOOD.as_bytes()), &[])
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // b's admin: a's page does not exist for them.
    let other = w.session(w._admin_b).await;
    w.get("/orgs/a/spend", Some(&other))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    upload(&w, "a", &other, ("p.csv", GOOD.as_bytes()), &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);

    assert!(area_files(&w, "a").is_empty());
    assert!(spend_audit_rows(&w).await.is_empty());

    // The organisation page links the spend page for staff only.
    let org = w.get("/orgs/a", Some(&viewer)).await;
    assert!(org.body.contains("href=\"/orgs/a/spend\""));
    let org = w.get("/orgs/a", Some(&supplier)).await;
    assert!(!org.body.contains("/orgs/a/spend"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_upload_has_its_own_body_limit() {
    let mut config = Config::new(None);
    config.max_upload_bytes = 64 * 1024;
    config.max_spend_upload_bytes = 1024 * 1024;
    let w = world_with(config).await;
    let officer = w.session(w.officer).await;
    // About 200 KiB of payments: over the site's limit, under the spend page's.
    let mut big = String::from("Payment Date,Amount,Beneficiary Name\n");
    while big.len() < 200 * 1024 {
        big.push_str("2025-05-02,1.00,Acme Ltd\n");
    }
    let lines = big.lines().count() - 1;
    let r = upload(&w, "a", &officer, ("big.csv", big.as_bytes()), &[]).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = w.get(r.location(), Some(&officer)).await;
    let grouped = format!("{},{:03}", lines / 1000, lines % 1000);
    assert!(
        page.body
            .contains(&format!("Imported big.csv: {grouped} payments")),
        "{}",
        page.body
    );
    // The rest of the site keeps its limit.
    let r = w
        .post_multipart(
            "/orgs/a/frameworks",
            &officer.cookie,
            &[("csrf_token", &officer.csrf())],
            Some(("f.csv", &big)),
        )
        .await;
    r.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    // And the spend page refuses more than its own.
    let huge = big.repeat(6);
    let r = upload(&w, "a", &officer, ("huge.csv", huge.as_bytes()), &[]).await;
    r.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(spend_audit_rows(&w).await.len(), 1);
}

/// Posts the supplier register form.
async fn upload_register(w: &World, s: &Session, file: (&str, &[u8])) -> Reply {
    post_file(w, "/orgs/a/spend/register", s, "register", file, &[]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_replaces_the_supplier_register_all_or_nothing_and_audited() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    let page = w.get("/orgs/a/spend", Some(&officer)).await;
    assert!(
        page.body.contains("No supplier register yet"),
        "{}",
        page.body
    );
    let register = w._dir.path().join("spend/orgs/a/suppliers.csv");

    // Line 3's SME flag is not yes/no: named, and nothing changes.
    let bad =
        "supplier_id,name,postcode,sme\nA1,Acme Ltd,S60 1AA,yes\nB2,Beta Ltd,LS1 4DD,perhaps\n";
    let r = upload_register(&w, &officer, ("suppliers.csv", bad.as_bytes())).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("line 3") && r.body.contains("perhaps"),
        "{}",
        r.body
    );
    assert!(!register.exists(), "nothing is put in place");
    let r = upload_register(&w, &officer, ("suppliers.xlsx", b"PK")).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("upload a .csv file"), "{}", r.body);

    let good = "supplier_id,name,postcode,sme\nA1,Acme Ltd,S60 1AA,yes\nB2,Beta Ltd,,no\n";
    let r = upload_register(&w, &officer, ("suppliers.csv", good.as_bytes())).await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/orgs/a/spend?register="));
    let page = w.get(r.location(), Some(&officer)).await;
    assert!(
        page.body.contains(
            "Imported the supplier register suppliers.csv: 2 suppliers (1 with a postcode)"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("suppliers.csv: 2 suppliers (1 with a postcode), imported")
            && page.body.contains("by officer@a.example"),
        "the register's status says who put it there: {}",
        page.body
    );
    let stored = std::fs::read_to_string(&register).unwrap();
    assert!(stored.contains("Acme Ltd") && stored.contains("Beta Ltd"));
    let rows = audit_rows(&w, "spend_register").await;
    assert_eq!(rows.len(), 1, "one audit row: {rows:?}");
    assert!(
        rows[0]
            .after
            .as_deref()
            .unwrap()
            .contains("\"suppliers\":2")
    );

    // Viewers see the register's status but may not replace it.
    let viewer = w.session(w.viewer).await;
    let page = w.get("/orgs/a/spend", Some(&viewer)).await;
    assert!(page.body.contains("2 suppliers (1 with a postcode)"));
    assert!(!page.body.contains("action=\"/orgs/a/spend/register\""));
    upload_register(&w, &viewer, ("suppliers.csv", good.as_bytes()))
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

/// Location overrides: the same form, all or nothing, audited.
#[tokio::test(flavor = "multi_thread")]
async fn an_officer_replaces_the_location_overrides_all_or_nothing_and_audited() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    let page = w.get("/orgs/a/spend", Some(&officer)).await;
    assert!(page.body.contains("No location overrides"), "{}", page.body);
    let file = w._dir.path().join("spend/orgs/a/overrides.csv");
    let post = |body: &'static str| {
        let (w, officer) = (&w, &officer);
        async move {
            post_file(
                w,
                "/orgs/a/spend/overrides",
                officer,
                "overrides",
                ("overrides.csv", body.as_bytes()),
                &[],
            )
            .await
        }
    };
    // Line 3 has no reason: named, nothing in place.
    let r = post("supplier_id,postcode,reason\nA1,S60 2TH,Rotherham depot\nB2,S1 2HH,\n").await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("line 3"), "{}", r.body);
    assert!(!file.exists());
    // A postcode that is not one: named with its line and column.
    let r = post("supplier_id,postcode,reason\nA1,NOTAPOSTCODE,Rotherham depot\n").await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("line 2, column B (postcode)") && r.body.contains("not a UK postcode"),
        "{}",
        r.body
    );
    assert!(!file.exists());

    let r = post("supplier_id,postcode,reason\nA1,S60 2TH,Rotherham depot\n").await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = w.get(r.location(), Some(&officer)).await;
    assert!(
        page.body
            .contains("Imported the location overrides overrides.csv: 1 overrides"),
        "{}",
        page.body
    );
    assert!(page.body.contains("overrides.csv: 1 overrides, imported"));
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("Rotherham depot")
    );
    let rows = audit_rows(&w, "spend_overrides").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].actor, "officer@a.example");
}

/// On start the portal finishes a payments import that a crash stopped
/// after its audit row was written, and undoes one stopped before.
#[tokio::test(flavor = "multi_thread")]
async fn the_portal_finishes_or_undoes_imports_a_crash_interrupted() {
    let w = world().await;
    let area = socval_spend::SpendStore::for_org(w._dir.path(), "a");
    let at = crate::support::start_time();
    let prepare = |name: &str, text: &str| {
        let file = w._dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let change = area
            .prepare_import(&[file], &Default::default(), false, at)
            .unwrap();
        let info = change.info[0].clone();
        change.abandon();
        info
    };
    let audited = prepare("audited.csv", GOOD);
    let not_audited = prepare("lost.csv", BAD.replace("12..5", "12.50").as_str());
    w.store
        .record_spend_imports(
            &socval_store::Actor::system("test"),
            at,
            w.org_a,
            &[socval_app::spend::import_row(&audited)],
        )
        .await
        .unwrap();
    assert!(
        area.imports().unwrap().is_empty(),
        "nothing live before recovery"
    );
    socval_app::spend::recover_all(&*w.store, w._dir.path())
        .await
        .unwrap();
    let live: Vec<String> = area
        .imports()
        .unwrap()
        .into_iter()
        .map(|i| i.sha256)
        .collect();
    assert_eq!(live, std::slice::from_ref(&audited.sha256));
    assert_ne!(not_audited.sha256, audited.sha256);
    let left: Vec<String> = area_files(&w, "a")
        .into_iter()
        .filter(|f| f.ends_with(".tmp") || f.contains(".intent-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The Spend page lists it with its audit row, not as unrecorded.
    let officer = w.session(w.officer).await;
    let page = w.get("/orgs/a/spend", Some(&officer)).await;
    assert!(page.body.contains("audited.csv"), "{}", page.body);
    assert!(!page.body.contains("not in the audit log"), "{}", page.body);
}
