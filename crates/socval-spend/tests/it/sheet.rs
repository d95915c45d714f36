//! Spreadsheets that unpack to far more than they weigh are refused before
//! they are read, quickly and in little memory (issue 12, item 3).
//!
//! The workbooks are put together here by hand: a deflate stream of a
//! repeated block is that block's compressed form repeated (each piece ends
//! with a full flush, so none refers back to another), which makes a
//! 300 MB sheet in a few milliseconds instead of compressing 300 MB.

use std::time::{Duration, Instant};

use flate2::{Compress, Compression, Crc, FlushCompress};
use socval_spend::{ImportOptions, parse_spreadsheet};

/// One zip entry: its name, its data as stored, whether that is raw
/// deflate, its CRC-32 and its size unpacked.
struct Entry {
    name: String,
    data: Vec<u8>,
    deflated: bool,
    crc: u32,
    size: u64,
}

impl Entry {
    fn stored(name: &str, text: &str) -> Entry {
        let mut crc = Crc::new();
        crc.update(text.as_bytes());
        Entry {
            name: name.into(),
            data: text.as_bytes().to_vec(),
            deflated: false,
            crc: crc.sum(),
            size: text.len() as u64,
        }
    }

    /// `head`, then `unit` `times` times, then `tail`, deflated.
    fn repeated(name: &str, head: &str, unit: &str, times: u64, tail: &str) -> Entry {
        // Compress a block of about 1 MB of units once; repeat its output.
        let per_block = (1 << 20) / unit.len() as u64;
        let block = unit.repeat(per_block as usize);
        let (blocks, rest) = (times / per_block, times % per_block);
        let piece = |text: &str, last: bool| {
            let mut c = Compress::new(Compression::best(), false);
            let mut out = Vec::with_capacity(text.len() / 100 + 1024);
            let flush = if last {
                FlushCompress::Finish
            } else {
                FlushCompress::Full
            };
            c.compress_vec(text.as_bytes(), &mut out, flush).unwrap();
            assert_eq!(
                c.total_in(),
                text.len() as u64,
                "one call compresses it all"
            );
            out
        };
        let crc_of = |text: &str| {
            let mut c = Crc::new();
            c.update(text.as_bytes());
            c
        };
        let mut data = piece(head, false);
        let mut crc = crc_of(head);
        let packed = piece(&block, false);
        let block_crc = crc_of(&block);
        for _ in 0..blocks {
            data.extend_from_slice(&packed);
            crc.combine(&block_crc);
        }
        let last = format!("{}{tail}", unit.repeat(rest as usize));
        data.extend_from_slice(&piece(&last, true));
        crc.combine(&crc_of(&last));
        Entry {
            name: name.into(),
            data,
            deflated: true,
            crc: crc.sum(),
            size: head.len() as u64 + times * unit.len() as u64 + tail.len() as u64,
        }
    }
}

/// A zip archive of `entries` (no zip64: every size under 4 GiB).
fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let method: u16 = if e.deflated { 8 } else { 0 };
        let fields = |w: &mut Vec<u8>| {
            w.extend_from_slice(&20u16.to_le_bytes()); // version needed
            w.extend_from_slice(&0u16.to_le_bytes()); // flags
            w.extend_from_slice(&method.to_le_bytes());
            w.extend_from_slice(&0u32.to_le_bytes()); // time and date
            w.extend_from_slice(&e.crc.to_le_bytes());
            w.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            w.extend_from_slice(&(e.size as u32).to_le_bytes());
            w.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            w.extend_from_slice(&0u16.to_le_bytes()); // extra field
        };
        out.extend_from_slice(b"PK\x03\x04");
        fields(&mut out);
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(&e.data);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        fields(&mut central);
        central.extend_from_slice(&[0; 6]); // comment, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(e.name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    let n = (entries.len() as u16).to_le_bytes();
    out.extend_from_slice(&n);
    out.extend_from_slice(&n);
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;

