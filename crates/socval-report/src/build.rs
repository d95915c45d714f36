//! Builds the [`Report`] model from its inputs. Every figure is computed
//! here, once; headline figures are read back from the table rows built
//! before them, so the report cannot disagree with itself.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use socval_core::quotes::{Audit, PurchaseCheck};
use socval_core::valuation::{self, Commitment, Valuation, ValuationOptions};
use socval_core::{FinancialYear, Framework, Gbp, QuoteRule};

use crate::commitments::{Category, Commitments};
use crate::contracts::{self, ContractsInput, Traced};
use crate::error::{Error, Result};
use crate::model::{
    Block, Cell, CellRef, Headline, Kind, Report, Row, SCHEMA, Section, Source, Table, col, row,
};
use crate::spend::{SpendAnalysis, spend_section};
use crate::total::*;

/// Everything a report is built from.
#[derive(Clone, Debug)]
pub struct Inputs<'a> {
    /// The organisation, as given; recorded, not looked up (the portal's
    /// organisations come with the portal workflow).
    pub org: Option<String>,
    /// The financial year reported.
    pub year: FinancialYear,
    /// The year to compare spend with.
    pub compare: Option<FinancialYear>,
    /// The framework commitments are valued with.
    pub framework: &'a Framework,
    /// Where the framework came from (`embedded rotherham-2019`, a path).
    pub framework_source: String,
    /// Use the latest earlier proxy when the year has none.
    pub carry_forward: bool,
    /// The commitments, if given as a file.
    pub commitments: Option<&'a Commitments>,
    /// The organisation's contracts and delivery returns, if read from the
    /// portal's database (instead of `commitments`).
    pub contracts: Option<&'a ContractsInput<'a>>,
    /// The spend analyses, or why there are none.
    pub spend: SpendInput,
    /// Small purchases, if given.
    pub quotes: Option<QuotesInput>,
    /// What is producing the report (`socval 0.1.0`).
    pub generated_by: String,
}

/// The spend section's input.
#[derive(Clone, Debug)]
pub enum SpendInput {
    /// No analysis: the reason is printed in the section.
    Missing(String),
    /// The analyses of the year (and the comparison year).
    Analysed(Box<SpendAnalysis>),
}

/// Small purchases checked against the quotes rule, and the sample audit.
#[derive(Clone, Debug)]
pub struct QuotesInput {
    /// The quotes file, as named.
    pub file: String,
    /// Quote lines read.
    pub quotes: usize,
    /// One check per purchase.
    pub checks: Vec<PurchaseCheck>,
    /// The audit, or why it could not be drawn.
    pub audit: std::result::Result<Audit, String>,
    /// The policy's quotes threshold.
    pub threshold: Gbp,
    /// The policy's quotes rule under the threshold.
    pub rule: QuoteRule,
}

/// Collects sources and hands out their ids.
#[derive(Default)]
pub(crate) struct Sources(pub(crate) Vec<Source>);

impl Sources {
    pub(crate) fn add(&mut self, text: String) -> String {
        let id = format!("S{}", self.0.len() + 1);
        self.0.push(Source {
            id: id.clone(),
            text,
        });
        id
    }
}

