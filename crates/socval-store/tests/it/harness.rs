//! Fresh stores for the contract tests.

use std::str::FromStr;
use std::sync::Arc;

use socval_store::{PgStore, SqliteStore, Store};
use sqlx::postgres::PgConnectOptions;

/// A store on a new SQLite file in a temporary directory (kept alive with
/// the store).
pub struct SqliteHarness {
    pub store: Arc<dyn Store>,
    pub sqlite: SqliteStore,
    _dir: tempfile::TempDir,
}

pub async fn sqlite() -> SqliteHarness {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open_path(&dir.path().join("test.db"))
        .await
        .unwrap();
    SqliteHarness {
        store: Arc::new(sqlite.clone()),
        sqlite,
        _dir: dir,
    }
}

/// A store on PostgreSQL in a schema of its own, so tests run in parallel
/// without seeing each other's rows; the schema is dropped by [`PgHarness::drop`].
pub struct PgHarness {
    pub store: Arc<dyn Store>,
    pub pg: PgStore,
    schema: String,
    url: String,
}

/// The test database URL. Panics when it is missing: a PostgreSQL test that
/// silently passed without PostgreSQL would prove nothing.
pub fn database_url() -> String {
    std::env::var("TEST_DATABASE_URL").expect(
        "TEST_DATABASE_URL is not set: the PostgreSQL tests need a server, e.g. \
         TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo test -p socval-store -- --ignored postgres",
    )
}

pub async fn postgres() -> PgHarness {
    let url = database_url();
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    let schema = format!("test_{}", hex::encode(bytes));
    let admin = sqlx::PgPool::connect(&url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let options = PgConnectOptions::from_str(&url)
        .unwrap()
        .options([("search_path", schema.as_str())]);
    let pg = PgStore::connect(options).await.unwrap();
    PgHarness {
        store: Arc::new(pg.clone()),
        pg,
        schema,
        url,
    }
}

impl PgHarness {
    pub async fn drop(self) {
        self.pg.pool().close().await;
        let admin = sqlx::PgPool::connect(&self.url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA {} CASCADE",
            self.schema
        )))
        .execute(&admin)
        .await
        .unwrap();
        admin.close().await;
    }
}

/// Raw SQL against the store's database, for checking what the trait
/// cannot (and must not) do.
pub enum Raw {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

impl Raw {
    pub async fn execute(&self, sql: &'static str) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Raw::Sqlite(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
            Raw::Pg(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
        })
    }

    /// The first column of the first row, as text.
    pub async fn text(&self, sql: &'static str) -> Result<Option<String>, sqlx::Error> {
        use sqlx::Row;
        Ok(match self {
            Raw::Sqlite(pool) => sqlx::query(sql)
                .fetch_optional(pool)
                .await?
                .map(|r| r.get(0)),
            Raw::Pg(pool) => sqlx::query(sql)
                .fetch_optional(pool)
                .await?
                .map(|r| r.get(0)),
        })
    }
}

impl SqliteHarness {
    pub fn raw(&self) -> Raw {
        Raw::Sqlite(self.sqlite.pool().clone())
    }
}

impl PgHarness {
    pub fn raw(&self) -> Raw {
        Raw::Pg(self.pg.pool().clone())
    }
}
