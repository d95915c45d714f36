//! The authorization matrix: every route × every kind of caller × own
//! organisation or another × own supplier company or another: allowed or
//! refused, as the rules say. The rules here are written independently of
//! the portal's route table; the first test fails if the two list
//! different routes, so a new route cannot skip the matrix.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::support::{Session, World, world};

/// Who may use a route, as the issue's rules say.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Anyone, signed in or not.
    Anyone,
    /// Anyone signed in.
    SignedIn,
    /// Staff of the organisation with at least this rank (3 admin, 2
    /// officer, 1 viewer); suppliers never.
    Staff(u8),
    /// Any member of the organisation.
    Member,
    /// The organisation's staff, or the supplier company's own users.
    SupplierOwn,
    /// Only the supplier company's own users and tokens (staff: 403).
    SupplierOnly,
}

use Rule::*;

const ADMIN: Rule = Staff(3);
const OFFICER: Rule = Staff(2);
const VIEWER: Rule = Staff(1);

const MATRIX: &[(&str, &str, Rule)] = &[
    ("GET", "/healthz", Anyone),
    ("GET", "/static/{file}", Anyone),
    ("GET", "/login", Anyone),
    ("POST", "/login", Anyone),
    ("POST", "/logout", SignedIn),
    ("POST", "/logout-everywhere", SignedIn),
    ("GET", "/account", SignedIn),
    ("GET", "/account/password", SignedIn),
    ("POST", "/account/password", SignedIn),
    ("GET", "/invitations/{token}", Anyone),
    ("POST", "/invitations/{token}", Anyone),
    ("GET", "/", SignedIn),
    ("GET", "/orgs/{org}", Member),
    ("GET", "/orgs/{org}/members", ADMIN),
    ("POST", "/orgs/{org}/invitations", ADMIN),
    // {member}: the signed-in admin themselves (the handlers refuse to
    // change one's own role or account, so the matrix changes nothing) or
    // a member of the other organisation only.
    ("GET", "/orgs/{org}/members/{member}", ADMIN),
    ("POST", "/orgs/{org}/members/{member}/role", ADMIN),
    ("POST", "/orgs/{org}/members/{member}/remove", ADMIN),
    ("POST", "/orgs/{org}/members/{member}/disable", ADMIN),
    ("POST", "/orgs/{org}/members/{member}/enable", ADMIN),
    ("GET", "/orgs/{org}/audit", ADMIN),
    ("GET", "/orgs/{org}/audit.csv", ADMIN),
    ("GET", "/orgs/{org}/tokens", ADMIN),
    ("POST", "/orgs/{org}/tokens", ADMIN),
    ("POST", "/orgs/{org}/tokens/{token}/revoke", ADMIN),
    ("GET", "/orgs/{org}/suppliers", VIEWER),
    ("GET", "/orgs/{org}/suppliers/{supplier}", SupplierOwn),
    ("GET", "/orgs/{org}/frameworks", VIEWER),
    ("POST", "/orgs/{org}/frameworks", OFFICER),
    ("GET", "/orgs/{org}/frameworks/{framework}", VIEWER),
    ("GET", "/api/v1/openapi.json", Anyone),
    ("GET", "/api/v1/me", SignedIn),
    ("GET", "/api/v1/orgs", SignedIn),
    ("GET", "/api/v1/orgs/{org}/frameworks", VIEWER),
    ("POST", "/api/v1/orgs/{org}/frameworks", OFFICER),
    ("GET", "/api/v1/orgs/{org}/frameworks/{framework}", VIEWER),
    (
        "GET",
        "/api/v1/orgs/{org}/suppliers/{supplier}",
        SupplierOwn,
    ),
    ("GET", "/api/v1/orgs/{org}/audit", ADMIN),
    // small purchases
    ("GET", "/orgs/{org}/purchases", VIEWER),
    ("POST", "/orgs/{org}/purchases", OFFICER),
    ("GET", "/orgs/{org}/purchases.csv", VIEWER),
    ("GET", "/orgs/{org}/purchases/new", OFFICER),
    ("GET", "/orgs/{org}/purchases/{purchase}", VIEWER),
    ("POST", "/orgs/{org}/purchases/{purchase}", OFFICER),
    ("GET", "/orgs/{org}/purchases/{purchase}/edit", OFFICER),
    ("GET", "/orgs/{org}/purchase-audits", VIEWER),
    ("POST", "/orgs/{org}/purchase-audits", OFFICER),
    ("GET", "/orgs/{org}/purchase-audits/{audit}", VIEWER),
    ("GET", "/api/v1/orgs/{org}/purchases", VIEWER),
    ("POST", "/api/v1/orgs/{org}/purchases", OFFICER),
    ("GET", "/api/v1/orgs/{org}/purchases/{purchase}", VIEWER),
    ("GET", "/api/v1/orgs/{org}/purchase-audits", VIEWER),
    ("POST", "/api/v1/orgs/{org}/purchase-audits", OFFICER),
    ("GET", "/api/v1/orgs/{org}/purchase-audits/{audit}", VIEWER),
    // contracts and delivery: {contract} is a contract of the supplier
    // user's company, of another company of `a`, or of `b`; {return},
    // {line} and {evidence} belong to that contract.
    ("GET", "/orgs/{org}/contracts", Member),
    ("GET", "/orgs/{org}/contracts/{contract}", SupplierOwn),
    (
        "GET",
        "/orgs/{org}/contracts/{contract}/returns/new",
        SupplierOnly,
    ),
    (
        "POST",
        "/orgs/{org}/contracts/{contract}/returns",
        SupplierOnly,
    ),
    (
        "GET",
        "/orgs/{org}/contracts/{contract}/returns/{return}",
        SupplierOwn,
    ),
    (
        "POST",
        "/orgs/{org}/contracts/{contract}/returns/{return}/lines/{line}",
        OFFICER,
    ),
    (
        "GET",
        "/orgs/{org}/contracts/{contract}/returns/{return}/evidence/{evidence}",
        SupplierOwn,
    ),
    ("GET", "/orgs/{org}/dashboard", VIEWER),
    ("GET", "/orgs/{org}/dashboard.csv", VIEWER),
    // annual report
    ("GET", "/reports/report.css", Anyone),
    ("GET", "/orgs/{org}/reports", VIEWER),
    ("GET", "/orgs/{org}/reports/{year}", VIEWER),
    ("GET", "/orgs/{org}/reports/{year}/records", VIEWER),
    ("GET", "/orgs/{org}/reports/{year}/report.json", VIEWER),
    ("GET", "/orgs/{org}/reports/{year}/report.xlsx", VIEWER),
    ("GET", "/orgs/{org}/at-risk", VIEWER),
    // spend: officers upload payments files (the form is multipart)
    ("GET", "/orgs/{org}/spend", VIEWER),
    ("POST", "/orgs/{org}/spend", OFFICER),
    ("POST", "/orgs/{org}/spend/register", OFFICER),
    ("POST", "/orgs/{org}/spend/overrides", OFFICER),
    ("GET", "/api/v1/orgs/{org}/contracts", Member),
    (
        "GET",
        "/api/v1/orgs/{org}/contracts/{contract}",
        SupplierOwn,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/contracts/{contract}/returns",
        SupplierOwn,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/contracts/{contract}/returns",
        SupplierOnly,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}",
        SupplierOwn,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}/lines/{line}",
        OFFICER,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}/evidence/{evidence}",
        SupplierOwn,
    ),
    ("GET", "/api/v1/orgs/{org}/dashboard", VIEWER),
    ("GET", "/api/v1/orgs/{org}/at-risk", VIEWER),
    // procurements and bids
    ("GET", "/orgs/{org}/procurements", Member),
    ("POST", "/orgs/{org}/procurements", OFFICER),
    ("GET", "/orgs/{org}/procurements/new", OFFICER),
    ("GET", "/orgs/{org}/procurements/{procurement}", Member),
    ("POST", "/orgs/{org}/procurements/{procurement}", OFFICER),
    (
        "GET",
        "/orgs/{org}/procurements/{procurement}/edit",
        OFFICER,
    ),
    (
        "POST",
        "/orgs/{org}/procurements/{procurement}/publish",
        OFFICER,
    ),
    (
        "POST",
        "/orgs/{org}/procurements/{procurement}/open",
        OFFICER,
    ),
    (
        "POST",
        "/orgs/{org}/procurements/{procurement}/cancel",
        OFFICER,
    ),
    (
        "POST",
        "/orgs/{org}/procurements/{procurement}/evaluation",
        OFFICER,
    ),
    (
        "POST",
        "/orgs/{org}/procurements/{procurement}/award",
        OFFICER,
    ),
    (
        "POST",
        "/orgs/{org}/procurements/{procurement}/bid",
        SupplierOnly,
    ),
    (
        "POST",
        "/orgs/{org}/procurements/{procurement}/bids/{bid}/score",
        OFFICER,
    ),
    (
        "GET",
        "/orgs/{org}/procurements/{procurement}/bids/{bid}/document",
        Member,
    ),
    ("GET", "/api/v1/orgs/{org}/procurements", Member),
    ("POST", "/api/v1/orgs/{org}/procurements", OFFICER),
    (
        "GET",
        "/api/v1/orgs/{org}/procurements/{procurement}",
        Member,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/publish",
        OFFICER,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/open",
        OFFICER,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/cancel",
        OFFICER,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/procurements/{procurement}/bids",
        Member,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/bids",
        SupplierOnly,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/bids/{bid}",
        SupplierOnly,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/bids/{bid}/score",
        OFFICER,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/procurements/{procurement}/evaluation",
        VIEWER,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/evaluation",
        OFFICER,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/award",
        OFFICER,
    ),
];

