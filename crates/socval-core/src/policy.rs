//! A council's Social Value Policy settings: thresholds, weights, categories,
//! places, and the thresholds of RAG status and audit opinions.
//!
//! [`Policy::default`] is Rotherham's policy as the seed report describes it;
//! `data/policy/rotherham.toml` writes the same settings out as a file.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Gbp;
use crate::error::{Error, Result};

/// A council's policy settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Whose policy.
    pub name: String,
    /// Procurements above this ask bidders for social value (£100,000).
    #[serde(deserialize_with = "crate::record::de::amount")]
    pub social_value_threshold_gbp: Gbp,
    /// Purchases below this need quotes under the small-purchase rule (£25,000).
    #[serde(deserialize_with = "crate::record::de::amount")]
    pub quotes_threshold_gbp: Gbp,
    /// Contracts above this need a social value delivery plan; below, a
    /// milestone tracker (£250,000).
    #[serde(deserialize_with = "crate::record::de::amount")]
    pub delivery_plan_threshold_gbp: Gbp,
    /// Contract categories (Places, People, Corporate).
    pub categories: Vec<String>,
    /// Default evaluation weights.
    pub weights: Weights,
    /// Where "local" and "region" are.
    pub place: Place,
    /// The small-purchase quotes rule.
    pub quotes: QuoteRule,
    /// Delivery RAG thresholds.
    pub rag: RagThresholds,
    /// Audit opinion thresholds.
    pub assurance: AssuranceThresholds,
}

/// Evaluation weights, in percentage points of the total score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// Price (default 50).
    #[serde(deserialize_with = "crate::record::de::decimal")]
    pub price: Decimal,
    /// Quality (default 30).
    #[serde(deserialize_with = "crate::record::de::decimal")]
    pub quality: Decimal,
    /// Social value (default 20: Rotherham weights social value at 20%).
    #[serde(deserialize_with = "crate::record::de::decimal")]
    pub social_value: Decimal,
    /// The share of the social value weight given to the quantitative
    /// (£) score, 0–1; the rest is qualitative (default 0.5: half and half).
    #[serde(deserialize_with = "crate::record::de::decimal")]
    pub sv_quantitative_share: Decimal,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            price: Decimal::from(50),
            quality: Decimal::from(30),
            social_value: Decimal::from(20),
            sv_quantitative_share: Decimal::new(5, 1),
        }
    }
}

impl Weights {
    /// What is wrong with the weights, if anything: a negative weight,
    /// price + quality + social value not adding up to 100, or a
    /// quantitative share outside 0–1. The one check of every set of
    /// weights (policy files, procurement files, the portal's form, the
    /// store).
    pub fn problem(&self) -> Option<WeightsProblem> {
        let sum = self.price + self.quality + self.social_value;
        if sum != Decimal::ONE_HUNDRED {
            return Some(WeightsProblem::Sum(sum));
        }
        if [self.price, self.quality, self.social_value]
            .iter()
            .any(|x| x.is_sign_negative() && !x.is_zero())
        {
            return Some(WeightsProblem::Negative);
        }
        if self.sv_quantitative_share < Decimal::ZERO || self.sv_quantitative_share > Decimal::ONE {
            return Some(WeightsProblem::Share(self.sv_quantitative_share));
        }
        None
    }
}

/// Why a set of [`Weights`] cannot be used. Each front end says it with
/// its own field names (a file's keys, a form's labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightsProblem {
    /// Price + quality + social value add up to this, not 100.
    Sum(Decimal),
    /// A weight is below zero.
    Negative,
    /// The quantitative share of the social value weight is this, not
    /// between 0 and 1.
    Share(Decimal),
}

/// What a contract of a given value needs for delivery monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryRequirement {
    /// Over the delivery plan threshold: a social value delivery plan.
    DeliveryPlan,
    /// Otherwise: a milestone tracker.
    MilestoneTracker,
}

