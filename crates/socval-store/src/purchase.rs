//! Small purchases and their sample audits: [`PurchaseStore`] and its row
//! types (its SQL, for both backends, is in `purchase/sql.rs`).
//!
//! A small purchase is one under the organisation's small-purchase
//! threshold, bought after obtaining quotes. The store keeps what the
//! officer recorded; whether it complies is decided by
//! `socval_core::quotes::check`, and audits are drawn by
//! `socval_core::quotes::audit`: the store records their result.

use async_trait::async_trait;
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::error::{Error, Result};
use crate::model::Actor;

mod sql;

/// Where a quoting supplier is: `socval_core::LocationClass`, never
/// `Unknown` for a quote (see [`quote_location`]).
pub use socval_core::LocationClass as QuoteLocation;

/// Reads a quote's location: `local`, `region` or `outside` (a quoting
/// supplier is always placed, so `unknown` is refused).
pub fn quote_location(s: &str) -> Result<QuoteLocation> {
    s.parse::<QuoteLocation>()
        .ok()
        .filter(|l| *l != QuoteLocation::Unknown)
        .ok_or_else(|| Error::Invalid {
            detail: format!("{s:?} is not a supplier location (one of: local, region, outside)"),
        })
}

/// One quote obtained for a purchase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PurchaseQuote {
    /// The quoting supplier's name.
    pub supplier: String,
    /// The supplier's postcode as entered (may be empty).
    pub postcode: String,
    /// The amount quoted, in pence (above zero).
    pub amount_pence: i64,
    /// Where the supplier is.
    pub location: QuoteLocation,
}

/// A small purchase with its quotes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Purchase {
    /// Database id.
    pub id: i64,
    /// The organisation that bought.
    pub org_id: i64,
    /// The officer's reference (order number), unique in the organisation
    /// ignoring case.
    pub reference: String,
    /// What was bought.
    pub description: String,
    /// The purchase's value in pence (above zero).
    pub value_pence: i64,
    /// When it was bought.
    pub purchase_date: Date,
    /// Why no local supplier quoted, when none did.
    pub justification: String,
    /// The quotes, in the order entered.
    pub quotes: Vec<PurchaseQuote>,
    /// Who recorded it (none if recorded at the command line).
    pub created_by: Option<i64>,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A purchase to record, or the new values of one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPurchase {
    /// See [`Purchase::org_id`] (ignored by updates).
    pub org_id: i64,
    /// See [`Purchase::reference`].
    pub reference: String,
    /// See [`Purchase::description`].
    pub description: String,
    /// See [`Purchase::value_pence`].
    pub value_pence: i64,
    /// See [`Purchase::purchase_date`].
    pub purchase_date: Date,
    /// See [`Purchase::justification`].
    pub justification: String,
    /// See [`Purchase::quotes`]: at least one.
    pub quotes: Vec<PurchaseQuote>,
}

/// An assurance opinion: `socval_core::quotes::Opinion`, stored as its
/// `as_str` key.
pub use socval_core::quotes::Opinion as AuditOpinion;

/// Reads a stored opinion column.
pub(crate) fn parse_opinion(s: &str) -> Result<AuditOpinion> {
    AuditOpinion::from_key(s).ok_or_else(|| Error::Invalid {
        detail: format!("{s:?} is not an audit opinion"),
    })
}

/// One purchase of an audit's sample, as it was judged when drawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PurchaseAuditItem {
    /// The order drawn, from 1.
    pub position: i64,
    /// The purchase (none if it has since been deleted).
    pub purchase_id: Option<i64>,
    /// Its reference.
    pub reference: String,
    /// Its value in pence.
    pub value_pence: i64,
    /// Whether it met the quotes rule.
    pub compliant: bool,
    /// Why not, one reason per entry; empty if compliant.
    pub reasons: Vec<String>,
}

