//! Parsing a CSV payments file on every core.
//!
//! One thread reads the file in blocks, hashes it (SHA-256) and cuts it
//! into chunks at line ends, counting lines so each chunk knows the line it
//! starts on; worker threads parse chunks with the same [`RowParser`] as the
//! serial path; the calling thread hands the finished batches on in file
//! order, so the stored rows, their order and the first error reported are
//! those of a serial parse.
//!
//! A line end inside a quoted field is not a record boundary. A chunk is
//! known to start on a record boundary when the chunk before it ended on
//! one (the first chunk starts after the header), and a chunk that did not
//! end on one is recognised by its last record: the field left open runs to
//! the end of the chunk and so ends with that line end. When that happens
//! (or a single record is longer than [`MAX_RECORD`], or a total overflows)
//! the parse gives up with [`Parsed::Serial`] and the caller parses the
//! file serially. A quoted field that really ends with a line end gives the
//! same sign: such files are parsed serially too, correctly, only slower.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use sha2::{Digest, Sha256};

use socval_core::line::leading_line_feeds;

use crate::error::{Error, Result};
use crate::ledger::{Columns, ImportOptions, ParseSummary, RowParser, csv_header, tail_quotes};

/// Bytes read at a time; chunks are about this long.
pub(crate) const BLOCK: usize = 8 << 20;
/// A record longer than this (no line end in sight) makes the parse serial.
pub(crate) const MAX_RECORD: usize = 64 << 20;

/// The outcome of a parallel parse.
pub(crate) enum Parsed {
    /// Every line parsed: the summary and the file's SHA-256 (hex).
    Done(ParseSummary, String),
    /// The file cannot be cut safely: parse it serially.
    Serial,
}

struct Job {
    seq: u64,
    first_line: u64,
    bytes: Vec<u8>,
    last: bool,
}

enum Outcome {
    Batches(Vec<RecordBatch>),
    Failed(Error),
    /// The chunk did not end on a record boundary.
    Cut,
}

struct Done {
    seq: u64,
    outcome: Outcome,
    /// The chunk's buffer, for reuse.
    bytes: Vec<u8>,
}

/// Parses the CSV file at `path` on `threads` workers, in chunks of about
/// `block` bytes ([`BLOCK`]), calling `sink` with each finished batch in
/// file order.
///
/// Returns the first error in file order, like [`crate::parse_csv`], or
/// [`Parsed::Serial`] when the file must be parsed serially instead.
pub(crate) fn parse_csv_parallel(
    source: &str,
    path: &Path,
    opts: &ImportOptions,
    threads: usize,
    block: usize,
    mut sink: impl FnMut(RecordBatch) -> Result<()>,
) -> Result<Parsed> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hash = Sha256::new();
    // The header record, read serially.
    let mut buf = Vec::with_capacity(block);
    let mut eof = false;
    let (headers, end, header_lines) = loop {
        if let Some(h) = csv_header(source, &buf)? {
            // A header that reaches the end of what has been read may be
            // cut inside a quoted field: read on.
            if h.1 < buf.len() || eof {
                break h;
            }
        }
        if eof || buf.len() > MAX_RECORD {
            // An empty file, a header without a line end or an endless
            // header: the serial parser says what is wrong, if anything.
            return Ok(Parsed::Serial);
        }
        eof = read_block(&mut file, &mut buf, block, &mut hash).map_err(|e| Error::io(path, e))?;
    };
    let cols = Columns::resolve(source, &headers, opts)?;
    let carry = buf.split_off(end);

    let threads = threads.max(1);
    let in_flight = 2 * threads + 2;
    let stop = AtomicBool::new(false);
    let (job_tx, job_rx) = sync_channel::<Job>(threads);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = channel::<Done>();
    // A token lets the reader cut one more chunk; it carries a spent
    // chunk's buffer back for reuse.
    let (token_tx, token_rx) = channel::<Vec<u8>>();
    for _ in 0..in_flight {
        token_tx.send(Vec::new()).expect("the receiver is alive");
    }
    std::thread::scope(|scope| {
        let stop = &stop;
        let reader = scope.spawn(move || {
            let r = read_chunks(
                &mut file,
                block,
                carry,
                eof,
                header_lines + 1,
                hash,
                &job_tx,
                &token_rx,
                stop,
            );
            drop(job_tx);
            r.map_err(|e| Error::io(path, e))
        });
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (job_rx, done_tx, cols) = (Arc::clone(&job_rx), done_tx.clone(), cols.clone());
                scope.spawn(move || work(source, cols, opts, &job_rx, &done_tx, stop))
            })
            .collect();
        // Only the workers hold the job queue: when they stop, the reader's
        // next send fails instead of waiting for ever.
        drop(job_rx);
        drop(done_tx);
        let collected = collect(done_rx, token_tx, &mut sink);
        if collected.is_err() || matches!(collected, Ok(None)) {
            stop.store(true, Ordering::Relaxed);
        }
        let read = reader.join().unwrap_or_else(|_| {
            Err(Error::io(
                path,
                std::io::Error::other("the reader panicked"),
            ))
        });
        let summaries: Vec<ParseSummary> = workers
            .into_iter()
            .map(|w| w.join().expect("a parse worker panicked"))
            .collect();
        // A parse error first: it names the line to fix.
        let chunks = match collected? {
            Some(n) => n,
            None => return Ok(Parsed::Serial),
        };
        let (sha, total_chunks) = match read? {
            Some(r) => r,
            None => return Ok(Parsed::Serial),
        };
        if chunks != total_chunks {
            return Err(Error::io(
                path,
                std::io::Error::other("a chunk of the file was not parsed"),
            ));
        }
        Ok(match merge(&cols, opts, source, summaries) {
            Some(s) => Parsed::Done(s, sha),
            None => Parsed::Serial,
        })
    })
}

