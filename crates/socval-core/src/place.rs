//! Where a supplier is, in the two ways the policy cares about: local, in
//! the wider region or outside it (the report's graphs 1-2, the quotes rule);
//! and whether its area is among the nation's most deprived (graph 4).
//!
//! One type each, used by every crate: `socval-geo` classifies postcodes
//! into them, `socval-spend` totals payments by them, the quotes rule reads
//! them, the store keeps them as their [`LocationClass::as_str`] text.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Where a supplier is, relative to an organisation's local definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LocationClass {
    /// In the organisation's own area (or within its radius).
    Local,
    /// In the wider region, outside the own area.
    Region,
    /// Elsewhere.
    Outside,
    /// Cannot be placed: no postcode, or one that does not locate.
    Unknown,
}

impl LocationClass {
    /// The four classes in report order.
    pub const ALL: [LocationClass; 4] = [
        LocationClass::Local,
        LocationClass::Region,
        LocationClass::Outside,
        LocationClass::Unknown,
    ];

    /// The classes a quote can have: a quoting supplier is always placed.
    pub const KNOWN: [LocationClass; 3] = [
        LocationClass::Local,
        LocationClass::Region,
        LocationClass::Outside,
    ];

    /// `local`, `region`, `outside` or `unknown`: as in files, JSON and
    /// the database.
    pub fn as_str(self) -> &'static str {
        match self {
            LocationClass::Local => "local",
            LocationClass::Region => "region",
            LocationClass::Outside => "outside",
            LocationClass::Unknown => "unknown",
        }
    }
}

impl fmt::Display for LocationClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that is not one of `local`, `region`, `outside`, `unknown`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassParseError(pub String);

impl fmt::Display for ClassParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a location (local, region, outside or unknown)",
            self.0
        )
    }
}

impl std::error::Error for ClassParseError {}

impl FromStr for LocationClass {
    type Err = ClassParseError;

    /// Exactly [`LocationClass::as_str`]'s words.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LocationClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| ClassParseError(s.to_string()))
    }
}

/// Membership of the nationally most deprived areas (IMD rank). The groups
/// nest: an area in the 1% is also in the 10% and the 20%; the band is the
/// smallest group it is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum DeprivedBand {
    /// The most deprived 1%.
    #[serde(rename = "1%")]
    Top1,
    /// The most deprived 10% (and not the 1%).
    #[serde(rename = "10%")]
    Top10,
    /// The most deprived 20% (and not the 10%).
    #[serde(rename = "20%")]
    Top20,
}

impl DeprivedBand {
    /// The three bands, most deprived first.
    pub const ALL: [DeprivedBand; 3] =
        [DeprivedBand::Top1, DeprivedBand::Top10, DeprivedBand::Top20];

    /// `1%`, `10%` or `20%`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeprivedBand::Top1 => "1%",
            DeprivedBand::Top10 => "10%",
            DeprivedBand::Top20 => "20%",
        }
    }

    /// The percentage: 1, 10 or 20.
    pub fn percent(self) -> u32 {
        match self {
            DeprivedBand::Top1 => 1,
            DeprivedBand::Top10 => 10,
            DeprivedBand::Top20 => 20,
        }
    }
}

impl fmt::Display for DeprivedBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_read_back_what_they_write() {
        for c in LocationClass::ALL {
            assert_eq!(c.as_str().parse::<LocationClass>(), Ok(c));
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{c}\""));
        }
        assert!("Local".parse::<LocationClass>().is_err());
        assert!("".parse::<LocationClass>().is_err());
    }

    #[test]
    fn bands_serialise_as_percentages() {
        let got: Vec<String> = DeprivedBand::ALL
            .iter()
            .map(|b| serde_json::to_string(b).unwrap())
            .collect();
        assert_eq!(got, ["\"1%\"", "\"10%\"", "\"20%\""]);
        assert!(DeprivedBand::Top1 < DeprivedBand::Top20);
    }
}