#[test]
fn the_matrix_covers_every_route_of_the_portal() {
    let portal: BTreeSet<(&str, &str)> = socval_web::ROUTES
        .iter()
        .map(|r| (r.method, r.path))
        .collect();
    let matrix: BTreeSet<(&str, &str)> = MATRIX.iter().map(|(m, p, _)| (*m, *p)).collect();
    let missing: Vec<_> = portal.difference(&matrix).collect();
    let extra: Vec<_> = matrix.difference(&portal).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the authorization matrix: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "matrix rows for routes the portal does not have: {extra:?}"
    );
}

/// A caller; every signed-in one belongs to organisation `a` only.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    /// A browser session of a user with this role.
    User(u8),
    SupplierUser,
    /// An API token of `a` with this role.
    Token(u8),
    SupplierToken,
}

const CALLERS: &[Who] = &[
    Who::Anonymous,
    Who::User(3),
    Who::User(2),
    Who::User(1),
    Who::SupplierUser,
    Who::Token(3),
    Who::Token(2),
    Who::Token(1),
    Who::SupplierToken,
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Allowed,
    /// Pages: 303 to the sign-in page; API: 401.
    SignIn,
    Forbidden,
    NotFound,
}

/// The objects a path names: own organisation or another, and the
/// objects in it.
#[derive(Clone, Copy, Debug)]
struct Variant {
    own_org: bool,
    /// 0: the supplier user's own company; 1: another company of `a`;
    /// 2: a company of `b`.
    supplier: u8,
    /// The framework or token in the path belongs to the organisation in
    /// the path.
    own_object: bool,
}

