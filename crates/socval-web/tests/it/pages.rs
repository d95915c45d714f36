//! Security headers, CSRF refusals, forms with bad input, the audit log,
//! API tokens, the API and its OpenAPI document, and page structure
//! snapshots.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::support::{Reply, World, redact, world};

fn assert_security_headers(r: &Reply, what: &str) {
    let h = |name: &str| {
        r.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let csp = h("content-security-policy");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    assert!(
        !csp.contains("unsafe-inline"),
        "{what}: no inline scripts or styles"
    );
    assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(h("x-frame-options"), "DENY", "{what}");
    assert_eq!(h("referrer-policy"), "same-origin", "{what}");
}

#[tokio::test]
async fn every_kind_of_answer_carries_the_security_headers() {
    let w = world().await;
    let admin = w.session(w.admin).await;
    for (what, r) in [
        ("login page", w.get("/login", None).await),
        ("signed-in page", w.get("/orgs/a/audit", Some(&admin)).await),
        ("redirect", w.get("/orgs/a", None).await),
        ("404", w.get("/nowhere", None).await),
        (
            "403",
            w.get("/orgs/a/audit", Some(&w.session(w.viewer).await))
                .await,
        ),
        ("API", w.get_bearer("/api/v1/me", &w.token_admin).await),
        ("health", w.get("/healthz", None).await),
    ] {
        assert_security_headers(&r, what);
        if what != "health" {
            assert_eq!(
                r.headers.get(header::CACHE_CONTROL).unwrap(),
                "no-store",
                "{what}"
            );
        }
    }
    let css = w.get(socval_web::css_path(), None).await;
    css.assert_status(StatusCode::OK);
    assert_eq!(
        css.headers.get(header::CACHE_CONTROL).unwrap(),
        "public, max-age=31536000, immutable"
    );
    assert!(css.body.contains("#ffdd00"), "the GOV.UK focus colour");
    let health = w.get("/healthz", None).await;
    health.assert_status(StatusCode::OK);
    assert_eq!(health.json()["status"], "ok");
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused_and_change_nothing() {
    let w = world().await;
    let admin = w.session(w.admin).await;
    let other = w.session(w.officer).await;
    let fields = [
        ("name", "finance export"),
        ("role", "viewer"),
        ("supplier", ""),
        ("expires_days", ""),
    ];
    let before = w.store.api_tokens(w.org_a).await.unwrap().len();
    let with = |token: String| {
        let mut f = vec![("csrf_token".to_owned(), token)];
        f.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        f
    };
    for (what, form) in [
        (
            "no token",
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
        ),
        ("garbage", with("garbage".into())),
        ("another session's token", with(other.csrf())),
        ("empty", with(String::new())),
    ] {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = w
            .post_raw("/orgs/a/tokens", Some(&admin.cookie), &pairs)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}");
        assert!(r.body.contains("The form has expired"), "{what}");
    }
    // A header token works for API clients using the session.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/orgs/a/frameworks")
        .header(header::COOKIE, &admin.cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"format":"toml","source":"x"}"#))
        .unwrap();
    assert_eq!(
        w.send(req).await.status,
        StatusCode::FORBIDDEN,
        "API with cookie and no X-CSRF-Token"
    );
    // Sign-out needs the token too (no forced logout from other sites).
    assert_eq!(
        w.post_raw("/logout", Some(&admin.cookie), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    // The login form's double-submit cookie must match.
    let r = w
        .post_raw(
            "/login",
            Some("socval_pre=one"),
            &[("csrf_token", "two"), ("email", "a@b.c"), ("password", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .post_raw(
            "/login",
            None,
            &[("csrf_token", ""), ("email", "a@b.c"), ("password", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.store.api_tokens(w.org_a).await.unwrap().len(),
        before,
        "nothing was created"
    );
    // With the token it works.
    w.post_form("/orgs/a/tokens", &admin, &fields)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(w.store.api_tokens(w.org_a).await.unwrap().len(), before + 1);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let w = world().await;
    let admin = w.session(w.admin).await;
    let big = "x".repeat(100 * 1024);
    let r = w
        .post_form("/orgs/a/tokens", &admin, &[("name", &big)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn api_tokens_are_shown_once_listed_and_revoked() {
    let w = world().await;
    let admin = w.session(w.admin).await;
    let r = w
        .post_form(
            "/orgs/a/tokens",
            &admin,
            &[
                ("name", "finance export"),
                ("role", "nonsense"),
                ("supplier", ""),
                ("expires_days", "abc"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Select a role") && r.body.contains("Enter a whole number of days"));
    assert!(
        r.body.contains("value=\"finance export\""),
        "what was typed is kept"
    );
    assert!(r.body.contains("value=\"abc\""));
    let r = w
        .post_form(
            "/orgs/a/tokens",
            &admin,
            &[
                ("name", "finance export"),
                ("role", "viewer"),
                ("supplier", ""),
                ("expires_days", "30"),
            ],
        )
        .await;
    r.assert_status(StatusCode::OK);
    let at = r.body.find("<code id=\"new-token\">").unwrap() + "<code id=\"new-token\">".len();
    let secret = r.body[at..].split('<').next().unwrap().to_owned();
    assert!(secret.starts_with("svt_"), "{secret}");
    let me = w.get_bearer("/api/v1/me", &secret).await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.json()["token"]["role"], "viewer");
    let list = w.get("/orgs/a/tokens", Some(&admin)).await;
    assert!(list.body.contains("finance export"));
    assert!(
        !list.body.contains(&secret),
        "the secret is shown only once"
    );
    let id = w
        .store
        .api_tokens(w.org_a)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "finance export")
        .unwrap()
        .id;
    let r = w
        .post_form(&format!("/orgs/a/tokens/{id}/revoke"), &admin, &[])
        .await;
    assert_eq!(r.location(), "/orgs/a/tokens");
    assert_eq!(
        w.get_bearer("/api/v1/me", &secret).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A token of another organisation cannot be revoked through this one.
    let r = w
        .post_form(&format!("/orgs/a/tokens/{}/revoke", w.token_b), &admin, &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        w.store.api_tokens(w.org_b).await.unwrap()[0]
            .revoked_at
            .is_none()
    );
}

#[tokio::test]
async fn the_audit_log_pages_filters_and_exports() {
    let w = world().await;
    let cli = socval_store::Actor::system("test");
    for i in 0..60 {
        let new = socval_store::NewSupplier {
            org_id: w.org_a,
            name: format!("Supplier {i:02}"),
            company_number: None,
            postcode: None,
        };
        w.store
            .create_supplier(&cli, w.clock_now(), &new)
            .await
            .unwrap();
    }
    let admin = w.session(w.admin).await;
    let first = w.get("/orgs/a/audit", Some(&admin)).await;
    first.assert_status(StatusCode::OK);
    assert!(first.body.contains("Supplier 59"), "newest first");
    assert!(
        !first.body.contains("Beta NHS Trust"),
        "only this organisation's rows"
    );
    let at = first
        .body
        .find("rel=\"next\"")
        .map(|_| first.body.find("/orgs/a/audit?before=").unwrap())
        .expect("a next page");
    let next: String = first.body[at..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let second = w.get(&next, Some(&admin)).await;
    assert!(second.body.contains("Supplier 00") && !second.body.contains("Supplier 59"));
    let filtered = w
        .get("/orgs/a/audit?entity=framework&action=create", Some(&admin))
        .await;
    assert!(filtered.body.contains("framework"));
    assert!(!filtered.body.contains("Supplier 01"));
    let csv = w.get("/orgs/a/audit.csv", Some(&admin)).await;
    csv.assert_status(StatusCode::OK);
    assert_eq!(
        csv.headers.get(header::CONTENT_TYPE).unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        csv.body
            .starts_with("id,at,actor,action,entity_type,entity_id,before,after\n")
    );
    assert!(
        csv.body.lines().count() > 60,
        "{}",
        csv.body.lines().count()
    );
    let api = w
        .get_bearer("/api/v1/orgs/a/audit?limit=10", &w.token_admin)
        .await;
    api.assert_status(StatusCode::OK);
    assert_eq!(api.json()["entries"].as_array().unwrap().len(), 10);
    assert!(api.json()["next_before"].is_i64());
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_route() {
    let w = world().await;
    let r = w.get("/api/v1/openapi.json", None).await;
    r.assert_status(StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for route in socval_web::ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
    {
        let op = &doc["paths"][route.path][route.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} is not in the OpenAPI document",
            route.method,
            route.path
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn suppliers_see_only_their_own_company() {
    let w = world().await;
    let s = w.session(w.supplier).await;
    let own = w
        .get(&format!("/orgs/a/suppliers/{}", w.supplier_1), Some(&s))
        .await;
    own.assert_status(StatusCode::OK);
    assert!(own.body.contains("Acme Builders Ltd"));
    assert_eq!(
        w.get(&format!("/orgs/a/suppliers/{}", w.supplier_2), Some(&s))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.get("/orgs/a/suppliers", Some(&s)).await.status,
        StatusCode::FORBIDDEN
    );
    let overview = w.get("/orgs/a", Some(&s)).await;
    assert!(
        !overview.body.contains("/frameworks"),
        "no staff links for suppliers"
    );
    let api = w
        .get_bearer(
            &format!("/api/v1/orgs/a/suppliers/{}", w.supplier_2),
            &w.token_supplier,
        )
        .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.json()["error"], "page not found");
}

#[tokio::test]
async fn page_structure() {
    let w = world().await;
    let admin = w.session(w.admin).await;
    insta::assert_snapshot!("login", redact(&w.get("/login", None).await.body));
    insta::assert_snapshot!("home", redact(&w.get("/", Some(&admin)).await.body));
    insta::assert_snapshot!("org", redact(&w.get("/orgs/a", Some(&admin)).await.body));
    insta::assert_snapshot!(
        "members",
        redact(&w.get("/orgs/a/members", Some(&admin)).await.body)
    );
    let fw = w
        .get(
            &format!("/orgs/a/frameworks/{}?year=2024/25", w.framework_a),
            Some(&admin),
        )
        .await;
    insta::assert_snapshot!("framework", redact(&fw.body));
    let bad = w
        .post_form(
            "/account/password",
            &admin,
            &[
                ("current_password", ""),
                ("new_password", ""),
                ("confirm_password", ""),
            ],
        )
        .await;
    insta::assert_snapshot!("password_errors", redact(&bad.body));
}

/// A path of the route table with real ids of the fixture: organisation
/// `a`, its first supplier company, framework and token, a fresh
/// invitation; any other parameter is `1`. Returns the path and whether
/// every parameter was one of those known here.
async fn concrete(w: &crate::support::World, pattern: &str) -> (String, bool) {
    let mut out = String::new();
    let mut known = true;
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("closing brace");
        let value = match (&rest[open + 1..close], out.as_str()) {
            ("org", _) => "a".to_owned(),
            ("supplier", _) => w.supplier_1.to_string(),
            ("framework", _) => w.framework_a.to_string(),
            ("token", "/invitations/") => {
                let (_, token) = w
                    .store
                    .create_invitation(
                        &socval_store::Actor::system("test"),
                        w.clock_now(),
                        &socval_store::NewInvitation {
                            org_id: w.org_a,
                            email: "csrf.check@a.example".into(),
                            role: socval_store::Role::Viewer,
                            supplier_id: None,
                            expires_at: w.clock_now() + time::Duration::days(1),
                        },
                    )
                    .await
                    .unwrap();
                token
            }
            ("token", _) => w.token_a.to_string(),
            ("member", _) => w.viewer.to_string(),
            ("file", _) => "x".to_owned(),
            _ => {
                known = false;
                "1".to_owned()
            }
        };
        out.push_str(&value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    (out, known)
}

fn is_csrf_refusal(r: &Reply) -> bool {
    r.status == StatusCode::FORBIDDEN && r.body.to_lowercase().contains("the form has expired")
}

/// CSRF protection on every form: every POST route in the portal's table
/// (routes added later included), sent by signed-in users of every role
/// without a token, with a made-up one, or with another session's, is
/// refused ("The form has expired") and changes nothing: no audit row, no
/// session ended.
pub async fn every_post_route_refuses_requests_without_a_valid_csrf_token(w: World) {
    let callers = [
        w.session(w.admin).await,
        w.session(w.officer).await,
        w.session(w.viewer).await,
        w.session(w.supplier).await,
    ];
    let stranger = w.session(w._admin_b).await;
    let mut paths = Vec::new();
    for route in socval_web::ROUTES.iter().filter(|r| r.method == "POST") {
        paths.push(concrete(&w, route.path).await);
    }
    let audit_before = w.store.audit_count(None).await.unwrap();
    let mut checked = Vec::new();
    for (path, known) in paths {
        let mut refused_for_csrf = false;
        for s in &callers {
            for token in [None, Some("garbage".to_owned()), Some(stranger.csrf())] {
                let mut fields = vec![("name", "x"), ("email", "x@a.example")];
                if let Some(t) = &token {
                    fields.push(("csrf_token", t));
                }
                let r = w.post_raw(&path, Some(&s.cookie), &fields).await;
                assert!(
                    !(r.status.is_success() || r.status.is_redirection()),
                    "POST {path} with CSRF token {token:?} was accepted: {}",
                    r.status
                );
                refused_for_csrf |= is_csrf_refusal(&r);
            }
        }
        assert!(
            refused_for_csrf || !known,
            "POST {path}: no caller got the CSRF refusal"
        );
        checked.push(path);
    }
    assert!(checked.len() >= 8, "{checked:?}");
    assert_eq!(
        w.store.audit_count(None).await.unwrap(),
        audit_before,
        "nothing changed"
    );
    for s in &callers {
        w.get("/account", Some(s))
            .await
            .assert_status(StatusCode::OK);
    }
    // The control: with the session's own token the guard lets the same
    // requests through to the handlers (which may still refuse the form).
    for path in ["/orgs/a/tokens", "/orgs/a/invitations", "/account/password"] {
        let admin = w.session(w.admin).await;
        let r = w.post_form(path, &admin, &[("name", "x")]).await;
        assert!(
            !is_csrf_refusal(&r),
            "POST {path} with its token: {}",
            r.status
        );
    }
}

crate::on_sqlite!(every_post_route_refuses_requests_without_a_valid_csrf_token,);
