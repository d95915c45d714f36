//! The spend area of the data directory: one immutable Parquet file per
//! imported payments file, plus the supplier register and overrides.
//!
//! ```text
//! <data-dir>/spend/payments/<sha256 prefix>.parquet   one per import
//! <data-dir>/spend/suppliers.csv                      the register
//! <data-dir>/spend/overrides.csv                      location overrides
//! ```
//!
//! An import is parsed and written to a hidden temporary file, and renamed
//! into place only when every file of the command has been read without
//! error, so nothing is ever half-imported.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::{RecordBatch, new_null_array};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnPath;
use serde::Serialize;
use sha2::{Digest, Sha256};
use socval_core::{FinancialYear, Gbp};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::journal::{self, Change, ChangeKind, Recorded, Recovery, Step};
use crate::ledger::{ImportOptions, ParseSummary, parse_csv};
use crate::pipeline::{BLOCK, Parsed, parse_csv_parallel};
use crate::schema::{PAYMENTS_SCHEMA, col, payments_schema};
use crate::sheet::parse_spreadsheet;
use crate::writer::PaymentsWriter;

/// One stored import, as described by its Parquet metadata.
#[derive(Clone, Debug, Serialize)]
pub struct ImportInfo {
    /// The Parquet file.
    pub path: PathBuf,
    /// The source file's name (without its folder).
    pub source: String,
    /// SHA-256 of the source file's bytes.
    pub sha256: String,
    /// Data lines in the source.
    pub lines: u64,
    /// Payments stored.
    pub rows: u64,
    /// Lines with no amount.
    pub blank_amount_lines: u64,
    /// The policy applied to them: `error`, `skip` or `zero`.
    pub blank_amount: String,
    /// Payments to redacted names.
    pub redacted_rows: u64,
    /// Payments below zero.
    pub credit_notes: u64,
    /// Sum of the payments.
    pub total_gbp: Gbp,
    /// Payments and £ per financial year.
    pub years: BTreeMap<String, YearInfo>,
}

/// Payments and £ in one financial year of one import.
#[derive(Clone, Copy, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct YearInfo {
    /// Payments.
    pub rows: u64,
    /// Their sum.
    pub gbp: Gbp,
}

/// The spend area of a data directory.
#[derive(Clone, Debug)]
pub struct SpendStore {
    root: PathBuf,
}

struct HashingReader<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// A parsed file waiting in its temporary name.
struct Pending {
    tmp: PathBuf,
    info: ImportInfo,
}

/// Removes temporary files unless disarmed.
struct TmpGuard(Vec<PathBuf>);

impl Drop for TmpGuard {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = fs::remove_file(p);
        }
    }
}

static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

/// A number unique within this process, for temporary names.
pub(crate) fn next_seq() -> u64 {
    TMP_SEQ.fetch_add(1, Ordering::Relaxed)
}

/// Rows per row group.
const ROW_GROUP_ROWS: usize = 1024 * 1024;

/// The properties of the columns arrow-rs encodes (dates, amounts, the
/// redaction flag, lines); [`PaymentsWriter`] encodes the string columns
/// itself, with ZSTD(1) and chunk statistics from their dictionaries.
fn writer_props() -> WriterProperties {
    let b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).expect("level 1 is valid"),
        ))
        // Statistics per column chunk, no page indexes: the string columns
        // have none, and a file is read whole.
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_offset_index_disabled(true);
    // Amounts and line numbers are nearly all distinct: a dictionary of
    // them is as large as the column and costs a hash per row. Lines rise
    // by one, which delta encoding stores in a few bits.
    b.set_column_dictionary_enabled(ColumnPath::from(col::AMOUNT_PENCE), false)
        .set_column_dictionary_enabled(ColumnPath::from(col::SOURCE_LINE), false)
        .set_column_encoding(
            ColumnPath::from(col::SOURCE_LINE),
            Encoding::DELTA_BINARY_PACKED,
        )
        .build()
}

impl SpendStore {
    /// The spend area under `data_dir` (created when first written).
    pub fn new(data_dir: &Path) -> Self {
        SpendStore {
            root: data_dir.join("spend"),
        }
    }

