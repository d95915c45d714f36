//! Company and charity numbers, normalised as the registers write them.
//!
//! A **company number** is 8 characters: 8 digits (`08911274`), or a prefix
//! of one or two letters that says which register or jurisdiction
//! (`SC` Scotland, `NI` Northern Ireland, `OC` LLP, `R` Northern Ireland
//! before 1922, ...) followed by digits zero-padded to 8 characters in all
//! (`SC012345`, `R0000123`); industrial and provident societies carry a
//! trailing `R` (`IP01234R`). Councils write them without the leading zeros
//! (`8911274`), in lower case, with spaces or dots, or as a spreadsheet
//! turned them into numbers (`8911274.0`): [`CompanyNumber::parse`] accepts
//! all of these and rejects what no register could hold, saying why.
//!
//! A **charity number** is the Charity Commission's registered number with
//! the optional linked (subsidiary) number: `1234567`, `1234567-1`,
//! `1234567 - 1`. Linked number 0 is the main charity.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// The prefixes Companies House gives company numbers (upper case). A
/// letter prefix not in this list is refused rather than guessed at.
pub const COMPANY_PREFIXES: &[&str] = &[
    "AC", // assurance company
    "BR", // UK establishment of an overseas company (branch)
    "CE", // charitable incorporated organisation
    "CS", // Scottish charitable incorporated organisation
    "FC", // overseas company
    "FE", // overseas company (EEA)
    "GE", // European economic interest grouping
    "GN", // EEIG, Northern Ireland
    "GS", // EEIG, Scotland
    "IC", // investment company with variable capital
    "IP", // industrial and provident society
    "LP", // limited partnership
    "NA", // Northern Ireland assurance company
    "NC", // Northern Ireland LLP
    "NF", // Northern Ireland overseas company
    "NI", // Northern Ireland company
    "NL", // Northern Ireland limited partnership
    "NO", // Northern Ireland overseas LLP
    "NP", // Northern Ireland industrial and provident society
    "NR", // Northern Ireland royal charter
    "NV", // Northern Ireland ICVC
    "NZ", // Northern Ireland, not a company
    "OC", // limited liability partnership
    "OE", // overseas entity
    "PC", // protected cell company
    "R",  // Northern Ireland, registered before 1922
    "RC", // royal charter
    "RS", // registered society
    "SA", // Scottish assurance company
    "SC", // Scottish company
    "SE", // European public limited company (Societas Europaea)
    "SF", // Scottish overseas company
    "SG", // Scottish qualifying partnership
    "SI", // Scottish ICVC
    "SL", // Scottish limited partnership
    "SO", // Scottish LLP
    "SP", // Scottish industrial and provident society
    "SR", // Scottish royal charter
    "SZ", // Scottish, not a company
    "ZC", // unregistered company
];

/// Prefixes whose numbers may end in the letter `R` (`IP01234R`).
const SUFFIX_R: &[&str] = &["IP", "SP", "NP"];

/// What councils write where there is no number. Refused with their own
/// reason so that a summary can count them apart from typing mistakes.
const PLACEHOLDERS: &[&str] = &[
    "NA", "N/A", "#N/A", "NONE", "NIL", "-", "--", "REDACTED", "UNKNOWN", "TBC", "NULL", "0",
];

/// Why a text is not a company or charity number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {what}: {reason}")]
pub struct InvalidNumber {
    /// The text as given.
    pub value: String,
    /// `company number` or `charity number`.
    pub what: &'static str,
    /// Why, in words a person can act on.
    pub reason: &'static str,
}

impl InvalidNumber {
    /// True when the text is a placeholder for "no number" (empty, `N/A`,
    /// `Nil`, ...), not a malformed number.
    pub fn is_blank(&self) -> bool {
        self.reason == EMPTY || self.reason == PLACEHOLDER
    }
}

const EMPTY: &str = "it is empty";
const PLACEHOLDER: &str = "it says there is no number";

