//! What differs between the two backends, in one place: the [`Db`] trait,
//! implemented for [`sqlx::Sqlite`] and [`sqlx::Postgres`], and
//! [`SqlStore`], the store over either.
//!
//! Every statement of the store is written once, in functions generic over
//! `DB: Db`. sqlx's own generic code needs a where-clause at every use
//! (`i64: Encode<DB> + Type<DB>`, `for<'c> &'c mut DB::Connection:
//! Executor<'c>`, ...), because Rust does not carry a trait's where-clauses
//! to the places that use it. Bounds on a trait's associated types *are*
//! carried, so the store asks for what it needs through them instead:
//!
//! - a value bound to a statement is a [`Param`] (both backends encode it)
//!   and is bound with [`Bind::arg`], which hands it to the backend's own,
//!   concrete `bind`;
//! - a column is read with [`Columns::col`] into a [`Value`] (both
//!   backends decode it);
//! - a statement runs on [`Conn::executor`]: a connection, a pooled
//!   connection or a transaction, or [`SqlStore::executor`] for the pool.
//!
//! The rest of the differences are the constants and functions of [`Db`]:
//! how a write transaction starts, whether a row lock is needed, and the
//! two operations each backend does its own way (a page of the audit log,
//! backups).

use std::future::Future;
use std::path::Path;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgQueryResult, PgRow};
use sqlx::query::Query;
use sqlx::query_builder::Separated;
use sqlx::sqlite::{SqliteConnection, SqliteQueryResult, SqliteRow};
use sqlx::{
    Database, Decode, Encode, Executor, IntoArguments, Pool, Postgres, Sqlite, Transaction, Type,
};

use crate::error::Result;
use crate::model::{AuditEntry, AuditQuery};
use crate::store::Backend;

/// A value both backends can bind to a statement.
pub trait Param<'t>:
    Encode<'t, Sqlite> + Type<Sqlite> + Encode<'t, Postgres> + Type<Postgres> + Send + 't
{
}

impl<'t, T> Param<'t> for T where
    T: Encode<'t, Sqlite> + Type<Sqlite> + Encode<'t, Postgres> + Type<Postgres> + Send + 't
{
}

/// A value both backends can read from a column.
pub trait Value:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl<T> Value for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

/// Reading a row's columns by name, on either backend.
pub trait Columns {
    /// The column `name` as a `T`; an error if there is no such column or
    /// its value does not decode as a `T`.
    fn col<T: Value>(&self, name: &str) -> Result<T, sqlx::Error>;
}

impl Columns for SqliteRow {
    fn col<T: Value>(&self, name: &str) -> Result<T, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
}

impl Columns for PgRow {
    fn col<T: Value>(&self, name: &str) -> Result<T, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
}

/// What a statement that returns no rows did, on either backend.
pub trait Done {
    /// How many rows it inserted, changed or deleted.
    fn rows_affected(&self) -> u64;
}

impl Done for SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        SqliteQueryResult::rows_affected(self)
    }
}

impl Done for PgQueryResult {
    fn rows_affected(&self) -> u64 {
        PgQueryResult::rows_affected(self)
    }
}

/// Something statements run on: a connection, a pooled connection or a
/// transaction of backend [`Conn::Db`].
pub trait Conn: Send {
    /// The backend.
    type Db: Db;
    /// This connection as sqlx's executor.
    fn executor(&mut self) -> impl Executor<'_, Database = Self::Db>;
}

impl Conn for SqliteConnection {
    type Db = Sqlite;
    fn executor(&mut self) -> impl Executor<'_, Database = Sqlite> {
        self
    }
}

impl Conn for PgConnection {
    type Db = Postgres;
    fn executor(&mut self) -> impl Executor<'_, Database = Postgres> {
        self
    }
}

impl<DB: Db> Conn for PoolConnection<DB> {
    type Db = DB;
    fn executor(&mut self) -> impl Executor<'_, Database = DB> {
        (**self).executor()
    }
}

impl<DB: Db> Conn for Transaction<'_, DB> {
    type Db = DB;
    fn executor(&mut self) -> impl Executor<'_, Database = DB> {
        (**self).executor()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for sqlx::Sqlite {}
    impl Sealed for sqlx::Postgres {}
}

/// A database socval runs on: [`sqlx::Sqlite`] or [`sqlx::Postgres`]
/// (sealed). Its associated-type bounds are what lets the store's generic
/// code use sqlx without a where-clause per function (see the module
/// documentation).
pub trait Db:
    Database<
        Arguments: IntoArguments<Self>,
        Row: Columns,
        Connection: Conn<Db = Self>,
        QueryResult: Done,
    > + sealed::Sealed
{
    /// Which backend this is.
    const BACKEND: Backend;
    /// The statement a write transaction starts with. SQLite's `BEGIN
    /// IMMEDIATE` takes the write lock at once, so two writers queue
    /// instead of one failing with "database is locked" when it upgrades.
    const BEGIN: &'static str;

    /// `q` with `value` bound to its next placeholder.
    fn bind<'q, 't, T: Param<'t>>(
        q: Query<'q, Self, Self::Arguments>,
        value: T,
    ) -> Query<'q, Self, Self::Arguments>;

    /// `value` bound as the next item of a [`sqlx::QueryBuilder`] list.
    fn push_bind<'t, T: Param<'t>>(list: &mut Separated<'_, Self, &'static str>, value: T);

    /// The pool as sqlx's executor.
    fn pool(pool: &Pool<Self>) -> impl Executor<'_, Database = Self>;

    /// One page of the audit log (see [`crate::Store::audit`]).
    fn audit_page(
        pool: &Pool<Self>,
        q: &AuditQuery,
    ) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;

    /// A consistent copy of the database at `path` (see
    /// [`crate::Store::backup`]).
    fn backup(pool: &Pool<Self>, path: &Path) -> impl Future<Output = Result<()>> + Send;
}

/// Binding values to a statement of either backend: `.arg(v)` where sqlx
/// code has `.bind(v)`.
pub trait Bind<'t> {
    /// The statement with `value` bound to its next placeholder.
    fn arg<T: Param<'t>>(self, value: T) -> Self;
}

impl<'q, 't, DB: Db> Bind<'t> for Query<'q, DB, DB::Arguments> {
    fn arg<T: Param<'t>>(self, value: T) -> Self {
        DB::bind(self, value)
    }
}

/// Binding values in a [`sqlx::QueryBuilder`] list of either backend.
pub trait PushBind<'t> {
    /// `value` bound as the list's next item.
    fn arg<T: Param<'t>>(&mut self, value: T) -> &mut Self;
}

impl<'t, DB: Db> PushBind<'t> for Separated<'_, DB, &'static str> {
    fn arg<T: Param<'t>>(&mut self, value: T) -> &mut Self {
        DB::push_bind(self, value);
        self
    }
}

/// The store on a database of backend `DB`; see [`crate::SqliteStore`]
/// and [`crate::PgStore`].
#[derive(Debug)]
pub struct SqlStore<DB: Database> {
    pub(crate) pool: Pool<DB>,
}

// Not derived: that would ask for `DB: Clone`, which the backends' marker
// types are not.
impl<DB: Database> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        SqlStore {
            pool: self.pool.clone(),
        }
    }
}

impl<DB: Db> SqlStore<DB> {
    /// The connection pool, for tests and tools that need raw SQL.
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// The pool as sqlx's executor, for statements outside a transaction.
    pub(crate) fn executor(&self) -> impl Executor<'_, Database = DB> {
        DB::pool(&self.pool)
    }
}
