//! Procurements, bids, evaluation and award under `/api/v1`: the same
//! operations and rules as the pages (sealed bids, late bids refused,
//! suppliers see only their own bids). Refusals of bad input answer 422
//! with each problem on its field; nothing is changed.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use socval_core::Gbp;
use socval_store::Role;
use socval_store::procurement::{Bid, BidReceipt, Contract, Procurement};
use utoipa::{OpenApi, ToSchema};

use super::bid::{BidInput, Saved, parse_score, save_bid};
use super::form::{ProcurementInput, parse_award, parse_procurement, policy_for, store_refusal};
use super::ranking::{complete_evaluation, ranking};
use super::transition::Transition;
use super::visible::{load, load_bid};
use crate::auth::{Ctx, at_least};
use crate::error::{ApiError, ApiProblem, AppError, ErrorBody, ImportProblems};
use crate::format::rfc3339;
use crate::html::FormErrors;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(paths(
    list, create, show, publish, open, cancel, bids, submit, revise, score, evaluation, complete,
    award
))]
struct ProcurementApi;

/// The procurement part of the OpenAPI document.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    ProcurementApi::openapi()
}

fn problems(errors: FormErrors) -> Response {
    let problems: Vec<ApiProblem> = errors
        .all()
        .iter()
        .map(|e| ApiProblem {
            field: e.field.to_owned(),
            message: e.message.clone(),
        })
        .collect();
    let body = ImportProblems {
        error: format!(
            "{}; nothing was changed",
            problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        problems,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| AppError::from(e).into())
}

/// Evaluation weights, in points out of 100.
#[derive(Serialize, ToSchema)]
pub struct ApiWeights {
    /// Price points.
    pub price: String,
    /// Quality points.
    pub quality: String,
    /// Social value points.
    pub social_value: String,
    /// Share (0–1) of the social value points given to the £ offered.
    pub sv_quantitative_share: String,
}

/// A procurement.
#[derive(Serialize, ToSchema)]
pub struct ApiProcurement {
    /// Id.
    pub id: i64,
    /// The organisation's reference.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Places, People or Corporate.
    pub category: String,
    /// Estimated value in pounds, exact (`"1200000.00"`).
    pub estimated_value_gbp: String,
    /// Framework id.
    pub framework_id: i64,
    /// Financial year whose proxies value commitments.
    pub valuation_year: String,
    /// Contract length in years.
    pub contract_years: i64,
    /// Weights.
    pub weights: ApiWeights,
    /// Whether the policy requires social value.
    pub sv_required: bool,
    /// `delivery_plan` or `milestone_tracker`.
    pub evidence: String,
    /// Deadline (RFC 3339).
    pub deadline: String,
    /// `draft`, `open`, `closed` (also once the deadline has passed),
    /// `evaluated`, `awarded` or `cancelled`.
    pub state: String,
    /// Whether bid contents may be read now.
    pub bids_open: bool,
    /// Measure codes offered.
    pub measures: Vec<String>,
    /// Invited supplier companies (staff only; empty for suppliers).
    pub suppliers: Vec<i64>,
}

fn api_procurement(p: &Procurement, now: time::OffsetDateTime, staff: bool) -> ApiProcurement {
    let w = &p.weights;
    ApiProcurement {
        id: p.id,
        reference: p.reference.clone(),
        title: p.title.clone(),
        category: p.category.clone(),
        estimated_value_gbp: Gbp::from_pence(p.estimated_value_pence).to_string(),
        framework_id: p.framework_id,
        valuation_year: p.valuation_year.clone(),
        contract_years: p.contract_years,
        weights: ApiWeights {
            price: w.price.to_string(),
            quality: w.quality.to_string(),
            social_value: w.social_value.to_string(),
            sv_quantitative_share: w.sv_quantitative_share.to_string(),
        },
        sv_required: p.sv_required,
        evidence: p.evidence.to_string(),
        deadline: rfc3339(p.deadline),
        state: p.state_at(now).to_string(),
        bids_open: p.bids_open_at(now),
        measures: p.measures.clone(),
        suppliers: if staff {
            p.suppliers.clone()
        } else {
            Vec::new()
        },
    }
}

/// A procurement to create (officer).
#[derive(Deserialize, ToSchema)]
pub struct ProcurementRequest {
    /// The organisation's reference (unique).
    pub reference: String,
    /// Title.
    pub title: String,
    /// Places, People or Corporate.
    pub category: String,
    /// Estimated value: `"1200000"`, `"£1,200,000.00"`.
    pub estimated_value_gbp: String,
    /// One of the organisation's frameworks.
    pub framework_id: i64,
    /// A financial year the framework has proxies for, e.g. `2025/26`.
    pub valuation_year: String,
    /// Contract length in years (1–50).
    pub contract_years: i64,
    /// Measure codes offered to bidders.
    #[serde(default)]
    pub measures: Vec<String>,
    /// Supplier companies invited.
    #[serde(default)]
    pub suppliers: Vec<i64>,
    /// Deadline, RFC 3339 (`2026-03-31T12:00:00Z`).
    pub deadline: String,
    /// Price points (default the policy's 50).
    #[serde(default)]
    pub price_weight: Option<String>,
    /// Quality points (default 30).
    #[serde(default)]
    pub quality_weight: Option<String>,
    /// Social value points (default 20).
    #[serde(default)]
    pub sv_weight: Option<String>,
    /// Percent of the social value points for the £ offered (default 50).
    #[serde(default)]
    pub sv_quantitative_percent: Option<String>,
}

/// A commitment: units of a measure in a contract year.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ApiCommitment {
    /// Measure code.
    pub measure: String,
    /// Contract year (1-based).
    pub contract_year: i64,
    /// Units, exact (`"2.5"`; a JSON number is read as written).
    #[schema(value_type = String)]
    pub units: serde_json::Value,
}

