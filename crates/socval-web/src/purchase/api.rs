//! Small purchases and sample audits under `/api/v1`: the same checks as
//! the pages; refusals answer 422 with each problem on its field.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use socval_store::PurchaseAudit;
use utoipa::{OpenApi, ToSchema};

use super::record::{
    Checked, DrawInput, PurchaseInput, QuoteInput, SaveError, checked, draw, load, load_audit,
    policy_of, save,
};
use crate::auth::Ctx;
use crate::error::{ApiError, ApiProblem, AppError, ErrorBody};
use crate::format::{decimal_pounds, rfc3339};
use crate::html::FormErrors;
use crate::state::AppState;

/// One quote.
#[derive(Serialize, ToSchema)]
pub struct ApiQuote {
    /// The supplier.
    pub supplier: String,
    /// Its postcode (may be empty).
    pub postcode: String,
    /// The amount quoted, in pounds, exact (`"4850.00"`).
    pub amount_gbp: String,
    /// `local`, `region` or `outside`.
    pub location: String,
}

/// A small purchase with the quotes rule's verdict.
#[derive(Serialize, ToSchema)]
pub struct ApiPurchase {
    /// Id.
    pub id: i64,
    /// The reference (order number).
    pub reference: String,
    /// What was bought.
    pub description: String,
    /// Its value, in pounds, exact (`"4850.00"`).
    pub value_gbp: String,
    /// When it was bought (`YYYY-MM-DD`).
    pub purchase_date: String,
    /// Why no local supplier quoted, if recorded.
    pub justification: String,
    /// The quotes, in the order entered.
    pub quotes: Vec<ApiQuote>,
    /// Whether it meets the quotes rule.
    pub compliant: bool,
    /// Why not (empty if compliant).
    pub reasons: Vec<String>,
    /// Distinct suppliers quoting.
    pub suppliers_quoting: u32,
    /// Of which local.
    pub local: u32,
    /// Of which in the wider region.
    pub region: u32,
}

impl From<&Checked> for ApiPurchase {
    fn from(c: &Checked) -> Self {
        let p = &c.purchase;
        ApiPurchase {
            id: p.id,
            reference: p.reference.clone(),
            description: p.description.clone(),
            value_gbp: decimal_pounds(p.value_pence),
            purchase_date: p.purchase_date.to_string(),
            justification: p.justification.clone(),
            quotes: p
                .quotes
                .iter()
                .map(|q| ApiQuote {
                    supplier: q.supplier.clone(),
                    postcode: q.postcode.clone(),
                    amount_gbp: decimal_pounds(q.amount_pence),
                    location: q.location.to_string(),
                })
                .collect(),
            compliant: c.check.compliant,
            reasons: c.check.reasons.clone(),
            suppliers_quoting: c.check.quotes,
            local: c.check.local,
            region: c.check.region,
        }
    }
}

/// A purchase to record.
#[derive(Deserialize, ToSchema)]
pub struct NewPurchaseRequest {
    /// The reference (order number), unique in the organisation.
    #[serde(default)]
    pub reference: String,
    /// What was bought.
    #[serde(default)]
    pub description: String,
    /// Its value in pounds as a string (`"4850.00"`), under the
    /// organisation's small-purchase threshold.
    #[serde(default)]
    pub value_gbp: String,
    /// When it was bought (`YYYY-MM-DD`).
    #[serde(default)]
    pub purchase_date: String,
    /// Why no local supplier quoted, when none did.
    #[serde(default)]
    pub justification: String,
    /// The quotes (at least one); `amount` in pounds as a string.
    #[serde(default)]
    pub quotes: Vec<QuoteInput>,
}

/// Why a request was refused: nothing was saved.
#[derive(Serialize, ToSchema)]
pub struct PurchaseProblems {
    /// Summary.
    pub error: String,
    /// Each problem with the request field it concerns.
    pub problems: Vec<ApiProblem>,
}

/// A recorded sample audit.
#[derive(Serialize, ToSchema)]
pub struct ApiPurchaseAudit {
    /// Id.
    pub id: i64,
    /// The seed drawn with.
    pub seed: i64,
    /// The sample size asked for.
    pub sample_size: i64,
    /// The financial year sampled, or empty for all purchases.
    pub financial_year: String,
    /// The small-purchase threshold, in pounds.
    pub threshold_gbp: String,
    /// In-scope purchases sampled from.
    pub population: i64,
    /// Compliant purchases in the sample.
    pub compliant: i64,
    /// Compliant ÷ sampled × 100, exact decimal.
    pub compliance_percent: String,
    /// `substantial`, `reasonable`, `limited` or `none`.
    pub opinion: String,
    /// The sample in the order drawn.
    pub sample: Vec<ApiAuditItem>,
    /// When it was drawn (RFC 3339).
    pub created_at: String,
}

/// One sampled purchase as judged when drawn.
#[derive(Serialize, ToSchema)]
pub struct ApiAuditItem {
    /// The purchase's reference.
    pub reference: String,
    /// The purchase's id.
    pub purchase_id: Option<i64>,
    /// Its value in pounds.
    pub value_gbp: String,
    /// Whether it met the quotes rule.
    pub compliant: bool,
    /// Why not.
    pub reasons: Vec<String>,
}

