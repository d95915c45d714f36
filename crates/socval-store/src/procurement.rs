//! Procurements, sealed bids, evaluation scores and contracts: the
//! [`ProcurementStore`] part of the [`crate::Store`], and its row types.
//!
//! The life of a procurement: created in `draft` (editable), published
//! (`open`: invited suppliers bid until the deadline), its bids opened
//! after the deadline (`closed`: officers score them), evaluated (ranks
//! frozen), awarded (the winning bid's commitments become a contract) — or
//! `cancelled` at any point before the award.
//!
//! **Sealed bids** are enforced here, against the `now` the caller passes
//! (the web layer's injectable clock): before the deadline
//! [`ProcurementStore::opened_bids`] refuses and only
//! [`ProcurementStore::bid_receipts`] (who bid and when, no content) is
//! available to the organisation; a supplier reads its own bid with
//! [`ProcurementStore::supplier_bid`]. Audit rows of bids carry no content
//! before the deadline either: only the bid's id, supplier, revision and
//! the SHA-256 of its content (proof of what was submitted, readable by
//! no one).
//!
//! Units are exact decimals (stored as text, never floating point); money
//! is whole pence.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use serde::Serialize;
use socval_core::Decimal;
use time::{Date, OffsetDateTime};

use crate::error::{Error, Result};
use crate::model::Actor;

mod bid;
pub(crate) mod contract;
mod sql;

/// Where a procurement is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcurementState {
    /// Being prepared; officers may edit it; suppliers cannot see it.
    Draft,
    /// Published: invited suppliers may bid until the deadline.
    Open,
    /// The deadline has passed and the bids have been opened for scoring.
    Closed,
    /// Scores are final and the bids ranked.
    Evaluated,
    /// A bid won; its commitments became a contract.
    Awarded,
    /// Stopped without an award.
    Cancelled,
}

impl ProcurementState {
    /// Every state, in life order.
    pub const ALL: &[ProcurementState] = &[
        ProcurementState::Draft,
        ProcurementState::Open,
        ProcurementState::Closed,
        ProcurementState::Evaluated,
        ProcurementState::Awarded,
        ProcurementState::Cancelled,
    ];

    /// The name stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcurementState::Draft => "draft",
            ProcurementState::Open => "open",
            ProcurementState::Closed => "closed",
            ProcurementState::Evaluated => "evaluated",
            ProcurementState::Awarded => "awarded",
            ProcurementState::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for ProcurementState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProcurementState {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ProcurementState::ALL
            .iter()
            .copied()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| Error::Invalid {
                detail: format!("{s:?} is not a procurement state"),
            })
    }
}

/// The qualitative social value evidence a procurement asks bidders for:
/// the policy's delivery requirement for its value
/// (`socval_core::Policy::requirements`).
pub use socval_core::DeliveryRequirement as Evidence;

/// Reads a stored evidence column.
pub(crate) fn parse_evidence(s: &str) -> Result<Evidence> {
    Evidence::from_key(s).ok_or_else(|| Error::Invalid {
        detail: format!("{s:?} is not delivery_plan or milestone_tracker"),
    })
}

/// Evaluation weights, in percentage points (price + quality + social
/// value = 100), and the quantitative share (0–1) of the social value
/// weight.
pub use socval_core::Weights as ProcurementWeights;

