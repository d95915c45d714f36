//! Methods and data quality: where every figure came from (the methods
//! table), the proxy values used, and notes on reproducing the 2021 report.

use crate::build::{Inputs, SpendInput, or_dash};
use crate::contracts::Traced;
use crate::model::{Block, Cell, Kind, Row, Section, Table, col, row};
use crate::section::commitments::Valued;

/// The methods section.
pub(crate) fn section(
    inputs: &Inputs<'_>,
    valued: Option<&Valued>,
    traced: Option<&Traced>,
    fw_src: &str,
) -> Section {
    let mut items = framework_items(inputs, valued);
    items.extend(spend_items(&inputs.spend));
    items.extend(commitment_items(inputs, traced));
    items.push((
        "Small purchases",
        match &inputs.quotes {
            Some(q) => q.file.clone(),
            None => "none given".into(),
        },
    ));
    let mut blocks = vec![Block::Table(methods_table(items, fw_src))];
    if let Some(t) = traced {
        blocks.push(proxies_table(traced_proxies(inputs, t), fw_src));
    }
    if let Some(v) = valued {
        blocks.push(proxies_table(valued_proxies(inputs, v), fw_src));
    }
    if inputs.framework.meta.id == "rotherham-2019" && inputs.contracts.is_none() {
        for text in [
            "Reproducing the 2021 report: table 2.10's rows add up to £1,458,532; the report prints £1,458,537 because it rounded per contract. This report sums the rows exactly.",
            "Paragraph 2.11 of the 2021 report says \"53 weeks of training opportunities\"; its table 2.10 has 188 weeks of training (row R09) and 53 weeks of apprenticeships (row R10). The headline here is read from R09.",
            "Paragraph 2.11 says 82% of the local FTE hired on contracts are to be paid the Living Wage. That share cannot be derived from table 2.10: the Living Wage row (531.06) is larger than the local FTE hired or retained (38.03), so the rows count different groups of people (531.06 ÷ 38.03 would be 1,396%). The figure presumably came from data the table does not show; this report gives the count and no share rather than invent a denominator.",
        ] {
            blocks.push(Block::Paragraph {
                text: text.into(),
                sources: vec![fw_src.to_string()],
            });
        }
    }
    blocks.push(Block::Paragraph {
        text: "Money is exact (decimal, never floating point) and rounded half-even to the penny only when shown. Shares are rounded to 2 decimal places. Spend by deprived area and by ward is about where suppliers are, not where the contracted services are delivered.".into(),
        sources: vec![],
    });
    Section {
        id: "methods".into(),
        title: "Methods and data quality".into(),
        blocks,
    }
}

/// The organisation, the year, the framework and, for a commitments file,
/// the proxy years used.
fn framework_items(inputs: &Inputs<'_>, valued: Option<&Valued>) -> Vec<(&'static str, String)> {
    let fw = inputs.framework;
    let mut items: Vec<(&str, String)> = vec![
        (
            "Organisation",
            inputs
                .org
                .clone()
                .unwrap_or_else(|| "not given (--org)".into()),
        ),
        (
            "Financial year",
            format!(
                "{} (1 April {} to 31 March {})",
                inputs.year,
                inputs.year.start_year(),
                inputs.year.start_year() + 1
            ),
        ),
        ("Framework", format!("{} — {}", fw.meta.id, fw.meta.title)),
        ("Framework edition", or_dash(&fw.meta.edition).to_string()),
        ("Framework source", inputs.framework_source.clone()),
        ("Framework licence", or_dash(&fw.meta.licence).to_string()),
    ];
    if let Some(v) = valued {
        let mut years: Vec<String> = v
            .committed
            .rows
            .iter()
            .filter_map(|r| r.proxy.map(|p| p.0.to_string()))
            .collect();
        years.sort();
        years.dedup();
        items.push((
            "Proxy year",
            if years.is_empty() {
                "no valued measure".into()
            } else {
                years.join(", ")
            },
        ));
    }
    items
}

/// Where the spend figures came from, or why there are none.
fn spend_items(spend: &SpendInput) -> Vec<(&'static str, String)> {
    let a = match spend {
        SpendInput::Analysed(a) => a,
        SpendInput::Missing(reason) => return vec![("Spend data", reason.clone())],
    };
    let p = &a.provenance;
    let dq = &a.this.data_quality;
    vec![
        ("Local definition", p.local_definition.clone()),
        (
            "Deprivation (IMD)",
            p.imd
                .clone()
                .unwrap_or_else(|| "none imported: deprivation bands are unknown".into()),
        ),
        (
            "Postcode directory",
            p.postcode_directory
                .clone()
                .unwrap_or_else(|| "none imported: supplier locations are unknown".into()),
        ),
        (
            "Supplier register",
            format!(
                "{} supplier(s), {} location override(s)",
                p.suppliers, p.overrides
            ),
        ),
        (
            "Unmatched spend",
            format!(
                "{} in {} payment(s) to {} supplier name(s) not in the supplier register, {} year",
                dq.unmatched.gbp.display_whole_pounds(),
                dq.unmatched.payments,
                dq.unmatched.suppliers,
                a.this.year
            ),
        ),
    ]
}

