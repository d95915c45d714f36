//! Signing in and out, lockout, session expiry, password change,
//! invitations: as a user would see them.

use axum::http::StatusCode;
use socval_web::Config;

use crate::support::{PASSWORD, World, csrf_on_page, world, world_with};

pub async fn sign_in_sets_a_safe_cookie_and_the_session_works_until_sign_out(w: World) {
    let r = w.login("Admin@A.example", PASSWORD).await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/");
    let set = r
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("socval_session="))
        .expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set.contains(attr), "{attr} missing from {set}");
    }
    assert!(
        !set.contains("Secure"),
        "plain-HTTP deployments cannot use Secure cookies: {set}"
    );
    let cookie = format!("socval_session={}", r.cookie("socval_session").unwrap());
    let home = w.get_cookie("/", &cookie).await;
    home.assert_status(StatusCode::OK);
    assert!(home.body.contains("Alpha Borough Council"));
    let csrf = csrf_on_page(&home.body);
    let out = w
        .post_raw("/logout", Some(&cookie), &[("csrf_token", &csrf)])
        .await;
    assert_eq!(out.location(), "/login?signed_out=1");
    assert_eq!(
        w.get_cookie("/", &cookie).await.status,
        StatusCode::SEE_OTHER,
        "the session ended"
    );
}

#[tokio::test]
async fn cookies_are_secure_and_host_prefixed_behind_https() {
    let w = world_with(Config::new(Some("https://socval.example.gov.uk".into()))).await;
    let r = w.get("/login", None).await;
    let pre = r
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-socval_pre="))
        .expect("pre cookie");
    assert!(
        pre.contains("Secure") && pre.contains("SameSite=Strict"),
        "{pre}"
    );
    assert!(r.headers.get("strict-transport-security").is_some());
}

pub async fn a_wrong_password_keeps_the_email_and_five_lock_the_account(w: World) {
    for _ in 0..4 {
        let r = w.login("viewer@a.example", "not the password").await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("There is a problem"));
        assert!(
            r.body
                .contains("Enter a correct email address and password")
        );
        assert!(
            r.body.contains("value=\"viewer@a.example\""),
            "the email is kept"
        );
        assert!(r.body.contains("<title>Error: Sign in"));
    }
    let r = w.login("viewer@a.example", "not the password").await;
    assert!(
        r.body.contains("an account is locked for 15 minutes"),
        "{}",
        r.body
    );
    // Even the right password is refused while locked...
    let r = w.login("viewer@a.example", PASSWORD).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    // ...and works once the lock has passed.
    w.clock.advance(time::Duration::minutes(16));
    w.login("viewer@a.example", PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // Unknown addresses get the same answer as wrong passwords.
    let r = w.login("nobody@a.example", PASSWORD).await;
    assert!(
        r.body
            .contains("Enter a correct email address and password")
    );
}

pub async fn sessions_end_after_30_idle_minutes(w: World) {
    let s = w.session(w.viewer).await;
    w.clock.advance(time::Duration::minutes(29));
    w.get("/", Some(&s)).await.assert_status(StatusCode::OK);
    w.clock.advance(time::Duration::minutes(29));
    w.get("/", Some(&s)).await.assert_status(StatusCode::OK);
    w.clock.advance(time::Duration::minutes(31));
    let r = w.get("/orgs/a", Some(&s)).await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=/orgs/a");
}

