//! What every page shares: the chrome around the content (header, phase
//! banner, navigation, footer) and form errors shown GOV.UK style (an error
//! summary at the top linking to each field, the message beside the field).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::asset;

/// A minimal page for when even the error page cannot be rendered.
pub(crate) const PLAIN_INTERNAL: &str = "<!DOCTYPE html><html lang=\"en-GB\"><title>Internal error</title><h1>Sorry, there is a problem with the service</h1><p>internal error</p></html>";

/// The signed-in user, for the header.
#[derive(Clone, Debug)]
pub struct NavUser {
    /// Display name.
    pub name: String,
}

/// The organisation being worked in, for the header and navigation.
#[derive(Clone, Debug)]
pub struct NavOrg {
    /// URL slug.
    pub slug: String,
    /// Full name.
    pub name: String,
    /// The user's role there.
    pub role: socval_store::Role,
}

impl NavOrg {
    /// Admins see the admin pages in the navigation.
    pub fn is_admin(&self) -> bool {
        self.role == socval_store::Role::Admin
    }

    /// Staff (admin, officer, viewer) see the organisation's data.
    pub fn is_staff(&self) -> bool {
        self.role != socval_store::Role::Supplier
    }
}

/// The chrome of one page.
#[derive(Clone, Debug)]
pub struct Page {
    /// The page's `<title>` and usually its `<h1>`.
    pub title: String,
    /// The signed-in user, if any.
    pub user: Option<NavUser>,
    /// The organisation in the URL, if any.
    pub org: Option<NavOrg>,
    /// A CSRF token for the header's sign-out form (and the page's forms).
    pub csrf: String,
    /// Prefixes the title with "Error: " when the page shows form errors.
    pub has_errors: bool,
    /// Whether to show the "This is a demo" phase banner.
    pub demo: bool,
}

impl Page {
    /// A page for someone not signed in.
    pub fn anonymous(title: impl Into<String>) -> Page {
        Page {
            title: title.into(),
            user: None,
            org: None,
            csrf: String::new(),
            has_errors: false,
            demo: false,
        }
    }

    /// The path of the stylesheet (content-hashed, cached for a year).
    pub fn css(&self) -> &'static str {
        asset::css_path()
    }
}

/// One field's error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's `id` (the summary links to `#id`).
    pub field: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The errors of one submitted form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    /// Records an error on `field`.
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
        });
    }

    /// True if nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// The status of the page showing the form: 200, or 422 when it shows
    /// errors.
    pub fn status(&self) -> StatusCode {
        if self.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// All errors, for the summary.
    pub fn all(&self) -> &[FieldError] {
        &self.0
    }
}

/// Renders an askama template as an HTML response with `status`.
pub fn render<T: askama::Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, Html(PLAIN_INTERNAL)).into_response()
        }
    }
}
