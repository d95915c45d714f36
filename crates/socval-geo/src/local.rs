//! Local definitions: what counts as local (the own authority, or within a
//! radius), the wider region, and classifying a postcode against them.

use std::fmt;

use serde::Serialize;

use socval_core::{DeprivedBand, LocationClass};

use crate::deprivation::{Deprivation, LsoaDeprivation, NoFigure};
use crate::distance::{Distance, LatLong};
use crate::index::{PostcodeIndex, PostcodeRecord};
use crate::postcode::{Postcode, Special};

/// LAD codes replaced by new codes, `(old, new)`: Sheffield and Barnsley
/// (2025). A definition written with either code matches both.
pub const SUCCESSORS: &[(&str, &str)] = &[("E08000019", "E08000039"), ("E08000016", "E08000038")];

/// Rotherham Metropolitan Borough Council's LAD code.
pub const ROTHERHAM: &str = "E08000018";

/// Rotherham town hall, the default point distances are measured from.
pub const ROTHERHAM_TOWN_HALL: &str = "S60 2TH";

/// The code and every predecessor or successor code of a LAD.
pub fn lad_aliases(code: &str) -> Vec<String> {
    let mut out = vec![code.to_owned()];
    let mut i = 0;
    while i < out.len() {
        for (old, new) in SUCCESSORS {
            for (a, b) in [(old, new), (new, old)] {
                if out[i] == *a && !out.iter().any(|c| c == b) {
                    out.push((*b).to_owned());
                }
            }
        }
        i += 1;
    }
    out
}

/// A named list of LAD codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Region {
    /// Name shown in reports.
    pub name: String,
    /// LAD codes as given (successor codes are matched too).
    pub lads: Vec<String>,
}

impl Region {
    /// A region from a name and LAD codes.
    pub fn new(
        name: impl Into<String>,
        lads: impl IntoIterator<Item = impl Into<String>>,
    ) -> Region {
        Region {
            name: name.into(),
            lads: lads.into_iter().map(Into::into).collect(),
        }
    }

    /// The presets: `scr-ca`, Sheffield City Region combined authority
    /// (Barnsley, Doncaster, Rotherham, Sheffield), and `scr-lep`, the
    /// enterprise partnership (those plus Bassetlaw, Bolsover,
    /// Chesterfield, Derbyshire Dales, North East Derbyshire).
    pub fn preset(name: &str) -> Option<Region> {
        let ca = ["E08000016", "E08000017", "E08000018", "E08000019"];
        let lep = [
            "E07000171",
            "E07000033",
            "E07000034",
            "E07000035",
            "E07000038",
        ];
        match name {
            "scr-ca" => Some(Region::new(
                "Sheffield City Region (combined authority)",
                ca,
            )),
            "scr-lep" => Some(Region::new(
                "Sheffield City Region (enterprise partnership)",
                ca.into_iter().chain(lep),
            )),
            _ => None,
        }
    }

    /// Names of the presets.
    pub const PRESETS: &'static [&'static str] = &["scr-ca", "scr-lep"];

    /// The region a user wrote: a preset name, LAD codes separated by
    /// commas (`E08000016,E08000019`), or `none` (or nothing) for no wider
    /// region.
    ///
    /// Returns a message naming the presets if `spec` is neither, so that a
    /// mistyped region (`yorkshire`) is refused rather than taken as a LAD
    /// code that matches nothing.
    pub fn parse(spec: &str) -> Result<Option<Region>, String> {
        match spec.trim() {
            "none" | "" => Ok(None),
            r => match Region::preset(r) {
                Some(p) => Ok(Some(p)),
                None if r.split(',').all(|c| is_lad_code(c.trim())) => Ok(Some(Region::new(
                    "region",
                    r.split(',').map(|c| c.trim().to_string()),
                ))),
                None => Err(format!(
                    "region {r:?}: not a preset ({}) nor a list of LAD codes such as E08000016,E08000019",
                    Region::PRESETS.join(", ")
                )),
            },
        }
    }
}

/// Whether `s` has the shape of a GSS area code: a letter and eight digits
/// (`E08000018`).
pub fn is_lad_code(s: &str) -> bool {
    s.len() == 9
        && s.as_bytes()[0].is_ascii_alphabetic()
        && s.bytes().skip(1).all(|b| b.is_ascii_digit())
}

