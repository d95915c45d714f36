//! `socval geo classify`: a CSV in, the same CSV out with columns added.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};

use anyhow::{Context, Result, bail};
use socval_core::LocationClass;
use socval_geo::{Classifier, GeoData, Named, Reason};

use socval_core::cell::is_formula;

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

/// Rows counted by class and reason, indexed by the enums' order.
#[derive(Default)]
struct Totals {
    rows: u64,
    by_class: [u64; 4],
    by_reason: [u64; 6],
    no_imd: u64,
}

const REASONS: [Reason; 6] = [
    Reason::Invalid,
    Reason::NotFound,
    Reason::Terminated,
    Reason::NonGeographic,
    Reason::NoCoordinates,
    Reason::NoLad,
];

impl Totals {
    fn add(&mut self, o: &Totals) {
        self.rows += o.rows;
        for (a, b) in self.by_class.iter_mut().zip(o.by_class) {
            *a += b;
        }
        for (a, b) in self.by_reason.iter_mut().zip(o.by_reason) {
            *a += b;
        }
        self.no_imd += o.no_imd;
    }

    /// Counts by name, in name order, leaving out those never seen.
    fn by_name<T: Copy>(
        counts: &[u64],
        all: &[T],
        name: impl Fn(T) -> &'static str,
    ) -> BTreeMap<&'static str, u64> {
        all.iter()
            .zip(counts)
            .filter(|(_, n)| **n > 0)
            .map(|(t, n)| (name(*t), *n))
            .collect()
    }
}

/// Rows read per batch. Batches are classified by worker threads (one per
/// core) and written in input order.
const BATCH: usize = 8192;

/// What classifying a row needs; shared by the worker threads.
struct Ctx<'a> {
    classifier: &'a Classifier<'a>,
    col: usize,
    names: &'a [String],
    format: Format,
}

type Cells = [String; ADDED.len()];

/// Appends `n` in decimal.
fn push_u32(s: &mut String, n: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.extend(buf[i..].iter().map(|&b| char::from(b)));
}

/// A batch of input rows and the buffer its output goes to, passed from
/// the reader to a worker to the writer and back.
struct Job {
    seq: usize,
    recs: Vec<csv::ByteRecord>,
    out: Vec<u8>,
    totals: Totals,
}

impl Ctx<'_> {
    /// The postcode cell of a row, as text.
    fn raw<'r>(&self, rec: &'r csv::ByteRecord) -> &'r str {
        std::str::from_utf8(rec.get(self.col).unwrap_or_default()).unwrap_or("\u{fffd}")
    }

    /// Classifies one row: fills the added cells and counts it.
    fn cells(&self, rec: &csv::ByteRecord, cells: &mut Cells, totals: &mut Totals) {
        fill(&self.classifier.classify(self.raw(rec)), cells, totals);
    }
}

/// Fills the added cells of one classified row and counts it.
fn fill(named: &Named<'_>, cells: &mut Cells, totals: &mut Totals) {
    let c = &named.classification;
    totals.rows += 1;
    totals.by_class[c.class as usize] += 1;
    if let Some(r) = c.reason {
        totals.by_reason[r as usize] += 1;
    }
    let no_figure = c.no_figure();
    if no_figure.is_some() {
        totals.no_imd += 1;
    }
    for s in cells.iter_mut() {
        s.clear();
    }
    let rec_ = c.record.as_ref();
    if let Some(p) = c.postcode {
        cells[0].push_str(p.as_str());
    }
    cells[1].push_str(c.class.as_str());
    cells[2].push_str(c.reason.map_or("", |r| r.as_str()));
    cells[3].push_str(rec_.and_then(|r| r.lad).unwrap_or_default());
    cells[4].push_str(named.lad_name.unwrap_or_default());
    cells[5].push_str(rec_.and_then(|r| r.ward).unwrap_or_default());
    cells[6].push_str(named.ward_name.unwrap_or_default());
    cells[7].push_str(rec_.and_then(|r| r.lsoa()).unwrap_or_default());
    if let Some(d) = c.imd() {
        push_u32(&mut cells[8], d.rank);
        push_u32(&mut cells[9], u32::from(d.decile));
    }
    cells[10].push_str(c.most_deprived().map_or("", |b| b.as_str()));
    if let Some(d) = c.distance_km {
        let _ = write!(cells[11], "{:.3}", round_km(d));
    }
    if let Some(n) = no_figure {
        let _ = write!(cells[12], "{n}");
    }
}