/// A document attached to a bid.
#[derive(Serialize, ToSchema)]
pub struct ApiDocument {
    /// File name.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 (hex).
    pub sha256: String,
}

/// The panel's scores.
#[derive(Serialize, ToSchema)]
pub struct ApiScore {
    /// Quality, %.
    pub quality_score: String,
    /// Qualitative social value, %.
    pub sv_qualitative_score: String,
    /// Comment.
    pub comment: String,
}

/// A bid's content (absent while sealed).
#[derive(Serialize, ToSchema)]
pub struct ApiBidContent {
    /// Price in pounds, exact.
    pub price_gbp: String,
    /// Quality response reference.
    pub quality_reference: String,
    /// Commitments.
    pub commitments: Vec<ApiCommitment>,
    /// The qualitative document.
    pub document: Option<ApiDocument>,
    /// The panel's scores, once entered.
    pub score: Option<ApiScore>,
    /// Rank once evaluated.
    pub rank: Option<i64>,
    /// Total points once evaluated.
    pub total_score: Option<String>,
}

/// A bid: its receipt always, its content once the caller may read it.
#[derive(Serialize, ToSchema)]
pub struct ApiBid {
    /// Id.
    pub id: i64,
    /// The bidding supplier company.
    pub supplier_id: i64,
    /// 1, then +1 per revision.
    pub revision: i64,
    /// First submitted (RFC 3339).
    pub submitted_at: String,
    /// Last revised (RFC 3339).
    pub updated_at: String,
    /// SHA-256 receipt of the content.
    pub content_sha256: String,
    /// The content: the supplier's own bid always; others' only after the
    /// deadline.
    pub content: Option<ApiBidContent>,
}

fn receipt(r: &BidReceipt) -> ApiBid {
    ApiBid {
        id: r.bid_id,
        supplier_id: r.supplier_id,
        revision: r.revision,
        submitted_at: rfc3339(r.submitted_at),
        updated_at: rfc3339(r.updated_at),
        content_sha256: r.content_sha256.clone(),
        content: None,
    }
}

fn api_bid(b: &Bid) -> ApiBid {
    let mut out = receipt(&b.receipt());
    out.content = Some(ApiBidContent {
        price_gbp: Gbp::from_pence(b.price_pence).to_string(),
        quality_reference: b.quality_reference.clone(),
        commitments: b
            .commitments
            .iter()
            .map(|c| ApiCommitment {
                measure: c.measure.clone(),
                contract_year: c.contract_year,
                units: serde_json::Value::String(c.units.to_string()),
            })
            .collect(),
        document: b.document.as_ref().map(|d| ApiDocument {
            filename: d.filename.clone(),
            content_type: d.content_type.clone(),
            size_bytes: d.size_bytes,
            sha256: d.sha256.clone(),
        }),
        score: b.score.as_ref().map(|s| ApiScore {
            quality_score: s.quality_score.to_string(),
            sv_qualitative_score: s.sv_qualitative_score.to_string(),
            comment: s.comment.clone(),
        }),
        rank: b.rank,
        total_score: b.total_score.map(|t| t.to_string()),
    });
    out
}

