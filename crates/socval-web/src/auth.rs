//! Who is asking: a browser session (cookie) or an API token (bearer), and
//! what they may do in the organisation in the URL. [`Ctx`] is what the
//! guard (`guard.rs`) hands to every handler.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, SameSite};
use socval_store::{Actor, ApiToken, Organisation, Role, SessionUser};

use crate::error::AppError;
use crate::state::AppState;
use crate::throttle::client_addr;

/// How a request proved who it is.
#[derive(Clone, Debug)]
pub enum Principal {
    /// A signed-in browser session; `id` is the cookie's session id.
    Session {
        /// The session and its user.
        session: SessionUser,
        /// The raw session id from the cookie (for logout).
        id: String,
    },
    /// An API token (`Authorization: Bearer svt_...`), acting in one
    /// organisation with one role.
    Token(ApiToken),
}

impl Principal {
    /// The audit log's "who".
    pub fn actor(&self) -> Actor {
        match self {
            Principal::Session { session, .. } => Actor::user(&session.user),
            Principal::Token(t) => Actor::token(t),
        }
    }
}

/// The principal's access to the organisation named in the URL.
#[derive(Clone, Debug)]
pub struct OrgAccess {
    /// The organisation.
    pub org: Organisation,
    /// The role there.
    pub role: Role,
    /// For suppliers, their company.
    pub supplier_id: Option<i64>,
}

/// The request context the guard established.
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    /// Who is asking, if anyone.
    pub principal: Option<Principal>,
    /// Their access to the URL's organisation, on organisation routes.
    pub org: Option<OrgAccess>,
}

impl Ctx {
    /// The signed-in session; `Unauthenticated` if there is none.
    pub fn session(&self) -> Result<(&SessionUser, &str), AppError> {
        match &self.principal {
            Some(Principal::Session { session, id }) => Ok((session, id)),
            _ => Err(AppError::Unauthenticated),
        }
    }

    /// The principal; `Unauthenticated` if there is none.
    pub fn principal(&self) -> Result<&Principal, AppError> {
        self.principal.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// The organisation access; an internal error on a route without an
    /// organisation (a bug in the route table).
    pub fn org(&self) -> Result<&OrgAccess, AppError> {
        self.org
            .as_ref()
            .ok_or_else(|| AppError::Internal("route has no organisation".into()))
    }

    /// Who to write in the audit log.
    pub fn actor(&self) -> Result<Actor, AppError> {
        Ok(self.principal()?.actor())
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal("no request context: route not guarded".into()))
    }
}

/// The client's address, as the throttle counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(client_addr(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// Whether `role` is a staff role of at least `min` (admin > officer >
/// viewer): the one role check of the portal, for the route table's
/// [`Access::Staff`](crate::access::Access::Staff) rules and for what a
/// page offers. Suppliers are outside the ladder and never qualify.
pub(crate) fn at_least(role: Role, min: Role) -> bool {
    let rank = |r: Role| match r {
        Role::Admin => Some(3),
        Role::Officer => Some(2),
        Role::Viewer => Some(1),
        Role::Supplier => None,
    };
    matches!((rank(role), rank(min)), (Some(have), Some(need)) if have >= need)
}

/// Names of the cookies; `__Host-` prefixed when served over HTTPS.
pub(crate) fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-socval_session"
    } else {
        "socval_session"
    }
}

pub(crate) fn pre_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-socval_pre"
    } else {
        "socval_pre"
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS, and no
/// Max-Age (the server enforces idle and absolute expiry; the browser
/// forgets it when closed).
pub(crate) fn session_cookie(secure: bool, id: String) -> Cookie<'static> {
    Cookie::build((session_cookie_name(secure), id))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build()
}

/// The double-submit cookie for forms shown before sign-in.
pub(crate) fn pre_cookie(secure: bool, value: String) -> Cookie<'static> {
    Cookie::build((pre_cookie_name(secure), value))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .build()
}

/// A cookie that removes `name`.
pub(crate) fn removal(secure: bool, name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build((name, ""))
        .path("/")
        .http_only(true)
        .secure(secure)
        .build();
    c.make_removal();
    c
}
