//! Invitations to join an organisation, accepted through a one-time link:
//! the invitation part of [`crate::Store`].

use time::OffsetDateTime;

use crate::account::{USER_BY_EMAIL, check_role, insert_membership, insert_user, user_from_row};
use crate::audit::{Audit, write_audit};
use crate::db::{Bind as _, Columns, Conn as _, Db, Done as _, SqlStore};
use crate::error::{Error, Result};
use crate::model::*;
use crate::secret;
use crate::sql::*;

static CREATE_INVITATION: Sql = Sql::new(&["INSERT INTO invitations (org_id, email, role, supplier_id, token_hash, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ", INVITATION_COLS]);
static INVITATION: Sql = Sql::new(&[
    "SELECT ",
    INVITATION_COLS,
    " FROM invitations WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2",
]);
static INVITATIONS: Sql = Sql::new(&[
    "SELECT ",
    INVITATION_COLS,
    " FROM invitations WHERE org_id = $1 ORDER BY id DESC",
]);

pub(crate) fn invitation_from_row(r: &impl Columns) -> Result<Invitation> {
    Ok(Invitation {
        id: r.col("id")?,
        org_id: r.col("org_id")?,
        email: r.col("email")?,
        role: r.col::<String>("role")?.parse()?,
        supplier_id: r.col("supplier_id")?,
        created_at: r.col("created_at")?,
        expires_at: r.col("expires_at")?,
        accepted_at: r.col("accepted_at")?,
    })
}

pub(crate) async fn create_invitation<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    new: &NewInvitation,
) -> Result<(Invitation, String)> {
    check_role(new.role, new.supplier_id)?;
    let email = normalise_email(&new.email);
    if !email.contains('@') {
        return Err(Error::Invalid {
            detail: format!("{email:?} is not an e-mail address"),
        });
    }
    let token = secret::generate()?;
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let row = sqlx::query(CREATE_INVITATION.get())
        .arg(new.org_id)
        .arg(&email)
        .arg(new.role.as_str())
        .arg(new.supplier_id)
        .arg(secret::hash(&token))
        .arg(actor.user_id)
        .arg(ts(now))
        .arg(ts(new.expires_at))
        .fetch_one(tx.executor())
        .await?;
    let invitation = invitation_from_row(&row)?;
    write_audit(
        &mut tx,
        Audit::created(
            actor,
            now,
            Some(invitation.org_id),
            "invitation",
            invitation.id,
            &invitation,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((invitation, token))
}

pub(crate) async fn invitation<DB: Db>(
    store: &SqlStore<DB>,
    token: &str,
    now: OffsetDateTime,
) -> Result<Invitation> {
    let row = sqlx::query(INVITATION.get())
        .arg(secret::hash(token))
        .arg(ts(now))
        .fetch_optional(store.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "invitation",
        })?;
    invitation_from_row(&row)
}

pub(crate) async fn accept_invitation<DB: Db>(
    store: &SqlStore<DB>,
    token: &str,
    now: OffsetDateTime,
    accept: &AcceptInvitation,
) -> Result<(User, Membership)> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let row = sqlx::query(INVITATION.get())
        .arg(secret::hash(token))
        .arg(ts(now))
        .fetch_optional(tx.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "invitation",
        })?;
    let before = invitation_from_row(&row)?;
    let existing = sqlx::query(USER_BY_EMAIL.get())
        .arg(&before.email)
        .fetch_optional(tx.executor())
        .await?;
    let user = match existing {
        Some(row) => user_from_row(&row)?,
        None => {
            let user = insert_user(
                &mut tx,
                now,
                &NewUser {
                    email: before.email.clone(),
                    name: accept.name.clone(),
                    password_hash: accept.password_hash.clone(),
                },
            )
            .await?;
            write_audit(
                &mut tx,
                Audit::created(
                    &Actor::user(&user),
                    now,
                    Some(before.org_id),
                    "user",
                    user.id,
                    &user,
                ),
            )
            .await?;
            user
        }
    };
    let actor = Actor::user(&user);
    // Conditional, so that two people racing with one link
    // cannot both use it.
    let used = sqlx::query(
            "UPDATE invitations SET accepted_at = $2, accepted_by = $3 WHERE id = $1 AND accepted_at IS NULL",
        )
        .arg(before.id)
        .arg(ts(now))
        .arg(user.id)
        .execute(tx.executor())
        .await?;
    if used.rows_affected() != 1 {
        return Err(Error::NotFound {
            entity: "invitation",
        });
    }
    let after = Invitation {
        accepted_at: Some(ts(now)),
        ..before.clone()
    };
    write_audit(
        &mut tx,
        Audit::updated(
            &actor,
            now,
            Some(before.org_id),
            "invitation",
            before.id,
            &before,
            &after,
        ),
    )
    .await?;
    let membership = insert_membership(
        &mut tx,
        &actor,
        now,
        &NewMembership {
            user_id: user.id,
            org_id: before.org_id,
            role: before.role,
            supplier_id: before.supplier_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((user, membership))
}

pub(crate) async fn invitations<DB: Db>(
    store: &SqlStore<DB>,
    org_id: i64,
) -> Result<Vec<Invitation>> {
    sqlx::query(INVITATIONS.get())
        .arg(org_id)
        .fetch_all(store.executor())
        .await?
        .iter()
        .map(invitation_from_row)
        .collect()
}
