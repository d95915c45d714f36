//! Throttling by client address: repeated failed sign-ins or bad API
//! tokens from one address are refused (429 with `Retry-After`) for a
//! while, whichever account they name; other addresses are not affected;
//! `X-Forwarded-For` counts only from a configured trusted proxy.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use socval_web::{Config, ThrottlePolicy};

use crate::support::{PASSWORD, Reply, World, world_with};

fn config(trusted_proxies: &[&str]) -> Config {
    let mut c = Config::new(None);
    c.throttle = ThrottlePolicy {
        max_failures: 3,
        window: time::Duration::minutes(10),
        refuse_for: time::Duration::minutes(15),
        max_addresses: 1000,
    };
    c.trusted_proxies = trusted_proxies.iter().map(|p| p.parse().unwrap()).collect();
    c
}

/// A request as it arrives from `peer` (the socket's address), with an
/// optional `X-Forwarded-For`.
fn from(peer: &str, forwarded: Option<&str>, mut req: Request<Body>) -> Request<Body> {
    let addr: SocketAddr = format!("{peer}:50000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    if let Some(f) = forwarded {
        req.headers_mut()
            .insert("x-forwarded-for", f.parse().unwrap());
    }
    req
}

async fn login_from(w: &World, peer: &str, email: &str, password: &str) -> Reply {
    let body = serde_urlencoded::to_string([
        ("csrf_token", "pre-value"),
        ("email", email),
        ("password", password),
        ("next", "/"),
    ])
    .unwrap();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, "socval_pre=pre-value")
        .body(Body::from(body))
        .unwrap();
    w.send(from(peer, None, req)).await
}

async fn api_from(w: &World, peer: &str, forwarded: Option<&str>, token: &str) -> Reply {
    let req = Request::builder()
        .uri("/api/v1/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    w.send(from(peer, forwarded, req)).await
}

fn retry_after(r: &Reply) -> u64 {
    r.headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After on {}", r.status))
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_sign_ins_from_one_address_are_refused_for_a_while() {
    let w = world_with(config(&[])).await;
    let attacker = "203.0.113.7";
    // Three different accounts, one wrong password each: no account
    // reaches its own lockout, but the address does.
    for email in ["admin@a.example", "officer@a.example", "nobody@a.example"] {
        login_from(&w, attacker, email, "guess123456")
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Now even the right password is refused from there, before it is
    // checked, with the GOV.UK error summary and the email kept.
    let r = login_from(&w, attacker, "viewer@a.example", PASSWORD).await;
    r.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&r), 15 * 60);
    assert!(r.body.contains("There is a problem"), "{}", r.body);
    assert!(
        r.body.contains(
            "There have been too many failed attempts to sign in from your network. Try again in 15 minutes"
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"viewer@a.example\""));
    assert!(r.body.contains("<title>Error: Sign in"));
    assert!(r.cookie("socval_session").is_none(), "not signed in");
    // Someone else, elsewhere, signs in as usual...
    login_from(&w, "198.51.100.20", "viewer@a.example", PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // ...and the accounts named were not locked by the attacker.
    assert_eq!(
        w.store.user(w.admin).await.unwrap().locked_until,
        None,
        "one failure does not lock an account"
    );
    // The wait counts down, and once it has passed the address may try
    // again.
    w.clock.advance(time::Duration::minutes(10));
    let r = login_from(&w, attacker, "viewer@a.example", PASSWORD).await;
    r.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&r), 5 * 60);
    assert!(r.body.contains("Try again in 5 minutes"));
    w.clock.advance(time::Duration::minutes(5));
    login_from(&w, attacker, "viewer@a.example", PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread")]
async fn successful_sign_ins_do_not_wipe_the_count() {
    let w = world_with(config(&[])).await;
    let a = "203.0.113.8";
    // An attacker with an account of their own cannot reset the count by
    // signing in between guesses.
    for _ in 0..3 {
        login_from(&w, a, "officer@a.example", PASSWORD)
            .await
            .assert_status(StatusCode::SEE_OTHER);
        login_from(&w, a, "admin@a.example", "guess123456")
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    login_from(&w, a, "officer@a.example", PASSWORD)
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn bad_api_tokens_from_one_address_are_refused_for_a_while() {
    let w = world_with(config(&[])).await;
    let good = w.token_viewer.clone();
    api_from(&w, "203.0.113.9", None, &good)
        .await
        .assert_status(StatusCode::OK);
    for guess in ["svt_guess1", "svt_guess2", "svt_guess3"] {
        api_from(&w, "203.0.113.9", None, guess)
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    let r = api_from(&w, "203.0.113.9", None, &good).await;
    r.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&r), 15 * 60);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("too many failed attempts from your network: try again in 15 minutes"),
        "{}",
        r.body
    );
    // Another address, and the browser session of the same person, work.
    api_from(&w, "203.0.113.10", None, &good)
        .await
        .assert_status(StatusCode::OK);
    let s = w.session(w.viewer).await;
    w.get("/api/v1/me", Some(&s))
        .await
        .assert_status(StatusCode::OK);
    w.clock.advance(time::Duration::minutes(15));
    api_from(&w, "203.0.113.9", None, &good)
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let proxy = "10.0.0.5";
    let w = world_with(config(&[proxy])).await;
    // Behind the proxy, each client is counted by the address the proxy
    // forwarded: one client's failures do not refuse another's requests.
    for _ in 0..3 {
        api_from(&w, proxy, Some("198.51.100.1"), "svt_bad")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    api_from(&w, proxy, Some("198.51.100.1"), &w.token_viewer)
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
    api_from(&w, proxy, Some("198.51.100.2"), &w.token_viewer)
        .await
        .assert_status(StatusCode::OK);
    // A client may prepend anything; only what the proxy appended counts.
    api_from(
        &w,
        proxy,
        Some("198.51.100.3, 198.51.100.2"),
        &w.token_viewer,
    )
    .await
    .assert_status(StatusCode::OK);
    api_from(
        &w,
        proxy,
        Some("198.51.100.2, 198.51.100.1"),
        &w.token_viewer,
    )
    .await
    .assert_status(StatusCode::TOO_MANY_REQUESTS);

    // Without the option the header is ignored: a client cannot dodge the
    // throttle by making up addresses.
    let w = world_with(config(&[])).await;
    for i in 0..3 {
        api_from(&w, "203.0.113.50", Some(&format!("192.0.2.{i}")), "svt_bad")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    api_from(&w, "203.0.113.50", Some("192.0.2.200"), &w.token_viewer)
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
}
