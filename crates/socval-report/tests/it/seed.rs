//! The report on the seed's commitments reproduces table 2.10, and its
//! headline figures are the table's rows.

use std::fmt::Write as _;

use socval_core::Decimal;
use socval_core::Framework;
use socval_report::{Block, Cell, Report, SpendInput, build};

use crate::{inputs, rotherham, seed_report, shared};

/// The seed CSV as printed: measure title → (units, £ or None).
fn printed() -> Vec<(String, Decimal, Option<Decimal>)> {
    let mut r = csv::Reader::from_path(shared("seed/table-2-10-commitments.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let v = rec.get(3).unwrap();
            (
                rec.get(0).unwrap().to_string(),
                rec.get(2).unwrap().parse().unwrap(),
                if v.is_empty() {
                    None
                } else {
                    Some(v.parse().unwrap())
                },
            )
        })
        .collect()
}

#[test]
fn reproduces_table_2_10_row_by_row_within_a_pound() {
    let r = seed_report();
    let t = r.table("table_2_10").unwrap();
    let fw = rotherham();
    let printed = printed();
    assert_eq!(
        t.rows.len(),
        printed.len() + 1,
        "one row per measure, and the total"
    );
    let mut sum = Decimal::ZERO;
    for (title, units, value) in &printed {
        let code = &fw.find(title).unwrap().measure.code;
        let row = t
            .rows
            .iter()
            .find(|r| &r.key == code)
            .unwrap_or_else(|| panic!("no row {code}"));
        assert_eq!(t.cell(code, "measure").unwrap(), &Cell::Text(title.clone()));
        assert_eq!(
            t.cell(code, "units").unwrap().decimal(),
            Some(*units),
            "{code} units"
        );
        match (value, t.cell(code, "value_gbp").unwrap()) {
            (None, Cell::Empty) => {}
            (Some(v), Cell::Money(got)) => {
                assert!(
                    (got - v).abs() <= Decimal::ONE,
                    "{code}: {got} vs printed {v}"
                );
                sum += v;
            }
            (v, got) => panic!("{code}: printed {v:?}, report {got:?} ({row:?})"),
        }
    }
    assert_eq!(
        sum,
        Decimal::from(1_458_532),
        "the printed rows add up to £1,458,532"
    );
    let total = t.cell("total", "value_gbp").unwrap().decimal().unwrap();
    assert_eq!(total.round(), Decimal::from(1_458_532), "total {total}");
}

