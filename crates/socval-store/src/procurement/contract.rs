//! The SQL of contracts, for [`super::ProcurementStore`].

use time::OffsetDateTime;

use crate::audit::{Audit, write_audit};
use crate::db::{Bind as _, Columns, Conn};
use crate::error::{Error, Result};
use crate::model::*;
use crate::procurement::*;
use crate::procurement::{check_commitments, decimal};
use crate::sql::{Sql, conflict, invalid, ts};

use super::sql::*;

/// The columns of a [`Contract`], in `contracts`.
pub(crate) const CONTRACT_COLS: &str = "id, org_id, supplier_id, procurement_id, bid_id, reference, title, category, value_pence, \
     start_date, years, framework_id, valuation_year, evidence, created_at";

static GET_CONTRACT: Sql = Sql::new(&["SELECT ", CONTRACT_COLS, " FROM contracts WHERE id = $1"]);

pub(crate) fn contract_from_row(r: &impl Columns) -> Result<Contract> {
    Ok(Contract {
        id: r.col("id")?,
        org_id: r.col("org_id")?,
        supplier_id: r.col("supplier_id")?,
        procurement_id: r.col("procurement_id")?,
        bid_id: r.col("bid_id")?,
        reference: r.col("reference")?,
        title: r.col("title")?,
        category: r.col("category")?,
        value_pence: r.col("value_pence")?,
        start: r.col("start_date")?,
        years: r.col("years")?,
        framework_id: r.col("framework_id")?,
        valuation_year: r.col("valuation_year")?,
        evidence: r.col::<String>("evidence")?.parse()?,
        commitments: Vec::new(),
        created_at: r.col("created_at")?,
    })
}

pub(crate) async fn fill_contract(c: &mut impl Conn, k: &mut Contract) -> Result<()> {
    let rows = sqlx::query(
        "SELECT measure, contract_year, units, q1_units, q2_units, q3_units, q4_units
         FROM contract_commitments WHERE contract_id = $1 ORDER BY position",
    )
    .arg(k.id)
    .fetch_all(c.executor())
    .await?;
    k.commitments = rows
        .iter()
        .map(|r| {
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
            Ok(ContractCommitment {
                measure: r.col("measure")?,
                contract_year: r.col("contract_year")?,
                units: decimal(&r.col::<String>("units")?)?,
                quarters,
            })
        })
        .collect::<Result<_>>()?;
    Ok(())
}

pub(crate) async fn get_contract(c: &mut impl Conn, id: i64) -> Result<Contract> {
    let row = sqlx::query(GET_CONTRACT.get())
        .arg(id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound { entity: "contract" })?;
    let mut k = contract_from_row(&row)?;
    fill_contract(c, &mut k).await?;
    Ok(k)
}

pub(crate) async fn contract_list(
    c: &mut impl Conn,
    rows: &[impl Columns],
) -> Result<Vec<Contract>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut k = contract_from_row(r)?;
        fill_contract(c, &mut k).await?;
        out.push(k);
    }
    Ok(out)
}

/// Inserts a contract and its commitments and audits it.
pub(crate) async fn insert_contract(
    c: &mut impl Conn,
    actor: &Actor,
    now: OffsetDateTime,
    new: &NewContract,
    procurement_id: Option<i64>,
    bid_id: Option<i64>,
) -> Result<Contract> {
    for (field, value) in [
        ("reference", &new.reference),
        ("title", &new.title),
        ("category", &new.category),
    ] {
        if value.trim().is_empty() {
            return invalid(format!("{field}: enter the contract's {field}"));
        }
    }
    if !(1..=50).contains(&new.years) {
        return invalid(format!("years: {} is not from 1 to 50", new.years));
    }
    if new.value_pence < 0 {
        return invalid("value: the contract value cannot be negative");
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
    if let Some(fw) = new.framework_id {
        check_framework(c, fw, new.org_id).await?;
    }
    check_commitments(
        new.commitments.iter().map(|k| {
            (
                k.measure.as_str(),
                k.contract_year,
                k.units,
                k.quarters.as_ref(),
            )
        }),
        new.years,
        None,
    )?;
    let row = sqlx::query(
        "INSERT INTO contracts (org_id, supplier_id, procurement_id, bid_id, reference, title, category,
            value_pence, start_date, years, framework_id, valuation_year, evidence, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .arg(new.org_id)
    .arg(new.supplier_id)
    .arg(procurement_id)
    .arg(bid_id)
    .arg(new.reference.trim())
    .arg(new.title.trim())
    .arg(new.category.trim())
    .arg(new.value_pence)
    .arg(new.start)
    .arg(new.years)
    .arg(new.framework_id)
    .arg(new.valuation_year.trim())
    .arg(new.evidence.as_str())
    .arg(actor.user_id)
    .arg(ts(now))
    .fetch_one(c.executor())
    .await
    .map_err(|e| match conflict(e, || {
        format!("reference: this organisation already has a contract {:?}", new.reference.trim())
    }) {
        Error::Invalid { .. } => Error::Invalid {
            detail: "supplier: the supplier company is not one of this organisation's".to_owned(),
        },
        other => other,
    })?;
    let id: i64 = row.col("id")?;
    for (i, k) in new.commitments.iter().enumerate() {
        let q = k.quarters.map(|q| q.map(|u| u.to_string()));
        let qn = |n: usize| q.as_ref().map(|q| q[n].clone());
        sqlx::query(
            "INSERT INTO contract_commitments (contract_id, position, measure, contract_year, units,
                q1_units, q2_units, q3_units, q4_units)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .arg(id)
        .arg(i as i64)
        .arg(k.measure.trim())
        .arg(k.contract_year)
        .arg(k.units.to_string())
        .arg(qn(0))
        .arg(qn(1))
        .arg(qn(2))
        .arg(qn(3))
        .execute(c.executor())
        .await?;
    }
    let contract = get_contract(c, id).await?;
    write_audit(
        c,
        Audit::created(
            actor,
            now,
            Some(contract.org_id),
            "contract",
            contract.id,
            &contract,
        ),
    )
    .await?;
    Ok(contract)
}
