//! A commitments CSV valued against the embedded framework `rotherham-2019`
//! (`socval value FILE --framework rotherham-2019`):
//! `valuation::commitments_from_records`, then `valuation::value` in the
//! framework's latest year and in the commitment rows' own years.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socval_core::valuation::{self, ValuationOptions};

fuzz_target!(|data: &[u8]| {
    let fw = socval_fuzz::rotherham();
    let Some(records) = socval_fuzz::records("commitments.csv", data) else {
        return;
    };
    let Ok(commitments) = valuation::commitments_from_records(&records, fw) else {
        return;
    };
    for carry_forward in [false, true] {
        let options = ValuationOptions {
            year: fw.latest_year().expect("rotherham-2019 has proxies"),
            carry_forward,
            file: records.file.clone(),
        };
        if let Ok(v) = valuation::value(fw, &commitments, &options) {
            // A valuation that was made adds up: its sums were checked.
            let rows = socval_core::Gbp::checked_sum(v.rows.iter().filter_map(|r| r.value));
            assert_eq!(rows, Some(v.total), "the rows add up to the total");
            let themes = socval_core::Gbp::checked_sum(v.themes.iter().map(|t| t.value));
            assert_eq!(themes, Some(v.total), "the themes add up to the total");
            let _ = v.total.display_whole_pounds();
        }
    }
});
