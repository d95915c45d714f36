//! A portal on a temporary SQLite database with two organisations, users
//! of every role, supplier companies, frameworks and tokens; and helpers to
//! send requests through the router without a server.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use socval_store::{
    Actor, FrameworkFormat, NewApiToken, NewFramework, NewMembership, NewOrganisation, NewSupplier,
    NewUser, OrgKind, Role, Store,
};
use socval_web::{AppState, Config, ManualClock};
use time::OffsetDateTime;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";
pub const OPEN_DEFAULT: &str = include_str!("../../../../data/frameworks/open-default.toml");

/// One Argon2 hash for every fixture user: hashing is slow on purpose.
pub fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| socval_store::password::hash(PASSWORD).expect("hash"))
        .clone()
}

pub fn start_time() -> OffsetDateTime {
    time::macros::datetime!(2026-01-15 10:00 UTC)
}

/// The fixture: organisation `a` (the caller's) and `b` (another).
pub struct World {
    pub _dir: tempfile::TempDir,
    /// On PostgreSQL: the test's schema, dropped last.
    pub _pg: Option<crate::postgres::Schema>,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub app: Router,
    pub org_a: i64,
    pub org_b: i64,
    pub admin: i64,
    pub officer: i64,
    pub viewer: i64,
    /// A supplier user of `supplier_1`.
    pub supplier: i64,
    /// An admin of `b` only.
    pub _admin_b: i64,
    /// Supplier companies of `a`.
    pub supplier_1: i64,
    pub supplier_2: i64,
    /// A supplier company of `b`.
    pub supplier_b: i64,
    pub framework_a: i64,
    pub framework_b: i64,
    /// An open procurement of `a` (deadline passed) inviting `supplier_1`,
    /// with its bid; and the same in `b`.
    pub procurement_a: i64,
    pub procurement_b: i64,
    pub bid_a: i64,
    pub bid_b: i64,
    /// Tokens the matrix may revoke.
    pub token_a: i64,
    pub token_b: i64,
    /// Token secrets of `a` by role.
    pub token_admin: String,
    pub token_officer: String,
    pub token_viewer: String,
    pub token_supplier: String,
    /// A small purchase and a recorded audit of `a`, and of `b`.
    pub purchase_a: i64,
    pub purchase_b: i64,
    pub purchase_audit_a: i64,
    pub purchase_audit_b: i64,
    /// Contracts (with one delivery return each, with a line and an
    /// evidence file): of `supplier_1` and `supplier_2` in `a`, and of
    /// `supplier_b` in `b`.
    pub contract_1: Delivery,
    pub contract_2: Delivery,
    pub contract_b: Delivery,
}

/// A contract with a return, its first line and its evidence file.
#[derive(Clone, Copy, Debug)]
pub struct Delivery {
    pub contract: i64,
    pub ret: i64,
    pub line: i64,
    pub evidence: i64,
}

/// A fixture PDF (its content is what matters to the evidence check).
pub const EVIDENCE_PDF: &[u8] = b"%PDF-1.4\n% timesheets for Y1 Q1\n";

/// A two-year contract from 2025-04-01 committing 4,000 Real Living Wage
/// hours (OD02) and £2,000 of donations (OD06) in year 1, with a return
/// for Y1 Q1 (OD02 900 hours, OD06 500, both pending) and its evidence.
pub async fn delivery_fixture(
    store: &dyn Store,
    data_dir: &std::path::Path,
    org_id: i64,
    supplier_id: i64,
    framework_id: i64,
    reference: &str,
    now: OffsetDateTime,
) -> Delivery {
    use socval_store::delivery::evidence::EvidenceDir;
    use socval_store::delivery::{NewEvidence, NewLine, NewReturn};
    use socval_store::procurement::{ContractCommitment, Evidence, NewContract};
    let cli = Actor::system("test");
    let d = |s: &str| s.parse::<socval_core::Decimal>().unwrap();
    let k = store
        .create_contract(
            &cli,
            now,
            &NewContract {
                org_id,
                supplier_id,
                reference: reference.into(),
                title: format!("Depot rebuild {reference}"),
                category: "Places".into(),
                value_pence: 250_000_000,
                start: time::macros::date!(2025 - 04 - 01),
                years: 2,
                framework_id: Some(framework_id),
                valuation_year: "2025/26".into(),
                evidence: Evidence::DeliveryPlan,
                commitments: vec![
                    ContractCommitment {
                        measure: "OD02".into(),
                        contract_year: 1,
                        units: d("4000"),
                        quarters: None,
                    },
                    ContractCommitment {
                        measure: "OD06".into(),
                        contract_year: 1,
                        units: d("2000"),
                        quarters: None,
                    },
                ],
            },
        )
        .await
        .unwrap();
    let stored = EvidenceDir::new(data_dir).put(EVIDENCE_PDF).unwrap();
    let r = store
        .submit_return(
            &cli,
            now,
            &NewReturn {
                contract_id: k.id,
                supplier_id,
                contract_year: 1,
                quarter: 1,
                narrative: "Fixture return".into(),
                lines: vec![
                    NewLine {
                        measure: "OD02".into(),
                        units: d("900"),
                    },
                    NewLine {
                        measure: "OD06".into(),
                        units: d("500"),
                    },
                ],
                evidence: vec![NewEvidence {
                    sha256: stored.sha256,
                    size_bytes: stored.size_bytes,
                    media_type: "application/pdf".into(),
                    filename: "timesheets.pdf".into(),
                }],
            },
        )
        .await
        .unwrap();
    Delivery {
        contract: k.id,
        ret: r.id,
        line: r.lines[0].id,
        evidence: r.evidence[0].id,
    }
}

