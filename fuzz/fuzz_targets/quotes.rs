//! A quotes CSV (`socval quotes check FILE`, `socval quotes audit FILE`,
//! the portal's purchases): `quotes::quotes_from_records`, `quotes::check`
//! with Rotherham's policy, then `quotes::audit` of samples of several
//! sizes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use socval_core::Policy;
use socval_core::quotes;

fuzz_target!(|data: &[u8]| {
    let Some(records) = socval_fuzz::records("quotes.csv", data) else {
        return;
    };
    let Ok(q) = quotes::quotes_from_records(&records) else {
        return;
    };
    let policy = Policy::default();
    let checks = quotes::check(&q, &policy);
    let purchases: std::collections::BTreeSet<&str> =
        q.iter().map(|q| q.purchase_id.as_str()).collect();
    assert_eq!(checks.len(), purchases.len(), "one check per purchase");
    for c in &checks {
        let _ = c.purchase_value.display_pounds();
    }
    for (seed, size) in [(0, 1), (2021, 5), (u64::MAX, usize::MAX)] {
        let Ok(a) = quotes::audit(&checks, seed, size, policy.assurance, "quotes.csv") else {
            continue;
        };
        assert!(a.sample.len() <= size && a.compliant <= a.sample.len());
        assert!(
            a.compliance_percent >= Decimal::ZERO && a.compliance_percent <= Decimal::ONE_HUNDRED
        );
    }
});
