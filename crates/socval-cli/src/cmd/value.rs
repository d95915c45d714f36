//! `socval value`: the social value of a CSV of commitments.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use serde_json::json;
use socval_core::valuation::{self, Valuation, ValuationOptions};
use socval_core::{FinancialYear, Framework};

use super::framework::{load, number, plain, pounds_json, read_csv};
use crate::Global;
use crate::exit;
use crate::output::{Format, Report};

/// Value commitments: units × proxy per row, with totals per measure, outcome, theme.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  socval value ../shared/data/seed/table-2-10-commitments.csv --framework rotherham-2019
  socval value commitments.csv --framework my-framework.toml --year 2024/25 --format json

The CSV needs a `measure` column (a measure code or its exact title) and a `units` column
(`units_committed` is accepted too); optional `contract_year` and `year` columns; other
columns are ignored. £ are shown to the whole pound, as the council's report does; JSON
also gives the exact figures as strings (`value_exact`, `total_exact`).
Guide: docs/engine.md")]
pub struct Args {
    /// CSV of commitments.
    file: PathBuf,
    /// An embedded framework's name, or a .toml or .csv framework file.
    #[arg(long)]
    framework: String,
    /// Financial year to value in (default: the latest year the framework has proxies for).
    #[arg(long)]
    year: Option<FinancialYear>,
    /// When a measure has no proxy for the year, use its latest earlier year's proxy instead of failing.
    #[arg(long)]
    carry_forward: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Values the file and prints rows and totals.
pub fn run(_global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    let fw = load(&args.framework, None)?;
    let records = read_csv(&args.file)?;
    let commitments = valuation::commitments_from_records(&records, &fw)?;
    let year = args
        .year
        .or_else(|| fw.latest_year())
        .unwrap_or_else(this_year);
    let opts = ValuationOptions {
        year,
        carry_forward: args.carry_forward,
        file: records.file.clone(),
    };
    let v = valuation::value(&fw, &commitments, &opts)?;
    report(&fw, &v).write(args.format, out)?;
    Ok(exit::OK)
}

/// The financial year today falls in (used only when a framework has no proxies at all).
pub(crate) fn this_year() -> FinancialYear {
    FinancialYear::containing(time::OffsetDateTime::now_utc().date())
}

/// The valuation as a report: JSON rows, measures, outcomes, themes, total.
pub(crate) fn report(fw: &Framework, v: &Valuation) -> Report<serde_json::Value> {
    let rows_json: Vec<_> = v
        .rows
        .iter()
        .map(|r| {
            json!({
                "measure": r.input,
                "code": r.code,
                "title": r.title,
                "unit": r.unit.to_string(),
                "kind": r.kind.to_string(),
                "theme": r.theme,
                "outcome": r.outcome,
                "units": number(r.units, 6),
                "counted_units": number(r.counted_units, 6),
                "contract_year": r.contract_year,
                "year": r.year.to_string(),
                "proxy_gbp": r.proxy.map(|(_, p)| p.amount().to_string()),
                "proxy_year": r.proxy.map(|(y, _)| y.to_string()),
                "value_gbp": r.value.map(pounds_json),
                "value_exact": r.value.map(|g| g.amount().normalize().to_string()),
            })
        })
        .collect();
    let sub = |s: &[valuation::Subtotal]| -> Vec<serde_json::Value> {
        s.iter()
            .map(|t| json!({"code": t.code, "title": t.title, "value_gbp": pounds_json(t.value)}))
            .collect()
    };
    let measures: Vec<_> = v
        .measures
        .iter()
        .map(|m| json!({"code": m.code, "title": m.title, "unit": m.unit.to_string(), "units": number(m.units, 6), "value_gbp": m.value.map(pounds_json)}))
        .collect();
    let json = json!({
        "framework": fw.meta.id,
        "year": v.year.to_string(),
        "rows": rows_json,
        "measures": measures,
        "outcomes": sub(&v.outcomes),
        "themes": sub(&v.themes),
        "total_gbp": pounds_json(v.total),
        "total_exact": v.total.amount().normalize().to_string(),
    });
    let rows = v
        .rows
        .iter()
        .map(|r| {
            vec![
                r.code.clone(),
                r.title.clone(),
                r.unit.label().to_string(),
                plain(r.units, 6),
                r.value
                    .map(|g| g.display_whole_pounds())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let mut footer = vec![format!(
        "Total: {} ({} in {})",
        v.total.display_whole_pounds(),
        fw.meta.id,
        v.year
    )];
    for t in &v.themes {
        footer.push(format!("  {}: {}", t.title, t.value.display_whole_pounds()));
    }
    if v.rows.iter().any(|r| r.counted_units != r.units) {
        footer.push(
            "Some units do not count under their measure's counting rule (counted_units in JSON)."
                .into(),
        );
    }
    if v.rows
        .iter()
        .any(|r| r.proxy.is_some_and(|(y, _)| y != r.year))
    {
        footer.push(
            "Some proxies were carried forward from an earlier year (proxy_year in JSON).".into(),
        );
    }
    Report {
        json,
        headers: vec!["code", "measure", "unit", "units", "£"],
        rows,
        numeric: vec![3, 4],
        footer,
    }
}
