//! The measurement framework: Themes → Outcomes → Measures (TOMs), each
//! measure with a unit, a valuation kind and a proxy value per financial year.
//!
//! Frameworks are read from and written to TOML (the native format, see
//! [`Framework::from_toml`]) and CSV (a row per measure per year, see
//! [`Framework::from_records`]). [`Framework::validate`] finds what would make
//! valuations wrong, and says where.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::{FinancialYear, Gbp};

mod records;
mod validate;

pub use records::CSV_HEADERS;
pub use validate::Issue;

/// The most decimal places a proxy value may carry.
///
/// Four is enough for every per-unit proxy; the seed's local supply-chain
/// multiplier needs six to reproduce its printed row to the pound (0.5229
/// would be £16 short on £458,679 of spend).
pub const MAX_PROXY_DP: u32 = 6;

/// A measurement framework edition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Framework {
    /// What it is and where it comes from.
    #[serde(rename = "framework")]
    pub meta: Meta,
    /// Its themes, in order.
    #[serde(rename = "theme", default)]
    pub themes: Vec<Theme>,
    /// Where each code was defined (code → lines), for messages.
    #[serde(skip)]
    pub(crate) lines: BTreeMap<String, Vec<u64>>,
}

/// A framework's identity and provenance.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Meta {
    /// Short name, such as `rotherham-2019`.
    pub id: String,
    /// Human title.
    #[serde(default)]
    pub title: String,
    /// Edition (a year or version).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub edition: String,
    /// Where the values come from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The licence of the values.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub licence: String,
    /// Anything a user should know.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Units beyond the standard ones that measures may use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_units: Vec<String>,
}

/// A theme, such as "Promote local skills and employment".
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Theme {
    /// Unique code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Its outcomes.
    #[serde(rename = "outcome", default)]
    pub outcomes: Vec<Outcome>,
}

/// An outcome within a theme.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    /// Unique code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Its measures.
    #[serde(rename = "measure", default)]
    pub measures: Vec<Measure>,
}

/// A measure: what is counted, in which unit, and what a unit is worth.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measure {
    /// Unique code.
    pub code: String,
    /// Title, as bidders see it.
    pub title: String,
    /// What is counted.
    pub unit: Unit,
    /// How a unit becomes pounds.
    #[serde(default)]
    pub kind: ValuationKind,
    /// Which contract years' units count.
    #[serde(default, skip_serializing_if = "CountingRule::is_default")]
    pub counting: CountingRule,
    /// Anything a user should know (why unvalued, where the proxy comes from).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Proxy values, one per financial year.
    #[serde(rename = "proxy", default, skip_serializing_if = "Vec::is_empty")]
    pub proxies: Vec<Proxy>,
}

/// A proxy value for one financial year, with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proxy {
    /// The year it applies to.
    pub year: FinancialYear,
    /// £ per unit (or per £1, for a multiplier).
    #[serde(deserialize_with = "crate::record::de::amount")]
    pub value_gbp: Gbp,
    /// Where the value comes from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The licence of the value.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub licence: String,
}

/// What a measure counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Unit {
    /// People (headcount).
    People,
    /// Full-time equivalent employees.
    Fte,
    /// Hours.
    Hours,
    /// Weeks.
    Weeks,
    /// Pounds sterling.
    Gbp,
    /// Tonnes of CO2 equivalent.
    TonnesCo2e,
    /// A unit the framework declares itself (written `custom:NAME`, or listed
    /// in `custom_units`).
    Custom(String),
    /// A unit that is neither standard nor declared; [`Framework::validate`]
    /// reports it.
    Unknown(String),
}

/// The words accepted for units, for messages.
pub const UNITS_ACCEPTED: &str = "people, fte, hours, weeks, gbp (or £), tonnes_co2e, or a custom unit written custom:NAME or listed in custom_units";

impl Unit {
    /// Reads a unit; anything unrecognised becomes [`Unit::Unknown`].
    pub fn parse(text: &str) -> Unit {
        let t = text.trim();
        if let Some(name) = t.strip_prefix("custom:") {
            return Unit::Custom(name.trim().to_string());
        }
        let key = t.to_ascii_lowercase().replace(['_', '-'], " ");
        let key = key
            .strip_prefix("no of ")
            .or_else(|| key.strip_prefix("no. of "))
            .unwrap_or(&key);
        match key.trim() {
            "people" | "person" | "persons" | "headcount" => Unit::People,
            "fte" | "ftes" | "full time equivalent" => Unit::Fte,
            "hours" | "hour" | "hrs" => Unit::Hours,
            "weeks" | "week" => Unit::Weeks,
            "gbp" | "£" | "pounds" => Unit::Gbp,
            "tonnes co2e" | "tco2e" | "t co2e" => Unit::TonnesCo2e,
            _ => Unit::Unknown(t.to_string()),
        }
    }

