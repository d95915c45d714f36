//! An organisation's users: who has which role, pending invitations, and
//! inviting someone with a role (the link is shown once, to pass on).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use socval_store::{Invitation, Member, NewInvitation, Role, Supplier, normalise_email};

use crate::AppState;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::html::{FormErrors, Page, render};
use crate::org::org_page;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org}/members", get(members))
        .route("/orgs/{org}/invitations", post(invite))
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    page: Page,
    slug: String,
    members: Vec<Member>,
    invitations: Vec<Invitation>,
    suppliers: Vec<Supplier>,
    roles: &'static [Role],
    errors: FormErrors,
    form: InviteForm,
    link: String,
}

impl MembersPage {
    fn supplier_name(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.suppliers.iter().find(|s| s.id == id))
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }
}

#[derive(Deserialize, Default, Clone)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    supplier: String,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: InviteForm,
    link: String,
) -> Result<MembersPage, AppError> {
    let org = &ctx.org()?.org;
    let mut page = org_page(state, ctx, "Users")?;
    page.has_errors = !errors.is_empty();
    let now = state.now();
    let invitations = state
        .store
        .invitations(org.id)
        .await?
        .into_iter()
        .filter(|i| i.accepted_at.is_none() && i.expires_at > now)
        .collect();
    Ok(MembersPage {
        page,
        slug: org.slug.clone(),
        members: state.store.members(org.id).await?,
        invitations,
        suppliers: state.store.suppliers(org.id).await?,
        roles: Role::ALL,
        errors,
        form,
        link,
    })
}

async fn members(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let body = page(
        &state,
        &ctx,
        FormErrors::default(),
        InviteForm::default(),
        String::new(),
    )
    .await?;
    Ok(render(StatusCode::OK, &body))
}

async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<InviteForm>,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let mut errors = FormErrors::default();
    let email = normalise_email(&form.email);
    if email.is_empty() {
        errors.add("email", "Enter an email address");
    } else if !looks_like_email(&email) {
        errors.add(
            "email",
            "Enter an email address in the correct format, like name@example.org",
        );
    } else if state
        .store
        .members(org.id)
        .await?
        .iter()
        .any(|m| m.user.email == email)
    {
        errors.add(
            "email",
            "This person is already a member of the organisation",
        );
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
                None => errors.add(
                    "supplier",
                    "Select the supplier company this person works for",
                ),
            }
        }
        Some(_) if !form.supplier.is_empty() => errors.add(
            "supplier",
            "Only supplier users belong to a supplier company: leave this empty",
        ),
        Some(_) => {}
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        let body = page(&state, &ctx, errors, form, String::new()).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &body));
    };
    let new = NewInvitation {
        org_id: org.id,
        email,
        role,
        supplier_id,
        expires_at: state.now() + state.config.invitation_valid_for,
    };
    let (_, token) = state
        .store
        .create_invitation(&ctx.actor()?, state.now(), &new)
        .await?;
    let link = format!("{}/invitations/{token}", state.config.base_url());
    let body = page(
        &state,
        &ctx,
        FormErrors::default(),
        InviteForm::default(),
        link,
    )
    .await?;
    Ok(render(StatusCode::OK, &body))
}

/// Something, an @, a dotted domain; the link proves the rest.
pub(crate) fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
                && s.len() <= 254
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_shapes() {
        for (s, ok) in [
            ("a@b.org", true),
            ("a.b@council.gov.uk", true),
            ("a@b", false),
            ("@b.org", false),
            ("a b@c.org", false),
            ("ab.org", false),
            ("a@.org", false),
        ] {
            assert_eq!(super::looks_like_email(s), ok, "{s}");
        }
    }
}