/// A procurement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Procurement {
    /// Database id.
    pub id: i64,
    /// The buying organisation.
    pub org_id: i64,
    /// The organisation's reference, e.g. `RMBC-2025-014` (unique in the
    /// organisation, case-insensitive).
    pub reference: String,
    /// Title.
    pub title: String,
    /// Category as the policy spells it (Places, People, Corporate).
    pub category: String,
    /// Estimated contract value, pence.
    pub estimated_value_pence: i64,
    /// The framework commitments are valued with.
    pub framework_id: i64,
    /// The financial year whose proxies value commitments, e.g. `2025/26`.
    pub valuation_year: String,
    /// Length of the contract in years (commitments are per contract year).
    pub contract_years: i64,
    /// Evaluation weights.
    pub weights: ProcurementWeights,
    /// Whether the policy requires social value (value over the
    /// organisation's threshold).
    pub sv_required: bool,
    /// The qualitative evidence asked for.
    pub evidence: Evidence,
    /// Bids are accepted until (not at) this instant; they open at it.
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
    /// Where it is in its life.
    pub state: ProcurementState,
    /// The measure codes bidders may commit to, in the order offered.
    pub measures: Vec<String>,
    /// The supplier companies invited to bid, by id.
    pub suppliers: Vec<i64>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Procurement {
    /// Whether the bids' contents may be read at `now`: the deadline has
    /// passed and the procurement was published.
    pub fn bids_open_at(&self, now: OffsetDateTime) -> bool {
        self.state != ProcurementState::Draft && now >= self.deadline
    }

    /// Whether suppliers may submit or revise bids at `now`.
    pub fn accepts_bids_at(&self, now: OffsetDateTime) -> bool {
        self.state == ProcurementState::Open && now < self.deadline
    }

    /// The state as people see it at `now`: an open procurement whose
    /// deadline has passed reads as closed even before its bids are opened.
    pub fn state_at(&self, now: OffsetDateTime) -> ProcurementState {
        if self.state == ProcurementState::Open && now >= self.deadline {
            ProcurementState::Closed
        } else {
            self.state
        }
    }
}

/// A new procurement, or the new values of a draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProcurement {
    /// See [`Procurement::org_id`] (ignored by updates).
    pub org_id: i64,
    /// See [`Procurement::reference`].
    pub reference: String,
    /// See [`Procurement::title`].
    pub title: String,
    /// See [`Procurement::category`].
    pub category: String,
    /// See [`Procurement::estimated_value_pence`].
    pub estimated_value_pence: i64,
    /// See [`Procurement::framework_id`] (must be the organisation's).
    pub framework_id: i64,
    /// See [`Procurement::valuation_year`].
    pub valuation_year: String,
    /// See [`Procurement::contract_years`].
    pub contract_years: i64,
    /// See [`Procurement::weights`].
    pub weights: ProcurementWeights,
    /// See [`Procurement::sv_required`].
    pub sv_required: bool,
    /// See [`Procurement::evidence`].
    pub evidence: Evidence,
    /// See [`Procurement::deadline`].
    pub deadline: OffsetDateTime,
    /// See [`Procurement::measures`].
    pub measures: Vec<String>,
    /// See [`Procurement::suppliers`] (must be the organisation's).
    pub suppliers: Vec<i64>,
}

/// That a bid exists, without its content: what the buying organisation
/// sees before the deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BidReceipt {
    /// The bid's id.
    pub bid_id: i64,
    /// The procurement.
    pub procurement_id: i64,
    /// The bidding supplier company.
    pub supplier_id: i64,
    /// First submitted.
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// Last revised (equal to `submitted_at` if never revised).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// 1 for the first submission, +1 per revision.
    pub revision: i64,
    /// SHA-256 of the content (hex): proves what was submitted without
    /// revealing it.
    pub content_sha256: String,
}

/// Units of a measure committed for one contract year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Commitment {
    /// Measure code.
    pub measure: String,
    /// Contract year, 1-based.
    pub contract_year: i64,
    /// Units (exact, never negative).
    pub units: Decimal,
}

/// A qualitative document attached to a bid (the delivery plan or
/// milestone tracker), as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocumentInfo {
    /// The file's name as uploaded.
    pub filename: String,
    /// Its media type.
    pub content_type: String,
    /// Its size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of its bytes (hex).
    pub sha256: String,
}

/// A document to attach.
#[derive(Clone, PartialEq, Eq)]
pub struct NewDocument {
    /// The file's name.
    pub filename: String,
    /// Its media type.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for NewDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewDocument")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// An evaluation panel's scores for one bid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Score {
    /// Quality, % (0–100).
    pub quality_score: Decimal,
    /// Qualitative social value, % (0–100).
    pub sv_qualitative_score: Decimal,
    /// The panel's note.
    pub comment: String,
}

