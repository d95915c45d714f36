//! `socval registers`: import the open national registers (Companies
//! House, Charity Commission), look numbers up, say which edition is in
//! place.

use std::io::Write;

use anyhow::Result;
use clap::Subcommand;

use crate::Global;

mod import;
mod info;
mod lookup;

/// The open national registers: Companies House and the Charity Commission.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The registers are kept once per server, under <data-dir>/registers/, and
serve every organisation. Import each new edition as it is published.

Examples:
  socval registers import BasicCompanyDataAsOneFile-2026-12-01.zip
  socval registers import BasicCompanyData-2026-12-01-part*_7.zip publicextract.charity.zip
  socval registers lookup 8911274 SC012345 1234567-1 --format json
  socval registers info

Guide: docs/registers.md"
)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Import Companies House BasicCompanyData and the Charity Commission extract.
    Import(import::Args),
    /// Look company and charity numbers up.
    Lookup(lookup::Args),
    /// Which edition of each register is in place, how old, how many records.
    Info(info::Args),
}

/// Runs a `socval registers` subcommand.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    match args.command {
        Command::Import(a) => import::run(global, a, out),
        Command::Lookup(a) => lookup::run(global, a, out),
        Command::Info(a) => info::run(global, a, out),
    }
}

/// A time in seconds since 1970 as `yyyy-mm-dd HH:MM UTC`.
fn utc(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds).map_or_else(
        |_| seconds.to_string(),
        |t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        },
    )
}
