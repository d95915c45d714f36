//! What the portal keeps in memory between requests: parsed frameworks
//! (they never change once imported) and each organisation's built
//! portfolio figures (kept until its data changes; see `dashboard.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use socval_core::portfolio::{ContractLine, Portfolio};
use socval_core::{Framework, RagThresholds};
use time::Date;

/// Built figures of one organisation, and what they were built from.
#[derive(Debug)]
pub(crate) struct Built {
    /// The organisation's latest audit row id when they were built.
    pub(crate) mark: i64,
    /// The day they were built for.
    pub(crate) as_of: Date,
    /// The organisation's RAG thresholds they were built with.
    pub(crate) rag: RagThresholds,
    /// The figures.
    pub(crate) portfolio: Portfolio,
    /// Contracts at risk, furthest behind first (indexes into
    /// `portfolio.contracts`).
    pub(crate) at_risk: Vec<usize>,
    /// Contracts by social value committed, largest first (indexes).
    pub(crate) by_value: Vec<usize>,
}

impl Built {
    /// The contracts at risk, furthest behind first.
    pub(crate) fn at_risk(&self) -> impl Iterator<Item = &ContractLine> {
        self.at_risk.iter().map(|&i| &self.portfolio.contracts[i])
    }
}

/// Portfolios by organisation id, and parsed frameworks by id.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    pub(crate) built: Mutex<HashMap<i64, Arc<Built>>>,
    pub(crate) frameworks: Mutex<HashMap<i64, Arc<Framework>>>,
    /// One build at a time: fifty requests arriving at once after a change
    /// wait for one build instead of doing fifty.
    pub(crate) building: tokio::sync::Mutex<()>,
}

/// Locks `m`, whether or not a panic poisoned it (the maps stay usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
