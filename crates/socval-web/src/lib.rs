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
//!   table [`ROUTES`] (built from the same route lists as the router), and
//!   the security layers (headers, body limits, request logs).
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

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::LatencyUnit;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

// Furniture: what every page and handler shares. These use only each
// other (and never a resource).
mod access;
mod asset;
mod auth;
mod cache;
mod clock;
mod connection;
mod csrf;
mod error;
mod format;
mod guard;
mod html;
mod limit;
mod page;
mod state;
mod throttle;

// Resources: one module per resource, with its pages, API handlers,
// OpenAPI paths and its routes with their access rules.
mod account;
mod audit;
mod contract;
mod dashboard;
mod delivery;
mod file;
mod framework;
mod health;
mod member;
mod org;
mod procurement;
mod purchase;
mod report;
mod spend;
mod supplier;
mod token;

// The top: assembles the routes and the OpenAPI document.
mod openapi;
mod route;

pub use access::{Access, RouteRule};
pub use asset::css_path;
pub use auth::{Ctx, OrgAccess, Principal};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ApiError, AppError};
pub use openapi::openapi;
pub use route::ROUTES;
pub use state::{AppState, Config};
pub use throttle::ThrottlePolicy;

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
    let spend_limit = guard::spend_upload_limit(&state.config);
    let secure = state.config.secure_cookies();
    let (site, spend) = route::routers();
    let site = site
        .layer(DefaultBodyLimit::max(upload_limit))
        .layer(RequestBodyLimitLayer::new(upload_limit + 64 * 1024));
    // The spend upload alone takes a year of payments; the guard reads at
    // most as much of a body as its route allows (see guard::body_limit).
    let spend = spend
        .layer(DefaultBodyLimit::max(spend_limit))
        .layer(RequestBodyLimitLayer::new(spend_limit + 64 * 1024));
    let mut app = site
        .merge(spend)
        // Runs after routing, for every route: the one place that decides
        // who may do what.
        .layer(axum::middleware::from_fn_with_state(
            guard::Guard {
                state: state.clone(),
                table: route::TABLE.as_slice(),
            },
            guard::guard,
        ))
        .fallback(|| async { AppError::NotFound })
        .with_state(state.clone())
        // The largest any route accepts, before routing.
        .layer(DefaultBodyLimit::max(spend_limit))
        .layer(RequestBodyLimitLayer::new(spend_limit + 64 * 1024))
        // Outside everything that can refuse a request, so that every API
        // refusal is JSON.
        .layer(axum::middleware::from_fn_with_state(
            state.config.max_upload_bytes,
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
