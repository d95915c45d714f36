//! The organisation's procurement pages: the list, the form to create or
//! edit a draft, the procurement with its bids, ranking and award, and
//! the officers' forms that change it (publish, open, cancel, score,
//! complete the evaluation, award).

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use socval_core::{Gbp, Policy};
use socval_store::procurement::{Evidence, Procurement, ProcurementState};
use socval_store::{Organisation, Role};
use time::OffsetDateTime;

use super::bid::{self, parse_score};
use super::form::{
    ProcurementInput, field, parse_award, parse_procurement, policy_for, store_refusal,
};
use super::ranking::{RankRow, complete_evaluation, ranking, supplier_names};
use super::transition::Transition;
use super::visible::{load, load_bid};
use crate::auth::{Ctx, at_least};
use crate::error::AppError;
use crate::format::{pounds_pence, when};
use crate::html::{FormErrors, Page, render};
use crate::page::org_page;
use crate::state::AppState;

struct Row {
    id: i64,
    reference: String,
    title: String,
    value: String,
    deadline: String,
    state: String,
    your_bid: String,
}

#[derive(Template)]
#[template(path = "procurements.html")]
struct ListPage {
    page: Page,
    slug: String,
    rows: Vec<Row>,
    can_create: bool,
    supplier: bool,
}

pub(crate) async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let access = ctx.org()?.clone();
    let now = state.now();
    let page = org_page(&state, &ctx, "Procurements")?;
    let supplier = access.role == Role::Supplier;
    let list = match (supplier, access.supplier_id) {
        (true, Some(s)) => state.store.supplier_procurements(s).await?,
        (true, None) => Vec::new(),
        (false, _) => state.store.procurements(access.org.id).await?,
    };
    let mut rows = Vec::with_capacity(list.len());
    for p in list {
        let your_bid = match (supplier, access.supplier_id) {
            (true, Some(s)) => match state.store.supplier_bid(p.id, s).await {
                Ok(b) => format!("Submitted (revision {})", b.revision),
                Err(socval_store::Error::NotFound { .. }) => "Not submitted".into(),
                Err(e) => return Err(e.into()),
            },
            _ => String::new(),
        };
        rows.push(Row {
            id: p.id,
            reference: p.reference.clone(),
            title: p.title.clone(),
            value: Gbp::from_pence(p.estimated_value_pence).display_whole_pounds(),
            deadline: when(p.deadline),
            state: p.state_at(now).to_string(),
            your_bid,
        });
    }
    Ok(render(
        StatusCode::OK,
        &ListPage {
            page,
            slug: access.org.slug.clone(),
            rows,
            can_create: at_least(access.role, Role::Officer),
            supplier,
        },
    ))
}

struct Choice {
    value: String,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "procurement_form.html")]
struct FormPage {
    page: Page,
    action: String,
    input: ProcurementInput,
    errors: FormErrors,
    categories: Vec<String>,
    frameworks: Vec<Choice>,
    measures: Vec<Choice>,
    suppliers: Vec<Choice>,
    years: Vec<String>,
    threshold: String,
    plan_threshold: String,
    editing: bool,
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    input: ProcurementInput,
    errors: FormErrors,
    editing: Option<i64>,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let policy = policy_for(&org);
    let mut page = org_page(
        state,
        ctx,
        if editing.is_some() {
            "Edit procurement"
        } else {
            "Create a procurement"
        },
    )?;
    page.has_errors = !errors.is_empty();
    let frameworks = state.store.frameworks(org.id).await?;
    let chosen: Option<i64> = input.framework.trim().parse().ok();
    let chosen = chosen.or_else(|| frameworks.first().map(|f| f.id));
    let mut measures = Vec::new();
    let mut years = Vec::new();
    if let Some(rec) = frameworks.iter().find(|f| Some(f.id) == chosen) {
        let fw = crate::framework::parsed(rec).await?;
        years = fw.years().iter().map(|y| y.to_string()).collect();
        measures = fw
            .measures()
            .map(|m| Choice {
                value: m.measure.code.clone(),
                label: format!(
                    "{} – {} ({})",
                    m.measure.code,
                    m.measure.title,
                    m.measure.unit.label()
                ),
                checked: input
                    .measures
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(&m.measure.code)),
            })
            .collect();
    }
    let suppliers = state
        .store
        .suppliers(org.id)
        .await?
        .into_iter()
        .map(|s| Choice {
            checked: input.suppliers.contains(&s.id.to_string()),
            value: s.id.to_string(),
            label: s.name,
        })
        .collect();
    let status = errors.status();
    let body = FormPage {
        page,
        action: match editing {
            Some(id) => format!("/orgs/{}/procurements/{id}", org.slug),
            None => format!("/orgs/{}/procurements", org.slug),
        },
        input,
        errors,
        categories: policy.categories.clone(),
        frameworks: frameworks
            .iter()
            .map(|f| Choice {
                value: f.id.to_string(),
                label: format!("{} {}", f.name, f.edition),
                checked: Some(f.id) == chosen,
            })
            .collect(),
        measures,
        suppliers,
        years,
        threshold: policy.social_value_threshold_gbp.display_whole_pounds(),
        plan_threshold: policy.delivery_plan_threshold_gbp.display_whole_pounds(),
        editing: editing.is_some(),
    };
    Ok(render(status, &body))
}

