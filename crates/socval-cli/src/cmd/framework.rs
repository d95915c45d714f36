//! `socval framework`: list, show, export and validate measurement
//! frameworks; and the thin file adapters the engine's commands share
//! (open a CSV into records, load a framework or policy by name or path).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use serde_json::{Value, json};
use socval_core::cell::safe_cells;
use socval_core::framework::{self, CSV_HEADERS, EMBEDDED, Framework, Meta};
use socval_core::{Decimal, Gbp, Policy, Records};

use crate::Global;
use crate::exit;
use crate::output::{Format, Report};

/// Measurement frameworks: Themes → Outcomes → Measures with proxy values.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  socval framework list
  socval framework show rotherham-2019
  socval framework export open-default --format csv > my-framework.csv
  socval framework validate my-framework.csv

Embedded frameworks: rotherham-2019 (the seed report's measures, proxies implied by
table 2.10) and open-default (openly licensed public values only). A council imports its
own licensed edition (for example the National TOMs) as a TOML or CSV file.
Guide: docs/engine.md")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the embedded frameworks.
    #[command(after_help = "Example:\n  socval framework list --format json")]
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Show a framework's themes, outcomes, measures and proxies.
    #[command(
        after_help = "Examples:\n  socval framework show rotherham-2019\n  socval framework show my-framework.toml --format json"
    )]
    Show {
        /// An embedded framework's name, or a .toml or .csv framework file.
        framework: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Write a framework as TOML (native) or CSV (a row per measure per year).
    #[command(
        after_help = "Examples:\n  socval framework export open-default > mine.toml\n  socval framework export rotherham-2019 --format csv > rotherham.csv"
    )]
    Export {
        /// An embedded framework's name, or a .toml or .csv framework file.
        framework: String,
        /// File format to write.
        #[arg(long, value_enum, default_value = "toml")]
        format: FileFormat,
    },
    /// Check a framework: duplicate codes, missing proxies, unknown units. Exit code 3 if it finds problems.
    #[command(
        after_help = "Examples:\n  socval framework validate my-framework.toml\n  socval framework validate my-framework.csv --format json\n\nExit codes: 0 no problems, 1 the file cannot be read, 3 problems found."
    )]
    Validate {
        /// An embedded framework's name, or a .toml or .csv framework file.
        framework: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// Framework file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum FileFormat {
    /// TOML, the native format.
    Toml,
    /// CSV, a row per measure per year.
    Csv,
}

/// Runs a `socval framework` subcommand.
pub fn run(_global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    match args.command {
        Command::List { format } => list(format, out),
        Command::Show { framework, format } => {
            show(&load_unchecked(&framework, None)?, format, out)
        }
        Command::Export { framework, format } => {
            export(&load_unchecked(&framework, None)?, format, out)
        }
        Command::Validate { framework, format } => validate(&framework, format, out),
    }
}

fn list(format: Format, out: &mut dyn Write) -> Result<u8> {
    let mut rows = Vec::new();
    let mut items = Vec::new();
    for (name, _) in EMBEDDED {
        let fw = framework::embedded(name)?;
        let years: Vec<String> = fw.years().iter().map(ToString::to_string).collect();
        rows.push(vec![
            name.to_string(),
            fw.measure_count().to_string(),
            years.join(", "),
            fw.meta.title.clone(),
        ]);
        items.push(json!({
            "id": name, "title": fw.meta.title, "measures": fw.measure_count(), "years": years,
            "source": fw.meta.source, "licence": fw.meta.licence,
        }));
    }
    Report {
        json: json!({ "frameworks": items }),
        headers: vec!["id", "measures", "years", "title"],
        rows,
        numeric: vec![1],
        footer: vec!["Show one with: socval framework show NAME".into()],
    }
    .write(format, out)?;
    Ok(exit::OK)
}

fn show(fw: &Framework, format: Format, out: &mut dyn Write) -> Result<u8> {
    let mut rows = Vec::new();
    for f in fw.measures() {
        let m = f.measure;
        let proxies: Vec<String> = m
            .proxies
            .iter()
            .map(|p| format!("{} £{}", p.year, p.value_gbp.amount()))
            .collect();
        rows.push(vec![
            f.theme.code.clone(),
            f.outcome.code.clone(),
            m.code.clone(),
            m.title.clone(),
            m.unit.label().to_string(),
            m.kind.to_string(),
            m.counting.to_string(),
            if proxies.is_empty() {
                "-".into()
            } else {
                proxies.join("; ")
            },
        ]);
    }
    let mut footer = vec![format!(
        "{} ({}): {} measures",
        fw.meta.id,
        fw.meta.title,
        fw.measure_count()
    )];
    if !fw.meta.source.is_empty() {
        footer.push(format!("Source: {}", fw.meta.source));
    }
    if !fw.meta.licence.is_empty() {
        footer.push(format!("Licence: {}", fw.meta.licence));
    }
    Report {
        json: serde_json::to_value(fw)?,
        headers: vec![
            "theme", "outcome", "code", "title", "unit", "kind", "counting", "proxies",
        ],
        rows,
        numeric: vec![],
        footer,
    }
    .write(format, out)?;
    Ok(exit::OK)
}

