//! Contracts: the list (staff see the organisation's, a supplier its own),
//! and the contract page: committed vs delivered vs expected to date per
//! measure, RAG status and forecast (`socval_core::contract::progress`),
//! and its delivery returns. Also the API for both.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use socval_app::engine::{contract as core_contract, delivery_return as core_return};
use socval_core::RagThresholds;
use socval_core::contract::{self, Progress};
use socval_store::Role;
use socval_store::delivery::{DeliveryReturn, LineFact, LineStatus};
use socval_store::procurement::Contract;
use utoipa::{OpenApi, ToSchema};

use crate::access::Access::Member;
use crate::access::{Route, get};
use crate::auth::Ctx;
use crate::error::{ApiError, AppError, ErrorBody};
use crate::format::{pounds, progress, rag_text};
use crate::html::{Page, render};
use crate::page::org_page;
use crate::state::AppState;

/// The contract list and page, and their API.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/orgs/{org}/contracts", Member, list),
        get("/orgs/{org}/contracts/{contract}", Member, show),
        get("/api/v1/orgs/{org}/contracts", Member, api_list),
        get("/api/v1/orgs/{org}/contracts/{contract}", Member, api_show),
    ]
}

// The paths are named from the crate root: that names the operations'
// tag (`crate::contract`), as the document has always had it.
#[derive(OpenApi)]
#[openapi(
    paths(crate::contract::api_list, crate::contract::api_show),
    components(schemas(ApiContract, ApiContractDetail, ApiMeasureProgress))
)]
struct ContractApi;

/// The contract part of the OpenAPI document.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    ContractApi::openapi()
}

/// The contract in the URL: the organisation's, and for a supplier its
/// own company's (anything else is not found).
pub(crate) async fn load(state: &AppState, ctx: &Ctx, id: &str) -> Result<Contract, AppError> {
    let access = ctx.org()?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let k = state.store.contract(id).await?;
    if k.org_id != access.org.id {
        return Err(AppError::NotFound);
    }
    if access.role == Role::Supplier && access.supplier_id != Some(k.supplier_id) {
        return Err(AppError::NotFound);
    }
    Ok(k)
}

/// A contract's progress today, with its returns.
pub(crate) async fn progress_of(
    state: &AppState,
    k: &Contract,
) -> Result<(Result<Progress, String>, Vec<DeliveryReturn>), AppError> {
    let returns = state.store.contract_returns(k.id).await?;
    let Some(fw_id) = k.framework_id else {
        return Ok((
            Err(
                "no framework is recorded for this contract, so its commitments cannot be valued"
                    .into(),
            ),
            returns,
        ));
    };
    let fw = crate::framework::cached(state, fw_id).await?;
    let supplier = state.store.supplier(k.supplier_id).await?.name;
    let lines: Vec<contract::DeliveryReturn> = returns
        .iter()
        .flat_map(|r| {
            r.lines
                .iter()
                .filter(|l| l.status != LineStatus::Rejected)
                .map(|l| {
                    core_return(&LineFact {
                        contract_id: k.id,
                        contract_year: r.contract_year,
                        quarter: r.quarter,
                        measure: l.measure.clone(),
                        units: l.units,
                        status: l.status,
                    })
                })
        })
        .collect();
    let today = state.now().date();
    let p = core_contract(k, &supplier).and_then(|c| {
        contract::progress(
            &c,
            &fw,
            &lines,
            "returns",
            today,
            RagThresholds::default(),
            false,
        )
        .map_err(|e| e.to_string())
    });
    Ok((p, returns))
}

/// The periods of a contract that have ended by today and have no return.
pub(crate) fn periods_due(
    k: &Contract,
    returns: &[(i64, i64)],
    today: time::Date,
) -> Vec<(i64, i64, time::Date)> {
    let Ok(c) = core_contract(k, "") else {
        return Vec::new();
    };
    let ended = c.quarters_elapsed(today);
    let mut out = Vec::new();
    for i in 0..ended {
        let (cy, q) = (i64::from(i / 4 + 1), i64::from(i % 4 + 1));
        if returns.contains(&(cy, q)) {
            continue;
        }
        // The next quarter's first day (past the contract's end for the last).
        let next = c.quarter_start((i + 1) / 4 + 1, (i + 1) % 4 + 1);
        let end = next.previous_day().unwrap_or(next);
        out.push((cy, q, end));
    }
    out
}

struct ListRow {
    id: i64,
    reference: String,
    title: String,
    category: String,
    start: String,
    years: i64,
}

#[derive(Template)]
#[template(path = "contracts.html")]
struct ListPage {
    page: Page,
    slug: String,
    rows: Vec<ListRow>,
    is_staff: bool,
}

