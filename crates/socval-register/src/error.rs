//! The one error type of socval-register.

use std::path::PathBuf;

/// Everything that can go wrong reading a register file or the index built
/// from it. Each variant says where; a failed import leaves the previous
/// edition in place.
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
    /// A row could not be read at all (bad quoting, a JSON syntax error...).
    #[error("{}: line {line}: {reason}", path.display())]
    Syntax {
        /// The file (for a ZIP, `archive.zip/entry.csv`).
        path: PathBuf,
        /// 1-based line number, as an editor shows it.
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
        /// The column name as published.
        field: String,
        /// The value found.
        value: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A register file without a column socval needs.
    #[error("{}: this {register} file has no column {missing:?}; found columns: {}", path.display(), found.join(", "))]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// Which register the file looked like.
        register: &'static str,
        /// The column that is missing.
        missing: String,
        /// The header names found.
        found: Vec<String>,
    },
    /// The file is not a register socval knows.
    #[error("{}: not a register socval reads: expected a Companies House BasicCompanyData CSV (or its ZIP) or a Charity Commission publicextract.charity file (text or JSON); its first line is {first_line:?}", path.display())]
    UnknownKind {
        /// The file.
        path: PathBuf,
        /// Its first line (truncated).
        first_line: String,
    },
    /// A ZIP archive that cannot be read.
    #[error("{}: {reason}", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A stored index is damaged, from another version, or too large.
    #[error("{}: not a usable socval register index: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The register has not been imported.
    #[error("no {register} register at {}: run `socval registers import FILE` first", path.display())]
    NoIndex {
        /// Which register.
        register: &'static str,
        /// Where the index was expected.
        path: PathBuf,
    },
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
