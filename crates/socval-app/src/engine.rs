//! What the store keeps, as the engines read it: a stored contract and its
//! return lines as `socval_core::contract`'s, stored purchases as
//! `socval_core::quotes`'s, and the policy an organisation's settings make.

use socval_core::contract;
use socval_core::quotes::{self, PurchaseCheck, Quote};
use socval_core::{FinancialYear, Gbp, Policy};
use socval_store::Organisation;
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

/// The policy an organisation works to: the defaults with its own
/// thresholds (social value in procurements above one, two quotes for
/// small purchases below the other).
pub fn policy_for(org: &Organisation) -> Policy {
    Policy {
        social_value_threshold_gbp: Gbp::from_pence(org.procurement_threshold_pence),
        quotes_threshold_gbp: Gbp::from_pence(org.small_purchase_threshold_pence),
        ..Policy::default()
    }
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
                location: q.location.to_core(),
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
