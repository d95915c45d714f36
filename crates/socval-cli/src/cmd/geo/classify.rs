//! `socval geo classify`: a CSV in, the same CSV out with columns added.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use socval_geo::GeoData;

use super::definition::DefinitionArgs;
use super::lookup::round_km;
use crate::Global;
use crate::exit;
use crate::output::Format;

/// Column names tried, case-insensitively, when --postcode-column is not given.
const POSTCODE_NAMES: &[&str] = &[
    "postcode",
    "post code",
    "postal code",
    "pcds",
    "pcd",
    "supplier postcode",
];

/// Columns added to each row.
const ADDED: [&str; 13] = [
    "postcode_normalised",
    "class",
    "reason",
    "lad",
    "lad_name",
    "ward",
    "ward_name",
    "lsoa",
    "imd_rank",
    "imd_decile",
    "most_deprived",
    "distance_km",
    "imd_note",
];

/// Add LAD, ward, LSOA, deprivation, class and distance to each row of a CSV.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Adds the columns postcode_normalised, class (local, region, outside, unknown),
reason (invalid, not-found, terminated, non-geographic, no-coordinates, no-lad),
lad, lad_name, ward, ward_name, lsoa, imd_rank, imd_decile, most_deprived
(1%, 10%, 20%), distance_km, imd_note (why there is no deprivation figure).
Every input row is written; totals go to standard error.

Examples:
  socval geo classify suppliers.csv --postcode-column Postcode > classified.csv
  socval geo classify suppliers.csv --postcode-column Postcode --format json --region scr-lep
  socval geo classify suppliers.csv --postcode-column Postcode --radius 20km --from \"S60 2TH\""
)]
pub struct Args {
    /// The CSV file (with a header row); `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The column holding postcodes (case-insensitive). Default: postcode, post code, postal code, pcds, pcd.
    #[arg(long, value_name = "NAME")]
    postcode_column: Option<String>,
    #[command(flatten)]
    definition: DefinitionArgs,
    /// Output format (csv or json; table for small files).
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Do not print totals to standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Default)]
struct Totals {
    rows: u64,
    by_class: BTreeMap<&'static str, u64>,
    by_reason: BTreeMap<&'static str, u64>,
    no_imd: u64,
}

