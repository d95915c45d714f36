//! Browser sessions: the session part of [`crate::Store`].

use time::OffsetDateTime;

use crate::db::{Bind as _, Columns, Db, Done as _, SqlStore};
use crate::error::{Error, Result};
use crate::model::*;
use crate::secret;
use crate::sql::*;

fn session_from_row(r: &impl Columns) -> Result<(Session, i64)> {
    Ok((
        Session {
            id_hash: r.col("id_hash")?,
            user_id: r.col("user_id")?,
            csrf_secret: r.col("csrf_secret")?,
            created_at: r.col("created_at")?,
            last_seen_at: r.col("last_seen_at")?,
            idle_expires_at: r.col("idle_expires_at")?,
            expires_at: r.col("expires_at")?,
        },
        r.col("idle_seconds")?,
    ))
}

pub(crate) async fn create_session<DB: Db>(
    store: &SqlStore<DB>,
    user_id: i64,
    now: OffsetDateTime,
    policy: &SessionPolicy,
) -> Result<(Session, String)> {
    let id = secret::generate()?;
    let now = ts(now);
    let expires_at = ts(now + policy.absolute);
    let session = Session {
        id_hash: secret::hash(&id),
        user_id,
        csrf_secret: secret::generate()?,
        created_at: now,
        last_seen_at: now,
        idle_expires_at: ts(now + policy.idle).min(expires_at),
        expires_at,
    };
    sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_secret, created_at, last_seen_at, idle_seconds, idle_expires_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .arg(&session.id_hash)
        .arg(user_id)
        .arg(&session.csrf_secret)
        .arg(session.created_at)
        .arg(session.last_seen_at)
        .arg(policy.idle.whole_seconds())
        .arg(session.idle_expires_at)
        .arg(session.expires_at)
        .execute(store.executor())
        .await
        .map_err(|e| match Error::from(e) {
            Error::Invalid { .. } => Error::NotFound { entity: "user" },
            other => other,
        })?;
    Ok((session, id))
}

pub(crate) async fn session<DB: Db>(
    store: &SqlStore<DB>,
    session_id: &str,
    now: OffsetDateTime,
) -> Result<SessionUser> {
    Ok(session_access(store, session_id, None, now).await?.session)
}

pub(crate) async fn session_access<DB: Db>(
    store: &SqlStore<DB>,
    session_id: &str,
    org_slug: Option<&str>,
    now: OffsetDateTime,
) -> Result<SessionAccess> {
    let now = ts(now);
    let id_hash = secret::hash(session_id);
    // One round trip for session, user, organisation and
    // membership: the guard runs this before every request.
    let row = sqlx::query(
        "SELECT s.id_hash, s.user_id, s.csrf_secret, s.created_at, s.last_seen_at, s.idle_seconds,
                    s.idle_expires_at, s.expires_at,
                    u.id AS u_id, u.email AS u_email, u.name AS u_name, u.disabled AS u_disabled,
                    u.failed_logins AS u_failed_logins, u.locked_until AS u_locked_until,
                    u.created_at AS u_created_at,
                    o.id AS o_id, o.slug AS o_slug, o.name AS o_name, o.kind AS o_kind,
                    o.procurement_threshold_pence AS o_procurement_threshold_pence,
                    o.small_purchase_threshold_pence AS o_small_purchase_threshold_pence,
                    o.policy_toml AS o_policy_toml,
                    o.created_at AS o_created_at,
                    m.role AS m_role, m.supplier_id AS m_supplier_id, m.created_at AS m_created_at
             FROM sessions s
             JOIN users u ON u.id = s.user_id
             LEFT JOIN organisations o ON lower(o.slug) = $2
             LEFT JOIN memberships m ON m.user_id = s.user_id AND m.org_id = o.id
             WHERE s.id_hash = $1",
    )
    .arg(&id_hash)
    .arg(org_slug.map(|s| s.trim().to_lowercase()))
    .fetch_optional(store.executor())
    .await?
    .ok_or(Error::NotFound { entity: "session" })?;
    let (mut session, idle_seconds) = session_from_row(&row)?;
    if now >= session.idle_expires_at || now >= session.expires_at {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .arg(&id_hash)
            .execute(store.executor())
            .await?;
        return Err(Error::NotFound { entity: "session" });
    }
    let user = User {
        id: row.col("u_id")?,
        email: row.col("u_email")?,
        name: row.col("u_name")?,
        disabled: row.col("u_disabled")?,
        failed_logins: row.col("u_failed_logins")?,
        locked_until: row.col("u_locked_until")?,
        created_at: row.col("u_created_at")?,
    };
    if user.disabled {
        return Err(Error::NotFound { entity: "session" });
    }
    let membership = match row.col::<Option<String>>("m_role")? {
        Some(role) => {
            let org_id: i64 = row.col("o_id")?;
            Some(OrgMembership {
                organisation: Organisation {
                    id: org_id,
                    slug: row.col("o_slug")?,
                    name: row.col("o_name")?,
                    kind: row.col::<String>("o_kind")?.parse()?,
                    procurement_threshold_pence: row.col("o_procurement_threshold_pence")?,
                    small_purchase_threshold_pence: row.col("o_small_purchase_threshold_pence")?,
                    policy_toml: row.col("o_policy_toml")?,
                    created_at: row.col("o_created_at")?,
                },
                membership: Membership {
                    user_id: user.id,
                    org_id,
                    role: role.parse()?,
                    supplier_id: row.col("m_supplier_id")?,
                    created_at: row.col("m_created_at")?,
                },
            })
        }
        None => None,
    };
    // Reads stay reads: "last seen" moves at most once a minute.
    if now - session.last_seen_at >= TOUCH_EVERY {
        session.last_seen_at = now;
        session.idle_expires_at =
            ts(now + time::Duration::seconds(idle_seconds)).min(session.expires_at);
        sqlx::query(
            "UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id_hash = $1",
        )
        .arg(&id_hash)
        .arg(session.last_seen_at)
        .arg(session.idle_expires_at)
        .execute(store.executor())
        .await?;
    }
    Ok(SessionAccess {
        session: SessionUser { session, user },
        membership,
    })
}

pub(crate) async fn delete_session<DB: Db>(store: &SqlStore<DB>, session_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .arg(secret::hash(session_id))
        .execute(store.executor())
        .await?;
    Ok(())
}

pub(crate) async fn delete_user_sessions<DB: Db>(
    store: &SqlStore<DB>,
    user_id: i64,
    except: Option<&str>,
) -> Result<u64> {
    let keep = except.map(secret::hash).unwrap_or_default();
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .arg(user_id)
        .arg(keep)
        .execute(store.executor())
        .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn delete_expired_sessions<DB: Db>(
    store: &SqlStore<DB>,
    now: OffsetDateTime,
) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE idle_expires_at <= $1 OR expires_at <= $1")
        .arg(ts(now))
        .execute(store.executor())
        .await?;
    Ok(done.rows_affected())
}