/// A recorded sample audit of small purchases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PurchaseAudit {
    /// Database id.
    pub id: i64,
    /// The organisation audited.
    pub org_id: i64,
    /// The seed the sample was drawn with (the same seed, size and
    /// population give the same sample).
    pub seed: i64,
    /// The sample size asked for.
    pub sample_size: i64,
    /// The financial year (`2025/26`) the population was limited to, or
    /// empty for all purchases.
    pub financial_year: String,
    /// The small-purchase threshold in force, in pence.
    pub threshold_pence: i64,
    /// In-scope purchases sampled from.
    pub population: i64,
    /// Compliant purchases in the sample.
    pub compliant: i64,
    /// Compliant ÷ sampled × 100, exact.
    pub compliance_percent: socval_core::Decimal,
    /// The opinion.
    pub opinion: AuditOpinion,
    /// The sample, in the order drawn.
    pub items: Vec<PurchaseAuditItem>,
    /// Who drew it.
    pub created_by: Option<i64>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// An audit to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPurchaseAudit {
    /// See [`PurchaseAudit::org_id`].
    pub org_id: i64,
    /// See [`PurchaseAudit::seed`] (0 or more).
    pub seed: i64,
    /// See [`PurchaseAudit::sample_size`].
    pub sample_size: i64,
    /// See [`PurchaseAudit::financial_year`].
    pub financial_year: String,
    /// See [`PurchaseAudit::threshold_pence`].
    pub threshold_pence: i64,
    /// See [`PurchaseAudit::population`].
    pub population: i64,
    /// See [`PurchaseAudit::compliant`].
    pub compliant: i64,
    /// See [`PurchaseAudit::compliance_percent`].
    pub compliance_percent: socval_core::Decimal,
    /// See [`PurchaseAudit::opinion`].
    pub opinion: AuditOpinion,
    /// See [`PurchaseAudit::items`].
    pub items: Vec<PurchaseAuditItem>,
}

/// Small purchases and their audits. Part of [`crate::Store`]; the
/// contracts listed there apply (audit row in the same transaction as each
/// change, `NotFound` / `Conflict` / `Invalid`).
#[async_trait]
pub trait PurchaseStore: Send + Sync {
    /// Records a purchase with its quotes. `Conflict` if the organisation
    /// already has a purchase with that reference (ignoring case);
    /// `Invalid` if it has no quotes, or a value or amount is not above
    /// zero.
    async fn create_purchase(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewPurchase,
    ) -> Result<Purchase>;
    /// Replaces a purchase's fields and quotes (`new.org_id` is ignored).
    /// Same errors as [`PurchaseStore::create_purchase`], and `NotFound`.
    async fn update_purchase(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
        new: &NewPurchase,
    ) -> Result<Purchase>;
    /// One purchase with its quotes.
    async fn purchase(&self, id: i64) -> Result<Purchase>;
    /// An organisation's purchases with their quotes, newest purchase date
    /// first, then by reference.
    async fn purchases(&self, org_id: i64) -> Result<Vec<Purchase>>;
    /// Records a sample audit with its sample.
    async fn create_purchase_audit(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewPurchaseAudit,
    ) -> Result<PurchaseAudit>;
    /// One audit with its sample.
    async fn purchase_audit(&self, id: i64) -> Result<PurchaseAudit>;
    /// An organisation's audits with their samples, newest first.
    async fn purchase_audits(&self, org_id: i64) -> Result<Vec<PurchaseAudit>>;
}

/// Checks what the schema would also refuse, with messages that say which
/// field.
pub(crate) fn check_purchase(new: &NewPurchase) -> Result<()> {
    let invalid = |detail: String| Err(Error::Invalid { detail });
    if new.reference.trim().is_empty() {
        return invalid("a purchase needs a reference".into());
    }
    if new.value_pence <= 0 {
        return invalid(format!(
            "purchase {}: value must be above £0",
            new.reference.trim()
        ));
    }
    if new.quotes.is_empty() {
        return invalid(format!(
            "purchase {}: record at least one quote",
            new.reference.trim()
        ));
    }
    for (i, q) in new.quotes.iter().enumerate() {
        if q.supplier.trim().is_empty() {
            return invalid(format!("quote {}: the supplier is empty", i + 1));
        }
        if q.amount_pence <= 0 {
            return invalid(format!("quote {}: the amount must be above £0", i + 1));
        }
        if q.location == QuoteLocation::Unknown {
            return invalid(format!(
                "quote {}: the supplier's location is unknown (accepted: local, region, outside)",
                i + 1
            ));
        }
    }
    Ok(())
}
