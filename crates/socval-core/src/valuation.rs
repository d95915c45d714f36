//! Valuation: commitments (measure, units, optionally contract year and
//! financial year) → units and £ per row, per measure, per outcome, per
//! theme and in total. Social value (£) = counted units × proxy.

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::framework::{Framework, Unit, ValuationKind};
use crate::record::Records;
use crate::{FinancialYear, Gbp};

/// Units of a measure a bidder or supplier commits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    /// Measure code or exact title.
    pub measure: String,
    /// Units committed (never negative).
    pub units: Decimal,
    /// Contract year (1-based), when given; counting rules use it.
    pub contract_year: Option<u32>,
    /// The financial year to value in, when it differs from the default.
    pub year: Option<FinancialYear>,
    /// The line it was read from, for messages (0 if not from a file).
    pub line: u64,
}

/// How to value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuationOptions {
    /// The financial year of commitments that do not give one.
    pub year: FinancialYear,
    /// Use the latest earlier year's proxy when a year has none, instead of
    /// failing. Off by default: a missing proxy is usually a mistake.
    pub carry_forward: bool,
    /// The file the commitments came from, for messages.
    pub file: String,
}

/// One valued commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuedRow {
    /// The measure as the input named it.
    pub input: String,
    /// The measure's code.
    pub code: String,
    /// The measure's title.
    pub title: String,
    /// Its unit.
    pub unit: Unit,
    /// Its valuation kind.
    pub kind: ValuationKind,
    /// Theme code.
    pub theme: String,
    /// Outcome code.
    pub outcome: String,
    /// Units committed.
    pub units: Decimal,
    /// Units that count under the measure's counting rule.
    pub counted_units: Decimal,
    /// Contract year, if given.
    pub contract_year: Option<u32>,
    /// The year valued in.
    pub year: FinancialYear,
    /// The proxy used: `(year it is for, £ per unit)`; `None` if unvalued.
    pub proxy: Option<(FinancialYear, Gbp)>,
    /// Social value; `None` for an unvalued measure.
    pub value: Option<Gbp>,
}

/// Units and £ for one measure, over all its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureTotal {
    /// Measure code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Unit.
    pub unit: Unit,
    /// Counted units.
    pub units: Decimal,
    /// £, or `None` if unvalued.
    pub value: Option<Gbp>,
}

/// £ for one outcome or theme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtotal {
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Social value of its valued measures.
    pub value: Gbp,
}

/// The result of [`value`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valuation {
    /// The framework's id.
    pub framework: String,
    /// The default year valued in.
    pub year: FinancialYear,
    /// One row per commitment, in input order.
    pub rows: Vec<ValuedRow>,
    /// Per measure, in framework order.
    pub measures: Vec<MeasureTotal>,
    /// Per outcome, in framework order (only those with commitments).
    pub outcomes: Vec<Subtotal>,
    /// Per theme, in framework order (only those with commitments).
    pub themes: Vec<Subtotal>,
    /// The total social value, exact.
    pub total: Gbp,
}

/// One commitment valued: its measure found, its units checked and
/// counted, times the year's proxy.
fn value_row(
    framework: &Framework,
    c: &Commitment,
    options: &ValuationOptions,
) -> Result<ValuedRow> {
    let found = framework
        .find(&c.measure)
        .ok_or_else(|| Error::UnknownMeasure {
            file: options.file.clone(),
            line: c.line,
            column: "measure".into(),
            value: c.measure.clone(),
            framework: framework.meta.id.clone(),
            example: framework.example_code(),
        })?;
    let m = found.measure;
    if c.units.is_sign_negative() && !c.units.is_zero() {
        return Err(Error::Field {
            file: options.file.clone(),
            line: c.line,
            column: "units".into(),
            value: c.units.to_string(),
            problem: "is negative (units cannot be negative)".into(),
            expected: crate::record::UNITS_ACCEPTED.into(),
        });
    }
    let year = c.year.unwrap_or(options.year);
    let counted_units = if m.counting.counts(c.contract_year) {
        c.units
    } else {
        Decimal::ZERO
    };
    let proxy = m.proxy_for(year, options.carry_forward)?;
    let value = match proxy {
        Some(p) => Some(
            p.value_gbp
                .checked_mul_units(counted_units)
                .ok_or_else(|| Error::Field {
                    file: options.file.clone(),
                    line: c.line,
                    column: "units".into(),
                    value: c.units.to_string(),
                    problem: "is too large to value".into(),
                    expected: crate::record::UNITS_ACCEPTED.into(),
                })?,
        ),
        None => None,
    };
    Ok(ValuedRow {
        input: c.measure.clone(),
        code: m.code.clone(),
        title: m.title.clone(),
        unit: m.unit.clone(),
        kind: m.kind,
        theme: found.theme.code.clone(),
        outcome: found.outcome.code.clone(),
        units: c.units,
        counted_units,
        contract_year: c.contract_year,
        year,
        proxy: proxy.map(|p| (p.year, p.value_gbp)),
        value,
    })
}

