use arrow_array::RecordBatch;
use time::macros::date;

use super::row::trim;
use super::*;

#[test]
fn dates_in_published_spellings() {
    let cases = [
        ("2019-04-01", date!(2019 - 04 - 01)),
        ("2019-04-01T00:00:00", date!(2019 - 04 - 01)),
        ("2019-04-01 00:00:00", date!(2019 - 04 - 01)),
        ("01/04/2019", date!(2019 - 04 - 01)),
        ("1/4/2019", date!(2019 - 04 - 01)),
        ("31-03-2020", date!(2020 - 03 - 31)),
        ("31.03.2020", date!(2020 - 03 - 31)),
        ("01/04/19", date!(2019 - 04 - 01)),
        ("01-Apr-2019", date!(2019 - 04 - 01)),
        ("1 April 2019", date!(2019 - 04 - 01)),
        ("29/02/2020", date!(2020 - 02 - 29)),
    ];
    for (t, want) in cases {
        assert_eq!(parse_date(t), Ok(want), "{t}");
    }
    for t in [
        "",
        "2019-13-01",
        "31/04/2019",
        "29/02/2019",
        "04/2019",
        "yesterday",
        "2019-04-01x",
        "1/Foo/2019",
    ] {
        assert!(parse_date(t).is_err(), "{t:?}");
    }
}

proptest::proptest! {
    #[test]
    fn trim_is_str_trim(s in "[ \t\r\n\u{0B}\u{0C}\u{A0}\u{3000}a£,]{0,8}") {
        proptest::prop_assert_eq!(trim(&s), s.trim());
    }
}

#[test]
fn amounts_to_exact_pence() {
    let cases = [
        ("100991.89", 10_099_189),
        ("480", 48_000),
        ("387.8", 38_780),
        ("-3304.00", -330_400),
        ("£1,234.56", 123_456),
        ("(5.00)", -500),
        (" 12 ", 1200),
        ("0.01", 1),
    ];
    for (t, want) in cases {
        assert_eq!(parse_pence(t), Ok(want), "{t}");
    }
    for t in ["1.234", "abc", "1,23", "1.", "--1", "£"] {
        assert!(parse_pence(t).is_err(), "{t:?}");
    }
}

#[test]
fn amounts_past_the_limit_are_refused_on_the_fast_path_too() {
    assert_eq!(parse_pence("999999999999.99"), Ok(99_999_999_999_999));
    assert_eq!(parse_pence("1000000000000"), Ok(100_000_000_000_000));
    assert_eq!(parse_pence("-1000000000000.00"), Ok(-100_000_000_000_000));
    for t in ["1000000000000.01", "999999999999999", "-999999999999999.99"] {
        let e = parse_pence(t).unwrap_err();
        assert!(e.contains("more than £1,000,000,000,000"), "{t}: {e}");
    }
}

#[test]
fn headers_match_by_alias_and_map() {
    let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let opts = ImportOptions::default();
    let c = Columns::resolve(
        "f",
        &h(&[
            "\u{feff}Payment Date",
            "Amount",
            "Organisational Unit",
            "Beneficiary Name",
        ]),
        &opts,
    )
    .unwrap();
    assert_eq!(c.get(Field::Date), Some(0));
    assert_eq!(c.get(Field::Service), Some(2));
    assert_eq!(c.get(Field::Supplier), Some(3));
    // Duplicate names: the first wins unless mapped with #n.
    let hs = h(&["Date", "Amount", "Supplier Name", "Amount"]);
    assert_eq!(
        Columns::resolve("f", &hs, &opts)
            .unwrap()
            .get(Field::Amount),
        Some(1)
    );
    let mapped = ImportOptions {
        map: vec![ImportOptions::parse_map("amount=Amount#2").unwrap()],
        ..opts.clone()
    };
    assert_eq!(
        Columns::resolve("f", &hs, &mapped)
            .unwrap()
            .get(Field::Amount),
        Some(3)
    );
    // Preference: "Payment Date" over "Date" wherever they are.
    let hs = h(&["Date", "Payment Date", "Amount", "Supplier"]);
    assert_eq!(
        Columns::resolve("f", &hs, &opts).unwrap().get(Field::Date),
        Some(1)
    );
    let e = Columns::resolve("f.csv", &h(&["When", "Amount", "Supplier"]), &opts).unwrap_err();
    assert!(e.to_string().contains("no column for date"), "{e}");
    assert!(e.to_string().contains("\"When\""), "{e}");
    let m = ImportOptions {
        map: vec![(Field::Date, "When".into())],
        ..opts
    };
    assert!(Columns::resolve("f", &h(&["When", "Amount", "Supplier"]), &m).is_ok());
    assert!(ImportOptions::parse_map("colour=Red").is_err());
}

