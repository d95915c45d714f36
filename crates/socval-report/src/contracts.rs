//! Commitments and delivery read from contracts: the portal's contracts
//! (commitments per measure per contract year) and their delivery return
//! lines, as plain data. The caller (the portal, `socval report annual
//! --org`) reads them from its database; this crate never does.
//!
//! Every figure of the commitments section is a sum of [`Record`]s: a
//! commitment row of a contract, or a line of a delivery return. Each table
//! row carries the [`Filter`] that selects its records, so a figure can be
//! traced back to exactly the records it adds up ([`records`]), and the
//! portal links each number to that list.
//!
//! The rules are those of `socval_core::contract` and
//! `socval_core::portfolio` (the dashboard's): a contract is valued with the
//! proxies of its valuation (award) year under each measure's counting rule;
//! "delivered to date" is verified return lines for quarters that have ended
//! by the as-of date. Rejected lines never count; lines awaiting
//! verification are listed but not counted.

use std::fmt;

use rust_decimal::Decimal;
use serde::Serialize;
use socval_core::contract::Contract;
use socval_core::framework::{Found, ValuationKind};
use socval_core::{FinancialYear, Framework, Gbp};
use time::Date;

/// One contract as the report reads it.
#[derive(Clone, Debug)]
pub struct ContractInput<'a> {
    /// The caller's id for it (a database id): records link to it.
    pub id: i64,
    /// Its reference, e.g. `RMBC-2020-014`.
    pub reference: String,
    /// Its category as recorded (Places, People, Corporate).
    pub category: String,
    /// The contract (title, supplier, start, years, valuation year) and
    /// its commitments.
    pub contract: Contract,
    /// The framework its commitments are valued with; `None` when none is
    /// recorded (the contract is then listed as not valued, never dropped
    /// silently).
    pub framework: Option<&'a Framework>,
    /// Every line of every delivery return of the contract.
    pub returns: Vec<ReturnLineInput>,
}

/// The review state of a delivery return line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineState {
    /// Reported, not yet reviewed: listed, not counted.
    Pending,
    /// Verified by an officer: counted once its quarter has ended.
    Verified,
    /// Rejected by an officer: never counted.
    Rejected,
}

impl LineState {
    /// `pending`, `verified`, `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            LineState::Pending => "pending",
            LineState::Verified => "verified",
            LineState::Rejected => "rejected",
        }
    }
}

/// One line of a delivery return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnLineInput {
    /// The return's id (records link to it).
    pub return_id: i64,
    /// The line's id.
    pub line_id: i64,
    /// Contract year, 1-based.
    pub contract_year: u32,
    /// Quarter of the contract year, 1–4.
    pub quarter: u32,
    /// Measure code (or exact title).
    pub measure: String,
    /// Units reported.
    pub units: Decimal,
    /// Its review state.
    pub state: LineState,
}

/// The contracts of an organisation, read by the caller.
#[derive(Clone, Debug)]
pub struct ContractsInput<'a> {
    /// Where they were read from, for the footnotes (`organisation
    /// rotherham in sqlite://socval-data/socval.db`).
    pub source: String,
    /// Delivered to date means: by this date.
    pub as_of: Date,
    /// Every contract of the organisation; the report selects those whose
    /// valuation year is the report's year.
    pub contracts: Vec<ContractInput<'a>>,
}

/// What a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A contract's commitment for one measure and contract year.
    Commitment,
    /// A line of a delivery return.
    ReturnLine,
}

/// One record behind the figures: a commitment row or a return line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Commitment or return line.
    pub kind: RecordKind,
    /// The contract's id.
    pub contract_id: i64,
    /// The contract's reference.
    pub contract: String,
    /// The contract's category.
    pub category: String,
    /// The return's id (return lines only).
    pub return_id: Option<i64>,
    /// The line's id (return lines only).
    pub line_id: Option<i64>,
    /// Measure code.
    pub measure: String,
    /// Measure title.
    pub measure_title: String,
    /// Theme code.
    pub theme: String,
    /// Contract year.
    pub contract_year: u32,
    /// Quarter (return lines only).
    pub quarter: Option<u32>,
    /// Units as recorded.
    pub units: Decimal,
    /// Units that count in the figures (0 when the record does not count).
    pub counted_units: Decimal,
    /// £ it adds (counted units × proxy); `None` for a measure counted but
    /// not priced.
    pub value_gbp: Option<Gbp>,
    /// Review state (return lines only).
    pub state: Option<LineState>,
    /// Why the record does not count, or counts only in part.
    pub note: Option<String>,
}