    /// The spend area of one organisation of the portal:
    /// `<data-dir>/spend/orgs/<slug>`, with the same layout as [`SpendStore::new`]'s.
    ///
    /// The slug is lower-cased (the portal's slugs are case-insensitive) and
    /// any byte other than `a-z`, `0-9`, `-` and `_` is written as `%XX`, so a
    /// slug can never name a path outside that folder (`..`, `/`) and two
    /// different slugs never share an area.
    ///
    /// ```
    /// # use std::path::Path;
    /// let s = socval_spend::SpendStore::for_org(Path::new("data"), "Rotherham");
    /// assert_eq!(s.root(), Path::new("data/spend/orgs/rotherham"));
    /// let s = socval_spend::SpendStore::for_org(Path::new("data"), "../x y");
    /// assert_eq!(s.root(), Path::new("data/spend/orgs/%2E%2E%2Fx%20y"));
    /// ```
    pub fn for_org(data_dir: &Path, slug: &str) -> Self {
        let mut dir = String::new();
        for b in slug.trim().to_lowercase().bytes() {
            if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' {
                dir.push(b as char);
            } else {
                dir.push_str(&format!("%{b:02X}"));
            }
        }
        if dir.is_empty() {
            dir.push('%');
        }
        SpendStore {
            root: data_dir.join("spend").join("orgs").join(dir),
        }
    }

    /// `<data-dir>/spend`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where imports are kept.
    pub fn payments_dir(&self) -> PathBuf {
        self.root.join("payments")
    }

    /// The stored supplier register.
    pub fn suppliers_path(&self) -> PathBuf {
        self.root.join("suppliers.csv")
    }

    /// Reads `file` as a supplier register and writes it, normalised, to a
    /// temporary file beside the area's register, which [`Change::commit`]
    /// puts in place (whole: a reader never sees half a register). `source`
    /// names the file in errors.
    ///
    /// Returns an error naming the file, line and column of a bad row (a
    /// missing name, a flag that is not yes/no, a duplicated id); the
    /// area's register is then unchanged.
    pub fn stage_register(
        &self,
        source: &str,
        file: &Path,
        at: OffsetDateTime,
    ) -> Result<Change<RegisterInfo>> {
        let bytes = fs::read(file).map_err(|e| Error::io(file, e))?;
        let suppliers = crate::SupplierRegister::read_suppliers(source, &bytes[..])?;
        // Indexing refuses what reading alone lets through.
        crate::SupplierRegister::new(suppliers.clone(), Vec::new())?;
        let info = RegisterInfo {
            suppliers: suppliers.len() as u64,
            with_postcode: suppliers.iter().filter(|s| s.postcode.is_some()).count() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
        };
        let sha = info.sha256.clone();
        self.stage(
            ChangeKind::Register,
            sha,
            at,
            self.suppliers_path(),
            info,
            |w| crate::SupplierRegister::write_suppliers(&suppliers, w),
        )
    }

    /// Reads `file` as location overrides and stages it as
    /// [`SpendStore::stage_register`] does the register.
    ///
    /// Returns an error naming the file, line and column of a bad row (no
    /// supplier, postcode or reason).
    pub fn stage_overrides(
        &self,
        source: &str,
        file: &Path,
        at: OffsetDateTime,
    ) -> Result<Change<OverridesInfo>> {
        let bytes = fs::read(file).map_err(|e| Error::io(file, e))?;
        let overrides = crate::SupplierRegister::read_overrides(source, &bytes[..])?;
        let info = OverridesInfo {
            overrides: overrides.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
        };
        let sha = info.sha256.clone();
        self.stage(
            ChangeKind::Overrides,
            sha,
            at,
            self.overrides_path(),
            info,
            |w| crate::SupplierRegister::write_overrides(&overrides, w),
        )
    }

    /// Writes a file destined for `dest` to a temporary name beside it, as
    /// a change of `kind` of the source file `sha256` prepared `at`.
    fn stage<T>(
        &self,
        kind: ChangeKind,
        sha256: String,
        at: OffsetDateTime,
        dest: PathBuf,
        info: T,
        write: impl FnOnce(&mut std::io::BufWriter<File>) -> Result<()>,
    ) -> Result<Change<T>> {
        let lock = journal::lock(&self.root)?;
        let tmp = dest.with_extension(format!("{}-{}.tmp", std::process::id(), next_seq()));
        let mut guard = TmpGuard(vec![tmp.clone()]);
        let f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let mut w = std::io::BufWriter::new(f);
        write(&mut w)?;
        let f = w
            .into_inner()
            .map_err(|e| Error::io(&tmp, e.into_error()))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        let step = Step::Put {
            tmp: self.relative(&tmp),
            dest: self.relative(&dest),
        };
        let change = Change::prepare(
            &self.root,
            lock,
            kind,
            vec![sha256],
            at.unix_timestamp(),
            vec![step],
            info,
        )?;
        guard.0.clear();
        Ok(change)
    }

    /// `path` relative to the area's root (every file of the area is in it).
    fn relative(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.root).unwrap_or(path).to_owned()
    }

    /// Finishes or undoes the changes a crash interrupted (see
    /// [`crate::journal`]), given the changes the audit log has, and removes
    /// temporary files left behind. Run it before using an area that the
    /// audit log covers (the portal does for every organisation on start).
    ///
    /// Returns an error if a file cannot be read, renamed or removed.
    pub fn recover(&self, recorded: &[Recorded]) -> Result<Recovery> {
        if !self.root.exists() {
            return Ok(Recovery::default());
        }
        let _lock = journal::lock(&self.root)?;
        journal::recover(&self.root, &["payments"], recorded)
    }

    /// The stored location overrides.
    pub fn overrides_path(&self) -> PathBuf {
        self.root.join("overrides.csv")
    }

    /// The Parquet files of every import, sorted by name.
    pub fn payment_files(&self) -> Result<Vec<PathBuf>> {
        let dir = self.payments_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        let mut files = Vec::new();
        for e in entries {
            let p = e.map_err(|e| Error::io(&dir, e))?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.ends_with(".parquet") && !name.starts_with('.') {
                files.push(p);
            }
        }
        files.sort();
        Ok(files)
    }

    /// Every import, read from the Parquet metadata.
    pub fn imports(&self) -> Result<Vec<ImportInfo>> {
        self.payment_files()?.iter().map(|p| read_info(p)).collect()
    }

    /// Imports payments files (CSV, or XLSX/XLS/ODS by extension),
    /// all-or-nothing: if any file has a bad line, or was imported before
    /// (same content, or same file name) and `replace` is false, nothing is
    /// stored. With `replace`, earlier imports with the same content or the
    /// same file name are replaced.
    ///
    /// For an area the audit log covers, use [`SpendStore::prepare_import`],
    /// record the change, then commit it.
    pub fn import(
        &self,
        files: &[PathBuf],
        opts: &ImportOptions,
        replace: bool,
    ) -> Result<Vec<ImportInfo>> {
        self.prepare_import(files, opts, replace, OffsetDateTime::now_utc())?
            .commit()
    }

    /// Reads and checks payments files as [`SpendStore::import`] does and
    /// writes them beside the area's, as a change prepared `at` that
    /// [`Change::commit`] puts in place (see [`crate::journal`]). The
    /// returned infos name the files as they will be once committed.
    pub fn prepare_import(
        &self,
        files: &[PathBuf],
        opts: &ImportOptions,
        replace: bool,
        at: OffsetDateTime,
    ) -> Result<Change<Vec<ImportInfo>>> {
        let lock = journal::lock(&self.root)?;
        let dir = self.payments_dir();
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let existing = self.imports()?;
        let mut guard = TmpGuard(Vec::new());
        let mut pending: Vec<Pending> = Vec::new();
        for path in files {
            let tmp = dir.join(format!(
                ".import-{}-{}.parquet.tmp",
                std::process::id(),
                next_seq()
            ));
            guard.0.push(tmp.clone());
            let info = write_import(path, &tmp, opts)?;
            let clash = |i: &ImportInfo| i.sha256 == info.sha256;
            if let Some(prev) = pending.iter().find(|p| clash(&p.info)) {
                return Err(Error::AlreadyImported {
                    source_name: path.display().to_string(),
                    sha256: info.sha256.clone(),
                    existing: PathBuf::from(&prev.info.source),
                });
            }
            if !replace {
                if let Some(prev) = existing.iter().find(|i| clash(i)) {
                    return Err(Error::AlreadyImported {
                        source_name: path.display().to_string(),
                        sha256: info.sha256,
                        existing: prev.path.clone(),
                    });
                }
                if let Some(prev) = existing.iter().find(|i| i.source == info.source) {
                    return Err(Error::SameNameImported {
                        source_name: info.source,
                        existing: prev.path.clone(),
                    });
                }
            }
            pending.push(Pending { tmp, info });
        }
        let mut steps = Vec::new();
        let mut done = Vec::new();
        for p in pending {
            let target = dir.join(format!("{}.parquet", &p.info.sha256[..16]));
            steps.push(Step::Put {
                tmp: self.relative(&p.tmp),
                dest: self.relative(&target),
            });
            if replace {
                for old in existing
                    .iter()
                    .filter(|i| i.source == p.info.source || i.sha256 == p.info.sha256)
                {
                    if old.path != target {
                        steps.push(Step::Remove {
                            path: self.relative(&old.path),
                        });
                    }
                }
            }
            done.push(ImportInfo {
                path: target,
                ..p.info
            });
        }
        let sha = done.iter().map(|i| i.sha256.clone()).collect();
        let change = Change::prepare(
            &self.root,
            lock,
            ChangeKind::Import,
            sha,
            at.unix_timestamp(),
            steps,
            done,
        )?;
        guard.0.clear();
        Ok(change)
    }

    /// Reads `columns` of every import, batch by batch.
    pub fn scan(
        &self,
        columns: &[&str],
        mut f: impl FnMut(&RecordBatch) -> Result<()>,
    ) -> Result<()> {
        for path in self.payment_files()? {
            scan_file(&path, columns, &mut f)?;
        }
        Ok(())
    }
}

