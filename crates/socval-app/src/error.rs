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
    /// The social value engine refused stored or given data (it names the
    /// record).
    #[error(transparent)]
    Core(#[from] socval_core::Error),
    /// A report could not be built.
    #[error(transparent)]
    Report(#[from] socval_report::Error),
    /// Something stored that no longer reads (a framework's source).
    #[error("{0}")]
    Stored(String),
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
