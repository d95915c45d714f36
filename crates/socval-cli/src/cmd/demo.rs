//! `socval demo`: the worked example. Until the portal exists, it prints
//! table 2.10 of the seed report reproduced from the embedded
//! `rotherham-2019` framework, an example bid evaluation and an example
//! quotes check (both from `data/examples/`, embedded in the binary).

use std::io::Write;

use anyhow::Result;
use socval_core::evaluation::{self, Procurement};
use socval_core::framework;
use socval_core::valuation::{self, Commitment, ValuationOptions};
use socval_core::{Decimal, FinancialYear, Policy};

use super::framework::records_from_reader;
use crate::Global;
use crate::exit;
use crate::output::Format;

/// Run the worked example from the council's report.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:
  socval demo

Prints table 2.10 of the council's report reproduced from the embedded rotherham-2019
framework, an example bid evaluation (data/examples/procurement.toml) and an example
quotes check (data/examples/quotes.csv). The same commands run on your own files.")]
pub struct Args {}

/// Units committed in table 2.10 of Rotherham MBC's Social Value Annual
/// Report 2021, by measure code of `rotherham-2019` (R01 is the table's
/// first row, R18 its last).
const TABLE_2_10_UNITS: [(&str, &str); 18] = [
    ("R01", "38.03"),
    ("R02", "531.06"),
    ("R03", "0.3"),
    ("R04", "0"),
    ("R05", "0"),
    ("R06", "0"),
    ("R07", "1"),
    ("R08", "301"),
    ("R09", "188"),
    ("R10", "53"),
    ("R11", "339"),
    ("R12", "38"),
    ("R13", "28"),
    ("R14", "104"),
    ("R15", "28500"),
    ("R16", "458679"),
    ("R17", "14000"),
    ("R18", "4.04"),
];

const PROCUREMENT: &str = include_str!("../../../../data/examples/procurement.toml");
const QUOTES: &str = include_str!("../../../../data/examples/quotes.csv");

/// Prints the worked example.
pub fn run(_global: &Global, _args: Args, out: &mut dyn Write) -> Result<u8> {
    let fw = framework::embedded("rotherham-2019")?;
    let commitments: Vec<Commitment> = TABLE_2_10_UNITS
        .iter()
        .map(|(code, units)| Commitment {
            measure: code.to_string(),
            units: units
                .parse::<Decimal>()
                .expect("the table's units are numbers"),
            contract_year: None,
            year: None,
            line: 0,
        })
        .collect();
    let opts = ValuationOptions {
        year: FinancialYear::starting(2019),
        carry_forward: false,
        file: "table 2.10".into(),
    };
    let v = valuation::value(&fw, &commitments, &opts)?;

    writeln!(
        out,
        "socval demo: the worked example of Rotherham MBC's Social Value Annual Report 2021\n"
    )?;
    writeln!(
        out,
        "1. Table 2.10, social value committed in 2019/20, from the embedded rotherham-2019 framework"
    )?;
    writeln!(
        out,
        "   (proxy = the table's £ ÷ units; socval value FILE --framework rotherham-2019 does the same)\n"
    )?;
    super::value::report(&fw, &v).write(Format::Table, out)?;
    writeln!(
        out,
        "\nThe report prints a total of £1,458,537; its rows add up to {}. The £5 difference is the\n\
         report's own rounding (it rounded per contract before adding up), not a different valuation.\n",
        v.total.display_whole_pounds()
    )?;

    let policy = Policy::default();
    writeln!(
        out,
        "2. An example bid evaluation (data/examples/procurement.toml)\n"
    )?;
    let p = Procurement::from_toml(PROCUREMENT, "data/examples/procurement.toml", &policy)?;
    let e = evaluation::evaluate(&p, &fw, &policy, false)?;
    super::evaluate::report(&p, &e).write(Format::Table, out)?;

    writeln!(
        out,
        "\n3. An example small-purchase quotes check (data/examples/quotes.csv)\n"
    )?;
    let records = records_from_reader(QUOTES.as_bytes(), "data/examples/quotes.csv")?;
    let checks = super::quotes::checks_of(&records, &policy)?;
    super::quotes::check_report(&checks).write(Format::Table, out)?;

    writeln!(
        out,
        "\nRun them yourself:\n  socval value ../shared/data/seed/table-2-10-commitments.csv --framework rotherham-2019\n  \
         socval evaluate data/examples/procurement.toml\n  socval quotes check data/examples/quotes.csv\n  \
         socval quotes audit data/examples/quotes.csv --seed 2021 --size 5\n  \
         socval contract progress data/examples/contract.toml --returns data/examples/returns.csv --as-of 2020-06-30\n\
         Guide: docs/engine.md"
    )?;
    Ok(exit::OK)
}
