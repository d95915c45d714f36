//! The one error type of `socval-app`.

/// What a use case can fail with: the engine that refused, as it said it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A spend file was refused (it names the file, line and field) or the
    /// spend area could not be read or written.
    #[error(transparent)]
    Spend(#[from] socval_spend::Error),
    /// The database refused or failed.
    #[error(transparent)]
    Store(#[from] socval_store::Error),
    /// Work on the blocking pool did not finish (it panicked or the
    /// runtime is shutting down).
    #[error("{what} did not finish: {reason}")]
    Task {
        /// What was being done.
        what: &'static str,
        /// Why it stopped.
        reason: String,
    },
}

/// The result type of `socval-app`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
