//! The SQL of [`super::ProcurementStore`] for both backends: procurements
//! here, bids in [`super::bid`], contracts in [`super::contract`].

use async_trait::async_trait;
use socval_core::Decimal;
use time::OffsetDateTime;

use crate::audit::{Audit, write_audit};
use crate::db::{Bind as _, Columns, Conn, Db, SqlStore};
use crate::error::{Error, Result};
use crate::model::*;
use crate::procurement::*;
use crate::procurement::{content_hash, decimal};
use crate::sql::{Sql, conflict, invalid, ts};

use super::bid::*;
use super::contract::*;

const PROCUREMENT_COLS: &str = "id, org_id, reference, title, category, estimated_value_pence, framework_id, valuation_year, \
     contract_years, price_weight, quality_weight, sv_weight, sv_quantitative_share, sv_required, \
     evidence, deadline, state, created_at, updated_at";

static GET_PROCUREMENT: Sql = Sql::new(&[
    "SELECT ",
    PROCUREMENT_COLS,
    " FROM procurements WHERE id = $1",
]);
static PROCUREMENTS: Sql = Sql::new(&[
    "SELECT ",
    PROCUREMENT_COLS,
    " FROM procurements WHERE org_id = $1 ORDER BY id DESC",
]);
static SUPPLIER_PROCUREMENTS: Sql = Sql::new(&[
    "SELECT ",
    PROCUREMENT_COLS,
    " FROM procurements WHERE state <> 'draft' AND id IN
               (SELECT procurement_id FROM procurement_suppliers WHERE supplier_id = $1)
             ORDER BY id DESC",
]);
static SUPPLIER_BID: Sql = Sql::new(&[
    "SELECT ",
    BID_COLS,
    BID_FROM,
    "WHERE b.procurement_id = $1 AND b.supplier_id = $2",
]);
static OPENED_BIDS: Sql = Sql::new(&[
    "SELECT ",
    BID_COLS,
    BID_FROM,
    "WHERE b.procurement_id = $1 ORDER BY b.id",
]);
static COMPLETE_EVALUATION: Sql = Sql::new(&[
    "SELECT ",
    BID_COLS,
    BID_FROM,
    "WHERE b.procurement_id = $1 ORDER BY b.id",
]);
static CONTRACTS: Sql = Sql::new(&[
    "SELECT ",
    CONTRACT_COLS,
    " FROM contracts WHERE org_id = $1 ORDER BY lower(reference), id",
]);
static SUPPLIER_CONTRACTS: Sql = Sql::new(&[
    "SELECT ",
    CONTRACT_COLS,
    " FROM contracts WHERE supplier_id = $1 ORDER BY lower(reference), id",
]);

pub(crate) fn procurement_from_row(r: &impl Columns) -> Result<Procurement> {
    Ok(Procurement {
        id: r.col("id")?,
        org_id: r.col("org_id")?,
        reference: r.col("reference")?,
        title: r.col("title")?,
        category: r.col("category")?,
        estimated_value_pence: r.col("estimated_value_pence")?,
        framework_id: r.col("framework_id")?,
        valuation_year: r.col("valuation_year")?,
        contract_years: r.col("contract_years")?,
        weights: ProcurementWeights {
            price: decimal(&r.col::<String>("price_weight")?)?,
            quality: decimal(&r.col::<String>("quality_weight")?)?,
            social_value: decimal(&r.col::<String>("sv_weight")?)?,
            sv_quantitative_share: decimal(&r.col::<String>("sv_quantitative_share")?)?,
        },
        sv_required: r.col("sv_required")?,
        evidence: r.col::<String>("evidence")?.parse()?,
        deadline: r.col("deadline")?,
        state: r.col::<String>("state")?.parse()?,
        measures: Vec::new(),
        suppliers: Vec::new(),
        created_at: r.col("created_at")?,
        updated_at: r.col("updated_at")?,
    })
}

