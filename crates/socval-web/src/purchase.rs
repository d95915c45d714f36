//! Small purchases: officers record purchases under the organisation's
//! small-purchase threshold with the quotes obtained; compliance with the
//! quotes rule is decided by `socval_core::quotes::check` (at least two
//! quotes, one from a local supplier; if none is local, one from the wider
//! region and a recorded justification); the audit page draws a
//! reproducible sample with `socval_core::quotes::audit` and records it
//! with its seed and the assurance opinion. Pages, a CSV export and the
//! API (`/api/v1/orgs/{org}/purchases`, `/purchase-audits`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use socval_core::cell::safe_cells;
use socval_core::quotes::{self, PurchaseCheck};
use socval_core::{Decimal, FinancialYear, Gbp, Policy};
use socval_store::{
    NewPurchase, NewPurchaseAudit, Organisation, Purchase, PurchaseAudit, PurchaseAuditItem,
    PurchaseQuote, QuoteLocation,
};
use time::Date;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::{ApiProblem, ErrorBody};
use crate::auth::{Ctx, rank};
use crate::error::{ApiError, AppError};
use crate::html::{FormErrors, Page, render};
use crate::limit::too_long;
use crate::org::org_page;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org}/purchases", get(list).post(create))
        .route("/orgs/{org}/purchases.csv", get(csv_export))
        .route("/orgs/{org}/purchases/new", get(new_form))
        .route("/orgs/{org}/purchases/{purchase}", get(show).post(update))
        .route("/orgs/{org}/purchases/{purchase}/edit", get(edit_form))
        .route("/orgs/{org}/purchase-audits", get(audits).post(draw_form))
        .route("/orgs/{org}/purchase-audits/{audit}", get(show_audit))
        .route(
            "/api/v1/orgs/{org}/purchases",
            get(api_list).post(api_create),
        )
        .route("/api/v1/orgs/{org}/purchases/{purchase}", get(api_show))
        .route(
            "/api/v1/orgs/{org}/purchase-audits",
            get(api_audits).post(api_draw),
        )
        .route("/api/v1/orgs/{org}/purchase-audits/{audit}", get(api_audit))
}

/// Quote rows on the form.
pub(crate) const QUOTE_ROWS: usize = 4;
/// The form's field ids for each quote row: supplier, postcode, amount,
/// location.
const QUOTE_FIELDS: [[&str; 4]; QUOTE_ROWS] = [
    ["supplier_1", "postcode_1", "amount_1", "location_1"],
    ["supplier_2", "postcode_2", "amount_2", "location_2"],
    ["supplier_3", "postcode_3", "amount_3", "location_3"],
    ["supplier_4", "postcode_4", "amount_4", "location_4"],
];

pub(crate) use socval_app::engine::{policy_for, purchase_checks as checks};

/// A purchase with the engine's verdict.
pub(crate) struct Checked {
    pub purchase: Purchase,
    pub check: PurchaseCheck,
}

impl Checked {
    fn value(&self) -> String {
        Gbp::from_pence(self.purchase.value_pence).display_pounds()
    }
}

fn checked(purchases: Vec<Purchase>, policy: &Policy) -> Result<Vec<Checked>, AppError> {
    let mut by_ref: HashMap<String, PurchaseCheck> = checks(&purchases, policy)
        .into_iter()
        .map(|c| (c.purchase_id.clone(), c))
        .collect();
    purchases
        .into_iter()
        .map(|p| {
            let check = by_ref.remove(&p.reference).ok_or_else(|| {
                AppError::Internal(format!("purchase {} has no quotes check", p.id))
            })?;
            Ok(Checked { purchase: p, check })
        })
        .collect()
}

// ---- input ----

/// One quote as entered (text, before validation).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct QuoteInput {
    /// The quoting supplier's name.
    #[serde(default)]
    pub supplier: String,
    /// The supplier's postcode (optional), e.g. `ZZ1 4AB`.
    #[serde(default)]
    pub postcode: String,
    /// The amount quoted in pounds, e.g. `"4850.00"` or `"£4,850"`.
    #[serde(default)]
    pub amount: String,
    /// `local` (the organisation's own district), `region` (the wider
    /// region) or `outside`.
    #[serde(default)]
    pub location: String,
}