/// Why a postcode is [`LocationClass::Unknown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Not a UK postcode.
    Invalid,
    /// Valid, but not in the postcode directory.
    NotFound,
    /// In the directory, but terminated (no longer in use).
    Terminated,
    /// BFPO, BX, GIR 0AA and other postcodes that do not locate a supplier.
    NonGeographic,
    /// A radius is part of the definition and the postcode has no coordinates.
    NoCoordinates,
    /// The directory gives no local authority for it.
    NoLad,
}

impl Reason {
    /// `invalid`, `not-found`, `terminated`, `non-geographic`, `no-coordinates`, `no-lad`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::Invalid => "invalid",
            Reason::NotFound => "not-found",
            Reason::Terminated => "terminated",
            Reason::NonGeographic => "non-geographic",
            Reason::NoCoordinates => "no-coordinates",
            Reason::NoLad => "no-lad",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What "local" means for one organisation.
///
/// ```
/// use socval_geo::{Distance, LatLong, LocalDefinition, Region};
/// let def = LocalDefinition::new("Rotherham", ["E08000018"])
///     .with_region(Region::preset("scr-ca").unwrap())
///     .with_radius(Distance::miles(10.0), LatLong::new(53.4302, -1.3579).unwrap());
/// assert!(def.is_local_lad("E08000018"));
/// assert!(def.is_region_lad("E08000039")); // Sheffield's 2025 code
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LocalDefinition {
    /// Name of the own area, shown in reports.
    pub name: String,
    /// Own authority LAD codes as given.
    pub lads: Vec<String>,
    /// The wider region.
    pub region: Option<Region>,
    /// A postcode within this distance of `origin` is local too.
    pub radius: Option<Distance>,
    /// Where distances are measured from.
    pub origin: Option<LatLong>,
    /// Classify terminated postcodes by their last known area instead of
    /// as unknown.
    pub accept_terminated: bool,
    #[serde(skip)]
    local_set: Vec<String>,
    #[serde(skip)]
    region_set: Vec<String>,
}

fn expand(lads: &[String]) -> Vec<String> {
    let mut out: Vec<String> = lads.iter().flat_map(|l| lad_aliases(l.trim())).collect();
    out.sort();
    out.dedup();
    out
}

impl LocalDefinition {
    /// Local = the given LAD codes (and their successor codes). No region,
    /// no radius, no distances until set.
    pub fn new(
        name: impl Into<String>,
        lads: impl IntoIterator<Item = impl Into<String>>,
    ) -> LocalDefinition {
        let lads: Vec<String> = lads.into_iter().map(Into::into).collect();
        LocalDefinition {
            name: name.into(),
            local_set: expand(&lads),
            lads,
            region: None,
            radius: None,
            origin: None,
            accept_terminated: false,
            region_set: Vec::new(),
        }
    }

    /// The definition a user wrote: own-authority LAD codes (blank entries
    /// ignored) and a region as [`Region::parse`] reads it, named by its
    /// codes joined with `+` (rename it with a better name if there is one).
    ///
    /// Returns the option at fault and why (`local needs at least one LAD
    /// code`, or the region's message), for the caller to prefix with `--`.
    pub fn from_user(local: &[impl AsRef<str>], region: &str) -> Result<LocalDefinition, String> {
        let lads: Vec<&str> = local
            .iter()
            .map(|s| s.as_ref().trim())
            .filter(|s| !s.is_empty())
            .collect();
        if lads.is_empty() {
            return Err("local needs at least one LAD code".into());
        }
        let def = LocalDefinition::new(lads.join("+"), lads);
        Ok(match Region::parse(region)? {
            Some(r) => def.with_region(r),
            None => def,
        })
    }

    /// Rotherham, with the `scr-ca` region; distances from `origin` (look
    /// up [`ROTHERHAM_TOWN_HALL`] to get it).
    pub fn rotherham(origin: Option<LatLong>) -> LocalDefinition {
        let mut d = LocalDefinition::new("Rotherham", [ROTHERHAM]).with_region(
            Region::preset("scr-ca").unwrap_or_else(|| Region::new("", Vec::<String>::new())),
        );
        d.origin = origin;
        d
    }

    /// Sets the wider region.
    pub fn with_region(mut self, region: Region) -> LocalDefinition {
        self.region_set = expand(&region.lads);
        self.region = Some(region);
        self
    }

    /// Also counts as local anything within `radius` of `centre`, and
    /// measures distances from `centre`.
    pub fn with_radius(mut self, radius: Distance, centre: LatLong) -> LocalDefinition {
        self.radius = Some(radius);
        self.origin = Some(centre);
        self
    }