/// Values `commitments` with `framework`.
///
/// Returns [`Error::UnknownMeasure`] for a measure the framework does not
/// have (naming file and line) and [`Error::MissingProxy`] for a valued
/// measure with no proxy for the year (unless `carry_forward` finds an
/// earlier one). Nothing is returned unless every commitment is valued.
pub fn value(
    framework: &Framework,
    commitments: &[Commitment],
    options: &ValuationOptions,
) -> Result<Valuation> {
    let rows = commitments
        .iter()
        .map(|c| value_row(framework, c, options))
        .collect::<Result<Vec<_>>>()?;

    let sum = |values: &mut dyn Iterator<Item = Gbp>, what: &str| {
        Gbp::checked_sum(values).ok_or_else(|| {
            crate::contract::overflow(&options.file, None, format!("the £ of {what}"))
        })
    };
    let mut measures = Vec::new();
    let mut outcomes = Vec::new();
    let mut themes = Vec::new();
    for t in &framework.themes {
        let t_rows: Vec<&ValuedRow> = rows.iter().filter(|r| r.theme == t.code).collect();
        if t_rows.is_empty() {
            continue;
        }
        for o in &t.outcomes {
            let o_rows: Vec<&&ValuedRow> = t_rows.iter().filter(|r| r.outcome == o.code).collect();
            if o_rows.is_empty() {
                continue;
            }
            for m in &o.measures {
                let m_rows: Vec<&&&ValuedRow> =
                    o_rows.iter().filter(|r| r.code == m.code).collect();
                if m_rows.is_empty() {
                    continue;
                }
                measures.push(MeasureTotal {
                    code: m.code.clone(),
                    title: m.title.clone(),
                    unit: m.unit.clone(),
                    units: m_rows
                        .iter()
                        .try_fold(Decimal::ZERO, |t, r| t.checked_add(r.counted_units))
                        .ok_or_else(|| {
                            let what = format!("the units of measure {}", m.code);
                            crate::contract::overflow(&options.file, None, what)
                        })?,
                    value: if m.kind == ValuationKind::Unvalued {
                        None
                    } else {
                        let what = format!("measure {}", m.code);
                        Some(sum(&mut m_rows.iter().filter_map(|r| r.value), &what)?)
                    },
                });
            }
            outcomes.push(Subtotal {
                code: o.code.clone(),
                title: o.title.clone(),
                value: sum(
                    &mut o_rows.iter().filter_map(|r| r.value),
                    &format!("outcome {}", o.code),
                )?,
            });
        }
        themes.push(Subtotal {
            code: t.code.clone(),
            title: t.title.clone(),
            value: sum(
                &mut t_rows.iter().filter_map(|r| r.value),
                &format!("theme {}", t.code),
            )?,
        });
    }
    let total = sum(&mut rows.iter().filter_map(|r| r.value), "all the rows")?;
    Ok(Valuation {
        framework: framework.meta.id.clone(),
        year: options.year,
        rows,
        measures,
        outcomes,
        themes,
        total,
    })
}

