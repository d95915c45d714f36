//! The SQL of [`super::ProcurementStore`], written once for both backends
//! by [`procurement_impl!`] (invoked in `sqlite.rs` and `postgres.rs` after
//! `store_impl!`, whose audit helpers it uses).

macro_rules! procurement_cols {
    () => {
        "id, org_id, reference, title, category, estimated_value_pence, framework_id, valuation_year, \
         contract_years, price_weight, quality_weight, sv_weight, sv_quantitative_share, sv_required, \
         evidence, deadline, state, created_at, updated_at"
    };
}
macro_rules! bid_cols {
    () => {
        "b.id, b.procurement_id, b.supplier_id, b.price_pence, b.quality_reference, b.content_sha256, \
         b.revision, b.submitted_at, b.updated_at, \
         s.quality_score, s.sv_qualitative_score, s.comment, s.rank, s.total_score, \
         d.filename, d.content_type, d.size_bytes, d.sha256 AS document_sha256"
    };
}
macro_rules! bid_from {
    () => {
        " FROM bids b LEFT JOIN bid_scores s ON s.bid_id = b.id LEFT JOIN bid_documents d ON d.bid_id = b.id "
    };
}
macro_rules! contract_cols {
    () => {
        "id, org_id, supplier_id, procurement_id, bid_id, reference, title, category, value_pence, \
         start_date, years, framework_id, valuation_year, evidence, created_at"
    };
}

