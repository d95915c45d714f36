//! The SQLite store: one file, WAL mode, foreign keys on; and what SQLite
//! does its own way ([`Db`] for [`Sqlite`]).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::query::Query;
use sqlx::query_builder::Separated;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Executor, Row as _, Sqlite};
use time::OffsetDateTime;

use crate::audit;
use crate::db::{Db, Param, SqlStore};
use crate::error::{Error, Result};
use crate::model::{AuditEntry, AuditQuery};
use crate::sql::AUDIT_COLS;
use crate::store::Backend;

/// The store on an SQLite database file.
pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
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
        Ok(SqlStore { pool })
    }
}

impl Db for Sqlite {
    const BACKEND: Backend = Backend::Sqlite;
    const BEGIN: &'static str = "BEGIN IMMEDIATE";

    fn bind<'q, 't, T: Param<'t>>(
        q: Query<'q, Sqlite, Self::Arguments>,
        value: T,
    ) -> Query<'q, Sqlite, Self::Arguments> {
        q.bind(value)
    }

    fn push_bind<'t, T: Param<'t>>(list: &mut Separated<'_, Sqlite, &'static str>, value: T) {
        list.push_bind(value);
    }

    fn pool(pool: &SqlitePool) -> impl Executor<'_, Database = Sqlite> {
        pool
    }

    /// One page of the audit log, fetched as a single row: SQLite builds the
    /// page as one JSON array. sqlx hands every SQLite row from the
    /// connection's worker thread to the async task on its own, which cost
    /// about 6 µs of CPU a row under load (bench/web: 3,700 requests a second
    /// for a page of 50 rows, 8,500 for one row), more than reading the rows.
    async fn audit_page(pool: &SqlitePool, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT json_group_array(json_array({})) AS page FROM ({})",
            AUDIT_COLS,
            audit::page_sql(q)
        );
        // Only our own constant strings go into `sql`.
        let (after, before, limit, org_id) = audit::page_args(q);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(before)
            .bind(limit);
        if let Some(org_id) = org_id {
            query = query.bind(org_id);
        }
        let page: String = query.fetch_one(pool).await?.try_get("page")?;
        type Cols = (
            i64,
            String,
            Option<i64>,
            String,
            Option<i64>,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Cols> = serde_json::from_str(&page).map_err(|e| Error::Invalid {
            detail: format!("audit page from SQLite: {e}"),
        })?;
        let mut entries = rows
            .into_iter()
            .map(
                |(
                    id,
                    at,
                    actor_user_id,
                    actor,
                    org_id,
                    action,
                    entity_type,
                    entity_id,
                    before,
                    after,
                )| {
                    Ok(AuditEntry {
                        id,
                        at: OffsetDateTime::parse(
                            &at,
                            &time::format_description::well_known::Rfc3339,
                        )
                        .map_err(|e| Error::Invalid {
                            detail: format!("audit row {id}: time {at:?}: {e}"),
                        })?,
                        actor_user_id,
                        actor,
                        org_id,
                        action: action.parse()?,
                        entity_type,
                        entity_id,
                        before,
                        after,
                    })
                },
            )
            .collect::<Result<Vec<_>>>()?;
        // The aggregate's order is SQLite's choice: restore the page's.
        if q.newest_first {
            entries.sort_unstable_by_key(|e| std::cmp::Reverse(e.id));
        } else {
            entries.sort_unstable_by_key(|e| e.id);
        }
        Ok(entries)
    }

    async fn backup(pool: &SqlitePool, path: &Path) -> Result<()> {
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
            .execute(pool)
            .await
            .map_err(|e| fail(e.to_string()))?;
        Ok(())
    }
}
