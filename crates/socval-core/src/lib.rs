//! # socval-core
//!
//! The social value domain, pure: no IO, no async, no clock. Time and
//! randomness are arguments; files arrive as text or as already-split
//! [`Records`].
//!
//! Main types:
//! - [`Gbp`]: exact money (a decimal number of pounds; never floating point).
//! - [`FinancialYear`]: 1 April – 31 March, written `2019/20`.
//! - [`Framework`]: Themes → Outcomes → Measures with proxy values per year;
//!   [`framework::embedded`] gives `rotherham-2019` and `open-default`.
//! - [`valuation::value`]: commitments → £ per row, measure, outcome, theme, total.
//! - [`evaluation::evaluate`]: bid scores on price, quality and social value.
//! - [`contract::progress`]: delivery against a profile, RAG, forecast.
//! - [`quotes::check`] and [`quotes::audit`]: the small-purchase quotes rule.
//! - [`Policy`]: a council's thresholds, weights and places.
//!
//! ```
//! use socval_core::{FinancialYear, Gbp, framework, valuation};
//! let fw = framework::embedded("rotherham-2019").unwrap();
//! let c = valuation::Commitment {
//!     measure: "No. of disabled employees hired".into(),
//!     units: "1".parse().unwrap(),
//!     contract_year: None,
//!     year: None,
//!     line: 0,
//! };
//! let opts = valuation::ValuationOptions {
//!     year: FinancialYear::starting(2019),
//!     carry_forward: false,
//!     file: "example".into(),
//! };
//! let v = valuation::value(&fw, &[c], &opts).unwrap();
//! assert_eq!(v.total.display_whole_pounds(), "£15,166");
//! ```
#![deny(missing_docs)]
// Errors carry the file, line, column and value a user needs to fix their
// input; they are the cold path, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod cell;
pub mod contract;
mod error;
pub mod evaluation;
pub mod evidence;
pub mod framework;
pub mod limits;
pub mod line;
mod money;
pub mod place;
mod policy;
pub mod portfolio;
pub mod quotes;
mod record;
pub mod rng;
pub mod valuation;
mod year;

pub use error::{Error, Result};
pub use framework::{Framework, Issue};
pub use money::{Gbp, MoneyParseError, group_digit_text, group_digits, percent_of};
pub use place::{DeprivedBand, LocationClass};
pub use policy::{
    AssuranceThresholds, DeliveryRequirement, Policy, QuoteRule, RagThresholds, Requirements,
    Weights, WeightsProblem,
};
pub use record::{Record, Records};
pub use rust_decimal::Decimal;
pub use year::{FinancialYear, YearParseError};
