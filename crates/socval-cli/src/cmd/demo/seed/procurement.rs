//! Procurements, contracts and their delivery returns: each procurement
//! taken as far as its state in `data/demo/procurements.toml`, each
//! contract created directly, and the returns on both.

use anyhow::{Context, Result, anyhow, bail};
use socval_core::evaluation;
use socval_core::{Decimal, FinancialYear, Gbp, Policy};
use socval_store::delivery::{LineStatus, NewEvidence, NewLine, NewReturn, Review};
use socval_store::procurement::{
    Award, Bid, Commitment, ContractCommitment, Evidence, NewBid, NewContract, NewProcurement,
    Ranked, Score,
};
use time::{Duration, OffsetDateTime};

use super::{
    BidFile, CommitmentFile, ContractFile, Ctx, FRAMEWORK, ProcurementFile, ReturnFile,
    VALUATION_YEAR, days, money, units,
};

fn commitments(rows: &[CommitmentFile]) -> Result<Vec<Commitment>> {
    rows.iter()
        .map(|c| {
            Ok(Commitment {
                measure: c.measure.clone(),
                contract_year: c.year,
                units: units(&c.units, &c.measure)?,
            })
        })
        .collect()
}

/// Takes a procurement as far as its `state`: created, published, bids
/// submitted, bids opened, evaluated, awarded with its returns (or
/// cancelled after publication).
pub(super) async fn seed_procurement(ctx: &mut Ctx<'_>, p: &ProcurementFile) -> Result<()> {
    let policy = Policy::default();
    let value = money(&p.value_gbp, "value_gbp")?;
    let deadline = days(ctx.now, p.deadline_days).replace_time(time::Time::from_hms(12, 0, 0)?);
    // Prepared a month before the deadline (at the latest, now).
    let created = (deadline - Duration::days(30)).min(ctx.now);
    let new = new_procurement(ctx, p, &policy, value, deadline)?;
    let store = ctx.store;
    let proc = store.create_procurement(ctx.officer, created, &new).await?;
    if p.state == "draft" {
        return Ok(());
    }
    store
        .publish_procurement(ctx.officer, created, proc.id)
        .await?;
    if p.state == "cancelled" {
        store
            .cancel_procurement(ctx.officer, created + Duration::days(2), proc.id)
            .await?;
        return Ok(());
    }
    let bids = submit_bids(ctx, p, proc.id, created, new.evidence).await?;
    if p.state == "open" {
        return Ok(());
    }
    let opened = deadline + Duration::hours(2);
    store.open_bids(ctx.officer, opened, proc.id).await?;
    if p.state == "closed" {
        return Ok(());
    }
    let ranked = score_and_rank(ctx, p, &policy, value, opened, &bids).await?;
    let evaluated_at = opened + Duration::days(3);
    store
        .complete_evaluation(ctx.officer, evaluated_at, proc.id, &ranked)
        .await?;
    if p.state == "evaluated" {
        return Ok(());
    }
    if p.state != "awarded" {
        bail!(
            "state {:?} is not one of draft, open, closed, evaluated, awarded, cancelled",
            p.state
        );
    }
    let winner = ranked
        .iter()
        .find(|r| r.rank == 1)
        .ok_or_else(|| anyhow!("no bid ranked first"))?;
    let start_at = days(ctx.now, p.start_days.unwrap_or(p.deadline_days + 30));
    let contract = store
        .award(
            ctx.officer,
            evaluated_at + Duration::days(1),
            proc.id,
            &Award {
                bid_id: winner.bid_id,
                contract_reference: p.contract_reference.clone().unwrap_or_default(),
                start: start_at.date(),
            },
        )
        .await?;
    seed_returns(ctx, contract.id, contract.supplier_id, start_at, &p.returns).await
}

/// The procurement `p` as the council's officer creates it, with the
/// weights and requirements of `policy` for its `value` (in pence).
fn new_procurement(
    ctx: &Ctx<'_>,
    p: &ProcurementFile,
    policy: &Policy,
    value: i64,
    deadline: OffsetDateTime,
) -> Result<NewProcurement> {
    let needs = policy.requirements(Gbp::from_pence(value));
    let suppliers: Vec<i64> = p
        .suppliers
        .iter()
        .map(|s| (ctx.suppliers)(s))
        .collect::<Result<_>>()?;
    Ok(NewProcurement {
        org_id: ctx.org,
        reference: p.reference.clone(),
        title: p.title.clone(),
        category: p.category.clone(),
        estimated_value_pence: value,
        framework_id: ctx.framework_id,
        valuation_year: VALUATION_YEAR.into(),
        contract_years: p.years,
        weights: needs.weights,
        sv_required: needs.social_value_required,
        evidence: needs.delivery,
        deadline,
        measures: p.measures.clone(),
        suppliers,
    })
}

