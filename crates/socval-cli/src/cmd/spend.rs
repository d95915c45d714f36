//! `socval spend`: import payments, the supplier register and overrides,
//! the CLES analyses, exports, and synthetic ledgers.

use std::io::Write;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use socval_app::spend;
use socval_spend::SpendStore;

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
    socval spend import --org rotherham payments-2019-20.csv     # the organisation's own spend\n  \
    socval spend export --format parquet --output payments.parquet\n  \
    socval spend generate --payments 100000 --suppliers 2000 --seed 1 --out ledger/")]
pub struct Args {
    /// The organisation (its slug in the portal) whose spend area to use:
    /// <data-dir>/spend/orgs/<slug>. Without it, the data directory's own
    /// spend area (<data-dir>/spend), as before organisations had their own.
    #[arg(long, global = true, value_name = "ORG")]
    org: Option<String>,
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
    /// An organisation's spend settings (what "local" means, the top N),
    /// read by the portal's annual report: shown, or changed with options.
    #[command(after_help = "Examples:
  socval spend settings --org sheffield-nhs --local E08000019 --region scr-ca --top 300
  socval spend settings --org sheffield-nhs --from \"S1 2HH\"   # distances from here
  socval spend settings --org sheffield-nhs          # show them

Without settings the portal uses --local E08000018 (Rotherham), --region scr-ca, --top 300,
distances from Rotherham Town Hall (for another --local, no distances until --from is set).")]
    Settings(SettingsArgs),
}

#[derive(clap::Args, Debug)]
struct SettingsArgs {
    /// Own authority LAD codes (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "LAD")]
    local: Option<Vec<String>>,
    /// The wider region: a preset (scr-ca, scr-lep), LAD codes (comma-separated), or `none`.
    #[arg(long, value_name = "PRESET|LADS")]
    region: Option<String>,
    /// How many top suppliers to single out.
    #[arg(long)]
    top: Option<usize>,
    /// Where distances are measured from: a postcode (the town hall's, say)
    /// or `lat,long`; `none` to clear.
    #[arg(long, value_name = "POSTCODE|LAT,LONG")]
    from: Option<String>,
}

fn settings(
    global: &Global,
    store: &SpendStore,
    a: SettingsArgs,
    out: &mut dyn Write,
) -> Result<u8> {
    let mut s = socval_spend::AreaSettings::read(store)?;
    let change = a.local.is_some() || a.region.is_some() || a.top.is_some() || a.from.is_some();
    if let Some(l) = a.local {
        s.local = l
            .into_iter()
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect();
    }
    if let Some(r) = a.region {
        s.region = r.trim().to_string();
    }
    if let Some(t) = a.top {
        s.top = t;
    }
    if let Some(f) = a.from {
        let f = f.trim();
        s.from = (!f.is_empty() && f != "none").then(|| f.to_string());
        // Checked now, so that the portal's report does not fail on it.
        if let Some(f) = &s.from {
            let geo = socval_geo::GeoData::open(&global.data_dir).map_err(|e| {
                anyhow::anyhow!(
                    "--from {f}: needs the postcode directory (socval geo import FILE): {e}"
                )
            })?;
            geo.point(f)
                .map_err(|e| anyhow::anyhow!("--from {f}: {e}"))?;
        }
    }
    if change {
        s.write(store)?;
    }
    writeln!(
        out,
        "{} {}: local {}; region {}; top {}; distances from {}",
        if change { "Saved in" } else { "Settings of" },
        store.settings_path().display(),
        s.local.join(","),
        s.region,
        s.top,
        s.from.as_deref().unwrap_or("(not set)")
    )?;
    Ok(crate::exit::OK)
}

