//! `socval report`: the annual social value report as HTML, XLSX, CSV and JSON.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use socval_core::FinancialYear;
use socval_geo::{GeoData, LocalDefinition, ROTHERHAM, ROTHERHAM_TOWN_HALL, Region};
use socval_report::{Inputs, SpendAnalysis, SpendInput, SpendProvenance};
use socval_spend::{AnalysisOptions, GeoResolver, LocationResolver, SpendStore, SupplierLocation};

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

Writes DIR/report.html (one self-contained page, prints on A4), DIR/report.xlsx (a sheet per
table), DIR/report.json (the whole report) and DIR/csv/<table>.csv.

Inputs:
  --commitments  CSV: measure (code or title), units; optional category (Places, People,
                 Corporate), contract, delivered (units delivered to date).
  spend          the payments imported into the data directory (socval spend import), joined to
                 the supplier register and located with the imported postcode directory and IMD.
                 Without imports the spend section says so.
  --quotes       CSV of small-purchase quotes (as for socval quotes check).
  --org          recorded on the report. Reading commitments, delivery and small purchases from the
                 portal's database comes with the portal workflow (issue 5); until then the report
                 reads the files given here.

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
    /// The organisation the report is for (recorded on the report).
    #[arg(long)]
    org: Option<String>,
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
}

/// Runs a `socval report` subcommand.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    match args.command {
        Command::Annual(a) => annual(global, a, out),
    }
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
    let written = socval_report::write_all(&report, &a.out)?;
    let tables = report.tables().count();
    writeln!(
        out,
        "Wrote {} files to {}: report.html, report.xlsx, report.json and {tables} CSV tables in csv/.",
        written.len(),
        display(&a.out)
    )?;
    if let Some(t) = report.table("table_2_10")
        && let Some(total) = t.cell("total", "value_gbp")
    {
        writeln!(
            out,
            "Social value committed: {}.",
            socval_core::Gbp::new(total.decimal().unwrap_or_default()).display_pounds()
        )?;
    }
    if let SpendInput::Missing(why) = &inputs.spend {
        writeln!(out, "Spend: {why}")?;
    }
    Ok(exit::OK)
}

struct NoDirectory;

impl LocationResolver for NoDirectory {
    fn resolve(&self, _: &str) -> SupplierLocation {
        SupplierLocation::unknown("no postcode directory imported")
    }
}

fn definition(a: &AnnualArgs, geo: Option<&GeoData>) -> Result<LocalDefinition> {
    let lads: Vec<&str> = a
        .local
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if lads.is_empty() {
        bail!("--local needs at least one LAD code");
    }
    let name = match (lads.as_slice(), geo) {
        (&[one], Some(g)) => g
            .names
            .get(one)
            .map(str::to_string)
            .unwrap_or_else(|| one.to_string()),
        _ => lads.join("+"),
    };
    let mut def = LocalDefinition::new(name, lads);
    match a.region.trim() {
        "none" | "" => {}
        r => {
            def = def.with_region(Region::preset(r).unwrap_or_else(|| {
                Region::new("region", r.split(',').map(|c| c.trim().to_string()))
            }))
        }
    }
    if let Some(o) = geo.and_then(|g| g.point(ROTHERHAM_TOWN_HALL).ok())
        && a.local == [ROTHERHAM]
    {
        def = def.with_origin(o);
    }
    Ok(def)
}

fn describe(def: &LocalDefinition) -> String {
    let mut s = format!("{} (LAD {})", def.name, def.lads.join(", "));
    match &def.region {
        Some(r) => s.push_str(&format!("; region {} (LADs {})", r.name, r.lads.join(", "))),
        None => s.push_str("; no wider region"),
    }
    s
}

/// The spend analyses from the data directory, or why there are none.
fn spend(global: &Global, a: &AnnualArgs) -> Result<SpendInput> {
    let store = SpendStore::new(&global.data_dir);
    if store.imports()?.is_empty() {
        return Ok(SpendInput::Missing(format!(
            "No payments have been imported into the data directory {}, so there is no spend analysis. Import the organisation's payment files with `socval spend import FILE...` (and its supplier register with `socval spend suppliers import FILE`) and run the report again.",
            display(&global.data_dir)
        )));
    }
    let register = socval_report::load_register(&store)?;
    let opts = AnalysisOptions {
        top_n: a.top,
        ..AnalysisOptions::default()
    };
    let geo = match GeoData::open(&global.data_dir) {
        Ok(g) => Some(g),
        Err(socval_geo::Error::NoIndex { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let def = definition(a, geo.as_ref())?;
    let analysed = match &geo {
        Some(g) => socval_report::analyse_store(
            &store,
            &register,
            &GeoResolver::new(g, &def),
            a.year,
            a.compare,
            &opts,
        )?,
        None => {
            socval_report::analyse_store(&store, &register, &NoDirectory, a.year, a.compare, &opts)?
        }
    };
    let Some((this, previous, imports)) = analysed else {
        return Ok(SpendInput::Missing(
            "No payments have been imported.".into(),
        ));
    };
    let provenance = SpendProvenance {
        store: display(store.root()),
        imports,
        suppliers: register.suppliers().len(),
        overrides: register.overrides().len(),
        local_definition: describe(&def),
        imd: geo
            .as_ref()
            .and_then(|g| g.deprivation.as_ref())
            .map(|d| format!("{} ({} LSOAs)", d.source, d.vintage)),
        postcode_directory: geo.as_ref().map(|g| {
            let info = g.index.info();
            format!(
                "{} ({} postcodes)",
                info.sources
                    .iter()
                    .map(|s| format!("{} [{}]", s.file, s.kind))
                    .collect::<Vec<_>>()
                    .join(", "),
                info.postcodes
            )
        }),
        top_n: a.top,
    };
    Ok(SpendInput::Analysed(Box::new(SpendAnalysis {
        this,
        previous,
        provenance,
    })))
}
