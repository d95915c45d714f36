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
/// without seeing each other's rows. The schema is dropped by
/// [`PgHarness::drop`] at the end of a test, and by [`SchemaGuard`] when a
/// test panics before that (or never calls it), so failed runs leave no
/// `test_...` schemas behind.
pub struct PgHarness {
    pub store: Arc<dyn Store>,
    pub pg: PgStore,
    guard: SchemaGuard,
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
    // From here on the schema exists: the guard drops it even if the
    // migrations below panic.
    let guard = SchemaGuard {
        url: url.clone(),
        schema,
        dropped: false,
    };
    // The connections are named after the schema, so that the guard can
    // end them (a panicking test may leave one inside a transaction).
    let options = PgConnectOptions::from_str(&url)
        .unwrap()
        .application_name(&guard.schema)
        .options([("search_path", guard.schema.as_str())]);
    let pg = PgStore::connect(options).await.unwrap();
    PgHarness {
        store: Arc::new(pg.clone()),
        pg,
        guard,
    }
}

impl PgHarness {
    /// Closes the pool and drops the schema (the end of a passing test).
    pub async fn drop(mut self) {
        self.pg.pool().close().await;
        drop_schema(&self.guard.url, &self.guard.schema)
            .await
            .unwrap();
        self.guard.dropped = true;
    }

    /// The schema's name.
    pub fn schema(&self) -> &str {
        &self.guard.schema
    }
}

/// Drops a test schema when it goes out of scope without
/// [`PgHarness::drop`] having done so: when the test panicked.
struct SchemaGuard {
    url: String,
    schema: String,
    dropped: bool,
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Usually reached while a panicking test unwinds inside its tokio
        // runtime: clean up on a thread with a runtime of its own.
        let (url, schema) = (self.url.clone(), self.schema.clone());
        let done = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?
                .block_on(drop_schema(&url, &schema))
                .map_err(|e| e.to_string())
        })
        .join();
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test schema {}: {e}", self.schema),
            Err(_) => eprintln!(
                "could not drop test schema {}: clean-up panicked",
                self.schema
            ),
        }
    }
}

/// Ends the connections of a test's pool (named after its schema) and
/// drops the schema.
async fn drop_schema(url: &str, schema: &str) -> Result<(), sqlx::Error> {
    let admin = sqlx::PgPool::connect(url).await?;
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = $1 AND pid <> pg_backend_pid()",
    )
    .bind(schema)
    .execute(&admin)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&admin)
    .await?;
    admin.close().await;
    Ok(())
}

/// Whether a schema of this name exists.
async fn schema_exists(url: &str, schema: &str) -> bool {
    let admin = sqlx::PgPool::connect(url).await.unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = $1",
    )
    .bind(schema)
    .fetch_one(&admin)
    .await
    .unwrap();
    admin.close().await;
    n == 1
}

#[test]
#[ignore = "needs PostgreSQL: .ci/run sets TEST_DATABASE_URL"]
fn postgres_schema_is_dropped_when_a_test_panics() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let schema = std::sync::Mutex::new(String::new());
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            let h = postgres().await;
            *schema.lock().unwrap() = h.schema().to_owned();
            assert!(schema_exists(&database_url(), h.schema()).await);
            // A test that dies half-way through a write: its transaction
            // still holds locks that DROP SCHEMA would wait for.
            let mut tx = h.pg.pool().begin().await.unwrap();
            sqlx::query(
                "INSERT INTO organisations (slug, name, kind, procurement_threshold_pence, \
                 small_purchase_threshold_pence, created_at) VALUES ('x', 'X', 'council', 0, 0, now())",
            )
            .execute(&mut *tx)
            .await
            .unwrap();
            panic!("a test failing half-way through (expected by this test)");
        })
    }));
    assert!(outcome.is_err(), "the inner test panicked");
    let schema = schema.into_inner().unwrap();
    assert!(schema.starts_with("test_"), "{schema}");
    assert!(
        !rt.block_on(schema_exists(&database_url(), &schema)),
        "schema {schema} was left behind by a panicking test"
    );
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
