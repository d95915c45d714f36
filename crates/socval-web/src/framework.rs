//! Measures frameworks in the portal: an officer imports a TOML or CSV file
//! (parsed and validated by `socval-core`; on any problem nothing is saved
//! and every problem is listed with its line), and staff browse themes →
//! outcomes → measures with the proxy values of a financial year.

use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use socval_core::FinancialYear;
use socval_core::framework::{Framework, Meta};
use socval_store::{FrameworkFormat, FrameworkRecord, NewFramework, Role};
use utoipa::{OpenApi, ToSchema};

use crate::access::Access::Staff;
use crate::access::{Route, get, post};
use crate::auth::{Ctx, at_least};
use crate::cache::lock;
use crate::error::{ApiError, ApiProblem, AppError, ErrorBody, ImportProblems};
use crate::format::{proxy_pounds, rfc3339};
use crate::html::{FormErrors, Page, render};
use crate::page::org_page;
use crate::state::AppState;

/// The framework pages and their API: staff read, officers import.
pub(crate) fn routes() -> Vec<Route> {
    let (viewer, officer) = (Staff(Role::Viewer), Staff(Role::Officer));
    vec![
        get("/orgs/{org}/frameworks", viewer, list),
        post("/orgs/{org}/frameworks", officer, import_form),
        get("/orgs/{org}/frameworks/{framework}", viewer, show),
        get("/api/v1/orgs/{org}/frameworks", viewer, frameworks),
        post("/api/v1/orgs/{org}/frameworks", officer, import_framework),
        get(
            "/api/v1/orgs/{org}/frameworks/{framework}",
            viewer,
            framework,
        ),
    ]
}

#[derive(OpenApi)]
#[openapi(
    paths(frameworks, framework, import_framework),
    components(schemas(ApiFramework, ApiFrameworkDetail, ImportRequest))
)]
struct FrameworkApi;

/// The framework part of the OpenAPI document.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    FrameworkApi::openapi()
}

/// A framework file to import.
#[derive(Debug, Default, Clone)]
pub(crate) struct ImportInput {
    /// The file's name as uploaded (its extension picks the format if
    /// `format` is not given).
    pub filename: String,
    /// `toml` or `csv`, if known.
    pub format: Option<FrameworkFormat>,
    /// The file's text.
    pub source: String,
    /// For CSV files (which carry no header block): the framework's name.
    pub name: String,
    /// For CSV files: the edition.
    pub edition: String,
}

/// Why an import was refused: each problem on the form field it concerns.
#[derive(Debug)]
pub(crate) enum ImportError {
    /// The file or the form is wrong; nothing was saved.
    Invalid(FormErrors),
    /// Something else failed.
    App(AppError),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        ImportError::App(e)
    }
}

fn format_of(input: &ImportInput) -> Option<FrameworkFormat> {
    input.format.or_else(|| {
        let lower = input.filename.to_ascii_lowercase();
        if lower.ends_with(".toml") {
            Some(FrameworkFormat::Toml)
        } else if lower.ends_with(".csv") {
            Some(FrameworkFormat::Csv)
        } else {
            None
        }
    })
}

/// Parses and validates a framework file (CPU work: run it off the async
/// threads).
pub(crate) fn parse(input: &ImportInput) -> Result<(Framework, FrameworkFormat), FormErrors> {
    let mut errors = FormErrors::default();
    let Some(format) = format_of(input) else {
        errors.add("file", "Select a framework file ending in .toml or .csv");
        return Err(errors);
    };
    let file = if input.filename.is_empty() {
        "upload".to_owned()
    } else {
        input.filename.clone()
    };
    let text = input.source.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        errors.add("file", "The selected file is empty");
        return Err(errors);
    }
    let parsed = match format {
        FrameworkFormat::Toml => Framework::from_toml(text, &file).map_err(|e| e.to_string()),
        FrameworkFormat::Csv => {
            let name = input.name.trim();
            if name.is_empty() {
                errors.add(
                    "name",
                    "Enter the framework's name (a CSV file does not say it)",
                );
            } else if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                || name.len() > 64
            {
                errors.add("name", "Name must be letters, digits, hyphens, dots or underscores, up to 64 characters");
            }
            if input.edition.trim().is_empty() {
                errors.add("edition", "Enter the edition, for example 2024");
            } else {
                errors.check_length(
                    "edition",
                    "Edition",
                    input.edition.trim(),
                    socval_core::limits::MAX_SHORT_TEXT,
                );
            }
            if !errors.is_empty() {
                return Err(errors);
            }
            let meta = Meta {
                id: name.to_owned(),
                title: name.to_owned(),
                edition: input.edition.trim().to_owned(),
                ..Meta::default()
            };
            socval_app::records::from_csv(text.as_bytes(), &file)
                .and_then(|r| Framework::from_records(&r, meta).map_err(|e| e.to_string()))
        }
    };
    let fw = match parsed {
        Ok(fw) => fw,
        Err(message) => {
            errors.add("file", message);
            return Err(errors);
        }
    };
    if fw.meta.id.trim().is_empty() {
        errors.add(
            "file",
            format!("{file}: the framework has no id: add `id = \"...\"` under [framework]"),
        );
    }
    for issue in fw.validate() {
        errors.add("file", format!("{file}: {issue}"));
    }
    if fw.measure_count() == 0 {
        errors.add("file", format!("{file}: the framework has no measures"));
    }
    if errors.is_empty() {
        Ok((fw, format))
    } else {
        Err(errors)
    }
}