/// Appends up to `block` bytes of `file` to `buf`, hashing them. Returns
/// true at the end of the file.
fn read_block(
    file: &mut File,
    buf: &mut Vec<u8>,
    block: usize,
    hash: &mut Sha256,
) -> std::io::Result<bool> {
    let start = buf.len();
    buf.reserve(block);
    // `read_to_end` fills the spare capacity without zeroing it first.
    let n = file.by_ref().take(block as u64).read_to_end(buf)?;
    hash.update(&buf[start..]);
    Ok(n < block)
}

/// The reader: cuts the data after the header into chunks ending at a line
/// end. Returns the file's hash and the number of chunks, or `None` if a
/// record is too long or the parse was stopped.
#[allow(clippy::too_many_arguments)]
fn read_chunks(
    file: &mut File,
    block: usize,
    mut carry: Vec<u8>,
    mut eof: bool,
    mut first_line: u64,
    mut hash: Sha256,
    jobs: &SyncSender<Job>,
    tokens: &Receiver<Vec<u8>>,
    stop: &AtomicBool,
) -> std::io::Result<Option<(String, u64)>> {
    let mut seq = 0;
    loop {
        while !eof && carry.len() < block {
            eof = read_block(file, &mut carry, block, &mut hash)?;
        }
        let cut = if eof {
            carry.len()
        } else {
            match carry.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None if carry.len() > MAX_RECORD => return Ok(None),
                None => {
                    eof = read_block(file, &mut carry, block, &mut hash)?;
                    continue;
                }
            }
        };
        let Ok(mut rest) = tokens.recv() else {
            return Ok(None);
        };
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        rest.clear();
        rest.extend_from_slice(&carry[cut..]);
        carry.truncate(cut);
        let bytes = std::mem::replace(&mut carry, rest);
        let lines = count_line_feeds(&bytes);
        if !bytes.is_empty() {
            let job = Job {
                seq,
                first_line,
                bytes,
                last: eof && carry.is_empty(),
            };
            if jobs.send(job).is_err() {
                return Ok(None);
            }
            seq += 1;
        }
        first_line += lines;
        if eof && carry.is_empty() {
            // Read to the end: the hash covers the whole file.
            return Ok(Some((hex::encode(hash.finalize()), seq)));
        }
    }
}

/// The line feeds in `bytes`, counted in runs short enough for a byte
/// counter, which the compiler turns into vector instructions.
fn count_line_feeds(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|c| u64::from(c.iter().map(|&b| u8::from(b == b'\n')).sum::<u8>()))
        .sum()
}

/// A parse worker: parses chunks until there are none, returning the sums
/// of every line it parsed.
fn work(
    source: &str,
    cols: Columns,
    opts: &ImportOptions,
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<Done>,
    stop: &AtomicBool,
) -> ParseSummary {
    let mut p = RowParser::new(source, cols, opts);
    loop {
        let job = match jobs.lock().map(|rx| rx.recv()) {
            Ok(Ok(job)) => job,
            _ => break,
        };
        if stop.load(Ordering::Relaxed) {
            continue;
        }
        let outcome = parse_chunk(source, &mut p, &job);
        if done
            .send(Done {
                seq: job.seq,
                outcome,
                bytes: job.bytes,
            })
            .is_err()
        {
            break;
        }
    }
    p.summary
}

