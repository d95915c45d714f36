//! The Parquet store: all-or-nothing, dedupe, replace, metadata.

use std::fs;

use socval_spend::{BlankAmount, Error, ImportOptions, SpendStore, col};

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn imports_are_all_or_nothing_deduplicated_and_replaceable() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SpendStore::new(&tmp.path().join("data"));
    let a = write(
        tmp.path(),
        "a.csv",
        "Payment Date,Amount,Supplier Name\n2019-04-01,10.00,ACME LTD\n2019-04-02,-2.50,ACME LTD\n",
    );
    let bad = write(
        tmp.path(),
        "bad.csv",
        "Payment Date,Amount,Supplier Name\n2019-04-01,10.00,ACME LTD\n2019-04-02,ten,ACME LTD\n",
    );
    let opts = ImportOptions::default();

    let e = store
        .import(&[a.clone(), bad.clone()], &opts, false)
        .unwrap_err();
    assert!(matches!(e, Error::Value { line: 3, .. }), "{e}");
    assert!(
        store.imports().unwrap().is_empty(),
        "nothing is half-imported"
    );
    assert_eq!(
        fs::read_dir(store.payments_dir()).unwrap().count(),
        0,
        "no temporary files left"
    );

    let done = store
        .import(std::slice::from_ref(&a), &opts, false)
        .unwrap();
    assert_eq!(done.len(), 1);
    let info = &store.imports().unwrap()[0];
    assert_eq!((info.rows, info.lines, info.credit_notes), (2, 2, 1));
    assert_eq!(info.total_gbp.to_string(), "7.50");
    assert_eq!(info.years["2019/20"].rows, 2);
    assert_eq!(info.source, "a.csv");

    let e = store
        .import(std::slice::from_ref(&a), &opts, false)
        .unwrap_err();
    assert!(matches!(e, Error::AlreadyImported { .. }), "{e}");
    // Same name, new content: refused too (it would double count).
    fs::write(
        &a,
        "Payment Date,Amount,Supplier Name\n2019-04-01,11.00,ACME LTD\n",
    )
    .unwrap();
    let e = store
        .import(std::slice::from_ref(&a), &opts, false)
        .unwrap_err();
    assert!(matches!(e, Error::SameNameImported { .. }), "{e}");
    store.import(std::slice::from_ref(&a), &opts, true).unwrap();
    let all = store.imports().unwrap();
    assert_eq!(all.len(), 1, "replaced, not added");
    assert_eq!(all[0].total_gbp.to_string(), "11.00");

    // The stored columns read back.
    let mut sum = 0i64;
    store
        .scan(&[col::AMOUNT_PENCE], |b| {
            sum += arrow_sum(b);
            Ok(())
        })
        .unwrap();
    assert_eq!(sum, 1100);
}

fn arrow_sum(b: &arrow_array::RecordBatch) -> i64 {
    use arrow_array::cast::AsArray;
    b.column(0)
        .as_primitive::<arrow_array::types::Int64Type>()
        .values()
        .iter()
        .sum()
}

#[test]
fn blank_amounts_are_counted_in_the_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SpendStore::new(tmp.path());
    let f = write(
        tmp.path(),
        "b.csv",
        "Date,Amount,Supplier\n01/08/2019,,A\n02/08/2019,5,B\n",
    );
    let opts = ImportOptions {
        blank_amount: BlankAmount::Skip,
        ..Default::default()
    };
    let i = &store.import(&[f], &opts, false).unwrap()[0];
    assert_eq!(
        (
            i.lines,
            i.rows,
            i.blank_amount_lines,
            i.blank_amount.as_str()
        ),
        (2, 1, 1, "skip")
    );
}

#[test]
fn spreadsheets_import_like_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("pay.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Spend over £500, April 2019")
        .unwrap();
    for (c, h) in ["Supplier Name", "Payment Date", "Net Amount", "Directorate"]
        .iter()
        .enumerate()
    {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    let fmt = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2019, 4, 30).unwrap();
    ws.write_string(3, 0, "Acme Ltd").unwrap();
    ws.write_datetime_with_format(3, 1, &d, &fmt).unwrap();
    ws.write_number(3, 2, 1234.56).unwrap();
    ws.write_string(4, 0, "Beta PLC").unwrap();
    ws.write_string(4, 1, "31/03/2019").unwrap();
    ws.write_string(4, 2, "£-20.10").unwrap();
    wb.save(&path).unwrap();
    let store = SpendStore::new(tmp.path());
    let i = &store
        .import(&[path], &ImportOptions::default(), false)
        .unwrap()[0];
    assert_eq!(i.rows, 2);
    assert_eq!(i.years["2019/20"].gbp.to_string(), "1234.56");
    assert_eq!(i.years["2018/19"].gbp.to_string(), "-20.10");
}