    /// A short label for people: `FTE`, `hours`, `£`, `tCO2e`.
    pub fn label(&self) -> &str {
        match self {
            Unit::People => "people",
            Unit::Fte => "FTE",
            Unit::Hours => "hours",
            Unit::Weeks => "weeks",
            Unit::Gbp => "£",
            Unit::TonnesCo2e => "tCO2e",
            Unit::Custom(s) | Unit::Unknown(s) => s,
        }
    }
}

impl fmt::Display for Unit {
    /// The file form: `fte`, `gbp`, `custom:trees planted`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unit::People => f.write_str("people"),
            Unit::Fte => f.write_str("fte"),
            Unit::Hours => f.write_str("hours"),
            Unit::Weeks => f.write_str("weeks"),
            Unit::Gbp => f.write_str("gbp"),
            Unit::TonnesCo2e => f.write_str("tonnes_co2e"),
            Unit::Custom(s) => write!(f, "custom:{s}"),
            Unit::Unknown(s) => f.write_str(s),
        }
    }
}

impl Serialize for Unit {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Unit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(Unit::parse(&String::deserialize(d)?))
    }
}

/// How a measure's units become pounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValuationKind {
    /// £ proxy per unit (£26,273 per local FTE).
    #[default]
    PerUnit,
    /// A multiplier of pounds: the unit is £ and the proxy is £ of value per
    /// £1 (local supply-chain spend: £0.5229 per £1).
    Multiplier,
    /// Counted, not priced (local people paid the Living Wage).
    Unvalued,
}

impl FromStr for ValuationKind {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "per_unit" | "" => Ok(ValuationKind::PerUnit),
            "multiplier" => Ok(ValuationKind::Multiplier),
            "unvalued" => Ok(ValuationKind::Unvalued),
            _ => Err(()),
        }
    }
}

impl fmt::Display for ValuationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValuationKind::PerUnit => "per_unit",
            ValuationKind::Multiplier => "multiplier",
            ValuationKind::Unvalued => "unvalued",
        })
    }
}

/// Which contract years' units count towards social value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountingRule {
    /// Units count in every contract year.
    #[default]
    EveryYear,
    /// Units count in the first contract year only (a hire is a hire once).
    FirstContractYear,
}

impl CountingRule {
    fn is_default(&self) -> bool {
        *self == CountingRule::EveryYear
    }

    /// True if units committed in `contract_year` (1-based; `None` = not
    /// given, taken as the first) count.
    pub fn counts(self, contract_year: Option<u32>) -> bool {
        match self {
            CountingRule::EveryYear => true,
            CountingRule::FirstContractYear => contract_year.unwrap_or(1) <= 1,
        }
    }
}

impl FromStr for CountingRule {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "every_year" | "" => Ok(CountingRule::EveryYear),
            "first_contract_year" => Ok(CountingRule::FirstContractYear),
            _ => Err(()),
        }
    }
}

impl fmt::Display for CountingRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CountingRule::EveryYear => "every_year",
            CountingRule::FirstContractYear => "first_contract_year",
        })
    }
}

/// A measure found in a framework, with the theme and outcome it sits under.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    /// The theme.
    pub theme: &'a Theme,
    /// The outcome.
    pub outcome: &'a Outcome,
    /// The measure.
    pub measure: &'a Measure,
}

