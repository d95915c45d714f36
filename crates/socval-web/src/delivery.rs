//! Delivery returns: a supplier submits, for one ended quarter of a
//! contract, the units delivered per measure, a narrative and evidence
//! files; officers verify or reject each line with a comment; evidence is
//! served only to the organisation's staff and the contract's supplier.
//! Pages (multipart forms, no JavaScript) and `/api/v1` (JSON, evidence as
//! base64) share one validation: on any problem nothing is saved, no
//! evidence file is kept, and each problem names its field.
//!
//! Also the reminders of the home page: returns due (suppliers) and
//! returns awaiting verification (officers and admins).

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use socval_core::evidence::{self, Checked, Kind};
use socval_store::Role;
use socval_store::delivery::evidence::{EvidenceDir, Stored};
use socval_store::delivery::{
    DeliveryReturn, EvidenceFile, LineStatus, NewEvidence, NewLine, NewReturn, Review,
};
use socval_store::procurement::Contract;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Ctx;
use crate::error::{ApiError, AppError};
use crate::html::{FormErrors, Page, render};
use crate::limit::{MAX_LONG_TEXT, too_long};
use crate::org::org_page;

pub(crate) fn router() -> Router<AppState> {
    let base = "/orgs/{org}/contracts/{contract}/returns";
    let api = "/api/v1/orgs/{org}/contracts/{contract}/returns";
    Router::new()
        .route(&format!("{base}/new"), get(new_form))
        .route(base, post(submit_form))
        .route(&format!("{base}/{{return}}"), get(show))
        .route(
            &format!("{base}/{{return}}/lines/{{line}}"),
            post(review_form),
        )
        .route(
            &format!("{base}/{{return}}/evidence/{{evidence}}"),
            get(download),
        )
        .route(api, get(api_list).post(api_submit))
        .route(&format!("{api}/{{return}}"), get(api_show))
        .route(
            &format!("{api}/{{return}}/lines/{{line}}"),
            post(api_review),
        )
        .route(
            &format!("{api}/{{return}}/evidence/{{evidence}}"),
            get(api_download),
        )
}

/// A return as submitted, before checks.
#[derive(Debug, Default)]
pub(crate) struct Submission {
    /// Contract year and quarter, if given.
    pub period: Option<(i64, i64)>,
    /// The narrative.
    pub narrative: String,
    /// (measure, units as typed), in order.
    pub units: Vec<(String, String)>,
    /// (file name, content).
    pub files: Vec<(String, Bytes)>,
}

/// How each kind of field is named in messages: pages and API differ.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Page,
    Api,
}

/// A problem with a submission: the field (page id or API field) and the
/// message.
type Problems = Vec<(String, String)>;

fn add(p: &mut Problems, field: String, message: String) {
    p.push((field, message));
}

