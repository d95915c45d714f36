//! A portfolio of contracts: social value committed and delivered by
//! theme, by category (Places / People / Corporate), by contract and by
//! financial year, the live version of table 2.10 (per measure), and the
//! contracts at risk.
//!
//! Every figure follows [`crate::contract::progress`]: a contract's
//! commitments are valued with the proxies of its award year, under each
//! measure's counting rule; "delivered" means verified units in quarters
//! that have ended by the as-of date; a contract year's units are spread
//! over its quarters by the profile. The breakdowns are exact sums: the
//! themes, the categories, the years and the measures each add up to the
//! same totals as the contracts.
//!
//! A contract that cannot be valued (a measure its framework lacks, a
//! missing proxy) is left out of every figure and listed in
//! [`Portfolio::problems`] with the reason, never silently dropped.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use time::Date;

use crate::contract::{
    Contract, DeliveryReturn, Rag, overflow, progress, quarter_index, quarter_profile,
};
use crate::framework::{Framework, Unit};
use crate::policy::RagThresholds;
use crate::{FinancialYear, Gbp};

/// One contract as the portfolio reads it.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// The caller's id for it (a database id).
    pub id: i64,
    /// Its reference, e.g. `RMBC-2020-014`.
    pub reference: String,
    /// Its category as the policy spells it (Places, People, Corporate).
    pub category: String,
    /// The contract and its commitments.
    pub contract: &'a Contract,
    /// The framework its measures come from.
    pub framework: &'a Framework,
    /// Its delivery returns, one per measure per quarter (verified or not).
    pub returns: &'a [DeliveryReturn],
}

/// A contract's standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractLine {
    /// The caller's id.
    pub id: i64,
    /// Reference.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Supplier.
    pub supplier: String,
    /// Category.
    pub category: String,
    /// £ committed over the whole contract.
    pub committed_gbp: Gbp,
    /// £ expected by the as-of date.
    pub expected_gbp: Gbp,
    /// £ delivered (verified) by the as-of date.
    pub delivered_gbp: Gbp,
    /// £ forecast at completion.
    pub forecast_gbp: Gbp,
    /// Delivered ÷ expected × 100; `None` before anything is due.
    pub progress_percent: Option<Decimal>,
    /// Red, amber or green; `None` before anything is due.
    pub rag: Option<Rag>,
    /// Units reported but not yet verified, over all measures.
    pub unverified_units: Decimal,
}

impl ContractLine {
    /// At risk: red or amber.
    pub fn at_risk(&self) -> bool {
        matches!(self.rag, Some(Rag::Red | Rag::Amber))
    }
}

/// £ committed and delivered for one theme, category or year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The key: a theme code, a category, or a financial year (`2020/21`).
    pub key: String,
    /// Readable: the theme's title, the category, the year.
    pub label: String,
    /// £ committed.
    pub committed_gbp: Gbp,
    /// £ delivered (verified) by the as-of date.
    pub delivered_gbp: Gbp,
}

/// One row of the live table 2.10.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureLine {
    /// Measure code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Unit.
    pub unit: Unit,
    /// Units committed (counted under the measure's counting rule).
    pub committed_units: Decimal,
    /// £ committed; `None` for a measure counted but not priced.
    pub committed_gbp: Option<Gbp>,
    /// Units delivered (verified, counted) by the as-of date.
    pub delivered_units: Decimal,
    /// £ delivered; `None` for a measure counted but not priced.
    pub delivered_gbp: Option<Gbp>,
}

/// The result of [`build`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portfolio {
    /// The as-of date.
    pub as_of: Date,
    /// Every contract that could be valued, in input order.
    pub contracts: Vec<ContractLine>,
    /// By theme, in order of first appearance.
    pub themes: Vec<Line>,
    /// By category, in order of first appearance.
    pub categories: Vec<Line>,
    /// By financial year, oldest first.
    pub years: Vec<Line>,
    /// Table 2.10: per measure, in order of first appearance.
    pub measures: Vec<MeasureLine>,
    /// £ committed over all contracts.
    pub committed_gbp: Gbp,
    /// £ delivered over all contracts.
    pub delivered_gbp: Gbp,
    /// Contracts left out, with the reason: `(id, message)`.
    pub problems: Vec<(i64, String)>,
}

