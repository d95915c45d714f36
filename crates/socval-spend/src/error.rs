//! The one error type of this crate. Every variant says where it happened.

use std::path::PathBuf;

/// Anything that can go wrong importing, storing or analysing spend.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A line could not be read as CSV at all (unbalanced quotes, bad bytes).
    #[error("{source_name}, line {line}: {reason}")]
    Csv {
        /// The file as given.
        source_name: String,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// One value on one line is wrong. Nothing is imported.
    #[error("{source_name}, line {line}, column {column}: {value:?}: {reason}")]
    Value {
        /// The file as given.
        source_name: String,
        /// 1-based line number (the header is line 1 in a CSV file).
        line: u64,
        /// The column: its letter and header, e.g. `B (Amount)`.
        column: String,
        /// The value as it appears in the file.
        value: String,
        /// What is wrong and what is accepted.
        reason: String,
    },
    /// A field socval needs has no column in the file.
    #[error(
        "{source_name}: no column for {field} (looked for {accepted}; the file has {found}); name one with --map {field}=HEADER"
    )]
    MissingColumn {
        /// The file as given.
        source_name: String,
        /// The field, e.g. `amount`.
        field: &'static str,
        /// The header names accepted for it.
        accepted: String,
        /// The headers found in the file.
        found: String,
    },
    /// A `--map field=Header` could not be used.
    #[error("--map {spec}: {reason}")]
    Mapping {
        /// The mapping as given.
        spec: String,
        /// What is wrong.
        reason: String,
    },
    /// A spreadsheet could not be opened or has no usable sheet.
    #[error("{source_name}: {reason}")]
    Spreadsheet {
        /// The file as given.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// Parquet could not be written or read.
    #[error("{}: {reason}", path.display())]
    Parquet {
        /// The Parquet file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The same content was imported before; `--replace` re-imports it.
    #[error("{source_name} was already imported (same content, sha256 {sha256}, stored as {}); use --replace to import it again", existing.display())]
    AlreadyImported {
        /// The file as given.
        source_name: String,
        /// Its content hash.
        sha256: String,
        /// The earlier import.
        existing: PathBuf,
    },
    /// A file of the same name but different content was imported before.
    #[error("a file named {source_name} was imported before with different content ({}); importing both would count its payments twice: use --replace to replace the earlier import", existing.display())]
    SameNameImported {
        /// The file as given.
        source_name: String,
        /// The earlier import.
        existing: PathBuf,
    },
    /// A file of a spend area (its settings, its register) could not be
    /// opened or is not what it should hold.
    #[error("{}: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file of a spend area (its settings) could not be written.
    #[error("writing {}: {reason}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A spend area's settings cannot be used: the message names the
    /// option at fault (`--local`, `--region`, `--top`).
    #[error("{reason}")]
    Settings {
        /// What is wrong.
        reason: String,
    },
    /// An export would not fit the chosen format.
    #[error("{reason}")]
    Export {
        /// What is wrong.
        reason: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn write(path: impl Into<PathBuf>, e: impl std::fmt::Display) -> Self {
        Error::Write {
            path: path.into(),
            reason: e.to_string(),
        }
    }

    pub(crate) fn parquet(path: impl Into<PathBuf>, e: impl std::fmt::Display) -> Self {
        Error::Parquet {
            path: path.into(),
            reason: e.to_string(),
        }
    }
}

/// This crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A column's letter (`A`, `B`, … `AA`) from its 0-based index.
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }
}
