//! The opened bids ranked by `socval_core::evaluation` (for pages and the
//! API), and the evaluation completed with those ranks frozen.

use socval_core::evaluation::{self, Evaluation};
use socval_core::framework::Framework;
use socval_core::{Decimal, FinancialYear, Gbp};
use socval_store::Organisation;
use socval_store::procurement::{Bid, Procurement, Ranked};

use super::form::{policy_for, store_refusal};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::html::FormErrors;
use crate::state::AppState;

/// One bid's line in the ranking, for pages and the API.
#[derive(Clone, Debug)]
pub(crate) struct RankRow {
    pub bid_id: i64,
    pub supplier: String,
    pub price: String,
    pub sv: String,
    pub sv_percent: String,
    pub price_score: String,
    pub quality_score: String,
    pub sv_quantitative_score: String,
    pub sv_qualitative_score: String,
    pub total_score: String,
    pub total_exact: Decimal,
    pub rank: u32,
    pub tied: bool,
    pub scored: bool,
}

/// The ranking of the opened bids by `socval_core::evaluation` (unscored
/// bids count 0 for quality and qualitative social value).
pub(crate) async fn ranking(
    state: &AppState,
    org: &Organisation,
    p: &Procurement,
    bids: &[Bid],
) -> Result<(Vec<RankRow>, Vec<String>), AppError> {
    if bids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let rec = state.store.framework(p.framework_id).await?;
    let fw: Framework = crate::framework::parsed(&rec).await?;
    let names = supplier_names(state, org.id).await?;
    let year: FinancialYear = p
        .valuation_year
        .parse()
        .map_err(|_| AppError::Internal(format!("stored year {:?}", p.valuation_year)))?;
    let input = evaluation::Procurement {
        title: p.title.clone(),
        value: Gbp::from_pence(p.estimated_value_pence),
        category: p.category.clone(),
        framework: rec.name.clone(),
        year,
        weights: socval_core::Weights {
            price: p.weights.price,
            quality: p.weights.quality,
            social_value: p.weights.social_value,
            sv_quantitative_share: p.weights.sv_quantitative_share,
        },
        bids: bids
            .iter()
            .map(|b| evaluation::Bid {
                bidder: b.id.to_string(),
                price: Gbp::from_pence(b.price_pence),
                quality_score: b
                    .score
                    .as_ref()
                    .map(|s| s.quality_score)
                    .unwrap_or_default(),
                sv_qualitative_score: b
                    .score
                    .as_ref()
                    .map(|s| s.sv_qualitative_score)
                    .unwrap_or_default(),
                commitments: b
                    .commitments
                    .iter()
                    .enumerate()
                    .map(|(i, c)| socval_core::valuation::Commitment {
                        measure: c.measure.clone(),
                        units: c.units,
                        contract_year: u32::try_from(c.contract_year).ok(),
                        year: None,
                        line: i as u64 + 1,
                    })
                    .collect(),
            })
            .collect(),
        file: format!("procurement {}", p.reference),
    };
    let policy = policy_for(org);
    let e: Evaluation = match tokio::task::spawn_blocking(move || {
        evaluation::evaluate(&input, &fw, &policy, false).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    {
        Ok(e) => e,
        // Bids that cannot be scored (figures stored before they were
        // bounded, too large to add up) leave the page readable, saying why.
        Err(why) => {
            return Ok((
                Vec::new(),
                vec![format!("The bids cannot be ranked: {why}")],
            ));
        }
    };
    let two = |d: Decimal| format!("{:.2}", d.round_dp(2));
    let rows = e
        .bids
        .iter()
        .map(|s| {
            let bid_id: i64 = s.bidder.parse().unwrap_or_default();
            let bid = bids.iter().find(|b| b.id == bid_id);
            RankRow {
                bid_id,
                supplier: bid
                    .and_then(|b| names.iter().find(|(id, _)| *id == b.supplier_id))
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                price: s.price.display_pounds(),
                sv: s.sv.display_whole_pounds(),
                sv_percent: format!("{}%", s.sv_percent_of_price.round_dp(2)),
                price_score: two(s.price_score),
                quality_score: two(s.quality_score),
                sv_quantitative_score: two(s.sv_quantitative_score),
                sv_qualitative_score: two(s.sv_qualitative_score),
                total_score: two(s.total_score),
                total_exact: s.total_score,
                rank: s.rank,
                tied: s.tied,
                scored: bid.is_some_and(|b| b.score.is_some()),
            }
        })
        .collect();
    Ok((rows, e.notes))
}

pub(crate) async fn supplier_names(
    state: &AppState,
    org_id: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    Ok(state
        .store
        .suppliers(org_id)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// Completes the evaluation: ranks the bids and freezes the ranks.
pub(crate) async fn complete_evaluation(
    state: &AppState,
    ctx: &Ctx,
    p: &Procurement,
) -> Result<Result<Procurement, FormErrors>, AppError> {
    let org = &ctx.org()?.org;
    let now = state.now();
    let bids = match state.store.opened_bids(p.id, now).await {
        Ok(b) => b,
        Err(e) => return store_refusal(e, &["evaluation"]).map(Err),
    };
    if let Some(b) = bids.iter().find(|b| b.score.is_none()) {
        let names = supplier_names(state, org.id).await?;
        let name = names
            .iter()
            .find(|(id, _)| *id == b.supplier_id)
            .map(|(_, n)| n.as_str())
            .unwrap_or("a supplier");
        let mut errors = FormErrors::default();
        errors.add(
            "evaluation",
            format!("Score the bid from {name} before completing the evaluation"),
        );
        return Ok(Err(errors));
    }
    let (rows, _) = ranking(state, org, p, &bids).await?;
    let ranked: Vec<Ranked> = rows
        .iter()
        .map(|r| Ranked {
            bid_id: r.bid_id,
            rank: i64::from(r.rank),
            total_score: r.total_exact,
        })
        .collect();
    match state
        .store
        .complete_evaluation(&ctx.actor()?, now, p.id, &ranked)
        .await
    {
        Ok(p) => Ok(Ok(p)),
        Err(e) => store_refusal(e, &["evaluation"]).map(Err),
    }
}