/// Builds the report.
///
/// Returns an error if the commitments cannot be valued with the framework
/// (an unknown measure, a missing proxy for the year).
pub fn build(inputs: &Inputs<'_>) -> Result<Report> {
    let mut sources = Sources::default();
    let fw = inputs.framework;
    let fw_src = sources.add(format!(
        "Framework {} ({}), edition {}, from {}. Values: {}. Licence: {}.",
        fw.meta.id,
        fw.meta.title,
        or_dash(&fw.meta.edition),
        inputs.framework_source,
        or_dash(&fw.meta.source),
        or_dash(&fw.meta.licence)
    ));
    let mut sections = Vec::new();
    let valued = match inputs.commitments {
        Some(c) => Some(value(inputs, c)?),
        None => None,
    };
    let traced = inputs
        .contracts
        .map(|k| (k, contracts::trace(inputs.year, k)));
    match (&valued, inputs.commitments, &traced) {
        (Some(_), _, Some(_)) => {
            return Err(Error::Input(
                "give either a commitments file or the organisation's contracts, not both".into(),
            ));
        }
        (_, _, Some((k, t))) => {
            let src = sources.add(format!(
                "Contracts of {} valued at {} proxies: {} contract(s) ({}), {} commitment row(s) and {} delivery return line(s); delivered to date as of {}. Each figure's records are listed in the portal (the number links to them).",
                k.source,
                inputs.year,
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
                    .filter(|r| r.kind == contracts::RecordKind::Commitment)
                    .count(),
                t.records
                    .iter()
                    .filter(|r| r.kind == contracts::RecordKind::ReturnLine)
                    .count(),
                k.as_of
            ));
            let (commit, table_2_10) =
                contracts::section(inputs.year, k, t, &[src.clone(), fw_src.clone()]);
            sections.push(headlines_section(&table_2_10, &[src]));
            sections.push(commit);
        }
        (Some(v), Some(c), None) => {
            let src = sources.add(format!(
                "{}: {} commitment line(s) (lines {}–{}), valued with framework {} at the proxies for {}{}.",
                c.file,
                c.lines.len(),
                c.lines.first().map(|l| l.commitment.line).unwrap_or(0),
                c.lines.last().map(|l| l.commitment.line).unwrap_or(0),
                fw.meta.id,
                inputs.year,
                if inputs.carry_forward { " (or the latest earlier year's, --carry-forward)" } else { "" }
            ));
            let (commit, table_2_10) =
                commitments_section(inputs, c, v, &[src.clone(), fw_src.clone()]);
            sections.push(headlines_section(&table_2_10, &[src]));
            sections.push(commit);
        }
        _ => {
            sections.push(Section {
                id: "headlines".into(),
                title: "Headline figures".into(),
                blocks: vec![Block::Notice {
                    text: "No commitments were given (--commitments FILE), so there are no headline figures.".into(),
                }],
            });
            sections.push(Section {
                id: "commitments".into(),
                title: "Social value commitments".into(),
                blocks: vec![Block::Notice {
                    text: "No commitments were given: give a commitments file (--commitments FILE), or build the report from the organisation's contracts in the portal (--org ORG, or the report page of the portal).".into(),
                }],
            });
        }
    }
    sections.push(spend_section(inputs, &mut sources));
    sections.push(quotes_section(inputs.quotes.as_ref(), &mut sources));
    sections.push(methods_section(
        inputs,
        valued.as_ref(),
        traced.as_ref().map(|x| &x.1),
        &fw_src,
    ));
    let title = format!("Social value annual report {}", inputs.year);
    Ok(Report {
        schema: SCHEMA.into(),
        title,
        org: inputs.org.clone(),
        year: inputs.year,
        compare: inputs.compare,
        generated_by: inputs.generated_by.clone(),
        sections,
        sources: sources.0,
    })
}

fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "not stated" } else { s }
}

/// The valuations of what was committed and what was delivered.
pub(crate) struct Valued {
    committed: Valuation,
    /// Per commitment line: the delivered valuation's row index, if the
    /// line gives a delivered figure.
    delivered: Option<(Valuation, Vec<Option<usize>>)>,
}

