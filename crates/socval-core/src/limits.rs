//! The ranges and lengths socval accepts from people, in one place.
//!
//! Every number, date and text that reaches socval from a form, an API
//! request, a file or the command line is checked against these limits at
//! the edge, with a message naming the field. They are far beyond any real
//! council's figures, and small enough that no sum or product of accepted
//! values can overflow on the way to a report: [`MAX_UNITS`] ×
//! [`MAX_AMOUNT`] is 10²⁴, and `Decimal` holds 7.9 × 10²⁸. Sums of many such
//! values are still checked (see [`crate::Error::Overflow`]).
//!
//! The table in `docs/web.md` ("Limits") lists these values for users; keep
//! the two together.

use rust_decimal::Decimal;
use time::{Date, Month};

use crate::FinancialYear;

/// The largest number of units a person may enter for one measure
/// (a million million: far beyond any contract's jobs, hours or tonnes).
pub const MAX_UNITS: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0); // 1_000_000_000_000

/// Units may have at most this many decimal places (0.000001 of a unit).
pub const MAX_UNITS_DP: u32 = 6;

/// The largest amount of money, either sign, a person may enter: a price,
/// a payment, an estimated value, a proxy value (£1,000,000,000,000).
pub const MAX_AMOUNT: Decimal = MAX_UNITS;

/// Amounts may have at most this many decimal places (proxy values are
/// given to 0.000001 of a pound; prices and payments to the penny).
pub const MAX_AMOUNT_DP: u32 = 6;

/// Percentages, weights and scores run from 0 to 100 with at most this many
/// decimal places.
pub const MAX_PERCENT_DP: u32 = 4;

/// The first financial year socval accepts: 1990/91.
pub const FIRST_YEAR: FinancialYear = FinancialYear::starting(1990);

/// The last financial year socval accepts: 2099/00.
pub const LAST_YEAR: FinancialYear = FinancialYear::starting(2099);

/// The earliest date a person may enter (a payment, a contract's start, a
/// purchase, a deadline): 1 April 1990, the first day of [`FIRST_YEAR`].
pub const EARLIEST_DATE: Date = match Date::from_calendar_date(1990, Month::April, 1) {
    Ok(d) => d,
    Err(_) => panic!("1 April 1990 exists"),
};

/// The latest date a person may enter: 31 December 2099.
pub const LATEST_DATE: Date = match Date::from_calendar_date(2099, Month::December, 31) {
    Ok(d) => d,
    Err(_) => panic!("31 December 2099 exists"),
};

/// A contract runs for at most this many years (a contract file and the
/// portal's procurement form alike). Quarters are counted in `u32` and
/// dated from the start, so a longer contract could overflow them or pass
/// the calendar's end.
pub const MAX_CONTRACT_YEARS: u32 = 50;

/// A short text: a name, a title, a reference, an email address, a postcode
/// (characters).
pub const MAX_SHORT_TEXT: usize = 300;

/// A long text: a description, a comment, a narrative, a reason
/// (characters).
pub const MAX_LONG_TEXT: usize = 20_000;

/// A file name (bytes, as file systems count them).
pub const MAX_FILE_NAME: usize = 255;

/// A spreadsheet (XLSX, XLSB, ODS) read by the portal or the command line
/// may unpack to at most this many bytes, all its parts together. A full
/// Excel sheet of a million rows of 15 columns is about 600 MiB of XML.
pub const MAX_SHEET_XML_BYTES: u64 = 1 << 30;

/// A spreadsheet may hold at most this many cells in the sheet read (in an
/// ODS file, in all its sheets, counting repeated rows and columns; in an
/// XLS file, in each sheet and each sheet's declared dimensions). XLSX
/// sheets are read a row at a time, so this bounds the time they take; ODS
/// files are expanded whole (about 56 bytes a cell), so it also bounds
/// their memory to about 1.1 GB. A million rows of 20 columns fit.
pub const MAX_SHEET_CELLS: u64 = 20_000_000;

/// A spreadsheet row may have at most this many cells, empty formatted
/// ones included (published ledgers have 8 to 30 columns).
pub const MAX_SHEET_COLUMNS: u32 = 1_000;

/// What a refused number of units is: negative.
pub const UNITS_NEGATIVE: &str = "is negative (units cannot be negative)";

/// What a refused number of units is: past [`MAX_UNITS`].
pub const UNITS_TOO_LARGE: &str = "is more than 1,000,000,000,000 units";

/// What a refused number is: not a number at all.
pub const NOT_A_NUMBER: &str = "is not a number";