/// Submits the bids of `p`, a week after publication (`created`), each by
/// its supplier's user with a short qualitative document. Returns each
/// stored bid with its line in the file.
async fn submit_bids<'p>(
    ctx: &Ctx<'_>,
    p: &'p ProcurementFile,
    procurement_id: i64,
    created: OffsetDateTime,
    evidence: Evidence,
) -> Result<Vec<(Bid, &'p BidFile)>> {
    let mut bids = Vec::new();
    for (i, b) in p.bid.iter().enumerate() {
        let supplier = (ctx.suppliers)(&b.supplier)?;
        let at = (created + Duration::days(7 + i as i64)).min(ctx.now);
        let doc = format!(
            "{}: social value {} for {} ({}). Fictional demo document.\n",
            b.supplier,
            if evidence == Evidence::DeliveryPlan {
                "delivery plan"
            } else {
                "milestone tracker"
            },
            p.title,
            p.reference
        );
        let bid = ctx
            .store
            .submit_bid(
                &ctx.supplier_actor(supplier),
                at,
                &NewBid {
                    procurement_id,
                    supplier_id: supplier,
                    price_pence: money(&b.price_gbp, "price_gbp")?,
                    quality_reference: b.quality_reference.clone(),
                    commitments: commitments(&b.commitments)?,
                    document: Some(socval_store::procurement::NewDocument {
                        filename: "social-value-plan.txt".into(),
                        content_type: "text/plain".into(),
                        bytes: doc.into_bytes(),
                    }),
                },
            )
            .await?;
        bids.push((bid, b));
    }
    Ok(bids)
}

/// Records the panel's scores of `bids` a day after they were `opened`,
/// then ranks them with the evaluation engine.
async fn score_and_rank(
    ctx: &Ctx<'_>,
    p: &ProcurementFile,
    policy: &Policy,
    value: i64,
    opened: OffsetDateTime,
    bids: &[(Bid, &BidFile)],
) -> Result<Vec<Ranked>> {
    let mut engine_bids = Vec::new();
    for (bid, b) in bids {
        let score = |s: &Option<String>, what: &str| -> Result<Decimal> {
            s.as_deref()
                .ok_or_else(|| anyhow!("bid of {}: {what} is needed to evaluate", b.supplier))?
                .parse::<Decimal>()
                .map_err(|e| anyhow!("bid of {}: {what}: {e}", b.supplier))
        };
        let quality = score(&b.quality_score, "quality_score")?;
        let qualitative = score(&b.sv_qualitative_score, "sv_qualitative_score")?;
        ctx.store
            .score_bid(
                ctx.officer,
                opened + Duration::days(1),
                bid.id,
                &Score {
                    quality_score: quality,
                    sv_qualitative_score: qualitative,
                    comment: "Scored by the evaluation panel (demo).".into(),
                },
            )
            .await?;
        engine_bids.push(evaluation::Bid {
            bidder: bid.id.to_string(),
            price: Gbp::from_pence(bid.price_pence),
            quality_score: quality,
            sv_qualitative_score: qualitative,
            commitments: bid
                .commitments
                .iter()
                .map(|c| socval_core::valuation::Commitment {
                    measure: c.measure.clone(),
                    units: c.units,
                    contract_year: u32::try_from(c.contract_year).ok(),
                    year: None,
                    line: 0,
                })
                .collect(),
        });
    }
    let engine = evaluation::Procurement {
        title: p.title.clone(),
        value: Gbp::from_pence(value),
        category: p.category.clone(),
        framework: FRAMEWORK.into(),
        year: VALUATION_YEAR
            .parse::<FinancialYear>()
            .map_err(|e| anyhow!("{e}"))?,
        weights: policy.weights,
        bids: engine_bids,
        file: p.reference.clone(),
    };
    let e = evaluation::evaluate(&engine, ctx.framework, policy, false)?;
    e.bids
        .iter()
        .map(|s| {
            Ok(Ranked {
                bid_id: s.bidder.parse()?,
                rank: i64::from(s.rank),
                total_score: s.total_score,
            })
        })
        .collect()
}