/// The text to read as a `what`, trimmed, with an error maker naming it;
/// an error when it is empty or a placeholder.
fn start<'t>(
    text: &'t str,
    what: &'static str,
) -> Result<(&'t str, impl Fn(&'static str) -> InvalidNumber), InvalidNumber> {
    let value = text.to_owned();
    let err = move |reason| InvalidNumber {
        value: value.clone(),
        what,
        reason,
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(err(EMPTY));
    }
    if PLACEHOLDERS.contains(&t.to_ascii_uppercase().as_str()) {
        return Err(err(PLACEHOLDER));
    }
    Ok((t, err))
}

/// A Companies House company number, always 8 upper-case ASCII letters and
/// digits (`08911274`, `SC012345`).
///
/// ```
/// use socval_register::CompanyNumber;
/// assert_eq!(CompanyNumber::parse("8911274").unwrap().as_str(), "08911274");
/// assert_eq!(CompanyNumber::parse("sc 12345").unwrap().as_str(), "SC012345");
/// assert!(CompanyNumber::parse("N/A").is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CompanyNumber([u8; 8]);

impl CompanyNumber {
    /// Reads a company number as councils and registers write it.
    ///
    /// Returns an error saying why when it is empty or a placeholder
    /// (`N/A`), all zeros, too long, has letters other than a known prefix
    /// (and the `R` that ends an industrial and provident society's
    /// number), or has characters other than letters and digits.
    pub fn parse(text: &str) -> Result<CompanyNumber, InvalidNumber> {
        let (t, err) = start(text, "company number")?;
        // A spreadsheet that took the number for a number: `8911274.0`.
        // Other dots are dropped (`SC.012345`), but not the point of a
        // fraction, which would make `8911274.5` a different company.
        let all_digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        let t = match t.split_once('.') {
            Some((int, frac)) if all_digits(int) && all_digits(frac) => {
                if frac.bytes().any(|b| b != b'0') {
                    return Err(err("it is a number with a fraction"));
                }
                int
            }
            _ => t,
        };
        let mut s = String::with_capacity(8);
        for c in t.chars() {
            if c.is_whitespace() || c == '.' {
                continue;
            }
            if !c.is_ascii_alphanumeric() {
                return Err(err("it has characters other than letters and digits"));
            }
            s.push(c.to_ascii_uppercase());
        }
        let letters = s.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (prefix, rest) = s.split_at(letters);
        let n_digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (digits, suffix) = rest.split_at(n_digits);
        if digits.is_empty() {
            return Err(err("it has no digits"));
        }
        let r_suffix = suffix == "R" && SUFFIX_R.contains(&prefix);
        if !suffix.is_empty() && !r_suffix {
            return Err(err("it has letters after the digits"));
        }
        if !prefix.is_empty() && !COMPANY_PREFIXES.contains(&prefix) {
            return Err(err(
                "it starts with letters that are not a Companies House prefix (SC, NI, OC, ...)",
            ));
        }
        let significant = digits.trim_start_matches('0');
        if significant.is_empty() {
            return Err(err("it is all zeros"));
        }
        let width = 8 - prefix.len() - suffix.len();
        if significant.len() > width {
            return Err(err("it is too long: company numbers have 8 characters"));
        }
        let mut out = [b'0'; 8];
        out[..prefix.len()].copy_from_slice(prefix.as_bytes());
        let end = 8 - suffix.len();
        out[end - significant.len()..end].copy_from_slice(significant.as_bytes());
        out[end..].copy_from_slice(suffix.as_bytes());
        Ok(CompanyNumber(out))
    }

    /// The number as Companies House writes it.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters and digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The prefix (`SC`, `R`), empty for an all-digit number.
    pub fn prefix(&self) -> &str {
        let n = self
            .0
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        &self.as_str()[..n]
    }