impl Measure {
    /// The proxy to use for `year`: the year's own, or with `carry_forward`
    /// the latest earlier year's. `Ok(None)` for an unvalued measure.
    ///
    /// Returns [`Error::MissingProxy`] naming the measure and year otherwise.
    pub fn proxy_for(&self, year: FinancialYear, carry_forward: bool) -> Result<Option<&Proxy>> {
        if self.kind == ValuationKind::Unvalued {
            return Ok(None);
        }
        let exact = self.proxies.iter().find(|p| p.year == year);
        let found = exact.or_else(|| {
            if carry_forward {
                self.proxies
                    .iter()
                    .filter(|p| p.year < year)
                    .max_by_key(|p| p.year)
            } else {
                None
            }
        });
        found.map(Some).ok_or_else(|| Error::MissingProxy {
            code: self.code.clone(),
            title: self.title.clone(),
            year,
            available: if self.proxies.is_empty() {
                "no year".to_string()
            } else {
                self.proxies
                    .iter()
                    .map(|p| p.year.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        })
    }
}

impl Framework {
    /// A framework with no themes yet.
    pub fn new(meta: Meta) -> Self {
        Framework {
            meta,
            themes: Vec::new(),
            lines: BTreeMap::new(),
        }
    }

    /// Reads a framework from TOML text. `file` names it in messages.
    ///
    /// Returns [`Error::Toml`] (with line, column and value) if the text is
    /// not a framework. It does not validate: call [`Framework::validate`].
    pub fn from_toml(text: &str, file: &str) -> Result<Framework> {
        let mut fw: Framework = toml::from_str(text).map_err(|e| Error::Toml {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        for (i, line) in text.lines().enumerate() {
            if let Some((k, v)) = line.split_once('=')
                && k.trim() == "code"
                && let Ok(code) = toml::from_str::<toml::Value>(&format!("v = {}", v.trim()))
                && let Some(code) = code.get("v").and_then(|c| c.as_str())
            {
                fw.lines
                    .entry(code.to_string())
                    .or_default()
                    .push(i as u64 + 1);
            }
        }
        fw.resolve_units();
        Ok(fw)
    }

    /// Writes the framework as TOML (the native format).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a framework always serialises")
    }

    /// Units named in `custom_units` become [`Unit::Custom`].
    fn resolve_units(&mut self) {
        let custom = self.meta.custom_units.clone();
        for m in self.measures_mut() {
            if let Unit::Unknown(name) = &m.unit
                && custom.iter().any(|c| c.eq_ignore_ascii_case(name))
            {
                m.unit = Unit::Custom(name.clone());
            }
        }
    }

    fn measures_mut(&mut self) -> impl Iterator<Item = &mut Measure> {
        self.themes
            .iter_mut()
            .flat_map(|t| t.outcomes.iter_mut())
            .flat_map(|o| o.measures.iter_mut())
    }

    /// Every measure, in order, with its theme and outcome.
    pub fn measures(&self) -> impl Iterator<Item = Found<'_>> {
        self.themes
            .iter()
            .flat_map(|t| t.outcomes.iter().map(move |o| (t, o)))
            .flat_map(|(t, o)| {
                o.measures.iter().map(move |m| Found {
                    theme: t,
                    outcome: o,
                    measure: m,
                })
            })
    }

    /// Finds a measure by code (case-insensitive) or by exact title
    /// (ignoring surrounding spaces and case).
    pub fn find(&self, code_or_title: &str) -> Option<Found<'_>> {
        let want = code_or_title.trim();
        self.measures()
            .find(|f| f.measure.code.eq_ignore_ascii_case(want))
            .or_else(|| {
                self.measures()
                    .find(|f| f.measure.title.trim().eq_ignore_ascii_case(want))
            })
    }

    /// The years for which any measure has a proxy, ascending.
    pub fn years(&self) -> Vec<FinancialYear> {
        let mut years: Vec<_> = self
            .measures()
            .flat_map(|f| f.measure.proxies.iter().map(|p| p.year))
            .collect();
        years.sort();
        years.dedup();
        years
    }

    /// The latest year any measure has a proxy for: the default year to value in.
    pub fn latest_year(&self) -> Option<FinancialYear> {
        self.years().last().copied()
    }

    /// The number of measures.
    pub fn measure_count(&self) -> usize {
        self.measures().count()
    }

    /// An example measure code, for messages.
    pub(crate) fn example_code(&self) -> String {
        self.measures()
            .next()
            .map(|f| f.measure.code.clone())
            .unwrap_or_default()
    }

    /// The lines a code was defined on, if the framework was read from a file.
    pub fn lines_of(&self, code: &str) -> &[u64] {
        self.lines.get(code).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Returns the framework if [`Framework::validate`] finds nothing, or
    /// [`Error::InvalidFramework`] listing every issue.
    pub fn validated(self) -> Result<Framework> {
        let issues = self.validate();
        if issues.is_empty() {
            Ok(self)
        } else {
            Err(Error::InvalidFramework {
                framework: self.meta.id.clone(),
                issues,
            })
        }
    }
}

/// The frameworks built into socval, by name, as TOML text.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "rotherham-2019",
        include_str!("../../../data/frameworks/rotherham-2019.toml"),
    ),
    (
        "open-default",
        include_str!("../../../data/frameworks/open-default.toml"),
    ),
];

