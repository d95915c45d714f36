//! Keeping a client's connection usable after a request is refused before
//! its body was read.
//!
//! The guard and handlers refuse many requests without reading the body:
//! a bad API token, a role that may not use the route, something that does
//! not exist for the caller, a `Content-Length` over the limit. hyper then
//! takes what of the body has already arrived and, if that is not all of
//! it, closes the connection after the answer, without saying so. A client
//! that sends its next request on the same connection (HTTP/1.1
//! keep-alive, as browsers and API clients do) finds it closed, and that
//! request is lost: about 1 refused POST in 100 in issue 12, whenever the
//! body had not quite arrived when the answer was sent.
//!
//! So [`keep_alive`] watches every request's body. If it is dropped before
//! its end and what is left is at most [`DRAIN_MAX`] bytes by its
//! `Content-Length`, the rest is read and thrown away after the answer has
//! gone (for at most [`DRAIN_TIME`]), and the connection carries on.
//! Otherwise (a larger body, or one of unknown length) reading it would
//! cost more than a new connection: the answer says `Connection: close`, so
//! the client knows not to reuse the connection.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::oneshot;

/// The most of an unread body that is read and thrown away to keep the
/// connection (bytes): a form or a JSON request, not an upload.
pub(crate) const DRAIN_MAX: u64 = 1024 * 1024;

/// How long the rest of a body may take to arrive before the connection is
/// given up.
pub(crate) const DRAIN_TIME: Duration = Duration::from_secs(10);

/// A request body that, dropped before its end, hands itself back (with
/// how much of it was read) so that [`keep_alive`] can finish it.
struct Watched {
    inner: Body,
    read: u64,
    finished: bool,
    unread: Option<oneshot::Sender<(Body, u64)>>,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                let n = frame.data_ref().map_or(0, |d| d.len() as u64);
                self.read += n;
            }
            // Ended, or broken: nothing more can be read from it.
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => self.finished = true,
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if self.finished || self.inner.is_end_stream() {
            return;
        }
        if let Some(back) = self.unread.take() {
            let inner = std::mem::replace(&mut self.inner, Body::empty());
            // The middleware may be gone (its request was abandoned): then
            // so is the connection, and nothing is lost.
            let _ = back.send((inner, self.read));
        }
    }
}

/// The middleware: see the [module documentation](self).
pub(crate) async fn keep_alive(req: Request, next: Next) -> Response {
    let declared: Option<u64> = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let (back, mut unread) = oneshot::channel();
    let req = req.map(|inner| {
        Body::new(Watched {
            inner,
            read: 0,
            finished: false,
            unread: Some(back),
        })
    });
    let mut res = next.run(req).await;
    // Only a body dropped unread comes back; one still held somewhere (not
    // done by any route) is left to hyper.
    if let Ok((rest, read)) = unread.try_recv() {
        match declared.map(|d| d.saturating_sub(read)) {
            Some(left) if left <= DRAIN_MAX => {
                tokio::spawn(async move {
                    // The answer goes out meanwhile; hyper reads the next
                    // request once this body has ended.
                    let _ = tokio::time::timeout(
                        DRAIN_TIME,
                        axum::body::to_bytes(rest, DRAIN_MAX as usize),
                    )
                    .await;
                });
            }
            _ => {
                res.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
        }
    }
    res
}
