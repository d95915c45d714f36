//! The contract every `Store` implementation keeps, written once and run on
//! both backends.

use socval_store::*;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::harness::Raw;

const T0: OffsetDateTime = datetime!(2025-04-01 09:00:00 UTC);

/// Writes one `#[tokio::test]` per contract function for SQLite, and one
/// ignored test per function for PostgreSQL (named `postgres::...` so that
/// `cargo test -- --ignored postgres` selects them).
macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let h = crate::harness::sqlite().await;
                    super::$name(&*h.store, &h.raw()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[ignore = "needs PostgreSQL: .ci/run sets TEST_DATABASE_URL"]
                async fn $name() {
                    let h = crate::harness::postgres().await;
                    super::$name(&*h.store, &h.raw()).await;
                    h.drop().await;
                }
            )*
        }
    };
}

contract_tests!(
    organisations_slugs_are_unique_ignoring_case,
    missing_rows_are_not_found,
    emails_are_unique_ignoring_case,
    every_change_writes_an_audit_row,
    audit_log_refuses_update_and_delete,
    failed_transaction_changes_nothing,
    sessions_end_when_idle_or_too_old,
    session_access_reads_session_user_and_membership_at_once,
    last_seen_is_written_at_most_once_a_minute,
    log_out_everywhere,
    lockout_after_repeated_failures,
    api_tokens_are_found_by_hash_only,
    api_tokens_work_only_while_their_creator_is_an_admin,
    money_round_trips_exactly,
    supplier_roles_need_a_supplier_of_the_same_org,
    invitations_work_once_and_expire,
    frameworks_keep_their_source,
    seed_bench_inserts_in_batches,
    backup_copies_sqlite_and_refuses_postgres,
    audit_paging,
    an_organisations_policy_reads_back_wherever_the_organisation_does,
    spend_imports_are_audited_per_organisation,
    an_organisation_keeps_an_admin_who_can_sign_in,
    two_admins_demoting_each_other_at_once_leave_one,
    disabling_an_account_shows_in_each_of_its_organisations_logs,
);

fn cli() -> Actor {
    Actor::system("test")
}

/// A cheap Argon2id hash for tests (verification uses the parameters in the
/// hash, so the login path is the real one, only faster).
fn cheap_hash(password: &str) -> String {
    use argon2::password_hash::PasswordHasher;
    let params = argon2::Params::new(8, 1, 1, None).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    argon
        .hash_password(password.as_bytes())
        .unwrap()
        .to_string()
}

async fn org(store: &dyn Store, slug: &str) -> Organisation {
    store
        .create_organisation(
            &cli(),
            T0,
            &NewOrganisation::new(slug, format!("{slug} council"), OrgKind::Council),
        )
        .await
        .unwrap()
}

async fn user(store: &dyn Store, email: &str) -> User {
    let new = NewUser {
        email: email.to_string(),
        name: "A User".to_string(),
        password_hash: cheap_hash("a long password"),
    };
    store.create_user(&cli(), T0, &new).await.unwrap()
}

fn is_conflict<T: std::fmt::Debug>(r: &Result<T>) -> bool {
    matches!(r, Err(Error::Conflict { .. }))
}

fn is_not_found<T: std::fmt::Debug>(r: &Result<T>) -> bool {
    matches!(r, Err(Error::NotFound { .. }))
}

async fn organisations_slugs_are_unique_ignoring_case(store: &dyn Store, _raw: &Raw) {
    let a = org(store, "rotherham").await;
    assert_eq!(a.kind, OrgKind::Council);
    assert_eq!(a.created_at, T0);
    let again = store
        .create_organisation(
            &cli(),
            T0,
            &NewOrganisation::new("Rotherham", "Other", OrgKind::College),
        )
        .await;
    assert!(is_conflict(&again), "{again:?}");
    assert_eq!(store.organisation_by_slug("ROTHERHAM").await.unwrap(), a);
    let b = org(store, "nhs").await;
    let renamed = store
        .update_organisation(
            &cli(),
            T0,
            b.id,
            &NewOrganisation::new("rotherham", "clash", OrgKind::NhsTrust),
        )
        .await;
    assert!(is_conflict(&renamed), "{renamed:?}");
    assert_eq!(
        store.organisation(b.id).await.unwrap(),
        b,
        "a refused update changes nothing"
    );
    let names: Vec<_> = store
        .organisations()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.slug)
        .collect();
    assert_eq!(names, ["nhs", "rotherham"]);
}

async fn missing_rows_are_not_found(store: &dyn Store, _raw: &Raw) {
    assert!(is_not_found(&store.organisation(999).await));
    assert!(is_not_found(&store.organisation_by_slug("nowhere").await));
    assert!(is_not_found(&store.user(999).await));
    assert!(is_not_found(
        &store.user_by_email("nobody@example.org").await
    ));
    assert!(is_not_found(&store.membership(1, 1).await));
    assert!(is_not_found(&store.supplier(999).await));
    assert!(is_not_found(&store.framework(999).await));
    assert!(is_not_found(&store.session("no-such-session", T0).await));
    assert!(is_not_found(&store.api_token("svt_nothing", T0).await));
    assert!(is_not_found(&store.invitation("nothing", T0).await));
    assert!(is_not_found(&store.rename_user(&cli(), T0, 999, "x").await));
    assert!(is_not_found(&store.revoke_api_token(&cli(), T0, 999).await));
    assert!(is_not_found(&store.delete_framework(&cli(), T0, 999).await));
    assert!(is_not_found(
        &store.remove_membership(&cli(), T0, 1, 1).await
    ));
    assert!(is_not_found(
        &store
            .create_session(999, T0, &SessionPolicy::default())
            .await
    ));
    assert_eq!(
        store.audit_count(None).await.unwrap(),
        0,
        "failed changes write no audit rows"
    );
}

async fn emails_are_unique_ignoring_case(store: &dyn Store, _raw: &Raw) {
    let a = user(store, "Alice@Example.org").await;
    assert_eq!(a.email, "alice@example.org");
    let again = store
        .create_user(
            &cli(),
            T0,
            &NewUser {
                email: " alice@EXAMPLE.ORG ".into(),
                name: "B".into(),
                password_hash: cheap_hash("x"),
            },
        )
        .await;
    assert!(is_conflict(&again), "{again:?}");
    assert_eq!(store.user_by_email("ALICE@example.org").await.unwrap(), a);
    let not_email = store
        .create_user(
            &cli(),
            T0,
            &NewUser {
                email: "alice".into(),
                name: "B".into(),
                password_hash: cheap_hash("x"),
            },
        )
        .await;
    assert!(
        matches!(not_email, Err(Error::Invalid { .. })),
        "{not_email:?}"
    );
}

