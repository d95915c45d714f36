//! Contracts and delivery in the portal: a supplier submits a return with
//! evidence (pages and API), an officer verifies or rejects each line, the
//! contract page, the dashboard, the at-risk list and their CSV follow;
//! bad input is refused naming the field, leaving no row and no file.

use axum::http::{StatusCode, header};
use base64::Engine as _;
use socval_store::delivery::evidence::EvidenceDir;

use crate::support::{EVIDENCE_PDF, World, post_files, post_json, world};

fn evidence_dir(w: &World) -> EvidenceDir {
    EvidenceDir::new(w._dir.path())
}

async fn returns_of(w: &World, contract: i64) -> usize {
    w.store.contract_returns(contract).await.unwrap().len()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fixture";

#[tokio::test]
async fn a_supplier_submits_a_return_an_officer_verifies_it_and_the_figures_follow() {
    let w = world().await;
    let supplier = w.session(w.supplier).await;
    let officer = w.session(w.officer).await;
    let k = w.contract_1.contract;
    let base = format!("/orgs/a/contracts/{k}");

    // The form offers the ended quarters without a return: Y1 Q2 and Q3
    // (Q1 has one; Q4 ends on 2026-03-31, after today, 2026-01-15).
    let form = w.get(&format!("{base}/returns/new"), Some(&supplier)).await;
    form.assert_status(StatusCode::OK);
    assert!(form.body.contains("value=\"1-2\""), "{}", form.body);
    assert!(form.body.contains("value=\"1-3\""));
    assert!(!form.body.contains("value=\"1-1\"") && !form.body.contains("value=\"1-4\""));

    let files_before = evidence_dir(&w).count().unwrap();
    let r = post_files(
        &w,
        &format!("{base}/returns"),
        &supplier,
        &[
            ("period", "1-2"),
            ("units-OD02", "1,000.5"),
            ("units-OD06", ""),
            ("narrative", "Ten operatives on the Real Living Wage."),
        ],
        &[("evidence", "payroll.png", PNG)],
    )
    .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = w.get(r.location(), Some(&supplier)).await;
    page.assert_status(StatusCode::OK);
    assert!(page.body.contains("Return submitted"));
    assert!(page.body.contains("1000.5"), "units kept exactly");
    assert!(
        !page.body.contains("OD06</code></td>"),
        "an empty measure is not reported"
    );
    assert!(page.body.contains("payroll.png"));
    assert_eq!(evidence_dir(&w).count().unwrap(), files_before + 1);

    // The supplier cannot review; the officer verifies the line.
    let ret = w.store.contract_returns(k).await.unwrap().pop().unwrap();
    assert_eq!(ret.period(), "Y1 Q2");
    let line = ret.lines[0].id;
    let review = format!("{base}/returns/{}/lines/{line}", ret.id);
    let refused = w
        .post_form(&review, &supplier, &[("decision", "verified")])
        .await;
    refused.assert_status(StatusCode::FORBIDDEN);
    // Rejecting needs a comment: nothing changes without one.
    let no_comment = w
        .post_form(
            &review,
            &officer,
            &[("decision", "rejected"), ("comment", "")],
        )
        .await;
    no_comment.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_comment.body.contains("Say why the line is rejected"));
    let audit_before = w.store.audit_count(Some(w.org_a)).await.unwrap();
    let dashboard_before = w.get("/orgs/a/dashboard", Some(&officer)).await;
    let ok = w
        .post_form(
            &review,
            &officer,
            &[("decision", "verified"), ("comment", "Payroll matches.")],
        )
        .await;
    ok.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        w.store.audit_count(Some(w.org_a)).await.unwrap(),
        audit_before + 1
    );
    let after = w.get(ok.location(), Some(&supplier)).await;
    assert!(
        after
            .body
            .contains(&format!("id=\"status-{line}\">verified")),
        "{}",
        after.body
    );
    assert!(after.body.contains("Payroll matches."));

    // The contract page shows the delivered units (verified only): Y1 Q2
    // OD02 1000.5 hours; the fixture's Y1 Q1 lines are still pending.
    let contract = w.get(&base, Some(&officer)).await;
    contract.assert_status(StatusCode::OK);
    assert!(
        contract.body.contains("id=\"delivered-OD02\">1000.5<"),
        "{}",
        contract.body
    );
    // 1000.5 hours × £1.24 = £1,240.62 → shown to the pound.
    assert!(
        contract.body.contains("id=\"delivered-gbp\">£1,241<"),
        "{}",
        contract.body
    );
    assert!(
        contract.body.contains("Y1 Q3 (ended 2025-12-31)"),
        "Y1 Q3 is due"
    );

    // The dashboard follows the change at once (its cache is keyed on the
    // organisation's latest change), and exports it.
    let dashboard = w.get("/orgs/a/dashboard", Some(&officer)).await;
    dashboard.assert_status(StatusCode::OK);
    assert_ne!(dashboard.body, dashboard_before.body);
    assert!(
        dashboard.body.contains("id=\"delivered\">£1,241<"),
        "{}",
        dashboard.body
    );
    let csv = w
        .get("/orgs/a/dashboard.csv?table=table_2_10", Some(&officer))
        .await;
    csv.assert_status(StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let od02 = csv.body.lines().find(|l| l.starts_with("OD02,")).unwrap();
    // Two contracts of `a` commit 4,000 hours each: 8,000 × £1.24.
    assert!(od02.ends_with(",8000,9920.00,1000.5,1240.62"), "{od02}");
    let contracts = w
        .get("/orgs/a/dashboard.csv?table=contracts", Some(&officer))
        .await;
    assert_eq!(
        contracts.body.lines().count(),
        3,
        "header and the two contracts of a"
    );
    let bad = w
        .get("/orgs/a/dashboard.csv?table=nope", Some(&officer))
        .await;
    bad.assert_status(StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("table_2_10"));
}

