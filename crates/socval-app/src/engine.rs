//! What the store keeps, as the engines read it: a stored contract and its
//! return lines as `socval_core::contract`'s, stored purchases as
//! `socval_core::quotes`'s, and the policy an organisation's settings make.

use socval_core::contract;
use socval_core::quotes::{self, PurchaseCheck, Quote};
use socval_core::{FinancialYear, Gbp, Policy};
use socval_store::{Actor, NewOrganisation, Organisation, Store};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use socval_store::delivery::{LineFact, LineStatus};
use socval_store::procurement::Contract;
use socval_store::purchase::Purchase;

/// The engine's contract for a stored one, `supplier` named. `Err` says
/// why it cannot be valued (a valuation year that does not parse).
pub fn contract(k: &Contract, supplier: &str) -> Result<contract::Contract, String> {
    let year: FinancialYear = k.valuation_year.parse().map_err(|_| {
        format!(
            "contract {} has valuation year {:?}, not a financial year like 2025/26",
            k.reference, k.valuation_year
        )
    })?;
    Ok(contract::Contract {
        title: k.title.clone(),
        supplier: supplier.to_owned(),
        start: k.start,
        years: u32::try_from(k.years).unwrap_or(0),
        framework: k.framework_id.map(|i| i.to_string()).unwrap_or_default(),
        year,
        commitments: k
            .commitments
            .iter()
            .enumerate()
            .map(|(i, c)| contract::ContractCommitment {
                measure: c.measure.clone(),
                contract_year: u32::try_from(c.contract_year).unwrap_or(0),
                units: c.units,
                quarters: c.quarters,
                line: i as u64 + 1,
            })
            .collect(),
    })
}

/// The engine's return for a stored line (rejected lines are left out by
/// callers: they are neither delivered nor awaiting review).
pub fn delivery_return(l: &LineFact) -> contract::DeliveryReturn {
    contract::DeliveryReturn {
        measure: l.measure.clone(),
        contract_year: u32::try_from(l.contract_year).unwrap_or(0),
        quarter: u32::try_from(l.quarter).unwrap_or(0),
        units: l.units,
        verified: l.status == LineStatus::Verified,
        line: 0,
    }
}

/// The policy an organisation works to: its own policy file when it gave
/// one (`socval admin set-policy`), else the built-in policy with its two
/// thresholds (social value in procurements above one, quotes for small
/// purchases below the other).
///
/// Returns [`Error::Stored`] if the stored file no longer reads (it was
/// checked when it was set; a later version of socval may read it
/// differently), naming the organisation and the line.
pub fn policy_of(org: &Organisation) -> Result<Policy> {
    let base = match &org.policy_toml {
        Some(text) => Policy::from_toml(text, &policy_file_name(org))
            .map_err(|e| Error::Stored(format!("{e} (set the policy again)")))?,
        None => Policy::default(),
    };
    Ok(Policy {
        social_value_threshold_gbp: Gbp::from_pence(org.procurement_threshold_pence),
        quotes_threshold_gbp: Gbp::from_pence(org.small_purchase_threshold_pence),
        ..base
    })
}

/// How a stored policy is named in messages.
fn policy_file_name(org: &Organisation) -> String {
    format!("the policy of {}", org.slug)
}

/// Sets (`Some`) or removes (`None`) an organisation's own policy file,
/// audited as a change of the organisation. The file is read as
/// `Policy::from_toml` reads any policy file (named `file` in errors);
/// its two thresholds become the organisation's.
///
/// Returns an error naming the file, line and value for a policy that does
/// not read, or a threshold with a fraction of a penny; nothing is changed
/// then.
pub async fn set_policy(
    store: &dyn Store,
    actor: &Actor,
    now: OffsetDateTime,
    org: &Organisation,
    policy: Option<(&str, &str)>,
) -> Result<(Organisation, Policy)> {
    let mut new = NewOrganisation::from_existing(org);
    let parsed = match policy {
        Some((text, file)) => {
            let p = Policy::from_toml(text, file)?;
            let pence = |g: Gbp, key: &str| {
                g.to_pence().ok_or_else(|| {
                    Error::Core(socval_core::Error::Invalid {
                        file: file.to_string(),
                        line: None,
                        message: format!(
                            "{key} {} has a fraction of a penny (accepted: pounds and pence)",
                            g.amount()
                        ),
                    })
                })
            };
            new.procurement_threshold_pence =
                pence(p.social_value_threshold_gbp, "social_value_threshold_gbp")?;
            new.small_purchase_threshold_pence =
                pence(p.quotes_threshold_gbp, "quotes_threshold_gbp")?;
            new.policy_toml = Some(text.to_string());
            p
        }
        None => {
            let defaults = NewOrganisation::new(&org.slug, &org.name, org.kind);
            new.procurement_threshold_pence = defaults.procurement_threshold_pence;
            new.small_purchase_threshold_pence = defaults.small_purchase_threshold_pence;
            new.policy_toml = None;
            Policy::default()
        }
    };
    let updated = store.update_organisation(actor, now, org.id, &new).await?;
    Ok((updated, parsed))
}

/// The engine's quotes for stored purchases (the purchase's justification
/// goes with each of its quotes).
fn quotes_of(purchases: &[Purchase]) -> Vec<Quote> {
    purchases
        .iter()
        .flat_map(|p| {
            p.quotes.iter().map(move |q| Quote {
                purchase_id: p.reference.clone(),
                purchase_value: Gbp::from_pence(p.value_pence),
                supplier: q.supplier.clone(),
                location: q.location,
                amount: Gbp::from_pence(q.amount_pence),
                justification: p.justification.clone(),
                line: 0,
            })
        })
        .collect()
}

/// The quotes rule applied to each purchase, by `socval_core::quotes::check`,
/// in the order given. Every stored purchase has at least one quote, so
/// every purchase has its check.
pub fn purchase_checks(purchases: &[Purchase], policy: &Policy) -> Vec<PurchaseCheck> {
    quotes::check(&quotes_of(purchases), policy)
}
