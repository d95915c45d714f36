//! The small-purchase pages: the list (with the annual report's
//! filters), the form to record or edit a purchase, a purchase with its
//! verdict, the CSV export, and the sample audits.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use socval_core::cell::safe_cells;
use socval_core::{FinancialYear, Gbp};
use socval_store::{PurchaseAudit, QuoteLocation};

use super::record::{
    Checked, DrawInput, PurchaseInput, QUOTE_FIELDS, QuoteInput, SaveError, can_edit, checked,
    draw, load, load_audit, pad, policy_of, save, suggested_seed,
};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::format::{percent, pounds_pence};
use crate::html::{FormErrors, Page, render};
use crate::page::org_page;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "purchases.html")]
struct ListPage {
    page: Page,
    slug: String,
    rows: Vec<Checked>,
    compliant: usize,
    threshold: String,
    /// The quotes rule of the organisation's policy: "two quotes", "one".
    min_quotes: String,
    min_local: String,
    can_edit: bool,
    /// What the list is narrowed to (from the annual report's links), if
    /// anything: "small purchases that ... in 2019/20".
    filtered: Option<String>,
}

/// `?year=2019-20&show=compliant`: the purchases a figure of the annual
/// report counts (`show`: all, in-scope, compliant, not-compliant).
#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    show: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let page = org_page(&state, &ctx, "Small purchases")?;
    let policy = policy_of(&org)?;
    let mut rows = checked(state.store.purchases(org.id).await?, &policy)?;
    let year = match q.year.as_deref() {
        None | Some("") => None,
        Some(y) => Some(y.parse::<socval_core::FinancialYear>().map_err(|_| {
            AppError::BadRequest(format!("year {y:?} is not a financial year like 2019-20"))
        })?),
    };
    let show = match q.show.as_deref() {
        None | Some("") => None,
        Some(s) => Some(socval_report::PurchaseFilter::from_name(s).ok_or_else(|| {
            AppError::BadRequest(format!(
                "show {s:?}: say all, in-scope, compliant or not-compliant"
            ))
        })?),
    };
    let filtered = (year.is_some() || show.is_some()).then(|| {
        let what = show.as_ref().unwrap_or(&socval_report::PurchaseFilter::All);
        match year {
            Some(y) => format!("{what} dated in {y}"),
            None => what.to_string(),
        }
    });
    rows.retain(|r| {
        year.is_none_or(|y| y.contains(r.purchase.purchase_date))
            && show.as_ref().is_none_or(|f| f.matches(&r.check))
    });
    Ok(render(
        StatusCode::OK,
        &ListPage {
            page,
            filtered,
            compliant: rows.iter().filter(|r| r.check.compliant).count(),
            rows,
            threshold: pounds_pence(org.small_purchase_threshold_pence),
            min_quotes: policy.quotes.min_quotes_text(),
            min_local: policy.quotes.min_local_text(),
            slug: org.slug,
            can_edit: can_edit(&ctx),
        },
    ))
}

#[derive(Template)]
#[template(path = "purchase_form.html")]
struct FormPage {
    page: Page,
    slug: String,
    /// The purchase being edited, if any.
    id: Option<i64>,
    input: PurchaseInput,
    errors: FormErrors,
    threshold: String,
    locations: &'static [QuoteLocation],
}

/// One quote row of the form: what was entered and the fields' ids.
struct QuoteRow {
    q: QuoteInput,
    supplier: &'static str,
    postcode: &'static str,
    amount: &'static str,
    location: &'static str,
}

impl FormPage {
    fn rows(&self) -> Vec<QuoteRow> {
        self.input
            .quotes
            .iter()
            .zip(QUOTE_FIELDS)
            .map(|(q, [supplier, postcode, amount, location])| QuoteRow {
                q: q.clone(),
                supplier,
                postcode,
                amount,
                location,
            })
            .collect()
    }
}

fn form_page(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    mut input: PurchaseInput,
    errors: FormErrors,
) -> Result<FormPage, AppError> {
    let org = &ctx.org()?.org;
    let title = if id.is_some() {
        "Change a small purchase"
    } else {
        "Record a small purchase"
    };
    let mut page = org_page(state, ctx, title)?;
    page.has_errors = !errors.is_empty();
    pad(&mut input.quotes);
    Ok(FormPage {
        page,
        slug: org.slug.clone(),
        id,
        input,
        errors,
        threshold: pounds_pence(org.small_purchase_threshold_pence),
        locations: &QuoteLocation::KNOWN,
    })
}

pub(crate) async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    let input = PurchaseInput {
        purchase_date: state.now().date().to_string(),
        ..Default::default()
    };
    let body = form_page(&state, &ctx, None, input, FormErrors::default())?;
    Ok(render(StatusCode::OK, &body))
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let p = load(&state, &ctx, &id).await?;
    let body = form_page(
        &state,
        &ctx,
        Some(p.id),
        PurchaseInput::of(&p),
        FormErrors::default(),
    )?;
    Ok(render(StatusCode::OK, &body))
}

async fn submit(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let input = PurchaseInput::from_form(pairs);
    match save(state, ctx, id, &input).await {
        Ok(p) => {
            let slug = &ctx.org()?.org.slug;
            Ok(Redirect::to(&format!("/orgs/{slug}/purchases/{}?saved=1", p.id)).into_response())
        }
        Err(SaveError::Invalid(errors)) => {
            let body = form_page(state, ctx, id, input, errors)?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &body))
        }
        Err(SaveError::App(e)) => Err(e),
    }
}

pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    submit(&state, &ctx, None, pairs).await
}

pub(crate) async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let p = load(&state, &ctx, &id).await?;
    submit(&state, &ctx, Some(p.id), pairs).await
}

#[derive(Template)]
#[template(path = "purchase.html")]
struct ShowPage {
    page: Page,
    slug: String,
    row: Checked,
    saved: bool,
    can_edit: bool,
}

impl ShowPage {
    fn money(&self, pence: &i64) -> String {
        pounds_pence(*pence)
    }
}

#[derive(Deserialize)]
pub(crate) struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let p = load(&state, &ctx, &id).await?;
    let row = checked(vec![p], &policy_of(&org)?)?
        .pop()
        .ok_or_else(|| AppError::Internal("no check".into()))?;
    let page = org_page(
        &state,
        &ctx,
        format!("Small purchase {}", row.purchase.reference),
    )?;
    Ok(render(
        StatusCode::OK,
        &ShowPage {
            page,
            slug: org.slug,
            row,
            saved: q.saved.is_some(),
            can_edit: can_edit(&ctx),
        },
    ))
}

pub(crate) async fn csv_export(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let rows = checked(state.store.purchases(org.id).await?, &policy_of(&org)?)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record(safe_cells([
        "purchase_id",
        "purchase_value_gbp",
        "supplier",
        "supplier_location",
        "amount_gbp",
        "justification",
        "purchase_date",
        "description",
        "postcode",
        "compliant",
        "reasons",
    ]))
    .map_err(io)?;
    for r in &rows {
        let p = &r.purchase;
        for q in &p.quotes {
            w.write_record(safe_cells([
                p.reference.as_str(),
                &Gbp::from_pence(p.value_pence).amount().to_string(),
                &q.supplier,
                q.location.as_str(),
                &Gbp::from_pence(q.amount_pence).amount().to_string(),
                &p.justification,
                &p.purchase_date.to_string(),
                &p.description,
                &q.postcode,
                if r.check.compliant { "yes" } else { "no" },
                &r.check.reasons.join("; "),
            ]))
            .map_err(io)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut res = bytes.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let name = format!("attachment; filename=\"{}-small-purchases.csv\"", org.slug);
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&name).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "purchase_audits.html")]
struct AuditsPage {
    page: Page,
    slug: String,
    audits: Vec<PurchaseAudit>,
    years: Vec<String>,
    input: DrawInput,
    errors: FormErrors,
    can_edit: bool,
    population: usize,
}

impl AuditsPage {
    fn percent(&self, a: &PurchaseAudit) -> String {
        percent(a.compliance_percent)
    }
}

async fn audits_page(
    state: &AppState,
    ctx: &Ctx,
    input: DrawInput,
    errors: FormErrors,
) -> Result<AuditsPage, AppError> {
    let org = ctx.org()?.org.clone();
    let mut page = org_page(state, ctx, "Small purchase audits")?;
    page.has_errors = !errors.is_empty();
    let purchases = state.store.purchases(org.id).await?;
    let mut years: Vec<FinancialYear> = purchases
        .iter()
        .map(|p| FinancialYear::containing(p.purchase_date))
        .collect();
    years.sort();
    years.dedup();
    years.reverse();
    Ok(AuditsPage {
        page,
        slug: org.slug,
        audits: state.store.purchase_audits(org.id).await?,
        years: years.iter().map(ToString::to_string).collect(),
        input,
        errors,
        can_edit: can_edit(ctx),
        population: purchases.len(),
    })
}

pub(crate) async fn audits(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let input = DrawInput {
        seed: suggested_seed(),
        size: "10".into(),
        year: String::new(),
    };
    let body = audits_page(&state, &ctx, input, FormErrors::default()).await?;
    Ok(render(StatusCode::OK, &body))
}

pub(crate) async fn draw_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut f: HashMap<String, String> = pairs.into_iter().collect();
    let input = DrawInput {
        seed: f.remove("seed").unwrap_or_default(),
        size: f.remove("size").unwrap_or_default(),
        year: f.remove("year").unwrap_or_default(),
    };
    match draw(&state, &ctx, &input).await {
        Ok(a) => {
            let slug = &ctx.org()?.org.slug;
            Ok(Redirect::to(&format!("/orgs/{slug}/purchase-audits/{}", a.id)).into_response())
        }
        Err(SaveError::Invalid(errors)) => {
            let body = audits_page(&state, &ctx, input, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &body))
        }
        Err(SaveError::App(e)) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "purchase_audit.html")]
struct AuditPage {
    page: Page,
    slug: String,
    audit: PurchaseAudit,
    percent: String,
    threshold: String,
    can_edit: bool,
}

impl AuditPage {
    fn money(&self, pence: &i64) -> String {
        pounds_pence(*pence)
    }
}

pub(crate) async fn show_audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let audit = load_audit(&state, &ctx, &id).await?;
    let page = org_page(&state, &ctx, format!("Small purchase audit {}", audit.id))?;
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            page,
            slug: ctx.org()?.org.slug.clone(),
            percent: percent(audit.compliance_percent),
            threshold: pounds_pence(audit.threshold_pence),
            audit,
            can_edit: can_edit(&ctx),
        },
    ))
}
