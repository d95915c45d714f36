//! A procurement, an award and a store's refusal as the forms and the API
//! give them: each problem on its field.

use std::str::FromStr;

use socval_core::{Decimal, FinancialYear, Gbp, Policy};
use socval_store::procurement::{Award, Evidence, NewProcurement, Procurement, ProcurementWeights};
use socval_store::{FrameworkRecord, Organisation, Supplier};
use time::OffsetDateTime;

use crate::error::AppError;
use crate::html::FormErrors;
use crate::limit::MAX_SHORT_TEXT;
use crate::state::AppState;

pub(crate) use socval_app::engine::policy_for;

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

/// The first value of form field `name` (empty if the form has none).
pub(crate) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

impl ProcurementInput {
    pub(crate) fn from_pairs(pairs: &[(String, String)]) -> ProcurementInput {
        let one = |k: &str| field(pairs, k).to_owned();
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
    pub(crate) fn defaults(policy: &Policy) -> ProcurementInput {
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

    pub(crate) fn from_procurement(p: &Procurement) -> ProcurementInput {
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
/// suppliers and policy. Every problem is reported on its field, in the
/// form's order.
pub(crate) async fn parse_procurement(
    state: &AppState,
    org: &Organisation,
    input: &ProcurementInput,
) -> Result<NewProcurement, FormErrors> {
    let policy = policy_for(org);
    let mut errors = FormErrors::default();
    check_texts(&mut errors, input);
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
    let value = positive_pence(
        &mut errors,
        ("estimated_value", "Estimated value"),
        &input.estimated_value,
        "250,000",
        "250,000.00",
    );
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
    let weights = parse_weights(&mut errors, input);
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
    let (year, measures) = parse_framework(state, org, input, &mut errors).await?;
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
    let suppliers = parse_suppliers(state, org, input, &mut errors).await?;
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
        weights,
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

/// The reference and title: given, and not too long.
fn check_texts(errors: &mut FormErrors, input: &ProcurementInput) {
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
}

/// An amount typed in `field` (named `label` in messages), in pence:
/// more than £0, in pounds and pence. `like` shows how to type one and
/// `like_pence` one with pence.
pub(crate) fn positive_pence(
    errors: &mut FormErrors,
    (field, label): (&'static str, &str),
    text: &str,
    like: &str,
    like_pence: &str,
) -> i64 {
    match Gbp::parse(text) {
        Ok(v) if v > Gbp::ZERO => match v.to_pence() {
            Some(p) => p,
            None => {
                errors.add(
                    field,
                    format!("{label} must be in pounds and pence, for example {like_pence}"),
                );
                0
            }
        },
        Ok(_) => {
            errors.add(field, format!("{label} must be more than £0"));
            0
        }
        Err(e) => {
            errors.add(
                field,
                format!(
                    "{label} {:?} is not an amount of money ({}): enter it like {like}",
                    text.trim(),
                    e.reason
                ),
            );
            0
        }
    }
}

/// The four weights, each a percentage; price, quality and social value
/// add up to 100.
fn parse_weights(errors: &mut FormErrors, input: &ProcurementInput) -> ProcurementWeights {
    let mut weight =
        |field: &'static str, label: &str, text: &str| match Decimal::from_str(text.trim())
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
        };
    let price = weight("price_weight", "Price weight", &input.price_weight);
    let quality = weight("quality_weight", "Quality weight", &input.quality_weight);
    let sv = weight("sv_weight", "Social value weight", &input.sv_weight);
    let share = weight(
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
    ProcurementWeights {
        price,
        quality,
        social_value: sv,
        sv_quantitative_share: (share / Decimal::ONE_HUNDRED).normalize(),
    }
}

/// The valuation year and measures, checked against the chosen framework
/// of the organisation's.
async fn parse_framework(
    state: &AppState,
    org: &Organisation,
    input: &ProcurementInput,
    errors: &mut FormErrors,
) -> Result<(String, Vec<String>), FormErrors> {
    let frameworks = state.store.frameworks(org.id).await.map_err(server_error)?;
    let rec: Option<FrameworkRecord> = input
        .framework
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| frameworks.into_iter().find(|f| f.id == id));
    let mut measures = Vec::new();
    let mut year = String::new();
    let Some(rec) = rec else {
        errors.add(
            "framework",
            "Select the framework to value commitments with",
        );
        return Ok((year, measures));
    };
    let Ok(fw) = crate::framework::parsed(&rec).await else {
        errors.add(
            "framework",
            "That framework can no longer be read: import it again",
        );
        return Ok((year, measures));
    };
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
    Ok((year, measures))
}

/// The invited suppliers: the organisation's supplier companies, each once.
async fn parse_suppliers(
    state: &AppState,
    org: &Organisation,
    input: &ProcurementInput,
    errors: &mut FormErrors,
) -> Result<Vec<i64>, FormErrors> {
    let org_suppliers: Vec<Supplier> = state.store.suppliers(org.id).await.map_err(server_error)?;
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
    Ok(suppliers)
}

fn server_error(e: socval_store::Error) -> FormErrors {
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

/// Reads `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<time::Date> {
    socval_core::contract::parse_date(text)
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