#[test]
fn headline_figures_are_the_table_rows_they_name() {
    let r = seed_report();
    let mut checked = 0;
    for h in r.headlines() {
        if let Some(f) = &h.from {
            let cell = r.table(&f.table).unwrap().cell(&f.row, &f.column).unwrap();
            assert_eq!(
                &h.value, cell,
                "headline {} vs {}/{}/{}",
                h.id, f.table, f.row, f.column
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "{checked}");
    // And the rows they name are the council's figures, from the CSV.
    let printed = printed();
    let value_of = |title: &str| printed.iter().find(|p| p.0 == title).unwrap().clone();
    let h = |id: &str| {
        r.headlines()
            .find(|h| h.id == id)
            .unwrap_or_else(|| panic!("no headline {id}"))
    };
    assert_eq!(
        h("training_weeks").value.decimal(),
        Some(value_of("No. of weeks of training opportunities").1),
        "188 weeks, not the 53 of 2.11"
    );
    assert_eq!(h("training_weeks").from.as_ref().unwrap().row, "R09");
    assert_eq!(
        h("young_people_gbp").value.decimal().unwrap().round(),
        value_of("No. of hours dedicated to support young people into work")
            .2
            .unwrap()
    );
    assert_eq!(
        h("co2e_tonnes").value.decimal(),
        Some(value_of("Savings in CO2 emissions on contract").1)
    );
    assert_eq!(
        h("local_value_gbp").value.decimal().unwrap().round(),
        value_of("Total amount (£) spent in LOCAL supply chain through the contract")
            .2
            .unwrap()
    );
    // The Living Wage share cannot be derived from the table: the count is
    // given, with why, and no invented percentage.
    let lw = h("living_wage_people");
    assert_eq!(
        lw.value.decimal(),
        Some(value_of("No. of local people employed paid Joseph Rowntree Living Wage").1)
    );
    assert!(
        lw.note.as_ref().unwrap().contains("cannot be derived"),
        "{:?}",
        lw.note
    );
    assert!(r.headlines().all(|h| h.id != "living_wage_share_pct"));
}

#[test]
fn living_wage_share_is_computed_when_the_rows_count_the_same_people() {
    let fw = rotherham();
    let c =
        socval_report::read_commitments("c.csv", "measure,units\nR01,40\nR02,33\n".as_bytes(), &fw)
            .unwrap();
    let r = socval_report::build(&crate::inputs(
        &fw,
        Some(&c),
        socval_report::SpendInput::Missing("none".into()),
    ))
    .unwrap();
    let h = r
        .headlines()
        .find(|h| h.id == "living_wage_share_pct")
        .unwrap();
    assert_eq!(h.value, Cell::Percent("82.50".parse().unwrap()));
}

#[test]
fn categories_contracts_and_delivery_are_broken_down() {
    let fw = rotherham();
    let csv = "measure,units,category,contract,delivered\n\
               R09,100,Places,C1,50\n\
               R09,88,Rotherham People,C2,\n\
               R18,4.04,corporate,C3,4.04\n";
    let c = socval_report::read_commitments("c.csv", csv.as_bytes(), &fw).unwrap();
    let r = socval_report::build(&crate::inputs(
        &fw,
        Some(&c),
        socval_report::SpendInput::Missing("none".into()),
    ))
    .unwrap();
    let t = r.table("table_2_10").unwrap();
    assert_eq!(t.cell("R09", "units").unwrap().plain(), "188");
    assert_eq!(t.cell("R09", "delivered_units").unwrap().plain(), "50");
    let cat = r.table("by_category").unwrap();
    let places = cat.cell("places", "value_gbp").unwrap().decimal().unwrap();
    let people = cat.cell("people", "value_gbp").unwrap().decimal().unwrap();
    let corporate = cat
        .cell("corporate", "value_gbp")
        .unwrap()
        .decimal()
        .unwrap();
    let total = t.cell("total", "value_gbp").unwrap().decimal().unwrap();
    assert_eq!(places + people + corporate, total);
    let con = r.table("by_contract").unwrap();
    assert_eq!(con.cell("C3", "delivered_pct").unwrap().plain(), "100.00");
    assert_eq!(con.cell("C2", "delivered_gbp").unwrap().plain(), "0.00");
    // A bad category names file, line, column and value.
    let e = socval_report::read_commitments(
        "c.csv",
        "measure,units,category\nR09,1,Parks\n".as_bytes(),
        &fw,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("c.csv: line 2, column `category`: \"Parks\""),
        "{e}"
    );
}

/// The report's structure: sections, blocks, tables with their columns and
/// row keys, headline values. Stable across runs.
fn outline(r: &Report) -> String {
    let mut o = String::new();
    writeln!(o, "{} | {} | {:?}", r.schema, r.title, r.org).unwrap();
    for s in &r.sections {
        writeln!(o, "## {} ({})", s.title, s.id).unwrap();
        for b in &s.blocks {
            match b {
                Block::Paragraph { text, sources } => writeln!(
                    o,
                    "  p {sources:?}: {}",
                    text.chars().take(70).collect::<String>()
                )
                .unwrap(),
                Block::Notice { text } => {
                    writeln!(o, "  notice: {}", text.chars().take(70).collect::<String>()).unwrap()
                }
                Block::Headlines { items } => {
                    for h in items {
                        writeln!(
                            o,
                            "  headline {} = {} {:?}",
                            h.id,
                            h.value.plain(),
                            h.from
                                .as_ref()
                                .map(|f| format!("{}/{}/{}", f.table, f.row, f.column))
                        )
                        .unwrap();
                    }
                }
                Block::Table(t) => {
                    writeln!(o, "  table {} \"{}\" {:?}", t.id, t.title, t.sources).unwrap();
                    writeln!(
                        o,
                        "    columns: {}",
                        t.columns
                            .iter()
                            .map(|c| format!("{}:{:?}", c.key, c.kind))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                    .unwrap();
                    for row in &t.rows {
                        writeln!(
                            o,
                            "    {} | {}",
                            row.key,
                            row.cells
                                .iter()
                                .map(|c| c.plain())
                                .collect::<Vec<_>>()
                                .join(" | ")
                        )
                        .unwrap();
                    }
                }
                Block::Chart(c) => writeln!(o, "  chart {} of {}", c.id, c.table).unwrap(),
            }
        }
    }
    for s in &r.sources {
        writeln!(o, "{}: {}", s.id, s.text).unwrap();
    }
    o
}

#[test]
fn report_structure_on_the_seed() {
    insta::assert_snapshot!(outline(&seed_report()));
}

#[test]
fn html_outline_on_the_seed() {
    let html = socval_report::render_html(&seed_report()).unwrap();
    // Headings and table captions, in order: the page's outline.
    let mut o = String::new();
    for line in html.split('<').filter(|t| {
        t.starts_with("h1")
            || t.starts_with("h2")
            || t.starts_with("caption")
            || t.starts_with("span id")
    }) {
        let text = line.split('>').nth(1).unwrap_or("");
        writeln!(o, "{} {}", line.split([' ', '>']).next().unwrap(), text).unwrap();
    }
    insta::assert_snapshot!(o);
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no external assets"
    );
    assert!(html.contains("@media print") && html.contains("size:A4"));
}

/// A framework with other codes (as a licensed National TOMs edition would
/// have: the values here are made up, not TOMs values).
const OTHER_CODES: &str = r#"
[framework]
id = "toms-like"
title = "A framework with other measure codes (made-up values)"
edition = "test"

[[theme]]
code = "T"
title = "Everything"

[[theme.outcome]]
code = "T.1"
title = "Everything"

[[theme.outcome.measure]]
code = "NT10"
title = "No. of weeks of training opportunities on the contract (BTEC, City & Guilds, NVQ, HNC)"
unit = "weeks"
kind = "per_unit"
[[theme.outcome.measure.proxy]]
year = "2019/20"
value_gbp = "100.00"

[[theme.outcome.measure]]
code = "NT11"
title = "No. of weeks of apprenticeships on the contract"
unit = "weeks"
kind = "per_unit"
[[theme.outcome.measure.proxy]]
year = "2019/20"
value_gbp = "200.00"

[[theme.outcome.measure]]
code = "NT13"
title = "Hours of support into work for young people (careers talks, CV advice)"
unit = "hours"
kind = "per_unit"
[[theme.outcome.measure.proxy]]
year = "2019/20"
value_gbp = "10.00"

[[theme.outcome.measure]]
code = "NT18"
title = "Total amount (£) spent in local supply chain through the contract"
unit = "gbp"
kind = "per_unit"
[[theme.outcome.measure.proxy]]
year = "2019/20"
value_gbp = "0.50"

[[theme.outcome.measure]]
code = "NT31"
title = "Savings in CO2 emissions on the contract"
unit = "tonnes_co2e"
kind = "per_unit"
[[theme.outcome.measure.proxy]]
year = "2019/20"
value_gbp = "70.00"

[[theme.outcome.measure]]
code = "NT1"
title = "No. of local direct employees (FTE) hired or retained on the contract"
unit = "fte"
kind = "per_unit"
[[theme.outcome.measure.proxy]]
year = "2019/20"
value_gbp = "1000.00"

[[theme.outcome.measure]]
code = "NT2"
title = "Local FTE paid at least the Real Living Wage"
unit = "fte"
kind = "unvalued"
"#;

#[test]
fn headline_figures_are_found_by_the_frameworks_own_measures_whatever_their_codes() {
    let fw = Framework::from_toml(OTHER_CODES, "toms-like.toml").unwrap();
    let csv = "measure,units\nNT10,40\nNT11,12\nNT13,300\nNT18,20000\nNT31,5.5\nNT1,10\nNT2,4\n";
    let c = socval_report::read_commitments("c.csv", csv.as_bytes(), &fw).unwrap();
    let r = build(&inputs(&fw, Some(&c), SpendInput::Missing("none".into()))).unwrap();
    let h = |id: &str| {
        r.headlines().find(|h| h.id == id).unwrap_or_else(|| {
            panic!(
                "no headline {id}: {:?}",
                r.headlines().map(|h| &h.id).collect::<Vec<_>>()
            )
        })
    };
    let from = |id: &str| h(id).from.as_ref().map(|f| f.row.clone());
    // Training, not apprenticeships.
    assert_eq!(h("training_weeks").value.decimal(), Some(Decimal::from(40)));
    assert_eq!(from("training_weeks").as_deref(), Some("NT10"));
    assert_eq!(from("young_people_gbp").as_deref(), Some("NT13"));
    assert_eq!(
        h("young_people_gbp").value.decimal(),
        Some(Decimal::from(3000))
    );
    assert_eq!(from("co2e_tonnes").as_deref(), Some("NT31"));
    assert_eq!(from("local_value_gbp").as_deref(), Some("NT18"));
    assert_eq!(
        h("local_value_gbp").value.decimal(),
        Some(Decimal::from(10000))
    );
    assert_eq!(
        h("living_wage_share_pct").value.decimal(),
        Some(Decimal::from(40)),
        "4 of 10 local FTE"
    );
    // Each still reads back from its row.
    for x in r.headlines() {
        if let Some(f) = &x.from {
            assert_eq!(
                &x.value,
                r.table(&f.table).unwrap().cell(&f.row, &f.column).unwrap()
            );
        }
    }

    // Two rows that could each be "weeks of training": neither is picked.
    let two = OTHER_CODES.replace(
        "No. of weeks of apprenticeships on the contract",
        "No. of weeks of training for new starters on the contract",
    );
    let fw = Framework::from_toml(&two, "two.toml").unwrap();
    let c = socval_report::read_commitments("c.csv", csv.as_bytes(), &fw).unwrap();
    let r = build(&inputs(&fw, Some(&c), SpendInput::Missing("none".into()))).unwrap();
    assert!(r.headlines().all(|h| h.id != "training_weeks"));
    let html = socval_report::render_html(&r).unwrap();
    assert!(
        html.contains("several rows of table 2.10 could give it"),
        "says why"
    );
    assert!(html.contains("(rows NT10, NT11)"));
}