pub(crate) async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    let policy = policy_for(&ctx.org()?.org);
    form_page(
        &state,
        &ctx,
        ProcurementInput::defaults(&policy),
        FormErrors::default(),
        None,
    )
    .await
}

pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let input = ProcurementInput::from_pairs(&pairs);
    let new = match parse_procurement(&state, &org, &input).await {
        Ok(n) => n,
        Err(errors) => return form_page(&state, &ctx, input, errors, None).await,
    };
    match state
        .store
        .create_procurement(&ctx.actor()?, state.now(), &new)
        .await
    {
        Ok(p) => {
            Ok(Redirect::to(&format!("/orgs/{}/procurements/{}", org.slug, p.id)).into_response())
        }
        Err(e) => {
            let errors = store_refusal(e, &["reference", "framework", "suppliers", "measures"])?;
            form_page(&state, &ctx, input, errors, None).await
        }
    }
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let p = load(&state, &ctx, &id).await?;
    if p.state != ProcurementState::Draft {
        return Err(AppError::Conflict(format!(
            "procurement {} is {}: only a draft can be edited",
            p.reference, p.state
        )));
    }
    form_page(
        &state,
        &ctx,
        ProcurementInput::from_procurement(&p),
        FormErrors::default(),
        Some(p.id),
    )
    .await
}

pub(crate) async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = ctx.org()?.clone();
    if !at_least(access.role, Role::Officer) {
        return Err(AppError::Forbidden);
    }
    let p = load(&state, &ctx, &id).await?;
    let input = ProcurementInput::from_pairs(&pairs);
    let new = match parse_procurement(&state, &access.org, &input).await {
        Ok(n) => n,
        Err(errors) => return form_page(&state, &ctx, input, errors, Some(p.id)).await,
    };
    match state
        .store
        .update_procurement(&ctx.actor()?, state.now(), p.id, &new)
        .await
    {
        Ok(p) => Ok(
            Redirect::to(&format!("/orgs/{}/procurements/{}", access.org.slug, p.id))
                .into_response(),
        ),
        Err(e) => {
            let errors = store_refusal(e, &["reference", "framework", "suppliers", "measures"])?;
            form_page(&state, &ctx, input, errors, Some(p.id)).await
        }
    }
}

struct MeasureView {
    code: String,
    title: String,
    unit: String,
}

struct ReceiptRow {
    supplier: String,
    submitted: String,
    updated: String,
    revision: i64,
}

struct BidRow {
    id: i64,
    supplier: String,
    price: String,
    quality_reference: String,
    commitments: Vec<String>,
    document: Option<String>,
    quality_score: String,
    sv_qualitative_score: String,
    comment: String,
    scored: bool,
}

#[derive(Template)]
#[template(path = "procurement.html")]
struct ShowPage {
    page: Page,
    slug: String,
    p: Procurement,
    state_now: String,
    value: String,
    deadline: String,
    framework: String,
    weights: String,
    sv_required_text: String,
    evidence_text: String,
    measures: Vec<MeasureView>,
    suppliers: Vec<String>,
    officer: bool,
    sealed: bool,
    receipts: Vec<ReceiptRow>,
    bids: Vec<BidRow>,
    ranking: Vec<RankRow>,
    notes: Vec<String>,
    errors: FormErrors,
    award_choices: Vec<RankRow>,
    unscored: bool,
    contract_link: Option<String>,
    notice: String,
}

