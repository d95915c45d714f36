//! The compact postcode index: a binary file under the data directory that
//! opens in a few milliseconds (memory-mapped) and answers lookups by binary
//! search over sorted fixed-width keys.
//!
//! Format (version 2, all integers little-endian), documented in
//! `docs/geo.md`:
//!
//! | bytes | holds |
//! |---|---|
//! | 0..8 | magic `SVGEOIX1` |
//! | 8..12 | format version (2) |
//! | 12..16 | reserved (0) |
//! | 16..24 | number of postcodes *n* |
//! | 24..32 | number of interned strings *s* |
//! | 32..88 | 7 section offsets (u64), see `Section` |
//!
//! Sections: keys (*n* × u64, sorted, see [`Postcode::key`]); bucket starts
//! (37³ + 1 × u32, indexed by the first three characters of the key);
//! records (*n* × 28 bytes: LAD, ward, LSOA 2011, LSOA 2021 string ids as
//! u32, `u32::MAX` = none; latitude and longitude as i32 micro-degrees,
//! `i32::MIN` = none; termination u32: 0 live, `yyyymm`, or `u32::MAX`
//! terminated on an unknown date), so one lookup touches one record;
//! string offsets ((*s*+1) × u32); string bytes; a JSON description of the
//! sources.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::distance::{LatLong, from_micro};
use crate::error::{Error, Result};
use crate::postcode::Postcode;

const MAGIC: &[u8; 8] = b"SVGEOIX1";
const VERSION: u32 = 2;
const HEADER_LEN: usize = 32 + 8 * SECTIONS;
const SECTIONS: usize = 7;
// Buckets by the first three characters of the key, each one of 37
// symbols (space, 0-9, A-Z): about one bucket per postcode district.
const BUCKETS: usize = 37 * 37 * 37;
// One record: LAD, ward, LSOA 2011, LSOA 2021 ids, lat, long, termination.
const RECORD: usize = 28;

fn symbol(b: u8) -> usize {
    match b {
        b'0'..=b'9' => usize::from(b - b'0') + 1,
        b'A'..=b'Z' => usize::from(b - b'A') + 11,
        _ => 0,
    }
}

fn bucket(key: u64) -> usize {
    let b = key.to_be_bytes();
    (symbol(b[1]) * 37 + symbol(b[2])) * 37 + symbol(b[3])
}
pub(crate) const NONE_ID: u32 = u32::MAX;
pub(crate) const NONE_COORD: i32 = i32::MIN;
pub(crate) const TERM_NO_DATE: u32 = u32::MAX;

/// The sections of the index file, in order.
#[derive(Clone, Copy)]
enum Section {
    Keys,
    Buckets,
    Records,
    StrOffsets,
    StrBytes,
    Meta,
    End,
}

/// What went into an index: one entry per imported file, in precedence order.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct IndexInfo {
    /// Files merged into the index, earliest (highest precedence) first.
    pub sources: Vec<SourceInfo>,
    /// Postcodes in the index.
    pub postcodes: u64,
    /// Postcodes flagged terminated.
    pub terminated: u64,
    /// Postcodes with coordinates.
    pub with_coordinates: u64,
}

/// One imported postcode file.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SourceInfo {
    /// The file name as given.
    pub file: String,
    /// `ons` (ONSPD/NSPL layout) or `codepoint`.
    pub kind: String,
    /// Data rows read.
    pub rows: u64,
    /// Which fields the file provided (`lad`, `ward`, `lsoa11`, `lsoa21`, `coordinates`, `termination`).
    pub fields: Vec<String>,
}

/// What the directory says about one postcode. Borrowed from the index:
/// copy the strings out (`to_owned`) to keep them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PostcodeRecord<'a> {
    /// The postcode, canonical.
    pub postcode: Postcode,
    /// Local authority district code (e.g. `E08000018`), as in the file.
    pub lad: Option<&'a str>,
    /// Electoral ward code.
    pub ward: Option<&'a str>,
    /// 2011 LSOA code (ONSPD `lsoa11`).
    pub lsoa11: Option<&'a str>,
    /// 2021 LSOA code (`lsoa21`).
    pub lsoa21: Option<&'a str>,
    /// Coordinates; `None` when the file had none (`lat` 99.999999).
    pub coords: Option<LatLong>,
    /// The postcode is terminated (no longer in use). Kept, not dropped.
    pub terminated: bool,
    /// When it was terminated, `yyyymm` as in ONS `doterm`, if known.
    pub doterm: Option<u32>,
}

