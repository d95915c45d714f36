//! `socval report`: the annual social value report as HTML, XLSX, CSV and JSON.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use socval_core::FinancialYear;
use socval_geo::ROTHERHAM;
use socval_report::{Inputs, SpendInput, SpendSettings};
use socval_spend::SpendStore;

use super::framework::{load, load_policy};
use crate::Global;
use crate::exit;

/// Reports: the annual social value report.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:
  socval report annual --year 2019/20 --compare 2018/19 \\
    --commitments ../shared/data/seed/table-2-10-commitments.csv --framework rotherham-2019 --out report/

Guide: docs/report.md")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The annual report: commitments (table 2.10), headline figures, spend and market intelligence (graphs 1-4), small purchases, methods.
    #[command(after_help = "Examples:
  socval report annual --year 2019/20 --commitments ../shared/data/seed/table-2-10-commitments.csv --out report/
  socval report annual --org rotherham --year 2019/20 --compare 2018/19 \\
    --commitments commitments.csv --framework rotherham-2019 --quotes data/examples/quotes.csv --out report/
  socval report annual --org borsetshire --year 2025/26 --out report/     # from the portal's database

Writes DIR/report.html (one self-contained page, prints on A4), DIR/report.xlsx (a sheet per
table), DIR/report.json (the whole report) and DIR/csv/<table>.csv.

Inputs:
  --commitments  CSV: measure (code or title), units; optional category (Places, People,
                 Corporate), contract, delivered (units delivered to date).
  spend          the payments imported into the data directory (socval spend import), joined to
                 the supplier register and located with the imported postcode directory and IMD;
                 with --org, the organisation's own spend area instead when it has imports
                 (socval spend import --org ORG). Without imports the spend section says so.
  --quotes       CSV of small-purchase quotes (as for socval quotes check).
  --org          without --commitments: the organisation's contracts valued in the year (awarded
                 at the year's proxies) and their delivery returns, read from the portal's database
                 (--database-url, default the SQLite file in the data directory), with delivered to
                 date as of --as-of (default today), and its small purchases of the year unless
                 --quotes is given. With --commitments, --org is only recorded on the report.

Exit codes: 0 written, 1 error (bad input: file, line, column and value are named), 2 usage.")]
    Annual(AnnualArgs),
}

#[derive(clap::Args, Debug)]
struct AnnualArgs {
    /// The financial year, e.g. 2019/20.
    #[arg(long)]
    year: FinancialYear,
    /// A year to compare spend with, e.g. 2018/19.
    #[arg(long)]
    compare: Option<FinancialYear>,
    /// The directory to write the report into (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The organisation (its slug in the portal). Without --commitments, its contracts, delivery
    /// returns and small purchases are read from the portal's database.
    #[arg(long)]
    org: Option<String>,
    /// Delivered to date means by this date (YYYY-MM-DD; default today). With --org only.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<time::Date>,
    /// CSV of social value commitments.
    #[arg(long, value_name = "FILE")]
    commitments: Option<PathBuf>,
    /// Framework: an embedded name (rotherham-2019, open-default) or a .toml/.csv file.
    #[arg(long, default_value = "rotherham-2019", value_name = "NAME|FILE")]
    framework: String,
    /// Use the latest earlier year's proxy when the year has none.
    #[arg(long)]
    carry_forward: bool,
    /// CSV of small-purchase quotes.
    #[arg(long, value_name = "FILE")]
    quotes: Option<PathBuf>,
    /// Policy file for the quotes rule and assurance levels (default: Rotherham's policy).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Seed of the small-purchase audit sample (default: the year's first calendar year).
    #[arg(long)]
    audit_seed: Option<u64>,
    /// Size of the small-purchase audit sample.
    #[arg(long, default_value_t = 25)]
    audit_size: usize,
    /// How many top suppliers to single out.
    #[arg(long, default_value_t = 300)]
    top: usize,
    /// Own authority LAD codes (successor codes match too).
    #[arg(long, value_delimiter = ',', default_value = ROTHERHAM, value_name = "LAD")]
    local: Vec<String>,
    /// The wider region: a preset (scr-ca, scr-lep), LAD codes, or `none`.
    #[arg(long, default_value = "scr-ca", value_name = "PRESET|LADS")]
    region: String,
    /// Where distances are measured from: a postcode or `lat,long` (default:
    /// Rotherham Town Hall when --local is Rotherham's, else no distance bands).
    #[arg(long, value_name = "POSTCODE|LAT,LONG")]
    from: Option<String>,
}

/// Runs a `socval report` subcommand.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    match args.command {
        Command::Annual(a) => annual(global, a, out),
    }
}

