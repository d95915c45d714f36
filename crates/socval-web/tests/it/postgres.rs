//! The router tests that matter most for the store, run again with the
//! portal on PostgreSQL: the authorization matrix, CSRF on every POST
//! route, signing in and sessions, and member management. Ignored in the
//! plain run (no server on a newcomer's machine); `.ci/run` runs them with
//! `TEST_DATABASE_URL` set (`cargo test -- --ignored postgres`). Each test
//! gets a schema of its own, dropped when its world is.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use socval_store::{PgStore, Store};
use sqlx::postgres::PgConnectOptions;

use crate::support::world_pg;

/// A test's schema; dropped (with the connections into it) on drop.
pub struct Schema {
    url: String,
    name: String,
}

/// The test database URL. Panics when it is missing: a PostgreSQL test that
/// passed without PostgreSQL would prove nothing.
fn database_url() -> String {
    std::env::var("TEST_DATABASE_URL").expect(
        "TEST_DATABASE_URL is not set: the PostgreSQL tests need a server, e.g. \
         TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo test -p socval-web -- --ignored postgres",
    )
}

/// A store on a new schema of the test database.
pub async fn store() -> (Arc<dyn Store>, Schema) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let url = database_url();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "web_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let admin = sqlx::PgPool::connect(&url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let schema = Schema {
        url: url.clone(),
        name,
    };
    // Connections are named after the schema so that the drop can end
    // them.
    let options = PgConnectOptions::from_str(&url)
        .unwrap()
        .application_name(&schema.name)
        .options([("search_path", schema.name.as_str())]);
    let store = PgStore::connect(options).await.expect("migrate the schema");
    (Arc::new(store), schema)
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        // Usually reached inside the test's runtime: clean up on a thread
        // with a runtime of its own.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let admin = sqlx::PgPool::connect(&url).await?;
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE application_name = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&name)
                .execute(&admin)
                .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {name} CASCADE"
                )))
                .execute(&admin)
                .await?;
                admin.close().await;
                Ok::<_, sqlx::Error>(())
            })
            .map_err(|e| e.to_string())
        })
        .join();
        if !matches!(done, Ok(Ok(()))) {
            eprintln!("could not drop test schema {}: {done:?}", self.name);
        }
    }
}

/// Runs check functions `pub async fn name(w: World)` of the calling
/// module as tests on SQLite (`module::sqlite::name`); `on_postgres!` below
/// runs the same functions on PostgreSQL.
#[macro_export]
macro_rules! on_sqlite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name($crate::support::world().await).await;
                }
            )*
        }
    };
}

macro_rules! on_postgres {
    ($($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            #[ignore = "needs PostgreSQL: .ci/run sets TEST_DATABASE_URL"]
            async fn $name() {
                crate::$module::$name(world_pg().await).await;
            }
        )*
    };
}

on_postgres!(
    matrix::every_route_allows_and_refuses_as_the_rules_say,
    pages::every_post_route_refuses_requests_without_a_valid_csrf_token,
    account::sign_in_sets_a_safe_cookie_and_the_session_works_until_sign_out,
    account::sessions_end_after_30_idle_minutes,
    account::sign_out_everywhere_ends_every_session,
    account::a_wrong_password_keeps_the_email_and_five_lock_the_account,
    member::an_admin_changes_a_members_role_and_it_is_audited,
    member::bad_role_forms_redisplay_with_errors_and_change_nothing,
    member::an_admin_cannot_lock_themselves_out,
    member::removing_a_member_ends_their_access_to_the_organisation,
    member::disabling_an_account_signs_its_user_out_until_enabled,
    member::an_account_shared_with_another_organisation_is_not_an_admins_to_disable,
);