fn value(inputs: &Inputs<'_>, c: &Commitments) -> Result<Valued> {
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

/// Table 2.10 and the breakdowns by theme, category and contract.
fn commitments_section(
    inputs: &Inputs<'_>,
    c: &Commitments,
    v: &Valued,
    src: &[String],
) -> (Section, Table) {
    let rows = &v.committed.rows;
    let has_delivered = v.delivered.is_some();
    let delivered_row = |i: usize| {
        v.delivered
            .as_ref()
            .and_then(|(d, idx)| idx[i].map(|j| &d.rows[j]))
    };

    // Per measure, in order of first appearance (the order of the council's table).
    let mut order: Vec<&str> = Vec::new();
    struct M {
        title: String,
        unit: String,
        units: Decimal,
        value: Option<Gbp>,
        d_units: Option<Decimal>,
        d_value: Option<Gbp>,
    }
    let mut by_code: BTreeMap<&str, M> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let m = by_code.entry(&r.code).or_insert_with(|| {
            order.push(&r.code);
            M {
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
        if let Some(d) = delivered_row(i) {
            m.d_units = Some(units_plus(
                m.d_units.unwrap_or(Decimal::ZERO),
                d.counted_units,
            ));
            if let Some(val) = d.value {
                m.d_value = Some(plus(m.d_value.unwrap_or(Gbp::ZERO), val));
            }
        }
    }
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
    let total = v.committed.total;
    let d_total = v.delivered.as_ref().map(|(d, _)| d.total);
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
        Cell::money(total),
    ];
    if has_delivered {
        tot.push(Cell::Empty);
        tot.push(Cell::money_opt(d_total));
    }
    trows.push(Row {
        key: "total".into(),
        cells: tot,
        total: true,
        records: None,
        cell_records: Default::default(),
    });
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
    let table_2_10 = Table {
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
    };

    // By theme.
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
    if has_delivered {
        theme_cols.push(col("delivered_gbp", "Delivered to date (£)", Kind::Money));
    }
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
            if has_delivered {
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
    if has_delivered {
        tt.push(Cell::money_opt(d_total));
    }
    theme_rows.push(Row {
        key: "total".into(),
        cells: tt,
        total: true,
        records: None,
        cell_records: Default::default(),
    });
    let by_theme = Table {
        id: "by_theme".into(),
        title: format!("Social value committed by theme, {}", inputs.year),
        columns: theme_cols,
        rows: theme_rows,
        notes: vec![],
        sources: src.to_vec(),
        html_rows: None,
    };

    // By category and by contract: per commitment line.
    let line_value = |i: usize| rows[i].value.unwrap_or(Gbp::ZERO);
    let line_delivered = |i: usize| delivered_row(i).and_then(|d| d.value);
    let mut cats: BTreeMap<Option<Category>, (u64, Gbp, Option<Gbp>)> = BTreeMap::new();
    let mut contracts: Vec<(String, Option<Category>, Gbp, Option<Gbp>)> = Vec::new();
    for (i, l) in c.lines.iter().enumerate() {
        let e = cats.entry(l.category).or_insert((0, Gbp::ZERO, None));
        e.0 += 1;
        e.1 = plus(e.1, line_value(i));
        if let Some(d) = line_delivered(i) {
            e.2 = Some(plus(e.2.unwrap_or(Gbp::ZERO), d));
        }
        if let Some(k) = &l.contract {
            let pos = match contracts.iter().position(|x| &x.0 == k) {
                Some(p) => p,
                None => {
                    contracts.push((k.clone(), l.category, Gbp::ZERO, None));
                    contracts.len() - 1
                }
            };
            contracts[pos].2 = plus(contracts[pos].2, line_value(i));
            if let Some(d) = line_delivered(i) {
                contracts[pos].3 = Some(plus(contracts[pos].3.unwrap_or(Gbp::ZERO), d));
            }
        }
    }
    let mut cat_cols = vec![
        col("category", "Category", Kind::Text),
        col("covers", "Contracts for", Kind::Text),
        col("lines", "Commitment lines", Kind::Number),
        col("value_gbp", "Social value committed (£)", Kind::Money),
        col("share_pct", "Share of total (%)", Kind::Percent),
    ];
    if has_delivered {
        cat_cols.push(col("delivered_gbp", "Delivered to date (£)", Kind::Money));
    }
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
        if has_delivered {
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
    let by_category = Table {
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
    };

    let mut blocks = vec![
        Block::Paragraph {
            text: format!(
                "Commitments made by suppliers against the framework's measures, which if delivered provide {} of social value. Commitments secured through procurement, rather than delivery to date, are the most reliable figures while contracts are at differing stages.",
                total.display_whole_pounds()
            ),
            sources: src.to_vec(),
        },
        Block::Table(table_2_10.clone()),
        Block::Table(by_theme),
        Block::Table(by_category),
    ];
    if !contracts.is_empty() {
        let mut cols = vec![
            col("contract", "Contract", Kind::Text),
            col("category", "Category", Kind::Text),
            col("value_gbp", "Social value committed (£)", Kind::Money),
        ];
        if has_delivered {
            cols.push(col("delivered_gbp", "Delivered to date (£)", Kind::Money));
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
        blocks.push(Block::Table(Table {
            id: "by_contract".into(),
            title: format!("Social value by contract, {}", inputs.year),
            columns: cols,
            rows,
            notes: vec![],
            sources: src.to_vec(),
            html_rows: None,
        }));
    }
    if !has_delivered {
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

/// What a headline reads from table 2.10.
struct Spec {
    id: &'static str,
    /// The measure codes of the frameworks shipped with socval whose row
    /// gives the figure, preferred when present.
    codes: &'static [&'static str],
    /// Otherwise the one row whose measure (unit key and lower-case title,
    /// from the framework) is this figure's: any framework, e.g. a licensed
    /// National TOMs edition imported as a file.
    is: fn(unit: &str, title: &str) -> bool,
    column: &'static str,
    label: &'static str,
}

fn unit_is(unit: &str, names: &[&str]) -> bool {
    let u = unit.trim().to_ascii_lowercase();
    names.iter().any(|n| u == *n)
}

const SPECS: [Spec; 4] = [
    Spec {
        id: "training_weeks",
        codes: &["R09"],
        // Weeks of training, not of apprenticeships (the seed's 2.11 mixed
        // the two up).
        is: |unit, title| {
            unit_is(unit, &["weeks", "week", "no. weeks"])
                && title.contains("training")
                && !title.contains("apprentice")
        },
        column: "units",
        label: "weeks of training opportunities to be offered on contracts",
    },
    Spec {
        id: "young_people_gbp",
        codes: &["R11"],
        is: |unit, title| unit_is(unit, &["hours", "hour"]) && title.contains("young people"),
        column: "value_gbp",
        label: "to be delivered in dedicated hours to support young people into work",
    },
    Spec {
        id: "co2e_tonnes",
        codes: &["R18", "OD08"],
        is: |unit, _| unit_is(unit, &["tonnes_co2e", "tco2e", "t co2e", "tonnes co2e"]),
        column: "units",
        label: "tonnes CO2e to be saved on contracts",
    },
    Spec {
        id: "local_value_gbp",
        codes: &["R16"],
        is: |unit, title| {
            unit_is(unit, &["gbp", "£"])
                && title.contains("local")
                && title.contains("supply chain")
        },
        column: "value_gbp",
        label: "of local economic value to be created through the local supply chain on contracts",
    },
];

/// The measures of table 2.10's rows: (row key, unit key, lower-case title).
fn measures_of(t: &Table) -> Vec<(String, String, String)> {
    let at = |key: &str| t.columns.iter().position(|c| c.key == key);
    let (Some(u), Some(m)) = (at("unit"), at("measure")) else {
        return Vec::new();
    };
    let text = |c: Option<&Cell>| match c {
        Some(Cell::Text(s)) => s.clone(),
        _ => String::new(),
    };
    t.rows
        .iter()
        .filter(|r| !r.total)
        .map(|r| {
            (
                r.key.clone(),
                text(r.cells.get(u)),
                text(r.cells.get(m)).to_lowercase(),
            )
        })
        .collect()
}

/// The row giving a figure: one of the preferred codes, else the only row
/// whose measure matches `is`; `Err` names the rows when several match.
fn row_for<'a>(
    measures: &'a [(String, String, String)],
    codes: &[&str],
    is: impl Fn(&str, &str) -> bool,
) -> Result<Option<&'a str>, Vec<&'a str>> {
    if let Some(c) = codes
        .iter()
        .find_map(|c| measures.iter().find(|m| m.0 == *c))
    {
        return Ok(Some(&c.0));
    }
    let found: Vec<&str> = measures
        .iter()
        .filter(|m| is(&m.1, &m.2))
        .map(|m| m.0.as_str())
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(found),
    }
}

/// The headline figures of paragraph 2.11, each read from a row of table 2.10.
fn headlines_section(t: &Table, src: &[String]) -> Section {
    let mut items = Vec::new();
    let at = |row: &str, column: &str| -> Option<(Cell, CellRef)> {
        let c = t.cell(row, column)?.clone();
        Some((
            c,
            CellRef {
                table: t.id.clone(),
                row: row.into(),
                column: column.into(),
            },
        ))
    };
    if let Some((value, from)) = at("total", "value_gbp") {
        items.push(Headline {
            id: "total_gbp".into(),
            value,
            label: "of social value to be delivered if every commitment is met".into(),
            from: Some(from),
            note: None,
            sources: src.to_vec(),
        });
    }
    // Living wage: the share of local FTE paid at least the Real Living Wage,
    // when the two rows count the same people (the paid group is a part of
    // the hired group); otherwise the count itself, and why.
    let measures = measures_of(t);
    let fte_unit = |u: &str| unit_is(u, &["fte"]);
    let lw = row_for(&measures, &["R02"], |u, title| {
        fte_unit(u) && title.contains("living wage")
    })
    .ok()
    .flatten()
    .and_then(|r| at(r, "units"));
    let fte = row_for(&measures, &["R01"], |u, title| {
        fte_unit(u)
            && title.contains("local")
            && !title.contains("living wage")
            && !title.contains("disadvantaged")
            && !title.contains("unemployed")
    })
    .ok()
    .flatten()
    .and_then(|r| at(r, "units"));
    if let Some((lw_cell, lw_ref)) = lw {
        let lw_units = lw_cell.decimal().unwrap_or_default();
        let fte_units = fte.as_ref().and_then(|(c, _)| c.decimal());
        match fte_units {
            Some(f) if !f.is_zero() && lw_units <= f => {
                let p = lw_units * Decimal::ONE_HUNDRED / f;
                items.push(Headline {
                    id: "living_wage_share_pct".into(),
                    value: Cell::percent(p),
                    label: "of the local FTE hired on contracts are to be paid the Real Living Wage (minimum)".into(),
                    from: None,
                    note: Some(format!("{} ÷ {} (rows {} and {} of table 2.10)", lw_units, f, lw_ref.row, fte.as_ref().map(|x| x.1.row.as_str()).unwrap_or(""))),
                    sources: src.to_vec(),
                });
            }
            _ => items.push(Headline {
                id: "living_wage_people".into(),
                value: lw_cell,
                label: "local people employed on contracts to be paid the Real Living Wage (minimum)".into(),
                from: Some(lw_ref),
                note: Some(match fte_units {
                    Some(f) => format!(
                        "A share of local FTE cannot be derived from these commitments: the Living Wage row ({}) is larger than the local FTE hired or retained ({}), so the two rows count different groups of people. See Methods.",
                        lw_units, f
                    ),
                    None => "A share of local FTE cannot be derived: there is no commitment for local FTE hired or retained.".into(),
                }),
                sources: src.to_vec(),
            }),
        }
    }
    let mut missing = Vec::new();
    let mut several = Vec::new();
    for s in &SPECS {
        let row = match row_for(&measures, s.codes, s.is) {
            Ok(r) => r,
            Err(rows) => {
                several.push(format!("{} (rows {})", s.label, rows.join(", ")));
                continue;
            }
        };
        match row.and_then(|r| at(r, s.column)) {
            Some((value, from)) if value != Cell::Empty => items.push(Headline {
                id: s.id.into(),
                value,
                label: s.label.into(),
                from: Some(from),
                note: None,
                sources: src.to_vec(),
            }),
            _ => missing.push(s.label),
        }
    }
    let mut blocks = vec![Block::Headlines { items }];
    if !missing.is_empty() {
        blocks.push(Block::Notice {
            text: format!(
                "Not reported, because no commitment row gives it with this framework: {}.",
                missing.join("; ")
            ),
        });
    }
    if !several.is_empty() {
        blocks.push(Block::Notice {
            text: format!(
                "Not reported, because several rows of table 2.10 could give it and adding them up could count different things: {}.",
                several.join("; ")
            ),
        });
    }
    blocks.push(Block::Paragraph {
        text: "Each headline figure is read from the row of table 2.10 it names, so the headlines and the table cannot disagree.".into(),
        sources: vec![],
    });
    Section {
        id: "headlines".into(),
        title: "Headline figures".into(),
        blocks,
    }
}

fn quotes_section(q: Option<&QuotesInput>, sources: &mut Sources) -> Section {
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
    let in_scope = q.checks.iter().filter(|c| c.in_scope).count() as u64;
    let failing = q.checks.iter().filter(|c| !c.compliant).count() as u64;
    let scope_value = sum(q
        .checks
        .iter()
        .filter(|c| c.in_scope)
        .map(|c| c.purchase_value));
    let summary = Table {
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
                Cell::count(q.checks.len() as u64),
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
        sources: src.clone(),
        html_rows: None,
    };
    let mut blocks = vec![Block::Table(summary)];
    let non: Vec<&PurchaseCheck> = q.checks.iter().filter(|c| !c.compliant).collect();
    if !non.is_empty() {
        blocks.push(Block::Table(Table {
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
            sources: src.clone(),
            html_rows: None,
        }));
    }
    match &q.audit {
        Ok(a) => {
            blocks.push(Block::Paragraph {
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
                sources: src.clone(),
            });
            blocks.push(Block::Table(Table {
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
            }));
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

fn methods_section(
    inputs: &Inputs<'_>,
    valued: Option<&Valued>,
    traced: Option<&Traced>,
    fw_src: &str,
) -> Section {
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
    match &inputs.spend {
        SpendInput::Analysed(a) => {
            let p = &a.provenance;
            items.push(("Local definition", p.local_definition.clone()));
            items.push((
                "Deprivation (IMD)",
                p.imd
                    .clone()
                    .unwrap_or_else(|| "none imported: deprivation bands are unknown".into()),
            ));
            items.push((
                "Postcode directory",
                p.postcode_directory
                    .clone()
                    .unwrap_or_else(|| "none imported: supplier locations are unknown".into()),
            ));
            items.push((
                "Supplier register",
                format!(
                    "{} supplier(s), {} location override(s)",
                    p.suppliers, p.overrides
                ),
            ));
            let dq = &a.this.data_quality;
            items.push((
                "Unmatched spend",
                format!(
                    "{} in {} payment(s) to {} supplier name(s) not in the supplier register, {} year",
                    dq.unmatched.gbp.display_whole_pounds(),
                    dq.unmatched.payments,
                    dq.unmatched.suppliers,
                    a.this.year
                ),
            ));
        }
        SpendInput::Missing(reason) => items.push(("Spend data", reason.clone())),
    }
    if let (Some(t), Some(k)) = (traced, inputs.contracts) {
        let mut fws: Vec<&str> = t.contracts.iter().map(|c| c.framework.as_str()).collect();
        fws.sort();
        fws.dedup();
        items.push((
            "Proxy year",
            format!("{} (the contracts' valuation year)", inputs.year),
        ));
        items.push((
            "Frameworks of the contracts",
            if fws.is_empty() {
                "no contract of the year".into()
            } else {
                fws.join(", ")
            },
        ));
        items.push((
            "Commitments and delivery",
            format!(
                "the contracts and delivery returns of {}, as of {}",
                k.source, k.as_of
            ),
        ));
    } else {
        items.push((
            "Commitments and delivery",
            match inputs.commitments {
                Some(c) => format!(
                    "the commitments file {} (give --org without --commitments to read the organisation's contracts and delivery returns from the portal's database)",
                    c.file
                ),
                None => "none given".into(),
            },
        ));
    }
    items.push((
        "Small purchases",
        match &inputs.quotes {
            Some(q) => q.file.clone(),
            None => "none given".into(),
        },
    ));
    let methods = Table {
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
    };
    let mut blocks = vec![Block::Table(methods)];
    if let Some(t) = traced {
        let rows = t
            .proxies
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
            .collect();
        blocks.push(proxies_table(rows, fw_src));
    }
    if let Some(v) = valued {
        let mut seen = Vec::new();
        let mut rows = Vec::new();
        for r in &v.committed.rows {
            if seen.contains(&r.code) {
                continue;
            }
            seen.push(r.code.clone());
            let note = fw
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
        blocks.push(proxies_table(rows, fw_src));
    }
    if fw.meta.id == "rotherham-2019" && inputs.contracts.is_none() {
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