/// A column with no value in a file (no supplier ids published) reads back
/// as nulls of the stored type, next to columns that do have values, and in
/// the same order as before; a file that has the column reads its values.
#[test]
fn columns_without_any_value_read_back_as_nulls() {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int32Type;

    let tmp = tempfile::tempdir().unwrap();
    let store = SpendStore::new(tmp.path());
    let without = write(
        tmp.path(),
        "without.csv",
        "Date,Amount,Supplier Name,Expense Area\n2019-04-01,1.00,A,Parks\n2019-04-02,2.00,B,\n",
    );
    let with = write(
        tmp.path(),
        "with.csv",
        "Date,Amount,Supplier Name,Supplier ID\n2019-05-01,3.00,A,S1\n2019-05-02,4.00,B,\n",
    );
    store
        .import(&[without, with], &ImportOptions::default(), false)
        .unwrap();
    // The import says which columns it need not decode.
    for info in store.imports().unwrap() {
        let r =
            parquet::file::reader::SerializedFileReader::new(fs::File::open(&info.path).unwrap())
                .unwrap();
        let kv = parquet::file::reader::FileReader::metadata(&r)
            .file_metadata()
            .key_value_metadata()
            .unwrap()
            .iter()
            .find(|kv| kv.key == "socval.null_columns")
            .and_then(|kv| kv.value.clone());
        let expected = match info.source.as_str() {
            "without.csv" => "supplier_id,company_number,charity_number,vat_number",
            _ => "company_number,charity_number,vat_number,service",
        };
        assert_eq!(kv.as_deref(), Some(expected), "{}", info.source);
    }
    let mut seen = Vec::new();
    store
        .scan(&[col::SUPPLIER_ID, col::AMOUNT_PENCE, col::SERVICE], |b| {
            let names: Vec<&str> = b
                .schema_ref()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            assert_eq!(names, [col::AMOUNT_PENCE, col::SUPPLIER_ID, col::SERVICE]);
            let text = |c: &str| -> Vec<Option<String>> {
                let d = b.column_by_name(c).unwrap().as_dictionary::<Int32Type>();
                let v = d.values().as_string::<i32>();
                (0..d.len())
                    .map(|i| d.key(i).map(|k| v.value(k).to_string()))
                    .collect()
            };
            seen.push((arrow_sum(b), text(col::SUPPLIER_ID), text(col::SERVICE)));
            Ok(())
        })
        .unwrap();
    seen.sort();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        seen,
        [
            (300, vec![None, None], vec![s("Parks"), None]),
            (700, vec![s("S1"), None], vec![None, None]),
        ]
    );
}

/// A supplier named `=HYPERLINK(...)` is exported as text, not run as a
/// formula; a credit note's amount stays a number (issue 12, item 6).
#[test]
fn csv_exports_carry_no_formulas() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SpendStore::new(&tmp.path().join("data"));
    let a = write(
        tmp.path(),
        "a.csv",
        "Payment Date,Amount,Supplier Name,Service\n\
         2019-04-01,10.00,\"=HYPERLINK(\"\"http://x.example/\"\",\"\"Acme\"\")\",+1+1\n\
         2019-04-02,-12.50,ACME LTD,@SUM(A1:A2)\n",
    );
    store
        .import(&[a], &ImportOptions::default(), false)
        .unwrap();
    let out = tmp.path().join("out.csv");
    let reg = socval_spend::SupplierRegister::default();
    socval_spend::export(
        &store,
        &reg,
        &socval_spend::NoDirectory,
        None,
        socval_spend::ExportFormat::Csv,
        &out,
    )
    .unwrap();
    let text = fs::read_to_string(&out).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let h = rd.headers().unwrap().clone();
    let at = |n: &str| h.iter().position(|x| x == n).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(
        &rows[0][at("supplier_name")],
        "'=HYPERLINK(\"http://x.example/\",\"Acme\")"
    );
    assert_eq!(&rows[0][at("service")], "'+1+1");
    assert_eq!(&rows[1][at("service")], "'@SUM(A1:A2)");
    assert_eq!(&rows[1][at("amount_pence")], "-1250");
}