    /// Measures distances from `origin`.
    pub fn with_origin(mut self, origin: LatLong) -> LocalDefinition {
        self.origin = Some(origin);
        self
    }

    /// Classifies terminated postcodes by their last known area.
    pub fn accepting_terminated(mut self, yes: bool) -> LocalDefinition {
        self.accept_terminated = yes;
        self
    }

    /// True if the LAD (or a predecessor/successor code) is the own authority.
    pub fn is_local_lad(&self, lad: &str) -> bool {
        self.local_set.iter().any(|l| l == lad)
    }

    /// True if the LAD is in the region (own authority LADs are not
    /// implied: list them in the region, as the presets do).
    pub fn is_region_lad(&self, lad: &str) -> bool {
        self.region_set.iter().any(|l| l == lad)
    }

    /// Classifies one postcode as typed (any spelling).
    pub fn classify<'a>(
        &self,
        index: &'a PostcodeIndex,
        deprivation: Option<&'a Deprivation>,
        raw: &str,
    ) -> Classification<'a> {
        match Postcode::parse(raw) {
            Err(e) => Classification::unknown(None, Reason::Invalid, Some(e.to_string())),
            Ok(pc) => self.classify_postcode(index, deprivation, &pc),
        }
    }

    /// Classifies one parsed postcode.
    pub fn classify_postcode<'a>(
        &self,
        index: &'a PostcodeIndex,
        deprivation: Option<&'a Deprivation>,
        pc: &Postcode,
    ) -> Classification<'a> {
        if let Some(c) = special_case(pc) {
            return c;
        }
        let Some(rec) = index.lookup(pc) else {
            return Classification::unknown(Some(*pc), Reason::NotFound, None);
        };
        let lad = LadClass::of(self, rec.lad);
        self.found(rec, deprivation.map(|d| d.for_record(&rec)), lad)
    }

    /// The classification of a postcode found in the directory, given its
    /// deprivation figure and where its LAD is.
    pub(crate) fn found<'a>(
        &self,
        rec: PostcodeRecord<'a>,
        deprivation: Option<Result<LsoaDeprivation<'a>, NoFigure>>,
        lad: LadClass,
    ) -> Classification<'a> {
        let distance_km = match (self.origin, rec.coords) {
            (Some(o), Some(p)) => Some(o.distance_km(&p)),
            _ => None,
        };
        let (class, reason) = self.class_of(&rec, distance_km, lad);
        Classification {
            postcode: Some(rec.postcode),
            class,
            reason,
            detail: None,
            record: Some(rec),
            deprivation,
            distance_km,
        }
    }

    #[allow(clippy::float_arithmetic)] // distance comparison, not money
    fn class_of(
        &self,
        rec: &PostcodeRecord<'_>,
        distance_km: Option<f64>,
        lad: LadClass,
    ) -> (LocationClass, Option<Reason>) {
        if rec.terminated && !self.accept_terminated {
            return (LocationClass::Unknown, Some(Reason::Terminated));
        }
        if lad == LadClass::Local {
            return (LocationClass::Local, None);
        }
        if let Some(r) = self.radius {
            match distance_km {
                Some(d) if d <= r.as_km() => return (LocationClass::Local, None),
                Some(_) => {}
                None => return (LocationClass::Unknown, Some(Reason::NoCoordinates)),
            }
        }
        match lad {
            LadClass::None => (LocationClass::Unknown, Some(Reason::NoLad)),
            LadClass::Region => (LocationClass::Region, None),
            LadClass::Local | LadClass::Outside => (LocationClass::Outside, None),
        }
    }
}

/// Where a record's LAD code is, for a definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LadClass {
    /// The record has no LAD code.
    None,
    /// The own authority.
    Local,
    /// In the region, not the own authority.
    Region,
    /// Neither.
    Outside,
}

impl LadClass {
    /// Where `lad` is for `def`.
    pub(crate) fn of(def: &LocalDefinition, lad: Option<&str>) -> LadClass {
        match lad {
            None => LadClass::None,
            Some(l) if def.is_local_lad(l) => LadClass::Local,
            Some(l) if def.is_region_lad(l) => LadClass::Region,
            Some(_) => LadClass::Outside,
        }
    }
}

