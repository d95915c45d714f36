//! Procurements, sealed bids, evaluation and award through the router:
//! pages (forms with CSRF) and the API, the sealed-bid rule against the
//! portal's clock, bad input refused with the field named and nothing
//! changed, suppliers seeing only their own bids.

use std::sync::Arc;

use axum::http::{StatusCode, header};
use socval_store::procurement::{
    Evidence, NewBid, NewDocument, NewProcurement, ProcurementState, ProcurementWeights,
};
use socval_store::{Actor, NewMembership, NewUser, Role, Store};
use time::macros::datetime;

use crate::support::{Reply, Session, World, post_json, redact, world};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// An open procurement of `org_id` whose deadline (2026-01-10) is before
/// the fixture's clock (2026-01-15), with one bid from `supplier_id`:
/// what the authorization matrix requests act on.
pub async fn seed_procurement(
    store: &Arc<dyn Store>,
    org_id: i64,
    framework_id: i64,
    supplier_id: i64,
) -> (i64, i64) {
    let cli = Actor::system("test");
    let p = store
        .create_procurement(
            &cli,
            datetime!(2026-01-01 09:00 UTC),
            &NewProcurement {
                org_id,
                reference: "SEED-001".into(),
                title: "Seeded procurement".into(),
                category: "Places".into(),
                estimated_value_pence: 50_000_000,
                framework_id,
                valuation_year: "2025/26".into(),
                contract_years: 2,
                weights: ProcurementWeights {
                    price: 50.into(),
                    quality: 30.into(),
                    social_value: 20.into(),
                    sv_quantitative_share: "0.5".parse().unwrap(),
                },
                sv_required: true,
                evidence: Evidence::DeliveryPlan,
                deadline: datetime!(2026-01-10 12:00 UTC),
                measures: vec!["OD01".into()],
                suppliers: vec![supplier_id],
            },
        )
        .await
        .unwrap();
    store
        .publish_procurement(&cli, datetime!(2026-01-01 10:00 UTC), p.id)
        .await
        .unwrap();
    let b = store
        .submit_bid(
            &cli,
            datetime!(2026-01-05 10:00 UTC),
            &NewBid {
                procurement_id: p.id,
                supplier_id,
                price_pence: 45_000_000,
                quality_reference: "QR-SEED".into(),
                commitments: vec![],
                document: Some(NewDocument {
                    filename: "plan.pdf".into(),
                    content_type: "application/pdf".into(),
                    bytes: PDF.to_vec(),
                }),
            },
        )
        .await
        .unwrap();
    (p.id, b.id)
}

/// A multipart form as a browser sends the bid form: fields, then the
/// document (if any).
async fn post_bid(
    w: &World,
    path: &str,
    s: &Session,
    fields: &[(&str, &str)],
    document: Option<(&str, &[u8])>,
) -> Reply {
    let files: Vec<_> = document
        .map(|(n, b)| ("document", n, b))
        .into_iter()
        .collect();
    crate::support::post_files(w, path, s, fields, &files).await
}

/// A supplier user for `supplier_2` (the fixture has one for `supplier_1`).
async fn second_supplier(w: &World) -> Session {
    let cli = Actor::system("test");
    let u = w
        .store
        .create_user(
            &cli,
            w.clock_now(),
            &NewUser {
                email: "bid@other.example".into(),
                name: "Bo Bidder".into(),
                password_hash: crate::support::password_hash(),
            },
        )
        .await
        .unwrap();
    w.store
        .add_membership(
            &cli,
            w.clock_now(),
            &NewMembership {
                user_id: u.id,
                org_id: w.org_a,
                role: Role::Supplier,
                supplier_id: Some(w.supplier_2),
            },
        )
        .await
        .unwrap();
    w.session(u.id).await
}

const DEADLINE: &str = "2026-02-01T12:00";

fn form(w: &World) -> Vec<(&'static str, String)> {
    vec![
        ("reference", "ABC-2026-001".into()),
        ("title", "Depot refurbishment".into()),
        ("category", "places".into()),
        ("estimated_value", "1,200,000".into()),
        ("contract_years", "2".into()),
        ("framework", w.framework_a.to_string()),
        ("valuation_year", "2025/26".into()),
        ("measures", "OD01".into()),
        ("measures", "OD02".into()),
        ("price_weight", "50".into()),
        ("quality_weight", "30".into()),
        ("sv_weight", "20".into()),
        ("sv_quantitative_share", "50".into()),
        ("deadline", DEADLINE.into()),
        ("suppliers", w.supplier_1.to_string()),
        ("suppliers", w.supplier_2.to_string()),
    ]
}

