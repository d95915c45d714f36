//! Delivery returns under `/api/v1`: the same checks as the pages, JSON in
//! and out, evidence as base64; refusals answer 422 with each problem on
//! its field.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use socval_store::Role;
use socval_store::delivery::{DeliveryReturn, EvidenceFile};
use utoipa::{OpenApi, ToSchema};

use super::check::{
    Form, Problems, Submission, SubmitError, load_return, review, serve_evidence, submit,
};
use crate::auth::Ctx;
use crate::error::{ApiError, ApiProblem, AppError, ErrorBody};
use crate::format::rfc3339;
use crate::state::AppState;

/// A line of a return.
#[derive(Serialize, ToSchema)]
pub struct ApiLine {
    /// Line id (for reviews).
    pub id: i64,
    /// Measure code.
    pub measure: String,
    /// Units, exact (a decimal string).
    pub units: String,
    /// `pending`, `verified` or `rejected`.
    pub status: String,
    /// The officer's comment.
    pub comment: String,
}

/// An evidence file of a return.
#[derive(Serialize, ToSchema)]
pub struct ApiEvidence {
    /// Id.
    pub id: i64,
    /// Name as uploaded.
    pub filename: String,
    /// Media type, from the content.
    pub media_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the content.
    pub sha256: String,
}

/// A delivery return.
#[derive(Serialize, ToSchema)]
pub struct ApiReturn {
    /// Id.
    pub id: i64,
    /// Contract id.
    pub contract_id: i64,
    /// Contract year, 1-based.
    pub contract_year: i64,
    /// Quarter, 1–4.
    pub quarter: i64,
    /// Narrative.
    pub narrative: String,
    /// Who submitted it.
    pub submitted_by: String,
    /// When (RFC 3339).
    pub submitted_at: String,
    /// Lines.
    pub lines: Vec<ApiLine>,
    /// Evidence files (download at `.../evidence/{id}`).
    pub evidence: Vec<ApiEvidence>,
}

impl From<&DeliveryReturn> for ApiReturn {
    fn from(r: &DeliveryReturn) -> Self {
        ApiReturn {
            id: r.id,
            contract_id: r.contract_id,
            contract_year: r.contract_year,
            quarter: r.quarter,
            narrative: r.narrative.clone(),
            submitted_by: r.submitted_by.clone(),
            submitted_at: rfc3339(r.submitted_at),
            lines: r
                .lines
                .iter()
                .map(|l| ApiLine {
                    id: l.id,
                    measure: l.measure.clone(),
                    units: l.units.normalize().to_string(),
                    status: l.status.to_string(),
                    comment: l.comment.clone(),
                })
                .collect(),
            evidence: r.evidence.iter().map(api_evidence).collect(),
        }
    }
}

fn api_evidence(e: &EvidenceFile) -> ApiEvidence {
    ApiEvidence {
        id: e.id,
        filename: e.filename.clone(),
        media_type: e.media_type.clone(),
        size_bytes: e.size_bytes,
        sha256: e.sha256.clone(),
    }
}

/// A line to submit.
#[derive(Deserialize, ToSchema)]
pub struct ApiNewLine {
    /// Measure code (one the contract has commitments for).
    pub measure: String,
    /// Units delivered, as a decimal string ("12", "0.5"): 0 or more.
    pub units: String,
}

/// An evidence file to submit.
#[derive(Deserialize, ToSchema)]
pub struct ApiNewEvidence {
    /// The file's name; its extension must match its content.
    pub filename: String,
    /// The content, base64.
    pub content_base64: String,
}

/// A return to submit (the contract's supplier: a supplier user or token).
#[derive(Deserialize, ToSchema)]
pub struct ApiNewReturn {
    /// Contract year, 1-based.
    pub contract_year: i64,
    /// Quarter of the contract year, 1–4; it must have ended.
    pub quarter: i64,
    /// What was done.
    #[serde(default)]
    pub narrative: String,
    /// One line per measure.
    pub lines: Vec<ApiNewLine>,
    /// Evidence files: PDF, images, office documents or CSV, each up to the
    /// portal's limit (2 MiB by default).
    #[serde(default)]
    pub evidence: Vec<ApiNewEvidence>,
}

/// Why a submission or review was refused: nothing was saved.
#[derive(Serialize, ToSchema)]
pub struct ApiProblems {
    /// Summary.
    pub error: String,
    /// Each problem with its field (`quarter`, `lines[0].units`,
    /// `evidence[1]`, `comment`, ...).
    pub problems: Vec<ApiProblem>,
}