impl Record {
    /// Whether it adds to the figures.
    pub fn counts(&self) -> bool {
        self.note.is_none()
    }
}

/// Which records a figure adds up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// Every record.
    All,
    /// One measure (by code).
    Measure(String),
    /// One theme (by code).
    Theme(String),
    /// One category (as recorded).
    Category(String),
    /// One contract (by id).
    Contract(i64),
}

impl Filter {
    /// Whether the record is one of those the filter selects.
    pub fn matches(&self, r: &Record) -> bool {
        match self {
            Filter::All => true,
            Filter::Measure(m) => r.measure.eq_ignore_ascii_case(m),
            Filter::Theme(t) => r.theme.eq_ignore_ascii_case(t),
            Filter::Category(c) => r.category == *c,
            Filter::Contract(id) => r.contract_id == *id,
        }
    }

    /// Reads the query-string form (`measure=R09`, `contract=12`, `all`),
    /// with the value already decoded.
    pub fn from_pair(key: &str, value: &str) -> Option<Filter> {
        match key {
            "all" => Some(Filter::All),
            "measure" => Some(Filter::Measure(value.to_string())),
            "theme" => Some(Filter::Theme(value.to_string())),
            "category" => Some(Filter::Category(value.to_string())),
            "contract" => value.parse().ok().map(Filter::Contract),
            _ => None,
        }
    }

    /// The query-string form, value percent-encoded (`measure=R09`,
    /// `category=Places`, `all=1`).
    pub fn query(&self) -> String {
        match self {
            Filter::All => "all=1".into(),
            Filter::Measure(m) => format!("measure={}", encode(m)),
            Filter::Theme(t) => format!("theme={}", encode(t)),
            Filter::Category(c) => format!("category={}", encode(c)),
            Filter::Contract(id) => format!("contract={id}"),
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::All => f.write_str("every contract"),
            Filter::Measure(m) => write!(f, "measure {m}"),
            Filter::Theme(t) => write!(f, "theme {t}"),
            Filter::Category(c) => write!(f, "category {c}"),
            Filter::Contract(id) => write!(f, "contract {id}"),
        }
    }
}

/// Percent-encodes a query-string value (unreserved characters kept).
pub(crate) fn encode(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// A contract of the year that could not be valued, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The contract's id.
    pub contract_id: i64,
    /// Its reference.
    pub contract: String,
    /// Why it is left out of the figures.
    pub reason: String,
}

/// A contract of the year, as the report lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Listed {
    pub(crate) id: i64,
    pub(crate) reference: String,
    pub(crate) title: String,
    pub(crate) supplier: String,
    pub(crate) category: String,
    pub(crate) framework: String,
}

/// The records of the year's contracts.
#[derive(Clone, Debug, Default)]
pub struct Traced {
    /// Every record, commitments of a contract first, then its return
    /// lines, contracts in input order.
    pub records: Vec<Record>,
    /// Contracts of the year that could not be valued.
    pub problems: Vec<Problem>,
    pub(crate) contracts: Vec<Listed>,
    /// Proxy rows used: (code, title, kind, year, £ per unit).
    pub(crate) proxies: Vec<ProxyRow>,
}