/// Checks a submission against the contract; nothing is written.
fn check(
    k: &Contract,
    sub: &Submission,
    returned: &[(i64, i64)],
    today: time::Date,
    limit: usize,
    form: Form,
) -> Result<(NewReturn, Vec<Checked>), Problems> {
    let mut problems: Problems = Vec::new();
    let (period_field, cy_field) = match form {
        Form::Page => ("period", "period"),
        Form::Api => ("quarter", "contract_year"),
    };
    let (cy, q) = sub.period.unwrap_or((0, 0));
    match sub.period {
        None => add(
            &mut problems,
            period_field.into(),
            "Select the period the return is for".into(),
        ),
        Some((cy, _)) if cy < 1 || cy > k.years => add(
            &mut problems,
            cy_field.into(),
            format!(
                "Contract year {cy} is outside the contract (a year from 1 to {})",
                k.years
            ),
        ),
        Some((_, q)) if !(1..=4).contains(&q) => add(
            &mut problems,
            period_field.into(),
            format!("Quarter {q} is not a quarter (1, 2, 3 or 4)"),
        ),
        Some((cy, q)) => {
            let due = crate::contract::periods_due(k, &[], today);
            if !due.iter().any(|(c, qq, _)| (*c, *qq) == (cy, q)) {
                add(
                    &mut problems,
                    period_field.into(),
                    format!(
                        "Y{cy} Q{q} has not ended yet: a return can be submitted once its quarter is over"
                    ),
                );
            } else if returned.contains(&(cy, q)) {
                add(
                    &mut problems,
                    period_field.into(),
                    format!(
                        "Contract {} already has a return for Y{cy} Q{q}: a period is reported once",
                        k.reference
                    ),
                );
            }
        }
    }
    let mut measures: Vec<&str> = Vec::new();
    for c in &k.commitments {
        if !measures.contains(&c.measure.as_str()) {
            measures.push(&c.measure);
        }
    }
    let mut lines = Vec::new();
    for (i, (measure, text)) in sub.units.iter().enumerate() {
        let (mf, uf) = match form {
            Form::Page => ("units".to_owned(), "units".to_owned()),
            Form::Api => (format!("lines[{i}].measure"), format!("lines[{i}].units")),
        };
        let Some(code) = measures
            .iter()
            .find(|m| m.eq_ignore_ascii_case(measure.trim()))
        else {
            add(
                &mut problems,
                mf,
                format!(
                    "{:?} is not a measure of contract {} (accepted: {})",
                    measure,
                    k.reference,
                    measures.join(", ")
                ),
            );
            continue;
        };
        if text.trim().is_empty() {
            if form == Form::Api {
                add(
                    &mut problems,
                    uf,
                    format!("Enter the units delivered for {code}"),
                );
            }
            continue;
        }
        match socval_core::portfolio::parse_units(text) {
            Ok(units) => {
                if lines.iter().any(|l: &NewLine| l.measure == *code) {
                    add(
                        &mut problems,
                        mf,
                        format!("{code} is reported twice: one line per measure"),
                    );
                } else {
                    lines.push(NewLine {
                        measure: (*code).to_owned(),
                        units,
                    });
                }
            }
            Err(why) => add(
                &mut problems,
                uf,
                format!(
                    "Units for {code}: {text:?} {why} (a number of 0 or more, such as 12 or 0.5)"
                ),
            ),
        }
    }
    if lines.is_empty()
        && problems
            .iter()
            .all(|(f, _)| !f.contains("units") && !f.contains("lines"))
    {
        add(
            &mut problems,
            if form == Form::Page { "units" } else { "lines" }.into(),
            "Enter the units delivered for at least one measure".into(),
        );
    }
    let mut files = Vec::new();
    for (i, (name, bytes)) in sub.files.iter().enumerate() {
        let field = match form {
            Form::Page => "evidence".to_owned(),
            Form::Api => format!("evidence[{i}]"),
        };
        match evidence::check(name, bytes, limit) {
            Ok(c) => files.push(c),
            Err(e) => add(&mut problems, field, format!("{e}")),
        }
    }
    if let Some(message) = too_long("Narrative", sub.narrative.trim(), MAX_LONG_TEXT) {
        add(&mut problems, "narrative".into(), message);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok((
        NewReturn {
            contract_id: k.id,
            supplier_id: k.supplier_id,
            contract_year: cy,
            quarter: q,
            narrative: sub.narrative.trim().to_owned(),
            lines,
            evidence: Vec::new(),
        },
        files,
    ))
}

/// Why a submission failed.
pub(crate) enum SubmitError {
    /// The submission is wrong; nothing was saved.
    Invalid(Problems),
    /// Something else.
    App(AppError),
}

impl From<AppError> for SubmitError {
    fn from(e: AppError) -> Self {
        SubmitError::App(e)
    }
}

/// Checks, stores the evidence, records the return — or, on any problem,
/// leaves no file and no row.
async fn submit(
    state: &AppState,
    ctx: &Ctx,
    k: &Contract,
    sub: Submission,
    form: Form,
) -> Result<DeliveryReturn, SubmitError> {
    let access = ctx.org()?;
    if access.role != Role::Supplier {
        return Err(AppError::Forbidden.into());
    }
    let returned: Vec<(i64, i64)> = state
        .store
        .contract_returns(k.id)
        .await
        .map_err(AppError::from)?
        .iter()
        .map(|r| (r.contract_year, r.quarter))
        .collect();
    let today = state.now().date();
    let (mut new, checked) = check(
        k,
        &sub,
        &returned,
        today,
        state.config.max_evidence_bytes,
        form,
    )
    .map_err(SubmitError::Invalid)?;
    let dir = EvidenceDir::new(&state.config.data_dir);
    let files: Vec<Bytes> = sub.files.into_iter().map(|(_, b)| b).collect();
    let store_dir = dir.clone();
    let stored: Vec<Stored> = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for b in &files {
            match store_dir.put(b) {
                Ok(s) => out.push(s),
                Err(e) => {
                    forget(&store_dir, &out);
                    return Err(e);
                }
            }
        }
        Ok(out)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(format!("cannot store evidence: {e}")))?;
    new.evidence = stored
        .iter()
        .zip(&checked)
        .map(|(s, c)| NewEvidence {
            sha256: s.sha256.clone(),
            size_bytes: s.size_bytes,
            media_type: c.kind.media_type().to_owned(),
            filename: c.name.clone(),
        })
        .collect();
    match state
        .store
        .submit_return(&ctx.actor()?, state.now(), &new)
        .await
    {
        Ok(r) => Ok(r),
        Err(e) => {
            // Remove what this request wrote, unless another return refers
            // to the same content meanwhile.
            let mut mine = Vec::new();
            for s in stored.iter().filter(|s| s.created) {
                if !state.store.evidence_in_use(&s.sha256).await.unwrap_or(true) {
                    mine.push(s.clone());
                }
            }
            let _ = tokio::task::spawn_blocking(move || forget(&dir, &mine)).await;
            Err(match e {
                socval_store::Error::Conflict { detail } => SubmitError::Invalid(vec![(
                    if form == Form::Page {
                        "period"
                    } else {
                        "quarter"
                    }
                    .into(),
                    detail,
                )]),
                socval_store::Error::Invalid { detail } => {
                    let (f, m) = detail.split_once(": ").unwrap_or(("lines", &detail));
                    SubmitError::Invalid(vec![(f.to_owned(), m.to_owned())])
                }
                other => SubmitError::App(other.into()),
            })
        }
    }
}

