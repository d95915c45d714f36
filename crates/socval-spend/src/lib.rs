//! # socval-spend
//!
//! Where a council's money goes, from the payment files it already
//! publishes: import (CSV/XLSX, header aliases), a supplier register with
//! location overrides, immutable Parquet storage, the CLES analyses in plain
//! Rust over columnar arrays, and a deterministic synthetic generator.
//!
//! Main types: [`SpendStore`] (imports under the data directory; its
//! register, settings and analyses: [`SpendStore::register`],
//! [`AreaSettings`], [`SpendStore::analyse`]), [`ImportOptions`],
//! [`normalise_name`].
//!
//! ```
//! use socval_spend::{ImportOptions, parse_csv};
//! let csv = "Payment Date,Amount,Beneficiary Name\n2019-04-01,\"£1,000.00\",ACME LTD\n";
//! let s = parse_csv("example.csv", csv.as_bytes(), &ImportOptions::default(), |_| Ok(())).unwrap();
//! assert_eq!((s.rows, s.total_pence), (1, 100_000));
//! ```
#![deny(missing_docs)]

mod analysis;
mod area;
mod dict;
mod error;
mod export;
mod generate;
mod geo;
pub mod journal;
mod ledger;
mod location;
mod name;
mod pipeline;
mod register;
mod schema;
mod sheet;
mod store;
mod writer;

pub use analysis::{
    ANALYSIS_COLUMNS, AnalysisOptions, ByClass, DataQuality, DeprivedLocal, DistanceRow, Finding,
    FlagShare, GbpSuppliers, Payee, PayeeLocation, ReasonRow, SpendTotals, TopSupplier, WardRow,
    YearReport, change, percent,
};
pub use area::{Analysed, AreaSettings};
pub use error::{Error, Result};
pub use export::{ENRICHMENT_COLUMNS, ExportFormat, export};
pub use generate::{GenerateOptions, GenerateSummary, generate, postcodes_from_csv};
pub use geo::{GeoResolver, NoDirectory};
pub use journal::{Change, ChangeKind, Recorded, Recovery};
pub use ledger::{
    BlankAmount, ColumnChoice, Field, ImportOptions, ParseSummary, YearTotal, date_from_days,
    parse_csv, parse_date, parse_pence,
};
pub use location::{DeprivedBand, LocationClass, LocationResolver, SupplierLocation};
pub use name::{is_redacted, normalise_name};
pub use register::{LocationOverride, Supplier, SupplierRegister};
pub use schema::{PAYMENTS_SCHEMA, col, payments_schema};
pub use sheet::parse_spreadsheet;
pub use store::{
    ImportInfo, OverridesInfo, RegisterInfo, SpendStore, YearInfo, read_info, scan_file,
    totals_by_year,
};
