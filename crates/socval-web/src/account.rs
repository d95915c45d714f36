//! Signing in and out, the account page, changing the password, and
//! accepting an invitation (which creates the account or adds the
//! organisation to an existing one).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use socval_store::{AcceptInvitation, Actor, Invitation, Role, login, normalise_email, password};

use crate::access::Access::{Public, SignedIn};
use crate::access::{Route, get, post};
use crate::auth::{
    ClientAddr, Ctx, pre_cookie, pre_cookie_name, removal, session_cookie, session_cookie_name,
};
use crate::csrf;
use crate::error::{AppError, wait_words};
use crate::html::{FormErrors, Page, render};
use crate::limit::{MAX_EMAIL, MAX_SHORT_TEXT};
use crate::page::user_page;
use crate::state::AppState;

/// Signing in and out, the account pages and invitations.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/login", Public, login_page),
        post("/login", Public, login),
        post("/logout", SignedIn, logout),
        post("/logout-everywhere", SignedIn, logout_everywhere),
        get("/account", SignedIn, account),
        get("/account/password", SignedIn, password_page),
        post("/account/password", SignedIn, change_password),
        get("/invitations/{token}", Public, invitation_page),
        post("/invitations/{token}", Public, accept_invitation),
    ]
}

/// The double-submit value for a form shown before sign-in: the existing
/// cookie's, or a new one to set.
fn pre_token(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    let secure = state.config.secure_cookies();
    match jar
        .get(pre_cookie_name(secure))
        .map(|c| c.value().to_owned())
    {
        Some(v) if !v.is_empty() => (jar, v),
        _ => {
            let v = csrf::random_value();
            (jar.add(pre_cookie(secure, v.clone())), v)
        }
    }
}

/// Where to go after signing in: `next` if it is a path of this site,
/// otherwise the home page.
///
/// A path of this site starts with one `/` and holds only visible ASCII
/// (the form of a path in a `Location` header): no control characters,
/// spaces, backslashes or `//`. Browsers drop tabs and line breaks from a
/// URL and read `\` as `/`, so `/\t/evil.example` or `/\\evil.example` would
/// otherwise name another host, and a line break cannot be put in a header
/// at all.
fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && !next.contains("//");
    if local { next } else { "/" }
}

fn anon_page(state: &AppState, title: &str, errors: &FormErrors) -> Page {
    let mut page = Page::anonymous(title);
    page.has_errors = !errors.is_empty();
    page.demo = state.config.demo;
    page
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    errors: FormErrors,
    pre_token: String,
    email: String,
    next: String,
    notice: &'static str,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    signed_out: String,
}

async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Response {
    if ctx.principal.is_some() {
        return Redirect::to(safe_next(&q.next)).into_response();
    }
    let (jar, pre_token) = pre_token(&state, jar);
    let notice = match q.signed_out.as_str() {
        "1" => "You have signed out.",
        "all" => "You have signed out on every device.",
        _ => "",
    };
    let errors = FormErrors::default();
    let page = anon_page(&state, "Sign in", &errors);
    let body = LoginPage {
        page,
        errors,
        pre_token,
        email: String::new(),
        next: safe_next(&q.next).to_owned(),
        notice,
    };
    (jar, render(StatusCode::OK, &body)).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Why a sign-in failed, in words that do not say whether the address has
/// an account, or whether that account is locked: an unknown address, a
/// wrong password, a disabled account and a locked one all get these words
/// (and take as long, see `socval_store::login::authenticate`). Everyone is
/// told how the lockout works instead.
fn bad_login(policy: &socval_store::LockoutPolicy) -> String {
    format!(
        "Enter a correct email address and password. After {} failed attempts in a row an account is locked for {}",
        policy.max_failures,
        wait_words(policy.lock_for.whole_seconds().max(0).unsigned_abs())
    )
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddr(client): ClientAddr,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let now = state.now();
    let mut errors = FormErrors::default();
    let email = form.email.trim().to_owned();
    let policy = &state.config.throttle;
    // Too many failures from this address: refused before the password is
    // even looked at, whichever account it names.
    let refused = state.throttle.check(client, now).err();
    if let Some(wait) = refused {
        errors.add(
            "email",
            format!(
                "There have been too many failed attempts to sign in from your network. Try again in {}",
                wait_words(wait)
            ),
        );
    } else {
        if email.is_empty() {
            errors.add("email", "Enter your email address");
        } else {
            errors.check_length("email", "Email address", &email, MAX_EMAIL);
        }
        if form.password.is_empty() {
            errors.add("password", "Enter your password");
        }
    }
    let mut user = None;
    if refused.is_none() && errors.is_empty() {
        match login::authenticate(
            &*state.store,
            &normalise_email(&email),
            &form.password,
            now,
            &state.config.lockout,
        )
        .await
        {
            Ok(Some(u)) => user = Some(u),
            Ok(None) | Err(socval_store::Error::Locked { .. }) => {
                errors.add("email", bad_login(&state.config.lockout))
            }
            Err(e) => return Err(e.into()),
        }
        if user.is_none() {
            state.throttle.fail(policy, client, now);
            tracing::info!(%client, "failed sign-in");
        }
    }
    let Some(user) = user else {
        let (jar, pre_token) = pre_token(&state, jar);
        let page = anon_page(&state, "Sign in", &errors);
        let body = LoginPage {
            page,
            errors,
            pre_token,
            email,
            next: safe_next(&form.next).to_owned(),
            notice: "",
        };
        let Some(wait) = refused else {
            return Ok((jar, render(StatusCode::UNPROCESSABLE_ENTITY, &body)).into_response());
        };
        let retry_after = [(header::RETRY_AFTER, wait.to_string())];
        return Ok((
            retry_after,
            jar,
            render(StatusCode::TOO_MANY_REQUESTS, &body),
        )
            .into_response());
    };
    // A fresh session id at every sign-in (no session fixation).
    if let Ok((_, old)) = ctx.session() {
        state.store.delete_session(old).await?;
    }
    let (_, id) = state
        .store
        .create_session(user.id, now, &state.config.sessions)
        .await?;
    tracing::info!(user_id = user.id, "signed in");
    let jar = jar.add(session_cookie(state.config.secure_cookies(), id));
    Ok((jar, Redirect::to(safe_next(&form.next))).into_response())
}

fn locked_message(until: Option<time::OffsetDateTime>) -> String {
    let when = until
        .and_then(|t| {
            t.format(time::macros::format_description!("[hour]:[minute] UTC"))
                .ok()
        })
        .unwrap_or_else(|| "a few minutes".into());
    format!(
        "This account is locked after too many failed attempts to sign in. Try again after {when}"
    )
}

async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let (_, id) = ctx.session()?;
    state.store.delete_session(id).await?;
    let secure = state.config.secure_cookies();
    Ok((
        jar.add(removal(secure, session_cookie_name(secure))),
        Redirect::to("/login?signed_out=1"),
    )
        .into_response())
}

