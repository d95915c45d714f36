//! Amounts and units as people write them (`£1,234.56`, `(5.00)`,
//! `28,500`): `Gbp::parse`, `parse_units` and the payments reader's
//! `parse_pence`, with the arithmetic a valuation does on them.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use socval_core::limits::{MAX_AMOUNT, MAX_UNITS};
use socval_core::{Gbp, portfolio::parse_units};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = Gbp::parse(s);
    assert_eq!(parsed, s.parse::<Gbp>(), "FromStr and parse differ");
    if let Ok(g) = parsed {
        assert!(g.amount().abs() <= MAX_AMOUNT, "{s:?} is past the limit");
        let _ = g.to_pence();
        // What socval shows reads back as the amount to the penny.
        let pence = g.round_pence();
        assert_eq!(Gbp::parse(&g.to_string()), Ok(pence), "{s:?} as {g}");
        assert_eq!(Gbp::parse(&g.display_pounds()), Ok(pence), "{s:?}");
        assert_eq!(
            Gbp::parse(&g.display_whole_pounds()),
            Ok(g.round_pounds()),
            "{s:?}"
        );
        // Sums and products are exact or refused; within the limits a
        // stored amount keeps (6 decimal places), they are made.
        let stored = socval_core::limits::check_amount(g.amount()).is_ok();
        let product = g.checked_mul_units(MAX_UNITS);
        assert!(product.is_some() || !stored, "{s:?} × max units");
        match g.checked_add(g) {
            Some(twice) => assert_eq!(twice.checked_sub(g), Some(g), "{s:?}"),
            None => assert!(!stored, "{s:?}: two amounts within the limit add up"),
        }
    }
    if let Ok(u) = parse_units(s) {
        assert!(!u.is_sign_negative() || u.is_zero(), "{s:?} gave {u}");
        assert!(u <= MAX_UNITS, "{s:?} gave {u}");
        let proxy = Gbp::new(MAX_AMOUNT);
        let v = proxy
            .checked_mul_units(u)
            .expect("units × the largest proxy");
        let _ = v.round_pounds().display_whole_pounds();
        let _ = u / Decimal::from(4);
    }
    if let Ok(p) = socval_spend::parse_pence(s) {
        // A payment is an amount like any other: within the limit, and the
        // same as the money grammar reads it.
        let pounds = Gbp::from_pence(p);
        assert!(
            pounds.amount().abs() <= MAX_AMOUNT,
            "{s:?} read as {p} pence, past the limit of £1,000,000,000,000"
        );
        if let Ok(g) = Gbp::parse(s) {
            assert_eq!(g.to_pence(), Some(p), "{s:?}");
        }
    }
});