    /// The number as a sort key: its 8 bytes, big-endian, so keys sort as
    /// the numbers do.
    pub fn key(&self) -> u64 {
        u64::from_be_bytes(self.0)
    }

    /// The number a key was made from, if it is one.
    pub fn from_key(key: u64) -> Option<CompanyNumber> {
        let b = key.to_be_bytes();
        b.iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            .then_some(CompanyNumber(b))
    }
}

impl fmt::Display for CompanyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CompanyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CompanyNumber({})", self.as_str())
    }
}

impl FromStr for CompanyNumber {
    type Err = InvalidNumber;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CompanyNumber::parse(s)
    }
}

impl Serialize for CompanyNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The largest registered charity number the Charity Commission issues
/// fits in 7 digits.
const MAX_CHARITY: u32 = 9_999_999;
/// Linked (subsidiary) numbers are small; this bounds a typing mistake.
const MAX_LINKED: u32 = 9_999;

/// A Charity Commission for England and Wales charity number with its
/// linked number (0 for the main charity).
///
/// ```
/// use socval_register::CharityNumber;
/// let n = CharityNumber::parse("1234567 - 1").unwrap();
/// assert_eq!((n.number(), n.linked()), (1234567, 1));
/// assert_eq!(n.to_string(), "1234567-1");
/// assert_eq!(CharityNumber::parse("1234567").unwrap().to_string(), "1234567");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct CharityNumber {
    number: u32,
    linked: u32,
}

impl CharityNumber {
    /// A charity number from its parts.
    ///
    /// Returns an error if `number` is 0 or longer than 7 digits, or
    /// `linked` is over 9999.
    pub fn new(number: u32, linked: u32) -> Result<CharityNumber, InvalidNumber> {
        let err = |reason| InvalidNumber {
            value: format!("{number}-{linked}"),
            what: "charity number",
            reason,
        };
        if number == 0 {
            return Err(err("it is all zeros"));
        }
        if number > MAX_CHARITY {
            return Err(err("it is too long: charity numbers have up to 7 digits"));
        }
        if linked > MAX_LINKED {
            return Err(err("its linked number is too large"));
        }
        Ok(CharityNumber { number, linked })
    }

    /// Reads `1234567`, `1234567-1` or `1234567 - 1` (spaces anywhere, and
    /// `/` for `-`).
    ///
    /// Returns an error saying why for an empty or placeholder value,
    /// anything but digits, all zeros, or more than 7 digits.
    pub fn parse(text: &str) -> Result<CharityNumber, InvalidNumber> {
        let (t, err) = start(text, "charity number")?;
        let s: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        let (main, linked) = match s.split_once(['-', '/']) {
            Some((m, l)) => (m, Some(l)),
            None => (s.as_str(), None),
        };
        let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        if !digits(main) || linked.is_some_and(|l| !digits(l)) {
            return Err(err(
                "it is not digits with an optional linked number (1234567-1)",
            ));
        }
        let main = main.trim_start_matches('0');
        if main.len() > 7 {
            return Err(err("it is too long: charity numbers have up to 7 digits"));
        }
        let number: u32 = main.parse().unwrap_or(0);
        let linked = match linked.map(|l| l.trim_start_matches('0')) {
            None | Some("") => 0,
            Some(l) if l.len() > 4 => return Err(err("its linked number is too large")),
            Some(l) => l.parse().unwrap_or(0),
        };
        CharityNumber::new(number, linked).map_err(|e| err(e.reason))
    }

    /// The registered charity number.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The linked number, 0 for the main charity.
    pub fn linked(&self) -> u32 {
        self.linked
    }

    /// The number as a sort key: registered number, then linked number.
    pub fn key(&self) -> u64 {
        (u64::from(self.number) << 32) | u64::from(self.linked)
    }

    /// The number a key was made from, if it is one.
    pub fn from_key(key: u64) -> Option<CharityNumber> {
        CharityNumber::new((key >> 32) as u32, key as u32).ok()
    }
}