fn parse_date(s: &str) -> std::result::Result<time::Date, String> {
    socval_core::contract::parse_date(s)
        .ok_or_else(|| format!("{s:?} is not a date from 1990 to 2099 like 2026-03-31"))
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

fn annual(global: &Global, a: AnnualArgs, out: &mut dyn Write) -> Result<u8> {
    if a.compare == Some(a.year) {
        bail!(
            "--compare {} is the year itself: give an earlier year, e.g. --compare {}",
            a.year,
            a.year.previous()
        );
    }
    let framework = load(&a.framework, None)?;
    let framework_source = if Path::new(&a.framework).exists() {
        format!("file {}", a.framework)
    } else {
        format!("embedded {}", framework.meta.id)
    };
    let commitments = match &a.commitments {
        None => None,
        Some(p) => {
            let f =
                std::fs::File::open(p).with_context(|| format!("cannot open {}", display(p)))?;
            Some(socval_report::read_commitments(&display(p), f, &framework)?)
        }
    };
    let quotes = match &a.quotes {
        None => None,
        Some(p) => {
            let policy = load_policy(a.policy.as_deref())?;
            let f =
                std::fs::File::open(p).with_context(|| format!("cannot open {}", display(p)))?;
            let seed = a.audit_seed.unwrap_or(a.year.start_year() as u64);
            Some(socval_report::read_quotes(
                &display(p),
                f,
                &policy,
                seed,
                a.audit_size,
            )?)
        }
    };
    let spend = spend(global, &a)?;
    if a.as_of.is_some() && (a.org.is_none() || a.commitments.is_some()) {
        bail!(
            "--as-of applies to a report read from the portal's database: give --org without --commitments"
        );
    }
    if let (Some(slug), None) = (&a.org, &a.commitments) {
        let as_of = a
            .as_of
            .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
        let generated_by = format!("socval {}", env!("CARGO_PKG_VERSION"));
        let source = match &global.database_url {
            Some(url) => redact_url(url),
            None => format!(
                "the SQLite database {}",
                display(&global.data_dir.join("socval.db"))
            ),
        };
        let report = super::serve::runtime()?.block_on(async {
            let store = super::admin::open_store(global).await?;
            let result = async {
                let org = store.organisation_by_slug(slug).await.with_context(|| {
                    format!("no organisation with slug {slug:?} in the portal's database")
                })?;
                let data =
                    socval_app::report::ReportData::load(&*store, &org, a.year, &source).await?;
                anyhow::Ok(data.report(as_of, generated_by, spend, a.compare, quotes)?)
            }
            .await;
            store.close().await;
            result
        })?;
        return finish(&report, &a.out, out);
    }
    let inputs = Inputs {
        org: a.org.clone(),
        year: a.year,
        compare: a.compare,
        framework: &framework,
        framework_source,
        carry_forward: a.carry_forward,
        commitments: commitments.as_ref(),
        contracts: None,
        spend,
        quotes,
        generated_by: format!("socval {}", env!("CARGO_PKG_VERSION")),
    };
    let report = socval_report::build(&inputs)?;
    if let SpendInput::Missing(why) = &inputs.spend {
        writeln!(out, "Spend: {why}")?;
    }
    finish(&report, &a.out, out)
}

/// A database URL without its password, for the report's footnotes.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// Writes the report's files and says what was written.
fn finish(report: &socval_report::Report, dir: &Path, out: &mut dyn Write) -> Result<u8> {
    let written = socval_report::write_all(report, dir)?;
    let tables = report.tables().count();
    writeln!(
        out,
        "Wrote {} files to {}: report.html, report.xlsx, report.json and {tables} CSV tables in csv/.",
        written.len(),
        display(dir)
    )?;
    if let Some(t) = report.table("table_2_10")
        && let Some(total) = t.cell("total", "value_gbp")
    {
        writeln!(
            out,
            "Social value committed: {}.",
            socval_core::Gbp::new(total.decimal().unwrap_or_default()).display_pounds()
        )?;
        if let Some(d) = t.cell("total", "delivered_gbp") {
            writeln!(
                out,
                "Social value delivered to date: {}.",
                socval_core::Gbp::new(d.decimal().unwrap_or_default()).display_pounds()
            )?;
        }
    }
    Ok(exit::OK)
}

/// The spend analyses, or why there are none: with --org, from the
/// organisation's spend area when it has imports (`socval spend import --org`),
/// else from the data directory's own.
fn spend(global: &Global, a: &AnnualArgs) -> Result<SpendInput> {
    let settings = SpendSettings {
        year: a.year,
        compare: a.compare,
        top: a.top,
        local: a.local.clone(),
        region: a.region.clone(),
        org: None,
        from: a.from.clone(),
    };
    if let Some(slug) = &a.org {
        let own = SpendStore::for_org(&global.data_dir, slug);
        if !own.imports()?.is_empty() {
            let settings = SpendSettings {
                org: Some(slug.trim().to_lowercase()),
                ..settings
            };
            return Ok(socval_report::spend_from_store(
                &global.data_dir,
                &own,
                &settings,
                String::new,
            )?);
        }
    }
    let store = SpendStore::new(&global.data_dir);
    Ok(socval_report::spend_from_store(
        &global.data_dir,
        &store,
        &settings,
        || match &a.org {
            Some(slug) => format!(
                "No payments have been imported into the data directory {}, nor into the spend area of {slug} ({}), so there is no spend analysis. Import the organisation's payment files with `socval spend import --org {slug} FILE...` (and its supplier register with `socval spend suppliers import --org {slug} FILE`) and run the report again.",
                display(&global.data_dir),
                display(SpendStore::for_org(&global.data_dir, slug).root())
            ),
            None => format!(
                "No payments have been imported into the data directory {}, so there is no spend analysis. Import the organisation's payment files with `socval spend import FILE...` (and its supplier register with `socval spend suppliers import FILE`) and run the report again.",
                display(&global.data_dir)
            ),
        },
    )?)
}