/// A bid with its content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bid {
    /// Database id.
    pub id: i64,
    /// The procurement.
    pub procurement_id: i64,
    /// The bidding supplier company.
    pub supplier_id: i64,
    /// Bid price, pence.
    pub price_pence: i64,
    /// The reference of the quality response (a document reference in the
    /// organisation's tender system).
    pub quality_reference: String,
    /// Social value commitments per measure per contract year.
    pub commitments: Vec<Commitment>,
    /// The qualitative document, if attached.
    pub document: Option<DocumentInfo>,
    /// First submitted.
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// Last revised.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// 1 for the first submission, +1 per revision.
    pub revision: i64,
    /// SHA-256 of the content (price, reference, commitments, document).
    pub content_sha256: String,
    /// The panel's scores, once entered.
    pub score: Option<Score>,
    /// Rank once the evaluation is complete (1 = best; ties share).
    pub rank: Option<i64>,
    /// Total points once the evaluation is complete.
    pub total_score: Option<Decimal>,
}

impl Bid {
    /// What the audit log keeps of a bid: no content, only its fingerprint.
    pub fn receipt(&self) -> BidReceipt {
        BidReceipt {
            bid_id: self.id,
            procurement_id: self.procurement_id,
            supplier_id: self.supplier_id,
            submitted_at: self.submitted_at,
            updated_at: self.updated_at,
            revision: self.revision,
            content_sha256: self.content_sha256.clone(),
        }
    }
}

/// A bid to submit, or the new content of a revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBid {
    /// The procurement.
    pub procurement_id: i64,
    /// The bidding supplier company (must be invited).
    pub supplier_id: i64,
    /// See [`Bid::price_pence`] (above zero).
    pub price_pence: i64,
    /// See [`Bid::quality_reference`].
    pub quality_reference: String,
    /// See [`Bid::commitments`]: measures the procurement offers, contract
    /// years within the contract, units not negative, one row per measure
    /// and year.
    pub commitments: Vec<Commitment>,
    /// The qualitative document; on a revision `None` keeps the one
    /// already attached.
    pub document: Option<NewDocument>,
}

/// One bid's result of the evaluation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ranked {
    /// The bid.
    pub bid_id: i64,
    /// Its rank (1 = best).
    pub rank: i64,
    /// Its total points.
    pub total_score: Decimal,
}

/// A contract commitment, with an optional quarterly profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContractCommitment {
    /// Measure code.
    pub measure: String,
    /// Contract year, 1-based.
    pub contract_year: i64,
    /// Units for the year.
    pub units: Decimal,
    /// Units per quarter if not spread evenly (they add up to `units`).
    pub quarters: Option<[Decimal; 4]>,
}

/// A contract with its social value commitments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Contract {
    /// Database id.
    pub id: i64,
    /// The buying organisation.
    pub org_id: i64,
    /// The supplier company delivering it.
    pub supplier_id: i64,
    /// The procurement it was awarded from, if any (contracts let before
    /// socval are created directly).
    pub procurement_id: Option<i64>,
    /// The winning bid, if awarded here.
    pub bid_id: Option<i64>,
    /// The organisation's contract reference (unique, case-insensitive).
    pub reference: String,
    /// Title.
    pub title: String,
    /// Category (Places, People, Corporate).
    pub category: String,
    /// Contract value, pence.
    pub value_pence: i64,
    /// First day.
    #[serde(serialize_with = "ser_date")]
    pub start: Date,
    /// Length in whole years.
    pub years: i64,
    /// The framework commitments are valued with, if recorded.
    pub framework_id: Option<i64>,
    /// The financial year whose proxies value the contract.
    pub valuation_year: String,
    /// The qualitative evidence required for monitoring.
    pub evidence: Evidence,
    /// Commitments per measure per contract year.
    pub commitments: Vec<ContractCommitment>,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

fn ser_date<S: serde::Serializer>(d: &Date, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&date_text(*d))
}

/// `YYYY-MM-DD`.
pub fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A contract to record directly (one let before socval).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewContract {
    /// See [`Contract::org_id`].
    pub org_id: i64,
    /// See [`Contract::supplier_id`] (must be the organisation's).
    pub supplier_id: i64,
    /// See [`Contract::reference`].
    pub reference: String,
    /// See [`Contract::title`].
    pub title: String,
    /// See [`Contract::category`].
    pub category: String,
    /// See [`Contract::value_pence`].
    pub value_pence: i64,
    /// See [`Contract::start`].
    pub start: Date,
    /// See [`Contract::years`].
    pub years: i64,
    /// See [`Contract::framework_id`].
    pub framework_id: Option<i64>,
    /// See [`Contract::valuation_year`].
    pub valuation_year: String,
    /// See [`Contract::evidence`].
    pub evidence: Evidence,
    /// See [`Contract::commitments`]: contract years within the contract,
    /// units not negative, quarters adding up, one row per measure and
    /// year.
    pub commitments: Vec<ContractCommitment>,
}