/// A bid to submit or revise (supplier users and tokens only).
#[derive(Deserialize, ToSchema)]
pub struct BidRequest {
    /// Price: `"99500"`, `"£99,500.00"`.
    #[schema(value_type = String)]
    pub price_gbp: serde_json::Value,
    /// Quality response reference.
    pub quality_reference: String,
    /// Commitments per measure per contract year.
    #[serde(default)]
    pub commitments: Vec<ApiCommitment>,
    /// The qualitative document (on a revision, absent keeps the one sent).
    #[serde(default)]
    pub document: Option<DocumentRequest>,
}

/// A document, base64-encoded.
#[derive(Deserialize, ToSchema)]
pub struct DocumentRequest {
    /// File name, e.g. `delivery-plan.pdf`.
    pub filename: String,
    /// The bytes, standard base64.
    pub content_base64: String,
}

/// The panel's scores for a bid (officer).
#[derive(Deserialize, ToSchema)]
pub struct ScoreRequest {
    /// Quality, % (0–100).
    #[schema(value_type = String)]
    pub quality_score: serde_json::Value,
    /// Qualitative social value, % (0–100).
    #[schema(value_type = String)]
    pub sv_qualitative_score: serde_json::Value,
    /// Comment.
    #[serde(default)]
    pub comment: String,
}

/// The award (officer).
#[derive(Deserialize, ToSchema)]
pub struct AwardRequest {
    /// The winning bid (ranked first).
    pub bid_id: i64,
    /// Contract reference (default: the procurement's).
    #[serde(default)]
    pub contract_reference: String,
    /// Start date, `YYYY-MM-DD`.
    pub start: String,
}

/// One bid in the ranking.
#[derive(Serialize, ToSchema)]
pub struct ApiRanked {
    /// Bid id.
    pub bid_id: i64,
    /// Supplier company name.
    pub supplier: String,
    /// Rank (1 = best; tied bids share).
    pub rank: u32,
    /// Tied with another bid.
    pub tied: bool,
    /// Price points (2 dp).
    pub price_score: String,
    /// Quality points.
    pub quality_score: String,
    /// Social value £ points.
    pub sv_quantitative_score: String,
    /// Social value qualitative points.
    pub sv_qualitative_score: String,
    /// Total points.
    pub total_score: String,
    /// Social value offered (£, whole pounds).
    pub sv_gbp: String,
    /// Whether the panel has scored it.
    pub scored: bool,
}

/// The ranking of the opened bids.
#[derive(Serialize, ToSchema)]
pub struct ApiEvaluation {
    /// The procurement's state.
    pub state: String,
    /// Bids, best first.
    pub bids: Vec<ApiRanked>,
    /// Notes (ties, zero social value, single bid).
    pub notes: Vec<String>,
}

/// A contract with its commitments.
#[derive(Serialize, ToSchema)]
pub struct ApiContract {
    /// Id.
    pub id: i64,
    /// Reference.
    pub reference: String,
    /// Supplier company.
    pub supplier_id: i64,
    /// The procurement it was awarded from.
    pub procurement_id: Option<i64>,
    /// The winning bid.
    pub bid_id: Option<i64>,
    /// Value in pounds.
    pub value_gbp: String,
    /// Start date.
    pub start: String,
    /// Years.
    pub years: i64,
    /// Commitments.
    pub commitments: Vec<ApiCommitment>,
}

fn api_contract(c: &Contract) -> ApiContract {
    ApiContract {
        id: c.id,
        reference: c.reference.clone(),
        supplier_id: c.supplier_id,
        procurement_id: c.procurement_id,
        bid_id: c.bid_id,
        value_gbp: Gbp::from_pence(c.value_pence).to_string(),
        start: socval_store::procurement::date_text(c.start),
        years: c.years,
        commitments: c
            .commitments
            .iter()
            .map(|k| ApiCommitment {
                measure: k.measure.clone(),
                contract_year: k.contract_year,
                units: serde_json::Value::String(k.units.to_string()),
            })
            .collect(),
    }
}

fn staff(ctx: &Ctx) -> Result<bool, AppError> {
    Ok(ctx.org()?.role != Role::Supplier)
}

