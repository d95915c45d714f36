//! A payments CSV (`socval spend import FILE.csv`, the portal's spend
//! upload): `socval_spend::parse_csv` under each blank-amount policy, with
//! the totals an import records checked against the rows it kept.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socval_spend::{BlankAmount, ImportOptions};

fuzz_target!(|data: &[u8]| {
    for blank_amount in [BlankAmount::Error, BlankAmount::Skip, BlankAmount::Zero] {
        let opts = ImportOptions {
            blank_amount,
            ..ImportOptions::default()
        };
        let mut batch_rows = 0u64;
        let parsed = socval_spend::parse_csv("payments.csv", data, &opts, |b| {
            batch_rows += b.num_rows() as u64;
            Ok(())
        });
        if let Ok(summary) = parsed {
            socval_fuzz::check_summary(&summary, batch_rows);
        }
    }
});