fn parse_chunk(source: &str, p: &mut RowParser, job: &Job) -> Outcome {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&job.bytes[..]);
    let mut r = csv::ByteRecord::new();
    let mut out = Vec::new();
    // The last record of a chunk that is not the file's last must not
    // have run into the chunk's end inside a quoted field.
    let cut = |rdr: &csv::Reader<&[u8]>, r: &csv::ByteRecord| {
        !job.last
            && rdr.position().byte() as usize == job.bytes.len()
            && r.iter()
                .next_back()
                .is_some_and(|f| matches!(f.last(), Some(b'\n' | b'\r')))
    };
    // The record read and the one before (the file's last, at the end).
    let mut last = csv::ByteRecord::new();
    let mut last_line = 0;
    loop {
        match rdr.read_byte_record(&mut r) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Outcome::Failed(Error::Csv {
                    source_name: source.to_string(),
                    line: job.first_line + e.position().map(|p| p.line()).unwrap_or(1) - 1,
                    reason: e.to_string(),
                });
            }
        }
        let (start, byte) = r.position().map_or((0, 0), |p| (p.line(), p.byte()));
        // A record ended by a lone CR (old Mac line ends): the csv crate
        // counts line feeds, so the serial parser numbers such lines.
        let end = rdr.position().byte() as usize;
        if end > 0 && job.bytes[end - 1] == b'\r' && job.bytes.get(end).is_some_and(|&b| b != b'\n')
        {
            return Outcome::Cut;
        }
        let line = job.first_line + start - 1 + leading_line_feeds(&job.bytes[byte as usize..]);
        let checked = if rdr.position().line() != start + 1 {
            p.check_spanning(line, &r)
        } else {
            Ok(())
        };
        match checked.and_then(|()| p.push_record(line, &r)) {
            Ok(Some(b)) => out.push(b),
            Ok(None) => {}
            Err(_) if cut(&rdr, &r) => return Outcome::Cut,
            Err(e) => return Outcome::Failed(e),
        }
        if cut(&rdr, &r) {
            return Outcome::Cut;
        }
        std::mem::swap(&mut r, &mut last);
        last_line = line;
    }
    if job.last
        && let Err(e) = p.check_last(last_line, &last, tail_quotes(&job.bytes))
    {
        return Outcome::Failed(e);
    }
    if let Some(b) = p.finish() {
        out.push(b);
    }
    Outcome::Batches(out)
}

/// Hands batches to `sink` in chunk order. Returns the number of chunks,
/// `None` if one was cut inside a quoted field, or the first error in file
/// order.
fn collect(
    done: Receiver<Done>,
    tokens: Sender<Vec<u8>>,
    sink: &mut impl FnMut(RecordBatch) -> Result<()>,
) -> Result<Option<u64>> {
    let mut waiting: BTreeMap<u64, (Outcome, Vec<u8>)> = BTreeMap::new();
    let mut next = 0;
    for d in done {
        waiting.insert(d.seq, (d.outcome, d.bytes));
        while let Some((o, bytes)) = waiting.remove(&next) {
            match o {
                Outcome::Batches(batches) => {
                    for b in batches {
                        sink(b)?;
                    }
                }
                Outcome::Failed(e) => return Err(e),
                Outcome::Cut => return Ok(None),
            }
            next += 1;
            // The reader may read one more chunk.
            let _ = tokens.send(bytes);
        }
    }
    Ok(Some(next))
}