async fn every_change_writes_an_audit_row(store: &dyn Store, _raw: &Raw) {
    let admin = Actor::system("admin@cli");
    let t = |m: i64| T0 + Duration::minutes(m);
    let o = store
        .create_organisation(
            &admin,
            t(1),
            &NewOrganisation::new("rmbc", "RMBC", OrgKind::Council),
        )
        .await
        .unwrap();
    let mut changed = NewOrganisation::new("rmbc", "Rotherham MBC", OrgKind::Council);
    changed.procurement_threshold_pence = 12_345_678;
    store
        .update_organisation(&admin, t(2), o.id, &changed)
        .await
        .unwrap();
    let u = store
        .create_user(
            &admin,
            t(3),
            &NewUser {
                email: "o@x.org".into(),
                name: "O".into(),
                password_hash: cheap_hash("secret"),
            },
        )
        .await
        .unwrap();
    let by_u = Actor::user(&u);
    store
        .rename_user(&by_u, t(4), u.id, "Officer O")
        .await
        .unwrap();
    store
        .set_password(
            &by_u,
            t(5),
            u.id,
            "$argon2id$v=19$NEW-HASH-MUST-NOT-BE-AUDITED",
        )
        .await
        .unwrap();
    store
        .set_user_disabled(&admin, t(6), u.id, true)
        .await
        .unwrap();
    let s = store
        .create_supplier(
            &admin,
            t(7),
            &NewSupplier {
                org_id: o.id,
                name: "Acme".into(),
                company_number: None,
                postcode: Some("S60 1AE".into()),
            },
        )
        .await
        .unwrap();
    let m = NewMembership {
        user_id: u.id,
        org_id: o.id,
        role: Role::Officer,
        supplier_id: None,
    };
    store.add_membership(&admin, t(8), &m).await.unwrap();
    store
        .update_membership(
            &admin,
            t(9),
            &NewMembership {
                role: Role::Supplier,
                supplier_id: Some(s.id),
                ..m.clone()
            },
        )
        .await
        .unwrap();
    store
        .remove_membership(&admin, t(10), u.id, o.id)
        .await
        .unwrap();
    let (token, _) = store
        .create_api_token(
            &admin,
            t(11),
            &NewApiToken {
                org_id: o.id,
                name: "finance".into(),
                role: Role::Viewer,
                supplier_id: None,
                expires_at: None,
            },
        )
        .await
        .unwrap();
    store
        .revoke_api_token(&admin, t(12), token.id)
        .await
        .unwrap();
    let f = store
        .create_framework(
            &admin,
            t(13),
            &NewFramework {
                org_id: o.id,
                name: "open".into(),
                edition: "2025".into(),
                format: FrameworkFormat::Toml,
                source: "x = 1\n".into(),
            },
        )
        .await
        .unwrap();
    store.delete_framework(&admin, t(14), f.id).await.unwrap();
    let (_, link) = store
        .create_invitation(
            &admin,
            t(15),
            &NewInvitation {
                org_id: o.id,
                email: "new@x.org".into(),
                role: Role::Viewer,
                supplier_id: None,
                expires_at: t(60),
            },
        )
        .await
        .unwrap();
    store
        .accept_invitation(
            &link,
            t(16),
            &AcceptInvitation {
                name: "New".into(),
                password_hash: cheap_hash("pw"),
            },
        )
        .await
        .unwrap();

    let rows = store
        .audit(&AuditQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let seen: Vec<(String, &str, AuditAction)> = rows
        .iter()
        .map(|r| (r.at.minute().to_string(), r.entity_type.as_str(), r.action))
        .collect();
    use AuditAction::*;
    let want = [
        ("1", "organisation", Create),
        ("2", "organisation", Update),
        ("3", "user", Create),
        ("4", "user", Update),
        ("5", "user", Update),
        ("6", "user", Update),
        ("7", "supplier", Create),
        ("8", "membership", Create),
        ("9", "membership", Update),
        ("10", "membership", Delete),
        ("11", "api_token", Create),
        ("12", "api_token", Update),
        ("13", "framework", Create),
        ("14", "framework", Delete),
        ("15", "invitation", Create),
        ("16", "user", Create),
        ("16", "invitation", Update),
        ("16", "membership", Create),
    ];
    let want: Vec<(String, &str, AuditAction)> = want
        .iter()
        .map(|(m, e, a)| (m.to_string(), *e, *a))
        .collect();
    assert_eq!(seen, want);
    for r in &rows {
        match r.action {
            Create => assert!(r.before.is_none() && r.after.is_some(), "{r:?}"),
            Update => assert!(r.before.is_some() && r.after.is_some(), "{r:?}"),
            Delete => assert!(r.before.is_some() && r.after.is_none(), "{r:?}"),
        }
        for json in r.before.iter().chain(&r.after) {
            serde_json::from_str::<serde_json::Value>(json).unwrap();
            assert!(
                !json.contains("argon2"),
                "password hashes never reach the audit log: {json}"
            );
        }
    }
    // Who, which organisation, before and after.
    let update = &rows[1];
    assert_eq!(update.actor, "admin@cli");
    assert_eq!(update.actor_user_id, None);
    assert_eq!(update.org_id, Some(o.id));
    assert_eq!(update.entity_id, o.id.to_string());
    let before: serde_json::Value =
        serde_json::from_str(update.before.as_deref().unwrap()).unwrap();
    let after: serde_json::Value = serde_json::from_str(update.after.as_deref().unwrap()).unwrap();
    assert_eq!(before["name"], "RMBC");
    assert_eq!(after["name"], "Rotherham MBC");
    assert_eq!(after["procurement_threshold_pence"], 12_345_678);
    assert_eq!(rows[3].actor_user_id, Some(u.id));
    assert_eq!(rows[9].entity_id, format!("{}:{}", u.id, o.id));
    assert_eq!(store.audit_count(Some(o.id)).await.unwrap(), 14);
    assert_eq!(store.audit_count(None).await.unwrap(), 18);
}

async fn audit_log_refuses_update_and_delete(store: &dyn Store, raw: &Raw) {
    org(store, "a").await;
    org(store, "b").await;
    assert!(
        raw.execute("UPDATE audit_log SET actor = 'someone else'")
            .await
            .is_err()
    );
    assert!(raw.execute("DELETE FROM audit_log").await.is_err());
    let rows = store
        .audit(&AuditQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.actor == "test"));
}

