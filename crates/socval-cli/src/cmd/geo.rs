//! `socval geo`: import the postcode directory and deprivation figures,
//! look postcodes up, classify a CSV of supplier postcodes.

use std::io::Write;

use anyhow::Result;
use clap::Subcommand;

use crate::Global;

mod classify;
pub(crate) mod definition;
mod import;
mod lookup;

/// Postcodes, the ONS postcode directory, deprivation and "local".
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  socval geo import ../shared/data/geo/postcodes-s-dn.csv ../shared/data/imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv
  socval geo lookup S60 2TH --format json
  socval geo classify suppliers.csv --postcode-column Postcode --format csv > classified.csv

Guide: docs/geo.md")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Import postcode files (ONSPD, NSPL, Code-Point Open), the IMD file, names, an LSOA lookup.
    Import(import::Args),
    /// Look postcodes up: areas, deprivation, class and distance.
    Lookup(lookup::Args),
    /// Add areas, deprivation, class and distance to each row of a CSV.
    Classify(classify::Args),
}

/// Runs a `socval geo` subcommand.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    match args.command {
        Command::Import(a) => import::run(global, a, out),
        Command::Lookup(a) => lookup::run(global, a, out),
        Command::Classify(a) => classify::run(global, a, out),
    }
}