fn expected(rule: Rule, who: Who, api: bool, v: Variant) -> Outcome {
    if let Anyone = rule {
        return Outcome::Allowed;
    }
    // Tokens work on the API only; elsewhere the caller is anonymous.
    let who = match who {
        Who::Token(_) | Who::SupplierToken if !api => Who::Anonymous,
        w => w,
    };
    let (rank, supplier) = match who {
        Who::Anonymous => return Outcome::SignIn,
        Who::User(r) | Who::Token(r) => (Some(r), false),
        Who::SupplierUser | Who::SupplierToken => (None, true),
    };
    if let SignedIn = rule {
        return Outcome::Allowed;
    }
    if !v.own_org {
        return Outcome::NotFound;
    }
    match rule {
        Staff(min) if rank.is_none_or(|r| r < min) => return Outcome::Forbidden,
        SupplierOwn | SupplierOnly if v.supplier == 2 || (supplier && v.supplier != 0) => {
            return Outcome::NotFound;
        }
        SupplierOnly if !supplier => return Outcome::Forbidden,
        _ => {}
    }
    if !v.own_object {
        return Outcome::NotFound;
    }
    Outcome::Allowed
}

fn variants(path: &str) -> Vec<Variant> {
    let mut out = Vec::new();
    let orgs: &[bool] = if path.contains("{org}") {
        &[true, false]
    } else {
        &[true]
    };
    for &own_org in orgs {
        if path.contains("{contract}") {
            for supplier in 0..3 {
                out.push(Variant {
                    own_org,
                    supplier,
                    own_object: supplier != 2,
                });
            }
        } else if path.contains("{supplier}") {
            for supplier in 0..3 {
                out.push(Variant {
                    own_org,
                    supplier,
                    own_object: true,
                });
            }
        } else if path.contains("{procurement}")
            || path.contains("{framework}")
            || path.contains("{token}/revoke")
            || path.contains("{purchase}")
            || path.contains("{audit}")
            || path.contains("{member}")
        {
            for own_object in [true, false] {
                out.push(Variant {
                    own_org,
                    supplier: 0,
                    own_object,
                });
            }
        } else {
            out.push(Variant {
                own_org,
                supplier: 0,
                own_object: true,
            });
        }
    }
    out
}

