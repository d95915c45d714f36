//! Contracts and delivery: commitments per contract year become a quarterly
//! profile; suppliers' delivery returns are set against it.
//!
//! - Profile: a contract year's units are spread evenly over its four
//!   quarters unless the commitment gives `quarters = [a, b, c, d]`.
//! - Expected to date: the profile of every quarter that has ended by the
//!   as-of date. Delivered to date: verified returns for those quarters.
//! - Progress = delivered ÷ expected to date; RAG from [`RagThresholds`]
//!   (default green ≥ 90%, amber ≥ 70%, red below); no status before
//!   anything is due.
//! - Forecast at completion = committed × delivered ÷ expected to date (the
//!   rest of the contract delivers at the rate so far); the commitment itself
//!   while nothing is due yet.

use std::fmt;

use rust_decimal::Decimal;
use serde::Deserialize;
use time::{Date, Month};
use toml::Spanned;

use crate::error::{Error, Result};
use crate::framework::{Framework, Measure};
use crate::policy::RagThresholds;
use crate::record::Records;
use crate::{FinancialYear, Gbp};

/// The longest contract socval accepts, in years: [`crate::limits::MAX_CONTRACT_YEARS`].
pub const MAX_YEARS: u32 = crate::limits::MAX_CONTRACT_YEARS;

/// A contract with its social value commitments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// Title.
    pub title: String,
    /// The supplier.
    pub supplier: String,
    /// First day of the contract.
    pub start: Date,
    /// Length in whole years.
    pub years: u32,
    /// Framework (embedded name or file).
    pub framework: String,
    /// The financial year whose proxies value the contract (the award's).
    pub year: FinancialYear,
    /// Commitments per contract year.
    pub commitments: Vec<ContractCommitment>,
}

/// Units of a measure committed for one contract year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractCommitment {
    /// Measure code or exact title.
    pub measure: String,
    /// Contract year, 1-based.
    pub contract_year: u32,
    /// Units for the year.
    pub units: Decimal,
    /// Units per quarter, if not spread evenly.
    pub quarters: Option<[Decimal; 4]>,
    /// Line in the contract file.
    pub line: u64,
}

/// Units of a measure a supplier reports delivered in one quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReturn {
    /// Measure code or exact title.
    pub measure: String,
    /// Contract year, 1-based.
    pub contract_year: u32,
    /// Quarter of the contract year, 1–4.
    pub quarter: u32,
    /// Units delivered.
    pub units: Decimal,
    /// Whether an officer has verified the evidence.
    pub verified: bool,
    /// Line in the returns file.
    pub line: u64,
}

/// Red, amber or green.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rag {
    /// Behind: below the amber threshold.
    Red,
    /// Slipping.
    Amber,
    /// On track.
    Green,
}

impl Rag {
    /// The status for a progress percentage.
    pub fn of(percent: Decimal, t: RagThresholds) -> Rag {
        if percent >= t.green {
            Rag::Green
        } else if percent >= t.amber {
            Rag::Amber
        } else {
            Rag::Red
        }
    }
}

impl fmt::Display for Rag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rag::Red => "red",
            Rag::Amber => "amber",
            Rag::Green => "green",
        })
    }
}

/// Delivery of one measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureProgress {
    /// Measure code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Units committed over the whole contract.
    pub committed_units: Decimal,
    /// Units expected by the as-of date.
    pub expected_units: Decimal,
    /// Verified units delivered in quarters ended by the as-of date.
    pub delivered_units: Decimal,
    /// Units reported but not verified (not counted as delivered).
    pub unverified_units: Decimal,
    /// Delivered ÷ expected × 100; `None` before anything is due.
    pub progress_percent: Option<Decimal>,
    /// Status; `None` before anything is due.
    pub rag: Option<Rag>,
    /// Forecast units at completion.
    pub forecast_units: Decimal,
    /// £ committed (`None` for an unvalued measure).
    pub committed_gbp: Option<Gbp>,
    /// £ expected to date.
    pub expected_gbp: Option<Gbp>,
    /// £ delivered to date.
    pub delivered_gbp: Option<Gbp>,
    /// £ forecast at completion.
    pub forecast_gbp: Option<Gbp>,
}

