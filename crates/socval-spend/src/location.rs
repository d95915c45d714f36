//! Where a supplier is, as the analyses need it. The analyses consume
//! [`SupplierLocation`] values and do not care where they come from: the
//! CLI resolves them with `socval-geo`; tests build them from a table.

use serde::Serialize;
pub use socval_core::{DeprivedBand, LocationClass};

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
