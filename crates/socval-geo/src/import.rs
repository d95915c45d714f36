//! Reading postcode files (ONSPD, NSPL, Code-Point Open) and merging them
//! into a new index.
//!
//! Merge rule: files are read in the order given; for each postcode and
//! each field (LAD, ward, LSOA 2011, LSOA 2021, coordinates, termination),
//! the first file that has a value wins and later files only fill fields
//! still missing. Within one file, a repeated postcode is merged the same
//! way (first row wins).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;

use crate::distance::{LatLong, to_micro};
use crate::error::{Error, Result};
use crate::index::{
    self, Columns, IndexInfo, NONE_COORD, NONE_ID, PostcodeIndex, SourceInfo, TERM_NO_DATE,
};
use crate::postcode::Postcode;

/// Names accepted for the postcode column, in order of preference.
pub const POSTCODE_COLUMNS: &[&str] = &["pcds", "pcd", "pcd7", "pcd8", "postcode", "pcd2"];
const LAD_COLUMNS: &[&str] = &["oslaua", "laua", "lad", "ladcd"];
const WARD_COLUMNS: &[&str] = &["osward", "ward", "wdcd"];
const LSOA11_COLUMNS: &[&str] = &["lsoa11", "lsoa11cd"];
const LSOA21_COLUMNS: &[&str] = &["lsoa21", "lsoa21cd"];
const LAT_COLUMNS: &[&str] = &["lat", "latitude"];
const LONG_COLUMNS: &[&str] = &["long", "longitude", "lon", "lng"];
const EAST_COLUMNS: &[&str] = &["oseast1m", "easting", "eastings"];
const NORTH_COLUMNS: &[&str] = &["osnrth1m", "northing", "northings"];
const DOTERM_COLUMNS: &[&str] = &["doterm"];

// Row-level sentinel: this file said nothing about termination.
const TERM_MISSING: u32 = u32::MAX - 1;

/// What a file holds, detected from its first line or given with `--kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// ONS Postcode Directory or National Statistics Postcode Lookup (CSV with a header).
    Ons,
    /// Ordnance Survey Code-Point Open data file (no header row).
    CodePoint,
    /// Code-Point Open's column headers file.
    CodePointHeaders,
    /// English Indices of Deprivation, File 1.
    Imd,
    /// Code → name file (`code,name` or `LAD24CD,LAD24NM`...).
    Names,
    /// LSOA 2011 → 2021 lookup (`LSOA11CD`, `LSOA21CD`).
    LsoaLookup,
}

impl FileKind {
    /// The name used on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            FileKind::Ons => "ons",
            FileKind::CodePoint => "codepoint",
            FileKind::CodePointHeaders => "codepoint-headers",
            FileKind::Imd => "imd",
            FileKind::Names => "names",
            FileKind::LsoaLookup => "lsoa-lookup",
        }
    }
}

impl FromStr for FileKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "ons" | "onspd" | "nspl" => FileKind::Ons,
            "codepoint" | "code-point" => FileKind::CodePoint,
            "codepoint-headers" => FileKind::CodePointHeaders,
            "imd" => FileKind::Imd,
            "names" => FileKind::Names,
            "lsoa-lookup" => FileKind::LsoaLookup,
            _ => {
                return Err(format!(
                    "unknown kind {s:?}: ons, codepoint, codepoint-headers, imd, names, lsoa-lookup"
                ));
            }
        })
    }
}

/// Opens a file for reading, decompressing it if it is gzipped (detected
/// by its first bytes, not its name).
pub fn open_input(path: &Path) -> Result<Box<dyn BufRead>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    maybe_gz(path, Box::new(file))
}

/// Wraps a reader, decompressing it if it starts with the gzip magic number.
pub fn maybe_gz(path: &Path, input: Box<dyn Read>) -> Result<Box<dyn BufRead>> {
    let mut buf = BufReader::with_capacity(1 << 16, input);
    let head = buf.fill_buf().map_err(|e| Error::io(path, e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(buf),
        )))
    } else {
        Ok(Box::new(buf))
    }
}

fn split_header(line: &str) -> Vec<String> {
    line.trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n'])
        .split(',')
        .map(|f| f.trim().trim_matches('"').trim().to_ascii_lowercase())
        .collect()
}

