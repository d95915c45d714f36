//! A payments spreadsheet (`socval spend import FILE.xlsx`, also XLS, XLSB
//! and ODS; the portal's spend upload): `socval_spend::parse_spreadsheet`,
//! with the totals an import records checked against the rows it kept.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socval_spend::{BlankAmount, ImportOptions};

fuzz_target!(|data: &[u8]| {
    let opts = ImportOptions {
        blank_amount: BlankAmount::Skip,
        ..ImportOptions::default()
    };
    let mut batch_rows = 0u64;
    let parsed = socval_spend::parse_spreadsheet("payments.xlsx", data.to_vec(), &opts, |b| {
        batch_rows += b.num_rows() as u64;
        Ok(())
    });
    if let Ok(summary) = parsed {
        socval_fuzz::check_summary(&summary, batch_rows);
    }
});