/// The records of the contracts valued in `year` (their valuation year),
/// as of `input.as_of`.
pub fn trace(year: FinancialYear, input: &ContractsInput<'_>) -> Traced {
    let mut out = Traced::default();
    // Every figure of the report adds up a subset of these records; a
    // contract whose records would take the whole past what a decimal holds
    // is left out as a problem, so those sums always fit (`crate::total`).
    let mut all = Sums::default();
    for k in input.contracts.iter().filter(|k| k.contract.year == year) {
        let kept = contract_records(k, input.as_of).and_then(|(records, proxies)| {
            all = all.checked_with(&records).ok_or_else(|| {
                "its social value is too large to add up with the other contracts' (check the units recorded)"
                    .to_string()
            })?;
            Ok((records, proxies))
        });
        match kept {
            Ok((records, proxies)) => {
                out.records.extend(records);
                for p in proxies {
                    if !out.proxies.iter().any(|q| q.0 == p.0 && q.3 == p.3) {
                        out.proxies.push(p);
                    }
                }
                out.contracts.push(Listed {
                    id: k.id,
                    reference: k.reference.clone(),
                    title: k.contract.title.clone(),
                    supplier: k.contract.supplier.clone(),
                    category: k.category.clone(),
                    framework: k
                        .framework
                        .map(|f| format!("{} {}", f.meta.id, f.meta.edition))
                        .unwrap_or_default(),
                });
            }
            Err(reason) => out.problems.push(Problem {
                contract_id: k.id,
                contract: k.reference.clone(),
                reason,
            }),
        }
    }
    out
}

/// The records `filter` selects among the contracts valued in `year`: the
/// list a figure of the report adds up.
pub fn records(year: FinancialYear, input: &ContractsInput<'_>, filter: &Filter) -> Vec<Record> {
    trace(year, input)
        .records
        .into_iter()
        .filter(|r| filter.matches(r))
        .collect()
}

type ProxyRow = (
    String,
    String,
    ValuationKind,
    Option<FinancialYear>,
    Option<Gbp>,
);

/// `counted` units at `proxy` £ each, or why that cannot be worked out.
fn worth(proxy: Option<Gbp>, counted: Decimal) -> Result<Option<Gbp>, String> {
    match proxy {
        None => Ok(None),
        Some(p) if p.is_negative() => Err(format!(
            "a measure's proxy value is negative ({})",
            p.display_pounds()
        )),
        Some(p) => p.checked_mul_units(counted).map(Some).ok_or_else(|| {
            format!(
                "{} units at {} each is too large to value; check the units recorded",
                counted.normalize(),
                p.display_pounds()
            )
        }),
    }
}

fn contract_records(
    k: &ContractInput<'_>,
    as_of: Date,
) -> Result<(Vec<Record>, Vec<ProxyRow>), String> {
    let c = &k.contract;
    let fw = k
        .framework
        .ok_or_else(|| "no framework is recorded for the contract".to_string())?;
    let elapsed = c.quarters_elapsed(as_of);
    let mut out = Vec::new();
    let mut proxies = Vec::new();
    for cm in &c.commitments {
        let (f, proxy) = priced(fw, c.year, &cm.measure, "a commitment", &mut proxies)?;
        let counts = f.measure.counting.counts(Some(cm.contract_year));
        let counted = if counts { cm.units } else { Decimal::ZERO };
        out.push(Record {
            kind: RecordKind::Commitment,
            contract_id: k.id,
            contract: k.reference.clone(),
            category: k.category.clone(),
            return_id: None,
            line_id: None,
            measure: f.measure.code.clone(),
            measure_title: f.measure.title.clone(),
            theme: f.theme.code.clone(),
            contract_year: cm.contract_year,
            quarter: None,
            units: cm.units,
            counted_units: counted,
            value_gbp: worth(proxy, counted)?,
            state: None,
            note: (!counts).then(|| {
                format!(
                    "not counted: {} counts in the first contract year only",
                    f.measure.code
                )
            }),
        });
    }
    for l in &k.returns {
        let (f, proxy) = priced(
            fw,
            c.year,
            &l.measure,
            &format!("return line {}", l.line_id),
            &mut proxies,
        )?;
        if l.contract_year == 0 || l.contract_year > c.years || !(1..=4).contains(&l.quarter) {
            return Err(format!(
                "return line {} is for contract year {} quarter {}, outside the contract ({} years)",
                l.line_id, l.contract_year, l.quarter, c.years
            ));
        }
        let ended = socval_core::contract::quarter_index(l.contract_year, l.quarter) < elapsed;
        let counts_rule = f.measure.counting.counts(Some(l.contract_year));
        let note = match (l.state, ended, counts_rule) {
            (LineState::Rejected, _, _) => Some("not counted: rejected".to_string()),
            (LineState::Pending, _, _) => Some("not counted: awaiting verification".to_string()),
            (LineState::Verified, false, _) => {
                Some(format!("not counted: its quarter had not ended by {as_of}"))
            }
            (LineState::Verified, true, false) => Some(format!(
                "not counted: {} counts in the first contract year only",
                f.measure.code
            )),
            (LineState::Verified, true, true) => None,
        };
        let counted = if note.is_none() {
            l.units
        } else {
            Decimal::ZERO
        };
        out.push(Record {
            kind: RecordKind::ReturnLine,
            contract_id: k.id,
            contract: k.reference.clone(),
            category: k.category.clone(),
            return_id: Some(l.return_id),
            line_id: Some(l.line_id),
            measure: f.measure.code.clone(),
            measure_title: f.measure.title.clone(),
            theme: f.theme.code.clone(),
            contract_year: l.contract_year,
            quarter: Some(l.quarter),
            units: l.units,
            counted_units: counted,
            value_gbp: worth(proxy, counted)?,
            state: Some(l.state),
            note,
        });
    }
    Ok((out, proxies))
}