/// Tells what a file holds from its first line, without consuming it.
///
/// Returns [`Error::UnknownKind`] if nothing matches.
pub fn detect_kind(path: &Path, input: &mut dyn BufRead) -> Result<FileKind> {
    let head = input.fill_buf().map_err(|e| Error::io(path, e))?;
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = String::from_utf8_lossy(&head[..end]).into_owned();
    let cols = split_header(&line);
    let has = |names: &[&str]| cols.iter().any(|c| names.contains(&c.as_str()));
    if cols.first().is_some_and(|c| c == "pc") && has(&["ea"])
        || cols.iter().any(|c| c == "positional_quality_indicator")
    {
        return Ok(FileKind::CodePointHeaders);
    }
    if has(POSTCODE_COLUMNS) {
        return Ok(FileKind::Ons);
    }
    if cols.iter().any(|c| c.starts_with("lsoa code")) && cols.iter().any(|c| c.contains("rank")) {
        return Ok(FileKind::Imd);
    }
    if has(&["lsoa11cd"]) && has(&["lsoa21cd"]) {
        return Ok(FileKind::LsoaLookup);
    }
    if crate::names::name_columns(&cols).is_some() {
        return Ok(FileKind::Names);
    }
    if cols.len() >= 4 && Postcode::parse(&cols[0]).is_ok() && cols[2].parse::<u32>().is_ok() {
        return Ok(FileKind::CodePoint);
    }
    Err(Error::UnknownKind {
        path: path.to_owned(),
        first_line: line.chars().take(120).collect(),
        columns: cols.join(", "),
        accepted: POSTCODE_COLUMNS.join(", "),
    })
}

/// Where the fields are in Code-Point Open rows, which have no header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodePointLayout {
    postcode: usize,
    quality: Option<usize>,
    easting: usize,
    northing: usize,
    lad: Option<usize>,
    ward: Option<usize>,
}

impl Default for CodePointLayout {
    /// The published order: `PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC`.
    fn default() -> Self {
        CodePointLayout {
            postcode: 0,
            quality: Some(1),
            easting: 2,
            northing: 3,
            lad: Some(8),
            ward: Some(9),
        }
    }
}

impl CodePointLayout {
    /// Reads the column headers file shipped with Code-Point Open (short
    /// codes `PC,PQ,EA,...` and/or long names `Postcode,...`).
    pub fn from_headers(path: &Path, input: impl Read) -> Result<CodePointLayout> {
        let mut text = String::new();
        BufReader::new(input)
            .read_to_string(&mut text)
            .map_err(|e| Error::io(path, e))?;
        let lines: Vec<Vec<String>> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(split_header)
            .collect();
        let find = |short: &str, long: &str| {
            lines
                .iter()
                .find_map(|cols| cols.iter().position(|c| c == short || c == long))
        };
        let missing = |what: &str| Error::MissingColumn {
            path: path.to_owned(),
            what: what.to_owned(),
            found: lines.first().cloned().unwrap_or_default(),
            accepted: vec![],
        };
        Ok(CodePointLayout {
            postcode: find("pc", "postcode").ok_or_else(|| missing("PC (Postcode)"))?,
            quality: find("pq", "positional_quality_indicator"),
            easting: find("ea", "eastings").ok_or_else(|| missing("EA (Eastings)"))?,
            northing: find("no", "northings").ok_or_else(|| missing("NO (Northings)"))?,
            lad: find("dc", "admin_district_code"),
            ward: find("wc", "admin_ward_code"),
        })
    }
}

#[derive(Clone, Copy)]
struct Row {
    key: u64,
    src: u32,
    lad: u32,
    ward: u32,
    lsoa11: u32,
    lsoa21: u32,
    lat: i32,
    long: i32,
    term: u32,
}

