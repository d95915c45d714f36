//! `socval contract`: delivery of a contract's social value commitments.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use serde_json::json;
use socval_core::contract::{self, Contract, Progress, Rag};
use socval_core::{Decimal, Gbp, RagThresholds};
use time::Date;

use super::framework::{load, load_policy, number, plain, pounds_json, read_csv};
use crate::Global;
use crate::exit;
use crate::output::{Format, Report};

/// Contracts: social value delivery against commitments.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:
  socval contract progress data/examples/contract.toml --returns data/examples/returns.csv --as-of 2021-03-31

Guide: docs/engine.md")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Progress to date per measure: expected, delivered, RAG, forecast. Exit code 3 if anything is red.
    #[command(after_help = progress_help())]
    Progress(ProgressArgs),
}

/// `contract progress --help`: RAG as the default policy sets it.
fn progress_help() -> String {
    format!(
        "Examples:
  socval contract progress data/examples/contract.toml --returns data/examples/returns.csv --as-of 2021-03-31
  socval contract progress contract.toml --returns returns.csv --green 95 --amber 80 --format json

Commitments per contract year are spread evenly over its quarters unless the file gives
`quarters = [a, b, c, d]`. Expected to date covers quarters ended by --as-of; delivered
counts verified returns for those quarters. Progress = delivered ÷ expected. RAG by the policy
in force ([rag] of --policy, or --green/--amber; by default {}). Forecast at completion =
committed × delivered ÷ expected.

Exit codes: 0 nothing red, 1 error, 3 a measure or the contract is red.",
        socval_core::Policy::default().rag.describe()
    )
}