#[tokio::test]
async fn bad_returns_name_the_field_and_leave_no_row_and_no_file() {
    let w = world().await;
    let supplier = w.session(w.supplier).await;
    let k = w.contract_1.contract;
    let path = format!("/orgs/a/contracts/{k}/returns");
    let big = {
        let mut v = b"%PDF-1.4\n".to_vec();
        v.resize(2 * 1024 * 1024 + 1, b'x');
        v
    };
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, &'a str)>,
        Vec<(&'a str, &'a str, &'a [u8])>,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "negative units",
            vec![("period", "1-2"), ("units-OD02", "-5")],
            vec![("evidence", "a.pdf", EVIDENCE_PDF)],
            "Units for OD02: &#34;-5&#34; is negative",
        ),
        (
            "unknown measure",
            vec![("period", "1-2"), ("units-XX99", "5")],
            vec![],
            "&#34;XX99&#34; is not a measure of contract DEP-1",
        ),
        (
            "wrong type",
            vec![("period", "1-2"), ("units-OD02", "5")],
            vec![("evidence", "timesheets.pdf", b"MZ\x90\x00\x03\x00 program")],
            "timesheets.pdf is not a file type accepted as evidence",
        ),
        (
            "renamed file",
            vec![("period", "1-2"), ("units-OD02", "5")],
            vec![("evidence", "photo.pdf", PNG)],
            "photo.pdf is a PNG image but its name does not end in .png",
        ),
        (
            "oversize",
            vec![("period", "1-2"), ("units-OD02", "5")],
            vec![("evidence", "big.pdf", &big)],
            "big.pdf is 2097153 bytes; the largest evidence file accepted is 2097152 bytes",
        ),
        (
            "double submission",
            vec![("period", "1-1"), ("units-OD02", "5")],
            vec![("evidence", "new.pdf", b"%PDF-1.4 another")],
            "Contract DEP-1 already has a return for Y1 Q1",
        ),
        (
            "period not ended",
            vec![("period", "1-4"), ("units-OD02", "5")],
            vec![],
            "Y1 Q4 has not ended yet",
        ),
        (
            "nothing reported",
            vec![("period", "1-2"), ("units-OD02", " ")],
            vec![],
            "Enter the units delivered for at least one measure",
        ),
    ];
    let audit = w.store.audit_count(None).await.unwrap();
    let files = evidence_dir(&w).count().unwrap();
    for (what, fields, up, want) in cases {
        let r = post_files(&w, &path, &supplier, &fields, &up).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            &r.body[..r.body.len().min(2000)]
        );
        assert!(r.body.contains(want), "{what}: want {want:?} in {}", r.body);
        assert!(r.body.contains("There is a problem"), "{what}");
        assert!(r.body.contains("<title>Error: "), "{what}");
    }
    assert_eq!(returns_of(&w, k).await, 1, "only the fixture's return");
    assert_eq!(w.store.audit_count(None).await.unwrap(), audit);
    assert_eq!(
        evidence_dir(&w).count().unwrap(),
        files,
        "no evidence file was kept"
    );
}