impl Portfolio {
    /// Contracts at risk (red, then amber; the furthest behind first).
    pub fn at_risk(&self) -> Vec<&ContractLine> {
        let mut v: Vec<&ContractLine> = self.contracts.iter().filter(|c| c.at_risk()).collect();
        v.sort_by(|a, b| {
            a.rag
                .cmp(&b.rag)
                .then(a.progress_percent.cmp(&b.progress_percent))
                .then(a.id.cmp(&b.id))
        });
        v
    }
}

#[derive(Default, Clone)]
struct Acc {
    label: String,
    committed: Gbp,
    delivered: Gbp,
}

impl Acc {
    fn labelled(label: &str) -> Self {
        Acc {
            label: label.to_owned(),
            ..Acc::default()
        }
    }

    /// Adds £ committed and delivered; `None` past what exact decimals hold.
    fn add(&mut self, committed: Gbp, delivered: Gbp) -> Option<()> {
        self.committed = self.committed.checked_add(committed)?;
        self.delivered = self.delivered.checked_add(delivered)?;
        Some(())
    }
}

fn add(
    map: &mut Vec<(String, Acc)>,
    key: &str,
    label: &str,
    committed: Gbp,
    delivered: Gbp,
) -> Option<()> {
    let i = match map.iter().position(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            map.push((key.to_owned(), Acc::labelled(label)));
            map.len() - 1
        }
    };
    map[i].1.add(committed, delivered)
}

fn lines(map: Vec<(String, Acc)>) -> Vec<Line> {
    map.into_iter()
        .map(|(key, a)| Line {
            key,
            label: a.label,
            committed_gbp: a.committed,
            delivered_gbp: a.delivered,
        })
        .collect()
}

/// The breakdowns and totals built so far. A contract is added to a copy
/// and the copy kept only if every sum fits, so a contract whose figures
/// cannot be added up is left out whole, like one that cannot be valued.
#[derive(Default, Clone)]
struct Totals {
    themes: Vec<(String, Acc)>,
    categories: Vec<(String, Acc)>,
    years: BTreeMap<FinancialYear, Acc>,
    measures: Vec<MeasureLine>,
    committed: Gbp,
    delivered: Gbp,
}

impl Totals {
    /// Adds `worth` committed (`delivered` false) or delivered of measure
    /// `f` in year `fy` for contract `e`, `counted` units.
    fn add(
        &mut self,
        e: &Entry<'_>,
        f: &crate::framework::Found<'_>,
        fy: FinancialYear,
        counted: Decimal,
        worth: Option<Gbp>,
        delivered: bool,
    ) -> Option<()> {
        let w = worth.unwrap_or(Gbp::ZERO);
        let (c, d) = if delivered {
            (Gbp::ZERO, w)
        } else {
            (w, Gbp::ZERO)
        };
        add(&mut self.themes, &f.theme.code, &f.theme.title, c, d)?;
        add(&mut self.categories, &e.category, &e.category, c, d)?;
        self.years
            .entry(fy)
            .or_insert_with(|| Acc::labelled(&fy.to_string()))
            .add(c, d)?;
        let ml = measure_line(&mut self.measures, f.measure);
        let (units, gbp) = if delivered {
            (&mut ml.delivered_units, &mut ml.delivered_gbp)
        } else {
            (&mut ml.committed_units, &mut ml.committed_gbp)
        };
        *units = units.checked_add(counted)?;
        if worth.is_some() {
            *gbp = Some(gbp.unwrap_or(Gbp::ZERO).checked_add(w)?);
            // A priced measure with nothing delivered yet has £0 delivered.
            ml.delivered_gbp.get_or_insert(Gbp::ZERO);
        }
        Some(())
    }