fn problems_response(problems: Problems) -> Response {
    let body = ApiProblems {
        error: format!("{} problem(s); nothing was saved", problems.len()),
        problems: problems
            .into_iter()
            .map(|(field, message)| ApiProblem { field, message })
            .collect(),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// A contract's delivery returns, by period (staff, or the contract's
/// supplier).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/contracts/{contract}/returns",
    params(("org" = String, Path, description = "Organisation slug"), ("contract" = i64, Path, description = "Contract id")),
    responses((status = 200, body = [ApiReturn]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, contract)): Path<(String, String)>,
) -> Result<Json<Vec<ApiReturn>>, ApiError> {
    let k = crate::contract::load(&state, &ctx, &contract).await?;
    let returns = state.store.contract_returns(k.id).await?;
    Ok(Json(returns.iter().map(ApiReturn::from).collect()))
}

/// One delivery return.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}",
    params(("org" = String, Path, description = "Organisation slug"), ("contract" = i64, Path, description = "Contract id"), ("return" = i64, Path, description = "Return id")),
    responses((status = 200, body = ApiReturn), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, contract, id)): Path<(String, String, String)>,
) -> Result<Json<ApiReturn>, ApiError> {
    let (_, r) = load_return(&state, &ctx, &contract, &id).await?;
    Ok(Json(ApiReturn::from(&r)))
}

/// Submits a delivery return for an ended quarter (the contract's
/// supplier only: a supplier user or token). All or nothing: on any
/// problem nothing is saved and every problem names its field.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/contracts/{contract}/returns",
    params(("org" = String, Path, description = "Organisation slug"), ("contract" = i64, Path, description = "Contract id")),
    request_body = ApiNewReturn,
    responses((status = 201, body = ApiReturn), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ApiProblems)))]
pub(crate) async fn api_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, contract)): Path<(String, String)>,
    body: Result<Json<ApiNewReturn>, JsonRejection>,
) -> Result<Response, ApiError> {
    let k = crate::contract::load(&state, &ctx, &contract).await?;
    if ctx.org()?.role != Role::Supplier {
        return Err(AppError::Forbidden.into());
    }
    let Json(req) = body.map_err(AppError::from)?;
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for (i, e) in req.evidence.iter().enumerate() {
        match base64::engine::general_purpose::STANDARD.decode(e.content_base64.trim()) {
            Ok(b) => files.push((e.filename.clone(), Bytes::from(b))),
            Err(err) => problems.push((
                format!("evidence[{i}].content_base64"),
                format!("is not base64: {err}"),
            )),
        }
    }
    if !problems.is_empty() {
        return Ok(problems_response(problems));
    }
    let sub = Submission {
        period: Some((req.contract_year, req.quarter)),
        narrative: req.narrative,
        units: req
            .lines
            .into_iter()
            .map(|l| (l.measure, l.units))
            .collect(),
        files,
    };
    match submit(&state, &ctx, &k, sub, Form::Api).await {
        Ok(r) => Ok((StatusCode::CREATED, Json(ApiReturn::from(&r))).into_response()),
        Err(SubmitError::Invalid(p)) => Ok(problems_response(p)),
        Err(SubmitError::App(e)) => Err(e.into()),
    }
}

/// An officer's decision on a line.
#[derive(Deserialize, ToSchema)]
pub struct ApiReview {
    /// `verified` or `rejected` (`pending` puts a decision back).
    pub decision: String,
    /// Why; required to reject.
    #[serde(default)]
    pub comment: String,
}

/// Verifies or rejects one line of a return (officer, admin).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}/lines/{line}",
    params(("org" = String, Path, description = "Organisation slug"), ("contract" = i64, Path, description = "Contract id"),
           ("return" = i64, Path, description = "Return id"), ("line" = i64, Path, description = "Line id")),
    request_body = ApiReview,
    responses((status = 200, body = ApiLine), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ApiProblems)))]
pub(crate) async fn api_review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, contract, id, line)): Path<(String, String, String, String)>,
    body: Result<Json<ApiReview>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (_, r) = load_return(&state, &ctx, &contract, &id).await?;
    let Json(req) = body.map_err(AppError::from)?;
    match review(&state, &ctx, &r, &line, req.decision.trim(), &req.comment).await {
        Ok(l) => Ok(Json(ApiLine {
            id: l.id,
            measure: l.measure,
            units: l.units.normalize().to_string(),
            status: l.status.to_string(),
            comment: l.comment,
        })
        .into_response()),
        Err(SubmitError::Invalid(p)) => Ok(problems_response(p)),
        Err(SubmitError::App(e)) => Err(e.into()),
    }
}

/// An evidence file, as uploaded (staff, or the contract's supplier).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}/evidence/{evidence}",
    params(("org" = String, Path, description = "Organisation slug"), ("contract" = i64, Path, description = "Contract id"),
           ("return" = i64, Path, description = "Return id"), ("evidence" = i64, Path, description = "Evidence file id")),
    responses((status = 200, description = "The file, as an attachment, with the media type found in its content", content_type = "application/octet-stream"),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, contract, id, file)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    Ok(serve_evidence(&state, &ctx, &contract, &id, &file).await?)
}

#[derive(OpenApi)]
#[openapi(
    paths(api_list, api_show, api_submit, api_review, api_download),
    components(schemas(
        ApiLine,
        ApiEvidence,
        ApiReturn,
        ApiNewLine,
        ApiNewEvidence,
        ApiNewReturn,
        ApiProblems,
        ApiReview
    ))
)]
struct DeliveryApi;

/// The delivery-return part of the OpenAPI document.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    DeliveryApi::openapi()
}
