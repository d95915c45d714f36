//! `socval demo`: the portal on a fresh embedded SQLite database seeded
//! with a fictional borough (`data/demo/`, see [`seed`]), served until
//! Ctrl-C with the address and one sign-in per role printed; and
//! `socval demo --example`, the worked example: table 2.10 of the seed
//! report reproduced from the embedded `rotherham-2019` framework, an
//! example bid evaluation and an example quotes check (both from
//! `data/examples/`, embedded in the binary).

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;

use anyhow::{Context, Result};
use socval_core::evaluation::{self, Procurement};
use socval_core::framework;
use socval_core::valuation::{self, Commitment, ValuationOptions};
use socval_core::{Decimal, FinancialYear, Policy};

use super::framework::records_from_reader;
use crate::Global;
use crate::exit;
use crate::output::Format;

pub mod seed;

/// Start the portal on a fictional borough, or print the worked example.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  socval demo
  socval demo --listen 127.0.0.1:0
  socval demo --example

`socval demo` starts the portal on a fresh SQLite database in a new temporary directory
(deleted when the demo stops), seeded with Borsetshire, a fictional borough: its council,
partner organisations, supplier companies, procurements in every state, contracts on,
behind and ahead of profile, delivery returns, small purchases, and a synthetic spend ledger
(2024/25 and 2025/26) analysed against a fictional postcode directory. It prints the address
and one sign-in per role (admin, officer, viewer, supplier). Ctrl-C stops it.

`socval demo --example` prints table 2.10 of the council's report reproduced from the
embedded rotherham-2019 framework, an example bid evaluation (data/examples/procurement.toml)
and an example quotes check (data/examples/quotes.csv). The same commands run on your own files.")]
pub struct Args {
    /// Print the worked example of the council's report instead of starting the portal.
    #[arg(long)]
    pub example: bool,
    /// The address and port to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

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

/// Runs the demo portal, or prints the worked example with `--example`.
pub fn run(_global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    if args.example {
        return example(out);
    }
    portal(args.listen, out)
}

/// Seeds a fresh database in a temporary directory and serves the portal
/// on it until Ctrl-C; the directory is deleted afterwards.
fn portal(listen: SocketAddr, out: &mut dyn Write) -> Result<u8> {
    use super::serve::{Serve, init_logs, runtime, serve};
    init_logs("warn");
    let dir = tempfile::Builder::new()
        .prefix("socval-demo-")
        .tempdir()
        .context("cannot create a temporary directory for the demo database")?;
    let code = runtime()?.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("socval.db").display());
        let store = socval_store::open(&url)
            .await
            .context("cannot create the demo database")?;
        if std::io::stderr().is_terminal() {
            eprintln!("Seeding the fictional borough of Borsetshire...");
        }
        let seeded = seed::seed(&*store, dir.path(), time::OffsetDateTime::now_utc())
            .await
            .context("cannot seed the demo database")?;
        let opts = Serve {
            listen,
            public_url: None,
            demo_banner: true,
            data_dir: dir.path().to_path_buf(),
            trusted_proxies: Vec::new(),
        };
        serve(store, opts, out, |_, url, out| {
            banner(&seeded, url, dir.path(), out)
        })
        .await
    })?;
    dir.close()
        .context("cannot delete the demo's temporary directory")?;
    Ok(code)
}

/// What the demo prints once it is serving: where, and who to sign in as.
fn banner(
    seeded: &seed::Seeded,
    url: &str,
    dir: &std::path::Path,
    out: &mut dyn Write,
) -> Result<()> {
    writeln!(out, "socval demo: {}\n", seeded.council)?;
    writeln!(out, "The portal is running at {url}")?;
    writeln!(
        out,
        "on a fresh database of a fictional borough (in {}, deleted when the demo stops).\n",
        dir.display()
    )?;
    writeln!(out, "Sign in as one of:\n")?;
    let width = seeded
        .logins
        .iter()
        .map(|l| l.email.len())
        .max()
        .unwrap_or(0);
    writeln!(out, "  {:<9} {:<width$}  name", "role", "e-mail")?;
    for l in &seeded.logins {
        let company = l
            .company
            .as_deref()
            .map(|c| format!(" of {c}"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<9} {:<width$}  {}{company}",
            l.role, l.email, l.name
        )?;
    }
    writeln!(out, "\nPassword (every user): {}\n", seeded.password)?;
    let counts: Vec<String> = seeded
        .counts
        .iter()
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
    writeln!(out, "Seeded: {}.", counts.join(", "))?;
    writeln!(
        out,
        "Start at {url}/orgs/{} once signed in. The worked example of the council's report: socval demo --example",
        seeded.council_slug
    )?;
    writeln!(out, "Ctrl-C stops the demo.")?;
    Ok(())
}

/// Prints the worked example.
fn example(out: &mut dyn Write) -> Result<u8> {
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
