//! socval-register: the open national registers socval locates suppliers
//! with, imported once per server and shared by every organisation.
//!
//! - [`CompanyNumber`] and [`CharityNumber`]: identifiers normalised as
//!   the registers write them (`8911274` → `08911274`, `sc 12345` →
//!   `SC012345`, `1234567 - 1` → `1234567-1`), impossible ones refused
//!   with a reason ([`InvalidNumber`]).
//! - [`import`] reads the Companies House "Free Company Data Product"
//!   (BasicCompanyData CSV, whole or in parts, plain or zipped) and the
//!   Charity Commission register extract (`publicextract.charity`, text or
//!   JSON), streaming, into compact indexes under `<data-dir>/registers/`,
//!   each replaced atomically with its [`Edition`].
//! - [`Registers`] opens them in milliseconds (memory-mapped) and answers
//!   [`Registers::company`] with a [`Company`] (name, registered-office
//!   postcode, category, status, accounts category, SIC codes, dates) and
//!   [`Registers::charity`] with a [`Charity`] (name, contact postcode,
//!   status, latest income, company number).
//!
//! - [`sample`] writes fictional files in the published layouts (tests,
//!   the demo, benchmarks).
//!
//! ```no_run
//! use socval_register::{CharityNumber, Registers};
//! let registers = Registers::open("socval-data".as_ref())?;
//! let n: CharityNumber = "1234567-1".parse().unwrap();
//! if let (Some(c), Some(e)) = (registers.charity(&n), registers.charities_edition()) {
//!     println!("{} {} (extract of {:?})", c.number, c.name, e.date);
//! }
//! # Ok::<(), socval_register::Error>(())
//! ```
#![deny(missing_docs)]

mod charity;
mod company;
mod data;
mod error;
mod id;
mod index;
pub mod sample;
mod source;

pub use charity::{CHARITY_COLUMNS, Charity};
pub use company::{COMPANY_COLUMNS, Company, Sic};
pub use data::{Edition, ImportSummary, ImportedFile, RegisterPaths, Registers, import};
pub use error::{Error, Result};
pub use id::{COMPANY_PREFIXES, CharityNumber, CompanyNumber, InvalidNumber};
pub use source::{Kind, WrapReader};
