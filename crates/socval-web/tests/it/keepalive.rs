//! A real server and a client that keeps its connection open (HTTP/1.1
//! keep-alive), as browsers and API clients do: a POST refused before its
//! body is read must not cost the client its connection, and when the
//! server does close it (a body too large to read), it says so first.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::world;

/// One response: status, headers (lower case names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response (with `Content-Length`) from the connection;
/// `None` if the server closed it first.
async fn read_answer(conn: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Answer> {
    let read = async {
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                let mut lines = head.lines();
                let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
                let headers: Vec<(String, String)> = lines
                    .filter_map(|l| l.split_once(':'))
                    .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_owned()))
                    .collect();
                let length: usize = headers
                    .iter()
                    .find(|(n, _)| n == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                while buf.len() < end + 4 + length {
                    let mut chunk = [0u8; 8192];
                    let n = conn.read(&mut chunk).await.ok()?;
                    if n == 0 {
                        return None;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body = buf[end + 4..end + 4 + length].to_vec();
                buf.drain(..end + 4 + length);
                return Some(Answer {
                    status,
                    headers,
                    body,
                });
            }
            let mut chunk = [0u8; 8192];
            let n = conn.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()
        .flatten()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_post_keeps_the_connection_open() {
    let w = world().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = w.app.clone();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut conn = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let body = br#"{"format": "toml", "source": "[framework]"}"#;
    // Refused before the body is read: a bad token, a role too low (the
    // guard), a supplier's bid on a procurement it cannot see (the
    // handler, which looks the procurement up first).
    let supplier = w.session(w.supplier).await;
    let viewer = w.session(w.viewer).await;
    let refusals = [
        (
            "/api/v1/orgs/a/frameworks",
            "Authorization: Bearer svt_not-a-token".to_owned(),
            401,
        ),
        (
            "/api/v1/orgs/a/frameworks",
            format!("Authorization: Bearer {}", w.token_viewer),
            403,
        ),
        (
            "/orgs/a/procurements/999999/bid",
            format!(
                "Cookie: {}\r\nX-CSRF-Token: {}",
                supplier.cookie,
                supplier.csrf()
            ),
            404,
        ),
        (
            "/orgs/a/frameworks",
            format!(
                "Cookie: {}\r\nX-CSRF-Token: {}",
                viewer.cookie,
                viewer.csrf()
            ),
            403,
        ),
    ];
    for round in 0..3 {
        for (path, auth, want) in &refusals {
            // The headers first; the body only once the answer is in, as a
            // slow client's would arrive.
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: socval.test\r\n{auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            conn.write_all(head.as_bytes()).await.unwrap();
            let answer = read_answer(&mut conn, &mut buf)
                .await
                .unwrap_or_else(|| panic!("round {round}, {path}: no answer"));
            assert_eq!(answer.status, *want, "round {round}, {path}");
            assert_ne!(answer.header("connection"), Some("close"), "{path}");
            // The same connection serves the next request.
            let closed = format!("round {round}: the connection was closed after refusing {path}");
            conn.write_all(body).await.expect(&closed);
            conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: socval.test\r\n\r\n")
                .await
                .expect(&closed);
            let next = read_answer(&mut conn, &mut buf).await.unwrap_or_else(|| {
                panic!("round {round}: the connection was closed after refusing {path}")
            });
            assert_eq!(next.status, 200, "{}", String::from_utf8_lossy(&next.body));
        }
    }

    // A body too large to read through: refused at once, saying the
    // connection closes (not a silent close the client finds out later).
    let head = format!(
        "POST /api/v1/orgs/a/frameworks HTTP/1.1\r\nHost: socval.test\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        w.token_admin,
        200 * 1024 * 1024
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut conn, &mut buf).await.expect("an answer");
    assert_eq!(answer.status, 413);
    assert_eq!(answer.header("connection"), Some("close"));
}
