//! Synthetic data for benchmarks and tests (`socval admin seed-bench`,
//! the contract tests): never for production databases, so it is not part
//! of [`Store`].

use std::any::Any;

use time::OffsetDateTime;

use crate::db::{Bind as _, Columns, Conn, Db, PushBind as _, SqlStore};
use crate::error::{Error, Result};
use crate::model::*;
use crate::sql::{conflict, ts};
use crate::{PgStore, SqliteStore, Store};

/// How much synthetic data [`seed`] inserts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchSeed {
    /// Organisations.
    pub orgs: i64,
    /// Users, spread over the organisations.
    pub users: i64,
    /// Audit rows, spread over the organisations.
    pub audit_rows: i64,
}

/// What [`seed`] inserted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchSeeded {
    /// The organisations' slugs (`bench-001`, ...).
    pub org_slugs: Vec<String>,
    /// The e-mail address of the first user of each organisation (an admin).
    pub admin_emails: Vec<String>,
}

/// Inserts `seed`'s organisations, users (all with the password
/// `bench-password`; the first of each organisation is its admin),
/// memberships and audit rows in large batches, in one transaction.
///
/// Returns [`Error::Invalid`] for no organisations or for a store that is
/// not a [`SqliteStore`] or [`PgStore`], and [`Error::Conflict`] if the
/// database already has the organisations it would add.
pub async fn seed(store: &dyn Store, seed: BenchSeed, now: OffsetDateTime) -> Result<BenchSeeded> {
    let any: &dyn Any = store;
    if let Some(sqlite) = any.downcast_ref::<SqliteStore>() {
        seed_sql(sqlite, seed, now).await
    } else if let Some(pg) = any.downcast_ref::<PgStore>() {
        seed_sql(pg, seed, now).await
    } else {
        Err(Error::Invalid {
            detail: "only socval's own SQLite and PostgreSQL stores can be seeded".to_string(),
        })
    }
}

/// Inserts `count` organisations named after `start`, with the built-in
/// policy's thresholds; their ids and slugs.
async fn seed_orgs<DB: Db>(
    tx: &mut impl Conn<Db = DB>,
    start: i64,
    count: i64,
    now: OffsetDateTime,
) -> Result<(Vec<i64>, Vec<String>)> {
    let mut org_ids = Vec::new();
    let mut org_slugs = Vec::new();
    // The built-in policy's thresholds.
    let built_in = NewOrganisation::new("", "", OrgKind::Council);
    for i in 0..count {
        let slug = format!("bench-{:03}", start + i + 1);
        let row = sqlx::query(
            "INSERT INTO organisations (slug, name, kind, procurement_threshold_pence, small_purchase_threshold_pence, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .arg(&slug)
        .arg(format!("Bench organisation {}", start + i + 1))
        .arg(OrgKind::ALL[(i as usize) % OrgKind::ALL.len()].as_str())
        .arg(built_in.procurement_threshold_pence)
        .arg(built_in.small_purchase_threshold_pence)
        .arg(now)
        .fetch_one(tx.executor())
        .await
        .map_err(|e| conflict(e, || format!("organisation {slug} exists: seed an empty database")))?;
        org_ids.push(row.col::<i64>("id")?);
        org_slugs.push(slug);
    }
    Ok((org_ids, org_slugs))
}

async fn seed_sql<DB: Db>(
    store: &SqlStore<DB>,
    seed: BenchSeed,
    now: OffsetDateTime,
) -> Result<BenchSeeded> {
    let now = ts(now);
    let hash = crate::password::hash_blocking("bench-password".to_string()).await?;
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let start: i64 = sqlx::query("SELECT COUNT(*) AS n FROM organisations")
        .fetch_one(tx.executor())
        .await?
        .col("n")?;
    let (org_ids, org_slugs) = seed_orgs::<DB>(&mut tx, start, seed.orgs, now).await?;
    if org_ids.is_empty() {
        return Err(Error::Invalid {
            detail: "seed at least one organisation".to_string(),
        });
    }
    let mut admin_emails = Vec::new();
    const BATCH: i64 = 1000;
    let mut n = 0;
    while n < seed.users {
        let upto = (n + BATCH).min(seed.users);
        let emails: Vec<String> = (n..upto)
            .map(|i| format!("bench-{}-{i:06}@example.invalid", start + 1))
            .collect();
        let mut qb = sqlx::QueryBuilder::<DB>::new(
            "INSERT INTO users (email, name, password_hash, created_at, password_changed_at) ",
        );
        qb.push_values(&emails, |mut b, email| {
            b.arg(email.clone())
                .arg(email.clone())
                .arg(hash.clone())
                .arg(now)
                .arg(now);
        });
        qb.push(" RETURNING id");
        let ids: Vec<i64> = qb
            .build()
            .fetch_all(tx.executor())
            .await?
            .iter()
            .map(|r| r.col::<i64>("id"))
            .collect::<Result<_, _>>()?;
        let mut qb = sqlx::QueryBuilder::<DB>::new(
            "INSERT INTO memberships (user_id, org_id, role, supplier_id, created_at) ",
        );
        let orgs = org_ids.len() as i64;
        qb.push_values(ids.iter().zip(n..upto), |mut b, (id, i)| {
            let org = org_ids[(i % orgs) as usize];
            // The first user of each organisation is its admin.
            let role = if i < orgs {
                Role::Admin
            } else if i % 2 == 0 {
                Role::Officer
            } else {
                Role::Viewer
            };
            b.arg(*id)
                .arg(org)
                .arg(role.as_str())
                .arg(None::<i64>)
                .arg(now);
        });
        qb.build().execute(tx.executor()).await?;
        for (email, i) in emails.iter().zip(n..upto) {
            if i < orgs {
                admin_emails.push(email.clone());
            }
        }
        n = upto;
    }
    let actor = Actor::system("seed-bench");
    let mut n = 0;
    while n < seed.audit_rows {
        let upto = (n + BATCH).min(seed.audit_rows);
        let mut qb = sqlx::QueryBuilder::<DB>::new(
            "INSERT INTO audit_log (at, actor_user_id, actor, org_id, action, entity_type, entity_id, before, after) ",
        );
        let orgs = org_ids.len() as i64;
        qb.push_values(n..upto, |mut b, i| {
            let org = org_ids[(i % orgs) as usize];
            b.arg(now - time::Duration::seconds(seed.audit_rows - i))
                .arg(None::<i64>)
                .arg(actor.label.clone())
                .arg(org)
                .arg(AuditAction::Update.as_str())
                .arg("bench")
                .arg(i.to_string())
                .arg(format!("{{\"n\":{i},\"state\":\"before\"}}"))
                .arg(format!("{{\"n\":{i},\"state\":\"after\"}}"));
        });
        qb.build().execute(tx.executor()).await?;
        n = upto;
    }
    tx.commit().await?;
    Ok(BenchSeeded {
        org_slugs,
        admin_emails,
    })
}
