//! Every route of the portal and who may use it, in one table, and the one
//! guard that enforces it.
//!
//! The resource modules register handlers; [`ROUTES`] says who may call
//! each. The guard runs after routing, looks the matched route up in the
//! table and refuses anything the table does not list (deny by default),
//! so a new route without a rule cannot be reached. The authorization
//! matrix test walks this same table.
//!
//! Refusals: not signed in → 303 to the sign-in page (pages) or 401 (API);
//! not a member of the organisation, or another supplier's company → 404
//! (the URL does not reveal what exists); a member whose role is too low →
//! 403.

use axum::RequestExt;
use axum::body::{Body, to_bytes};
use std::net::{IpAddr, SocketAddr};

use axum::extract::{
    ConnectInfo, FromRequest, MatchedPath, Multipart, RawPathParams, Request, State,
};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use socval_store::{OrgMembership, Role};

use crate::AppState;
use crate::auth::{Ctx, OrgAccess, Principal, pre_cookie_name, rank, session_cookie_name};
use crate::csrf;
use crate::error::{ApiError, AppError};
use crate::throttle::client_addr;

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not. Unsafe methods on public routes (sign in,
    /// accept an invitation) are protected by a double-submit cookie.
    Public,
    /// Anyone signed in (a session; on `/api/v1` also a token).
    SignedIn,
    /// Members of the `{org}` in the URL with a staff role of at least this
    /// rank (admin > officer > viewer). Suppliers never qualify.
    Staff(Role),
    /// Any member of the `{org}`, suppliers included.
    Member,
    /// The supplier users and supplier tokens of the `{org}` (bidding
    /// for their own company); staff are refused.
    Supplier,
    /// The supplier company `{supplier}` of `{org}`: its own supplier users
    /// and tokens, and the organisation's staff.
    SupplierOwn,
}

/// One route: method, path (axum syntax) and rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteRule {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path as registered, e.g. `/orgs/{org}/audit`.
    pub path: &'static str,
    /// Who may use it.
    pub access: Access,
}

const fn r(method: &'static str, path: &'static str, access: Access) -> RouteRule {
    RouteRule {
        method,
        path,
        access,
    }
}

use Access::*;