async fn visible(state: &AppState, ctx: &Ctx) -> Result<Vec<Contract>, AppError> {
    let access = ctx.org()?;
    Ok(match (access.role, access.supplier_id) {
        (Role::Supplier, Some(s)) => state
            .store
            .supplier_contracts(s)
            .await?
            .into_iter()
            .filter(|k| k.org_id == access.org.id)
            .collect(),
        (Role::Supplier, None) => Vec::new(),
        _ => state.store.portfolio_data(access.org.id).await?.contracts,
    })
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let access = ctx.org()?.clone();
    let rows = visible(&state, &ctx)
        .await?
        .into_iter()
        .map(|k| ListRow {
            id: k.id,
            reference: k.reference,
            title: k.title,
            category: k.category,
            start: k.start.to_string(),
            years: k.years,
        })
        .collect();
    let body = ListPage {
        page: org_page(&state, &ctx, "Contracts")?,
        slug: access.org.slug,
        rows,
        is_staff: access.role != Role::Supplier,
    };
    Ok(render(StatusCode::OK, &body))
}

struct MeasureView {
    code: String,
    title: String,
    committed: String,
    expected: String,
    delivered: String,
    unverified: String,
    progress: String,
    rag: &'static str,
    forecast: String,
    committed_gbp: String,
    delivered_gbp: String,
}

struct ReturnView {
    id: i64,
    period: String,
    submitted_at: String,
    submitted_by: String,
    lines: usize,
    pending: usize,
    verified: usize,
    rejected: usize,
}

#[derive(Template)]
#[template(path = "contract.html")]
struct ShowPage {
    page: Page,
    slug: String,
    k: Contract,
    supplier: String,
    as_of: String,
    problem: String,
    measures: Vec<MeasureView>,
    committed: String,
    expected: String,
    delivered: String,
    forecast: String,
    progress: String,
    rag: &'static str,
    notes: Vec<String>,
    returns: Vec<ReturnView>,
    due: Vec<String>,
    can_submit: bool,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let access = ctx.org()?.clone();
    let k = load(&state, &ctx, &id).await?;
    let (p, returns) = progress_of(&state, &k).await?;
    let supplier = state.store.supplier(k.supplier_id).await?.name;
    let returned: Vec<(i64, i64)> = returns
        .iter()
        .map(|r| (r.contract_year, r.quarter))
        .collect();
    let due = periods_due(&k, &returned, state.now().date())
        .into_iter()
        .map(|(cy, q, end)| format!("Y{cy} Q{q} (ended {end})"))
        .collect();
    let count =
        |r: &DeliveryReturn, s: LineStatus| r.lines.iter().filter(|l| l.status == s).count();
    let returns = returns
        .iter()
        .map(|r| ReturnView {
            id: r.id,
            period: r.period(),
            submitted_at: r.submitted_at.date().to_string(),
            submitted_by: r.submitted_by.clone(),
            lines: r.lines.len(),
            pending: count(r, LineStatus::Pending),
            verified: count(r, LineStatus::Verified),
            rejected: count(r, LineStatus::Rejected),
        })
        .collect();
    let mut body = ShowPage {
        page: org_page(&state, &ctx, format!("Contract {}", k.reference))?,
        slug: access.org.slug.clone(),
        supplier,
        as_of: state.now().date().to_string(),
        problem: String::new(),
        measures: Vec::new(),
        committed: String::new(),
        expected: String::new(),
        delivered: String::new(),
        forecast: String::new(),
        progress: String::new(),
        rag: "none",
        notes: Vec::new(),
        returns,
        due,
        can_submit: access.role == Role::Supplier,
        k,
    };
    match p {
        Ok(p) => {
            let units = |d: socval_core::Decimal| d.normalize().to_string();
            body.measures = p
                .measures
                .iter()
                .map(|m| MeasureView {
                    code: m.code.clone(),
                    title: m.title.clone(),
                    committed: units(m.committed_units),
                    expected: units(m.expected_units),
                    delivered: units(m.delivered_units),
                    unverified: units(m.unverified_units),
                    progress: progress(m.progress_percent),
                    rag: rag_text(m.rag),
                    forecast: units(m.forecast_units.round_dp(2)),
                    committed_gbp: m.committed_gbp.map(pounds).unwrap_or_default(),
                    delivered_gbp: m.delivered_gbp.map(pounds).unwrap_or_default(),
                })
                .collect();
            body.committed = pounds(p.committed_gbp);
            body.expected = pounds(p.expected_gbp);
            body.delivered = pounds(p.delivered_gbp);
            body.forecast = pounds(p.forecast_gbp);
            body.progress = progress(p.progress_percent);
            body.rag = rag_text(p.rag);
            body.notes = p.notes;
        }
        Err(e) => body.problem = e,
    }
    Ok(render(StatusCode::OK, &body))
}

