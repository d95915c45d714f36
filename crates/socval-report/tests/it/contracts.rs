//! The report built from contracts and delivery return lines (the portal's
//! data, as plain values): every figure is the sum of the records its row
//! names, the figures agree with the dashboard's portfolio, and on the
//! seed's commitments it reproduces table 2.10 exactly as the file report.

use socval_core::contract::{Contract, ContractCommitment, DeliveryReturn};
use socval_core::portfolio::{self, Entry};
use socval_core::{Decimal, FinancialYear, Framework, Gbp, RagThresholds};
use socval_report::{
    Cell, ContractInput, ContractsInput, Filter, HtmlOptions, LineState, Report, ReturnLineInput,
    SpendInput, build, records,
};
use time::Date;
use time::macros::date;

use crate::{inputs, rotherham, seed_commitments};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn contract(start: Date, years: u32, year: i32, commitments: &[(&str, u32, &str)]) -> Contract {
    Contract {
        title: "Contract".into(),
        supplier: "Supplier Ltd".into(),
        start,
        years,
        framework: "rotherham-2019".into(),
        year: FinancialYear::starting(year),
        commitments: commitments
            .iter()
            .enumerate()
            .map(|(i, (m, cy, u))| ContractCommitment {
                measure: m.to_string(),
                contract_year: *cy,
                units: d(u),
                quarters: None,
                line: i as u64 + 1,
            })
            .collect(),
    }
}

fn line(id: i64, cy: u32, q: u32, m: &str, units: &str, state: LineState) -> ReturnLineInput {
    ReturnLineInput {
        return_id: 100 + id / 10,
        line_id: id,
        contract_year: cy,
        quarter: q,
        measure: m.into(),
        units: d(units),
        state,
    }
}

/// Three contracts of 2019/20 (Places, People, and one with no framework),
/// one of 2020/21 that the report leaves out, and returns in every state.
fn portal(fw: &Framework) -> ContractsInput<'_> {
    use LineState::*;
    let mk = |id: i64, reference: &str, category: &str, c: Contract, returns, fw| ContractInput {
        id,
        reference: reference.into(),
        category: category.into(),
        contract: Contract {
            title: format!("Title of {reference}"),
            ..c
        },
        framework: fw,
        returns,
    };
    ContractsInput {
        source: "organisation test in a test database".into(),
        as_of: date!(2020 - 12 - 31),
        contracts: vec![
            mk(
                1,
                "C-1",
                "Places",
                contract(
                    date!(2019 - 07 - 01),
                    2,
                    2019,
                    &[
                        ("R09", 1, "40"),
                        ("R09", 2, "20"),
                        ("R03", 1, "2"),
                        ("R03", 2, "1"), // a hire counts in the first year only
                        ("R02", 1, "3"), // counted, not priced
                    ],
                ),
                vec![
                    line(11, 1, 1, "R09", "10", Verified),
                    line(12, 1, 2, "R09", "12", Verified),
                    line(13, 1, 3, "R09", "5", Pending),
                    line(14, 1, 4, "R09", "9", Rejected),
                    line(15, 2, 4, "R09", "7", Verified), // its quarter has not ended
                    line(16, 1, 1, "R03", "1", Verified),
                    line(17, 1, 1, "R02", "2", Verified),
                ],
                Some(fw),
            ),
            mk(
                2,
                "C-2",
                "People",
                contract(date!(2019 - 10 - 01), 1, 2019, &[("R18", 1, "4.04")]),
                vec![line(21, 1, 1, "R18", "1.5", Verified)],
                Some(fw),
            ),
            mk(
                3,
                "C-3",
                "Corporate",
                contract(date!(2019 - 04 - 01), 1, 2019, &[("R10", 1, "53")]),
                vec![],
                None,
            ),
            mk(
                4,
                "C-4",
                "Places",
                contract(date!(2020 - 04 - 01), 1, 2020, &[("R09", 1, "1000")]),
                vec![],
                Some(fw),
            ),
        ],
    }
}

fn report_of(fw: &Framework, k: &ContractsInput<'_>) -> Report {
    let mut inp = inputs(fw, None, SpendInput::Missing("none".into()));
    inp.contracts = Some(k);
    build(&inp).unwrap()
}

fn money(r: &Report, table: &str, row: &str, col: &str) -> Decimal {
    r.table(table)
        .unwrap()
        .cell(row, col)
        .unwrap_or_else(|| panic!("{table}/{row}/{col}"))
        .decimal()
        .unwrap_or_else(|| panic!("{table}/{row}/{col} is empty"))
}

fn filter_of(q: &str) -> Filter {
    let (k, v) = q.split_once('=').unwrap();
    let v = v.replace("%20", " ");
    Filter::from_pair(k, &v).unwrap()
}