impl PostcodeRecord<'_> {
    /// The newest LSOA code the record has (2021, else 2011).
    pub fn lsoa(&self) -> Option<&str> {
        self.lsoa21.or(self.lsoa11)
    }
}

enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// Maps a file read-only.
#[allow(unsafe_code)]
fn map(file: &File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the index is written to a temporary file and renamed into
    // place, never modified in place, so the mapped bytes do not change
    // under us while socval runs (unless someone edits the file by hand,
    // which every reader of a mapped file has to accept). All reads are
    // bounds-checked slices of the map.
    unsafe { memmap2::Mmap::map(file) }
}

/// The postcode directory, opened from an index file.
///
/// ```no_run
/// use socval_geo::{Postcode, PostcodeIndex};
/// let index = PostcodeIndex::open("socval-data/geo/postcodes.idx".as_ref())?;
/// let pc: Postcode = "S60 2TH".parse().unwrap();
/// if let Some(rec) = index.lookup(&pc) {
///     println!("{} is in {:?}", pc, rec.lad);
/// }
/// # Ok::<(), socval_geo::Error>(())
/// ```
pub struct PostcodeIndex {
    path: PathBuf,
    bytes: Bytes,
    n: usize,
    n_strings: usize,
    offsets: [usize; SECTIONS],
    info: IndexInfo,
    // The interned codes, copied out of the file and checked as UTF-8 once.
    strings: String,
}

impl std::fmt::Debug for PostcodeIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostcodeIndex")
            .field("path", &self.path)
            .field("postcodes", &self.n)
            .finish()
    }
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(NONE_ID, u32::from_le_bytes)
}