    /// Adds contract `e`, whose progress is `p`; `None` if a sum would go
    /// past what exact decimals hold.
    fn add_contract(&mut self, e: &Entry<'_>, p: &crate::contract::Progress) -> Option<()> {
        let c = e.contract;
        let proxy = |m: &crate::framework::Measure| {
            m.proxy_for(c.year, false)
                .ok()
                .flatten()
                .map(|p| p.value_gbp)
        };
        let worth = |proxy: Option<Gbp>, counted: Decimal| match proxy {
            Some(p) => p.checked_mul_units(counted).map(Some),
            None => Some(None),
        };
        // Per commitment quarter and per verified return: theme, year, measure.
        for cm in &c.commitments {
            let Some(f) = e.framework.find(&cm.measure) else {
                continue; // progress() succeeded, so every measure is known
            };
            let counts = f.measure.counting.counts(Some(cm.contract_year));
            let proxy = proxy(f.measure);
            for (q, units) in quarter_profile(cm).iter().enumerate() {
                let counted = if counts { *units } else { Decimal::ZERO };
                let fy = FinancialYear::containing(c.quarter_start(cm.contract_year, q as u32 + 1));
                self.add(e, &f, fy, counted, worth(proxy, counted)?, false)?;
            }
        }
        for r in e.returns {
            if !r.verified || quarter_index(r.contract_year, r.quarter) >= p.quarters_elapsed {
                continue;
            }
            let Some(f) = e.framework.find(&r.measure) else {
                continue;
            };
            let counted = if f.measure.counting.counts(Some(r.contract_year)) {
                r.units
            } else {
                Decimal::ZERO
            };
            let fy = FinancialYear::containing(c.quarter_start(r.contract_year, r.quarter));
            self.add(e, &f, fy, counted, worth(proxy(f.measure), counted)?, true)?;
        }
        self.committed = self.committed.checked_add(p.committed_gbp)?;
        self.delivered = self.delivered.checked_add(p.delivered_gbp)?;
        Some(())
    }
}

/// Builds the portfolio of `entries` as of `as_of`.
pub fn build(entries: &[Entry<'_>], as_of: Date, rag: RagThresholds) -> Portfolio {
    let mut contracts = Vec::with_capacity(entries.len());
    let mut problems = Vec::new();
    let mut totals = Totals::default();
    for e in entries {
        let c = e.contract;
        let file = format!("returns of contract {}", e.reference);
        let p = match progress(c, e.framework, e.returns, &file, as_of, rag, false) {
            Ok(p) => p,
            Err(err) => {
                problems.push((e.id, err.to_string()));
                continue;
            }
        };
        let unverified = p
            .measures
            .iter()
            .try_fold(Decimal::ZERO, |t, m| t.checked_add(m.unverified_units));
        let mut next = totals.clone();
        let (Some(unverified_units), Some(())) = (unverified, next.add_contract(e, &p)) else {
            let what = "its social value added to the organisation's other contracts".to_owned();
            problems.push((e.id, overflow(&file, None, what).to_string()));
            continue;
        };
        totals = next;
        contracts.push(ContractLine {
            id: e.id,
            reference: e.reference.clone(),
            title: c.title.clone(),
            supplier: c.supplier.clone(),
            category: e.category.clone(),
            committed_gbp: p.committed_gbp,
            expected_gbp: p.expected_gbp,
            delivered_gbp: p.delivered_gbp,
            forecast_gbp: p.forecast_gbp,
            progress_percent: p.progress_percent,
            rag: p.rag,
            unverified_units,
        });
    }
    Portfolio {
        as_of,
        contracts,
        themes: lines(totals.themes),
        categories: lines(totals.categories),
        years: totals
            .years
            .into_iter()
            .map(|(fy, a)| Line {
                key: fy.to_string(),
                label: a.label,
                committed_gbp: a.committed,
                delivered_gbp: a.delivered,
            })
            .collect(),
        measures: totals.measures,
        committed_gbp: totals.committed,
        delivered_gbp: totals.delivered,
        problems,
    }
}

fn measure_line<'m>(
    measures: &'m mut Vec<MeasureLine>,
    m: &crate::framework::Measure,
) -> &'m mut MeasureLine {
    let i = match measures.iter().position(|l| l.code == m.code) {
        Some(i) => i,
        None => {
            measures.push(MeasureLine {
                code: m.code.clone(),
                title: m.title.clone(),
                unit: m.unit.clone(),
                committed_units: Decimal::ZERO,
                committed_gbp: None,
                delivered_units: Decimal::ZERO,
                delivered_gbp: None,
            });
            measures.len() - 1
        }
    };
    &mut measures[i]
}

