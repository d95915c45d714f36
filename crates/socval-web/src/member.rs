//! An organisation's users: who has which role, pending invitations,
//! inviting someone with a role (the link is shown once, to pass on), and
//! for each member: changing their role, removing them, and disabling or
//! enabling their account (admins only; never themselves, never the last
//! admin, never an account shared with an organisation they do not
//! administer).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use socval_store::{
    Invitation, Member, NewInvitation, NewMembership, Organisation, Role, Supplier, normalise_email,
};

use crate::access::Access::Staff;
use crate::access::{Route, get, post};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::html::{FormErrors, Page, render};
use crate::limit::{MAX_EMAIL, too_long};
use crate::page::org_page;
use crate::state::AppState;

/// Members and invitations (admin).
pub(crate) fn routes() -> Vec<Route> {
    let admin = Staff(Role::Admin);
    vec![
        get("/orgs/{org}/members", admin, members),
        post("/orgs/{org}/invitations", admin, invite),
        get("/orgs/{org}/members/{member}", admin, member),
        post("/orgs/{org}/members/{member}/role", admin, change_role),
        post("/orgs/{org}/members/{member}/remove", admin, remove),
        post("/orgs/{org}/members/{member}/disable", admin, disable),
        post("/orgs/{org}/members/{member}/enable", admin, enable),
    ]
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
    notice: String,
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
    notice: String,
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
        notice,
    })
}

#[derive(Deserialize, Default)]
struct MembersQuery {
    /// The id of a user just removed from the organisation.
    #[serde(default)]
    removed: String,
}

async fn members(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MembersQuery>,
) -> Result<Response, AppError> {
    let notice = match q.removed.parse::<i64>() {
        Ok(id) => match state.store.user(id).await {
            Ok(u) => format!(
                "{} ({}) has been removed from {}.",
                u.name,
                u.email,
                ctx.org()?.org.name
            ),
            Err(_) => String::new(),
        },
        Err(_) => String::new(),
    };
    let body = page(
        &state,
        &ctx,
        FormErrors::default(),
        InviteForm::default(),
        String::new(),
        notice,
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
    } else if let Some(message) = too_long("Email address", &email, MAX_EMAIL) {
        errors.add("email", message);
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
    let (role, supplier_id) =
        role_and_supplier(&state, org.id, &form.role, &form.supplier, &mut errors).await?;
    let (Some(role), true) = (role, errors.is_empty()) else {
        let body = page(&state, &ctx, errors, form, String::new(), String::new()).await?;
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
        String::new(),
    )
    .await?;
    Ok(render(StatusCode::OK, &body))
}

// ---- one member: role, removal, account ----

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    page: Page,
    slug: String,
    org_name: String,
    member: Member,
    supplier_name: String,
    suppliers: Vec<Supplier>,
    roles: &'static [Role],
    errors: FormErrors,
    form: RoleForm,
    notice: String,
    /// The page is about the admin looking at it.
    is_self: bool,
    /// Why this admin may not disable or enable the account; empty if
    /// they may.
    can_disable: String,
}

#[derive(Deserialize, Default, Clone)]
struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    supplier: String,
}

#[derive(Deserialize, Default)]
struct MemberQuery {
    #[serde(default)]
    done: String,
}

/// What one of the member routes works on: the organisation, the admin
/// acting and the member named in the URL.
struct Target {
    org: Organisation,
    me: i64,
    member: Member,
}

