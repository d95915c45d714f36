//! Supplier companies: the organisation's staff see all of them; a
//! supplier user sees only their own (the guard enforces it by
//! [`crate::Access::SupplierOwn`]).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use socval_store::Supplier;

use crate::AppState;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::html::{Page, render};
use crate::org::org_page;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org}/suppliers", get(list))
        .route("/orgs/{org}/suppliers/{supplier}", get(show))
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
