//! The dashboard (social value committed and delivered by theme, by
//! category, by contract and by year; the live table 2.10), the portfolio
//! page of contracts at risk, their CSV exports and their API.
//!
//! The figures come from `socval_core::portfolio` over every contract and
//! return line of the organisation. Building them reads the whole
//! portfolio, so the result is kept per organisation in a [`Cache`] until
//! the organisation's data changes: every change writes an audit row in
//! its transaction, so the organisation's latest audit row id
//! ([`socval_store::DeliveryStore::change_mark`]) says whether the figures
//! are current. A request checks that one indexed number; a change (a
//! return, a verification, a new contract) makes the next request rebuild,
//! and requests arriving during that rebuild get the previous figures
//! instead of waiting.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use socval_app::engine::{contract as core_contract, delivery_return as core_return};
use socval_core::Framework;
use socval_core::cell::safe_cells;
use socval_core::portfolio::{self, ContractLine, Entry, Line};
use socval_store::Organisation;
use socval_store::Role;
use socval_store::delivery::LineStatus;
use utoipa::{OpenApi, ToSchema};

use crate::access::Access::Staff;
use crate::access::{Route, get};
use crate::auth::Ctx;
use crate::cache::{Built, lock};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::format::{csv_pounds, pounds, progress, rag_text};
use crate::html::{Page, render};
use crate::page::org_page;
use crate::state::AppState;

/// The dashboard, the contracts at risk, the CSV export, and their API
/// (viewer, officer, admin).
pub(crate) fn routes() -> Vec<Route> {
    let viewer = Staff(Role::Viewer);
    vec![
        get("/orgs/{org}/dashboard", viewer, page),
        get("/orgs/{org}/dashboard.csv", viewer, csv_export),
        get("/orgs/{org}/at-risk", viewer, at_risk_page),
        get("/api/v1/orgs/{org}/dashboard", viewer, api_dashboard),
        get("/api/v1/orgs/{org}/at-risk", viewer, api_at_risk),
    ]
}

// The paths are named from the crate root: that names the operations'
// tag (`crate::dashboard`), as the document has always had it.
#[derive(OpenApi)]
#[openapi(
    paths(crate::dashboard::api_dashboard, crate::dashboard::api_at_risk),
    components(schemas(ApiFigureLine, ApiMeasureLine, ApiContractLine, ApiDashboard))
)]
struct DashboardApi;

/// The dashboard part of the OpenAPI document.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    DashboardApi::openapi()
}