#[tokio::test]
async fn suppliers_see_only_their_own_contracts_returns_and_evidence() {
    let w = world().await;
    let supplier = w.session(w.supplier).await;
    let viewer = w.session(w.viewer).await;
    let own = w.contract_1;
    let other = w.contract_2;
    let list = w.get("/orgs/a/contracts", Some(&supplier)).await;
    assert!(list.body.contains("DEP-1") && !list.body.contains("DEP-2"));
    let staff_list = w.get("/orgs/a/contracts", Some(&viewer)).await;
    assert!(staff_list.body.contains("DEP-1") && staff_list.body.contains("DEP-2"));
    let evidence = |d: crate::support::Delivery| {
        format!(
            "/orgs/a/contracts/{}/returns/{}/evidence/{}",
            d.contract, d.ret, d.evidence
        )
    };
    let mine = w.get(&evidence(own), Some(&supplier)).await;
    mine.assert_status(StatusCode::OK);
    assert_eq!(mine.body.as_bytes(), EVIDENCE_PDF);
    assert_eq!(mine.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(
        mine.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"timesheets.pdf\"")
    );
    assert_eq!(mine.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(mine.headers[header::CACHE_CONTROL], "private, no-store");
    for path in [
        evidence(other),
        format!("/orgs/a/contracts/{}", other.contract),
        format!("/orgs/a/contracts/{}/returns/{}", other.contract, other.ret),
        // Another contract's return through one's own contract.
        format!("/orgs/a/contracts/{}/returns/{}", own.contract, other.ret),
        format!(
            "/orgs/a/contracts/{}/returns/{}/evidence/{}",
            own.contract, own.ret, other.evidence
        ),
    ] {
        assert_eq!(
            w.get(&path, Some(&supplier)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        w.get(&evidence(other), Some(&viewer)).await.status,
        StatusCode::OK
    );
    // Through the API with the supplier's token.
    let api = w
        .get_bearer("/api/v1/orgs/a/contracts", &w.token_supplier)
        .await
        .json();
    let refs: Vec<&str> = api
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["DEP-1"]);
    let hidden = w
        .get_bearer(
            &format!("/api/v1/orgs/a/contracts/{}/returns", other.contract),
            &w.token_supplier,
        )
        .await;
    hidden.assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn suppliers_systems_submit_returns_through_the_api_and_officers_review_them() {
    let w = world().await;
    let k = w.contract_1.contract;
    let path = format!("/api/v1/orgs/a/contracts/{k}/returns");
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    // Bad input: each problem named; nothing saved.
    let files = evidence_dir(&w).count().unwrap();
    let bad = post_json(
        &w,
        &path,
        &w.token_supplier,
        serde_json::json!({
            "contract_year": 1, "quarter": 2,
            "lines": [{"measure": "OD02", "units": "-1"}, {"measure": "NOPE", "units": "1"}],
            "evidence": [{"filename": "x.pdf", "content_base64": b64(b"GIF89a....")},
                         {"filename": "ok.pdf", "content_base64": b64(b"%PDF-1.4 fine")}]
        }),
    )
    .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = bad.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        fields,
        ["lines[0].units", "lines[1].measure", "evidence[0]"],
        "{}",
        bad.body
    );
    assert_eq!(returns_of(&w, k).await, 1);
    assert_eq!(evidence_dir(&w).count().unwrap(), files);
    // Staff cannot submit a supplier's return.
    let staff = post_json(&w, &path, &w.token_officer, serde_json::json!({})).await;
    staff.assert_status(StatusCode::FORBIDDEN);
    // A good one.
    let ok = post_json(
        &w,
        &path,
        &w.token_supplier,
        serde_json::json!({
            "contract_year": 1, "quarter": 3, "narrative": "From our HR system",
            "lines": [{"measure": "od06", "units": "250.25"}],
            "evidence": [{"filename": "receipts.csv", "content_base64": b64(b"date,amount\n2025-11-02,250.25\n")}]
        }),
    )
    .await;
    ok.assert_status(StatusCode::CREATED);
    let ret = ok.json();
    assert_eq!(ret["lines"][0]["measure"], "OD06");
    assert_eq!(ret["lines"][0]["units"], "250.25");
    assert_eq!(ret["evidence"][0]["media_type"], "text/csv; charset=utf-8");
    assert!(
        ret["submitted_by"]
            .as_str()
            .unwrap()
            .starts_with("token:svt_")
    );
    // The same period again: refused, naming the period.
    let again = post_json(
        &w,
        &path,
        &w.token_supplier,
        serde_json::json!({"contract_year": 1, "quarter": 3, "lines": [{"measure": "OD06", "units": "1"}]}),
    )
    .await;
    again.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.json()["problems"][0]["field"], "quarter");
    assert!(
        again.body.contains("already has a return for Y1 Q3"),
        "{}",
        again.body
    );
    // The officer's token rejects the line with a comment.
    let line = ret["lines"][0]["id"].as_i64().unwrap();
    let review = format!("{path}/{}/lines/{line}", ret["id"]);
    let no = post_json(
        &w,
        &review,
        &w.token_supplier,
        serde_json::json!({"decision": "verified"}),
    )
    .await;
    no.assert_status(StatusCode::FORBIDDEN);
    let rejected = post_json(
        &w,
        &review,
        &w.token_officer,
        serde_json::json!({"decision": "rejected", "comment": "Receipts are for another contract."}),
    )
    .await;
    rejected.assert_status(StatusCode::OK);
    assert_eq!(rejected.json()["status"], "rejected");
    let detail = w
        .get_bearer(&format!("/api/v1/orgs/a/contracts/{k}"), &w.token_supplier)
        .await
        .json();
    let od06 = detail["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == "OD06")
        .unwrap()
        .clone();
    assert_eq!(
        od06["delivered_units"], "0",
        "a rejected line is not delivered"
    );
    assert_eq!(detail["rag"], "red");
    // The evidence is downloadable through the API by the supplier.
    let file = w
        .get_bearer(
            &format!("{path}/{}/evidence/{}", ret["id"], ret["evidence"][0]["id"]),
            &w.token_supplier,
        )
        .await;
    file.assert_status(StatusCode::OK);
    assert_eq!(file.body, "date,amount\n2025-11-02,250.25\n");
    // The OpenAPI document lists the new paths.
    let doc = w.get("/api/v1/openapi.json", None).await.json();
    for p in [
        "/api/v1/orgs/{org}/contracts/{contract}/returns",
        "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}/lines/{line}",
        "/api/v1/orgs/{org}/dashboard",
        "/api/v1/orgs/{org}/at-risk",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from OpenAPI");
    }
}

#[tokio::test]
async fn home_pages_remind_of_returns_due_and_at_risk_lists_contracts_behind() {
    let w = world().await;
    let supplier = w.session(w.supplier).await;
    let officer = w.session(w.officer).await;
    let viewer = w.session(w.viewer).await;
    let home = w.get("/", Some(&supplier)).await;
    assert!(
        home.body.contains("delivery return due for DEP-1"),
        "{}",
        home.body
    );
    assert!(
        home.body
            .contains("year 1 quarter 2, which ended on 2025-09-30")
    );
    assert!(
        home.body
            .contains("year 1 quarter 3, which ended on 2025-12-31")
    );
    assert!(!home.body.contains("DEP-2"), "another company's contract");
    let staff = w.get("/", Some(&officer)).await;
    assert!(
        staff
            .body
            .contains("return Y1 Q1 for DEP-1 awaits verification (2 line(s) to review)"),
        "{}",
        staff.body
    );
    assert!(!staff.body.contains("DEP-B"), "another organisation's");
    // Both contracts of `a` have delivered nothing verified: red.
    let at_risk = w.get("/orgs/a/at-risk", Some(&viewer)).await;
    at_risk.assert_status(StatusCode::OK);
    assert!(at_risk.body.contains("DEP-1") && at_risk.body.contains("DEP-2"));
    assert!(!at_risk.body.contains("DEP-B"));
    assert!(at_risk.body.contains("tag--red"));
    // Verify everything of DEP-1 and move the clock to before Q2 ends:
    // delivered 900 of 1,000 hours and 500 of 500 → green, off the list.
    verify_dep1_before_q2_ends(&w, &officer).await;
    let api = w
        .get_bearer("/api/v1/orgs/a/at-risk", &w.token_viewer)
        .await
        .json();
    let refs: Vec<&str> = api
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["DEP-2"]);
    let csv = w
        .get("/orgs/a/dashboard.csv?table=at_risk", Some(&viewer))
        .await;
    assert!(
        csv.body.contains(",DEP-2,") && !csv.body.contains(",DEP-1,"),
        "{}",
        csv.body
    );
}

#[tokio::test]
async fn delivery_pages_keep_their_structure() {
    use crate::support::redact;
    let w = world().await;
    let supplier = w.session(w.supplier).await;
    let officer = w.session(w.officer).await;
    let d = w.contract_1;
    let contract = format!("/orgs/a/contracts/{}", d.contract);
    for (name, path, who) in [
        ("contracts", "/orgs/a/contracts".to_owned(), &officer),
        ("contract", contract.clone(), &officer),
        ("return_form", format!("{contract}/returns/new"), &supplier),
        (
            "return_review",
            format!("{contract}/returns/{}", d.ret),
            &officer,
        ),
        ("dashboard", "/orgs/a/dashboard".to_owned(), &officer),
        ("at_risk", "/orgs/a/at-risk".to_owned(), &officer),
    ] {
        let page = w.get(&path, Some(who)).await;
        page.assert_status(StatusCode::OK);
        insta::assert_snapshot!(format!("delivery_{name}"), redact(&page.body));
    }
}

/// The outside review's delivery return of 79,228,162,514,264,337,593,543,950,335
/// units (the largest decimal): refused at the API, and one already stored
/// (before units were bounded) no longer takes any officer's page down.
#[tokio::test]
async fn units_beyond_the_limit_are_refused_and_stored_ones_do_not_break_any_page() {
    let w = world().await;
    let k = w.contract_1.contract;
    let huge = "79228162514264337593543950335";
    let path = format!("/api/v1/orgs/a/contracts/{k}/returns");
    let bad = post_json(
        &w,
        &path,
        &w.token_supplier,
        serde_json::json!({"contract_year": 1, "quarter": 2, "lines": [{"measure": "OD02", "units": huge}]}),
    )
    .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["problems"][0]["field"], "lines[0].units");
    assert!(bad.body.contains("1,000,000,000,000"), "{}", bad.body);
    assert_eq!(returns_of(&w, k).await, 1);

    // Two such lines stored directly, as the review's were: their sum is
    // past what a decimal holds.
    use socval_store::delivery::{NewLine, NewReturn};
    let line = |units: &str| NewLine {
        measure: "OD02".into(),
        units: units.parse().unwrap(),
    };
    w.store
        .submit_return(
            &socval_store::Actor::system("test"),
            crate::support::start_time(),
            &NewReturn {
                contract_id: k,
                supplier_id: w.supplier_1,
                contract_year: 1,
                quarter: 2,
                narrative: String::new(),
                lines: vec![line(huge)],
                evidence: vec![],
            },
        )
        .await
        .unwrap();
    let officer = w.session(w.officer).await;
    let viewer = w.session(w.viewer).await;
    let page = w
        .get(&format!("/orgs/a/contracts/{k}"), Some(&officer))
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.body.contains("too large to compute"), "{}", page.body);
    for path in [
        "/orgs/a/dashboard",
        "/orgs/a/dashboard.csv",
        "/orgs/a/at-risk",
        "/api/v1/orgs/a/dashboard",
        "/api/v1/orgs/a/at-risk",
    ] {
        let r = w.get(path, Some(&viewer)).await;
        r.assert_status(StatusCode::OK);
        if path == "/orgs/a/dashboard" {
            // The contract is named as left out of the figures, the other kept.
            assert!(r.body.contains("not in these figures"), "{}", r.body);
            assert!(r.body.contains("DEP-2"), "{}", r.body);
        }
    }
}

