//! The SQL of [`super::DeliveryStore`], for both backends.

use std::collections::BTreeMap;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::audit::{Audit, write_audit};
use crate::db::{Bind as _, Columns, Conn, Db, SqlStore};
use crate::delivery::*;
use crate::error::{Error, Result};
use crate::model::*;
use crate::procurement::decimal;
use crate::procurement::{Contract, ContractCommitment};
use crate::sql::{Sql, conflict, invalid, ts};

const RETURN_COLS: &str = "r.id, r.org_id, r.contract_id, r.supplier_id, r.contract_year, r.quarter, r.narrative, \
     r.submitted_by, r.submitted_at";
const LINE_COLS: &str = "id, return_id, measure, units, status, comment, reviewed_by, reviewed_at";
const EVIDENCE_COLS: &str = "id, return_id, sha256, size_bytes, media_type, filename";

static FILL: Sql = Sql::new(&[
    "SELECT ",
    LINE_COLS,
    " FROM return_lines WHERE return_id = $1 ORDER BY id",
]);
static FILL_2: Sql = Sql::new(&[
    "SELECT ",
    EVIDENCE_COLS,
    " FROM evidence_files WHERE return_id = $1 ORDER BY id",
]);
static GET_RETURN: Sql = Sql::new(&[
    "SELECT ",
    RETURN_COLS,
    " FROM delivery_returns r WHERE r.id = $1",
]);
static GET_LINE: Sql = Sql::new(&["SELECT ", LINE_COLS, " FROM return_lines WHERE id = $1"]);
static CONTRACT_RETURNS: Sql = Sql::new(&[
    "SELECT ",
    RETURN_COLS,
    " FROM delivery_returns r WHERE r.contract_id = $1 ORDER BY r.contract_year, r.quarter",
]);
static EVIDENCE_FILE: Sql = Sql::new(&[
    "SELECT ",
    EVIDENCE_COLS,
    " FROM evidence_files WHERE id = $1",
]);

fn return_from_row(r: &impl Columns) -> Result<DeliveryReturn> {
    Ok(DeliveryReturn {
        id: r.col("id")?,
        org_id: r.col("org_id")?,
        contract_id: r.col("contract_id")?,
        supplier_id: r.col("supplier_id")?,
        contract_year: r.col("contract_year")?,
        quarter: r.col("quarter")?,
        narrative: r.col("narrative")?,
        submitted_by: r.col("submitted_by")?,
        submitted_at: r.col("submitted_at")?,
        lines: Vec::new(),
        evidence: Vec::new(),
    })
}

fn line_from_row(r: &impl Columns) -> Result<ReturnLine> {
    Ok(ReturnLine {
        id: r.col("id")?,
        return_id: r.col("return_id")?,
        measure: r.col("measure")?,
        units: decimal(&r.col::<String>("units")?)?,
        status: r.col::<String>("status")?.parse()?,
        comment: r.col("comment")?,
        reviewed_by: r.col("reviewed_by")?,
        reviewed_at: r.col("reviewed_at")?,
    })
}

fn evidence_from_row(r: &impl Columns) -> Result<EvidenceFile> {
    Ok(EvidenceFile {
        id: r.col("id")?,
        return_id: r.col("return_id")?,
        sha256: r.col("sha256")?,
        size_bytes: r.col("size_bytes")?,
        media_type: r.col("media_type")?,
        filename: r.col("filename")?,
    })
}

async fn fill(c: &mut impl Conn, ret: &mut DeliveryReturn) -> Result<()> {
    ret.lines = sqlx::query(FILL.get())
        .arg(ret.id)
        .fetch_all(c.executor())
        .await?
        .iter()
        .map(line_from_row)
        .collect::<Result<_>>()?;
    ret.evidence = sqlx::query(FILL_2.get())
        .arg(ret.id)
        .fetch_all(c.executor())
        .await?
        .iter()
        .map(evidence_from_row)
        .collect::<Result<_>>()?;
    Ok(())
}

async fn get_return(c: &mut impl Conn, id: i64) -> Result<DeliveryReturn> {
    let row = sqlx::query(GET_RETURN.get())
        .arg(id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "delivery return",
        })?;
    let mut ret = return_from_row(&row)?;
    fill(c, &mut ret).await?;
    Ok(ret)
}

