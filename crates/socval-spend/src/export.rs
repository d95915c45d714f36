//! Payments enriched with their supplier and location, as Parquet, CSV or
//! XLSX, so that any tool can take over.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, StringDictionaryBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use socval_core::cell::safe_cells;
use socval_core::{FinancialYear, Gbp};

use crate::analysis::{PayeeLocation, SpendTotals};
use crate::error::{Error, Result};
use crate::ledger::date_from_days;
use crate::location::LocationResolver;
use crate::register::SupplierRegister;
use crate::schema::{col, payments_schema};
use crate::store::{SpendStore, scan_file};

/// Export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Parquet: the import schema plus the enrichment columns.
    Parquet,
    /// CSV with a header row.
    Csv,
    /// An Excel workbook (at most 1,048,575 payments).
    Xlsx,
}

/// Columns added to each payment, after the import's own.
pub const ENRICHMENT_COLUMNS: [&str; 11] = [
    "register_supplier",
    "register_supplier_id",
    "postcode",
    "location_class",
    "lad",
    "ward",
    "ward_name",
    "lsoa",
    "deprivation_band",
    "distance_km",
    "override_reason",
];

fn payee_cells(
    t: &SpendTotals<'_>,
    reg: &SupplierRegister,
    locs: &[PayeeLocation],
    p: usize,
) -> [Option<String>; 11] {
    let payee = &t.payees()[p];
    let s = payee.supplier.map(|s| &reg.suppliers()[s as usize]);
    let l = &locs[p].location;
    [
        s.map(|s| s.name.clone()),
        s.and_then(|s| s.id.clone()),
        l.postcode.clone(),
        Some(l.class.as_str().to_string()),
        l.lad.clone(),
        l.ward.clone(),
        l.ward_name.clone(),
        l.lsoa.clone(),
        l.band.map(|b| b.as_str().to_string()),
        l.distance_km.map(|d| format!("{d:.3}")),
        locs[p].override_reason.clone(),
    ]
}

/// Writes every stored payment (or those of `year`) with its supplier and
/// location to `out`. Returns the number of payments written.
///
/// Returns an error if the store cannot be read, or an XLSX export would
/// exceed the sheet's row limit.
pub fn export(
    store: &SpendStore,
    register: &SupplierRegister,
    resolver: &dyn LocationResolver,
    year: Option<FinancialYear>,
    format: ExportFormat,
    out: &Path,
) -> Result<u64> {
    // First pass: join payees and resolve their locations once.
    let years: Vec<FinancialYear> = match year {
        Some(y) => vec![y],
        None => crate::store::totals_by_year(&store.imports()?)
            .into_keys()
            .collect(),
    };
    let mut totals = SpendTotals::new(register, &years);
    store.scan(
        &[
            col::DATE,
            col::AMOUNT_PENCE,
            col::SUPPLIER_NAME,
            col::SUPPLIER_ID,
        ],
        |b| totals.add_batch(b),
    )?;
    let locs = totals.locations(resolver);
    let cells: Vec<[Option<String>; 11]> = (0..totals.payees().len())
        .map(|p| payee_cells(&totals, register, &locs, p))
        .collect();

    let schema = payments_schema();
    let all: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let headers: Vec<&str> = all.iter().copied().chain(ENRICHMENT_COLUMNS).collect();
    let file = std::fs::File::create(out).map_err(|e| Error::io(out, e))?;
    let mut sink: Box<dyn Sink> = match format {
        ExportFormat::Csv => Box::new(CsvSink(csv::Writer::from_writer(std::io::BufWriter::new(
            file,
        )))),
        ExportFormat::Xlsx => Box::new(XlsxSink {
            wb: rust_xlsxwriter::Workbook::new(),
            row: 0,
            file: Some(file),
        }),
        ExportFormat::Parquet => {
            let mut fields: Vec<Field> = payments_schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            for c in ENRICHMENT_COLUMNS {
                let dt = if c == "distance_km" {
                    DataType::Float64
                } else {
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
                };
                fields.push(Field::new(c, dt, true));
            }
            let schema = Arc::new(Schema::new(fields));
            let w = ArrowWriter::try_new(file, schema.clone(), None)
                .map_err(|e| Error::parquet(out, e))?;
            Box::new(ParquetSink {
                w,
                schema,
                path: out.to_path_buf(),
            })
        }
    };
    sink.header(&headers)?;
    let mut written = 0u64;
    for path in store.payment_files()? {
        let mut f = |b: &RecordBatch| -> Result<()> {
            let payees = totals_row_payees(&mut totals, b)?;
            let dates = b
                .column_by_name(col::DATE)
                .map(|a| a.as_primitive::<Date32Type>().clone());
            let keep: Vec<bool> = match (year, &dates) {
                (Some(y), Some(d)) => d
                    .values()
                    .iter()
                    .map(|&x| y.contains(date_from_days(x)))
                    .collect(),
                _ => vec![true; b.num_rows()],
            };
            written += keep.iter().filter(|k| **k).count() as u64;
            sink.batch(b, &payees, &keep, &cells)
        };
        scan_file(&path, &all, &mut f)?;
    }
    sink.finish()?;
    Ok(written)
}

