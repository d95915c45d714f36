//! The spend section's input read from a data directory: the payments of a
//! spend area (the instance's, or one organisation's), the supplier
//! register, and the postcode directory and deprivation figures imported
//! with `socval geo`. One function for the CLI (`socval report annual`)
//! and the portal's report page, so both compute the same figures.

use std::path::Path;

use socval_core::FinancialYear;
use socval_geo::{GeoData, LocalDefinition};
use socval_spend::{
    Analysed, AnalysisOptions, AreaSettings, GeoResolver, LocationResolver, NoDirectory, SpendStore,
};

use crate::build::{SpendAnalysis, SpendInput, SpendProvenance};
use crate::error::{Error, Result};

/// What the spend section is computed for: the year, the comparison year,
/// the top N and what "local" means.
#[derive(Clone, Debug)]
pub struct SpendSettings {
    /// The year reported.
    pub year: FinancialYear,
    /// The year to compare with.
    pub compare: Option<FinancialYear>,
    /// How many top suppliers to single out.
    pub top: usize,
    /// Own authority LAD codes (successor codes match too).
    pub local: Vec<String>,
    /// The wider region: a preset (`scr-ca`, `scr-lep`), LAD codes separated
    /// by commas, or `none`.
    pub region: String,
    /// The organisation whose spend area is read, for the sources (`--org`).
    pub org: Option<String>,
    /// Where distances are measured from: a postcode or `lat,long`. None:
    /// Rotherham Town Hall when local is Rotherham, else no distances.
    pub from: Option<String>,
}

impl SpendSettings {
    /// The defaults of a spend area without settings ([`AreaSettings`]'s):
    /// top 300, local Rotherham, region the Sheffield City Region combined
    /// authority.
    pub fn new(year: FinancialYear, compare: Option<FinancialYear>) -> SpendSettings {
        SpendSettings::for_area(&AreaSettings::default(), year, compare)
    }

    /// The settings of a spend area for a report of `year` compared with
    /// `compare`.
    pub fn for_area(
        area: &AreaSettings,
        year: FinancialYear,
        compare: Option<FinancialYear>,
    ) -> SpendSettings {
        SpendSettings {
            year,
            compare,
            top: area.top,
            local: area.local.clone(),
            region: area.region.clone(),
            org: None,
            from: area.from.clone(),
        }
    }
}

/// The local definition of `s`, named from the postcode directory's LAD
/// names when there is one.
///
/// Returns an error if no LAD code is given.
pub fn local_definition(s: &SpendSettings, geo: Option<&GeoData>) -> Result<LocalDefinition> {
    let mut def = LocalDefinition::from_user(&s.local, &s.region)
        .map_err(|e| Error::Input(format!("--{e}")))?;
    if let ([one], Some(g)) = (def.lads.as_slice(), geo)
        && let Some(name) = g.names.get(one)
    {
        def.name = name.to_string();
    }
    let origin = match geo {
        Some(g) => g.origin(&def, s.from.as_deref()).map_err(|e| {
            Error::Input(format!(
                "--from {}: {e} (where distances are measured from)",
                s.from.as_deref().unwrap_or_default()
            ))
        })?,
        None => None,
    };
    if let Some(o) = origin {
        def = def.with_origin(o);
    }
    Ok(def)
}

/// `Rotherham (LAD E08000018); region scr-ca (LADs ...)`.
pub fn describe_definition(def: &LocalDefinition) -> String {
    let mut s = format!("{} (LAD {})", def.name, def.lads.join(", "));
    match &def.region {
        Some(r) => s.push_str(&format!("; region {} (LADs {})", r.name, r.lads.join(", "))),
        None => s.push_str("; no wider region"),
    }
    s
}

/// Opens the postcode directory of `data_dir`, or `None` if none was
/// imported.
///
/// Returns an error if it exists and cannot be read.
pub fn open_geo(data_dir: &Path) -> Result<Option<GeoData>> {
    match GeoData::open(data_dir) {
        Ok(g) => Ok(Some(g)),
        Err(socval_geo::Error::NoIndex { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Runs `f` with the resolver of `data_dir` (the postcode directory with
/// the local definition of `s`, or one that knows no postcode), and gives
/// it the definition and the directory too.
///
/// Returns an error if the directory cannot be read, the definition is
/// empty, or `f` fails.
pub fn with_resolver<T>(
    data_dir: &Path,
    s: &SpendSettings,
    f: impl FnOnce(&dyn LocationResolver, &LocalDefinition, Option<&GeoData>) -> Result<T>,
) -> Result<T> {
    let geo = open_geo(data_dir)?;
    let def = local_definition(s, geo.as_ref())?;
    match &geo {
        Some(g) => f(&GeoResolver::new(g, &def), &def, Some(g)),
        None => f(&NoDirectory, &def, None),
    }
}

/// The spend section's input: the analyses of `store`'s imports for the
/// year (and the comparison year) with the register and overrides of that
/// store, located with the postcode directory of `data_dir`.
///
/// `missing` is the notice shown when `store` has no imports (say where to
/// import them).
///
/// Returns an error if a stored file cannot be read or the settings are
/// wrong (no LAD code).
pub fn spend_from_store(
    data_dir: &Path,
    store: &SpendStore,
    s: &SpendSettings,
    missing: impl FnOnce() -> String,
) -> Result<SpendInput> {
    if store.imports()?.is_empty() {
        return Ok(SpendInput::Missing(missing()));
    }
    let register = store.register()?;
    let opts = AnalysisOptions {
        top_n: s.top,
        ..AnalysisOptions::default()
    };
    with_resolver(data_dir, s, |resolver, def, geo| {
        let Some(Analysed {
            this,
            previous,
            imports,
        }) = store.analyse(&register, resolver, s.year, s.compare, &opts)?
        else {
            return Ok(SpendInput::Missing(missing()));
        };
        let provenance = SpendProvenance {
            store: store.root().display().to_string(),
            imports,
            suppliers: register.suppliers().len(),
            overrides: register.overrides().len(),
            local_definition: describe_definition(def),
            imd: geo
                .and_then(|g| g.deprivation.as_ref())
                .map(|d| format!("{} ({} LSOAs)", d.source, d.vintage)),
            postcode_directory: geo.map(|g| {
                let info = g.index.info();
                format!(
                    "{} ({} postcodes)",
                    info.sources
                        .iter()
                        .map(|s| format!("{} [{}]", s.file, s.kind))
                        .collect::<Vec<_>>()
                        .join(", "),
                    info.postcodes
                )
            }),
            top_n: s.top,
            org: s.org.clone(),
        };
        Ok(SpendInput::Analysed(Box::new(SpendAnalysis {
            this,
            previous,
            provenance,
        })))
    })
}
