//! [`LocationResolver`] over `socval-geo`: the postcode directory, the
//! deprivation file and a local definition.

use socval_geo::{GeoData, LocalDefinition};

use crate::location::{LocationResolver, SupplierLocation};

/// The resolver when no postcode directory has been imported: every
/// supplier's location is unknown, with that reason.
pub struct NoDirectory;

impl LocationResolver for NoDirectory {
    fn resolve(&self, _: &str) -> SupplierLocation {
        SupplierLocation::unknown("no postcode directory imported")
    }
}

/// Resolves supplier postcodes with an imported postcode directory.
pub struct GeoResolver<'a> {
    geo: &'a GeoData,
    def: &'a LocalDefinition,
}

impl<'a> GeoResolver<'a> {
    /// Classifies against `def` (own authority, region, origin for distances).
    pub fn new(geo: &'a GeoData, def: &'a LocalDefinition) -> Self {
        GeoResolver { geo, def }
    }
}

impl LocationResolver for GeoResolver<'_> {
    fn resolve(&self, postcode: &str) -> SupplierLocation {
        let c = self.geo.classify(self.def, postcode);
        let rec = c.record;
        let ward = rec.and_then(|r| r.ward).map(str::to_string);
        SupplierLocation {
            class: c.class,
            postcode: c.postcode.map(|p| p.to_string()),
            lad: rec.and_then(|r| r.lad).map(str::to_string),
            ward_name: ward
                .as_deref()
                .and_then(|w| self.geo.names.get(w))
                .map(str::to_string),
            ward,
            lsoa: rec.and_then(|r| r.lsoa21.or(r.lsoa11)).map(str::to_string),
            band: c.most_deprived(),
            deprivation_known: c.imd().is_some(),
            distance_km: c.distance_km,
            terminated: rec.is_some_and(|r| r.terminated),
            unknown_reason: c.reason.map(|r| r.as_str().to_string()),
        }
    }
}