/// The sums of every worker. `None` if a total overflows (the serial parse
/// then names the line).
fn merge(
    cols: &Columns,
    opts: &ImportOptions,
    source: &str,
    parts: Vec<ParseSummary>,
) -> Option<ParseSummary> {
    let mut s = RowParser::new(source, cols.clone(), opts).summary;
    for p in parts {
        s.lines += p.lines;
        s.rows += p.rows;
        s.blank_amount_lines += p.blank_amount_lines;
        s.redacted_rows += p.redacted_rows;
        s.credit_notes += p.credit_notes;
        s.total_pence = s.total_pence.checked_add(p.total_pence)?;
        for (fy, y) in p.years {
            let e = s.years.entry(fy).or_default();
            e.rows += y.rows;
            e.pence = e.pence.checked_add(y.pence)?;
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Int32Type, Int64Type};
    use arrow_array::{Array, StringArray};

    use super::*;
    use crate::ledger::{BlankAmount, parse_csv};
    use crate::{GenerateOptions, generate};

    /// Every stored row as text, batch boundaries and dictionaries aside.
    fn rows(batches: &[RecordBatch]) -> Vec<String> {
        let mut out = Vec::new();
        for b in batches {
            let text = |c: usize, i: usize| -> String {
                let d = b.column(c).as_dictionary::<Int32Type>();
                if d.is_null(i) {
                    return "∅".into();
                }
                let v = d.values().as_any().downcast_ref::<StringArray>().unwrap();
                v.value(d.keys().value(i) as usize).to_string()
            };
            for i in 0..b.num_rows() {
                out.push(format!(
                    "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
                    b.column(0).as_primitive::<Date32Type>().value(i),
                    text(1, i),
                    b.column(2).as_primitive::<Int64Type>().value(i),
                    text(3, i),
                    b.column(4).as_boolean().value(i),
                    text(5, i),
                    text(6, i),
                    text(7, i),
                    text(8, i),
                    text(9, i),
                    b.column(10).as_primitive::<Int32Type>().value(i),
                ));
            }
        }
        out
    }

    fn serial(bytes: &[u8], opts: &ImportOptions) -> Result<(ParseSummary, Vec<String>)> {
        let mut batches = Vec::new();
        let s = parse_csv("t.csv", bytes, opts, |b| {
            batches.push(b);
            Ok(())
        })?;
        Ok((s, rows(&batches)))
    }

    fn parallel(
        bytes: &[u8],
        opts: &ImportOptions,
        threads: usize,
        block: usize,
    ) -> Result<Option<(ParseSummary, String, Vec<String>)>> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        let mut batches = Vec::new();
        let p = parse_csv_parallel("t.csv", f.path(), opts, threads, block, |b| {
            batches.push(b);
            Ok(())
        })?;
        Ok(match p {
            Parsed::Done(s, sha) => Some((s, sha, rows(&batches))),
            Parsed::Serial => None,
        })
    }

    fn same_summary(a: &ParseSummary, b: &ParseSummary) {
        assert_eq!(
            (a.lines, a.rows, a.blank_amount_lines, a.redacted_rows),
            (b.lines, b.rows, b.blank_amount_lines, b.redacted_rows)
        );
        assert_eq!(
            (a.credit_notes, a.total_pence),
            (b.credit_notes, b.total_pence)
        );
        assert_eq!(a.years, b.years);
        assert_eq!(a.columns, b.columns);
    }

    fn same_rows(got: &[String], want: &[String], what: &str) {
        if let Some(i) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
            panic!(
                "{what}: row {i} differs: {:?} instead of {:?}",
                got.get(i),
                want.get(i)
            );
        }
    }

    fn ledger() -> Vec<u8> {
        let opts = GenerateOptions {
            payments: 3000,
            suppliers: 200,
            seed: 3,
            ..Default::default()
        };
        let mut p = Vec::new();
        generate(&opts, &["S60 2TH".into()], &mut p, Vec::new()).unwrap();
        // Lines the generator never writes: CRLF, Latin-1, a blank amount,
        // a blank line, a short line, a doubled quote.
        p.extend_from_slice(b"2019-05-01,12.00,PLACE,Caf\xe9 Ltd,,\r\n");
        p.extend_from_slice(b"2019-05-02,,PLACE,Nobody Ltd,,\r\n\r\n");
        p.extend_from_slice(b"2019-05-03,7,PEOPLE,\"Say \"\"Hi\"\" Ltd\"\n");
        p.extend_from_slice(b"02/05/2019,3.5,PEOPLE,Last Ltd");
        p
    }

    #[test]
    fn chunked_parse_stores_what_a_serial_parse_stores() {
        let bytes = ledger();
        let opts = ImportOptions {
            blank_amount: BlankAmount::Skip,
            ..Default::default()
        };
        let (want, want_rows) = serial(&bytes, &opts).unwrap();
        assert_eq!(want.rows, 3003);
        for (threads, block) in [(1, 1 << 20), (2, 4096), (3, 1000), (4, 97)] {
            let (got, sha, got_rows) = parallel(&bytes, &opts, threads, block)
                .unwrap()
                .expect("no quoted line ends: no serial fallback");
            same_summary(&got, &want);
            same_rows(
                &got_rows,
                &want_rows,
                &format!("{threads} threads, block {block}"),
            );
            assert_eq!(sha, hex::encode(Sha256::digest(&bytes)));
        }
    }

    #[test]
    fn the_first_bad_line_in_the_file_is_reported_with_its_number() {
        let mut bytes = ledger();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        // Two bad lines far apart: chunks after the first finish earlier.
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let l = match i + 1 {
                1234 => "2019-04-01,12.345,PLACE,Bad Ltd,,".to_string(),
                2800 => "31/02/2019,1,PLACE,Worse Ltd,,".to_string(),
                _ => l.to_string(),
            };
            out.push(l);
        }
        bytes = out.join("\n").into_bytes();
        let opts = ImportOptions {
            blank_amount: BlankAmount::Skip,
            ..Default::default()
        };
        let want = serial(&bytes, &opts).unwrap_err().to_string();
        assert!(
            want.starts_with("t.csv, line 1234, column B (Amount)"),
            "{want}"
        );
        for (threads, block) in [(2, 4096), (3, 500)] {
            let got = parallel(&bytes, &opts, threads, block).unwrap_err();
            assert_eq!(got.to_string(), want);
        }
    }

    #[test]
    fn a_line_end_inside_quotes_is_never_a_cut() {
        let mut bytes = b"Date,Amount,Supplier,Service\n".to_vec();
        for i in 0..200 {
            bytes.extend_from_slice(
                format!(
                    "2019-06-{:02},{i}.00,\"Two\nLine {i} Ltd\",\"A\nB\"\n",
                    i % 28 + 1
                )
                .as_bytes(),
            );
        }
        bytes.extend_from_slice(b"2019-06-01,bad,X,Y\n");
        let opts = ImportOptions::default();
        let want = serial(&bytes, &opts).unwrap_err().to_string();
        assert!(want.contains("line 602,"), "{want}");
        let mut fell_back = 0;
        for block in [16, 50, 64, 100, 333, 1000, 4096, 1 << 20] {
            match parallel(&bytes, &opts, 2, block) {
                Ok(None) => fell_back += 1,
                Ok(Some(_)) => panic!("the bad line was not reported (block {block})"),
                // Only when no cut fell inside a quoted field.
                Err(e) => assert_eq!(e.to_string(), want, "block {block}"),
            }
        }
        assert!(fell_back > 0);
        // Without the bad line every outcome is serial's rows or a fallback.
        bytes.truncate(bytes.len() - b"2019-06-01,bad,X,Y\n".len());
        let (want, want_rows) = serial(&bytes, &opts).unwrap();
        for block in [16, 50, 64, 100, 333, 1000, 4096, 1 << 20] {
            if let Some((got, _, got_rows)) = parallel(&bytes, &opts, 2, block).unwrap() {
                same_summary(&got, &want);
                same_rows(&got_rows, &want_rows, &format!("block {block}"));
            }
        }
    }

    #[test]
    fn a_quote_left_open_is_reported_as_a_serial_parse_reports_it() {
        let mut bytes = ledger();
        bytes.extend_from_slice(b"\n2019-05-03,7,PEOPLE,\"Open Ltd\n2019-05-03,7,PEOPLE,B\n");
        let opts = ImportOptions {
            blank_amount: BlankAmount::Skip,
            ..Default::default()
        };
        let want = serial(&bytes, &opts).unwrap_err().to_string();
        assert!(
            want.starts_with("t.csv, line 3007: a quoted field opens on this line"),
            "{want}"
        );
        for block in [64, 4096, 1 << 20] {
            match parallel(&bytes, &opts, 2, block) {
                Ok(None) => {}
                Ok(Some(_)) => panic!("the open quote was not reported (block {block})"),
                Err(e) => assert_eq!(e.to_string(), want, "block {block}"),
            }
        }
    }

    #[test]
    fn odd_files_are_left_to_the_serial_parser() {
        let opts = ImportOptions::default();
        for bytes in [&b""[..], b"Date,Amount,Supplier"] {
            assert!(parallel(bytes, &opts, 2, 8).unwrap().is_none());
        }
        // Old Mac line ends (CR only): the serial parser numbers their
        // lines.
        let cr = b"Date,Amount,Supplier\r2019-01-01,1,A\r2019-01-02,2,B\r";
        assert!(parallel(cr, &opts, 2, 8).unwrap().is_none());
        let (s, _, rows) = parallel(b"Date,Amount,Supplier\n", &opts, 2, 8)
            .unwrap()
            .unwrap();
        assert_eq!((s.lines, rows.len()), (0, 0));
        // A quoted line end in the header, wherever the first reads stop.
        let text = b"Date,Amount,Supplier,\"Notes\nmore\"\n2019-01-01,1,A,x\n2019-01-02,x,B,y\n";
        let want = serial(text, &opts).unwrap_err().to_string();
        assert!(want.contains("line 4, column B"), "{want}");
        for block in 1..text.len() + 2 {
            let got = parallel(text, &opts, 2, block).unwrap_err().to_string();
            assert_eq!(got, want, "block {block}");
        }
        let e = parallel(b"When,Amount,Supplier\n2019-01-01,1,A\n", &opts, 2, 8).unwrap_err();
        assert!(e.to_string().contains("no column for date"), "{e}");
    }
}
