//! Integration tests for socval-store: one contract suite, run on SQLite
//! always and on PostgreSQL in the `postgres` tests (ignored unless asked
//! for; `.ci/run` sets TEST_DATABASE_URL and runs them).

mod contract;
mod delivery;
mod harness;
mod procurement;
mod purchase;
