//! The one error type of `socval-core`.
//!
//! Every variant that comes from reading input says where: the file (as the
//! caller named it), the line, the column and the value, and what would have
//! been accepted.

use crate::FinancialYear;
use crate::framework::Issue;

/// Everything that can go wrong in the social value engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A field of a record could not be read.
    #[error("{file}: line {line}, column `{column}`: {value:?} {problem} (accepted: {expected})")]
    Field {
        /// The file, as the caller named it.
        file: String,
        /// 1-based line number in the file.
        line: u64,
        /// The column (header name, or TOML key).
        column: String,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        problem: String,
        /// What would be accepted.
        expected: String,
    },
    /// A required column is not in the header row.
    #[error(
        "{file}: line 1: no `{column}` column (the header row has: {found}; accepted: {expected})"
    )]
    MissingColumn {
        /// The file, as the caller named it.
        file: String,
        /// The column that is missing.
        column: String,
        /// The columns that were found.
        found: String,
        /// What would be accepted.
        expected: String,
    },
    /// A TOML file could not be read; the message gives line, column and value.
    #[error("{file}: {message}")]
    Toml {
        /// The file, as the caller named it.
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// Input that is well formed but breaks a rule (weights that do not add up,
    /// an unknown category).
    #[error("{file}: {line_text}{message}", line_text = line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Invalid {
        /// The file, as the caller named it.
        file: String,
        /// 1-based line, when known.
        line: Option<u64>,
        /// What is wrong and what would be accepted.
        message: String,
    },
    /// A measure named in input is not in the framework.
    #[error(
        "{file}: line {line}, column `{column}`: {value:?} is not a measure of framework {framework} (accepted: a measure code such as {example:?}, or a measure's exact title)"
    )]
    UnknownMeasure {
        /// The file, as the caller named it.
        file: String,
        /// 1-based line.
        line: u64,
        /// The column or key holding the measure.
        column: String,
        /// The measure as written.
        value: String,
        /// The framework's id.
        framework: String,
        /// A valid code, as an example.
        example: String,
    },
    /// A total or product is beyond what exact decimals hold. Entered
    /// figures are bounded ([`crate::limits`]), so this means many records
    /// near those bounds, or records stored before the bounds existed.
    #[error(
        "{file}: {line_text}{what} is too large to compute exactly (past 79,228,162,514,264,337,593,543,950,335); check the units and amounts entered (each at most 1,000,000,000,000)",
        line_text = line.map(|l| format!("line {l}: ")).unwrap_or_default()
    )]
    Overflow {
        /// The file or record set, as the caller named it.
        file: String,
        /// 1-based line of the record that took the figure past the limit, when known.
        line: Option<u64>,
        /// The figure: "the committed units of measure R01".
        what: String,
    },
    /// A valued measure has no proxy for the year asked for.
    #[error(
        "measure {code} ({title}) has no proxy value for {year}; the framework has it for {available} (give a year it has, or use --carry-forward to use the latest earlier year's proxy)"
    )]
    MissingProxy {
        /// The measure's code.
        code: String,
        /// The measure's title.
        title: String,
        /// The year asked for.
        year: FinancialYear,
        /// The years that do have a proxy, or "no year".
        available: String,
    },
    /// A framework has problems; each issue says where.
    #[error("framework {framework} has {n} problem(s):\n{list}", n = issues.len(), list = issues.iter().map(|i| format!("  - {i}")).collect::<Vec<_>>().join("\n"))]
    InvalidFramework {
        /// The framework's id or file.
        framework: String,
        /// What is wrong, and where.
        issues: Vec<Issue>,
    },
    /// No embedded framework has this name.
    #[error(
        "no embedded framework is called {name:?} (accepted: {available}, or the path of a .toml or .csv framework file)"
    )]
    UnknownFramework {
        /// The name asked for.
        name: String,
        /// The embedded names.
        available: String,
    },
}

/// The result type of `socval-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
