//! Social value commitments from a commitments file: table 2.10 (by
//! measure) and the breakdowns by theme, category and contract, with
//! delivery to date where the file gives it.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use socval_core::Gbp;
use socval_core::valuation::{self, Commitment, Valuation, ValuationOptions, ValuedRow};

use crate::build::Inputs;
use crate::commitments::{Category, Commitments};
use crate::error::Result;
use crate::model::{Block, Cell, Column, Kind, Row, Section, Table, col, row, total_row};
use crate::total::*;

/// The valuations of what was committed and what was delivered.
pub(crate) struct Valued {
    pub(crate) committed: Valuation,
    /// Per commitment line: the delivered valuation's row index, if the
    /// line gives a delivered figure.
    delivered: Option<(Valuation, Vec<Option<usize>>)>,
}

impl Valued {
    /// The delivered row of commitment line `i`, if it gives one.
    fn delivered_row(&self, i: usize) -> Option<&ValuedRow> {
        self.delivered
            .as_ref()
            .and_then(|(d, idx)| idx[i].map(|j| &d.rows[j]))
    }

    fn has_delivered(&self) -> bool {
        self.delivered.is_some()
    }

    fn delivered_total(&self) -> Option<Gbp> {
        self.delivered.as_ref().map(|(d, _)| d.total)
    }
}

/// Values the commitments (and what was delivered, where a line says) with
/// the framework's proxies for the year.
///
/// Returns an error if a measure is unknown or has no proxy for the year.
pub(crate) fn value(inputs: &Inputs<'_>, c: &Commitments) -> Result<Valued> {
    let opts = ValuationOptions {
        year: inputs.year,
        carry_forward: inputs.carry_forward,
        file: c.file.clone(),
    };
    let list: Vec<Commitment> = c.lines.iter().map(|l| l.commitment.clone()).collect();
    let committed = valuation::value(inputs.framework, &list, &opts)?;
    let mut idx = Vec::with_capacity(c.lines.len());
    let mut del = Vec::new();
    for l in &c.lines {
        match l.delivered {
            Some(d) => {
                idx.push(Some(del.len()));
                del.push(Commitment {
                    units: d,
                    ..l.commitment.clone()
                });
            }
            None => idx.push(None),
        }
    }
    let delivered = if del.is_empty() {
        None
    } else {
        Some((valuation::value(inputs.framework, &del, &opts)?, idx))
    };
    Ok(Valued {
        committed,
        delivered,
    })
}

/// The source of the section's figures: the commitments file, its lines
/// and the framework's proxies.
pub(crate) fn source(inputs: &Inputs<'_>, c: &Commitments) -> String {
    format!(
        "{}: {} commitment line(s) (lines {}–{}), valued with framework {} at the proxies for {}{}.",
        c.file,
        c.lines.len(),
        c.lines.first().map(|l| l.commitment.line).unwrap_or(0),
        c.lines.last().map(|l| l.commitment.line).unwrap_or(0),
        inputs.framework.meta.id,
        inputs.year,
        if inputs.carry_forward {
            " (or the latest earlier year's, --carry-forward)"
        } else {
            ""
        }
    )
}

/// Table 2.10 and the breakdowns by theme, category and contract. Returns
/// the section and table 2.10 (for the headlines).
pub(crate) fn section(
    inputs: &Inputs<'_>,
    c: &Commitments,
    v: &Valued,
    src: &[String],
) -> (Section, Table) {
    let total = v.committed.total;
    let table_2_10 = table_2_10(inputs, v, src);
    let mut blocks = vec![
        Block::Paragraph {
            text: format!(
                "Commitments made by suppliers against the framework's measures, which if delivered provide {} of social value. Commitments secured through procurement, rather than delivery to date, are the most reliable figures while contracts are at differing stages.",
                total.display_whole_pounds()
            ),
            sources: src.to_vec(),
        },
        Block::Table(table_2_10.clone()),
        Block::Table(by_theme(inputs, v, src)),
        Block::Table(by_category(inputs, c, v, src)),
    ];
    if let Some(t) = by_contract(inputs, c, v, src) {
        blocks.push(Block::Table(t));
    }
    if !v.has_delivered() {
        blocks.push(Block::Notice {
            text: "No delivered figures were given (a `delivered` column in the commitments file), so delivery to date is not reported. Built from the organisation's contracts in the portal (--org ORG, or the report page of the portal), the report gives delivery to date from verified delivery returns.".into(),
        });
    }
    (
        Section {
            id: "commitments".into(),
            title: "Social value commitments".into(),
            blocks,
        },
        table_2_10,
    )
}

