//! Managing an organisation's members in the portal: an admin changes a
//! member's role, removes them, disables and enables their account; never
//! their own, never an account shared with an organisation they do not
//! administer; bad input redisplays with the error summary and changes
//! nothing; every change is in the audit log with before and after.
//! (Who may reach these routes at all is in the authorization matrix.)

use axum::http::StatusCode;
use socval_store::{Actor, AuditEntry, AuditQuery, NewMembership, NewUser, Role};

use crate::support::{PASSWORD, World, password_hash, redact};

async fn last_audit(w: &World) -> AuditEntry {
    w.store
        .audit(&AuditQuery {
            org_id: None,
            after_id: None,
            before_id: None,
            limit: 1,
            newest_first: true,
        })
        .await
        .unwrap()
        .remove(0)
}

async fn role_in_a(w: &World, user: i64) -> Option<(Role, Option<i64>)> {
    w.store
        .membership(user, w.org_a)
        .await
        .ok()
        .map(|m| (m.role, m.supplier_id))
}

/// A user who belongs to `a` as a viewer and to `b` as an officer.
async fn shared_user(w: &World) -> i64 {
    let cli = Actor::system("test");
    let now = w.clock_now();
    let u = w
        .store
        .create_user(
            &cli,
            now,
            &NewUser {
                email: "shared@both.example".into(),
                name: "Sid Shared".into(),
                password_hash: password_hash(),
            },
        )
        .await
        .unwrap();
    for (org_id, role) in [(w.org_a, Role::Viewer), (w.org_b, Role::Officer)] {
        w.store
            .add_membership(
                &cli,
                now,
                &NewMembership {
                    user_id: u.id,
                    org_id,
                    role,
                    supplier_id: None,
                },
            )
            .await
            .unwrap();
    }
    u.id
}

pub async fn an_admin_changes_a_members_role_and_it_is_audited(w: World) {
    let admin = w.session(w.admin).await;
    let list = w.get("/orgs/a/members", Some(&admin)).await;
    list.assert_status(StatusCode::OK);
    let link = format!("href=\"/orgs/a/members/{}\"", w.officer);
    assert!(list.body.contains(&link), "a Manage link per member");

    let page = w
        .get(&format!("/orgs/a/members/{}", w.officer), Some(&admin))
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.body.contains("<h1>Olu Officer</h1>"));
    assert!(page.body.contains("<option value=\"officer\" selected>"));
    insta::assert_snapshot!("member", redact(&page.body));

    let r = w
        .post_form(
            &format!("/orgs/a/members/{}/role", w.officer),
            &admin,
            &[("role", "viewer"), ("supplier", "")],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let done = w.get(r.location(), Some(&admin)).await;
    assert!(
        done.body
            .contains("Olu Officer is now viewer in Alpha Borough Council."),
        "{}",
        done.body
    );
    assert_eq!(role_in_a(&w, w.officer).await, Some((Role::Viewer, None)));
    let a = last_audit(&w).await;
    assert_eq!(a.entity_type, "membership");
    assert_eq!(a.org_id, Some(w.org_a));
    assert_eq!(a.actor_user_id, Some(w.admin));
    assert!(a.before.unwrap().contains("\"officer\""));
    assert!(a.after.unwrap().contains("\"viewer\""));
    // The new role applies at once: the former officer may no longer open
    // the form to create a procurement.
    let former = w.session(w.officer).await;
    assert_eq!(
        w.get("/orgs/a/procurements/new", Some(&former))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // A supplier role needs the company, of this organisation.
    let r = w
        .post_form(
            &format!("/orgs/a/members/{}/role", w.viewer),
            &admin,
            &[
                ("role", "supplier"),
                ("supplier", &w.supplier_2.to_string()),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        role_in_a(&w, w.viewer).await,
        Some((Role::Supplier, Some(w.supplier_2)))
    );
}

pub async fn bad_role_forms_redisplay_with_errors_and_change_nothing(w: World) {
    let admin = w.session(w.admin).await;
    let audit_before = w.store.audit_count(None).await.unwrap();
    let path = format!("/orgs/a/members/{}/role", w.viewer);
    let other_orgs_supplier = w.supplier_b.to_string();
    for (fields, message) in [
        (vec![("role", "emperor")], "Select a role"),
        (
            vec![("role", "supplier"), ("supplier", "")],
            "Select the supplier company this person works for",
        ),
        (
            vec![
                ("role", "supplier"),
                ("supplier", other_orgs_supplier.as_str()),
            ],
            "Select the supplier company this person works for",
        ),
        (
            vec![("role", "officer"), ("supplier", "1")],
            "Only supplier users belong to a supplier company: select None",
        ),
    ] {
        let r = w.post_form(&path, &admin, &fields).await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("There is a problem"), "{fields:?}");
        assert!(r.body.contains(message), "{fields:?}: {}", r.body);
        assert!(r.body.contains("<title>Error: "), "{fields:?}");
        assert_eq!(role_in_a(&w, w.viewer).await, Some((Role::Viewer, None)));
    }
    // What was typed is kept.
    let r = w
        .post_form(&path, &admin, &[("role", "officer"), ("supplier", "1")])
        .await;
    assert!(r.body.contains("<option value=\"officer\" selected>"));
    assert_eq!(w.store.audit_count(None).await.unwrap(), audit_before);
}

pub async fn an_admin_cannot_lock_themselves_out(w: World) {
    let admin = w.session(w.admin).await;
    let audit_before = w.store.audit_count(None).await.unwrap();
    let me = format!("/orgs/a/members/{}", w.admin);
    let page = w.get(&me, Some(&admin)).await;
    page.assert_status(StatusCode::OK);
    assert!(
        page.body
            .contains("You cannot change your own role or remove yourself")
    );
    assert!(page.body.contains("You cannot disable your own account."));
    // Posting anyway (an old page, a crafted form) is refused too: Ada is
    // the organisation's only admin.
    for (action, fields, message) in [
        (
            "role",
            vec![("role", "viewer")],
            "You cannot change your own role: ask another admin of Alpha Borough Council",
        ),
        (
            "remove",
            vec![],
            "You cannot remove yourself: ask another admin of Alpha Borough Council",
        ),
        ("disable", vec![], "You cannot disable your own account."),
    ] {
        let r = w
            .post_form(&format!("{me}/{action}"), &admin, &fields)
            .await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("There is a problem"), "{action}");
        assert!(r.body.contains(message), "{action}: {}", r.body);
    }
    assert_eq!(role_in_a(&w, w.admin).await, Some((Role::Admin, None)));
    assert!(!w.store.user(w.admin).await.unwrap().disabled);
    assert_eq!(w.store.audit_count(None).await.unwrap(), audit_before);
    w.get("/orgs/a/members", Some(&admin))
        .await
        .assert_status(StatusCode::OK);
}

