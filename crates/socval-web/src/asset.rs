//! Static files compiled into the binary: the stylesheet, served under a
//! content-hashed name with a year-long cache, so a new release is fetched
//! at once and an unchanged one never is.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;

const CSS: &str = include_str!("../static/socval.css");

static CSS_NAME: LazyLock<String> = LazyLock::new(|| {
    let hash = hex::encode(Sha256::digest(CSS.as_bytes()));
    format!("socval-{}.css", &hash[..12])
});
static CSS_PATH: LazyLock<String> = LazyLock::new(|| format!("/static/{}", *CSS_NAME));

/// The stylesheet's URL path, e.g. `/static/socval-0123456789ab.css`.
pub fn css_path() -> &'static str {
    &CSS_PATH
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/static/{file}", get(file))
}

async fn file(Path(name): Path<String>) -> Result<Response, AppError> {
    if name != *CSS_NAME {
        return Err(AppError::NotFound);
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        CSS,
    )
        .into_response())
}