/// Reads `columns` of one Parquet file, batch by batch.
pub fn scan_file(
    path: &Path,
    columns: &[&str],
    f: &mut dyn FnMut(&RecordBatch) -> Result<()>,
) -> Result<()> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| Error::parquet(path, e))?;
    let schema = b.schema().clone();
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| schema.index_of(c).map_err(|e| Error::parquet(path, e)))
        .collect::<Result<_>>()?;
    // A column the import recorded as holding no value is not decoded
    // (arrow-rs rebuilds an all-null dictionary column row by row, which
    // took more than half the analysis time): each batch gets a column of
    // nulls in its place.
    let null_columns: Vec<&str> = b
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kvs| kvs.iter().find(|kv| kv.key == NULL_COLUMNS))
        .and_then(|kv| kv.value.as_deref())
        .map(|v| v.split(',').filter(|c| !c.is_empty()).collect())
        .unwrap_or_default();
    let mut idx = idx;
    idx.sort_unstable();
    idx.dedup();
    // The batch's schema: the requested columns in file order.
    let out_schema = Arc::new(schema.project(&idx).map_err(|e| Error::parquet(path, e))?);
    let decoded: Vec<usize> = idx
        .iter()
        .copied()
        .filter(|&i| !null_columns.contains(&schema.field(i).name().as_str()))
        .collect();
    let mask = ProjectionMask::roots(b.parquet_schema(), decoded.iter().copied());
    let fill = decoded.len() < idx.len();
    let reader = b
        .with_projection(mask)
        .with_batch_size(64 * 1024)
        .build()
        .map_err(|e| Error::parquet(path, e))?;
    // Decoding (decompression, dictionaries) runs on a thread of its own
    // while the caller's `f` works through the previous batches: the
    // analyses then use two cores instead of one. Batches arrive in file
    // order; a few are in flight at most.
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        scope.spawn(move || {
            for batch in reader {
                let stop = batch.is_err();
                if tx.send(batch).is_err() || stop {
                    break;
                }
            }
        });
        // Returning early drops `rx`, which ends the decoding thread at its
        // next send.
        for batch in rx {
            let mut batch = batch.map_err(|e| Error::parquet(path, e))?;
            if fill {
                let n = batch.num_rows();
                let cols = out_schema
                    .fields()
                    .iter()
                    .map(|field| match batch.column_by_name(field.name()) {
                        Some(c) => Arc::clone(c),
                        None => new_null_array(field.data_type(), n),
                    })
                    .collect();
                batch = RecordBatch::try_new(Arc::clone(&out_schema), cols)
                    .map_err(|e| Error::parquet(path, e))?;
            }
            f(&batch)?;
        }
        Ok(())
    })
}

