//! Excel 97–2003 workbooks (`.xls`) checked before calamine reads them.
//!
//! An XLS file is not a zip: it is a Compound File Binary (a small file
//! system of 512- or 4096-byte sectors chained through a table) holding a
//! `Workbook` stream of BIFF records. calamine reads all of it when it opens
//! the file and trusts what it says: it follows sector chains until they
//! end (a chain that loops never does), indexes the table with them, and
//! reserves room for as many cells as a sheet's `Dimensions` record or
//! strings as the `SST` record claim. A few hundred bytes can so take all
//! memory or stop the process. This walks the same chains, refusing one
//! that loops or leaves the file, then reads the records calamine sizes
//! memory by: every sheet's dimensions and cells, and the string count.

use super::{FIX, Limits, grouped};
use crate::error::column_letter;

/// The first bytes of a Compound File Binary.
pub(super) const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
/// Sector numbers from here up are markers, not sectors.
const MAX_SECTOR: u32 = 0xFFFF_FFFA;
/// Streams shorter than this live in the mini stream, in 64-byte sectors.
const MINI_CUTOFF: usize = 4096;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn damaged(what: &str) -> String {
    format!("the workbook is damaged ({what}); open it in a spreadsheet and {FIX}")
}

/// The sectors of a compound file and its allocation table.
struct Compound<'a> {
    bytes: &'a [u8],
    size: usize,
    fat: Vec<u32>,
}

impl<'a> Compound<'a> {
    /// The sector `id` (the last may be short).
    fn sector(&self, id: u32) -> Option<&'a [u8]> {
        let start = (id as usize).checked_add(1)?.checked_mul(self.size)?;
        let end = (start + self.size).min(self.bytes.len());
        self.bytes.get(start..end).filter(|s| !s.is_empty())
    }

    /// The sectors of the chain from `start`, in order. Refuses a chain
    /// that loops, points outside the table or past the end of the file.
    fn chain(&self, start: u32, table: &[u32], what: &str) -> Result<Vec<u32>, String> {
        let mut out = Vec::new();
        let mut id = start;
        while id != END_OF_CHAIN {
            if id >= MAX_SECTOR {
                break;
            }
            // Longer than the table: it has gone round.
            if out.len() >= table.len() {
                return Err(damaged(&format!("the {what} goes round in a loop")));
            }
            let next = *table
                .get(id as usize)
                .ok_or_else(|| damaged(&format!("the {what} points outside the file")))?;
            out.push(id);
            id = next;
        }
        Ok(out)
    }

    /// The bytes of the chain from `start` in regular sectors, at most
    /// `len`.
    fn read(&self, start: u32, len: usize, what: &str) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        for id in self.chain(start, &self.fat, what)? {
            let s = self
                .sector(id)
                .ok_or_else(|| damaged(&format!("the {what} points past the end of the file")))?;
            out.extend_from_slice(&s[..s.len().min(len - out.len())]);
            if out.len() >= len {
                break;
            }
        }
        Ok(out)
    }
}

