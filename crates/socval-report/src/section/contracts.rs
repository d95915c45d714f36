//! Social value commitments and delivery from the portal's contracts:
//! table 2.10 and the breakdowns by theme, category and contract, every
//! row a sum of [`Record`]s that links to them.

use socval_core::{FinancialYear, Gbp};

use crate::commitments::Category;
use crate::contracts::{ContractsInput, Filter, LineState, Record, RecordKind, Sums, Traced};
use crate::model::{Block, Cell, Column, Kind, Row, Section, Table, col, row, total_row};
use crate::total::*;

/// The source of the section's figures: the contracts and their records.
pub(crate) fn source(year: FinancialYear, k: &ContractsInput<'_>, t: &Traced) -> String {
    format!(
        "Contracts of {} valued at {} proxies: {} contract(s) ({}), {} commitment row(s) and {} delivery return line(s); delivered to date as of {}. Each figure's records are listed in the portal (the number links to them).",
        k.source,
        year,
        t.contracts.len(),
        if t.contracts.is_empty() {
            "none".to_string()
        } else {
            t.contracts
                .iter()
                .map(|c| format!("{} [id {}]", c.reference, c.id))
                .collect::<Vec<_>>()
                .join(", ")
        },
        t.records
            .iter()
            .filter(|r| r.kind == RecordKind::Commitment)
            .count(),
        t.records
            .iter()
            .filter(|r| r.kind == RecordKind::ReturnLine)
            .count(),
        k.as_of
    )
}