#[test]
fn figures_are_the_sums_of_the_records_each_row_names() {
    let fw = rotherham();
    let k = portal(&fw);
    let r = report_of(&fw, &k);
    let y = FinancialYear::starting(2019);
    let p = |code: &str| {
        fw.find(code)
            .unwrap()
            .measure
            .proxy_for(y, false)
            .unwrap()
            .unwrap()
            .value_gbp
    };
    // R09: 60 weeks committed; delivered: 10 + 12 verified in ended quarters
    // (the pending, rejected and not-yet-ended lines do not count).
    assert_eq!(money(&r, "table_2_10", "R09", "units"), d("60"));
    assert_eq!(money(&r, "table_2_10", "R09", "delivered_units"), d("22"));
    assert_eq!(
        money(&r, "table_2_10", "R09", "delivered_gbp"),
        p("R09")
            .checked_mul_units(d("22"))
            .unwrap()
            .round_pence()
            .amount()
    );
    // R03 counts in the first contract year only: 2 FTE, not 3.
    assert_eq!(money(&r, "table_2_10", "R03", "units"), d("2"));
    // R02 is counted, not priced.
    assert_eq!(
        r.table("table_2_10").unwrap().cell("R02", "value_gbp"),
        Some(&Cell::Empty)
    );
    // C-3 has no framework: listed, not counted; C-4 is another year's.
    let t = r.table("by_contract").unwrap();
    let keys: Vec<&str> = t.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["C-1", "C-2"]);
    let json = socval_report::to_json(&r);
    assert!(
        json.contains("C-3 (no framework is recorded for the contract)"),
        "the left-out contract is said"
    );
    // Every row that names its records equals their sums, in every table.
    let mut checked = 0;
    for table in ["table_2_10", "by_theme", "by_category", "by_contract"] {
        let t = r.table(table).unwrap();
        for row in &t.rows {
            let q = row
                .records
                .as_deref()
                .unwrap_or_else(|| panic!("{table}/{} names no records", row.key));
            let recs = records(y, &k, &filter_of(q));
            let s = socval_report::Sums::of(&recs);
            let committed = t.cell(&row.key, "value_gbp").unwrap();
            let got = committed.decimal().unwrap_or_default();
            let want = s.committed_gbp.unwrap_or(Gbp::ZERO).round_pence().amount();
            assert_eq!(got, want, "{table}/{} committed vs its records", row.key);
            let delivered = t.cell(&row.key, "delivered_gbp").unwrap().decimal();
            assert_eq!(
                delivered.unwrap_or_default(),
                s.delivered_gbp.unwrap_or(Gbp::ZERO).round_pence().amount(),
                "{table}/{} delivered vs its records",
                row.key
            );
            checked += 1;
        }
    }
    assert!(checked >= 12, "{checked}");
    // The records list why a line does not count.
    let r09 = records(y, &k, &Filter::Measure("R09".into()));
    let notes: Vec<Option<&str>> = r09.iter().map(|r| r.note.as_deref()).collect();
    assert!(notes.contains(&Some("not counted: awaiting verification")));
    assert!(notes.contains(&Some("not counted: rejected")));
    assert!(notes.contains(&Some(
        "not counted: its quarter had not ended by 2020-12-31"
    )));
}

#[test]
fn figures_agree_with_the_dashboards_portfolio() {
    let fw = rotherham();
    let k = portal(&fw);
    let r = report_of(&fw, &k);
    // The dashboard's computation over the same contracts of the year:
    // rejected lines are left out, pending ones are unverified.
    let chosen: Vec<&ContractInput<'_>> = k
        .contracts
        .iter()
        .filter(|c| c.contract.year == FinancialYear::starting(2019) && c.framework.is_some())
        .collect();
    let returns: Vec<Vec<DeliveryReturn>> = chosen
        .iter()
        .map(|c| {
            c.returns
                .iter()
                .filter(|l| l.state != LineState::Rejected)
                .map(|l| DeliveryReturn {
                    measure: l.measure.clone(),
                    contract_year: l.contract_year,
                    quarter: l.quarter,
                    units: l.units,
                    verified: l.state == LineState::Verified,
                    line: 0,
                })
                .collect()
        })
        .collect();
    let entries: Vec<Entry<'_>> = chosen
        .iter()
        .zip(&returns)
        .map(|(c, rs)| Entry {
            id: c.id,
            reference: c.reference.clone(),
            category: c.category.clone(),
            contract: &c.contract,
            framework: c.framework.unwrap(),
            returns: rs,
        })
        .collect();
    let p = portfolio::build(&entries, k.as_of, RagThresholds::default());
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(
        money(&r, "table_2_10", "total", "value_gbp"),
        p.committed_gbp.round_pence().amount()
    );
    assert_eq!(
        money(&r, "table_2_10", "total", "delivered_gbp"),
        p.delivered_gbp.round_pence().amount()
    );
    for m in &p.measures {
        assert_eq!(
            money(&r, "table_2_10", &m.code, "units"),
            m.committed_units,
            "{}",
            m.code
        );
        assert_eq!(
            money(&r, "table_2_10", &m.code, "delivered_units"),
            m.delivered_units,
            "{}",
            m.code
        );
    }
    for c in &p.contracts {
        assert_eq!(
            money(&r, "by_contract", &c.reference, "delivered_gbp"),
            c.delivered_gbp.round_pence().amount(),
            "{}",
            c.reference
        );
    }
}