/// Parses units as a person typed them (`12`, `0.5`, `28,500`, `£28,500`):
/// `Err` says what is wrong (`"is negative ..."`, `"is not a number"`).
pub fn parse_units(text: &str) -> Result<Decimal, &'static str> {
    crate::record::parse_units(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::embedded;
    use std::str::FromStr;
    use time::macros::date;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn contract(start: &str, commitments: &str) -> Contract {
        let text = format!(
            "[contract]\ntitle = \"C\"\nsupplier = \"S\"\nstart = {start}\nyears = 2\nframework = \"rotherham-2019\"\nyear = \"2019/20\"\n{commitments}"
        );
        Contract::from_toml(&text, "c.toml").unwrap()
    }

    fn ret(m: &str, cy: u32, q: u32, units: &str, verified: bool) -> DeliveryReturn {
        DeliveryReturn {
            measure: m.into(),
            contract_year: cy,
            quarter: q,
            units: d(units),
            verified,
            line: 0,
        }
    }

    #[test]
    fn breakdowns_add_up_to_the_contracts_and_match_progress() {
        let fw = embedded("rotherham-2019").unwrap();
        // R09 weeks of training (People theme of the framework) and R18 CO2e.
        let a = contract(
            "2020-04-01",
            "[[commitment]]\nmeasure = \"R09\"\ncontract_year = 1\nunits = 40\n[[commitment]]\nmeasure = \"R09\"\ncontract_year = 2\nunits = 20\n",
        );
        let b = contract(
            "2020-10-01",
            "[[commitment]]\nmeasure = \"R10\"\ncontract_year = 1\nunits = 8\n",
        );
        let ra = [
            ret("R09", 1, 1, "10", true),
            ret("R09", 1, 2, "4", true),
            ret("R09", 1, 3, "7", true),
            ret("R09", 1, 3, "9", false),
        ];
        let rb = [ret("R10", 1, 1, "2", true)];
        let entries = [
            Entry {
                id: 1,
                reference: "A".into(),
                category: "Places".into(),
                contract: &a,
                framework: &fw,
                returns: &ra,
            },
            Entry {
                id: 2,
                reference: "B".into(),
                category: "People".into(),
                contract: &b,
                framework: &fw,
                returns: &rb,
            },
        ];
        let as_of = date!(2021 - 01 - 15);
        let p = build(&entries, as_of, RagThresholds::default());
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        // Each breakdown adds up to the same totals as the contracts.
        for (what, ls) in [
            ("themes", &p.themes),
            ("categories", &p.categories),
            ("years", &p.years),
        ] {
            let c = Gbp::checked_sum(ls.iter().map(|l| l.committed_gbp));
            let dl = Gbp::checked_sum(ls.iter().map(|l| l.delivered_gbp));
            assert_eq!(
                (c, dl),
                (Some(p.committed_gbp), Some(p.delivered_gbp)),
                "{what}"
            );
        }
        let mc = Gbp::checked_sum(p.measures.iter().filter_map(|m| m.committed_gbp));
        assert_eq!(mc, Some(p.committed_gbp));
        // The per-contract figures are the engine's progress.
        let pa = progress(&a, &fw, &ra, "x", as_of, RagThresholds::default(), false).unwrap();
        assert_eq!(p.contracts[0].delivered_gbp, pa.delivered_gbp);
        assert_eq!(p.contracts[0].rag, pa.rag);
        // A: 3 quarters (30 weeks) expected, 21 verified → 70% amber;
        // the unverified 9 are not delivered.
        assert_eq!(p.contracts[0].rag, Some(Rag::Amber));
        assert_eq!(p.contracts[0].unverified_units, d("9"));
        // A priced measure with nothing delivered has £0 delivered, not
        // "not priced".
        let nothing = [Entry {
            returns: &[],
            ..entries[1].clone()
        }];
        let q = build(&nothing, as_of, RagThresholds::default());
        assert_eq!(q.measures[0].delivered_gbp, Some(Gbp::ZERO));
        let r09 = p.measures.iter().find(|m| m.code == "R09").unwrap();
        assert_eq!(
            (r09.committed_units, r09.delivered_units),
            (d("60"), d("21"))
        );
        // B: one quarter ended, 2 of 2 delivered → green, not at risk.
        assert_eq!(p.contracts[1].rag, Some(Rag::Green));
        assert_eq!(
            p.at_risk().iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![1]
        );
        // Years: A's year 1 spans 2020/21; its year 2 2021/22; B's year 1
        // runs Oct 2020 – Sep 2021, split 2:2 over the two years.
        let keys: Vec<&str> = p.years.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(keys, ["2020/21", "2021/22"]);
        let cats: Vec<&str> = p.categories.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(cats, ["Places", "People"]);
    }

    #[test]
    fn contracts_too_large_to_add_up_are_listed_and_the_rest_still_counted() {
        let fw = embedded("rotherham-2019").unwrap();
        let r09 = "[[commitment]]\nmeasure = \"R09\"\ncontract_year = 1\nunits = 40\n";
        let (a, b, c) = (
            contract("2020-04-01", r09),
            contract("2020-04-01", r09),
            contract("2020-04-01", r09),
        );
        let huge = "7922816251426433759354395033";
        let ok = [ret("R09", 1, 1, "10", true)];
        // Fits alone, but not added to another such contract.
        let big = [ret("R09", 1, 1, huge, true)];
        let entries = [(1, &a, &ok[..]), (2, &b, &big[..]), (3, &c, &big[..])].map(
            |(id, contract, returns)| Entry {
                id,
                reference: format!("C{id}"),
                category: "People".into(),
                contract,
                framework: &fw,
                returns,
            },
        );
        let p = build(&entries, date!(2021 - 04 - 01), RagThresholds::default());
        let listed: Vec<i64> = p.problems.iter().map(|(id, _)| *id).collect();
        let counted: Vec<i64> = p.contracts.iter().map(|c| c.id).collect();
        assert!(
            listed.contains(&3) && counted.contains(&1),
            "{listed:?} {counted:?}"
        );
        assert_eq!(listed.len() + counted.len(), 3);
        assert!(
            p.problems.iter().all(|(_, m)| m.contains("too large")),
            "{:?}",
            p.problems
        );
        // The totals are exactly those of the contracts counted.
        let sum = Gbp::checked_sum(p.contracts.iter().map(|c| c.delivered_gbp));
        assert_eq!(sum, Some(p.delivered_gbp));
    }

    #[test]
    fn a_contract_that_cannot_be_valued_is_listed_not_counted() {
        let fw = embedded("rotherham-2019").unwrap();
        let a = contract(
            "2020-04-01",
            "[[commitment]]\nmeasure = \"NOPE\"\ncontract_year = 1\nunits = 4\n",
        );
        let entries = [Entry {
            id: 7,
            reference: "X".into(),
            category: "Corporate".into(),
            contract: &a,
            framework: &fw,
            returns: &[],
        }];
        let p = build(&entries, date!(2021 - 01 - 01), RagThresholds::default());
        assert!(p.contracts.is_empty());
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].1.contains("NOPE"), "{:?}", p.problems);
        assert_eq!(p.committed_gbp, Gbp::ZERO);
    }
}