pub async fn removing_a_member_ends_their_access_to_the_organisation(w: World) {
    let admin = w.session(w.admin).await;
    let theirs = w.session(w.officer).await;
    w.get("/orgs/a", Some(&theirs))
        .await
        .assert_status(StatusCode::OK);
    let r = w
        .post_form(
            &format!("/orgs/a/members/{}/remove", w.officer),
            &admin,
            &[],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let list = w.get(r.location(), Some(&admin)).await;
    assert!(
        list.body.contains(
            "Olu Officer (officer@a.example) has been removed from Alpha Borough Council."
        ),
        "{}",
        list.body
    );
    assert!(
        !list
            .body
            .contains(&format!("/orgs/a/members/{}\"", w.officer))
    );
    assert_eq!(role_in_a(&w, w.officer).await, None);
    let a = last_audit(&w).await;
    assert_eq!(
        (a.entity_type.as_str(), a.org_id),
        ("membership", Some(w.org_a))
    );
    assert!(a.before.unwrap().contains("\"officer\""));
    assert_eq!(a.after, None);
    // Still signed in, but the organisation is gone for them.
    w.get("/", Some(&theirs))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(
        w.get("/orgs/a", Some(&theirs)).await.status,
        StatusCode::NOT_FOUND
    );
    // And no longer someone the admin can manage here.
    assert_eq!(
        w.get(&format!("/orgs/a/members/{}", w.officer), Some(&admin))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

pub async fn disabling_an_account_signs_its_user_out_until_enabled(w: World) {
    let admin = w.session(w.admin).await;
    let theirs = w.session(w.viewer).await;
    let member = format!("/orgs/a/members/{}", w.viewer);
    let r = w.post_form(&format!("{member}/disable"), &admin, &[]).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = w.get(r.location(), Some(&admin)).await;
    assert!(
        page.body
            .contains("The account of Vic Viewer is disabled and they have been signed out.")
    );
    assert!(page.body.contains("Enable the account of Vic Viewer"));
    assert!(w.store.user(w.viewer).await.unwrap().disabled);
    let a = last_audit(&w).await;
    assert_eq!(a.entity_type, "user");
    assert_eq!(a.entity_id, w.viewer.to_string());
    assert!(a.before.unwrap().contains("\"disabled\":false"));
    assert!(a.after.unwrap().contains("\"disabled\":true"));
    // Their session has ended, and they cannot sign in again.
    let r = w.get("/orgs/a", Some(&theirs)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"));
    w.login("viewer@a.example", PASSWORD)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    let r = w.post_form(&format!("{member}/enable"), &admin, &[]).await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(
        w.get(r.location(), Some(&admin))
            .await
            .body
            .contains("The account of Vic Viewer is enabled: they can sign in again.")
    );
    assert!(!w.store.user(w.viewer).await.unwrap().disabled);
    w.login("viewer@a.example", PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

pub async fn an_account_shared_with_another_organisation_is_not_an_admins_to_disable(w: World) {
    let shared = shared_user(&w).await;
    let admin = w.session(w.admin).await;
    let theirs = w.session(shared).await;
    let member = format!("/orgs/a/members/{shared}");
    let page = w.get(&member, Some(&admin)).await;
    page.assert_status(StatusCode::OK);
    let why = "Sid Shared also belongs to an organisation you are not an admin of, so you cannot disable their account";
    assert!(page.body.contains(why), "{}", page.body);
    assert!(!page.body.contains(&format!("{member}/disable")), "no form");
    let audit_before = w.store.audit_count(None).await.unwrap();
    let r = w.post_form(&format!("{member}/disable"), &admin, &[]).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("There is a problem") && r.body.contains(why));
    assert!(!w.store.user(shared).await.unwrap().disabled);
    assert_eq!(w.store.audit_count(None).await.unwrap(), audit_before);
    w.get("/orgs/b", Some(&theirs))
        .await
        .assert_status(StatusCode::OK);
    // The admin of `a` may still change what Sid does in `a`, and remove
    // Sid from `a`, which leaves `b` alone.
    w.post_form(&format!("{member}/role"), &admin, &[("role", "officer")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(role_in_a(&w, shared).await, Some((Role::Officer, None)));
    w.post_form(&format!("{member}/remove"), &admin, &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        w.store.membership(shared, w.org_b).await.unwrap().role,
        Role::Officer
    );

    // An admin of both organisations may disable the account.
    let both = shared_user_admin_of_both(&w).await;
    let target = shared_user_in(&w, "second@both.example", &[w.org_a, w.org_b]).await;
    let r = w
        .post_form(&format!("/orgs/a/members/{target}/disable"), &both, &[])
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(w.store.user(target).await.unwrap().disabled);
}

/// A session of the admin of `b`, made an admin of `a` too.
async fn shared_user_admin_of_both(w: &World) -> crate::support::Session {
    w.store
        .add_membership(
            &Actor::system("test"),
            w.clock_now(),
            &NewMembership {
                user_id: w._admin_b,
                org_id: w.org_a,
                role: Role::Admin,
                supplier_id: None,
            },
        )
        .await
        .unwrap();
    w.session(w._admin_b).await
}

/// A viewer of each of `orgs`.
async fn shared_user_in(w: &World, email: &str, orgs: &[i64]) -> i64 {
    let cli = Actor::system("test");
    let u = w
        .store
        .create_user(
            &cli,
            w.clock_now(),
            &NewUser {
                email: email.into(),
                name: "Second Shared".into(),
                password_hash: password_hash(),
            },
        )
        .await
        .unwrap();
    for &org_id in orgs {
        w.store
            .add_membership(
                &cli,
                w.clock_now(),
                &NewMembership {
                    user_id: u.id,
                    org_id,
                    role: Role::Viewer,
                    supplier_id: None,
                },
            )
            .await
            .unwrap();
    }
    u.id
}

crate::on_sqlite!(
    an_admin_changes_a_members_role_and_it_is_audited,
    bad_role_forms_redisplay_with_errors_and_change_nothing,
    an_admin_cannot_lock_themselves_out,
    removing_a_member_ends_their_access_to_the_organisation,
    disabling_an_account_signs_its_user_out_until_enabled,
    an_account_shared_with_another_organisation_is_not_an_admins_to_disable,
);

/// Issue 12: an admin's API tokens act with that admin's authority, so
/// they stop the moment the admin is demoted or removed (and the tokens
/// page says why), not whenever someone remembers to revoke them.
#[tokio::test(flavor = "multi_thread")]
async fn an_admins_tokens_stop_when_they_stop_being_an_admin() {
    let w = crate::support::world().await;
    let cli = Actor::system("test");
    let promote = NewMembership {
        user_id: w.officer,
        org_id: w.org_a,
        role: Role::Admin,
        supplier_id: None,
    };
    w.store
        .update_membership(&cli, w.clock_now(), &promote)
        .await
        .unwrap();
    let theirs = w.session(w.officer).await;
    let made = w
        .post_form(
            "/orgs/a/tokens",
            &theirs,
            &[
                ("name", "finance export"),
                ("role", "admin"),
                ("supplier", ""),
                ("expires_days", ""),
            ],
        )
        .await;
    made.assert_status(StatusCode::OK);
    let at = made.body.find("<code id=\"new-token\">").unwrap() + "<code id=\"new-token\">".len();
    let token = made.body[at..].split('<').next().unwrap().to_owned();
    let works = async || w.get_bearer("/api/v1/orgs/a/audit", &token).await.status;
    assert_eq!(works().await, StatusCode::OK);

    let admin = w.session(w.admin).await;
    let role = format!("/orgs/a/members/{}/role", w.officer);
    w.post_form(&role, &admin, &[("role", "officer"), ("supplier", "")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(works().await, StatusCode::UNAUTHORIZED, "demoted");
    let page = w.get("/orgs/a/tokens", Some(&admin)).await;
    assert!(
        page.body
            .contains("Suspended: its creator is no longer an admin here"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Revoke<span class=\"visually-hidden\"> finance export")
    );

    w.post_form(&role, &admin, &[("role", "admin"), ("supplier", "")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(works().await, StatusCode::OK, "an admin again");
    w.post_form(
        &format!("/orgs/a/members/{}/remove", w.officer),
        &admin,
        &[],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(works().await, StatusCode::UNAUTHORIZED, "removed");
}
