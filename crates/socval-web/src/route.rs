//! Every route of the portal, assembled from the resources' route lists:
//! the router and the access table ([`ROUTES`]) come from the same
//! [`Route`] values, so each path is written once, next to its handler
//! and its rule. The guard (`guard.rs`) refuses any matched route the
//! table does not list.

use std::sync::LazyLock;

use axum::Router;

use crate::access::{Route, RouteRule, Upload};
use crate::state::AppState;
use crate::{
    account, audit, contract, dashboard, delivery, file, framework, health, member, openapi, org,
    procurement, purchase, report, spend, supplier, token,
};

/// The routes with the site's body limit.
fn site() -> Vec<Route> {
    [
        health::routes(),
        file::routes(),
        account::routes(),
        org::routes(),
        member::routes(),
        audit::routes(),
        token::routes(),
        supplier::routes(),
        framework::routes(),
        openapi::routes(),
        purchase::routes(),
        procurement::routes(),
        contract::routes(),
        delivery::routes(),
        dashboard::routes(),
        report::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The routes that take a payments file, with the spend upload's body
/// limit.
fn spend() -> Vec<Route> {
    spend::routes()
}

/// Every route's rule and the body it reads, for the guard.
pub(crate) static TABLE: LazyLock<Vec<(RouteRule, Upload)>> = LazyLock::new(|| {
    site()
        .into_iter()
        .chain(spend())
        .map(|r| (r.rule, r.upload))
        .collect()
});

/// Every route the portal serves, with who may use it.
pub static ROUTES: LazyLock<Vec<RouteRule>> =
    LazyLock::new(|| TABLE.iter().map(|(rule, _)| *rule).collect());

/// The routers of [`site`] and [`spend`] routes, for their body limits.
pub(crate) fn routers() -> (Router<AppState>, Router<AppState>) {
    (router_of(site()), router_of(spend()))
}

fn router_of(routes: Vec<Route>) -> Router<AppState> {
    routes.into_iter().fold(Router::new(), |router, r| {
        router.route(r.rule.path, r.handler)
    })
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
}