fn parse(text: &str, blank: BlankAmount) -> Result<(ParseSummary, Vec<RecordBatch>)> {
    let mut out = Vec::new();
    let opts = ImportOptions {
        blank_amount: blank,
        ..Default::default()
    };
    let s = parse_csv("t.csv", text.as_bytes(), &opts, |b| {
        out.push(b);
        Ok(())
    })?;
    Ok((s, out))
}

#[test]
fn a_years_total_that_overflows_is_an_error() {
    // £10¹² a line in 2019/20 and as much back in 2020/21: the file's
    // total stays at most £10¹², 2019/20's passes i64::MAX pence.
    let mut text = String::from("date,amount,supplier\n");
    for _ in 0..92_234 {
        text.push_str("2019-04-01,1000000000000,A\n2020-04-01,-1000000000000,A\n");
    }
    let e = parse(&text, BlankAmount::Error).unwrap_err().to_string();
    assert!(
        e.contains("line 184468") && e.contains("2019/20 overflows"),
        "{e}"
    );
}

#[test]
fn csv_with_bom_quotes_credit_notes_and_redactions() {
    let text = "\u{feff}Date,Amount,Supplier Name,Service\n\
        01/04/2019,\"£1,000.50\",ACME LTD,\"PLACE, ROADS\"\n\
        2020-03-31,-20,REDACTED PERSONAL DATS,PEOPLE\n\
        31/03/2019,5,Old Year Ltd,\n";
    let (s, b) = parse(text, BlankAmount::Error).unwrap();
    assert_eq!(
        (s.lines, s.rows, s.redacted_rows, s.credit_notes),
        (3, 3, 1, 1)
    );
    assert_eq!(s.total_pence, 100_050 - 2000 + 500);
    assert_eq!(
        s.years[&FinancialYear::starting(2019)],
        YearTotal {
            rows: 2,
            pence: 98_050
        }
    );
    assert_eq!(s.years[&FinancialYear::starting(2018)].pence, 500);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].num_rows(), 3);
}

#[test]
fn blank_amounts_follow_the_policy() {
    let text = "Date,Amount,Supplier\n2019-08-01,10,A\n2019-08-02,,B\n2019-08-03,1.5,C\n";
    let e = parse(text, BlankAmount::Error).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("t.csv, line 3, column B (Amount)"), "{msg}");
    assert!(msg.contains("--blank-amount"), "{msg}");
    let (s, _) = parse(text, BlankAmount::Skip).unwrap();
    assert_eq!(
        (s.lines, s.rows, s.blank_amount_lines, s.total_pence),
        (3, 2, 1, 1150)
    );
    let (s, _) = parse(text, BlankAmount::Zero).unwrap();
    assert_eq!(
        (s.lines, s.rows, s.blank_amount_lines, s.total_pence),
        (3, 3, 1, 1150)
    );
}

#[test]
fn a_bad_line_names_file_line_column_value_and_reason() {
    let text = "Date,Amount,Supplier\n2019-08-01,10,A\n2019-08-01,12.345,B\n";
    let msg = parse(text, BlankAmount::Error).unwrap_err().to_string();
    assert!(
        msg.starts_with("t.csv, line 3, column B (Amount): \"12.345\":"),
        "{msg}"
    );
    let text = "Date,Amount,Supplier\n31/02/2019,10,A\n";
    let msg = parse(text, BlankAmount::Error).unwrap_err().to_string();
    assert!(
        msg.contains("line 2, column A (Date): \"31/02/2019\": there is no such day"),
        "{msg}"
    );
}