/// Removes files this request created.
fn forget(dir: &EvidenceDir, stored: &[Stored]) {
    for s in stored.iter().filter(|s| s.created) {
        if let Err(e) = dir.remove(&s.sha256) {
            tracing::warn!(error = %e, "could not remove evidence of a refused return");
        }
    }
}

// ---- pages ----

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
    let due = crate::contract::periods_due(&k, &returned, state.now().date());
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
        Some(id) => Some(crate::dashboard::framework(state, id).await?),
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
struct NewQuery {
    #[serde(default)]
    period: String,
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<NewQuery>,
) -> Result<Response, AppError> {
    let k = crate::contract::load(&state, &ctx, &id).await?;
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

async fn submit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    req: Request,
) -> Result<Response, AppError> {
    let k = crate::contract::load(&state, &ctx, &id).await?;
    if ctx.org()?.role != Role::Supplier {
        return Err(AppError::Forbidden);
    }
    let form = crate::error::multipart(req, &state).await?;
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

/// The return in the URL, checked to be the contract's.
async fn load_return(
    state: &AppState,
    ctx: &Ctx,
    contract: &str,
    id: &str,
) -> Result<(Contract, DeliveryReturn), AppError> {
    let k = crate::contract::load(state, ctx, contract).await?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let r = state.store.delivery_return(id).await?;
    if r.contract_id != k.id {
        return Err(AppError::NotFound);
    }
    Ok((k, r))
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
struct ShowQuery {
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
        can_review: matches!(crate::auth::rank(access.role), Some(r) if r >= 2),
        submitted,
        errors,
        k,
        r,
    })
}

