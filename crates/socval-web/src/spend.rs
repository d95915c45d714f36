//! An organisation's spend in the portal (`/orgs/{org}/spend`): the payments
//! files imported into its spend area (`<data-dir>/spend/orgs/<slug>`, the
//! one `socval spend import --org SLUG` writes and the annual report reads),
//! its spend settings, and an upload form for a payments file.
//!
//! An upload is all-or-nothing, like the command line's import: the file
//! is parsed in full on tokio's blocking pool into a hidden temporary
//! Parquet file that is renamed into place only if every line is good; a bad
//! line is reported with the file, line and column, and nothing is stored.
//! Every import writes a `spend_import` row to the audit log.
//!
//! This route has its own body limit ([`Config::max_spend_upload_bytes`],
//! 100 MiB by default: a year of a large council's payments as CSV); the
//! rest of the portal keeps [`Config::max_upload_bytes`].
//!
//! [`Config::max_spend_upload_bytes`]: crate::Config::max_spend_upload_bytes
//! [`Config::max_upload_bytes`]: crate::Config::max_upload_bytes

use std::path::{Path, PathBuf};

use askama::Template;
use axum::extract::{Multipart, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use socval_spend::{BlankAmount, ImportInfo, ImportOptions, SpendStore};
use socval_store::{Organisation, Role};
use time::OffsetDateTime;

use crate::access::Access::Staff;
use crate::access::{Route, get, post};
use crate::auth::{Ctx, at_least};
use crate::error::AppError;
use crate::format::when;
use crate::html::{FormErrors, Page, render};
use crate::page::org_page;
use crate::state::AppState;

/// The file types the upload accepts: CSV, and the spreadsheets the spend
/// crate reads (by extension).
const EXTENSIONS: &[&str] = &["csv", "xlsx", "xlsm", "xls", "xlsb", "ods"];

/// The spend page and its three upload forms (officer, admin). The
/// payments upload has its own body limit; the top of the crate gives
/// these routes the spend upload's limit ([`crate::Config::max_spend_upload_bytes`]).
pub(crate) fn routes() -> Vec<Route> {
    let officer = Staff(Role::Officer);
    vec![
        get("/orgs/{org}/spend", Staff(Role::Viewer), show),
        post("/orgs/{org}/spend", officer, upload).spend_upload(),
        post("/orgs/{org}/spend/register", officer, upload_register),
        post("/orgs/{org}/spend/overrides", officer, upload_overrides),
    ]
}

struct ImportRow {
    source: String,
    years: String,
    payments: String,
    total: String,
    imported: String,
}

#[derive(Template)]
#[template(path = "spend.html")]
struct SpendPage {
    page: Page,
    slug: String,
    org_name: String,
    imports: Vec<ImportRow>,
    local: String,
    region: String,
    top: usize,
    from: String,
    can_upload: bool,
    limit_mb: usize,
    /// What the supplier register holds and where it came from, or why
    /// there is none.
    register: String,
    /// The same of the location overrides.
    overrides: String,
    errors: FormErrors,
    confirmation: Option<String>,
    blank_amount: String,
    replace: bool,
}

#[derive(serde::Deserialize)]
struct ShowQuery {
    imported: Option<String>,
    /// Set after a register upload: the start of its SHA-256.
    register: Option<String>,
    /// Set after an overrides upload: the start of its SHA-256.
    overrides: Option<String>,
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("{what}: {e}"))
}

/// The organisation's spend area.
fn area(state: &AppState, org: &Organisation) -> SpendStore {
    socval_app::spend::area(&state.config.data_dir, org)
}

/// The imports (from their Parquet metadata, read on the blocking pool)
/// and the area's settings.
async fn read_area(
    store: SpendStore,
) -> Result<(Vec<ImportInfo>, socval_report::AreaSettings), AppError> {
    tokio::task::spawn_blocking(move || {
        let imports = store
            .imports()
            .map_err(|e| internal("reading the spend area", e))?;
        let settings = socval_report::AreaSettings::read(&store)
            .map_err(|e| internal("the spend settings", e))?;
        Ok((imports, settings))
    })
    .await
    .map_err(|e| internal("reading the spend area", e))?
}