impl QuoteInput {
    fn is_empty(&self) -> bool {
        self.supplier.trim().is_empty()
            && self.postcode.trim().is_empty()
            && self.amount.trim().is_empty()
            && self.location.trim().is_empty()
    }
}

/// A purchase as entered (text, before validation).
#[derive(Clone, Debug, Default)]
pub(crate) struct PurchaseInput {
    pub reference: String,
    pub description: String,
    pub value: String,
    pub purchase_date: String,
    pub justification: String,
    /// Exactly [`QUOTE_ROWS`] rows on pages; any number from the API.
    pub quotes: Vec<QuoteInput>,
}

impl PurchaseInput {
    fn from_form(pairs: Vec<(String, String)>) -> PurchaseInput {
        let mut f: HashMap<String, String> = pairs.into_iter().collect();
        let mut take = |k: &str| f.remove(k).unwrap_or_default();
        PurchaseInput {
            reference: take("reference"),
            description: take("description"),
            value: take("value"),
            purchase_date: take("purchase_date"),
            justification: take("justification"),
            quotes: QUOTE_FIELDS
                .iter()
                .map(|[s, p, a, l]| QuoteInput {
                    supplier: take(s),
                    postcode: take(p),
                    amount: take(a),
                    location: take(l),
                })
                .collect(),
        }
    }

    fn of(p: &Purchase) -> PurchaseInput {
        let mut quotes: Vec<QuoteInput> = p
            .quotes
            .iter()
            .map(|q| QuoteInput {
                supplier: q.supplier.clone(),
                postcode: q.postcode.clone(),
                amount: Gbp::from_pence(q.amount_pence).amount().to_string(),
                location: q.location.to_string(),
            })
            .collect();
        pad(&mut quotes);
        PurchaseInput {
            reference: p.reference.clone(),
            description: p.description.clone(),
            value: Gbp::from_pence(p.value_pence).amount().to_string(),
            purchase_date: p.purchase_date.to_string(),
            justification: p.justification.clone(),
            quotes,
        }
    }
}

fn pad(quotes: &mut Vec<QuoteInput>) {
    while quotes.len() < QUOTE_ROWS {
        quotes.push(QuoteInput::default());
    }
}

/// Reads an amount of money: above zero and a whole number of pence.
fn money(text: &str, what: &str) -> Result<i64, String> {
    let g = Gbp::parse(text).map_err(|e| {
        format!("{what} must be an amount in pounds, such as 4850 or £4,850.00 ({e})")
    })?;
    if g <= Gbp::ZERO {
        return Err(format!("{what} must be more than £0"));
    }
    g.to_pence().ok_or_else(|| {
        format!(
            "{what} must be in pounds and pence (at most 2 decimal places), not {}",
            text.trim()
        )
    })
}

/// A UK postcode's shape (outward code, space, inward code), upper case
/// with one space; `None` if it does not look like one.
pub(crate) fn normalise_postcode(text: &str) -> Option<String> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    let outward_ok = outward.as_bytes()[0].is_ascii_alphabetic()
        && outward.chars().all(|c| c.is_ascii_alphanumeric())
        && outward.chars().any(|c| c.is_ascii_digit());
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

/// A purchase's reference (characters): an order number, so stricter than
/// [`crate::limit::MAX_SHORT_TEXT`].
pub(crate) const MAX_REFERENCE: usize = 50;
/// What was bought (characters): a line, not a document.
pub(crate) const MAX_DESCRIPTION: usize = 500;
/// Why no local supplier quoted (characters).
pub(crate) const MAX_JUSTIFICATION: usize = 1000;
/// A quoting supplier's name (characters).
pub(crate) const MAX_SUPPLIER: usize = 200;

