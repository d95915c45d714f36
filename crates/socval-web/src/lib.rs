//! # socval-web
//!
//! The socval portal: an axum server with server-rendered HTML pages that
//! work without JavaScript (in the visual language of the GOV.UK Design
//! System, written here), a JSON API under `/api/v1` with an OpenAPI
//! document, sign-in with sessions kept in the database, roles per
//! organisation, and CSRF protection on every form.
//!
//! Main items:
//! - [`AppState`]: the store, the clock and the [`Config`], shared by all
//!   handlers.
//! - [`router`]: every route, the guard that authorizes them by the one
//!   table [`ROUTES`], and the security layers (headers, body limits,
//!   request logs).
//! - [`Clock`]: where "now" comes from ([`SystemClock`], or [`ManualClock`]
//!   in tests).
//!
//! ```no_run
//! # async fn run(store: std::sync::Arc<dyn socval_store::Store>) -> std::io::Result<()> {
//! let state = socval_web::AppState::new(store, socval_web::Config::new(None));
//! let app = socval_web::router(state);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await
//! # }
//! ```
#![deny(missing_docs)]

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use socval_store::{LockoutPolicy, SessionPolicy, Store};
use time::OffsetDateTime;
use tower_http::LatencyUnit;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

mod account;
mod api;
mod asset;
mod audit;
mod auth;
mod bid;
mod clock;
mod connection;
mod contract;
mod csrf;
mod dashboard;
mod delivery;
mod error;
mod framework;
mod health;
mod html;
mod limit;
mod member;
mod org;
mod procurement;
mod purchase;
mod report;
mod route;
mod spend;
mod supplier;
mod throttle;
mod token;

pub use api::openapi;
pub use asset::css_path;
pub use auth::{Ctx, OrgAccess, Principal};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ApiError, AppError};
pub use route::{Access, ROUTES, RouteRule};
pub use throttle::ThrottlePolicy;

/// How the portal is run.
#[derive(Clone, Debug)]
pub struct Config {
    /// The address users reach the portal at, e.g.
    /// `https://socval.example.gov.uk`; used in invitation links. An
    /// `https` URL makes cookies `Secure` and `__Host-` prefixed.
    pub public_url: Option<String>,
    /// How long sessions last.
    pub sessions: SessionPolicy,
    /// When repeated failed sign-ins lock an account.
    pub lockout: LockoutPolicy,
    /// The largest form body accepted (bytes).
    pub max_form_bytes: usize,
    /// The largest upload accepted (bytes).
    pub max_upload_bytes: usize,
    /// How long an invitation link works.
    pub invitation_valid_for: time::Duration,
    /// Shows the "This is a demo" banner.
    pub demo: bool,
    /// Where files are kept (evidence under `evidence/`).
    pub data_dir: std::path::PathBuf,
    /// The largest evidence file accepted with a delivery return (bytes).
    pub max_evidence_bytes: usize,
    /// The largest payments file accepted on an organisation's spend page
    /// (bytes): that one route's body limit; everything else keeps
    /// [`Config::max_upload_bytes`].
    pub max_spend_upload_bytes: usize,
    /// When failed sign-ins and API token failures from one client address
    /// are refused for a while.
    pub throttle: ThrottlePolicy,
    /// Reverse proxies whose `X-Forwarded-For` names the client; empty
    /// (the default): the socket peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Config {
    /// The defaults: 30 minutes idle and 12 hours absolute sessions, 5
    /// failures lock for 15 minutes, 64 KiB forms, 5 MiB uploads,
    /// invitations valid for 7 days, evidence files up to 2 MiB kept under
    /// `socval-data`, payments files up to 100 MiB, 20 failures from one address in 10 minutes refuse it
    /// for 15, no trusted proxies.
    pub fn new(public_url: Option<String>) -> Config {
        Config {
            public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
            sessions: SessionPolicy::default(),
            lockout: LockoutPolicy::default(),
            max_form_bytes: 64 * 1024,
            max_upload_bytes: 5 * 1024 * 1024,
            invitation_valid_for: time::Duration::days(7),
            demo: false,
            data_dir: std::path::PathBuf::from("socval-data"),
            max_evidence_bytes: 2 * 1024 * 1024,
            max_spend_upload_bytes: 100 * 1024 * 1024,
            throttle: ThrottlePolicy::default(),
            trusted_proxies: Vec::new(),
        }
    }