/// Every route the portal serves.
pub const ROUTES: &[RouteRule] = &[
    r("GET", "/healthz", Public),
    r("GET", "/static/{file}", Public),
    // account
    r("GET", "/login", Public),
    r("POST", "/login", Public),
    r("POST", "/logout", SignedIn),
    r("POST", "/logout-everywhere", SignedIn),
    r("GET", "/account", SignedIn),
    r("GET", "/account/password", SignedIn),
    r("POST", "/account/password", SignedIn),
    r("GET", "/invitations/{token}", Public),
    r("POST", "/invitations/{token}", Public),
    // organisations
    r("GET", "/", SignedIn),
    r("GET", "/orgs/{org}", Member),
    r("GET", "/orgs/{org}/members", Staff(Role::Admin)),
    r("POST", "/orgs/{org}/invitations", Staff(Role::Admin)),
    r("GET", "/orgs/{org}/members/{member}", Staff(Role::Admin)),
    r(
        "POST",
        "/orgs/{org}/members/{member}/role",
        Staff(Role::Admin),
    ),
    r(
        "POST",
        "/orgs/{org}/members/{member}/remove",
        Staff(Role::Admin),
    ),
    r(
        "POST",
        "/orgs/{org}/members/{member}/disable",
        Staff(Role::Admin),
    ),
    r(
        "POST",
        "/orgs/{org}/members/{member}/enable",
        Staff(Role::Admin),
    ),
    r("GET", "/orgs/{org}/audit", Staff(Role::Admin)),
    r("GET", "/orgs/{org}/audit.csv", Staff(Role::Admin)),
    r("GET", "/orgs/{org}/tokens", Staff(Role::Admin)),
    r("POST", "/orgs/{org}/tokens", Staff(Role::Admin)),
    r(
        "POST",
        "/orgs/{org}/tokens/{token}/revoke",
        Staff(Role::Admin),
    ),
    r("GET", "/orgs/{org}/suppliers", Staff(Role::Viewer)),
    r("GET", "/orgs/{org}/suppliers/{supplier}", SupplierOwn),
    r("GET", "/orgs/{org}/frameworks", Staff(Role::Viewer)),
    r("POST", "/orgs/{org}/frameworks", Staff(Role::Officer)),
    r(
        "GET",
        "/orgs/{org}/frameworks/{framework}",
        Staff(Role::Viewer),
    ),
    // API
    r("GET", "/api/v1/openapi.json", Public),
    r("GET", "/api/v1/me", SignedIn),
    r("GET", "/api/v1/orgs", SignedIn),
    r("GET", "/api/v1/orgs/{org}/frameworks", Staff(Role::Viewer)),
    r(
        "POST",
        "/api/v1/orgs/{org}/frameworks",
        Staff(Role::Officer),
    ),
    r(
        "GET",
        "/api/v1/orgs/{org}/frameworks/{framework}",
        Staff(Role::Viewer),
    ),
    r(
        "GET",
        "/api/v1/orgs/{org}/suppliers/{supplier}",
        SupplierOwn,
    ),
    r("GET", "/api/v1/orgs/{org}/audit", Staff(Role::Admin)),
    // small purchases
    r("GET", "/orgs/{org}/purchases", Staff(Role::Viewer)),
    r("POST", "/orgs/{org}/purchases", Staff(Role::Officer)),
    r("GET", "/orgs/{org}/purchases.csv", Staff(Role::Viewer)),
    r("GET", "/orgs/{org}/purchases/new", Staff(Role::Officer)),
    r(
        "GET",
        "/orgs/{org}/purchases/{purchase}",
        Staff(Role::Viewer),
    ),
    r(
        "POST",
        "/orgs/{org}/purchases/{purchase}",
        Staff(Role::Officer),
    ),
    r(
        "GET",
        "/orgs/{org}/purchases/{purchase}/edit",
        Staff(Role::Officer),
    ),
    r("GET", "/orgs/{org}/purchase-audits", Staff(Role::Viewer)),
    r("POST", "/orgs/{org}/purchase-audits", Staff(Role::Officer)),
    r(
        "GET",
        "/orgs/{org}/purchase-audits/{audit}",
        Staff(Role::Viewer),
    ),
    r("GET", "/api/v1/orgs/{org}/purchases", Staff(Role::Viewer)),
    r("POST", "/api/v1/orgs/{org}/purchases", Staff(Role::Officer)),
    r(
        "GET",
        "/api/v1/orgs/{org}/purchases/{purchase}",
        Staff(Role::Viewer),
    ),
    r(
        "GET",
        "/api/v1/orgs/{org}/purchase-audits",
        Staff(Role::Viewer),
    ),
    r(
        "POST",
        "/api/v1/orgs/{org}/purchase-audits",
        Staff(Role::Officer),
    ),
    r(
        "GET",
        "/api/v1/orgs/{org}/purchase-audits/{audit}",
        Staff(Role::Viewer),
    ),
    // procurements and bids
    r("GET", "/orgs/{org}/procurements", Member),
    r("POST", "/orgs/{org}/procurements", Staff(Role::Officer)),
    r("GET", "/orgs/{org}/procurements/new", Staff(Role::Officer)),
    r("GET", "/orgs/{org}/procurements/{procurement}", Member),
    r(
        "POST",
        "/orgs/{org}/procurements/{procurement}",
        Staff(Role::Officer),
    ),
    r(
        "GET",
        "/orgs/{org}/procurements/{procurement}/edit",
        Staff(Role::Officer),
    ),
    r(
        "POST",
        "/orgs/{org}/procurements/{procurement}/publish",
        Staff(Role::Officer),
    ),
    r(
        "POST",
        "/orgs/{org}/procurements/{procurement}/open",
        Staff(Role::Officer),
    ),
    r(
        "POST",
        "/orgs/{org}/procurements/{procurement}/cancel",
        Staff(Role::Officer),
    ),
    r(
        "POST",
        "/orgs/{org}/procurements/{procurement}/evaluation",
        Staff(Role::Officer),
    ),
    r(
        "POST",
        "/orgs/{org}/procurements/{procurement}/award",
        Staff(Role::Officer),
    ),
    r(
        "POST",
        "/orgs/{org}/procurements/{procurement}/bid",
        Supplier,
    ),
    r(
        "POST",
        "/orgs/{org}/procurements/{procurement}/bids/{bid}/score",
        Staff(Role::Officer),
    ),
    r(
        "GET",
        "/orgs/{org}/procurements/{procurement}/bids/{bid}/document",
        Member,
    ),
    r("GET", "/api/v1/orgs/{org}/procurements", Member),
    r(
        "POST",
        "/api/v1/orgs/{org}/procurements",
        Staff(Role::Officer),
    ),
    r(
        "GET",
        "/api/v1/orgs/{org}/procurements/{procurement}",
        Member,
    ),
    r(
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/publish",
        Staff(Role::Officer),
    ),
    r(
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/open",
        Staff(Role::Officer),
    ),
    r(
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/cancel",
        Staff(Role::Officer),
    ),
    r(
        "GET",
        "/api/v1/orgs/{org}/procurements/{procurement}/bids",
        Member,
    ),
    r(
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/bids",
        Supplier,
    ),
    r(
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/bids/{bid}",
        Supplier,
    ),
    r(
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/bids/{bid}/score",
        Staff(Role::Officer),
    ),
    r(
        "GET",
        "/api/v1/orgs/{org}/procurements/{procurement}/evaluation",
        Staff(Role::Viewer),
    ),
    r(
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/evaluation",
        Staff(Role::Officer),
    ),
    r(
        "POST",
        "/api/v1/orgs/{org}/procurements/{procurement}/award",
        Staff(Role::Officer),
    ),
    // contracts and delivery: staff see the organisation's, a supplier its
    // own company's (the handlers refuse other contracts with 404, and
    // submitting a return to anyone but the contract's supplier with 403)
    r("GET", "/orgs/{org}/contracts", Member),
    r("GET", "/orgs/{org}/contracts/{contract}", Member),
    r(
        "GET",
        "/orgs/{org}/contracts/{contract}/returns/new",
        Member,
    ),
    r("POST", "/orgs/{org}/contracts/{contract}/returns", Member),
    r(
        "GET",
        "/orgs/{org}/contracts/{contract}/returns/{return}",
        Member,
    ),
    r(
        "POST",
        "/orgs/{org}/contracts/{contract}/returns/{return}/lines/{line}",
        Staff(Role::Officer),
    ),
    r(
        "GET",
        "/orgs/{org}/contracts/{contract}/returns/{return}/evidence/{evidence}",
        Member,
    ),
    r("GET", "/orgs/{org}/dashboard", Staff(Role::Viewer)),
    r("GET", "/orgs/{org}/dashboard.csv", Staff(Role::Viewer)),
    // annual report
    r("GET", "/reports/report.css", Public),
    r("GET", "/orgs/{org}/reports", Staff(Role::Viewer)),
    r("GET", "/orgs/{org}/reports/{year}", Staff(Role::Viewer)),
    r(
        "GET",
        "/orgs/{org}/reports/{year}/records",
        Staff(Role::Viewer),
    ),
    r(
        "GET",
        "/orgs/{org}/reports/{year}/report.json",
        Staff(Role::Viewer),
    ),
    r(
        "GET",
        "/orgs/{org}/reports/{year}/report.xlsx",
        Staff(Role::Viewer),
    ),
    r("GET", "/orgs/{org}/at-risk", Staff(Role::Viewer)),
    // spend: the imports and settings, and the upload (its own body limit)
    r("GET", "/orgs/{org}/spend", Staff(Role::Viewer)),
    r("POST", "/orgs/{org}/spend", Staff(Role::Officer)),
    r("POST", "/orgs/{org}/spend/register", Staff(Role::Officer)),
    r("POST", "/orgs/{org}/spend/overrides", Staff(Role::Officer)),
    r("GET", "/api/v1/orgs/{org}/contracts", Member),
    r("GET", "/api/v1/orgs/{org}/contracts/{contract}", Member),
    r(
        "GET",
        "/api/v1/orgs/{org}/contracts/{contract}/returns",
        Member,
    ),
    r(
        "POST",
        "/api/v1/orgs/{org}/contracts/{contract}/returns",
        Member,
    ),
    r(
        "GET",
        "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}",
        Member,
    ),
    r(
        "POST",
        "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}/lines/{line}",
        Staff(Role::Officer),
    ),
    r(
        "GET",
        "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}/evidence/{evidence}",
        Member,
    ),
    r("GET", "/api/v1/orgs/{org}/dashboard", Staff(Role::Viewer)),
    r("GET", "/api/v1/orgs/{org}/at-risk", Staff(Role::Viewer)),
];