/// The classification of a postcode that does not locate a supplier by
/// the directory (BFPO, non-geographic, overseas), if it is one.
pub(crate) fn special_case<'a>(pc: &Postcode) -> Option<Classification<'a>> {
    match pc.special()? {
        // Overseas territories are not in UK postcode files, but their
        // postcodes do say where the supplier is: outside.
        s @ Special::Overseas(_) => {
            let mut c =
                Classification::unknown(Some(*pc), Reason::NonGeographic, Some(s.to_string()));
            c.class = LocationClass::Outside;
            c.reason = None;
            Some(c)
        }
        s => Some(Classification::unknown(
            Some(*pc),
            Reason::NonGeographic,
            Some(s.to_string()),
        )),
    }
}

/// The result of classifying one postcode.
#[derive(Clone, Debug, PartialEq)]
pub struct Classification<'a> {
    /// The canonical postcode, if the input was valid.
    pub postcode: Option<Postcode>,
    /// Local, region, outside or unknown.
    pub class: LocationClass,
    /// Why it is unknown.
    pub reason: Option<Reason>,
    /// More detail on the reason (why invalid, which special case).
    pub detail: Option<String>,
    /// The directory's record, when found.
    pub record: Option<PostcodeRecord<'a>>,
    /// Deprivation: `None` when no deprivation file is imported or the
    /// postcode was not found; otherwise the figure or why there is none.
    pub deprivation: Option<Result<LsoaDeprivation<'a>, NoFigure>>,
    /// Distance from the definition's origin, when both have coordinates.
    pub distance_km: Option<f64>,
}

impl<'a> Classification<'a> {
    pub(crate) fn unknown(
        postcode: Option<Postcode>,
        reason: Reason,
        detail: Option<String>,
    ) -> Classification<'a> {
        Classification {
            postcode,
            class: LocationClass::Unknown,
            reason: Some(reason),
            detail,
            record: None,
            deprivation: None,
            distance_km: None,
        }
    }

    /// The deprivation figure, if there is one.
    pub fn imd(&self) -> Option<&LsoaDeprivation<'a>> {
        self.deprivation.as_ref().and_then(|d| d.as_ref().ok())
    }

    /// The most-deprived band (`1%`, `10%`, `20%`), if any.
    pub fn most_deprived(&self) -> Option<DeprivedBand> {
        self.imd().and_then(|d| d.band)
    }

    /// Why there is no deprivation figure, when a deprivation file is
    /// imported and the postcode was found but has none.
    pub fn no_figure(&self) -> Option<&NoFigure> {
        self.deprivation.as_ref().and_then(|d| d.as_ref().err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_parse_from_presets_and_lad_lists_and_refuse_anything_else() {
        assert_eq!(Region::parse(" none "), Ok(None));
        assert_eq!(Region::parse(""), Ok(None));
        assert_eq!(Region::parse("scr-ca").unwrap(), Region::preset("scr-ca"));
        let r = Region::parse("E08000016, E08000019").unwrap().unwrap();
        assert_eq!(r.lads, ["E08000016", "E08000019"]);
        for bad in ["yorkshire", "E08000016,Sheffield", "E0800001"] {
            let e = Region::parse(bad).unwrap_err();
            assert!(e.contains("not a preset (scr-ca, scr-lep)"), "{bad}: {e}");
        }
    }

    #[test]
    fn successor_codes_match_both_ways() {
        let cases = [
            (vec!["E08000019"], "E08000039", true),
            (vec!["E08000039"], "E08000019", true),
            (vec!["E08000016"], "E08000038", true),
            (vec!["E08000018"], "E08000019", false),
            (vec!["E08000018"], "E08000018", true),
        ];
        for (lads, lad, want) in cases {
            assert_eq!(
                LocalDefinition::new("x", lads.clone()).is_local_lad(lad),
                want,
                "{lads:?} {lad}"
            );
        }
    }

    #[test]
    fn presets() {
        let ca = Region::preset("scr-ca").unwrap();
        let lep = Region::preset("scr-lep").unwrap();
        assert_eq!(ca.lads.len(), 4);
        assert_eq!(lep.lads.len(), 9);
        let def = LocalDefinition::new("R", [ROTHERHAM]).with_region(lep);
        for lad in [
            "E08000016",
            "E08000038",
            "E08000017",
            "E08000039",
            "E07000171",
            "E07000033",
            "E07000034",
            "E07000035",
            "E07000038",
        ] {
            assert!(def.is_region_lad(lad), "{lad}");
        }
        assert!(!def.is_region_lad("E07000036"));
        assert!(Region::preset("nowhere").is_none());
    }
}
