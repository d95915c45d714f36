//! `socval registers import`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use socval_register::{Edition, RegisterPaths};

use crate::Global;
use crate::exit;
use crate::output::{Format, Progress, Report};

/// Import Companies House BasicCompanyData and the Charity Commission register extract.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Each file's register is told from its first line: Companies House
BasicCompanyData (the whole file or its monthly parts, CSV or the ZIP as
downloaded) and the Charity Commission's publicextract.charity (the
tab-separated text or the JSON form, plain or in its ZIP). All files are read
before anything is written; each register given is then replaced as a whole,
so a bad line leaves the previous edition in place. Give all the parts of a
Companies House edition in one import.

Examples:
  socval registers import BasicCompanyDataAsOneFile-2026-12-01.zip
  socval registers import BasicCompanyData-2026-12-01-part*_7.zip
  socval registers import publicextract.charity.txt
  socval registers import publicextract.charity.zip --format json"
)]
pub struct Args {
    /// Files to import (CSV, TSV, JSON or ZIP).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

fn describe(what: &str, e: &Edition, path: PathBuf) -> String {
    let date = e.date.as_deref().unwrap_or("undated");
    let mut line = format!(
        "{what}: {} records, edition {date}, in {}",
        e.records,
        path.display()
    );
    if e.duplicates > 0 {
        line.push_str(&format!(
            " ({} repeated numbers: the first row of each kept)",
            e.duplicates
        ));
    }
    line
}

/// Imports the files and prints what was imported.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut progress = Progress::new();
    let summary = socval_register::import(&global.data_dir, &args.files, now, &mut |p, len, r| {
        progress.wrap(p, len, r)
    })
    .context("import failed; the registers in place are unchanged");
    progress.finish();
    let summary = summary?;
    let paths = RegisterPaths::new(&global.data_dir);
    let mut footer = Vec::new();
    if let Some(e) = &summary.companies {
        footer.push(describe("Companies", e, paths.companies()));
    }
    if let Some(e) = &summary.charities {
        footer.push(describe("Charities", e, paths.charities()));
        if e.bad_company_numbers > 0 {
            footer.push(format!(
                "{} charity company numbers left out: not company numbers",
                e.bad_company_numbers
            ));
        }
    }
    let rows = summary
        .files
        .iter()
        .map(|f| vec![f.file.clone(), f.kind.clone(), f.rows.to_string()])
        .collect();
    Report {
        json: &summary,
        headers: vec!["file", "kind", "rows"],
        rows,
        numeric: vec![2],
        footer,
    }
    .write(args.format, out)?;
    Ok(exit::OK)
}
