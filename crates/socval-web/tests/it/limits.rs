//! Every text a person types, on a page or through the API, has a limit
//! (socval_core::limits, listed in docs/web.md "Limits"): a longer one is
//! refused with a message naming the field ("Title must be 300 characters
//! or fewer") and changes nothing, not even the audit log.

use axum::http::StatusCode;
use socval_store::AuditQuery;

use crate::support::{Reply, World, post_files, post_json, world};

const SHORT: usize = 300;
const LONG: usize = 20_000;

async fn last_audit_id(w: &World) -> i64 {
    let q = AuditQuery {
        org_id: None,
        after_id: None,
        before_id: None,
        limit: 1,
        newest_first: true,
    };
    w.store.audit(&q).await.unwrap()[0].id
}

#[track_caller]
fn refused(what: &str, r: &Reply, says: &str) {
    assert!(
        matches!(r.status, StatusCode::UNPROCESSABLE_ENTITY),
        "{what}: {} {}",
        r.status,
        &r.body[..r.body.len().min(2000)]
    );
    assert!(
        r.body.contains(says),
        "{what}: wanted {says:?} in {}",
        &r.body[..r.body.len().min(4000)]
    );
}

/// The API's problem for `field`.
#[track_caller]
fn problem(what: &str, r: &Reply, field: &str, says: &str) {
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{what}: {}",
        &r.body[..r.body.len().min(2000)]
    );
    let json = r.json();
    let found =
        json["problems"].as_array().into_iter().flatten().any(|p| {
            p["field"] == field && p["message"].as_str().is_some_and(|m| m.contains(says))
        });
    assert!(
        found,
        "{what}: wanted {field}: {says:?} in {}",
        &r.body[..r.body.len().min(2000)]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn texts_longer_than_their_limit_are_refused_naming_the_field() {
    let w = world().await;
    let short = "x".repeat(SHORT + 1);
    let long = "y".repeat(LONG + 1);
    let huge = "z".repeat(4_000_000);
    let mut before = last_audit_id(&w).await;
    let admin = w.session(w.admin).await;
    let officer = w.session(w.officer).await;
    let supplier = w.session(w.supplier).await;
    let short_says = |label: &str| format!("{label} must be 300 characters or fewer");
    let long_says = |label: &str| format!("{label} must be 20,000 characters or fewer");

    // ---- pages ----
    let r = w
        .post_form(
            "/orgs/a/tokens",
            &admin,
            &[
                ("name", &short),
                ("role", "viewer"),
                ("supplier", ""),
                ("expires_days", ""),
            ],
        )
        .await;
    refused("token name", &r, &short_says("Name"));
    let email = format!("{}@a.example", "e".repeat(SHORT));
    let r = w
        .post_form(
            "/orgs/a/invitations",
            &admin,
            &[("email", &email), ("role", "viewer"), ("supplier", "")],
        )
        .await;
    refused(
        "invitation email",
        &r,
        "Email address must be 254 characters or fewer",
    );
    let r = w
        .post_raw(
            "/login",
            Some("socval_pre=pre-value"),
            &[
                ("csrf_token", "pre-value"),
                ("email", &email),
                ("password", "whatever it is"),
                ("next", "/"),
            ],
        )
        .await;
    refused(
        "sign-in email",
        &r,
        "Email address must be 254 characters or fewer",
    );

    let p = format!("/orgs/a/procurements/{}", w.procurement_a);
    let r = w
        .post_form(
            "/orgs/a/procurements",
            &officer,
            &[
                ("reference", &short),
                ("title", &short),
                ("category", "Works"),
            ],
        )
        .await;
    refused("procurement reference", &r, &short_says("Reference"));
    refused("procurement title", &r, &short_says("Title"));
    let r = w
        .post_form(
            &format!("{p}/award"),
            &officer,
            &[
                ("bid", &w.bid_a.to_string()),
                ("contract_reference", &short),
                ("start", "2026-04-01"),
            ],
        )
        .await;
    refused(
        "award contract reference",
        &r,
        &short_says("Contract reference"),
    );
    let r = w
        .post_form(
            &format!("{p}/bids/{}/score", w.bid_a),
            &officer,
            &[
                ("quality_score", "70"),
                ("sv_qualitative_score", "50"),
                ("comment", &long),
            ],
        )
        .await;
    refused("score comment", &r, &long_says("Comment"));
    let r = post_files(
        &w,
        &format!("{p}/bid"),
        &supplier,
        &[
            ("price", "100000"),
            ("quality_reference", &short),
            ("revision", "1"),
        ],
        &[],
    )
    .await;
    refused(
        "bid quality reference",
        &r,
        &short_says("Quality reference"),
    );

    let k = w.contract_1;
    let r = post_files(
        &w,
        &format!("/orgs/a/contracts/{}/returns", k.contract),
        &supplier,
        &[
            ("period", "1-2"),
            ("narrative", &long),
            ("units-OD02", "10"),
        ],
        &[],
    )
    .await;
    refused("return narrative", &r, &long_says("Narrative"));
    let line = format!(
        "/orgs/a/contracts/{}/returns/{}/lines/{}",
        k.contract, k.ret, k.line
    );
    let r = w
        .post_form(
            &line,
            &officer,
            &[("decision", "rejected"), ("comment", &long)],
        )
        .await;
    refused("review comment", &r, &long_says("Comment"));

    // ---- API ----
    let r = post_json(
        &w,
        &format!("/api/v1{line}"),
        &w.token_officer,
        serde_json::json!({"decision": "rejected", "comment": huge}),
    )
    .await;
    problem("API review comment", &r, "comment", &long_says("Comment"));
    let r = post_json(
        &w,
        &format!("/api/v1{p}/bids/{}/score", w.bid_a),
        &w.token_officer,
        serde_json::json!({"quality_score": 70, "sv_qualitative_score": 50, "comment": huge}),
    )
    .await;
    problem("API score comment", &r, "comment", &long_says("Comment"));
    let r = post_json(
        &w,
        &format!("/api/v1/orgs/a/contracts/{}/returns", k.contract),
        &w.token_supplier,
        serde_json::json!({"contract_year": 1, "quarter": 2, "narrative": huge, "lines": [{"measure": "OD02", "units": "1"}]}),
    )
    .await;
    problem(
        "API return narrative",
        &r,
        "narrative",
        &long_says("Narrative"),
    );
    let r = post_json(
        &w,
        "/api/v1/orgs/a/procurements",
        &w.token_officer,
        serde_json::json!({
            "reference": short, "title": short, "category": "Works",
            "estimated_value_gbp": "300000", "framework_id": w.framework_a,
            "valuation_year": "2025/26", "contract_years": 3,
            "measures": ["OD02"], "suppliers": [w.supplier_1],
            "deadline": "2026-03-31T12:00:00Z"
        }),
    )
    .await;
    problem(
        "API procurement reference",
        &r,
        "reference",
        &short_says("Reference"),
    );
    problem("API procurement title", &r, "title", &short_says("Title"));
    let r = post_json(
        &w,
        &format!("/api/v1{p}/award"),
        &w.token_officer,
        serde_json::json!({"bid_id": w.bid_a, "contract_reference": short, "start": "2026-04-01"}),
    )
    .await;
    problem(
        "API award reference",
        &r,
        "contract_reference",
        &short_says("Contract reference"),
    );

    let r = post_json(
        &w,
        &format!("/api/v1{p}/bids/{}", w.bid_a),
        &w.token_supplier,
        serde_json::json!({"price_gbp": "100000", "quality_reference": short}),
    )
    .await;
    problem(
        "API bid quality reference",
        &r,
        "quality_reference",
        &short_says("Quality reference"),
    );

    let r = post_json(
        &w,
        "/api/v1/orgs/a/frameworks",
        &w.token_officer,
        serde_json::json!({"format": "csv", "source": "theme,outcome\n", "name": "local", "edition": short}),
    )
    .await;
    problem(
        "API framework edition",
        &r,
        "edition",
        &short_says("Edition"),
    );

    // Small purchases keep their own, stricter limits.
    let r = w
        .post_form(
            "/orgs/a/purchases",
            &officer,
            &[
                ("reference", &"r".repeat(51)),
                ("description", &"d".repeat(501)),
                ("justification", &"j".repeat(1001)),
                ("supplier_1", &"s".repeat(201)),
            ],
        )
        .await;
    refused(
        "purchase reference",
        &r,
        "Reference must be 50 characters or fewer",
    );
    refused(
        "purchase description",
        &r,
        "Description must be 500 characters or fewer",
    );
    refused(
        "purchase justification",
        &r,
        "Justification must be 1,000 characters or fewer",
    );
    refused(
        "purchase supplier",
        &r,
        "Quote 1: supplier must be 200 characters or fewer",
    );
    assert_eq!(last_audit_id(&w).await, before, "nothing was changed");
    let r = post_json(
        &w,
        "/api/v1/orgs/a/purchases",
        &w.token_officer,
        serde_json::json!({"reference": "SP-LONG", "description": huge, "value_gbp": "100", "purchase_date": "2026-01-02",
                           "quotes": [{"supplier": "A Ltd", "amount": "100", "location": "local"}]}),
    )
    .await;
    problem(
        "API purchase description",
        &r,
        "description",
        "Description must be 500 characters or fewer",
    );

    // Accepting an invitation: the name.
    let (link, _, pre) =
        crate::support::open_invitation(&w, &admin, "nia@a.example", "viewer").await;
    before = last_audit_id(&w).await;
    let r = w
        .post_raw(
            &link,
            Some(&format!("socval_pre={pre}")),
            &[
                ("csrf_token", &pre),
                ("name", &short),
                ("password", "tulip engine marmalade"),
                ("confirm_password", "tulip engine marmalade"),
            ],
        )
        .await;
    refused("invitation name", &r, &short_says("Name"));

    assert_eq!(last_audit_id(&w).await, before, "nothing was changed");
}

/// Issue 12: a 5,000-character evidence file name is refused for its
/// length, not as a file of the wrong type.
#[tokio::test(flavor = "multi_thread")]
async fn an_evidence_file_name_too_long_says_so() {
    let w = world().await;
    let supplier = w.session(w.supplier).await;
    let k = w.contract_1;
    let name = format!("{}.pdf", "n".repeat(4996));
    let pdf: &[u8] = crate::support::EVIDENCE_PDF;
    let says = "file name must be 255 bytes or fewer";
    let r = post_files(
        &w,
        &format!("/orgs/a/contracts/{}/returns", k.contract),
        &supplier,
        &[
            ("period", "1-2"),
            ("narrative", "Done"),
            ("units-OD02", "10"),
        ],
        &[("evidence", &name, pdf)],
    )
    .await;
    refused("return evidence", &r, says);
    assert!(!r.body.contains("not a file type accepted"), "{}", r.body);
    use base64::Engine as _;
    let content = base64::engine::general_purpose::STANDARD.encode(pdf);
    let r = post_json(
        &w,
        &format!("/api/v1/orgs/a/contracts/{}/returns", k.contract),
        &w.token_supplier,
        serde_json::json!({"contract_year": 1, "quarter": 2, "lines": [{"measure": "OD02", "units": "1"}],
                           "evidence": [{"filename": name, "content_base64": content}]}),
    )
    .await;
    problem("API return evidence", &r, "evidence[0]", says);
    let r = post_json(
        &w,
        &format!(
            "/api/v1/orgs/a/procurements/{}/bids/{}",
            w.procurement_a, w.bid_a
        ),
        &w.token_supplier,
        serde_json::json!({"price_gbp": "100000", "quality_reference": "Q-1",
                           "document": {"filename": name, "content_base64": content}}),
    )
    .await;
    problem("API bid document", &r, "document", says);
}