impl DeliveryRequirement {
    /// `delivery_plan` or `milestone_tracker`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryRequirement::DeliveryPlan => "delivery_plan",
            DeliveryRequirement::MilestoneTracker => "milestone_tracker",
        }
    }
}

/// What the policy requires of a procurement of a given value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirements {
    /// Bidders must offer social value: the value is over the social
    /// value threshold.
    pub social_value_required: bool,
    /// A delivery plan or a milestone tracker.
    pub delivery: DeliveryRequirement,
    /// The weights bids are scored with unless the procurement sets its
    /// own.
    pub weights: Weights,
}

/// The council's own area and the wider region, as LAD codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// The council's local authority district (Rotherham: E08000018).
    pub local_authority: String,
    /// The region's name.
    pub region_name: String,
    /// The region's LAD codes, including successor codes.
    pub region: Vec<String>,
}

/// The small-purchase quotes rule (paragraph 2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteRule {
    /// At least this many quotes (2).
    pub min_quotes: u32,
    /// At least this many from local suppliers (1); if none is local, one
    /// from the region and a recorded justification.
    pub min_local: u32,
}

impl QuoteRule {
    /// The rule in words, for purchases under `threshold`: "under
    /// £25,000: at least two quotes, at least one local, else one from the
    /// region with a justification".
    pub fn describe(&self, threshold: Gbp) -> String {
        format!(
            "under {}: at least {}, at least {} local, else one from the region with a justification",
            threshold.display_whole_pounds(),
            count(self.min_quotes, "quote", "quotes"),
            number_word(self.min_local),
        )
    }
}

/// "one", "two", ... "ten", then digits.
fn number_word(n: u32) -> String {
    const WORDS: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    WORDS
        .get(n as usize)
        .map_or_else(|| n.to_string(), |w| (*w).to_string())
}

fn count(n: u32, one: &str, many: &str) -> String {
    format!("{} {}", number_word(n), if n == 1 { one } else { many })
}

/// RAG status thresholds, as percentages of expected delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RagThresholds {
    /// Green at or above (90).
    #[serde(deserialize_with = "crate::record::de::decimal")]
    pub green: Decimal,
    /// Amber at or above (70); red below.
    #[serde(deserialize_with = "crate::record::de::decimal")]
    pub amber: Decimal,
}

impl RagThresholds {
    /// The rule in words: "green at or above 90% of what was expected to
    /// date, amber at or above 70%, red below".
    pub fn describe(&self) -> String {
        format!(
            "green at or above {}% of what was expected to date, amber at or above {}%, red below",
            self.green.normalize(),
            self.amber.normalize()
        )
    }
}

impl Default for RagThresholds {
    fn default() -> Self {
        RagThresholds {
            green: Decimal::from(90),
            amber: Decimal::from(70),
        }
    }
}

/// Audit opinion thresholds, as compliance-rate percentages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssuranceThresholds {
    /// Substantial at or above (95).
    #[serde(deserialize_with = "crate::record::de::decimal")]
    pub substantial: Decimal,
    /// Reasonable at or above (80).
    #[serde(deserialize_with = "crate::record::de::decimal")]
    pub reasonable: Decimal,
    /// Limited at or above (50); "No assurance" below.
    #[serde(deserialize_with = "crate::record::de::decimal")]
    pub limited: Decimal,
}

impl AssuranceThresholds {
    /// The rule in words: "Substantial at or above 95%, Reasonable at or
    /// above 80%, Limited at or above 50%, else No assurance".
    pub fn describe(&self) -> String {
        format!(
            "Substantial at or above {}%, Reasonable at or above {}%, Limited at or above {}%, else No assurance",
            self.substantial.normalize(),
            self.reasonable.normalize(),
            self.limited.normalize()
        )
    }
}

impl Default for AssuranceThresholds {
    fn default() -> Self {
        AssuranceThresholds {
            substantial: Decimal::from(95),
            reasonable: Decimal::from(80),
            limited: Decimal::from(50),
        }
    }
}

