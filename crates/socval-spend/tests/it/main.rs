//! Integration tests of socval-spend: real Sheffield payments, the store,
//! and the analyses against a plain row-by-row model.

mod model;
mod sheet;
mod sheffield;
mod store;

use std::collections::HashMap;
use std::path::PathBuf;

use socval_spend::{DeprivedBand, LocationClass, LocationResolver, SupplierLocation};

/// `../shared/data` relative to the project root.
pub fn shared_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// A resolver from a plain table: postcode → location.
pub struct TableResolver(pub HashMap<String, SupplierLocation>);

impl LocationResolver for TableResolver {
    fn resolve(&self, postcode: &str) -> SupplierLocation {
        self.0
            .get(postcode)
            .cloned()
            .unwrap_or_else(|| SupplierLocation::unknown("not-found"))
    }
}

/// A location with the given class, ward and band.
pub fn loc(
    class: LocationClass,
    ward: Option<&str>,
    band: Option<DeprivedBand>,
) -> SupplierLocation {
    SupplierLocation {
        class,
        postcode: None,
        lad: None,
        ward: ward.map(str::to_string),
        ward_name: ward.map(|w| format!("Ward {w}")),
        lsoa: None,
        band,
        deprivation_known: true,
        distance_km: None,
        terminated: false,
        unknown_reason: (class == LocationClass::Unknown).then(|| "not-found".to_string()),
    }
}
