//! Procurements in the portal: officers create them (the policy decides
//! whether social value is required and which qualitative evidence is
//! asked for), publish them to invited suppliers, open the bids after the
//! deadline, score them, complete the evaluation (ranked by
//! `socval_core::evaluation`, breakdown shown) and award a contract.
//!
//! Sealed bids: before the deadline (by the portal's [`crate::Clock`]) the
//! organisation's pages and API show only that bids exist; the store
//! refuses their content too. Suppliers see only procurements they are
//! invited to, and only their own bid ([`bid`]).
//!
//! The pieces, each using only those listed before it:
//! - [`visible`]: the procurement and bid in the URL, as the caller may see
//!   them;
//! - [`form`]: a procurement, award or score as typed, checked;
//! - [`transition`]: publish, open the bids, cancel;
//! - [`ranking`]: the opened bids ranked, and the evaluation completed;
//! - [`bid`]: a supplier's own bid: its form, page and document;
//! - [`page`]: the organisation's pages;
//! - [`api`]: the same under `/api/v1`.

use socval_store::Role;

use crate::access::Access::{Member, Staff, Supplier};
use crate::access::{Route, get, post};

mod api;
mod bid;
mod form;
mod page;
mod ranking;
mod transition;
mod visible;

/// The pages and API of procurements and their bids.
pub(crate) fn routes() -> Vec<Route> {
    let officer = Staff(Role::Officer);
    vec![
        get("/orgs/{org}/procurements", Member, page::list),
        post("/orgs/{org}/procurements", officer, page::create),
        get("/orgs/{org}/procurements/new", officer, page::new_form),
        get("/orgs/{org}/procurements/{procurement}", Member, page::show),
        post(
            "/orgs/{org}/procurements/{procurement}",
            officer,
            page::update,
        ),
        get(
            "/orgs/{org}/procurements/{procurement}/edit",
            officer,
            page::edit_form,
        ),
        post(
            "/orgs/{org}/procurements/{procurement}/publish",
            officer,
            page::publish,
        ),
        post(
            "/orgs/{org}/procurements/{procurement}/open",
            officer,
            page::open,
        ),
        post(
            "/orgs/{org}/procurements/{procurement}/cancel",
            officer,
            page::cancel,
        ),
        post(
            "/orgs/{org}/procurements/{procurement}/evaluation",
            officer,
            page::complete,
        ),
        post(
            "/orgs/{org}/procurements/{procurement}/award",
            officer,
            page::award,
        ),
        post(
            "/orgs/{org}/procurements/{procurement}/bid",
            Supplier,
            bid::submit,
        ),
        post(
            "/orgs/{org}/procurements/{procurement}/bids/{bid}/score",
            officer,
            page::score,
        ),
        get(
            "/orgs/{org}/procurements/{procurement}/bids/{bid}/document",
            Member,
            bid::document,
        ),
        get("/api/v1/orgs/{org}/procurements", Member, api::list),
        post("/api/v1/orgs/{org}/procurements", officer, api::create),
        get(
            "/api/v1/orgs/{org}/procurements/{procurement}",
            Member,
            api::show,
        ),
        post(
            "/api/v1/orgs/{org}/procurements/{procurement}/publish",
            officer,
            api::publish,
        ),
        post(
            "/api/v1/orgs/{org}/procurements/{procurement}/open",
            officer,
            api::open,
        ),
        post(
            "/api/v1/orgs/{org}/procurements/{procurement}/cancel",
            officer,
            api::cancel,
        ),
        get(
            "/api/v1/orgs/{org}/procurements/{procurement}/bids",
            Member,
            api::bids,
        ),
        post(
            "/api/v1/orgs/{org}/procurements/{procurement}/bids",
            Supplier,
            api::submit,
        ),
        post(
            "/api/v1/orgs/{org}/procurements/{procurement}/bids/{bid}",
            Supplier,
            api::revise,
        ),
        post(
            "/api/v1/orgs/{org}/procurements/{procurement}/bids/{bid}/score",
            officer,
            api::score,
        ),
        get(
            "/api/v1/orgs/{org}/procurements/{procurement}/evaluation",
            Staff(Role::Viewer),
            api::evaluation,
        ),
        post(
            "/api/v1/orgs/{org}/procurements/{procurement}/evaluation",
            officer,
            api::complete,
        ),
        post(
            "/api/v1/orgs/{org}/procurements/{procurement}/award",
            officer,
            api::award,
        ),
    ]
}

/// The procurement part of the OpenAPI document.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    api::openapi()
}
