//! `socval demo`: the worked example.

use std::io::Write;

use anyhow::Result;

use crate::Global;
use crate::exit;

/// Run the worked example from the council's report.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  socval demo")]
pub struct Args {}

/// Prints the worked example.
pub fn run(_global: &Global, _args: Args, out: &mut dyn Write) -> Result<u8> {
    writeln!(out, "socval demo: the worked example is being built.")?;
    Ok(exit::OK)
}
