//! `socval geo import`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use socval_geo::{FileKind, ImportOptions, LsoaVintage};

use crate::Global;
use crate::exit;
use crate::output::{Format, Progress, Report};

/// Import postcode files, the IMD file, area names or an LSOA lookup.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Each file's kind is detected from its first line (ONSPD/NSPL by header names,
Code-Point Open by its rows, IMD File 1, code/name files, LSOA11CD/LSOA21CD lookups);
gzipped files are read as they are. Postcode files given together are merged: for
each postcode, the first file with a value for a field wins; later files fill
what is missing. The new index replaces the old one only once complete.

Examples:
  socval geo import ../shared/data/geo/postcodes-s-dn.csv
  socval geo import ../shared/data/geo/nspl-2024-08-uk-lad-ward-lsoa21.csv.gz
  socval geo import ../shared/data/geo/codepoint-open-2025-10-s.csv ../shared/data/geo/codepoint-open-column-headers.csv
  socval geo import ../shared/data/imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv
  socval geo import ../shared/data/geo/lad-names.csv ../shared/data/geo/ward-names.csv"
)]
pub struct Args {
    /// Files to import (plain or gzipped CSV).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Treat every file as this kind: ons, codepoint, codepoint-headers, imd, names, lsoa-lookup.
    #[arg(long)]
    kind: Option<FileKind>,
    /// Merge postcode files into the existing index (which keeps precedence) instead of replacing it.
    #[arg(long)]
    merge: bool,
    /// LSOA vintage of the deprivation file when its header does not say: 2011 or 2021.
    #[arg(long, value_parser = parse_vintage)]
    vintage: Option<LsoaVintage>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

fn parse_vintage(s: &str) -> Result<LsoaVintage, String> {
    match s {
        "2011" => Ok(LsoaVintage::Lsoa2011),
        "2021" => Ok(LsoaVintage::Lsoa2021),
        _ => Err("2011 or 2021".into()),
    }
}

/// Imports the files and prints what was imported.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    let opts = ImportOptions {
        kind: args.kind,
        merge: args.merge,
        vintage: args.vintage,
    };
    let mut progress = Progress::new();
    let mut wrap = |path: &Path, r: Box<dyn Read>| -> Box<dyn Read> {
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        progress.wrap(path, len, r)
    };
    let summary = socval_geo::import(&global.data_dir, &args.files, &opts, &mut wrap)
        .context("import failed; the previous data is unchanged");
    progress.finish();
    let summary = summary?;
    let mut rows: Vec<Vec<String>> = summary
        .files
        .iter()
        .map(|f| {
            vec![
                f.path.display().to_string(),
                f.kind.to_string(),
                f.rows.to_string(),
            ]
        })
        .collect();
    let mut footer = Vec::new();
    if let Some(i) = &summary.index {
        footer.push(format!(
            "Postcode index: {} postcodes ({} terminated, {} with coordinates) in {}",
            i.postcodes,
            i.terminated,
            i.with_coordinates,
            socval_geo::GeoPaths::new(&global.data_dir)
                .index()
                .display()
        ));
    }
    if let (Some(n), Some(v)) = (summary.deprivation_lsoas, summary.deprivation_vintage) {
        footer.push(format!("Deprivation: {n} LSOAs ({v} LSOA codes)"));
    }
    if let Some(n) = summary.names {
        footer.push(format!("Area names: {n}"));
    }
    rows.sort_by(|a, b| a[0].cmp(&b[0]).then(a[1].cmp(&b[1])));
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