/// Table 2.10 and the breakdowns by theme, category and contract, from the
/// records of the year's contracts. Returns the section and table 2.10
/// (for the headlines).
pub(crate) fn section(
    year: FinancialYear,
    input: &ContractsInput<'_>,
    t: &Traced,
    src: &[String],
) -> (Section, Table) {
    let all = Sums::of(&t.records);
    let total = all.committed_gbp.unwrap_or(Gbp::ZERO);
    let delivered_total = all.delivered_gbp.unwrap_or(Gbp::ZERO);
    let sums = Summed {
        records: &t.records,
        total,
    };
    let delivered_note = delivered_note(input, &t.records);
    let table_2_10 = table_2_10(year, input, &t.records, delivered_note.clone(), src);
    let mut blocks = vec![Block::Paragraph {
        text: format!(
            "{} contract(s) valued at {year} proxies hold commitments which, if delivered, provide {} of social value; {} has been delivered and verified to {}. Commitments secured through procurement, rather than delivery to date, are the most reliable figures while contracts are at differing stages.",
            t.contracts.len(),
            total.display_whole_pounds(),
            delivered_total.display_whole_pounds(),
            input.as_of
        ),
        sources: src.to_vec(),
    }];
    if t.contracts.is_empty() {
        blocks.push(Block::Notice {
            text: format!(
                "No contract is valued at {year} proxies (awarded in {year}), so there are no commitments to report for the year."
            ),
        });
    }
    if !t.problems.is_empty() {
        blocks.push(Block::Notice {
            text: format!(
                "Left out of every figure because they cannot be valued: {}.",
                t.problems
                    .iter()
                    .map(|p| format!("{} ({})", p.contract, p.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    blocks.extend([
        Block::Table(table_2_10.clone()),
        Block::Table(by_theme(year, input, &sums, src)),
        Block::Table(by_category(year, t, &sums, src)),
        Block::Table(by_contract(year, t, &sums, delivered_note, src)),
    ]);
    (
        Section {
            id: "commitments".into(),
            title: "Social value commitments and delivery".into(),
            blocks,
        },
        table_2_10,
    )
}

/// What "delivered to date" counts, and the lines it does not.
fn delivered_note(input: &ContractsInput<'_>, rs: &[Record]) -> String {
    format!(
        "Delivered to date: verified return lines for quarters ended by {}. Lines awaiting verification ({}), rejected ({}) or for later quarters are listed with the records but not counted.",
        input.as_of,
        rs.iter()
            .filter(|r| r.state == Some(LineState::Pending))
            .count(),
        rs.iter()
            .filter(|r| r.state == Some(LineState::Rejected))
            .count()
    )
}

fn linked(mut r: Row, f: &Filter) -> Row {
    r.records = Some(f.query());
    r
}

/// Delivered £ of a row: £0 when the row is priced and nothing is delivered yet.
fn delivered_cell(s: &Sums) -> Cell {
    match (s.delivered_gbp, s.committed_gbp) {
        (Some(d), _) => Cell::money(d),
        (None, Some(_)) => Cell::money(Gbp::ZERO),
        (None, None) => Cell::Empty,
    }
}

/// The year's records and the £ they commit, for the breakdowns' rows.
struct Summed<'a> {
    records: &'a [Record],
    total: Gbp,
}

impl Summed<'_> {
    /// A breakdown's row: `label`, then £ committed (and its share of the
    /// total), £ delivered and its share of the committed, of the records
    /// `f` selects; linked to them.
    fn row(&self, key: String, label: Vec<Cell>, f: Filter, with_share: bool) -> Row {
        let s = Sums::of(self.records.iter().filter(|r| f.matches(r)));
        let committed = s.committed_gbp.unwrap_or(Gbp::ZERO);
        let delivered = s.delivered_gbp.unwrap_or(Gbp::ZERO);
        let mut cells = label;
        cells.push(Cell::money(committed));
        if with_share {
            cells.push(share(committed, self.total));
        }
        cells.push(Cell::money(delivered));
        cells.push(share(delivered, committed));
        linked(row(key, cells), &f)
    }
}

/// The breakdowns' delivery columns.
fn delivered_cols() -> [Column; 2] {
    [
        col("delivered_gbp", "Delivered to date (£)", Kind::Money),
        col("delivered_pct", "Delivered (% of committed)", Kind::Percent),
    ]
}

/// Table 2.10: per measure, in order of first appearance.
fn table_2_10(
    year: FinancialYear,
    input: &ContractsInput<'_>,
    rs: &[Record],
    delivered_note: String,
    src: &[String],
) -> Table {
    let all = Sums::of(rs);
    let mut measures: Vec<(&str, &str)> = Vec::new();
    for r in rs {
        if !measures.iter().any(|m| m.0 == r.measure) {
            measures.push((&r.measure, &r.measure_title));
        }
    }
    let unit_of = |code: &str| {
        input
            .contracts
            .iter()
            .filter_map(|k| k.framework)
            .find_map(|f| f.find(code))
            .map(|f| f.measure.unit.label().to_string())
            .unwrap_or_default()
    };
    let mut rows: Vec<Row> = measures
        .iter()
        .map(|(code, title)| {
            let f = Filter::Measure(code.to_string());
            let s = Sums::of(rs.iter().filter(|r| f.matches(r)));
            linked(
                row(
                    *code,
                    vec![
                        Cell::text(*code),
                        Cell::text(*title),
                        Cell::text(unit_of(code)),
                        Cell::number(s.committed_units),
                        Cell::money_opt(s.committed_gbp),
                        Cell::number(s.delivered_units),
                        delivered_cell(&s),
                    ],
                ),
                &f,
            )
        })
        .collect();
    rows.push(linked(
        total_row(vec![
            Cell::text("Total"),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::money(all.committed_gbp.unwrap_or(Gbp::ZERO)),
            Cell::Empty,
            Cell::money(all.delivered_gbp.unwrap_or(Gbp::ZERO)),
        ]),
        &Filter::All,
    ));
    let mut notes = vec![
        format!(
            "Commitments of the contracts valued at {year} proxies (awarded in {year}), over each contract's whole term. Social value = units × the framework's proxy value per unit; totals are exact sums, shown rounded."
        ),
        delivered_note,
    ];
    let unpriced: Vec<&str> = measures
        .iter()
        .filter(|(code, _)| {
            Sums::of(rs.iter().filter(|r| r.measure == *code))
                .committed_gbp
                .is_none()
        })
        .map(|m| m.0)
        .collect();
    if !unpriced.is_empty() {
        notes.push(format!(
            "Counted, not priced (no £ in the framework): {}.",
            unpriced.join(", ")
        ));
    }
    Table {
        id: "table_2_10".into(),
        title: format!("Table 2.10: social value commitments by measure, {year}"),
        columns: vec![
            col("code", "Code", Kind::Text),
            col("measure", "Measure", Kind::Text),
            col("unit", "Unit", Kind::Text),
            col("units", "Units committed", Kind::Number),
            col("value_gbp", "Social value committed (£)", Kind::Money),
            col("delivered_units", "Units delivered to date", Kind::Number),
            col(
                "delivered_gbp",
                "Social value delivered to date (£)",
                Kind::Money,
            ),
        ],
        rows,
        notes,
        sources: src.to_vec(),
        html_rows: None,
    }
}

/// Committed and delivered by theme, themes in order of first appearance.
fn by_theme(
    year: FinancialYear,
    input: &ContractsInput<'_>,
    sums: &Summed<'_>,
    src: &[String],
) -> Table {
    let mut themes: Vec<(String, String)> = Vec::new();
    for r in sums.records {
        if !themes.iter().any(|t| t.0 == r.theme) {
            let title = input
                .contracts
                .iter()
                .filter_map(|k| k.framework)
                .find_map(|f| f.find(&r.measure))
                .map(|f| f.theme.title.clone())
                .unwrap_or_default();
            themes.push((r.theme.clone(), title));
        }
    }
    let mut theme_rows: Vec<Row> = themes
        .iter()
        .map(|(code, title)| {
            sums.row(
                code.clone(),
                vec![Cell::text(code), Cell::text(title)],
                Filter::Theme(code.clone()),
                true,
            )
        })
        .collect();
    let mut tot = sums.row(
        "total".into(),
        vec![Cell::text("Total"), Cell::Empty],
        Filter::All,
        true,
    );
    tot.total = true;
    theme_rows.push(tot);
    let mut theme_cols = vec![
        col("theme", "Theme code", Kind::Text),
        col("title", "Theme", Kind::Text),
        col("value_gbp", "Social value committed (£)", Kind::Money),
        col("share_pct", "Share of total (%)", Kind::Percent),
    ];
    theme_cols.extend(delivered_cols());
    Table {
        id: "by_theme".into(),
        title: format!("Social value committed and delivered by theme, {year}"),
        columns: theme_cols,
        rows: theme_rows,
        notes: vec![],
        sources: src.to_vec(),
        html_rows: None,
    }
}

/// By category: Places, People, Corporate always; any other recorded
/// category after them.
fn by_category(year: FinancialYear, t: &Traced, sums: &Summed<'_>, src: &[String]) -> Table {
    let mut cats: Vec<String> = Category::ALL.iter().map(|c| c.name().to_string()).collect();
    for k in &t.contracts {
        if !cats.contains(&k.category) {
            cats.push(k.category.clone());
        }
    }
    let mut cat_rows = Vec::new();
    for name in &cats {
        let n = t.contracts.iter().filter(|k| &k.category == name).count() as u64;
        let covers = Category::parse(name)
            .filter(|c| c.name() == name)
            .map(|c| c.covers())
            .unwrap_or("a category recorded on contracts, not one of the policy's three");
        cat_rows.push(sums.row(
            name.to_ascii_lowercase().replace(' ', "_"),
            vec![Cell::text(name), Cell::text(covers), Cell::count(n)],
            Filter::Category(name.clone()),
            true,
        ));
    }
    let mut cat_cols = vec![
        col("category", "Category", Kind::Text),
        col("covers", "Contracts for", Kind::Text),
        col("contracts", "Contracts", Kind::Number),
        col("value_gbp", "Social value committed (£)", Kind::Money),
        col("share_pct", "Share of total (%)", Kind::Percent),
    ];
    cat_cols.extend(delivered_cols());
    Table {
        id: "by_category".into(),
        title: format!("Social value committed and delivered by category of contract, {year}"),
        columns: cat_cols,
        rows: cat_rows,
        notes: vec![],
        sources: src.to_vec(),
        html_rows: None,
    }
}

/// One row per contract of the year.
fn by_contract(
    year: FinancialYear,
    t: &Traced,
    sums: &Summed<'_>,
    delivered_note: String,
    src: &[String],
) -> Table {
    let mut con_cols = vec![
        col("contract", "Contract", Kind::Text),
        col("title", "Title", Kind::Text),
        col("supplier", "Supplier", Kind::Text),
        col("category", "Category", Kind::Text),
        col("value_gbp", "Social value committed (£)", Kind::Money),
    ];
    con_cols.extend(delivered_cols());
    let con_rows: Vec<Row> = t
        .contracts
        .iter()
        .map(|k| {
            sums.row(
                k.reference.clone(),
                vec![
                    Cell::text(&k.reference),
                    Cell::text(&k.title),
                    Cell::text(&k.supplier),
                    Cell::text(&k.category),
                ],
                Filter::Contract(k.id),
                false,
            )
        })
        .collect();
    Table {
        id: "by_contract".into(),
        title: format!("Social value by contract, {year}"),
        columns: con_cols,
        rows: con_rows,
        notes: vec![delivered_note],
        sources: src.to_vec(),
        html_rows: None,
    }
}
