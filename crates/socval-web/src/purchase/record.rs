//! A small purchase and a sample audit as entered, checked and recorded:
//! what the pages and the API share.

use std::collections::HashMap;

use serde::Deserialize;
use socval_core::quotes::{self, PurchaseCheck};
use socval_core::{FinancialYear, Gbp, Policy};
use socval_store::{
    NewPurchase, NewPurchaseAudit, Organisation, Purchase, PurchaseAudit, PurchaseAuditItem,
    PurchaseQuote, Role,
};
use time::Date;
use utoipa::ToSchema;

use crate::auth::{Ctx, at_least};
use crate::error::AppError;
use crate::format::pounds_pence;
use crate::html::FormErrors;
use crate::limit::too_long;
use crate::state::AppState;

/// Quote rows on the form.
pub(crate) const QUOTE_ROWS: usize = 4;
/// The form's field ids for each quote row: supplier, postcode, amount,
/// location.
pub(crate) const QUOTE_FIELDS: [[&str; 4]; QUOTE_ROWS] = [
    ["supplier_1", "postcode_1", "amount_1", "location_1"],
    ["supplier_2", "postcode_2", "amount_2", "location_2"],
    ["supplier_3", "postcode_3", "amount_3", "location_3"],
    ["supplier_4", "postcode_4", "amount_4", "location_4"],
];

pub(crate) use socval_app::engine::{policy_of, purchase_checks as checks};

/// A purchase with the engine's verdict.
pub(crate) struct Checked {
    pub purchase: Purchase,
    pub check: PurchaseCheck,
}

impl Checked {
    pub(crate) fn value(&self) -> String {
        pounds_pence(self.purchase.value_pence)
    }
}

pub(crate) fn checked(purchases: Vec<Purchase>, policy: &Policy) -> Result<Vec<Checked>, AppError> {
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
    pub(crate) fn from_form(pairs: Vec<(String, String)>) -> PurchaseInput {
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

    pub(crate) fn of(p: &Purchase) -> PurchaseInput {
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

pub(crate) fn pad(quotes: &mut Vec<QuoteInput>) {
    while quotes.len() < QUOTE_ROWS {
        quotes.push(QuoteInput::default());
    }
}

/// Reads an amount of money: above zero and a whole number of pence.
pub(crate) fn money(text: &str, what: &str) -> Result<i64, String> {
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
    let purchase_date = purchase_date(&mut errors, &input.purchase_date, today);
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
        if let Some(quote) = quote(&mut errors, i, q) {
            quotes.push(quote);
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

/// The date of purchase: a real date, today or earlier.
fn purchase_date(errors: &mut FormErrors, text: &str, today: Date) -> Option<Date> {
    match socval_core::contract::parse_date(text).ok_or(()) {
        Ok(d) if d > today => {
            errors.add(
                "purchase_date",
                "Date of purchase must be today or in the past",
            );
            None
        }
        Ok(d) => Some(d),
        Err(_) if text.trim().is_empty() => {
            errors.add("purchase_date", "Enter the date of purchase");
            None
        }
        Err(_) => {
            errors.add(
                "purchase_date",
                format!(
                    "Date of purchase must be a real date from 1990 onwards written as year-month-day, such as 2025-06-30, not {}",
                    text.trim()
                ),
            );
            None
        }
    }
}

/// Quote row `i` (not empty), checked; `None` if any of it is wrong.
fn quote(errors: &mut FormErrors, i: usize, q: &QuoteInput) -> Option<PurchaseQuote> {
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
    let location = match socval_store::quote_location(q.location.trim()) {
        Ok(l) => Some(l),
        Err(_) => {
            errors.add(
                fields[3],
                format!(
                    "Quote {n}: select where the supplier is: local, the wider region, or outside"
                ),
            );
            None
        }
    };
    Some(PurchaseQuote {
        supplier: supplier.to_owned(),
        postcode: postcode?,
        amount_pence: amount?,
        location: location?,
    })
}

/// Field ids of quote row `i` (rows past the form's four share the last
/// row's ids: only the API sends that many).
pub(crate) fn field_ids(i: usize) -> [&'static str; 4] {
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
pub(crate) async fn load_audit(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<PurchaseAudit, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let a = state.store.purchase_audit(id).await?;
    if a.org_id != ctx.org()?.org.id {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

pub(crate) fn can_edit(ctx: &Ctx) -> bool {
    ctx.org
        .as_ref()
        .is_some_and(|o| at_least(o.role, Role::Officer))
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
    let policy = policy_of(&org).map_err(AppError::from)?;
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
                    pounds_pence(org.small_purchase_threshold_pence)
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
        opinion: audit.opinion,
        items,
    };
    state
        .store
        .create_purchase_audit(&ctx.actor()?, state.now(), &new)
        .await
        .map_err(|e| SaveError::App(e.into()))
}

/// A fresh seed to suggest: six digits, easy to write down.
pub(crate) fn suggested_seed() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    (u64::from_le_bytes(b) % 900_000 + 100_000).to_string()
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
}
