//! Small purchases and their sample audits: [`PurchaseStore`], its row
//! types, and the `purchase_impl!` macro that implements it once for both
//! backends (in the style of `store_impl!` in `sql.rs`).
//!
//! A small purchase is one under the organisation's small-purchase
//! threshold, bought after obtaining quotes. The store keeps what the
//! officer recorded; whether it complies is decided by
//! `socval_core::quotes::check`, and audits are drawn by
//! `socval_core::quotes::audit`: the store records their result.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::error::{Error, Result};
use crate::model::Actor;

/// Where a quoting supplier is, as `socval_core::quotes` classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteLocation {
    /// In the organisation's own district.
    Local,
    /// In the wider region, not local.
    Region,
    /// Elsewhere.
    Outside,
}

impl QuoteLocation {
    /// Every value, nearest first.
    pub const ALL: &[QuoteLocation] = &[
        QuoteLocation::Local,
        QuoteLocation::Region,
        QuoteLocation::Outside,
    ];

    /// `local`, `region` or `outside`: as stored and as in quotes files.
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteLocation::Local => "local",
            QuoteLocation::Region => "region",
            QuoteLocation::Outside => "outside",
        }
    }

    /// The engine's location.
    pub fn to_core(self) -> socval_core::LocationClass {
        match self {
            QuoteLocation::Local => socval_core::LocationClass::Local,
            QuoteLocation::Region => socval_core::LocationClass::Region,
            QuoteLocation::Outside => socval_core::LocationClass::Outside,
        }
    }
}

impl fmt::Display for QuoteLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for QuoteLocation {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "local" => Ok(QuoteLocation::Local),
            "region" => Ok(QuoteLocation::Region),
            "outside" => Ok(QuoteLocation::Outside),
            _ => Err(Error::Invalid {
                detail: format!(
                    "{s:?} is not a supplier location (one of: local, region, outside)"
                ),
            }),
        }
    }
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

/// An assurance opinion, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOpinion {
    /// Substantial assurance.
    Substantial,
    /// Reasonable assurance.
    Reasonable,
    /// Limited assurance.
    Limited,
    /// No assurance.
    None,
}

impl AuditOpinion {
    /// As stored: `substantial`, `reasonable`, `limited`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOpinion::Substantial => "substantial",
            AuditOpinion::Reasonable => "reasonable",
            AuditOpinion::Limited => "limited",
            AuditOpinion::None => "none",
        }
    }

    /// The engine's opinion as stored.
    pub fn from_core(o: socval_core::quotes::Opinion) -> AuditOpinion {
        use socval_core::quotes::Opinion;
        match o {
            Opinion::Substantial => AuditOpinion::Substantial,
            Opinion::Reasonable => AuditOpinion::Reasonable,
            Opinion::Limited => AuditOpinion::Limited,
            Opinion::NoAssurance => AuditOpinion::None,
        }
    }

    /// For people: "Substantial assurance", ..., "No assurance".
    pub fn label(self) -> &'static str {
        match self {
            AuditOpinion::Substantial => "Substantial assurance",
            AuditOpinion::Reasonable => "Reasonable assurance",
            AuditOpinion::Limited => "Limited assurance",
            AuditOpinion::None => "No assurance",
        }
    }
}

impl fmt::Display for AuditOpinion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuditOpinion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "substantial" => Ok(AuditOpinion::Substantial),
            "reasonable" => Ok(AuditOpinion::Reasonable),
            "limited" => Ok(AuditOpinion::Limited),
            "none" => Ok(AuditOpinion::None),
            _ => Err(Error::Invalid {
                detail: format!("{s:?} is not an audit opinion"),
            }),
        }
    }
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
    }
    Ok(())
}

macro_rules! purchase_cols {
    () => {
        "id, org_id, reference, description, value_pence, purchase_date, justification, created_by, created_at, updated_at"
    };
}
macro_rules! purchase_audit_cols {
    () => {
        "id, org_id, seed, sample_size, financial_year, threshold_pence, population, compliant, compliance_percent, opinion, created_by, created_at"
    };
}

