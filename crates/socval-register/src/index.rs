//! The on-disk index both registers use: fixed-width records sorted by a
//! 64-bit key, opened memory-mapped and searched in place.
//!
//! Format (version 1, integers little-endian), documented in
//! `docs/registers.md`:
//!
//! | bytes | holds |
//! |---|---|
//! | 0..8 | magic `SVREGIX1` |
//! | 8..12 | format version (1) |
//! | 12..16 | words (u32) per record *w* |
//! | 16..24 | number of records *n* |
//! | 24..32 | number of shared strings *s* |
//! | 32..88 | 7 section offsets (u64), see `Section` |
//!
//! Sections: keys (*n* × u64, sorted ascending, unique); records (*n* × *w*
//! × u32, in key order); text (the bytes of per-record strings such as
//! names, which a record points at with an offset and a length); shared
//! string offsets ((*s*+1) × u32) and bytes (strings many records share,
//! such as statuses and SIC codes, stored once and named by id, `u32::MAX`
//! = none); the edition as JSON.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"SVREGIX1";
const VERSION: u32 = 1;
const SECTIONS: usize = 7;
const HEADER_LEN: usize = 32 + 8 * SECTIONS;

/// "No value" for a shared string id or a text offset.
pub(crate) const NONE: u32 = u32::MAX;

#[derive(Clone, Copy)]
enum Section {
    Keys,
    Records,
    Text,
    StrOffsets,
    StrBytes,
    Meta,
    End,
}

/// Collects records for a new index. Memory: the keys, the records and
/// the text of every record, about 60 bytes a company plus its name.
pub(crate) struct TableWriter {
    words: usize,
    keys: Vec<u64>,
    records: Vec<u32>,
    text: Vec<u8>,
    ids: HashMap<Vec<u8>, u32>,
    strings: Vec<Vec<u8>>,
}

/// What writing an index did: the records kept and the repeated keys
/// dropped (the first row with a key wins).
pub(crate) struct Written {
    pub records: u64,
    pub duplicates: u64,
}

impl TableWriter {
    /// A writer for records of `words` u32 words each.
    pub fn new(words: usize) -> TableWriter {
        TableWriter {
            words,
            keys: Vec::new(),
            records: Vec::new(),
            text: Vec::new(),
            ids: HashMap::new(),
            strings: Vec::new(),
        }
    }

    /// Stores a per-record string and returns its offset and length (two
    /// words of a record). An empty string is `[NONE, 0]`.
    pub fn text(&mut self, path: &Path, s: &str) -> Result<[u32; 2]> {
        if s.is_empty() {
            return Ok([NONE, 0]);
        }
        let too_big = || Error::Format {
            path: path.to_owned(),
            reason: "the names and postcodes exceed 4 GB".into(),
        };
        let at = u32::try_from(self.text.len()).map_err(|_| too_big())?;
        let len = u32::try_from(s.len()).map_err(|_| too_big())?;
        at.checked_add(len).ok_or_else(too_big)?;
        self.text.extend_from_slice(s.as_bytes());
        Ok([at, len])
    }