/// Checks a purchase as entered; every problem is reported on its field
/// and nothing is saved if there is any.
pub(crate) fn validate(
    input: &PurchaseInput,
    org: &Organisation,
    today: Date,
) -> Result<NewPurchase, FormErrors> {
    let mut errors = FormErrors::default();
    let reference = input.reference.trim();
    if reference.is_empty() {
        errors.add(
            "reference",
            "Enter the purchase's reference, such as the order number",
        );
    } else {
        errors.check_length("reference", "Reference", reference, MAX_REFERENCE);
    }
    let description = input.description.trim();
    if description.is_empty() {
        errors.add("description", "Enter what was bought");
    } else {
        errors.check_length("description", "Description", description, MAX_DESCRIPTION);
    }
    let threshold = Gbp::from_pence(org.small_purchase_threshold_pence);
    let value = match money(&input.value, "Value") {
        Ok(v) if v >= org.small_purchase_threshold_pence => {
            errors.add(
                "value",
                format!(
                    "Value must be under {} (the small-purchase threshold): a purchase of {} or more needs a procurement",
                    threshold.display_pounds(),
                    threshold.display_pounds()
                ),
            );
            0
        }
        Ok(v) => v,
        Err(e) => {
            errors.add("value", e);
            0
        }
    };
    let purchase_date = match socval_core::contract::parse_date(&input.purchase_date).ok_or(()) {
        Ok(d) if d > today => {
            errors.add(
                "purchase_date",
                "Date of purchase must be today or in the past",
            );
            None
        }
        Ok(d) => Some(d),
        Err(_) if input.purchase_date.trim().is_empty() => {
            errors.add("purchase_date", "Enter the date of purchase");
            None
        }
        Err(_) => {
            errors.add(
                "purchase_date",
                format!(
                    "Date of purchase must be a real date from 1990 onwards written as year-month-day, such as 2025-06-30, not {}",
                    input.purchase_date.trim()
                ),
            );
            None
        }
    };
    let justification = input.justification.trim();
    errors.check_length(
        "justification",
        "Justification",
        justification,
        MAX_JUSTIFICATION,
    );
    let mut quotes = Vec::new();
    if input.quotes.iter().all(QuoteInput::is_empty) {
        errors.add(
            "supplier_1",
            "Enter at least one quote (the rule asks for two, one from a local supplier)",
        );
    }
    if input.quotes.len() > QUOTE_ROWS * 5 {
        errors.add("supplier_1", "Enter at most 20 quotes");
    }
    for (i, q) in input.quotes.iter().enumerate() {
        if q.is_empty() {
            continue;
        }
        let fields = field_ids(i);
        let n = i + 1;
        let supplier = q.supplier.trim();
        if supplier.is_empty() {
            errors.add(fields[0], format!("Quote {n}: enter the supplier's name"));
        } else if let Some(message) = too_long("supplier", supplier, MAX_SUPPLIER) {
            errors.add(fields[0], format!("Quote {n}: {message}"));
        }
        let postcode = if q.postcode.trim().is_empty() {
            Some(String::new())
        } else {
            let p = normalise_postcode(&q.postcode);
            if p.is_none() {
                errors.add(
                    fields[1],
                    format!(
                        "Quote {n}: postcode must be a UK postcode such as ZZ1 4AB, not {}",
                        q.postcode.trim()
                    ),
                );
            }
            p
        };
        let amount = match money(&q.amount, &format!("Quote {n}: amount")) {
            Ok(a) => Some(a),
            Err(e) => {
                let e = if q.amount.trim().is_empty() {
                    format!("Quote {n}: enter the amount quoted")
                } else {
                    e
                };
                errors.add(fields[2], e);
                None
            }
        };
        let location = match q.location.trim().parse::<QuoteLocation>() {
            Ok(l) => Some(l),
            Err(_) => {
                errors.add(
                    fields[3],
                    format!("Quote {n}: select where the supplier is: local, the wider region, or outside"),
                );
                None
            }
        };
        if let (Some(postcode), Some(amount_pence), Some(location)) = (postcode, amount, location) {
            quotes.push(PurchaseQuote {
                supplier: supplier.to_owned(),
                postcode,
                amount_pence,
                location,
            });
        }
    }
    match (errors.is_empty(), purchase_date) {
        (true, Some(purchase_date)) => Ok(NewPurchase {
            org_id: org.id,
            reference: reference.to_owned(),
            description: description.to_owned(),
            value_pence: value,
            purchase_date,
            justification: justification.to_owned(),
            quotes,
        }),
        _ => Err(errors),
    }
}