/// The procurement page: a supplier's own view ([`bid::supplier_page`]),
/// or the organisation's with the bids once opened, their ranking and
/// the award.
pub(crate) async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    p: Procurement,
    errors: FormErrors,
    notice: String,
) -> Result<Response, AppError> {
    let access = ctx.org()?.clone();
    if access.role == Role::Supplier {
        return bid::supplier_page(state, ctx, p, errors, None).await;
    }
    let now = state.now();
    let names = supplier_names(state, access.org.id).await?;
    let name_of = |id: i64| {
        names
            .iter()
            .find(|(s, _)| *s == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| format!("supplier {id}"))
    };
    let policy = policy_for(&access.org);
    let rec = state.store.framework(p.framework_id).await?;
    let fw = crate::framework::parsed(&rec).await?;
    let measures = p
        .measures
        .iter()
        .map(|code| match fw.find(code) {
            Some(f) => MeasureView {
                code: code.clone(),
                title: f.measure.title.clone(),
                unit: f.measure.unit.label().to_owned(),
            },
            None => MeasureView {
                code: code.clone(),
                title: String::new(),
                unit: String::new(),
            },
        })
        .collect();
    let sealed = !p.bids_open_at(now);
    let receipts = state
        .store
        .bid_receipts(p.id)
        .await?
        .into_iter()
        .map(|r| ReceiptRow {
            supplier: name_of(r.supplier_id),
            submitted: when(r.submitted_at),
            updated: when(r.updated_at),
            revision: r.revision,
        })
        .collect();
    let (bids, ranking_rows, notes) = if !sealed && p.state != ProcurementState::Open {
        opened(state, &access.org, &p, now, &name_of).await?
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let award_choices = ranking_rows
        .iter()
        .filter(|r| r.rank == 1)
        .cloned()
        .collect();
    let bids_unscored = ranking_rows.iter().any(|r| !r.scored);
    let contract_link = if p.state == ProcurementState::Awarded {
        state
            .store
            .contracts(access.org.id)
            .await?
            .into_iter()
            .find(|c| c.procurement_id == Some(p.id))
            .map(|c| format!("/orgs/{}/contracts/{}", access.org.slug, c.id))
    } else {
        None
    };
    let mut page = org_page(state, ctx, format!("{} {}", p.reference, p.title))?;
    page.has_errors = !errors.is_empty();
    let status = errors.status();
    let terms = Terms::of(&p, &policy);
    let body = ShowPage {
        page,
        slug: access.org.slug.clone(),
        state_now: p.state_at(now).to_string(),
        value: pounds_pence(p.estimated_value_pence),
        deadline: when(p.deadline),
        framework: format!("{} {}", rec.name, rec.edition),
        weights: terms.weights,
        sv_required_text: terms.sv_required,
        evidence_text: terms.evidence,
        measures,
        suppliers: p.suppliers.iter().map(|s| name_of(*s)).collect(),
        officer: at_least(access.role, Role::Officer),
        sealed,
        receipts,
        bids,
        ranking: ranking_rows,
        notes,
        errors,
        award_choices,
        unscored: bids_unscored,
        contract_link,
        notice,
        p,
    };
    Ok(render(status, &body))
}

/// The opened bids, their ranking and the ranking's notes.
async fn opened(
    state: &AppState,
    org: &Organisation,
    p: &Procurement,
    now: OffsetDateTime,
    name_of: &impl Fn(i64) -> String,
) -> Result<(Vec<BidRow>, Vec<RankRow>, Vec<String>), AppError> {
    let opened = state.store.opened_bids(p.id, now).await?;
    let bids = opened
        .iter()
        .map(|b| BidRow {
            id: b.id,
            supplier: name_of(b.supplier_id),
            price: pounds_pence(b.price_pence),
            quality_reference: b.quality_reference.clone(),
            commitments: b
                .commitments
                .iter()
                .map(|c| format!("{} year {}: {} units", c.measure, c.contract_year, c.units))
                .collect(),
            document: b.document.as_ref().map(|d| d.filename.clone()),
            quality_score: b
                .score
                .as_ref()
                .map(|s| s.quality_score.to_string())
                .unwrap_or_default(),
            sv_qualitative_score: b
                .score
                .as_ref()
                .map(|s| s.sv_qualitative_score.to_string())
                .unwrap_or_default(),
            comment: b
                .score
                .as_ref()
                .map(|s| s.comment.clone())
                .unwrap_or_default(),
            scored: b.score.is_some(),
        })
        .collect();
    match ranking(state, org, p, &opened).await {
        Ok((rows, notes)) => Ok((bids, rows, notes)),
        Err(AppError::Internal(detail)) => Ok((
            bids,
            Vec::new(),
            vec![format!("The bids cannot be ranked: {detail}")],
        )),
        Err(e) => Err(e),
    }
}

/// The procurement's terms in words.
struct Terms {
    weights: String,
    sv_required: String,
    evidence: String,
}

impl Terms {
    fn of(p: &Procurement, policy: &Policy) -> Terms {
        let w = &p.weights;
        let quant = w.social_value * w.sv_quantitative_share;
        let threshold = policy.social_value_threshold_gbp.display_whole_pounds();
        Terms {
            weights: format!(
                "price {}, quality {}, social value {} ({} for the £ offered, {} for the qualitative response)",
                w.price,
                w.quality,
                w.social_value,
                quant.normalize(),
                (w.social_value - quant).normalize()
            ),
            sv_required: if p.sv_required {
                format!("Yes: the estimated value is over {threshold}")
            } else {
                format!(
                    "No: the estimated value is not over {threshold} (social value is optional)"
                )
            },
            evidence: format!(
                "A {} ({} {})",
                p.evidence.label(),
                if p.evidence == Evidence::DeliveryPlan {
                    "over"
                } else {
                    "not over"
                },
                policy.delivery_plan_threshold_gbp.display_whole_pounds()
            ),
        }
    }
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let p = load(&state, &ctx, &id).await?;
    show_page(&state, &ctx, p, FormErrors::default(), String::new()).await
}

/// Makes a state change; on refusal shows the page with the reason.
async fn transition(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    what: Transition,
) -> Result<Response, AppError> {
    let p = load(state, ctx, id).await?;
    let slug = ctx.org()?.org.slug.clone();
    match what.apply(state, &ctx.actor()?, state.now(), p.id).await {
        Ok(p) => Ok(Redirect::to(&format!("/orgs/{slug}/procurements/{}", p.id)).into_response()),
        Err(e) => {
            let errors = store_refusal(e, &[what.field(), "deadline", "suppliers", "measures"])?;
            show_page(state, ctx, p, errors, String::new()).await
        }
    }
}

pub(crate) async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    transition(&state, &ctx, &id, Transition::Publish).await
}

