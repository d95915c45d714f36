//! The local definition options shared by `lookup` and `classify`.

use anyhow::{Context, Result};
use socval_geo::{Distance, GeoData, LocalDefinition, ROTHERHAM};

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
    /// Where distances are measured from: a postcode or `lat,long`
    /// (default: Rotherham Town Hall, S60 2TH, when --local is Rotherham's;
    /// for another authority no distances unless given).
    #[arg(long, value_name = "POSTCODE|LAT,LONG")]
    pub from: Option<String>,
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
        let origin = geo.origin(&def, self.from.as_deref()).context("--from")?;
        Ok(match (self.radius, origin) {
            (Some(r), Some(o)) => def.with_radius(r, o),
            (Some(_), None) => anyhow::bail!(
                "--radius needs --from (a point with coordinates to measure it from) when --local is not Rotherham's or the index has no coordinates for its town hall"
            ),
            (None, Some(o)) => def.with_origin(o),
            (None, None) => def,
        })
    }
}
