//! What the fuzz targets share: CSV split into records as the command line
//! splits it, an input cut in two, and the embedded framework the examples
//! use. See bench/fuzz/README.md for the targets.

use std::sync::OnceLock;

use socval_core::{Framework, Records};

/// Splits CSV bytes into records as `socval` does before a core reader sees
/// them (`records_from_reader` in socval-cli): a flexible reader, the
/// byte-order mark dropped from the headers, blank rows skipped. `None`
/// where the command line would refuse the file as unreadable CSV.
pub fn records(file: &str, bytes: &[u8]) -> Option<Records> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> = rdr
        .headers()
        .ok()?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut records = Records::new(file, headers);
    for row in rdr.records() {
        let row = row.ok()?;
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        records.push(line, row.iter().map(str::to_string).collect());
    }
    Some(records)
}

/// Cuts an input at its first NUL byte: a file and a second file (or
/// options) for targets that read two. Without a NUL the second is empty.
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// The embedded framework `rotherham-2019`, read once.
pub fn rotherham() -> &'static Framework {
    static FW: OnceLock<Framework> = OnceLock::new();
    FW.get_or_init(|| {
        socval_core::framework::embedded("rotherham-2019")
            .and_then(Framework::validated)
            .expect("the embedded framework is valid")
    })
}

/// What socval does with a framework someone gives it: lists its problems,
/// saves it (TOML and CSV), and, if it is valid, reads the saved TOML back
/// and values the largest commitment a person may enter for every measure
/// in every year it has proxies for.
pub fn use_framework(fw: Framework) {
    use socval_core::limits::MAX_UNITS;
    use socval_core::valuation::{self, Commitment, ValuationOptions};

    let issues = fw.validate();
    for i in &issues {
        let _ = i.to_string();
    }
    let saved = fw.to_toml();
    let _ = fw.to_records();
    let Ok(fw) = fw.validated() else {
        return;
    };
    let again = Framework::from_toml(&saved, "saved.toml").expect("a saved framework reads back");
    assert_eq!(again.measure_count(), fw.measure_count());
    assert!(
        again.validate().is_empty(),
        "a saved valid framework is valid"
    );

    let commitments: Vec<Commitment> = fw
        .measures()
        .map(|f| Commitment {
            measure: f.measure.code.clone(),
            units: MAX_UNITS,
            contract_year: Some(1),
            year: None,
            line: 0,
        })
        .collect();
    for year in fw.years() {
        let options = ValuationOptions {
            year,
            carry_forward: true,
            file: "commitments.csv".into(),
        };
        if let Ok(v) = valuation::value(&fw, &commitments, &options) {
            let _ = v.total.display_whole_pounds();
        }
    }
}

/// Checks what an import records about a payments file against the rows it
/// kept (`batch_rows`, counted from the batches written).
pub fn check_summary(s: &socval_spend::ParseSummary, batch_rows: u64) {
    assert_eq!(s.rows, batch_rows, "rows counted and rows written differ");
    let year_rows: u64 = s.years.values().map(|y| y.rows).sum();
    assert_eq!(year_rows, s.rows, "the years' rows add up to the rows");
    let year_pence: i128 = s.years.values().map(|y| i128::from(y.pence)).sum();
    assert_eq!(
        year_pence,
        i128::from(s.total_pence),
        "the years add up to the total"
    );
    assert!(s.credit_notes <= s.rows && s.redacted_rows <= s.rows);
    let skipped = match s.blank_amount {
        socval_spend::BlankAmount::Skip => s.blank_amount_lines,
        _ => 0,
    };
    assert_eq!(
        s.lines,
        s.rows + skipped,
        "every line is a payment or skipped"
    );
    let _ = socval_core::Gbp::from_pence(s.total_pence).display_pounds();
}

/// What socval does with a contract and its returns: progress as of the
/// dates that matter (before the start, each contract year's end, the last
/// date a person may enter) with the policy's RAG thresholds, and the
/// contract in a portfolio, all valued with `rotherham-2019`.
pub fn use_contract(
    contract: &socval_core::contract::Contract,
    returns: &[socval_core::contract::DeliveryReturn],
) {
    use socval_core::RagThresholds;
    use socval_core::contract::progress;
    use socval_core::limits::{EARLIEST_DATE, LATEST_DATE};
    use socval_core::portfolio::{self, Entry};

    let fw = rotherham();
    let rag = RagThresholds::default();
    let mut dates = vec![EARLIEST_DATE, LATEST_DATE, contract.start];
    for year in 1..=contract.years.min(10) {
        if let Some(d) = contract
            .start
            .replace_year(contract.start.year().saturating_add(year as i32))
            .ok()
            .and_then(|d| d.previous_day())
        {
            dates.push(d);
        }
    }
    for as_of in dates {
        let _ = progress(contract, fw, returns, "returns.csv", as_of, rag, true);
        let Ok(p) = progress(contract, fw, returns, "returns.csv", as_of, rag, false) else {
            continue;
        };
        assert!(p.quarters_elapsed <= p.quarters_total);
        let _ = p.forecast_gbp.display_whole_pounds();
        let entry = Entry {
            id: 1,
            reference: "C-1".into(),
            category: "Places".into(),
            contract,
            framework: fw,
            returns,
        };
        // The portfolio counts what progress counts.
        let portfolio = portfolio::build(&[entry], as_of, rag);
        assert!(portfolio.problems.is_empty(), "{:?}", portfolio.problems);
        assert_eq!(portfolio.committed_gbp, p.committed_gbp);
        assert_eq!(portfolio.delivered_gbp, p.delivered_gbp);
    }
}
