//! # socval-app
//!
//! The application layer: socval's use cases, written once and called by
//! every front end (the `socval` command line and the portal). A use case
//! takes the engines it needs (the [`socval_store::Store`], a
//! [`socval_spend::SpendStore`], ...), does the whole job in the order that
//! keeps the data consistent, and returns its own [`Error`]. Front ends
//! parse, authorise, call and render; they do not sequence engines
//! themselves.
//!
//! - [`spend`]: an organisation's spend area: import payments files, replace
//!   the supplier register or the location overrides, each audited and made
//!   whole across crashes; recover what a crash interrupted.
//! - [`report`]: an organisation's annual report from what the portal
//!   stores ([`report::ReportData`], [`report::org_spend`]).
//! - [`engine`]: stored contracts, return lines and purchases as the
//!   engines read them; the policy an organisation works to.
//! - [`framework`]: stored frameworks read back.
//! - [`records`]: CSV text as [`socval_core::Records`], lines counted as an
//!   editor counts them.
//!
//! ```no_run
//! # async fn run(db: &dyn socval_store::Store, org: &socval_store::Organisation) -> Result<(), socval_app::Error> {
//! use socval_app::spend;
//! let area = spend::area(std::path::Path::new("socval-data"), org);
//! let actor = socval_store::Actor::system("example");
//! let now = time::OffsetDateTime::now_utc();
//! let files = vec![std::path::PathBuf::from("payments-2025-26.csv")];
//! let opts = socval_spend::ImportOptions::default();
//! let imported = spend::import_payments(db, &area, org.id, &files, &opts, false, &actor, now).await?;
//! println!("{} payments", imported[0].rows);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![allow(clippy::result_large_err)]

pub mod engine;
mod error;
pub mod framework;
pub mod records;
pub mod report;
pub mod spend;

pub use error::{Error, Result};