impl Default for Policy {
    /// Rotherham Metropolitan Borough Council's Social Value Policy (October
    /// 2019) as the 2021 annual report describes it.
    fn default() -> Self {
        Policy {
            name: "Rotherham Metropolitan Borough Council Social Value Policy (October 2019)"
                .into(),
            social_value_threshold_gbp: Gbp::new(Decimal::from(100_000)),
            quotes_threshold_gbp: Gbp::new(Decimal::from(25_000)),
            delivery_plan_threshold_gbp: Gbp::new(Decimal::from(250_000)),
            categories: vec!["Places".into(), "People".into(), "Corporate".into()],
            weights: Weights::default(),
            place: Place {
                local_authority: "E08000018".into(),
                region_name: "Sheffield City Region (combined authority)".into(),
                region: [
                    "E08000016",
                    "E08000017",
                    "E08000018",
                    "E08000019",
                    "E08000038",
                    "E08000039",
                ]
                .map(String::from)
                .to_vec(),
            },
            quotes: QuoteRule {
                min_quotes: 2,
                min_local: 1,
            },
            rag: RagThresholds::default(),
            assurance: AssuranceThresholds::default(),
        }
    }
}

impl Policy {
    /// Reads a policy file; keys left out keep Rotherham's defaults.
    ///
    /// Returns [`Error::Toml`] naming line, column and value for a bad key
    /// or value, and [`Error::Invalid`] for weights that do not add up to
    /// 100 or thresholds out of order.
    pub fn from_toml(text: &str, file: &str) -> Result<Policy> {
        let p: Policy = toml::from_str(text).map_err(|e| Error::Toml {
            file: file.into(),
            message: e.to_string(),
        })?;
        p.check(file, text)?;
        Ok(p)
    }

