//! The JSON API under `/api/v1`, for integrations: authenticated by an API
//! token (`Authorization: Bearer svt_...`) or by the browser session (then
//! unsafe methods need the `X-CSRF-Token` header). The OpenAPI document at
//! `/api/v1/openapi.json` is generated from these handlers.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use socval_store::{AuditEntry, FrameworkFormat, FrameworkRecord, Supplier};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::AppState;
use crate::audit::Filter;
use crate::auth::{Ctx, Principal};
use crate::error::{ApiError, AppError};
use crate::framework::{ImportError, ImportInput};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/me", get(me))
        .route("/api/v1/orgs", get(orgs))
        .route(
            "/api/v1/orgs/{org}/frameworks",
            get(frameworks).post(import_framework),
        )
        .route("/api/v1/orgs/{org}/frameworks/{framework}", get(framework))
        .route("/api/v1/orgs/{org}/suppliers/{supplier}", get(supplier))
        .route("/api/v1/orgs/{org}/audit", get(audit))
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// An error answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: String,
}

/// A user.
#[derive(Serialize, ToSchema)]
pub struct ApiUser {
    /// Id.
    pub id: i64,
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub name: String,
}

/// The token making the request.
#[derive(Serialize, ToSchema)]
pub struct ApiTokenInfo {
    /// What it is for.
    pub name: String,
    /// Its first characters.
    pub prefix: String,
    /// The organisation it acts in (slug).
    pub org: String,
    /// Its role: `admin`, `officer`, `viewer` or `supplier`.
    pub role: String,
    /// For supplier tokens, the supplier company.
    pub supplier_id: Option<i64>,
}

/// An organisation and the caller's role there.
#[derive(Serialize, ToSchema)]
pub struct ApiOrg {
    /// Short name used in URLs.
    pub slug: String,
    /// Full name.
    pub name: String,
    /// `council`, `nhs_trust`, `college`, `housing_association` or `other`.
    pub kind: String,
    /// The caller's role: `admin`, `officer`, `viewer` or `supplier`.
    pub role: String,
    /// For suppliers, their company.
    pub supplier_id: Option<i64>,
}

/// Who is calling.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// The signed-in user (session requests).
    pub user: Option<ApiUser>,
    /// The token (token requests).
    pub token: Option<ApiTokenInfo>,
    /// Where the caller may act.
    pub orgs: Vec<ApiOrg>,
}

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

/// Why an import was refused: nothing was saved.
#[derive(Serialize, ToSchema)]
pub struct ImportProblems {
    /// Summary.
    pub error: String,
    /// Each problem, with the field (`source`, `name`, `edition`) and the
    /// file's line where known.
    pub problems: Vec<ApiProblem>,
}

/// One problem.
#[derive(Serialize, ToSchema)]
pub struct ApiProblem {
    /// The request field it concerns.
    pub field: String,
    /// What is wrong, with file and line.
    pub message: String,
}

/// A supplier company.
#[derive(Serialize, ToSchema)]
pub struct ApiSupplier {
    /// Id.
    pub id: i64,
    /// Company name.
    pub name: String,
    /// Companies House number.
    pub company_number: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
}

impl From<Supplier> for ApiSupplier {
    fn from(s: Supplier) -> Self {
        ApiSupplier {
            id: s.id,
            name: s.name,
            company_number: s.company_number,
            postcode: s.postcode,
        }
    }
}

/// One audit row.
#[derive(Serialize, ToSchema)]
pub struct ApiAuditEntry {
    /// Id (increases with time).
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub actor: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// What kind of thing changed.
    pub entity_type: String,
    /// Which one.
    pub entity_id: String,
    /// Before, as JSON text.
    pub before: Option<String>,
    /// After, as JSON text.
    pub after: Option<String>,
}

impl From<AuditEntry> for ApiAuditEntry {
    fn from(e: AuditEntry) -> Self {
        ApiAuditEntry {
            id: e.id,
            at: rfc3339(e.at),
            actor: e.actor,
            action: e.action.to_string(),
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            before: e.before,
            after: e.after,
        }
    }
}

/// A page of the audit log, newest first.
#[derive(Serialize, ToSchema)]
pub struct ApiAuditPage {
    /// The rows.
    pub entries: Vec<ApiAuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last.
    pub next_before: Option<i64>,
}