/// A contract in lists.
#[derive(Serialize, ToSchema)]
pub struct ApiContract {
    /// Id.
    pub id: i64,
    /// Reference.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Supplier company id.
    pub supplier_id: i64,
    /// Category.
    pub category: String,
    /// First day (YYYY-MM-DD).
    pub start: String,
    /// Length in years.
    pub years: i64,
}

impl From<&Contract> for ApiContract {
    fn from(k: &Contract) -> Self {
        ApiContract {
            id: k.id,
            reference: k.reference.clone(),
            title: k.title.clone(),
            supplier_id: k.supplier_id,
            category: k.category.clone(),
            start: k.start.to_string(),
            years: k.years,
        }
    }
}

/// One measure's delivery.
#[derive(Serialize, ToSchema)]
pub struct ApiMeasureProgress {
    /// Measure code.
    pub code: String,
    /// Units committed over the contract.
    pub committed_units: String,
    /// Units expected by today.
    pub expected_units: String,
    /// Verified units delivered in quarters ended by today.
    pub delivered_units: String,
    /// Units reported, awaiting review.
    pub unverified_units: String,
    /// `red`, `amber`, `green` or `none`.
    pub rag: String,
    /// Forecast units at completion.
    pub forecast_units: String,
}

/// A contract with its progress.
#[derive(Serialize, ToSchema)]
pub struct ApiContractDetail {
    /// The contract.
    pub contract: ApiContract,
    /// Today's date.
    pub as_of: String,
    /// £ committed, expected, delivered and forecast, exact; absent (with
    /// `problem`) if the contract cannot be valued.
    pub committed_gbp: Option<String>,
    /// £ expected to date.
    pub expected_gbp: Option<String>,
    /// £ delivered to date.
    pub delivered_gbp: Option<String>,
    /// £ forecast at completion.
    pub forecast_gbp: Option<String>,
    /// Overall `red`, `amber`, `green` or `none`.
    pub rag: String,
    /// Per measure.
    pub measures: Vec<ApiMeasureProgress>,
    /// Why it cannot be valued, if it cannot.
    pub problem: Option<String>,
    /// Periods ended without a return (`Y1 Q2`).
    pub returns_due: Vec<String>,
}

/// The contracts the caller may see: the organisation's (staff) or the
/// supplier company's own.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/contracts",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = [ApiContract]), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub(crate) async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ApiContract>>, ApiError> {
    Ok(Json(
        visible(&state, &ctx)
            .await?
            .iter()
            .map(ApiContract::from)
            .collect(),
    ))
}

/// One contract with committed, expected and delivered to date, RAG and
/// forecast (staff, or the contract's supplier).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/contracts/{contract}",
    params(("org" = String, Path, description = "Organisation slug"), ("contract" = i64, Path, description = "Contract id")),
    responses((status = 200, body = ApiContractDetail), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub(crate) async fn api_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ApiContractDetail>, ApiError> {
    let k = load(&state, &ctx, &id).await?;
    let (p, returns) = progress_of(&state, &k).await?;
    let returned: Vec<(i64, i64)> = returns
        .iter()
        .map(|r| (r.contract_year, r.quarter))
        .collect();
    let returns_due = periods_due(&k, &returned, state.now().date())
        .into_iter()
        .map(|(cy, q, _)| format!("Y{cy} Q{q}"))
        .collect();
    let s = |d: socval_core::Decimal| d.normalize().to_string();
    let mut out = ApiContractDetail {
        contract: ApiContract::from(&k),
        as_of: state.now().date().to_string(),
        committed_gbp: None,
        expected_gbp: None,
        delivered_gbp: None,
        forecast_gbp: None,
        rag: "none".into(),
        measures: Vec::new(),
        problem: None,
        returns_due,
    };
    match p {
        Ok(p) => {
            out.committed_gbp = Some(p.committed_gbp.to_string());
            out.expected_gbp = Some(p.expected_gbp.to_string());
            out.delivered_gbp = Some(p.delivered_gbp.to_string());
            out.forecast_gbp = Some(p.forecast_gbp.to_string());
            out.rag = rag_text(p.rag).into();
            out.measures = p
                .measures
                .iter()
                .map(|m| ApiMeasureProgress {
                    code: m.code.clone(),
                    committed_units: s(m.committed_units),
                    expected_units: s(m.expected_units),
                    delivered_units: s(m.delivered_units),
                    unverified_units: s(m.unverified_units),
                    rag: rag_text(m.rag).into(),
                    forecast_units: s(m.forecast_units),
                })
                .collect();
        }
        Err(e) => out.problem = Some(e),
    }
    Ok(Json(out))
}
