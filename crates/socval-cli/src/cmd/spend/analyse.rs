//! `socval spend analyse` and `socval spend export`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use serde_json::json;
use socval_core::FinancialYear;
use socval_geo::GeoData;
use socval_spend::{
    Analysed, AnalysisOptions, ExportFormat, GeoResolver, LocationResolver, SpendStore, YearReport,
};

use crate::Global;
use crate::exit;
use crate::output::{Format, Report};

/// What counts as local: the options of `socval geo classify` (own
/// authority, region preset or LAD list, radius, origin), validated the
/// same way.
type LocalArgs = crate::cmd::geo::definition::DefinitionArgs;

/// Runs `f` with a resolver: the imported postcode directory, or (with a
/// warning) none, when no directory has been imported.
fn with_resolver<T>(
    global: &Global,
    local: &LocalArgs,
    f: impl FnOnce(&dyn LocationResolver) -> Result<T>,
) -> Result<T> {
    match GeoData::open(&global.data_dir) {
        Ok(geo) => {
            let def = local.build(&geo)?;
            f(&GeoResolver::new(&geo, &def))
        }
        Err(socval_geo::Error::NoIndex { .. }) => {
            eprintln!(
                "warning: no postcode directory imported (socval geo import FILE): every supplier's location is unknown"
            );
            f(&socval_spend::NoDirectory)
        }
        Err(e) => Err(e.into()),
    }
}