fn write_import(path: &Path, tmp: &Path, opts: &ImportOptions) -> Result<ImportInfo> {
    // A CSV file is parsed on every core; one that cannot safely be cut at
    // record boundaries (a quoted field with a line end) is parsed again
    // serially.
    match write_import_with(path, tmp, opts, true)? {
        Some(info) => Ok(info),
        None => write_import_with(path, tmp, opts, false)?
            .ok_or_else(|| Error::parquet(tmp, "the serial parse gave up")),
    }
}

fn write_import_with(
    path: &Path,
    tmp: &Path,
    opts: &ImportOptions,
    parallel: bool,
) -> Result<Option<ImportInfo>> {
    let source = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let display = path.display().to_string();
    let file = File::create(tmp).map_err(|e| Error::io(tmp, e))?;
    let writer = PaymentsWriter::try_new(file, payments_schema(), writer_props(), ROW_GROUP_ROWS)
        .map_err(|e| Error::parquet(tmp, e))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    // Parsing and Parquet encoding (compression) run on their own threads.
    let (tx, rx) = std::sync::mpsc::sync_channel::<RecordBatch>(4);
    let (parsed, writer) = std::thread::scope(|scope| {
        let encoder = scope.spawn(move || -> Result<(PaymentsWriter<File>, EmptyColumns)> {
            let mut writer = writer;
            let mut empty = EmptyColumns::default();
            for b in rx {
                empty.see(&b);
                writer.write(&b).map_err(|e| Error::parquet(tmp, e))?;
            }
            Ok((writer, empty))
        });
        let mut sink = |b: RecordBatch| {
            tx.send(b)
                .map_err(|_| Error::parquet(tmp, "the Parquet writer stopped"))
        };
        let parsed: Result<Option<(ParseSummary, String)>> =
            if matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods") {
                fs::read(path)
                    .map_err(|e| Error::io(path, e))
                    .and_then(|bytes| {
                        let sha = hex::encode(Sha256::digest(&bytes));
                        Ok(Some((
                            parse_spreadsheet(&display, bytes, opts, &mut sink)?,
                            sha,
                        )))
                    })
            } else if parallel {
                let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
                parse_csv_parallel(&display, path, opts, threads, BLOCK, &mut sink).map(|p| match p
                {
                    Parsed::Done(s, sha) => Some((s, sha)),
                    Parsed::Serial => None,
                })
            } else {
                File::open(path)
                    .map_err(|e| Error::io(path, e))
                    .and_then(|f| {
                        let mut hr = HashingReader {
                            inner: BufReader::with_capacity(1 << 20, f),
                            hash: Sha256::new(),
                        };
                        let s = parse_csv(&display, &mut hr, opts, &mut sink)?;
                        // Read anything the CSV reader left (nothing, normally) so
                        // the hash covers the whole file.
                        std::io::copy(&mut hr, &mut std::io::sink())
                            .map_err(|e| Error::io(path, e))?;
                        Ok(Some((s, hex::encode(hr.hash.finalize()))))
                    })
            };
        drop(tx);
        let writer = encoder
            .join()
            .unwrap_or_else(|_| Err(Error::parquet(tmp, "the Parquet writer panicked")));
        (parsed, writer)
    });
    // A parse error explains more than the writer's reaction to it.
    let Some((summary, sha256)) = parsed? else {
        return Ok(None);
    };
    let (mut writer, empty) = writer?;
    let info = summary_info(source, sha256, &summary);
    for kv in info_kv(&info).into_iter().chain(empty.key_value()) {
        writer.append_key_value_metadata(kv);
    }
    let file = writer.into_inner().map_err(|e| Error::parquet(tmp, e))?;
    file.sync_all().map_err(|e| Error::io(tmp, e))?;
    Ok(Some(ImportInfo {
        path: tmp.to_path_buf(),
        ..info
    }))
}