/// Imports a framework for the URL's organisation: all or nothing.
pub(crate) async fn import(
    state: &AppState,
    ctx: &Ctx,
    input: ImportInput,
) -> Result<FrameworkRecord, ImportError> {
    let org_id = ctx.org()?.org.id;
    let actor = ctx.actor()?;
    let (input, parsed) = tokio::task::spawn_blocking(move || {
        let parsed = parse(&input);
        (input, parsed)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let (fw, format) = parsed.map_err(ImportError::Invalid)?;
    let edition = if fw.meta.edition.is_empty() {
        "1".to_owned()
    } else {
        fw.meta.edition.clone()
    };
    let new = NewFramework {
        org_id,
        name: fw.meta.id.clone(),
        edition,
        format,
        source: input.source.trim_start_matches('\u{feff}').to_owned(),
    };
    match state
        .store
        .create_framework(&actor, state.now(), &new)
        .await
    {
        Ok(rec) => Ok(rec),
        Err(socval_store::Error::Conflict { .. }) => {
            let mut errors = FormErrors::default();
            errors.add(
                "file",
                format!(
                    "This organisation already has {} edition {}: change the edition to import another",
                    new.name, new.edition
                ),
            );
            Err(ImportError::Invalid(errors))
        }
        Err(e) => Err(ImportError::App(e.into())),
    }
}

/// The URL's framework, checked to be the organisation's.
pub(crate) async fn load(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<FrameworkRecord, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let rec = state.store.framework(id).await?;
    if rec.org_id != ctx.org()?.org.id {
        return Err(AppError::NotFound);
    }
    Ok(rec)
}

/// A stored framework, parsed (off the async threads).
pub(crate) async fn parsed(rec: &FrameworkRecord) -> Result<Framework, AppError> {
    Ok(socval_app::framework::parsed(rec).await?)
}

/// A stored framework, parsed, from the cache (frameworks never change
/// once imported).
pub(crate) async fn cached(state: &AppState, id: i64) -> Result<Arc<Framework>, AppError> {
    if let Some(f) = lock(&state.portfolios.frameworks).get(&id) {
        return Ok(f.clone());
    }
    let rec = state.store.framework(id).await?;
    let fw = Arc::new(parsed(&rec).await?);
    lock(&state.portfolios.frameworks).insert(id, fw.clone());
    Ok(fw)
}

#[derive(Template)]
#[template(path = "frameworks.html")]
struct ListPage {
    page: Page,
    slug: String,
    frameworks: Vec<FrameworkRecord>,
    can_import: bool,
    errors: FormErrors,
    name: String,
    edition: String,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    name: String,
    edition: String,
) -> Result<ListPage, AppError> {
    let access = ctx.org()?;
    let mut page = org_page(state, ctx, "Frameworks")?;
    page.has_errors = !errors.is_empty();
    Ok(ListPage {
        page,
        slug: access.org.slug.clone(),
        frameworks: state.store.frameworks(access.org.id).await?,
        can_import: at_least(access.role, Role::Officer),
        errors,
        name,
        edition,
    })
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let body = list_page(
        &state,
        &ctx,
        FormErrors::default(),
        String::new(),
        String::new(),
    )
    .await?;
    Ok(render(StatusCode::OK, &body))
}

/// Reads the import form's fields.
async fn read_form(mut form: Multipart, limit: usize) -> Result<ImportInput, AppError> {
    let mut input = ImportInput::default();
    while let Some(field) = form.next_field().await.map_err(AppError::from)? {
        match field.name().unwrap_or_default() {
            "file" => {
                input.filename = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(AppError::from)?;
                if bytes.len() > limit {
                    return Err(AppError::TooLarge { limit });
                }
                input.source = String::from_utf8(bytes.to_vec()).unwrap_or_else(|_| "\u{0}".into());
            }
            "name" => input.name = field.text().await.unwrap_or_default(),
            "edition" => input.edition = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    Ok(input)
}

async fn import_form(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Multipart,
) -> Result<Response, AppError> {
    let input = read_form(form, state.config.max_upload_bytes).await?;
    let (name, edition) = (input.name.clone(), input.edition.clone());
    let mut errors = FormErrors::default();
    if input.filename.is_empty() && input.source.is_empty() {
        errors.add("file", "Select a framework file");
    } else if input.source.contains('\u{0}') {
        errors.add(
            "file",
            "The selected file must be a text file (TOML or CSV) in UTF-8",
        );
    }
    let result = if errors.is_empty() {
        import(&state, &ctx, input).await
    } else {
        Err(ImportError::Invalid(errors))
    };
    match result {
        Ok(rec) => {
            let slug = &ctx.org()?.org.slug;
            Ok(Redirect::to(&format!("/orgs/{slug}/frameworks/{}", rec.id)).into_response())
        }
        Err(ImportError::Invalid(errors)) => {
            let body = list_page(&state, &ctx, errors, name, edition).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &body))
        }
        Err(ImportError::App(e)) => Err(e),
    }
}

#[derive(Deserialize)]
struct YearQuery {
    #[serde(default)]
    year: String,
}

struct MeasureRow {
    code: String,
    title: String,
    unit: String,
    kind: String,
    proxy: String,
    note: String,
}

struct OutcomeView {
    code: String,
    title: String,
    measures: Vec<MeasureRow>,
}

struct ThemeView {
    code: String,
    title: String,
    outcomes: Vec<OutcomeView>,
}

#[derive(Template)]
#[template(path = "framework.html")]
struct ShowPage {
    page: Page,
    slug: String,
    rec: FrameworkRecord,
    meta: Meta,
    years: Vec<String>,
    year: String,
    themes: Vec<ThemeView>,
    measure_count: usize,
}

/// The themes of a framework with each measure's proxy for `year`.
fn view(fw: &Framework, year: Option<FinancialYear>) -> Vec<ThemeView> {
    fw.themes
        .iter()
        .map(|t| ThemeView {
            code: t.code.clone(),
            title: t.title.clone(),
            outcomes: t
                .outcomes
                .iter()
                .map(|o| OutcomeView {
                    code: o.code.clone(),
                    title: o.title.clone(),
                    measures: o
                        .measures
                        .iter()
                        .map(|m| MeasureRow {
                            code: m.code.clone(),
                            title: m.title.clone(),
                            unit: m.unit.to_string(),
                            kind: m.kind.to_string(),
                            proxy: match (
                                year,
                                m.kind == socval_core::framework::ValuationKind::Unvalued,
                            ) {
                                (_, true) => "not valued".into(),
                                (Some(y), false) => m
                                    .proxies
                                    .iter()
                                    .find(|p| p.year == y)
                                    .map(|p| proxy_pounds(p.value_gbp))
                                    .unwrap_or_else(|| "none for this year".into()),
                                (None, false) => "none".into(),
                            },
                            note: m.note.clone(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let rec = load(&state, &ctx, &id).await?;
    let fw = parsed(&rec).await?;
    let years = fw.years();
    let year = if q.year.is_empty() {
        fw.latest_year()
    } else {
        let y: FinancialYear = q.year.parse().map_err(|_| {
            AppError::BadRequest(format!("{:?} is not a financial year like 2024/25", q.year))
        })?;
        Some(y)
    };
    let page = org_page(&state, &ctx, format!("{} {}", rec.name, rec.edition))?;
    let body = ShowPage {
        page,
        slug: ctx.org()?.org.slug.clone(),
        themes: view(&fw, year),
        measure_count: fw.measure_count(),
        years: years.iter().map(|y| y.to_string()).collect(),
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        meta: fw.meta,
        rec,
    };
    Ok(render(StatusCode::OK, &body))
}

// ---- API ----

/// An imported framework.
#[derive(Serialize, ToSchema)]
pub struct ApiFramework {
    /// Id.
    pub id: i64,
    /// Name, e.g. `open-default`.
    pub name: String,
    /// Edition.
    pub edition: String,
    /// `toml` or `csv`.
    pub format: String,
    /// SHA-256 of the file as imported.
    pub sha256: String,
    /// When it was imported (RFC 3339).
    pub created_at: String,
}

impl From<&FrameworkRecord> for ApiFramework {
    fn from(r: &FrameworkRecord) -> Self {
        ApiFramework {
            id: r.id,
            name: r.name.clone(),
            edition: r.edition.clone(),
            format: r.format.to_string(),
            sha256: r.sha256.clone(),
            created_at: rfc3339(r.created_at),
        }
    }
}

/// A framework with its themes, outcomes, measures and proxies.
#[derive(Serialize, ToSchema)]
pub struct ApiFrameworkDetail {
    /// The imported file.
    pub framework: ApiFramework,
    /// The content: `framework` (id, title, edition, source, licence) and
    /// `theme` → `outcome` → `measure` → `proxy` (year, value_gbp), as in
    /// the TOML format.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

/// A framework file to import.
#[derive(Deserialize, ToSchema)]
pub struct ImportRequest {
    /// `toml` or `csv`.
    pub format: String,
    /// The file's text.
    pub source: String,
    /// For CSV: the framework's name.
    #[serde(default)]
    pub name: Option<String>,
    /// For CSV: the edition.
    #[serde(default)]
    pub edition: Option<String>,
}

/// An organisation's frameworks (viewer, officer, admin).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/frameworks",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = [ApiFramework]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn frameworks(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ApiFramework>>, ApiError> {
    let org = ctx.org()?;
    Ok(Json(
        state
            .store
            .frameworks(org.org.id)
            .await?
            .iter()
            .map(ApiFramework::from)
            .collect(),
    ))
}

/// One framework with its content (viewer, officer, admin).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/frameworks/{framework}",
    params(("org" = String, Path, description = "Organisation slug"), ("framework" = i64, Path, description = "Framework id")),
    responses((status = 200, body = ApiFrameworkDetail), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn framework(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ApiFrameworkDetail>, ApiError> {
    let rec = load(&state, &ctx, &id).await?;
    let fw = parsed(&rec).await?;
    let content = serde_json::to_value(&fw).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(ApiFrameworkDetail {
        framework: ApiFramework::from(&rec),
        content,
    }))
}

/// Imports a framework file (officer, admin). All or nothing: on any
/// problem nothing is saved and every problem is listed.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/frameworks",
    params(("org" = String, Path, description = "Organisation slug")),
    request_body = ImportRequest,
    responses((status = 201, body = ApiFramework), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ImportProblems)))]
async fn import_framework(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Result<Json<ImportRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body.map_err(AppError::from)?;
    let format = match req.format.as_str() {
        "toml" => FrameworkFormat::Toml,
        "csv" => FrameworkFormat::Csv,
        other => {
            return Err(
                AppError::BadRequest(format!("format {other:?} is not toml or csv")).into(),
            );
        }
    };
    let input = ImportInput {
        filename: format!("source.{format}"),
        format: Some(format),
        source: req.source,
        name: req.name.unwrap_or_default(),
        edition: req.edition.unwrap_or_default(),
    };
    // The page's form names its framework within the file's rules; the
    // edition is free text.
    let mut errors = FormErrors::default();
    errors.check_length(
        "edition",
        "Edition",
        input.edition.trim(),
        crate::limit::MAX_SHORT_TEXT,
    );
    let imported = if errors.is_empty() {
        import(&state, &ctx, input).await
    } else {
        Err(ImportError::Invalid(errors))
    };
    match imported {
        Ok(rec) => Ok((StatusCode::CREATED, Json(ApiFramework::from(&rec))).into_response()),
        Err(ImportError::Invalid(errors)) => {
            let problems: Vec<ApiProblem> = errors
                .all()
                .iter()
                .map(|e| ApiProblem {
                    field: if e.field == "file" {
                        "source".into()
                    } else {
                        e.field.to_owned()
                    },
                    message: e.message.clone(),
                })
                .collect();
            let body = ImportProblems {
                error: format!(
                    "the framework has {} problem(s); nothing was saved",
                    problems.len()
                ),
                problems,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
        Err(ImportError::App(e)) => Err(e.into()),
    }
}