/// The organisation's portfolio as of today, from the cache if nothing
/// changed since it was built.
pub(crate) async fn portfolio(
    state: &AppState,
    org: &Organisation,
) -> Result<Arc<Built>, AppError> {
    let org_id = org.id;
    let today = state.now().date();
    let current = |mark: i64| {
        lock(&state.portfolios.built)
            .get(&org_id)
            .filter(|b| b.mark == mark && b.as_of == today)
            .cloned()
    };
    let mark = state.store.change_mark(org_id).await?;
    if let Some(b) = current(mark) {
        return Ok(b);
    }
    // One build at a time. While another request rebuilds after a change,
    // answer with the figures built before it rather than queue behind the
    // rebuild; the request that started the rebuild waits for it.
    let _one = match state.portfolios.building.try_lock() {
        Ok(guard) => guard,
        Err(_) => {
            let previous = lock(&state.portfolios.built).get(&org_id).cloned();
            match previous {
                Some(b) => return Ok(b),
                None => state.portfolios.building.lock().await,
            }
        }
    };
    let mark = state.store.change_mark(org_id).await?;
    if let Some(b) = current(mark) {
        return Ok(b);
    }
    // The organisation's own RAG thresholds, read only to build: a change
    // of policy is an audited change of the organisation, so it moves the
    // mark and rebuilds.
    let rag = socval_app::engine::policy_of(org)?.rag;
    let data = state.store.portfolio_data(org_id).await?;
    let suppliers: HashMap<i64, String> = state
        .store
        .suppliers(org_id)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut frameworks: HashMap<i64, Arc<Framework>> = HashMap::new();
    for id in data.contracts.iter().filter_map(|k| k.framework_id) {
        if let std::collections::hash_map::Entry::Vacant(e) = frameworks.entry(id) {
            e.insert(crate::framework::cached(state, id).await?);
        }
    }
    let built = tokio::task::spawn_blocking(move || {
        let mut returns: HashMap<i64, Vec<socval_core::contract::DeliveryReturn>> = HashMap::new();
        for l in &data.lines {
            if l.status == LineStatus::Rejected {
                continue;
            }
            returns
                .entry(l.contract_id)
                .or_default()
                .push(core_return(l));
        }
        let mut problems = Vec::new();
        let mut cores = Vec::with_capacity(data.contracts.len());
        for k in &data.contracts {
            let supplier = suppliers.get(&k.supplier_id).cloned().unwrap_or_default();
            match (
                k.framework_id.and_then(|id| frameworks.get(&id)),
                core_contract(k, &supplier),
            ) {
                (Some(fw), Ok(c)) => cores.push((k, c, fw.clone())),
                (None, _) => problems.push((
                    k.id,
                    format!("contract {} has no framework recorded", k.reference),
                )),
                (_, Err(e)) => problems.push((k.id, e)),
            }
        }
        let empty = Vec::new();
        let entries: Vec<Entry<'_>> = cores
            .iter()
            .map(|(k, c, fw)| Entry {
                id: k.id,
                reference: k.reference.clone(),
                category: k.category.clone(),
                contract: c,
                framework: fw,
                returns: returns.get(&k.id).unwrap_or(&empty),
            })
            .collect();
        let mut p = portfolio::build(&entries, today, rag);
        p.problems.extend(problems);
        p
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let index: HashMap<i64, usize> = built
        .contracts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let at_risk = built.at_risk().iter().map(|c| index[&c.id]).collect();
    let mut by_value: Vec<usize> = (0..built.contracts.len()).collect();
    by_value.sort_by(|&a, &b| {
        let (a, b) = (&built.contracts[a], &built.contracts[b]);
        b.committed_gbp.cmp(&a.committed_gbp).then(a.id.cmp(&b.id))
    });
    let built = Arc::new(Built {
        mark,
        as_of: today,
        rag,
        portfolio: built,
        at_risk,
        by_value,
    });
    lock(&state.portfolios.built).insert(org_id, built.clone());
    Ok(built)
}

struct LineRow {
    label: String,
    committed: String,
    delivered: String,
}

fn rows(ls: &[Line]) -> Vec<LineRow> {
    ls.iter()
        .map(|l| LineRow {
            label: if l.label == l.key {
                l.label.clone()
            } else {
                format!("{} ({})", l.label, l.key)
            },
            committed: pounds(l.committed_gbp),
            delivered: pounds(l.delivered_gbp),
        })
        .collect()
}

pub(crate) struct ContractRow {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub supplier: String,
    pub category: String,
    pub committed: String,
    pub expected: String,
    pub delivered: String,
    pub forecast: String,
    pub progress: String,
    pub rag: &'static str,
}

pub(crate) fn contract_row(c: &ContractLine) -> ContractRow {
    ContractRow {
        id: c.id,
        reference: c.reference.clone(),
        title: c.title.clone(),
        supplier: c.supplier.clone(),
        category: c.category.clone(),
        committed: pounds(c.committed_gbp),
        expected: pounds(c.expected_gbp),
        delivered: pounds(c.delivered_gbp),
        forecast: pounds(c.forecast_gbp),
        progress: progress(c.progress_percent),
        rag: rag_text(c.rag),
    }
}

struct Section {
    title: &'static str,
    id: &'static str,
    column: &'static str,
    rows: Vec<LineRow>,
}

struct MeasureRow {
    code: String,
    title: String,
    unit: String,
    committed_units: String,
    committed: String,
    delivered_units: String,
    delivered: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Page,
    slug: String,
    as_of: String,
    committed: String,
    delivered: String,
    contracts_total: usize,
    at_risk: usize,
    sections: Vec<Section>,
    measures: Vec<MeasureRow>,
    contracts: Vec<ContractRow>,
    more_contracts: usize,
    problems: Vec<String>,
}

/// Contracts shown on the dashboard page (the CSV has them all).
const CONTRACTS_SHOWN: usize = 50;

async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let built = portfolio(&state, &org).await?;
    let p = &built.portfolio;
    let body = DashboardPage {
        page: org_page(&state, &ctx, "Social value dashboard")?,
        slug: org.slug,
        as_of: p.as_of.to_string(),
        committed: pounds(p.committed_gbp),
        delivered: pounds(p.delivered_gbp),
        contracts_total: p.contracts.len(),
        at_risk: built.at_risk.len(),
        sections: vec![
            Section {
                title: "By theme",
                id: "themes",
                column: "Theme",
                rows: rows(&p.themes),
            },
            Section {
                title: "By category",
                id: "categories",
                column: "Category",
                rows: rows(&p.categories),
            },
            Section {
                title: "By financial year",
                id: "years",
                column: "Financial year",
                rows: rows(&p.years),
            },
        ],
        measures: p
            .measures
            .iter()
            .map(|m| MeasureRow {
                code: m.code.clone(),
                title: m.title.clone(),
                unit: m.unit.label().to_string(),
                committed_units: m.committed_units.normalize().to_string(),
                committed: m.committed_gbp.map(pounds).unwrap_or_default(),
                delivered_units: m.delivered_units.normalize().to_string(),
                delivered: m.delivered_gbp.map(pounds).unwrap_or_default(),
            })
            .collect(),
        more_contracts: built.by_value.len().saturating_sub(CONTRACTS_SHOWN),
        contracts: built
            .by_value
            .iter()
            .take(CONTRACTS_SHOWN)
            .map(|&i| contract_row(&p.contracts[i]))
            .collect(),
        problems: p.problems.iter().map(|(_, m)| m.clone()).collect(),
    };
    Ok(render(StatusCode::OK, &body))
}

#[derive(Template)]
#[template(path = "dashboard_at_risk.html")]
struct AtRiskPage {
    page: Page,
    slug: String,
    as_of: String,
    /// The organisation's RAG thresholds, % of what was expected.
    amber: String,
    green: String,
    contracts: Vec<ContractRow>,
    total: usize,
}

/// Contracts at risk shown on the page and by default in the API (the CSV
/// has them all).
const AT_RISK_SHOWN: usize = 100;

async fn at_risk_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let built = portfolio(&state, &org).await?;
    let rag = built.rag;
    let body = AtRiskPage {
        page: org_page(&state, &ctx, "Contracts at risk")?,
        slug: org.slug,
        as_of: built.portfolio.as_of.to_string(),
        amber: rag.amber.normalize().to_string(),
        green: rag.green.normalize().to_string(),
        contracts: built
            .at_risk()
            .take(AT_RISK_SHOWN)
            .map(contract_row)
            .collect(),
        total: built.at_risk.len(),
    };
    Ok(render(StatusCode::OK, &body))
}

