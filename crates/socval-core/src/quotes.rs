//! Small purchases (paragraph 2.5 of the seed report): under the quotes
//! threshold (£25,000) a purchase needs at least two quotes, at least one
//! from a local supplier; if none is local, one from the wider region and a
//! recorded justification. A reproducible sample audit gives a compliance
//! rate and an assurance opinion.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;

use crate::Gbp;
use crate::error::{Error, Result};
use crate::place::LocationClass;
use crate::policy::{AssuranceThresholds, Policy};
use crate::record::Records;
use crate::rng::SplitMix64;

/// One quote for a purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The purchase it is for.
    pub purchase_id: String,
    /// The purchase's value.
    pub purchase_value: Gbp,
    /// The supplier.
    pub supplier: String,
    /// Where the supplier is.
    pub location: LocationClass,
    /// The amount quoted.
    pub amount: Gbp,
    /// Why no local quote was obtained, if recorded.
    pub justification: String,
    /// Line in the file.
    pub line: u64,
}

/// The quotes rule applied to one purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseCheck {
    /// The purchase.
    pub purchase_id: String,
    /// Its value.
    pub purchase_value: Gbp,
    /// Line of its first quote.
    pub line: u64,
    /// Distinct suppliers quoting.
    pub quotes: u32,
    /// Of which local.
    pub local: u32,
    /// Of which in the region (not local).
    pub region: u32,
    /// Whether a justification is recorded.
    pub justified: bool,
    /// Under the quotes threshold, so the rule applies.
    pub in_scope: bool,
    /// Meets the rule (always true out of scope).
    pub compliant: bool,
    /// Why it is not compliant (empty if it is), or why it is out of scope.
    pub reasons: Vec<String>,
}

/// Reads quotes: `purchase_id`, `purchase_value_gbp`, `supplier`,
/// `supplier_location` (local, region or outside), `amount_gbp`, optional
/// `justification`. Every row is read before anything is checked.
pub fn quotes_from_records(records: &Records) -> Result<Vec<Quote>> {
    let id = records.column(&["purchase_id"])?;
    let value = records.column(&["purchase_value_gbp", "purchase_value"])?;
    let supplier = records.column(&["supplier"])?;
    let location = records.column(&["supplier_location", "location"])?;
    let amount = records.column(&["amount_gbp", "amount"])?;
    let justification = records.optional_column(&["justification"]);
    let mut out: Vec<Quote> = Vec::with_capacity(records.rows.len());
    let mut first: BTreeMap<String, (Gbp, u64)> = BTreeMap::new();
    for r in &records.rows {
        if r.get(id).is_empty() {
            return Err(records.field_error(r, id, "is empty", "the purchase's reference"));
        }
        if r.get(supplier).is_empty() {
            return Err(records.field_error(
                r,
                supplier,
                "is empty",
                "the quoting supplier's name",
            ));
        }
        let pv = records.amount(r, value)?;
        if pv <= Gbp::ZERO {
            return Err(records.field_error(
                r,
                value,
                "is not above zero",
                "the purchase's value, above £0",
            ));
        }
        match first.get(r.get(id)) {
            Some((v, line)) if *v != pv => {
                return Err(records.field_error(
                    r,
                    value,
                    &format!(
                        "differs from the value on line {line} for the same purchase ({})",
                        v.display_pounds()
                    ),
                    "the same purchase value on every quote of a purchase",
                ));
            }
            Some(_) => {}
            None => {
                first.insert(r.get(id).to_string(), (pv, r.line));
            }
        }
        let loc = match r.get(location).to_ascii_lowercase().as_str() {
            "local" => LocationClass::Local,
            "region" | "regional" => LocationClass::Region,
            "outside" | "elsewhere" | "national" => LocationClass::Outside,
            _ => {
                return Err(records.field_error(
                    r,
                    location,
                    "is not a supplier location",
                    "local, region or outside",
                ));
            }
        };
        let amt = records.amount(r, amount)?;
        if amt <= Gbp::ZERO {
            return Err(records.field_error(
                r,
                amount,
                "is not above zero",
                "the amount quoted, above £0",
            ));
        }
        out.push(Quote {
            purchase_id: r.get(id).to_string(),
            purchase_value: pv,
            supplier: r.get(supplier).to_string(),
            location: loc,
            amount: amt,
            justification: justification
                .map(|c| r.get(c).to_string())
                .unwrap_or_default(),
            line: r.line,
        });
    }
    if out.is_empty() {
        return Err(Error::Invalid {
            file: records.file.clone(),
            line: None,
            message: "has no quotes (accepted: a header row and a row per quote)".into(),
        });
    }
    Ok(out)
}