async fn failed_transaction_changes_nothing(store: &dyn Store, raw: &Raw) {
    let o = org(store, "o").await;
    let u = user(store, "member@x.org").await;
    store
        .add_membership(
            &cli(),
            T0,
            &NewMembership {
                user_id: u.id,
                org_id: o.id,
                role: Role::Viewer,
                supplier_id: None,
            },
        )
        .await
        .unwrap();
    // An invitation for someone who is already a member: accepting marks the
    // invitation used and writes its audit row, then the membership insert
    // conflicts, and all of it must be undone.
    let (inv, link) = store
        .create_invitation(
            &cli(),
            T0,
            &NewInvitation {
                org_id: o.id,
                email: "MEMBER@x.org".into(),
                role: Role::Admin,
                supplier_id: None,
                expires_at: T0 + Duration::days(7),
            },
        )
        .await
        .unwrap();
    let audit_before = store.audit_count(None).await.unwrap();
    let accepted = store
        .accept_invitation(
            &link,
            T0,
            &AcceptInvitation {
                name: "M".into(),
                password_hash: cheap_hash("p"),
            },
        )
        .await;
    assert!(is_conflict(&accepted), "{accepted:?}");
    assert_eq!(store.audit_count(None).await.unwrap(), audit_before);
    assert_eq!(
        store.invitation(&link, T0).await.unwrap(),
        inv,
        "the invitation is still unused"
    );
    assert_eq!(
        store.membership(u.id, o.id).await.unwrap().role,
        Role::Viewer
    );
    // Foreign keys are enforced (SQLite needs them switched on).
    let s = store
        .create_supplier(
            &cli(),
            T0,
            &NewSupplier {
                org_id: o.id,
                name: "S".into(),
                company_number: None,
                postcode: None,
            },
        )
        .await
        .unwrap();
    store
        .add_membership(
            &cli(),
            T0,
            &NewMembership {
                user_id: user(store, "s@x.org").await.id,
                org_id: o.id,
                role: Role::Supplier,
                supplier_id: Some(s.id),
            },
        )
        .await
        .unwrap();
    assert!(
        raw.execute("DELETE FROM suppliers").await.is_err(),
        "a supplier with members cannot vanish"
    );
}

async fn sessions_end_when_idle_or_too_old(store: &dyn Store, _raw: &Raw) {
    let u = user(store, "s@x.org").await;
    let policy = SessionPolicy {
        idle: Duration::minutes(30),
        absolute: Duration::hours(2),
    };
    let (session, id) = store.create_session(u.id, T0, &policy).await.unwrap();
    assert_ne!(session.id_hash, id, "the id is not stored in clear");
    assert_eq!(session.id_hash, secret::hash(&id));
    let m = |mins: i64| T0 + Duration::minutes(mins);
    // Kept alive by use every 29 minutes...
    for at in [29, 58, 87, 116] {
        let found = store.session(&id, m(at)).await.unwrap();
        assert_eq!(found.user, u);
        assert_eq!(found.session.csrf_secret, session.csrf_secret);
    }
    // ...but never beyond the absolute limit.
    assert!(is_not_found(&store.session(&id, m(120)).await));
    assert!(
        is_not_found(&store.session(&id, m(1)).await),
        "an expired session is deleted"
    );

    let (_, idle) = store.create_session(u.id, T0, &policy).await.unwrap();
    assert!(store.session(&idle, m(29)).await.is_ok());
    assert!(
        is_not_found(&store.session(&idle, m(29 + 30)).await),
        "idle for 30 minutes"
    );

    // Expired sessions are swept.
    store.create_session(u.id, T0, &policy).await.unwrap();
    store.create_session(u.id, m(100), &policy).await.unwrap();
    assert_eq!(store.delete_expired_sessions(m(31)).await.unwrap(), 1);

    // A disabled user's sessions stop working.
    let (_, live) = store.create_session(u.id, m(100), &policy).await.unwrap();
    assert!(store.session(&live, m(101)).await.is_ok());
    store
        .set_user_disabled(&cli(), m(102), u.id, true)
        .await
        .unwrap();
    assert!(is_not_found(&store.session(&live, m(103)).await));
}

async fn session_access_reads_session_user_and_membership_at_once(store: &dyn Store, _raw: &Raw) {
    let u = user(store, "member@x.org").await;
    let mine = org(store, "mine").await;
    let other = org(store, "other").await;
    let supplier = store
        .create_supplier(
            &cli(),
            T0,
            &NewSupplier {
                org_id: mine.id,
                name: "Acme".into(),
                company_number: None,
                postcode: None,
            },
        )
        .await
        .unwrap();
    store
        .add_membership(
            &cli(),
            T0,
            &NewMembership {
                user_id: u.id,
                org_id: mine.id,
                role: Role::Supplier,
                supplier_id: Some(supplier.id),
            },
        )
        .await
        .unwrap();
    let policy = SessionPolicy::default();
    let (session, id) = store.create_session(u.id, T0, &policy).await.unwrap();

    // The organisation in the URL (any case) and the user's role there.
    let a = store.session_access(&id, Some("MINE"), T0).await.unwrap();
    assert_eq!(a.session.user, u);
    assert_eq!(a.session.session, session);
    let m = a.membership.expect("a member of mine");
    assert_eq!(m.organisation, mine);
    assert_eq!(m.membership, store.membership(u.id, mine.id).await.unwrap());
    assert_eq!(m.membership.role, Role::Supplier);
    assert_eq!(m.membership.supplier_id, Some(supplier.id));
    // Another organisation, one that does not exist, or none asked for:
    // the session is still found, without a membership.
    for slug in [Some("other"), Some("nowhere"), None] {
        let a = store.session_access(&id, slug, T0).await.unwrap();
        assert_eq!(a.session.user, u, "{slug:?}");
        assert_eq!(a.membership, None, "{slug:?}");
    }
    assert!(store.membership(u.id, other.id).await.is_err());
    // The same session as Store::session sees it.
    assert_eq!(store.session(&id, T0).await.unwrap(), a.session);
    // Unknown, expired and disabled: NotFound, as for Store::session.
    assert!(is_not_found(
        &store.session_access("nope", Some("mine"), T0).await
    ));
    let late = T0 + policy.idle;
    assert!(is_not_found(
        &store.session_access(&id, Some("mine"), late).await
    ));
    assert!(
        is_not_found(&store.session(&id, T0).await),
        "expired sessions are deleted"
    );
    let (_, live) = store.create_session(u.id, T0, &policy).await.unwrap();
    store
        .set_user_disabled(&cli(), T0, u.id, true)
        .await
        .unwrap();
    assert!(is_not_found(
        &store.session_access(&live, Some("mine"), T0).await
    ));
}