/// Appends one CSV record as the csv crate's writer writes it by default
/// (quotes only around a field holding a comma, quote, CR or LF, quotes
/// doubled, `\n` after the record): the same bytes, without its
/// per-field state machine.
fn csv_record<'f>(buf: &mut Vec<u8>, fields: impl Iterator<Item = &'f [u8]>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        // A field a spreadsheet would run as a formula gets an apostrophe
        // (socval_core::cell).
        let formula = is_formula(f);
        if f.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            buf.push(b'"');
            if formula {
                buf.push(b'\'');
            }
            for &b in f {
                if b == b'"' {
                    buf.push(b'"');
                }
                buf.push(b);
            }
            buf.push(b'"');
        } else {
            if formula {
                buf.push(b'\'');
            }
            buf.extend_from_slice(f);
        }
    }
    buf.push(b'\n');
}

/// Rows classified together (see [`Classifier::classify_batch`]).
const GROUP: usize = 128;

impl<'c> Ctx<'c> {
    /// Classifies rows into CSV lines, or JSON objects each preceded by
    /// `,\n`, in order, appended to `buf`.
    fn chunk<'r>(
        &self,
        recs: &'r [csv::ByteRecord],
        buf: &mut Vec<u8>,
        totals: &mut Totals,
    ) -> Result<()> {
        let mut cells: Cells = Default::default();
        let mut named = Vec::with_capacity(GROUP);
        let mut raws = Vec::with_capacity(GROUP);
        let mut classify = |group: &'r [csv::ByteRecord], named: &mut Vec<Named<'c>>| {
            raws.clear();
            raws.extend(group.iter().map(|r| self.raw(r)));
            self.classifier.classify_batch(&raws, named);
        };
        if self.format == Format::Csv {
            for group in recs.chunks(GROUP) {
                classify(group, &mut named);
                for (rec, n) in group.iter().zip(&named) {
                    fill(n, &mut cells, totals);
                    csv_record(buf, rec.iter().chain(cells.iter().map(String::as_bytes)));
                }
            }
        } else {
            for group in recs.chunks(GROUP) {
                classify(group, &mut named);
                for (rec, n) in group.iter().zip(&named) {
                    fill(n, &mut cells, totals);
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
                    serde_json::to_writer(&mut *buf, &obj)?;
                }
            }
        }
        Ok(())
    }

    /// Reads every row on one thread, classifies batches on `threads`
    /// workers, and hands each batch's output to `write` in input order.
    /// A read error is returned after the batches before it are written.
    fn pipeline(
        &self,
        read_batch: &mut ReadBatch<'_>,
        threads: usize,
        write: &mut dyn FnMut(&[u8], &Totals) -> Result<()>,
    ) -> Result<()> {
        // Batches in flight: enough to keep every worker busy while one
        // batch is being read and another written.
        let in_flight = threads * 3 + 2;
        let (free_tx, free_rx) = mpsc::channel::<Job>();
        for _ in 0..in_flight {
            let _ = free_tx.send(Job {
                seq: 0,
                recs: Vec::new(),
                out: Vec::new(),
                totals: Totals::default(),
            });
        }
        std::thread::scope(|s| {
            let (work_tx, work_rx) = mpsc::sync_channel::<Job>(in_flight);
            let (done_tx, done_rx) = mpsc::channel::<Result<Job>>();
            let reader = s.spawn(move || -> Result<()> {
                for seq in 0.. {
                    // No free batch: the writer stopped.
                    let Ok(mut job) = free_rx.recv() else {
                        return Ok(());
                    };
                    let n = read_batch(&mut job.recs)?;
                    if n == 0 {
                        return Ok(());
                    }
                    job.recs.truncate(n);
                    job.seq = seq;
                    if work_tx.send(job).is_err() || n < BATCH {
                        return Ok(());
                    }
                }
                Ok(())
            });
            let work_rx = Arc::new(Mutex::new(work_rx));
            let workers: Vec<_> = (0..threads.max(1))
                .map(|_| {
                    let (work_rx, done_tx) = (Arc::clone(&work_rx), done_tx.clone());
                    s.spawn(move || {
                        loop {
                            let job = match work_rx.lock() {
                                Ok(rx) => rx.recv(),
                                Err(_) => break,
                            };
                            let Ok(mut job) = job else { break };
                            job.out.clear();
                            job.totals = Totals::default();
                            let r = self
                                .chunk(&job.recs, &mut job.out, &mut job.totals)
                                .map(|()| job);
                            if done_tx.send(r).is_err() {
                                break;
                            }
                        }
                    })
                })
                .collect();
            drop((work_rx, done_tx));
            let written = (|| -> Result<()> {
                let mut pending = BTreeMap::new();
                let mut next = 0;
                for job in done_rx {
                    let job = job?;
                    pending.insert(job.seq, job);
                    while let Some(job) = pending.remove(&next) {
                        write(&job.out, &job.totals)?;
                        next += 1;
                        // The reader has stopped if this fails: nothing to do.
                        let _ = free_tx.send(job);
                    }
                }
                Ok(())
            })();
            // Whether or not writing failed, stop the threads before
            // reporting: dropping the free list stops the reader, and the
            // closed work queue then stops the workers.
            drop(free_tx);
            let mut panicked = false;
            for w in workers {
                panicked |= w.join().is_err();
            }
            let read = reader
                .join()
                .map_err(|_| anyhow::anyhow!("the classify reader thread panicked"))?;
            if panicked {
                bail!("a classify thread panicked");
            }
            written?;
            read
        })
    }
}