/// Classifies every row and writes the CSV (or JSON) with the added columns.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    let geo = GeoData::open(&global.data_dir)?;
    let def = args.definition.build(&geo)?;
    let input: Box<dyn Read> = if args.file.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(
            File::open(&args.file)
                .with_context(|| format!("cannot open {}", args.file.display()))?,
        )
    };
    let mut rdr = csv::ReaderBuilder::new()
        .buffer_capacity(1 << 20)
        .from_reader(input);
    let header = rdr
        .byte_headers()
        .with_context(|| format!("{}: cannot read the header row", args.file.display()))?
        .clone();
    let names: Vec<String> = header
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string()
        })
        .collect();
    let col = match &args.postcode_column {
        Some(want) => names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(want.trim())),
        None => POSTCODE_NAMES
            .iter()
            .find_map(|p| names.iter().position(|n| n.eq_ignore_ascii_case(p))),
    };
    let Some(col) = col else {
        let accepted = match &args.postcode_column {
            Some(w) => format!("{w:?} (from --postcode-column)"),
            None => POSTCODE_NAMES.join(", "),
        };
        bail!(
            "{}: no postcode column; found columns: {}; accepted: {accepted}",
            args.file.display(),
            names.join(", ")
        );
    };
    let sink: Box<dyn Write + '_> = match &args.output {
        Some(p) => {
            Box::new(File::create(p).with_context(|| format!("cannot create {}", p.display()))?)
        }
        None => Box::new(out),
    };
    let (mut csvw, mut w) = if args.format == Format::Csv {
        (
            Some(
                csv::WriterBuilder::new()
                    .buffer_capacity(1 << 20)
                    .from_writer(sink),
            ),
            None,
        )
    } else {
        (None, Some(BufWriter::with_capacity(1 << 20, sink)))
    };
    let mut totals = Totals::default();
    let mut rec = csv::ByteRecord::new();
    let mut out_rec = csv::ByteRecord::new();
    let mut cells: [String; ADDED.len()] = Default::default();
    let mut table_rows = Vec::new();
    if let Some(cw) = &mut csvw {
        let mut h = header.clone();
        for a in ADDED {
            h.push_field(a.as_bytes());
        }
        cw.write_byte_record(&h)?;
    }
    if let (Format::Json, Some(w)) = (args.format, &mut w) {
        w.write_all(b"[")?;
    }
    loop {
        let more = rdr
            .read_byte_record(&mut rec)
            .with_context(|| format!("{}: unreadable row", args.file.display()))?;
        if !more {
            break;
        }
        let raw = std::str::from_utf8(rec.get(col).unwrap_or_default()).unwrap_or("\u{fffd}");
        let c = geo.classify(&def, raw);
        totals.rows += 1;
        *totals.by_class.entry(c.class.as_str()).or_default() += 1;
        if let Some(r) = c.reason {
            *totals.by_reason.entry(r.as_str()).or_default() += 1;
        }
        if c.no_figure().is_some() {
            totals.no_imd += 1;
        }
        for s in &mut cells {
            s.clear();
        }
        let rec_ = c.record.as_ref();
        let imd = c.imd();
        if let Some(p) = c.postcode {
            cells[0].push_str(p.as_str());
        }
        cells[1].push_str(c.class.as_str());
        cells[2].push_str(c.reason.map_or("", |r| r.as_str()));
        let lad = rec_.and_then(|r| r.lad);
        let ward = rec_.and_then(|r| r.ward);
        cells[3].push_str(lad.unwrap_or_default());
        cells[4].push_str(lad.and_then(|l| geo.names.get(l)).unwrap_or_default());
        cells[5].push_str(ward.unwrap_or_default());
        cells[6].push_str(ward.and_then(|l| geo.names.get(l)).unwrap_or_default());
        cells[7].push_str(rec_.and_then(|r| r.lsoa()).unwrap_or_default());
        if let Some(d) = imd {
            let _ = write!(cells[8], "{}", d.rank);
            let _ = write!(cells[9], "{}", d.decile);
        }
        cells[10].push_str(c.most_deprived().map_or("", |b| b.as_str()));
        if let Some(d) = c.distance_km {
            let _ = write!(cells[11], "{:.3}", round_km(d));
        }
        if let Some(n) = c.no_figure() {
            let _ = write!(cells[12], "{n}");
        }
        match (&mut csvw, &mut w) {
            (Some(cw), _) => {
                out_rec.clear();
                for f in rec.iter() {
                    out_rec.push_field(f);
                }
                for s in &cells {
                    out_rec.push_field(s.as_bytes());
                }
                cw.write_byte_record(&out_rec)?;
            }
            (None, Some(w)) if args.format == Format::Json => {
                let mut obj = serde_json::Map::new();
                for (i, n) in names.iter().enumerate() {
                    obj.insert(
                        n.clone(),
                        String::from_utf8_lossy(rec.get(i).unwrap_or_default())
                            .into_owned()
                            .into(),
                    );
                }
                for (a, s) in ADDED.iter().zip(&cells) {
                    let v: serde_json::Value = match *a {
                        _ if s.is_empty() => serde_json::Value::Null,
                        "imd_rank" | "imd_decile" => s
                            .parse::<u64>()
                            .map(Into::into)
                            .unwrap_or(serde_json::Value::Null),
                        "distance_km" => s
                            .parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map_or(serde_json::Value::Null, Into::into),
                        _ => s.clone().into(),
                    };
                    obj.insert((*a).to_string(), v);
                }
                if totals.rows > 1 {
                    w.write_all(b",")?;
                }
                w.write_all(b"\n")?;
                serde_json::to_writer(&mut *w, &obj)?;
            }
            _ => {
                let mut row: Vec<String> = rec
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                row.extend(cells.iter().cloned());
                table_rows.push(row);
            }
        }
    }
    match (csvw, w) {
        (Some(mut cw), _) => cw.flush()?,
        (None, Some(mut w)) => {
            if args.format == Format::Json {
                w.write_all(b"\n]\n")?;
            } else {
                let headers: Vec<&str> = names.iter().map(String::as_str).chain(ADDED).collect();
                crate::output::write_table(&headers, &table_rows, &[], &mut w)?;
            }
            w.flush()?;
        }
        (None, None) => {}
    }
    if !args.quiet {
        let join = |m: &BTreeMap<&str, u64>| {
            m.iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut msg = format!("{} rows: {}", totals.rows, join(&totals.by_class));
        if !totals.by_reason.is_empty() {
            let _ = write!(msg, " (unknown: {})", join(&totals.by_reason));
        }
        match &geo.deprivation {
            Some(_) => {
                let _ = write!(
                    msg,
                    "; {} found without a deprivation figure",
                    totals.no_imd
                );
            }
            None => msg.push_str("; no deprivation file imported"),
        }
        eprintln!("{msg}");
    }
    Ok(exit::OK)
}