struct Form {
    errors: FormErrors,
    confirmation: Option<String>,
    blank_amount: String,
    replace: bool,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    form: Form,
) -> Result<Response, AppError> {
    let access = ctx.org()?.clone();
    let org = access.org;
    let mut page = org_page(state, ctx, format!("Spend of {}", org.name))?;
    page.has_errors = !form.errors.is_empty();
    let (imports, settings) = read_area(area(state, &org)).await?;
    let recorded = state.store.spend_imports(org.id).await?;
    let register = file_status(
        &recorded_registers(state, org.id).await?,
        area(state, &org).suppliers_path().exists(),
        "A register is in place, imported on the server (not in the audit log).",
        "No supplier register yet: until one is imported every supplier's location is unknown, so local, regional, deprived-area and ward spend show £0.",
    );
    let overrides = file_status(
        &recorded_overrides(state, org.id).await?,
        area(state, &org).overrides_path().exists(),
        "Overrides are in place, imported on the server (not in the audit log).",
        "No location overrides: every supplier is placed by its registered postcode.",
    );
    let imports = imports
        .into_iter()
        .map(|i| {
            // Newest first: the latest time this content was imported.
            let imported = match recorded.iter().find(|r| r.import.sha256 == i.sha256) {
                Some(r) => format!("{} by {}", when(r.at), r.actor),
                None => std::fs::metadata(&i.path)
                    .and_then(|m| m.modified())
                    .map(|t| format!("{} (not in the audit log)", when(t.into())))
                    .unwrap_or_else(|_| "not recorded".to_owned()),
            };
            ImportRow {
                years: i.years.keys().cloned().collect::<Vec<_>>().join(", "),
                payments: group(i.rows),
                total: i.total_gbp.display_pounds(),
                source: i.source,
                imported,
            }
        })
        .collect();
    let body = SpendPage {
        page,
        slug: org.slug.clone(),
        org_name: org.name.clone(),
        imports,
        local: settings.local.join(", "),
        region: settings.region,
        top: settings.top,
        from: settings
            .from
            .unwrap_or_else(|| "not set (Rotherham Town Hall when local is Rotherham)".into()),
        can_upload: at_least(access.role, Role::Officer),
        limit_mb: state.config.max_spend_upload_bytes / (1024 * 1024),
        register,
        overrides,
        errors: form.errors,
        confirmation: form.confirmation,
        blank_amount: form.blank_amount,
        replace: form.replace,
    };
    Ok(render(status, &body))
}

use socval_core::group_digits as group;

/// A supplier register or overrides file as the audit log recorded it:
/// its name, what it holds in words, its SHA-256, when and by whom.
struct Recorded {
    source: String,
    holds: String,
    sha256: String,
    at: OffsetDateTime,
    actor: String,
}

/// The supplier registers recorded for the organisation, newest first.
async fn recorded_registers(state: &AppState, org_id: i64) -> Result<Vec<Recorded>, AppError> {
    Ok(state
        .store
        .spend_registers(org_id)
        .await?
        .into_iter()
        .map(|e| Recorded {
            holds: format!(
                "{} suppliers ({} with a postcode)",
                group(e.register.suppliers),
                group(e.register.with_postcode)
            ),
            source: e.register.source,
            sha256: e.register.sha256,
            at: e.at,
            actor: e.actor,
        })
        .collect())
}

/// The location overrides recorded for the organisation, newest first.
async fn recorded_overrides(state: &AppState, org_id: i64) -> Result<Vec<Recorded>, AppError> {
    Ok(state
        .store
        .spend_overrides(org_id)
        .await?
        .into_iter()
        .map(|e| Recorded {
            holds: format!("{} overrides", group(e.overrides.overrides)),
            source: e.overrides.source,
            sha256: e.overrides.sha256,
            at: e.at,
            actor: e.actor,
        })
        .collect())
}

/// What the page says of an area's register or overrides: the latest
/// recorded one when a file is in place, else `server` (in place but not
/// recorded) or `none`.
fn file_status(recorded: &[Recorded], in_place: bool, server: &str, none: &str) -> String {
    match recorded.first() {
        Some(r) if in_place => format!(
            "{}: {}, imported {} by {}",
            r.source,
            r.holds,
            when(r.at),
            r.actor
        ),
        _ if in_place => server.to_owned(),
        _ => none.to_owned(),
    }
}

