//! Framework checks: what would make a valuation wrong, and where it is.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::{Framework, MAX_PROXY_DP, Measure, UNITS_ACCEPTED, Unit, ValuationKind};
use crate::FinancialYear;

/// One problem found in a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The line(s) in the file, when the framework was read from one.
    pub lines: Vec<u64>,
    /// Where in the framework: `measure R01 (theme JOBS › outcome JOBS1)`.
    pub place: String,
    /// What is wrong and what would be accepted.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.lines.as_slice() {
            [] => {}
            [one] => write!(f, "line {one}: ")?,
            many => write!(
                f,
                "lines {}: ",
                many.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )?,
        }
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// The issues found so far.
#[derive(Default)]
struct Found(Vec<Issue>);

impl Found {
    fn push(&mut self, lines: &[u64], place: String, message: String) {
        self.0.push(Issue {
            lines: lines.to_vec(),
            place,
            message,
        });
    }

    /// A code used more than once: reported once, with every line it is on.
    fn duplicate(&mut self, f: &Framework, what: &'static str, code: &str, place: String) {
        self.push(
            f.lines_of(code),
            place,
            format!("duplicate {what} code (each code must be unique)"),
        );
    }

    fn no_code(&mut self, what: &str, title: &str) {
        self.push(
            &[],
            format!("{what} {title:?}"),
            "has no code (accepted: a short unique code)".into(),
        );
    }
}