/// Checks a number of units: 0 to [`MAX_UNITS`], at most [`MAX_UNITS_DP`]
/// decimal places. `Err` says what is wrong, for a message naming the field.
pub fn check_units(units: Decimal) -> Result<Decimal, &'static str> {
    if units.is_sign_negative() && !units.is_zero() {
        return Err(UNITS_NEGATIVE);
    }
    if units > MAX_UNITS {
        return Err(UNITS_TOO_LARGE);
    }
    if units.normalize().scale() > MAX_UNITS_DP {
        return Err("has more than 6 decimal places");
    }
    Ok(units)
}

/// Checks an amount of money: at most [`MAX_AMOUNT`] either side of zero,
/// at most [`MAX_AMOUNT_DP`] decimal places.
pub fn check_amount(amount: Decimal) -> Result<Decimal, &'static str> {
    if amount.abs() > MAX_AMOUNT {
        return Err("is more than £1,000,000,000,000");
    }
    if amount.normalize().scale() > MAX_AMOUNT_DP {
        return Err("has more than 6 decimal places");
    }
    Ok(amount)
}

/// Checks a percentage, weight or score: 0 to 100, at most
/// [`MAX_PERCENT_DP`] decimal places.
pub fn check_percent(value: Decimal) -> Result<Decimal, &'static str> {
    if value.is_sign_negative() && !value.is_zero() || value > Decimal::ONE_HUNDRED {
        return Err("is not between 0 and 100");
    }
    if value.normalize().scale() > MAX_PERCENT_DP {
        return Err("has more than 4 decimal places");
    }
    Ok(value)
}

/// Checks a date a person entered: [`EARLIEST_DATE`] to [`LATEST_DATE`].
pub fn check_date(date: Date) -> Result<Date, &'static str> {
    if date < EARLIEST_DATE || date > LATEST_DATE {
        return Err("is not between 1 April 1990 and 31 December 2099");
    }
    Ok(date)
}

/// Checks a financial year: [`FIRST_YEAR`] to [`LAST_YEAR`].
pub fn check_year(year: FinancialYear) -> Result<FinancialYear, &'static str> {
    if year < FIRST_YEAR || year > LAST_YEAR {
        return Err("is not between 1990/91 and 2099/00");
    }
    Ok(year)
}

/// Checks a text's length in characters against `max`
/// ([`MAX_SHORT_TEXT`] or [`MAX_LONG_TEXT`]).
pub fn check_text(text: &str, max: usize) -> Result<&str, String> {
    // Counting bytes first keeps a 4 MB text from being walked char by char.
    if text.len() > max && text.chars().count() > max {
        return Err(format!(
            "is longer than {} characters",
            crate::group_digits(max as u64)
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn the_constants_are_what_their_documents_say() {
        assert_eq!(MAX_UNITS, d("1000000000000"));
        // The product of the largest units and the largest amount fits with
        // room for 10,000 of them to be added up.
        let product = MAX_UNITS.checked_mul(MAX_AMOUNT).unwrap();
        assert!(product.checked_mul(Decimal::from(10_000)).is_some());
    }

    #[test]
    fn units_amounts_and_percentages_are_bounded() {
        assert!(check_units(d("1000000000000")).is_ok());
        assert!(check_units(d("1000000000000.000001")).is_err());
        assert!(check_units(d("79228162514264337593543950335")).is_err());
        assert!(check_units(d("0.0000001")).is_err());
        assert!(check_units(d("-1")).is_err());
        assert!(check_amount(d("-1000000000000")).is_ok());
        assert!(check_amount(d("-1000000000001")).is_err());
        assert!(check_percent(d("100")).is_ok());
        assert!(check_percent(d("100.0001")).is_err());
        assert!(check_percent(d("-0.5")).is_err());
    }

    #[test]
    fn dates_years_and_texts_are_bounded() {
        assert!(check_date(time::macros::date!(1990 - 03 - 31)).is_err());
        assert!(check_date(time::macros::date!(2025 - 05 - 01)).is_ok());
        assert!(check_date(time::macros::date!(2100 - 01 - 01)).is_err());
        assert!(check_year(FinancialYear::starting(9999)).is_err());
        assert!(check_year(FinancialYear::starting(2019)).is_ok());
        assert!(check_text(&"é".repeat(300), MAX_SHORT_TEXT).is_ok());
        let e = check_text(&"a".repeat(20_001), MAX_LONG_TEXT).unwrap_err();
        assert_eq!(e, "is longer than 20,000 characters");
    }
}
