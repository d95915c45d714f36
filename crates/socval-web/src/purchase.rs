//! Small purchases: officers record purchases under the organisation's
//! small-purchase threshold with the quotes obtained; compliance with the
//! quotes rule is decided by `socval_core::quotes::check` (at least two
//! quotes, one from a local supplier; if none is local, one from the wider
//! region and a recorded justification); the audit page draws a
//! reproducible sample with `socval_core::quotes::audit` and records it
//! with its seed and the assurance opinion. Pages, a CSV export and the
//! API (`/api/v1/orgs/{org}/purchases`, `/purchase-audits`).

use socval_store::Role;

use crate::access::Access::Staff;
use crate::access::{Route, get, post};

mod api;
mod page;
mod record;

/// The small-purchase pages, CSV export and API: staff read, officers
/// record and draw audits.
pub(crate) fn routes() -> Vec<Route> {
    let (viewer, officer) = (Staff(Role::Viewer), Staff(Role::Officer));
    vec![
        get("/orgs/{org}/purchases", viewer, page::list),
        post("/orgs/{org}/purchases", officer, page::create),
        get("/orgs/{org}/purchases.csv", viewer, page::csv_export),
        get("/orgs/{org}/purchases/new", officer, page::new_form),
        get("/orgs/{org}/purchases/{purchase}", viewer, page::show),
        post("/orgs/{org}/purchases/{purchase}", officer, page::update),
        get(
            "/orgs/{org}/purchases/{purchase}/edit",
            officer,
            page::edit_form,
        ),
        get("/orgs/{org}/purchase-audits", viewer, page::audits),
        post("/orgs/{org}/purchase-audits", officer, page::draw_form),
        get(
            "/orgs/{org}/purchase-audits/{audit}",
            viewer,
            page::show_audit,
        ),
        get("/api/v1/orgs/{org}/purchases", viewer, api::api_list),
        post("/api/v1/orgs/{org}/purchases", officer, api::api_create),
        get(
            "/api/v1/orgs/{org}/purchases/{purchase}",
            viewer,
            api::api_show,
        ),
        get(
            "/api/v1/orgs/{org}/purchase-audits",
            viewer,
            api::api_audits,
        ),
        post("/api/v1/orgs/{org}/purchase-audits", officer, api::api_draw),
        get(
            "/api/v1/orgs/{org}/purchase-audits/{audit}",
            viewer,
            api::api_audit,
        ),
    ]
}

/// The small-purchase part of the OpenAPI document.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    api::openapi()
}
