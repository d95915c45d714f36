//! A procurement file (`socval evaluate FILE`, the portal's procurement
//! form) and, after a NUL byte, an optional policy file (`--policy FILE`):
//! `Procurement::from_toml`, `Policy::from_toml`, then
//! `evaluation::evaluate` with `rotherham-2019`, with and without carrying
//! proxies forward.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use socval_core::Policy;
use socval_core::evaluation::{self, Procurement};

fuzz_target!(|data: &[u8]| {
    let (procurement, policy) = socval_fuzz::split(data);
    let (Ok(procurement), Ok(policy)) = (
        std::str::from_utf8(procurement),
        std::str::from_utf8(policy),
    ) else {
        return;
    };
    let policy = if policy.is_empty() {
        Policy::default()
    } else {
        match Policy::from_toml(policy, "policy.toml") {
            Ok(p) => p,
            Err(_) => return,
        }
    };
    let _ = policy.to_toml();
    let Ok(p) = Procurement::from_toml(procurement, "procurement.toml", &policy) else {
        return;
    };
    let fw = socval_fuzz::rotherham();
    for carry_forward in [false, true] {
        let Ok(e) = evaluation::evaluate(&p, fw, &policy, carry_forward) else {
            continue;
        };
        assert_eq!(e.bids.len(), p.bids.len());
        assert_eq!(e.bids.first().map(|b| b.rank), Some(1));
        let hundred = Decimal::ONE_HUNDRED;
        for b in &e.bids {
            // Points are shares of weights adding up to 100.
            assert!(
                b.total_score >= Decimal::ZERO && b.total_score.round_dp(6) <= hundred,
                "{} scores {}",
                b.bidder,
                b.total_score
            );
            let _ = b.sv.display_whole_pounds();
        }
    }
});
