//! The one guard that enforces the route table: it runs after routing,
//! looks the matched route up in the table and refuses anything the table
//! does not list (deny by default), so a route without a rule cannot be
//! reached. The table is built at the top of the crate from each
//! resource's route list (`route.rs`); the authorization matrix test walks
//! the same table.
//!
//! Refusals: not signed in → 303 to the sign-in page (pages) or 401 (API);
//! not a member of the organisation, or another supplier's company → 404
//! (the URL does not reveal what exists); a member whose role is too low →
//! 403.

use std::net::{IpAddr, SocketAddr};

use axum::RequestExt;
use axum::body::{Body, to_bytes};
use axum::extract::{
    ConnectInfo, FromRequest, MatchedPath, Multipart, RawPathParams, Request, State,
};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use socval_store::{OrgMembership, Role};

use crate::access::Access::{self, Member, Staff, Supplier, SupplierOwn};
use crate::access::{RouteRule, Upload};
use crate::auth::{Ctx, OrgAccess, Principal, at_least, pre_cookie_name, session_cookie_name};
use crate::csrf;
use crate::error::{ApiError, AppError};
use crate::state::{AppState, Config};
use crate::throttle::client_addr;

/// Every route's rule and upload limit, as the top of the crate
/// assembled them from the resources' route lists.
pub(crate) type Table = &'static [(RouteRule, Upload)];

/// The rule for a matched route, if the table has one. `HEAD` follows
/// `GET`.
fn rule(table: Table, method: &Method, path: &str) -> Option<&'static (RouteRule, Upload)> {
    let m = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    table.iter().find(|(r, _)| r.method == m && r.path == path)
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

/// What the guard needs: the state and the route table.
#[derive(Clone)]
pub(crate) struct Guard {
    /// The portal's state.
    pub(crate) state: AppState,
    /// Every route's rule.
    pub(crate) table: Table,
}

/// The guard: authenticates, authorizes by the route table
/// ([`crate::ROUTES`]), checks CSRF on unsafe methods, and hands handlers
/// a [`Ctx`].
pub(crate) async fn guard(State(guard): State<Guard>, req: Request, next: Next) -> Response {
    let Guard { state, table } = guard;
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
    let Some((rule, upload)) = rule(table, &method, &matched) else {
        if table.iter().any(|(r, _)| r.path == matched) {
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
    match authorize(&state, rule, *upload, api, req).await {
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
    upload: Upload,
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
                Staff(min) if !at_least(role, min) => {
                    return Err(AppError::Forbidden);
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
        req = check_csrf(state, &ctx, rule, upload, req).await?;
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
    upload: Upload,
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
        body_limit(&state.config, upload)
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

/// The largest body a route reading `upload` accepts: the spend upload
/// takes [`Config::max_spend_upload_bytes`], every other route
/// [`Config::max_upload_bytes`].
fn body_limit(config: &Config, upload: Upload) -> usize {
    match upload {
        Upload::Spend => spend_upload_limit(config),
        Upload::Site => config.max_upload_bytes,
    }
}

/// The spend upload's limit (never below the site's).
pub(crate) fn spend_upload_limit(config: &Config) -> usize {
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
    fn next_is_encoded() {
        assert_eq!(encode_next("/orgs/a b?x=1&y"), "/orgs/a%20b%3Fx%3D1%26y");
    }
}
