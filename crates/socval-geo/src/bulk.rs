//! Classifying many postcodes against one definition (`socval geo
//! classify` of a supplier file): the same answers as
//! [`LocalDefinition::classify`], with the per-row work reduced to a hash
//! probe and table reads.
//!
//! [`Classifier::new`] reads the index keys once (tens of milliseconds for the
//! whole UK) to build
//! - a table of postcode sectors small enough to stay in the processor's
//!   cache, so finding a record is a hash probe and a bit count instead of
//!   a binary search through a district's keys in the mapped file;
//! - tables by the index's string ids: where each LAD code is for the
//!   definition, the deprivation entry of each LSOA code and the name of
//!   each area, so no per-row string hashing or comparing is left.
//!
//! It is meant for many lookups; for a few, use [`GeoData::classify`].

use crate::data::GeoData;
use crate::index::PostcodeIndex;
use crate::local::{Classification, LadClass, LocalDefinition, Reason, special_case};
use crate::postcode::{InvalidPostcode, Postcode};

/// A classification with the names of its LAD and ward (from the imported
/// names files), as [`crate::Names::get`] gives them.
#[derive(Clone, Debug, PartialEq)]
pub struct Named<'a> {
    /// As [`LocalDefinition::classify`] gives it.
    pub classification: Classification<'a>,
    /// The name of the record's LAD, if known.
    pub lad_name: Option<&'a str>,
    /// The name of the record's ward, if known.
    pub ward_name: Option<&'a str>,
}

/// Classifies postcodes against one definition, fast, for many rows.
/// Shareable between threads.
///
/// ```no_run
/// use socval_geo::{Classifier, GeoData};
/// let geo = GeoData::open("socval-data".as_ref())?;
/// let def = geo.default_definition();
/// let classifier = Classifier::new(&geo, &def);
/// for pc in ["s60 2th", "DN1 1AA"] {
///     let c = classifier.classify(pc);
///     println!("{pc}: {} in {:?}", c.classification.class, c.lad_name);
/// }
/// # Ok::<(), socval_geo::Error>(())
/// ```
pub struct Classifier<'a> {
    geo: &'a GeoData,
    def: &'a LocalDefinition,
    // None when the keys do not fit the table (see KeyTable::new): binary
    // search then, as a lookup does.
    table: Option<KeyTable>,
    // By string id.
    lads: Vec<LadClass>,
    imd: Vec<Option<(u32, u8)>>,
    names: Vec<Option<&'a str>>,
}

impl std::fmt::Debug for Classifier<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("definition", &self.def.name)
            .field("sector_table", &self.table.is_some())
            .finish()
    }
}

