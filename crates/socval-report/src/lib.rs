//! # socval-report
//!
//! The annual social value report (issue 6): a [`Report`] model built from
//! valued commitments, the spend analyses and the small-purchase checks,
//! rendered as one self-contained HTML page with SVG charts, an XLSX
//! workbook, a CSV per table and JSON.
//!
//! Main items:
//! - [`read_commitments`]: a commitments CSV (measure, units, optional
//!   category, contract, delivered).
//! - [`ContractsInput`]: an organisation's contracts and delivery return
//!   lines as plain data (the portal reads them from its database); the
//!   report's commitments and delivered-to-date figures are sums of their
//!   [`Record`]s, and [`records`] lists the records behind any figure.
//! - [`build`] with [`Inputs`]: the model. Headline figures are read back
//!   from the rows of table 2.10, so they agree with it by construction.
//! - [`spend_from_store`] with [`SpendSettings`]: the spend section's
//!   input from a data directory's spend area (the instance's, or an
//!   organisation's), for the CLI and the portal alike; the analyses
//!   themselves are `socval_spend::SpendStore::analyse`, the same as
//!   `socval spend analyse`'s.
//! - [`link_records`], [`RecordQuery`], [`spend_payments_csv`]: in the
//!   portal, spend figures link to the payments they add up and small
//!   purchase figures to the purchases they count.
//! - [`read_quotes`]: small purchases checked and audited.
//! - [`render_html`], [`to_xlsx`], [`to_csv`], [`to_json`], [`write_all`].
//!
//! ```
//! use socval_core::{FinancialYear, framework};
//! use socval_report::{Inputs, SpendInput, build, read_commitments};
//! let fw = framework::embedded("rotherham-2019").unwrap();
//! let csv = "measure,units\nR09,188\nR11,339\n";
//! let c = read_commitments("c.csv", csv.as_bytes(), &fw).unwrap();
//! let report = build(&Inputs {
//!     org: None,
//!     year: FinancialYear::starting(2019),
//!     compare: None,
//!     framework: &fw,
//!     framework_source: "embedded".into(),
//!     carry_forward: false,
//!     commitments: Some(&c),
//!     contracts: None,
//!     spend: SpendInput::Missing("no spend imported".into()),
//!     quotes: None,
//!     generated_by: "example".into(),
//! })
//! .unwrap();
//! let t = report.table("table_2_10").unwrap();
//! assert_eq!(t.cell("total", "value_gbp").unwrap().plain(), "88860.02"); // proxies rounded to 4 dp: within £1 of the printed £88,860
//! let html = socval_report::render_html(&report).unwrap();
//! assert!(html.contains("<h1>Social value annual report 2019/20</h1>"));
//! ```
#![deny(missing_docs)]
// Errors from the engine carry file, line, column and value; they are the
// cold path, so their size does not matter.
#![allow(clippy::result_large_err)]

mod build;
mod chart;
mod commitments;
mod contracts;
mod error;
mod export;
mod html;
mod links;
mod model;
mod quotes;
mod section;
mod source;
mod total;

pub use build::{Inputs, QuotesInput, SpendAnalysis, SpendInput, SpendProvenance, build};
pub use chart::svg as chart_svg;
pub use commitments::{Category, CommitmentLine, Commitments, read_commitments};
pub use contracts::{
    ContractInput, ContractsInput, Filter, LineState, Problem, Record, RecordKind, ReturnLineInput,
    Sums, Traced, records, trace,
};
pub use error::{Error, Result};
pub use export::{to_csv, to_json, to_xlsx, write_all};
pub use html::{
    CSS as HTML_CSS, HtmlOptions, escape, render as render_html, render_with as render_html_with,
};
pub use links::{
    PurchaseFilter, RecordQuery, SpendQuery, SpendWhat, link_records, payments_csv,
    spend_payments_csv,
};
pub use model::{
    Block, Cell, CellRef, Chart, Column, Headline, Kind, Report, Row, SCHEMA, Section, Series,
    Source, Table,
};
pub use quotes::read_quotes;
/// A spend area's settings, kept in `socval-spend`; named here too for the
/// report's callers.
pub use socval_spend::AreaSettings;
pub use source::{
    SpendSettings, describe_definition, local_definition, open_geo, spend_from_store, with_resolver,
};
