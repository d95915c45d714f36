//! Exact money in pounds sterling.
//!
//! Amounts are `rust_decimal::Decimal`, never floating point. Sums are exact;
//! rounding (half-even, to the penny) happens only when an amount is presented.

use std::fmt;
use std::ops::Neg;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An exact amount of money in pounds sterling.
///
/// ```
/// use socval_core::Gbp;
/// let a = Gbp::parse("£1,234.50").unwrap();
/// let b = Gbp::parse("-0.5").unwrap();
/// assert_eq!(a.checked_add(b).unwrap().to_string(), "1234.00");
/// assert_eq!(a.to_pence(), Some(123_450));
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Gbp(Decimal);

/// [`MoneyParseError::reason`] of an amount past `limits::MAX_AMOUNT`.
pub(crate) const AMOUNT_TOO_LARGE: &str = "it is more than £1,000,000,000,000";

/// Why a text could not be read as an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{value:?} is not an amount of money: {reason} (accepted: 1234.56, £1,234.56, -£5, (5.00))"
)]
pub struct MoneyParseError {
    /// The text as given.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Gbp {
    /// Zero pounds.
    pub const ZERO: Gbp = Gbp(Decimal::ZERO);

    /// Wraps an exact decimal number of pounds.
    pub const fn new(pounds: Decimal) -> Self {
        Gbp(pounds)
    }

    /// An amount from a whole number of pence.
    pub fn from_pence(pence: i64) -> Self {
        Gbp(Decimal::new(pence, 2))
    }

    /// The exact decimal number of pounds.
    pub const fn amount(self) -> Decimal {
        self.0
    }

    /// The amount in whole pence, or `None` if it has a fraction of a penny
    /// or does not fit in an `i64`. Never rounds.
    pub fn to_pence(self) -> Option<i64> {
        let pence = self.0.checked_mul(Decimal::ONE_HUNDRED)?;
        if pence.fract().is_zero() {
            i64::try_from(pence).ok()
        } else {
            None
        }
    }

    /// Rounded half-even to the penny, for presentation.
    pub fn round_pence(self) -> Gbp {
        Gbp(self
            .0
            .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven))
    }

    /// Rounded half-even to whole pounds, for presentation in summary tables.
    pub fn round_pounds(self) -> Gbp {
        Gbp(self
            .0
            .round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven))
    }

    /// True for zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// True below zero (a credit note, a refund).
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// Reads an amount as councils write them: an optional sign, an optional
    /// `£`, thousands separators, and accountants' brackets for negatives.
    /// Surrounding spaces are ignored.
    ///
    /// Returns an error if the text is empty or is not a number; the error
    /// says what is accepted.
    pub fn parse(text: &str) -> Result<Gbp, MoneyParseError> {
        let err = |reason| MoneyParseError {
            value: text.to_string(),
            reason,
        };
        let mut s = text.trim();
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        let mut negative = false;
        if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            negative = true;
            s = inner.trim();
        }
        if let Some(rest) = s.strip_prefix('-') {
            if negative {
                return Err(err("it has two negative signs"));
            }
            negative = true;
            s = rest.trim_start();
        } else if let Some(rest) = s.strip_prefix('+') {
            s = rest.trim_start();
        }
        if let Some(rest) = s.strip_prefix('£') {
            s = rest.trim_start();
        }
        // A sign may also follow the pound sign: "£-5".
        if let Some(rest) = s.strip_prefix('-') {
            if negative {
                return Err(err("it has two negative signs"));
            }
            negative = true;
            s = rest;
        }
        if s.is_empty() {
            return Err(err("it has no digits"));
        }
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        if !valid_grouping(int_part) {
            return Err(err("its digits or thousands separators are malformed"));
        }
        if let Some(f) = frac_part
            && (f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(err("its decimal part is not digits"));
        }
        let mut plain: String = int_part.chars().filter(|&c| c != ',').collect();
        if let Some(f) = frac_part {
            plain.push('.');
            plain.push_str(f);
        }
        // Exactly as written, or refused: a decimal would round digits
        // past its 28 to 29 silently.
        let value =
            Decimal::from_str_exact(&plain).map_err(|_| err("it is too large or too precise"))?;
        let value = if negative { -value } else { value };
        // The magnitude is bounded here; decimal places are bounded where
        // they matter (whole pence for payments and prices, six places for
        // a framework's proxies, which it reports with its other problems).
        if value.abs() > crate::limits::MAX_AMOUNT {
            return Err(err(AMOUNT_TOO_LARGE));
        }
        Ok(Gbp(value))
    }

    /// The sum, or `None` when it cannot be held exactly: past the
    /// largest decimal, or needing more than its 28 to 29 significant
    /// digits (a decimal would round the last places away silently:
    /// found by fuzzing, where the themes of a £10¹⁷ valuation did not add
    /// up to its total). There is no `+` on amounts: every sum says what
    /// happens when it cannot be made.
    pub fn checked_add(self, rhs: Gbp) -> Option<Gbp> {
        exact_sum(self.0, rhs.0, self.0.checked_add(rhs.0)?)
    }

    /// The difference, or `None` when it cannot be held exactly (see
    /// [`Gbp::checked_add`]).
    pub fn checked_sub(self, rhs: Gbp) -> Option<Gbp> {
        exact_sum(self.0, -rhs.0, self.0.checked_sub(rhs.0)?)
    }

    /// The sum of `amounts`, or `None` if it cannot be held exactly.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Gbp>) -> Option<Gbp> {
        amounts
            .into_iter()
            .try_fold(Gbp::ZERO, |total, a| total.checked_add(a))
    }

    /// Units × a proxy value per unit, exactly.
    ///
    /// Returns `None` when the product cannot be held exactly (far beyond
    /// any real amount, or more significant digits than a decimal has).
    pub fn checked_mul_units(self, units: Decimal) -> Option<Gbp> {
        if self.0.is_zero() || units.is_zero() {
            // A product with zero is zero, with scale 0.
            return self.0.checked_mul(units).map(Gbp);
        }
        exact_product(self.0, units).map(Gbp)
    }
}

