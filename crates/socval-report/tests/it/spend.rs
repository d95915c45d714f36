//! The spend section on a hand-made ledger: imported into a spend store,
//! joined to a register, located by a table, analysed, and reported.

use std::collections::HashMap;

use socval_core::{FinancialYear, Gbp};
use socval_report::{Report, SpendAnalysis, SpendInput, SpendProvenance, build};
use socval_spend::{
    Analysed, AnalysisOptions, DeprivedBand, ImportOptions, LocationClass, LocationResolver,
    SpendStore, SupplierLocation,
};

use crate::{inputs, rotherham, seed_commitments};

struct Table(HashMap<&'static str, (LocationClass, Option<&'static str>, Option<DeprivedBand>)>);

impl LocationResolver for Table {
    fn resolve(&self, postcode: &str) -> SupplierLocation {
        match self.0.get(postcode) {
            None => SupplierLocation::unknown("not found"),
            Some((class, ward, band)) => SupplierLocation {
                class: *class,
                postcode: Some(postcode.to_string()),
                lad: None,
                ward: ward.map(str::to_string),
                ward_name: ward.map(|w| format!("Ward {w}")),
                lsoa: None,
                band: *band,
                deprivation_known: true,
                distance_km: None,
                terminated: false,
                unknown_reason: None,
            },
        }
    }
}

const LEDGER: &str = "Payment Date,Amount,Beneficiary Name
2019-04-10,1000.00,Alpha Ltd
2019-05-10,500.50,ALPHA LIMITED
2019-06-01,2000.00,Beta Ltd
2019-07-01,300.00,Gamma Ltd
2019-08-01,4000.00,Delta Plc
2019-09-01,-100.00,Delta Plc
2019-10-01,250.00,Unknown Traders
2019-11-01,75.25,REDACTED PERSONAL DATA
2018-04-10,800.00,Alpha Ltd
2018-05-10,1500.00,Beta Ltd
2018-06-10,5000.00,Delta Plc
";

const REGISTER: &str = "supplier_id,name,postcode
A1,Alpha Ltd,S60 1AA
B2,Beta Ltd,S60 2BB
G3,Gamma Ltd,S1 3CC
D4,Delta Plc,LS1 4DD
";

fn resolver() -> Table {
    Table(HashMap::from([
        (
            "S60 1AA",
            (LocationClass::Local, Some("W1"), Some(DeprivedBand::Top10)),
        ),
        ("S60 2BB", (LocationClass::Local, Some("W2"), None)),
        ("S1 3CC", (LocationClass::Region, None, None)),
        ("LS1 4DD", (LocationClass::Outside, None, None)),
    ]))
}

/// Imports the ledger and register into a fresh store and analyses
/// 2019/20 against 2018/19 with top 2.
pub fn spend_analysis(dir: &std::path::Path) -> SpendAnalysis {
    let ledger = dir.join("ledger.csv");
    std::fs::write(&ledger, LEDGER).unwrap();
    let store = SpendStore::new(&dir.join("data"));
    store
        .import(&[ledger], &ImportOptions::default(), false)
        .unwrap();
    std::fs::create_dir_all(store.suppliers_path().parent().unwrap()).unwrap();
    std::fs::write(store.suppliers_path(), REGISTER).unwrap();
    let register = store.register().unwrap();
    let resolver = resolver();
    let (y, c) = (FinancialYear::starting(2019), FinancialYear::starting(2018));
    let opts = AnalysisOptions {
        top_n: 2,
        ..Default::default()
    };
    let Analysed {
        this,
        previous,
        imports,
    } = store
        .analyse(&register, &resolver, y, Some(c), &opts)
        .unwrap()
        .unwrap();
    SpendAnalysis {
        this,
        previous,
        provenance: SpendProvenance {
            store: "data/spend".into(),
            imports,
            suppliers: register.suppliers().len(),
            overrides: 0,
            local_definition: "Test borough (E0000TEST); region: test".into(),
            imd: Some("IMD 2019 (2011 LSOAs)".into()),
            postcode_directory: Some("a test table".into()),
            top_n: 2,
            org: None,
        },
    }
}

pub fn spend_report(dir: &std::path::Path) -> Report {
    let fw = rotherham();
    let c = seed_commitments(&fw);
    let mut inp = inputs(
        &fw,
        Some(&c),
        SpendInput::Analysed(Box::new(spend_analysis(dir))),
    );
    inp.compare = Some(FinancialYear::starting(2018));
    build(&inp).unwrap()
}

fn money(r: &Report, table: &str, row: &str, col: &str) -> String {
    r.table(table)
        .unwrap_or_else(|| panic!("no table {table}"))
        .cell(row, col)
        .unwrap_or_else(|| panic!("{table}/{row}/{col}"))
        .plain()
}