/// The nullable columns in which no row of an import has a value (a
/// council that publishes no supplier ids, say), recorded as
/// `socval.null_columns` so that [`scan_file`] need not decode them.
#[derive(Default)]
struct EmptyColumns {
    /// Per column of the schema: a value has been seen. Empty until the
    /// first batch.
    seen: Vec<bool>,
}

/// The key of [`EmptyColumns`] in the file metadata.
const NULL_COLUMNS: &str = "socval.null_columns";

impl EmptyColumns {
    fn see(&mut self, b: &RecordBatch) {
        if self.seen.is_empty() {
            self.seen = vec![false; b.num_columns()];
        }
        for (seen, c) in self.seen.iter_mut().zip(b.columns()) {
            *seen |= c.null_count() < c.len();
        }
    }

    /// Nothing when no row was written: then no column says anything.
    fn key_value(&self) -> Option<KeyValue> {
        let schema = payments_schema();
        let names: Vec<&str> = self
            .seen
            .iter()
            .zip(schema.fields())
            .filter(|(seen, f)| !**seen && f.is_nullable())
            .map(|(_, f)| f.name().as_str())
            .collect();
        Some(KeyValue::new(NULL_COLUMNS.to_string(), names.join(",")))
            .filter(|_| !self.seen.is_empty())
    }
}