async fn show(
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
struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

/// Checks and records a review; `Err` names the field.
async fn review(
    state: &AppState,
    ctx: &Ctx,
    r: &DeliveryReturn,
    line: &str,
    decision: &str,
    comment: &str,
) -> Result<socval_store::delivery::ReturnLine, SubmitError> {
    let line_id: i64 = line.parse().map_err(|_| AppError::NotFound)?;
    if !r.lines.iter().any(|l| l.id == line_id) {
        return Err(AppError::NotFound.into());
    }
    let status = match decision {
        "verified" | "verify" => LineStatus::Verified,
        "rejected" | "reject" => LineStatus::Rejected,
        "pending" => LineStatus::Pending,
        other => {
            return Err(SubmitError::Invalid(vec![(
                "decision".into(),
                format!("{other:?} is not a decision: choose verified or rejected"),
            )]));
        }
    };
    if let Some(message) = too_long("Comment", comment, MAX_LONG_TEXT) {
        return Err(SubmitError::Invalid(vec![("comment".into(), message)]));
    }
    if status == LineStatus::Rejected && comment.trim().is_empty() {
        return Err(SubmitError::Invalid(vec![(
            "comment".into(),
            "Say why the line is rejected: the supplier reads the comment".into(),
        )]));
    }
    let review = Review {
        status,
        comment: comment.to_owned(),
    };
    state
        .store
        .review_line(&ctx.actor()?, state.now(), line_id, &review)
        .await
        .map_err(|e| match e {
            socval_store::Error::Invalid { detail } => {
                SubmitError::Invalid(vec![("comment".into(), detail)])
            }
            other => SubmitError::App(other.into()),
        })
}

async fn review_form(
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
async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, contract, id, file)): Path<(String, String, String, String)>,
) -> Result<Response, AppError> {
    serve_evidence(&state, &ctx, &contract, &id, &file).await
}

/// An evidence file, as uploaded (staff, or the contract's supplier).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/contracts/{contract}/returns/{return}/evidence/{evidence}",
    params(("org" = String, Path, description = "Organisation slug"), ("contract" = i64, Path, description = "Contract id"),
           ("return" = i64, Path, description = "Return id"), ("evidence" = i64, Path, description = "Evidence file id")),
    responses((status = 200, description = "The file, as an attachment, with the media type found in its content", content_type = "application/octet-stream"),
              (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn api_download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, contract, id, file)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    Ok(serve_evidence(&state, &ctx, &contract, &id, &file).await?)
}

