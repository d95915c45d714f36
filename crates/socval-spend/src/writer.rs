//! Writes an import's Parquet file.
//!
//! arrow-rs's `ArrowWriter` re-hashes every value of a dictionary column
//! into a dictionary of its own, although the import's columns arrive
//! dictionary encoded already: that was an eighth of the import's CPU time.
//! This writer encodes the dictionary columns itself: the dictionaries of
//! the incoming batches are merged once per distinct value into the row
//! group's dictionary, the keys are remapped through an array and
//! bit-packed, one data page per batch. The other columns (dates, amounts,
//! flags, lines) go through arrow-rs's column writers, and the chunks are
//! spliced into an ordinary `SerializedFileWriter`, so the file is a
//! standard Parquet file with the Arrow schema embedded; only the page
//! layout of the dictionary columns differs from `ArrowWriter`'s.

use std::io::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use bytes::Bytes;
use parquet::arrow::ArrowSchemaConverter;
use parquet::arrow::add_encoded_arrow_schema_to_metadata;
use parquet::arrow::arrow_writer::{ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::{Compression, Encoding, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ColumnChunkMetaData, KeyValue, PageEncodingStats};
use parquet::file::properties::WriterProperties;
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

use crate::dict::DictBuilder;

/// The ZSTD level of every page (arrow-rs's `ZstdLevel(1)`).
const ZSTD_LEVEL: i32 = 1;
/// A row group ends early once a column's dictionary holds this many bytes
/// (distinct values, e.g. a long free-text field that differs on every
/// line), so that no dictionary nears the 2 GiB a page can hold. A batch
/// adds at most its own dictionary, a chunk of the input.
const MAX_DICT_BYTES: usize = 64 << 20;
/// String statistics are cut to this many bytes (arrow-rs's default
/// `statistics_truncate_length`): a long value does not bloat the footer.
const STATS_BYTES: usize = 64;

/// A Parquet writer for batches whose string columns are
/// `Dictionary(Int32, Utf8)`.
pub(crate) struct PaymentsWriter<W: Write + Send> {
    file: SerializedFileWriter<W>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    max_rows: usize,
    /// [`MAX_DICT_BYTES`], smaller in tests.
    max_dict_bytes: usize,
    row_group: Option<RowGroup>,
    row_groups: usize,
}

struct RowGroup {
    rows: usize,
    columns: Vec<ColumnBuf>,
}

enum ColumnBuf {
    Arrow(Box<ArrowColumnWriter>),
    Dict(Box<DictColumn>),
}

impl<W: Write + Send> PaymentsWriter<W> {
    /// A writer of `schema` to `out`, row groups of at most `max_rows`.
    /// `props` must not enable page indexes or bloom filters for the
    /// dictionary columns (this writer does not make them).
    pub(crate) fn try_new(
        out: W,
        schema: SchemaRef,
        mut props: WriterProperties,
        max_rows: usize,
    ) -> Result<Self> {
        add_encoded_arrow_schema_to_metadata(&schema, &mut props);
        let parquet_schema = ArrowSchemaConverter::new().convert(&schema)?;
        // One leaf per field: the pairing of fields with column writers
        // and the definition levels of `DictColumn` assume a flat schema.
        if parquet_schema.num_columns() != schema.fields().len()
            || parquet_schema
                .columns()
                .iter()
                .any(|c| c.max_rep_level() > 0 || c.max_def_level() > 1)
        {
            return Err(err("PaymentsWriter writes flat schemas only"));
        }
        let file = SerializedFileWriter::new(out, parquet_schema.root_schema_ptr(), props.into())?;
        let factory = ArrowRowGroupWriterFactory::new(&file, schema.clone());
        Ok(PaymentsWriter {
            file,
            factory,
            schema,
            max_rows: max_rows.max(1),
            max_dict_bytes: MAX_DICT_BYTES,
            row_group: None,
            row_groups: 0,
        })
    }

    /// Appends the rows of `batch`.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut offset = 0;
        while offset < batch.num_rows() {
            if self.row_group.is_none() {
                self.row_group = Some(self.new_row_group()?);
            }
            let rg = self.row_group.as_mut().expect("set above");
            let n = (batch.num_rows() - offset).min(self.max_rows - rg.rows);
            for ((col, field), array) in rg
                .columns
                .iter_mut()
                .zip(self.schema.fields())
                .zip(batch.columns())
            {
                let array = array.slice(offset, n);
                match col {
                    ColumnBuf::Arrow(w) => {
                        for leaf in compute_leaves(field, &array)? {
                            w.write(&leaf)?;
                        }
                    }
                    ColumnBuf::Dict(d) => d.write(&array)?,
                }
            }
            rg.rows += n;
            offset += n;
            let full_dict = rg.columns.iter().any(|c| match c {
                ColumnBuf::Dict(d) => d.dict.value_bytes() >= self.max_dict_bytes,
                ColumnBuf::Arrow(_) => false,
            });
            if rg.rows == self.max_rows || full_dict {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn new_row_group(&self) -> Result<RowGroup> {
        let arrow = self.factory.create_column_writers(self.row_groups)?;
        let leaves = self.file.schema_descr().columns();
        let columns = arrow
            .into_iter()
            .zip(self.schema.fields())
            .zip(leaves)
            .map(|((w, field), descr)| match field.data_type() {
                DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
                    ColumnBuf::Dict(Box::new(DictColumn::new(descr.clone())))
                }
                _ => ColumnBuf::Arrow(Box::new(w)),
            })
            .collect();
        Ok(RowGroup { rows: 0, columns })
    }

    /// Writes the row group in progress, if it has rows.
    fn flush(&mut self) -> Result<()> {
        let Some(rg) = self.row_group.take() else {
            return Ok(());
        };
        let mut out = self.file.next_row_group()?;
        for col in rg.columns {
            match col {
                ColumnBuf::Arrow(w) => w.close()?.append_to_row_group(&mut out)?,
                ColumnBuf::Dict(d) => {
                    let (bytes, close) = d.close()?;
                    out.append_column(&bytes, close)?;
                }
            }
        }
        out.close()?;
        self.row_groups += 1;
        Ok(())
    }

    /// Adds a key-value pair to the file metadata.
    pub(crate) fn append_key_value_metadata(&mut self, kv: KeyValue) {
        self.file.append_key_value_metadata(kv);
    }

    /// Writes what is left and the footer; returns the output.
    pub(crate) fn into_inner(mut self) -> Result<W> {
        self.flush()?;
        self.file.into_inner()
    }
}

/// A `Dictionary(Int32, Utf8)` column chunk in progress.
struct DictColumn {
    descr: ColumnDescPtr,
    /// The row group's dictionary.
    dict: DictBuilder,
    /// Data pages, compressed, waiting for the dictionary page.
    pages: Vec<CompressedPage>,
    rows: usize,
    nulls: usize,
    /// Scratch: a batch's key to the row group's key (`u32::MAX`: not yet
    /// seen).
    remap: Vec<u32>,
    keys: Vec<u32>,
    zstd: zstd::bulk::Compressor<'static>,
}

fn err(e: impl std::fmt::Display) -> ParquetError {
    ParquetError::General(e.to_string())
}

impl DictColumn {
    fn new(descr: ColumnDescPtr) -> Self {
        DictColumn {
            descr,
            dict: DictBuilder::new(0),
            pages: Vec::new(),
            rows: 0,
            nulls: 0,
            remap: Vec::new(),
            keys: Vec::new(),
            zstd: zstd::bulk::Compressor::new(ZSTD_LEVEL).expect("level 1 is valid"),
        }
    }

    fn nullable(&self) -> bool {
        self.descr.max_def_level() > 0
    }

    /// Encodes `array` as one data page.
    fn write(&mut self, array: &ArrayRef) -> Result<()> {
        let a: &DictionaryArray<Int32Type> = array
            .as_dictionary_opt()
            .ok_or_else(|| err("expected a Dictionary(Int32, Utf8) column"))?;
        if a.is_empty() {
            return Ok(());
        }
        let values = a.values().as_string::<i32>();
        self.remap.clear();
        self.remap.resize(values.len(), u32::MAX);
        self.keys.clear();
        let mut buf = Vec::new();
        let nulls = a.logical_nulls().filter(|n| n.null_count() > 0);
        if let Some(n) = &nulls {
            if !self.nullable() {
                return Err(err("a null in a required column"));
            }
            let mut levels = Vec::with_capacity(a.len() / 8 + 8);
            bit_pack(n.iter().map(u32::from), 1, &mut levels);
            buf.extend_from_slice(&(levels.len() as u32).to_le_bytes());
            buf.extend_from_slice(&levels);
        } else if self.nullable() {
            // Every level is 1: one RLE run.
            let mut levels = Vec::new();
            uleb128((a.len() as u64) << 1, &mut levels);
            levels.push(1);
            buf.extend_from_slice(&(levels.len() as u32).to_le_bytes());
            buf.extend_from_slice(&levels);
        }
        let mut max_key = 0u32;
        for (i, &k) in a.keys().values().iter().enumerate() {
            if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                continue;
            }
            let k = k as usize;
            let mut key = self.remap[k];
            if key == u32::MAX {
                key = self.dict.intern(values.value(k)) as u32;
                self.remap[k] = key;
            }
            max_key = max_key.max(key);
            self.keys.push(key);
        }
        let width = (32 - max_key.leading_zeros()).max(1) as u8;
        buf.push(width);
        bit_pack(self.keys.iter().copied(), width, &mut buf);
        let null_count = a.len() - self.keys.len();
        let page = Page::DataPage {
            buf: self.compress(&buf)?,
            num_values: a.len() as u32,
            encoding: Encoding::RLE_DICTIONARY,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        self.pages.push(CompressedPage::new(page, buf.len()));
        self.rows += a.len();
        self.nulls += null_count;
        Ok(())
    }

    fn compress(&mut self, buf: &[u8]) -> Result<Bytes> {
        Ok(self.zstd.compress(buf).map_err(err)?.into())
    }

    /// The column chunk's bytes (dictionary page, then data pages) and its
    /// metadata, offsets relative to the start of the bytes.
    fn close(mut self) -> Result<(Bytes, ColumnCloseResult)> {
        let n = self.dict.distinct();
        let mut plain = Vec::with_capacity(self.dict.value_bytes() + 4 * n);
        let (mut min, mut max): (Option<&[u8]>, Option<&[u8]>) = (None, None);
        for k in 0..n {
            let v = self.dict.value(k);
            plain.extend_from_slice(&(v.len() as u32).to_le_bytes());
            plain.extend_from_slice(v);
            min = Some(min.map_or(v, |m| m.min(v)));
            max = Some(max.map_or(v, |m| m.max(v)));
        }
        let (min, min_exact) = min.map_or((None, true), lower_bound);
        let (max, max_exact) = max.map_or((None, true), upper_bound);
        let stats = Statistics::ByteArray(
            ValueStatistics::new(
                min.map(ByteArray::from),
                max.map(ByteArray::from),
                None,
                Some(self.nulls as u64),
                false,
            )
            .with_min_is_exact(min_exact)
            .with_max_is_exact(max_exact),
        );
        let dict_page = Page::DictionaryPage {
            buf: self.compress(&plain)?,
            num_values: n as u32,
            encoding: Encoding::PLAIN,
            is_sorted: false,
        };
        let data_pages = self.pages.len() as i32;
        let mut sink = TrackedWrite::new(Vec::new());
        let (mut compressed, mut uncompressed, mut data_offset) = (0i64, 0i64, None);
        {
            let mut w = SerializedPageWriter::new(&mut sink);
            let pages =
                std::iter::once(CompressedPage::new(dict_page, plain.len())).chain(self.pages);
            for page in pages {
                let dict = page.compressed_page().is_dictionary_page();
                let spec = w.write_page(page)?;
                if !dict && data_offset.is_none() {
                    data_offset = Some(spec.offset as i64);
                }
                compressed += spec.compressed_size as i64;
                uncompressed += spec.uncompressed_size as i64;
            }
            w.close()?;
        }
        let bytes: Bytes = sink.into_inner()?.into();
        let metadata = ColumnChunkMetaData::builder(self.descr)
            .set_compression(Compression::ZSTD(parquet::basic::ZstdLevel::try_new(
                ZSTD_LEVEL,
            )?))
            .set_encodings(vec![
                Encoding::PLAIN,
                Encoding::RLE,
                Encoding::RLE_DICTIONARY,
            ])
            .set_num_values(self.rows as i64)
            .set_total_compressed_size(compressed)
            .set_total_uncompressed_size(uncompressed)
            .set_dictionary_page_offset(Some(0))
            .set_data_page_offset(data_offset.unwrap_or(compressed))
            .set_statistics(stats)
            .set_page_encoding_stats(vec![
                PageEncodingStats {
                    page_type: PageType::DICTIONARY_PAGE,
                    encoding: Encoding::PLAIN,
                    count: 1,
                },
                PageEncodingStats {
                    page_type: PageType::DATA_PAGE,
                    encoding: Encoding::RLE_DICTIONARY,
                    count: data_pages,
                },
            ])
            .build()?;
        let close = ColumnCloseResult {
            bytes_written: bytes.len() as u64,
            rows_written: self.rows as u64,
            metadata,
            bloom_filter: None,
            column_index: None,
            offset_index: None,
        };
        Ok((bytes, close))
    }
}

/// A lower bound of `v` of at most [`STATS_BYTES`] bytes (a prefix cut at a
/// character boundary), and whether it is `v` itself.
fn lower_bound(v: &[u8]) -> (Option<Vec<u8>>, bool) {
    if v.len() <= STATS_BYTES {
        return (Some(v.to_vec()), true);
    }
    let Ok(s) = std::str::from_utf8(v) else {
        return (None, false);
    };
    let cut = (1..=STATS_BYTES).rev().find(|&i| s.is_char_boundary(i));
    (cut.map(|i| v[..i].to_vec()), false)
}

/// An upper bound of `v` of at most [`STATS_BYTES`] bytes: a prefix whose
/// last character that can be is moved up by one (as arrow-rs does), or
/// none; and whether it is `v` itself.
fn upper_bound(v: &[u8]) -> (Option<Vec<u8>>, bool) {
    if v.len() <= STATS_BYTES {
        return (Some(v.to_vec()), true);
    }
    let Ok(s) = std::str::from_utf8(v) else {
        return (None, false);
    };
    let Some(cut) = (1..=STATS_BYTES).rev().find(|&i| s.is_char_boundary(i)) else {
        return (None, false);
    };
    let prefix = &s[..cut];
    for (at, c) in prefix.char_indices().rev() {
        if let Some(next) = char::from_u32(c as u32 + 1)
            && next.len_utf8() == c.len_utf8()
        {
            let mut out = prefix.as_bytes()[..at].to_vec();
            out.extend_from_slice(next.encode_utf8(&mut [0; 4]).as_bytes());
            return (Some(out), false);
        }
    }
    (None, false)
}

/// Appends `values` (each below `2^width`) as one bit-packed run of
/// Parquet's RLE/bit-packing hybrid, the last group of eight padded with
/// zeros (readers stop at the page's value count).
fn bit_pack(values: impl ExactSizeIterator<Item = u32>, width: u8, out: &mut Vec<u8>) {
    let n = values.len();
    if n == 0 {
        return;
    }
    let groups = n.div_ceil(8);
    uleb128(((groups as u64) << 1) | 1, out);
    out.reserve(groups * width as usize);
    let (mut acc, mut bits) = (0u64, 0u32);
    for v in values {
        acc |= u64::from(v) << bits;
        bits += u32::from(width);
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    // Padding: the values of the last group that do not exist are zero.
    let total_bits = groups * 8 * width as usize;
    let written = (n * width as usize) / 8;
    if bits > 0 {
        out.push(acc as u8);
    }
    out.resize(
        out.len() + total_bits / 8 - written - usize::from(bits > 0),
        0,
    );
}

fn uleb128(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int32Array, StringArray};
    use arrow_schema::{Field, Schema};
    use bytes::Bytes;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    use super::*;

    fn dict_array(values: &[&str], keys: Vec<Option<i32>>) -> ArrayRef {
        Arc::new(
            DictionaryArray::<Int32Type>::try_new(
                Int32Array::from(keys),
                Arc::new(StringArray::from(values.to_vec())),
            )
            .unwrap(),
        )
    }

    /// Batches with dictionaries of their own, nulls, unused dictionary
    /// values, a one-value dictionary, an all-null batch and a row group
    /// boundary inside a batch read back value for value, with the row
    /// groups' statistics taken from the values written.
    #[test]
    fn dictionary_columns_read_back_as_written() {
        let schema = Arc::new(Schema::new(vec![
            Field::new(
                "name",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                false,
            ),
            Field::new(
                "code",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                true,
            ),
            Field::new("n", DataType::Int32, false),
        ]));
        // 300 distinct names: keys need 9 bits.
        let names: Vec<String> = (0..300).map(|i| format!("supplier {i:03}")).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let batches = [
            (
                dict_array(&name_refs, (0..1000).map(|i| Some(i * 7 % 300)).collect()),
                dict_array(
                    &["X", "unused", "A"],
                    (0..1000)
                        .map(|i| (i % 3 != 0).then_some((i % 2) * 2))
                        .collect(),
                ),
            ),
            (
                dict_array(&["only"], vec![Some(0); 700]),
                dict_array(&[], vec![None; 700]),
            ),
            (
                dict_array(
                    &["supplier 005", "zed"],
                    (0..5).map(|i| Some(i % 2)).collect(),
                ),
                dict_array(&["A"], vec![Some(0); 5]),
            ),
        ];
        let mut expected: Vec<(String, Option<String>)> = Vec::new();
        let mut out = Vec::new();
        let mut w = PaymentsWriter::try_new(
            &mut out,
            schema.clone(),
            WriterProperties::builder().build(),
            1024,
        )
        .unwrap();
        let mut n = 0;
        for (name, code) in &batches {
            let text = |a: &ArrayRef, i: usize| {
                let d = a.as_dictionary::<Int32Type>();
                d.key(i)
                    .map(|k| d.values().as_string::<i32>().value(k).to_string())
            };
            for i in 0..name.len() {
                expected.push((text(name, i).unwrap(), text(code, i)));
            }
            let len = name.len() as i32;
            let ns = Arc::new(Int32Array::from_iter_values(n..n + len)) as ArrayRef;
            n += len;
            let b =
                RecordBatch::try_new(schema.clone(), vec![name.clone(), code.clone(), ns]).unwrap();
            w.write(&b).unwrap();
        }
        w.into_inner().unwrap();
        let bytes = Bytes::from(out);

        let r = ParquetRecordBatchReaderBuilder::try_new(bytes.clone()).unwrap();
        assert_eq!(
            r.schema().fields(),
            schema.fields(),
            "the Arrow schema is kept"
        );
        let mut got = Vec::new();
        for b in r.build().unwrap() {
            let b = b.unwrap();
            let (names, codes) = (b.column(0), b.column(1));
            let names = names.as_dictionary::<Int32Type>();
            let codes = codes.as_dictionary::<Int32Type>();
            for i in 0..b.num_rows() {
                let v = |d: &DictionaryArray<Int32Type>| {
                    d.key(i)
                        .map(|k| d.values().as_string::<i32>().value(k).to_string())
                };
                got.push((v(names).unwrap(), v(codes)));
            }
        }
        assert_eq!(got.len(), 1705);
        assert_eq!(got, expected);

        let meta = SerializedFileReader::new(bytes).unwrap();
        let meta = meta.metadata();
        let rows: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
        assert_eq!(rows, [1024, 681]);
        // Row group 0: rows 0..1024, all of the first batch and 24 "only".
        let stats = |g: usize, c: usize| meta.row_group(g).column(c).statistics().cloned();
        let Some(Statistics::ByteArray(s)) = stats(0, 0) else {
            panic!("statistics of names")
        };
        assert_eq!(s.min_opt().unwrap().as_utf8().unwrap(), "only");
        assert_eq!(s.max_opt().unwrap().as_utf8().unwrap(), "supplier 299");
        let Some(Statistics::ByteArray(s)) = stats(0, 1) else {
            panic!("statistics of codes")
        };
        // "unused" is in the batch's dictionary but no row has it.
        assert_eq!(s.max_opt().unwrap().as_utf8().unwrap(), "X");
        assert_eq!(s.null_count_opt(), Some(334 + 24));
        let Some(Statistics::ByteArray(s)) = stats(1, 0) else {
            panic!("statistics of names")
        };
        assert_eq!(s.max_opt().unwrap().as_utf8().unwrap(), "zed");
    }

    /// A row group ends early when a dictionary grows past the limit, and
    /// long values' statistics are bounds cut to 64 bytes; a required
    /// column may come with a null buffer that has no null.
    #[test]
    fn large_dictionaries_end_row_groups_and_statistics_are_cut() {
        let field = Field::new(
            "name",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            false,
        );
        let schema = Arc::new(Schema::new(vec![field]));
        let long = |c: char, i: usize| format!("{}{i:04}", c.to_string().repeat(100));
        let mut out = Vec::new();
        let mut w = PaymentsWriter::try_new(
            &mut out,
            schema.clone(),
            WriterProperties::builder().build(),
            1_000_000,
        )
        .unwrap();
        w.max_dict_bytes = 1_000;
        for batch in 0..3 {
            // 10 distinct values of 104+ bytes per batch: each batch passes
            // the limit.
            let values: Vec<String> = (0..10)
                .map(|i| long(['a', 'é', '\u{10FFFF}'][batch], i))
                .collect();
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            let keys = Int32Array::new(
                (0..10).collect::<Vec<i32>>().into(),
                Some(arrow_buffer::NullBuffer::new_valid(10)),
            );
            let a = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(StringArray::from(refs)))
                .unwrap();
            w.write(&RecordBatch::try_new(schema.clone(), vec![Arc::new(a)]).unwrap())
                .unwrap();
        }
        w.into_inner().unwrap();
        let meta = SerializedFileReader::new(Bytes::from(out)).unwrap();
        let meta = meta.metadata();
        assert_eq!(meta.num_row_groups(), 3, "one row group per batch");
        let stats = |g: usize| match meta.row_group(g).column(0).statistics() {
            Some(Statistics::ByteArray(s)) => s.clone(),
            s => panic!("{s:?}"),
        };
        let s = stats(0);
        assert_eq!(s.min_opt().unwrap().data(), "a".repeat(64).as_bytes());
        assert_eq!(
            s.max_opt().unwrap().data(),
            format!("{}b", "a".repeat(63)).as_bytes()
        );
        assert!(!s.min_is_exact() && !s.max_is_exact());
        // Two-byte characters: cut at a character boundary.
        let s = stats(1);
        assert_eq!(s.min_opt().unwrap().data(), "é".repeat(32).as_bytes());
        assert_eq!(
            s.max_opt().unwrap().data(),
            format!("{}ê", "é".repeat(31)).as_bytes()
        );
        // U+10FFFF cannot be moved up: no upper bound rather than a wrong one.
        let s = stats(2);
        assert_eq!(s.min_opt().unwrap().data().len(), 64);
        assert_eq!(s.max_opt(), None);
    }

    /// The bit-packed runs hold the values, least significant bit first,
    /// for widths and lengths the file test above does not reach (arrow-rs
    /// decodes 1- and 9-bit runs there).
    #[test]
    fn bit_packing_round_trips() {
        for width in [1u8, 2, 7, 8, 9, 15, 17, 31] {
            for n in [1usize, 7, 8, 9, 100] {
                let max = (1u32 << width) - 1;
                let values: Vec<u32> = (0..n as u32)
                    .map(|i| i.wrapping_mul(2_654_435_761) & max)
                    .collect();
                let mut out = Vec::new();
                bit_pack(values.iter().copied(), width, &mut out);
                // Header, then exactly `width` bytes per group of eight.
                let mut header = Vec::new();
                uleb128(((n.div_ceil(8) as u64) << 1) | 1, &mut header);
                assert_eq!(out.len(), header.len() + n.div_ceil(8) * width as usize);
                assert_eq!(&out[..header.len()], &header[..]);
                // Unpack by hand: LSB first.
                let body = &out[header.len()..];
                for (i, &v) in values.iter().enumerate() {
                    let mut x = 0u64;
                    for b in 0..width as usize {
                        let bit = i * width as usize + b;
                        x |= u64::from(body[bit / 8] >> (bit % 8) & 1) << b;
                    }
                    assert_eq!(x as u32, v, "width {width}, n {n}, value {i}");
                }
            }
        }
    }
}