async fn last_seen_is_written_at_most_once_a_minute(store: &dyn Store, _raw: &Raw) {
    let u = user(store, "busy@x.org").await;
    let policy = SessionPolicy {
        idle: Duration::minutes(30),
        absolute: Duration::hours(12),
    };
    let (_, id) = store.create_session(u.id, T0, &policy).await.unwrap();
    let s = |secs: i64| T0 + Duration::seconds(secs);
    let seen = async |at: i64| {
        let a = store.session_access(&id, None, s(at)).await.unwrap();
        (
            a.session.session.last_seen_at,
            a.session.session.idle_expires_at,
        )
    };
    // Within the first minute nothing is written: a later read still finds
    // the sign-in time.
    assert_eq!(seen(30).await, (T0, s(30 * 60)));
    assert_eq!(seen(59).await, (T0, s(30 * 60)));
    // A minute on, the use is recorded and the idle expiry moves with it.
    assert_eq!(seen(61).await, (s(61), s(61 + 30 * 60)));
    assert_eq!(seen(100).await, (s(61), s(61 + 30 * 60)), "written once");
    // Idle time counts from the last recorded use: 30 minutes after it the
    // session has ended, though the last request was 39 s later.
    assert!(store.session(&id, s(61 + 30 * 60 - 1)).await.is_ok());
    let (_, id2) = store.create_session(u.id, T0, &policy).await.unwrap();
    store.session(&id2, s(59)).await.unwrap();
    assert!(
        is_not_found(&store.session(&id2, s(30 * 60)).await),
        "idle for 30 minutes since the recorded use"
    );
}

async fn log_out_everywhere(store: &dyn Store, _raw: &Raw) {
    let u = user(store, "a@x.org").await;
    let other = user(store, "b@x.org").await;
    let policy = SessionPolicy::default();
    let (_, one) = store.create_session(u.id, T0, &policy).await.unwrap();
    let (_, two) = store.create_session(u.id, T0, &policy).await.unwrap();
    let (_, three) = store.create_session(u.id, T0, &policy).await.unwrap();
    let (_, theirs) = store.create_session(other.id, T0, &policy).await.unwrap();
    store.delete_session(&one).await.unwrap();
    assert!(is_not_found(&store.session(&one, T0).await));
    assert_eq!(
        store.delete_user_sessions(u.id, Some(&two)).await.unwrap(),
        1
    );
    assert!(
        store.session(&two, T0).await.is_ok(),
        "the current session is kept"
    );
    assert!(is_not_found(&store.session(&three, T0).await));
    assert_eq!(store.delete_user_sessions(u.id, None).await.unwrap(), 1);
    assert!(is_not_found(&store.session(&two, T0).await));
    assert!(
        store.session(&theirs, T0).await.is_ok(),
        "other users are not logged out"
    );
}

async fn lockout_after_repeated_failures(store: &dyn Store, _raw: &Raw) {
    let u = store
        .create_user(
            &cli(),
            T0,
            &NewUser {
                email: "l@x.org".into(),
                name: "L".into(),
                password_hash: cheap_hash("right password"),
            },
        )
        .await
        .unwrap();
    let policy = LockoutPolicy {
        max_failures: 3,
        lock_for: Duration::minutes(15),
    };
    let m = |mins: i64| T0 + Duration::minutes(mins);
    let login = |pw: &'static str, at| login::authenticate(store, "L@X.org", pw, at, &policy);
    assert_eq!(
        login("right password", m(0)).await.unwrap(),
        Some(store.user(u.id).await.unwrap())
    );
    assert_eq!(login("wrong", m(1)).await.unwrap(), None);
    assert_eq!(login("wrong", m(2)).await.unwrap(), None);
    assert!(matches!(login("wrong", m(3)).await, Err(Error::Locked { until }) if until == m(18)));
    assert!(
        matches!(
            login("right password", m(4)).await,
            Err(Error::Locked { .. })
        ),
        "locked even with the right password"
    );
    let back = login("right password", m(19)).await.unwrap().unwrap();
    assert_eq!(back.failed_logins, 0);
    assert_eq!(back.locked_until, None);
    assert_eq!(login("nobody", m(20)).await.unwrap(), None);
    assert_eq!(
        login::authenticate(store, "unknown@x.org", "x", m(20), &policy)
            .await
            .unwrap(),
        None
    );
    store
        .set_user_disabled(&cli(), m(21), u.id, true)
        .await
        .unwrap();
    assert_eq!(
        login("right password", m(22)).await.unwrap(),
        None,
        "disabled users cannot log in"
    );
}

/// Issue 12: a token acts with the authority of the admin who made it, so
/// it stops the moment they are no longer an admin of its organisation who
/// can sign in (removed, demoted, disabled), and works again only if they
/// are again. Tokens made at the command line have no creator to check.
async fn api_tokens_work_only_while_their_creator_is_an_admin(store: &dyn Store, _raw: &Raw) {
    let o = org(store, "o").await;
    let p = org(store, "p").await;
    let (creator, other) = (
        user(store, "ann@x.example").await,
        user(store, "bo@x.example").await,
    );
    let membership = |user_id, org_id, role| NewMembership {
        user_id,
        org_id,
        role,
        supplier_id: None,
    };
    for (u, org_id) in [
        (creator.id, o.id),
        (other.id, o.id),
        (creator.id, p.id),
        (other.id, p.id),
    ] {
        store
            .add_membership(&cli(), T0, &membership(u, org_id, Role::Admin))
            .await
            .unwrap();
    }
    let new = NewApiToken {
        org_id: o.id,
        name: "finance".into(),
        role: Role::Viewer,
        supplier_id: None,
        expires_at: None,
    };
    let (_, secret) = store
        .create_api_token(&Actor::user(&creator), T0, &new)
        .await
        .unwrap();
    let (_, cli_secret) = store.create_api_token(&cli(), T0, &new).await.unwrap();
    let works = async || store.api_token(&secret, T0).await.is_ok();
    let actor = Actor::user(&other);
    assert!(works().await);
    store
        .update_membership(&actor, T0, &membership(creator.id, o.id, Role::Officer))
        .await
        .unwrap();
    assert!(
        !works().await,
        "demoted: still an admin elsewhere is not enough"
    );
    store
        .update_membership(&actor, T0, &membership(creator.id, o.id, Role::Admin))
        .await
        .unwrap();
    assert!(works().await, "an admin again");
    store
        .set_user_disabled(&actor, T0, creator.id, true)
        .await
        .unwrap();
    assert!(!works().await, "disabled");
    store
        .set_user_disabled(&actor, T0, creator.id, false)
        .await
        .unwrap();
    assert!(works().await);
    store
        .remove_membership(&actor, T0, creator.id, o.id)
        .await
        .unwrap();
    assert!(!works().await, "removed");
    assert!(is_not_found(&store.api_token(&secret, T0).await));
    assert!(
        store.api_token(&cli_secret, T0).await.is_ok(),
        "made at the command line"
    );
}

