//! `socval spend`: import payments, the supplier register and overrides,
//! the CLES analyses, exports, and synthetic ledgers.

use std::io::Write;

use anyhow::Result;
use clap::Subcommand;

use crate::Global;

mod analyse;
mod import;

/// Spend and market intelligence: where the money goes.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    socval spend import ../shared/data/spend/sheffield/*.csv --blank-amount skip\n  \
    socval spend suppliers import suppliers.csv\n  \
    socval spend overrides import branches.csv\n  \
    socval spend analyse --year 2019/20 --compare 2018/19 --format json\n  \
    socval spend export --format parquet --output payments.parquet\n  \
    socval spend generate --payments 100000 --suppliers 2000 --seed 1 --out ledger/")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Import payments files (CSV, XLSX): all-or-nothing, one Parquet file each.
    Import(import::ImportArgs),
    /// List the imports.
    List(import::ListArgs),
    /// The supplier register.
    Suppliers {
        #[command(subcommand)]
        command: import::RegisterCommand,
    },
    /// Location overrides (a local branch's postcode, with a reason).
    Overrides {
        #[command(subcommand)]
        command: import::OverridesCommand,
    },
    /// The CLES analyses for a financial year.
    #[command(alias = "analyze")]
    Analyse(analyse::AnalyseArgs),
    /// Payments enriched with supplier and location, as parquet, csv or xlsx.
    Export(analyse::ExportArgs),
    /// Write a deterministic synthetic ledger and supplier register.
    Generate(import::GenerateArgs),
}

/// Runs a `socval spend` subcommand.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    match args.command {
        Command::Import(a) => import::import(global, a, out),
        Command::List(a) => import::list(global, a, out),
        Command::Suppliers { command } => import::register(global, command, out),
        Command::Overrides { command } => import::overrides(global, command, out),
        Command::Analyse(a) => analyse::analyse(global, a, out),
        Command::Export(a) => analyse::export(global, a, out),
        Command::Generate(a) => import::generate(global, a, out),
    }
}