impl Row {
    fn empty(key: u64, src: u32) -> Row {
        Row {
            key,
            src,
            lad: NONE_ID,
            ward: NONE_ID,
            lsoa11: NONE_ID,
            lsoa21: NONE_ID,
            lat: NONE_COORD,
            long: NONE_COORD,
            term: TERM_MISSING,
        }
    }
    fn fill_from(&mut self, o: &Row) {
        let fill = |a: &mut u32, b: u32| {
            if *a == NONE_ID {
                *a = b;
            }
        };
        fill(&mut self.lad, o.lad);
        fill(&mut self.ward, o.ward);
        fill(&mut self.lsoa11, o.lsoa11);
        fill(&mut self.lsoa21, o.lsoa21);
        if self.lat == NONE_COORD {
            self.lat = o.lat;
            self.long = o.long;
        }
        if self.term == TERM_MISSING {
            self.term = o.term;
        }
    }
}

/// Builds a new postcode index from one or more files.
///
/// ```no_run
/// use socval_geo::{IndexBuilder, open_input};
/// let mut b = IndexBuilder::new();
/// let path = std::path::Path::new("postcodes-s-dn.csv");
/// b.add_ons(path, open_input(path)?)?;
/// b.write("socval-data/geo/postcodes.idx".as_ref())?;
/// # Ok::<(), socval_geo::Error>(())
/// ```
#[derive(Default)]
pub struct IndexBuilder {
    ids: HashMap<Vec<u8>, u32>,
    strings: Vec<Vec<u8>>,
    rows: Vec<Row>,
    sources: Vec<SourceInfo>,
}

struct OnsColumns {
    postcode: (usize, String),
    lad: Option<usize>,
    ward: Option<usize>,
    lsoa11: Option<usize>,
    lsoa21: Option<usize>,
    lat: Option<usize>,
    long: Option<usize>,
    east: Option<usize>,
    north: Option<usize>,
    doterm: Option<usize>,
}

impl OnsColumns {
    /// The columns of an ONSPD or NSPL header (lower case), by name with
    /// each edition's aliases; an error lists what was found when there is
    /// no postcode column.
    fn find(path: &Path, header: &[String]) -> Result<OnsColumns> {
        let postcode =
            find_col(header, POSTCODE_COLUMNS).ok_or_else(|| Error::NoPostcodeColumn {
                path: path.to_owned(),
                found: header.to_vec(),
                accepted: POSTCODE_COLUMNS.iter().map(|s| s.to_string()).collect(),
            })?;
        Ok(OnsColumns {
            postcode: (postcode, header[postcode].clone()),
            lad: find_dated(header, LAD_COLUMNS, "lad", "cd"),
            ward: find_dated(header, WARD_COLUMNS, "wd", "cd"),
            lsoa11: find_col(header, LSOA11_COLUMNS),
            lsoa21: find_col(header, LSOA21_COLUMNS),
            lat: find_col(header, LAT_COLUMNS),
            long: find_col(header, LONG_COLUMNS),
            east: find_col(header, EAST_COLUMNS),
            north: find_col(header, NORTH_COLUMNS),
            doterm: find_col(header, DOTERM_COLUMNS),
        })
    }

    /// What the file gives besides postcodes, as the index's source lists
    /// it.
    fn fields(&self) -> Vec<String> {
        let has_coords = self.lat.is_some() && self.long.is_some()
            || self.east.is_some() && self.north.is_some();
        [
            (self.lad.is_some(), "lad"),
            (self.ward.is_some(), "ward"),
            (self.lsoa11.is_some(), "lsoa11"),
            (self.lsoa21.is_some(), "lsoa21"),
            (has_coords, "coordinates"),
            (self.doterm.is_some(), "termination"),
        ]
        .into_iter()
        .filter(|(present, _)| *present)
        .map(|(_, f)| f.to_string())
        .collect()
    }
}

fn find_col(header: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| header.iter().position(|h| h == n))
}

fn find_dated(header: &[String], names: &[&str], prefix: &str, suffix: &str) -> Option<usize> {
    // `lad25cd`, `wd24cd`: the edition's year sits between prefix and suffix.
    find_col(header, names).or_else(|| {
        header.iter().position(|h| {
            h.strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(suffix))
                .is_some_and(|y| y.len() == 2 && y.bytes().all(|b| b.is_ascii_digit()))
        })
    })
}

impl IndexBuilder {
    /// An empty builder.
    pub fn new() -> IndexBuilder {
        IndexBuilder::default()
    }