fn export(fw: &Framework, format: FileFormat, out: &mut dyn Write) -> Result<u8> {
    match format {
        FileFormat::Toml => out.write_all(fw.to_toml().as_bytes())?,
        FileFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(safe_cells(CSV_HEADERS))?;
            for row in fw.to_records() {
                w.write_record(safe_cells(&row))?;
            }
            w.flush()?;
        }
    }
    Ok(exit::OK)
}

fn validate(spec: &str, format: Format, out: &mut dyn Write) -> Result<u8> {
    let fw = load_unchecked(spec, None)?;
    let issues = fw.validate();
    let rows = issues
        .iter()
        .map(|i| {
            vec![
                i.lines
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                i.place.clone(),
                i.message.clone(),
            ]
        })
        .collect();
    let footer = vec![if issues.is_empty() {
        format!(
            "{spec}: {} measures, no problems found.",
            fw.measure_count()
        )
    } else {
        format!("{spec}: {} problem(s) found.", issues.len())
    }];
    Report {
        json: json!({ "framework": spec, "valid": issues.is_empty(), "measures": fw.measure_count(), "issues": issues }),
        headers: vec!["line", "where", "problem"],
        rows,
        numeric: vec![],
        footer,
    }
    .write(format, out)?;
    Ok(if issues.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

/// Loads a framework by embedded name or path (relative paths resolved
/// against `base` when given), without validating it.
pub(crate) fn load_unchecked(spec: &str, base: Option<&Path>) -> Result<Framework> {
    if EMBEDDED
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(spec.trim()))
    {
        return Ok(framework::embedded(spec)?);
    }
    let path = match base {
        Some(b) if Path::new(spec).is_relative() => b.join(spec),
        _ => PathBuf::from(spec),
    };
    let is_file_like = path.extension().is_some() || path.exists();
    if !is_file_like {
        // Let the core say which names exist.
        return Ok(framework::embedded(spec)?);
    }
    let name = path.display().to_string();
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        let records = read_csv(&path)?;
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let meta = Meta {
            id: id.clone(),
            title: id,
            ..Meta::default()
        };
        Ok(Framework::from_records(&records, meta)?)
    } else {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read framework file {name}"))?;
        Ok(Framework::from_toml(&text, &name)?)
    }
}

/// Loads a framework and refuses it if [`Framework::validate`] finds problems.
pub(crate) fn load(spec: &str, base: Option<&Path>) -> Result<Framework> {
    let fw = load_unchecked(spec, base)?;
    fw.validated()
        .context("fix the framework (socval framework validate FILE lists every problem)")
}

/// Reads a CSV file into records, all or nothing: a malformed line is an
/// error naming the file and line.
pub(crate) fn read_csv(path: &Path) -> Result<Records> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {name}"))?;
    records_from_reader(file, &name)
}

/// Splits CSV text from any reader into records, each with the line it
/// starts on (CRLF line ends, blank lines and quoted line ends counted as a
/// text editor counts them: `socval_core::line`).
pub(crate) fn records_from_reader(reader: impl std::io::Read, name: &str) -> Result<Records> {
    socval_app::records::from_csv(reader, name).map_err(anyhow::Error::msg)
}

/// The policy from `--policy FILE`, or Rotherham's defaults.
pub(crate) fn load_policy(path: Option<&Path>) -> Result<Policy> {
    match path {
        None => Ok(Policy::default()),
        Some(p) => {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read policy file {name}"))?;
            Ok(Policy::from_toml(&text, &name)?)
        }
    }
}

/// Money as a JSON number of whole pounds (social value is reported to the
/// pound, as the council's report does).
pub(crate) fn pounds_json(g: Gbp) -> Value {
    number(g.round_pounds().amount(), 0)
}

/// Money as a JSON number rounded to the penny.
pub(crate) fn pence_json(g: Gbp) -> Value {
    number(g.round_pence().amount(), 2)
}

/// A decimal as a JSON number rounded half-even to `dp` places.
pub(crate) fn number(d: Decimal, dp: u32) -> Value {
    let text = d.round_dp(dp).normalize().to_string();
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// A decimal for tables: rounded to `dp` places, trailing zeros dropped.
pub(crate) fn plain(d: Decimal, dp: u32) -> String {
    d.round_dp(dp).normalize().to_string()
}