pub(crate) async fn fill_procurement(c: &mut impl Conn, p: &mut Procurement) -> Result<()> {
    p.measures = sqlx::query(
        "SELECT measure FROM procurement_measures WHERE procurement_id = $1 ORDER BY position",
    )
    .arg(p.id)
    .fetch_all(c.executor())
    .await?
    .iter()
    .map(|r| r.col::<String>("measure"))
    .collect::<Result<_, _>>()?;
    p.suppliers = sqlx::query(
        "SELECT supplier_id FROM procurement_suppliers WHERE procurement_id = $1 ORDER BY supplier_id",
    )
    .arg(p.id)
    .fetch_all(c.executor())
    .await?
    .iter()
    .map(|r| r.col::<i64>("supplier_id"))
    .collect::<Result<_, _>>()?;
    Ok(())
}

pub(crate) async fn get_procurement(c: &mut impl Conn, id: i64) -> Result<Procurement> {
    let row = sqlx::query(GET_PROCUREMENT.get())
        .arg(id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "procurement",
        })?;
    let mut p = procurement_from_row(&row)?;
    fill_procurement(c, &mut p).await?;
    Ok(p)
}

pub(crate) async fn procurement_list(
    c: &mut impl Conn,
    rows: &[impl Columns],
) -> Result<Vec<Procurement>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut p = procurement_from_row(r)?;
        fill_procurement(c, &mut p).await?;
        out.push(p);
    }
    Ok(out)
}