/// An embedded framework by name (see [`EMBEDDED`]).
///
/// Returns [`Error::UnknownFramework`] listing the names if there is none.
pub fn embedded(name: &str) -> Result<Framework> {
    let (id, text) = EMBEDDED
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| Error::UnknownFramework {
            name: name.to_string(),
            available: EMBEDDED
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    Framework::from_toml(text, &format!("embedded framework {id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn embedded_frameworks_load_and_validate_clean() {
        for (name, _) in EMBEDDED {
            let fw = embedded(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(fw.meta.id, *name);
            let issues = fw.validate();
            assert!(issues.is_empty(), "{name}: {issues:?}");
        }
        assert!(
            embedded("national-toms")
                .unwrap_err()
                .to_string()
                .contains("rotherham-2019, open-default")
        );
    }

    #[test]
    fn rotherham_has_the_seed_measures_under_four_themes() {
        let fw = embedded("rotherham-2019").unwrap();
        assert_eq!(fw.measure_count(), 18);
        assert_eq!(fw.themes.len(), 4);
        assert_eq!(fw.years(), vec![FinancialYear::starting(2019)]);
        let lw = fw
            .find("No. of local people employed paid Joseph Rowntree Living Wage")
            .unwrap();
        assert_eq!(lw.measure.kind, ValuationKind::Unvalued);
        let local = fw
            .find("Total amount (£) spent in LOCAL supply chain through the contract")
            .unwrap();
        assert_eq!(local.measure.kind, ValuationKind::Multiplier);
        let p = local
            .measure
            .proxy_for(FinancialYear::starting(2019), false)
            .unwrap()
            .unwrap();
        assert_eq!(
            p.value_gbp.amount().round_dp(4),
            Decimal::from_str("0.5229").unwrap()
        );
    }

    #[test]
    fn units_parse_standard_words_and_keep_the_rest_unknown() {
        let cases = [
            ("No of people", Unit::People),
            ("FTE", Unit::Fte),
            ("No of hours", Unit::Hours),
            ("weeks", Unit::Weeks),
            ("£", Unit::Gbp),
            ("Tonnes CO2e", Unit::TonnesCo2e),
            ("custom:trees planted", Unit::Custom("trees planted".into())),
            ("bananas", Unit::Unknown("bananas".into())),
        ];
        for (text, want) in cases {
            assert_eq!(Unit::parse(text), want, "{text}");
        }
        assert_eq!(
            Unit::parse(&Unit::Custom("trees".into()).to_string()),
            Unit::Custom("trees".into())
        );
    }

    #[test]
    fn toml_round_trips() {
        for (name, _) in EMBEDDED {
            let fw = embedded(name).unwrap();
            let text = fw.to_toml();
            let again = Framework::from_toml(&text, "again").unwrap();
            assert_eq!(again.to_toml(), text, "{name}");
        }
    }

    #[test]
    fn missing_proxy_names_measure_and_year_and_carry_forward_uses_the_latest_earlier() {
        let fw = embedded("rotherham-2019").unwrap();
        let m = fw.find("No. of disabled employees hired").unwrap().measure;
        let e = m
            .proxy_for(FinancialYear::starting(2021), false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&m.code) && e.contains("2021/22") && e.contains("2019/20"),
            "{e}"
        );
        let p = m
            .proxy_for(FinancialYear::starting(2021), true)
            .unwrap()
            .unwrap();
        assert_eq!(p.year, FinancialYear::starting(2019));
        assert!(
            m.proxy_for(FinancialYear::starting(2018), true).is_err(),
            "no earlier year to carry"
        );
    }

    #[test]
    fn bad_toml_names_line_and_value() {
        let text = "[framework]\nid = \"x\"\n[[theme]]\ncode = \"T\"\ntitle = \"t\"\n[[theme.outcome]]\ncode = \"O\"\ntitle = \"o\"\n[[theme.outcome.measure]]\ncode = \"M\"\ntitle = \"m\"\nunit = \"fte\"\nkind = \"priceless\"\n";
        let e = Framework::from_toml(text, "f.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("f.toml") && e.contains("line 13") && e.contains("priceless"),
            "{e}"
        );
    }
}