impl fmt::Display for CharityNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.linked == 0 {
            write!(f, "{}", self.number)
        } else {
            write!(f, "{}-{}", self.number, self.linked)
        }
    }
}

impl FromStr for CharityNumber {
    type Err = InvalidNumber;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CharityNumber::parse(s)
    }
}

impl Serialize for CharityNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_numbers() {
        let ok = [
            ("8911274", "08911274"),
            ("08911274", "08911274"),
            (" 0891 1274 ", "08911274"),
            ("8911274.0", "08911274"),
            ("SC.012345", "SC012345"),
            ("sc123456", "SC123456"),
            ("SC12345", "SC012345"),
            ("sc 012345", "SC012345"),
            ("R123", "R0000123"),
            ("ni 1", "NI000001"),
            ("OC301234", "OC301234"),
            ("ip1234r", "IP01234R"),
            ("0008911274", "08911274"),
            ("1", "00000001"),
        ];
        for (given, want) in ok {
            let n = CompanyNumber::parse(given).unwrap_or_else(|e| panic!("{given}: {e}"));
            assert_eq!(n.as_str(), want, "{given}");
        }
        let bad = [
            ("", EMPTY),
            ("  ", EMPTY),
            ("N/A", PLACEHOLDER),
            ("#n/a", PLACEHOLDER),
            ("Nil", PLACEHOLDER),
            ("0", PLACEHOLDER),
            ("00000000", "it is all zeros"),
            ("SC000000", "it is all zeros"),
            (
                "123456789",
                "it is too long: company numbers have 8 characters",
            ),
            (
                "SC1234567",
                "it is too long: company numbers have 8 characters",
            ),
            ("1234A567", "it has letters after the digits"),
            ("SC12345X", "it has letters after the digits"),
            ("SC", "it has no digits"),
            (
                "XY123456",
                "it starts with letters that are not a Companies House prefix (SC, NI, OC, ...)",
            ),
            ("12-345", "it has characters other than letters and digits"),
            ("8911274.5", "it is a number with a fraction"),
        ];
        for (given, reason) in bad {
            let e = CompanyNumber::parse(given).expect_err(given);
            assert_eq!(e.reason, reason, "{given}");
        }
        assert!(CompanyNumber::parse("n/a").unwrap_err().is_blank());
        assert!(!CompanyNumber::parse("SC").unwrap_err().is_blank());
    }

    #[test]
    fn company_keys_sort_as_numbers_and_round_trip() {
        let a = CompanyNumber::parse("08911274").unwrap();
        let b = CompanyNumber::parse("SC012345").unwrap();
        assert!(a.key() < b.key());
        assert_eq!(CompanyNumber::from_key(b.key()), Some(b));
        assert_eq!(b.prefix(), "SC");
        assert_eq!(a.prefix(), "");
    }

    #[test]
    fn charity_numbers() {
        let ok = [
            ("1234567", (1234567, 0), "1234567"),
            ("1234567-1", (1234567, 1), "1234567-1"),
            ("1234567 - 1", (1234567, 1), "1234567-1"),
            ("1234567/2", (1234567, 2), "1234567-2"),
            ("0216250", (216250, 0), "216250"),
            ("1234567-0", (1234567, 0), "1234567"),
        ];
        for (given, (n, l), shown) in ok {
            let c = CharityNumber::parse(given).unwrap_or_else(|e| panic!("{given}: {e}"));
            assert_eq!((c.number(), c.linked()), (n, l), "{given}");
            assert_eq!(c.to_string(), shown);
            assert_eq!(CharityNumber::from_key(c.key()), Some(c));
        }
        for bad in [
            "",
            "N/A",
            "0000000",
            "12345678",
            "12a4567",
            "1234567-",
            "-1",
            "1234567-12345",
        ] {
            assert!(CharityNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
