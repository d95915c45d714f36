//! The headline figures of paragraph 2.11, each read from a row of table
//! 2.10 (so the headlines and the table cannot disagree).

use rust_decimal::Decimal;

use crate::model::{Block, Cell, CellRef, Headline, Section, Table};

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
pub(crate) fn section(t: &Table, src: &[String]) -> Section {
    let mut items = Vec::new();
    if let Some((value, from)) = at(t, "total", "value_gbp") {
        items.push(Headline {
            id: "total_gbp".into(),
            value,
            label: "of social value to be delivered if every commitment is met".into(),
            from: Some(from),
            note: None,
            sources: src.to_vec(),
        });
    }
    let measures = measures_of(t);
    items.extend(living_wage(t, &measures, src));
    let (found, missing, several) = framework_figures(t, &measures, src);
    items.extend(found);
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

/// The cell of table `t` at `row` and `column`, and where it is.
fn at(t: &Table, row: &str, column: &str) -> Option<(Cell, CellRef)> {
    let c = t.cell(row, column)?.clone();
    Some((
        c,
        CellRef {
            table: t.id.clone(),
            row: row.into(),
            column: column.into(),
        },
    ))
}

/// Living wage: the share of local FTE paid at least the Real Living Wage,
/// when the two rows count the same people (the paid group is a part of
/// the hired group); otherwise the count itself, and why.
fn living_wage(
    t: &Table,
    measures: &[(String, String, String)],
    src: &[String],
) -> Option<Headline> {
    let fte_unit = |u: &str| unit_is(u, &["fte"]);
    let (lw_cell, lw_ref) = row_for(measures, &["R02"], |u, title| {
        fte_unit(u) && title.contains("living wage")
    })
    .ok()
    .flatten()
    .and_then(|r| at(t, r, "units"))?;
    let fte = row_for(measures, &["R01"], |u, title| {
        fte_unit(u)
            && title.contains("local")
            && !title.contains("living wage")
            && !title.contains("disadvantaged")
            && !title.contains("unemployed")
    })
    .ok()
    .flatten()
    .and_then(|r| at(t, r, "units"));
    let lw_units = lw_cell.decimal().unwrap_or_default();
    let fte_units = fte.as_ref().and_then(|(c, _)| c.decimal());
    Some(match fte_units {
        Some(f) if !f.is_zero() && lw_units <= f => {
            let p = lw_units * Decimal::ONE_HUNDRED / f;
            Headline {
                id: "living_wage_share_pct".into(),
                value: Cell::percent(p),
                label: "of the local FTE hired on contracts are to be paid the Real Living Wage (minimum)".into(),
                from: None,
                note: Some(format!("{} ÷ {} (rows {} and {} of table 2.10)", lw_units, f, lw_ref.row, fte.as_ref().map(|x| x.1.row.as_str()).unwrap_or(""))),
                sources: src.to_vec(),
            }
        }
        _ => Headline {
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
        },
    })
}

/// The figures of [`SPECS`]: those found, the labels of those no row
/// gives, and those several rows could give (with the rows).
fn framework_figures(
    t: &Table,
    measures: &[(String, String, String)],
    src: &[String],
) -> (Vec<Headline>, Vec<&'static str>, Vec<String>) {
    let mut items = Vec::new();
    let mut missing = Vec::new();
    let mut several = Vec::new();
    for s in &SPECS {
        let row = match row_for(measures, s.codes, s.is) {
            Ok(r) => r,
            Err(rows) => {
                several.push(format!("{} (rows {})", s.label, rows.join(", ")));
                continue;
            }
        };
        match row.and_then(|r| at(t, r, s.column)) {
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
    (items, missing, several)
}