    /// Whether cookies are marked `Secure` (the public URL is `https`).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// The base of absolute links (invitations).
    pub(crate) fn base_url(&self) -> &str {
        self.public_url.as_deref().unwrap_or("")
    }
}

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// How the portal is run.
    pub config: Arc<Config>,
    /// Portfolio figures per organisation, kept until its data changes.
    pub(crate) portfolios: Arc<dashboard::Cache>,
    /// Failure counts per client address.
    pub(crate) throttle: Arc<throttle::Throttle>,
    /// Held while a member's role, membership or account is checked and
    /// changed, so that two admins cannot demote each other at once.
    pub(crate) member_changes: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// A state on the wall clock.
    pub fn new(store: Arc<dyn Store>, config: Config) -> AppState {
        AppState {
            store,
            clock: Arc::new(SystemClock),
            config: Arc::new(config),
            portfolios: Arc::default(),
            throttle: Arc::default(),
            member_changes: Arc::default(),
        }
    }

    /// The same state on another clock (tests move time with a
    /// [`ManualClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> AppState {
        self.clock = clock;
        self
    }

    /// The current time, to the second (as the store keeps it).
    pub fn now(&self) -> OffsetDateTime {
        let now = self.clock.now();
        now.replace_nanosecond(0).unwrap_or(now)
    }
}

/// A CSRF token for a session's CSRF secret, as the pages put in their
/// forms: send it as the `csrf_token` form field or the `X-CSRF-Token`
/// header with unsafe requests made with the session cookie.
pub fn csrf_token(csrf_secret: &str) -> String {
    csrf::token(csrf_secret.as_bytes())
}

/// The Content-Security-Policy: everything from this origin, no inline
/// scripts or styles, no framing, forms post only here.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole portal: pages, API, static files, with the route guard,
/// security headers, body limits and request logs.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.config.max_upload_bytes;
    let spend_limit = route::spend_upload_limit(&state.config);
    let secure = state.config.secure_cookies();
    let site = Router::new()
        .merge(health::router())
        .merge(asset::router())
        .merge(account::router())
        .merge(org::router())
        .merge(member::router())
        .merge(audit::router())
        .merge(token::router())
        .merge(supplier::router())
        .merge(framework::router())
        .merge(contract::router())
        .merge(delivery::router())
        .merge(dashboard::router())
        .merge(purchase::router())
        .merge(report::router())
        .merge(procurement::router())
        .merge(bid::router())
        .merge(api::router())
        .layer(DefaultBodyLimit::max(upload_limit))
        .layer(RequestBodyLimitLayer::new(upload_limit + 64 * 1024));
    // The spend upload alone takes a year of payments; the guard reads at
    // most as much of a body as its route allows (see route::body_limit).
    let spend = spend::router()
        .layer(DefaultBodyLimit::max(spend_limit))
        .layer(RequestBodyLimitLayer::new(spend_limit + 64 * 1024));
    let mut app = site
        .merge(spend)
        // Runs after routing, for every route: the one place that decides
        // who may do what.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            route::guard,
        ))
        .fallback(|| async { AppError::NotFound })
        .with_state(state.clone())
        // The largest any route accepts, before routing.
        .layer(DefaultBodyLimit::max(spend_limit))
        .layer(RequestBodyLimitLayer::new(spend_limit + 64 * 1024))
        // Outside everything that can refuse a request, so that every API
        // refusal is JSON.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::api_errors_as_json,
        ));
    let headers: [(HeaderName, &'static str); 6] = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    for (name, value) in headers {
        app = app.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    if secure {
        app = app.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    // Pages that depend on who is signed in must not be cached; the
    // stylesheet sets its own long cache and keeps it.
    app.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
    .layer(
        TraceLayer::new_for_http()
            .make_span_with(|req: &axum::http::Request<axum::body::Body>| {
                tracing::info_span!("request", method = %req.method(), path = %log_path(req.uri().path()))
            })
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros)),
    )
    // Outermost: sees every body, whoever refused to read it.
    .layer(axum::middleware::from_fn(connection::keep_alive))
}

/// The request path as logged: one-time invitation tokens are secrets and
/// stay out of logs; query strings are left out.
fn log_path(path: &str) -> String {
    match path.strip_prefix("/invitations/") {
        Some(_) => "/invitations/[redacted]".to_owned(),
        None => path.to_owned(),
    }
}