pub async fn world() -> World {
    world_with(Config::new(None)).await
}

pub async fn world_with(config: Config) -> World {
    world_on(false, config).await
}

/// The same fixture on PostgreSQL (`TEST_DATABASE_URL`), in a schema of
/// its own that is dropped with the world.
pub async fn world_pg() -> World {
    world_on(true, Config::new(None)).await
}

async fn world_on(postgres: bool, mut config: Config) -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, pg) = if postgres {
        let (store, schema) = crate::postgres::store().await;
        (store, Some(schema))
    } else {
        let url = format!("sqlite://{}", dir.path().join("socval.db").display());
        (socval_store::open(&url).await.expect("open store"), None)
    };
    let now = start_time();
    let cli = Actor::system("test");
    let org_a = store
        .create_organisation(
            &cli,
            now,
            &NewOrganisation::new("a", "Alpha Borough Council", OrgKind::Council),
        )
        .await
        .unwrap()
        .id;
    let org_b = store
        .create_organisation(
            &cli,
            now,
            &NewOrganisation::new("b", "Beta NHS Trust", OrgKind::NhsTrust),
        )
        .await
        .unwrap()
        .id;
    let supplier = |org_id, name: &str| NewSupplier {
        org_id,
        name: name.into(),
        company_number: Some("01234567".into()),
        postcode: Some("ZZ1 1AA".into()),
    };
    let supplier_1 = store
        .create_supplier(&cli, now, &supplier(org_a, "Acme Builders Ltd"))
        .await
        .unwrap()
        .id;
    let supplier_2 = store
        .create_supplier(&cli, now, &supplier(org_a, "Other Works Ltd"))
        .await
        .unwrap()
        .id;
    let supplier_b = store
        .create_supplier(&cli, now, &supplier(org_b, "Beta Supplies Ltd"))
        .await
        .unwrap()
        .id;
    let hash = password_hash();
    let user =
        async |email: &str, name: &str, org_id: i64, role: Role, supplier_id: Option<i64>| {
            let u = store
                .create_user(
                    &cli,
                    now,
                    &NewUser {
                        email: email.into(),
                        name: name.into(),
                        password_hash: hash.clone(),
                    },
                )
                .await
                .unwrap();
            store
                .add_membership(
                    &cli,
                    now,
                    &NewMembership {
                        user_id: u.id,
                        org_id,
                        role,
                        supplier_id,
                    },
                )
                .await
                .unwrap();
            u.id
        };
    let admin = user("admin@a.example", "Ada Admin", org_a, Role::Admin, None).await;
    let officer = user(
        "officer@a.example",
        "Olu Officer",
        org_a,
        Role::Officer,
        None,
    )
    .await;
    let viewer = user("viewer@a.example", "Vic Viewer", org_a, Role::Viewer, None).await;
    let supplier_user = user(
        "supplier@acme.example",
        "Sam Supplier",
        org_a,
        Role::Supplier,
        Some(supplier_1),
    )
    .await;
    let admin_b = user("admin@b.example", "Bea Admin", org_b, Role::Admin, None).await;
    let fw = |org_id| NewFramework {
        org_id,
        name: "open-default".into(),
        edition: "2025".into(),
        format: FrameworkFormat::Toml,
        source: OPEN_DEFAULT.into(),
    };
    let framework_a = store
        .create_framework(&cli, now, &fw(org_a))
        .await
        .unwrap()
        .id;
    let framework_b = store
        .create_framework(&cli, now, &fw(org_b))
        .await
        .unwrap()
        .id;
    let token = async |org_id, role, supplier_id| {
        store
            .create_api_token(
                &cli,
                now,
                &NewApiToken {
                    org_id,
                    name: format!("{role} token"),
                    role,
                    supplier_id,
                    expires_at: None,
                },
            )
            .await
            .unwrap()
    };
    let (_, token_admin) = token(org_a, Role::Admin, None).await;
    let (ta, _) = token(org_a, Role::Viewer, None).await;
    let (_, token_officer) = token(org_a, Role::Officer, None).await;
    let (_, token_viewer) = token(org_a, Role::Viewer, None).await;
    let (_, token_supplier) = token(org_a, Role::Supplier, Some(supplier_1)).await;
    let (tb, _) = token(org_b, Role::Admin, None).await;
    let (purchase_a, purchase_audit_a) = small_purchase_and_audit(&*store, org_a, now).await;
    let (purchase_b, purchase_audit_b) = small_purchase_and_audit(&*store, org_b, now).await;
    config.data_dir = dir.path().to_path_buf();
    let contract_1 = delivery_fixture(
        &*store,
        dir.path(),
        org_a,
        supplier_1,
        framework_a,
        "DEP-1",
        now,
    )
    .await;
    let contract_2 = delivery_fixture(
        &*store,
        dir.path(),
        org_a,
        supplier_2,
        framework_a,
        "DEP-2",
        now,
    )
    .await;
    let contract_b = delivery_fixture(
        &*store,
        dir.path(),
        org_b,
        supplier_b,
        framework_b,
        "DEP-B",
        now,
    )
    .await;
    let (procurement_a, bid_a) =
        crate::procurement::seed_procurement(&store, org_a, framework_a, supplier_1).await;
    let (procurement_b, bid_b) =
        crate::procurement::seed_procurement(&store, org_b, framework_b, supplier_b).await;
    let clock = Arc::new(ManualClock::new(now));
    let state = AppState::new(store.clone(), config).with_clock(clock.clone());
    World {
        _dir: dir,
        _pg: pg,
        app: socval_web::router(state),
        store,
        clock,
        org_a,
        org_b,
        admin,
        officer,
        viewer,
        supplier: supplier_user,
        _admin_b: admin_b,
        supplier_1,
        supplier_2,
        supplier_b,
        framework_a,
        framework_b,
        procurement_a,
        procurement_b,
        bid_a,
        bid_b,
        token_a: ta.id,
        token_b: tb.id,
        token_admin,
        token_officer,
        token_viewer,
        token_supplier,
        purchase_a,
        purchase_b,
        purchase_audit_a,
        purchase_audit_b,
        contract_1,
        contract_2,
        contract_b,
    }
}

