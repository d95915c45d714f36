//! How a route is declared: its method, path, access rule and handler, in
//! one [`Route`]. Each resource module lists its routes with [`get`] and
//! [`post`]; the top of the crate (`route.rs`) builds both the router and
//! the access table ([`crate::ROUTES`]) from those lists, so a path is
//! written once and cannot be served without a rule.

use axum::handler::Handler;
use axum::routing::MethodRouter;
use socval_store::Role;

use crate::state::AppState;

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

/// How large a body a route reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Upload {
    /// The site's limit ([`crate::Config::max_upload_bytes`]).
    Site,
    /// A payments file ([`crate::Config::max_spend_upload_bytes`]).
    Spend,
}

/// A route as a resource declares it.
pub(crate) struct Route {
    /// Method, path and who may use it.
    pub(crate) rule: RouteRule,
    /// How much of a body the guard reads to find a CSRF token.
    pub(crate) upload: Upload,
    /// What answers it.
    pub(crate) handler: MethodRouter<AppState>,
}

impl Route {
    /// The route takes a payments file: the guard reads up to the spend
    /// upload's limit.
    pub(crate) fn spend_upload(mut self) -> Route {
        self.upload = Upload::Spend;
        self
    }
}

/// A `GET` route (also answers `HEAD`).
pub(crate) fn get<H, T>(path: &'static str, access: Access, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    route("GET", path, access, axum::routing::get(handler))
}

/// A `POST` route.
pub(crate) fn post<H, T>(path: &'static str, access: Access, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    route("POST", path, access, axum::routing::post(handler))
}

fn route(
    method: &'static str,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> Route {
    Route {
        rule: RouteRule {
            method,
            path,
            access,
        },
        upload: Upload::Site,
        handler,
    }
}
