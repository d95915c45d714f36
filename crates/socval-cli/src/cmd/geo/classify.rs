//! `socval geo classify`: a CSV in, the same CSV out with columns added.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use socval_geo::{GeoData, LocalDefinition};

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

impl Totals {
    fn add(&mut self, o: Totals) {
        self.rows += o.rows;
        for (k, v) in o.by_class {
            *self.by_class.entry(k).or_default() += v;
        }
        for (k, v) in o.by_reason {
            *self.by_reason.entry(k).or_default() += v;
        }
        self.no_imd += o.no_imd;
    }
}

/// Rows read per batch; each batch is classified by all cores at once and
/// written in input order.
const BATCH: usize = 1 << 16;

/// What classifying a row needs; shared by the worker threads.
struct Ctx<'a> {
    geo: &'a GeoData,
    def: &'a LocalDefinition,
    col: usize,
    names: &'a [String],
    format: Format,
}

type Cells = [String; ADDED.len()];

impl Ctx<'_> {
    /// Classifies one row: fills the added cells and counts it.
    fn cells(&self, rec: &csv::ByteRecord, cells: &mut Cells, totals: &mut Totals) {
        let geo = self.geo;
        let raw = std::str::from_utf8(rec.get(self.col).unwrap_or_default()).unwrap_or("\u{fffd}");
        let c = geo.classify(self.def, raw);
        totals.rows += 1;
        *totals.by_class.entry(c.class.as_str()).or_default() += 1;
        if let Some(r) = c.reason {
            *totals.by_reason.entry(r.as_str()).or_default() += 1;
        }
        if c.no_figure().is_some() {
            totals.no_imd += 1;
        }
        for s in cells.iter_mut() {
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
    }

    /// Classifies rows into CSV lines, or JSON objects each preceded by
    /// `,\n`, in order.
    fn chunk(&self, recs: &[csv::ByteRecord]) -> Result<(Vec<u8>, Totals)> {
        let mut buf = Vec::with_capacity(recs.len() * 160);
        let mut totals = Totals::default();
        let mut cells: Cells = Default::default();
        if self.format == Format::Csv {
            let mut w = csv::WriterBuilder::new().from_writer(&mut buf);
            let mut out_rec = csv::ByteRecord::new();
            for rec in recs {
                self.cells(rec, &mut cells, &mut totals);
                out_rec.clear();
                for f in rec.iter() {
                    out_rec.push_field(f);
                }
                for s in &cells {
                    out_rec.push_field(s.as_bytes());
                }
                w.write_byte_record(&out_rec)?;
            }
            w.flush()?;
        } else {
            for rec in recs {
                self.cells(rec, &mut cells, &mut totals);
                let mut obj = serde_json::Map::new();
                for (i, n) in self.names.iter().enumerate() {
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
                buf.extend_from_slice(b",\n");
                serde_json::to_writer(&mut buf, &obj)?;
            }
        }
        Ok((buf, totals))
    }

    /// Classifies a batch on `threads` threads; returns the parts in order.
    fn batch(&self, recs: &[csv::ByteRecord], threads: usize) -> Result<Vec<(Vec<u8>, Totals)>> {
        let per = recs.len().div_ceil(threads.max(1)).max(1);
        std::thread::scope(|s| {
            let mut parts = recs.chunks(per);
            let first = parts.next().unwrap_or_default();
            let handles: Vec<_> = parts.map(|p| s.spawn(move || self.chunk(p))).collect();
            let mut out = vec![self.chunk(first)?];
            for h in handles {
                out.push(
                    h.join()
                        .map_err(|_| anyhow::anyhow!("a classify thread panicked"))??,
                );
            }
            Ok(out)
        })
    }
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
    let mut w = BufWriter::with_capacity(1 << 20, sink);
    let ctx = Ctx {
        geo: &geo,
        def: &def,
        col,
        names: &names,
        format: args.format,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let mut totals = Totals::default();
    let mut read_batch = |batch: &mut Vec<csv::ByteRecord>| -> Result<usize> {
        let mut n = 0;
        while n < BATCH {
            if n == batch.len() {
                batch.push(csv::ByteRecord::new());
            }
            let more = rdr
                .read_byte_record(&mut batch[n])
                .with_context(|| format!("{}: unreadable row", args.file.display()))?;
            if !more {
                break;
            }
            n += 1;
        }
        Ok(n)
    };
    let mut batch = Vec::new();
    match args.format {
        Format::Csv | Format::Json => {
            if args.format == Format::Csv {
                let mut cw = csv::WriterBuilder::new().from_writer(&mut w);
                let mut h = header.clone();
                for a in ADDED {
                    h.push_field(a.as_bytes());
                }
                cw.write_byte_record(&h)?;
                cw.flush()?;
            } else {
                w.write_all(b"[")?;
            }
            let mut first = true;
            loop {
                let n = read_batch(&mut batch)?;
                if n == 0 {
                    break;
                }
                for (bytes, t) in ctx.batch(&batch[..n], threads)? {
                    totals.add(t);
                    let skip =
                        usize::from(args.format == Format::Json && first && !bytes.is_empty());
                    first &= bytes.is_empty();
                    w.write_all(&bytes[skip..])?;
                }
                if n < BATCH {
                    break;
                }
            }
            if args.format == Format::Json {
                w.write_all(b"\n]\n")?;
            }
        }
        Format::Table => {
            let mut table_rows = Vec::new();
            let mut cells: Cells = Default::default();
            loop {
                let n = read_batch(&mut batch)?;
                for rec in &batch[..n] {
                    ctx.cells(rec, &mut cells, &mut totals);
                    let mut row: Vec<String> = rec
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect();
                    row.extend(cells.iter().cloned());
                    table_rows.push(row);
                }
                if n < BATCH {
                    break;
                }
            }
            let headers: Vec<&str> = names.iter().map(String::as_str).chain(ADDED).collect();
            crate::output::write_table(&headers, &table_rows, &[], &mut w)?;
        }
    }
    w.flush()?;
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
