//! The workbook opened back with calamine equals the JSON export, sheet by
//! sheet and cell by cell; the CSV files equal it too.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use socval_core::{Decimal, Policy};
use socval_report::{SpendInput, build, read_quotes, to_csv, to_json, to_xlsx};

use crate::{inputs, rotherham, seed_commitments};

fn repo(rel: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn decimal_of(f: f64) -> Decimal {
    // f64's Display is the shortest text that reads back as the same f64.
    format!("{f}")
        .parse()
        .unwrap_or_else(|e| panic!("{f}: {e}"))
}

pub fn check_workbook_equals_json(report: &socval_report::Report) {
    let json: serde_json::Value = serde_json::from_str(&to_json(report)).unwrap();
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(to_xlsx(report).unwrap())).unwrap();
    let tables: Vec<&serde_json::Value> = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["blocks"].as_array().unwrap())
        .filter(|b| b["type"] == "table")
        .collect();
    assert!(!tables.is_empty());
    assert_eq!(
        wb.sheet_names(),
        tables
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>(),
        "a sheet per table, in order"
    );
    for t in &tables {
        let id = t["id"].as_str().unwrap();
        let range = wb.worksheet_range(id).unwrap();
        let cols = t["columns"].as_array().unwrap();
        for (c, col) in cols.iter().enumerate() {
            assert_eq!(
                range.get((0, c)),
                Some(&Data::String(col["title"].as_str().unwrap().into())),
                "{id} header {c}"
            );
        }
        let rows = t["rows"].as_array().unwrap();
        for (i, row) in rows.iter().enumerate() {
            for (c, (cell, col)) in row["cells"]
                .as_array()
                .unwrap()
                .iter()
                .zip(cols)
                .enumerate()
            {
                let got = range.get((i + 1, c)).cloned().unwrap_or(Data::Empty);
                let at = format!("{id} row {} ({}) column {}", i + 1, row["key"], col["key"]);
                match (cell, col["kind"].as_str().unwrap(), &got) {
                    (serde_json::Value::Null, _, Data::Empty) => {}
                    (serde_json::Value::String(s), "text", Data::String(x)) => {
                        assert_eq!(s, x, "{at}")
                    }
                    (serde_json::Value::String(s), _, Data::Float(f)) => {
                        assert_eq!(
                            decimal_of(*f),
                            s.parse::<Decimal>().unwrap(),
                            "{at}: xlsx {f} vs json {s}"
                        )
                    }
                    (serde_json::Value::String(s), _, Data::Int(n)) => {
                        assert_eq!(Decimal::from(*n), s.parse::<Decimal>().unwrap(), "{at}")
                    }
                    _ => panic!("{at}: json {cell} vs xlsx {got:?}"),
                }
            }
        }
        // Under the table: a blank row, then the title, notes and sources.
        assert_eq!(
            range
                .get((rows.len() + 1, 0))
                .cloned()
                .unwrap_or(Data::Empty),
            Data::Empty,
            "{id}"
        );
        assert_eq!(
            range.get((rows.len() + 2, 0)),
            Some(&Data::String(t["title"].as_str().unwrap().into())),
            "{id}"
        );
        // CSV: the same values, exactly as in JSON.
        let table = report.table(id).unwrap();
        let csv = String::from_utf8(to_csv(table)).unwrap();
        let mut rdr = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(
            rdr.headers().unwrap().iter().collect::<Vec<_>>(),
            cols.iter()
                .map(|c| c["key"].as_str().unwrap())
                .collect::<Vec<_>>()
        );
        for (rec, row) in rdr.records().zip(rows) {
            let want: Vec<String> = row["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap_or("").to_string())
                .collect();
            assert_eq!(rec.unwrap().iter().collect::<Vec<_>>(), want, "{id} csv");
        }
    }
}

#[test]
fn workbook_equals_json_on_the_seed_with_quotes() {
    let fw = rotherham();
    let c = seed_commitments(&fw);
    let mut inp = inputs(
        &fw,
        Some(&c),
        SpendInput::Missing("No payments have been imported.".into()),
    );
    let path = repo("data/examples/quotes.csv");
    inp.quotes = Some(
        read_quotes(
            "quotes.csv",
            std::fs::File::open(&path).unwrap(),
            &Policy::default(),
            2021,
            5,
        )
        .unwrap(),
    );
    let report = build(&inp).unwrap();
    assert!(report.table("quotes_summary").is_some() && report.table("quotes_audit").is_some());
    check_workbook_equals_json(&report);
}

#[test]
fn money_is_exact_to_the_penny_in_every_export() {
    let r = crate::seed_report();
    let t = r.table("table_2_10").unwrap();
    let total = t.cell("total", "value_gbp").unwrap().plain();
    assert_eq!(total.split('.').nth(1).map(str::len), Some(2), "{total}");
    assert!(
        to_json(&r).contains(&format!("\"{total}\"")),
        "money is a decimal string in JSON"
    );
    assert!(
        String::from_utf8(to_csv(t))
            .unwrap()
            .contains(&format!(",{total}"))
    );
}
