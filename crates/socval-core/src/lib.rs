//! # socval-core
//!
//! The social value domain, pure: no IO, no async, no clock. Time and
//! randomness are arguments.
//!
//! Main types:
//! - [`Gbp`]: exact money (a decimal number of pounds; never floating point).
//! - [`FinancialYear`]: 1 April – 31 March, written `2019/20`.
//!
//! ```
//! use socval_core::{FinancialYear, Gbp};
//! let proxy = Gbp::parse("26273.4683").unwrap();
//! let value = proxy.checked_mul_units("38.03".parse().unwrap()).unwrap();
//! assert_eq!(value.display_whole_pounds(), "£999,162");
//! assert_eq!(FinancialYear::starting(2019).to_string(), "2019/20");
//! ```
#![deny(missing_docs)]

mod money;
mod year;

pub use money::{Gbp, MoneyParseError};
pub use rust_decimal::Decimal;
pub use year::{FinancialYear, YearParseError};