/// Writes `impl ProcurementStore for $store` in a module of its own
/// (`procurement_impl`), using the audit helpers of the enclosing
/// `store_impl!` module.
macro_rules! procurement_impl {
    ($store:ident, $db:ty, $begin:literal) => {
        mod procurement_impl {
            use async_trait::async_trait;
            use socval_core::Decimal;
            use sqlx::Row as _;
            use time::OffsetDateTime;

            use super::{$store, Audit, Conn, DbRow, write_audit};
            use crate::error::{Error, Result};
            use crate::model::*;
            use crate::procurement::*;
            use crate::procurement::{bytes_hash, check_commitments, content_hash, decimal};
            use crate::sql::{conflict, invalid, ts};

            fn procurement_from_row(r: &DbRow) -> Result<Procurement> {
                Ok(Procurement {
                    id: r.try_get("id")?,
                    org_id: r.try_get("org_id")?,
                    reference: r.try_get("reference")?,
                    title: r.try_get("title")?,
                    category: r.try_get("category")?,
                    estimated_value_pence: r.try_get("estimated_value_pence")?,
                    framework_id: r.try_get("framework_id")?,
                    valuation_year: r.try_get("valuation_year")?,
                    contract_years: r.try_get("contract_years")?,
                    weights: ProcurementWeights {
                        price: decimal(&r.try_get::<String, _>("price_weight")?)?,
                        quality: decimal(&r.try_get::<String, _>("quality_weight")?)?,
                        social_value: decimal(&r.try_get::<String, _>("sv_weight")?)?,
                        sv_quantitative_share: decimal(&r.try_get::<String, _>("sv_quantitative_share")?)?,
                    },
                    sv_required: r.try_get("sv_required")?,
                    evidence: r.try_get::<String, _>("evidence")?.parse()?,
                    deadline: r.try_get("deadline")?,
                    state: r.try_get::<String, _>("state")?.parse()?,
                    measures: Vec::new(),
                    suppliers: Vec::new(),
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            async fn fill_procurement(c: &mut Conn, p: &mut Procurement) -> Result<()> {
                p.measures = sqlx::query(
                    "SELECT measure FROM procurement_measures WHERE procurement_id = $1 ORDER BY position",
                )
                .bind(p.id)
                .fetch_all(&mut *c)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("measure"))
                .collect::<Result<_, _>>()?;
                p.suppliers = sqlx::query(
                    "SELECT supplier_id FROM procurement_suppliers WHERE procurement_id = $1 ORDER BY supplier_id",
                )
                .bind(p.id)
                .fetch_all(&mut *c)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>("supplier_id"))
                .collect::<Result<_, _>>()?;
                Ok(())
            }

            async fn get_procurement(c: &mut Conn, id: i64) -> Result<Procurement> {
                let row = sqlx::query(concat!("SELECT ", procurement_cols!(), " FROM procurements WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *c)
                    .await?
                    .ok_or(Error::NotFound { entity: "procurement" })?;
                let mut p = procurement_from_row(&row)?;
                fill_procurement(c, &mut p).await?;
                Ok(p)
            }

            async fn procurement_list(c: &mut Conn, rows: Vec<DbRow>) -> Result<Vec<Procurement>> {
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let mut p = procurement_from_row(r)?;
                    fill_procurement(c, &mut p).await?;
                    out.push(p);
                }
                Ok(out)
            }

            fn check_procurement(new: &NewProcurement) -> Result<()> {
                let w = &new.weights;
                if w.price + w.quality + w.social_value != Decimal::ONE_HUNDRED {
                    return invalid(format!(
                        "weights: price {} + quality {} + social value {} = {}, not 100",
                        w.price, w.quality, w.social_value, w.price + w.quality + w.social_value
                    ));
                }
                if [w.price, w.quality, w.social_value].iter().any(|x| x.is_sign_negative() && !x.is_zero()) {
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
                if new.valuation_year.parse::<socval_core::FinancialYear>().is_err() {
                    return invalid(format!(
                        "valuation_year: {:?} is not a financial year like 2025/26",
                        new.valuation_year
                    ));
                }
                for (field, value) in [("reference", &new.reference), ("title", &new.title), ("category", &new.category)] {
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
            async fn write_lists(c: &mut Conn, id: i64, org_id: i64, new: &NewProcurement) -> Result<()> {
                sqlx::query("DELETE FROM procurement_measures WHERE procurement_id = $1")
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                sqlx::query("DELETE FROM procurement_suppliers WHERE procurement_id = $1")
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                for (i, m) in new.measures.iter().enumerate() {
                    sqlx::query("INSERT INTO procurement_measures (procurement_id, position, measure) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(i as i64)
                        .bind(m.trim())
                        .execute(&mut *c)
                        .await?;
                }
                let mut suppliers = new.suppliers.clone();
                suppliers.sort_unstable();
                suppliers.dedup();
                for s in suppliers {
                    sqlx::query("INSERT INTO procurement_suppliers (procurement_id, org_id, supplier_id) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(org_id)
                        .bind(s)
                        .execute(&mut *c)
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

            async fn check_framework(c: &mut Conn, framework_id: i64, org_id: i64) -> Result<()> {
                let row = sqlx::query("SELECT org_id FROM frameworks WHERE id = $1")
                    .bind(framework_id)
                    .fetch_optional(&mut *c)
                    .await?;
                match row {
                    Some(r) if r.try_get::<i64, _>("org_id")? == org_id => Ok(()),
                    _ => invalid(format!("framework: framework {framework_id} is not one of this organisation's")),
                }
            }

            async fn set_state(
                c: &mut Conn,
                actor: &Actor,
                now: OffsetDateTime,
                before: &Procurement,
                state: ProcurementState,
            ) -> Result<Procurement> {
                sqlx::query("UPDATE procurements SET state = $2, updated_at = $3 WHERE id = $1")
                    .bind(before.id)
                    .bind(state.as_str())
                    .bind(ts(now))
                    .execute(&mut *c)
                    .await?;
                let after = get_procurement(c, before.id).await?;
                write_audit(
                    c,
                    Audit::updated(actor, now, Some(after.org_id), "procurement", after.id, before, &after),
                )
                .await?;
                Ok(after)
            }

            fn bid_from_row(r: &DbRow) -> Result<Bid> {
                let quality: Option<String> = r.try_get("quality_score")?;
                let qualitative: Option<String> = r.try_get("sv_qualitative_score")?;
                let score = match (quality, qualitative) {
                    (Some(q), Some(s)) => Some(Score {
                        quality_score: decimal(&q)?,
                        sv_qualitative_score: decimal(&s)?,
                        comment: r.try_get::<Option<String>, _>("comment")?.unwrap_or_default(),
                    }),
                    _ => None,
                };
                let filename: Option<String> = r.try_get("filename")?;
                let document = match filename {
                    Some(filename) => Some(DocumentInfo {
                        filename,
                        content_type: r.try_get("content_type")?,
                        size_bytes: r.try_get("size_bytes")?,
                        sha256: r.try_get("document_sha256")?,
                    }),
                    None => None,
                };
                Ok(Bid {
                    id: r.try_get("id")?,
                    procurement_id: r.try_get("procurement_id")?,
                    supplier_id: r.try_get("supplier_id")?,
                    price_pence: r.try_get("price_pence")?,
                    quality_reference: r.try_get("quality_reference")?,
                    commitments: Vec::new(),
                    document,
                    submitted_at: r.try_get("submitted_at")?,
                    updated_at: r.try_get("updated_at")?,
                    revision: r.try_get("revision")?,
                    content_sha256: r.try_get("content_sha256")?,
                    score,
                    rank: r.try_get("rank")?,
                    total_score: r
                        .try_get::<Option<String>, _>("total_score")?
                        .map(|t| decimal(&t))
                        .transpose()?,
                })
            }

            async fn fill_bid(c: &mut Conn, b: &mut Bid) -> Result<()> {
                let rows = sqlx::query(
                    "SELECT measure, contract_year, units FROM bid_commitments WHERE bid_id = $1 ORDER BY position",
                )
                .bind(b.id)
                .fetch_all(&mut *c)
                .await?;
                b.commitments = rows
                    .iter()
                    .map(|r| {
                        Ok(Commitment {
                            measure: r.try_get("measure")?,
                            contract_year: r.try_get("contract_year")?,
                            units: decimal(&r.try_get::<String, _>("units")?)?,
                        })
                    })
                    .collect::<Result<_>>()?;
                Ok(())
            }

            async fn get_bid(c: &mut Conn, id: i64) -> Result<Bid> {
                let row = sqlx::query(concat!("SELECT ", bid_cols!(), bid_from!(), "WHERE b.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *c)
                    .await?
                    .ok_or(Error::NotFound { entity: "bid" })?;
                let mut b = bid_from_row(&row)?;
                fill_bid(c, &mut b).await?;
                Ok(b)
            }

            /// Checks a bid against its procurement at `now`: open, before
            /// the deadline, supplier invited, content within the rules.
            fn check_bid(p: &Procurement, now: OffsetDateTime, new: &NewBid) -> Result<()> {
                if p.state != ProcurementState::Open {
                    return invalid(format!(
                        "procurement {} is {}, not open for bids",
                        p.reference,
                        p.state_at(now)
                    ));
                }
                if now >= p.deadline {
                    return invalid(format!(
                        "deadline: the deadline for {} passed at {}; late bids are refused",
                        p.reference,
                        p.deadline
                            .format(&time::format_description::well_known::Rfc3339)
                            .unwrap_or_default()
                    ));
                }
                if !p.suppliers.contains(&new.supplier_id) {
                    return invalid("supplier: this supplier company is not invited to bid");
                }
                if new.price_pence <= 0 {
                    return invalid("price: the bid price must be above £0");
                }
                if let Some(d) = &new.document {
                    if d.filename.trim().is_empty() {
                        return invalid("document: the document has no file name");
                    }
                    if d.bytes.is_empty() {
                        return invalid("document: the document is empty");
                    }
                }
                check_commitments(
                    new.commitments.iter().map(|c| (c.measure.as_str(), c.contract_year, c.units, None)),
                    p.contract_years,
                    Some(&p.measures),
                )
            }

            /// Writes a bid's commitments and document (replacing the old
            /// ones; a missing document keeps the old one) and returns the
            /// document's SHA-256 if it has one.
            async fn write_bid_content(c: &mut Conn, bid_id: i64, p: &Procurement, new: &NewBid) -> Result<Option<String>> {
                sqlx::query("DELETE FROM bid_commitments WHERE bid_id = $1")
                    .bind(bid_id)
                    .execute(&mut *c)
                    .await?;
                for (i, cm) in new.commitments.iter().enumerate() {
                    // Stored as the procurement spells the measure.
                    let measure = p
                        .measures
                        .iter()
                        .find(|m| m.eq_ignore_ascii_case(cm.measure.trim()))
                        .cloned()
                        .unwrap_or_else(|| cm.measure.trim().to_owned());
                    sqlx::query(
                        "INSERT INTO bid_commitments (bid_id, position, measure, contract_year, units) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(bid_id)
                    .bind(i as i64)
                    .bind(measure)
                    .bind(cm.contract_year)
                    .bind(cm.units.to_string())
                    .execute(&mut *c)
                    .await?;
                }
                if let Some(d) = &new.document {
                    sqlx::query("DELETE FROM bid_documents WHERE bid_id = $1")
                        .bind(bid_id)
                        .execute(&mut *c)
                        .await?;
                    let sha = bytes_hash(&d.bytes);
                    sqlx::query(
                        "INSERT INTO bid_documents (bid_id, filename, content_type, size_bytes, sha256, content)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(bid_id)
                    .bind(d.filename.trim())
                    .bind(&d.content_type)
                    .bind(d.bytes.len() as i64)
                    .bind(&sha)
                    .bind(&d.bytes)
                    .execute(&mut *c)
                    .await?;
                    return Ok(Some(sha));
                }
                let row = sqlx::query("SELECT sha256 FROM bid_documents WHERE bid_id = $1")
                    .bind(bid_id)
                    .fetch_optional(&mut *c)
                    .await?;
                Ok(match row {
                    Some(r) => Some(r.try_get("sha256")?),
                    None => None,
                })
            }

            fn contract_from_row(r: &DbRow) -> Result<Contract> {
                Ok(Contract {
                    id: r.try_get("id")?,
                    org_id: r.try_get("org_id")?,
                    supplier_id: r.try_get("supplier_id")?,
                    procurement_id: r.try_get("procurement_id")?,
                    bid_id: r.try_get("bid_id")?,
                    reference: r.try_get("reference")?,
                    title: r.try_get("title")?,
                    category: r.try_get("category")?,
                    value_pence: r.try_get("value_pence")?,
                    start: r.try_get("start_date")?,
                    years: r.try_get("years")?,
                    framework_id: r.try_get("framework_id")?,
                    valuation_year: r.try_get("valuation_year")?,
                    evidence: r.try_get::<String, _>("evidence")?.parse()?,
                    commitments: Vec::new(),
                    created_at: r.try_get("created_at")?,
                })
            }

            async fn fill_contract(c: &mut Conn, k: &mut Contract) -> Result<()> {
                let rows = sqlx::query(
                    "SELECT measure, contract_year, units, q1_units, q2_units, q3_units, q4_units
                     FROM contract_commitments WHERE contract_id = $1 ORDER BY position",
                )
                .bind(k.id)
                .fetch_all(&mut *c)
                .await?;
                k.commitments = rows
                    .iter()
                    .map(|r| {
                        let q: [Option<String>; 4] = [
                            r.try_get("q1_units")?,
                            r.try_get("q2_units")?,
                            r.try_get("q3_units")?,
                            r.try_get("q4_units")?,
                        ];
                        let quarters = match q {
                            [Some(a), Some(b), Some(c), Some(d)] => {
                                Some([decimal(&a)?, decimal(&b)?, decimal(&c)?, decimal(&d)?])
                            }
                            _ => None,
                        };
                        Ok(ContractCommitment {
                            measure: r.try_get("measure")?,
                            contract_year: r.try_get("contract_year")?,
                            units: decimal(&r.try_get::<String, _>("units")?)?,
                            quarters,
                        })
                    })
                    .collect::<Result<_>>()?;
                Ok(())
            }

            async fn get_contract(c: &mut Conn, id: i64) -> Result<Contract> {
                let row = sqlx::query(concat!("SELECT ", contract_cols!(), " FROM contracts WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *c)
                    .await?
                    .ok_or(Error::NotFound { entity: "contract" })?;
                let mut k = contract_from_row(&row)?;
                fill_contract(c, &mut k).await?;
                Ok(k)
            }

            async fn contract_list(c: &mut Conn, rows: Vec<DbRow>) -> Result<Vec<Contract>> {
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let mut k = contract_from_row(r)?;
                    fill_contract(c, &mut k).await?;
                    out.push(k);
                }
                Ok(out)
            }

            /// Inserts a contract and its commitments and audits it.
            async fn insert_contract(
                c: &mut Conn,
                actor: &Actor,
                now: OffsetDateTime,
                new: &NewContract,
                procurement_id: Option<i64>,
                bid_id: Option<i64>,
            ) -> Result<Contract> {
                for (field, value) in [("reference", &new.reference), ("title", &new.title), ("category", &new.category)] {
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
                if new.valuation_year.parse::<socval_core::FinancialYear>().is_err() {
                    return invalid(format!(
                        "valuation_year: {:?} is not a financial year like 2025/26",
                        new.valuation_year
                    ));
                }
                if let Some(fw) = new.framework_id {
                    check_framework(c, fw, new.org_id).await?;
                }
                check_commitments(
                    new.commitments
                        .iter()
                        .map(|k| (k.measure.as_str(), k.contract_year, k.units, k.quarters.as_ref())),
                    new.years,
                    None,
                )?;
                let row = sqlx::query(
                    "INSERT INTO contracts (org_id, supplier_id, procurement_id, bid_id, reference, title, category,
                        value_pence, start_date, years, framework_id, valuation_year, evidence, created_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
                )
                .bind(new.org_id)
                .bind(new.supplier_id)
                .bind(procurement_id)
                .bind(bid_id)
                .bind(new.reference.trim())
                .bind(new.title.trim())
                .bind(new.category.trim())
                .bind(new.value_pence)
                .bind(new.start)
                .bind(new.years)
                .bind(new.framework_id)
                .bind(new.valuation_year.trim())
                .bind(new.evidence.as_str())
                .bind(actor.user_id)
                .bind(ts(now))
                .fetch_one(&mut *c)
                .await
                .map_err(|e| match conflict(e, || {
                    format!("reference: this organisation already has a contract {:?}", new.reference.trim())
                }) {
                    Error::Invalid { .. } => Error::Invalid {
                        detail: "supplier: the supplier company is not one of this organisation's".to_owned(),
                    },
                    other => other,
                })?;
                let id: i64 = row.try_get("id")?;
                for (i, k) in new.commitments.iter().enumerate() {
                    let q = k.quarters.map(|q| q.map(|u| u.to_string()));
                    let qn = |n: usize| q.as_ref().map(|q| q[n].clone());
                    sqlx::query(
                        "INSERT INTO contract_commitments (contract_id, position, measure, contract_year, units,
                            q1_units, q2_units, q3_units, q4_units)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(id)
                    .bind(i as i64)
                    .bind(k.measure.trim())
                    .bind(k.contract_year)
                    .bind(k.units.to_string())
                    .bind(qn(0))
                    .bind(qn(1))
                    .bind(qn(2))
                    .bind(qn(3))
                    .execute(&mut *c)
                    .await?;
                }
                let contract = get_contract(c, id).await?;
                write_audit(
                    c,
                    Audit::created(actor, now, Some(contract.org_id), "contract", contract.id, &contract),
                )
                .await?;
                Ok(contract)
            }

            #[async_trait]
            impl ProcurementStore for $store {
                async fn create_procurement(
                    &self,
                    actor: &Actor,
                    now: OffsetDateTime,
                    new: &NewProcurement,
                ) -> Result<Procurement> {
                    check_procurement(new)?;
                    let mut tx = self.pool.begin_with($begin).await?;
                    check_framework(&mut tx, new.framework_id, new.org_id).await?;
                    let w = &new.weights;
                    let row = sqlx::query(
                        "INSERT INTO procurements (org_id, reference, title, category, estimated_value_pence, framework_id,
                            valuation_year, contract_years, price_weight, quality_weight, sv_weight, sv_quantitative_share,
                            sv_required, evidence, deadline, state, created_by, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'draft', $16, $17, $17)
                         RETURNING id",
                    )
                    .bind(new.org_id)
                    .bind(new.reference.trim())
                    .bind(new.title.trim())
                    .bind(new.category.trim())
                    .bind(new.estimated_value_pence)
                    .bind(new.framework_id)
                    .bind(new.valuation_year.trim())
                    .bind(new.contract_years)
                    .bind(w.price.to_string())
                    .bind(w.quality.to_string())
                    .bind(w.social_value.to_string())
                    .bind(w.sv_quantitative_share.to_string())
                    .bind(new.sv_required)
                    .bind(new.evidence.as_str())
                    .bind(ts(new.deadline))
                    .bind(actor.user_id)
                    .bind(ts(now))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, || {
                        format!("reference: this organisation already has a procurement {:?}", new.reference.trim())
                    }))?;
                    let id: i64 = row.try_get("id")?;
                    write_lists(&mut tx, id, new.org_id, new).await?;
                    let p = get_procurement(&mut tx, id).await?;
                    write_audit(&mut tx, Audit::created(actor, now, Some(p.org_id), "procurement", p.id, &p)).await?;
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
                    let mut tx = self.pool.begin_with($begin).await?;
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
                    .bind(id)
                    .bind(new.reference.trim())
                    .bind(new.title.trim())
                    .bind(new.category.trim())
                    .bind(new.estimated_value_pence)
                    .bind(new.framework_id)
                    .bind(new.valuation_year.trim())
                    .bind(new.contract_years)
                    .bind(w.price.to_string())
                    .bind(w.quality.to_string())
                    .bind(w.social_value.to_string())
                    .bind(w.sv_quantitative_share.to_string())
                    .bind(new.sv_required)
                    .bind(new.evidence.as_str())
                    .bind(ts(new.deadline))
                    .bind(ts(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, || {
                        format!("reference: this organisation already has a procurement {:?}", new.reference.trim())
                    }))?;
                    write_lists(&mut tx, id, before.org_id, new).await?;
                    let after = get_procurement(&mut tx, id).await?;
                    write_audit(
                        &mut tx,
                        Audit::updated(actor, now, Some(after.org_id), "procurement", id, &before, &after),
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
                    let rows = sqlx::query(concat!(
                        "SELECT ", procurement_cols!(), " FROM procurements WHERE org_id = $1 ORDER BY id DESC"
                    ))
                    .bind(org_id)
                    .fetch_all(&mut *c)
                    .await?;
                    procurement_list(&mut c, rows).await
                }

                async fn supplier_procurements(&self, supplier_id: i64) -> Result<Vec<Procurement>> {
                    let mut c = self.pool.acquire().await?;
                    let rows = sqlx::query(concat!(
                        "SELECT ", procurement_cols!(),
                        " FROM procurements WHERE state <> 'draft' AND id IN
                           (SELECT procurement_id FROM procurement_suppliers WHERE supplier_id = $1)
                         ORDER BY id DESC"
                    ))
                    .bind(supplier_id)
                    .fetch_all(&mut *c)
                    .await?;
                    procurement_list(&mut c, rows).await
                }

                async fn publish_procurement(&self, actor: &Actor, now: OffsetDateTime, id: i64) -> Result<Procurement> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let before = get_procurement(&mut tx, id).await?;
                    if before.state != ProcurementState::Draft {
                        return invalid(format!("procurement {} is {}, not a draft", before.reference, before.state));
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
                    let mut tx = self.pool.begin_with($begin).await?;
                    let before = get_procurement(&mut tx, id).await?;
                    if before.state != ProcurementState::Open {
                        return invalid(format!("procurement {} is {}, not open", before.reference, before.state));
                    }
                    if ts(now) < before.deadline {
                        return invalid("deadline: bids stay sealed until the deadline");
                    }
                    let after = set_state(&mut tx, actor, now, &before, ProcurementState::Closed).await?;
                    tx.commit().await?;
                    Ok(after)
                }

                async fn cancel_procurement(&self, actor: &Actor, now: OffsetDateTime, id: i64) -> Result<Procurement> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let before = get_procurement(&mut tx, id).await?;
                    if matches!(before.state, ProcurementState::Awarded | ProcurementState::Cancelled) {
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
                    let mut tx = self.pool.begin_with($begin).await?;
                    let p = get_procurement(&mut tx, new.procurement_id).await?;
                    check_bid(&p, now, new)?;
                    let existing = sqlx::query("SELECT id FROM bids WHERE procurement_id = $1 AND supplier_id = $2")
                        .bind(p.id)
                        .bind(new.supplier_id)
                        .fetch_optional(&mut *tx)
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
                    .bind(p.id)
                    .bind(new.supplier_id)
                    .bind(new.price_pence)
                    .bind(new.quality_reference.trim())
                    .bind(&nonce)
                    .bind(actor.user_id)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, || "your company has already submitted a bid: revise it instead".to_owned()))?;
                    let id: i64 = row.try_get("id")?;
                    let doc = write_bid_content(&mut tx, id, &p, new).await?;
                    sqlx::query("UPDATE bids SET content_sha256 = $2 WHERE id = $1")
                        .bind(id)
                        .bind(content_hash(&nonce, new, doc.as_deref()))
                        .execute(&mut *tx)
                        .await?;
                    let bid = get_bid(&mut tx, id).await?;
                    // Sealed: the receipt only, never the content.
                    write_audit(&mut tx, Audit::created(actor, now, Some(p.org_id), "bid", id, &bid.receipt())).await?;
                    tx.commit().await?;
                    Ok(bid)
                }

                async fn revise_bid(&self, actor: &Actor, now: OffsetDateTime, bid_id: i64, new: &NewBid) -> Result<Bid> {
                    let now = ts(now);
                    let mut tx = self.pool.begin_with($begin).await?;
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
                    .bind(bid_id)
                    .bind(new.price_pence)
                    .bind(new.quality_reference.trim())
                    .bind(&nonce)
                    .bind(actor.user_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    let doc = write_bid_content(&mut tx, bid_id, &p, new).await?;
                    sqlx::query("UPDATE bids SET content_sha256 = $2 WHERE id = $1")
                        .bind(bid_id)
                        .bind(content_hash(&nonce, new, doc.as_deref()))
                        .execute(&mut *tx)
                        .await?;
                    let after = get_bid(&mut tx, bid_id).await?;
                    write_audit(
                        &mut tx,
                        Audit::updated(actor, now, Some(p.org_id), "bid", bid_id, &before.receipt(), &after.receipt()),
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
                    .bind(procurement_id)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(BidReceipt {
                            bid_id: r.try_get("id")?,
                            procurement_id: r.try_get("procurement_id")?,
                            supplier_id: r.try_get("supplier_id")?,
                            submitted_at: r.try_get("submitted_at")?,
                            updated_at: r.try_get("updated_at")?,
                            revision: r.try_get("revision")?,
                            content_sha256: r.try_get("content_sha256")?,
                        })
                    })
                    .collect()
                }

                async fn supplier_bid(&self, procurement_id: i64, supplier_id: i64) -> Result<Bid> {
                    let mut c = self.pool.acquire().await?;
                    let row = sqlx::query(concat!(
                        "SELECT ", bid_cols!(), bid_from!(), "WHERE b.procurement_id = $1 AND b.supplier_id = $2"
                    ))
                    .bind(procurement_id)
                    .bind(supplier_id)
                    .fetch_optional(&mut *c)
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
                    let rows = sqlx::query(concat!(
                        "SELECT ", bid_cols!(), bid_from!(), "WHERE b.procurement_id = $1 ORDER BY b.id"
                    ))
                    .bind(procurement_id)
                    .fetch_all(&mut *c)
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
                    .bind(bid_id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(Error::NotFound { entity: "document" })?;
                    Ok((
                        DocumentInfo {
                            filename: row.try_get("filename")?,
                            content_type: row.try_get("content_type")?,
                            size_bytes: row.try_get("size_bytes")?,
                            sha256: row.try_get("sha256")?,
                        },
                        row.try_get("content")?,
                    ))
                }

                async fn score_bid(&self, actor: &Actor, now: OffsetDateTime, bid_id: i64, score: &Score) -> Result<Bid> {
                    for (field, v) in [
                        ("quality_score", score.quality_score),
                        ("sv_qualitative_score", score.sv_qualitative_score),
                    ] {
                        if v < Decimal::ZERO || v > Decimal::ONE_HUNDRED {
                            return invalid(format!("{field}: {v} is not from 0 to 100"));
                        }
                    }
                    let mut tx = self.pool.begin_with($begin).await?;
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
                        .bind(bid_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO bid_scores (bid_id, quality_score, sv_qualitative_score, comment, scored_by, scored_at)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(bid_id)
                    .bind(score.quality_score.to_string())
                    .bind(score.sv_qualitative_score.to_string())
                    .bind(score.comment.trim())
                    .bind(actor.user_id)
                    .bind(ts(now))
                    .execute(&mut *tx)
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
                    let mut tx = self.pool.begin_with($begin).await?;
                    let before = get_procurement(&mut tx, procurement_id).await?;
                    if before.state != ProcurementState::Closed {
                        return invalid(format!(
                            "procurement {} is {}: open the bids and score them first",
                            before.reference, before.state
                        ));
                    }
                    let bids = sqlx::query(concat!(
                        "SELECT ", bid_cols!(), bid_from!(), "WHERE b.procurement_id = $1 ORDER BY b.id"
                    ))
                    .bind(procurement_id)
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(bid_from_row)
                    .collect::<Result<Vec<_>>>()?;
                    if bids.is_empty() {
                        return invalid("there are no bids to evaluate: cancel the procurement instead");
                    }
                    if let Some(b) = bids.iter().find(|b| b.score.is_none()) {
                        return invalid(format!("bid {} has no scores yet: score every bid first", b.id));
                    }
                    if ranked.len() != bids.len() || bids.iter().any(|b| ranked.iter().filter(|r| r.bid_id == b.id).count() != 1) {
                        return invalid("ranked: the ranking must name every bid once");
                    }
                    for r in ranked {
                        if r.rank < 1 {
                            return invalid("ranked: ranks start at 1");
                        }
                        sqlx::query("UPDATE bid_scores SET rank = $2, total_score = $3 WHERE bid_id = $1")
                            .bind(r.bid_id)
                            .bind(r.rank)
                            .bind(r.total_score.to_string())
                            .execute(&mut *tx)
                            .await?;
                    }
                    let after = set_state(&mut tx, actor, now, &before, ProcurementState::Evaluated).await?;
                    write_audit(
                        &mut tx,
                        Audit::created(actor, now, Some(after.org_id), "evaluation", procurement_id, &ranked),
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
                    let mut tx = self.pool.begin_with($begin).await?;
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
                            bid.rank.map(|r| r.to_string()).unwrap_or_else(|| "nowhere".into())
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
                    let contract = insert_contract(&mut tx, actor, now, &new, Some(procurement_id), Some(bid.id)).await?;
                    set_state(&mut tx, actor, now, &before, ProcurementState::Awarded).await?;
                    tx.commit().await?;
                    Ok(contract)
                }

                async fn create_contract(&self, actor: &Actor, now: OffsetDateTime, new: &NewContract) -> Result<Contract> {
                    let mut tx = self.pool.begin_with($begin).await?;
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
                    let rows = sqlx::query(concat!(
                        "SELECT ", contract_cols!(), " FROM contracts WHERE org_id = $1 ORDER BY lower(reference), id"
                    ))
                    .bind(org_id)
                    .fetch_all(&mut *c)
                    .await?;
                    contract_list(&mut c, rows).await
                }

                async fn supplier_contracts(&self, supplier_id: i64) -> Result<Vec<Contract>> {
                    let mut c = self.pool.acquire().await?;
                    let rows = sqlx::query(concat!(
                        "SELECT ", contract_cols!(), " FROM contracts WHERE supplier_id = $1 ORDER BY lower(reference), id"
                    ))
                    .bind(supplier_id)
                    .fetch_all(&mut *c)
                    .await?;
                    contract_list(&mut c, rows).await
                }
            }
        }
    };
}