/// Where the commitments and delivery figures came from: the contracts
/// (with their frameworks) or the commitments file.
fn commitment_items(inputs: &Inputs<'_>, traced: Option<&Traced>) -> Vec<(&'static str, String)> {
    let (Some(t), Some(k)) = (traced, inputs.contracts) else {
        return vec![(
            "Commitments and delivery",
            match inputs.commitments {
                Some(c) => format!(
                    "the commitments file {} (give --org without --commitments to read the organisation's contracts and delivery returns from the portal's database)",
                    c.file
                ),
                None => "none given".into(),
            },
        )];
    };
    let mut fws: Vec<&str> = t.contracts.iter().map(|c| c.framework.as_str()).collect();
    fws.sort();
    fws.dedup();
    vec![
        (
            "Proxy year",
            format!("{} (the contracts' valuation year)", inputs.year),
        ),
        (
            "Frameworks of the contracts",
            if fws.is_empty() {
                "no contract of the year".into()
            } else {
                fws.join(", ")
            },
        ),
        (
            "Commitments and delivery",
            format!(
                "the contracts and delivery returns of {}, as of {}",
                k.source, k.as_of
            ),
        ),
    ]
}

/// The methods table: one row per item.
fn methods_table(items: Vec<(&str, String)>, fw_src: &str) -> Table {
    Table {
        id: "methods".into(),
        title: "Methods and data sources".into(),
        columns: vec![
            col("item", "Item", Kind::Text),
            col("detail", "Detail", Kind::Text),
        ],
        rows: items
            .into_iter()
            .map(|(k, v)| {
                row(
                    k.to_ascii_lowercase()
                        .replace([' ', '(', ')'], "_")
                        .trim_matches('_')
                        .to_string(),
                    vec![Cell::text(k), Cell::text(v)],
                )
            })
            .collect(),
        notes: vec![],
        sources: vec![fw_src.to_string()],
        html_rows: None,
    }
}

/// The proxies of the contracts' measures, with each measure's note from
/// the first contract framework that has it.
fn traced_proxies(inputs: &Inputs<'_>, t: &Traced) -> Vec<Row> {
    t.proxies
        .iter()
        .map(|(code, title, kind, year, proxy)| {
            let note = inputs
                .contracts
                .and_then(|k| {
                    k.contracts
                        .iter()
                        .filter_map(|c| c.framework)
                        .find_map(|f| f.find(code))
                })
                .map(|f| f.measure.note.clone())
                .unwrap_or_default();
            row(
                code,
                vec![
                    Cell::text(code),
                    Cell::text(title),
                    Cell::text(kind.to_string()),
                    Cell::text(year.map(|y| y.to_string()).unwrap_or_default()),
                    proxy
                        .map(|p| Cell::number(p.amount()))
                        .unwrap_or(Cell::Empty),
                    Cell::text(note),
                ],
            )
        })
        .collect()
}

/// The proxies of the commitments file's measures, each once.
fn valued_proxies(inputs: &Inputs<'_>, v: &Valued) -> Vec<Row> {
    let mut seen = Vec::new();
    let mut rows = Vec::new();
    for r in &v.committed.rows {
        if seen.contains(&r.code) {
            continue;
        }
        seen.push(r.code.clone());
        let note = inputs
            .framework
            .find(&r.code)
            .map(|f| f.measure.note.clone())
            .unwrap_or_default();
        rows.push(row(
            &r.code,
            vec![
                Cell::text(&r.code),
                Cell::text(&r.title),
                Cell::text(r.kind.to_string()),
                Cell::text(r.proxy.map(|p| p.0.to_string()).unwrap_or_default()),
                r.proxy
                    .map(|p| Cell::number(p.1.amount()))
                    .unwrap_or(Cell::Empty),
                Cell::text(note),
            ],
        ));
    }
    rows
}

fn proxies_table(rows: Vec<Row>, fw_src: &str) -> Block {
    Block::Table(Table {
        id: "proxies".into(),
        title: "Proxy values used".into(),
        columns: vec![
            col("code", "Code", Kind::Text),
            col("measure", "Measure", Kind::Text),
            col("kind", "Valuation", Kind::Text),
            col("proxy_year", "Proxy year", Kind::Text),
            col("proxy_gbp", "Proxy (£ per unit)", Kind::Number),
            col("note", "Note", Kind::Text),
        ],
        rows,
        notes: vec![
            "Proxies are exact (up to 6 decimal places); a multiplier is £ of value per £1 spent."
                .into(),
        ],
        sources: vec![fw_src.to_string()],
        html_rows: None,
    })
}