/// The member `{member}` of the URL's organisation; 404 for anyone else
/// (a member of another organisation only, or no such user).
async fn target(state: &AppState, ctx: &Ctx, member: &str) -> Result<Target, AppError> {
    let org = ctx.org()?.org.clone();
    let (session, _) = ctx.session()?;
    let id: i64 = member.parse().map_err(|_| AppError::NotFound)?;
    let members = state.store.members(org.id).await?;
    let member = members
        .iter()
        .find(|m| m.user.id == id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    // The guard checked the role before the request waited for the lock;
    // another admin may have changed it meanwhile.
    if !members
        .iter()
        .any(|m| m.user.id == session.user.id && m.membership.role == Role::Admin)
    {
        return Err(AppError::Forbidden);
    }
    Ok(Target {
        org,
        me: session.user.id,
        member,
    })
}

/// Why the acting admin may not disable or enable `t.member`'s account, in
/// words for the page; empty if they may. An account is shared by every
/// organisation its user belongs to, so an admin may change it only if
/// they are an admin of every one of them; never their own.
async fn account_refusal(state: &AppState, t: &Target) -> Result<String, AppError> {
    let user = &t.member.user;
    if user.id == t.me {
        return Ok("You cannot disable your own account.".to_owned());
    }
    let verb = if user.disabled { "enable" } else { "disable" };
    let theirs = state.store.memberships(user.id).await?;
    let mine = state.store.memberships(t.me).await?;
    let admin_of = |org_id: i64| {
        mine.iter()
            .any(|m| m.organisation.id == org_id && m.membership.role == Role::Admin)
    };
    if theirs.iter().any(|m| !admin_of(m.organisation.id)) {
        return Ok(format!(
            "{} also belongs to an organisation you are not an admin of, so you cannot {verb} \
             their account: it is theirs too. You can remove {} from {}.",
            user.name, user.name, t.org.name
        ));
    }
    // The last admin of an organisation who can still sign in is never
    // disabled: the store refuses it (Error::LastAdmin) in the change's
    // transaction, for the portal and `socval admin` alike. Here the acting
    // admin is another admin of each of the user's organisations, so only a
    // concurrent change elsewhere can make that refusal happen.
    Ok(String::new())
}

async fn member_page(
    state: &AppState,
    ctx: &Ctx,
    t: &Target,
    errors: FormErrors,
    form: Option<RoleForm>,
    notice: String,
) -> Result<MemberPage, AppError> {
    let mut page = org_page(state, ctx, t.member.user.name.clone())?;
    page.has_errors = !errors.is_empty();
    let suppliers = state.store.suppliers(t.org.id).await?;
    let supplier_name = t
        .member
        .membership
        .supplier_id
        .and_then(|id| suppliers.iter().find(|s| s.id == id))
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let form = form.unwrap_or_else(|| RoleForm {
        role: t.member.membership.role.as_str().to_owned(),
        supplier: t
            .member
            .membership
            .supplier_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
    });
    Ok(MemberPage {
        page,
        slug: t.org.slug.clone(),
        org_name: t.org.name.clone(),
        member: t.member.clone(),
        supplier_name,
        suppliers,
        roles: Role::ALL,
        errors,
        form,
        notice,
        is_self: t.member.user.id == t.me,
        can_disable: account_refusal(state, t).await?,
    })
}

async fn member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, member)): Path<(String, String)>,
    Query(q): Query<MemberQuery>,
) -> Result<Response, AppError> {
    let t = target(&state, &ctx, &member).await?;
    let name = &t.member.user.name;
    let notice = match q.done.as_str() {
        "role" => format!(
            "{name} is now {} in {}.",
            t.member.membership.role, t.org.name
        ),
        "disabled" => {
            format!("The account of {name} is disabled and they have been signed out.")
        }
        "enabled" => format!("The account of {name} is enabled: they can sign in again."),
        _ => String::new(),
    };
    let body = member_page(&state, &ctx, &t, FormErrors::default(), None, notice).await?;
    Ok(render(StatusCode::OK, &body))
}

async fn refuse(
    state: &AppState,
    ctx: &Ctx,
    t: &Target,
    errors: FormErrors,
    form: Option<RoleForm>,
) -> Result<Response, AppError> {
    let body = member_page(state, ctx, t, errors, form, String::new()).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &body))
}

/// The store's refusal to leave an organisation without an admin who can
/// sign in, shown on the form's `field`; any other error as it is.
async fn last_admin(
    state: &AppState,
    ctx: &Ctx,
    t: &Target,
    field: &'static str,
    e: socval_store::Error,
    form: Option<RoleForm>,
) -> Result<Response, AppError> {
    match e {
        socval_store::Error::LastAdmin { .. } => {
            let mut errors = FormErrors::default();
            errors.add(field, e.to_string());
            refuse(state, ctx, t, errors, form).await
        }
        e => Err(e.into()),
    }
}

fn member_url(t: &Target, done: &str) -> String {
    format!(
        "/orgs/{}/members/{}?done={done}",
        t.org.slug, t.member.user.id
    )
}

