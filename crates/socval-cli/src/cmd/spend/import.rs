//! `socval spend import|list|suppliers|overrides|generate`.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::json;
use socval_core::FinancialYear;
use socval_spend::{BlankAmount, GenerateOptions, ImportOptions, SpendStore};

use crate::Global;
use crate::exit;
use crate::output::{Format, Report};

/// Import payments files.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Columns are matched by header name (see docs/spend.md for the aliases).\n\
Example:\n  socval spend import 2019-08.csv --blank-amount skip\n  socval spend import ledger.xlsx --map date=\"Posting Date\" --map amount=\"Amount#2\""
)]
pub struct ImportArgs {
    /// Payments files: CSV, or XLSX/XLS/ODS.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Name the column for a field: date, amount, supplier, supplier_id,
    /// company_number, charity_number, vat_number, service. `Header#2`
    /// picks the second column of that name.
    #[arg(long, value_name = "FIELD=HEADER")]
    map: Vec<String>,
    /// Lines with no amount: error (stop, the default), skip (leave out,
    /// counted), zero (import as £0.00).
    #[arg(long, default_value = "error", value_parser = ["error", "skip", "zero"])]
    blank_amount: String,
    /// The spreadsheet sheet to read (default: the first with a header row).
    #[arg(long)]
    sheet: Option<String>,
    /// Replace an earlier import of the same content or the same file name.
    #[arg(long)]
    replace: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// List the imports.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

fn info_report(infos: &[socval_spend::ImportInfo]) -> Report<serde_json::Value> {
    let rows = infos
        .iter()
        .map(|i| {
            vec![
                i.source.clone(),
                i.lines.to_string(),
                i.rows.to_string(),
                i.blank_amount_lines.to_string(),
                i.redacted_rows.to_string(),
                i.credit_notes.to_string(),
                i.total_gbp.display_pounds(),
                i.years.keys().cloned().collect::<Vec<_>>().join(" "),
                i.path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    Report {
        json: json!({ "imports": infos }),
        headers: vec![
            "source",
            "lines",
            "payments",
            "blank amount",
            "redacted",
            "credit notes",
            "total",
            "years",
            "stored as",
        ],
        rows,
        numeric: vec![1, 2, 3, 4, 5, 6],
        footer: Vec::new(),
    }
}

/// `socval spend import`: reads the files and has `run` import them (into
/// the area as they are, or through the audited use case for an
/// organisation's area), then reports what was imported.
pub fn import(
    spend: &SpendStore,
    a: ImportArgs,
    out: &mut dyn Write,
    run: impl FnOnce(&[PathBuf], &ImportOptions, bool) -> Result<Vec<socval_spend::ImportInfo>>,
) -> Result<Vec<socval_spend::ImportInfo>> {
    let mut opts = ImportOptions {
        blank_amount: a
            .blank_amount
            .parse::<BlankAmount>()
            .map_err(anyhow::Error::msg)?,
        sheet: a.sheet,
        ..Default::default()
    };
    for m in &a.map {
        opts.map.push(ImportOptions::parse_map(m)?);
    }
    let store = spend.clone();
    let infos = run(&a.files, &opts, a.replace).context("nothing was imported")?;
    let mut r = info_report(&infos);
    r.footer.push(format!(
        "Imported {} file(s) into {}",
        infos.len(),
        store.payments_dir().display()
    ));
    r.write(a.format, out)?;
    Ok(infos)
}

/// `socval spend list`.
pub fn list(spend: &SpendStore, a: ListArgs, out: &mut dyn Write) -> Result<u8> {
    let store = spend.clone();
    info_report(&store.imports()?).write(a.format, out)?;
    Ok(exit::OK)
}

/// `socval spend suppliers ...`.
#[derive(Subcommand, Debug)]
pub enum RegisterCommand {
    /// Import (replace) the supplier register: supplier_id, name, postcode,
    /// company_number, charity_number, sme, vcse.
    Import {
        /// The register CSV.
        file: PathBuf,
    },
}

/// `socval spend overrides ...`.
#[derive(Subcommand, Debug)]
pub enum OverridesCommand {
    /// Import (replace) location overrides: supplier_id or name, postcode, reason.
    Import {
        /// The overrides CSV.
        file: PathBuf,
    },
}

/// `socval spend suppliers import`: `run` replaces the register, whole,
/// once every row is valid (given the file as named in errors, its name for
/// the audit log, and its path); then says what it holds.
pub fn register(
    spend: &SpendStore,
    c: RegisterCommand,
    out: &mut dyn Write,
    run: impl FnOnce(&str, &str, &Path) -> Result<socval_spend::RegisterInfo>,
) -> Result<()> {
    let RegisterCommand::Import { file } = c;
    let info = run(&file.display().to_string(), &file_name(&file), &file)
        .context("the register was not imported")?;
    writeln!(
        out,
        "Imported {} suppliers ({} with a postcode) into {}",
        info.suppliers,
        info.with_postcode,
        spend.suppliers_path().display()
    )?;
    Ok(())
}

/// `socval spend overrides import`: replaces the location overrides as
/// [`register`] does the register.
pub fn overrides(
    spend: &SpendStore,
    c: OverridesCommand,
    out: &mut dyn Write,
    run: impl FnOnce(&str, &str, &Path) -> Result<socval_spend::OverridesInfo>,
) -> Result<()> {
    let OverridesCommand::Import { file } = c;
    let info = run(&file.display().to_string(), &file_name(&file), &file)
        .context("the overrides were not imported")?;
    writeln!(
        out,
        "Imported {} location overrides into {}",
        info.overrides,
        spend.overrides_path().display()
    )?;
    Ok(())
}

/// A path's file name, for the audit log.
fn file_name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string())
}

/// Write a deterministic synthetic ledger.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  socval spend generate --payments 10000000 --suppliers 50000 --seed 1 --out bench-data/\n\
Postcodes come from --postcodes (a CSV with a pcds/pcd/postcode column), else from the imported postcode directory."
)]
pub struct GenerateArgs {
    /// Payment lines to write.
    #[arg(long, default_value_t = 10_000)]
    payments: u64,
    /// Suppliers in the register.
    #[arg(long, default_value_t = 500)]
    suppliers: u32,
    /// Seed: the same options and seed write the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The first financial year.
    #[arg(long, default_value = "2018/19")]
    first_year: FinancialYear,
    /// Financial years spanned.
    #[arg(long, default_value_t = 2)]
    years: u32,
    /// A CSV of postcodes to draw from (default: the imported directory).
    #[arg(long)]
    postcodes: Option<PathBuf>,
    /// Folder to write payments.csv and suppliers.csv into.
    #[arg(long)]
    out: PathBuf,
}

