//! The one error type of `socval-report`.

use std::path::PathBuf;

/// Everything that can go wrong building or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that the social value engine refused (it names file, line,
    /// column and value).
    #[error(transparent)]
    Core(#[from] socval_core::Error),
    /// The spend store or an analysis failed.
    #[error(transparent)]
    Spend(#[from] socval_spend::Error),
    /// The postcode directory or deprivation figures could not be read.
    #[error(transparent)]
    Geo(#[from] socval_geo::Error),
    /// A CSV input could not be read.
    #[error("{file}: {reason}")]
    Csv {
        /// The file, as named by the caller.
        file: String,
        /// What went wrong, with the line where known.
        reason: String,
    },
    /// A field of an input file is not acceptable.
    #[error("{file}: line {line}, column `{column}`: {value:?} {problem} (accepted: {expected})")]
    Field {
        /// The file, as named by the caller.
        file: String,
        /// 1-based line.
        line: u64,
        /// The column.
        column: String,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        problem: String,
        /// What would be accepted.
        expected: String,
    },
    /// Inputs that do not go together.
    #[error("{0}")]
    Input(String),
    /// Writing an output file failed.
    #[error("writing {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A chart could not be drawn.
    #[error("drawing chart {chart}: {reason}")]
    Chart {
        /// The chart's id.
        chart: String,
        /// Why.
        reason: String,
    },
}

impl Error {
    pub(crate) fn write(path: &std::path::Path, e: impl std::fmt::Display) -> Error {
        Error::Write {
            path: path.to_owned(),
            reason: e.to_string(),
        }
    }
}

/// The result type of `socval-report`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