async fn get_line(c: &mut impl Conn, id: i64) -> Result<ReturnLine> {
    let row = sqlx::query(GET_LINE.get())
        .arg(id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "return line",
        })?;
    line_from_row(&row)
}

fn check_new(new: &NewReturn, years: i64, measures: &[String], reference: &str) -> Result<()> {
    if !(1..=years).contains(&new.contract_year) {
        return invalid(format!(
            "contract_year: {} is outside contract {reference} (a year from 1 to {years})",
            new.contract_year
        ));
    }
    if !(1..=4).contains(&new.quarter) {
        return invalid(format!(
            "quarter: {} is not a quarter (1, 2, 3 or 4)",
            new.quarter
        ));
    }
    if new.lines.is_empty() {
        return invalid("lines: a return reports at least one measure");
    }
    for (i, l) in new.lines.iter().enumerate() {
        if !measures.iter().any(|m| m.eq_ignore_ascii_case(&l.measure)) {
            return invalid(format!(
                "lines[{i}].measure: {:?} is not a measure contract {reference} has commitments for (accepted: {})",
                l.measure,
                measures.join(", ")
            ));
        }
        if l.units.is_sign_negative() && !l.units.is_zero() {
            return invalid(format!(
                "lines[{i}].units: {} is negative (units delivered are 0 or more)",
                l.units
            ));
        }
        if new.lines[..i]
            .iter()
            .any(|o| o.measure.eq_ignore_ascii_case(&l.measure))
        {
            return invalid(format!(
                "lines[{i}].measure: {} is reported twice (one line per measure)",
                l.measure
            ));
        }
    }
    for (i, e) in new.evidence.iter().enumerate() {
        if e.sha256.len() != 64 || e.size_bytes <= 0 {
            return invalid(format!("evidence[{i}]: not a stored file"));
        }
    }
    Ok(())
}