impl Gbp {
    /// The amount scaled by a `ratio` that is itself a rounded quotient
    /// (a forecast: committed × delivered ÷ expected): an estimate, kept to
    /// [`ESTIMATE_DP`] decimal places so that estimates add up exactly
    /// with [`Gbp::checked_add`]. `None` only past the largest decimal.
    pub fn checked_scale_by(self, ratio: Decimal) -> Option<Gbp> {
        self.0
            .checked_mul(ratio)
            .map(|g| Gbp(g.round_dp(ESTIMATE_DP)))
    }
}

/// Decimal places kept of an estimate (a forecast): far below a penny,
/// few enough that sums of estimates of real amounts stay exact.
pub const ESTIMATE_DP: u32 = 10;

/// `value`, the decimal sum of `a` and `b`, as an amount if it is exact.
/// A decimal that runs out of digits rounds to fewer places instead of
/// failing; taking either part back off then gives something other than
/// the other part. (Rounding away only zeros is exact and kept.)
fn exact_sum(a: Decimal, b: Decimal, value: Decimal) -> Option<Gbp> {
    if value.scale() >= a.scale().max(b.scale())
        || (value.checked_sub(b) == Some(a) && value.checked_sub(a) == Some(b))
    {
        Some(Gbp(value))
    } else {
        None
    }
}