/// Writes `impl PurchaseStore for $store` over sqlx database `$db`; invoke
/// it in a backend module after `store_impl!` (it uses that macro's
/// `write_audit`, `Audit`, `DbRow`, `Conn` and imports).
macro_rules! purchase_impl {
    ($store:ident, $db:ty, $begin:literal) => {
        mod purchase_sql {
            use super::*;
            use crate::purchase::{
                NewPurchase, NewPurchaseAudit, Purchase, PurchaseAudit, PurchaseAuditItem,
                PurchaseQuote, PurchaseStore, check_purchase,
            };

            fn purchase_from_row(r: &DbRow, quotes: Vec<PurchaseQuote>) -> Result<Purchase> {
                Ok(Purchase {
                    id: r.try_get("id")?,
                    org_id: r.try_get("org_id")?,
                    reference: r.try_get("reference")?,
                    description: r.try_get("description")?,
                    value_pence: r.try_get("value_pence")?,
                    purchase_date: r.try_get("purchase_date")?,
                    justification: r.try_get("justification")?,
                    quotes,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            fn audit_row(r: &DbRow, items: Vec<PurchaseAuditItem>) -> Result<PurchaseAudit> {
                let percent: String = r.try_get("compliance_percent")?;
                Ok(PurchaseAudit {
                    id: r.try_get("id")?,
                    org_id: r.try_get("org_id")?,
                    seed: r.try_get("seed")?,
                    sample_size: r.try_get("sample_size")?,
                    financial_year: r.try_get("financial_year")?,
                    threshold_pence: r.try_get("threshold_pence")?,
                    population: r.try_get("population")?,
                    compliant: r.try_get("compliant")?,
                    compliance_percent: percent.parse().map_err(|_| Error::Invalid {
                        detail: format!("stored compliance percentage {percent:?} is not a number"),
                    })?,
                    opinion: r.try_get::<String, _>("opinion")?.parse()?,
                    items,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            /// The quotes of several purchases, by purchase id.
            async fn quotes_of(
                c: &mut Conn,
                ids: &[i64],
            ) -> Result<std::collections::HashMap<i64, Vec<PurchaseQuote>>> {
                let mut out: std::collections::HashMap<i64, Vec<PurchaseQuote>> = Default::default();
                for chunk in ids.chunks(500) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT purchase_id, supplier, postcode, amount_pence, location FROM purchase_quotes WHERE purchase_id IN (",
                    );
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(") ORDER BY purchase_id, position");
                    for r in qb.build().fetch_all(&mut *c).await? {
                        out.entry(r.try_get("purchase_id")?).or_default().push(PurchaseQuote {
                            supplier: r.try_get("supplier")?,
                            postcode: r.try_get("postcode")?,
                            amount_pence: r.try_get("amount_pence")?,
                            location: r.try_get::<String, _>("location")?.parse()?,
                        });
                    }
                }
                Ok(out)
            }

            async fn get_purchase(c: &mut Conn, id: i64) -> Result<Purchase> {
                let row = sqlx::query(concat!("SELECT ", $crate::purchase::purchase_cols!(), " FROM purchases WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *c)
                    .await?
                    .ok_or(Error::NotFound { entity: "purchase" })?;
                let mut quotes = quotes_of(c, &[id]).await?;
                purchase_from_row(&row, quotes.remove(&id).unwrap_or_default())
            }

            async fn insert_quotes(c: &mut Conn, id: i64, quotes: &[PurchaseQuote]) -> Result<()> {
                for (i, q) in quotes.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO purchase_quotes (purchase_id, position, supplier, postcode, amount_pence, location)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(i as i64 + 1)
                    .bind(q.supplier.trim())
                    .bind(q.postcode.trim())
                    .bind(q.amount_pence)
                    .bind(q.location.as_str())
                    .execute(&mut *c)
                    .await?;
                }
                Ok(())
            }

            fn reference_taken(reference: &str) -> impl FnOnce() -> String + '_ {
                move || format!("a purchase with reference {} already exists", reference.trim())
            }

            async fn get_audit(c: &mut Conn, id: i64) -> Result<PurchaseAudit> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    $crate::purchase::purchase_audit_cols!(),
                    " FROM purchase_audits WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
                .ok_or(Error::NotFound { entity: "purchase audit" })?;
                let items = items_of(c, id).await?;
                audit_row(&row, items)
            }

            async fn items_of(c: &mut Conn, audit_id: i64) -> Result<Vec<PurchaseAuditItem>> {
                sqlx::query(
                    "SELECT position, purchase_id, reference, value_pence, compliant, reasons
                     FROM purchase_audit_items WHERE audit_id = $1 ORDER BY position",
                )
                .bind(audit_id)
                .fetch_all(&mut *c)
                .await?
                .iter()
                .map(|r| {
                    let reasons: String = r.try_get("reasons")?;
                    Ok(PurchaseAuditItem {
                        position: r.try_get("position")?,
                        purchase_id: r.try_get("purchase_id")?,
                        reference: r.try_get("reference")?,
                        value_pence: r.try_get("value_pence")?,
                        compliant: r.try_get("compliant")?,
                        reasons: reasons.lines().map(str::to_owned).collect(),
                    })
                })
                .collect()
            }

            #[async_trait]
            impl PurchaseStore for $store {
                async fn create_purchase(
                    &self,
                    actor: &Actor,
                    now: OffsetDateTime,
                    new: &NewPurchase,
                ) -> Result<Purchase> {
                    check_purchase(new)?;
                    let mut tx = self.pool.begin_with($begin).await?;
                    let row = sqlx::query(
                        "INSERT INTO purchases (org_id, reference, description, value_pence, purchase_date, justification, created_by, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                    )
                    .bind(new.org_id)
                    .bind(new.reference.trim())
                    .bind(new.description.trim())
                    .bind(new.value_pence)
                    .bind(new.purchase_date)
                    .bind(new.justification.trim())
                    .bind(actor.user_id)
                    .bind(ts(now))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, reference_taken(&new.reference)))?;
                    let id: i64 = row.try_get("id")?;
                    insert_quotes(&mut tx, id, &new.quotes).await?;
                    let created = get_purchase(&mut tx, id).await?;
                    write_audit(
                        &mut tx,
                        Audit::created(actor, now, Some(created.org_id), "purchase", id, &created),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(created)
                }

                async fn update_purchase(
                    &self,
                    actor: &Actor,
                    now: OffsetDateTime,
                    id: i64,
                    new: &NewPurchase,
                ) -> Result<Purchase> {
                    check_purchase(new)?;
                    let mut tx = self.pool.begin_with($begin).await?;
                    let before = get_purchase(&mut tx, id).await?;
                    sqlx::query(
                        "UPDATE purchases SET reference = $2, description = $3, value_pence = $4, purchase_date = $5,
                         justification = $6, updated_at = $7 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(new.reference.trim())
                    .bind(new.description.trim())
                    .bind(new.value_pence)
                    .bind(new.purchase_date)
                    .bind(new.justification.trim())
                    .bind(ts(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, reference_taken(&new.reference)))?;
                    sqlx::query("DELETE FROM purchase_quotes WHERE purchase_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    insert_quotes(&mut tx, id, &new.quotes).await?;
                    let after = get_purchase(&mut tx, id).await?;
                    write_audit(
                        &mut tx,
                        Audit::updated(actor, now, Some(after.org_id), "purchase", id, &before, &after),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(after)
                }

                async fn purchase(&self, id: i64) -> Result<Purchase> {
                    let mut c = self.pool.acquire().await?;
                    get_purchase(&mut c, id).await
                }

                async fn purchases(&self, org_id: i64) -> Result<Vec<Purchase>> {
                    let mut c = self.pool.acquire().await?;
                    let rows = sqlx::query(concat!(
                        "SELECT ",
                        $crate::purchase::purchase_cols!(),
                        " FROM purchases WHERE org_id = $1 ORDER BY purchase_date DESC, lower(reference), id"
                    ))
                    .bind(org_id)
                    .fetch_all(&mut *c)
                    .await?;
                    let ids: Vec<i64> = rows
                        .iter()
                        .map(|r| r.try_get::<i64, _>("id"))
                        .collect::<Result<_, _>>()?;
                    let mut quotes = quotes_of(&mut c, &ids).await?;
                    rows.iter()
                        .zip(&ids)
                        .map(|(r, id)| purchase_from_row(r, quotes.remove(id).unwrap_or_default()))
                        .collect()
                }

                async fn create_purchase_audit(
                    &self,
                    actor: &Actor,
                    now: OffsetDateTime,
                    new: &NewPurchaseAudit,
                ) -> Result<PurchaseAudit> {
                    if new.seed < 0 || new.sample_size <= 0 {
                        return Err(Error::Invalid {
                            detail: "an audit needs a seed of 0 or more and a sample size of 1 or more"
                                .to_string(),
                        });
                    }
                    let mut tx = self.pool.begin_with($begin).await?;
                    let row = sqlx::query(
                        "INSERT INTO purchase_audits (org_id, seed, sample_size, financial_year, threshold_pence, population,
                         compliant, compliance_percent, opinion, created_by, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                    )
                    .bind(new.org_id)
                    .bind(new.seed)
                    .bind(new.sample_size)
                    .bind(new.financial_year.trim())
                    .bind(new.threshold_pence)
                    .bind(new.population)
                    .bind(new.compliant)
                    .bind(new.compliance_percent.normalize().to_string())
                    .bind(new.opinion.as_str())
                    .bind(actor.user_id)
                    .bind(ts(now))
                    .fetch_one(&mut *tx)
                    .await?;
                    let id: i64 = row.try_get("id")?;
                    for (i, item) in new.items.iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO purchase_audit_items (audit_id, position, purchase_id, reference, value_pence, compliant, reasons)
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(id)
                        .bind(i as i64 + 1)
                        .bind(item.purchase_id)
                        .bind(&item.reference)
                        .bind(item.value_pence)
                        .bind(item.compliant)
                        .bind(item.reasons.join("\n"))
                        .execute(&mut *tx)
                        .await?;
                    }
                    let created = get_audit(&mut tx, id).await?;
                    write_audit(
                        &mut tx,
                        Audit::created(actor, now, Some(created.org_id), "purchase_audit", id, &created),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(created)
                }

                async fn purchase_audit(&self, id: i64) -> Result<PurchaseAudit> {
                    let mut c = self.pool.acquire().await?;
                    get_audit(&mut c, id).await
                }

                async fn purchase_audits(&self, org_id: i64) -> Result<Vec<PurchaseAudit>> {
                    let mut c = self.pool.acquire().await?;
                    let rows = sqlx::query(concat!(
                        "SELECT ",
                        $crate::purchase::purchase_audit_cols!(),
                        " FROM purchase_audits WHERE org_id = $1 ORDER BY id DESC"
                    ))
                    .bind(org_id)
                    .fetch_all(&mut *c)
                    .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let items = items_of(&mut c, r.try_get("id")?).await?;
                        out.push(audit_row(r, items)?);
                    }
                    Ok(out)
                }
            }
        }
    };
}
pub(crate) use {purchase_audit_cols, purchase_cols, purchase_impl};