#[derive(clap::Args, Debug)]
struct ProgressArgs {
    /// Contract file: [contract] and [[commitment]] tables.
    file: PathBuf,
    /// Delivery returns CSV: measure, contract_year, quarter, units[, verified, evidence].
    #[arg(long)]
    returns: Option<PathBuf>,
    /// Progress as of this date, YYYY-MM-DD (default: today).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Policy file (default: Rotherham's policy).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Green at or above this % (overrides the policy).
    #[arg(long)]
    green: Option<Decimal>,
    /// Amber at or above this % (overrides the policy).
    #[arg(long)]
    amber: Option<Decimal>,
    /// When a measure has no proxy for the contract's year, use its latest earlier year's proxy.
    #[arg(long)]
    carry_forward: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

fn parse_date(s: &str) -> Result<Date, String> {
    contract::parse_date(s).ok_or_else(|| {
        format!("{s:?} is not a date (accepted: YYYY-MM-DD from 1990 to 2099, such as 2021-03-31)")
    })
}

/// Runs a `socval contract` subcommand.
pub fn run(_global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    match args.command {
        Command::Progress(a) => progress(a, out),
    }
}

fn progress(a: ProgressArgs, out: &mut dyn Write) -> Result<u8> {
    let rag = thresholds(&a)?;
    let name = a.file.display().to_string();
    let text = std::fs::read_to_string(&a.file)
        .with_context(|| format!("cannot read contract file {name}"))?;
    let c = Contract::from_toml(&text, &name)?;
    let fw = load(&c.framework, a.file.parent())
        .with_context(|| format!("{name}: cannot use framework {:?}", c.framework))?;
    let (returns, returns_file) = match &a.returns {
        Some(p) => {
            let records = read_csv(p)?;
            (contract::returns_from_records(&records)?, records.file)
        }
        None => (Vec::new(), String::new()),
    };
    let as_of = a
        .as_of
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let p = contract::progress(
        &c,
        &fw,
        &returns,
        &returns_file,
        as_of,
        rag,
        a.carry_forward,
    )?;
    progress_report(&c, &p, as_of, rag).write(a.format, out)?;
    let red = p.rag == Some(Rag::Red) || p.measures.iter().any(|m| m.rag == Some(Rag::Red));
    Ok(if red { exit::FINDINGS } else { exit::OK })
}

/// The RAG thresholds in force: the policy's, overridden by --green and
/// --amber. Returns an error if amber ends up above green.
fn thresholds(a: &ProgressArgs) -> Result<RagThresholds> {
    let policy = load_policy(a.policy.as_deref())?;
    let mut rag = policy.rag;
    if let Some(g) = a.green {
        rag.green = g;
    }
    if let Some(am) = a.amber {
        rag.amber = am;
    }
    if rag.amber > rag.green {
        anyhow::bail!(
            "--amber {} is above --green {} (accepted: amber ≤ green)",
            rag.amber,
            rag.green
        );
    }
    Ok(rag)
}

/// The progress of contract `c` as of `as_of`: JSON, one table row per
/// measure, and a footer with the whole contract and the notes.
fn progress_report(
    c: &Contract,
    p: &Progress,
    as_of: Date,
    rag: RagThresholds,
) -> Report<serde_json::Value> {
    let rag_text = |r: Option<Rag>| r.map(|r| r.to_string()).unwrap_or_else(|| "not due".into());
    let opt_gbp = |g: Option<Gbp>| g.map(pounds_json);
    let measures: Vec<_> = p
        .measures
        .iter()
        .map(|m| {
            json!({
                "code": m.code,
                "title": m.title,
                "committed_units": number(m.committed_units, 4),
                "expected_units": number(m.expected_units, 4),
                "delivered_units": number(m.delivered_units, 4),
                "unverified_units": number(m.unverified_units, 4),
                "progress_percent": m.progress_percent.map(|x| number(x, 2)),
                "rag": m.rag.map(|r| r.to_string()),
                "forecast_units": number(m.forecast_units, 4),
                "committed_gbp": opt_gbp(m.committed_gbp),
                "expected_gbp": opt_gbp(m.expected_gbp),
                "delivered_gbp": opt_gbp(m.delivered_gbp),
                "forecast_gbp": opt_gbp(m.forecast_gbp),
            })
        })
        .collect();
    let json = json!({
        "contract": {
            "title": c.title, "supplier": c.supplier, "start": c.start.to_string(), "years": c.years,
            "framework": c.framework, "year": c.year.to_string(),
        },
        "as_of": as_of.to_string(),
        "quarters_elapsed": p.quarters_elapsed,
        "quarters_total": p.quarters_total,
        "thresholds": { "green": number(rag.green, 2), "amber": number(rag.amber, 2) },
        "measures": measures,
        "overall": {
            "committed_gbp": pounds_json(p.committed_gbp),
            "expected_gbp": pounds_json(p.expected_gbp),
            "delivered_gbp": pounds_json(p.delivered_gbp),
            "progress_percent": p.progress_percent.map(|x| number(x, 2)),
            "rag": p.rag.map(|r| r.to_string()),
            "forecast_gbp": pounds_json(p.forecast_gbp),
        },
        "notes": p.notes,
    });
    let rows = p
        .measures
        .iter()
        .map(|m| {
            vec![
                m.code.clone(),
                m.title.clone(),
                plain(m.committed_units, 2),
                plain(m.expected_units, 2),
                plain(m.delivered_units, 2),
                m.progress_percent
                    .map(|x| format!("{}%", x.round_dp(1)))
                    .unwrap_or_else(|| "-".into()),
                rag_text(m.rag),
                plain(m.forecast_units, 2),
            ]
        })
        .collect();
    let mut footer = vec![
        format!(
            "{} ({}), as of {as_of}: {} of {} quarters ended.",
            c.title, c.supplier, p.quarters_elapsed, p.quarters_total
        ),
        format!(
            "Social value: committed {}, expected to date {}, delivered {} ({}, {}); forecast at completion {}.",
            p.committed_gbp.display_whole_pounds(),
            p.expected_gbp.display_whole_pounds(),
            p.delivered_gbp.display_whole_pounds(),
            p.progress_percent
                .map(|x| format!("{}%", x.round_dp(1)))
                .unwrap_or_else(|| "-".into()),
            rag_text(p.rag),
            p.forecast_gbp.display_whole_pounds(),
        ),
    ];
    footer.extend(p.notes.iter().cloned());
    Report {
        json,
        headers: vec![
            "code",
            "measure",
            "committed",
            "expected",
            "delivered",
            "progress",
            "RAG",
            "forecast",
        ],
        rows,
        numeric: vec![2, 3, 4, 5, 7],
        footer,
    }
}
