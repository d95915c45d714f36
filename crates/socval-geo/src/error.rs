//! The one error type of socval-geo.

use std::path::PathBuf;

/// Everything that can go wrong reading postcode, deprivation and name
/// files or the index built from them. Each variant says where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A CSV row could not be read at all (bad quoting, bad UTF-8...).
    #[error("{}: line {line}: {reason}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What went wrong.
        reason: String,
    },
    /// One field of one row holds a value that cannot be used.
    #[error("{}: line {line}: field `{field}`: {reason} (found {value:?})", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The column name (or position for files without a header).
        field: String,
        /// The value found.
        value: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A postcode file with no column socval recognises as the postcode.
    #[error(
        "{}: no postcode column; found columns: {}; accepted names: {}",
        path.display(), found.join(", "), accepted.join(", ")
    )]
    NoPostcodeColumn {
        /// The file.
        path: PathBuf,
        /// The header names found.
        found: Vec<String>,
        /// The names accepted for the postcode column.
        accepted: Vec<String>,
    },
    /// A required column is missing (deprivation, names, lookup files).
    #[error("{}: no {what} column; found columns: {}; accepted names: {}", path.display(), found.join(", "), accepted.join(", "))]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// What the column holds.
        what: String,
        /// The header names found.
        found: Vec<String>,
        /// The names accepted.
        accepted: Vec<String>,
    },
    /// The kind of a file could not be recognised from its first line.
    #[error("{}: cannot tell what kind of file this is from its first line {first_line:?}: no postcode column (found columns: {columns}; accepted postcode columns: {accepted}), and not an IMD, LSOA lookup, names or Code-Point Open file; use --kind", path.display())]
    UnknownKind {
        /// The file.
        path: PathBuf,
        /// Its first line (truncated).
        first_line: String,
        /// The columns found in it, as read.
        columns: String,
        /// The postcode column names accepted.
        accepted: String,
    },
    /// A stored index or data file is damaged or from another version.
    #[error("{}: not a usable socval geo file: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Nothing has been imported yet.
    #[error("no postcode index at {}: run `socval geo import FILE` first", path.display())]
    NoIndex {
        /// Where the index was expected.
        path: PathBuf,
    },
    /// A local definition or point that cannot be used.
    #[error("{0}")]
    Definition(String),
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
