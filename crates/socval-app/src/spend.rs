//! An organisation's spend area: its payments imports, supplier register
//! and location overrides, each change audited and whole.
//!
//! Every change follows `socval_spend::journal`: prepared beside the area
//! (checked whole: a bad line changes nothing), recorded in the audit log
//! at the time it was prepared, then put in place. If recording fails the
//! prepared change is undone; if the process stops half way, [`recover`]
//! (run by the portal on start and by `socval spend --org`) finishes or
//! undoes it.

use std::path::{Path, PathBuf};

use socval_spend::{
    Change, ChangeKind, ImportInfo, ImportOptions, OverridesInfo, Recorded, Recovery, RegisterInfo,
    SpendStore,
};
use socval_store::{Actor, Organisation, SpendImport, SpendOverrides, SpendRegister, Store};
use time::OffsetDateTime;

use crate::error::{Error, Result};

/// The organisation's own spend area of the data directory.
pub fn area(data_dir: &Path, org: &Organisation) -> SpendStore {
    SpendStore::for_org(data_dir, &org.slug)
}

/// What the audit log records of one import.
pub fn import_row(info: &ImportInfo) -> SpendImport {
    SpendImport {
        source: info.source.clone(),
        sha256: info.sha256.clone(),
        lines: info.lines,
        rows: info.rows,
        total_gbp: info.total_gbp,
        years: info.years.keys().cloned().collect(),
    }
}

/// What the audit log records of a supplier register put in place, read
/// from the file named `source`.
pub fn register_row(source: &str, info: &RegisterInfo) -> SpendRegister {
    SpendRegister {
        source: source.to_owned(),
        sha256: info.sha256.clone(),
        suppliers: info.suppliers,
        with_postcode: info.with_postcode,
    }
}

/// What the audit log records of location overrides put in place.
pub fn overrides_row(source: &str, info: &OverridesInfo) -> SpendOverrides {
    SpendOverrides {
        source: source.to_owned(),
        sha256: info.sha256.clone(),
        overrides: info.overrides,
    }
}

/// Imports payments `files` (CSV, or XLSX/XLS/ODS by extension) into
/// organisation `org_id`'s spend `area`, all or nothing, audited as `actor`
/// at `at`: one `spend_import` row per file, in one transaction, before the
/// files are put in place. With `replace`, earlier imports of the same
/// content or file name are replaced.
///
/// Returns the imports as stored, or the error that stopped them, after
/// which the area is as it was: a file refused ([`Error::Spend`], naming
/// file, line and field; already imported), or the audit log not written
/// ([`Error::Store`]).
#[allow(clippy::too_many_arguments)]
pub async fn import_payments(
    db: &dyn Store,
    area: &SpendStore,
    org_id: i64,
    files: &[PathBuf],
    opts: &ImportOptions,
    replace: bool,
    actor: &Actor,
    at: OffsetDateTime,
) -> Result<Vec<ImportInfo>> {
    let (area, files, opts) = (area.clone(), files.to_vec(), opts.clone());
    audited(
        "the import",
        move || area.prepare_import(&files, &opts, replace, at),
        async |infos: &Vec<ImportInfo>| {
            let rows: Vec<SpendImport> = infos.iter().map(import_row).collect();
            db.record_spend_imports(actor, at, org_id, &rows).await
        },
    )
    .await
}

/// A CSV file given for an organisation's spend area: the register or
/// the location overrides.
#[derive(Clone, Copy, Debug)]
pub struct GivenFile<'a> {
    /// The organisation.
    pub org_id: i64,
    /// The file as named in errors.
    pub source: &'a str,
    /// Its name in the audit log (without folders).
    pub name: &'a str,
    /// Where it is.
    pub path: &'a Path,
}

/// Replaces the organisation's supplier register with `file`, whole, once
/// every row is valid; audited (`spend_register`) before it is put in
/// place.
///
/// Returns what the register holds, or the error that stopped it, after
/// which the area is as it was.
pub async fn replace_register(
    db: &dyn Store,
    area: &SpendStore,
    file: GivenFile<'_>,
    actor: &Actor,
    at: OffsetDateTime,
) -> Result<RegisterInfo> {
    let (area, source, path) = (area.clone(), file.source.to_owned(), file.path.to_owned());
    let stage = move || area.stage_register(&source, &path, at);
    audited("the register", stage, async |info: &RegisterInfo| {
        let row = register_row(file.name, info);
        db.record_spend_register(actor, at, file.org_id, &row).await
    })
    .await
}