/// A workbook of one sheet, `sheet` being its `sheet1.xml`, and more parts.
fn xlsx(sheet: Entry, more: Vec<Entry>) -> Vec<u8> {
    let mut entries = vec![
        Entry::stored(
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        Entry::stored(
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        Entry::stored(
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Payments" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        Entry::stored(
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    entries.extend(more);
    entries.push(sheet);
    zip(&entries)
}

fn parse(name: &str, bytes: Vec<u8>) -> Result<u64, String> {
    parse_spreadsheet(name, bytes, &ImportOptions::default(), |_| Ok(()))
        .map(|s| s.rows)
        .map_err(|e| e.to_string())
}

/// What the review sent: 20 million numbers in one row, 300 MB of XML in
/// a file of a few hundred KB. It used 5 GB and 22.7 s before it was
/// refused; now it is refused once the row is wider than any ledger.
#[test]
fn a_row_of_twenty_million_cells_is_refused_quickly() {
    let sheet = Entry::repeated(
        "xl/worksheets/sheet1.xml",
        &format!("{SHEET_HEAD}<row>"),
        "<c><v>1</v></c>",
        20_000_000,
        "</row></sheetData></worksheet>",
    );
    assert!(sheet.size > 300_000_000);
    let bytes = xlsx(sheet, vec![]);
    assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
    let start = Instant::now();
    let e = parse("wide.xlsx", bytes).unwrap_err();
    let took = start.elapsed();
    assert!(
        e.starts_with("wide.xlsx: sheet \"Payments\", row 1 has more than 1,000 columns"),
        "{e}"
    );
    assert!(e.contains("save the sheet as CSV"), "{e}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// A sheet of a billion bytes of XML is refused before it is read, and a
/// part that unpacks to more than its zip entry says is refused as it is
/// read, before any more of it is.
#[test]
fn a_workbook_that_unpacks_past_the_limit_is_refused_even_if_its_sizes_lie() {
    let limit = socval_core::limits::MAX_SHEET_XML_BYTES;
    // Many short rows: no row or cell limit is reached first.
    let unit = "<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>";
    let times = limit / unit.len() as u64 + 1;
    let sheet = || {
        Entry::repeated(
            "xl/worksheets/sheet1.xml",
            SHEET_HEAD,
            &format!("<row><c t=\"inlineStr\"><is><t>Date</t></is></c></row>{unit}"),
            times,
            "</sheetData></worksheet>",
        )
    };
    let start = Instant::now();
    let e = parse("big.xlsx", xlsx(sheet(), vec![])).unwrap_err();
    assert!(
        e.starts_with("big.xlsx: the workbook unpacks to more than 1,024 MiB, the most socval reads from a spreadsheet; save the sheet as CSV"),
        "{e}"
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    // Said to be small, the sheet is read until it is seen to be larger.
    let mut lying = sheet();
    lying.size = 1000;
    let e = parse("big.xlsx", xlsx(lying, vec![])).unwrap_err();
    assert!(
        e.starts_with("big.xlsx: sheet \"Payments\": ") && e.contains("larger than its declared"),
        "{e}"
    );
    // So are the shared strings, which are read whole.
    let strings = Entry::repeated(
        "xl/sharedStrings.xml",
        "<sst>",
        "<si><t>x</t></si>",
        limit / 17 + 1,
        "</sst>",
    );
    let mut lying = Entry { ..strings };
    lying.size = 1000;
    let small = Entry::stored(
        "xl/worksheets/sheet1.xml",
        &format!("{SHEET_HEAD}</sheetData></worksheet>"),
    );
    let e = parse("big.xlsx", xlsx(small, vec![lying])).unwrap_err();
    assert!(
        e.starts_with("big.xlsx: xl/sharedStrings.xml cannot be unpacked")
            && e.contains("larger than its declared"),
        "{e}"
    );
}

/// An ODS file of these rows of `content.xml`.
fn ods(rows: &str) -> Vec<u8> {
    zip(&[
        Entry::stored("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        Entry::stored(
            "META-INF/manifest.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
        ),
        Entry::stored(
            "content.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Payments">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
            ),
        ),
    ])
}

/// ODS files say "this row, a million times": calamine expands them when
/// it opens the file, so they are counted before.
#[test]
fn ods_repeats_are_counted_before_they_are_expanded() {
    let text = |t: &str| {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>"#
        )
    };
    let row = |cells: &[&str]| {
        let cells: String = cells.iter().map(|c| text(c)).collect();
        format!("<table:table-row>{cells}</table:table-row>")
    };
    let good = format!(
        "{}{}{}",
        row(&["Date", "Amount", "Supplier"]),
        row(&["01/05/2025", "1.50", "A Ltd"]),
        // As LibreOffice ends a sheet: empty rows, repeated.
        r#"<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#
    );
    assert_eq!(parse("pay.ods", ods(&good)), Ok(1));
    let bomb = format!(
        "{}{}",
        row(&["Date", "Amount", "Supplier"]),
        r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="100" office:value-type="float" office:value="1"/></table:table-row>"#
    );
    let start = Instant::now();
    let e = parse("bomb.ods", ods(&bomb)).unwrap_err();
    assert!(
        e.starts_with("bomb.ods: sheet \"Payments\" spans more than 20,000,000 cells once its repeated rows and columns are counted"),
        "{e}"
    );
    assert!(start.elapsed() < Duration::from_secs(5));
}
