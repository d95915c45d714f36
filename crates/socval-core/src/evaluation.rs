//! Bid evaluation: price, quality and social value scores.
//!
//! - price = lowest price ÷ bid price × price weight;
//! - quality = quality score % × quality weight;
//! - social value, quantitative = bid's £ ÷ highest bid's £ × (social value
//!   weight × quantitative share); no bid scores here if no bid offers any £;
//! - social value, qualitative = score % × (social value weight × the rest);
//! - total = the sum. Bids are ranked on totals rounded to 2 decimal places,
//!   as a panel sees them; equal totals share a rank and are marked tied.

use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Result};
use crate::framework::Framework;
use crate::policy::{Policy, Requirements, Weights, WeightsProblem};
use crate::valuation::{self, Commitment, Valuation, ValuationOptions};
use crate::{FinancialYear, Gbp};

/// A procurement and its bids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procurement {
    /// Title.
    pub title: String,
    /// Estimated contract value.
    pub value: Gbp,
    /// Category, as the policy spells it (Places, People, Corporate).
    pub category: String,
    /// The framework to value commitments with: an embedded name or a file.
    pub framework: String,
    /// The financial year to value commitments in.
    pub year: FinancialYear,
    /// Weights: the policy's, overridden by the file's.
    pub weights: Weights,
    /// The bids, in file order.
    pub bids: Vec<Bid>,
    /// The file it was read from, for messages.
    pub file: String,
}

/// One bid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bid {
    /// Who bid.
    pub bidder: String,
    /// The bid price.
    pub price: Gbp,
    /// Quality score, % (0–100).
    pub quality_score: Decimal,
    /// Qualitative social value score, % (0–100).
    pub sv_qualitative_score: Decimal,
    /// Social value commitments.
    pub commitments: Vec<Commitment>,
}

pub use crate::policy::DeliveryRequirement;