/// The rule for a matched route, if the table has one. `HEAD` follows
/// `GET`.
pub fn rule(method: &Method, path: &str) -> Option<&'static RouteRule> {
    let m = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    ROUTES.iter().find(|r| r.method == m && r.path == path)
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn refuse(api: bool, e: AppError, req_path: &str, method: &Method) -> Response {
    if api {
        return ApiError(e).into_response();
    }
    if matches!(e, AppError::Unauthenticated) {
        // Back to where they were going after signing in (GET pages only).
        let next = if method == Method::GET { req_path } else { "/" };
        let to = if next == "/" {
            "/login".to_owned()
        } else {
            format!("/login?next={}", encode_next(next))
        };
        return Redirect::to(&to).into_response();
    }
    e.into_response()
}

/// Percent-encodes a local path for the `next` query parameter.
fn encode_next(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The guard: authenticates, authorizes by [`ROUTES`], checks CSRF on
/// unsafe methods, and hands handlers a [`Ctx`].
pub(crate) async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(matched) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        // No route matched: the fallback answers 404.
        return next.run(req).await;
    };
    let method = req.method().clone();
    let api = is_api(&matched);
    let path = req.uri().path().to_owned();
    let Some(rule) = rule(&method, &matched) else {
        if ROUTES.iter().any(|r| r.path == matched) {
            // The path exists with other methods: axum answers 405.
            return next.run(req).await;
        }
        tracing::error!(%method, route = %matched, "route missing from the route table: refused");
        return refuse(
            api,
            AppError::Internal(format!("route {method} {matched} has no rule")),
            &path,
            &method,
        );
    };
    match authorize(&state, rule, api, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => refuse(api, e, &path, &method),
    }
}