async fn change_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, member)): Path<(String, String)>,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    // Check and change under one lock (the last-admin rule).
    let _changing = state.member_changes.clone().lock_owned().await;
    let t = target(&state, &ctx, &member).await?;
    let mut errors = FormErrors::default();
    let mut role = None;
    let mut supplier_id = None;
    if t.member.user.id == t.me {
        errors.add(
            "role",
            format!(
                "You cannot change your own role: ask another admin of {}",
                t.org.name
            ),
        );
    } else {
        (role, supplier_id) =
            role_and_supplier(&state, t.org.id, &form.role, &form.supplier, &mut errors).await?;
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        return refuse(&state, &ctx, &t, errors, Some(form)).await;
    };
    let unchanged =
        role == t.member.membership.role && supplier_id == t.member.membership.supplier_id;
    if !unchanged {
        let new = NewMembership {
            user_id: t.member.user.id,
            org_id: t.org.id,
            role,
            supplier_id,
        };
        // The store refuses to demote the last admin who can sign in.
        if let Err(e) = state
            .store
            .update_membership(&ctx.actor()?, state.now(), &new)
            .await
        {
            return last_admin(&state, &ctx, &t, "role", e, Some(form)).await;
        }
        tracing::info!(user_id = t.member.user.id, org = %t.org.slug, %role, "role changed");
    }
    Ok(Redirect::to(&member_url(&t, "role")).into_response())
}

async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, member)): Path<(String, String)>,
) -> Result<Response, AppError> {
    // Check and change under one lock (the last-admin rule).
    let _changing = state.member_changes.clone().lock_owned().await;
    let t = target(&state, &ctx, &member).await?;
    let mut errors = FormErrors::default();
    if t.member.user.id == t.me {
        errors.add(
            "remove",
            format!(
                "You cannot remove yourself: ask another admin of {}",
                t.org.name
            ),
        );
    }
    if !errors.is_empty() {
        return refuse(&state, &ctx, &t, errors, None).await;
    }
    // The store refuses to remove the last admin who can sign in.
    if let Err(e) = state
        .store
        .remove_membership(&ctx.actor()?, state.now(), t.member.user.id, t.org.id)
        .await
    {
        return last_admin(&state, &ctx, &t, "remove", e, None).await;
    }
    tracing::info!(user_id = t.member.user.id, org = %t.org.slug, "member removed");
    Ok(Redirect::to(&format!(
        "/orgs/{}/members?removed={}",
        t.org.slug, t.member.user.id
    ))
    .into_response())
}

async fn set_disabled(
    state: AppState,
    ctx: Ctx,
    member: String,
    disabled: bool,
) -> Result<Response, AppError> {
    // Check and change under one lock (the last-admin rule).
    let _changing = state.member_changes.clone().lock_owned().await;
    let t = target(&state, &ctx, &member).await?;
    let refusal = account_refusal(&state, &t).await?;
    if !refusal.is_empty() {
        let mut errors = FormErrors::default();
        errors.add("status", refusal);
        return refuse(&state, &ctx, &t, errors, None).await;
    }
    if t.member.user.disabled != disabled {
        // Disabling also ends every session of the account. The store
        // refuses to disable the last admin who can sign in.
        if let Err(e) = state
            .store
            .set_user_disabled(&ctx.actor()?, state.now(), t.member.user.id, disabled)
            .await
        {
            return last_admin(&state, &ctx, &t, "status", e, None).await;
        }
        tracing::info!(
            user_id = t.member.user.id,
            disabled,
            "account status changed"
        );
    }
    let done = if disabled { "disabled" } else { "enabled" };
    Ok(Redirect::to(&member_url(&t, done)).into_response())
}

async fn disable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, member)): Path<(String, String)>,
) -> Result<Response, AppError> {
    set_disabled(state, ctx, member, true).await
}

async fn enable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, member)): Path<(String, String)>,
) -> Result<Response, AppError> {
    set_disabled(state, ctx, member, false).await
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
                && s.chars().count() <= MAX_EMAIL
        }
        None => false,
    }
}

/// The role and supplier company chosen in a form (an invitation or a
/// member's new role): a supplier user needs one of the organisation's
/// supplier companies, anyone else none. What is wrong goes into `errors`.
async fn role_and_supplier(
    state: &AppState,
    org_id: i64,
    role: &str,
    supplier: &str,
    errors: &mut FormErrors,
) -> Result<(Option<Role>, Option<i64>), AppError> {
    let role: Option<Role> = role.parse().ok();
    let mut supplier_id = None;
    match role {
        None => errors.add("role", "Select a role"),
        Some(Role::Supplier) => {
            let suppliers = state.store.suppliers(org_id).await?;
            match supplier
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
        Some(_) if !supplier.is_empty() => errors.add(
            "supplier",
            "Only supplier users belong to a supplier company: select None",
        ),
        Some(_) => {}
    }
    Ok((role, supplier_id))
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