/// The confirmation after an upload of `what`: the recorded file whose
/// SHA-256 starts with `sha`.
fn confirm(recorded: &[Recorded], sha: &str, what: &str) -> Option<String> {
    recorded
        .iter()
        .find(|r| !sha.is_empty() && r.sha256.starts_with(sha))
        .map(|r| format!("Imported {what} {}: {}", r.source, r.holds))
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let registered = match q.register.as_deref() {
        Some(sha) => confirm(
            &recorded_registers(&state, org.id).await?,
            sha,
            "the supplier register",
        ),
        None => None,
    };
    let overridden = match q.overrides.as_deref() {
        Some(sha) => confirm(
            &recorded_overrides(&state, org.id).await?,
            sha,
            "the location overrides",
        ),
        None => None,
    };
    let confirmation = match q.imported.as_deref() {
        Some(sha) if !sha.is_empty() => {
            // Read back from the area, so the message says what is stored.
            let (imports, _) = read_area(area(&state, &org)).await?;
            imports
                .into_iter()
                .find(|i| i.sha256.starts_with(sha))
                .map(|i| {
                    format!(
                        "Imported {}: {} payments, {} in {}",
                        i.source,
                        group(i.rows),
                        i.total_gbp.display_pounds(),
                        i.years.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                })
        }
        _ => None,
    }
    .or(registered)
    .or(overridden);
    page(
        &state,
        &ctx,
        StatusCode::OK,
        Form {
            errors: FormErrors::default(),
            confirmation,
            blank_amount: "error".to_owned(),
            replace: false,
        },
    )
    .await
}

/// The upload form's fields. The file itself is on disk, in `dir`.
struct Upload {
    /// The name the browser sent.
    file_name: String,
    /// Where the file was written: `dir` and its [`safe_name`].
    path: Option<PathBuf>,
    /// Its length in bytes.
    size: u64,
    blank_amount: String,
    replace: bool,
    /// The upload's own folder under the area's `.uploads/`, removed
    /// whatever happens.
    dir: TmpDir,
}

/// Reads the form, writing the payments file to a new folder under the
/// area's `.uploads/` as it arrives, so that an upload of up to the page's
/// limit (100 MB) is never held in memory.
async fn read_form(
    mut form: Multipart,
    store: &SpendStore,
    file_field: &str,
) -> Result<Upload, AppError> {
    use tokio::io::AsyncWriteExt;
    let bad = AppError::from;
    let mut rnd = [0u8; 8];
    getrandom::fill(&mut rnd).map_err(|e| internal("a name for the upload", e))?;
    let dir = TmpDir(store.root().join(".uploads").join(hex::encode(rnd)));
    tokio::fs::create_dir_all(&dir.0)
        .await
        .map_err(|e| internal("the upload folder", e))?;
    let mut up = Upload {
        file_name: String::new(),
        path: None,
        size: 0,
        blank_amount: "error".to_owned(),
        replace: false,
        dir,
    };
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            name if name == file_field => {
                up.file_name = field.file_name().unwrap_or_default().to_owned();
                let name = safe_name(&up.file_name);
                let path = up
                    .dir
                    .0
                    .join(if name.is_empty() { "upload" } else { &name });
                let mut f = tokio::fs::File::create(&path)
                    .await
                    .map_err(|e| internal("the uploaded file", e))?;
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    f.write_all(&chunk)
                        .await
                        .map_err(|e| internal("the uploaded file", e))?;
                    up.size += chunk.len() as u64;
                }
                f.flush()
                    .await
                    .map_err(|e| internal("the uploaded file", e))?;
                up.path = Some(path);
            }
            "blank_amount" => up.blank_amount = field.text().await.map_err(bad)?,
            "replace" => up.replace = !field.text().await.map_err(bad)?.is_empty(),
            _ => {}
        }
    }
    Ok(up)
}

/// The name the import is stored under: the uploaded file's own name
/// without any folder a browser may send, limited to characters that are
/// safe in a file name.
fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " ._-()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    clean.trim_start_matches('.').chars().take(200).collect()
}

/// Removes the upload's temporary folder, whatever happens.
struct TmpDir(PathBuf);

