//! The web layer's one error type.
//!
//! 4xx answers say what the user did wrong; 5xx answers say "internal
//! error" and the detail goes to the log, never to the response. Pages get
//! an HTML error page, `/api/v1` gets JSON (`{"error": "..."}`) through
//! [`ApiError`].

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::html::{Page, render};

/// An error answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: String,
}

/// Why an import was refused: nothing was saved.
#[derive(Serialize, ToSchema)]
pub struct ImportProblems {
    /// Summary.
    pub error: String,
    /// Each problem, with the field (`source`, `name`, `edition`) and the
    /// file's line where known.
    pub problems: Vec<ApiProblem>,
}

/// One problem.
#[derive(Serialize, ToSchema)]
pub struct ApiProblem {
    /// The request field it concerns.
    pub field: String,
    /// What is wrong, with file and line.
    pub message: String,
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in (or the session ended): pages redirect to the sign-in
    /// page, the API answers 401.
    #[error("sign in to continue")]
    Unauthenticated,
    /// Signed in, but the role does not allow this.
    #[error("you do not have permission to do this")]
    Forbidden,
    /// No such thing, or one the user may not know exists.
    #[error("page not found")]
    NotFound,
    /// The form did not carry a valid CSRF token.
    #[error("the form has expired: go back, reload the page and try again")]
    Csrf,
    /// The request body is larger than allowed.
    #[error("the file or form is too large (the limit is {limit} bytes)")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A request body larger than the route accepts, found while reading
    /// it (a body sent in chunks, with no length given up front).
    #[error("the request body is larger than this address accepts")]
    BodyTooLarge,
    /// A request body of a type the route does not read (JSON expected).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The request itself is malformed (bad query string, bad JSON).
    #[error("{0}")]
    BadRequest(String),
    /// Too many failed attempts from the client's address: refused for
    /// `retry_after` more seconds (sent as `Retry-After`).
    #[error("there have been too many failed attempts from your network: try again in {}", wait_words(*retry_after))]
    TooManyRequests {
        /// Seconds until attempts are accepted again.
        retry_after: u64,
    },
    /// A uniqueness rule: "already exists".
    #[error("{0}")]
    Conflict(String),
    /// Anything else: logged, answered as "internal error".
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// The HTTP status for this error.
    pub fn status_code(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::TooLarge { .. } | AppError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the response body says: the detail of 5xx errors is logged here
    /// and left out.
    fn public_message(&self) -> String {
        if let AppError::Internal(detail) = self {
            tracing::error!(error = %detail, "internal error");
        }
        self.to_string()
    }

    /// Adds `Retry-After` to a 429 answer.
    fn add_headers(&self, res: &mut Response) {
        if let AppError::TooManyRequests { retry_after } = self {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "Sign in to continue",
            AppError::Forbidden => "You do not have permission to see this page",
            AppError::NotFound => "Page not found",
            AppError::Csrf => "The form has expired",
            AppError::TooLarge { .. } | AppError::BodyTooLarge => "The upload is too large",
            AppError::UnsupportedMediaType(_) | AppError::BadRequest(_) => {
                "There is a problem with the request"
            }
            AppError::TooManyRequests { .. } => "Too many attempts",
            AppError::Conflict(_) => "That already exists",
            AppError::Internal(_) => "Sorry, there is a problem with the service",
        }
    }
}

/// A wait in words: "15 minutes", "1 minute", "40 seconds".
pub(crate) fn wait_words(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} seconds"),
        60 => "1 minute".to_owned(),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

impl From<axum::extract::rejection::JsonRejection> for AppError {
    /// A JSON body that could not be read: too large (413), not JSON by
    /// its content type (415), or malformed (400), saying why.
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::BodyTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(e.body_text()),
            _ => AppError::BadRequest(e.body_text()),
        }
    }
}

impl From<axum::extract::multipart::MultipartError> for AppError {
    /// A multipart form that could not be read: too large (413) or
    /// malformed (400).
    fn from(e: axum::extract::multipart::MultipartError) -> Self {
        match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::BodyTooLarge,
            _ => AppError::BadRequest(e.body_text()),
        }
    }
}

impl From<socval_app::Error> for AppError {
    /// A use case's error: the store's as the store's are answered,
    /// anything else the server's fault.
    fn from(e: socval_app::Error) -> Self {
        match e {
            socval_app::Error::Store(e) => e.into(),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<socval_store::Error> for AppError {
    fn from(e: socval_store::Error) -> Self {
        match e {
            socval_store::Error::NotFound { .. } => AppError::NotFound,
            socval_store::Error::Conflict { detail } => {
                AppError::Conflict(format!("already exists: {detail}"))
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let message = self.public_message();
        let page = Page::anonymous(self.title());
        let mut res = render(status, &ErrorPage { page, message });
        self.add_headers(&mut res);
        res
    }
}

/// An [`AppError`] answered as JSON, for `/api/v1`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status_code();
        let body = json!({ "error": self.0.public_message() });
        let mut res = (status, axum::Json(body)).into_response();
        self.0.add_headers(&mut res);
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"socval\""),
            );
        }
        res
    }
}

/// The multipart body of a form that sends a file, or a 400 that says how
/// to send it.
pub(crate) async fn multipart(
    req: axum::extract::Request,
) -> Result<axum::extract::Multipart, AppError> {
    use axum::extract::FromRequest;
    axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|e| {
            AppError::BadRequest(format!(
                "send the form as multipart/form-data: {}",
                e.body_text()
            ))
        })
}

/// The largest body of a refusal that is read to say what went wrong.
const MAX_REFUSAL_TEXT: usize = 4 * 1024;

/// Answers every API error as JSON `{"error": "..."}`, as the API
/// promises: the handlers' own errors already are ([`ApiError`]); this
/// catches what answers before or around them in plain text or HTML:
/// axum's refusals of a request (bad query or path parameters, a body that
/// is not the JSON expected), the 404 of an unknown API route, 405 for a
/// method the route does not have, 413 from the body limit. Their words
/// are kept (5xx: "internal error"), and so are their headers (`Allow`,
/// `Retry-After`, ...). `max_upload_bytes` is the site's upload limit
/// ([`crate::Config::max_upload_bytes`]), named in a 413.
pub(crate) async fn api_errors_as_json(
    axum::extract::State(max_upload_bytes): axum::extract::State<usize>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let method = req.method().clone();
    let res = next.run(req).await;
    let status = res.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if content_type.starts_with("application/json") {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let text = if content_type.starts_with("text/plain") {
        axum::body::to_bytes(body, MAX_REFUSAL_TEXT)
            .await
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let error = match status {
        s if s.is_server_error() => AppError::Internal(text),
        StatusCode::NOT_FOUND => AppError::BadRequest(
            "no such API endpoint: see /api/v1/openapi.json for the endpoints".to_owned(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => AppError::BadRequest(format!(
            "this endpoint does not take {method}: see /api/v1/openapi.json for its methods"
        )),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge {
            limit: max_upload_bytes,
        },
        _ if !text.is_empty() => AppError::BadRequest(text),
        s => AppError::BadRequest(
            s.canonical_reason()
                .unwrap_or("the request was refused")
                .to_lowercase(),
        ),
    };
    let body = json!({ "error": error.public_message() });
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, axum::body::Body::from(body.to_string()))
}