/// Query of the audit endpoint.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditParams {
    /// Only rows older than this id.
    pub before: Option<i64>,
    /// Only this entity type.
    pub entity: Option<String>,
    /// Only this action (`create`, `update`, `delete`).
    pub action: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    pub limit: Option<usize>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "socval API", version = "1", description = "Social value for public bodies. Authenticate with `Authorization: Bearer <token>` (tokens are created by an organisation's admin on its API tokens page) or with the browser session (then send `X-CSRF-Token` on POST)."),
    paths(me, orgs, frameworks, framework, import_framework, supplier, audit),
    components(schemas(ErrorBody, ApiUser, ApiTokenInfo, ApiOrg, Me, ApiFramework, ApiFrameworkDetail, ImportRequest, ImportProblems, ApiProblem, ApiSupplier, ApiAuditEntry, ApiAuditPage)),
    modifiers(&Security),
    security(("bearer" = []), ("session" = []))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("socval_session"))),
        );
    }
}

/// The OpenAPI document of `/api/v1`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::delivery::openapi());
    doc.merge(crate::procurement::api::ProcurementApi::openapi());
    doc.merge(crate::purchase::openapi());
    doc
}

async fn openapi_json() -> Response {
    Json(openapi()).into_response()
}

/// Who is calling, and where they may act.
#[utoipa::path(get, path = "/api/v1/me", responses(
    (status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Me>, ApiError> {
    let orgs = orgs_of(&state, &ctx).await?;
    Ok(Json(match ctx.principal()? {
        Principal::Session { session, .. } => Me {
            user: Some(ApiUser {
                id: session.user.id,
                email: session.user.email.clone(),
                name: session.user.name.clone(),
            }),
            token: None,
            orgs,
        },
        Principal::Token(t) => Me {
            user: None,
            token: Some(ApiTokenInfo {
                name: t.name.clone(),
                prefix: t.prefix.clone(),
                org: orgs.first().map(|o| o.slug.clone()).unwrap_or_default(),
                role: t.role.to_string(),
                supplier_id: t.supplier_id,
            }),
            orgs,
        },
    }))
}

async fn orgs_of(state: &AppState, ctx: &Ctx) -> Result<Vec<ApiOrg>, AppError> {
    Ok(match ctx.principal()? {
        Principal::Session { session, .. } => state
            .store
            .memberships(session.user.id)
            .await?
            .into_iter()
            .map(|m| ApiOrg {
                slug: m.organisation.slug,
                name: m.organisation.name,
                kind: m.organisation.kind.to_string(),
                role: m.membership.role.to_string(),
                supplier_id: m.membership.supplier_id,
            })
            .collect(),
        Principal::Token(t) => {
            let o = state.store.organisation(t.org_id).await?;
            vec![ApiOrg {
                slug: o.slug,
                name: o.name,
                kind: o.kind.to_string(),
                role: t.role.to_string(),
                supplier_id: t.supplier_id,
            }]
        }
    })
}

/// The organisations the caller may act in.
#[utoipa::path(get, path = "/api/v1/orgs", responses(
    (status = 200, body = [ApiOrg]), (status = 401, body = ErrorBody)))]
async fn orgs(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<ApiOrg>>, ApiError> {
    Ok(Json(orgs_of(&state, &ctx).await?))
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
    let rec = crate::framework::load(&state, &ctx, &id).await?;
    let fw = crate::framework::parsed(&rec).await?;
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
    let mut errors = crate::html::FormErrors::default();
    errors.check_length(
        "edition",
        "Edition",
        input.edition.trim(),
        crate::limit::MAX_SHORT_TEXT,
    );
    let imported = if errors.is_empty() {
        crate::framework::import(&state, &ctx, input).await
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

/// A supplier company: the organisation's staff, or that company's own
/// supplier users and tokens.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/suppliers/{supplier}",
    params(("org" = String, Path, description = "Organisation slug"), ("supplier" = i64, Path, description = "Supplier id")),
    responses((status = 200, body = ApiSupplier), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn supplier(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ApiSupplier>, ApiError> {
    Ok(Json(crate::supplier::load(&state, &ctx, &id).await?.into()))
}

/// The organisation's audit log, newest first (admin).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/audit",
    params(("org" = String, Path, description = "Organisation slug"), AuditParams),
    responses((status = 200, body = ApiAuditPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<AuditParams>,
) -> Result<Json<ApiAuditPage>, ApiError> {
    let org = ctx.org()?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::BadRequest("limit must be from 1 to 1000".into()).into());
    }
    let filter = Filter {
        before: p.before,
        entity: p.entity.unwrap_or_default(),
        action: p.action.unwrap_or_default(),
    };
    let (rows, next) = crate::audit::page_of(&state, org.org.id, &filter, limit).await?;
    Ok(Json(ApiAuditPage {
        entries: rows.into_iter().map(Into::into).collect(),
        next_before: next,
    }))
}
