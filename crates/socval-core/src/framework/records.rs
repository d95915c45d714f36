//! Frameworks as CSV: a row per measure per year.
//!
//! Columns (header names; order free, case-insensitive): `theme`, `outcome`,
//! `code`, `title`, `unit`, `kind`, `year`, `proxy`; optional `theme_code`,
//! `outcome_code`, `counting`, `source`, `licence`, `note`. A measure without
//! proxies (unvalued, or not yet priced) has one row with `year` and `proxy`
//! empty.

use std::collections::BTreeMap;

use super::{CountingRule, Framework, Measure, Meta, Outcome, Proxy, Theme, Unit, ValuationKind};
use crate::error::{Error, Result};
use crate::record::{Record, Records};

/// The CSV header [`Framework::to_records`] writes.
pub const CSV_HEADERS: [&str; 14] = [
    "theme_code",
    "theme",
    "outcome_code",
    "outcome",
    "code",
    "title",
    "unit",
    "kind",
    "counting",
    "year",
    "proxy",
    "source",
    "licence",
    "note",
];

impl Framework {
    /// Reads a framework from CSV records. Every row is read before anything
    /// is returned; the first bad field is an error naming file, line,
    /// column and value.
    pub fn from_records(records: &Records, meta: Meta) -> Result<Framework> {
        let theme = records.column(&["theme", "theme_title"])?;
        let outcome = records.column(&["outcome", "outcome_title"])?;
        let code = records.column(&["code", "measure_code"])?;
        let title = records.column(&["title", "measure", "measure_title"])?;
        let unit = records.column(&["unit"])?;
        let kind = records.column(&["kind", "valuation"])?;
        let year = records.column(&["year", "financial_year"])?;
        let proxy = records.column(&["proxy", "proxy_gbp", "value_gbp"])?;
        let theme_code = records.optional_column(&["theme_code"]);
        let outcome_code = records.optional_column(&["outcome_code"]);
        let counting = records.optional_column(&["counting"]);
        let source = records.optional_column(&["source"]);
        let licence = records.optional_column(&["licence", "license"]);
        let note = records.optional_column(&["note", "notes"]);

        let mut fw = Framework::new(meta);
        // (theme index, outcome index, measure index) of each measure code, so
        // repeated rows add years; a code reused for a different measure
        // becomes a second measure, which validate reports as a duplicate.
        let mut measure_at: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
        for r in &records.rows {
            let get_opt = |c: Option<usize>| c.map(|c| r.get(c).to_string()).unwrap_or_default();
            let t_title = r.get(theme).to_string();
            let t_code = theme_code
                .map(|c| r.get(c).to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| slug(&t_title));
            let o_title = r.get(outcome).to_string();
            let o_code = outcome_code
                .map(|c| r.get(c).to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| slug(&o_title));
            if r.get(code).is_empty() {
                return Err(records.field_error(
                    r,
                    code,
                    "is empty",
                    "a short unique measure code",
                ));
            }
            let m_kind: ValuationKind = r.get(kind).parse().map_err(|_| {
                records.field_error(
                    r,
                    kind,
                    "is not a valuation kind",
                    "per_unit, multiplier or unvalued",
                )
            })?;
            let m_counting: CountingRule = match counting {
                Some(c) => r.get(c).parse().map_err(|_| {
                    records.field_error(
                        r,
                        c,
                        "is not a counting rule",
                        "every_year or first_contract_year",
                    )
                })?,
                None => CountingRule::EveryYear,
            };
            let p = proxy_of(records, r, year, proxy, get_opt(source), get_opt(licence))?;
            let (ti, oi) = fw.outcome_slot(t_code, t_title, o_code, o_title);
            let m_code = r.get(code).to_string();
            let m_title = r.get(title).to_string();
            let m_unit = Unit::parse(r.get(unit));
            let same = measure_at.get(&m_code).copied().filter(|&(a, b, c)| {
                let m = &fw.themes[a].outcomes[b].measures[c];
                (a, b) == (ti, oi) && m.title == m_title && m.unit == m_unit && m.kind == m_kind
            });
            match same {
                Some((a, b, c)) => {
                    let m = &mut fw.themes[a].outcomes[b].measures[c];
                    m.proxies.extend(p);
                }
                None => {
                    // A measure's place is its first row.
                    fw.lines.entry(m_code.clone()).or_default().push(r.line);
                    let measures = &mut fw.themes[ti].outcomes[oi].measures;
                    measures.push(Measure {
                        code: m_code.clone(),
                        title: m_title,
                        unit: m_unit,
                        kind: m_kind,
                        counting: m_counting,
                        note: get_opt(note),
                        proxies: p.into_iter().collect(),
                    });
                    measure_at
                        .entry(m_code)
                        .or_insert((ti, oi, measures.len() - 1));
                }
            }
        }
        if fw.themes.is_empty() {
            return Err(Error::Invalid {
                file: records.file.clone(),
                line: None,
                message: "has no measures (accepted: a header row and a row per measure per year)"
                    .into(),
            });
        }
        fw.resolve_units();
        Ok(fw)
    }

