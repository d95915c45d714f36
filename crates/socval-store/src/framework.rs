//! Imported framework files: the framework part of [`crate::Store`].

use time::OffsetDateTime;

use crate::audit::{Audit, write_audit};
use crate::db::{Bind as _, Columns, Conn, Db, SqlStore};
use crate::error::{Error, Result};
use crate::model::*;
use crate::secret;
use crate::sql::*;

static GET_FRAMEWORK: Sql =
    Sql::new(&["SELECT ", FRAMEWORK_COLS, " FROM frameworks WHERE id = $1"]);
static CREATE_FRAMEWORK: Sql = Sql::new(&[
    "INSERT INTO frameworks (org_id, name, edition, format, source, sha256, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
    FRAMEWORK_COLS,
]);
static FRAMEWORKS: Sql = Sql::new(&[
    "SELECT ",
    FRAMEWORK_COLS,
    " FROM frameworks WHERE org_id = $1 ORDER BY name, edition, id",
]);

fn framework_from_row(r: &impl Columns) -> Result<FrameworkRecord> {
    Ok(FrameworkRecord {
        id: r.col("id")?,
        org_id: r.col("org_id")?,
        name: r.col("name")?,
        edition: r.col("edition")?,
        format: r.col::<String>("format")?.parse()?,
        sha256: r.col("sha256")?,
        created_at: r.col("created_at")?,
        source: r.col("source")?,
    })
}

async fn get_framework(c: &mut impl Conn, id: i64) -> Result<FrameworkRecord> {
    let row = sqlx::query(GET_FRAMEWORK.get())
        .arg(id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "framework",
        })?;
    framework_from_row(&row)
}

pub(crate) async fn create_framework<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    new: &NewFramework,
) -> Result<FrameworkRecord> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let row = sqlx::query(CREATE_FRAMEWORK.get())
        .arg(new.org_id)
        .arg(new.name.trim())
        .arg(new.edition.trim())
        .arg(new.format.as_str())
        .arg(&new.source)
        .arg(secret::hash(&new.source))
        .arg(actor.user_id)
        .arg(ts(now))
        .fetch_one(tx.executor())
        .await
        .map_err(|e| {
            conflict(e, || {
                format!(
                    "framework {:?} edition {:?} is already imported",
                    new.name, new.edition
                )
            })
        })?;
    let framework = framework_from_row(&row)?;
    write_audit(
        &mut tx,
        Audit::created(
            actor,
            now,
            Some(framework.org_id),
            "framework",
            framework.id,
            &framework,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(framework)
}

pub(crate) async fn framework<DB: Db>(store: &SqlStore<DB>, id: i64) -> Result<FrameworkRecord> {
    let mut c = store.pool.acquire().await?;
    get_framework(&mut c, id).await
}

pub(crate) async fn frameworks<DB: Db>(
    store: &SqlStore<DB>,
    org_id: i64,
) -> Result<Vec<FrameworkRecord>> {
    sqlx::query(FRAMEWORKS.get())
        .arg(org_id)
        .fetch_all(store.executor())
        .await?
        .iter()
        .map(framework_from_row)
        .collect()
}

pub(crate) async fn delete_framework<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    id: i64,
) -> Result<()> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let before = get_framework(&mut tx, id).await?;
    sqlx::query("DELETE FROM frameworks WHERE id = $1")
        .arg(id)
        .execute(tx.executor())
        .await?;
    write_audit(
        &mut tx,
        Audit::deleted(actor, now, Some(before.org_id), "framework", id, &before),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