async fn api_tokens_are_found_by_hash_only(store: &dyn Store, raw: &Raw) {
    let o = org(store, "o").await;
    let new = NewApiToken {
        org_id: o.id,
        name: "nightly export".into(),
        role: Role::Officer,
        supplier_id: None,
        expires_at: Some(T0 + Duration::days(30)),
    };
    let (token, secret) = store.create_api_token(&cli(), T0, &new).await.unwrap();
    assert!(secret.starts_with("svt_") && secret.len() > 40, "{secret}");
    assert_eq!(token.prefix, secret[..12]);
    let stored = raw
        .text("SELECT token_hash FROM api_tokens")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, secret::hash(&secret));
    assert!(!stored.contains(&secret[4..]), "the secret is not stored");
    let found = store
        .api_token(&secret, T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(found.id, token.id);
    assert_eq!(found.last_used_at, Some(T0 + Duration::hours(1)));
    assert!(is_not_found(
        &store.api_token(&secret[..secret.len() - 1], T0).await
    ));
    assert!(
        is_not_found(&store.api_token(&stored, T0).await),
        "the hash is not a token"
    );
    assert!(
        is_not_found(&store.api_token(&secret, T0 + Duration::days(31)).await),
        "expired"
    );
    store.revoke_api_token(&cli(), T0, token.id).await.unwrap();
    assert!(is_not_found(&store.api_token(&secret, T0).await), "revoked");
    let listed = store.api_tokens(o.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].revoked_at, Some(T0));
}

async fn money_round_trips_exactly(store: &dyn Store, _raw: &Raw) {
    use socval_core::Gbp;
    // The last is the largest the column holds (i64 pence), beyond what a
    // person may enter (socval_core::limits::MAX_AMOUNT), so it is made
    // from pence rather than parsed.
    let amounts = ["0.01", "100000.00", "123456789.99"]
        .map(|t| Gbp::parse(t).unwrap())
        .into_iter()
        .chain([Gbp::from_pence(i64::MAX)]);
    for (i, amount) in amounts.enumerate() {
        let text = amount.to_string();
        let mut new = NewOrganisation::new(format!("m{i}"), "Money", OrgKind::Other);
        new.procurement_threshold_pence = pence(amount).unwrap();
        let o = store.create_organisation(&cli(), T0, &new).await.unwrap();
        let back = store.organisation(o.id).await.unwrap();
        assert_eq!(
            Gbp::from_pence(back.procurement_threshold_pence),
            amount,
            "{text}"
        );
    }
    assert!(
        matches!(
            pence(Gbp::parse("0.005").unwrap()),
            Err(Error::Invalid { .. })
        ),
        "no silent rounding"
    );
    let mut negative = NewOrganisation::new("neg", "Neg", OrgKind::Other);
    negative.small_purchase_threshold_pence = -1;
    let refused = store.create_organisation(&cli(), T0, &negative).await;
    assert!(matches!(refused, Err(Error::Invalid { .. })), "{refused:?}");
}

async fn supplier_roles_need_a_supplier_of_the_same_org(store: &dyn Store, _raw: &Raw) {
    let a = org(store, "a").await;
    let b = org(store, "b").await;
    let u = user(store, "s@supplier.co.uk").await;
    let sa = store
        .create_supplier(
            &cli(),
            T0,
            &NewSupplier {
                org_id: a.id,
                name: "Acme Ltd".into(),
                company_number: Some("01234567".into()),
                postcode: None,
            },
        )
        .await
        .unwrap();
    let dup = store
        .create_supplier(
            &cli(),
            T0,
            &NewSupplier {
                org_id: a.id,
                name: "ACME LTD".into(),
                company_number: None,
                postcode: None,
            },
        )
        .await;
    assert!(is_conflict(&dup), "{dup:?}");
    store
        .create_supplier(
            &cli(),
            T0,
            &NewSupplier {
                org_id: b.id,
                name: "Acme Ltd".into(),
                company_number: None,
                postcode: None,
            },
        )
        .await
        .unwrap();
    let m = |org_id, role, supplier_id| NewMembership {
        user_id: u.id,
        org_id,
        role,
        supplier_id,
    };
    for bad in [
        m(a.id, Role::Supplier, None),
        m(a.id, Role::Officer, Some(sa.id)),
        m(b.id, Role::Supplier, Some(sa.id)),
    ] {
        let r = store.add_membership(&cli(), T0, &bad).await;
        assert!(matches!(r, Err(Error::Invalid { .. })), "{bad:?}: {r:?}");
    }
    store
        .add_membership(&cli(), T0, &m(a.id, Role::Supplier, Some(sa.id)))
        .await
        .unwrap();
    assert!(is_conflict(
        &store
            .add_membership(&cli(), T0, &m(a.id, Role::Viewer, None))
            .await
    ));
    store
        .add_membership(&cli(), T0, &m(b.id, Role::Viewer, None))
        .await
        .unwrap();
    let mine = store.memberships(u.id).await.unwrap();
    assert_eq!(
        mine.iter()
            .map(|m| (m.organisation.slug.as_str(), m.membership.role))
            .collect::<Vec<_>>(),
        [("a", Role::Supplier), ("b", Role::Viewer)]
    );
    let members = store.members(a.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].membership.supplier_id, Some(sa.id));
    assert_eq!(
        store.users(Some(b.id)).await.unwrap(),
        std::slice::from_ref(&u)
    );
    assert_eq!(store.suppliers(a.id).await.unwrap(), [sa]);
}

