//! An organisation's annual report from what the portal stores: the
//! contracts valued in the year with their delivery returns, their
//! frameworks, its small purchases of the year, and its own spend area.
//! The portal's report pages and `socval report annual --org` read it the
//! same way; the figures are computed by `socval_report` from plain data.

use std::collections::HashMap;
use std::path::Path;

use socval_core::quotes;
use socval_core::{FinancialYear, Framework};
use socval_report::{
    ContractInput, ContractsInput, Filter, LineState, QuotesInput, Record, Report, ReturnLineInput,
    SpendInput, SpendSettings,
};
use socval_spend::SpendStore;
use socval_store::delivery::{DeliveryReturn, LineStatus};
use socval_store::procurement::Contract;
use socval_store::purchase::Purchase;
use socval_store::{Organisation, Store};
use time::Date;

use crate::error::{Error, Result};

/// Small purchases: the audit sample drawn for the report (as
/// `socval report annual`'s default `--audit-size`).
pub const AUDIT_SIZE: usize = 25;

/// An organisation's data for its annual report of one year, read from
/// the store: its contracts valued in the year with their delivery
/// returns, their frameworks, and its small purchases dated in the year.
#[derive(Debug)]
pub struct ReportData {
    org: Organisation,
    year: FinancialYear,
    source: String,
    frameworks: HashMap<i64, Framework>,
    contracts: Vec<(Contract, String, Vec<DeliveryReturn>)>,
    purchases: Vec<Purchase>,
}

impl ReportData {
    /// Reads what the report of `org` for `year` needs. `source` names the
    /// database for the footnotes (`sqlite://…`), without secrets.
    ///
    /// Returns an error if the store fails or a stored framework no longer
    /// parses.
    pub async fn load(
        store: &dyn Store,
        org: &Organisation,
        year: FinancialYear,
        source: &str,
    ) -> Result<ReportData> {
        let suppliers: HashMap<i64, String> = store
            .suppliers(org.id)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let mut contracts = Vec::new();
        let mut frameworks = HashMap::new();
        for k in store.contracts(org.id).await? {
            // Only the year's contracts: their returns are read one
            // contract at a time.
            if k.valuation_year.parse::<FinancialYear>().ok() != Some(year) {
                continue;
            }
            if let Some(id) = k.framework_id
                && !frameworks.contains_key(&id)
            {
                let rec = store.framework(id).await?;
                frameworks.insert(id, crate::framework::parsed(&rec).await?);
            }
            let returns = store.contract_returns(k.id).await?;
            let supplier = suppliers.get(&k.supplier_id).cloned().unwrap_or_default();
            contracts.push((k, supplier, returns));
        }
        let purchases = store
            .purchases(org.id)
            .await?
            .into_iter()
            .filter(|p| year.contains(p.purchase_date))
            .collect();
        Ok(ReportData {
            org: org.clone(),
            year,
            source: format!("organisation {} ({}) in {source}", org.slug, org.name),
            frameworks,
            contracts,
            purchases,
        })
    }

