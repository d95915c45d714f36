//! Procurements in the portal: officers create them (the policy decides
//! whether social value is required and which qualitative evidence is
//! asked for), publish them to invited suppliers, open the bids after the
//! deadline, score them, complete the evaluation (ranked by
//! `socval_core::evaluation`, breakdown shown) and award a contract.
//!
//! Sealed bids: before the deadline (by the portal's [`crate::Clock`]) the
//! organisation's pages and API show only that bids exist; the store
//! refuses their content too. Suppliers see only procurements they are
//! invited to, and only their own bid ([`crate::bid`]).

use std::str::FromStr;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use socval_core::evaluation::{self, Evaluation};
use socval_core::framework::Framework;
use socval_core::{Decimal, FinancialYear, Gbp, Policy};
use socval_store::procurement::{
    Award, Bid, Evidence, NewProcurement, Procurement, ProcurementState, ProcurementWeights, Ranked,
};
use socval_store::{FrameworkRecord, Organisation, Role, Supplier};
use time::OffsetDateTime;

use crate::AppState;
use crate::auth::{Ctx, rank};
use crate::error::AppError;
use crate::html::{FormErrors, Page, render};
use crate::limit::MAX_SHORT_TEXT;
use crate::org::org_page;

pub(crate) mod api;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org}/procurements", get(list).post(create))
        .route("/orgs/{org}/procurements/new", get(new_form))
        .route(
            "/orgs/{org}/procurements/{procurement}",
            get(show).post(update),
        )
        .route(
            "/orgs/{org}/procurements/{procurement}/edit",
            get(edit_form),
        )
        .route(
            "/orgs/{org}/procurements/{procurement}/publish",
            post(publish),
        )
        .route("/orgs/{org}/procurements/{procurement}/open", post(open))
        .route(
            "/orgs/{org}/procurements/{procurement}/cancel",
            post(cancel),
        )
        .route(
            "/orgs/{org}/procurements/{procurement}/evaluation",
            post(complete),
        )
        .route("/orgs/{org}/procurements/{procurement}/award", post(award))
        .merge(api::router())
}

// ---- shared by pages and API ----

pub(crate) use socval_app::engine::policy_for;

/// Whether the caller is staff with at least the officer role.
pub(crate) fn is_officer(role: Role) -> bool {
    matches!(rank(role), Some(r) if r >= 2)
}

/// The URL's procurement, checked to be the organisation's; a supplier
/// sees it only if invited and published (otherwise it does not exist for
/// them).
pub(crate) async fn load(state: &AppState, ctx: &Ctx, id: &str) -> Result<Procurement, AppError> {
    let access = ctx.org()?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let p = state.store.procurement(id).await?;
    if p.org_id != access.org.id {
        return Err(AppError::NotFound);
    }
    if access.role == Role::Supplier {
        let invited = access.supplier_id.is_some_and(|s| p.suppliers.contains(&s));
        if !invited || p.state == ProcurementState::Draft {
            return Err(AppError::NotFound);
        }
    }
    Ok(p)
}

/// `2026-02-01 12:00 UTC`.
pub(crate) fn when(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{} {:02}:{:02} UTC",
        socval_store::procurement::date_text(t.date()),
        t.hour(),
        t.minute()
    )
}

pub(crate) fn pounds(pence: i64) -> String {
    Gbp::from_pence(pence).display_pounds()
}

/// Reads a date and time as typed (`2026-02-01 12:00`, or with a `T`),
/// or RFC 3339 from the API; taken as UTC. `None` for anything else, and
/// for a date outside `socval_core::limits` (1990 to 2099).
pub(crate) fn parse_deadline(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let bounded = |t: OffsetDateTime| {
        socval_core::limits::check_date(t.to_offset(time::UtcOffset::UTC).date())
            .ok()
            .map(|_| t)
    };
    if let Ok(t) = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        return bounded(t);
    }
    let text = text.replace(' ', "T");
    for fmt in [
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    ] {
        if let Ok(t) = time::PrimitiveDateTime::parse(&text, fmt) {
            return bounded(t.assume_utc());
        }
    }
    None
}