#[async_trait]
impl<DB: Db> DeliveryStore for SqlStore<DB> {
    async fn submit_return(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewReturn,
    ) -> Result<DeliveryReturn> {
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let contract = sqlx::query(
            "SELECT id, org_id, supplier_id, reference, years FROM contracts WHERE id = $1",
        )
        .arg(new.contract_id)
        .fetch_optional(tx.executor())
        .await?
        .ok_or(Error::NotFound { entity: "contract" })?;
        let org_id: i64 = contract.col("org_id")?;
        let supplier_id: i64 = contract.col("supplier_id")?;
        let reference: String = contract.col("reference")?;
        let years: i64 = contract.col("years")?;
        if supplier_id != new.supplier_id {
            return invalid(format!("contract {reference} is not this supplier's"));
        }
        let mut measures: Vec<String> =
            sqlx::query("SELECT DISTINCT measure FROM contract_commitments WHERE contract_id = $1")
                .arg(new.contract_id)
                .fetch_all(tx.executor())
                .await?
                .iter()
                .map(|r| r.col::<String>("measure"))
                .collect::<Result<_, _>>()?;
        measures.sort();
        check_new(new, years, &measures, &reference)?;
        let period = format!("Y{} Q{}", new.contract_year, new.quarter);
        let row = sqlx::query(
            "INSERT INTO delivery_returns (org_id, contract_id, supplier_id, contract_year, quarter, narrative, submitted_by_user, submitted_by, submitted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .arg(org_id)
        .arg(new.contract_id)
        .arg(supplier_id)
        .arg(new.contract_year)
        .arg(new.quarter)
        .arg(new.narrative.trim())
        .arg(actor.user_id)
        .arg(&actor.label)
        .arg(ts(now))
        .fetch_one(tx.executor())
        .await
        .map_err(|e| conflict(e, || format!(
            "contract {reference} already has a return for {period}; nothing was changed"
        )))?;
        let id: i64 = row.col("id")?;
        for l in &new.lines {
            let code = measures
                .iter()
                .find(|m| m.eq_ignore_ascii_case(&l.measure))
                .cloned()
                .unwrap_or_else(|| l.measure.clone());
            sqlx::query("INSERT INTO return_lines (return_id, measure, units, status, comment) VALUES ($1, $2, $3, 'pending', '')")
                .arg(id)
                .arg(code)
                .arg(l.units.normalize().to_string())
                .execute(tx.executor())
                .await?;
        }
        for e in &new.evidence {
            sqlx::query("INSERT INTO evidence_files (return_id, sha256, size_bytes, media_type, filename, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .arg(id)
                .arg(&e.sha256)
                .arg(e.size_bytes)
                .arg(&e.media_type)
                .arg(&e.filename)
                .arg(ts(now))
                .execute(tx.executor())
                .await?;
        }
        let created = get_return(&mut tx, id).await?;
        write_audit(
            &mut tx,
            Audit::created(actor, now, Some(org_id), "delivery_return", id, &created),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn delivery_return(&self, id: i64) -> Result<DeliveryReturn> {
        let mut c = self.pool.acquire().await?;
        get_return(&mut c, id).await
    }

    async fn contract_returns(&self, contract_id: i64) -> Result<Vec<DeliveryReturn>> {
        let mut c = self.pool.acquire().await?;
        let rows = sqlx::query(CONTRACT_RETURNS.get())
            .arg(contract_id)
            .fetch_all(c.executor())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut ret = return_from_row(r)?;
            fill(&mut c, &mut ret).await?;
            out.push(ret);
        }
        Ok(out)
    }

    async fn line_return(&self, line_id: i64) -> Result<DeliveryReturn> {
        let mut c = self.pool.acquire().await?;
        let line = get_line(&mut c, line_id).await?;
        get_return(&mut c, line.return_id).await
    }

    async fn review_line(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        line_id: i64,
        review: &Review,
    ) -> Result<ReturnLine> {
        let comment = review.comment.trim();
        if review.status == LineStatus::Rejected && comment.is_empty() {
            return invalid("comment: say why the line is rejected");
        }
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let before = get_line(&mut tx, line_id).await?;
        let org_id: i64 = sqlx::query("SELECT org_id FROM delivery_returns WHERE id = $1")
            .arg(before.return_id)
            .fetch_one(tx.executor())
            .await?
            .col("org_id")?;
        let (by, at) = match review.status {
            LineStatus::Pending => (None, None),
            _ => (Some(actor.label.clone()), Some(ts(now))),
        };
        sqlx::query(
            "UPDATE return_lines SET status = $1, comment = $2, reviewed_by = $3, reviewed_by_user = $4, reviewed_at = $5 WHERE id = $6",
        )
        .arg(review.status.as_str())
        .arg(comment)
        .arg(by)
        .arg(actor.user_id)
        .arg(at)
        .arg(line_id)
        .execute(tx.executor())
        .await?;
        let after = get_line(&mut tx, line_id).await?;
        write_audit(
            &mut tx,
            Audit::updated(
                actor,
                now,
                Some(org_id),
                "return_line",
                line_id,
                &before,
                &after,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn evidence_file(&self, id: i64) -> Result<EvidenceFile> {
        let row = sqlx::query(EVIDENCE_FILE.get())
            .arg(id)
            .fetch_optional(self.executor())
            .await?
            .ok_or(Error::NotFound {
                entity: "evidence file",
            })?;
        evidence_from_row(&row)
    }

    async fn evidence_in_use(&self, sha256: &str) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM evidence_files WHERE sha256 = $1")
            .arg(sha256)
            .fetch_one(self.executor())
            .await?;
        Ok(row.col::<i64>("n")? > 0)
    }

    async fn portfolio_data(&self, org_id: i64) -> Result<PortfolioData> {
        let mut c = self.pool.acquire().await?;
        let mut contracts: Vec<Contract> = sqlx::query(
            "SELECT id, org_id, supplier_id, procurement_id, bid_id, reference, title, category, value_pence,
                    start_date, years, framework_id, valuation_year, evidence, created_at
             FROM contracts WHERE org_id = $1 ORDER BY lower(reference), id",
        )
        .arg(org_id)
        .fetch_all(c.executor())
        .await?
        .iter()
        .map(crate::procurement::contract::contract_from_row)
        .collect::<Result<_>>()?;
        let index: BTreeMap<i64, usize> = contracts
            .iter()
            .enumerate()
            .map(|(i, k)| (k.id, i))
            .collect();
        let rows = sqlx::query(
            "SELECT cc.contract_id, cc.measure, cc.contract_year, cc.units, cc.q1_units, cc.q2_units, cc.q3_units, cc.q4_units
             FROM contract_commitments cc JOIN contracts k ON k.id = cc.contract_id
             WHERE k.org_id = $1 ORDER BY cc.contract_id, cc.position",
        )
        .arg(org_id)
        .fetch_all(c.executor())
        .await?;
        for r in &rows {
            let q: [Option<String>; 4] = [
                r.col("q1_units")?,
                r.col("q2_units")?,
                r.col("q3_units")?,
                r.col("q4_units")?,
            ];
            let quarters = match q {
                [Some(a), Some(b), Some(c), Some(d)] => {
                    Some([decimal(&a)?, decimal(&b)?, decimal(&c)?, decimal(&d)?])
                }
                _ => None,
            };
            let id: i64 = r.col("contract_id")?;
            if let Some(&i) = index.get(&id) {
                contracts[i].commitments.push(ContractCommitment {
                    measure: r.col("measure")?,
                    contract_year: r.col("contract_year")?,
                    units: decimal(&r.col::<String>("units")?)?,
                    quarters,
                });
            }
        }
        let lines = sqlx::query(
            "SELECT r.contract_id, r.contract_year, r.quarter, l.measure, l.units, l.status
             FROM return_lines l JOIN delivery_returns r ON r.id = l.return_id
             WHERE r.org_id = $1",
        )
        .arg(org_id)
        .fetch_all(c.executor())
        .await?
        .iter()
        .map(|r| {
            Ok(LineFact {
                contract_id: r.col("contract_id")?,
                contract_year: r.col("contract_year")?,
                quarter: r.col("quarter")?,
                measure: r.col("measure")?,
                units: decimal(&r.col::<String>("units")?)?,
                status: r.col::<String>("status")?.parse()?,
            })
        })
        .collect::<Result<_>>()?;
        Ok(PortfolioData { contracts, lines })
    }

    async fn returns_awaiting_review(
        &self,
        org_id: i64,
        supplier_id: Option<i64>,
    ) -> Result<Vec<ReturnSummary>> {
        let rows = sqlx::query(
            "SELECT r.id, r.contract_id, k.reference, r.contract_year, r.quarter, r.submitted_at,
                    (SELECT COUNT(*) FROM return_lines l WHERE l.return_id = r.id AND l.status = 'pending') AS pending
             FROM delivery_returns r JOIN contracts k ON k.id = r.contract_id
             WHERE r.org_id = $1 AND ($2 = 0 OR r.supplier_id = $2)
               AND EXISTS (SELECT 1 FROM return_lines l WHERE l.return_id = r.id AND l.status = 'pending')
             ORDER BY r.submitted_at, r.id LIMIT 200",
        )
        .arg(org_id)
        .arg(supplier_id.unwrap_or(0))
        .fetch_all(self.executor())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReturnSummary {
                    id: r.col("id")?,
                    contract_id: r.col("contract_id")?,
                    contract_reference: r.col("reference")?,
                    contract_year: r.col("contract_year")?,
                    quarter: r.col("quarter")?,
                    pending_lines: r.col("pending")?,
                    submitted_at: r.col("submitted_at")?,
                })
            })
            .collect()
    }

    async fn returned_periods(
        &self,
        org_id: i64,
        supplier_id: Option<i64>,
    ) -> Result<Vec<(i64, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT contract_id, contract_year, quarter FROM delivery_returns
             WHERE org_id = $1 AND ($2 = 0 OR supplier_id = $2)",
        )
        .arg(org_id)
        .arg(supplier_id.unwrap_or(0))
        .fetch_all(self.executor())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.col("contract_id")?,
                    r.col("contract_year")?,
                    r.col("quarter")?,
                ))
            })
            .collect()
    }

    async fn change_mark(&self, org_id: i64) -> Result<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS n FROM audit_log WHERE org_id = $1")
            .arg(org_id)
            .fetch_one(self.executor())
            .await?;
        Ok(row.col("n")?)
    }
}
