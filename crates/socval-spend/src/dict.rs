//! A string dictionary builder for the import: each distinct value of a
//! chunk is stored once, rows hold its key (first occurrence order, so the
//! result does not depend on hashing).
//!
//! Arrow's `StringDictionaryBuilder` does the same, but this one hashes with
//! a cheap multiply-rotate hash, never reallocates per value and tells the
//! caller when a value is new (the import decides redaction once per
//! distinct supplier name). It is only ever fed names and codes from one
//! file, so a hash that an adversary could collide would cost time, not
//! correctness.

use std::sync::Arc;

use arrow_array::builder::{NullBufferBuilder, OffsetBufferBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{DictionaryArray, Int32Array, StringArray};

/// Builds a `Dictionary(Int32, Utf8)` column.
pub(crate) struct DictBuilder {
    /// Open addressing, so that a probe reads one slot: 0 is empty, else
    /// the hash (whose low bits choose the slot) above key + 1. Length a
    /// power of two.
    slots: Vec<u64>,
    bytes: Vec<u8>,
    offsets: Vec<i32>,
    keys: Vec<i32>,
    nulls: NullBufferBuilder,
}

fn hash(b: &[u8]) -> u32 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    // The multiply leaves its best mixed bits at the top.
    (h >> 32) as u32
}

impl DictBuilder {
    pub(crate) fn new(rows: usize) -> Self {
        DictBuilder {
            slots: vec![0; 1024],
            bytes: Vec::new(),
            offsets: vec![0],
            keys: Vec::with_capacity(rows),
            nulls: NullBufferBuilder::new(rows),
        }
    }

    /// Distinct values so far.
    pub(crate) fn distinct(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The value of key `k`.
    pub(crate) fn value(&self, k: usize) -> &[u8] {
        &self.bytes[self.offsets[k] as usize..self.offsets[k + 1] as usize]
    }

    /// Bytes of all the distinct values.
    pub(crate) fn value_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Appends `s` and returns its key and whether it is new in this chunk.
    pub(crate) fn append(&mut self, s: &str) -> (usize, bool) {
        let (k, new) = self.insert(s);
        self.keys.push(k as i32);
        self.nulls.append_non_null();
        (k, new)
    }

    /// The key of `s`, adding it to the values if new, without appending a
    /// row.
    pub(crate) fn intern(&mut self, s: &str) -> usize {
        self.insert(s).0
    }

    fn insert(&mut self, s: &str) -> (usize, bool) {
        let b = s.as_bytes();
        let h = hash(b);
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                break;
            }
            let k = (slot as u32) as usize - 1;
            if (slot >> 32) as u32 == h && self.value(k) == b {
                return (k, false);
            }
            i = (i + 1) & mask;
        }
        let k = self.distinct();
        self.bytes.extend_from_slice(b);
        self.offsets
            .push(i32::try_from(self.bytes.len()).expect("a chunk's distinct values fit in 2 GiB"));
        self.slots[i] = (u64::from(h) << 32) | (k as u64 + 1);
        if (k + 1) * 2 > self.slots.len() {
            self.grow();
        }
        (k, true)
    }

    /// Appends the value of a key returned earlier (since the last finish).
    pub(crate) fn append_key(&mut self, k: usize) {
        debug_assert!(k < self.distinct());
        self.keys.push(k as i32);
        self.nulls.append_non_null();
    }

    /// Appends a null (the field is absent or blank).
    pub(crate) fn append_null(&mut self) {
        self.keys.push(0);
        self.nulls.append_null();
    }

    fn grow(&mut self) {
        let mut slots = vec![0u64; self.slots.len() * 2];
        let mask = slots.len() - 1;
        for &slot in self.slots.iter().filter(|&&s| s != 0) {
            let mut i = (slot >> 32) as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = slot;
        }
        self.slots = slots;
    }

    /// The column, leaving the builder empty.
    pub(crate) fn finish(&mut self) -> DictionaryArray<Int32Type> {
        let rows = self.keys.len();
        let mut offsets = OffsetBufferBuilder::<i32>::new(self.distinct());
        for w in self.offsets.windows(2) {
            offsets.push_length((w[1] - w[0]) as usize);
        }
        self.offsets.truncate(1);
        let values = StringArray::new(
            offsets.finish(),
            std::mem::take(&mut self.bytes).into(),
            None,
        );
        let keys = Int32Array::new(
            std::mem::replace(&mut self.keys, Vec::with_capacity(rows)).into(),
            self.nulls.finish(),
        );
        self.slots.iter_mut().for_each(|s| *s = 0);
        DictionaryArray::try_new(keys, Arc::new(values)).expect("keys are within the dictionary")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use arrow_array::cast::AsArray;

    #[test]
    fn keys_in_first_occurrence_order_with_nulls() {
        let mut d = DictBuilder::new(4);
        let words: Vec<String> = (0..5000).map(|i| format!("name {}", i % 1500)).collect();
        for (i, w) in words.iter().enumerate() {
            if i % 7 == 0 {
                d.append_null();
            }
            let (k, new) = d.append(w);
            assert_eq!(k, i % 1500);
            assert_eq!(new, i < 1500);
        }
        let a = d.finish();
        assert_eq!(a.len(), 5000 + 5000_usize.div_ceil(7));
        assert_eq!(a.null_count(), 5000_usize.div_ceil(7));
        let values = a.values().as_string::<i32>();
        assert_eq!(values.len(), 1500);
        assert_eq!(values.value(42), "name 42");
        // Reused after finish: a fresh dictionary.
        assert_eq!(d.append("again"), (0, true));
        assert_eq!(d.finish().values().len(), 1);
    }
}