impl Drop for TmpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

enum ImportError {
    /// The file is wrong: shown to the user.
    Bad(String),
    /// The server's fault: logged.
    Internal(String),
}

impl ImportError {
    fn from_spend(e: socval_spend::Error, tmp: &Path) -> ImportError {
        use socval_spend::Error as E;
        // Messages name the file as given to the importer: the temporary
        // copy. The user knows it by its own name.
        let strip = |s: String| {
            s.replace(
                &format!("{}{}", tmp.display(), std::path::MAIN_SEPARATOR),
                "",
            )
        };
        match e {
            E::AlreadyImported { source_name, .. } => ImportError::Bad(format!(
                "{} was already imported (the same content is stored); tick “Replace an earlier import” to import it again",
                strip(source_name)
            )),
            E::SameNameImported { source_name, .. } => ImportError::Bad(format!(
                "a file named {source_name} was imported before with different content; importing both would count its payments twice: tick “Replace an earlier import” to replace it"
            )),
            E::MissingColumn { .. } => ImportError::Bad(strip(
                e.to_string()
                    .replace("; name one with --map", "; rename that column to one of these names, or import it with `socval spend import --map`"),
            )),
            E::Csv { .. } | E::Value { .. } | E::Spreadsheet { .. } | E::Mapping { .. } => {
                ImportError::Bad(strip(e.to_string()))
            }
            E::Io { .. }
            | E::Parquet { .. }
            | E::Export { .. }
            | E::Read { .. }
            | E::Write { .. }
            | E::Settings { .. } => ImportError::Internal(e.to_string()),
        }
    }
}

/// The organisation's spend area and the form an officer or admin posted,
/// its file (in field `file_field`) written under the area's `.uploads/`.
async fn staff_upload(
    state: &AppState,
    ctx: &Ctx,
    req: Request,
    file_field: &str,
) -> Result<(Organisation, SpendStore, Upload), AppError> {
    let access = ctx.org()?.clone();
    // The route table allows officers and admins; say so here too.
    if !at_least(access.role, Role::Officer) {
        return Err(AppError::Forbidden);
    }
    let form = crate::error::multipart(req).await?;
    let store = area(state, &access.org);
    let up = read_form(form, &store, file_field).await?;
    Ok((access.org, store, up))
}

async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, AppError> {
    let (org, store, up) = staff_upload(&state, &ctx, req, "payments").await?;
    let mut errors = FormErrors::default();
    let blank_amount = up.blank_amount.parse::<BlankAmount>();
    let name = safe_name(&up.file_name);
    let ext = Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if up.file_name.is_empty() && up.size == 0 {
        errors.add("payments", "Choose a payments file to upload");
    } else if up.size == 0 {
        errors.add("payments", format!("{name} is empty"));
    } else if name.is_empty() || !EXTENSIONS.contains(&ext.as_str()) {
        errors.add(
            "payments",
            format!(
                "{} is not a payments file socval reads: upload a .csv, .xlsx, .xls or .ods file",
                if name.is_empty() { "The file" } else { &name }
            ),
        );
    }
    if blank_amount.is_err() {
        errors.add(
            "blank_amount",
            "Choose what to do with lines that have no amount",
        );
    }
    let again = |errors: FormErrors| Form {
        errors,
        confirmation: None,
        blank_amount: up.blank_amount.clone(),
        replace: up.replace,
    };
    if !errors.is_empty() {
        return page(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            again(errors),
        )
        .await;
    }
    let opts = ImportOptions {
        blank_amount: blank_amount.unwrap_or_default(),
        ..Default::default()
    };
    let form_again = again(FormErrors::default());
    let path = up
        .path
        .clone()
        .ok_or_else(|| internal("the upload", "no file"))?;
    let infos = match socval_app::spend::import_payments(
        &*state.store,
        &store,
        org.id,
        &[path],
        &opts,
        up.replace,
        &ctx.actor()?,
        state.now(),
    )
    .await
    {
        Ok(infos) => infos,
        Err(e) => {
            let mut errors = FormErrors::default();
            errors.add("payments", refused(e, &up.dir.0, "the spend import")?);
            return page(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                Form {
                    errors,
                    ..form_again
                },
            )
            .await;
        }
    };
    let sha = infos
        .first()
        .map(|i| i.sha256[..16].to_owned())
        .unwrap_or_default();
    Ok(Redirect::to(&format!("/orgs/{}/spend?imported={sha}", org.slug)).into_response())
}