    fn intern(&mut self, s: &[u8]) -> u32 {
        let s = trim(s);
        if s.is_empty() {
            return NONE_ID;
        }
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.to_vec());
        self.ids.insert(s.to_vec(), id);
        id
    }

    /// True until a source has been added.
    pub fn is_empty_of_sources(&self) -> bool {
        self.sources.is_empty()
    }

    /// Adds the records of an existing index as the next source (used to
    /// merge new files into what was imported before).
    pub fn add_index(&mut self, index: &PostcodeIndex) {
        let src = self.sources.len() as u32;
        let mut n = 0;
        for rec in index.iter() {
            let Some(key) = rec.postcode.key() else {
                continue;
            };
            let mut row = Row::empty(key, src);
            row.lad = rec.lad.map_or(NONE_ID, |s| self.intern(s.as_bytes()));
            row.ward = rec.ward.map_or(NONE_ID, |s| self.intern(s.as_bytes()));
            row.lsoa11 = rec.lsoa11.map_or(NONE_ID, |s| self.intern(s.as_bytes()));
            row.lsoa21 = rec.lsoa21.map_or(NONE_ID, |s| self.intern(s.as_bytes()));
            if let Some(c) = rec.coords {
                row.lat = to_micro(c.lat);
                row.long = to_micro(c.long);
            }
            row.term = if rec.terminated {
                rec.doterm.unwrap_or(TERM_NO_DATE)
            } else {
                0
            };
            self.rows.push(row);
            n += 1;
        }
        let fields = [
            "lad",
            "ward",
            "lsoa11",
            "lsoa21",
            "coordinates",
            "termination",
        ];
        self.sources.push(SourceInfo {
            file: index.path().display().to_string(),
            kind: "index".into(),
            rows: n,
            fields: fields.into_iter().map(String::from).collect(),
        });
        for s in &index.info().sources {
            let mut s = s.clone();
            s.kind = format!("{} (via index)", s.kind);
            self.sources.push(s);
        }
    }

    /// Reads an ONSPD or NSPL CSV file (plain; see [`open_input`] for gzip),
    /// matching columns by name with the aliases of each edition. Returns
    /// the number of data rows.
    ///
    /// Errors name the file, line and field of the first bad row, or list
    /// the columns found when there is no postcode column.
    pub fn add_ons(&mut self, path: &Path, input: impl Read) -> Result<u64> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .buffer_capacity(1 << 16)
            .from_reader(input);
        let header: Vec<String> = rdr
            .byte_headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        let cols = OnsColumns::find(path, &header)?;
        let name = |i: Option<usize>| i.map(|i| header[i].clone()).unwrap_or_default();
        let src = self.sources.len() as u32;
        let mut rec = csv::ByteRecord::new();
        let mut n = 0u64;
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(path, &e)),
            }
            n += 1;
            let line = rec.position().map_or(0, |p| p.line());
            let field_err = |field: String, value: &[u8], reason: String| Error::Field {
                path: path.to_owned(),
                line,
                field,
                value: String::from_utf8_lossy(value).into_owned(),
                reason,
            };
            let raw = rec.get(cols.postcode.0).unwrap_or_default();
            let pc = std::str::from_utf8(raw)
                .map_err(|_| "not UTF-8".to_string())
                .and_then(|s| Postcode::parse(s).map_err(|e| e.to_string()))
                .map_err(|reason| field_err(cols.postcode.1.clone(), raw, reason))?;
            let Some(key) = pc.key() else { continue };
            let mut row = Row::empty(key, src);
            let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or_default();
            row.lad = self.intern(get(cols.lad));
            row.ward = self.intern(get(cols.ward));
            row.lsoa11 = self.intern(get(cols.lsoa11));
            row.lsoa21 = self.intern(get(cols.lsoa21));
            if let (Some(_), Some(_)) = (cols.lat, cols.long) {
                let lat = parse_f64(get(cols.lat))
                    .map_err(|r| field_err(name(cols.lat), get(cols.lat), r))?;
                let long = parse_f64(get(cols.long))
                    .map_err(|r| field_err(name(cols.long), get(cols.long), r))?;
                // ONS marks postcodes without a grid reference with lat 99.999999.
                if let (Some(lat), Some(long)) = (lat, long)
                    && let Some(p) = (lat <= 90.0).then(|| LatLong::new(lat, long)).flatten()
                {
                    row.lat = to_micro(p.lat);
                    row.long = to_micro(p.long);
                }
            }
            if row.lat == NONE_COORD
                && let (Some(_), Some(_)) = (cols.east, cols.north)
                && pc.area() != "BT"
            {
                // Great Britain only: Northern Ireland grid references are Irish Grid.
                let e = parse_f64(get(cols.east))
                    .map_err(|r| field_err(name(cols.east), get(cols.east), r))?;
                let nn = parse_f64(get(cols.north))
                    .map_err(|r| field_err(name(cols.north), get(cols.north), r))?;
                if let (Some(e), Some(nn)) = (e, nn)
                    && (e > 0.0 || nn > 0.0)
                {
                    let p = LatLong::from_osgb(e, nn);
                    row.lat = to_micro(p.lat);
                    row.long = to_micro(p.long);
                }
            }
            if cols.doterm.is_some() {
                let v = trim(get(cols.doterm));
                row.term = parse_doterm(v).map_err(|r| field_err(name(cols.doterm), v, r))?;
            }
            self.rows.push(row);
        }
        self.sources.push(SourceInfo {
            file: path.display().to_string(),
            kind: "ons".into(),
            rows: n,
            fields: cols.fields(),
        });
        Ok(n)
    }

    /// Reads a Code-Point Open data file (no header row) with the given
    /// column layout. Code-Point lists current postcodes only, so every
    /// postcode in it counts as live. Returns the number of rows.
    pub fn add_codepoint(
        &mut self,
        path: &Path,
        input: impl Read,
        layout: &CodePointLayout,
    ) -> Result<u64> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let src = self.sources.len() as u32;
        let mut rec = csv::ByteRecord::new();
        let mut n = 0u64;
        let col_name = |i: usize| {
            format!(
                "column {} ({})",
                i + 1,
                ["PC", "PQ", "EA", "NO", "CY", "RH", "LH", "CC", "DC", "WC"]
                    .get(i)
                    .unwrap_or(&"?")
            )
        };
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(path, &e)),
            }
            n += 1;
            let line = rec.position().map_or(0, |p| p.line());
            let field_err = |i: usize, value: &[u8], reason: String| Error::Field {
                path: path.to_owned(),
                line,
                field: col_name(i),
                value: String::from_utf8_lossy(value).into_owned(),
                reason,
            };
            let raw = rec.get(layout.postcode).unwrap_or_default();
            let pc = std::str::from_utf8(raw)
                .map_err(|_| "not UTF-8".to_string())
                .and_then(|s| Postcode::parse(s).map_err(|e| e.to_string()))
                .map_err(|r| field_err(layout.postcode, raw, r))?;
            let Some(key) = pc.key() else { continue };
            let mut row = Row::empty(key, src);
            let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or_default();
            row.lad = self.intern(get(layout.lad));
            row.ward = self.intern(get(layout.ward));
            row.term = 0;
            // Positional quality 90: no coordinates.
            let no_coords = trim(get(layout.quality)) == b"90";
            let e = parse_f64(get(Some(layout.easting)))
                .map_err(|r| field_err(layout.easting, get(Some(layout.easting)), r))?;
            let nn = parse_f64(get(Some(layout.northing)))
                .map_err(|r| field_err(layout.northing, get(Some(layout.northing)), r))?;
            if !no_coords
                && let (Some(e), Some(nn)) = (e, nn)
                && (e > 0.0 || nn > 0.0)
            {
                let p = LatLong::from_osgb(e, nn);
                row.lat = to_micro(p.lat);
                row.long = to_micro(p.long);
            }
            self.rows.push(row);
        }
        let mut fields = vec!["coordinates".to_string(), "termination".to_string()];
        if layout.lad.is_some() {
            fields.insert(0, "lad".into());
        }
        if layout.ward.is_some() {
            fields.insert(1, "ward".into());
        }
        self.sources.push(SourceInfo {
            file: path.display().to_string(),
            kind: "codepoint".into(),
            rows: n,
            fields,
        });
        Ok(n)
    }

    /// Merges the sources read so far (first file wins, later files fill
    /// missing fields) and writes the index atomically to `path`: the
    /// previous index stays in place unless the new one is complete.
    pub fn write(mut self, path: &Path) -> Result<IndexInfo> {
        self.rows.sort_by_key(|r| (r.key, r.src));
        let mut cols = Columns::default();
        let mut info = IndexInfo {
            sources: std::mem::take(&mut self.sources),
            ..IndexInfo::default()
        };
        let mut push = |r: Row, cols: &mut Columns| {
            let term = if r.term == TERM_MISSING { 0 } else { r.term };
            info.postcodes += 1;
            info.terminated += u64::from(term != 0);
            info.with_coordinates += u64::from(r.lat != NONE_COORD);
            cols.keys.push(r.key);
            cols.lad.push(r.lad);
            cols.ward.push(r.ward);
            cols.lsoa11.push(r.lsoa11);
            cols.lsoa21.push(r.lsoa21);
            cols.lat.push(r.lat);
            cols.long.push(r.long);
            cols.term.push(term);
        };
        let mut merged: Option<Row> = None;
        for r in &self.rows {
            match &mut merged {
                Some(m) if m.key == r.key => m.fill_from(r),
                _ => {
                    if let Some(m) = merged.take() {
                        push(m, &mut cols);
                    }
                    merged = Some(*r);
                }
            }
        }
        if let Some(m) = merged {
            push(m, &mut cols);
        }
        index::write(path, &cols, &self.strings, &info)?;
        Ok(info)
    }
}

