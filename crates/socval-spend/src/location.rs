//! Where a supplier is, as the analyses need it. The analyses consume
//! [`SupplierLocation`] values and do not care where they come from: the
//! CLI resolves them with `socval-geo`; tests build them from a table.

use serde::Serialize;

/// Local / rest of region / outside / unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LocationClass {
    /// In the council's own area.
    Local,
    /// In the wider region, outside the own area.
    Region,
    /// Elsewhere.
    Outside,
    /// Not known: no register entry, no postcode, or a postcode that does
    /// not locate (see the reason).
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

    /// `local`, `region`, `outside`, `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            LocationClass::Local => "local",
            LocationClass::Region => "region",
            LocationClass::Outside => "outside",
            LocationClass::Unknown => "unknown",
        }
    }
}

/// The most deprived group (nationally, by IMD rank) an LSOA belongs to.
/// The groups nest: an LSOA in the 1% is also in the 10% and the 20%.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum DeprivedBand {
    /// The most deprived 1%.
    #[serde(rename = "1%")]
    P1,
    /// The most deprived 10% (and not the 1%).
    #[serde(rename = "10%")]
    P10,
    /// The most deprived 20% (and not the 10%).
    #[serde(rename = "20%")]
    P20,
}

impl DeprivedBand {
    /// `1%`, `10%`, `20%`.
    pub fn name(self) -> &'static str {
        match self {
            DeprivedBand::P1 => "1%",
            DeprivedBand::P10 => "10%",
            DeprivedBand::P20 => "20%",
        }
    }
}

/// One supplier's resolved location.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SupplierLocation {
    /// The class.
    pub class: LocationClass,
    /// The postcode, normalised, when it parsed.
    pub postcode: Option<String>,
    /// Local authority district code.
    pub lad: Option<String>,
    /// Ward code.
    pub ward: Option<String>,
    /// Ward name.
    pub ward_name: Option<String>,
    /// LSOA code.
    pub lsoa: Option<String>,
    /// The most deprived group its LSOA is in; `None` if in none, or if
    /// there is no deprivation figure (see `deprivation_known`).
    pub band: Option<DeprivedBand>,
    /// False when the LSOA has no deprivation figure in the imported vintage.
    pub deprivation_known: bool,
    /// Distance from the local definition's centre.
    pub distance_km: Option<f64>,
    /// The postcode is terminated (still located, but flagged).
    pub terminated: bool,
    /// Why the class is unknown (`no postcode`, `invalid`, `not found`, …).
    pub unknown_reason: Option<String>,
}

impl SupplierLocation {
    /// An unknown location, with the reason.
    pub fn unknown(reason: &str) -> Self {
        SupplierLocation {
            class: LocationClass::Unknown,
            postcode: None,
            lad: None,
            ward: None,
            ward_name: None,
            lsoa: None,
            band: None,
            deprivation_known: false,
            distance_km: None,
            terminated: false,
            unknown_reason: Some(reason.to_string()),
        }
    }
}

/// Turns a postcode into a location. Implemented over `socval-geo` by the
/// CLI, and by tables in tests.
pub trait LocationResolver {
    /// The location of `postcode` (any spelling). Never fails: what cannot
    /// be located is [`LocationClass::Unknown`] with a reason.
    fn resolve(&self, postcode: &str) -> SupplierLocation;
}