/// What a procurement form (or API request) says, as typed.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProcurementInput {
    pub reference: String,
    pub title: String,
    pub category: String,
    pub estimated_value: String,
    pub framework: String,
    pub valuation_year: String,
    pub contract_years: String,
    pub measures: Vec<String>,
    pub suppliers: Vec<String>,
    pub price_weight: String,
    pub quality_weight: String,
    pub sv_weight: String,
    /// Percent of the social value points given to the £ offered.
    pub sv_quantitative_share: String,
    pub deadline: String,
}

impl ProcurementInput {
    fn from_pairs(pairs: &[(String, String)]) -> ProcurementInput {
        let one = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let all = |k: &str| {
            pairs
                .iter()
                .filter(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .collect()
        };
        ProcurementInput {
            reference: one("reference"),
            title: one("title"),
            category: one("category"),
            estimated_value: one("estimated_value"),
            framework: one("framework"),
            valuation_year: one("valuation_year"),
            contract_years: one("contract_years"),
            measures: all("measures"),
            suppliers: all("suppliers"),
            price_weight: one("price_weight"),
            quality_weight: one("quality_weight"),
            sv_weight: one("sv_weight"),
            sv_quantitative_share: one("sv_quantitative_share"),
            deadline: one("deadline"),
        }
    }

    /// A form with the policy's defaults.
    fn defaults(policy: &Policy) -> ProcurementInput {
        let w = policy.weights;
        ProcurementInput {
            contract_years: "3".into(),
            price_weight: w.price.to_string(),
            quality_weight: w.quality.to_string(),
            sv_weight: w.social_value.to_string(),
            sv_quantitative_share: (w.sv_quantitative_share * Decimal::ONE_HUNDRED)
                .normalize()
                .to_string(),
            ..ProcurementInput::default()
        }
    }

    fn from_procurement(p: &Procurement) -> ProcurementInput {
        let w = &p.weights;
        ProcurementInput {
            reference: p.reference.clone(),
            title: p.title.clone(),
            category: p.category.clone(),
            estimated_value: Gbp::from_pence(p.estimated_value_pence).to_string(),
            framework: p.framework_id.to_string(),
            valuation_year: p.valuation_year.clone(),
            contract_years: p.contract_years.to_string(),
            measures: p.measures.clone(),
            suppliers: p.suppliers.iter().map(i64::to_string).collect(),
            price_weight: w.price.to_string(),
            quality_weight: w.quality.to_string(),
            sv_weight: w.social_value.to_string(),
            sv_quantitative_share: (w.sv_quantitative_share * Decimal::ONE_HUNDRED)
                .normalize()
                .to_string(),
            deadline: {
                let t = p.deadline;
                format!(
                    "{} {:02}:{:02}",
                    socval_store::procurement::date_text(t.date()),
                    t.hour(),
                    t.minute()
                )
            },
        }
    }
}

/// Checks a procurement form against the organisation's frameworks,
/// suppliers and policy. Every problem is reported on its field.
pub(crate) async fn parse_procurement(
    state: &AppState,
    org: &Organisation,
    input: &ProcurementInput,
) -> Result<NewProcurement, FormErrors> {
    let policy = policy_for(org);
    let mut errors = FormErrors::default();
    for (field, label, value, what) in [
        (
            "reference",
            "Reference",
            &input.reference,
            "Enter a reference, for example RMBC-2025-014",
        ),
        ("title", "Title", &input.title, "Enter a title"),
    ] {
        if value.trim().is_empty() {
            errors.add(field, what);
        } else {
            errors.check_length(field, label, value.trim(), MAX_SHORT_TEXT);
        }
    }
    let category = match policy.category(&input.category) {
        Some(c) => c.to_owned(),
        None => {
            errors.add(
                "category",
                format!("Select a category: one of {}", policy.categories.join(", ")),
            );
            String::new()
        }
    };
    let value = match Gbp::parse(&input.estimated_value) {
        Ok(v) if v > Gbp::ZERO => match v.to_pence() {
            Some(p) => p,
            None => {
                errors.add(
                    "estimated_value",
                    "Estimated value must be in pounds and pence, for example 250,000.00",
                );
                0
            }
        },
        Ok(_) => {
            errors.add("estimated_value", "Estimated value must be more than £0");
            0
        }
        Err(e) => {
            errors.add(
                "estimated_value",
                format!(
                    "Estimated value {:?} is not an amount of money ({}): enter it like 250,000",
                    input.estimated_value.trim(),
                    e.reason
                ),
            );
            0
        }
    };
    let years: i64 = match input.contract_years.trim().parse() {
        Ok(y) if (1..=i64::from(socval_core::limits::MAX_CONTRACT_YEARS)).contains(&y) => y,
        _ => {
            errors.add(
                "contract_years",
                "Contract length must be a whole number of years from 1 to 50",
            );
            1
        }
    };
    let weight = |errors: &mut FormErrors, field: &'static str, label: &str, text: &str| {
        match Decimal::from_str(text.trim())
            .map_err(|_| socval_core::limits::NOT_A_NUMBER)
            .and_then(socval_core::limits::check_percent)
        {
            Ok(d) => d,
            _ => {
                errors.add(
                    field,
                    format!(
                        "{label} {:?} must be a number from 0 to 100, with at most 4 decimal places",
                        text.trim()
                    ),
                );
                Decimal::ZERO
            }
        }
    };
    let price = weight(
        &mut errors,
        "price_weight",
        "Price weight",
        &input.price_weight,
    );
    let quality = weight(
        &mut errors,
        "quality_weight",
        "Quality weight",
        &input.quality_weight,
    );
    let sv = weight(
        &mut errors,
        "sv_weight",
        "Social value weight",
        &input.sv_weight,
    );
    let share = weight(
        &mut errors,
        "sv_quantitative_share",
        "Quantitative share",
        &input.sv_quantitative_share,
    );
    if errors.get("price_weight").is_none()
        && errors.get("quality_weight").is_none()
        && errors.get("sv_weight").is_none()
        && price + quality + sv != Decimal::ONE_HUNDRED
    {
        errors.add(
            "price_weight",
            format!(
                "Weights must add up to 100: price {price} + quality {quality} + social value {sv} = {}",
                price + quality + sv
            ),
        );
    }
    let deadline = match parse_deadline(&input.deadline) {
        Some(t) => t,
        None => {
            errors.add(
                "deadline",
                "Enter the deadline as a date and time from 1990 to 2099, for example 2026-03-31 12:00 (UTC)",
            );
            OffsetDateTime::UNIX_EPOCH
        }
    };
    // The framework, its measures and years.
    let frameworks = state
        .store
        .frameworks(org.id)
        .await
        .map_err(|e| server_error(&mut FormErrors::default(), e))?;
    let rec: Option<FrameworkRecord> = input
        .framework
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| frameworks.into_iter().find(|f| f.id == id));
    let mut measures = Vec::new();
    let mut year = String::new();
    match rec {
        None => errors.add(
            "framework",
            "Select the framework to value commitments with",
        ),
        Some(rec) => match crate::framework::parsed(&rec).await {
            Err(_) => errors.add(
                "framework",
                "That framework can no longer be read: import it again",
            ),
            Ok(fw) => {
                match input.valuation_year.trim().parse::<FinancialYear>() {
                    Ok(y) if fw.years().contains(&y) => year = y.to_string(),
                    _ => errors.add(
                        "valuation_year",
                        format!(
                            "Select a financial year the framework has proxy values for: {}",
                            fw.years()
                                .iter()
                                .map(|y| y.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                }
                for m in &input.measures {
                    match fw.find(m.trim()) {
                        Some(found) if !measures.contains(&found.measure.code) => {
                            measures.push(found.measure.code.clone())
                        }
                        Some(_) => {}
                        None => errors.add(
                            "measures",
                            format!("Measure {:?} is not in framework {}", m.trim(), rec.name),
                        ),
                    }
                }
            }
        },
    }
    let sv_required = Gbp::from_pence(value) > policy.social_value_threshold_gbp;
    if sv_required && measures.is_empty() && errors.get("measures").is_none() {
        errors.add(
            "measures",
            format!(
                "Social value is required over {}: offer at least one measure",
                policy.social_value_threshold_gbp.display_whole_pounds()
            ),
        );
    }
    let org_suppliers: Vec<Supplier> = state
        .store
        .suppliers(org.id)
        .await
        .map_err(|e| server_error(&mut FormErrors::default(), e))?;
    let mut suppliers = Vec::new();
    for s in &input.suppliers {
        match s.trim().parse::<i64>() {
            Ok(id) if org_suppliers.iter().any(|x| x.id == id) => {
                if !suppliers.contains(&id) {
                    suppliers.push(id)
                }
            }
            _ => errors.add(
                "suppliers",
                format!(
                    "Supplier {:?} is not one of this organisation's supplier companies",
                    s.trim()
                ),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewProcurement {
        org_id: org.id,
        reference: input.reference.trim().to_owned(),
        title: input.title.trim().to_owned(),
        category,
        estimated_value_pence: value,
        framework_id: input.framework.trim().parse().unwrap_or_default(),
        valuation_year: year,
        contract_years: years,
        weights: ProcurementWeights {
            price,
            quality,
            social_value: sv,
            sv_quantitative_share: (share / Decimal::ONE_HUNDRED).normalize(),
        },
        sv_required,
        evidence: if Gbp::from_pence(value) > policy.delivery_plan_threshold_gbp {
            Evidence::DeliveryPlan
        } else {
            Evidence::MilestoneTracker
        },
        deadline,
        measures,
        suppliers,
    })
}

fn server_error(_: &mut FormErrors, e: socval_store::Error) -> FormErrors {
    // Logged by the caller's path: a listing failing is not the user's
    // fault; show it as a problem with the form's framework.
    tracing::error!(error = %e, "listing for the procurement form failed");
    let mut errors = FormErrors::default();
    errors.add(
        "framework",
        "The service could not read the organisation's frameworks: try again",
    );
    errors
}

/// Turns a store refusal into form errors: the store names the field
/// before a colon ("deadline: ...").
pub(crate) fn store_refusal(
    e: socval_store::Error,
    fields: &[&'static str],
) -> Result<FormErrors, AppError> {
    let detail = match e {
        socval_store::Error::Invalid { detail } | socval_store::Error::Conflict { detail } => {
            detail
        }
        other => return Err(other.into()),
    };
    let mut errors = FormErrors::default();
    let field = detail
        .split_once(':')
        .and_then(|(f, _)| {
            let f = f.trim();
            fields
                .iter()
                .find(|x| **x == f || x.strip_prefix("contract_") == Some(f))
                .copied()
        })
        .or_else(|| {
            detail
                .starts_with("commitment")
                .then(|| fields.iter().find(|x| **x == "commitments").copied())
                .flatten()
        })
        .unwrap_or(fields.first().copied().unwrap_or("main"));
    let message = match detail.split_once(": ") {
        Some((f, rest))
            if f.trim() == field || field.strip_prefix("contract_") == Some(f.trim()) =>
        {
            capitalise(rest)
        }
        _ => capitalise(&detail),
    };
    errors.add(field, message);
    Ok(errors)
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// One bid's line in the ranking, for pages and the API.
#[derive(Clone, Debug)]
pub(crate) struct RankRow {
    pub bid_id: i64,
    pub supplier: String,
    pub price: String,
    pub sv: String,
    pub sv_percent: String,
    pub price_score: String,
    pub quality_score: String,
    pub sv_quantitative_score: String,
    pub sv_qualitative_score: String,
    pub total_score: String,
    pub total_exact: Decimal,
    pub rank: u32,
    pub tied: bool,
    pub scored: bool,
}

/// The ranking of the opened bids by `socval_core::evaluation` (unscored
/// bids count 0 for quality and qualitative social value).
pub(crate) async fn ranking(
    state: &AppState,
    org: &Organisation,
    p: &Procurement,
    bids: &[Bid],
) -> Result<(Vec<RankRow>, Vec<String>), AppError> {
    if bids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let rec = state.store.framework(p.framework_id).await?;
    let fw: Framework = crate::framework::parsed(&rec).await?;
    let names = supplier_names(state, org.id).await?;
    let year: FinancialYear = p
        .valuation_year
        .parse()
        .map_err(|_| AppError::Internal(format!("stored year {:?}", p.valuation_year)))?;
    let input = evaluation::Procurement {
        title: p.title.clone(),
        value: Gbp::from_pence(p.estimated_value_pence),
        category: p.category.clone(),
        framework: rec.name.clone(),
        year,
        weights: socval_core::Weights {
            price: p.weights.price,
            quality: p.weights.quality,
            social_value: p.weights.social_value,
            sv_quantitative_share: p.weights.sv_quantitative_share,
        },
        bids: bids
            .iter()
            .map(|b| evaluation::Bid {
                bidder: b.id.to_string(),
                price: Gbp::from_pence(b.price_pence),
                quality_score: b
                    .score
                    .as_ref()
                    .map(|s| s.quality_score)
                    .unwrap_or_default(),
                sv_qualitative_score: b
                    .score
                    .as_ref()
                    .map(|s| s.sv_qualitative_score)
                    .unwrap_or_default(),
                commitments: b
                    .commitments
                    .iter()
                    .enumerate()
                    .map(|(i, c)| socval_core::valuation::Commitment {
                        measure: c.measure.clone(),
                        units: c.units,
                        contract_year: u32::try_from(c.contract_year).ok(),
                        year: None,
                        line: i as u64 + 1,
                    })
                    .collect(),
            })
            .collect(),
        file: format!("procurement {}", p.reference),
    };
    let policy = policy_for(org);
    let e: Evaluation = match tokio::task::spawn_blocking(move || {
        evaluation::evaluate(&input, &fw, &policy, false).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    {
        Ok(e) => e,
        // Bids that cannot be scored (figures stored before they were
        // bounded, too large to add up) leave the page readable, saying why.
        Err(why) => {
            return Ok((
                Vec::new(),
                vec![format!("The bids cannot be ranked: {why}")],
            ));
        }
    };
    let two = |d: Decimal| format!("{:.2}", d.round_dp(2));
    let rows = e
        .bids
        .iter()
        .map(|s| {
            let bid_id: i64 = s.bidder.parse().unwrap_or_default();
            let bid = bids.iter().find(|b| b.id == bid_id);
            RankRow {
                bid_id,
                supplier: bid
                    .and_then(|b| names.iter().find(|(id, _)| *id == b.supplier_id))
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                price: s.price.display_pounds(),
                sv: s.sv.display_whole_pounds(),
                sv_percent: format!("{}%", s.sv_percent_of_price.round_dp(2)),
                price_score: two(s.price_score),
                quality_score: two(s.quality_score),
                sv_quantitative_score: two(s.sv_quantitative_score),
                sv_qualitative_score: two(s.sv_qualitative_score),
                total_score: two(s.total_score),
                total_exact: s.total_score,
                rank: s.rank,
                tied: s.tied,
                scored: bid.is_some_and(|b| b.score.is_some()),
            }
        })
        .collect();
    Ok((rows, e.notes))
}

pub(crate) async fn supplier_names(
    state: &AppState,
    org_id: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    Ok(state
        .store
        .suppliers(org_id)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// Completes the evaluation: ranks the bids and freezes the ranks.
pub(crate) async fn complete_evaluation(
    state: &AppState,
    ctx: &Ctx,
    p: &Procurement,
) -> Result<Result<Procurement, FormErrors>, AppError> {
    let org = &ctx.org()?.org;
    let now = state.now();
    let bids = match state.store.opened_bids(p.id, now).await {
        Ok(b) => b,
        Err(e) => return store_refusal(e, &["evaluation"]).map(Err),
    };
    if let Some(b) = bids.iter().find(|b| b.score.is_none()) {
        let names = supplier_names(state, org.id).await?;
        let name = names
            .iter()
            .find(|(id, _)| *id == b.supplier_id)
            .map(|(_, n)| n.as_str())
            .unwrap_or("a supplier");
        let mut errors = FormErrors::default();
        errors.add(
            "evaluation",
            format!("Score the bid from {name} before completing the evaluation"),
        );
        return Ok(Err(errors));
    }
    let (rows, _) = ranking(state, org, p, &bids).await?;
    let ranked: Vec<Ranked> = rows
        .iter()
        .map(|r| Ranked {
            bid_id: r.bid_id,
            rank: i64::from(r.rank),
            total_score: r.total_exact,
        })
        .collect();
    match state
        .store
        .complete_evaluation(&ctx.actor()?, now, p.id, &ranked)
        .await
    {
        Ok(p) => Ok(Ok(p)),
        Err(e) => store_refusal(e, &["evaluation"]).map(Err),
    }
}

/// Reads `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<time::Date> {
    socval_core::contract::parse_date(text)
}

// ---- pages ----

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

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
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
            can_create: is_officer(access.role),
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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
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

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
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

async fn create(
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

async fn edit_form(
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

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = ctx.org()?.clone();
    if !is_officer(access.role) {
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

pub(crate) async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    p: Procurement,
    errors: FormErrors,
    notice: String,
) -> Result<Response, AppError> {
    let access = ctx.org()?.clone();
    if access.role == Role::Supplier {
        return crate::bid::supplier_page(state, ctx, p, errors, None).await;
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
    let mut bids = Vec::new();
    let mut ranking_rows = Vec::new();
    let mut notes = Vec::new();
    if !sealed && p.state != ProcurementState::Open {
        let opened = state.store.opened_bids(p.id, now).await?;
        for b in &opened {
            bids.push(BidRow {
                id: b.id,
                supplier: name_of(b.supplier_id),
                price: pounds(b.price_pence),
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
            });
        }
        match ranking(state, &access.org, &p, &opened).await {
            Ok((rows, n)) => {
                ranking_rows = rows;
                notes = n;
            }
            Err(AppError::Internal(detail)) => {
                notes.push(format!("The bids cannot be ranked: {detail}"))
            }
            Err(e) => return Err(e),
        }
    }
    let award_choices = ranking_rows
        .iter()
        .filter(|r| r.rank == 1)
        .cloned()
        .collect();
    let bids_unscored = ranking_rows.iter().any(|r| !r.scored);
    let contract_link = if p.state == ProcurementState::Awarded {
        let c = state
            .store
            .contracts(access.org.id)
            .await?
            .into_iter()
            .find(|c| c.procurement_id == Some(p.id));
        let has_page = crate::route::ROUTES
            .iter()
            .any(|r| r.method == "GET" && r.path == "/orgs/{org}/contracts/{contract}");
        c.map(|c| {
            if has_page {
                format!("/orgs/{}/contracts/{}", access.org.slug, c.id)
            } else {
                format!("contract {}", c.reference)
            }
        })
    } else {
        None
    };
    let mut page = org_page(state, ctx, format!("{} {}", p.reference, p.title))?;
    page.has_errors = !errors.is_empty();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let w = &p.weights;
    let quant = w.social_value * w.sv_quantitative_share;
    let body = ShowPage {
        page,
        slug: access.org.slug.clone(),
        state_now: p.state_at(now).to_string(),
        value: Gbp::from_pence(p.estimated_value_pence).display_pounds(),
        deadline: when(p.deadline),
        framework: format!("{} {}", rec.name, rec.edition),
        weights: format!(
            "price {}, quality {}, social value {} ({} for the £ offered, {} for the qualitative response)",
            w.price,
            w.quality,
            w.social_value,
            quant.normalize(),
            (w.social_value - quant).normalize()
        ),
        sv_required_text: if p.sv_required {
            format!(
                "Yes: the estimated value is over {}",
                policy.social_value_threshold_gbp.display_whole_pounds()
            )
        } else {
            format!(
                "No: the estimated value is not over {} (social value is optional)",
                policy.social_value_threshold_gbp.display_whole_pounds()
            )
        },
        evidence_text: format!(
            "A {} ({} {})",
            p.evidence.label(),
            if p.evidence == Evidence::DeliveryPlan {
                "over"
            } else {
                "not over"
            },
            policy.delivery_plan_threshold_gbp.display_whole_pounds()
        ),
        measures,
        suppliers: p.suppliers.iter().map(|s| name_of(*s)).collect(),
        officer: is_officer(access.role),
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

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let p = load(&state, &ctx, &id).await?;
    show_page(&state, &ctx, p, FormErrors::default(), String::new()).await
}

/// Runs a state change; on refusal shows the page with the reason.
async fn transition<F, Fut>(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    field: &'static str,
    change: F,
) -> Result<Response, AppError>
where
    F: FnOnce(Procurement) -> Fut,
    Fut: std::future::Future<Output = Result<Procurement, socval_store::Error>>,
{
    let p = load(state, ctx, id).await?;
    let slug = ctx.org()?.org.slug.clone();
    match change(p.clone()).await {
        Ok(p) => Ok(Redirect::to(&format!("/orgs/{slug}/procurements/{}", p.id)).into_response()),
        Err(e) => {
            let errors = store_refusal(e, &[field, "deadline", "suppliers", "measures"])?;
            show_page(state, ctx, p, errors, String::new()).await
        }
    }
}

async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (actor, now) = (ctx.actor()?, state.now());
    let store = state.store.clone();
    transition(&state, &ctx, &id, "publish", |p| async move {
        store.publish_procurement(&actor, now, p.id).await
    })
    .await
}

async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (actor, now) = (ctx.actor()?, state.now());
    let store = state.store.clone();
    transition(&state, &ctx, &id, "open", |p| async move {
        store.open_bids(&actor, now, p.id).await
    })
    .await
}

async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (actor, now) = (ctx.actor()?, state.now());
    let store = state.store.clone();
    transition(&state, &ctx, &id, "cancel", |p| async move {
        store.cancel_procurement(&actor, now, p.id).await
    })
    .await
}

async fn complete(
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

/// Checks an award form or request: a bid ranked first, a start date.
pub(crate) fn parse_award(bid: &str, reference: &str, start: &str) -> Result<Award, FormErrors> {
    let mut errors = FormErrors::default();
    errors.check_length(
        "contract_reference",
        "Contract reference",
        reference.trim(),
        MAX_SHORT_TEXT,
    );
    let bid_id = bid.trim().parse::<i64>().ok();
    if bid_id.is_none() {
        errors.add("bid", "Select the winning bid");
    }
    let start = parse_date(start);
    if start.is_none() {
        errors.add(
            "start",
            "Enter the contract's start date as YYYY-MM-DD from 1990 to 2099, for example 2026-04-01",
        );
    }
    match (bid_id, start) {
        (Some(bid_id), Some(start)) if errors.is_empty() => Ok(Award {
            bid_id,
            contract_reference: reference.trim().to_owned(),
            start,
        }),
        _ => Err(errors),
    }
}

async fn award(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let p = load(&state, &ctx, &id).await?;
    let one = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
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