/// A compliant small purchase (SP-FIXTURE) and an audit of it, straight
/// through the store; returns their ids.
pub async fn small_purchase_and_audit(
    store: &dyn Store,
    org_id: i64,
    now: OffsetDateTime,
) -> (i64, i64) {
    use socval_store::{
        AuditOpinion, NewPurchase, NewPurchaseAudit, PurchaseAuditItem, PurchaseQuote,
        QuoteLocation,
    };
    let cli = Actor::system("test");
    let quote = |supplier: &str, location| PurchaseQuote {
        supplier: supplier.into(),
        postcode: "ZZ1 4AB".into(),
        amount_pence: 480_000,
        location,
    };
    let p = store
        .create_purchase(
            &cli,
            now,
            &NewPurchase {
                org_id,
                reference: "SP-FIXTURE".into(),
                description: "Fixture purchase".into(),
                value_pence: 480_000,
                purchase_date: now.date(),
                justification: String::new(),
                quotes: vec![
                    quote("Local Print Ltd", QuoteLocation::Local),
                    quote("Far Print Ltd", QuoteLocation::Outside),
                ],
            },
        )
        .await
        .unwrap();
    let a = store
        .create_purchase_audit(
            &cli,
            now,
            &NewPurchaseAudit {
                org_id,
                seed: 1,
                sample_size: 1,
                financial_year: String::new(),
                threshold_pence: 2_500_000,
                population: 1,
                compliant: 1,
                compliance_percent: 100.into(),
                opinion: AuditOpinion::Substantial,
                items: vec![PurchaseAuditItem {
                    position: 1,
                    purchase_id: Some(p.id),
                    reference: p.reference.clone(),
                    value_pence: p.value_pence,
                    compliant: true,
                    reasons: vec![],
                }],
            },
        )
        .await
        .unwrap();
    (p.id, a.id)
}

/// A signed-in browser: the session cookie and the CSRF secret.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf_secret: String,
}

