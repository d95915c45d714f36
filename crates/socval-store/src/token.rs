//! API tokens: the token part of [`crate::Store`].

use time::OffsetDateTime;

use crate::account::check_role;
use crate::audit::{Audit, write_audit};
use crate::db::{Bind as _, Columns, Conn, Db, SqlStore};
use crate::error::{Error, Result};
use crate::model::*;
use crate::secret;
use crate::sql::*;

static GET_TOKEN: Sql = Sql::new(&["SELECT ", TOKEN_COLS, " FROM api_tokens WHERE id = $1"]);
static CREATE_API_TOKEN: Sql = Sql::new(&["INSERT INTO api_tokens (org_id, name, prefix, token_hash, role, supplier_id, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ", TOKEN_COLS]);
static API_TOKEN: Sql = Sql::new(&["SELECT ", TOKEN_COLS, " FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
               AND (created_by IS NULL OR EXISTS (
                   SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                   WHERE m.user_id = api_tokens.created_by AND m.org_id = api_tokens.org_id
                     AND m.role = 'admin' AND NOT u.disabled))"]);
static API_TOKENS: Sql = Sql::new(&[
    "SELECT ",
    TOKEN_COLS,
    " FROM api_tokens WHERE org_id = $1 ORDER BY id DESC",
]);

fn token_from_row(r: &impl Columns) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.col("id")?,
        org_id: r.col("org_id")?,
        name: r.col("name")?,
        prefix: r.col("prefix")?,
        role: r.col::<String>("role")?.parse()?,
        supplier_id: r.col("supplier_id")?,
        created_by: r.col("created_by")?,
        created_at: r.col("created_at")?,
        expires_at: r.col("expires_at")?,
        last_used_at: r.col("last_used_at")?,
        revoked_at: r.col("revoked_at")?,
    })
}

async fn get_token(c: &mut impl Conn, id: i64) -> Result<ApiToken> {
    let row = sqlx::query(GET_TOKEN.get())
        .arg(id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "API token",
        })?;
    token_from_row(&row)
}

pub(crate) async fn create_api_token<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    new: &NewApiToken,
) -> Result<(ApiToken, String)> {
    check_role(new.role, new.supplier_id)?;
    let secret = format!("svt_{}", secret::generate()?);
    let prefix: String = secret.chars().take(12).collect();
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let row = sqlx::query(CREATE_API_TOKEN.get())
        .arg(new.org_id)
        .arg(new.name.trim())
        .arg(&prefix)
        .arg(secret::hash(&secret))
        .arg(new.role.as_str())
        .arg(new.supplier_id)
        .arg(actor.user_id)
        .arg(ts(now))
        .arg(new.expires_at.map(ts))
        .fetch_one(tx.executor())
        .await?;
    let token = token_from_row(&row)?;
    write_audit(
        &mut tx,
        Audit::created(
            actor,
            now,
            Some(token.org_id),
            "api_token",
            token.id,
            &token,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((token, secret))
}

pub(crate) async fn api_token<DB: Db>(
    store: &SqlStore<DB>,
    secret: &str,
    now: OffsetDateTime,
) -> Result<ApiToken> {
    let now = ts(now);
    // A token made by a user works only while that user is an
    // admin of its organisation with an enabled account, checked
    // here at every request, so that removing, demoting or
    // disabling them stops their tokens at once. (Users are
    // never deleted, so `created_by` is NULL only for tokens
    // made at the command line.)
    let row = sqlx::query(API_TOKEN.get())
        .arg(secret::hash(secret))
        .arg(now)
        .fetch_optional(store.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "API token",
        })?;
    let mut token = token_from_row(&row)?;
    if token.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
            .arg(token.id)
            .arg(now)
            .execute(store.executor())
            .await?;
        token.last_used_at = Some(now);
    }
    Ok(token)
}

pub(crate) async fn api_tokens<DB: Db>(store: &SqlStore<DB>, org_id: i64) -> Result<Vec<ApiToken>> {
    sqlx::query(API_TOKENS.get())
        .arg(org_id)
        .fetch_all(store.executor())
        .await?
        .iter()
        .map(token_from_row)
        .collect()
}

pub(crate) async fn revoke_api_token<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    id: i64,
) -> Result<ApiToken> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let before = get_token(&mut tx, id).await?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1")
        .arg(id)
        .arg(ts(now))
        .execute(tx.executor())
        .await?;
    let after = get_token(&mut tx, id).await?;
    write_audit(
        &mut tx,
        Audit::updated(
            actor,
            now,
            Some(after.org_id),
            "api_token",
            id,
            &before,
            &after,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
