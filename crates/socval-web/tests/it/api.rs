//! The API answers every error as JSON `{"error": "..."}`, axum's own
//! refusals included (bad JSON, wrong content type, bad path or query
//! parameters, unknown routes, wrong methods, bodies too large).

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::support::world;

/// What is wrong, method, path, content type, body, the status expected.
type Case = (
    &'static str,
    Method,
    &'static str,
    Option<&'static str>,
    Vec<u8>,
    StatusCode,
);

#[tokio::test(flavor = "multi_thread")]
async fn every_api_error_is_json() {
    let w = world().await;
    let big = vec![b'x'; 6 * 1024 * 1024];
    let cases: Vec<Case> = vec![
        (
            "bad JSON",
            Method::POST,
            "/api/v1/orgs/a/frameworks",
            Some("application/json"),
            b"{not json".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a field missing",
            Method::POST,
            "/api/v1/orgs/a/frameworks",
            Some("application/json"),
            b"{}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong content type",
            Method::POST,
            "/api/v1/orgs/a/frameworks",
            Some("text/plain"),
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "no content type",
            Method::POST,
            "/api/v1/orgs/a/purchases",
            None,
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "bad query",
            Method::GET,
            "/api/v1/orgs/a/audit?limit=lots",
            None,
            Vec::new(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "bad path",
            Method::GET,
            "/api/v1/orgs/a/frameworks/%FF",
            None,
            Vec::new(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "bad org path",
            Method::GET,
            "/api/v1/orgs/%FF/frameworks",
            None,
            Vec::new(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "unknown route",
            Method::GET,
            "/api/v1/nothing-here",
            None,
            Vec::new(),
            StatusCode::NOT_FOUND,
        ),
        (
            "unknown route (POST)",
            Method::POST,
            "/api/v2/orgs",
            Some("application/json"),
            b"{}".to_vec(),
            StatusCode::NOT_FOUND,
        ),
        (
            "wrong method",
            Method::DELETE,
            "/api/v1/me",
            None,
            Vec::new(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            "wrong method (PUT)",
            Method::PUT,
            "/api/v1/orgs/a/frameworks",
            Some("application/json"),
            b"{}".to_vec(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            "too large",
            Method::POST,
            "/api/v1/orgs/a/frameworks",
            Some("application/json"),
            big,
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (what, method, path, content_type, body, want) in cases {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", w.token_admin));
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        // As every HTTP client sends it with a body of known size.
        if !body.is_empty() {
            b = b.header(header::CONTENT_LENGTH, body.len());
        }
        let r = w.send(b.body(Body::from(body)).unwrap()).await;
        assert_eq!(r.status, want, "{what}: {}", r.body);
        let ct = r
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            ct.starts_with("application/json"),
            "{what}: {ct:?} {}",
            r.body
        );
        let error = r.json()["error"].as_str().map(str::to_owned);
        assert!(
            error.as_deref().is_some_and(|e| !e.trim().is_empty()),
            "{what}: {}",
            r.body
        );
    }
    // A body sent in chunks, with no length up front, found too large
    // while it is read: 413 too, not a 400 saying "length limit exceeded".
    for path in ["/api/v1/orgs/a/frameworks", "/api/v1/orgs/a/purchases"] {
        let chunks = futures_chunks(vec![b'x'; 6 * 1024 * 1024]);
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", w.token_admin))
            .header(header::CONTENT_TYPE, "application/json")
            .body(chunks)
            .unwrap();
        let r = w.send(req).await;
        assert_eq!(
            r.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{path}: {}",
            r.body
        );
        assert!(r.json()["error"].is_string(), "{}", r.body);
    }
    // Pages keep HTML error pages.
    let r = w.get("/no-such-page", None).await;
    r.assert_status(StatusCode::NOT_FOUND);
    assert!(r.body.contains("<h1>Page not found</h1>"), "{}", r.body);
}

/// A body of `bytes` whose length is not known in advance (as a client
/// sends in chunks).
fn futures_chunks(bytes: Vec<u8>) -> Body {
    Body::new(Unsized(http_body_util::Full::new(axum::body::Bytes::from(
        bytes,
    ))))
}

/// A body that hides its size.
struct Unsized(http_body_util::Full<axum::body::Bytes>);

impl http_body::Body for Unsized {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.0).poll_frame(cx)
    }
}
