//! A payments spreadsheet (`socval spend import FILE.xlsx`, also XLS, XLSB
//! and ODS; the portal's spend upload): `socval_spend::parse_spreadsheet`,
//! with the totals an import records checked against the rows it kept.
//!
//! An input that starts with a zip header is the file as uploaded. Any
//! other input is the XML of a worksheet, packed here into a workbook (a
//! mutated zip rarely survives its own checks, so this reaches the cells).
//!
//! An XLSX with a cell past socval's sheet limits is skipped: calamine
//! makes one allocation of rows × columns cells for it, which aborts the
//! process (finding 3 in bench/fuzz/README.md), and `parse_spreadsheet`
//! does not check the limits yet. Skipping them lets fuzzing go on to the
//! rest; drop `past_limits` once it does.

#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use socval_spend::{BlankAmount, ImportOptions};

fuzz_target!(|data: &[u8]| {
    let bytes = if data.starts_with(b"PK") {
        data.to_vec()
    } else {
        workbook(data)
    };
    if past_limits(&bytes) {
        return;
    }
    let opts = ImportOptions {
        blank_amount: BlankAmount::Skip,
        ..ImportOptions::default()
    };
    let mut batch_rows = 0u64;
    let parsed = socval_spend::parse_spreadsheet("payments.xlsx", bytes, &opts, |b| {
        batch_rows += b.num_rows() as u64;
        Ok(())
    });
    if let Ok(summary) = parsed {
        socval_fuzz::check_summary(&summary, batch_rows);
    }
});

/// True if a sheet of an XLSX has a cell past `limits::MAX_SHEET_COLUMNS`
/// or a grid past `limits::MAX_SHEET_CELLS` (counted from A1).
fn past_limits(bytes: &[u8]) -> bool {
    use calamine::{Reader, Xlsx};
    use socval_core::limits::{MAX_SHEET_CELLS, MAX_SHEET_COLUMNS};
    let Ok(mut wb) = Xlsx::new(std::io::Cursor::new(bytes)) else {
        return false;
    };
    for name in wb.sheet_names() {
        let Ok(mut cells) = wb.worksheet_cells_reader(&name) else {
            continue;
        };
        let (mut rows, mut columns) = (0u64, 0u64);
        while let Ok(Some(cell)) = cells.next_cell() {
            let (r, c) = cell.get_position();
            rows = rows.max(u64::from(r) + 1);
            columns = columns.max(u64::from(c) + 1);
        }
        if columns > u64::from(MAX_SHEET_COLUMNS) || rows.saturating_mul(columns) > MAX_SHEET_CELLS
        {
            return true;
        }
    }
    false
}

/// An XLSX workbook of one sheet, `Payments`, whose XML is `sheet`.
fn workbook(sheet: &[u8]) -> Vec<u8> {
    const PARTS: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Payments" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in PARTS {
        z.start_file(name, options).expect("in memory");
        z.write_all(text.as_bytes()).expect("in memory");
    }
    z.start_file("xl/worksheets/sheet1.xml", options)
        .expect("in memory");
    z.write_all(sheet).expect("in memory");
    z.finish().expect("in memory").into_inner()
}