async fn invitations_work_once_and_expire(store: &dyn Store, _raw: &Raw) {
    let o = org(store, "o").await;
    let other = org(store, "other").await;
    let inv = |email: &str, org_id| NewInvitation {
        org_id,
        email: email.into(),
        role: Role::Officer,
        supplier_id: None,
        expires_at: T0 + Duration::days(7),
    };
    let (invitation, link) = store
        .create_invitation(&cli(), T0, &inv("New.Person@x.org", o.id))
        .await
        .unwrap();
    assert_eq!(invitation.email, "new.person@x.org");
    assert_eq!(store.invitation(&link, T0).await.unwrap(), invitation);
    let accept = AcceptInvitation {
        name: "New Person".into(),
        password_hash: cheap_hash("pw"),
    };
    let (u, m) = store
        .accept_invitation(&link, T0 + Duration::hours(1), &accept)
        .await
        .unwrap();
    assert_eq!(u.email, "new.person@x.org");
    assert_eq!((m.org_id, m.role), (o.id, Role::Officer));
    assert!(
        is_not_found(
            &store
                .accept_invitation(&link, T0 + Duration::hours(2), &accept)
                .await
        ),
        "used once only"
    );
    assert!(is_not_found(&store.invitation(&link, T0).await));
    // An existing user invited to a second organisation keeps their account.
    let (_, second) = store
        .create_invitation(&cli(), T0, &inv("NEW.person@x.org", other.id))
        .await
        .unwrap();
    let (same, _) = store.accept_invitation(&second, T0, &accept).await.unwrap();
    assert_eq!(same.id, u.id);
    assert_eq!(store.memberships(u.id).await.unwrap().len(), 2);
    // Expired links do nothing.
    let (_, late) = store
        .create_invitation(&cli(), T0, &inv("late@x.org", o.id))
        .await
        .unwrap();
    assert!(is_not_found(
        &store
            .accept_invitation(&late, T0 + Duration::days(7), &accept)
            .await
    ));
    assert!(is_not_found(&store.user_by_email("late@x.org").await));
    assert_eq!(store.invitations(o.id).await.unwrap().len(), 2);
}

async fn frameworks_keep_their_source(store: &dyn Store, _raw: &Raw) {
    let o = org(store, "o").await;
    let source = "# Themes, outcomes, measures\nname = \"open\"\nproxy = \"26273.4683\" # £ per FTE, é, ü\n\n";
    let new = NewFramework {
        org_id: o.id,
        name: "open".into(),
        edition: "2025/26".into(),
        format: FrameworkFormat::Toml,
        source: source.into(),
    };
    let f = store.create_framework(&cli(), T0, &new).await.unwrap();
    assert_eq!(store.framework(f.id).await.unwrap().source, source);
    assert_eq!(f.sha256, secret::hash(source));
    assert!(is_conflict(&store.create_framework(&cli(), T0, &new).await));
    let next = NewFramework {
        edition: "2026/27".into(),
        ..new
    };
    store.create_framework(&cli(), T0, &next).await.unwrap();
    let editions: Vec<_> = store
        .frameworks(o.id)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.edition)
        .collect();
    assert_eq!(editions, ["2025/26", "2026/27"]);
    let audit = store
        .audit(&AuditQuery {
            limit: 10,
            newest_first: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        !audit[0].after.as_deref().unwrap().contains("26273"),
        "the source is not copied into the audit log"
    );
}

async fn spend_imports_are_audited_per_organisation(store: &dyn Store, _raw: &Raw) {
    let a = org(store, "a").await;
    let b = org(store, "b").await;
    let import = SpendImport {
        source: "payments-2019-20 é.csv".into(),
        sha256: "ab".repeat(32),
        lines: 12_345,
        rows: 12_340,
        // More than f64 holds exactly: the audit row keeps every penny.
        total_gbp: socval_core::Gbp::from_pence(9_007_199_254_740_993),
        years: vec!["2019/20".into(), "2020/21".into()],
    };
    store
        .record_spend_imports(&cli(), T0, a.id, std::slice::from_ref(&import))
        .await
        .unwrap();
    let later = SpendImport {
        source: "payments-2020-21.csv".into(),
        sha256: "cd".repeat(32),
        ..import.clone()
    };
    store
        .record_spend_imports(
            &cli(),
            T0 + Duration::hours(1),
            a.id,
            std::slice::from_ref(&later),
        )
        .await
        .unwrap();

    let listed = store.spend_imports(a.id).await.unwrap();
    let sources: Vec<_> = listed.iter().map(|e| e.import.source.as_str()).collect();
    assert_eq!(sources, ["payments-2020-21.csv", "payments-2019-20 é.csv"]);
    assert_eq!(listed[1].import, import);
    assert_eq!(listed[1].at, T0);
    assert_eq!(listed[1].actor, "test");
    assert!(store.spend_imports(b.id).await.unwrap().is_empty());

    let rows = store
        .audit(&AuditQuery {
            org_id: Some(a.id),
            limit: 10,
            newest_first: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let row = rows
        .iter()
        .find(|r| r.entity_id == import.sha256)
        .expect("an audit row with the file's SHA-256");
    assert_eq!(row.entity_type, "spend_import");
    assert_eq!(row.action, AuditAction::Create);
    let after: serde_json::Value = serde_json::from_str(row.after.as_deref().unwrap()).unwrap();
    assert_eq!(after["total_gbp"], "90071992547409.93");
    assert_eq!(after["source"], "payments-2019-20 é.csv");
    assert_eq!(after["lines"], 12_345);
    assert_eq!(after["rows"], 12_340);
    assert_eq!(after["years"], serde_json::json!(["2019/20", "2020/21"]));

    // Refused: no such organisation, a bad hash, no name; nothing written.
    let before = store.audit_count(None).await.unwrap();
    let r = store
        .record_spend_imports(&cli(), T0, 999_999, std::slice::from_ref(&import))
        .await;
    assert!(is_not_found(&r), "{r:?}");
    for bad in [
        SpendImport {
            sha256: "not a hash".into(),
            ..import.clone()
        },
        SpendImport {
            source: " ".into(),
            ..import.clone()
        },
    ] {
        let r = store
            .record_spend_imports(&cli(), T0, a.id, std::slice::from_ref(&bad))
            .await;
        assert!(matches!(r, Err(Error::Invalid { .. })), "{bad:?}: {r:?}");
    }
    assert_eq!(store.audit_count(None).await.unwrap(), before);

    // Supplier registers: their own rows, listed apart from the imports.
    let register = SpendRegister {
        source: "suppliers.csv".into(),
        sha256: "ef".repeat(32),
        suppliers: 50_000,
        with_postcode: 48_500,
    };
    store
        .record_spend_register(&cli(), T0 + Duration::hours(2), a.id, &register)
        .await
        .unwrap();
    let listed = store.spend_registers(a.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].register, register);
    assert_eq!(listed[0].actor, "test");
    assert!(store.spend_registers(b.id).await.unwrap().is_empty());
    assert_eq!(
        store.spend_imports(a.id).await.unwrap().len(),
        2,
        "imports unchanged"
    );
    let bad = SpendRegister {
        sha256: "xyz".into(),
        ..register.clone()
    };
    let r = store.record_spend_register(&cli(), T0, a.id, &bad).await;
    assert!(matches!(r, Err(Error::Invalid { .. })), "{r:?}");
    let r = store
        .record_spend_register(&cli(), T0, 999_999, &register)
        .await;
    assert!(is_not_found(&r), "{r:?}");
    assert_eq!(store.audit_count(None).await.unwrap(), before + 1);

    // Location overrides likewise.
    let overrides = SpendOverrides {
        source: "overrides.csv".into(),
        sha256: "12".repeat(32),
        overrides: 3,
    };
    store
        .record_spend_overrides(&cli(), T0, a.id, &overrides)
        .await
        .unwrap();
    let listed = store.spend_overrides(a.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].overrides, overrides);
    assert!(store.spend_overrides(b.id).await.unwrap().is_empty());
    assert_eq!(store.spend_registers(a.id).await.unwrap().len(), 1);
}

