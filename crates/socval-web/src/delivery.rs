//! Delivery returns: a supplier submits, for one ended quarter of a
//! contract, the units delivered per measure, a narrative and evidence
//! files; officers verify or reject each line with a comment; evidence is
//! served only to the organisation's staff and the contract's supplier.
//! Pages (multipart forms, no JavaScript) and `/api/v1` (JSON, evidence as
//! base64) share one validation ([`check`]): on any problem nothing is
//! saved, no evidence file is kept, and each problem names its field.
//!
//! Also the reminders of the home page ([`reminder`]): returns due
//! (suppliers) and returns awaiting verification (officers and admins).

use socval_store::Role;

use crate::access::Access::{Member, Staff};
use crate::access::{Route, get, post};

mod api;
mod check;
mod page;
pub(crate) mod reminder;

/// The return pages and their API: staff see the organisation's, a
/// supplier its own company's (the handlers refuse other contracts with
/// 404, and submitting a return to anyone but the contract's supplier
/// with 403).
pub(crate) fn routes() -> Vec<Route> {
    let officer = Staff(Role::Officer);
    vec![
        get(
            "/orgs/{org}/contracts/{contract}/returns/new",
            Member,
            page::new_form,
        ),
        post(
            "/orgs/{org}/contracts/{contract}/returns",
            Member,
            page::submit_form,
        ),
        get(
            "/orgs/{org}/contracts/{contract}/returns/{return}",
            Member,
            page::show,
        ),
        post(
            "/orgs/{org}/contracts/{contract}/returns/{return}/lines/{line}",
            officer,
            page::review_form,
        ),
        get(
            "/orgs/{org}/contracts/{contract}/returns/{return}/evidence/{evidence}",
            Member,
            page::download,
        ),
        get(
            "/api/v1/orgs/{org}/contracts/{contract}/returns",
            Member,
            api::api_list,
        ),
        post(
            "/api/v1/orgs/{org}/contracts/{contract}/returns",
            Member,
            api::api_submit,
        ),
        get(
            "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}",
            Member,
            api::api_show,
        ),
        post(
            "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}/lines/{line}",
            officer,
            api::api_review,
        ),
        get(
            "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}/evidence/{evidence}",
            Member,
            api::api_download,
        ),
    ]
}

/// The delivery-return part of the OpenAPI document.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    api::openapi()
}