/// The result of [`progress`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The as-of date.
    pub as_of: Date,
    /// Quarters ended by the as-of date.
    pub quarters_elapsed: u32,
    /// Quarters in the contract.
    pub quarters_total: u32,
    /// Per measure, commitments first in file order, then measures only returned.
    pub measures: Vec<MeasureProgress>,
    /// £ committed over the contract.
    pub committed_gbp: Gbp,
    /// £ expected to date.
    pub expected_gbp: Gbp,
    /// £ delivered to date.
    pub delivered_gbp: Gbp,
    /// Overall delivered ÷ expected £ × 100; `None` before anything is due.
    pub progress_percent: Option<Decimal>,
    /// Overall status.
    pub rag: Option<Rag>,
    /// £ forecast at completion (sum of the measures' forecasts).
    pub forecast_gbp: Gbp,
    /// Notes (returns after the as-of date, unverified units).
    pub notes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    contract: FileContract,
    #[serde(default)]
    commitment: Vec<FileCommitment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileContract {
    title: String,
    #[serde(default)]
    supplier: String,
    start: Spanned<toml::Value>,
    years: Spanned<u32>,
    framework: String,
    #[serde(default)]
    year: Option<FinancialYear>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCommitment {
    measure: Spanned<String>,
    contract_year: Spanned<u32>,
    #[serde(deserialize_with = "crate::record::de::units")]
    units: Decimal,
    #[serde(default)]
    quarters: Option<Spanned<Vec<toml::Value>>>,
}

fn line_at(text: &str, offset: usize) -> u64 {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count() as u64
        + 1
}

/// Reads `YYYY-MM-DD`, a date from 1990 to 2099 ([`crate::limits::check_date`]);
/// `None` for anything else.
pub fn parse_date(text: &str) -> Option<Date> {
    Date::parse(
        text.trim(),
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
    .and_then(|d| crate::limits::check_date(d).ok())
}

impl Contract {
    /// Reads a contract file (`[contract]` and `[[commitment]]` tables).
    ///
    /// Returns an error naming file, line and value for anything malformed:
    /// a bad date, zero years, a contract year outside the contract, or a
    /// quarterly profile that does not add up to the year's units.
    pub fn from_toml(text: &str, file: &str) -> Result<Contract> {
        let doc: FileDoc = toml::from_str(text).map_err(|e| Error::Toml {
            file: file.into(),
            message: e.to_string(),
        })?;
        let field =
            |line: u64, column: &str, value: String, problem: &str, expected: &str| Error::Field {
                file: file.into(),
                line,
                column: column.into(),
                value,
                problem: problem.into(),
                expected: expected.into(),
            };
        let c = doc.contract;
        let start_text = match c.start.get_ref() {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let start = parse_date(&start_text).ok_or_else(|| {
            field(
                line_at(text, c.start.span().start),
                "start",
                start_text.clone(),
                "is not a date",
                "a date such as 2020-04-01",
            )
        })?;
        let years = *c.years.get_ref();
        if years == 0 || years > MAX_YEARS {
            return Err(field(
                line_at(text, c.years.span().start),
                "years",
                years.to_string(),
                "is not a contract length",
                &format!("a whole number of years from 1 to {MAX_YEARS}"),
            ));
        }
        let mut commitments = Vec::new();
        for fc in doc.commitment {
            let line = line_at(text, fc.measure.span().start);
            let cy = *fc.contract_year.get_ref();
            if cy == 0 || cy > years {
                return Err(field(
                    line_at(text, fc.contract_year.span().start),
                    "contract_year",
                    cy.to_string(),
                    "is outside the contract",
                    &format!("a contract year from 1 to {years}"),
                ));
            }
            let quarters = match fc.quarters {
                None => None,
                Some(q) => {
                    let qline = line_at(text, q.span().start);
                    let vals = q.get_ref();
                    let parsed: Option<Vec<Decimal>> = vals
                        .iter()
                        .map(|v| {
                            let t = match v {
                                toml::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            crate::record::parse_units(&t).ok()
                        })
                        .collect();
                    let shown = format!(
                        "{:?}",
                        vals.iter().map(ToString::to_string).collect::<Vec<_>>()
                    );
                    match parsed {
                        Some(p)
                            if p.len() == 4 && p.iter().copied().sum::<Decimal>() == fc.units =>
                        {
                            Some([p[0], p[1], p[2], p[3]])
                        }
                        _ => {
                            return Err(field(
                                qline,
                                "quarters",
                                shown,
                                "is not a quarterly profile of this commitment",
                                &format!(
                                    "four non-negative numbers adding up to units = {}",
                                    fc.units
                                ),
                            ));
                        }
                    }
                }
            };
            commitments.push(ContractCommitment {
                measure: fc.measure.into_inner(),
                contract_year: cy,
                units: fc.units,
                quarters,
                line,
            });
        }
        Ok(Contract {
            title: c.title,
            supplier: c.supplier,
            start,
            years,
            framework: c.framework,
            year: c.year.unwrap_or_else(|| FinancialYear::containing(start)),
            commitments,
        })
    }

    /// Quarters that have ended by `as_of` (inclusive), at most the contract's.
    pub fn quarters_elapsed(&self, as_of: Date) -> u32 {
        let Some(next) = as_of.next_day() else {
            return self.years.saturating_mul(4);
        };
        if next <= self.start {
            return 0;
        }
        let months = (next.year() - self.start.year()) * 12
            + (i32::from(u8::from(next.month())) - i32::from(u8::from(self.start.month())))
            - i32::from(next.day() < self.start.day());
        (u32::try_from(months.max(0)).unwrap_or(0) / 3).min(self.years.saturating_mul(4))
    }

    /// The first day of quarter `q` (1–4) of contract year `cy`.
    pub fn quarter_start(&self, cy: u32, q: u32) -> Date {
        let months = (i64::from(cy) - 1) * 12 + (i64::from(q) - 1) * 3;
        let m0 = i64::from(u8::from(self.start.month())) - 1 + months;
        let year = self
            .start
            .year()
            .saturating_add(i32::try_from(m0 / 12).unwrap_or(i32::MAX));
        let month =
            Month::try_from(u8::try_from(m0 % 12 + 1).unwrap_or(1)).unwrap_or(Month::January);
        // The 31st becomes the month's last day; a year past the calendar's
        // end (only for contract years no contract has) is its last day.
        (1..=self.start.day())
            .rev()
            .find_map(|day| Date::from_calendar_date(year, month, day).ok())
            .unwrap_or(Date::MAX)
    }
}

/// Reads delivery returns: `measure`, `contract_year`, `quarter`, `units`
/// (`units_delivered` accepted); optional `verified` (yes/no, true/false;
/// when the column is absent every return counts as verified) and
/// `evidence` (kept by the store, ignored here).
pub fn returns_from_records(records: &Records) -> Result<Vec<DeliveryReturn>> {
    let measure = records.column(&["measure", "measure_code", "code"])?;
    let cy = records.column(&["contract_year"])?;
    let quarter = records.column(&["quarter"])?;
    let units = records.column(&["units", "units_delivered"])?;
    let verified = records.optional_column(&["verified"]);
    let mut out = Vec::with_capacity(records.rows.len());
    for r in &records.rows {
        let q = records.positive_int(r, quarter)?;
        if q > 4 {
            return Err(records.field_error(r, quarter, "is not a quarter", "1, 2, 3 or 4"));
        }
        let is_verified = match verified {
            None => true,
            Some(c) => match r.get(c).to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" | "1" | "verified" => true,
                "no" | "n" | "false" | "0" | "" | "pending" => false,
                _ => {
                    return Err(records.field_error(
                        r,
                        c,
                        "is not yes or no",
                        "yes, no, true, false (empty = not yet verified)",
                    ));
                }
            },
        };
        out.push(DeliveryReturn {
            measure: r.get(measure).to_string(),
            contract_year: records.positive_int(r, cy)?,
            quarter: q,
            units: records.units(r, units)?,
            verified: is_verified,
            line: r.line,
        });
    }
    Ok(out)
}

/// Delivery of `contract` to `as_of`, from `returns` (read from `returns_file`).
///
/// Returns an error for a measure the framework lacks (naming file and
/// line), a return outside the contract's years, or a missing proxy.
pub fn progress(
    contract: &Contract,
    framework: &Framework,
    returns: &[DeliveryReturn],
    returns_file: &str,
    as_of: Date,
    rag: RagThresholds,
    carry_forward: bool,
) -> Result<Progress> {
    let elapsed = contract.quarters_elapsed(as_of);
    let total_q = contract.years.saturating_mul(4);
    let find = |name: &str, file: &str, line: u64| -> Result<&Measure> {
        framework
            .find(name)
            .map(|f| f.measure)
            .ok_or_else(|| Error::UnknownMeasure {
                file: file.into(),
                line,
                column: "measure".into(),
                value: name.into(),
                framework: framework.meta.id.clone(),
                example: framework.example_code(),
            })
    };
    let qi = quarter_index;

    let mut codes: Vec<String> = Vec::new();
    for c in &contract.commitments {
        let m = find(&c.measure, "contract file", c.line)?;
        if !codes.contains(&m.code) {
            codes.push(m.code.clone());
        }
    }
    let mut notes = Vec::new();
    let mut late = 0;
    for r in returns {
        let m = find(&r.measure, returns_file, r.line)?;
        if r.contract_year > contract.years {
            return Err(Error::Field {
                file: returns_file.into(),
                line: r.line,
                column: "contract_year".into(),
                value: r.contract_year.to_string(),
                problem: "is outside the contract".into(),
                expected: format!("a contract year from 1 to {}", contract.years),
            });
        }
        if qi(r.contract_year, r.quarter) >= elapsed {
            late += 1;
        }
        if !codes.contains(&m.code) {
            codes.push(m.code.clone());
        }
    }
    if late > 0 {
        notes.push(format!(
            "{late} return(s) are for quarters not ended by {as_of}; they are not counted yet."
        ));
    }

    let mut measures = Vec::new();
    for code in &codes {
        measures.push(measure_progress(
            contract,
            framework,
            returns,
            returns_file,
            code,
            elapsed,
            rag,
            carry_forward,
            &mut notes,
        )?);
    }
    let total = |f: fn(&MeasureProgress) -> Option<Gbp>, what: &str| {
        Gbp::checked_sum(measures.iter().filter_map(f))
            .ok_or_else(|| overflow(returns_file, None, format!("the {what} of the contract")))
    };
    let committed_gbp = total(|m| m.committed_gbp, "£ committed")?;
    let expected_gbp = total(|m| m.expected_gbp, "£ expected")?;
    let delivered_gbp = total(|m| m.delivered_gbp, "£ delivered")?;
    let forecast_gbp = total(|m| m.forecast_gbp, "£ forecast")?;
    let progress_percent = percent_of(delivered_gbp.amount(), expected_gbp.amount())
        .map_err(|()| overflow(returns_file, None, "the contract's progress".into()))?;
    Ok(Progress {
        as_of,
        quarters_elapsed: elapsed,
        quarters_total: total_q,
        committed_gbp,
        expected_gbp,
        delivered_gbp,
        progress_percent,
        rag: progress_percent.map(|p| Rag::of(p, rag)),
        forecast_gbp,
        measures,
        notes,
    })
}

/// The 0-based index over the whole contract of quarter `q` (1–4) of
/// contract year `cy` (1-based); saturates rather than wraps for years no
/// contract has.
pub fn quarter_index(cy: u32, q: u32) -> u32 {
    cy.saturating_sub(1)
        .saturating_mul(4)
        .saturating_add(q.saturating_sub(1))
}

/// The error for a figure past what exact decimals hold (`line` 0: a
/// record with no line, such as one the portal stores).
pub(crate) fn overflow(file: &str, line: Option<u64>, what: String) -> Error {
    Error::Overflow {
        file: file.into(),
        line: line.filter(|l| *l > 0),
        what,
    }
}

/// `part` ÷ `whole` × 100, `None` when `whole` is zero; `Err` past what
/// exact decimals hold.
pub(crate) fn percent_of(part: Decimal, whole: Decimal) -> Result<Option<Decimal>, ()> {
    if whole.is_zero() {
        return Ok(None);
    }
    part.checked_div(whole)
        .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
        .map(Some)
        .ok_or(())
}

/// A year's units spread evenly over its quarters, or its own profile.
pub(crate) fn quarter_profile(c: &ContractCommitment) -> [Decimal; 4] {
    // Division by 4 never overflows.
    c.quarters.unwrap_or([c.units / Decimal::from(4); 4])
}

/// Running sums of units and their £ for one measure.
#[derive(Default)]
struct Tally {
    units: Decimal,
    gbp: Option<Gbp>,
}

impl Tally {
    /// Adds `units` worth `worth`; `None` past what exact decimals hold.
    fn add(&mut self, units: Decimal, worth: Option<Gbp>) -> Option<()> {
        self.units = self.units.checked_add(units)?;
        self.gbp = match (self.gbp, worth) {
            (Some(a), Some(b)) => Some(a.checked_add(b)?),
            (a, b) => a.or(b),
        };
        Some(())
    }
}

/// Progress of one measure of `contract` (see [`progress`]).
#[allow(clippy::too_many_arguments)]
fn measure_progress(
    contract: &Contract,
    framework: &Framework,
    returns: &[DeliveryReturn],
    returns_file: &str,
    code: &str,
    elapsed: u32,
    rag: RagThresholds,
    carry_forward: bool,
    notes: &mut Vec<String>,
) -> Result<MeasureProgress> {
    let qi = quarter_index;
    let Some(found) = framework.find(code) else {
        return Err(Error::Invalid {
            file: returns_file.into(),
            line: None,
            message: format!("measure {code} is not in framework {}", framework.meta.id),
        });
    };
    let m = found.measure;
    let proxy = m
        .proxy_for(contract.year, carry_forward)?
        .map(|p| p.value_gbp);
    let worth = |units: Decimal, cy: u32| -> Option<Option<Gbp>> {
        match proxy {
            None => Some(None),
            Some(_) if !m.counting.counts(Some(cy)) => Some(Some(Gbp::ZERO)),
            Some(p) => p.checked_mul_units(units).map(Some),
        }
    };
    let is_this = |name: &str| framework.find(name).is_some_and(|f| f.measure.code == code);
    let what = |figure: &str| format!("the {figure} for measure {code}");
    let (mut committed, mut expected) = (Tally::default(), Tally::default());
    for c in contract.commitments.iter().filter(|c| is_this(&c.measure)) {
        let ov = |figure: &str| overflow("contract file", Some(c.line), what(figure));
        let w = worth(c.units, c.contract_year).ok_or_else(|| ov("£ committed"))?;
        committed
            .add(c.units, w)
            .ok_or_else(|| ov("units committed"))?;
        for (q, units) in quarter_profile(c).iter().enumerate() {
            if qi(c.contract_year, q as u32 + 1) < elapsed {
                let w = worth(*units, c.contract_year).ok_or_else(|| ov("£ expected"))?;
                expected
                    .add(*units, w)
                    .ok_or_else(|| ov("units expected"))?;
            }
        }
    }
    let (mut delivered, mut unverified) = (Tally::default(), Decimal::ZERO);
    for r in returns.iter().filter(|r| is_this(&r.measure)) {
        if qi(r.contract_year, r.quarter) >= elapsed {
            continue;
        }
        let ov = |figure: &str| overflow(returns_file, Some(r.line), what(figure));
        if r.verified {
            let w = worth(r.units, r.contract_year).ok_or_else(|| ov("£ delivered"))?;
            delivered
                .add(r.units, w)
                .ok_or_else(|| ov("units delivered"))?;
        } else {
            unverified = unverified
                .checked_add(r.units)
                .ok_or_else(|| ov("units reported"))?;
        }
    }
    if proxy.is_some() {
        for t in [&mut committed, &mut expected, &mut delivered] {
            t.gbp.get_or_insert(Gbp::ZERO);
        }
    }
    let ov = |figure: &str| overflow(returns_file, None, what(figure));
    let ratio = if expected.units.is_zero() {
        None
    } else {
        Some(
            delivered
                .units
                .checked_div(expected.units)
                .ok_or_else(|| ov("progress"))?,
        )
    };
    let progress_percent =
        percent_of(delivered.units, expected.units).map_err(|()| ov("progress"))?;
    let forecast_units = match ratio {
        Some(r) => committed
            .units
            .checked_mul(r)
            .ok_or_else(|| ov("forecast units"))?,
        None => committed.units.max(delivered.units),
    };
    let forecast_gbp = match (ratio, committed.gbp) {
        (Some(r), Some(g)) => Some(g.checked_scale_by(r).ok_or_else(|| ov("£ forecast"))?),
        (None, g) => match (g, delivered.gbp) {
            (Some(g), Some(d)) => Some(g.max(d)),
            (g, d) => g.or(d),
        },
        (Some(_), None) => None,
    };
    if !unverified.is_zero() {
        notes.push(format!(
            "{code}: {} unit(s) reported but not verified are not counted.",
            unverified.normalize()
        ));
    }
    Ok(MeasureProgress {
        code: m.code.clone(),
        title: m.title.clone(),
        committed_units: committed.units,
        expected_units: expected.units,
        delivered_units: delivered.units,
        unverified_units: unverified,
        progress_percent,
        rag: progress_percent.map(|p| Rag::of(p, rag)),
        forecast_units,
        committed_gbp: committed.gbp,
        expected_gbp: expected.gbp,
        delivered_gbp: delivered.gbp,
        forecast_gbp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::embedded;
    use std::str::FromStr;
    use time::macros::date;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    const CONTRACT: &str = r#"[contract]
title = "Depot"
supplier = "Acme"
start = 2020-04-01
years = 2
framework = "rotherham-2019"
year = "2019/20"

[[commitment]]
measure = "R09"
contract_year = 1
units = 40

[[commitment]]
measure = "R09"
contract_year = 2
units = 20
quarters = [20, 0, 0, 0]
"#;

    fn ret(cy: u32, q: u32, units: &str) -> DeliveryReturn {
        DeliveryReturn {
            measure: "R09".into(),
            contract_year: cy,
            quarter: q,
            units: d(units),
            verified: true,
            line: 2,
        }
    }

    #[test]
    fn returns_too_large_to_add_up_are_an_error_naming_the_line() {
        let c = Contract::from_toml(CONTRACT, "c.toml").unwrap();
        let fw = embedded("rotherham-2019").unwrap();
        // Stored before units were bounded: the largest decimal there is.
        let mut big = ret(1, 1, "79228162514264337593543950335");
        big.line = 3;
        for returns in [
            vec![ret(1, 1, "1"), big.clone()],
            vec![big.clone(), {
                let mut b = big.clone();
                b.line = 4;
                b
            }],
        ] {
            let e = progress(
                &c,
                &fw,
                &returns,
                "r.csv",
                date!(2021 - 04 - 01),
                RagThresholds::default(),
                false,
            )
            .unwrap_err();
            assert!(matches!(e, Error::Overflow { .. }), "{e}");
            let text = e.to_string();
            assert!(text.starts_with("r.csv: line "), "{text}");
            assert!(
                text.contains("measure R09") && text.contains("too large"),
                "{text}"
            );
        }
        // A contract year no contract has does not wrap the quarter index.
        assert_eq!(c.quarter_start(u32::MAX, 4), Date::MAX);
        assert_eq!(quarter_index(u32::MAX, u32::MAX), u32::MAX);
    }

    #[test]
    fn quarters_elapsed_counts_ended_quarters() {
        let c = Contract::from_toml(CONTRACT, "c.toml").unwrap();
        let cases = [
            (date!(2020 - 03 - 31), 0),
            (date!(2020 - 06 - 29), 0),
            (date!(2020 - 06 - 30), 1),
            (date!(2021 - 03 - 31), 4),
            (date!(2021 - 04 - 01), 4),
            (date!(2030 - 01 - 01), 8),
        ];
        for (as_of, want) in cases {
            assert_eq!(c.quarters_elapsed(as_of), want, "{as_of}");
        }
        assert_eq!(c.quarter_start(2, 3), date!(2021 - 10 - 01));
    }

    #[test]
    fn progress_against_an_even_profile_with_rag_and_forecast() {
        let c = Contract::from_toml(CONTRACT, "c.toml").unwrap();
        let fw = embedded("rotherham-2019").unwrap();
        // Two quarters ended: 20 weeks expected. Delivered 18 → 90% green.
        let cases = [
            ("18", Some(Rag::Green)),
            ("17.9", Some(Rag::Amber)),
            ("14", Some(Rag::Amber)),
            ("13.9", Some(Rag::Red)),
        ];
        for (delivered, want) in cases {
            let rs = [
                ret(1, 1, "10"),
                ret(1, 2, &(d(delivered) - d("10")).to_string()),
            ];
            let p = progress(
                &c,
                &fw,
                &rs,
                "r.csv",
                date!(2020 - 09 - 30),
                RagThresholds::default(),
                false,
            )
            .unwrap();
            let m = &p.measures[0];
            assert_eq!(
                (m.expected_units, m.delivered_units),
                (d("20"), d(delivered))
            );
            assert_eq!(m.rag, want, "{delivered}");
            assert_eq!(p.rag, want, "overall, {delivered}");
            assert_eq!(m.forecast_units, d("60") * d(delivered) / d("20"));
        }
    }

    #[test]
    fn given_quarters_set_the_profile_and_thresholds_are_configurable() {
        let c = Contract::from_toml(CONTRACT, "c.toml").unwrap();
        let fw = embedded("rotherham-2019").unwrap();
        // Year 1 (40) + year 2 Q1 (20): 60 expected after five quarters.
        let rs = [ret(1, 4, "40"), ret(2, 1, "11")];
        let strict = RagThresholds {
            green: d("95"),
            amber: d("90"),
        };
        let p = progress(&c, &fw, &rs, "r.csv", date!(2021 - 06 - 30), strict, false).unwrap();
        assert_eq!(p.measures[0].expected_units, d("60"));
        assert_eq!(
            p.measures[0].progress_percent.unwrap().round_dp(2),
            d("85.00")
        );
        assert_eq!(p.measures[0].rag, Some(Rag::Red));
    }

    #[test]
    fn nothing_due_yet_has_no_status_and_later_or_unverified_returns_do_not_count() {
        let c = Contract::from_toml(CONTRACT, "c.toml").unwrap();
        let fw = embedded("rotherham-2019").unwrap();
        let mut unverified = ret(1, 1, "5");
        unverified.verified = false;
        let rs = [unverified, ret(1, 3, "7")];
        let p = progress(
            &c,
            &fw,
            &rs,
            "r.csv",
            date!(2020 - 05 - 01),
            RagThresholds::default(),
            false,
        )
        .unwrap();
        assert_eq!(
            (p.measures[0].rag, p.rag, p.measures[0].delivered_units),
            (None, None, d("0"))
        );
        assert_eq!(p.measures[0].forecast_units, d("60"));
        let p = progress(
            &c,
            &fw,
            &rs,
            "r.csv",
            date!(2020 - 06 - 30),
            RagThresholds::default(),
            false,
        )
        .unwrap();
        assert_eq!(p.measures[0].unverified_units, d("5"));
        assert!(
            p.notes.iter().any(|n| n.contains("not verified")),
            "{:?}",
            p.notes
        );
        assert!(
            p.notes.iter().any(|n| n.contains("not ended")),
            "{:?}",
            p.notes
        );
    }

    #[test]
    fn contract_lengths_are_bounded() {
        // 2³⁰ years made quarters_elapsed overflow (years × 4); 10,000
        // sent quarter_start past the calendar's end.
        for years in ["0", "51", "10000", "1073741824"] {
            let text = CONTRACT.replace("years = 2", &format!("years = {years}"));
            let e = Contract::from_toml(&text, "c.toml")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("line 5") && e.contains("from 1 to 50"),
                "{years}: {e}"
            );
        }
        let text = CONTRACT
            .replace("years = 2", "years = 50")
            .replace("contract_year = 2", "contract_year = 50");
        let c = Contract::from_toml(&text, "c.toml").unwrap();
        assert_eq!(c.quarters_elapsed(crate::limits::LATEST_DATE), 200);
        assert_eq!(c.quarter_start(50, 4), date!(2070 - 01 - 01));
    }

    #[test]
    fn bad_contract_files_say_where() {
        let cases = [
            (
                CONTRACT.replace("2020-04-01", "\"April\""),
                "line 4",
                "a date such as",
            ),
            (
                CONTRACT.replace("contract_year = 2", "contract_year = 3"),
                "line 16",
                "from 1 to 2",
            ),
            (
                CONTRACT.replace("[20, 0, 0, 0]", "[20, 0, 0, 1]"),
                "line 18",
                "adding up to units = 20",
            ),
            (
                CONTRACT.replace("units = 40", "units = -4"),
                "line 12",
                "negative",
            ),
        ];
        for (text, line, what) in cases {
            let e = Contract::from_toml(&text, "c.toml")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("c.toml") && e.contains(line) && e.contains(what),
                "want {line} {what}: {e}"
            );
        }
    }
}
