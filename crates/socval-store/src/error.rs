//! The store's one error type.

use std::path::PathBuf;

use time::OffsetDateTime;

/// Everything that can go wrong in the store.
///
/// `NotFound` and `Conflict` are their own variants so callers (the web
/// layer, the CLI) can answer 404 / 409 or "already exists" without looking
/// at database error codes; database errors are mapped once, in
/// `From<sqlx::Error>`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The row asked for does not exist (or is not visible: an expired
    /// session, a revoked token, a used invitation all read as not found).
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for: "user", "organisation", "session", ...
        entity: &'static str,
    },
    /// A uniqueness rule was broken: an e-mail address, an organisation
    /// slug, a framework edition that already exists.
    #[error("already exists: {detail}")]
    Conflict {
        /// The database's description of the rule that was broken.
        detail: String,
    },
    /// The change refers to a row that does not exist or breaks a rule of
    /// the schema (a supplier role without a supplier company).
    #[error("invalid: {detail}")]
    Invalid {
        /// What is wrong, in the database's or the store's words.
        detail: String,
    },
    /// The change would leave an organisation without an admin who can
    /// sign in: `user` is its only one (make someone else an admin first).
    #[error(
        "{user} is the only admin of {org} who can sign in: make someone else an admin there first"
    )]
    LastAdmin {
        /// The admin's e-mail address.
        user: String,
        /// The organisation's name.
        org: String,
    },
    /// The account is locked after repeated failed logins.
    #[error("account locked until {until}")]
    Locked {
        /// When the lock ends.
        until: OffsetDateTime,
    },
    /// The database URL is not one the store can open.
    #[error("cannot use database URL {url}: {reason}")]
    Url {
        /// The URL with any password removed.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A backup could not be made.
    #[error("cannot back up to {}: {reason}", path.display())]
    Backup {
        /// The destination asked for.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// Hashing or verifying a password failed (not a wrong password: that
    /// is `Ok(false)` from [`crate::password::verify`]).
    #[error("password hashing failed: {0}")]
    Password(String),
    /// Applying the migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error (connection lost, disk full, ...).
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

/// A `Result` with the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        match &e {
            sqlx::Error::RowNotFound => Error::NotFound { entity: "row" },
            sqlx::Error::Database(db) => match db.kind() {
                ErrorKind::UniqueViolation => Error::Conflict {
                    detail: db.message().to_string(),
                },
                ErrorKind::ForeignKeyViolation
                | ErrorKind::CheckViolation
                | ErrorKind::NotNullViolation => Error::Invalid {
                    detail: db.message().to_string(),
                },
                _ => Error::Database(e),
            },
            _ => Error::Database(e),
        }
    }
}

/// `url` with the password (if any) replaced by `***`, for messages and logs.
pub(crate) fn redact_url(url: &str) -> String {
    // scheme://user:password@host/...
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && let Some((user, _password)) = userinfo.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords_only() {
        for (url, want) in [
            ("postgres://u:secret@h/db", "postgres://u:***@h/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("sqlite://x.db", "sqlite://x.db"),
        ] {
            assert_eq!(redact_url(url), want);
        }
    }
}
