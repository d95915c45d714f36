//! The PostgreSQL store, and what PostgreSQL does its own way ([`Db`] for
//! [`Postgres`]).

use std::path::Path;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::query::Query;
use sqlx::query_builder::Separated;
use sqlx::{Executor, Postgres};

use crate::audit;
use crate::db::{Db, Param, SqlStore};
use crate::error::{Error, Result};
use crate::model::{AuditEntry, AuditQuery};
use crate::store::Backend;

/// The store on a PostgreSQL database.
pub type PgStore = SqlStore<Postgres>;

impl SqlStore<Postgres> {
    /// Connects to a `postgres://` URL and applies pending migrations.
    pub async fn open(url: &str) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url).map_err(|e| Error::Url {
            url: crate::error::redact_url(url),
            reason: e.to_string(),
        })?;
        Self::connect(options).await
    }

    /// Connects with the given options (for example with a `search_path`
    /// set, as the tests do) and applies pending migrations.
    pub async fn connect(options: PgConnectOptions) -> Result<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(SqlStore { pool })
    }
}

impl Db for Postgres {
    const BACKEND: Backend = Backend::Postgres;
    const BEGIN: &'static str = "BEGIN";

    fn bind<'q, 't, T: Param<'t>>(
        q: Query<'q, Postgres, Self::Arguments>,
        value: T,
    ) -> Query<'q, Postgres, Self::Arguments> {
        q.bind(value)
    }

    fn push_bind<'t, T: Param<'t>>(list: &mut Separated<'_, Postgres, &'static str>, value: T) {
        list.push_bind(value);
    }

    fn pool(pool: &PgPool) -> impl Executor<'_, Database = Postgres> {
        pool
    }

    /// One page of the audit log, row by row.
    async fn audit_page(pool: &PgPool, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let (after, before, limit, org_id) = audit::page_args(q);
        let mut query = sqlx::query(audit::page_sql(q))
            .bind(after)
            .bind(before)
            .bind(limit);
        if let Some(org_id) = org_id {
            query = query.bind(org_id);
        }
        query
            .fetch_all(pool)
            .await?
            .iter()
            .map(audit::audit_from_row)
            .collect()
    }

    async fn backup(_pool: &PgPool, path: &Path) -> Result<()> {
        Err(Error::Backup {
            path: path.to_path_buf(),
            reason: "socval backs up SQLite databases only; for PostgreSQL use pg_dump \
                     (pg_dump --format=custom --file=socval.dump DATABASE_URL)"
                .to_string(),
        })
    }
}