/// The award: which bid won and the contract's own details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Award {
    /// The winning bid (ranked first, or tied first: the panel breaks ties).
    pub bid_id: i64,
    /// The contract reference (the procurement's reference if empty).
    pub contract_reference: String,
    /// The contract's first day.
    pub start: Date,
}

/// Procurements, bids, evaluation and contracts. Part of [`crate::Store`];
/// the contracts common to all store methods apply (time is an argument,
/// every change writes an audit row in its transaction, `NotFound`,
/// `Conflict`, `Invalid`).
///
/// Rules broken by a request (a late bid, a negative unit, a measure the
/// procurement does not offer, a state that does not allow the change)
/// return [`Error::Invalid`] with a message naming the field, and change
/// nothing.
#[async_trait]
pub trait ProcurementStore {
    // ---- procurements ----

    /// Creates a procurement in `draft`.
    async fn create_procurement(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewProcurement,
    ) -> Result<Procurement>;
    /// Replaces a draft's details (measures and invited suppliers too).
    /// `Invalid` once it is published.
    async fn update_procurement(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
        new: &NewProcurement,
    ) -> Result<Procurement>;
    /// One procurement.
    async fn procurement(&self, id: i64) -> Result<Procurement>;
    /// An organisation's procurements, newest first.
    async fn procurements(&self, org_id: i64) -> Result<Vec<Procurement>>;
    /// The published procurements a supplier company is invited to, newest
    /// first (drafts are not shown to suppliers).
    async fn supplier_procurements(&self, supplier_id: i64) -> Result<Vec<Procurement>>;
    /// Publishes a draft (`open`). `Invalid` unless the deadline is after
    /// `now` and at least one supplier is invited.
    async fn publish_procurement(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
    ) -> Result<Procurement>;
    /// Opens the bids for evaluation (`closed`). `Invalid` before the
    /// deadline.
    async fn open_bids(&self, actor: &Actor, now: OffsetDateTime, id: i64) -> Result<Procurement>;
    /// Cancels a procurement that is not awarded.
    async fn cancel_procurement(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
    ) -> Result<Procurement>;

    // ---- bids ----

    /// Submits a supplier's bid. `Invalid` if the procurement is not open
    /// or the deadline has passed at `now` (late bids are refused), the
    /// supplier is not invited, or the content breaks a rule; `Conflict` if
    /// the supplier already has a bid (revise it instead).
    async fn submit_bid(&self, actor: &Actor, now: OffsetDateTime, new: &NewBid) -> Result<Bid>;
    /// Replaces a bid's content, until the deadline. `new.supplier_id`
    /// must be the bid's.
    async fn revise_bid(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        bid_id: i64,
        new: &NewBid,
    ) -> Result<Bid>;
    /// That bids exist, without content: always allowed.
    async fn bid_receipts(&self, procurement_id: i64) -> Result<Vec<BidReceipt>>;
    /// A supplier's own bid with its content; `NotFound` if it has none.
    async fn supplier_bid(&self, procurement_id: i64, supplier_id: i64) -> Result<Bid>;
    /// Every bid with its content, once the deadline has passed at `now`;
    /// `Invalid` ("sealed") before it.
    async fn opened_bids(&self, procurement_id: i64, now: OffsetDateTime) -> Result<Vec<Bid>>;
    /// One bid with its content. The caller checks who may read it: the
    /// bidding supplier always, the organisation only once
    /// [`Procurement::bids_open_at`].
    async fn bid(&self, bid_id: i64) -> Result<Bid>;
    /// A bid's document: its description and bytes. Same rule as
    /// [`ProcurementStore::bid`].
    async fn bid_document(&self, bid_id: i64) -> Result<(DocumentInfo, Vec<u8>)>;

    // ---- evaluation and award ----