#[test]
fn errors_name_the_line_in_crlf_files_and_after_blank_lines() {
    for (text, line) in [
        (
            "Date,Amount,Supplier\r\n2019-01-01,1,A\r\n2019-01-01,x,C\r\n",
            3,
        ),
        (
            "Date,Amount,Supplier\n2019-01-01,1,A\n\n\n2019-01-01,x,C\n",
            5,
        ),
        (
            "Date,Amount,Supplier\r\n\r\n2019-01-01,1,\"A\r\nB\"\r\n\r\n2019-01-01,x,C",
            6,
        ),
    ] {
        let msg = parse(text, BlankAmount::Error).unwrap_err().to_string();
        assert!(
            msg.starts_with(&format!("t.csv, line {line}, column B")),
            "{msg}"
        );
    }
}

#[test]
fn old_mac_line_ends_name_the_right_line() {
    let text = "Date,Amount,Supplier\r2019-01-01,1,A\r\r2019-01-01,x,C\r";
    let msg = parse(text, BlankAmount::Error).unwrap_err().to_string();
    assert!(msg.starts_with("t.csv, line 4, column B"), "{msg}");
}

/// A quote left open swallowed the next payment into a supplier name
/// (issue 12, item 7). A field may run over several lines only if it is
/// free text, its record has the header's number of fields, and its
/// quote closes.
#[test]
fn a_quoted_field_over_several_lines_must_be_free_text_that_closes() {
    // What the review sent.
    let text = "Payment Date,Amount,Supplier Name\n01/05/2025,1.00,\"A\n01/05/2025,1.00,B\n";
    let msg = parse(text, BlankAmount::Error).unwrap_err().to_string();
    assert!(
        msg.starts_with("t.csv, line 2: a quoted field opens on this line and never closes"),
        "{msg}"
    );
    let head = "Payment Date,Amount,Supplier Name,Service\n";
    for (body, want) in [
        (
            "01/05/2025,1.00,\"A,x\n01/05/2025,1.00,B,x\n",
            "t.csv, line 2: a quoted field opens on this line and runs over several lines, leaving 3 fields where the header has 4",
        ),
        (
            "01/05/2025,1.00,B,x\r\n01/05/2025,1.00,B,\"A\r\n01/05/2025,1.00,B,x",
            "t.csv, line 3: a quoted field opens on this line and never closes",
        ),
        (
            "01/05/2025,1.00,\"A,x\n01/05/2025,\"2.00\",B,x\n",
            "t.csv, line 2: a quoted field opens on this line and runs over several lines, leaving 5 fields where the header has 4",
        ),
        (
            "01/05/2025,\"1.00\n\",A,x\n",
            "t.csv, line 2, column B (Amount): \"1.00\\n\": a line end inside quotes",
        ),
    ] {
        let text = format!("{head}{body}");
        let msg = parse(&text, BlankAmount::Error).unwrap_err().to_string();
        assert!(msg.starts_with(want), "{body:?}: {msg}");
    }
    // Free text over several lines, closed, is a name like any other.
    let text =
        format!("{head}01/05/2025,1.00,\"A\nB Ltd\",\"Roads\r\nand bridges\"\n01/05/2025,2.00,C,x");
    let (s, _) = parse(&text, BlankAmount::Error).unwrap();
    assert_eq!((s.rows, s.total_pence), (2, 300));
    let text = format!("{head}01/05/2025,1.00,C,\"x\ny\"\"\"");
    assert_eq!(parse(&text, BlankAmount::Error).unwrap().0.rows, 1);
}

#[test]
fn latin1_pound_signs_are_read() {
    let mut bytes = b"Date,Amount,Supplier\n2019-08-01,".to_vec();
    bytes.push(0xA3);
    bytes.extend_from_slice(b"10.00,Caf\xe9 Ltd\n");
    let opts = ImportOptions::default();
    let s = parse_csv("t.csv", &bytes[..], &opts, |_| Ok(())).unwrap();
    assert_eq!(s.total_pence, 1000);
}
