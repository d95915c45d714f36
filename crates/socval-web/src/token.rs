//! API tokens for integrations: an admin creates one with a role (the
//! secret is shown once), lists them, revokes them.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use socval_store::{ApiToken, NewApiToken, Role, Supplier};

use crate::access::Access::Staff;
use crate::access::{Route, get, post};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::html::{FormErrors, Page, render};
use crate::limit::MAX_SHORT_TEXT;
use crate::page::org_page;
use crate::state::AppState;

/// API tokens (admin).
pub(crate) fn routes() -> Vec<Route> {
    let admin = Staff(Role::Admin);
    vec![
        get("/orgs/{org}/tokens", admin, tokens),
        post("/orgs/{org}/tokens", admin, create),
        post("/orgs/{org}/tokens/{token}/revoke", admin, revoke),
    ]
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    page: Page,
    slug: String,
    tokens: Vec<ApiToken>,
    suppliers: Vec<Supplier>,
    roles: &'static [Role],
    errors: FormErrors,
    form: TokenForm,
    secret: String,
    now: time::OffsetDateTime,
    /// The organisation's admins who can sign in: a token made by anyone
    /// else does not work (the store checks at every request).
    admins: Vec<i64>,
}

impl TokensPage {
    fn status(&self, t: &ApiToken) -> &'static str {
        if t.revoked_at.is_some() {
            "revoked"
        } else if t.expires_at.is_some_and(|e| e <= self.now) {
            "expired"
        } else if t.created_by.is_some_and(|u| !self.admins.contains(&u)) {
            "Suspended: its creator is no longer an admin here"
        } else {
            "active"
        }
    }

    /// Active and suspended tokens can be revoked.
    fn revocable(&self, t: &ApiToken) -> bool {
        t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > self.now)
    }
}

#[derive(Deserialize, Default, Clone)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    supplier: String,
    #[serde(default)]
    expires_days: String,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: TokenForm,
    secret: String,
) -> Result<TokensPage, AppError> {
    let org = &ctx.org()?.org;
    let mut page = org_page(state, ctx, "API tokens")?;
    page.has_errors = !errors.is_empty();
    Ok(TokensPage {
        page,
        slug: org.slug.clone(),
        tokens: state.store.api_tokens(org.id).await?,
        suppliers: state.store.suppliers(org.id).await?,
        roles: Role::ALL,
        errors,
        form,
        secret,
        now: state.now(),
        admins: state
            .store
            .members(org.id)
            .await?
            .into_iter()
            .filter(|m| m.membership.role == Role::Admin && !m.user.disabled)
            .map(|m| m.user.id)
            .collect(),
    })
}

async fn tokens(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let body = page(
        &state,
        &ctx,
        FormErrors::default(),
        TokenForm::default(),
        String::new(),
    )
    .await?;
    Ok(render(StatusCode::OK, &body))
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let mut errors = FormErrors::default();
    let name = form.name.trim().to_owned();
    if name.is_empty() {
        errors.add("name", "Enter what the token is for");
    } else {
        errors.check_length("name", "Name", &name, MAX_SHORT_TEXT);
    }
    let role: Option<Role> = form.role.parse().ok();
    let mut supplier_id = None;
    match role {
        None => errors.add("role", "Select a role"),
        Some(Role::Supplier) => {
            let suppliers = state.store.suppliers(org.id).await?;
            match form
                .supplier
                .parse::<i64>()
                .ok()
                .filter(|id| suppliers.iter().any(|s| s.id == *id))
            {
                Some(id) => supplier_id = Some(id),
                None => errors.add("supplier", "Select the supplier company the token acts for"),
            }
        }
        Some(_) if !form.supplier.is_empty() => errors.add(
            "supplier",
            "Only supplier tokens belong to a supplier company: leave this empty",
        ),
        Some(_) => {}
    }
    let days = form.expires_days.trim();
    let expires_at = if days.is_empty() {
        None
    } else {
        match days.parse::<i64>() {
            Ok(d) if (1..=366).contains(&d) => Some(state.now() + time::Duration::days(d)),
            _ => {
                errors.add(
                    "expires_days",
                    "Enter a whole number of days from 1 to 366, or leave empty",
                );
                None
            }
        }
    };
    let (Some(role), true) = (role, errors.is_empty()) else {
        let body = page(&state, &ctx, errors, form, String::new()).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &body));
    };
    let new = NewApiToken {
        org_id: org.id,
        name,
        role,
        supplier_id,
        expires_at,
    };
    let (_, secret) = state
        .store
        .create_api_token(&ctx.actor()?, state.now(), &new)
        .await?;
    let body = page(
        &state,
        &ctx,
        FormErrors::default(),
        TokenForm::default(),
        secret,
    )
    .await?;
    Ok(render(StatusCode::OK, &body))
}

async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    // Only this organisation's tokens: another's id is "not found".
    if !state
        .store
        .api_tokens(org.id)
        .await?
        .iter()
        .any(|t| t.id == id)
    {
        return Err(AppError::NotFound);
    }
    state
        .store
        .revoke_api_token(&ctx.actor()?, state.now(), id)
        .await?;
    Ok(Redirect::to(&format!("/orgs/{}/tokens", org.slug)).into_response())
}