/// Runs a `socval spend` subcommand.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    if let Command::Generate(a) = args.command {
        if args.org.is_some() {
            bail!(
                "--org does not apply to `socval spend generate` (it writes files, not a spend area)"
            );
        }
        return import::generate(global, a, out);
    }
    let org = match &args.org {
        None => None,
        Some(slug) => Some(portal_org(global, slug)?),
    };
    let store = match &org {
        None => SpendStore::new(&global.data_dir),
        Some(o) => SpendStore::for_org(&global.data_dir, &o.slug),
    };
    if let Some(o) = &org {
        recover(global, &store, o)?;
    }
    // Without --org the area is the server's own, outside the audit log.
    let now = time::OffsetDateTime::now_utc();
    let actor = super::admin::actor();
    match args.command {
        Command::Import(a) => {
            import::import(&store, a, out, |files, opts, replace| match &org {
                None => Ok(store.import(files, opts, replace)?),
                Some(o) => with_db(global, async |db| {
                    spend::import_payments(db, &store, o.id, files, opts, replace, &actor, now)
                        .await
                }),
            })?;
            Ok(crate::exit::OK)
        }
        Command::List(a) => import::list(&store, a, out),
        Command::Suppliers { command } => {
            import::register(&store, command, out, |source, name, file| match &org {
                None => Ok(store.stage_register(source, file, now)?.commit()?),
                Some(o) => with_db(global, async |db| {
                    let given = given(o, source, name, file);
                    spend::replace_register(db, &store, given, &actor, now).await
                }),
            })?;
            Ok(crate::exit::OK)
        }
        Command::Overrides { command } => {
            import::overrides(&store, command, out, |source, name, file| match &org {
                None => Ok(store.stage_overrides(source, file, now)?.commit()?),
                Some(o) => with_db(global, async |db| {
                    let given = given(o, source, name, file);
                    spend::replace_overrides(db, &store, given, &actor, now).await
                }),
            })?;
            Ok(crate::exit::OK)
        }
        Command::Analyse(a) => analyse::analyse(global, &store, a, out),
        Command::Export(a) => analyse::export(global, &store, a, out),
        Command::Settings(a) => {
            if args.org.is_none() {
                bail!(
                    "give --org SLUG: settings belong to an organisation's spend area (on the command line, give --local, --region and --top to each command instead)"
                );
            }
            settings(global, &store, a, out)
        }
        Command::Generate(_) => unreachable!("handled above"),
    }
}

/// The organisation as the portal's database has it, so that a typo does
/// not create a spend area nobody reads.
fn portal_org(global: &Global, slug: &str) -> Result<socval_store::Organisation> {
    super::serve::runtime()?.block_on(async {
        let store = super::admin::open_store(global).await?;
        let org = store.organisation_by_slug(slug).await;
        store.close().await;
        org.with_context(|| {
            format!("--org {slug}: no organisation with that slug in the portal's database (create it with `socval admin create-org`)")
        })
    })
}

/// A file given on the command line for organisation `o`'s area.
fn given<'a>(
    o: &socval_store::Organisation,
    source: &'a str,
    name: &'a str,
    path: &'a std::path::Path,
) -> spend::GivenFile<'a> {
    spend::GivenFile {
        org_id: o.id,
        source,
        name,
        path,
    }
}

/// Runs a use case with the portal's database, then closes it.
fn with_db<T>(
    global: &Global,
    f: impl AsyncFnOnce(&dyn socval_store::Store) -> socval_app::Result<T>,
) -> Result<T> {
    super::serve::runtime()?.block_on(async {
        let db = super::admin::open_store(global).await?;
        let result = f(&*db).await;
        db.close().await;
        Ok(result?)
    })
}

/// Finishes or undoes what a crash interrupted in organisation `o`'s spend
/// area (see `socval_spend::journal`), saying what it did on standard error.
fn recover(global: &Global, store: &SpendStore, o: &socval_store::Organisation) -> Result<()> {
    let done = with_db(global, async |db| spend::recover(db, store, o.id).await)
        .with_context(|| format!("recovering {}", store.root().display()))?;
    for what in &done.completed {
        eprintln!("socval: finished {what}, interrupted after it was audited");
    }
    for what in &done.rolled_back {
        eprintln!("socval: undid {what}, interrupted before it was audited");
    }
    Ok(())
}