impl From<&PurchaseAudit> for ApiPurchaseAudit {
    fn from(a: &PurchaseAudit) -> Self {
        ApiPurchaseAudit {
            id: a.id,
            seed: a.seed,
            sample_size: a.sample_size,
            financial_year: a.financial_year.clone(),
            threshold_gbp: decimal_pounds(a.threshold_pence),
            population: a.population,
            compliant: a.compliant,
            compliance_percent: a.compliance_percent.normalize().to_string(),
            opinion: a.opinion.as_str().to_string(),
            sample: a
                .items
                .iter()
                .map(|i| ApiAuditItem {
                    reference: i.reference.clone(),
                    purchase_id: i.purchase_id,
                    value_gbp: decimal_pounds(i.value_pence),
                    compliant: i.compliant,
                    reasons: i.reasons.clone(),
                })
                .collect(),
            created_at: rfc3339(a.created_at),
        }
    }
}

/// The API name of a form field.
fn api_field(field: &str) -> String {
    match field.rsplit_once('_') {
        Some((name, n)) if ["supplier", "postcode", "amount", "location"].contains(&name) => {
            let i: usize = n.parse().unwrap_or(1);
            format!("quotes[{}].{name}", i - 1)
        }
        _ if field == "value" => "value_gbp".into(),
        _ => field.into(),
    }
}

fn problems(errors: &FormErrors) -> Response {
    let problems: Vec<ApiProblem> = errors
        .all()
        .iter()
        .map(|e| ApiProblem {
            field: api_field(e.field),
            message: e.message.clone(),
        })
        .collect();
    let body = PurchaseProblems {
        error: format!(
            "the request has {} problem(s); nothing was saved",
            problems.len()
        ),
        problems,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// An organisation's small purchases with the quotes rule's verdict
/// (viewer, officer, admin).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/purchases",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = [ApiPurchase]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ApiPurchase>>, ApiError> {
    let org = ctx.org()?.org.clone();
    let rows = checked(state.store.purchases(org.id).await?, &policy_of(&org)?)?;
    Ok(Json(rows.iter().map(ApiPurchase::from).collect()))
}

/// One small purchase (viewer, officer, admin).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/purchases/{purchase}",
    params(("org" = String, Path, description = "Organisation slug"), ("purchase" = i64, Path, description = "Purchase id")),
    responses((status = 200, body = ApiPurchase), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ApiPurchase>, ApiError> {
    let org = ctx.org()?.org.clone();
    let p = load(&state, &ctx, &id).await?;
    let rows = checked(vec![p], &policy_of(&org)?)?;
    Ok(Json(ApiPurchase::from(&rows[0])))
}

/// Records a small purchase with its quotes (officer, admin). All or
/// nothing: on any problem nothing is saved and every problem is listed
/// with its field.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/purchases",
    params(("org" = String, Path, description = "Organisation slug")),
    request_body = NewPurchaseRequest,
    responses((status = 201, body = ApiPurchase), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = PurchaseProblems)))]
pub(crate) async fn api_create(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Result<Json<NewPurchaseRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body.map_err(AppError::from)?;
    let input = PurchaseInput {
        reference: req.reference,
        description: req.description,
        value: req.value_gbp,
        purchase_date: req.purchase_date,
        justification: req.justification,
        quotes: req.quotes,
    };
    match save(&state, &ctx, None, &input).await {
        Ok(p) => {
            let org = ctx.org()?.org.clone();
            let rows = checked(vec![p], &policy_of(&org)?)?;
            Ok((StatusCode::CREATED, Json(ApiPurchase::from(&rows[0]))).into_response())
        }
        Err(SaveError::Invalid(errors)) => Ok(problems(&errors)),
        Err(SaveError::App(e)) => Err(e.into()),
    }
}

/// An organisation's recorded sample audits, newest first (viewer,
/// officer, admin).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/purchase-audits",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = [ApiPurchaseAudit]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_audits(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ApiPurchaseAudit>>, ApiError> {
    let org = ctx.org()?.org.clone();
    let audits = state.store.purchase_audits(org.id).await?;
    Ok(Json(audits.iter().map(ApiPurchaseAudit::from).collect()))
}

/// One sample audit (viewer, officer, admin).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/purchase-audits/{audit}",
    params(("org" = String, Path, description = "Organisation slug"), ("audit" = i64, Path, description = "Audit id")),
    responses((status = 200, body = ApiPurchaseAudit), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ApiPurchaseAudit>, ApiError> {
    Ok(Json(ApiPurchaseAudit::from(
        &load_audit(&state, &ctx, &id).await?,
    )))
}

/// Draws and records a sample audit (officer, admin): the sample is drawn
/// by `socval_core::quotes::audit` from the purchases under the threshold
/// (of one financial year, if given), so the same seed, size and purchases
/// give the same sample.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/purchase-audits",
    params(("org" = String, Path, description = "Organisation slug")),
    request_body = DrawInput,
    responses((status = 201, body = ApiPurchaseAudit), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = PurchaseProblems)))]
pub(crate) async fn api_draw(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Result<Json<DrawInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body.map_err(AppError::from)?;
    match draw(&state, &ctx, &req).await {
        Ok(a) => Ok((StatusCode::CREATED, Json(ApiPurchaseAudit::from(&a))).into_response()),
        Err(SaveError::Invalid(errors)) => Ok(problems(&errors)),
        Err(SaveError::App(e)) => Err(e.into()),
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(api_list, api_show, api_create, api_audits, api_audit, api_draw),
    components(schemas(
        ApiQuote,
        ApiPurchase,
        NewPurchaseRequest,
        QuoteInput,
        PurchaseProblems,
        ApiPurchaseAudit,
        ApiAuditItem,
        DrawInput
    ))
)]
struct PurchaseApi;

/// The small-purchase part of the OpenAPI document.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    PurchaseApi::openapi()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_fields_name_the_quote() {
        assert_eq!(api_field("amount_2"), "quotes[1].amount");
        assert_eq!(api_field("value"), "value_gbp");
        assert_eq!(api_field("purchase_date"), "purchase_date");
    }
}
