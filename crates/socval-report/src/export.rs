//! The report's files: HTML page, XLSX workbook, a CSV per table, JSON.

use std::path::{Path, PathBuf};

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, Format, Workbook};

use socval_core::cell::safe_cells;

use crate::error::{Error, Result};
use crate::html;
use crate::model::{Cell, Kind, Report, Table};

/// The JSON of the whole report (pretty, stable field order; see
/// `docs/report.md`).
pub fn to_json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("the model always serialises");
    s.push('\n');
    s
}

/// One table as CSV: a header row of column keys, then the rows, values
/// exact (`999162.00`, `38.03`, `12.50`).
pub fn to_csv(t: &Table) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let write = |w: &mut csv::Writer<Vec<u8>>, rec: Vec<String>| {
        w.write_record(safe_cells(rec)).expect("writing to memory")
    };
    write(&mut w, t.columns.iter().map(|c| c.key.clone()).collect());
    for r in &t.rows {
        write(&mut w, r.cells.iter().map(Cell::plain).collect());
    }
    w.into_inner().expect("writing to memory")
}

/// The workbook: one sheet per table, named by the table's id. Row 1 holds
/// the column titles; the rows follow, numbers as numbers (money formatted
/// `£#,##0.00`, percentages `0.00"%"`); then a blank row, the table's
/// title, its notes and its sources.
///
/// Returns an error if the workbook cannot be assembled.
pub fn to_xlsx(r: &Report) -> Result<Vec<u8>> {
    let err = |e: rust_xlsxwriter::XlsxError| Error::Write {
        path: "report.xlsx".into(),
        reason: e.to_string(),
    };
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(&r.title)
            .set_comment(&r.generated_by),
    );
    let bold = Format::new().set_bold().set_text_wrap();
    let money = Format::new().set_num_format("£#,##0.00");
    let pct = Format::new().set_num_format("0.00\"%\"");
    let num = Format::new().set_num_format("#,##0.######");
    let bold_money = money.clone().set_bold();
    let bold_pct = pct.clone().set_bold();
    let bold_num = num.clone().set_bold();
    let bold_text = Format::new().set_bold();
    let sources = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| r.sources.iter().find(|s| &s.id == id))
            .map(|s| format!("{}: {}", s.id, s.text))
            .collect()
    };
    for t in r.tables() {
        let ws = wb.add_worksheet();
        ws.set_name(&t.id).map_err(err)?;
        for (c, col) in t.columns.iter().enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, &col.title, &bold)
                .map_err(err)?;
            let width = match col.kind {
                Kind::Text => t
                    .rows
                    .iter()
                    .map(|r| r.cells[c as usize].plain().chars().count())
                    .max()
                    .unwrap_or(10)
                    .clamp(10, 60),
                _ => 16,
            };
            ws.set_column_width(c, width as f64).map_err(err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
        for (i, row) in t.rows.iter().enumerate() {
            let y = i as u32 + 1;
            for (c, cell) in row.cells.iter().enumerate() {
                let c = c as u16;
                let (f_money, f_pct, f_num) = if row.total {
                    (&bold_money, &bold_pct, &bold_num)
                } else {
                    (&money, &pct, &num)
                };
                match cell {
                    Cell::Text(s) if row.total => {
                        ws.write_string_with_format(y, c, s, &bold_text).map(|_| ())
                    }
                    Cell::Text(s) => ws.write_string(y, c, s).map(|_| ()),
                    Cell::Money(d) => ws
                        .write_number_with_format(y, c, d.to_f64().unwrap_or(0.0), f_money)
                        .map(|_| ()),
                    Cell::Percent(d) => ws
                        .write_number_with_format(y, c, d.to_f64().unwrap_or(0.0), f_pct)
                        .map(|_| ()),
                    Cell::Number(d) => ws
                        .write_number_with_format(y, c, d.to_f64().unwrap_or(0.0), f_num)
                        .map(|_| ()),
                    Cell::Empty => Ok(()),
                }
                .map_err(err)?;
            }
        }
        let lines = std::iter::once(t.title.clone())
            .chain(t.notes.iter().cloned())
            .chain(sources(&t.sources));
        for (y, line) in (t.rows.len() as u32 + 2..).zip(lines) {
            ws.write_string(y, 0, &line).map_err(err)?;
        }
    }
    wb.save_to_buffer().map_err(err)
}

/// Writes `report.html`, `report.xlsx`, `report.json` and `csv/<table>.csv`
/// into `dir` (created if needed) and returns the paths written.
///
/// Returns an error naming the file that could not be written.
pub fn write_all(r: &Report, dir: &Path) -> Result<Vec<PathBuf>> {
    let csv_dir = dir.join("csv");
    std::fs::create_dir_all(&csv_dir).map_err(|e| Error::write(&csv_dir, e))?;
    let mut written = Vec::new();
    let mut put = |path: PathBuf, bytes: &[u8]| -> Result<()> {
        // Write beside, then rename: a reader never sees half a file.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes).map_err(|e| Error::write(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::write(&path, e))?;
        written.push(path);
        Ok(())
    };
    put(dir.join("report.html"), html::render(r)?.as_bytes())?;
    put(dir.join("report.xlsx"), &to_xlsx(r)?)?;
    put(dir.join("report.json"), to_json(r).as_bytes())?;
    for t in r.tables() {
        put(csv_dir.join(format!("{}.csv", t.id)), &to_csv(t))?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Row};
    use rust_decimal::Decimal;

    /// A supplier named as a formula is exported as text; a negative
    /// amount stays a number (issue 12, item 6).
    #[test]
    fn csv_cells_carry_no_formulas() {
        let col = |key: &str, kind| Column {
            key: key.into(),
            title: key.into(),
            kind,
        };
        let t = Table {
            id: "t".into(),
            title: "T".into(),
            columns: vec![col("supplier", Kind::Text), col("gbp", Kind::Money)],
            rows: vec![Row {
                key: "r".into(),
                cells: vec![
                    Cell::Text("=HYPERLINK(\"http://x.example/\",\"Acme\")".into()),
                    Cell::Money(Decimal::new(-1250, 2)),
                ],
                total: false,
                records: None,
                cell_records: Default::default(),
            }],
            notes: vec![],
            sources: vec![],
            html_rows: None,
        };
        let text = String::from_utf8(to_csv(&t)).unwrap();
        assert_eq!(
            text,
            "supplier,gbp\n\"'=HYPERLINK(\"\"http://x.example/\"\",\"\"Acme\"\")\",-12.50\n"
        );
    }
}