/// Applies the quotes rule of `policy` to each purchase, in order of first
/// appearance. Quotes from the same supplier (ignoring case and spacing)
/// count once.
pub fn check(quotes: &[Quote], policy: &Policy) -> Vec<PurchaseCheck> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_id: BTreeMap<&str, Vec<&Quote>> = BTreeMap::new();
    for q in quotes {
        if !by_id.contains_key(q.purchase_id.as_str()) {
            order.push(&q.purchase_id);
        }
        by_id.entry(&q.purchase_id).or_default().push(q);
    }
    let rule = policy.quotes;
    let threshold = policy.quotes_threshold_gbp;
    order
        .into_iter()
        .map(|id| {
            let qs = &by_id[id];
            // Best location per distinct supplier.
            let mut suppliers: BTreeMap<String, LocationClass> = BTreeMap::new();
            for q in qs {
                let key = q.supplier.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
                let e = suppliers.entry(key).or_insert(q.location);
                *e = (*e).min(q.location);
            }
            let n = suppliers.len() as u32;
            let local = suppliers.values().filter(|l| **l == LocationClass::Local).count() as u32;
            let region = suppliers.values().filter(|l| **l == LocationClass::Region).count() as u32;
            let justified = qs.iter().any(|q| !q.justification.trim().is_empty());
            let value = qs[0].purchase_value;
            let in_scope = value < threshold;
            let mut reasons = Vec::new();
            if !in_scope {
                reasons.push(format!(
                    "not in scope: {} is not under the quotes threshold {} (a formal procurement applies)",
                    value.display_pounds(),
                    threshold.display_whole_pounds()
                ));
            } else {
                if n < rule.min_quotes {
                    let dup = if (qs.len() as u32) > n { " (quotes from the same supplier count once)" } else { "" };
                    reasons.push(format!("{n} quote(s) from different suppliers; at least {} needed{dup}", rule.min_quotes));
                }
                if local < rule.min_local {
                    if region == 0 {
                        reasons.push(format!(
                            "no quote from a local supplier and none from the wider region ({} needed from a local supplier)",
                            rule.min_local
                        ));
                    } else if !justified {
                        reasons.push("no quote from a local supplier, and no justification recorded for using a regional one".into());
                    }
                }
            }
            PurchaseCheck {
                purchase_id: id.to_string(),
                purchase_value: value,
                line: qs[0].line,
                quotes: n,
                local,
                region,
                justified,
                in_scope,
                compliant: !in_scope || reasons.is_empty(),
                reasons,
            }
        })
        .collect()
}

/// An internal audit's assurance opinion. It is written three ways: as
/// stored and in the API ([`Opinion::as_str`], `limited`), for people
/// ([`Opinion::label`], "Limited assurance"), and in the CLI's and report's
/// JSON and tables (`Display`, "Limited").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Opinion {
    /// No assurance.
    #[serde(rename = "none")]
    NoAssurance,
    /// Limited assurance.
    Limited,
    /// Reasonable assurance.
    Reasonable,
    /// Substantial assurance.
    Substantial,
}

impl Opinion {
    /// Every opinion, strongest first.
    pub const ALL: [Opinion; 4] = [
        Opinion::Substantial,
        Opinion::Reasonable,
        Opinion::Limited,
        Opinion::NoAssurance,
    ];