/// Reads commitments from CSV records: a `measure` column (code or exact
/// title) and a `units` column (`units_committed` accepted); optional
/// `contract_year` and `year`. Other columns are ignored.
///
/// Every row is checked against `framework` before anything is returned; the
/// first problem is an error naming file, line, column and value.
pub fn commitments_from_records(
    records: &Records,
    framework: &Framework,
) -> Result<Vec<Commitment>> {
    let measure = records.column(&["measure", "measure_code", "code"])?;
    let units = records.column(&["units", "units_committed", "units_delivered"])?;
    let contract_year = records.optional_column(&["contract_year"]);
    let year = records.optional_column(&["year", "financial_year"]);
    let mut out = Vec::with_capacity(records.rows.len());
    for r in &records.rows {
        let name = r.get(measure);
        if framework.find(name).is_none() {
            return Err(Error::UnknownMeasure {
                file: records.file.clone(),
                line: r.line,
                column: records.headers[measure].clone(),
                value: name.to_string(),
                framework: framework.meta.id.clone(),
                example: framework.example_code(),
            });
        }
        out.push(Commitment {
            measure: name.to_string(),
            units: records.units(r, units)?,
            contract_year: match contract_year {
                Some(c) if !r.get(c).is_empty() => Some(records.positive_int(r, c)?),
                _ => None,
            },
            year: match year {
                Some(c) if !r.get(c).is_empty() => Some(records.year(r, c)?),
                _ => None,
            },
            line: r.line,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::embedded;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn opts() -> ValuationOptions {
        ValuationOptions {
            year: FinancialYear::starting(2019),
            carry_forward: false,
            file: "c.csv".into(),
        }
    }

    fn c(measure: &str, units: &str, contract_year: Option<u32>) -> Commitment {
        Commitment {
            measure: measure.into(),
            units: d(units),
            contract_year,
            year: None,
            line: 2,
        }
    }

    #[test]
    fn units_times_proxy_per_row_measure_theme_and_total() {
        let fw = embedded("rotherham-2019").unwrap();
        let v = value(
            &fw,
            &[
                c("R01", "2", None),
                c("R01", "1", None),
                c("R16", "1000", None),
                c("R02", "5", None),
            ],
            &opts(),
        )
        .unwrap();
        assert_eq!(v.rows[0].value, Some(Gbp::new(d("52545.99"))));
        assert_eq!(
            v.rows[2].value,
            Some(Gbp::new(d("522.934"))),
            "multiplier: £0.522934 per £1"
        );
        assert_eq!(v.rows[3].value, None, "living wage is unvalued");
        assert_eq!(v.measures.len(), 3);
        assert_eq!(v.measures[0].units, d("3"));
        assert_eq!(
            v.themes.iter().map(|t| t.code.as_str()).collect::<Vec<_>>(),
            ["JOBS", "LOCAL"]
        );
        assert_eq!(v.total, Gbp::new(d("78818.985") + d("522.934")));
    }

    #[test]
    fn first_contract_year_rule_counts_only_year_one() {
        let fw = embedded("rotherham-2019").unwrap();
        let cases = [(None, "1"), (Some(1), "1"), (Some(2), "0"), (Some(5), "0")];
        for (year, counted) in cases {
            let v = value(&fw, &[c("R07", "1", year)], &opts()).unwrap();
            assert_eq!(v.rows[0].counted_units, d(counted), "{year:?}");
        }
        // An every-year measure counts in year 3.
        let v = value(&fw, &[c("R09", "10", Some(3))], &opts()).unwrap();
        assert_eq!(v.rows[0].counted_units, d("10"));
    }

    #[test]
    fn missing_year_fails_unless_carried_forward() {
        let fw = embedded("rotherham-2019").unwrap();
        let mut o = opts();
        o.year = FinancialYear::starting(2020);
        let e = value(&fw, &[c("R07", "1", None)], &o)
            .unwrap_err()
            .to_string();
        assert!(e.contains("R07") && e.contains("2020/21"), "{e}");
        o.carry_forward = true;
        let v = value(&fw, &[c("R07", "1", None)], &o).unwrap();
        assert_eq!(v.rows[0].proxy.unwrap().0, FinancialYear::starting(2019));
        assert_eq!(v.total, Gbp::new(d("15166")));
    }

    #[test]
    fn unknown_measure_names_file_line_and_value() {
        let fw = embedded("rotherham-2019").unwrap();
        let e = value(&fw, &[c("Free lunches", "1", None)], &opts())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("c.csv") && e.contains("line 2") && e.contains("\"Free lunches\""),
            "{e}"
        );
    }

    #[test]
    fn records_accept_aliases_and_refuse_negative_units() {
        let fw = embedded("rotherham-2019").unwrap();
        let mut r = Records::new(
            "t.csv",
            vec!["measure".into(), "unit".into(), "units_committed".into()],
        );
        r.push(
            2,
            vec![
                "No. of disabled employees hired".into(),
                "No of people".into(),
                "1".into(),
            ],
        );
        let cs = commitments_from_records(&r, &fw).unwrap();
        assert_eq!(cs[0].units, d("1"));
        r.push(3, vec!["R07".into(), "x".into(), "-2".into()]);
        let e = commitments_from_records(&r, &fw).unwrap_err().to_string();
        assert!(
            e.contains("line 3") && e.contains("units_committed") && e.contains("\"-2\""),
            "{e}"
        );
    }

    proptest::proptest! {
        #[test]
        fn total_is_the_sum_of_rows_measures_outcomes_and_themes(
            picks in proptest::collection::vec((0usize..18, 0u32..1_000_000, proptest::option::of(1u32..4)), 0..40)
        ) {
            let fw = embedded("rotherham-2019").unwrap();
            let codes: Vec<String> = fw.measures().map(|f| f.measure.code.clone()).collect();
            let cs: Vec<Commitment> = picks
                .iter()
                .map(|(i, hundredths, cy)| Commitment {
                    measure: codes[*i].clone(),
                    units: Decimal::new(i64::from(*hundredths), 2),
                    contract_year: *cy,
                    year: None,
                    line: 0,
                })
                .collect();
            let v = value(&fw, &cs, &opts()).unwrap();
            // A plain model: each row on its own, straight from the framework.
            let mut model = Gbp::ZERO;
            for c in &cs {
                let m = fw.find(&c.measure).unwrap().measure;
                if let Some(p) = m.proxy_for(FinancialYear::starting(2019), false).unwrap()
                    && m.counting.counts(c.contract_year)
                {
                    model = model.checked_add(p.value_gbp.checked_mul_units(c.units).unwrap()).unwrap();
                }
            }
            proptest::prop_assert_eq!(v.total, model);
            proptest::prop_assert_eq!(Gbp::checked_sum(v.themes.iter().map(|t| t.value)), Some(v.total));
            proptest::prop_assert_eq!(Gbp::checked_sum(v.outcomes.iter().map(|o| o.value)), Some(v.total));
            proptest::prop_assert_eq!(Gbp::checked_sum(v.measures.iter().filter_map(|m| m.value)), Some(v.total));
        }
    }
}