#[derive(Deserialize)]
struct CsvQuery {
    #[serde(default)]
    table: String,
}

/// The tables the CSV export offers.
pub(crate) const CSV_TABLES: &[&str] = &[
    "table_2_10",
    "themes",
    "categories",
    "years",
    "contracts",
    "at_risk",
];

fn csv_of(built: &Built, table: &str) -> Result<Vec<u8>, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let p = &built.portfolio;
    let err = |e: csv::Error| AppError::Internal(e.to_string());
    let lines = |w: &mut csv::Writer<Vec<u8>>, key: &str, ls: &[Line]| -> Result<(), AppError> {
        w.write_record(safe_cells([key, "label", "committed_gbp", "delivered_gbp"]))
            .map_err(err)?;
        for l in ls {
            w.write_record(safe_cells([
                l.key.as_str(),
                &l.label,
                &csv_pounds(l.committed_gbp),
                &csv_pounds(l.delivered_gbp),
            ]))
            .map_err(err)?;
        }
        Ok(())
    };
    let contracts = |w: &mut csv::Writer<Vec<u8>>, cs: &[&ContractLine]| -> Result<(), AppError> {
        w.write_record(safe_cells([
            "id",
            "reference",
            "title",
            "supplier",
            "category",
            "committed_gbp",
            "expected_gbp",
            "delivered_gbp",
            "forecast_gbp",
            "progress_percent",
            "rag",
        ]))
        .map_err(err)?;
        for c in cs {
            w.write_record(safe_cells([
                c.id.to_string(),
                c.reference.clone(),
                c.title.clone(),
                c.supplier.clone(),
                c.category.clone(),
                csv_pounds(c.committed_gbp),
                csv_pounds(c.expected_gbp),
                csv_pounds(c.delivered_gbp),
                csv_pounds(c.forecast_gbp),
                c.progress_percent
                    .map(|p| p.round_dp(2).to_string())
                    .unwrap_or_default(),
                rag_text(c.rag).to_string(),
            ]))
            .map_err(err)?;
        }
        Ok(())
    };
    match table {
        "" | "table_2_10" => {
            w.write_record(safe_cells([
                "code",
                "measure",
                "unit",
                "committed_units",
                "committed_gbp",
                "delivered_units",
                "delivered_gbp",
            ]))
            .map_err(err)?;
            for m in &p.measures {
                w.write_record(safe_cells([
                    m.code.clone(),
                    m.title.clone(),
                    m.unit.label().to_string(),
                    m.committed_units.normalize().to_string(),
                    m.committed_gbp.map(csv_pounds).unwrap_or_default(),
                    m.delivered_units.normalize().to_string(),
                    m.delivered_gbp.map(csv_pounds).unwrap_or_default(),
                ]))
                .map_err(err)?;
            }
        }
        "themes" => lines(&mut w, "theme", &p.themes)?,
        "categories" => lines(&mut w, "category", &p.categories)?,
        "years" => lines(&mut w, "financial_year", &p.years)?,
        "contracts" => contracts(&mut w, &p.contracts.iter().collect::<Vec<_>>())?,
        "at_risk" => contracts(&mut w, &built.at_risk().collect::<Vec<_>>())?,
        other => {
            return Err(AppError::BadRequest(format!(
                "table {other:?} is not one of: {}",
                CSV_TABLES.join(", ")
            )));
        }
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

async fn csv_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CsvQuery>,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let built = portfolio(&state, &org).await?;
    let table = if q.table.is_empty() {
        "table_2_10"
    } else {
        q.table.as_str()
    };
    let body = csv_of(&built, table)?;
    let name = format!("{}-{}-{}.csv", org.slug, table, built.portfolio.as_of);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// £ committed and delivered for one theme, category or year.
#[derive(Serialize, ToSchema)]
pub struct ApiFigureLine {
    /// Theme code, category or financial year.
    pub key: String,
    /// Readable name.
    pub label: String,
    /// £ committed, exact (a decimal string).
    pub committed_gbp: String,
    /// £ delivered (verified) to date, exact.
    pub delivered_gbp: String,
}

/// One row of the live table 2.10.
#[derive(Serialize, ToSchema)]
pub struct ApiMeasureLine {
    /// Measure code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Unit.
    pub unit: String,
    /// Units committed (counted).
    pub committed_units: String,
    /// £ committed; absent for a measure counted but not priced.
    pub committed_gbp: Option<String>,
    /// Units delivered (verified) to date.
    pub delivered_units: String,
    /// £ delivered.
    pub delivered_gbp: Option<String>,
}

/// A contract's standing.
#[derive(Serialize, ToSchema)]
pub struct ApiContractLine {
    /// Contract id.
    pub id: i64,
    /// Reference.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Supplier company.
    pub supplier: String,
    /// Category.
    pub category: String,
    /// £ committed.
    pub committed_gbp: String,
    /// £ expected to date.
    pub expected_gbp: String,
    /// £ delivered to date.
    pub delivered_gbp: String,
    /// £ forecast at completion.
    pub forecast_gbp: String,
    /// Delivered ÷ expected × 100; absent before anything is due.
    pub progress_percent: Option<String>,
    /// `red`, `amber`, `green` or `none`.
    pub rag: String,
}

impl From<&ContractLine> for ApiContractLine {
    fn from(c: &ContractLine) -> Self {
        ApiContractLine {
            id: c.id,
            reference: c.reference.clone(),
            title: c.title.clone(),
            supplier: c.supplier.clone(),
            category: c.category.clone(),
            committed_gbp: c.committed_gbp.to_string(),
            expected_gbp: c.expected_gbp.to_string(),
            delivered_gbp: c.delivered_gbp.to_string(),
            forecast_gbp: c.forecast_gbp.to_string(),
            progress_percent: c.progress_percent.map(|p| p.round_dp(4).to_string()),
            rag: rag_text(c.rag).to_owned(),
        }
    }
}

/// The dashboard's figures.
#[derive(Serialize, ToSchema)]
pub struct ApiDashboard {
    /// The as-of date (today).
    pub as_of: String,
    /// £ committed over all contracts.
    pub committed_gbp: String,
    /// £ delivered to date over all contracts.
    pub delivered_gbp: String,
    /// By theme.
    pub themes: Vec<ApiFigureLine>,
    /// By category (Places, People, Corporate).
    pub categories: Vec<ApiFigureLine>,
    /// By financial year.
    pub years: Vec<ApiFigureLine>,
    /// Table 2.10: by measure.
    pub measures: Vec<ApiMeasureLine>,
    /// By contract.
    pub contracts: Vec<ApiContractLine>,
    /// Contracts left out of the figures, with the reason.
    pub problems: Vec<String>,
}

fn api_lines(ls: &[Line]) -> Vec<ApiFigureLine> {
    ls.iter()
        .map(|l| ApiFigureLine {
            key: l.key.clone(),
            label: l.label.clone(),
            committed_gbp: l.committed_gbp.to_string(),
            delivered_gbp: l.delivered_gbp.to_string(),
        })
        .collect()
}

/// The dashboard's figures (viewer, officer, admin).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/dashboard",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = ApiDashboard), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<axum::Json<ApiDashboard>, ApiError> {
    let built = portfolio(&state, &ctx.org()?.org).await?;
    let p = &built.portfolio;
    Ok(axum::Json(ApiDashboard {
        as_of: p.as_of.to_string(),
        committed_gbp: p.committed_gbp.to_string(),
        delivered_gbp: p.delivered_gbp.to_string(),
        themes: api_lines(&p.themes),
        categories: api_lines(&p.categories),
        years: api_lines(&p.years),
        measures: p
            .measures
            .iter()
            .map(|m| ApiMeasureLine {
                code: m.code.clone(),
                title: m.title.clone(),
                unit: m.unit.label().to_string(),
                committed_units: m.committed_units.normalize().to_string(),
                committed_gbp: m.committed_gbp.map(|g| g.to_string()),
                delivered_units: m.delivered_units.normalize().to_string(),
                delivered_gbp: m.delivered_gbp.map(|g| g.to_string()),
            })
            .collect(),
        contracts: p.contracts.iter().map(ApiContractLine::from).collect(),
        problems: p.problems.iter().map(|(_, m)| m.clone()).collect(),
    }))
}

/// Query of the at-risk endpoint.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct AtRiskParams {
    /// At most this many contracts, 1 to 10,000 (default 100).
    pub limit: Option<usize>,
}

/// Contracts at risk (red, then amber; furthest behind first) (viewer,
/// officer, admin).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/at-risk",
    params(("org" = String, Path, description = "Organisation slug"), AtRiskParams),
    responses((status = 200, body = [ApiContractLine]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_at_risk(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AtRiskParams>,
) -> Result<axum::Json<Vec<ApiContractLine>>, ApiError> {
    let limit = q.limit.unwrap_or(AT_RISK_SHOWN);
    if !(1..=10_000).contains(&limit) {
        return Err(AppError::BadRequest("limit must be from 1 to 10000".into()).into());
    }
    let built = portfolio(&state, &ctx.org()?.org).await?;
    Ok(axum::Json(
        built
            .at_risk()
            .take(limit)
            .map(ApiContractLine::from)
            .collect(),
    ))
}