/// Field ids of quote row `i` (rows past the form's four share the last
/// row's ids: only the API sends that many).
fn field_ids(i: usize) -> [&'static str; 4] {
    QUOTE_FIELDS[i.min(QUOTE_ROWS - 1)]
}

/// Why saving a purchase failed.
pub(crate) enum SaveError {
    Invalid(FormErrors),
    App(AppError),
}

impl From<AppError> for SaveError {
    fn from(e: AppError) -> Self {
        SaveError::App(e)
    }
}

/// Validates and saves (creates, or updates `id`): all or nothing.
pub(crate) async fn save(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    input: &PurchaseInput,
) -> Result<Purchase, SaveError> {
    let org = ctx.org()?.org.clone();
    let new = validate(input, &org, state.now().date()).map_err(SaveError::Invalid)?;
    let actor = ctx.actor()?;
    let result = match id {
        None => state.store.create_purchase(&actor, state.now(), &new).await,
        Some(id) => {
            state
                .store
                .update_purchase(&actor, state.now(), id, &new)
                .await
        }
    };
    match result {
        Ok(p) => Ok(p),
        Err(socval_store::Error::Conflict { .. }) => {
            let mut errors = FormErrors::default();
            errors.add(
                "reference",
                format!(
                    "A purchase with reference {} already exists: use another reference",
                    new.reference
                ),
            );
            Err(SaveError::Invalid(errors))
        }
        Err(e) => Err(SaveError::App(e.into())),
    }
}