/// `a × b` exactly, or `None` when a decimal cannot hold it: the product
/// of the two mantissas, less their trailing zeros, is worked out in 128
/// bits, then given back as many of the places its factors had as fit
/// (`0.4611686018427387904` × 10¹² is exact; a product that needs more
/// than 28 to 29 significant digits is not).
fn exact_product(a: Decimal, b: Decimal) -> Option<Decimal> {
    const MAX_MANTISSA: u128 = (1 << 96) - 1;
    /// `m` without trailing zeros, and how many there were.
    fn strip(mut m: i128) -> (i128, i64) {
        let mut zeros = 0;
        while m != 0 && m % 10 == 0 {
            m /= 10;
            zeros += 1;
        }
        (m, zeros)
    }
    let (ma, za) = strip(a.mantissa());
    let (mb, zb) = strip(b.mantissa());
    let mut p = ma.checked_mul(mb)?;
    // The value is p × 10^(zeros − places).
    let places = i64::from(a.scale() + b.scale());
    let mut scale = places - za - zb;
    while scale < 0 {
        p = p.checked_mul(10)?;
        scale += 1;
    }
    // The places the factors had, as a decimal product keeps them, while
    // they fit.
    while scale < places.min(28) {
        match p
            .checked_mul(10)
            .filter(|q| q.unsigned_abs() <= MAX_MANTISSA)
        {
            Some(q) => {
                p = q;
                scale += 1;
            }
            None => break,
        }
    }
    if scale > 28 || p.unsigned_abs() > MAX_MANTISSA {
        return None;
    }
    Decimal::try_from_i128_with_scale(p, u32::try_from(scale).ok()?).ok()
}

/// `part` as a percentage of `whole` (`part × 100 ÷ whole`), or `None` when
/// `whole` is zero or the result is beyond what a decimal holds.
///
/// ```
/// use socval_core::{Decimal, percent_of};
/// assert_eq!(percent_of(Decimal::ONE, Decimal::from(4)), Some(Decimal::from(25)));
/// assert_eq!(percent_of(Decimal::MAX, Decimal::new(1, 2)), None);
/// ```
pub fn percent_of(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    // Multiplying first keeps the digits the report has always printed; a
    // part too large for that is divided first.
    part.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|p| p.checked_div(whole))
        .or_else(|| part.checked_div(whole)?.checked_mul(Decimal::ONE_HUNDRED))
}

/// Digits with either no separators or a comma every three digits.
fn valid_grouping(int_part: &str) -> bool {
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return false;
    }
    if !int_part.contains(',') {
        return true;
    }
    let groups: Vec<&str> = int_part.split(',').collect();
    let first = groups[0];
    !first.is_empty() && first.len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)
}

impl fmt::Display for Gbp {
    /// Plain decimal pounds rounded to the penny (`1234.50`), as used in CSV
    /// and JSON. For people, see [`Gbp::display_pounds`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.round_pence().0;
        write!(f, "{r:.2}")
    }
}

impl Gbp {
    /// `£1,234.50` (or `-£5.00`), rounded half-even to the penny, for people.
    pub fn display_pounds(self) -> String {
        group_thousands(self.round_pence().0, 2)
    }

    /// `£1,235`, rounded half-even to the pound, for summary tables.
    pub fn display_whole_pounds(self) -> String {
        group_thousands(self.round_pounds().0, 0)
    }
}

fn group_thousands(value: Decimal, dp: usize) -> String {
    let text = format!("{:.*}", dp, value.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (text.clone(), None),
    };
    let grouped = group_digit_text(&int);
    let sign = if value.is_sign_negative() && !value.is_zero() {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}£{grouped}.{f}"),
        None => format!("{sign}£{grouped}"),
    }
}

/// `1234567` as `1,234,567`: a count written for people.
///
/// ```
/// assert_eq!(socval_core::group_digits(1_234_567), "1,234,567");
/// ```
pub fn group_digits(n: u64) -> String {
    group_digit_text(&n.to_string())
}

/// A run of digits (`"1234567"`) with a comma every three from the right.
pub fn group_digit_text(int: &str) -> String {
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

impl FromStr for Gbp {
    type Err = MoneyParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Gbp::parse(s)
    }
}