fn membership(user: &User, org: &Organisation, role: Role) -> NewMembership {
    NewMembership {
        user_id: user.id,
        org_id: org.id,
        role,
        supplier_id: None,
    }
}

fn is_last_admin<T: std::fmt::Debug>(r: &Result<T>) -> bool {
    matches!(r, Err(Error::LastAdmin { .. }))
}

async fn an_organisation_keeps_an_admin_who_can_sign_in(store: &dyn Store, _raw: &Raw) {
    let o = org(store, "o").await;
    let other = org(store, "other").await;
    let ada = user(store, "ada@o.example").await;
    let bob = user(store, "bob@o.example").await;
    store
        .add_membership(&cli(), T0, &membership(&ada, &o, Role::Admin))
        .await
        .unwrap();
    store
        .add_membership(&cli(), T0, &membership(&bob, &o, Role::Officer))
        .await
        .unwrap();
    // Bob is also the only admin of another organisation.
    store
        .add_membership(&cli(), T0, &membership(&bob, &other, Role::Admin))
        .await
        .unwrap();
    let audit_before = store.audit_count(None).await.unwrap();

    // Ada is o's only admin: not demoted, removed or disabled.
    let r = store
        .update_membership(&cli(), T0, &membership(&ada, &o, Role::Viewer))
        .await;
    assert!(is_last_admin(&r), "{r:?}");
    let message = r.unwrap_err().to_string();
    assert!(
        message.contains("ada@o.example") && message.contains("o council"),
        "{message}"
    );
    assert!(is_last_admin(
        &store.remove_membership(&cli(), T0, ada.id, o.id).await
    ));
    assert!(is_last_admin(
        &store.set_user_disabled(&cli(), T0, ada.id, true).await
    ));
    // Nor is Bob disabled: he is other's only admin.
    assert!(is_last_admin(
        &store.set_user_disabled(&cli(), T0, bob.id, true).await
    ));
    assert_eq!(
        store.membership(ada.id, o.id).await.unwrap().role,
        Role::Admin
    );
    assert!(!store.user(ada.id).await.unwrap().disabled);
    assert!(!store.user(bob.id).await.unwrap().disabled);
    assert_eq!(
        store.audit_count(None).await.unwrap(),
        audit_before,
        "nothing changed"
    );

    // With a second admin in o, Ada may go; then Bob is the last one.
    store
        .update_membership(&cli(), T0, &membership(&bob, &o, Role::Admin))
        .await
        .unwrap();
    store
        .update_membership(&cli(), T0, &membership(&ada, &o, Role::Viewer))
        .await
        .unwrap();
    assert!(is_last_admin(
        &store.remove_membership(&cli(), T0, bob.id, o.id).await
    ));
    // A disabled admin does not count: with Ada an admin again but
    // disabled, Bob still cannot go.
    store
        .update_membership(&cli(), T0, &membership(&ada, &o, Role::Admin))
        .await
        .unwrap();
    store
        .set_user_disabled(&cli(), T0, ada.id, true)
        .await
        .unwrap();
    assert!(is_last_admin(
        &store
            .update_membership(&cli(), T0, &membership(&bob, &o, Role::Officer))
            .await
    ));
    // Changes to members who are not admins, or to a disabled admin, are
    // not held up.
    store
        .remove_membership(&cli(), T0, ada.id, o.id)
        .await
        .unwrap();
    store
        .set_user_disabled(&cli(), T0, ada.id, false)
        .await
        .unwrap();
}

