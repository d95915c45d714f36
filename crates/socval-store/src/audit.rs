//! The audit log: the rows every change writes in its transaction
//! ([`Audit`], [`write_audit`]) and reading them back.

use time::OffsetDateTime;

use crate::db::{Bind as _, Columns, Conn, Db, SqlStore};
use crate::error::Result;
use crate::model::*;
use crate::sql::{AUDIT_COLS, Sql, json, ts};

/// An audit row as read.
pub(crate) fn audit_from_row(r: &impl Columns) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.col("id")?,
        at: r.col("at")?,
        actor_user_id: r.col("actor_user_id")?,
        actor: r.col("actor")?,
        org_id: r.col("org_id")?,
        action: r.col::<String>("action")?.parse()?,
        entity_type: r.col("entity_type")?,
        entity_id: r.col("entity_id")?,
        before: r.col("before")?,
        after: r.col("after")?,
    })
}

/// One audit row, written inside the caller's transaction.
pub(crate) struct Audit<'a> {
    actor: &'a Actor,
    now: OffsetDateTime,
    org_id: Option<i64>,
    action: AuditAction,
    entity_type: &'static str,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
}

/// The shapes audit rows take. `entity_id` is the entity's key as
/// text; `before` and `after` are whole entities, kept as JSON.
impl<'a> Audit<'a> {
    /// A row of `action` on an entity, with neither side filled in.
    pub(crate) fn new(
        actor: &'a Actor,
        now: OffsetDateTime,
        org_id: Option<i64>,
        action: AuditAction,
        entity_type: &'static str,
        entity_id: impl std::fmt::Display,
    ) -> Self {
        let entity_id = entity_id.to_string();
        Audit {
            actor,
            now,
            org_id,
            action,
            entity_type,
            entity_id,
            before: None,
            after: None,
        }
    }

    /// A new entity: nothing before, the entity as created after.
    pub(crate) fn created(
        actor: &'a Actor,
        now: OffsetDateTime,
        org_id: Option<i64>,
        entity_type: &'static str,
        entity_id: impl std::fmt::Display,
        after: &impl serde::Serialize,
    ) -> Self {
        Audit {
            after: json(after),
            ..Audit::new(
                actor,
                now,
                org_id,
                AuditAction::Create,
                entity_type,
                entity_id,
            )
        }
    }

    /// A changed entity: as it was and as it is now.
    pub(crate) fn updated(
        actor: &'a Actor,
        now: OffsetDateTime,
        org_id: Option<i64>,
        entity_type: &'static str,
        entity_id: impl std::fmt::Display,
        before: &impl serde::Serialize,
        after: &impl serde::Serialize,
    ) -> Self {
        Audit {
            before: json(before),
            after: json(after),
            ..Audit::new(
                actor,
                now,
                org_id,
                AuditAction::Update,
                entity_type,
                entity_id,
            )
        }
    }

    /// A removed entity: as it was, nothing after.
    pub(crate) fn deleted(
        actor: &'a Actor,
        now: OffsetDateTime,
        org_id: Option<i64>,
        entity_type: &'static str,
        entity_id: impl std::fmt::Display,
        before: &impl serde::Serialize,
    ) -> Self {
        Audit {
            before: json(before),
            ..Audit::new(
                actor,
                now,
                org_id,
                AuditAction::Delete,
                entity_type,
                entity_id,
            )
        }
    }

    /// Something an entity may or may not have had (a bid's score),
    /// now set: a create the first time, an update when it replaces
    /// an earlier one. A side that is absent is written as no JSON.
    pub(crate) fn created_or_updated<T: serde::Serialize>(
        actor: &'a Actor,
        now: OffsetDateTime,
        org_id: Option<i64>,
        entity_type: &'static str,
        entity_id: impl std::fmt::Display,
        before: Option<&T>,
        after: Option<&T>,
    ) -> Self {
        let action = if before.is_some() {
            AuditAction::Update
        } else {
            AuditAction::Create
        };
        Audit {
            before: before.and_then(json),
            after: after.and_then(json),
            ..Audit::new(actor, now, org_id, action, entity_type, entity_id)
        }
    }
}

/// Writes `a` with the caller's connection: inside the change's
/// transaction, so that the change and its row happen together or not at
/// all.
pub(crate) async fn write_audit(c: &mut impl Conn, a: Audit<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, actor, org_id, action, entity_type, entity_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .arg(ts(a.now))
    .arg(a.actor.user_id)
    .arg(&a.actor.label)
    .arg(a.org_id)
    .arg(a.action.as_str())
    .arg(a.entity_type)
    .arg(a.entity_id)
    .arg(a.before)
    .arg(a.after)
    .execute(c.executor())
    .await?;
    Ok(())
}

/// Audit rows matching `q` (see [`crate::Store::audit`]): the backend
/// reads the page its own way ([`Db::audit_page`]).
pub(crate) async fn audit<DB: Db>(store: &SqlStore<DB>, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
    DB::audit_page(&store.pool, q).await
}

/// How many audit rows there are, for one organisation if given.
pub(crate) async fn audit_count<DB: Db>(store: &SqlStore<DB>, org_id: Option<i64>) -> Result<i64> {
    let row = match org_id {
        Some(org_id) => {
            sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE org_id = $1")
                .arg(org_id)
                .fetch_one(store.executor())
                .await?
        }
        None => {
            sqlx::query("SELECT COUNT(*) AS n FROM audit_log")
                .fetch_one(store.executor())
                .await?
        }
    };
    Ok(row.col("n")?)
}

static PAGE: Sql = Sql::new(&[
    "SELECT ",
    AUDIT_COLS,
    " FROM audit_log WHERE id > $1 AND id < $2 ORDER BY id LIMIT $3",
]);
static PAGE_NEWEST_FIRST: Sql = Sql::new(&[
    "SELECT ",
    AUDIT_COLS,
    " FROM audit_log WHERE id > $1 AND id < $2 ORDER BY id DESC LIMIT $3",
]);
static ORG_PAGE: Sql = Sql::new(&[
    "SELECT ",
    AUDIT_COLS,
    " FROM audit_log WHERE org_id = $4 AND id > $1 AND id < $2 ORDER BY id LIMIT $3",
]);
static ORG_PAGE_NEWEST_FIRST: Sql = Sql::new(&[
    "SELECT ",
    AUDIT_COLS,
    " FROM audit_log WHERE org_id = $4 AND id > $1 AND id < $2 ORDER BY id DESC LIMIT $3",
]);

/// The query of one page of the audit log: `$1` after id, `$2` before id,
/// `$3` limit, `$4` organisation (when `q.org_id` is set). Plain
/// comparisons (no `$n IS NULL OR ...`) so both databases seek the primary
/// key or the (org_id, id) index: paging through a million rows stays
/// linear.
pub(crate) fn page_sql(q: &AuditQuery) -> &'static str {
    match (q.org_id.is_some(), q.newest_first) {
        (false, false) => PAGE.get(),
        (false, true) => PAGE_NEWEST_FIRST.get(),
        (true, false) => ORG_PAGE.get(),
        (true, true) => ORG_PAGE_NEWEST_FIRST.get(),
    }
}

/// The values of [`page_sql`]'s placeholders, in order (the organisation
/// last, when the query has one).
pub(crate) fn page_args(q: &AuditQuery) -> (i64, i64, i64, Option<i64>) {
    (
        q.after_id.unwrap_or(i64::MIN),
        q.before_id.unwrap_or(i64::MAX),
        q.limit.clamp(0, 10_000),
        q.org_id,
    )
}