/// Procurements: all of the organisation's for staff; the published ones a
/// supplier is invited to for suppliers.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/procurements",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = [ApiProcurement]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ApiProcurement>>, ApiError> {
    let access = ctx.org()?;
    let now = state.now();
    let list = match (access.role, access.supplier_id) {
        (Role::Supplier, Some(s)) => state.store.supplier_procurements(s).await?,
        (Role::Supplier, None) => Vec::new(),
        _ => state.store.procurements(access.org.id).await?,
    };
    let is_staff = staff(&ctx)?;
    Ok(Json(
        list.iter()
            .map(|p| api_procurement(p, now, is_staff))
            .collect(),
    ))
}

/// Creates a procurement in draft (officer, admin).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/procurements",
    params(("org" = String, Path, description = "Organisation slug")),
    request_body = ProcurementRequest,
    responses((status = 201, body = ApiProcurement), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ImportProblems)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Result<Json<ProcurementRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let req = json_body(body)?;
    let org = ctx.org()?.org.clone();
    let defaults = ProcurementInput::defaults(&policy_for(&org));
    let input = ProcurementInput {
        reference: req.reference,
        title: req.title,
        category: req.category,
        estimated_value: req.estimated_value_gbp,
        framework: req.framework_id.to_string(),
        valuation_year: req.valuation_year,
        contract_years: req.contract_years.to_string(),
        measures: req.measures,
        suppliers: req.suppliers.iter().map(i64::to_string).collect(),
        price_weight: req.price_weight.unwrap_or(defaults.price_weight),
        quality_weight: req.quality_weight.unwrap_or(defaults.quality_weight),
        sv_weight: req.sv_weight.unwrap_or(defaults.sv_weight),
        sv_quantitative_share: req
            .sv_quantitative_percent
            .unwrap_or(defaults.sv_quantitative_share),
        deadline: req.deadline,
    };
    let new = match parse_procurement(&state, &org, &input).await {
        Ok(n) => n,
        Err(errors) => return Ok(problems(errors)),
    };
    match state
        .store
        .create_procurement(&ctx.actor()?, state.now(), &new)
        .await
    {
        Ok(p) => Ok((
            StatusCode::CREATED,
            Json(api_procurement(&p, state.now(), true)),
        )
            .into_response()),
        Err(socval_store::Error::Conflict { detail }) => Err(AppError::Conflict(detail).into()),
        Err(e) => Ok(problems(store_refusal(
            e,
            &["reference", "framework", "suppliers", "measures"],
        )?)),
    }
}

/// One procurement.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/procurements/{procurement}",
    params(("org" = String, Path, description = "Organisation slug"), ("procurement" = i64, Path, description = "Procurement id")),
    responses((status = 200, body = ApiProcurement), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ApiProcurement>, ApiError> {
    let p = load(&state, &ctx, &id).await?;
    Ok(Json(api_procurement(&p, state.now(), staff(&ctx)?)))
}

/// Makes a state change; a refusal answers 422 with the reason.
async fn change(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    what: Transition,
) -> Result<Response, ApiError> {
    let p = load(state, ctx, id).await?;
    match what.apply(state, &ctx.actor()?, state.now(), p.id).await {
        Ok(p) => Ok(Json(api_procurement(&p, state.now(), true)).into_response()),
        Err(e) => Ok(problems(store_refusal(
            e,
            &["state", "deadline", "suppliers", "measures"],
        )?)),
    }
}

/// Publishes a draft: invited suppliers may bid (officer, admin).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/procurements/{procurement}/publish",
    params(("org" = String, Path, description = "Organisation slug"), ("procurement" = i64, Path, description = "Procurement id")),
    responses((status = 200, body = ApiProcurement), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ImportProblems)))]
pub(crate) async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    change(&state, &ctx, &id, Transition::Publish).await
}

/// Opens the bids after the deadline (officer, admin).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/procurements/{procurement}/open",
    params(("org" = String, Path, description = "Organisation slug"), ("procurement" = i64, Path, description = "Procurement id")),
    responses((status = 200, body = ApiProcurement), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ImportProblems)))]
pub(crate) async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    change(&state, &ctx, &id, Transition::Open).await
}

/// Cancels a procurement not yet awarded (officer, admin).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/procurements/{procurement}/cancel",
    params(("org" = String, Path, description = "Organisation slug"), ("procurement" = i64, Path, description = "Procurement id")),
    responses((status = 200, body = ApiProcurement), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ImportProblems)))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    change(&state, &ctx, &id, Transition::Cancel).await
}

