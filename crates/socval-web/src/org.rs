//! The home page (the user's organisations, to switch between), an
//! organisation's overview, and the API's answer to who is calling and
//! where they may act.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use socval_store::{Organisation, Role};
use utoipa::{OpenApi, ToSchema};

use crate::access::Access::{Member, SignedIn};
use crate::access::{Route, get};
use crate::auth::{Ctx, Principal};
use crate::delivery::reminder::{Reminder, reminders};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::html::{Page, render};
use crate::page::{org_page, user_page};
use crate::state::AppState;

/// The home page, an organisation's overview, and who is calling and
/// where they may act (API).
pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/", SignedIn, home),
        get("/orgs/{org}", Member, overview),
        get("/api/v1/me", SignedIn, me),
        get("/api/v1/orgs", SignedIn, orgs),
    ]
}

#[derive(OpenApi)]
#[openapi(
    paths(me, orgs),
    components(schemas(ApiUser, ApiTokenInfo, ApiOrg, Me))
)]
struct OrgApi;

/// The caller's part of the OpenAPI document.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    OrgApi::openapi()
}

/// What each role may do, in words, for the overview and the docs.
fn role_summary(role: Role) -> &'static str {
    match role {
        Role::Admin => "You manage users, API tokens and frameworks, and can read the audit log.",
        Role::Officer => "You import frameworks and run procurements and contracts.",
        Role::Viewer => "You can read the organisation's frameworks, suppliers and figures.",
        Role::Supplier => "You can see your own company's details, bids, contracts and returns.",
    }
}

struct OrgRow {
    org: Organisation,
    role: Role,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    orgs: Vec<OrgRow>,
    reminders: Vec<Reminder>,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let page = user_page(&state, &ctx, "Your organisations")?;
    let (session, _) = ctx.session()?;
    let memberships = state.store.memberships(session.user.id).await?;
    let reminders = reminders(&state, &memberships).await?;
    let orgs = memberships
        .into_iter()
        .map(|m| OrgRow {
            org: m.organisation,
            role: m.membership.role,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &HomePage {
            page,
            orgs,
            reminders,
        },
    ))
}

#[derive(Template)]
#[template(path = "org.html")]
struct OverviewPage {
    page: Page,
    org: Organisation,
    role: Role,
    summary: &'static str,
    supplier_id: Option<i64>,
}

async fn overview(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let access = ctx.org()?.clone();
    let page = org_page(&state, &ctx, access.org.name.clone())?;
    let body = OverviewPage {
        page,
        summary: role_summary(access.role),
        role: access.role,
        supplier_id: access.supplier_id,
        org: access.org,
    };
    Ok(render(StatusCode::OK, &body))
}

// ---- API ----

/// A user.
#[derive(Serialize, ToSchema)]
pub struct ApiUser {
    /// Id.
    pub id: i64,
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub name: String,
}

/// The token making the request.
#[derive(Serialize, ToSchema)]
pub struct ApiTokenInfo {
    /// What it is for.
    pub name: String,
    /// Its first characters.
    pub prefix: String,
    /// The organisation it acts in (slug).
    pub org: String,
    /// Its role: `admin`, `officer`, `viewer` or `supplier`.
    pub role: String,
    /// For supplier tokens, the supplier company.
    pub supplier_id: Option<i64>,
}

/// An organisation and the caller's role there.
#[derive(Serialize, ToSchema)]
pub struct ApiOrg {
    /// Short name used in URLs.
    pub slug: String,
    /// Full name.
    pub name: String,
    /// `council`, `nhs_trust`, `college`, `housing_association` or `other`.
    pub kind: String,
    /// The caller's role: `admin`, `officer`, `viewer` or `supplier`.
    pub role: String,
    /// For suppliers, their company.
    pub supplier_id: Option<i64>,
}

/// Who is calling.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// The signed-in user (session requests).
    pub user: Option<ApiUser>,
    /// The token (token requests).
    pub token: Option<ApiTokenInfo>,
    /// Where the caller may act.
    pub orgs: Vec<ApiOrg>,
}

/// Who is calling, and where they may act.
#[utoipa::path(get, path = "/api/v1/me", responses(
    (status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Me>, ApiError> {
    let orgs = orgs_of(&state, &ctx).await?;
    Ok(Json(match ctx.principal()? {
        Principal::Session { session, .. } => Me {
            user: Some(ApiUser {
                id: session.user.id,
                email: session.user.email.clone(),
                name: session.user.name.clone(),
            }),
            token: None,
            orgs,
        },
        Principal::Token(t) => Me {
            user: None,
            token: Some(ApiTokenInfo {
                name: t.name.clone(),
                prefix: t.prefix.clone(),
                org: orgs.first().map(|o| o.slug.clone()).unwrap_or_default(),
                role: t.role.to_string(),
                supplier_id: t.supplier_id,
            }),
            orgs,
        },
    }))
}

async fn orgs_of(state: &AppState, ctx: &Ctx) -> Result<Vec<ApiOrg>, AppError> {
    Ok(match ctx.principal()? {
        Principal::Session { session, .. } => state
            .store
            .memberships(session.user.id)
            .await?
            .into_iter()
            .map(|m| ApiOrg {
                slug: m.organisation.slug,
                name: m.organisation.name,
                kind: m.organisation.kind.to_string(),
                role: m.membership.role.to_string(),
                supplier_id: m.membership.supplier_id,
            })
            .collect(),
        Principal::Token(t) => {
            let o = state.store.organisation(t.org_id).await?;
            vec![ApiOrg {
                slug: o.slug,
                name: o.name,
                kind: o.kind.to_string(),
                role: t.role.to_string(),
                supplier_id: t.supplier_id,
            }]
        }
    })
}

/// The organisations the caller may act in.
#[utoipa::path(get, path = "/api/v1/orgs", responses(
    (status = 200, body = [ApiOrg]), (status = 401, body = ErrorBody)))]
async fn orgs(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<ApiOrg>>, ApiError> {
    Ok(Json(orgs_of(&state, &ctx).await?))
}
