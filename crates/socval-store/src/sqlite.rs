//! The SQLite store: one file, WAL mode, foreign keys on.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

const BACKEND: Backend = Backend::Sqlite;

/// The store on an SQLite database file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at an `sqlite://path` URL and
    /// applies pending migrations. `sqlite::memory:` gives a private
    /// in-memory database (one connection), for tests.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url).map_err(|e| Error::Url {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
        Self::connect(options).await
    }

    /// Opens (creating if missing) the database file at `path` and applies
    /// pending migrations.
    pub async fn open_path(path: &Path) -> Result<SqliteStore> {
        Self::connect(SqliteConnectOptions::new().filename(path)).await
    }

    /// Opens with the given options, adding the settings socval relies on:
    /// create if missing, WAL journal, foreign keys, a 5 s busy timeout.
    pub async fn connect(options: SqliteConnectOptions) -> Result<SqliteStore> {
        let in_memory = options.get_filename().as_os_str() == ":memory:";
        let options = options
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // WAL: readers never wait for the writer. NORMAL is durable in
            // WAL mode except for the last transactions on power loss.
            .journal_mode(if in_memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal);
        // Measured with bench/web (docs/web.md) on two cores: 4 and 8
        // connections serve pages equally fast within the noise, 2 were
        // slower for the home page (three queries); each
        // connection keeps sqlx's cache of 100 prepared statements, so the
        // portal's queries are parsed once per connection. A memory map
        // (`mmap_size`) made no measurable difference: the pages read per
        // request are in SQLite's page cache already.
        let pool = SqlitePoolOptions::new()
            // An in-memory database exists once per connection.
            .max_connections(if in_memory { 1 } else { 8 })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// The connection pool, for tests and tools that need raw SQL.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

async fn backup_impl(store: &SqliteStore, path: &Path) -> Result<()> {
    let fail = |reason: String| Error::Backup {
        path: path.to_path_buf(),
        reason,
    };
    if path.exists() {
        return Err(fail(
            "the file exists; choose a new name (backups never overwrite)".to_string(),
        ));
    }
    let text = path
        .to_str()
        .ok_or_else(|| fail("the path is not valid UTF-8".to_string()))?;
    // VACUUM INTO writes a consistent snapshot (one read transaction) while
    // other connections keep reading and writing.
    sqlx::query("VACUUM INTO $1")
        .bind(text)
        .execute(&store.pool)
        .await
        .map_err(|e| fail(e.to_string()))?;
    Ok(())
}

store_impl!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::purchase::purchase_impl!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
procurement_impl!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
delivery_impl!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