/// Bids: staff get receipts (no content) until the deadline and every bid
/// with content after it; a supplier gets only its own bid, with content.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/procurements/{procurement}/bids",
    params(("org" = String, Path, description = "Organisation slug"), ("procurement" = i64, Path, description = "Procurement id")),
    responses((status = 200, body = [ApiBid]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn bids(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Vec<ApiBid>>, ApiError> {
    let p = load(&state, &ctx, &id).await?;
    let access = ctx.org()?;
    let now = state.now();
    if access.role == Role::Supplier {
        let s = access.supplier_id.ok_or(AppError::NotFound)?;
        return match state.store.supplier_bid(p.id, s).await {
            Ok(b) => Ok(Json(vec![api_bid(&b)])),
            Err(socval_store::Error::NotFound { .. }) => Ok(Json(Vec::new())),
            Err(e) => Err(e.into()),
        };
    }
    if p.bids_open_at(now) {
        let bids = state.store.opened_bids(p.id, now).await?;
        Ok(Json(bids.iter().map(api_bid).collect()))
    } else {
        let receipts = state.store.bid_receipts(p.id).await?;
        Ok(Json(receipts.iter().map(receipt).collect()))
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn bid_input(req: BidRequest) -> Result<BidInput, FormErrors> {
    let document = match req.document {
        Some(d) => {
            match base64::engine::general_purpose::STANDARD.decode(d.content_base64.trim()) {
                Ok(bytes) => Some((d.filename, bytes)),
                Err(_) => {
                    let mut errors = FormErrors::default();
                    errors.add("document", "content_base64 is not standard base64");
                    return Err(errors);
                }
            }
        }
        None => None,
    };
    Ok(BidInput {
        price: value_text(&req.price_gbp),
        quality_reference: req.quality_reference,
        units: req
            .commitments
            .iter()
            .map(|c| {
                (
                    c.measure.clone(),
                    c.contract_year.to_string(),
                    value_text(&c.units),
                )
            })
            .collect(),
        revision_seen: None,
        document,
    })
}

async fn save(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    body: Result<Json<BidRequest>, JsonRejection>,
    revise: Option<&str>,
) -> Result<Response, ApiError> {
    if ctx.org()?.role != Role::Supplier {
        return Err(AppError::Forbidden.into());
    }
    let p = load(state, ctx, id).await?;
    let req = json_body(body)?;
    let input = match bid_input(req) {
        Ok(i) => i,
        Err(errors) => return Ok(problems(errors)),
    };
    let revise = match revise {
        Some(b) => Some(load_bid(state, ctx, &p, b).await?.id),
        None => None,
    };
    if revise.is_none()
        && let Some(s) = ctx.org()?.supplier_id
        && let Ok(b) = state.store.supplier_bid(p.id, s).await
    {
        return Err(AppError::Conflict(format!(
            "your company has already submitted a bid (id {}, revision {}): revise it with POST /api/v1/orgs/{}/procurements/{}/bids/{}",
            b.id,
            b.revision,
            ctx.org()?.org.slug,
            p.id,
            b.id
        ))
        .into());
    }
    match save_bid(state, ctx, &p, &input, revise).await? {
        Saved::Bid(b) => Ok((
            if revise.is_some() {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            },
            Json(api_bid(&b)),
        )
            .into_response()),
        Saved::Refused(errors) => Ok(problems(errors)),
    }
}

/// Submits the caller's company's bid (supplier users and tokens). 409 if
/// it already has one; 422 for a late bid or bad content (nothing saved).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/procurements/{procurement}/bids",
    params(("org" = String, Path, description = "Organisation slug"), ("procurement" = i64, Path, description = "Procurement id")),
    request_body = BidRequest,
    responses((status = 201, body = ApiBid), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ImportProblems)))]
pub(crate) async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    body: Result<Json<BidRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    save(&state, &ctx, &id, body, None).await
}

/// Revises the caller's company's bid until the deadline.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/procurements/{procurement}/bids/{bid}",
    params(("org" = String, Path, description = "Organisation slug"), ("procurement" = i64, Path, description = "Procurement id"), ("bid" = i64, Path, description = "Bid id")),
    request_body = BidRequest,
    responses((status = 200, body = ApiBid), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ImportProblems)))]
pub(crate) async fn revise(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id, bid)): Path<(String, String, String)>,
    body: Result<Json<BidRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    save(&state, &ctx, &id, body, Some(&bid)).await
}