/// A measure's row of table 2.10.
struct Measure {
    title: String,
    unit: String,
    units: Decimal,
    value: Option<Gbp>,
    d_units: Option<Decimal>,
    d_value: Option<Gbp>,
}

/// Per measure, in order of first appearance (the order of the council's
/// table).
fn measures(v: &Valued) -> (Vec<&str>, BTreeMap<&str, Measure>) {
    let mut order: Vec<&str> = Vec::new();
    let mut by_code: BTreeMap<&str, Measure> = BTreeMap::new();
    for (i, r) in v.committed.rows.iter().enumerate() {
        let m = by_code.entry(&r.code).or_insert_with(|| {
            order.push(&r.code);
            Measure {
                title: r.title.clone(),
                unit: r.unit.label().to_string(),
                units: Decimal::ZERO,
                value: None,
                d_units: None,
                d_value: None,
            }
        });
        m.units = units_plus(m.units, r.counted_units);
        if let Some(val) = r.value {
            m.value = Some(plus(m.value.unwrap_or(Gbp::ZERO), val));
        }
        if let Some(d) = v.delivered_row(i) {
            m.d_units = Some(units_plus(
                m.d_units.unwrap_or(Decimal::ZERO),
                d.counted_units,
            ));
            if let Some(val) = d.value {
                m.d_value = Some(plus(m.d_value.unwrap_or(Gbp::ZERO), val));
            }
        }
    }
    (order, by_code)
}

/// Table 2.10: commitments (and delivery to date) by measure.
fn table_2_10(inputs: &Inputs<'_>, v: &Valued, src: &[String]) -> Table {
    let rows = &v.committed.rows;
    let has_delivered = v.has_delivered();
    let (order, by_code) = measures(v);
    let mut columns = vec![
        col("code", "Code", Kind::Text),
        col("measure", "Measure", Kind::Text),
        col("unit", "Unit", Kind::Text),
        col("units", "Units committed", Kind::Number),
        col("value_gbp", "Social value committed (£)", Kind::Money),
    ];
    if has_delivered {
        columns.push(col(
            "delivered_units",
            "Units delivered to date",
            Kind::Number,
        ));
        columns.push(col(
            "delivered_gbp",
            "Social value delivered to date (£)",
            Kind::Money,
        ));
    }
    let mut trows: Vec<Row> = order
        .iter()
        .map(|code| {
            let m = &by_code[code];
            let mut cells = vec![
                Cell::text(*code),
                Cell::text(&m.title),
                Cell::text(&m.unit),
                Cell::number(m.units),
                Cell::money_opt(m.value),
            ];
            if has_delivered {
                cells.push(m.d_units.map(Cell::number).unwrap_or(Cell::Empty));
                cells.push(Cell::money_opt(m.d_value));
            }
            row(*code, cells)
        })
        .collect();
    let mut tot = vec![
        Cell::text("Total"),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::money(v.committed.total),
    ];
    if has_delivered {
        tot.push(Cell::Empty);
        tot.push(Cell::money_opt(v.delivered_total()));
    }
    trows.push(total_row(tot));
    let unvalued: Vec<&str> = rows
        .iter()
        .filter(|r| r.value.is_none())
        .map(|r| r.code.as_str())
        .collect();
    let mut notes = vec![format!(
        "Social value = units × the framework's proxy value per unit for {}; the total is the exact sum of the rows, which are shown rounded to the penny.",
        inputs.year
    )];
    if !unvalued.is_empty() {
        let mut u = unvalued.clone();
        u.dedup();
        notes.push(format!(
            "Counted, not priced (no £ in the framework): {}.",
            u.join(", ")
        ));
    }
    if rows.iter().any(|r| r.counted_units != r.units) {
        notes.push("Some units do not count in the year under the measure's counting rule (a hire counts in the first contract year only).".into());
    }
    Table {
        id: "table_2_10".into(),
        title: format!(
            "Table 2.10: social value commitments by measure, {}",
            inputs.year
        ),
        columns,
        rows: trows,
        notes,
        sources: src.to_vec(),
        html_rows: None,
    }
}