async fn concrete_path(w: &World, path: &str, v: Variant) -> String {
    let org_id = if v.own_org { w.org_a } else { w.org_b };
    let (own_fw, other_fw) = if v.own_org {
        (w.framework_a, w.framework_b)
    } else {
        (w.framework_b, w.framework_a)
    };
    let (own_tok, other_tok) = if v.own_org {
        (w.token_a, w.token_b)
    } else {
        (w.token_b, w.token_a)
    };
    let supplier = [w.supplier_1, w.supplier_2, w.supplier_b][v.supplier as usize];
    let mut p = path.replace("{org}", if org_id == w.org_a { "a" } else { "b" });
    p = p.replace(
        "{framework}",
        &(if v.own_object { own_fw } else { other_fw }).to_string(),
    );
    p = p.replace(
        "{token}/revoke",
        &format!("{}/revoke", if v.own_object { own_tok } else { other_tok }),
    );
    p = p.replace("{supplier}", &supplier.to_string());
    let (own_proc, other_proc, own_bid, other_bid) = if v.own_org {
        (w.procurement_a, w.procurement_b, w.bid_a, w.bid_b)
    } else {
        (w.procurement_b, w.procurement_a, w.bid_b, w.bid_a)
    };
    p = p.replace(
        "{procurement}",
        &(if v.own_object { own_proc } else { other_proc }).to_string(),
    );
    p = p.replace(
        "{bid}",
        &(if v.own_object { own_bid } else { other_bid }).to_string(),
    );
    let delivery = [w.contract_1, w.contract_2, w.contract_b][v.supplier as usize];
    p = p
        .replace("{contract}", &delivery.contract.to_string())
        .replace("{return}", &delivery.ret.to_string())
        .replace("{line}", &delivery.line.to_string())
        .replace("{evidence}", &delivery.evidence.to_string());
    p = p.replace("{year}", "2025-26");
    let (own_member, other_member) = if v.own_org {
        (w.admin, w._admin_b)
    } else {
        (w._admin_b, w.admin)
    };
    p = p.replace(
        "{member}",
        &(if v.own_object {
            own_member
        } else {
            other_member
        })
        .to_string(),
    );
    let (own_purchase, other_purchase) = if v.own_org {
        (w.purchase_a, w.purchase_b)
    } else {
        (w.purchase_b, w.purchase_a)
    };
    p = p.replace(
        "{purchase}",
        &(if v.own_object {
            own_purchase
        } else {
            other_purchase
        })
        .to_string(),
    );
    let (own_audit, other_audit) = if v.own_org {
        (w.purchase_audit_a, w.purchase_audit_b)
    } else {
        (w.purchase_audit_b, w.purchase_audit_a)
    };
    p = p.replace(
        "{audit}",
        &(if v.own_object { own_audit } else { other_audit }).to_string(),
    );
    if p.contains("{file}") {
        p = p.replace("/static/{file}", socval_web::css_path());
    }
    if p.contains("/invitations/{token}") {
        let (_, token) = w
            .store
            .create_invitation(
                &socval_store::Actor::system("test"),
                w.clock_now(),
                &socval_store::NewInvitation {
                    org_id: w.org_a,
                    email: "new.person@a.example".into(),
                    role: socval_store::Role::Viewer,
                    supplier_id: None,
                    expires_at: w.clock_now() + time::Duration::days(1),
                },
            )
            .await
            .unwrap();
        p = p.replace("{token}", &token);
    }
    p
}