impl PostcodeIndex {
    /// Opens an index written by an import. Memory-maps the file; nothing
    /// is parsed beyond the header and the source list.
    ///
    /// Returns [`Error::NoIndex`] if the file does not exist and
    /// [`Error::Format`] if it is not a complete index of this version.
    pub fn open(path: &Path) -> Result<PostcodeIndex> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NoIndex {
                    path: path.to_owned(),
                });
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let bytes = if len < 1 << 20 {
            // Small indexes (tests): reading is as cheap as mapping.
            Bytes::Owned(fs::read(path).map_err(|e| Error::io(path, e))?)
        } else {
            Bytes::Mapped(map(&file).map_err(|e| Error::io(path, e))?)
        };
        PostcodeIndex::from_bytes(path, bytes)
    }

    fn from_bytes(path: &Path, bytes: Bytes) -> Result<PostcodeIndex> {
        let bad = |reason: &str| Error::Format {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let b = bytes.as_slice();
        if b.len() < HEADER_LEN || &b[..8] != MAGIC {
            return Err(bad("not a socval postcode index (bad magic number)"));
        }
        if u32_at(b, 8) != VERSION {
            return Err(bad(
                "index format version not supported: import the files again",
            ));
        }
        let n = usize::try_from(u64_at(b, 16)).map_err(|_| bad("size"))?;
        let n_strings = usize::try_from(u64_at(b, 24)).map_err(|_| bad("size"))?;
        let mut offsets = [0usize; SECTIONS];
        for (i, o) in offsets.iter_mut().enumerate() {
            *o = usize::try_from(u64_at(b, 32 + 8 * i)).map_err(|_| bad("offset"))?;
        }
        // Each section must have exactly the size its count implies.
        let want = [
            (Section::Keys, n.checked_mul(8)),
            (Section::Buckets, Some((BUCKETS + 1) * 4)),
            (Section::Records, n.checked_mul(RECORD)),
            (
                Section::StrOffsets,
                n_strings.checked_add(1).and_then(|s| s.checked_mul(4)),
            ),
        ];
        for (s, size) in want {
            let (start, end) = (offsets[s as usize], offsets[s as usize + 1]);
            if Some(end.wrapping_sub(start)) != size || end < start {
                return Err(bad(
                    "section sizes do not match: the file is incomplete or damaged",
                ));
            }
        }
        if offsets[Section::End as usize] != b.len() {
            return Err(bad(
                "file length does not match its header: incomplete or damaged",
            ));
        }
        if offsets[0] < HEADER_LEN || offsets.windows(2).any(|w| w[0] > w[1]) {
            return Err(bad("sections out of order: the file is damaged"));
        }
        let meta = &b[offsets[Section::Meta as usize]..offsets[Section::End as usize]];
        let info: IndexInfo =
            serde_json::from_slice(meta).map_err(|e| bad(&format!("source list: {e}")))?;
        let strings = std::str::from_utf8(
            &b[offsets[Section::StrBytes as usize]..offsets[Section::Meta as usize]],
        )
        .map_err(|_| bad("area codes are not UTF-8"))?
        .to_owned();
        Ok(PostcodeIndex {
            path: path.to_owned(),
            bytes,
            n,
            n_strings,
            offsets,
            info,
            strings,
        })
    }

    /// Where the index was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of postcodes (live and terminated).
    pub fn len(&self) -> usize {
        self.n
    }

    /// True if the index holds no postcodes.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The files that built the index and summary counts.
    pub fn info(&self) -> &IndexInfo {
        &self.info
    }

    fn section(&self, s: Section) -> &[u8] {
        let b = self.bytes.as_slice();
        &b[self.offsets[s as usize]..self.offsets[s as usize + 1]]
    }

    /// The interned string `id`, `None` for [`NONE_ID`] or out of range.
    pub(crate) fn string(&self, id: u32) -> Option<&str> {
        if id == NONE_ID || id as usize >= self.n_strings {
            return None;
        }
        let offs = self.section(Section::StrOffsets);
        let (start, end) = (
            u32_at(offs, id as usize * 4) as usize,
            u32_at(offs, id as usize * 4 + 4) as usize,
        );
        self.strings.get(start..end)
    }

    /// Number of interned strings (area codes); string ids are below it.
    pub(crate) fn string_count(&self) -> usize {
        self.n_strings
    }

    /// The key of record `i` (`i` < [`PostcodeIndex::len`]).
    pub(crate) fn key(&self, i: usize) -> u64 {
        u64_at(self.section(Section::Keys), i * 8)
    }

    /// The first word of record `i` (to start reading it).
    pub(crate) fn first_word(&self, i: usize) -> u32 {
        u32_at(self.section(Section::Records), i * RECORD)
    }

    /// The string ids of record `i`: LAD, ward, LSOA 2011, LSOA 2021
    /// ([`NONE_ID`] = none).
    pub(crate) fn string_ids(&self, i: usize) -> [u32; 4] {
        let recs = self.section(Section::Records);
        std::array::from_fn(|f| u32_at(recs, i * RECORD + f * 4))
    }

    /// The position of `key` by binary search within its bucket.
    pub(crate) fn find(&self, key: u64) -> Option<usize> {
        let keys = self.section(Section::Keys);
        let buckets = self.section(Section::Buckets);
        let bucket = bucket(key);
        let mut lo = u32_at(buckets, bucket * 4) as usize;
        let mut hi = (u32_at(buckets, bucket * 4 + 4) as usize).min(self.n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let k = u64_at(keys, mid * 8);
            match k.cmp(&key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// What the directory says about a postcode, or `None` if it is not in
    /// the directory.
    pub fn lookup(&self, postcode: &Postcode) -> Option<PostcodeRecord<'_>> {
        let i = self.find(postcode.key()?)?;
        Some(self.record(i, *postcode))
    }

    /// Record `i`, for `postcode`.
    pub(crate) fn record(&self, i: usize, postcode: Postcode) -> PostcodeRecord<'_> {
        let recs = self.section(Section::Records);
        let id = |field: usize| u32_at(recs, i * RECORD + field * 4);
        let lat = id(4) as i32;
        let long = id(5) as i32;
        let coords = (lat != NONE_COORD && long != NONE_COORD)
            .then(|| LatLong::new(from_micro(lat), from_micro(long)))
            .flatten();
        let term = id(6);
        PostcodeRecord {
            postcode,
            lad: self.string(id(0)),
            ward: self.string(id(1)),
            lsoa11: self.string(id(2)),
            lsoa21: self.string(id(3)),
            coords,
            terminated: term != 0,
            doterm: (term != 0 && term != TERM_NO_DATE).then_some(term),
        }
    }

    /// Every record, in key order.
    pub fn iter(&self) -> impl Iterator<Item = PostcodeRecord<'_>> + '_ {
        let keys = self.section(Section::Keys);
        (0..self.n)
            .filter_map(move |i| Some(self.record(i, Postcode::from_key(u64_at(keys, i * 8))?)))
    }
}

/// Columns of an index being built, one entry per postcode, sorted by key.
#[derive(Default)]
pub(crate) struct Columns {
    pub keys: Vec<u64>,
    pub lad: Vec<u32>,
    pub ward: Vec<u32>,
    pub lsoa11: Vec<u32>,
    pub lsoa21: Vec<u32>,
    pub lat: Vec<i32>,
    pub long: Vec<i32>,
    pub term: Vec<u32>,
}

/// Serialises columns and strings and writes them to `path` atomically:
/// a temporary file in the same directory, renamed over `path` only when
/// complete.
pub(crate) fn write(
    path: &Path,
    cols: &Columns,
    strings: &[Vec<u8>],
    info: &IndexInfo,
) -> Result<()> {
    let n = cols.keys.len();
    let mut buckets = vec![0u32; BUCKETS + 1];
    // bucket b starts at the first key whose bucket is >= b.
    let mut i = 0usize;
    for (b, start) in buckets.iter_mut().enumerate() {
        while i < n && bucket(cols.keys[i]) < b {
            i += 1;
        }
        *start = u32::try_from(i).map_err(|_| Error::Definition("too many postcodes".into()))?;
    }
    let meta = serde_json::to_vec(info).map_err(|e| Error::Definition(e.to_string()))?;
    let str_len: usize = strings.iter().map(Vec::len).sum();
    let mut out: Vec<u8> = Vec::with_capacity(
        HEADER_LEN + n * 40 + str_len + strings.len() * 4 + meta.len() + BUCKETS * 4 + 8,
    );
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(n as u64).to_le_bytes());
    out.extend_from_slice(&(strings.len() as u64).to_le_bytes());
    out.resize(HEADER_LEN, 0);
    let mut offsets = [0u64; SECTIONS];
    let mut mark = |out: &Vec<u8>, s: Section| offsets[s as usize] = out.len() as u64;
    mark(&out, Section::Keys);
    cols.keys
        .iter()
        .for_each(|k| out.extend_from_slice(&k.to_le_bytes()));
    mark(&out, Section::Buckets);
    buckets
        .iter()
        .for_each(|k| out.extend_from_slice(&k.to_le_bytes()));
    mark(&out, Section::Records);
    for i in 0..n {
        for v in [
            cols.lad[i],
            cols.ward[i],
            cols.lsoa11[i],
            cols.lsoa21[i],
            cols.lat[i] as u32,
            cols.long[i] as u32,
            cols.term[i],
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    mark(&out, Section::StrOffsets);
    let mut at = 0u32;
    out.extend_from_slice(&at.to_le_bytes());
    for s in strings {
        at += s.len() as u32;
        out.extend_from_slice(&at.to_le_bytes());
    }
    mark(&out, Section::StrBytes);
    strings.iter().for_each(|s| out.extend_from_slice(s));
    mark(&out, Section::Meta);
    out.extend_from_slice(&meta);
    mark(&out, Section::End);
    for (i, o) in offsets.iter().enumerate() {
        out[32 + 8 * i..40 + 8 * i].copy_from_slice(&o.to_le_bytes());
    }
    write_atomic(path, &out)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`. A failure leaves whatever was at `path` untouched.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}
