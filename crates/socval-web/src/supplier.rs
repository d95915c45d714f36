//! Supplier companies: the organisation's staff see all of them; a
//! supplier user sees only their own (the guard enforces it by
//! [`crate::access::Access::SupplierOwn`]).

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use socval_store::{Role, Supplier};
use utoipa::{OpenApi, ToSchema};

use crate::access::Access::{Staff, SupplierOwn};
use crate::access::{Route, get};
use crate::auth::Ctx;
use crate::error::{ApiError, AppError, ErrorBody};
use crate::html::{Page, render};
use crate::page::org_page;
use crate::state::AppState;

/// The supplier list (staff) and a supplier company's page and API (staff,
/// or the company's own supplier users and tokens).
pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/orgs/{org}/suppliers", Staff(Role::Viewer), list),
        get("/orgs/{org}/suppliers/{supplier}", SupplierOwn, show),
        get(
            "/api/v1/orgs/{org}/suppliers/{supplier}",
            SupplierOwn,
            supplier,
        ),
    ]
}

#[derive(OpenApi)]
#[openapi(paths(supplier), components(schemas(ApiSupplier)))]
struct SupplierApi;

/// The supplier part of the OpenAPI document.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    SupplierApi::openapi()
}

#[derive(Template)]
#[template(path = "suppliers.html")]
struct ListPage {
    page: Page,
    slug: String,
    suppliers: Vec<Supplier>,
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let page = org_page(&state, &ctx, "Supplier companies")?;
    let suppliers = state.store.suppliers(org.id).await?;
    Ok(render(
        StatusCode::OK,
        &ListPage {
            page,
            slug: org.slug,
            suppliers,
        },
    ))
}

/// The supplier in the URL, checked to be the organisation's (the guard
/// has already checked a supplier user's own company).
pub(crate) async fn load(state: &AppState, ctx: &Ctx, id: &str) -> Result<Supplier, AppError> {
    let org = &ctx.org()?.org;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let s = state.store.supplier(id).await?;
    if s.org_id != org.id {
        return Err(AppError::NotFound);
    }
    Ok(s)
}

#[derive(Template)]
#[template(path = "supplier.html")]
struct ShowPage {
    page: Page,
    supplier: Supplier,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let supplier = load(&state, &ctx, &id).await?;
    let page = org_page(&state, &ctx, supplier.name.clone())?;
    Ok(render(StatusCode::OK, &ShowPage { page, supplier }))
}

/// A supplier company.
#[derive(Serialize, ToSchema)]
pub struct ApiSupplier {
    /// Id.
    pub id: i64,
    /// Company name.
    pub name: String,
    /// Companies House number.
    pub company_number: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
}

impl From<Supplier> for ApiSupplier {
    fn from(s: Supplier) -> Self {
        ApiSupplier {
            id: s.id,
            name: s.name,
            company_number: s.company_number,
            postcode: s.postcode,
        }
    }
}

/// A supplier company: the organisation's staff, or that company's own
/// supplier users and tokens.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/suppliers/{supplier}",
    params(("org" = String, Path, description = "Organisation slug"), ("supplier" = i64, Path, description = "Supplier id")),
    responses((status = 200, body = ApiSupplier), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn supplier(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ApiSupplier>, ApiError> {
    Ok(Json(load(&state, &ctx, &id).await?.into()))
}
