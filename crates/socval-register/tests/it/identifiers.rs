//! Identifier normalisation: idempotent, and every way of writing a valid
//! number reads back as the same number.

use proptest::prelude::*;
use socval_register::{COMPANY_PREFIXES, CharityNumber, CompanyNumber};

/// A valid company number as Companies House writes it.
fn company() -> impl Strategy<Value = String> {
    let plain = (1u32..100_000_000).prop_map(|n| format!("{n:08}"));
    let prefixed = (prop::sample::select(COMPANY_PREFIXES), 1u32..1_000_000).prop_map(|(p, n)| {
        let width = 8 - p.len();
        format!("{p}{n:0width$}")
    });
    prop_oneof![plain, prefixed]
}

proptest! {
    #[test]
    fn normalising_is_idempotent(s in "[ .a-zA-Z0-9/-]{0,12}") {
        if let Ok(n) = CompanyNumber::parse(&s) {
            prop_assert_eq!(CompanyNumber::parse(n.as_str()), Ok(n));
            prop_assert_eq!(n.as_str().len(), 8);
        }
        if let Ok(c) = CharityNumber::parse(&s) {
            prop_assert_eq!(CharityNumber::parse(&c.to_string()), Ok(c));
        }
    }

    #[test]
    fn any_valid_company_number_round_trips(
        n in company(),
        lower in any::<bool>(),
        strip in any::<bool>(),
        spaced in any::<bool>(),
    ) {
        let want = CompanyNumber::parse(&n).unwrap();
        prop_assert_eq!(want.as_str(), n.as_str());
        prop_assert_eq!(CompanyNumber::from_key(want.key()), Some(want));
        // As councils write it: lower case, without the zeros, spaced.
        let p = want.prefix().to_owned();
        let digits = &n[p.len()..];
        let digits = if strip { digits.trim_start_matches('0') } else { digits };
        let mut written = format!("{}{}{digits}", if lower { p.to_lowercase() } else { p }, if spaced { " " } else { "" });
        if spaced {
            written = format!("  {written} ");
        }
        prop_assert_eq!(CompanyNumber::parse(&written), Ok(want));
    }

    #[test]
    fn any_valid_charity_number_round_trips(n in 1u32..10_000_000, l in 0u32..10_000, spaced in any::<bool>()) {
        let c = CharityNumber::new(n, l).unwrap();
        let written = if spaced { format!("{n} - {l}") } else { format!("{n}-{l}") };
        prop_assert_eq!(CharityNumber::parse(&written), Ok(c));
        prop_assert_eq!(CharityNumber::parse(&c.to_string()), Ok(c));
        prop_assert_eq!(CharityNumber::from_key(c.key()), Some(c));
    }
}
