//! Delivery returns: the [`DeliveryStore`] part of the [`crate::Store`],
//! its row types, and [`evidence::EvidenceDir`], where evidence files live.
//!
//! A supplier reports, once per quarter of a contract year (a *period*),
//! the units it delivered per measure (*lines*), a narrative, and evidence
//! files. Officers verify or reject each line with a comment; only
//! verified lines count as delivered (see `socval_core::contract`).
//!
//! - One return per contract and period: a second is a
//!   [`crate::Error::Conflict`] naming the period, and changes nothing.
//! - Lines report measures the contract has commitments for, at most once
//!   each, with units of 0 or more (exact decimals, stored as text).
//! - Evidence files are kept on disk by the SHA-256 of their content
//!   ([`evidence::EvidenceDir`]); the database keeps the hash, size, media
//!   type and the name as uploaded.
//! - Every change writes an audit row in its transaction.

use std::fmt;

use async_trait::async_trait;
use serde::Serialize;
use socval_core::Decimal;
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::model::Actor;
use crate::procurement::Contract;

pub mod evidence;

mod sql;

/// Where an officer's review of a line stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Awaiting review: not counted as delivered.
    Pending,
    /// An officer checked the evidence: counted as delivered.
    Verified,
    /// An officer refused it (the comment says why): not counted.
    Rejected,
}

impl LineStatus {
    /// The name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::Pending => "pending",
            LineStatus::Verified => "verified",
            LineStatus::Rejected => "rejected",
        }
    }
}

impl fmt::Display for LineStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for LineStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(LineStatus::Pending),
            "verified" => Ok(LineStatus::Verified),
            "rejected" => Ok(LineStatus::Rejected),
            _ => Err(Error::Invalid {
                detail: format!("{s:?} is not a line status (one of: pending, verified, rejected)"),
            }),
        }
    }
}

/// One measure's units in a return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReturnLine {
    /// Database id.
    pub id: i64,
    /// The return it belongs to.
    pub return_id: i64,
    /// Measure code.
    pub measure: String,
    /// Units delivered in the period.
    pub units: Decimal,
    /// The officer's review.
    pub status: LineStatus,
    /// The officer's comment (always given for a rejection).
    pub comment: String,
    /// Who reviewed it.
    pub reviewed_by: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339::option")]
    pub reviewed_at: Option<OffsetDateTime>,
}

/// An evidence file of a return (the bytes are in the [`evidence::EvidenceDir`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EvidenceFile {
    /// Database id.
    pub id: i64,
    /// The return it supports.
    pub return_id: i64,
    /// SHA-256 of the content (hex): its name in the evidence directory.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Media type, from the content (see `socval_core::evidence`).
    pub media_type: String,
    /// The file's name as uploaded (made safe).
    pub filename: String,
}

/// A delivery return with its lines and evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeliveryReturn {
    /// Database id.
    pub id: i64,
    /// The organisation that let the contract.
    pub org_id: i64,
    /// The contract.
    pub contract_id: i64,
    /// The supplier company that submitted it (the contract's).
    pub supplier_id: i64,
    /// Contract year, 1-based.
    pub contract_year: i64,
    /// Quarter of the contract year, 1–4.
    pub quarter: i64,
    /// What was done, in the supplier's words.
    pub narrative: String,
    /// Who submitted it (e-mail address or token prefix).
    pub submitted_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// One line per measure, in the order submitted.
    pub lines: Vec<ReturnLine>,
    /// Evidence files, in the order uploaded.
    pub evidence: Vec<EvidenceFile>,
}

impl DeliveryReturn {
    /// `Y1 Q2`: the period, as pages show it.
    pub fn period(&self) -> String {
        format!("Y{} Q{}", self.contract_year, self.quarter)
    }

    /// Lines still awaiting review.
    pub fn pending(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| l.status == LineStatus::Pending)
            .count()
    }
}

/// A line to submit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLine {
    /// Measure code (one the contract has commitments for).
    pub measure: String,
    /// Units delivered (0 or more).
    pub units: Decimal,
}

/// An evidence file already written to the [`evidence::EvidenceDir`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvidence {
    /// SHA-256 of the content (hex).
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Media type from the content.
    pub media_type: String,
    /// The name as uploaded (made safe).
    pub filename: String,
}

