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

/// The files of `dir` (none if it does not exist), sorted by name.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A change recorded in the audit log at `at`.
fn recorded(
    kind: socval_spend::ChangeKind,
    sha256: &str,
    at: time::OffsetDateTime,
) -> socval_spend::Recorded {
    socval_spend::Recorded {
        kind,
        sha256: sha256.to_owned(),
        at_unix: at.unix_timestamp(),
    }
}

/// The outside review killed an import right after its Parquet file was
/// renamed into place, leaving it live without its audit row. Now a change
/// is prepared, recorded, then put in place; whatever point a crash stops
/// it at, recovery finishes it if the audit log has it and undoes it if not.
#[test]
fn an_interrupted_import_is_finished_if_audited_and_undone_if_not() {
    use socval_spend::ChangeKind::{Import, Register};
    let tmp = tempfile::tempdir().unwrap();
    let store = SpendStore::for_org(tmp.path(), "council");
    let opts = ImportOptions::default();
    let at = time::macros::datetime!(2026-01-15 10:00 UTC);
    let first = write(
        tmp.path(),
        "payments.csv",
        "Payment Date,Amount,Supplier Name\n2025-04-01,10.00,ACME LTD\n",
    );
    let old = store
        .import(std::slice::from_ref(&first), &opts, false)
        .unwrap();
    let old_rec = recorded(Import, &old[0].sha256, at - time::Duration::days(1));
    let live = || names(&store.payments_dir());
    let before = live();

    // A corrected file of the same name, replacing the first: killed after
    // it was prepared and before its audit row was written.
    let second = write(
        tmp.path(),
        "payments.csv",
        "Payment Date,Amount,Supplier Name\n2025-04-01,12.00,ACME LTD\n",
    );
    let change = store
        .prepare_import(std::slice::from_ref(&second), &opts, true, at)
        .unwrap();
    let sha = change.info[0].sha256.clone();
    assert_eq!(
        live().len(),
        2,
        "the prepared file waits under a hidden name"
    );
    assert_eq!(
        store.imports().unwrap().len(),
        1,
        "readers see no change yet"
    );
    change.abandon();
    // Its content was imported once before, recorded long ago: that row is
    // not this change's.
    let stale = recorded(Import, &sha, at - time::Duration::days(30));
    let done = store.recover(&[old_rec.clone(), stale]).unwrap();
    assert_eq!(
        (done.completed.len(), done.rolled_back.len()),
        (0, 1),
        "{done:?}"
    );
    assert_eq!(
        live(),
        before,
        "undone: the first import stays, nothing else"
    );
    assert_eq!(store.imports().unwrap()[0].total_gbp.to_string(), "10.00");

    // The same, killed after its audit row was written: finished.
    let change = store
        .prepare_import(std::slice::from_ref(&second), &opts, true, at)
        .unwrap();
    change.abandon();
    let done = store
        .recover(&[old_rec, recorded(Import, &sha, at)])
        .unwrap();
    assert_eq!(
        (done.completed.len(), done.rolled_back.len()),
        (1, 0),
        "{done:?}"
    );
    let all = store.imports().unwrap();
    assert_eq!(all.len(), 1, "the replaced import is gone");
    assert_eq!(all[0].total_gbp.to_string(), "12.00");
    assert!(live().iter().all(|n| !n.ends_with(".tmp")), "{:?}", live());
    assert!(
        names(store.root())
            .iter()
            .all(|n| !n.starts_with(".intent")),
        "{:?}",
        names(store.root())
    );

    // A register killed after its audit row: put in place.
    let reg = write(
        tmp.path(),
        "suppliers.csv",
        "supplier_id,name,postcode\nA1,ACME LTD,S60 1AA\n",
    );
    let change = store.stage_register("suppliers.csv", &reg, at).unwrap();
    let reg_sha = change.info.sha256.clone();
    change.abandon();
    assert!(!store.suppliers_path().exists());
    let done = store.recover(&[recorded(Register, &reg_sha, at)]).unwrap();
    assert_eq!(done.completed.len(), 1, "{done:?}");
    assert!(store.suppliers_path().exists());

    // Temporary files a crash left before any intent was written go too,
    // and a change dropped without committing leaves nothing behind.
    fs::write(
        store.payments_dir().join(".import-1-1.parquet.tmp"),
        b"half",
    )
    .unwrap();
    fs::write(store.root().join("suppliers.1-9.tmp"), b"half").unwrap();
    drop(
        store
            .prepare_import(std::slice::from_ref(&first), &opts, true, at)
            .unwrap(),
    );
    let done = store.recover(&[]).unwrap();
    assert_eq!(done.removed.len(), 2, "{done:?}");
    assert!(names(store.root()).iter().all(|n| !n.ends_with(".tmp")));
    assert_eq!(store.imports().unwrap()[0].total_gbp.to_string(), "12.00");
}

/// While one change is prepared, another process's recovery waits for it
/// instead of undoing it.
#[test]
fn recovery_waits_for_a_change_in_flight() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SpendStore::for_org(tmp.path(), "council");
    let file = write(
        tmp.path(),
        "p.csv",
        "Payment Date,Amount,Supplier Name\n2025-04-01,10.00,ACME LTD\n",
    );
    let at = time::macros::datetime!(2026-01-15 10:00 UTC);
    let change = store
        .prepare_import(
            std::slice::from_ref(&file),
            &ImportOptions::default(),
            false,
            at,
        )
        .unwrap();
    let other = store.clone();
    let waiting = std::thread::spawn(move || other.recover(&[]).unwrap());
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!waiting.is_finished(), "recovery must wait for the lock");
    change.commit().unwrap();
    let done = waiting.join().unwrap();
    assert!(done.is_empty(), "{done:?}");
    assert_eq!(store.imports().unwrap().len(), 1);
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
