//! `socval registers info`.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use socval_register::{Edition, Registers};

use super::utc;
use crate::Global;
use crate::exit;
use crate::output::{Format, Report};

/// Which edition of each register is in place, when it was imported, how many records.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  socval registers info
  socval registers info --format json")]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct Info<'a> {
    companies: Option<&'a Edition>,
    charities: Option<&'a Edition>,
}

/// Prints one row per register.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    let r = Registers::open(&global.data_dir)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let row = |name: &str, e: Option<&Edition>| match e {
        Some(e) => vec![
            name.to_owned(),
            e.date.clone().unwrap_or_default(),
            utc(e.imported_at),
            ((now - e.imported_at) / 86_400).to_string(),
            e.records.to_string(),
            e.files
                .iter()
                .map(|f| f.file.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ],
        None => vec![
            name.to_owned(),
            "not imported".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
    };
    let rows = vec![
        row("companies", r.companies_edition()),
        row("charities", r.charities_edition()),
    ];
    let mut footer = Vec::new();
    if r.companies_edition().is_none() || r.charities_edition().is_none() {
        footer.push("Import a register with `socval registers import FILE`.".to_owned());
    }
    Report {
        json: &Info {
            companies: r.companies_edition(),
            charities: r.charities_edition(),
        },
        headers: vec![
            "register", "edition", "imported", "days ago", "records", "files",
        ],
        rows,
        numeric: vec![3, 4],
        footer,
    }
    .write(args.format, out)?;
    Ok(exit::OK)
}