    /// The id of a shared string, adding it the first time; [`NONE`] for an
    /// empty one.
    pub fn intern(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return NONE;
        }
        if let Some(&id) = self.ids.get(s.as_bytes()) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.as_bytes().to_vec());
        self.ids.insert(s.as_bytes().to_vec(), id);
        id
    }

    /// Adds a record. `record` must have the writer's number of words.
    pub fn push(&mut self, key: u64, record: &[u32]) {
        debug_assert_eq!(record.len(), self.words);
        self.keys.push(key);
        self.records.extend_from_slice(record);
    }

    /// Sorts the records by key, keeps the first of each key, and writes
    /// the index with the description `meta` makes from the counts beside
    /// `path`, renaming it over `path` only when complete: a failure leaves
    /// the previous edition in place.
    pub fn write<M: serde::Serialize>(
        self,
        path: &Path,
        meta: impl FnOnce(&Written) -> M,
    ) -> Result<M> {
        let mut order: Vec<u32> = (0..self.keys.len() as u32).collect();
        // (key, row) keeps the file's order among equal keys.
        order.sort_unstable_by_key(|&i| (self.keys[i as usize], i));
        let before = order.len();
        order.dedup_by_key(|i| self.keys[*i as usize]);
        let n = order.len();
        let written = Written {
            records: n as u64,
            duplicates: (before - n) as u64,
        };
        let meta = meta(&written);
        let meta_bytes = serde_json::to_vec(&meta).map_err(|e| Error::Format {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let str_len: usize = self.strings.iter().map(Vec::len).sum();
        let sizes = [
            n * 8,
            n * self.words * 4,
            self.text.len(),
            (self.strings.len() + 1) * 4,
            str_len,
            meta_bytes.len(),
        ];
        let mut offsets = [0u64; SECTIONS];
        offsets[0] = HEADER_LEN as u64;
        for (i, s) in sizes.iter().enumerate() {
            offsets[i + 1] = offsets[i] + *s as u64;
        }
        let mut head = Vec::with_capacity(HEADER_LEN);
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&VERSION.to_le_bytes());
        head.extend_from_slice(&(self.words as u32).to_le_bytes());
        head.extend_from_slice(&(n as u64).to_le_bytes());
        head.extend_from_slice(&(self.strings.len() as u64).to_le_bytes());
        offsets
            .iter()
            .for_each(|o| head.extend_from_slice(&o.to_le_bytes()));
        write_atomic(path, |w| {
            w.write_all(&head)?;
            for &i in &order {
                w.write_all(&self.keys[i as usize].to_le_bytes())?;
            }
            for &i in &order {
                let at = i as usize * self.words;
                for v in &self.records[at..at + self.words] {
                    w.write_all(&v.to_le_bytes())?;
                }
            }
            w.write_all(&self.text)?;
            let mut at = 0u32;
            w.write_all(&at.to_le_bytes())?;
            for s in &self.strings {
                at += s.len() as u32;
                w.write_all(&at.to_le_bytes())?;
            }
            for s in &self.strings {
                w.write_all(s)?;
            }
            w.write_all(&meta_bytes)
        })?;
        Ok(meta)
    }
}

/// Writes through `fill` to a temporary file beside `path`, then renames
/// it over `path`. A failure leaves whatever was at `path` untouched.
pub(crate) fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        fill(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
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
    // SAFETY: an index is written to a temporary file and renamed into
    // place, never modified in place, so the mapped bytes do not change
    // while socval runs (unless someone edits the file by hand, which
    // every reader of a mapped file has to accept). All reads below are
    // bounds-checked slices of the map.
    unsafe { memmap2::Mmap::map(file) }
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(NONE, u32::from_le_bytes)
}

/// An opened index: records found by key, their words, texts and shared
/// strings.
pub(crate) struct Table {
    path: PathBuf,
    bytes: Bytes,
    n: usize,
    words: usize,
    offsets: [usize; SECTIONS],
    strings: Vec<String>,
}