    /// Records (or replaces) the panel's scores for a bid. `Invalid` unless
    /// the procurement is `closed` and the scores are 0–100.
    async fn score_bid(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        bid_id: i64,
        score: &Score,
    ) -> Result<Bid>;
    /// Completes the evaluation (`evaluated`) with the ranks worked out by
    /// `socval_core::evaluation`. `Invalid` unless `closed`, every bid is
    /// scored, and `ranked` names each bid exactly once.
    async fn complete_evaluation(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        procurement_id: i64,
        ranked: &[Ranked],
    ) -> Result<Procurement>;
    /// Awards an evaluated procurement to a bid ranked first: creates the
    /// contract with the bid's commitments and marks the procurement
    /// `awarded`, in one transaction. `Invalid` if not evaluated or the
    /// bid is not ranked first.
    async fn award(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        procurement_id: i64,
        award: &Award,
    ) -> Result<Contract>;

    // ---- contracts ----

    /// Records a contract directly, with its commitments.
    async fn create_contract(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewContract,
    ) -> Result<Contract>;
    /// One contract with its commitments.
    async fn contract(&self, id: i64) -> Result<Contract>;
    /// An organisation's contracts, by reference.
    async fn contracts(&self, org_id: i64) -> Result<Vec<Contract>>;
    /// A supplier company's contracts, by reference.
    async fn supplier_contracts(&self, supplier_id: i64) -> Result<Vec<Contract>>;
}

/// Checks commitments: contract years within `1..=years`, units not
/// negative, one row per measure and year, quarters adding up. `field`
/// names the list in messages.
pub(crate) fn check_commitments<'a>(
    rows: impl Iterator<Item = (&'a str, i64, Decimal, Option<&'a [Decimal; 4]>)>,
    years: i64,
    offered: Option<&[String]>,
) -> Result<()> {
    let mut seen: Vec<(String, i64)> = Vec::new();
    for (i, (measure, year, units, quarters)) in rows.enumerate() {
        let row = i + 1;
        let bad = |detail: String| Err(Error::Invalid { detail });
        let measure = measure.trim();
        if measure.is_empty() {
            return bad(format!("commitment {row}: measure is empty"));
        }
        if let Some(offered) = offered
            && !offered.iter().any(|m| m.eq_ignore_ascii_case(measure))
        {
            return bad(format!(
                "commitment {row}: measure {measure:?} is not one this procurement offers ({})",
                offered.join(", ")
            ));
        }
        if year < 1 || year > years {
            return bad(format!(
                "commitment {row}: contract year {year} is outside the contract (1 to {years})"
            ));
        }
        if units.is_sign_negative() && !units.is_zero() {
            return bad(format!(
                "commitment {row}: units {units} is negative (units are 0 or more)"
            ));
        }
        if let Some(q) = quarters {
            if q.iter().any(|u| u.is_sign_negative() && !u.is_zero()) {
                return bad(format!("commitment {row}: a quarter's units are negative"));
            }
            let sum: Decimal = q.iter().copied().sum();
            if sum != units {
                return bad(format!(
                    "commitment {row}: quarters add up to {sum}, not the year's {units}"
                ));
            }
        }
        let key = (measure.to_ascii_uppercase(), year);
        if seen.contains(&key) {
            return bad(format!(
                "commitment {row}: measure {measure} year {year} appears twice (one row per measure and year)"
            ));
        }
        seen.push(key);
    }
    Ok(())
}

/// The SHA-256 of a bid's content, as kept in audit rows. The random
/// `nonce` (kept with the bid, never shown) stops anyone reading the audit
/// log from guessing a price by hashing candidates.
pub(crate) fn content_hash(nonce: &str, new: &NewBid, document_sha256: Option<&str>) -> String {
    let mut text = format!(
        "nonce={nonce}\nprice_pence={}\nquality_reference={}\n",
        new.price_pence, new.quality_reference
    );
    for c in &new.commitments {
        text.push_str(&format!(
            "commitment={}|{}|{}\n",
            c.measure, c.contract_year, c.units
        ));
    }
    if let Some(sha) = document_sha256 {
        text.push_str(&format!("document={sha}\n"));
    }
    crate::secret::hash(&text)
}

/// SHA-256 of bytes, hex.
pub(crate) fn bytes_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// Parses a decimal stored as text.
pub(crate) fn decimal(text: &str) -> Result<Decimal> {
    Decimal::from_str(text).map_err(|e| Error::Invalid {
        detail: format!("stored number {text:?} does not parse: {e}"),
    })
}
