//! A spend area as a whole: its settings (what "local" means, the top N),
//! its supplier register and overrides as stored, and the CLES analyses of
//! everything imported into it. One place for the command line
//! (`socval spend analyse`, `socval spend settings`), the report and the
//! portal, so all of them compute the same figures.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use socval_core::FinancialYear;
use socval_geo::{LocalDefinition, ROTHERHAM};

use crate::analysis::{ANALYSIS_COLUMNS, AnalysisOptions, SpendTotals, YearReport};
use crate::error::{Error, Result};
use crate::location::LocationResolver;
use crate::register::SupplierRegister;
use crate::store::{ImportInfo, SpendStore};

/// What "local" means for one spend area, and the top N: kept as
/// `settings.json` in the area (`socval spend settings --org SLUG`), read
/// by the portal's report. The CLI's flags are used on the command line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaSettings {
    /// Own authority LAD codes.
    pub local: Vec<String>,
    /// The wider region: a preset, LAD codes separated by commas, or `none`.
    pub region: String,
    /// How many top suppliers to single out.
    pub top: usize,
    /// Where distances are measured from (the town hall's postcode, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl Default for AreaSettings {
    /// Those of `socval report annual` by default: top 300, local
    /// Rotherham, region the Sheffield City Region combined authority.
    fn default() -> Self {
        AreaSettings {
            local: vec![ROTHERHAM.to_string()],
            region: "scr-ca".into(),
            top: 300,
            from: None,
        }
    }
}

impl AreaSettings {
    /// The area's settings, or the defaults when none were written.
    ///
    /// Returns an error if the file exists and cannot be read.
    pub fn read(store: &SpendStore) -> Result<AreaSettings> {
        let p = store.settings_path();
        match std::fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::Read {
                path: p,
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AreaSettings::default()),
            Err(e) => Err(Error::Read {
                path: p,
                reason: e.to_string(),
            }),
        }
    }

    /// Writes them into the area (created if needed), replacing the file
    /// whole.
    ///
    /// Returns an error if the settings are empty (no LAD code, top 0) or
    /// the file cannot be written.
    pub fn write(&self, store: &SpendStore) -> Result<()> {
        LocalDefinition::from_user(&self.local, &self.region).map_err(|e| Error::Settings {
            reason: format!("--{e}"),
        })?;
        if self.top == 0 {
            return Err(Error::Settings {
                reason: "--top must be at least 1".into(),
            });
        }
        let p = store.settings_path();
        std::fs::create_dir_all(store.root()).map_err(|e| Error::write(store.root(), e))?;
        let tmp = p.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(self).map_err(|e| Error::write(&p, e))?;
        std::fs::write(&tmp, text).map_err(|e| Error::write(&tmp, e))?;
        std::fs::rename(&tmp, &p).map_err(|e| Error::write(&p, e))
    }
}

/// The analyses of a year and its comparison year over every import of a
/// spend area, and the imports read.
#[derive(Clone, Debug)]
pub struct Analysed {
    /// The year asked for.
    pub this: YearReport,
    /// The comparison year, if asked for.
    pub previous: Option<YearReport>,
    /// The imports read.
    pub imports: Vec<ImportInfo>,
}

impl SpendStore {
    /// `<area>/settings.json`: the area's [`AreaSettings`].
    pub fn settings_path(&self) -> PathBuf {
        self.root().join("settings.json")
    }

    /// The supplier register and overrides of the area (empty when none
    /// were imported).
    ///
    /// Returns an error if a file exists and cannot be read.
    pub fn register(&self) -> Result<SupplierRegister> {
        let open = |p: &Path| -> Result<Option<std::fs::File>> {
            match std::fs::File::open(p) {
                Ok(f) => Ok(Some(f)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::Read {
                    path: p.to_owned(),
                    reason: e.to_string(),
                }),
            }
        };
        let (sp, op) = (self.suppliers_path(), self.overrides_path());
        let suppliers = match open(&sp)? {
            Some(f) => SupplierRegister::read_suppliers(&sp.display().to_string(), f)?,
            None => Vec::new(),
        };
        let overrides = match open(&op)? {
            Some(f) => SupplierRegister::read_overrides(&op.display().to_string(), f)?,
            None => Vec::new(),
        };
        SupplierRegister::new(suppliers, overrides)
    }

    /// The CLES analyses of `year` (and `compare`) over every import of
    /// the area, joined to `register` and located with `resolver`; lines
    /// skipped at import for a blank amount are counted in each year's
    /// data quality.
    ///
    /// Returns `Ok(None)` when nothing has been imported, and an error if a
    /// stored file cannot be read.
    pub fn analyse(
        &self,
        register: &SupplierRegister,
        resolver: &dyn LocationResolver,
        year: FinancialYear,
        compare: Option<FinancialYear>,
        opts: &AnalysisOptions,
    ) -> Result<Option<Analysed>> {
        let imports = self.imports()?;
        if imports.is_empty() {
            return Ok(None);
        }
        let blank: u64 = imports
            .iter()
            .filter(|i| i.blank_amount == "skip")
            .map(|i| i.blank_amount_lines)
            .sum();
        let mut years = vec![year];
        years.extend(compare);
        let mut totals = SpendTotals::new(register, &years);
        self.scan(&ANALYSIS_COLUMNS, |b| totals.add_batch(b))?;
        let locations = totals.locations(resolver);
        let report = |y| {
            let mut r = totals
                .report(y, &locations, opts)
                .expect("every year asked for is collected");
            r.data_quality.blank_amount_lines_skipped = blank;
            r
        };
        Ok(Some(Analysed {
            this: report(year),
            previous: compare.map(report),
            imports,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoDirectory;

    #[test]
    fn settings_are_the_defaults_until_written_then_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let area = SpendStore::for_org(tmp.path(), "a");
        assert_eq!(AreaSettings::read(&area).unwrap(), AreaSettings::default());
        let s = AreaSettings {
            local: vec!["E08000019".into()],
            region: "none".into(),
            top: 5,
            from: Some("S1 2HH".into()),
        };
        s.write(&area).unwrap();
        assert_eq!(AreaSettings::read(&area).unwrap(), s);
        for (bad, why) in [
            (
                AreaSettings {
                    top: 0,
                    ..s.clone()
                },
                "--top must be at least 1",
            ),
            (
                AreaSettings {
                    local: vec![" ".into()],
                    ..s.clone()
                },
                "--local needs at least one LAD code",
            ),
        ] {
            assert_eq!(bad.write(&area).unwrap_err().to_string(), why);
        }
        assert_eq!(AreaSettings::read(&area).unwrap(), s, "left as it was");
    }

    #[test]
    fn an_area_with_nothing_imported_has_no_analysis_and_an_empty_register() {
        let tmp = tempfile::tempdir().unwrap();
        let area = SpendStore::new(tmp.path());
        let register = area.register().unwrap();
        assert!(register.suppliers().is_empty());
        let y = FinancialYear::starting(2019);
        let none = area
            .analyse(
                &register,
                &NoDirectory,
                y,
                None,
                &AnalysisOptions::default(),
            )
            .unwrap();
        assert!(none.is_none());
    }
}