/// Who is asking, and for a session, its membership of the organisation
/// `org_slug` (read in the same query as the session).
async fn authenticate(
    state: &AppState,
    api: bool,
    headers: &HeaderMap,
    org_slug: Option<&str>,
    client: IpAddr,
) -> Result<(Option<Principal>, Option<OrgMembership>), AppError> {
    let now = state.now();
    if api && let Some(auth) = headers.get(header::AUTHORIZATION) {
        // A bearer token: cookies are ignored, and so is CSRF (a browser
        // cannot add this header to a cross-site request). An address that
        // keeps presenting bad tokens is refused for a while.
        let policy = &state.config.throttle;
        state
            .throttle
            .check(client, now)
            .map_err(|retry_after| AppError::TooManyRequests { retry_after })?;
        let secret = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let found = match secret {
            Some(secret) => state.store.api_token(secret, now).await,
            None => Err(socval_store::Error::NotFound { entity: "token" }),
        };
        return match found {
            Ok(t) => Ok((Some(Principal::Token(t)), None)),
            Err(socval_store::Error::NotFound { .. }) => {
                state.throttle.fail(policy, client, now);
                tracing::info!(%client, "API token refused");
                Err(AppError::Unauthenticated)
            }
            Err(e) => Err(e.into()),
        };
    }
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(session_cookie_name(state.config.secure_cookies())) else {
        return Ok((None, None));
    };
    let id = cookie.value().to_owned();
    match state.store.session_access(&id, org_slug, now).await {
        Ok(access) => Ok((
            Some(Principal::Session {
                session: access.session,
                id,
            }),
            access.membership,
        )),
        Err(socval_store::Error::NotFound { .. }) => Ok((None, None)),
        Err(e) => Err(e.into()),
    }
}

async fn authorize(
    state: &AppState,
    rule: &RouteRule,
    api: bool,
    mut req: Request,
) -> Result<Request, AppError> {
    let org_route = matches!(rule.access, Staff(_) | Member | SupplierOwn | Supplier);
    let params: Vec<(String, String)> = if org_route {
        let raw: RawPathParams = req
            .extract_parts::<RawPathParams>()
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        raw.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    } else {
        Vec::new()
    };
    let slug = if org_route {
        Some(param(&params, "org")?)
    } else {
        None
    };
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = client_addr(peer, req.headers(), &state.config.trusted_proxies);
    let (principal, membership) =
        authenticate(state, api, req.headers(), slug.as_deref(), client).await?;
    let mut ctx = Ctx {
        principal,
        org: None,
    };
    if rule.access != Access::Public {
        let principal = ctx.principal.as_ref().ok_or(AppError::Unauthenticated)?;
        if let Some(slug) = slug {
            let (org, role, supplier_id) = match principal {
                // Not a member, or no such organisation: both 404.
                Principal::Session { .. } => {
                    let m = membership.ok_or(AppError::NotFound)?;
                    (m.organisation, m.membership.role, m.membership.supplier_id)
                }
                Principal::Token(t) => {
                    let org = state.store.organisation_by_slug(&slug).await?;
                    if t.org_id != org.id {
                        return Err(AppError::NotFound);
                    }
                    (org, t.role, t.supplier_id)
                }
            };
            match rule.access {
                Staff(min) => {
                    let ok =
                        matches!((rank(role), rank(min)), (Some(have), Some(need)) if have >= need);
                    if !ok {
                        return Err(AppError::Forbidden);
                    }
                }
                Supplier if role != Role::Supplier => {
                    return Err(AppError::Forbidden);
                }
                SupplierOwn => {
                    let id: i64 = param(&params, "supplier")?
                        .parse()
                        .map_err(|_| AppError::NotFound)?;
                    let supplier = state.store.supplier(id).await?;
                    if supplier.org_id != org.id {
                        return Err(AppError::NotFound);
                    }
                    if role == Role::Supplier && supplier_id != Some(id) {
                        return Err(AppError::NotFound);
                    }
                }
                _ => {}
            }
            ctx.org = Some(OrgAccess {
                org,
                role,
                supplier_id,
            });
        }
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        req = check_csrf(state, &ctx, rule, req).await?;
    }
    req.extensions_mut().insert(ctx);
    Ok(req)
}