#[tokio::test]
async fn an_organisations_own_policy_sets_its_rag_and_quotes_rule_on_every_page() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    let viewer = w.session(w.viewer).await;
    // DEP-1 verified and before Q2 ends: 900 of 1,000 hours (90%) and 500
    // of 500 → green by the built-in policy (green at 90%).
    verify_dep1_before_q2_ends(&w, &officer).await;
    assert_eq!(at_risk(&w).await, ["DEP-2"]);
    let page = w.get("/orgs/a/at-risk", Some(&viewer)).await.body;
    assert!(
        page.contains("red below 70% of what was expected, amber below 90%"),
        "{page}"
    );
    let purchases = w.get("/orgs/a/purchases", Some(&viewer)).await.body;
    assert!(purchases.contains("at least two quotes, one of them from a local supplier"));

    // Organisation a's own policy: green at 95%, amber at 80%; three
    // quotes, two local, under £30,000.
    let org = w.store.organisation(w.org_a).await.unwrap();
    let text = "quotes_threshold_gbp = 30000\n[quotes]\nmin_quotes = 3\nmin_local = 2\n\
                [rag]\ngreen = 95\namber = 80\n";
    socval_app::engine::set_policy(
        &*w.store,
        &socval_store::Actor::system("test"),
        w.clock_now(),
        &org,
        Some((text, "a.toml")),
    )
    .await
    .unwrap();
    assert_eq!(
        at_risk(&w).await,
        ["DEP-2", "DEP-1"],
        "DEP-1 at 90% is amber now"
    );
    let page = w.get("/orgs/a/at-risk", Some(&viewer)).await.body;
    assert!(
        page.contains("red below 80% of what was expected, amber below 95%"),
        "{page}"
    );
    let contract = w
        .get(
            &format!("/orgs/a/contracts/{}", w.contract_1.contract),
            Some(&viewer),
        )
        .await
        .body;
    assert!(contract.contains("tag--amber"), "{contract}");
    let purchases = w.get("/orgs/a/purchases", Some(&viewer)).await.body;
    assert!(
        purchases.contains("Purchases under £30,000")
            && purchases.contains("at least three quotes, two of them from a local supplier"),
        "{purchases}"
    );
    // Organisation b keeps the built-in policy.
    let b = w.store.organisation(w.org_b).await.unwrap();
    assert_eq!(
        socval_app::engine::policy_of(&b).unwrap().rag.green,
        90.into()
    );
}

/// The references of organisation a's contracts at risk, from the API.
async fn at_risk(w: &World) -> Vec<String> {
    let api = w
        .get_bearer("/api/v1/orgs/a/at-risk", &w.token_viewer)
        .await
        .json();
    api.as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap().to_owned())
        .collect()
}

/// Verifies every line of DEP-1's return and sets the clock before its
/// second quarter ends: 900 of 1,000 hours expected (90%) and 500 of 500.
async fn verify_dep1_before_q2_ends(w: &World, officer: &crate::support::Session) {
    for l in w
        .store
        .delivery_return(w.contract_1.ret)
        .await
        .unwrap()
        .lines
    {
        let path = format!(
            "/orgs/a/contracts/{}/returns/{}/lines/{}",
            w.contract_1.contract, w.contract_1.ret, l.id
        );
        w.post_form(&path, officer, &[("decision", "verified")])
            .await
            .assert_status(StatusCode::SEE_OTHER);
    }
    w.clock.set(time::macros::datetime!(2025-07-15 10:00 UTC));
}