/// What a supplier register holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegisterInfo {
    /// Suppliers.
    pub suppliers: u64,
    /// Of which with a postcode.
    pub with_postcode: u64,
    /// SHA-256 of the source file's bytes (hex).
    pub sha256: String,
}

/// What a location overrides file holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OverridesInfo {
    /// Overrides.
    pub overrides: u64,
    /// SHA-256 of the source file's bytes (hex).
    pub sha256: String,
}

fn summary_info(source: String, sha256: String, s: &ParseSummary) -> ImportInfo {
    ImportInfo {
        path: PathBuf::new(),
        source,
        sha256,
        lines: s.lines,
        rows: s.rows,
        blank_amount_lines: s.blank_amount_lines,
        blank_amount: s.blank_amount.name().to_string(),
        redacted_rows: s.redacted_rows,
        credit_notes: s.credit_notes,
        total_gbp: Gbp::from_pence(s.total_pence),
        years: s
            .years
            .iter()
            .map(|(fy, y)| {
                (
                    fy.to_string(),
                    YearInfo {
                        rows: y.rows,
                        gbp: Gbp::from_pence(y.pence),
                    },
                )
            })
            .collect(),
    }
}

fn info_kv(i: &ImportInfo) -> Vec<KeyValue> {
    let kv = |k: &str, v: String| KeyValue::new(format!("socval.{k}"), v);
    vec![
        kv("schema", PAYMENTS_SCHEMA.to_string()),
        kv("source", i.source.clone()),
        kv("sha256", i.sha256.clone()),
        kv("lines", i.lines.to_string()),
        kv("rows", i.rows.to_string()),
        kv("blank_amount", i.blank_amount.clone()),
        kv("blank_amount_lines", i.blank_amount_lines.to_string()),
        kv("redacted_rows", i.redacted_rows.to_string()),
        kv("credit_notes", i.credit_notes.to_string()),
        kv("total_gbp", i.total_gbp.to_string()),
        kv(
            "years",
            serde_json::to_string(&i.years).expect("serialisable"),
        ),
    ]
}

/// Reads an import's description from its Parquet metadata.
pub fn read_info(path: &Path) -> Result<ImportInfo> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let r = SerializedFileReader::new(file).map_err(|e| Error::parquet(path, e))?;
    let kvs = r
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .cloned()
        .unwrap_or_default();
    let get = |k: &str| -> Result<String> {
        kvs.iter()
            .find(|kv| kv.key == format!("socval.{k}"))
            .and_then(|kv| kv.value.clone())
            .ok_or_else(|| {
                Error::parquet(path, format!("not a socval import: no socval.{k} metadata"))
            })
    };
    let num = |k: &str| -> Result<u64> {
        get(k)?
            .parse()
            .map_err(|e| Error::parquet(path, format!("socval.{k}: {e}")))
    };
    let bad = |k: &str, e: &dyn std::fmt::Display| Error::parquet(path, format!("socval.{k}: {e}"));
    Ok(ImportInfo {
        path: path.to_path_buf(),
        source: get("source")?,
        sha256: get("sha256")?,
        lines: num("lines")?,
        rows: num("rows")?,
        blank_amount_lines: num("blank_amount_lines")?,
        blank_amount: get("blank_amount")?,
        redacted_rows: num("redacted_rows")?,
        credit_notes: num("credit_notes")?,
        total_gbp: Gbp::parse(&get("total_gbp")?).map_err(|e| bad("total_gbp", &e))?,
        years: serde_json::from_str(&get("years")?).map_err(|e| bad("years", &e))?,
    })
}

/// Sums the years of several imports.
pub fn totals_by_year(imports: &[ImportInfo]) -> BTreeMap<FinancialYear, YearInfo> {
    let mut out: BTreeMap<FinancialYear, YearInfo> = BTreeMap::new();
    for i in imports {
        for (fy, y) in &i.years {
            if let Ok(fy) = fy.parse::<FinancialYear>() {
                let e = out.entry(fy).or_insert(YearInfo {
                    rows: 0,
                    gbp: Gbp::ZERO,
                });
                e.rows = e.rows.saturating_add(y.rows);
                // Each year's total is whole pence in an i64, so even a
                // million imports stay far inside what a decimal holds.
                e.gbp = e.gbp.checked_add(y.gbp).unwrap_or(e.gbp);
            }
        }
    }
    out
}
