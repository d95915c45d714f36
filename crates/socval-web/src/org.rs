//! The home page (the user's organisations, to switch between) and an
//! organisation's overview.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use socval_store::{Organisation, Role};

use crate::AppState;
use crate::account::user_page;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::html::{NavOrg, Page, render};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/orgs/{org}", get(overview))
}

/// A page's chrome inside the URL's organisation.
pub(crate) fn org_page(
    state: &AppState,
    ctx: &Ctx,
    title: impl Into<String>,
) -> Result<Page, AppError> {
    let mut page = user_page(state, ctx, title)?;
    let access = ctx.org()?;
    page.org = Some(NavOrg {
        slug: access.org.slug.clone(),
        name: access.org.name.clone(),
        role: access.role,
    });
    Ok(page)
}

/// What each role may do, in words, for the overview and the docs.
pub(crate) fn role_summary(role: Role) -> &'static str {
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
    reminders: Vec<crate::delivery::Reminder>,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let page = user_page(&state, &ctx, "Your organisations")?;
    let (session, _) = ctx.session()?;
    let memberships = state.store.memberships(session.user.id).await?;
    let reminders = crate::delivery::reminders(&state, &memberships).await?;
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
