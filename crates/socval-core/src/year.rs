//! UK public-sector financial years, 1 April to 31 March, written `2019/20`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

/// A financial year running 1 April to 31 March, named by the calendar year
/// it starts in and written `2019/20`.
///
/// ```
/// use socval_core::FinancialYear;
/// use time::macros::date;
/// let fy: FinancialYear = "2019/20".parse().unwrap();
/// assert_eq!(fy, FinancialYear::containing(date!(2020 - 03 - 31)));
/// assert_eq!(fy.next().to_string(), "2020/21");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FinancialYear {
    start: i32,
}

/// Why a text could not be read as a financial year.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{value:?} is not a financial year socval accepts (write one from 1990/91 to 2099/00 like 2019/20; 2019-20 and 2019/2020 are accepted too)"
)]
pub struct YearParseError {
    /// The text as given.
    pub value: String,
}

impl FinancialYear {
    /// The financial year starting 1 April of `start_year`.
    pub const fn starting(start_year: i32) -> Self {
        FinancialYear { start: start_year }
    }

    /// The financial year a date falls in.
    pub fn containing(date: Date) -> Self {
        let y = date.year();
        if date.month() >= Month::April {
            Self::starting(y)
        } else {
            Self::starting(y - 1)
        }
    }

    /// The calendar year the financial year starts in.
    pub const fn start_year(self) -> i32 {
        self.start
    }

    /// 1 April.
    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.start, Month::April, 1).unwrap_or(Date::MIN)
    }

    /// 31 March of the following calendar year.
    pub fn last_day(self) -> Date {
        // Years are bounded where they are read (`limits::check_year`); one
        // made by arithmetic past the calendar's end ends with the calendar.
        Date::from_calendar_date(self.start.saturating_add(1), Month::March, 31)
            .unwrap_or(Date::MAX)
    }

    /// True if `date` falls in this financial year.
    pub fn contains(self, date: Date) -> bool {
        Self::containing(date) == self
    }

    /// The year after.
    pub const fn next(self) -> Self {
        Self::starting(self.start.saturating_add(1))
    }

    /// The year before.
    pub const fn previous(self) -> Self {
        Self::starting(self.start.saturating_sub(1))
    }
}

impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{:02}",
            self.start,
            (self.start.saturating_add(1)).rem_euclid(100)
        )
    }
}

impl FromStr for FinancialYear {
    type Err = YearParseError;

    /// Accepts `2019/20`, `2019-20`, `2019/2020` and `2019-2020`; the second
    /// year must follow the first.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || YearParseError {
            value: s.to_string(),
        };
        let t = s.trim();
        let (a, b) = t.split_once(['/', '-']).ok_or_else(err)?;
        if a.len() != 4
            || !a.bytes().all(|c| c.is_ascii_digit())
            || !b.bytes().all(|c| c.is_ascii_digit())
        {
            return Err(err());
        }
        let start: i32 = a.parse().map_err(|_| err())?;
        let follows = match b.len() {
            2 => b.parse::<i32>().map_err(|_| err())? == (start + 1).rem_euclid(100),
            4 => b.parse::<i32>().map_err(|_| err())? == start + 1,
            _ => false,
        };
        if follows {
            crate::limits::check_year(Self::starting(start)).map_err(|_| err())
        } else {
            Err(err())
        }
    }
}

impl Serialize for FinancialYear {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FinancialYear {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn years_run_april_to_march() {
        let cases = [
            (date!(2019 - 04 - 01), "2019/20"),
            (date!(2020 - 03 - 31), "2019/20"),
            (date!(2020 - 04 - 01), "2020/21"),
            (date!(2019 - 03 - 31), "2018/19"),
            (date!(1999 - 06 - 30), "1999/00"),
        ];
        for (d, want) in cases {
            assert_eq!(FinancialYear::containing(d).to_string(), want, "{d}");
        }
    }

    #[test]
    fn parses_the_usual_spellings() {
        for text in ["2019/20", "2019-20", "2019/2020", " 2019-2020 "] {
            assert_eq!(
                text.parse::<FinancialYear>().unwrap(),
                FinancialYear::starting(2019),
                "{text}"
            );
        }
        assert_eq!(
            "1999/00".parse::<FinancialYear>().unwrap(),
            FinancialYear::starting(1999)
        );
        for text in [
            "2019",
            "2019/21",
            "19/20",
            "2019/2021",
            "",
            "abcd/ef",
            "9999-00",
            "1989/90",
            "2100/01",
        ] {
            assert!(text.parse::<FinancialYear>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn bounds() {
        let fy = FinancialYear::starting(2019);
        assert_eq!(fy.first_day(), date!(2019 - 04 - 01));
        assert_eq!(fy.last_day(), date!(2020 - 03 - 31));
        assert!(fy.contains(date!(2019 - 12 - 25)));
        assert_eq!(fy.previous().to_string(), "2018/19");
    }
}