/// The column of delivery to date, when the commitments file gives it.
fn delivered_col(v: &Valued) -> Option<Column> {
    v.has_delivered()
        .then(|| col("delivered_gbp", "Delivered to date (£)", Kind::Money))
}

/// Social value committed (and delivered) by theme.
fn by_theme(inputs: &Inputs<'_>, v: &Valued, src: &[String]) -> Table {
    let total = v.committed.total;
    let d_theme = |code: &str| {
        v.delivered.as_ref().map(|(d, _)| {
            d.themes
                .iter()
                .find(|t| t.code == code)
                .map(|t| t.value)
                .unwrap_or(Gbp::ZERO)
        })
    };
    let mut theme_cols = vec![
        col("theme", "Theme code", Kind::Text),
        col("title", "Theme", Kind::Text),
        col("value_gbp", "Social value committed (£)", Kind::Money),
        col("share_pct", "Share of total (%)", Kind::Percent),
    ];
    theme_cols.extend(delivered_col(v));
    let mut theme_rows: Vec<Row> = v
        .committed
        .themes
        .iter()
        .map(|t| {
            let mut cells = vec![
                Cell::text(&t.code),
                Cell::text(&t.title),
                Cell::money(t.value),
                share(t.value, total),
            ];
            if v.has_delivered() {
                cells.push(Cell::money_opt(d_theme(&t.code)));
            }
            row(&t.code, cells)
        })
        .collect();
    let mut tt = vec![
        Cell::text("Total"),
        Cell::Empty,
        Cell::money(total),
        share(total, total),
    ];
    if v.has_delivered() {
        tt.push(Cell::money_opt(v.delivered_total()));
    }
    theme_rows.push(total_row(tt));
    Table {
        id: "by_theme".into(),
        title: format!("Social value committed by theme, {}", inputs.year),
        columns: theme_cols,
        rows: theme_rows,
        notes: vec![],
        sources: src.to_vec(),
        html_rows: None,
    }
}

/// Commitment line `i`'s £ committed (£0 when not priced) and delivered.
fn line_values(v: &Valued, i: usize) -> (Gbp, Option<Gbp>) {
    (
        v.committed.rows[i].value.unwrap_or(Gbp::ZERO),
        v.delivered_row(i).and_then(|d| d.value),
    )
}

