//! The report's sections, one module each; a section module builds each of
//! its tables and graphs with a function of its own. Shared cell helpers
//! are in `crate::model` (cells, columns, rows), `crate::total` (sums and
//! shares) and `crate::html` (numbers and money in words).

pub(crate) mod commitments;
pub(crate) mod contracts;
pub(crate) mod headlines;
pub(crate) mod methods;
pub(crate) mod quotes;
pub(crate) mod spend;