    /// The policy as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a policy always serialises")
    }

    fn check(&self, file: &str, text: &str) -> Result<()> {
        let invalid = |key: &str, message: String| Error::Invalid {
            file: file.into(),
            line: crate::record::toml_line(text, key, ""),
            message,
        };
        let w = &self.weights;
        match w.problem() {
            None => {}
            Some(WeightsProblem::Sum(sum)) => {
                return Err(invalid(
                    "price",
                    format!(
                        "[weights] price {} + quality {} + social_value {} = {sum}, not 100 (accepted: weights adding up to 100)",
                        w.price, w.quality, w.social_value,
                    ),
                ));
            }
            Some(WeightsProblem::Negative) => {
                return Err(invalid(
                    "price",
                    "[weights] a weight is negative (accepted: 0 to 100)".into(),
                ));
            }
            Some(WeightsProblem::Share(share)) => {
                return Err(invalid(
                    "sv_quantitative_share",
                    format!("[weights] sv_quantitative_share {share} is not between 0 and 1"),
                ));
            }
        }
        if self.rag.amber > self.rag.green {
            return Err(invalid(
                "amber",
                format!(
                    "[rag] amber {} is above green {} (accepted: amber ≤ green)",
                    self.rag.amber, self.rag.green
                ),
            ));
        }
        let a = &self.assurance;
        if !(a.limited <= a.reasonable && a.reasonable <= a.substantial) {
            return Err(invalid(
                "limited",
                "[assurance] thresholds must satisfy limited ≤ reasonable ≤ substantial".into(),
            ));
        }
        if self.categories.is_empty() {
            return Err(invalid("categories", "categories is empty (accepted: a list such as [\"Places\", \"People\", \"Corporate\"])".into()));
        }
        Ok(())
    }

    /// What the policy requires of a procurement of `value`: social value
    /// over the social value threshold, a delivery plan over the delivery
    /// plan threshold (a milestone tracker otherwise), and the default
    /// weights.
    pub fn requirements(&self, value: Gbp) -> Requirements {
        Requirements {
            social_value_required: value > self.social_value_threshold_gbp,
            delivery: if value > self.delivery_plan_threshold_gbp {
                DeliveryRequirement::DeliveryPlan
            } else {
                DeliveryRequirement::MilestoneTracker
            },
            weights: self.weights,
        }
    }

    /// The category as the policy spells it, if `name` is one (case-insensitive).
    pub fn category(&self, name: &str) -> Option<&str> {
        self.categories
            .iter()
            .find(|c| c.eq_ignore_ascii_case(name.trim()))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_file_is_the_default() {
        let text = include_str!("../../../data/policy/rotherham.toml");
        assert_eq!(
            Policy::from_toml(text, "rotherham.toml").unwrap(),
            Policy::default()
        );
    }

    #[test]
    fn keys_left_out_keep_defaults() {
        let p = Policy::from_toml("[rag]\ngreen = 95\namber = 75\n", "p.toml").unwrap();
        assert_eq!(p.rag.green, Decimal::from(95));
        assert_eq!(p.weights, Weights::default());
    }

    #[test]
    fn weights_must_add_up_and_errors_say_where() {
        let text =
            "[weights]\nprice = 60\nquality = 30\nsocial_value = 20\nsv_quantitative_share = 0.5\n";
        let e = Policy::from_toml(text, "p.toml").unwrap_err().to_string();
        assert!(
            e.contains("p.toml") && e.contains("line 2") && e.contains("110"),
            "{e}"
        );
        let e = Policy::from_toml("quotes_threshold_gbp = \"lots\"\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("lots"), "{e}");
        let e = Policy::from_toml("threshold = 5\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("threshold"), "{e}");
    }

    #[test]
    fn requirements_follow_the_thresholds_in_force() {
        let p = Policy::default();
        let at = |pounds: i64| p.requirements(Gbp::new(Decimal::from(pounds)));
        assert!(
            !at(100_000).social_value_required,
            "at the threshold: not over it"
        );
        assert!(at(100_001).social_value_required);
        assert_eq!(at(250_000).delivery, DeliveryRequirement::MilestoneTracker);
        assert_eq!(at(250_001).delivery, DeliveryRequirement::DeliveryPlan);
        let own = Policy::from_toml(
            "social_value_threshold_gbp = 50000\ndelivery_plan_threshold_gbp = 75000\n",
            "own.toml",
        )
        .unwrap();
        let r = own.requirements(Gbp::new(Decimal::from(80_000)));
        assert!(r.social_value_required);
        assert_eq!(r.delivery, DeliveryRequirement::DeliveryPlan);
    }

    #[test]
    fn one_weights_check_names_each_problem() {
        let w = |p: i64, q: i64, s: i64, share: &str| Weights {
            price: Decimal::from(p),
            quality: Decimal::from(q),
            social_value: Decimal::from(s),
            sv_quantitative_share: share.parse().unwrap(),
        };
        assert_eq!(w(50, 30, 20, "0.5").problem(), None);
        assert_eq!(
            w(60, 30, 20, "0.5").problem(),
            Some(WeightsProblem::Sum(Decimal::from(110)))
        );
        assert_eq!(
            w(110, 10, -20, "0.5").problem(),
            Some(WeightsProblem::Negative)
        );
        assert_eq!(
            w(50, 30, 20, "1.5").problem(),
            Some(WeightsProblem::Share("1.5".parse().unwrap()))
        );
    }

    #[test]
    fn rules_in_words_say_the_policy_s_own_numbers() {
        let p = Policy::from_toml(
            "quotes_threshold_gbp = 10000\n[quotes]\nmin_quotes = 3\nmin_local = 2\n[rag]\ngreen = 95\namber = 72.5\n",
            "own.toml",
        )
        .unwrap();
        assert_eq!(
            p.quotes.describe(p.quotes_threshold_gbp),
            "under £10,000: at least three quotes, at least two local, else one from the region with a justification"
        );
        assert_eq!(
            p.rag.describe(),
            "green at or above 95% of what was expected to date, amber at or above 72.5%, red below"
        );
        assert!(
            Policy::default()
                .assurance
                .describe()
                .starts_with("Substantial at or above 95%")
        );
    }
}