pub(crate) fn check_procurement(new: &NewProcurement) -> Result<()> {
    let w = &new.weights;
    if w.price + w.quality + w.social_value != Decimal::ONE_HUNDRED {
        return invalid(format!(
            "weights: price {} + quality {} + social value {} = {}, not 100",
            w.price,
            w.quality,
            w.social_value,
            w.price + w.quality + w.social_value
        ));
    }
    if [w.price, w.quality, w.social_value]
        .iter()
        .any(|x| x.is_sign_negative() && !x.is_zero())
    {
        return invalid("weights: a weight is negative");
    }
    if w.sv_quantitative_share < Decimal::ZERO || w.sv_quantitative_share > Decimal::ONE {
        return invalid(format!(
            "sv_quantitative_share: {} is not between 0 and 1",
            w.sv_quantitative_share
        ));
    }
    if new.estimated_value_pence <= 0 {
        return invalid("estimated_value: the estimated value must be above £0");
    }
    if !(1..=50).contains(&new.contract_years) {
        return invalid(format!(
            "contract_years: {} is not from 1 to 50",
            new.contract_years
        ));
    }
    if new
        .valuation_year
        .parse::<socval_core::FinancialYear>()
        .is_err()
    {
        return invalid(format!(
            "valuation_year: {:?} is not a financial year like 2025/26",
            new.valuation_year
        ));
    }
    for (field, value) in [
        ("reference", &new.reference),
        ("title", &new.title),
        ("category", &new.category),
    ] {
        if value.trim().is_empty() {
            return invalid(format!("{field}: enter the {field}"));
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for m in &new.measures {
        let m = m.trim().to_ascii_uppercase();
        if m.is_empty() {
            return invalid("measures: a measure code is empty");
        }
        if seen.contains(&m) {
            return invalid(format!("measures: {m} is offered twice"));
        }
        seen.push(m);
    }
    Ok(())
}

/// Writes a procurement's measures and invited suppliers,
/// replacing any there were.
pub(crate) async fn write_lists(
    c: &mut impl Conn,
    id: i64,
    org_id: i64,
    new: &NewProcurement,
) -> Result<()> {
    sqlx::query("DELETE FROM procurement_measures WHERE procurement_id = $1")
        .arg(id)
        .execute(c.executor())
        .await?;
    sqlx::query("DELETE FROM procurement_suppliers WHERE procurement_id = $1")
        .arg(id)
        .execute(c.executor())
        .await?;
    for (i, m) in new.measures.iter().enumerate() {
        sqlx::query("INSERT INTO procurement_measures (procurement_id, position, measure) VALUES ($1, $2, $3)")
            .arg(id)
            .arg(i as i64)
            .arg(m.trim())
            .execute(c.executor())
            .await?;
    }
    let mut suppliers = new.suppliers.clone();
    suppliers.sort_unstable();
    suppliers.dedup();
    for s in suppliers {
        sqlx::query("INSERT INTO procurement_suppliers (procurement_id, org_id, supplier_id) VALUES ($1, $2, $3)")
            .arg(id)
            .arg(org_id)
            .arg(s)
            .execute(c.executor())
            .await
            .map_err(|e| match Error::from(e) {
                Error::Invalid { .. } => Error::Invalid {
                    detail: format!("suppliers: supplier company {s} is not one of this organisation's"),
                },
                other => other,
            })?;
    }
    Ok(())
}

pub(crate) async fn check_framework(
    c: &mut impl Conn,
    framework_id: i64,
    org_id: i64,
) -> Result<()> {
    let row = sqlx::query("SELECT org_id FROM frameworks WHERE id = $1")
        .arg(framework_id)
        .fetch_optional(c.executor())
        .await?;
    match row {
        Some(r) if r.col::<i64>("org_id")? == org_id => Ok(()),
        _ => invalid(format!(
            "framework: framework {framework_id} is not one of this organisation's"
        )),
    }
}

pub(crate) async fn set_state(
    c: &mut impl Conn,
    actor: &Actor,
    now: OffsetDateTime,
    before: &Procurement,
    state: ProcurementState,
) -> Result<Procurement> {
    sqlx::query("UPDATE procurements SET state = $2, updated_at = $3 WHERE id = $1")
        .arg(before.id)
        .arg(state.as_str())
        .arg(ts(now))
        .execute(c.executor())
        .await?;
    let after = get_procurement(c, before.id).await?;
    write_audit(
        c,
        Audit::updated(
            actor,
            now,
            Some(after.org_id),
            "procurement",
            after.id,
            before,
            &after,
        ),
    )
    .await?;
    Ok(after)
}

#[async_trait]
impl<DB: Db> ProcurementStore for SqlStore<DB> {
    async fn create_procurement(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewProcurement,
    ) -> Result<Procurement> {
        check_procurement(new)?;
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        check_framework(&mut tx, new.framework_id, new.org_id).await?;
        let w = &new.weights;
        let row = sqlx::query(
            "INSERT INTO procurements (org_id, reference, title, category, estimated_value_pence, framework_id,
                valuation_year, contract_years, price_weight, quality_weight, sv_weight, sv_quantitative_share,
                sv_required, evidence, deadline, state, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'draft', $16, $17, $17)
             RETURNING id",
        )
        .arg(new.org_id)
        .arg(new.reference.trim())
        .arg(new.title.trim())
        .arg(new.category.trim())
        .arg(new.estimated_value_pence)
        .arg(new.framework_id)
        .arg(new.valuation_year.trim())
        .arg(new.contract_years)
        .arg(w.price.to_string())
        .arg(w.quality.to_string())
        .arg(w.social_value.to_string())
        .arg(w.sv_quantitative_share.to_string())
        .arg(new.sv_required)
        .arg(new.evidence.as_str())
        .arg(ts(new.deadline))
        .arg(actor.user_id)
        .arg(ts(now))
        .fetch_one(tx.executor())
        .await
        .map_err(|e| conflict(e, || {
            format!("reference: this organisation already has a procurement {:?}", new.reference.trim())
        }))?;
        let id: i64 = row.col("id")?;
        write_lists(&mut tx, id, new.org_id, new).await?;
        let p = get_procurement(&mut tx, id).await?;
        write_audit(
            &mut tx,
            Audit::created(actor, now, Some(p.org_id), "procurement", p.id, &p),
        )
        .await?;
        tx.commit().await?;
        Ok(p)
    }

    async fn update_procurement(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
        new: &NewProcurement,
    ) -> Result<Procurement> {
        check_procurement(new)?;
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let before = get_procurement(&mut tx, id).await?;
        if before.state != ProcurementState::Draft {
            return invalid(format!(
                "procurement {} is {}: only a draft can be edited",
                before.reference, before.state
            ));
        }
        check_framework(&mut tx, new.framework_id, before.org_id).await?;
        let w = &new.weights;
        sqlx::query(
            "UPDATE procurements SET reference = $2, title = $3, category = $4, estimated_value_pence = $5,
                framework_id = $6, valuation_year = $7, contract_years = $8, price_weight = $9,
                quality_weight = $10, sv_weight = $11, sv_quantitative_share = $12, sv_required = $13,
                evidence = $14, deadline = $15, updated_at = $16
             WHERE id = $1",
        )
        .arg(id)
        .arg(new.reference.trim())
        .arg(new.title.trim())
        .arg(new.category.trim())
        .arg(new.estimated_value_pence)
        .arg(new.framework_id)
        .arg(new.valuation_year.trim())
        .arg(new.contract_years)
        .arg(w.price.to_string())
        .arg(w.quality.to_string())
        .arg(w.social_value.to_string())
        .arg(w.sv_quantitative_share.to_string())
        .arg(new.sv_required)
        .arg(new.evidence.as_str())
        .arg(ts(new.deadline))
        .arg(ts(now))
        .execute(tx.executor())
        .await
        .map_err(|e| conflict(e, || {
            format!("reference: this organisation already has a procurement {:?}", new.reference.trim())
        }))?;
        write_lists(&mut tx, id, before.org_id, new).await?;
        let after = get_procurement(&mut tx, id).await?;
        write_audit(
            &mut tx,
            Audit::updated(
                actor,
                now,
                Some(after.org_id),
                "procurement",
                id,
                &before,
                &after,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn procurement(&self, id: i64) -> Result<Procurement> {
        let mut c = self.pool.acquire().await?;
        get_procurement(&mut c, id).await
    }

    async fn procurements(&self, org_id: i64) -> Result<Vec<Procurement>> {
        let mut c = self.pool.acquire().await?;
        let rows = sqlx::query(PROCUREMENTS.get())
            .arg(org_id)
            .fetch_all(c.executor())
            .await?;
        procurement_list(&mut c, &rows).await
    }

    async fn supplier_procurements(&self, supplier_id: i64) -> Result<Vec<Procurement>> {
        let mut c = self.pool.acquire().await?;
        let rows = sqlx::query(SUPPLIER_PROCUREMENTS.get())
            .arg(supplier_id)
            .fetch_all(c.executor())
            .await?;
        procurement_list(&mut c, &rows).await
    }

    async fn publish_procurement(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
    ) -> Result<Procurement> {
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let before = get_procurement(&mut tx, id).await?;
        if before.state != ProcurementState::Draft {
            return invalid(format!(
                "procurement {} is {}, not a draft",
                before.reference, before.state
            ));
        }
        if before.deadline <= ts(now) {
            return invalid("deadline: the deadline has passed: set a later one before publishing");
        }
        if before.suppliers.is_empty() {
            return invalid("suppliers: invite at least one supplier company before publishing");
        }
        if before.sv_required && before.measures.is_empty() {
            return invalid(
                "measures: social value is required for this value: offer at least one measure before publishing",
            );
        }
        let after = set_state(&mut tx, actor, now, &before, ProcurementState::Open).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn open_bids(&self, actor: &Actor, now: OffsetDateTime, id: i64) -> Result<Procurement> {
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let before = get_procurement(&mut tx, id).await?;
        if before.state != ProcurementState::Open {
            return invalid(format!(
                "procurement {} is {}, not open",
                before.reference, before.state
            ));
        }
        if ts(now) < before.deadline {
            return invalid("deadline: bids stay sealed until the deadline");
        }
        let after = set_state(&mut tx, actor, now, &before, ProcurementState::Closed).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn cancel_procurement(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
    ) -> Result<Procurement> {
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let before = get_procurement(&mut tx, id).await?;
        if matches!(
            before.state,
            ProcurementState::Awarded | ProcurementState::Cancelled
        ) {
            return invalid(format!(
                "procurement {} is {}: it can no longer be cancelled",
                before.reference, before.state
            ));
        }
        let after = set_state(&mut tx, actor, now, &before, ProcurementState::Cancelled).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn submit_bid(&self, actor: &Actor, now: OffsetDateTime, new: &NewBid) -> Result<Bid> {
        let now = ts(now);
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let p = get_procurement(&mut tx, new.procurement_id).await?;
        check_bid(&p, now, new)?;
        let existing =
            sqlx::query("SELECT id FROM bids WHERE procurement_id = $1 AND supplier_id = $2")
                .arg(p.id)
                .arg(new.supplier_id)
                .fetch_optional(tx.executor())
                .await?;
        if existing.is_some() {
            return Err(Error::Conflict {
                detail: "your company has already submitted a bid: revise it instead".to_owned(),
            });
        }
        let nonce = crate::secret::generate()?;
        let row = sqlx::query(
            "INSERT INTO bids (procurement_id, supplier_id, price_pence, quality_reference, nonce, content_sha256,
                revision, submitted_by, submitted_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, '', 1, $6, $7, $7) RETURNING id",
        )
        .arg(p.id)
        .arg(new.supplier_id)
        .arg(new.price_pence)
        .arg(new.quality_reference.trim())
        .arg(&nonce)
        .arg(actor.user_id)
        .arg(now)
        .fetch_one(tx.executor())
        .await
        .map_err(|e| conflict(e, || "your company has already submitted a bid: revise it instead".to_owned()))?;
        let id: i64 = row.col("id")?;
        let doc = write_bid_content(&mut tx, id, &p, new).await?;
        sqlx::query("UPDATE bids SET content_sha256 = $2 WHERE id = $1")
            .arg(id)
            .arg(content_hash(&nonce, new, doc.as_deref()))
            .execute(tx.executor())
            .await?;
        let bid = get_bid(&mut tx, id).await?;
        // Sealed: the receipt only, never the content.
        write_audit(
            &mut tx,
            Audit::created(actor, now, Some(p.org_id), "bid", id, &bid.receipt()),
        )
        .await?;
        tx.commit().await?;
        Ok(bid)
    }

    async fn revise_bid(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        bid_id: i64,
        new: &NewBid,
    ) -> Result<Bid> {
        let now = ts(now);
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let before = get_bid(&mut tx, bid_id).await?;
        if before.supplier_id != new.supplier_id || before.procurement_id != new.procurement_id {
            return Err(Error::NotFound { entity: "bid" });
        }
        let p = get_procurement(&mut tx, before.procurement_id).await?;
        check_bid(&p, now, new)?;
        let nonce = crate::secret::generate()?;
        sqlx::query(
            "UPDATE bids SET price_pence = $2, quality_reference = $3, nonce = $4, revision = revision + 1,
                submitted_by = $5, updated_at = $6 WHERE id = $1",
        )
        .arg(bid_id)
        .arg(new.price_pence)
        .arg(new.quality_reference.trim())
        .arg(&nonce)
        .arg(actor.user_id)
        .arg(now)
        .execute(tx.executor())
        .await?;
        let doc = write_bid_content(&mut tx, bid_id, &p, new).await?;
        sqlx::query("UPDATE bids SET content_sha256 = $2 WHERE id = $1")
            .arg(bid_id)
            .arg(content_hash(&nonce, new, doc.as_deref()))
            .execute(tx.executor())
            .await?;
        let after = get_bid(&mut tx, bid_id).await?;
        write_audit(
            &mut tx,
            Audit::updated(
                actor,
                now,
                Some(p.org_id),
                "bid",
                bid_id,
                &before.receipt(),
                &after.receipt(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn bid_receipts(&self, procurement_id: i64) -> Result<Vec<BidReceipt>> {
        sqlx::query(
            "SELECT id, procurement_id, supplier_id, submitted_at, updated_at, revision, content_sha256
             FROM bids WHERE procurement_id = $1 ORDER BY id",
        )
        .arg(procurement_id)
        .fetch_all(self.executor())
        .await?
        .iter()
        .map(|r| {
            Ok(BidReceipt {
                bid_id: r.col("id")?,
                procurement_id: r.col("procurement_id")?,
                supplier_id: r.col("supplier_id")?,
                submitted_at: r.col("submitted_at")?,
                updated_at: r.col("updated_at")?,
                revision: r.col("revision")?,
                content_sha256: r.col("content_sha256")?,
            })
        })
        .collect()
    }

    async fn supplier_bid(&self, procurement_id: i64, supplier_id: i64) -> Result<Bid> {
        let mut c = self.pool.acquire().await?;
        let row = sqlx::query(SUPPLIER_BID.get())
            .arg(procurement_id)
            .arg(supplier_id)
            .fetch_optional(c.executor())
            .await?
            .ok_or(Error::NotFound { entity: "bid" })?;
        let mut b = bid_from_row(&row)?;
        fill_bid(&mut c, &mut b).await?;
        Ok(b)
    }

    async fn opened_bids(&self, procurement_id: i64, now: OffsetDateTime) -> Result<Vec<Bid>> {
        let mut c = self.pool.acquire().await?;
        let p = get_procurement(&mut c, procurement_id).await?;
        if !p.bids_open_at(ts(now)) {
            return invalid("bids are sealed until the deadline");
        }
        let rows = sqlx::query(OPENED_BIDS.get())
            .arg(procurement_id)
            .fetch_all(c.executor())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut b = bid_from_row(r)?;
            fill_bid(&mut c, &mut b).await?;
            out.push(b);
        }
        Ok(out)
    }

    async fn bid(&self, bid_id: i64) -> Result<Bid> {
        let mut c = self.pool.acquire().await?;
        get_bid(&mut c, bid_id).await
    }

    async fn bid_document(&self, bid_id: i64) -> Result<(DocumentInfo, Vec<u8>)> {
        let row = sqlx::query(
            "SELECT filename, content_type, size_bytes, sha256, content FROM bid_documents WHERE bid_id = $1",
        )
        .arg(bid_id)
        .fetch_optional(self.executor())
        .await?
        .ok_or(Error::NotFound { entity: "document" })?;
        Ok((
            DocumentInfo {
                filename: row.col("filename")?,
                content_type: row.col("content_type")?,
                size_bytes: row.col("size_bytes")?,
                sha256: row.col("sha256")?,
            },
            row.col("content")?,
        ))
    }

    async fn score_bid(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        bid_id: i64,
        score: &Score,
    ) -> Result<Bid> {
        for (field, v) in [
            ("quality_score", score.quality_score),
            ("sv_qualitative_score", score.sv_qualitative_score),
        ] {
            if v < Decimal::ZERO || v > Decimal::ONE_HUNDRED {
                return invalid(format!("{field}: {v} is not from 0 to 100"));
            }
        }
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let before = get_bid(&mut tx, bid_id).await?;
        let p = get_procurement(&mut tx, before.procurement_id).await?;
        if p.state != ProcurementState::Closed {
            return invalid(format!(
                "procurement {} is {}: scores are entered after the bids are opened and before the evaluation is complete",
                p.reference,
                p.state_at(ts(now))
            ));
        }
        sqlx::query("DELETE FROM bid_scores WHERE bid_id = $1")
            .arg(bid_id)
            .execute(tx.executor())
            .await?;
        sqlx::query(
            "INSERT INTO bid_scores (bid_id, quality_score, sv_qualitative_score, comment, scored_by, scored_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .arg(bid_id)
        .arg(score.quality_score.to_string())
        .arg(score.sv_qualitative_score.to_string())
        .arg(score.comment.trim())
        .arg(actor.user_id)
        .arg(ts(now))
        .execute(tx.executor())
        .await?;
        let after = get_bid(&mut tx, bid_id).await?;
        write_audit(
            &mut tx,
            Audit::created_or_updated(
                actor,
                now,
                Some(p.org_id),
                "bid_score",
                bid_id,
                before.score.as_ref(),
                after.score.as_ref(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn complete_evaluation(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        procurement_id: i64,
        ranked: &[Ranked],
    ) -> Result<Procurement> {
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let before = get_procurement(&mut tx, procurement_id).await?;
        if before.state != ProcurementState::Closed {
            return invalid(format!(
                "procurement {} is {}: open the bids and score them first",
                before.reference, before.state
            ));
        }
        let bids = sqlx::query(COMPLETE_EVALUATION.get())
            .arg(procurement_id)
            .fetch_all(tx.executor())
            .await?
            .iter()
            .map(bid_from_row)
            .collect::<Result<Vec<_>>>()?;
        if bids.is_empty() {
            return invalid("there are no bids to evaluate: cancel the procurement instead");
        }
        if let Some(b) = bids.iter().find(|b| b.score.is_none()) {
            return invalid(format!(
                "bid {} has no scores yet: score every bid first",
                b.id
            ));
        }
        if ranked.len() != bids.len()
            || bids
                .iter()
                .any(|b| ranked.iter().filter(|r| r.bid_id == b.id).count() != 1)
        {
            return invalid("ranked: the ranking must name every bid once");
        }
        for r in ranked {
            if r.rank < 1 {
                return invalid("ranked: ranks start at 1");
            }
            sqlx::query("UPDATE bid_scores SET rank = $2, total_score = $3 WHERE bid_id = $1")
                .arg(r.bid_id)
                .arg(r.rank)
                .arg(r.total_score.to_string())
                .execute(tx.executor())
                .await?;
        }
        let after = set_state(&mut tx, actor, now, &before, ProcurementState::Evaluated).await?;
        write_audit(
            &mut tx,
            Audit::created(
                actor,
                now,
                Some(after.org_id),
                "evaluation",
                procurement_id,
                &ranked,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn award(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        procurement_id: i64,
        award: &Award,
    ) -> Result<Contract> {
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let before = get_procurement(&mut tx, procurement_id).await?;
        if before.state != ProcurementState::Evaluated {
            return invalid(format!(
                "procurement {} is {}: complete the evaluation before the award",
                before.reference, before.state
            ));
        }
        let bid = get_bid(&mut tx, award.bid_id).await?;
        if bid.procurement_id != procurement_id {
            return Err(Error::NotFound { entity: "bid" });
        }
        if bid.rank != Some(1) {
            return invalid(format!(
                "bid: bid {} is ranked {}, not first: the award goes to a bid ranked first",
                bid.id,
                bid.rank
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "nowhere".into())
            ));
        }
        let reference = if award.contract_reference.trim().is_empty() {
            before.reference.clone()
        } else {
            award.contract_reference.trim().to_owned()
        };
        let new = NewContract {
            org_id: before.org_id,
            supplier_id: bid.supplier_id,
            reference,
            title: before.title.clone(),
            category: before.category.clone(),
            value_pence: bid.price_pence,
            start: award.start,
            years: before.contract_years,
            framework_id: Some(before.framework_id),
            valuation_year: before.valuation_year.clone(),
            evidence: before.evidence,
            commitments: bid
                .commitments
                .iter()
                .map(|c| ContractCommitment {
                    measure: c.measure.clone(),
                    contract_year: c.contract_year,
                    units: c.units,
                    quarters: None,
                })
                .collect(),
        };
        let contract = insert_contract(
            &mut tx,
            actor,
            now,
            &new,
            Some(procurement_id),
            Some(bid.id),
        )
        .await?;
        set_state(&mut tx, actor, now, &before, ProcurementState::Awarded).await?;
        tx.commit().await?;
        Ok(contract)
    }

    async fn create_contract(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewContract,
    ) -> Result<Contract> {
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let contract = insert_contract(&mut tx, actor, now, new, None, None).await?;
        tx.commit().await?;
        Ok(contract)
    }

    async fn contract(&self, id: i64) -> Result<Contract> {
        let mut c = self.pool.acquire().await?;
        get_contract(&mut c, id).await
    }

    async fn contracts(&self, org_id: i64) -> Result<Vec<Contract>> {
        let mut c = self.pool.acquire().await?;
        let rows = sqlx::query(CONTRACTS.get())
            .arg(org_id)
            .fetch_all(c.executor())
            .await?;
        contract_list(&mut c, &rows).await
    }

    async fn supplier_contracts(&self, supplier_id: i64) -> Result<Vec<Contract>> {
        let mut c = self.pool.acquire().await?;
        let rows = sqlx::query(SUPPLIER_CONTRACTS.get())
            .arg(supplier_id)
            .fetch_all(c.executor())
            .await?;
        contract_list(&mut c, &rows).await
    }
}
