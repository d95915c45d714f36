//! # socval-store
//!
//! Persistence for socval: one [`Store`] trait, implemented for SQLite
//! ([`SqliteStore`], the embedded default: one file, WAL, foreign keys on)
//! and PostgreSQL ([`PgStore`]), chosen by the database URL. Each backend
//! has its own numbered migrations (`migrations/sqlite`,
//! `migrations/postgres`), embedded in the binary and applied at start-up.
//!
//! Main types: [`Store`] (everything the portal keeps: organisations, users,
//! memberships, supplier companies, invitations, sessions, API tokens,
//! frameworks, the append-only audit log), the row types in [`model`]
//! (re-exported here), [`Error`] with its `NotFound` and `Conflict`
//! variants, [`password`] (Argon2id) and [`login::authenticate`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), socval_store::Error> {
//! use socval_store::{Actor, NewOrganisation, OrgKind};
//! let store = socval_store::open("sqlite://socval-data/socval.db").await?;
//! let now = time::OffsetDateTime::now_utc();
//! let org = store
//!     .create_organisation(&Actor::system("cli"), now, &NewOrganisation::new("rotherham", "Rotherham MBC", OrgKind::Council))
//!     .await?;
//! assert_eq!(store.organisation_by_slug("Rotherham").await?.id, org.id);
//! # Ok(()) }
//! ```
//!
//! ## One implementation for both backends
//!
//! Every statement is written once, in plain Rust generic over the backend
//! (`DB: `[`Db`], implemented for [`sqlx::Sqlite`] and [`sqlx::Postgres`]
//! only), one module per part of the store: accounts (`account.rs`),
//! sessions, API tokens, invitations, frameworks, spend files, the audit
//! log, procurement, delivery, purchases. [`SqliteStore`] and [`PgStore`]
//! are [`SqlStore`] over each backend, so the two cannot drift: there is no
//! second copy to forget. Everything that differs is named in `src/db.rs`:
//! how a write transaction starts (`BEGIN IMMEDIATE` / `BEGIN`), which
//! backend it is (PostgreSQL locks an organisation's row before the
//! last-admin check), a page of the audit log (SQLite builds it as one JSON
//! row) and backups (`VACUUM INTO` / refused).
//!
//! Why this shape, rather than the alternatives:
//!
//! - sqlx's generic API wants a where-clause at each generic function
//!   (`i64: Encode<DB> + Type<DB>`, `for<'c> &'c mut DB::Connection:
//!   Executor<'c>`, ...) because Rust does not carry a trait's
//!   where-clauses to its users. Bounds on a trait's *associated types* are
//!   carried, so [`Db`] states what the store needs there once, and values
//!   go through two small traits that both backends satisfy: statements
//!   bind with `.arg(v)` (where sqlx code has `.bind(v)`) and rows read with
//!   `.col("name")` (for `.try_get`). No function or impl block repeats a
//!   bound.
//! - sqlx's `Any` driver decodes no time types (PostgreSQL's `timestamptz`
//!   would need casts in every statement) and converts every row.
//! - Shared SQL strings with two copies of the Rust around them leave the
//!   binding and row mapping to drift.
//!
//! The generic code is compiled once per backend, as the macros were, so it
//! runs as fast as before: timings are in `docs/store.md` ("One
//! implementation for both backends").
#![deny(missing_docs)]

mod account;
mod audit;
pub mod bench;
mod db;
pub mod delivery;
mod error;
mod framework;
mod invitation;
pub mod login;
pub mod model;
pub mod password;
mod postgres;
pub mod procurement;
pub mod purchase;
pub mod secret;
mod session;
mod spend;
mod sql;
mod sqlite;
mod store;
mod token;

use std::sync::Arc;

pub use db::{Db, SqlStore};
pub use delivery::DeliveryStore;
pub use error::{Error, Result};
pub use model::*;
pub use postgres::PgStore;
pub use procurement::ProcurementStore;
pub use purchase::{
    AuditOpinion, NewPurchase, NewPurchaseAudit, Purchase, PurchaseAudit, PurchaseAuditItem,
    PurchaseQuote, PurchaseStore, QuoteLocation, quote_location,
};
pub use sqlite::SqliteStore;
pub use store::{Backend, Store};

/// Opens the store a URL names and applies pending migrations:
/// `sqlite://path/to/file.db` (created if missing), `sqlite::memory:`, or
/// `postgres://user:password@host:port/database`.
///
/// Returns [`Error::Url`] for any other scheme, or the connection or
/// migration error.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url).await?))
    } else {
        Err(Error::Url {
            url: error::redact_url(url),
            reason: "expected sqlite://PATH or postgres://USER@HOST/DATABASE".to_string(),
        })
    }
}

/// Money in the database is whole pence; this converts an amount for
/// storage. Returns [`Error::Invalid`] for a fraction of a penny (which
/// would otherwise be rounded away) or an amount too large for `i64`.
pub fn pence(amount: socval_core::Gbp) -> Result<i64> {
    amount.to_pence().ok_or_else(|| Error::Invalid {
        detail: format!("£{amount} is not a whole number of pence"),
    })
}