/// Classifies every row and writes the CSV (or JSON) with the added columns.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    let geo = GeoData::open(&global.data_dir)?;
    let def = args.definition.build(&geo)?;
    let input: Box<dyn Read + Send> = if args.file.as_os_str() == "-" {
        Box::new(io::stdin())
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
    let col = postcode_column(&args, &names)?;
    let sink: Box<dyn Write + '_> = match &args.output {
        Some(p) => {
            Box::new(File::create(p).with_context(|| format!("cannot create {}", p.display()))?)
        }
        None => Box::new(out),
    };
    let mut w = BufWriter::with_capacity(1 << 20, sink);
    let classifier = Classifier::new(&geo, &def);
    let ctx = Ctx {
        classifier: &classifier,
        col,
        names: &names,
        format: args.format,
    };
    let mut totals = Totals::default();
    let file = args.file.display().to_string();
    let mut read_batch = |batch: &mut Vec<csv::ByteRecord>| -> Result<usize> {
        let mut n = 0;
        while n < BATCH {
            if n == batch.len() {
                batch.push(csv::ByteRecord::new());
            }
            let more = rdr
                .read_byte_record(&mut batch[n])
                .with_context(|| format!("{file}: unreadable row"))?;
            if !more {
                break;
            }
            n += 1;
        }
        Ok(n)
    };
    match args.format {
        Format::Csv | Format::Json => {
            ctx.write_streamed(&header, &mut read_batch, &mut w, &mut totals)?;
        }
        Format::Table => ctx.write_table(&mut read_batch, &mut w, &mut totals)?,
    }
    w.flush()?;
    if !args.quiet {
        eprintln!("{}", summary(&totals, geo.deprivation.is_some()));
    }
    Ok(exit::OK)
}

/// The index of the postcode column in `names`: the one --postcode-column
/// names, or else the first of [`POSTCODE_NAMES`] found. Returns an error
/// naming the columns found and those accepted if there is none.
fn postcode_column(args: &Args, names: &[String]) -> Result<usize> {
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
    Ok(col)
}