pub(super) async fn seed_contract(ctx: &mut Ctx<'_>, c: &ContractFile) -> Result<()> {
    let policy = Policy::default();
    let supplier = (ctx.suppliers)(&c.supplier)?;
    let value = money(&c.value_gbp, "value_gbp")?;
    let start_at = days(ctx.now, c.start_days);
    let contract = ctx
        .store
        .create_contract(
            ctx.officer,
            start_at - Duration::days(14),
            &NewContract {
                org_id: ctx.org,
                supplier_id: supplier,
                reference: c.reference.clone(),
                title: c.title.clone(),
                category: c.category.clone(),
                value_pence: value,
                start: start_at.date(),
                years: c.years,
                framework_id: Some(ctx.framework_id),
                valuation_year: VALUATION_YEAR.into(),
                evidence: policy.requirements(Gbp::from_pence(value)).delivery,
                commitments: c
                    .commitments
                    .iter()
                    .map(|r| {
                        Ok(ContractCommitment {
                            measure: r.measure.clone(),
                            contract_year: r.year,
                            units: units(&r.units, &r.measure)?,
                            quarters: None,
                        })
                    })
                    .collect::<Result<_>>()?,
            },
        )
        .await?;
    seed_returns(ctx, contract.id, supplier, start_at, &c.returns).await
}

/// Submits each return a week after its quarter ends (by its supplier's
/// user), with a small CSV of evidence, and reviews its lines as the file
/// says (`pending` lines await verification).
async fn seed_returns(
    ctx: &mut Ctx<'_>,
    contract_id: i64,
    supplier: i64,
    start: OffsetDateTime,
    returns: &[ReturnFile],
) -> Result<()> {
    let evidence = socval_store::delivery::evidence::EvidenceDir::new(ctx.data_dir);
    for r in returns {
        let quarter_end = start + Duration::days(365 * (r.year - 1) + 91 * r.quarter);
        let at = (quarter_end + Duration::days(7)).min(ctx.now - Duration::days(1));
        let csv = format!(
            "measure,units,period\n{}",
            r.lines
                .iter()
                .map(|l| format!(
                    "{},{},year {} quarter {}\n",
                    l.measure, l.units, r.year, r.quarter
                ))
                .collect::<String>()
        );
        let stored = evidence
            .put(csv.as_bytes())
            .with_context(|| format!("cannot write evidence under {}", ctx.data_dir.display()))?;
        let new = NewReturn {
            contract_id,
            supplier_id: supplier,
            contract_year: r.year,
            quarter: r.quarter,
            narrative: r.narrative.clone(),
            lines: r
                .lines
                .iter()
                .map(|l| {
                    Ok(NewLine {
                        measure: l.measure.clone(),
                        units: units(&l.units, &l.measure)?,
                    })
                })
                .collect::<Result<_>>()?,
            evidence: vec![NewEvidence {
                sha256: stored.sha256.clone(),
                size_bytes: stored.size_bytes,
                media_type: "text/csv".into(),
                filename: format!("timesheets-y{}-q{}.csv", r.year, r.quarter),
            }],
        };
        let ret = ctx
            .store
            .submit_return(&ctx.supplier_actor(supplier), at, &new)
            .await
            .with_context(|| format!("return for year {} quarter {}", r.year, r.quarter))?;
        for (line, file) in ret.lines.iter().zip(&r.lines) {
            let status = match file.review.as_str() {
                "pending" => continue,
                "verified" => LineStatus::Verified,
                "rejected" => LineStatus::Rejected,
                other => bail!("review {other:?} is not verified, rejected or pending"),
            };
            ctx.store
                .review_line(
                    ctx.officer,
                    (at + Duration::days(3)).min(ctx.now),
                    line.id,
                    &Review {
                        status,
                        comment: if file.comment.is_empty() {
                            "Checked against the timesheets (demo).".into()
                        } else {
                            file.comment.clone()
                        },
                    },
                )
                .await?;
        }
    }
    Ok(())
}