impl<'a> Classifier<'a> {
    /// Prepares the tables for `def` over what `geo` holds.
    pub fn new(geo: &'a GeoData, def: &'a LocalDefinition) -> Classifier<'a> {
        let index = &geo.index;
        let strings: Vec<Option<&'a str>> = (0..index.string_count())
            .map(|id| u32::try_from(id).ok().and_then(|id| index.string(id)))
            .collect();
        let lads = strings
            .iter()
            .map(|s| s.map_or(LadClass::None, |s| LadClass::of(def, Some(s))))
            .collect();
        let imd = match &geo.deprivation {
            Some(d) => strings
                .iter()
                .map(|s| {
                    s.and_then(|s| d.entry(s))
                        .map(|(_, rank, decile)| (rank, decile))
                })
                .collect(),
            None => Vec::new(),
        };
        let names = strings
            .iter()
            .map(|s| s.and_then(|s| geo.names.get(s)))
            .collect();
        Classifier {
            geo,
            def,
            table: KeyTable::new(index),
            lads,
            imd,
            names,
        }
    }

    /// Classifies one postcode as typed (any spelling), as
    /// [`LocalDefinition::classify`] does, with the area names.
    pub fn classify(&self, raw: &str) -> Named<'a> {
        match Postcode::parse(raw) {
            Err(e) => invalid(&e),
            Ok(pc) => self.classify_postcode(&pc),
        }
    }

    /// Classifies one parsed postcode, as
    /// [`LocalDefinition::classify_postcode`] does, with the area names.
    pub fn classify_postcode(&self, pc: &Postcode) -> Named<'a> {
        let found = pc.key().and_then(|k| self.find(k));
        self.named(pc, found)
    }

    /// Classifies `raws` into `out` (cleared first), in order: the same as
    /// [`Classifier::classify`] on each, but the record reads of all of
    /// them are started before the first is needed, so that their cache
    /// misses overlap instead of following one another.
    /// For batches of tens to a few hundred postcodes.
    pub fn classify_batch(&self, raws: &[&str], out: &mut Vec<Named<'a>>) {
        out.clear();
        let parsed: Vec<Result<Postcode, InvalidPostcode>> =
            raws.iter().map(|r| Postcode::parse(r)).collect();
        let keys: Vec<Option<u64>> = parsed
            .iter()
            .map(|p| p.as_ref().ok().and_then(Postcode::key))
            .collect();
        let found: Vec<Option<usize>> = keys.iter().map(|k| self.find((*k)?)).collect();
        // Start reading every record (a tight loop of independent reads,
        // so that many are in flight at once); the values are not needed.
        let mut touched = 0u32;
        for i in found.iter().flatten() {
            touched ^= self.geo.index.first_word(*i);
        }
        std::hint::black_box(touched);
        for (p, i) in parsed.into_iter().zip(found) {
            out.push(match p {
                Ok(pc) => self.named(&pc, i),
                Err(e) => invalid(&e),
            });
        }
    }

    /// The record position of a key.
    fn find(&self, key: u64) -> Option<usize> {
        match &self.table {
            Some(t) => t.find(key),
            None => self.geo.index.find(key),
        }
    }

    /// The classification of `pc`, found at record `found` or not found.
    fn named(&self, pc: &Postcode, found: Option<usize>) -> Named<'a> {
        let index = &self.geo.index;
        let unnamed = |classification| Named {
            classification,
            lad_name: None,
            ward_name: None,
        };
        if let Some(c) = special_case(pc) {
            return unnamed(c);
        }
        let Some(i) = found else {
            return unnamed(Classification::unknown(Some(*pc), Reason::NotFound, None));
        };
        let rec = index.record(i, *pc);
        let [lad, ward, lsoa11, lsoa21] = index.string_ids(i);
        let by_id = |id: u32| usize::try_from(id).ok();
        let deprivation = self.geo.deprivation.as_ref().map(|d| {
            d.for_record_by(&rec, |code, is_21| {
                // The record's own code, as the index holds it (the same
                // text as the deprivation file's).
                let (id, own) = if is_21 {
                    (lsoa21, rec.lsoa21)
                } else {
                    (lsoa11, rec.lsoa11)
                };
                match (by_id(id).and_then(|id| self.imd.get(id)), own) {
                    (Some(figure), Some(own)) => figure.map(|(rank, decile)| (own, rank, decile)),
                    _ => d.entry(code),
                }
            })
        });
        let lad_class = by_id(lad)
            .and_then(|id| self.lads.get(id))
            .copied()
            .unwrap_or(LadClass::None);
        let name = |id: u32| {
            by_id(id)
                .and_then(|id| self.names.get(id))
                .copied()
                .flatten()
        };
        Named {
            classification: self.def.found(rec, deprivation, lad_class),
            lad_name: name(lad),
            ward_name: name(ward),
        }
    }

    /// The definition classified against.
    pub fn definition(&self) -> &'a LocalDefinition {
        self.def
    }
}

/// The answer for text that is not a postcode.
fn invalid<'a>(e: &InvalidPostcode) -> Named<'a> {
    Named {
        classification: Classification::unknown(None, Reason::Invalid, Some(e.to_string())),
        lad_name: None,
        ward_name: None,
    }
}

/// Where each postcode's record is, by postcode sector: a small hash
/// table from sector (`S60 2`: outward code and the inward digit) to the
/// position of the sector's first record and a bitmap of which of the 400
/// possible units (the two inward letters) exist. A lookup is a probe of
/// the hash table and a population count; the whole table (12,114
/// sectors of 64 bytes for the 2024 UK NSPL, under 1 MB) stays in the
/// processor's cache.
struct KeyTable {
    slots: Vec<u32>,
    shift: u32,
    sectors: Vec<Sector>,
}

#[derive(Clone, Copy)]
struct Sector {
    key: u32,
    start: u32,
    units: [u64; 7],
}

/// Letters of the inward code's unit, in order (never C, I, K, M, O, V).
const UNIT_LETTERS: &[u8; 20] = b"ABDEFGHJLNPQRSTUWXYZ";