#[test]
fn the_seed_commitments_as_a_contract_reproduce_the_file_reports_table_2_10() {
    let fw = rotherham();
    let c = seed_commitments(&fw);
    let file = build(&inputs(&fw, Some(&c), SpendInput::Missing("none".into()))).unwrap();
    let lines: Vec<(String, u32, String)> = c
        .lines
        .iter()
        .map(|l| {
            (
                fw.find(&l.commitment.measure).unwrap().measure.code.clone(),
                1,
                l.commitment.units.to_string(),
            )
        })
        .collect();
    let refs: Vec<(&str, u32, &str)> = lines
        .iter()
        .map(|(m, y, u)| (m.as_str(), *y, u.as_str()))
        .collect();
    let k = ContractsInput {
        source: "test".into(),
        as_of: date!(2020 - 03 - 31),
        contracts: vec![ContractInput {
            id: 1,
            reference: "ALL".into(),
            category: "Places".into(),
            contract: contract(date!(2019 - 04 - 01), 1, 2019, &refs),
            framework: Some(&fw),
            returns: vec![],
        }],
    };
    let portal = report_of(&fw, &k);
    let (a, b) = (
        file.table("table_2_10").unwrap(),
        portal.table("table_2_10").unwrap(),
    );
    assert_eq!(a.rows.len(), b.rows.len());
    for row in &a.rows {
        for col in ["units", "value_gbp"] {
            assert_eq!(
                a.cell(&row.key, col),
                b.cell(&row.key, col),
                "{} {col}",
                row.key
            );
        }
    }
    assert_eq!(
        b.cell("total", "value_gbp").unwrap().plain(),
        "1458531.85",
        "table 2.10's total"
    );
    // The headlines are the same figures, read from the same rows.
    let ids = |r: &Report| {
        r.headlines()
            .map(|h| (h.id.clone(), h.value.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&file), ids(&portal));
    for h in portal.headlines() {
        if let Some(f) = &h.from {
            assert_eq!(
                Some(&h.value),
                portal.table(&f.table).unwrap().cell(&f.row, &f.column),
                "{}",
                h.id
            );
        }
    }
    crate::xlsx::check_workbook_equals_json(&portal);
}

#[test]
fn in_the_portal_each_number_links_to_its_records() {
    let fw = rotherham();
    let k = portal(&fw);
    let r = report_of(&fw, &k);
    let opts = HtmlOptions {
        records_base: Some("/orgs/test/reports/annual/2019-20/records".into()),
        nav: vec![("/orgs/test".into(), "Back to the portal".into())],
        footer: None,
        stylesheet: Some("/reports/report.css".into()),
        table_csv_base: None,
    };
    let html = socval_report::render_html_with(&r, &opts).unwrap();
    let total = Gbp::new(money(&r, "table_2_10", "total", "value_gbp")).display_whole_pounds();
    assert!(
        html.contains(&format!(
            "<a href=\"/orgs/test/reports/annual/2019-20/records?all=1\" title=\"The records behind this figure\">{total}</a>"
        )),
        "the total links to every record"
    );
    assert!(html.contains("records?measure=R09\""), "a measure row");
    assert!(html.contains("records?contract=1\""), "a contract row");
    assert!(html.contains("records?category=Places\""), "a category row");
    // The training headline links to the records of row R09.
    let start = html.find("id=\"headline-training_weeks\"").unwrap();
    assert!(
        html[start..start + 300].contains("records?measure=R09"),
        "{}",
        &html[start..start + 300]
    );
    assert!(html.contains("Back to the portal"));
    // No inline style, so a strict Content-Security-Policy allows the page.
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/reports/report.css\">"));
    assert!(!html.contains("<style") && !html.contains("style=\""));
    // The stand-alone file has no such links.
    let file = socval_report::render_html(&r).unwrap();
    assert!(!file.contains("records?"));
}

#[test]
fn a_commitments_file_and_contracts_together_are_refused() {
    let fw = rotherham();
    let c = seed_commitments(&fw);
    let k = portal(&fw);
    let mut inp = inputs(&fw, Some(&c), SpendInput::Missing("none".into()));
    inp.contracts = Some(&k);
    let e = build(&inp).unwrap_err().to_string();
    assert!(e.contains("not both"), "{e}");
}
