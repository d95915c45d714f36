//! `socval`: social value measurement, procurement, monitoring and spend
//! analysis for public bodies.
//!
//! `main` parses arguments, runs one subcommand and maps the outcome to an
//! exit code; the work is done by the library crates.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod cmd;
mod output;

/// Exit codes, documented in the README.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// An error: bad input, a missing file, a failed import.
    pub const ERROR: u8 = 1;
    /// The command line itself was wrong (clap prints usage).
    pub const USAGE: u8 = 2;
    /// The command ran, and what it checked fell short: a framework with
    /// problems, a purchase that is not compliant.
    pub const FINDINGS: u8 = 3;
}

#[derive(Parser)]
#[command(
    name = "socval",
    version,
    about = "Social value for public bodies: measure, procure, monitor, analyse spend, report.",
    after_help = "Examples:\n  socval demo\n  socval demo --example\n  socval value ../shared/data/seed/table-2-10-commitments.csv --framework rotherham-2019\n  socval framework list\n\nExit codes: 0 success, 1 error, 2 usage, 3 checks found problems."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand accepts.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Where socval keeps everything on disk: database, postcode index, imports.
    #[arg(
        long,
        global = true,
        env = "SOCVAL_DATA_DIR",
        default_value = "socval-data"
    )]
    pub data_dir: PathBuf,
    /// Database URL (sqlite://... or postgres://...); default: SQLite in the data directory.
    #[arg(
        long,
        global = true,
        env = "SOCVAL_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Administer the portal's database: organisations, users, tokens, audit log, backups.
    Admin(cmd::admin::Args),
    /// Try the portal on a fictional borough, or print the worked example (--example).
    Demo(cmd::demo::Args),
    /// Measurement frameworks: list, show, export, validate.
    Framework(cmd::framework::Args),
    /// Value commitments with a framework: units × proxy, per measure, outcome, theme and total.
    Value(cmd::value::Args),
    /// Score a procurement's bids on price, quality and social value.
    Evaluate(cmd::evaluate::Args),
    /// Contract delivery: progress against commitments, RAG status, forecast.
    Contract(cmd::contract::Args),
    /// Small purchases: check the quotes rule, audit a sample.
    Quotes(cmd::quotes::Args),
    /// Postcodes, the ONS postcode directory, deprivation and "local".
    Geo(cmd::geo::Args),
    /// The open national registers: Companies House and the Charity Commission.
    Registers(cmd::registers::Args),
    /// Spend: import payments, supplier register, the CLES analyses, exports.
    Spend(cmd::spend::Args),
    /// Reports: the annual social value report as HTML, XLSX, CSV and JSON.
    Report(cmd::report::Args),
    /// Serve the portal: pages for people, a JSON API for systems.
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Admin(args) => cmd::admin::run(&cli.global, args, &mut out),
        Command::Demo(args) => cmd::demo::run(&cli.global, args, &mut out),
        Command::Framework(args) => cmd::framework::run(&cli.global, args, &mut out),
        Command::Value(args) => cmd::value::run(&cli.global, args, &mut out),
        Command::Evaluate(args) => cmd::evaluate::run(&cli.global, args, &mut out),
        Command::Contract(args) => cmd::contract::run(&cli.global, args, &mut out),
        Command::Quotes(args) => cmd::quotes::run(&cli.global, args, &mut out),
        Command::Geo(args) => cmd::geo::run(&cli.global, args, &mut out),
        Command::Registers(args) => cmd::registers::run(&cli.global, args, &mut out),
        Command::Spend(args) => cmd::spend::run(&cli.global, args, &mut out),
        Command::Report(args) => cmd::report::run(&cli.global, args, &mut out),
        Command::Serve(args) => cmd::serve::run(&cli.global, args, &mut out),
    };
    let result = result.and_then(|code| {
        out.flush()?;
        Ok(code)
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(exit::ERROR)
        }
    }
}

/// A reader that closed the pipe (`socval ... | head`) is not an error.
/// The JSON and CSV writers wrap the io error in their own, so look inside.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = if let Some(io) = c.downcast_ref::<io::Error>() {
            Some(io.kind())
        } else if let Some(json) = c.downcast_ref::<serde_json::Error>() {
            json.io_error_kind()
        } else if let Some(csv) = c.downcast_ref::<csv::Error>() {
            match csv.kind() {
                csv::ErrorKind::Io(io) => Some(io.kind()),
                _ => None,
            }
        } else {
            None
        };
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}
