//! `socval spend analyse` and `socval spend export`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use serde_json::json;
use socval_core::{Decimal, FinancialYear, Gbp};
use socval_geo::GeoData;
use socval_spend::{
    Analysed, AnalysisOptions, ByClass, DeprivedLocal, ExportFormat, GbpSuppliers, GeoResolver,
    LocationResolver, SpendStore, YearReport,
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
    let mut rows = Rows::default();
    rows.totals(r, prev);
    rows.places(r);
    rows.quality(r);
    let dq = &r.data_quality;
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
        rows: rows.0,
        numeric: vec![1, 2, 3, 4, 5],
        footer,
    }
}

fn pct(p: &Option<Decimal>) -> String {
    p.map(|p| format!("{p}%")).unwrap_or_default()
}

fn classes(c: &ByClass) -> [(&'static str, &GbpSuppliers); 4] {
    [
        ("local", &c.local),
        ("region", &c.region),
        ("outside", &c.outside),
        ("unknown", &c.unknown),
    ]
}

fn bands(d: &DeprivedLocal) -> [(&'static str, &GbpSuppliers); 3] {
    [("1%", &d.p1), ("10%", &d.p10), ("20%", &d.p20)]
}

/// The rows of the terminal table: figure, £, share, suppliers, the
/// previous year's £ and the change.
#[derive(Default)]
struct Rows(Vec<Vec<String>>);

impl Rows {
    fn add(
        &mut self,
        figure: String,
        gbp: Gbp,
        share: String,
        suppliers: Option<u64>,
        prev_gbp: Option<Gbp>,
    ) {
        self.0.push(vec![
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
    }

    /// A row of £, share and suppliers, with the previous year's £.
    fn group(&mut self, figure: String, g: &GbpSuppliers, prev: Option<&GbpSuppliers>) {
        self.add(
            figure,
            g.gbp,
            pct(&g.share_pct),
            Some(g.suppliers),
            prev.map(|p| p.gbp),
        );
    }

    /// Total spend, the top N, by location (all and top N), in the most
    /// deprived areas, SMEs and VCSEs.
    fn totals(&mut self, r: &YearReport, prev: Option<&YearReport>) {
        self.add(
            "Total spend".into(),
            r.total_gbp,
            String::new(),
            Some(r.suppliers),
            prev.map(|p| p.total_gbp),
        );
        self.add(
            format!("Top {} suppliers", r.top_n),
            r.top_n_gbp,
            pct(&r.top_n_share_pct),
            Some(r.top_n),
            prev.map(|p| p.top_n_gbp),
        );
        for (i, (name, g)) in classes(&r.by_class).into_iter().enumerate() {
            let p = prev.map(|p| classes(&p.by_class)[i].1);
            self.group(format!("All: {name}"), g, p);
        }
        for (i, (name, g)) in classes(&r.top_n_by_class).into_iter().enumerate() {
            let p = prev.map(|p| classes(&p.top_n_by_class)[i].1);
            self.group(format!("Top {}: {name}", r.top_n), g, p);
        }
        for (i, (name, g)) in bands(&r.deprived_local).into_iter().enumerate() {
            let p = prev.map(|p| bands(&p.deprived_local)[i].1);
            self.group(format!("Local, most deprived {name}"), g, p);
        }
        self.group("SME".into(), &r.sme.yes, prev.map(|p| &p.sme.yes));
        self.group("VCSE".into(), &r.vcse.yes, prev.map(|p| &p.vcse.yes));
    }

    /// Distance bands, and the 20 wards with the most local spend.
    fn places(&mut self, r: &YearReport) {
        for d in &r.by_distance {
            self.add(
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
            self.add(
                format!("Ward: {name}"),
                w.gbp,
                pct(&w.share_pct),
                Some(w.suppliers),
                None,
            );
        }
    }

    /// The data quality findings.
    fn quality(&mut self, r: &YearReport) {
        let dq = &r.data_quality;
        self.add(
            "Unmatched suppliers".into(),
            dq.unmatched.gbp,
            String::new(),
            Some(dq.unmatched.suppliers),
            None,
        );
        for (figure, f) in [
            ("Redacted payees", &dq.redacted),
            ("Credit notes", &dq.credit_notes),
        ] {
            self.add(
                figure.into(),
                f.gbp,
                format!("{} payments", f.payments),
                None,
                None,
            );
        }
        for u in &dq.unknown_location {
            self.add(
                format!("Unknown location: {}", u.reason),
                u.gbp,
                String::new(),
                Some(u.suppliers),
                None,
            );
        }
        for (figure, f) in [
            ("Terminated postcodes", &dq.terminated_postcodes),
            ("Overrides applied", &dq.overrides_applied),
        ] {
            self.add(figure.into(), f.gbp, String::new(), Some(f.suppliers), None);
        }
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