pub async fn sign_out_everywhere_ends_every_session(w: World) {
    let one = w.session(w.officer).await;
    let two = w.session(w.officer).await;
    let r = w.post_form("/logout-everywhere", &one, &[]).await;
    assert_eq!(r.location(), "/login?signed_out=all");
    for s in [&one, &two] {
        assert_eq!(w.get("/", Some(s)).await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_the_password_checks_the_old_one_and_signs_out_elsewhere() {
    let w = world().await;
    let here = w.session(w.officer).await;
    let elsewhere = w.session(w.officer).await;
    let r = w
        .post_form(
            "/account/password",
            &here,
            &[
                ("current_password", "wrong one"),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Your current password is not correct"));
    assert!(r.body.contains("Password must be 10 characters or more"));
    assert!(
        r.body.contains("href=\"#current_password\""),
        "the summary links to the field"
    );
    let r = w
        .post_form(
            "/account/password",
            &here,
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new long passphrase"),
                ("confirm_password", "a new long passphrase"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/account?changed=1");
    w.get("/account", Some(&here))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(
        w.get("/account", Some(&elsewhere)).await.status,
        StatusCode::SEE_OTHER
    );
    w.login("officer@a.example", "a new long passphrase")
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_link_creates_the_account_once() {
    let w = world().await;
    let admin = w.session(w.admin).await;
    // Bad input: redisplayed with what was typed, nothing saved.
    let r = w
        .post_form(
            "/orgs/a/invitations",
            &admin,
            &[
                ("email", "not-an-email"),
                ("role", "officer"),
                ("supplier", ""),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Enter an email address in the correct format")
    );
    assert!(r.body.contains("value=\"not-an-email\""));
    assert!(r.body.contains("<option value=\"officer\" selected>"));
    let r = w
        .post_form(
            "/orgs/a/invitations",
            &admin,
            &[
                ("email", "x@a.example"),
                ("role", "supplier"),
                ("supplier", ""),
            ],
        )
        .await;
    assert!(r.body.contains("Select the supplier company"));
    assert!(
        w.store.invitations(w.org_a).await.unwrap().is_empty(),
        "nothing saved"
    );

    let (link, page, pre) =
        crate::support::open_invitation(&w, &admin, "New.Officer@a.example", "officer").await;
    page.assert_status(StatusCode::OK);
    assert!(page.body.contains("Join Alpha Borough Council"));
    let cookie = format!("socval_pre={pre}");
    let r = w
        .post_raw(
            &link,
            Some(&cookie),
            &[
                ("csrf_token", &pre),
                ("name", "Nia New"),
                ("password", "long enough pass"),
                ("confirm_password", "different pass"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Passwords must match"));
    assert!(r.body.contains("value=\"Nia New\""), "the name is kept");
    let r = w
        .post_raw(
            &link,
            Some(&cookie),
            &[
                ("csrf_token", &pre),
                ("name", "Nia New"),
                ("password", "long enough pass"),
                ("confirm_password", "long enough pass"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/orgs/a");
    let session = format!("socval_session={}", r.cookie("socval_session").unwrap());
    let org = w.get_cookie("/orgs/a", &session).await;
    assert!(org.body.contains("officer"), "{}", org.body);
    assert_eq!(
        w.get(&link, None).await.status,
        StatusCode::NOT_FOUND,
        "the link works once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_current_passwords_count_towards_the_lockout() {
    let w = world().await;
    let s = w.session(w.officer).await;
    let change = async |current: &str| {
        w.post_form(
            "/account/password",
            &s,
            &[
                ("current_password", current),
                ("new_password", "a new long passphrase"),
                ("confirm_password", "a new long passphrase"),
            ],
        )
        .await
    };
    for _ in 0..4 {
        let r = change("a guess at it").await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Your current password is not correct"));
    }
    let r = change("a fifth guess").await;
    assert!(r.body.contains("This account is locked"), "{}", r.body);
    // Locked: the right password changes nothing, and sign-in is refused.
    let r = change(PASSWORD).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("This account is locked"));
    w.login("officer@a.example", PASSWORD)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    w.clock.advance(time::Duration::minutes(16));
    let r = change(PASSWORD).await;
    assert_eq!(r.location(), "/account?changed=1", "{}", r.body);
}

crate::on_sqlite!(
    sign_in_sets_a_safe_cookie_and_the_session_works_until_sign_out,
    sessions_end_after_30_idle_minutes,
    sign_out_everywhere_ends_every_session,
    a_wrong_password_keeps_the_email_and_five_lock_the_account,
);

/// Issue 12, item 4: `next` sends people only to a path of this site; a
/// tab, a line break, a backslash or a doubled slash, which browsers read
/// as another host (or which cannot be a header), sends them home.
#[tokio::test(flavor = "multi_thread")]
async fn sign_in_sends_people_only_to_paths_of_this_site() {
    let w = world().await;
    let s = w.session(w.viewer).await;
    let cases = [
        ("/orgs/a", "/orgs/a"),
        (
            "/orgs/a/frameworks?year=2025%2F26",
            "/orgs/a/frameworks?year=2025%2F26",
        ),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\r\nSet-Cookie:%20x=1", "/"),
        ("/orgs/\u{7f}", "/"),
        ("/\\evil.example", "/"),
        ("/orgs\\..\\evil", "/"),
        ("//evil.example", "/"),
        ("/orgs//evil.example", "/"),
        ("https://evil.example", "/"),
        ("evil.example", "/"),
        ("/é", "/"),
        ("", "/"),
    ];
    for (next, want) in cases {
        // Already signed in: the sign-in page sends them on at once.
        let query = serde_urlencoded::to_string([("next", next)]).unwrap();
        let r = w.get(&format!("/login?{query}"), Some(&s)).await;
        r.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(r.location(), want, "GET next={next:?}");
        // Not signed in: the form carries `next` and signing in follows it.
        let page = w.get(&format!("/login?{query}"), None).await;
        page.assert_status(StatusCode::OK);
        let r = w
            .post_raw(
                "/login",
                Some("socval_pre=pre-value"),
                &[
                    ("csrf_token", "pre-value"),
                    ("email", "viewer@a.example"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        r.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(r.location(), want, "POST next={next:?}");
    }
}

/// The error summary of a page, which is all a refused sign-in says.
fn error_summary(html: &str) -> &str {
    let start = html.find("class=\"error-summary\"").expect("error summary");
    let end = html[start..].find("</div>").unwrap() + start;
    &html[start..end]
}

/// Issue 12, item 5: a locked account answers like an unknown address,
/// in words and in time, so that neither says which addresses have
/// accounts.
#[tokio::test(flavor = "multi_thread")]
async fn a_locked_account_answers_like_an_unknown_address() {
    let w = world().await;
    for _ in 0..5 {
        w.login("viewer@a.example", "not the password").await;
    }
    assert!(
        w.store
            .user(w.viewer)
            .await
            .unwrap()
            .is_locked(w.clock_now())
    );
    let timed = async |email: &str| {
        let start = std::time::Instant::now();
        let r = w.login(email, "not the password").await;
        (start.elapsed(), r)
    };
    // Warm up, then take the fastest of a few: the machine is shared.
    timed("nobody@a.example").await;
    let (mut unknown, mut locked) = (std::time::Duration::MAX, std::time::Duration::MAX);
    let mut bodies = Vec::new();
    for _ in 0..3 {
        let (t, r) = timed("nobody@a.example").await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        unknown = unknown.min(t);
        bodies.push(r.body);
        let (t, r) = timed("viewer@a.example").await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        locked = locked.min(t);
        bodies.push(r.body);
    }
    let unknown_says = error_summary(&bodies[0]);
    let locked_says = error_summary(&bodies[1]);
    assert_eq!(unknown_says, locked_says, "the same words");
    assert!(
        unknown_says
            .contains("After 5 failed attempts in a row an account is locked for 15 minutes"),
        "everyone is told how the lockout works: {unknown_says}"
    );
    assert!(
        locked * 2 > unknown,
        "a locked account answers in {locked:?}, an unknown address in {unknown:?}"
    );
}

/// Issue 12: new passwords follow the NCSC and NIST 800-63B: ten spaces or
/// ten zero-width spaces are not ten characters, and common passwords or
/// the person's own address are refused with a message saying why;
/// nothing changes.
#[tokio::test(flavor = "multi_thread")]
async fn new_passwords_must_be_long_uncommon_and_not_personal() {
    let w = world().await;
    let s = w.session(w.officer).await;
    for (new, says) in [
        (
            " ".repeat(10),
            "Password must be 10 characters or more, not counting spaces",
        ),
        (
            "\u{200B}".repeat(10),
            "Password must be 10 characters or more, not counting spaces",
        ),
        ("Password123!".to_owned(), "Password is too easy to guess"),
        ("1q2w3e4r5t".to_owned(), "Password is too easy to guess"),
        (
            "officer@a.example".to_owned(),
            "Password must not be your email address or your name",
        ),
        (
            "Olu Officer 2026".to_owned(),
            "Password must not be your email address or your name",
        ),
    ] {
        let r = w
            .post_form(
                "/account/password",
                &s,
                &[
                    ("current_password", PASSWORD),
                    ("new_password", &new),
                    ("confirm_password", &new),
                ],
            )
            .await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains(says), "{new:?}: {}", r.body);
        assert!(r.body.contains("href=\"#new_password\""), "{new:?}");
    }
    // Nothing changed: the old password still signs in.
    w.login("officer@a.example", PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // The same rules when an invitation creates the account.
    let admin = w.session(w.admin).await;
    let (link, _, pre) =
        crate::support::open_invitation(&w, &admin, "nia@a.example", "viewer").await;
    let cookie = format!("socval_pre={pre}");
    for (new, says) in [
        (
            "\u{200B}".repeat(12),
            "Password must be 10 characters or more, not counting spaces",
        ),
        ("qwertyuiop".to_owned(), "Password is too easy to guess"),
        (
            "nia@a.example".to_owned(),
            "Password must not be your email address or your name",
        ),
    ] {
        let r = w
            .post_raw(
                &link,
                Some(&cookie),
                &[
                    ("csrf_token", &pre),
                    ("name", "Nia New"),
                    ("password", &new),
                    ("confirm_password", &new),
                ],
            )
            .await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains(says), "{new:?}: {}", r.body);
    }
    w.get(&link, None).await.assert_status(StatusCode::OK);
}
