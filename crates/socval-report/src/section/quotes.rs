//! Small purchases: the quotes rule's summary, the purchases that do not
//! meet it, and the sample audit.

use rust_decimal::Decimal;
use socval_core::quotes::{Audit, PurchaseCheck};

use crate::build::{QuotesInput, Sources};
use crate::model::{Block, Cell, Kind, Section, Table, col, row};
use crate::total::sum;

/// The small purchases section.
pub(crate) fn section(q: Option<&QuotesInput>, sources: &mut Sources) -> Section {
    let title = "Small purchases: quotes and audit".to_string();
    let Some(q) = q else {
        return Section {
            id: "quotes".into(),
            title,
            blocks: vec![Block::Notice {
                text: "No small purchases were given (--quotes FILE, or the organisation's small purchases in the portal).".into(),
            }],
        };
    };
    let src = vec![sources.add(format!(
        "{}: {} quote line(s) for {} purchase(s), checked against the quotes rule ({}).",
        q.file,
        q.quotes,
        q.checks.len(),
        q.rule.describe(q.threshold)
    ))];
    let mut blocks = vec![Block::Table(summary(&q.checks, &src))];
    let non: Vec<&PurchaseCheck> = q.checks.iter().filter(|c| !c.compliant).collect();
    if !non.is_empty() {
        blocks.push(Block::Table(not_compliant(&non, &src)));
    }
    match &q.audit {
        Ok(a) => {
            blocks.push(opinion(a, &src));
            blocks.push(Block::Table(audit(a, src)));
        }
        Err(reason) => blocks.push(Block::Notice {
            text: format!("No audit opinion: {reason}."),
        }),
    }
    Section {
        id: "quotes".into(),
        title,
        blocks,
    }
}

/// Purchases, those under the threshold, and how many of them comply.
fn summary(checks: &[PurchaseCheck], src: &[String]) -> Table {
    let in_scope = checks.iter().filter(|c| c.in_scope).count() as u64;
    let failing = checks.iter().filter(|c| !c.compliant).count() as u64;
    let scope_value = sum(checks
        .iter()
        .filter(|c| c.in_scope)
        .map(|c| c.purchase_value));
    Table {
        id: "quotes_summary".into(),
        title: "Small purchases checked against the quotes rule".into(),
        columns: vec![
            col("purchases", "Purchases", Kind::Number),
            col("in_scope", "Under the quotes threshold", Kind::Number),
            col("in_scope_gbp", "Their value (£)", Kind::Money),
            col("compliant", "Compliant", Kind::Number),
            col("not_compliant", "Not compliant", Kind::Number),
            col("compliance_pct", "Compliance (%)", Kind::Percent),
        ],
        rows: vec![row(
            "all",
            vec![
                Cell::count(checks.len() as u64),
                Cell::count(in_scope),
                Cell::money(scope_value),
                Cell::count(in_scope - failing),
                Cell::count(failing),
                if in_scope == 0 {
                    Cell::Empty
                } else {
                    Cell::percent(
                        Decimal::from(in_scope - failing) * Decimal::ONE_HUNDRED
                            / Decimal::from(in_scope),
                    )
                },
            ],
        )],
        notes: vec![],
        sources: src.to_vec(),
        html_rows: None,
    }
}

/// One row per purchase that does not meet the rule, with why.
fn not_compliant(non: &[&PurchaseCheck], src: &[String]) -> Table {
    Table {
        id: "quotes_not_compliant".into(),
        title: "Purchases that do not meet the quotes rule".into(),
        columns: vec![
            col("purchase", "Purchase", Kind::Text),
            col("value_gbp", "Value (£)", Kind::Money),
            col("quotes", "Quotes", Kind::Number),
            col("local", "Local", Kind::Number),
            col("region", "Region", Kind::Number),
            col("line", "Line", Kind::Number),
            col("reasons", "Why", Kind::Text),
        ],
        rows: non
            .iter()
            .map(|c| {
                row(
                    &c.purchase_id,
                    vec![
                        Cell::text(&c.purchase_id),
                        Cell::money(c.purchase_value),
                        Cell::count(u64::from(c.quotes)),
                        Cell::count(u64::from(c.local)),
                        Cell::count(u64::from(c.region)),
                        Cell::count(c.line),
                        Cell::text(c.reasons.join("; ")),
                    ],
                )
            })
            .collect(),
        notes: vec![],
        sources: src.to_vec(),
        html_rows: None,
    }
}

/// The audit opinion, in words.
fn opinion(a: &Audit, src: &[String]) -> Block {
    Block::Paragraph {
        text: format!(
            "Audit opinion: {} assurance. A reproducible sample of {} purchase(s) was drawn from the {} under the quotes threshold (seed {}, size {}); {} of {} met the rule ({}%).",
            a.opinion,
            a.sample.len(),
            a.population,
            a.seed,
            a.size,
            a.compliant,
            a.sample.len(),
            a.compliance_percent.round_dp(1).normalize()
        ),
        sources: src.to_vec(),
    }
}

/// The sample audit: how it was drawn, what it found, and the purchases
/// sampled.
fn audit(a: &Audit, src: Vec<String>) -> Table {
    Table {
        id: "quotes_audit".into(),
        title: "Sample audit of small purchases".into(),
        columns: vec![
            col("seed", "Seed", Kind::Number),
            col("size", "Sample size asked", Kind::Number),
            col("population", "Purchases sampled from", Kind::Number),
            col("sampled", "Sampled", Kind::Number),
            col("compliant", "Compliant", Kind::Number),
            col("compliance_pct", "Compliance (%)", Kind::Percent),
            col("opinion", "Assurance", Kind::Text),
        ],
        rows: vec![row(
            "audit",
            vec![
                Cell::count(a.seed),
                Cell::count(a.size as u64),
                Cell::count(a.population as u64),
                Cell::count(a.sample.len() as u64),
                Cell::count(a.compliant as u64),
                Cell::percent(a.compliance_percent),
                Cell::text(format!("{} assurance", a.opinion)),
            ],
        )],
        notes: vec![format!(
            "Sampled purchases, in the order drawn: {}.",
            a.sample
                .iter()
                .map(|c| c.purchase_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )],
        sources: src,
        html_rows: None,
    }
}
