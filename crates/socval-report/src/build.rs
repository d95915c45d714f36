//! Builds the [`Report`] model from its inputs. Every figure is computed
//! here, once; headline figures are read back from the table rows built
//! before them, so the report cannot disagree with itself.

use socval_core::quotes::{Audit, PurchaseCheck};
use socval_core::{FinancialYear, Framework, Gbp, QuoteRule};
use socval_spend::{ImportInfo, YearReport};

use crate::commitments::Commitments;
use crate::contracts::{self, ContractsInput};
use crate::error::{Error, Result};
use crate::model::{Block, Report, SCHEMA, Section, Source};
use crate::section::{commitments, headlines, methods, quotes, spend};

/// Everything a report is built from.
#[derive(Clone, Debug)]
pub struct Inputs<'a> {
    /// The organisation, as given; recorded, not looked up (the portal's
    /// organisations come with the portal workflow).
    pub org: Option<String>,
    /// The financial year reported.
    pub year: FinancialYear,
    /// The year to compare spend with.
    pub compare: Option<FinancialYear>,
    /// The framework commitments are valued with.
    pub framework: &'a Framework,
    /// Where the framework came from (`embedded rotherham-2019`, a path).
    pub framework_source: String,
    /// Use the latest earlier proxy when the year has none.
    pub carry_forward: bool,
    /// The commitments, if given as a file.
    pub commitments: Option<&'a Commitments>,
    /// The organisation's contracts and delivery returns, if read from the
    /// portal's database (instead of `commitments`).
    pub contracts: Option<&'a ContractsInput<'a>>,
    /// The spend analyses, or why there are none.
    pub spend: SpendInput,
    /// Small purchases, if given.
    pub quotes: Option<QuotesInput>,
    /// What is producing the report (`socval 0.1.0`).
    pub generated_by: String,
}

/// The spend section's input.
#[derive(Clone, Debug)]
pub enum SpendInput {
    /// No analysis: the reason is printed in the section.
    Missing(String),
    /// The analyses of the year (and the comparison year).
    Analysed(Box<SpendAnalysis>),
}

/// The analyses of a year and its comparison year, with where they came from.
#[derive(Clone, Debug)]
pub struct SpendAnalysis {
    /// The year reported.
    pub this: YearReport,
    /// The comparison year, if asked for.
    pub previous: Option<YearReport>,
    /// Where the figures came from.
    pub provenance: SpendProvenance,
}

/// Where the spend figures came from, for the footnotes and methods.
#[derive(Clone, Debug, Default)]
pub struct SpendProvenance {
    /// The data directory's spend area.
    pub store: String,
    /// The imports read.
    pub imports: Vec<ImportInfo>,
    /// Suppliers in the register.
    pub suppliers: usize,
    /// Location overrides.
    pub overrides: usize,
    /// What "local" means (`Rotherham (E08000018); region scr-ca ...`).
    pub local_definition: String,
    /// The deprivation file and its LSOA vintage, if imported.
    pub imd: Option<String>,
    /// The postcode directory's files, if imported.
    pub postcode_directory: Option<String>,
    /// Top N.
    pub top_n: usize,
    /// The organisation whose own spend area was read (`--org`), if any.
    pub org: Option<String>,
}

/// Small purchases checked against the quotes rule, and the sample audit.
#[derive(Clone, Debug)]
pub struct QuotesInput {
    /// The quotes file, as named.
    pub file: String,
    /// Quote lines read.
    pub quotes: usize,
    /// One check per purchase.
    pub checks: Vec<PurchaseCheck>,
    /// The audit, or why it could not be drawn.
    pub audit: std::result::Result<Audit, String>,
    /// The policy's quotes threshold.
    pub threshold: Gbp,
    /// The policy's quotes rule under the threshold.
    pub rule: QuoteRule,
}

/// Collects sources and hands out their ids.
#[derive(Default)]
pub(crate) struct Sources(pub(crate) Vec<Source>);

impl Sources {
    pub(crate) fn add(&mut self, text: String) -> String {
        let id = format!("S{}", self.0.len() + 1);
        self.0.push(Source {
            id: id.clone(),
            text,
        });
        id
    }
}

/// Builds the report.
///
/// Returns an error if the commitments cannot be valued with the framework
/// (an unknown measure, a missing proxy for the year).
pub fn build(inputs: &Inputs<'_>) -> Result<Report> {
    let mut sources = Sources::default();
    let fw = inputs.framework;
    let fw_src = sources.add(format!(
        "Framework {} ({}), edition {}, from {}. Values: {}. Licence: {}.",
        fw.meta.id,
        fw.meta.title,
        or_dash(&fw.meta.edition),
        inputs.framework_source,
        or_dash(&fw.meta.source),
        or_dash(&fw.meta.licence)
    ));
    let mut sections = Vec::new();
    let valued = match inputs.commitments {
        Some(c) => Some(commitments::value(inputs, c)?),
        None => None,
    };
    let traced = inputs
        .contracts
        .map(|k| (k, contracts::trace(inputs.year, k)));
    match (&valued, inputs.commitments, &traced) {
        (Some(_), _, Some(_)) => {
            return Err(Error::Input(
                "give either a commitments file or the organisation's contracts, not both".into(),
            ));
        }
        (_, _, Some((k, t))) => {
            let src = sources.add(crate::section::contracts::source(inputs.year, k, t));
            let (commit, table_2_10) = crate::section::contracts::section(
                inputs.year,
                k,
                t,
                &[src.clone(), fw_src.clone()],
            );
            sections.push(headlines::section(&table_2_10, &[src]));
            sections.push(commit);
        }
        (Some(v), Some(c), None) => {
            let src = sources.add(commitments::source(inputs, c));
            let (commit, table_2_10) =
                commitments::section(inputs, c, v, &[src.clone(), fw_src.clone()]);
            sections.push(headlines::section(&table_2_10, &[src]));
            sections.push(commit);
        }
        _ => {
            sections.push(Section {
                id: "headlines".into(),
                title: "Headline figures".into(),
                blocks: vec![Block::Notice {
                    text: "No commitments were given (--commitments FILE), so there are no headline figures.".into(),
                }],
            });
            sections.push(Section {
                id: "commitments".into(),
                title: "Social value commitments".into(),
                blocks: vec![Block::Notice {
                    text: "No commitments were given: give a commitments file (--commitments FILE), or build the report from the organisation's contracts in the portal (--org ORG, or the report page of the portal).".into(),
                }],
            });
        }
    }
    sections.push(spend::section(inputs, &mut sources));
    sections.push(quotes::section(inputs.quotes.as_ref(), &mut sources));
    sections.push(methods::section(
        inputs,
        valued.as_ref(),
        traced.as_ref().map(|x| &x.1),
        &fw_src,
    ));
    let title = format!("Social value annual report {}", inputs.year);
    Ok(Report {
        schema: SCHEMA.into(),
        title,
        org: inputs.org.clone(),
        year: inputs.year,
        compare: inputs.compare,
        generated_by: inputs.generated_by.clone(),
        sections,
        sources: sources.0,
    })
}

/// `s`, or "not stated" when it is blank.
pub(crate) fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "not stated" } else { s }
}