async fn request(
    w: &World,
    method: &str,
    path: &str,
    who: Who,
    public: bool,
) -> crate::support::Reply {
    let api = path.starts_with("/api/");
    let session: Option<Session> = match who {
        Who::User(3) => Some(w.session(w.admin).await),
        Who::User(2) => Some(w.session(w.officer).await),
        Who::User(_) => Some(w.session(w.viewer).await),
        Who::SupplierUser => Some(w.session(w.supplier).await),
        _ => None,
    };
    let token = match who {
        Who::Token(3) => Some(w.token_admin.clone()),
        Who::Token(2) => Some(w.token_officer.clone()),
        Who::Token(_) => Some(w.token_viewer.clone()),
        Who::SupplierToken => Some(w.token_supplier.clone()),
        _ => None,
    };
    let mut b = Request::builder().method(method).uri(path);
    let mut cookies = vec!["socval_pre=pre-value".to_owned()];
    if let Some(s) = &session {
        cookies.push(s.cookie.clone());
    }
    b = b.header(header::COOKIE, cookies.join("; "));
    if let Some(t) = &token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    // A valid CSRF token for whoever asks, so that only authorization
    // decides (CSRF has its own tests).
    // Public forms (sign in, invitations) use the double-submit cookie.
    let csrf = match &session {
        Some(s) if !public => s.csrf(),
        _ => "pre-value".to_owned(),
    };
    let body = if method == "GET" {
        Body::empty()
    } else if api {
        b = b
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", &csrf);
        Body::from(r#"{"format":"toml","source":""}"#)
    } else if path.ends_with("/frameworks")
        || path.ends_with("/spend")
        || path.ends_with("/spend/register")
        || path.ends_with("/spend/overrides")
    {
        let boundary = "B0undary";
        b = b.header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        Body::from(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n--{boundary}--\r\n"
        ))
    } else {
        b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        Body::from(format!(
            "csrf_token={}",
            csrf.replace('=', "%3D").replace('+', "%2B")
        ))
    };
    w.send(b.body(body).unwrap()).await
}

fn outcome_of(api: bool, reply: &crate::support::Reply) -> Outcome {
    match reply.status {
        StatusCode::UNAUTHORIZED if api => Outcome::SignIn,
        StatusCode::SEE_OTHER
            if !api
                && reply.location().starts_with("/login")
                && !reply.location().contains("signed_out") =>
        {
            Outcome::SignIn
        }
        StatusCode::FORBIDDEN => Outcome::Forbidden,
        StatusCode::NOT_FOUND => Outcome::NotFound,
        s if s.is_server_error() => panic!("server error: {}", reply.body),
        _ => Outcome::Allowed,
    }
}

pub async fn every_route_allows_and_refuses_as_the_rules_say(w: World) {
    let mut failures = Vec::new();
    let mut checked = 0;
    for &(method, path, rule) in MATRIX {
        let api = path.starts_with("/api/");
        for v in variants(path) {
            for &who in CALLERS {
                let concrete = concrete_path(&w, path, v).await;
                let want = expected(rule, who, api, v);
                let reply = request(&w, method, &concrete, who, matches!(rule, Anyone)).await;
                let got = outcome_of(api, &reply);
                checked += 1;
                if got != want {
                    failures.push(format!(
                        "{method} {concrete} as {who:?}: want {want:?}, got {got:?} ({})",
                        reply.status
                    ));
                }
            }
        }
    }
    assert!(checked > 400, "only {checked} cases");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn unknown_paths_are_not_found_for_everyone() {
    let w = world().await;
    let admin = w.session(w.admin).await;
    for path in [
        "/nope",
        "/orgs/a/nope",
        "/api/v1/nope",
        "/static/socval-000000000000.css",
    ] {
        assert_eq!(
            w.get(path, None).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(
            w.get(path, Some(&admin)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // A method the route does not have.
    let r = w
        .send(
            Request::builder()
                .method(Method::DELETE)
                .uri("/orgs/a")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

crate::on_sqlite!(every_route_allows_and_refuses_as_the_rules_say,);