fn param(params: &[(String, String)], name: &str) -> Result<String, AppError> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .ok_or_else(|| AppError::Internal(format!("route has no {{{name}}}")))
}

/// Checks the CSRF token of an unsafe request made with cookies. Returns
/// the request with its body restored (it is read to find the token).
async fn check_csrf(
    state: &AppState,
    ctx: &Ctx,
    rule: &RouteRule,
    req: Request,
) -> Result<Request, AppError> {
    let expected: Option<Expected> = match &ctx.principal {
        Some(Principal::Token(_)) => return Ok(req),
        Some(Principal::Session { session, .. }) if rule.access != Access::Public => {
            Some(Expected::Session(session.session.csrf_secret.clone()))
        }
        _ => {
            let jar = CookieJar::from_headers(req.headers());
            let pre = jar
                .get(pre_cookie_name(state.config.secure_cookies()))
                .map(|c| c.value().to_owned());
            Some(Expected::Pre(pre.unwrap_or_default()))
        }
    };
    let Some(expected) = expected else {
        return Ok(req);
    };
    let ok = |presented: &str| match &expected {
        Expected::Session(secret) => csrf::verify(secret.as_bytes(), presented),
        Expected::Pre(cookie) => csrf::same(cookie, presented),
    };
    if let Some(h) = req
        .headers()
        .get(csrf::HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return if ok(h) { Ok(req) } else { Err(AppError::Csrf) };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let multipart = content_type.starts_with("multipart/form-data");
    let limit = if multipart {
        body_limit(&state.config, rule)
    } else {
        state.config.max_form_bytes
    };
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| AppError::TooLarge { limit })?;
    let presented = if multipart {
        let mut copy = Request::builder()
            .header(header::CONTENT_TYPE, &content_type)
            .body(Body::from(bytes.clone()))
            .map_err(|e| AppError::Internal(e.to_string()))?;
        // The request's extensions carry the upload limit set by the
        // router's DefaultBodyLimit; without them the multipart reader
        // stops at axum's 2 MB default and a larger upload would read as a
        // missing token.
        *copy.extensions_mut() = parts.extensions.clone();
        let mut form = Multipart::from_request(copy, &())
            .await
            .map_err(|_| AppError::Csrf)?;
        let mut found = None;
        while let Ok(Some(field)) = form.next_field().await {
            if field.name() == Some(csrf::FIELD) {
                found = field.text().await.ok();
                break;
            }
        }
        found
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        form_urlencoded_field(&bytes, csrf::FIELD)
    } else {
        None
    };
    match presented {
        Some(t) if ok(&t) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(AppError::Csrf),
    }
}

/// The largest body `rule`'s route accepts: the spend upload takes
/// [`crate::Config::max_spend_upload_bytes`], every other route
/// [`crate::Config::max_upload_bytes`].
pub(crate) fn body_limit(config: &crate::Config, rule: &RouteRule) -> usize {
    if rule.method == "POST" && rule.path == crate::spend::PATH {
        spend_upload_limit(config)
    } else {
        config.max_upload_bytes
    }
}

/// The spend upload's limit (never below the site's).
pub(crate) fn spend_upload_limit(config: &crate::Config) -> usize {
    config.max_spend_upload_bytes.max(config.max_upload_bytes)
}

enum Expected {
    Session(String),
    Pre(String),
}

fn form_urlencoded_field(bytes: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_listed_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn next_is_encoded() {
        assert_eq!(encode_next("/orgs/a b?x=1&y"), "/orgs/a%20b%3Fx%3D1%26y");
    }
}