#[test]
fn spend_section_reports_graphs_1_to_4_and_year_on_year() {
    let tmp = tempfile::tempdir().unwrap();
    let r = spend_report(tmp.path());
    // Total 2019/20: 1000 + 500.50 + 2000 + 300 + 4000 − 100 + 250 + 75.25.
    assert_eq!(money(&r, "spend_summary", "total", "gbp"), "8025.75");
    assert_eq!(money(&r, "spend_summary", "total", "prev_gbp"), "7300.00");
    assert_eq!(money(&r, "spend_summary", "total", "change_gbp"), "725.75");
    // Top 2: Delta (3900) and Beta (2000).
    assert_eq!(money(&r, "spend_summary", "top_n", "gbp"), "5900.00");
    // Graph 1: by location, all suppliers.
    assert_eq!(
        money(&r, "graph1_all_by_location", "local", "gbp"),
        "3500.50"
    );
    assert_eq!(
        money(&r, "graph1_all_by_location", "region", "gbp"),
        "300.00"
    );
    assert_eq!(
        money(&r, "graph1_all_by_location", "outside", "gbp"),
        "3900.00"
    );
    assert_eq!(
        money(&r, "graph1_all_by_location", "unknown", "gbp"),
        "325.25"
    );
    assert_eq!(
        money(&r, "graph1_all_by_location", "local", "prev_gbp"),
        "2300.00"
    );
    // Graph 2: the top 2 by location.
    assert_eq!(
        money(&r, "graph2_top_by_location", "local", "gbp"),
        "2000.00"
    );
    // Graph 3: the most deprived 10% (Alpha, not in the top 2) and all suppliers.
    assert_eq!(money(&r, "deprived_all", "p10", "gbp"), "1500.50");
    assert_eq!(money(&r, "graph3_top_deprived", "p10", "gbp"), "0.00");
    // Graph 4: wards.
    assert_eq!(money(&r, "wards_all", "W1", "gbp"), "1500.50");
    assert_eq!(money(&r, "graph4_top_by_ward", "W2", "gbp"), "2000.00");
    // Data quality: the unmatched supplier.
    assert_eq!(
        money(&r, "spend_data_quality", "unmatched", "gbp"),
        "250.00"
    );
    assert_eq!(
        money(&r, "spend_data_quality", "credit_notes", "gbp"),
        "-100.00"
    );
    // Each chart draws exactly its table's figures.
    for c in r.charts() {
        let t = r.table(&c.table).unwrap();
        for (i, row) in t.rows.iter().enumerate() {
            assert_eq!(
                Gbp::new(c.series[0].values[i]).to_string(),
                t.cell(&row.key, "gbp").unwrap().plain(),
                "{} {}",
                c.id,
                row.key
            );
            assert_eq!(
                Gbp::new(c.series[1].values[i]).to_string(),
                t.cell(&row.key, "prev_gbp").unwrap().plain(),
                "{} {}",
                c.id,
                row.key
            );
        }
        assert!(
            c.description.contains("in 2019/20") && c.description.contains("in 2018/19"),
            "{}",
            c.description
        );
    }
    // Graph 3 (local spend in deprived areas, top 2) is £0 in both years: it
    // is not drawn as an empty chart; a notice says so and its table stays.
    let ids: Vec<&str> = r.charts().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["graph1", "graph2", "graph4"]);
    assert!(r.table("graph3_top_deprived").is_some());
    let notices: Vec<&str> = r
        .section("spend")
        .unwrap()
        .blocks
        .iter()
        .filter_map(|b| match b {
            socval_report::Block::Notice { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        notices
            .iter()
            .any(|n| n.starts_with("Graph 3 is not drawn: every value is £0")),
        "{notices:?}"
    );
    assert!(
        !notices.iter().any(|n| n.contains("No supplier register")),
        "a register was imported"
    );
    // The methods section records the unmatched spend and the local definition.
    let m = r.table("methods").unwrap();
    assert!(
        m.cell("unmatched_spend", "detail")
            .unwrap()
            .plain()
            .starts_with("£250"),
        "{:?}",
        m.rows
    );
    crate::xlsx::check_workbook_equals_json(&r);
    for c in r.charts() {
        crate::chart::well_formed(&socval_report::chart_svg(c).unwrap());
    }
}

#[test]
fn without_a_supplier_register_the_report_says_locations_are_unknown() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = spend_analysis(tmp.path());
    // The same payments, analysed with an empty register.
    let store = SpendStore::new(&tmp.path().join("data"));
    std::fs::remove_file(store.suppliers_path()).unwrap();
    let register = store.register().unwrap();
    let Analysed { this, previous, .. } = store
        .analyse(
            &register,
            &Table(HashMap::new()),
            FinancialYear::starting(2019),
            Some(FinancialYear::starting(2018)),
            &AnalysisOptions {
                top_n: 2,
                ..Default::default()
            },
        )
        .unwrap()
        .unwrap();
    a.this = this;
    a.previous = previous;
    a.provenance.suppliers = 0;
    let fw = rotherham();
    let mut inp = inputs(&fw, None, SpendInput::Analysed(Box::new(a)));
    inp.compare = Some(FinancialYear::starting(2018));
    let r = build(&inp).unwrap();
    let html = socval_report::render_html(&r).unwrap();
    assert!(
        html.contains("No supplier register has been imported"),
        "the reader is told why every location is unknown"
    );
    // Nothing is local: graphs 3 and 4 are not drawn, their tables say
    // "No rows." where there are none.
    let ids: Vec<&str> = r.charts().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["graph1", "graph2"]);
    assert!(html.contains("Graph 4 is not drawn"));
    assert!(html.contains("No rows."));
    assert_eq!(
        money(&r, "graph1_all_by_location", "unknown", "gbp"),
        "8025.75"
    );
}

