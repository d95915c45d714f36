//! `socval quotes`: the small-purchase quotes rule and its sample audit.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;
use socval_core::quotes::{self, PurchaseCheck};
use socval_core::{Policy, Records};

use super::framework::{load_policy, number, pence_json, read_csv};
use crate::Global;
use crate::exit;
use crate::output::{Format, Report};

/// Small purchases: the quotes rule (paragraph 2.5) and its sample audit.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  socval quotes check data/examples/quotes.csv
  socval quotes audit data/examples/quotes.csv --seed 2021 --size 5

Guide: docs/engine.md")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check every purchase against the quotes rule. Exit code 3 if any is not compliant.
    #[command(after_help = check_help())]
    Check(CheckArgs),
    /// Audit a reproducible random sample: compliance rate and assurance opinion. Exit code 3 if any sampled purchase is not compliant.
    #[command(after_help = audit_help())]
    Audit(AuditArgs),
}

/// `quotes check --help`: the rule as the default policy states it.
fn check_help() -> String {
    let p = Policy::default();
    format!(
        "Examples:
  socval quotes check data/examples/quotes.csv
  socval quotes check quotes.csv --format json

The CSV has purchase_id, purchase_value_gbp, supplier, supplier_location (local, region or
outside), amount_gbp and optionally justification. The rule of the policy in force (--policy;
by default {}): {}. Quotes count from different suppliers. Purchases at or over the threshold
are out of scope (compliant, with the reason).

Exit codes: 0 all compliant, 1 error, 3 a purchase is not compliant.",
        p.name,
        p.quotes.describe(p.quotes_threshold_gbp)
    )
}

/// `quotes audit --help`: the opinion thresholds of the default policy.
fn audit_help() -> String {
    format!(
        "Examples:
  socval quotes audit data/examples/quotes.csv --seed 2021 --size 5
  socval quotes audit quotes.csv --seed 7 --size 25 --format json

The same file, seed and size always give the same sample (purchases are ordered by id before
drawing, so row order does not matter). Opinion from the compliance rate, by the policy in
force ([assurance]; by default {}).

Exit codes: 0 every sampled purchase compliant, 1 error, 3 a sampled purchase is not compliant.",
        Policy::default().assurance.describe()
    )
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// CSV of quotes.
    file: PathBuf,
    /// Policy file (default: Rotherham's policy).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(clap::Args, Debug)]
struct AuditArgs {
    /// CSV of quotes.
    file: PathBuf,
    /// Seed of the random sample (record it with the audit to reproduce it).
    #[arg(long)]
    seed: u64,
    /// Number of purchases to sample.
    #[arg(long)]
    size: usize,
    /// Policy file (default: Rotherham's policy).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Runs a `socval quotes` subcommand.
pub fn run(_global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    match args.command {
        Command::Check(a) => {
            let policy = load_policy(a.policy.as_deref())?;
            let checks = checks_of(&read_csv(&a.file)?, &policy)?;
            check_report(&checks).write(a.format, out)?;
            Ok(if checks.iter().all(|c| c.compliant) {
                exit::OK
            } else {
                exit::FINDINGS
            })
        }
        Command::Audit(a) => audit(a, out),
    }
}

/// Reads and checks quotes.
pub(crate) fn checks_of(records: &Records, policy: &Policy) -> Result<Vec<PurchaseCheck>> {
    Ok(quotes::check(
        &quotes::quotes_from_records(records)?,
        policy,
    ))
}

fn purchase_json(c: &PurchaseCheck) -> serde_json::Value {
    json!({
        "purchase_id": c.purchase_id,
        "purchase_value_gbp": pence_json(c.purchase_value),
        "line": c.line,
        "quotes": c.quotes,
        "local": c.local,
        "region": c.region,
        "justified": c.justified,
        "in_scope": c.in_scope,
        "compliant": c.compliant,
        "reasons": c.reasons,
    })
}

fn purchase_row(c: &PurchaseCheck) -> Vec<String> {
    vec![
        c.purchase_id.clone(),
        c.purchase_value.display_pounds(),
        c.quotes.to_string(),
        c.local.to_string(),
        c.region.to_string(),
        if !c.in_scope {
            "out of scope".into()
        } else if c.compliant {
            "yes".into()
        } else {
            "NO".into()
        },
        c.reasons.join("; "),
    ]
}

const HEADERS: [&str; 7] = [
    "purchase",
    "value",
    "quotes",
    "local",
    "region",
    "compliant",
    "reasons",
];

/// The check as a report.
pub(crate) fn check_report(checks: &[PurchaseCheck]) -> Report<serde_json::Value> {
    let in_scope = checks.iter().filter(|c| c.in_scope).count();
    let failing = checks.iter().filter(|c| !c.compliant).count();
    Report {
        json: json!({
            "purchases": checks.iter().map(purchase_json).collect::<Vec<_>>(),
            "summary": { "purchases": checks.len(), "in_scope": in_scope, "compliant": in_scope - failing, "non_compliant": failing },
        }),
        headers: HEADERS.to_vec(),
        rows: checks.iter().map(purchase_row).collect(),
        numeric: vec![1, 2, 3, 4],
        footer: vec![format!(
            "{} purchase(s), {in_scope} under the quotes threshold: {} compliant, {failing} not compliant.",
            checks.len(),
            in_scope - failing
        )],
    }
}

fn audit(a: AuditArgs, out: &mut dyn Write) -> Result<u8> {
    let policy = load_policy(a.policy.as_deref())?;
    let records = read_csv(&a.file)?;
    let checks = checks_of(&records, &policy)?;
    let audit = quotes::audit(&checks, a.seed, a.size, policy.assurance, &display(&a.file))?;
    let json = json!({
        "seed": audit.seed,
        "size": audit.size,
        "population": audit.population,
        "sampled": audit.sample.len(),
        "sample": audit.sample.iter().map(purchase_json).collect::<Vec<_>>(),
        "compliant": audit.compliant,
        "compliance_percent": number(audit.compliance_percent, 2),
        "opinion": audit.opinion.to_string(),
    });
    let footer = vec![
        format!(
            "Sample of {} from {} purchase(s) under the quotes threshold (seed {}, size {}).",
            audit.sample.len(),
            audit.population,
            audit.seed,
            audit.size
        ),
        format!(
            "Compliance {}% ({} of {}): {} assurance.",
            audit.compliance_percent.round_dp(1).normalize(),
            audit.compliant,
            audit.sample.len(),
            audit.opinion
        ),
    ];
    Report {
        json,
        headers: HEADERS.to_vec(),
        rows: audit.sample.iter().map(purchase_row).collect(),
        numeric: vec![1, 2, 3, 4],
        footer,
    }
    .write(a.format, out)?;
    Ok(if audit.compliant == audit.sample.len() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
