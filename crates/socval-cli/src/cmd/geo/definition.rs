//! The local definition options shared by `lookup` and `classify`.

use anyhow::{Context, Result};
use socval_geo::{Distance, GeoData, LocalDefinition, ROTHERHAM, ROTHERHAM_TOWN_HALL};

/// What counts as local, region and where distances are measured from.
#[derive(clap::Args, Debug, Clone)]
pub struct DefinitionArgs {
    /// Own authority LAD codes (comma-separated or repeated). Successor
    /// codes match too (E08000019 also matches E08000039).
    #[arg(long, value_delimiter = ',', default_value = ROTHERHAM, value_name = "LAD")]
    pub local: Vec<String>,
    /// The wider region: a preset (scr-ca, scr-lep), LAD codes
    /// (comma-separated), or `none`.
    #[arg(long, default_value = "scr-ca", value_name = "PRESET|LADS")]
    pub region: String,
    /// Also count as local anything within this distance of --from, e.g. 20km or 10mi.
    #[arg(long, value_name = "DISTANCE")]
    pub radius: Option<Distance>,
    /// Where distances are measured from: a postcode or `lat,long`.
    #[arg(long, default_value = ROTHERHAM_TOWN_HALL, value_name = "POSTCODE|LAT,LONG")]
    pub from: String,
    /// Classify terminated postcodes by their last known area instead of as unknown.
    #[arg(long)]
    pub accept_terminated: bool,
}

impl DefinitionArgs {
    /// Builds the definition, resolving --from against the index.
    pub fn build(&self, geo: &GeoData) -> Result<LocalDefinition> {
        let mut def = LocalDefinition::from_user(&self.local, &self.region)
            .map_err(|e| anyhow::anyhow!("--{e}"))?
            .accepting_terminated(self.accept_terminated);
        if def.lads == [ROTHERHAM] {
            def.name = "Rotherham".to_string();
        }
        let origin = geo.point(&self.from);
        match (self.radius, origin) {
            (Some(r), Ok(o)) => def = def.with_radius(r, o),
            (Some(_), Err(e)) => {
                return Err(e).context("--radius needs a --from point with coordinates");
            }
            (None, Ok(o)) => def = def.with_origin(o),
            // No coordinates for the default origin (e.g. an index built
            // from NSPL without coordinates): distances are left empty.
            (None, Err(_)) if self.from == ROTHERHAM_TOWN_HALL => {}
            (None, Err(e)) => return Err(e).context("--from"),
        }
        Ok(def)
    }
}
