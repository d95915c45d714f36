//! The return pages: the form a supplier submits (multipart, evidence
//! files attached), the return with each line's status, and the officers'
//! verify-or-reject form on each line; evidence downloads.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use socval_core::evidence;
use socval_store::Role;
use socval_store::delivery::DeliveryReturn;
use socval_store::procurement::Contract;

use super::check::{
    Form, Problems, Submission, SubmitError, load_return, review, serve_evidence, submit,
};
use crate::auth::{Ctx, at_least};
use crate::contract::{self, periods_due};
use crate::error::{AppError, multipart};
use crate::html::{FormErrors, Page, render};
use crate::page::org_page;
use crate::state::AppState;

struct MeasureInput {
    code: String,
    title: String,
    value: String,
}

struct PeriodOption {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "return_form.html")]
struct FormPage {
    page: Page,
    slug: String,
    k: Contract,
    periods: Vec<PeriodOption>,
    measures: Vec<MeasureInput>,
    narrative: String,
    errors: FormErrors,
    limit_mb: String,
    accepted: &'static str,
}

fn static_field(f: &str) -> &'static str {
    match f {
        "period" | "quarter" | "contract_year" => "period",
        "narrative" => "narrative",
        "evidence" => "evidence",
        _ => "units",
    }
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    k: Contract,
    sub: &Submission,
    problems: Problems,
) -> Result<FormPage, AppError> {
    let returned: Vec<(i64, i64)> = state
        .store
        .contract_returns(k.id)
        .await?
        .iter()
        .map(|r| (r.contract_year, r.quarter))
        .collect();
    let due = periods_due(&k, &returned, state.now().date());
    let chosen = sub.period;
    let periods = due
        .iter()
        .map(|(cy, q, end)| PeriodOption {
            value: format!("{cy}-{q}"),
            label: format!("Year {cy}, quarter {q} (ended {end})"),
            selected: chosen == Some((*cy, *q)),
        })
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    let fw = match k.framework_id {
        Some(id) => Some(crate::framework::cached(state, id).await?),
        None => None,
    };
    let measures = k
        .commitments
        .iter()
        .filter(|c| {
            let new = !seen.contains(&c.measure.as_str());
            seen.push(&c.measure);
            new
        })
        .map(|c| MeasureInput {
            code: c.measure.clone(),
            title: fw
                .as_ref()
                .and_then(|f| {
                    f.find(&c.measure)
                        .map(|m| format!("{} ({})", m.measure.title, m.measure.unit.label()))
                })
                .unwrap_or_default(),
            value: sub
                .units
                .iter()
                .find(|(m, _)| *m == c.measure)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        })
        .collect();
    let mut errors = FormErrors::default();
    for (f, m) in problems {
        errors.add(static_field(&f), m);
    }
    let mut page = org_page(state, ctx, format!("Delivery return for {}", k.reference))?;
    page.has_errors = !errors.is_empty();
    Ok(FormPage {
        page,
        slug: ctx.org()?.org.slug.clone(),
        k,
        periods,
        measures,
        narrative: sub.narrative.clone(),
        errors,
        limit_mb: format!("{}", state.config.max_evidence_bytes / (1024 * 1024)),
        accepted: evidence::ACCEPTED,
    })
}

#[derive(Deserialize)]
pub(crate) struct NewQuery {
    #[serde(default)]
    period: String,
}

pub(crate) async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<NewQuery>,
) -> Result<Response, AppError> {
    let k = contract::load(&state, &ctx, &id).await?;
    if ctx.org()?.role != Role::Supplier {
        return Err(AppError::Forbidden);
    }
    let sub = Submission {
        period: parse_period(&q.period),
        ..Submission::default()
    };
    let body = form_page(&state, &ctx, k, &sub, Vec::new()).await?;
    Ok(render(StatusCode::OK, &body))
}