/// Replaces the organisation's location overrides with `file`, as
/// [`replace_register`] does the register (`spend_overrides`).
pub async fn replace_overrides(
    db: &dyn Store,
    area: &SpendStore,
    file: GivenFile<'_>,
    actor: &Actor,
    at: OffsetDateTime,
) -> Result<OverridesInfo> {
    let (area, source, path) = (area.clone(), file.source.to_owned(), file.path.to_owned());
    let stage = move || area.stage_overrides(&source, &path, at);
    audited("the overrides", stage, async |info: &OverridesInfo| {
        let row = overrides_row(file.name, info);
        db.record_spend_overrides(actor, at, file.org_id, &row)
            .await
    })
    .await
}

/// Prepares a change on the blocking pool, records it with `record`, then
/// puts it in place; undoes it if recording fails.
async fn audited<T: Send + 'static>(
    what: &'static str,
    prepare: impl FnOnce() -> socval_spend::Result<Change<T>> + Send + 'static,
    record: impl AsyncFnOnce(&T) -> socval_store::Result<()>,
) -> Result<T> {
    let change = blocking(what, prepare).await??;
    if let Err(e) = record(&change.info).await {
        // Not in the audit log, so not in place either.
        blocking(what, move || drop(change)).await?;
        return Err(e.into());
    }
    Ok(blocking(what, move || change.commit()).await??)
}

/// Runs `f` on the blocking pool.
async fn blocking<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Task {
            what,
            reason: e.to_string(),
        })
}

/// The changes to organisation `org_id`'s spend area that the audit log
/// has, for [`SpendStore::recover`].
pub async fn recorded_changes(db: &dyn Store, org_id: i64) -> Result<Vec<Recorded>> {
    let row = |kind, sha256: &str, at: OffsetDateTime| Recorded {
        kind,
        sha256: sha256.to_ascii_lowercase(),
        at_unix: at.unix_timestamp(),
    };
    let mut out = Vec::new();
    for e in db.spend_imports(org_id).await? {
        out.push(row(ChangeKind::Import, &e.import.sha256, e.at));
    }
    for e in db.spend_registers(org_id).await? {
        out.push(row(ChangeKind::Register, &e.register.sha256, e.at));
    }
    for e in db.spend_overrides(org_id).await? {
        out.push(row(ChangeKind::Overrides, &e.overrides.sha256, e.at));
    }
    Ok(out)
}

/// Finishes or undoes the changes a crash interrupted in organisation
/// `org_id`'s spend `area`, and removes temporary files left behind.
pub async fn recover(db: &dyn Store, area: &SpendStore, org_id: i64) -> Result<Recovery> {
    let recorded = recorded_changes(db, org_id).await?;
    let area = area.clone();
    Ok(blocking("recovering a spend area", move || area.recover(&recorded)).await??)
}

/// [`recover`] for every organisation's area under `data_dir`: run before
/// serving. Returns what was done, by organisation slug (areas with
/// nothing to do left out), and logs it.
pub async fn recover_all(db: &dyn Store, data_dir: &Path) -> Result<Vec<(String, Recovery)>> {
    let mut out = Vec::new();
    for org in db.organisations().await? {
        let done = recover(db, &area(data_dir, &org), org.id).await?;
        if done.is_empty() {
            continue;
        }
        for what in &done.completed {
            tracing::warn!(org = %org.slug, change = %what, "finished a spend change interrupted after it was audited");
        }
        for what in &done.rolled_back {
            tracing::warn!(org = %org.slug, change = %what, "undid a spend change interrupted before it was audited");
        }
        for path in &done.removed {
            tracing::warn!(org = %org.slug, path = %path.display(), "removed a temporary file left by a crash");
        }
        out.push((org.slug, done));
    }
    Ok(out)
}