/// The message for the user when a use case refused what they sent
/// (`Ok`), or the error the server answers with (`Err`).
fn refused(e: socval_app::Error, tmp: &Path, what: &str) -> Result<String, AppError> {
    match e {
        socval_app::Error::Spend(e) => match ImportError::from_spend(e, tmp) {
            ImportError::Bad(message) => Ok(message),
            ImportError::Internal(message) => Err(internal(what, message)),
        },
        socval_app::Error::Store(e) => Err(e.into()),
        e => Err(internal(what, e)),
    }
}

/// The two CSV files an officer replaces on the Spend page.
#[derive(Clone, Copy)]
enum AreaFile {
    Register,
    Overrides,
}

/// The register and overrides forms: an officer's or admin's CSV, checked
/// whole, audited, then put in place (`socval_app::spend`); back to the
/// page, which confirms it (`?FIELD=` the start of its SHA-256), or the
/// page saying what is wrong with it.
async fn replace_file(
    state: &AppState,
    ctx: &Ctx,
    req: Request,
    file: AreaFile,
) -> Result<Response, AppError> {
    let (field, what) = match file {
        AreaFile::Register => ("register", "a supplier register"),
        AreaFile::Overrides => ("overrides", "a location overrides file"),
    };
    let (org, area, up) = staff_upload(state, ctx, req, field).await?;
    let name = safe_name(&up.file_name);
    let refuse = |message: String| async {
        let mut errors = FormErrors::default();
        errors.add(field, message);
        page(
            state,
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Form {
                errors,
                confirmation: None,
                blank_amount: "error".to_owned(),
                replace: false,
            },
        )
        .await
    };
    if up.size == 0 {
        return refuse(format!("Choose {what} (a .csv file) to upload")).await;
    }
    if !name.to_ascii_lowercase().ends_with(".csv") {
        return refuse(format!(
            "{} is not {what} socval reads: upload a .csv file",
            if name.is_empty() { "The file" } else { &name }
        ))
        .await;
    }
    let path = up
        .path
        .clone()
        .ok_or_else(|| internal("the upload", "no file"))?;
    let (db, actor, at) = (&*state.store, ctx.actor()?, state.now());
    let given = socval_app::spend::GivenFile {
        org_id: org.id,
        source: &name,
        name: &name,
        path: &path,
    };
    let done = match file {
        AreaFile::Register => socval_app::spend::replace_register(db, &area, given, &actor, at)
            .await
            .map(|i| i.sha256),
        AreaFile::Overrides => socval_app::spend::replace_overrides(db, &area, given, &actor, at)
            .await
            .map(|i| i.sha256),
    };
    match done {
        Ok(sha) => Ok(
            Redirect::to(&format!("/orgs/{}/spend?{field}={}", org.slug, &sha[..16]))
                .into_response(),
        ),
        Err(e) => refuse(refused(e, &up.dir.0, what)?).await,
    }
}

/// Replaces the organisation's supplier register with an uploaded CSV,
/// whole, once every row is valid; audited before it is put in place.
async fn upload_register(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, AppError> {
    replace_file(&state, &ctx, req, AreaFile::Register).await
}

/// Replaces the organisation's location overrides with an uploaded CSV,
/// as [`upload_register`] does the register.
async fn upload_overrides(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, AppError> {
    replace_file(&state, &ctx, req, AreaFile::Overrides).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_stay_in_their_folder() {
        for (given, stored) in [
            ("payments 2019-20.csv", "payments 2019-20.csv"),
            ("C:\\Users\\x\\pay.xlsx", "pay.xlsx"),
            ("../../etc/passwd.csv", "passwd.csv"),
            ("..csv", "csv"),
            ("a;b$c.csv", "a_b_c.csv"),
            ("", ""),
        ] {
            assert_eq!(safe_name(given), stored, "{given}");
        }
    }

    #[test]
    fn counts_are_grouped() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1,000");
        assert_eq!(group(1_234_567), "1,234,567");
    }
}