/// Fills a batch with up to [`BATCH`] rows and returns how many it read;
/// a short batch is the last.
type ReadBatch<'r> = dyn FnMut(&mut Vec<csv::ByteRecord>) -> Result<usize> + Send + 'r;

impl Ctx<'_> {
    /// Writes the CSV (its header with the added columns, then the rows)
    /// or the JSON array, classifying on worker threads.
    fn write_streamed(
        &self,
        header: &csv::ByteRecord,
        read_batch: &mut ReadBatch<'_>,
        w: &mut dyn Write,
        totals: &mut Totals,
    ) -> Result<()> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        if self.format == Format::Csv {
            let mut cw = csv::WriterBuilder::new().from_writer(&mut *w);
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
        let json = self.format == Format::Json;
        self.pipeline(read_batch, threads, &mut |bytes, t| {
            totals.add(t);
            // The first JSON object is not preceded by a comma.
            let skip = usize::from(json && first && !bytes.is_empty());
            first &= bytes.is_empty();
            w.write_all(&bytes[skip..])?;
            Ok(())
        })?;
        if json {
            w.write_all(b"\n]\n")?;
        }
        Ok(())
    }

    /// Reads every row, classifies it on this thread and writes one
    /// aligned table.
    fn write_table(
        &self,
        read_batch: &mut ReadBatch<'_>,
        w: &mut dyn Write,
        totals: &mut Totals,
    ) -> Result<()> {
        let mut table_rows = Vec::new();
        let mut cells: Cells = Default::default();
        let mut batch = Vec::new();
        loop {
            let n = read_batch(&mut batch)?;
            for rec in &batch[..n] {
                self.cells(rec, &mut cells, totals);
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
        let headers: Vec<&str> = self.names.iter().map(String::as_str).chain(ADDED).collect();
        crate::output::write_table(&headers, &table_rows, &[], w)
    }
}

/// The totals line printed to standard error: rows by class, unknown rows
/// by reason, and rows without a deprivation figure (if a deprivation file
/// was imported).
fn summary(totals: &Totals, deprivation: bool) -> String {
    let join = |m: &BTreeMap<&str, u64>| {
        m.iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let by_class = Totals::by_name(&totals.by_class, &LocationClass::ALL, |c| c.as_str());
    let by_reason = Totals::by_name(&totals.by_reason, &REASONS, |r| r.as_str());
    let mut msg = format!("{} rows: {}", totals.rows, join(&by_class));
    if !by_reason.is_empty() {
        let _ = write!(msg, " (unknown: {})", join(&by_reason));
    }
    if deprivation {
        let _ = write!(
            msg,
            "; {} found without a deprivation figure",
            totals.no_imd
        );
    } else {
        msg.push_str("; no deprivation file imported");
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `csv_record` writes what the csv crate's writer writes, cells made
    /// safe as every other CSV writer makes them.
    #[test]
    fn csv_record_matches_the_csv_writer() {
        let fields: [&[u8]; 19] = [
            b"=HYPERLINK(\"http://x\",\"y\")",
            b"-12.50",
            b"@SUM(A1)",
            b"",
            b"plain",
            b"a,b",
            b"say \"hi\"",
            b"\"",
            b"line\nbreak",
            b"cr\rhere",
            b" lead and trail ",
            b"tab\there",
            b"'single'",
            b"#hash",
            "\u{a3}1,000 caf\u{e9}".as_bytes(),
            b"\\back",
            b";semi",
            b"\r\n",
            b",",
        ];
        for a in fields {
            for b in fields {
                for c in [&b""[..], b"x"] {
                    let rec = [a, b, c];
                    let mut ours = Vec::new();
                    csv_record(&mut ours, rec.iter().copied());
                    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
                    let text = rec.map(|f| String::from_utf8_lossy(f).into_owned());
                    w.write_record(socval_core::cell::safe_cells(text)).unwrap();
                    let theirs = w.into_inner().unwrap();
                    assert_eq!(
                        String::from_utf8_lossy(&ours),
                        String::from_utf8_lossy(&theirs),
                        "{rec:?}"
                    );
                }
            }
        }
    }
}