async fn disabling_an_account_shows_in_each_of_its_organisations_logs(
    store: &dyn Store,
    _raw: &Raw,
) {
    let (a, b, c) = (
        org(store, "a").await,
        org(store, "b").await,
        org(store, "c").await,
    );
    let cy = user(store, "cy@x.example").await;
    let loner = user(store, "loner@x.example").await;
    for o in [&a, &b] {
        store
            .add_membership(&cli(), T0, &membership(&cy, o, Role::Officer))
            .await
            .unwrap();
    }
    let later = T0 + Duration::hours(1);
    store
        .set_user_disabled(&cli(), later, cy.id, true)
        .await
        .unwrap();
    store
        .set_user_disabled(&cli(), later, loner.id, true)
        .await
        .unwrap();
    let user_rows = |org_id: Option<i64>| async move {
        store
            .audit(&AuditQuery {
                org_id,
                after_id: None,
                before_id: None,
                limit: 100,
                newest_first: false,
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.entity_type == "user" && r.at == later)
            .map(|r| (r.org_id, r.entity_id))
            .collect::<Vec<_>>()
    };
    let cy_id = cy.id.to_string();
    assert_eq!(user_rows(Some(a.id)).await, [(Some(a.id), cy_id.clone())]);
    assert_eq!(user_rows(Some(b.id)).await, [(Some(b.id), cy_id.clone())]);
    assert!(user_rows(Some(c.id)).await.is_empty(), "not c's member");
    // Across the whole log: one row per organisation of Cy's, and one
    // with no organisation for an account that belongs to none.
    assert_eq!(
        user_rows(None).await,
        [
            (Some(a.id), cy_id.clone()),
            (Some(b.id), cy_id),
            (None, loner.id.to_string())
        ]
    );
}

async fn two_admins_demoting_each_other_at_once_leave_one(store: &dyn Store, _raw: &Raw) {
    let o = org(store, "o").await;
    let ada = user(store, "ada@o.example").await;
    let bob = user(store, "bob@o.example").await;
    for u in [&ada, &bob] {
        store
            .add_membership(&cli(), T0, &membership(u, &o, Role::Admin))
            .await
            .unwrap();
    }
    for _ in 0..5 {
        let (actor, demoted) = (cli(), membership(&ada, &o, Role::Viewer));
        let (a, b) = tokio::join!(
            store.update_membership(&actor, T0, &demoted),
            store.set_user_disabled(&actor, T0, bob.id, true),
        );
        assert!(
            a.is_ok() != b.is_ok(),
            "exactly one of the two changes: {a:?} {b:?}"
        );
        assert!(a.is_ok() || is_last_admin(&a), "{a:?}");
        assert!(b.is_ok() || is_last_admin(&b), "{b:?}");
        // Put both back for the next round.
        store
            .set_user_disabled(&cli(), T0, bob.id, false)
            .await
            .unwrap();
        store
            .update_membership(&cli(), T0, &membership(&ada, &o, Role::Admin))
            .await
            .unwrap();
    }
}

async fn seed_bench_inserts_in_batches(store: &dyn Store, _raw: &Raw) {
    let seeded = bench::seed(
        store,
        bench::BenchSeed {
            orgs: 3,
            users: 2_500,
            audit_rows: 2_345,
        },
        T0,
    )
    .await
    .unwrap();
    assert_eq!(seeded.org_slugs, ["bench-001", "bench-002", "bench-003"]);
    assert_eq!(seeded.admin_emails.len(), 3);
    assert_eq!(store.organisations().await.unwrap().len(), 3);
    assert_eq!(store.users(None).await.unwrap().len(), 2_500);
    assert_eq!(store.audit_count(None).await.unwrap(), 2_345);
    let org = store.organisation_by_slug("bench-002").await.unwrap();
    let admin = store.user_by_email(&seeded.admin_emails[1]).await.unwrap();
    assert_eq!(
        store.membership(admin.id, org.id).await.unwrap().role,
        Role::Admin
    );
    let creds = store.credentials(&seeded.admin_emails[0]).await.unwrap();
    assert!(password::verify("bench-password", &creds.password_hash).unwrap());
}

async fn backup_copies_sqlite_and_refuses_postgres(store: &dyn Store, _raw: &Raw) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backup.db");
    org(store, "kept").await;
    match store.backend() {
        Backend::Sqlite => {
            store.backup(&path).await.unwrap();
            let copy = SqliteStore::open_path(&path).await.unwrap();
            assert_eq!(
                copy.organisation_by_slug("kept").await.unwrap().slug,
                "kept"
            );
            copy.close().await;
            let again = store.backup(&path).await;
            assert!(
                matches!(again, Err(Error::Backup { .. })),
                "never overwrites: {again:?}"
            );
        }
        Backend::Postgres => {
            let refused = store.backup(&path).await;
            assert!(
                matches!(&refused, Err(Error::Backup { reason, .. }) if reason.contains("pg_dump")),
                "{refused:?}"
            );
            assert!(!path.exists());
        }
    }
}

async fn audit_paging(store: &dyn Store, _raw: &Raw) {
    let a = org(store, "a").await;
    let b = org(store, "b").await;
    for i in 0..5 {
        store
            .create_supplier(
                &cli(),
                T0,
                &NewSupplier {
                    org_id: a.id,
                    name: format!("s{i}"),
                    company_number: None,
                    postcode: None,
                },
            )
            .await
            .unwrap();
        store
            .create_supplier(
                &cli(),
                T0,
                &NewSupplier {
                    org_id: b.id,
                    name: format!("s{i}"),
                    company_number: None,
                    postcode: None,
                },
            )
            .await
            .unwrap();
    }
    let page = |after_id, newest_first| AuditQuery {
        org_id: Some(a.id),
        after_id,
        before_id: None,
        limit: 4,
        newest_first,
    };
    let first = store.audit(&page(None, false)).await.unwrap();
    let second = store.audit(&page(Some(first[3].id), false)).await.unwrap();
    assert_eq!(first.len() + second.len(), 6);
    assert!(first.iter().chain(&second).all(|r| r.org_id == Some(a.id)));
    assert!(first.windows(2).all(|w| w[0].id < w[1].id));
    // Every column comes back as written, whatever the backend's way of
    // reading a page.
    let suppliers: Vec<_> = first
        .iter()
        .chain(&second)
        .filter(|r| r.entity_type == "supplier")
        .collect();
    assert!(suppliers.len() >= 4, "{first:?} {second:?}");
    for r in suppliers {
        assert_eq!(
            (r.at, r.action, r.actor.as_str(), r.actor_user_id),
            (T0, AuditAction::Create, "test", None),
        );
        assert!(r.before.is_none(), "{r:?}");
        let after: serde_json::Value = serde_json::from_str(r.after.as_deref().unwrap()).unwrap();
        assert_eq!(after["id"].to_string(), r.entity_id, "{r:?}");
        assert!(after["name"].as_str().unwrap().starts_with('s'), "{r:?}");
    }
    let newest = store.audit(&page(None, true)).await.unwrap();
    assert_eq!(newest[0].id, second.last().unwrap().id);
    let older = store
        .audit(&AuditQuery {
            before_id: Some(newest[3].id),
            ..page(None, true)
        })
        .await
        .unwrap();
    assert_eq!(older.len(), 2);
}

async fn an_organisations_policy_reads_back_wherever_the_organisation_does(
    store: &dyn Store,
    _raw: &Raw,
) {
    let o = org(store, "bors").await;
    assert_eq!(
        o.policy_toml, None,
        "new organisations work to the built-in policy"
    );
    let text = "name = \"Borsetshire\"\nquotes_threshold_gbp = 30000\n# a comment kept\n";
    let changed = NewOrganisation {
        small_purchase_threshold_pence: 3_000_000,
        policy_toml: Some(text.into()),
        ..NewOrganisation::from_existing(&o)
    };
    let o = store
        .update_organisation(&cli(), T0, o.id, &changed)
        .await
        .unwrap();
    assert_eq!(o.policy_toml.as_deref(), Some(text));
    assert_eq!(o.small_purchase_threshold_pence, 3_000_000);
    assert_eq!(store.organisation(o.id).await.unwrap(), o);
    assert_eq!(store.organisation_by_slug("BORS").await.unwrap(), o);
    assert!(store.organisations().await.unwrap().contains(&o));
    let u = user(store, "officer@bors.org").await;
    store
        .add_membership(
            &cli(),
            T0,
            &NewMembership {
                user_id: u.id,
                org_id: o.id,
                role: Role::Officer,
                supplier_id: None,
            },
        )
        .await
        .unwrap();
    let mine = store.memberships(u.id).await.unwrap();
    assert_eq!(mine[0].organisation, o);
    let (_, id) = store
        .create_session(u.id, T0, &SessionPolicy::default())
        .await
        .unwrap();
    let a = store.session_access(&id, Some("bors"), T0).await.unwrap();
    assert_eq!(a.membership.unwrap().organisation, o);
}