    /// As stored and in the API: `substantial`, `reasonable`, `limited`,
    /// `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Opinion::Substantial => "substantial",
            Opinion::Reasonable => "reasonable",
            Opinion::Limited => "limited",
            Opinion::NoAssurance => "none",
        }
    }

    /// Reads [`Opinion::as_str`]'s words back.
    pub fn from_key(s: &str) -> Option<Opinion> {
        Opinion::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// For people: "Substantial assurance", ..., "No assurance".
    pub fn label(self) -> &'static str {
        match self {
            Opinion::Substantial => "Substantial assurance",
            Opinion::Reasonable => "Reasonable assurance",
            Opinion::Limited => "Limited assurance",
            Opinion::NoAssurance => "No assurance",
        }
    }

    /// The opinion for a compliance rate (%).
    pub fn of(percent: Decimal, t: AssuranceThresholds) -> Opinion {
        if percent >= t.substantial {
            Opinion::Substantial
        } else if percent >= t.reasonable {
            Opinion::Reasonable
        } else if percent >= t.limited {
            Opinion::Limited
        } else {
            Opinion::NoAssurance
        }
    }
}

impl fmt::Display for Opinion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Opinion::Substantial => "Substantial",
            Opinion::Reasonable => "Reasonable",
            Opinion::Limited => "Limited",
            Opinion::NoAssurance => "No",
        })
    }
}

/// The result of [`audit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// The seed.
    pub seed: u64,
    /// The sample size asked for.
    pub size: usize,
    /// In-scope purchases sampled from.
    pub population: usize,
    /// The sample, in the order drawn.
    pub sample: Vec<PurchaseCheck>,
    /// Compliant purchases in the sample.
    pub compliant: usize,
    /// Compliant ÷ sampled × 100.
    pub compliance_percent: Decimal,
    /// The opinion.
    pub opinion: Opinion,
}