/// The CLES analyses for one financial year.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  socval spend analyse --year 2019/20 --compare 2018/19 --top 300 --format json"
)]
pub struct AnalyseArgs {
    /// The financial year, e.g. 2019/20.
    #[arg(long)]
    year: FinancialYear,
    /// A year to compare with (year-on-year change of every figure).
    #[arg(long)]
    compare: Option<FinancialYear>,
    /// How many top suppliers to single out.
    #[arg(long, default_value_t = 300)]
    top: usize,
    /// Upper bounds of the distance bands in km.
    #[arg(long, value_delimiter = ',', default_value = "5,10,25,50,100")]
    distance_bands: Vec<u32>,
    #[command(flatten)]
    local: LocalArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// `socval spend analyse`.
pub fn analyse(
    global: &Global,
    spend: &SpendStore,
    a: AnalyseArgs,
    out: &mut dyn Write,
) -> Result<u8> {
    const NONE: &str = "no payments imported: run `socval spend import FILE...` first";
    // Checked before the postcode directory is opened, so that an empty
    // area is not also warned about a missing directory.
    if spend.imports()?.is_empty() {
        bail!(NONE);
    }
    let register = spend.register()?;
    let opts = AnalysisOptions {
        top_n: a.top,
        distance_bands_km: a.distance_bands.clone(),
    };
    let Some(Analysed {
        this,
        previous: prev,
        imports,
    }) = with_resolver(global, &a.local, |r| {
        Ok(spend.analyse(&register, r, a.year, a.compare, &opts)?)
    })?
    else {
        bail!(NONE);
    };
    let mut doc = serde_json::to_value(&this)?;
    if let (Some(p), Some(o)) = (&prev, doc.as_object_mut()) {
        o.insert("change".into(), socval_spend::change(&this, p));
        o.insert("compare".into(), serde_json::to_value(p)?);
    }
    if this.payments == 0 {
        eprintln!(
            "warning: no payments in {} (imported years: {})",
            a.year,
            socval_spend::totals_by_year(&imports)
                .keys()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    table(&this, prev.as_ref(), doc).write(a.format, out)?;
    Ok(exit::OK)
}

fn table(
    r: &YearReport,
    prev: Option<&YearReport>,
    json: serde_json::Value,
) -> Report<serde_json::Value> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let pct = |p: &Option<socval_core::Decimal>| p.map(|p| format!("{p}%")).unwrap_or_default();
    let mut row = |figure: String,
                   gbp: socval_core::Gbp,
                   share: String,
                   suppliers: Option<u64>,
                   prev_gbp: Option<socval_core::Gbp>| {
        rows.push(vec![
            figure,
            gbp.display_whole_pounds(),
            share,
            suppliers.map(|s| s.to_string()).unwrap_or_default(),
            prev_gbp
                .map(|p| p.display_whole_pounds())
                .unwrap_or_default(),
            // Totals of whole pence: their difference always fits.
            prev_gbp
                .and_then(|p| gbp.checked_sub(p))
                .map(|d| d.display_whole_pounds())
                .unwrap_or_default(),
        ]);
    };
    row(
        "Total spend".into(),
        r.total_gbp,
        String::new(),
        Some(r.suppliers),
        prev.map(|p| p.total_gbp),
    );
    row(
        format!("Top {} suppliers", r.top_n),
        r.top_n_gbp,
        pct(&r.top_n_share_pct),
        Some(r.top_n),
        prev.map(|p| p.top_n_gbp),
    );
    let classes = |c: &socval_spend::ByClass| {
        [
            ("local", c.local.clone()),
            ("region", c.region.clone()),
            ("outside", c.outside.clone()),
            ("unknown", c.unknown.clone()),
        ]
    };
    for (i, (name, g)) in classes(&r.by_class).into_iter().enumerate() {
        row(
            format!("All: {name}"),
            g.gbp,
            pct(&g.share_pct),
            Some(g.suppliers),
            prev.map(|p| classes(&p.by_class)[i].1.gbp),
        );
    }
    for (i, (name, g)) in classes(&r.top_n_by_class).into_iter().enumerate() {
        row(
            format!("Top {}: {name}", r.top_n),
            g.gbp,
            pct(&g.share_pct),
            Some(g.suppliers),
            prev.map(|p| classes(&p.top_n_by_class)[i].1.gbp),
        );
    }
    let dep = |d: &socval_spend::DeprivedLocal| {
        [
            ("1%", d.p1.clone()),
            ("10%", d.p10.clone()),
            ("20%", d.p20.clone()),
        ]
    };
    for (i, (name, g)) in dep(&r.deprived_local).into_iter().enumerate() {
        row(
            format!("Local, most deprived {name}"),
            g.gbp,
            pct(&g.share_pct),
            Some(g.suppliers),
            prev.map(|p| dep(&p.deprived_local)[i].1.gbp),
        );
    }
    row(
        "SME".into(),
        r.sme.yes.gbp,
        pct(&r.sme.yes.share_pct),
        Some(r.sme.yes.suppliers),
        prev.map(|p| p.sme.yes.gbp),
    );
    row(
        "VCSE".into(),
        r.vcse.yes.gbp,
        pct(&r.vcse.yes.share_pct),
        Some(r.vcse.yes.suppliers),
        prev.map(|p| p.vcse.yes.gbp),
    );
    for d in &r.by_distance {
        row(
            format!("Distance {}", d.band),
            d.gbp,
            pct(&d.share_pct),
            Some(d.suppliers),
            None,
        );
    }
    for w in r.by_ward.iter().take(20) {
        let name = if w.ward_name.is_empty() {
            w.ward.clone()
        } else {
            format!("{} ({})", w.ward_name, w.ward)
        };
        row(
            format!("Ward: {name}"),
            w.gbp,
            pct(&w.share_pct),
            Some(w.suppliers),
            None,
        );
    }
    let dq = &r.data_quality;
    row(
        "Unmatched suppliers".into(),
        dq.unmatched.gbp,
        String::new(),
        Some(dq.unmatched.suppliers),
        None,
    );
    row(
        "Redacted payees".into(),
        dq.redacted.gbp,
        format!("{} payments", dq.redacted.payments),
        None,
        None,
    );
    row(
        "Credit notes".into(),
        dq.credit_notes.gbp,
        format!("{} payments", dq.credit_notes.payments),
        None,
        None,
    );
    for u in &dq.unknown_location {
        row(
            format!("Unknown location: {}", u.reason),
            u.gbp,
            String::new(),
            Some(u.suppliers),
            None,
        );
    }
    row(
        "Terminated postcodes".into(),
        dq.terminated_postcodes.gbp,
        String::new(),
        Some(dq.terminated_postcodes.suppliers),
        None,
    );
    row(
        "Overrides applied".into(),
        dq.overrides_applied.gbp,
        String::new(),
        Some(dq.overrides_applied.suppliers),
        None,
    );
    let mut footer = vec![format!(
        "Financial year {}: {} payments.",
        r.year, r.payments
    )];
    if dq.blank_amount_lines_skipped > 0 {
        footer.push(format!(
            "{} imported lines had no amount and were skipped (all years).",
            dq.blank_amount_lines_skipped
        ));
    }
    let prev_header = if prev.is_some() { "previous" } else { "" };
    Report {
        json,
        headers: vec![
            "figure",
            "£",
            "share",
            "suppliers",
            prev_header,
            if prev.is_some() { "change" } else { "" },
        ],
        rows,
        numeric: vec![1, 2, 3, 4, 5],
        footer,
    }
}

/// Export payments enriched with supplier and location.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  socval spend export --format parquet --output payments.parquet\n  socval spend export --format xlsx --year 2019/20 --output 2019-20.xlsx"
)]
pub struct ExportArgs {
    /// parquet, csv or xlsx.
    #[arg(long, value_parser = ["parquet", "csv", "xlsx"])]
    format: String,
    /// The file to write.
    #[arg(long)]
    output: PathBuf,
    /// Only this financial year.
    #[arg(long)]
    year: Option<FinancialYear>,
    #[command(flatten)]
    local: LocalArgs,
}

/// `socval spend export`.
pub fn export(
    global: &Global,
    spend: &SpendStore,
    a: ExportArgs,
    out: &mut dyn Write,
) -> Result<u8> {
    let store = spend.clone();
    let register = store.register()?;
    let format = match a.format.as_str() {
        "parquet" => ExportFormat::Parquet,
        "csv" => ExportFormat::Csv,
        _ => ExportFormat::Xlsx,
    };
    let n = with_resolver(global, &a.local, |r| {
        Ok(socval_spend::export(
            &store, &register, r, a.year, format, &a.output,
        )?)
    })?;
    writeln!(out, "Wrote {n} payments to {}", a.output.display())?;
    let _ = json!({});
    Ok(exit::OK)
}