#[test]
fn an_empty_store_is_said_plainly() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SpendStore::new(tmp.path());
    let register = store.register().unwrap();
    let none = store
        .analyse(
            &register,
            &Table(HashMap::new()),
            FinancialYear::starting(2019),
            None,
            &AnalysisOptions::default(),
        )
        .unwrap();
    assert!(none.is_none());
}

#[test]
fn in_the_portal_each_spend_figure_links_to_the_payments_it_adds_up() {
    let tmp = tempfile::tempdir().unwrap();
    let mut r = spend_report(tmp.path());
    socval_report::link_records(&mut r);
    let store = SpendStore::new(&tmp.path().join("data"));
    let mut checked = Vec::new();
    for t in r.tables() {
        for row in &t.rows {
            for (col, q) in &row.cell_records {
                if !(col == "gbp" || col == "prev_gbp" || col == "payments") {
                    continue;
                }
                let pairs: Vec<(String, String)> = q
                    .split('&')
                    .map(|p| {
                        let (k, v) = p.split_once('=').unwrap();
                        (k.to_string(), v.replace("%25", "%"))
                    })
                    .collect();
                let Some(socval_report::RecordQuery::Spend(sq)) =
                    socval_report::RecordQuery::from_pairs(&pairs)
                else {
                    panic!("{} {} {col}: {q} is not a spend query", t.id, row.key)
                };
                let (csv, n, sum) =
                    socval_report::payments_csv(&store, &resolver(), 2, &sq).unwrap();
                let figure = t.cell(&row.key, col).unwrap().plain();
                if col == "payments" {
                    assert_eq!(n.to_string(), figure, "{} {} {col}: {q}", t.id, row.key);
                } else {
                    assert_eq!(sum.to_string(), figure, "{} {} {col}: {q}", t.id, row.key);
                }
                // The CSV holds the header and one line per payment counted.
                let text = String::from_utf8(csv).unwrap();
                assert_eq!(text.lines().count() as u64, n + 1, "{q}");
                checked.push(format!("{}/{}/{col}", t.id, row.key));
            }
        }
    }
    for must in [
        "spend_summary/total/gbp",
        "spend_summary/top_n/gbp",
        "spend_summary/total/prev_gbp",
        "graph1_all_by_location/local/gbp",
        "graph1_all_by_location/unknown/gbp",
        "graph2_top_by_location/outside/gbp",
        "deprived_all/p10/gbp",
        "graph3_top_deprived/p10/gbp",
        "wards_all/W1/gbp",
        "graph4_top_by_ward/W2/gbp",
        "top_suppliers/1/gbp",
        "spend_data_quality/unmatched/gbp",
        "spend_data_quality/unmatched/payments",
        "spend_data_quality/redacted/gbp",
        "spend_data_quality/credit_notes/gbp",
    ] {
        assert!(
            checked.iter().any(|c| c == must),
            "{must} not linked: {checked:?}"
        );
    }
    // A supplier not in the register is found by its name, any spelling.
    let by_name = |name: &str| {
        let q = socval_report::SpendQuery {
            year: FinancialYear::starting(2019),
            top: false,
            what: socval_report::SpendWhat::Supplier {
                id: None,
                name: name.into(),
            },
        };
        let (_, n, sum) = socval_report::payments_csv(&store, &resolver(), 2, &q).unwrap();
        (n, sum.to_string())
    };
    assert_eq!(by_name("UNKNOWN TRADERS"), (1, "250.00".to_string()));
    assert_eq!(by_name("Nobody Ltd"), (0, "0.00".to_string()));
    // Changes and SME/VCSE shares have no payments of their own to list.
    let summary = r.table("spend_summary").unwrap();
    assert!(
        summary
            .rows
            .iter()
            .all(|row| !row.cell_records.contains_key("change_gbp"))
    );
    let sme = summary.rows.iter().find(|row| row.key == "sme").unwrap();
    assert!(sme.cell_records.is_empty());
}