async fn serve_evidence(
    state: &AppState,
    ctx: &Ctx,
    contract: &str,
    id: &str,
    file: &str,
) -> Result<Response, AppError> {
    let (_, r) = load_return(state, ctx, contract, id).await?;
    let file: i64 = file.parse().map_err(|_| AppError::NotFound)?;
    let Some(ev) = r.evidence.iter().find(|e| e.id == file).cloned() else {
        return Err(AppError::NotFound);
    };
    let dir = EvidenceDir::new(&state.config.data_dir);
    let sha = ev.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || dir.read(&sha))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("evidence {} missing: {e}", ev.sha256)))?;
    let media = Kind::from_media_type(&ev.media_type)
        .map(Kind::media_type)
        .unwrap_or("application/octet-stream");
    Ok((
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (header::CONTENT_DISPOSITION, disposition(&ev.filename)),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `attachment` with an ASCII fallback name and the exact name (RFC 6266).
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

// ---- reminders ----

/// One reminder on the home page.
pub(crate) struct Reminder {
    /// What is due.
    pub text: String,
    /// Where to act on it.
    pub href: String,
}

/// Returns due (a supplier's) and returns awaiting verification (officers'
/// and admins'), over every organisation the user belongs to (their
/// `memberships`, as the home page has already read them).
pub(crate) async fn reminders(
    state: &AppState,
    memberships: &[socval_store::OrgMembership],
) -> Result<Vec<Reminder>, AppError> {
    let today = state.now().date();
    let mut out = Vec::new();
    for m in memberships {
        let org = &m.organisation;
        match (m.membership.role, m.membership.supplier_id) {
            (Role::Supplier, Some(s)) => {
                let returned = state.store.returned_periods(org.id, Some(s)).await?;
                for k in state.store.supplier_contracts(s).await? {
                    if k.org_id != org.id {
                        continue;
                    }
                    let mine: Vec<(i64, i64)> = returned
                        .iter()
                        .filter(|(c, _, _)| *c == k.id)
                        .map(|(_, cy, q)| (*cy, *q))
                        .collect();
                    for (cy, q, end) in crate::contract::periods_due(&k, &mine, today) {
                        out.push(Reminder {
                            text: format!(
                                "{}: delivery return due for {} ({}), year {cy} quarter {q}, which ended on {end}",
                                org.name, k.reference, k.title
                            ),
                            href: format!("/orgs/{}/contracts/{}/returns/new?period={cy}-{q}", org.slug, k.id),
                        });
                    }
                }
            }
            (Role::Admin | Role::Officer, _) => {
                for r in state.store.returns_awaiting_review(org.id, None).await? {
                    out.push(Reminder {
                        text: format!(
                            "{}: return Y{} Q{} for {} awaits verification ({} line(s) to review)",
                            org.name,
                            r.contract_year,
                            r.quarter,
                            r.contract_reference,
                            r.pending_lines
                        ),
                        href: format!(
                            "/orgs/{}/contracts/{}/returns/{}",
                            org.slug, r.contract_id, r.id
                        ),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

// ---- API ----

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
            submitted_at: r
                .submitted_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
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
    pub problems: Vec<crate::api::ApiProblem>,
}

fn problems_response(problems: Problems) -> Response {
    let body = ApiProblems {
        error: format!("{} problem(s); nothing was saved", problems.len()),
        problems: problems
            .into_iter()
            .map(|(field, message)| crate::api::ApiProblem { field, message })
            .collect(),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// A contract's delivery returns, by period (staff, or the contract's
/// supplier).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/contracts/{contract}/returns",
    params(("org" = String, Path, description = "Organisation slug"), ("contract" = i64, Path, description = "Contract id")),
    responses((status = 200, body = [ApiReturn]), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
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
    responses((status = 200, body = ApiReturn), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
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
    responses((status = 201, body = ApiReturn), (status = 401, body = crate::api::ErrorBody),
              (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody),
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
    responses((status = 200, body = ApiLine), (status = 401, body = crate::api::ErrorBody),
              (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody),
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

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        crate::contract::api_list,
        crate::contract::api_show,
        api_list,
        api_show,
        api_submit,
        api_review,
        api_download,
        crate::dashboard::api_dashboard,
        crate::dashboard::api_at_risk
    ),
    components(schemas(
        crate::contract::ApiContract,
        crate::contract::ApiContractDetail,
        crate::contract::ApiMeasureProgress,
        ApiLine,
        ApiEvidence,
        ApiReturn,
        ApiNewLine,
        ApiNewEvidence,
        ApiNewReturn,
        ApiProblems,
        ApiReview,
        crate::dashboard::ApiFigureLine,
        crate::dashboard::ApiMeasureLine,
        crate::dashboard::ApiContractLine,
        crate::dashboard::ApiDashboard
    ))
)]
struct DeliveryApi;

/// The OpenAPI paths of contracts, delivery returns and the dashboard.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    DeliveryApi::openapi()
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn downloads_are_attachments_with_safe_names() {
        assert_eq!(
            disposition("hours.pdf"),
            "attachment; filename=\"hours.pdf\"; filename*=UTF-8''hours.pdf"
        );
        let d = disposition("Zoë's \"plan\".pdf");
        assert!(
            d.starts_with("attachment; filename=\"Zo_'s _plan_.pdf\""),
            "{d}"
        );
        assert!(
            d.contains("filename*=UTF-8''Zo%C3%AB%27s%20%22plan%22.pdf"),
            "{d}"
        );
    }
}