fn unit_letter(b: u8) -> Option<u16> {
    UNIT_LETTERS
        .iter()
        .position(|&l| l == b)
        .and_then(|i| u16::try_from(i).ok())
}

/// A key's sector (the outward code's 4 padded characters of 37 symbols
/// and the inward digit) and unit (0..400, in key order), or `None` if the
/// key has another shape.
fn split(key: u64) -> Option<(u32, u16)> {
    let b = key.to_be_bytes();
    let outward = b[1..5].iter().try_fold(0u32, |acc, &c| {
        let sym = match c {
            b' ' => 0,
            b'0'..=b'9' => c - b'0' + 1,
            b'A'..=b'Z' => c - b'A' + 11,
            _ => return None,
        };
        Some(acc * 37 + u32::from(sym))
    })?;
    if b[0] != 0 || !b[5].is_ascii_digit() {
        return None;
    }
    let sector = outward * 10 + u32::from(b[5] - b'0');
    let unit = unit_letter(b[6])? * 20 + unit_letter(b[7])?;
    Some((sector, unit))
}

impl KeyTable {
    /// The table over every key of `index`, in one pass over the sorted
    /// keys. `None` if a key does not have the shape of a postcode, keys
    /// are not sorted and unique, or positions do not fit in 32 bits: a
    /// lookup then searches the index as [`PostcodeIndex::lookup`] does.
    fn new(index: &PostcodeIndex) -> Option<KeyTable> {
        let mut sectors: Vec<Sector> = Vec::new();
        for i in 0..index.len() {
            let (key, unit) = split(index.key(i))?;
            let start = u32::try_from(i).ok()?;
            match sectors.last_mut() {
                Some(s) if s.key == key => {}
                Some(s) if s.key > key => return None,
                _ => sectors.push(Sector {
                    key,
                    start,
                    units: [0; 7],
                }),
            }
            let s = sectors.last_mut()?;
            let (word, bit) = (usize::from(unit / 64), unit % 64);
            // Units come in increasing order within a sector.
            if s.units[word] >> bit != 0 || s.units[word + 1..].iter().any(|&w| w != 0) {
                return None;
            }
            s.units[word] |= 1 << bit;
        }
        let cap = (sectors.len() * 2).next_power_of_two().max(16);
        let mut t = KeyTable {
            slots: vec![0; cap],
            shift: 64 - cap.trailing_zeros(),
            sectors,
        };
        for (i, s) in t.sectors.iter().enumerate() {
            let mut slot = t.slot(s.key);
            while t.slots[slot] != 0 {
                slot = (slot + 1) & (cap - 1);
            }
            t.slots[slot] = u32::try_from(i + 1).ok()?;
        }
        Some(t)
    }

    fn slot(&self, sector: u32) -> usize {
        // Fibonacci hashing: the top bits of the product.
        (u64::from(sector).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The position of `key`, if present.
    fn find(&self, key: u64) -> Option<usize> {
        let (sector, unit) = split(key)?;
        let mask = self.slots.len() - 1;
        let mut slot = self.slot(sector);
        let s = loop {
            let v = usize::try_from(self.slots[slot]).ok()?;
            let s = self.sectors.get(v.checked_sub(1)?)?;
            if s.key == sector {
                break s;
            }
            slot = (slot + 1) & mask;
        };
        let (word, bit) = (usize::from(unit / 64), unit % 64);
        if s.units[word] >> bit & 1 == 0 {
            return None;
        }
        let before: u32 = s.units[..word].iter().map(|w| w.count_ones()).sum::<u32>()
            + (s.units[word] & ((1 << bit) - 1)).count_ones();
        usize::try_from(s.start + before).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sectors_and_units_follow_key_order() {
        let pcs = [
            "A1 1AA", "B1 1AA", "B1 1AB", "B1 1ZZ", "B1 2AA", "S6 2TH", "S60 2TH", "SW1A 1AA",
            "ZE3 9JZ",
        ];
        let split_of = |p: &str| split(p.parse::<Postcode>().unwrap().key().unwrap()).unwrap();
        for w in pcs.windows(2) {
            let (a, b) = (split_of(w[0]), split_of(w[1]));
            assert!(a < b, "{} {}", w[0], w[1]);
        }
        assert_eq!(split_of("B1 1AA").0, split_of("B1 1ZZ").0);
        assert_eq!(split_of("B1 1ZZ").1, 399);
        assert_eq!(split(u64::from_be_bytes(*b"\0S60-2TH")), None);
    }
}