/// The measure `name` in `fw` and its proxy for `year`, noting the proxy
/// in `proxies` the first time.
fn priced<'f>(
    fw: &'f Framework,
    year: FinancialYear,
    name: &str,
    what: &str,
    proxies: &mut Vec<ProxyRow>,
) -> Result<(Found<'f>, Option<Gbp>), String> {
    let f = fw.find(name).ok_or_else(|| {
        format!(
            "{what} names measure {name:?}, which framework {} does not have",
            fw.meta.id
        )
    })?;
    let proxy = f
        .measure
        .proxy_for(year, false)
        .map_err(|e| e.to_string())?
        .map(|p| p.value_gbp);
    if !proxies.iter().any(|p| p.0 == f.measure.code) {
        proxies.push((
            f.measure.code.clone(),
            f.measure.title.clone(),
            f.measure.kind,
            proxy.map(|_| year),
            proxy,
        ));
    }
    Ok((f, proxy))
}

/// Sums of a set of records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sums {
    /// Units committed (counted).
    pub committed_units: Decimal,
    /// £ committed; `None` when no record is priced.
    pub committed_gbp: Option<Gbp>,
    /// Units delivered to date (counted).
    pub delivered_units: Decimal,
    /// £ delivered to date; `None` when no record is priced.
    pub delivered_gbp: Option<Gbp>,
}

impl Sums {
    /// These sums with `records` added, or `None` past what a decimal holds.
    fn checked_with<'r>(mut self, records: impl IntoIterator<Item = &'r Record>) -> Option<Sums> {
        let add = |acc: Option<Gbp>, v: Option<Gbp>| match (acc, v) {
            (Some(a), Some(v)) => a.checked_add(v).map(Some),
            (a, v) => Some(a.or(v)),
        };
        for r in records {
            if r.counted_units.is_sign_negative() && !r.counted_units.is_zero() {
                return None;
            }
            match r.kind {
                RecordKind::Commitment => {
                    self.committed_units = self.committed_units.checked_add(r.counted_units)?;
                    self.committed_gbp = add(self.committed_gbp, r.value_gbp)?;
                }
                RecordKind::ReturnLine => {
                    self.delivered_units = self.delivered_units.checked_add(r.counted_units)?;
                    self.delivered_gbp = add(self.delivered_gbp, r.value_gbp)?;
                }
            }
        }
        Some(self)
    }

    /// The sums of `records`.
    pub fn of<'r>(records: impl IntoIterator<Item = &'r Record>) -> Sums {
        // Records come from `trace`, which keeps only contracts whose records
        // add up; a subset of them adds up too (see `crate::total`).
        let past = Some(Gbp::new(Decimal::MAX));
        Sums::default().checked_with(records).unwrap_or(Sums {
            committed_units: Decimal::MAX,
            committed_gbp: past,
            delivered_units: Decimal::MAX,
            delivered_gbp: past,
        })
    }
}
