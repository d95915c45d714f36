//! The frame of a signed-in page: the user in the header, and inside an
//! organisation its name, the user's role there and its navigation.

use crate::auth::Ctx;
use crate::csrf;
use crate::error::AppError;
use crate::html::{NavOrg, NavUser, Page};
use crate::state::AppState;

/// A page's chrome for the signed-in user (no organisation).
pub(crate) fn user_page(
    state: &AppState,
    ctx: &Ctx,
    title: impl Into<String>,
) -> Result<Page, AppError> {
    let (session, _) = ctx.session()?;
    Ok(Page {
        title: title.into(),
        user: Some(NavUser {
            name: session.user.name.clone(),
        }),
        org: None,
        csrf: csrf::token(session.session.csrf_secret.as_bytes()),
        has_errors: false,
        demo: state.config.demo,
    })
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