fn totals_row_payees(t: &mut SpendTotals<'_>, b: &RecordBatch) -> Result<Vec<usize>> {
    let names = b
        .column_by_name(col::SUPPLIER_NAME)
        .and_then(|a| a.as_dictionary_opt::<Int32Type>());
    let names = names.ok_or_else(|| Error::Export {
        reason: "supplier_name column missing".into(),
    })?;
    let values = names.values().as_string::<i32>();
    let ids = b
        .column_by_name(col::SUPPLIER_ID)
        .and_then(|a| a.as_dictionary_opt::<Int32Type>());
    let map: Vec<u32> = (0..values.len())
        .map(|i| t.payee_for_name(values.value(i)))
        .collect();
    let mut out = Vec::with_capacity(b.num_rows());
    for i in 0..b.num_rows() {
        let by_id = ids.filter(|a| a.is_valid(i)).and_then(|a| {
            let v = a
                .values()
                .as_string::<i32>()
                .value(a.keys().value(i) as usize);
            t.payee_for_id(v)
        });
        out.push(by_id.unwrap_or(map[names.keys().value(i) as usize]) as usize);
    }
    Ok(out)
}

trait Sink {
    fn header(&mut self, h: &[&str]) -> Result<()>;
    fn batch(
        &mut self,
        b: &RecordBatch,
        payees: &[usize],
        keep: &[bool],
        cells: &[[Option<String>; 11]],
    ) -> Result<()>;
    fn finish(self: Box<Self>) -> Result<()>;
}

fn text_row(b: &RecordBatch, i: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(b.num_columns());
    for (c, f) in b.schema().fields().iter().enumerate() {
        let a = b.column(c);
        if a.is_null(i) {
            out.push(String::new());
            continue;
        }
        out.push(match f.name().as_str() {
            col::DATE => date_from_days(a.as_primitive::<Date32Type>().value(i)).to_string(),
            col::AMOUNT_PENCE => a.as_primitive::<Int64Type>().value(i).to_string(),
            col::SOURCE_LINE => a.as_primitive::<Int32Type>().value(i).to_string(),
            col::REDACTED => a.as_boolean().value(i).to_string(),
            _ => {
                let d = a.as_dictionary::<Int32Type>();
                d.values()
                    .as_string::<i32>()
                    .value(d.keys().value(i) as usize)
                    .to_string()
            }
        });
    }
    out
}

struct CsvSink<W: Write>(csv::Writer<W>);