async fn logout_everywhere(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let (session, _) = ctx.session()?;
    let n = state
        .store
        .delete_user_sessions(session.user.id, None)
        .await?;
    tracing::info!(
        user_id = session.user.id,
        sessions = n,
        "signed out everywhere"
    );
    let secure = state.config.secure_cookies();
    Ok((
        jar.add(removal(secure, session_cookie_name(secure))),
        Redirect::to("/login?signed_out=all"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    name: String,
    email: String,
    notice: &'static str,
}

#[derive(Deserialize)]
struct AccountQuery {
    #[serde(default)]
    changed: String,
}

async fn account(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AccountQuery>,
) -> Result<Response, AppError> {
    let page = user_page(&state, &ctx, "Your account")?;
    let (session, _) = ctx.session()?;
    let notice = if q.changed == "1" {
        "Your password has been changed. You have been signed out everywhere else."
    } else {
        ""
    };
    let body = AccountPage {
        page,
        name: session.user.name.clone(),
        email: session.user.email.clone(),
        notice,
    };
    Ok(render(StatusCode::OK, &body))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    page: Page,
    errors: FormErrors,
}

async fn password_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let page = user_page(&state, &ctx, "Change your password")?;
    Ok(render(
        StatusCode::OK,
        &PasswordPage {
            page,
            errors: FormErrors::default(),
        },
    ))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// Checks a new password ([`password::check`]: length, common passwords,
/// the person's own `personal` details) and its confirmation, adding
/// errors on `new_field` / `confirm_field`.
fn check_new_password(
    errors: &mut FormErrors,
    new: &str,
    confirm: &str,
    personal: &[&str],
    new_field: &'static str,
    confirm_field: &'static str,
) {
    if let Err(weakness) = password::check(new, personal) {
        errors.add(new_field, weakness.to_string());
    } else if new != confirm {
        errors.add(confirm_field, "Passwords must match");
    }
}

async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let now = state.now();
    let (session, id) = ctx.session()?;
    let mut errors = FormErrors::default();
    if form.current_password.is_empty() {
        errors.add("current_password", "Enter your current password");
    } else {
        // Guesses here count towards the lockout like failed sign-ins, so a
        // borrowed or stolen session cannot try passwords without limit.
        let creds = state.store.credentials(&session.user.email).await?;
        if creds.user.is_locked(now) {
            errors.add("current_password", locked_message(creds.user.locked_until));
        } else if !password::verify_blocking(form.current_password.clone(), creds.password_hash)
            .await?
        {
            let user = state
                .store
                .record_login_failure(creds.user.id, now, &state.config.lockout)
                .await?;
            tracing::info!(user_id = user.id, "wrong current password");
            if user.is_locked(now) {
                errors.add("current_password", locked_message(user.locked_until));
            } else {
                errors.add("current_password", "Your current password is not correct");
            }
        }
    }
    check_new_password(
        &mut errors,
        &form.new_password,
        &form.confirm_password,
        &[&session.user.email, &session.user.name],
        "new_password",
        "confirm_password",
    );
    if !errors.is_empty() {
        let mut page = user_page(&state, &ctx, "Change your password")?;
        page.has_errors = true;
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage { page, errors },
        ));
    }
    let hash = password::hash_blocking(form.new_password).await?;
    state
        .store
        .set_password(&Actor::user(&session.user), now, session.user.id, &hash)
        .await?;
    state
        .store
        .delete_user_sessions(session.user.id, Some(id))
        .await?;
    Ok(Redirect::to("/account?changed=1").into_response())
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    page: Page,
    errors: FormErrors,
    pre_token: String,
    token: String,
    org_name: String,
    email: String,
    role: Role,
    existing: bool,
    name: String,
}