/// The URL's purchase, checked to be the organisation's.
pub(crate) async fn load(state: &AppState, ctx: &Ctx, id: &str) -> Result<Purchase, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let p = state.store.purchase(id).await?;
    if p.org_id != ctx.org()?.org.id {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

/// The URL's audit, checked to be the organisation's.
async fn load_audit(state: &AppState, ctx: &Ctx, id: &str) -> Result<PurchaseAudit, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let a = state.store.purchase_audit(id).await?;
    if a.org_id != ctx.org()?.org.id {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

fn can_edit(ctx: &Ctx) -> bool {
    ctx.org
        .as_ref()
        .is_some_and(|o| matches!(rank(o.role), Some(r) if r >= 2))
}

// ---- audits ----

/// An audit request as entered.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct DrawInput {
    /// The seed: a whole number from 0 to 9223372036854775807. The same
    /// seed, size and purchases give the same sample.
    #[serde(default)]
    pub seed: String,
    /// How many purchases to sample (1 to 1000; all if fewer).
    #[serde(default)]
    pub size: String,
    /// Only purchases made in this financial year (`2025/26`); empty for
    /// all.
    #[serde(default)]
    pub year: String,
}

/// Draws a sample with `socval_core::quotes::audit` and records it.
pub(crate) async fn draw(
    state: &AppState,
    ctx: &Ctx,
    input: &DrawInput,
) -> Result<PurchaseAudit, SaveError> {
    let org = ctx.org()?.org.clone();
    let mut errors = FormErrors::default();
    let seed = match input.seed.trim().parse::<i64>() {
        Ok(s) if s >= 0 => Some(s),
        _ if input.seed.trim().is_empty() => {
            errors.add("seed", "Enter a seed: any whole number, kept with the audit so the sample can be drawn again");
            None
        }
        _ => {
            errors.add(
                "seed",
                format!(
                    "Seed must be a whole number from 0 to {}, not {}",
                    i64::MAX,
                    input.seed.trim()
                ),
            );
            None
        }
    };
    let size = match input.size.trim().parse::<usize>() {
        Ok(s) if (1..=1000).contains(&s) => Some(s),
        _ => {
            errors.add("size", "Sample size must be a whole number from 1 to 1000");
            None
        }
    };
    let year = match input.year.trim() {
        "" => None,
        y => match y.parse::<FinancialYear>() {
            Ok(fy) => Some(fy),
            Err(_) => {
                errors.add(
                    "year",
                    format!("Financial year must be written like 2025/26, not {y}"),
                );
                None
            }
        },
    };
    let (Some(seed), Some(size), true) = (seed, size, errors.is_empty()) else {
        return Err(SaveError::Invalid(errors));
    };
    let policy = policy_for(&org);
    let purchases: Vec<Purchase> = state
        .store
        .purchases(org.id)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .filter(|p| year.is_none_or(|y| y.contains(p.purchase_date)))
        .collect();
    let checks = checks(&purchases, &policy);
    let audit = match quotes::audit(&checks, seed as u64, size, policy.assurance, "purchases") {
        Ok(a) => a,
        Err(_) => {
            let within = year.map(|y| format!(" made in {y}")).unwrap_or_default();
            errors.add(
                "year",
                format!(
                    "There are no purchases under {}{within} to audit",
                    Gbp::from_pence(org.small_purchase_threshold_pence).display_pounds()
                ),
            );
            return Err(SaveError::Invalid(errors));
        }
    };
    let ids: HashMap<&str, (i64, i64)> = purchases
        .iter()
        .map(|p| (p.reference.as_str(), (p.id, p.value_pence)))
        .collect();
    let items = audit
        .sample
        .iter()
        .enumerate()
        .map(|(i, c)| PurchaseAuditItem {
            position: i as i64 + 1,
            purchase_id: ids.get(c.purchase_id.as_str()).map(|x| x.0),
            reference: c.purchase_id.clone(),
            value_pence: ids
                .get(c.purchase_id.as_str())
                .map(|x| x.1)
                .unwrap_or_default(),
            compliant: c.compliant,
            reasons: c.reasons.clone(),
        })
        .collect();
    let new = NewPurchaseAudit {
        org_id: org.id,
        seed,
        sample_size: size as i64,
        financial_year: year.map(|y| y.to_string()).unwrap_or_default(),
        threshold_pence: org.small_purchase_threshold_pence,
        population: audit.population as i64,
        compliant: audit.compliant as i64,
        compliance_percent: audit.compliance_percent,
        opinion: socval_store::AuditOpinion::from_core(audit.opinion),
        items,
    };
    state
        .store
        .create_purchase_audit(&ctx.actor()?, state.now(), &new)
        .await
        .map_err(|e| SaveError::App(e.into()))
}

/// A percentage for people: one decimal place (the exact figure is in the
/// API and the audit log).
fn percent_text(p: Decimal) -> String {
    format!("{}%", p.round_dp(1).normalize())
}

/// A fresh seed to suggest: six digits, easy to write down.
fn suggested_seed() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    (u64::from_le_bytes(b) % 900_000 + 100_000).to_string()
}

// ---- pages ----

#[derive(Template)]
#[template(path = "purchases.html")]
struct ListPage {
    page: Page,
    slug: String,
    rows: Vec<Checked>,
    compliant: usize,
    threshold: String,
    can_edit: bool,
    /// What the list is narrowed to (from the annual report's links), if
    /// anything: "small purchases that ... in 2019/20".
    filtered: Option<String>,
}

/// `?year=2019-20&show=compliant`: the purchases a figure of the annual
/// report counts (`show`: all, in-scope, compliant, not-compliant).
#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    show: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let page = org_page(&state, &ctx, "Small purchases")?;
    let mut rows = checked(state.store.purchases(org.id).await?, &policy_for(&org))?;
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
            threshold: Gbp::from_pence(org.small_purchase_threshold_pence).display_pounds(),
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
        threshold: Gbp::from_pence(org.small_purchase_threshold_pence).display_pounds(),
        locations: QuoteLocation::ALL,
    })
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let input = PurchaseInput {
        purchase_date: state.now().date().to_string(),
        ..Default::default()
    };
    let body = form_page(&state, &ctx, None, input, FormErrors::default())?;
    Ok(render(StatusCode::OK, &body))
}