/// `1-2` → year 1, quarter 2.
fn parse_period(text: &str) -> Option<(i64, i64)> {
    let (a, b) = text.split_once('-')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

/// Reads the return form: `period` (`1-2`), `narrative`,
/// `units-<MEASURE>`, and any number of `evidence` files.
async fn read_form(mut form: Multipart) -> Result<Submission, AppError> {
    let mut sub = Submission::default();
    let bad = AppError::from;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "evidence" {
            let file = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(bad)?;
            if file.is_empty() && bytes.is_empty() {
                continue; // the file input left empty
            }
            sub.files.push((file, bytes));
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        if name == "period" {
            sub.period = parse_period(&text);
        } else if name == "narrative" {
            sub.narrative = text;
        } else if let Some(code) = name.strip_prefix("units-") {
            sub.units.push((code.to_owned(), text));
        }
    }
    Ok(sub)
}

pub(crate) async fn submit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    req: Request,
) -> Result<Response, AppError> {
    let k = contract::load(&state, &ctx, &id).await?;
    if ctx.org()?.role != Role::Supplier {
        return Err(AppError::Forbidden);
    }
    let form = multipart(req).await?;
    let sub = read_form(form).await?;
    let slug = ctx.org()?.org.slug.clone();
    let period = sub.period;
    let units = sub.units.clone();
    let narrative = sub.narrative.clone();
    match submit(&state, &ctx, &k, sub, Form::Page).await {
        Ok(r) => Ok(Redirect::to(&format!(
            "/orgs/{slug}/contracts/{}/returns/{}?submitted=1",
            k.id, r.id
        ))
        .into_response()),
        Err(SubmitError::Invalid(problems)) => {
            let again = Submission {
                period,
                narrative,
                units,
                files: Vec::new(),
            };
            let body = form_page(&state, &ctx, k, &again, problems).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &body))
        }
        Err(SubmitError::App(e)) => Err(e),
    }
}

struct LineView {
    id: i64,
    measure: String,
    units: String,
    status: String,
    comment: String,
    reviewed: String,
}

#[derive(Template)]
#[template(path = "return.html")]
struct ShowPage {
    page: Page,
    slug: String,
    k: Contract,
    r: DeliveryReturn,
    lines: Vec<LineView>,
    can_review: bool,
    submitted: bool,
    errors: FormErrors,
}

#[derive(Deserialize)]
pub(crate) struct ShowQuery {
    #[serde(default)]
    submitted: String,
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    k: Contract,
    r: DeliveryReturn,
    submitted: bool,
    errors: FormErrors,
) -> Result<ShowPage, AppError> {
    let access = ctx.org()?;
    let mut page = org_page(
        state,
        ctx,
        format!("Return {} for {}", r.period(), k.reference),
    )?;
    page.has_errors = !errors.is_empty();
    Ok(ShowPage {
        page,
        slug: access.org.slug.clone(),
        lines: r
            .lines
            .iter()
            .map(|l| LineView {
                id: l.id,
                measure: l.measure.clone(),
                units: l.units.normalize().to_string(),
                status: l.status.to_string(),
                comment: l.comment.clone(),
                reviewed: match (&l.reviewed_by, l.reviewed_at) {
                    (Some(by), Some(at)) => format!("{by}, {}", at.date()),
                    _ => String::new(),
                },
            })
            .collect(),
        can_review: at_least(access.role, Role::Officer),
        submitted,
        errors,
        k,
        r,
    })
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, contract, id)): Path<(String, String, String)>,
    axum::extract::Query(q): axum::extract::Query<ShowQuery>,
) -> Result<Response, AppError> {
    let (k, r) = load_return(&state, &ctx, &contract, &id).await?;
    let body = show_page(
        &state,
        &ctx,
        k,
        r,
        !q.submitted.is_empty(),
        FormErrors::default(),
    )
    .await?;
    Ok(render(StatusCode::OK, &body))
}

#[derive(Deserialize, Default)]
pub(crate) struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

pub(crate) async fn review_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, contract, id, line)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let (k, r) = load_return(&state, &ctx, &contract, &id).await?;
    let form: ReviewForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    match review(&state, &ctx, &r, &line, form.decision.trim(), &form.comment).await {
        Ok(_) => {
            let slug = &ctx.org()?.org.slug;
            Ok(
                Redirect::to(&format!("/orgs/{slug}/contracts/{}/returns/{}", k.id, r.id))
                    .into_response(),
            )
        }
        Err(SubmitError::Invalid(problems)) => {
            let mut errors = FormErrors::default();
            for (f, m) in problems {
                errors.add(
                    if f == "decision" {
                        "decision"
                    } else {
                        "comment"
                    },
                    m,
                );
            }
            let body = show_page(&state, &ctx, k, r, false, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &body))
        }
        Err(SubmitError::App(e)) => Err(e),
    }
}

/// Serves an evidence file to the organisation's staff and the contract's
/// supplier: always as a download, with the type found in its content.
pub(crate) async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, contract, id, file)): Path<(String, String, String, String)>,
) -> Result<Response, AppError> {
    serve_evidence(&state, &ctx, &contract, &id, &file).await
}