/// One bid's scores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidScore {
    /// Who bid.
    pub bidder: String,
    /// The bid price.
    pub price: Gbp,
    /// Social value offered (£).
    pub sv: Gbp,
    /// Social value as a percentage of the bid price.
    pub sv_percent_of_price: Decimal,
    /// Price points.
    pub price_score: Decimal,
    /// Quality points.
    pub quality_score: Decimal,
    /// Quantitative social value points.
    pub sv_quantitative_score: Decimal,
    /// Qualitative social value points.
    pub sv_qualitative_score: Decimal,
    /// Social value points (quantitative + qualitative).
    pub sv_score: Decimal,
    /// Total points.
    pub total_score: Decimal,
    /// 1 = best; tied bids share a rank.
    pub rank: u32,
    /// True if another bid has the same rounded total.
    pub tied: bool,
    /// The valuation of its commitments.
    pub valuation: Valuation,
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Whether the value is over the social value threshold.
    pub sv_required: bool,
    /// Delivery plan or milestone tracker.
    pub delivery: DeliveryRequirement,
    /// The weights used.
    pub weights: Weights,
    /// Bids in rank order (file order within a tie).
    pub bids: Vec<BidScore>,
    /// Plain-language notes (zero social value, single bid).
    pub notes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    procurement: FileProcurement,
    #[serde(default)]
    bid: Vec<FileBid>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileProcurement {
    title: String,
    #[serde(deserialize_with = "crate::record::de::amount")]
    value_gbp: Gbp,
    #[serde(default)]
    category: Option<Spanned<String>>,
    framework: String,
    year: FinancialYear,
    #[serde(default, deserialize_with = "crate::record::de::opt_percent")]
    price_weight: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::record::de::opt_percent")]
    quality_weight: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::record::de::opt_percent")]
    sv_weight: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::record::de::opt_share")]
    sv_quantitative_share: Option<Decimal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBid {
    bidder: Spanned<String>,
    price_gbp: Spanned<toml::Value>,
    #[serde(deserialize_with = "crate::record::de::percent")]
    quality_score: Decimal,
    #[serde(deserialize_with = "crate::record::de::percent")]
    sv_qualitative_score: Decimal,
    #[serde(default)]
    commitment: Vec<FileCommitment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCommitment {
    measure: Spanned<String>,
    #[serde(deserialize_with = "crate::record::de::units")]
    units: Decimal,
    #[serde(default)]
    contract_year: Option<u32>,
    #[serde(default)]
    year: Option<FinancialYear>,
}

fn line_at(text: &str, offset: usize) -> u64 {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count() as u64
        + 1
}

impl FileBid {
    /// Checks one `[[bid]]` table: a bidder's name not among the `earlier`
    /// bids, and a price in pounds and pence above zero.
    fn read(self, text: &str, file: &str, earlier: &[Bid]) -> Result<Bid> {
        let b = self;
        let line = line_at(text, b.bidder.span().start);
        let name = b.bidder.get_ref().trim().to_string();
        let invalid = |message: String| Error::Invalid {
            file: file.into(),
            line: Some(line),
            message,
        };
        if name.is_empty() {
            return Err(invalid(
                "bidder is empty (accepted: the bidder's name)".into(),
            ));
        }
        if earlier.iter().any(|x| x.bidder.eq_ignore_ascii_case(&name)) {
            return Err(invalid(format!(
                "bidder {name:?} appears twice (accepted: one [[bid]] per bidder)"
            )));
        }
        let price_line = line_at(text, b.price_gbp.span().start);
        let price_text = match b.price_gbp.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            other => other.to_string(),
        };
        let price_error = |problem: String, expected: &str| Error::Field {
            file: file.into(),
            line: price_line,
            column: "price_gbp".into(),
            value: price_text.clone(),
            problem,
            expected: expected.into(),
        };
        let price = Gbp::parse(&price_text).map_err(|e| {
            price_error(
                format!("is not an amount: {}", e.reason),
                crate::record::AMOUNT_ACCEPTED,
            )
        })?;
        // Prices are to the penny: a price of a fraction of a penny
        // made social value ÷ price overflow when scoring.
        if price.to_pence().is_none() {
            return Err(price_error(
                "has a fraction of a penny".into(),
                "a price in pounds and pence, such as 1234.56 or £1,234",
            ));
        }
        if price <= Gbp::ZERO {
            return Err(price_error(
                "is not above zero, so no price score can be worked out".into(),
                "a bid price above £0",
            ));
        }
        let commitments = b
            .commitment
            .into_iter()
            .map(|c| Commitment {
                line: line_at(text, c.measure.span().start),
                measure: c.measure.into_inner(),
                units: c.units,
                contract_year: c.contract_year,
                year: c.year,
            })
            .collect();
        Ok(Bid {
            bidder: name,
            price,
            quality_score: b.quality_score,
            sv_qualitative_score: b.sv_qualitative_score,
            commitments,
        })
    }
}

impl Procurement {
    /// Reads a procurement file (`[procurement]` and `[[bid]]` tables, see
    /// the user guide). Weights left out come from `policy`.
    ///
    /// Returns an error naming file, line and value for anything malformed,
    /// weights that do not add up to 100, an unknown category, a bid price
    /// that is not above zero or has a fraction of a penny, a repeated
    /// bidder or no bids at all.
    pub fn from_toml(text: &str, file: &str, policy: &Policy) -> Result<Procurement> {
        let doc: FileDoc = toml::from_str(text).map_err(|e| Error::Toml {
            file: file.into(),
            message: e.to_string(),
        })?;
        let invalid = |line: Option<u64>, message: String| Error::Invalid {
            file: file.into(),
            line,
            message,
        };
        let p = doc.procurement;
        let category = match &p.category {
            None => policy.categories[0].clone(),
            Some(c) => policy
                .category(c.get_ref())
                .map(str::to_string)
                .ok_or_else(|| {
                    invalid(
                        Some(line_at(text, c.span().start)),
                        format!(
                            "category {:?} is not one of the policy's categories (accepted: {})",
                            c.get_ref(),
                            policy.categories.join(", ")
                        ),
                    )
                })?,
        };
        let d = policy.weights;
        let weights = Weights {
            price: p.price_weight.unwrap_or(d.price),
            quality: p.quality_weight.unwrap_or(d.quality),
            social_value: p.sv_weight.unwrap_or(d.social_value),
            sv_quantitative_share: p.sv_quantitative_share.unwrap_or(d.sv_quantitative_share),
        };
        if let Some(WeightsProblem::Sum(sum)) = weights.problem() {
            return Err(invalid(
                crate::record::toml_line(text, "price_weight", "")
                    .or_else(|| crate::record::toml_line(text, "quality_weight", ""))
                    .or_else(|| crate::record::toml_line(text, "sv_weight", "")),
                format!(
                    "price_weight {} + quality_weight {} + sv_weight {} = {sum}, not 100 (accepted: weights adding up to 100; defaults {} / {} / {})",
                    weights.price,
                    weights.quality,
                    weights.social_value,
                    d.price,
                    d.quality,
                    d.social_value
                ),
            ));
        }
        if doc.bid.is_empty() {
            return Err(invalid(
                None,
                "has no [[bid]] tables (accepted: at least one bid)".into(),
            ));
        }
        let mut bids: Vec<Bid> = Vec::with_capacity(doc.bid.len());
        for b in doc.bid {
            let bid = b.read(text, file, &bids)?;
            bids.push(bid);
        }
        Ok(Procurement {
            title: p.title,
            value: p.value_gbp,
            category,
            framework: p.framework,
            year: p.year,
            weights,
            bids,
            file: file.into(),
        })
    }
}

/// Scores every bid of `procurement`, valuing commitments with `framework`.
///
/// Returns an error if a commitment names a measure the framework lacks or
/// a proxy is missing for the year (unless `carry_forward`).
pub fn evaluate(
    procurement: &Procurement,
    framework: &Framework,
    policy: &Policy,
    carry_forward: bool,
) -> Result<Evaluation> {
    let p = procurement;
    let w = p.weights;
    let opts = ValuationOptions {
        year: p.year,
        carry_forward,
        file: p.file.clone(),
    };
    let valuations = p
        .bids
        .iter()
        .map(|b| valuation::value(framework, &b.commitments, &opts))
        .collect::<Result<Vec<_>>>()?;
    let Some(lowest) = p.bids.iter().map(|b| b.price).min() else {
        return Err(Error::Invalid {
            file: p.file.clone(),
            line: None,
            message: "there are no bids to evaluate".into(),
        });
    };
    if let Some(b) = p.bids.iter().find(|b| b.price <= Gbp::ZERO) {
        return Err(Error::Invalid {
            file: p.file.clone(),
            line: None,
            message: format!(
                "bid {:?} has a price of {}: no price score can be worked out for a price that is not above £0",
                b.bidder,
                b.price.display_pounds()
            ),
        });
    }
    let highest_sv = valuations
        .iter()
        .map(|v| v.total)
        .max()
        .unwrap_or(Gbp::ZERO);
    // Weights are 0–100 and shares 0–1, so these cannot overflow; prices
    // are above zero and at most £10¹², scores 0–100.
    let quant_weight = w
        .social_value
        .checked_mul(w.sv_quantitative_share)
        .unwrap_or(Decimal::ZERO);
    let qual_weight = w
        .social_value
        .checked_sub(quant_weight)
        .unwrap_or(Decimal::ZERO);
    let hundred = Decimal::ONE_HUNDRED;
    let mut scores = Vec::with_capacity(p.bids.len());
    for (b, v) in p.bids.iter().zip(valuations) {
        let sv = v.total;
        let fail = |what: &str| {
            crate::contract::overflow(&p.file, None, format!("the {what} of bid {:?}", b.bidder))
        };
        // `a` ÷ `by` × `times`, or the error naming the bid and the figure.
        let of = |a: Decimal, by: Decimal, times: Decimal, what: &str| {
            a.checked_div(by)
                .and_then(|r| r.checked_mul(times))
                .ok_or_else(|| fail(what))
        };
        let price_score = of(lowest.amount(), b.price.amount(), w.price, "price score")?;
        let quality_score = of(b.quality_score, hundred, w.quality, "quality score")?;
        let sv_quantitative_score = if highest_sv > Gbp::ZERO {
            of(
                sv.amount(),
                highest_sv.amount(),
                quant_weight,
                "social value score",
            )?
        } else {
            Decimal::ZERO
        };
        let sv_qualitative_score = of(
            b.sv_qualitative_score,
            hundred,
            qual_weight,
            "social value score",
        )?;
        let sv_score = sv_quantitative_score
            .checked_add(sv_qualitative_score)
            .ok_or_else(|| fail("social value score"))?;
        scores.push(BidScore {
            bidder: b.bidder.clone(),
            price: b.price,
            sv,
            sv_percent_of_price: of(
                sv.amount(),
                b.price.amount(),
                hundred,
                "social value as a percentage of its price",
            )?,
            price_score,
            quality_score,
            sv_quantitative_score,
            sv_qualitative_score,
            sv_score,
            total_score: price_score
                .checked_add(quality_score)
                .and_then(|t| t.checked_add(sv_score))
                .ok_or_else(|| fail("total score"))?,
            rank: 0,
            tied: false,
            valuation: v,
        });
    }

    rank(&mut scores);
    let needs = policy.requirements(p.value);
    Ok(Evaluation {
        sv_required: needs.social_value_required,
        delivery: needs.delivery,
        weights: w,
        notes: notes(p, policy, &needs, &scores, highest_sv),
        bids: scores,
    })
}

/// Ranks on what the panel sees: totals to 2 decimal places. A stable sort
/// keeps file order within a tie; tied bids share a rank.
fn rank(scores: &mut [BidScore]) {
    let shown = |s: &BidScore| s.total_score.round_dp(2);
    scores.sort_by_key(|s| std::cmp::Reverse(shown(s)));
    for i in 0..scores.len() {
        let same_as_prev = i > 0 && shown(&scores[i]) == shown(&scores[i - 1]);
        scores[i].rank = if same_as_prev {
            scores[i - 1].rank
        } else {
            i as u32 + 1
        };
        let same_as_next = i + 1 < scores.len() && shown(&scores[i]) == shown(&scores[i + 1]);
        scores[i].tied = same_as_prev || same_as_next;
    }
}

/// What the panel should know about the result: no social value offered,
/// a single bid, a tie at the top, social value optional at this value.
fn notes(
    p: &Procurement,
    policy: &Policy,
    needs: &Requirements,
    scores: &[BidScore],
    highest_sv: Gbp,
) -> Vec<String> {
    let mut notes = Vec::new();
    if highest_sv.is_zero() {
        notes.push("No bid offers any social value in £, so no bid scores quantitative social value points.".to_string());
    }
    if scores.len() == 1 {
        notes.push("Only one bid: it scores full price points, and full quantitative social value points if it offers any.".to_string());
    }
    if scores.iter().filter(|s| s.rank == 1).count() > 1 {
        notes.push(
            "The top bids are tied on total score; the policy does not break ties, the panel does."
                .to_string(),
        );
    }
    if !needs.social_value_required {
        notes.push(format!(
            "The value {} is not over the social value threshold {}: social value is optional here.",
            p.value.display_whole_pounds(),
            policy.social_value_threshold_gbp.display_whole_pounds()
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::embedded;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn bid(name: &str, price: &str, quality: &str, qual: &str, commitments: &str) -> String {
        format!(
            "[[bid]]\nbidder = \"{name}\"\nprice_gbp = \"{price}\"\nquality_score = {quality}\nsv_qualitative_score = {qual}\n{commitments}"
        )
    }

    const HEAD: &str = "[procurement]\ntitle = \"Depot\"\nvalue_gbp = \"£1,200,000\"\ncategory = \"places\"\nframework = \"rotherham-2019\"\nyear = \"2019/20\"\n";

    fn run(text: &str) -> Evaluation {
        let policy = Policy::default();
        let p = Procurement::from_toml(text, "p.toml", &policy).unwrap_or_else(|e| panic!("{e}"));
        evaluate(&p, &embedded("rotherham-2019").unwrap(), &policy, false).unwrap()
    }

    fn cm(measure: &str, units: &str) -> String {
        format!("[[bid.commitment]]\nmeasure = \"{measure}\"\nunits = {units}\n")
    }

    #[test]
    fn scores_follow_the_formulas_with_rotherham_defaults() {
        let text = format!(
            "{HEAD}{}{}",
            bid("A", "1000000", "80", "50", &cm("R07", "2")),
            bid("B", "800000", "60", "100", &cm("R07", "1"))
        );
        let e = run(&text);
        assert_eq!(e.weights, Weights::default());
        assert_eq!(e.delivery, DeliveryRequirement::DeliveryPlan);
        assert!(e.sv_required);
        let a = e.bids.iter().find(|b| b.bidder == "A").unwrap();
        let b = e.bids.iter().find(|b| b.bidder == "B").unwrap();
        // A: price 0.8×50 = 40; quality 80%×30 = 24; SV quant 10 (highest);
        // qual 50%×10 = 5; total 79.
        assert_eq!(
            (a.price_score, a.quality_score, a.sv_score, a.total_score),
            (d("40"), d("24"), d("15"), d("79"))
        );
        // B: price 50; quality 18; quant 5; qual 10; total 83.
        assert_eq!(
            (b.price_score, b.quality_score, b.sv_score, b.total_score),
            (d("50"), d("18"), d("15"), d("83"))
        );
        assert_eq!(a.sv, Gbp::new(d("30332")));
        assert_eq!(a.sv_percent_of_price, d("3.0332"));
        assert_eq!(
            (e.bids[0].bidder.as_str(), e.bids[0].rank, e.bids[1].rank),
            ("B", 1, 2)
        );
        assert!(!e.bids[0].tied);
    }

    #[test]
    fn ties_share_a_rank() {
        let same = |n| bid(n, "500000", "70", "70", &cm("R07", "1"));
        let text = format!(
            "{HEAD}{}{}{}",
            same("A"),
            same("B"),
            bid("C", "900000", "10", "0", "")
        );
        let e = run(&text);
        let ranks: Vec<(&str, u32, bool)> = e
            .bids
            .iter()
            .map(|b| (b.bidder.as_str(), b.rank, b.tied))
            .collect();
        assert_eq!(ranks, [("A", 1, true), ("B", 1, true), ("C", 3, false)]);
        assert!(e.notes.iter().any(|n| n.contains("tied")));
    }

    #[test]
    fn zero_social_value_everywhere_scores_no_quantitative_points() {
        let text = format!(
            "{HEAD}{}{}",
            bid("A", "100", "50", "40", ""),
            bid("B", "200", "50", "40", &cm("R02", "10"))
        );
        let e = run(&text);
        for b in &e.bids {
            assert_eq!(b.sv, Gbp::ZERO, "{}", b.bidder);
            assert_eq!(b.sv_quantitative_score, Decimal::ZERO);
            assert_eq!(b.sv_percent_of_price, Decimal::ZERO);
            assert_eq!(b.sv_qualitative_score, d("4"));
        }
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("No bid offers any social value"))
        );
    }

    #[test]
    fn a_single_bid_scores_full_price_and_sv_points() {
        let text = format!(
            "{HEAD}{}",
            bid("Only", "£250,000", "50", "50", &cm("R09", "10"))
        );
        let e = run(&text.replace("£1,200,000", "250000"));
        let b = &e.bids[0];
        assert_eq!(
            (b.price_score, b.sv_quantitative_score, b.rank, b.tied),
            (d("50"), d("10"), 1, false)
        );
        assert_eq!(
            e.delivery,
            DeliveryRequirement::MilestoneTracker,
            "£250k is not over £250k"
        );
    }

    #[test]
    fn file_weights_override_and_must_add_up() {
        let text = format!(
            "{HEAD}price_weight = 40\nquality_weight = 40\nsv_quantitative_share = \"25%\"\n{}",
            bid("A", "1", "0", "0", "")
        );
        let e = run(&text);
        assert_eq!(
            (
                e.weights.price,
                e.weights.social_value,
                e.weights.sv_quantitative_share
            ),
            (d("40"), d("20"), d("0.25"))
        );
        let bad = format!("{HEAD}price_weight = 60\n{}", bid("A", "1", "0", "0", ""));
        let err = Procurement::from_toml(&bad, "p.toml", &Policy::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("p.toml") && err.contains("line 7") && err.contains("110"),
            "{err}"
        );
    }

    #[test]
    fn bad_bids_are_refused_with_where() {
        let policy = Policy::default();
        let cases = [
            (
                format!("{HEAD}{}", bid("A", "0", "1", "1", "")),
                "line 9",
                "price_gbp",
            ),
            (
                format!(
                    "{HEAD}{}",
                    bid(
                        "A",
                        "0.0000000000000000000000000001",
                        "1",
                        "1",
                        &cm("R01", "4")
                    )
                ),
                "line 9",
                "fraction of a penny",
            ),
            (
                format!("{HEAD}{}", bid("A", "abc", "1", "1", "")),
                "line 9",
                "\"abc\"",
            ),
            (
                format!("{HEAD}{}", bid("A", "1", "101", "1", "")),
                "line 10",
                "\"101\"",
            ),
            (
                format!("{HEAD}{}", bid("A", "1", "1", "1", &cm("R07", "-1"))),
                "line 14",
                "negative",
            ),
            (
                format!(
                    "{HEAD}{}{}",
                    bid("A", "1", "1", "1", ""),
                    bid("a", "1", "1", "1", "")
                ),
                "line 13",
                "twice",
            ),
            (
                HEAD.replace("places", "Shipyards") + &bid("A", "1", "1", "1", ""),
                "line 4",
                "Places, People, Corporate",
            ),
            (HEAD.to_string(), "p.toml", "no [[bid]]"),
        ];
        for (text, line, what) in cases {
            let e = Procurement::from_toml(&text, "p.toml", &policy)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("p.toml") && e.contains(line) && e.contains(what),
                "want {line} {what}: {e}"
            );
        }
    }

    #[test]
    fn unknown_measure_in_a_bid_names_its_line() {
        let policy = Policy::default();
        let text = format!(
            "{HEAD}{}",
            bid("A", "1", "1", "1", &cm("Free lunches", "1"))
        );
        let p = Procurement::from_toml(&text, "p.toml", &policy).unwrap();
        let e = evaluate(&p, &embedded("rotherham-2019").unwrap(), &policy, false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("p.toml") && e.contains("line 13") && e.contains("Free lunches"),
            "{e}"
        );
    }
}