/// Draws a sample of `size` in-scope purchases with `seed` and rates it.
///
/// The population is ordered by purchase id before drawing, so the same
/// file, seed and size give the same sample whatever the order of rows. A
/// size above the population samples everything.
///
/// Returns an error if `size` is 0 or no purchase is in scope.
pub fn audit(
    checks: &[PurchaseCheck],
    seed: u64,
    size: usize,
    thresholds: AssuranceThresholds,
    file: &str,
) -> Result<Audit> {
    if size == 0 {
        return Err(Error::Invalid {
            file: file.into(),
            line: None,
            message: "sample size 0 (accepted: --size 1 or more)".into(),
        });
    }
    let mut population: Vec<&PurchaseCheck> = checks.iter().filter(|c| c.in_scope).collect();
    if population.is_empty() {
        return Err(Error::Invalid {
            file: file.into(),
            line: None,
            message: "no purchase is under the quotes threshold, so there is nothing to audit"
                .into(),
        });
    }
    population.sort_by(|a, b| a.purchase_id.cmp(&b.purchase_id));
    let picks = SplitMix64::new(seed).sample(population.len(), size);
    let sample: Vec<PurchaseCheck> = picks.iter().map(|&i| population[i].clone()).collect();
    let compliant = sample.iter().filter(|c| c.compliant).count();
    let compliance_percent =
        Decimal::from(compliant as u64) / Decimal::from(sample.len() as u64) * Decimal::ONE_HUNDRED;
    Ok(Audit {
        seed,
        size,
        population: population.len(),
        compliant,
        opinion: Opinion::of(compliance_percent, thresholds),
        compliance_percent,
        sample,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(rows: &[&str]) -> Records {
        let mut r = Records::new(
            "q.csv",
            [
                "purchase_id",
                "purchase_value_gbp",
                "supplier",
                "supplier_location",
                "amount_gbp",
                "justification",
            ]
            .map(String::from)
            .to_vec(),
        );
        for (i, row) in rows.iter().enumerate() {
            r.push(i as u64 + 2, row.split('|').map(String::from).collect());
        }
        r
    }

    fn run(rows: &[&str]) -> Vec<PurchaseCheck> {
        check(
            &quotes_from_records(&records(rows)).unwrap(),
            &Policy::default(),
        )
    }

    #[test]
    fn the_rule_of_paragraph_2_5() {
        let cases: [(&[&str], bool, &str); 8] = [
            (
                &["P|£5,000|A Ltd|local|4900|", "P|5000|B Ltd|outside|5100|"],
                true,
                "",
            ),
            (&["P|5000|A Ltd|local|4900|"], false, "1 quote(s)"),
            (
                &["P|5000|A Ltd|local|4900|", "P|5000|a  ltd|local|4800|"],
                false,
                "count once",
            ),
            (
                &[
                    "P|5000|A|region|1|",
                    "P|5000|B|outside|1|No Rotherham supplier of lifts",
                ],
                true,
                "",
            ),
            (
                &["P|5000|A|region|1|", "P|5000|B|outside|1|"],
                false,
                "no justification",
            ),
            (
                &["P|5000|A|outside|1|", "P|5000|B|outside|1|none local"],
                false,
                "none from the wider region",
            ),
            (&["P|24999.99|A|outside|1|"], false, "at least 2"),
            (&["P|25000|A|outside|1|"], true, "not in scope"),
        ];
        for (rows, compliant, reason) in cases {
            let c = &run(rows)[0];
            assert_eq!(c.compliant, compliant, "{rows:?}: {:?}", c.reasons);
            if reason.is_empty() {
                assert!(c.reasons.is_empty(), "{rows:?}: {:?}", c.reasons);
            } else {
                assert!(
                    c.reasons.iter().any(|r| r.contains(reason)),
                    "{rows:?}: {:?}",
                    c.reasons
                );
            }
        }
    }

    #[test]
    fn bad_rows_are_refused_with_where() {
        let cases = [
            (
                vec!["P|5000|A|nearby|1|"],
                "line 2",
                "local, region or outside",
            ),
            (
                vec!["P|5000|A|local|1|", "P|6000|B|local|1|"],
                "line 3",
                "line 2",
            ),
            (vec!["P|5000|A|local|-5|"], "line 2", "above zero"),
            (vec!["P|lots|A|local|5|"], "line 2", "\"lots\""),
        ];
        for (rows, line, what) in cases {
            let e = quotes_from_records(&records(&rows))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("q.csv") && e.contains(line) && e.contains(what),
                "{e}"
            );
        }
    }

    #[test]
    fn opinions_follow_thresholds() {
        let t = AssuranceThresholds::default();
        let cases = [
            ("100", Opinion::Substantial),
            ("95", Opinion::Substantial),
            ("94.9", Opinion::Reasonable),
            ("80", Opinion::Reasonable),
            ("50", Opinion::Limited),
            ("49", Opinion::NoAssurance),
        ];
        for (p, want) in cases {
            assert_eq!(Opinion::of(p.parse().unwrap(), t), want, "{p}");
        }
    }

    fn population(n: usize) -> Vec<PurchaseCheck> {
        let rows: Vec<String> = (0..n)
            .flat_map(|i| {
                let second = if i % 4 == 0 { "outside" } else { "local" };
                [
                    format!("P{i:03}|1000|A{i}|outside|1|"),
                    format!("P{i:03}|1000|B{i}|{second}|1|"),
                ]
            })
            .collect();
        run(&rows.iter().map(String::as_str).collect::<Vec<_>>())
    }

    #[test]
    fn audit_is_reproducible_whatever_the_row_order() {
        let checks = population(40);
        let a = audit(&checks, 7, 10, AssuranceThresholds::default(), "q").unwrap();
        let mut reversed = checks.clone();
        reversed.reverse();
        let b = audit(&reversed, 7, 10, AssuranceThresholds::default(), "q").unwrap();
        assert_eq!(a, b);
        let c = audit(&checks, 8, 10, AssuranceThresholds::default(), "q").unwrap();
        assert_ne!(a.sample, c.sample, "another seed, another sample");
        assert_eq!(a.sample.len(), 10);
        assert_eq!(
            Decimal::from(a.compliant as u64) * Decimal::from(10),
            a.compliance_percent
        );
        let all = audit(&checks, 7, 500, AssuranceThresholds::default(), "q").unwrap();
        assert_eq!((all.sample.len(), all.compliant), (40, 30));
        assert_eq!(all.opinion, Opinion::Limited, "75%");
        assert!(audit(&checks, 7, 0, AssuranceThresholds::default(), "q").is_err());
    }
}