impl<W: Write> Sink for CsvSink<W> {
    fn header(&mut self, h: &[&str]) -> Result<()> {
        self.0
            .write_record(safe_cells(h))
            .map_err(|e| Error::Export {
                reason: e.to_string(),
            })
    }
    fn batch(
        &mut self,
        b: &RecordBatch,
        payees: &[usize],
        keep: &[bool],
        cells: &[[Option<String>; 11]],
    ) -> Result<()> {
        for i in (0..b.num_rows()).filter(|&i| keep[i]) {
            let mut row = text_row(b, i);
            row.extend(
                cells[payees[i]]
                    .iter()
                    .map(|c| c.clone().unwrap_or_default()),
            );
            self.0
                .write_record(safe_cells(&row))
                .map_err(|e| Error::Export {
                    reason: e.to_string(),
                })?;
        }
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> Result<()> {
        self.0.flush().map_err(|e| Error::Export {
            reason: e.to_string(),
        })
    }
}

struct XlsxSink {
    wb: rust_xlsxwriter::Workbook,
    row: u32,
    file: Option<std::fs::File>,
}

const XLSX_MAX_ROWS: u32 = 1_048_576;

impl Sink for XlsxSink {
    fn header(&mut self, h: &[&str]) -> Result<()> {
        let ws = self.wb.add_worksheet();
        ws.set_name("payments").map_err(xl)?;
        for (c, t) in h.iter().enumerate() {
            ws.write_string(0, c as u16, *t).map_err(xl)?;
        }
        self.row = 1;
        Ok(())
    }
    fn batch(
        &mut self,
        b: &RecordBatch,
        payees: &[usize],
        keep: &[bool],
        cells: &[[Option<String>; 11]],
    ) -> Result<()> {
        let ws = self.wb.worksheet_from_index(0).map_err(xl)?;
        let amount_col = b.schema().index_of(col::AMOUNT_PENCE).ok();
        for i in (0..b.num_rows()).filter(|&i| keep[i]) {
            if self.row >= XLSX_MAX_ROWS {
                return Err(Error::Export { reason: "more payments than an Excel sheet holds (1,048,575): export as parquet or csv, or one --year".into() });
            }
            let mut row = text_row(b, i);
            row.extend(
                cells[payees[i]]
                    .iter()
                    .map(|c| c.clone().unwrap_or_default()),
            );
            for (c, v) in row.iter().enumerate() {
                if Some(c) == amount_col {
                    // Pence as a number an analyst can sum; exact below 2^53.
                    let pounds = Gbp::from_pence(v.parse().unwrap_or(0)).to_string();
                    ws.write_number(
                        self.row,
                        c as u16,
                        pounds.parse::<f64>().unwrap_or_default(),
                    )
                    .map_err(xl)?;
                } else if !v.is_empty() {
                    ws.write_string(self.row, c as u16, v).map_err(xl)?;
                }
            }
            self.row += 1;
        }
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> Result<()> {
        let f = self.file.take().expect("file");
        self.wb.save_to_writer(f).map_err(xl)
    }
}

fn xl(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Export {
        reason: e.to_string(),
    }
}

struct ParquetSink {
    w: ArrowWriter<std::fs::File>,
    schema: Arc<Schema>,
    path: std::path::PathBuf,
}

impl Sink for ParquetSink {
    fn header(&mut self, _: &[&str]) -> Result<()> {
        Ok(())
    }
    fn batch(
        &mut self,
        b: &RecordBatch,
        payees: &[usize],
        keep: &[bool],
        cells: &[[Option<String>; 11]],
    ) -> Result<()> {
        let mask = arrow_array::BooleanArray::from(keep.to_vec());
        let kept = arrow_select::filter::filter_record_batch(b, &mask)
            .map_err(|e| Error::parquet(&self.path, e))?;
        let mut cols: Vec<ArrayRef> = kept.columns().to_vec();
        let idx: Vec<usize> = (0..b.num_rows()).filter(|&i| keep[i]).collect();
        for (k, name) in ENRICHMENT_COLUMNS.iter().enumerate() {
            if *name == "distance_km" {
                let mut fb = Float64Builder::with_capacity(idx.len());
                for &i in &idx {
                    fb.append_option(
                        cells[payees[i]][k]
                            .as_ref()
                            .and_then(|s| s.parse::<f64>().ok()),
                    );
                }
                cols.push(Arc::new(fb.finish()));
            } else {
                let mut sb = StringDictionaryBuilder::<Int32Type>::new();
                for &i in &idx {
                    match &cells[payees[i]][k] {
                        Some(v) => {
                            sb.append_value(v);
                        }
                        None => sb.append_null(),
                    }
                }
                cols.push(Arc::new(sb.finish()));
            }
        }
        let out = RecordBatch::try_new(self.schema.clone(), cols)
            .map_err(|e| Error::parquet(&self.path, e))?;
        self.w
            .write(&out)
            .map_err(|e| Error::parquet(&self.path, e))
    }
    fn finish(self: Box<Self>) -> Result<()> {
        let path = self.path.clone();
        self.w
            .close()
            .map(|_| ())
            .map_err(|e| Error::parquet(path, e))
    }
}
