//! The SQL of [`super::PurchaseStore`], for both backends.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::audit::{Audit, write_audit};
use crate::db::{Bind as _, Columns, Conn, Db, PushBind as _, SqlStore};
use crate::error::{Error, Result};
use crate::model::*;
use crate::purchase::{
    NewPurchase, NewPurchaseAudit, Purchase, PurchaseAudit, PurchaseAuditItem, PurchaseQuote,
    PurchaseStore, check_purchase,
};
use crate::sql::{Sql, conflict, ts};

const PURCHASE_COLS: &str = "id, org_id, reference, description, value_pence, purchase_date, justification, created_by, created_at, updated_at";
const PURCHASE_AUDIT_COLS: &str = "id, org_id, seed, sample_size, financial_year, threshold_pence, population, compliant, compliance_percent, opinion, created_by, created_at";

static GET_PURCHASE: Sql = Sql::new(&["SELECT ", PURCHASE_COLS, " FROM purchases WHERE id = $1"]);
static GET_AUDIT: Sql = Sql::new(&[
    "SELECT ",
    PURCHASE_AUDIT_COLS,
    " FROM purchase_audits WHERE id = $1",
]);
static PURCHASES: Sql = Sql::new(&[
    "SELECT ",
    PURCHASE_COLS,
    " FROM purchases WHERE org_id = $1 ORDER BY purchase_date DESC, lower(reference), id",
]);
static PURCHASE_AUDITS: Sql = Sql::new(&[
    "SELECT ",
    PURCHASE_AUDIT_COLS,
    " FROM purchase_audits WHERE org_id = $1 ORDER BY id DESC",
]);

fn purchase_from_row(r: &impl Columns, quotes: Vec<PurchaseQuote>) -> Result<Purchase> {
    Ok(Purchase {
        id: r.col("id")?,
        org_id: r.col("org_id")?,
        reference: r.col("reference")?,
        description: r.col("description")?,
        value_pence: r.col("value_pence")?,
        purchase_date: r.col("purchase_date")?,
        justification: r.col("justification")?,
        quotes,
        created_by: r.col("created_by")?,
        created_at: r.col("created_at")?,
        updated_at: r.col("updated_at")?,
    })
}

fn audit_row(r: &impl Columns, items: Vec<PurchaseAuditItem>) -> Result<PurchaseAudit> {
    let percent: String = r.col("compliance_percent")?;
    Ok(PurchaseAudit {
        id: r.col("id")?,
        org_id: r.col("org_id")?,
        seed: r.col("seed")?,
        sample_size: r.col("sample_size")?,
        financial_year: r.col("financial_year")?,
        threshold_pence: r.col("threshold_pence")?,
        population: r.col("population")?,
        compliant: r.col("compliant")?,
        compliance_percent: percent.parse().map_err(|_| Error::Invalid {
            detail: format!("stored compliance percentage {percent:?} is not a number"),
        })?,
        opinion: super::parse_opinion(&r.col::<String>("opinion")?)?,
        items,
        created_by: r.col("created_by")?,
        created_at: r.col("created_at")?,
    })
}

/// The quotes of several purchases, by purchase id.
async fn quotes_of<C: Conn>(
    c: &mut C,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<PurchaseQuote>>> {
    let mut out: std::collections::HashMap<i64, Vec<PurchaseQuote>> = Default::default();
    for chunk in ids.chunks(500) {
        let mut qb = sqlx::QueryBuilder::<C::Db>::new(
            "SELECT purchase_id, supplier, postcode, amount_pence, location FROM purchase_quotes WHERE purchase_id IN (",
        );
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.arg(*id);
        }
        qb.push(") ORDER BY purchase_id, position");
        for r in qb.build().fetch_all(c.executor()).await? {
            out.entry(r.col("purchase_id")?)
                .or_default()
                .push(PurchaseQuote {
                    supplier: r.col("supplier")?,
                    postcode: r.col("postcode")?,
                    amount_pence: r.col("amount_pence")?,
                    location: super::quote_location(&r.col::<String>("location")?)?,
                });
        }
    }
    Ok(out)
}

async fn get_purchase(c: &mut impl Conn, id: i64) -> Result<Purchase> {
    let row = sqlx::query(GET_PURCHASE.get())
        .arg(id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound { entity: "purchase" })?;
    let mut quotes = quotes_of(c, &[id]).await?;
    purchase_from_row(&row, quotes.remove(&id).unwrap_or_default())
}

async fn insert_quotes(c: &mut impl Conn, id: i64, quotes: &[PurchaseQuote]) -> Result<()> {
    for (i, q) in quotes.iter().enumerate() {
        sqlx::query(
            "INSERT INTO purchase_quotes (purchase_id, position, supplier, postcode, amount_pence, location)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .arg(id)
        .arg(i as i64 + 1)
        .arg(q.supplier.trim())
        .arg(q.postcode.trim())
        .arg(q.amount_pence)
        .arg(q.location.as_str())
        .execute(c.executor())
        .await?;
    }
    Ok(())
}

fn reference_taken(reference: &str) -> impl FnOnce() -> String + '_ {
    move || {
        format!(
            "a purchase with reference {} already exists",
            reference.trim()
        )
    }
}