impl Neg for Gbp {
    type Output = Gbp;
    fn neg(self) -> Gbp {
        Gbp(-self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ways_councils_write_amounts() {
        let cases = [
            ("1234.56", "1234.56"),
            ("£1,234.56", "1234.56"),
            (" £ 1,234 ", "1234"),
            ("-£5", "-5"),
            ("£-5.10", "-5.10"),
            ("(5.00)", "-5.00"),
            ("+12", "12"),
            ("0.5229", "0.5229"),
            ("1,000,000", "1000000"),
        ];
        for (text, want) in cases {
            let got = Gbp::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(got.amount(), Decimal::from_str(want).unwrap(), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for text in [
            "",
            "£",
            "abc",
            "1,23",
            "12,3456",
            "1.2.3",
            "--5",
            "(-5)",
            "1.",
            "£1,2345",
            "5e3",
            "1000000000000.01",
            "-79228162514264337593543950335",
        ] {
            assert!(Gbp::parse(text).is_err(), "{text:?} should be refused");
        }
        let e = Gbp::parse("12,3456").unwrap_err();
        assert!(e.to_string().contains("\"12,3456\""), "{e}");
    }

    #[test]
    fn pence_are_exact_and_never_rounded() {
        assert_eq!(Gbp::parse("1.23").unwrap().to_pence(), Some(123));
        assert_eq!(Gbp::parse("-0.01").unwrap().to_pence(), Some(-1));
        assert_eq!(Gbp::parse("1.234").unwrap().to_pence(), None);
        assert_eq!(Gbp::from_pence(-250).to_string(), "-2.50");
    }

    #[test]
    fn presentation_rounds_half_even() {
        assert_eq!(Gbp::parse("0.125").unwrap().to_string(), "0.12");
        assert_eq!(Gbp::parse("0.135").unwrap().to_string(), "0.14");
        assert_eq!(
            Gbp::parse("1234567.5").unwrap().display_whole_pounds(),
            "£1,234,568"
        );
        assert_eq!(Gbp::parse("-999.994").unwrap().display_pounds(), "-£999.99");
        assert_eq!(Gbp::parse("100").unwrap().display_pounds(), "£100.00");
    }

    #[test]
    fn sums_are_exact() {
        let tenth = Gbp::parse("0.1").unwrap();
        let total = Gbp::checked_sum(std::iter::repeat_n(tenth, 10));
        assert_eq!(total, Some(Gbp::parse("1").unwrap()));
        let max = Gbp::new(Decimal::MAX);
        assert_eq!(
            max.checked_add(tenth.checked_mul_units(Decimal::TEN).unwrap()),
            None
        );
        assert_eq!(Gbp::checked_sum([max, max]), None);
    }

    #[test]
    fn sums_and_products_that_would_round_are_refused() {
        let g = |s: &str| Gbp::new(s.parse().unwrap());
        // 29 significant digits: a decimal holds the sum only by rounding
        // its last place, so the sum is refused rather than rounded.
        let big = g("40000000000000000.000000000001");
        assert_eq!(big.checked_add(big), None);
        assert_eq!(big.checked_sub(g("-40000000000000000.000000000001")), None);
        assert_eq!(Gbp::checked_sum([big, big]), None);
        // Ordinary sums keep every place.
        assert_eq!(g("0.1").checked_add(g("0.25")), Some(g("0.35")));
        assert_eq!(
            g("26272.995").checked_mul_units("531.06".parse().unwrap()),
            Some(g("13952536.7247"))
        );
        // A product needing more than 28 decimal places is refused.
        assert_eq!(g("0.000001").checked_mul_units(Decimal::new(1, 28)), None);
        // More digits than a decimal holds are refused, not rounded.
        assert!(Gbp::parse("77778.0001007790010077777777937").is_err());
        // Trailing zeros rounded away lose nothing (all found by fuzzing
        // money).
        assert_eq!(
            g("0.9100000018446744073709551615").checked_mul_units(crate::limits::MAX_UNITS),
            Some(g("910000001844.6744073709551615"))
        );
        assert_eq!(
            g("0.4611686018427387904").checked_mul_units(crate::limits::MAX_UNITS),
            Some(g("461168601842.7387904"))
        );
        let zeros = g("202000000.000000000");
        assert_eq!(
            zeros.checked_mul_units(crate::limits::MAX_UNITS),
            Some(g("202000000000000000000"))
        );
        assert_eq!(zeros.checked_add(zeros), Some(g("404000000")));
        // The largest amount times the largest units is still exact.
        let most = Gbp::new(crate::limits::MAX_AMOUNT);
        assert!(most.checked_mul_units(crate::limits::MAX_UNITS).is_some());
    }
}