    /// The contracts as the report reads them, delivered to date `as_of`.
    pub fn contracts(&self, as_of: Date) -> ContractsInput<'_> {
        let contracts = self
            .contracts
            .iter()
            .map(|(k, supplier, returns)| {
                let core = crate::engine::contract(k, supplier).unwrap_or_else(|_| {
                    // Not a financial year: no contract is loaded unless its
                    // valuation year parses, so this does not happen.
                    socval_core::contract::Contract {
                        title: k.title.clone(),
                        supplier: supplier.clone(),
                        start: k.start,
                        years: 0,
                        framework: String::new(),
                        year: self.year,
                        commitments: vec![],
                    }
                });
                ContractInput {
                    id: k.id,
                    reference: k.reference.clone(),
                    category: k.category.clone(),
                    contract: core,
                    framework: k.framework_id.and_then(|id| self.frameworks.get(&id)),
                    returns: returns
                        .iter()
                        .flat_map(|r| {
                            r.lines.iter().map(|l| ReturnLineInput {
                                return_id: r.id,
                                line_id: l.id,
                                contract_year: u32::try_from(r.contract_year).unwrap_or(0),
                                quarter: u32::try_from(r.quarter).unwrap_or(0),
                                measure: l.measure.clone(),
                                units: l.units,
                                state: match l.status {
                                    LineStatus::Pending => LineState::Pending,
                                    LineStatus::Verified => LineState::Verified,
                                    LineStatus::Rejected => LineState::Rejected,
                                },
                            })
                        })
                        .collect(),
                }
            })
            .collect();
        ContractsInput {
            source: self.source.clone(),
            as_of,
            contracts,
        }
    }

    /// The small purchases of the year checked against the organisation's
    /// quotes rule, with the reproducible audit sample (seed: the year's
    /// first calendar year, size [`AUDIT_SIZE`]).
    ///
    /// Returns an error if the organisation's stored policy no longer reads.
    pub fn quotes(&self) -> Result<QuotesInput> {
        let policy = crate::engine::policy_of(&self.org)?;
        let checks = crate::engine::purchase_checks(&self.purchases, &policy);
        let seed = u64::try_from(self.year.start_year()).unwrap_or(0);
        let audit = quotes::audit(
            &checks,
            seed,
            AUDIT_SIZE,
            policy.assurance,
            "small purchases",
        )
        .map_err(|e| match e {
            socval_core::Error::Invalid { message, .. } => message,
            e => e.to_string(),
        });
        Ok(QuotesInput {
            file: format!("small purchases of {} dated in {}", self.source, self.year),
            quotes: self.purchases.iter().map(|p| p.quotes.len()).sum(),
            checks,
            audit,
            threshold: policy.quotes_threshold_gbp,
            rule: policy.quotes,
        })
    }

    /// The report, delivered to date `as_of`, with the spend section
    /// `spend` (compared with `compare`), and small purchases from `quotes`
    /// or else the organisation's recorded ones.
    ///
    /// Returns an error if the report cannot be built from the stored data.
    pub fn report(
        &self,
        as_of: Date,
        generated_by: String,
        spend: SpendInput,
        compare: Option<FinancialYear>,
        quotes: Option<QuotesInput>,
    ) -> Result<Report> {
        let contracts = self.contracts(as_of);
        let quotes = match quotes {
            Some(q) => q,
            None => self.quotes()?,
        };
        // The framework named in the methods: that of the year's first
        // contract (the methods list every contract's), or the open default.
        let open;
        let (framework, framework_source) = match self
            .contracts
            .iter()
            .find_map(|(k, _, _)| k.framework_id.and_then(|id| self.frameworks.get(&id)))
        {
            Some(f) => (
                f,
                format!("the portal's framework {} {}", f.meta.id, f.meta.edition),
            ),
            None => {
                open = socval_core::framework::embedded("open-default")?;
                (
                    &open,
                    "embedded open-default (no contract of the year)".to_string(),
                )
            }
        };
        socval_report::build(&socval_report::Inputs {
            org: Some(self.org.name.clone()),
            year: self.year,
            compare,
            framework,
            framework_source,
            carry_forward: false,
            commitments: None,
            contracts: Some(&contracts),
            spend,
            quotes: Some(quotes),
            generated_by,
        })
        .map_err(Error::from)
    }

    /// The organisation.
    pub fn org(&self) -> &Organisation {
        &self.org
    }

    /// The records `filter` selects: what a figure of the report adds up.
    pub fn records(&self, as_of: Date, filter: &Filter) -> Vec<Record> {
        socval_report::records(self.year, &self.contracts(as_of), filter)
    }
}

/// The spend section's settings of a spend area for `year`: the area's
/// own (`socval spend settings --org SLUG`), else those of `socval report
/// annual` by default (top 300; local Rotherham, region the Sheffield City
/// Region); compared with the previous year when the area's imports have
/// payments in it. Blocking (it reads the area's files).
pub fn area_settings(area: &SpendStore, year: FinancialYear) -> Result<SpendSettings> {
    let imports = area.imports()?;
    let previous = year.previous();
    let has_previous = imports
        .iter()
        .any(|i| i.years.contains_key(&previous.to_string()));
    let settings = socval_spend::AreaSettings::read(area)?;
    Ok(SpendSettings::for_area(
        &settings,
        year,
        has_previous.then_some(previous),
    ))
}

/// The spend section of `org`'s report of `year`, from its own spend area
/// under `data_dir`, and the year it is compared with; or a notice saying
/// how to import its payments. Blocking (it reads the area's files).
pub fn org_spend(
    data_dir: &Path,
    org: &Organisation,
    year: FinancialYear,
) -> Result<(SpendInput, Option<FinancialYear>)> {
    let area = crate::spend::area(data_dir, org);
    let settings = SpendSettings {
        org: Some(org.slug.clone()),
        ..area_settings(&area, year)?
    };
    let spend = socval_report::spend_from_store(data_dir, &area, &settings, || {
        format!(
            "No payments have been imported for {} yet, so there is no spend analysis (total spend, the top 300, graphs 1–4, year on year). Each organisation has its own spend: an officer or administrator uploads its payment files on the organisation's Spend page (/orgs/{}/spend), or an administrator imports them on the server with `socval spend import --org {} FILE...`; the supplier register with `socval spend suppliers import --org {} FILE`.",
            org.name, org.slug, org.slug, org.slug
        )
    })?;
    Ok((spend, settings.compare))
}