async fn load_invitation(
    state: &AppState,
    token: &str,
) -> Result<(Invitation, String, bool), AppError> {
    let inv = state
        .store
        .invitation(token, state.now())
        .await
        .map_err(|e| match e {
            socval_store::Error::NotFound { .. } => AppError::NotFound,
            e => e.into(),
        })?;
    let org = state.store.organisation(inv.org_id).await?;
    let existing = match state.store.user_by_email(&inv.email).await {
        Ok(_) => true,
        Err(socval_store::Error::NotFound { .. }) => false,
        Err(e) => return Err(e.into()),
    };
    Ok((inv, org.name, existing))
}

async fn invitation_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (inv, org_name, existing) = load_invitation(&state, &token).await?;
    let (jar, pre_token) = pre_token(&state, jar);
    let errors = FormErrors::default();
    let page = anon_page(&state, &format!("Join {org_name}"), &errors);
    let body = InvitationPage {
        page,
        errors,
        pre_token,
        token,
        org_name,
        email: inv.email,
        role: inv.role,
        existing,
        name: String::new(),
    };
    Ok((jar, render(StatusCode::OK, &body)).into_response())
}

#[derive(Deserialize)]
struct InvitationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn accept_invitation(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<InvitationForm>,
) -> Result<Response, AppError> {
    let now = state.now();
    let (inv, org_name, existing) = load_invitation(&state, &token).await?;
    let mut errors = FormErrors::default();
    let name = form.name.trim().to_owned();
    let password_hash = if existing {
        // The address already has an account: prove it is yours.
        let creds = state.store.credentials(&inv.email).await?;
        if form.password.is_empty()
            || creds.user.is_locked(now)
            || !password::verify_blocking(form.password.clone(), creds.password_hash.clone())
                .await?
        {
            if !creds.user.is_locked(now) && !form.password.is_empty() {
                state
                    .store
                    .record_login_failure(creds.user.id, now, &state.config.lockout)
                    .await?;
            }
            errors.add(
                "password",
                "Enter the correct password for your existing account",
            );
        }
        String::new()
    } else {
        if name.is_empty() {
            errors.add("name", "Enter your full name");
        } else {
            errors.check_length("name", "Name", &name, MAX_SHORT_TEXT);
        }
        check_new_password(
            &mut errors,
            &form.password,
            &form.confirm_password,
            &[&inv.email, &name],
            "password",
            "confirm_password",
        );
        if errors.is_empty() {
            password::hash_blocking(form.password.clone()).await?
        } else {
            String::new()
        }
    };
    if !errors.is_empty() {
        let (jar, pre_token) = pre_token(&state, jar);
        let page = anon_page(&state, &format!("Join {org_name}"), &errors);
        let body = InvitationPage {
            page,
            errors,
            pre_token,
            token,
            org_name,
            email: inv.email,
            role: inv.role,
            existing,
            name,
        };
        return Ok((jar, render(StatusCode::UNPROCESSABLE_ENTITY, &body)).into_response());
    }
    let (user, membership) = state
        .store
        .accept_invitation(
            &token,
            now,
            &AcceptInvitation {
                name,
                password_hash,
            },
        )
        .await?;
    let org = state.store.organisation(membership.org_id).await?;
    let (_, id) = state
        .store
        .create_session(user.id, now, &state.config.sessions)
        .await?;
    tracing::info!(user_id = user.id, org_id = org.id, "invitation accepted");
    let jar = jar.add(session_cookie(state.config.secure_cookies(), id));
    Ok((jar, Redirect::to(&format!("/orgs/{}", org.slug))).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        for (next, want) in [
            ("/orgs/a", "/orgs/a"),
            ("//evil.example", "/"),
            ("/\\evil.example", "/"),
            ("/orgs\\..\\evil", "/"),
            ("/\t/evil.example", "/"),
            ("/\n/evil.example", "/"),
            ("/orgs//evil.example", "/"),
            ("/orgs/caf\u{e9}", "/"),
            ("https://evil.example", "/"),
            ("", "/"),
        ] {
            assert_eq!(super::safe_next(next), want, "{next}");
        }
    }
}
