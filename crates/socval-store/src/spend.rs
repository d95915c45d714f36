//! Files put into an organisation's spend area, as the audit log records
//! them: the spend part of [`crate::Store`].

use time::OffsetDateTime;

use crate::account::get_org;
use crate::audit::{Audit, audit_from_row, write_audit};
use crate::db::{Bind as _, Db, SqlStore};
use crate::error::{Error, Result};
use crate::model::*;
use crate::sql::*;

static SPEND_FILES: Sql = Sql::new(&[
    "SELECT ",
    AUDIT_COLS,
    " FROM audit_log WHERE org_id = $1 AND entity_type = $2 ORDER BY id DESC",
]);

/// Records `files` (source, SHA-256, what to record) put in place in
/// an organisation's spend area, all in one transaction: a change of
/// several files is in the audit log whole or not at all.
async fn record_spend_file<DB: Db, T: serde::Serialize>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    org_id: i64,
    entity_type: &'static str,
    files: &[(&str, &str, &T)],
) -> Result<()> {
    let what = entity_type.replace('_', " ");
    for (source, sha256, _) in files {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return crate::sql::invalid(format!(
                "{what} {source:?}: {sha256:?} is not a SHA-256 (64 hexadecimal digits)"
            ));
        }
        if source.trim().is_empty() {
            return crate::sql::invalid(format!("{what}: the source file has no name"));
        }
    }
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    // The audit log has no foreign keys (it outlives what it
    // describes), so check the organisation here.
    get_org(&mut tx, org_id).await?;
    for (_, sha256, after) in files {
        write_audit(
            &mut tx,
            Audit::created(
                actor,
                now,
                Some(org_id),
                entity_type,
                sha256.to_ascii_lowercase(),
                after,
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The files of `entity_type` recorded for an organisation, newest
/// first: when, by whom, and what (the row's `after`).
async fn spend_files<DB: Db, T: serde::de::DeserializeOwned>(
    store: &SqlStore<DB>,
    org_id: i64,
    entity_type: &str,
) -> Result<Vec<(OffsetDateTime, String, T)>> {
    let rows = sqlx::query(SPEND_FILES.get())
        .arg(org_id)
        .arg(entity_type)
        .fetch_all(store.executor())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let e = audit_from_row(r)?;
        let after = e.after.as_deref().unwrap_or("null");
        let what: T = serde_json::from_str(after).map_err(|err| Error::Invalid {
            detail: format!("audit row {}: not a {entity_type} row: {err}", e.id),
        })?;
        out.push((e.at, e.actor, what));
    }
    Ok(out)
}

pub(crate) async fn record_spend_imports<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    org_id: i64,
    imports: &[SpendImport],
) -> Result<()> {
    let files: Vec<_> = imports
        .iter()
        .map(|i| (i.source.as_str(), i.sha256.as_str(), i))
        .collect();
    record_spend_file(store, actor, now, org_id, "spend_import", &files).await
}

pub(crate) async fn spend_imports<DB: Db>(
    store: &SqlStore<DB>,
    org_id: i64,
) -> Result<Vec<SpendImportEntry>> {
    Ok(spend_files(store, org_id, "spend_import")
        .await?
        .into_iter()
        .map(|(at, actor, import)| SpendImportEntry { at, actor, import })
        .collect())
}

pub(crate) async fn record_spend_register<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    org_id: i64,
    register: &SpendRegister,
) -> Result<()> {
    record_spend_file(
        store,
        actor,
        now,
        org_id,
        "spend_register",
        &[(register.source.as_str(), register.sha256.as_str(), register)],
    )
    .await
}

pub(crate) async fn spend_registers<DB: Db>(
    store: &SqlStore<DB>,
    org_id: i64,
) -> Result<Vec<SpendRegisterEntry>> {
    Ok(spend_files(store, org_id, "spend_register")
        .await?
        .into_iter()
        .map(|(at, actor, register)| SpendRegisterEntry {
            at,
            actor,
            register,
        })
        .collect())
}

pub(crate) async fn record_spend_overrides<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    org_id: i64,
    overrides: &SpendOverrides,
) -> Result<()> {
    record_spend_file(
        store,
        actor,
        now,
        org_id,
        "spend_overrides",
        &[(
            overrides.source.as_str(),
            overrides.sha256.as_str(),
            overrides,
        )],
    )
    .await
}

pub(crate) async fn spend_overrides<DB: Db>(
    store: &SqlStore<DB>,
    org_id: i64,
) -> Result<Vec<SpendOverridesEntry>> {
    Ok(spend_files(store, org_id, "spend_overrides")
        .await?
        .into_iter()
        .map(|(at, actor, overrides)| SpendOverridesEntry {
            at,
            actor,
            overrides,
        })
        .collect())
}
