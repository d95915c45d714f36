//! The PostgreSQL store.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

const BACKEND: Backend = Backend::Postgres;

/// The store on a PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
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
        Ok(PgStore { pool })
    }

    /// The connection pool, for tests and tools that need raw SQL.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// One page of the audit log, row by row.
async fn audit_impl(store: &PgStore, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
    let mut query = sqlx::query(crate::sql::audit_page_sql(q))
        .bind(q.after_id.unwrap_or(i64::MIN))
        .bind(q.before_id.unwrap_or(i64::MAX))
        .bind(q.limit.clamp(0, 10_000));
    if let Some(org_id) = q.org_id {
        query = query.bind(org_id);
    }
    query
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(audit_from_row)
        .collect()
}

async fn backup_impl(_store: &PgStore, path: &Path) -> Result<()> {
    Err(Error::Backup {
        path: path.to_path_buf(),
        reason: "socval backs up SQLite databases only; for PostgreSQL use pg_dump \
                 (pg_dump --format=custom --file=socval.dump DATABASE_URL)"
            .to_string(),
    })
}

store_impl!(PgStore, sqlx::Postgres, "BEGIN");
crate::purchase::purchase_impl!(PgStore, sqlx::Postgres, "BEGIN");
procurement_impl!(PgStore, sqlx::Postgres, "BEGIN");
delivery_impl!(PgStore, sqlx::Postgres, "BEGIN");