/// A return to submit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReturn {
    /// The contract.
    pub contract_id: i64,
    /// The supplier company submitting (must be the contract's).
    pub supplier_id: i64,
    /// Contract year, 1 to the contract's length.
    pub contract_year: i64,
    /// Quarter, 1–4.
    pub quarter: i64,
    /// The narrative (may be empty).
    pub narrative: String,
    /// At least one line.
    pub lines: Vec<NewLine>,
    /// Evidence files.
    pub evidence: Vec<NewEvidence>,
}

/// An officer's decision on a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    /// Verified or rejected (pending puts a decision back).
    pub status: LineStatus,
    /// Why (required to reject).
    pub comment: String,
}

/// A reported line, as the portfolio reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineFact {
    /// The contract.
    pub contract_id: i64,
    /// Contract year.
    pub contract_year: i64,
    /// Quarter.
    pub quarter: i64,
    /// Measure code.
    pub measure: String,
    /// Units.
    pub units: Decimal,
    /// Review status.
    pub status: LineStatus,
}

/// Everything the portfolio of one organisation needs, read in a few
/// queries: its contracts with their commitments, and every return line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortfolioData {
    /// The contracts, by reference.
    pub contracts: Vec<Contract>,
    /// Every line of every return of those contracts.
    pub lines: Vec<LineFact>,
}

/// A return awaiting review, for lists and reminders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnSummary {
    /// The return.
    pub id: i64,
    /// The contract.
    pub contract_id: i64,
    /// Its reference.
    pub contract_reference: String,
    /// Contract year.
    pub contract_year: i64,
    /// Quarter.
    pub quarter: i64,
    /// Lines awaiting review.
    pub pending_lines: i64,
    /// When it was submitted.
    pub submitted_at: OffsetDateTime,
}

/// Delivery returns, their review and evidence. Part of [`crate::Store`];
/// the contracts common to all store methods apply (time is an argument,
/// every change writes an audit row in its transaction, `NotFound`,
/// `Conflict`, `Invalid`).
#[async_trait]
pub trait DeliveryStore {
    /// Records a return with its lines and evidence, in one transaction.
    ///
    /// `Invalid` (naming the field) if the contract is not the supplier's,
    /// the period is outside the contract, there are no lines, a measure
    /// is not one of the contract's or appears twice, or units are
    /// negative; `Conflict` if the period already has a return.
    async fn submit_return(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewReturn,
    ) -> Result<DeliveryReturn>;
    /// One return with its lines and evidence.
    async fn delivery_return(&self, id: i64) -> Result<DeliveryReturn>;
    /// A contract's returns, by period.
    async fn contract_returns(&self, contract_id: i64) -> Result<Vec<DeliveryReturn>>;
    /// The return a line belongs to.
    async fn line_return(&self, line_id: i64) -> Result<DeliveryReturn>;
    /// Verifies or rejects one line (or puts it back to pending). `Invalid`
    /// if a rejection has no comment.
    async fn review_line(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        line_id: i64,
        review: &Review,
    ) -> Result<ReturnLine>;
    /// One evidence file's record.
    async fn evidence_file(&self, id: i64) -> Result<EvidenceFile>;
    /// Whether any return refers to content with this hash.
    async fn evidence_in_use(&self, sha256: &str) -> Result<bool>;
    /// An organisation's contracts, commitments and return lines, for
    /// the portfolio and the dashboard (three queries, whatever the size).
    async fn portfolio_data(&self, org_id: i64) -> Result<PortfolioData>;
    /// Returns with lines awaiting review (an organisation's, or one
    /// supplier company's), oldest first.
    async fn returns_awaiting_review(
        &self,
        org_id: i64,
        supplier_id: Option<i64>,
    ) -> Result<Vec<ReturnSummary>>;
    /// The periods that have a return, per contract, for an organisation
    /// (or one supplier company): `(contract_id, contract_year, quarter)`.
    async fn returned_periods(
        &self,
        org_id: i64,
        supplier_id: Option<i64>,
    ) -> Result<Vec<(i64, i64, i64)>>;
    /// A number that changes whenever anything of the organisation
    /// changes (its latest audit row's id): the key of cached figures.
    async fn change_mark(&self, org_id: i64) -> Result<i64>;
}