async fn get_audit(c: &mut impl Conn, id: i64) -> Result<PurchaseAudit> {
    let row = sqlx::query(GET_AUDIT.get())
        .arg(id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "purchase audit",
        })?;
    let items = items_of(c, id).await?;
    audit_row(&row, items)
}

async fn items_of(c: &mut impl Conn, audit_id: i64) -> Result<Vec<PurchaseAuditItem>> {
    sqlx::query(
        "SELECT position, purchase_id, reference, value_pence, compliant, reasons
         FROM purchase_audit_items WHERE audit_id = $1 ORDER BY position",
    )
    .arg(audit_id)
    .fetch_all(c.executor())
    .await?
    .iter()
    .map(|r| {
        let reasons: String = r.col("reasons")?;
        Ok(PurchaseAuditItem {
            position: r.col("position")?,
            purchase_id: r.col("purchase_id")?,
            reference: r.col("reference")?,
            value_pence: r.col("value_pence")?,
            compliant: r.col("compliant")?,
            reasons: reasons.lines().map(str::to_owned).collect(),
        })
    })
    .collect()
}

#[async_trait]
impl<DB: Db> PurchaseStore for SqlStore<DB> {
    async fn create_purchase(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewPurchase,
    ) -> Result<Purchase> {
        check_purchase(new)?;
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let row = sqlx::query(
            "INSERT INTO purchases (org_id, reference, description, value_pence, purchase_date, justification, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .arg(new.org_id)
        .arg(new.reference.trim())
        .arg(new.description.trim())
        .arg(new.value_pence)
        .arg(new.purchase_date)
        .arg(new.justification.trim())
        .arg(actor.user_id)
        .arg(ts(now))
        .fetch_one(tx.executor())
        .await
        .map_err(|e| conflict(e, reference_taken(&new.reference)))?;
        let id: i64 = row.col("id")?;
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
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let before = get_purchase(&mut tx, id).await?;
        sqlx::query(
            "UPDATE purchases SET reference = $2, description = $3, value_pence = $4, purchase_date = $5,
             justification = $6, updated_at = $7 WHERE id = $1",
        )
        .arg(id)
        .arg(new.reference.trim())
        .arg(new.description.trim())
        .arg(new.value_pence)
        .arg(new.purchase_date)
        .arg(new.justification.trim())
        .arg(ts(now))
        .execute(tx.executor())
        .await
        .map_err(|e| conflict(e, reference_taken(&new.reference)))?;
        sqlx::query("DELETE FROM purchase_quotes WHERE purchase_id = $1")
            .arg(id)
            .execute(tx.executor())
            .await?;
        insert_quotes(&mut tx, id, &new.quotes).await?;
        let after = get_purchase(&mut tx, id).await?;
        write_audit(
            &mut tx,
            Audit::updated(
                actor,
                now,
                Some(after.org_id),
                "purchase",
                id,
                &before,
                &after,
            ),
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
        let rows = sqlx::query(PURCHASES.get())
            .arg(org_id)
            .fetch_all(c.executor())
            .await?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| r.col::<i64>("id"))
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
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let row = sqlx::query(
            "INSERT INTO purchase_audits (org_id, seed, sample_size, financial_year, threshold_pence, population,
             compliant, compliance_percent, opinion, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .arg(new.org_id)
        .arg(new.seed)
        .arg(new.sample_size)
        .arg(new.financial_year.trim())
        .arg(new.threshold_pence)
        .arg(new.population)
        .arg(new.compliant)
        .arg(new.compliance_percent.normalize().to_string())
        .arg(new.opinion.as_str())
        .arg(actor.user_id)
        .arg(ts(now))
        .fetch_one(tx.executor())
        .await?;
        let id: i64 = row.col("id")?;
        for (i, item) in new.items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO purchase_audit_items (audit_id, position, purchase_id, reference, value_pence, compliant, reasons)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .arg(id)
            .arg(i as i64 + 1)
            .arg(item.purchase_id)
            .arg(&item.reference)
            .arg(item.value_pence)
            .arg(item.compliant)
            .arg(item.reasons.join("\n"))
            .execute(tx.executor())
            .await?;
        }
        let created = get_audit(&mut tx, id).await?;
        write_audit(
            &mut tx,
            Audit::created(
                actor,
                now,
                Some(created.org_id),
                "purchase_audit",
                id,
                &created,
            ),
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
        let rows = sqlx::query(PURCHASE_AUDITS.get())
            .arg(org_id)
            .fetch_all(c.executor())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let items = items_of(&mut c, r.col("id")?).await?;
            out.push(audit_row(r, items)?);
        }
        Ok(out)
    }
}