/// Checks an XLS file before calamine reads it; anything that is not a
/// compound file is left to calamine.
pub(super) fn check(bytes: &[u8], limits: Limits) -> Result<(), String> {
    if !bytes.starts_with(&SIGNATURE) || bytes.len() < 512 {
        return Ok(());
    }
    let shift = u16_at(bytes, 30).unwrap_or(0);
    if shift != 9 && shift != 12 {
        return Err(damaged("its sector size is not 512 or 4096 bytes"));
    }
    let size = 1usize << shift;
    let mut cf = Compound {
        bytes,
        size,
        fat: Vec::new(),
    };
    let sectors = (bytes.len() / size) as u32 + 1;
    // The table of the table: 109 entries in the header, then a chain.
    let mut difat: Vec<u32> = (0..109).filter_map(|i| u32_at(bytes, 76 + 4 * i)).collect();
    let mut next = u32_at(bytes, 68).unwrap_or(END_OF_CHAIN);
    let mut hops = 0;
    while next < MAX_SECTOR {
        hops += 1;
        if hops > sectors {
            return Err(damaged("its sector table goes round in a loop"));
        }
        let s = cf
            .sector(next)
            .ok_or_else(|| damaged("its sector table points past the end of the file"))?;
        let ids: Vec<u32> = (0..s.len() / 4).filter_map(|i| u32_at(s, 4 * i)).collect();
        let (last, rest) = ids.split_last().unwrap_or((&END_OF_CHAIN, &[]));
        difat.extend_from_slice(rest);
        next = *last;
    }
    for id in difat.into_iter().filter(|&id| id < MAX_SECTOR) {
        let s = cf
            .sector(id)
            .ok_or_else(|| damaged("its sector table points past the end of the file"))?;
        cf.fat
            .extend((0..s.len() / 4).filter_map(|i| u32_at(s, 4 * i)));
    }

    let version = u16_at(bytes, 26).unwrap_or(3);
    let dirs = cf.read(
        u32_at(bytes, 48).unwrap_or(END_OF_CHAIN),
        usize::MAX,
        "directory",
    )?;
    let entries: Vec<(String, u32, u64)> = dirs
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = (0..32).filter_map(|i| u16_at(e, 2 * i)).collect();
            let name = String::from_utf16_lossy(&units);
            let name = name.split('\0').next().unwrap_or("").to_string();
            let start = u32_at(e, 116).unwrap_or(END_OF_CHAIN);
            let len = if version == 3 {
                u64::from(u32_at(e, 120).unwrap_or(0))
            } else {
                u64::from(u32_at(e, 120).unwrap_or(0))
                    | (u64::from(u32_at(e, 124).unwrap_or(0)) << 32)
            };
            (name, start, len)
        })
        .collect();
    let Some(root) = entries.first() else {
        return Ok(());
    };
    // As calamine: the mini stream and its table, when there is one.
    let mini_len = u32_at(bytes, 64).unwrap_or(0) as usize;
    let (mini_fat, ministream) = if mini_len > 0 {
        let stream = cf.read(root.1, usize_of(root.2), "mini stream")?;
        let table = cf.read(
            u32_at(bytes, 60).unwrap_or(END_OF_CHAIN),
            mini_len.saturating_mul(size),
            "mini stream table",
        )?;
        let table: Vec<u32> = (0..table.len() / 4)
            .filter_map(|i| u32_at(&table, 4 * i))
            .collect();
        (table, stream)
    } else {
        (Vec::new(), Vec::new())
    };
    let Some((_, start, len)) = ["workbook", "book"].iter().find_map(|want| {
        entries
            .iter()
            .find(|(name, _, _)| name.eq_ignore_ascii_case(want))
    }) else {
        return Ok(());
    };
    let len = usize_of(*len);
    let stream = if len < MINI_CUTOFF {
        let mut out = Vec::new();
        for id in cf.chain(*start, &mini_fat, "workbook stream")? {
            let at = id as usize * 64;
            let s = ministream
                .get(at..(at + 64).min(ministream.len()))
                .ok_or_else(|| damaged("the workbook stream points past the mini stream"))?;
            out.extend_from_slice(&s[..s.len().min(len - out.len())]);
            if out.len() >= len {
                break;
            }
        }
        out
    } else {
        cf.read(*start, len, "workbook stream")?
    };
    check_records(&stream, limits)
}