fn trim(s: &[u8]) -> &[u8] {
    s.trim_ascii()
}

fn parse_f64(v: &[u8]) -> std::result::Result<Option<f64>, String> {
    let v = trim(v);
    if v.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|f| f.is_finite())
        .map(Some)
        .ok_or_else(|| "not a number".to_string())
}

fn parse_doterm(v: &[u8]) -> std::result::Result<u32, String> {
    if v.is_empty() {
        return Ok(0);
    }
    let s = std::str::from_utf8(v).map_err(|_| "not UTF-8".to_string())?;
    let ok = s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit());
    let n: u32 = if ok { s.parse().unwrap_or(0) } else { 0 };
    let month = n % 100;
    if !ok || !(1..=12).contains(&month) || n / 100 < 1900 {
        return Err("termination date must be yyyymm, e.g. 199606, or empty".into());
    }
    Ok(n)
}

pub(crate) fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::Io(io) => Error::Io {
            path: path.to_owned(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        },
        _ => Error::Csv {
            path: path.to_owned(),
            line,
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doterm_values() {
        let cases: [(&str, Result<u32, ()>); 5] = [
            ("", Ok(0)),
            ("199606", Ok(199_606)),
            ("202413", Err(())),
            ("1996", Err(())),
            ("abcdef", Err(())),
        ];
        for (v, want) in cases {
            assert_eq!(parse_doterm(v.as_bytes()).map_err(|_| ()), want, "{v}");
        }
    }

    #[test]
    fn detects_kinds_from_first_line() {
        let cases = [
            (
                "pcd,pcds,doterm,laua,ward,lsoa21,oseast1m,osnrth1m,lat,long\n",
                Some(FileKind::Ons),
            ),
            ("pcd7,pcd8,pcds,dointr,doterm\n", Some(FileKind::Ons)),
            (
                "\u{feff}LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile\n",
                Some(FileKind::Imd),
            ),
            (
                "\"S1 1AA\",10,435732,387312,\"E92000001\",\"E19000001\",\"E18000003\",\"\",\"E08000039\",\"E05010862\"\n",
                Some(FileKind::CodePoint),
            ),
            (
                "PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC\n",
                Some(FileKind::CodePointHeaders),
            ),
            ("code,name,name_welsh\n", Some(FileKind::Names)),
            ("LAD24CD,LAD24NM\n", Some(FileKind::Names)),
            (
                "LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND\n",
                Some(FileKind::LsoaLookup),
            ),
            ("a,b,c\n", None),
        ];
        for (line, want) in cases {
            let got = detect_kind(Path::new("x.csv"), &mut line.as_bytes()).ok();
            assert_eq!(got, want, "{line}");
        }
    }
}