async fn edit_form(
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

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    submit(&state, &ctx, None, pairs).await
}

async fn update(
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
        Gbp::from_pence(*pence).display_pounds()
    }
}

#[derive(Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let p = load(&state, &ctx, &id).await?;
    let row = checked(vec![p], &policy_for(&org))?
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

async fn csv_export(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let rows = checked(state.store.purchases(org.id).await?, &policy_for(&org))?;
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
        percent_text(a.compliance_percent)
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

async fn audits(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let input = DrawInput {
        seed: suggested_seed(),
        size: "10".into(),
        year: String::new(),
    };
    let body = audits_page(&state, &ctx, input, FormErrors::default()).await?;
    Ok(render(StatusCode::OK, &body))
}

async fn draw_form(
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
        Gbp::from_pence(*pence).display_pounds()
    }
}

async fn show_audit(
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
            percent: percent_text(audit.compliance_percent),
            threshold: Gbp::from_pence(audit.threshold_pence).display_pounds(),
            audit,
            can_edit: can_edit(&ctx),
        },
    ))
}

// ---- API ----

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

fn pounds(pence: i64) -> String {
    format!("{:.2}", Gbp::from_pence(pence).amount())
}

impl From<&Checked> for ApiPurchase {
    fn from(c: &Checked) -> Self {
        let p = &c.purchase;
        ApiPurchase {
            id: p.id,
            reference: p.reference.clone(),
            description: p.description.clone(),
            value_gbp: pounds(p.value_pence),
            purchase_date: p.purchase_date.to_string(),
            justification: p.justification.clone(),
            quotes: p
                .quotes
                .iter()
                .map(|q| ApiQuote {
                    supplier: q.supplier.clone(),
                    postcode: q.postcode.clone(),
                    amount_gbp: pounds(q.amount_pence),
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
            threshold_gbp: pounds(a.threshold_pence),
            population: a.population,
            compliant: a.compliant,
            compliance_percent: a.compliance_percent.normalize().to_string(),
            opinion: a.opinion.to_string(),
            sample: a
                .items
                .iter()
                .map(|i| ApiAuditItem {
                    reference: i.reference.clone(),
                    purchase_id: i.purchase_id,
                    value_gbp: pounds(i.value_pence),
                    compliant: i.compliant,
                    reasons: i.reasons.clone(),
                })
                .collect(),
            created_at: a
                .created_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
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
async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ApiPurchase>>, ApiError> {
    let org = ctx.org()?.org.clone();
    let rows = checked(state.store.purchases(org.id).await?, &policy_for(&org))?;
    Ok(Json(rows.iter().map(ApiPurchase::from).collect()))
}

/// One small purchase (viewer, officer, admin).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/purchases/{purchase}",
    params(("org" = String, Path, description = "Organisation slug"), ("purchase" = i64, Path, description = "Purchase id")),
    responses((status = 200, body = ApiPurchase), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn api_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ApiPurchase>, ApiError> {
    let org = ctx.org()?.org.clone();
    let p = load(&state, &ctx, &id).await?;
    let rows = checked(vec![p], &policy_for(&org))?;
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
async fn api_create(
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
            let rows = checked(vec![p], &policy_for(&org))?;
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
async fn api_audits(
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
async fn api_audit(
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
async fn api_draw(
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
    fn postcodes_are_recognised_by_shape() {
        for (input, want) in [
            ("zz1 4ab", Some("ZZ1 4AB")),
            ("ZZ14AB", Some("ZZ1 4AB")),
            ("zz99 9zz", Some("ZZ99 9ZZ")),
            ("EC1A 1BB", Some("EC1A 1BB")),
            ("1ZZ 4AB", None),
            ("ZZ1", None),
            ("ZZ1 4A", None),
            ("ZZZ 4AB", None),
        ] {
            assert_eq!(normalise_postcode(input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn api_fields_name_the_quote() {
        assert_eq!(api_field("amount_2"), "quotes[1].amount");
        assert_eq!(api_field("value"), "value_gbp");
        assert_eq!(api_field("purchase_date"), "purchase_date");
    }
}