pub(crate) async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    transition(&state, &ctx, &id, Transition::Open).await
}

pub(crate) async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    transition(&state, &ctx, &id, Transition::Cancel).await
}

pub(crate) async fn complete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let p = load(&state, &ctx, &id).await?;
    let slug = ctx.org()?.org.slug.clone();
    match complete_evaluation(&state, &ctx, &p).await? {
        Ok(p) => Ok(Redirect::to(&format!("/orgs/{slug}/procurements/{}", p.id)).into_response()),
        Err(errors) => show_page(&state, &ctx, p, errors, String::new()).await,
    }
}

pub(crate) async fn award(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let p = load(&state, &ctx, &id).await?;
    let one = |k: &str| field(&pairs, k);
    let award = match parse_award(one("bid"), one("contract_reference"), one("start")) {
        Ok(a) => a,
        Err(errors) => return show_page(&state, &ctx, p, errors, String::new()).await,
    };
    match state
        .store
        .award(&ctx.actor()?, state.now(), p.id, &award)
        .await
    {
        Ok(_) => {
            let slug = &ctx.org()?.org.slug;
            Ok(Redirect::to(&format!("/orgs/{slug}/procurements/{}", p.id)).into_response())
        }
        Err(socval_store::Error::NotFound { .. }) => {
            let mut errors = FormErrors::default();
            errors.add("bid", "Select one of this procurement's bids");
            show_page(&state, &ctx, p, errors, String::new()).await
        }
        Err(e) => {
            let errors = store_refusal(e, &["bid", "contract_reference", "start"])?;
            show_page(&state, &ctx, p, errors, String::new()).await
        }
    }
}

pub(crate) async fn score(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id, bid)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !at_least(ctx.org()?.role, Role::Officer) {
        return Err(AppError::Forbidden);
    }
    let p = load(&state, &ctx, &id).await?;
    let b = load_bid(&state, &ctx, &p, &bid).await?;
    let one = |k: &str| field(&pairs, k);
    let score = match parse_score(
        one("quality_score"),
        one("sv_qualitative_score"),
        one("comment"),
    ) {
        Ok(s) => s,
        Err(errors) => return show_page(&state, &ctx, p, errors, String::new()).await,
    };
    match state
        .store
        .score_bid(&ctx.actor()?, state.now(), b.id, &score)
        .await
    {
        Ok(_) => {
            let slug = &ctx.org()?.org.slug;
            Ok(
                Redirect::to(&format!("/orgs/{slug}/procurements/{}#bid-{}", p.id, b.id))
                    .into_response(),
            )
        }
        Err(e) => {
            let errors = store_refusal(e, &["quality_score", "sv_qualitative_score"])?;
            show_page(&state, &ctx, p, errors, String::new()).await
        }
    }
}