/// `socval spend generate`.
pub fn generate(global: &Global, a: GenerateArgs, out: &mut dyn Write) -> Result<u8> {
    let postcodes = match &a.postcodes {
        Some(p) => {
            let f = File::open(p).with_context(|| format!("opening {}", p.display()))?;
            socval_spend::postcodes_from_csv(&p.display().to_string(), std::io::BufReader::new(f))?
        }
        None => {
            let geo = socval_geo::GeoData::open(&global.data_dir).context(
                "no --postcodes file and no postcode directory imported (socval geo import FILE)",
            )?;
            geo.index
                .iter()
                .filter(|r| !r.terminated)
                .map(|r| r.postcode.to_string())
                .collect()
        }
    };
    if postcodes.is_empty() {
        bail!("no postcodes to draw from");
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let opts = GenerateOptions {
        payments: a.payments,
        suppliers: a.suppliers,
        seed: a.seed,
        first_year: a.first_year,
        years: a.years,
    };
    let pp = a.out.join("payments.csv");
    let sp = a.out.join("suppliers.csv");
    let pf = File::create(&pp).with_context(|| format!("writing {}", pp.display()))?;
    let sf = File::create(&sp).with_context(|| format!("writing {}", sp.display()))?;
    let s = socval_spend::generate(&opts, &postcodes, pf, std::io::BufWriter::new(sf))?;
    writeln!(
        out,
        "Wrote {} payments ({} credit notes, {} redacted, {} name variants; total £{}) to {}\nWrote {} suppliers to {}",
        s.payments,
        s.credit_notes,
        s.redacted,
        s.name_variants,
        socval_core::Gbp::from_pence(s.total_pence),
        pp.display(),
        s.suppliers,
        sp.display()
    )?;
    Ok(exit::OK)
}