/// How often each (level, lower-case code) is defined.
type CodeCounts = BTreeMap<(&'static str, String), usize>;

impl Framework {
    /// Finds duplicate codes, valued measures without proxies (or missing a
    /// year other measures have), unknown units, multipliers whose unit is
    /// not £, repeated years and proxies that are negative or too precise.
    /// An empty list means the framework is fit to value with.
    pub fn validate(&self) -> Vec<Issue> {
        let mut found = Found::default();
        // The nth definition of a code is on the nth line recorded for it.
        let mut nth: BTreeMap<&str, usize> = BTreeMap::new();
        let seen = self.code_counts();
        let is_repeated =
            |level: &'static str, code: &str| seen[&(level, code.to_ascii_lowercase())] > 1;
        let mut reported = std::collections::BTreeSet::new();
        let all_years = self.years();

        for t in &self.themes {
            if t.code.trim().is_empty() {
                found.no_code("theme", &t.title);
            } else if is_repeated("theme", &t.code) && reported.insert(("theme", t.code.clone())) {
                found.duplicate(self, "theme", &t.code, format!("theme {}", t.code));
            }
            for o in &t.outcomes {
                if o.code.trim().is_empty() {
                    found.no_code("outcome", &o.title);
                } else if is_repeated("outcome", &o.code)
                    && reported.insert(("outcome", o.code.clone()))
                {
                    found.duplicate(self, "outcome", &o.code, format!("outcome {}", o.code));
                }
                for m in &o.measures {
                    if m.code.trim().is_empty() {
                        found.no_code("measure", &m.title);
                        continue;
                    }
                    let place =
                        format!("measure {} (theme {} › outcome {})", m.code, t.code, o.code);
                    let n = nth.entry(&m.code).or_default();
                    let here: Vec<u64> = self
                        .lines_of(&m.code)
                        .get(*n)
                        .copied()
                        .into_iter()
                        .collect();
                    *n += 1;
                    if is_repeated("measure", &m.code)
                        && reported.insert(("measure", m.code.clone()))
                    {
                        found.duplicate(self, "measure", &m.code, place.clone());
                    }
                    measure_issues(&mut found, m, &all_years, &here, &place);
                }
            }
        }
        found.0
    }

    fn code_counts(&self) -> CodeCounts {
        let mut seen = CodeCounts::new();
        for t in &self.themes {
            *seen
                .entry(("theme", t.code.to_ascii_lowercase()))
                .or_default() += 1;
            for o in &t.outcomes {
                *seen
                    .entry(("outcome", o.code.to_ascii_lowercase()))
                    .or_default() += 1;
                for m in &o.measures {
                    *seen
                        .entry(("measure", m.code.to_ascii_lowercase()))
                        .or_default() += 1;
                }
            }
        }
        seen
    }
}

/// A measure's own problems: title, unit, kind and proxies.
fn measure_issues(
    found: &mut Found,
    m: &Measure,
    all_years: &[FinancialYear],
    here: &[u64],
    place: &str,
) {
    let mut push = |message: String| found.push(here, place.to_string(), message);
    if m.title.trim().is_empty() {
        push("has no title".into());
    }
    if let Unit::Unknown(u) = &m.unit {
        push(format!("unknown unit {u:?} (accepted: {UNITS_ACCEPTED})"));
    }
    if m.kind == ValuationKind::Multiplier && m.unit != Unit::Gbp {
        push(format!(
            "is a multiplier of £ but its unit is {:?} (accepted: unit = \"gbp\")",
            m.unit.to_string()
        ));
    }
    if m.kind == ValuationKind::Unvalued {
        if !m.proxies.is_empty() {
            push("is unvalued but has proxies (remove them, or set kind = \"per_unit\")".into());
        }
        return;
    }
    if m.proxies.is_empty() {
        push(format!(
            "missing proxy: no proxy value for any year (add one, or set kind = \"unvalued\") [{} valued]",
            m.kind
        ));
        return;
    }
    for y in all_years {
        if !m.proxies.iter().any(|p| p.year == *y) {
            push(format!(
                "missing proxy for {y} (other measures have one for that year)"
            ));
        }
    }
    let mut years: Vec<_> = m.proxies.iter().map(|p| p.year).collect();
    years.sort();
    for w in years.windows(2) {
        if w[0] == w[1] {
            push(format!("two proxies for {} (one per year)", w[0]));
        }
    }
    for p in &m.proxies {
        if p.value_gbp.is_negative() {
            push(format!(
                "proxy for {} is negative ({}); proxies are 0 or more",
                p.year,
                p.value_gbp.amount()
            ));
        }
        if p.value_gbp.amount().normalize().scale() > MAX_PROXY_DP {
            push(format!(
                "proxy for {} ({}) has more than {MAX_PROXY_DP} decimal places",
                p.year,
                p.value_gbp.amount()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;

    const BAD: &str = r#"
[framework]
id = "bad"

[[theme]]
code = "T"
title = "Theme"

[[theme.outcome]]
code = "O"
title = "Outcome"

[[theme.outcome.measure]]
code = "M1"
title = "First"
unit = "fte"
[[theme.outcome.measure.proxy]]
year = "2019/20"
value_gbp = "10"
[[theme.outcome.measure.proxy]]
year = "2020/21"
value_gbp = "11"

[[theme.outcome.measure]]
code = "M1"
title = "Second with the same code"
unit = "bananas"
[[theme.outcome.measure.proxy]]
year = "2019/20"
value_gbp = "5"

[[theme.outcome.measure]]
code = "M3"
title = "No proxy"
unit = "hours"

[[theme.outcome.measure]]
code = "M4"
title = "Multiplier of hours"
unit = "hours"
kind = "multiplier"
[[theme.outcome.measure.proxy]]
year = "2019/20"
value_gbp = "0.1234567"
[[theme.outcome.measure.proxy]]
year = "2020/21"
value_gbp = "-1"
"#;

    #[test]
    fn finds_each_problem_and_says_where() {
        let fw = Framework::from_toml(BAD, "bad.toml").unwrap();
        let issues: Vec<String> = fw.validate().iter().map(ToString::to_string).collect();
        let expect = [
            ("lines 14, 25", "duplicate measure code"),
            ("line 25", "unknown unit \"bananas\""),
            ("line 25", "missing proxy for 2020/21"),
            ("line 33", "missing proxy: no proxy value for any year"),
            ("line 38", "multiplier of £"),
            ("line 38", "more than 6 decimal places"),
            ("line 38", "negative"),
        ];
        for (line, what) in expect {
            assert!(
                issues
                    .iter()
                    .any(|i| i.starts_with(line) && i.contains(what)),
                "no issue at {line} about {what}: {issues:#?}"
            );
        }
        assert_eq!(issues.len(), expect.len(), "{issues:#?}");
    }

    #[test]
    fn declared_custom_units_are_known() {
        let text = BAD.replace("id = \"bad\"", "id = \"bad\"\ncustom_units = [\"bananas\"]");
        let fw = Framework::from_toml(&text, "x").unwrap();
        assert!(
            !fw.validate()
                .iter()
                .any(|i| i.message.contains("unknown unit"))
        );
    }
}
