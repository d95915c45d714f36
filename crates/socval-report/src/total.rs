//! Adding up, again, figures the engine has already added up.
//!
//! The report breaks down by theme, category, contract and year values that
//! the engine totalled with checked arithmetic: a valuation's rows
//! (`socval_core::valuation::value`) and the records of the contracts that
//! [`crate::contracts::trace`] kept, which leaves out, as a problem, any
//! contract whose records do not add up. Every such value is zero or more, so
//! any part of them adds up to no more than a total that fitted. The other
//! figures are whole pence from the store (payments, purchases), each at most
//! an `i64`, so billions of them would be needed to come near the limit. They saturate rather than panic,
//! so a broken assumption would show as an absurd figure, never as a crash.

use socval_core::{Decimal, Gbp};

use crate::model::Cell;

/// `a + b`.
pub(crate) fn plus(a: Gbp, b: Gbp) -> Gbp {
    Gbp::new(a.amount().saturating_add(b.amount()))
}

/// `a + b` units.
pub(crate) fn units_plus(a: Decimal, b: Decimal) -> Decimal {
    a.saturating_add(b)
}

/// `a − b`, for a change between two totals of pence.
pub(crate) fn minus(a: Gbp, b: Gbp) -> Gbp {
    Gbp::new(a.amount().saturating_sub(b.amount()))
}

/// The sum of `amounts`.
pub(crate) fn sum(amounts: impl IntoIterator<Item = Gbp>) -> Gbp {
    amounts.into_iter().fold(Gbp::ZERO, plus)
}

/// `part` as a percentage of `whole`; empty when `whole` is zero.
pub(crate) fn share(part: Gbp, whole: Gbp) -> Cell {
    Cell::percent_opt(socval_core::percent_of(part.amount(), whole.amount()))
}