impl Table {
    /// Opens an index written by [`TableWriter::write`] for records of
    /// `words` words. Reads only the header, the shared strings and the
    /// edition; the records stay on disk, mapped.
    ///
    /// Returns [`Error::NoIndex`] if there is no file and
    /// [`Error::Format`] if it is not a complete index of this version.
    pub fn open(path: &Path, register: &'static str, words: usize) -> Result<Table> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NoIndex {
                    register,
                    path: path.to_owned(),
                });
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let bytes = if len < 1 << 20 {
            // Small indexes (tests, the demo): reading is as cheap as mapping.
            Bytes::Owned(fs::read(path).map_err(|e| Error::io(path, e))?)
        } else {
            Bytes::Mapped(map(&file).map_err(|e| Error::io(path, e))?)
        };
        let bad = |reason: &str| Error::Format {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let b = bytes.as_slice();
        if b.len() < HEADER_LEN || &b[..8] != MAGIC {
            return Err(bad("not a socval register index (bad magic number)"));
        }
        if u32_at(b, 8) != VERSION {
            return Err(bad(
                "index format version not supported: import the register again",
            ));
        }
        if u32_at(b, 12) as usize != words {
            return Err(bad("the records are not of this register"));
        }
        let n = usize::try_from(u64_at(b, 16)).map_err(|_| bad("size"))?;
        let n_strings = usize::try_from(u64_at(b, 24)).map_err(|_| bad("size"))?;
        let mut offsets = [0usize; SECTIONS];
        for (i, o) in offsets.iter_mut().enumerate() {
            *o = usize::try_from(u64_at(b, 32 + 8 * i)).map_err(|_| bad("offset"))?;
        }
        let size = |s: Section| offsets[s as usize + 1].checked_sub(offsets[s as usize]);
        if offsets[0] != HEADER_LEN
            || offsets.windows(2).any(|w| w[0] > w[1])
            || offsets[Section::End as usize] != b.len()
            || size(Section::Keys) != n.checked_mul(8)
            || size(Section::Records) != n.checked_mul(words * 4)
            || size(Section::StrOffsets) != n_strings.checked_add(1).map(|s| s * 4)
        {
            return Err(bad(
                "section sizes do not match its header: the file is incomplete or damaged",
            ));
        }
        let section = |s: Section| &b[offsets[s as usize]..offsets[s as usize + 1]];
        let (str_offs, str_bytes) = (section(Section::StrOffsets), section(Section::StrBytes));
        let mut strings = Vec::with_capacity(n_strings);
        for i in 0..n_strings {
            let s = str_bytes
                .get(u32_at(str_offs, i * 4) as usize..u32_at(str_offs, i * 4 + 4) as usize)
                .and_then(|s| std::str::from_utf8(s).ok())
                .ok_or_else(|| bad("shared strings damaged"))?;
            strings.push(s.to_owned());
        }
        Ok(Table {
            path: path.to_owned(),
            n,
            words,
            offsets,
            strings,
            bytes,
        })
    }

    fn section(&self, s: Section) -> &[u8] {
        &self.bytes.as_slice()[self.offsets[s as usize]..self.offsets[s as usize + 1]]
    }

    /// The edition stored with the index.
    pub fn meta<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(self.section(Section::Meta)).map_err(|e| Error::Format {
            path: self.path.clone(),
            reason: format!("edition: {e}"),
        })
    }

    /// The key of record `i`.
    pub fn key(&self, i: usize) -> u64 {
        u64_at(self.section(Section::Keys), i * 8)
    }

    /// The position of `key`, by binary search.
    pub fn find(&self, key: u64) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.key(mid).cmp(&key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Word `w` of record `i`.
    pub fn word(&self, i: usize, w: usize) -> u32 {
        u32_at(self.section(Section::Records), (i * self.words + w) * 4)
    }

    /// The per-record string whose offset and length are words `w` and
    /// `w + 1` of record `i`; `None` when empty.
    pub fn text(&self, i: usize, w: usize) -> Option<&str> {
        let (at, len) = (self.word(i, w), self.word(i, w + 1));
        if at == NONE {
            return None;
        }
        self.section(Section::Text)
            .get(at as usize..at as usize + len as usize)
            .and_then(|s| std::str::from_utf8(s).ok())
    }

    /// The shared string `id`, `None` for [`NONE`].
    pub fn shared(&self, id: u32) -> Option<&str> {
        self.strings.get(id as usize).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_sorted_unique_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.idx");
        let p = Path::new("in.csv");
        let mut w = TableWriter::new(3);
        for (key, name, status) in [(3, "c", "x"), (1, "a", "y"), (3, "dup", "x"), (2, "", "")] {
            let [at, len] = w.text(p, name).unwrap();
            let s = w.intern(status);
            w.push(key, &[at, len, s]);
        }
        let done = w
            .write(&path, |d| format!("{} {}", d.records, d.duplicates))
            .unwrap();
        assert_eq!(done, "3 1");
        let t = Table::open(&path, "test", 3).unwrap();
        assert_eq!(t.n, 3);
        assert_eq!(t.meta::<String>().unwrap(), "3 1");
        let i = t.find(3).unwrap();
        assert_eq!(t.text(i, 0), Some("c"), "the first row with a key wins");
        assert_eq!(t.shared(t.word(i, 2)), Some("x"));
        let j = t.find(2).unwrap();
        assert_eq!((t.text(j, 0), t.shared(t.word(j, 2))), (None, None));
        assert_eq!(t.find(4), None);
        assert!(matches!(
            Table::open(&path, "test", 4),
            Err(Error::Format { .. })
        ));
        std::fs::write(&path, b"SVREGIX1 short").unwrap();
        assert!(matches!(
            Table::open(&path, "test", 3),
            Err(Error::Format { .. })
        ));
        assert!(matches!(
            Table::open(&dir.path().join("none.idx"), "test", 3),
            Err(Error::NoIndex { .. })
        ));
    }
}