/// Social value committed (and delivered) by category of contract: Places,
/// People, Corporate always, lines with no category after them.
fn by_category(inputs: &Inputs<'_>, c: &Commitments, v: &Valued, src: &[String]) -> Table {
    let total = v.committed.total;
    let mut cats: BTreeMap<Option<Category>, (u64, Gbp, Option<Gbp>)> = BTreeMap::new();
    for (i, l) in c.lines.iter().enumerate() {
        let (value, delivered) = line_values(v, i);
        let e = cats.entry(l.category).or_insert((0, Gbp::ZERO, None));
        e.0 += 1;
        e.1 = plus(e.1, value);
        if let Some(d) = delivered {
            e.2 = Some(plus(e.2.unwrap_or(Gbp::ZERO), d));
        }
    }
    let mut cat_cols = vec![
        col("category", "Category", Kind::Text),
        col("covers", "Contracts for", Kind::Text),
        col("lines", "Commitment lines", Kind::Number),
        col("value_gbp", "Social value committed (£)", Kind::Money),
        col("share_pct", "Share of total (%)", Kind::Percent),
    ];
    cat_cols.extend(delivered_col(v));
    let mut cat_rows = Vec::new();
    let keys: Vec<Option<Category>> = Category::ALL
        .iter()
        .map(|c| Some(*c))
        .chain([None])
        .collect();
    for k in keys {
        let (n, val, d) = match cats.get(&k) {
            Some(x) => *x,
            None if k.is_none() => continue,
            None => (0, Gbp::ZERO, None),
        };
        let mut cells = vec![
            Cell::text(k.map(|c| c.name()).unwrap_or("Not given")),
            Cell::text(
                k.map(|c| c.covers())
                    .unwrap_or("commitment lines with no category"),
            ),
            Cell::count(n),
            Cell::money(val),
            share(val, total),
        ];
        if v.has_delivered() {
            cells.push(Cell::money(d.unwrap_or(Gbp::ZERO)));
        }
        cat_rows.push(row(
            k.map(|c| c.name().to_ascii_lowercase())
                .unwrap_or_else(|| "not_given".into()),
            cells,
        ));
    }
    let mut cat_notes = Vec::new();
    if c.lines.iter().all(|l| l.category.is_none()) {
        cat_notes.push("No commitment line gives a category: add a `category` column (Places, People or Corporate) to the commitments file.".to_string());
    }
    Table {
        id: "by_category".into(),
        title: format!(
            "Social value committed by category of contract, {}",
            inputs.year
        ),
        columns: cat_cols,
        rows: cat_rows,
        notes: cat_notes,
        sources: src.to_vec(),
        html_rows: None,
    }
}

/// Social value (and delivery) by contract, in order of first appearance;
/// `None` when no line names a contract.
fn by_contract(inputs: &Inputs<'_>, c: &Commitments, v: &Valued, src: &[String]) -> Option<Table> {
    let mut contracts: Vec<(String, Option<Category>, Gbp, Option<Gbp>)> = Vec::new();
    for (i, l) in c.lines.iter().enumerate() {
        let Some(k) = &l.contract else { continue };
        let (value, delivered) = line_values(v, i);
        let pos = match contracts.iter().position(|x| &x.0 == k) {
            Some(p) => p,
            None => {
                contracts.push((k.clone(), l.category, Gbp::ZERO, None));
                contracts.len() - 1
            }
        };
        contracts[pos].2 = plus(contracts[pos].2, value);
        if let Some(d) = delivered {
            contracts[pos].3 = Some(plus(contracts[pos].3.unwrap_or(Gbp::ZERO), d));
        }
    }
    if contracts.is_empty() {
        return None;
    }
    let has_delivered = v.has_delivered();
    let mut cols = vec![
        col("contract", "Contract", Kind::Text),
        col("category", "Category", Kind::Text),
        col("value_gbp", "Social value committed (£)", Kind::Money),
    ];
    if has_delivered {
        cols.extend(delivered_col(v));
        cols.push(col("delivered_pct", "Delivered (%)", Kind::Percent));
    }
    let rows = contracts
        .iter()
        .map(|(k, cat, val, d)| {
            let mut cells = vec![
                Cell::text(k),
                Cell::text(cat.map(|c| c.name()).unwrap_or("")),
                Cell::money(*val),
            ];
            if has_delivered {
                let d = d.unwrap_or(Gbp::ZERO);
                cells.push(Cell::money(d));
                cells.push(share(d, *val));
            }
            row(k, cells)
        })
        .collect();
    Some(Table {
        id: "by_contract".into(),
        title: format!("Social value by contract, {}", inputs.year),
        columns: cols,
        rows,
        notes: vec![],
        sources: src.to_vec(),
        html_rows: None,
    })
}
