//! Dates and financial years as people write them: a contract's start and
//! `--as-of` (`contract::parse_date`), a financial year (`2019/20`), and the
//! dates of published payments files (`socval_spend::parse_date`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use socval_core::FinancialYear;
use socval_core::limits::{check_date, check_year};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(d) = socval_core::contract::parse_date(s) {
        assert!(check_date(d).is_ok(), "{s:?} gave {d}");
        assert_eq!(socval_core::contract::parse_date(&d.to_string()), Some(d));
        let fy = FinancialYear::containing(d);
        assert!(fy.contains(d) && fy.first_day() <= d && d <= fy.last_day());
    }
    if let Ok(fy) = s.parse::<FinancialYear>() {
        assert!(check_year(fy).is_ok(), "{s:?} gave {fy}");
        assert_eq!(fy.to_string().parse::<FinancialYear>(), Ok(fy), "{s:?}");
        assert!(fy.contains(fy.first_day()) && fy.contains(fy.last_day()));
        assert_eq!(fy.next().previous(), fy);
        let _ = fy.next().to_string();
    }
    if let Ok(d) = socval_spend::parse_date(s) {
        // The payments file stores days since 1970 and reads them back.
        let days = d.to_julian_day() - 2_440_588;
        assert_eq!(socval_spend::date_from_days(days), d, "{s:?}");
        let fy = FinancialYear::containing(d);
        assert!(fy.contains(d));
        let _ = fy.to_string();
    }
});
