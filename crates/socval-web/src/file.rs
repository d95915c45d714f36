//! The static files (`/static/{file}`): the stylesheet `asset.rs` holds,
//! under its content-hashed name, cached for a year.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::access::Access::Public;
use crate::access::{Route, get};
use crate::asset;
use crate::error::AppError;

/// The static files, for anyone.
pub(crate) fn routes() -> Vec<Route> {
    vec![get("/static/{file}", Public, file)]
}

async fn file(Path(name): Path<String>) -> Result<Response, AppError> {
    let Some(css) = asset::css(&name) else {
        return Err(AppError::NotFound);
    };
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
        css,
    )
        .into_response())
}