/// The page's text with askama's HTML escapes of quotes undone, to look
/// for messages as a person reads them.
fn text(r: &Reply) -> String {
    r.body
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

async fn count_procurements(w: &World) -> usize {
    w.store.procurements(w.org_a).await.unwrap().len()
}

/// Creates and publishes the form's procurement; returns its page path.
async fn create_and_publish(w: &World, officer: &Session) -> (String, i64) {
    let fields = form(w);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = w.post_form("/orgs/a/procurements", officer, &fields).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let path = r.location().to_owned();
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    w.post_form(&format!("{path}/publish"), officer, &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    (path, id)
}

#[tokio::test]
async fn bad_procurement_forms_name_the_field_and_save_nothing() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    let before = count_procurements(&w).await;
    let audit = w.store.audit_count(Some(w.org_a)).await.unwrap();
    for (field, value, want) in [
        (
            "estimated_value",
            "lots",
            "Estimated value \"lots\" is not an amount",
        ),
        ("estimated_value", "-5", "more than £0"),
        ("price_weight", "60", "Weights must add up to 100"),
        ("deadline", "next week", "Enter the deadline"),
        // The outside review's dates no procurement has.
        ("deadline", "9999-12-31 12:00", "from 1990 to 2099"),
        ("deadline", "-2024-01-01T12:00:00Z", "Enter the deadline"),
        ("contract_years", "4294967297", "Contract length"),
        (
            "price_weight",
            "79228162514264337593543950335",
            "from 0 to 100",
        ),
        ("price_weight", "33.33333", "at most 4 decimal places"),
        ("estimated_value", "1000000000000.01", "1,000,000,000,000"),
        (
            "measures",
            "FREE-LUNCH",
            "Measure \"FREE-LUNCH\" is not in framework",
        ),
        ("category", "Shipyards", "Select a category"),
        ("contract_years", "0", "Contract length"),
        (
            "valuation_year",
            "1999/00",
            "financial year the framework has proxy values for",
        ),
    ] {
        let mut fields = form(&w);
        fields.retain(|(k, _)| *k != field || field == "measures");
        fields.push((field, value.to_owned()));
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = w.post_form("/orgs/a/procurements", &officer, &fields).await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(text(&r).contains(want), "{field}={value}: want {want:?}");
        assert!(
            r.body.contains(&format!("href=\"#{field}\"")),
            "the summary links to the field {field}"
        );
        assert!(r.body.contains("<title>Error: "), "{field}");
        assert!(
            r.body.contains("Depot refurbishment"),
            "what was typed is kept"
        );
    }
    assert_eq!(count_procurements(&w).await, before);
    assert_eq!(w.store.audit_count(Some(w.org_a)).await.unwrap(), audit);
    // Viewers and suppliers cannot create.
    let viewer = w.session(w.viewer).await;
    let fields = form(&w);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    w.post_form("/orgs/a/procurements", &viewer, &fields)
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_policy_decides_social_value_and_evidence_from_the_value() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    for (value, required, evidence, reference) in [
        (
            "1,200,000",
            "Yes: the estimated value is over £100,000",
            "social value delivery plan (over £250,000)",
            "P-1",
        ),
        (
            "250,000",
            "Yes: the estimated value is over £100,000",
            "milestone tracker (not over £250,000)",
            "P-2",
        ),
        (
            "100,000",
            "No: the estimated value is not over £100,000",
            "milestone tracker",
            "P-3",
        ),
    ] {
        let mut fields = form(&w);
        fields.retain(|(k, _)| *k != "estimated_value" && *k != "reference");
        fields.push(("estimated_value", value.into()));
        fields.push(("reference", reference.into()));
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = w.post_form("/orgs/a/procurements", &officer, &fields).await;
        r.assert_status(StatusCode::SEE_OTHER);
        let page = w.get(r.location(), Some(&officer)).await;
        page.assert_status(StatusCode::OK);
        assert!(page.body.contains(required), "{value}");
        assert!(page.body.contains(evidence), "{value}");
    }
    // The reference is unique in the organisation.
    let mut fields = form(&w);
    fields.retain(|(k, _)| *k != "reference");
    fields.push(("reference", "p-1".into()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = w.post_form("/orgs/a/procurements", &officer, &fields).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("already has a procurement"), "{}", r.body);
    assert!(r.body.contains("href=\"#reference\""));
}

#[tokio::test]
async fn bids_stay_sealed_until_the_deadline_then_evaluation_and_award_make_a_contract() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    let admin = w.session(w.admin).await;
    let s1 = w.session(w.supplier).await;
    let s2 = second_supplier(&w).await;
    let (path, id) = create_and_publish(&w, &officer).await;

    // Supplier 1 bids through the form.
    let page = w.get(&path, Some(&s1)).await;
    page.assert_status(StatusCode::OK);
    assert!(page.body.contains("Submit your bid"));
    assert!(
        page.body.contains("name=\"units.OD01.2\""),
        "a box per measure and year"
    );
    let bid_path = format!("{path}/bid");
    let good = [
        ("revision", "0"),
        ("price", "990,000.00"),
        ("quality_reference", "QR-ACME-7"),
        ("units.OD01.1", "2"),
        ("units.OD02.2", "1.5"),
    ];
    // Bad input first: each refused with the field named, nothing saved.
    let audit = w.store.audit_count(Some(w.org_a)).await.unwrap();
    for (field, value, doc, want, anchor) in [
        (
            "price",
            "nine hundred",
            Some(("plan.pdf", PDF)),
            "Price \"nine hundred\" is not an amount of money",
            "price",
        ),
        (
            "units.OD01.1",
            "-3",
            Some(("plan.pdf", PDF)),
            "Units for OD01 in contract year 1: -3 is negative",
            "commitments",
        ),
        (
            "units.OD01.1",
            "two",
            Some(("plan.pdf", PDF)),
            "\"two\" is not a number",
            "commitments",
        ),
        (
            "units.OD09.1",
            "1",
            Some(("plan.pdf", PDF)),
            "Measure \"OD09\" is not one this procurement offers",
            "commitments",
        ),
        (
            "price",
            "990,000.00",
            Some(("plan.pdf", b"MZ\x90\x00 not a pdf" as &[u8])),
            "plan.pdf is not a file type accepted for this document",
            "document",
        ),
        (
            "price",
            "990,000.00",
            None,
            "Attach your social value delivery plan",
            "document",
        ),
    ] {
        let mut fields: Vec<(&str, &str)> =
            good.iter().copied().filter(|(k, _)| *k != field).collect();
        fields.push((field, value));
        let r = post_bid(&w, &bid_path, &s1, &fields, doc).await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            text(&r).contains(want),
            "{field}={value}: want {want:?}\n{}",
            text(&r)
        );
        assert!(
            r.body.contains(&format!("href=\"#{anchor}\"")),
            "{field}: links to #{anchor}"
        );
        assert!(text(&r).contains(value), "what was typed is kept: {value}");
    }
    assert!(w.store.bid_receipts(id).await.unwrap().is_empty());
    assert_eq!(w.store.audit_count(Some(w.org_a)).await.unwrap(), audit);

    let r = post_bid(&w, &bid_path, &s1, &good, Some(("plan.pdf", PDF))).await;
    r.assert_status(StatusCode::SEE_OTHER);
    // The same form sent twice: refused, nothing changed.
    let again = post_bid(&w, &bid_path, &s1, &good, Some(("plan.pdf", PDF))).await;
    again.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again
            .body
            .contains("Your bid was already submitted (revision 1"),
        "{}",
        again.body
    );
    let b1 = w.store.supplier_bid(id, w.supplier_1).await.unwrap();
    assert_eq!(b1.revision, 1);
    // A revision from the current form.
    let mut revised: Vec<(&str, &str)> = good.to_vec();
    revised.retain(|(k, _)| *k != "revision" && *k != "price");
    revised.push(("revision", "1"));
    revised.push(("price", "985,000"));
    post_bid(&w, &bid_path, &s1, &revised, None)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let b1 = w.store.supplier_bid(id, w.supplier_1).await.unwrap();
    assert_eq!((b1.revision, b1.price_pence), (2, 98_500_000));
    assert_eq!(b1.document.as_ref().unwrap().filename, "plan.pdf", "kept");
    // Supplier 2 bids through the API-less form too.
    post_bid(
        &w,
        &bid_path,
        &s2,
        &[
            ("revision", "0"),
            ("price", "800000"),
            ("quality_reference", "QR-OTHER"),
            ("units.OD01.1", "1"),
        ],
        Some(("tracker.pdf", PDF)),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);

    // Before the deadline: staff see that bids exist, never their content.
    for s in [&officer, &admin] {
        let page = w.get(&path, Some(s)).await;
        page.assert_status(StatusCode::OK);
        assert!(
            page.body
                .contains("Bids are sealed until 2026-02-01 12:00 UTC")
        );
        assert!(page.body.contains("2 bid(s) received"));
        for secret in [
            "985,000",
            "800,000",
            "QR-ACME",
            "QR-OTHER",
            "plan.pdf",
            "1.5 units",
        ] {
            assert!(
                !page.body.contains(secret),
                "sealed content {secret:?} shown"
            );
        }
    }
    let api = w
        .get_bearer(
            &format!("/api/v1/orgs/a/procurements/{id}/bids"),
            &w.token_officer,
        )
        .await;
    api.assert_status(StatusCode::OK);
    let bids = api.json();
    assert_eq!(bids.as_array().unwrap().len(), 2);
    assert!(
        bids.as_array()
            .unwrap()
            .iter()
            .all(|b| b["content"].is_null()),
        "{bids}"
    );
    let doc = w
        .get(&format!("{path}/bids/{}/document", b1.id), Some(&officer))
        .await;
    doc.assert_status(StatusCode::NOT_FOUND);
    let ev = w
        .get_bearer(
            &format!("/api/v1/orgs/a/procurements/{id}/evaluation"),
            &w.token_officer,
        )
        .await;
    ev.assert_status(StatusCode::CONFLICT);
    assert!(ev.body.contains("sealed"));
    // The audit log shows no bid content either.
    let log = w.get("/orgs/a/audit", Some(&admin)).await;
    assert!(!log.body.contains("98500000") && !log.body.contains("QR-ACME"));
    // Opening early is refused.
    let r = w.post_form(&format!("{path}/open"), &officer, &[]).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("sealed until the deadline"));

    // Suppliers see their own bid only.
    let mine = w.get(&path, Some(&s1)).await;
    assert!(mine.body.contains("Revision 2") && mine.body.contains("£985,000.00"));
    assert!(!mine.body.contains("£800,000.00"));
    let theirs = w.get(&path, Some(&s2)).await;
    assert!(theirs.body.contains("£800,000.00") && !theirs.body.contains("985,000"));
    w.get(&format!("{path}/bids/{}/document", b1.id), Some(&s2))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let own = w
        .get(&format!("{path}/bids/{}/document", b1.id), Some(&s1))
        .await;
    own.assert_status(StatusCode::OK);
    assert_eq!(
        own.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/pdf"
    );

    // At the deadline (the clock moves, not the wall time): late bids and
    // revisions are refused, nothing changes.
    w.clock.set(datetime!(2026-02-01 12:00 UTC));
    // Sessions idle for two weeks have ended: sign in again.
    let s1 = w.session(w.supplier).await;
    let officer = w.session(w.officer).await;
    let mut late: Vec<(&str, &str)> = revised.clone();
    late.retain(|(k, _)| *k != "revision" && *k != "price");
    late.push(("revision", "2"));
    late.push(("price", "1"));
    let r = post_bid(&w, &bid_path, &s1, &late, None).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("late bids are refused"), "{}", r.body);
    assert_eq!(
        w.store
            .supplier_bid(id, w.supplier_1)
            .await
            .unwrap()
            .price_pence,
        98_500_000
    );
    let closed = w.get(&path, Some(&s1)).await;
    assert!(
        closed
            .body
            .contains("Bidding closed at 2026-02-01 12:00 UTC")
    );
    assert!(!closed.body.contains("Submit revised bid"));

    // Staff open the bids, score them, complete the evaluation, award.
    w.post_form(&format!("{path}/open"), &officer, &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = w.get(&path, Some(&officer)).await;
    assert!(page.body.contains("£985,000.00") && page.body.contains("QR-OTHER"));
    assert!(page.body.contains("OD02 year 2: 1.5 units"));
    let b2 = w.store.supplier_bid(id, w.supplier_2).await.unwrap();
    // Completing before scoring is refused with the reason.
    let r = w
        .post_form(&format!("{path}/evaluation"), &officer, &[])
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Score the bid from"));
    // A bad score names its field.
    let r = w
        .post_form(
            &format!("{path}/bids/{}/score", b1.id),
            &officer,
            &[("quality_score", "110"), ("sv_qualitative_score", "50")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r).contains("Quality score \"110\" must be a percentage from 0 to 100"));
    for (bid, q, s) in [(b1.id, "80", "50"), (b2.id, "60", "100")] {
        w.post_form(
            &format!("{path}/bids/{bid}/score"),
            &officer,
            &[
                ("quality_score", q),
                ("sv_qualitative_score", s),
                ("comment", "panel agreed"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    }
    let ev = w
        .get_bearer(
            &format!("/api/v1/orgs/a/procurements/{id}/evaluation"),
            &w.token_viewer,
        )
        .await;
    ev.assert_status(StatusCode::OK);
    let ev = ev.json();
    assert_eq!(ev["bids"][0]["supplier"], "Acme Builders Ltd", "{ev}");
    w.post_form(&format!("{path}/evaluation"), &officer, &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = w.get(&path, Some(&officer)).await;
    assert!(page.body.contains("id=\"ranking\""));
    assert!(page.body.contains("Award the contract"));
    // Only a bid ranked first can win.
    let loser = ev["bids"][1]["bid_id"].as_i64().unwrap();
    let r = w
        .post_form(
            &format!("{path}/award"),
            &officer,
            &[("bid", &loser.to_string()), ("start", "2026-04-01")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("not first"), "{}", r.body);
    let r = w
        .post_form(
            &format!("{path}/award"),
            &officer,
            &[("bid", &b1.id.to_string()), ("start", "1 April")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("start date as YYYY-MM-DD"));
    // A start no contract has (the outside review's award of 9999-12-31).
    let r = w
        .post_form(
            &format!("{path}/award"),
            &officer,
            &[("bid", &b1.id.to_string()), ("start", "9999-12-31")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("from 1990 to 2099"), "{}", r.body);
    // No contract from the procurement (the fixture's own contracts aside).
    assert!(
        w.store
            .contracts(w.org_a)
            .await
            .unwrap()
            .iter()
            .all(|k| k.procurement_id.is_none())
    );
    w.post_form(
        &format!("{path}/award"),
        &officer,
        &[
            ("bid", &b1.id.to_string()),
            ("start", "2026-04-01"),
            ("contract_reference", ""),
        ],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let contracts: Vec<_> = w
        .store
        .supplier_contracts(w.supplier_1)
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.procurement_id == Some(id))
        .collect();
    assert_eq!(contracts.len(), 1);
    let c = &contracts[0];
    assert_eq!(
        (c.reference.as_str(), c.value_pence, c.years),
        ("ABC-2026-001", 98_500_000, 2)
    );
    let units: Vec<String> = c
        .commitments
        .iter()
        .map(|k| format!("{} {} {}", k.measure, k.contract_year, k.units))
        .collect();
    assert_eq!(units, ["OD01 1 2", "OD02 2 1.5"]);
    assert_eq!(
        w.store.procurement(id).await.unwrap().state,
        ProcurementState::Awarded
    );
    // Every step is in the audit log.
    let entries = w
        .store
        .audit(&socval_store::AuditQuery {
            org_id: Some(w.org_a),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    for kind in ["procurement", "bid", "bid_score", "evaluation", "contract"] {
        assert!(
            entries
                .iter()
                .any(|e| e.entity_type == kind && e.entity_id != "0"),
            "no audit row for {kind}"
        );
    }
}

#[tokio::test]
async fn the_api_runs_the_same_journey_with_the_same_rules() {
    let w = world().await;
    let base = "/api/v1/orgs/a/procurements";
    let body = |reference: &str, value: &str| {
        serde_json::json!({
            "reference": reference, "title": "Grounds maintenance", "category": "Places",
            "estimated_value_gbp": value, "framework_id": w.framework_a, "valuation_year": "2025/26",
            "contract_years": 1, "measures": ["OD02"], "suppliers": [w.supplier_1],
            "deadline": "2026-02-01T12:00:00Z"
        })
    };
    let r = post_json(&w, base, &w.token_officer, body("API-1", "a lot")).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["problems"][0]["field"], "estimated_value");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("nothing was changed")
    );
    // Viewers and suppliers may not create.
    post_json(&w, base, &w.token_viewer, body("API-1", "300000"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let r = post_json(&w, base, &w.token_officer, body("API-1", "300000")).await;
    r.assert_status(StatusCode::CREATED);
    let p = r.json();
    assert_eq!(p["state"], "draft");
    assert_eq!(p["evidence"], "delivery_plan");
    assert_eq!(p["estimated_value_gbp"], "300000.00");
    let id = p["id"].as_i64().unwrap();
    // Suppliers do not see drafts.
    w.get_bearer(&format!("{base}/{id}"), &w.token_supplier)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    post_json(
        &w,
        &format!("{base}/{id}/publish"),
        &w.token_officer,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
    let listed = w.get_bearer(base, &w.token_supplier).await.json();
    let refs: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reference"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        ["API-1", "SEED-001"],
        "the supplier's own invitations"
    );
    assert_eq!(
        listed[0]["suppliers"],
        serde_json::json!([]),
        "no other invitees shown"
    );

    let doc = base64_pdf();
    let bid = |price: serde_json::Value, units: serde_json::Value, measure: &str| {
        serde_json::json!({
            "price_gbp": price, "quality_reference": "QR-API",
            "commitments": [{"measure": measure, "contract_year": 1, "units": units}],
            "document": {"filename": "plan.pdf", "content_base64": doc}
        })
    };
    let bids = format!("{base}/{id}/bids");
    for (b, field) in [
        (bid("abc".into(), "1".into(), "OD02"), "price"),
        (bid("100".into(), "-1".into(), "OD02"), "commitments"),
        (bid("100".into(), "1".into(), "NOPE"), "commitments"),
    ] {
        let r = post_json(&w, &bids, &w.token_supplier, b).await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["problems"][0]["field"], field, "{}", r.body);
    }
    // Staff cannot bid.
    post_json(
        &w,
        &bids,
        &w.token_officer,
        bid("100".into(), "1".into(), "OD02"),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    let r = post_json(
        &w,
        &bids,
        &w.token_supplier,
        bid("250000".into(), "2.25".into(), "OD02"),
    )
    .await;
    r.assert_status(StatusCode::CREATED);
    let created = r.json();
    assert_eq!(created["content"]["commitments"][0]["units"], "2.25");
    // Double submission: 409, nothing changed.
    let r = post_json(
        &w,
        &bids,
        &w.token_supplier,
        bid("1".into(), "9".into(), "OD02"),
    )
    .await;
    r.assert_status(StatusCode::CONFLICT);
    assert!(r.body.contains("already submitted a bid"));
    let own = w.get_bearer(&bids, &w.token_supplier).await.json();
    assert_eq!(own[0]["content"]["price_gbp"], "250000.00");
    assert_eq!(own[0]["revision"], 1);
    // Revision, then the deadline passes: late revision refused.
    let bid_id = created["id"].as_i64().unwrap();
    let r = post_json(
        &w,
        &format!("{bids}/{bid_id}"),
        &w.token_supplier,
        bid("240000".into(), "2.25".into(), "OD02"),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["revision"], 2);
    w.clock.set(datetime!(2026-02-01 12:00 UTC));
    let r = post_json(
        &w,
        &format!("{bids}/{bid_id}"),
        &w.token_supplier,
        bid("1".into(), "2".into(), "OD02"),
    )
    .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("late bids are refused"), "{}", r.body);
    let opened = w.get_bearer(&bids, &w.token_officer).await.json();
    assert_eq!(
        opened[0]["content"]["price_gbp"], "240000.00",
        "open after the deadline"
    );
    post_json(
        &w,
        &format!("{base}/{id}/open"),
        &w.token_officer,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
    let r = post_json(
        &w,
        &format!("{bids}/{bid_id}/score"),
        &w.token_officer,
        serde_json::json!({"quality_score": "seventy", "sv_qualitative_score": 50}),
    )
    .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["problems"][0]["field"], "quality_score");
    post_json(
        &w,
        &format!("{bids}/{bid_id}/score"),
        &w.token_officer,
        serde_json::json!({"quality_score": 70, "sv_qualitative_score": "50"}),
    )
    .await
    .assert_status(StatusCode::OK);
    post_json(
        &w,
        &format!("{base}/{id}/evaluation"),
        &w.token_officer,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
    let ev = w
        .get_bearer(&format!("{base}/{id}/evaluation"), &w.token_viewer)
        .await
        .json();
    // One bid: full price points (50), quality 70% of 30 = 21, SV £ full
    // (10), qualitative 50% of 10 = 5: 86.
    assert_eq!(ev["bids"][0]["total_score"], "86.00", "{ev}");
    let r = post_json(
        &w,
        &format!("{base}/{id}/award"),
        &w.token_officer,
        serde_json::json!({"bid_id": bid_id, "start": "2026-04-01", "contract_reference": "C-API-1"}),
    )
    .await;
    r.assert_status(StatusCode::CREATED);
    let c = r.json();
    assert_eq!(c["reference"], "C-API-1");
    assert_eq!(c["commitments"][0]["units"], "2.25");
    assert_eq!(c["value_gbp"], "240000.00");
}

fn base64_pdf() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(PDF)
}

#[tokio::test]
async fn suppliers_see_only_procurements_they_are_invited_to() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    let mut fields = form(&w);
    fields.retain(|(k, _)| *k != "suppliers");
    fields.push(("suppliers", w.supplier_2.to_string()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = w.post_form("/orgs/a/procurements", &officer, &fields).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let path = r.location().to_owned();
    w.post_form(&format!("{path}/publish"), &officer, &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let s1 = w.session(w.supplier).await;
    w.get(&path, Some(&s1))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let list = w.get("/orgs/a/procurements", Some(&s1)).await;
    list.assert_status(StatusCode::OK);
    assert!(!list.body.contains("ABC-2026-001"));
    assert!(
        list.body.contains("SEED-001"),
        "its own invitation is listed"
    );
    let r = post_bid(&w, &format!("{path}/bid"), &s1, &[("price", "1")], None).await;
    r.assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn procurement_pages_keep_their_structure() {
    let w = world().await;
    w.clock.set(datetime!(2026-01-20 09:00 UTC));
    let officer = w.session(w.officer).await;
    let (path, _) = create_and_publish(&w, &officer).await;
    let s1 = w.session(w.supplier).await;
    insta::assert_snapshot!(
        "procurement_sealed",
        redact(&w.get(&path, Some(&officer)).await.body)
    );
    insta::assert_snapshot!("bid_form", redact(&w.get(&path, Some(&s1)).await.body));
    insta::assert_snapshot!(
        "procurements",
        redact(&w.get("/orgs/a/procurements", Some(&officer)).await.body)
    );
    insta::assert_snapshot!(
        "procurement_new",
        redact(&w.get("/orgs/a/procurements/new", Some(&officer)).await.body)
    );
}

fn chromedriver(chromium: &str) -> String {
    if let Ok(path) = std::env::var("SOCVAL_CHROMEDRIVER") {
        return path;
    }
    let beside = std::path::Path::new(chromium).with_file_name("chromedriver");
    if beside.exists() {
        return beside.display().to_string();
    }
    "chromedriver".to_owned()
}

/// The text of the first element matching `css`, once the page that has
/// it has loaded (a click that submits a form returns before the next page
/// is there). Panics after 10 seconds.
fn wait(b: &crate::webdriver::Browser, css: &str) -> String {
    wait_text(b, css, "")
}

/// As [`wait`], until the element's text contains `want`.
fn wait_text(b: &crate::webdriver::Browser, css: &str, want: &str) -> String {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.find(css).text()));
        if let Ok(text) = &got
            && text.contains(want)
        {
            return text.clone();
        }
        assert!(
            std::time::Instant::now() < until,
            "no {css} containing {want:?} on {}: {}",
            b.url(),
            b.text()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The whole procurement journey in headless Chromium: an officer creates
/// and publishes a procurement, two suppliers bid (one corrects a bad
/// entry first), the officer sees only that bids exist until the deadline
/// (the test moves the portal's clock, not the wall time), then opens,
/// scores and evaluates the bids and awards the contract. Screenshots of
/// every step go to `target/artefacts/portal/`.
#[test]
#[ignore = "needs chromium: run by .ci/run"]
fn browser_officer_procures_suppliers_bid_sealed_until_the_deadline_then_award() {
    use crate::support::PASSWORD;
    use crate::webdriver::Browser;

    let chromium = std::env::var("SOCVAL_CHROMIUM").expect(
        "SOCVAL_CHROMIUM must name the Chromium binary (.ci/run sets it: SOCVAL_CHROMIUM=$(command -v chromium))",
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world());
    rt.block_on(async {
        // A user for the second supplier company.
        let cli = Actor::system("test");
        let u = w
            .store
            .create_user(
                &cli,
                w.clock_now(),
                &NewUser {
                    email: "bid@other.example".into(),
                    name: "Bo Bidder".into(),
                    password_hash: crate::support::password_hash(),
                },
            )
            .await
            .unwrap();
        w.store
            .add_membership(
                &cli,
                w.clock_now(),
                &NewMembership {
                    user_id: u.id,
                    org_id: w.org_a,
                    role: Role::Supplier,
                    supplier_id: Some(w.supplier_2),
                },
            )
            .await
            .unwrap();
    });
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = w.app.clone();
    rt.spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("delivery-plan.pdf");
    std::fs::write(&plan, PDF).unwrap();
    let tracker = dir.path().join("tracker.pdf");
    std::fs::write(&tracker, PDF).unwrap();

    let out =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/artefacts/portal");
    let _ = std::fs::remove_dir_all(&out);
    let b = Browser::start(&chromium, &chromedriver(&chromium));
    let shot = |name: &str| {
        b.fit_page();
        b.screenshot(&out.join(format!("{name}.png")));
    };
    let sign_in = |email: &str, next: &str| {
        b.goto(&format!("{base}{next}"));
        if b.url().contains("/login") {
            b.find("#email").type_text(email);
            b.find("#password").type_text(PASSWORD);
            b.find("button.button").click();
            wait(&b, "header form button");
        }
        assert!(b.url().ends_with(next), "signed in as {email}: {}", b.url());
    };
    let sign_out = || {
        b.find("header form button").click();
        wait(&b, "#email");
    };

    // The officer creates the procurement.
    sign_in("officer@a.example", "/orgs/a/procurements");
    b.find("a.button[href$='/procurements/new']").click();
    b.find("#reference").type_text("ABC-2026-007");
    b.find("#title")
        .type_text("Parks and open spaces maintenance");
    b.find("#category").type_text("Places");
    b.find("#estimated_value").type_text("lots");
    b.find("#valuation_year").type_text("2025");
    b.find("#measure-OD01").click();
    b.find("#measure-OD02").click();
    b.find("#deadline").type_text("2026-02-01 12:00");
    b.find(&format!("#supplier-{}", w.supplier_1)).click();
    b.find(&format!("#supplier-{}", w.supplier_2)).click();
    b.find("form button.button").click();
    wait(&b, ".error-summary");
    assert!(b.title().starts_with("Error: "), "{}", b.title());
    assert!(
        b.text()
            .contains("Estimated value \"lots\" is not an amount of money")
    );
    assert_eq!(
        b.find("#title").attribute("value"),
        "Parks and open spaces maintenance"
    );
    shot("01-procurement-form-error");
    let value = b.find("#estimated_value");
    value.type_text("\u{e009}a\u{e017}"); // Ctrl+A, Delete: clear the field
    value.type_text("1,200,000");
    b.find("form button.button").click();
    wait(&b, "#state");
    assert!(b.url().contains("/orgs/a/procurements/"), "{}", b.url());
    let procurement = b.url();
    let text = b.text();
    assert!(
        text.contains("Yes: the estimated value is over £100,000"),
        "{text}"
    );
    assert!(text.contains("A social value delivery plan (over £250,000)"));
    shot("02-procurement-draft");
    b.find("#publish button").click();
    wait_text(&b, "#state", "open");
    assert!(
        b.text()
            .contains("Bids are sealed until 2026-02-01 12:00 UTC")
    );
    shot("03-procurement-published");
    sign_out();

    // Supplier 1 bids, correcting a bad entry first.
    let path = procurement.trim_start_matches(&base).to_owned();
    sign_in("supplier@acme.example", "/orgs/a/procurements");
    assert!(b.text().contains("ABC-2026-007") && b.text().contains("Not submitted"));
    shot("04-supplier-procurements");
    b.goto(&procurement);
    b.find("#price").type_text("985,000");
    b.find("#quality_reference").type_text("ACME-QR-7");
    b.find("input[name='units.OD01.1']").type_text("4");
    b.find("input[name='units.OD02.1']").type_text("-20");
    b.find("#document").type_text(&plan.display().to_string());
    b.find("form[enctype] button").click();
    wait(&b, ".error-summary");
    let text = b.text();
    assert!(
        text.contains("Units for OD02 in contract year 1: -20 is negative: enter 0 or more"),
        "{text}"
    );
    shot("05-bid-error");
    let units = b.find("input[name='units.OD02.1']");
    units.type_text("\u{e009}a\u{e017}");
    units.type_text("12000");
    b.find("input[name='units.OD02.2']").type_text("12000.5");
    b.find("#document").type_text(&plan.display().to_string());
    b.find("form[enctype] button").click();
    assert!(
        b.find("#your-bid").text().contains("Revision 1"),
        "{}",
        b.text()
    );
    shot("06-bid-submitted");
    sign_out();

    // Supplier 2 bids.
    sign_in("bid@other.example", &path);
    assert!(
        !b.text().contains("985,000"),
        "another supplier's bid is never shown"
    );
    b.find("#price").type_text("890000");
    b.find("#quality_reference").type_text("OTHER-QR-1");
    b.find("input[name='units.OD02.1']").type_text("3000");
    b.find("#document")
        .type_text(&tracker.display().to_string());
    b.find("form[enctype] button").click();
    wait_text(&b, "#your-bid", "£890,000.00");
    sign_out();

    // Before the deadline the officer sees that two bids exist, nothing else.
    sign_in("officer@a.example", &path);
    let text = b.text();
    assert!(text.contains("2 bid(s) received"), "{text}");
    for secret in [
        "985,000",
        "890,000",
        "ACME-QR-7",
        "delivery-plan.pdf",
        "12000",
    ] {
        assert!(!text.contains(secret), "sealed content {secret:?} shown");
    }
    shot("07-officer-sealed");

    // The deadline passes (the portal's clock moves): the suppliers' bids
    // open; the officer signs in again (the session went idle).
    w.clock.set(datetime!(2026-02-01 12:00:01 UTC));
    sign_in("officer@a.example", &path);
    assert!(
        b.text()
            .contains("The deadline passed at 2026-02-01 12:00 UTC: 2 bid(s) were received")
    );
    b.find("#open button").click();
    wait_text(&b, "#state", "closed");
    let text = b.text();
    assert!(
        text.contains("£985,000.00") && text.contains("£890,000.00"),
        "{text}"
    );
    assert!(text.contains("OD02 year 2: 12000.5 units"));
    shot("08-bids-opened");
    let pid: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    for (supplier, q, s) in [(w.supplier_1, "80", "60"), (w.supplier_2, "65", "70")] {
        let bid = rt.block_on(w.store.supplier_bid(pid, supplier)).unwrap().id;
        b.find(&format!("#quality_score-{bid}")).type_text(q);
        b.find(&format!("#sv_qualitative_score-{bid}")).type_text(s);
        b.find(&format!("#comment-{bid}"))
            .type_text("Panel moderated score");
        b.find(&format!("#bid-{bid} form.score-form button"))
            .click();
        assert!(b.url().ends_with(&format!("#bid-{bid}")), "{}", b.url());
    }
    shot("09-scored");
    b.find("#evaluation button").click();
    wait_text(&b, "#state", "evaluated");
    let ranking = b.find("#ranking").text();
    assert!(
        ranking.contains("Acme Builders Ltd") && ranking.contains("Other Works Ltd"),
        "{ranking}"
    );
    shot("10-evaluated");
    b.find("#start").type_text("2026-04-01");
    b.find("#award button").click();
    wait_text(&b, "#state", "awarded");
    assert!(b.find("#awarded").text().contains("Awarded"));
    shot("11-awarded");
    let contracts = rt.block_on(w.store.contracts(w.org_a)).unwrap();
    let awarded: Vec<_> = contracts
        .iter()
        .filter(|k| k.procurement_id == Some(pid))
        .collect();
    assert_eq!(awarded.len(), 1);
    let contract = awarded[0];
    assert_eq!(contract.supplier_id, w.supplier_1);

    // Delivery, once the portal has return pages: after the first quarter
    // the supplier submits a return with evidence, the officer verifies
    // it, and the contract page shows the delivered units.
    let has_returns = socval_web::ROUTES
        .iter()
        .any(|r| r.path == "/orgs/{org}/contracts/{contract}/returns/new");
    if has_returns {
        w.clock.set(datetime!(2026-07-02 09:00 UTC));
        let evidence = dir.path().join("timesheets.pdf");
        std::fs::write(&evidence, PDF).unwrap();
        let contract_path = format!("/orgs/a/contracts/{}", contract.id);
        sign_in(
            "supplier@acme.example",
            &format!("{contract_path}/returns/new"),
        );
        b.find("#units-OD02").type_text("3100");
        b.find("#narrative")
            .type_text("Grounds team of six paid the Real Living Wage, April to June.");
        b.find("#evidence")
            .type_text(&evidence.display().to_string());
        shot("12-return-form");
        b.find("form[enctype] button").click();
        wait_text(&b, "body", "timesheets.pdf");
        assert!(b.url().contains("/returns/"), "{}", b.url());
        shot("13-return-submitted");
        let url = b.url();
        let return_path = url
            .trim_start_matches(&base)
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned();
        sign_out();
        sign_in("officer@a.example", &return_path);
        b.find("input[id^='verify-']").click();
        b.find("form.inset input[name='comment']")
            .type_text("Timesheets checked against payroll");
        b.find("button[id^='review-']").click();
        wait_text(&b, "body", "Timesheets checked against payroll");
        shot("14-return-verified");
        b.goto(&format!("{base}{contract_path}"));
        let delivered = wait(&b, "#delivered-OD02");
        assert!(
            delivered.contains("3,100") || delivered.contains("3100"),
            "delivered units on the contract page: {delivered:?}"
        );
        shot("15-contract-delivered");
    }
    drop(b);
    for n in [
        "01-procurement-form-error",
        "07-officer-sealed",
        "11-awarded",
    ] {
        assert!(out.join(format!("{n}.png")).exists());
    }
}