impl Session {
    pub fn csrf(&self) -> String {
        socval_web::csrf_token(&self.csrf_secret)
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// `Set-Cookie` values.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    /// The value of cookie `name` set by this reply.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies().iter().find_map(|c| {
            let (pair, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=')?;
            (k == name && !v.is_empty()).then(|| v.to_owned())
        })
    }

    #[track_caller]
    pub fn assert_status(&self, want: StatusCode) -> &Self {
        assert_eq!(
            self.status,
            want,
            "body: {}",
            &self.body[..self.body.len().min(3000)]
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl World {
    /// A fresh session for `user_id`, straight from the store.
    pub async fn session(&self, user_id: i64) -> Session {
        let (s, id) = self
            .store
            .create_session(user_id, self.clock_now(), &Default::default())
            .await
            .unwrap();
        Session {
            cookie: format!("socval_session={id}"),
            csrf_secret: s.csrf_secret,
        }
    }

    pub fn clock_now(&self) -> OffsetDateTime {
        use socval_web::Clock;
        self.clock.now()
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.app.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, session: Option<&Session>) -> Reply {
        let mut b = Request::builder().method(Method::GET).uri(path);
        if let Some(s) = session {
            b = b.header(header::COOKIE, &s.cookie);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub async fn get_cookie(&self, path: &str, cookie: &str) -> Reply {
        let req = Request::builder().uri(path).header(header::COOKIE, cookie);
        self.send(req.body(Body::empty()).unwrap()).await
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> Reply {
        let req = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// Posts a form as a signed-in browser would (with the CSRF token).
    pub async fn post_form(&self, path: &str, session: &Session, fields: &[(&str, &str)]) -> Reply {
        let csrf = session.csrf();
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, Some(&session.cookie), &all).await
    }

    /// Posts a form with exactly these fields and cookie.
    pub async fn post_raw(
        &self,
        path: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Reply {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// Posts a multipart form: fields, then an optional file.
    pub async fn post_multipart(
        &self,
        path: &str,
        cookie: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str)>,
    ) -> Reply {
        let boundary = "XsocvalBoundaryX";
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        if let Some((name, content)) = file {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Signs in through the login form (slow: Argon2).
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post_raw(
            "/login",
            Some("socval_pre=pre-value"),
            &[
                ("csrf_token", "pre-value"),
                ("email", email),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }
}

/// `admin` invites `email` to organisation `a` as `role`; the invitation
/// link is opened signed out. Returns the link, the page it shows and the
/// pre-sign-in token (the `socval_pre` cookie, also the form's CSRF token).
pub async fn open_invitation(
    w: &World,
    admin: &Session,
    email: &str,
    role: &str,
) -> (String, Reply, String) {
    let r = w
        .post_form(
            "/orgs/a/invitations",
            admin,
            &[("email", email), ("role", role), ("supplier", "")],
        )
        .await;
    r.assert_status(StatusCode::OK);
    let at = r.body.find("/invitations/").unwrap();
    let link: String = r.body[at..].split('<').next().unwrap().to_owned();
    let page = w.get(&link, None).await;
    let pre = page.cookie("socval_pre").unwrap();
    (link, page, pre)
}

/// Posts `body` as JSON to `path` with the API token `token`.
pub async fn post_json(w: &World, path: &str, token: &str, body: serde_json::Value) -> Reply {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    w.send(req).await
}

/// The value of the first `name="csrf_token"` field on a page.
pub fn csrf_on_page(html: &str) -> String {
    let at = html
        .find("name=\"csrf_token\" value=\"")
        .expect("csrf field on page")
        + "name=\"csrf_token\" value=\"".len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// Page text for snapshots: tokens, hashes and asset names replaced.
pub fn redact(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    for line in html.lines() {
        let mut line = line.to_owned();
        for marker in [
            "name=\"csrf_token\" value=\"",
            "/static/socval-",
            "<code>svt_",
            "SHA-256 <code>",
            "/invitations/",
        ] {
            if let Some(at) = line.find(marker) {
                let start = at + marker.len();
                let end = line[start..]
                    .find(['"', '<', '.'])
                    .map(|e| start + e)
                    .unwrap_or(line.len());
                line.replace_range(start..end, "[redacted]");
            }
        }
        if !line.trim().is_empty() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// Posts a multipart form as a browser sends it: the session's CSRF
/// token, text `fields`, then files `(field, name, bytes)`.
pub async fn post_files(
    w: &World,
    path: &str,
    s: &Session,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Reply {
    let boundary = "XsocvalFilesBoundaryX";
    let mut body: Vec<u8> = Vec::new();
    let csrf = s.csrf();
    for (k, v) in [("csrf_token", csrf.as_str())].iter().chain(fields) {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (field, name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, &s.cookie)
        .body(Body::from(body))
        .unwrap();
    w.send(req).await
}