fn usize_of(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// One sheet's cells as the records give them.
#[derive(Default)]
struct Span {
    cells: u64,
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl Span {
    fn add(&mut self, row: u32, col: u32) {
        self.cells += 1;
        self.rows = Some(
            self.rows
                .map_or((row, row), |(a, b)| (a.min(row), b.max(row))),
        );
        self.cols = Some(
            self.cols
                .map_or((col, col), |(a, b)| (a.min(col), b.max(col))),
        );
    }

    fn area(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => {
                u64::from(r1 - r0 + 1).saturating_mul(u64::from(c1 - c0 + 1))
            }
            _ => 0,
        }
    }
}

/// Reads the BIFF records of a workbook stream for what calamine sizes
/// memory by.
fn check_records(stream: &[u8], limits: Limits) -> Result<(), String> {
    let too_many = |what: &str| {
        format!(
            "a sheet has more than {} cells{what}, the most socval reads from a spreadsheet; {FIX}",
            grouped(limits.cells)
        )
    };
    let too_wide = |row: u32| {
        format!(
            "a sheet's row {} has more than {} columns, the most socval reads from a spreadsheet; delete the columns after {} or {FIX}",
            u64::from(row) + 1,
            grouped(u64::from(limits.columns)),
            column_letter(limits.columns as usize - 1),
        )
    };
    let mut at = 0;
    let mut span = Span::default();
    while let (Some(typ), Some(len)) = (u16_at(stream, at), u16_at(stream, at + 2)) {
        let start = at + 4;
        let Some(data) = stream.get(start..start + len as usize) else {
            break;
        };
        at = start + len as usize;
        let mut cell = |row: u32, col: u32| -> Result<(), String> {
            if col >= limits.columns {
                return Err(too_wide(row));
            }
            span.add(row, col);
            if span.cells > limits.cells || span.area() > limits.cells {
                return Err(too_many(""));
            }
            Ok(())
        };
        match typ {
            // BOF: a new substream (the globals, or a sheet).
            0x0809 | 0x0409 | 0x0209 | 0x0009 => span = Span::default(),
            // SST: calamine keeps every string.
            0x00FC => {
                let unique = u64::from(u32_at(data, 4).unwrap_or(0));
                if unique > limits.cells {
                    return Err(format!(
                        "the workbook says it has {} different texts, more than the {} cells socval reads from a spreadsheet; {FIX}",
                        grouped(unique),
                        grouped(limits.cells)
                    ));
                }
            }
            // Dimensions: calamine reserves room for every cell in them,
            // read as it reads them.
            0x0200 => {
                let (rf, rl, cf, cl) = match data.len() {
                    10 => (
                        u32::from(u16_at(data, 0).unwrap_or(0)),
                        u32::from(u16_at(data, 2).unwrap_or(0)),
                        u32::from(u16_at(data, 4).unwrap_or(0)),
                        u32::from(u16_at(data, 6).unwrap_or(0)),
                    ),
                    14 | 16 => (
                        u32_at(data, 0).unwrap_or(0),
                        u32_at(data, 4).unwrap_or(0),
                        u32::from(u16_at(data, 8).unwrap_or(0)),
                        u32::from(u16_at(data, 10).unwrap_or(0)),
                    ),
                    _ => continue,
                };
                let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
                if rl >= 1 && cl >= 1 {
                    let (Some(rows), Some(cols)) =
                        ((rl - 1).checked_sub(rf), (cl - 1).checked_sub(cf))
                    else {
                        return Err(damaged("a sheet's dimensions end before they start"));
                    };
                    let area = (u64::from(rows) + 1).saturating_mul(u64::from(cols) + 1);
                    if area > limits.cells {
                        return Err(too_many(" by its dimensions"));
                    }
                }
            }
            // Cells: Number, Label, RString, BoolErr, RK, LabelSst, Formula.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) {
                    cell(u32::from(row), u32::from(col))?;
                }
            }
            // MulRk: a row of numbers from one column to another.
            0x00BD => {
                if let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) {
                    let n = data.len().saturating_sub(6) / 6;
                    for i in 0..n as u32 {
                        cell(u32::from(row), u32::from(first) + i)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// One BIFF record.
    pub(crate) fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend_from_slice(&(data.len() as u16).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    /// A compound file (version 3, 512-byte sectors) of one stream named
    /// `Workbook` holding `stream` (padded to 4096 bytes so it lives in
    /// regular sectors); `fat_patch` edits the allocation table.
    pub(crate) fn compound(stream: &[u8], fat_patch: impl Fn(&mut Vec<u32>)) -> Vec<u8> {
        let mut stream = stream.to_vec();
        stream.resize(stream.len().max(MINI_CUTOFF), 0);
        let n = stream.len().div_ceil(512) as u32;
        // Sectors: 0 the table, 1 the directory, 2.. the stream.
        let mut fat = vec![0xFFFF_FFFD, END_OF_CHAIN];
        fat.extend((0..n).map(|i| if i + 1 == n { END_OF_CHAIN } else { 3 + i }));
        fat_patch(&mut fat);
        fat.resize(128, 0xFFFF_FFFF);
        let mut h = SIGNATURE.to_vec();
        h.resize(512, 0);
        h[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
        h[26..28].copy_from_slice(&3u16.to_le_bytes());
        h[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
        h[30..32].copy_from_slice(&9u16.to_le_bytes());
        h[32..34].copy_from_slice(&6u16.to_le_bytes());
        h[44..48].copy_from_slice(&1u32.to_le_bytes()); // table sectors
        h[48..52].copy_from_slice(&1u32.to_le_bytes()); // directory
        h[56..60].copy_from_slice(&(MINI_CUTOFF as u32).to_le_bytes());
        h[60..64].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        h[68..72].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        for i in 0..109 {
            let v: u32 = if i == 0 { 0 } else { 0xFFFF_FFFF };
            h[76 + 4 * i..80 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        let mut out = h;
        out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
        let entry = |name: &str, typ: u8, start: u32, len: u32, child: u32| {
            let mut e = vec![0u8; 128];
            let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
            for (i, u) in units.iter().enumerate() {
                e[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
            }
            e[64..66].copy_from_slice(&(2 * units.len() as u16).to_le_bytes());
            e[66] = typ;
            e[67] = 1; // black
            e[68..72].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
            e[72..76].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
            e[76..80].copy_from_slice(&child.to_le_bytes());
            e[116..120].copy_from_slice(&start.to_le_bytes());
            e[120..124].copy_from_slice(&len.to_le_bytes());
            e
        };
        out.extend(entry("Root Entry", 5, END_OF_CHAIN, 0, 1));
        out.extend(entry("Workbook", 2, 2, stream.len() as u32, 0xFFFF_FFFF));
        out.extend(vec![0u8; 256]);
        out.extend(&stream);
        out.resize(512 * (3 + n as usize), 0);
        out
    }

    const SMALL: Limits = Limits {
        xml_bytes: 1 << 20,
        cells: 100,
        columns: 10,
    };

    fn sheet(records: &[Vec<u8>]) -> Vec<u8> {
        let mut s = record(0x0809, &[0, 6, 0x10, 0, 0, 0, 0, 0]);
        s.extend(records.iter().flatten());
        s.extend(record(0x000A, &[]));
        s
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend([0, 0]);
        d.extend(1.5f64.to_le_bytes());
        record(0x0203, &d)
    }

    fn dimensions(rf: u32, rl: u32, cf: u16, cl: u16) -> Vec<u8> {
        let mut d = rf.to_le_bytes().to_vec();
        d.extend(rl.to_le_bytes());
        d.extend(cf.to_le_bytes());
        d.extend(cl.to_le_bytes());
        d.extend([0, 0]);
        record(0x0200, &d)
    }

    #[test]
    fn sheets_within_the_limits_pass() {
        let ok = compound(
            &sheet(&[dimensions(0, 10, 0, 9), number(0, 0), number(9, 8)]),
            |_| {},
        );
        assert_eq!(check(&ok, SMALL), Ok(()));
        assert_eq!(check(b"not a compound file", SMALL), Ok(()));
    }

    #[test]
    fn what_calamine_would_size_memory_by_is_refused() {
        let cases: [(Vec<Vec<u8>>, &str); 6] = [
            // Claims 4 billion rows by 256 columns.
            (
                vec![dimensions(0, u32::MAX, 0, 256)],
                "more than 100 cells by its dimensions",
            ),
            // Ends before it starts.
            (
                vec![dimensions(10, 5, 0, 5)],
                "dimensions end before they start",
            ),
            // Two cells far apart.
            (vec![number(0, 0), number(60_000, 0)], "more than 100 cells"),
            // A value past the last column.
            (vec![number(3, 10)], "row 4 has more than 10 columns"),
            // More cells than the limit in a small area is caught too.
            (
                (0..101).map(|_| number(0, 0)).collect(),
                "more than 100 cells",
            ),
            // An SST claiming a trillion strings.
            (
                vec![record(0x00FC, &[0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])],
                "4,294,967,295 different texts",
            ),
        ];
        for (records, want) in cases {
            let e = check(&compound(&sheet(&records), |_| {}), SMALL).unwrap_err();
            assert!(e.contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn chains_that_loop_or_leave_the_file_are_refused() {
        let s = sheet(&[number(0, 0)]);
        // The stream's last sector points back to its first.
        let e = check(
            &compound(&s, |fat| {
                let last = fat.len() - 1;
                fat[last] = 2;
            }),
            SMALL,
        )
        .unwrap_err();
        assert!(e.contains("goes round in a loop"), "{e}");
        // The directory points at a sector beyond the table.
        let e = check(&compound(&s, |fat| fat[1] = 5000), SMALL).unwrap_err();
        assert!(e.contains("points outside the file"), "{e}");
    }
}