/// Records the panel's scores for an opened bid (officer, admin).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/procurements/{procurement}/bids/{bid}/score",
    params(("org" = String, Path, description = "Organisation slug"), ("procurement" = i64, Path, description = "Procurement id"), ("bid" = i64, Path, description = "Bid id")),
    request_body = ScoreRequest,
    responses((status = 200, body = ApiBid), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ImportProblems)))]
pub(crate) async fn score(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id, bid)): Path<(String, String, String)>,
    body: Result<Json<ScoreRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let p = load(&state, &ctx, &id).await?;
    let req = json_body(body)?;
    let b = load_bid(&state, &ctx, &p, &bid).await?;
    let score = match parse_score(
        &value_text(&req.quality_score),
        &value_text(&req.sv_qualitative_score),
        &req.comment,
    ) {
        Ok(s) => s,
        Err(errors) => return Ok(problems(errors)),
    };
    match state
        .store
        .score_bid(&ctx.actor()?, state.now(), b.id, &score)
        .await
    {
        Ok(b) => Ok(Json(api_bid(&b)).into_response()),
        Err(e) => Ok(problems(store_refusal(
            e,
            &["state", "quality_score", "sv_qualitative_score"],
        )?)),
    }
}

/// The ranking of the opened bids with the breakdown (viewer and up);
/// provisional until the evaluation is complete.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/procurements/{procurement}/evaluation",
    params(("org" = String, Path, description = "Organisation slug"), ("procurement" = i64, Path, description = "Procurement id")),
    responses((status = 200, body = ApiEvaluation), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn evaluation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ApiEvaluation>, ApiError> {
    let p = load(&state, &ctx, &id).await?;
    let now = state.now();
    if !p.bids_open_at(now) {
        return Err(AppError::Conflict(format!(
            "the bids are sealed until {}",
            rfc3339(p.deadline)
        ))
        .into());
    }
    let bids = state.store.opened_bids(p.id, now).await?;
    let (rows, notes) = ranking(&state, &ctx.org()?.org, &p, &bids).await?;
    Ok(Json(ApiEvaluation {
        state: p.state_at(now).to_string(),
        bids: rows
            .into_iter()
            .map(|r| ApiRanked {
                bid_id: r.bid_id,
                supplier: r.supplier,
                rank: r.rank,
                tied: r.tied,
                price_score: r.price_score,
                quality_score: r.quality_score,
                sv_quantitative_score: r.sv_quantitative_score,
                sv_qualitative_score: r.sv_qualitative_score,
                total_score: r.total_score,
                sv_gbp: r.sv,
                scored: r.scored,
            })
            .collect(),
        notes,
    }))
}

/// Completes the evaluation: ranks the scored bids and freezes the ranks
/// (officer, admin).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/procurements/{procurement}/evaluation",
    params(("org" = String, Path, description = "Organisation slug"), ("procurement" = i64, Path, description = "Procurement id")),
    responses((status = 200, body = ApiProcurement), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ImportProblems)))]
pub(crate) async fn complete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let p = load(&state, &ctx, &id).await?;
    match complete_evaluation(&state, &ctx, &p).await? {
        Ok(p) => Ok(Json(api_procurement(&p, state.now(), true)).into_response()),
        Err(errors) => Ok(problems(errors)),
    }
}

/// Awards the procurement to a bid ranked first: the contract is created
/// with the bid's commitments (officer, admin).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/procurements/{procurement}/award",
    params(("org" = String, Path, description = "Organisation slug"), ("procurement" = i64, Path, description = "Procurement id")),
    request_body = AwardRequest,
    responses((status = 201, body = ApiContract), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ImportProblems)))]
pub(crate) async fn award(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    body: Result<Json<AwardRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let p = load(&state, &ctx, &id).await?;
    let req = json_body(body)?;
    if !at_least(ctx.org()?.role, Role::Officer) {
        return Err(AppError::Forbidden.into());
    }
    let award = match parse_award(&req.bid_id.to_string(), &req.contract_reference, &req.start) {
        Ok(a) => a,
        Err(errors) => return Ok(problems(errors)),
    };
    match state
        .store
        .award(&ctx.actor()?, state.now(), p.id, &award)
        .await
    {
        Ok(c) => Ok((StatusCode::CREATED, Json(api_contract(&c))).into_response()),
        Err(socval_store::Error::NotFound { .. }) => Err(AppError::NotFound.into()),
        Err(e) => Ok(problems(store_refusal(
            e,
            &["bid", "contract_reference", "start"],
        )?)),
    }
}