    /// The (theme, outcome) indices of an outcome, adding the theme and
    /// the outcome when they are new.
    fn outcome_slot(
        &mut self,
        t_code: String,
        t_title: String,
        o_code: String,
        o_title: String,
    ) -> (usize, usize) {
        let ti = match self.themes.iter().position(|t| t.code == t_code) {
            Some(i) => i,
            None => {
                self.themes.push(Theme {
                    code: t_code,
                    title: t_title,
                    outcomes: Vec::new(),
                });
                self.themes.len() - 1
            }
        };
        let outcomes = &mut self.themes[ti].outcomes;
        let oi = match outcomes.iter().position(|o| o.code == o_code) {
            Some(i) => i,
            None => {
                outcomes.push(Outcome {
                    code: o_code,
                    title: o_title,
                    measures: Vec::new(),
                });
                outcomes.len() - 1
            }
        };
        (ti, oi)
    }

    /// The framework as CSV rows under [`CSV_HEADERS`]: a row per measure per
    /// proxy year, or one row with empty year and proxy for a measure with none.
    pub fn to_records(&self) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for f in self.measures() {
            let m = f.measure;
            let base = |year: String, proxy: String, source: &str, licence: &str| {
                vec![
                    f.theme.code.clone(),
                    f.theme.title.clone(),
                    f.outcome.code.clone(),
                    f.outcome.title.clone(),
                    m.code.clone(),
                    m.title.clone(),
                    m.unit.to_string(),
                    m.kind.to_string(),
                    m.counting.to_string(),
                    year,
                    proxy,
                    source.to_string(),
                    licence.to_string(),
                    m.note.clone(),
                ]
            };
            if m.proxies.is_empty() {
                rows.push(base(String::new(), String::new(), "", ""));
            }
            for p in &m.proxies {
                rows.push(base(
                    p.year.to_string(),
                    p.value_gbp.amount().to_string(),
                    &p.source,
                    &p.licence,
                ));
            }
        }
        rows
    }
}

/// A code from a title: upper-case initials of its words, e.g. "Local
/// skills and employment" → `LSAE`; used when a CSV gives no codes.
fn slug(title: &str) -> String {
    let s: String = title
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .collect();
    if s.is_empty() {
        title.to_string()
    } else {
        s.to_uppercase()
    }
}

/// A row's proxy: both year and value, or neither (a measure without one).
fn proxy_of(
    records: &Records,
    r: &Record,
    year: usize,
    proxy: usize,
    source: String,
    licence: String,
) -> Result<Option<Proxy>> {
    match (r.get(year).is_empty(), r.get(proxy).is_empty()) {
        (true, true) => Ok(None),
        (false, false) => Ok(Some(Proxy {
            year: records.year(r, year)?,
            value_gbp: records.amount(r, proxy)?,
            source,
            licence,
        })),
        (true, false) => Err(records.field_error(
            r,
            year,
            "is empty but a proxy is given",
            "the year the proxy is for, such as 2019/20",
        )),
        (false, true) => Err(records.field_error(
            r,
            proxy,
            "is empty but a year is given",
            "the proxy in £ per unit, such as 26272.995",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::embedded;

    fn to_records(fw: &Framework) -> Records {
        let mut r = Records::new(
            "fw.csv",
            CSV_HEADERS.iter().map(|s| s.to_string()).collect(),
        );
        for (i, row) in fw.to_records().into_iter().enumerate() {
            r.push(i as u64 + 2, row);
        }
        r
    }

    #[test]
    fn csv_round_trips_the_embedded_frameworks() {
        for (name, _) in crate::framework::EMBEDDED {
            let fw = embedded(name).unwrap();
            let back = Framework::from_records(&to_records(&fw), fw.meta.clone()).unwrap();
            assert_eq!(back.to_toml(), fw.to_toml(), "{name}");
        }
    }

    #[test]
    fn csv_reports_bad_fields_with_line_column_value() {
        let fw = embedded("rotherham-2019").unwrap();
        let mut r = to_records(&fw);
        r.rows[0].fields[10] = "lots".into();
        let e = Framework::from_records(&r, Meta::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("fw.csv")
                && e.contains("line 2")
                && e.contains("`proxy`")
                && e.contains("\"lots\""),
            "{e}"
        );
        let mut r = to_records(&fw);
        r.rows[2].fields[7] = "priceless".into();
        let e = Framework::from_records(&r, Meta::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 4") && e.contains("per_unit, multiplier or unvalued"),
            "{e}"
        );
    }

    #[test]
    fn csv_duplicates_and_unknown_units_are_found_by_validate_with_lines() {
        let mut r = Records::new(
            "d.csv",
            [
                "theme", "outcome", "code", "title", "unit", "kind", "year", "proxy",
            ]
            .map(String::from)
            .to_vec(),
        );
        r.push(
            2,
            [
                "Jobs",
                "Local jobs",
                "A1",
                "Hires",
                "fte",
                "per_unit",
                "2019/20",
                "100",
            ]
            .map(String::from)
            .to_vec(),
        );
        r.push(
            3,
            [
                "Jobs",
                "Local jobs",
                "A1",
                "Other thing",
                "parsnips",
                "per_unit",
                "2019/20",
                "5",
            ]
            .map(String::from)
            .to_vec(),
        );
        let fw = Framework::from_records(
            &r,
            Meta {
                id: "d".into(),
                ..Meta::default()
            },
        )
        .unwrap();
        let issues: Vec<String> = fw.validate().iter().map(ToString::to_string).collect();
        assert!(
            issues
                .iter()
                .any(|i| i.starts_with("lines 2, 3") && i.contains("duplicate measure code")),
            "{issues:?}"
        );
        assert!(
            issues
                .iter()
                .any(|i| i.contains("unknown unit \"parsnips\"")),
            "{issues:?}"
        );
    }
}
